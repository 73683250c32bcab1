//! The notation types of the spec (§3): `[int]`, `[short]`, `[string]`,
//! `[bytes]`, `[inet]`, `[string map]` and the rest.
//!
//! [`Reader`] reads them from a body with bounds checks on every access; the
//! `put_*` functions write them to a [`BytesMut`]. A count read from the wire
//! is checked against the bytes that remain before anything is reserved for it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::{BufMut, Bytes, BytesMut};
use uuid::Uuid;

use crate::error::{DecodeError, EncodeError};

/// A value of the `[bytes]` notation: a length-prefixed byte string that may
/// be null (negative length).
///
/// Empty (`Value` of zero bytes) and null are distinct, as they are in
/// Cassandra.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RawValue {
    /// A null value (length -1 on the wire).
    Null,
    /// A value, possibly empty.
    Value(Bytes),
}

impl RawValue {
    /// The value's bytes, or `None` for null.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            RawValue::Null => None,
            RawValue::Value(b) => Some(b),
        }
    }

    /// Converts into an `Option`, `None` for null.
    pub fn into_option(self) -> Option<Bytes> {
        match self {
            RawValue::Null => None,
            RawValue::Value(b) => Some(b),
        }
    }

    /// Number of bytes this value takes on the wire as `[bytes]`.
    pub fn encoded_len(&self) -> usize {
        4 + self.as_bytes().map_or(0, Bytes::len)
    }
}

impl From<Option<Bytes>> for RawValue {
    fn from(value: Option<Bytes>) -> Self {
        match value {
            None => RawValue::Null,
            Some(b) => RawValue::Value(b),
        }
    }
}

impl From<Bytes> for RawValue {
    fn from(value: Bytes) -> Self {
        RawValue::Value(value)
    }
}

impl From<Vec<u8>> for RawValue {
    fn from(value: Vec<u8>) -> Self {
        RawValue::Value(Bytes::from(value))
    }
}

/// A bounds-checked cursor over a message body.
///
/// It holds a [`Bytes`], so `[bytes]` fields are returned as zero-copy slices
/// of the frame body.
#[derive(Clone, Debug)]
pub struct Reader {
    buf: Bytes,
    pos: usize,
}

