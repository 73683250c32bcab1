//! Batches of model writes: logged, unlogged or counter, with a timestamp,
//! a consistency and callbacks run only after success.
//!
//! ```no_run
//! # use cqlengine::{prelude::*, Model};
//! # #[derive(Model, Debug, Clone)]
//! # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
//! use cqlengine::{BatchQuery, BatchType};
//!
//! # async fn example() -> cqlengine::Result<()> {
//! let old = Post { author: 7, seq: 1, title: "Draft".into() };
//! let new = Post { author: 7, seq: 2, title: "Final".into() };
//! // Both or neither: a logged batch.
//! let mut batch = BatchQuery::new(BatchType::Logged);
//! batch.add(new.save()).await?;
//! batch.add(old.delete()).await?;
//! batch.execute().await?;
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::sync::Arc;

use cql_driver::{BatchType, Consistency, ProtocolVersion, SerializeValues};
use cql_protocol::RawValue;

use crate::connection::{get_connection, Connection};
use crate::dml::Write;
use crate::error::{MapperError, Result};
use crate::model::Model;
use crate::statement::{check_applied, Bound, Cql, KeyspaceName, Options, Target};

type Callback = Box<dyn FnOnce() + Send>;

struct Entry {
    prepared: cql_driver::PreparedStatement,
    values: Vec<RawValue>,
}

/// A batch of writes on one connection.
///
/// On protocol v2 it is sent as a protocol BATCH of prepared statements.
/// On v1, or when the batch has a timestamp (which v2's BATCH message
/// cannot carry), it is sent as one prepared `BEGIN ... APPLY BATCH`
/// statement. Nothing is sent until [`execute`](BatchQuery::execute): a
/// batch that is dropped, for example because the code building it
/// returned an error, is never sent.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
/// use cqlengine::{BatchQuery, BatchType};
///
/// # async fn example() -> cqlengine::Result<()> {
/// let mut batch = BatchQuery::new(BatchType::Unlogged).consistency(cqlengine::QUORUM);
/// for seq in 0..10 {
///     let post = Post { author: 7, seq, title: format!("Post {seq}") };
///     batch.add(post.save().ttl(86_400)).await?;
/// }
/// batch.add_callback(|| println!("10 posts written"));
/// batch.execute().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub struct BatchQuery {
    batch_type: BatchType,
    timestamp: Option<i64>,
    options: Options,
    connection: Option<String>,
    target: Option<Arc<Connection>>,
    entries: Vec<Entry>,
    callbacks: Vec<Callback>,
}

