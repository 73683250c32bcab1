//! The server core against real loopback sockets, with a raw client built
//! on cql-protocol's codec.

mod support;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use cql_protocol::message::request::{
    AuthResponse, Credentials, EventType, Query, QueryParameters, Register, Request, Startup,
};
use cql_protocol::message::response::{
    ErrorKind, ErrorResponse, Event, Response, ResultBody, Rows, RowsBuilder, RowsMetadata,
    SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChangeType, Supported,
    TopologyChangeType,
};
use cql_protocol::message::{RequestFrame, ResponseFrame};
use cql_protocol::{
    ColumnSpec, ColumnType, Compression, Consistency, Opcode, ProtocolVersion, RawValue, TableSpec,
};
use cql_testcluster::server::{
    bind_nodes, ConnectionInfo, HandlerFuture, HandlerResponse, Node, NodeServices, RequestHandler,
    ServerConfig, BAD_CREDENTIALS, PASSWORD_AUTHENTICATOR,
};
use support::{Client, TIMEOUT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs a test body with a time limit.
async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(30), body)
        .await
        .expect("test timed out");
}

/// Answers:
/// - `SLEEP <ms> <tag>`: after `ms` milliseconds, one row `<tag>`;
/// - `USE <ks>`: Set_keyspace;
/// - `WHOAMI`: one row with the user, or "anonymous";
/// - `KEYSPACE`: one row with the current keyspace, or "none";
/// - `PANIC`: panics;
/// - `SELECT * FROM system.peers_v2`: Invalid;
/// - any other QUERY: one row with the node's address; other requests: Void.
struct TestHandler;

fn one_row(value: &str) -> Response {
    let table = TableSpec::new("test", "t");
    let mut rows = RowsBuilder::new(RowsMetadata::new(vec![ColumnSpec::new(
        table,
        "v",
        ColumnType::Varchar,
    )]));
    rows.push_row([Some(value.as_bytes())]).unwrap();
    Response::Result(ResultBody::Rows(rows.finish()))
}

fn empty_rows() -> Response {
    Response::Result(ResultBody::Rows(Rows::empty(RowsMetadata::new(vec![]))))
}

impl RequestHandler for TestHandler {
    fn handle<'a>(
        &'a self,
        conn: &'a ConnectionInfo,
        request: Request,
        tracing: bool,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let mut response = match request {
                Request::Query(q) => {
                    let words: Vec<&str> = q.query.split_whitespace().collect();
                    match words.as_slice() {
                        ["SLEEP", ms, tag] => {
                            tokio::time::sleep(Duration::from_millis(ms.parse().unwrap())).await;
                            HandlerResponse::new(one_row(tag))
                        }
                        ["USE", ks] => HandlerResponse::new(Response::Result(
                            ResultBody::SetKeyspace(ks.to_string()),
                        )),
                        ["WHOAMI"] => HandlerResponse::new(one_row(
                            conn.user.as_deref().unwrap_or("anonymous"),
                        )),
                        ["KEYSPACE"] => HandlerResponse::new(one_row(
                            conn.keyspace.as_deref().unwrap_or("none"),
                        )),
                        ["PANIC"] => panic!("test handler asked to panic"),
                        ["SELECT", "*", "FROM", "system.peers_v2"] => HandlerResponse::error(
                            ErrorKind::Invalid,
                            "unconfigured columnfamily peers_v2",
                        ),
                        ["SELECT", ..] if q.query.contains("system.") => {
                            HandlerResponse::new(empty_rows())
                        }
                        _ => HandlerResponse::new(one_row(&conn.local.to_string())),
                    }
                }
                _ => HandlerResponse::new(Response::Result(ResultBody::Void)),
            };
            if tracing {
                response = response.with_tracing_id(uuid::Uuid::from_u128(42));
            }
            response
        })
    }
}

fn handler() -> Arc<dyn RequestHandler> {
    Arc::new(TestHandler)
}

async fn start_node(config: ServerConfig) -> Node {
    Node::bind(config, handler(), NodeServices::default())
        .await
        .unwrap()
}

async fn start_default() -> Node {
    start_node(ServerConfig::default()).await
}

