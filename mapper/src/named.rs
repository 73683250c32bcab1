//! Tables without a model: cqlengine's `named` module.
//!
//! [`NamedKeyspace::new("ks").table("t")`](NamedKeyspace::table) is a
//! [`NamedTable`]: a table known only by its name. Its query sets
//! ([`NamedQuerySet`]) read driver [`Row`]s, whose columns are read by
//! name (`row.get::<i32>("id")`), and their filters are untyped
//! ([`NamedColumn::eq`] takes any value the driver can serialize; the
//! server's prepared metadata decides its CQL type).
//!
//! What a model's schema tells a [`QuerySet`](crate::QuerySet) (the
//! partition key, the clustering columns, the indexes) comes here from the
//! driver's schema metadata ([`Session::cluster_metadata`]), read again
//! once when the table is not in it. A WHERE clause the server would
//! refuse is refused before anything is sent, as for models. There is no
//! `create`: a named table is read-only.
//!
//! Names are used as written, quoted: they must match the schema exactly
//! (unquoted CQL names are stored in lower case).
//!
//! [`Session::cluster_metadata`]: cql_driver::Session::cluster_metadata
//!
//! ```no_run
//! use cqlengine::NamedKeyspace;
//!
//! # async fn example() -> cqlengine::Result<()> {
//! // A table some other application owns: no model, rows read by name.
//! let events = NamedKeyspace::new("legacy").table("events");
//! let rows = events.filter(events.column("day").eq("2014-06-01")).limit(100).all().await?;
//! for row in rows {
//!     let kind: String = row.get("kind").unwrap();
//!     println!("{kind}");
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use cql_driver::metadata::{ColumnKind, IndexKind, TableMetadata};
use cql_driver::{Consistency, Row, Session};
use cql_protocol::value::SerializeValue;

use crate::column::{BoxedValue, Op, Rhs};
use crate::connection::get_connection;
use crate::error::{MapperError, Result};
use crate::query::ModelStream;
use crate::restrictions::{check_where, IndexUse, KeyRole, Restriction};
use crate::schema::quote;
use crate::statement::{Bound, Cql, KeyspaceName, Options, Target};

/// A keyspace known by name: the way to its [`NamedTable`]s.
///
/// ```
/// use cqlengine::NamedKeyspace;
///
/// let users = NamedKeyspace::new("app").table("users");
/// assert_eq!(users.keyspace(), "app");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedKeyspace {
    name: String,
}

impl NamedKeyspace {
    /// The keyspace called `name` (as stored in the schema).
    ///
    /// ```
    /// let ks = cqlengine::NamedKeyspace::new("app");
    /// assert_eq!(ks.name(), "app");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        NamedKeyspace { name: name.into() }
    }

    /// The keyspace's name.
    ///
    /// ```
    /// assert_eq!(cqlengine::NamedKeyspace::new("app").name(), "app");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The table `name` of this keyspace. Nothing is checked until a
    /// query runs.
    ///
    /// ```
    /// let users = cqlengine::NamedKeyspace::new("app").table("users");
    /// assert_eq!(users.name(), "users");
    /// ```
    pub fn table(&self, name: impl Into<String>) -> NamedTable {
        NamedTable::new(self.name.clone(), name)
    }
}

/// A table known by its keyspace and name, queried without a model.
///
/// `objects`, `filter` and `using` make a [`NamedQuerySet`]; `all`,
/// `first`, `get`, `count` and `stream` run on the whole table.
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// use cqlengine::NamedKeyspace;
///
/// let users = NamedKeyspace::new("app").table("users").using("default");
/// let row = users.filter(users.column("id").eq(1_i32)).get().await?;
/// let name: String = row.get("name").unwrap();
/// # let _ = name;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedTable {
    keyspace: String,
    name: String,
    connection: Option<String>,
}

