//! Response messages: hand-written vectors from the v1/v2 specs, version
//! rules, malformed input and property tests.

use std::net::SocketAddr;

use bytes::{Bytes, BytesMut};
use cql_protocol::message::response::*;
use cql_protocol::{
    ColumnSpec, ColumnType, Consistency, DecodeError, Direction, EncodeError, Opcode,
    ProtocolVersion, TableSpec,
};
use proptest::prelude::*;

const V1: ProtocolVersion = ProtocolVersion::V1;
const V2: ProtocolVersion = ProtocolVersion::V2;
const BOTH: [ProtocolVersion; 2] = [V1, V2];

/// Concatenates hand-written pieces of a body.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn encode(version: ProtocolVersion, response: &Response) -> Result<Vec<u8>, EncodeError> {
    let mut buf = BytesMut::new();
    response.encode_body(version, &mut buf)?;
    Ok(buf.to_vec())
}

fn decode(version: ProtocolVersion, opcode: Opcode, body: &[u8]) -> Result<Response, DecodeError> {
    Response::decode_body(version, opcode, Bytes::copy_from_slice(body))
}

/// Encoding `value` gives exactly `bytes`, decoding `bytes` gives `value`
/// back, and every strict prefix of `bytes` fails to decode.
fn check(version: ProtocolVersion, bytes: &[u8], value: &Response) {
    let opcode = value.opcode();
    assert_eq!(
        encode(version, value).unwrap(),
        bytes,
        "encoding {value:?} on {version}"
    );
    assert_eq!(
        &decode(version, opcode, bytes).unwrap(),
        value,
        "decoding {bytes:02x?} on {version}"
    );
    for len in 0..bytes.len() {
        assert!(
            decode(version, opcode, &bytes[..len]).is_err(),
            "prefix of {len} bytes of {value:?} decoded on {version}"
        );
    }
}

fn check_both(bytes: &[u8], value: &Response) {
    for v in BOTH {
        check(v, bytes, value);
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

// ---------------------------------------------------------------------------
// READY, AUTHENTICATE, SUPPORTED, AUTH_*
// ---------------------------------------------------------------------------

#[test]
fn ready() {
    check_both(&[], &Response::Ready);
}

#[test]
fn authenticate() {
    let bytes = cat(&[
        &[0x00, 0x2f],
        b"org.apache.cassandra.auth.PasswordAuthenticator",
    ]);
    check_both(
        &bytes,
        &Response::Authenticate(Authenticate {
            authenticator: "org.apache.cassandra.auth.PasswordAuthenticator".into(),
        }),
    );
}

#[test]
fn supported() {
    let bytes = cat(&[
        &[0x00, 0x02],
        &[0x00, 0x0b],
        b"CQL_VERSION",
        &[0x00, 0x01],
        &[0x00, 0x05],
        b"3.1.7",
        &[0x00, 0x0b],
        b"COMPRESSION",
        &[0x00, 0x02],
        &[0x00, 0x06],
        b"snappy",
        &[0x00, 0x03],
        b"lz4",
    ]);
    let value = Supported {
        options: vec![
            ("CQL_VERSION".into(), vec!["3.1.7".into()]),
            ("COMPRESSION".into(), vec!["snappy".into(), "lz4".into()]),
        ],
    };
    assert_eq!(value.get("COMPRESSION").unwrap(), ["snappy", "lz4"]);
    assert_eq!(value.get("CQL_VERSION").unwrap(), ["3.1.7"]);
    assert_eq!(value.get("NOPE"), None);
    check_both(&bytes, &Response::Supported(value));
    // An empty multimap.
    check_both(&[0x00, 0x00], &Response::Supported(Supported::default()));
}

#[test]
fn auth_challenge_and_success_v2() {
    let null = [0xff, 0xff, 0xff, 0xff];
    let token = [0x00, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef];
    let empty = [0x00, 0x00, 0x00, 0x00];
    let t = || Some(Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef]));
    check(
        V2,
        &null,
        &Response::AuthChallenge(AuthChallenge { token: None }),
    );
    check(
        V2,
        &token,
        &Response::AuthChallenge(AuthChallenge { token: t() }),
    );
    check(
        V2,
        &null,
        &Response::AuthSuccess(AuthSuccess { token: None }),
    );
    check(
        V2,
        &token,
        &Response::AuthSuccess(AuthSuccess { token: t() }),
    );
    check(
        V2,
        &empty,
        &Response::AuthSuccess(AuthSuccess {
            token: Some(Bytes::new()),
        }),
    );
}

#[test]
fn auth_challenge_and_success_are_not_in_v1() {
    for response in [
        Response::AuthChallenge(AuthChallenge { token: None }),
        Response::AuthSuccess(AuthSuccess { token: None }),
    ] {
        assert!(matches!(
            encode(V1, &response),
            Err(EncodeError::NotInVersion { version: V1, .. })
        ));
        assert!(matches!(
            decode(V1, response.opcode(), &[0xff, 0xff, 0xff, 0xff]),
            Err(DecodeError::NotInVersion { version: V1, .. })
        ));
    }
}

