//! Schema management against the in-process test cluster: keyspaces,
//! `sync_table` (create, no-op, add columns, add indexes, alter table
//! options, refuse a primary key change, only warn on a type change) and
//! `drop_table`, with the metadata the driver reads back and the exact CQL
//! the cluster received.
//!
//! The derive is not written yet, so the models implement `Model` and
//! `FromRow` by hand. Each test has its own cluster address and its own
//! connection name (the registry is global and tests run in parallel).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::OnceLock;

use cql_driver::metadata::{ClusteringOrder as MetaOrder, ColumnKind, ReplicationStrategy};
use cql_driver::statement::ValuesWriter;
use cql_driver::{FromRow, Row, RowError, SerializeValues, Session};
use cql_protocol::value::{to_raw_value, ValueError};
use cql_protocol::{ColumnType, ProtocolVersion, RawValue};
use cql_testcluster::cluster::TestCluster;
use cqlengine::management::{
    create_keyspace_network_topology, create_keyspace_simple, drop_keyspace, drop_table,
    sync_table, SyncReport,
};
use cqlengine::{
    ClusteringOrder, ColumnDef, ColumnRole, MapperError, Model, ModelSchema, ValidationError,
};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// Models, by hand.

/// The columns of `post`: partition key (user_id, bucket), clustering
/// created DESC, seq ASC; a static owner, an indexed title.
fn post_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef {
            role: ColumnRole::PartitionKey,
            ..ColumnDef::new("user_id", "user_id", ColumnType::Uuid)
        },
        ColumnDef {
            role: ColumnRole::PartitionKey,
            ..ColumnDef::new("bucket", "bucket", ColumnType::Int)
        },
        ColumnDef {
            role: ColumnRole::Clustering(ClusteringOrder::Desc),
            ..ColumnDef::new("created", "created", ColumnType::Timeuuid)
        },
        ColumnDef {
            role: ColumnRole::Clustering(ClusteringOrder::Asc),
            ..ColumnDef::new("seq", "seq", ColumnType::Int)
        },
        ColumnDef {
            role: ColumnRole::Static,
            ..ColumnDef::new("owner", "owner", ColumnType::Varchar)
        },
        ColumnDef {
            index: true,
            ..ColumnDef::new("title", "ttl_", ColumnType::Varchar)
        },
        ColumnDef::new("body", "body", ColumnType::Varchar),
        ColumnDef::new(
            "tags",
            "tags",
            ColumnType::Set(Box::new(ColumnType::Varchar)),
        ),
    ]
}

fn post_schema(model: &'static str, columns: Vec<ColumnDef>) -> ModelSchema {
    ModelSchema {
        model,
        table: "post",
        keyspace: None,
        columns,
        options: vec![("comment", "'posts'".to_string())],
        discriminator_value: None,
        variants: Vec::new(),
    }
}

/// The main model, with real fields.
#[derive(Debug, Clone, PartialEq)]
struct Post {
    user_id: Uuid,
    bucket: i32,
    created: Uuid,
    seq: i32,
    owner: Option<String>,
    title: Option<String>,
    body: Option<String>,
    tags: BTreeSet<String>,
}

impl FromRow for Post {
    fn from_row(row: &Row) -> Result<Self, RowError> {
        Ok(Post {
            user_id: row.get("user_id")?,
            bucket: row.get("bucket")?,
            created: row.get("created")?,
            seq: row.get("seq")?,
            owner: row.get("owner")?,
            title: row.get("ttl_")?,
            body: row.get("body")?,
            tags: row
                .get::<Option<BTreeSet<String>>>("tags")?
                .unwrap_or_default(),
        })
    }
}

