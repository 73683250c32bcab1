//! Typed column expressions: filters and assignments checked by the
//! compiler against each column's Rust type.
//!
//! `#[derive(Model)]` on `User` makes a module `user` with one constant per
//! field, e.g. `user::age: Column<User, i32>`; `user::age.gt(30)` is a
//! [`Filter<User>`], and `user::name.set("ada")` an [`Assignment<User>`].
//!
//! ```no_run
//! use cqlengine::{prelude::*, Model};
//!
//! #[derive(Model, Debug, Clone)]
//! struct User {
//!     #[cql(partition_key)]
//!     id: i32,
//!     #[cql(index)]
//!     name: Option<String>,
//!     age: i32,
//! }
//!
//! # async fn example() -> cqlengine::Result<()> {
//! // Filters: the values must convert into the column's type.
//! let adas = User::filter(user::name.eq("Ada"))
//!     .filter(user::age.gte(18))
//!     .allow_filtering()
//!     .all()
//!     .await?;
//! // Assignments: an UPDATE of chosen columns of a row.
//! for ada in &adas {
//!     ada.update_fields(vec![user::name.set("Ada Lovelace"), user::age.set(ada.age + 1)])
//!         .await?;
//! }
//! # Ok(()) }
//! # fn main() {}
//! ```

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::marker::PhantomData;

use cql_protocol::value::{CqlTimestamp, SerializeValue};
use uuid::Uuid;

use crate::model::{CqlColumn, Model};

/// A value bound to a statement: any value the driver can serialize, boxed
/// so that values of different types fit in one list (a filter's or an
/// assignment's values).
///
/// ```
/// use cqlengine::column::BoxedValue;
/// use cqlengine::driver::protocol::value::to_raw_value;
/// use cqlengine::driver::protocol::{ColumnType, ProtocolVersion, RawValue};
///
/// let values: Vec<BoxedValue> = vec![Box::new(7_i32), Box::new("ada".to_string())];
/// let raw = to_raw_value(values[1].as_ref(), &ColumnType::Varchar, ProtocolVersion::V2).unwrap();
/// assert_eq!(raw, RawValue::Value("ada".into()));
/// ```
pub type BoxedValue = Box<dyn SerializeValue + Send + Sync>;

/// The values of a filter or an assignment: most have one, which takes no
/// second allocation.
pub(crate) enum Values {
    One(BoxedValue),
    Many(Vec<BoxedValue>),
}

impl Values {
    /// The values, in the order of their markers.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, BoxedValue> {
        match self {
            Values::One(value) => std::slice::from_ref(value).iter(),
            Values::Many(values) => values.iter(),
        }
    }
}

impl From<BoxedValue> for Values {
    fn from(value: BoxedValue) -> Self {
        Values::One(value)
    }
}

impl From<Vec<BoxedValue>> for Values {
    fn from(values: Vec<BoxedValue>) -> Self {
        Values::Many(values)
    }
}

/// A column of model `M` whose Rust type is `T` (without `Option`).
///
/// The derive makes one per field, in a module named after the model
/// (`user::age` below). Its methods build [`Filter`]s and
/// [`Assignment`]s that take only values converting into `T`.
///
/// ```
/// use cqlengine::{prelude::*, Model};
///
/// #[derive(Model, Debug, Clone)]
/// struct User {
///     #[cql(partition_key)]
///     id: i32,
///     #[cql(index, db_field = "n")]
///     name: Option<String>,
///     age: i32,
/// }
///
/// # fn main() {
/// let age: Column<User, i32> = user::age;
/// assert_eq!((age.name(), age.index()), ("age", 2));
/// // An `Option<String>` field is a `Column<User, String>`, named as stored.
/// let name: Column<User, String> = user::name;
/// assert_eq!(name.name(), "n");
///
/// let query = User::filter(name.eq("ada")).filter(age.gte(18)).allow_filtering();
/// # let _ = query;
/// # }
/// ```
///
/// A value of the wrong type does not compile:
///
/// ```compile_fail,E0277
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # fn main() {
/// let wrong = user::age.eq("eighteen");
/// # }
/// ```
pub struct Column<M, T> {
    index: usize,
    name: &'static str,
    marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

/// A comparison operator, for [`token`] ranges, timeuuid ranges
/// ([`Column::cmp_time`]) and to read what a filter does.
///
/// ```
/// use cqlengine::Op;
///
/// let ops = [Op::Eq, Op::In, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
/// assert_eq!(ops.map(Op::cql), ["=", "IN", ">", ">=", "<", "<="]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `IN`
    In,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
}

