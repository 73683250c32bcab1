//! `#[derive(Model)]`: the schema it describes, the values it serializes,
//! validation, reading rows, and the typed column module.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use cqlengine::__private::{to_raw_value, ColumnType, RawValue, ValueError};
use cqlengine::driver::protocol::{ColumnSpec, TableSpec};
use cqlengine::driver::{FromRow, ProtocolVersion, Row, RowError};
use cqlengine::{ClusteringOrder, ColumnRole, Filter, Model, ModelSchema};
use uuid::Uuid;

const V2: ProtocolVersion = ProtocolVersion::V2;

fn default_score() -> f64 {
    0.5
}

/// A user: every kind of attribute but counters.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(
    table = "users",
    keyspace = "app",
    options(comment = "'people'", default_time_to_live = "3600"),
    discriminator_value = "admin"
)]
pub struct User {
    /// The user's id.
    #[cql(partition_key)]
    pub id: Uuid,
    /// When the user was created.
    #[cql(clustering_key, order = "desc", timeuuid)]
    pub created: Uuid,
    /// The display name.
    #[cql(index, db_field = "n", required, min_length = 1, max_length = 50)]
    pub name: String,
    /// Who owns the partition.
    #[cql(static_column)]
    pub owner: Option<String>,
    /// A code, in ASCII.
    #[cql(ascii)]
    pub code: Option<String>,
    /// The kind of user.
    #[cql(discriminator)]
    pub kind: String,
    /// Tags.
    pub tags: Option<BTreeSet<String>>,
    /// A score, 0.5 when not selected.
    #[cql(default = "default_score")]
    pub score: f64,
    /// A count, 0 when not selected or null.
    #[cql(default)]
    pub visits: i32,
    /// An optional number, absent → 7, null → None.
    #[cql(default = "seven")]
    pub lucky: Option<i32>,
}

fn seven() -> Option<i32> {
    Some(7)
}

/// A post: no partition_key attribute, so the first field is the key.
#[derive(Model, Debug, PartialEq)]
pub struct BlogPost {
    /// The blog.
    pub blog: String,
    /// The post's time, ascending.
    #[cql(clustering_key)]
    pub at: i64,
    /// The body.
    pub body: Option<String>,
}

/// A counter table with a composite partition key.
#[derive(Model, Debug, PartialEq)]
#[cql(table = "page_views")]
pub struct PageViews {
    /// The site.
    #[cql(partition_key)]
    pub site: String,
    /// The page.
    #[cql(partition_key)]
    pub page: String,
    /// The day.
    #[cql(clustering_key, order = "asc")]
    pub day: i32,
    /// Views.
    #[cql(counter)]
    pub views: i64,
    /// Unique visitors.
    #[cql(counter)]
    pub uniques: Option<i64>,
}

/// A struct whose name and a field's name are Rust keywords in snake case.
#[derive(Model, Debug, PartialEq)]
pub struct Match {
    /// The id.
    pub id: i32,
    /// A keyword field.
    pub r#type: String,
}

/// A private model with its module renamed.
#[derive(Model, Debug, PartialEq)]
#[cql(module = "secret_columns")]
struct Secret {
    id: i32,
    value: Vec<u8>,
}

fn col(name: &str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec::new(TableSpec::new("app", "t"), name, ty)
}

fn bytes<T: cqlengine::CqlColumn>(value: T, ty: &ColumnType) -> Option<Bytes> {
    to_raw_value(&value, ty, V2).unwrap().as_bytes().cloned()
}

/// A row of `(name, type, value)`.
fn row(columns: Vec<(&str, ColumnType, Option<Bytes>)>) -> Row {
    let specs: Arc<[ColumnSpec]> = columns
        .iter()
        .map(|(n, t, _)| col(n, t.clone()))
        .collect::<Vec<_>>()
        .into();
    let values = columns.into_iter().map(|(_, _, v)| v).collect();
    Row::new(specs, values, V2).unwrap()
}

fn created() -> Uuid {
    // A version 1 (time-based) UUID.
    Uuid::parse_str("8a8b6b70-1d2e-11ee-8000-0123456789ab").unwrap()
}

