//! Rows results (spec §4.2.5.2): result metadata and the rows themselves.

use std::fmt;
use std::iter::FusedIterator;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};
use crate::types::{ColumnSpec, ColumnType, TableSpec};
use crate::value::{DeserializeRow, ValueError};
use crate::version::ProtocolVersion;
use crate::wire::{put_bytes_slice, put_int_count, put_opt_bytes, put_string, Reader};

/// Global_tables_spec: one table spec precedes the column specs (v1+).
const GLOBAL_TABLES_SPEC: i32 = 0x0001;
/// Has_more_pages: a paging state follows the column count (v2+).
const HAS_MORE_PAGES: i32 = 0x0002;
/// No_metadata: no table or column specs follow (v2+).
const NO_METADATA: i32 = 0x0004;
const KNOWN_FLAGS: i32 = GLOBAL_TABLES_SPEC | HAS_MORE_PAGES | NO_METADATA;

/// The metadata of a Rows result, or the bind-variable or result metadata of
/// a Prepared result.
///
/// On encode, the Global_tables_spec flag is set exactly when there is at
/// least one column and every column has the same [`TableSpec`], as Cassandra
/// does; decoding gives every column its table spec either way, so a value
/// survives an encode/decode round trip unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RowsMetadata {
    /// The number of columns, and of values in each row. Equal to
    /// `columns.len()` when `columns` is present.
    pub columns_count: usize,
    /// The paging state to send back for the next page (Has_more_pages,
    /// v2+). Always `None` in Prepared metadata.
    pub paging_state: Option<Bytes>,
    /// The column specs; `None` for the No_metadata flag (v2+).
    pub columns: Option<Vec<ColumnSpec>>,
}

impl RowsMetadata {
    /// Metadata describing `columns`.
    pub fn new(columns: Vec<ColumnSpec>) -> Self {
        RowsMetadata {
            columns_count: columns.len(),
            paging_state: None,
            columns: Some(columns),
        }
    }

    /// No_metadata (v2+): only the column count, as sent when the client
    /// asked to skip metadata, and as the result metadata of a prepared
    /// non-SELECT (with 0 columns).
    pub fn no_metadata(columns_count: usize) -> Self {
        RowsMetadata {
            columns_count,
            paging_state: None,
            columns: None,
        }
    }

    /// The same metadata with Has_more_pages and `paging_state` (v2+).
    pub fn with_paging_state(mut self, paging_state: Bytes) -> Self {
        self.paging_state = Some(paging_state);
        self
    }

    /// The table spec shared by every column, if there is at least one
    /// column and they all share one (the encoder then uses
    /// Global_tables_spec).
    pub fn global_table_spec(&self) -> Option<&TableSpec> {
        let columns = self.columns.as_deref()?;
        let first = &columns.first()?.table;
        columns.iter().all(|c| &c.table == first).then_some(first)
    }

