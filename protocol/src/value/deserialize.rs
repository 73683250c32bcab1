//! [`DeserializeValue`]: reading CQL values of a given type into Rust values.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use num_bigint::BigInt;
use uuid::Uuid;

use super::collection::{layout, CollectionReader};
use super::cql_value::decode_element_value;
use super::scalar::{self, empty_is_value, non_empty, non_null};
use super::{CqlDecimal, CqlTimestamp, CqlValue, ValueError};
use crate::types::ColumnType;
use crate::version::ProtocolVersion;

/// A Rust value that can be read from a CQL value of a given type.
///
/// `'frame` is the lifetime of the frame the bytes come from, so that
/// `&'frame str` and `&'frame [u8]` borrow without copying.
///
/// Implementations check the CQL type: an `i32` reads `int` (and `varint`,
/// if it fits), a `String` reads `ascii`, `text` and `varchar`, and so on.
/// A null is an error unless the target is an `Option`; a zero-length value
/// of a type whose values are not strings or blobs is an error unless the
/// target is a [`MaybeEmpty`].
///
/// ```
/// use cql_protocol::value::{DeserializeValue, ValueError};
/// use cql_protocol::{ColumnType, ProtocolVersion};
///
/// let v = ProtocolVersion::V2;
/// let n = i32::deserialize(&ColumnType::Int, Some(&[0, 0, 0, 7]), v)?;
/// assert_eq!(n, 7);
/// let s = <&str>::deserialize(&ColumnType::Varchar, Some(b"hi"), v)?;
/// assert_eq!(s, "hi");
/// assert_eq!(Option::<i32>::deserialize(&ColumnType::Int, None, v)?, None);
/// assert!(matches!(
///     i32::deserialize(&ColumnType::Int, None, v),
///     Err(ValueError::UnexpectedNull { .. })
/// ));
/// # Ok::<(), ValueError>(())
/// ```
pub trait DeserializeValue<'frame>: Sized {
    /// Reads a value of type `ty`; `value` is `None` for null.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError>;

    /// Reads the value as an element of a collection. A collection nested in
    /// another always takes the v3 `[int]` layout, whatever the protocol
    /// version (as Cassandra 2.1+ and the DataStax drivers do it); every other
    /// value reads as [`deserialize`](Self::deserialize) reads it, which is
    /// what this default does. Collections override it, wrappers forward it.
    fn deserialize_element(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        Self::deserialize(ty, value, version)
    }
}

/// A value that may also be the legacy zero-length "empty" value, which
/// Cassandra accepts for most non-string types and which is distinct from
/// null.
///
/// For string and blob types a zero-length value is just an empty string
/// or blob, so it reads as `Value`.
///
/// ```
/// use cql_protocol::value::{DeserializeValue, MaybeEmpty};
/// use cql_protocol::{ColumnType, ProtocolVersion};
///
/// let v = ProtocolVersion::V2;
/// let e = MaybeEmpty::<i32>::deserialize(&ColumnType::Int, Some(&[]), v).unwrap();
/// assert_eq!(e, MaybeEmpty::Empty);
/// assert!(i32::deserialize(&ColumnType::Int, Some(&[]), v).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MaybeEmpty<T> {
    /// The zero-length value.
    Empty,
    /// An ordinary value.
    Value(T),
}

impl<T> MaybeEmpty<T> {
    /// The value, or `None` if it is empty.
    pub fn into_option(self) -> Option<T> {
        match self {
            MaybeEmpty::Empty => None,
            MaybeEmpty::Value(v) => Some(v),
        }
    }
}

impl<'frame, T: DeserializeValue<'frame>> DeserializeValue<'frame> for MaybeEmpty<T> {
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        match value {
            Some([]) if !empty_is_value(ty) => Ok(MaybeEmpty::Empty),
            _ => T::deserialize(ty, value, version).map(MaybeEmpty::Value),
        }
    }

    fn deserialize_element(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        match value {
            Some([]) if !empty_is_value(ty) => Ok(MaybeEmpty::Empty),
            _ => T::deserialize_element(ty, value, version).map(MaybeEmpty::Value),
        }
    }
}