impl std::fmt::Debug for BatchQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchQuery")
            .field("batch_type", &self.batch_type)
            .field("timestamp", &self.timestamp)
            .field("statements", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl BatchQuery {
    /// An empty batch of this type, on the default connection.
    ///
    /// ```
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// let batch = BatchQuery::new(BatchType::Counter);
    /// assert!(batch.is_empty());
    /// assert_eq!(batch.len(), 0);
    /// ```
    pub fn new(batch_type: BatchType) -> Self {
        BatchQuery {
            batch_type,
            timestamp: None,
            options: Options::default(),
            connection: None,
            target: None,
            entries: Vec::new(),
            callbacks: Vec::new(),
        }
    }

    /// `USING TIMESTAMP micros` for the whole batch.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let post = Post { author: 7, seq: 1, title: "Hello".into() };
    /// // Every write of the batch at the same time (sent as BEGIN BATCH USING TIMESTAMP).
    /// let mut batch = BatchQuery::new(BatchType::Logged).timestamp(1_700_000_000_000_000);
    /// batch.add(post.save()).await?;
    /// batch.execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn timestamp(mut self, micros: i64) -> Self {
        self.timestamp = Some(micros);
        self
    }

    /// The batch's consistency.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let post = Post { author: 7, seq: 1, title: "Hello".into() };
    /// let mut batch = BatchQuery::new(BatchType::Logged).consistency(cqlengine::EACH_QUORUM);
    /// batch.add(post.save()).await?;
    /// batch.execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.options.consistency = Some(consistency);
        self
    }

    /// Runs on this named connection. Its writes run there too: a write
    /// naming another connection with [`Write::using`] is refused by
    /// [`add`](BatchQuery::add).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let post = Post { author: 7, seq: 1, title: "Hello".into() };
    /// let mut batch = BatchQuery::new(BatchType::Logged).using("archive");
    /// batch.add(post.save()).await?; // on "archive"
    /// batch.execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn using(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// How many statements the batch holds.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let mut batch = BatchQuery::new(BatchType::Unlogged);
    /// for seq in 0..3 {
    ///     batch.add(Post { author: 7, seq, title: String::new() }.save()).await?;
    /// }
    /// assert_eq!(batch.len(), 3);
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the batch holds no statement.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let drafts = Post::filter(post::author.eq(7)).all().await?;
    /// let mut batch = BatchQuery::new(BatchType::Unlogged);
    /// for draft in drafts.iter().filter(|p| p.title.is_empty()) {
    ///     batch.add(draft.delete()).await?;
    /// }
    /// if !batch.is_empty() {
    ///     println!("deleting {} empty drafts", batch.len());
    ///     batch.execute().await?;
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a write: it is validated, prepared and its values serialized
    /// now, so errors surface here.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let post = Post { author: 7, seq: 1, title: "Hello".into() };
    /// let mut batch = BatchQuery::new(BatchType::Logged);
    /// batch
    ///     .add(post.save())
    ///     .await?
    ///     .add(post.update_fields(vec![post::title.set("Hello!")]))
    ///     .await?;
    /// batch.execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn add<M: Model>(&mut self, write: Write<'_, M>) -> Result<&mut Self> {
        if write.connection.is_some() && write.connection != self.connection {
            return Err(MapperError::InvalidQuery {
                model: M::schema().model.to_string(),
                message: "every statement of a batch must use the batch's connection".into(),
            });
        }
        let connection = match &self.target {
            Some(c) => c.clone(),
            None => {
                let c = get_connection(self.connection.as_deref())?;
                self.target = Some(c.clone());
                c
            }
        };
        let target = Target::resolve(
            M::checked_schema()?,
            write.keyspace.as_deref(),
            Some(connection.name()),
        )?;
        let version = connection.session().protocol_version();
        let cql = write.cql(&target.keyspace, version)?;
        let prepared = target
            .prepare(cql.text.clone().into_shared(), &Options::default())
            .await?;
        let values = cql
            .values
            .serialize_values(Some(prepared.bound_columns()), version)
            .map_err(|e| MapperError::Driver(e.into()))?;
        self.entries.push(Entry { prepared, values });
        Ok(self)
    }

    /// Runs `callback` after the batch succeeds (never if it fails).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let post = Post { author: 7, seq: 1, title: "Hello".into() };
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let written = Arc::new(AtomicBool::new(false));
    /// let mut batch = BatchQuery::new(BatchType::Logged);
    /// batch.add(post.save()).await?;
    /// let flag = written.clone();
    /// batch.add_callback(move || flag.store(true, Ordering::SeqCst));
    /// batch.execute().await?;
    /// assert!(written.load(Ordering::SeqCst));
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn add_callback(&mut self, callback: impl FnOnce() + Send + 'static) -> &mut Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Sends the batch, then runs the callbacks.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct PageHits { #[cql(partition_key)] page: String, #[cql(counter)] hits: i64 }
    /// use cqlengine::{BatchQuery, BatchType};
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// // Counters are updated in counter batches.
    /// let mut batch = BatchQuery::new(BatchType::Counter);
    /// for page in ["/", "/about"] {
    ///     let hits = PageHits { page: page.into(), hits: 0 };
    ///     batch.add(hits.update_fields(vec![page_hits::hits.incr(1)])).await?;
    /// }
    /// batch.execute().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn execute(self) -> Result<()> {
        if self.entries.is_empty() {
            for callback in self.callbacks {
                callback();
            }
            return Ok(());
        }
        let connection = match &self.target {
            Some(c) => c.clone(),
            None => get_connection(self.connection.as_deref())?,
        };
        let session = connection.session();
        let result = if session.protocol_version() >= ProtocolVersion::V2
            && self.timestamp.is_none()
        {
            let mut batch = session.new_batch(self.batch_type);
            for entry in &self.entries {
                let values: Vec<Bound<'_>> = entry.values.iter().cloned().map(Bound::Raw).collect();
                batch
                    .add_prepared(&entry.prepared, values)
                    .map_err(|e| MapperError::Driver(e.into()))?;
            }
            if let Some(c) = self.options.consistency {
                batch = batch.with_consistency(c);
            }
            session.batch(&batch).await?
        } else {
            let mut cql = Cql::new(match self.batch_type {
                BatchType::Unlogged => "BEGIN UNLOGGED BATCH",
                BatchType::Counter => "BEGIN COUNTER BATCH",
                _ => "BEGIN BATCH",
            });
            if let Some(timestamp) = self.timestamp {
                cql.text.push_str(" USING TIMESTAMP ?");
                cql.values.push(Bound::Raw(RawValue::Value(
                    timestamp.to_be_bytes().to_vec().into(),
                )));
            }
            for entry in &self.entries {
                cql.text.push(' ');
                cql.text.push_str(entry.prepared.text());
                cql.text.push(';');
                cql.values
                    .extend(entry.values.iter().cloned().map(Bound::Raw));
            }
            cql.text.push_str(" APPLY BATCH");
            let target = Target {
                connection: connection.clone(),
                // The batch's statements name their keyspaces.
                keyspace: KeyspaceName::Static(""),
            };
            target.execute(cql, &self.options).await?
        };
        check_applied(&result)?;
        for callback in self.callbacks {
            callback();
        }
        Ok(())
    }
}
