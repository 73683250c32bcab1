//! Table options end to end: `CREATE TABLE ... WITH` and `ALTER TABLE ...
//! WITH` sent as CQL to a running cluster, read back from
//! `system.schema_columnfamilies` as Cassandra 2.0 writes them, and the
//! SCHEMA_CHANGE events an ALTER pushes.

mod support;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::Ipv4Addr;
use std::time::Duration;

use cql_protocol::message::response::{
    Event, Response, ResultBody, Rows, SchemaChange, SchemaChangeType,
};
use cql_protocol::{Consistency, ProtocolVersion};
use cql_testcluster::cluster::TestCluster;
use support::Client;

async fn bounded<F: Future<Output = ()>>(body: F) {
    tokio::time::timeout(Duration::from_secs(60), body)
        .await
        .expect("test timed out");
}

/// One `schema_columnfamilies` row's option columns, by name, as text
/// (ints, doubles and booleans formatted).
async fn options_row(client: &mut Client, table: &str) -> BTreeMap<String, String> {
    let cql = format!(
        "SELECT * FROM system.schema_columnfamilies \
         WHERE keyspace_name = 'ks' AND columnfamily_name = '{table}'"
    );
    let frame = client.query(3, &cql, Consistency::One).await;
    let Response::Result(ResultBody::Rows(rows)) = frame.response else {
        panic!("{cql}: {:?}", frame.response)
    };
    row_as_text(&rows)
}

fn row_as_text(rows: &Rows) -> BTreeMap<String, String> {
    let specs = rows.columns().expect("metadata");
    let row = rows.iter().next().expect("one row");
    let mut out = BTreeMap::new();
    for (spec, value) in specs.iter().zip(row.values()) {
        let Some(bytes) = value else { continue };
        let text = match spec.name.as_str() {
            "bloom_filter_fp_chance" | "read_repair_chance" | "local_read_repair_chance" => {
                f64::from_be_bytes(bytes.try_into().unwrap()).to_string()
            }
            "default_time_to_live"
            | "gc_grace_seconds"
            | "index_interval"
            | "min_compaction_threshold"
            | "max_compaction_threshold"
            | "memtable_flush_period_in_ms" => {
                i32::from_be_bytes(bytes.try_into().unwrap()).to_string()
            }
            "replicate_on_write" | "populate_io_cache_on_flush" | "is_dense" => {
                (bytes == [1]).to_string()
            }
            "dropped_columns" => continue,
            _ => String::from_utf8(bytes.to_vec()).unwrap(),
        };
        out.insert(spec.name.clone(), text);
    }
    out
}

async fn ok(client: &mut Client, cql: &str) -> ResultBody {
    match client.query(2, cql, Consistency::One).await.response {
        Response::Result(result) => result,
        other => panic!("{cql}: {other:?}"),
    }
}

