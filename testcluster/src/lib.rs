//! An in-memory, multi-node, Cassandra 2.0-compatible test server.
//!
//! Work in progress (see the README): so far it has
//!
//! - [`cql`]: a parser for Cassandra 2.0's CQL 3.1 dialect;
//! - [`server`]: a native-protocol (v1/v2) server that negotiates versions,
//!   authenticates and dispatches requests concurrently to a request handler.

pub mod cql;
pub mod server;
pub mod storage;

pub use cql_protocol as protocol;
