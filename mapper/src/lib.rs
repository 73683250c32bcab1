//! cqlengine, the object mapper for Apache Cassandra, in Rust, on
//! [`cql_driver`].
//!
//! A model is a struct with `#[derive(Model)]`; the derive describes its
//! table ([`ModelSchema`]), reads and writes its rows, validates its fields
//! and makes a module of typed [`Column`]s for query expressions. The mapper
//! owns no connection: pooling, failover, discovery, policies and auth are
//! the driver's.
//!
//! ```no_run
//! use cqlengine::driver::Session;
//! use cqlengine::management::{create_keyspace_simple, sync_table};
//! use cqlengine::prelude::*;
//!
//! #[derive(cqlengine::Model, Debug, Clone)]
//! #[cql(table = "users")]
//! struct User {
//!     #[cql(partition_key)]
//!     id: i32,
//!     #[cql(index, required, max_length = 64)]
//!     email: String,
//!     age: Option<i32>,
//! }
//!
//! #[tokio::main]
//! async fn main() -> cqlengine::Result<()> {
//!     cqlengine::connection::setup(Session::builder().contact_point("127.0.0.1"), Some("app"))
//!         .await?;
//!     create_keyspace_simple("app", 1, true, None).await?;
//!     sync_table::<User>(None, None).await?;
//!
//!     let ada = User { id: 1, email: "ada@example.com".into(), age: Some(36) };
//!     ada.save().await?;
//!     let found = User::filter(user::email.eq("ada@example.com")).get().await?;
//!     found.update_fields(vec![user::age.set(37)]).await?;
//!     println!("{} users", User::objects().count().await?);
//!     Ok(())
//! }
//! ```
#![warn(missing_docs)]

pub mod column;
mod discriminator;
pub mod error;
mod group;
pub mod management;
pub mod model;
pub mod schema;

