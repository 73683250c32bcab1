//! The session against the in-process test cluster: statements, values,
//! paging, batches, tracing, keyspaces, versions, compression, auth and TLS.

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use cql_driver::protocol::message::response::ErrorKind;
use cql_driver::{
    BatchType, Compression, ConnectionError, Consistency, NewSessionError, ProtocolVersion,
    QueryError, RowError,
};
use support::{builder, cluster, session_with_keyspace};

#[tokio::test]
async fn simple_and_prepared_statements_round_trip_values() {
    let cluster = cluster(30, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    assert_eq!(session.protocol_version(), ProtocolVersion::V2);
    assert_eq!(session.keyspace().as_deref(), Some("ks"));
    session
        .query(
            "CREATE TABLE users (id int PRIMARY KEY, name text, tags set<text>, score double)",
            (),
        )
        .await
        .unwrap();
    // A simple statement with values typed by their Rust types.
    session
        .query(
            "INSERT INTO users (id, name, score) VALUES (?, ?, ?)",
            (1i32, "ada", 2.5f64),
        )
        .await
        .unwrap();
    let insert = session
        .prepare("INSERT INTO users (id, name, tags) VALUES (?, ?, ?)")
        .await
        .unwrap();
    assert_eq!(insert.bound_columns().len(), 3);
    assert_eq!(insert.partition_key_indexes(), Some(&[0usize][..]));
    let tags: std::collections::BTreeSet<String> = ["x".into(), "y".into()].into();
    session
        .execute(&insert, (2i32, "bob", &tags))
        .await
        .unwrap();

    let select = session
        .prepare("SELECT id, name, tags, score FROM users WHERE id = ?")
        .await
        .unwrap();
    let row = session
        .execute(&select, (1i32,))
        .await
        .unwrap()
        .single_row()
        .unwrap();
    assert_eq!(row.get::<i32>("id").unwrap(), 1);
    assert_eq!(row.get::<&str>("name").unwrap(), "ada");
    assert_eq!(row.get::<Option<f64>>(3).unwrap(), Some(2.5));
    let (id, name, tags_back, score): (i32, String, Option<Vec<String>>, Option<f64>) = session
        .execute(&select, (2i32,))
        .await
        .unwrap()
        .first_row_typed()
        .unwrap();
    assert_eq!((id, name.as_str(), score), (2, "bob", None));
    assert_eq!(tags_back, Some(vec!["x".to_string(), "y".to_string()]));

    // Preparing again hits the cache: same id, no new PREPARE on the wire.
    let before = prepares(&cluster);
    let again = session
        .prepare("SELECT id, name, tags, score FROM users WHERE id = ?")
        .await
        .unwrap();
    assert_eq!(again.id(), select.id());
    assert_eq!(prepares(&cluster), before);

    // Type mismatches are errors, not panics, on both sides.
    let err = session.execute(&select, ("not an int",)).await.unwrap_err();
    assert!(matches!(err, QueryError::Value(_)), "{err}");
    let err = session.execute(&select, (1i32, 2i32)).await.unwrap_err();
    assert!(matches!(err, QueryError::Value(_)), "{err}");
    let row = session
        .execute(&select, (1i32,))
        .await
        .unwrap()
        .single_row()
        .unwrap();
    assert!(matches!(row.get::<i64>("id"), Err(RowError::Value { .. })));
    assert!(matches!(
        row.get::<i32>("nope"),
        Err(RowError::NoSuchColumn { .. })
    ));
    session.shutdown().await;
    cluster.shutdown().await;
}

/// The first contact point's error of a failed build.
fn first_contact_error(err: &NewSessionError) -> &ConnectionError {
    match err {
        NewSessionError::ContactPoints(errors) if !errors.is_empty() => &errors[0],
        other => panic!("expected a contact point error, got {other}"),
    }
}

fn prepares(cluster: &cql_testcluster::cluster::TestCluster) -> usize {
    cluster
        .activity()
        .entries()
        .iter()
        .filter(|e| e.opcode == cql_driver::protocol::Opcode::Prepare)
        .count()
}

#[tokio::test]
async fn server_errors_keep_their_kind_and_message() {
    let cluster = cluster(31, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    let err = session.query("SELEC nothing", ()).await.unwrap_err();
    assert!(matches!(err.kind(), Some(ErrorKind::SyntaxError)), "{err}");
    let err = session
        .query("SELECT * FROM missing_table", ())
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), Some(ErrorKind::Invalid)), "{err}");
    assert!(err.to_string().contains("missing_table"), "{err}");
    session
        .query("CREATE TABLE t (k int PRIMARY KEY)", ())
        .await
        .unwrap();
    let err = session
        .query("CREATE TABLE t (k int PRIMARY KEY)", ())
        .await
        .unwrap_err();
    match err.kind() {
        Some(ErrorKind::AlreadyExists { keyspace, table }) => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("ks", "t"));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    // A non-existent keyspace at build time is a typed error.
    let err = builder(&cluster)
        .keyspace("nope")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, NewSessionError::Keyspace(_)), "{err}");
    cluster.shutdown().await;
}