    pub(crate) fn decode(
        r: &mut Reader,
        version: ProtocolVersion,
        ctx: &MetadataContext,
    ) -> Result<Self, DecodeError> {
        let flags_offset = r.position();
        let flags = r.read_i32(ctx.flags)?;
        let unknown = flags & !KNOWN_FLAGS;
        if unknown != 0 {
            return Err(DecodeError::InvalidValue {
                context: ctx.flags,
                offset: flags_offset,
                reason: format!("unknown flag bits 0x{unknown:08x}"),
            });
        }
        if version < ProtocolVersion::V2 {
            if flags & HAS_MORE_PAGES != 0 {
                return Err(DecodeError::NotInVersion {
                    what: "the Has_more_pages flag (0x0002) of rows metadata".into(),
                    version,
                });
            }
            if flags & NO_METADATA != 0 {
                return Err(DecodeError::NotInVersion {
                    what: "the No_metadata flag (0x0004) of rows metadata".into(),
                    version,
                });
            }
        }
        if flags & HAS_MORE_PAGES != 0 && !ctx.paging_allowed {
            return Err(DecodeError::InvalidValue {
                context: ctx.flags,
                offset: flags_offset,
                reason: "Has_more_pages is not allowed in prepared metadata".into(),
            });
        }
        let count_offset = r.position();
        let columns_count = r.read_non_negative_i32(ctx.columns_count)?;
        let paging_state = if flags & HAS_MORE_PAGES != 0 {
            let offset = r.position();
            match r.read_opt_bytes(ctx.paging_state)? {
                Some(state) => Some(state),
                None => {
                    return Err(DecodeError::InvalidValue {
                        context: ctx.paging_state,
                        offset,
                        reason: "Has_more_pages is set but the paging state is null".into(),
                    })
                }
            }
        } else {
            None
        };
        let columns = if flags & NO_METADATA != 0 {
            None
        } else {
            let global = if flags & GLOBAL_TABLES_SPEC != 0 {
                let keyspace = r.read_string(ctx.global_keyspace)?;
                let table = r.read_string(ctx.global_table)?;
                Some(TableSpec { keyspace, table })
            } else {
                None
            };
            // A col spec is at least a name [string] and an [option] id, plus
            // two [string]s when there is no global table spec.
            let min_spec_len = if global.is_some() { 4 } else { 8 };
            r.check_count(columns_count, min_spec_len, ctx.columns_count, count_offset)?;
            let mut columns = Vec::with_capacity(columns_count);
            for _ in 0..columns_count {
                let table = match &global {
                    Some(t) => t.clone(),
                    None => {
                        let keyspace = r.read_string(ctx.keyspace)?;
                        let table = r.read_string(ctx.table)?;
                        TableSpec { keyspace, table }
                    }
                };
                let name = r.read_string(ctx.name)?;
                let ty = ColumnType::read(r, version)?;
                columns.push(ColumnSpec { table, name, ty });
            }
            Some(columns)
        };
        Ok(RowsMetadata {
            columns_count,
            paging_state,
            columns,
        })
    }

    pub(crate) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
        ctx: &MetadataContext,
    ) -> Result<(), EncodeError> {
        if version < ProtocolVersion::V2 {
            if self.paging_state.is_some() {
                return Err(EncodeError::NotInVersion {
                    what: "a paging state (Has_more_pages flag) in rows metadata".into(),
                    version,
                });
            }
            if self.columns.is_none() {
                return Err(EncodeError::NotInVersion {
                    what: "the No_metadata flag of rows metadata".into(),
                    version,
                });
            }
        }
        if self.paging_state.is_some() && !ctx.paging_allowed {
            return Err(EncodeError::InvalidValue {
                context: ctx.paging_state,
                reason: "prepared metadata cannot carry a paging state".into(),
            });
        }
        let mut flags = 0;
        if let Some(columns) = &self.columns {
            if columns.len() != self.columns_count {
                return Err(EncodeError::InvalidValue {
                    context: ctx.columns_count,
                    reason: format!(
                        "columns_count is {} but {} column specs are given",
                        self.columns_count,
                        columns.len()
                    ),
                });
            }
        } else {
            flags |= NO_METADATA;
        }
        let global = self.global_table_spec();
        if global.is_some() {
            flags |= GLOBAL_TABLES_SPEC;
        }
        if self.paging_state.is_some() {
            flags |= HAS_MORE_PAGES;
        }
        buf.put_i32(flags);
        put_int_count(buf, self.columns_count, ctx.columns_count)?;
        if let Some(state) = &self.paging_state {
            put_bytes_slice(buf, state, ctx.paging_state)?;
        }
        if let Some(columns) = &self.columns {
            if let Some(table) = global {
                put_string(buf, &table.keyspace, ctx.global_keyspace)?;
                put_string(buf, &table.table, ctx.global_table)?;
            }
            for column in columns {
                if global.is_none() {
                    put_string(buf, &column.table.keyspace, ctx.keyspace)?;
                    put_string(buf, &column.table.table, ctx.table)?;
                }
                put_string(buf, &column.name, ctx.name)?;
                column.ty.write(buf, version)?;
            }
        }
        Ok(())
    }
}

