//! Tests of the executor through `RequestHandler::handle`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use cql_protocol::message::request::{
    Batch, BatchStatement, BatchType, Execute, Prepare, Query, QueryParameters, Request,
};
use cql_protocol::message::response::{
    ErrorKind, ErrorResponse, Response, ResultBody, Rows, SchemaChange, SchemaChangeType,
};
use cql_protocol::{ColumnType, Consistency, ProtocolVersion, RawValue};
use cql_testcluster::context::{ClusterContext, TraceSession};
use cql_testcluster::executor::Executor;
use cql_testcluster::server::{ConnectionInfo, RequestHandler, Users};
use cql_testcluster::storage::{Catalog, StorageResult, Table};

struct FakeCtx {
    catalog: Arc<Catalog>,
    now: AtomicI64,
    down: AtomicBool,
    changes: Mutex<Vec<SchemaChange>>,
    traces: Mutex<Vec<TraceSession>>,
    users: Users,
}

impl ClusterContext for FakeCtx {
    fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }
    fn table(&self, _: SocketAddr, ks: &str, t: &str) -> StorageResult<Arc<Table>> {
        self.catalog.table(ks, t)
    }
    fn now_micros(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
    fn check_available(
        &self,
        _: SocketAddr,
        _: &str,
        _: i64,
        cl: Consistency,
    ) -> Result<(), ErrorResponse> {
        if self.down.load(Ordering::SeqCst) {
            return Err(ErrorResponse::new(
                ErrorKind::Unavailable {
                    consistency: cl,
                    required: 1,
                    alive: 0,
                },
                "Cannot achieve consistency level ONE",
            ));
        }
        Ok(())
    }
    fn schema_changed(&self, change: &SchemaChange) {
        self.changes.lock().unwrap().push(change.clone());
    }
    fn users(&self) -> &Users {
        &self.users
    }
    fn record_trace(&self, s: &TraceSession) {
        self.traces.lock().unwrap().push(s.clone());
    }
}

struct H {
    ctx: Arc<FakeCtx>,
    ex: Executor,
    conn: ConnectionInfo,
}

const T0: i64 = 1_700_000_000_000_000;