impl Reader {
    /// Starts reading `buf` from its first byte.
    pub fn new(buf: Bytes) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails with [`DecodeError::TrailingBytes`] unless every byte was read.
    pub fn expect_end(&self, context: &'static str) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { context, count }),
        }
    }

    /// Takes the next `n` bytes as a zero-copy slice.
    pub fn take(&mut self, n: usize, context: &'static str) -> Result<Bytes, DecodeError> {
        self.need(n, context)?;
        let out = self.buf.slice(self.pos..self.pos + n);
        self.pos += n;
        Ok(out)
    }

    /// Takes every byte that is left.
    pub fn take_rest(&mut self) -> Bytes {
        let out = self.buf.slice(self.pos..);
        self.pos = self.buf.len();
        out
    }

    fn need(&self, n: usize, context: &'static str) -> Result<(), DecodeError> {
        if self.remaining() < n {
            Err(DecodeError::Truncated {
                context,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            })
        } else {
            Ok(())
        }
    }

    fn array<const N: usize>(&mut self, context: &'static str) -> Result<[u8; N], DecodeError> {
        self.need(N, context)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
        self.pos += N;
        Ok(out)
    }

    /// Reads a `[byte]`.
    pub fn read_u8(&mut self, context: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(context)?[0])
    }

    /// Reads a `[short]` (unsigned 16-bit).
    pub fn read_u16(&mut self, context: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array(context)?))
    }

    /// Reads an `[int]` (signed 32-bit).
    pub fn read_i32(&mut self, context: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array(context)?))
    }

    /// Reads a `[long]` (signed 64-bit).
    pub fn read_i64(&mut self, context: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array(context)?))
    }

    /// Reads an `[int]` that must not be negative.
    pub fn read_non_negative_i32(&mut self, context: &'static str) -> Result<usize, DecodeError> {
        let offset = self.pos;
        let n = self.read_i32(context)?;
        usize::try_from(n).map_err(|_| DecodeError::InvalidLength {
            context,
            offset,
            length: n.into(),
        })
    }

    /// Checks that `count` elements of at least `min_element_len` bytes each
    /// fit in what remains, so that a lying count cannot drive an allocation.
    /// `offset` is where the count was read.
    pub fn check_count(
        &self,
        count: usize,
        min_element_len: usize,
        context: &'static str,
        offset: usize,
    ) -> Result<(), DecodeError> {
        let available = self.remaining();
        let max_possible = available.checked_div(min_element_len).unwrap_or(usize::MAX);
        if min_element_len > 0 && count > max_possible {
            return Err(DecodeError::CountTooLarge {
                context,
                offset,
                count: count as u64,
                available,
                max_possible: max_possible as u64,
            });
        }
        Ok(())
    }

    /// Reads a `[short]` count and checks it against the remaining bytes.
    pub fn read_short_count(
        &mut self,
        min_element_len: usize,
        context: &'static str,
    ) -> Result<usize, DecodeError> {
        let offset = self.pos;
        let n = self.read_u16(context)? as usize;
        self.check_count(n, min_element_len, context, offset)?;
        Ok(n)
    }

    /// Reads an `[int]` count, rejecting negatives, and checks it against the
    /// remaining bytes.
    pub fn read_int_count(
        &mut self,
        min_element_len: usize,
        context: &'static str,
    ) -> Result<usize, DecodeError> {
        let offset = self.pos;
        let n = self.read_non_negative_i32(context)?;
        self.check_count(n, min_element_len, context, offset)?;
        Ok(n)
    }

    fn utf8(&mut self, len: usize, context: &'static str) -> Result<String, DecodeError> {
        let offset = self.pos;
        let bytes = self.take(len, context)?;
        match std::str::from_utf8(&bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(DecodeError::InvalidUtf8 { context, offset }),
        }
    }

    /// Reads a `[string]`: a `[short]` length and UTF-8 bytes.
    pub fn read_string(&mut self, context: &'static str) -> Result<String, DecodeError> {
        let len = self.read_u16(context)? as usize;
        self.utf8(len, context)
    }

    /// Reads a `[long string]`: an `[int]` length and UTF-8 bytes.
    pub fn read_long_string(&mut self, context: &'static str) -> Result<String, DecodeError> {
        let len = self.read_non_negative_i32(context)?;
        self.utf8(len, context)
    }

    /// Reads a `[uuid]`.
    pub fn read_uuid(&mut self, context: &'static str) -> Result<Uuid, DecodeError> {
        Ok(Uuid::from_bytes(self.array(context)?))
    }

    /// Reads a `[string list]`.
    pub fn read_string_list(&mut self, context: &'static str) -> Result<Vec<String>, DecodeError> {
        let n = self.read_short_count(2, context)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.read_string(context)?);
        }
        Ok(out)
    }

    /// Reads a `[bytes]`: an `[int]` length (negative for null) and the bytes.
    pub fn read_bytes(&mut self, context: &'static str) -> Result<RawValue, DecodeError> {
        let n = self.read_i32(context)?;
        if n < 0 {
            return Ok(RawValue::Null);
        }
        Ok(RawValue::Value(self.take(n as usize, context)?))
    }

    /// Reads a `[bytes]` that may also be null, as an `Option`.
    pub fn read_opt_bytes(&mut self, context: &'static str) -> Result<Option<Bytes>, DecodeError> {
        Ok(self.read_bytes(context)?.into_option())
    }

    /// Reads a `[short bytes]`.
    pub fn read_short_bytes(&mut self, context: &'static str) -> Result<Bytes, DecodeError> {
        let len = self.read_u16(context)? as usize;
        self.take(len, context)
    }

    /// Reads an `[inet]`: a size byte (4 or 16), the address and an `[int]` port.
    pub fn read_inet(&mut self, context: &'static str) -> Result<SocketAddr, DecodeError> {
        let offset = self.pos;
        let ip = match self.read_u8(context)? {
            4 => IpAddr::V4(Ipv4Addr::from(self.array::<4>(context)?)),
            16 => IpAddr::V6(Ipv6Addr::from(self.array::<16>(context)?)),
            other => {
                return Err(DecodeError::InvalidValue {
                    context,
                    offset,
                    reason: format!("address size must be 4 or 16, got {other}"),
                })
            }
        };
        let port_offset = self.pos;
        let port = self.read_i32(context)?;
        let port = u16::try_from(port).map_err(|_| DecodeError::InvalidValue {
            context,
            offset: port_offset,
            reason: format!("port {port} is out of range"),
        })?;
        Ok(SocketAddr::new(ip, port))
    }

    /// Reads a `[string map]`, keeping the order of the wire.
    pub fn read_string_map(
        &mut self,
        context: &'static str,
    ) -> Result<Vec<(String, String)>, DecodeError> {
        let n = self.read_short_count(4, context)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.read_string(context)?;
            let v = self.read_string(context)?;
            out.push((k, v));
        }
        Ok(out)
    }

    /// Reads a `[string multimap]`, keeping the order of the wire.
    pub fn read_string_multimap(
        &mut self,
        context: &'static str,
    ) -> Result<Vec<(String, Vec<String>)>, DecodeError> {
        let n = self.read_short_count(4, context)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let k = self.read_string(context)?;
            let v = self.read_string_list(context)?;
            out.push((k, v));
        }
        Ok(out)
    }
}