/// Field names for errors, one set per place metadata appears.
pub(crate) struct MetadataContext {
    pub flags: &'static str,
    pub columns_count: &'static str,
    pub paging_state: &'static str,
    pub global_keyspace: &'static str,
    pub global_table: &'static str,
    pub keyspace: &'static str,
    pub table: &'static str,
    pub name: &'static str,
    /// Whether Has_more_pages may be set (not in Prepared metadata).
    pub paging_allowed: bool,
}

macro_rules! metadata_context {
    ($prefix:literal, $paging:expr) => {
        MetadataContext {
            flags: concat!($prefix, ".flags"),
            columns_count: concat!($prefix, ".columns_count"),
            paging_state: concat!($prefix, ".paging_state"),
            global_keyspace: concat!($prefix, ".global_table_spec.keyspace"),
            global_table: concat!($prefix, ".global_table_spec.table"),
            keyspace: concat!($prefix, ".col_spec.keyspace"),
            table: concat!($prefix, ".col_spec.table"),
            name: concat!($prefix, ".col_spec.name"),
            paging_allowed: $paging,
        }
    };
}

pub(crate) const ROWS_METADATA: MetadataContext = metadata_context!("RESULT.rows.metadata", true);
pub(crate) const PREPARED_METADATA: MetadataContext =
    metadata_context!("RESULT.prepared.metadata", false);
pub(crate) const PREPARED_RESULT_METADATA: MetadataContext =
    metadata_context!("RESULT.prepared.result_metadata", false);

const ROWS_COUNT: &str = "RESULT.rows.rows_count";
const ROWS_CONTENT: &str = "RESULT.rows.rows_content";

/// A Rows result: metadata and `rows_count` rows of `columns_count` values.
///
/// The rows stay in their wire form (`content`, a zero-copy slice of the
/// frame body, validated when decoded); [`Rows::iter`] walks them.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use cql_protocol::message::response::{Response, ResultBody, Rows, RowsBuilder, RowsMetadata};
/// use cql_protocol::{ColumnSpec, ColumnType, Opcode, ProtocolVersion, TableSpec};
///
/// let table = TableSpec::new("ks", "users");
/// let metadata = RowsMetadata::new(vec![
///     ColumnSpec::new(table.clone(), "id", ColumnType::Int),
///     ColumnSpec::new(table, "name", ColumnType::Varchar),
/// ]);
/// let mut builder = RowsBuilder::new(metadata);
/// builder.push_row([Some(&[0, 0, 0, 1][..]), Some(&b"alice"[..])])?;
/// builder.push_row([Some(&[0, 0, 0, 2][..]), None])?;
/// let response = Response::Result(ResultBody::Rows(builder.finish()));
///
/// let mut body = BytesMut::new();
/// response.encode_body(ProtocolVersion::V2, &mut body)?;
/// let decoded = Response::decode_body(ProtocolVersion::V2, Opcode::Result, body.freeze())?;
/// let Response::Result(ResultBody::Rows(rows)) = decoded else { unreachable!() };
/// assert_eq!(rows.columns().unwrap()[1].name, "name");
/// let names: Vec<Option<&[u8]>> = rows.iter().map(|row| row.get(1).unwrap()).collect();
/// assert_eq!(names, [Some(&b"alice"[..]), None]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Rows {
    /// The result metadata.
    pub metadata: RowsMetadata,
    /// The number of rows.
    pub rows_count: usize,
    /// The raw `<rows_content>`: `rows_count × columns_count` `[bytes]` values,
    /// row after row.
    pub content: Bytes,
}

impl Rows {
    /// A result with no rows.
    pub fn empty(metadata: RowsMetadata) -> Self {
        Rows {
            metadata,
            rows_count: 0,
            content: Bytes::new(),
        }
    }

    /// The column specs, unless the result has No_metadata.
    pub fn columns(&self) -> Option<&[ColumnSpec]> {
        self.metadata.columns.as_deref()
    }

    /// The number of values in each row.
    pub fn columns_count(&self) -> usize {
        self.metadata.columns_count
    }

