//! Typed rows: the rows of a result as owned [`Row`]s, read by column
//! position or name into Rust types, or mapped whole through [`FromRow`].
//!
//! A [`RowSet`] wraps one page of a Rows result together with its column
//! metadata (its own, or the prepared statement's when the server sent the
//! result with No_metadata). Each [`Row`] it yields owns its values as
//! zero-copy slices of the frame, so rows outlive the result they came from
//! without copying, and `&str` / `&[u8]` values borrow from the row.
//!
//! ```
//! use cql_driver::protocol::message::response::{RowsBuilder, RowsMetadata};
//! use cql_driver::protocol::{ColumnSpec, ColumnType, ProtocolVersion, TableSpec};
//! use cql_driver::RowSet;
//!
//! let table = TableSpec::new("ks", "users");
//! let mut builder = RowsBuilder::new(RowsMetadata::new(vec![
//!     ColumnSpec::new(table.clone(), "id", ColumnType::Int),
//!     ColumnSpec::new(table, "name", ColumnType::Varchar),
//! ]));
//! builder.push_row([Some(&[0, 0, 0, 1][..]), Some(&b"ada"[..])])?;
//! builder.push_row([Some(&[0, 0, 0, 2][..]), None])?;
//! let rows = RowSet::new(builder.finish(), None, ProtocolVersion::V2)?;
//!
//! for row in &rows {
//!     let id: i32 = row.get("id")?;
//!     let name: Option<&str> = row.get(1)?;
//!     println!("{id}: {name:?}");
//! }
//! let pairs: Vec<(i32, Option<String>)> = rows.typed().collect::<Result<_, _>>()?;
//! assert_eq!(pairs, [(1, Some("ada".to_string())), (2, None)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::iter::FusedIterator;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::message::response::{ResultBody, Rows};
use cql_protocol::value::{CqlValue, DeserializeValue, ValueError};
use cql_protocol::{ColumnSpec, ProtocolVersion};

/// Why a row, or a value in it, could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowError {
    /// No column has this name (neither exactly nor ignoring case).
    #[error("no column named {name:?}")]
    NoSuchColumn {
        /// The name asked for.
        name: String,
    },
    /// The column position is past the last column.
    #[error("column index {index} is out of range for a row of {len} columns")]
    IndexOutOfRange {
        /// The position asked for.
        index: usize,
        /// The number of columns in the row.
        len: usize,
    },
    /// The value of a column could not be read as the Rust type asked for
    /// (a type mismatch, an unexpected null, a malformed value, ...).
    #[error("column {column}: {source}")]
    Value {
        /// The column's name.
        column: String,
        /// What went wrong.
        source: ValueError,
    },
    /// The Rust row type (a tuple) has a different number of columns from
    /// the result, or the column metadata describes a different number of
    /// columns from the values in each row.
    #[error("expected {expected} columns, got {got}")]
    WrongColumnCount {
        /// The number of columns expected.
        expected: usize,
        /// The number of columns found.
        got: usize,
    },
    /// One row was asked for but the result has none.
    #[error("the result has no rows")]
    NoRows,
    /// A single row was asked for but the result has several.
    #[error("expected a single row, but the result has {count}")]
    MoreThanOneRow {
        /// The number of rows in the result.
        count: usize,
    },
    /// The result was sent without column metadata (No_metadata) and no
    /// columns were supplied (they come from the prepared statement).
    #[error("the result carries no column metadata (No_metadata) and none was supplied")]
    NoMetadata,
    /// The result is not a Rows result (e.g. the Void result of an INSERT).
    #[error("the result has no rows: it is not a Rows result")]
    NotRows,
    /// The row content does not hold exactly the number of rows and values
    /// the result announces (possible only for a hand-built [`Rows`]; a
    /// decoded one is checked when it is decoded).
    #[error("malformed rows content: {reason}")]
    MalformedRows {
        /// What is wrong with it.
        reason: String,
    },
}

mod sealed {
    /// Keeps [`ColumnIndex`](super::ColumnIndex) implemented only here.
    pub trait Sealed {}
}

/// Something that designates a column of a [`Row`]: a position (`usize`) or
/// a name (`&str`, `String`, or a reference to either).
///
/// Names are looked up exactly first; failing that, ignoring case (CQL
/// folds unquoted identifiers to lower case, so `"userId"` finds the column
/// `userid`), taking the first such column in column order.
///
/// This trait is sealed: it cannot be implemented outside this crate.
pub trait ColumnIndex: sealed::Sealed {
    /// The position of the designated column among `columns`.
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError>;
}

impl sealed::Sealed for usize {}
impl ColumnIndex for usize {
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError> {
        if *self < columns.len() {
            Ok(*self)
        } else {
            Err(RowError::IndexOutOfRange {
                index: *self,
                len: columns.len(),
            })
        }
    }
}

impl sealed::Sealed for str {}
impl ColumnIndex for str {
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError> {
        columns
            .iter()
            .position(|c| c.name == self)
            .or_else(|| columns.iter().position(|c| eq_ignore_case(&c.name, self)))
            .ok_or_else(|| RowError::NoSuchColumn { name: self.into() })
    }
}