fn setup() -> H {
    let ctx = Arc::new(FakeCtx {
        catalog: Arc::new(Catalog::new()),
        now: AtomicI64::new(T0),
        down: AtomicBool::new(false),
        changes: Mutex::new(vec![]),
        traces: Mutex::new(vec![]),
        users: Users::new(),
    });
    let node: SocketAddr = "127.0.0.1:9042".parse().unwrap();
    let ex = Executor::new(node, ctx.clone());
    let conn = ConnectionInfo {
        id: 1,
        peer: "127.0.0.1:50000".parse().unwrap(),
        local: node,
        version: ProtocolVersion::V2,
        user: None,
        keyspace: None,
    };
    let mut h = H { ctx, ex, conn };
    h.ok("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}");
    h.ok("USE ks");
    h
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

impl H {
    fn req(&mut self, r: Request) -> Response {
        let resp = block(self.ex.handle(&self.conn, r, false));
        if let Some(ks) = resp.keyspace_change() {
            self.conn.keyspace = Some(ks.to_owned());
        }
        resp.response
    }
    fn q(&mut self, text: &str) -> Response {
        self.req(Request::Query(Query::new(text, Consistency::One)))
    }
    fn qp(&mut self, text: &str, params: QueryParameters) -> Response {
        self.req(Request::Query(Query::with_params(text, params)))
    }
    fn ok(&mut self, text: &str) -> ResultBody {
        match self.q(text) {
            Response::Result(r) => r,
            other => panic!("{text}: {other:?}"),
        }
    }
    fn err(&mut self, text: &str) -> ErrorResponse {
        match self.q(text) {
            Response::Error(e) => e,
            other => panic!("{text}: expected error, got {other:?}"),
        }
    }
    fn rows(&mut self, text: &str) -> Rows {
        match self.ok(text) {
            ResultBody::Rows(r) => r,
            other => panic!("{text}: {other:?}"),
        }
    }
}

fn vals(r: &Rows) -> Vec<Vec<Option<Vec<u8>>>> {
    r.iter()
        .map(|row| row.values().map(|v| v.map(|b| b.to_vec())).collect())
        .collect()
}

fn int(v: i32) -> Option<Vec<u8>> {
    Some(v.to_be_bytes().to_vec())
}
fn big(v: i64) -> Option<Vec<u8>> {
    Some(v.to_be_bytes().to_vec())
}
fn txt(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

#[test]
fn ddl_results_and_events() {
    let mut h = setup();
    let r = h.ok("CREATE TABLE t (k int PRIMARY KEY, v text)");
    assert_eq!(
        r,
        ResultBody::SchemaChange(SchemaChange::table(SchemaChangeType::Created, "ks", "t"))
    );
    assert_eq!(
        h.ok("CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY, v text)"),
        ResultBody::Void
    );
    let e = h.err("CREATE TABLE t (k int PRIMARY KEY, v text)");
    assert!(matches!(e.kind, ErrorKind::AlreadyExists { .. }));
    h.ok("ALTER TABLE t ADD w int");
    h.ok("CREATE INDEX ON t (v)");
    h.ok("DROP TABLE t");
    h.ok("DROP KEYSPACE ks");
    let changes = h.ctx.changes.lock().unwrap().clone();
    assert_eq!(changes.len(), 6);
    assert_eq!(
        changes[0],
        SchemaChange::keyspace(SchemaChangeType::Created, "ks")
    );
    assert_eq!(
        changes[5],
        SchemaChange::keyspace(SchemaChangeType::Dropped, "ks")
    );
    let e = h.err("USE nope");
    assert_eq!(e.message, "Keyspace 'nope' does not exist");
    h.conn.keyspace = None;
    let e = h.err("SELECT * FROM t");
    assert!(e.message.starts_with("No keyspace has been specified"));
    let e = h.err("SELEC * FROM t");
    assert_eq!(e.kind, ErrorKind::SyntaxError);
}

#[test]
fn literals_of_every_type() {
    let mut h = setup();
    h.ok("CREATE TABLE lit (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, d decimal, db double, f float, i inet, ts timestamp, u uuid, tu timeuuid, vi varint, l list<int>, s set<text>, m map<text, int>)");
    h.ok("INSERT INTO lit (k, a, b, bl, bo, d, db, f, i, ts, u, tu, vi, l, s, m) VALUES (1, 'abc', 9223372036854775807, 0x0102, true, 12.5, NaN, -Infinity, '127.0.0.1', '2013-01-01 10:00:00+0000', 550e8400-e29b-41d4-a716-446655440000, now(), -129, [1, 2], {'x', 'a'}, {'k': 1})");
    let r = h.rows("SELECT a, b, bl, bo, d, f, i, ts, vi, s FROM lit WHERE k = 1");
    let v = vals(&r);
    assert_eq!(v[0][0], txt("abc"));
    assert_eq!(v[0][1], big(i64::MAX));
    assert_eq!(v[0][2], Some(vec![1, 2]));
    assert_eq!(v[0][3], Some(vec![1]));
    assert_eq!(v[0][4], Some(vec![0, 0, 0, 1, 125]));
    assert_eq!(v[0][5], Some(f32::NEG_INFINITY.to_be_bytes().to_vec()));
    assert_eq!(v[0][6], Some(vec![127, 0, 0, 1]));
    assert_eq!(v[0][7], big(1_357_034_400_000));
    assert_eq!(v[0][8], Some(vec![0xff, 0x7f]));
    assert_eq!(v[0][9], Some(vec![0, 2, 0, 1, b'a', 0, 1, b'x']));
    h.ok("INSERT INTO lit (k, ts, s) VALUES (2, '2013-01-01', {})");
    let r = h.rows("SELECT ts FROM lit WHERE k = 2");
    assert_eq!(vals(&r)[0][0], big(1_356_998_400_000));
    let e = h.err("INSERT INTO lit (k, tu) VALUES (3, 550e8400-e29b-41d4-a716-446655440000)");
    assert_eq!(e.kind, ErrorKind::Invalid);
    let e = h.err("INSERT INTO lit (k, a) VALUES (3, 1)");
    assert_eq!(e.kind, ErrorKind::Invalid);
    // functions
    let r = h.rows("SELECT dateOf(tu), unixTimestampOf(tu), blobAsBigint(bigintAsBlob(b)) FROM lit WHERE k = 1");
    let v = vals(&r);
    assert_eq!(v[0][0], big(T0 / 1000));
    assert_eq!(v[0][1], big(T0 / 1000));
    assert_eq!(r.columns().unwrap()[0].name, "dateof(tu)");
}

#[test]
fn dml_ttl_timestamps_collections_counters() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int, c int, v text, l list<int>, s set<int>, m map<text, int>, PRIMARY KEY (k, c))");
    h.ok("INSERT INTO t (k, c, v) VALUES (1, 1, 'a') USING TTL 10");
    let r = h.rows("SELECT TTL(v), WRITETIME(v) FROM t WHERE k = 1 AND c = 1");
    assert_eq!(vals(&r)[0], vec![int(10), big(T0)]);
    h.ctx.now.fetch_add(11_000_000, Ordering::SeqCst);
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 1").rows_count, 0);
    h.ok("INSERT INTO t (k, c, v) VALUES (1, 2, 'new') USING TIMESTAMP 100");
    h.ok("UPDATE t USING TIMESTAMP 50 SET v = 'old' WHERE k = 1 AND c = 2");
    assert_eq!(
        vals(&h.rows("SELECT v FROM t WHERE k = 1 AND c = 2"))[0][0],
        txt("new")
    );
    h.ok("UPDATE t SET l = [1, 2], s = {1}, m = {'a': 1} WHERE k = 2 AND c = 1");
    h.ok("UPDATE t SET l = l + [3], l = [0] + l, s = s + {2}, m['b'] = 2 WHERE k = 2 AND c = 1");
    h.ok("UPDATE t SET m = m - {'a'}, s = s - {1} WHERE k = 2 AND c = 1");
    let v = vals(&h.rows("SELECT l, s, m FROM t WHERE k = 2 AND c = 1"));
    assert_eq!(
        v[0][0],
        Some(vec![
            0, 4, 0, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 0, 4, 0, 0, 0, 2, 0, 4, 0, 0, 0, 3
        ])
    );
    assert_eq!(v[0][1], Some(vec![0, 1, 0, 4, 0, 0, 0, 2]));
    assert_eq!(v[0][2], Some(vec![0, 1, 0, 1, b'b', 0, 4, 0, 0, 0, 2]));
    h.ok("DELETE m['b'] FROM t WHERE k = 2 AND c = 1");
    h.ok("DELETE v FROM t WHERE k = 2 AND c = 1");
    h.ok("DELETE FROM t WHERE k = 2");
    assert_eq!(h.rows("SELECT * FROM t WHERE k = 2").rows_count, 0);
    let e = h.err("UPDATE t SET v = 'x' WHERE c = 1");
    assert_eq!(e.message, "Missing mandatory PRIMARY KEY part k");
    let e = h.err("INSERT INTO t (k, c, v) VALUES (1, 1, 'a') USING TTL 630720001");
    assert!(e.message.contains("ttl is too large"));
    // counters
    h.ok("CREATE TABLE hits (page text PRIMARY KEY, n counter)");
    h.ok("UPDATE hits SET n = n + 5 WHERE page = 'home'");
    h.ok("UPDATE hits SET n = n - 2 WHERE page = 'home'");
    assert_eq!(
        vals(&h.rows("SELECT n FROM hits WHERE page = 'home'"))[0][0],
        big(3)
    );
    assert_eq!(
        h.err("INSERT INTO hits (page, n) VALUES ('a', 1)").kind,
        ErrorKind::Invalid
    );
    assert_eq!(
        h.err("UPDATE hits SET n = 1 WHERE page = 'a'").kind,
        ErrorKind::Invalid
    );
}