#[tokio::test]
async fn paging_over_ten_thousand_rows_as_a_stream_and_by_hand() {
    let cluster = cluster(32, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    session
        .query(
            "CREATE TABLE p (k int, c int, v text, PRIMARY KEY (k, c))",
            (),
        )
        .await
        .unwrap();
    // 100 partitions of 100 rows: pages cross partition boundaries.
    let insert = session
        .prepare("INSERT INTO p (k, c, v) VALUES (?, ?, ?)")
        .await
        .unwrap();
    let mut writes = futures_util::stream::iter(0..10_000i32)
        .map(|i| {
            let session = session.clone();
            let insert = insert.clone();
            async move {
                session
                    .execute(&insert, (i / 100, i % 100, format!("v{i}")))
                    .await
            }
        })
        .buffer_unordered(64);
    while let Some(result) = writes.next().await {
        result.unwrap();
    }

    let query = cql_driver::Query::new("SELECT k, c, v FROM p").with_page_size(1000);
    let mut stream = session.query_iter(query.clone(), ()).await.unwrap();
    assert_eq!(
        stream.pages_fetched(),
        1,
        "only the first page is fetched up front"
    );
    let mut seen = std::collections::HashSet::new();
    while let Some(row) = stream.next().await {
        let (k, c, v): (i32, i32, String) = row.unwrap().into_typed().unwrap();
        assert_eq!(v, format!("v{}", k * 100 + c));
        assert!(seen.insert((k, c)), "({k}, {c}) came twice");
    }
    assert_eq!(seen.len(), 10_000);
    assert_eq!(stream.pages_fetched(), 10);

    // By hand, with the opaque paging state.
    let mut state = None;
    let mut total = 0;
    let mut pages = 0;
    loop {
        let page = session
            .query_page(query.clone(), (), state.take())
            .await
            .unwrap();
        total += page.rows().unwrap().len();
        pages += 1;
        match page.paging_state() {
            Some(next) => {
                state = Some(cql_driver::PagingState::from_bytes(next.as_bytes().clone()))
            }
            None => break,
        }
    }
    assert_eq!((total, pages), (10_000, 10));

    // Prepared statements page the same way.
    let select = session
        .prepare(cql_driver::Query::new("SELECT c FROM p WHERE k IN (?, ?)").with_page_size(30))
        .await
        .unwrap();
    let rows: Vec<_> = session
        .execute_iter(&select, (3i32, 4i32))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(Result::is_ok));
    cluster.shutdown().await;
}