    /// Iterates over the rows.
    pub fn iter(&self) -> RowIter<'_> {
        RowIter {
            content: &self.content,
            pos: 0,
            remaining: self.rows_count,
            columns: self.metadata.columns_count,
        }
    }

    /// Reads each row into `T` (a tuple, or `Vec<Option<CqlValue>>`), using
    /// the result's own column metadata.
    ///
    /// A result sent with No_metadata yields [`ValueError::MissingMetadata`];
    /// read it with [`Rows::typed_with`] and the prepared statement's columns.
    ///
    /// ```
    /// use cql_protocol::message::response::{Rows, RowsBuilder, RowsMetadata};
    /// use cql_protocol::{ColumnSpec, ColumnType, ProtocolVersion, TableSpec};
    ///
    /// let table = TableSpec::new("ks", "users");
    /// let mut builder = RowsBuilder::new(RowsMetadata::new(vec![
    ///     ColumnSpec::new(table.clone(), "id", ColumnType::Int),
    ///     ColumnSpec::new(table, "name", ColumnType::Varchar),
    /// ]));
    /// builder.push_row([Some(&[0, 0, 0, 7][..]), Some(&b"ada"[..])])?;
    /// let rows = builder.finish();
    /// let read: Vec<(i32, &str)> = rows
    ///     .typed(ProtocolVersion::V2)
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(read, [(7, "ada")]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typed<'a, T: DeserializeRow<'a>>(
        &'a self,
        version: ProtocolVersion,
    ) -> TypedRows<'a, T> {
        TypedRows {
            rows: self.iter(),
            columns: self.columns(),
            version,
            marker: std::marker::PhantomData,
        }
    }

    /// Reads each row into `T`, described by `columns` (for results sent
    /// with No_metadata, whose columns the prepared statement knows).
    pub fn typed_with<'a, T: DeserializeRow<'a>>(
        &'a self,
        columns: &'a [ColumnSpec],
        version: ProtocolVersion,
    ) -> TypedRows<'a, T> {
        TypedRows {
            rows: self.iter(),
            columns: Some(columns),
            version,
            marker: std::marker::PhantomData,
        }
    }

    pub(crate) fn decode(r: &mut Reader, version: ProtocolVersion) -> Result<Self, DecodeError> {
        let metadata = RowsMetadata::decode(r, version, &ROWS_METADATA)?;
        let count_offset = r.position();
        let rows_count = r.read_non_negative_i32(ROWS_COUNT)?;
        let columns = metadata.columns_count;
        if columns == 0 {
            // Rows of no values take no bytes: nothing to check or allocate.
            return Ok(Rows {
                metadata,
                rows_count,
                content: Bytes::new(),
            });
        }
        // Each value is at least its 4-byte length.
        r.check_count(
            rows_count,
            columns.saturating_mul(4),
            ROWS_COUNT,
            count_offset,
        )?;
        let values = rows_count
            .checked_mul(columns)
            .ok_or(DecodeError::CountTooLarge {
                context: ROWS_COUNT,
                offset: count_offset,
                count: rows_count as u64,
                available: r.remaining(),
                max_possible: 0,
            })?;
        let start = r.position();
        let rest = r.clone().take_rest();
        let mut pos = 0;
        for _ in 0..values {
            pos = match next_value(&rest, pos) {
                Ok((_, next)) => next,
                Err(ValueOverrun {
                    at,
                    needed,
                    available,
                }) => {
                    return Err(DecodeError::Truncated {
                        context: ROWS_CONTENT,
                        offset: start + at,
                        needed,
                        available,
                    })
                }
            };
        }
        let content = r.take(pos, ROWS_CONTENT)?;
        Ok(Rows {
            metadata,
            rows_count,
            content,
        })
    }

    pub(crate) fn encode(
        &self,
        version: ProtocolVersion,
        buf: &mut BytesMut,
    ) -> Result<(), EncodeError> {
        self.check_content()?;
        self.metadata.encode(version, buf, &ROWS_METADATA)?;
        put_int_count(buf, self.rows_count, ROWS_COUNT)?;
        buf.put_slice(&self.content);
        Ok(())
    }

    /// Checks that `content` holds exactly `rows_count × columns_count` values.
    fn check_content(&self) -> Result<(), EncodeError> {
        let invalid = |reason: String| EncodeError::InvalidValue {
            context: ROWS_CONTENT,
            reason,
        };
        let values = self
            .rows_count
            .checked_mul(self.metadata.columns_count)
            .ok_or_else(|| invalid("rows_count × columns_count overflows".into()))?;
        let mut pos = 0;
        for i in 0..values {
            pos = next_value(&self.content, pos)
                .map_err(|_| {
                    invalid(format!(
                        "content ends inside value {i} of {values} \
                         ({} rows × {} columns)",
                        self.rows_count, self.metadata.columns_count
                    ))
                })?
                .1;
        }
        if pos != self.content.len() {
            return Err(invalid(format!(
                "{} bytes of content follow the last of {values} values",
                self.content.len() - pos
            )));
        }
        Ok(())
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = RowRef<'a>;
    type IntoIter = RowIter<'a>;

    fn into_iter(self) -> RowIter<'a> {
        self.iter()
    }
}

