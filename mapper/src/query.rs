//! Query sets: lazy, immutable SELECT builders on a model, and the blind
//! UPDATE and DELETE they can run.
//!
//! ```no_run
//! use cqlengine::{prelude::*, ClusteringOrder, Model};
//!
//! #[derive(Model, Debug, Clone)]
//! struct Post {
//!     #[cql(partition_key)]
//!     author: i32,
//!     #[cql(clustering_key)]
//!     seq: i32,
//!     title: String,
//! }
//!
//! # async fn example() -> cqlengine::Result<()> {
//! let by_7 = Post::filter(post::author.eq(7)); // nothing sent yet
//! let latest = by_7.clone().order_by(post::seq, ClusteringOrder::Desc).limit(5).all().await?;
//! let total = by_7.count().await?;
//! println!("{} of {total} posts", latest.len());
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;

use cql_driver::{Consistency, Row};

use crate::column::{Assignment, Column, Filter, Op, Rhs, Target as FilterTarget};
use crate::error::{MapperError, Result};
use crate::model::Model;
use crate::restrictions::{check_where, full_partition_key, IndexUse, KeyRole, Restriction};
use crate::schema::{
    quote, ClusteringOrder, ColumnDef, ColumnRole, DiscriminatorValue, ModelSchema,
};
use crate::statement::{
    cached_text, check_applied, try_cached_text, Bound, BoundValues, Cql, Options, SelectShape,
    Shape, Target,
};

/// How a query set of a polymorphic variant keeps to its kind's rows.
#[derive(Debug, Clone, Copy)]
enum KindFilter {
    /// Not a variant: every row.
    None,
    /// `discriminator = value` in the WHERE clause.
    Server {
        index: usize,
        value: DiscriminatorValue,
        allow_filtering: bool,
    },
    /// Rows of other kinds skipped as they are read.
    Client {
        column: &'static ColumnDef,
        value: DiscriminatorValue,
    },
}

