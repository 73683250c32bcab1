//! Error helpers: Cassandra's error kinds and messages.

use cql_protocol::message::response::{ErrorKind, ErrorResponse};

use crate::storage::StorageError;

/// The result of executing (part of) a statement.
pub type ExecResult<T> = Result<T, ErrorResponse>;

/// An Invalid (0x2200) error.
pub fn invalid(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(ErrorKind::Invalid, message)
}

/// An Unauthorized (0x2100) error.
pub fn unauthorized(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(ErrorKind::Unauthorized, message)
}

/// A Syntax_error (0x2000).
pub fn syntax(message: impl Into<String>) -> ErrorResponse {
    ErrorResponse::new(ErrorKind::SyntaxError, message)
}

/// Converts a storage error to its ERROR response.
pub fn storage(e: StorageError) -> ErrorResponse {
    e.to_error_response()
}

/// The filtering error Cassandra 2.0 gives for queries needing ALLOW FILTERING.
pub const NEEDS_FILTERING: &str = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

/// The error for a statement without a keyspace.
pub const NO_KEYSPACE: &str =
    "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename";
