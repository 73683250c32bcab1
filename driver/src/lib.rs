//! An async (tokio) driver for Apache Cassandra over the CQL native
//! protocol, v1 and v2 (Cassandra 1.2 and 2.0).

pub mod cluster;
pub mod error;
pub mod metadata;
pub mod metrics;
pub mod policies;
pub mod rows;

pub use cql_protocol as protocol;
pub use error::{ConnectionError, NewSessionError, NoHostAvailable, QueryError};
pub use metrics::{LatencySnapshot, Metrics, MetricsSnapshot};
pub use rows::{ColumnIndex, FromRow, Row, RowError, RowSet};
