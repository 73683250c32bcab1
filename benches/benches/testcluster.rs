//! The test server's own cost: single-partition INSERT and SELECT through a
//! node's executor (prepared EXECUTE and unprepared QUERY), and over
//! loopback from a minimal client, one request at a time and 64 pipelined
//! on one connection. The server must never be the reason a driver
//! benchmark is slow.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use cql_protocol::message::request::{Execute, Prepare, Query, QueryParameters, Request, Startup};
use cql_protocol::message::response::{Response, ResultBody};
use cql_protocol::message::{MessageCodec, RequestFrame, ResponseFrame};
use cql_protocol::{Consistency, FrameDecoder, ProtocolVersion, RawValue};
use cql_testcluster::cluster::TestCluster;
use cql_testcluster::executor::Executor;
use cql_testcluster::server::{ConnectionInfo, RequestHandler};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

const VERSION: ProtocolVersion = ProtocolVersion::V2;
/// Partitions written in setup; the INSERT benchmarks overwrite these keys.
const KEYS: i32 = 1_000;
/// Requests in flight on one connection in the pipelined benchmarks.
const PIPELINE: usize = 64;

const CREATE_KEYSPACE: &str = "CREATE KEYSPACE bench WITH replication = \
     {'class': 'SimpleStrategy', 'replication_factor': 1}";
const CREATE_TABLE: &str =
    "CREATE TABLE bench.users (id int PRIMARY KEY, name text, email text, visits bigint)";
const INSERT: &str = "INSERT INTO bench.users (id, name, email, visits) VALUES (?, ?, ?, ?)";
const SELECT: &str = "SELECT id, name, email, visits FROM bench.users WHERE id = ?";

/// A 1-node cluster on a free port and a runtime to drive it.
struct Fixture {
    runtime: Runtime,
    cluster: Option<TestCluster>,
    node: SocketAddr,
}

impl Fixture {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let cluster = runtime
            .block_on(TestCluster::builder().nodes(1).port(0).start())
            .expect("test cluster starts");
        let node = cluster.contact_points()[0];
        let fixture = Fixture {
            runtime,
            cluster: Some(cluster),
            node,
        };
        let executor = fixture.executor();
        let conn = conn_info(node);
        for ddl in [CREATE_KEYSPACE, CREATE_TABLE] {
            let response = fixture.block_on(&executor, &conn, query(ddl, Vec::new()));
            assert!(
                matches!(response, Response::Result(_)),
                "{ddl}: {response:?}"
            );
        }
        for id in 0..KEYS {
            let response = fixture.block_on(&executor, &conn, query(INSERT, insert_values(id)));
            assert!(matches!(response, Response::Result(ResultBody::Void)));
        }
        fixture
    }

    fn cluster(&self) -> &TestCluster {
        self.cluster.as_ref().expect("cluster running")
    }

    /// A fresh executor for the node, built as the cluster builds its own.
    fn executor(&self) -> Arc<Executor> {
        Arc::new(Executor::new(self.node, self.cluster().context()))
    }

    fn block_on(&self, executor: &Executor, conn: &ConnectionInfo, request: Request) -> Response {
        self.runtime
            .block_on(executor.handle(conn, request, false))
            .response
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(cluster) = self.cluster.take() {
            self.runtime.block_on(cluster.shutdown());
        }
    }
}

fn conn_info(node: SocketAddr) -> ConnectionInfo {
    ConnectionInfo {
        id: u64::MAX,
        peer: SocketAddr::from(([127, 0, 0, 1], 1)),
        local: node,
        version: VERSION,
        user: None,
        keyspace: None,
    }
}

fn params(values: Vec<RawValue>) -> QueryParameters {
    QueryParameters {
        consistency: Consistency::One,
        values,
        ..QueryParameters::default()
    }
}

fn query(text: &str, values: Vec<RawValue>) -> Request {
    Request::Query(Query {
        query: text.to_owned(),
        params: params(values),
    })
}

