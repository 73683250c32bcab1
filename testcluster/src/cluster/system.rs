//! The system keyspaces of Cassandra 2.0 (protocol notes §10) as real
//! storage tables, and the code that renders their rows.
//!
//! `system.local` and `system.peers` exist once per node (their rows differ
//! per node); every other system table is shared, in the catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::ColumnType;
use uuid::Uuid;

use super::{NodeInfo, NodeState};
use crate::context::TraceSession;
use crate::storage::schema::{json_array, json_object};
use crate::storage::types::marshal_class;
use crate::storage::types::marshal_class_with_order;
use crate::storage::{
    Catalog, CollectionLiteral, ColumnKind, ColumnSpec, ColumnWrite, CreateTable, KeyspaceDef,
    Mutation, Op, ReadCommand, Replication, StorageResult, Table, TableDef,
};

/// The `cluster_name` of `system.local`.
pub const CLUSTER_NAME: &str = "Test Cluster";
/// The Cassandra version the nodes claim (`release_version`).
pub const RELEASE_VERSION: &str = "2.0.17";
/// The CQL version of `system.local`.
pub const CQL_VERSION: &str = "3.1.7";
/// The Thrift version of `system.local`.
pub const THRIFT_VERSION: &str = "19.39.0";
/// The native protocol version of `system.local`.
pub const NATIVE_PROTOCOL_VERSION: &str = "2";
/// The partitioner of `system.local`.
pub const PARTITIONER: &str = "org.apache.cassandra.dht.Murmur3Partitioner";

/// The system keyspaces, which users cannot change.
pub const SYSTEM_KEYSPACES: [&str; 3] = ["system", "system_auth", "system_traces"];

const M: &str = "org.apache.cassandra.db.marshal.";

fn set(t: ColumnType) -> ColumnType {
    ColumnType::Set(Box::new(t))
}

fn map(k: ColumnType, v: ColumnType) -> ColumnType {
    ColumnType::Map(Box::new(k), Box::new(v))
}

/// A system table's shape.
struct Shape {
    keyspace: &'static str,
    name: &'static str,
    columns: Vec<(&'static str, ColumnType)>,
    partition_key: &'static [&'static str],
    clustering: &'static [&'static str],
    compact: bool,
    comment: &'static str,
}

impl Shape {
    fn create(&self) -> CreateTable {
        let mut spec = CreateTable::new(
            self.keyspace,
            self.name,
            self.columns
                .iter()
                .map(|(n, t)| ColumnSpec::new(*n, t.clone()))
                .collect(),
            self.partition_key,
            self.clustering,
        );
        spec.compact_storage = self.compact;
        spec.options.push((
            "comment".to_owned(),
            crate::storage::OptionValue::Str(self.comment.to_owned()),
        ));
        spec
    }
}

fn local_shape() -> Shape {
    use ColumnType::*;
    Shape {
        keyspace: "system",
        name: "local",
        columns: vec![
            ("key", Varchar),
            ("bootstrapped", Varchar),
            ("cluster_name", Varchar),
            ("cql_version", Varchar),
            ("data_center", Varchar),
            ("gossip_generation", Int),
            ("host_id", Uuid),
            ("native_protocol_version", Varchar),
            ("partitioner", Varchar),
            ("rack", Varchar),
            ("release_version", Varchar),
            ("rpc_address", Inet),
            ("schema_version", Uuid),
            ("thrift_version", Varchar),
            ("tokens", set(Varchar)),
            ("truncated_at", map(Uuid, Blob)),
        ],
        partition_key: &["key"],
        clustering: &[],
        compact: false,
        comment: "information about the local node",
    }
}

fn peers_shape() -> Shape {
    use ColumnType::*;
    Shape {
        keyspace: "system",
        name: "peers",
        columns: vec![
            ("peer", Inet),
            ("data_center", Varchar),
            ("host_id", Uuid),
            ("preferred_ip", Inet),
            ("rack", Varchar),
            ("release_version", Varchar),
            ("rpc_address", Inet),
            ("schema_version", Uuid),
            ("tokens", set(Varchar)),
        ],
        partition_key: &["peer"],
        clustering: &[],
        compact: false,
        comment: "known peers in the cluster",
    }
}

