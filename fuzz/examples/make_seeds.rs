//! Writes the committed seed corpus, `fuzz/seeds/<target>/`: every request
//! and response message of the spec in every version it exists in, each
//! framed plain and with lz4 and snappy, values of every column type, and
//! compressed bodies.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds
//! ```

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use cql_protocol::message::request::{
    AuthResponse, Batch, BatchStatement, BatchType, Credentials, Execute, Prepare, Query,
    QueryParameters, Register, Request, Startup,
};
use cql_protocol::message::response::{
    Authenticate, ErrorKind, ErrorResponse, Event, Prepared, Response, ResultBody, RowsBuilder,
    RowsMetadata, SchemaChange, StatusChangeType, Supported, TopologyChangeType, WriteType,
};
use cql_protocol::message::{MessageCodec, RequestFrame, ResponseFrame};
use cql_protocol::value::{CqlDecimal, CqlTimestamp, CqlValue};
use cql_protocol::{ColumnSpec, Compression, Consistency, ProtocolVersion, RawValue, TableSpec};

const COMPRESSIONS: [(u8, Option<Compression>); 3] = [
    (0, None),
    (1, Some(Compression::Lz4)),
    (2, Some(Compression::Snappy)),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for version in ProtocolVersion::ALL {
        for (selector, compression) in COMPRESSIONS {
            let codec = MessageCodec::new(version).with_compression(compression);
            let mut all = vec![selector];
            for (i, request) in requests(version).into_iter().enumerate() {
                let mut out = BytesMut::new();
                codec.encode_request(&RequestFrame::new(i as i16, request.clone()), &mut out)?;
                all.extend_from_slice(&out);
                let name = format!("seed-{version}-{selector}-{}", request.opcode().name());
                write(
                    &root,
                    "request_frames",
                    &name,
                    &[&[selector], &out[..]].concat(),
                )?;
            }
            write(
                &root,
                "request_frames",
                &format!("seed-{version}-{selector}-all"),
                &all,
            )?;

            let mut all = vec![selector];
            for (i, response) in responses(version).into_iter().enumerate() {
                let mut out = BytesMut::new();
                codec.encode_response(&ResponseFrame::new(i as i16, response.clone()), &mut out)?;
                all.extend_from_slice(&out);
                let name = format!("seed-{version}-{selector}-{}-{i}", response.opcode().name());
                write(
                    &root,
                    "response_frames",
                    &name,
                    &[&[selector], &out[..]].concat(),
                )?;
            }
            write(
                &root,
                "response_frames",
                &format!("seed-{version}-{selector}-all"),
                &all,
            )?;
        }
    }

    for (i, value) in sample_values().iter().enumerate() {
        let ty = value.column_type().ok_or("sample value without a type")?;
        let mut out = BytesMut::new();
        ty.write(&mut out, ProtocolVersion::V2)?;
        value.serialize(ProtocolVersion::V2, &mut out)?;
        write(
            &root,
            "values",
            &format!("seed-{i:02}-{}", sanitize(&ty.to_string())),
            &out,
        )?;
    }

    let body = b"SELECT * FROM system.schema_columns WHERE keyspace_name = 'ks'".repeat(8);
    for compression in [Compression::Lz4, Compression::Snappy] {
        for (i, input) in [&b""[..], b"x", &body[..]].iter().enumerate() {
            let mut out = BytesMut::new();
            compression.compress(input, &mut out)?;
            write(
                &root,
                "decompress",
                &format!("seed-{compression}-{i}"),
                &out,
            )?;
        }
    }
    for (name, bytes) in server_conversations()? {
        // Selector 0: one write; 192: split in the middle.
        write(
            &root,
            "server_connection",
            &format!("seed-{name}"),
            &[&[0u8], &bytes[..]].concat(),
        )?;
        write(
            &root,
            "server_connection",
            &format!("seed-{name}-split"),
            &[&[192u8], &bytes[..]].concat(),
        )?;
    }
    println!("seeds written under {}", root.display());
    Ok(())
}

/// Encodes `requests` on streams 1, 2, ... 127, 1, ..., the ones after a
/// STARTUP with compression compressed.
fn conversation(
    version: ProtocolVersion,
    requests: Vec<Request>,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut codec = MessageCodec::new(version);
    let mut out = BytesMut::new();
    for (i, request) in requests.into_iter().enumerate() {
        let compression = match &request {
            Request::Startup(startup) => startup.get(Startup::COMPRESSION).and_then(|name| {
                [Compression::Lz4, Compression::Snappy]
                    .into_iter()
                    .find(|c| c.name() == name)
            }),
            _ => codec.compression(),
        };
        codec.encode_request(&RequestFrame::new((i % 127) as i16 + 1, request), &mut out)?;
        codec.set_compression(compression);
    }
    Ok(out.to_vec())
}