fn error_of(frame: &ResponseFrame) -> &ErrorResponse {
    match &frame.response {
        Response::Error(e) => e,
        other => panic!("expected an ERROR, got {other:?}"),
    }
}

fn assert_protocol_error(frame: &ResponseFrame, message: &str) {
    let error = error_of(frame);
    assert_eq!(error.kind, ErrorKind::ProtocolError);
    assert_eq!(error.message, message);
}

fn single_value(frame: &ResponseFrame) -> String {
    let Response::Result(ResultBody::Rows(rows)) = &frame.response else {
        panic!("expected rows, got {:?}", frame.response);
    };
    let row = rows.iter().next().expect("one row");
    String::from_utf8(row.get(0).unwrap().unwrap().to_vec()).unwrap()
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

#[tokio::test]
async fn options_answers_supported_with_exact_options() {
    bounded(async {
        let node = start_default().await;
        for version in ProtocolVersion::ALL {
            let mut client = Client::connect(node.address(), version).await;
            let response = client.request(0, Request::Options).await;
            let expected = Supported {
                options: vec![
                    ("CQL_VERSION".to_owned(), vec!["3.1.7".to_owned()]),
                    (
                        "COMPRESSION".to_owned(),
                        vec!["snappy".to_owned(), "lz4".to_owned()],
                    ),
                ],
            };
            assert_eq!(response.response, Response::Supported(expected));
            // OPTIONS works again after STARTUP (python-driver's heartbeat).
            let ready = client
                .request(1, Request::Startup(Startup::new("3.0.0")))
                .await;
            assert_eq!(ready.response, Response::Ready);
            let again = client.request(2, Request::Options).await;
            assert!(matches!(again.response, Response::Supported(_)));
        }
    })
    .await;
}

/// The exact v2 error frame Cassandra 2.0 sends for an unsupported version.
fn rejection_bytes(version: u8, stream: u8) -> Vec<u8> {
    let message = format!("Invalid or unsupported protocol version: {version}");
    let body_len = 4 + 2 + message.len();
    let mut bytes = vec![0x82, 0x00, stream, 0x00];
    bytes.extend_from_slice(&(body_len as u32).to_be_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0x0a]);
    bytes.extend_from_slice(&(message.len() as u16).to_be_bytes());
    bytes.extend_from_slice(message.as_bytes());
    bytes
}

async fn probe(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(bytes).await.unwrap();
    let mut received = Vec::new();
    // read_to_end returns only once the server closed the connection.
    tokio::time::timeout(TIMEOUT, socket.read_to_end(&mut received))
        .await
        .expect("the server did not close the connection")
        .unwrap();
    received
}

#[tokio::test]
async fn unsupported_versions_get_cassandra_2_0_error_and_close() {
    bounded(async {
        let node = start_default().await;
        // The documented bytes for python-driver's first (0x42) probe.
        let received = probe(node.address(), &[0x42, 0, 0, 0, 5, 0, 0, 0, 0]).await;
        assert_eq!(
            &received[..14],
            &[0x82, 0, 0, 0, 0, 0, 0, 0x31, 0, 0, 0, 0x0a, 0, 0x2b]
        );
        assert_eq!(
            &received[14..],
            b"Invalid or unsupported protocol version: 66"
        );
        // python-driver's downgrade sequence 66 -> 65 -> 5 -> 4 -> 3, as OPTIONS.
        for version in [0x42u8, 0x41, 5, 4, 3] {
            let received = probe(node.address(), &[version, 0, 0, 0, 5, 0, 0, 0, 0]).await;
            assert_eq!(received, rejection_bytes(version, 0), "version {version}");
        }
        // A STARTUP probe gets the same answer; the stream's low byte is echoed.
        let received = probe(node.address(), &[4, 0, 0, 7, 1, 0, 0, 0, 0]).await;
        assert_eq!(received, rejection_bytes(4, 7));
        // v2 still works afterwards.
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        client.query(2, "SELECT now()", Consistency::One).await;
    })
    .await;
}