fn shared_shapes() -> Vec<Shape> {
    use ColumnType::*;
    vec![
        Shape {
            keyspace: "system",
            name: "schema_keyspaces",
            columns: vec![
                ("keyspace_name", Varchar),
                ("durable_writes", Boolean),
                ("strategy_class", Varchar),
                ("strategy_options", Varchar),
            ],
            partition_key: &["keyspace_name"],
            clustering: &[],
            compact: true,
            comment: "keyspace definitions",
        },
        Shape {
            keyspace: "system",
            name: "schema_columnfamilies",
            columns: vec![
                ("keyspace_name", Varchar),
                ("columnfamily_name", Varchar),
                ("bloom_filter_fp_chance", Double),
                ("caching", Varchar),
                ("column_aliases", Varchar),
                ("comment", Varchar),
                ("compaction_strategy_class", Varchar),
                ("compaction_strategy_options", Varchar),
                ("comparator", Varchar),
                ("compression_parameters", Varchar),
                ("default_time_to_live", Int),
                ("default_validator", Varchar),
                ("dropped_columns", map(Varchar, Bigint)),
                ("gc_grace_seconds", Int),
                ("index_interval", Int),
                ("is_dense", Boolean),
                ("key_aliases", Varchar),
                ("key_validator", Varchar),
                ("local_read_repair_chance", Double),
                ("max_compaction_threshold", Int),
                ("memtable_flush_period_in_ms", Int),
                ("min_compaction_threshold", Int),
                ("populate_io_cache_on_flush", Boolean),
                ("read_repair_chance", Double),
                ("replicate_on_write", Boolean),
                ("speculative_retry", Varchar),
                ("subcomparator", Varchar),
                ("type", Varchar),
                ("value_alias", Varchar),
            ],
            partition_key: &["keyspace_name"],
            clustering: &["columnfamily_name"],
            compact: false,
            comment: "ColumnFamily definitions",
        },
        Shape {
            keyspace: "system",
            name: "schema_columns",
            columns: vec![
                ("keyspace_name", Varchar),
                ("columnfamily_name", Varchar),
                ("column_name", Varchar),
                ("component_index", Int),
                ("index_name", Varchar),
                ("index_options", Varchar),
                ("index_type", Varchar),
                ("type", Varchar),
                ("validator", Varchar),
            ],
            partition_key: &["keyspace_name"],
            clustering: &["columnfamily_name", "column_name"],
            compact: false,
            comment: "ColumnFamily column attributes",
        },
        Shape {
            keyspace: "system",
            name: "schema_triggers",
            columns: vec![
                ("keyspace_name", Varchar),
                ("columnfamily_name", Varchar),
                ("trigger_name", Varchar),
                ("trigger_options", map(Varchar, Varchar)),
            ],
            partition_key: &["keyspace_name"],
            clustering: &["columnfamily_name", "trigger_name"],
            compact: false,
            comment: "triggers metadata table",
        },
        Shape {
            keyspace: "system",
            name: "peer_events",
            columns: vec![("peer", Inet), ("hints_dropped", map(Uuid, Int))],
            partition_key: &["peer"],
            clustering: &[],
            compact: false,
            comment: "cf contains events related to peers",
        },
        Shape {
            keyspace: "system_auth",
            name: "users",
            columns: vec![("name", Varchar), ("super", Boolean)],
            partition_key: &["name"],
            clustering: &[],
            compact: false,
            comment: "table of Cassandra users",
        },
        Shape {
            keyspace: "system_traces",
            name: "sessions",
            columns: vec![
                ("session_id", Uuid),
                ("coordinator", Inet),
                ("duration", Int),
                ("parameters", map(Varchar, Varchar)),
                ("request", Varchar),
                ("started_at", Timestamp),
            ],
            partition_key: &["session_id"],
            clustering: &[],
            compact: false,
            comment: "traced sessions",
        },
        Shape {
            keyspace: "system_traces",
            name: "events",
            columns: vec![
                ("session_id", Uuid),
                ("event_id", Timeuuid),
                ("activity", Varchar),
                ("source", Inet),
                ("source_elapsed", Int),
                ("thread", Varchar),
            ],
            partition_key: &["session_id"],
            clustering: &["event_id"],
            compact: false,
            comment: "",
        },
    ]
}

