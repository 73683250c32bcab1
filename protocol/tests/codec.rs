//! Whole frames through `MessageCodec`: headers, the tracing id, compression
//! and the version and direction checks. Byte vectors are written by hand
//! from the spec; the compressed bodies are built by hand from the lz4 block
//! and snappy formats (a single literal run each), not by our compressor.

use bytes::BytesMut;
use cql_protocol::message::request::{Request, Startup};
use cql_protocol::message::response::{Response, ResultBody};
use cql_protocol::{
    Compression, DecodeError, Direction, EncodeError, Frame, FrameDecoder, MessageCodec,
    ProtocolVersion, RequestFrame, ResponseFrame,
};
use uuid::Uuid;

const TRACE: [u8; 16] = [
    0x9b, 0x1d, 0xeb, 0x4d, 0x3b, 0x7d, 0x11, 0xe0, 0x9d, 0x7f, 0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66,
];

fn frame(bytes: &[u8]) -> Frame {
    let mut buf = BytesMut::from(bytes);
    let frame = FrameDecoder::new().decode(&mut buf).unwrap().unwrap();
    assert!(buf.is_empty(), "vector holds exactly one frame");
    frame
}

fn encode_request(codec: &MessageCodec, frame: &RequestFrame) -> Vec<u8> {
    let mut out = BytesMut::new();
    codec.encode_request(frame, &mut out).unwrap();
    out.to_vec()
}

fn encode_response(codec: &MessageCodec, frame: &ResponseFrame) -> Vec<u8> {
    let mut out = BytesMut::new();
    codec.encode_response(frame, &mut out).unwrap();
    out.to_vec()
}

#[test]
fn options_frame_v1_and_v2() {
    for (version, first) in [(ProtocolVersion::V1, 0x01), (ProtocolVersion::V2, 0x02)] {
        let codec = MessageCodec::new(version);
        let bytes = [first, 0x00, 0x03, 0x05, 0x00, 0x00, 0x00, 0x00];
        let request = RequestFrame::new(3, Request::Options);
        assert_eq!(encode_request(&codec, &request), bytes);
        assert_eq!(codec.decode_request(frame(&bytes)).unwrap(), request);
    }
}

#[test]
fn tracing_flag_on_requests_and_tracing_id_on_responses() {
    let codec = MessageCodec::new(ProtocolVersion::V2);
    let request = RequestFrame {
        stream: 9,
        tracing: true,
        request: Request::Options,
    };
    let bytes = [0x02, 0x02, 0x09, 0x05, 0, 0, 0, 0];
    assert_eq!(encode_request(&codec, &request), bytes);
    assert_eq!(codec.decode_request(frame(&bytes)).unwrap(), request);

    // RESULT Void with a tracing id: the body starts with the 16-byte uuid.
    let mut bytes = vec![0x82, 0x02, 0x09, 0x08, 0, 0, 0, 20];
    bytes.extend_from_slice(&TRACE);
    bytes.extend_from_slice(&[0, 0, 0, 1]);
    let response = ResponseFrame {
        stream: 9,
        tracing_id: Some(Uuid::from_bytes(TRACE)),
        response: Response::Result(ResultBody::Void),
    };
    assert_eq!(encode_response(&codec, &response), bytes);
    assert_eq!(codec.decode_response(frame(&bytes)).unwrap(), response);

    // A tracing flag with a body too short for the id.
    let bytes = [0x82, 0x02, 0x09, 0x02, 0, 0, 0, 3, 1, 2, 3];
    assert!(matches!(
        codec.decode_response(frame(&bytes)),
        Err(DecodeError::Truncated {
            context: "tracing id",
            ..
        })
    ));
}

#[test]
fn hand_compressed_bodies_decode() {
    // RESULT Void body is 00 00 00 01.
    // lz4: big-endian length 4, then one block: token 0x40 (4 literals, no
    // match) and the literals.
    let lz4 = [
        0x82, 0x01, 0x01, 0x08, 0, 0, 0, 9, 0, 0, 0, 4, 0x40, 0, 0, 0, 1,
    ];
    // snappy: varint length 4, literal tag (4-1)<<2 = 0x0c, the literals.
    let snappy = [0x82, 0x01, 0x01, 0x08, 0, 0, 0, 6, 0x04, 0x0c, 0, 0, 0, 1];
    for (compression, bytes) in [
        (Compression::Lz4, &lz4[..]),
        (Compression::Snappy, &snappy[..]),
    ] {
        let codec = MessageCodec::new(ProtocolVersion::V2).with_compression(Some(compression));
        let decoded = codec.decode_response(frame(bytes)).unwrap();
        assert_eq!(
            decoded,
            ResponseFrame::new(1, Response::Result(ResultBody::Void))
        );
    }
}