fn execute(id: &Bytes, values: Vec<RawValue>) -> Request {
    Request::Execute(Execute {
        id: id.clone(),
        params: params(values),
    })
}

fn value(bytes: impl Into<Bytes>) -> RawValue {
    RawValue::Value(bytes.into())
}

fn insert_values(id: i32) -> Vec<RawValue> {
    vec![
        value(Bytes::copy_from_slice(&id.to_be_bytes())),
        value(format!("user {id:05}")),
        value(format!("user{id:05}@example.com")),
        value(Bytes::copy_from_slice(&i64::from(id).to_be_bytes())),
    ]
}

fn select_values(id: i32) -> Vec<RawValue> {
    vec![value(Bytes::copy_from_slice(&id.to_be_bytes()))]
}

/// The same statement as literal CQL, for the unprepared benchmarks.
fn insert_text(id: i32) -> String {
    format!(
        "INSERT INTO bench.users (id, name, email, visits) \
         VALUES ({id}, 'user {id:05}', 'user{id:05}@example.com', {id})"
    )
}

fn select_text(id: i32) -> String {
    format!("SELECT id, name, email, visits FROM bench.users WHERE id = {id}")
}

fn prepared_id(response: Response) -> Bytes {
    match response {
        Response::Result(ResultBody::Prepared(prepared)) => prepared.id,
        other => panic!("expected a prepared result, got {other:?}"),
    }
}

fn check(response: &Response, select: bool) {
    match (response, select) {
        (Response::Result(ResultBody::Void), false) => {}
        (Response::Result(ResultBody::Rows(rows)), true) if rows.rows_count == 1 => {}
        (other, _) => panic!("unexpected response: {other:?}"),
    }
}

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
}