#[test]
fn request_opcodes_are_the_wrong_direction() {
    for opcode in Opcode::ALL {
        if opcode.direction() == Direction::Request {
            for v in BOTH {
                assert_eq!(
                    decode(v, opcode, &[]),
                    Err(DecodeError::WrongDirection {
                        opcode,
                        expected: Direction::Request,
                        found: Direction::Response,
                    })
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// ERROR
// ---------------------------------------------------------------------------

fn error(kind: ErrorKind, message: &str) -> Response {
    Response::Error(ErrorResponse {
        kind,
        message: message.into(),
    })
}

#[test]
fn cassandra_2_0_version_rejection() {
    // protocol-notes.md §13: the body Cassandra 2.0 sends for a probe of v66.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x0a],
        &[0x00, 0x2b],
        b"Invalid or unsupported protocol version: 66",
    ]);
    let value = error(
        ErrorKind::ProtocolError,
        "Invalid or unsupported protocol version: 66",
    );
    check_both(&bytes, &value);
    assert_eq!(
        Response::Error(ErrorResponse::unsupported_version(66)),
        value
    );
}

#[test]
fn plain_errors() {
    let cases: &[([u8; 4], ErrorKind, &str)] = &[
        (
            [0x00, 0x00, 0x00, 0x00],
            ErrorKind::ServerError,
            "Server_error",
        ),
        (
            [0x00, 0x00, 0x00, 0x0a],
            ErrorKind::ProtocolError,
            "Protocol_error",
        ),
        (
            [0x00, 0x00, 0x01, 0x00],
            ErrorKind::BadCredentials,
            "Bad_credentials",
        ),
        (
            [0x00, 0x00, 0x10, 0x01],
            ErrorKind::Overloaded,
            "Overloaded",
        ),
        (
            [0x00, 0x00, 0x10, 0x02],
            ErrorKind::IsBootstrapping,
            "Is_bootstrapping",
        ),
        (
            [0x00, 0x00, 0x10, 0x03],
            ErrorKind::TruncateError,
            "Truncate_error",
        ),
        (
            [0x00, 0x00, 0x20, 0x00],
            ErrorKind::SyntaxError,
            "Syntax_error",
        ),
        (
            [0x00, 0x00, 0x21, 0x00],
            ErrorKind::Unauthorized,
            "Unauthorized",
        ),
        ([0x00, 0x00, 0x22, 0x00], ErrorKind::Invalid, "Invalid"),
        (
            [0x00, 0x00, 0x23, 0x00],
            ErrorKind::ConfigError,
            "Config_error",
        ),
    ];
    for (code, kind, name) in cases {
        assert_eq!(kind.code(), u32::from_be_bytes(*code));
        assert_eq!(kind.name(), *name);
        let bytes = cat(&[code, &[0x00, 0x04], b"oops"]);
        check_both(&bytes, &error(kind.clone(), "oops"));
        // An empty message too.
        let bytes = cat(&[code, &[0x00, 0x00]]);
        check_both(&bytes, &error(kind.clone(), ""));
    }
    // Cassandra's text for an unknown table.
    let bytes = cat(&[
        &[0x00, 0x00, 0x22, 0x00],
        &[0x00, 0x1d],
        b"unconfigured columnfamily foo",
    ]);
    check_both(
        &bytes,
        &error(ErrorKind::Invalid, "unconfigured columnfamily foo"),
    );
}

#[test]
fn unavailable() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x10, 0x00],
        &[0x00, 0x02],
        b"no",
        &[0x00, 0x04], // QUORUM
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
    ]);
    let kind = ErrorKind::Unavailable {
        consistency: Consistency::Quorum,
        required: 2,
        alive: 1,
    };
    assert_eq!(kind.code(), 0x1000);
    check_both(&bytes, &error(kind, "no"));
}

#[test]
fn write_timeouts() {
    let cases: &[(&[u8], WriteType)] = &[
        (
            &[0x00, 0x06, b'S', b'I', b'M', b'P', b'L', b'E'],
            WriteType::Simple,
        ),
        (
            &[0x00, 0x05, b'B', b'A', b'T', b'C', b'H'],
            WriteType::Batch,
        ),
        (
            &[
                0x00, 0x0e, b'U', b'N', b'L', b'O', b'G', b'G', b'E', b'D', b'_', b'B', b'A', b'T',
                b'C', b'H',
            ],
            WriteType::UnloggedBatch,
        ),
        (
            &[0x00, 0x07, b'C', b'O', b'U', b'N', b'T', b'E', b'R'],
            WriteType::Counter,
        ),
        (
            &[
                0x00, 0x09, b'B', b'A', b'T', b'C', b'H', b'_', b'L', b'O', b'G',
            ],
            WriteType::BatchLog,
        ),
        (&[0x00, 0x03, b'C', b'A', b'S'], WriteType::Cas),
    ];
    for (write_type_bytes, write_type) in cases {
        let bytes = cat(&[
            &[0x00, 0x00, 0x11, 0x00],
            &[0x00, 0x01],
            b"t",
            &[0x00, 0x08], // SERIAL
            &[0x00, 0x00, 0x00, 0x00],
            &[0x00, 0x00, 0x00, 0x01],
            write_type_bytes,
        ]);
        let kind = ErrorKind::WriteTimeout {
            consistency: Consistency::Serial,
            received: 0,
            block_for: 1,
            write_type: *write_type,
        };
        assert_eq!(kind.code(), 0x1100);
        check_both(&bytes, &error(kind, "t"));
    }
}

#[test]
fn read_timeouts() {
    for (byte, data_present) in [(0x01u8, true), (0x00, false)] {
        let bytes = cat(&[
            &[0x00, 0x00, 0x12, 0x00],
            &[0x00, 0x01],
            b"t",
            &[0x00, 0x05], // ALL
            &[0x00, 0x00, 0x00, 0x02],
            &[0x00, 0x00, 0x00, 0x03],
            &[byte],
        ]);
        let kind = ErrorKind::ReadTimeout {
            consistency: Consistency::All,
            received: 2,
            block_for: 3,
            data_present,
        };
        assert_eq!(kind.code(), 0x1200);
        check_both(&bytes, &error(kind, "t"));
    }
    // Any non-zero byte means the data was present.
    let bytes = cat(&[
        &[0x00, 0x00, 0x12, 0x00],
        &[0x00, 0x00],
        &[0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x7f],
    ]);
    match decode(V2, Opcode::Error, &bytes).unwrap() {
        Response::Error(ErrorResponse {
            kind: ErrorKind::ReadTimeout { data_present, .. },
            ..
        }) => assert!(data_present),
        other => panic!("{other:?}"),
    }
}

#[test]
fn already_exists() {
    let keyspace = cat(&[
        &[0x00, 0x00, 0x24, 0x00],
        &[0x00, 0x01],
        b"x",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    check_both(
        &keyspace,
        &error(
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: "".into(),
            },
            "x",
        ),
    );
    let table = cat(&[
        &[0x00, 0x00, 0x24, 0x00],
        &[0x00, 0x01],
        b"x",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
    ]);
    check_both(
        &table,
        &error(
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: "users".into(),
            },
            "x",
        ),
    );
}

const ID16: [u8; 16] = [
    0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
];

#[test]
fn unprepared() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x25, 0x00],
        &[0x00, 0x01],
        b"u",
        &[0x00, 0x10],
        &ID16,
    ]);
    let kind = ErrorKind::Unprepared {
        id: Bytes::from_static(&ID16),
    };
    assert_eq!(kind.code(), 0x2500);
    assert_eq!(kind.name(), "Unprepared");
    check_both(&bytes, &error(kind, "u"));
}

#[test]
fn error_display() {
    let e = ErrorResponse::new(ErrorKind::Invalid, "bad");
    assert_eq!(e.to_string(), "Invalid (0x2200): bad");
}