fn query(text: &str) -> Request {
    Request::Query(Query {
        query: text.into(),
        params: QueryParameters::default(),
    })
}

/// The id the test cluster gives a statement prepared without a current
/// keyspace: murmur3 x64 128 of the text.
fn prepared_id(text: &str) -> Bytes {
    let (a, b) = cql_protocol::murmur3::hash3_x64_128(text.as_bytes(), 0);
    Bytes::from([a.to_be_bytes(), b.to_be_bytes()].concat())
}

/// Whole client conversations for the `server_connection` target.
fn server_conversations() -> Result<Vec<(String, Vec<u8>)>, Box<dyn std::error::Error>> {
    use ProtocolVersion::{V1, V2};
    let startup = || Request::Startup(Startup::new("3.0.0"));
    let insert = "INSERT INTO fuzz.t (k, v) VALUES (?, ?)";
    let select = "SELECT k, v FROM fuzz.t WHERE k = ?";
    let bound = |values: Vec<RawValue>| QueryParameters {
        consistency: Consistency::One,
        values,
        ..QueryParameters::default()
    };
    let mut out = vec![
        ("options-v1".to_owned(), conversation(V1, vec![Request::Options])?),
        ("options-v2".to_owned(), conversation(V2, vec![Request::Options])?),
        (
            "startup-query".to_owned(),
            conversation(
                V2,
                vec![startup(), query("SELECT * FROM system.local WHERE key='local'")],
            )?,
        ),
        (
            "startup-lz4-query".to_owned(),
            conversation(
                V2,
                vec![
                    Request::Startup(Startup::new("3.0.0").with_compression(Compression::Lz4)),
                    query("SELECT peer, rpc_address FROM system.peers"),
                ],
            )?,
        ),
        (
            "startup-snappy-query-v1".to_owned(),
            conversation(
                V1,
                vec![
                    Request::Startup(Startup::new("3.0.0").with_compression(Compression::Snappy)),
                    query("SELECT keyspace_name FROM system.schema_keyspaces"),
                ],
            )?,
        ),
        (
            "startup-ddl-dml".to_owned(),
            conversation(
                V2,
                vec![
                    startup(),
                    query("CREATE KEYSPACE IF NOT EXISTS fuzz WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
                    query("CREATE TABLE IF NOT EXISTS fuzz.t (k int PRIMARY KEY, v text)"),
                    Request::Prepare(Prepare { query: insert.into() }),
                    Request::Prepare(Prepare { query: select.into() }),
                    Request::Execute(Execute {
                        id: prepared_id(insert),
                        params: bound(vec![value(&[0, 0, 0, 1]), value(b"one")]),
                    }),
                    Request::Execute(Execute {
                        id: prepared_id(select),
                        params: bound(vec![value(&[0, 0, 0, 1])]),
                    }),
                    Request::Batch(Batch {
                        batch_type: BatchType::Logged,
                        statements: vec![
                            BatchStatement::query("INSERT INTO fuzz.t (k, v) VALUES (2, 'two')", vec![]),
                            BatchStatement::prepared(prepared_id(insert), vec![value(&[0, 0, 0, 3]), RawValue::Null]),
                        ],
                        consistency: Consistency::Quorum,
                        serial_consistency: None,
                        timestamp: None,
                    }),
                    query("USE fuzz"),
                    query("SELECT * FROM t"),
                    query("UPDATE t SET v = 'x' WHERE k = 1 IF v = 'one'"),
                    query("DELETE FROM t WHERE k = 2"),
                ],
            )?,
        ),
        (
            "startup-register".to_owned(),
            conversation(
                V2,
                vec![
                    startup(),
                    Request::Register(Register {
                        events: cql_protocol::message::request::EventType::ALL.to_vec(),
                    }),
                    query("CREATE KEYSPACE IF NOT EXISTS fuzz2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
                ],
            )?,
        ),
        (
            "auth-without-auth".to_owned(),
            conversation(
                V2,
                vec![
                    Request::AuthResponse(AuthResponse::plain("cassandra", "cassandra")),
                    startup(),
                    Request::AuthResponse(AuthResponse::plain("cassandra", "cassandra")),
                    startup(),
                ],
            )?,
        ),
        (
            "credentials-v1".to_owned(),
            conversation(
                V1,
                vec![startup(), Request::Credentials(Credentials::password("cassandra", "cassandra"))],
            )?,
        ),
        (
            "version-change".to_owned(),
            [conversation(V2, vec![Request::Options])?, conversation(V1, vec![Request::Options])?].concat(),
        ),
        (
            "startup-old-cql".to_owned(),
            conversation(V2, vec![Request::Startup(Startup::new("2.0.0")), startup()])?,
        ),
    ];
    // 200 queries in flight on one connection: more than the node's limit.
    let mut many = vec![startup()];
    many.extend((0..200).map(|_| query("SELECT release_version FROM system.local")));
    out.push(("pipelined-200".to_owned(), conversation(V2, many)?));
    // Protocol probes: a v3 OPTIONS (Cassandra 2.1 drivers start there) and
    // version 66.
    out.push(("probe-v3".to_owned(), vec![0x03, 0, 0, 1, 0x05, 0, 0, 0, 0]));
    out.push((
        "probe-v66".to_owned(),
        vec![0x42, 0, 0, 1, 0x05, 0, 0, 0, 0],
    ));
    // A response frame, an unknown opcode, a frame too large to accept, a
    // body shorter than it claims, HTTP and noise.
    out.push((
        "response-direction".to_owned(),
        vec![0x82, 0, 1, 0x02, 0, 0, 0, 0],
    ));
    out.push((
        "unknown-opcode".to_owned(),
        vec![0x02, 0, 1, 0x42, 0, 0, 0, 0],
    ));
    out.push((
        "too-large".to_owned(),
        vec![0x02, 0, 1, 0x07, 0x7f, 0xff, 0xff, 0xff],
    ));
    out.push((
        "short-body".to_owned(),
        [&[0x02, 0, 1, 0x07, 0, 0, 0, 0x40][..], b"\x00\x05SELECT"].concat(),
    ));
    out.push((
        "http".to_owned(),
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec(),
    ));
    out.push(("noise".to_owned(), (0..=255u8).rev().collect()));
    Ok(out)
}

fn write(root: &Path, target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = root.join(target);
    fs::create_dir_all(&dir)?;
    fs::write(dir.join(name), bytes)
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn value(bytes: &[u8]) -> RawValue {
    RawValue::Value(Bytes::copy_from_slice(bytes))
}

fn requests(version: ProtocolVersion) -> Vec<Request> {
    let simple = QueryParameters {
        consistency: Consistency::LocalOne,
        ..QueryParameters::default()
    };
    let full = if version == ProtocolVersion::V1 {
        QueryParameters {
            values: vec![value(&[0, 0, 0, 1]), RawValue::Null],
            ..simple.clone()
        }
    } else {
        QueryParameters {
            consistency: Consistency::Quorum,
            values: vec![value(&[0, 0, 0, 1]), RawValue::Null, value(b"")],
            skip_metadata: true,
            page_size: Some(5000),
            paging_state: Some(Bytes::from_static(b"\x00\x04page")),
            serial_consistency: Some(Consistency::LocalSerial),
        }
    };
    let query_params = if version == ProtocolVersion::V1 {
        simple.clone()
    } else {
        full.clone()
    };
    let mut out = vec![
        Request::Options,
        Request::Startup(Startup::new("3.0.0").with_compression(Compression::Lz4)),
        Request::Query(Query {
            query: "SELECT * FROM system.local WHERE key='local'".into(),
            params: query_params,
        }),
        Request::Prepare(Prepare {
            query: "INSERT INTO ks.t (k, v) VALUES (?, ?)".into(),
        }),
        Request::Execute(Execute {
            id: Bytes::from_static(&[0xab; 16]),
            params: full,
        }),
        Request::Register(Register {
            events: cql_protocol::message::request::EventType::ALL.to_vec(),
        }),
    ];
    if version == ProtocolVersion::V1 {
        out.push(Request::Credentials(Credentials::password(
            "cassandra",
            "cassandra",
        )));
    } else {
        out.push(Request::AuthResponse(AuthResponse::plain(
            "cassandra",
            "cassandra",
        )));
        out.push(Request::Batch(Batch {
            batch_type: BatchType::Unlogged,
            statements: vec![
                BatchStatement::query(
                    "INSERT INTO ks.t (k) VALUES (?)",
                    vec![value(&[0, 0, 0, 2])],
                ),
                BatchStatement::prepared(Bytes::from_static(&[0xcd; 16]), vec![RawValue::Null]),
            ],
            consistency: Consistency::One,
            serial_consistency: None,
            timestamp: None,
        }));
    }
    out
}

fn responses(version: ProtocolVersion) -> Vec<Response> {
    let address: SocketAddr = "127.0.0.2:9042".parse().expect("literal address");
    let table = TableSpec::new("ks", "t");
    let samples = sample_values();
    let columns: Vec<ColumnSpec> = samples
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            v.column_type()
                .map(|ty| ColumnSpec::new(table.clone(), format!("c{i}"), ty))
        })
        .collect();
    let mut builder = RowsBuilder::new(RowsMetadata::new(columns.clone()));
    let cells: Vec<Vec<u8>> = samples
        .iter()
        .map(|v| {
            let mut out = BytesMut::new();
            v.serialize(version, &mut out).expect("sample serializes");
            out.to_vec()
        })
        .collect();
    builder
        .push_row(cells.iter().map(|c| Some(&c[..])))
        .expect("row fits");
    builder
        .push_row(cells.iter().map(|_| None))
        .expect("null row fits");
    let mut out = vec![
        Response::Ready,
        Response::Authenticate(Authenticate::new(
            "org.apache.cassandra.auth.PasswordAuthenticator",
        )),
        Response::Supported(Supported {
            options: vec![
                ("CQL_VERSION".into(), vec!["3.1.7".into()]),
                ("COMPRESSION".into(), vec!["snappy".into(), "lz4".into()]),
            ],
        }),
        Response::Error(ErrorResponse::unsupported_version(66)),
        Response::Error(ErrorResponse::new(
            ErrorKind::Unavailable {
                consistency: Consistency::Quorum,
                required: 2,
                alive: 1,
            },
            "Cannot achieve consistency level QUORUM",
        )),
        Response::Error(ErrorResponse::new(
            ErrorKind::WriteTimeout {
                consistency: Consistency::Serial,
                received: 0,
                block_for: 1,
                write_type: WriteType::Cas,
            },
            "timeout",
        )),
        Response::Error(ErrorResponse::new(
            ErrorKind::ReadTimeout {
                consistency: Consistency::One,
                received: 0,
                block_for: 1,
                data_present: false,
            },
            "timeout",
        )),
        Response::Error(ErrorResponse::new(
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: "t".into(),
            },
            "exists",
        )),
        Response::Error(ErrorResponse::new(
            ErrorKind::Unprepared {
                id: Bytes::from_static(&[0xab; 16]),
            },
            "unprepared",
        )),
        Response::Result(ResultBody::Void),
        Response::Result(ResultBody::Rows(builder.finish())),
        Response::Result(ResultBody::SetKeyspace("ks".into())),
        Response::Result(ResultBody::Prepared(Prepared {
            id: Bytes::from_static(&[0xab; 16]),
            metadata: RowsMetadata::new(columns[..2].to_vec()),
            result_metadata: (version >= ProtocolVersion::V2)
                .then(|| RowsMetadata::new(columns.clone())),
        })),
        Response::Result(ResultBody::SchemaChange(SchemaChange::table(
            cql_protocol::message::response::SchemaChangeType::Created,
            "ks",
            "t",
        ))),
        Response::Event(Event::TopologyChange {
            change: TopologyChangeType::NewNode,
            address,
        }),
        Response::Event(Event::StatusChange {
            change: StatusChangeType::Down,
            address,
        }),
        Response::Event(Event::SchemaChange(SchemaChange::keyspace(
            cql_protocol::message::response::SchemaChangeType::Dropped,
            "ks",
        ))),
    ];
    if version >= ProtocolVersion::V2 {
        out.push(Response::Result(ResultBody::Rows(
            cql_protocol::message::response::Rows::empty(
                RowsMetadata::new(columns).with_paging_state(Bytes::from_static(b"state")),
            ),
        )));
        out.push(Response::AuthChallenge(
            cql_protocol::message::response::AuthChallenge {
                token: Some(Bytes::from_static(b"challenge")),
            },
        ));
        out.push(Response::AuthSuccess(
            cql_protocol::message::response::AuthSuccess { token: None },
        ));
    }
    out
}

