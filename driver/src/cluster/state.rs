//! The session's live picture of the cluster: hosts, pools, the routing
//! view and the metadata snapshot, updated by the control connection.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use tokio::sync::broadcast;

use cql_protocol::message::response::Event;

use crate::cluster::pool::{HostPool, PoolContext};
use crate::cluster::{ClusterView, Host, HostDistance, HostInfo};
use crate::connection::Connection;
use crate::metadata::{ClusterMetadata, KeyspaceMetadata, Partitioner, TokenMap};
use crate::policies::LoadBalancingPolicy;

/// How many connections to open to each host, by distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    /// Connections to each local host.
    pub local: usize,
    /// Connections to each remote host.
    pub remote: usize,
}

impl Default for PoolSize {
    fn default() -> Self {
        // With 128 streams each, as the DataStax drivers size v1/v2 pools.
        PoolSize {
            local: 2,
            remote: 1,
        }
    }
}

/// The cluster's live state.
pub(crate) struct ClusterState {
    view: RwLock<Arc<ClusterView>>,
    metadata: RwLock<Arc<ClusterMetadata>>,
    pools: RwLock<HashMap<SocketAddr, Arc<HostPool>>>,
    control: RwLock<Option<Connection>>,
    pub(crate) pool_context: Arc<PoolContext>,
    pub(crate) load_balancing: Arc<dyn LoadBalancingPolicy>,
    pub(crate) pool_size: PoolSize,
    pub(crate) port: u16,
    pub(crate) events: broadcast::Sender<Event>,
}

fn read<T: Clone>(lock: &RwLock<T>) -> T {
    lock.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T>(lock: &RwLock<T>, value: T) {
    *lock.write().unwrap_or_else(|p| p.into_inner()) = value;
}

impl ClusterState {
    pub(crate) fn new(
        pool_context: Arc<PoolContext>,
        load_balancing: Arc<dyn LoadBalancingPolicy>,
        pool_size: PoolSize,
        port: u16,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        ClusterState {
            view: RwLock::new(Arc::new(ClusterView::default())),
            metadata: RwLock::new(Arc::new(ClusterMetadata::default())),
            pools: RwLock::new(HashMap::new()),
            control: RwLock::new(None),
            pool_context,
            load_balancing,
            pool_size,
            port,
            events,
        }
    }

    /// The routing view.
    pub(crate) fn view(&self) -> Arc<ClusterView> {
        read(&self.view)
    }

    /// The metadata snapshot.
    pub(crate) fn metadata(&self) -> Arc<ClusterMetadata> {
        read(&self.metadata)
    }

    /// The pool of a host, if it has one.
    pub(crate) fn pool(&self, address: SocketAddr) -> Option<Arc<HostPool>> {
        self.pools
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&address)
            .cloned()
    }

    /// Every pool.
    pub(crate) fn pools(&self) -> Vec<Arc<HostPool>> {
        let pools = self.pools.read().unwrap_or_else(|p| p.into_inner());
        pools.values().cloned().collect()
    }

    /// The control connection, if it is up.
    pub(crate) fn control(&self) -> Option<Connection> {
        read(&self.control).filter(|c| !c.is_closed())
    }

    pub(crate) fn set_control(&self, connection: Option<Connection>) {
        write(&self.control, connection);
    }

    /// Replaces the host list with what the control connection found:
    /// new hosts are added (and get pools), known ones updated, missing ones
    /// removed (and lose theirs).
    pub(crate) fn set_hosts(
        &self,
        cluster_name: Option<String>,
        partitioner: Option<Partitioner>,
        found: Vec<(SocketAddr, HostInfo)>,
    ) {
        let known: HashMap<SocketAddr, Arc<Host>> = self
            .view()
            .hosts()
            .iter()
            .map(|h| (h.address(), h.clone()))
            .collect();
        let mut hosts = Vec::with_capacity(found.len());
        for (address, info) in found {
            match known.get(&address) {
                Some(host) => {
                    host.set_info(info);
                    hosts.push(host.clone());
                }
                None => {
                    tracing::info!(host = %address, "host discovered");
                    hosts.push(Arc::new(Host::new(address, info)));
                }
            }
        }
        for address in known.keys() {
            if !hosts.iter().any(|h| h.address() == *address) {
                tracing::info!(host = %address, "host removed");
            }
        }
        let old = self.metadata();
        let metadata = ClusterMetadata {
            cluster_name: cluster_name.or_else(|| old.cluster_name.clone()),
            partitioner: partitioner.or(old.partitioner),
            hosts,
            keyspaces: old.keyspaces.clone(),
            token_map: None,
        };
        self.publish(metadata);
    }

    /// Replaces the schema.
    pub(crate) fn set_keyspaces(&self, keyspaces: BTreeMap<String, KeyspaceMetadata>) {
        let mut metadata = (*self.metadata()).clone();
        metadata.keyspaces = keyspaces;
        self.publish(metadata);
    }

    /// Rebuilds the token map and the view from `metadata`, publishes
    /// them, and brings the pools in line with the hosts.
    fn publish(&self, mut metadata: ClusterMetadata) {
        metadata.token_map = metadata.partitioner.map(|partitioner| {
            Arc::new(TokenMap::build(
                partitioner,
                &metadata.hosts,
                &metadata.keyspaces,
            ))
        });
        let view = ClusterView::new(metadata.hosts.clone(), metadata.token_map.clone());
        write(&self.view, Arc::new(view));
        write(&self.metadata, Arc::new(metadata));
        self.sync_pools();
    }

    /// Starts pools for hosts that should have one and stops the others.
    pub(crate) fn sync_pools(&self) {
        let view = self.view();
        let mut pools = self.pools.write().unwrap_or_else(|p| p.into_inner());
        let mut wanted = HashMap::new();
        for host in view.hosts() {
            let size = match self.load_balancing.distance(host) {
                HostDistance::Local => self.pool_size.local,
                HostDistance::Remote => self.pool_size.remote,
                HostDistance::Ignored => continue,
            };
            wanted.insert(host.address(), (host.clone(), size));
        }
        pools.retain(|address, pool| {
            let keep = wanted.contains_key(address);
            if !keep {
                pool.shutdown();
            }
            keep
        });
        for (address, (host, size)) in wanted {
            if size == 0 {
                continue;
            }
            pools
                .entry(address)
                .or_insert_with(|| HostPool::start(host, size, self.pool_context.clone()));
        }
    }

    /// Stops every pool and the control connection.
    pub(crate) fn shutdown(&self) {
        let pools = std::mem::take(&mut *self.pools.write().unwrap_or_else(|p| p.into_inner()));
        for pool in pools.values() {
            pool.shutdown();
        }
        if let Some(control) = read(&self.control) {
            control.close("the session was shut down");
        }
        write(&self.control, None);
    }
}
