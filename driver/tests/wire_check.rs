//! The wire check: the frames the driver really sends, byte for byte against
//! what the DataStax Python driver's `cassandra.protocol` encodes for the
//! same requests (through the JSON-lines oracle `python/oracle/cql_oracle.py`;
//! needs the venv of `scripts/python-env`, or `$CQL_PYTHON`).
//!
//! A small recording TCP proxy (on 127.0.70.x) sits between each session
//! and a one-node test cluster. The session's only contact point is the
//! proxy; a Cassandra 2.0 cluster describes the connected host in
//! `system.local` and its other nodes (none here) in `system.peers`, so the
//! driver knows no host but the proxy. The test checks that: the pools and
//! the control connection are on the proxy, and every request the server
//! logged came from the proxy's own (bound) outgoing address.
//!
//! Each session runs a mixed workload (see [`workload`]) on protocol v2 and
//! v1, with and without PasswordAuthenticator, with no compression, lz4 and
//! snappy, and with a short heartbeat so that idle connections send OPTIONS
//! after STARTUP too. The proxy records the client-to-server bytes of every
//! connection; they are split into frames with our `FrameDecoder`, each
//! frame is decoded with our `MessageCodec` (to learn its opcode, stream,
//! flags and fields), and the oracle is asked to encode the same request as
//! a whole frame with `ProtocolHandler.encode_message`. Then:
//!
//! - an uncompressed frame must equal the Python driver's frame exactly,
//!   header and body;
//! - a compressed frame (flag 0x01) is compared uncompressed: our body is
//!   decompressed (by our codec, and by the Python driver's decompressor,
//!   which must agree) and the frame with that body, its length and the
//!   flag cleared must equal the Python driver's uncompressed frame. The
//!   compressed bytes themselves are not compared: lz4 and snappy leave the
//!   encoder free to pick its matches, and lz4_flex and the C libraries the
//!   Python driver uses do not promise the same output. In addition, the
//!   Python driver with the same compressor must produce the same first
//!   four header bytes (so it too sets flag 0x01 on this frame), and our
//!   codec must decode its compressed frame to the same request.
//!
//! The documented exceptions, each asserted exactly:
//!
//! - v1 QUERY: the Python driver appends a flags byte 0x00 that the v1 spec
//!   does not have (Cassandra 1.2 ignores it); its frame must be ours with
//!   the length one more and a trailing 0x00.
//! - An empty body on a compressed connection (OPTIONS heartbeats): the
//!   Python driver never compresses an empty body (`len(body) > 0`); our
//!   codec compresses every frame after STARTUP, which the spec allows (a
//!   valid compressed empty body is just longer). Our frame must
//!   be the Python driver's with flag 0x01 and the body our codec's
//!   compression of nothing (lz4: `00000000 00`, snappy: `00`), which the
//!   Python driver's decompressor reads back as empty.
//!
//! STARTUP is never compressed. The AUTH_RESPONSE token must also equal the
//! Python driver's `PlainTextAuthenticator` initial response, and CREDENTIALS
//! must carry exactly username and password. Every opcode the driver sent
//! is checked, and the set must include OPTIONS, STARTUP, REGISTER, QUERY,
//! PREPARE, EXECUTE, BATCH, AUTH_RESPONSE and CREDENTIALS.

mod support;

#[path = "../../protocol/tests/support/oracle.rs"]
mod oracle;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde_json::{json, Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket};

use cql_driver::protocol::message::request::{BatchQuery, Request};
use cql_driver::protocol::message::MessageCodec;
use cql_driver::protocol::{
    Direction, Frame, FrameDecoder, FrameFlags, FrameHeader, Opcode, RawValue,
};
use cql_driver::{BatchType, Compression, Consistency, ProtocolVersion, Session};
use cql_testcluster::cluster::TestCluster;
use oracle::{hex, unhex, Oracle};

const USER: &str = "wire";
const PASSWORD: &str = "pä55 w0rd";

// ---------------------------------------------------------------------------
// The recording proxy