#[tokio::test]
async fn batches_apply_together_and_need_v2() {
    let cluster = cluster(33, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    session
        .query("CREATE TABLE b (k int PRIMARY KEY, v int)", ())
        .await
        .unwrap();
    let insert = session
        .prepare("INSERT INTO b (k, v) VALUES (?, ?)")
        .await
        .unwrap();
    let mut batch = session.new_batch(BatchType::Logged);
    batch.add_prepared(&insert, (1i32, 10i32)).unwrap();
    batch
        .add_query("INSERT INTO b (k, v) VALUES (?, ?)", (2i32, 20i32))
        .unwrap();
    batch
        .add_query("UPDATE b SET v = 30 WHERE k = 3", ())
        .unwrap();
    session.batch(&batch).await.unwrap();
    let rows: Vec<(i32, i32)> = session
        .query("SELECT k, v FROM b", ())
        .await
        .unwrap()
        .rows_typed()
        .unwrap();
    let map: HashMap<i32, i32> = rows.into_iter().collect();
    assert_eq!(map, HashMap::from([(1, 10), (2, 20), (3, 30)]));
    assert!(
        batch.add_prepared(&insert, (1i32,)).is_err(),
        "wrong value count"
    );

    let empty = session.new_batch(BatchType::Unlogged);
    assert!(matches!(
        session.batch(&empty).await,
        Err(QueryError::Invalid(_))
    ));

    let v1 = builder(&cluster)
        .protocol_version(ProtocolVersion::V1)
        .build()
        .await
        .unwrap();
    let err = v1.batch(&batch).await.unwrap_err();
    assert!(
        matches!(
            err,
            QueryError::Unsupported {
                feature: "BATCH",
                ..
            }
        ),
        "{err}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn tracing_returns_a_readable_trace() {
    let cluster = cluster(34, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    session
        .query("CREATE TABLE tr (k int PRIMARY KEY)", ())
        .await
        .unwrap();
    let query = cql_driver::Query::new("SELECT * FROM tr WHERE k = 1").with_tracing(true);
    let result = session.query(query, ()).await.unwrap();
    let id = result
        .tracing_id()
        .expect("a traced request has a trace id");
    let trace = session.tracing_info(id).await.unwrap();
    assert_eq!(trace.id, id);
    assert_eq!(trace.coordinator, Some(cluster.contact_points()[0].ip()));
    assert!(trace.duration_micros.is_some());
    assert!(!trace.events.is_empty());
    assert!(session
        .query("SELECT * FROM tr", ())
        .await
        .unwrap()
        .tracing_id()
        .is_none());
    cluster.shutdown().await;
}

#[tokio::test]
async fn versions_are_negotiated_or_pinned() {
    let cluster = cluster(35, 1).await;
    for (pinned, expected) in [
        (None, ProtocolVersion::V2),
        (Some(ProtocolVersion::V2), ProtocolVersion::V2),
        (Some(ProtocolVersion::V1), ProtocolVersion::V1),
    ] {
        let mut b = builder(&cluster);
        if let Some(v) = pinned {
            b = b.protocol_version(v);
        }
        let session = b.build().await.unwrap();
        assert_eq!(session.protocol_version(), expected);
        let row = session
            .query(
                "SELECT release_version FROM system.local WHERE key = 'local'",
                (),
            )
            .await
            .unwrap()
            .single_row()
            .unwrap();
        assert!(row.get::<&str>(0).unwrap().starts_with("2.0"));
        session.shutdown().await;
    }
    cluster.shutdown().await;
}

/// A stand-in for Cassandra 1.2 in front of the test cluster: it answers a
/// v2 frame as 1.2 does (a v1 ERROR "Invalid or unsupported protocol
/// version", then close) and passes v1 connections through.
async fn v1_only_proxy(target: std::net::SocketAddr) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.36.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut first = [0u8; 1];
                if client.read_exact(&mut first).await.is_err() {
                    return;
                }
                if first[0] != 0x01 {
                    let message = format!("Invalid or unsupported protocol version: {}", first[0]);
                    let mut body = vec![0, 0, 0, 0x0a];
                    body.extend_from_slice(&(message.len() as u16).to_be_bytes());
                    body.extend_from_slice(message.as_bytes());
                    let mut frame = vec![0x81, 0, 0, 0];
                    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
                    frame.extend_from_slice(&body);
                    let _ = client.write_all(&frame).await;
                    return;
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                if server.write_all(&first).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    address
}

#[tokio::test]
async fn negotiation_falls_back_to_v1_on_a_v1_only_server() {
    let cluster = cluster(36, 1).await;
    let proxy = v1_only_proxy(cluster.contact_points()[0]).await;
    let proxied = || {
        cql_driver::Session::builder()
            .contact_point(proxy.to_string())
            .port(proxy.port())
            .request_timeout(Duration::from_secs(5))
    };
    let session = proxied().build().await.unwrap();
    assert_eq!(session.protocol_version(), ProtocolVersion::V1);
    session
        .query("SELECT * FROM system.local", ())
        .await
        .unwrap();
    session.shutdown().await;
    let err = proxied()
        .protocol_version(ProtocolVersion::V2)
        .build()
        .await
        .unwrap_err();
    let first = first_contact_error(&err);
    assert!(
        matches!(first, ConnectionError::UnsupportedVersion { .. }),
        "{first:?}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn compression_lz4_and_snappy() {
    let cluster = cluster(37, 1).await;
    for compression in [Compression::Lz4, Compression::Snappy] {
        let session = builder(&cluster)
            .compression(Some(compression))
            .build()
            .await
            .unwrap();
        let big = "x".repeat(10_000);
        let row = session
            .query(
                "SELECT cluster_name FROM system.local WHERE key = ?",
                ("local",),
            )
            .await
            .unwrap()
            .single_row()
            .unwrap();
        assert!(!row.get::<&str>(0).unwrap().is_empty());
        // A large value goes through compressed in both directions.
        session
            .query(
                "CREATE KEYSPACE IF NOT EXISTS c WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
                (),
            )
            .await
            .unwrap();
        session
            .query(
                "CREATE TABLE IF NOT EXISTS c.t (k int PRIMARY KEY, v text)",
                (),
            )
            .await
            .unwrap();
        session
            .query("INSERT INTO c.t (k, v) VALUES (1, ?)", (big.as_str(),))
            .await
            .unwrap();
        let back: (String,) = session
            .query("SELECT v FROM c.t WHERE k = 1", ())
            .await
            .unwrap()
            .first_row_typed()
            .unwrap();
        assert_eq!(back.0, big);
        session.shutdown().await;
    }
    let startups: Vec<_> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == cql_driver::protocol::Opcode::Startup)
        .collect();
    assert!(!startups.is_empty());
    cluster.shutdown().await;
}

#[tokio::test]
async fn password_authentication_on_v2_and_v1() {
    let cluster = cql_testcluster::cluster::TestCluster::builder()
        .address(std::net::Ipv4Addr::new(127, 0, 38, 1))
        .auth(("app", "secret"))
        .start()
        .await
        .unwrap();
    for version in [ProtocolVersion::V2, ProtocolVersion::V1] {
        let session = builder(&cluster)
            .protocol_version(version)
            .user("app", "secret")
            .build()
            .await
            .unwrap();
        session
            .query("SELECT * FROM system.local", ())
            .await
            .unwrap();
        session.shutdown().await;

        let err = builder(&cluster)
            .protocol_version(version)
            .user("app", "wrong")
            .build()
            .await
            .unwrap_err();
        let first = first_contact_error(&err);
        assert!(matches!(first, ConnectionError::Auth { .. }), "{first:?}");
    }
    let credentials = cluster
        .activity()
        .entries()
        .iter()
        .filter(|e| e.opcode == cql_driver::protocol::Opcode::Credentials)
        .count();
    assert!(credentials >= 2, "v1 sends CREDENTIALS");
    let err = builder(&cluster).build().await.unwrap_err();
    let first = first_contact_error(&err);
    assert!(
        matches!(first, ConnectionError::AuthRequired { .. }),
        "{first:?}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn tls_with_a_certificate_made_in_the_test() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.39.1".to_owned()]).unwrap();
    let cert_pem = certified.cert.pem();
    let key_pem = certified.key_pair.serialize_pem();
    let tls = cql_testcluster::server::TlsConfig::from_pem(cert_pem.as_bytes(), key_pem.as_bytes())
        .unwrap();
    let cluster = cql_testcluster::cluster::TestCluster::builder()
        .address(std::net::Ipv4Addr::new(127, 0, 39, 1))
        .tls(tls)
        .start()
        .await
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let client = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let session = builder(&cluster)
        .tls(Arc::new(client))
        .build()
        .await
        .unwrap();
    session
        .query("SELECT * FROM system.local", ())
        .await
        .unwrap();
    session.shutdown().await;

    // A client that does not trust the certificate cannot connect.
    let untrusting = rustls::ClientConfig::builder()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let err = builder(&cluster)
        .tls(Arc::new(untrusting))
        .build()
        .await
        .unwrap_err();
    let first = first_contact_error(&err);
    assert!(matches!(first, ConnectionError::Tls { .. }), "{first:?}");
    // A plain-text client cannot talk to it either, and gets an error, not a hang.
    let err = builder(&cluster)
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, NewSessionError::ContactPoints(_)), "{err}");
    cluster.shutdown().await;
}

