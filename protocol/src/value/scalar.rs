//! Bounds-checked readers and writers for the non-collection types (spec
//! §6), shared by [`CqlValue`](super::CqlValue) and the typed trait impls.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, BytesMut};
use num_bigint::BigInt;
use uuid::Uuid;

use super::{varint, CqlDecimal, CqlTimestamp, ValueError};
use crate::types::ColumnType;

/// Whether a zero-length value of `ty` is an ordinary value (an empty string
/// or blob) rather than the legacy "empty" value.
pub(crate) fn empty_is_value(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Ascii
            | ColumnType::Text
            | ColumnType::Varchar
            | ColumnType::Blob
            | ColumnType::Custom(_)
    )
}

/// Returns the value's bytes, or [`ValueError::UnexpectedNull`].
pub(crate) fn non_null<'f>(
    rust_type: &'static str,
    ty: &ColumnType,
    value: Option<&'f [u8]>,
) -> Result<&'f [u8], ValueError> {
    value.ok_or_else(|| ValueError::UnexpectedNull {
        rust_type,
        cql_type: ty.clone(),
    })
}

/// Fails with [`ValueError::UnexpectedEmpty`] for a zero-length value.
pub(crate) fn non_empty(ty: &ColumnType, bytes: &[u8]) -> Result<(), ValueError> {
    if bytes.is_empty() {
        Err(ValueError::UnexpectedEmpty {
            cql_type: ty.clone(),
        })
    } else {
        Ok(())
    }
}

/// Reads a value that must be exactly `N` bytes long.
pub(crate) fn fixed<const N: usize>(ty: &ColumnType, bytes: &[u8]) -> Result<[u8; N], ValueError> {
    non_empty(ty, bytes)?;
    <[u8; N]>::try_from(bytes).map_err(|_| ValueError::WrongLength {
        cql_type: ty.clone(),
        expected: N,
        got: bytes.len(),
    })
}

pub(crate) fn read_int(ty: &ColumnType, bytes: &[u8]) -> Result<i32, ValueError> {
    fixed::<4>(ty, bytes).map(i32::from_be_bytes)
}

pub(crate) fn read_long(ty: &ColumnType, bytes: &[u8]) -> Result<i64, ValueError> {
    fixed::<8>(ty, bytes).map(i64::from_be_bytes)
}

pub(crate) fn read_boolean(ty: &ColumnType, bytes: &[u8]) -> Result<bool, ValueError> {
    fixed::<1>(ty, bytes).map(|[b]| b != 0)
}

pub(crate) fn read_float(ty: &ColumnType, bytes: &[u8]) -> Result<f32, ValueError> {
    fixed::<4>(ty, bytes).map(f32::from_be_bytes)
}

pub(crate) fn read_double(ty: &ColumnType, bytes: &[u8]) -> Result<f64, ValueError> {
    fixed::<8>(ty, bytes).map(f64::from_be_bytes)
}

pub(crate) fn read_timestamp(ty: &ColumnType, bytes: &[u8]) -> Result<CqlTimestamp, ValueError> {
    read_long(ty, bytes).map(CqlTimestamp)
}

/// Fails unless `id` is a version 1 (time-based) UUID, as Cassandra's
/// `TimeUUIDType` requires.
pub(crate) fn check_timeuuid(id: &Uuid) -> Result<(), ValueError> {
    match id.get_version_num() {
        1 => Ok(()),
        version => Err(ValueError::InvalidTimeuuid { version }),
    }
}

/// Reads a uuid; for a timeuuid column also checks the version.
pub(crate) fn read_uuid(ty: &ColumnType, bytes: &[u8]) -> Result<Uuid, ValueError> {
    let id = Uuid::from_bytes(fixed::<16>(ty, bytes)?);
    if *ty == ColumnType::Timeuuid {
        check_timeuuid(&id)?;
    }
    Ok(id)
}

pub(crate) fn read_inet(ty: &ColumnType, bytes: &[u8]) -> Result<IpAddr, ValueError> {
    non_empty(ty, bytes)?;
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ok(IpAddr::V4(Ipv4Addr::from(v4)))
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ok(IpAddr::V6(Ipv6Addr::from(v6)))
    } else {
        Err(ValueError::InvalidInetLength {
            length: bytes.len(),
        })
    }
}

