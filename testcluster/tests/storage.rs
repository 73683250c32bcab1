//! Storage engine behaviour: schema, comparators and Cassandra 2.0 write
//! resolution.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use bytes::Bytes;
use cql_protocol::murmur3::{partition_key, token};
use cql_protocol::ColumnType;
use cql_testcluster::storage::types::compare_with_order;
use cql_testcluster::storage::*;

fn int(v: i32) -> Bytes {
    Bytes::copy_from_slice(&v.to_be_bytes())
}

fn text(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

fn catalog_with_ks() -> Catalog {
    let c = Catalog::new();
    c.create_keyspace(KeyspaceDef::simple("ks", 1), false)
        .unwrap();
    c
}

/// `CREATE TABLE ks.t (k int, c int, v text, s text static, l list<int>,
/// st set<text>, m map<text, int>, PRIMARY KEY (k, c))`.
fn table() -> (Catalog, Arc<Table>) {
    let c = catalog_with_ks();
    let spec = CreateTable::new(
        "ks",
        "t",
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("c", ColumnType::Int),
            ColumnSpec::new("v", ColumnType::Text),
            ColumnSpec::new_static("s", ColumnType::Text),
            ColumnSpec::new("l", ColumnType::List(Box::new(ColumnType::Int))),
            ColumnSpec::new("st", ColumnType::Set(Box::new(ColumnType::Text))),
            ColumnSpec::new(
                "m",
                ColumnType::Map(Box::new(ColumnType::Text), Box::new(ColumnType::Int)),
            ),
        ],
        &["k"],
        &["c"],
    );
    c.create_table(&spec, false).unwrap();
    let t = c.table("ks", "t").unwrap();
    (c, t)
}

fn write(c: i32, col: &str, w: ColumnWrite, ts: i64) -> Op {
    Op::Write {
        clustering: vec![int(c)],
        column: col.into(),
        write: w,
        timestamp: ts,
        ttl: None,
    }
}

fn set(c: i32, col: &str, v: Bytes, ts: i64) -> Op {
    write(c, col, ColumnWrite::Set(v), ts)
}

fn apply(t: &Table, k: i32, ops: Vec<Op>) {
    t.apply(&Mutation::new(int(k), ops), 1000).unwrap();
}

fn rows_at(t: &Table, k: i32, now: i64) -> Vec<ReadRow> {
    t.read(&ReadCommand::partition(int(k)), now).unwrap().rows
}

fn rows(t: &Table, k: i32) -> Vec<ReadRow> {
    rows_at(t, k, 1000)
}

fn get(t: &Table, row: &ReadRow, col: &str) -> Option<Bytes> {
    let idx = t.def().column_index(col).unwrap();
    row.cell(idx).map(|c| c.value.clone())
}

fn cell<'a>(t: &Table, row: &'a ReadRow, col: &str) -> Option<&'a ReadCell> {
    let idx = t.def().column_index(col).unwrap();
    row.cell(idx)
}

fn clusterings(rows: &[ReadRow]) -> Vec<i32> {
    rows.iter()
        .map(|r| {
            let c = &r.clustering.as_ref().unwrap()[0];
            i32::from_be_bytes(c[..].try_into().unwrap())
        })
        .collect()
}

