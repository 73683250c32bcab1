//! Column groups: columns shared by several models (cqlengine's abstract
//! base models), made with `#[derive(Columns)]` and included in a model by
//! a `#[cql(flatten)]` field.

use std::fmt;

use cql_driver::FromRow;
use cql_protocol::value::ValueError;
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};

use crate::error::ValidationError;
use crate::schema::{ColumnDef, ColumnRole};

/// A reusable group of columns: a struct with `#[derive(Columns)]`, whose
/// fields are columns (with the same `#[cql(...)]` attributes as a model's
/// fields), included in a model by a field marked `#[cql(flatten)]`.
///
/// The group's columns take the flattened field's place in the model's
/// schema, one after the other, in the group's field order (so a group's
/// keys fall in the model's key order where the field is). Its typed
/// columns, in the model's column module, are a struct of
/// [`Column`](crate::Column)s ([`Columns`](ColumnGroup::Columns)): with
/// `#[cql(flatten)] stamps: Timestamps` in `User`, the constant
/// `user::stamps` is a `TimestampsColumns<User>`, and
/// `user::stamps.created` a `Column<User, CqlTimestamp>`.
///
/// Implement it with the derive: the model's derive relies on the
/// generated `Columns` struct's constructors, and on the invariants below.
/// The rules that involve the model's other columns (a partition key, the
/// counter table rules, duplicate column names...) are checked by
/// [`ModelSchema::check`](crate::ModelSchema::check) when the model is
/// first used.
///
/// ```
/// use cqlengine::driver::protocol::value::CqlTimestamp;
/// use cqlengine::{ColumnGroup, Columns, Model};
///
/// /// When a row was created and last changed.
/// #[derive(Columns, Debug, Clone, PartialEq)]
/// pub struct Timestamps {
///     pub created: CqlTimestamp,
///     #[cql(db_field = "updated_at")]
///     pub updated: Option<CqlTimestamp>,
/// }
///
/// #[derive(Model, Debug, Clone, PartialEq)]
/// pub struct User {
///     #[cql(partition_key)]
///     pub id: i32,
///     #[cql(flatten)]
///     pub stamps: Timestamps,
///     pub name: Option<String>,
/// }
///
/// # fn main() {
/// assert_eq!(Timestamps::COLUMN_COUNT, 2);
/// assert_eq!(Timestamps::COLUMN_NAMES, ["created", "updated_at"]);
/// let names: Vec<&str> = User::schema().columns.iter().map(|c| c.name).collect();
/// assert_eq!(names, ["id", "created", "updated_at", "name"]);
/// // Typed columns of the group, at their places in User's schema.
/// assert_eq!(user::stamps.updated.index(), 2);
/// assert_eq!(user::name.index(), 3);
/// let recent = user::stamps.created.gt(CqlTimestamp(1_700_000_000_000));
/// # let _ = recent;
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column group",
    label = "a #[cql(flatten)] field holds a column group",
    note = "derive it: #[derive(cqlengine::Columns)] on a struct with named fields"
)]
pub trait ColumnGroup: FromRow + Send + Sync + Sized + 'static {
    /// How many columns the group has (a group flattened in it counts all
    /// of its own); `column_defs` returns that many, and a model's column
    /// indexes after the group are offset by it.
    const COLUMN_COUNT: usize;

    /// The columns' CQL names, in order (`COLUMN_COUNT` of them).
    const COLUMN_NAMES: &'static [&'static str];

    /// The group's typed columns within model `M` (a struct of
    /// [`Column<M, T>`](crate::Column), one per field, made by the derive
    /// as `{Group}Columns<M>`).
    type Columns<M>: Copy + fmt::Debug;

    /// The column definitions, in order.
    fn column_defs() -> Vec<ColumnDef>;

    /// Serializes the field of the group's column `index` (counted from
    /// the group's first column) as a value of type `ty`.
    fn column_value(
        &self,
        index: usize,
        ty: &ColumnType,
        version: ProtocolVersion,
    ) -> Result<RawValue, ValueError>;

    /// Checks every field against `columns`, the group's column
    /// definitions as the model `model` has them (in order).
    fn validate(&self, model: &'static str, columns: &[ColumnDef]) -> Result<(), ValidationError>;
}

/// Reads a flattened group from a row (through [`FromRow`], which every
/// group implements); the derived `FromRow` of a model calls it, so that a
/// field type that is not a group is reported as such.
#[doc(hidden)]
pub fn read_group<G: ColumnGroup>(row: &cql_driver::Row) -> Result<G, cql_driver::RowError> {
    G::from_row(row)
}