impl<'frame, T: DeserializeValue<'frame>> DeserializeValue<'frame> for Option<T> {
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        match value {
            None => Ok(None),
            Some(_) => T::deserialize(ty, value, version).map(Some),
        }
    }

    fn deserialize_element(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        match value {
            None => Ok(None),
            Some(_) => T::deserialize_element(ty, value, version).map(Some),
        }
    }
}

/// Implements `DeserializeValue` for an integer type read from `int`
/// (narrow) or `bigint`/`counter` (wide), or from `varint`, range-checked.
macro_rules! deserialize_integer {
    ($($t:ty, $wide:expr;)+) => {$(
        impl<'frame> DeserializeValue<'frame> for $t {
            fn deserialize(
                ty: &ColumnType,
                value: Option<&'frame [u8]>,
                _version: ProtocolVersion,
            ) -> Result<Self, ValueError> {
                let bytes = non_null(stringify!($t), ty, value)?;
                let v = scalar::read_integer(stringify!($t), ty, bytes, $wide)?;
                <$t>::try_from(v).map_err(|_| ValueError::OutOfRange {
                    rust_type: stringify!($t),
                    cql_type: ty.clone(),
                    value: v.to_string(),
                })
            }
        }
    )+};
}

deserialize_integer! {
    i8, false;
    i16, false;
    i32, false;
    u16, false;
    i64, true;
    u32, true;
}

/// Implements `DeserializeValue` for a type read from exactly one CQL type.
macro_rules! deserialize_simple {
    ($($t:ty => $cql:ident, $read:expr;)+) => {$(
        impl<'frame> DeserializeValue<'frame> for $t {
            fn deserialize(
                ty: &ColumnType,
                value: Option<&'frame [u8]>,
                _version: ProtocolVersion,
            ) -> Result<Self, ValueError> {
                if *ty != ColumnType::$cql {
                    return Err(ValueError::mismatch(stringify!($t), ty));
                }
                let bytes = non_null(stringify!($t), ty, value)?;
                $read(ty, bytes)
            }
        }
    )+};
}

deserialize_simple! {
    bool => Boolean, scalar::read_boolean;
    f32 => Float, scalar::read_float;
    f64 => Double, scalar::read_double;
    CqlTimestamp => Timestamp, scalar::read_timestamp;
    BigInt => Varint, scalar::read_varint;
    CqlDecimal => Decimal, scalar::read_decimal;
    IpAddr => Inet, scalar::read_inet;
    Ipv4Addr => Inet, |ty, bytes| scalar::fixed::<4>(ty, bytes).map(Ipv4Addr::from);
    Ipv6Addr => Inet, |ty, bytes| scalar::fixed::<16>(ty, bytes).map(Ipv6Addr::from);
}

impl<'frame> DeserializeValue<'frame> for Uuid {
    /// Reads `uuid` and `timeuuid` (which must be a version 1 UUID).
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        if !matches!(ty, ColumnType::Uuid | ColumnType::Timeuuid) {
            return Err(ValueError::mismatch("Uuid", ty));
        }
        scalar::read_uuid(ty, non_null("Uuid", ty, value)?)
    }
}

impl<'frame> DeserializeValue<'frame> for &'frame str {
    /// Reads `ascii` (checked to be ASCII), `text` and `varchar` without copying.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        scalar::read_str("&str", ty, non_null("&str", ty, value)?)
    }
}

impl<'frame> DeserializeValue<'frame> for String {
    /// Reads `ascii` (checked to be ASCII), `text` and `varchar`.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        scalar::read_str("String", ty, non_null("String", ty, value)?).map(str::to_owned)
    }
}

