//! What a model looks like to Cassandra: its table, columns, keys and
//! options, as the derive describes them.
//!
//! ```no_run
//! use cqlengine::{Model, ColumnRole};
//!
//! #[derive(Model, Debug, Clone)]
//! #[cql(table = "posts", options(comment = "'blog posts'"))]
//! struct Post {
//!     #[cql(partition_key)]
//!     author: i32,
//!     #[cql(clustering_key, order = "desc")]
//!     seq: i32,
//!     title: String,
//! }
//!
//! # async fn example(session: cqlengine::driver::Session) -> cqlengine::Result<()> {
//! let schema = Post::schema();
//! assert_eq!(schema.columns[1].role, ColumnRole::Clustering(cqlengine::ClusteringOrder::Desc));
//! // What `management::sync_table` sends for a new table.
//! session.query(schema.create_table_cql("blog"), ()).await?;
//! # Ok(()) }
//! # fn main() {}
//! ```

use cql_protocol::ColumnType;

pub use crate::discriminator::DiscriminatorValue;
use crate::error::MapperError;

/// The order of a clustering column: in the schema (`#[cql(clustering_key,
/// order = "desc")]`), and for [`QuerySet::order_by`](crate::QuerySet::order_by).
///
/// ```
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key, order = "desc")] seq: i32, title: String }
/// use cqlengine::{ClusteringOrder, ColumnRole};
///
/// # fn main() {
/// assert_eq!(Post::schema().columns[1].role, ColumnRole::Clustering(ClusteringOrder::Desc));
/// // The oldest posts first, against the table's order.
/// let oldest_first = Post::filter(post::author.eq(7)).order_by(post::seq, ClusteringOrder::Asc);
/// # let _ = oldest_first;
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusteringOrder {
    /// Ascending (the default).
    Asc,
    /// Descending.
    Desc,
}

/// The role of a column in its table.
///
/// ```
/// use cqlengine::{ClusteringOrder, ColumnRole, Model};
///
/// #[derive(Model, Debug, Clone)]
/// struct Post {
///     #[cql(partition_key)]
///     author: i32,
///     #[cql(clustering_key)]
///     seq: i32,
///     title: String,
///     #[cql(static_column)]
///     author_name: Option<String>,
/// }
///
/// # fn main() {
/// let roles: Vec<ColumnRole> = Post::schema().columns.iter().map(|c| c.role).collect();
/// assert_eq!(
///     roles,
///     [
///         ColumnRole::PartitionKey,
///         ColumnRole::Clustering(ClusteringOrder::Asc),
///         ColumnRole::Regular,
///         ColumnRole::Static,
///     ]
/// );
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRole {
    /// Part of the partition key.
    PartitionKey,
    /// A clustering column.
    Clustering(ClusteringOrder),
    /// An ordinary column.
    Regular,
    /// A static column (one value per partition).
    Static,
}

/// One column of a model.
///
/// ```
/// use cqlengine::driver::protocol::ColumnType;
/// use cqlengine::{ColumnRole, Model};
///
/// #[derive(Model, Debug, Clone)]
/// struct User {
///     #[cql(partition_key)]
///     id: i32,
///     #[cql(index, required, db_field = "n", max_length = 50)]
///     name: String,
/// }
///
/// # fn main() {
/// let (index, name) = User::schema().column("n").unwrap();
/// assert_eq!((index, name.field, &name.ty), (1, "name", &ColumnType::Varchar));
/// assert_eq!(name.role, ColumnRole::Regular);
/// assert!(name.index && name.required);
/// assert_eq!((name.min_length, name.max_length), (None, Some(50)));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    /// The Rust field's name.
    pub field: &'static str,
    /// The column's name in Cassandra (`db_field`, else the field name).
    pub name: &'static str,
    /// Its CQL type.
    pub ty: ColumnType,
    /// Its role.
    pub role: ColumnRole,
    /// Whether it has a secondary index.
    pub index: bool,
    /// Whether a value is required (no null).
    pub required: bool,
    /// The shortest allowed text, in characters.
    pub min_length: Option<usize>,
    /// The longest allowed text, in characters.
    pub max_length: Option<usize>,
    /// Whether it is the discriminator of a polymorphic table.
    pub discriminator: bool,
}