#[tokio::test]
async fn use_keyspace_reaches_every_connection_and_shutdown_is_final() {
    let cluster = cluster(40, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    session
        .query("CREATE TABLE k (k int PRIMARY KEY)", ())
        .await
        .unwrap();
    // Every pooled connection resolves the unqualified name.
    for _ in 0..20 {
        session.query("SELECT * FROM k", ()).await.unwrap();
    }
    session.query("USE system", ()).await.unwrap();
    assert_eq!(session.keyspace().as_deref(), Some("system"));
    for _ in 0..20 {
        session.query("SELECT * FROM local", ()).await.unwrap();
    }
    session.shutdown().await;
    let err = session.query("SELECT * FROM local", ()).await.unwrap_err();
    assert!(matches!(err, QueryError::SessionClosed), "{err}");
    let _ = Consistency::One;
    cluster.shutdown().await;
}

#[tokio::test]
async fn a_server_sending_garbage_gives_a_typed_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.41.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 64];
                let _ = socket.read(&mut buf).await;
                // A response header with an unknown opcode, then junk.
                let _ = socket
                    .write_all(&[0x82, 0, 0, 0, 0x77, 0, 0, 0, 2, 1, 2])
                    .await;
                let _ = socket.read(&mut buf).await;
            });
        }
    });
    let err = cql_driver::Session::builder()
        .contact_point(address.to_string())
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap_err();
    let first = first_contact_error(&err);
    assert!(matches!(first, ConnectionError::Decode { .. }), "{first:?}");
}