/// The discriminator column and value rows are checked against as they
/// are read.
type KindCheck = (&'static ColumnDef, DiscriminatorValue);

/// Whether the row's `column` holds `value` (a row without the column
/// passes: it cannot be told).
fn is_kind(row: &Row, column: &ColumnDef, value: DiscriminatorValue) -> bool {
    match row.raw(column.name) {
        None => true,
        Some(raw) => raw.is_some_and(|bytes| value.matches(bytes, &column.ty)),
    }
}

/// A stream of model instances, fetched page by page.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
/// use cqlengine::ModelStream;
/// use futures_util::StreamExt;
///
/// # async fn example() -> cqlengine::Result<()> {
/// let mut posts: ModelStream<Post> = Post::filter(post::author.eq(7)).stream().await?;
/// while let Some(post) = posts.next().await {
///     println!("{}", post?.title);
/// }
/// # Ok(()) }
/// # fn main() {}
/// ```
pub type ModelStream<M> = Pin<Box<dyn Stream<Item = Result<M>> + Send>>;

/// A SELECT on model `M`, built step by step; nothing runs until a
/// retrieval method (`all`, `stream`, `get`, `first`, `count`...) is
/// awaited. Each builder method returns a new query set.
///
/// There is no implicit LIMIT, and rows are fetched lazily, one page at a
/// time, by [`stream`](QuerySet::stream).
///
/// # Polymorphic models
///
/// A query set of an enum model (`Animal::objects()`) reads every row of
/// the table, each into the variant its discriminator names (an unknown
/// value is a [`MapperError::Row`]). A query set of one variant
/// (`Cat::objects()`, a struct with a `discriminator_value`) keeps to the
/// rows of its kind:
///
/// - when the discriminator column is a partition key column and the
///   query restricts every other partition key column with `=` (or `IN`
///   on the last one), `kind = 'cat'` is added to the WHERE clause;
/// - when it is an indexed regular column, `kind = 'cat'` is added to the
///   WHERE clause, with ALLOW FILTERING if the query has other conditions
///   (Cassandra 2.0 wants it for a second index expression, or for an
///   index expression inside a restricted partition; the rows read are
///   never more than the query without it would read) — unless the
///   query restricts `token(...)` or uses `IN` on the partition key,
///   which Cassandra 2.0 does not combine with an index;
/// - otherwise (no index, a clustering discriminator, the conditions
///   above not met, or a condition of the query's own on the
///   discriminator) the rows of other kinds are skipped as they are read
///   by `stream`, `all`, `first` and `get`; the LIMIT is then applied
///   while reading rather than by the server, the discriminator column is
///   selected even if `only`/`defer` leave it out, and `count` reads the
///   discriminator column of every matching row and counts those of its
///   kind instead of sending `SELECT COUNT(*)`.
///
/// `values_list` skips rows of other kinds only when the discriminator is
/// among the selected columns (or in the WHERE clause, as above); a
/// `distinct` query set filters only on a partition key discriminator.
/// The blind [`update`](QuerySet::update) and [`delete`](QuerySet::delete)
/// add the discriminator to their WHERE clause only when it is a partition
/// key column; otherwise they act on the primary key they are given,
/// whatever the kind of the row.
///
/// # Example
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
/// # async fn example() -> cqlengine::Result<()> {
/// // A query set is a value: refine it, clone it, run it several times.
/// let by_7: QuerySet<Post> = Post::filter(post::author.eq(7));
/// let recent = by_7.clone().filter(post::seq.gte(100)).all().await?;
/// let first = by_7.first().await?;
/// let count = by_7.count().await?;
/// # let _ = (recent, first, count);
/// # Ok(()) }
/// # fn main() {}
/// ```
pub struct QuerySet<M> {
    filters: Vec<Arc<Filter<M>>>,
    limit: Option<u32>,
    order_by: Vec<(usize, ClusteringOrder)>,
    allow_filtering: bool,
    distinct: bool,
    only: Option<Vec<String>>,
    defer: Vec<String>,
    options: Options,
    keyspace: Option<String>,
    connection: Option<String>,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for QuerySet<M> {
    fn clone(&self) -> Self {
        QuerySet {
            filters: self.filters.clone(),
            limit: self.limit,
            order_by: self.order_by.clone(),
            allow_filtering: self.allow_filtering,
            distinct: self.distinct,
            only: self.only.clone(),
            defer: self.defer.clone(),
            options: self.options.clone(),
            keyspace: self.keyspace.clone(),
            connection: self.connection.clone(),
            marker: PhantomData,
        }
    }
}

impl<M> std::fmt::Debug for QuerySet<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuerySet")
            .field("filters", &self.filters)
            .field("limit", &self.limit)
            .field("allow_filtering", &self.allow_filtering)
            .finish_non_exhaustive()
    }
}

impl<M: Model> Default for QuerySet<M> {
    fn default() -> Self {
        QuerySet::new()
    }
}

