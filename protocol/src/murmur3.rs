//! The Murmur3 partitioner token, exactly as Cassandra computes it.
//!
//! Cassandra's `Murmur3Partitioner` (the default since 1.2) places a row on
//! the ring by the first 64 bits of MurmurHash3 x64_128 (seed 0) of its
//! partition key bytes, with two twists:
//!
//! - Cassandra's `MurmurHash.hash3_x64_128` reads the *tail* (the last
//!   `len % 16` bytes) as Java's **signed** `byte`, so tail bytes `>= 0x80`
//!   are sign-extended before they are shifted and XORed in. For such keys
//!   the result differs from reference MurmurHash3; 16-byte blocks are not
//!   affected.
//! - The token `i64::MIN` is reserved for the empty key (the ring's
//!   minimum), so a hash of `i64::MIN` is normalised to `i64::MAX`.
//!
//! A key with several partition-key columns is hashed over its composite
//! serialization, built by [`partition_key`].
//!
//! ```
//! use cql_protocol::murmur3::{token, token_for_components};
//!
//! // A single `int` partition key with the value 1.
//! assert_eq!(token(&1i32.to_be_bytes()), -4069959284402364209);
//! // A composite key (int 1, text 'a').
//! let key = token_for_components(&[&1i32.to_be_bytes(), b"a"]).unwrap();
//! assert_eq!(key, 6516349416904725244);
//! ```

use crate::error::EncodeError;

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

/// The largest component a composite partition key can hold: its length is
/// written as an unsigned 16-bit integer.
const MAX_COMPONENT_LEN: usize = u16::MAX as usize;

/// Cassandra's Murmur3Partitioner token for the partition key bytes `key`.
///
/// The empty key has the ring's minimum token, `i64::MIN`; every other key
/// hashes to a value in `i64::MIN + 1 ..= i64::MAX` (a hash of `i64::MIN` is
/// normalised to `i64::MAX`, as Cassandra's `normalize` does). Never panics.
///
/// ```
/// use cql_protocol::murmur3::token;
///
/// assert_eq!(token(b""), i64::MIN);
/// assert_eq!(token(b"hello"), -3758069500696749310);
/// // int -1: the tail bytes 0xff are sign-extended, as in Cassandra.
/// assert_eq!(token(&(-1i32).to_be_bytes()), 7297452126230313552);
/// ```
pub fn token(key: &[u8]) -> i64 {
    if key.is_empty() {
        return i64::MIN;
    }
    let (h1, _) = hash3_x64_128(key, 0);
    let t = h1 as i64;
    if t == i64::MIN {
        i64::MAX
    } else {
        t
    }
}

/// MurmurHash3 x64_128 of `data` with `seed`, in Cassandra's variant, which
/// sign-extends the tail bytes (see the [module docs](self)).
///
/// Returns the two 64-bit halves `(h1, h2)`; Cassandra's token is `h1` read
/// as an `i64`. For inputs whose tail has no byte `>= 0x80` this equals the
/// reference MurmurHash3.
///
/// ```
/// use cql_protocol::murmur3::hash3_x64_128;
///
/// let (h1, _h2) = hash3_x64_128(b"cassandra", 0);
/// assert_eq!(h1 as i64, 356242581507269238);
/// ```
pub fn hash3_x64_128(data: &[u8], seed: u64) -> (u64, u64) {
    // Java's `(long) key.get(i)` sign-extends each tail byte.
    hash_with_tail(data, seed, |b| b as i8 as i64 as u64)
}

/// MurmurHash3 x64_128 with `widen` turning each tail byte into 64 bits:
/// sign extension gives Cassandra's variant, zero extension the reference.
fn hash_with_tail(data: &[u8], seed: u64, widen: impl Fn(u8) -> u64) -> (u64, u64) {
    let mut h1 = seed;
    let mut h2 = seed;

    let mut blocks = data.chunks_exact(16);
    for block in &mut blocks {
        let (lo, hi) = block.split_at(8);
        let mut k1 = u64::from_le_bytes(lo.try_into().unwrap_or([0; 8]));
        let mut k2 = u64::from_le_bytes(hi.try_into().unwrap_or([0; 8]));

        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(27)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x52dc_e729);

        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(31)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x3849_5ab5);
    }

    let tail = blocks.remainder();
    let mut k1 = 0u64;
    let mut k2 = 0u64;
    for (i, &b) in tail.iter().enumerate() {
        let v = widen(b);
        if i < 8 {
            k1 ^= v << (8 * i);
        } else {
            k2 ^= v << (8 * (i - 8));
        }
    }
    if tail.len() > 8 {
        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
    }
    if !tail.is_empty() {
        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
    }

    let len = data.len() as u64;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// The partition key bytes for a key made of `components`, the serialized
