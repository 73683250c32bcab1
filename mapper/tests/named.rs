//! Named tables (no model) against the in-process test cluster: tables
//! made with plain CQL, read through `NamedKeyspace` / `NamedTable` with
//! untyped filters, their keys and indexes taken from the driver's schema
//! metadata.
//!
//! Every query names the connection `named-test` (the registry is global).

use std::net::Ipv4Addr;
use std::time::Duration;

use futures_util::StreamExt;

use cql_driver::protocol::Opcode;
use cql_driver::Session;
use cql_testcluster::cluster::TestCluster;
use cqlengine::{Consistency, MapperError, NamedKeyspace, NamedTable};

const CONNECTION: &str = "named-test";

/// The PREPAREd statements the cluster received that contain `needle`.
fn prepared_with(cluster: &TestCluster, needle: &str) -> Vec<String> {
    cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == Opcode::Prepare)
        .filter_map(|e| e.query)
        .filter(|q| q.contains(needle))
        .collect()
}

fn invalid_message(result: cqlengine::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(MapperError::InvalidQuery { model, message }) => {
            assert_eq!(model, "ks.posts");
            message
        }
        other => panic!("expected InvalidQuery, got {other:?}"),
    }
}

#[tokio::test]
async fn named_tables_end_to_end() {
    let cluster = TestCluster::builder()
        .address(Ipv4Addr::new(127, 0, 105, 1))
        .start()
        .await
        .unwrap();
    let session = Session::builder()
        .contact_point("127.0.105.1")
        .port(cluster.port())
        .build()
        .await
        .unwrap();
    for cql in [
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE ks.posts (author int, seq int, title text, body text, PRIMARY KEY (author, seq))",
        "CREATE INDEX ON ks.posts (title)",
        "CREATE TABLE ks.settings (k text PRIMARY KEY, v text)",
    ] {
        session.query(cql, ()).await.expect(cql);
    }
    for author in 1..=3_i32 {
        for seq in 1..=4_i32 {
            session
                .query(
                    "INSERT INTO ks.posts (author, seq, title, body) VALUES (?, ?, ?, ?)",
                    (
                        author,
                        seq,
                        format!("title {}", seq % 2),
                        format!("post {author}/{seq}"),
                    ),
                )
                .await
                .unwrap();
        }
    }
    session
        .query("INSERT INTO ks.settings (k, v) VALUES ('mode', 'fast')", ())
        .await
        .unwrap();
    cqlengine::connection::register_session(CONNECTION, session, Some("ks"), false);

    reads(&cluster).await;
    get_first_count().await;
    stream_and_options(&cluster).await;
    refused_before_io(&cluster).await;
    unknown_table_and_connection().await;
    cluster.shutdown().await;
}

