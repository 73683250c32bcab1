//! The varint encoding (spec §6.17): minimal big-endian two's complement.
//!
//! Encoding always writes the shortest form (`128` is `00 80`, `-129` is
//! `ff 7f`); decoding accepts any length of at least one byte, padded or not.

use bytes::{BufMut, BytesMut};
use num_bigint::BigInt;

/// Writes `value` as a minimal varint.
pub(crate) fn put_i64(value: i64, out: &mut BytesMut) {
    let bytes = value.to_be_bytes();
    let mut rest: &[u8] = &bytes;
    // Drop a leading byte while it only repeats the sign of the next one.
    while let [first, next, ..] = rest {
        let redundant =
            (*first == 0x00 && next & 0x80 == 0) || (*first == 0xff && next & 0x80 != 0);
        if !redundant {
            break;
        }
        rest = rest.get(1..).unwrap_or_default();
    }
    out.put_slice(rest);
}

/// Writes `value` as a minimal varint.
pub(crate) fn put_bigint(value: &BigInt, out: &mut BytesMut) {
    // num-bigint already produces the minimal two's complement form, with a
    // single 00 for zero.
    out.put_slice(&value.to_signed_bytes_be());
}

/// Decodes a varint of any length into a `BigInt`. An empty slice decodes
/// as zero; callers reject empty values first.
pub(crate) fn to_bigint(bytes: &[u8]) -> BigInt {
    BigInt::from_signed_bytes_be(bytes)
}

/// Decodes a varint into an `i64`, or `None` if it does not fit (or is empty).
/// Padding bytes that only repeat the sign are accepted.
pub(crate) fn to_i64(bytes: &[u8]) -> Option<i64> {
    let first = *bytes.first()?;
    let negative = first & 0x80 != 0;
    let fill = if negative { 0xff } else { 0x00 };
    let mut rest = bytes;
    while let [b, next, ..] = rest {
        if *b != fill || (next & 0x80 != 0) != negative {
            break;
        }
        rest = rest.get(1..).unwrap_or_default();
    }
    if rest.len() > 8 {
        return None;
    }
    let mut acc: i64 = if negative { -1 } else { 0 };
    for &b in rest {
        acc = (acc << 8) | i64::from(b);
    }
    Some(acc)
}

/// A short description of a varint for error messages, without converting
/// huge values to decimal (which is quadratic in their length).
pub(crate) fn describe(bytes: &[u8]) -> String {
    if bytes.len() <= 32 {
        to_bigint(bytes).to_string()
    } else {
        format!("a {}-byte varint", bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: i64) -> Vec<u8> {
        let mut b = BytesMut::new();
        put_i64(v, &mut b);
        b.to_vec()
    }

    fn enc_big(v: &BigInt) -> Vec<u8> {
        let mut b = BytesMut::new();
        put_bigint(v, &mut b);
        b.to_vec()
    }

    #[test]
    fn spec_examples() {
        let cases: &[(i64, &[u8])] = &[
            (0, &[0x00]),
            (1, &[0x01]),
            (127, &[0x7f]),
            (128, &[0x00, 0x80]),
            (129, &[0x00, 0x81]),
            (-1, &[0xff]),
            (-128, &[0x80]),
            (-129, &[0xff, 0x7f]),
            (i64::MAX, &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            (i64::MIN, &[0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (v, bytes) in cases {
            assert_eq!(enc(*v), *bytes, "{v}");
            assert_eq!(enc_big(&BigInt::from(*v)), *bytes, "{v}");
            assert_eq!(to_i64(bytes), Some(*v));
            assert_eq!(to_bigint(bytes), BigInt::from(*v));
        }
    }

    #[test]
    fn padded_and_oversized() {
        assert_eq!(to_i64(&[0x00, 0x00, 0x00, 0x01]), Some(1));
        assert_eq!(to_i64(&[0xff, 0xff, 0xff]), Some(-1));
        assert_eq!(to_i64(&[0x00; 20]), Some(0));
        assert_eq!(to_i64(&[0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(to_i64(&[0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0]), None);
        assert_eq!(to_i64(&[]), None);
        assert_eq!(describe(&[0x01; 40]), "a 40-byte varint");
    }

    #[test]
    fn i64_encoding_is_minimal_like_bigint() {
        for v in [
            -1_000_000i64,
            -32769,
            -32768,
            -256,
            -255,
            255,
            256,
            32767,
            32768,
            1 << 40,
        ] {
            assert_eq!(enc(v), enc_big(&BigInt::from(v)), "{v}");
        }
    }
}
