//! Values bound to a statement: the [`SerializeValues`] trait and the
//! [`ValuesWriter`] its implementations write through.
//!
//! Every value of a request is serialized into one buffer, frozen once and
//! handed out as slices of it, so binding ten values costs one buffer (not
//! ten), and the copies a request keeps for retries and speculative
//! executions only count references.

use bytes::{Bytes, BytesMut};
use cql_protocol::value::{IsNull, SerializeValue, ValueError};
use cql_protocol::{ColumnSpec, ColumnType, ProtocolVersion, RawValue};

/// Values bound to a statement, serialized for its columns (prepared
/// statements) or by each value's natural type (simple statements).
///
/// Implemented for `()`, tuples of up to 16 [`SerializeValue`]s, and slices
/// and `Vec`s of one value type (`Box<dyn SerializeValue>` for mixed types).
/// A type of your own implements [`len`](Self::len) and
/// [`write_values`](Self::write_values):
///
/// ```
/// use cql_driver::statement::{SerializeValues, ValuesWriter};
/// use cql_protocol::value::ValueError;
/// use cql_protocol::{ProtocolVersion, RawValue};
///
/// struct Point {
///     x: i32,
///     y: i32,
/// }
///
/// impl SerializeValues for Point {
///     fn len(&self) -> usize {
///         2
///     }
///
///     fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
///         out.write(&self.x)?;
///         out.write(&self.y)
///     }
/// }
///
/// let raw = Point { x: 1, y: -1 }
///     .serialize_values(None, ProtocolVersion::V2)
///     .unwrap();
/// assert_eq!(raw[0], RawValue::Value(vec![0, 0, 0, 1].into()));
/// assert_eq!(raw[1], RawValue::Value(vec![0xff; 4].into()));
/// ```
pub trait SerializeValues {
    /// How many values there are.
    fn len(&self) -> usize;

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the values, in order, with [`ValuesWriter::write`].
    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError>;

    /// Serializes the values; `columns` are the bound columns when known.
    fn serialize_values(
        &self,
        columns: Option<&[ColumnSpec]>,
        version: ProtocolVersion,
    ) -> Result<Vec<RawValue>, ValueError> {
        let mut writer = ValuesWriter::new(columns, version, self.len());
        self.write_values(&mut writer)?;
        Ok(writer.finish())
    }
}

/// Serializes the values of one statement into a shared buffer: value `i`
/// takes the type of bound column `i` when the columns are known, else its
/// natural type.
///
/// Made by [`SerializeValues::serialize_values`]; see [`SerializeValues`]
/// for an implementation that uses it.
#[derive(Debug)]
pub struct ValuesWriter<'a> {
    columns: Option<&'a [ColumnSpec]>,
    version: ProtocolVersion,
    buf: BytesMut,
    /// Each value written: its range in `buf`, or `None` for null.
    spans: Vec<Option<(usize, usize)>>,
}

/// Bytes reserved per expected value: most bound values (keys, numbers,
/// short text) fit, so a request's values usually take one allocation.
const BYTES_PER_VALUE: usize = 24;

impl<'a> ValuesWriter<'a> {
    /// A writer for values of `columns` (or of their natural types when
    /// `None`), sized for about `expected` values.
    ///
    /// ```
    /// use cql_driver::statement::ValuesWriter;
    /// use cql_protocol::{ProtocolVersion, RawValue};
    ///
    /// let mut out = ValuesWriter::new(None, ProtocolVersion::V2, 2);
    /// out.write("text").unwrap();
    /// out.write(&None::<i32>).unwrap();
    /// assert_eq!(out.len(), 2);
    /// let raw = out.finish();
    /// assert_eq!(raw, [RawValue::Value("text".into()), RawValue::Null]);
    /// ```
    pub fn new(
        columns: Option<&'a [ColumnSpec]>,
        version: ProtocolVersion,
        expected: usize,
    ) -> Self {
        ValuesWriter {
            columns,
            version,
            buf: BytesMut::with_capacity(expected.saturating_mul(BYTES_PER_VALUE).min(4096)),
            spans: Vec::with_capacity(expected),
        }
    }

    /// The protocol version the values are serialized for.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// How many values have been written.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether no value has been written.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Serializes the next value. A value of no natural type (a null, an
    /// empty collection) for an unknown column is null. On an error nothing
    /// is kept of the value, and the error names the column when known.
    pub fn write<T: SerializeValue + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let index = self.spans.len();
        let start = self.buf.len();
        let column = self.columns.and_then(|c| c.get(index));
        let result = match column {
            Some(spec) => value
                .serialize(&spec.ty, self.version, &mut self.buf)
                .map_err(|e| e.in_column(index, spec.name.clone())),
            None => match value.natural_type() {
                Some(ty) => value.serialize(&ty, self.version, &mut self.buf),
                // A null, or an empty collection: null and empty write
                // nothing whatever the type, so any type serves.
                None => Ok(value
                    .serialize(&ColumnType::Blob, self.version, &mut self.buf)
                    .unwrap_or(IsNull::Yes)),
            },
        };
        let length = self.buf.len() - start;
        match result {
            Ok(IsNull::No) if length <= i32::MAX as usize => {
                self.spans.push(Some((start, self.buf.len())));
                Ok(())
            }
            Ok(IsNull::No) => {
                self.buf.truncate(start);
                Err(ValueError::ValueTooLarge {
                    length,
                    max: i32::MAX as usize,
                })
            }
            Ok(IsNull::Yes) => {
                self.buf.truncate(start);
                self.spans.push(None);
                Ok(())
            }
            Err(error) => {
                self.buf.truncate(start);
                Err(error)
            }
        }
    }

    /// The values written, in order, each a slice of one shared buffer.
    pub fn finish(self) -> Vec<RawValue> {
        let bytes: Bytes = self.buf.freeze();
        self.spans
            .into_iter()
            .map(|span| match span {
                Some((start, end)) => RawValue::Value(bytes.slice(start..end)),
                None => RawValue::Null,
            })
            .collect()
    }
}