impl Model for Post {
    fn schema() -> &'static ModelSchema {
        static SCHEMA: OnceLock<ModelSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| post_schema("Post", post_columns()))
    }

    fn column_value(&self, index: usize, version: ProtocolVersion) -> Result<RawValue, ValueError> {
        let ty = &Self::schema().columns[index].ty;
        match index {
            0 => to_raw_value(&self.user_id, ty, version),
            1 => to_raw_value(&self.bucket, ty, version),
            2 => to_raw_value(&self.created, ty, version),
            3 => to_raw_value(&self.seq, ty, version),
            4 => to_raw_value(&self.owner, ty, version),
            5 => to_raw_value(&self.title, ty, version),
            6 => to_raw_value(&self.body, ty, version),
            7 => to_raw_value(&self.tags, ty, version),
            _ => panic!("no column {index}"),
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }
}

/// Other shapes of the same table; rows are not read or written through
/// them, so they hold nothing.
macro_rules! shape {
    ($name:ident, $schema:expr) => {
        #[derive(Debug)]
        struct $name;

        impl FromRow for $name {
            fn from_row(_: &Row) -> Result<Self, RowError> {
                Ok($name)
            }
        }

        impl Model for $name {
            fn schema() -> &'static ModelSchema {
                static SCHEMA: OnceLock<ModelSchema> = OnceLock::new();
                SCHEMA.get_or_init(|| $schema)
            }

            fn column_value(&self, _: usize, _: ProtocolVersion) -> Result<RawValue, ValueError> {
                Ok(RawValue::Null)
            }

            fn validate(&self) -> Result<(), ValidationError> {
                Ok(())
            }
        }
    };
}

// Post with three more columns (one static, one indexed) and an index on
// the existing `body`.
shape!(PostV2, {
    let mut columns = post_columns();
    columns[6].index = true;
    columns.push(ColumnDef::new("flag", "flag", ColumnType::Boolean));
    columns.push(ColumnDef {
        role: ColumnRole::Static,
        ..ColumnDef::new("note", "note", ColumnType::Varchar)
    });
    columns.push(ColumnDef {
        index: true,
        ..ColumnDef::new("score", "score", ColumnType::Int)
    });
    post_schema("PostV2", columns)
});

// `bucket` moved from the partition key to the clustering columns, and a
// new column that must not be added.
shape!(PostNewKey, {
    let mut columns = post_columns();
    columns[1].role = ColumnRole::Clustering(ClusteringOrder::Asc);
    columns.push(ColumnDef::new("extra", "extra", ColumnType::Varchar));
    post_schema("PostNewKey", columns)
});

// `created` ascending instead of descending.
shape!(PostAscending, {
    let mut columns = post_columns();
    columns[2].role = ColumnRole::Clustering(ClusteringOrder::Asc);
    post_schema("PostAscending", columns)
});

// `ttl_` as an int, `owner` not static, `tags` a list.
shape!(PostRetyped, {
    let mut columns = post_columns();
    columns[4].role = ColumnRole::Regular;
    columns[5].ty = ColumnType::Int;
    columns[7].ty = ColumnType::List(Box::new(ColumnType::Varchar));
    post_schema("PostRetyped", columns)
});

// No partition key: refused before anything is sent.
shape!(NoKey, {
    let mut columns = post_columns();
    for c in &mut columns {
        c.role = ColumnRole::Regular;
    }
    post_schema("NoKey", columns)
});

/// `post` with these options.
fn post_with_options(model: &'static str, options: &[(&'static str, &str)]) -> ModelSchema {
    ModelSchema {
        options: options
            .iter()
            .map(|(name, value)| (*name, value.to_string()))
            .collect(),
        ..post_schema(model, post_columns())
    }
}

// Options given at CREATE: some as Cassandra stores them, some not
// (`'keys_only'`, a short class name, a number as a string).
shape!(PostOptions, {
    post_with_options(
        "PostOptions",
        &[
            ("comment", "'posts'"),
            ("default_time_to_live", "3600"),
            ("compaction", "{'class': 'LeveledCompactionStrategy'}"),
            ("caching", "'keys_only'"),
            ("gc_grace_seconds", "'864000'"),
        ],
    )
});

