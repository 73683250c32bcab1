//! A snapshot of the cluster for routing: the hosts and the token map.

use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::{Token, TokenMap};

/// What a load-balancing policy sees of the cluster when it plans a request:
/// every known host (up or not) and, once known, the token map. Snapshots
/// are immutable; the session swaps in a new one when the topology changes.
#[derive(Debug, Clone, Default)]
pub struct ClusterView {
    hosts: Vec<Arc<Host>>,
    token_map: Option<Arc<TokenMap>>,
}

impl ClusterView {
    /// A view of `hosts`, with a token map if one is known.
    pub fn new(hosts: Vec<Arc<Host>>, token_map: Option<Arc<TokenMap>>) -> Self {
        ClusterView { hosts, token_map }
    }

    /// Every known host, up or down.
    pub fn hosts(&self) -> &[Arc<Host>] {
        &self.hosts
    }

    /// The token map, if the partitioner and tokens are known.
    pub fn token_map(&self) -> Option<&Arc<TokenMap>> {
        self.token_map.as_ref()
    }

    /// The replicas of `token` in `keyspace`, primary first; empty when
    /// unknown.
    pub fn replicas(&self, keyspace: &str, token: Token) -> &[Arc<Host>] {
        match &self.token_map {
            Some(map) => map.replicas(keyspace, token),
            None => &[],
        }
    }
}
