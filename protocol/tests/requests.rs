//! Request bodies: hand-written vectors from the v1 and v2 specs (§4.1),
//! version rules, malformed input and property tests.

use bytes::{Bytes, BytesMut};
use cql_protocol::compression::UnknownCompression;
use cql_protocol::message::request::{
    AuthResponse, Batch, BatchQuery, BatchStatement, BatchType, Credentials, EventType, Execute,
    Prepare, Query, QueryParameters, Register, Request, Startup, UnknownEventType,
};
use cql_protocol::{
    Compression, Consistency, DecodeError, Direction, EncodeError, Opcode, ProtocolVersion,
    RawValue,
};
use proptest::prelude::*;

const V1: ProtocolVersion = ProtocolVersion::V1;
const V2: ProtocolVersion = ProtocolVersion::V2;

/// Concatenates hand-written pieces of a body.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn encode(request: &Request, version: ProtocolVersion) -> Result<Vec<u8>, EncodeError> {
    let mut buf = BytesMut::new();
    request.encode_body(version, &mut buf)?;
    Ok(buf.to_vec())
}

fn decode(version: ProtocolVersion, opcode: Opcode, body: &[u8]) -> Result<Request, DecodeError> {
    Request::decode_body(version, opcode, Bytes::copy_from_slice(body))
}

fn value(bytes: &[u8]) -> RawValue {
    RawValue::Value(Bytes::copy_from_slice(bytes))
}

// ---------------------------------------------------------------------------
// Hand-written vectors
// ---------------------------------------------------------------------------

/// A request, the versions it is valid in and its body written from the spec.
struct Vector {
    name: &'static str,
    versions: &'static [ProtocolVersion],
    request: Request,
    body: Vec<u8>,
}

const SELECT: &[u8] = b"SELECT * FROM t"; // 15 bytes
const INSERT: &[u8] = b"INSERT INTO t VALUES (?,?,?)"; // 28 bytes

fn select_query(params: QueryParameters) -> Request {
    Request::Query(Query::with_params("SELECT * FROM t", params))
}

fn batch_vector(batch_type: BatchType, type_byte: u8, name: &'static str) -> Vector {
    Vector {
        name,
        versions: &[V2],
        request: Request::Batch(Batch {
            batch_type,
            statements: vec![
                BatchStatement::query(
                    "INSERT INTO t VALUES (?,?,?)",
                    vec![value(&[0, 0, 0, 42]), RawValue::Null, value(&[])],
                ),
                BatchStatement::prepared(Bytes::from_static(&[0xca, 0xfe]), vec![value(&[5])]),
                BatchStatement::query("SELECT * FROM t", vec![]),
            ],
            consistency: Consistency::Quorum,
            serial_consistency: None,
            timestamp: None,
        }),
        body: cat(&[
            &[type_byte],     // <type>
            &[0x00, 0x03],    // <n> statements
            &[0x00],          // kind 0: query string
            &[0, 0, 0, 0x1c], // [long string] length 28
            INSERT,
            &[0x00, 0x03],              // <n> values
            &[0, 0, 0, 4, 0, 0, 0, 42], // [bytes] int 42
            &[0xff, 0xff, 0xff, 0xff],  // [bytes] null
            &[0, 0, 0, 0],              // [bytes] empty
            &[0x01],                    // kind 1: prepared id
            &[0x00, 0x02, 0xca, 0xfe],  // [short bytes] id
            &[0x00, 0x01],              // <n> values
            &[0, 0, 0, 1, 0x05],        // [bytes] 05
            &[0x00],                    // kind 0
            &[0, 0, 0, 0x0f],           // [long string] length 15
            SELECT,
            &[0x00, 0x00], // <n> = 0 values
            &[0x00, 0x04], // consistency QUORUM
        ]),
    }
}