fn short_len(len: usize, context: &'static str) -> Result<u16, EncodeError> {
    u16::try_from(len).map_err(|_| EncodeError::TooLong {
        context,
        length: len,
        max: u16::MAX as usize,
    })
}

fn int_len(len: usize, context: &'static str) -> Result<i32, EncodeError> {
    i32::try_from(len).map_err(|_| EncodeError::TooLong {
        context,
        length: len,
        max: i32::MAX as usize,
    })
}

/// Writes a `[short]` count, failing if it does not fit in 16 bits.
pub fn put_short_count(
    buf: &mut BytesMut,
    count: usize,
    context: &'static str,
) -> Result<(), EncodeError> {
    buf.put_u16(short_len(count, context)?);
    Ok(())
}

/// Writes an `[int]` count, failing if it does not fit in 31 bits.
pub fn put_int_count(
    buf: &mut BytesMut,
    count: usize,
    context: &'static str,
) -> Result<(), EncodeError> {
    buf.put_i32(int_len(count, context)?);
    Ok(())
}

/// Writes a `[string]`.
pub fn put_string(buf: &mut BytesMut, s: &str, context: &'static str) -> Result<(), EncodeError> {
    buf.put_u16(short_len(s.len(), context)?);
    buf.put_slice(s.as_bytes());
    Ok(())
}

/// Writes a `[long string]`.
pub fn put_long_string(
    buf: &mut BytesMut,
    s: &str,
    context: &'static str,
) -> Result<(), EncodeError> {
    buf.put_i32(int_len(s.len(), context)?);
    buf.put_slice(s.as_bytes());
    Ok(())
}

/// Writes a `[uuid]`.
pub fn put_uuid(buf: &mut BytesMut, id: &Uuid) {
    buf.put_slice(id.as_bytes());
}

/// Writes a `[string list]`.
pub fn put_string_list<S: AsRef<str>>(
    buf: &mut BytesMut,
    list: &[S],
    context: &'static str,
) -> Result<(), EncodeError> {
    put_short_count(buf, list.len(), context)?;
    for s in list {
        put_string(buf, s.as_ref(), context)?;
    }
    Ok(())
}

/// Writes a `[bytes]` value, null as length -1.
pub fn put_bytes(
    buf: &mut BytesMut,
    value: &RawValue,
    context: &'static str,
) -> Result<(), EncodeError> {
    match value {
        RawValue::Null => buf.put_i32(-1),
        RawValue::Value(b) => put_bytes_slice(buf, b, context)?,
    }
    Ok(())
}

/// Writes a non-null `[bytes]` value from a slice.
pub fn put_bytes_slice(
    buf: &mut BytesMut,
    value: &[u8],
    context: &'static str,
) -> Result<(), EncodeError> {
    buf.put_i32(int_len(value.len(), context)?);
    buf.put_slice(value);
    Ok(())
}

/// Writes an optional `[bytes]` value, `None` as null.
pub fn put_opt_bytes(
    buf: &mut BytesMut,
    value: Option<&[u8]>,
    context: &'static str,
) -> Result<(), EncodeError> {
    match value {
        None => buf.put_i32(-1),
        Some(b) => put_bytes_slice(buf, b, context)?,
    }
    Ok(())
}

/// Writes a `[short bytes]`.
pub fn put_short_bytes(
    buf: &mut BytesMut,
    value: &[u8],
    context: &'static str,
) -> Result<(), EncodeError> {
    buf.put_u16(short_len(value.len(), context)?);
    buf.put_slice(value);
    Ok(())
}

/// Writes an `[inet]`.
pub fn put_inet(buf: &mut BytesMut, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(ip) => {
            buf.put_u8(4);
            buf.put_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            buf.put_u8(16);
            buf.put_slice(&ip.octets());
        }
    }
    buf.put_i32(i32::from(addr.port()));
}

/// Writes a `[string map]` in the given order.
pub fn put_string_map<K: AsRef<str>, V: AsRef<str>>(
    buf: &mut BytesMut,
    map: &[(K, V)],
    context: &'static str,
) -> Result<(), EncodeError> {
    put_short_count(buf, map.len(), context)?;
    for (k, v) in map {
        put_string(buf, k.as_ref(), context)?;
        put_string(buf, v.as_ref(), context)?;
    }
    Ok(())
}

