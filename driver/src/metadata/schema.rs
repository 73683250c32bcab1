//! The schema: keyspaces, tables and columns, read from
//! `system.schema_keyspaces`, `system.schema_columnfamilies` and
//! `system.schema_columns` (Cassandra 1.2 and 2.0; protocol notes §10).
//!
//! Cassandra 2.0 writes a `schema_columns` row for every column, key
//! columns included, with its `type` (`partition_key`, `clustering_key`,
//! `regular`, `static`, `compact_value`) and `component_index`; the tables
//! are built from those rows. Cassandra 1.2 has no `type` column and no
//! rows for key columns; for such tables the keys are rebuilt from the
//! `schema_columnfamilies` row (`key_aliases`, `key_validator`,
//! `column_aliases`, `comparator`, `value_alias`, `default_validator`), as
//! the DataStax drivers do.
//!
//! Errors: a result without column metadata, without a column the driver
//! needs, or with a value of the wrong type is a [`MetadataError`]. A row
//! that cannot be used (a null name, a table of an unknown keyspace) is
//! skipped with a `tracing::warn!`; a validator that does not parse gives
//! [`ColumnType::Custom`] with the text, and replication options that do
//! not fit their class give [`ReplicationStrategy::Other`], both with a
//! warning.
//!
//! Each table carries its options ([`TableOptions`]) from the same
//! `schema_columnfamilies` row. Their columns are all optional: one that is
//! absent (Cassandra 1.2 lacks several), null, of an unexpected type, or
//! holding JSON that does not parse leaves its option `None`, the last two
//! with a warning; they never fail the metadata.
//!
//! For a refresh after a schema change, the same functions read the rows of
//! the targeted queries (`... WHERE keyspace_name = 'ks'`, `... AND
//! columnfamily_name = 't'`):
//!
//! ```
//! use std::collections::BTreeMap;
//! use cql_driver::metadata::{KeyspaceMetadata, TableMetadata};
//!
//! /// Merges a refreshed keyspace row, keeping the tables already known.
//! fn merge_keyspace(schema: &mut BTreeMap<String, KeyspaceMetadata>, mut new: KeyspaceMetadata) {
//!     if let Some(old) = schema.remove(&new.name) {
//!         new.tables = old.tables;
//!     }
//!     schema.insert(new.name.clone(), new);
//! }
//!
//! /// Merges a refreshed table (an empty refresh means it was dropped).
//! fn merge_table(
//!     schema: &mut BTreeMap<String, KeyspaceMetadata>,
//!     keyspace: &str,
//!     name: &str,
//!     refreshed: Vec<TableMetadata>,
//! ) {
//!     let Some(ks) = schema.get_mut(keyspace) else { return };
//!     ks.tables.remove(name);
//!     for table in refreshed {
//!         ks.tables.insert(table.name.clone(), table);
//!     }
//! }
//! # let _ = (merge_keyspace, merge_table);
//! ```

use std::collections::BTreeMap;

use cql_protocol::message::response::Rows;
use cql_protocol::{ColumnSpec, ColumnType, ProtocolVersion};
use tracing::warn;

use super::cql_type::{parse_composite, parse_marshal_type, Component, MarshalType};
use super::replication::parse_options;
use super::rows::{Col, Row, SystemRows};
use super::{MetadataError, ReplicationStrategy, TableOptions};

const KEYSPACES: &str = "system.schema_keyspaces";
const TABLES: &str = "system.schema_columnfamilies";
const COLUMNS: &str = "system.schema_columns";

/// A keyspace and its tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyspaceMetadata {
    /// The keyspace's name.
    pub name: String,
    /// How it is replicated.
    pub replication: ReplicationStrategy,
    /// `durable_writes` (true when absent).
    pub durable_writes: bool,
    /// Its tables, by name.
    pub tables: BTreeMap<String, TableMetadata>,
}

impl KeyspaceMetadata {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&TableMetadata> {
        self.tables.get(name)
    }
}

/// The order of a clustering column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ClusteringOrder {
    /// Ascending (the default).
    #[default]
    Asc,
    /// Descending (`WITH CLUSTERING ORDER BY (c DESC)`; the validator is a
    /// `ReversedType`).
    Desc,
}

/// A table (column family).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMetadata {
    /// The keyspace's name.
    pub keyspace: String,
    /// The table's name.
    pub name: String,
    /// The partition key columns, in key order.
    pub partition_key: Vec<String>,
    /// The clustering columns, in clustering order, with their order.
    pub clustering_key: Vec<(String, ClusteringOrder)>,
    /// Every column (keys included), by name.
    pub columns: BTreeMap<String, ColumnMetadata>,
    /// The table's options (`comment`, `compaction`, ...), as the
    /// `schema_columnfamilies` row holds them.
    pub options: TableOptions,
}

/// What part a column plays in its table (`schema_columns.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// A partition key column.
    PartitionKey,
    /// A clustering column.
    Clustering,
    /// A regular column.
    Regular,
    /// A static column (Cassandra 2.0.6+).
    Static,
    /// The value column of a COMPACT STORAGE table with clustering columns.
    CompactValue,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMetadata {
    /// The column's name.
    pub name: String,
    /// Its type (for a DESC clustering column, the type without the
    /// `ReversedType`).
    pub ty: ColumnType,
    /// Its part in the table.
    pub kind: ColumnKind,
    /// The position among the partition key or the clustering columns
    /// (`component_index`, 0 when null); `None` for the other columns.
    pub position: Option<usize>,
    /// Its secondary index, if it has one.
    pub index: Option<IndexMetadata>,
}

/// The kind of a secondary index (`schema_columns.index_type`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IndexKind {
    /// `KEYS`: an index on a table without clustering columns (Thrift
    /// style).
    Keys,
    /// `COMPOSITES`: an index on a CQL3 table.
    Composites,
    /// `CUSTOM`: an index class of the user's (`options` holds
    /// `class_name`).
    Custom,
    /// Another kind, as written.
    Other(String),
}

/// A secondary index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexMetadata {
    /// The index's name (`index_name`; `<table>_<column>_idx` when null).
    pub name: String,
    /// Its kind.
    pub kind: IndexKind,
    /// Its options (`index_options`, a JSON object).
    pub options: BTreeMap<String, String>,
}

impl TableMetadata {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnMetadata> {
        self.columns.get(name)
    }