#[tokio::test]
async fn v1_and_v2_handshakes_and_queries() {
    bounded(async {
        let node = start_default().await;
        for version in ProtocolVersion::ALL {
            let mut client = Client::connect(node.address(), version).await;
            let supported = client.request(0, Request::Options).await;
            assert!(matches!(supported.response, Response::Supported(_)));
            let startup = Startup::new("3.0.0")
                .with_option("DRIVER_NAME", "DataStax Python Driver")
                .with_option("NO_COMPACT", "true");
            let ready = client.request(1, Request::Startup(startup)).await;
            assert_eq!(ready.response, Response::Ready);
            let rows = client
                .query(2, "SELECT * FROM ks.t", Consistency::One)
                .await;
            assert_eq!(single_value(&rows), node.address().to_string());
        }
    })
    .await;
}

#[tokio::test]
async fn version_mismatch_after_negotiation() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        // A v1 OPTIONS on stream 9.
        client.send_raw(&[0x01, 0, 9, 0x05, 0, 0, 0, 0]).await;
        let response = client.recv().await;
        assert_eq!(response.stream, 9);
        assert_protocol_error(
            &response,
            "Invalid message version. Got 1 but previous messages on this connection had version 2",
        );
        // The frame was skipped: the connection keeps working.
        client.query(3, "SELECT 1", Consistency::One).await;
    })
    .await;
}

#[tokio::test]
async fn startup_with_compression_compresses_ready() {
    bounded(async {
        let node = start_default().await;
        for (compression, version) in [
            (Compression::Lz4, ProtocolVersion::V2),
            (Compression::Snappy, ProtocolVersion::V2),
            (Compression::Snappy, ProtocolVersion::V1),
        ] {
            let mut client = Client::connect(node.address(), version).await;
            client
                .send(
                    1,
                    Request::Startup(Startup::new("3.0.0").with_compression(compression)),
                )
                .await;
            let ready = client.recv_frame().await;
            assert_eq!(ready.header.opcode, Opcode::Ready);
            assert_eq!(
                ready.header.flags.bits() & 0x01,
                0x01,
                "READY is compressed"
            );
            client.codec.set_compression(Some(compression));
            let ready = client.codec.decode_response(ready).unwrap();
            assert_eq!(ready.response, Response::Ready);
            // Compressed requests work, and responses are compressed.
            client
                .send(
                    2,
                    Request::Query(Query::new("SLEEP 0 squeezed", Consistency::One)),
                )
                .await;
            let frame = client.recv_frame().await;
            assert_eq!(frame.header.flags.bits() & 0x01, 0x01);
            let response = client.codec.decode_response(frame).unwrap();
            assert_eq!(single_value(&response), "squeezed");
        }
    })
    .await;
}

#[tokio::test]
async fn startup_errors() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::connect(node.address(), ProtocolVersion::V2).await;
        let missing = client
            .request(1, Request::Startup(Startup { options: vec![] }))
            .await;
        assert_protocol_error(&missing, "Missing value CQL_VERSION in STARTUP message");
        let unknown = client
            .request(
                2,
                Request::Startup(Startup::new("3.0.0").with_option("COMPRESSION", "zstd")),
            )
            .await;
        assert_protocol_error(&unknown, "Unknown compression algorithm: zstd");
        // Requests before STARTUP are refused.
        let early = client.query(3, "SELECT 1", Consistency::One).await;
        assert_protocol_error(
            &early,
            "Unexpected message QUERY, expecting STARTUP or OPTIONS",
        );
        // The connection is still usable; a second STARTUP is refused.
        let ready = client
            .request(4, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_eq!(ready.response, Response::Ready);
        let second = client
            .request(5, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_protocol_error(
            &second,
            "Unexpected message STARTUP, the connection is already initialized",
        );
        client.query(6, "SELECT 1", Consistency::One).await;
    })
    .await;

    // A node offering no compression rejects lz4 but advertises an empty list.
    bounded(async {
        let config = ServerConfig {
            compression: vec![],
            ..ServerConfig::default()
        };
        let node = start_node(config).await;
        let mut client = Client::connect(node.address(), ProtocolVersion::V2).await;
        let supported = client.request(0, Request::Options).await;
        let Response::Supported(supported) = supported.response else {
            panic!()
        };
        assert_eq!(supported.get("COMPRESSION"), Some(&[][..]));
        let lz4 = client
            .request(
                1,
                Request::Startup(Startup::new("3.0.0").with_compression(Compression::Lz4)),
            )
            .await;
        assert_protocol_error(&lz4, "Unknown compression algorithm: lz4");
    })
    .await;
}

