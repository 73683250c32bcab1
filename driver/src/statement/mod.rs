//! Statements: simple queries, prepared statements and batches, with their
//! per-statement options, and the values bound to them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use cql_protocol::message::request::BatchType;
use cql_protocol::value::ValueError;
use cql_protocol::{ColumnSpec, Consistency, ProtocolVersion, RawValue};

mod values;

pub use values::{SerializeValues, ValuesWriter};

use crate::metadata::Token;
use crate::policies::RetryPolicy;

/// Options of one statement; anything unset takes the session's default.
#[derive(Clone, Debug, Default)]
pub struct StatementOptions {
    /// The consistency level.
    pub consistency: Option<Consistency>,
    /// The serial consistency of conditional updates (v2+).
    pub serial_consistency: Option<Consistency>,
    /// Rows per page (v2+); `Some(0)` or negative disables paging.
    pub page_size: Option<i32>,
    /// The request timeout.
    pub timeout: Option<Duration>,
    /// Whether the statement can safely run twice: only idempotent
    /// statements are retried after a timeout or executed speculatively.
    pub is_idempotent: bool,
    /// Whether the server traces the request.
    pub tracing: bool,
    /// The retry policy, instead of the session's.
    pub retry_policy: Option<Arc<dyn RetryPolicy>>,
    /// The token to route by, set by hand (prepared statements compute it).
    pub routing_token: Option<Token>,
    /// The serialized partition key to route by (the token is computed
    /// with the cluster's partitioner), for simple statements.
    pub routing_key: Option<Bytes>,
    /// The keyspace to route by, when the statement names another.
    pub routing_keyspace: Option<String>,
}

macro_rules! option_setters {
    () => {
        /// Sets the consistency level.
        #[must_use]
        pub fn with_consistency(mut self, consistency: Consistency) -> Self {
            self.options.consistency = Some(consistency);
            self
        }

        /// Sets the serial consistency of conditional updates.
        #[must_use]
        pub fn with_serial_consistency(mut self, consistency: Consistency) -> Self {
            self.options.serial_consistency = Some(consistency);
            self
        }

        /// Sets the page size.
        #[must_use]
        pub fn with_page_size(mut self, page_size: i32) -> Self {
            self.options.page_size = Some(page_size);
            self
        }

        /// Sets the request timeout.
        #[must_use]
        pub fn with_timeout(mut self, timeout: Duration) -> Self {
            self.options.timeout = Some(timeout);
            self
        }

        /// Marks the statement idempotent (or not).
        #[must_use]
        pub fn with_idempotent(mut self, idempotent: bool) -> Self {
            self.options.is_idempotent = idempotent;
            self
        }

        /// Asks the server to trace the request.
        #[must_use]
        pub fn with_tracing(mut self, tracing: bool) -> Self {
            self.options.tracing = tracing;
            self
        }

        /// Uses this retry policy instead of the session's.
        #[must_use]
        pub fn with_retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
            self.options.retry_policy = Some(policy);
            self
        }

        /// Routes the statement to the replicas of `token` in `keyspace`.
        #[must_use]
        pub fn with_routing(mut self, keyspace: impl Into<String>, token: Token) -> Self {
            self.options.routing_keyspace = Some(keyspace.into());
            self.options.routing_token = Some(token);
            self
        }

        /// Routes the statement to the replicas of the partition whose
        /// serialized key is `key` (for a composite key, the bytes
        /// [`cql_protocol::murmur3::partition_key`] builds) in `keyspace`.
        #[must_use]
        pub fn with_routing_key(
            mut self,
            keyspace: impl Into<String>,
            key: impl Into<Bytes>,
        ) -> Self {
            self.options.routing_keyspace = Some(keyspace.into());
            self.options.routing_key = Some(key.into());
            self
        }

        /// The statement's options.
        pub fn options(&self) -> &StatementOptions {
            &self.options
        }

        /// The statement's options, to change.
        pub fn options_mut(&mut self) -> &mut StatementOptions {
            &mut self.options
        }
    };
}

/// A simple (unprepared) CQL statement.
///
/// ```
/// use cql_driver::Query;
/// use cql_driver::protocol::Consistency;
///
/// let query = Query::new("SELECT * FROM ks.users WHERE id = ?")
///     .with_consistency(Consistency::Quorum)
///     .with_page_size(500);
/// assert_eq!(query.text(), "SELECT * FROM ks.users WHERE id = ?");
/// ```
#[derive(Clone, Debug)]
pub struct Query {
    text: Arc<str>,
    options: StatementOptions,
}

impl Query {
    /// A statement with this text (a `&str`, a `String` or a shared
    /// `Arc<str>`, which is not copied).
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        Query {
            text: text.into(),
            options: StatementOptions::default(),
        }
    }

    /// The CQL text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The CQL text, shared.
    pub(crate) fn shared_text(&self) -> &Arc<str> {
        &self.text
    }

    /// The options, without the text.
    pub(crate) fn into_options(self) -> StatementOptions {
        self.options
    }

    option_setters!();
}

impl From<&str> for Query {
    fn from(text: &str) -> Self {
        Query::new(text)
    }
}

