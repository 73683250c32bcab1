//! `murmur3::token` against the Python driver's pure-Python
//! `cassandra.murmur3` (through the oracle; needs `scripts/python-env`).
//!
//! The driver hashes the empty key like any other (to 0), while Cassandra's
//! `Murmur3Partitioner.getToken` gives the empty key the ring minimum,
//! `i64::MIN` (protocol-notes.md §12), which is what `token` returns; the
//! empty key is therefore compared on `hash3_x64_128` instead.

#[path = "support/oracle.rs"]
mod oracle;

use cql_protocol::murmur3::{hash3_x64_128, token, token_for_components};
use serde_json::json;

use oracle::{hex, Oracle};

/// A deterministic key stream: lengths cycle through 0..=64, bytes come
/// from a 64-bit LCG, and every few keys are biased to bytes >= 0x80 (the
/// signed-tail case) or to all 0xff.
fn keys() -> Vec<Vec<u8>> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 56) as u8
    };
    let mut keys = Vec::new();
    for i in 0..400usize {
        let len = i % 65;
        let key: Vec<u8> = match i % 5 {
            0 => (0..len).map(|_| next() | 0x80).collect(),
            1 => vec![0xff; len],
            2 => (0..len).map(|_| next() & 0x7f).collect(),
            _ => (0..len).map(|_| next()).collect(),
        };
        keys.push(key);
    }
    keys
}

fn driver_token(py: &mut Oracle, key: &[u8]) -> (i64, i64) {
    let answer = py.call_ok(json!({"op": "murmur3", "key": hex(key)}));
    (
        answer["murmur3"].as_i64().expect("murmur3 is an i64"),
        answer["token"].as_i64().expect("token is an i64"),
    )
}

#[test]
fn token_matches_the_python_driver() {
    let mut py = Oracle::spawn();
    let mut compared = 0;
    for key in keys() {
        let (raw, normalised) = driver_token(&mut py, &key);
        assert_eq!(
            hash3_x64_128(&key, 0).0 as i64,
            raw,
            "h1 for key {}",
            hex(&key)
        );
        if key.is_empty() {
            assert_eq!(token(&key), i64::MIN);
        } else {
            assert_eq!(token(&key), normalised, "token for key {}", hex(&key));
            compared += 1;
        }
    }
    assert!(compared >= 390);
}

#[test]
fn composite_keys_match_the_python_driver() {
    // The driver's routing key for several components is
    // struct.pack(">H%dsB" % l, l, p, 0) per component (query.py); build the
    // same bytes here independently and compare the tokens.
    let mut py = Oracle::spawn();
    let parts: [&[&[u8]]; 4] = [
        &[&1i32.to_be_bytes(), b"a"],
        &[b"", b""],
        &[&[0xff; 20], &[0x80], b"xyz"],
        &[&(-1i64).to_be_bytes(), &[0u8; 40]],
    ];
    for components in parts {
        let mut packed = Vec::new();
        for c in components {
            packed.extend_from_slice(&(c.len() as u16).to_be_bytes());
            packed.extend_from_slice(c);
            packed.push(0);
        }
        let (_, expected) = driver_token(&mut py, &packed);
        assert_eq!(token_for_components(components).unwrap(), expected);
    }
}
