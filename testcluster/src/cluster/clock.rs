//! The cluster clock: microseconds since the epoch, for write timestamps and
//! TTLs, either the system clock or a manual one that tests move forward.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug)]
struct Inner {
    /// `None`: the system clock; `Some(t)`: a manual clock started at `t`.
    manual_start: Option<i64>,
    /// Added to the base time (moved by [`Clock::advance`]).
    offset: AtomicI64,
    /// The last value handed out, so that every call gets a larger one.
    last: AtomicI64,
}

/// A shared, controllable microsecond clock (clones share the same time).
///
/// Every [`Clock::now_micros`] call returns a value strictly larger than the
/// previous one, so writes get distinct timestamps even when the clock is
/// manual and does not move.
#[derive(Clone, Debug)]
pub struct Clock {
    inner: Arc<Inner>,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

fn system_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn duration_micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock::with_start(None)
    }

    /// A manual clock starting at `start` (a time since the epoch): it only
    /// moves with [`Clock::advance`] (and by one microsecond per reading).
    pub fn manual(start: SystemTime) -> Self {
        let micros = start
            .duration_since(UNIX_EPOCH)
            .map(duration_micros)
            .unwrap_or(0);
        Clock::manual_micros(micros)
    }

    /// A manual clock starting at `micros` microseconds since the epoch.
    pub fn manual_micros(micros: i64) -> Self {
        Clock::with_start(Some(micros))
    }

    fn with_start(manual_start: Option<i64>) -> Self {
        Clock {
            inner: Arc::new(Inner {
                manual_start,
                offset: AtomicI64::new(0),
                last: AtomicI64::new(i64::MIN),
            }),
        }
    }

    /// Whether this is a manual clock.
    pub fn is_manual(&self) -> bool {
        self.inner.manual_start.is_some()
    }

    /// Moves the clock forward by `by` (a system clock gets an offset).
    pub fn advance(&self, by: Duration) {
        self.inner
            .offset
            .fetch_add(duration_micros(by), Ordering::SeqCst);
    }

    /// The current time without the strictly-increasing adjustment.
    pub fn peek_micros(&self) -> i64 {
        let base = self.inner.manual_start.unwrap_or_else(system_micros);
        base.saturating_add(self.inner.offset.load(Ordering::SeqCst))
    }

    /// The current time in microseconds since the epoch; every call returns
    /// a value strictly greater than the previous call's.
    pub fn now_micros(&self) -> i64 {
        let now = self.peek_micros();
        let mut previous = self.inner.last.load(Ordering::SeqCst);
        loop {
            let next = if now > previous {
                now
            } else {
                previous.saturating_add(1)
            };
            match self.inner.last.compare_exchange_weak(
                previous,
                next,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return next,
                Err(actual) => previous = actual,
            }
        }
    }

    /// The current time in whole seconds since the epoch (TTLs, deletion
    /// times).
    pub fn now_seconds(&self) -> i64 {
        self.peek_micros().div_euclid(1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_is_strictly_increasing_and_advances() {
        let clock = Clock::manual_micros(1_000_000);
        let a = clock.now_micros();
        let b = clock.now_micros();
        assert_eq!(a, 1_000_000);
        assert_eq!(b, 1_000_001);
        clock.advance(Duration::from_secs(10));
        assert_eq!(clock.now_micros(), 11_000_000);
        assert_eq!(clock.now_seconds(), 11);
    }
}