impl NamedTable {
    /// The table `name` of `keyspace` (the same as
    /// `NamedKeyspace::new(keyspace).table(name)`).
    ///
    /// ```
    /// let t = cqlengine::NamedTable::new("app", "users");
    /// assert_eq!(t.qualified_name(), "\"app\".\"users\"");
    /// ```
    pub fn new(keyspace: impl Into<String>, name: impl Into<String>) -> Self {
        NamedTable {
            keyspace: keyspace.into(),
            name: name.into(),
            connection: None,
        }
    }

    /// The keyspace's name.
    ///
    /// ```
    /// assert_eq!(cqlengine::NamedTable::new("app", "users").keyspace(), "app");
    /// ```
    pub fn keyspace(&self) -> &str {
        &self.keyspace
    }

    /// The table's name.
    ///
    /// ```
    /// assert_eq!(cqlengine::NamedTable::new("app", "users").name(), "users");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `"keyspace"."table"`, as the mapper writes it in CQL.
    ///
    /// ```
    /// let t = cqlengine::NamedTable::new("app", "users");
    /// assert_eq!(t.qualified_name(), "\"app\".\"users\"");
    /// ```
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", quote(&self.keyspace), quote(&self.name))
    }

    /// The same table, whose queries run on the named connection instead
    /// of the default one.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users").using("analytics");
    /// let n = users.count().await?; // on the "analytics" connection
    /// # let _ = n;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn using(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// The column `name`, for filters (checked against the schema
    /// metadata when a query runs).
    ///
    /// ```
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let age = users.column("age");
    /// assert_eq!(age.name(), "age");
    /// let adults = age.gte(18_i32);
    /// assert_eq!(adults.op(), cqlengine::Op::Gte);
    /// ```
    pub fn column(&self, name: impl Into<String>) -> NamedColumn {
        NamedColumn { name: name.into() }
    }

    /// A query set over every row of the table.
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let some = users.objects().limit(10).all().await?;
    /// # let _ = some;
    /// # Ok(())
    /// # }
    /// ```
    pub fn objects(&self) -> NamedQuerySet {
        NamedQuerySet {
            table: self.clone(),
            filters: Vec::new(),
            limit: None,
            allow_filtering: false,
            options: Options::default(),
        }
    }

    /// A query set with one filter.
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let ada = users.filter(users.column("id").eq(1_i32)).first().await?;
    /// # let _ = ada;
    /// # Ok(())
    /// # }
    /// ```
    pub fn filter(&self, filter: NamedFilter) -> NamedQuerySet {
        self.objects().filter(filter)
    }

    /// Every row of the table (page by page, but all kept).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let rows = cqlengine::NamedTable::new("app", "users").all().await?;
    /// # let _ = rows;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn all(&self) -> Result<Vec<Row>> {
        self.objects().all().await
    }

    /// Every row of the table, as a stream that fetches one page at a
    /// time.
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let mut rows = cqlengine::NamedTable::new("app", "users").stream().await?;
    /// while let Some(row) = rows.next().await {
    ///     let _row = row?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stream(&self) -> Result<ModelStream<Row>> {
        self.objects().stream().await
    }

    /// The first row of the table, if any.
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let row = cqlengine::NamedTable::new("app", "settings").first().await?;
    /// # let _ = row;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn first(&self) -> Result<Option<Row>> {
        self.objects().first().await
    }

    /// The table's only row: [`MapperError::TableDoesNotExist`] if it is
    /// empty, [`MapperError::TableMultipleObjectsReturned`] if it has more.
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let row = cqlengine::NamedTable::new("app", "settings").get().await?;
    /// # let _ = row;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<Row> {
        self.objects().get().await
    }

    /// How many rows the table holds (`SELECT COUNT(*)`).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let n = cqlengine::NamedTable::new("app", "users").count().await?;
    /// # let _ = n;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn count(&self) -> Result<i64> {
        self.objects().count().await
    }
}

