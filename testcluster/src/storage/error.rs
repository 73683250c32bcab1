//! The storage engine's typed errors, with Cassandra 2.0's messages and
//! their native protocol error codes.

use cql_protocol::message::response::{ErrorKind, ErrorResponse};

/// An error from a schema change, a mutation or a read.
///
/// Each variant's message is the one Cassandra 2.0 sends; [`code`] and
/// [`to_error_response`] give the ERROR the server should answer with.
///
/// [`code`]: StorageError::code
/// [`to_error_response`]: StorageError::to_error_response
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The keyspace does not exist (Invalid, 0x2200).
    #[error("Keyspace {keyspace} does not exist")]
    KeyspaceNotFound {
        /// The missing keyspace.
        keyspace: String,
    },
    /// The table does not exist (Invalid, 0x2200).
    #[error("unconfigured columnfamily {table}")]
    TableNotFound {
        /// The keyspace that was searched.
        keyspace: String,
        /// The missing table.
        table: String,
    },
    /// `CREATE KEYSPACE` of an existing keyspace (AlreadyExists, 0x2400).
    #[error("Cannot add already existing keyspace \"{keyspace}\"")]
    KeyspaceAlreadyExists {
        /// The existing keyspace.
        keyspace: String,
    },
    /// `CREATE TABLE` of an existing table (AlreadyExists, 0x2400).
    #[error("Cannot add already existing column family \"{table}\" to keyspace \"{keyspace}\"")]
    TableAlreadyExists {
        /// The keyspace.
        keyspace: String,
        /// The existing table.
        table: String,
    },
    /// `DROP KEYSPACE` of a missing keyspace (ConfigurationError, 0x2300).
    #[error("Cannot drop non existing keyspace '{keyspace}'.")]
    CannotDropMissingKeyspace {
        /// The missing keyspace.
        keyspace: String,
    },
    /// `DROP INDEX` of a missing index (Invalid, 0x2200).
    #[error("Index '{index}' could not be found in any of the tables of keyspace '{keyspace}'")]
    IndexNotFound {
        /// The keyspace searched.
        keyspace: String,
        /// The missing index.
        index: String,
    },
    /// `CREATE INDEX` on a column that is already indexed (Invalid, 0x2200).
    #[error("Index already exists")]
    IndexAlreadyExists {
        /// The index name that was asked for.
        index: String,
    },
    /// Any other invalid request (Invalid, 0x2200), with Cassandra's message.
    #[error("{0}")]
    Invalid(String),
    /// A configuration error (ConfigurationError, 0x2300), e.g. a bad
    /// replication or compaction option.
    #[error("{0}")]
    Configuration(String),
    /// An unknown property name (SyntaxError, 0x2000), as Cassandra's
    /// `PropertyDefinitions.validate` reports it.
    #[error("{0}")]
    Syntax(String),
}

impl StorageError {
    /// A generic invalid-request error.
    pub fn invalid(message: impl Into<String>) -> Self {
        StorageError::Invalid(message.into())
    }

    /// The native protocol error code: 0x2200 Invalid, 0x2300
    /// ConfigurationError, 0x2400 AlreadyExists, 0x2000 SyntaxError.
    pub fn code(&self) -> u32 {
        match self {
            StorageError::KeyspaceAlreadyExists { .. }
            | StorageError::TableAlreadyExists { .. } => 0x2400,
            StorageError::CannotDropMissingKeyspace { .. } | StorageError::Configuration(_) => {
                0x2300
            }
            StorageError::Syntax(_) => 0x2000,
            _ => 0x2200,
        }
    }

    /// The ERROR response for this error (AlreadyExists carries the keyspace
    /// and the table, `""` for a keyspace).
    pub fn to_error_response(&self) -> ErrorResponse {
        let kind = match self {
            StorageError::KeyspaceAlreadyExists { keyspace } => ErrorKind::AlreadyExists {
                keyspace: keyspace.clone(),
                table: String::new(),
            },
            StorageError::TableAlreadyExists { keyspace, table } => ErrorKind::AlreadyExists {
                keyspace: keyspace.clone(),
                table: table.clone(),
            },
            StorageError::CannotDropMissingKeyspace { .. } | StorageError::Configuration(_) => {
                ErrorKind::ConfigError
            }
            StorageError::Syntax(_) => ErrorKind::SyntaxError,
            _ => ErrorKind::Invalid,
        };
        ErrorResponse {
            kind,
            message: self.to_string(),
        }
    }
}

/// The result type of the storage engine.
pub type StorageResult<T> = Result<T, StorageError>;
