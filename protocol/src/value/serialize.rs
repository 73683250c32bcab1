//! [`SerializeValue`]: writing Rust values as CQL values of a given type.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};
use num_bigint::BigInt;
use uuid::Uuid;

use super::collection::{layout, write_count, write_element};
use super::cql_value::{encode_typed, encode_typed_element};
use super::scalar::{self, check_timeuuid};
use super::{varint, CqlDecimal, CqlTimestamp, CqlValue, MaybeEmpty, ValueError};
use crate::types::ColumnType;
use crate::version::ProtocolVersion;
use crate::wire::RawValue;

/// Whether [`SerializeValue::serialize`] wrote a value or the value is null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsNull {
    /// A value was written (possibly zero bytes long).
    No,
    /// The value is null; nothing was written.
    Yes,
}

/// A Rust value that can be written as a CQL value.
///
/// Implementations check that the Rust type fits the column's CQL type (an
/// `i32` fits `int` and `varint`, a `String` fits `ascii` (if it is ASCII),
/// `text` and `varchar`, ...) and fail with a [`ValueError`] otherwise.
///
/// Note that `Vec<u8>` and `&[u8]` are blobs, so `u8` itself does not
/// implement this trait: write small integers as `i8`, `i16` or `u16`.
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::value::{write_value, SerializeValue, ValueError};
/// use cql_protocol::{ColumnType, ProtocolVersion};
///
/// let mut out = BytesMut::new();
/// write_value(&1i32, &ColumnType::Int, ProtocolVersion::V2, &mut out)?;
/// write_value(&None::<i32>, &ColumnType::Int, ProtocolVersion::V2, &mut out)?;
/// assert_eq!(&out[..], &[0, 0, 0, 4, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
///
/// // An i32 is not text.
/// let err = write_value(&1i32, &ColumnType::Varchar, ProtocolVersion::V2, &mut out);
/// assert!(matches!(err, Err(ValueError::TypeMismatch { .. })));
/// assert_eq!(1i32.natural_type(), Some(ColumnType::Int));
/// # Ok::<(), ValueError>(())
/// ```
pub trait SerializeValue {
    /// Writes the value's bytes (no `[bytes]` length prefix) for a column of
    /// type `ty`, checking that the Rust type fits that CQL type; returns
    /// [`IsNull::Yes`] (writing nothing) for null.
    ///
    /// On error, `out` may hold a partly written value; [`write_value`]
    /// removes it.
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError>;

    /// Writes the value as an element of a collection. A collection nested
    /// in another always takes the v3 `[int]` layout, whatever the protocol
    /// version (as Cassandra 2.1+ and the DataStax drivers do it); every other
    /// value is written as [`serialize`](Self::serialize) writes it, which is
    /// what this default does. Collections override it, wrappers forward it.
    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        self.serialize(ty, version, out)
    }

    /// The CQL type this value maps to when no metadata is known
    /// (unprepared statements), or `None` if the value cannot tell (a null,
    /// an empty collection).
    fn natural_type(&self) -> Option<ColumnType>;
}

/// Writes `value` as a `[bytes]` (length prefix, or -1 for null) straight
/// into `out`, back-patching the length: no intermediate allocation.
///
/// On error, `out` is left as it was.
pub fn write_value<T: SerializeValue + ?Sized>(
    value: &T,
    ty: &ColumnType,
    version: ProtocolVersion,
    out: &mut BytesMut,
) -> Result<(), ValueError> {
    let start = out.len();
    out.put_i32(0);
    let result = value.serialize(ty, version, out);
    match result {
        Ok(IsNull::Yes) => {
            out.truncate(start);
            out.put_i32(-1);
            Ok(())
        }
        Ok(IsNull::No) => {
            let length = out.len() - start - 4;
            match i32::try_from(length) {
                Ok(len) => {
                    if let Some(slot) = out.get_mut(start..start + 4) {
                        slot.copy_from_slice(&len.to_be_bytes());
                    }
                    Ok(())
                }
                Err(_) => {
                    out.truncate(start);
                    Err(ValueError::ValueTooLarge {
                        length,
                        max: i32::MAX as usize,
                    })
                }
            }
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Serializes `value` into a [`RawValue`] ([`RawValue::Null`] for null).
///
/// ```
/// use cql_protocol::value::to_raw_value;
/// use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
///
/// let raw = to_raw_value("hi", &ColumnType::Varchar, ProtocolVersion::V2)?;
/// assert_eq!(raw, RawValue::Value(bytes::Bytes::from_static(b"hi")));
/// # Ok::<(), cql_protocol::value::ValueError>(())
/// ```
pub fn to_raw_value<T: SerializeValue + ?Sized>(
    value: &T,
    ty: &ColumnType,
    version: ProtocolVersion,
) -> Result<RawValue, ValueError> {
    let mut out = BytesMut::new();
    match value.serialize(ty, version, &mut out)? {
        IsNull::Yes => Ok(RawValue::Null),
        IsNull::No => {
            if out.len() > i32::MAX as usize {
                return Err(ValueError::ValueTooLarge {
                    length: out.len(),
                    max: i32::MAX as usize,
                });
            }
            Ok(RawValue::Value(out.freeze()))
        }
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for &T {
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        (**self).serialize(ty, version, out)
    }

    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        (**self).serialize_element(ty, version, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        (**self).natural_type()
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for Box<T> {
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        (**self).serialize(ty, version, out)
    }

    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        (**self).serialize_element(ty, version, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        (**self).natural_type()
    }
}

impl<T: SerializeValue> SerializeValue for Option<T> {
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            Some(v) => v.serialize(ty, version, out),
            None => Ok(IsNull::Yes),
        }
    }

    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            Some(v) => v.serialize_element(ty, version, out),
            None => Ok(IsNull::Yes),
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        self.as_ref().and_then(T::natural_type)
    }
}

impl<T: SerializeValue> SerializeValue for MaybeEmpty<T> {
    /// [`MaybeEmpty::Empty`] writes a zero-length value, whatever the type.
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            MaybeEmpty::Value(v) => v.serialize(ty, version, out),
            MaybeEmpty::Empty => Ok(IsNull::No),
        }
    }

    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            MaybeEmpty::Value(v) => v.serialize_element(ty, version, out),
            MaybeEmpty::Empty => Ok(IsNull::No),
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        match self {
            MaybeEmpty::Value(v) => v.natural_type(),
            MaybeEmpty::Empty => None,
        }
    }
}