impl Op {
    /// The operator in CQL.
    ///
    /// ```
    /// use cqlengine::Op;
    ///
    /// assert_eq!(Op::Gte.cql(), ">=");
    /// assert_eq!(Op::In.cql(), "IN");
    /// ```
    pub fn cql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::In => "IN",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
        }
    }
}

/// What a filter compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A column, by schema index.
    Column(usize),
    /// `token(partition key)`.
    Token,
}

/// The right-hand side of a condition, with `?` markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rhs {
    /// `?`
    Marker,
    /// `(?, ?, ...)`, with this many markers.
    Markers(usize),
    /// `MinTimeUUID(?)`
    MinTimeUuid,
    /// `MaxTimeUUID(?)`
    MaxTimeUuid,
}

impl fmt::Display for Rhs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rhs::Marker => f.write_str("?"),
            Rhs::Markers(n) => {
                f.write_str("(")?;
                for i in 0..*n {
                    f.write_str(if i == 0 { "?" } else { ", ?" })?;
                }
                f.write_str(")")
            }
            Rhs::MinTimeUuid => f.write_str("MinTimeUUID(?)"),
            Rhs::MaxTimeUuid => f.write_str("MaxTimeUUID(?)"),
        }
    }
}

/// A WHERE condition on model `M`, made by a [`Column`]'s methods (or
/// [`token`]) and given to [`QuerySet::filter`](crate::QuerySet::filter)
/// or, as a lightweight-transaction condition, to
/// [`Write::iff`](crate::Write::iff). A filter of one model cannot be used
/// on another.
///
/// ```
/// # use cqlengine::{prelude::*, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # fn main() {
/// let filters: Vec<Filter<User>> = vec![user::name.eq("Ada"), user::age.gt(30)];
/// assert_eq!(format!("{:?}", filters[1]), "Filter(Column(2) > ?)");
///
/// let query = filters.into_iter().fold(User::objects(), QuerySet::filter).allow_filtering();
/// # let _ = query;
/// # }
/// ```
pub struct Filter<M> {
    pub(crate) target: Target,
    pub(crate) op: Op,
    pub(crate) rhs: Rhs,
    pub(crate) values: Values,
    marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Filter<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Filter({:?} {} {})",
            self.target,
            self.op.cql(),
            self.rhs
        )
    }
}

impl<M> Filter<M> {
    pub(crate) fn new(target: Target, op: Op, rhs: Rhs, values: impl Into<Values>) -> Self {
        Filter {
            target,
            op,
            rhs,
            values: values.into(),
            marker: PhantomData,
        }
    }
}

/// A SET clause item of an UPDATE on model `M`, made by a [`Column`]'s
/// methods and given to [`ModelExt::update_fields`](crate::ModelExt::update_fields)
/// or [`QuerySet::update`](crate::QuerySet::update). Its `Debug` output
/// shows the CQL.
///
/// ```
/// # use cqlengine::{prelude::*, Model, Assignment};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
/// # fn main() {
/// let changes: Vec<Assignment<User>> = vec![user::name.set("Ada"), user::age.set(37)];
/// assert_eq!(format!("{:?}", changes[1]), r#"Assignment("age" = ?)"#);
/// # }
/// ```
pub struct Assignment<M> {
    pub(crate) index: usize,
    /// CQL of the assignment with `?` markers, the column name quoted.
    pub(crate) cql: String,
    pub(crate) values: Values,
    marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Assignment({})", self.cql)
    }
}

impl<M> Assignment<M> {
    fn new(index: usize, cql: String, values: impl Into<Values>) -> Self {
        Assignment {
            index,
            cql,
            values: values.into(),
            marker: PhantomData,
        }
    }
}

impl<M, T> Column<M, T> {
    /// The column at schema index `index`, named `name` in Cassandra. The
    /// derive makes these; they are not meant to be written by hand.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// // What the derive declares for the third field of `User`:
    /// const AGE: Column<User, i32> = Column::new(2, "age");
    /// assert_eq!((AGE.index(), AGE.name()), (user::age.index(), user::age.name()));
    /// # }
    /// ```
    pub const fn new(index: usize, name: &'static str) -> Self {
        Column {
            index,
            name,
            marker: PhantomData,
        }
    }

