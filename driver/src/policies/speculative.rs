//! Speculative execution: extra copies of a slow idempotent request.
//!
//! The standard policies: [`NoSpeculativeExecutionPolicy`] (the default: one
//! execution only) and [`ConstantSpeculativeExecutionPolicy`] (a new copy
//! after a fixed delay, up to a maximum).

use std::fmt;
use std::time::Duration;

/// When to start another copy of a request that has not answered yet.
/// Only idempotent statements are ever executed speculatively.
pub trait SpeculativeExecutionPolicy: Send + Sync + fmt::Debug {
    /// The delay before starting execution number `started + 1`, given that
    /// `started` executions (at least 1) are running; `None` for no more.
    fn next_execution(&self, started: usize) -> Option<Duration>;
}

/// Never starts a second execution.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSpeculativeExecutionPolicy;

impl NoSpeculativeExecutionPolicy {
    /// The policy without speculative executions.
    pub fn new() -> Self {
        NoSpeculativeExecutionPolicy
    }
}

impl SpeculativeExecutionPolicy for NoSpeculativeExecutionPolicy {
    fn next_execution(&self, _started: usize) -> Option<Duration> {
        None
    }
}

/// Starts another execution each time `delay` passes without an answer,
/// until `max_executions` are running.
///
/// `max_executions` counts every execution, the first one included: with
/// `new(delay, 3)` a slow request is sent at 0, at `delay` and at
/// `2 × delay`, and no more. A `max_executions` of 0 or 1 means no
/// speculative execution at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstantSpeculativeExecutionPolicy {
    delay: Duration,
    max_executions: usize,
}

impl ConstantSpeculativeExecutionPolicy {
    /// A new execution every `delay`, up to `max_executions` in all (the
    /// first included).
    pub fn new(delay: Duration, max_executions: usize) -> Self {
        ConstantSpeculativeExecutionPolicy {
            delay,
            max_executions,
        }
    }

    /// The delay between executions.
    pub fn delay(&self) -> Duration {
        self.delay
    }

    /// The most executions of one request, the first included.
    pub fn max_executions(&self) -> usize {
        self.max_executions
    }
}

impl SpeculativeExecutionPolicy for ConstantSpeculativeExecutionPolicy {
    fn next_execution(&self, started: usize) -> Option<Duration> {
        (started < self.max_executions).then_some(self.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_never_speculates() {
        let policy = NoSpeculativeExecutionPolicy::new();
        for started in [0, 1, 2, usize::MAX] {
            assert_eq!(policy.next_execution(started), None);
        }
    }

    #[test]
    fn constant_counts_the_first_execution() {
        let delay = Duration::from_millis(50);
        let policy = ConstantSpeculativeExecutionPolicy::new(delay, 3);
        assert_eq!(policy.delay(), delay);
        assert_eq!(policy.max_executions(), 3);
        // With 1 and 2 running, a 2nd and a 3rd start after the delay...
        assert_eq!(policy.next_execution(1), Some(delay));
        assert_eq!(policy.next_execution(2), Some(delay));
        // ...and with 3 running, no 4th.
        assert_eq!(policy.next_execution(3), None);
        assert_eq!(policy.next_execution(4), None);
        assert_eq!(policy.next_execution(usize::MAX), None);
    }

    #[test]
    fn constant_with_one_or_zero_executions_never_speculates() {
        for max in [0, 1] {
            let policy = ConstantSpeculativeExecutionPolicy::new(Duration::from_millis(1), max);
            for started in [1, 2, 10] {
                assert_eq!(policy.next_execution(started), None, "max {max}");
            }
        }
    }

    #[test]
    fn usable_as_trait_objects() {
        let policies: Vec<Box<dyn SpeculativeExecutionPolicy>> = vec![
            Box::new(NoSpeculativeExecutionPolicy),
            Box::new(ConstantSpeculativeExecutionPolicy::new(Duration::ZERO, 2)),
        ];
        let next: Vec<_> = policies.iter().map(|p| p.next_execution(1)).collect();
        assert_eq!(next, [None, Some(Duration::ZERO)]);
    }
}