impl sealed::Sealed for String {}
impl ColumnIndex for String {
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError> {
        self.as_str().position(columns)
    }
}

impl<T: sealed::Sealed + ?Sized> sealed::Sealed for &T {}
impl<T: ColumnIndex + ?Sized> ColumnIndex for &T {
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError> {
        (**self).position(columns)
    }
}

/// A column by name, looked for first at an expected position: as fast as
/// a position when the row's columns are in a known order (a mapper's
/// SELECT of every column, in its model's order), and found by name like
/// `&str` otherwise.
///
/// ```
/// use cql_driver::rows::NamedAt;
/// # fn read(row: &cql_driver::Row) -> Result<(), cql_driver::RowError> {
/// // "name" is usually the second column of these rows.
/// let name: String = row.get(NamedAt("name", 1))?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct NamedAt<'a>(pub &'a str, pub usize);

impl sealed::Sealed for NamedAt<'_> {}
impl ColumnIndex for NamedAt<'_> {
    fn position(&self, columns: &[ColumnSpec]) -> Result<usize, RowError> {
        match columns.get(self.1) {
            Some(column) if column.name == self.0 => Ok(self.1),
            _ => self.0.position(columns),
        }
    }
}

/// Whether two names are equal ignoring case (Unicode lower-casing, without
/// allocating).
fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// One row of a result: its values (zero-copy slices of the frame) and the
/// column metadata shared by every row of the result.
///
/// Read values with [`get`](Row::get) by position or by name; a null reads
/// as `None` into an `Option<T>` and is an error for any other type. A
/// value of the wrong type is an error ([`RowError::Value`]), never a
/// panic.
///
/// A row is cheap to clone (its values are reference-counted slices), and
/// it keeps the buffer of the frame it came from alive for as long as it
/// lives; copy the values out (`String`, `Vec<u8>`) to hold a few of them
/// for long without the whole frame.
///
/// ```
/// use std::sync::Arc;
/// use bytes::Bytes;
/// use cql_driver::protocol::{ColumnSpec, ColumnType, ProtocolVersion, TableSpec};
/// use cql_driver::{Row, RowError};
///
/// let table = TableSpec::new("ks", "t");
/// let columns: Arc<[ColumnSpec]> = Arc::from(vec![
///     ColumnSpec::new(table.clone(), "k", ColumnType::Varchar),
///     ColumnSpec::new(table, "v", ColumnType::Int),
/// ]);
/// let row = Row::new(
///     columns,
///     vec![Some(Bytes::from_static(b"key")), None],
///     ProtocolVersion::V2,
/// )?;
/// let k: &str = row.get("k")?;
/// assert_eq!(k, "key");
/// assert_eq!(row.get::<Option<i32>>("v")?, None);
/// assert!(matches!(row.get::<i32>("v"), Err(RowError::Value { .. })));
/// assert!(matches!(row.get::<i32>(5), Err(RowError::IndexOutOfRange { .. })));
/// # Ok::<(), RowError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Row {
    columns: Arc<[ColumnSpec]>,
    values: Vec<Option<Bytes>>,
    version: ProtocolVersion,
}

impl Row {
    /// A row of `values` (`None` for null), one per column of `columns`,
    /// as encoded in protocol `version`.
    ///
    /// Fails with [`RowError::WrongColumnCount`] if there are not exactly as
    /// many values as columns.
    pub fn new(
        columns: Arc<[ColumnSpec]>,
        values: Vec<Option<Bytes>>,
        version: ProtocolVersion,
    ) -> Result<Row, RowError> {
        if values.len() != columns.len() {
            return Err(RowError::WrongColumnCount {
                expected: columns.len(),
                got: values.len(),
            });
        }
        Ok(Row {
            columns,
            values,
            version,
        })
    }

    /// The column metadata.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }

    /// The column metadata, shared.
    pub fn columns_arc(&self) -> &Arc<[ColumnSpec]> {
        &self.columns
    }

    /// The number of values (and of columns).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the row has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The protocol version the values are encoded in.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The raw bytes of column `index`: `None` if there is no such column,
    /// `Some(None)` if the value is null.
    pub fn raw(&self, index: impl ColumnIndex) -> Option<Option<&[u8]>> {
        let i = index.position(&self.columns).ok()?;
        self.values.get(i).map(Option::as_deref)
    }

    /// Reads column `index` (a position or a name) as a `T`.
    ///
    /// `T` may borrow from the row (`&str`, `&[u8]`). Use `Option<T>` to
    /// accept nulls.
    pub fn get<'a, T: DeserializeValue<'a>>(
        &'a self,
        index: impl ColumnIndex,
    ) -> Result<T, RowError> {
        let i = index.position(&self.columns)?;
        let (Some(spec), Some(value)) = (self.columns.get(i), self.values.get(i)) else {
            return Err(RowError::IndexOutOfRange {
                index: i,
                len: self.values.len(),
            });
        };
        T::deserialize(&spec.ty, value.as_deref(), self.version).map_err(|source| RowError::Value {
            column: spec.name.clone(),
            source,
        })
    }

