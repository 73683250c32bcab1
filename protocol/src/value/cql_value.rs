//! [`CqlValue`]: any CQL value, decoded by its column type.

use std::net::IpAddr;

use bytes::{BufMut, Bytes, BytesMut};
use num_bigint::BigInt;
use uuid::Uuid;

use super::collection::{layout, write_count, write_element, CollectionReader};
use super::scalar::{self, check_ascii, check_timeuuid, empty_is_value};
use super::{varint, CqlDecimal, CqlTimestamp, IsNull, ValueError, MAX_VALUE_NESTING};
use crate::types::ColumnType;
use crate::version::ProtocolVersion;

/// Any CQL value of the types protocol v1/v2 knows.
///
/// Decode one with [`CqlValue::deserialize`] given its column type; encode it
/// with [`CqlValue::serialize`] (untyped: the value's own variant decides the
/// layout) or, checked against a column type, through
/// [`SerializeValue`](super::SerializeValue).
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::value::CqlValue;
/// use cql_protocol::{ColumnType, ProtocolVersion};
///
/// let ty = ColumnType::List(Box::new(ColumnType::Int));
/// let bytes = [0, 2, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0, 0, 2];
/// let value = CqlValue::deserialize(&ty, &bytes, ProtocolVersion::V2)?;
/// assert_eq!(value, CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]));
///
/// let mut out = BytesMut::new();
/// value.serialize(ProtocolVersion::V2, &mut out)?;
/// assert_eq!(&out[..], &bytes);
/// # Ok::<(), cql_protocol::value::ValueError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum CqlValue {
    /// ascii: 7-bit ASCII text.
    Ascii(String),
    /// bigint.
    Bigint(i64),
    /// blob.
    Blob(Bytes),
    /// boolean.
    Boolean(bool),
    /// counter.
    Counter(i64),
    /// decimal.
    Decimal(CqlDecimal),
    /// double.
    Double(f64),
    /// float.
    Float(f32),
    /// int.
    Int(i32),
    /// text or varchar.
    Text(String),
    /// timestamp.
    Timestamp(CqlTimestamp),
    /// uuid.
    Uuid(Uuid),
    /// timeuuid (always a version 1 UUID).
    Timeuuid(Uuid),
    /// varint.
    Varint(BigInt),
    /// inet (an address without a port).
    Inet(IpAddr),
    /// list.
    List(Vec<CqlValue>),
    /// set, in wire order.
    Set(Vec<CqlValue>),
    /// map, in wire order.
    Map(Vec<(CqlValue, CqlValue)>),
    /// A value of a custom type: its bytes, uninterpreted.
    Custom(Bytes),
    /// A zero-length value of a type whose values are not strings or blobs
    /// (a legacy form Cassandra still accepts); distinct from null.
    Empty,
}

impl CqlValue {
    /// Decodes a non-null value of type `ty` from its bytes (without the
    /// `[bytes]` length prefix).
    ///
    /// A zero-length value of a type other than ascii, text, varchar, blob
    /// or a custom type decodes as [`CqlValue::Empty`]. Collections nest at
    /// most [`MAX_VALUE_NESTING`] deep. Never panics, and allocates no more
    /// than the input justifies.
    pub fn deserialize(
        ty: &ColumnType,
        bytes: &[u8],
        version: ProtocolVersion,
    ) -> Result<CqlValue, ValueError> {
        decode_at(ty, bytes, version, 0)
    }

