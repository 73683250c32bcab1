//! An in-memory, multi-node, Cassandra 2.0-compatible test server.
//!
//! Work in progress (see the README): so far it has
//!
//! - [`cql`]: a parser for Cassandra 2.0's CQL 3.1 dialect;
//! - [`server`]: a native-protocol (v1/v2) server that negotiates versions,
//!   authenticates and dispatches requests concurrently to a request handler;
//! - [`storage`]: the schema catalog and the data model, with Cassandra's
//!   write resolution, TTLs, tombstones, row markers, static columns,
//!   collections, counters and clustering order.
//!
//! Not yet written: the executor that joins the three, the system tables,
//! the cluster API and the CLI.

pub mod cluster;
pub mod context;
pub mod cql;
pub mod executor;
pub mod server;
pub mod storage;

pub use cql_protocol as protocol;