/// Where a `[bytes]` value could not be read: offset, bytes needed and left.
struct ValueOverrun {
    at: usize,
    needed: usize,
    available: usize,
}

/// Reads the `[bytes]` value at `pos` in `data`: its byte range (`None` for
/// null, any negative length) and the position after it. Never panics.
fn next_value(
    data: &[u8],
    pos: usize,
) -> Result<(Option<std::ops::Range<usize>>, usize), ValueOverrun> {
    let available = data.len().saturating_sub(pos);
    let len_bytes: [u8; 4] = data
        .get(pos..)
        .and_then(|rest| rest.get(..4))
        .and_then(|b| b.try_into().ok())
        .ok_or(ValueOverrun {
            at: pos,
            needed: 4,
            available,
        })?;
    let len = i32::from_be_bytes(len_bytes);
    let start = pos + 4;
    let Ok(len) = usize::try_from(len) else {
        return Ok((None, start));
    };
    let end = start.checked_add(len).filter(|&end| end <= data.len());
    match end {
        Some(end) => Ok((Some(start..end), end)),
        None => Err(ValueOverrun {
            at: start,
            needed: len,
            available: data.len() - start,
        }),
    }
}

/// An iterator that reads each row of a [`Rows`] result into `T`; see
/// [`Rows::typed`].
#[derive(Debug)]
pub struct TypedRows<'a, T> {
    rows: RowIter<'a>,
    columns: Option<&'a [ColumnSpec]>,
    version: ProtocolVersion,
    marker: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T: DeserializeRow<'a>> Iterator for TypedRows<'a, T> {
    type Item = Result<T, ValueError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        let Some(columns) = self.columns else {
            return Some(Err(ValueError::MissingMetadata));
        };
        Some(T::deserialize_row(columns, row.values(), self.version))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

/// An iterator over the rows of a [`Rows`] result.
///
/// Content that is not a whole number of rows (impossible for a decoded
/// result, possible for a hand-built one) ends the iteration early.
#[derive(Clone, Debug)]
pub struct RowIter<'a> {
    content: &'a [u8],
    pos: usize,
    remaining: usize,
    columns: usize,
}

impl<'a> Iterator for RowIter<'a> {
    type Item = RowRef<'a>;