fn vectors() -> Vec<Vector> {
    vec![
        Vector {
            name: "STARTUP with CQL_VERSION and COMPRESSION",
            versions: &[V1, V2],
            request: Request::Startup(Startup::new("3.0.0").with_compression(Compression::Lz4)),
            body: cat(&[
                &[0x00, 0x02],
                &[0x00, 0x0b],
                b"CQL_VERSION",
                &[0x00, 0x05],
                b"3.0.0",
                &[0x00, 0x0b],
                b"COMPRESSION",
                &[0x00, 0x03],
                b"lz4",
            ]),
        },
        Vector {
            name: "OPTIONS",
            versions: &[V1, V2],
            request: Request::Options,
            body: vec![],
        },
        Vector {
            name: "CREDENTIALS",
            versions: &[V1],
            request: Request::Credentials(Credentials::password("cassandra", "cassandra")),
            body: cat(&[
                &[0x00, 0x02],
                &[0x00, 0x08],
                b"username",
                &[0x00, 0x09],
                b"cassandra",
                &[0x00, 0x08],
                b"password",
                &[0x00, 0x09],
                b"cassandra",
            ]),
        },
        Vector {
            name: "AUTH_RESPONSE PLAIN token",
            versions: &[V2],
            request: Request::AuthResponse(AuthResponse {
                token: Some(Bytes::from_static(b"\0cassandra\0cassandra")),
            }),
            body: cat(&[&[0x00, 0x00, 0x00, 0x14], b"\0cassandra\0cassandra"]),
        },
        Vector {
            name: "AUTH_RESPONSE null token",
            versions: &[V2],
            request: Request::AuthResponse(AuthResponse { token: None }),
            body: vec![0xff, 0xff, 0xff, 0xff],
        },
        Vector {
            name: "QUERY v1",
            versions: &[V1],
            request: select_query(QueryParameters::new(Consistency::One)),
            body: cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01]]),
        },
        Vector {
            name: "QUERY v2 no flags",
            versions: &[V2],
            request: select_query(QueryParameters::new(Consistency::One)),
            body: cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01], &[0x00]]),
        },
        Vector {
            name: "QUERY v2 values with a null and an empty value",
            versions: &[V2],
            request: Request::Query(Query::with_params(
                "INSERT INTO t VALUES (?,?,?)",
                QueryParameters::new(Consistency::Quorum).with_values(vec![
                    value(&[0, 0, 0, 42]),
                    RawValue::Null,
                    value(&[]),
                ]),
            )),
            body: cat(&[
                &[0, 0, 0, 0x1c],
                INSERT,
                &[0x00, 0x04],              // QUORUM
                &[0x01],                    // flags: values
                &[0x00, 0x03],              // n
                &[0, 0, 0, 4, 0, 0, 0, 42], // int 42
                &[0xff, 0xff, 0xff, 0xff],  // null
                &[0, 0, 0, 0],              // empty
            ]),
        },
        Vector {
            name: "QUERY v2 page size 5000",
            versions: &[V2],
            request: select_query(QueryParameters::new(Consistency::LocalOne).with_page_size(5000)),
            body: cat(&[
                &[0, 0, 0, 0x0f],
                SELECT,
                &[0x00, 0x0a],             // LOCAL_ONE
                &[0x04],                   // flags: page size
                &[0x00, 0x00, 0x13, 0x88], // 5000
            ]),
        },
        Vector {
            name: "QUERY v2 paging state",
            versions: &[V2],
            request: select_query(
                QueryParameters::new(Consistency::One)
                    .with_paging_state(Bytes::from_static(&[1, 2, 3])),
            ),
            body: cat(&[
                &[0, 0, 0, 0x0f],
                SELECT,
                &[0x00, 0x01],
                &[0x08],
                &[0, 0, 0, 3, 1, 2, 3],
            ]),
        },
        Vector {
            name: "QUERY v2 skip metadata",
            versions: &[V2],
            request: select_query(QueryParameters::new(Consistency::Two).with_skip_metadata(true)),
            body: cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x02], &[0x02]]),
        },
        Vector {
            name: "QUERY v2 serial consistency",
            versions: &[V2],
            request: select_query(
                QueryParameters::new(Consistency::Quorum)
                    .with_serial_consistency(Consistency::LocalSerial),
            ),
            body: cat(&[
                &[0, 0, 0, 0x0f],
                SELECT,
                &[0x00, 0x04],
                &[0x10],
                &[0x00, 0x09],
            ]),
        },
        Vector {
            name: "QUERY v2 all flags",
            versions: &[V2],
            request: select_query(QueryParameters {
                consistency: Consistency::All,
                values: vec![value(&[7])],
                skip_metadata: true,
                page_size: Some(100),
                paging_state: Some(Bytes::from_static(&[0xab, 0xcd])),
                serial_consistency: Some(Consistency::Serial),
            }),
            body: cat(&[
                &[0, 0, 0, 0x0f],
                SELECT,
                &[0x00, 0x05],             // ALL
                &[0x1f],                   // every v2 flag
                &[0x00, 0x01],             // n
                &[0, 0, 0, 1, 7],          // value
                &[0x00, 0x00, 0x00, 0x64], // page size 100
                &[0, 0, 0, 2, 0xab, 0xcd], // paging state
                &[0x00, 0x08],             // SERIAL
            ]),
        },
        Vector {
            name: "PREPARE",
            versions: &[V1, V2],
            request: Request::Prepare(Prepare::new("INSERT INTO t VALUES (?,?,?)")),
            body: cat(&[&[0, 0, 0, 0x1c], INSERT]),
        },
        Vector {
            name: "EXECUTE v1 with values",
            versions: &[V1],
            request: Request::Execute(Execute::new(
                Bytes::from_static(&[0xca, 0xfe]),
                QueryParameters::new(Consistency::LocalQuorum)
                    .with_values(vec![value(&[5]), RawValue::Null]),
            )),
            body: cat(&[
                &[0x00, 0x02, 0xca, 0xfe], // id
                &[0x00, 0x02],             // n (before the consistency in v1)
                &[0, 0, 0, 1, 5],
                &[0xff, 0xff, 0xff, 0xff],
                &[0x00, 0x06], // LOCAL_QUORUM
            ]),
        },
        Vector {
            name: "EXECUTE v1 without values",
            versions: &[V1],
            request: Request::Execute(Execute::new(
                Bytes::from_static(&[0x01]),
                QueryParameters::new(Consistency::Any),
            )),
            body: vec![0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00],
        },
        Vector {
            name: "EXECUTE v2 all flags",
            versions: &[V2],
            request: Request::Execute(Execute::new(
                Bytes::from_static(&[0xca, 0xfe]),
                QueryParameters {
                    consistency: Consistency::LocalQuorum,
                    values: vec![value(&[5]), RawValue::Null],
                    skip_metadata: true,
                    page_size: Some(10),
                    paging_state: Some(Bytes::from_static(&[0xff])),
                    serial_consistency: Some(Consistency::Serial),
                },
            )),
            body: cat(&[
                &[0x00, 0x02, 0xca, 0xfe], // id
                &[0x00, 0x06],             // LOCAL_QUORUM
                &[0x1f],                   // flags
                &[0x00, 0x02],             // n
                &[0, 0, 0, 1, 5],
                &[0xff, 0xff, 0xff, 0xff],
                &[0x00, 0x00, 0x00, 0x0a], // page size 10
                &[0, 0, 0, 1, 0xff],       // paging state
                &[0x00, 0x08],             // SERIAL
            ]),
        },
        Vector {
            name: "EXECUTE v2 no flags",
            versions: &[V2],
            request: Request::Execute(Execute::new(
                Bytes::from_static(&[0xca, 0xfe]),
                QueryParameters::new(Consistency::Three),
            )),
            body: vec![0x00, 0x02, 0xca, 0xfe, 0x00, 0x03, 0x00],
        },
        Vector {
            name: "REGISTER all events",
            versions: &[V1, V2],
            request: Request::Register(Register::new(vec![
                EventType::TopologyChange,
                EventType::StatusChange,
                EventType::SchemaChange,
            ])),
            body: cat(&[
                &[0x00, 0x03],
                &[0x00, 0x0f],
                b"TOPOLOGY_CHANGE",
                &[0x00, 0x0d],
                b"STATUS_CHANGE",
                &[0x00, 0x0d],
                b"SCHEMA_CHANGE",
            ]),
        },
        batch_vector(BatchType::Logged, 0, "BATCH logged"),
        batch_vector(BatchType::Unlogged, 1, "BATCH unlogged"),
        batch_vector(BatchType::Counter, 2, "BATCH counter"),
        Vector {
            name: "BATCH empty",
            versions: &[V2],
            request: Request::Batch(Batch::new(BatchType::Unlogged, Consistency::One)),
            body: vec![0x01, 0x00, 0x00, 0x00, 0x01],
        },
    ]
}

