//! The token map: which hosts own which part of the ring, and the replicas
//! of each token for each keyspace.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::{Partitioner, Token};

/// The replicas of one keyspace: for each token on the ring, sorted, the
/// hosts that hold the range ending at it, primary first.
pub type ReplicaRing = Vec<(Token, Vec<Arc<Host>>)>;

/// The ring and each keyspace's replica placement.
#[derive(Debug, Clone)]
pub struct TokenMap {
    partitioner: Partitioner,
    ring: Vec<(Token, Arc<Host>)>,
    replicas: HashMap<String, ReplicaRing>,
}

impl TokenMap {
    /// A map with explicit placements: `ring` lists each host's tokens
    /// (any order) and `replicas` each keyspace's placement.
    pub fn with_replicas(
        partitioner: Partitioner,
        mut ring: Vec<(Token, Arc<Host>)>,
        mut replicas: HashMap<String, ReplicaRing>,
    ) -> Self {
        ring.sort_by_key(|(token, _)| *token);
        for placement in replicas.values_mut() {
            placement.sort_by_key(|(token, _)| *token);
        }
        TokenMap {
            partitioner,
            ring,
            replicas,
        }
    }

    /// The partitioner that computes tokens.
    pub fn partitioner(&self) -> Partitioner {
        self.partitioner
    }

    /// Every (token, owner) pair, sorted by token.
    pub fn ring(&self) -> &[(Token, Arc<Host>)] {
        &self.ring
    }

    /// The hosts that hold `token` in `keyspace`, primary replica first;
    /// empty when the keyspace is unknown.
    ///
    /// A token belongs to the range that ends at the first ring token at or
    /// after it, wrapping around past the largest.
    pub fn replicas(&self, keyspace: &str, token: Token) -> &[Arc<Host>] {
        let Some(placement) = self.replicas.get(keyspace) else {
            return &[];
        };
        if placement.is_empty() {
            return &[];
        }
        let index = placement.partition_point(|(t, _)| *t < token);
        let index = if index == placement.len() { 0 } else { index };
        &placement[index].1
    }
}