/// A value serialized already (say, kept from an earlier request) is
/// written as its bytes, whatever the type: it is not checked against the
/// column's type.
///
/// ```
/// use bytes::BytesMut;
/// use cql_protocol::value::{IsNull, SerializeValue};
/// use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
///
/// let mut out = BytesMut::new();
/// let seven = RawValue::Value(vec![0, 0, 0, 7].into());
/// assert_eq!(seven.serialize(&ColumnType::Int, ProtocolVersion::V2, &mut out).unwrap(), IsNull::No);
/// assert_eq!(&out[..], [0, 0, 0, 7]);
/// assert_eq!(RawValue::Null.serialize(&ColumnType::Int, ProtocolVersion::V2, &mut out).unwrap(), IsNull::Yes);
/// ```
impl SerializeValue for RawValue {
    fn serialize(
        &self,
        _ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match self {
            RawValue::Value(bytes) => {
                out.extend_from_slice(bytes);
                Ok(IsNull::No)
            }
            RawValue::Null => Ok(IsNull::Yes),
        }
    }

    fn natural_type(&self) -> Option<ColumnType> {
        None
    }
}

/// Implements `SerializeValue` for an integer type that widens to `i32`
/// (`int`) or `i64` (`bigint`, `counter`), and to `varint`.
macro_rules! serialize_integer {
    ($($t:ty => $natural:ident [$($cql:ident),+] via $wide:ty, $put:ident;)+) => {$(
        impl SerializeValue for $t {
            fn serialize(
                &self,
                ty: &ColumnType,
                _version: ProtocolVersion,
                out: &mut BytesMut,
            ) -> Result<IsNull, ValueError> {
                match ty {
                    $(ColumnType::$cql)|+ => out.$put(<$wide>::from(*self)),
                    ColumnType::Varint => varint::put_i64(i64::from(*self), out),
                    _ => return Err(ValueError::mismatch(stringify!($t), ty)),
                }
                Ok(IsNull::No)
            }

            fn natural_type(&self) -> Option<ColumnType> {
                Some(ColumnType::$natural)
            }
        }
    )+};
}

serialize_integer! {
    i8 => Int [Int] via i32, put_i32;
    i16 => Int [Int] via i32, put_i32;
    i32 => Int [Int] via i32, put_i32;
    u16 => Int [Int] via i32, put_i32;
    i64 => Bigint [Bigint, Counter] via i64, put_i64;
    u32 => Bigint [Bigint, Counter] via i64, put_i64;
}

/// Implements `SerializeValue` for a type that maps to exactly one CQL type.
macro_rules! serialize_simple {
    ($($t:ty => $cql:ident, |$v:ident, $out:ident| $write:expr;)+) => {$(
        impl SerializeValue for $t {
            fn serialize(
                &self,
                ty: &ColumnType,
                _version: ProtocolVersion,
                $out: &mut BytesMut,
            ) -> Result<IsNull, ValueError> {
                if *ty != ColumnType::$cql {
                    return Err(ValueError::mismatch(stringify!($t), ty));
                }
                let $v = self;
                $write;
                Ok(IsNull::No)
            }

            fn natural_type(&self) -> Option<ColumnType> {
                Some(ColumnType::$cql)
            }
        }
    )+};
}