    /// Reads column `index` as a [`CqlValue`] of the column's type; `None`
    /// for null.
    pub fn get_value(&self, index: impl ColumnIndex) -> Result<Option<CqlValue>, RowError> {
        self.get::<Option<CqlValue>>(index)
    }

    /// Maps the row into `T` (see [`FromRow`]).
    pub fn into_typed<T: FromRow>(self) -> Result<T, RowError> {
        T::from_row(&self)
    }
}

impl fmt::Debug for Row {
    /// Formats the row as `Row {column: value, ...}`, each value decoded by
    /// its column type (undecodable values show as hex).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Row ")?;
        let mut map = f.debug_map();
        for (spec, value) in self.columns.iter().zip(&self.values) {
            map.entry(
                &format_args!("{}", spec.name),
                &DebugValue {
                    spec,
                    value: value.as_deref(),
                    version: self.version,
                },
            );
        }
        map.finish()
    }
}

/// One value of a [`Row`], for its `Debug` output.
struct DebugValue<'a> {
    spec: &'a ColumnSpec,
    value: Option<&'a [u8]>,
    version: ProtocolVersion,
}

impl fmt::Debug for DebugValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(bytes) = self.value else {
            return f.write_str("null");
        };
        match CqlValue::deserialize(&self.spec.ty, bytes, self.version) {
            Ok(value) => fmt::Debug::fmt(&value, f),
            Err(_) => {
                write!(f, "<invalid {} 0x", self.spec.ty)?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                f.write_str(">")
            }
        }
    }
}

/// A Rust type that a whole [`Row`] maps into.
///
/// The mapper's derive macro implements it for structs, reading each field
/// with [`Row::get`] by its column name; a hand-written implementation
/// does the same:
///
/// ```
/// use cql_driver::protocol::message::response::{RowsBuilder, RowsMetadata};
/// use cql_driver::protocol::{ColumnSpec, ColumnType, ProtocolVersion, TableSpec};
/// use cql_driver::{FromRow, Row, RowError, RowSet};
///
/// #[derive(Debug, PartialEq)]
/// struct User {
///     id: i32,
///     name: String,
///     email: Option<String>,
/// }
///
/// impl FromRow for User {
///     fn from_row(row: &Row) -> Result<Self, RowError> {
///         Ok(User {
///             id: row.get("id")?,
///             name: row.get("name")?,
///             email: row.get("email")?,
///         })
///     }
/// }
///
/// let table = TableSpec::new("ks", "users");
/// let mut builder = RowsBuilder::new(RowsMetadata::new(vec![
///     ColumnSpec::new(table.clone(), "id", ColumnType::Int),
///     ColumnSpec::new(table.clone(), "name", ColumnType::Varchar),
///     ColumnSpec::new(table, "email", ColumnType::Varchar),
/// ]));
/// builder.push_row([Some(&[0, 0, 0, 7][..]), Some(&b"ada"[..]), None])?;
/// let rows = RowSet::new(builder.finish(), None, ProtocolVersion::V2)?;
/// let user: User = rows.single_row_typed()?;
/// assert_eq!(user, User { id: 7, name: "ada".into(), email: None });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Also implemented for [`Row`] itself (a clone), for
/// `Vec<Option<CqlValue>>` (every column, `None` for null), and for tuples
/// of 1 to 16 owned value types read by position (the tuple's arity must
/// equal the number of columns, or the result is
/// [`RowError::WrongColumnCount`]).
pub trait FromRow: Sized {
    /// Maps `row` into `Self`.
    fn from_row(row: &Row) -> Result<Self, RowError>;
}

impl FromRow for Row {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(row.clone())
    }
}

impl FromRow for Vec<Option<CqlValue>> {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        (0..row.len()).map(|i| row.get_value(i)).collect()
    }
}

macro_rules! tuple_from_row {
    ($len:expr; $($t:ident $idx:tt),+) => {
        impl<$($t),+> FromRow for ($($t,)+)
        where
            $($t: for<'a> DeserializeValue<'a>,)+
        {
            fn from_row(row: &Row) -> Result<Self, RowError> {
                if row.len() != $len {
                    return Err(RowError::WrongColumnCount {
                        expected: $len,
                        got: row.len(),
                    });
                }
                Ok(($(row.get::<$t>($idx)?,)+))
            }
        }
    };
}

tuple_from_row!(1; T0 0);
tuple_from_row!(2; T0 0, T1 1);
tuple_from_row!(3; T0 0, T1 1, T2 2);
tuple_from_row!(4; T0 0, T1 1, T2 2, T3 3);
tuple_from_row!(5; T0 0, T1 1, T2 2, T3 3, T4 4);
tuple_from_row!(6; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5);
tuple_from_row!(7; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6);
tuple_from_row!(8; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7);
tuple_from_row!(9; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8);
tuple_from_row!(10; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9);
tuple_from_row!(11; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10);
tuple_from_row!(12; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10,
    T11 11);
tuple_from_row!(13; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10,
    T11 11, T12 12);
tuple_from_row!(14; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10,
    T11 11, T12 12, T13 13);
tuple_from_row!(15; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10,
    T11 11, T12 12, T13 13, T14 14);