#[test]
fn every_vector_encodes_and_decodes_exactly() {
    for v in vectors() {
        for &version in v.versions {
            assert_eq!(
                encode(&v.request, version).unwrap(),
                v.body,
                "{} {version}: encoding",
                v.name
            );
            assert_eq!(
                decode(version, v.request.opcode(), &v.body).unwrap(),
                v.request,
                "{} {version}: decoding",
                v.name
            );
        }
    }
}

#[test]
fn vectors_cover_every_request_in_every_version() {
    let vectors = vectors();
    for version in ProtocolVersion::ALL {
        for opcode in Opcode::ALL {
            if opcode.direction() != Direction::Request || !opcode.exists_in(version) {
                continue;
            }
            assert!(
                vectors
                    .iter()
                    .any(|v| v.request.opcode() == opcode && v.versions.contains(&version)),
                "no vector for {opcode} in {version}"
            );
        }
    }
}

#[test]
fn every_strict_prefix_of_every_vector_is_an_error() {
    for v in vectors() {
        for &version in v.versions {
            for len in 0..v.body.len() {
                let result = decode(version, v.request.opcode(), &v.body[..len]);
                assert!(
                    result.is_err(),
                    "{} {version}: prefix of {len} bytes decoded as {result:?}",
                    v.name
                );
            }
        }
    }
}

