//! Differential tests of our request encoder and decoder against the
//! DataStax Python driver's `cassandra.protocol` (through the JSON-lines
//! oracle `python/oracle/cql_oracle.py`; needs the venv of
//! `scripts/python-env` or `$CQL_PYTHON`).
//!
//! Every case is one of our [`Request`]s and the oracle JSON of the same
//! message. For each, the driver's body must equal our `encode_body`
//! exactly, and our `decode_body` of the driver's body must give the
//! request back. The one sanctioned difference is the driver's v1 QUERY
//! quirk (a trailing flags byte 0x00, see the oracle's docs), which is
//! asserted byte for byte.
//!
//! Combinations the driver cannot produce (SKIP_METADATA, null
//! AUTH_RESPONSE tokens, values on v1 QUERY, ...) are asserted to be
//! refused by the oracle as "unsupported by python driver", so these tests
//! notice if that ever changes; they are covered by the hand-written
//! vectors in `requests.rs`.
//!
//! JSON objects here are `serde_json` maps without `preserve_order`, so the
//! oracle receives their keys sorted; string maps (STARTUP options,
//! CREDENTIALS) are therefore built in sorted key order on our side too.

#[path = "support/oracle.rs"]
mod oracle;

use bytes::{Bytes, BytesMut};
use cql_protocol::message::request::*;
use cql_protocol::{Compression, Consistency, Opcode, ProtocolVersion, RawValue};
use serde_json::{json, Map, Value};

use oracle::{hex, unhex, Oracle};

const V1: ProtocolVersion = ProtocolVersion::V1;
const V2: ProtocolVersion = ProtocolVersion::V2;

/// One request and the oracle's JSON `message` for it.
struct Case {
    name: String,
    version: ProtocolVersion,
    request: Request,
    message: Value,
}

fn case(
    name: impl Into<String>,
    version: ProtocolVersion,
    request: impl Into<Request>,
    message: Value,
) -> Case {
    Case {
        name: name.into(),
        version,
        request: request.into(),
        message,
    }
}

fn version_number(v: ProtocolVersion) -> u8 {
    v.as_u8()
}

fn encode_ours(version: ProtocolVersion, request: &Request) -> Vec<u8> {
    let mut buf = BytesMut::new();
    request
        .encode_body(version, &mut buf)
        .unwrap_or_else(|e| panic!("we cannot encode {request:?} on {version}: {e}"));
    buf.to_vec()
}

/// Asks the driver for the body of `message`; returns (opcode, body, quirk).
fn encode_theirs(
    py: &mut Oracle,
    version: ProtocolVersion,
    message: &Value,
) -> (u8, Vec<u8>, Option<String>) {
    let answer = py.call_ok(json!({
        "op": "encode_request",
        "version": version_number(version),
        "message": message,
    }));
    let opcode = u8::try_from(answer["opcode"].as_u64().expect("opcode")).expect("u8 opcode");
    let body = unhex(answer["body"].as_str().expect("body"));
    let quirk = answer
        .get("driver_quirk")
        .and_then(Value::as_str)
        .map(str::to_owned);
    (opcode, body, quirk)
}

/// The differential check of one case (see the module docs).
fn check(py: &mut Oracle, case: &Case) {
    let Case {
        name,
        version,
        request,
        message,
    } = case;
    let version = *version;
    let ours = encode_ours(version, request);
    let (opcode, theirs, quirk) = encode_theirs(py, version, message);
    assert_eq!(
        opcode,
        request.opcode().as_u8(),
        "{name} ({version}): opcode"
    );
    let v1_query = version == V1 && request.opcode() == Opcode::Query;
    if v1_query {
        // DRIVER QUIRK: the driver appends a flags byte the v1 spec lacks.
        assert!(
            quirk.is_some(),
            "{name}: the oracle stopped flagging the v1 QUERY quirk"
        );
        let mut expected = ours.clone();
        expected.push(0x00);
        assert_eq!(
            hex(&theirs),
            hex(&expected),
            "{name} ({version}): the driver's v1 QUERY body is not ours + [0x00]"
        );
    } else {
        assert_eq!(quirk, None, "{name} ({version}): unexpected driver quirk");
        assert_eq!(
            hex(&theirs),
            hex(&ours),
            "{name} ({version}): the driver's body differs from ours for {request:?}"
        );
    }
    let decoded = Request::decode_body(version, request.opcode(), Bytes::from(theirs))
        .unwrap_or_else(|e| panic!("{name} ({version}): we cannot decode the driver's body: {e}"));
    assert_eq!(
        &decoded, request,
        "{name} ({version}): decoding the driver's body"
    );
}

