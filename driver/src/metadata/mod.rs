//! What the driver knows of the cluster: tokens, the token map, the hosts
//! and the schema.
//!
//! Everything here is pure: it turns the rows of the system tables
//! (protocol notes §10 and §11) into metadata, and never does I/O.
//!
//! - [`parse_local`], [`parse_peers`]: the hosts, from `system.local` and
//!   `system.peers`; [`parse_local_schema_version`],
//!   [`parse_peer_schema_versions`] and [`schema_in_agreement`]: schema
//!   agreement;
//! - [`parse_schema`], [`parse_keyspace_rows`], [`parse_table_rows`]: the
//!   schema, from `system.schema_keyspaces`, `schema_columnfamilies` and
//!   `schema_columns`, with each table's [`TableOptions`];
//! - [`parse_marshal_type`]: Cassandra's marshal class names as column
//!   types;
//! - [`ReplicationStrategy`] and [`TokenMap::build`]: replica placement.

mod cql_type;
mod error;
mod peers;
mod replication;
mod rows;
mod schema;
mod table_options;
mod token;
mod token_map;

pub use cql_type::{parse_marshal_type, MarshalType};
pub use error::MetadataError;
pub use peers::{
    parse_local, parse_local_schema_version, parse_peer_schema_versions, parse_peers,
    schema_in_agreement, LocalInfo, PeerRow, PeerSchemaVersion,
};
pub use replication::ReplicationStrategy;
pub use schema::{
    parse_keyspace_rows, parse_schema, parse_table_rows, ClusteringOrder, ColumnKind,
    ColumnMetadata, IndexKind, IndexMetadata, KeyspaceMetadata, TableMetadata,
};
pub use table_options::TableOptions;
pub use token::{Partitioner, Token};
pub use token_map::{ReplicaRing, TokenMap};
mod cluster;
pub use cluster::ClusterMetadata;