pub use column::{token, Assignment, Column, Filter, Op, TimeUuidBound};
/// The driver [`cql_driver`], for what the mapper leaves to it: sessions
/// and their options, raw statements, rows, metadata.
///
/// ```no_run
/// use cqlengine::driver::{Consistency, Session};
///
/// # async fn example() -> cqlengine::Result<()> {
/// let session = Session::builder()
///     .contact_points(["10.0.0.1", "10.0.0.2"])
///     .consistency(Consistency::LocalQuorum)
///     .build()
///     .await?;
/// cqlengine::connection::register_session("default", session, Some("app"), true);
/// # Ok(()) }
/// ```
pub use cql_driver as driver;
/// `#[derive(Columns)]`: implements [`ColumnGroup`] (and
/// [`FromRow`](driver::FromRow)) for a struct with named fields, a group
/// of columns that models include with a `#[cql(flatten)]` field — the
/// Rust form of cqlengine's `__abstract__` base models, whose columns
/// every subclass inherits.
///
/// The fields take the same `#[cql(...)]` attributes as a model's fields
/// (keys, `order`, `static_column`, `index`, `db_field`, `required`,
/// lengths, `timeuuid`/`ascii`/`counter`, `discriminator`, `default`),
/// and may themselves be `#[cql(flatten)]` groups. The struct's
/// `#[cql(...)]` takes only `columns = "Name"`: the name of the struct of
/// typed columns the derive makes beside the group, by default the
/// group's name followed by `Columns` (`Timestamps` → `TimestampsColumns`,
/// with the group's visibility). That struct is generic over the model,
/// has one public [`Column`] field per column (or a nested group's
/// columns struct), and two constructors: `const fn new(offset)` (the
/// group's first column at schema index `offset`, which the model's
/// column module calls) and a hidden one for polymorphic enum models.
///
/// In a model, `#[cql(flatten)] stamps: Timestamps` puts the group's
/// columns at the field's place; the column module's `stamps` constant is
/// a `TimestampsColumns<Model>`, so `user::stamps.created.gt(t)` is a
/// typed filter on `User`. Saving, updates, change tracking, queries
/// (`only`, `defer`, `values_list`), `sync_table` and reading rows (with
/// the group's `default`s) see the group's columns as the model's own.
///
/// A group is not a table: the checks that need the whole model (at
/// least one partition key — with none marked, the model's first column
/// is the partition key, even if it comes from a group —, the counter
/// table rules, static columns needing a clustering key, one
/// discriminator, a `discriminator_value` needing a discriminator column
/// that can hold it, distinct column names) are made by
/// [`ModelSchema::check`] at the model's first use (queries, writes,
/// batches and `sync_table` return its [`MapperError::ModelDefinition`]).
/// The rules of one field (`order` only on a clustering key, a counter is
/// an `i64` and not a key...) are still compile errors. A `flatten` field
/// takes no other attribute.
///
/// A variant of a polymorphic enum model may flatten groups; the enum's
/// column module then has the group's columns struct too, indexed in the
/// enum's union of columns.
///
/// ```
/// use cqlengine::driver::protocol::value::CqlTimestamp;
/// use cqlengine::{ColumnRole, Columns, Model};
///
/// /// The key every tenant's table starts with.
/// #[derive(Columns, Debug, Clone, PartialEq)]
/// pub struct TenantKey {
///     #[cql(partition_key)]
///     pub tenant: i32,
///     #[cql(partition_key)]
///     pub id: i32,
/// }
///
/// /// Bookkeeping columns.
/// #[derive(Columns, Debug, Clone, PartialEq)]
/// #[cql(columns = "AuditCols")]
/// pub struct Audit {
///     pub created: CqlTimestamp,
///     #[cql(default)]
///     pub revision: i32,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Invoice {
///     #[cql(flatten)]
///     pub key: TenantKey,
///     pub amount: i64,
///     #[cql(flatten)]
///     pub audit: Audit,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct Customer {
///     #[cql(flatten)]
///     pub key: TenantKey,
///     #[cql(clustering_key)]
///     pub email: String,
///     #[cql(flatten)]
///     pub audit: Audit,
/// }
///
/// # fn main() {
/// let schema = Invoice::schema();
/// let names: Vec<&str> = schema.columns.iter().map(|c| c.name).collect();
/// assert_eq!(names, ["tenant", "id", "amount", "created", "revision"]);
/// assert_eq!(schema.columns[1].role, ColumnRole::PartitionKey);
/// schema.check().unwrap();
/// Customer::schema().check().unwrap();
///
/// // The groups' typed columns, at their places in each model.
/// let _ = invoice::key.tenant.eq(7);
/// let cols: AuditCols<Customer> = customer::audit;
/// assert_eq!(cols.revision.index(), 4);
/// assert_eq!(invoice::audit.revision.index(), 4);
/// assert_eq!(customer::email.index(), 2);
/// # }
/// ```
pub use cqlengine_derive::Columns;
/// `#[derive(Model)]`: implements [`Model`] and [`FromRow`](driver::FromRow)
/// for a struct with named fields, and makes a module of its typed
/// [`Column`]s.
///
/// The struct's `#[cql(...)]` takes `table` (by default the struct's name
/// in snake case), `keyspace`, `options(name = "cql text", ...)`,
/// `discriminator_value` (`= "text"` or an integer literal, `= 1`; see
/// [`DiscriminatorValue`]) and `module` (the name of the column module, by
/// default the struct's name in snake case). A field's takes
/// `partition_key`, `clustering_key`, `order = "asc" | "desc"`,
/// `static_column`, `index`, `db_field = "name"`, `required`,
/// `min_length = N`, `max_length = N`, `timeuuid`, `ascii`, `counter`,
/// `discriminator`, `default` / `default = "path::to::function"`, and
/// `flatten` (alone), for a field holding a [column group](Columns)
/// whose columns take the field's place.
///
/// With no field marked `partition_key`, the first field is the partition
/// key (cqlengine's rule; with a group flattened, the first column, at run
/// time). The schema lists the columns in field order;
/// their types come from [`CqlColumn`] unless `timeuuid`, `ascii` or
/// `counter` says otherwise. A field with `default` is filled by it when
/// its column is missing from the row (a partial select), or is null and
/// the field is not an `Option`. The rules a table must follow (one
/// discriminator, counter-only tables, no static key...) are checked at
/// compile time — except, for a model that flattens a group, those that
/// involve the group's columns, which [`ModelSchema::check`] checks at
/// first use; the model must be defined at module level (not inside a
/// function), since its column module refers to it as `super::Name`.
///
/// # Polymorphic models
///
/// Model structs sharing a table, each with its `discriminator_value`, are
/// the kinds of rows of that table; an enum of them with
/// `#[derive(Model)]` is the model of the whole table. A variant always
/// writes its discriminator value, refuses rows of other kinds, and its
/// query sets keep to its kind (see [`QuerySet`]); the enum reads each row
/// into the variant its discriminator names. Variants that do not fit
/// together (different tables or primary keys, duplicate values...) are a
/// [`MapperError::ModelDefinition`] at first use.
///
/// The discriminator is text (`discriminator_value = "cat"`) or an
/// integer (`discriminator_value = 1`, with an `i32` or `i64`
/// discriminator field): it is written, compared and filtered on as a
/// value of the discriminator column's type. A variant may flatten column
/// groups; the enum's column module then holds the groups' typed columns
/// too.
///
/// ```
/// use cqlengine::{DiscriminatorValue, Model};
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[cql(table = "shapes", discriminator_value = 1)]
/// pub struct Circle {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(discriminator, index)]
///     pub kind: i32,
///     pub radius: Option<f64>,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[cql(table = "shapes", discriminator_value = 2)]
/// pub struct Square {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(discriminator, index)]
///     pub kind: i32,
///     pub side: Option<f64>,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub enum Shape {
///     Circle(Circle),
///     Square(Square),
/// }
///
/// # fn main() {
/// Shape::schema().check().unwrap();
/// assert_eq!(Square::schema().discriminator_value, Some(DiscriminatorValue::Int(2)));
/// let squares = shape::kind.eq(2);
/// # let _ = squares;
/// # }
/// ```
///
/// ```
/// use cqlengine::Model;
/// use cqlengine::driver::FromRow;
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[cql(table = "animals", discriminator_value = "cat")]
/// pub struct Cat {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(discriminator, index)]
///     pub kind: String,
///     pub lives: Option<i32>,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[cql(table = "animals", discriminator_value = "dog")]
/// pub struct Dog {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(discriminator, index)]
///     pub kind: String,
///     pub good: Option<bool>,
/// }
///
/// /// Any animal.
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub enum Animal {
///     Cat(Cat),
///     Dog(Dog),
/// }
///
/// # fn main() {
/// let names: Vec<&str> = Animal::schema().columns.iter().map(|c| c.name).collect();
/// assert_eq!(names, ["id", "kind", "lives", "good"]);
/// Animal::schema().check().unwrap();
/// // The union's columns, typed.
/// let _ = animal::good.eq(true);
/// let tom = Animal::from(Cat { id: 1, kind: String::new(), lives: Some(9) });
/// # let _ = tom;
/// # }
/// ```
///
/// ```
/// use std::collections::BTreeSet;
///
/// use cqlengine::{ClusteringOrder, ColumnRole, Model};
/// use cqlengine::driver::protocol::ColumnType;
/// use uuid::Uuid;
///
/// fn no_score() -> f64 {
///     -1.0
/// }
///
/// /// A person.
/// #[derive(Model, Debug, Clone, PartialEq)]
/// #[cql(keyspace = "app", options(comment = "'people'", default_time_to_live = "3600"))]
/// pub struct BlogUser {
///     #[cql(partition_key)]
///     pub id: Uuid,
///     #[cql(clustering_key, order = "desc", timeuuid)]
///     pub created: Uuid,
///     #[cql(index, db_field = "n", required, min_length = 1, max_length = 50)]
///     pub name: String,
///     #[cql(static_column)]
///     pub owner: Option<String>,
///     pub tags: Option<BTreeSet<String>>,
///     #[cql(default = "no_score")]
///     pub score: f64,
/// }
///
/// # fn main() {
/// let schema = BlogUser::schema();
/// assert_eq!(schema.table, "blog_user");
/// assert_eq!(schema.keyspace, Some("app"));
/// assert_eq!(schema.columns[1].ty, ColumnType::Timeuuid);
/// assert_eq!(schema.columns[1].role, ColumnRole::Clustering(ClusteringOrder::Desc));
/// assert_eq!(schema.columns[2].name, "n");
/// schema.check().unwrap();
///
/// // The module `blog_user` holds one typed column per field.
/// let by_name = blog_user::name.eq("ada");
/// # let _ = by_name;
/// assert_eq!(blog_user::name.name(), "n");
/// # }
/// ```
pub use cqlengine_derive::Model;
pub use discriminator::DiscriminatorValue;
pub use error::{MapperError, Result, ValidationError};
pub use group::ColumnGroup;
pub use model::{validate_field, CqlColumn, Model, MAX_COLLECTION_LEN};
pub use schema::{ClusteringOrder, ColumnDef, ColumnRole, ModelSchema};

/// What the derive's generated code uses; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::group::{concat_names, implicit_partition_key, read_group, union_index};
    pub use crate::model::{
        check_discriminator, column_out_of_range, column_value_is_null,
        field_value as to_raw_value, select_variant, variant_column_value, write_column_value,
    };
    pub use bytes::BytesMut;
    pub use cql_driver::rows::NamedAt;
    pub use cql_driver::{FromRow, Row, RowError};
    pub use cql_protocol::value::{IsNull, SerializeValue, ValueError};
    pub use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
    pub use cqlengine_derive::__enum_columns;
    pub use std::sync::OnceLock;
}