#[test]
fn v4_error_codes_are_not_in_v1_v2() {
    for code in [0x13u8, 0x14, 0x15] {
        let bytes = cat(&[&[0x00, 0x00, code, 0x00], &[0x00, 0x01], b"f"]);
        for v in BOTH {
            match decode(v, Opcode::Error, &bytes) {
                Err(DecodeError::NotInVersion { what, version }) => {
                    assert_eq!(version, v);
                    let name = match code {
                        0x13 => "Read_failure",
                        0x14 => "Function_failure",
                        _ => "Write_failure",
                    };
                    assert!(what.contains(name), "{what}");
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn unknown_error_code() {
    for code in [
        [0x00, 0x00, 0x00, 0x0b],
        [0x00, 0x00, 0x11, 0x01],
        [0xff, 0xff, 0xff, 0xff],
    ] {
        let bytes = cat(&[&code, &[0x00, 0x00]]);
        assert_eq!(
            decode(V2, Opcode::Error, &bytes),
            Err(DecodeError::UnknownCode {
                what: "error code",
                code: u32::from_be_bytes(code),
                offset: 0
            })
        );
    }
}

#[test]
fn unknown_write_type_and_consistency() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x11, 0x00],
        &[0x00, 0x00],
        &[0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x04],
        b"VIEW",
    ]);
    assert!(matches!(
        decode(V2, Opcode::Error, &bytes),
        Err(DecodeError::InvalidValue {
            context: "ERROR.write_timeout.write_type",
            offset: 16,
            ..
        })
    ));
    let bytes = cat(&[
        &[0x00, 0x00, 0x10, 0x00],
        &[0x00, 0x00],
        &[0x00, 0x0b], // no such consistency
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Error, &bytes),
        Err(DecodeError::UnknownCode {
            what: "consistency",
            code: 0x0b,
            ..
        })
    ));
}

// ---------------------------------------------------------------------------
// RESULT
// ---------------------------------------------------------------------------

fn result(body: ResultBody) -> Response {
    Response::Result(body)
}

fn col(ks: &str, table: &str, name: &str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec::new(TableSpec::new(ks, table), name, ty)
}

#[test]
fn void() {
    check_both(&[0x00, 0x00, 0x00, 0x01], &result(ResultBody::Void));
}

#[test]
fn set_keyspace() {
    check_both(
        &cat(&[&[0x00, 0x00, 0x00, 0x03], &[0x00, 0x02], b"ks"]),
        &result(ResultBody::SetKeyspace("ks".into())),
    );
}

/// Two rows of (id int, name varchar) in ks.users: (1, 'alice') and
/// (null, '').
const ROWS_CONTENT: &[u8] = &[
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, // id = 1
    0x00, 0x00, 0x00, 0x05, b'a', b'l', b'i', b'c', b'e', // name = 'alice'
    0xff, 0xff, 0xff, 0xff, // id = null
    0x00, 0x00, 0x00, 0x00, // name = ''
];

fn users_columns() -> Vec<ColumnSpec> {
    vec![
        col("ks", "users", "id", ColumnType::Int),
        col("ks", "users", "name", ColumnType::Varchar),
    ]
}

#[test]
fn rows_with_global_table_spec() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02], // Rows
        &[0x00, 0x00, 0x00, 0x01], // Global_tables_spec
        &[0x00, 0x00, 0x00, 0x02], // columns_count
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
        &[0x00, 0x02],
        b"id",
        &[0x00, 0x09], // int
        &[0x00, 0x04],
        b"name",
        &[0x00, 0x0d],             // varchar
        &[0x00, 0x00, 0x00, 0x02], // rows_count
        ROWS_CONTENT,
    ]);
    let rows = Rows {
        metadata: RowsMetadata::new(users_columns()),
        rows_count: 2,
        content: Bytes::from_static(ROWS_CONTENT),
    };
    check_both(&bytes, &result(ResultBody::Rows(rows.clone())));

    // Iteration.
    let all: Vec<Vec<Option<&[u8]>>> = rows.iter().map(|r| r.values().collect()).collect();
    assert_eq!(
        all,
        vec![
            vec![Some(&[0u8, 0, 0, 1][..]), Some(&b"alice"[..])],
            vec![None, Some(&b""[..])],
        ]
    );
    let second = rows.iter().nth(1).unwrap();
    assert_eq!(second.len(), 2);
    assert_eq!(second.get(0), Some(None));
    assert_eq!(second.get(1), Some(Some(&b""[..])));
    assert_eq!(second.get(2), None);
    assert_eq!(rows.iter().count(), 2);
    assert_eq!(rows.columns().unwrap(), users_columns().as_slice());

    // The builder produces the same content.
    let mut builder = RowsBuilder::new(RowsMetadata::new(users_columns()));
    builder
        .push_row([Some(&[0, 0, 0, 1][..]), Some(&b"alice"[..])])
        .unwrap();
    builder.push_row([None, Some(&[][..])]).unwrap();
    assert_eq!(builder.rows_count(), 2);
    assert_eq!(builder.finish(), rows);

    // Decoding keeps the content as a slice of the body.
    let body = Bytes::from(bytes.clone());
    let Response::Result(ResultBody::Rows(decoded)) =
        Response::decode_body(V2, Opcode::Result, body.clone()).unwrap()
    else {
        panic!()
    };
    let start = body.len() - ROWS_CONTENT.len();
    assert_eq!(decoded.content.as_ptr(), body[start..].as_ptr());
}

#[test]
fn rows_with_per_column_table_specs() {
    let content: &[u8] = &[
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x07, // x = 7
        0x00, 0x00, 0x00, 0x01, b'z', // y = 'z'
    ];
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00], // no flags
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"a",
        &[0x00, 0x01],
        b"x",
        &[0x00, 0x09],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"b",
        &[0x00, 0x01],
        b"y",
        &[0x00, 0x20, 0x00, 0x0d], // list<varchar>
        &[0x00, 0x00, 0x00, 0x01],
        content,
    ]);
    let rows = Rows {
        metadata: RowsMetadata::new(vec![
            col("ks", "a", "x", ColumnType::Int),
            col(
                "ks",
                "b",
                "y",
                ColumnType::List(Box::new(ColumnType::Varchar)),
            ),
        ]),
        rows_count: 1,
        content: Bytes::from_static(content),
    };
    check_both(&bytes, &result(ResultBody::Rows(rows)));
}

#[test]
fn rows_with_zero_columns() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    check_both(
        &bytes,
        &result(ResultBody::Rows(Rows::empty(RowsMetadata::new(vec![])))),
    );
    // Any number of empty rows takes no bytes and allocates nothing.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x7f, 0xff, 0xff, 0xff],
    ]);
    for v in BOTH {
        let Response::Result(ResultBody::Rows(rows)) = decode(v, Opcode::Result, &bytes).unwrap()
        else {
            panic!()
        };
        assert_eq!(rows.rows_count, i32::MAX as usize);
        let mut it = rows.iter();
        assert!(it.next().unwrap().is_empty());
        assert_eq!(it.take(1000).count(), 1000);
        assert_eq!(encode(v, &result(ResultBody::Rows(rows))).unwrap(), bytes);
    }
}

