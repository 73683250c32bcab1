//! What the driver's integration tests share: an in-process test cluster on
//! its own loopback addresses, a session builder pointed at it, and polling.

#![allow(dead_code)]

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::Duration;

use cql_driver::{Session, SessionBuilder};
use cql_testcluster::cluster::TestCluster;

/// The longest any test waits for something to happen.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A test cluster of `nodes` nodes from `127.0.<net>.1`.
pub async fn cluster(net: u8, nodes: usize) -> TestCluster {
    TestCluster::builder()
        .nodes(nodes)
        .address(Ipv4Addr::new(127, 0, net, 1))
        .start()
        .await
        .expect("test cluster starts")
}

/// A builder for a session on `cluster`, with fast reconnection and short
/// timeouts so that failures show quickly.
pub fn builder(cluster: &TestCluster) -> SessionBuilder {
    let contact = cluster.contact_points()[0];
    Session::builder()
        .contact_point(contact.ip().to_string())
        .port(cluster.port())
        .reconnection_policy(std::sync::Arc::new(
            cql_driver::policies::ConstantReconnectionPolicy::new(Duration::from_millis(100)),
        ))
        .request_timeout(Duration::from_secs(5))
        .event_debounce(Duration::from_millis(50), Duration::from_millis(50))
}

/// A session on `cluster`, with a keyspace `ks` (replication factor `rf`)
/// created and in use.
pub async fn session_with_keyspace(cluster: &TestCluster, rf: usize) -> Session {
    let session = builder(cluster).build().await.expect("session connects");
    session
        .query(
            format!(
                "CREATE KEYSPACE ks WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': {rf}}}"
            ),
            (),
        )
        .await
        .expect("keyspace created");
    session.use_keyspace("ks").await.expect("USE ks");
    session
}

/// Polls `check` until it returns true, for at most [`PATIENCE`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