#[tokio::test]
async fn events_reach_only_registered_connections() {
    bounded(async {
        let node = start_default().await;
        let mut status = Client::ready(node.address(), ProtocolVersion::V2).await;
        let mut schema = Client::ready(node.address(), ProtocolVersion::V1).await;
        let mut none = Client::ready(node.address(), ProtocolVersion::V2).await;
        let ready = status
            .request(
                2,
                Request::Register(Register::new(vec![EventType::StatusChange])),
            )
            .await;
        assert_eq!(ready.response, Response::Ready);
        let ready = schema
            .request(
                2,
                Request::Register(Register::new(vec![
                    EventType::SchemaChange,
                    EventType::TopologyChange,
                ])),
            )
            .await;
        assert_eq!(ready.response, Response::Ready);
        assert_eq!(node.events().subscribers(), 2);

        let down = Event::StatusChange {
            change: StatusChangeType::Down,
            address: SocketAddr::new(ip(2), node.address().port()),
        };
        node.push_event(down.clone());
        let created = Event::SchemaChange(SchemaChange {
            change: SchemaChangeType::Created,
            target: SchemaChangeTarget::Keyspace("ks".into()),
        });
        node.push_event(created.clone());
        let new_node = Event::TopologyChange {
            change: TopologyChangeType::NewNode,
            address: SocketAddr::new(ip(3), node.address().port()),
        };
        node.push_event(new_node.clone());

        let event = status.recv().await;
        assert_eq!(event.stream, -1);
        assert_eq!(event.response, Response::Event(down));
        let event = schema.recv().await;
        assert_eq!(event.stream, -1);
        assert_eq!(event.response, Response::Event(created));
        let event = schema.recv().await;
        assert_eq!(event.response, Response::Event(new_node));
        // Nothing else arrived: the next frame on each is the answer to OPTIONS.
        for client in [&mut status, &mut schema, &mut none] {
            let next = client.request(7, Request::Options).await;
            assert!(matches!(next.response, Response::Supported(_)));
        }
    })
    .await;
}

fn auth_config() -> ServerConfig {
    ServerConfig::default().with_auth(true)
}

#[tokio::test]
async fn auth_v1_credentials() {
    bounded(async {
        let node = start_node(auth_config()).await;
        node.users().create("bob", "secret", false).unwrap();
        let mut client = Client::connect(node.address(), ProtocolVersion::V1).await;
        let authenticate = client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        let Response::Authenticate(authenticate) = authenticate.response else {
            panic!("expected AUTHENTICATE")
        };
        assert_eq!(authenticate.authenticator, PASSWORD_AUTHENTICATOR);
        let early = client.query(2, "WHOAMI", Consistency::One).await;
        assert_protocol_error(&early, "Unexpected message QUERY, expecting CREDENTIALS");
        let early = client.request(2, Request::Register(Register::all())).await;
        assert_protocol_error(&early, "Unexpected message REGISTER, expecting CREDENTIALS");
        let bad = client
            .request(
                3,
                Request::Credentials(Credentials::password("bob", "wrong")),
            )
            .await;
        let error = error_of(&bad);
        assert_eq!(error.kind, ErrorKind::BadCredentials);
        assert_eq!(error.message, BAD_CREDENTIALS);
        let good = client
            .request(
                4,
                Request::Credentials(Credentials::password("bob", "secret")),
            )
            .await;
        assert_eq!(good.response, Response::Ready);
        assert_eq!(
            single_value(&client.query(5, "WHOAMI", Consistency::One).await),
            "bob"
        );
    })
    .await;
}