// The same table with three options changed, two the same as written
// differently, and one the mapper does not know.
shape!(PostOptionsV2, {
    post_with_options(
        "PostOptionsV2",
        &[
            ("comment", "'posts, v2'"),
            ("default_time_to_live", "60"),
            (
                "compaction",
                "{'class': 'SizeTieredCompactionStrategy', 'min_threshold': '6'}",
            ),
            ("caching", "'KEYS_ONLY'"),
            ("gc_grace_seconds", "864000"),
            ("cdc", "true"),
        ],
    )
});

// ---------------------------------------------------------------------------
// Harness.

/// Values the model already serialized (`Model::column_value`).
struct Serialized(Vec<RawValue>);

impl SerializeValues for Serialized {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn write_values(&self, out: &mut ValuesWriter<'_>) -> Result<(), ValueError> {
        self.0.iter().try_for_each(|value| out.write(value))
    }
}

struct Harness {
    cluster: TestCluster,
    session: Session,
    name: String,
}

impl Harness {
    /// A one-node cluster at `ip`, and a session registered as `name` with
    /// the default keyspace `ks` (not created).
    async fn start(ip: Ipv4Addr, name: &str) -> Harness {
        let cluster = TestCluster::builder()
            .address(ip)
            .nodes(1)
            .start()
            .await
            .expect("cluster");
        let session = Session::builder()
            .contact_point(ip.to_string())
            .port(cluster.port())
            .build()
            .await
            .expect("session");
        cqlengine::connection::register_session(name, session.clone(), Some("ks"), false);
        Harness {
            cluster,
            session,
            name: name.to_string(),
        }
    }

    fn conn(&self) -> Option<&str> {
        Some(&self.name)
    }

    /// The QUERY texts the cluster received.
    fn queries(&self) -> Vec<String> {
        self.cluster
            .activity()
            .entries()
            .into_iter()
            .filter_map(|e| e.query)
            .collect()
    }

    /// The DDL texts the cluster received (from the driver's own system
    /// queries, only SELECTs are left out).
    fn ddl(&self) -> Vec<String> {
        self.queries()
            .into_iter()
            .filter(|q| {
                let upper = q.trim_start().to_ascii_uppercase();
                ["CREATE", "ALTER", "DROP"]
                    .iter()
                    .any(|verb| upper.starts_with(verb))
            })
            .collect()
    }

    fn table(&self, keyspace: &str) -> Option<cql_driver::metadata::TableMetadata> {
        self.session
            .cluster_metadata()
            .table(keyspace, "post")
            .cloned()
    }

    async fn finish(self) {
        cqlengine::connection::unregister_connection(&self.name);
        self.session.shutdown().await;
        self.cluster.shutdown().await;
    }
}

// ---------------------------------------------------------------------------
// Tests.