#[test]
fn lwt() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int PRIMARY KEY, v text, m map<text, text>)");
    let r = h.rows("INSERT INTO t (k, v) VALUES (1, 'a') IF NOT EXISTS");
    assert_eq!(r.columns().unwrap()[0].name, "[applied]");
    assert_eq!(vals(&r), vec![vec![Some(vec![1])]]);
    let r = h.rows("INSERT INTO t (k, v) VALUES (1, 'b') IF NOT EXISTS");
    assert_eq!(vals(&r), vec![vec![Some(vec![0]), int(1), None, txt("a")]]);
    let r = h.rows("UPDATE t SET v = 'c' WHERE k = 1 IF v = 'x'");
    assert_eq!(vals(&r), vec![vec![Some(vec![0]), txt("a")]]);
    let r = h.rows("UPDATE t SET v = 'c', m = {'k': 'v'} WHERE k = 1 IF v IN ('a', 'z')");
    assert_eq!(vals(&r), vec![vec![Some(vec![1])]]);
    let r = h.rows("UPDATE t SET v = 'd' WHERE k = 1 IF m['k'] = 'v'");
    assert_eq!(vals(&r)[0][0], Some(vec![1]));
    let r = h.rows("DELETE FROM t WHERE k = 2 IF EXISTS");
    assert_eq!(vals(&r), vec![vec![Some(vec![0])]]);
    let r = h.rows("UPDATE t SET v = 'e' WHERE k = 1 IF EXISTS");
    assert_eq!(vals(&r)[0][0], Some(vec![1]));
    let r = h.rows("BEGIN BATCH UPDATE t SET v = 'f' WHERE k = 1 IF v = 'e' INSERT INTO t (k, v) VALUES (1, 'g') APPLY BATCH");
    assert_eq!(vals(&r)[0][0], Some(vec![1]));
    assert_eq!(vals(&h.rows("SELECT v FROM t WHERE k = 1"))[0][0], txt("g"));
}

fn cluster_table(h: &mut H) {
    h.ok("CREATE TABLE c (k int, a int, b int, v int, PRIMARY KEY (k, a, b))");
    for k in 0..3 {
        for a in 0..3 {
            for b in 0..2 {
                h.ok(&format!(
                    "INSERT INTO c (k, a, b, v) VALUES ({k}, {a}, {b}, {})",
                    k * 100 + a * 10 + b
                ));
            }
        }
    }
}

#[test]
fn select_forms_and_restrictions() {
    let mut h = setup();
    cluster_table(&mut h);
    let r = h.rows("SELECT * FROM c WHERE k = 1");
    assert_eq!(r.rows_count, 6);
    let names: Vec<_> = r
        .columns()
        .unwrap()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["k", "a", "b", "v"]);
    let r = h.rows("SELECT v AS x FROM c WHERE k = 1 AND a = 1 AND b > 0");
    assert_eq!(r.columns().unwrap()[0].name, "x");
    assert_eq!(vals(&r), vec![vec![int(111)]]);
    let r = h.rows("SELECT v FROM c WHERE k = 1 AND a >= 1 AND a < 2");
    assert_eq!(vals(&r), vec![vec![int(110)], vec![int(111)]]);
    let r = h.rows("SELECT v FROM c WHERE k IN (2, 0) AND a = 0 AND b = 1");
    assert_eq!(r.rows_count, 2);
    let r = h.rows("SELECT v FROM c WHERE k = 0 AND a IN (0, 2) AND b = 1");
    assert_eq!(vals(&r), vec![vec![int(1)], vec![int(21)]]);
    let r = h.rows("SELECT v FROM c WHERE k = 0 AND (a, b) > (1, 0)");
    assert_eq!(r.rows_count, 3);
    let r = h.rows("SELECT v FROM c WHERE k = 1 ORDER BY a DESC LIMIT 2");
    assert_eq!(vals(&r), vec![vec![int(121)], vec![int(120)]]);
    let r = h.rows("SELECT COUNT(*) FROM c");
    assert_eq!(r.columns().unwrap()[0].name, "count");
    assert_eq!(vals(&r), vec![vec![big(18)]]);
    let r = h.rows("SELECT DISTINCT k FROM c");
    assert_eq!(r.rows_count, 3);
    let r = h.rows("SELECT token(k), k FROM c WHERE k = 1 LIMIT 1");
    assert_eq!(r.columns().unwrap()[0].name, "token(k)");
    let tok = cql_protocol::murmur3::token(&1i32.to_be_bytes());
    assert_eq!(vals(&r)[0][0], big(tok));
    let r = h.rows(&format!("SELECT k FROM c WHERE token(k) > {tok}"));
    assert!(vals(&r).iter().all(|row| row[0] != int(1)));
    let r = h.rows("SELECT k FROM c WHERE token(k) >= token(1) LIMIT 1");
    assert_eq!(vals(&r)[0][0], int(1));
    let e = h.err("SELECT * FROM c WHERE k = 1 AND b = 1");
    assert_eq!(e.message, "PRIMARY KEY column \"b\" cannot be restricted (preceding column \"a\" is either not restricted or by a non-EQ relation)");
    let e = h.err("SELECT * FROM c WHERE v = 1");
    assert!(e
        .message
        .starts_with("Cannot execute this query as it might involve data filtering"));
    assert_eq!(
        h.rows("SELECT * FROM c WHERE v = 1 ALLOW FILTERING")
            .rows_count,
        1
    );
    h.ok("CREATE INDEX ON c (v)");
    assert_eq!(h.rows("SELECT * FROM c WHERE v = 121").rows_count, 1);
    let e = h.err("SELECT * FROM c ORDER BY a DESC");
    assert_eq!(e.kind, ErrorKind::Invalid);
    let e = h.err("SELECT * FROM nope");
    assert_eq!(e.message, "unconfigured columnfamily nope");
}