#[test]
fn trailing_bytes_are_rejected_except_after_a_v1_query() {
    for v in vectors() {
        for &version in v.versions {
            let opcode = v.request.opcode();
            let mut body = v.body.clone();
            body.push(0x00);
            let result = decode(version, opcode, &body);
            if version == V1 && opcode == Opcode::Query {
                assert_eq!(result.unwrap(), v.request);
            } else {
                assert_eq!(
                    result,
                    Err(DecodeError::TrailingBytes {
                        context: opcode.name(),
                        count: 1
                    }),
                    "{} {version}",
                    v.name
                );
            }
        }
    }
}

#[test]
fn v1_query_with_python_driver_flags_byte_decodes() {
    // python-driver writes `<query><consistency><flags>` even on v1.
    let body = cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01], &[0x00]]);
    assert_eq!(
        decode(V1, Opcode::Query, &body).unwrap(),
        select_query(QueryParameters::new(Consistency::One))
    );
    // Whatever follows the consistency is ignored, even v2-looking parameters.
    let body = cat(&[
        &[0, 0, 0, 0x0f],
        SELECT,
        &[0x00, 0x0a, 0x04, 0, 0, 0x13, 0x88],
    ]);
    assert_eq!(
        decode(V1, Opcode::Query, &body).unwrap(),
        select_query(QueryParameters::new(Consistency::LocalOne))
    );
}

#[test]
fn null_paging_state_under_its_flag_is_none() {
    let body = cat(&[
        &[0, 0, 0, 0x0f],
        SELECT,
        &[0x00, 0x01],
        &[0x08],
        &[0xff, 0xff, 0xff, 0xff],
    ]);
    assert_eq!(
        decode(V2, Opcode::Query, &body).unwrap(),
        select_query(QueryParameters::new(Consistency::One))
    );
}

#[test]
fn values_flag_with_zero_values_decodes_to_no_values() {
    let body = cat(&[
        &[0, 0, 0, 0x0f],
        SELECT,
        &[0x00, 0x01],
        &[0x01],
        &[0x00, 0x00],
    ]);
    assert_eq!(
        decode(V2, Opcode::Query, &body).unwrap(),
        select_query(QueryParameters::new(Consistency::One))
    );
}

// ---------------------------------------------------------------------------
// Versions and directions
// ---------------------------------------------------------------------------

fn assert_encode_not_in_version(request: &Request, version: ProtocolVersion, needle: &str) {
    let mut buf = BytesMut::from(&b"keep"[..]);
    match request.encode_body(version, &mut buf) {
        Err(EncodeError::NotInVersion { what, version: v }) => {
            assert_eq!(v, version);
            assert!(what.contains(needle), "{what:?} should name {needle:?}");
        }
        other => panic!("{request:?} on {version}: expected NotInVersion, got {other:?}"),
    }
    assert_eq!(
        &buf[..],
        b"keep",
        "a failed encode must leave the buffer alone"
    );
}

fn assert_decode_not_in_version(
    opcode: Opcode,
    version: ProtocolVersion,
    body: &[u8],
    needle: &str,
) {
    match decode(version, opcode, body) {
        Err(DecodeError::NotInVersion { what, version: v }) => {
            assert_eq!(v, version);
            assert!(what.contains(needle), "{what:?} should name {needle:?}");
        }
        other => panic!("{opcode} on {version}: expected NotInVersion, got {other:?}"),
    }
}

#[test]
fn messages_outside_their_version_are_rejected() {
    let batch = Request::Batch(Batch::new(BatchType::Logged, Consistency::One));
    let auth = Request::AuthResponse(AuthResponse::plain("u", "p"));
    let creds = Request::Credentials(Credentials::password("u", "p"));
    assert_encode_not_in_version(&batch, V1, "BATCH");
    assert_encode_not_in_version(&auth, V1, "AUTH_RESPONSE");
    assert_encode_not_in_version(&creds, V2, "CREDENTIALS");

    // Bodies that would be valid in the other version.
    assert_decode_not_in_version(Opcode::Batch, V1, &[0, 0, 0, 0, 1], "BATCH");
    assert_decode_not_in_version(Opcode::AuthResponse, V1, &[0xff; 4], "AUTH_RESPONSE");
    assert_decode_not_in_version(Opcode::Credentials, V2, &[0, 0], "CREDENTIALS");
}

