//! The native-protocol server core: a node listener speaking protocol v1
//! and v2 as Cassandra 2.0 does, generic over a [`RequestHandler`] that
//! executes the CQL.
//!
//! - [`Node`]: one listening address with its connections; stop, start
//!   again, drop connections, push events. [`bind_nodes`] binds several
//!   nodes (127.0.0.1, 127.0.0.2, ...) on one shared port.
//! - Each connection negotiates the protocol version from its first frame
//!   (anything above v2 gets Cassandra 2.0's exact `Invalid or unsupported
//!   protocol version: N` error in a v2 frame, then the socket closes),
//!   answers OPTIONS, STARTUP (with lz4 or snappy compression, the READY
//!   already compressed), REGISTER and authentication itself, and runs every
//!   QUERY, PREPARE, EXECUTE and BATCH concurrently through the handler,
//!   writing each response as soon as it is ready.
//! - [`Users`] and [`PasswordAuthenticator`]: authentication with v1
//!   CREDENTIALS or v2 SASL PLAIN.
//! - [`EventBus`]: events pushed on stream -1 to the connections that
//!   REGISTERed for their type.
//! - [`ActivityLog`]: a bounded, shared record of every request.
//! - [`TlsConfig`]: optional TLS (rustls) on every connection of a node.
//! - [`Faults`]: fault injection rules ([`FaultRule`]) consulted before a
//!   request is handled: errors, delays, no response, closed connections.

mod activity;
mod auth;
mod config;
mod connection;
mod events;
mod faults;
mod handler;
mod listener;
mod tls;

pub use activity::{ActivityEntry, ActivityLog, DEFAULT_ACTIVITY_CAPACITY};
pub use auth::{
    decode_plain, AuthError, Authenticator, PasswordAuthenticator, SaslNegotiator, SaslStep,
    UserError, UserRecord, Users, BAD_CREDENTIALS, DEFAULT_SUPERUSER, PASSWORD_AUTHENTICATOR,
};
pub use config::{ServerConfig, DEFAULT_CQL_VERSION};
pub use events::{event_type_of, EventBus};
pub use faults::{
    consistency_by_name, default_error_message, error_kind_by_name, opcode_by_name, parse_rule,
    percent_decode, Budget, ErrorFields, FaultRule, Faults, Fired, NodeSelector, Outcome,
    QueryMatcher, Reaction, RuleId, ERROR_NAMES, RULE_SYNTAX,
};
pub use handler::{ConnectionInfo, HandlerFuture, HandlerResponse, RequestHandler};
pub use listener::{bind_nodes, Node, NodeServices};
pub use tls::{TlsConfig, TlsError, DEFAULT_HANDSHAKE_TIMEOUT};