fn page_all(h: &mut H, text: &str, page: i32) -> (Vec<Vec<Option<Vec<u8>>>>, usize) {
    let mut all = vec![];
    let mut state: Option<Bytes> = None;
    let mut pages = 0;
    loop {
        let mut p = QueryParameters::new(Consistency::One).with_page_size(page);
        if let Some(s) = state.take() {
            p = p.with_paging_state(s);
        }
        let Response::Result(ResultBody::Rows(r)) = h.qp(text, p) else {
            panic!()
        };
        pages += 1;
        assert!(r.rows_count <= page as usize);
        all.extend(vals(&r));
        match r.metadata.paging_state.clone() {
            Some(s) => state = Some(s),
            None => break,
        }
        assert!(pages < 100);
    }
    (all, pages)
}

#[test]
fn paging() {
    let mut h = setup();
    h.ok("CREATE TABLE p (k int, c int, PRIMARY KEY (k, c))");
    let mut n = 0;
    for k in 0..7 {
        for c in 0..3 {
            if n < 20 {
                h.ok(&format!("INSERT INTO p (k, c) VALUES ({k}, {c})"));
                n += 1;
            }
        }
    }
    let (rows, pages) = page_all(&mut h, "SELECT k, c, token(k) FROM p", 3);
    assert_eq!(rows.len(), 20);
    assert_eq!(pages, 7);
    let mut seen = std::collections::HashSet::new();
    let mut last_tok = i64::MIN;
    for r in &rows {
        assert!(seen.insert((r[0].clone(), r[1].clone())));
        let t = i64::from_be_bytes(r[2].clone().unwrap().try_into().unwrap());
        assert!(t >= last_tok);
        last_tok = t;
    }
    let (rows, _) = page_all(&mut h, "SELECT k FROM p LIMIT 8", 3);
    assert_eq!(rows.len(), 8);
    let (rows, _) = page_all(&mut h, "SELECT k FROM p WHERE k IN (3, 1, 5)", 2);
    assert_eq!(rows.len(), 9);
    let (rows, pages) = page_all(&mut h, "SELECT COUNT(*) FROM p", 3);
    assert_eq!((rows[0][0].clone(), pages), (big(20), 1));
}

#[test]
fn prepared_statements() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int, c text, v list<int>, PRIMARY KEY (k, c))");
    let Response::Result(ResultBody::Prepared(p)) = h.req(Request::Prepare(Prepare::new(
        "INSERT INTO t (k, c, v) VALUES (?, ?, ?) USING TTL ?",
    ))) else {
        panic!()
    };
    assert_eq!(p.id.len(), 16);
    let cols = p.metadata.columns.clone().unwrap();
    let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["k", "c", "v", "[ttl]"]);
    assert_eq!(cols[1].ty, ColumnType::Varchar);
    assert_eq!(cols[0].table.table, "t");
    let values = vec![
        RawValue::Value(Bytes::from(1i32.to_be_bytes().to_vec())),
        RawValue::Value(Bytes::from_static(b"x")),
        RawValue::Value(Bytes::from(vec![0, 1, 0, 4, 0, 0, 0, 7])),
        RawValue::Value(Bytes::from(100i32.to_be_bytes().to_vec())),
    ];
    let r = h.req(Request::Execute(Execute::new(
        p.id.clone(),
        QueryParameters::new(Consistency::One).with_values(values.clone()),
    )));
    assert_eq!(r, Response::Result(ResultBody::Void));
    let Response::Result(ResultBody::Prepared(sel)) = h.req(Request::Prepare(Prepare::new(
        "SELECT v FROM t WHERE k = ? AND c IN ? LIMIT ?",
    ))) else {
        panic!()
    };
    let names: Vec<_> = sel
        .metadata
        .columns
        .clone()
        .unwrap()
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, ["k", "in(c)", "[limit]"]);
    assert_eq!(
        sel.result_metadata
            .as_ref()
            .unwrap()
            .columns
            .as_ref()
            .unwrap()[0]
            .name,
        "v"
    );
    // wrong count
    let Response::Error(e) = h.req(Request::Execute(Execute::new(
        p.id.clone(),
        QueryParameters::new(Consistency::One),
    ))) else {
        panic!()
    };
    assert_eq!(
        e.message,
        "There were 4 markers(?) in CQL but 0 bound variables"
    );
    // malformed value
    let mut bad = values.clone();
    bad[0] = RawValue::Value(Bytes::from_static(b"abc"));
    let Response::Error(e) = h.req(Request::Execute(Execute::new(
        p.id.clone(),
        QueryParameters::new(Consistency::One).with_values(bad),
    ))) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Invalid);
    h.ex.forget_prepared();
    let Response::Error(e) = h.req(Request::Execute(Execute::new(
        p.id.clone(),
        QueryParameters::new(Consistency::One).with_values(values),
    ))) else {
        panic!()
    };
    assert_eq!(e.kind, ErrorKind::Unprepared { id: p.id.clone() });
    assert!(e.message.starts_with("Prepared query with ID "));
}