impl ColumnDef {
    /// A regular column, with no index and no validation rule; the other
    /// fields are set as needed.
    ///
    /// ```
    /// use cqlengine::driver::protocol::ColumnType;
    /// use cqlengine::{ColumnDef, ColumnRole};
    ///
    /// let email = ColumnDef::new("email", "email", ColumnType::Varchar);
    /// assert_eq!(email.role, ColumnRole::Regular);
    /// assert!(!email.index && !email.required);
    ///
    /// let id = ColumnDef {
    ///     role: ColumnRole::PartitionKey,
    ///     ..ColumnDef::new("id", "id", ColumnType::Uuid)
    /// };
    /// assert!(id.is_primary_key());
    /// ```
    pub fn new(field: &'static str, name: &'static str, ty: ColumnType) -> Self {
        ColumnDef {
            field,
            name,
            ty,
            role: ColumnRole::Regular,
            index: false,
            required: false,
            min_length: None,
            max_length: None,
            discriminator: false,
        }
    }

    /// Whether it is part of the primary key.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key, order = "desc")] seq: i32, title: String }
    /// # fn main() {
    /// let keys: Vec<bool> = Post::schema().columns.iter().map(|c| c.is_primary_key()).collect();
    /// assert_eq!(keys, [true, true, false]);
    /// # }
    /// ```
    pub fn is_primary_key(&self) -> bool {
        matches!(
            self.role,
            ColumnRole::PartitionKey | ColumnRole::Clustering(_)
        )
    }

    /// Whether it is a counter.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct PageHits {
    ///     #[cql(partition_key)]
    ///     page: String,
    ///     #[cql(counter)]
    ///     hits: i64,
    /// }
    ///
    /// # fn main() {
    /// let columns = &PageHits::schema().columns;
    /// assert!(!columns[0].is_counter() && columns[1].is_counter());
    /// # }
    /// ```
    pub fn is_counter(&self) -> bool {
        matches!(self.ty, ColumnType::Counter)
    }
}

/// A model's table: name, keyspace, columns (in field order) and options.
/// [`Model::schema`](crate::Model::schema) returns it.
///
/// ```
/// use cqlengine::Model;
///
/// #[derive(Model, Debug, Clone)]
/// #[cql(table = "posts", keyspace = "blog", options(comment = "'blog posts'"))]
/// struct Post {
///     #[cql(partition_key)]
///     author: i32,
///     #[cql(clustering_key, order = "desc")]
///     seq: i32,
///     title: String,
/// }
///
/// # fn main() {
/// let schema = Post::schema();
/// assert_eq!((schema.model, schema.table, schema.keyspace), ("Post", "posts", Some("blog")));
/// assert_eq!(schema.options, [("comment", "'blog posts'".to_string())]);
/// let names: Vec<&str> = schema.columns.iter().map(|c| c.name).collect();
/// assert_eq!(names, ["author", "seq", "title"]);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSchema {
    /// The Rust type's name.
    pub model: &'static str,
    /// The table's name.
    pub table: &'static str,
    /// The keyspace, if the model fixes one.
    pub keyspace: Option<&'static str>,
    /// The columns, in field order.
    pub columns: Vec<ColumnDef>,
    /// Table options as CQL: `("comment", "'users'")`,
    /// `("default_time_to_live", "3600")`...
    pub options: Vec<(&'static str, String)>,
    /// The discriminator value of this model, for polymorphic tables.
    pub discriminator_value: Option<DiscriminatorValue>,
    /// For a polymorphic enum model, the schemas of its variants, in
    /// declaration order (empty for a struct model). The enum's columns are
    /// the union of theirs; [`check`](ModelSchema::check) verifies that
    /// they share one table.
    pub variants: Vec<&'static ModelSchema>,
}

