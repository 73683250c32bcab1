//! An in-memory, multi-node, Cassandra 2.0-compatible test server.
//!
//! Work in progress (see the README): so far it has
//!
//! - [`cql`]: a parser for Cassandra 2.0's CQL 3.1 dialect;
//! - [`server`]: a native-protocol (v1/v2) server that negotiates versions,
//!   authenticates and dispatches requests concurrently to a request handler;
//! - [`storage`]: the schema catalog and the data model, with Cassandra's
//!   write resolution, TTLs, tombstones, row markers, static columns,
//!   collections, counters and clustering order;
//! - [`cluster`]: [`cluster::TestCluster`], N nodes on 127.0.0.x sharing one
//!   port, with the Murmur3 ring and replica placement, the Unavailable
//!   check, a controllable clock, Cassandra 2.0's system tables, events and
//!   node control (stop, start, add, decommission); the `cql-testcluster`
//!   binary runs one from the command line.
//!
//! The executor ([`executor`]) joins them through [`context::ClusterContext`].

pub mod cluster;
pub mod context;
pub mod cql;
pub mod executor;
pub mod server;
pub mod storage;

pub use cql_protocol as protocol;
