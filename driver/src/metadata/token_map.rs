//! The token map: which hosts own which part of the ring, and the replicas
//! of each token for each keyspace.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::replication::{PlacementKey, Topology};
use crate::metadata::{KeyspaceMetadata, Partitioner, Token};

/// The replicas of one keyspace: for each token on the ring, sorted, the
/// hosts that hold the range ending at it, primary first.
pub type ReplicaRing = Vec<(Token, Vec<Arc<Host>>)>;

/// The ring and each keyspace's replica placement.
#[derive(Debug, Clone)]
pub struct TokenMap {
    partitioner: Partitioner,
    ring: Vec<(Token, Arc<Host>)>,
    /// Keyspaces with the same placement share one ring.
    replicas: HashMap<String, Arc<ReplicaRing>>,
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
            replicas: replicas
                .into_iter()
                .map(|(keyspace, placement)| (keyspace, Arc::new(placement)))
                .collect(),
        }
    }

    /// The map of `hosts` (each owning its [`Host::tokens`]) with each
    /// keyspace's placement computed from its replication strategy (see
    /// [`ReplicationStrategy`](crate::metadata::ReplicationStrategy) for
    /// the rules).
    ///
    /// A token claimed by two hosts goes to the first of them in `hosts`.
    /// The placement is computed once per distinct strategy and shared
    /// between the keyspaces that use it.
    pub fn build(
        partitioner: Partitioner,
        hosts: &[Arc<Host>],
        keyspaces: &BTreeMap<String, KeyspaceMetadata>,
    ) -> Self {
        let mut ring: Vec<(Token, Arc<Host>)> = hosts
            .iter()
            .flat_map(|host| host.tokens().into_iter().map(move |t| (t, host.clone())))
            .collect();
        // A stable sort keeps the first claimant of a token first.
        ring.sort_by_key(|(token, _)| *token);
        ring.dedup_by_key(|(token, _)| *token);
        let mut map = TokenMap {
            partitioner,
            ring,
            replicas: HashMap::new(),
        };
        map.place(keyspaces);
        map
    }

    /// The same ring with the placements of `keyspaces` (after a schema
    /// change; keyspaces not in `keyspaces` are dropped).
    pub fn with_keyspaces(&self, keyspaces: &BTreeMap<String, KeyspaceMetadata>) -> Self {
        let mut map = TokenMap {
            partitioner: self.partitioner,
            ring: self.ring.clone(),
            replicas: HashMap::new(),
        };
        map.place(keyspaces);
        map
    }

    fn place(&mut self, keyspaces: &BTreeMap<String, KeyspaceMetadata>) {
        let topology = Topology::new(&self.ring);
        let mut computed: HashMap<PlacementKey, Arc<ReplicaRing>> = HashMap::new();
        for (name, keyspace) in keyspaces {
            let key = PlacementKey::of(&keyspace.replication);
            let placement = computed
                .entry(key)
                .or_insert_with_key(|key| Arc::new(topology.place(key)))
                .clone();
            self.replicas.insert(name.clone(), placement);
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