/// cqlengine's rule for a model that flattens column groups (the derive
/// applies it at compile time to a model without groups): when no column
/// is a partition key, the first column is, if it can be (a regular,
/// non-counter column). Otherwise the columns are left as they are, and
/// [`ModelSchema::check`](crate::ModelSchema::check) says why.
#[doc(hidden)]
pub fn implicit_partition_key(columns: &mut [ColumnDef]) {
    if columns.iter().any(|c| c.role == ColumnRole::PartitionKey) {
        return;
    }
    if let Some(first) = columns.first_mut() {
        if first.role == ColumnRole::Regular && !first.is_counter() {
            first.role = ColumnRole::PartitionKey;
        }
    }
}

/// The names of `parts`, one after the other, as an array of `N` (for the
/// `COLUMN_NAMES` of a group that flattens other groups). A wrong `N` is
/// an error of the constant's evaluation, at compile time.
#[doc(hidden)]
pub const fn concat_names<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut k = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            if k == N {
                panic!("more column names than COLUMN_COUNT");
            }
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    if k != N {
        panic!("fewer column names than COLUMN_COUNT");
    }
    out
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `name` is among the names of `variants` before the position
/// (`v`, `s`, `n`).
const fn seen_before(variants: &[&[&[&str]]], v: usize, s: usize, n: usize, name: &str) -> bool {
    let mut vi = 0;
    while vi <= v && vi < variants.len() {
        let mut si = 0;
        while si < variants[vi].len() && (vi < v || si <= s) {
            let mut ni = 0;
            while ni < variants[vi][si].len() && (vi < v || si < s || ni < n) {
                if str_eq(variants[vi][si][ni], name) {
                    return true;
                }
                ni += 1;
            }
            si += 1;
        }
        vi += 1;
    }
    false
}

/// The index of the column `name` in the schema of a polymorphic enum
/// model whose variants' column names are `variants` (each a list of
/// segments: runs of plain columns and flattened groups' `COLUMN_NAMES`):
/// the union by name in first-seen order, as
/// [`ModelSchema::polymorphic`](crate::ModelSchema::polymorphic) builds
/// it. The enum's column module calls it in constants when a variant
/// flattens a group.
#[doc(hidden)]
pub const fn union_index(variants: &[&[&[&str]]], name: &str) -> usize {
    let mut count = 0;
    let mut v = 0;
    while v < variants.len() {
        let mut s = 0;
        while s < variants[v].len() {
            let mut n = 0;
            while n < variants[v][s].len() {
                let current = variants[v][s][n];
                if !seen_before(variants, v, s, n, current) {
                    if str_eq(current, name) {
                        return count;
                    }
                    count += 1;
                }
                n += 1;
            }
            s += 1;
        }
        v += 1;
    }
    panic!("a column of a polymorphic model is not in its variants' columns");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_indexes_follow_first_seen_order() {
        const VARIANTS: &[&[&[&str]]] = &[
            &[&["id", "kind"], &["created", "updated"], &["lives"]],
            &[&["id"], &["kind", "good"], &["created"], &[], &["bark"]],
        ];
        let names = ["id", "kind", "created", "updated", "lives", "good", "bark"];
        for (i, name) in names.iter().enumerate() {
            assert_eq!(union_index(VARIANTS, name), i, "{name}");
        }
        const GOOD: usize = union_index(VARIANTS, "good");
        assert_eq!(GOOD, 5);
    }

    #[test]
    fn names_concatenate() {
        const NAMES: [&str; 3] = concat_names::<3>(&[&["a"], &[], &["b", "c"]]);
        assert_eq!(NAMES, ["a", "b", "c"]);
    }

    #[test]
    fn first_regular_column_becomes_the_partition_key() {
        let mut columns = vec![
            ColumnDef::new("a", "a", ColumnType::Int),
            ColumnDef::new("b", "b", ColumnType::Int),
        ];
        implicit_partition_key(&mut columns);
        assert_eq!(columns[0].role, ColumnRole::PartitionKey);
        assert_eq!(columns[1].role, ColumnRole::Regular);

        let mut counters = vec![ColumnDef::new("c", "c", ColumnType::Counter)];
        implicit_partition_key(&mut counters);
        assert_eq!(counters[0].role, ColumnRole::Regular);
    }
}
