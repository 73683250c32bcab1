//! Retry, speculative execution, re-preparation, multiplexing and timeouts
//! under faults injected into the test cluster.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use cql_driver::cluster::PoolSize;
use cql_driver::policies::{
    ConstantSpeculativeExecutionPolicy, DowngradingConsistencyRetryPolicy, FallthroughRetryPolicy,
    RetryPolicy, RoundRobinPolicy,
};
use cql_driver::protocol::message::response::{ErrorKind, WriteType};
use cql_driver::protocol::Opcode;
use cql_driver::{Consistency, Query, QueryError, Session};
use cql_testcluster::cluster::TestCluster;
use cql_testcluster::server::FaultRule;
use support::builder;

async fn round_robin_session(cluster: &TestCluster, retry: Arc<dyn RetryPolicy>) -> Session {
    builder(cluster)
        .load_balancing(Arc::new(RoundRobinPolicy::new()))
        .retry_policy(retry)
        .build()
        .await
        .unwrap()
}

/// The (node, consistency) of each attempt of the query containing `marker`.
fn attempts(
    cluster: &TestCluster,
    marker: &str,
) -> Vec<(std::net::SocketAddr, Option<Consistency>)> {
    cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.query.as_deref().is_some_and(|q| q.contains(marker)))
        .map(|e| (e.node, e.consistency))
        .collect()
}

fn read_timeout(received: i32, block_for: i32, data_present: bool) -> ErrorKind {
    ErrorKind::ReadTimeout {
        consistency: Consistency::Quorum,
        received,
        block_for,
        data_present,
    }
}

fn write_timeout(received: i32, write_type: WriteType) -> ErrorKind {
    ErrorKind::WriteTimeout {
        consistency: Consistency::Quorum,
        received,
        block_for: 2,
        write_type,
    }
}

fn unavailable(alive: i32) -> ErrorKind {
    ErrorKind::Unavailable {
        consistency: Consistency::Quorum,
        required: 2,
        alive,
    }
}

/// Runs `SELECT ... /* marker */` at QUORUM with one injected `error`
/// (on whichever node gets it first) and returns the outcome.
async fn run_with_fault(
    cluster: &TestCluster,
    session: &Session,
    marker: &str,
    error: ErrorKind,
    idempotent: bool,
) -> Result<cql_driver::QueryResult, QueryError> {
    cluster.faults().add(
        FaultRule::new()
            .query_contains(marker)
            .reply(error, "injected")
            .times(1),
    );
    let text = format!("SELECT * FROM system.local WHERE key = 'local' /* {marker} */");
    let query = Query::new(text)
        .with_consistency(Consistency::Quorum)
        .with_idempotent(idempotent);
    session.query(query, ()).await
}