#[tokio::test]
async fn keyspaces_with_both_strategies_are_created_once_and_dropped_once() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 90, 1), "mgmt-keyspaces").await;

    assert!(create_keyspace_simple("simple_ks", 1, true, h.conn())
        .await
        .unwrap());
    assert!(!create_keyspace_simple("simple_ks", 1, true, h.conn())
        .await
        .unwrap());
    let metadata = h.session.cluster_metadata();
    let ks = metadata.keyspace("simple_ks").expect("simple_ks");
    assert_eq!(
        ks.replication,
        ReplicationStrategy::Simple {
            replication_factor: 1
        }
    );
    assert!(ks.durable_writes);

    assert!(create_keyspace_network_topology(
        "nts_ks",
        [("datacenter1", 1), ("dc2", 2)],
        false,
        h.conn()
    )
    .await
    .unwrap());
    let map = BTreeMap::from([("datacenter1".to_string(), 1), ("dc2".to_string(), 2)]);
    assert!(
        !create_keyspace_network_topology("nts_ks", map, false, h.conn())
            .await
            .unwrap()
    );
    let metadata = h.session.cluster_metadata();
    let ks = metadata.keyspace("nts_ks").expect("nts_ks");
    assert_eq!(
        ks.replication,
        ReplicationStrategy::NetworkTopology {
            datacenters: BTreeMap::from([("datacenter1".into(), 1), ("dc2".into(), 2)])
        }
    );
    assert!(!ks.durable_writes);

    assert!(drop_keyspace("simple_ks", h.conn()).await.unwrap());
    assert!(!drop_keyspace("simple_ks", h.conn()).await.unwrap());
    assert!(h.session.cluster_metadata().keyspace("simple_ks").is_none());
    assert!(drop_keyspace("nts_ks", h.conn()).await.unwrap());
    assert!(h.session.cluster_metadata().keyspace("nts_ks").is_none());

    // cqlengine's text, each statement sent once.
    assert_eq!(
        h.ddl(),
        [
            "CREATE KEYSPACE simple_ks WITH replication = {'class': 'SimpleStrategy', \
             'replication_factor': '1'}  AND durable_writes = true",
            "CREATE KEYSPACE nts_ks WITH replication = {'class': 'NetworkTopologyStrategy', \
             'datacenter1': '1', 'dc2': '2'}  AND durable_writes = false",
            "DROP KEYSPACE simple_ks",
            "DROP KEYSPACE nts_ks",
        ]
    );
    h.finish().await;
}

#[tokio::test]
async fn sync_table_creates_the_table_then_does_nothing() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 91, 1), "mgmt-create").await;
    create_keyspace_simple("ks", 1, true, h.conn())
        .await
        .unwrap();

    let report = sync_table::<Post>(None, h.conn()).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            created: true,
            created_indexes: vec!["ttl_".into()],
            ..SyncReport::default()
        }
    );

    let table = h.table("ks").expect("the table is in the metadata");
    assert_eq!(table.partition_key, ["user_id", "bucket"]);
    assert_eq!(
        table.clustering_key,
        [
            ("created".to_string(), MetaOrder::Desc),
            ("seq".to_string(), MetaOrder::Asc)
        ]
    );
    let column = |name: &str| table.column(name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(column("owner").kind, ColumnKind::Static);
    assert_eq!(column("body").kind, ColumnKind::Regular);
    assert_eq!(column("user_id").ty, ColumnType::Uuid);
    assert_eq!(column("created").ty, ColumnType::Timeuuid);
    assert_eq!(column("ttl_").ty, ColumnType::Varchar);
    assert_eq!(
        column("tags").ty,
        ColumnType::Set(Box::new(ColumnType::Varchar))
    );
    assert!(column("ttl_").index.is_some());
    assert!(column("body").index.is_none());

    let ddl = h.ddl();
    assert_eq!(
        ddl[1..],
        [
            "CREATE TABLE \"ks\".\"post\" (\"user_id\" uuid, \"bucket\" int, \"created\" timeuuid, \
             \"seq\" int, \"owner\" text static, \"ttl_\" text, \"body\" text, \"tags\" set<text>, \
             PRIMARY KEY ((\"user_id\", \"bucket\"), \"created\", \"seq\")) \
             WITH CLUSTERING ORDER BY (\"created\" DESC, \"seq\" ASC) AND comment = 'posts'"
                .to_string(),
            "CREATE INDEX ON \"ks\".\"post\" (\"ttl_\")".to_string(),
        ]
    );
    assert_eq!(ddl[1], Post::schema().create_table_cql("ks"));

    // The second sync sees the table and sends no DDL.
    let report = sync_table::<Post>(None, h.conn()).await.unwrap();
    assert_eq!(report, SyncReport::default());
    assert!(report.is_unchanged());
    assert_eq!(h.ddl().len(), 3);

    // The hand-written model really maps the table.
    let post = Post {
        user_id: Uuid::from_u128(1),
        bucket: 2,
        created: Uuid::parse_str("d2177dd0-eaa2-11de-a572-001b779c76e3").unwrap(),
        seq: 3,
        owner: Some("ada".into()),
        title: Some("hello".into()),
        body: None,
        tags: BTreeSet::from(["a".to_string()]),
    };
    let version = h.session.protocol_version();
    let values: Vec<RawValue> = (0..8)
        .map(|i| post.column_value(i, version).unwrap())
        .collect();
    h.session
        .query(
            "INSERT INTO ks.post (user_id, bucket, created, seq, owner, ttl_, body, tags) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            Serialized(values),
        )
        .await
        .unwrap();
    let rows = h
        .session
        .query("SELECT * FROM ks.post WHERE ttl_ = 'hello'", ())
        .await
        .unwrap();
    assert_eq!(rows.first_row_typed::<Post>().unwrap(), post);

    h.finish().await;
}

