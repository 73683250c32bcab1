//! [`MetadataError`]: why system-table rows could not be turned into
//! metadata.

use cql_protocol::value::ValueError;

/// Why the rows of a system table could not be read.
///
/// Problems with the shape of a result (no column metadata, a required
/// column missing, a column of the wrong type) are errors; problems with a
/// single row (a peer without a host id, a table of an unknown keyspace) are
/// logged with `tracing::warn!` and the row is skipped, so that one odd row
/// does not hide the rest of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The result was sent without column metadata (No_metadata), so its
    /// columns cannot be found by name.
    #[error("the rows of {table} have no column metadata")]
    NoColumnSpecs {
        /// The system table.
        table: &'static str,
    },
    /// A column the driver needs is not in the result.
    #[error("the rows of {table} have no column {column}")]
    MissingColumn {
        /// The system table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// A value could not be read as the type the driver expects.
    #[error("bad value in {table}.{column}: {source}")]
    BadValue {
        /// The system table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What was wrong.
        #[source]
        source: ValueError,
    },
    /// A value the driver needs is null.
    #[error("{table}.{column} is null")]
    NullValue {
        /// The system table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// `system.local` returned no row.
    #[error("system.local returned no row")]
    NoLocalRow,
    /// A marshal class name (a `validator`, `comparator`, ...) is malformed
    /// or nests too deeply.
    #[error("bad type {text:?}: {reason}")]
    BadType {
        /// The text (possibly truncated).
        text: String,
        /// What was wrong.
        reason: String,
    },
    /// A keyspace's `strategy_options` do not fit its `strategy_class`.
    #[error("bad replication options for {class}: {reason}")]
    BadReplication {
        /// The strategy class.
        class: String,
        /// What was wrong.
        reason: String,
    },
}