fn run(cases: &[Case]) {
    let mut py = Oracle::spawn();
    for c in cases {
        check(&mut py, c);
    }
}

// ---------------------------------------------------------------------------
// Values and query parameters

fn value_json(v: &RawValue) -> Value {
    match v {
        RawValue::Null => Value::Null,
        RawValue::Value(b) => Value::String(hex(b)),
        _ => unreachable!("RawValue has only Null and Value"),
    }
}

fn values_json(values: &[RawValue]) -> Value {
    Value::Array(values.iter().map(value_json).collect())
}

/// Bound values with a null and an empty value among them.
fn sample_values() -> Vec<RawValue> {
    vec![
        RawValue::Value(Bytes::from_static(&[0, 0, 0, 42])),
        RawValue::Null,
        RawValue::Value(Bytes::new()),
        RawValue::Value(Bytes::from_static(b"text value \xc3\xa9")),
    ]
}

/// The oracle fields for `params` (QUERY and EXECUTE share them). Our
/// `values: []` means "no VALUES flag", which is the JSON's absent `values`.
fn params_json(params: &QueryParameters, into: &mut Map<String, Value>) {
    assert!(
        !params.skip_metadata,
        "the driver cannot send skip_metadata"
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

fn query_json(query: &Query) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "QUERY".into());
    m.insert("query".into(), query.query.clone().into());
    params_json(&query.params, &mut m);
    Value::Object(m)
}

fn execute_json(execute: &Execute) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "EXECUTE".into());
    m.insert("id".into(), hex(&execute.id).into());
    params_json(&execute.params, &mut m);
    Value::Object(m)
}

const PREPARED_ID: &[u8] = &[
    0x5b, 0x1d, 0x0e, 0x4f, 0x1a, 0x86, 0x9c, 0x33, 0x00, 0xff, 0x7e, 0x80, 0x12, 0x34, 0x56, 0x78,
];

/// Every combination of values / page_size / paging_state /
/// serial_consistency (each serial combination with SERIAL and with
/// LOCAL_SERIAL), cycling through the consistencies.
fn v2_param_combinations() -> Vec<(String, QueryParameters)> {
    let mut out = Vec::new();
    let consistencies = Consistency::ALL;
    for bits in 0u8..16 {
        let serials: &[Option<Consistency>] = if bits & 8 != 0 {
            &[Some(Consistency::Serial), Some(Consistency::LocalSerial)]
        } else {
            &[None]
        };
        for &serial in serials {
            let consistency = consistencies[out.len() % consistencies.len()];
            let mut p = QueryParameters::new(consistency);
            let mut name = format!("{consistency}");
            if bits & 1 != 0 {
                p = p.with_values(sample_values());
                name += "+values";
            }
            if bits & 2 != 0 {
                p = p.with_page_size(5000 + i32::from(bits));
                name += "+page_size";
            }
            if bits & 4 != 0 {
                p = p.with_paging_state(Bytes::from_static(&[0x00, 0x10, 0xde, 0xad, 0xbe, 0xef]));
                name += "+paging_state";
            }
            if let Some(s) = serial {
                p = p.with_serial_consistency(s);
                name += &format!("+{s}");
            }
            out.push((name, p));
        }
    }
    assert_eq!(out.len(), 24);
    out
}

