//! lz4 and snappy decompression of arbitrary bodies: errors, never panics or
//! allocations beyond the limit; whatever decompresses recompresses to a body
//! that decompresses to the same bytes.
#![no_main]

use bytes::BytesMut;
use cql_protocol::Compression;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    for compression in [Compression::Lz4, Compression::Snappy] {
        let Ok(plain) = compression.decompress(data, LIMIT) else {
            continue;
        };
        assert!(plain.len() <= LIMIT);
        let mut again = BytesMut::new();
        compression
            .compress(&plain, &mut again)
            .expect("compresses");
        let back = compression.decompress(&again, LIMIT).expect("round trip");
        assert_eq!(back, plain);
    }
});