#[tokio::test]
async fn auth_v2_sasl_plain() {
    bounded(async {
        let node = start_node(auth_config()).await;
        let mut client = Client::connect(node.address(), ProtocolVersion::V2).await;
        let authenticate = client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert!(matches!(authenticate.response, Response::Authenticate(_)));
        let early = client.query(2, "WHOAMI", Consistency::One).await;
        assert_protocol_error(&early, "Unexpected message QUERY, expecting SASL_RESPONSE");
        // 2.0 accepts nothing but AUTH_RESPONSE / CREDENTIALS until the
        // client is authenticated, OPTIONS included.
        let early = client.request(2, Request::Options).await;
        assert_protocol_error(
            &early,
            "Unexpected message OPTIONS, expecting SASL_RESPONSE",
        );
        let bad = client
            .request(
                3,
                Request::AuthResponse(AuthResponse::plain("cassandra", "nope")),
            )
            .await;
        assert_eq!(error_of(&bad).kind, ErrorKind::BadCredentials);
        assert_eq!(error_of(&bad).message, BAD_CREDENTIALS);
        let good = client
            .request(
                4,
                Request::AuthResponse(AuthResponse::plain("cassandra", "cassandra")),
            )
            .await;
        let Response::AuthSuccess(success) = good.response else {
            panic!("expected AUTH_SUCCESS, got {:?}", good.response)
        };
        assert_eq!(success.token, None);
        assert_eq!(
            single_value(&client.query(5, "WHOAMI", Consistency::One).await),
            "cassandra"
        );

        // An authzid before the user is accepted and ignored.
        node.users().create("eve", "pw", false).unwrap();
        let mut client = Client::connect(node.address(), ProtocolVersion::V2).await;
        client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        let good = client
            .request(
                2,
                Request::AuthResponse(AuthResponse::new(&b"admin\0eve\0pw"[..])),
            )
            .await;
        assert!(matches!(good.response, Response::AuthSuccess(_)));
        assert_eq!(
            single_value(&client.query(3, "WHOAMI", Consistency::One).await),
            "eve"
        );
        // A dropped user cannot log in any more.
        node.users().drop_user("eve").unwrap();
        let mut client = Client::connect(node.address(), ProtocolVersion::V2).await;
        client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        let bad = client
            .request(2, Request::AuthResponse(AuthResponse::plain("eve", "pw")))
            .await;
        assert_eq!(error_of(&bad).kind, ErrorKind::BadCredentials);
    })
    .await;
}

#[tokio::test]
async fn responses_come_back_out_of_order() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        client
            .send(
                10,
                Request::Query(Query::new("SLEEP 400 slow", Consistency::One)),
            )
            .await;
        client
            .send(
                11,
                Request::Query(Query::new("SLEEP 10 fast", Consistency::One)),
            )
            .await;
        let first = client.recv().await;
        assert_eq!(first.stream, 11);
        assert_eq!(single_value(&first), "fast");
        let second = client.recv().await;
        assert_eq!(second.stream, 10);
        assert_eq!(single_value(&second), "slow");
    })
    .await;
}

#[tokio::test]
async fn many_concurrent_requests_on_one_connection() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        let started = std::time::Instant::now();
        // All 128 stream ids at once, each sleeping 200 ms: run serially it
        // would take 25 s.
        let mut out = BytesMut::new();
        for stream in 0..128i16 {
            let query = Query::new(format!("SLEEP 200 s{stream}"), Consistency::One);
            client
                .codec
                .encode_request(&RequestFrame::new(stream, Request::Query(query)), &mut out)
                .unwrap();
        }
        client.send_raw(&out).await;
        let mut seen = [false; 128];
        for _ in 0..128 {
            let response = client.recv().await;
            let stream = response.stream as usize;
            assert_eq!(single_value(&response), format!("s{stream}"));
            assert!(!seen[stream], "stream {stream} answered twice");
            seen[stream] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    })
    .await;
}

#[tokio::test]
async fn in_flight_limit_delays_but_answers_everything() {
    bounded(async {
        let config = ServerConfig {
            max_in_flight: 2,
            ..ServerConfig::default()
        };
        let node = start_node(config).await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        let mut out = BytesMut::new();
        for stream in 0..6i16 {
            let query = Query::new(format!("SLEEP 50 s{stream}"), Consistency::One);
            client
                .codec
                .encode_request(&RequestFrame::new(stream, Request::Query(query)), &mut out)
                .unwrap();
        }
        client.send_raw(&out).await;
        let started = std::time::Instant::now();
        let mut streams = Vec::new();
        for _ in 0..6 {
            streams.push(client.recv().await.stream);
        }
        streams.sort();
        assert_eq!(streams, [0, 1, 2, 3, 4, 5]);
        // Three waves of two.
        assert!(started.elapsed() >= Duration::from_millis(120));
    })
    .await;
}

