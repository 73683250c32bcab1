//! Typed column expressions: filters and assignments checked by the
//! compiler against each column's Rust type.
//!
//! `#[derive(Model)]` on `User` makes a module `user` with one constant per
//! field, e.g. `user::age: Column<User, i32>`; `user::age.gt(30)` is a
//! [`Filter<User>`], and `user::name.set("ada")` an [`Assignment<User>`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::marker::PhantomData;

use cql_protocol::value::{CqlTimestamp, SerializeValue};
use uuid::Uuid;

use crate::model::{CqlColumn, Model};

/// A value bound to a statement.
pub type BoxedValue = Box<dyn SerializeValue + Send + Sync>;

/// A column of model `M` whose Rust type is `T` (without `Option`).
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

/// A comparison operator.
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

/// A WHERE condition on model `M`.
pub struct Filter<M> {
    pub(crate) target: Target,
    pub(crate) op: Op,
    pub(crate) rhs: Rhs,
    pub(crate) values: Vec<BoxedValue>,
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
    pub(crate) fn new(target: Target, op: Op, rhs: Rhs, values: Vec<BoxedValue>) -> Self {
        Filter {
            target,
            op,
            rhs,
            values,
            marker: PhantomData,
        }
    }
}

/// A SET clause item of an UPDATE on model `M`.
pub struct Assignment<M> {
    pub(crate) index: usize,
    /// CQL of the assignment with `?` markers, the column name quoted.
    pub(crate) cql: String,
    pub(crate) values: Vec<BoxedValue>,
    marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Assignment({})", self.cql)
    }
}

impl<M> Assignment<M> {
    fn new(index: usize, cql: String, values: Vec<BoxedValue>) -> Self {
        Assignment {
            index,
            cql,
            values,
            marker: PhantomData,
        }
    }
}

impl<M, T> Column<M, T> {
    /// The column at schema index `index`, named `name` in Cassandra. The
    /// derive makes these; they are not meant to be written by hand.
    pub const fn new(index: usize, name: &'static str) -> Self {
        Column {
            index,
            name,
            marker: PhantomData,
        }
    }

    /// The column's name in Cassandra.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The column's index in the model's schema.
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
        Filter::new(Target::Column(self.index), op, Rhs::Marker, vec![value])
    }

    /// `column = value`
    pub fn eq(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Eq, value)
    }

    /// `column > value`
    pub fn gt(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Gt, value)
    }

    /// `column >= value`
    pub fn gte(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Gte, value)
    }

    /// `column < value`
    pub fn lt(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Lt, value)
    }

    /// `column <= value`
    pub fn lte(self, value: impl Into<T>) -> Filter<M> {
        self.compare(Op::Lte, value)
    }

    /// `column IN (values...)`
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
    pub fn set(self, value: impl Into<T>) -> Assignment<M> {
        Assignment::new(
            self.index,
            format!("{} = ?", self.quoted()),
            vec![Box::new(value.into())],
        )
    }

    /// `SET column = null`: deletes the cell.
    pub fn set_null(self) -> Assignment<M> {
        Assignment::new(
            self.index,
            format!("{} = ?", self.quoted()),
            vec![Box::new(None::<T>)],
        )
    }
}

/// The bound of a timeuuid range: `MinTimeUUID(t)` or `MaxTimeUUID(t)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUuidBound {
    /// The smallest timeuuid of millisecond `t`.
    Min(CqlTimestamp),
    /// The largest timeuuid of millisecond `t`.
    Max(CqlTimestamp),
}

impl<M: Model> Column<M, Uuid> {
    /// `column <op> MinTimeUUID(t)` / `MaxTimeUUID(t)`, for timeuuid columns.
    pub fn cmp_time(self, op: Op, bound: TimeUuidBound) -> Filter<M> {
        let (rhs, time) = match bound {
            TimeUuidBound::Min(t) => (Rhs::MinTimeUuid, t),
            TimeUuidBound::Max(t) => (Rhs::MaxTimeUuid, t),
        };
        Filter::new(Target::Column(self.index), op, rhs, vec![Box::new(time)])
    }
}

impl<M: Model, T: CqlColumn + 'static> Column<M, Vec<T>> {
    /// `SET column = column + [values]`
    pub fn append(self, values: Vec<T>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(self.index, format!("{q} = {q} + ?"), vec![Box::new(values)])
    }

    /// `SET column = [values] + column`
    pub fn prepend(self, values: Vec<T>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(self.index, format!("{q} = ? + {q}"), vec![Box::new(values)])
    }
}

macro_rules! set_operators {
    ($set:ident, $($bound:tt)*) => {
        impl<M: Model, T: CqlColumn + $($bound)* + 'static> Column<M, $set<T>> {
            /// `SET column = column + {values}`
            pub fn add_items(self, values: $set<T>) -> Assignment<M> {
                let q = self.quoted();
                Assignment::new(self.index, format!("{q} = {q} + ?"), vec![Box::new(values)])
            }

            /// `SET column = column - {values}`
            pub fn remove_items(self, values: $set<T>) -> Assignment<M> {
                let q = self.quoted();
                Assignment::new(self.index, format!("{q} = {q} - ?"), vec![Box::new(values)])
            }
        }
    };
}

set_operators!(BTreeSet, Ord);
set_operators!(HashSet, Eq + std::hash::Hash);

impl<M: Model, K: CqlColumn + Ord + 'static, V: CqlColumn + 'static> Column<M, BTreeMap<K, V>> {
    /// `SET column[k] = v` for each entry.
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
    pub fn remove_keys(self, keys: BTreeSet<K>) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(self.index, format!("{q} = {q} - ?"), vec![Box::new(keys)])
    }
}

impl<M: Model> Column<M, i64> {
    /// `SET column = column + delta` (counters).
    pub fn incr(self, delta: i64) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(self.index, format!("{q} = {q} + ?"), vec![Box::new(delta)])
    }

    /// `SET column = column - delta` (counters).
    pub fn decr(self, delta: i64) -> Assignment<M> {
        let q = self.quoted();
        Assignment::new(self.index, format!("{q} = {q} - ?"), vec![Box::new(delta)])
    }
}

/// `token(partition key) <op> ?`: token range filters, for scanning a
/// table by ranges of the ring.
pub fn token<M: Model>(op: Op, token: i64) -> Filter<M> {
    Filter::new(Target::Token, op, Rhs::Marker, vec![Box::new(token)])
}