/// Requests handed straight to a node's executor: no socket, no framing.
fn executor(c: &mut Criterion, fixture: &Fixture) {
    let executor = fixture.executor();
    let conn = conn_info(fixture.node);
    let insert_id = prepared_id(fixture.block_on(&executor, &conn, prepare(INSERT)));
    let select_id = prepared_id(fixture.block_on(&executor, &conn, prepare(SELECT)));

    // Requests built up front, so the loop measures the executor alone
    // (a clone of a request is a few small allocations).
    let keys = 0..KEYS;
    let cases: [(&str, Vec<Request>, bool); 4] = [
        (
            "insert_prepared",
            keys.clone()
                .map(|id| execute(&insert_id, insert_values(id)))
                .collect(),
            false,
        ),
        (
            "select_prepared",
            keys.clone()
                .map(|id| execute(&select_id, select_values(id)))
                .collect(),
            true,
        ),
        (
            "insert_query",
            keys.clone()
                .map(|id| query(&insert_text(id), Vec::new()))
                .collect(),
            false,
        ),
        (
            "select_query",
            keys.map(|id| query(&select_text(id), Vec::new())).collect(),
            true,
        ),
    ];

    let mut group = c.benchmark_group("testcluster_executor");
    configure(&mut group);
    group.throughput(Throughput::Elements(1));
    for (name, requests, select) in cases {
        check(
            &fixture.block_on(&executor, &conn, requests[0].clone()),
            select,
        );
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                fixture.runtime.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let request = requests[i as usize % requests.len()].clone();
                        black_box(executor.handle(&conn, request, false).await);
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

fn prepare(text: &str) -> Request {
    Request::Prepare(Prepare {
        query: text.to_owned(),
    })
}

/// A minimal native-protocol client: pre-encoded frames out, whole frames
/// in.
struct Client {
    stream: TcpStream,
    codec: MessageCodec,
    decoder: FrameDecoder,
    buf: BytesMut,
}

impl Client {
    async fn connect(node: SocketAddr) -> Self {
        let stream = TcpStream::connect(node).await.expect("connect");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let mut client = Client {
            stream,
            codec: MessageCodec::new(VERSION),
            decoder: FrameDecoder::new(),
            buf: BytesMut::with_capacity(64 * 1024),
        };
        let ready = client
            .roundtrip(Request::Startup(Startup::new("3.0.0")))
            .await;
        assert!(matches!(ready, Response::Ready), "{ready:?}");
        client
    }

    fn encode(&self, frames: impl IntoIterator<Item = RequestFrame>) -> Bytes {
        let mut out = BytesMut::new();
        for frame in frames {
            self.codec
                .encode_request(&frame, &mut out)
                .expect("request encodes");
        }
        out.freeze()
    }

    /// Reads the next whole frame and decodes it.
    async fn recv(&mut self) -> ResponseFrame {
        loop {
            if let Some(frame) = self.decoder.decode(&mut self.buf).expect("valid frame") {
                return self.codec.decode_response(frame).expect("valid response");
            }
            let n = self.stream.read_buf(&mut self.buf).await.expect("read");
            assert!(n > 0, "server closed the connection");
        }
    }

    async fn roundtrip(&mut self, request: Request) -> Response {
        let bytes = self.encode([RequestFrame::new(0, request)]);
        self.stream.write_all(&bytes).await.expect("write");
        self.recv().await.response
    }

    /// Writes `bytes` (holding `count` requests) and reads `count`
    /// responses, returning the last one.
    async fn exchange(&mut self, bytes: &[u8], count: usize) -> ResponseFrame {
        self.stream.write_all(bytes).await.expect("write");
        let mut last = None;
        for _ in 0..count {
            last = Some(self.recv().await);
        }
        last.expect("at least one response")
    }
}

/// Requests from a client over a loopback TCP connection.
fn loopback(c: &mut Criterion, fixture: &Fixture) {
    let mut client = fixture.runtime.block_on(Client::connect(fixture.node));
    let insert_id = prepared_id(fixture.runtime.block_on(client.roundtrip(prepare(INSERT))));
    let select_id = prepared_id(fixture.runtime.block_on(client.roundtrip(prepare(SELECT))));

    for (kind, id, values, select) in [
        (
            "insert",
            &insert_id,
            insert_values as fn(i32) -> Vec<RawValue>,
            false,
        ),
        ("select", &select_id, select_values, true),
    ] {
        // One request at a time: KEYS single-frame writes, used in turn.
        let single: Vec<Bytes> = (0..KEYS)
            .map(|key| client.encode([RequestFrame::new(1, execute(id, values(key)))]))
            .collect();
        // PIPELINE requests on distinct streams in one write.
        let batches: Vec<Bytes> = (0..KEYS / PIPELINE as i32)
            .map(|batch| {
                client.encode((0..PIPELINE).map(|i| {
                    let key = batch * PIPELINE as i32 + i as i32;
                    RequestFrame::new(i as i16, execute(id, values(key)))
                }))
            })
            .collect();
        let last = fixture
            .runtime
            .block_on(client.exchange(&batches[0], PIPELINE));
        check(&last.response, select);

        let mut group = c.benchmark_group(format!("testcluster_loopback_{kind}"));
        configure(&mut group);
        group.throughput(Throughput::Elements(1));
        group.bench_function("one_at_a_time", |b| {
            b.iter_custom(|iters| {
                fixture.runtime.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let bytes = &single[i as usize % single.len()];
                        black_box(client.exchange(bytes, 1).await);
                    }
                    start.elapsed()
                })
            })
        });
        group.throughput(Throughput::Elements(PIPELINE as u64));
        group.bench_function(format!("pipelined_{PIPELINE}"), |b| {
            b.iter_custom(|iters| {
                fixture.runtime.block_on(async {
                    let start = Instant::now();
                    for i in 0..iters {
                        let bytes = &batches[i as usize % batches.len()];
                        black_box(client.exchange(bytes, PIPELINE).await);
                    }
                    start.elapsed()
                })
            })
        });
        group.finish();
    }
}

fn testcluster(c: &mut Criterion) {
    let fixture = Fixture::start();
    executor(c, &fixture);
    loopback(c, &fixture);
}

criterion_group!(benches, testcluster);
criterion_main!(benches);