// ---------------------------------------------------------------------------
// Cases

#[test]
fn query_and_execute_every_v2_flag_combination() {
    let mut cases = Vec::new();
    for (name, params) in v2_param_combinations() {
        let q = Query::with_params("SELECT * FROM ks.t WHERE k = ? AND c = ?", params.clone());
        cases.push(case(format!("QUERY {name}"), V2, q.clone(), query_json(&q)));
        let e = Execute::new(Bytes::from_static(PREPARED_ID), params);
        cases.push(case(
            format!("EXECUTE {name}"),
            V2,
            e.clone(),
            execute_json(&e),
        ));
    }
    assert_eq!(cases.len(), 48);
    run(&cases);
}

#[test]
fn query_and_execute_page_size_extremes_and_single_values() {
    let mut cases = Vec::new();
    let params = [
        QueryParameters::new(Consistency::One).with_page_size(1),
        QueryParameters::new(Consistency::One).with_page_size(i32::MAX),
        QueryParameters::new(Consistency::Quorum).with_values(vec![RawValue::Null]),
        QueryParameters::new(Consistency::Quorum).with_values(vec![RawValue::Value(Bytes::new())]),
        QueryParameters::new(Consistency::All).with_values(
            (0..300u16)
                .map(|i| RawValue::from(i.to_be_bytes().to_vec()))
                .collect(),
        ),
        // A one-byte and a long paging state.
        QueryParameters::new(Consistency::One)
            .with_page_size(100)
            .with_paging_state(Bytes::from_static(&[0x01])),
        QueryParameters::new(Consistency::One)
            .with_page_size(100)
            .with_paging_state(Bytes::from(vec![0xab; 70_000])),
    ];
    for (i, p) in params.into_iter().enumerate() {
        let q = Query::with_params("SELECT v FROM ks.t", p.clone());
        cases.push(case(format!("QUERY #{i}"), V2, q.clone(), query_json(&q)));
        let e = Execute::new(Bytes::from_static(PREPARED_ID), p);
        cases.push(case(
            format!("EXECUTE #{i}"),
            V2,
            e.clone(),
            execute_json(&e),
        ));
    }
    run(&cases);
}

#[test]
fn query_every_consistency_v1_and_v2() {
    let mut cases = Vec::new();
    for consistency in Consistency::ALL {
        for version in [V1, V2] {
            let q = Query::new("SELECT * FROM system.local", consistency);
            cases.push(case(
                format!("QUERY {consistency}"),
                version,
                q.clone(),
                query_json(&q),
            ));
            let e = Execute::new(
                Bytes::from_static(PREPARED_ID),
                QueryParameters::new(consistency),
            );
            cases.push(case(
                format!("EXECUTE {consistency}"),
                version,
                e.clone(),
                execute_json(&e),
            ));
        }
    }
    run(&cases);
}

#[test]
fn v1_execute_with_values() {
    let mut cases = Vec::new();
    for (i, values) in [
        sample_values(),
        vec![RawValue::Null],
        vec![RawValue::Value(Bytes::new())],
        vec![RawValue::Value(Bytes::from(vec![7u8; 100_000]))],
    ]
    .into_iter()
    .enumerate()
    {
        let e = Execute::new(
            Bytes::from_static(PREPARED_ID),
            QueryParameters::new(Consistency::LocalQuorum).with_values(values),
        );
        cases.push(case(
            format!("v1 EXECUTE #{i}"),
            V1,
            e.clone(),
            execute_json(&e),
        ));
    }
    // Empty and short ids.
    for id in [&b""[..], &b"\x01"[..]] {
        let e = Execute::new(
            Bytes::copy_from_slice(id),
            QueryParameters::new(Consistency::One),
        );
        for version in [V1, V2] {
            cases.push(case(
                "EXECUTE short id",
                version,
                e.clone(),
                execute_json(&e),
            ));
        }
    }
    run(&cases);
}

