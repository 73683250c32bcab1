//! Reconnection: how often a down host is tried again.
//!
//! The standard policies: [`ConstantReconnectionPolicy`] (the same delay
//! every time) and [`ExponentialReconnectionPolicy`] (growing delays with
//! jitter, the DataStax drivers' default).

use std::fmt;
use std::time::Duration;

use rand::RngExt;

/// Makes a schedule of delays for each host that went down.
pub trait ReconnectionPolicy: Send + Sync + fmt::Debug {
    /// A new schedule, started when a host goes down.
    fn new_schedule(&self) -> Box<dyn ReconnectionSchedule>;
}

/// The delays before each reconnection attempt to one host.
pub trait ReconnectionSchedule: Send {
    /// The delay before the next attempt.
    fn next_delay(&mut self) -> Duration;
}

/// The shortest delay a policy gives: a zero delay would make the driver
/// hammer a dead host in a loop.
pub const MIN_RECONNECTION_DELAY: Duration = Duration::from_millis(1);

/// The longest delay a policy gives (`u64::MAX` nanoseconds, about 584
/// years), so that delays can be computed in nanoseconds without overflow.
pub const MAX_RECONNECTION_DELAY: Duration = Duration::from_nanos(u64::MAX);

/// `delay` within [`MIN_RECONNECTION_DELAY`]..=[`MAX_RECONNECTION_DELAY`].
fn clamp(delay: Duration) -> Duration {
    delay.clamp(MIN_RECONNECTION_DELAY, MAX_RECONNECTION_DELAY)
}

/// `delay` in nanoseconds (it is clamped, so it fits).
fn nanos(delay: Duration) -> u64 {
    u64::try_from(clamp(delay).as_nanos()).unwrap_or(u64::MAX)
}

/// Waits the same delay before every attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstantReconnectionPolicy {
    delay: Duration,
}

impl ConstantReconnectionPolicy {
    /// Waits `delay` before every attempt (at least
    /// [`MIN_RECONNECTION_DELAY`]).
    pub fn new(delay: Duration) -> Self {
        ConstantReconnectionPolicy {
            delay: clamp(delay),
        }
    }

    /// The delay between attempts.
    pub fn delay(&self) -> Duration {
        self.delay
    }
}

impl ReconnectionPolicy for ConstantReconnectionPolicy {
    fn new_schedule(&self) -> Box<dyn ReconnectionSchedule> {
        Box::new(ConstantSchedule { delay: self.delay })
    }
}

#[derive(Debug)]
struct ConstantSchedule {
    delay: Duration,
}

impl ReconnectionSchedule for ConstantSchedule {
    fn next_delay(&mut self) -> Duration {
        self.delay
    }
}

/// Waits longer after each failed attempt, up to a maximum, with random
/// jitter so that many clients that lost the same host do not all come back
/// at once.
///
/// The jitter is *full jitter floored at the base delay*: the delay before
/// attempt `n` (counting from 0) is drawn uniformly from
/// `base ..= min(max, base × 2ⁿ)`. So the first delay is exactly `base`,
/// the ceiling doubles with each attempt until it reaches `max`, and no
/// delay is ever below `base` or above `max`. The doubling saturates; it
/// cannot overflow however many attempts there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExponentialReconnectionPolicy {
    base: Duration,
    max: Duration,
}

impl ExponentialReconnectionPolicy {
    /// Delays from `base` growing up to `max`.
    ///
    /// `base` is raised to [`MIN_RECONNECTION_DELAY`] if it is shorter, both
    /// are capped at [`MAX_RECONNECTION_DELAY`], and a `max` below `base` is
    /// raised to `base` (every delay is then `base`).
    pub fn new(base: Duration, max: Duration) -> Self {
        let base = clamp(base);
        ExponentialReconnectionPolicy {
            base,
            max: clamp(max).max(base),
        }
    }

    /// The first delay, and the shortest.
    pub fn base_delay(&self) -> Duration {
        self.base
    }

    /// The longest delay.
    pub fn max_delay(&self) -> Duration {
        self.max
    }
}

impl Default for ExponentialReconnectionPolicy {
    /// From 1 second up to 10 minutes, the java-driver's default.
    fn default() -> Self {
        ExponentialReconnectionPolicy::new(Duration::from_secs(1), Duration::from_secs(600))
    }
}

impl ReconnectionPolicy for ExponentialReconnectionPolicy {
    fn new_schedule(&self) -> Box<dyn ReconnectionSchedule> {
        let base = nanos(self.base);
        Box::new(ExponentialSchedule {
            base,
            max: nanos(self.max).max(base),
            ceiling: base,
        })
    }
}

/// Delays in nanoseconds; `base <= ceiling <= max` always.
#[derive(Debug)]
struct ExponentialSchedule {
    base: u64,
    max: u64,
    ceiling: u64,
}