#[tokio::test]
async fn default_retry_policy_decisions() {
    let cluster = support::cluster(60, 2).await;
    let session = builder(&cluster)
        .load_balancing(Arc::new(RoundRobinPolicy::new()))
        .build()
        .await
        .unwrap();

    // Enough replicas answered but not the data: once more, same host.
    run_with_fault(&cluster, &session, "d1", read_timeout(2, 2, false), false)
        .await
        .unwrap();
    let a = attempts(&cluster, "d1");
    assert_eq!(a.len(), 2);
    assert_eq!(a[0], a[1], "same host, same consistency");

    // Too few replicas answered: rethrown, with the typed fields.
    let err = run_with_fault(&cluster, &session, "d2", read_timeout(1, 2, false), false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.kind(),
            Some(ErrorKind::ReadTimeout {
                received: 1,
                block_for: 2,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(attempts(&cluster, "d2").len(), 1);

    // A batch-log write timeout is retried on the same host; a simple one is not.
    run_with_fault(
        &cluster,
        &session,
        "d3",
        write_timeout(0, WriteType::BatchLog),
        false,
    )
    .await
    .unwrap();
    assert_eq!(attempts(&cluster, "d3").len(), 2);
    let err = run_with_fault(
        &cluster,
        &session,
        "d4",
        write_timeout(1, WriteType::Simple),
        true,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err.kind(), Some(ErrorKind::WriteTimeout { .. })),
        "{err}"
    );

    // Unavailable: once, on the next host.
    run_with_fault(&cluster, &session, "d5", unavailable(1), false)
        .await
        .unwrap();
    let a = attempts(&cluster, "d5");
    assert_eq!(a.len(), 2);
    assert_ne!(a[0].0, a[1].0, "next host");

    // Overloaded: the next host when idempotent, rethrown otherwise.
    run_with_fault(&cluster, &session, "d6", ErrorKind::Overloaded, true)
        .await
        .unwrap();
    let a = attempts(&cluster, "d6");
    assert_ne!(a[0].0, a[1].0);
    let err = run_with_fault(&cluster, &session, "d7", ErrorKind::Overloaded, false)
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), Some(ErrorKind::Overloaded)), "{err}");

    // Bootstrapping: always the next host (it never ran the query).
    run_with_fault(&cluster, &session, "d8", ErrorKind::IsBootstrapping, false)
        .await
        .unwrap();
    assert_eq!(attempts(&cluster, "d8").len(), 2);

    // Invalid requests are never retried.
    let err = run_with_fault(&cluster, &session, "d9", ErrorKind::Invalid, true)
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), Some(ErrorKind::Invalid)));
    assert_eq!(attempts(&cluster, "d9").len(), 1);

    // A connection that dies under an idempotent request: the next host.
    cluster.faults().add(
        FaultRule::new()
            .query_contains("d10")
            .close_connection()
            .times(1),
    );
    let query = Query::new("SELECT * FROM system.local /* d10 */").with_idempotent(true);
    session.query(query, ()).await.unwrap();
    let m = session.metrics();
    assert_eq!(
        m.retries, 6,
        "d1, d3, d5, d6, d8 and d10 were retried: {m:?}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn downgrading_consistency_retry_policy_decisions() {
    let cluster = support::cluster(61, 2).await;
    let session = round_robin_session(&cluster, Arc::new(DowngradingConsistencyRetryPolicy)).await;

    // One of two replicas answered: retried at ONE on the same host.
    run_with_fault(&cluster, &session, "g1", read_timeout(1, 2, true), false)
        .await
        .unwrap();
    let a = attempts(&cluster, "g1");
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].0, a[1].0);
    assert_eq!(
        (a[0].1, a[1].1),
        (Some(Consistency::Quorum), Some(Consistency::One))
    );

    // Unavailable with one replica alive: at ONE.
    run_with_fault(&cluster, &session, "g2", unavailable(1), false)
        .await
        .unwrap();
    let a = attempts(&cluster, "g2");
    assert_eq!(a[1].1, Some(Consistency::One));

    // A simple idempotent write that reached a replica: ignored (success).
    let result = run_with_fault(
        &cluster,
        &session,
        "g3",
        write_timeout(1, WriteType::Simple),
        true,
    )
    .await
    .unwrap();
    assert!(!result.has_rows(), "an ignored error gives an empty result");
    assert_eq!(attempts(&cluster, "g3").len(), 1);

    // An unlogged batch write timeout: retried at the achievable level.
    run_with_fault(
        &cluster,
        &session,
        "g4",
        write_timeout(1, WriteType::UnloggedBatch),
        true,
    )
    .await
    .unwrap();
    let a = attempts(&cluster, "g4");
    assert_eq!(a[1].1, Some(Consistency::One));

    // Nothing alive: rethrown.
    let err = run_with_fault(&cluster, &session, "g5", unavailable(0), true)
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), Some(ErrorKind::Unavailable { alive: 0, .. })),
        "{err}"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn fallthrough_retry_policy_never_retries() {
    let cluster = support::cluster(62, 2).await;
    let session = round_robin_session(&cluster, Arc::new(FallthroughRetryPolicy)).await;
    for (marker, error) in [
        ("f1", read_timeout(2, 2, false)),
        ("f2", write_timeout(0, WriteType::BatchLog)),
        ("f3", unavailable(1)),
        ("f4", ErrorKind::Overloaded),
        ("f5", ErrorKind::IsBootstrapping),
    ] {
        let err = run_with_fault(&cluster, &session, marker, error.clone(), true)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), Some(&error), "{marker}");
        assert_eq!(attempts(&cluster, marker).len(), 1, "{marker}");
    }
    // A per-statement policy overrides the session's.
    let query = Query::new("SELECT * FROM system.local /* f6 */")
        .with_retry_policy(Arc::new(cql_driver::policies::DefaultRetryPolicy));
    cluster.faults().add(
        FaultRule::new()
            .query_contains("f6")
            .reply(unavailable(1), "injected")
            .times(1),
    );
    session.query(query, ()).await.unwrap();
    assert_eq!(attempts(&cluster, "f6").len(), 2);
    cluster.shutdown().await;
}

