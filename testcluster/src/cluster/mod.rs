//! The cluster: nodes, ring, clock, system tables and control.
//!
//! [`TestCluster`] starts N nodes on consecutive loopback addresses sharing
//! one port (127.0.0.1, 127.0.0.2, ... as ccm does), each answering CQL
//! through its own [`Executor`] over one shared
//! [`Catalog`]. It owns the token ring ([`ring`]), the [`Clock`], the system
//! tables ([`system`]) and the events, and implements
//! [`ClusterContext`] for the executors.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cql_testcluster::cluster::ClusterError> {
//! use cql_testcluster::cluster::TestCluster;
//! let cluster = TestCluster::builder().nodes(3).start().await?;
//! let contact_points = cluster.contact_points();
//! cluster.stop_node(3).await?;
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```

mod builder;
pub mod clock;
mod context;
pub mod ring;
pub mod system;
mod topology;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use uuid::Uuid;

use crate::context::ClusterContext;
use crate::executor::Executor;
use crate::server::{ActivityLog, Faults, Node, ServerConfig, Users};
use crate::storage::{Catalog, StorageError, Table};

pub use builder::{Auth, TestClusterBuilder};
pub use clock::Clock;

/// Why a cluster operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterError {
    /// A node could not listen on its address.
    #[error("cannot bind {address}: {source}")]
    Bind {
        /// The address (port 0 when a free port was asked for).
        address: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },
    /// No node has this index (nodes are numbered from 1).
    #[error("no node {0}")]
    NoSuchNode(usize),
    /// The node was removed from the cluster.
    #[error("node {0} was removed from the cluster")]
    Removed(usize),
    /// An invalid builder setting.
    #[error("invalid cluster configuration: {0}")]
    Config(String),
    /// The system tables could not be created or written.
    #[error("system tables: {0}")]
    Storage(#[from] StorageError),
}

/// The state of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeState {
    /// Listening and part of the ring.
    Up,
    /// Stopped (connections refused) but still part of the ring.
    Down,
    /// Decommissioned or removed: no longer part of the ring.
    Removed,
}

/// What the cluster knows about one node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// The node's number, from 1.
    pub index: usize,
    /// Its address and the shared native port.
    pub address: SocketAddr,
    /// Its data center.
    pub dc: String,
    /// Its rack.
    pub rack: String,
    /// Its Murmur3 tokens.
    pub tokens: Vec<i64>,
    /// Its host id.
    pub host_id: Uuid,
    /// Whether it is up, down or removed.
    pub state: NodeState,
}

impl NodeInfo {
    /// Whether the node is up.
    pub fn is_up(&self) -> bool {
        self.state == NodeState::Up
    }
}

/// One node slot: the info, the server and the per-node system tables.
pub(crate) struct Slot {
    pub info: NodeInfo,
    pub node: Option<Arc<Node>>,
    pub executor: Option<Arc<Executor>>,
    pub local: Arc<Table>,
    pub peers: Arc<Table>,
}

/// Everything the nodes share; the executors see it as their
/// [`ClusterContext`].
pub(crate) struct Shared {
    pub catalog: Arc<Catalog>,
    pub clock: Clock,
    pub users: Users,
    pub activity: ActivityLog,
    pub faults: Faults,
    pub config: ServerConfig,
    pub base: Ipv4Addr,
    pub port: OnceLock<u16>,
    pub gossip_generation: i32,
    pub slots: Mutex<Vec<Slot>>,
    /// Serializes the rewrites of the system tables.
    pub refresh: Mutex<()>,
}

impl Shared {
    pub(crate) fn slots(&self) -> MutexGuard<'_, Vec<Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn port(&self) -> u16 {
        self.port.get().copied().unwrap_or(self.config.port)
    }

    /// The address of node `index` (1-based): base + index - 1.
    pub(crate) fn address_of(&self, index: usize) -> Option<SocketAddr> {
        let ip = u32::from(self.base).checked_add(u32::try_from(index.checked_sub(1)?).ok()?)?;
        Some(SocketAddr::new(Ipv4Addr::from(ip).into(), self.port()))
    }
}

/// A running in-memory cluster. Dropping it stops every node (prefer
/// [`TestCluster::shutdown`] in async code, which waits for them).
pub struct TestCluster {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field("nodes", &self.nodes())
            .finish_non_exhaustive()
    }
}

impl TestCluster {
    /// A builder with the defaults: one node at 127.0.0.1 on a free port, in
    /// data center "datacenter1", rack "rack1", no authentication, the
    /// system clock.
    pub fn builder() -> TestClusterBuilder {
        TestClusterBuilder::default()
    }

    /// The address of every node that is part of the ring (up or down).
    pub fn contact_points(&self) -> Vec<SocketAddr> {
        self.nodes()
            .into_iter()
            .filter(|n| n.state != NodeState::Removed)
            .map(|n| n.address)
            .collect()
    }

    /// The native port shared by every node.
    pub fn port(&self) -> u16 {
        self.shared.port()
    }

    /// Every node ever started (removed ones included), by index.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.shared.slots().iter().map(|s| s.info.clone()).collect()
    }

    /// Node `index` (from 1).
    pub fn node(&self, index: usize) -> Option<NodeInfo> {
        self.shared
            .slots()
            .get(index.checked_sub(1)?)
            .map(|s| s.info.clone())
    }

    /// The log of every request every node received.
    pub fn activity(&self) -> &ActivityLog {
        &self.shared.activity
    }

    /// The fault injection rules every node consults before handling a
    /// request; [`crate::server::FaultRule::node`] numbers the nodes as the
    /// cluster does.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), cql_testcluster::cluster::ClusterError> {
    /// use cql_protocol::message::response::ErrorKind;
    /// use cql_protocol::Opcode;
    /// use cql_testcluster::cluster::TestCluster;
    /// use cql_testcluster::server::FaultRule;
    ///
    /// let cluster = TestCluster::builder().nodes(2).start().await?;
    /// let rule = cluster.faults().add(
    ///     FaultRule::new()
    ///         .node(2)
    ///         .opcode(Opcode::Query)
    ///         .query_contains("FROM ks.t")
    ///         .times(1)
    ///         .reply(ErrorKind::Overloaded, "Overloaded"),
    /// );
    /// // ... run the driver ...
    /// assert_eq!(cluster.faults().hits(rule), 1);
    /// cluster.faults().clear();
    /// # Ok(()) }
    /// ```
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The cluster clock.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// The catalog shared by every node.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.shared.catalog
    }

    /// The user store (PasswordAuthenticator).
    pub fn users(&self) -> &Users {
        &self.shared.users
    }

    /// The cluster as the executors see it.
    pub fn context(&self) -> Arc<dyn ClusterContext> {
        self.shared.clone()
    }

    /// Stops every node and waits for their connections to close.
    pub async fn shutdown(self) {
        let nodes: Vec<Arc<Node>> = self
            .shared
            .slots()
            .iter()
            .filter_map(|s| s.node.clone())
            .collect();
        for node in nodes {
            node.stop().await;
        }
        // Drop breaks the node → executor → cluster reference cycle.
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let mut nodes = Vec::new();
        let mut executors = Vec::new();
        for slot in self.shared.slots().iter_mut() {
            nodes.push(slot.node.take());
            executors.push(slot.executor.take());
        }
        drop(nodes);
        drop(executors);
    }
}