#[tokio::test]
async fn garbage_and_malformed_frames() {
    bounded(async {
        let node = start_default().await;
        let mut healthy = Client::ready(node.address(), ProtocolVersion::V2).await;

        // A malformed body (a QUERY whose long string is truncated): error on
        // its stream, the connection survives.
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        client
            .send_raw(&[0x02, 0, 4, 0x07, 0, 0, 0, 4, 0, 0, 0, 99])
            .await;
        let response = client.recv().await;
        assert_eq!(response.stream, 4);
        assert_eq!(error_of(&response).kind, ErrorKind::ProtocolError);
        client.query(5, "SELECT 1", Consistency::One).await;

        // A compressed frame without negotiated compression: same.
        client.send_raw(&[0x02, 0x01, 6, 0x05, 0, 0, 0, 0]).await;
        let response = client.recv().await;
        assert_eq!(response.stream, 6);
        assert_eq!(error_of(&response).kind, ErrorKind::ProtocolError);

        // An unknown opcode: the stream is out of sync; error and close.
        client.send_raw(&[0x02, 0, 5, 0xff, 0, 0, 0, 0]).await;
        let response = client.recv().await;
        assert_eq!(response.stream, 5);
        assert_eq!(error_of(&response).kind, ErrorKind::ProtocolError);
        client.expect_closed().await;

        // A response frame sent to the server, and an oversized frame.
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        client.send_raw(&[0x82, 0, 3, 0x02, 0, 0, 0, 0]).await;
        assert_eq!(
            error_of(&client.recv().await).kind,
            ErrorKind::ProtocolError
        );
        client.expect_closed().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        client.send_raw(&[0x02, 0, 3, 0x07, 0x7f, 0, 0, 0]).await;
        assert_eq!(
            error_of(&client.recv().await).kind,
            ErrorKind::ProtocolError
        );
        client.expect_closed().await;

        // Pure garbage as the first bytes: version 0x7f gets the rejection.
        let received = probe(node.address(), b"\x7fGARBAGE GARBAGE").await;
        assert_eq!(received, rejection_bytes(0x7f, b'R'));

        // A panicking handler: Server_error, the connection survives.
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        let panicked = client.query(8, "PANIC", Consistency::One).await;
        assert_eq!(error_of(&panicked).kind, ErrorKind::ServerError);
        client.query(9, "SELECT 1", Consistency::One).await;

        // The other connection never noticed.
        assert_eq!(
            single_value(&healthy.query(2, "SLEEP 0 fine", Consistency::One).await),
            "fine"
        );
    })
    .await;
}

#[tokio::test]
async fn keyspace_and_tracing() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        assert_eq!(
            single_value(&client.query(2, "KEYSPACE", Consistency::One).await),
            "none"
        );
        let use_ks = client.query(3, "USE ks1", Consistency::One).await;
        assert_eq!(
            use_ks.response,
            Response::Result(ResultBody::SetKeyspace("ks1".into()))
        );
        assert_eq!(
            single_value(&client.query(4, "KEYSPACE", Consistency::One).await),
            "ks1"
        );
        // Another connection has its own keyspace.
        let mut other = Client::ready(node.address(), ProtocolVersion::V2).await;
        assert_eq!(
            single_value(&other.query(2, "KEYSPACE", Consistency::One).await),
            "none"
        );

        let mut frame =
            RequestFrame::new(5, Request::Query(Query::new("SELECT 1", Consistency::One)));
        frame.tracing = true;
        client.send_frame(frame).await;
        let traced = client.recv().await;
        assert_eq!(traced.tracing_id, Some(uuid::Uuid::from_u128(42)));
    })
    .await;
}

