//! [`DeserializeRow`]: reading a whole result row into a Rust type.

use super::{CqlValue, DeserializeValue, ValueError};
use crate::types::ColumnSpec;
use crate::version::ProtocolVersion;

/// A Rust type that a result row can be read into.
///
/// Implemented for tuples of 1 to 16 [`DeserializeValue`] elements (the
/// tuple's arity must equal the number of columns) and for
/// `Vec<Option<CqlValue>>` (any number of columns). Errors name the column
/// they come from ([`ValueError::Column`]).
///
/// ```
/// use cql_protocol::value::DeserializeRow;
/// use cql_protocol::{ColumnSpec, ColumnType, ProtocolVersion, TableSpec};
///
/// let table = TableSpec::new("ks", "users");
/// let columns = [
///     ColumnSpec::new(table.clone(), "name", ColumnType::Varchar),
///     ColumnSpec::new(table, "age", ColumnType::Int),
/// ];
/// let cells: [Option<&[u8]>; 2] = [Some(b"ada"), None];
/// let (name, age) = <(&str, Option<i32>)>::deserialize_row(
///     &columns,
///     cells.into_iter(),
///     ProtocolVersion::V2,
/// )?;
/// assert_eq!((name, age), ("ada", None));
/// # Ok::<(), cql_protocol::value::ValueError>(())
/// ```
pub trait DeserializeRow<'frame>: Sized {
    /// Reads a row: `columns` are the result columns; `values` yields each
    /// column's raw bytes (`None` for null) in order.
    fn deserialize_row<I: Iterator<Item = Option<&'frame [u8]>>>(
        columns: &[ColumnSpec],
        values: I,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError>;
}

/// Reads column `index`, wrapping any error with the column's index and name.
fn column<'f, T, I>(
    columns: &[ColumnSpec],
    index: usize,
    values: &mut I,
    version: ProtocolVersion,
) -> Result<T, ValueError>
where
    T: DeserializeValue<'f>,
    I: Iterator<Item = Option<&'f [u8]>>,
{
    let Some(spec) = columns.get(index) else {
        return Err(ValueError::WrongColumnCount {
            expected: index + 1,
            got: columns.len(),
        });
    };
    let Some(raw) = values.next() else {
        return Err(ValueError::WrongValueCount {
            expected: columns.len(),
            got: index,
        });
    };
    T::deserialize(&spec.ty, raw, version).map_err(|e| e.in_column(index, spec.name.clone()))
}

/// Fails if `values` holds more than the `expected` values already read.
fn expect_end<'f, I>(expected: usize, values: I) -> Result<(), ValueError>
where
    I: Iterator<Item = Option<&'f [u8]>>,
{
    match values.count() {
        0 => Ok(()),
        extra => Err(ValueError::WrongValueCount {
            expected,
            got: expected + extra,
        }),
    }
}

macro_rules! tuple_row {
    ($len:expr; $($t:ident $idx:tt),+) => {
        impl<'frame, $($t: DeserializeValue<'frame>),+> DeserializeRow<'frame> for ($($t,)+) {
            fn deserialize_row<I: Iterator<Item = Option<&'frame [u8]>>>(
                columns: &[ColumnSpec],
                mut values: I,
                version: ProtocolVersion,
            ) -> Result<Self, ValueError> {
                if columns.len() != $len {
                    return Err(ValueError::WrongColumnCount {
                        expected: $len,
                        got: columns.len(),
                    });
                }
                let row = ($(column::<$t, I>(columns, $idx, &mut values, version)?,)+);
                expect_end($len, values)?;
                Ok(row)
            }
        }
    };
}

tuple_row!(1; T0 0);
tuple_row!(2; T0 0, T1 1);
tuple_row!(3; T0 0, T1 1, T2 2);
tuple_row!(4; T0 0, T1 1, T2 2, T3 3);
tuple_row!(5; T0 0, T1 1, T2 2, T3 3, T4 4);
tuple_row!(6; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5);
tuple_row!(7; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6);
tuple_row!(8; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7);
tuple_row!(9; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8);
tuple_row!(10; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9);
tuple_row!(11; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10);
tuple_row!(12; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11);
tuple_row!(13; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11,
    T12 12);
tuple_row!(14; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11,
    T12 12, T13 13);
tuple_row!(15; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11,
    T12 12, T13 13, T14 14);
tuple_row!(16; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10, T11 11,
    T12 12, T13 13, T14 14, T15 15);

impl<'frame> DeserializeRow<'frame> for Vec<Option<CqlValue>> {
    /// Reads every column as an optional [`CqlValue`] (`None` for null).
    fn deserialize_row<I: Iterator<Item = Option<&'frame [u8]>>>(
        columns: &[ColumnSpec],
        mut values: I,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        let mut row = Vec::with_capacity(columns.len());
        for index in 0..columns.len() {
            row.push(column::<Option<CqlValue>, I>(
                columns,
                index,
                &mut values,
                version,
            )?);
        }
        expect_end(columns.len(), values)?;
        Ok(row)
    }
}
