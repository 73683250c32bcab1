//! The cluster layer: nodes, ring, availability, system tables, events,
//! node control and the CLI. Nothing here depends on the executor's
//! behaviour: the system tables are read through `ClusterContext::table`.

mod support;

use std::collections::BTreeMap;
use std::future::Future;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cql_protocol::message::response::{
    ErrorKind, Event, SchemaChange, SchemaChangeType, StatusChangeType, TopologyChangeType,
};
use cql_protocol::{ColumnType, Consistency, ProtocolVersion};
use cql_testcluster::cluster::{Clock, NodeState, TestCluster};
use cql_testcluster::context::{ClusterContext, TraceEvent, TraceSession};
use cql_testcluster::storage::{
    ColumnSpec, CreateTable, KeyspaceDef, ReadCommand, ReadRow, Replication, Table,
};
use support::{control, read_line, Client, TIMEOUT};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use uuid::Uuid;

const M: &str = "org.apache.cassandra.db.marshal.";

async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("test timed out");
}

fn ip(a: u8, b: u8, c: u8, d: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(a, b, c, d))
}

/// The value of column `name` of a row, as bytes.
fn cell(table: &Table, row: &ReadRow, name: &str) -> Option<Bytes> {
    let idx = table.def().column_index(name).expect("no such column");
    row.cell(idx).map(|c| c.value.clone())
}

fn text(table: &Table, row: &ReadRow, name: &str) -> Option<String> {
    cell(table, row, name).map(|b| String::from_utf8(b.to_vec()).unwrap())
}

fn int(table: &Table, row: &ReadRow, name: &str) -> Option<i32> {
    cell(table, row, name).map(|b| i32::from_be_bytes(b[..].try_into().unwrap()))
}

fn uuid_of(table: &Table, row: &ReadRow, name: &str) -> Uuid {
    Uuid::from_slice(&cell(table, row, name).expect("uuid")).unwrap()
}

fn set_items(table: &Table, row: &ReadRow, name: &str) -> Vec<String> {
    let idx = table.def().column_index(name).unwrap();
    row.cell(idx)
        .and_then(|c| c.elements.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| String::from_utf8(k.to_vec()).unwrap())
        .collect()
}

fn rows(table: &Table) -> Vec<ReadRow> {
    table.read(&ReadCommand::all(), 0).unwrap().rows
}

fn now_secs(ctx: &dyn ClusterContext) -> i64 {
    ctx.now_micros() / 1_000_000
}

#[tokio::test]
async fn three_nodes_share_a_port_and_answer_the_handshake() {
    bounded(async {
        let started = Instant::now();
        let cluster = TestCluster::builder().nodes(3).start().await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(3), "slow start");
        let port = cluster.port();
        assert_ne!(port, 0);
        assert_eq!(
            cluster.contact_points(),
            vec![
                SocketAddr::new(ip(127, 0, 0, 1), port),
                SocketAddr::new(ip(127, 0, 0, 2), port),
                SocketAddr::new(ip(127, 0, 0, 3), port),
            ]
        );
        for addr in cluster.contact_points() {
            Client::handshake(addr, ProtocolVersion::V2).await;
        }
        let nodes = cluster.nodes();
        assert!(nodes
            .iter()
            .all(|n| n.state == NodeState::Up && n.dc == "datacenter1" && n.rack == "rack1"));
        let tokens: Vec<i64> = nodes.iter().flat_map(|n| n.tokens.clone()).collect();
        let mut sorted = tokens.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(tokens, sorted, "tokens distinct and in node order");
        assert_eq!(tokens.len(), 3);
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn replicas_for_simple_and_network_topology_strategies() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 2, 1))
            .nodes(3)
            .start()
            .await
            .unwrap();
        cluster
            .catalog()
            .create_keyspace(KeyspaceDef::simple("ks2", 2), false)
            .unwrap();
        let t: Vec<i64> = cluster.nodes().iter().map(|n| n.tokens[0]).collect();
        assert_eq!(cluster.replicas("ks2", t[1]), Some(vec![2, 3]));
        assert_eq!(cluster.replicas("ks2", t[1] - 1), Some(vec![2, 3]));
        assert_eq!(cluster.replicas("ks2", t[1] + 1), Some(vec![3, 1]));
        assert_eq!(cluster.replicas("ks2", t[2] + 1), Some(vec![1, 2]));
        assert_eq!(cluster.replicas("missing", 0), None);
        drop(cluster);

        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 2, 11))
            .datacenters(&[("dc1", 2), ("dc2", 1)])
            .start()
            .await
            .unwrap();
        let dcs: Vec<(String, i64)> = cluster
            .nodes()
            .iter()
            .map(|n| (n.dc.clone(), n.tokens[0]))
            .collect();
        assert_eq!(
            dcs,
            vec![
                ("dc1".to_owned(), i64::MIN),
                ("dc1".to_owned(), 0),
                ("dc2".to_owned(), i64::MIN + 1)
            ]
        );
        cluster
            .catalog()
            .create_keyspace(
                KeyspaceDef {
                    name: "nts".into(),
                    replication: Replication::NetworkTopology {
                        dcs: BTreeMap::from([("dc1".into(), 2), ("dc2".into(), 1)]),
                    },
                    durable_writes: true,
                },
                false,
            )
            .unwrap();
        // Ring: node 1 (MIN), node 3 (MIN+1), node 2 (0).
        assert_eq!(cluster.replicas("nts", 5), Some(vec![1, 3, 2]));
        assert_eq!(cluster.replicas("nts", i64::MIN + 1), Some(vec![3, 2, 1]));
        assert_eq!(cluster.replicas("nts", -5), Some(vec![2, 1, 3]));
        cluster.shutdown().await;
    })
    .await;
}

