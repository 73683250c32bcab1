//! The driver's errors: one enum per operation, every one `Clone` so that a
//! connection failure can be handed to every request that was in flight.
//!
//! Server errors keep their code and typed fields through
//! [`ErrorResponse`] / [`ErrorKind`]:
//!
//! ```
//! use cql_driver::QueryError;
//! use cql_driver::protocol::message::response::ErrorKind;
//!
//! fn is_unavailable(error: &QueryError) -> bool {
//!     matches!(
//!         error,
//!         QueryError::Server(e) if matches!(e.kind, ErrorKind::Unavailable { .. })
//!     )
//! }
//! # let _ = is_unavailable;
//! ```

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cql_protocol::message::response::ErrorResponse;
pub use cql_protocol::message::response::{ErrorKind, WriteType};
use cql_protocol::value::ValueError;
use cql_protocol::{DecodeError, EncodeError, ProtocolVersion};

/// Why a connection could not be opened, or why it broke.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The TCP connection could not be made.
    #[error("could not connect to {address}: {source}")]
    Connect {
        /// The host.
        address: SocketAddr,
        /// The I/O error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Connecting (TCP, TLS and the STARTUP handshake) took too long.
    #[error("connecting to {address} timed out after {timeout:?}")]
    ConnectTimeout {
        /// The host.
        address: SocketAddr,
        /// The connect timeout.
        timeout: Duration,
    },
    /// Reading or writing failed.
    #[error("I/O error on the connection to {address}: {source}")]
    Io {
        /// The host.
        address: SocketAddr,
        /// The I/O error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The TLS handshake failed.
    #[error("TLS handshake with {address} failed: {source}")]
    Tls {
        /// The host.
        address: SocketAddr,
        /// The error rustls reported.
        #[source]
        source: Arc<io::Error>,
    },
    /// The connection was closed, by the server, by the driver or by a
    /// previous error.
    #[error("the connection to {address} is closed: {reason}")]
    Closed {
        /// The host.
        address: SocketAddr,
        /// Why.
        reason: String,
    },
    /// The server sent bytes that are not a valid frame or message.
    #[error("{address} sent a malformed frame: {source}")]
    Decode {
        /// The host.
        address: SocketAddr,
        /// What was wrong.
        #[source]
        source: DecodeError,
    },
    /// The server broke the protocol in a way the codec cannot see (an
    /// unexpected message, an unknown stream id).
    #[error("protocol violation by {address}: {message}")]
    Protocol {
        /// The host.
        address: SocketAddr,
        /// What happened.
        message: String,
    },
    /// The server does not speak this protocol version.
    #[error("{address} does not support protocol {version}: {message}")]
    UnsupportedVersion {
        /// The host.
        address: SocketAddr,
        /// The version that was refused.
        version: ProtocolVersion,
        /// The server's message.
        message: String,
    },
    /// The server requires authentication and no provider is configured.
    #[error("{address} requires authentication ({authenticator}) but no auth provider is set")]
    AuthRequired {
        /// The host.
        address: SocketAddr,
        /// The server's authenticator class.
        authenticator: String,
    },
    /// Authentication failed (bad credentials, or the authenticator gave up).
    #[error("authentication with {address} failed: {message}")]
    Auth {
        /// The host.
        address: SocketAddr,
        /// The server's or the authenticator's message.
        message: String,
    },
    /// The server answered the handshake with an error.
    #[error("{address} refused the connection: {error}")]
    Server {
        /// The host.
        address: SocketAddr,
        /// The server's error.
        error: ErrorResponse,
    },
    /// The server did not answer a heartbeat in time.
    #[error("{address} did not answer a heartbeat within {timeout:?}")]
    HeartbeatTimeout {
        /// The host.
        address: SocketAddr,
        /// The request timeout the heartbeat had.
        timeout: Duration,
    },
}

impl ConnectionError {
    /// The host the connection was to.
    pub fn address(&self) -> SocketAddr {
        match self {
            ConnectionError::Connect { address, .. }
            | ConnectionError::ConnectTimeout { address, .. }
            | ConnectionError::Io { address, .. }
            | ConnectionError::Tls { address, .. }
            | ConnectionError::Closed { address, .. }
            | ConnectionError::Decode { address, .. }
            | ConnectionError::Protocol { address, .. }
            | ConnectionError::UnsupportedVersion { address, .. }
            | ConnectionError::AuthRequired { address, .. }
            | ConnectionError::Auth { address, .. }
            | ConnectionError::Server { address, .. }
            | ConnectionError::HeartbeatTimeout { address, .. } => *address,
        }
    }
}

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The server answered with an ERROR; its code and fields are kept.
    #[error("server error: {0}")]
    Server(ErrorResponse),
    /// The connection the request was on failed; the request may or may not
    /// have been applied.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// No answer came within the request timeout. The request may or may
    /// not have been applied.
    #[error("no answer from {address} within {timeout:?}")]
    Timeout {
        /// The host the request was sent to.
        address: SocketAddr,
        /// The timeout.
        timeout: Duration,
    },
    /// Every stream of every connection to the host stayed busy for the
    /// whole request timeout; the request was never sent.
    #[error("every stream to {address} stayed busy for {timeout:?}")]
    Busy {
        /// The host.
        address: SocketAddr,
        /// How long the request waited.
        timeout: Duration,
    },
    /// Every host in the query plan failed (or the plan was empty).
    #[error(transparent)]
    NoHostAvailable(#[from] NoHostAvailable),
    /// A bound value does not fit its column.
    #[error("bad bound value: {0}")]
    Value(#[from] ValueError),
    /// The request could not be encoded (too large, or not in this version).
    #[error("could not encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// The feature needs a later protocol version than the session's.
    #[error("{feature} needs protocol v{needs} or later; the session uses {version}")]
    Unsupported {
        /// What was asked for.
        feature: &'static str,
        /// The first version with it.
        needs: u8,
        /// The session's version.
        version: ProtocolVersion,
    },
    /// The server answered with a message that does not answer the request.
    #[error("unexpected answer to {request}: {response}")]
    UnexpectedResponse {
        /// The request.
        request: &'static str,
        /// The answer's opcode name.
        response: &'static str,
    },
    /// The request is invalid before anything is sent (wrong number of
    /// values, a batch without statements, an unknown column name).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The session was shut down.
    #[error("the session is shut down")]
    SessionClosed,
}

impl QueryError {
    /// The server error, if the server answered with one.
    pub fn server_error(&self) -> Option<&ErrorResponse> {
        match self {
            QueryError::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The server's error kind, if the server answered with an error.
    pub fn kind(&self) -> Option<&ErrorKind> {
        self.server_error().map(|e| &e.kind)
    }
}

/// Every host of a query plan failed; the error from each, in plan order.
#[derive(Debug, Clone, Default)]
pub struct NoHostAvailable {
    /// Each host tried and the error it gave.
    pub errors: Vec<(SocketAddr, QueryError)>,
}

impl fmt::Display for NoHostAvailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.errors.is_empty() {
            return write!(
                f,
                "no host available: the query plan was empty (all hosts down?)"
            );
        }
        write!(f, "no host available; tried")?;
        for (i, (address, error)) in self.errors.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            write!(f, "{sep}{address}: {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for NoHostAvailable {}

/// Why [`SessionBuilder::build`](crate::SessionBuilder::build) failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NewSessionError {
    /// No contact point was given.
    #[error("no contact points were given")]
    NoContactPoints,
    /// A contact point's name could not be resolved.
    #[error("could not resolve contact point {name}: {message}")]
    Resolve {
        /// The name.
        name: String,
        /// Why.
        message: String,
    },
    /// No contact point accepted a control connection; the error from each.
    #[error("could not connect to any contact point: {}", list(.0))]
    ContactPoints(Vec<ConnectionError>),
    /// The cluster's metadata could not be read.
    #[error("could not read the cluster's metadata: {0}")]
    Metadata(QueryError),
    /// The keyspace given to the builder could not be used.
    #[error("could not use the keyspace: {0}")]
    Keyspace(QueryError),
}

fn list(errors: &[ConnectionError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