#[tokio::test]
async fn sync_table_adds_missing_columns_and_indexes() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 92, 1), "mgmt-alter").await;
    create_keyspace_simple("ks", 1, true, h.conn())
        .await
        .unwrap();
    sync_table::<Post>(None, h.conn()).await.unwrap();
    let before = h.ddl().len();

    let report = sync_table::<PostV2>(None, h.conn()).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            added_columns: vec!["flag".into(), "note".into(), "score".into()],
            created_indexes: vec!["body".into(), "score".into()],
            ..SyncReport::default()
        }
    );
    assert_eq!(
        h.ddl()[before..],
        [
            "ALTER TABLE \"ks\".\"post\" ADD \"flag\" boolean",
            "ALTER TABLE \"ks\".\"post\" ADD \"note\" text static",
            "ALTER TABLE \"ks\".\"post\" ADD \"score\" int",
            "CREATE INDEX ON \"ks\".\"post\" (\"body\")",
            "CREATE INDEX ON \"ks\".\"post\" (\"score\")",
        ]
    );
    let table = h.table("ks").unwrap();
    let column = |name: &str| table.column(name).unwrap_or_else(|| panic!("{name}"));
    assert_eq!(column("flag").ty, ColumnType::Boolean);
    assert_eq!(column("flag").kind, ColumnKind::Regular);
    assert_eq!(column("note").kind, ColumnKind::Static);
    assert_eq!(column("score").ty, ColumnType::Int);
    assert!(column("score").index.is_some());
    assert!(column("body").index.is_some());
    assert!(column("ttl_").index.is_some());

    // Both models are now satisfied; the old one leaves the new columns be.
    assert!(sync_table::<PostV2>(None, h.conn())
        .await
        .unwrap()
        .is_unchanged());
    assert_eq!(
        sync_table::<Post>(None, h.conn()).await.unwrap(),
        SyncReport::default()
    );
    assert_eq!(h.table("ks").unwrap(), table);
    assert_eq!(h.ddl().len(), before + 5);
    h.finish().await;
}