#[tokio::test]
async fn stop_start_and_drop_connections() {
    bounded(async {
        let node = start_default().await;
        let addr = node.address();
        let mut client = Client::ready(addr, ProtocolVersion::V2).await;
        assert_eq!(node.connection_count(), 1);

        node.stop().await;
        assert!(!node.is_running());
        client.expect_closed().await;
        assert_eq!(node.connection_count(), 0);
        let refused = TcpStream::connect(addr).await;
        assert!(refused.is_err(), "a stopped node must refuse connections");

        node.start().await.unwrap();
        assert!(node.is_running());
        let mut client = Client::ready(addr, ProtocolVersion::V2).await;
        client.query(2, "SELECT 1", Consistency::One).await;

        node.drop_connections();
        client.expect_closed().await;
        let mut client = Client::ready(addr, ProtocolVersion::V2).await;
        client.query(2, "SELECT 1", Consistency::One).await;
        assert_eq!(node.connection_count(), 1);

        // A request still running when the node stops is abandoned.
        client
            .send(
                3,
                Request::Query(Query::new("SLEEP 60000 never", Consistency::One)),
            )
            .await;
        let stopping = std::time::Instant::now();
        node.stop().await;
        assert!(stopping.elapsed() < Duration::from_secs(2));
        client.expect_closed().await;
    })
    .await;
}

#[tokio::test]
async fn dropping_a_node_closes_everything() {
    bounded(async {
        let node = start_default().await;
        let addr = node.address();
        let mut client = Client::ready(addr, ProtocolVersion::V2).await;
        drop(node);
        client.expect_closed().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(TcpStream::connect(addr).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn nodes_share_one_port() {
    bounded(async {
        let services = NodeServices::default();
        let nodes = bind_nodes(
            &[ip(1), ip(2), ip(3)],
            ServerConfig::default(),
            services.clone(),
            |_| handler(),
        )
        .await
        .unwrap();
        let port = nodes[0].address().port();
        assert_ne!(port, 0);
        for (i, node) in nodes.iter().enumerate() {
            assert_eq!(node.address(), SocketAddr::new(ip(i as u8 + 1), port));
            let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
            assert_eq!(
                single_value(&client.query(2, "SELECT x", Consistency::One).await),
                node.address().to_string()
            );
        }
        // One node down: the others keep serving; it comes back on the same port.
        nodes[1].stop().await;
        assert!(TcpStream::connect(nodes[1].address()).await.is_err());
        Client::ready(nodes[2].address(), ProtocolVersion::V2).await;
        nodes[1].start().await.unwrap();
        Client::ready(nodes[1].address(), ProtocolVersion::V2).await;
        // The activity log is shared; entries say which node got what.
        for node in &nodes {
            let queries: Vec<_> = services
                .activity
                .entries_for(node.address())
                .into_iter()
                .filter_map(|e| e.query)
                .collect();
            assert_eq!(queries, ["SELECT x"]);
        }
    })
    .await;
}

#[tokio::test]
async fn activity_log_records_requests() {
    bounded(async {
        let node = start_default().await;
        let mut client = Client::ready(node.address(), ProtocolVersion::V2).await;
        let params = QueryParameters::new(Consistency::Quorum).with_values(vec![
            RawValue::Value(vec![0, 0, 0, 7].into()),
            RawValue::Null,
        ]);
        client
            .request(
                2,
                Request::Query(Query::with_params(
                    "INSERT INTO t (a, b) VALUES (?, ?)",
                    params,
                )),
            )
            .await;
        let entries = node.activity().entries();
        let opcodes: Vec<Opcode> = entries.iter().map(|e| e.opcode).collect();
        assert_eq!(opcodes, [Opcode::Startup, Opcode::Query]);
        let query = &entries[1];
        assert_eq!(query.node, node.address());
        assert_eq!(query.stream, 2);
        assert_eq!(
            query.query.as_deref(),
            Some("INSERT INTO t (a, b) VALUES (?, ?)")
        );
        assert_eq!(query.consistency, Some(Consistency::Quorum));
        assert_eq!(query.values.len(), 2);
        assert_eq!(query.values[1], RawValue::Null);
        assert_eq!(
            node.activity().queries(),
            ["INSERT INTO t (a, b) VALUES (?, ?)"]
        );
        node.activity().clear();
        assert!(node.activity().is_empty());
    })
    .await;
}
