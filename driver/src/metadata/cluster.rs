//! A snapshot of everything the driver knows of the cluster.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cluster::Host;
use crate::metadata::{KeyspaceMetadata, Partitioner, TableMetadata, Token, TokenMap};

/// The cluster's hosts, schema and token map, as last read by the control
/// connection. A snapshot: refreshes make a new one.
#[derive(Debug, Clone, Default)]
pub struct ClusterMetadata {
    pub(crate) cluster_name: Option<String>,
    pub(crate) partitioner: Option<Partitioner>,
    pub(crate) hosts: Vec<Arc<Host>>,
    pub(crate) keyspaces: BTreeMap<String, KeyspaceMetadata>,
    pub(crate) token_map: Option<Arc<TokenMap>>,
}

impl ClusterMetadata {
    /// The cluster's name (`system.local.cluster_name`).
    pub fn cluster_name(&self) -> Option<&str> {
        self.cluster_name.as_deref()
    }

    /// The partitioner, if the driver can compute its tokens.
    pub fn partitioner(&self) -> Option<Partitioner> {
        self.partitioner
    }

    /// Every known host, with its data center, rack, tokens and state.
    pub fn hosts(&self) -> &[Arc<Host>] {
        &self.hosts
    }

    /// The host at this address, if known.
    pub fn host(&self, address: std::net::SocketAddr) -> Option<&Arc<Host>> {
        self.hosts.iter().find(|h| h.address() == address)
    }

    /// Every keyspace.
    pub fn keyspaces(&self) -> &BTreeMap<String, KeyspaceMetadata> {
        &self.keyspaces
    }

    /// One keyspace.
    pub fn keyspace(&self, name: &str) -> Option<&KeyspaceMetadata> {
        self.keyspaces.get(name)
    }

    /// One table.
    pub fn table(&self, keyspace: &str, table: &str) -> Option<&TableMetadata> {
        self.keyspaces.get(keyspace)?.tables.get(table)
    }

    /// The token map, if the partitioner and tokens are known.
    pub fn token_map(&self) -> Option<&Arc<TokenMap>> {
        self.token_map.as_ref()
    }

    /// The replicas of `token` in `keyspace`, primary first.
    pub fn replicas(&self, keyspace: &str, token: Token) -> Vec<Arc<Host>> {
        match &self.token_map {
            Some(map) => map.replicas(keyspace, token).to_vec(),
            None => Vec::new(),
        }
    }

    /// The token of a serialized partition key, with the cluster's
    /// partitioner.
    pub fn token_of(&self, partition_key: &[u8]) -> Option<Token> {
        self.partitioner.map(|p| p.token(partition_key))
    }
}