#[test]
fn batches() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int PRIMARY KEY, v int)");
    h.ok("CREATE TABLE hits (k int PRIMARY KEY, n counter)");
    h.ok("BEGIN BATCH USING TIMESTAMP 1000 INSERT INTO t (k, v) VALUES (1, 1); UPDATE t SET v = 2 WHERE k = 2; APPLY BATCH");
    assert_eq!(
        vals(&h.rows("SELECT WRITETIME(v) FROM t WHERE k = 2"))[0][0],
        big(1000)
    );
    h.ok("BEGIN COUNTER BATCH UPDATE hits SET n = n + 1 WHERE k = 1; UPDATE hits SET n = n + 2 WHERE k = 1; APPLY BATCH");
    assert_eq!(
        vals(&h.rows("SELECT n FROM hits WHERE k = 1"))[0][0],
        big(3)
    );
    assert_eq!(
        h.err("BEGIN BATCH UPDATE hits SET n = n + 1 WHERE k = 1; APPLY BATCH")
            .kind,
        ErrorKind::Invalid
    );
    let Response::Result(ResultBody::Prepared(p)) = h.req(Request::Prepare(Prepare::new(
        "INSERT INTO t (k, v) VALUES (?, ?)",
    ))) else {
        panic!()
    };
    let four = RawValue::Value(Bytes::from(4i32.to_be_bytes().to_vec()));
    let b = Batch::new(BatchType::Logged, Consistency::One)
        .with_statement(BatchStatement::query(
            "INSERT INTO t (k, v) VALUES (3, 3)",
            vec![],
        ))
        .with_statement(BatchStatement::prepared(
            p.id.clone(),
            vec![four.clone(), four],
        ));
    assert_eq!(h.req(Request::Batch(b)), Response::Result(ResultBody::Void));
    assert_eq!(h.rows("SELECT * FROM t").rows_count, 4);
}

#[test]
fn users_tracing_unavailable() {
    let mut h = setup();
    h.ok("CREATE USER bob WITH PASSWORD 'pw' NOSUPERUSER");
    let r = h.rows("LIST USERS");
    assert_eq!(
        vals(&r),
        vec![
            vec![txt("bob"), Some(vec![0])],
            vec![txt("cassandra"), Some(vec![1])]
        ]
    );
    h.conn.user = Some("bob".into());
    let e = h.err("CREATE USER eve WITH PASSWORD 'x'");
    assert_eq!(e.kind, ErrorKind::Unauthorized);
    h.conn.user = None;
    h.ok("DROP USER bob");
    // tracing
    h.ok("CREATE TABLE t (k int PRIMARY KEY)");
    let resp = block(h.ex.handle(
        &h.conn,
        Request::Query(Query::new("SELECT * FROM t", Consistency::One)),
        true,
    ));
    let id = resp.tracing_id.expect("tracing id");
    let traces = h.ctx.traces.lock().unwrap().clone();
    assert_eq!(traces[0].session_id, id);
    assert!(traces[0].events.len() >= 3);
    // unavailable
    h.ctx.down.store(true, Ordering::SeqCst);
    let e = h.err("INSERT INTO t (k) VALUES (1)");
    assert!(matches!(e.kind, ErrorKind::Unavailable { .. }));
    let e = h.err("SELECT * FROM t WHERE k = 1");
    assert!(matches!(e.kind, ErrorKind::Unavailable { .. }));
}