    /// Encodes this value's bytes (without a length prefix), choosing the
    /// layout from the variant alone. To check the value against a column
    /// type as well, use [`SerializeValue::serialize`](super::SerializeValue::serialize).
    pub fn serialize(
        &self,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<(), ValueError> {
        encode_untyped(self, version, out, 0)
    }

    /// The CQL type of this value, where the value tells it: `None` for
    /// [`CqlValue::Empty`], for custom values (whose class is unknown) and
    /// for collections whose element types cannot be seen (empty ones).
    /// Text maps to `varchar`, the type Cassandra reports for text columns.
    pub fn column_type(&self) -> Option<ColumnType> {
        Some(match self {
            CqlValue::Ascii(_) => ColumnType::Ascii,
            CqlValue::Bigint(_) => ColumnType::Bigint,
            CqlValue::Blob(_) => ColumnType::Blob,
            CqlValue::Boolean(_) => ColumnType::Boolean,
            CqlValue::Counter(_) => ColumnType::Counter,
            CqlValue::Decimal(_) => ColumnType::Decimal,
            CqlValue::Double(_) => ColumnType::Double,
            CqlValue::Float(_) => ColumnType::Float,
            CqlValue::Int(_) => ColumnType::Int,
            CqlValue::Text(_) => ColumnType::Varchar,
            CqlValue::Timestamp(_) => ColumnType::Timestamp,
            CqlValue::Uuid(_) => ColumnType::Uuid,
            CqlValue::Timeuuid(_) => ColumnType::Timeuuid,
            CqlValue::Varint(_) => ColumnType::Varint,
            CqlValue::Inet(_) => ColumnType::Inet,
            CqlValue::List(items) => {
                ColumnType::List(Box::new(items.iter().find_map(CqlValue::column_type)?))
            }
            CqlValue::Set(items) => {
                ColumnType::Set(Box::new(items.iter().find_map(CqlValue::column_type)?))
            }
            CqlValue::Map(entries) => {
                let (k, v) = entries
                    .iter()
                    .find_map(|(k, v)| Some((k.column_type()?, v.column_type()?)))?;
                ColumnType::Map(Box::new(k), Box::new(v))
            }
            CqlValue::Custom(_) | CqlValue::Empty => return None,
        })
    }

    /// The variant's name, for error messages.
    pub(crate) fn variant_name(&self) -> &'static str {
        match self {
            CqlValue::Ascii(_) => "CqlValue::Ascii",
            CqlValue::Bigint(_) => "CqlValue::Bigint",
            CqlValue::Blob(_) => "CqlValue::Blob",
            CqlValue::Boolean(_) => "CqlValue::Boolean",
            CqlValue::Counter(_) => "CqlValue::Counter",
            CqlValue::Decimal(_) => "CqlValue::Decimal",
            CqlValue::Double(_) => "CqlValue::Double",
            CqlValue::Float(_) => "CqlValue::Float",
            CqlValue::Int(_) => "CqlValue::Int",
            CqlValue::Text(_) => "CqlValue::Text",
            CqlValue::Timestamp(_) => "CqlValue::Timestamp",
            CqlValue::Uuid(_) => "CqlValue::Uuid",
            CqlValue::Timeuuid(_) => "CqlValue::Timeuuid",
            CqlValue::Varint(_) => "CqlValue::Varint",
            CqlValue::Inet(_) => "CqlValue::Inet",
            CqlValue::List(_) => "CqlValue::List",
            CqlValue::Set(_) => "CqlValue::Set",
            CqlValue::Map(_) => "CqlValue::Map",
            CqlValue::Custom(_) => "CqlValue::Custom",
            CqlValue::Empty => "CqlValue::Empty",
        }
    }
}

fn check_depth(depth: usize) -> Result<(), ValueError> {
    if depth > MAX_VALUE_NESTING {
        Err(ValueError::NestingTooDeep {
            max: MAX_VALUE_NESTING,
        })
    } else {
        Ok(())
    }
}

