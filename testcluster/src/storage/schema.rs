//! The schema model: keyspaces, tables, columns and table options, with the
//! validations Cassandra 2.0 applies when a table is created.

use std::collections::{BTreeMap, BTreeSet};

use cql_protocol::ColumnType;
use uuid::Uuid;

use super::error::{StorageError, StorageResult};
use super::types::{cql_type_name, marshal_class, marshal_class_with_order, MARSHAL_PACKAGE};

/// The longest keyspace or table name Cassandra 2.0 accepts.
pub const MAX_NAME_LENGTH: usize = 48;

/// A clustering column's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// Ascending (the default).
    #[default]
    Asc,
    /// Descending (`CLUSTERING ORDER BY (c DESC)`).
    Desc,
}

/// The role of a column in its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// A partition key component, at its position in the key.
    PartitionKey(usize),
    /// A clustering column, at its position in the clustering key.
    Clustering(usize),
    /// A regular column.
    Regular,
    /// A static column (one value per partition).
    Static,
}

/// A column of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column name (already case-normalised by the parser).
    pub name: String,
    /// The column's CQL type.
    pub ty: ColumnType,
    /// The column's role.
    pub kind: ColumnKind,
}

impl ColumnDef {
    /// Whether this column is part of the primary key.
    pub fn is_primary_key(&self) -> bool {
        matches!(
            self.kind,
            ColumnKind::PartitionKey(_) | ColumnKind::Clustering(_)
        )
    }

    /// Whether the column holds a non-key value (regular or static).
    pub fn is_value(&self) -> bool {
        !self.is_primary_key()
    }

    /// `type` in `system.schema_columns`: partition_key, clustering_key,
    /// regular, static (or compact_value for a compact table's value).
    pub fn schema_kind(&self, compact_value: bool) -> &'static str {
        match self.kind {
            ColumnKind::PartitionKey(_) => "partition_key",
            ColumnKind::Clustering(_) => "clustering_key",
            ColumnKind::Static => "static",
            ColumnKind::Regular if compact_value => "compact_value",
            ColumnKind::Regular => "regular",
        }
    }
}

/// A property value in `WITH name = value`: a constant (numbers and
/// booleans as their text) or a map (`compaction`, `compression`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    /// A string, number or boolean constant, as text.
    Str(String),
    /// A map literal.
    Map(BTreeMap<String, String>),
}

/// The compaction strategy of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct CompactionOptions {
    /// The fully qualified strategy class.
    pub class: String,
    /// The other sub-options (`min_threshold`, ...), as given.
    pub options: BTreeMap<String, String>,
}

/// The `WITH` options of a table, with Cassandra 2.0's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct TableOptions {
    /// `comment` (default `''`).
    pub comment: String,
    /// `read_repair_chance` (default 0.0).
    pub read_repair_chance: f64,
    /// `dclocal_read_repair_chance` (default 0.1).
    pub dclocal_read_repair_chance: f64,
    /// `gc_grace_seconds` (default 864000).
    pub gc_grace_seconds: i32,
    /// `default_time_to_live` in seconds (default 0: none).
    pub default_time_to_live: i32,
    /// `caching` (default `KEYS_ONLY`).
    pub caching: String,
    /// `compaction` (default SizeTieredCompactionStrategy).
    pub compaction: CompactionOptions,
    /// `compression` sub-options (default
    /// `sstable_compression: org.apache.cassandra.io.compress.LZ4Compressor`).
    pub compression: BTreeMap<String, String>,
    /// `bloom_filter_fp_chance` (default 0.01).
    pub bloom_filter_fp_chance: f64,
    /// `memtable_flush_period_in_ms` (default 0).
    pub memtable_flush_period_in_ms: i32,
    /// `populate_io_cache_on_flush` (default false).
    pub populate_io_cache_on_flush: bool,
    /// `replicate_on_write` (default true).
    pub replicate_on_write: bool,
    /// `speculative_retry` (default `99.0PERCENTILE`).
    pub speculative_retry: String,
    /// `index_interval` (default 128).
    pub index_interval: i32,
    /// `min_compaction_threshold` (default 4; also `compaction.min_threshold`).
    pub min_compaction_threshold: i32,
    /// `max_compaction_threshold` (default 32; also `compaction.max_threshold`).
    pub max_compaction_threshold: i32,
}