#[test]
fn rows_with_paging_state_v2() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x03], // Global_tables_spec | Has_more_pages
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03], // paging_state
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"t",
        &[0x00, 0x01],
        b"k",
        &[0x00, 0x09],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2a],
    ]);
    let rows = Rows {
        metadata: RowsMetadata::new(vec![col("ks", "t", "k", ColumnType::Int)])
            .with_paging_state(Bytes::from_static(&[1, 2, 3])),
        rows_count: 1,
        content: Bytes::from_static(&[0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2a]),
    };
    let value = result(ResultBody::Rows(rows));
    check(V2, &bytes, &value);
    // Not in v1, either way.
    assert!(matches!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::NotInVersion { version: V1, .. })
    ));
    assert!(matches!(
        encode(V1, &value),
        Err(EncodeError::NotInVersion { version: V1, .. })
    ));
}

#[test]
fn rows_with_no_metadata_v2() {
    let content: &[u8] = &[0x00, 0x00, 0x00, 0x01, b'a', 0x00, 0x00, 0x00, 0x01, b'b'];
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x04], // No_metadata
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x02],
        content,
    ]);
    let value = result(ResultBody::Rows(Rows {
        metadata: RowsMetadata::no_metadata(1),
        rows_count: 2,
        content: Bytes::from_static(content),
    }));
    check(V2, &bytes, &value);
    assert!(matches!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::NotInVersion { version: V1, .. })
    ));
    assert!(matches!(
        encode(V1, &value),
        Err(EncodeError::NotInVersion { version: V1, .. })
    ));

    // No_metadata with Has_more_pages.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x06],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01, 0xaa],
        &[0x00, 0x00, 0x00, 0x02],
        content,
    ]);
    let value = result(ResultBody::Rows(Rows {
        metadata: RowsMetadata::no_metadata(1).with_paging_state(Bytes::from_static(&[0xaa])),
        rows_count: 2,
        content: Bytes::from_static(content),
    }));
    check(V2, &bytes, &value);

    // Cassandra 2.0 keeps Global_tables_spec next to No_metadata on
    // skip-metadata results: the global spec is then absent.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x05],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x02],
        content,
    ]);
    assert_eq!(
        decode(V2, Opcode::Result, &bytes).unwrap(),
        result(ResultBody::Rows(Rows {
            metadata: RowsMetadata::no_metadata(1),
            rows_count: 2,
            content: Bytes::from_static(content),
        }))
    );
}

/// Bind metadata for `... WHERE id = ?` on ks.users.
fn bind_bytes() -> Vec<u8> {
    cat(&[
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
        &[0x00, 0x02],
        b"id",
        &[0x00, 0x09],
    ])
}

fn bind_metadata() -> RowsMetadata {
    RowsMetadata::new(vec![col("ks", "users", "id", ColumnType::Int)])
}

#[test]
fn prepared_v1() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x10],
        &ID16,
        &bind_bytes(),
    ]);
    let value = result(ResultBody::Prepared(Prepared {
        id: Bytes::from_static(&ID16),
        metadata: bind_metadata(),
        result_metadata: None,
    }));
    check(V1, &bytes, &value);
}

#[test]
fn prepared_v2_with_result_metadata() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x10],
        &ID16,
        &bind_bytes(),
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
        &[0x00, 0x02],
        b"id",
        &[0x00, 0x09],
        &[0x00, 0x04],
        b"name",
        &[0x00, 0x0d],
    ]);
    let value = result(ResultBody::Prepared(Prepared {
        id: Bytes::from_static(&ID16),
        metadata: bind_metadata(),
        result_metadata: Some(RowsMetadata::new(users_columns())),
    }));
    check(V2, &bytes, &value);
    // Result metadata is not part of v1.
    assert!(matches!(
        encode(V1, &value),
        Err(EncodeError::NotInVersion { version: V1, .. })
    ));
}

#[test]
fn prepared_v2_with_no_metadata_result() {
    // INSERT INTO ks.users (id) VALUES (?): the result metadata is empty.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x10],
        &ID16,
        &bind_bytes(),
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    let value = result(ResultBody::Prepared(Prepared {
        id: Bytes::from_static(&ID16),
        metadata: bind_metadata(),
        result_metadata: Some(RowsMetadata::no_metadata(0)),
    }));
    check(V2, &bytes, &value);
    // `None` on v2 is written as that same empty metadata.
    let none = result(ResultBody::Prepared(Prepared {
        id: Bytes::from_static(&ID16),
        metadata: bind_metadata(),
        result_metadata: None,
    }));
    assert_eq!(encode(V2, &none).unwrap(), bytes);
    // Decoding these bytes as v1 leaves the result metadata as trailing bytes.
    assert!(matches!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::TrailingBytes { count: 8, .. })
    ));
}

#[test]
fn prepared_metadata_has_no_paging_state() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x01, 0xaa],
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::InvalidValue {
            context: "RESULT.prepared.metadata.flags",
            ..
        })
    ));
    let value = result(ResultBody::Prepared(Prepared {
        id: Bytes::from_static(&[0xaa]),
        metadata: RowsMetadata::new(vec![]).with_paging_state(Bytes::new()),
        result_metadata: None,
    }));
    assert!(matches!(
        encode(V2, &value),
        Err(EncodeError::InvalidValue { .. })
    ));
}

