//! Mutations: what an INSERT, UPDATE, DELETE or BATCH turns into.

use bytes::{BufMut, Bytes, BytesMut};
use cql_protocol::version::CollectionSizeWidth;
use cql_protocol::ColumnType;

use super::error::{StorageError, StorageResult};

/// A set of operations on one partition, applied atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mutation {
    /// The partition key bytes: the value itself for a single-column key,
    /// the composite serialization ([`cql_protocol::murmur3::partition_key`])
    /// for a multi-column key.
    pub partition_key: Bytes,
    /// The operations, applied in order.
    pub ops: Vec<Op>,
}

impl Mutation {
    /// A mutation of `partition_key` with these operations.
    pub fn new(partition_key: impl Into<Bytes>, ops: Vec<Op>) -> Self {
        Mutation {
            partition_key: partition_key.into(),
            ops,
        }
    }
}

/// One operation of a [`Mutation`].
///
/// `clustering` holds one value per clustering column (empty for a table
/// without clustering columns); it is ignored for static columns.
/// Timestamps are microseconds; a `ttl` of `None` takes the table's
/// `default_time_to_live`, `Some(0)` means no TTL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `DELETE FROM t WHERE <partition key>`: a partition tombstone.
    DeletePartition {
        /// The deletion timestamp.
        timestamp: i64,
    },
    /// `DELETE` with a prefix of the clustering key: a range tombstone over
    /// every row starting with `prefix`.
    DeleteRange {
        /// A strict prefix of the clustering key.
        prefix: Vec<Bytes>,
        /// The deletion timestamp.
        timestamp: i64,
    },
    /// `DELETE` of a whole row (full clustering key).
    DeleteRow {
        /// The full clustering key.
        clustering: Vec<Bytes>,
        /// The deletion timestamp.
        timestamp: i64,
    },
    /// The row marker (liveness info) that INSERT writes and UPDATE does
    /// not: keeps the row alive even when all its cells are null.
    InsertMarker {
        /// The full clustering key.
        clustering: Vec<Bytes>,
        /// The write timestamp.
        timestamp: i64,
        /// The TTL (see the type docs).
        ttl: Option<u32>,
    },
    /// A write to one column of a row (or of the static row).
    Write {
        /// The full clustering key (ignored for a static column).
        clustering: Vec<Bytes>,
        /// The column name.
        column: String,
        /// What to write.
        write: ColumnWrite,
        /// The write timestamp.
        timestamp: i64,
        /// The TTL (see the type docs).
        ttl: Option<u32>,
    },
}

/// The elements of a collection literal (or of a bound collection value,
/// see [`CollectionLiteral::decode`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectionLiteral {
    /// `[a, b]`.
    List(Vec<Bytes>),
    /// `{a, b}`.
    Set(Vec<Bytes>),
    /// `{k: v}`.
    Map(Vec<(Bytes, Bytes)>),
}

/// A write to one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnWrite {
    /// `c = value` on a non-collection, non-counter column.
    Set(Bytes),
    /// `c = null` or `DELETE c`: a cell tombstone, or a collection tombstone
    /// for a collection.
    Delete,
    /// `c = [..]`, `{..}`: a collection tombstone at `timestamp - 1`, then
    /// the elements at `timestamp` (as Cassandra does).
    Overwrite(CollectionLiteral),
    /// `l = l + [..]`.
    Append(Vec<Bytes>),
    /// `l = [..] + l`.
    Prepend(Vec<Bytes>),
    /// `l[index] = value`.
    SetIndex {
        /// The position in the current live list.
        index: i32,
        /// The new value.
        value: Bytes,
    },
    /// `DELETE l[index]`.
    DeleteIndex(i32),
    /// `l = l - [..]`: removes every element equal to one of these.
    RemoveValues(Vec<Bytes>),
    /// `s = s + {..}`.
    AddElements(Vec<Bytes>),
    /// `s = s - {..}` (also removes keys from a map).
    RemoveElements(Vec<Bytes>),
    /// `m = m + {k: v}` / `m[k] = v`.
    PutEntries(Vec<(Bytes, Bytes)>),
    /// `DELETE m[k]` (or a set element).
    DeleteKey(Bytes),
    /// `c = c + delta` / `c = c - delta` on a counter.
    CounterAdd(i64),
}

impl CollectionLiteral {
    /// Decodes a serialized collection value of type `ty` (as bound in a
    /// prepared statement) in the given layout.
    pub fn decode(
        ty: &ColumnType,
        value: &[u8],
        width: CollectionSizeWidth,
    ) -> StorageResult<Self> {
        let mut reader = Reader { buf: value, width };
        let bad = || {
            StorageError::invalid(format!(
                "Not enough bytes to read a {}",
                super::types::cql_type_name(ty)
            ))
        };
        let n = reader.len().ok_or_else(bad)?;
        let out = match ty {
            ColumnType::List(_) | ColumnType::Set(_) => {
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(reader.item().ok_or_else(bad)?);
                }
                if matches!(ty, ColumnType::List(_)) {
                    CollectionLiteral::List(items)
                } else {
                    CollectionLiteral::Set(items)
                }
            }
            ColumnType::Map(_, _) => {
                let mut items = Vec::new();
                for _ in 0..n {
                    let k = reader.item().ok_or_else(bad)?;
                    let v = reader.item().ok_or_else(bad)?;
                    items.push((k, v));
                }
                CollectionLiteral::Map(items)
            }
            _ => {
                return Err(StorageError::invalid(format!(
                    "{} is not a collection type",
                    super::types::cql_type_name(ty)
                )))
            }
        };
        if !reader.buf.is_empty() {
            return Err(StorageError::invalid(
                "Unexpected extraneous bytes after collection value",
            ));
        }
        Ok(out)
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    width: CollectionSizeWidth,
}

impl Reader<'_> {
    fn len(&mut self) -> Option<usize> {
        match self.width {
            CollectionSizeWidth::Short => {
                let (h, t) = self.buf.split_first_chunk::<2>()?;
                self.buf = t;
                Some(usize::from(u16::from_be_bytes(*h)))
            }
            CollectionSizeWidth::Int => {
                let (h, t) = self.buf.split_first_chunk::<4>()?;
                self.buf = t;
                usize::try_from(i32::from_be_bytes(*h)).ok()
            }
        }
    }

    fn item(&mut self) -> Option<Bytes> {
        let n = self.len()?;
        if n > self.buf.len() {
            return None;
        }
        let (v, t) = self.buf.split_at(n);
        self.buf = t;
        Some(Bytes::copy_from_slice(v))
    }
}

/// Serializes collection items (one value per list/set element, two per
/// map entry, flattened) with `count` elements in a protocol layout.
pub(crate) fn encode_collection(
    count: usize,
    items: &[&[u8]],
    width: CollectionSizeWidth,
) -> StorageResult<Bytes> {
    let max = match width {
        CollectionSizeWidth::Short => usize::from(u16::MAX),
        CollectionSizeWidth::Int => i32::MAX as usize,
    };
    let too_big = || StorageError::invalid("Collection value too large for the protocol version");
    let mut out = BytesMut::new();
    let put_len = |out: &mut BytesMut, n: usize| -> StorageResult<()> {
        if n > max {
            return Err(too_big());
        }
        match width {
            CollectionSizeWidth::Short => out.put_u16(n as u16),
            CollectionSizeWidth::Int => out.put_i32(n as i32),
        }
        Ok(())
    };
    put_len(&mut out, count)?;
    for item in items {
        put_len(&mut out, item.len())?;
        out.put_slice(item);
    }
    Ok(out.freeze())
}
