//! Load balancing: the query plan of each request.

use std::fmt;
use std::sync::Arc;

use cql_protocol::Consistency;

use crate::cluster::{ClusterView, Host, HostDistance};
use crate::metadata::Token;

/// What a policy knows of a request when it plans it.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInfo<'a> {
    /// The keyspace the statement runs in, if known.
    pub keyspace: Option<&'a str>,
    /// The token of the statement's partition key, if known (prepared
    /// statements with the whole key bound, or a routing key set by hand).
    pub token: Option<Token>,
    /// The statement's consistency.
    pub consistency: Consistency,
    /// Whether the statement may safely run more than once.
    pub is_idempotent: bool,
}

/// Decides which hosts a request is sent to, in order.
pub trait LoadBalancingPolicy: Send + Sync + fmt::Debug {
    /// Called once the control connection is up, with the view and the host
    /// it connected to (a data-center-aware policy without a configured
    /// local DC takes that host's).
    fn init(&self, view: &ClusterView, control_host: &Arc<Host>) {
        let _ = (view, control_host);
    }

    /// How far `host` is; pools are sized by it, and ignored hosts get none.
    fn distance(&self, host: &Host) -> HostDistance;

    /// The hosts to try for a request, best first. Only hosts that are up
    /// and not ignored belong in the plan.
    fn plan(&self, routing: &RoutingInfo<'_>, view: &ClusterView) -> Vec<Arc<Host>>;
}