#[test]
fn v2_parameters_are_rejected_on_v1() {
    let base = QueryParameters::new(Consistency::One);
    let cases = [
        (base.clone().with_values(vec![value(&[1])]), "QUERY.values"),
        (base.clone().with_skip_metadata(true), "QUERY.skip_metadata"),
        (base.clone().with_page_size(5000), "QUERY.page_size"),
        (
            base.clone().with_paging_state(Bytes::from_static(b"x")),
            "QUERY.paging_state",
        ),
        (
            base.clone().with_serial_consistency(Consistency::Serial),
            "QUERY.serial_consistency",
        ),
    ];
    for (params, what) in cases {
        assert_encode_not_in_version(&select_query(params.clone()), V1, what);
        // The same parameters are fine on v2.
        encode(&select_query(params.clone()), V2).unwrap();
        // EXECUTE on v1 takes values but nothing else.
        let execute = Request::Execute(Execute::new(Bytes::from_static(b"id"), params));
        if what == "QUERY.values" {
            encode(&execute, V1).unwrap();
        } else {
            let what = what.replace("QUERY", "EXECUTE");
            assert_encode_not_in_version(&execute, V1, &what);
        }
    }
}

#[test]
fn v3_batch_fields_are_rejected_on_v2() {
    let mut batch = Batch::new(BatchType::Logged, Consistency::One);
    batch.serial_consistency = Some(Consistency::Serial);
    assert_encode_not_in_version(&Request::Batch(batch), V2, "BATCH.serial_consistency");
    let mut batch = Batch::new(BatchType::Logged, Consistency::One);
    batch.timestamp = Some(1_400_000_000_000_000);
    assert_encode_not_in_version(&Request::Batch(batch), V2, "BATCH.timestamp");
}

#[test]
fn v3_query_flags_are_rejected_on_v2() {
    for (flag, opcode, prefix) in [
        (0x20u8, Opcode::Query, cat(&[&[0, 0, 0, 0x0f], SELECT])),
        (0x40, Opcode::Query, cat(&[&[0, 0, 0, 0x0f], SELECT])),
        (0x20, Opcode::Execute, vec![0x00, 0x01, 0xaa]),
        (0x40, Opcode::Execute, vec![0x00, 0x01, 0xaa]),
    ] {
        let body = cat(&[&prefix, &[0x00, 0x01, flag], &[0; 16]]);
        let needle = format!("{}.flags 0x{flag:02x}", opcode.name());
        assert_decode_not_in_version(opcode, V2, &body, &needle);
    }
    let body = cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01, 0x80]]);
    assert!(matches!(
        decode(V2, Opcode::Query, &body),
        Err(DecodeError::InvalidValue {
            context: "QUERY.flags",
            offset: 21,
            ..
        })
    ));
}

#[test]
fn response_opcodes_are_wrong_direction() {
    for version in ProtocolVersion::ALL {
        for opcode in Opcode::ALL {
            if opcode.direction() == Direction::Request {
                continue;
            }
            assert_eq!(
                decode(version, opcode, &[]),
                Err(DecodeError::WrongDirection {
                    opcode,
                    expected: Direction::Response,
                    found: Direction::Request,
                }),
                "{opcode} {version}"
            );
        }
    }
}

#[test]
fn opcodes_match_variants() {
    let cases = [
        (Request::Startup(Startup::new("3.0.0")), Opcode::Startup),
        (Request::Options, Opcode::Options),
        (
            Request::Credentials(Credentials::default()),
            Opcode::Credentials,
        ),
        (Request::Query(Query::default()), Opcode::Query),
        (Request::Prepare(Prepare::default()), Opcode::Prepare),
        (Request::Execute(Execute::default()), Opcode::Execute),
        (Request::Register(Register::all()), Opcode::Register),
        (
            Request::Batch(Batch::new(BatchType::Logged, Consistency::One)),
            Opcode::Batch,
        ),
        (
            Request::AuthResponse(AuthResponse::default()),
            Opcode::AuthResponse,
        ),
    ];
    for (request, opcode) in cases {
        assert_eq!(request.opcode(), opcode);
        assert_eq!(opcode.direction(), Direction::Request);
    }
    assert_eq!(
        Request::from(Prepare::new("x")),
        Request::Prepare(Prepare::new("x"))
    );
}

// ---------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------

