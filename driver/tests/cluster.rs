//! Discovery, events, metadata and routing against a multi-node test
//! cluster.

mod support;

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use cql_driver::policies::{DcAwareRoundRobinPolicy, RoundRobinPolicy};
use cql_driver::protocol::message::response::{
    Event, SchemaChangeTarget, StatusChangeType, TopologyChangeType,
};
use cql_driver::protocol::Opcode;
use cql_driver::{Consistency, Session};
use cql_testcluster::cluster::TestCluster;
use support::{builder, wait_until, PATIENCE};

async fn two_dc_cluster(net: u8) -> TestCluster {
    TestCluster::builder()
        .datacenters(&[("dc1", 2), ("dc2", 1)])
        .address(Ipv4Addr::new(127, 0, net, 1))
        .start()
        .await
        .unwrap()
}

/// Waits for an event matching `want`, ignoring others.
async fn expect_event(
    events: &mut tokio::sync::broadcast::Receiver<Event>,
    what: &str,
    want: impl Fn(&Event) -> bool,
) {
    let found = tokio::time::timeout(PATIENCE, async {
        loop {
            match events.recv().await {
                Ok(event) if want(&event) => return,
                Ok(_) => {}
                Err(e) => panic!("event stream failed: {e}"),
            }
        }
    })
    .await;
    assert!(found.is_ok(), "no {what} event");
}

#[tokio::test]
async fn discovers_a_three_node_two_dc_cluster() {
    let cluster = two_dc_cluster(50).await;
    let session = builder(&cluster).build().await.unwrap();
    let metadata = session.cluster_metadata();
    assert_eq!(metadata.cluster_name(), Some("Test Cluster"));
    assert_eq!(
        metadata.partitioner(),
        Some(cql_driver::metadata::Partitioner::Murmur3)
    );
    assert_eq!(metadata.hosts().len(), 3);
    for node in cluster.nodes() {
        let host = metadata
            .host(node.address)
            .expect("every node is discovered");
        assert_eq!(host.datacenter().as_deref(), Some(node.dc.as_str()));
        assert_eq!(host.rack().as_deref(), Some(node.rack.as_str()));
        assert_eq!(host.host_id(), Some(node.host_id));
        let tokens: Vec<i128> = host.tokens().iter().map(|t| t.value()).collect();
        let expected: Vec<i128> = node.tokens.iter().map(|&t| i128::from(t)).collect();
        assert_eq!(tokens, expected);
        assert!(host.is_up());
    }
    // Pools: the local DC's two hosts; dc2 is ignored by default (no
    // remote hosts used), as with the DataStax drivers' DC-aware policy.
    let pooled: HashSet<SocketAddr> = session.pool_sizes().into_iter().map(|(a, _)| a).collect();
    let dc1: HashSet<SocketAddr> = cluster
        .nodes()
        .into_iter()
        .filter(|n| n.dc == "dc1")
        .map(|n| n.address)
        .collect();
    assert_eq!(pooled, dc1);
    // Schema metadata is read from the system tables.
    assert!(metadata.keyspace("system").is_some());
    assert!(metadata.table("system", "local").is_some());
    cluster.shutdown().await;
}

#[tokio::test]
async fn node_stop_start_add_and_remove_are_seen_through_events() {
    let cluster = support::cluster(51, 3).await;
    let session = builder(&cluster).build().await.unwrap();
    let mut events = session.subscribe();
    let node3 = cluster.node(3).unwrap().address;
    let statement = session
        .prepare("SELECT * FROM system.local WHERE key = ?")
        .await
        .unwrap();

    cluster.stop_node(3).await.unwrap();
    expect_event(&mut events, "DOWN", |e| {
        matches!(e, Event::StatusChange { change: StatusChangeType::Down, address } if address.ip() == node3.ip())
    })
    .await;
    wait_until("node 3 is down in the metadata", || {
        let host = session.cluster_metadata().host(node3).cloned();
        async move { host.is_some_and(|h| !h.is_up()) }
    })
    .await;

    let restarted = std::time::SystemTime::now();
    cluster.start_node(3).await.unwrap();
    expect_event(&mut events, "UP", |e| {
        matches!(e, Event::StatusChange { change: StatusChangeType::Up, address } if address.ip() == node3.ip())
    })
    .await;
    wait_until("node 3 is up again with a pool", || {
        let host = session.cluster_metadata().host(node3).cloned();
        let pooled = session
            .pool_sizes()
            .iter()
            .any(|(a, n)| *a == node3 && *n > 0);
        async move { pooled && host.is_some_and(|h| h.is_up()) }
    })
    .await;

    // The returning host gets the session's prepared statements again
    // (a restarted node has forgotten them).
    wait_until("the statement is prepared again on node 3", || {
        let again = cluster.activity().entries().iter().any(|e| {
            e.node == node3
                && e.opcode == Opcode::Prepare
                && e.query.as_deref() == Some(statement.text())
                && e.time > restarted
        });
        async move { again }
    })
    .await;

    let index = cluster.add_node("datacenter1", "rack1").await.unwrap();
    let node4 = cluster.node(index).unwrap().address;
    expect_event(&mut events, "NEW_NODE", |e| {
        matches!(
            e,
            Event::TopologyChange {
                change: TopologyChangeType::NewNode,
                ..
            }
        )
    })
    .await;
    wait_until("node 4 is discovered and pooled", || {
        let known = session.cluster_metadata().host(node4).is_some();
        let pooled = session
            .pool_sizes()
            .iter()
            .any(|(a, n)| *a == node4 && *n > 0);
        async move { known && pooled }
    })
    .await;

    cluster.remove_node(index).await.unwrap();
    expect_event(&mut events, "REMOVED_NODE", |e| {
        matches!(
            e,
            Event::TopologyChange {
                change: TopologyChangeType::RemovedNode,
                ..
            }
        )
    })
    .await;
    wait_until("node 4 is gone from the metadata and the pools", || {
        let known = session.cluster_metadata().host(node4).is_some();
        let pooled = session.pool_sizes().iter().any(|(a, _)| *a == node4);
        async move { !known && !pooled }
    })
    .await;
    session
        .query("SELECT * FROM system.local", ())
        .await
        .unwrap();
    cluster.shutdown().await;
}

