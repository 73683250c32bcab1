//! Tests of the CQL parser against the statements real clients send.

use cql_testcluster::cql::*;
use cql_testcluster::protocol::ColumnType;

const U: &str = "123e4567-e89b-12d3-a456-426655440000";
const T: &str = "2e8b1c3a-a8f1-11ee-8000-0800200c9a66";

fn p(text: &str) -> Statement {
    match parse_statement(text) {
        Ok(s) => s,
        Err(e) => panic!("failed to parse {text:?}: {e}"),
    }
}

fn err(text: &str) -> SyntaxError {
    match parse_statement(text) {
        Ok(s) => panic!("expected an error for {text:?}, got {s:?}"),
        Err(e) => e,
    }
}

fn select(text: &str) -> Select {
    match p(text) {
        Statement::Select(s) => s,
        other => panic!("not a select: {other:?}"),
    }
}

fn lit(text: &str) -> Term {
    match p(&format!("INSERT INTO t (a) VALUES ({text})")) {
        Statement::Insert(mut i) => i.values.remove(0),
        other => panic!("{other:?}"),
    }
}

fn s(x: &str) -> String {
    x.to_string()
}

fn col(c: &str) -> Selector {
    Selector {
        expr: SelectorExpr::Column(s(c)),
        alias: None,
    }
}

fn eq(c: &str, value: Term) -> Relation {
    Relation::Simple {
        column: s(c),
        op: Operator::Eq,
        value,
    }
}

fn uuid(u: &str) -> Term {
    Term::Literal(Literal::Uuid(uuid::Uuid::parse_str(u).unwrap()))
}

fn float(f: &str) -> Term {
    Term::Literal(Literal::Float(s(f)))
}

fn marker(index: usize) -> Term {
    Term::BindMarker(BindMarker { index, name: None })
}

fn call(name: &str, args: Vec<Term>) -> Term {
    Term::FunctionCall(FunctionCall {
        name: s(name),
        args,
    })
}

fn qn(ks: &str, t: &str) -> QualifiedName {
    QualifiedName::qualified(ks, t)
}

fn prop(name: &str, value: PropertyValue) -> Property {
    Property {
        name: s(name),
        value,
    }
}

fn pstr(v: &str) -> Literal {
    Literal::String(s(v))
}

// ---------------------------------------------------------------- literals

#[test]
fn literal_forms() {
    assert_eq!(lit("'it''s'"), Term::string("it's"));
    assert_eq!(lit("''"), Term::string(""));
    assert_eq!(lit("'multi\nline'"), Term::string("multi\nline"));
    assert_eq!(lit("42"), Term::int(42));
    assert_eq!(lit("-42"), Term::int(-42));
    assert_eq!(
        lit("123456789012345678901234567890"),
        Term::Literal(Literal::Integer(s("123456789012345678901234567890")))
    );
    assert_eq!(lit("1.5"), float("1.5"));
    assert_eq!(lit("-1.5"), float("-1.5"));
    assert_eq!(lit("1e10"), float("1e10"));
    assert_eq!(lit("-2.5E-3"), float("-2.5E-3"));
    assert_eq!(lit("3E+2"), float("3E+2"));
    assert_eq!(lit("NaN"), float("NaN"));
    assert_eq!(lit("nan"), float("NaN"));
    assert_eq!(lit("Infinity"), float("Infinity"));
    assert_eq!(lit("-Infinity"), float("-Infinity"));
    assert_eq!(lit("- 7"), Term::int(-7));
    for (t, b) in [
        ("TRUE", true),
        ("false", false),
        ("True", true),
        ("fAlSe", false),
    ] {
        assert_eq!(lit(t), Term::Literal(Literal::Boolean(b)));
    }
    assert_eq!(lit(U), uuid(U));
    assert_eq!(lit(T), uuid(T));
    assert_eq!(lit(&T.to_uppercase()), uuid(T));
    assert_eq!(
        lit("0e8b1c3a-a8f1-11ee-8000-0800200c9a66"),
        uuid("0e8b1c3a-a8f1-11ee-8000-0800200c9a66")
    );
    assert_eq!(
        lit("deadbeef-0000-0000-0000-000000000000"),
        uuid("deadbeef-0000-0000-0000-000000000000")
    );
    assert_eq!(lit("0x"), Term::Literal(Literal::Blob(vec![])));
    assert_eq!(
        lit("0x0102fF"),
        Term::Literal(Literal::Blob(vec![1, 2, 0xff]))
    );
    assert_eq!(lit("0XAB"), Term::Literal(Literal::Blob(vec![0xab])));
    assert_eq!(lit("null"), Term::Null);
    assert_eq!(lit("NULL"), Term::Null);
    for v in ["1.5", "1e10", "-2.5E-3", "NaN", "Infinity", "-Infinity"] {
        let Term::Literal(Literal::Float(text)) = lit(v) else {
            panic!()
        };
        assert!(text.parse::<f64>().is_ok(), "{text}");
    }
}

#[test]
fn collection_literals() {
    assert_eq!(lit("[]"), Term::List(vec![]));
    assert_eq!(
        lit("[1, -2]"),
        Term::List(vec![Term::int(1), Term::int(-2)])
    );
    assert_eq!(lit("{}"), Term::Map(vec![]));
    assert_eq!(
        lit("{'a', 'b'}"),
        Term::Set(vec![Term::string("a"), Term::string("b")])
    );
    assert_eq!(
        lit("{'k': 1, 'j': null}"),
        Term::Map(vec![
            (Term::string("k"), Term::int(1)),
            (Term::string("j"), Term::Null)
        ])
    );
    assert_eq!(
        lit("{1: [1.5, NaN], 2: {'x': {true}}}"),
        Term::Map(vec![
            (Term::int(1), Term::List(vec![float("1.5"), float("NaN")])),
            (
                Term::int(2),
                Term::Map(vec![(
                    Term::string("x"),
                    Term::Set(vec![Term::Literal(Literal::Boolean(true))])
                )])
            ),
        ])
    );
    assert_eq!(
        lit("[?, :n]"),
        Term::List(vec![
            marker(0),
            Term::BindMarker(BindMarker {
                index: 1,
                name: Some(s("n"))
            })
        ])
    );
}