/// The default compaction strategy class.
pub const SIZE_TIERED: &str = "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy";
/// The default sstable compressor.
pub const LZ4_COMPRESSOR: &str = "org.apache.cassandra.io.compress.LZ4Compressor";

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            comment: String::new(),
            read_repair_chance: 0.0,
            dclocal_read_repair_chance: 0.1,
            gc_grace_seconds: 864_000,
            default_time_to_live: 0,
            caching: "KEYS_ONLY".into(),
            compaction: CompactionOptions {
                class: SIZE_TIERED.into(),
                options: BTreeMap::new(),
            },
            compression: BTreeMap::from([(
                "sstable_compression".to_owned(),
                LZ4_COMPRESSOR.to_owned(),
            )]),
            bloom_filter_fp_chance: 0.01,
            memtable_flush_period_in_ms: 0,
            populate_io_cache_on_flush: false,
            replicate_on_write: true,
            speculative_retry: "99.0PERCENTILE".into(),
            index_interval: 128,
            min_compaction_threshold: 4,
            max_compaction_threshold: 32,
        }
    }
}

fn expect_str<'a>(name: &str, value: &'a OptionValue) -> StorageResult<&'a str> {
    match value {
        OptionValue::Str(s) => Ok(s),
        OptionValue::Map(_) => Err(StorageError::Syntax(format!(
            "Invalid value for property '{name}'. It should be a string"
        ))),
    }
}

/// An integer property, as `PropertyDefinitions.toInt` reads it.
fn parse_int(name: &str, value: &OptionValue) -> StorageResult<i32> {
    int_value(name, expect_str(name, value)?)
}

fn int_value(name: &str, s: &str) -> StorageResult<i32> {
    s.parse()
        .map_err(|_| StorageError::Syntax(format!("Invalid integer value {s} for '{name}'")))
}

/// A double property, as `PropertyDefinitions.getDouble` reads it.
fn parse_double(name: &str, value: &OptionValue) -> StorageResult<f64> {
    let s = expect_str(name, value)?;
    s.trim()
        .parse()
        .map_err(|_| StorageError::Syntax(format!("Invalid double value {s} for '{name}'")))
}

/// A boolean property: `PropertyDefinitions.getBoolean` takes `1`, `true`
/// and `yes` (any case) as true and anything else as false.
fn parse_bool(name: &str, value: &OptionValue) -> StorageResult<bool> {
    let s = expect_str(name, value)?.to_ascii_lowercase();
    Ok(matches!(s.as_str(), "1" | "true" | "yes"))
}

/// A double as Java's `Double.toString` writes it: `99.0`, `0.5`, `1.0E7`,
/// `1.0E-4`.
pub fn java_double(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let magnitude = v.abs();
    if v == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let text = v.to_string();
        return if text.contains('.') {
            text
        } else {
            format!("{text}.0")
        };
    }
    let text = format!("{v:E}");
    match text.split_once('E') {
        Some((mantissa, exponent)) if !mantissa.contains('.') => {
            format!("{mantissa}.0E{exponent}")
        }
        _ => text,
    }
}

/// `speculative_retry` normalized as Cassandra 2.0 stores it
/// (`CFMetaData.SpeculativeRetry.fromString` then `toString`):
/// `99percentile` → `99.0PERCENTILE`, `10ms` → `10.0ms`, `always` →
/// `ALWAYS`.
pub fn speculative_retry(text: &str) -> StorageResult<String> {
    let invalid = || StorageError::Configuration(format!("invalid speculative_retry type: {text}"));
    let name = text.to_uppercase();
    if let Some(number) = name.strip_suffix("PERCENTILE") {
        let value: f64 = number.trim().parse().map_err(|_| invalid())?;
        if !(0.0..=100.0).contains(&value) {
            return Err(StorageError::Configuration(format!(
                "PERCENTILE should be between 0 and 100, but was {}",
                java_double(value)
            )));
        }
        // Stored as a fraction, written back multiplied, as Cassandra does.
        return Ok(format!(
            "{}PERCENTILE",
            java_double((value / 100.0) * 100.0)
        ));
    }
    if let Some(number) = name.strip_suffix("MS") {
        let value: f64 = number.trim().parse().map_err(|_| invalid())?;
        return Ok(format!("{}ms", java_double(value)));
    }
    match name.as_str() {
        "NONE" | "ALWAYS" => Ok(name),
        "CUSTOM" => Ok("0.0ms".into()),
        _ => Err(invalid()),
    }
}