fn user() -> User {
    User {
        id: Uuid::from_u128(42),
        created: created(),
        name: "ada".into(),
        owner: Some("root".into()),
        code: Some("A1".into()),
        kind: "admin".into(),
        tags: Some(["x".to_string(), "y".to_string()].into()),
        score: 1.5,
        visits: 3,
        lucky: None,
    }
}

#[test]
fn user_schema() {
    let s: &ModelSchema = User::schema();
    assert!(std::ptr::eq(s, User::schema()), "built once");
    assert_eq!(s.model, "User");
    assert_eq!(s.table, "users");
    assert_eq!(s.keyspace, Some("app"));
    assert_eq!(s.discriminator_value, Some("admin"));
    assert_eq!(
        s.options,
        vec![
            ("comment", "'people'".to_string()),
            ("default_time_to_live", "3600".to_string())
        ]
    );
    let names: Vec<(&str, &str)> = s.columns.iter().map(|c| (c.field, c.name)).collect();
    assert_eq!(
        names,
        [
            ("id", "id"),
            ("created", "created"),
            ("name", "n"),
            ("owner", "owner"),
            ("code", "code"),
            ("kind", "kind"),
            ("tags", "tags"),
            ("score", "score"),
            ("visits", "visits"),
            ("lucky", "lucky"),
        ]
    );
    let types: Vec<&ColumnType> = s.columns.iter().map(|c| &c.ty).collect();
    assert_eq!(
        types,
        [
            &ColumnType::Uuid,
            &ColumnType::Timeuuid,
            &ColumnType::Varchar,
            &ColumnType::Varchar,
            &ColumnType::Ascii,
            &ColumnType::Varchar,
            &ColumnType::Set(Box::new(ColumnType::Varchar)),
            &ColumnType::Double,
            &ColumnType::Int,
            &ColumnType::Int,
        ]
    );
    let roles: Vec<ColumnRole> = s.columns.iter().map(|c| c.role).collect();
    assert_eq!(
        roles,
        [
            ColumnRole::PartitionKey,
            ColumnRole::Clustering(ClusteringOrder::Desc),
            ColumnRole::Regular,
            ColumnRole::Static,
            ColumnRole::Regular,
            ColumnRole::Regular,
            ColumnRole::Regular,
            ColumnRole::Regular,
            ColumnRole::Regular,
            ColumnRole::Regular,
        ]
    );
    let name = &s.columns[2];
    assert!(name.index && name.required);
    assert_eq!((name.min_length, name.max_length), (Some(1), Some(50)));
    assert!(!s.columns[0].index && !s.columns[0].required);
    assert_eq!(
        (s.columns[0].min_length, s.columns[0].max_length),
        (None, None)
    );
    let discriminators: Vec<&str> = s
        .columns
        .iter()
        .filter(|c| c.discriminator)
        .map(|c| c.field)
        .collect();
    assert_eq!(discriminators, ["kind"]);
    assert!(!s.is_counter_table());
    s.check().unwrap();
}

#[test]
fn user_create_table_cql() {
    assert_eq!(
        User::schema().create_table_cql("ks"),
        "CREATE TABLE \"ks\".\"users\" (\"id\" uuid, \"created\" timeuuid, \"n\" text, \
         \"owner\" text static, \"code\" ascii, \"kind\" text, \"tags\" set<text>, \
         \"score\" double, \"visits\" int, \"lucky\" int, \
         PRIMARY KEY ((\"id\"), \"created\")) \
         WITH CLUSTERING ORDER BY (\"created\" DESC) AND comment = 'people' \
         AND default_time_to_live = 3600"
    );
}

#[test]
fn first_field_is_the_partition_key_and_the_table_is_snake_case() {
    let s = BlogPost::schema();
    assert_eq!(s.model, "BlogPost");
    assert_eq!(s.table, "blog_post");
    assert_eq!(s.keyspace, None);
    assert_eq!(s.discriminator_value, None);
    assert!(s.options.is_empty());
    let roles: Vec<ColumnRole> = s.columns.iter().map(|c| c.role).collect();
    assert_eq!(
        roles,
        [
            ColumnRole::PartitionKey,
            ColumnRole::Clustering(ClusteringOrder::Asc),
            ColumnRole::Regular
        ]
    );
    s.check().unwrap();
    assert_eq!(
        s.create_table_cql("ks"),
        "CREATE TABLE \"ks\".\"blog_post\" (\"blog\" text, \"at\" bigint, \"body\" text, \
         PRIMARY KEY ((\"blog\"), \"at\"))"
    );
}