serialize_simple! {
    bool => Boolean, |v, out| out.put_u8(u8::from(*v));
    f32 => Float, |v, out| out.put_f32(*v);
    f64 => Double, |v, out| out.put_f64(*v);
    CqlTimestamp => Timestamp, |v, out| out.put_i64(v.0);
    BigInt => Varint, |v, out| varint::put_bigint(v, out);
    CqlDecimal => Decimal, |v, out| scalar::put_decimal(v, out);
    IpAddr => Inet, |v, out| scalar::put_inet(v, out);
    Ipv4Addr => Inet, |v, out| out.put_slice(&v.octets());
    Ipv6Addr => Inet, |v, out| out.put_slice(&v.octets());
}

impl SerializeValue for Uuid {
    /// Fits `uuid`, and `timeuuid` if this is a version 1 UUID.
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        match ty {
            ColumnType::Uuid => {}
            ColumnType::Timeuuid => check_timeuuid(self)?,
            _ => return Err(ValueError::mismatch("Uuid", ty)),
        }
        out.put_slice(self.as_bytes());
        Ok(IsNull::No)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Uuid)
    }
}

impl SerializeValue for str {
    /// Fits `text` and `varchar`, and `ascii` if every character is ASCII.
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        scalar::put_str("str", self, ty, out)?;
        Ok(IsNull::No)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Varchar)
    }
}

impl SerializeValue for String {
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        scalar::put_str("String", self, ty, out)?;
        Ok(IsNull::No)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Varchar)
    }
}

fn put_blob(
    rust_type: &'static str,
    bytes: &[u8],
    ty: &ColumnType,
    out: &mut BytesMut,
) -> Result<IsNull, ValueError> {
    match ty {
        ColumnType::Blob | ColumnType::Custom(_) => {
            out.put_slice(bytes);
            Ok(IsNull::No)
        }
        _ => Err(ValueError::mismatch(rust_type, ty)),
    }
}

impl SerializeValue for [u8] {
    /// Fits `blob` and custom types.
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        put_blob("[u8]", self, ty, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Blob)
    }
}

impl SerializeValue for Vec<u8> {
    /// Fits `blob` and custom types.
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        put_blob("Vec<u8>", self, ty, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Blob)
    }
}

impl SerializeValue for Bytes {
    /// Fits `blob` and custom types.
    fn serialize(
        &self,
        ty: &ColumnType,
        _version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        put_blob("Bytes", self, ty, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Blob)
    }
}

impl SerializeValue for CqlValue {
    /// Fits the column type the variant belongs to; also `Text` and `Ascii`
    /// in any string column (ascii checked), `Bigint` and `Counter` in
    /// either 64-bit column, `Blob` and `Custom` in blob and custom
    /// columns, `Uuid` in timeuuid if it is version 1, `List` and `Set` in
    /// list and set columns, and `Empty` anywhere.
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        encode_typed(self, ty, version, out, 0)?;
        Ok(IsNull::No)
    }

    fn serialize_element(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        encode_typed_element(self, ty, version, out)?;
        Ok(IsNull::No)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        self.column_type()
    }
}

/// The `serialize` and `serialize_element` methods of a collection type:
/// one writer (`serialize_sequence` or `serialize_map`), taking the protocol
/// version's layout at the top level and the v3 `[int]` one when nested.
macro_rules! collection_serialize_methods {
    ($write:ident) => {
        fn serialize(
            &self,
            ty: &ColumnType,
            version: ProtocolVersion,
            out: &mut BytesMut,
        ) -> Result<IsNull, ValueError> {
            $write(
                std::any::type_name::<Self>(),
                self.iter(),
                ty,
                version,
                false,
                out,
            )
        }

        fn serialize_element(
            &self,
            ty: &ColumnType,
            version: ProtocolVersion,
            out: &mut BytesMut,
        ) -> Result<IsNull, ValueError> {
            $write(
                std::any::type_name::<Self>(),
                self.iter(),
                ty,
                version,
                true,
                out,
            )
        }
    };
}

/// Writes a list or set: the element type comes from `ty`, which must be one
/// of the kinds allowed.
fn serialize_sequence<'a, T, I>(
    rust_type: &'static str,
    items: I,
    ty: &ColumnType,
    version: ProtocolVersion,
    nested: bool,
    out: &mut BytesMut,
) -> Result<IsNull, ValueError>
where
    T: SerializeValue + 'a,
    I: ExactSizeIterator<Item = &'a T>,
{
    let elem = match ty {
        ColumnType::List(elem) | ColumnType::Set(elem) => elem,
        _ => return Err(ValueError::mismatch(rust_type, ty)),
    };
    let width = layout(version, nested);
    write_count(items.len(), width, out)?;
    for item in items {
        write_element(ty, width, out, |out| {
            item.serialize_element(elem, version, out)
        })?;
    }
    Ok(IsNull::No)
}