pub mod connection;

/// A consistency level: for query sets, writes, batches and sessions. The
/// constants below ([`QUORUM`], [`LOCAL_ONE`]...) are its variants.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::Consistency;
///
/// let ada = User::filter(user::id.eq(1)).consistency(Consistency::LocalQuorum).get().await?;
/// ada.save().consistency(Consistency::EachQuorum).await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub use cql_driver::Consistency;

/// Consistency ANY (writes only).
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// // Accepted once any node, or a hint, has it.
/// ada.save().consistency(cqlengine::ANY).await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const ANY: Consistency = Consistency::Any;
/// Consistency ONE.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User::filter(user::id.eq(1)).consistency(cqlengine::ONE).get().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const ONE: Consistency = Consistency::One;
/// Consistency TWO.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// ada.save().consistency(cqlengine::TWO).await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const TWO: Consistency = Consistency::Two;
/// Consistency THREE.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let n = User::objects().consistency(cqlengine::THREE).count().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const THREE: Consistency = Consistency::Three;
/// Consistency QUORUM.
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::driver::Session;
///
/// // The default of every statement on the connection.
/// let builder = Session::builder().contact_point("127.0.0.1").consistency(cqlengine::QUORUM);
/// cqlengine::connection::setup(builder, Some("app")).await?;
/// # Ok(()) }
/// ```
pub const QUORUM: Consistency = Consistency::Quorum;
/// Consistency ALL.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// ada.delete().consistency(cqlengine::ALL).await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const ALL: Consistency = Consistency::All;
/// Consistency LOCAL_QUORUM.
///
/// ```no_run
/// # async fn example() -> cqlengine::Result<()> {
/// let users = cqlengine::NamedTable::new("app", "users");
/// let rows = users.objects().consistency(cqlengine::LOCAL_QUORUM).limit(10).all().await?;
/// # Ok(()) }
/// ```
pub const LOCAL_QUORUM: Consistency = Consistency::LocalQuorum;
/// Consistency EACH_QUORUM.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// use cqlengine::{BatchQuery, BatchType};
///
/// let mut batch = BatchQuery::new(BatchType::Logged).consistency(cqlengine::EACH_QUORUM);
/// batch.add(ada.save()).await?;
/// batch.execute().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const EACH_QUORUM: Consistency = Consistency::EachQuorum;
/// Consistency LOCAL_ONE.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User::filter(user::id.eq(1)).consistency(cqlengine::LOCAL_ONE).first().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const LOCAL_ONE: Consistency = Consistency::LocalOne;
/// Serial consistency SERIAL.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// ada.save().if_not_exists().serial_consistency(cqlengine::SERIAL).await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const SERIAL: Consistency = Consistency::Serial;
/// Serial consistency LOCAL_SERIAL.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// let ada = User { id: 1, name: Some("Ada".into()), age: 36 };
/// // The Paxos round of the condition within the local data center.
/// ada.update_fields(vec![user::age.set(37)])
///     .iff(user::age.eq(36))
///     .serial_consistency(cqlengine::LOCAL_SERIAL)
///     .await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub const LOCAL_SERIAL: Consistency = Consistency::LocalSerial;
pub mod query;
mod restrictions;
mod statement;
mod table_options;