/// A column of a [`NamedTable`], by name: its methods make untyped
/// [`NamedFilter`]s.
///
/// ```
/// use cqlengine::Op;
///
/// let users = cqlengine::NamedTable::new("app", "users");
/// let id = users.column("id");
/// let one = id.eq(1_i32);
/// let some = id.in_([1_i32, 2, 3]);
/// assert_eq!((one.column(), one.op()), ("id", Op::Eq));
/// assert_eq!(format!("{some:?}"), "NamedFilter(id IN (?, ?, ?))");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedColumn {
    name: String,
}

impl NamedColumn {
    /// The column's name.
    ///
    /// ```
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// assert_eq!(users.column("age").name(), "age");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    fn compare(&self, op: Op, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        NamedFilter {
            column: self.name.clone(),
            op,
            rhs: Rhs::Marker,
            values: vec![Box::new(value)],
        }
    }

    /// `column = value`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "users").column("id").eq(1_i32);
    /// assert_eq!((f.column(), f.op()), ("id", cqlengine::Op::Eq));
    /// assert_eq!(format!("{f:?}"), "NamedFilter(id = ?)");
    /// ```
    pub fn eq(&self, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        self.compare(Op::Eq, value)
    }

    /// `column > value`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "posts").column("seq").gt(10_i32);
    /// assert_eq!((f.column(), f.op()), ("seq", cqlengine::Op::Gt));
    /// assert_eq!(format!("{f:?}"), "NamedFilter(seq > ?)");
    /// ```
    pub fn gt(&self, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        self.compare(Op::Gt, value)
    }

    /// `column >= value`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "posts").column("seq").gte(10_i32);
    /// assert_eq!((f.column(), f.op()), ("seq", cqlengine::Op::Gte));
    /// assert_eq!(format!("{f:?}"), "NamedFilter(seq >= ?)");
    /// ```
    pub fn gte(&self, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        self.compare(Op::Gte, value)
    }

    /// `column < value`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "posts").column("seq").lt(10_i32);
    /// assert_eq!((f.column(), f.op()), ("seq", cqlengine::Op::Lt));
    /// assert_eq!(format!("{f:?}"), "NamedFilter(seq < ?)");
    /// ```
    pub fn lt(&self, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        self.compare(Op::Lt, value)
    }

    /// `column <= value`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "posts").column("seq").lte(10_i32);
    /// assert_eq!((f.column(), f.op()), ("seq", cqlengine::Op::Lte));
    /// assert_eq!(format!("{f:?}"), "NamedFilter(seq <= ?)");
    /// ```
    pub fn lte(&self, value: impl SerializeValue + Send + Sync + 'static) -> NamedFilter {
        self.compare(Op::Lte, value)
    }

    /// `column IN (values...)`
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "users").column("id").in_(vec![1_i32, 2]);
    /// assert_eq!(format!("{f:?}"), "NamedFilter(id IN (?, ?))");
    /// ```
    pub fn in_<V>(&self, values: impl IntoIterator<Item = V>) -> NamedFilter
    where
        V: SerializeValue + Send + Sync + 'static,
    {
        let values: Vec<BoxedValue> = values
            .into_iter()
            .map(|v| Box::new(v) as BoxedValue)
            .collect();
        NamedFilter {
            column: self.name.clone(),
            op: Op::In,
            rhs: Rhs::Markers(values.len()),
            values,
        }
    }
}

/// An untyped WHERE condition on a [`NamedTable`]'s column, made by
/// [`NamedColumn`]'s methods.
///
/// ```
/// use cqlengine::Op;
///
/// let f = cqlengine::NamedTable::new("app", "users").column("id").eq(1_i32);
/// assert_eq!(f.column(), "id");
/// assert_eq!(f.op(), Op::Eq);
/// ```
pub struct NamedFilter {
    column: String,
    op: Op,
    rhs: Rhs,
    values: Vec<BoxedValue>,
}