async fn reads(cluster: &TestCluster) {
    let ks = NamedKeyspace::new("ks");
    assert_eq!(ks.name(), "ks");
    let posts = ks.table("posts").using(CONNECTION);
    assert_eq!(posts.keyspace(), "ks");
    assert_eq!(posts.name(), "posts");
    let author = posts.column("author");
    let seq = posts.column("seq");

    // The whole table.
    assert_eq!(posts.all().await.unwrap().len(), 12);
    assert_eq!(posts.objects().all().await.unwrap().len(), 12);

    // A partition, in clustering order; rows are read by column name.
    let rows = posts.filter(author.eq(2_i32)).all().await.unwrap();
    let seqs: Vec<i32> = rows.iter().map(|r| r.get("seq").unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(rows[2].get::<String>("body").unwrap(), "post 2/3");

    // A clustering range in a partition, and several filters.
    let rows = posts
        .filter(author.eq(2_i32))
        .filter(seq.gt(1_i32))
        .filter(seq.lte(3_i32))
        .all()
        .await
        .unwrap();
    let seqs: Vec<i32> = rows.iter().map(|r| r.get("seq").unwrap()).collect();
    assert_eq!(seqs, [2, 3]);
    let rows = posts
        .filter(author.eq(2_i32))
        .filter(seq.gte(3_i32))
        .filter(seq.lt(4_i32))
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);

    // IN on the partition key.
    let rows = posts.filter(author.in_([1_i32, 3])).all().await.unwrap();
    assert_eq!(rows.len(), 8);
    assert!(rows
        .iter()
        .all(|r| [1, 3].contains(&r.get::<i32>("author").unwrap())));

    // A secondary index (found in the metadata) used with =.
    let rows = posts
        .filter(posts.column("title").eq("title 1"))
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), 6);

    // LIMIT.
    assert_eq!(posts.objects().limit(5).all().await.unwrap().len(), 5);

    // The CQL the mapper wrote: quoted names, `?` markers, prepared.
    let sent = prepared_with(cluster, "FROM \"ks\".\"posts\" WHERE \"author\" IN (?, ?)");
    assert_eq!(
        sent,
        ["SELECT * FROM \"ks\".\"posts\" WHERE \"author\" IN (?, ?)"]
    );
    assert!(!prepared_with(cluster, "SELECT * FROM \"ks\".\"posts\" LIMIT 5").is_empty());
}

async fn get_first_count() {
    let posts = NamedTable::new("ks", "posts").using(CONNECTION);
    let author = posts.column("author");
    let seq = posts.column("seq");

    let row = posts
        .filter(author.eq(1_i32))
        .filter(seq.eq(3_i32))
        .get()
        .await
        .unwrap();
    assert_eq!(row.get::<String>("body").unwrap(), "post 1/3");
    assert_eq!(row.get::<String>("title").unwrap(), "title 1");

    match posts.filter(author.eq(99_i32)).get().await {
        Err(MapperError::TableDoesNotExist { keyspace, table }) => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("ks", "posts"));
        }
        other => panic!("expected TableDoesNotExist, got {other:?}"),
    }
    let error = posts.filter(author.eq(1_i32)).get().await.unwrap_err();
    match &error {
        MapperError::TableMultipleObjectsReturned {
            keyspace,
            table,
            count,
        } => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("ks", "posts"));
            // The query stops reading at two rows.
            assert_eq!(*count, 2);
        }
        other => panic!("expected TableMultipleObjectsReturned, got {other:?}"),
    }
    assert!(error
        .to_string()
        .contains("ks.posts.MultipleObjectsReturned"));

    let first = posts
        .filter(author.eq(3_i32))
        .first()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.get::<i32>("seq").unwrap(), 1);
    assert!(posts
        .filter(author.eq(99_i32))
        .first()
        .await
        .unwrap()
        .is_none());

    assert_eq!(posts.count().await.unwrap(), 12);
    assert_eq!(posts.filter(author.eq(3_i32)).count().await.unwrap(), 4);
    assert_eq!(
        posts
            .filter(author.eq(3_i32))
            .filter(seq.gt(2_i32))
            .count()
            .await
            .unwrap(),
        2
    );

    // A single-row table: `get` on the table itself.
    let settings = NamedKeyspace::new("ks").table("settings").using(CONNECTION);
    let row = settings.get().await.unwrap();
    assert_eq!(row.get::<String>("v").unwrap(), "fast");
    assert!(settings.first().await.unwrap().is_some());
}