tuple_from_row!(16; T0 0, T1 1, T2 2, T3 3, T4 4, T5 5, T6 6, T7 7, T8 8, T9 9, T10 10,
    T11 11, T12 12, T13 13, T14 14, T15 15);

/// One page of a Rows result with its column metadata, yielding owned
/// [`Row`]s.
///
/// The content is checked once, when the set is made, to hold exactly the
/// announced rows and values; after that iterating cannot fail.
#[derive(Clone)]
pub struct RowSet {
    columns: Arc<[ColumnSpec]>,
    rows: Rows,
    version: ProtocolVersion,
}

impl RowSet {
    /// Wraps a Rows result decoded in protocol `version`.
    ///
    /// The columns are the result's own metadata when it has some (then
    /// `columns` is ignored); a result sent with No_metadata takes
    /// `columns`, the prepared statement's result columns.
    ///
    /// Errors: [`RowError::NoMetadata`] if neither has columns,
    /// [`RowError::WrongColumnCount`] if the columns do not match the number
    /// of values in each row, [`RowError::MalformedRows`] if the content is
    /// not exactly `rows_count` rows of values (never for a decoded result).
    pub fn new(
        mut rows: Rows,
        columns: Option<Arc<[ColumnSpec]>>,
        version: ProtocolVersion,
    ) -> Result<RowSet, RowError> {
        // The columns move into the shared Arc, so a page's metadata is not
        // copied; the set never hands the Rows back.
        let columns = match rows.metadata.columns.take() {
            Some(own) => Arc::from(own),
            None => columns.ok_or(RowError::NoMetadata)?,
        };
        let count = rows.metadata.columns_count;
        if columns.len() != count {
            return Err(RowError::WrongColumnCount {
                expected: columns.len(),
                got: count,
            });
        }
        check_content(&rows.content, rows.rows_count, count)?;
        Ok(RowSet {
            columns,
            rows,
            version,
        })
    }

    /// Wraps the rows of a RESULT body: [`RowError::NotRows`] for any kind
    /// of result but Rows (Void, Set_keyspace, ...); otherwise as
    /// [`RowSet::new`].
    pub fn from_result(
        result: ResultBody,
        columns: Option<Arc<[ColumnSpec]>>,
        version: ProtocolVersion,
    ) -> Result<RowSet, RowError> {
        match result {
            ResultBody::Rows(rows) => RowSet::new(rows, columns, version),
            _ => Err(RowError::NotRows),
        }
    }

    /// The column metadata.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }

    /// The column metadata, shared with every row.
    pub fn columns_arc(&self) -> &Arc<[ColumnSpec]> {
        &self.columns
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.rows_count
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.rows_count == 0
    }

    /// The protocol version of the result.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// The paging state to send for the next page, if there are more pages.
    pub fn paging_state(&self) -> Option<&Bytes> {
        self.rows.metadata.paging_state.as_ref()
    }

    /// Iterates over the rows.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            set: self,
            cursor: Cursor::new(self.rows.rows_count),
        }
    }

    /// Maps each row into `T` (see [`FromRow`]).
    pub fn typed<T: FromRow>(&self) -> impl Iterator<Item = Result<T, RowError>> + '_ {
        self.iter().map(|row| T::from_row(&row))
    }

    /// The first row: [`RowError::NoRows`] if there is none.
    pub fn first_row(&self) -> Result<Row, RowError> {
        self.iter().next().ok_or(RowError::NoRows)
    }

    /// The only row: [`RowError::NoRows`] if there is none,
    /// [`RowError::MoreThanOneRow`] if there are several.
    pub fn single_row(&self) -> Result<Row, RowError> {
        match self.len() {
            1 => self.first_row(),
            0 => Err(RowError::NoRows),
            count => Err(RowError::MoreThanOneRow { count }),
        }
    }

    /// The first row, mapped into `T`.
    pub fn first_row_typed<T: FromRow>(&self) -> Result<T, RowError> {
        T::from_row(&self.first_row()?)
    }

    /// The only row, mapped into `T`.
    pub fn single_row_typed<T: FromRow>(&self) -> Result<T, RowError> {
        T::from_row(&self.single_row()?)
    }

    /// Reads the row at `cursor`, advancing it; `None` at the end.
    fn next_row(&self, cursor: &mut Cursor) -> Option<Row> {
        if cursor.remaining == 0 {
            return None;
        }
        let content = &self.rows.content;
        let count = self.columns.len();
        // Bounded by the content: every value takes at least 4 bytes.
        let mut values =
            Vec::with_capacity(count.min(content.len().saturating_sub(cursor.pos) / 4));
        let mut pos = cursor.pos;
        for _ in 0..count {
            let Some((range, next)) = read_value(content, pos) else {
                // Impossible after `check_content`; end the iteration.
                cursor.remaining = 0;
                return None;
            };
            values.push(range.map(|r| content.slice(r)));
            pos = next;
        }
        cursor.pos = pos;
        cursor.remaining -= 1;
        Some(Row {
            columns: Arc::clone(&self.columns),
            values,
            version: self.version,
        })
    }
}

impl fmt::Debug for RowSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowSet")
            .field(
                "columns",
                &self.columns.iter().map(|c| &c.name).collect::<Vec<_>>(),
            )
            .field("rows", &self.len())
            .field("has_more_pages", &self.paging_state().is_some())
            .finish()
    }
}