#[test]
fn bad_utf8_in_a_query_is_typed() {
    let body = [0, 0, 0, 2, 0xc3, 0x28, 0x00, 0x01, 0x00];
    assert_eq!(
        decode(V2, Opcode::Query, &body),
        Err(DecodeError::InvalidUtf8 {
            context: "QUERY.query",
            offset: 4
        })
    );
    assert_eq!(
        decode(V1, Opcode::Prepare, &body[..6]),
        Err(DecodeError::InvalidUtf8 {
            context: "PREPARE.query",
            offset: 4
        })
    );
    let batch = [
        0x00, 0x00, 0x01, 0x00, 0, 0, 0, 1, 0xff, 0x00, 0x00, 0x00, 0x01,
    ];
    assert_eq!(
        decode(V2, Opcode::Batch, &batch),
        Err(DecodeError::InvalidUtf8 {
            context: "BATCH.statement.query",
            offset: 8
        })
    );
}

#[test]
fn negative_query_length_is_typed() {
    let body = [0xff, 0xff, 0xff, 0xfe, 0x00, 0x01];
    assert!(matches!(
        decode(V1, Opcode::Query, &body),
        Err(DecodeError::InvalidLength {
            context: "QUERY.query",
            length: -2,
            ..
        })
    ));
}

#[test]
fn value_counts_larger_than_the_body_are_rejected() {
    // QUERY v2: 5 values claimed, one present (8 bytes left: at most 2).
    let body = cat(&[
        &[0, 0, 0, 0x0f],
        SELECT,
        &[0x00, 0x01, 0x01],
        &[0x00, 0x05],
        &[0, 0, 0, 4, 0, 0, 0, 1],
    ]);
    assert_eq!(
        decode(V2, Opcode::Query, &body),
        Err(DecodeError::CountTooLarge {
            context: "QUERY.values",
            offset: 22,
            count: 5,
            available: 8,
            max_possible: 2
        })
    );
    // EXECUTE v1: 65535 values claimed.
    let body = [0x00, 0x01, 0xaa, 0xff, 0xff, 0x00, 0x01];
    assert!(matches!(
        decode(V1, Opcode::Execute, &body),
        Err(DecodeError::CountTooLarge {
            context: "EXECUTE.values",
            count: 65535,
            ..
        })
    ));
    // BATCH: 65535 statements claimed.
    let body = [0x00, 0xff, 0xff, 0x00, 0x01];
    assert!(matches!(
        decode(V2, Opcode::Batch, &body),
        Err(DecodeError::CountTooLarge {
            context: "BATCH.statements",
            count: 65535,
            ..
        })
    ));
    // BATCH statement values.
    let body = [0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01];
    assert!(matches!(
        decode(V2, Opcode::Batch, &body),
        Err(DecodeError::CountTooLarge {
            context: "BATCH.statement.values",
            count: 256,
            ..
        })
    ));
    // REGISTER: 1000 names claimed.
    let body = [0x03, 0xe8, 0x00, 0x00];
    assert!(matches!(
        decode(V1, Opcode::Register, &body),
        Err(DecodeError::CountTooLarge {
            context: "REGISTER.events",
            ..
        })
    ));
}

#[test]
fn unknown_consistency_is_typed() {
    let query_v1 = cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x0b]]);
    assert_eq!(
        decode(V1, Opcode::Query, &query_v1),
        Err(DecodeError::UnknownCode {
            what: "consistency",
            code: 0x0b,
            offset: 19
        })
    );
    let serial = cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01, 0x10, 0xff, 0xff]]);
    assert_eq!(
        decode(V2, Opcode::Query, &serial),
        Err(DecodeError::UnknownCode {
            what: "consistency",
            code: 0xffff,
            offset: 22
        })
    );
    let batch = [0x00, 0x00, 0x00, 0x00, 0x20];
    assert_eq!(
        decode(V2, Opcode::Batch, &batch),
        Err(DecodeError::UnknownCode {
            what: "consistency",
            code: 0x20,
            offset: 3
        })
    );
}

#[test]
fn unknown_batch_kind_and_type_are_typed() {
    let body = [0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01];
    assert_eq!(
        decode(V2, Opcode::Batch, &body),
        Err(DecodeError::UnknownCode {
            what: "batch statement kind",
            code: 2,
            offset: 3
        })
    );
    let body = [0x03, 0x00, 0x00, 0x00, 0x01];
    assert_eq!(
        decode(V2, Opcode::Batch, &body),
        Err(DecodeError::UnknownCode {
            what: "batch type",
            code: 3,
            offset: 0
        })
    );
}