    /// The column's name in Cassandra.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// #[derive(Model, Debug, Clone)]
    /// struct User {
    ///     #[cql(partition_key)]
    ///     id: i32,
    ///     #[cql(db_field = "full_name")]
    ///     name: Option<String>,
    /// }
    ///
    /// # fn main() {
    /// assert_eq!(user::name.name(), "full_name");
    /// let names = User::objects().only(&[user::id.name(), user::name.name()]);
    /// # let _ = names;
    /// # }
    /// ```
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The column's index in the model's schema.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// let column = &User::schema().columns[user::age.index()];
    /// assert_eq!(column.field, "age");
    /// # }
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    fn quoted(&self) -> String {
        crate::schema::quote(self.name)
    }
}

impl<M: Model, T: CqlColumn + 'static> Column<M, T> {
    fn compare(self, op: Op, value: impl Into<T>) -> Filter<M> {
        let value: BoxedValue = Box::new(value.into());
        Filter::new(Target::Column(self.index), op, Rhs::Marker, value)
    }

    /// `column = value`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// // A `&str` converts into the `String` column.
    /// let ada = user::name.eq("ada");
    /// assert_eq!(format!("{ada:?}"), "Filter(Column(1) = ?)");
    /// let query = User::filter(ada);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn eq(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Eq, value)
    }

    /// `column > value`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # fn main() {
    /// let after_10 = post::seq.gt(10);
    /// assert_eq!(format!("{after_10:?}"), "Filter(Column(1) > ?)");
    /// let query = Post::filter(post::author.eq(7)).filter(after_10);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn gt(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Gt, value)
    }

    /// `column >= value`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # fn main() {
    /// let from_10 = post::seq.gte(10);
    /// assert_eq!(format!("{from_10:?}"), "Filter(Column(1) >= ?)");
    /// let query = Post::filter(post::author.eq(7)).filter(from_10);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn gte(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Gte, value)
    }

    /// `column < value`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # fn main() {
    /// let before_20 = post::seq.lt(20);
    /// assert_eq!(format!("{before_20:?}"), "Filter(Column(1) < ?)");
    /// let query = Post::filter(post::author.eq(7)).filter(before_20);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn lt(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Lt, value)
    }

    /// `column <= value`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Post { #[cql(partition_key)] author: i32, #[cql(clustering_key)] seq: i32, title: String }
    /// # fn main() {
    /// let up_to_20 = post::seq.lte(20);
    /// assert_eq!(format!("{up_to_20:?}"), "Filter(Column(1) <= ?)");
    /// let query = Post::filter(post::author.eq(7)).filter(up_to_20);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn lte(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Lte, value)
    }

    /// `column IN (values...)`: one `?` per value.
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// let some = user::id.in_([1, 2, 3]);
    /// assert_eq!(format!("{some:?}"), "Filter(Column(0) IN (?, ?, ?))");
    /// let query = User::filter(some);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn in_<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<M> {
        let values: Vec<BoxedValue> = values
            .into_iter()
            .map(|v| Box::new(v.into()) as BoxedValue)
            .collect();
        Filter::new(
            Target::Column(self.index),
            Op::In,
            Rhs::Markers(values.len()),
            values,
        )
    }

    /// `SET column = value` (a null value deletes the cell, in the same
    /// statement).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # fn main() {
    /// let rename = user::name.set("Ada Lovelace");
    /// assert_eq!(format!("{rename:?}"), r#"Assignment("name" = ?)"#);
    /// # }
    /// ```
    pub fn set(self, value: impl Into<T>) -> Assignment<M> {
        Assignment::new(
            self.index,
            format!("{} = ?", self.quoted()),
            Box::new(value.into()) as BoxedValue,
        )
    }

    /// `SET column = null`: deletes the cell.
    ///
    /// ```no_run
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
    /// # async fn example() -> cqlengine::Result<()> {
    /// let ada = User::filter(user::id.eq(1)).get().await?;
    /// // UPDATE ... SET "name" = ? WHERE "id" = ?, with a null value
    /// ada.update_fields(vec![user::name.set_null()]).await?;
    /// # Ok(()) }
    /// # fn main() {}
    /// ```
    pub fn set_null(self) -> Assignment<M> {
        Assignment::new(
            self.index,
            format!("{} = ?", self.quoted()),
            Box::new(None::<T>) as BoxedValue,
        )
    }
}