/// values of the partition-key columns in their declared order.
///
/// One component is used as it is. Several are joined as Cassandra's
/// `CompositeType` does (and the Python driver's routing key): for each,
/// a 2-byte big-endian length, the bytes, then an end-of-component `0x00`.
/// A component longer than 65535 bytes is [`EncodeError::TooLong`].
///
/// ```
/// use cql_protocol::murmur3::partition_key;
///
/// let key = partition_key(&[&1i32.to_be_bytes(), b"a"]).unwrap();
/// assert_eq!(key, [0, 4, 0, 0, 0, 1, 0, 0, 1, b'a', 0]);
/// assert_eq!(partition_key(&[b"raw"]).unwrap(), b"raw");
/// assert!(partition_key(&[&[0u8; 65536][..], b"x"]).is_err());
/// ```
pub fn partition_key(components: &[&[u8]]) -> Result<Vec<u8>, EncodeError> {
    if let [single] = components {
        return Ok(single.to_vec());
    }
    let mut out = Vec::with_capacity(components.iter().map(|c| c.len() + 3).sum());
    for component in components {
        let len = u16::try_from(component.len()).map_err(|_| EncodeError::TooLong {
            context: "partition key component",
            length: component.len(),
            max: MAX_COMPONENT_LEN,
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(component);
        out.push(0);
    }
    Ok(out)
}

/// The token of the partition key made of `components`: [`token`] of
/// [`partition_key`].
///
/// ```
/// use cql_protocol::murmur3::token_for_components;
///
/// // A single component hashes its raw bytes.
/// assert_eq!(token_for_components(&[b"a"]).unwrap(), -8839064797231613815);
/// assert_eq!(
///     token_for_components(&[&1i32.to_be_bytes(), b"a"]).unwrap(),
///     6516349416904725244
/// );
/// ```
pub fn token_for_components(components: &[&[u8]]) -> Result<i64, EncodeError> {
    Ok(token(&partition_key(components)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn seq(range: std::ops::Range<u8>) -> Vec<u8> {
        range.collect()
    }

    /// Every vector of protocol-notes.md §12.
    #[test]
    fn cassandra_vectors() {
        let cases: Vec<(Vec<u8>, i64)> = vec![
            (vec![0, 0, 0, 1], -4069959284402364209),
            (vec![0, 0, 0, 2], -3248873570005575792),
            (vec![0, 0, 0, 0x2a], -7160136740246525330),
            (vec![0xff; 4], 7297452126230313552),
            (vec![0, 0, 0, 0, 0, 0, 0, 1], 6292367497774912474),
            (b"a".to_vec(), -8839064797231613815),
            (b"hello".to_vec(), -3758069500696749310),
            (b"cassandra".to_vec(), 356242581507269238),
            (seq(0..16), 4920504430128807728),
            (seq(0..17), 6662781046685680142),
            (vec![0xff; 3], -9154616442117352147),
            (seq(0x80..0x8f), 63099782945186636),
            (
                vec![0, 4, 0, 0, 0, 1, 0, 0, 1, b'a', 0],
                6516349416904725244,
            ),
        ];
        for (key, expected) in cases {
            assert_eq!(token(&key), expected, "key {key:02x?}");
        }
        assert_eq!(seq(0x80..0x8f).len(), 15);
    }

    #[test]
    fn typed_keys() {
        assert_eq!(token(&1i32.to_be_bytes()), -4069959284402364209);
        assert_eq!(token(&(-1i32).to_be_bytes()), 7297452126230313552);
        assert_eq!(token(&1i64.to_be_bytes()), 6292367497774912474);
    }

    /// Where the signed tail matters, reference MurmurHash3 gives the values
    /// in the notes' third column: our algorithm with zero-extended tail
    /// bytes reproduces them, so the tail is the only difference.
    #[test]
    fn signed_tail_is_the_only_difference() {
        fn reference_h1(data: &[u8]) -> i64 {
            hash_with_tail(data, 0, u64::from).0 as i64
        }
        assert_eq!(reference_h1(&[0xff; 4]), 4889297221962843713);
        assert_eq!(reference_h1(&[0xff; 3]), 1377468198530594967);
        assert_eq!(reference_h1(&seq(0x80..0x8f)), -4930462673054268231);
        // Keys whose tail is all < 0x80 agree with the reference.
        for key in [b"hello".to_vec(), seq(0..17), vec![0, 0, 0, 1]] {
            assert_eq!(reference_h1(&key), token(&key));
        }
    }

    #[test]
    fn empty_key_is_the_minimum() {
        assert_eq!(token(&[]), i64::MIN);
        assert_eq!(token_for_components(&[b""]).unwrap(), i64::MIN);
    }

    #[test]
    fn composite_serialization() {
        let key = partition_key(&[&1i32.to_be_bytes(), b"a"]).unwrap();
        assert_eq!(key, [0x00, 0x04, 0, 0, 0, 1, 0x00, 0x00, 0x01, 0x61, 0x00]);
        assert_eq!(
            token_for_components(&[&1i32.to_be_bytes(), b"a"]).unwrap(),
            6516349416904725244
        );
        // One component: raw bytes, no framing.
        assert_eq!(partition_key(&[b"abc"]).unwrap(), b"abc");
        // No components: an empty key.
        assert_eq!(partition_key(&[]).unwrap(), b"");
        // Empty components are still framed when there are several.
        assert_eq!(partition_key(&[b"", b""]).unwrap(), [0, 0, 0, 0, 0, 0]);
        // The 65535-byte limit.
        let max = vec![7u8; 65535];
        let key = partition_key(&[&max, b"x"]).unwrap();
        assert_eq!(&key[..2], &[0xff, 0xff]);
        assert_eq!(key.len(), 2 + 65535 + 1 + 2 + 1 + 1);
        let too_long = vec![7u8; 65536];
        assert_eq!(
            partition_key(&[&too_long, b"x"]).unwrap_err(),
            EncodeError::TooLong {
                context: "partition key component",
                length: 65536,
                max: 65535
            }
        );
        assert!(token_for_components(&[b"x", &too_long]).is_err());
        // A single long component is fine: it is not length-prefixed.
        assert!(partition_key(&[&too_long]).is_ok());
    }

    proptest! {
        #[test]
        fn never_panics_and_never_min(key in proptest::collection::vec(any::<u8>(), 1..300)) {
            prop_assert_ne!(token(&key), i64::MIN);
            let _ = hash3_x64_128(&key, 0x1234_5678_9abc_def0);
        }

        #[test]
        fn components_never_panic(parts in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 0..40), 0..5)
        ) {
            let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
            let key = partition_key(&refs).unwrap();
            prop_assert_eq!(token_for_components(&refs).unwrap(), token(&key));
        }
    }
}
