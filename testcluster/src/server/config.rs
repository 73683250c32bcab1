//! Server-level configuration shared by every node of a cluster.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use cql_protocol::Compression;

use super::tls::TlsConfig;

/// The CQL version Cassandra 2.0.14 advertises in SUPPORTED.
pub const DEFAULT_CQL_VERSION: &str = "3.1.7";

/// How a node listens and which protocol features it offers.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The address to listen on, e.g. `127.0.0.2`.
    pub address: IpAddr,
    /// The port; 0 picks a free one (see [`crate::server::bind_nodes`] to
    /// share it between nodes).
    pub port: u16,
    /// Whether clients must authenticate (with
    /// `org.apache.cassandra.auth.PasswordAuthenticator` unless
    /// [`crate::server::NodeServices::authenticator`] says otherwise).
    pub auth: bool,
    /// The largest frame body accepted, compressed or not, in bytes.
    pub max_frame_size: usize,
    /// The compression algorithms offered in SUPPORTED and accepted in
    /// STARTUP, in the order they are advertised.
    pub compression: Vec<Compression>,
    /// The CQL version advertised in SUPPORTED.
    pub cql_version: String,
    /// How many QUERY/PREPARE/EXECUTE/BATCH requests of one connection may
    /// run at once; the connection stops reading while the limit is reached.
    pub max_in_flight: usize,
    /// How many encoded frames may wait for the socket writer of one
    /// connection.
    pub write_queue: usize,
    /// How long a write to a client may block before the connection is
    /// considered dead and closed.
    pub write_timeout: Duration,
    /// How long [`crate::server::Node::stop`] waits for connections to
    /// finish before aborting them.
    pub shutdown_timeout: Duration,
    /// TLS: when set, every accepted connection must complete a TLS
    /// handshake (within [`TlsConfig::handshake_timeout`]) before speaking
    /// CQL; a client that fails it is disconnected. `None` (the default):
    /// plain TCP.
    pub tls: Option<TlsConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            auth: false,
            max_frame_size: 256 * 1024 * 1024,
            compression: vec![Compression::Snappy, Compression::Lz4],
            cql_version: DEFAULT_CQL_VERSION.to_owned(),
            max_in_flight: 128,
            write_queue: 256,
            write_timeout: Duration::from_secs(30),
            shutdown_timeout: Duration::from_secs(2),
            tls: None,
        }
    }
}

impl ServerConfig {
    /// The default configuration listening on `address:port`.
    pub fn new(address: IpAddr, port: u16) -> Self {
        ServerConfig {
            address,
            port,
            ..ServerConfig::default()
        }
    }

    /// This configuration with authentication turned on or off.
    #[must_use]
    pub fn with_auth(mut self, auth: bool) -> Self {
        self.auth = auth;
        self
    }

    /// This configuration with TLS (`Some`) or plain TCP (`None`).
    #[must_use]
    pub fn with_tls(mut self, tls: impl Into<Option<TlsConfig>>) -> Self {
        self.tls = tls.into();
        self
    }
}
