//! Frame body compression (spec §5): lz4 and snappy, as Cassandra does them.
//!
//! - **lz4**: a 4-byte big-endian uncompressed length, then one LZ4 *block*
//!   (not the LZ4 frame format).
//! - **snappy**: one raw Snappy block, with no extra prefix.
//!
//! Decompression never trusts a length it reads: the claimed uncompressed
//! size is checked against a caller-given limit before anything is
//! allocated, and the output must be exactly that size.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{DecodeError, EncodeError};

/// A compression algorithm that STARTUP can negotiate.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    /// LZ4 block with a big-endian length prefix.
    Lz4,
    /// Raw Snappy block.
    Snappy,
}

impl Compression {
    /// The name used in STARTUP's `COMPRESSION` option and in SUPPORTED.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Lz4 => "lz4",
            Compression::Snappy => "snappy",
        }
    }

    /// Compresses `body`, appending the result to `out`.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use cql_protocol::Compression;
    ///
    /// let body = b"SELECT * FROM system.local WHERE key='local'".repeat(4);
    /// let mut compressed = BytesMut::new();
    /// Compression::Lz4.compress(&body, &mut compressed).unwrap();
    /// let back = Compression::Lz4.decompress(&compressed, 1 << 20).unwrap();
    /// assert_eq!(&back[..], &body[..]);
    /// ```
    pub fn compress(self, body: &[u8], out: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Compression::Lz4 => {
                let len = u32::try_from(body.len()).map_err(|_| EncodeError::TooLong {
                    context: "lz4 body",
                    length: body.len(),
                    max: i32::MAX as usize,
                })?;
                out.put_u32(len);
                out.extend_from_slice(&lz4_flex::block::compress(body));
            }
            Compression::Snappy => {
                let compressed = snap::raw::Encoder::new().compress_vec(body).map_err(|e| {
                    EncodeError::InvalidValue {
                        context: "snappy body",
                        reason: e.to_string(),
                    }
                })?;
                out.extend_from_slice(&compressed);
            }
        }
        Ok(())
    }

    /// Decompresses `body`, refusing any output larger than `max_len` bytes.
    pub fn decompress(self, body: &[u8], max_len: usize) -> Result<Bytes, DecodeError> {
        let algorithm = self.name();
        let fail = |reason: String| DecodeError::Decompression { algorithm, reason };
        match self {
            Compression::Lz4 => {
                let Some((prefix, block)) = body.split_first_chunk::<4>() else {
                    return Err(fail(format!(
                        "body of {} bytes is shorter than the 4-byte length prefix",
                        body.len()
                    )));
                };
                let len = u32::from_be_bytes(*prefix) as usize;
                if len > max_len {
                    return Err(fail(format!(
                        "claimed uncompressed length {len} exceeds the limit of {max_len}"
                    )));
                }
                // An LZ4 block expands at most 255x; a claim beyond that is a lie
                // that must not drive the allocation below.
                if len > block.len().saturating_mul(255).saturating_add(16) {
                    return Err(fail(format!(
                        "claimed uncompressed length {len} is impossible for {} compressed bytes",
                        block.len()
                    )));
                }
                let mut out = vec![0u8; len];
                let written = lz4_flex::block::decompress_into(block, &mut out)
                    .map_err(|e| fail(e.to_string()))?;
                if written != len {
                    return Err(fail(format!(
                        "block decompressed to {written} bytes but the prefix claimed {len}"
                    )));
                }
                Ok(Bytes::from(out))
            }
            Compression::Snappy => {
                let len = snap::raw::decompress_len(body).map_err(|e| fail(e.to_string()))?;
                if len > max_len {
                    return Err(fail(format!(
                        "claimed uncompressed length {len} exceeds the limit of {max_len}"
                    )));
                }
                // snap checks the claimed length against the input size before
                // allocating, and that the output fills it exactly.
                let out = snap::raw::Decoder::new()
                    .decompress_vec(body)
                    .map_err(|e| fail(e.to_string()))?;
                Ok(Bytes::from(out))
            }
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for a compression name that is not lz4 or snappy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Unknown compression algorithm: {0}")]
pub struct UnknownCompression(pub String);

impl FromStr for Compression {
    type Err = UnknownCompression;

    /// Parses `"lz4"` or `"snappy"` (case-insensitive, as Cassandra is).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "lz4" => Ok(Compression::Lz4),
            "snappy" => Ok(Compression::Snappy),
            _ => Err(UnknownCompression(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Compression; 2] = [Compression::Lz4, Compression::Snappy];

    #[test]
    fn round_trips_including_empty() {
        for c in ALL {
            for body in [
                Vec::new(),
                b"x".to_vec(),
                (0..20_000u32).map(|i| (i % 251) as u8).collect(),
            ] {
                let mut out = BytesMut::new();
                c.compress(&body, &mut out).unwrap();
                assert_eq!(&c.decompress(&out, body.len()).unwrap()[..], &body[..]);
            }
        }
    }

    #[test]
    fn lz4_prefix_is_big_endian() {
        let mut out = BytesMut::new();
        Compression::Lz4.compress(&[7u8; 300], &mut out).unwrap();
        assert_eq!(&out[..4], &[0, 0, 0x01, 0x2c]);
    }

    #[test]
    fn lying_lengths_are_errors_not_allocations() {
        // lz4 claiming 4 GiB from 5 bytes.
        let err = Compression::Lz4
            .decompress(&[0xff, 0xff, 0xff, 0xff, 0x00], usize::MAX)
            .unwrap_err();
        assert!(matches!(err, DecodeError::Decompression { .. }));
        // Over the caller's limit.
        let mut out = BytesMut::new();
        Compression::Lz4.compress(&[0u8; 1000], &mut out).unwrap();
        assert!(Compression::Lz4.decompress(&out, 999).is_err());
        let mut out = BytesMut::new();
        Compression::Snappy
            .compress(&[0u8; 1000], &mut out)
            .unwrap();
        assert!(Compression::Snappy.decompress(&out, 999).is_err());
        // Snappy claiming a huge varint length from a few bytes.
        assert!(Compression::Snappy
            .decompress(&[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00], usize::MAX)
            .is_err());
    }

    #[test]
    fn corrupt_bodies_are_errors() {
        for c in ALL {
            let mut out = BytesMut::new();
            c.compress(&b"hello hello hello hello".repeat(10), &mut out)
                .unwrap();
            let mut corrupt = out.to_vec();
            let last = corrupt.len() - 1;
            corrupt.truncate(last);
            assert!(c.decompress(&corrupt, 1 << 20).is_err(), "{c}");
            assert!(c.decompress(&[], 1 << 20).is_err(), "{c}");
        }
        // lz4 whose block decodes to fewer bytes than claimed.
        let mut out = BytesMut::new();
        Compression::Lz4.compress(b"abc", &mut out).unwrap();
        out[3] = 4;
        assert!(Compression::Lz4.decompress(&out, 100).is_err());
    }

    #[test]
    fn names() {
        assert_eq!("LZ4".parse::<Compression>().unwrap(), Compression::Lz4);
        assert_eq!(
            "snappy".parse::<Compression>().unwrap(),
            Compression::Snappy
        );
        assert_eq!(
            "gzip".parse::<Compression>().unwrap_err().to_string(),
            "Unknown compression algorithm: gzip"
        );
    }
}
