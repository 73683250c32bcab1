//! [`TestClusterBuilder`]: how many nodes, where, and with what settings.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};

use tracing::info;
use uuid::Uuid;

use super::clock::Clock;
use super::ring::initial_tokens;
use super::system::{create_system_schema, node_tables};
use super::{ClusterError, NodeInfo, NodeState, Shared, Slot, TestCluster};
use crate::executor::Executor;
use crate::server::{
    bind_nodes, ActivityLog, Faults, NodeServices, RequestHandler, ServerConfig, TlsConfig, Users,
};
use crate::storage::Catalog;

/// Authentication settings of a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (AllowAllAuthenticator).
    #[default]
    Off,
    /// PasswordAuthenticator with the default superuser
    /// `cassandra`/`cassandra`.
    On,
    /// PasswordAuthenticator with this superuser (user, password) besides
    /// `cassandra`.
    User(String, String),
}

impl From<bool> for Auth {
    fn from(on: bool) -> Self {
        if on {
            Auth::On
        } else {
            Auth::Off
        }
    }
}

impl From<(&str, &str)> for Auth {
    fn from((user, password): (&str, &str)) -> Self {
        Auth::User(user.to_owned(), password.to_owned())
    }
}

/// Builds and starts a [`TestCluster`].
#[derive(Clone, Debug)]
pub struct TestClusterBuilder {
    nodes: Option<usize>,
    datacenters: Option<Vec<(String, usize)>>,
    address: Ipv4Addr,
    port: u16,
    auth: Auth,
    clock: Clock,
    config: ServerConfig,
}

impl Default for TestClusterBuilder {
    fn default() -> Self {
        TestClusterBuilder {
            nodes: None,
            datacenters: None,
            address: Ipv4Addr::LOCALHOST,
            port: 0,
            auth: Auth::Off,
            clock: Clock::system(),
            config: ServerConfig::default(),
        }
    }
}

/// The default data center name.
pub const DEFAULT_DC: &str = "datacenter1";
/// The default rack name.
pub const DEFAULT_RACK: &str = "rack1";

impl TestClusterBuilder {
    /// The number of nodes (default 1, or the sum of
    /// [`TestClusterBuilder::datacenters`]).
    #[must_use]
    pub fn nodes(mut self, n: usize) -> Self {
        self.nodes = Some(n);
        self
    }

    /// Data centers with their node counts, in node order (e.g.
    /// `[("dc1", 2), ("dc2", 1)]`: nodes 1-2 in dc1, node 3 in dc2). Every
    /// node is in rack "rack1". Default: all nodes in "datacenter1".
    #[must_use]
    pub fn datacenters(mut self, dcs: &[(&str, usize)]) -> Self {
        self.datacenters = Some(dcs.iter().map(|(d, n)| ((*d).to_owned(), *n)).collect());
        self
    }

    /// The address of node 1 (default 127.0.0.1); node i listens on
    /// address + i - 1.
    #[must_use]
    pub fn address(mut self, address: Ipv4Addr) -> Self {
        self.address = address;
        self
    }

    /// The native port of every node (default 0: a free port, the same for
    /// every node).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Authentication: `true`/`false`, or `("user", "password")` for an
    /// extra superuser.
    #[must_use]
    pub fn auth(mut self, auth: impl Into<Auth>) -> Self {
        self.auth = auth.into();
        self
    }

    /// The cluster clock (default [`Clock::system`]).
    #[must_use]
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Server settings (address, port and auth are overridden by the
    /// builder's own). This replaces the whole configuration, TLS included:
    /// call [`TestClusterBuilder::tls`] after it, or set
    /// [`ServerConfig::tls`].
    #[must_use]
    pub fn server_config(mut self, config: ServerConfig) -> Self {
        self.config = config;
        self
    }

    /// TLS on every node, including nodes added later (default: plain
    /// TCP). Clients must complete the TLS handshake before speaking CQL.
    #[must_use]
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.config.tls = Some(tls);
        self
    }