/// Creates the system keyspaces and their shared tables in `catalog` (and
/// empty `system.local`/`system.peers`, so that the schema tables list
/// them; the rows of those two are per node, see [`node_tables`]).
pub fn create_system_schema(catalog: &Catalog) -> StorageResult<()> {
    catalog.create_keyspace(
        KeyspaceDef {
            name: "system".into(),
            replication: Replication::Other {
                class: "org.apache.cassandra.locator.LocalStrategy".into(),
                options: BTreeMap::new(),
            },
            durable_writes: true,
        },
        true,
    )?;
    catalog.create_keyspace(KeyspaceDef::simple("system_auth", 1), true)?;
    catalog.create_keyspace(KeyspaceDef::simple("system_traces", 2), true)?;
    for shape in [local_shape(), peers_shape()]
        .into_iter()
        .chain(shared_shapes())
    {
        catalog.create_table(&shape.create(), true)?;
    }
    Ok(())
}

/// A node's own `system.local` and `system.peers` tables (empty).
pub fn node_tables() -> StorageResult<(Arc<Table>, Arc<Table>)> {
    let local = TableDef::from_create(&local_shape().create())?;
    let peers = TableDef::from_create(&peers_shape().create())?;
    Ok((Arc::new(Table::new(local)), Arc::new(Table::new(peers))))
}

/// A value to write in a system table column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Bytes(Bytes),
    Set(Vec<Bytes>),
    Map(Vec<(Bytes, Bytes)>),
}

pub(crate) fn text(s: &str) -> Value {
    Value::Bytes(Bytes::copy_from_slice(s.as_bytes()))
}

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

fn int(v: i32) -> Value {
    Value::Bytes(Bytes::copy_from_slice(&v.to_be_bytes()))
}

fn double(v: f64) -> Value {
    Value::Bytes(Bytes::copy_from_slice(&v.to_be_bytes()))
}

fn boolean(v: bool) -> Value {
    Value::Bytes(Bytes::from(vec![u8::from(v)]))
}

fn uuid(v: Uuid) -> Value {
    Value::Bytes(Bytes::copy_from_slice(v.as_bytes()))
}

pub(crate) fn inet_bytes(ip: IpAddr) -> Bytes {
    match ip {
        IpAddr::V4(v4) => Bytes::copy_from_slice(&v4.octets()),
        IpAddr::V6(v6) => Bytes::copy_from_slice(&v6.octets()),
    }
}

fn inet(ip: IpAddr) -> Value {
    Value::Bytes(inet_bytes(ip))
}

fn tokens(tokens: &[i64]) -> Value {
    let mut set: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
    set.sort();
    set.dedup();
    Value::Set(set.into_iter().map(Bytes::from).collect())
}

/// One row of a system table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Row {
    pub key: Bytes,
    pub clustering: Vec<Bytes>,
    pub columns: Vec<(&'static str, Value)>,
}

impl Row {
    fn new(key: Bytes, clustering: Vec<Bytes>) -> Self {
        Row {
            key,
            clustering,
            columns: Vec::new(),
        }
    }

    fn col(mut self, name: &'static str, value: Value) -> Self {
        self.columns.push((name, value));
        self
    }
}