/// Writes a `[string multimap]` in the given order.
pub fn put_string_multimap<K: AsRef<str>, V: AsRef<str>>(
    buf: &mut BytesMut,
    map: &[(K, Vec<V>)],
    context: &'static str,
) -> Result<(), EncodeError> {
    put_short_count(buf, map.len(), context)?;
    for (k, v) in map {
        put_string(buf, k.as_ref(), context)?;
        put_string_list(buf, v, context)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: &[u8]) -> Reader {
        Reader::new(Bytes::copy_from_slice(bytes))
    }

    #[test]
    fn reads_spec_notations() {
        let mut r = reader(&[
            0x00, 0x03, b'a', b'b', b'c', // [string]
            0x00, 0x00, 0x00, 0x02, b'h', b'i', // [long string]
            0xff, 0xff, 0xff, 0xff, // [bytes] null
            0x00, 0x00, 0x00, 0x00, // [bytes] empty
            0x00, 0x01, 0x07, // [short bytes]
            0x04, 127, 0, 0, 1, 0x00, 0x00, 0x23, 0x52, // [inet] 127.0.0.1:9042
        ]);
        assert_eq!(r.read_string("s").unwrap(), "abc");
        assert_eq!(r.read_long_string("ls").unwrap(), "hi");
        assert_eq!(r.read_bytes("b").unwrap(), RawValue::Null);
        assert_eq!(r.read_bytes("b").unwrap(), RawValue::Value(Bytes::new()));
        assert_eq!(&r.read_short_bytes("sb").unwrap()[..], &[7]);
        assert_eq!(
            r.read_inet("inet").unwrap(),
            "127.0.0.1:9042".parse().unwrap()
        );
        r.expect_end("test").unwrap();
    }

    #[test]
    fn writes_spec_notations() {
        let mut b = BytesMut::new();
        put_string(&mut b, "abc", "s").unwrap();
        put_long_string(&mut b, "hi", "ls").unwrap();
        put_bytes(&mut b, &RawValue::Null, "b").unwrap();
        put_bytes(&mut b, &RawValue::Value(Bytes::new()), "b").unwrap();
        put_short_bytes(&mut b, &[7], "sb").unwrap();
        put_inet(&mut b, &"127.0.0.1:9042".parse().unwrap());
        assert_eq!(
            &b[..],
            &[
                0x00, 0x03, b'a', b'b', b'c', 0x00, 0x00, 0x00, 0x02, b'h', b'i', 0xff, 0xff, 0xff,
                0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x04, 127, 0, 0, 1, 0x00, 0x00,
                0x23, 0x52,
            ]
        );
    }

    #[test]
    fn truncation_names_field_and_offset() {
        let mut r = reader(&[0x00, 0x05, b'a']);
        assert_eq!(
            r.read_string("QUERY.query"),
            Err(DecodeError::Truncated {
                context: "QUERY.query",
                offset: 2,
                needed: 5,
                available: 1
            })
        );
    }

    #[test]
    fn bad_utf8_is_typed() {
        let mut r = reader(&[0x00, 0x02, 0xc3, 0x28]);
        assert_eq!(
            r.read_string("s"),
            Err(DecodeError::InvalidUtf8 {
                context: "s",
                offset: 2
            })
        );
    }

    #[test]
    fn lying_counts_are_rejected_before_allocation() {
        // 65535 strings claimed, two bytes of body left.
        let mut r = reader(&[0xff, 0xff, 0x00, 0x00]);
        assert!(matches!(
            r.read_string_list("list"),
            Err(DecodeError::CountTooLarge {
                count: 65535,
                available: 2,
                max_possible: 1,
                ..
            })
        ));
        let mut r = reader(&[0x7f, 0xff, 0xff, 0xff]);
        assert!(matches!(
            r.read_int_count(1, "rows"),
            Err(DecodeError::CountTooLarge { .. })
        ));
        let mut r = reader(&[0xff, 0xff, 0xff, 0xfe]);
        assert!(matches!(
            r.read_int_count(1, "rows"),
            Err(DecodeError::InvalidLength { length: -2, .. })
        ));
    }

    #[test]
    fn bad_inet_is_typed() {
        let mut r = reader(&[0x05, 1, 2, 3, 4, 5, 0, 0, 0, 1]);
        assert!(matches!(
            r.read_inet("inet"),
            Err(DecodeError::InvalidValue { .. })
        ));
        let mut r = reader(&[0x04, 1, 2, 3, 4, 0, 1, 0, 0]);
        assert!(matches!(
            r.read_inet("inet"),
            Err(DecodeError::InvalidValue { .. })
        ));
    }

    #[test]
    fn too_long_strings_fail_to_encode() {
        let s = "x".repeat(70_000);
        let mut b = BytesMut::new();
        assert_eq!(
            put_string(&mut b, &s, "s"),
            Err(EncodeError::TooLong {
                context: "s",
                length: 70_000,
                max: 65_535
            })
        );
    }
}
