//! [`SessionBuilder`]: every setting of a session, and connecting.

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;

use cql_protocol::{Compression, Consistency, ProtocolVersion};

use super::{watch_pools, Session, SessionConfig, SessionInner};
use crate::auth::{AuthProvider, PlainTextAuthProvider};
use crate::cluster::control::{self, ControlConfig};
use crate::cluster::pool::PoolContext;
use crate::cluster::state::{ClusterState, PoolSize};
use crate::connection::ConnectionConfig;
use crate::error::NewSessionError;
use crate::metrics::Metrics;
use crate::policies::{
    DcAwareRoundRobinPolicy, DefaultRetryPolicy, ExponentialReconnectionPolicy,
    LoadBalancingPolicy, ReconnectionPolicy, RetryPolicy, SpeculativeExecutionPolicy,
    TokenAwarePolicy,
};

/// The default native protocol port.
pub const DEFAULT_PORT: u16 = 9042;

/// Builds a [`Session`]: contact points, protocol, security, policies,
/// pools, timeouts and request defaults.
///
/// ```no_run
/// # async fn demo() -> Result<(), cql_driver::NewSessionError> {
/// use std::time::Duration;
/// use cql_driver::protocol::{Compression, Consistency};
/// use cql_driver::Session;
///
/// let session = Session::builder()
///     .contact_points(["127.0.0.1", "127.0.0.2"])
///     .port(9042)
///     .compression(Some(Compression::Lz4))
///     .user("cassandra", "cassandra")
///     .consistency(Consistency::Quorum)
///     .request_timeout(Duration::from_secs(5))
///     .keyspace("app")
///     .build()
///     .await?;
/// # let _ = session;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SessionBuilder {
    contact_points: Vec<String>,
    port: u16,
    version: Option<ProtocolVersion>,
    compression: Option<Compression>,
    auth: Option<Arc<dyn AuthProvider>>,
    tls: Option<Arc<rustls::ClientConfig>>,
    load_balancing: Option<Arc<dyn LoadBalancingPolicy>>,
    retry: Arc<dyn RetryPolicy>,
    reconnection: Arc<dyn ReconnectionPolicy>,
    speculative: Option<Arc<dyn SpeculativeExecutionPolicy>>,
    pool_size: PoolSize,
    connect_timeout: Duration,
    request_timeout: Duration,
    heartbeat: Option<Duration>,
    consistency: Consistency,
    serial_consistency: Option<Consistency>,
    page_size: i32,
    keyspace: Option<String>,
    topology_debounce: Duration,
    schema_debounce: Duration,
    schema_agreement_timeout: Duration,
    max_frame_size: usize,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        SessionBuilder::new()
    }
}