#[test]
fn schema_change_results() {
    let keyspace = cat(&[
        &[0x00, 0x00, 0x00, 0x05],
        &[0x00, 0x07],
        b"CREATED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    check_both(
        &keyspace,
        &result(ResultBody::SchemaChange(SchemaChange {
            change: SchemaChangeType::Created,
            target: SchemaChangeTarget::Keyspace("ks".into()),
        })),
    );
    let table = cat(&[
        &[0x00, 0x00, 0x00, 0x05],
        &[0x00, 0x07],
        b"UPDATED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
    ]);
    check_both(
        &table,
        &result(ResultBody::SchemaChange(SchemaChange {
            change: SchemaChangeType::Updated,
            target: SchemaChangeTarget::Table {
                keyspace: "ks".into(),
                table: "users".into(),
            },
        })),
    );
    let dropped = cat(&[
        &[0x00, 0x00, 0x00, 0x05],
        &[0x00, 0x07],
        b"DROPPED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    check_both(
        &dropped,
        &result(ResultBody::SchemaChange(SchemaChange::keyspace(
            SchemaChangeType::Dropped,
            "ks",
        ))),
    );
    // A table target needs a table name.
    assert!(matches!(
        encode(
            V2,
            &result(ResultBody::SchemaChange(SchemaChange::table(
                SchemaChangeType::Created,
                "ks",
                ""
            )))
        ),
        Err(EncodeError::InvalidValue { .. })
    ));
}

// ---------------------------------------------------------------------------
// EVENT
// ---------------------------------------------------------------------------

#[test]
fn topology_change_events() {
    let new_node = cat(&[
        &[0x00, 0x0f],
        b"TOPOLOGY_CHANGE",
        &[0x00, 0x08],
        b"NEW_NODE",
        &[0x04, 127, 0, 0, 2],
        &[0x00, 0x00, 0x23, 0x52],
    ]);
    check_both(
        &new_node,
        &Response::Event(Event::TopologyChange {
            change: TopologyChangeType::NewNode,
            address: addr("127.0.0.2:9042"),
        }),
    );
    let removed = cat(&[
        &[0x00, 0x0f],
        b"TOPOLOGY_CHANGE",
        &[0x00, 0x0c],
        b"REMOVED_NODE",
        &[0x10],
        &[
            0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        ],
        &[0x00, 0x00, 0x23, 0x52],
    ]);
    check_both(
        &removed,
        &Response::Event(Event::TopologyChange {
            change: TopologyChangeType::RemovedNode,
            address: addr("[2001:db8::1]:9042"),
        }),
    );
    let moved = cat(&[
        &[0x00, 0x0f],
        b"TOPOLOGY_CHANGE",
        &[0x00, 0x0a],
        b"MOVED_NODE",
        &[0x04, 10, 0, 0, 1],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    check_both(
        &moved,
        &Response::Event(Event::TopologyChange {
            change: TopologyChangeType::MovedNode,
            address: addr("10.0.0.1:0"),
        }),
    );
}

#[test]
fn status_change_events() {
    let up = cat(&[
        &[0x00, 0x0d],
        b"STATUS_CHANGE",
        &[0x00, 0x02],
        b"UP",
        &[0x04, 127, 0, 0, 1],
        &[0x00, 0x00, 0x23, 0x52],
    ]);
    let value = Event::StatusChange {
        change: StatusChangeType::Up,
        address: addr("127.0.0.1:9042"),
    };
    assert_eq!(value.event_type(), "STATUS_CHANGE");
    check_both(&up, &Response::Event(value));
    let down = cat(&[
        &[0x00, 0x0d],
        b"STATUS_CHANGE",
        &[0x00, 0x04],
        b"DOWN",
        &[0x10],
        &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        &[0x00, 0x00, 0xff, 0xff],
    ]);
    check_both(
        &down,
        &Response::Event(Event::StatusChange {
            change: StatusChangeType::Down,
            address: addr("[::1]:65535"),
        }),
    );
}

#[test]
fn schema_change_events() {
    let created = cat(&[
        &[0x00, 0x0d],
        b"SCHEMA_CHANGE",
        &[0x00, 0x07],
        b"CREATED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    check_both(
        &created,
        &Response::Event(Event::SchemaChange(SchemaChange::keyspace(
            SchemaChangeType::Created,
            "ks",
        ))),
    );
    let dropped = cat(&[
        &[0x00, 0x0d],
        b"SCHEMA_CHANGE",
        &[0x00, 0x07],
        b"DROPPED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x05],
        b"users",
    ]);
    let value = Event::SchemaChange(SchemaChange::table(
        SchemaChangeType::Dropped,
        "ks",
        "users",
    ));
    assert_eq!(value.event_type(), "SCHEMA_CHANGE");
    check_both(&dropped, &Response::Event(value));
}

#[test]
fn unknown_event_names() {
    let unknown_type = cat(&[&[0x00, 0x03], b"FOO"]);
    assert!(matches!(
        decode(V2, Opcode::Event, &unknown_type),
        Err(DecodeError::InvalidValue {
            context: "EVENT.type",
            offset: 0,
            ..
        })
    ));
    let topology = cat(&[
        &[0x00, 0x0f],
        b"TOPOLOGY_CHANGE",
        &[0x00, 0x03],
        b"NEW",
        &[0x04, 1, 2, 3, 4, 0, 0, 0, 1],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Event, &topology),
        Err(DecodeError::InvalidValue {
            context: "EVENT.topology_change.change",
            offset: 17,
            ..
        })
    ));
    let status = cat(&[
        &[0x00, 0x0d],
        b"STATUS_CHANGE",
        &[0x00, 0x08],
        b"SIDEWAYS",
        &[0x04, 1, 2, 3, 4, 0, 0, 0, 1],
    ]);
    assert!(matches!(
        decode(V1, Opcode::Event, &status),
        Err(DecodeError::InvalidValue {
            context: "EVENT.status_change.change",
            ..
        })
    ));
    let schema = cat(&[
        &[0x00, 0x0d],
        b"SCHEMA_CHANGE",
        &[0x00, 0x07],
        b"ALTERED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Event, &schema),
        Err(DecodeError::InvalidValue {
            context: "EVENT.schema_change.change",
            ..
        })
    ));
    let result_schema = cat(&[
        &[0x00, 0x00, 0x00, 0x05],
        &[0x00, 0x07],
        b"ALTERED",
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x00],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Result, &result_schema),
        Err(DecodeError::InvalidValue {
            context: "RESULT.schema_change.change",
            offset: 4,
            ..
        })
    ));
}

#[test]
fn bad_inet() {
    for inet in [
        &[0x05, 1, 2, 3, 4, 5, 0, 0, 0, 1][..],          // size 5
        &[0x00, 0, 0, 0, 1][..],                         // size 0
        &[0x04, 1, 2, 3, 4, 0x00, 0x01, 0x00, 0x00][..], // port 65536
        &[0x04, 1, 2, 3, 4, 0xff, 0xff, 0xff, 0xff][..], // port -1
    ] {
        let bytes = cat(&[&[0x00, 0x0d], b"STATUS_CHANGE", &[0x00, 0x02], b"UP", inet]);
        assert!(
            matches!(
                decode(V2, Opcode::Event, &bytes),
                Err(DecodeError::InvalidValue {
                    context: "EVENT.status_change.address",
                    ..
                })
            ),
            "{inet:02x?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------

#[test]
fn huge_rows_count_is_rejected_without_allocating() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"t",
        &[0x00, 0x01],
        b"k",
        &[0x00, 0x09],
        &[0x7f, 0xff, 0xff, 0xff], // rows_count
        &[0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    ]);
    for v in BOTH {
        assert_eq!(
            decode(v, Opcode::Result, &bytes),
            Err(DecodeError::CountTooLarge {
                context: "RESULT.rows.rows_count",
                offset: 24,
                count: i32::MAX as u64,
                available: 8,
                max_possible: 2,
            })
        );
    }
    // No_metadata: many columns and many rows.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x04],
        &[0x7f, 0xff, 0xff, 0xff],
        &[0x7f, 0xff, 0xff, 0xff],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::CountTooLarge {
            context: "RESULT.rows.rows_count",
            ..
        })
    ));
    // A negative rows_count.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0xff, 0xff, 0xff, 0xff],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::InvalidLength {
            context: "RESULT.rows.rows_count",
            length: -1,
            ..
        })
    ));
}