impl NamedFilter {
    /// The column it restricts.
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "users").column("id").eq(1_i32);
    /// assert_eq!(f.column(), "id");
    /// ```
    pub fn column(&self) -> &str {
        &self.column
    }

    /// Its operator.
    ///
    /// ```
    /// let f = cqlengine::NamedTable::new("app", "users").column("id").in_([1_i32]);
    /// assert_eq!(f.op(), cqlengine::Op::In);
    /// ```
    pub fn op(&self) -> Op {
        self.op
    }
}

impl fmt::Debug for NamedFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "NamedFilter({} {} {})",
            self.column,
            self.op.cql(),
            self.rhs
        )
    }
}

/// A SELECT on a [`NamedTable`], built step by step; nothing runs until a
/// retrieval method (`all`, `stream`, `get`, `first`, `count`) is awaited.
/// Each builder method returns a new query set; rows are driver [`Row`]s.
///
/// Before anything is sent, the WHERE clause is checked against the
/// table's keys and indexes in the driver's schema metadata, by the rules
/// Cassandra 2.0 applies (the whole partition key with = or IN, or none of
/// it; regular columns only through a secondary index used with =;
/// clustering columns without the partition key, or index-less
/// conditions, only with [`allow_filtering`](NamedQuerySet::allow_filtering)).
///
/// ```no_run
/// # async fn demo() -> cqlengine::Result<()> {
/// use std::time::Duration;
///
/// let posts = cqlengine::NamedKeyspace::new("app").table("posts");
/// let rows = posts
///     .filter(posts.column("author").eq(7_i32))
///     .filter(posts.column("seq").gte(10_i32))
///     .limit(20)
///     .consistency(cqlengine::QUORUM)
///     .timeout(Duration::from_secs(2))
///     .using("default")
///     .all()
///     .await?;
/// for row in rows {
///     let title: String = row.get("title").unwrap();
///     # let _ = title;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct NamedQuerySet {
    table: NamedTable,
    filters: Vec<Arc<NamedFilter>>,
    limit: Option<u32>,
    allow_filtering: bool,
    options: Options,
}

impl fmt::Debug for NamedQuerySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedQuerySet")
            .field("table", &self.table)
            .field("filters", &self.filters)
            .field("limit", &self.limit)
            .field("allow_filtering", &self.allow_filtering)
            .finish_non_exhaustive()
    }
}

impl NamedQuerySet {
    /// The table it reads.
    ///
    /// ```
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// assert_eq!(users.objects().table(), &users);
    /// ```
    pub fn table(&self) -> &NamedTable {
        &self.table
    }

