//! The metadata parsers against the real system tables of the in-process
//! test cluster: the system queries run through a node's executor, and the
//! parsed hosts, schema and replicas are checked against the cluster's own
//! view.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use cql_driver::cluster::Host;
use cql_driver::metadata::{
    parse_local, parse_local_schema_version, parse_peer_schema_versions, parse_peers, parse_schema,
    parse_table_rows, schema_in_agreement, ClusteringOrder, ColumnKind, IndexKind, Partitioner,
    ReplicationStrategy, Token, TokenMap,
};
use cql_protocol::message::request::{Prepare, Query, Request};
use cql_protocol::message::response::{Response, ResultBody, Rows};
use cql_protocol::{ColumnType, Consistency, ProtocolVersion};
use cql_testcluster::cluster::TestCluster;
use cql_testcluster::executor::Executor;
use cql_testcluster::server::{ConnectionInfo, RequestHandler};

const V: ProtocolVersion = ProtocolVersion::V2;

/// A connection to one node, straight into its executor.
struct Node {
    executor: Executor,
    conn: ConnectionInfo,
}

impl Node {
    fn new(cluster: &TestCluster, index: usize) -> Self {
        let address = cluster.node(index).expect("node").address;
        Node {
            executor: Executor::new(address, cluster.context()),
            conn: ConnectionInfo {
                id: 1000 + index as u64,
                peer: "127.0.0.1:50000".parse().expect("address"),
                local: address,
                version: V,
                user: None,
                keyspace: None,
            },
        }
    }

    async fn request(&self, request: Request) -> Response {
        self.executor
            .handle(&self.conn, request, false)
            .await
            .response
    }

    async fn ok(&self, text: &str) -> ResultBody {
        match self
            .request(Request::Query(Query::new(text, Consistency::One)))
            .await
        {
            Response::Result(r) => r,
            other => panic!("{text}: {other:?}"),
        }
    }