impl SerializeValues for () {
    fn len(&self) -> usize {
        0
    }

    fn write_values(&self, _out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        Ok(())
    }

    fn serialize_values(
        &self,
        _columns: Option<&[ColumnSpec]>,
        _version: ProtocolVersion,
    ) -> Result<Vec<RawValue>, ValueError> {
        Ok(Vec::new())
    }
}

impl<T: SerializeValue> SerializeValues for [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        self.iter().try_for_each(|value| out.write(value))
    }
}

impl<T: SerializeValue> SerializeValues for Vec<T> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        self.as_slice().write_values(out)
    }
}

impl<V: SerializeValues + ?Sized> SerializeValues for &V {
    fn len(&self) -> usize {
        (**self).len()
    }

    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        (**self).write_values(out)
    }
}

macro_rules! tuple_values {
    ($count:expr; $($name:ident $index:tt),+) => {
        impl<$($name: SerializeValue),+> SerializeValues for ($($name,)+) {
            fn len(&self) -> usize {
                $count
            }

            fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
                $(out.write(&self.$index)?;)+
                Ok(())
            }
        }
    };
}

tuple_values!(1; A 0);
tuple_values!(2; A 0, B 1);
tuple_values!(3; A 0, B 1, C 2);
tuple_values!(4; A 0, B 1, C 2, D 3);
tuple_values!(5; A 0, B 1, C 2, D 3, E 4);
tuple_values!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_values!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_values!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_values!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_values!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_values!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_values!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_values!(13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_values!(14; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_values!(15; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_values!(16; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

#[cfg(test)]
mod tests {
    use super::*;
    use cql_protocol::{ColumnSpec, TableSpec};

    fn spec(name: &str, ty: ColumnType) -> ColumnSpec {
        ColumnSpec {
            table: TableSpec {
                keyspace: "ks".into(),
                table: "t".into(),
            },
            name: name.into(),
            ty,
        }
    }

    #[test]
    fn values_take_the_bound_column_types() {
        let columns = [
            spec("a", ColumnType::Bigint),
            spec("b", ColumnType::Varchar),
        ];
        let raw = (7i64, "x")
            .serialize_values(Some(&columns), ProtocolVersion::V2)
            .unwrap();
        assert_eq!(
            raw,
            [
                RawValue::Value(vec![0, 0, 0, 0, 0, 0, 0, 7].into()),
                RawValue::Value(b"x".to_vec().into()),
            ]
        );
    }

    #[test]
    fn a_failed_value_names_its_column_and_leaves_nothing() {
        let columns = [spec("a", ColumnType::Int), spec("b", ColumnType::Int)];
        let mut out = ValuesWriter::new(Some(&columns), ProtocolVersion::V2, 2);
        out.write(&1i32).unwrap();
        let error = out.write("not an int").unwrap_err();
        assert!(error.to_string().contains('b'), "{error}");
        assert_eq!(out.len(), 1);
        assert_eq!(out.finish(), [RawValue::Value(vec![0, 0, 0, 1].into())]);
    }

    #[test]
    fn nulls_and_empty_values_are_distinct() {
        let raw = (None::<i32>, "", Vec::<i32>::new())
            .serialize_values(None, ProtocolVersion::V2)
            .unwrap();
        assert_eq!(raw[0], RawValue::Null);
        assert_eq!(raw[1], RawValue::Value(Bytes::new()));
        // An empty list for an unknown column has no natural type: it is
        // null, which Cassandra stores as it stores an empty collection.
        assert_eq!(raw[2], RawValue::Null);
    }

    #[test]
    fn values_share_one_buffer() {
        let raw = (1i32, 2i32, "three")
            .serialize_values(None, ProtocolVersion::V2)
            .unwrap();
        let pointers: Vec<*const u8> = raw
            .iter()
            .map(|v| match v {
                RawValue::Value(b) => b.as_ptr(),
                _ => unreachable!(),
            })
            .collect();
        // Consecutive slices of one allocation.
        assert_eq!(pointers[1] as usize - pointers[0] as usize, 4);
        assert_eq!(pointers[2] as usize - pointers[1] as usize, 4);
    }
}