/// The compression parameters Cassandra 2.0 stores for a `compression`
/// map (`CompressionParameters.create` then `asThriftOptions`): the
/// compressor class fully qualified and `chunk_length_kb` normalized; an
/// empty `sstable_compression` (compression off) keeps only the other
/// options.
fn compression_parameters(
    map: &BTreeMap<String, String>,
) -> StorageResult<BTreeMap<String, String>> {
    let mut options = map.clone();
    let Some(class) = options.remove("sstable_compression") else {
        return Err(StorageError::Configuration(
            "Missing sub-option 'sstable_compression' for the 'compression' option.".into(),
        ));
    };
    let chunk = options.remove("chunk_length_kb");
    if class.is_empty() {
        return Ok(options);
    }
    options.insert(
        "sstable_compression".into(),
        qualify(&class, "org.apache.cassandra.io.compress."),
    );
    if let Some(chunk) = chunk {
        let kb = int_value("chunk_length_kb", &chunk)?;
        if kb <= 0 || kb.checked_mul(1024).is_none() {
            return Err(StorageError::Configuration(
                "Invalid negative or null chunk_length_kb".into(),
            ));
        }
        if kb.count_ones() != 1 {
            return Err(StorageError::Configuration(
                "chunk_length_kb must be a power of 2".into(),
            ));
        }
        options.insert("chunk_length_kb".into(), kb.to_string());
    }
    Ok(options)
}

/// Whether a compaction strategy class is `LeveledCompactionStrategy`.
fn is_leveled(class: &str) -> bool {
    class.rsplit('.').next() == Some("LeveledCompactionStrategy")
}

fn qualify(class: &str, package: &str) -> String {
    if class.contains('.') {
        class.to_owned()
    } else {
        format!("{package}{class}")
    }
}