    async fn rows(&self, text: &str) -> Rows {
        match self.ok(text).await {
            ResultBody::Rows(rows) => rows,
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// The hosts as the driver would build them from node `index`'s view.
async fn hosts(cluster: &TestCluster, node: &Node) -> (Vec<Arc<Host>>, Partitioner) {
    let local = parse_local(
        &node
            .rows("SELECT * FROM system.local WHERE key='local'")
            .await,
        V,
    )
    .expect("system.local");
    let partitioner = local.routing_partitioner().expect("Murmur3");
    let peers = parse_peers(
        &node.rows("SELECT * FROM system.peers").await,
        V,
        Some(partitioner),
    )
    .expect("system.peers");
    let port = cluster.port();
    let mut hosts = vec![Arc::new(Host::new(node.conn.local, local.info))];
    for peer in peers {
        hosts.push(Arc::new(Host::new(
            SocketAddr::new(peer.address, port),
            peer.info,
        )));
    }
    (hosts, partitioner)
}

async fn start() -> TestCluster {
    let cluster = TestCluster::builder()
        .datacenters(&[("dc1", 2), ("dc2", 2)])
        .start()
        .await
        .expect("cluster");
    // A second rack in dc1 (node 5) and in dc2 (node 6).
    cluster.add_node("dc1", "rack2").await.expect("node 5");
    cluster.add_node("dc2", "rack2").await.expect("node 6");
    cluster
}

const TABLE: &str = "CREATE TABLE ks.t (a int, b text, c1 int, c2 timeuuid, s bigint static, \
    l list<text>, m map<text, int>, st set<inet>, v text, \
    PRIMARY KEY ((a, b), c1, c2)) WITH CLUSTERING ORDER BY (c1 DESC, c2 ASC)";

#[tokio::test]
async fn hosts_schema_and_replicas_from_the_test_cluster() {
    let cluster = start().await;
    let node = Node::new(&cluster, 1);
    node.ok("CREATE KEYSPACE ks WITH replication = \
         {'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}")
        .await;
    node.ok("CREATE KEYSPACE simple WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3} AND durable_writes = false")
        .await;
    node.ok(TABLE).await;
    node.ok("CREATE INDEX t_v_idx ON ks.t (v)").await;
    node.ok("CREATE TABLE simple.dense (k int, c text, val blob, PRIMARY KEY (k, c)) WITH COMPACT STORAGE")
        .await;

    // Hosts.
    let (hosts, partitioner) = hosts(&cluster, &node).await;
    assert_eq!(partitioner, Partitioner::Murmur3);
    let nodes = cluster.nodes();
    assert_eq!(hosts.len(), nodes.len());
    for n in &nodes {
        let host = hosts
            .iter()
            .find(|h| h.address() == n.address)
            .unwrap_or_else(|| panic!("no host for node {}", n.index));
        let info = host.info();
        assert_eq!(info.host_id, Some(n.host_id), "node {}", n.index);
        assert_eq!(info.datacenter.as_deref(), Some(n.dc.as_str()));
        assert_eq!(info.rack.as_deref(), Some(n.rack.as_str()));
        let tokens: Vec<Token> = n.tokens.iter().map(|&t| Token::new(t.into())).collect();
        assert_eq!(info.tokens, tokens);
        assert!(info.release_version.is_some());
        assert!(info.schema_version.is_some());
    }

    // Schema.
    let schema = parse_schema(
        &node.rows("SELECT * FROM system.schema_keyspaces").await,
        &node
            .rows("SELECT * FROM system.schema_columnfamilies")
            .await,
        &node.rows("SELECT * FROM system.schema_columns").await,
        V,
    )
    .expect("schema");
    for name in ["ks", "simple", "system", "system_auth", "system_traces"] {
        assert!(schema.contains_key(name), "{name}");
    }
    assert_eq!(schema["system"].replication, ReplicationStrategy::Local);
    assert!(schema["system"].table("peers").is_some());
    let ks = &schema["ks"];
    assert_eq!(
        ks.replication,
        ReplicationStrategy::NetworkTopology {
            datacenters: BTreeMap::from([("dc1".into(), 2), ("dc2".into(), 1)])
        }
    );
    assert!(ks.durable_writes);
    assert_eq!(
        schema["simple"].replication,
        ReplicationStrategy::Simple {
            replication_factor: 3
        }
    );
    assert!(!schema["simple"].durable_writes);

    let t = ks.table("t").expect("ks.t");
    assert_eq!(t.partition_key, ["a", "b"]);
    assert_eq!(
        t.clustering_key,
        [
            ("c1".to_owned(), ClusteringOrder::Desc),
            ("c2".to_owned(), ClusteringOrder::Asc)
        ]
    );
    let expect = [
        ("a", ColumnType::Int, ColumnKind::PartitionKey),
        ("b", ColumnType::Varchar, ColumnKind::PartitionKey),
        ("c1", ColumnType::Int, ColumnKind::Clustering),
        ("c2", ColumnType::Timeuuid, ColumnKind::Clustering),
        ("s", ColumnType::Bigint, ColumnKind::Static),
        (
            "l",
            ColumnType::List(Box::new(ColumnType::Varchar)),
            ColumnKind::Regular,
        ),
        (
            "m",
            ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Int)),
            ColumnKind::Regular,
        ),
        (
            "st",
            ColumnType::Set(Box::new(ColumnType::Inet)),
            ColumnKind::Regular,
        ),
        ("v", ColumnType::Varchar, ColumnKind::Regular),
    ];
    assert_eq!(t.columns.len(), expect.len());
    for (name, ty, kind) in expect {
        let c = t.column(name).unwrap_or_else(|| panic!("column {name}"));
        assert_eq!((&c.ty, c.kind), (&ty, kind), "{name}");
    }
    assert_eq!(t.column("a").unwrap().position, Some(0));
    assert_eq!(t.column("b").unwrap().position, Some(1));
    assert_eq!(t.column("c2").unwrap().position, Some(1));
    let index = t.column("v").unwrap().index.as_ref().expect("index on v");
    assert_eq!(index.name, "t_v_idx");
    assert_eq!(index.kind, IndexKind::Composites);
    assert!(t.column("l").unwrap().index.is_none());

    let dense = schema["simple"].table("dense").expect("simple.dense");
    assert_eq!(dense.partition_key, ["k"]);
    assert_eq!(
        dense.clustering_key,
        [("c".to_owned(), ClusteringOrder::Asc)]
    );
    assert_eq!(
        dense.column("val").map(|c| (c.kind, c.ty.clone())),
        Some((ColumnKind::CompactValue, ColumnType::Blob))
    );

    // A targeted refresh of one table reads the same.
    let refreshed = parse_table_rows(
        &node
            .rows("SELECT * FROM system.schema_columnfamilies WHERE keyspace_name = 'ks' AND columnfamily_name = 't'")
            .await,
        &node
            .rows("SELECT * FROM system.schema_columns WHERE keyspace_name = 'ks' AND columnfamily_name = 't'")
            .await,
        V,
    )
    .expect("refresh");
    assert_eq!(refreshed, vec![t.clone()]);

    // Routing keys of a prepared statement (v1/v2 carry no pk indexes).
    let prepared = match node
        .request(Request::Prepare(Prepare::new(
            "INSERT INTO ks.t (c1, b, c2, v, a) VALUES (?, ?, ?, ?, ?)",
        )))
        .await
    {
        Response::Result(ResultBody::Prepared(p)) => p,
        other => panic!("prepare: {other:?}"),
    };
    let bound = prepared
        .metadata
        .columns
        .as_deref()
        .expect("bound metadata");
    assert_eq!(t.partition_key_indexes(bound), Some(vec![4, 1]));

    // Replicas agree with the cluster's own placement.
    let map = TokenMap::build(partitioner, &hosts, &schema);
    let mut probes: Vec<i64> = nodes.iter().flat_map(|n| n.tokens.clone()).collect();
    probes.extend(
        nodes
            .iter()
            .flat_map(|n| n.tokens.iter().map(|t| t.wrapping_add(1))),
    );
    probes.extend([i64::MIN, i64::MAX, 0, -1, 1]);
    for key in 0..50i32 {
        let a = key.to_be_bytes();
        let b = format!("key{key}");
        let pk = cql_protocol::murmur3::partition_key(&[&a[..], b.as_bytes()]).expect("key");
        probes.push(partitioner.token(&pk).value() as i64);
    }
    for keyspace in ["ks", "simple"] {
        for &token in &probes {
            let expected: Vec<SocketAddr> = cluster
                .replicas(keyspace, token)
                .expect("keyspace")
                .into_iter()
                .map(|i| nodes[i - 1].address)
                .collect();
            let ours: Vec<SocketAddr> = map
                .replicas(keyspace, Token::new(token.into()))
                .iter()
                .map(|h| h.address())
                .collect();
            assert_eq!(ours, expected, "{keyspace} token {token}");
        }
    }

    // Schema agreement.
    let local_version = parse_local_schema_version(
        &node
            .rows("SELECT schema_version FROM system.local WHERE key='local'")
            .await,
        V,
    )
    .expect("local schema version");
    let peers = parse_peer_schema_versions(
        &node
            .rows("SELECT peer, host_id, rpc_address, schema_version FROM system.peers")
            .await,
        V,
    )
    .expect("peer schema versions");
    assert_eq!(peers.len(), nodes.len() - 1);
    assert!(local_version.is_some());
    assert!(schema_in_agreement(local_version, &peers, |_| true));

    cluster.shutdown().await;
}

#[tokio::test]
async fn explicit_column_lists_and_a_down_node() {
    let cluster = TestCluster::builder()
        .nodes(3)
        .start()
        .await
        .expect("cluster");
    cluster.stop_node(3).await.expect("stop node 3");
    let node = Node::new(&cluster, 2);
    // The column lists of older drivers.
    let local = parse_local(
        &node
            .rows("SELECT cluster_name, data_center, rack, tokens, partitioner, schema_version FROM system.local WHERE key='local'")
            .await,
        V,
    )
    .expect("local");
    assert_eq!(local.cluster_name.as_deref(), Some("Test Cluster"));
    assert_eq!(local.info.host_id, None);
    assert_eq!(local.info.tokens.len(), 1);
    // Without host_id the peers are not valid.
    let peers = parse_peers(
        &node
            .rows("SELECT peer, data_center, rack, tokens, rpc_address, schema_version FROM system.peers")
            .await,
        V,
        local.routing_partitioner(),
    )
    .expect("peers");
    assert!(peers.is_empty());
    // With it, both other nodes are listed, down or not.
    let peers = parse_peers(
        &node
            .rows("SELECT host_id, peer, data_center, rack, rpc_address, release_version, schema_version FROM system.peers")
            .await,
        V,
        local.routing_partitioner(),
    )
    .expect("peers");
    let mut addresses: Vec<_> = peers.iter().map(|p| p.address).collect();
    addresses.sort();
    let expected: Vec<_> = [1, 3]
        .iter()
        .map(|&i| cluster.node(i).expect("node").address.ip())
        .collect();
    assert_eq!(addresses, expected);
    // No tokens column: no tokens, but valid.
    assert!(peers.iter().all(|p| p.info.tokens.is_empty()));
    cluster.shutdown().await;
}