/// Checks that `content` holds exactly `rows × columns` `[bytes]` values.
fn check_content(content: &[u8], rows: usize, columns: usize) -> Result<(), RowError> {
    let malformed = |reason: String| RowError::MalformedRows { reason };
    let values = rows
        .checked_mul(columns)
        .ok_or_else(|| malformed(format!("{rows} rows × {columns} columns overflows")))?;
    let mut pos = 0;
    // Each value read takes at least 4 bytes, so this loop is bounded by
    // the content's length, whatever `values` claims.
    for i in 0..values {
        pos = read_value(content, pos)
            .ok_or_else(|| {
                malformed(format!(
                    "content ends inside value {i} of {values} ({rows} rows × {columns} columns)"
                ))
            })?
            .1;
    }
    if pos != content.len() {
        return Err(malformed(format!(
            "{} bytes follow the last of {values} values",
            content.len() - pos
        )));
    }
    Ok(())
}

/// Reads the `[bytes]` value at `pos`: its byte range (`None` for null, any
/// negative length) and the position after it; `None` if it overruns
/// `data`.
fn read_value(data: &[u8], pos: usize) -> Option<(Option<Range<usize>>, usize)> {
    let start = pos.checked_add(4)?;
    let len_bytes: [u8; 4] = data.get(pos..start)?.try_into().ok()?;
    match usize::try_from(i32::from_be_bytes(len_bytes)) {
        Err(_) => Some((None, start)),
        Ok(len) => {
            let end = start.checked_add(len).filter(|&end| end <= data.len())?;
            Some((Some(start..end), end))
        }
    }
}

/// A position in a [`RowSet`]'s content.
#[derive(Clone, Debug)]
struct Cursor {
    pos: usize,
    remaining: usize,
}

impl Cursor {
    fn new(rows: usize) -> Cursor {
        Cursor {
            pos: 0,
            remaining: rows,
        }
    }
}

/// An iterator over the rows of a borrowed [`RowSet`].
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    set: &'a RowSet,
    cursor: Cursor,
}

impl Iterator for Iter<'_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        self.set.next_row(&mut self.cursor)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.cursor.remaining, Some(self.cursor.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl FusedIterator for Iter<'_> {}

/// An iterator over the rows of an owned [`RowSet`].
#[derive(Clone, Debug)]
pub struct IntoIter {
    set: RowSet,
    cursor: Cursor,
}

impl Iterator for IntoIter {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        self.set.next_row(&mut self.cursor)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.cursor.remaining, Some(self.cursor.remaining))
    }
}

impl ExactSizeIterator for IntoIter {}
impl FusedIterator for IntoIter {}

impl IntoIterator for RowSet {
    type Item = Row;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        let cursor = Cursor::new(self.rows.rows_count);
        IntoIter { set: self, cursor }
    }
}

impl<'a> IntoIterator for &'a RowSet {
    type Item = Row;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cql_protocol::message::response::{RowsBuilder, RowsMetadata};
    use cql_protocol::{ColumnType, TableSpec};

    const V2: ProtocolVersion = ProtocolVersion::V2;

    fn specs(cols: &[(&str, ColumnType)]) -> Vec<ColumnSpec> {
        let table = TableSpec::new("ks", "t");
        cols.iter()
            .map(|(name, ty)| ColumnSpec::new(table.clone(), *name, ty.clone()))
            .collect()
    }

    /// Columns `id int, name varchar, score bigint`, rows (1, "ada", 10),
    /// (2, null, null).
    fn users() -> RowSet {
        let mut b = RowsBuilder::new(RowsMetadata::new(specs(&[
            ("id", ColumnType::Int),
            ("name", ColumnType::Varchar),
            ("score", ColumnType::Bigint),
        ])));
        b.push_row([
            Some(&1i32.to_be_bytes()[..]),
            Some(&b"ada"[..]),
            Some(&10i64.to_be_bytes()[..]),
        ])
        .unwrap();
        b.push_row([Some(&2i32.to_be_bytes()[..]), None, None])
            .unwrap();
        RowSet::new(b.finish(), None, V2).unwrap()
    }

    #[test]
    fn get_by_name_and_index() {
        let rows = users();
        assert_eq!(rows.len(), 2);
        assert!(!rows.is_empty());
        assert_eq!(rows.columns().len(), 3);
        let row = rows.first_row().unwrap();
        assert_eq!(row.len(), 3);
        assert_eq!(row.get::<i32>(0).unwrap(), 1);
        assert_eq!(row.get::<i32>("id").unwrap(), 1);
        assert_eq!(row.get::<String>("name").unwrap(), "ada");
        assert_eq!(row.get::<String>(String::from("name")).unwrap(), "ada");
        assert_eq!(row.get::<i64>(&String::from("score")).unwrap(), 10);
        assert_eq!(row.raw(0), Some(Some(&[0, 0, 0, 1][..])));
        assert_eq!(row.raw(3), None);
        assert_eq!(row.raw("nope"), None);
        assert_eq!(
            row.get_value("name").unwrap(),
            Some(CqlValue::Text("ada".into()))
        );
        assert_eq!(
            row.get::<i32>(3),
            Err(RowError::IndexOutOfRange { index: 3, len: 3 })
        );
        assert_eq!(
            row.get::<i32>("nope"),
            Err(RowError::NoSuchColumn {
                name: "nope".into()
            })
        );
    }