/// The bytes one client connection sent, as they arrive.
type Recording = Arc<Mutex<Vec<u8>>>;

/// A TCP proxy that forwards both ways and records, per connection, the
/// bytes the client sent.
struct Proxy {
    address: SocketAddr,
    connections: Arc<Mutex<Vec<Recording>>>,
    /// Client-to-server pumps still running.
    open: Arc<AtomicUsize>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on `ip` (a free port) and forwards to `upstream`, connecting
    /// from `ip` too so that the server's log shows who came through here.
    async fn start(ip: Ipv4Addr, upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind((ip, 0)).await.expect("proxy binds");
        let address = listener.local_addr().unwrap();
        let connections: Arc<Mutex<Vec<Recording>>> = Arc::default();
        let open = Arc::new(AtomicUsize::new(0));
        let accept = tokio::spawn({
            let connections = connections.clone();
            let open = open.clone();
            async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    let socket = TcpSocket::new_v4().unwrap();
                    socket.bind(SocketAddr::from((ip, 0))).unwrap();
                    let Ok(server) = socket.connect(upstream).await else {
                        continue;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let record = Recording::default();
                    connections.lock().unwrap().push(record.clone());
                    open.fetch_add(1, Ordering::SeqCst);
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let open = open.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 64 * 1024];
                        loop {
                            let n = match client_read.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => n,
                            };
                            record.lock().unwrap().extend_from_slice(&buf[..n]);
                            if server_write.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                        let _ = server_write.shutdown().await;
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    });
                }
            }
        });
        Proxy {
            address,
            connections,
            open,
            accept,
        }
    }

    /// Stops accepting, waits until every client has closed its side, and
    /// returns what each connection sent.
    async fn finish(self) -> Vec<Vec<u8>> {
        self.accept.abort();
        let open = self.open.clone();
        support::wait_until("the driver closed every proxied connection", || {
            let open = open.clone();
            async move { open.load(Ordering::SeqCst) == 0 }
        })
        .await;
        let connections = self.connections.lock().unwrap();
        connections
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .collect()
    }
}

// ---------------------------------------------------------------------------
// The sessions and their workload

#[derive(Clone, Copy, Debug)]
struct Config {
    version: ProtocolVersion,
    auth: bool,
    compression: Option<Compression>,
}

const CONFIGS: [Config; 8] = {
    use Compression::{Lz4, Snappy};
    use ProtocolVersion::{V1, V2};
    const fn c(version: ProtocolVersion, auth: bool, compression: Option<Compression>) -> Config {
        Config {
            version,
            auth,
            compression,
        }
    }
    [
        c(V2, false, None),
        c(V2, true, None),
        c(V2, true, Some(Lz4)),
        c(V2, false, Some(Snappy)),
        c(V1, false, None),
        c(V1, true, None),
        c(V1, false, Some(Lz4)),
        c(V1, true, Some(Snappy)),
    ]
};

/// What one session sent, per connection.
struct Recorded {
    config: Config,
    connections: Vec<Vec<u8>>,
}

/// The values of the `t` table's non-key columns, of every type the
/// workload covers: bigint, text, blob, uuid, double, boolean, list<int>,
/// set<text>, map<text, int>.
type Row9 = (
    i64,
    &'static str,
    Vec<u8>,
    uuid::Uuid,
    f64,
    bool,
    Vec<i32>,
    BTreeSet<String>,
    BTreeMap<String, i32>,
);

fn sample_row(i: i32) -> Row9 {
    (
        -(1i64 << 40) - i64::from(i),
        "tëxt ✓",
        vec![0xde, 0xad, 0x00, 0xbe, 0xef],
        uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0011_2233_4455_6677 + i as u128),
        -2.5e-3,
        i % 2 == 0,
        vec![1, -2, i],
        ["b".to_string(), "a".to_string()].into(),
        [("one".to_string(), 1), ("two".to_string(), i)].into(),
    )
}