#[test]
fn huge_columns_count_is_rejected_without_allocating() {
    // With a global table spec, each col spec takes at least 4 bytes.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x7f, 0xff, 0xff, 0xff],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"t",
        &[0x00, 0x01],
        b"k",
        &[0x00, 0x09],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    assert_eq!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::CountTooLarge {
            context: "RESULT.rows.metadata.columns_count",
            offset: 8,
            count: i32::MAX as u64,
            available: 9,
            max_possible: 2,
        })
    );
    // Per-column specs take at least 8 bytes.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x00, 0x01, 0x00, 0x00],
        &[0x00; 16],
    ]);
    assert!(matches!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::CountTooLarge {
            context: "RESULT.rows.metadata.columns_count",
            count: 65536,
            max_possible: 2,
            ..
        })
    ));
    // In Prepared bind metadata.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x00],
        &[0x00, 0x00, 0x00, 0x00],
        &[0x7f, 0xff, 0xff, 0xff],
    ]);
    assert!(matches!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::CountTooLarge {
            context: "RESULT.prepared.metadata.columns_count",
            ..
        })
    ));
}

#[test]
fn row_value_overrunning_the_body() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01, b'a'],
        &[0x00, 0x00, 0x10, 0x00, b'b', b'c', b'd', b'e'],
    ]);
    assert_eq!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::Truncated {
            context: "RESULT.rows.rows_content",
            offset: 25,
            needed: 4096,
            available: 4,
        })
    );
}

#[test]
fn unknown_result_kind() {
    for kind in [
        [0x00, 0x00, 0x00, 0x06],
        [0x00, 0x00, 0x00, 0x00],
        [0xff; 4],
    ] {
        assert_eq!(
            decode(V2, Opcode::Result, &kind),
            Err(DecodeError::UnknownCode {
                what: "RESULT kind",
                code: u32::from_be_bytes(kind),
                offset: 0,
            })
        );
    }
}

#[test]
fn unknown_metadata_flags() {
    for flags in [0x08u8, 0x10, 0x80] {
        let bytes = cat(&[
            &[0x00, 0x00, 0x00, 0x02],
            &[0x00, 0x00, 0x00, flags],
            &[0x00, 0x00, 0x00, 0x00],
            &[0x00, 0x00, 0x00, 0x00],
        ]);
        assert!(matches!(
            decode(V2, Opcode::Result, &bytes),
            Err(DecodeError::InvalidValue {
                context: "RESULT.rows.metadata.flags",
                offset: 4,
                ..
            })
        ));
    }
}

#[test]
fn bad_utf8_in_column_name() {
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x02],
        b"ks",
        &[0x00, 0x01],
        b"t",
        &[0x00, 0x02, 0xc3, 0x28],
        &[0x00, 0x09],
        &[0x00, 0x00, 0x00, 0x00],
    ]);
    assert_eq!(
        decode(V1, Opcode::Result, &bytes),
        Err(DecodeError::InvalidUtf8 {
            context: "RESULT.rows.metadata.col_spec.name",
            offset: 21,
        })
    );
}

#[test]
fn trailing_bytes() {
    assert_eq!(
        decode(V2, Opcode::Ready, &[0x00]),
        Err(DecodeError::TrailingBytes {
            context: "READY",
            count: 1
        })
    );
    assert_eq!(
        decode(V1, Opcode::Result, &[0x00, 0x00, 0x00, 0x01, 0xaa, 0xbb]),
        Err(DecodeError::TrailingBytes {
            context: "RESULT",
            count: 2
        })
    );
    // A Rows result whose content holds one value more than announced.
    let bytes = cat(&[
        &[0x00, 0x00, 0x00, 0x02],
        &[0x00, 0x00, 0x00, 0x04],
        &[0x00, 0x00, 0x00, 0x01],
        &[0x00, 0x00, 0x00, 0x01],
        &[0xff, 0xff, 0xff, 0xff],
        &[0xff, 0xff, 0xff, 0xff],
    ]);
    assert_eq!(
        decode(V2, Opcode::Result, &bytes),
        Err(DecodeError::TrailingBytes {
            context: "RESULT",
            count: 4
        })
    );
}

// ---------------------------------------------------------------------------
// Encoder checks
// ---------------------------------------------------------------------------

#[test]
fn encoder_rejects_inconsistent_rows() {
    // columns_count disagrees with the column specs.
    let mut metadata = RowsMetadata::new(users_columns());
    metadata.columns_count = 3;
    let value = result(ResultBody::Rows(Rows::empty(metadata)));
    assert!(matches!(
        encode(V2, &value),
        Err(EncodeError::InvalidValue {
            context: "RESULT.rows.metadata.columns_count",
            ..
        })
    ));
    // Content that is not rows_count × columns_count values.
    for (rows_count, content) in [
        (1usize, ROWS_CONTENT),
        (2, &ROWS_CONTENT[..ROWS_CONTENT.len() - 1]),
        (3, ROWS_CONTENT),
    ] {
        let value = result(ResultBody::Rows(Rows {
            metadata: RowsMetadata::new(users_columns()),
            rows_count,
            content: Bytes::copy_from_slice(content),
        }));
        let mut buf = BytesMut::from(&b"keep"[..]);
        assert!(matches!(
            value.encode_body(V2, &mut buf),
            Err(EncodeError::InvalidValue {
                context: "RESULT.rows.rows_content",
                ..
            })
        ));
        // Nothing was appended.
        assert_eq!(&buf[..], b"keep");
    }
}

#[test]
fn rows_builder_checks_the_column_count() {
    let mut builder = RowsBuilder::new(RowsMetadata::new(users_columns()));
    assert!(matches!(
        builder.push_row([Some(&b"x"[..])]),
        Err(EncodeError::InvalidValue { .. })
    ));
    assert!(matches!(
        builder.push_row([None, None, None]),
        Err(EncodeError::InvalidValue { .. })
    ));
    builder.push_row([None, None]).unwrap();
    let rows = builder.finish();
    assert_eq!(rows.rows_count, 1);
    assert_eq!(&rows.content[..], &[0xff; 8]);
}

