//! The pluggable policies: how requests are routed
//! ([`LoadBalancingPolicy`]), what happens when they fail
//! ([`RetryPolicy`]), how dead hosts are retried ([`ReconnectionPolicy`]),
//! and when a slow request gets a second copy
//! ([`SpeculativeExecutionPolicy`]).
//!
//! Each is a public trait with the standard implementations, following the
//! DataStax drivers.

mod load_balancing;
mod reconnection;
mod retry;
mod speculative;

pub use load_balancing::{
    DcAwareRoundRobinPolicy, HostFilterPolicy, LoadBalancingPolicy, RoundRobinPolicy, RoutingInfo,
    TokenAwarePolicy,
};
pub use reconnection::{
    ConstantReconnectionPolicy, ExponentialReconnectionPolicy, ReconnectionPolicy,
    ReconnectionSchedule, MAX_RECONNECTION_DELAY, MIN_RECONNECTION_DELAY,
};
pub use retry::{
    DefaultRetryPolicy, DowngradingConsistencyRetryPolicy, FallthroughRetryPolicy, RetryDecision,
    RetryPolicy, RetryRequest,
};
pub use speculative::{
    ConstantSpeculativeExecutionPolicy, NoSpeculativeExecutionPolicy, SpeculativeExecutionPolicy,
};