impl SessionBuilder {
    /// The defaults: port 9042, automatic version negotiation, no
    /// compression, token-aware DC-aware round robin, the default retry
    /// policy, exponential reconnection (1 s to 60 s), pools of 2 local and 1
    /// remote connections, 5 s connect and 12 s request timeouts, a heartbeat
    /// every 30 s, consistency ONE and pages of 5000 rows.
    pub fn new() -> Self {
        SessionBuilder {
            contact_points: Vec::new(),
            port: DEFAULT_PORT,
            version: None,
            compression: None,
            auth: None,
            tls: None,
            load_balancing: None,
            retry: Arc::new(DefaultRetryPolicy),
            reconnection: Arc::new(ExponentialReconnectionPolicy::new(
                Duration::from_secs(1),
                Duration::from_secs(60),
            )),
            speculative: None,
            pool_size: PoolSize::default(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(12),
            heartbeat: Some(Duration::from_secs(30)),
            consistency: Consistency::One,
            serial_consistency: None,
            page_size: 5000,
            keyspace: None,
            topology_debounce: Duration::from_millis(500),
            schema_debounce: Duration::from_millis(200),
            schema_agreement_timeout: Duration::from_secs(10),
            max_frame_size: 256 * 1024 * 1024,
        }
    }

    /// Adds a contact point: an IP address or a host name, optionally with
    /// `:port`.
    #[must_use]
    pub fn contact_point(mut self, address: impl Into<String>) -> Self {
        self.contact_points.push(address.into());
        self
    }

    /// Adds several contact points.
    #[must_use]
    pub fn contact_points<S: Into<String>>(
        mut self,
        addresses: impl IntoIterator<Item = S>,
    ) -> Self {
        self.contact_points
            .extend(addresses.into_iter().map(Into::into));
        self
    }

    /// The port of every host (Cassandra 2.0 uses one port cluster-wide).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Pins the protocol version; by default v2 is tried, then v1 if the
    /// server refuses it.
    #[must_use]
    pub fn protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// Compresses frames with lz4 or snappy.
    #[must_use]
    pub fn compression(mut self, compression: Option<Compression>) -> Self {
        self.compression = compression;
        self
    }

    /// Authenticates with any provider.
    #[must_use]
    pub fn auth_provider(mut self, provider: Arc<dyn AuthProvider>) -> Self {
        self.auth = Some(provider);
        self
    }

    /// Authenticates with a username and password (PasswordAuthenticator).
    #[must_use]
    pub fn user(self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.auth_provider(Arc::new(PlainTextAuthProvider::new(username, password)))
    }

    /// Connects with TLS. The server name checked is the host's IP address.
    #[must_use]
    pub fn tls(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// The load-balancing policy.
    #[must_use]
    pub fn load_balancing(mut self, policy: Arc<dyn LoadBalancingPolicy>) -> Self {
        self.load_balancing = Some(policy);
        self
    }

    /// The default retry policy.
    #[must_use]
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.retry = policy;
        self
    }

    /// The reconnection policy.
    #[must_use]
    pub fn reconnection_policy(mut self, policy: Arc<dyn ReconnectionPolicy>) -> Self {
        self.reconnection = policy;
        self
    }

    /// The speculative execution policy (idempotent statements only).
    #[must_use]
    pub fn speculative_execution(mut self, policy: Arc<dyn SpeculativeExecutionPolicy>) -> Self {
        self.speculative = Some(policy);
        self
    }

    /// Connections per host, by distance.
    #[must_use]
    pub fn pool_size(mut self, size: PoolSize) -> Self {
        self.pool_size = size;
        self
    }

    /// The limit on connecting (TCP, TLS and handshake).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The default request timeout.
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Idle time before a heartbeat; `None` disables heartbeats.
    #[must_use]
    pub fn heartbeat_interval(mut self, interval: Option<Duration>) -> Self {
        self.heartbeat = interval;
        self
    }

    /// The default consistency.
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.consistency = consistency;
        self
    }

    /// The default serial consistency.
    #[must_use]
    pub fn serial_consistency(mut self, consistency: Option<Consistency>) -> Self {
        self.serial_consistency = consistency;
        self
    }