#[test]
fn iteration_of_malformed_content_stops_without_panicking() {
    let rows = Rows {
        metadata: RowsMetadata::no_metadata(2),
        rows_count: 5,
        content: Bytes::from_static(&[0x00, 0x00, 0x00, 0x01, b'a', 0x00, 0x00, 0x00, 0x09]),
    };
    assert_eq!(rows.iter().count(), 0);
    let rows = Rows {
        metadata: RowsMetadata::no_metadata(1),
        rows_count: 5,
        content: Bytes::from_static(&[0x00, 0x00, 0x00, 0x01, b'a', 0x00, 0x00]),
    };
    let all: Vec<_> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(all, vec![Some(Some(&b"a"[..]))]);
}

// ---------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z_]{1,8}",
        "\\PC{0,6}", // any printable Unicode
    ]
}

fn arb_column_type() -> impl Strategy<Value = ColumnType> {
    let leaf = prop_oneof![
        "[a-zA-Z.]{0,20}".prop_map(ColumnType::Custom),
        Just(ColumnType::Ascii),
        Just(ColumnType::Bigint),
        Just(ColumnType::Blob),
        Just(ColumnType::Boolean),
        Just(ColumnType::Counter),
        Just(ColumnType::Decimal),
        Just(ColumnType::Double),
        Just(ColumnType::Float),
        Just(ColumnType::Int),
        Just(ColumnType::Text),
        Just(ColumnType::Timestamp),
        Just(ColumnType::Uuid),
        Just(ColumnType::Varchar),
        Just(ColumnType::Varint),
        Just(ColumnType::Timeuuid),
        Just(ColumnType::Inet),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|t| ColumnType::List(Box::new(t))),
            inner.clone().prop_map(|t| ColumnType::Set(Box::new(t))),
            (inner.clone(), inner).prop_map(|(k, v)| ColumnType::Map(Box::new(k), Box::new(v))),
        ]
    })
}

fn arb_table_spec() -> impl Strategy<Value = TableSpec> {
    prop_oneof![
        Just(TableSpec::new("ks", "t1")),
        Just(TableSpec::new("ks", "t2")),
        (arb_name(), arb_name()).prop_map(|(k, t)| TableSpec::new(k, t)),
    ]
}

fn arb_columns() -> impl Strategy<Value = Vec<ColumnSpec>> {
    // Either every column in one table (Global_tables_spec) or each its own.
    (
        arb_table_spec(),
        proptest::bool::ANY,
        prop::collection::vec((arb_table_spec(), arb_name(), arb_column_type()), 0..5),
    )
        .prop_map(|(shared, global, cols)| {
            cols.into_iter()
                .map(|(t, name, ty)| ColumnSpec {
                    table: if global { shared.clone() } else { t },
                    name,
                    ty,
                })
                .collect()
        })
}

fn arb_bytes() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..12).prop_map(Bytes::from)
}

fn arb_metadata(version: ProtocolVersion, paging: bool) -> BoxedStrategy<RowsMetadata> {
    if version == V1 {
        return arb_columns().prop_map(RowsMetadata::new).boxed();
    }
    let columns = prop_oneof![
        arb_columns().prop_map(RowsMetadata::new),
        (0usize..5).prop_map(RowsMetadata::no_metadata),
    ];
    if paging {
        (columns, proptest::option::of(arb_bytes()))
            .prop_map(|(mut m, state)| {
                m.paging_state = state;
                m
            })
            .boxed()
    } else {
        columns.boxed()
    }
}

fn arb_rows(version: ProtocolVersion) -> impl Strategy<Value = Rows> {
    arb_metadata(version, true).prop_flat_map(|metadata| {
        let n = metadata.columns_count;
        let value = proptest::option::of(prop::collection::vec(any::<u8>(), 0..6));
        prop::collection::vec(prop::collection::vec(value, n..=n), 0..4).prop_map(move |rows| {
            let mut builder = RowsBuilder::new(metadata.clone());
            for row in &rows {
                builder.push_row(row.iter().map(|v| v.as_deref())).unwrap();
            }
            builder.finish()
        })
    })
}

fn arb_consistency() -> impl Strategy<Value = Consistency> {
    prop::sample::select(Consistency::ALL.to_vec())
}

fn arb_error() -> impl Strategy<Value = ErrorResponse> {
    let write_type = prop::sample::select(vec![
        WriteType::Simple,
        WriteType::Batch,
        WriteType::UnloggedBatch,
        WriteType::Counter,
        WriteType::BatchLog,
        WriteType::Cas,
    ]);
    let kind = prop_oneof![
        Just(ErrorKind::ServerError),
        Just(ErrorKind::ProtocolError),
        Just(ErrorKind::BadCredentials),
        (arb_consistency(), any::<i32>(), any::<i32>()).prop_map(
            |(consistency, required, alive)| {
                ErrorKind::Unavailable {
                    consistency,
                    required,
                    alive,
                }
            }
        ),
        Just(ErrorKind::Overloaded),
        Just(ErrorKind::IsBootstrapping),
        Just(ErrorKind::TruncateError),
        (arb_consistency(), any::<i32>(), any::<i32>(), write_type).prop_map(
            |(consistency, received, block_for, write_type)| ErrorKind::WriteTimeout {
                consistency,
                received,
                block_for,
                write_type,
            }
        ),
        (arb_consistency(), any::<i32>(), any::<i32>(), any::<bool>()).prop_map(
            |(consistency, received, block_for, data_present)| ErrorKind::ReadTimeout {
                consistency,
                received,
                block_for,
                data_present,
            }
        ),
        Just(ErrorKind::SyntaxError),
        Just(ErrorKind::Unauthorized),
        Just(ErrorKind::Invalid),
        Just(ErrorKind::ConfigError),
        (arb_name(), arb_name())
            .prop_map(|(keyspace, table)| ErrorKind::AlreadyExists { keyspace, table }),
        arb_bytes().prop_map(|id| ErrorKind::Unprepared { id }),
    ];
    (kind, arb_name()).prop_map(|(kind, message)| ErrorResponse { kind, message })
}

fn arb_schema_change() -> impl Strategy<Value = SchemaChange> {
    let change = prop::sample::select(vec![
        SchemaChangeType::Created,
        SchemaChangeType::Updated,
        SchemaChangeType::Dropped,
    ]);
    let target = prop_oneof![
        arb_name().prop_map(SchemaChangeTarget::Keyspace),
        (arb_name(), "[a-z]{1,8}")
            .prop_map(|(keyspace, table)| SchemaChangeTarget::Table { keyspace, table }),
    ];
    (change, target).prop_map(|(change, target)| SchemaChange { change, target })
}

fn arb_addr() -> impl Strategy<Value = SocketAddr> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::from((ip, port))),
        (any::<[u8; 16]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddr::from((ip, port))),
    ]
}