impl ReconnectionSchedule for ExponentialSchedule {
    fn next_delay(&mut self) -> Duration {
        let delay = if self.ceiling > self.base {
            rand::rng().random_range(self.base..=self.ceiling)
        } else {
            self.base
        };
        self.ceiling = self.ceiling.saturating_mul(2).clamp(self.base, self.max);
        Duration::from_nanos(delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn constant_gives_the_same_delay() {
        let policy = ConstantReconnectionPolicy::new(ms(250));
        assert_eq!(policy.delay(), ms(250));
        let mut schedule = policy.new_schedule();
        for _ in 0..10 {
            assert_eq!(schedule.next_delay(), ms(250));
        }
    }

    #[test]
    fn constant_never_zero() {
        let policy = ConstantReconnectionPolicy::new(Duration::ZERO);
        assert_eq!(policy.new_schedule().next_delay(), MIN_RECONNECTION_DELAY);
        let huge = ConstantReconnectionPolicy::new(Duration::MAX);
        assert_eq!(huge.new_schedule().next_delay(), MAX_RECONNECTION_DELAY);
    }

    #[test]
    fn exponential_stays_within_its_doubling_ceiling() {
        let policy = ExponentialReconnectionPolicy::new(ms(100), ms(10_000));
        for _ in 0..20 {
            let mut schedule = policy.new_schedule();
            assert_eq!(
                schedule.next_delay(),
                ms(100),
                "the first delay is the base"
            );
            let mut ceiling = ms(200);
            for attempt in 1..100 {
                let delay = schedule.next_delay();
                assert!(
                    delay >= ms(100) && delay <= ceiling,
                    "attempt {attempt}: {delay:?} outside 100ms..={ceiling:?}"
                );
                ceiling = (ceiling * 2).min(ms(10_000));
            }
        }
    }

    #[test]
    fn exponential_reaches_the_maximum_region() {
        let policy = ExponentialReconnectionPolicy::new(ms(1), ms(1_000));
        let mut schedule = policy.new_schedule();
        let delays: Vec<Duration> = (0..300).map(|_| schedule.next_delay()).collect();
        assert!(delays.iter().all(|d| *d >= ms(1) && *d <= ms(1_000)));
        // Past attempt 10 the ceiling is the maximum: some delays are in its
        // upper half (failing has odds of about 2^-290).
        assert!(delays[10..].iter().any(|d| *d > ms(500)));
        // And they are jittered, not all equal.
        let distinct: std::collections::HashSet<_> = delays[10..].iter().collect();
        assert!(distinct.len() > 1);
    }

    #[test]
    fn exponential_schedules_are_independent() {
        let policy = ExponentialReconnectionPolicy::new(ms(10), ms(80));
        let mut first = policy.new_schedule();
        for _ in 0..10 {
            first.next_delay();
        }
        // A new schedule starts over at the base.
        assert_eq!(policy.new_schedule().next_delay(), ms(10));
    }

    #[test]
    fn exponential_does_not_overflow() {
        let policy = ExponentialReconnectionPolicy::new(Duration::from_secs(3600), Duration::MAX);
        assert_eq!(policy.max_delay(), MAX_RECONNECTION_DELAY);
        let mut schedule = policy.new_schedule();
        for _ in 0..1_000 {
            let delay = schedule.next_delay();
            assert!(delay >= Duration::from_secs(3600));
            assert!(delay <= MAX_RECONNECTION_DELAY);
        }
        let extreme = ExponentialReconnectionPolicy::new(Duration::MAX, Duration::MAX);
        assert_eq!(extreme.new_schedule().next_delay(), MAX_RECONNECTION_DELAY);
    }

    #[test]
    fn exponential_edge_configurations() {
        // A zero base is raised to the minimum.
        let zero = ExponentialReconnectionPolicy::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(zero.base_delay(), MIN_RECONNECTION_DELAY);
        assert_eq!(zero.max_delay(), MIN_RECONNECTION_DELAY);
        let mut schedule = zero.new_schedule();
        for _ in 0..10 {
            assert_eq!(schedule.next_delay(), MIN_RECONNECTION_DELAY);
        }
        // A max below the base: constant at the base.
        let inverted = ExponentialReconnectionPolicy::new(ms(500), ms(100));
        assert_eq!(inverted.max_delay(), ms(500));
        let mut schedule = inverted.new_schedule();
        for _ in 0..10 {
            assert_eq!(schedule.next_delay(), ms(500));
        }
        // Delays are computed in whole nanoseconds, so odd bases keep their bounds.
        let odd = ExponentialReconnectionPolicy::new(Duration::from_nanos(1_000_001), ms(3));
        let mut schedule = odd.new_schedule();
        for _ in 0..50 {
            let delay = schedule.next_delay();
            assert!(delay >= Duration::from_nanos(1_000_001) && delay <= ms(3));
        }
    }

    #[test]
    fn exponential_default() {
        let policy = ExponentialReconnectionPolicy::default();
        assert_eq!(policy.base_delay(), Duration::from_secs(1));
        assert_eq!(policy.max_delay(), Duration::from_secs(600));
        let boxed: Box<dyn ReconnectionPolicy> = Box::new(policy);
        assert_eq!(boxed.new_schedule().next_delay(), Duration::from_secs(1));
    }
}