fn list_ints(t: &Table, row: &ReadRow, col: &str) -> Vec<i32> {
    cell(t, row, col)
        .map(|c| {
            c.elements
                .as_ref()
                .unwrap()
                .iter()
                .map(|(_, v)| i32::from_be_bytes(v[..].try_into().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------- schema

#[test]
fn keyspace_lifecycle_and_errors() {
    let c = Catalog::new();
    let v0 = c.schema_version();
    assert!(c
        .create_keyspace(KeyspaceDef::simple("ks", 3), false)
        .unwrap());
    let v1 = c.schema_version();
    assert_ne!(v0, v1);
    // IF NOT EXISTS: no error, no change.
    assert!(!c
        .create_keyspace(KeyspaceDef::simple("ks", 1), true)
        .unwrap());
    assert_eq!(c.schema_version(), v1);
    let err = c
        .create_keyspace(KeyspaceDef::simple("ks", 1), false)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot add already existing keyspace \"ks\""
    );
    assert_eq!(err.code(), 0x2400);
    let resp = err.to_error_response();
    assert_eq!(
        resp.kind,
        cql_protocol::message::response::ErrorKind::AlreadyExists {
            keyspace: "ks".into(),
            table: String::new()
        }
    );

    let dcs = BTreeMap::from([
        ("class".to_owned(), "NetworkTopologyStrategy".to_owned()),
        ("dc1".to_owned(), "2".to_owned()),
    ]);
    let repl = Replication::from_options(&dcs).unwrap();
    assert_eq!(
        repl.class_name(),
        "org.apache.cassandra.locator.NetworkTopologyStrategy"
    );
    assert_eq!(repl.options_json(), "{\"dc1\":\"2\"}");
    c.alter_keyspace("ks", Some(repl.clone()), Some(false))
        .unwrap();
    let ks = c.keyspace("ks").unwrap();
    assert_eq!(ks.replication, repl);
    assert!(!ks.durable_writes);
    assert_ne!(c.schema_version(), v1);

    let err = c.alter_keyspace("nope", None, None).unwrap_err();
    assert_eq!(err.to_string(), "Keyspace nope does not exist");
    assert_eq!(err.code(), 0x2200);
    let err = Replication::from_options(&BTreeMap::from([(
        "class".to_owned(),
        "SimpleStrategy".to_owned(),
    )]))
    .unwrap_err();
    assert_eq!(err.code(), 0x2300);

    assert!(c.drop_keyspace("ks", false).unwrap());
    assert!(!c.drop_keyspace("ks", true).unwrap());
    let err = c.drop_keyspace("ks", false).unwrap_err();
    assert_eq!(err.to_string(), "Cannot drop non existing keyspace 'ks'.");
    assert_eq!(err.code(), 0x2300);
    assert!(c
        .create_keyspace(KeyspaceDef::simple("bad-name", 1), false)
        .is_err());
}

#[test]
fn table_lifecycle_and_errors() {
    let (c, t) = table();
    let def = t.def();
    assert_eq!(def.options, TableOptions::default());
    assert_eq!(def.options.gc_grace_seconds, 864000);
    assert_eq!(def.options.dclocal_read_repair_chance, 0.1);
    assert_eq!(def.options.caching, "KEYS_ONLY");
    assert_eq!(def.options.speculative_retry, "99.0PERCENTILE");
    assert_eq!(def.static_columns().len(), 1);
    let names: Vec<&str> = def.select_order().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["k", "c", "s", "l", "m", "st", "v"]);
    assert_eq!(
        def.comparator_class(),
        "org.apache.cassandra.db.marshal.CompositeType(org.apache.cassandra.db.marshal.Int32Type,\
org.apache.cassandra.db.marshal.UTF8Type,org.apache.cassandra.db.marshal.ColumnToCollectionType(\
6c:org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.Int32Type),\
7374:org.apache.cassandra.db.marshal.SetType(org.apache.cassandra.db.marshal.UTF8Type),\
6d:org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.UTF8Type,org.apache.cassandra.db.marshal.Int32Type)))"
    );
    assert_eq!(
        def.key_validator_class(),
        "org.apache.cassandra.db.marshal.Int32Type"
    );

    let spec = CreateTable::new(
        "ks",
        "t",
        vec![ColumnSpec::new("k", ColumnType::Int)],
        &["k"],
        &[],
    );
    let v = c.schema_version();
    assert!(!c.create_table(&spec, true).unwrap());
    assert_eq!(c.schema_version(), v);
    let err = c.create_table(&spec, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Cannot add already existing column family \"t\" to keyspace \"ks\""
    );
    let mut missing = spec.clone();
    missing.keyspace = "nope".into();
    assert_eq!(
        c.create_table(&missing, false).unwrap_err().to_string(),
        "Keyspace nope does not exist"
    );
    assert_eq!(
        c.table("ks", "zz").unwrap_err().to_string(),
        "unconfigured columnfamily zz"
    );
    assert_eq!(
        c.drop_table("ks", "zz", false).unwrap_err().to_string(),
        "unconfigured columnfamily zz"
    );
    assert!(!c.drop_table("ks", "zz", true).unwrap());
    assert!(c.drop_table("ks", "t", false).unwrap());
    assert_ne!(c.schema_version(), v);
    assert!(c.table("ks", "t").is_err());
}

fn create_err(c: &Catalog, spec: CreateTable) -> String {
    c.create_table(&spec, false).unwrap_err().to_string()
}

#[test]
fn create_table_validations() {
    let c = catalog_with_ks();
    let cols = || {
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("c", ColumnType::Int),
            ColumnSpec::new("v", ColumnType::Text),
        ]
    };
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", cols(), &[], &[])),
        "No PRIMARY KEY specifed (exactly one required)"
    );
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", cols(), &["x"], &[])),
        "Unknown definition x referenced in PRIMARY KEY"
    );
    let mut dup = cols();
    dup.push(ColumnSpec::new("v", ColumnType::Int));
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", dup, &["k"], &[])),
        "Multiple definition of identifier v"
    );
    let coll = vec![ColumnSpec::new(
        "k",
        ColumnType::List(Box::new(ColumnType::Int)),
    )];
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", coll, &["k"], &[])),
        "Invalid collection type for PRIMARY KEY component k"
    );
    let mut counters = cols();
    counters.push(ColumnSpec::new("n", ColumnType::Counter));
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", counters, &["k"], &["c"])),
        "Cannot mix counter and non counter columns in the same table"
    );
    let mut stat = cols();
    stat.push(ColumnSpec::new_static("s", ColumnType::Int));
    assert_eq!(
        create_err(&c, CreateTable::new("ks", "a", stat.clone(), &["k"], &[])),
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
    );
    let mut order = CreateTable::new("ks", "a", cols(), &["k"], &["c"]);
    order.clustering_order = vec![("v".into(), Order::Desc)];
    assert_eq!(
        create_err(&c, order),
        "Only clustering key columns can be defined in CLUSTERING ORDER directive"
    );
    let mut compact = CreateTable::new(
        "ks",
        "a",
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("c", ColumnType::Int),
            ColumnSpec::new("v", ColumnType::Text),
            ColumnSpec::new("w", ColumnType::Text),
        ],
        &["k"],
        &["c"],
    );
    compact.compact_storage = true;
    assert_eq!(
        create_err(&c, compact),
        "COMPACT STORAGE with composite PRIMARY KEY allows no more than one column not part of the PRIMARY KEY (got: v, w)"
    );
    let mut opts = CreateTable::new("ks", "a", cols(), &["k"], &["c"]);
    opts.options = vec![("bogus".into(), OptionValue::Str("1".into()))];
    let err = c.create_table(&opts, false).unwrap_err();
    assert_eq!(err.to_string(), "Unknown property 'bogus'");
    opts.options = vec![
        ("comment".into(), OptionValue::Str("hi".into())),
        ("gc_grace_seconds".into(), OptionValue::Str("10".into())),
        (
            "compaction".into(),
            OptionValue::Map(BTreeMap::from([(
                "class".into(),
                "LeveledCompactionStrategy".into(),
            )])),
        ),
    ];
    opts.clustering_order = vec![("c".into(), Order::Desc)];
    assert!(c.create_table(&opts, false).unwrap());
    let def = c.table("ks", "a").unwrap().def();
    assert_eq!(def.options.comment, "hi");
    assert_eq!(def.options.gc_grace_seconds, 10);
    assert_eq!(
        def.options.compaction.class,
        "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"
    );
    assert_eq!(def.clustering, vec![("c".to_owned(), Order::Desc)]);
    assert!(def
        .comparator_class()
        .contains("ReversedType(org.apache.cassandra.db.marshal.Int32Type)"));
}

fn options_after(props: &[(&str, OptionValue)]) -> Result<TableOptions, String> {
    let mut options = TableOptions::default();
    for (name, value) in props {
        options.set(name, value).map_err(|e| e.to_string())?;
    }
    Ok(options)
}

fn s(text: &str) -> OptionValue {
    OptionValue::Str(text.into())
}

