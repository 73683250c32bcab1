//! Comparing a model's table options (`ModelSchema::options`, each value
//! the CQL text as written) with the options of the existing table, as the
//! driver's metadata shows them ([`TableOptions`]), for
//! [`sync_table`](crate::management::sync_table).
//!
//! Values are compared as Cassandra stores them, not as text:
//!
//! - strings with their quotes removed (`'users'` is `users`);
//! - numbers as numbers (`0.10` is `0.1`, `'3600'` is `3600`);
//! - booleans as Cassandra 2.0 reads them (`1`, `true`, `yes` are true);
//! - `caching` without regard to case;
//! - `speculative_retry` by kind and value (`99percentile` is
//!   `99.0PERCENTILE`, `10ms` is `10.0ms`);
//! - maps (`compaction`, `compression`) key by key, only the keys the
//!   model gives (as cqlengine does), class names by their last component
//!   (`LeveledCompactionStrategy` is
//!   `org.apache.cassandra.db.compaction.LeveledCompactionStrategy`).
//!   `compaction`'s `min_threshold` and `max_threshold` are also found in
//!   the table's threshold columns, and an empty `sstable_compression`
//!   (compression off) matches a table without one.

use std::collections::BTreeMap;

use cql_driver::metadata::TableOptions;

/// What comparing one option found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Comparison {
    /// The table has the model's value.
    Same,
    /// The table's value differs (or the table lacks a key of the model's
    /// map).
    Differs,
    /// The option cannot be compared, for the reason given: an unknown
    /// name, a value that does not parse, or a value the metadata does not
    /// show.
    Unknown(String),
}

/// A model's option value, parsed from its CQL text.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    /// A string (unquoted), number, boolean or bare word, as text.
    Scalar(String),
    /// A map literal; keys and values as text.
    Map(BTreeMap<String, String>),
}

/// Compares the model's option `name` (CQL text `text`) with the table's
/// `options`.
pub(crate) fn compare(name: &str, text: &str, options: &TableOptions) -> Comparison {
    let name = name.to_ascii_lowercase();
    let Some(value) = parse_value(text) else {
        return Comparison::Unknown(format!("the value {text} is not a CQL constant or map"));
    };
    let missing = || Comparison::Unknown("the table's metadata does not show it".into());
    let same = |equal: bool| {
        if equal {
            Comparison::Same
        } else {
            Comparison::Differs
        }
    };
    match name.as_str() {
        "comment" => {
            let Value::Scalar(model) = value else {
                return not_scalar();
            };
            // Cassandra writes '' for no comment; null is the same.
            same(model == options.comment.as_deref().unwrap_or(""))
        }
        "read_repair_chance"
        | "dclocal_read_repair_chance"
        | "bloom_filter_fp_chance"
        | "gc_grace_seconds"
        | "default_time_to_live"
        | "memtable_flush_period_in_ms"
        | "index_interval" => {
            let Value::Scalar(model) = value else {
                return not_scalar();
            };
            let table = match name.as_str() {
                "read_repair_chance" => options.read_repair_chance,
                "dclocal_read_repair_chance" => options.dclocal_read_repair_chance,
                "bloom_filter_fp_chance" => options.bloom_filter_fp_chance,
                "gc_grace_seconds" => options.gc_grace_seconds.map(f64::from),
                "default_time_to_live" => options.default_time_to_live.map(f64::from),
                "memtable_flush_period_in_ms" => options.memtable_flush_period_in_ms.map(f64::from),
                _ => options.index_interval.map(f64::from),
            };
            let Some(table) = table else { return missing() };
            match number(&model) {
                Some(model) => same(model == table),
                None => Comparison::Unknown(format!("{model} is not a number")),
            }
        }
        "replicate_on_write" | "populate_io_cache_on_flush" => {
            let Value::Scalar(model) = value else {
                return not_scalar();
            };
            let table = if name == "replicate_on_write" {
                options.replicate_on_write
            } else {
                options.populate_io_cache_on_flush
            };
            let Some(table) = table else { return missing() };
            // PropertyDefinitions.getBoolean: 1, true, yes; anything else
            // is false.
            let model = matches!(model.to_ascii_lowercase().as_str(), "1" | "true" | "yes");
            same(model == table)
        }
        "caching" => {
            let Value::Scalar(model) = value else {
                return Comparison::Unknown(
                    "a caching map is Cassandra 2.1's; this compares 2.0's caching names".into(),
                );
            };
            let Some(table) = &options.caching else {
                return missing();
            };
            if table.trim_start().starts_with('{') {
                return Comparison::Unknown(format!("the table's caching is a map: {table}"));
            }
            same(model.eq_ignore_ascii_case(table))
        }
        "speculative_retry" => {
            let Value::Scalar(model) = value else {
                return not_scalar();
            };
            let Some(table) = &options.speculative_retry else {
                return missing();
            };
            same(speculative_retry(&model).matches(&speculative_retry(table)))
        }
        "compaction" => {
            let Value::Map(model) = value else {
                return not_map();
            };
            let Some(class) = &options.compaction_strategy_class else {
                return missing();
            };
            let no_options = BTreeMap::new();
            let table_options = options
                .compaction_strategy_options
                .as_ref()
                .unwrap_or(&no_options);
            let differs = model.iter().any(|(key, value)| {
                let table_value = match key.as_str() {
                    "class" => return short_class(value) != short_class(class),
                    "min_threshold" => table_options
                        .get(key)
                        .cloned()
                        .or(options.min_compaction_threshold.map(|v| v.to_string())),
                    "max_threshold" => table_options
                        .get(key)
                        .cloned()
                        .or(options.max_compaction_threshold.map(|v| v.to_string())),
                    _ => table_options.get(key).cloned(),
                };
                !table_value.is_some_and(|t| same_text(value, &t))
            });
            same(!differs)
        }
        "compression" => {
            let Value::Map(model) = value else {
                return not_map();
            };
            let Some(table) = &options.compression else {
                return missing();
            };
            let table_class = table.get("sstable_compression").map_or("", String::as_str);
            if model
                .get("sstable_compression")
                .is_some_and(String::is_empty)
            {
                // Compression off: Cassandra keeps none of the other keys.
                return same(table_class.is_empty());
            }
            let differs = model.iter().any(|(key, value)| {
                if key == "sstable_compression" {
                    return short_class(value) != short_class(table_class);
                }
                !table.get(key).is_some_and(|t| same_text(value, t))
            });
            same(!differs)
        }
        _ => Comparison::Unknown("the mapper does not know this option".into()),
    }
}