/// The bound of a timeuuid range: `MinTimeUUID(t)` or `MaxTimeUUID(t)`,
/// for [`Column::cmp_time`]. `t` is in milliseconds since the epoch.
///
/// ```no_run
/// use cqlengine::driver::protocol::value::CqlTimestamp;
/// use cqlengine::{prelude::*, Model, TimeUuidBound};
/// use uuid::Uuid;
///
/// #[derive(Model, Debug, Clone)]
/// struct Event {
///     #[cql(partition_key)]
///     stream: i32,
///     #[cql(clustering_key, timeuuid)]
///     at: Uuid,
/// }
///
/// # async fn example() -> cqlengine::Result<()> {
/// // The events of stream 1 during the second second of 1970.
/// let events = Event::filter(event::stream.eq(1))
///     .filter(event::at.cmp_time(Op::Gte, TimeUuidBound::Min(CqlTimestamp(1_000))))
///     .filter(event::at.cmp_time(Op::Lt, TimeUuidBound::Min(CqlTimestamp(2_000))))
///     .all()
///     .await?;
/// # Ok(()) }
/// # fn main() {}
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUuidBound {
    /// The smallest timeuuid of millisecond `t`.
    Min(CqlTimestamp),
    /// The largest timeuuid of millisecond `t`.
    Max(CqlTimestamp),
}

impl<M: Model> Column<M, Uuid> {
    /// `column <op> MinTimeUUID(t)` / `MaxTimeUUID(t)`, for timeuuid columns.
    ///
    /// ```
    /// use cqlengine::driver::protocol::value::CqlTimestamp;
    /// use cqlengine::{prelude::*, Model, TimeUuidBound};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct Event { #[cql(partition_key)] stream: i32, #[cql(clustering_key, timeuuid)] at: uuid::Uuid }
    ///
    /// # fn main() {
    /// let since = event::at.cmp_time(Op::Gt, TimeUuidBound::Min(CqlTimestamp(1_500)));
    /// assert_eq!(format!("{since:?}"), "Filter(Column(1) > MinTimeUUID(?))");
    /// let query = Event::filter(event::stream.eq(1)).filter(since);
    /// # let _ = query;
    /// # }
    /// ```
    pub fn cmp_time(self, op: Op, bound: TimeUuidBound) -> Filter<M> {
        let (rhs, time) = match bound {
            TimeUuidBound::Min(t) => (Rhs::MinTimeUuid, t),
            TimeUuidBound::Max(t) => (Rhs::MaxTimeUuid, t),
        };
        Filter::new(
            Target::Column(self.index),
            op,
            rhs,
            Box::new(time) as BoxedValue,
        )
    }
}

impl<M: Model, T: CqlColumn + 'static> Column<M, Vec<T>> {
    /// `SET column = column + [values]`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, scores: Option<Vec<i32>> }
    /// # fn main() {
    /// let more = user::scores.append(vec![90, 95]);
    /// assert_eq!(format!("{more:?}"), r#"Assignment("scores" = "scores" + ?)"#);
    /// # }
    /// ```
    pub fn append(self, values: Vec<T>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(
            self.index,
            format!("{q} = {q} + ?"),
            Box::new(values) as BoxedValue,
        )
    }

    /// `SET column = [values] + column`
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, scores: Option<Vec<i32>> }
    /// # fn main() {
    /// let first = user::scores.prepend(vec![100]);
    /// assert_eq!(format!("{first:?}"), r#"Assignment("scores" = ? + "scores")"#);
    /// # }
    /// ```
    pub fn prepend(self, values: Vec<T>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(
            self.index,
            format!("{q} = ? + {q}"),
            Box::new(values) as BoxedValue,
        )
    }
}