impl TableOptions {
    /// Sets one `WITH` property, as Cassandra 2.0's `CFPropDefs` does.
    ///
    /// The names are 2.0's CQL properties; anything else, including the
    /// column names `local_read_repair_chance` and `min_compaction_threshold`,
    /// is a [`StorageError::Syntax`] ("Unknown property 'x'"). Values that
    /// do not read as their type are a [`StorageError::Syntax`] too, and
    /// out-of-range values a [`StorageError::Configuration`].
    ///
    /// Values are kept as `system.schema_columnfamilies` shows them: class
    /// names fully qualified, `caching` upper-cased, `speculative_retry`
    /// normalized (`99.0PERCENTILE`). An empty `compaction` or `compression`
    /// map changes nothing. A `compaction` map replaces the strategy and
    /// all its sub-options; its `min_threshold` and `max_threshold` also set
    /// the thresholds (which otherwise keep their values), and stay among
    /// the sub-options.
    pub fn set(&mut self, name: &str, value: &OptionValue) -> StorageResult<()> {
        match name {
            "comment" => self.comment = expect_str(name, value)?.to_owned(),
            "read_repair_chance" => {
                self.read_repair_chance = parse_chance(name, value)?;
            }
            "dclocal_read_repair_chance" => {
                self.dclocal_read_repair_chance = parse_chance(name, value)?;
            }
            "gc_grace_seconds" => self.gc_grace_seconds = parse_int(name, value)?,
            "default_time_to_live" => {
                let ttl = parse_int(name, value)?;
                if !(0..=super::cell::MAX_TTL as i32).contains(&ttl) {
                    return Err(StorageError::Configuration(format!(
                        "default_time_to_live must be greater than or equal to 0 and less than or equal to {} (got {ttl})",
                        super::cell::MAX_TTL
                    )));
                }
                self.default_time_to_live = ttl;
            }
            "caching" => {
                let c = expect_str(name, value)?.to_ascii_uppercase();
                if !["ALL", "KEYS_ONLY", "ROWS_ONLY", "NONE"].contains(&c.as_str()) {
                    return Err(StorageError::Configuration(format!(
                        "{c} not found in Caching enum"
                    )));
                }
                self.caching = c;
            }
            "compaction" => {
                let OptionValue::Map(map) = value else {
                    return Err(StorageError::Syntax(format!(
                        "Invalid value for property '{name}'. It should be a map."
                    )));
                };
                if map.is_empty() {
                    return Ok(());
                }
                let mut options = map.clone();
                let Some(class) = options.remove("class") else {
                    return Err(StorageError::Configuration(
                        "Missing sub-option 'class' for the 'compaction' option.".into(),
                    ));
                };
                let min = match options.get("min_threshold") {
                    Some(v) => int_value("min_threshold", v)?,
                    None => self.min_compaction_threshold,
                };
                let max = match options.get("max_threshold") {
                    Some(v) => int_value("max_threshold", v)?,
                    None => self.max_compaction_threshold,
                };
                if min <= 0 || max <= 0 {
                    return Err(StorageError::Configuration(
                        "Disabling compaction by setting compaction thresholds to 0 has been deprecated, set the compaction option 'enabled' to false instead.".into(),
                    ));
                }
                if min <= 1 {
                    return Err(StorageError::Configuration(format!(
                        "Min compaction threshold cannot be less than 2 (got {min})."
                    )));
                }
                if min > max {
                    return Err(StorageError::Configuration(format!(
                        "Min compaction threshold (got {min}) cannot be greater than max compaction threshold (got {max})"
                    )));
                }
                self.min_compaction_threshold = min;
                self.max_compaction_threshold = max;
                self.compaction = CompactionOptions {
                    class: qualify(&class, "org.apache.cassandra.db.compaction."),
                    options,
                };
            }
            "compression" => {
                let OptionValue::Map(map) = value else {
                    return Err(StorageError::Syntax(format!(
                        "Invalid value for property '{name}'. It should be a map."
                    )));
                };
                if !map.is_empty() {
                    self.compression = compression_parameters(map)?;
                }
            }
            "bloom_filter_fp_chance" => {
                let chance = parse_double(name, value)?;
                if chance == 0.0 {
                    return Err(StorageError::Configuration(
                        "Zero false positives is impossible; bloom filter false positive chance bffpc must be 0 < bffpc <= 1".into(),
                    ));
                }
                self.bloom_filter_fp_chance = chance;
            }
            "memtable_flush_period_in_ms" => {
                self.memtable_flush_period_in_ms = parse_int(name, value)?
            }
            "populate_io_cache_on_flush" => {
                self.populate_io_cache_on_flush = parse_bool(name, value)?
            }
            "replicate_on_write" => self.replicate_on_write = parse_bool(name, value)?,
            "speculative_retry" => {
                self.speculative_retry = speculative_retry(expect_str(name, value)?)?
            }
            "index_interval" => {
                let interval = parse_int(name, value)?;
                if interval < 1 {
                    return Err(StorageError::Configuration(
                        "index_interval cannot be smaller than 1, (default 128)".into(),
                    ));
                }
                self.index_interval = interval;
            }
            _ => return Err(StorageError::Syntax(format!("Unknown property '{name}'"))),
        }
        Ok(())
    }
}

fn parse_chance(name: &str, value: &OptionValue) -> StorageResult<f64> {
    let v = parse_double(name, value)?;
    if !(0.0..=1.0).contains(&v) {
        return Err(StorageError::Configuration(format!(
            "{name} must be between 0.0 and 1.0"
        )));
    }
    Ok(v)
}

/// A keyspace's replication strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replication {
    /// `SimpleStrategy` with a replication factor.
    Simple {
        /// `replication_factor`.
        factor: u32,
    },
    /// `NetworkTopologyStrategy` with a factor per data center.
    NetworkTopology {
        /// Data center name → replication factor.
        dcs: BTreeMap<String, u32>,
    },
    /// Any other strategy (e.g. `LocalStrategy` for `system`).
    Other {
        /// The fully qualified class name.
        class: String,
        /// Its options.
        options: BTreeMap<String, String>,
    },
}

const LOCATOR: &str = "org.apache.cassandra.locator.";