#[tokio::test]
async fn schema_changes_reach_metadata_and_subscribers() {
    let cluster = support::cluster(52, 2).await;
    let watcher = builder(&cluster).build().await.unwrap();
    let mut events = watcher.subscribe();
    let writer = support::session_with_keyspace(&cluster, 2).await;
    // The DDL's own session has the change as soon as the call returns.
    writer
        .query(
            "CREATE TABLE items (k int, c text, v list<int>, PRIMARY KEY (k, c))",
            (),
        )
        .await
        .unwrap();
    let table = writer
        .cluster_metadata()
        .table("ks", "items")
        .cloned()
        .expect("table in metadata");
    assert_eq!(table.partition_key, vec!["k".to_string()]);
    assert!(writer.await_schema_agreement().await.unwrap());

    expect_event(&mut events, "SCHEMA_CHANGE", |e| {
        matches!(e, Event::SchemaChange(c) if matches!(&c.target, SchemaChangeTarget::Table { keyspace, table } if keyspace == "ks" && table == "items"))
    })
    .await;
    wait_until("the other session's metadata has the table", || {
        let found = watcher.cluster_metadata().table("ks", "items").is_some();
        async move { found }
    })
    .await;
    writer.query("DROP TABLE items", ()).await.unwrap();
    wait_until("the drop reaches the other session", || {
        let found = watcher.cluster_metadata().table("ks", "items").is_some();
        async move { !found }
    })
    .await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn token_aware_routing_sends_each_prepared_statement_to_a_replica() {
    let cluster = support::cluster(53, 3).await;
    let session = support::session_with_keyspace(&cluster, 1).await;
    session
        .query("CREATE TABLE r (k int PRIMARY KEY, v int)", ())
        .await
        .unwrap();
    let insert = session
        .prepare("INSERT INTO r (k, v) VALUES (?, ?)")
        .await
        .unwrap();
    cluster.activity().clear();
    for k in 0..60i32 {
        session.execute(&insert, (k, k)).await.unwrap();
    }
    let executes: Vec<_> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == Opcode::Execute)
        .collect();
    // Prepared on every host before `prepare` returned: no execution came
    // back Unprepared and was sent twice.
    assert_eq!(executes.len(), 60);
    let nodes = cluster.nodes();
    let mut used = HashSet::new();
    for entry in executes {
        let Some(cql_driver::protocol::RawValue::Value(key)) = entry.values.first() else {
            panic!("no key bound")
        };
        let token = cql_driver::protocol::murmur3::token(key);
        let replica = cluster.replicas("ks", token).unwrap()[0];
        assert_eq!(
            entry.node,
            nodes[replica - 1].address,
            "sent to a non-replica"
        );
        used.insert(entry.node);
    }
    assert_eq!(used.len(), 3, "keys spread over every node");

    // A simple statement routed by a key set by hand.
    cluster.activity().clear();
    for k in 0..30i32 {
        let text = format!("SELECT v FROM r WHERE k = {k}");
        let query =
            cql_driver::Query::new(text.as_str()).with_routing_key("ks", k.to_be_bytes().to_vec());
        session.query(query, ()).await.unwrap();
        let token = cql_driver::protocol::murmur3::token(&k.to_be_bytes());
        let replica = cluster.replicas("ks", token).unwrap()[0];
        // This statement's entry: the control connection's own queries
        // (a debounced schema refresh) may come after it.
        let entries = cluster.activity().entries();
        let entry = entries
            .iter()
            .rev()
            .find(|e| e.query.as_deref() == Some(text.as_str()))
            .expect("the query reached a node");
        assert_eq!(entry.opcode, Opcode::Query);
        assert_eq!(
            entry.node,
            nodes[replica - 1].address,
            "routing key ignored"
        );
    }
    cluster.shutdown().await;
}