    /// The partition key columns, in key order.
    pub fn partition_key_columns(&self) -> impl Iterator<Item = &ColumnMetadata> + '_ {
        self.partition_key
            .iter()
            .filter_map(|name| self.columns.get(name))
    }

    /// The clustering columns, in clustering order.
    pub fn clustering_columns(&self) -> impl Iterator<Item = &ColumnMetadata> + '_ {
        self.clustering_key
            .iter()
            .filter_map(|(name, _)| self.columns.get(name))
    }

    /// The columns that are neither partition key nor clustering columns
    /// (regular, static and compact value columns), by name.
    pub fn value_columns(&self) -> impl Iterator<Item = &ColumnMetadata> + '_ {
        self.columns
            .values()
            .filter(|c| !matches!(c.kind, ColumnKind::PartitionKey | ColumnKind::Clustering))
    }

    /// Which bound variables of a prepared statement make up the partition
    /// key: for each partition key column in key order, the index of the
    /// first bound variable of this table with the column's name; `None`
    /// when one of them is not bound (or the table has no partition key).
    ///
    /// This is how v1/v2 prepared statements, whose metadata carries no
    /// partition key indexes, get their routing keys.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use cql_driver::metadata::TableMetadata;
    /// use cql_driver::protocol::{ColumnSpec, ColumnType, TableSpec};
    ///
    /// let table = TableMetadata {
    ///     keyspace: "ks".into(),
    ///     name: "t".into(),
    ///     partition_key: vec!["a".into(), "b".into()],
    ///     clustering_key: vec![],
    ///     columns: BTreeMap::new(),
    ///     options: Default::default(),
    /// };
    /// let spec = TableSpec::new("ks", "t");
    /// let bound = [
    ///     ColumnSpec::new(spec.clone(), "v", ColumnType::Int),
    ///     ColumnSpec::new(spec.clone(), "b", ColumnType::Int),
    ///     ColumnSpec::new(spec.clone(), "a", ColumnType::Int),
    /// ];
    /// assert_eq!(table.partition_key_indexes(&bound), Some(vec![2, 1]));
    /// assert_eq!(table.partition_key_indexes(&bound[..2]), None);
    /// ```
    pub fn partition_key_indexes(&self, bound: &[ColumnSpec]) -> Option<Vec<usize>> {
        if self.partition_key.is_empty() {
            return None;
        }
        self.partition_key
            .iter()
            .map(|key| {
                bound.iter().position(|spec| {
                    spec.name == *key
                        && spec.table.keyspace == self.keyspace
                        && spec.table.table == self.name
                })
            })
            .collect()
    }
}

/// Reads the whole schema from the rows of `SELECT * FROM
/// system.schema_keyspaces`, `system.schema_columnfamilies` and
/// `system.schema_columns`.
///
/// Tables of keyspaces not in `keyspaces` and columns of tables not in
/// `tables` are skipped with a warning.
pub fn parse_schema(
    keyspaces: &Rows,
    tables: &Rows,
    columns: &Rows,
    version: ProtocolVersion,
) -> Result<BTreeMap<String, KeyspaceMetadata>, MetadataError> {
    let mut schema = parse_keyspace_rows(keyspaces, version)?;
    for table in parse_table_rows(tables, columns, version)? {
        match schema.get_mut(&table.keyspace) {
            Some(keyspace) => {
                keyspace.tables.insert(table.name.clone(), table);
            }
            None => warn!(
                keyspace = %table.keyspace,
                table = %table.name,
                "schema_columnfamilies: skipping a table of an unknown keyspace"
            ),
        }
    }
    Ok(schema)
}

/// Reads rows of `system.schema_keyspaces` (all of them, or those of a
/// targeted refresh) into keyspaces without tables.
pub fn parse_keyspace_rows(
    keyspaces: &Rows,
    version: ProtocolVersion,
) -> Result<BTreeMap<String, KeyspaceMetadata>, MetadataError> {
    let t = SystemRows::new(KEYSPACES, keyspaces, version)?;
    let name_col = t.require("keyspace_name")?;
    let class_col = t.require("strategy_class")?;
    let options_col = t.column("strategy_options");
    let durable_col = t.column("durable_writes");
    let mut out = BTreeMap::new();
    for row in t.rows() {
        let Some(name) = t.get::<String>(&row, Some(name_col))? else {
            warn!("schema_keyspaces: skipping a row with a null keyspace_name");
            continue;
        };
        let class: String = t.get(&row, Some(class_col))?.unwrap_or_default();
        let options: String = t.get(&row, options_col)?.unwrap_or_default();
        let replication = match ReplicationStrategy::from_class_and_options(&class, &options) {
            Ok(strategy) => strategy,
            Err(error) => {
                warn!(keyspace = %name, %error, "schema_keyspaces: unusable replication options");
                ReplicationStrategy::Other {
                    class,
                    options: parse_options(&options).unwrap_or_default(),
                }
            }
        };
        let durable_writes = t.get::<bool>(&row, durable_col)?.unwrap_or(true);
        out.insert(
            name.clone(),
            KeyspaceMetadata {
                name,
                replication,
                durable_writes,
                tables: BTreeMap::new(),
            },
        );
    }
    Ok(out)
}

/// One `schema_columns` row.
struct RawColumn {
    name: String,
    validator: Option<String>,
    kind: Option<String>,
    component_index: Option<i32>,
    index_name: Option<String>,
    index_type: Option<String>,
    index_options: Option<String>,
}

/// The `schema_columnfamilies` fields the 1.2 fallback needs.
#[derive(Default)]
struct RawTable {
    keyspace: String,
    name: String,
    key_aliases: Option<String>,
    key_alias: Option<String>,
    key_validator: Option<String>,
    column_aliases: Option<String>,
    comparator: Option<String>,
    value_alias: Option<String>,
    default_validator: Option<String>,
    options: TableOptions,
}

/// Reads rows of `system.schema_columnfamilies` and `system.schema_columns`
/// (all of them, or those of a targeted refresh) into tables, in the order
/// of the table rows. Columns of tables not among the table rows are
/// skipped with a warning.
pub fn parse_table_rows(
    tables: &Rows,
    columns: &Rows,
    version: ProtocolVersion,
) -> Result<Vec<TableMetadata>, MetadataError> {
    let mut columns_by_table = read_columns(columns, version)?;
    let raw_tables = read_tables(tables, version)?;
    let mut out = Vec::with_capacity(raw_tables.len());
    for raw in raw_tables {
        let key = (raw.keyspace.clone(), raw.name.clone());
        let columns = columns_by_table.remove(&key).unwrap_or_default();
        out.push(build_table(raw, columns));
    }
    for (keyspace, table) in columns_by_table.keys() {
        warn!(
            %keyspace,
            %table,
            "schema_columns: skipping the columns of an unknown table"
        );
    }
    Ok(out)
}

fn read_tables(tables: &Rows, version: ProtocolVersion) -> Result<Vec<RawTable>, MetadataError> {
    let t = SystemRows::new(TABLES, tables, version)?;
    let keyspace_col = t.require("keyspace_name")?;
    let name_col = t.require("columnfamily_name")?;
    let text = |name| t.column(name);
    let (key_aliases, key_alias, key_validator) = (
        text("key_aliases"),
        text("key_alias"),
        text("key_validator"),
    );
    let (column_aliases, comparator) = (text("column_aliases"), text("comparator"));
    let (value_alias, default_validator) = (text("value_alias"), text("default_validator"));
    let option_columns = OptionColumns::new(&t);
    let mut out = Vec::new();
    for row in t.rows() {
        let keyspace: Option<String> = t.get(&row, Some(keyspace_col))?;
        let name: Option<String> = t.get(&row, Some(name_col))?;
        let (Some(keyspace), Some(name)) = (keyspace, name) else {
            warn!("schema_columnfamilies: skipping a row with a null keyspace or table name");
            continue;
        };
        let options = read_options(&t, &row, &option_columns, &keyspace, &name);
        out.push(RawTable {
            keyspace,
            name,
            key_aliases: t.get(&row, key_aliases)?,
            key_alias: t.get(&row, key_alias)?,
            key_validator: t.get(&row, key_validator)?,
            column_aliases: t.get(&row, column_aliases)?,
            comparator: t.get(&row, comparator)?,
            value_alias: t.get(&row, value_alias)?,
            default_validator: t.get(&row, default_validator)?,
            options,
        });
    }
    Ok(out)
}