#[test]
fn function_and_cast_terms() {
    assert_eq!(lit("now()"), call("now", vec![]));
    assert_eq!(
        lit("minTimeuuid('2013-01-01')"),
        call("mintimeuuid", vec![Term::string("2013-01-01")])
    );
    assert_eq!(
        lit("MaxTimeUUID(1704164645000)"),
        call("maxtimeuuid", vec![Term::int(1704164645000)])
    );
    assert_eq!(
        lit("blobAsInt(0x00000001)"),
        call(
            "blobasint",
            vec![Term::Literal(Literal::Blob(vec![0, 0, 0, 1]))]
        )
    );
    assert_eq!(
        lit("textAsBlob('x')"),
        call("textasblob", vec![Term::string("x")])
    );
    assert_eq!(
        lit("dateOf(now())"),
        call("dateof", vec![call("now", vec![])])
    );
    assert_eq!(
        lit("(int) 5"),
        Term::Cast(CqlType::Int, Box::new(Term::int(5)))
    );
}

// ---------------------------------------------------------------- SELECT

#[test]
fn select_variants() {
    assert_eq!(
        select("SELECT * FROM t"),
        Select {
            distinct: false,
            selection: Selection::Wildcard,
            table: QualifiedName::new("t"),
            where_clause: vec![],
            order_by: vec![],
            limit: None,
            allow_filtering: false,
        }
    );
    assert_eq!(
        select("select a, \"B\" AS bee, writetime(a), TTL(a) as t, token(k), dateOf(c), unixTimestampOf(c), blobAsText(b) from Ks.Tab where k IN (1, 2) and c >= 3 and c < 10 order by c desc, d LIMIT 5 ALLOW FILTERING;"),
        Select {
            distinct: false,
            selection: Selection::Selectors(vec![
                col("a"),
                Selector { expr: SelectorExpr::Column(s("B")), alias: Some(s("bee")) },
                Selector { expr: SelectorExpr::WriteTime(s("a")), alias: None },
                Selector { expr: SelectorExpr::Ttl(s("a")), alias: Some(s("t")) },
                Selector { expr: SelectorExpr::Function { name: s("token"), args: vec![SelectorExpr::Column(s("k"))] }, alias: None },
                Selector { expr: SelectorExpr::Function { name: s("dateof"), args: vec![SelectorExpr::Column(s("c"))] }, alias: None },
                Selector { expr: SelectorExpr::Function { name: s("unixtimestampof"), args: vec![SelectorExpr::Column(s("c"))] }, alias: None },
                Selector { expr: SelectorExpr::Function { name: s("blobastext"), args: vec![SelectorExpr::Column(s("b"))] }, alias: None },
            ]),
            table: qn("ks", "tab"),
            where_clause: vec![
                Relation::In { column: s("k"), values: InValues::Terms(vec![Term::int(1), Term::int(2)]) },
                Relation::Simple { column: s("c"), op: Operator::Gte, value: Term::int(3) },
                Relation::Simple { column: s("c"), op: Operator::Lt, value: Term::int(10) },
            ],
            order_by: vec![
                Ordering { column: s("c"), descending: true },
                Ordering { column: s("d"), descending: false },
            ],
            limit: Some(Term::int(5)),
            allow_filtering: true,
        }
    );
    let c = select("SELECT COUNT(*) FROM t");
    assert_eq!(c.selection, Selection::Count { alias: None });
    let c = select("SELECT count(1) AS n FROM t");
    assert_eq!(
        c.selection,
        Selection::Count {
            alias: Some(s("n"))
        }
    );
    assert!(err("SELECT COUNT(2) FROM t")
        .message
        .contains("Only COUNT(1)"));
    let d = select("SELECT DISTINCT k FROM t");
    assert!(d.distinct);
    assert_eq!(d.selection, Selection::Selectors(vec![col("k")]));
    // `distinct` is also a legal column name.
    let d = select("SELECT distinct FROM t");
    assert!(!d.distinct);
    assert_eq!(d.selection, Selection::Selectors(vec![col("distinct")]));

    let m = select("SELECT * FROM t WHERE k IN ? AND c = :c AND token(k) > ? LIMIT ?");
    assert_eq!(
        m.where_clause,
        vec![
            Relation::In {
                column: s("k"),
                values: InValues::Marker(BindMarker {
                    index: 0,
                    name: None
                })
            },
            eq(
                "c",
                Term::BindMarker(BindMarker {
                    index: 1,
                    name: Some(s("c"))
                })
            ),
            Relation::Token {
                columns: vec![s("k")],
                op: Operator::Gt,
                value: marker(2)
            },
        ]
    );
    assert_eq!(m.limit, Some(marker(3)));

    let t = select(
        "SELECT * FROM t WHERE (c1, c2) > (1, 'a') AND (c1, c2) <= ? AND (c1, c2) IN ((1, 'a'), ?)",
    );
    assert_eq!(
        t.where_clause,
        vec![
            Relation::MultiColumn {
                columns: vec![s("c1"), s("c2")],
                op: Operator::Gt,
                value: TupleValue::Terms(vec![Term::int(1), Term::string("a")])
            },
            Relation::MultiColumn {
                columns: vec![s("c1"), s("c2")],
                op: Operator::Lte,
                value: TupleValue::Marker(BindMarker {
                    index: 0,
                    name: None
                })
            },
            Relation::MultiColumnIn {
                columns: vec![s("c1"), s("c2")],
                values: MultiInValues::Tuples(vec![
                    TupleValue::Terms(vec![Term::int(1), Term::string("a")]),
                    TupleValue::Marker(BindMarker {
                        index: 1,
                        name: None
                    })
                ])
            },
        ]
    );
    let c = select("SELECT * FROM t WHERE tags CONTAINS 'a' AND m CONTAINS KEY 'k' AND k IN ()");
    assert_eq!(
        c.where_clause,
        vec![
            Relation::Contains {
                column: s("tags"),
                key: false,
                value: Term::string("a")
            },
            Relation::Contains {
                column: s("m"),
                key: true,
                value: Term::string("k")
            },
            Relation::In {
                column: s("k"),
                values: InValues::Terms(vec![])
            },
        ]
    );
    // Unreserved keywords are column names.
    let k = select("SELECT key, ttl, writetime, count, text FROM system.local WHERE key='local'");
    assert_eq!(
        k.selection,
        Selection::Selectors(
            ["key", "ttl", "writetime", "count", "text"]
                .map(col)
                .to_vec()
        )
    );
    assert_eq!(k.where_clause, vec![eq("key", Term::string("local"))]);
}

// ---------------------------------------------------------------- DML