    #[test]
    fn nulls_read_into_option() {
        let rows = users();
        let row = rows.iter().nth(1).unwrap();
        assert_eq!(row.raw("name"), Some(None));
        assert_eq!(row.get::<Option<String>>("name").unwrap(), None);
        assert_eq!(row.get::<Option<i64>>("score").unwrap(), None);
        assert_eq!(row.get_value("score").unwrap(), None);
        let err = row.get::<String>("name").unwrap_err();
        assert!(matches!(
            err,
            RowError::Value {
                ref column,
                source: ValueError::UnexpectedNull { .. }
            } if column == "name"
        ));
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let row = users().first_row().unwrap();
        let err = row.get::<String>("id").unwrap_err();
        assert!(matches!(
            err,
            RowError::Value {
                source: ValueError::TypeMismatch { .. },
                ..
            }
        ));
        assert!(err.to_string().contains("column id"), "{err}");
        assert!(row.get::<bool>("score").is_err());
        assert!(row.get::<Vec<i32>>("name").is_err());
        assert!(row.get::<i8>("id").is_ok());
        // Every Rust type against every column: errors, never panics.
        for i in 0..row.len() {
            let _ = row.get::<uuid::Uuid>(i);
            let _ = row.get::<f64>(i);
            let _ = row.get::<std::collections::HashMap<String, i32>>(i);
            let _ = row.get::<&[u8]>(i);
        }
    }

    #[test]
    fn malformed_values_are_errors() {
        let columns: Arc<[ColumnSpec]> = Arc::from(specs(&[
            ("i", ColumnType::Int),
            ("s", ColumnType::Varchar),
            ("l", ColumnType::List(Box::new(ColumnType::Int))),
        ]));
        let row = Row::new(
            columns,
            vec![
                Some(Bytes::from_static(&[1, 2, 3])),
                Some(Bytes::from_static(&[0xff, 0xfe])),
                Some(Bytes::from_static(&[0xff, 0xff, 0, 0])),
            ],
            V2,
        )
        .unwrap();
        assert!(row.get::<i32>("i").is_err());
        assert!(row.get::<&str>("s").is_err());
        assert!(row.get::<Vec<i32>>("l").is_err());
        assert!(row.get_value("l").is_err());
        assert!(row.clone().into_typed::<Vec<Option<CqlValue>>>().is_err());
        let debug = format!("{row:?}");
        assert!(debug.contains("<invalid int 0x010203>"), "{debug}");
    }

    #[test]
    fn names_match_case_insensitively_after_exact() {
        let columns: Arc<[ColumnSpec]> = Arc::from(specs(&[
            ("userid", ColumnType::Int),
            ("Name", ColumnType::Int),
            ("name", ColumnType::Int),
        ]));
        let row = Row::new(
            columns,
            vec![
                Some(Bytes::from_static(&[0, 0, 0, 1])),
                Some(Bytes::from_static(&[0, 0, 0, 2])),
                Some(Bytes::from_static(&[0, 0, 0, 3])),
            ],
            V2,
        )
        .unwrap();
        assert_eq!(row.get::<i32>("userId").unwrap(), 1);
        assert_eq!(row.get::<i32>("USERID").unwrap(), 1);
        // Exact matches win over earlier case-insensitive ones.
        assert_eq!(row.get::<i32>("name").unwrap(), 3);
        assert_eq!(row.get::<i32>("Name").unwrap(), 2);
        // Otherwise the first case-insensitive match, in column order.
        assert_eq!(row.get::<i32>("NAME").unwrap(), 2);
        assert!(row.get::<i32>("user_id").is_err());
    }

    #[test]
    fn tuples() {
        let rows = users();
        let all: Vec<(i32, Option<String>, Option<i64>)> =
            rows.typed().collect::<Result<_, _>>().unwrap();
        assert_eq!(all, [(1, Some("ada".into()), Some(10)), (2, None, None)]);
        let first: (i32, String, i64) = rows.first_row_typed().unwrap();
        assert_eq!(first, (1, "ada".into(), 10));
        // A null into a non-Option tuple element is an error.
        let second = rows.iter().nth(1).unwrap();
        assert!(second.into_typed::<(i32, String, i64)>().is_err());
    }

    #[test]
    fn sixteen_element_tuple() {
        let names: Vec<String> = (0..16).map(|i| format!("c{i}")).collect();
        let cols: Vec<(&str, ColumnType)> = names
            .iter()
            .map(|n| (n.as_str(), ColumnType::Int))
            .collect();
        let mut b = RowsBuilder::new(RowsMetadata::new(specs(&cols)));
        let cells: Vec<[u8; 4]> = (0..16i32).map(i32::to_be_bytes).collect();
        b.push_row(cells.iter().map(|c| Some(&c[..]))).unwrap();
        let rows = RowSet::new(b.finish(), None, V2).unwrap();
        type T16 = (
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
        );
        let t: T16 = rows.single_row_typed().unwrap();
        assert_eq!(t.0, 0);
        assert_eq!(t.15, 15);
    }