fn m(pairs: &[(&str, &str)]) -> OptionValue {
    OptionValue::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[test]
fn table_options_as_cassandra_2_0_stores_them() {
    const C: &str = "org.apache.cassandra.db.compaction.";
    // compaction: the class qualified, the rest kept (thresholds included,
    // as CFPropDefs copies the whole map), the thresholds also set.
    let o = options_after(&[(
        "compaction",
        m(&[
            ("class", "SizeTieredCompactionStrategy"),
            ("min_threshold", "6"),
            ("bucket_low", "0.3"),
        ]),
    )])
    .unwrap();
    assert_eq!(
        o.compaction.class,
        format!("{C}SizeTieredCompactionStrategy")
    );
    assert_eq!(
        o.compaction.options,
        BTreeMap::from([
            ("bucket_low".into(), "0.3".into()),
            ("min_threshold".into(), "6".into())
        ])
    );
    assert_eq!(
        (o.min_compaction_threshold, o.max_compaction_threshold),
        (6, 32)
    );
    // A later compaction map replaces the sub-options but keeps thresholds.
    let o = options_after(&[
        (
            "compaction",
            m(&[
                ("class", "SizeTieredCompactionStrategy"),
                ("min_threshold", "6"),
            ]),
        ),
        ("compaction", m(&[("class", "LeveledCompactionStrategy")])),
    ])
    .unwrap();
    assert_eq!(o.compaction.class, format!("{C}LeveledCompactionStrategy"));
    assert!(o.compaction.options.is_empty());
    assert_eq!(o.min_compaction_threshold, 6);
    // Empty maps change nothing.
    let o = options_after(&[("compaction", m(&[])), ("compression", m(&[]))]).unwrap();
    assert_eq!(o, TableOptions::default());
    assert_eq!(
        options_after(&[("compaction", m(&[("class", "X"), ("min_threshold", "1")]))]).unwrap_err(),
        "Min compaction threshold cannot be less than 2 (got 1)."
    );
    assert_eq!(
        options_after(&[("compaction", m(&[("class", "X"), ("max_threshold", "3")]))]).unwrap_err(),
        "Min compaction threshold (got 4) cannot be greater than max compaction threshold (got 3)"
    );

    // compression: asThriftOptions.
    let o = options_after(&[(
        "compression",
        m(&[
            ("sstable_compression", "SnappyCompressor"),
            ("chunk_length_kb", "64"),
        ]),
    )])
    .unwrap();
    assert_eq!(
        o.compression,
        BTreeMap::from([
            ("chunk_length_kb".into(), "64".into()),
            (
                "sstable_compression".into(),
                "org.apache.cassandra.io.compress.SnappyCompressor".into()
            )
        ])
    );
    let o = options_after(&[(
        "compression",
        m(&[("sstable_compression", ""), ("chunk_length_kb", "64")]),
    )])
    .unwrap();
    assert!(
        o.compression.is_empty(),
        "compression off: {:?}",
        o.compression
    );
    assert_eq!(
        options_after(&[(
            "compression",
            m(&[
                ("sstable_compression", "LZ4Compressor"),
                ("chunk_length_kb", "3")
            ])
        )])
        .unwrap_err(),
        "chunk_length_kb must be a power of 2"
    );

    // speculative_retry: SpeculativeRetry.fromString then toString.
    for (given, stored) in [
        ("99percentile", "99.0PERCENTILE"),
        ("95.5PERCENTILE", "95.5PERCENTILE"),
        ("10ms", "10.0ms"),
        ("always", "ALWAYS"),
        ("NONE", "NONE"),
    ] {
        let o = options_after(&[("speculative_retry", s(given))]).unwrap();
        assert_eq!(o.speculative_retry, stored, "{given}");
    }
    assert_eq!(
        options_after(&[("speculative_retry", s("sometimes"))]).unwrap_err(),
        "invalid speculative_retry type: sometimes"
    );
    assert_eq!(
        options_after(&[("speculative_retry", s("101PERCENTILE"))]).unwrap_err(),
        "PERCENTILE should be between 0 and 100, but was 101.0"
    );

    // The rest, with 2.0's readings and messages.
    let o = options_after(&[
        ("caching", s("all")),
        ("replicate_on_write", s("no")),
        ("populate_io_cache_on_flush", s("YES")),
        ("dclocal_read_repair_chance", s("0.25")),
        ("bloom_filter_fp_chance", s("0.05")),
        ("index_interval", s("256")),
        ("memtable_flush_period_in_ms", s("1000")),
    ])
    .unwrap();
    assert_eq!(o.caching, "ALL");
    assert!(!o.replicate_on_write);
    assert!(o.populate_io_cache_on_flush);
    assert_eq!(o.dclocal_read_repair_chance, 0.25);
    assert_eq!(o.bloom_filter_fp_chance, 0.05);
    assert_eq!(o.index_interval, 256);
    assert_eq!(o.memtable_flush_period_in_ms, 1000);
    assert_eq!(
        options_after(&[("gc_grace_seconds", s("1.5"))]).unwrap_err(),
        "Invalid integer value 1.5 for 'gc_grace_seconds'"
    );
    assert_eq!(
        options_after(&[("read_repair_chance", s("x"))]).unwrap_err(),
        "Invalid double value x for 'read_repair_chance'"
    );
    // Column names are not properties.
    for name in [
        "local_read_repair_chance",
        "min_compaction_threshold",
        "max_compaction_threshold",
    ] {
        assert_eq!(
            options_after(&[(name, s("4"))]).unwrap_err(),
            format!("Unknown property '{name}'")
        );
    }

    assert_eq!(schema::java_double(99.0), "99.0");
    assert_eq!(schema::java_double(0.001), "0.001");
    assert_eq!(schema::java_double(1e7), "1.0E7");
    assert_eq!(schema::java_double(1.5e-4), "1.5E-4");
}

#[test]
fn leveled_tables_get_their_own_bloom_filter_default() {
    let c = catalog_with_ks();
    let cols = || vec![ColumnSpec::new("k", ColumnType::Int)];
    let mut spec = CreateTable::new("ks", "lcs", cols(), &["k"], &[]);
    spec.options = vec![(
        "compaction".into(),
        m(&[("class", "LeveledCompactionStrategy")]),
    )];
    c.create_table(&spec, false).unwrap();
    assert_eq!(
        c.table("ks", "lcs")
            .unwrap()
            .def()
            .options
            .bloom_filter_fp_chance,
        0.1
    );
    // An explicit chance wins.
    let mut spec = CreateTable::new("ks", "lcs2", cols(), &["k"], &[]);
    spec.options = vec![
        ("bloom_filter_fp_chance".into(), s("0.02")),
        (
            "compaction".into(),
            m(&[("class", "LeveledCompactionStrategy")]),
        ),
    ];
    c.create_table(&spec, false).unwrap();
    assert_eq!(
        c.table("ks", "lcs2")
            .unwrap()
            .def()
            .options
            .bloom_filter_fp_chance,
        0.02
    );
    // ALTER to leveled keeps the chance the table has.
    let spec = CreateTable::new("ks", "stcs", cols(), &["k"], &[]);
    c.create_table(&spec, false).unwrap();
    c.alter_table(
        "ks",
        "stcs",
        AlterTable::Options(vec![(
            "compaction".into(),
            m(&[("class", "LeveledCompactionStrategy")]),
        )]),
    )
    .unwrap();
    assert_eq!(
        c.table("ks", "stcs")
            .unwrap()
            .def()
            .options
            .bloom_filter_fp_chance,
        0.01
    );
}

#[test]
fn alter_table_and_indexes() {
    let (c, t) = table();
    let v = c.schema_version();
    c.alter_table(
        "ks",
        "t",
        AlterTable::Add {
            name: "w".into(),
            ty: ColumnType::Int,
            is_static: false,
        },
    )
    .unwrap();
    assert_ne!(c.schema_version(), v);
    assert!(t.def().column("w").is_some());
    let err = |a| c.alter_table("ks", "t", a).unwrap_err().to_string();
    assert_eq!(
        err(AlterTable::Add {
            name: "v".into(),
            ty: ColumnType::Int,
            is_static: false
        }),
        "Invalid column name v because it conflicts with an existing column"
    );
    assert_eq!(
        err(AlterTable::Drop { name: "k".into() }),
        "Cannot drop PRIMARY KEY part k"
    );
    assert_eq!(
        err(AlterTable::Drop { name: "zz".into() }),
        "Column zz was not found in table t"
    );
    assert_eq!(
        err(AlterTable::Rename(vec![("v".into(), "v2".into())])),
        "Cannot rename non PRIMARY KEY part v"
    );
    assert_eq!(
        err(AlterTable::AlterType {
            name: "w".into(),
            ty: ColumnType::Text
        }),
        "Cannot change w from type int to type text: types are incompatible."
    );
    c.alter_table(
        "ks",
        "t",
        AlterTable::AlterType {
            name: "v".into(),
            ty: ColumnType::Blob,
        },
    )
    .unwrap();
    c.alter_table(
        "ks",
        "t",
        AlterTable::Rename(vec![("c".into(), "cc".into())]),
    )
    .unwrap();
    assert_eq!(t.def().clustering[0].0, "cc");

    // Dropping a column removes its data.
    apply(
        &t,
        1,
        vec![set(1, "w", int(5), 1), set(1, "v", text("x"), 1)],
    );
    c.alter_table("ks", "t", AlterTable::Drop { name: "w".into() })
        .unwrap();
    c.alter_table(
        "ks",
        "t",
        AlterTable::Add {
            name: "w".into(),
            ty: ColumnType::Int,
            is_static: false,
        },
    )
    .unwrap();
    let r = rows(&t, 1);
    assert_eq!(get(&t, &r[0], "w"), None);
    assert_eq!(get(&t, &r[0], "v"), Some(text("x")));

    c.alter_table(
        "ks",
        "t",
        AlterTable::Options(vec![(
            "default_time_to_live".into(),
            OptionValue::Str("100".into()),
        )]),
    )
    .unwrap();
    assert_eq!(t.def().options.default_time_to_live, 100);

    // Indexes.
    assert_eq!(
        c.create_index("ks", "t", None, "v", false).unwrap(),
        Some("t_v_idx".to_owned())
    );
    assert_eq!(c.create_index("ks", "t", None, "v", true).unwrap(), None);
    assert_eq!(
        c.create_index("ks", "t", None, "v", false)
            .unwrap_err()
            .to_string(),
        "Index already exists"
    );
    assert_eq!(
        c.create_index("ks", "t", None, "l", false)
            .unwrap_err()
            .to_string(),
        "Indexes on collections are no yet supported"
    );
    assert_eq!(
        t.def().indexes.get("t_v_idx").map(String::as_str),
        Some("v")
    );
    assert_eq!(
        c.drop_index("ks", "t_v_idx", false).unwrap(),
        Some("t".into())
    );
    assert_eq!(
        c.drop_index("ks", "t_v_idx", false)
            .unwrap_err()
            .to_string(),
        "Index 't_v_idx' could not be found in any of the tables of keyspace 'ks'"
    );
    assert_eq!(c.drop_index("ks", "t_v_idx", true).unwrap(), None);
}

// ----------------------------------------------------------- comparators

fn ordered(ty: &ColumnType, values: &[Vec<u8>]) {
    for w in values.windows(2) {
        assert_eq!(
            compare_with_order(ty, Order::Asc, &w[0], &w[1]),
            Ordering::Less,
            "{ty:?}: {:?} < {:?}",
            w[0],
            w[1]
        );
        assert_eq!(
            compare_with_order(ty, Order::Desc, &w[0], &w[1]),
            if w[0].is_empty() {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        );
    }
}

#[test]
fn comparators() {
    let ints: Vec<Vec<u8>> = [i32::MIN, -256, -1, 0, 1, 255, 256, i32::MAX]
        .iter()
        .map(|v| v.to_be_bytes().to_vec())
        .collect();
    let mut with_empty = vec![vec![]];
    with_empty.extend(ints);
    ordered(&ColumnType::Int, &with_empty);
    let longs: Vec<Vec<u8>> = [i64::MIN, -1, 0, 1, i64::MAX]
        .iter()
        .map(|v| v.to_be_bytes().to_vec())
        .collect();
    ordered(&ColumnType::Bigint, &longs);
    ordered(&ColumnType::Timestamp, &longs);
    ordered(&ColumnType::Counter, &longs);
    let doubles: Vec<Vec<u8>> = [
        f64::NEG_INFINITY,
        -2.5,
        -0.0,
        0.0,
        1e-9,
        3.0,
        f64::INFINITY,
        f64::NAN,
    ]
    .iter()
    .map(|v| v.to_be_bytes().to_vec())
    .collect();
    ordered(&ColumnType::Double, &doubles);
    let floats: Vec<Vec<u8>> = [-1.5f32, 0.0, 2.0]
        .iter()
        .map(|v| v.to_be_bytes().to_vec())
        .collect();
    ordered(&ColumnType::Float, &floats);
    ordered(
        &ColumnType::Varint,
        &[
            vec![0x80],
            vec![0xff],
            vec![0x00],
            vec![0x7f],
            vec![0x00, 0x80],
        ],
    );
    ordered(&ColumnType::Boolean, &[vec![], vec![0], vec![1]]);
    // Text is byte-wise: "Z" < "a" < "é" (0xc3 0xa9) < "日".
    let texts: Vec<Vec<u8>> = ["", "Z", "a", "ab", "é", "日"]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
    ordered(&ColumnType::Text, &texts);
    ordered(
        &ColumnType::Blob,
        &[vec![], vec![0x00], vec![0x7f], vec![0x80], vec![0xff]],
    );
    ordered(
        &ColumnType::Inet,
        &[vec![10, 0, 0, 1], vec![127, 0, 0, 1], vec![192, 168, 0, 1]],
    );
}

/// A version 1 UUID with the given 60-bit timestamp and last byte.
fn timeuuid(ts: u64, last: u8) -> Vec<u8> {
    let mut b = [0u8; 16];
    b[0..4].copy_from_slice(&((ts & 0xffff_ffff) as u32).to_be_bytes());
    b[4..6].copy_from_slice(&(((ts >> 32) & 0xffff) as u16).to_be_bytes());
    b[6..8].copy_from_slice(&((((ts >> 48) & 0x0fff) as u16) | 0x1000).to_be_bytes());
    b[8] = 0x80;
    b[15] = last;
    b.to_vec()
}

#[test]
fn uuid_comparators() {
    // Timeuuid orders by timestamp, not by bytes: time_low is the first
    // field but the least significant.
    let early = timeuuid(0x0000_0001_ffff_ffff, 0);
    let late = timeuuid(0x0000_0002_0000_0000, 0);
    assert!(early > late, "byte order differs from time order");
    assert_eq!(
        compare_with_order(&ColumnType::Timeuuid, Order::Asc, &early, &late),
        Ordering::Less
    );
    assert_eq!(
        compare_with_order(&ColumnType::Uuid, Order::Asc, &early, &late),
        Ordering::Less
    );
    // Same timestamp: timeuuid breaks ties with signed bytes (0x80 < 0x01).
    let a = timeuuid(5, 0x80);
    let b = timeuuid(5, 0x01);
    assert_eq!(
        compare_with_order(&ColumnType::Timeuuid, Order::Asc, &a, &b),
        Ordering::Less
    );
    // UUIDType: unsigned bytes on a tie.
    assert_eq!(
        compare_with_order(&ColumnType::Uuid, Order::Asc, &a, &b),
        Ordering::Greater
    );
    // UUIDType sorts by version first: a v4 UUID after any v1.
    let mut v4 = vec![0u8; 16];
    v4[6] = 0x40;
    assert_eq!(
        compare_with_order(&ColumnType::Uuid, Order::Asc, &late, &v4),
        Ordering::Less
    );
    assert_eq!(
        compare_with_order(&ColumnType::Uuid, Order::Asc, &[], &v4),
        Ordering::Less
    );
}

// ------------------------------------------------------------------ data

#[test]
fn last_write_wins_and_ties() {
    let (_c, t) = table();
    apply(&t, 1, vec![set(1, "v", text("b"), 10)]);
    // An older write arriving later loses.
    apply(&t, 1, vec![set(1, "v", text("z"), 5)]);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("b")));
    // Equal timestamps: the greater value wins, whatever the order.
    apply(&t, 1, vec![set(1, "v", text("a"), 10)]);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("b")));
    apply(&t, 1, vec![set(1, "v", text("c"), 10)]);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("c")));
    // Equal timestamps: a tombstone wins over a live cell.
    apply(&t, 1, vec![write(1, "v", ColumnWrite::Delete, 10)]);
    assert!(rows(&t, 1).is_empty());
    apply(&t, 1, vec![set(1, "v", text("d"), 10)]);
    assert!(rows(&t, 1).is_empty());
    // A newer write resurrects it.
    apply(&t, 1, vec![set(1, "v", text("e"), 11)]);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("e")));
    assert_eq!(cell(&t, &rows(&t, 1)[0], "v").unwrap().writetime, Some(11));
}