#[test]
fn query_text_unicode_empty_and_long() {
    let long: String = "SELECT * FROM ks.t WHERE k IN (1, 2, 3) -- é漢字🦀\n"
        .chars()
        .cycle()
        .take(70_000)
        .collect();
    assert!(
        long.len() > 65_535,
        "a [long string] beyond a [string]'s reach"
    );
    let mut cases = Vec::new();
    for text in [
        "",
        "SELECT * FROM ks.\"Tàble\" WHERE name = 'Ünïcødé 漢字 🦀'",
        long.as_str(),
    ] {
        for version in [V1, V2] {
            let q = Query::new(text, Consistency::One);
            cases.push(case("QUERY text", version, q.clone(), query_json(&q)));
            let p = Prepare::new(text);
            cases.push(case(
                "PREPARE text",
                version,
                p,
                json!({"type": "PREPARE", "query": text}),
            ));
        }
        let b = Batch::new(BatchType::Logged, Consistency::One)
            .with_statement(BatchStatement::query(text, vec![]));
        cases.push(case("BATCH text", V2, b.clone(), batch_json(&b)));
    }
    run(&cases);
}

#[test]
fn startup_options_credentials_auth_response_register() {
    let mut cases = Vec::new();
    for version in [V1, V2] {
        cases.push(case(
            "STARTUP",
            version,
            Startup::new("3.0.0"),
            json!({"type": "STARTUP", "options": {"CQL_VERSION": "3.0.0"}}),
        ));
        // The oracle gets the options sorted (COMPRESSION < CQL_VERSION) and
        // the driver keeps CQL_VERSION where the JSON put it.
        for c in [Compression::Lz4, Compression::Snappy] {
            let startup = Startup {
                options: vec![
                    ("COMPRESSION".into(), c.name().into()),
                    ("CQL_VERSION".into(), "3.1.0".into()),
                ],
            };
            assert_eq!(startup.compression(), Ok(Some(c)));
            cases.push(case(
                format!("STARTUP {c}"),
                version,
                startup,
                json!({"type": "STARTUP", "options": {"CQL_VERSION": "3.1.0", "COMPRESSION": c.name()}}),
            ));
        }
        // CQL_VERSION first, then another option.
        cases.push(case(
            "STARTUP CQL_VERSION, NO_COMPACT",
            version,
            Startup::new("3.0.0").with_option("NO_COMPACT", "true"),
            json!({"type": "STARTUP", "options": {"CQL_VERSION": "3.0.0", "NO_COMPACT": "true"}}),
        ));
        cases.push(case(
            "OPTIONS",
            version,
            Request::Options,
            json!({"type": "OPTIONS"}),
        ));
        for (name, events) in [
            ("REGISTER 1", vec![EventType::SchemaChange]),
            ("REGISTER 3", EventType::ALL.to_vec()),
            (
                "REGISTER 3 reordered",
                vec![
                    EventType::StatusChange,
                    EventType::SchemaChange,
                    EventType::TopologyChange,
                ],
            ),
        ] {
            let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
            cases.push(case(
                name,
                version,
                Register::new(events),
                json!({"type": "REGISTER", "events": names}),
            ));
        }
    }
    // CREDENTIALS (v1), keys in sorted order as the oracle receives them.
    for creds in [
        vec![("password", "s3cret"), ("username", "cassandra")],
        vec![("password", "pässwörd 🔑"), ("username", "ünicode")],
        vec![],
        vec![("a", ""), ("b", "x")],
    ] {
        let credentials = Credentials {
            credentials: creds
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let map: Map<String, Value> = creds
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect();
        cases.push(case(
            "CREDENTIALS",
            V1,
            credentials,
            json!({"type": "CREDENTIALS", "credentials": map}),
        ));
    }
    // AUTH_RESPONSE (v2): a PLAIN token, an empty and a binary one.
    let plain = AuthResponse::plain("cassandra", "cassandra");
    assert_eq!(plain.token.as_deref(), Some(&b"\0cassandra\0cassandra"[..]));
    for token in [
        plain.token.clone().unwrap(),
        Bytes::new(),
        Bytes::from((0..=255u8).collect::<Vec<_>>()),
    ] {
        cases.push(case(
            "AUTH_RESPONSE",
            V2,
            AuthResponse::new(token.clone()),
            json!({"type": "AUTH_RESPONSE", "token": hex(&token)}),
        ));
    }
    run(&cases);
}

fn batch_json(batch: &Batch) -> Value {
    let statements: Vec<Value> = batch
        .statements
        .iter()
        .map(|s| {
            let mut m = Map::new();
            match &s.query {
                BatchQuery::Query(q) => m.insert("query".into(), q.clone().into()),
                BatchQuery::Prepared(id) => m.insert("prepared_id".into(), hex(id).into()),
            };
            m.insert("values".into(), values_json(&s.values));
            Value::Object(m)
        })
        .collect();
    json!({
        "type": "BATCH",
        "batch_type": batch.batch_type.name(),
        "statements": statements,
        "consistency": batch.consistency.name(),
    })
}

#[test]
fn batch_every_type_mixed_statements() {
    let mut cases = Vec::new();
    for (i, batch_type) in BatchType::ALL.into_iter().enumerate() {
        let consistency = [Consistency::Any, Consistency::Quorum, Consistency::LocalOne][i];
        let mixed = Batch::new(batch_type, consistency)
            .with_statement(BatchStatement::query(
                "INSERT INTO ks.t (k, v) VALUES (1, 'a')",
                vec![],
            ))
            .with_statement(BatchStatement::prepared(
                Bytes::from_static(PREPARED_ID),
                sample_values(),
            ))
            .with_statement(BatchStatement::query(
                "UPDATE ks.t SET v = ? WHERE k = ?",
                vec![RawValue::from(b"z".to_vec()), RawValue::Null],
            ))
            .with_statement(BatchStatement::prepared(
                Bytes::from_static(&[0x01]),
                vec![],
            ));
        cases.push(case(
            format!("BATCH {batch_type} mixed"),
            V2,
            mixed.clone(),
            batch_json(&mixed),
        ));
        let empty = Batch::new(batch_type, Consistency::One);
        cases.push(case(
            format!("BATCH {batch_type} empty"),
            V2,
            empty.clone(),
            batch_json(&empty),
        ));
    }
    // Many statements.
    let mut many = Batch::new(BatchType::Unlogged, Consistency::Two);
    for i in 0..200u32 {
        many = many.with_statement(if i % 2 == 0 {
            BatchStatement::query(format!("INSERT INTO ks.t (k) VALUES ({i})"), vec![])
        } else {
            BatchStatement::prepared(
                Bytes::from_static(PREPARED_ID),
                vec![RawValue::from(i.to_be_bytes().to_vec())],
            )
        });
    }
    cases.push(case(
        "BATCH 200 statements",
        V2,
        many.clone(),
        batch_json(&many),
    ));
    run(&cases);
}

/// Our empty values mean "no VALUES flag"; the driver can also send the
/// flag with a count of 0 (`"values": []`). We must read that as no values.
#[test]
fn driver_values_flag_with_no_values_decodes() {
    let mut py = Oracle::spawn();
    for (message, opcode) in [
        (
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "values": []}),
            Opcode::Query,
        ),
        (
            json!({"type": "EXECUTE", "id": hex(PREPARED_ID), "consistency": "ONE", "values": []}),
            Opcode::Execute,
        ),
    ] {
        let (_, body, _) = encode_theirs(&mut py, V2, &message);
        let decoded = Request::decode_body(V2, opcode, Bytes::from(body.clone()))
            .unwrap_or_else(|e| panic!("{message}: {e}"));
        let params = match &decoded {
            Request::Query(q) => &q.params,
            Request::Execute(e) => &e.params,
            other => panic!("{other:?}"),
        };
        assert_eq!(params, &QueryParameters::new(Consistency::One));
        // The body is ours with the VALUES flag and a zero count.
        let mut ours = encode_ours(V2, &decoded);
        let flags_at = ours.len() - 1;
        assert_eq!(ours[flags_at], 0x00);
        ours[flags_at] = 0x01;
        ours.extend_from_slice(&[0, 0]);
        assert_eq!(hex(&body), hex(&ours), "{message}");
    }
}