#[test]
fn cqlengine_statements() {
    let mut h = setup();
    let u = "550e8400-e29b-41d4-a716-446655440000";
    let t = "d2177dd0-eaa2-11de-a572-001b779c76e3";
    let stmts = [
        "CREATE TABLE ks.post (\"user_id\" uuid , \"bucket\" int , \"created\" timeuuid , \"seq\" int , \"ttl_\" text , \"owner\" text static, \"tags\" set<text> , \"nums\" list<int> , \"attrs\" map<text, text> , \"when\" timestamp , \"blob\" blob, \"price\" float, PRIMARY KEY ((\"user_id\", \"bucket\"), \"created\", \"seq\")) WITH CLUSTERING ORDER BY (\"created\" DESC, \"seq\" ASC) AND comment = 'posts' AND compaction = {'class': 'LeveledCompactionStrategy'} AND default_time_to_live = 3600",
        "ALTER TABLE ks.post add \"flag\" boolean",
        "CREATE INDEX ON ks.post (\"ttl_\")",
        "ALTER TABLE ks.post WITH gc_grace_seconds = 10",
        "CREATE KEYSPACE ks2 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '2'}  AND durable_writes = false",
        "CREATE TABLE ks.hits (\"page\" text PRIMARY KEY, \"n\" counter)",
        "INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\", \"ttl_\") VALUES (U, 1, T, 1, 't') IF NOT EXISTS USING TTL 60 AND TIMESTAMP 1704164645000000",
        "INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\", \"ttl_\", \"tags\", \"nums\", \"attrs\", \"when\", \"blob\", \"flag\", \"price\") VALUES (U, 1, T, 0, 'it''s', {'a'}, [1, 2], {'k': 'v'}, 1704164645000, 0x0102, True, 1.5)",
        "UPDATE ks.post SET \"tags\" = \"tags\" + {'b'}, \"tags\" = \"tags\" - {'a'}, \"nums\" = [0] + \"nums\", \"nums\" = \"nums\" + [3], \"attrs\"['k2'] = 'v2' WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "DELETE \"ttl_\" FROM ks.post WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "UPDATE ks.post SET \"nums\" = \"nums\" + [4], \"tags\" = \"tags\" + {'z'} WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "UPDATE ks.post SET \"nums\" = [-1] + \"nums\" WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "UPDATE ks.post SET \"attrs\"['x'] = '1' WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "UPDATE ks.post SET \"attrs\" = \"attrs\" - {'x'} WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "UPDATE ks.post SET \"ttl_\" = 'new' WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0 IF \"ttl_\" = 'old'",
        "UPDATE ks.post SET \"ttl_\" = 'new' WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0 IF EXISTS",
        "UPDATE ks.hits SET \"n\" = \"n\" + 5 WHERE \"page\" = 'home'",
        "SELECT \"created\", \"seq\" FROM ks.post WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" > MinTimeUUID(1204164645000) AND \"created\" < MaxTimeUUID(1704164645000) ORDER BY \"created\" DESC LIMIT 5",
        "SELECT * FROM ks.post WHERE token(\"user_id\", \"bucket\") > token(U, 1) LIMIT 100",
        "SELECT * FROM ks.post WHERE \"tags\" CONTAINS 'a' LIMIT 10000 ALLOW FILTERING",
        "SELECT DISTINCT \"user_id\", \"bucket\" FROM ks.post LIMIT 10000",
        "SELECT COUNT(*) FROM ks.post WHERE \"user_id\" = U AND \"bucket\" = 1 LIMIT 10000",
        "BEGIN  BATCH USING TIMESTAMP 1704164645000000\n  INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\") VALUES (U, 2, T, 1)\n  UPDATE ks.post SET \"ttl_\" = 'b' WHERE \"user_id\" = U AND \"bucket\" = 2 AND \"created\" = T AND \"seq\" = 1\nAPPLY BATCH;",
        "BEGIN UNLOGGED  BATCH INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\") VALUES (U, 3, T, 1) APPLY BATCH;",
        "BEGIN COUNTER  BATCH UPDATE ks.hits SET \"n\" = \"n\" + 1 WHERE \"page\" = 'x' APPLY BATCH;",
        "UPDATE ks.post SET \"tags\" = {} WHERE \"user_id\" = U AND \"bucket\" = 1 AND \"created\" = T AND \"seq\" = 0",
        "DELETE FROM ks.post  USING TIMESTAMP 1704164645000000  WHERE \"user_id\" = U AND \"bucket\" = 1 IF EXISTS",
        "DROP TABLE ks.post;",
        "DROP KEYSPACE ks2",
    ];
    let mut executed = 0;
    for s in stmts {
        let s = s
            .replace(" U,", &format!(" {u},"))
            .replace("= U ", &format!("= {u} "))
            .replace("(U,", &format!("({u},"))
            .replace(" T,", &format!(" {t},"))
            .replace("= T ", &format!("= {t} "))
            .replace("= T\n", &format!("= {t}\n"))
            .replace(">= T", &format!(">= {t}"));
        if cql_testcluster::cql::parse_statement(&s).is_err() {
            eprintln!("skipped (parser): {s}");
            continue;
        }
        h.ok(&s);
        executed += 1;
    }
    assert!(executed >= 27, "only {executed} statements ran");
}

fn assert_invalid(e: &ErrorResponse, message: &str) {
    assert_eq!(e.kind, ErrorKind::Invalid, "{}", e.message);
    assert_eq!(e.message, message);
}

#[test]
fn range_deletes_are_rejected_as_in_2_0() {
    // Cassandra 2.0's ModificationStatement.processWhereClause: only `=`
    // (and `IN` on the partition key) on PRIMARY KEY columns.
    let mut h = setup();
    cluster_table(&mut h);
    let e = h.err("DELETE FROM c WHERE k = 1 AND a > 0");
    assert_invalid(&e, "Invalid operator > for PRIMARY KEY part a");
    let e = h.err("DELETE FROM c WHERE k = 1 AND a = 1 AND b <= 0");
    assert_invalid(&e, "Invalid operator <= for PRIMARY KEY part b");
    let e = h.err("DELETE FROM c WHERE k = 1 AND a IN (0, 1)");
    assert_invalid(&e, "Invalid operator IN for PRIMARY KEY part a");
    let e = h.err("UPDATE c SET v = 1 WHERE k = 1 AND a = 1 AND b >= 0");
    assert_invalid(&e, "Invalid operator >= for PRIMARY KEY part b");
    let e = h.err("DELETE FROM c WHERE k = 1 AND k = 2");
    assert_invalid(&e, "Multiple definitions found for PRIMARY KEY part k");
    // Nothing was deleted.
    assert_eq!(h.rows("SELECT * FROM c WHERE k = 1").rows_count, 6);
    // Prefix deletions and IN on the partition key still work.
    h.ok("DELETE FROM c WHERE k = 1 AND a = 0");
    assert_eq!(h.rows("SELECT * FROM c WHERE k = 1").rows_count, 4);
    h.ok("DELETE FROM c WHERE k IN (0, 2)");
    assert_eq!(h.rows("SELECT * FROM c").rows_count, 4);
}

#[test]
fn set_by_index_on_a_null_list() {
    // Cassandra 2.0's Lists.SetterByIndex / DiscarderByIndex.
    let mut h = setup();
    h.ok("CREATE TABLE l (k int PRIMARY KEY, l list<int>)");
    h.ok("INSERT INTO l (k) VALUES (1)");
    let e = h.err("UPDATE l SET l[0] = 1 WHERE k = 1");
    assert_invalid(&e, "List index 0 out of bound, list has size 0");
    let e = h.err("DELETE l[0] FROM l WHERE k = 1");
    assert_invalid(&e, "List index 0 out of bound, list has size 0");
    h.ok("UPDATE l SET l = [5] WHERE k = 1");
    let e = h.err("UPDATE l SET l[1] = 1 WHERE k = 1");
    assert_invalid(&e, "List index 1 out of bound, list has size 1");
    h.ok("UPDATE l SET l[0] = 6 WHERE k = 1");
}