macro_rules! set_operators {
    ($set:ident, $($bound:tt)*) => {
        impl<M: Model, T: CqlColumn + $($bound)* + 'static> Column<M, $set<T>> {
            /// `SET column = column + {values}`
            ///
            #[doc = concat!("```
# use cqlengine::{prelude::*, Model};
use std::collections::", stringify!($set), ";
# #[derive(Model, Debug, Clone)]
# struct User { #[cql(partition_key)] id: i32, tags: Option<", stringify!($set), "<String>> }
# fn main() {
let tag = user::tags.add_items(", stringify!($set), "::from([\"admin\".to_string()]));
assert_eq!(format!(\"{tag:?}\"), r#\"Assignment(\"tags\" = \"tags\" + ?)\"#);
# }
```")]
            pub fn add_items(self, values: $set<T>) -> Assignment<M> {
                let q = self.quoted();
                Assignment::new(self.index, format!("{q} = {q} + ?"), Box::new(values) as BoxedValue)
            }

            /// `SET column = column - {values}`
            ///
            #[doc = concat!("```
# use cqlengine::{prelude::*, Model};
use std::collections::", stringify!($set), ";
# #[derive(Model, Debug, Clone)]
# struct User { #[cql(partition_key)] id: i32, tags: Option<", stringify!($set), "<String>> }
# fn main() {
let untag = user::tags.remove_items(", stringify!($set), "::from([\"admin\".to_string()]));
assert_eq!(format!(\"{untag:?}\"), r#\"Assignment(\"tags\" = \"tags\" - ?)\"#);
# }
```")]
            pub fn remove_items(self, values: $set<T>) -> Assignment<M> {
                let q = self.quoted();
                Assignment::new(self.index, format!("{q} = {q} - ?"), Box::new(values) as BoxedValue)
            }
        }
    };
}

set_operators!(BTreeSet, Ord);
set_operators!(HashSet, Eq + std::hash::Hash);

impl<M: Model, K: CqlColumn + Ord + 'static, V: CqlColumn + 'static> Column<M, BTreeMap<K, V>> {
    /// `SET column[k] = v` for each entry: one assignment per key, so the
    /// other entries of the map stay as they are.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, attrs: Option<BTreeMap<String, String>> }
    /// # fn main() {
    /// let entries = BTreeMap::from([("theme".to_string(), "dark".to_string())]);
    /// let sets = user::attrs.update(entries);
    /// assert_eq!(format!("{sets:?}"), r#"[Assignment("attrs"[?] = ?)]"#);
    /// # }
    /// ```
    pub fn update(self, entries: BTreeMap<K, V>) -> Vec<Assignment<M>> {
        let q = self.quoted();
        entries
            .into_iter()
            .map(|(k, v)| {
                Assignment::new(
                    self.index,
                    format!("{q}[?] = ?"),
                    vec![Box::new(k) as BoxedValue, Box::new(v)],
                )
            })
            .collect()
    }

    /// `SET column = column - {keys}`
    ///
    /// ```
    /// use std::collections::{BTreeMap, BTreeSet};
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct User { #[cql(partition_key)] id: i32, attrs: Option<BTreeMap<String, String>> }
    /// # fn main() {
    /// let forget = user::attrs.remove_keys(BTreeSet::from(["theme".to_string()]));
    /// assert_eq!(format!("{forget:?}"), r#"Assignment("attrs" = "attrs" - ?)"#);
    /// # }
    /// ```
    pub fn remove_keys(self, keys: BTreeSet<K>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(
            self.index,
            format!("{q} = {q} - ?"),
            Box::new(keys) as BoxedValue,
        )
    }
}

impl<M: Model> Column<M, i64> {
    /// `SET column = column + delta` (counters).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct PageHits { #[cql(partition_key)] page: String, #[cql(counter)] hits: i64 }
    /// # fn main() {
    /// let hit = page_hits::hits.incr(1);
    /// assert_eq!(format!("{hit:?}"), r#"Assignment("hits" = "hits" + ?)"#);
    /// let home = PageHits { page: "/".into(), hits: 0 };
    /// let write = home.update_fields(vec![hit]); // run with `.await`
    /// # let _ = write;
    /// # }
    /// ```
    pub fn incr(self, delta: i64) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(
            self.index,
            format!("{q} = {q} + ?"),
            Box::new(delta) as BoxedValue,
        )
    }

    /// `SET column = column - delta` (counters).
    ///
    /// ```
    /// # use cqlengine::{prelude::*, Model};
    /// # #[derive(Model, Debug, Clone)]
    /// # struct PageHits { #[cql(partition_key)] page: String, #[cql(counter)] hits: i64 }
    /// # fn main() {
    /// let undo = page_hits::hits.decr(1);
    /// assert_eq!(format!("{undo:?}"), r#"Assignment("hits" = "hits" - ?)"#);
    /// # }
    /// ```
    pub fn decr(self, delta: i64) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(
            self.index,
            format!("{q} = {q} - ?"),
            Box::new(delta) as BoxedValue,
        )
    }
}

/// `token(partition key) <op> ?`: token range filters, for scanning a
/// table by ranges of the ring.
///
/// ```
/// use cqlengine::{prelude::*, token, Model};
/// # #[derive(Model, Debug, Clone)]
/// # struct User { #[cql(partition_key)] id: i32, #[cql(index)] name: Option<String>, age: i32 }
///
/// # fn main() {
/// // The first page of a full scan; the next starts after the last row's token.
/// let start = token::<User>(Op::Gt, i64::MIN);
/// assert_eq!(format!("{start:?}"), "Filter(Token > ?)");
/// let page = User::objects().filter(start).limit(1000);
/// # let _ = page;
/// # }
/// ```
pub fn token<M: Model>(op: Op, token: i64) -> Filter<M> {
    Filter::new(
        Target::Token,
        op,
        Rhs::Marker,
        Box::new(token) as BoxedValue,
    )
}