pub(crate) fn put_inet(ip: &IpAddr, out: &mut BytesMut) {
    match ip {
        IpAddr::V4(v4) => out.put_slice(&v4.octets()),
        IpAddr::V6(v6) => out.put_slice(&v6.octets()),
    }
}

/// Fails with [`ValueError::NotAscii`] at the first byte above 127.
pub(crate) fn check_ascii(bytes: &[u8]) -> Result<(), ValueError> {
    match bytes.iter().position(|b| !b.is_ascii()) {
        None => Ok(()),
        Some(index) => Err(ValueError::NotAscii {
            index,
            byte: bytes.get(index).copied().unwrap_or_default(),
        }),
    }
}

pub(crate) fn read_utf8(bytes: &[u8]) -> Result<&str, ValueError> {
    std::str::from_utf8(bytes).map_err(|e| ValueError::InvalidUtf8 {
        valid_up_to: e.valid_up_to(),
    })
}

/// Reads an ascii, text or varchar value without copying.
pub(crate) fn read_str<'f>(
    rust_type: &'static str,
    ty: &ColumnType,
    bytes: &'f [u8],
) -> Result<&'f str, ValueError> {
    match ty {
        ColumnType::Ascii => {
            check_ascii(bytes)?;
            read_utf8(bytes)
        }
        ColumnType::Text | ColumnType::Varchar => read_utf8(bytes),
        _ => Err(ValueError::mismatch(rust_type, ty)),
    }
}

/// Writes a string for an ascii, text or varchar column.
pub(crate) fn put_str(
    rust_type: &'static str,
    s: &str,
    ty: &ColumnType,
    out: &mut BytesMut,
) -> Result<(), ValueError> {
    match ty {
        ColumnType::Ascii => check_ascii(s.as_bytes())?,
        ColumnType::Text | ColumnType::Varchar => {}
        _ => return Err(ValueError::mismatch(rust_type, ty)),
    }
    out.put_slice(s.as_bytes());
    Ok(())
}

pub(crate) fn read_varint(ty: &ColumnType, bytes: &[u8]) -> Result<BigInt, ValueError> {
    non_empty(ty, bytes)?;
    Ok(varint::to_bigint(bytes))
}

pub(crate) fn read_decimal(ty: &ColumnType, bytes: &[u8]) -> Result<CqlDecimal, ValueError> {
    non_empty(ty, bytes)?;
    match bytes.split_first_chunk::<4>() {
        Some((scale, unscaled)) if !unscaled.is_empty() => Ok(CqlDecimal {
            unscaled: varint::to_bigint(unscaled),
            scale: i32::from_be_bytes(*scale),
        }),
        _ => Err(ValueError::Malformed {
            cql_type: ty.clone(),
            reason: format!(
                "a decimal needs a 4-byte scale and at least one byte of unscaled value, got {} bytes",
                bytes.len()
            ),
        }),
    }
}

pub(crate) fn put_decimal(d: &CqlDecimal, out: &mut BytesMut) {
    out.put_i32(d.scale);
    varint::put_bigint(&d.unscaled, out);
}

/// Reads an integer column (`int`, or `bigint`/`counter` when `wide`, or
/// `varint`) as an `i64`, for conversion to an integer Rust type.
pub(crate) fn read_integer(
    rust_type: &'static str,
    ty: &ColumnType,
    bytes: &[u8],
    wide: bool,
) -> Result<i64, ValueError> {
    match ty {
        ColumnType::Int if !wide => read_int(ty, bytes).map(i64::from),
        ColumnType::Bigint | ColumnType::Counter if wide => read_long(ty, bytes),
        ColumnType::Varint => {
            non_empty(ty, bytes)?;
            varint::to_i64(bytes).ok_or_else(|| ValueError::OutOfRange {
                rust_type,
                cql_type: ty.clone(),
                value: varint::describe(bytes),
            })
        }
        _ => Err(ValueError::mismatch(rust_type, ty)),
    }
}
