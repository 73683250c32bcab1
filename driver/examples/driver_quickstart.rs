//! The driver's quick start: connect, create a schema, write with prepared
//! statements, read typed rows, page through a result and run a batch.
//!
//! By default it runs against an embedded three-node test cluster on
//! 127.0.0.1-3. Set `CQL_CONTACT_POINTS` (comma-separated `host[:port]`) to
//! use a real cluster instead, and optionally `CQL_USERNAME` /
//! `CQL_PASSWORD` and `CQL_COMPRESSION=lz4|snappy`.
//!
//! ```sh
//! cargo run -p cql-driver --example driver_quickstart
//! CQL_CONTACT_POINTS=127.0.0.1:9042 cargo run -p cql-driver --example driver_quickstart
//! ```

use std::error::Error;

use futures_util::StreamExt;

use cql_driver::{BatchType, Compression, Consistency, Query, Session};
use cql_testcluster::cluster::TestCluster;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // A real cluster if one is named, else an embedded test cluster.
    let (contact_points, embedded) = match std::env::var("CQL_CONTACT_POINTS") {
        Ok(points) => (
            points.split(',').map(str::to_string).collect::<Vec<_>>(),
            None,
        ),
        Err(_) => {
            let cluster = TestCluster::builder().nodes(3).port(0).start().await?;
            let points: Vec<String> = cluster
                .contact_points()
                .iter()
                .map(|a| a.to_string())
                .collect();
            println!(
                "embedded test cluster: {} nodes on port {}",
                cluster.nodes().len(),
                cluster.port()
            );
            (points, Some(cluster))
        }
    };
    let mut builder = Session::builder().contact_points(contact_points);
    if let Some(cluster) = &embedded {
        builder = builder.port(cluster.port());
    }
    if let (Ok(user), Ok(password)) = (std::env::var("CQL_USERNAME"), std::env::var("CQL_PASSWORD"))
    {
        builder = builder.user(user, password);
    }
    match std::env::var("CQL_COMPRESSION").as_deref() {
        Ok("lz4") => builder = builder.compression(Some(Compression::Lz4)),
        Ok("snappy") => builder = builder.compression(Some(Compression::Snappy)),
        _ => {}
    }
    let session = builder.build().await?;
    let metadata = session.cluster_metadata();
    println!(
        "connected over protocol {} to cluster {:?}",
        session.protocol_version(),
        metadata.cluster_name().unwrap_or("?")
    );
    for host in metadata.hosts() {
        println!(
            "  host {} dc={} rack={} tokens={} up={}",
            host.address(),
            host.datacenter().unwrap_or_default(),
            host.rack().unwrap_or_default(),
            host.tokens().len(),
            host.is_up()
        );
    }

    session
        .query(
            "CREATE KEYSPACE IF NOT EXISTS quickstart \
             WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            (),
        )
        .await?;
    session.use_keyspace("quickstart").await?;
    session
        .query(
            "CREATE TABLE IF NOT EXISTS readings \
             (sensor int, seq int, value double, tags set<text>, PRIMARY KEY (sensor, seq))",
            (),
        )
        .await?;

    // Prepared statements are routed to a replica of their partition key.
    let insert = session
        .prepare(
            Query::new("INSERT INTO readings (sensor, seq, value) VALUES (?, ?, ?)")
                .with_idempotent(true),
        )
        .await?;
    for seq in 0..250i32 {
        session
            .execute(&insert, (seq % 5, seq, f64::from(seq) * 0.5))
            .await?;
    }

    // A batch (protocol v2).
    let mut batch = session.new_batch(BatchType::Logged);
    batch.add_query(
        "UPDATE readings SET tags = tags + {'calibrated'} WHERE sensor = ? AND seq = ?",
        (0i32, 0i32),
    )?;
    batch.add_prepared(&insert, (9i32, 0i32, 99.0f64))?;
    session.batch(&batch).await?;

    // Typed rows.
    let select = session
        .prepare(
            Query::new("SELECT seq, value, tags FROM readings WHERE sensor = ?")
                .with_consistency(Consistency::One),
        )
        .await?;
    let (seq, value, tags): (i32, f64, Option<Vec<String>>) =
        session.execute(&select, (0i32,)).await?.first_row_typed()?;
    println!("sensor 0 first reading: seq={seq} value={value} tags={tags:?}");

    // Paging: 50 rows per page, fetched as the stream is read.
    let mut rows = session
        .query_iter(
            Query::new("SELECT sensor, value FROM readings").with_page_size(50),
            (),
        )
        .await?;
    let (mut count, mut total) = (0, 0.0);
    while let Some(row) = rows.next().await {
        let (_sensor, value): (i32, f64) = row?.into_typed()?;
        count += 1;
        total += value;
    }
    println!(
        "{count} readings in {} pages, sum {total}",
        rows.pages_fetched()
    );

    let metrics = session.metrics();
    println!(
        "requests={} errors={} retries={} p50={:?} p99={:?}",
        metrics.requests, metrics.errors, metrics.retries, metrics.latency.p50, metrics.latency.p99
    );
    session.shutdown().await;
    if let Some(cluster) = embedded {
        cluster.shutdown().await;
    }
    Ok(())
}