/// Runs the mixed workload on a session through a fresh proxy at `ip`.
async fn workload(cluster: &TestCluster, ip: Ipv4Addr, config: Config, n: usize) -> Recorded {
    let upstream = cluster.contact_points()[0];
    let proxy = Proxy::start(ip, upstream).await;
    let mut builder = Session::builder()
        .contact_point(proxy.address.ip().to_string())
        .port(proxy.address.port())
        .protocol_version(config.version)
        .compression(config.compression)
        .request_timeout(Duration::from_secs(5))
        // Idle connections send OPTIONS heartbeats after STARTUP.
        .heartbeat_interval(Some(Duration::from_millis(100)));
    if config.auth {
        builder = builder.user(USER, PASSWORD);
    }
    let session = builder.build().await.expect("session connects");
    assert_eq!(session.protocol_version(), config.version);
    let v2 = config.version == ProtocolVersion::V2;

    let ks = format!("wire{n}");
    session
        .query(
            format!(
                "CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
            ),
            (),
        )
        .await
        .unwrap();
    session.use_keyspace(&ks).await.expect("USE");
    session
        .query(
            "CREATE TABLE t (k int PRIMARY KEY, big bigint, txt text, b blob, u uuid, \
             d double, flag boolean, l list<int>, s set<text>, m map<text, int>)",
            (),
        )
        .await
        .unwrap();

    // Prepared inserts with values of every type, then a null.
    let insert = session
        .prepare(
            "INSERT INTO t (k, big, txt, b, u, d, flag, l, s, m) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .await
        .unwrap();
    for k in 0..3 {
        let (big, txt, b, u, d, flag, l, s, m) = sample_row(k);
        session
            .execute(&insert, (k, big, txt, b, u, d, flag, l, s, m))
            .await
            .unwrap();
    }
    let insert_some = session
        .prepare("INSERT INTO t (k, txt, big) VALUES (?, ?, ?)")
        .await
        .unwrap();
    session
        .execute(&insert_some, (3i32, None::<String>, 7i64))
        .await
        .unwrap();

    if v2 {
        // Simple statements with values of every type and a null.
        let (big, txt, b, u, d, flag, l, s, m) = sample_row(10);
        session
            .query(
                "INSERT INTO t (k, big, txt, b, u, d, flag, l, s, m) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (10i32, big, txt, b, u, d, flag, l, s, m),
            )
            .await
            .unwrap();
        session
            .query(
                "INSERT INTO t (k, txt) VALUES (?, ?)",
                (11i32, None::<String>),
            )
            .await
            .unwrap();
        // Pages by hand: a page size, then the state of the previous page.
        let select = cql_driver::Query::new("SELECT k, txt FROM t").with_page_size(2);
        let first = session.query_page(select.clone(), (), None).await.unwrap();
        let state = first.paging_state().cloned().expect("a second page");
        session.query_page(select, (), Some(state)).await.unwrap();
        // The same with a prepared statement.
        let select_in = session
            .prepare(
                cql_driver::Query::new("SELECT k FROM t WHERE k IN (?, ?, ?, ?)").with_page_size(2),
            )
            .await
            .unwrap();
        let first = session
            .execute_page(&select_in, (0i32, 1i32, 2i32, 3i32), None)
            .await
            .unwrap();
        let state = first.paging_state().cloned().expect("a second page");
        session
            .execute_page(&select_in, (0i32, 1i32, 2i32, 3i32), Some(state))
            .await
            .unwrap();
        // Serial consistency and another consistency.
        session
            .query(
                cql_driver::Query::new("SELECT * FROM t WHERE k = ?")
                    .with_consistency(Consistency::Quorum)
                    .with_serial_consistency(Consistency::LocalSerial),
                (1i32,),
            )
            .await
            .unwrap();
        // A batch of simple and prepared statements.
        let mut batch = session.new_batch(BatchType::Logged);
        let (big, txt, b, u, d, flag, l, s, m) = sample_row(20);
        batch
            .add_prepared(&insert, (20i32, big, txt, b, u, d, flag, l, s, m))
            .unwrap();
        batch
            .add_query("INSERT INTO t (k, txt) VALUES (?, ?)", (21i32, "x"))
            .unwrap();
        batch
            .add_query("UPDATE t SET big = 5 WHERE k = 22", ())
            .unwrap();
        batch
            .add_prepared(&insert_some, (23i32, "y", None::<i64>))
            .unwrap();
        session.batch(&batch).await.unwrap();
        let mut unlogged = session.new_batch(BatchType::Unlogged);
        unlogged
            .add_query("INSERT INTO t (k, flag) VALUES (?, ?)", (24i32, true))
            .unwrap();
        session
            .batch(&unlogged.with_consistency(Consistency::One))
            .await
            .unwrap();
    } else {
        // v1: simple statements carry no values, no paging, no batches.
        session
            .query("INSERT INTO t (k, txt, l) VALUES (10, 'v1 ✓', [1, 2])", ())
            .await
            .unwrap();
        session
            .query(
                cql_driver::Query::new("SELECT k, txt FROM t").with_consistency(Consistency::All),
                (),
            )
            .await
            .unwrap();
        let select = session
            .prepare("SELECT * FROM t WHERE k = ?")
            .await
            .unwrap();
        session.execute(&select, (1i32,)).await.unwrap();
    }
    // A traced request (flag 0x02) on both versions.
    session
        .query(
            cql_driver::Query::new("SELECT k FROM t WHERE k = 0").with_tracing(true),
            (),
        )
        .await
        .unwrap();
    // USE through a query, then rest so that idle connections send
    // heartbeats.
    session.query(format!("USE {ks}"), ()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;

    // The driver knows no host but the proxy.
    assert_eq!(session.control_host(), Some(proxy.address));
    let pools = session.pool_sizes();
    assert!(!pools.is_empty());
    for (address, _) in &pools {
        assert_eq!(*address, proxy.address, "a pool bypasses the proxy");
    }
    session.shutdown().await;
    drop(session);
    let connections = proxy.finish().await;
    Recorded {
        config,
        connections,
    }
}

// ---------------------------------------------------------------------------
// Requests as the oracle's JSON

fn value_json(v: &RawValue) -> Value {
    match v {
        RawValue::Value(b) => Value::String(hex(b)),
        _ => Value::Null,
    }
}

fn values_json(values: &[RawValue]) -> Value {
    Value::Array(values.iter().map(value_json).collect())
}

fn pairs_json(pairs: &[(String, String)]) -> Value {
    Value::Array(pairs.iter().map(|(k, v)| json!([k, v])).collect())
}

fn params_json(
    params: &cql_driver::protocol::message::request::QueryParameters,
    into: &mut Map<String, Value>,
) {
    assert!(
        !params.skip_metadata,
        "the driver sent SKIP_METADATA, which the Python driver cannot"
    );
    into.insert("consistency".into(), params.consistency.name().into());
    if !params.values.is_empty() {
        into.insert("values".into(), values_json(&params.values));
    }
    if let Some(n) = params.page_size {
        into.insert("page_size".into(), n.into());
    }
    if let Some(state) = &params.paging_state {
        into.insert("paging_state".into(), hex(state).into());
    }
    if let Some(serial) = params.serial_consistency {
        into.insert("serial_consistency".into(), serial.name().into());
    }
}

/// The oracle's `message` for `request`.
fn request_json(request: &Request) -> Value {
    match request {
        Request::Startup(s) => json!({"type": "STARTUP", "options": pairs_json(&s.options)}),
        Request::Options => json!({"type": "OPTIONS"}),
        Request::Credentials(c) => {
            json!({"type": "CREDENTIALS", "credentials": pairs_json(&c.credentials)})
        }
        Request::AuthResponse(a) => json!({
            "type": "AUTH_RESPONSE",
            "token": a.token.as_ref().map(|t| hex(t)),
        }),
        Request::Query(q) => {
            let mut m = Map::new();
            m.insert("type".into(), "QUERY".into());
            m.insert("query".into(), q.query.clone().into());
            params_json(&q.params, &mut m);
            Value::Object(m)
        }
        Request::Prepare(p) => json!({"type": "PREPARE", "query": p.query}),
        Request::Execute(e) => {
            let mut m = Map::new();
            m.insert("type".into(), "EXECUTE".into());
            m.insert("id".into(), hex(&e.id).into());
            params_json(&e.params, &mut m);
            Value::Object(m)
        }
        Request::Register(r) => {
            let names: Vec<&str> = r.events.iter().map(|e| e.name()).collect();
            json!({"type": "REGISTER", "events": names})
        }
        Request::Batch(b) => {
            assert_eq!(
                b.serial_consistency, None,
                "v2 BATCH has no serial consistency"
            );
            assert_eq!(b.timestamp, None, "v2 BATCH has no timestamp");
            let statements: Vec<Value> = b
                .statements
                .iter()
                .map(|s| match &s.query {
                    BatchQuery::Query(q) => json!({"query": q, "values": values_json(&s.values)}),
                    BatchQuery::Prepared(id) => {
                        json!({"prepared_id": hex(id), "values": values_json(&s.values)})
                    }
                })
                .collect();
            json!({
                "type": "BATCH",
                "batch_type": b.batch_type.name(),
                "statements": statements,
                "consistency": b.consistency.name(),
            })
        }
        other => panic!("the driver sent a request the wire check does not know: {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// The check

/// What the checked frames showed, to make sure the workload exercised
/// what it should.
#[derive(Default)]
struct Coverage {
    opcodes: BTreeSet<&'static str>,
    /// Feature -> how many frames showed it.
    features: BTreeMap<String, usize>,
    frames: usize,
}

impl Coverage {
    fn saw(&mut self, feature: impl Into<String>) {
        *self.features.entry(feature.into()).or_default() += 1;
    }
}

fn header_bytes(header: FrameHeader) -> Vec<u8> {
    let mut out = BytesMut::new();
    header.encode(&mut out).unwrap();
    out.to_vec()
}

fn encode_frame(
    py: &mut Oracle,
    version: ProtocolVersion,
    stream: i16,
    tracing: bool,
    compression: Option<Compression>,
    message: &Value,
) -> (Vec<u8>, Option<String>) {
    let mut request = json!({
        "op": "encode_frame",
        "version": version.as_u8(),
        "stream": stream,
        "tracing": tracing,
        "message": message,
    });
    if let Some(c) = compression {
        request["compression"] = c.name().into();
    }
    let answer = py.call_ok(request);
    let frame = unhex(answer["frame"].as_str().expect("frame"));
    let quirk = answer
        .get("driver_quirk")
        .and_then(Value::as_str)
        .map(str::to_owned);
    (frame, quirk)
}

/// Checks every frame of one connection.
fn check_connection(
    py: &mut Oracle,
    config: Config,
    bytes: &[u8],
    plain_token: &[u8],
    coverage: &mut Coverage,
) {
    let mut buf = BytesMut::from(bytes);
    let mut decoder = FrameDecoder::new().with_direction(Direction::Request);
    let mut offset = 0;
    let mut codec: Option<MessageCodec> = None;
    // Set once STARTUP asked for compression: every later frame is compressed.
    let mut compressing: Option<Compression> = None;
    let mut index = 0;
    while let Some(frame) = decoder
        .decode(&mut buf)
        .unwrap_or_else(|e| panic!("{config:?}: cannot split the recorded stream: {e}"))
    {
        let header = frame.header;
        let end = offset + header.version.header_len() + header.length as usize;
        let raw = &bytes[offset..end];
        offset = end;
        let what = format!(
            "{config:?} frame #{index} {} stream {}",
            header.opcode, header.stream
        );
        index += 1;
        check_frame(
            py,
            config,
            &what,
            raw,
            frame,
            &mut codec,
            &mut compressing,
            plain_token,
            coverage,
        );
    }
    assert!(
        buf.is_empty(),
        "{config:?}: {} trailing bytes that are no whole frame",
        buf.len()
    );
}

#[allow(clippy::too_many_arguments)]
fn check_frame(
    py: &mut Oracle,
    config: Config,
    what: &str,
    raw: &[u8],
    frame: Frame,
    codec: &mut Option<MessageCodec>,
    compressing: &mut Option<Compression>,
    plain_token: &[u8],
    coverage: &mut Coverage,
) {
    let header = frame.header;
    let version = header.version;
    assert_eq!(version, config.version, "{what}: version");
    let codec = codec.get_or_insert_with(|| MessageCodec::new(version));
    codec.set_compression(*compressing);
    assert_eq!(
        header.flags.bits() & !(FrameFlags::COMPRESSION.bits() | FrameFlags::TRACING.bits()),
        0,
        "{what}: unknown flags"
    );
    let compressed = header.flags.contains(FrameFlags::COMPRESSION);
    assert_eq!(
        compressed,
        compressing.is_some(),
        "{what}: the compression flag must be set exactly on the frames after STARTUP"
    );
    let decoded = codec
        .decode_request(frame.clone())
        .unwrap_or_else(|e| panic!("{what}: our codec cannot decode the driver's frame: {e}"));
    let request = &decoded.request;
    coverage.opcodes.insert(header.opcode.name());
    coverage.frames += 1;
    coverage.saw(format!("{} {}", version, header.opcode.name()));
    if decoded.tracing {
        coverage.saw("tracing flag");
    }

    // The body as the driver wrote it before compression.
    let plain: Bytes = match *compressing {
        Some(c) => {
            let ours = c
                .decompress(&frame.body, codec.max_frame_size())
                .unwrap_or_else(|e| panic!("{what}: we cannot decompress our body: {e}"));
            let theirs = py.call_ok(json!({
                "op": "decompress",
                "algorithm": c.name(),
                "data": hex(&frame.body),
            }));
            assert_eq!(
                theirs["data"].as_str(),
                Some(hex(&ours).as_str()),
                "{what}: the Python driver decompresses our {c} body differently"
            );
            coverage.saw(format!("compressed {c}"));
            ours
        }
        None => frame.body.clone(),
    };
    let mut plain_header = header;
    plain_header.flags.set(FrameFlags::COMPRESSION, false);
    plain_header.length = plain.len() as u32;
    let mut ours = header_bytes(plain_header);
    ours.extend_from_slice(&plain);
    if !compressed {
        assert_eq!(ours, raw, "{what}: re-assembling the frame");
    }

    let message = request_json(request);
    let (theirs, quirk) =
        encode_frame(py, version, decoded.stream, decoded.tracing, None, &message);
    if version == ProtocolVersion::V1 && header.opcode == Opcode::Query {
        // PYTHON DRIVER QUIRK: a v1 QUERY gets a flags byte the spec lacks.
        assert!(
            quirk.is_some(),
            "{what}: the oracle stopped flagging the v1 QUERY quirk"
        );
        let mut expected_header = plain_header;
        expected_header.length += 1;
        let mut expected = header_bytes(expected_header);
        expected.extend_from_slice(&plain);
        expected.push(0x00);
        assert_eq!(
            hex(&theirs),
            hex(&expected),
            "{what}: the Python driver's v1 QUERY frame is not ours + [0x00]"
        );
        coverage.saw("v1 QUERY quirk");
    } else {
        assert_eq!(quirk, None, "{what}: unexpected driver quirk");
        assert_eq!(
            hex(&theirs),
            hex(&ours),
            "{what}: the Python driver encodes {request:?} differently"
        );
    }

    if let Some(c) = *compressing {
        let (theirs_compressed, _) = encode_frame(
            py,
            version,
            decoded.stream,
            decoded.tracing,
            Some(c),
            &message,
        );
        if plain.is_empty() {
            // EXCEPTION: the Python driver leaves an empty body uncompressed.
            assert_eq!(
                hex(&theirs_compressed),
                hex(&theirs),
                "{what}: the Python driver now compresses empty bodies"
            );
            let empty: &[u8] = match c {
                Compression::Lz4 => &[0, 0, 0, 0, 0],
                Compression::Snappy => &[0],
                _ => unreachable!("only lz4 and snappy"),
            };
            let mut expected_header = plain_header;
            expected_header.flags.set(FrameFlags::COMPRESSION, true);
            expected_header.length = empty.len() as u32;
            let mut expected = header_bytes(expected_header);
            expected.extend_from_slice(empty);
            assert_eq!(
                hex(raw),
                hex(&expected),
                "{what}: our compressed empty body"
            );
            coverage.saw(format!("compressed empty body {c}"));
        } else {
            // Same version, flags (0x01 included), stream and opcode.
            assert_eq!(
                hex(&theirs_compressed[..4]),
                hex(&raw[..4]),
                "{what}: the Python driver's compressed frame header"
            );
            // And we read its compressed frame as the same request.
            let mut wire = BytesMut::from(&theirs_compressed[..]);
            let their_frame = FrameDecoder::new().decode(&mut wire).unwrap().unwrap();
            assert!(wire.is_empty());
            let back = codec.decode_request(their_frame).unwrap_or_else(|e| {
                panic!("{what}: we cannot read the Python driver's compressed frame: {e}")
            });
            assert_eq!(
                &back, &decoded,
                "{what}: the Python driver's compressed frame"
            );
        }
    }

    // Request-specific checks and coverage.
    match request {
        Request::Startup(startup) => {
            assert!(!compressed, "{what}: STARTUP is never compressed");
            let asked = startup.compression().expect("a known compression");
            assert_eq!(asked, config.compression, "{what}: STARTUP compression");
            if let Some(c) = asked {
                coverage.saw(format!("STARTUP {c}"));
            }
            *compressing = asked;
        }
        Request::Options if compressing.is_some() => coverage.saw("OPTIONS after STARTUP"),
        Request::AuthResponse(auth) => {
            assert_eq!(
                auth.token.as_deref(),
                Some(plain_token),
                "{what}: the SASL PLAIN token differs from the Python driver's PlainTextAuthenticator"
            );
        }
        Request::Credentials(credentials) => {
            assert_eq!(
                credentials.credentials,
                vec![
                    ("username".to_string(), USER.to_string()),
                    ("password".to_string(), PASSWORD.to_string()),
                ],
                "{what}: CREDENTIALS"
            );
        }
        Request::Query(q) => {
            let p = &q.params;
            if !p.values.is_empty() {
                coverage.saw("QUERY values");
            }
            if p.values.iter().any(|v| matches!(v, RawValue::Null)) {
                coverage.saw("QUERY null value");
            }
            if p.page_size.is_some() {
                coverage.saw("QUERY page size");
            }
            if p.paging_state.is_some() {
                coverage.saw("QUERY paging state");
            }
            if p.serial_consistency.is_some() {
                coverage.saw("QUERY serial consistency");
            }
            if q.query.starts_with("USE ") {
                coverage.saw(format!("{version} USE"));
            }
        }
        Request::Execute(e) => {
            let p = &e.params;
            if !p.values.is_empty() {
                coverage.saw(format!("{version} EXECUTE values"));
            }
            if p.values.iter().any(|v| matches!(v, RawValue::Null)) {
                coverage.saw(format!("{version} EXECUTE null value"));
            }
            if p.paging_state.is_some() {
                coverage.saw("EXECUTE paging state");
            }
        }
        Request::Batch(b) => {
            let simple = b
                .statements
                .iter()
                .any(|s| matches!(s.query, BatchQuery::Query(_)));
            let prepared = b
                .statements
                .iter()
                .any(|s| matches!(s.query, BatchQuery::Prepared(_)));
            if simple && prepared {
                coverage.saw("BATCH mixed");
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_the_driver_sends_match_the_python_driver() {
    let mut py = Oracle::spawn();
    let open = TestCluster::builder()
        .address(Ipv4Addr::new(127, 0, 70, 1))
        .start()
        .await
        .expect("cluster starts");
    let secured = TestCluster::builder()
        .address(Ipv4Addr::new(127, 0, 70, 2))
        .auth((USER, PASSWORD))
        .start()
        .await
        .expect("cluster with auth starts");

    let mut recorded = Vec::new();
    let mut proxy_ips = BTreeSet::new();
    for (i, config) in CONFIGS.into_iter().enumerate() {
        let ip = Ipv4Addr::new(127, 0, 70, 10 + i as u8);
        proxy_ips.insert(ip);
        let cluster = if config.auth { &secured } else { &open };
        let r = workload(cluster, ip, config, i).await;
        // The server saw exactly the recorded frames, all through the proxy.
        let frames: usize = r.connections.iter().map(|c| count_frames(c)).sum();
        support::wait_until("the server logged every proxied request", || {
            let seen = cluster
                .activity()
                .entries()
                .iter()
                .filter(|e| e.peer.ip() == std::net::IpAddr::V4(ip))
                .count();
            async move { seen == frames }
        })
        .await;
        recorded.push(r);
    }
    for cluster in [&open, &secured] {
        for entry in cluster.activity().entries() {
            let std::net::IpAddr::V4(peer) = entry.peer.ip() else {
                panic!("an IPv6 client: {:?}", entry.peer);
            };
            assert!(
                proxy_ips.contains(&peer),
                "a request reached the server without the proxy: {entry:?}"
            );
        }
    }
    open.shutdown().await;
    secured.shutdown().await;

    let token =
        py.call_ok(json!({"op": "plain_text_auth", "username": USER, "password": PASSWORD}));
    let plain_token = unhex(token["token"].as_str().unwrap());
    assert_eq!(plain_token, format!("\0{USER}\0{PASSWORD}").into_bytes());

    let mut coverage = Coverage::default();
    for r in &recorded {
        assert!(!r.connections.is_empty(), "{:?}: no connection", r.config);
        for connection in &r.connections {
            check_connection(&mut py, r.config, connection, &plain_token, &mut coverage);
        }
    }

    let opcodes: Vec<_> = coverage.opcodes.iter().copied().collect();
    for op in [
        "OPTIONS",
        "STARTUP",
        "REGISTER",
        "QUERY",
        "PREPARE",
        "EXECUTE",
        "BATCH",
        "AUTH_RESPONSE",
        "CREDENTIALS",
    ] {
        assert!(
            opcodes.contains(&op),
            "{op} never checked; checked {opcodes:?}"
        );
    }
    for feature in [
        "v1 QUERY quirk",
        "v1 USE",
        "v2 USE",
        "v1 EXECUTE values",
        "v1 EXECUTE null value",
        "v2 EXECUTE values",
        "v2 EXECUTE null value",
        "QUERY values",
        "QUERY null value",
        "QUERY page size",
        "QUERY paging state",
        "QUERY serial consistency",
        "EXECUTE paging state",
        "BATCH mixed",
        "tracing flag",
        "STARTUP lz4",
        "STARTUP snappy",
        "compressed lz4",
        "compressed snappy",
        "compressed empty body lz4",
        "compressed empty body snappy",
        "OPTIONS after STARTUP",
    ] {
        assert!(
            coverage.features.contains_key(feature),
            "the workload never showed {feature:?}; it showed {:?}",
            coverage.features
        );
    }
    eprintln!(
        "wire check: {} frames compared, {:?}",
        coverage.frames, coverage.features
    );
}

fn count_frames(bytes: &[u8]) -> usize {
    let mut buf = BytesMut::from(bytes);
    let mut decoder = FrameDecoder::new().with_direction(Direction::Request);
    let mut n = 0;
    while let Ok(Some(_)) = decoder.decode(&mut buf) {
        n += 1;
    }
    n
}