/// Makes `table` hold exactly `rows`: every row is rewritten at `timestamp`
/// (null columns deleted) and rows that are no longer wanted are deleted,
/// so readers never see the table empty in between.
pub(crate) fn sync_rows(
    table: &Table,
    rows: &[Row],
    timestamp: i64,
    now: i64,
) -> StorageResult<()> {
    let def = table.def();
    let has_clustering = !def.clustering.is_empty();
    let wanted: BTreeSet<(Bytes, Vec<Bytes>)> = rows
        .iter()
        .map(|r| (r.key.clone(), r.clustering.clone()))
        .collect();
    let existing = table.read(&ReadCommand::all(), now)?;
    for row in existing.rows {
        let clustering = row.clustering.clone().unwrap_or_default();
        if wanted.contains(&(row.partition_key.clone(), clustering.clone())) {
            continue;
        }
        let op = if has_clustering && !clustering.is_empty() {
            Op::DeleteRow {
                clustering,
                timestamp,
            }
        } else {
            Op::DeletePartition { timestamp }
        };
        table.apply(&Mutation::new(row.partition_key, vec![op]), now)?;
    }
    write_rows(table, rows, timestamp, now)
}

/// Writes `rows` (upserts) at `timestamp`.
pub(crate) fn write_rows(
    table: &Table,
    rows: &[Row],
    timestamp: i64,
    now: i64,
) -> StorageResult<()> {
    for row in rows {
        let mut ops = vec![Op::InsertMarker {
            clustering: row.clustering.clone(),
            timestamp,
            ttl: Some(0),
        }];
        for (name, value) in &row.columns {
            let write = match value {
                Value::Null => ColumnWrite::Delete,
                Value::Bytes(b) => ColumnWrite::Set(b.clone()),
                Value::Set(items) => ColumnWrite::Overwrite(CollectionLiteral::Set(items.clone())),
                Value::Map(items) => ColumnWrite::Overwrite(CollectionLiteral::Map(items.clone())),
            };
            ops.push(Op::Write {
                clustering: row.clustering.clone(),
                column: (*name).to_owned(),
                write,
                timestamp,
                ttl: Some(0),
            });
        }
        table.apply(&Mutation::new(row.key.clone(), ops), now)?;
    }
    Ok(())
}

/// What the local and peers rows need besides the node itself.
pub(crate) struct NodeRowContext {
    pub schema_version: Uuid,
    pub gossip_generation: i32,
}

/// The `system.local` row of `node`.
pub(crate) fn local_row(node: &NodeInfo, ctx: &NodeRowContext) -> Row {
    Row::new(Bytes::from_static(b"local"), Vec::new())
        .col("bootstrapped", text("COMPLETED"))
        .col("cluster_name", text(CLUSTER_NAME))
        .col("cql_version", text(CQL_VERSION))
        .col("data_center", text(&node.dc))
        .col("gossip_generation", int(ctx.gossip_generation))
        .col("host_id", uuid(node.host_id))
        .col("native_protocol_version", text(NATIVE_PROTOCOL_VERSION))
        .col("partitioner", text(PARTITIONER))
        .col("rack", text(&node.rack))
        .col("release_version", text(RELEASE_VERSION))
        .col("rpc_address", inet(node.address.ip()))
        .col("schema_version", uuid(ctx.schema_version))
        .col("thrift_version", text(THRIFT_VERSION))
        .col("tokens", tokens(&node.tokens))
}

/// The `system.peers` rows seen from `node`: every other node of the ring,
/// up or down.
pub(crate) fn peer_rows(node: &NodeInfo, all: &[NodeInfo], ctx: &NodeRowContext) -> Vec<Row> {
    all.iter()
        .filter(|p| p.index != node.index && p.state != NodeState::Removed)
        .map(|p| {
            Row::new(inet_bytes(p.address.ip()), Vec::new())
                .col("data_center", text(&p.dc))
                .col("host_id", uuid(p.host_id))
                .col("preferred_ip", Value::Null)
                .col("rack", text(&p.rack))
                .col("release_version", text(RELEASE_VERSION))
                .col("rpc_address", inet(p.address.ip()))
                .col("schema_version", uuid(ctx.schema_version))
                .col("tokens", tokens(&p.tokens))
        })
        .collect()
}