#[test]
fn ttl_expiry_and_metadata() {
    let (_c, t) = table();
    t.apply(
        &Mutation::new(
            int(1),
            vec![
                Op::InsertMarker {
                    clustering: vec![int(1)],
                    timestamp: 7,
                    ttl: Some(100),
                },
                Op::Write {
                    clustering: vec![int(1)],
                    column: "v".into(),
                    write: ColumnWrite::Set(text("x")),
                    timestamp: 7,
                    ttl: Some(100),
                },
            ],
        ),
        1000,
    )
    .unwrap();
    let r = rows_at(&t, 1, 1040);
    let v = cell(&t, &r[0], "v").unwrap();
    assert_eq!(v.writetime, Some(7));
    assert_eq!(v.ttl, Some(60));
    assert_eq!(rows_at(&t, 1, 1099).len(), 1);
    assert!(rows_at(&t, 1, 1100).is_empty());
    // Key columns have no writetime.
    assert_eq!(cell(&t, &r[0], "k").unwrap().writetime, None);
    assert_eq!(get(&t, &r[0], "k"), Some(int(1)));
}

#[test]
fn default_ttl_applies() {
    let (c, t) = table();
    c.alter_table(
        "ks",
        "t",
        AlterTable::Options(vec![(
            "default_time_to_live".into(),
            OptionValue::Str("10".into()),
        )]),
    )
    .unwrap();
    apply(&t, 1, vec![set(1, "v", text("x"), 1)]);
    assert_eq!(cell(&t, &rows(&t, 1)[0], "v").unwrap().ttl, Some(10));
    assert!(rows_at(&t, 1, 1010).is_empty());
    // An explicit TTL of 0 means none.
    t.apply(
        &Mutation::new(
            int(2),
            vec![Op::Write {
                clustering: vec![int(1)],
                column: "v".into(),
                write: ColumnWrite::Set(text("x")),
                timestamp: 1,
                ttl: Some(0),
            }],
        ),
        1000,
    )
    .unwrap();
    assert_eq!(cell(&t, &rows_at(&t, 2, 5000)[0], "v").unwrap().ttl, None);
}

