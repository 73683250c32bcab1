//! Compression interop with Cassandra's framing (protocol-notes.md §7).
//!
//! - Committed vectors in `tests/vectors/compression/`, made by
//!   `python/tools/gen_compression_vectors.py` with the Python `lz4` and
//!   `snappy` packages: our `decompress` must give back each input.
//! - Differential tests against the Python driver's own `lz4_compress` /
//!   `lz4_decompress` and snappy functions, through the oracle (needs the
//!   venv of `scripts/python-env`).

#[path = "support/oracle.rs"]
mod oracle;

use std::path::PathBuf;

use bytes::BytesMut;
use cql_protocol::Compression;
use serde_json::json;

use oracle::{hex, unhex, Oracle};

const VECTORS: [&str; 4] = ["short_text", "mixed_16k", "random_4k", "repeated_20k"];

fn vector(name: &str, ext: &str) -> Vec<u8> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "vectors",
        "compression",
        &format!("{name}.{ext}"),
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn compress(c: Compression, body: &[u8]) -> Vec<u8> {
    let mut out = BytesMut::new();
    c.compress(body, &mut out).unwrap();
    out.to_vec()
}

#[test]
fn committed_vectors_decompress() {
    for name in VECTORS {
        let body = vector(name, "bin");
        for (c, ext) in [(Compression::Lz4, "lz4"), (Compression::Snappy, "snappy")] {
            let compressed = vector(name, ext);
            let out = c
                .decompress(&compressed, body.len())
                .unwrap_or_else(|e| panic!("{name}.{ext}: {e}"));
            assert_eq!(&out[..], &body[..], "{name}.{ext}");
            // The limit is exact: one byte less is refused.
            assert!(c.decompress(&compressed, body.len() - 1).is_err());
        }
        // lz4's prefix is the big-endian length.
        let lz4 = vector(name, "lz4");
        assert_eq!(lz4[..4], (body.len() as u32).to_be_bytes(), "{name}");
    }
}

#[test]
fn our_output_round_trips_through_ours() {
    for name in VECTORS {
        let body = vector(name, "bin");
        for c in [Compression::Lz4, Compression::Snappy] {
            let out = compress(c, &body);
            assert_eq!(&c.decompress(&out, body.len()).unwrap()[..], &body[..]);
        }
    }
}

/// Deterministic bodies of many sizes and shapes (never empty: the driver
/// never compresses an empty body).
fn bodies() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x1234_5678;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 56) as u8
    };
    let mut out = Vec::new();
    for &size in &[
        1usize, 2, 15, 16, 17, 64, 255, 256, 1000, 4096, 65_535, 65_536, 100_000, 300_000,
    ] {
        // Random (incompressible).
        out.push((0..size).map(|_| next()).collect());
        // Text-like with repeats.
        let text = b"INSERT INTO ks.t (k, v) VALUES (?, ?) USING TTL 86400; ";
        out.push(text.iter().cycle().take(size).copied().collect());
        // Mostly one byte with random spikes.
        out.push(
            (0..size)
                .map(|i| if i % 97 == 0 { next() } else { 0 })
                .collect(),
        );
    }
    out
}

fn algorithm_name(c: Compression) -> &'static str {
    c.name()
}

#[test]
fn ours_decompress_in_the_python_driver() {
    let mut py = Oracle::spawn();
    for c in [Compression::Lz4, Compression::Snappy] {
        for body in bodies() {
            let ours = compress(c, &body);
            let answer = py.call_ok(json!({
                "op": "decompress",
                "algorithm": algorithm_name(c),
                "data": hex(&ours),
            }));
            assert_eq!(
                unhex(answer["data"].as_str().unwrap()),
                body,
                "{c}: the driver decompressed our {} bytes to something else",
                body.len()
            );
        }
    }
}

#[test]
fn python_driver_output_decompresses_in_ours() {
    let mut py = Oracle::spawn();
    for c in [Compression::Lz4, Compression::Snappy] {
        for body in bodies() {
            let answer = py.call_ok(json!({
                "op": "compress",
                "algorithm": algorithm_name(c),
                "data": hex(&body),
            }));
            let theirs = unhex(answer["data"].as_str().unwrap());
            if c == Compression::Lz4 {
                assert_eq!(theirs[..4], (body.len() as u32).to_be_bytes());
            }
            let out = c
                .decompress(&theirs, body.len())
                .unwrap_or_else(|e| panic!("{c}, {} bytes: {e}", body.len()));
            assert_eq!(&out[..], &body[..], "{c}, {} bytes", body.len());
        }
    }
}

#[test]
fn committed_vectors_match_the_python_driver() {
    // The vectors were made with the plain libraries; the driver's own
    // functions must read them too (and give the same lz4 bytes).
    let mut py = Oracle::spawn();
    for name in VECTORS {
        let body = vector(name, "bin");
        for (c, ext) in [(Compression::Lz4, "lz4"), (Compression::Snappy, "snappy")] {
            let answer = py.call_ok(json!({
                "op": "decompress",
                "algorithm": algorithm_name(c),
                "data": hex(&vector(name, ext)),
            }));
            assert_eq!(
                unhex(answer["data"].as_str().unwrap()),
                body,
                "{name}.{ext}"
            );
        }
        let answer = py.call_ok(json!({"op": "compress", "algorithm": "lz4", "data": hex(&body)}));
        assert_eq!(unhex(answer["data"].as_str().unwrap()), vector(name, "lz4"));
    }
}