impl Replication {
    /// Builds a replication from `WITH replication = {...}`, as Cassandra
    /// 2.0 validates it (`class` is mandatory; SimpleStrategy needs
    /// `replication_factor`).
    pub fn from_options(options: &BTreeMap<String, String>) -> StorageResult<Self> {
        let mut options = options.clone();
        let Some(class) = options.remove("class") else {
            return Err(StorageError::Configuration(
                "Missing mandatory replication strategy class".into(),
            ));
        };
        let short = class.strip_prefix(LOCATOR).unwrap_or(&class);
        let parse_rf = |_key: &str, v: &str| -> StorageResult<u32> {
            v.trim().parse::<u32>().map_err(|_| {
                StorageError::Configuration(format!(
                    "Replication factor must be non-negative integer; found {v}"
                ))
            })
        };
        match short {
            "SimpleStrategy" => {
                let Some(rf) = options.remove("replication_factor") else {
                    return Err(StorageError::Configuration(
                        "SimpleStrategy requires a replication_factor strategy option.".into(),
                    ));
                };
                if let Some(k) = options.keys().next() {
                    return Err(StorageError::Configuration(format!(
                        "Unrecognized strategy option {{{k}}} passed to SimpleStrategy for keyspace"
                    )));
                }
                Ok(Replication::Simple {
                    factor: parse_rf("replication_factor", &rf)?,
                })
            }
            "NetworkTopologyStrategy" => {
                let mut dcs = BTreeMap::new();
                for (dc, rf) in &options {
                    dcs.insert(dc.clone(), parse_rf(dc, rf)?);
                }
                Ok(Replication::NetworkTopology { dcs })
            }
            _ => Ok(Replication::Other {
                class: qualify(&class, LOCATOR),
                options,
            }),
        }
    }

    /// The fully qualified strategy class (`strategy_class`).
    pub fn class_name(&self) -> String {
        match self {
            Replication::Simple { .. } => format!("{LOCATOR}SimpleStrategy"),
            Replication::NetworkTopology { .. } => format!("{LOCATOR}NetworkTopologyStrategy"),
            Replication::Other { class, .. } => class.clone(),
        }
    }

    /// The strategy options without `class` (`strategy_options`).
    pub fn options(&self) -> BTreeMap<String, String> {
        match self {
            Replication::Simple { factor } => {
                BTreeMap::from([("replication_factor".to_owned(), factor.to_string())])
            }
            Replication::NetworkTopology { dcs } => dcs
                .iter()
                .map(|(k, v)| (k.clone(), v.to_string()))
                .collect(),
            Replication::Other { options, .. } => options.clone(),
        }
    }

    /// `strategy_options` as the JSON text `system.schema_keyspaces` holds,
    /// e.g. `{"replication_factor":"3"}`.
    pub fn options_json(&self) -> String {
        json_object(&self.options())
    }
}

/// A JSON object of string values, as Cassandra writes options.
pub fn json_object(map: &BTreeMap<String, String>) -> String {
    let body: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}:{}", json_string(k), json_string(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A JSON array of strings, e.g. `["k"]`.
pub fn json_array(items: &[&str]) -> String {
    let body: Vec<String> = items.iter().map(|s| json_string(s)).collect();
    format!("[{}]", body.join(","))
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A keyspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyspaceDef {
    /// The keyspace name.
    pub name: String,
    /// Its replication strategy.
    pub replication: Replication,
    /// `durable_writes` (default true).
    pub durable_writes: bool,
}

impl KeyspaceDef {
    /// A keyspace with SimpleStrategy and durable writes.
    pub fn simple(name: impl Into<String>, factor: u32) -> Self {
        KeyspaceDef {
            name: name.into(),
            replication: Replication::Simple { factor },
            durable_writes: true,
        }
    }
}

/// A column in a `CREATE TABLE` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The name.
    pub name: String,
    /// The type.
    pub ty: ColumnType,
    /// Declared `static`.
    pub is_static: bool,
}

impl ColumnSpec {
    /// A non-static column.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnSpec {
            name: name.into(),
            ty,
            is_static: false,
        }
    }

    /// A static column.
    pub fn new_static(name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnSpec {
            name: name.into(),
            ty,
            is_static: true,
        }
    }
}

/// A `CREATE TABLE` statement, as the executor hands it to
/// [`Catalog::create_table`](super::Catalog::create_table).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateTable {
    /// The keyspace.
    pub keyspace: String,
    /// The table name.
    pub name: String,
    /// The columns, in declaration order.
    pub columns: Vec<ColumnSpec>,
    /// The partition key column names, in key order.
    pub partition_key: Vec<String>,
    /// The clustering column names, in order.
    pub clustering: Vec<String>,
    /// `WITH CLUSTERING ORDER BY (...)`, as written.
    pub clustering_order: Vec<(String, Order)>,
    /// `WITH COMPACT STORAGE`.
    pub compact_storage: bool,
    /// The other `WITH` properties, as written.
    pub options: Vec<(String, OptionValue)>,
}