impl From<String> for Query {
    fn from(text: String) -> Self {
        Query::new(text)
    }
}

impl From<Arc<str>> for Query {
    fn from(text: Arc<str>) -> Self {
        Query::new(text)
    }
}

/// A statement prepared on the cluster: its id and the types of its bound
/// values and of its result. Execute it with
/// [`Session::execute`](crate::Session::execute).
///
/// A copy is cheap: what the server said is shared by every copy (and by
/// the session's cache); only the options are a copy's own.
#[derive(Clone, Debug)]
pub struct PreparedStatement {
    pub(crate) inner: Arc<PreparedInner>,
    pub(crate) options: StatementOptions,
}

/// What the server said of a prepared statement, shared by its copies.
#[derive(Debug)]
pub(crate) struct PreparedInner {
    pub(crate) id: Bytes,
    pub(crate) text: Arc<str>,
    /// The session's keyspace when it was prepared.
    pub(crate) keyspace: Option<Arc<str>>,
    pub(crate) bound: Arc<[ColumnSpec]>,
    pub(crate) result: Option<Arc<[ColumnSpec]>>,
    /// For each partition-key column in order, the index of its bound value.
    pub(crate) partition_key: Option<Arc<[usize]>>,
}

impl PreparedInner {
    /// The keyspace the statement's table is in, if known.
    pub(crate) fn keyspace(&self) -> Option<&str> {
        self.bound
            .first()
            .map(|c| c.table.keyspace.as_str())
            .or(self.keyspace.as_deref())
    }
}

impl PreparedStatement {
    /// The id the server gave the statement.
    pub fn id(&self) -> &Bytes {
        &self.inner.id
    }

    /// The CQL text.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The bound variables' names and types, in order.
    pub fn bound_columns(&self) -> &[ColumnSpec] {
        &self.inner.bound
    }

    /// The result's columns, if the statement returns rows.
    pub fn result_columns(&self) -> Option<&[ColumnSpec]> {
        self.inner.result.as_deref()
    }

    /// For each partition-key column, the index of its bound value: the
    /// routing key, when the whole key is bound.
    pub fn partition_key_indexes(&self) -> Option<&[usize]> {
        self.inner.partition_key.as_deref()
    }

    /// The keyspace the statement's table is in, if known.
    pub fn keyspace(&self) -> Option<&str> {
        self.inner.keyspace()
    }

    option_setters!();
}

/// One statement of a batch.
#[derive(Clone, Debug)]
pub(crate) enum BatchEntry {
    Query(String, Vec<RawValue>),
    Prepared(Arc<PreparedInner>, Vec<RawValue>),
}

/// A BATCH (protocol v2+): several modifications applied together.
///
/// Values are serialized when a statement is added, so a type mismatch is
/// reported there.
#[derive(Clone, Debug)]
pub struct Batch {
    pub(crate) batch_type: BatchType,
    pub(crate) entries: Vec<BatchEntry>,
    pub(crate) options: StatementOptions,
    version: ProtocolVersion,
}

impl Batch {
    /// An empty batch of this type, for a session speaking `version`
    /// ([`Session::new_batch`](crate::Session::new_batch) takes it from the
    /// session).
    pub fn new(batch_type: BatchType, version: ProtocolVersion) -> Self {
        Batch {
            batch_type,
            entries: Vec::new(),
            options: StatementOptions::default(),
            version,
        }
    }

    /// Adds a simple statement with its values.
    pub fn add_query(
        &mut self,
        query: impl Into<String>,
        values: impl SerializeValues,
    ) -> Result<&mut Self, ValueError> {
        let raw = values.serialize_values(None, self.version)?;
        self.entries.push(BatchEntry::Query(query.into(), raw));
        Ok(self)
    }

    /// Adds a prepared statement with its values.
    pub fn add_prepared(
        &mut self,
        statement: &PreparedStatement,
        values: impl SerializeValues,
    ) -> Result<&mut Self, ValueError> {
        check_count(&statement.inner, values.len())?;
        let raw = values.serialize_values(Some(&statement.inner.bound), self.version)?;
        self.entries
            .push(BatchEntry::Prepared(statement.inner.clone(), raw));
        Ok(self)
    }

    /// How many statements the batch has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the batch has no statement.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The batch type.
    pub fn batch_type(&self) -> BatchType {
        self.batch_type
    }

    option_setters!();
}

/// Checks that `count` values were given for the statement's variables.
pub(crate) fn check_count(statement: &PreparedInner, count: usize) -> Result<(), ValueError> {
    if count != statement.bound.len() {
        return Err(ValueError::WrongValueCount {
            expected: statement.bound.len(),
            got: count,
        });
    }
    Ok(())
}

/// Quotes an identifier for CQL when it needs quotes (anything but a
/// lower-case unquoted name), doubling embedded quotes.
///
/// ```
/// use cql_driver::statement::quote_identifier;
/// assert_eq!(quote_identifier("users"), "users");
/// assert_eq!(quote_identifier("Users"), "\"Users\"");
/// assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
/// ```
pub fn quote_identifier(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}