#[test]
fn row_marker_rules() {
    let (_c, t) = table();
    // INSERT (k, c, v) VALUES (1, 1, null): marker only, the row exists.
    apply(
        &t,
        1,
        vec![
            Op::InsertMarker {
                clustering: vec![int(1)],
                timestamp: 1,
                ttl: None,
            },
            write(1, "v", ColumnWrite::Delete, 1),
        ],
    );
    let r = rows(&t, 1);
    assert_eq!(r.len(), 1);
    assert_eq!(get(&t, &r[0], "v"), None);
    // UPDATE-created row: disappears when its only cell is deleted.
    apply(&t, 2, vec![set(1, "v", text("x"), 1)]);
    assert_eq!(rows(&t, 2).len(), 1);
    apply(&t, 2, vec![write(1, "v", ColumnWrite::Delete, 2)]);
    assert!(rows(&t, 2).is_empty());
    // INSERT-created row survives deleting its cells, not a row deletion.
    apply(
        &t,
        3,
        vec![
            Op::InsertMarker {
                clustering: vec![int(1)],
                timestamp: 1,
                ttl: None,
            },
            set(1, "v", text("x"), 1),
        ],
    );
    apply(&t, 3, vec![write(1, "v", ColumnWrite::Delete, 2)]);
    assert_eq!(rows(&t, 3).len(), 1);
    apply(
        &t,
        3,
        vec![Op::DeleteRow {
            clustering: vec![int(1)],
            timestamp: 3,
        }],
    );
    assert!(rows(&t, 3).is_empty());
    // UPDATE-created row disappears when its cell expires.
    t.apply(
        &Mutation::new(
            int(4),
            vec![Op::Write {
                clustering: vec![int(1)],
                column: "v".into(),
                write: ColumnWrite::Set(text("x")),
                timestamp: 1,
                ttl: Some(5),
            }],
        ),
        1000,
    )
    .unwrap();
    assert_eq!(rows_at(&t, 4, 1004).len(), 1);
    assert!(rows_at(&t, 4, 1005).is_empty());
}

#[test]
fn static_columns() {
    let (_c, t) = table();
    // Static-only partition: one row with null clustering.
    apply(&t, 1, vec![write(0, "s", ColumnWrite::Set(text("S")), 1)]);
    let r = rows(&t, 1);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].clustering, None);
    assert_eq!(get(&t, &r[0], "s"), Some(text("S")));
    assert_eq!(get(&t, &r[0], "c"), None);
    // With a slice on clustering, the static-only row is not returned.
    let sliced = t
        .read(
            &ReadCommand::partition(int(1)).with_slice(Slice::prefix(vec![int(5)])),
            1000,
        )
        .unwrap();
    assert!(sliced.rows.is_empty());
    // Rows carry the static value.
    apply(
        &t,
        1,
        vec![set(1, "v", text("a"), 1), set(2, "v", text("b"), 1)],
    );
    let r = rows(&t, 1);
    assert_eq!(r.len(), 2);
    assert!(r.iter().all(|row| get(&t, row, "s") == Some(text("S"))));
    // The static value is shared by the partition.
    apply(&t, 1, vec![write(9, "s", ColumnWrite::Set(text("T")), 2)]);
    assert!(rows(&t, 1)
        .iter()
        .all(|row| get(&t, row, "s") == Some(text("T"))));
    // A row deletion does not delete the static cell; a partition deletion does.
    apply(
        &t,
        1,
        vec![Op::DeleteRange {
            prefix: vec![],
            timestamp: 3,
        }],
    );
    let r = rows(&t, 1);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].clustering, None);
    apply(&t, 1, vec![Op::DeletePartition { timestamp: 3 }]);
    assert!(rows(&t, 1).is_empty());
}