fn decode_at(
    ty: &ColumnType,
    bytes: &[u8],
    version: ProtocolVersion,
    depth: usize,
) -> Result<CqlValue, ValueError> {
    check_depth(depth)?;
    if bytes.is_empty() && !empty_is_value(ty) {
        return Ok(CqlValue::Empty);
    }
    Ok(match ty {
        ColumnType::Custom(_) => CqlValue::Custom(Bytes::copy_from_slice(bytes)),
        ColumnType::Ascii => CqlValue::Ascii(scalar::read_str("CqlValue", ty, bytes)?.to_owned()),
        ColumnType::Text | ColumnType::Varchar => {
            CqlValue::Text(scalar::read_str("CqlValue", ty, bytes)?.to_owned())
        }
        ColumnType::Blob => CqlValue::Blob(Bytes::copy_from_slice(bytes)),
        ColumnType::Bigint => CqlValue::Bigint(scalar::read_long(ty, bytes)?),
        ColumnType::Counter => CqlValue::Counter(scalar::read_long(ty, bytes)?),
        ColumnType::Boolean => CqlValue::Boolean(scalar::read_boolean(ty, bytes)?),
        ColumnType::Decimal => CqlValue::Decimal(scalar::read_decimal(ty, bytes)?),
        ColumnType::Double => CqlValue::Double(scalar::read_double(ty, bytes)?),
        ColumnType::Float => CqlValue::Float(scalar::read_float(ty, bytes)?),
        ColumnType::Int => CqlValue::Int(scalar::read_int(ty, bytes)?),
        ColumnType::Timestamp => CqlValue::Timestamp(scalar::read_timestamp(ty, bytes)?),
        ColumnType::Uuid => CqlValue::Uuid(scalar::read_uuid(ty, bytes)?),
        ColumnType::Timeuuid => CqlValue::Timeuuid(scalar::read_uuid(ty, bytes)?),
        ColumnType::Varint => CqlValue::Varint(scalar::read_varint(ty, bytes)?),
        ColumnType::Inet => CqlValue::Inet(scalar::read_inet(ty, bytes)?),
        ColumnType::List(elem) => CqlValue::List(decode_sequence(ty, elem, bytes, version, depth)?),
        ColumnType::Set(elem) => CqlValue::Set(decode_sequence(ty, elem, bytes, version, depth)?),
        ColumnType::Map(key_ty, value_ty) => {
            let (mut reader, count) =
                CollectionReader::new(ty, bytes, layout(version, depth > 0), 2)?;
            let mut entries = Vec::with_capacity(count);
            for _ in 0..count {
                let key = decode_element(ty, key_ty, reader.next_element(ty)?, version, depth)?;
                let value = decode_element(ty, value_ty, reader.next_element(ty)?, version, depth)?;
                entries.push((key, value));
            }
            reader.finish(ty)?;
            CqlValue::Map(entries)
        }
    })
}

fn decode_sequence(
    ty: &ColumnType,
    elem: &ColumnType,
    bytes: &[u8],
    version: ProtocolVersion,
    depth: usize,
) -> Result<Vec<CqlValue>, ValueError> {
    let (mut reader, count) = CollectionReader::new(ty, bytes, layout(version, depth > 0), 1)?;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        items.push(decode_element(
            ty,
            elem,
            reader.next_element(ty)?,
            version,
            depth,
        )?);
    }
    reader.finish(ty)?;
    Ok(items)
}

fn decode_element(
    collection: &ColumnType,
    elem: &ColumnType,
    bytes: Option<&[u8]>,
    version: ProtocolVersion,
    depth: usize,
) -> Result<CqlValue, ValueError> {
    match bytes {
        Some(bytes) => decode_at(elem, bytes, version, depth + 1),
        None => Err(ValueError::NullElement {
            cql_type: collection.clone(),
        }),
    }
}

fn encode_untyped(
    value: &CqlValue,
    version: ProtocolVersion,
    out: &mut BytesMut,
    depth: usize,
) -> Result<(), ValueError> {
    check_depth(depth)?;
    let width = layout(version, depth > 0);
    match value {
        CqlValue::Ascii(s) => {
            check_ascii(s.as_bytes())?;
            out.put_slice(s.as_bytes());
        }
        CqlValue::Text(s) => out.put_slice(s.as_bytes()),
        CqlValue::Blob(b) | CqlValue::Custom(b) => out.put_slice(b),
        CqlValue::Bigint(v) | CqlValue::Counter(v) => out.put_i64(*v),
        CqlValue::Boolean(v) => out.put_u8(u8::from(*v)),
        CqlValue::Decimal(d) => scalar::put_decimal(d, out),
        CqlValue::Double(v) => out.put_f64(*v),
        CqlValue::Float(v) => out.put_f32(*v),
        CqlValue::Int(v) => out.put_i32(*v),
        CqlValue::Timestamp(t) => out.put_i64(t.0),
        CqlValue::Uuid(id) => out.put_slice(id.as_bytes()),
        CqlValue::Timeuuid(id) => {
            check_timeuuid(id)?;
            out.put_slice(id.as_bytes());
        }
        CqlValue::Varint(v) => varint::put_bigint(v, out),
        CqlValue::Inet(ip) => scalar::put_inet(ip, out),
        CqlValue::List(items) | CqlValue::Set(items) => {
            // `write_element` names the collection type only when an element
            // is null, which an untyped element never is.
            let ty = ColumnType::Blob;
            write_count(items.len(), width, out)?;
            for item in items {
                write_element(&ty, width, out, |out| {
                    encode_untyped(item, version, out, depth + 1).map(|()| IsNull::No)
                })?;
            }
        }
        CqlValue::Map(entries) => {
            let ty = ColumnType::Blob;
            write_count(entries.len(), width, out)?;
            for (k, v) in entries {
                write_element(&ty, width, out, |out| {
                    encode_untyped(k, version, out, depth + 1).map(|()| IsNull::No)
                })?;
                write_element(&ty, width, out, |out| {
                    encode_untyped(v, version, out, depth + 1).map(|()| IsNull::No)
                })?;
            }
        }
        CqlValue::Empty => {}
    }
    Ok(())
}

