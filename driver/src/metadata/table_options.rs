//! A table's options (the `WITH` properties of `CREATE TABLE`), as
//! Cassandra 1.2 and 2.0 write them in `system.schema_columnfamilies`
//! (protocol notes §10).

use std::collections::BTreeMap;

/// The options of a table, read from its `system.schema_columnfamilies`
/// row.
///
/// Each field is named after the CQL property it holds (the column's name
/// is given where it differs) and is `None` when the column is not in the
/// row (Cassandra 1.2 has no `default_time_to_live`,
/// `memtable_flush_period_in_ms`, `speculative_retry` or `index_interval`),
/// when it is null, or when its value could not be read (which is logged
/// with a `tracing` warning and never fails the metadata).
///
/// Values are as the server stores them, not as they were written: class
/// names are fully qualified
/// (`org.apache.cassandra.db.compaction.LeveledCompactionStrategy`),
/// `speculative_retry` is normalized (`99.0PERCENTILE`), and Cassandra 2.0's
/// `caching` is one of `ALL`, `KEYS_ONLY`, `ROWS_ONLY` and `NONE`
/// (Cassandra 2.1 writes a JSON object there instead; it is kept as text).
///
/// ```
/// use cql_driver::metadata::TableOptions;
///
/// let mut options = TableOptions::default();
/// options.compaction_strategy_class =
///     Some("org.apache.cassandra.db.compaction.LeveledCompactionStrategy".into());
/// options.compaction_strategy_options =
///     Some([("sstable_size_in_mb".to_string(), "160".to_string())].into());
/// let compaction = options.compaction().unwrap();
/// assert_eq!(
///     compaction["class"],
///     "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"
/// );
/// assert_eq!(compaction["sstable_size_in_mb"], "160");
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TableOptions {
    /// `comment`.
    pub comment: Option<String>,
    /// `read_repair_chance`, between 0 and 1.
    pub read_repair_chance: Option<f64>,
    /// `dclocal_read_repair_chance`, between 0 and 1 (the column is
    /// `local_read_repair_chance`).
    pub dclocal_read_repair_chance: Option<f64>,
    /// `gc_grace_seconds`.
    pub gc_grace_seconds: Option<i32>,
    /// `default_time_to_live`, in seconds; 0 for none (Cassandra 2.0+).
    pub default_time_to_live: Option<i32>,
    /// `caching`: `ALL`, `KEYS_ONLY`, `ROWS_ONLY` or `NONE` in Cassandra
    /// 1.2 and 2.0.
    pub caching: Option<String>,
    /// The `class` of `compaction`, fully qualified (the column
    /// `compaction_strategy_class`).
    pub compaction_strategy_class: Option<String>,
    /// The other sub-options of `compaction` (the JSON object of the column
    /// `compaction_strategy_options`). Cassandra 2.0 keeps `min_threshold`
    /// and `max_threshold` here when they were given.
    pub compaction_strategy_options: Option<BTreeMap<String, String>>,
    /// The column `min_compaction_threshold` (`compaction`'s
    /// `min_threshold`, 4 by default).
    pub min_compaction_threshold: Option<i32>,
    /// The column `max_compaction_threshold` (`compaction`'s
    /// `max_threshold`, 32 by default).
    pub max_compaction_threshold: Option<i32>,
    /// `compression` (the JSON object of the column `compression_parameters`),
    /// e.g. `sstable_compression` →
    /// `org.apache.cassandra.io.compress.LZ4Compressor`; empty when
    /// compression is off.
    pub compression: Option<BTreeMap<String, String>>,
    /// `bloom_filter_fp_chance`.
    pub bloom_filter_fp_chance: Option<f64>,
    /// `speculative_retry`, normalized: `99.0PERCENTILE`, `10.0ms`, `ALWAYS`,
    /// `NONE` (Cassandra 2.0+).
    pub speculative_retry: Option<String>,
    /// `memtable_flush_period_in_ms`; 0 for none (Cassandra 2.0+).
    pub memtable_flush_period_in_ms: Option<i32>,
    /// `index_interval` (Cassandra 2.0; 2.1 split it in two).
    pub index_interval: Option<i32>,
    /// `populate_io_cache_on_flush`.
    pub populate_io_cache_on_flush: Option<bool>,
    /// `replicate_on_write`.
    pub replicate_on_write: Option<bool>,
}

impl TableOptions {
    /// The `compaction` map as CQL writes it: `class` (fully qualified)
    /// and the other sub-options; `None` when the class is unknown.
    pub fn compaction(&self) -> Option<BTreeMap<String, String>> {
        let class = self.compaction_strategy_class.as_ref()?;
        let mut map = self.compaction_strategy_options.clone().unwrap_or_default();
        map.insert("class".to_owned(), class.clone());
        Some(map)
    }
}

/// Doubles compare by their bits, so that the options (and the table
/// metadata holding them) are `Eq`.
fn same_double(a: Option<f64>, b: Option<f64>) -> bool {
    a.map(f64::to_bits) == b.map(f64::to_bits)
}

impl PartialEq for TableOptions {
    fn eq(&self, other: &Self) -> bool {
        self.comment == other.comment
            && same_double(self.read_repair_chance, other.read_repair_chance)
            && same_double(
                self.dclocal_read_repair_chance,
                other.dclocal_read_repair_chance,
            )
            && self.gc_grace_seconds == other.gc_grace_seconds
            && self.default_time_to_live == other.default_time_to_live
            && self.caching == other.caching
            && self.compaction_strategy_class == other.compaction_strategy_class
            && self.compaction_strategy_options == other.compaction_strategy_options
            && self.min_compaction_threshold == other.min_compaction_threshold
            && self.max_compaction_threshold == other.max_compaction_threshold
            && self.compression == other.compression
            && same_double(self.bloom_filter_fp_chance, other.bloom_filter_fp_chance)
            && self.speculative_retry == other.speculative_retry
            && self.memtable_flush_period_in_ms == other.memtable_flush_period_in_ms
            && self.index_interval == other.index_interval
            && self.populate_io_cache_on_flush == other.populate_io_cache_on_flush
            && self.replicate_on_write == other.replicate_on_write
    }
}

impl Eq for TableOptions {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_map_and_equality() {
        let mut a = TableOptions::default();
        assert_eq!(a.compaction(), None);
        a.compaction_strategy_class = Some("X".into());
        assert_eq!(
            a.compaction(),
            Some(BTreeMap::from([("class".into(), "X".into())]))
        );
        // A `class` among the options does not win over the column.
        a.compaction_strategy_options = Some(BTreeMap::from([("class".into(), "Y".into())]));
        assert_eq!(a.compaction().unwrap()["class"], "X");

        let mut b = a.clone();
        assert_eq!(a, b);
        a.read_repair_chance = Some(f64::NAN);
        b.read_repair_chance = Some(f64::NAN);
        assert_eq!(a, b, "NaN equals itself by bits");
        b.read_repair_chance = Some(0.1);
        assert_ne!(a, b);
    }
}