/// The `system.schema_keyspaces` rows.
pub(crate) fn keyspace_rows(catalog: &Catalog) -> Vec<Row> {
    catalog
        .keyspaces()
        .into_iter()
        .map(|ks| {
            Row::new(Bytes::from(ks.name.clone()), Vec::new())
                .col("durable_writes", boolean(ks.durable_writes))
                .col("strategy_class", text(&ks.replication.class_name()))
                .col("strategy_options", text(&ks.replication.options_json()))
        })
        .collect()
}

fn is_composite_comparator(def: &TableDef) -> bool {
    !def.compact_storage || def.clustering.len() >= 2
}

/// The `system.schema_columnfamilies` rows.
pub(crate) fn columnfamily_rows(catalog: &Catalog) -> Vec<Row> {
    catalog
        .all_table_defs()
        .iter()
        .map(|def| {
            let o = &def.options;
            let key_aliases: Vec<&str> = def.partition_key.iter().map(String::as_str).collect();
            let column_aliases: Vec<&str> =
                def.clustering.iter().map(|(n, _)| n.as_str()).collect();
            let value_alias = if def.is_dense() {
                def.regular_columns().first().map(|c| c.name.clone())
            } else {
                None
            };
            Row::new(
                Bytes::from(def.keyspace.clone()),
                vec![Bytes::from(def.name.clone())],
            )
            .col("bloom_filter_fp_chance", double(o.bloom_filter_fp_chance))
            .col("caching", text(&o.caching))
            .col("column_aliases", text(&json_array(&column_aliases)))
            .col("comment", text(&o.comment))
            .col("compaction_strategy_class", text(&o.compaction.class))
            .col(
                "compaction_strategy_options",
                text(&json_object(&o.compaction.options)),
            )
            .col("comparator", text(&def.comparator_class()))
            .col("compression_parameters", text(&json_object(&o.compression)))
            .col("default_time_to_live", int(o.default_time_to_live))
            .col("default_validator", text(&def.default_validator_class()))
            .col("dropped_columns", Value::Null)
            .col("gc_grace_seconds", int(o.gc_grace_seconds))
            .col("index_interval", int(o.index_interval))
            .col("is_dense", boolean(def.is_dense()))
            .col("key_aliases", text(&json_array(&key_aliases)))
            .col("key_validator", text(&def.key_validator_class()))
            .col(
                "local_read_repair_chance",
                double(o.dclocal_read_repair_chance),
            )
            .col("max_compaction_threshold", int(o.max_compaction_threshold))
            .col(
                "memtable_flush_period_in_ms",
                int(o.memtable_flush_period_in_ms),
            )
            .col("min_compaction_threshold", int(o.min_compaction_threshold))
            .col(
                "populate_io_cache_on_flush",
                boolean(o.populate_io_cache_on_flush),
            )
            .col("read_repair_chance", double(o.read_repair_chance))
            .col("replicate_on_write", boolean(o.replicate_on_write))
            .col("speculative_retry", text(&o.speculative_retry))
            .col("subcomparator", Value::Null)
            .col("type", text("Standard"))
            .col("value_alias", opt_text(value_alias.as_deref()))
        })
        .collect()
}