/// Encodes `value` as an element of a collection (nested collections take
/// the v3 layout), for an element type `ty`.
pub(crate) fn encode_typed_element(
    value: &CqlValue,
    ty: &ColumnType,
    version: ProtocolVersion,
    out: &mut BytesMut,
) -> Result<(), ValueError> {
    encode_typed(value, ty, version, out, 1)
}

/// Decodes `bytes` as an element of a collection (nested collections take
/// the v3 layout).
pub(crate) fn decode_element_value(
    ty: &ColumnType,
    bytes: &[u8],
    version: ProtocolVersion,
) -> Result<CqlValue, ValueError> {
    decode_at(ty, bytes, version, 1)
}

/// Encodes `value` for a column of type `ty`, failing if they do not match.
pub(crate) fn encode_typed(
    value: &CqlValue,
    ty: &ColumnType,
    version: ProtocolVersion,
    out: &mut BytesMut,
    depth: usize,
) -> Result<(), ValueError> {
    use ColumnType as T;
    check_depth(depth)?;
    let width = layout(version, depth > 0);
    match (value, ty) {
        (CqlValue::Empty, _) => {}
        (CqlValue::Ascii(s) | CqlValue::Text(s), T::Ascii | T::Text | T::Varchar) => {
            scalar::put_str(value.variant_name(), s, ty, out)?;
        }
        (CqlValue::Blob(b) | CqlValue::Custom(b), T::Blob | T::Custom(_)) => out.put_slice(b),
        (CqlValue::Bigint(v) | CqlValue::Counter(v), T::Bigint | T::Counter) => out.put_i64(*v),
        (CqlValue::Boolean(v), T::Boolean) => out.put_u8(u8::from(*v)),
        (CqlValue::Decimal(d), T::Decimal) => scalar::put_decimal(d, out),
        (CqlValue::Double(v), T::Double) => out.put_f64(*v),
        (CqlValue::Float(v), T::Float) => out.put_f32(*v),
        (CqlValue::Int(v), T::Int) => out.put_i32(*v),
        (CqlValue::Timestamp(t), T::Timestamp) => out.put_i64(t.0),
        (CqlValue::Uuid(id) | CqlValue::Timeuuid(id), T::Uuid | T::Timeuuid) => {
            if *ty == T::Timeuuid || matches!(value, CqlValue::Timeuuid(_)) {
                check_timeuuid(id)?;
            }
            out.put_slice(id.as_bytes());
        }
        (CqlValue::Varint(v), T::Varint) => varint::put_bigint(v, out),
        (CqlValue::Inet(ip), T::Inet) => scalar::put_inet(ip, out),
        (CqlValue::List(items) | CqlValue::Set(items), T::List(elem) | T::Set(elem)) => {
            write_count(items.len(), width, out)?;
            for item in items {
                write_element(ty, width, out, |out| {
                    encode_typed(item, elem, version, out, depth + 1).map(|()| IsNull::No)
                })?;
            }
        }
        (CqlValue::Map(entries), T::Map(key_ty, value_ty)) => {
            write_count(entries.len(), width, out)?;
            for (k, v) in entries {
                write_element(ty, width, out, |out| {
                    encode_typed(k, key_ty, version, out, depth + 1).map(|()| IsNull::No)
                })?;
                write_element(ty, width, out, |out| {
                    encode_typed(v, value_ty, version, out, depth + 1).map(|()| IsNull::No)
                })?;
            }
        }
        _ => return Err(ValueError::mismatch(value.variant_name(), ty)),
    }
    Ok(())
}