#[tokio::test]
async fn prepare_and_execute_prepares_once_and_runs_with_the_query_options() {
    let cluster = cluster(42, 1).await;
    let session = session_with_keyspace(&cluster, 1).await;
    session
        .query("CREATE TABLE pe (k int PRIMARY KEY, v text)", ())
        .await
        .unwrap();
    let before = prepares(&cluster);
    // One text kept as an Arc (found by address) and a copy of it (found by
    // content): one PREPARE for both, then EXECUTEs only.
    let text: Arc<str> = Arc::from("INSERT INTO pe (k, v) VALUES (?, ?)");
    for k in 0..3i32 {
        let insert = cql_driver::Query::new(text.clone()).with_consistency(Consistency::All);
        session
            .prepare_and_execute(insert, (k, format!("v{k}")))
            .await
            .unwrap();
    }
    let copy = cql_driver::Query::new(text.to_string()).with_consistency(Consistency::Two);
    let err = session
        .prepare_and_execute(copy, (9i32, "nine"))
        .await
        .unwrap_err();
    // Each execution carries its own query's options: TWO cannot be met by
    // one node, ALL can.
    assert!(
        err.to_string()
            .contains("Cannot achieve consistency level TWO"),
        "{err}"
    );
    assert_eq!(prepares(&cluster), before + 1);
    let executes: Vec<_> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == cql_driver::protocol::Opcode::Execute)
        .collect();
    assert_eq!(executes.len(), 4);
    let levels: Vec<_> = executes.iter().map(|e| e.consistency).collect();
    assert_eq!(
        levels,
        [
            Some(Consistency::All),
            Some(Consistency::All),
            Some(Consistency::All),
            Some(Consistency::Two),
        ]
    );

    // The streaming form pages with the query's page size.
    let select = cql_driver::Query::new("SELECT k, v FROM pe").with_page_size(2);
    let rows: Vec<i32> = session
        .prepare_and_execute_iter(select, ())
        .await
        .unwrap()
        .map(|row| row.unwrap().get::<i32>("k").unwrap())
        .collect()
        .await;
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(sorted, [0, 1, 2]);
    // Three rows in pages of two: the second page was asked for.
    let pages = cluster
        .activity()
        .entries()
        .iter()
        .filter(|e| e.opcode == cql_driver::protocol::Opcode::Execute)
        .count()
        - executes.len();
    assert_eq!(pages, 2);
    cluster.shutdown().await;
}