#[test]
fn insert_variants() {
    assert_eq!(
        p("INSERT INTO ks.t (a, \"B\") VALUES (1, 'x') IF NOT EXISTS USING TTL 60 AND TIMESTAMP 123"),
        Statement::Insert(Insert {
            table: qn("ks", "t"),
            columns: vec![s("a"), s("B")],
            values: vec![Term::int(1), Term::string("x")],
            if_not_exists: true,
            using: Using {
                ttl: Some(Term::int(60)),
                timestamp: Some(Term::int(123))
            },
        })
    );
    let st = p("insert into t (a, b, c) values (?, ?, :c) using timestamp ? and ttl ?");
    let Statement::Insert(i) = &st else { panic!() };
    assert_eq!(i.using.timestamp, Some(marker(3)));
    assert_eq!(i.using.ttl, Some(marker(4)));
    assert_eq!(st.bind_marker_count(), 5);
    assert_eq!(
        st.bind_markers()[2],
        &BindMarker {
            index: 2,
            name: Some(s("c"))
        }
    );
    assert!(err("INSERT INTO t (a, b) VALUES (1)")
        .message
        .contains("Unmatched"));
}

#[test]
fn update_variants() {
    let st = p("UPDATE ks.t USING TTL 5 SET a = 1, l = l + [2], l = [0] + l, s = s - {'x'}, m['k'] = 'v', l[0] = 9, n = n + 3, n = n - 3, e = {} WHERE k = 1 AND c IN (1, 2) IF a = 1 AND b != null AND m['k'] = 'v' AND d IN (1, 2) AND e > 3");
    assert_eq!(
        st,
        Statement::Update(Update {
            table: qn("ks", "t"),
            using: Using {
                ttl: Some(Term::int(5)),
                timestamp: None
            },
            assignments: vec![
                Assignment::Set {
                    column: s("a"),
                    value: Term::int(1)
                },
                Assignment::Add {
                    column: s("l"),
                    value: Term::List(vec![Term::int(2)])
                },
                Assignment::Prepend {
                    column: s("l"),
                    value: Term::List(vec![Term::int(0)])
                },
                Assignment::Subtract {
                    column: s("s"),
                    value: Term::Set(vec![Term::string("x")])
                },
                Assignment::SetElement {
                    column: s("m"),
                    key: Term::string("k"),
                    value: Term::string("v")
                },
                Assignment::SetElement {
                    column: s("l"),
                    key: Term::int(0),
                    value: Term::int(9)
                },
                Assignment::Add {
                    column: s("n"),
                    value: Term::int(3)
                },
                Assignment::Subtract {
                    column: s("n"),
                    value: Term::int(3)
                },
                Assignment::Set {
                    column: s("e"),
                    value: Term::Map(vec![])
                },
            ],
            where_clause: vec![
                eq("k", Term::int(1)),
                Relation::In {
                    column: s("c"),
                    values: InValues::Terms(vec![Term::int(1), Term::int(2)])
                },
            ],
            if_clause: Some(IfClause::Conditions(vec![
                Condition {
                    column: s("a"),
                    element: None,
                    predicate: ConditionPredicate::Compare(Operator::Eq, Term::int(1))
                },
                Condition {
                    column: s("b"),
                    element: None,
                    predicate: ConditionPredicate::Compare(Operator::Neq, Term::Null)
                },
                Condition {
                    column: s("m"),
                    element: Some(Term::string("k")),
                    predicate: ConditionPredicate::Compare(Operator::Eq, Term::string("v"))
                },
                Condition {
                    column: s("d"),
                    element: None,
                    predicate: ConditionPredicate::In(InValues::Terms(vec![
                        Term::int(1),
                        Term::int(2)
                    ]))
                },
                Condition {
                    column: s("e"),
                    element: None,
                    predicate: ConditionPredicate::Compare(Operator::Gt, Term::int(3))
                },
            ])),
        })
    );
    let Statement::Update(u) = p("UPDATE t SET a = now(), b = true WHERE k = 1 IF EXISTS") else {
        panic!()
    };
    assert_eq!(
        u.assignments,
        vec![
            Assignment::Set {
                column: s("a"),
                value: call("now", vec![])
            },
            Assignment::Set {
                column: s("b"),
                value: Term::Literal(Literal::Boolean(true))
            },
        ]
    );
    assert_eq!(u.if_clause, Some(IfClause::Exists));
    let e = err("UPDATE t SET a = b + 1 WHERE k = 1");
    assert_eq!((e.line, e.column), (1, 17));
    assert!(err("UPDATE t SET a = 1 + b WHERE k = 1")
        .message
        .contains("X = <value> + X"));
}

#[test]
fn delete_variants() {
    assert_eq!(
        p("DELETE a, m['k'], l[?] FROM t USING TIMESTAMP 99 WHERE k = ? IF a = 1"),
        Statement::Delete(Delete {
            targets: vec![
                DeleteTarget::Column(s("a")),
                DeleteTarget::Element {
                    column: s("m"),
                    key: Term::string("k")
                },
                DeleteTarget::Element {
                    column: s("l"),
                    key: marker(0)
                },
            ],
            table: QualifiedName::new("t"),
            using: Using {
                ttl: None,
                timestamp: Some(Term::int(99))
            },
            where_clause: vec![eq("k", marker(1))],
            if_clause: Some(IfClause::Conditions(vec![Condition {
                column: s("a"),
                element: None,
                predicate: ConditionPredicate::Compare(Operator::Eq, Term::int(1))
            }])),
        })
    );
    let Statement::Delete(d) = p("delete from t where k = 1 if exists") else {
        panic!()
    };
    assert!(d.targets.is_empty());
    assert_eq!(d.if_clause, Some(IfClause::Exists));
    // DELETE takes no TTL.
    assert!(parse_statement("DELETE FROM t USING TTL 5 WHERE k = 1").is_err());
}

#[test]
fn batch_variants() {
    let st = p("BEGIN BATCH USING TIMESTAMP 5\n INSERT INTO t (a) VALUES (?);\n UPDATE t SET b = ? WHERE a = ?\n DELETE FROM t WHERE a = :x;\nAPPLY BATCH;");
    let Statement::Batch(b) = &st else { panic!() };
    assert_eq!(b.kind, BatchKind::Logged);
    assert_eq!(b.using.timestamp, Some(Term::int(5)));
    assert_eq!(b.statements.len(), 3);
    assert!(matches!(b.statements[0], BatchStatement::Insert(_)));
    assert!(matches!(b.statements[1], BatchStatement::Update(_)));
    assert!(matches!(b.statements[2], BatchStatement::Delete(_)));
    let idx: Vec<_> = st
        .bind_markers()
        .iter()
        .map(|m| (m.index, m.name.clone()))
        .collect();
    assert_eq!(
        idx,
        vec![(0, None), (1, None), (2, None), (3, Some(s("x")))]
    );
    let Statement::Batch(b) = p("begin unlogged batch apply batch") else {
        panic!()
    };
    assert_eq!(b.kind, BatchKind::Unlogged);
    assert!(b.statements.is_empty());
    let Statement::Batch(b) =
        p("BEGIN COUNTER BATCH UPDATE t SET c = c + 1 WHERE k = 1 UPDATE t SET c = c - 1 WHERE k = 2 APPLY BATCH")
    else {
        panic!()
    };
    assert_eq!(b.kind, BatchKind::Counter);
    assert_eq!(b.statements.len(), 2);
    assert!(err("BEGIN BATCH USING TTL 5 APPLY BATCH")
        .message
        .contains("Global TTL"));
    assert!(parse_statement("BEGIN BATCH SELECT * FROM t APPLY BATCH").is_err());
    assert!(parse_statement("BEGIN BATCH INSERT INTO t (a) VALUES (1)").is_err());
}