fn unavailable(
    result: Result<(), cql_protocol::message::response::ErrorResponse>,
) -> (Consistency, i32, i32, String) {
    let e = result.expect_err("expected Unavailable");
    match e.kind {
        ErrorKind::Unavailable {
            consistency,
            required,
            alive,
        } => (consistency, required, alive, e.message),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn check_available_counts_live_replicas() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 3, 1))
            .nodes(3)
            .start()
            .await
            .unwrap();
        cluster
            .catalog()
            .create_keyspace(KeyspaceDef::simple("ks3", 3), false)
            .unwrap();
        let ctx = cluster.context();
        let n1 = cluster.contact_points()[0];
        for cl in [
            Consistency::One,
            Consistency::Quorum,
            Consistency::All,
            Consistency::LocalQuorum,
        ] {
            ctx.check_available(n1, "ks3", 42, cl).unwrap();
        }
        cluster.stop_node(3).await.unwrap();
        ctx.check_available(n1, "ks3", 42, Consistency::Quorum)
            .unwrap();
        assert_eq!(
            unavailable(ctx.check_available(n1, "ks3", 42, Consistency::All)),
            (
                Consistency::All,
                3,
                2,
                "Cannot achieve consistency level ALL".to_owned()
            )
        );
        cluster.stop_node(2).await.unwrap();
        ctx.check_available(n1, "ks3", 42, Consistency::One)
            .unwrap();
        ctx.check_available(n1, "ks3", 42, Consistency::Any)
            .unwrap();
        let (_, required, alive, _) =
            unavailable(ctx.check_available(n1, "ks3", 42, Consistency::Quorum));
        assert_eq!((required, alive), (2, 1));
        let (cl, required, alive, _) =
            unavailable(ctx.check_available(n1, "ks3", 42, Consistency::LocalQuorum));
        assert_eq!((cl, required, alive), (Consistency::LocalQuorum, 2, 1));
        let (_, required, alive, _) =
            unavailable(ctx.check_available(n1, "ks3", 42, Consistency::Two));
        assert_eq!((required, alive), (2, 1));
        cluster.start_node(2).await.unwrap();
        cluster.start_node(3).await.unwrap();
        ctx.check_available(n1, "ks3", 42, Consistency::All)
            .unwrap();
        // The system keyspace is local: always available.
        ctx.check_available(n1, "system", 42, Consistency::All)
            .unwrap();
        cluster.shutdown().await;

        // Two data centers.
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 3, 11))
            .datacenters(&[("dc1", 2), ("dc2", 1)])
            .start()
            .await
            .unwrap();
        cluster
            .catalog()
            .create_keyspace(
                KeyspaceDef {
                    name: "nts".into(),
                    replication: Replication::NetworkTopology {
                        dcs: BTreeMap::from([("dc1".into(), 2), ("dc2".into(), 1)]),
                    },
                    durable_writes: true,
                },
                false,
            )
            .unwrap();
        cluster.stop_node(3).await.unwrap();
        assert!(cluster
            .check_available(1, "nts", 7, Consistency::LocalQuorum)
            .is_ok());
        assert!(cluster
            .check_available(1, "nts", 7, Consistency::Quorum)
            .is_ok());
        let (_, required, alive, _) =
            unavailable(cluster.check_available(1, "nts", 7, Consistency::All));
        assert_eq!((required, alive), (3, 2));
        let (_, required, alive, _) =
            unavailable(cluster.check_available(1, "nts", 7, Consistency::EachQuorum));
        assert_eq!((required, alive), (1, 0));
        let (_, required, alive, _) =
            unavailable(cluster.check_available(3, "nts", 7, Consistency::LocalOne));
        assert_eq!((required, alive), (1, 0));
        cluster.stop_node(2).await.unwrap();
        let (_, required, alive, _) =
            unavailable(cluster.check_available(1, "nts", 7, Consistency::LocalQuorum));
        assert_eq!((required, alive), (2, 1));
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn local_and_peers_rows_per_node() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 4, 1))
            .datacenters(&[("dc1", 2), ("dc2", 1)])
            .start()
            .await
            .unwrap();
        let ctx = cluster.context();
        cluster.stop_node(3).await.unwrap();
        let nodes = cluster.nodes();
        let mut versions = Vec::new();
        for node in &nodes {
            let local = ctx.table(node.address, "system", "local").unwrap();
            let local_rows = rows(&local);
            assert_eq!(local_rows.len(), 1);
            let row = &local_rows[0];
            assert_eq!(text(&local, row, "key").as_deref(), Some("local"));
            assert_eq!(
                text(&local, row, "cluster_name").as_deref(),
                Some("Test Cluster")
            );
            assert_eq!(text(&local, row, "data_center"), Some(node.dc.clone()));
            assert_eq!(text(&local, row, "rack").as_deref(), Some("rack1"));
            assert_eq!(uuid_of(&local, row, "host_id"), node.host_id);
            assert!(text(&local, row, "release_version")
                .unwrap()
                .starts_with("2.0."));
            assert_eq!(text(&local, row, "cql_version").as_deref(), Some("3.1.7"));
            assert_eq!(
                text(&local, row, "native_protocol_version").as_deref(),
                Some("2")
            );
            assert_eq!(
                text(&local, row, "partitioner").as_deref(),
                Some("org.apache.cassandra.dht.Murmur3Partitioner")
            );
            assert_eq!(
                text(&local, row, "bootstrapped").as_deref(),
                Some("COMPLETED")
            );
            assert_eq!(
                set_items(&local, row, "tokens"),
                vec![node.tokens[0].to_string()]
            );
            assert_eq!(
                cell(&local, row, "rpc_address").unwrap()[..],
                [127, 0, 4, node.index as u8]
            );
            versions.push(uuid_of(&local, row, "schema_version"));

            let peers = ctx.table(node.address, "system", "peers").unwrap();
            let peer_rows = rows(&peers);
            let mut seen: Vec<u8> = peer_rows
                .iter()
                .map(|r| cell(&peers, r, "peer").unwrap()[3])
                .collect();
            seen.sort();
            let expected: Vec<u8> = (1..=3u8).filter(|&i| i as usize != node.index).collect();
            assert_eq!(seen, expected, "peers of node {}", node.index);
            for r in &peer_rows {
                let peer = &nodes[cell(&peers, r, "peer").unwrap()[3] as usize - 1];
                assert_eq!(cell(&peers, r, "rpc_address"), cell(&peers, r, "peer"));
                assert_eq!(uuid_of(&peers, r, "host_id"), peer.host_id);
                assert_eq!(text(&peers, r, "data_center"), Some(peer.dc.clone()));
                assert_eq!(
                    set_items(&peers, r, "tokens"),
                    vec![peer.tokens[0].to_string()]
                );
                assert_eq!(uuid_of(&peers, r, "schema_version"), versions[0]);
                assert!(cell(&peers, r, "preferred_ip").is_none());
                assert!(text(&peers, r, "release_version").is_some());
            }
        }
        assert!(versions.iter().all(|v| *v == versions[0]));
        assert_eq!(versions[0], cluster.catalog().schema_version());

        // Removing a node takes it out of every peers table.
        cluster.decommission(3).await.unwrap();
        let peers = ctx.table(nodes[0].address, "system", "peers").unwrap();
        assert_eq!(rows(&peers).len(), 1);
        assert_eq!(cluster.contact_points().len(), 2);
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn schema_tables_follow_the_catalog() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 5, 1))
            .nodes(2)
            .start()
            .await
            .unwrap();
        let ctx = cluster.context();
        let n1 = cluster.contact_points()[0];
        let before = cluster.catalog().schema_version();

        // The tables that must not exist.
        for t in [
            "peers_v2",
            "schema_usertypes",
            "schema_functions",
            "schema_aggregates",
        ] {
            let e = ctx.table(n1, "system", t).unwrap_err();
            assert_eq!(e.to_string(), format!("unconfigured columnfamily {t}"));
            assert_eq!(e.code(), 0x2200);
        }

        // The system keyspaces are listed with their strategies.
        let keyspaces = ctx.table(n1, "system", "schema_keyspaces").unwrap();
        let ks_rows = rows(&keyspaces);
        let strategies: BTreeMap<String, (String, String)> = ks_rows
            .iter()
            .map(|r| {
                (
                    String::from_utf8(r.partition_key.to_vec()).unwrap(),
                    (
                        text(&keyspaces, r, "strategy_class").unwrap(),
                        text(&keyspaces, r, "strategy_options").unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(
            strategies["system"].0,
            "org.apache.cassandra.locator.LocalStrategy"
        );
        assert_eq!(
            strategies["system_traces"],
            (
                "org.apache.cassandra.locator.SimpleStrategy".to_owned(),
                r#"{"replication_factor":"2"}"#.to_owned()
            )
        );
        assert_eq!(
            strategies["system_auth"].1,
            r#"{"replication_factor":"1"}"#
        );

        let catalog = cluster.catalog();
        catalog
            .create_keyspace(KeyspaceDef::simple("ks", 1), false)
            .unwrap();
        let spec = CreateTable::new(
            "ks",
            "t",
            vec![
                ColumnSpec::new("k", ColumnType::Int),
                ColumnSpec::new("c", ColumnType::Text),
                ColumnSpec::new("v", ColumnType::List(Box::new(ColumnType::Int))),
                ColumnSpec::new("w", ColumnType::Text),
            ],
            &["k"],
            &["c"],
        );
        catalog.create_table(&spec, false).unwrap();
        ctx.schema_changed(&SchemaChange::table(SchemaChangeType::Created, "ks", "t"));
        let after = catalog.schema_version();
        assert_ne!(before, after);

        let keyspaces = ctx.table(n1, "system", "schema_keyspaces").unwrap();
        assert!(rows(&keyspaces).iter().any(|r| r.partition_key == "ks"));

        let cfs = ctx.table(n1, "system", "schema_columnfamilies").unwrap();
        let cf_rows = rows(&cfs);
        let row = cf_rows
            .iter()
            .find(|r| {
                r.partition_key == "ks"
                    && r.clustering.as_deref() == Some(&[Bytes::from_static(b"t")][..])
            })
            .expect("ks.t row");
        let s = |name: &str| text(&cfs, row, name);
        assert_eq!(s("type").as_deref(), Some("Standard"));
        assert_eq!(cell(&cfs, row, "is_dense").unwrap()[..], [0]);
        assert_eq!(s("subcomparator"), None);
        assert_eq!(s("value_alias"), None);
        assert_eq!(
            s("comparator").unwrap(),
            format!("{M}CompositeType({M}UTF8Type,{M}UTF8Type,{M}ColumnToCollectionType(76:{M}ListType({M}Int32Type)))")
        );
        assert_eq!(s("key_validator").unwrap(), format!("{M}Int32Type"));
        assert_eq!(s("default_validator").unwrap(), format!("{M}BytesType"));
        assert_eq!(s("key_aliases").as_deref(), Some(r#"["k"]"#));
        assert_eq!(s("column_aliases").as_deref(), Some(r#"["c"]"#));
        assert_eq!(
            s("compaction_strategy_class").as_deref(),
            Some("org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy")
        );
        assert_eq!(s("compaction_strategy_options").as_deref(), Some("{}"));
        assert_eq!(
            s("compression_parameters").as_deref(),
            Some(r#"{"sstable_compression":"org.apache.cassandra.io.compress.LZ4Compressor"}"#)
        );
        assert_eq!(s("caching").as_deref(), Some("KEYS_ONLY"));
        assert_eq!(s("speculative_retry").as_deref(), Some("99.0PERCENTILE"));
        assert_eq!(s("comment").as_deref(), Some(""));
        assert_eq!(int(&cfs, row, "gc_grace_seconds"), Some(864_000));
        assert_eq!(int(&cfs, row, "min_compaction_threshold"), Some(4));
        assert_eq!(int(&cfs, row, "max_compaction_threshold"), Some(32));
        assert_eq!(int(&cfs, row, "index_interval"), Some(128));
        assert_eq!(int(&cfs, row, "default_time_to_live"), Some(0));
        assert_eq!(
            cell(&cfs, row, "local_read_repair_chance").unwrap()[..],
            0.1f64.to_be_bytes()
        );

        let columns = ctx.table(n1, "system", "schema_columns").unwrap();
        let mut found: Vec<(String, String, String, Option<i32>)> = rows(&columns)
            .iter()
            .filter(|r| {
                r.partition_key == "ks"
                    && r.clustering.as_ref().unwrap()[0] == Bytes::from_static(b"t")
            })
            .map(|r| {
                (
                    String::from_utf8(r.clustering.as_ref().unwrap()[1].to_vec()).unwrap(),
                    text(&columns, r, "validator").unwrap(),
                    text(&columns, r, "type").unwrap(),
                    int(&columns, r, "component_index"),
                )
            })
            .collect();
        found.sort();
        let mut expected = vec![
            ("k".into(), format!("{M}Int32Type"), "partition_key".into(), None),
            ("c".into(), format!("{M}UTF8Type"), "clustering_key".into(), Some(0)),
            ("v".into(), format!("{M}ListType({M}Int32Type)"), "regular".into(), Some(1)),
            ("w".into(), format!("{M}UTF8Type"), "regular".into(), Some(1)),
        ];
        expected.sort();
        assert_eq!(found, expected);

        // An index shows up in schema_columns.
        catalog
            .create_index("ks", "t", Some("w_idx"), "w", false)
            .unwrap();
        ctx.schema_changed(&SchemaChange::table(SchemaChangeType::Updated, "ks", "t"));
        let w = rows(&columns)
            .into_iter()
            .find(|r| r.partition_key == "ks" && r.clustering.as_ref().unwrap()[1] == "w")
            .unwrap();
        assert_eq!(text(&columns, &w, "index_name").as_deref(), Some("w_idx"));
        assert_eq!(text(&columns, &w, "index_type").as_deref(), Some("COMPOSITES"));
        assert_eq!(text(&columns, &w, "index_options").as_deref(), Some("{}"));

        // Every node reports the new schema version.
        let version = catalog.schema_version();
        for node in cluster.contact_points() {
            let local = ctx.table(node, "system", "local").unwrap();
            assert_eq!(uuid_of(&local, &rows(&local)[0], "schema_version"), version);
            let peers = ctx.table(node, "system", "peers").unwrap();
            for r in rows(&peers) {
                assert_eq!(uuid_of(&peers, &r, "schema_version"), version);
            }
        }

        // Dropping the keyspace removes its rows.
        catalog.drop_keyspace("ks", false).unwrap();
        ctx.schema_changed(&SchemaChange::keyspace(SchemaChangeType::Dropped, "ks"));
        assert!(!rows(&keyspaces).iter().any(|r| r.partition_key == "ks"));
        assert!(!rows(&cfs).iter().any(|r| r.partition_key == "ks"));
        assert!(!rows(&columns).iter().any(|r| r.partition_key == "ks"));
        // The system tables themselves are listed.
        assert!(rows(&cfs).iter().any(|r| r.partition_key == "system"
            && r.clustering.as_ref().unwrap()[0] == "local"));
        let triggers = ctx.table(n1, "system", "schema_triggers").unwrap();
        assert!(rows(&triggers).is_empty());
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn users_and_traces_are_mirrored() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 6, 1))
            .auth(("admin", "secret"))
            .start()
            .await
            .unwrap();
        let ctx = cluster.context();
        let n1 = cluster.contact_points()[0];
        ctx.users().create("bob", "pw", false).unwrap();
        let users = ctx.table(n1, "system_auth", "users").unwrap();
        let mut names: Vec<(String, u8)> = rows(&users)
            .iter()
            .map(|r| {
                (
                    String::from_utf8(r.partition_key.to_vec()).unwrap(),
                    cell(&users, r, "super").unwrap()[0],
                )
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                ("admin".into(), 1),
                ("bob".into(), 0),
                ("cassandra".into(), 1)
            ]
        );

        let session_id = Uuid::new_v4();
        ctx.record_trace(&TraceSession {
            session_id,
            coordinator: n1,
            request: "Execute CQL3 query".into(),
            parameters: vec![("query".into(), "SELECT 1".into())],
            started_at_micros: ctx.now_micros(),
            duration_micros: 120,
            events: vec![
                TraceEvent {
                    activity: "Parsing".into(),
                    source: n1,
                    source_elapsed_micros: 10,
                },
                TraceEvent {
                    activity: "Done".into(),
                    source: n1,
                    source_elapsed_micros: 100,
                },
            ],
        });
        let sessions = ctx.table(n1, "system_traces", "sessions").unwrap();
        let s = cluster
            .catalog()
            .table("system_traces", "sessions")
            .unwrap()
            .read(
                &ReadCommand::partition(Bytes::copy_from_slice(session_id.as_bytes())),
                now_secs(&*ctx),
            )
            .unwrap()
            .rows;
        assert_eq!(s.len(), 1);
        assert_eq!(int(&sessions, &s[0], "duration"), Some(120));
        assert_eq!(
            text(&sessions, &s[0], "request").as_deref(),
            Some("Execute CQL3 query")
        );
        let events = ctx.table(n1, "system_traces", "events").unwrap();
        let e = events
            .read(
                &ReadCommand::partition(Bytes::copy_from_slice(session_id.as_bytes())),
                0,
            )
            .unwrap()
            .rows;
        let activities: Vec<String> = e
            .iter()
            .map(|r| text(&events, r, "activity").unwrap())
            .collect();
        assert_eq!(activities, vec!["Parsing", "Done"]);
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn events_reach_registered_connections() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 7, 1))
            .nodes(3)
            .start()
            .await
            .unwrap();
        let port = cluster.port();
        let points = cluster.contact_points();
        let mut client = Client::handshake(points[1], ProtocolVersion::V2).await;
        client.register_all(2).await;

        cluster.stop_node(3).await.unwrap();
        assert_eq!(
            client.event().await,
            Event::StatusChange {
                change: StatusChangeType::Down,
                address: points[2]
            }
        );
        cluster.start_node(3).await.unwrap();
        assert_eq!(
            client.event().await,
            Event::StatusChange {
                change: StatusChangeType::Up,
                address: points[2]
            }
        );
        let index = cluster.add_node("datacenter1", "rack2").await.unwrap();
        assert_eq!(index, 4);
        let new_address = SocketAddr::new(ip(127, 0, 7, 4), port);
        assert_eq!(
            client.event().await,
            Event::TopologyChange {
                change: TopologyChangeType::NewNode,
                address: new_address
            }
        );
        Client::handshake(new_address, ProtocolVersion::V2).await;
        let info = cluster.node(4).unwrap();
        assert!(!cluster.nodes()[..3].iter().any(|n| n.tokens == info.tokens));
        cluster.remove_node(4).await.unwrap();
        assert_eq!(
            client.event().await,
            Event::TopologyChange {
                change: TopologyChangeType::RemovedNode,
                address: new_address
            }
        );
        assert!(TcpStream::connect(new_address).await.is_err());

        let change = SchemaChange::keyspace(SchemaChangeType::Created, "ks");
        cluster.context().schema_changed(&change);
        assert_eq!(client.event().await, Event::SchemaChange(change));
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn stopped_nodes_refuse_connections_while_others_serve() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 8, 1))
            .nodes(3)
            .start()
            .await
            .unwrap();
        let points = cluster.contact_points();
        let mut open = Client::handshake(points[1], ProtocolVersion::V2).await;
        cluster.stop_node(2).await.unwrap();
        assert_eq!(cluster.node(2).unwrap().state, NodeState::Down);
        // The open connection is closed.
        let closed = tokio::time::timeout(TIMEOUT, async {
            let mut buf = [0u8; 64];
            loop {
                match open.socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok());
        assert!(TcpStream::connect(points[1]).await.is_err());
        Client::handshake(points[0], ProtocolVersion::V2).await;
        Client::handshake(points[2], ProtocolVersion::V2).await;
        cluster.start_node(2).await.unwrap();
        Client::handshake(points[1], ProtocolVersion::V2).await;
        // Unknown nodes are errors.
        assert!(cluster.stop_node(9).await.is_err());
        assert!(cluster.drop_connections(0).is_err());
        cluster.forget_prepared(1).unwrap();
        cluster.drop_connections(1).unwrap();
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn manual_clock_moves_only_when_advanced() {
    bounded(async {
        let start = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 9, 1))
            .clock(Clock::manual(start))
            .start()
            .await
            .unwrap();
        let ctx = cluster.context();
        let a = ctx.now_micros();
        let b = ctx.now_micros();
        assert!(b > a, "timestamps strictly increase");
        assert!(a >= 1_000_000_000_000 && b < 1_000_000_000_000 + 1_000_000);
        cluster.clock().advance(Duration::from_secs(60));
        let c = ctx.now_micros();
        assert!((1_000_060_000_000..1_000_061_000_000).contains(&c));
        cluster.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn two_clusters_side_by_side() {
    bounded(async {
        let a = TestCluster::builder().nodes(2).start().await.unwrap();
        let b = TestCluster::builder().nodes(2).start().await.unwrap();
        assert_ne!(a.port(), b.port());
        let c = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 10, 1))
            .port(a.port())
            .nodes(2)
            .start()
            .await
            .unwrap();
        for addr in a
            .contact_points()
            .into_iter()
            .chain(b.contact_points())
            .chain(c.contact_points())
        {
            Client::handshake(addr, ProtocolVersion::V2).await;
        }
        a.catalog()
            .create_keyspace(KeyspaceDef::simple("only_a", 1), false)
            .unwrap();
        assert!(b.catalog().keyspace("only_a").is_none());
        // The same addresses and port cannot be taken twice.
        let clash = TestCluster::builder().port(a.port()).start().await;
        assert!(clash.is_err());
        a.shutdown().await;
        b.shutdown().await;
        c.shutdown().await;
    })
    .await;
}

#[test]
fn cli_runs_a_cluster_controlled_over_the_control_port() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args([
            "--nodes",
            "2",
            "--address",
            "127.0.11.1",
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
    let line1 = read_line(&mut out);
    let line2 = read_line(&mut out);
    let control_line = read_line(&mut out);
    let parse =
        |line: &str| -> SocketAddr { line.split_whitespace().nth(4).unwrap().parse().unwrap() };
    assert!(line1.starts_with("node 1 ready at 127.0.11.1:"), "{line1}");
    assert!(line1.ends_with("(datacenter1, rack1)"), "{line1}");
    assert!(line2.starts_with("node 2 ready at 127.0.11.2:"), "{line2}");
    let node2 = parse(&line2);
    assert_eq!(parse(&line1).port(), node2.port());
    let control_addr: SocketAddr = control_line
        .strip_prefix("control ready at ")
        .unwrap()
        .parse()
        .unwrap();

    std::net::TcpStream::connect(node2).expect("node 2 is up");
    let mut stream = std::net::TcpStream::connect(control_addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let port = node2.port();
    assert_eq!(
        control(&mut stream, &mut reader, "status"),
        format!(
            "ok 1:127.0.11.1:{port}:up:datacenter1:rack1 2:127.0.11.2:{port}:up:datacenter1:rack1"
        )
    );
    assert_eq!(control(&mut stream, &mut reader, "stop 2"), "ok stopped 2");
    assert!(
        control(&mut stream, &mut reader, "status").contains(&format!("2:127.0.11.2:{port}:down"))
    );
    assert!(std::net::TcpStream::connect(node2).is_err());
    assert_eq!(control(&mut stream, &mut reader, "start 2"), "ok started 2");
    std::net::TcpStream::connect(node2).expect("node 2 is up again");
    assert!(control(&mut stream, &mut reader, "stop 7").starts_with("error "));
    assert!(control(&mut stream, &mut reader, "advance-clock 5").starts_with("error "));
    assert!(control(&mut stream, &mut reader, "frobnicate").starts_with("error unknown command"));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "the CLI did not exit");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
}

#[test]
fn cli_reports_bind_failures_and_usage_errors() {
    let holder = std::net::TcpListener::bind("127.0.12.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--address", "127.0.12.1", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot bind 127.0.12.1:{port}")),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--nodes", "x"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--nodes"));

    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--tls-cert", "a.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-cert needs --tls-key"));

    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .args(["--tls-cert", "/nonexistent/a.pem", "--tls-key", "b.pem"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/a.pem"),
        "{stderr}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_cql-testcluster"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("advance-clock"));
    drop(holder);
}
