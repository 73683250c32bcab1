//! Fault injection: injected errors, delays, silence and closed
//! connections, the matchers and budgets, the registry, and the CLI's
//! `fault` commands. Clients are raw sockets speaking protocol v2.

mod support;

use std::future::Future;
use std::io::BufReader;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cql_protocol::message::request::{
    Batch, BatchStatement, BatchType, Execute, Prepare, Query, QueryParameters, Request, Startup,
};
use cql_protocol::message::response::{ErrorKind, ErrorResponse, Response, ResultBody, WriteType};
use cql_protocol::{Consistency, Opcode, ProtocolVersion};
use cql_testcluster::cluster::TestCluster;
use cql_testcluster::server::{parse_rule, FaultRule, Outcome, RuleId};
use support::{control, read_line, Client};
use tokio::io::AsyncReadExt;

const LOCAL: &str = "SELECT release_version FROM system.local";
const PEERS: &str = "SELECT peer FROM system.peers";

async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("test timed out");
}

async fn cluster(block: u8, nodes: usize) -> TestCluster {
    TestCluster::builder()
        .nodes(nodes)
        .address(Ipv4Addr::new(127, 0, block, 1))
        .port(0)
        .start()
        .await
        .expect("cluster starts")
}

fn node(cluster: &TestCluster, index: usize) -> SocketAddr {
    cluster.node(index).expect("node exists").address
}

fn is_rows(response: &Response) -> bool {
    matches!(response, Response::Result(ResultBody::Rows(_)))
}