// ---------------------------------------------------------------- DDL

#[test]
fn keyspace_ddl() {
    assert_eq!(
        p("CREATE KEYSPACE IF NOT EXISTS \"Ks\" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1} AND durable_writes = false"),
        Statement::CreateKeyspace(CreateKeyspace {
            name: s("Ks"),
            if_not_exists: true,
            properties: vec![
                prop(
                    "replication",
                    PropertyValue::Map(vec![
                        (pstr("class"), pstr("SimpleStrategy")),
                        (pstr("replication_factor"), Literal::Integer(s("1"))),
                    ])
                ),
                prop("durable_writes", PropertyValue::Constant(Literal::Boolean(false))),
            ],
        })
    );
    assert!(matches!(
        p("create schema ks with replication = {}"),
        Statement::CreateKeyspace(_)
    ));
    assert_eq!(
        p("ALTER KEYSPACE ks WITH durable_writes = true"),
        Statement::AlterKeyspace {
            name: s("ks"),
            properties: vec![prop(
                "durable_writes",
                PropertyValue::Constant(Literal::Boolean(true))
            )],
        }
    );
    assert_eq!(
        p("DROP KEYSPACE IF EXISTS ks"),
        Statement::DropKeyspace {
            name: s("ks"),
            if_exists: true
        }
    );
    assert_eq!(
        p("drop schema ks"),
        Statement::DropKeyspace {
            name: s("ks"),
            if_exists: false
        }
    );
    assert_eq!(p("USE \"MyKs\""), Statement::Use(s("MyKs")));
    assert_eq!(p("use MyKs;"), Statement::Use(s("myks")));
}

#[test]
fn create_table() {
    assert_eq!(
        p("CREATE TABLE IF NOT EXISTS ks.t (k int, c1 text, c2 timeuuid, s varchar STATIC, v map<text, list<int>>, w set<uuid>, x 'org.apache.cassandra.db.marshal.BytesType', PRIMARY KEY ((k), c1, c2)) WITH CLUSTERING ORDER BY (c1 DESC, c2 ASC) AND comment = 'c' AND compaction = {'class': 'LeveledCompactionStrategy'} AND gc_grace_seconds = 10 AND bloom_filter_fp_chance = 0.01 AND caching = KEYS_ONLY AND COMPACT STORAGE"),
        Statement::CreateTable(CreateTable {
            name: qn("ks", "t"),
            if_not_exists: true,
            columns: vec![
                ColumnDefinition { name: s("k"), ty: CqlType::Int, is_static: false },
                ColumnDefinition { name: s("c1"), ty: CqlType::Text, is_static: false },
                ColumnDefinition { name: s("c2"), ty: CqlType::Timeuuid, is_static: false },
                ColumnDefinition { name: s("s"), ty: CqlType::Varchar, is_static: true },
                ColumnDefinition {
                    name: s("v"),
                    ty: CqlType::Map(Box::new(CqlType::Text), Box::new(CqlType::List(Box::new(CqlType::Int)))),
                    is_static: false,
                },
                ColumnDefinition { name: s("w"), ty: CqlType::Set(Box::new(CqlType::Uuid)), is_static: false },
                ColumnDefinition {
                    name: s("x"),
                    ty: CqlType::Custom(s("org.apache.cassandra.db.marshal.BytesType")),
                    is_static: false,
                },
            ],
            partition_key: vec![s("k")],
            clustering_columns: vec![s("c1"), s("c2")],
            options: TableOptions {
                properties: vec![
                    prop("comment", PropertyValue::Constant(pstr("c"))),
                    prop("compaction", PropertyValue::Map(vec![(pstr("class"), pstr("LeveledCompactionStrategy"))])),
                    prop("gc_grace_seconds", PropertyValue::Constant(Literal::Integer(s("10")))),
                    prop("bloom_filter_fp_chance", PropertyValue::Constant(Literal::Float(s("0.01")))),
                    prop("caching", PropertyValue::Identifier(s("keys_only"))),
                ],
                clustering_order: vec![
                    Ordering { column: s("c1"), descending: true },
                    Ordering { column: s("c2"), descending: false },
                ],
                compact_storage: true,
            },
        })
    );
    let Statement::CreateTable(t) = p("create columnfamily t (k text PRIMARY KEY, v counter)")
    else {
        panic!()
    };
    assert_eq!(t.partition_key, vec![s("k")]);
    assert!(t.clustering_columns.is_empty());
    assert_eq!(t.options, TableOptions::default());
    let Statement::CreateTable(t) =
        p("CREATE TABLE t (a int, b int, c int, PRIMARY KEY ((a, b), c))")
    else {
        panic!()
    };
    assert_eq!(t.partition_key, vec![s("a"), s("b")]);
    assert_eq!(t.clustering_columns, vec![s("c")]);
    // Every native type.
    for name in [
        "ascii",
        "bigint",
        "blob",
        "boolean",
        "counter",
        "decimal",
        "double",
        "float",
        "inet",
        "int",
        "text",
        "timestamp",
        "uuid",
        "varchar",
        "varint",
        "timeuuid",
    ] {
        let Statement::CreateTable(t) = p(&format!("CREATE TABLE t (k {name} PRIMARY KEY)")) else {
            panic!()
        };
        assert_eq!(t.columns[0].ty.to_string(), name);
        assert_eq!(CqlType::native(name), Some(t.columns[0].ty.clone()));
    }
    assert!(err("CREATE TABLE t (k int, v int)")
        .message
        .contains("No PRIMARY KEY"));
    assert!(
        err("CREATE TABLE t (k int PRIMARY KEY, v int, PRIMARY KEY (v))")
            .message
            .contains("Multiple PRIMARY KEYs")
    );
    let e = err("CREATE TABLE t (k int PRIMARY KEY, v frozen<list<int>>)");
    assert_eq!((e.line, e.column), (1, 37));
    assert!(e.message.contains("frozen"));
    assert!(
        err("CREATE TABLE t (k int PRIMARY KEY, v tuple<int, text>)")
            .message
            .contains("tuple")
    );
    assert!(parse_statement("CREATE TABLE t (k int PRIMARY KEY, v address)").is_err());
}