#[tokio::test]
async fn speculative_execution_answers_from_another_host_for_idempotent_statements() {
    let cluster = support::cluster(63, 2).await;
    let session = builder(&cluster)
        .load_balancing(Arc::new(RoundRobinPolicy::new()))
        .speculative_execution(Arc::new(ConstantSpeculativeExecutionPolicy::new(
            Duration::from_millis(100),
            2,
        )))
        .build()
        .await
        .unwrap();
    let slow = cluster.node(1).unwrap().address;
    let fast = cluster.node(2).unwrap().address;
    cluster.faults().add(
        FaultRule::new()
            .node(1)
            .query_contains("spec")
            .delay(Duration::from_secs(3))
            .always(),
    );
    for _ in 0..4 {
        let query = Query::new("SELECT * FROM system.local /* spec */").with_idempotent(true);
        let result = session.query(query, ()).await.unwrap();
        assert_eq!(result.coordinator(), Some(fast));
    }
    assert!(session.metrics().speculative_executions >= 2);
    // Not idempotent: no second copy, so the slow host's answer is awaited.
    let before = session.metrics().speculative_executions;
    let mut coordinators = HashSet::new();
    for _ in 0..2 {
        let result = session
            .query("SELECT * FROM system.local /* spec */", ())
            .await
            .unwrap();
        coordinators.insert(result.coordinator().unwrap());
    }
    assert!(
        coordinators.contains(&slow),
        "round robin hit the slow host and waited for it"
    );
    assert_eq!(session.metrics().speculative_executions, before);
    cluster.shutdown().await;
}

#[tokio::test]
async fn forgotten_prepared_statements_are_prepared_again() {
    let cluster = support::cluster(64, 2).await;
    let session = support::session_with_keyspace(&cluster, 2).await;
    session
        .query("CREATE TABLE fp (k int PRIMARY KEY, v int)", ())
        .await
        .unwrap();
    let insert = session
        .prepare("INSERT INTO fp (k, v) VALUES (?, ?)")
        .await
        .unwrap();
    let prepares = |c: &TestCluster| {
        c.activity()
            .entries()
            .iter()
            .filter(|e| e.opcode == Opcode::Prepare)
            .count()
    };
    session.execute(&insert, (1i32, 1i32)).await.unwrap();
    cluster.forget_prepared(1).unwrap();
    cluster.forget_prepared(2).unwrap();
    let before = prepares(&cluster);
    for k in 0..10i32 {
        session.execute(&insert, (k, k)).await.unwrap();
    }
    assert!(prepares(&cluster) > before, "re-prepared after Unprepared");
    let batch = {
        cluster.forget_prepared(1).unwrap();
        cluster.forget_prepared(2).unwrap();
        let mut b = session.new_batch(cql_driver::BatchType::Logged);
        b.add_prepared(&insert, (100i32, 100i32)).unwrap();
        b
    };
    session.batch(&batch).await.unwrap();
    let (v,): (i32,) = session
        .query("SELECT v FROM fp WHERE k = 100", ())
        .await
        .unwrap()
        .first_row_typed()
        .unwrap();
    assert_eq!(v, 100);
    cluster.shutdown().await;
}