#[test]
fn range_tombstones_and_partition_deletion() {
    let c = catalog_with_ks();
    let spec = CreateTable::new(
        "ks",
        "r",
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("a", ColumnType::Int),
            ColumnSpec::new("b", ColumnType::Int),
            ColumnSpec::new("v", ColumnType::Int),
        ],
        &["k"],
        &["a", "b"],
    );
    c.create_table(&spec, false).unwrap();
    let t = c.table("ks", "r").unwrap();
    let w = |a: i32, b: i32, ts: i64| Op::Write {
        clustering: vec![int(a), int(b)],
        column: "v".into(),
        write: ColumnWrite::Set(int(a * 10 + b)),
        timestamp: ts,
        ttl: None,
    };
    let mut ops = Vec::new();
    for a in 1..=3 {
        for b in 1..=2 {
            ops.push(w(a, b, 1));
        }
    }
    t.apply(&Mutation::new(int(1), ops), 0).unwrap();
    // DELETE FROM r WHERE k = 1 AND a = 2
    t.apply(
        &Mutation::new(
            int(1),
            vec![Op::DeleteRange {
                prefix: vec![int(2)],
                timestamp: 2,
            }],
        ),
        0,
    )
    .unwrap();
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(r.len(), 4);
    assert!(r
        .iter()
        .all(|row| row.clustering.as_ref().unwrap()[0] != int(2)));
    // A newer write inside the range is visible, an older one is not.
    t.apply(&Mutation::new(int(1), vec![w(2, 1, 3), w(2, 2, 2)]), 0)
        .unwrap();
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(r.len(), 5);
    // Partition deletion vs newer writes.
    t.apply(
        &Mutation::new(int(1), vec![Op::DeletePartition { timestamp: 10 }]),
        0,
    )
    .unwrap();
    assert!(t
        .read(&ReadCommand::partition(int(1)), 0)
        .unwrap()
        .rows
        .is_empty());
    t.apply(&Mutation::new(int(1), vec![w(1, 1, 10), w(1, 2, 11)]), 0)
        .unwrap();
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].clustering, Some(vec![int(1), int(2)]));
    // Wrong number of clustering values is an error, not a panic.
    let err = t
        .apply(
            &Mutation::new(
                int(1),
                vec![
                    w(1, 1, 1),
                    Op::DeleteRow {
                        clustering: vec![int(1)],
                        timestamp: 1,
                    },
                ],
            ),
            0,
        )
        .unwrap_err();
    assert_eq!(err.code(), 0x2200);
    // ... and the mutation applied nothing.
    assert_eq!(
        t.read(&ReadCommand::partition(int(1)), 0)
            .unwrap()
            .rows
            .len(),
        1
    );
}

#[test]
fn lists() {
    let (_c, t) = table();
    let l = |w: ColumnWrite, ts: i64| write(1, "l", w, ts);
    apply(
        &t,
        1,
        vec![l(
            ColumnWrite::Overwrite(CollectionLiteral::List(vec![int(1), int(2)])),
            10,
        )],
    );
    apply(
        &t,
        1,
        vec![l(ColumnWrite::Append(vec![int(3), int(4)]), 11)],
    );
    apply(
        &t,
        1,
        vec![l(ColumnWrite::Prepend(vec![int(-1), int(0)]), 12)],
    );
    apply(&t, 1, vec![l(ColumnWrite::Prepend(vec![int(-2)]), 13)]);
    assert_eq!(list_ints(&t, &rows(&t, 1)[0], "l"), [-2, -1, 0, 1, 2, 3, 4]);
    // The serialized value uses the v1/v2 layout.
    let value = cell(&t, &rows(&t, 1)[0], "l").unwrap().value.clone();
    assert_eq!(&value[..2], &[0, 7]);
    assert_eq!(&value[2..8], &[0, 4, 0xff, 0xff, 0xff, 0xfe]);

    apply(
        &t,
        1,
        vec![l(
            ColumnWrite::SetIndex {
                index: 0,
                value: int(100),
            },
            14,
        )],
    );
    apply(&t, 1, vec![l(ColumnWrite::DeleteIndex(1), 14)]);
    assert_eq!(list_ints(&t, &rows(&t, 1)[0], "l"), [100, 0, 1, 2, 3, 4]);
    apply(
        &t,
        1,
        vec![l(ColumnWrite::RemoveValues(vec![int(0), int(3)]), 15)],
    );
    assert_eq!(list_ints(&t, &rows(&t, 1)[0], "l"), [100, 1, 2, 4]);
    let err = t
        .apply(
            &Mutation::new(
                int(1),
                vec![l(
                    ColumnWrite::SetIndex {
                        index: 4,
                        value: int(0),
                    },
                    16,
                )],
            ),
            1000,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "List index 4 out of bound, list has size 4"
    );
    let err = t
        .apply(
            &Mutation::new(
                int(2),
                vec![l(
                    ColumnWrite::SetIndex {
                        index: 0,
                        value: int(0),
                    },
                    16,
                )],
            ),
            1000,
        )
        .unwrap_err();
    // Cassandra 2.0 (Lists.SetterByIndex): a null list is a list of size 0.
    assert_eq!(err.code(), 0x2200);
    assert_eq!(
        err.to_string(),
        "List index 0 out of bound, list has size 0"
    );
    let err = t
        .apply(
            &Mutation::new(int(2), vec![l(ColumnWrite::DeleteIndex(0), 16)]),
            1000,
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "List index 0 out of bound, list has size 0"
    );
    // Overwrite: the tombstone at ts-1 hides older elements but not
    // elements written at the same timestamp.
    apply(
        &t,
        1,
        vec![
            l(
                ColumnWrite::Overwrite(CollectionLiteral::List(vec![int(7)])),
                20,
            ),
            l(ColumnWrite::Append(vec![int(8)]), 20),
        ],
    );
    assert_eq!(list_ints(&t, &rows(&t, 1)[0], "l"), [7, 8]);
    // An append older than the overwrite's tombstone is hidden.
    apply(&t, 1, vec![l(ColumnWrite::Append(vec![int(9)]), 19)]);
    assert_eq!(list_ints(&t, &rows(&t, 1)[0], "l"), [7, 8]);
    // Deleting the column.
    apply(&t, 1, vec![l(ColumnWrite::Delete, 21)]);
    assert!(rows(&t, 1).is_empty());
    // A bound serialized list can be decoded.
    let lit = CollectionLiteral::decode(
        &ColumnType::List(Box::new(ColumnType::Int)),
        &[0, 1, 0, 4, 0, 0, 0, 5],
        cql_protocol::version::CollectionSizeWidth::Short,
    )
    .unwrap();
    assert_eq!(lit, CollectionLiteral::List(vec![int(5)]));
}

#[test]
fn sets_and_maps() {
    let (_c, t) = table();
    let st = |w: ColumnWrite, ts: i64| write(1, "st", w, ts);
    apply(
        &t,
        1,
        vec![st(
            ColumnWrite::AddElements(vec![text("b"), text("a"), text("c")]),
            1,
        )],
    );
    apply(
        &t,
        1,
        vec![st(ColumnWrite::RemoveElements(vec![text("b")]), 2)],
    );
    let r = rows(&t, 1);
    let elems: Vec<Bytes> = cell(&t, &r[0], "st")
        .unwrap()
        .elements
        .clone()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(elems, [text("a"), text("c")]);
    assert_eq!(
        cell(&t, &r[0], "st").unwrap().value,
        Bytes::from_static(&[0, 2, 0, 1, b'a', 0, 1, b'c'])
    );
    // Set overwrite replaces older elements.
    apply(
        &t,
        1,
        vec![st(
            ColumnWrite::Overwrite(CollectionLiteral::Set(vec![text("z")])),
            3,
        )],
    );
    let elems: Vec<Bytes> = cell(&t, &rows(&t, 1)[0], "st")
        .unwrap()
        .elements
        .clone()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(elems, [text("z")]);

    let m = |w: ColumnWrite, ts: i64| write(1, "m", w, ts);
    apply(
        &t,
        1,
        vec![m(
            ColumnWrite::PutEntries(vec![(text("y"), int(2)), (text("x"), int(1))]),
            1,
        )],
    );
    apply(
        &t,
        1,
        vec![m(ColumnWrite::PutEntries(vec![(text("x"), int(10))]), 2)],
    );
    apply(&t, 1, vec![m(ColumnWrite::DeleteKey(text("y")), 2)]);
    apply(
        &t,
        1,
        vec![m(ColumnWrite::PutEntries(vec![(text("w"), int(0))]), 2)],
    );
    let r = rows(&t, 1);
    let entries = cell(&t, &r[0], "m").unwrap().elements.clone().unwrap();
    assert_eq!(entries, [(text("w"), int(0)), (text("x"), int(10))]);
    // A list op on a map is an error.
    assert!(t
        .apply(
            &Mutation::new(int(1), vec![m(ColumnWrite::Append(vec![int(1)]), 3)]),
            0
        )
        .is_err());
}