#[test]
fn cql_type_mapping() {
    assert_eq!(CqlType::Text.to_column_type(), ColumnType::Text);
    assert_eq!(CqlType::Varchar.to_column_type(), ColumnType::Varchar);
    assert_eq!(
        CqlType::Map(
            Box::new(CqlType::Text),
            Box::new(CqlType::Set(Box::new(CqlType::Int)))
        )
        .to_column_type(),
        ColumnType::Map(
            Box::new(ColumnType::Text),
            Box::new(ColumnType::Set(Box::new(ColumnType::Int)))
        )
    );
    assert_eq!(
        CqlType::Custom(s("a.B")).to_column_type(),
        ColumnType::Custom(s("a.B"))
    );
    assert_eq!(
        CqlType::Map(
            Box::new(CqlType::Text),
            Box::new(CqlType::List(Box::new(CqlType::Int)))
        )
        .to_string(),
        "map<text, list<int>>"
    );
}

#[test]
fn alter_drop_truncate_index() {
    assert_eq!(
        p("ALTER TABLE ks.t ADD s int STATIC"),
        Statement::AlterTable(AlterTable {
            name: qn("ks", "t"),
            action: AlterTableAction::Add(ColumnDefinition {
                name: s("s"),
                ty: CqlType::Int,
                is_static: true
            }),
        })
    );
    assert_eq!(
        p("alter table t drop v"),
        Statement::AlterTable(AlterTable {
            name: QualifiedName::new("t"),
            action: AlterTableAction::Drop(s("v"))
        })
    );
    assert_eq!(
        p("ALTER COLUMNFAMILY t RENAME a TO b AND c TO \"D\""),
        Statement::AlterTable(AlterTable {
            name: QualifiedName::new("t"),
            action: AlterTableAction::Rename(vec![(s("a"), s("b")), (s("c"), s("D"))])
        })
    );
    assert_eq!(
        p("ALTER TABLE t ALTER v TYPE blob"),
        Statement::AlterTable(AlterTable {
            name: QualifiedName::new("t"),
            action: AlterTableAction::AlterType {
                column: s("v"),
                ty: CqlType::Blob
            }
        })
    );
    assert_eq!(
        p("ALTER TABLE t WITH comment = 'x' AND read_repair_chance = 0.5"),
        Statement::AlterTable(AlterTable {
            name: QualifiedName::new("t"),
            action: AlterTableAction::WithOptions(vec![
                prop("comment", PropertyValue::Constant(pstr("x"))),
                prop(
                    "read_repair_chance",
                    PropertyValue::Constant(Literal::Float(s("0.5")))
                ),
            ])
        })
    );
    assert_eq!(
        p("DROP TABLE IF EXISTS ks.t"),
        Statement::DropTable {
            name: qn("ks", "t"),
            if_exists: true
        }
    );
    assert_eq!(
        p("DROP COLUMNFAMILY t"),
        Statement::DropTable {
            name: QualifiedName::new("t"),
            if_exists: false
        }
    );
    assert_eq!(p("TRUNCATE ks.t"), Statement::Truncate(qn("ks", "t")));
    assert_eq!(
        p("CREATE INDEX IF NOT EXISTS idx ON ks.t (v)"),
        Statement::CreateIndex(CreateIndex {
            name: Some(s("idx")),
            table: qn("ks", "t"),
            column: s("v"),
            keys: false,
            if_not_exists: true,
            custom_class: None
        })
    );
    assert_eq!(
        p("CREATE CUSTOM INDEX ON t (v) USING 'org.Idx'"),
        Statement::CreateIndex(CreateIndex {
            name: None,
            table: QualifiedName::new("t"),
            column: s("v"),
            keys: false,
            if_not_exists: false,
            custom_class: Some(s("org.Idx"))
        })
    );
    assert_eq!(
        p("DROP INDEX IF EXISTS ks.idx"),
        Statement::DropIndex {
            name: qn("ks", "idx"),
            if_exists: true
        }
    );
    assert_eq!(
        p("CREATE TRIGGER trig ON t USING 'org.Trig'"),
        Statement::CreateTrigger {
            name: s("trig"),
            table: QualifiedName::new("t"),
            class: s("org.Trig"),
            if_not_exists: false
        }
    );
}

#[test]
fn users_and_permissions() {
    assert_eq!(
        p("CREATE USER IF NOT EXISTS bob WITH PASSWORD 'p''w' SUPERUSER"),
        Statement::CreateUser {
            name: s("bob"),
            if_not_exists: true,
            options: UserOptions {
                password: Some(s("p'w")),
                superuser: Some(true)
            },
        }
    );
    assert_eq!(
        p("ALTER USER 'Bob' WITH PASSWORD 'x' NOSUPERUSER"),
        Statement::AlterUser {
            name: s("Bob"),
            options: UserOptions {
                password: Some(s("x")),
                superuser: Some(false)
            },
        }
    );
    assert_eq!(
        p("DROP USER IF EXISTS bob"),
        Statement::DropUser {
            name: s("bob"),
            if_exists: true
        }
    );
    assert_eq!(p("LIST USERS"), Statement::ListUsers);
    assert_eq!(
        p("GRANT SELECT ON KEYSPACE ks TO bob"),
        Statement::Grant(PermissionChange {
            permission: Some(Permission::Select),
            resource: Resource::Keyspace(s("ks")),
            user: s("bob")
        })
    );
    assert_eq!(
        p("REVOKE ALL PERMISSIONS ON ALL KEYSPACES FROM bob"),
        Statement::Revoke(PermissionChange {
            permission: None,
            resource: Resource::AllKeyspaces,
            user: s("bob")
        })
    );
    assert_eq!(
        p("LIST MODIFY ON TABLE ks.t OF bob NORECURSIVE"),
        Statement::ListPermissions(ListPermissions {
            permission: Some(Permission::Modify),
            resource: Some(Resource::Table(qn("ks", "t"))),
            user: Some(s("bob")),
            recursive: false
        })
    );
    assert_eq!(
        p("list all"),
        Statement::ListPermissions(ListPermissions {
            permission: None,
            resource: None,
            user: None,
            recursive: true
        })
    );
}