#[test]
fn rename_and_index_errors() {
    // CFMetaData.renameColumn (2.0): "in keyspace" followed by the table.
    let mut h = setup();
    h.ok("CREATE TABLE r (k int, c int, v int, w int, PRIMARY KEY (k, c))");
    let e = h.err("ALTER TABLE r RENAME x TO y");
    assert_invalid(&e, "Cannot rename unknown column x in keyspace r");
    let e = h.err("ALTER TABLE r RENAME c TO v");
    assert_invalid(
        &e,
        "Cannot rename column c to v in keyspace r; another column of that name already exist",
    );
    let e = h.err("ALTER TABLE r RENAME v TO z");
    assert_invalid(&e, "Cannot rename non PRIMARY KEY part v");
    h.ok("CREATE INDEX ON r (c)");
    let e = h.err("ALTER TABLE r RENAME c TO z");
    assert_invalid(&e, "Cannot rename column c because it is secondary indexed");
    h.ok("ALTER TABLE r RENAME k TO kk");
    // CreateIndexStatement.validate: an indexed column.
    h.ok("CREATE INDEX v_idx ON r (v)");
    let e = h.err("CREATE INDEX ON r (v)");
    assert_invalid(&e, "Index already exists");
    let e = h.err("CREATE INDEX other ON r (v)");
    assert_invalid(&e, "Index already exists");
    h.ok("CREATE INDEX IF NOT EXISTS ON r (v)");
    // CFMetaData.validate: a name taken by another column's index is a
    // ConfigurationException, IF NOT EXISTS or not.
    let e = h.err("CREATE INDEX v_idx ON r (w)");
    assert_eq!(e.kind, ErrorKind::ConfigError);
    assert_eq!(e.message, "Duplicate index name v_idx");
    let e = h.err("CREATE INDEX IF NOT EXISTS v_idx ON r (w)");
    assert_eq!(e.kind, ErrorKind::ConfigError);
    // Counter tables are refused before the column is looked up.
    h.ok("CREATE TABLE n (k int PRIMARY KEY, n counter)");
    let e = h.err("CREATE INDEX ON n (nope)");
    assert_invalid(&e, "Secondary indexes are not supported on counter tables");
}

fn q_cl(h: &mut H, text: &str, cl: Consistency) -> Response {
    h.req(Request::Query(Query::new(text, cl)))
}

fn error(resp: Response) -> ErrorResponse {
    match resp {
        Response::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn consistency_validation() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int PRIMARY KEY, v int)");
    h.ok("CREATE TABLE n (k int PRIMARY KEY, n counter)");
    // ConsistencyLevel.validateForRead.
    let e = error(q_cl(&mut h, "SELECT * FROM t", Consistency::EachQuorum));
    assert_invalid(
        &e,
        "EACH_QUORUM ConsistencyLevel is only supported for writes",
    );
    let e = error(q_cl(&mut h, "SELECT * FROM t", Consistency::Any));
    assert_invalid(&e, "ANY ConsistencyLevel is only supported for writes");
    // validateForWrite.
    for cl in [Consistency::Serial, Consistency::LocalSerial] {
        let e = error(q_cl(&mut h, "INSERT INTO t (k, v) VALUES (1, 1)", cl));
        assert_invalid(
            &e,
            "You must use conditional updates for serializable writes",
        );
    }
    // EACH_QUORUM and ANY writes are fine (SimpleStrategy included).
    for cl in [Consistency::EachQuorum, Consistency::Any] {
        assert!(matches!(
            q_cl(&mut h, "INSERT INTO t (k, v) VALUES (1, 1)", cl),
            Response::Result(ResultBody::Void)
        ));
    }
    // validateCounterForWrite.
    let e = error(q_cl(
        &mut h,
        "UPDATE n SET n = n + 1 WHERE k = 1",
        Consistency::Any,
    ));
    assert_invalid(
        &e,
        "Consistency level ANY is not yet supported for counter columnfamily n",
    );
    // validateForCasCommit, on the commit level of a conditional update.
    let e = error(q_cl(
        &mut h,
        "UPDATE t SET v = 2 WHERE k = 1 IF v = 1",
        Consistency::Serial,
    ));
    assert_invalid(&e, "SERIAL is not supported as conditional update commit consistency. Use ANY if you mean \"make sure it is accepted but I don't care how many replicas commit it for non-SERIAL reads\"");
    let e = error(q_cl(
        &mut h,
        "UPDATE t SET v = 2 WHERE k = 1 IF v = 1",
        Consistency::EachQuorum,
    ));
    assert_invalid(&e, "consistency level EACH_QUORUM not compatible with replication strategy (org.apache.cassandra.locator.SimpleStrategy)");
    let r = match q_cl(
        &mut h,
        "UPDATE t SET v = 2 WHERE k = 1 IF v = 1",
        Consistency::Quorum,
    ) {
        Response::Result(ResultBody::Rows(r)) => r,
        other => panic!("{other:?}"),
    };
    assert_eq!(vals(&r)[0][0], Some(vec![1]));
}