#[test]
fn counters() {
    let c = catalog_with_ks();
    let spec = CreateTable::new(
        "ks",
        "cnt",
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("n", ColumnType::Counter),
        ],
        &["k"],
        &[],
    );
    c.create_table(&spec, false).unwrap();
    let t = c.table("ks", "cnt").unwrap();
    let add = |d: i64, ts: i64| Op::Write {
        clustering: vec![],
        column: "n".into(),
        write: ColumnWrite::CounterAdd(d),
        timestamp: ts,
        ttl: None,
    };
    t.apply(&Mutation::new(int(1), vec![add(5, 1)]), 0).unwrap();
    t.apply(&Mutation::new(int(1), vec![add(-2, 2)]), 0)
        .unwrap();
    t.apply(&Mutation::new(int(1), vec![add(10, 1)]), 0)
        .unwrap();
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(
        get(&t, &r[0], "n"),
        Some(Bytes::copy_from_slice(&13i64.to_be_bytes()))
    );
    let err = t
        .apply(
            &Mutation::new(
                int(1),
                vec![Op::Write {
                    clustering: vec![],
                    column: "n".into(),
                    write: ColumnWrite::Set(int(1)),
                    timestamp: 3,
                    ttl: None,
                }],
            ),
            0,
        )
        .unwrap_err();
    assert!(err
        .to_string()
        .starts_with("Cannot set the value of counter column n"));
    assert!(t
        .apply(
            &Mutation::new(
                int(1),
                vec![Op::InsertMarker {
                    clustering: vec![],
                    timestamp: 1,
                    ttl: None
                }]
            ),
            0
        )
        .is_err());
    // Delete removes; a later increment starts from zero.
    t.apply(
        &Mutation::new(int(1), vec![Op::DeletePartition { timestamp: 5 }]),
        0,
    )
    .unwrap();
    assert!(t
        .read(&ReadCommand::partition(int(1)), 0)
        .unwrap()
        .rows
        .is_empty());
    t.apply(&Mutation::new(int(1), vec![add(1, 6)]), 0).unwrap();
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(
        get(&t, &r[0], "n"),
        Some(Bytes::copy_from_slice(&1i64.to_be_bytes()))
    );
}

#[test]
fn partitions_in_token_order_and_token_ranges() {
    let (_c, t) = table();
    for k in 0..20 {
        apply(&t, k, vec![set(1, "v", text("x"), 1)]);
    }
    let all = t.read(&ReadCommand::all(), 0).unwrap().rows;
    assert_eq!(all.len(), 20);
    let tokens: Vec<i64> = all.iter().map(|r| r.token).collect();
    let mut sorted = tokens.clone();
    sorted.sort();
    assert_eq!(tokens, sorted);
    assert_eq!(all[0].token, token(&all[0].partition_key));
    assert_eq!(token(&int(1)), -4069959284402364209);
    // token(k) > t5
    let t5 = tokens[5];
    let cmd = ReadCommand::new(PartitionSelector::Tokens {
        start: Bound::Excluded(t5),
        end: Bound::Unbounded,
    });
    assert_eq!(t.read(&cmd, 0).unwrap().rows.len(), 14);
    // IN keeps the given key order.
    let cmd = ReadCommand::new(PartitionSelector::Keys(vec![
        int(3),
        int(1),
        int(3),
        int(99),
    ]));
    let r = t.read(&cmd, 0).unwrap().rows;
    assert_eq!(
        r.iter()
            .map(|r| r.partition_key.clone())
            .collect::<Vec<_>>(),
        [int(3), int(1)]
    );
}

#[test]
fn composite_partition_keys() {
    let c = catalog_with_ks();
    let spec = CreateTable::new(
        "ks",
        "ck",
        vec![
            ColumnSpec::new("a", ColumnType::Int),
            ColumnSpec::new("b", ColumnType::Text),
            ColumnSpec::new("v", ColumnType::Int),
        ],
        &["a", "b"],
        &[],
    );
    c.create_table(&spec, false).unwrap();
    let t = c.table("ks", "ck").unwrap();
    let key = Bytes::from(partition_key(&[&1i32.to_be_bytes(), b"a"]).unwrap());
    let op = Op::Write {
        clustering: vec![],
        column: "v".into(),
        write: ColumnWrite::Set(int(7)),
        timestamp: 1,
        ttl: None,
    };
    t.apply(&Mutation::new(key.clone(), vec![op.clone()]), 0)
        .unwrap();
    let r = t
        .read(&ReadCommand::partition(key.clone()), 0)
        .unwrap()
        .rows;
    assert_eq!(r[0].token, 6516349416904725244);
    assert_eq!(get(&t, &r[0], "a"), Some(int(1)));
    assert_eq!(get(&t, &r[0], "b"), Some(text("a")));
    // Malformed keys are errors.
    assert!(t
        .apply(&Mutation::new(int(1), vec![op.clone()]), 0)
        .is_err());
    assert!(t.apply(&Mutation::new(Bytes::new(), vec![op]), 0).is_err());
}

#[test]
fn slices_reversed_and_paging() {
    let (_c, t) = table();
    let ops = (1..=6).map(|c| set(c, "v", text("x"), 1)).collect();
    apply(&t, 1, ops);
    let read = |cmd: ReadCommand| clusterings(&t.read(&cmd, 0).unwrap().rows);
    let p = || ReadCommand::partition(int(1));
    // c >= 2 AND c < 5
    let slice = Slice {
        start: ClusteringBound::Inclusive(vec![int(2)]),
        end: ClusteringBound::Exclusive(vec![int(5)]),
    };
    assert_eq!(read(p().with_slice(slice.clone())), [2, 3, 4]);
    assert_eq!(read(p().with_slice(slice).reversed(true)), [4, 3, 2]);
    let slice = Slice {
        start: ClusteringBound::Exclusive(vec![int(2)]),
        end: ClusteringBound::Inclusive(vec![int(5)]),
    };
    assert_eq!(read(p().with_slice(slice)), [3, 4, 5]);
    // Limit and resume.
    let first = t.read(&p().with_limit(4), 0).unwrap();
    assert!(first.has_more);
    assert_eq!(clusterings(&first.rows), [1, 2, 3, 4]);
    let rp = first.rows.last().unwrap().resume_point();
    let second = t.read(&p().with_limit(4).resume_after(rp), 0).unwrap();
    assert!(!second.has_more);
    assert_eq!(clusterings(&second.rows), [5, 6]);
    // Reversed paging.
    let first = t.read(&p().reversed(true).with_limit(2), 0).unwrap();
    assert_eq!(clusterings(&first.rows), [6, 5]);
    let rp = first.rows.last().unwrap().resume_point();
    assert_eq!(
        clusterings(
            &t.read(&p().reversed(true).with_limit(2).resume_after(rp), 0)
                .unwrap()
                .rows
        ),
        [4, 3]
    );

    // Paging across partitions in token order.
    apply(&t, 2, vec![set(1, "v", text("x"), 1)]);
    apply(&t, 3, vec![set(1, "v", text("x"), 1)]);
    let mut seen = Vec::new();
    let mut cmd = ReadCommand::all().with_limit(3);
    loop {
        let page = t.read(&cmd, 0).unwrap();
        seen.extend(
            page.rows
                .iter()
                .map(|r| (r.partition_key.clone(), r.clustering.clone())),
        );
        if !page.has_more {
            break;
        }
        cmd = cmd.resume_after(page.rows.last().unwrap().resume_point());
    }
    assert_eq!(seen.len(), 8);
    let all: Vec<_> = t
        .read(&ReadCommand::all(), 0)
        .unwrap()
        .rows
        .iter()
        .map(|r| (r.partition_key.clone(), r.clustering.clone()))
        .collect();
    assert_eq!(seen, all);
}