fn error_of(response: Response) -> ErrorResponse {
    match response {
        Response::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_errors_carry_their_exact_code_and_fields() {
    bounded(async {
        let cluster = cluster(30, 2).await;
        let faults = cluster.faults();
        let errors = [
            ErrorKind::ReadTimeout {
                consistency: Consistency::Quorum,
                received: 1,
                block_for: 2,
                data_present: true,
            },
            ErrorKind::WriteTimeout {
                consistency: Consistency::LocalQuorum,
                received: 0,
                block_for: 3,
                write_type: WriteType::UnloggedBatch,
            },
            ErrorKind::Unavailable {
                consistency: Consistency::All,
                required: 3,
                alive: 2,
            },
            ErrorKind::Overloaded,
            ErrorKind::IsBootstrapping,
            ErrorKind::ServerError,
            ErrorKind::AlreadyExists {
                keyspace: "ks".into(),
                table: "t".into(),
            },
            ErrorKind::Unprepared {
                id: vec![1, 2, 3].into(),
            },
        ];
        for (i, kind) in errors.iter().enumerate() {
            faults.add(
                FaultRule::new()
                    .query_contains(format!("/* fault {i} */"))
                    .reply(kind.clone(), format!("injected {i}")),
            );
        }
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        for (i, kind) in errors.iter().enumerate() {
            let text = format!("{LOCAL} /* fault {i} */");
            let stream = i16::try_from(i + 1).unwrap();
            let error = error_of(client.query(stream, &text, Consistency::One).await.response);
            assert_eq!(
                error,
                ErrorResponse::new(kind.clone(), format!("injected {i}"))
            );
        }
        assert!(is_rows(
            &client.query(20, LOCAL, Consistency::One).await.response
        ));
        for id in faults.ids() {
            assert_eq!(faults.hits(id), 1);
        }
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_fires_n_times_then_requests_are_handled_normally() {
    bounded(async {
        let cluster = cluster(31, 2).await;
        let id = cluster.faults().add(
            FaultRule::new()
                .query_contains("system.local")
                .times(2)
                .reply(ErrorKind::Overloaded, "busy"),
        );
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        for stream in 1..=2 {
            let error = error_of(client.query(stream, LOCAL, Consistency::One).await.response);
            assert_eq!(error.kind, ErrorKind::Overloaded);
        }
        for stream in 3..=5 {
            assert!(is_rows(
                &client.query(stream, LOCAL, Consistency::One).await.response
            ));
        }
        assert_eq!(cluster.faults().hits(id), 2);
        // The exhausted rule stays registered; a later rule still fires.
        let later = cluster
            .faults()
            .add(FaultRule::new().reply(ErrorKind::IsBootstrapping, "later"));
        let error = error_of(client.query(6, LOCAL, Consistency::One).await.response);
        assert_eq!(error.kind, ErrorKind::IsBootstrapping);
        assert_eq!(cluster.faults().hits(id), 2);
        assert_eq!(cluster.faults().hits(later), 1);
        assert_eq!(cluster.faults().ids(), vec![id, later]);

        // The activity log marks the requests a rule fired for.
        let marks: Vec<Option<RuleId>> = cluster
            .activity()
            .entries()
            .iter()
            .filter(|e| e.opcode == Opcode::Query)
            .map(|e| e.fault)
            .collect();
        assert_eq!(
            marks,
            vec![Some(id), Some(id), None, None, None, Some(later)]
        );
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probability_zero_never_fires_and_one_always_fires() {
    bounded(async {
        let cluster = cluster(32, 2).await;
        let never = cluster.faults().add(
            FaultRule::new()
                .query_contains("system.local")
                .probability(0.0)
                .reply(ErrorKind::Overloaded, "never"),
        );
        let always = cluster.faults().add(
            FaultRule::new()
                .query_contains("system.peers")
                .probability(1.0)
                .reply(ErrorKind::Overloaded, "always"),
        );
        let mut client = Client::ready(node(&cluster, 2), ProtocolVersion::V2).await;
        for stream in 1..=25 {
            assert!(is_rows(
                &client.query(stream, LOCAL, Consistency::One).await.response
            ));
            let error = error_of(client.query(stream, PEERS, Consistency::One).await.response);
            assert_eq!(error.message, "always");
        }
        assert_eq!(cluster.faults().hits(never), 0);
        assert_eq!(cluster.faults().hits(always), 25);
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_opcode_consistency_and_text_matchers_select_requests() {
    bounded(async {
        let cluster = cluster(33, 3).await;
        let faults = cluster.faults();
        let mut n1 = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        let mut n2 = Client::ready(node(&cluster, 2), ProtocolVersion::V2).await;
        let mut n3 = Client::ready(node(&cluster, 3), ProtocolVersion::V2).await;

        // Node by index, and by address.
        let by_index = faults.add(FaultRule::new().node(2).reply(ErrorKind::Overloaded, "n2"));
        let by_ip = faults.add(
            FaultRule::new()
                .node_ip(node(&cluster, 3).ip())
                .reply(ErrorKind::Overloaded, "n3"),
        );
        assert!(is_rows(
            &n1.query(1, LOCAL, Consistency::One).await.response
        ));
        assert_eq!(
            error_of(n2.query(1, LOCAL, Consistency::One).await.response).message,
            "n2"
        );
        assert_eq!(
            error_of(n3.query(1, LOCAL, Consistency::One).await.response).message,
            "n3"
        );
        assert_eq!((faults.hits(by_index), faults.hits(by_ip)), (1, 1));
        faults.clear();
        assert!(faults.is_empty());

        // Opcode: a PREPARE rule leaves QUERY alone.
        faults.add(
            FaultRule::new()
                .opcode(Opcode::Prepare)
                .reply(ErrorKind::ServerError, "no prepare"),
        );
        assert!(is_rows(
            &n1.query(2, LOCAL, Consistency::One).await.response
        ));
        let prepared = n1.request(3, Request::Prepare(Prepare::new(LOCAL))).await;
        assert_eq!(error_of(prepared.response).message, "no prepare");
        faults.clear();

        // Consistency.
        faults.add(
            FaultRule::new()
                .consistency(Consistency::Quorum)
                .consistency(Consistency::All)
                .reply(ErrorKind::Overloaded, "cl"),
        );
        assert!(is_rows(
            &n1.query(4, LOCAL, Consistency::One).await.response
        ));
        assert_eq!(
            error_of(n1.query(5, LOCAL, Consistency::Quorum).await.response).message,
            "cl"
        );
        assert_eq!(
            error_of(n1.query(6, LOCAL, Consistency::All).await.response).message,
            "cl"
        );
        faults.clear();

        // Substring and regex.
        faults.add(
            FaultRule::new()
                .query_contains("FROM system.peers")
                .reply(ErrorKind::Overloaded, "substring"),
        );
        faults.add(
            FaultRule::new()
                .query_pattern(r"(?i)^select\s+key\b")
                .unwrap()
                .reply(ErrorKind::Overloaded, "regex"),
        );
        assert!(is_rows(
            &n1.query(7, LOCAL, Consistency::One).await.response
        ));
        assert_eq!(
            error_of(n1.query(8, PEERS, Consistency::One).await.response).message,
            "substring"
        );
        let key = "select  key FROM system.local";
        assert_eq!(
            error_of(n1.query(9, key, Consistency::One).await.response).message,
            "regex"
        );
        let not_key = "SELECT key_alias FROM system.local";
        assert!(!matches!(
            n1.query(10, not_key, Consistency::One).await.response,
            Response::Error(ErrorResponse { ref message, .. }) if message == "regex"
        ));
        faults.clear();

        // All conditions must hold.
        faults.add(
            FaultRule::new()
                .node(1)
                .opcode(Opcode::Query)
                .consistency(Consistency::Two)
                .query_contains("system.local")
                .reply(ErrorKind::Overloaded, "all"),
        );
        assert!(is_rows(
            &n2.query(11, LOCAL, Consistency::Two).await.response
        ));
        assert!(is_rows(
            &n1.query(12, LOCAL, Consistency::One).await.response
        ));
        assert!(is_rows(
            &n1.query(13, PEERS, Consistency::Two).await.response
        ));
        assert_eq!(
            error_of(n1.query(14, LOCAL, Consistency::Two).await.response).message,
            "all"
        );
        faults.clear();
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_and_batch_match_the_prepared_statement_text() {
    bounded(async {
        let cluster = cluster(34, 2).await;
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        for (i, ddl) in [
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            "CREATE TABLE ks.t (k int PRIMARY KEY, v int)",
        ]
        .iter()
        .enumerate()
        {
            let response = client.query(i as i16 + 1, ddl, Consistency::One).await.response;
            assert!(!matches!(response, Response::Error(_)), "{response:?}");
        }
        let insert = "INSERT INTO ks.t (k, v) VALUES (1, 2)";
        let select = "SELECT v FROM ks.t WHERE k = 1";
        let mut ids = Vec::new();
        for (i, text) in [insert, select].iter().enumerate() {
            let frame = client
                .request(10 + i as i16, Request::Prepare(Prepare::new(*text)))
                .await;
            let Response::Result(ResultBody::Prepared(p)) = frame.response else {
                panic!("{frame:?}");
            };
            ids.push(p.id);
        }
        assert_eq!(
            cluster.faults().prepared_text(&ids[1]).as_deref(),
            Some(select)
        );
        let rule = cluster.faults().add(
            FaultRule::new()
                .opcodes([Opcode::Execute, Opcode::Batch])
                .query_contains("INSERT INTO ks.t")
                .reply(
                    ErrorKind::WriteTimeout {
                        consistency: Consistency::One,
                        received: 0,
                        block_for: 1,
                        write_type: WriteType::Simple,
                    },
                    "write timeout",
                ),
        );
        let execute = |id| {
            Request::Execute(Execute::new(
                id,
                QueryParameters::new(Consistency::One),
            ))
        };
        let insert_error = client.request(20, execute(ids[0].clone())).await;
        assert_eq!(error_of(insert_error.response).message, "write timeout");
        let selected = client.request(21, execute(ids[1].clone())).await;
        assert!(is_rows(&selected.response), "{selected:?}");
        // A QUERY with the same text is not an EXECUTE.
        assert!(!matches!(
            client.query(22, insert, Consistency::One).await.response,
            Response::Error(_)
        ));
        // A batch holding the statement, by id or by text.
        for (stream, statement) in [
            (23, BatchStatement::prepared(ids[0].clone(), Vec::new())),
            (24, BatchStatement::query(insert, Vec::new())),
        ] {
            let batch =
                Batch::new(BatchType::Logged, Consistency::One).with_statement(statement);
            let frame = client.request(stream, Request::Batch(batch)).await;
            assert_eq!(error_of(frame.response).message, "write timeout");
        }
        let other = Batch::new(BatchType::Logged, Consistency::One)
            .with_statement(BatchStatement::query(
                "insert into ks.t (k, v) VALUES (5, 6)",
                Vec::new(),
            ));
        let frame = client.request(25, Request::Batch(other)).await;
        assert_eq!(frame.response, Response::Result(ResultBody::Void));
        assert_eq!(cluster.faults().hits(rule), 3);

        // By prepared id.
        cluster.faults().clear();
        cluster.faults().add(
            FaultRule::new()
                .prepared_id(ids[1].clone())
                .reply(ErrorKind::Overloaded, "by id"),
        );
        let frame = client.request(26, execute(ids[1].clone())).await;
        assert_eq!(error_of(frame.response).message, "by id");
        let frame = client.request(27, execute(ids[0].clone())).await;
        assert_eq!(frame.response, Response::Result(ResultBody::Void));
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delays_reorder_responses_on_one_connection() {
    bounded(async {
        let cluster = cluster(35, 2).await;
        cluster.faults().add(
            FaultRule::new()
                .query_contains("system.peers")
                .delay(Duration::from_millis(300)),
        );
        cluster.faults().add(
            FaultRule::new()
                .query_contains("/* late error */")
                .delay(Duration::from_millis(300))
                .reply(ErrorKind::Overloaded, "late"),
        );
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;

        // Delayed, then handled normally: answered after a later request.
        client
            .send(1, Request::Query(Query::new(PEERS, Consistency::One)))
            .await;
        client
            .send(2, Request::Query(Query::new(LOCAL, Consistency::One)))
            .await;
        let first = client.recv().await;
        let second = client.recv().await;
        assert_eq!((first.stream, second.stream), (2, 1));
        assert!(is_rows(&first.response));
        assert!(is_rows(&second.response), "{second:?}");

        // Delayed, then an error.
        let late = format!("{LOCAL} /* late error */");
        client
            .send(3, Request::Query(Query::new(late, Consistency::One)))
            .await;
        client
            .send(4, Request::Query(Query::new(LOCAL, Consistency::One)))
            .await;
        let first = client.recv().await;
        let second = client.recv().await;
        assert_eq!((first.stream, second.stream), (4, 3));
        assert!(is_rows(&first.response));
        assert_eq!(error_of(second.response).message, "late");
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_response_leaves_the_stream_unanswered() {
    bounded(async {
        let cluster = cluster(36, 2).await;
        let rule = cluster.faults().add(
            FaultRule::new()
                .query_contains("system.peers")
                .no_response(),
        );
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        client
            .send(1, Request::Query(Query::new(PEERS, Consistency::One)))
            .await;
        for stream in 2..=4 {
            let frame = client
                .request(stream, Request::Query(Query::new(LOCAL, Consistency::One)))
                .await;
            assert!(is_rows(&frame.response));
        }
        assert_eq!(cluster.faults().hits(rule), 1);
        // Removing the rule does not answer the silenced request; new
        // requests are answered again.
        assert!(cluster.faults().remove(rule));
        assert!(!cluster.faults().remove(rule));
        let frame = client
            .request(5, Request::Query(Query::new(PEERS, Consistency::One)))
            .await;
        assert!(is_rows(&frame.response));
        // Stream 1 stays unanswered: nothing is pending on the socket.
        let pending = tokio::time::timeout(
            Duration::from_millis(300),
            client.socket.read_buf(&mut client.buf),
        )
        .await;
        assert!(pending.is_err(), "unexpected data: {pending:?}");
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_drops_the_connection_and_others_keep_working() {
    bounded(async {
        let cluster = cluster(37, 2).await;
        let rule = cluster.faults().add(
            FaultRule::new()
                .query_contains("system.peers")
                .times(1)
                .close_connection(),
        );
        let mut victim = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        let mut other = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        victim
            .send(1, Request::Query(Query::new(PEERS, Consistency::One)))
            .await;
        assert!(victim.try_recv().await.is_none(), "the connection closes");
        assert!(is_rows(
            &other.query(1, PEERS, Consistency::One).await.response
        ));
        let mut again = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        assert!(is_rows(
            &again.query(1, PEERS, Consistency::One).await.response
        ));
        assert_eq!(cluster.faults().hits(rule), 1);

        // After a delay, too.
        cluster.faults().add(
            FaultRule::new()
                .query_contains("/* bye */")
                .delay(Duration::from_millis(100))
                .close_connection(),
        );
        again
            .send(
                2,
                Request::Query(Query::new(format!("{LOCAL} /* bye */"), Consistency::One)),
            )
            .await;
        assert!(again.try_recv().await.is_none(), "the connection closes");
        assert!(is_rows(
            &other.query(2, LOCAL, Consistency::One).await.response
        ));
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_and_startup_are_selected_only_by_name() {
    bounded(async {
        let cluster = cluster(38, 1).await;
        // A rule without opcodes does not touch the handshake.
        cluster
            .faults()
            .add(FaultRule::new().reply(ErrorKind::Overloaded, "data"));
        let mut client = Client::ready(node(&cluster, 1), ProtocolVersion::V2).await;
        assert_eq!(
            error_of(client.query(1, LOCAL, Consistency::One).await.response).message,
            "data"
        );
        cluster.faults().clear();
        cluster.faults().add(
            FaultRule::new()
                .opcode(Opcode::Startup)
                .times(1)
                .reply(ErrorKind::IsBootstrapping, "starting"),
        );
        let mut client = Client::connect(node(&cluster, 1), ProtocolVersion::V2).await;
        let frame = client
            .request(0, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_eq!(error_of(frame.response).kind, ErrorKind::IsBootstrapping);
        let frame = client
            .request(1, Request::Startup(Startup::new("3.0.0")))
            .await;
        assert_eq!(frame.response, Response::Ready);
        cluster.shutdown().await;
    })
    .await;
}

#[test]
fn rule_specs_parse() {
    let rule = parse_rule(
        "node=2 opcode=QUERY contains=FROM%20ks.t times=1 error=read_timeout cl=QUORUM received=1 block_for=2 data_present=true",
    )
    .unwrap();
    assert_eq!(
        rule.get_reaction().outcome,
        Outcome::Error(ErrorResponse::new(
            ErrorKind::ReadTimeout {
                consistency: Consistency::Quorum,
                received: 1,
                block_for: 2,
                data_present: true,
            },
            "Operation timed out - received only 1 responses.",
        ))
    );
    let rule = parse_rule("error=write_timeout write_type=batch_log message=slow+down").unwrap();
    assert_eq!(
        rule.get_reaction().outcome,
        Outcome::Error(ErrorResponse::new(
            ErrorKind::WriteTimeout {
                consistency: Consistency::One,
                received: 0,
                block_for: 1,
                write_type: WriteType::BatchLog,
            },
            "slow down",
        ))
    );
    let rule = parse_rule("opcode=EXECUTE,BATCH delay_ms=500 probability=0.25").unwrap();
    assert_eq!(rule.get_reaction().delay, Some(Duration::from_millis(500)));
    assert_eq!(
        parse_rule("drop").unwrap().get_reaction().outcome,
        Outcome::NoResponse
    );
    assert_eq!(
        parse_rule("close").unwrap().get_reaction().outcome,
        Outcome::Close
    );
    for bad in [
        "node=x",
        "opcode=NOPE",
        "error=nope",
        "times=-1",
        "probability=2",
        "regex=(",
        "drop close",
        "contains=%zz",
        "frob=1",
        "message=x",
    ] {
        assert!(parse_rule(bad).is_err(), "{bad}");
    }
}

#[test]
fn cli_fault_commands_over_the_control_port() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args([
            "--nodes",
            "2",
            "--address",
            "127.0.39.1",
            "--port",
            "0",
            "--control-port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let parse =
        |line: &str| -> SocketAddr { line.split_whitespace().nth(4).unwrap().parse().unwrap() };
    let node1 = parse(&read_line(&mut out));
    let node2 = parse(&read_line(&mut out));
    let control_line = read_line(&mut out);
    let control_addr: SocketAddr = control_line
        .strip_prefix("control ready at ")
        .unwrap()
        .parse()
        .unwrap();
    let mut stream = std::net::TcpStream::connect(control_addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let add = "fault add node=2 opcode=QUERY contains=FROM%20system.local times=1 error=read_timeout cl=QUORUM received=1 block_for=2";
        assert_eq!(control(&mut stream, &mut reader, add), "ok 1");
        assert_eq!(
            control(
                &mut stream,
                &mut reader,
                "fault add regex=peers$ error=unavailable cl=ALL required=2 alive=1"
            ),
            "ok 2"
        );
        assert_eq!(control(&mut stream, &mut reader, "fault list"), "ok 1 2");
        assert!(control(&mut stream, &mut reader, "fault add error=bogus").starts_with("error "));
        assert!(control(&mut stream, &mut reader, "fault remove 9").starts_with("error "));
        assert!(control(&mut stream, &mut reader, "fault frob").starts_with("error "));

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(bounded(async {
            let mut c1 = Client::ready(node1, ProtocolVersion::V2).await;
            let mut c2 = Client::ready(node2, ProtocolVersion::V2).await;
            assert!(is_rows(
                &c1.query(1, LOCAL, Consistency::One).await.response
            ));
            let error = error_of(c2.query(1, LOCAL, Consistency::One).await.response);
            assert_eq!(
                error,
                ErrorResponse::new(
                    ErrorKind::ReadTimeout {
                        consistency: Consistency::Quorum,
                        received: 1,
                        block_for: 2,
                        data_present: false,
                    },
                    "Operation timed out - received only 1 responses.",
                )
            );
            assert!(is_rows(
                &c2.query(2, LOCAL, Consistency::One).await.response
            ));
            let error = error_of(c1.query(2, PEERS, Consistency::One).await.response);
            assert_eq!(
                error.kind,
                ErrorKind::Unavailable {
                    consistency: Consistency::All,
                    required: 2,
                    alive: 1,
                }
            );
        }));
        assert_eq!(control(&mut stream, &mut reader, "fault hits 1"), "ok 1");
        assert_eq!(control(&mut stream, &mut reader, "fault hits 2"), "ok 1");
        assert_eq!(
            control(&mut stream, &mut reader, "fault remove 1"),
            "ok removed 1"
        );
        assert_eq!(
            control(&mut stream, &mut reader, "fault clear"),
            "ok cleared"
        );
        assert_eq!(control(&mut stream, &mut reader, "fault list"), "ok");
        runtime.block_on(bounded(async {
            let mut c1 = Client::ready(node1, ProtocolVersion::V2).await;
            assert!(is_rows(
                &c1.query(1, PEERS, Consistency::One).await.response
            ));
        }));
    }));

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert!(exit.success(), "{exit:?}");
}
