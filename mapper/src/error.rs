//! The mapper's errors. Driver errors are kept whole inside
//! [`MapperError::Driver`], with every detail the driver gives.
//!
//! ```no_run
//! # use cqlengine::{prelude::*, Model};
//! # #[derive(Model, Debug, Clone)]
//! # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
//! use cqlengine::MapperError;
//!
//! # async fn example() -> cqlengine::Result<()> {
//! match User::filter(user::name.eq("Ada")).get().await {
//!     Ok(ada) => println!("found {ada:?}"),
//!     Err(MapperError::DoesNotExist { .. }) => println!("no Ada"),
//!     Err(MapperError::MultipleObjectsReturned { count, .. }) => println!("{count}+ Adas"),
//!     Err(MapperError::Driver(error)) => eprintln!("the cluster failed: {error}"),
//!     Err(other) => return Err(other),
//! }
//! # Ok(()) }
//! # fn main() {}
//! ```

use cql_driver::{QueryError, Row, RowError};

/// A value failed validation before anything was sent: what
/// [`Model::validate`](crate::Model::validate) returns, and inside
/// [`MapperError::Validation`] when a write is refused.
///
/// ```
/// use cqlengine::{Model, ValidationError};
///
/// #[derive(Model, Debug, Clone)]
/// struct User {
///     #[cql(partition_key)]
///     id: i32,
///     #[cql(max_length = 5)]
///     name: String,
/// }
///
/// # fn main() {
/// let long = User { id: 1, name: "Ada Lovelace".into() };
/// let error: ValidationError = long.validate().unwrap_err();
/// assert_eq!((error.model, error.field.as_str()), ("User", "name"));
/// assert_eq!(error.to_string(), "User.name: is 12 characters long; the maximum is 5");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{model}.{field}: {message}")]
pub struct ValidationError {
    /// The model.
    pub model: &'static str,
    /// The field (the Rust name).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// Why a mapper operation failed. Its `Display` text names the model or
/// table; the variants carry the details.
///
/// ```
/// use cqlengine::{MapperError, ValidationError};
///
/// let missing = MapperError::DoesNotExist { model: "User" };
/// assert_eq!(missing.to_string(), "User.DoesNotExist: no row matches the query");
///
/// let invalid: MapperError = ValidationError {
///     model: "User",
///     field: "name".into(),
///     message: "a value is required".into(),
/// }
/// .into();
/// assert!(matches!(invalid, MapperError::Validation(_)));
/// assert_eq!(invalid.to_string(), "User.name: a value is required");
///
/// let unknown = MapperError::NoConnection { name: "analytics".into() };
/// assert_eq!(unknown.to_string(), r#"no connection named "analytics" is registered"#);
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum MapperError {
    /// The driver failed; the error keeps the server's code and fields.
    #[error(transparent)]
    Driver(#[from] QueryError),
    /// The driver could not connect.
    #[error(transparent)]
    Connect(#[from] cql_driver::NewSessionError),
    /// A row could not be read into the model.
    #[error("could not read a {model} row: {source}")]
    Row {
        /// The model.
        model: &'static str,
        /// Why.
        #[source]
        source: RowError,
    },
    /// A value is invalid (required, length, collection size).
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// `get` found no row.
    #[error("{model}.DoesNotExist: no row matches the query")]
    DoesNotExist {
        /// The model.
        model: &'static str,
    },
    /// `get` found more than one row.
    #[error("{model}.MultipleObjectsReturned: {count} rows match the query")]
    MultipleObjectsReturned {
        /// The model.
        model: &'static str,
        /// How many rows were found (at least 2).
        count: usize,
    },
    /// A lightweight transaction's condition was not met; `existing` is the
    /// current row as the server returned it (columns `[applied]` and the
    /// conditions' columns), when it sent one.
    #[error("the conditional update was not applied")]
    NotApplied {
        /// The server's row.
        existing: Option<Box<Row>>,
    },
    /// The query would be refused by the server (no partition key, no
    /// index, no ALLOW FILTERING...), so it was not sent.
    #[error("invalid query on {model}: {message}")]
    InvalidQuery {
        /// The model or table.
        model: String,
        /// Why.
        message: String,
    },
    /// The model's definition breaks a rule the derive could not check.
    #[error("invalid model definition of {model}: {message}")]
    ModelDefinition {
        /// The model.
        model: &'static str,
        /// Why.
        message: String,
    },
    /// No keyspace was given to the model, the query or the connection.
    #[error("no keyspace for {model}: set one on the model, the query or the connection")]
    UndefinedKeyspace {
        /// The model or table.
        model: String,
    },
    /// The named connection is not registered.
    #[error("no connection named {name:?} is registered")]
    NoConnection {
        /// The name.
        name: String,
    },
    /// `get` on a [`NamedTable`](crate::named::NamedTable) found no row.
    #[error("{keyspace}.{table}.DoesNotExist: no row matches the query")]
    TableDoesNotExist {
        /// The keyspace.
        keyspace: String,
        /// The table.
        table: String,
    },
    /// `get` on a [`NamedTable`](crate::named::NamedTable) found more than
    /// one row.
    #[error("{keyspace}.{table}.MultipleObjectsReturned: {count} rows match the query")]
    TableMultipleObjectsReturned {
        /// The keyspace.
        keyspace: String,
        /// The table.
        table: String,
        /// How many rows were found (at least 2).
        count: usize,
    },
    /// A [`NamedTable`](crate::named::NamedTable) is not in the driver's
    /// schema metadata, even after reading the schema again.
    #[error("no table {keyspace}.{table} in the cluster's schema metadata")]
    UnknownTable {
        /// The keyspace.
        keyspace: String,
        /// The table.
        table: String,
    },
    /// A result of a [`NamedTable`](crate::named::NamedTable) query could
    /// not be read.
    #[error("could not read a row of {table}: {source}")]
    TableRow {
        /// The table, as `keyspace.table`.
        table: String,
        /// Why.
        #[source]
        source: RowError,
    },
    /// Schema management refused to go on (a primary key mismatch).
    #[error("cannot sync {table}: {message}")]
    Schema {
        /// The table.
        table: String,
        /// Why.
        message: String,
    },
}

/// The mapper's result type.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// use cqlengine::MapperError;
///
/// /// The user, or `None` if there is no such id.
/// async fn find_user(id: i32) -> cqlengine::Result<Option<User>> {
///     match User::filter(user::id.eq(id)).get().await {
///         Ok(user) => Ok(Some(user)),
///         Err(MapperError::DoesNotExist { .. }) => Ok(None),
///         Err(error) => Err(error),
///     }
/// }
/// # fn main() {}
/// ```
pub type Result<T, E = MapperError> = std::result::Result<T, E>;