#[tokio::test]
async fn a_primary_key_change_is_refused_and_nothing_changes() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 93, 1), "mgmt-pk").await;
    create_keyspace_simple("ks", 1, true, h.conn())
        .await
        .unwrap();
    sync_table::<Post>(None, h.conn()).await.unwrap();
    let table = h.table("ks").unwrap();
    let before = h.ddl().len();

    let error = sync_table::<PostNewKey>(None, h.conn()).await.unwrap_err();
    match &error {
        MapperError::Schema { table, message } => {
            assert_eq!(table, "\"ks\".\"post\"");
            assert!(
                message.contains("PRIMARY KEY ((user_id), bucket, created DESC, seq)"),
                "{message}"
            );
            assert!(
                message.contains("PRIMARY KEY ((user_id, bucket), created DESC, seq)"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The clustering order is part of the key too.
    let error = sync_table::<PostAscending>(None, h.conn())
        .await
        .unwrap_err();
    assert!(matches!(error, MapperError::Schema { .. }), "{error:?}");

    assert_eq!(h.ddl().len(), before, "no DDL was sent");
    assert_eq!(h.table("ks").unwrap(), table);
    assert!(table.column("extra").is_none());
    h.finish().await;
}

#[tokio::test]
async fn a_type_change_is_only_reported() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 94, 1), "mgmt-types").await;
    create_keyspace_simple("ks", 1, true, h.conn())
        .await
        .unwrap();
    sync_table::<Post>(None, h.conn()).await.unwrap();
    let table = h.table("ks").unwrap();
    let before = h.ddl().len();

    let report = sync_table::<PostRetyped>(None, h.conn()).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            type_mismatches: vec!["owner".into(), "ttl_".into(), "tags".into()],
            ..SyncReport::default()
        }
    );
    assert!(report.is_unchanged());
    assert_eq!(h.ddl().len(), before);
    assert_eq!(h.table("ks").unwrap(), table);
    assert_eq!(table.column("ttl_").unwrap().ty, ColumnType::Varchar);
    h.finish().await;
}

#[tokio::test]
async fn sync_table_alters_the_options_that_differ_then_does_nothing() {
    const C: &str = "org.apache.cassandra.db.compaction.";
    let h = Harness::start(Ipv4Addr::new(127, 0, 96, 1), "mgmt-options").await;
    create_keyspace_simple("ks", 1, true, h.conn())
        .await
        .unwrap();

    // Created with the options; the metadata shows them as stored.
    let report = sync_table::<PostOptions>(None, h.conn()).await.unwrap();
    assert!(report.created);
    assert!(report.altered_options.is_empty());
    let options = h.table("ks").unwrap().options;
    assert_eq!(options.comment.as_deref(), Some("posts"));
    assert_eq!(options.default_time_to_live, Some(3600));
    assert_eq!(
        options.compaction_strategy_class,
        Some(format!("{C}LeveledCompactionStrategy"))
    );
    assert_eq!(options.caching.as_deref(), Some("KEYS_ONLY"));
    assert_eq!(options.gc_grace_seconds, Some(864000));
    assert_eq!(options.bloom_filter_fp_chance, Some(0.1));
    let columns = h.table("ks").unwrap().columns;
    let ddl = h.ddl().len();

    // The options match, however the model writes them: no ALTER.
    let report = sync_table::<PostOptions>(None, h.conn()).await.unwrap();
    assert_eq!(report, SyncReport::default());
    assert_eq!(h.ddl().len(), ddl);

    // Three options differ: one ALTER sets them, and only them (the
    // unknown `cdc` is left alone).
    let report = sync_table::<PostOptionsV2>(None, h.conn()).await.unwrap();
    assert_eq!(
        report,
        SyncReport {
            altered_options: vec![
                "comment".into(),
                "default_time_to_live".into(),
                "compaction".into()
            ],
            ..SyncReport::default()
        }
    );
    assert!(!report.is_unchanged());
    assert_eq!(
        h.ddl()[ddl..],
        [
            "ALTER TABLE \"ks\".\"post\" WITH comment = 'posts, v2' AND default_time_to_live = 60 \
          AND compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': '6'}"
        ]
    );
    // The driver's metadata already shows the new values.
    let table = h.table("ks").unwrap();
    let options = &table.options;
    assert_eq!(options.comment.as_deref(), Some("posts, v2"));
    assert_eq!(options.default_time_to_live, Some(60));
    assert_eq!(
        options.compaction(),
        Some(BTreeMap::from([
            ("class".into(), format!("{C}SizeTieredCompactionStrategy")),
            ("min_threshold".into(), "6".into()),
        ]))
    );
    assert_eq!(options.min_compaction_threshold, Some(6));
    // Untouched: what the ALTER did not name.
    assert_eq!(options.caching.as_deref(), Some("KEYS_ONLY"));
    assert_eq!(options.bloom_filter_fp_chance, Some(0.1));
    // Nothing else changed either.
    assert_eq!(table.columns, columns);
    assert_eq!(table.partition_key, ["user_id", "bucket"]);

    // A re-sync is a no-op.
    let ddl = h.ddl().len();
    let report = sync_table::<PostOptionsV2>(None, h.conn()).await.unwrap();
    assert_eq!(report, SyncReport::default());
    assert_eq!(h.ddl().len(), ddl);
    assert_eq!(h.table("ks").unwrap(), table);

    // The first model puts its values back, and is then satisfied.
    let report = sync_table::<PostOptions>(None, h.conn()).await.unwrap();
    assert_eq!(
        report.altered_options,
        ["comment", "default_time_to_live", "compaction"]
    );
    let options = h.table("ks").unwrap().options;
    assert_eq!(options.comment.as_deref(), Some("posts"));
    assert_eq!(options.default_time_to_live, Some(3600));
    assert_eq!(
        options.compaction(),
        Some(BTreeMap::from([(
            "class".into(),
            format!("{C}LeveledCompactionStrategy")
        )]))
    );
    assert!(sync_table::<PostOptions>(None, h.conn())
        .await
        .unwrap()
        .is_unchanged());
    h.finish().await;
}