#[tokio::test]
async fn create_and_alter_with_options_show_in_schema_columnfamilies() {
    bounded(async {
        let cluster = TestCluster::builder()
            .address(Ipv4Addr::new(127, 0, 14, 1))
            .nodes(2)
            .start()
            .await
            .unwrap();
        let points = cluster.contact_points();
        let mut client = Client::handshake(points[0], ProtocolVersion::V2).await;
        // Events come from the other node too, as drivers see them.
        let mut listener = Client::handshake(points[1], ProtocolVersion::V2).await;
        listener.register_all(5).await;

        ok(
            &mut client,
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}",
        )
        .await;
        assert_eq!(
            listener.event().await,
            Event::SchemaChange(SchemaChange::keyspace(SchemaChangeType::Created, "ks"))
        );
        ok(
            &mut client,
            "CREATE TABLE ks.t (k int PRIMARY KEY, v text) WITH comment = 'users' \
             AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '160'} \
             AND compression = {'sstable_compression': 'SnappyCompressor', 'chunk_length_kb': 64} \
             AND default_time_to_live = 3600 AND caching = 'all' \
             AND speculative_retry = '95percentile' AND dclocal_read_repair_chance = 0.2",
        )
        .await;
        assert_eq!(
            listener.event().await,
            Event::SchemaChange(SchemaChange::table(SchemaChangeType::Created, "ks", "t"))
        );

        let row = options_row(&mut client, "t").await;
        let get = |name: &str| row.get(name).map(String::as_str);
        assert_eq!(get("comment"), Some("users"));
        assert_eq!(
            get("compaction_strategy_class"),
            Some("org.apache.cassandra.db.compaction.LeveledCompactionStrategy")
        );
        assert_eq!(
            get("compaction_strategy_options"),
            Some(r#"{"sstable_size_in_mb":"160"}"#)
        );
        assert_eq!(
            get("compression_parameters"),
            Some(
                r#"{"chunk_length_kb":"64","sstable_compression":"org.apache.cassandra.io.compress.SnappyCompressor"}"#
            )
        );
        assert_eq!(get("default_time_to_live"), Some("3600"));
        assert_eq!(get("caching"), Some("ALL"));
        assert_eq!(get("speculative_retry"), Some("95.0PERCENTILE"));
        assert_eq!(get("local_read_repair_chance"), Some("0.2"));
        // Leveled compaction's own bloom filter default; the rest default.
        assert_eq!(get("bloom_filter_fp_chance"), Some("0.1"));
        assert_eq!(get("gc_grace_seconds"), Some("864000"));
        assert_eq!(get("min_compaction_threshold"), Some("4"));
        assert_eq!(get("read_repair_chance"), Some("0"));
        assert_eq!(get("replicate_on_write"), Some("true"));
        assert_eq!(get("populate_io_cache_on_flush"), Some("false"));
        assert_eq!(get("index_interval"), Some("128"));
        assert_eq!(get("memtable_flush_period_in_ms"), Some("0"));

        // ALTER ... WITH: an UPDATED change, as the result and as an event.
        let result = ok(
            &mut client,
            "ALTER TABLE ks.t WITH comment = 'people' AND gc_grace_seconds = 10 \
             AND compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': '6'} \
             AND compression = {'sstable_compression': ''}",
        )
        .await;
        let updated = SchemaChange::table(SchemaChangeType::Updated, "ks", "t");
        assert_eq!(result, ResultBody::SchemaChange(updated.clone()));
        assert_eq!(listener.event().await, Event::SchemaChange(updated));

        let row = options_row(&mut client, "t").await;
        let get = |name: &str| row.get(name).map(String::as_str);
        assert_eq!(get("comment"), Some("people"));
        assert_eq!(get("gc_grace_seconds"), Some("10"));
        assert_eq!(
            get("compaction_strategy_class"),
            Some("org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy")
        );
        assert_eq!(
            get("compaction_strategy_options"),
            Some(r#"{"min_threshold":"6"}"#)
        );
        assert_eq!(get("min_compaction_threshold"), Some("6"));
        assert_eq!(get("compression_parameters"), Some("{}"));
        // What the ALTER did not name is unchanged.
        assert_eq!(get("default_time_to_live"), Some("3600"));
        assert_eq!(get("caching"), Some("ALL"));
        assert_eq!(get("bloom_filter_fp_chance"), Some("0.1"));

        // A bad ALTER changes nothing and pushes no event.
        let frame = client
            .query(
                2,
                "ALTER TABLE ks.t WITH comment = 'x' AND min_compaction_threshold = 2",
                Consistency::One,
            )
            .await;
        let Response::Error(error) = frame.response else {
            panic!("{:?}", frame.response)
        };
        assert_eq!(error.message, "Unknown property 'min_compaction_threshold'");
        assert_eq!(
            options_row(&mut client, "t").await.get("comment").map(String::as_str),
            Some("people")
        );
        ok(&mut client, "DROP TABLE ks.t").await;
        assert_eq!(
            listener.event().await,
            Event::SchemaChange(SchemaChange::table(SchemaChangeType::Dropped, "ks", "t"))
        );
        cluster.shutdown().await;
    })
    .await;
}
