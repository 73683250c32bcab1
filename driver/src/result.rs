//! What a request returns: rows (with paging state) or what the statement
//! did.

use std::net::SocketAddr;

use bytes::Bytes;
use uuid::Uuid;

use cql_protocol::message::response::SchemaChange;

use crate::rows::{FromRow, Row, RowError, RowSet};

/// Where the next page starts: opaque bytes from the server, to pass back
/// with the same statement. It can be kept (e.g. in a web cursor) and
/// restored with [`PagingState::from_bytes`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PagingState(Bytes);

impl PagingState {
    /// A paging state from bytes previously taken with
    /// [`as_bytes`](Self::as_bytes).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        PagingState(bytes.into())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.0
    }
}

/// The result of a query, an execute or a batch.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub(crate) rows: Option<RowSet>,
    pub(crate) paging_state: Option<PagingState>,
    pub(crate) tracing_id: Option<Uuid>,
    pub(crate) schema_change: Option<SchemaChange>,
    pub(crate) keyspace: Option<String>,
    pub(crate) coordinator: Option<SocketAddr>,
}

impl QueryResult {
    pub(crate) fn empty() -> Self {
        QueryResult {
            rows: None,
            paging_state: None,
            tracing_id: None,
            schema_change: None,
            keyspace: None,
            coordinator: None,
        }
    }

    /// The rows, or [`RowError::NotRows`] if the statement returns none (an
    /// INSERT, a DDL).
    pub fn rows(&self) -> Result<&RowSet, RowError> {
        self.rows.as_ref().ok_or(RowError::NotRows)
    }

    /// The rows, owned.
    pub fn into_rows(self) -> Result<RowSet, RowError> {
        self.rows.ok_or(RowError::NotRows)
    }

    /// Whether the result has rows (possibly zero of them).
    pub fn has_rows(&self) -> bool {
        self.rows.is_some()
    }

    /// Each row read into `T`.
    pub fn rows_typed<T: FromRow>(&self) -> Result<Vec<T>, RowError> {
        self.rows()?.typed::<T>().collect()
    }

    /// The first row, or [`RowError::NoRows`].
    pub fn first_row(&self) -> Result<Row, RowError> {
        self.rows()?.first_row()
    }

    /// The only row: [`RowError::NoRows`] or [`RowError::MoreThanOneRow`]
    /// otherwise.
    pub fn single_row(&self) -> Result<Row, RowError> {
        self.rows()?.single_row()
    }

    /// The first row read into `T`.
    pub fn first_row_typed<T: FromRow>(&self) -> Result<T, RowError> {
        self.first_row()?.into_typed()
    }

    /// Where the next page starts, if there are more rows.
    pub fn paging_state(&self) -> Option<&PagingState> {
        self.paging_state.as_ref()
    }

    /// The trace id, if the request was traced; read the trace with
    /// [`Session::tracing_info`](crate::Session::tracing_info).
    pub fn tracing_id(&self) -> Option<Uuid> {
        self.tracing_id
    }

    /// The schema change a DDL statement made.
    pub fn schema_change(&self) -> Option<&SchemaChange> {
        self.schema_change.as_ref()
    }

    /// The keyspace a `USE` switched to.
    pub fn set_keyspace(&self) -> Option<&str> {
        self.keyspace.as_deref()
    }

    /// The host that coordinated the request (`None` for a result a retry
    /// policy made up by ignoring an error).
    pub fn coordinator(&self) -> Option<SocketAddr> {
        self.coordinator
    }
}