    fn layout(&self) -> Result<Vec<(String, usize)>, ClusterError> {
        let layout = match (&self.datacenters, self.nodes) {
            (Some(dcs), n) => {
                let total: usize = dcs.iter().map(|(_, n)| n).sum();
                if let Some(n) = n {
                    if n != total {
                        return Err(ClusterError::Config(format!(
                            "{n} nodes asked for but the data centers hold {total}"
                        )));
                    }
                }
                dcs.clone()
            }
            (None, n) => vec![(DEFAULT_DC.to_owned(), n.unwrap_or(1))],
        };
        let total: usize = layout.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return Err(ClusterError::Config(
                "a cluster needs at least one node".into(),
            ));
        }
        if total > 250 {
            return Err(ClusterError::Config(format!("too many nodes: {total}")));
        }
        Ok(layout)
    }

    /// Binds every node and starts the cluster.
    pub async fn start(self) -> Result<TestCluster, ClusterError> {
        let layout = self.layout()?;
        let users = Users::new();
        if let Auth::User(user, password) = &self.auth {
            if users.exists(user) {
                let _ = users.alter(user, Some(password), Some(true));
            } else {
                let _ = users.create(user, password, true);
            }
        }
        let catalog = Arc::new(Catalog::new());
        create_system_schema(&catalog)?;
        let mut config = self.config.clone();
        config.address = IpAddr::V4(self.address);
        config.port = self.port;
        config.auth = self.auth != Auth::Off;
        let gossip_generation = i32::try_from(self.clock.now_seconds()).unwrap_or(i32::MAX);
        let shared = Arc::new(Shared {
            catalog,
            clock: self.clock.clone(),
            users: users.clone(),
            activity: ActivityLog::new(),
            faults: Faults::with_first_node(self.address),
            config: config.clone(),
            base: self.address,
            port: OnceLock::new(),
            gossip_generation,
            slots: Mutex::new(Vec::new()),
            refresh: Mutex::new(()),
        });

        let total: usize = layout.iter().map(|(_, n)| n).sum();
        let mut ips = Vec::with_capacity(total);
        for i in 0..total {
            let ip = u32::from(self.address)
                .checked_add(u32::try_from(i).unwrap_or(u32::MAX))
                .ok_or_else(|| ClusterError::Config("address block overflows".into()))?;
            ips.push(IpAddr::V4(Ipv4Addr::from(ip)));
        }
        let services = NodeServices {
            users,
            activity: shared.activity.clone(),
            faults: shared.faults.clone(),
            ..NodeServices::default()
        };
        let mut executors = Vec::with_capacity(total);
        let ctx = shared.clone();
        let nodes = bind_nodes(&ips, config, services, |address| {
            let executor = Arc::new(Executor::new(address, ctx.clone()));
            executors.push(executor.clone());
            executor as Arc<dyn RequestHandler>
        })
        .await
        .map_err(|source| ClusterError::Bind {
            address: SocketAddr::new(ips[0], self.port),
            source,
        })?;
        let port = nodes.first().map_or(self.port, |n| n.address().port());
        let _ = shared.port.set(port);

        let dc_sizes: Vec<usize> = layout.iter().map(|(_, n)| *n).collect();
        let tokens = initial_tokens(&dc_sizes);
        let dcs: Vec<&str> = layout
            .iter()
            .flat_map(|(dc, n)| std::iter::repeat_n(dc.as_str(), *n))
            .collect();
        {
            let mut slots = Vec::with_capacity(total);
            for (i, (node, executor)) in nodes.into_iter().zip(executors).enumerate() {
                let (local, peers) = node_tables()?;
                let info = NodeInfo {
                    index: i + 1,
                    address: node.address(),
                    dc: dcs.get(i).copied().unwrap_or(DEFAULT_DC).to_owned(),
                    rack: DEFAULT_RACK.to_owned(),
                    tokens: vec![tokens.get(i).copied().unwrap_or_default()],
                    host_id: Uuid::new_v4(),
                    state: NodeState::Up,
                };
                info!(node = info.index, address = %info.address, dc = %info.dc, "node ready");
                slots.push(Slot {
                    info,
                    node: Some(Arc::new(node)),
                    executor: Some(executor),
                    local,
                    peers,
                });
            }
            *shared.slots() = slots;
        }
        shared.refresh_all()?;
        Ok(TestCluster { shared })
    }
}
