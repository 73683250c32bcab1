//! Codec throughput: decoding a 1,000-row RESULT, encoding an EXECUTE, and
//! lz4/snappy on a 16 KiB body. Each benchmark reports bytes/s and frames/s.

use bytes::BytesMut;
use cql_benches::{compressible_body, execute_request, rows_frame};
use cql_protocol::message::response::{Response, ResultBody};
use cql_protocol::message::MessageCodec;
use cql_protocol::value::CqlTimestamp;
use cql_protocol::{Compression, FrameDecoder, ProtocolVersion};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use uuid::Uuid;

const VERSION: ProtocolVersion = ProtocolVersion::V2;

fn decode_rows(c: &mut Criterion) {
    let frame_bytes = rows_frame(VERSION, 1_000);
    let codec = MessageCodec::new(VERSION);
    let mut group = c.benchmark_group("rows_1000x5");
    group.throughput(Throughput::ElementsAndBytes {
        elements: 1,
        bytes: frame_bytes.len() as u64,
    });

    let decode = |codec: &MessageCodec| {
        let mut buf = BytesMut::from(&frame_bytes[..]);
        let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
        match codec.decode_response(frame).unwrap().response {
            Response::Result(ResultBody::Rows(rows)) => rows,
            other => panic!("expected rows, got {other:?}"),
        }
    };

    group.bench_function("decode_raw", |b| {
        b.iter(|| {
            let rows = decode(&codec);
            let mut cells = 0usize;
            for row in rows.iter() {
                for value in row.values() {
                    cells += value.map_or(0, <[u8]>::len);
                }
            }
            black_box(cells)
        })
    });

    group.bench_function("decode_typed", |b| {
        b.iter(|| {
            let rows = decode(&codec);
            let mut sum = 0i64;
            for row in rows.typed::<(i32, i64, &str, Uuid, CqlTimestamp)>(VERSION) {
                let (id, seq, name, owner, at) = row.unwrap();
                sum = sum
                    .wrapping_add(i64::from(id))
                    .wrapping_add(seq)
                    .wrapping_add(name.len() as i64)
                    .wrapping_add(owner.as_u128() as i64)
                    .wrapping_add(at.0);
            }
            black_box(sum)
        })
    });
    group.finish();
}

fn encode_execute(c: &mut Criterion) {
    let request = execute_request();
    let codec = MessageCodec::new(VERSION);
    let mut probe = BytesMut::new();
    codec.encode_request(&request, &mut probe).unwrap();
    let mut group = c.benchmark_group("execute_10_values");
    group.throughput(Throughput::ElementsAndBytes {
        elements: 1,
        bytes: probe.len() as u64,
    });
    let mut out = BytesMut::with_capacity(4096);
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            codec.encode_request(black_box(&request), &mut out).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

fn compression(c: &mut Criterion) {
    let body = compressible_body();
    let mut group = c.benchmark_group("compression_16KiB");
    group.throughput(Throughput::ElementsAndBytes {
        elements: 1,
        bytes: body.len() as u64,
    });
    for algorithm in [Compression::Lz4, Compression::Snappy] {
        let mut compressed = BytesMut::new();
        algorithm.compress(&body, &mut compressed).unwrap();
        let mut out = BytesMut::with_capacity(32 * 1024);
        group.bench_function(format!("{algorithm}_compress"), |b| {
            b.iter(|| {
                out.clear();
                algorithm.compress(black_box(&body), &mut out).unwrap();
                black_box(out.len())
            })
        });
        group.bench_function(format!("{algorithm}_decompress"), |b| {
            b.iter(|| {
                black_box(
                    algorithm
                        .decompress(black_box(&compressed), 1 << 20)
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode_rows, encode_execute, compression);
criterion_main!(benches);