fn arb_event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (
            prop::sample::select(vec![
                TopologyChangeType::NewNode,
                TopologyChangeType::RemovedNode,
                TopologyChangeType::MovedNode,
            ]),
            arb_addr()
        )
            .prop_map(|(change, address)| Event::TopologyChange { change, address }),
        (
            prop::sample::select(vec![StatusChangeType::Up, StatusChangeType::Down]),
            arb_addr()
        )
            .prop_map(|(change, address)| Event::StatusChange { change, address }),
        arb_schema_change().prop_map(Event::SchemaChange),
    ]
}

fn arb_result(version: ProtocolVersion) -> impl Strategy<Value = ResultBody> {
    let result_metadata = if version == V1 {
        Just(None).boxed()
    } else {
        arb_metadata(version, false).prop_map(Some).boxed()
    };
    prop_oneof![
        Just(ResultBody::Void),
        arb_rows(version).prop_map(ResultBody::Rows),
        arb_name().prop_map(ResultBody::SetKeyspace),
        (arb_bytes(), arb_metadata(version, false), result_metadata).prop_map(
            |(id, metadata, result_metadata)| ResultBody::Prepared(Prepared {
                id,
                metadata,
                result_metadata,
            })
        ),
        arb_schema_change().prop_map(ResultBody::SchemaChange),
    ]
}

fn arb_response(version: ProtocolVersion) -> BoxedStrategy<Response> {
    let token = || proptest::option::of(arb_bytes());
    let common = prop_oneof![
        arb_error().prop_map(Response::Error),
        Just(Response::Ready),
        arb_name().prop_map(|authenticator| Response::Authenticate(Authenticate { authenticator })),
        prop::collection::vec((arb_name(), prop::collection::vec(arb_name(), 0..3)), 0..3)
            .prop_map(|options| Response::Supported(Supported { options })),
        arb_result(version).prop_map(Response::Result),
        arb_event().prop_map(Response::Event),
    ];
    if version == V1 {
        common.boxed()
    } else {
        prop_oneof![
            6 => common,
            1 => token().prop_map(|token| Response::AuthChallenge(AuthChallenge { token })),
            1 => token().prop_map(|token| Response::AuthSuccess(AuthSuccess { token })),
        ]
        .boxed()
    }
}

fn arb_version() -> impl Strategy<Value = ProtocolVersion> {
    prop::sample::select(BOTH.to_vec())
}

fn arb_versioned_response() -> impl Strategy<Value = (ProtocolVersion, Response)> {
    arb_version().prop_flat_map(|v| (Just(v), arb_response(v)))
}

/// Bodies that start like real responses, so that random tails reach deep
/// into the decoders.
const PREFIXES: &[&[u8]] = &[
    &[],
    &[0x00, 0x00, 0x00, 0x02],                         // Rows
    &[0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01], // Rows, global spec
    &[0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04], // Rows, no metadata
    &[0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x06], // Rows, no metadata, paging
    &[0x00, 0x00, 0x00, 0x04, 0x00, 0x00],             // Prepared, empty id
    &[0x00, 0x00, 0x00, 0x05],                         // Schema_change
    &[0x00, 0x00, 0x11, 0x00, 0x00, 0x00],             // Write_timeout
    &[0x00, 0x00, 0x12, 0x00, 0x00, 0x00],             // Read_timeout
    &[0x00, 0x00, 0x25, 0x00, 0x00, 0x00],             // Unprepared
    &[
        0x00, 0x0f, b'T', b'O', b'P', b'O', b'L', b'O', b'G', b'Y', b'_', b'C', b'H', b'A', b'N',
        b'G', b'E',
    ],
    &[
        0x00, 0x0d, b'S', b'C', b'H', b'E', b'M', b'A', b'_', b'C', b'H', b'A', b'N', b'G', b'E',
    ],
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trip((version, response) in arb_versioned_response()) {
        let bytes = encode(version, &response).unwrap();
        let decoded = decode(version, response.opcode(), &bytes).unwrap();
        prop_assert_eq!(&decoded, &response);
        // And the decoded value encodes to the same bytes.
        prop_assert_eq!(encode(version, &decoded).unwrap(), bytes);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        version in arb_version(),
        prefix in prop::sample::select(PREFIXES.to_vec()),
        tail in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let body = cat(&[prefix, &tail]);
        for opcode in Opcode::ALL {
            let _ = decode(version, opcode, &body);
        }
    }

    #[test]
    fn decoding_mutated_responses_never_panics(
        (version, response) in arb_versioned_response(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = encode(version, &response).unwrap();
        if !bytes.is_empty() {
            for (index, byte) in &mutations {
                let i = index.index(bytes.len());
                bytes[i] = *byte;
            }
        }
        let opcode = response.opcode();
        if let Ok(Response::Result(ResultBody::Rows(rows))) = decode(version, opcode, &bytes) {
            // Whatever decodes iterates without panicking.
            for row in rows.iter().take(64) {
                let _ = row.values().count();
            }
        }
        let len = cut.index(bytes.len() + 1);
        let _ = decode(version, opcode, &bytes[..len]);
    }
}

#[test]
fn typed_rows_read_tuples_and_report_missing_metadata() {
    use cql_protocol::message::response::{RowsBuilder, RowsMetadata};
    use cql_protocol::value::ValueError;
    use cql_protocol::{ColumnSpec, ColumnType, TableSpec};

    let table = TableSpec::new("ks", "t");
    let columns = vec![
        ColumnSpec::new(table.clone(), "k", ColumnType::Int),
        ColumnSpec::new(table, "v", ColumnType::Varchar),
    ];
    let mut builder = RowsBuilder::new(RowsMetadata::new(columns.clone()));
    builder
        .push_row([Some(&[0, 0, 0, 1][..]), Some(&b"one"[..])])
        .unwrap();
    builder.push_row([Some(&[0, 0, 0, 2][..]), None]).unwrap();
    let rows = builder.finish();

    let read: Vec<(i32, Option<String>)> = rows
        .typed(ProtocolVersion::V2)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read, [(1, Some("one".to_owned())), (2, None)]);

    // A null read into a non-Option names the column.
    let err = rows
        .typed::<(i32, String)>(ProtocolVersion::V2)
        .nth(1)
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&err, ValueError::Column { index: 1, name, .. } if name == "v"),
        "{err}"
    );

    // The same rows sent with No_metadata need the columns from elsewhere.
    let bare = cql_protocol::message::response::Rows {
        metadata: RowsMetadata::no_metadata(2),
        ..rows.clone()
    };
    assert_eq!(
        bare.typed::<(i32, Option<String>)>(ProtocolVersion::V2)
            .next()
            .unwrap(),
        Err(ValueError::MissingMetadata)
    );
    let read: Vec<(i32, Option<String>)> = bare
        .typed_with(&columns, ProtocolVersion::V2)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read.len(), 2);
}