impl<M: Model> QuerySet<M> {
    /// Every row of the model's table.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // The same as `User::objects()`.
    /// let some: Vec<User> = QuerySet::new().limit(100).all().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn new() -> Self {
        QuerySet {
            filters: Vec::new(),
            limit: None,
            order_by: Vec::new(),
            allow_filtering: false,
            distinct: false,
            only: None,
            defer: Vec::new(),
            options: Options::default(),
            keyspace: None,
            connection: None,
            marker: PhantomData,
        }
    }

    /// Adds a WHERE condition.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // Conditions add up (AND).
    /// let adas = User::objects().filter(user::name.eq("Ada")).all().await?;
    /// let page = Post::objects()
    ///     .filter(post::author.eq(7))
    ///     .filter(post::seq.gt(10))
    ///     .filter(post::seq.lte(20))
    ///     .all()
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn filter(mut self, filter: Filter<M>) -> Self {
        self.filters.push(Arc::new(filter));
        self
    }

    /// Returns at most `n` rows.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ten = Post::filter(post::author.eq(7)).limit(10).all().await?;
    /// assert!(ten.len() <= 10);
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Fetches `n` rows per page.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// // A large partition, read 500 rows per round trip.
    /// let mut posts = Post::filter(post::author.eq(7)).fetch_size(500).stream().await?;
    /// while let Some(post) = posts.next().await {
    ///     let _post = post?;
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn fetch_size(mut self, n: i32) -> Self {
        self.options.page_size = Some(n);
        self
    }

    /// Orders by a clustering column (checked when the query runs).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// use cqlengine::ClusteringOrder;
    ///
    /// // The whole partition key must be restricted.
    /// let newest_first = Post::filter(post::author.eq(7))
    ///     .order_by(post::seq, ClusteringOrder::Desc)
    ///     .all()
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn order_by<T>(mut self, column: Column<M, T>, order: ClusteringOrder) -> Self {
        self.order_by.push((column.index(), order));
        self
    }

    /// Adds ALLOW FILTERING.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // A clustering column without the partition key: every partition is read.
    /// let late = Post::objects().filter(post::seq.gt(1000)).allow_filtering().all().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn allow_filtering(mut self) -> Self {
        self.allow_filtering = true;
        self
    }

    /// SELECT DISTINCT of the partition key.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // The authors who posted: one row per partition.
    /// let authors = Post::objects().distinct().values_list(&["author"]).await?;
    /// for row in authors {
    ///     let author: i32 = row.get("author").unwrap();
    ///     # let _ = author;
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Selects only these columns (by CQL name); the others take their
    /// field defaults (`#[cql(default)]`) when read into models.
    ///
    /// ```no_run
    /// use cqlengine::{prelude::*, Model};
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     name: String,
    ///     #[cql(default)]
    ///     bio: Option<String>,
    /// }
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let light = User::filter(user::id.in_([1, 2, 3])).only(&["id", "name"]).all().await?;
    /// assert!(light.iter().all(|user| user.bio.is_none()));
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn only(mut self, columns: &[&str]) -> Self {
        self.only = Some(columns.iter().map(|c| c.to_string()).collect());
        self
    }

    /// Selects every column but these; they take their field defaults, as
    /// with [`only`](QuerySet::only).
    ///
    /// ```no_run
    /// use cqlengine::{prelude::*, Model};
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     name: String,
    ///     #[cql(default)]
    ///     avatar: Option<Vec<u8>>,
    /// }
    ///
    /// # async fn example() -> cqlengine::Result<()> {
    /// let without_avatars = User::filter(user::id.eq(1)).defer(&["avatar"]).get().await?;
    /// assert!(without_avatars.avatar.is_none());
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn defer(mut self, columns: &[&str]) -> Self {
        self.defer.extend(columns.iter().map(|c| c.to_string()));
        self
    }

    /// The consistency level.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User::filter(user::id.eq(1)).consistency(cqlengine::LOCAL_QUORUM).get().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.options.consistency = Some(consistency);
        self
    }

    /// The request timeout.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// use std::time::Duration;
    ///
    /// let ada = User::filter(user::id.eq(1)).timeout(Duration::from_millis(500)).first().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Runs in this keyspace instead of the model's or the connection's.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // One table per tenant keyspace, one model.
    /// let theirs = User::filter(user::id.eq(1)).keyspace("tenant_42").first().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.keyspace = Some(keyspace.into());
        self
    }

    /// Runs on this named connection.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // A connection registered with `connection::register_connection("analytics", ...)`.
    /// let users = User::objects().using("analytics").count().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    #[must_use]
    pub fn using(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    fn target(&self) -> Result<Target> {
        Target::resolve(
            M::checked_schema()?,
            self.keyspace.as_deref(),
            self.connection.as_deref(),
        )
    }

    fn invalid(message: impl Into<String>) -> MapperError {
        MapperError::InvalidQuery {
            model: M::schema().model.to_string(),
            message: message.into(),
        }
    }

    /// Checks that the server would accept the WHERE clause, as Cassandra
    /// 2.0 decides it, before anything is sent.
    fn validate_where(&self) -> Result<()> {
        let schema = M::schema();
        if self.filters.iter().any(|f| f.target == FilterTarget::Token) {
            return Ok(());
        }
        let conditions: Vec<Restriction<'_>> = self
            .filters
            .iter()
            .filter_map(|f| match f.target {
                FilterTarget::Column(i) => Some((i, f.op)),
                FilterTarget::Token => None,
            })
            .map(|(i, op)| {
                let column = &schema.columns[i];
                Restriction {
                    column: column.name,
                    role: match column.role {
                        ColumnRole::PartitionKey => KeyRole::PartitionKey,
                        ColumnRole::Clustering(_) => KeyRole::Clustering,
                        ColumnRole::Regular | ColumnRole::Static => KeyRole::Regular,
                    },
                    op,
                    index: if column.index {
                        IndexUse::Equality
                    } else {
                        IndexUse::None
                    },
                }
            })
            .collect();
        let partition_key: Vec<&str> = schema.partition_key().map(|(_, c)| c.name).collect();
        check_where(&conditions, &partition_key, self.allow_filtering).map_err(Self::invalid)?;
        let full_partition = full_partition_key(&conditions, &partition_key);
        if !self.order_by.is_empty() && !full_partition {
            return Err(Self::invalid(
                "order_by needs the whole partition key restricted with = or IN",
            ));
        }
        for (index, _) in &self.order_by {
            if !matches!(schema.columns[*index].role, ColumnRole::Clustering(_)) {
                return Err(Self::invalid(format!(
                    "order_by is only allowed on clustering columns; {} is not one",
                    schema.columns[*index].name
                )));
            }
        }
        Ok(())
    }

    fn selected(&self, schema: &ModelSchema) -> Result<String> {
        if self.only.is_none() && self.defer.is_empty() && !self.distinct {
            // The common case: every column, in schema order.
            let all = cached_text(M::schema(), "", Shape::AllColumns, || {
                let names: Vec<String> = schema.columns.iter().map(|c| quote(c.name)).collect();
                names.join(", ")
            });
            return Ok(all.to_string());
        }
        if self.distinct {
            let keys: Vec<String> = schema.partition_key().map(|(_, c)| quote(c.name)).collect();
            return Ok(format!("DISTINCT {}", keys.join(", ")));
        }
        let mut names: Vec<&str> = match &self.only {
            Some(only) => {
                for name in only {
                    if schema.column(name).is_none() {
                        return Err(Self::invalid(format!("no column named {name}")));
                    }
                }
                only.iter().map(String::as_str).collect()
            }
            None => schema.columns.iter().map(|c| c.name).collect(),
        };
        names.retain(|n| !self.defer.iter().any(|d| d == n));
        if names.is_empty() {
            return Err(Self::invalid("no column left to select"));
        }
        Ok(names
            .iter()
            .map(|n| quote(n))
            .collect::<Vec<_>>()
            .join(", "))
    }

    /// How this query set keeps to the rows of its model's kind (see the
    /// type's documentation).
    fn kind_filter(&self) -> KindFilter {
        let schema = M::schema();
        let (Some(value), Some((index, column))) =
            (schema.discriminator_value, schema.discriminator())
        else {
            return KindFilter::None;
        };
        let client = KindFilter::Client { column, value };
        let on_discriminator = self
            .filters
            .iter()
            .any(|f| f.target == FilterTarget::Column(index));
        let on_token = self.filters.iter().any(|f| f.target == FilterTarget::Token);
        let is_partition_key = column.role == ColumnRole::PartitionKey;
        if self.distinct && !is_partition_key {
            return KindFilter::None;
        }
        if on_discriminator || on_token {
            return client;
        }
        let partition: Vec<usize> = schema.partition_key().map(|(i, _)| i).collect();
        let last = partition.last().copied();
        let op_on = |i: usize| {
            self.filters
                .iter()
                .find(|f| f.target == FilterTarget::Column(i))
                .map(|f| f.op)
        };
        if is_partition_key {
            let others_restricted = partition.iter().filter(|&&i| i != index).all(|&i| {
                op_on(i) == Some(Op::Eq) || (op_on(i) == Some(Op::In) && Some(i) == last)
            });
            return if others_restricted {
                KindFilter::Server {
                    index,
                    value,
                    allow_filtering: false,
                }
            } else {
                client
            };
        }
        let indexed = column.index && matches!(column.role, ColumnRole::Regular);
        let partition_in = partition.iter().any(|&i| op_on(i) == Some(Op::In));
        if indexed && !partition_in {
            KindFilter::Server {
                index,
                value,
                allow_filtering: !self.filters.is_empty(),
            }
        } else {
            client
        }
    }

    /// Checks the query the user wrote, before the discriminator condition
    /// is added: that condition only narrows it, except on a partition key
    /// discriminator, which completes the partition key (the query as
    /// sent is checked then).
    fn check_where(&self) -> Result<()> {
        match self.kind_filter() {
            KindFilter::Server { index, .. }
                if M::schema().columns[index].role == ColumnRole::PartitionKey =>
            {
                Ok(())
            }
            _ => self.validate_where(),
        }
    }

    /// The query set as sent (with the discriminator condition, or the
    /// changes client-side skipping needs), and the discriminator to check
    /// client-side, if any.
    fn effective(&self) -> (Cow<'_, Self>, Option<KindCheck>) {
        match self.kind_filter() {
            KindFilter::None => (Cow::Borrowed(self), None),
            KindFilter::Server {
                index,
                value,
                allow_filtering,
            } => {
                let mut query = self.clone();
                query.push_discriminator(index, value);
                query.allow_filtering |= allow_filtering;
                (Cow::Owned(query), None)
            }
            KindFilter::Client { column, value } => {
                let mut query = self.clone();
                query.limit = None;
                if let Some(only) = &mut query.only {
                    if !only.iter().any(|c| c == column.name) {
                        only.push(column.name.to_string());
                    }
                }
                query.defer.retain(|c| c != column.name);
                (Cow::Owned(query), Some((column, value)))
            }
        }
    }

    fn push_discriminator(&mut self, index: usize, value: DiscriminatorValue) {
        self.filters.push(Arc::new(Filter::new(
            FilterTarget::Column(index),
            Op::Eq,
            Rhs::Marker,
            Box::new(value) as crate::column::BoxedValue,
        )));
    }

    /// The query set a blind UPDATE or DELETE sends: with the
    /// discriminator condition when it is a partition key column.
    fn effective_for_write(&self) -> Cow<'_, Self> {
        match self.kind_filter() {
            KindFilter::Server { index, value, .. }
                if M::schema().columns[index].role == ColumnRole::PartitionKey =>
            {
                let mut query = self.clone();
                query.push_discriminator(index, value);
                Cow::Owned(query)
            }
            _ => Cow::Borrowed(self),
        }
    }

    fn where_clause<'a>(&'a self, schema: &ModelSchema, cql: &mut Cql<'a>) {
        let mut conditions = Vec::new();
        for filter in &self.filters {
            let lhs = match filter.target {
                FilterTarget::Column(i) => quote(schema.columns[i].name),
                FilterTarget::Token => {
                    let keys: Vec<String> =
                        schema.partition_key().map(|(_, c)| quote(c.name)).collect();
                    format!("token({})", keys.join(", "))
                }
            };
            conditions.push(format!("{lhs} {} {}", filter.op.cql(), filter.rhs));
        }
        self.bind_where(&mut cql.values);
        if !conditions.is_empty() {
            cql.text.push_str(" WHERE ");
            cql.text.push_str(&conditions.join(" AND "));
        }
    }

    /// The values of the WHERE clause, in the order of its markers.
    fn bind_where<'a>(&'a self, values: &mut BoundValues<'a>) {
        for filter in &self.filters {
            values.extend(filter.values.iter().map(|v| Bound::Ref(v.as_ref())));
        }
    }

    /// The shape of this query set's SELECT of its model's columns with
    /// `limit` (see [`SelectShape`]); `None` if it is not cached (a column
    /// list of `only`/`defer`, or too many filters).
    fn select_shape(&self, limit: Option<u32>) -> Option<SelectShape> {
        if self.only.is_some() || !self.defer.is_empty() {
            return None;
        }
        let flags = u32::from(self.allow_filtering)
            | u32::from(self.distinct) << 1
            | u32::from(limit.is_some()) << 2
            | u32::from(self.limit.is_some()) << 3;
        let mut shape = SelectShape::new();
        shape.push(flags)?;
        shape.push(limit.unwrap_or(0))?;
        shape.push(self.limit.unwrap_or(0))?;
        shape.push(u32::try_from(self.filters.len()).ok()?)?;
        for filter in &self.filters {
            let target = match filter.target {
                FilterTarget::Token => 0,
                FilterTarget::Column(i) => u32::try_from(i).ok()?.checked_add(1)?,
            };
            let rhs = match filter.rhs {
                Rhs::Marker => 0,
                Rhs::MinTimeUuid => 1,
                Rhs::MaxTimeUuid => 2,
                Rhs::Markers(n) => u32::try_from(n).ok()?.checked_add(3)?,
            };
            shape.push(target)?;
            shape.push(filter.op as u32)?;
            shape.push(rhs)?;
        }
        for (index, order) in &self.order_by {
            shape.push(u32::try_from(*index).ok()?)?;
            shape.push(u32::from(*order == ClusteringOrder::Desc))?;
        }
        Some(shape)
    }

    /// The SELECT of the model's columns that `query` (this query set as
    /// sent, see [`effective`](Self::effective)) sends, with `limit`.
    ///
    /// Its text depends only on the query set's shape, so it is checked
    /// and built the first time a shape is seen, then taken from the
    /// statement-text cache: a repeated query binds its values and nothing
    /// more.
    fn model_select<'q>(
        &self,
        query: &'q Self,
        keyspace: &str,
        limit: Option<u32>,
    ) -> Result<Cql<'q>> {
        let schema = M::schema();
        let build = || -> Result<String> {
            self.check_where()?;
            let what = query.selected(schema)?;
            Ok(query.select_cql(&what, keyspace, limit)?.text.to_string())
        };
        let text = match self.select_shape(limit) {
            Some(shape) => try_cached_text(schema, keyspace, Shape::Select(shape), build)?,
            None => Arc::from(build()?),
        };
        let mut values = BoundValues::default();
        query.bind_where(&mut values);
        Ok(Cql::interned(text, values))
    }

    fn select_cql(&self, what: &str, keyspace: &str, limit: Option<u32>) -> Result<Cql<'_>> {
        self.check_where()?;
        let schema = M::schema();
        let mut cql = Cql::new(format!(
            "SELECT {what} FROM {}",
            cached_text(schema, keyspace, Shape::Table, || schema
                .qualified_name(keyspace))
        ));
        self.where_clause(schema, &mut cql);
        if !self.order_by.is_empty() {
            let orders: Vec<String> = self
                .order_by
                .iter()
                .map(|(i, o)| {
                    let dir = if *o == ClusteringOrder::Desc {
                        "DESC"
                    } else {
                        "ASC"
                    };
                    format!("{} {dir}", quote(schema.columns[*i].name))
                })
                .collect();
            cql.text.push_str(" ORDER BY ");
            cql.text.push_str(&orders.join(", "));
        }
        if let Some(limit) = limit.or(self.limit) {
            cql.text.push_str(&format!(" LIMIT {limit}"));
        }
        if self.allow_filtering {
            cql.text.push_str(" ALLOW FILTERING");
        }
        Ok(cql)
    }

    /// The rows, as a stream that fetches one page at a time.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut titles = Vec::new();
    /// let mut posts = Post::filter(post::author.eq(7)).stream().await?;
    /// while let Some(post) = posts.next().await {
    ///     titles.push(post?.title);
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn stream(&self) -> Result<ModelStream<M>> {
        let target = self.target()?;
        let (query, client) = self.effective();
        let cql = self.model_select(&query, &target.keyspace, None)?;
        let rows = target.stream(cql, &self.options).await?;
        let models = rows
            .filter(move |row| {
                let keep = match (row, client) {
                    (Ok(row), Some((column, value))) => is_kind(row, column, value),
                    _ => true,
                };
                std::future::ready(keep)
            })
            .map(|row| {
                let row = row?;
                M::from_row(&row).map_err(|source| MapperError::Row {
                    model: M::schema().model,
                    source,
                })
            });
        match (client, self.limit) {
            (Some(_), Some(limit)) => Ok(Box::pin(models.take(limit as usize))),
            _ => Ok(Box::pin(models)),
        }
    }

    /// Every row, read into models (page by page, but all kept).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let posts: Vec<Post> = Post::filter(post::author.eq(7)).all().await?;
    /// for post in &posts {
    ///     println!("{}: {}", post.seq, post.title);
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn all(&self) -> Result<Vec<M>> {
        let mut stream = self.stream().await?;
        let mut all = Vec::new();
        while let Some(model) = stream.next().await {
            all.push(model?);
        }
        Ok(all)
    }

    /// The first row, if any.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // In clustering order: the post with the lowest seq.
    /// if let Some(post) = Post::filter(post::author.eq(7)).first().await? {
    ///     println!("first post: {}", post.title);
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn first(&self) -> Result<Option<M>> {
        let target = self.target()?;
        let (query, client) = self.effective();
        if client.is_some() {
            return self.stream().await?.next().await.transpose();
        }
        let cql = self.model_select(&query, &target.keyspace, Some(1))?;
        let result = target.execute(cql, &self.options).await?;
        let Some(row) = result.rows().ok().and_then(|r| r.first_row().ok()) else {
            return Ok(None);
        };
        M::from_row(&row)
            .map(Some)
            .map_err(|source| MapperError::Row {
                model: M::schema().model,
                source,
            })
    }

    /// The only matching row: `DoesNotExist` if none,
    /// `MultipleObjectsReturned` if more (the query stops reading at two).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// use cqlengine::MapperError;
    ///
    /// let ada = User::filter(user::id.eq(1)).get().await?;
    /// match User::filter(user::name.eq("Ada")).get().await {
    ///     Ok(user) => println!("the only Ada: {user:?}"),
    ///     Err(MapperError::DoesNotExist { .. }) => println!("no Ada"),
    ///     Err(MapperError::MultipleObjectsReturned { .. }) => println!("several Adas"),
    ///     Err(other) => return Err(other),
    /// }
    /// # let _ = ada;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn get(&self) -> Result<M> {
        let target = self.target()?;
        let model = M::schema().model;
        let (query, client) = self.effective();
        if client.is_some() {
            let mut stream = self.stream().await?;
            let Some(found) = stream.next().await.transpose()? else {
                return Err(MapperError::DoesNotExist { model });
            };
            return match stream.next().await.transpose()? {
                None => Ok(found),
                Some(_) => Err(MapperError::MultipleObjectsReturned { model, count: 2 }),
            };
        }
        let cql = self.model_select(&query, &target.keyspace, Some(2))?;
        let result = target.execute(cql, &self.options).await?;
        let rows = result
            .rows()
            .map_err(|source| MapperError::Row { model, source })?;
        match rows.len() {
            0 => Err(MapperError::DoesNotExist { model }),
            1 => {
                let row = rows
                    .first_row()
                    .map_err(|source| MapperError::Row { model, source })?;
                M::from_row(&row).map_err(|source| MapperError::Row { model, source })
            }
            count => Err(MapperError::MultipleObjectsReturned { model, count }),
        }
    }

    /// The only matching row, tracked for changes: its
    /// [`save`](crate::Tracked::save) updates only what changed.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let mut ada = User::filter(user::id.eq(1)).get_tracked().await?;
    /// ada.age += 1;
    /// ada.save().await?; // UPDATE ... SET "age" = ? WHERE "id" = ?
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn get_tracked(&self) -> Result<crate::Tracked<M>> {
        crate::Tracked::loaded(self.get().await?)
    }

    /// How many rows match (`SELECT COUNT(*)`). For a variant of a
    /// polymorphic model whose kind cannot be filtered by the server, the
    /// discriminator column of every matching row is read instead and the
    /// rows of its kind are counted (see the type's documentation).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let posts_by_7 = Post::filter(post::author.eq(7)).count().await?;
    /// let adas = User::filter(user::name.eq("Ada")).count().await?;
    /// println!("{posts_by_7} posts, {adas} users named Ada");
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn count(&self) -> Result<i64> {
        let target = self.target()?;
        self.check_where()?;
        let model = M::schema().model;
        let (query, client) = self.effective();
        if let Some((column, value)) = client {
            let cql = query.select_cql(&quote(column.name), &target.keyspace, None)?;
            let mut rows = target.stream(cql, &self.options).await?;
            let mut count: i64 = 0;
            while let Some(row) = rows.next().await {
                if is_kind(&row?, column, value) {
                    count += 1;
                    if self.limit.is_some_and(|limit| count >= i64::from(limit)) {
                        break;
                    }
                }
            }
            return Ok(count);
        }
        let cql = query.select_cql("COUNT(*)", &target.keyspace, None)?;
        let result = target.execute(cql, &self.options).await?;
        let row = result
            .first_row()
            .map_err(|source| MapperError::Row { model, source })?;
        row.get::<i64>(0)
            .map_err(|source| MapperError::Row { model, source })
    }

    /// The selected columns of every row, as driver rows (cqlengine's
    /// `values_list`).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let rows = User::filter(user::id.in_([1, 2, 3])).values_list(&["id", "name"]).await?;
    /// for row in rows {
    ///     let id: i32 = row.get("id").unwrap();
    ///     let name: Option<String> = row.get("name").unwrap();
    ///     println!("{id}: {name:?}");
    /// }
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn values_list(&self, columns: &[&str]) -> Result<Vec<Row>> {
        let target = self.target()?;
        self.check_where()?;
        let what = self.clone().only(columns).selected(M::schema())?;
        let (query, client) = match self.effective() {
            // Only what was asked for is selected, so the discriminator is
            // checked if it is among it, and the LIMIT stays the server's.
            (_, Some(kind)) => (Cow::Borrowed(self), Some(kind)),
            other => other,
        };
        let cql = query.select_cql(&what, &target.keyspace, None)?;
        let mut rows = target.stream(cql, &self.options).await?;
        let mut all = Vec::new();
        while let Some(row) = rows.next().await {
            let row = row?;
            if client.is_none_or(|(column, value)| is_kind(&row, column, value)) {
                all.push(row);
            }
        }
        Ok(all)
    }

    /// A blind UPDATE of every row the filters select (which must name
    /// the whole primary key, or the partition key for static columns).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // UPDATE ... SET "title" = ? WHERE "author" = ? AND "seq" = ?, with no read.
    /// Post::filter(post::author.eq(7))
    ///     .filter(post::seq.eq(3))
    ///     .update(vec![post::title.set("Edited")])
    ///     .await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn update(&self, assignments: Vec<Assignment<M>>) -> Result<()> {
        let target = self.target()?;
        if assignments.is_empty() {
            return Err(Self::invalid("an update needs at least one assignment"));
        }
        let query = self.effective_for_write();
        query.check_key_filters(&assignments)?;
        let schema = M::schema();
        let mut cql = Cql::new(format!(
            "UPDATE {} SET ",
            schema.qualified_name(&target.keyspace)
        ));
        let sets: Vec<&str> = assignments.iter().map(|a| a.cql.as_str()).collect();
        cql.text.push_str(&sets.join(", "));
        for assignment in &assignments {
            cql.values
                .extend(assignment.values.iter().map(|v| Bound::Ref(v.as_ref())));
        }
        query.where_clause(schema, &mut cql);
        let result = target.execute(cql, &self.options).await?;
        check_applied(&result)
    }

    /// A DELETE of the rows the filters select (the whole partition key,
    /// and optionally clustering columns with =).
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # async fn example() -> cqlengine::Result<()> {
    /// // One post, then a whole partition.
    /// Post::filter(post::author.eq(7)).filter(post::seq.eq(3)).delete().await?;
    /// Post::filter(post::author.eq(8)).delete().await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub async fn delete(&self) -> Result<()> {
        let target = self.target()?;
        let query = self.effective_for_write();
        query.delete_with(target).await
    }

    async fn delete_with(&self, target: Target) -> Result<()> {
        let schema = M::schema();
        for (i, column) in schema.partition_key() {
            if !self
                .filters
                .iter()
                .any(|f| f.target == FilterTarget::Column(i) && matches!(f.op, Op::Eq | Op::In))
            {
                return Err(Self::invalid(format!(
                    "a delete needs the partition key; {} is not restricted with = or IN",
                    column.name
                )));
            }
        }
        if let Some(f) = self
            .filters
            .iter()
            .find(|f| f.op != Op::Eq && f.op != Op::In)
        {
            return Err(Self::invalid(format!(
                "Cassandra 2.0 deletes only by = (and IN on the partition key), not {}",
                f.op.cql()
            )));
        }
        let mut cql = Cql::new(format!(
            "DELETE FROM {}",
            schema.qualified_name(&target.keyspace)
        ));
        self.where_clause(schema, &mut cql);
        target.execute(cql, &self.options).await?;
        Ok(())
    }

    fn check_key_filters(&self, assignments: &[Assignment<M>]) -> Result<()> {
        let schema = M::schema();
        let only_static = assignments
            .iter()
            .all(|a| schema.columns[a.index].role == ColumnRole::Static);
        for index in schema.primary_key() {
            let column = &schema.columns[index];
            if only_static && matches!(column.role, ColumnRole::Clustering(_)) {
                continue;
            }
            let restricted = self.filters.iter().any(|f| {
                f.target == FilterTarget::Column(index)
                    && (f.op == Op::Eq
                        || (f.op == Op::In && column.role == ColumnRole::PartitionKey))
            });
            if !restricted {
                return Err(Self::invalid(format!(
                    "an update needs the primary key; {} is not restricted with =",
                    column.name
                )));
            }
        }
        Ok(())
    }
}
