//! The storage engine: an in-memory, synchronous model of Cassandra 2.0's
//! schema and data, with its write-resolution semantics.
//!
//! - [`Catalog`] holds the keyspaces ([`KeyspaceDef`]) and tables
//!   ([`TableDef`] + data in a [`Table`]) and performs the schema
//!   statements with Cassandra 2.0's validations and messages
//!   ([`StorageError`]).
//! - [`Table::apply`] applies a [`Mutation`] (row markers, cells,
//!   collections, counters, and row/range/partition deletions, each with
//!   its own timestamp and TTL); [`Table::read`] returns live rows of a
//!   [`ReadCommand`] with each cell's WRITETIME and TTL;
//!   [`Table::with_partition_mut`] reads and writes one partition in a
//!   single critical section (lightweight transactions).
//! - [`types`] orders serialized values as Cassandra's comparators do.
//!
//! Nothing here reads the system clock: every call that needs the time
//! takes `now`, the server time in **seconds** (TTL expiry and deletion
//! times). Write timestamps are microseconds, chosen by the caller.

pub mod catalog;
pub mod cell;
pub mod error;
pub mod mutation;
pub mod partition;
pub mod read;
pub mod schema;
pub mod table;
pub mod types;

pub use catalog::{AlterTable, Catalog};
pub use cell::{Cell, DeletionTime, Expiry, MAX_TTL};
pub use error::{StorageError, StorageResult};
pub use mutation::{CollectionLiteral, ColumnWrite, Mutation, Op};
pub use partition::Partition;
pub use read::{
    ClusteringBound, PartitionSelector, ReadCell, ReadCommand, ReadResult, ReadRow, ResumePoint,
    Slice,
};
pub use schema::{
    ColumnDef, ColumnKind, ColumnSpec, CompactionOptions, CreateTable, KeyspaceDef, OptionValue,
    Order, Replication, TableDef, TableOptions,
};
pub use table::{split_partition_key, PartitionGuard, Table};