/// The `schema_columnfamilies` columns that hold table options; any of
/// them may be missing (Cassandra 1.2 lacks several).
struct OptionColumns {
    comment: Option<Col>,
    read_repair_chance: Option<Col>,
    local_read_repair_chance: Option<Col>,
    gc_grace_seconds: Option<Col>,
    default_time_to_live: Option<Col>,
    caching: Option<Col>,
    compaction_strategy_class: Option<Col>,
    compaction_strategy_options: Option<Col>,
    min_compaction_threshold: Option<Col>,
    max_compaction_threshold: Option<Col>,
    compression_parameters: Option<Col>,
    bloom_filter_fp_chance: Option<Col>,
    speculative_retry: Option<Col>,
    memtable_flush_period_in_ms: Option<Col>,
    index_interval: Option<Col>,
    populate_io_cache_on_flush: Option<Col>,
    replicate_on_write: Option<Col>,
}

impl OptionColumns {
    fn new(t: &SystemRows<'_>) -> Self {
        OptionColumns {
            comment: t.column("comment"),
            read_repair_chance: t.column("read_repair_chance"),
            // 1.2 and 2.0 name it local_; accept the CQL name too.
            local_read_repair_chance: t
                .column("local_read_repair_chance")
                .or_else(|| t.column("dclocal_read_repair_chance")),
            gc_grace_seconds: t.column("gc_grace_seconds"),
            default_time_to_live: t.column("default_time_to_live"),
            caching: t.column("caching"),
            compaction_strategy_class: t.column("compaction_strategy_class"),
            compaction_strategy_options: t.column("compaction_strategy_options"),
            min_compaction_threshold: t.column("min_compaction_threshold"),
            max_compaction_threshold: t.column("max_compaction_threshold"),
            compression_parameters: t.column("compression_parameters"),
            bloom_filter_fp_chance: t.column("bloom_filter_fp_chance"),
            speculative_retry: t.column("speculative_retry"),
            memtable_flush_period_in_ms: t.column("memtable_flush_period_in_ms"),
            index_interval: t.column("index_interval"),
            populate_io_cache_on_flush: t.column("populate_io_cache_on_flush"),
            replicate_on_write: t.column("replicate_on_write"),
        }
    }
}

/// One `schema_columnfamilies` row, for reading its options.
struct OptionRow<'a, 'r> {
    t: &'a SystemRows<'r>,
    row: &'a Row<'r>,
    keyspace: &'a str,
    table: &'a str,
}

impl<'r> OptionRow<'_, 'r> {
    /// The value of `col`; one of an unexpected type is logged and left
    /// out.
    fn get<T: cql_protocol::value::DeserializeValue<'r>>(&self, col: Option<Col>) -> Option<T> {
        self.t.get::<T>(self.row, col).unwrap_or_else(|error| {
            warn!(
                keyspace = %self.keyspace,
                table = %self.table,
                %error,
                "schema_columnfamilies: unreadable table option, left out"
            );
            None
        })
    }

    /// A column holding a JSON object; one that does not parse is logged
    /// and left out.
    fn json(&self, col: Option<Col>, field: &str) -> Option<BTreeMap<String, String>> {
        let text: String = self.get(col)?;
        parse_options(&text)
            .map_err(|error| {
                warn!(
                    keyspace = %self.keyspace,
                    table = %self.table,
                    field,
                    %error,
                    "schema_columnfamilies: unparseable table option, left out"
                );
            })
            .ok()
    }
}

/// The options of one `schema_columnfamilies` row. Nothing here fails: a
/// value of an unexpected type or a JSON column that does not parse is
/// logged and left out.
fn read_options<'r>(
    t: &SystemRows<'r>,
    row: &Row<'r>,
    cols: &OptionColumns,
    keyspace: &str,
    table: &str,
) -> TableOptions {
    let r = OptionRow {
        t,
        row,
        keyspace,
        table,
    };
    TableOptions {
        comment: r.get(cols.comment),
        read_repair_chance: r.get(cols.read_repair_chance),
        dclocal_read_repair_chance: r.get(cols.local_read_repair_chance),
        gc_grace_seconds: r.get(cols.gc_grace_seconds),
        default_time_to_live: r.get(cols.default_time_to_live),
        caching: r.get(cols.caching),
        compaction_strategy_class: r.get(cols.compaction_strategy_class),
        compaction_strategy_options: r.json(
            cols.compaction_strategy_options,
            "compaction_strategy_options",
        ),
        min_compaction_threshold: r.get(cols.min_compaction_threshold),
        max_compaction_threshold: r.get(cols.max_compaction_threshold),
        compression: r.json(cols.compression_parameters, "compression_parameters"),
        bloom_filter_fp_chance: r.get(cols.bloom_filter_fp_chance),
        speculative_retry: r.get(cols.speculative_retry),
        memtable_flush_period_in_ms: r.get(cols.memtable_flush_period_in_ms),
        index_interval: r.get(cols.index_interval),
        populate_io_cache_on_flush: r.get(cols.populate_io_cache_on_flush),
        replicate_on_write: r.get(cols.replicate_on_write),
    }
}

type ColumnsByTable = BTreeMap<(String, String), Vec<RawColumn>>;

fn read_columns(columns: &Rows, version: ProtocolVersion) -> Result<ColumnsByTable, MetadataError> {
    let t = SystemRows::new(COLUMNS, columns, version)?;
    let keyspace_col = t.require("keyspace_name")?;
    let table_col = t.require("columnfamily_name")?;
    let name_col = t.require("column_name")?;
    let validator = t.require("validator")?;
    let kind = t.column("type");
    let component_index = t.column("component_index");
    let (index_name, index_type, index_options) = (
        t.column("index_name"),
        t.column("index_type"),
        t.column("index_options"),
    );
    let mut out: ColumnsByTable = BTreeMap::new();
    for row in t.rows() {
        let keyspace: Option<String> = t.get(&row, Some(keyspace_col))?;
        let table: Option<String> = t.get(&row, Some(table_col))?;
        let name: Option<String> = t.get(&row, Some(name_col))?;
        let (Some(keyspace), Some(table), Some(name)) = (keyspace, table, name) else {
            warn!("schema_columns: skipping a row with a null keyspace, table or column name");
            continue;
        };
        out.entry((keyspace, table)).or_default().push(RawColumn {
            name,
            validator: t.get(&row, Some(validator))?,
            kind: t.get(&row, kind)?,
            component_index: t.get(&row, component_index)?,
            index_name: t.get(&row, index_name)?,
            index_type: t.get(&row, index_type)?,
            index_options: t.get(&row, index_options)?,
        });
    }
    Ok(out)
}