// ---------------------------------------------------------------- clients

fn cqlengine_statements() -> Vec<String> {
    let wh =
        format!("WHERE \"user_id\" = {U} AND \"bucket\" = 1 AND \"created\" = {T} AND \"seq\" = 0");
    let raw = [
        "CREATE TABLE ks.post (\"user_id\" uuid , \"bucket\" int , \"created\" timeuuid , \"seq\" int , \"ttl_\" text , \"owner\" text static, \"tags\" set<text> , \"nums\" list<int> , \"attrs\" map<text, text> , \"when\" timestamp , PRIMARY KEY ((\"user_id\", \"bucket\"), \"created\", \"seq\")) WITH CLUSTERING ORDER BY (\"created\" DESC, \"seq\" ASC) AND comment = 'posts' AND compaction = {'class': 'LeveledCompactionStrategy'} AND default_time_to_live = 3600",
        "ALTER TABLE ks.post add \"flag\" boolean",
        "CREATE INDEX ON ks.post (\"ttl_\")",
        "ALTER TABLE ks.post WITH gc_grace_seconds = 10",
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true",
        "CREATE KEYSPACE ks2 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '2'}  AND durable_writes = false",
        "DROP TABLE ks.post;",
        "DROP KEYSPACE ks",
        "INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\", \"ttl_\") VALUES ({U}, 1, {T}, 1, 't') IF NOT EXISTS USING TTL 60 AND TIMESTAMP 1704164645000000",
        "INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\", \"ttl_\", \"tags\", \"nums\", \"attrs\", \"when\", \"blob\", \"flag\", \"price\") VALUES ({U}, 1, {T}, 1, 'it''s', {'a'}, [1, 2], {'k': 'v'}, 1704164645000, 0x0102, True, 1.5)",
        "UPDATE ks.post SET \"tags\" = \"tags\" + {'b'}, \"tags\" = \"tags\" - {'a'}, \"nums\" = [0] + \"nums\", \"nums\" = \"nums\" + [3], \"attrs\"['k2'] = 'v2' WHERE \"user_id\" = {U} AND \"bucket\" = 1 AND \"created\" = {T} AND \"seq\" = 0",
        "DELETE \"ttl_\" FROM ks.post WHERE \"user_id\" = {U} AND \"bucket\" = 1 AND \"created\" = {T} AND \"seq\" = 0",
        "UPDATE ks.post SET \"nums\" = \"nums\" + [4], \"tags\" = \"tags\" + {'z'} {WH}",
        "UPDATE ks.post SET \"nums\" = [-1] + \"nums\" {WH}",
        "UPDATE ks.post SET \"attrs\"['x'] = '1' {WH}",
        "UPDATE ks.post SET \"attrs\" = \"attrs\" - {'x'} {WH}",
        "UPDATE ks.post SET \"ttl_\" = 'new' {WH} IF \"ttl_\" = 'old'",
        "UPDATE ks.post SET \"ttl_\" = 'new' {WH} IF EXISTS",
        "UPDATE ks.hits SET \"n\" = \"n\" + 5 WHERE \"page\" = 'home'",
        "DELETE FROM ks.post  USING TIMESTAMP 1704164645000000  WHERE \"user_id\" = {U} AND \"bucket\" = 1 IF EXISTS",
        "DELETE FROM ks.post WHERE \"user_id\" = {U} AND \"bucket\" = 1 AND \"created\" >= {T}",
        "SELECT \"created\", \"seq\", \"ttl_\" FROM ks.post WHERE \"user_id\" = {U} AND \"bucket\" = 1 AND \"created\" > MinTimeUUID(1704164645000) AND \"created\" < MaxTimeUUID(1704164645000) ORDER BY \"created\" DESC LIMIT 5",
        "SELECT * FROM ks.post WHERE token(\"user_id\", \"bucket\") > token({U}, 1) LIMIT 100",
        "SELECT * FROM ks.post WHERE \"tags\" CONTAINS 'a' LIMIT 10000 ALLOW FILTERING",
        "SELECT DISTINCT \"user_id\", \"bucket\" FROM ks.post LIMIT 10000",
        "SELECT COUNT(*) FROM ks.post WHERE \"user_id\" = {U} AND \"bucket\" = 1 LIMIT 10000",
        "BEGIN  BATCH USING TIMESTAMP 1704164645000000\n  INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\") VALUES ({U}, 1, {T}, 1)\n  UPDATE ks.post SET \"ttl_\" = 'x' {WH}\nAPPLY BATCH;",
        "BEGIN UNLOGGED  BATCH INSERT INTO ks.post (\"user_id\", \"bucket\", \"created\", \"seq\") VALUES ({U}, 1, {T}, 1) APPLY BATCH;",
        "BEGIN COUNTER  BATCH UPDATE ks.hits SET \"n\" = \"n\" + 5 WHERE \"page\" = 'home' APPLY BATCH;",
        "UPDATE ks.post SET \"tags\" = {} {WH}",
    ];
    raw.iter()
        .map(|r| r.replace("{WH}", &wh).replace("{U}", U).replace("{T}", T))
        .collect()
}

#[test]
fn cqlengine_statements_parse() {
    for text in cqlengine_statements() {
        p(&text);
    }
}

#[test]
fn cqlengine_21_syntax_is_rejected() {
    for text in [
        "CREATE TABLE ks.post (\"user_id\" uuid , \"pair\" tuple<int, text> , PRIMARY KEY (\"user_id\"))",
        "CREATE TABLE ks.post (\"user_id\" uuid , \"addr\" frozen<addr> , PRIMARY KEY (\"user_id\"))",
        "CREATE TYPE ks.addr (street text, zip int)",
        "ALTER TYPE ks.addr ADD \"f\" int",
        "INSERT INTO ks.post (\"user_id\", \"pair\") VALUES (123e4567-e89b-12d3-a456-426655440000, (1, 'x'))",
    ] {
        let e = err(text);
        assert_eq!(e.line, 1, "{text}: {e}");
    }
}