fn serialize_map<'a, K, V, I>(
    rust_type: &'static str,
    entries: I,
    ty: &ColumnType,
    version: ProtocolVersion,
    nested: bool,
    out: &mut BytesMut,
) -> Result<IsNull, ValueError>
where
    K: SerializeValue + 'a,
    V: SerializeValue + 'a,
    I: ExactSizeIterator<Item = (&'a K, &'a V)>,
{
    let ColumnType::Map(key_ty, value_ty) = ty else {
        return Err(ValueError::mismatch(rust_type, ty));
    };
    let width = layout(version, nested);
    write_count(entries.len(), width, out)?;
    for (k, v) in entries {
        write_element(ty, width, out, |out| {
            k.serialize_element(key_ty, version, out)
        })?;
        write_element(ty, width, out, |out| {
            v.serialize_element(value_ty, version, out)
        })?;
    }
    Ok(IsNull::No)
}

fn first_type<'a, T: SerializeValue + 'a>(
    mut items: impl Iterator<Item = &'a T>,
) -> Option<ColumnType> {
    items.find_map(T::natural_type)
}

/// Fits `list` and `set` columns of a type every element fits.
impl<T: SerializeValue> SerializeValue for [T] {
    collection_serialize_methods!(serialize_sequence);

    /// A list of the first element's natural type.
    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::List(Box::new(first_type(self.iter())?)))
    }
}

/// Fits `list` and `set` columns of a type every element fits.
impl<T: SerializeValue> SerializeValue for Vec<T> {
    collection_serialize_methods!(serialize_sequence);

    /// A list of the first element's natural type.
    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::List(Box::new(first_type(self.iter())?)))
    }
}

/// Fits `set` (and `list`) columns of a type every element fits.
impl<T: SerializeValue, S> SerializeValue for HashSet<T, S> {
    collection_serialize_methods!(serialize_sequence);

    /// A set of an element's natural type.
    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Set(Box::new(first_type(self.iter())?)))
    }
}

/// Fits `set` (and `list`) columns of a type every element fits.
impl<T: SerializeValue> SerializeValue for BTreeSet<T> {
    collection_serialize_methods!(serialize_sequence);

    /// A set of the first element's natural type.
    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Set(Box::new(first_type(self.iter())?)))
    }
}

fn map_type<'a, K: SerializeValue + 'a, V: SerializeValue + 'a>(
    mut entries: impl Iterator<Item = (&'a K, &'a V)>,
) -> Option<ColumnType> {
    let (k, v) = entries.find_map(|(k, v)| Some((k.natural_type()?, v.natural_type()?)))?;
    Some(ColumnType::Map(Box::new(k), Box::new(v)))
}

/// Fits `map` columns whose key and value types the entries fit.
impl<K: SerializeValue, V: SerializeValue, S> SerializeValue for HashMap<K, V, S> {
    collection_serialize_methods!(serialize_map);

    /// A map of an entry's natural key and value types.
    fn natural_type(&self) -> Option<ColumnType> {
        map_type(self.iter())
    }
}

/// Fits `map` columns whose key and value types the entries fit.
impl<K: SerializeValue, V: SerializeValue> SerializeValue for BTreeMap<K, V> {
    collection_serialize_methods!(serialize_map);

    /// A map of the first entry's natural key and value types.
    fn natural_type(&self) -> Option<ColumnType> {
        map_type(self.iter())
    }
}

#[cfg(feature = "chrono")]
impl SerializeValue for chrono::DateTime<chrono::Utc> {
    /// Fits `timestamp`; sub-millisecond precision is truncated.
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        if *ty != ColumnType::Timestamp {
            return Err(ValueError::mismatch("DateTime<Utc>", ty));
        }
        CqlTimestamp::from(*self).serialize(ty, version, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Timestamp)
    }
}

#[cfg(feature = "bigdecimal")]
impl SerializeValue for bigdecimal::BigDecimal {
    /// Fits `decimal`, if the scale fits in an `i32`.
    fn serialize(
        &self,
        ty: &ColumnType,
        version: ProtocolVersion,
        out: &mut BytesMut,
    ) -> Result<IsNull, ValueError> {
        if *ty != ColumnType::Decimal {
            return Err(ValueError::mismatch("BigDecimal", ty));
        }
        CqlDecimal::try_from(self)?.serialize(ty, version, out)
    }

    fn natural_type(&self) -> Option<ColumnType> {
        Some(ColumnType::Decimal)
    }
}
