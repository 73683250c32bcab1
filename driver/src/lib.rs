//! An async (tokio) driver for Apache Cassandra over the CQL native
//! protocol, v1 and v2 (Cassandra 1.2 and 2.0).
//!
//! - [`Session`] runs queries, prepared statements and batches, with paging
//!   (as a [`Stream`](futures_core::Stream) or by hand), tracing and typed
//!   rows ([`Row`], [`FromRow`]);
//! - the cluster is discovered and watched through a control connection
//!   ([`ClusterMetadata`](metadata::ClusterMetadata), [`Session::subscribe`]);
//! - each host has a pool of connections that multiplex up to 128 requests
//!   each by stream id;
//! - routing, retries, reconnection and speculative execution are
//!   [`policies`];
//! - errors are typed ([`QueryError`], [`NewSessionError`]) and nothing
//!   panics on anything the network sends.

pub mod auth;
pub mod cluster;
mod connection;
pub mod error;
pub mod metadata;
pub mod metrics;
pub mod policies;
pub mod result;
pub mod rows;
mod session;
pub mod statement;

pub use cql_protocol as protocol;
pub use cql_protocol::message::request::BatchType;
pub use cql_protocol::message::response::Event;
pub use cql_protocol::{Compression, Consistency, ProtocolVersion};
pub use error::{ConnectionError, NewSessionError, NoHostAvailable, QueryError};
pub use metrics::{LatencySnapshot, Metrics, MetricsSnapshot};
pub use result::{PagingState, QueryResult};
pub use rows::{ColumnIndex, FromRow, Row, RowError, RowSet};
pub use session::{RowStream, Session, SessionBuilder, TracingEvent, TracingInfo};
pub use statement::{Batch, PreparedStatement, Query, SerializeValues, StatementOptions};