#[test]
fn desc_clustering_order() {
    let c = catalog_with_ks();
    let mut spec = CreateTable::new(
        "ks",
        "d",
        vec![
            ColumnSpec::new("k", ColumnType::Int),
            ColumnSpec::new("c", ColumnType::Int),
            ColumnSpec::new("v", ColumnType::Int),
        ],
        &["k"],
        &["c"],
    );
    spec.clustering_order = vec![("c".into(), Order::Desc)];
    c.create_table(&spec, false).unwrap();
    let t = c.table("ks", "d").unwrap();
    let ops = [-5, 0, 3, 10]
        .iter()
        .map(|&c| set(c, "v", int(c), 1))
        .collect();
    apply(&t, 1, ops);
    let r = t.read(&ReadCommand::partition(int(1)), 0).unwrap().rows;
    assert_eq!(clusterings(&r), [10, 3, 0, -5]);
    let r = t
        .read(&ReadCommand::partition(int(1)).reversed(true), 0)
        .unwrap()
        .rows;
    assert_eq!(clusterings(&r), [-5, 0, 3, 10]);
}

#[test]
fn truncate_index_lookup_and_lwt() {
    let (c, t) = table();
    apply(
        &t,
        1,
        vec![set(1, "v", text("a"), 1), set(2, "v", text("b"), 1)],
    );
    apply(&t, 2, vec![set(1, "v", text("b"), 1)]);
    let found = t
        .index_lookup(
            "v",
            &text("b"),
            0,
            cql_protocol::version::CollectionSizeWidth::Short,
        )
        .unwrap();
    assert_eq!(found.len(), 2);

    // Compare-and-set under the partition lock.
    let applied = t
        .with_partition_mut(&int(1), 0, |p| {
            let rows = p
                .read(
                    &Slice::prefix(vec![int(1)]),
                    cql_protocol::version::CollectionSizeWidth::Short,
                )
                .unwrap();
            let current = rows[0].cells[2].as_ref().map(|c| c.value.clone());
            if current == Some(text("a")) {
                p.apply(&[set(1, "v", text("c"), 2)]).unwrap();
                true
            } else {
                false
            }
        })
        .unwrap();
    assert!(applied);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("c")));

    c.truncate("ks", "t").unwrap();
    assert!(t.read(&ReadCommand::all(), 0).unwrap().rows.is_empty());
    assert_eq!(t.partition_count(), 0);
    assert_eq!(
        c.truncate("ks", "nope").unwrap_err().to_string(),
        "unconfigured columnfamily nope"
    );
}

#[test]
fn bad_inputs_are_errors() {
    let (_c, t) = table();
    let bad = |ops: Vec<Op>| t.apply(&Mutation::new(int(1), ops), 0).unwrap_err();
    assert_eq!(bad(vec![set(1, "nope", int(1), 1)]).code(), 0x2200);
    assert_eq!(bad(vec![set(1, "k", int(1), 1)]).code(), 0x2200);
    assert_eq!(
        bad(vec![set(1, "v", Bytes::from_static(&[0xff]), 1)]).code(),
        0x2200
    );
    assert!(bad(vec![write(1, "l", ColumnWrite::Set(int(1)), 1)]).code() == 0x2200);
    assert!(t
        .apply(&Mutation::new(Bytes::from_static(&[1, 2]), vec![]), 0)
        .is_err());
    let read = t.read(&ReadCommand::all().with_filter("nope", int(1)), 0);
    assert!(read.is_err());
}

#[test]
fn paging_over_in_keys() {
    let (_c, t) = table();
    for k in [1, 2, 3] {
        apply(
            &t,
            k,
            vec![set(1, "v", text("x"), 1), set(2, "v", text("y"), 1)],
        );
    }
    let keys = vec![int(3), int(1), int(2)];
    let cmd = ReadCommand::new(PartitionSelector::Keys(keys)).with_limit(3);
    let page = t.read(&cmd, 0).unwrap();
    assert!(page.has_more);
    let rp = page.rows.last().unwrap().resume_point();
    assert_eq!(rp.partition_key, int(1));
    // The partition of the resume point disappears between pages.
    apply(&t, 1, vec![Op::DeletePartition { timestamp: 5 }]);
    let next = t.read(&cmd.clone().resume_after(rp), 0).unwrap();
    let keys: Vec<Bytes> = next.rows.iter().map(|r| r.partition_key.clone()).collect();
    assert_eq!(keys, [int(2), int(2)]);
}

#[test]
fn a_failed_mutation_changes_nothing() {
    let (_c, t) = table();
    apply(
        &t,
        1,
        vec![
            set(0, "v", text("kept"), 10),
            set(0, "s", text("static"), 10),
        ],
    );
    let before = rows(&t, 1);
    // Every kind of op, then one that fails: none of them may stick.
    let failing = Mutation::new(
        int(1),
        vec![
            set(0, "v", text("changed"), 20),
            set(0, "s", text("changed"), 20),
            set(5, "v", text("new row"), 20),
            Op::DeleteRow {
                clustering: vec![int(0)],
                timestamp: 30,
            },
            Op::DeleteRange {
                prefix: vec![],
                timestamp: 30,
            },
            Op::DeletePartition { timestamp: 5 },
            // Not an int: the column is a list<int>.
            write(0, "l", ColumnWrite::Set(text("not a list")), 20),
        ],
    );
    assert!(t.apply(&failing, 1000).is_err());
    assert_eq!(rows(&t, 1), before);
    assert_eq!(clusterings(&rows(&t, 1)), vec![0]);
    assert_eq!(get(&t, &rows(&t, 1)[0], "v"), Some(text("kept")));
    // A failing mutation on a new partition leaves no partition behind.
    let failing = Mutation::new(
        int(2),
        vec![
            set(1, "v", text("x"), 1),
            write(1, "l", ColumnWrite::Set(text("bad")), 1),
        ],
    );
    assert!(t.apply(&failing, 1000).is_err());
    assert!(rows(&t, 2).is_empty());
}