fn driver_statements() -> Vec<&'static str> {
    vec![
        "SELECT * FROM system.peers_v2",
        "SELECT * FROM system.local WHERE key='local'",
        "SELECT * FROM system.peers",
        "SELECT * FROM system.schema_keyspaces",
        "SELECT * FROM system.schema_columnfamilies",
        "SELECT * FROM system.schema_columns",
        "SELECT * FROM system.schema_usertypes",
        "SELECT * FROM system.schema_functions",
        "SELECT * FROM system.schema_aggregates",
        "SELECT * FROM system.schema_triggers",
        "SELECT peer, host_id, rpc_address, schema_version FROM system.peers",
        "SELECT schema_version FROM system.local WHERE key='local'",
        "SELECT * FROM system.schema_keyspaces WHERE keyspace_name = 'ks'",
        "SELECT * FROM system.schema_usertypes WHERE keyspace_name = 'ks'",
        "SELECT * FROM system.schema_columnfamilies WHERE keyspace_name = 'ks' AND columnfamily_name = 't'",
        "SELECT * FROM system.schema_columns WHERE keyspace_name = 'ks' AND columnfamily_name = 't'",
        "SELECT * FROM system.schema_triggers WHERE keyspace_name = 'ks' AND columnfamily_name = 't'",
        "SELECT * FROM system.schema_usertypes WHERE keyspace_name = 'ks' AND type_name = 'x'",
        "SELECT host_id, cluster_name, data_center, rack, partitioner, release_version, schema_version FROM system.local WHERE key='local'",
        "SELECT rpc_address FROM system.local WHERE key='local'",
        "SELECT host_id, peer, data_center, rack, rpc_address, release_version, schema_version FROM system.peers",
        "USE \"ks\"",
        "USE ks",
        "SELECT * FROM system_traces.sessions WHERE session_id = 123e4567-e89b-12d3-a456-426655440000",
        "SELECT * FROM system_traces.events WHERE session_id = 123e4567-e89b-12d3-a456-426655440000",
        "SELECT peer, data_center, rack, tokens, rpc_address, schema_version FROM system.peers",
        "SELECT cluster_name, data_center, rack, tokens, partitioner, schema_version FROM system.local WHERE key='local'",
        "SELECT rpc_address, schema_version FROM system.peers",
        "SELECT peer, rpc_address, schema_version FROM system.peers",
    ]
}

#[test]
fn driver_statements_parse() {
    for text in driver_statements() {
        p(text);
    }
    assert_eq!(
        select("SELECT * FROM system.schema_columnfamilies WHERE keyspace_name = 'ks' AND columnfamily_name = 't'"),
        Select {
            distinct: false,
            selection: Selection::Wildcard,
            table: qn("system", "schema_columnfamilies"),
            where_clause: vec![
                eq("keyspace_name", Term::string("ks")),
                eq("columnfamily_name", Term::string("t")),
            ],
            order_by: vec![],
            limit: None,
            allow_filtering: false,
        }
    );
    assert_eq!(
        select("SELECT peer, host_id, rpc_address, schema_version FROM system.peers").selection,
        Selection::Selectors(
            ["peer", "host_id", "rpc_address", "schema_version"]
                .map(col)
                .to_vec()
        )
    );
}

#[test]
fn cqlengine_exact_asts() {
    let st = p(&format!(
        "UPDATE ks.post SET \"nums\" = [-1] + \"nums\" WHERE \"user_id\" = {U}"
    ));
    let Statement::Update(u) = st else { panic!() };
    assert_eq!(
        u.assignments,
        vec![Assignment::Prepend {
            column: s("nums"),
            value: Term::List(vec![Term::int(-1)])
        }]
    );
    let sel = select(&format!(
        "SELECT * FROM ks.post WHERE token(\"user_id\", \"bucket\") > token({U}, 1) LIMIT 100"
    ));
    assert_eq!(
        sel.where_clause,
        vec![Relation::Token {
            columns: vec![s("user_id"), s("bucket")],
            op: Operator::Gt,
            value: call("token", vec![uuid(U), Term::int(1)]),
        }]
    );
    assert_eq!(sel.limit, Some(Term::int(100)));
}

// ---------------------------------------------------------------- errors

#[test]
fn syntax_error_positions() {
    let e = err("SELECT * FRM t");
    assert_eq!((e.line, e.column), (1, 9));
    assert_eq!(
        e.to_string(),
        "line 1:9 mismatched input 'FRM' expecting FROM"
    );
    let e = err("SELEC * FROM t");
    assert_eq!(
        e.to_string(),
        "line 1:0 no viable alternative at input 'SELEC'"
    );
    let e = err("SELECT *\nFROM t\nWHERE k = = 1");
    assert_eq!((e.line, e.column), (3, 10));
    assert!(e.to_string().starts_with("line 3:10 "));
    assert!(e.message.contains("'='"));
    let e = err("SELECT * FROM t WHERE");
    assert_eq!((e.line, e.column), (1, 21));
    assert!(e.message.contains("<EOF>"));
    let e = err("SELECT * FROM t LIMIT 'x'");
    assert_eq!((e.line, e.column), (1, 22));
    let e = err("INSERT INTO t (a) VALUES ('abc)");
    assert_eq!((e.line, e.column), (1, 26));
    let e = err("SELECT * FROM t extra");
    assert_eq!((e.line, e.column), (1, 16));
    let e = err("SELECT * FROM t; SELECT * FROM t");
    assert_eq!((e.line, e.column), (1, 17));
    let e = err("SELECT * FROM select");
    assert_eq!((e.line, e.column), (1, 14));
    assert!(parse_statement("").is_err());
    assert!(parse_statement(";").is_err());
    assert!(parse_statement("INSERT INTO t (a) VALUES (0x1)").is_err());
}