#[test]
fn equal_timestamps_break_ties_as_2_0() {
    // Column.reconcile (2.0): a tombstone wins a timestamp tie, and between
    // two live cells the greater value wins, bytes compared signed (Java's
    // ByteBuffer.compareTo), whatever the arrival order.
    let mut h = setup();
    h.ok("CREATE TABLE b (k int PRIMARY KEY, v blob)");
    h.ok("INSERT INTO b (k, v) VALUES (1, 0x7f) USING TIMESTAMP 10");
    h.ok("INSERT INTO b (k, v) VALUES (1, 0x80) USING TIMESTAMP 10");
    assert_eq!(
        vals(&h.rows("SELECT v FROM b WHERE k = 1"))[0][0],
        Some(vec![0x7f])
    );
    h.ok("INSERT INTO b (k, v) VALUES (2, 0x80) USING TIMESTAMP 10");
    h.ok("INSERT INTO b (k, v) VALUES (2, 0x7f) USING TIMESTAMP 10");
    assert_eq!(
        vals(&h.rows("SELECT v FROM b WHERE k = 2"))[0][0],
        Some(vec![0x7f])
    );
    // A longer value with the same prefix is greater.
    h.ok("INSERT INTO b (k, v) VALUES (3, 0x01) USING TIMESTAMP 10");
    h.ok("INSERT INTO b (k, v) VALUES (3, 0x0100) USING TIMESTAMP 10");
    assert_eq!(
        vals(&h.rows("SELECT v FROM b WHERE k = 3"))[0][0],
        Some(vec![1, 0])
    );
    // Deletions at the same timestamp win, before or after the write.
    h.ok("DELETE v FROM b USING TIMESTAMP 10 WHERE k = 1");
    assert_eq!(
        vals(&h.rows("SELECT v FROM b WHERE k = 1")),
        vec![vec![None]]
    );
    h.ok("DELETE FROM b USING TIMESTAMP 20 WHERE k = 2");
    h.ok("INSERT INTO b (k, v) VALUES (2, 0x01) USING TIMESTAMP 20");
    assert_eq!(h.rows("SELECT v FROM b WHERE k = 2").rows_count, 0);
    h.ok("INSERT INTO b (k, v) VALUES (2, 0x01) USING TIMESTAMP 21");
    assert_eq!(
        vals(&h.rows("SELECT v FROM b WHERE k = 2"))[0][0],
        Some(vec![1])
    );
}

const ORDER_IN_PAGING: &str = "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query";

#[test]
fn order_by_with_in_and_paging() {
    let mut h = setup();
    cluster_table(&mut h);
    let paged = |page: i32| QueryParameters::new(Consistency::One).with_page_size(page);
    let q = "SELECT k, a, b FROM c WHERE k IN (2, 0) ORDER BY a DESC";
    // Paging on: rejected (SelectStatement.execute, 2.0).
    let e = error(h.qp(q, paged(5000)));
    assert_invalid(&e, ORDER_IN_PAGING);
    // Without ORDER BY, or without IN, paging is fine.
    assert!(matches!(
        h.qp("SELECT * FROM c WHERE k IN (2, 0)", paged(5000)),
        Response::Result(ResultBody::Rows(_))
    ));
    assert!(matches!(
        h.qp("SELECT * FROM c WHERE k = 2 ORDER BY a DESC", paged(5000)),
        Response::Result(ResultBody::Rows(_))
    ));
    // mayNeedPaging: 2 partitions x LIMIT 3 = 6 rows fit in a page of 6,
    // not in a page of 5.
    let limited = "SELECT k, a, b FROM c WHERE k IN (2, 0) ORDER BY a DESC LIMIT 3";
    assert!(matches!(
        h.qp(limited, paged(6)),
        Response::Result(ResultBody::Rows(_))
    ));
    assert_invalid(&error(h.qp(limited, paged(5))), ORDER_IN_PAGING);
    // A names query reads one row per partition.
    let names = "SELECT v FROM c WHERE k IN (2, 0) AND a = 1 AND b = 1 ORDER BY a DESC";
    assert!(matches!(
        h.qp(names, paged(2)),
        Response::Result(ResultBody::Rows(_))
    ));
    assert_invalid(&error(h.qp(names, paged(1))), ORDER_IN_PAGING);
    // Paging off: rows of both partitions sorted on `a` descending.
    let r = h.rows(q);
    let got: Vec<(i32, i32, i32)> = r
        .iter()
        .map(|row| {
            let v: Vec<i32> = row
                .values()
                .map(|b| i32::from_be_bytes(b.unwrap()[..].try_into().unwrap()))
                .collect();
            (v[0], v[1], v[2])
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 2, 1),
            (0, 2, 0),
            (2, 2, 1),
            (2, 2, 0),
            (0, 1, 1),
            (0, 1, 0),
            (2, 1, 1),
            (2, 1, 0),
            (0, 0, 1),
            (0, 0, 0),
            (2, 0, 1),
            (2, 0, 0),
        ]
    );
    // The limit applies after the sort.
    let r = h.rows("SELECT k, a FROM c WHERE k IN (2, 0) ORDER BY a ASC LIMIT 3");
    assert_eq!(
        vals(&r),
        vec![
            vec![int(2), int(0)],
            vec![int(2), int(0)],
            vec![int(0), int(0)]
        ]
    );
    // COUNT is never paged.
    assert!(matches!(
        h.qp(
            "SELECT COUNT(*) FROM c WHERE k IN (2, 0) ORDER BY a DESC",
            paged(5)
        ),
        Response::Result(ResultBody::Rows(_))
    ));
}

#[test]
fn trace_session_ids_are_time_uuids() {
    let mut h = setup();
    h.ok("CREATE TABLE t (k int PRIMARY KEY)");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let resp = block(h.ex.handle(
            &h.conn,
            Request::Query(Query::new("SELECT * FROM t", Consistency::One)),
            true,
        ));
        let id = resp.tracing_id.expect("tracing id");
        assert_eq!(id.get_version_num(), 1, "{id}");
        assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        // The time is the request's start on the cluster clock.
        let (secs, nanos) = id.get_timestamp().expect("a v1 uuid").to_unix();
        let micros = secs as i64 * 1_000_000 + i64::from(nanos) / 1000;
        assert_eq!(micros, T0);
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}
