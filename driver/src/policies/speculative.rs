//! Speculative execution: extra copies of a slow idempotent request.

use std::fmt;
use std::time::Duration;

/// When to start another copy of a request that has not answered yet.
/// Only idempotent statements are ever executed speculatively.
pub trait SpeculativeExecutionPolicy: Send + Sync + fmt::Debug {
    /// The delay before starting execution number `started + 1`, given that
    /// `started` executions (at least 1) are running; `None` for no more.
    fn next_execution(&self, started: usize) -> Option<Duration>;
}