fn not_scalar() -> Comparison {
    Comparison::Unknown("a map where a single value is expected".into())
}

fn not_map() -> Comparison {
    Comparison::Unknown("a single value where a map is expected".into())
}

/// The last component of a class name.
fn short_class(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

fn number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Two option values: the same text, or the same number.
fn same_text(a: &str, b: &str) -> bool {
    a == b || matches!((number(a), number(b)), (Some(x), Some(y)) if x == y)
}

/// `speculative_retry` by kind and value, as Cassandra 2.0 reads it.
#[derive(Debug, PartialEq)]
enum Retry {
    Percentile(f64),
    Millis(f64),
    Other(String),
}

impl Retry {
    /// The same kind and value. Cassandra stores a percentile as a fraction
    /// and writes it back multiplied by 100, which may not give back the
    /// exact double, so values match within a relative 1e-9.
    fn matches(&self, other: &Retry) -> bool {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
        match (self, other) {
            (Retry::Percentile(a), Retry::Percentile(b)) | (Retry::Millis(a), Retry::Millis(b)) => {
                close(*a, *b)
            }
            (Retry::Other(a), Retry::Other(b)) => a == b,
            _ => false,
        }
    }
}

fn speculative_retry(text: &str) -> Retry {
    let upper = text.trim().to_uppercase();
    if let Some(value) = upper.strip_suffix("PERCENTILE").and_then(number) {
        return Retry::Percentile(value);
    }
    if let Some(value) = upper.strip_suffix("MS").and_then(number) {
        return Retry::Millis(value);
    }
    Retry::Other(upper)
}

/// A CQL constant (`'text'`, `$$text$$`, a number, `true`, a bare word) or
/// a map literal of constants; `None` for anything else.
fn parse_value(text: &str) -> Option<Value> {
    let mut p = Parser { rest: text.trim() };
    let value = if p.rest.starts_with('{') {
        p.rest = &p.rest[1..];
        let mut map = BTreeMap::new();
        p.skip_space();
        if !p.eat('}') {
            loop {
                let key = p.constant()?;
                p.skip_space();
                if !p.eat(':') {
                    return None;
                }
                let value = p.constant()?;
                map.insert(key, value);
                p.skip_space();
                if p.eat('}') {
                    break;
                }
                if !p.eat(',') {
                    return None;
                }
            }
        }
        Value::Map(map)
    } else {
        Value::Scalar(p.constant()?)
    };
    p.skip_space();
    p.rest.is_empty().then_some(value)
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// A string, a `$$` string, or a bare token (number, boolean, word).
    fn constant(&mut self) -> Option<String> {
        self.skip_space();
        if let Some(rest) = self.rest.strip_prefix("$$") {
            let end = rest.find("$$")?;
            self.rest = &rest[end + 2..];
            return Some(rest[..end].to_string());
        }
        if let Some(mut rest) = self.rest.strip_prefix('\'') {
            let mut out = String::new();
            loop {
                let end = rest.find('\'')?;
                out.push_str(&rest[..end]);
                rest = &rest[end + 1..];
                match rest.strip_prefix('\'') {
                    // '' is an escaped quote.
                    Some(after) => {
                        out.push('\'');
                        rest = after;
                    }
                    None => break,
                }
            }
            self.rest = rest;
            return Some(out);
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
            .unwrap_or(self.rest.len());
        if end == 0 {
            return None;
        }
        let token = &self.rest[..end];
        self.rest = &self.rest[end..];
        Some(token.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "org.apache.cassandra.db.compaction.";

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A Cassandra 2.0 table's options, defaults but for a few.
    fn table() -> TableOptions {
        let mut o = TableOptions::default();
        o.comment = Some("it's".into());
        o.read_repair_chance = Some(0.0);
        o.dclocal_read_repair_chance = Some(0.1);
        o.gc_grace_seconds = Some(864000);
        o.default_time_to_live = Some(3600);
        o.caching = Some("KEYS_ONLY".into());
        o.compaction_strategy_class = Some(format!("{C}LeveledCompactionStrategy"));
        o.compaction_strategy_options = Some(map(&[("sstable_size_in_mb", "160")]));
        o.min_compaction_threshold = Some(4);
        o.max_compaction_threshold = Some(32);
        o.compression = Some(map(&[(
            "sstable_compression",
            "org.apache.cassandra.io.compress.LZ4Compressor",
        )]));
        o.bloom_filter_fp_chance = Some(0.1);
        o.speculative_retry = Some("99.0PERCENTILE".into());
        o.memtable_flush_period_in_ms = Some(0);
        o.index_interval = Some(128);
        o.populate_io_cache_on_flush = Some(false);
        o.replicate_on_write = Some(true);
        o
    }

    fn check(name: &str, text: &str) -> Comparison {
        compare(name, text, &table())
    }

    #[test]
    fn literals() {
        assert_eq!(parse_value("'it''s'"), Some(Value::Scalar("it's".into())));
        assert_eq!(parse_value(" 3600 "), Some(Value::Scalar("3600".into())));
        assert_eq!(parse_value("$$a'b$$"), Some(Value::Scalar("a'b".into())));
        assert_eq!(parse_value("-0.5e3"), Some(Value::Scalar("-0.5e3".into())));
        assert_eq!(
            parse_value("{'class' : 'X', 'n': 4 }"),
            Some(Value::Map(map(&[("class", "X"), ("n", "4")])))
        );
        assert_eq!(parse_value("{}"), Some(Value::Map(BTreeMap::new())));
        for bad in ["'open", "{'a': 1", "{'a' 1}", "1 2", "", "{'a': {}}", "[1]"] {
            assert_eq!(parse_value(bad), None, "{bad}");
        }
    }

    #[test]
    fn scalars_compare_as_cassandra_stores_them() {
        use Comparison::{Differs, Same};
        assert_eq!(check("comment", "'it''s'"), Same);
        assert_eq!(check("COMMENT", "'its'"), Differs);
        assert_eq!(check("default_time_to_live", "3600"), Same);
        assert_eq!(check("default_time_to_live", "'3600'"), Same);
        assert_eq!(check("default_time_to_live", "60"), Differs);
        assert_eq!(check("dclocal_read_repair_chance", "0.10"), Same);
        assert_eq!(check("read_repair_chance", "0.5"), Differs);
        assert_eq!(check("gc_grace_seconds", "864000"), Same);
        assert_eq!(check("bloom_filter_fp_chance", "0.1"), Same);
        assert_eq!(check("index_interval", "256"), Differs);
        assert_eq!(check("replicate_on_write", "yes"), Same);
        assert_eq!(check("replicate_on_write", "false"), Differs);
        assert_eq!(check("populate_io_cache_on_flush", "'false'"), Same);
        assert_eq!(check("caching", "'keys_only'"), Same);
        assert_eq!(check("caching", "'ALL'"), Differs);
        assert_eq!(check("speculative_retry", "'99percentile'"), Same);
        assert_eq!(check("speculative_retry", "'10ms'"), Differs);
        let mut ms = table();
        ms.speculative_retry = Some("10.0ms".into());
        assert_eq!(compare("speculative_retry", "'10ms'", &ms), Same);
        ms.speculative_retry = Some("99.90000000000001PERCENTILE".into());
        assert_eq!(compare("speculative_retry", "'99.9PERCENTILE'", &ms), Same);
        assert_eq!(compare("speculative_retry", "'99.9ms'", &ms), Differs);
        ms.speculative_retry = Some("ALWAYS".into());
        assert_eq!(compare("speculative_retry", "'always'", &ms), Same);
        // No comment is an empty one.
        let mut none = table();
        none.comment = None;
        assert_eq!(compare("comment", "''", &none), Same);
    }

    #[test]
    fn maps_compare_the_model_keys_with_short_class_names() {
        use Comparison::{Differs, Same};
        assert_eq!(
            check("compaction", "{'class': 'LeveledCompactionStrategy'}"),
            Same
        );
        assert_eq!(
            check(
                "compaction",
                &format!("{{'class': '{C}LeveledCompactionStrategy', 'sstable_size_in_mb': 160}}")
            ),
            Same
        );
        assert_eq!(
            check("compaction", "{'class': 'SizeTieredCompactionStrategy'}"),
            Differs
        );
        assert_eq!(
            check(
                "compaction",
                "{'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '80'}"
            ),
            Differs
        );
        // A key the table lacks differs.
        assert_eq!(
            check(
                "compaction",
                "{'class': 'LeveledCompactionStrategy', 'tombstone_threshold': '0.2'}"
            ),
            Differs
        );
        // Thresholds: in the options, else in the columns.
        assert_eq!(
            check(
                "compaction",
                "{'class': 'LeveledCompactionStrategy', 'min_threshold': 4, 'max_threshold': '32'}"
            ),
            Same
        );
        assert_eq!(
            check(
                "compaction",
                "{'class': 'LeveledCompactionStrategy', 'min_threshold': 6}"
            ),
            Differs
        );

        assert_eq!(
            check("compression", "{'sstable_compression': 'LZ4Compressor'}"),
            Same
        );
        assert_eq!(
            check("compression", "{'sstable_compression': 'SnappyCompressor'}"),
            Differs
        );
        assert_eq!(
            check(
                "compression",
                "{'sstable_compression': 'LZ4Compressor', 'chunk_length_kb': 64}"
            ),
            Differs
        );
        assert_eq!(check("compression", "{'sstable_compression': ''}"), Differs);
        let mut off = table();
        off.compression = Some(BTreeMap::new());
        assert_eq!(
            compare(
                "compression",
                "{'sstable_compression': '', 'chunk_length_kb': 64}",
                &off
            ),
            Same
        );
    }

    #[test]
    fn what_cannot_be_compared() {
        let unknown = |c: Comparison| matches!(c, Comparison::Unknown(_));
        assert!(unknown(check("min_compaction_threshold", "4")));
        assert!(unknown(check("no_such_option", "1")));
        assert!(unknown(check("comment", "'open")));
        assert!(unknown(check("compaction", "'LeveledCompactionStrategy'")));
        assert!(unknown(check("comment", "{'a': 'b'}")));
        assert!(unknown(check("gc_grace_seconds", "'soon'")));
        assert!(unknown(check(
            "caching",
            "{'keys': 'ALL', 'rows_per_partition': 'NONE'}"
        )));
        // Cassandra 1.2 shows no default_time_to_live.
        let mut old = table();
        old.default_time_to_live = None;
        assert!(unknown(compare("default_time_to_live", "3600", &old)));
        old.compaction_strategy_class = None;
        assert!(unknown(compare(
            "compaction",
            "{'class': 'LeveledCompactionStrategy'}",
            &old
        )));
    }
}