    /// The default page size (v2+); 0 disables paging.
    #[must_use]
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.page_size = page_size;
        self
    }

    /// The keyspace to use once connected.
    #[must_use]
    pub fn keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.keyspace = Some(keyspace.into());
        self
    }

    /// How long topology and schema events are gathered before one refresh.
    #[must_use]
    pub fn event_debounce(mut self, topology: Duration, schema: Duration) -> Self {
        self.topology_debounce = topology;
        self.schema_debounce = schema;
        self
    }

    /// How long to wait for schema agreement after DDL.
    #[must_use]
    pub fn schema_agreement_timeout(mut self, timeout: Duration) -> Self {
        self.schema_agreement_timeout = timeout;
        self
    }

    async fn resolve(&self) -> Result<Vec<SocketAddr>, NewSessionError> {
        if self.contact_points.is_empty() {
            return Err(NewSessionError::NoContactPoints);
        }
        let mut addresses = Vec::new();
        for name in &self.contact_points {
            if let Ok(address) = name.parse::<SocketAddr>() {
                addresses.push(address);
                continue;
            }
            if let Ok(ip) = name.parse::<std::net::IpAddr>() {
                addresses.push(SocketAddr::new(ip, self.port));
                continue;
            }
            let target = if name.contains(':') {
                name.clone()
            } else {
                format!("{name}:{}", self.port)
            };
            let found =
                tokio::net::lookup_host(target)
                    .await
                    .map_err(|e| NewSessionError::Resolve {
                        name: name.clone(),
                        message: e.to_string(),
                    })?;
            addresses.extend(found);
        }
        addresses.dedup();
        Ok(addresses)
    }

    /// Connects: opens the control connection to the first contact point
    /// that accepts, discovers the hosts and the schema, opens the pools
    /// and, if set, uses the keyspace.
    pub async fn build(self) -> Result<Session, NewSessionError> {
        let contact_points = self.resolve().await?;
        let connection = ConnectionConfig {
            version: self.version.unwrap_or(ProtocolVersion::V2),
            compression: self.compression,
            auth: self.auth.clone(),
            tls: self.tls.clone(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            heartbeat_interval: self.heartbeat,
            keyspace: None,
            max_frame_size: self.max_frame_size,
        };
        let control_config = ControlConfig {
            connection: connection.clone(),
            pinned_version: self.version,
            contact_points: contact_points.clone(),
            topology_debounce: self.topology_debounce,
            schema_debounce: self.schema_debounce,
            reconnection: self.reconnection.clone(),
        };
        let control = control::connect(&control_config, &contact_points)
            .await
            .map_err(NewSessionError::ContactPoints)?;
        let version = control.connection.version();
        let metrics = Arc::new(Metrics::default());
        let (pool_events, pool_events_rx) = mpsc::channel(1024);
        let mut pool_config = connection;
        pool_config.version = version;
        let pool_context = Arc::new(PoolContext {
            config: RwLock::new(pool_config),
            reconnection: self.reconnection.clone(),
            events: pool_events,
            metrics: metrics.clone(),
        });
        let load_balancing = self
            .load_balancing
            .clone()
            .unwrap_or_else(|| Arc::new(TokenAwarePolicy::new(DcAwareRoundRobinPolicy::new(None))));
        let state = Arc::new(ClusterState::new(
            pool_context,
            load_balancing.clone(),
            self.pool_size,
            self.port,
        ));
        let timeout = self.request_timeout;
        // The local DC must be known before the first pools are sized.
        control::refresh_topology(&state, &control.connection, timeout)
            .await
            .map_err(NewSessionError::Metadata)?;
        let view = state.view();
        if let Some(host) = view
            .hosts()
            .iter()
            .find(|h| h.address() == control.connection.address())
        {
            load_balancing.init(&view, host);
        }
        state.sync_pools();
        control::refresh_schema(&state, &control.connection, timeout)
            .await
            .map_err(NewSessionError::Metadata)?;
        state.set_control(Some(control.connection.clone()));
        let control_task = tokio::spawn(control::run(
            Arc::downgrade(&state),
            control_config,
            control,
        ));
        let inner = Arc::new(SessionInner {
            config: SessionConfig {
                consistency: self.consistency,
                serial_consistency: self.serial_consistency,
                page_size: self.page_size,
                request_timeout: self.request_timeout,
                retry_policy: self.retry.clone(),
                speculative: self.speculative.clone(),
                schema_agreement_timeout: self.schema_agreement_timeout,
                schema_agreement_interval: Duration::from_millis(200),
            },
            version,
            state,
            metrics,
            prepared: Mutex::new(Default::default()),
            keyspace: RwLock::new(None),
            tasks: Mutex::new(vec![control_task]),
            closed: AtomicBool::new(false),
        });
        let watcher = tokio::spawn(watch_pools(Arc::downgrade(&inner), pool_events_rx));
        inner
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(watcher);
        let session = Session { inner };
        session.wait_for_pools(self.connect_timeout).await;
        if let Some(keyspace) = &self.keyspace {
            session
                .use_keyspace(keyspace)
                .await
                .map_err(NewSessionError::Keyspace)?;
        }
        Ok(session)
    }
}

impl Session {
    /// Waits (at most `limit`) until every pool has a connection or has
    /// given up on its host, so the first requests find connections.
    async fn wait_for_pools(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let ready = self
                .inner
                .state
                .pools()
                .iter()
                .all(|pool| !pool.connections().is_empty() || !pool.host().is_up());
            if ready || tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}