#[test]
fn compression_applies_to_everything_but_startup() {
    for compression in [Compression::Lz4, Compression::Snappy] {
        let codec = MessageCodec::new(ProtocolVersion::V2).with_compression(Some(compression));

        let startup = RequestFrame::new(
            0,
            Request::Startup(Startup::new("3.0.0").with_compression(compression)),
        );
        let bytes = encode_request(&codec, &startup);
        assert_eq!(bytes[1], 0x00, "STARTUP is never compressed");
        assert_eq!(codec.decode_request(frame(&bytes)).unwrap(), startup);

        for request in [
            RequestFrame::new(1, Request::Options),
            RequestFrame {
                stream: 2,
                tracing: true,
                request: Request::Prepare(cql_protocol::message::request::Prepare {
                    query: "SELECT * FROM ks.t WHERE k = ?".repeat(20),
                }),
            },
        ] {
            let bytes = encode_request(&codec, &request);
            assert_eq!(bytes[1] & 0x01, 0x01, "{compression}: compressed");
            assert_eq!(codec.decode_request(frame(&bytes)).unwrap(), request);
        }

        // READY, the answer to STARTUP, is compressed too (as in Cassandra 2.0).
        let ready = ResponseFrame {
            stream: 0,
            tracing_id: Some(Uuid::from_bytes(TRACE)),
            response: Response::Ready,
        };
        let bytes = encode_response(&codec, &ready);
        assert_eq!(bytes[1], 0x03, "compressed and traced");
        assert_eq!(codec.decode_response(frame(&bytes)).unwrap(), ready);
    }
}

#[test]
fn a_frame_may_arrive_uncompressed_on_a_compressed_connection() {
    let codec = MessageCodec::new(ProtocolVersion::V2).with_compression(Some(Compression::Lz4));
    let bytes = [0x82, 0x00, 0x00, 0x02, 0, 0, 0, 0];
    assert_eq!(
        codec.decode_response(frame(&bytes)).unwrap(),
        ResponseFrame::new(0, Response::Ready)
    );
}

#[test]
fn compression_errors_are_typed() {
    let plain = MessageCodec::new(ProtocolVersion::V2);
    let bytes = [0x82, 0x01, 0x00, 0x02, 0, 0, 0, 5, 0, 0, 0, 0, 0];
    assert_eq!(
        plain.decode_response(frame(&bytes)),
        Err(DecodeError::UnexpectedCompression)
    );

    let lz4 = plain.clone().with_compression(Some(Compression::Lz4));
    // Claims 1 GiB uncompressed from one byte of block.
    let bytes = [0x82, 0x01, 0x00, 0x02, 0, 0, 0, 5, 0x40, 0, 0, 0, 0x10];
    assert!(matches!(
        lz4.decode_response(frame(&bytes)),
        Err(DecodeError::Decompression {
            algorithm: "lz4",
            ..
        })
    ));
    // A body within the frame limit that would decompress beyond it.
    let small = MessageCodec::new(ProtocolVersion::V2)
        .with_compression(Some(Compression::Snappy))
        .with_max_frame_size(64);
    let mut body = BytesMut::new();
    Compression::Snappy.compress(&[0u8; 65], &mut body).unwrap();
    let mut bytes = vec![0x82, 0x01, 0x00, 0x08];
    bytes.extend_from_slice(&(body.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&body);
    assert!(matches!(
        small.decode_response(frame(&bytes)),
        Err(DecodeError::Decompression {
            algorithm: "snappy",
            ..
        })
    ));
}

#[test]
fn version_and_direction_are_checked() {
    let v2 = MessageCodec::new(ProtocolVersion::V2);
    let v1_options = [0x01, 0x00, 0x00, 0x05, 0, 0, 0, 0];
    assert_eq!(
        v2.decode_request(frame(&v1_options)),
        Err(DecodeError::VersionMismatch {
            expected: ProtocolVersion::V2,
            found: ProtocolVersion::V1
        })
    );
    let ready = [0x82, 0x00, 0x00, 0x02, 0, 0, 0, 0];
    assert!(matches!(
        v2.decode_request(frame(&ready)),
        Err(DecodeError::WrongDirection {
            expected: Direction::Request,
            ..
        })
    ));

    // Messages a version lacks cannot be encoded into it.
    let v1 = MessageCodec::new(ProtocolVersion::V1);
    let mut out = BytesMut::from(&b"kept"[..]);
    let err = v1
        .encode_request(
            &RequestFrame::new(
                0,
                Request::AuthResponse(cql_protocol::message::request::AuthResponse { token: None }),
            ),
            &mut out,
        )
        .unwrap_err();
    assert!(matches!(err, EncodeError::NotInVersion { .. }));
    assert_eq!(
        &out[..],
        b"kept",
        "a failed encode leaves the buffer as it was"
    );

    // A stream id the header cannot hold.
    let err = v2
        .encode_request(&RequestFrame::new(200, Request::Options), &mut out)
        .unwrap_err();
    assert!(matches!(
        err,
        EncodeError::StreamOutOfRange { stream: 200, .. }
    ));
    assert_eq!(&out[..], b"kept");
}

#[test]
fn cassandra_version_rejection_decodes() {
    // protocol-notes.md §13: Cassandra 2.0's answer to a probe with version 66.
    let mut bytes = vec![
        0x82, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x2b,
    ];
    bytes.extend_from_slice(b"Invalid or unsupported protocol version: 66");
    let codec = MessageCodec::new(ProtocolVersion::V2);
    let decoded = codec.decode_response(frame(&bytes)).unwrap();
    let expected = ResponseFrame::new(
        0,
        Response::Error(cql_protocol::message::response::ErrorResponse::unsupported_version(66)),
    );
    assert_eq!(decoded, expected);
    assert_eq!(encode_response(&codec, &expected), bytes);
}