fn read_blob<'f>(
    rust_type: &'static str,
    ty: &ColumnType,
    value: Option<&'f [u8]>,
) -> Result<&'f [u8], ValueError> {
    match ty {
        ColumnType::Blob | ColumnType::Custom(_) => non_null(rust_type, ty, value),
        _ => Err(ValueError::mismatch(rust_type, ty)),
    }
}

impl<'frame> DeserializeValue<'frame> for &'frame [u8] {
    /// Reads `blob` and custom types without copying.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        read_blob("&[u8]", ty, value)
    }
}

impl<'frame> DeserializeValue<'frame> for Vec<u8> {
    /// Reads `blob` and custom types.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        read_blob("Vec<u8>", ty, value).map(<[u8]>::to_vec)
    }
}

impl<'frame> DeserializeValue<'frame> for Bytes {
    /// Reads `blob` and custom types (copying the bytes).
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        _version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        read_blob("Bytes", ty, value).map(Bytes::copy_from_slice)
    }
}

impl<'frame> DeserializeValue<'frame> for CqlValue {
    /// Reads any type, as [`CqlValue::deserialize`] does; null is an error
    /// (use `Option<CqlValue>`).
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        CqlValue::deserialize(ty, non_null("CqlValue", ty, value)?, version)
    }

    fn deserialize_element(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        decode_element_value(ty, non_null("CqlValue", ty, value)?, version)
    }
}

/// The `deserialize` and `deserialize_element` methods of a collection
/// type: one reader (`read_sequence` or `read_map`) with the collection's
/// constructor and insert step, taking the protocol version's layout at the
/// top level and the v3 `[int]` one when nested.
macro_rules! collection_deserialize_methods {
    ($read:ident, $with_capacity:expr, $insert:expr $(,)?) => {
        fn deserialize(
            ty: &ColumnType,
            value: Option<&'frame [u8]>,
            version: ProtocolVersion,
        ) -> Result<Self, ValueError> {
            let name = std::any::type_name::<Self>();
            $read(name, ty, value, version, false, $with_capacity, $insert)
        }

        fn deserialize_element(
            ty: &ColumnType,
            value: Option<&'frame [u8]>,
            version: ProtocolVersion,
        ) -> Result<Self, ValueError> {
            let name = std::any::type_name::<Self>();
            $read(name, ty, value, version, true, $with_capacity, $insert)
        }
    };
}

/// Reads the elements of a list or set value (also accepting the other kind
/// when `any_sequence`), handing each to `push`, after checking the count
/// against the bytes left. `reserve` receives the checked count.
fn read_sequence<'f, T, C>(
    rust_type: &'static str,
    ty: &ColumnType,
    value: Option<&'f [u8]>,
    version: ProtocolVersion,
    nested: bool,
    with_capacity: impl FnOnce(usize) -> C,
    mut push: impl FnMut(&mut C, T),
) -> Result<C, ValueError>
where
    T: DeserializeValue<'f>,
{
    let elem = match ty {
        ColumnType::List(elem) | ColumnType::Set(elem) => elem,
        _ => return Err(ValueError::mismatch(rust_type, ty)),
    };
    let bytes = non_null(rust_type, ty, value)?;
    non_empty(ty, bytes)?;
    let (mut reader, count) = CollectionReader::new(ty, bytes, layout(version, nested), 1)?;
    let mut out = with_capacity(count);
    for _ in 0..count {
        let item = T::deserialize_element(elem, reader.next_element(ty)?, version)?;
        push(&mut out, item);
    }
    reader.finish(ty)?;
    Ok(out)
}