fn sample_values() -> Vec<CqlValue> {
    use std::net::{IpAddr, Ipv6Addr};
    vec![
        CqlValue::Ascii("ascii".into()),
        CqlValue::Bigint(-42),
        CqlValue::Blob(Bytes::from_static(&[0xde, 0xad])),
        CqlValue::Boolean(true),
        CqlValue::Counter(7),
        CqlValue::Decimal(CqlDecimal::new(123.into(), 2)),
        CqlValue::Double(1.5),
        CqlValue::Float(-0.25),
        CqlValue::Int(1),
        CqlValue::Text("texte é".into()),
        CqlValue::Timestamp(CqlTimestamp(1_700_000_000_000)),
        CqlValue::Uuid(uuid::Uuid::from_u128(0x1234)),
        CqlValue::Timeuuid(
            uuid::Uuid::parse_str("9b1deb4d-3b7d-11e0-9d7f-0800200c9a66").expect("literal uuid"),
        ),
        CqlValue::Varint((-129).into()),
        CqlValue::Inet(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2)]),
        CqlValue::Set(vec![CqlValue::Text("a".into())]),
        CqlValue::Map(vec![(CqlValue::Text("k".into()), CqlValue::Bigint(1))]),
        CqlValue::Map(vec![(
            CqlValue::Int(1),
            CqlValue::List(vec![CqlValue::Boolean(false)]),
        )]),
    ]
}