    #[test]
    fn wrong_column_count() {
        let rows = users();
        assert_eq!(
            rows.first_row_typed::<(i32, String)>(),
            Err(RowError::WrongColumnCount {
                expected: 2,
                got: 3
            })
        );
        assert_eq!(
            rows.first_row_typed::<(i32, String, i64, i32)>(),
            Err(RowError::WrongColumnCount {
                expected: 4,
                got: 3
            })
        );
        let columns: Arc<[ColumnSpec]> = Arc::from(specs(&[("a", ColumnType::Int)]));
        assert_eq!(
            Row::new(columns, vec![], V2),
            Err(RowError::WrongColumnCount {
                expected: 1,
                got: 0
            })
        );
    }

    #[test]
    fn no_metadata_with_supplied_columns() {
        let mut b = RowsBuilder::new(RowsMetadata::no_metadata(2));
        b.push_row([Some(&[0, 0, 0, 5][..]), Some(&b"x"[..])])
            .unwrap();
        let rows = b.finish();
        assert_eq!(
            RowSet::new(rows.clone(), None, V2).unwrap_err(),
            RowError::NoMetadata
        );
        let wrong: Arc<[ColumnSpec]> = Arc::from(specs(&[("k", ColumnType::Int)]));
        assert_eq!(
            RowSet::new(rows.clone(), Some(wrong), V2).unwrap_err(),
            RowError::WrongColumnCount {
                expected: 1,
                got: 2
            }
        );
        let prepared: Arc<[ColumnSpec]> =
            Arc::from(specs(&[("k", ColumnType::Int), ("v", ColumnType::Varchar)]));
        let set = RowSet::new(rows, Some(prepared), V2).unwrap();
        let row = set.single_row().unwrap();
        assert_eq!(row.get::<i32>("k").unwrap(), 5);
        assert_eq!(row.get::<&str>("v").unwrap(), "x");
    }

    #[test]
    fn own_metadata_wins_over_supplied_columns() {
        let other: Arc<[ColumnSpec]> = Arc::from(specs(&[("zzz", ColumnType::Blob)]));
        let mut b = RowsBuilder::new(RowsMetadata::new(specs(&[("a", ColumnType::Int)])));
        b.push_row([Some(&[0, 0, 0, 9][..])]).unwrap();
        let set = RowSet::new(b.finish(), Some(other), V2).unwrap();
        assert_eq!(set.columns()[0].name, "a");
    }

    #[derive(Debug, PartialEq)]
    struct User {
        id: i32,
        name: Option<String>,
        score: Option<i64>,
    }

    impl FromRow for User {
        fn from_row(row: &Row) -> Result<Self, RowError> {
            Ok(User {
                id: row.get("id")?,
                name: row.get("name")?,
                score: row.get("Score")?,
            })
        }
    }