#[test]
fn counter_table_schema() {
    let s = PageViews::schema();
    assert_eq!(s.table, "page_views");
    assert!(s.is_counter_table());
    assert_eq!(s.primary_key(), vec![0, 1, 2]);
    assert_eq!(s.partition_key().count(), 2);
    assert_eq!(s.columns[3].ty, ColumnType::Counter);
    assert_eq!(s.columns[4].ty, ColumnType::Counter);
    s.check().unwrap();
    let views = PageViews {
        site: "s".into(),
        page: "p".into(),
        day: 1,
        views: 9,
        uniques: None,
    };
    assert_eq!(
        views.column_value(3, V2).unwrap(),
        RawValue::Value(Bytes::copy_from_slice(&9i64.to_be_bytes()))
    );
    assert_eq!(views.column_value(4, V2).unwrap(), RawValue::Null);
    let _ = page_views::views.incr(1);
}

#[test]
fn keyword_names_become_raw_identifiers() {
    let s = Match::schema();
    assert_eq!(s.table, "match");
    assert_eq!(s.columns[1].field, "type");
    assert_eq!(s.columns[1].name, "type");
    assert_eq!(r#match::r#type.name(), "type");
    assert_eq!(r#match::r#type.index(), 1);
    let m = Match::from_row(&row(vec![
        ("id", ColumnType::Int, bytes(1i32, &ColumnType::Int)),
        (
            "type",
            ColumnType::Varchar,
            bytes("t".to_string(), &ColumnType::Varchar),
        ),
    ]))
    .unwrap();
    assert_eq!(
        m,
        Match {
            id: 1,
            r#type: "t".into()
        }
    );
}

#[test]
fn private_model_with_a_renamed_module() {
    let s = Secret::schema();
    assert_eq!(s.table, "secret");
    assert_eq!(s.columns[1].ty, ColumnType::Blob);
    assert_eq!(secret_columns::value.name(), "value");
    let secret = Secret {
        id: 1,
        value: vec![1, 2],
    };
    assert_eq!(
        secret.column_value(1, V2).unwrap(),
        RawValue::Value(Bytes::from_static(&[1, 2]))
    );
}

#[test]
fn column_value_serializes_each_field() {
    let u = user();
    let s = User::schema();
    for (i, c) in s.columns.iter().enumerate() {
        let expected = match i {
            0 => to_raw_value(&u.id, &c.ty, V2),
            1 => to_raw_value(&u.created, &c.ty, V2),
            2 => to_raw_value(&u.name, &c.ty, V2),
            3 => to_raw_value(&u.owner, &c.ty, V2),
            4 => to_raw_value(&u.code, &c.ty, V2),
            5 => to_raw_value(&u.kind, &c.ty, V2),
            6 => to_raw_value(&u.tags, &c.ty, V2),
            7 => to_raw_value(&u.score, &c.ty, V2),
            8 => to_raw_value(&u.visits, &c.ty, V2),
            _ => to_raw_value(&u.lucky, &c.ty, V2),
        };
        assert_eq!(u.column_value(i, V2), expected, "column {i}");
    }
    assert_eq!(
        u.column_value(0, V2).unwrap(),
        RawValue::Value(Bytes::copy_from_slice(&42u128.to_be_bytes()))
    );
    assert_eq!(
        u.column_value(2, V2).unwrap(),
        RawValue::Value(Bytes::from_static(b"ada"))
    );
    assert_eq!(u.column_value(9, V2).unwrap(), RawValue::Null);
    // The timeuuid column checks its value is a version 1 UUID.
    let mut bad = user();
    bad.created = Uuid::from_u128(1);
    assert!(matches!(
        bad.column_value(1, V2),
        Err(ValueError::InvalidTimeuuid { .. })
    ));
    // The ascii column refuses non-ASCII text.
    bad.code = Some("é".into());
    assert!(matches!(
        bad.column_value(4, V2),
        Err(ValueError::NotAscii { .. })
    ));
}

#[test]
fn column_value_out_of_range_is_an_error() {
    let err = user().column_value(10, V2).unwrap_err();
    match &err {
        ValueError::OutOfRange {
            rust_type, value, ..
        } => {
            assert_eq!(*rust_type, "User");
            assert!(value.contains("10"), "{value}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(user().column_value(usize::MAX, V2).is_err());
}

#[test]
fn validate_names_the_field() {
    user().validate().unwrap();

    let mut u = user();
    u.name = String::new();
    let err = u.validate().unwrap_err();
    assert_eq!((err.model, err.field.as_str()), ("User", "name"));
    assert!(err.message.contains("minimum is 1"), "{}", err.message);

    u.name = "x".repeat(51);
    let err = u.validate().unwrap_err();
    assert_eq!(err.field, "name");
    assert!(err.message.contains("maximum is 50"), "{}", err.message);

    // Length counts characters, not bytes.
    u.name = "é".repeat(50);
    u.validate().unwrap();

    let mut u = user();
    u.tags = Some((0..65_536).map(|i| i.to_string()).collect());
    let err = u.validate().unwrap_err();
    assert_eq!(err.field, "tags");
    assert!(err.message.contains("65536"), "{}", err.message);
    assert_eq!(err.to_string(), format!("User.tags: {}", err.message));

    // 65535 elements are allowed.
    u.tags = Some((0..65_535).map(|i| i.to_string()).collect());
    u.validate().unwrap();

    // Null is fine for an optional regular column.
    let mut u = user();
    u.owner = None;
    u.tags = None;
    u.validate().unwrap();
}

/// A model whose key and required fields may be null.
#[derive(Model, Debug)]
pub struct Nullable {
    /// The key.
    pub key: Option<String>,
    /// Required.
    #[cql(required)]
    pub must: Option<i32>,
    /// Optional.
    pub may: Option<i32>,
}

#[test]
fn validate_refuses_null_keys_and_required_fields() {
    let ok = Nullable {
        key: Some("k".into()),
        must: Some(1),
        may: None,
    };
    ok.validate().unwrap();
    let err = Nullable { key: None, ..ok }.validate().unwrap_err();
    assert_eq!((err.model, err.field.as_str()), ("Nullable", "key"));
    let err = Nullable {
        key: Some("k".into()),
        must: None,
        may: None,
    }
    .validate()
    .unwrap_err();
    assert_eq!(err.field, "must");
    assert_eq!(err.message, "a value is required");
}

fn full_user_row(u: &User) -> Row {
    let s = User::schema();
    let values: Vec<(&str, ColumnType, Option<Bytes>)> = s
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let raw = u.column_value(i, V2).unwrap();
            (c.name, c.ty.clone(), raw.as_bytes().cloned())
        })
        .collect();
    row(values)
}

#[test]
fn from_row_reads_every_field_by_column_name() {
    let mut u = user();
    u.lucky = Some(3);
    let read = User::from_row(&full_user_row(&u)).unwrap();
    assert_eq!(read, u);
    // The driver's own path.
    assert_eq!(full_user_row(&u).into_typed::<User>().unwrap(), u);
    // A null Option field with a default is None, not the default.
    u.lucky = None;
    assert_eq!(User::from_row(&full_user_row(&u)).unwrap().lucky, None);
}

#[test]
fn from_row_fills_defaults_for_absent_columns() {
    // A partial select: score, visits and lucky are not there.
    let r = row(vec![
        (
            "id",
            ColumnType::Uuid,
            bytes(Uuid::from_u128(1), &ColumnType::Uuid),
        ),
        (
            "created",
            ColumnType::Timeuuid,
            bytes(created(), &ColumnType::Timeuuid),
        ),
        (
            "n",
            ColumnType::Varchar,
            bytes("bo".to_string(), &ColumnType::Varchar),
        ),
        ("owner", ColumnType::Varchar, None),
        ("code", ColumnType::Ascii, None),
        (
            "kind",
            ColumnType::Varchar,
            bytes("k".to_string(), &ColumnType::Varchar),
        ),
        ("tags", ColumnType::Set(Box::new(ColumnType::Varchar)), None),
    ]);
    let u = User::from_row(&r).unwrap();
    assert_eq!(u.name, "bo");
    assert_eq!(u.owner, None);
    assert_eq!(u.tags, None);
    assert_eq!(u.score, 0.5);
    assert_eq!(u.visits, 0);
    assert_eq!(u.lucky, Some(7));

    // Null for a non-Option field with a default: the default. (A field
    // without a default must be in the row, even an Option one.)
    let mut columns = vec![
        (
            "id",
            ColumnType::Uuid,
            bytes(Uuid::from_u128(1), &ColumnType::Uuid),
        ),
        (
            "created",
            ColumnType::Timeuuid,
            bytes(created(), &ColumnType::Timeuuid),
        ),
        (
            "n",
            ColumnType::Varchar,
            bytes("bo".to_string(), &ColumnType::Varchar),
        ),
        ("owner", ColumnType::Varchar, None),
        ("code", ColumnType::Ascii, None),
        (
            "kind",
            ColumnType::Varchar,
            bytes("k".to_string(), &ColumnType::Varchar),
        ),
        ("tags", ColumnType::Set(Box::new(ColumnType::Varchar)), None),
        ("score", ColumnType::Double, None),
        ("visits", ColumnType::Int, None),
    ];
    let u = User::from_row(&row(columns.clone())).unwrap();
    assert_eq!((u.score, u.visits), (0.5, 0));

    // A present value wins over the default.
    columns[7].2 = bytes(2.0f64, &ColumnType::Double);
    assert_eq!(User::from_row(&row(columns)).unwrap().score, 2.0);
}

#[test]
fn from_row_errors_pass_through() {
    // A missing column without a default.
    let r = row(vec![(
        "id",
        ColumnType::Uuid,
        bytes(Uuid::from_u128(1), &ColumnType::Uuid),
    )]);
    assert_eq!(
        User::from_row(&r).unwrap_err(),
        RowError::NoSuchColumn {
            name: "created".into()
        }
    );
    // A null for a non-Option field without a default.
    let r = row(vec![
        ("blog", ColumnType::Varchar, None),
        ("at", ColumnType::Bigint, bytes(1i64, &ColumnType::Bigint)),
        ("body", ColumnType::Varchar, None),
    ]);
    assert!(matches!(
        BlogPost::from_row(&r),
        Err(RowError::Value { column, source: ValueError::UnexpectedNull { .. } }) if column == "blog"
    ));
    // A value of the wrong type.
    let r = row(vec![
        (
            "blog",
            ColumnType::Varchar,
            bytes("b".to_string(), &ColumnType::Varchar),
        ),
        ("at", ColumnType::Int, bytes(1i32, &ColumnType::Int)),
        ("body", ColumnType::Varchar, None),
    ]);
    assert!(matches!(
        BlogPost::from_row(&r),
        Err(RowError::Value { column, .. }) if column == "at"
    ));
    // And a good one.
    let r = row(vec![
        (
            "blog",
            ColumnType::Varchar,
            bytes("b".to_string(), &ColumnType::Varchar),
        ),
        ("at", ColumnType::Bigint, bytes(1i64, &ColumnType::Bigint)),
        (
            "body",
            ColumnType::Varchar,
            bytes("hi".to_string(), &ColumnType::Varchar),
        ),
    ]);
    assert_eq!(
        BlogPost::from_row(&r).unwrap(),
        BlogPost {
            blog: "b".into(),
            at: 1,
            body: Some("hi".into())
        }
    );
}

#[test]
fn column_module_is_typed() {
    // `name: String` → Column<User, String>; `owner: Option<String>` →
    // Column<User, String> (one Option stripped).
    let name: cqlengine::Column<User, String> = user::name;
    let owner: cqlengine::Column<User, String> = user::owner;
    let tags: cqlengine::Column<User, BTreeSet<String>> = user::tags;
    let created: cqlengine::Column<User, Uuid> = user::created;
    assert_eq!((name.index(), name.name()), (2, "n"));
    assert_eq!((owner.index(), owner.name()), (3, "owner"));
    assert_eq!(tags.index(), 6);
    assert_eq!(created.name(), "created");
    let _: Filter<User> = user::name.eq("x");
    let _: Filter<User> = user::id.eq(Uuid::nil());
    let _: Filter<User> = user::visits.gt(3);
    let _ = user::tags.add_items(BTreeSet::from(["z".to_string()]));
    let _: Filter<BlogPost> = blog_post::at.in_([1i64, 2]);
    // Every column constant matches its schema column.
    for (i, c) in User::schema().columns.iter().enumerate() {
        let by_name = User::schema().column(c.name).map(|(j, _)| j);
        assert_eq!(by_name, Some(i));
    }
}