    /// Adds a WHERE condition.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let posts = cqlengine::NamedTable::new("app", "posts");
    /// let rows = posts
    ///     .objects()
    ///     .filter(posts.column("author").eq(7_i32))
    ///     .filter(posts.column("seq").gt(10_i32))
    ///     .all()
    ///     .await?;
    /// # let _ = rows;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn filter(mut self, filter: NamedFilter) -> Self {
        self.filters.push(Arc::new(filter));
        self
    }

    /// Returns at most `n` rows.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ten = cqlengine::NamedTable::new("app", "users").objects().limit(10).all().await?;
    /// assert!(ten.len() <= 10);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }

    /// Fetches `n` rows per page.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let mut rows = users.objects().fetch_size(500).stream().await?;
    /// while let Some(row) = rows.next().await {
    ///     let _row = row?;
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn fetch_size(mut self, n: i32) -> Self {
        self.options.page_size = Some(n);
        self
    }

    /// Adds ALLOW FILTERING.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let posts = cqlengine::NamedTable::new("app", "posts");
    /// // A clustering column without the partition key.
    /// let late = posts.filter(posts.column("seq").gt(3_i32)).allow_filtering().all().await?;
    /// # let _ = late;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn allow_filtering(mut self) -> Self {
        self.allow_filtering = true;
        self
    }

    /// The consistency level.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let row = users
    ///     .filter(users.column("id").eq(1_i32))
    ///     .consistency(cqlengine::LOCAL_QUORUM)
    ///     .get()
    ///     .await?;
    /// # let _ = row;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.options.consistency = Some(consistency);
        self
    }

    /// The request timeout.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let n = users.objects().timeout(std::time::Duration::from_secs(1)).count().await?;
    /// # let _ = n;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Runs on this named connection.
    ///
    /// ```no_run
    /// # async fn example() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let first = users.objects().using("analytics").first().await?;
    /// # let _ = first;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn using(mut self, connection: impl Into<String>) -> Self {
        self.table.connection = Some(connection.into());
        self
    }

    fn invalid(&self, message: impl Into<String>) -> MapperError {
        MapperError::InvalidQuery {
            model: format!("{}.{}", self.table.keyspace, self.table.name),
            message: message.into(),
        }
    }

    fn row_error(&self, source: cql_driver::RowError) -> MapperError {
        MapperError::TableRow {
            table: format!("{}.{}", self.table.keyspace, self.table.name),
            source,
        }
    }

    /// The connection, and the table's metadata (read again once if the
    /// table is not in it).
    async fn resolve(&self) -> Result<(Target, TableMetadata)> {
        let connection = get_connection(self.table.connection.as_deref())?;
        let metadata = table_metadata(connection.session(), &self.table).await?;
        let target = Target {
            connection,
            keyspace: KeyspaceName::Shared(Arc::from(self.table.keyspace.as_str())),
        };
        Ok((target, metadata))
    }

    /// Checks that the server would accept the WHERE clause, as Cassandra
    /// 2.0 decides it, from the table's metadata.
    fn validate_where(&self, table: &TableMetadata) -> Result<()> {
        let mut conditions = Vec::with_capacity(self.filters.len());
        for filter in &self.filters {
            let Some(column) = table.column(&filter.column) else {
                return Err(self.invalid(format!("no column named {}", filter.column)));
            };
            conditions.push(Restriction {
                column: &column.name,
                role: match column.kind {
                    ColumnKind::PartitionKey => KeyRole::PartitionKey,
                    ColumnKind::Clustering => KeyRole::Clustering,
                    _ => KeyRole::Regular,
                },
                op: filter.op,
                index: match &column.index {
                    None => IndexUse::None,
                    Some(index) if index.kind == IndexKind::Custom => IndexUse::Any,
                    Some(_) => IndexUse::Equality,
                },
            });
        }
        let partition_key: Vec<&str> = table.partition_key.iter().map(String::as_str).collect();
        check_where(&conditions, &partition_key, self.allow_filtering)
            .map_err(|message| self.invalid(message))
    }

    fn select_cql(&self, what: &str, table: &TableMetadata, limit: Option<u32>) -> Result<Cql<'_>> {
        self.validate_where(table)?;
        let mut cql = Cql::new(format!(
            "SELECT {what} FROM {}",
            self.table.qualified_name()
        ));
        let mut conditions = Vec::new();
        for filter in &self.filters {
            conditions.push(format!(
                "{} {} {}",
                quote(&filter.column),
                filter.op.cql(),
                filter.rhs
            ));
            cql.values
                .extend(filter.values.iter().map(|v| Bound::Ref(v.as_ref())));
        }
        if !conditions.is_empty() {
            cql.text.push_str(" WHERE ");
            cql.text.push_str(&conditions.join(" AND "));
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
    /// # async fn demo() -> cqlengine::Result<()> {
    /// use futures_util::StreamExt;
    ///
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let mut rows = users.objects().fetch_size(100).stream().await?;
    /// while let Some(row) = rows.next().await {
    ///     let id: i32 = row?.get("id").unwrap();
    ///     # let _ = id;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn stream(&self) -> Result<ModelStream<Row>> {
        let (target, table) = self.resolve().await?;
        let cql = self.select_cql("*", &table, None)?;
        let rows = target.stream(cql, &self.options).await?;
        Ok(Box::pin(rows.map(|row| Ok(row?))))
    }

    /// Every row (page by page, but all kept).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let rows = users.filter(users.column("id").in_([1_i32, 2])).all().await?;
    /// # let _ = rows;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn all(&self) -> Result<Vec<Row>> {
        let mut stream = self.stream().await?;
        let mut all = Vec::new();
        while let Some(row) = stream.next().await {
            all.push(row?);
        }
        Ok(all)
    }

    /// The first row, if any (`LIMIT 1`).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// let row = users.filter(users.column("id").eq(1_i32)).first().await?;
    /// # let _ = row;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn first(&self) -> Result<Option<Row>> {
        let (target, table) = self.resolve().await?;
        let cql = self.select_cql("*", &table, Some(1))?;
        let result = target.execute(cql, &self.options).await?;
        Ok(result.rows().ok().and_then(|r| r.first_row().ok()))
    }

    /// The only matching row: [`MapperError::TableDoesNotExist`] if none,
    /// [`MapperError::TableMultipleObjectsReturned`] if more (the query
    /// stops reading at two).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// use cqlengine::MapperError;
    ///
    /// let users = cqlengine::NamedTable::new("app", "users");
    /// match users.filter(users.column("id").eq(1_i32)).get().await {
    ///     Ok(row) => println!("{:?}", row.get::<String>("name")),
    ///     Err(MapperError::TableDoesNotExist { .. }) => println!("no such user"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self) -> Result<Row> {
        let (target, table) = self.resolve().await?;
        let cql = self.select_cql("*", &table, Some(2))?;
        let result = target.execute(cql, &self.options).await?;
        let rows = result.rows().map_err(|e| self.row_error(e))?;
        match rows.len() {
            0 => Err(MapperError::TableDoesNotExist {
                keyspace: self.table.keyspace.clone(),
                table: self.table.name.clone(),
            }),
            1 => rows.first_row().map_err(|e| self.row_error(e)),
            count => Err(MapperError::TableMultipleObjectsReturned {
                keyspace: self.table.keyspace.clone(),
                table: self.table.name.clone(),
                count,
            }),
        }
    }

    /// How many rows match (`SELECT COUNT(*)`).
    ///
    /// ```no_run
    /// # async fn demo() -> cqlengine::Result<()> {
    /// let posts = cqlengine::NamedTable::new("app", "posts");
    /// let n = posts.filter(posts.column("author").eq(7_i32)).count().await?;
    /// # let _ = n;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn count(&self) -> Result<i64> {
        let (target, table) = self.resolve().await?;
        let cql = self.select_cql("COUNT(*)", &table, None)?;
        let result = target.execute(cql, &self.options).await?;
        let row = result.first_row().map_err(|e| self.row_error(e))?;
        row.get::<i64>(0).map_err(|e| self.row_error(e))
    }
}

/// The table's metadata from the driver; if it is missing, waits for
/// schema agreement, reads the schema again and looks once more.
async fn table_metadata(session: &Session, table: &NamedTable) -> Result<TableMetadata> {
    let lookup = |session: &Session| {
        session
            .cluster_metadata()
            .table(&table.keyspace, &table.name)
            .cloned()
    };
    if let Some(found) = lookup(session) {
        return Ok(found);
    }
    if let Err(error) = session.await_schema_agreement().await {
        tracing::warn!(%error, "could not check schema agreement");
    }
    if let Err(error) = session.refresh_metadata().await {
        tracing::warn!(%error, "could not refresh the schema metadata");
    }
    lookup(session).ok_or_else(|| MapperError::UnknownTable {
        keyspace: table.keyspace.clone(),
        table: table.name.clone(),
    })
}