#[tokio::test]
async fn ten_thousand_concurrent_requests_through_one_connection() {
    let cluster = support::cluster(65, 1).await;
    let session = builder(&cluster)
        .pool_size(PoolSize {
            local: 1,
            remote: 0,
        })
        .request_timeout(Duration::from_secs(60))
        .build()
        .await
        .unwrap();
    assert_eq!(session.pool_sizes(), vec![(cluster.contact_points()[0], 1)]);
    let statement = session
        .prepare("SELECT key FROM system.local WHERE key = ?")
        .await
        .unwrap();
    cluster.activity().clear();
    let tasks: Vec<_> = (0..10_000)
        .map(|_| {
            let session = session.clone();
            let statement = statement.clone();
            tokio::spawn(async move { session.execute(&statement, ("local",)).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        let result = task.await.unwrap().unwrap();
        let (key,): (String,) = result.first_row_typed().unwrap();
        assert_eq!(key, "local");
        ok += 1;
    }
    assert_eq!(ok, 10_000);
    let executes: Vec<_> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == Opcode::Execute)
        .collect();
    let connections: HashSet<u64> = executes.iter().map(|e| e.connection).collect();
    assert_eq!(connections.len(), 1, "one connection carried everything");
    assert!(executes.iter().all(|e| (0..128).contains(&e.stream)));
    let streams: HashSet<i16> = executes.iter().map(|e| e.stream).collect();
    assert!(
        streams.len() > 64,
        "requests were multiplexed ({} streams used)",
        streams.len()
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn a_timed_out_request_keeps_its_stream_until_the_late_answer() {
    let cluster = support::cluster(66, 1).await;
    let session = builder(&cluster)
        .pool_size(PoolSize {
            local: 1,
            remote: 0,
        })
        .build()
        .await
        .unwrap();
    cluster.faults().add(
        FaultRule::new()
            .query_contains("late")
            .delay(Duration::from_millis(500))
            .always(),
    );
    let slow = Query::new("SELECT key FROM system.local /* late */")
        .with_timeout(Duration::from_millis(50));
    let err = session.query(slow, ()).await.unwrap_err();
    assert!(matches!(err, QueryError::Timeout { .. }), "{err}");
    // Meanwhile, and after the late answer lands, every answer is the right one.
    let mut checks = futures_util::stream::iter(0..2000)
        .map(|i| {
            let session = session.clone();
            async move {
                let r = session
                    .query(
                        "SELECT cluster_name FROM system.local WHERE key = ?",
                        ("local",),
                    )
                    .await
                    .unwrap();
                let (name,): (String,) = r.first_row_typed().unwrap();
                (i, name)
            }
        })
        .buffer_unordered(200);
    while let Some((_, name)) = checks.next().await {
        assert_eq!(name, "Test Cluster");
    }
    assert_eq!(session.metrics().timeouts, 1);
    cluster.shutdown().await;
}

#[tokio::test]
async fn heartbeats_run_on_idle_connections_and_detect_dead_ones() {
    let cluster = support::cluster(67, 1).await;
    let session = builder(&cluster)
        .pool_size(PoolSize {
            local: 1,
            remote: 0,
        })
        .heartbeat_interval(Some(Duration::from_millis(100)))
        .request_timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    support::wait_until("a heartbeat is sent", || {
        let n = cluster
            .activity()
            .entries()
            .iter()
            .filter(|e| e.opcode == Opcode::Options)
            .count();
        // One OPTIONS per connection at startup; more are heartbeats.
        async move { n >= 4 }
    })
    .await;
    // A server that stops answering: the heartbeat fails and the pool
    // replaces the connection.
    let connections_before: HashSet<u64> = cluster
        .activity()
        .entries()
        .iter()
        .map(|e| e.connection)
        .collect();
    let rule = cluster.faults().add(
        FaultRule::new()
            .opcode(Opcode::Options)
            .no_response()
            .times(2),
    );
    support::wait_until("the silent connection is replaced", || {
        let hits = cluster.faults().hits(rule);
        let new =
            cluster.activity().entries().iter().any(|e| {
                e.opcode == Opcode::Startup && !connections_before.contains(&e.connection)
            });
        async move { hits >= 1 && new }
    })
    .await;
    // The host may have been marked down meanwhile (the replacement's own
    // OPTIONS can hit the second silent answer); it comes back.
    support::wait_until("queries succeed again", || {
        let session = session.clone();
        async move {
            session
                .query("SELECT * FROM system.local", ())
                .await
                .is_ok()
        }
    })
    .await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn no_host_available_lists_every_host_tried() {
    let cluster = support::cluster(68, 2).await;
    let session =
        round_robin_session(&cluster, Arc::new(cql_driver::policies::DefaultRetryPolicy)).await;
    cluster.faults().add(
        FaultRule::new()
            .query_contains("nha")
            .reply(ErrorKind::Overloaded, "too busy")
            .always(),
    );
    let query = Query::new("SELECT * FROM system.local /* nha */").with_idempotent(true);
    let err = session.query(query, ()).await.unwrap_err();
    let QueryError::NoHostAvailable(nha) = &err else {
        panic!("expected NoHostAvailable, got {err}")
    };
    let tried: HashSet<_> = nha.errors.iter().map(|(address, _)| *address).collect();
    let nodes: HashSet<_> = cluster.nodes().iter().map(|n| n.address).collect();
    assert_eq!(tried, nodes, "each host once");
    assert!(nha
        .errors
        .iter()
        .all(|(_, e)| matches!(e.kind(), Some(ErrorKind::Overloaded))));
    assert!(err.to_string().contains("too busy"), "{err}");
    cluster.shutdown().await;
}

#[tokio::test]
async fn a_dead_connection_fails_all_its_requests_at_once() {
    let cluster = support::cluster(69, 1).await;
    let session = builder(&cluster)
        .pool_size(PoolSize {
            local: 1,
            remote: 0,
        })
        .request_timeout(Duration::from_secs(30))
        .build()
        .await
        .unwrap();
    cluster.faults().add(
        FaultRule::new()
            .query_contains("hold")
            .delay(Duration::from_secs(20))
            .always(),
    );
    let pending: Vec<_> = (0..20)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move {
                session
                    .query("SELECT * FROM system.local /* hold */", ())
                    .await
            })
        })
        .collect();
    support::wait_until("the requests are in flight", || {
        let n = cluster
            .activity()
            .entries()
            .iter()
            .filter(|e| e.query.as_deref().is_some_and(|q| q.contains("hold")))
            .count();
        async move { n == 20 }
    })
    .await;
    let started = std::time::Instant::now();
    cluster.drop_connections(1).unwrap();
    for task in pending {
        let err = task.await.unwrap().unwrap_err();
        // Not idempotent: not retried, the connection's error comes back.
        assert!(matches!(err, QueryError::Connection(_)), "{err}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the requests failed with the connection, not at their own timeout"
    );
    // The pool replaces the connection.
    support::wait_until("the pool reconnects", || {
        let session = session.clone();
        async move {
            session
                .query("SELECT * FROM system.local", ())
                .await
                .is_ok()
        }
    })
    .await;
    cluster.shutdown().await;
}
