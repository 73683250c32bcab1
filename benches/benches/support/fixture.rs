//! What the in-process benches share: a one-node test cluster on its own
//! multi-threaded runtime, and a client runtime (current-thread, driven by
//! the benchmark thread, so the client's work is that thread's CPU) with a
//! connected session and a workload set up on it.

#![allow(dead_code)]

use std::future::Future;
use std::net::Ipv4Addr;
use std::time::Duration;

use cql_driver::cluster::PoolSize;
use cql_driver::Session;
use cql_testcluster::cluster::TestCluster;
use tokio::runtime::Runtime;

/// The server, the client runtime and the workload; shut down on drop.
pub struct Fixture<W> {
    /// The server's runtime (the cluster's tasks run on it).
    pub server: Runtime,
    cluster: Option<TestCluster>,
    /// The client's runtime: it only runs while the benchmark thread is in
    /// `block_on`.
    pub client: Runtime,
    session: Session,
    /// What the benchmark runs.
    pub workload: W,
}

impl<W> Fixture<W> {
    /// Starts a node on `address`, connects a session with `pool`, and sets
    /// the workload up on it.
    pub fn start<F, Fut>(address: Ipv4Addr, pool: PoolSize, setup: F) -> Self
    where
        F: FnOnce(Session) -> Fut,
        Fut: Future<Output = W>,
    {
        let server = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("testcluster")
            .enable_all()
            .build()
            .expect("server runtime");
        let cluster = server
            .block_on(
                TestCluster::builder()
                    .nodes(1)
                    .address(address)
                    .port(0)
                    .start(),
            )
            .expect("test cluster starts");
        let client = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        let contact = cluster.contact_points()[0];
        let (session, workload) = client.block_on(async {
            let session = Session::builder()
                .contact_point(contact.ip().to_string())
                .port(cluster.port())
                .pool_size(pool)
                .request_timeout(Duration::from_secs(30))
                .build()
                .await
                .expect("session connects");
            let workload = setup(session.clone()).await;
            (session, workload)
        });
        Fixture {
            server,
            cluster: Some(cluster),
            client,
            session,
            workload,
        }
    }
}

impl<W> Drop for Fixture<W> {
    fn drop(&mut self) {
        self.client.block_on(self.session.shutdown());
        if let Some(cluster) = self.cluster.take() {
            self.server.block_on(cluster.shutdown());
        }
    }
}