async fn stream_and_options(cluster: &TestCluster) {
    let posts = NamedTable::new("ks", "posts").using(CONNECTION);

    // Pages of 5: the stream reads all 12 rows over three pages.
    let before = cluster.activity().entries().len();
    let mut stream = posts.objects().fetch_size(5).stream().await.unwrap();
    let mut seen = 0;
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        let _: i32 = row.get("author").unwrap();
        seen += 1;
    }
    assert_eq!(seen, 12);
    let executes = cluster.activity().entries()[before..]
        .iter()
        .filter(|e| e.opcode == Opcode::Execute)
        .count();
    assert!(executes >= 3, "{executes} EXECUTEs for three pages");

    let mut stream = posts.stream().await.unwrap();
    let mut seen = 0;
    while let Some(row) = stream.next().await {
        row.unwrap();
        seen += 1;
    }
    assert_eq!(seen, 12);

    // Consistency and timeout reach the request.
    let before = cluster.activity().entries().len();
    let rows = posts
        .filter(posts.column("author").eq(1_i32))
        .consistency(Consistency::All)
        .timeout(Duration::from_secs(5))
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(cluster.activity().entries()[before..]
        .iter()
        .any(|e| e.opcode == Opcode::Execute && e.consistency == Some(Consistency::All)));

    // `using` on a query set.
    let table = NamedKeyspace::new("ks").table("posts");
    let rows = table
        .objects()
        .using(CONNECTION)
        .limit(1)
        .all()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}

async fn refused_before_io(cluster: &TestCluster) {
    let posts = NamedTable::new("ks", "posts").using(CONNECTION);

    // A regular column without an index.
    let message = invalid_message(posts.filter(posts.column("body").eq("x")).all().await);
    assert!(message.contains("body is not indexed"), "{message}");
    // Even with ALLOW FILTERING, Cassandra 2.0 refuses it.
    let message = invalid_message(
        posts
            .filter(posts.column("body").eq("x"))
            .allow_filtering()
            .count()
            .await,
    );
    assert!(message.contains("not indexed"), "{message}");
    assert!(prepared_with(cluster, "\"body\" =").is_empty());

    // A clustering column without the partition key needs ALLOW FILTERING.
    let seq_only = posts.filter(posts.column("seq").gt(2_i32));
    let message = invalid_message(seq_only.clone().get().await);
    assert!(message.contains("allow_filtering"), "{message}");
    assert!(prepared_with(cluster, "WHERE \"seq\" >").is_empty());
    let rows = seq_only.allow_filtering().all().await.unwrap();
    assert_eq!(rows.len(), 6);
    assert_eq!(
        prepared_with(cluster, "WHERE \"seq\" >"),
        ["SELECT * FROM \"ks\".\"posts\" WHERE \"seq\" > ? ALLOW FILTERING"]
    );

    // A range on the partition key.
    let message = invalid_message(posts.filter(posts.column("author").gt(1_i32)).first().await);
    assert!(message.contains("partition key"), "{message}");

    // An unknown column.
    let message = invalid_message(posts.filter(posts.column("nope").eq(1_i32)).all().await);
    assert!(message.contains("no column named nope"), "{message}");

    // The indexed column with a range, and nothing else indexed with =.
    let message = invalid_message(
        posts
            .filter(posts.column("title").gt("a"))
            .stream()
            .await
            .map(|_| ()),
    );
    assert!(message.contains("title is not indexed"), "{message}");
}

async fn unknown_table_and_connection() {
    // Not in the metadata, even after reading the schema again.
    let missing = NamedKeyspace::new("ks").table("missing").using(CONNECTION);
    match missing.all().await {
        Err(MapperError::UnknownTable { keyspace, table }) => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("ks", "missing"));
        }
        other => panic!("expected UnknownTable, got {other:?}"),
    }
    let error = NamedTable::new("nowhere", "posts")
        .using(CONNECTION)
        .count()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("no table nowhere.posts"),
        "{error}"
    );

    // Names are exact: the schema stores unquoted names in lower case.
    assert!(matches!(
        NamedTable::new("ks", "Posts")
            .using(CONNECTION)
            .first()
            .await,
        Err(MapperError::UnknownTable { .. })
    ));

    // An unregistered connection.
    assert!(matches!(
        NamedTable::new("ks", "posts").using("nope").all().await,
        Err(MapperError::NoConnection { name }) if name == "nope"
    ));
}