/// A validator's type; one that does not parse becomes a custom type
/// (with a warning), so the column is still known by name.
fn column_type(table: &RawTable, column: &str, validator: Option<&str>) -> MarshalType {
    let Some(text) = validator else {
        warn!(
            keyspace = %table.keyspace,
            table = %table.name,
            column,
            "schema_columns: null validator, assuming blob"
        );
        return MarshalType {
            ty: ColumnType::Blob,
            reversed: false,
        };
    };
    parse_marshal_type(text).unwrap_or_else(|error| {
        warn!(
            keyspace = %table.keyspace,
            table = %table.name,
            column,
            %error,
            "schema_columns: unparseable validator"
        );
        MarshalType {
            ty: ColumnType::Custom(text.to_owned()),
            reversed: false,
        }
    })
}

fn column_kind(table: &RawTable, column: &str, kind: Option<&str>) -> ColumnKind {
    match kind {
        Some("partition_key") => ColumnKind::PartitionKey,
        Some("clustering_key") => ColumnKind::Clustering,
        Some("static") => ColumnKind::Static,
        Some("compact_value") => ColumnKind::CompactValue,
        Some("regular") | None => ColumnKind::Regular,
        Some(other) => {
            warn!(
                keyspace = %table.keyspace,
                table = %table.name,
                column,
                kind = other,
                "schema_columns: unknown column type, taken as regular"
            );
            ColumnKind::Regular
        }
    }
}

fn index_metadata(table: &RawTable, raw: &RawColumn) -> Option<IndexMetadata> {
    let kind = match raw.index_type.as_deref()? {
        "KEYS" => IndexKind::Keys,
        "COMPOSITES" => IndexKind::Composites,
        "CUSTOM" => IndexKind::Custom,
        other => IndexKind::Other(other.to_owned()),
    };
    let options = match parse_options(raw.index_options.as_deref().unwrap_or_default()) {
        Ok(options) => options,
        Err(error) => {
            warn!(
                keyspace = %table.keyspace,
                table = %table.name,
                column = %raw.name,
                %error,
                "schema_columns: unparseable index_options"
            );
            BTreeMap::new()
        }
    };
    Some(IndexMetadata {
        name: raw
            .index_name
            .clone()
            .unwrap_or_else(|| format!("{}_{}_idx", table.name, raw.name)),
        kind,
        options,
    })
}

fn build_table(raw: RawTable, columns: Vec<RawColumn>) -> TableMetadata {
    let mut table = TableMetadata {
        keyspace: raw.keyspace.clone(),
        name: raw.name.clone(),
        partition_key: Vec::new(),
        clustering_key: Vec::new(),
        columns: BTreeMap::new(),
        options: raw.options.clone(),
    };
    let typed = columns
        .iter()
        .any(|c| c.kind.as_deref() == Some("partition_key"));
    if !typed {
        add_legacy_keys(&raw, &columns, &mut table);
    }
    let mut partition: Vec<(usize, String)> = Vec::new();
    let mut clustering: Vec<(usize, String, ClusteringOrder)> = Vec::new();
    for c in &columns {
        let kind = column_kind(&raw, &c.name, c.kind.as_deref());
        let legacy_key = matches!(kind, ColumnKind::PartitionKey | ColumnKind::Clustering)
            || table.columns.contains_key(&c.name);
        if !typed && legacy_key {
            // The keys come from schema_columnfamilies.
            continue;
        }
        let parsed = column_type(&raw, &c.name, c.validator.as_deref());
        let position = match kind {
            ColumnKind::PartitionKey | ColumnKind::Clustering => {
                let index = c.component_index.unwrap_or(0);
                Some(usize::try_from(index).unwrap_or_else(|_| {
                    warn!(
                        keyspace = %raw.keyspace,
                        table = %raw.name,
                        column = %c.name,
                        index,
                        "schema_columns: negative component_index, taken as 0"
                    );
                    0
                }))
            }
            _ => None,
        };
        match (kind, position) {
            (ColumnKind::PartitionKey, Some(p)) => partition.push((p, c.name.clone())),
            (ColumnKind::Clustering, Some(p)) => {
                let order = if parsed.reversed {
                    ClusteringOrder::Desc
                } else {
                    ClusteringOrder::Asc
                };
                clustering.push((p, c.name.clone(), order));
            }
            _ => {}
        }
        table.columns.insert(
            c.name.clone(),
            ColumnMetadata {
                name: c.name.clone(),
                ty: parsed.ty,
                kind,
                position,
                index: index_metadata(&raw, c),
            },
        );
    }
    if typed {
        partition.sort();
        clustering.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        table.partition_key = partition.into_iter().map(|(_, name)| name).collect();
        table.clustering_key = clustering
            .into_iter()
            .map(|(_, name, order)| (name, order))
            .collect();
    }
    table
}

/// Reads a JSON array of names (`key_aliases`, `column_aliases`); anything
/// else is no names.
fn json_names(table: &RawTable, field: &str, text: Option<&str>) -> Vec<String> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Vec::new();
    };
    match serde_json::from_str::<Vec<String>>(text) {
        Ok(names) => names,
        Err(error) => {
            warn!(
                keyspace = %table.keyspace,
                table = %table.name,
                field,
                %error,
                "schema_columnfamilies: not a JSON array of names"
            );
            Vec::new()
        }
    }
}

/// The types of a key validator or comparator: its components when
/// composite, else the type itself.
fn components(table: &RawTable, field: &str, text: Option<&str>) -> Vec<Component> {
    let Some(text) = text else { return Vec::new() };
    let parsed = parse_composite(text).and_then(|parts| match parts {
        Some(parts) => Ok(parts),
        None => parse_marshal_type(text).map(|t| vec![Component::Type(t)]),
    });
    parsed.unwrap_or_else(|error| {
        warn!(
            keyspace = %table.keyspace,
            table = %table.name,
            field,
            %error,
            "schema_columnfamilies: unparseable type"
        );
        Vec::new()
    })
}

