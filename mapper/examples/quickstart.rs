//! The mapper end to end: a keyspace, `sync_table`, CRUD, query sets, a
//! batch, TTL and a lightweight transaction.
//!
//! By default it starts an embedded three-node test cluster on
//! 127.0.0.1-3. Set `CQL_CONTACT_POINTS` (comma-separated `host[:port]`) to
//! use a real cluster, and optionally `CQL_USERNAME` / `CQL_PASSWORD`.
//!
//! ```sh
//! cargo run -p cqlengine --example quickstart
//! CQL_CONTACT_POINTS=127.0.0.1:9042 cargo run -p cqlengine --example quickstart
//! ```

use std::collections::BTreeSet;
use std::error::Error;

use futures_util::StreamExt;

use cql_testcluster::cluster::TestCluster;
use cqlengine::driver::Session;
use cqlengine::management::{create_keyspace_simple, sync_table};
use cqlengine::prelude::*;
use cqlengine::{BatchQuery, BatchType, ClusteringOrder, MapperError, Model};

/// A user, keyed by id, with an indexed email.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "users")]
struct User {
    #[cql(partition_key)]
    id: i32,
    #[cql(index, required, max_length = 64)]
    email: String,
    name: Option<String>,
    tags: Option<BTreeSet<String>>,
}

/// A user's events, newest first.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(options(comment = "'events per user'"))]
struct UserEvent {
    #[cql(partition_key)]
    user_id: i32,
    #[cql(clustering_key, order = "desc")]
    seq: i32,
    kind: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let (builder, embedded) = match std::env::var("CQL_CONTACT_POINTS") {
        Ok(points) => (
            Session::builder()
                .contact_points(points.split(',').map(str::to_string).collect::<Vec<_>>()),
            None,
        ),
        Err(_) => {
            let cluster = TestCluster::builder().nodes(3).start().await?;
            println!("embedded test cluster: 3 nodes on port {}", cluster.port());
            let builder = Session::builder()
                .contact_point(cluster.contact_points()[0].ip().to_string())
                .port(cluster.port());
            (builder, Some(cluster))
        }
    };
    let builder = match (std::env::var("CQL_USERNAME"), std::env::var("CQL_PASSWORD")) {
        (Ok(user), Ok(password)) => builder.user(user, password),
        _ => builder,
    };
    cqlengine::connection::setup(builder, Some("quickstart")).await?;

    create_keyspace_simple("quickstart", 1, true, None).await?;
    let report = sync_table::<User>(None, None).await?;
    println!(
        "users: created={} indexes={:?}",
        report.created, report.created_indexes
    );
    sync_table::<UserEvent>(None, None).await?;

    // Create, read, update, delete.
    let ada = User {
        id: 1,
        email: "ada@example.com".into(),
        name: Some("Ada".into()),
        tags: None,
    };
    ada.save().await?;
    let found = User::filter(user::id.eq(1)).get().await?;
    println!("read back: {found:?}");
    ada.update_fields(vec![
        user::name.set("Ada Lovelace"),
        user::tags.add_items(BTreeSet::from(["math".to_string()])),
    ])
    .await?;
    let by_email = User::filter(user::email.eq("ada@example.com"))
        .get()
        .await?;
    println!("by indexed email: {:?}", by_email.name);

    // A batch of events, then a query set over them, newest first.
    let mut batch = BatchQuery::new(BatchType::Logged);
    for seq in 0..20 {
        let event = UserEvent {
            user_id: 1,
            seq,
            kind: if seq % 2 == 0 { "login" } else { "click" }.into(),
        };
        batch.add(event.save()).await?;
    }
    batch.add_callback(|| println!("batch applied"));
    batch.execute().await?;
    let latest = UserEvent::filter(user_event::user_id.eq(1))
        .limit(3)
        .all()
        .await?;
    println!(
        "latest events: {:?}",
        latest.iter().map(|e| e.seq).collect::<Vec<_>>()
    );
    let mut oldest_first = UserEvent::filter(user_event::user_id.eq(1))
        .order_by(user_event::seq, ClusteringOrder::Asc)
        .fetch_size(5)
        .stream()
        .await?;
    let mut count = 0;
    while let Some(event) = oldest_first.next().await {
        event?;
        count += 1;
    }
    println!("{count} events streamed in pages of 5");

    // TTL and a lightweight transaction.
    let temp = User {
        id: 2,
        email: "temp@example.com".into(),
        name: None,
        tags: None,
    };
    temp.save().ttl(60).await?;
    match temp.save().if_not_exists().await {
        Err(MapperError::NotApplied { existing }) => {
            println!(
                "insert refused, the row exists: applied={:?}",
                existing.map(|r| r.get::<bool>("[applied]").ok())
            );
        }
        other => println!("unexpected: {other:?}"),
    }
    // A query the server would refuse is rejected before any I/O.
    if let Err(e) = User::filter(user::name.eq("Ada")).all().await {
        println!("refused locally: {e}");
    }
    ada.delete().await?;
    println!("users left: {}", User::objects().count().await?);

    if let Some(cluster) = embedded {
        cluster.shutdown().await;
    }
    Ok(())
}