impl ModelSchema {
    /// The schema of a polymorphic enum model `model` over its variants'
    /// schemas: the union of their columns by CQL name, in first-seen
    /// order (a column keeps the first definition seen, and is indexed if
    /// any variant indexes it); the table, keyspace and options of the
    /// first variant; no discriminator value of its own.
    ///
    /// Nothing is checked here, so that building the schema never panics:
    /// [`check`](ModelSchema::check) reports variants that do not fit
    /// together, and queries and writes return its error.
    ///
    /// `#[derive(Model)]` on an enum of the variants calls it; by hand:
    ///
    /// ```
    /// use cqlengine::{Model, ModelSchema};
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "animals", discriminator_value = "cat")]
    /// struct Cat {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(discriminator)]
    ///     kind: String,
    ///     lives: Option<i32>,
    /// }
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "animals", discriminator_value = "dog")]
    /// struct Dog {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(discriminator)]
    ///     kind: String,
    ///     good: Option<bool>,
    /// }
    ///
    /// # fn main() {
    /// let animal = ModelSchema::polymorphic("Animal", vec![Cat::schema(), Dog::schema()]);
    /// let names: Vec<&str> = animal.columns.iter().map(|c| c.name).collect();
    /// assert_eq!(names, ["id", "kind", "lives", "good"]);
    /// assert_eq!((animal.table, animal.discriminator_value), ("animals", None));
    /// animal.check().unwrap();
    /// # }
    /// ```
    pub fn polymorphic(model: &'static str, variants: Vec<&'static ModelSchema>) -> ModelSchema {
        let mut columns: Vec<ColumnDef> = Vec::new();
        for variant in &variants {
            for column in &variant.columns {
                match columns.iter_mut().find(|c| c.name == column.name) {
                    Some(existing) => existing.index |= column.index,
                    None => columns.push(column.clone()),
                }
            }
        }
        let first = variants.first();
        ModelSchema {
            model,
            table: first.map_or("", |v| v.table),
            keyspace: first.and_then(|v| v.keyspace),
            columns,
            options: first.map(|v| v.options.clone()).unwrap_or_default(),
            discriminator_value: None,
            variants,
        }
    }

    /// The discriminator column, if the model has one.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "animals", discriminator_value = "cat")]
    /// struct Cat {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(discriminator)]
    ///     kind: String,
    /// }
    ///
    /// # fn main() {
    /// let (index, column) = Cat::schema().discriminator().unwrap();
    /// assert_eq!((index, column.name), (1, "kind"));
    /// assert_eq!(
    ///     Cat::schema().discriminator_value,
    ///     Some(cqlengine::DiscriminatorValue::Text("cat"))
    /// );
    /// # }
    /// ```
    pub fn discriminator(&self) -> Option<(usize, &ColumnDef)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.discriminator)
    }

    /// Checks the rules a table must follow (the derive checks most of them
    /// at compile time; this catches the rest at first use), and for a
    /// polymorphic enum model, that its variants fit together.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key, order = "desc")] seq: i32, title: String }
    /// use cqlengine::{ColumnRole, MapperError};
    ///
    /// # fn main() {
    /// assert!(Post::schema().check().is_ok());
    ///
    /// // The same table without a partition key cannot exist.
    /// let mut keyless = Post::schema().clone();
    /// keyless.columns[0].role = ColumnRole::Regular;
    /// let error = keyless.check().unwrap_err();
    /// assert!(matches!(error, MapperError::ModelDefinition { model: "Post", .. }));
    /// assert_eq!(
    ///     error.to_string(),
    ///     "invalid model definition of Post: a model needs at least one partition key column"
    /// );
    /// # }
    /// ```
    pub fn check(&self) -> Result<(), MapperError> {
        let fail = |message: String| {
            Err(MapperError::ModelDefinition {
                model: self.model,
                message,
            })
        };
        if !self.variants.is_empty() {
            self.check_variants()?;
        }
        match (self.discriminator_value, self.discriminator()) {
            (Some(value), Some((_, column))) if !value.fits(&column.ty) => {
                let wanted = match value {
                    DiscriminatorValue::Text(_) => "a text column".to_string(),
                    DiscriminatorValue::Int(n) if i32::try_from(n).is_err() => {
                        "a bigint or varint column (the value does not fit an int)".to_string()
                    }
                    DiscriminatorValue::Int(_) => "an int, bigint or varint column".to_string(),
                };
                return fail(format!(
                    "the discriminator {} holds the value {value}, so it must be {wanted}, not {}",
                    column.field,
                    type_cql(&column.ty)
                ));
            }
            (Some(value), None) if self.variants.is_empty() => {
                return fail(format!(
                    "the discriminator_value {value} needs a column marked discriminator"
                ));
            }
            _ => {}
        }
        if !self
            .columns
            .iter()
            .any(|c| c.role == ColumnRole::PartitionKey)
        {
            // Without groups, the derive makes the first field the partition
            // key at compile time; with them, at run time, if it can.
            return match self.columns.first() {
                Some(first) if first.role != ColumnRole::Regular || first.is_counter() => {
                    let what = match first.role {
                        ColumnRole::Clustering(_) => "a clustering key",
                        ColumnRole::Static => "static",
                        _ => "a counter",
                    };
                    fail(format!(
                        "no column is marked partition_key, so the first column ({}) would be \
                         the partition key, but it is {what}; mark the partition key with \
                         #[cql(partition_key)]",
                        first.field
                    ))
                }
                _ => fail("a model needs at least one partition key column".into()),
            };
        }
        if let Some(c) = self.columns.iter().find(|c| c.role == ColumnRole::Static) {
            if self.clustering().next().is_none() {
                return fail(format!(
                    "the static column {} needs a clustering key: a table without clustering \
                     columns has one row per partition",
                    c.field
                ));
            }
        }
        let counters = self.columns.iter().filter(|c| c.is_counter()).count();
        if counters > 0 {
            if let Some(c) = self
                .columns
                .iter()
                .find(|c| !c.is_counter() && !c.is_primary_key())
            {
                return fail(format!(
                    "a table with counters may hold only counters and primary key columns; {} is neither",
                    c.field
                ));
            }
            if let Some(c) = self
                .columns
                .iter()
                .find(|c| c.is_counter() && c.is_primary_key())
            {
                return fail(format!(
                    "the counter {} cannot be part of the primary key",
                    c.field
                ));
            }
        }
        if self.columns.iter().filter(|c| c.discriminator).count() > 1 {
            return fail("a model may have only one discriminator column".into());
        }
        if let Some(c) = self
            .columns
            .iter()
            .find(|c| c.discriminator && (c.is_counter() || c.ty.is_collection()))
        {
            return fail(format!(
                "the discriminator {} cannot be a counter or a collection",
                c.field
            ));
        }
        for (i, c) in self.columns.iter().enumerate() {
            if let Some(other) = self.columns[..i].iter().find(|o| o.name == c.name) {
                return fail(format!(
                    "two fields map to the column {} ({} and {})",
                    c.name, other.field, c.field
                ));
            }
        }
        Ok(())
    }

    /// The rules of a polymorphic enum model: every variant is a valid
    /// model with a discriminator value, on the same table, with the same
    /// primary key and discriminator column; the values are distinct and
    /// the columns they share have one type.
    fn check_variants(&self) -> Result<(), MapperError> {
        let fail = |message: String| {
            Err(MapperError::ModelDefinition {
                model: self.model,
                message,
            })
        };
        let first = self.variants[0];
        let key = |s: &ModelSchema| -> Vec<(&'static str, ColumnRole)> {
            s.primary_key()
                .into_iter()
                .map(|i| (s.columns[i].name, s.columns[i].role))
                .collect()
        };
        let first_key = key(first);
        let Some((_, first_discriminator)) = first.discriminator() else {
            return fail(format!(
                "the variant {} has no discriminator column",
                first.model
            ));
        };
        let mut values: Vec<(&'static str, DiscriminatorValue)> = Vec::new();
        for variant in &self.variants {
            variant.check()?;
            if variant.table != first.table || variant.keyspace != first.keyspace {
                return fail(format!(
                    "the variants {} and {} are on different tables ({} and {})",
                    first.model,
                    variant.model,
                    table_text(first),
                    table_text(variant)
                ));
            }
            if key(variant) != first_key {
                return fail(format!(
                    "the variants {} and {} have different primary keys",
                    first.model, variant.model
                ));
            }
            match variant.discriminator() {
                None => {
                    return fail(format!(
                        "the variant {} has no discriminator column",
                        variant.model
                    ))
                }
                Some((_, c)) if c.name != first_discriminator.name => {
                    return fail(format!(
                        "the variants {} and {} have different discriminator columns ({} and {})",
                        first.model, variant.model, first_discriminator.name, c.name
                    ))
                }
                Some(_) => {}
            }
            let Some(value) = variant.discriminator_value else {
                return fail(format!(
                    "the variant {} has no discriminator_value",
                    variant.model
                ));
            };
            if let Some((other, _)) = values.iter().find(|(_, v)| *v == value) {
                return fail(format!(
                    "the variants {other} and {} have the same discriminator value {value}",
                    variant.model
                ));
            }
            values.push((variant.model, value));
            for column in &variant.columns {
                if let Some((_, union)) = self.column(column.name) {
                    if union.ty != column.ty || union.role != column.role {
                        return fail(format!(
                            "the column {} is {} in one variant and {} in {}",
                            column.name,
                            column_text(union),
                            column_text(column),
                            variant.model
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the table holds counters (then it holds only counters and
    /// primary key columns, is written with UPDATE and cannot be inserted
    /// into).
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct PageHits {
    ///     #[cql(partition_key)]
    ///     page: String,
    ///     #[cql(counter)]
    ///     hits: i64,
    /// }
    ///
    /// # fn main() {
    /// assert!(PageHits::schema().is_counter_table());
    /// # }
    /// ```
    pub fn is_counter_table(&self) -> bool {
        self.columns.iter().any(ColumnDef::is_counter)
    }

    /// The partition key columns, in order, with their schema indexes.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct Reading {
    ///     #[cql(partition_key)]
    ///     sensor: i32,
    ///     #[cql(partition_key)]
    ///     day: i32,
    ///     #[cql(clustering_key)]
    ///     hour: i32,
    ///     #[cql(clustering_key)]
    ///     minute: i32,
    ///     value: f64,
    /// }
    ///
    /// # fn main() {
    /// let key: Vec<(usize, &str)> = Reading::schema().partition_key().map(|(i, c)| (i, c.name)).collect();
    /// assert_eq!(key, [(0, "sensor"), (1, "day")]);
    /// # }
    /// ```
    pub fn partition_key(&self) -> impl Iterator<Item = (usize, &ColumnDef)> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.role == ColumnRole::PartitionKey)
    }

    /// The clustering columns, in order, with their schema indexes.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct Reading {
    ///     #[cql(partition_key)]
    ///     sensor: i32,
    ///     #[cql(partition_key)]
    ///     day: i32,
    ///     #[cql(clustering_key)]
    ///     hour: i32,
    ///     #[cql(clustering_key)]
    ///     minute: i32,
    ///     value: f64,
    /// }
    ///
    /// # fn main() {
    /// let clustering: Vec<&str> = Reading::schema().clustering().map(|(_, c)| c.name).collect();
    /// assert_eq!(clustering, ["hour", "minute"]);
    /// # }
    /// ```
    pub fn clustering(&self) -> impl Iterator<Item = (usize, &ColumnDef)> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.role, ColumnRole::Clustering(_)))
    }

    /// The schema indexes of the primary key columns: partition key then
    /// clustering.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// struct Reading {
    ///     #[cql(partition_key)]
    ///     sensor: i32,
    ///     #[cql(partition_key)]
    ///     day: i32,
    ///     #[cql(clustering_key)]
    ///     hour: i32,
    ///     #[cql(clustering_key)]
    ///     minute: i32,
    ///     value: f64,
    /// }
    ///
    /// # fn main() {
    /// assert_eq!(Reading::schema().primary_key(), [0, 1, 2, 3]);
    /// # }
    /// ```
    pub fn primary_key(&self) -> Vec<usize> {
        self.partition_key()
            .chain(self.clustering())
            .map(|(i, _)| i)
            .collect()
    }

    /// The column with this CQL name, and its schema index.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key, order = "desc")] seq: i32, title: String }
    /// # fn main() {
    /// let (index, title) = Post::schema().column("title").unwrap();
    /// assert_eq!((index, title.field), (2, "title"));
    /// assert!(Post::schema().column("body").is_none());
    /// # }
    /// ```
    pub fn column(&self, name: &str) -> Option<(usize, &ColumnDef)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// `"keyspace"."table"`, quoted, in the keyspace given.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key, order = "desc")] seq: i32, title: String }
    /// # fn main() {
    /// assert_eq!(Post::schema().qualified_name("blog"), r#""blog"."post""#);
    /// # }
    /// ```
    pub fn qualified_name(&self, keyspace: &str) -> String {
        format!("{}.{}", quote(keyspace), quote(self.table))
    }

    /// The CREATE TABLE statement, in the keyspace given: the columns in
    /// model order, the primary key, then the clustering order (when a
    /// column is DESC) and the model's options.
    ///
    /// ```
    /// use cqlengine::Model;
    ///
    /// #[derive(Model, Debug, Clone)]
    /// #[cql(table = "posts", options(comment = "'blog posts'"))]
    /// struct Post {
    ///     #[cql(partition_key)]
    ///     author: i32,
    ///     #[cql(clustering_key, order = "desc")]
    ///     seq: i32,
    ///     title: String,
    ///     #[cql(static_column)]
    ///     author_name: Option<String>,
    /// }
    ///
    /// # fn main() {
    /// assert_eq!(
    ///     Post::schema().create_table_cql("blog"),
    ///     "CREATE TABLE \"blog\".\"posts\" (\"author\" int, \"seq\" int, \"title\" text, \
    ///      \"author_name\" text static, PRIMARY KEY ((\"author\"), \"seq\")) \
    ///      WITH CLUSTERING ORDER BY (\"seq\" DESC) AND comment = 'blog posts'"
    /// );
    /// # }
    /// ```
    pub fn create_table_cql(&self, keyspace: &str) -> String {
        let mut cql = format!("CREATE TABLE {} (", self.qualified_name(keyspace));
        for column in &self.columns {
            cql.push_str(&quote(column.name));
            cql.push(' ');
            cql.push_str(&type_cql(&column.ty));
            if column.role == ColumnRole::Static {
                cql.push_str(" static");
            }
            cql.push_str(", ");
        }
        let partition: Vec<String> = self.partition_key().map(|(_, c)| quote(c.name)).collect();
        let clustering: Vec<String> = self.clustering().map(|(_, c)| quote(c.name)).collect();
        cql.push_str("PRIMARY KEY ((");
        cql.push_str(&partition.join(", "));
        cql.push(')');
        for c in &clustering {
            cql.push_str(", ");
            cql.push_str(c);
        }
        cql.push_str("))");
        let mut with = Vec::new();
        let orders: Vec<String> = self
            .clustering()
            .map(|(_, c)| {
                let order = match c.role {
                    ColumnRole::Clustering(ClusteringOrder::Desc) => "DESC",
                    _ => "ASC",
                };
                format!("{} {order}", quote(c.name))
            })
            .collect();
        if self
            .clustering()
            .any(|(_, c)| c.role == ColumnRole::Clustering(ClusteringOrder::Desc))
        {
            with.push(format!("CLUSTERING ORDER BY ({})", orders.join(", ")));
        }
        for (name, value) in &self.options {
            with.push(format!("{name} = {value}"));
        }
        if !with.is_empty() {
            cql.push_str(" WITH ");
            cql.push_str(&with.join(" AND "));
        }
        cql
    }
}

fn table_text(schema: &ModelSchema) -> String {
    match schema.keyspace {
        Some(keyspace) => format!("{keyspace}.{}", schema.table),
        None => schema.table.to_string(),
    }
}

fn column_text(column: &ColumnDef) -> String {
    let role = match column.role {
        ColumnRole::PartitionKey => " (partition key)",
        ColumnRole::Clustering(_) => " (clustering)",
        ColumnRole::Static => " static",
        ColumnRole::Regular => "",
    };
    format!("{}{role}", type_cql(&column.ty))
}

/// Double-quotes a CQL identifier, doubling the quotes inside it, so
/// that any name (a reserved word, upper case...) is used as written.
///
/// ```
/// use cqlengine::schema::quote;
///
/// assert_eq!(quote("order"), r#""order""#);
/// assert_eq!(quote(r#"say "hi""#), r#""say ""hi""""#);
/// ```
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A column type as CQL writes it (in CREATE TABLE and ALTER TABLE).
///
/// ```
/// use cqlengine::driver::protocol::ColumnType;
/// use cqlengine::schema::type_cql;
///
/// let ty = ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::List(Box::new(ColumnType::Int))));
/// assert_eq!(type_cql(&ty), "map<text, list<int>>");
/// assert_eq!(type_cql(&ColumnType::Timeuuid), "timeuuid");
/// ```
pub fn type_cql(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Custom(class) => format!("'{}'", class.replace('\'', "''")),
        ColumnType::Ascii => "ascii".into(),
        ColumnType::Bigint => "bigint".into(),
        ColumnType::Blob => "blob".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Counter => "counter".into(),
        ColumnType::Decimal => "decimal".into(),
        ColumnType::Double => "double".into(),
        ColumnType::Float => "float".into(),
        ColumnType::Int => "int".into(),
        ColumnType::Timestamp => "timestamp".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Varchar | ColumnType::Text => "text".into(),
        ColumnType::Varint => "varint".into(),
        ColumnType::Timeuuid => "timeuuid".into(),
        ColumnType::Inet => "inet".into(),
        ColumnType::List(t) => format!("list<{}>", type_cql(t)),
        ColumnType::Set(t) => format!("set<{}>", type_cql(t)),
        ColumnType::Map(k, v) => format!("map<{}, {}>", type_cql(k), type_cql(v)),
        other => format!("{other:?}").to_lowercase(),
    }
}