#[tokio::test]
async fn drop_table_and_keyspace_resolution() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 95, 1), "mgmt-drop").await;

    // The connection's keyspace does not exist yet.
    let error = sync_table::<Post>(None, h.conn()).await.unwrap_err();
    assert!(
        matches!(&error, MapperError::Schema { message, .. } if message.contains("keyspace ks")),
        "{error:?}"
    );
    // Nothing to drop.
    assert!(!drop_table::<Post>(None, h.conn()).await.unwrap());

    // An explicit keyspace wins over the connection's.
    create_keyspace_simple("other", 1, true, h.conn())
        .await
        .unwrap();
    assert!(
        sync_table::<Post>(Some("other"), h.conn())
            .await
            .unwrap()
            .created
    );
    assert!(h.table("other").is_some());
    assert!(h.table("ks").is_none());

    assert!(drop_table::<Post>(Some("other"), h.conn()).await.unwrap());
    assert!(h.table("other").is_none());
    assert!(!drop_table::<Post>(Some("other"), h.conn()).await.unwrap());
    assert_eq!(
        h.ddl().last().map(String::as_str),
        Some("DROP TABLE \"other\".\"post\"")
    );
    assert_eq!(
        h.ddl()
            .iter()
            .filter(|q| q.starts_with("DROP TABLE"))
            .count(),
        1
    );

    // A connection without a default keyspace, and a model without one.
    let bare = "mgmt-drop-bare";
    cqlengine::connection::register_session(bare, h.session.clone(), None, false);
    let error = sync_table::<Post>(None, Some(bare)).await.unwrap_err();
    assert!(
        matches!(&error, MapperError::UndefinedKeyspace { model } if model == "Post"),
        "{error:?}"
    );
    let error = drop_table::<Post>(None, Some(bare)).await.unwrap_err();
    assert!(matches!(error, MapperError::UndefinedKeyspace { .. }));
    cqlengine::connection::unregister_connection(bare);
    h.finish().await;
}

#[tokio::test]
async fn the_model_is_checked_before_anything_else() {
    // No connection is needed to find out the model is wrong.
    let error = sync_table::<NoKey>(None, Some("mgmt-no-such-connection"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, MapperError::ModelDefinition { model: "NoKey", .. }),
        "{error:?}"
    );
    let error = sync_table::<Post>(None, Some("mgmt-no-such-connection"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, MapperError::NoConnection { .. }),
        "{error:?}"
    );
}