#[test]
fn case_insensitivity_and_comments() {
    let a = p("SeLeCt A, \"A\" FrOm Ks.T wHeRe A = 1 -- trailing\n");
    let b = p("/* lead */ select a, \"A\" from ks.t // c\n where a = 1;");
    assert_eq!(a, b);
    let Statement::Select(sel) = a else { panic!() };
    assert_eq!(
        sel.selection,
        Selection::Selectors(vec![col("a"), col("A")])
    );
    assert_eq!(p("USE \"a\"\"b\""), Statement::Use(s("a\"b")));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "INSERT INTO t (a) VALUES ({}1{})",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(err(&deep).message.contains("nested too deeply"));
    let deep_ty = format!(
        "CREATE TABLE t (k int PRIMARY KEY, v {}int{})",
        "list<".repeat(10_000),
        ">".repeat(10_000)
    );
    assert!(parse_statement(&deep_ty).is_err());
    let deep_fn = format!(
        "SELECT {}a{} FROM t",
        "f(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(parse_statement(&deep_fn).is_err());
    let ok = format!(
        "INSERT INTO t (a) VALUES ({}1{})",
        "[".repeat(20),
        "]".repeat(20)
    );
    p(&ok);
}

// ---------------------------------------------------------------- robustness

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn all_valid_statements() -> Vec<String> {
    let mut v: Vec<String> = cqlengine_statements();
    v.extend(driver_statements().into_iter().map(String::from));
    v.extend(
        [
            "UPDATE ks.t USING TTL 5 SET a = 1, l = l + [2], l = [0] + l, m['k'] = 'v' WHERE k = 1 IF a = 1 AND m['k'] IN ('a', ?)",
            "SELECT * FROM t WHERE (c1, c2) > (1, 'a') AND (c1, c2) IN ((1, 'a'), ?) AND k IN ? LIMIT :lim",
            "INSERT INTO t (a, b, c, d, e) VALUES ({1: [1.5, NaN]}, -Infinity, 0x, (int) 5, 2e8b1c3a-a8f1-11ee-8000-0800200c9a66)",
            "CREATE TABLE IF NOT EXISTS ks.t (k int, c text, v map<text, list<int>>, PRIMARY KEY ((k), c)) WITH CLUSTERING ORDER BY (c DESC) AND COMPACT STORAGE",
            "GRANT ALL ON ALL KEYSPACES TO bob",
            "CREATE USER bob WITH PASSWORD 'x' SUPERUSER",
            "DELETE a, m['k'] FROM t USING TIMESTAMP 9 WHERE k = ?",
            "ALTER TABLE t RENAME a TO b AND c TO d",
        ]
        .iter()
        .map(|x| x.to_string()),
    );
    v
}

#[test]
fn never_panics_on_prefixes() {
    for text in all_valid_statements() {
        p(&text);
        for (i, _) in text.char_indices() {
            let _ = parse_statement(&text[..i]);
        }
    }
}

#[test]
fn never_panics_on_random_input() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let alphabet: Vec<char> = "abcdefxyzABC0123456789 _'\"()[]{}<>,;.:=!+-*?/\n\te\u{e9}\u{1F600}"
        .chars()
        .collect();
    let words = [
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "INSERT",
        "INTO",
        "VALUES",
        "UPDATE",
        "SET",
        "DELETE",
        "BEGIN",
        "BATCH",
        "APPLY",
        "CREATE",
        "TABLE",
        "KEYSPACE",
        "WITH",
        "PRIMARY",
        "KEY",
        "IF",
        "NOT",
        "EXISTS",
        "USING",
        "TTL",
        "TIMESTAMP",
        "token",
        "list<",
        "map<",
        ">",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "?",
        "=",
        "+",
        "-",
        "'s'",
        "1",
        "1.5",
        "NaN",
        "0x00",
        "123e4567-e89b-12d3-a456-426655440000",
        "k",
        "\"Q\"",
        "*",
        "IN",
        "LIMIT",
        "ORDER",
        "BY",
        "COUNT(*)",
        "CONTAINS",
        ";",
    ];
    let statements = all_valid_statements();
    for _ in 0..3000 {
        let mode = rng.below(3);
        let text: String = match mode {
            0 => (0..rng.below(40))
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect(),
            1 => (0..rng.below(25))
                .map(|_| words[rng.below(words.len())])
                .collect::<Vec<_>>()
                .join(" "),
            _ => {
                // Mutate a valid statement: delete, duplicate or replace a few chars.
                let mut chars: Vec<char> =
                    statements[rng.below(statements.len())].chars().collect();
                for _ in 0..1 + rng.below(4) {
                    if chars.is_empty() {
                        break;
                    }
                    let at = rng.below(chars.len());
                    match rng.below(3) {
                        0 => {
                            chars.remove(at);
                        }
                        1 => chars.insert(at, chars[at]),
                        _ => chars[at] = alphabet[rng.below(alphabet.len())],
                    }
                }
                chars.into_iter().collect()
            }
        };
        if let Err(e) = parse_statement(&text) {
            assert!(e.line >= 1);
            assert!(e
                .to_string()
                .starts_with(&format!("line {}:{} ", e.line, e.column)));
        }
    }
}

#[test]
fn reserved_words_and_lexer_errors() {
    // Reserved words need quotes; quoted they are ordinary names.
    assert!(parse_statement("SELECT select FROM t").is_err());
    let sel = select("SELECT \"select\" FROM \"from\".\"Where\"");
    assert_eq!(sel.selection, Selection::Selectors(vec![col("select")]));
    assert_eq!(sel.table, qn("from", "Where"));
    assert_eq!(sel.table.to_string(), "from.Where");
    // Lexer errors carry positions too.
    let e = err("SELECT * FROM t WHERE k = 1\n  AND c = #");
    assert_eq!(e.to_string(), "line 2:10 token recognition error at: '#'");
    let e = err("SELECT * FROM t /* never closed");
    assert_eq!((e.line, e.column), (1, 16));
    let e = err("SELECT \"unterminated FROM t");
    assert_eq!((e.line, e.column), (1, 7));
    // Tuples and UDTs (2.1) are refused with a clear message.
    let e = err("INSERT INTO t (k, p) VALUES (1, (1, 'x'))");
    assert_eq!((e.line, e.column), (1, 32));
    assert!(e.message.contains("tuple"));
    assert!(err("CREATE TYPE ks.addr (street text)")
        .message
        .contains("CREATE TYPE"));
}

/// Statements that are grammatical but that Cassandra 2.0's validation
/// rejects come back classed Invalid, with Cassandra's message and no
/// position; grammar errors stay syntax errors.
#[test]
fn validation_errors_are_classed_invalid() {
    let cases = [
        (
            "CREATE TABLE t (a int, b int)",
            "No PRIMARY KEY specifed (exactly one required)",
        ),
        (
            "CREATE TABLE t (a int PRIMARY KEY, b int, PRIMARY KEY (b))",
            "Multiple PRIMARY KEYs specifed (exactly one required)",
        ),
        (
            "INSERT INTO t (a, b) VALUES (1)",
            "Unmatched column names/values",
        ),
        (
            "BEGIN BATCH USING TTL 5 INSERT INTO t (a) VALUES (1) APPLY BATCH",
            "Global TTL on the BATCH statement is not supported.",
        ),
    ];
    for (text, message) in cases {
        let e = err(text);
        assert_eq!(e.class, ErrorClass::Invalid, "{text}");
        assert_eq!(e.message, message, "{text}");
        assert_eq!(e.to_string(), message, "no position for {text}");
    }
    // Cassandra's grammar itself rejects these.
    for text in [
        "SELECT * FRM t",
        "UPDATE t SET a = b + 1 WHERE k = 1",
        "SELECT COUNT(2) FROM t",
    ] {
        let e = err(text);
        assert_eq!(e.class, ErrorClass::Syntax, "{text}");
        assert!(e.to_string().starts_with("line 1:"), "{text}: {e}");
    }
}