    #[test]
    fn hand_written_from_row() {
        let rows = users();
        let all: Vec<User> = rows.typed().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            all,
            [
                User {
                    id: 1,
                    name: Some("ada".into()),
                    score: Some(10)
                },
                User {
                    id: 2,
                    name: None,
                    score: None
                }
            ]
        );
        let owned: Vec<User> = rows
            .clone()
            .into_iter()
            .map(Row::into_typed)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(owned, all);
    }

    #[test]
    fn zero_copy_str_borrows_from_row() {
        let mut b = RowsBuilder::new(RowsMetadata::new(specs(&[
            ("s", ColumnType::Varchar),
            ("b", ColumnType::Blob),
        ])));
        b.push_row([Some(&b"hello"[..]), Some(&[1, 2, 3][..])])
            .unwrap();
        let rows = b.finish();
        let content = rows.content.clone();
        let set = RowSet::new(rows, None, V2).unwrap();
        let row = set.first_row().unwrap();
        drop(set);
        let s: &str = row.get("s").unwrap();
        let blob: &[u8] = row.get("b").unwrap();
        assert_eq!(s, "hello");
        assert_eq!(blob, [1, 2, 3]);
        let range = content.as_ptr_range();
        assert!(
            range.contains(&s.as_ptr()),
            "the &str points into the frame"
        );
        assert!(range.contains(&blob.as_ptr()));
    }

    #[test]
    fn first_and_single_row() {
        let rows = users();
        assert_eq!(
            rows.single_row().unwrap_err(),
            RowError::MoreThanOneRow { count: 2 }
        );
        assert_eq!(
            rows.single_row_typed::<Row>().unwrap_err(),
            RowError::MoreThanOneRow { count: 2 }
        );
        assert_eq!(rows.first_row().unwrap().get::<i32>(0).unwrap(), 1);
        let empty = RowSet::new(
            Rows::empty(RowsMetadata::new(specs(&[("a", ColumnType::Int)]))),
            None,
            V2,
        )
        .unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty.iter().count(), 0);
        assert_eq!(empty.first_row().unwrap_err(), RowError::NoRows);
        assert_eq!(empty.single_row().unwrap_err(), RowError::NoRows);
        assert_eq!(
            empty.first_row_typed::<(i32,)>().unwrap_err(),
            RowError::NoRows
        );
    }

    #[test]
    fn from_result_rejects_other_kinds() {
        assert_eq!(
            RowSet::from_result(ResultBody::Void, None, V2).unwrap_err(),
            RowError::NotRows
        );
        assert_eq!(
            RowSet::from_result(ResultBody::SetKeyspace("ks".into()), None, V2).unwrap_err(),
            RowError::NotRows
        );
        let rows = RowSet::from_result(ResultBody::Rows(users_rows()), None, V2).unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn rows_decoded_from_a_frame_body() {
        use bytes::BytesMut;
        use cql_protocol::message::response::Response;
        use cql_protocol::Opcode;

        let mut body = BytesMut::new();
        let response = Response::Result(ResultBody::Rows(users().rows_for_test()));
        response.encode_body(V2, &mut body).unwrap();
        let body = body.freeze();
        let decoded = Response::decode_body(V2, Opcode::Result, body.clone()).unwrap();
        let Response::Result(result) = decoded else {
            panic!("not a result")
        };
        let rows = RowSet::from_result(result, None, V2).unwrap();
        let row = rows.first_row().unwrap();
        let name: &str = row.get("name").unwrap();
        assert_eq!(name, "ada");
        assert!(body.as_ptr_range().contains(&name.as_ptr()));
    }

    impl RowSet {
        /// The Rows again, with the metadata restored.
        fn rows_for_test(&self) -> Rows {
            let mut rows = self.rows.clone();
            rows.metadata.columns = Some(self.columns.to_vec());
            rows
        }
    }

    fn users_rows() -> Rows {
        let mut b = RowsBuilder::new(RowsMetadata::new(specs(&[("a", ColumnType::Int)])));
        b.push_row([None]).unwrap();
        b.finish()
    }

    #[test]
    fn iterators_and_vec_of_values() {
        let rows = users();
        assert_eq!(rows.iter().len(), 2);
        let mut it = rows.clone().into_iter();
        assert_eq!(it.len(), 2);
        it.next();
        assert_eq!(it.len(), 1);
        it.next();
        assert!(it.next().is_none());
        assert!(it.next().is_none());
        let values: Vec<Vec<Option<CqlValue>>> = rows.typed().collect::<Result<_, _>>().unwrap();
        assert_eq!(
            values,
            [
                vec![
                    Some(CqlValue::Int(1)),
                    Some(CqlValue::Text("ada".into())),
                    Some(CqlValue::Bigint(10))
                ],
                vec![Some(CqlValue::Int(2)), None, None],
            ]
        );
        let cloned: Row = rows.first_row_typed().unwrap();
        assert_eq!(cloned, rows.first_row().unwrap());
    }

    #[test]
    fn debug_shows_columns_and_values() {
        let rows = users();
        let row = rows.iter().nth(1).unwrap();
        assert_eq!(
            format!("{row:?}"),
            "Row {id: Int(2), name: null, score: null}"
        );
        let first = format!("{:?}", rows.first_row().unwrap());
        assert_eq!(
            first,
            "Row {id: Int(1), name: Text(\"ada\"), score: Bigint(10)}"
        );
        let set = format!("{rows:?}");
        assert!(set.contains("rows: 2"), "{set}");
    }

    #[test]
    fn malformed_hand_built_rows_are_errors() {
        let metadata = RowsMetadata::new(specs(&[("a", ColumnType::Int)]));
        let cases = [
            // Announces rows the content does not hold.
            (5, Bytes::from_static(&[0, 0, 0, 4, 0, 0, 0, 1])),
            // A value longer than the content.
            (1, Bytes::from_static(&[0, 0, 0, 9, 0])),
            // Trailing bytes.
            (1, Bytes::from_static(&[0xff, 0xff, 0xff, 0xff, 7])),
            // A huge count with no content at all.
            (usize::MAX, Bytes::new()),
        ];
        for (rows_count, content) in cases {
            let rows = Rows {
                metadata: metadata.clone(),
                rows_count,
                content,
            };
            assert!(matches!(
                RowSet::new(rows, None, V2),
                Err(RowError::MalformedRows { .. })
            ));
        }
        // Metadata whose columns_count disagrees with its columns.
        let mut bad = metadata.clone();
        bad.columns_count = 1 << 40;
        let rows = Rows {
            metadata: bad,
            rows_count: 1,
            content: Bytes::new(),
        };
        assert!(matches!(
            RowSet::new(rows, None, V2),
            Err(RowError::WrongColumnCount { .. })
        ));
        // No columns: any number of empty rows, but no content.
        let rows = Rows {
            metadata: RowsMetadata::new(vec![]),
            rows_count: 3,
            content: Bytes::new(),
        };
        let set = RowSet::new(rows, None, V2).unwrap();
        assert_eq!(set.iter().filter(Row::is_empty).count(), 3);
        let rows = Rows {
            metadata: RowsMetadata::new(vec![]),
            rows_count: 3,
            content: Bytes::from_static(&[0]),
        };
        assert!(RowSet::new(rows, None, V2).is_err());
    }
}