pub use query::{ModelStream, QuerySet};
pub mod dml;

pub use dml::{ModelExt, Write};
pub mod batch;

pub use batch::BatchQuery;
pub mod named;

/// The kind of a [`BatchQuery`]: logged, unlogged or counter.
///
/// ```no_run
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # async fn example() -> cqlengine::Result<()> {
/// use cqlengine::{BatchQuery, BatchType};
///
/// // Rows of one partition, without the batch log.
/// let mut batch = BatchQuery::new(BatchType::Unlogged);
/// batch.add(User { id: 1, name: None, age: 36 }.save()).await?;
/// batch.execute().await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
pub use cql_driver::BatchType;
pub use named::{NamedColumn, NamedFilter, NamedKeyspace, NamedQuerySet, NamedTable};

/// The traits and types most code needs: `use cqlengine::prelude::*;`.
///
/// It brings the [`Model`] and [`ColumnGroup`] traits' derives too
/// (`#[derive(Model)]`, `#[derive(Columns)]`).
///
/// ```no_run
/// use cqlengine::prelude::*; // Column, Filter, Op, Model, Columns, ModelExt, QuerySet
///
/// #[derive(Model, Debug, Clone)]
/// struct User {
///     #[cql(partition_key)]
///     id: i32,
///     age: i32,
/// }
///
/// // Generic code over any model, with the prelude's traits.
/// async fn page_len<M: Model>(query: QuerySet<M>) -> cqlengine::Result<usize> {
///     Ok(query.limit(10).all().await?.len())
/// }
///
/// # async fn example() -> cqlengine::Result<()> {
/// let age: Column<User, i32> = user::age;
/// let found = page_len(User::filter(user::id.in_([1, 2]))).await?;
/// # let _ = (age, found);
/// # Ok(()) }
/// # fn main() {}
/// ```
pub mod prelude {
    pub use crate::column::{Column, Filter, Op};
    pub use crate::dml::ModelExt;
    pub use crate::query::QuerySet;
    // The traits and the derives of the same names.
    pub use crate::{Columns, Model};
}
pub mod tracked;

pub use tracked::Tracked;