#[test]
fn unknown_event_name_is_named() {
    let body = cat(&[
        &[0x00, 0x02],
        &[0x00, 0x0d],
        b"STATUS_CHANGE",
        &[0x00, 0x0a],
        b"FOO_CHANGE",
    ]);
    match decode(V2, Opcode::Register, &body) {
        Err(DecodeError::InvalidValue {
            context,
            offset,
            reason,
        }) => {
            assert_eq!(context, "REGISTER.events");
            assert_eq!(offset, 17);
            assert!(reason.contains("FOO_CHANGE"), "{reason}");
        }
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn trailing_bytes_after_v2_messages_are_counted() {
    let body = cat(&[&[0, 0, 0, 0x0f], SELECT, &[0x00, 0x01, 0x00], &[1, 2, 3]]);
    assert_eq!(
        decode(V2, Opcode::Query, &body),
        Err(DecodeError::TrailingBytes {
            context: "QUERY",
            count: 3
        })
    );
    assert_eq!(
        decode(V2, Opcode::Options, &[0]),
        Err(DecodeError::TrailingBytes {
            context: "OPTIONS",
            count: 1
        })
    );
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[test]
fn startup_helpers() {
    let s = Startup::new("3.0.0")
        .with_option("DRIVER_NAME", "test")
        .with_compression(Compression::Snappy)
        .with_option("CQL_VERSION", "3.1.7");
    assert_eq!(
        s.options,
        vec![
            ("CQL_VERSION".to_owned(), "3.1.7".to_owned()),
            ("DRIVER_NAME".to_owned(), "test".to_owned()),
            ("COMPRESSION".to_owned(), "snappy".to_owned()),
        ]
    );
    assert_eq!(s.cql_version(), Some("3.1.7"));
    assert_eq!(s.get("DRIVER_NAME"), Some("test"));
    assert_eq!(s.get("NO_COMPACT"), None);
    assert_eq!(s.compression(), Ok(Some(Compression::Snappy)));
    assert_eq!(Startup::new("3.0.0").compression(), Ok(None));
    assert_eq!(
        Startup::new("3.0.0")
            .with_option(Startup::COMPRESSION, "gzip")
            .compression(),
        Err(UnknownCompression("gzip".to_owned()))
    );
    assert_eq!(Startup::CQL_VERSION, "CQL_VERSION");
}

#[test]
fn event_type_names() {
    for e in EventType::ALL {
        assert_eq!(e.name().parse::<EventType>().unwrap(), e);
        assert_eq!(e.to_string(), e.name());
    }
    assert_eq!(
        "schema_change".parse::<EventType>().unwrap(),
        EventType::SchemaChange
    );
    assert_eq!(
        "FOO".parse::<EventType>(),
        Err(UnknownEventType("FOO".to_owned()))
    );
}

#[test]
fn batch_types_and_defaults() {
    for (t, code, name) in [
        (BatchType::Logged, 0, "LOGGED"),
        (BatchType::Unlogged, 1, "UNLOGGED"),
        (BatchType::Counter, 2, "COUNTER"),
    ] {
        assert_eq!(t.code(), code);
        assert_eq!(BatchType::from_code(code), Some(t));
        assert_eq!(t.name(), name);
    }
    assert_eq!(BatchType::from_code(3), None);
    let d = QueryParameters::default();
    assert_eq!(d.consistency, Consistency::One);
    assert!(d.values.is_empty() && !d.skip_metadata);
    assert_eq!(
        (d.page_size, d.paging_state, d.serial_consistency),
        (None, None, None)
    );
    assert_eq!(
        AuthResponse::plain("cassandra", "cassandra")
            .token
            .as_deref(),
        Some(&b"\0cassandra\0cassandra"[..])
    );
    assert_eq!(Credentials::password("u", "p").get("password"), Some("p"));
}

#[test]
fn too_long_fields_fail_to_encode() {
    let values = vec![RawValue::Null; 70_000];
    let query = Request::Query(Query::with_params(
        "x",
        QueryParameters::new(Consistency::One).with_values(values),
    ));
    assert!(matches!(
        encode(&query, V2),
        Err(EncodeError::TooLong {
            context: "QUERY.values",
            length: 70_000,
            ..
        })
    ));
    let execute = Request::Execute(Execute::new(
        Bytes::from(vec![0u8; 70_000]),
        QueryParameters::default(),
    ));
    assert!(matches!(
        encode(&execute, V1),
        Err(EncodeError::TooLong {
            context: "EXECUTE.id",
            ..
        })
    ));
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

fn arb_consistency() -> impl Strategy<Value = Consistency> {
    prop::sample::select(Consistency::ALL.to_vec())
}

fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

fn arb_value() -> impl Strategy<Value = RawValue> {
    prop_oneof![Just(RawValue::Null), arb_bytes(8).prop_map(RawValue::Value)]
}

fn arb_values() -> impl Strategy<Value = Vec<RawValue>> {
    prop::collection::vec(arb_value(), 0..4)
}

fn arb_string() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn arb_map() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((arb_string(), arb_string()), 0..4)
}

/// Parameters valid in `version`: v1 allows the consistency, plus values
/// when `v1_values` (EXECUTE).
fn arb_params(version: ProtocolVersion, v1_values: bool) -> BoxedStrategy<QueryParameters> {
    match version {
        ProtocolVersion::V1 => (
            arb_consistency(),
            if v1_values {
                arb_values().boxed()
            } else {
                Just(Vec::new()).boxed()
            },
        )
            .prop_map(|(c, values)| QueryParameters::new(c).with_values(values))
            .boxed(),
        _ => (
            arb_consistency(),
            arb_values(),
            any::<bool>(),
            any::<Option<i32>>(),
            prop::option::of(arb_bytes(8)),
            prop::option::of(arb_consistency()),
        )
            .prop_map(
                |(consistency, values, skip_metadata, page_size, paging_state, serial)| {
                    QueryParameters {
                        consistency,
                        values,
                        skip_metadata,
                        page_size,
                        paging_state,
                        serial_consistency: serial,
                    }
                },
            )
            .boxed(),
    }
}

fn arb_batch_statement() -> impl Strategy<Value = BatchStatement> {
    (
        prop_oneof![
            arb_string().prop_map(BatchQuery::Query),
            arb_bytes(8).prop_map(BatchQuery::Prepared),
        ],
        arb_values(),
    )
        .prop_map(|(query, values)| BatchStatement { query, values })
}

fn arb_request(version: ProtocolVersion) -> BoxedStrategy<Request> {
    let common = prop_oneof![
        arb_map().prop_map(|options| Request::Startup(Startup { options })),
        Just(Request::Options),
        (arb_string(), arb_params(version, false))
            .prop_map(|(query, params)| Request::Query(Query { query, params })),
        arb_string().prop_map(|query| Request::Prepare(Prepare { query })),
        (arb_bytes(8), arb_params(version, true))
            .prop_map(|(id, params)| Request::Execute(Execute { id, params })),
        prop::collection::vec(prop::sample::select(EventType::ALL.to_vec()), 0..5)
            .prop_map(|events| Request::Register(Register { events })),
    ];
    match version {
        ProtocolVersion::V1 => prop_oneof![
            common,
            arb_map().prop_map(|credentials| Request::Credentials(Credentials { credentials })),
        ]
        .boxed(),
        _ => prop_oneof![
            common,
            prop::option::of(arb_bytes(16))
                .prop_map(|token| Request::AuthResponse(AuthResponse { token })),
            (
                prop::sample::select(BatchType::ALL.to_vec()),
                prop::collection::vec(arb_batch_statement(), 0..4),
                arb_consistency(),
            )
                .prop_map(|(batch_type, statements, consistency)| Request::Batch(
                    Batch {
                        batch_type,
                        statements,
                        consistency,
                        serial_consistency: None,
                        timestamp: None,
                    }
                )),
        ]
        .boxed(),
    }
}

fn arb_versioned_request() -> impl Strategy<Value = (ProtocolVersion, Request)> {
    prop_oneof![
        arb_request(V1).prop_map(|r| (V1, r)),
        arb_request(V2).prop_map(|r| (V2, r)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip((version, request) in arb_versioned_request()) {
        let body = encode(&request, version).unwrap();
        let decoded = decode(version, request.opcode(), &body).unwrap();
        prop_assert_eq!(decoded, request);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        opcode in prop::sample::select(Opcode::ALL.to_vec()),
        version in prop::sample::select(ProtocolVersion::ALL.to_vec()),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = decode(version, opcode, &body);
    }

    #[test]
    fn decoding_mutated_bodies_never_panics(
        (version, request) in arb_versioned_request(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut body = encode(&request, version).unwrap();
        if !body.is_empty() {
            for (at, byte) in flips {
                let i = at.index(body.len());
                body[i] = byte;
            }
            let keep = cut.index(body.len() + 1);
            body.truncate(keep);
        }
        for v in ProtocolVersion::ALL {
            let _ = decode(v, request.opcode(), &body);
        }
    }

    #[test]
    fn v1_query_ignores_any_trailing_bytes(
        query in arb_string(),
        consistency in arb_consistency(),
        trailing in prop::collection::vec(any::<u8>(), 0..16),
    ) {
        let request = Request::Query(Query::new(query, consistency));
        let mut body = encode(&request, V1).unwrap();
        body.extend_from_slice(&trailing);
        prop_assert_eq!(decode(V1, Opcode::Query, &body).unwrap(), request);
    }
}
