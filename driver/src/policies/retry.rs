//! Retry: what to do when a request fails.

use std::fmt;

use cql_protocol::Consistency;

use crate::error::QueryError;

/// A failed attempt, as the retry policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct RetryRequest<'a> {
    /// The error of the attempt.
    pub error: &'a QueryError,
    /// The consistency the attempt ran at.
    pub consistency: Consistency,
    /// Whether the statement may safely run more than once.
    pub is_idempotent: bool,
    /// How many retries this request has had already (0 on the first
    /// failure).
    pub retry_count: u32,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send it again to the same host, at this consistency (or the same
    /// one).
    RetrySameHost(Option<Consistency>),
    /// Send it to the next host of the plan, at this consistency (or the
    /// same one).
    RetryNextHost(Option<Consistency>),
    /// Give the error to the caller.
    Rethrow,
    /// Report success with an empty result (a write that may be dropped).
    Ignore,
}

/// Decides what happens after a failed attempt.
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// The decision for this failure.
    fn decide(&self, request: &RetryRequest<'_>) -> RetryDecision;
}