#[tokio::test]
async fn dc_aware_routing_stays_in_the_local_dc() {
    let cluster = two_dc_cluster(54).await;
    let session = builder(&cluster)
        .load_balancing(Arc::new(
            DcAwareRoundRobinPolicy::new(Some("dc1".into())).used_hosts_per_remote_dc(1),
        ))
        .build()
        .await
        .unwrap();
    // Remote hosts get a pool (for failover) but no traffic.
    assert_eq!(session.pool_sizes().len(), 3);
    cluster.activity().clear();
    for _ in 0..60 {
        session
            .query("SELECT * FROM system.local", ())
            .await
            .unwrap();
    }
    let dc1: HashSet<SocketAddr> = cluster
        .nodes()
        .into_iter()
        .filter(|n| n.dc == "dc1")
        .map(|n| n.address)
        .collect();
    let used: HashSet<SocketAddr> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.query.as_deref() == Some("SELECT * FROM system.local"))
        .map(|e| e.node)
        .collect();
    assert_eq!(used, dc1, "both local hosts are used, and only they");

    // With the local DC gone, the remote host takes over.
    cluster.stop_node(1).await.unwrap();
    cluster.stop_node(2).await.unwrap();
    let dc2 = cluster.node(3).unwrap().address;
    wait_until("queries fail over to dc2", || {
        let session = session.clone();
        async move {
            matches!(session.query("SELECT * FROM system.local", ()).await, Ok(r) if r.coordinator() == Some(dc2))
        }
    })
    .await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn failover_under_steady_writes_loses_no_acknowledged_write() {
    let cluster = support::cluster(55, 3).await;
    let session = support::session_with_keyspace(&cluster, 3).await;
    session
        .query("CREATE TABLE w (k int PRIMARY KEY, v int)", ())
        .await
        .unwrap();
    let insert = session
        .prepare(cql_driver::Query::new("INSERT INTO w (k, v) VALUES (?, ?)").with_idempotent(true))
        .await
        .unwrap();
    let writer = {
        let session = session.clone();
        tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut failed = 0;
            for k in 0..1500i32 {
                match session.execute(&insert, (k, k)).await {
                    Ok(_) => acknowledged.push(k),
                    Err(_) => failed += 1,
                }
            }
            (acknowledged, failed)
        })
    };
    wait_until("the load is running", || {
        let n = cluster
            .activity()
            .entries()
            .iter()
            .filter(|e| e.opcode == Opcode::Execute)
            .count();
        async move { n > 300 }
    })
    .await;
    let stopped = cluster.node(2).unwrap().address;
    cluster.stop_node(2).await.unwrap();
    let stopped_at = std::time::SystemTime::now();
    let (acknowledged, failed) = writer.await.unwrap();
    assert_eq!(failed, 0, "idempotent writes fail over to the live nodes");
    assert_eq!(acknowledged.len(), 1500);
    let after: Vec<_> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == Opcode::Execute && e.time > stopped_at + Duration::from_millis(200))
        .collect();
    assert!(!after.is_empty(), "the load resumed");
    assert!(
        after.iter().all(|e| e.node != stopped),
        "nothing goes to the stopped node"
    );
    let stored: Vec<(i32,)> = session
        .query(
            cql_driver::Query::new("SELECT k FROM w").with_consistency(Consistency::One),
            (),
        )
        .await
        .unwrap()
        .rows_typed()
        .unwrap();
    let stored: HashSet<i32> = stored.into_iter().map(|(k,)| k).collect();
    assert!(
        acknowledged.iter().all(|k| stored.contains(k)),
        "an acknowledged write is missing"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn the_control_connection_moves_when_its_host_dies() {
    let cluster = support::cluster(56, 3).await;
    let session = builder(&cluster)
        .load_balancing(Arc::new(RoundRobinPolicy::new()))
        .build()
        .await
        .unwrap();
    let first = session.control_host().unwrap();
    let index = cluster
        .nodes()
        .iter()
        .find(|n| n.address == first)
        .unwrap()
        .index;
    let mut events = session.subscribe();
    cluster.stop_node(index).await.unwrap();
    wait_until("the control connection moved", || {
        let host = session.control_host();
        async move { host.is_some_and(|h| h != first) }
    })
    .await;
    // Events still arrive through the new control connection.
    cluster.start_node(index).await.unwrap();
    expect_event(&mut events, "UP after the move", |e| {
        matches!(
            e,
            Event::StatusChange {
                change: StatusChangeType::Up,
                ..
            }
        )
    })
    .await;
    assert_eq!(Session::clone(&session).cluster_metadata().hosts().len(), 3);
    cluster.shutdown().await;
}