/// The `system.schema_columns` rows: one per column, keys included.
pub(crate) fn column_rows(catalog: &Catalog) -> Vec<Row> {
    let mut out = Vec::new();
    for def in catalog.all_table_defs() {
        let composite_key = def.partition_key.len() > 1;
        let composite = is_composite_comparator(&def);
        for c in &def.columns {
            let (validator, component_index) = match c.kind {
                ColumnKind::PartitionKey(i) => (marshal_class(&c.ty), composite_key.then_some(i)),
                ColumnKind::Clustering(i) => {
                    let order = def.clustering.get(i).map(|(_, o)| *o).unwrap_or_default();
                    (
                        marshal_class_with_order(&c.ty, order),
                        composite.then_some(i),
                    )
                }
                ColumnKind::Regular | ColumnKind::Static => (
                    marshal_class(&c.ty),
                    composite.then_some(def.clustering.len()),
                ),
            };
            let index = def.indexes.iter().find(|(_, col)| **col == c.name);
            let index_type = if composite { "COMPOSITES" } else { "KEYS" };
            out.push(
                Row::new(
                    Bytes::from(def.keyspace.clone()),
                    vec![Bytes::from(def.name.clone()), Bytes::from(c.name.clone())],
                )
                .col(
                    "component_index",
                    component_index.map_or(Value::Null, |i| int(i32::try_from(i).unwrap_or(0))),
                )
                .col("index_name", opt_text(index.map(|(n, _)| n.as_str())))
                .col("index_options", opt_text(index.map(|_| "{}")))
                .col("index_type", opt_text(index.map(|_| index_type)))
                .col("type", text(c.schema_kind(def.is_dense())))
                .col("validator", text(&validator)),
            );
        }
    }
    out
}

/// The `system_auth.users` rows.
pub(crate) fn user_rows(users: &[(String, bool)]) -> Vec<Row> {
    users
        .iter()
        .map(|(name, superuser)| {
            Row::new(Bytes::from(name.clone()), Vec::new()).col("super", boolean(*superuser))
        })
        .collect()
}

/// A version 1 (time-based) UUID for `micros` since the epoch.
pub(crate) fn timeuuid(micros: i64, seq: u16, node: [u8; 6]) -> Uuid {
    const GREGORIAN_OFFSET: i64 = 0x01B2_1DD2_1381_4000;
    let ticks = micros.saturating_mul(10).saturating_add(GREGORIAN_OFFSET) as u64;
    let time_low = (ticks & 0xffff_ffff) as u32;
    let time_mid = ((ticks >> 32) & 0xffff) as u16;
    let time_hi = (((ticks >> 48) & 0x0fff) as u16) | 0x1000;
    let seq = (seq & 0x3fff) | 0x8000;
    let [s0, s1] = seq.to_be_bytes();
    let d4 = [s0, s1, node[0], node[1], node[2], node[3], node[4], node[5]];
    Uuid::from_fields(time_low, time_mid, time_hi, &d4)
}

/// The `system_traces.sessions` row and `system_traces.events` rows of a
/// traced request.
pub(crate) fn trace_rows(session: &TraceSession) -> (Row, Vec<Row>) {
    let key = Bytes::copy_from_slice(session.session_id.as_bytes());
    let parameters = session
        .parameters
        .iter()
        .map(|(k, v)| (Bytes::from(k.clone()), Bytes::from(v.clone())))
        .collect();
    let session_row = Row::new(key.clone(), Vec::new())
        .col("coordinator", inet(session.coordinator.ip()))
        .col("duration", int(session.duration_micros))
        .col("parameters", Value::Map(parameters))
        .col("request", text(&session.request))
        .col(
            "started_at",
            Value::Bytes(Bytes::copy_from_slice(
                &(session.started_at_micros / 1000).to_be_bytes(),
            )),
        );
    let node: [u8; 6] = {
        let b = session.session_id.as_bytes();
        [b[10] | 0x01, b[11], b[12], b[13], b[14], b[15]]
    };
    let events = session
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let micros = session.started_at_micros + i64::from(e.source_elapsed_micros.max(0));
            let id = timeuuid(micros, u16::try_from(i % 0x4000).unwrap_or(0), node);
            Row::new(key.clone(), vec![Bytes::copy_from_slice(id.as_bytes())])
                .col("activity", text(&e.activity))
                .col("source", inet(e.source.ip()))
                .col("source_elapsed", int(e.source_elapsed_micros))
                .col("thread", text("Native-Transport-Requests:1"))
        })
        .collect();
    (session_row, events)
}

/// The marshal package prefix (for tests and docs).
pub const MARSHAL_PACKAGE: &str = M;