    fn next(&mut self) -> Option<RowRef<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let start = self.pos;
        let mut pos = start;
        for _ in 0..self.columns {
            match next_value(self.content, pos) {
                Ok((_, next)) => pos = next,
                Err(_) => {
                    self.remaining = 0;
                    return None;
                }
            }
        }
        let Some(data) = self.content.get(start..pos) else {
            self.remaining = 0;
            return None;
        };
        self.remaining -= 1;
        self.pos = pos;
        Some(RowRef {
            data,
            columns: self.columns,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

impl FusedIterator for RowIter<'_> {}

/// One row of a [`Rows`] result, borrowed from its content.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowRef<'a> {
    data: &'a [u8],
    columns: usize,
}

impl<'a> RowRef<'a> {
    /// The number of values in the row.
    pub fn len(&self) -> usize {
        self.columns
    }

    /// Whether the row has no values (a result with no columns).
    pub fn is_empty(&self) -> bool {
        self.columns == 0
    }

    /// The row's values in column order; `None` is a null value.
    pub fn values(&self) -> RowValues<'a> {
        RowValues {
            data: self.data,
            pos: 0,
            remaining: self.columns,
        }
    }

    /// The value of column `index`: `None` if there is no such column,
    /// `Some(None)` if the value is null.
    pub fn get(&self, index: usize) -> Option<Option<&'a [u8]>> {
        if index >= self.columns {
            return None;
        }
        self.values().nth(index)
    }

    /// The row's raw bytes: its values as `[bytes]`.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl fmt::Debug for RowRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.values()).finish()
    }
}

/// An iterator over the values of a [`RowRef`]: `Some(bytes)` or `None` for null.
#[derive(Clone, Debug)]
pub struct RowValues<'a> {
    data: &'a [u8],
    pos: usize,
    remaining: usize,
}

impl<'a> Iterator for RowValues<'a> {
    type Item = Option<&'a [u8]>;

    fn next(&mut self) -> Option<Option<&'a [u8]>> {
        if self.remaining == 0 {
            return None;
        }
        match next_value(self.data, self.pos) {
            Ok((range, next)) => {
                self.remaining -= 1;
                self.pos = next;
                match range {
                    None => Some(None),
                    Some(range) => match self.data.get(range) {
                        Some(value) => Some(Some(value)),
                        None => {
                            self.remaining = 0;
                            None
                        }
                    },
                }
            }
            Err(_) => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.remaining))
    }
}

impl FusedIterator for RowValues<'_> {}

/// Builds a [`Rows`] result row by row, for servers.
#[derive(Clone, Debug)]
pub struct RowsBuilder {
    metadata: RowsMetadata,
    rows_count: usize,
    content: BytesMut,
}

impl RowsBuilder {
    /// Starts an empty result with `metadata`.
    pub fn new(metadata: RowsMetadata) -> Self {
        RowsBuilder {
            metadata,
            rows_count: 0,
            content: BytesMut::new(),
        }
    }

    /// The number of rows pushed so far.
    pub fn rows_count(&self) -> usize {
        self.rows_count
    }

    /// Appends a row. It must have exactly `columns_count` values (`None`
    /// for null); on error nothing is appended.
    pub fn push_row<'v, I>(&mut self, values: I) -> Result<(), EncodeError>
    where
        I: IntoIterator<Item = Option<&'v [u8]>>,
    {
        if self.rows_count >= i32::MAX as usize {
            return Err(EncodeError::TooLong {
                context: ROWS_COUNT,
                length: self.rows_count + 1,
                max: i32::MAX as usize,
            });
        }
        let start = self.content.len();
        let result = self.write_row(values);
        if result.is_err() {
            self.content.truncate(start);
        } else {
            self.rows_count += 1;
        }
        result
    }

    fn write_row<'v, I>(&mut self, values: I) -> Result<(), EncodeError>
    where
        I: IntoIterator<Item = Option<&'v [u8]>>,
    {
        let expected = self.metadata.columns_count;
        let mut count = 0;
        for value in values {
            if count == expected {
                return Err(EncodeError::InvalidValue {
                    context: ROWS_CONTENT,
                    reason: format!("row has more than {expected} values"),
                });
            }
            put_opt_bytes(&mut self.content, value, ROWS_CONTENT)?;
            count += 1;
        }
        if count != expected {
            return Err(EncodeError::InvalidValue {
                context: ROWS_CONTENT,
                reason: format!("row has {count} values but there are {expected} columns"),
            });
        }
        Ok(())
    }

    /// The finished result.
    pub fn finish(self) -> Rows {
        Rows {
            metadata: self.metadata,
            rows_count: self.rows_count,
            content: self.content.freeze(),
        }
    }
}