fn read_map<'f, K, V, C>(
    rust_type: &'static str,
    ty: &ColumnType,
    value: Option<&'f [u8]>,
    version: ProtocolVersion,
    nested: bool,
    with_capacity: impl FnOnce(usize) -> C,
    mut insert: impl FnMut(&mut C, K, V),
) -> Result<C, ValueError>
where
    K: DeserializeValue<'f>,
    V: DeserializeValue<'f>,
{
    let ColumnType::Map(key_ty, value_ty) = ty else {
        return Err(ValueError::mismatch(rust_type, ty));
    };
    let bytes = non_null(rust_type, ty, value)?;
    non_empty(ty, bytes)?;
    let (mut reader, count) = CollectionReader::new(ty, bytes, layout(version, nested), 2)?;
    let mut out = with_capacity(count);
    for _ in 0..count {
        let k = K::deserialize_element(key_ty, reader.next_element(ty)?, version)?;
        let v = V::deserialize_element(value_ty, reader.next_element(ty)?, version)?;
        insert(&mut out, k, v);
    }
    reader.finish(ty)?;
    Ok(out)
}

/// Reads `list` and `set` values, in wire order.
impl<'frame, T: DeserializeValue<'frame>> DeserializeValue<'frame> for Vec<T> {
    collection_deserialize_methods!(read_sequence, Vec::with_capacity, Vec::push);
}

/// Reads `set` (and `list`) values; duplicates collapse.
impl<'frame, T, S> DeserializeValue<'frame> for HashSet<T, S>
where
    T: DeserializeValue<'frame> + Eq + Hash,
    S: BuildHasher + Default,
{
    collection_deserialize_methods!(
        read_sequence,
        |n| HashSet::with_capacity_and_hasher(n, S::default()),
        |set, item| {
            set.insert(item);
        }
    );
}

/// Reads `set` (and `list`) values; duplicates collapse.
impl<'frame, T> DeserializeValue<'frame> for BTreeSet<T>
where
    T: DeserializeValue<'frame> + Ord,
{
    collection_deserialize_methods!(read_sequence, |_| BTreeSet::new(), |set, item| {
        set.insert(item);
    });
}

/// Reads `map` values; for a repeated key the last entry wins.
impl<'frame, K, V, S> DeserializeValue<'frame> for HashMap<K, V, S>
where
    K: DeserializeValue<'frame> + Eq + Hash,
    V: DeserializeValue<'frame>,
    S: BuildHasher + Default,
{
    collection_deserialize_methods!(
        read_map,
        |n| HashMap::with_capacity_and_hasher(n, S::default()),
        |map, k, v| {
            map.insert(k, v);
        }
    );
}

/// Reads `map` values; for a repeated key the last entry wins.
impl<'frame, K, V> DeserializeValue<'frame> for BTreeMap<K, V>
where
    K: DeserializeValue<'frame> + Ord,
    V: DeserializeValue<'frame>,
{
    collection_deserialize_methods!(read_map, |_| BTreeMap::new(), |map, k, v| {
        map.insert(k, v);
    });
}

#[cfg(feature = "chrono")]
impl<'frame> DeserializeValue<'frame> for chrono::DateTime<chrono::Utc> {
    /// Reads `timestamp`; fails with [`ValueError::TimestampOutOfRange`]
    /// outside chrono's range.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        if *ty != ColumnType::Timestamp {
            return Err(ValueError::mismatch("DateTime<Utc>", ty));
        }
        let value = non_null("DateTime<Utc>", ty, value)?;
        CqlTimestamp::deserialize(ty, Some(value), version)?.try_into()
    }
}

#[cfg(feature = "bigdecimal")]
impl<'frame> DeserializeValue<'frame> for bigdecimal::BigDecimal {
    /// Reads `decimal`.
    fn deserialize(
        ty: &ColumnType,
        value: Option<&'frame [u8]>,
        version: ProtocolVersion,
    ) -> Result<Self, ValueError> {
        if *ty != ColumnType::Decimal {
            return Err(ValueError::mismatch("BigDecimal", ty));
        }
        let value = non_null("BigDecimal", ty, value)?;
        CqlDecimal::deserialize(ty, Some(value), version).map(Into::into)
    }
}