impl CreateTable {
    /// A table `name` in `keyspace` with these columns and keys and no
    /// options.
    pub fn new(
        keyspace: impl Into<String>,
        name: impl Into<String>,
        columns: Vec<ColumnSpec>,
        partition_key: &[&str],
        clustering: &[&str],
    ) -> Self {
        CreateTable {
            keyspace: keyspace.into(),
            name: name.into(),
            columns,
            partition_key: partition_key.iter().map(|s| s.to_string()).collect(),
            clustering: clustering.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }
}

/// A table definition.
#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    /// The keyspace.
    pub keyspace: String,
    /// The table name.
    pub name: String,
    /// The table's id (`cf_id`).
    pub id: Uuid,
    /// All columns, in declaration order (see [`TableDef::select_order`] for
    /// the `SELECT *` order).
    pub columns: Vec<ColumnDef>,
    /// The partition key column names, in key order.
    pub partition_key: Vec<String>,
    /// The clustering column names with their order.
    pub clustering: Vec<(String, Order)>,
    /// `WITH COMPACT STORAGE`.
    pub compact_storage: bool,
    /// The table options.
    pub options: TableOptions,
    /// Secondary indexes: index name → indexed column name.
    pub indexes: BTreeMap<String, String>,
}

fn ident_ok(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a keyspace name as Cassandra 2.0 does.
pub fn validate_keyspace_name(name: &str) -> StorageResult<()> {
    if !ident_ok(name) {
        return Err(StorageError::invalid(format!(
            "\"{name}\" is not a valid keyspace name"
        )));
    }
    if name.len() > MAX_NAME_LENGTH {
        return Err(StorageError::invalid(format!(
            "Keyspace names shouldn't be more than {MAX_NAME_LENGTH} characters long (got \"{name}\")"
        )));
    }
    Ok(())
}

impl TableDef {
    /// Builds and validates a table from a `CREATE TABLE`, with Cassandra
    /// 2.0's checks and messages (`CreateTableStatement.RawStatement.prepare`).
    pub fn from_create(spec: &CreateTable) -> StorageResult<TableDef> {
        let invalid = |m: String| Err(StorageError::Invalid(m));
        if !ident_ok(&spec.name) {
            return invalid(format!(
                "\"{}\" is not a valid column family name (must be alphanumeric character only: [0-9A-Za-z]+)",
                spec.name
            ));
        }
        if spec.name.len() > MAX_NAME_LENGTH {
            return invalid(format!(
                "Column family names shouldn't be more than {MAX_NAME_LENGTH} characters long (got \"{}\")",
                spec.name
            ));
        }
        let mut seen = BTreeSet::new();
        for c in &spec.columns {
            if !seen.insert(c.name.as_str()) {
                return invalid(format!("Multiple definition of identifier {}", c.name));
            }
        }
        if spec.partition_key.is_empty() {
            return invalid("No PRIMARY KEY specifed (exactly one required)".into());
        }
        // Key columns are "removed" from the definitions as they are
        // resolved, so a column named twice in the key is unknown the
        // second time, as in Cassandra.
        let mut remaining: BTreeMap<&str, &ColumnSpec> =
            spec.columns.iter().map(|c| (c.name.as_str(), c)).collect();
        let mut take_key = |name: &str| -> StorageResult<ColumnSpec> {
            let Some(c) = remaining.remove(name) else {
                return Err(StorageError::invalid(format!(
                    "Unknown definition {name} referenced in PRIMARY KEY"
                )));
            };
            if c.ty.is_collection() {
                return Err(StorageError::invalid(format!(
                    "Invalid collection type for PRIMARY KEY component {name}"
                )));
            }
            if c.ty == ColumnType::Counter {
                return Err(StorageError::invalid(format!(
                    "counter type is not supported for PRIMARY KEY part {name}"
                )));
            }
            if c.is_static {
                return Err(StorageError::invalid(format!(
                    "Static column {name} cannot be part of the PRIMARY KEY"
                )));
            }
            Ok(c.clone())
        };
        let mut key_specs = Vec::new();
        for name in &spec.partition_key {
            key_specs.push(take_key(name)?);
        }
        let mut clustering_specs = Vec::new();
        for name in &spec.clustering {
            clustering_specs.push(take_key(name)?);
        }
        let values: Vec<&ColumnSpec> = spec
            .columns
            .iter()
            .filter(|c| remaining.contains_key(c.name.as_str()))
            .collect();

        // Counters.
        let counters = values
            .iter()
            .filter(|c| c.ty == ColumnType::Counter)
            .count();
        if counters > 0 && counters != values.len() {
            return invalid("Cannot mix counter and non counter columns in the same table".into());
        }
        // Static columns.
        if values.iter().any(|c| c.is_static) {
            if spec.compact_storage {
                return invalid(
                    "Static columns are not supported in COMPACT STORAGE tables".into(),
                );
            }
            if spec.clustering.is_empty() {
                return invalid("Static columns are only useful (and thus allowed) if the table has at least one clustering column".into());
            }
        }
        // Compact storage.
        if spec.compact_storage {
            if values.iter().any(|c| c.ty.is_collection()) {
                return invalid("Collection types are not supported with COMPACT STORAGE".into());
            }
            if spec.clustering.is_empty() {
                if values.is_empty() {
                    return invalid(
                        "No definition found that is not part of the PRIMARY KEY".into(),
                    );
                }
            } else if values.len() > 1 {
                let names: Vec<&str> = values.iter().map(|c| c.name.as_str()).collect();
                return invalid(format!(
                    "COMPACT STORAGE with composite PRIMARY KEY allows no more than one column not part of the PRIMARY KEY (got: {})",
                    names.join(", ")
                ));
            }
        }
        // Clustering order.
        let mut orders = vec![Order::Asc; spec.clustering.len()];
        if !spec.clustering_order.is_empty() {
            if spec.clustering_order.len() > spec.clustering.len() {
                return invalid(
                    "Only clustering key columns can be defined in CLUSTERING ORDER directive"
                        .into(),
                );
            }
            for (i, (name, order)) in spec.clustering_order.iter().enumerate() {
                let expected = &spec.clustering[i];
                if name != expected {
                    if spec.clustering_order.iter().any(|(n, _)| n == expected) {
                        return invalid(format!("The order of columns in the CLUSTERING ORDER directive must be the one of the clustering key ({expected} must appear before {name})"));
                    }
                    if !spec.clustering.contains(name) {
                        return invalid("Only clustering key columns can be defined in CLUSTERING ORDER directive".into());
                    }
                    return invalid(format!("Missing CLUSTERING ORDER for column {expected}"));
                }
                orders[i] = *order;
            }
        }
        let mut options = TableOptions::default();
        for (name, value) in &spec.options {
            options.set(name, value)?;
        }
        // CFMetaData.getBloomFilterFpChance: a table created with leveled
        // compaction and no explicit chance gets 0.1, not 0.01.
        if is_leveled(&options.compaction.class)
            && !spec
                .options
                .iter()
                .any(|(n, _)| n == "bloom_filter_fp_chance")
        {
            options.bloom_filter_fp_chance = 0.1;
        }

        let columns = spec
            .columns
            .iter()
            .map(|c| {
                let kind = if let Some(i) = spec.partition_key.iter().position(|k| k == &c.name) {
                    ColumnKind::PartitionKey(i)
                } else if let Some(i) = spec.clustering.iter().position(|k| k == &c.name) {
                    ColumnKind::Clustering(i)
                } else if c.is_static {
                    ColumnKind::Static
                } else {
                    ColumnKind::Regular
                };
                ColumnDef {
                    name: c.name.clone(),
                    ty: c.ty.clone(),
                    kind,
                }
            })
            .collect();
        Ok(TableDef {
            keyspace: spec.keyspace.clone(),
            name: spec.name.clone(),
            id: Uuid::new_v4(),
            columns,
            partition_key: spec.partition_key.clone(),
            clustering: spec.clustering.iter().cloned().zip(orders).collect(),
            compact_storage: spec.compact_storage,
            options,
            indexes: BTreeMap::new(),
        })
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The position of column `name` in [`TableDef::columns`].
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The column `name`, or Cassandra's "Undefined name x in ..." error.
    pub fn require_column(&self, name: &str) -> StorageResult<&ColumnDef> {
        self.column(name)
            .ok_or_else(|| StorageError::invalid(format!("Unknown identifier {name}")))
    }

    /// The partition key columns, in key order.
    pub fn partition_key_columns(&self) -> Vec<&ColumnDef> {
        self.partition_key
            .iter()
            .filter_map(|n| self.column(n))
            .collect()
    }

    /// The clustering columns, in order.
    pub fn clustering_columns(&self) -> Vec<&ColumnDef> {
        self.clustering
            .iter()
            .filter_map(|(n, _)| self.column(n))
            .collect()
    }

    /// The types and orders of the clustering columns.
    pub fn clustering_types(&self) -> Vec<(ColumnType, Order)> {
        self.clustering
            .iter()
            .filter_map(|(n, o)| self.column(n).map(|c| (c.ty.clone(), *o)))
            .collect()
    }

    /// Regular (non-key, non-static) columns, in declaration order.
    pub fn regular_columns(&self) -> Vec<&ColumnDef> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Regular)
            .collect()
    }

    /// Static columns, in declaration order.
    pub fn static_columns(&self) -> Vec<&ColumnDef> {
        self.columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Static)
            .collect()
    }

    /// Whether the table has static columns.
    pub fn has_static(&self) -> bool {
        self.columns.iter().any(|c| c.kind == ColumnKind::Static)
    }

    /// Whether this is a counter table (its value columns are counters).
    pub fn is_counter_table(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.is_value() && c.ty == ColumnType::Counter)
    }

    /// Whether the table is "dense" (compact storage with clustering
    /// columns): `is_dense` in `system.schema_columnfamilies`.
    pub fn is_dense(&self) -> bool {
        self.compact_storage && !self.clustering.is_empty()
    }

    /// The column order of `SELECT *` in Cassandra 2.0: partition key,
    /// clustering columns, then static and regular columns sorted by name.
    pub fn select_order(&self) -> Vec<&ColumnDef> {
        let mut out = self.partition_key_columns();
        out.extend(self.clustering_columns());
        let mut statics = self.static_columns();
        statics.sort_by(|a, b| a.name.cmp(&b.name));
        let mut regular = self.regular_columns();
        regular.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(statics);
        out.extend(regular);
        out
    }

    /// `comparator` in `system.schema_columnfamilies` (see the notes §10).
    pub fn comparator_class(&self) -> String {
        let mut parts: Vec<String> = self
            .clustering
            .iter()
            .filter_map(|(n, o)| self.column(n).map(|c| marshal_class_with_order(&c.ty, *o)))
            .collect();
        if self.compact_storage {
            return match parts.len() {
                0 => format!("{MARSHAL_PACKAGE}UTF8Type"),
                1 => parts.remove(0),
                _ => format!("{MARSHAL_PACKAGE}CompositeType({})", parts.join(",")),
            };
        }
        parts.push(format!("{MARSHAL_PACKAGE}UTF8Type"));
        let collections: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.is_value() && c.ty.is_collection())
            .map(|c| {
                let hex: String = c.name.bytes().map(|b| format!("{b:02x}")).collect();
                format!("{hex}:{}", marshal_class(&c.ty))
            })
            .collect();
        if !collections.is_empty() {
            parts.push(format!(
                "{MARSHAL_PACKAGE}ColumnToCollectionType({})",
                collections.join(",")
            ));
        }
        format!("{MARSHAL_PACKAGE}CompositeType({})", parts.join(","))
    }

    /// `key_validator`: the partition key type, or a CompositeType.
    pub fn key_validator_class(&self) -> String {
        let parts: Vec<String> = self
            .partition_key_columns()
            .iter()
            .map(|c| marshal_class(&c.ty))
            .collect();
        if parts.len() == 1 {
            parts.into_iter().next().unwrap_or_default()
        } else {
            format!("{MARSHAL_PACKAGE}CompositeType({})", parts.join(","))
        }
    }

    /// `default_validator`: the value type of a dense table, else BytesType
    /// (CounterColumnType for a counter table).
    pub fn default_validator_class(&self) -> String {
        if self.is_dense() {
            if let Some(c) = self.regular_columns().first() {
                return marshal_class(&c.ty);
            }
        }
        if self.is_counter_table() {
            return format!("{MARSHAL_PACKAGE}CounterColumnType");
        }
        format!("{MARSHAL_PACKAGE}BytesType")
    }

    /// The column that `CREATE INDEX` without a name would index under
    /// `<table>_<column>_idx`.
    pub fn default_index_name(&self, column: &str) -> String {
        format!("{}_{}_idx", self.name, column)
    }

    /// A short description of the column's type for messages.
    pub fn type_name(&self, column: &str) -> String {
        self.column(column)
            .map(|c| cql_type_name(&c.ty))
            .unwrap_or_default()
    }
}