/// Cassandra 1.2: the partition key, clustering and compact value columns
/// from the `schema_columnfamilies` row (the DataStax drivers' rules).
fn add_legacy_keys(raw: &RawTable, columns: &[RawColumn], table: &mut TableMetadata) {
    let insert = |table: &mut TableMetadata, name: String, ty, kind, position| {
        table.columns.insert(
            name.clone(),
            ColumnMetadata {
                name,
                ty,
                kind,
                position,
                index: None,
            },
        );
    };

    // Partition key: key_aliases (or the older key_alias), defaulting to
    // "key", "key2", ...; types from key_validator.
    let mut key_names = json_names(raw, "key_aliases", raw.key_aliases.as_deref());
    if key_names.is_empty() {
        key_names.extend(raw.key_alias.clone());
    }
    let key_types: Vec<MarshalType> =
        components(raw, "key_validator", raw.key_validator.as_deref())
            .into_iter()
            .filter_map(|c| match c {
                Component::Type(t) => Some(t),
                Component::Collections => None,
            })
            .collect();
    let key_count = key_types.len().max(key_names.len()).max(1);
    for i in 0..key_count {
        let name = key_names.get(i).cloned().unwrap_or_else(|| {
            if i == 0 {
                "key".to_owned()
            } else {
                format!("key{}", i + 1)
            }
        });
        let ty = key_types.get(i).map_or(ColumnType::Blob, |t| t.ty.clone());
        table.partition_key.push(name.clone());
        insert(table, name, ty, ColumnKind::PartitionKey, Some(i));
    }

    // Clustering: the comparator's components, minus the trailing
    // collections component and, for a non-compact table, the trailing
    // UTF8Type column-name component.
    let column_aliases = json_names(raw, "column_aliases", raw.column_aliases.as_deref());
    let composite = raw
        .comparator
        .as_deref()
        .is_some_and(|c| matches!(parse_composite(c), Ok(Some(_))));
    let mut parts = components(raw, "comparator", raw.comparator.as_deref());
    let has_collections = parts.last() == Some(&Component::Collections);
    if has_collections {
        parts.pop();
    }
    let types: Vec<MarshalType> = parts
        .into_iter()
        .filter_map(|c| match c {
            Component::Type(t) => Some(t),
            Component::Collections => None,
        })
        .collect();
    let has_regular = columns
        .iter()
        .any(|c| !matches!(c.kind.as_deref(), Some("partition_key" | "clustering_key")));
    let last_is_name = types
        .last()
        .is_some_and(|t| t.ty == ColumnType::Varchar && !t.reversed);
    let (clustering_count, compact) = if composite {
        if has_collections || (last_is_name && column_aliases.len() + 1 == types.len()) {
            (types.len().saturating_sub(1), false)
        } else {
            (types.len(), true)
        }
    } else if !column_aliases.is_empty() || !has_regular {
        (types.len().min(1), true)
    } else {
        (0, true)
    };
    for (i, t) in types.iter().take(clustering_count).enumerate() {
        let name = column_aliases
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column{}", i + 1));
        let order = if t.reversed {
            ClusteringOrder::Desc
        } else {
            ClusteringOrder::Asc
        };
        table.clustering_key.push((name.clone(), order));
        insert(table, name, t.ty.clone(), ColumnKind::Clustering, Some(i));
    }

    // The value column of a dense (compact, clustered) table.
    let has_value_row = columns
        .iter()
        .any(|c| c.kind.as_deref() == Some("compact_value"));
    if compact && clustering_count > 0 && !has_value_row {
        let name = raw
            .value_alias
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "value".to_owned());
        let ty = raw
            .default_validator
            .as_deref()
            .map_or(ColumnType::Blob, |v| column_type(raw, &name, Some(v)).ty);
        if !table.columns.contains_key(&name) {
            insert(table, name, ty, ColumnKind::CompactValue, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use cql_protocol::message::response::{RowsBuilder, RowsMetadata};
    use cql_protocol::value::to_raw_value;
    use cql_protocol::{RawValue, TableSpec};

    use super::*;

    const V: ProtocolVersion = ProtocolVersion::V2;
    const M: &str = "org.apache.cassandra.db.marshal.";

    #[derive(Clone)]
    enum Val {
        Null,
        Text(String),
        Int(i32),
        Bool(bool),
        Double(f64),
    }
    use Val::{Bool, Double, Int, Null};

    fn t(s: &str) -> Val {
        Val::Text(s.to_owned())
    }

    fn m(s: &str) -> Val {
        Val::Text(format!("{M}{s}"))
    }

    fn build(table: &str, columns: &[(&str, ColumnType)], rows: &[Vec<Val>]) -> Rows {
        let spec = TableSpec::new("system", table);
        let specs = columns
            .iter()
            .map(|(n, ty)| ColumnSpec::new(spec.clone(), *n, ty.clone()))
            .collect();
        let mut builder = RowsBuilder::new(RowsMetadata::new(specs));
        for row in rows {
            let values: Vec<Option<Vec<u8>>> = row
                .iter()
                .zip(columns)
                .map(|(v, (_, ty))| {
                    let raw = match v {
                        Null => return None,
                        Val::Text(s) => to_raw_value(s, ty, V),
                        Int(i) => to_raw_value(i, ty, V),
                        Bool(b) => to_raw_value(b, ty, V),
                        Double(d) => to_raw_value(d, ty, V),
                    };
                    match raw.unwrap() {
                        RawValue::Value(b) => Some(b.to_vec()),
                        _ => None,
                    }
                })
                .collect();
            builder
                .push_row(values.iter().map(|v| v.as_deref()))
                .unwrap();
        }
        builder.finish()
    }

    fn keyspaces(rows: &[Vec<Val>]) -> Rows {
        build(
            "schema_keyspaces",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("durable_writes", ColumnType::Boolean),
                ("strategy_class", ColumnType::Varchar),
                ("strategy_options", ColumnType::Varchar),
            ],
            rows,
        )
    }

    fn ks_row(name: &str, class: &str, options: &str) -> Vec<Val> {
        vec![
            t(name),
            Bool(true),
            t(&format!("org.apache.cassandra.locator.{class}")),
            t(options),
        ]
    }

    /// schema_columnfamilies with the columns the parser reads, plus one it
    /// ignores.
    fn tables(rows: &[Vec<Val>]) -> Rows {
        build(
            "schema_columnfamilies",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("column_aliases", ColumnType::Varchar),
                ("comparator", ColumnType::Varchar),
                ("default_validator", ColumnType::Varchar),
                ("key_aliases", ColumnType::Varchar),
                ("key_validator", ColumnType::Varchar),
                ("value_alias", ColumnType::Varchar),
                ("gc_grace_seconds", ColumnType::Int),
            ],
            rows,
        )
    }

    fn table_row(ks: &str, name: &str) -> Vec<Val> {
        vec![
            t(ks),
            t(name),
            Null,
            Null,
            Null,
            Null,
            Null,
            Null,
            Int(864000),
        ]
    }

    fn columns_2_0(rows: &[Vec<Val>]) -> Rows {
        build(
            "schema_columns",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("column_name", ColumnType::Varchar),
                ("component_index", ColumnType::Int),
                ("index_name", ColumnType::Varchar),
                ("index_options", ColumnType::Varchar),
                ("index_type", ColumnType::Varchar),
                ("type", ColumnType::Varchar),
                ("validator", ColumnType::Varchar),
            ],
            rows,
        )
    }

    fn col(table: &str, name: &str, index: Option<i32>, kind: &str, validator: Val) -> Vec<Val> {
        vec![
            t("ks"),
            t(table),
            t(name),
            index.map_or(Null, Int),
            Null,
            Null,
            Null,
            t(kind),
            validator,
        ]
    }

    fn with_index(mut row: Vec<Val>, name: Val, kind: &str, options: &str) -> Vec<Val> {
        row[4] = name;
        row[5] = t(options);
        row[6] = t(kind);
        row
    }

    fn sample() -> BTreeMap<String, KeyspaceMetadata> {
        let ks = keyspaces(&[
            ks_row("ks", "NetworkTopologyStrategy", r#"{"dc1":"3","dc2":"1"}"#),
            ks_row("simple", "SimpleStrategy", r#"{"replication_factor":"2"}"#),
            ks_row("bad", "SimpleStrategy", r#"{"replication_factor":"x"}"#),
            vec![Null, Bool(true), t("SimpleStrategy"), t("{}")],
            vec![
                t("nondurable"),
                Bool(false),
                t("org.apache.cassandra.locator.LocalStrategy"),
                Null,
            ],
        ]);
        let tbl = tables(&[
            table_row("ks", "t"),
            table_row("ks", "plain"),
            table_row("missing", "orphan"),
        ]);
        let reversed_int = Val::Text(format!("{M}ReversedType({M}Int32Type)"));
        let cols = columns_2_0(&[
            // Composite partition key (b listed before a on purpose).
            col("t", "b", Some(1), "partition_key", m("UTF8Type")),
            col("t", "a", Some(0), "partition_key", m("Int32Type")),
            col("t", "c2", Some(1), "clustering_key", m("TimeUUIDType")),
            col("t", "c1", Some(0), "clustering_key", reversed_int),
            col("t", "s", Some(2), "static", m("LongType")),
            col(
                "t",
                "l",
                Some(2),
                "regular",
                m(&format!("ListType({M}UTF8Type)")),
            ),
            col(
                "t",
                "mp",
                Some(2),
                "regular",
                m(&format!("MapType({M}UTF8Type,{M}Int32Type)")),
            ),
            with_index(
                col("t", "v", Some(2), "regular", m("UTF8Type")),
                t("t_v_idx"),
                "COMPOSITES",
                "{}",
            ),
            with_index(
                col("t", "w", Some(2), "regular", t("not a type(")),
                Null,
                "CUSTOM",
                r#"{"class_name":"com.example.Index"}"#,
            ),
            col("t", "odd", Some(2), "weird", m("BooleanType")),
            col("plain", "k", None, "partition_key", m("UUIDType")),
            col("plain", "v", None, "regular", m("CounterColumnType")),
            col("gone", "x", None, "regular", m("UTF8Type")),
        ]);
        parse_schema(&ks, &tbl, &cols, V).unwrap()
    }

    #[test]
    fn keyspaces_and_replication() {
        let schema = sample();
        assert_eq!(
            schema.keys().collect::<Vec<_>>(),
            ["bad", "ks", "nondurable", "simple"]
        );
        assert_eq!(
            schema["ks"].replication,
            ReplicationStrategy::NetworkTopology {
                datacenters: BTreeMap::from([("dc1".into(), 3), ("dc2".into(), 1)])
            }
        );
        assert_eq!(
            schema["simple"].replication,
            ReplicationStrategy::Simple {
                replication_factor: 2
            }
        );
        // Bad options keep the keyspace, with the class as Other.
        assert_eq!(
            schema["bad"].replication,
            ReplicationStrategy::Other {
                class: "org.apache.cassandra.locator.SimpleStrategy".into(),
                options: BTreeMap::from([("replication_factor".into(), "x".into())])
            }
        );
        assert_eq!(schema["nondurable"].replication, ReplicationStrategy::Local);
        assert!(!schema["nondurable"].durable_writes);
        assert!(schema["ks"].durable_writes);
        // The orphan table and the columns of an unknown table are skipped.
        assert_eq!(
            schema["ks"].tables.keys().collect::<Vec<_>>(),
            ["plain", "t"]
        );
    }

    #[test]
    fn tables_from_typed_column_rows() {
        let schema = sample();
        let table = schema["ks"].table("t").unwrap();
        assert_eq!(table.keyspace, "ks");
        assert_eq!(table.partition_key, ["a", "b"]);
        assert_eq!(
            table.clustering_key,
            [
                ("c1".to_owned(), ClusteringOrder::Desc),
                ("c2".to_owned(), ClusteringOrder::Asc)
            ]
        );
        let kinds: Vec<(&str, ColumnKind, Option<usize>)> = table
            .columns
            .values()
            .map(|c| (c.name.as_str(), c.kind, c.position))
            .collect();
        assert_eq!(
            kinds,
            [
                ("a", ColumnKind::PartitionKey, Some(0)),
                ("b", ColumnKind::PartitionKey, Some(1)),
                ("c1", ColumnKind::Clustering, Some(0)),
                ("c2", ColumnKind::Clustering, Some(1)),
                ("l", ColumnKind::Regular, None),
                ("mp", ColumnKind::Regular, None),
                ("odd", ColumnKind::Regular, None),
                ("s", ColumnKind::Static, None),
                ("v", ColumnKind::Regular, None),
                ("w", ColumnKind::Regular, None),
            ]
        );
        let ty = |name: &str| table.column(name).unwrap().ty.clone();
        assert_eq!(ty("a"), ColumnType::Int);
        assert_eq!(ty("b"), ColumnType::Varchar);
        assert_eq!(ty("c1"), ColumnType::Int);
        assert_eq!(ty("c2"), ColumnType::Timeuuid);
        assert_eq!(ty("s"), ColumnType::Bigint);
        assert_eq!(ty("l"), ColumnType::List(Box::new(ColumnType::Varchar)));
        assert_eq!(
            ty("mp"),
            ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Int))
        );
        // An unparseable validator keeps the column, as a custom type.
        assert_eq!(ty("w"), ColumnType::Custom("not a type(".into()));
        assert_eq!(
            table.column("v").unwrap().index,
            Some(IndexMetadata {
                name: "t_v_idx".into(),
                kind: IndexKind::Composites,
                options: BTreeMap::new(),
            })
        );
        assert_eq!(
            table.column("w").unwrap().index,
            Some(IndexMetadata {
                name: "t_w_idx".into(),
                kind: IndexKind::Custom,
                options: BTreeMap::from([("class_name".into(), "com.example.Index".into())]),
            })
        );
        assert_eq!(table.column("l").unwrap().index, None);
        let pk: Vec<&str> = table
            .partition_key_columns()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(pk, ["a", "b"]);
        let ck: Vec<&str> = table
            .clustering_columns()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(ck, ["c1", "c2"]);
        assert_eq!(table.value_columns().count(), 6);

        // A single-column key has a null component_index.
        let plain = schema["ks"].table("plain").unwrap();
        assert_eq!(plain.partition_key, ["k"]);
        assert!(plain.clustering_key.is_empty());
        assert_eq!(plain.column("k").unwrap().position, Some(0));
        assert_eq!(plain.column("v").unwrap().ty, ColumnType::Counter);
    }

    #[test]
    fn partition_key_indexes_match_bound_names() {
        let schema = sample();
        let table = schema["ks"].table("t").unwrap();
        let spec = TableSpec::new("ks", "t");
        let bound = |names: &[&str]| -> Vec<ColumnSpec> {
            names
                .iter()
                .map(|n| ColumnSpec::new(spec.clone(), *n, ColumnType::Int))
                .collect()
        };
        // INSERT INTO ks.t (c1, b, v, a, c2) VALUES (?, ?, ?, ?, ?)
        assert_eq!(
            table.partition_key_indexes(&bound(&["c1", "b", "v", "a", "c2"])),
            Some(vec![3, 1])
        );
        // A repeated name: the first wins.
        assert_eq!(
            table.partition_key_indexes(&bound(&["a", "a", "b"])),
            Some(vec![0, 2])
        );
        assert_eq!(table.partition_key_indexes(&bound(&["a", "v"])), None);
        assert_eq!(table.partition_key_indexes(&[]), None);
        // Columns of another table do not count.
        let other = [
            ColumnSpec::new(TableSpec::new("ks", "x"), "a", ColumnType::Int),
            ColumnSpec::new(TableSpec::new("ks", "x"), "b", ColumnType::Int),
        ];
        assert_eq!(table.partition_key_indexes(&other), None);
    }

    #[test]
    fn targeted_refreshes() {
        let ks = keyspaces(&[ks_row(
            "simple",
            "SimpleStrategy",
            r#"{"replication_factor":"1"}"#,
        )]);
        let parsed = parse_keyspace_rows(&ks, V).unwrap();
        assert_eq!(parsed.len(), 1);
        assert!(parsed["simple"].tables.is_empty());

        let tbl = tables(&[table_row("ks", "plain")]);
        let cols = columns_2_0(&[
            col("plain", "k", None, "partition_key", m("UUIDType")),
            col("plain", "v", None, "regular", m("UTF8Type")),
        ]);
        let parsed = parse_table_rows(&tbl, &cols, V).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].name, "plain");
        assert_eq!(parsed[0].partition_key, ["k"]);
        // A dropped table: no rows.
        let parsed = parse_table_rows(&tables(&[]), &columns_2_0(&[]), V).unwrap();
        assert!(parsed.is_empty());
    }

    #[test]
    fn cassandra_1_2_tables_from_the_columnfamily_row() {
        // 1.2: no `type` column, no rows for key columns.
        let cols = build(
            "schema_columns",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("column_name", ColumnType::Varchar),
                ("component_index", ColumnType::Int),
                ("validator", ColumnType::Varchar),
            ],
            &[
                vec![
                    t("ks"),
                    t("cql3"),
                    t("v"),
                    Int(2),
                    m(&format!("ListType({M}Int32Type)")),
                ],
                vec![t("ks"), t("cql3"), t("w"), Int(2), m("UTF8Type")],
            ],
        );
        let row = |name: &str,
                   column_aliases: &str,
                   comparator: String,
                   default_validator: &str,
                   key_aliases: &str,
                   key_validator: String,
                   value_alias: Val| {
            vec![
                t("ks"),
                t(name),
                t(column_aliases),
                Val::Text(comparator),
                m(default_validator),
                t(key_aliases),
                Val::Text(key_validator),
                value_alias,
                Int(0),
            ]
        };
        let tbl = tables(&[
            // CREATE TABLE cql3 (a int, b text, c1 int, c2 text, v list<int>, w text,
            //   PRIMARY KEY ((a, b), c1, c2)) WITH CLUSTERING ORDER BY (c1 DESC)
            row(
                "cql3",
                r#"["c1","c2"]"#,
                format!(
                    "{M}CompositeType({M}ReversedType({M}Int32Type),{M}UTF8Type,{M}UTF8Type,\
                     {M}ColumnToCollectionType(76:{M}ListType({M}Int32Type)))"
                ),
                "BytesType",
                r#"["a","b"]"#,
                format!("{M}CompositeType({M}Int32Type,{M}UTF8Type)"),
                Null,
            ),
            // CREATE TABLE dense (k int, c int, val text, PRIMARY KEY (k, c))
            //   WITH COMPACT STORAGE
            row(
                "dense",
                r#"["c"]"#,
                format!("{M}Int32Type"),
                "UTF8Type",
                r#"["k"]"#,
                format!("{M}Int32Type"),
                t("val"),
            ),
            // A Thrift-era table without aliases: key, column1, value.
            row(
                "thrift",
                "[]",
                format!("{M}CompositeType({M}LongType,{M}ReversedType({M}UTF8Type))"),
                "BytesType",
                "[]",
                format!("{M}BytesType"),
                Null,
            ),
        ]);
        let parsed = parse_table_rows(&tbl, &cols, V).unwrap();
        let cql3 = &parsed[0];
        assert_eq!(cql3.partition_key, ["a", "b"]);
        assert_eq!(
            cql3.clustering_key,
            [
                ("c1".to_owned(), ClusteringOrder::Desc),
                ("c2".to_owned(), ClusteringOrder::Asc)
            ]
        );
        assert_eq!(cql3.column("a").unwrap().ty, ColumnType::Int);
        assert_eq!(cql3.column("b").unwrap().ty, ColumnType::Varchar);
        assert_eq!(cql3.column("b").unwrap().position, Some(1));
        assert_eq!(cql3.column("c1").unwrap().ty, ColumnType::Int);
        assert_eq!(
            cql3.column("v").unwrap().ty,
            ColumnType::List(Box::new(ColumnType::Int))
        );
        assert_eq!(cql3.column("w").unwrap().kind, ColumnKind::Regular);
        assert_eq!(cql3.columns.len(), 6);

        let dense = &parsed[1];
        assert_eq!(dense.partition_key, ["k"]);
        assert_eq!(
            dense.clustering_key,
            [("c".to_owned(), ClusteringOrder::Asc)]
        );
        let val = dense.column("val").unwrap();
        assert_eq!(val.kind, ColumnKind::CompactValue);
        assert_eq!(val.ty, ColumnType::Varchar);

        let thrift = &parsed[2];
        assert_eq!(thrift.partition_key, ["key"]);
        assert_eq!(thrift.column("key").unwrap().ty, ColumnType::Blob);
        assert_eq!(
            thrift.clustering_key,
            [
                ("column1".to_owned(), ClusteringOrder::Asc),
                ("column2".to_owned(), ClusteringOrder::Desc)
            ]
        );
        assert_eq!(thrift.column("column1").unwrap().ty, ColumnType::Bigint);
        assert_eq!(
            thrift.column("value").unwrap().kind,
            ColumnKind::CompactValue
        );
        assert_eq!(thrift.column("value").unwrap().ty, ColumnType::Blob);
    }

    #[test]
    fn shape_errors() {
        let ks = keyspaces(&[]);
        let tbl = tables(&[]);
        let cols = columns_2_0(&[]);
        // No metadata.
        let none = Rows::empty(RowsMetadata::no_metadata(4));
        assert_eq!(
            parse_schema(&none, &tbl, &cols, V),
            Err(MetadataError::NoColumnSpecs {
                table: "system.schema_keyspaces"
            })
        );
        // A required column missing.
        let no_class = build(
            "schema_keyspaces",
            &[("keyspace_name", ColumnType::Varchar)],
            &[],
        );
        assert_eq!(
            parse_schema(&no_class, &tbl, &cols, V),
            Err(MetadataError::MissingColumn {
                table: "system.schema_keyspaces",
                column: "strategy_class"
            })
        );
        let no_validator = build(
            "schema_columns",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("column_name", ColumnType::Varchar),
            ],
            &[],
        );
        assert!(matches!(
            parse_schema(&ks, &tbl, &no_validator, V),
            Err(MetadataError::MissingColumn {
                column: "validator",
                ..
            })
        ));
        // A value of the wrong type.
        let wrong = build(
            "schema_keyspaces",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("strategy_class", ColumnType::Varchar),
                ("durable_writes", ColumnType::Int),
            ],
            &[vec![t("ks"), t("SimpleStrategy"), Int(1)]],
        );
        assert!(matches!(
            parse_schema(&wrong, &tbl, &cols, V),
            Err(MetadataError::BadValue {
                column: "durable_writes",
                ..
            })
        ));
    }

    #[test]
    fn odd_rows_are_skipped_or_defaulted() {
        let ks = keyspaces(&[ks_row(
            "ks",
            "SimpleStrategy",
            r#"{"replication_factor":"1"}"#,
        )]);
        let tbl = tables(&[table_row("ks", "t"), vec![Null; 9]]);
        let cols = columns_2_0(&[
            col("t", "k", Some(-3), "partition_key", m("Int32Type")),
            col("t", "v", None, "regular", Null),
            vec![Null; 9],
        ]);
        let schema = parse_schema(&ks, &tbl, &cols, V).unwrap();
        let table = schema["ks"].table("t").unwrap();
        assert_eq!(table.partition_key, ["k"]);
        assert_eq!(table.column("k").unwrap().position, Some(0));
        assert_eq!(table.column("v").unwrap().ty, ColumnType::Blob);
    }

    /// schema_columnfamilies with the 2.0 option columns (and the names).
    fn option_tables(rows: &[Vec<Val>]) -> Rows {
        build(
            "schema_columnfamilies",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("bloom_filter_fp_chance", ColumnType::Double),
                ("caching", ColumnType::Varchar),
                ("comment", ColumnType::Varchar),
                ("compaction_strategy_class", ColumnType::Varchar),
                ("compaction_strategy_options", ColumnType::Varchar),
                ("compression_parameters", ColumnType::Varchar),
                ("default_time_to_live", ColumnType::Int),
                ("gc_grace_seconds", ColumnType::Int),
                ("index_interval", ColumnType::Int),
                ("local_read_repair_chance", ColumnType::Double),
                ("max_compaction_threshold", ColumnType::Int),
                ("memtable_flush_period_in_ms", ColumnType::Int),
                ("min_compaction_threshold", ColumnType::Int),
                ("populate_io_cache_on_flush", ColumnType::Boolean),
                ("read_repair_chance", ColumnType::Double),
                ("replicate_on_write", ColumnType::Boolean),
                ("speculative_retry", ColumnType::Varchar),
            ],
            rows,
        )
    }

    #[test]
    fn table_options_from_the_columnfamily_row() {
        const C: &str = "org.apache.cassandra.db.compaction.";
        let tbl = option_tables(&[
            // CREATE TABLE ks.t (...) WITH comment = 'users' AND compaction =
            //   {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '160'}
            //   AND default_time_to_live = 3600 AND caching = 'all' ...
            vec![
                t("ks"),
                t("t"),
                Double(0.1),
                t("ALL"),
                t("users"),
                t(&format!("{C}LeveledCompactionStrategy")),
                t(r#"{"sstable_size_in_mb":"160"}"#),
                t(
                    r#"{"chunk_length_kb":"64","sstable_compression":"org.apache.cassandra.io.compress.SnappyCompressor"}"#,
                ),
                Int(3600),
                Int(10),
                Int(128),
                Double(0.0),
                Int(32),
                Int(0),
                Int(4),
                Bool(false),
                Double(0.5),
                Bool(true),
                t("10.0ms"),
            ],
            // Bad JSON, nulls: the table is kept, the options left out.
            vec![
                t("ks"),
                t("odd"),
                Null,
                Null,
                Null,
                t(&format!("{C}SizeTieredCompactionStrategy")),
                t("{not json"),
                t("[1, 2]"),
                Null,
                Int(864000),
                Null,
                Null,
                Null,
                Null,
                Null,
                Null,
                Null,
                Null,
                Null,
            ],
        ]);
        let parsed = parse_table_rows(&tbl, &columns_2_0(&[]), V).unwrap();
        let o = &parsed[0].options;
        assert_eq!(o.comment.as_deref(), Some("users"));
        assert_eq!(o.caching.as_deref(), Some("ALL"));
        assert_eq!(o.bloom_filter_fp_chance, Some(0.1));
        assert_eq!(o.read_repair_chance, Some(0.5));
        assert_eq!(o.dclocal_read_repair_chance, Some(0.0));
        assert_eq!(o.default_time_to_live, Some(3600));
        assert_eq!(o.gc_grace_seconds, Some(10));
        assert_eq!(o.index_interval, Some(128));
        assert_eq!(o.memtable_flush_period_in_ms, Some(0));
        assert_eq!(
            (o.min_compaction_threshold, o.max_compaction_threshold),
            (Some(4), Some(32))
        );
        assert_eq!(o.populate_io_cache_on_flush, Some(false));
        assert_eq!(o.replicate_on_write, Some(true));
        assert_eq!(o.speculative_retry.as_deref(), Some("10.0ms"));
        assert_eq!(
            o.compaction(),
            Some(BTreeMap::from([
                ("class".into(), format!("{C}LeveledCompactionStrategy")),
                ("sstable_size_in_mb".into(), "160".into()),
            ]))
        );
        assert_eq!(
            o.compression,
            Some(BTreeMap::from([
                ("chunk_length_kb".into(), "64".into()),
                (
                    "sstable_compression".into(),
                    "org.apache.cassandra.io.compress.SnappyCompressor".into()
                ),
            ]))
        );

        let odd = &parsed[1].options;
        assert_eq!(odd.compaction_strategy_options, None);
        assert_eq!(odd.compression, None);
        assert_eq!(odd.comment, None);
        assert_eq!(odd.gc_grace_seconds, Some(864000));
        assert_eq!(
            odd.compaction().unwrap()["class"],
            format!("{C}SizeTieredCompactionStrategy")
        );
    }

    #[test]
    fn table_options_missing_or_mistyped_columns_are_left_out() {
        // 1.2-like: no default_time_to_live, speculative_retry, ...; and a
        // gc_grace_seconds of the wrong type, which must not fail the load.
        let tbl = build(
            "schema_columnfamilies",
            &[
                ("keyspace_name", ColumnType::Varchar),
                ("columnfamily_name", ColumnType::Varchar),
                ("comment", ColumnType::Varchar),
                ("gc_grace_seconds", ColumnType::Varchar),
                ("local_read_repair_chance", ColumnType::Double),
            ],
            &[vec![t("ks"), t("old"), t(""), t("864000"), Double(0.1)]],
        );
        let parsed = parse_table_rows(&tbl, &columns_2_0(&[]), V).unwrap();
        let o = &parsed[0].options;
        assert_eq!(o.comment.as_deref(), Some(""));
        assert_eq!(o.gc_grace_seconds, None);
        assert_eq!(o.dclocal_read_repair_chance, Some(0.1));
        assert_eq!(o.default_time_to_live, None);
        assert_eq!(o.speculative_retry, None);
        assert_eq!(o.compaction(), None);

        // The rows of the other tests carry gc_grace_seconds only.
        let schema = sample();
        let plain = &schema["ks"].tables["plain"].options;
        assert_eq!(plain.gc_grace_seconds, Some(864000));
        assert_eq!(plain.comment, None);
    }
}