/// What the driver cannot send: the oracle must refuse it, and we encode
/// it (where the version allows) for the hand-written vector tests.
#[test]
fn combinations_the_driver_cannot_produce() {
    let mut py = Oracle::spawn();
    let unsupported = [
        (
            V2,
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "skip_metadata": true}),
        ),
        (
            V2,
            json!({"type": "EXECUTE", "id": hex(PREPARED_ID), "consistency": "ONE", "skip_metadata": true}),
        ),
        (
            V2,
            json!({"type": "EXECUTE", "id": hex(PREPARED_ID), "consistency": "ONE",
                    "values": ["01"], "page_size": 10, "skip_metadata": true}),
        ),
        (
            V1,
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "values": ["01"]}),
        ),
        (
            V1,
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "page_size": 10}),
        ),
        (
            V1,
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "paging_state": "01"}),
        ),
        (
            V1,
            json!({"type": "QUERY", "query": "SELECT 1", "consistency": "ONE", "serial_consistency": "SERIAL"}),
        ),
        (
            V1,
            json!({"type": "EXECUTE", "id": "01", "consistency": "ONE", "page_size": 10}),
        ),
        (
            V1,
            json!({"type": "EXECUTE", "id": "01", "consistency": "ONE", "serial_consistency": "LOCAL_SERIAL"}),
        ),
        (V2, json!({"type": "AUTH_RESPONSE", "token": null})),
        (V1, json!({"type": "AUTH_RESPONSE", "token": "00"})),
        (
            V2,
            json!({"type": "CREDENTIALS", "credentials": {"username": "u"}}),
        ),
        (
            V1,
            json!({"type": "BATCH", "batch_type": "LOGGED", "statements": [], "consistency": "ONE"}),
        ),
        (
            V2,
            json!({"type": "STARTUP", "options": {"COMPRESSION": "lz4"}}),
        ),
    ];
    for (version, message) in unsupported {
        let answer = py.call(json!({
            "op": "encode_request",
            "version": version_number(version),
            "message": message,
        }));
        assert_eq!(
            answer["ok"], false,
            "{message} on {version}: the driver now produces it: {answer}"
        );
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("unsupported by python driver"),
            "{message} on {version}: {error}"
        );
    }

    // Our side of those the protocol allows: encodable, and they round-trip.
    let ours: [(ProtocolVersion, Request); 5] = [
        (
            V2,
            Query::with_params(
                "SELECT 1",
                QueryParameters::new(Consistency::One).with_skip_metadata(true),
            )
            .into(),
        ),
        (
            V2,
            Execute::new(
                Bytes::from_static(PREPARED_ID),
                QueryParameters::new(Consistency::One)
                    .with_values(sample_values())
                    .with_page_size(10)
                    .with_skip_metadata(true),
            )
            .into(),
        ),
        (V2, AuthResponse { token: None }.into()),
        (
            V2,
            Startup::default().with_compression(Compression::Lz4).into(),
        ),
        (V1, Credentials::default().into()),
    ];
    for (version, request) in ours {
        let body = encode_ours(version, &request);
        let decoded = Request::decode_body(version, request.opcode(), Bytes::from(body)).unwrap();
        assert_eq!(decoded, request);
    }

    // A page_size of 0 is "not set" to the driver (it tests truthiness):
    // no PAGE_SIZE flag, unlike ours. Not a codec difference; noted here.
    let (_, body, _) = encode_theirs(
        &mut py,
        V2,
        &json!({"type": "QUERY", "query": "", "consistency": "ONE", "page_size": 0}),
    );
    assert_eq!(hex(&body), "00000000000100");
}
