//! What the mapper's integration tests share: a one-node test cluster with
//! a session registered as a named mapper connection, and the statements
//! the cluster received.

#![allow(dead_code)]

use std::net::Ipv4Addr;

use cql_testcluster::cluster::TestCluster;
use cqlengine::driver::Session;

/// A one-node cluster, and a session on it registered as a mapper
/// connection (not the default one: the registry is process-wide, and each
/// test file names its own).
pub struct Harness {
    pub cluster: TestCluster,
    pub session: Session,
}

impl Harness {
    /// Starts a node at `address` and registers a session on it as the
    /// connection `name`, with the default keyspace `keyspace`.
    pub async fn start(address: Ipv4Addr, name: &str, keyspace: &str) -> Harness {
        let cluster = TestCluster::builder()
            .address(address)
            .nodes(1)
            .start()
            .await
            .expect("cluster");
        let session = Session::builder()
            .contact_point(address.to_string())
            .port(cluster.port())
            .build()
            .await
            .expect("session");
        cqlengine::connection::register_session(name, session.clone(), Some(keyspace), false);
        Harness { cluster, session }
    }

    /// The texts the cluster was asked to prepare or run, from `from` on.
    pub fn statements(&self, from: usize) -> Vec<String> {
        self.cluster
            .activity()
            .entries()
            .into_iter()
            .filter_map(|e| e.query)
            .skip(from)
            .collect()
    }

    /// How many statements the cluster has received so far.
    pub fn mark(&self) -> usize {
        self.statements(0).len()
    }

    /// The statements starting with `verb` on `table` sent since `from`.
    pub fn sent(&self, from: usize, verb: &str, table: &str) -> Vec<String> {
        let needle = format!("\"{table}\"");
        self.statements(from)
            .into_iter()
            .filter(|q| q.starts_with(verb) && q.contains(&needle))
            .collect()
    }

    /// The driver's metadata of `keyspace.table` (panics if it has none).
    pub fn table(&self, keyspace: &str, table: &str) -> cqlengine::driver::metadata::TableMetadata {
        self.session
            .cluster_metadata()
            .table(keyspace, table)
            .cloned()
            .unwrap_or_else(|| panic!("{keyspace}.{table} in the metadata"))
    }
}
