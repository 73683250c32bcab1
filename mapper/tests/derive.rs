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
    assert_eq!(
        s.discriminator_value,
        Some(cqlengine::DiscriminatorValue::Text("admin"))
    );
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
            bytes("admin".to_string(), &ColumnType::Varchar),
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
            bytes("admin".to_string(), &ColumnType::Varchar),
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

// ---------------------------------------------------------------------------
// Polymorphic models: variant structs and the enum over them.

/// A cat, in the shared `animals` table.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "cat")]
struct Cat {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: String,
    #[cql(required)]
    name: String,
    lives: Option<i32>,
}

/// A dog, in the shared `animals` table.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "dog")]
struct Dog {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: String,
    name: String,
    #[cql(index)]
    good: Option<bool>,
}

/// Any animal.
#[derive(Model, Debug, Clone, PartialEq)]
enum Animal {
    /// A cat.
    Cat(Cat),
    /// A dog.
    Dog(Dog),
}

/// On another table.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "fish", discriminator_value = "fish")]
struct Fish {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
}

/// The same discriminator value as `Cat`.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "cat")]
struct Lion {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
}

/// Another primary key.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "mole")]
struct Mole {
    #[cql(partition_key)]
    id: i32,
    #[cql(clustering_key)]
    hole: i32,
    #[cql(discriminator)]
    kind: String,
}

/// Another discriminator column.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "bird")]
struct Bird {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    species: String,
}

/// No discriminator at all.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals")]
struct Rock {
    #[cql(partition_key)]
    id: i32,
}

/// `name` as an int.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "robot")]
struct Robot {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
    name: i32,
}

#[derive(Model, Debug)]
enum CatOrFish {
    Cat(Cat),
    Fish(Fish),
}

#[derive(Model, Debug)]
enum TwoCats {
    Cat(Cat),
    Lion(Lion),
}

#[derive(Model, Debug)]
enum CatOrMole {
    Cat(Cat),
    Mole(Mole),
}

#[derive(Model, Debug)]
enum CatOrBird {
    Cat(Cat),
    Bird(Bird),
}

#[derive(Model, Debug)]
enum CatOrRock {
    Cat(Cat),
    Rock(Rock),
}

#[derive(Model, Debug)]
enum CatOrRobot {
    Cat(Cat),
    Robot(Robot),
}

fn cat() -> Cat {
    Cat {
        id: 1,
        kind: "whatever".into(),
        name: "tom".into(),
        lives: Some(9),
    }
}

fn text(value: &str) -> Option<Bytes> {
    bytes(value.to_string(), &ColumnType::Varchar)
}

#[test]
fn enum_schema_is_the_union_of_its_variants() {
    let s = Animal::schema();
    assert_eq!(s.model, "Animal");
    assert_eq!(s.table, "animals");
    assert_eq!(s.keyspace, None);
    assert_eq!(s.discriminator_value, None);
    let names: Vec<&str> = s.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "kind", "name", "lives", "good"]);
    assert_eq!(s.columns[0].role, ColumnRole::PartitionKey);
    assert!(s.columns[1].discriminator && s.columns[1].index);
    // `good` is indexed by Dog, the only variant that has it.
    assert!(s.columns[4].index);
    assert_eq!(s.columns[4].ty, ColumnType::Boolean);
    assert_eq!(s.variants, [Cat::schema(), Dog::schema()]);
    assert_eq!(s.discriminator().map(|(i, _)| i), Some(1));
    s.check().unwrap();
    assert!(Animal::checked_schema().is_ok());
    assert_eq!(
        s.create_table_cql("zoo"),
        "CREATE TABLE \"zoo\".\"animals\" (\"id\" int, \"kind\" text, \"name\" text, \
         \"lives\" int, \"good\" boolean, PRIMARY KEY ((\"id\")))"
    );
}

#[test]
fn enum_column_module_follows_the_union() {
    let id: cqlengine::Column<Animal, i32> = animal::id;
    let kind: cqlengine::Column<Animal, String> = animal::kind;
    let lives: cqlengine::Column<Animal, i32> = animal::lives;
    let good: cqlengine::Column<Animal, bool> = animal::good;
    assert_eq!((id.index(), id.name()), (0, "id"));
    assert_eq!((kind.index(), kind.name()), (1, "kind"));
    assert_eq!((lives.index(), lives.name()), (3, "lives"));
    assert_eq!((good.index(), good.name()), (4, "good"));
    assert_eq!(animal::name.index(), 2);
    let _: Filter<Animal> = animal::good.eq(true);
}

#[test]
fn variant_writes_its_discriminator_value() {
    let c = cat();
    assert_eq!(
        c.column_value(1, V2).unwrap(),
        RawValue::Value(Bytes::from_static(b"cat"))
    );
    // validate does not look at it.
    c.validate().unwrap();
    let mut empty = cat();
    empty.kind = String::new();
    empty.validate().unwrap();
}

#[test]
fn enum_column_value_delegates_by_name() {
    let a = Animal::from(cat());
    assert_eq!(a, Animal::Cat(cat()));
    assert_eq!(
        a.column_value(1, V2).unwrap(),
        RawValue::Value(Bytes::from_static(b"cat"))
    );
    assert_eq!(
        a.column_value(3, V2),
        to_raw_value(&Some(9i32), &ColumnType::Int, V2)
    );
    // Dog's column: null for a cat.
    assert_eq!(a.column_value(4, V2).unwrap(), RawValue::Null);
    let d = Animal::from(Dog {
        id: 2,
        kind: String::new(),
        name: "rex".into(),
        good: Some(true),
    });
    assert_eq!(
        d.column_value(1, V2).unwrap(),
        RawValue::Value(Bytes::from_static(b"dog"))
    );
    assert_eq!(d.column_value(3, V2).unwrap(), RawValue::Null);
    assert_eq!(
        d.column_value(4, V2),
        to_raw_value(&true, &ColumnType::Boolean, V2)
    );
    assert!(matches!(
        d.column_value(5, V2),
        Err(ValueError::OutOfRange { .. })
    ));
    // validate delegates to the variant.
    let mut nameless = cat();
    nameless.name = String::new();
    assert!(Animal::Cat(nameless).validate().is_ok());
    let mut bad = cat();
    bad.id = 0;
    assert!(Animal::Cat(bad).validate().is_ok());
}

fn animal_row(id: i32, kind: Option<&str>, lives: Option<i32>, good: Option<bool>) -> Row {
    row(vec![
        ("id", ColumnType::Int, bytes(id, &ColumnType::Int)),
        ("kind", ColumnType::Varchar, kind.and_then(text)),
        ("name", ColumnType::Varchar, text("x")),
        (
            "lives",
            ColumnType::Int,
            lives.and_then(|l| bytes(l, &ColumnType::Int)),
        ),
        (
            "good",
            ColumnType::Boolean,
            good.and_then(|g| bytes(g, &ColumnType::Boolean)),
        ),
    ])
}

#[test]
fn enum_from_row_dispatches_on_the_discriminator() {
    let a = Animal::from_row(&animal_row(1, Some("cat"), Some(3), None)).unwrap();
    assert_eq!(
        a,
        Animal::Cat(Cat {
            id: 1,
            kind: "cat".into(),
            name: "x".into(),
            lives: Some(3),
        })
    );
    let d = Animal::from_row(&animal_row(2, Some("dog"), None, Some(false))).unwrap();
    assert!(matches!(
        d,
        Animal::Dog(Dog {
            id: 2,
            good: Some(false),
            ..
        })
    ));

    let err = Animal::from_row(&animal_row(3, Some("bird"), None, None)).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("\"bird\""), "{message}");
    assert!(message.contains("(known: \"cat\", \"dog\")"), "{message}");
    assert!(matches!(err, RowError::Value { column, .. } if column == "kind"));
    let err = Animal::from_row(&animal_row(3, None, None, None)).unwrap_err();
    assert!(err.to_string().contains("null"), "{err}");
    // Without the discriminator column, the variant cannot be told.
    let r = row(vec![("id", ColumnType::Int, bytes(1, &ColumnType::Int))]);
    assert_eq!(
        Animal::from_row(&r).unwrap_err(),
        RowError::NoSuchColumn {
            name: "kind".into()
        }
    );
}

#[test]
fn variant_from_row_refuses_other_kinds() {
    assert!(Cat::from_row(&animal_row(1, Some("cat"), None, None)).is_ok());
    let err = Cat::from_row(&animal_row(1, Some("dog"), None, None)).unwrap_err();
    assert!(matches!(&err, RowError::Value { column, .. } if column == "kind"));
    assert!(
        err.to_string().contains("\"dog\", not Cat's \"cat\""),
        "{err}"
    );
    assert!(Cat::from_row(&animal_row(1, None, None, None)).is_err());
}

fn definition_error<M: Model>() -> String {
    match M::checked_schema() {
        Err(cqlengine::MapperError::ModelDefinition { model, message }) => {
            assert_eq!(model, M::schema().model);
            message
        }
        other => panic!("expected a ModelDefinition error, got {other:?}"),
    }
}

#[test]
fn enum_definition_errors_are_found_by_check() {
    // Building the schemas never panics.
    for schema in [
        CatOrFish::schema(),
        TwoCats::schema(),
        CatOrMole::schema(),
        CatOrBird::schema(),
        CatOrRock::schema(),
        CatOrRobot::schema(),
    ] {
        assert!(schema.check().is_err(), "{}", schema.model);
    }
    let m = definition_error::<CatOrFish>();
    assert!(m.contains("different tables (animals and fish)"), "{m}");
    let m = definition_error::<TwoCats>();
    assert!(m.contains("same discriminator value \"cat\""), "{m}");
    let m = definition_error::<CatOrMole>();
    assert!(m.contains("different primary keys"), "{m}");
    let m = definition_error::<CatOrBird>();
    assert!(
        m.contains("different discriminator columns (kind and species)"),
        "{m}"
    );
    let m = definition_error::<CatOrRock>();
    assert!(m.contains("Rock has no discriminator column"), "{m}");
    let m = definition_error::<CatOrRobot>();
    assert!(
        m.contains("the column name is text in one variant and int in Robot"),
        "{m}"
    );
    // The cached result is the same the second time.
    assert_eq!(
        definition_error::<CatOrFish>(),
        definition_error::<CatOrFish>()
    );
}

// Column groups: `#[derive(Columns)]` and `#[cql(flatten)]`.

use cqlengine::driver::protocol::value::CqlTimestamp;
use cqlengine::{ColumnGroup, Columns, DiscriminatorValue};

fn zero_revision() -> i32 {
    0
}

/// Bookkeeping columns, shared.
#[derive(Columns, Debug, Clone, PartialEq)]
struct Stamps {
    /// When the row was made.
    #[cql(required)]
    created: CqlTimestamp,
    #[cql(db_field = "rev", default = "zero_revision")]
    revision: i32,
    #[cql(max_length = 3)]
    by: Option<String>,
}

/// A key of two columns.
#[derive(Columns, Debug, Clone, PartialEq)]
#[cql(columns = "KeyCols")]
struct TenantKey {
    #[cql(partition_key)]
    tenant: i32,
    #[cql(clustering_key, order = "desc")]
    at: i64,
}

/// A group holding a group.
#[derive(Columns, Debug, Clone, PartialEq)]
struct Envelope {
    label: Option<String>,
    #[cql(flatten)]
    stamps: Stamps,
    #[cql(index)]
    topic: Option<String>,
}

/// Plain key, a group in the middle, a column after it.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "docs")]
struct Doc {
    #[cql(partition_key)]
    id: i32,
    /// The document's stamps.
    #[cql(flatten)]
    stamps: Stamps,
    body: Option<String>,
}

/// The key from a group, a nested group after it.
#[derive(Model, Debug, Clone, PartialEq)]
struct Message {
    #[cql(flatten)]
    key: TenantKey,
    #[cql(flatten)]
    envelope: Envelope,
    text: String,
}

/// No partition key marked: the group's first column becomes it.
#[derive(Model, Debug, Clone, PartialEq)]
struct Implicit {
    #[cql(flatten)]
    stamps: Stamps,
    note: Option<String>,
}

fn stamps() -> Stamps {
    Stamps {
        created: CqlTimestamp(1_000),
        revision: 2,
        by: Some("ada".into()),
    }
}

fn doc() -> Doc {
    Doc {
        id: 7,
        stamps: stamps(),
        body: Some("hello".into()),
    }
}

#[test]
fn group_columns_take_the_fields_place() {
    assert_eq!(Stamps::COLUMN_COUNT, 3);
    assert_eq!(Stamps::COLUMN_NAMES, ["created", "rev", "by"]);
    assert_eq!(Envelope::COLUMN_COUNT, 5);
    assert_eq!(
        Envelope::COLUMN_NAMES,
        ["label", "created", "rev", "by", "topic"]
    );
    let defs = Stamps::column_defs();
    assert_eq!(defs.len(), 3);
    assert!(defs[0].required);
    assert_eq!(defs[1].field, "revision");
    assert_eq!(defs[2].max_length, Some(3));

    let s = Doc::schema();
    let names: Vec<&str> = s.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "created", "rev", "by", "body"]);
    assert_eq!(s.columns[1].ty, ColumnType::Timestamp);
    assert_eq!(s.columns[0].role, ColumnRole::PartitionKey);
    assert_eq!(s.columns[1].role, ColumnRole::Regular);
    s.check().unwrap();

    let m = Message::schema();
    let names: Vec<&str> = m.columns.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["tenant", "at", "label", "created", "rev", "by", "topic", "text"]
    );
    assert_eq!(m.primary_key(), [0, 1]);
    assert_eq!(
        m.columns[1].role,
        ColumnRole::Clustering(ClusteringOrder::Desc)
    );
    assert!(m.columns[6].index);
    m.check().unwrap();
    assert!(m
        .create_table_cql("app")
        .ends_with("PRIMARY KEY ((\"tenant\"), \"at\")) WITH CLUSTERING ORDER BY (\"at\" DESC)"));

    // cqlengine's rule, at run time: the first column is the partition key.
    let i = Implicit::schema();
    assert_eq!(i.columns[0].name, "created");
    assert_eq!(i.columns[0].role, ColumnRole::PartitionKey);
    i.check().unwrap();
}

#[test]
fn group_column_module_is_typed_and_indexed() {
    // Doc: id 0, stamps 1..4, body 4.
    assert_eq!(doc::id.index(), 0);
    assert_eq!(doc::stamps.created.index(), 1);
    assert_eq!(doc::stamps.revision.index(), 2);
    assert_eq!(doc::stamps.revision.name(), "rev");
    assert_eq!(doc::stamps.by.index(), 3);
    assert_eq!(doc::body.index(), 4);
    // Message: key 0..2, envelope 2..7 (its stamps 3..6), text 7.
    let key: KeyCols<Message> = message::key;
    assert_eq!(key.at.index(), 1);
    assert_eq!(message::envelope.label.index(), 2);
    assert_eq!(message::envelope.stamps.created.index(), 3);
    assert_eq!(message::envelope.stamps.by.index(), 5);
    assert_eq!(message::envelope.topic.index(), 6);
    assert_eq!(message::text.index(), 7);
    for (i, column) in Message::schema().columns.iter().enumerate() {
        assert!(
            Message::column_value(&message(), i, V2).is_ok(),
            "{}",
            column.name
        );
    }
    // Typed filters and assignments through the group.
    let _: Filter<Doc> = doc::stamps.created.gt(CqlTimestamp(5));
    let _: Filter<Message> = message::envelope.stamps.revision.eq(3);
    let _ = doc::stamps.by.set("bob");
    // The columns struct is Copy and Debug.
    let cols = doc::stamps;
    let again = cols;
    assert_eq!(
        format!("{again:?}"),
        "StampsColumns { created: Column(created), rev: Column(rev), by: Column(by) }"
    );
    // A constructor at any offset.
    let shifted = StampsColumns::<Doc>::new(10);
    assert_eq!(shifted.by.index(), 12);
}

fn message() -> Message {
    Message {
        key: TenantKey { tenant: 1, at: 99 },
        envelope: Envelope {
            label: None,
            stamps: stamps(),
            topic: Some("news".into()),
        },
        text: "hi".into(),
    }
}

#[test]
fn group_fields_serialize_and_validate() {
    let d = doc();
    let v = |i| d.column_value(i, V2).unwrap();
    assert_eq!(v(0), to_raw_value(&7i32, &ColumnType::Int, V2).unwrap());
    assert_eq!(
        v(1),
        to_raw_value(&CqlTimestamp(1_000), &ColumnType::Timestamp, V2).unwrap()
    );
    assert_eq!(v(2), to_raw_value(&2i32, &ColumnType::Int, V2).unwrap());
    assert_eq!(v(3), to_raw_value("ada", &ColumnType::Varchar, V2).unwrap());
    assert_eq!(
        v(4),
        to_raw_value("hello", &ColumnType::Varchar, V2).unwrap()
    );
    assert!(d.column_value(5, V2).is_err());

    let m = message();
    assert_eq!(
        m.column_value(1, V2).unwrap(),
        to_raw_value(&99i64, &ColumnType::Bigint, V2).unwrap()
    );
    assert_eq!(m.column_value(2, V2).unwrap(), RawValue::Null);
    assert_eq!(
        m.column_value(6, V2).unwrap(),
        to_raw_value("news", &ColumnType::Varchar, V2).unwrap()
    );

    d.validate().unwrap();
    let mut long = doc();
    long.stamps.by = Some("abcd".into());
    let err = long.validate().unwrap_err();
    assert_eq!((err.model, err.field.as_str()), ("Doc", "by"));
    let mut nested = message();
    nested.envelope.stamps.by = Some("abcd".into());
    let err = nested.validate().unwrap_err();
    assert_eq!((err.model, err.field.as_str()), ("Message", "by"));
}

#[test]
fn group_fields_read_from_rows_with_defaults() {
    let ts = |t: i64| bytes(CqlTimestamp(t), &ColumnType::Timestamp);
    let full = row(vec![
        ("id", ColumnType::Int, bytes(7, &ColumnType::Int)),
        ("created", ColumnType::Timestamp, ts(1_000)),
        ("rev", ColumnType::Int, bytes(2, &ColumnType::Int)),
        ("by", ColumnType::Varchar, text("ada")),
        ("body", ColumnType::Varchar, text("hello")),
    ]);
    assert_eq!(Doc::from_row(&full).unwrap(), doc());
    assert_eq!(Stamps::from_row(&full).unwrap(), stamps());
    // `rev` missing or null: the group's default.
    let partial = row(vec![
        ("id", ColumnType::Int, bytes(7, &ColumnType::Int)),
        ("created", ColumnType::Timestamp, ts(5)),
        ("by", ColumnType::Varchar, None),
        ("body", ColumnType::Varchar, None),
    ]);
    let read = Doc::from_row(&partial).unwrap();
    assert_eq!(read.stamps.revision, 0);
    assert_eq!(read.stamps.by, None);
    let null_rev = row(vec![
        ("id", ColumnType::Int, bytes(7, &ColumnType::Int)),
        ("created", ColumnType::Timestamp, ts(5)),
        ("rev", ColumnType::Int, None),
        ("by", ColumnType::Varchar, None),
        ("body", ColumnType::Varchar, None),
    ]);
    assert_eq!(Doc::from_row(&null_rev).unwrap().stamps.revision, 0);
    // A group column without a default is needed.
    let no_created = row(vec![("id", ColumnType::Int, bytes(7, &ColumnType::Int))]);
    assert!(matches!(
        Doc::from_row(&no_created),
        Err(RowError::NoSuchColumn { .. })
    ));
}

// Definitions only `ModelSchema::check` can refuse.

/// A clustering key, and nothing else.
#[derive(Columns, Debug, Clone)]
struct SortKey {
    #[cql(clustering_key)]
    at: i64,
}

/// A counter.
#[derive(Columns, Debug, Clone)]
struct Hits {
    #[cql(counter)]
    hits: i64,
}

/// A static column.
#[derive(Columns, Debug, Clone)]
struct Owner {
    #[cql(static_column)]
    owner: Option<String>,
}

/// A discriminator.
#[derive(Columns, Debug, Clone, PartialEq)]
struct Kind {
    #[cql(discriminator, index)]
    kind: String,
}

/// No partition key: the first column is a clustering key.
#[derive(Model, Debug)]
struct NoKey {
    #[cql(flatten)]
    sort: SortKey,
    value: Option<i32>,
}

/// A counter table with a regular column.
#[derive(Model, Debug)]
struct MixedCounters {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    hits: Hits,
    name: Option<String>,
}

/// A static column, no clustering key.
#[derive(Model, Debug)]
struct LonelyStatic {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    owner: Owner,
}

/// `created` twice.
#[derive(Model, Debug)]
struct Twice {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    stamps: Stamps,
    created: Option<i64>,
}

/// Two discriminators, one from a group.
#[derive(Model, Debug)]
struct TwoKinds {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    kind: Kind,
    #[cql(discriminator)]
    species: String,
}

/// A discriminator value, and a group without the discriminator.
#[derive(Model, Debug)]
#[cql(discriminator_value = "x")]
struct ValueWithoutColumn {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    stamps: Stamps,
}

/// The first column is a counter.
#[derive(Model, Debug)]
struct CounterFirst {
    #[cql(flatten)]
    hits: Hits,
}

#[test]
fn group_definition_errors_are_found_by_check() {
    let m = definition_error::<NoKey>();
    assert!(
        m.contains("first column (at) would be the partition key, but it is a clustering key"),
        "{m}"
    );
    let m = definition_error::<MixedCounters>();
    assert!(
        m.contains("only counters and primary key columns; name is neither"),
        "{m}"
    );
    let m = definition_error::<LonelyStatic>();
    assert!(
        m.contains("static column owner needs a clustering key"),
        "{m}"
    );
    let m = definition_error::<Twice>();
    assert!(
        m.contains("two fields map to the column created (created and created)"),
        "{m}"
    );
    let m = definition_error::<TwoKinds>();
    assert!(m.contains("only one discriminator"), "{m}");
    let m = definition_error::<ValueWithoutColumn>();
    assert!(
        m.contains("discriminator_value \"x\" needs a column marked discriminator"),
        "{m}"
    );
    let m = definition_error::<CounterFirst>();
    assert!(m.contains("but it is a counter"), "{m}");
}

// Integer discriminators, and a discriminator from a group.

/// A vehicle of kind 1.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "vehicles", discriminator_value = 1)]
struct Car {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i32,
    seats: Option<i32>,
}

/// A vehicle of kind -2, stamped.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "vehicles", discriminator_value = -2)]
struct Boat {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i32,
    #[cql(flatten)]
    stamps: Stamps,
    sails: Option<i32>,
}

/// Any vehicle.
#[derive(Model, Debug, Clone, PartialEq)]
enum Vehicle {
    Car(Car),
    Boat(Boat),
}

/// The discriminator is the group's.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "tagged", discriminator_value = "note")]
struct Note {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    kind: Kind,
}

type Code = i32;

/// Too big for an int column, which the derive cannot see through `Code`.
#[derive(Model, Debug)]
#[cql(discriminator_value = 3_000_000_000)]
struct TooBig {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: Code,
}

type Label = String;

/// An integer for a text column, through an alias.
#[derive(Model, Debug)]
#[cql(discriminator_value = 5)]
struct IntForText {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: Label,
}

/// A bigint discriminator.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(discriminator_value = 3_000_000_000)]
struct Wide {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i64,
}

fn int(n: i32) -> Option<Bytes> {
    bytes(n, &ColumnType::Int)
}

#[test]
fn integer_discriminators() {
    assert_eq!(
        Car::schema().discriminator_value,
        Some(DiscriminatorValue::Int(1))
    );
    assert_eq!(
        Boat::schema().discriminator_value,
        Some(DiscriminatorValue::Int(-2))
    );
    Vehicle::schema().check().unwrap();
    Wide::schema().check().unwrap();

    // Written as the column's type, whatever the field holds.
    let car = Car {
        id: 1,
        kind: 0,
        seats: Some(4),
    };
    assert_eq!(
        car.column_value(1, V2).unwrap(),
        to_raw_value(&1i32, &ColumnType::Int, V2).unwrap()
    );
    let wide = Wide { id: 1, kind: 0 };
    assert_eq!(
        wide.column_value(1, V2).unwrap(),
        to_raw_value(&3_000_000_000i64, &ColumnType::Bigint, V2).unwrap()
    );

    // Read back, and dispatched on, as an int.
    let car_row = row(vec![
        ("id", ColumnType::Int, int(1)),
        ("kind", ColumnType::Int, int(1)),
        ("seats", ColumnType::Int, int(4)),
    ]);
    let read = Car::from_row(&car_row).unwrap();
    assert_eq!(read.kind, 1);
    assert_eq!(
        Vehicle::from_row(&car_row).unwrap(),
        Vehicle::Car(Car {
            id: 1,
            kind: 1,
            seats: Some(4)
        })
    );
    let boat_row = row(vec![
        ("id", ColumnType::Int, int(2)),
        ("kind", ColumnType::Int, int(-2)),
        (
            "created",
            ColumnType::Timestamp,
            bytes(CqlTimestamp(9), &ColumnType::Timestamp),
        ),
        ("by", ColumnType::Varchar, None),
        ("sails", ColumnType::Int, int(3)),
    ]);
    match Vehicle::from_row(&boat_row).unwrap() {
        Vehicle::Boat(boat) => {
            assert_eq!(
                (boat.kind, boat.sails, boat.stamps.revision),
                (-2, Some(3), 0)
            );
        }
        other => panic!("{other:?}"),
    }
    let err = Car::from_row(&boat_row).unwrap_err().to_string();
    assert!(
        err.contains("the discriminator is -2, not Car's 1"),
        "{err}"
    );
    let unknown = row(vec![
        ("id", ColumnType::Int, int(2)),
        ("kind", ColumnType::Int, int(7)),
    ]);
    let err = Vehicle::from_row(&unknown).unwrap_err().to_string();
    assert!(
        err.contains("unknown discriminator value 7 for Vehicle (known: 1, -2)"),
        "{err}"
    );

    // The enum's column module: the union, with the group's columns.
    let names: Vec<&str> = Vehicle::schema().columns.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["id", "kind", "seats", "created", "rev", "by", "sails"]
    );
    assert_eq!(vehicle::seats.index(), 2);
    assert_eq!(vehicle::stamps.created.index(), 3);
    assert_eq!(vehicle::stamps.by.index(), 5);
    assert_eq!(vehicle::sails.index(), 6);
    let boat = Vehicle::Boat(Boat {
        id: 2,
        kind: 0,
        stamps: stamps(),
        sails: None,
    });
    assert_eq!(
        boat.column_value(vehicle::stamps.by.index(), V2).unwrap(),
        to_raw_value("ada", &ColumnType::Varchar, V2).unwrap()
    );
    assert_eq!(
        boat.column_value(vehicle::kind.index(), V2).unwrap(),
        to_raw_value(&-2i32, &ColumnType::Int, V2).unwrap()
    );
    assert_eq!(
        boat.column_value(vehicle::seats.index(), V2).unwrap(),
        RawValue::Null
    );

    // Values the columns cannot hold.
    let m = definition_error::<TooBig>();
    assert!(
        m.contains("holds the value 3000000000, so it must be a bigint or varint column"),
        "{m}"
    );
    let m = definition_error::<IntForText>();
    assert!(
        m.contains("holds the value 5, so it must be an int, bigint or varint column, not text"),
        "{m}"
    );
}

#[test]
fn discriminator_from_a_group() {
    Note::schema().check().unwrap();
    let note = Note {
        id: 1,
        kind: Kind {
            kind: "other".into(),
        },
    };
    assert_eq!(
        note.column_value(1, V2).unwrap(),
        to_raw_value("note", &ColumnType::Varchar, V2).unwrap()
    );
    let other = row(vec![
        ("id", ColumnType::Int, int(1)),
        ("kind", ColumnType::Varchar, text("memo")),
    ]);
    assert!(Note::from_row(&other).is_err());
    let mine = row(vec![
        ("id", ColumnType::Int, int(1)),
        ("kind", ColumnType::Varchar, text("note")),
    ]);
    assert_eq!(Note::from_row(&mine).unwrap().kind.kind, "note");
}

/// The same integer as `Car`.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "vehicles", discriminator_value = 1)]
struct Bike {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i32,
}

/// A text discriminator on the integer table.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "vehicles", discriminator_value = "bus")]
struct Bus {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
}

#[derive(Model, Debug)]
enum CarOrBike {
    Car(Car),
    Bike(Bike),
}

#[derive(Model, Debug)]
enum CarOrBus {
    Car(Car),
    Bus(Bus),
}

#[test]
fn integer_discriminator_variants_are_checked() {
    let m = definition_error::<CarOrBike>();
    assert!(
        m.contains("the variants Car and Bike have the same discriminator value 1"),
        "{m}"
    );
    let m = definition_error::<CarOrBus>();
    assert!(
        m.contains("the column kind is int in one variant and text in Bus"),
        "{m}"
    );
}

/// cqlengine refuses columns named like `BaseModel` members (`save`,
/// `filter`, `objects`...), because in Python a column is a class
/// attribute and would hide the method. A Rust field and a method live in
/// different namespaces, and the column constants are in the model's own
/// module, so such names are plain columns here and every entry point
/// still works.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "clashes")]
struct Clashes {
    #[cql(partition_key)]
    objects: i32,
    filter: String,
    save: i64,
    delete: bool,
    update: Option<String>,
    ttl: i32,
    timeout: i32,
    using: String,
}

#[test]
fn columns_may_be_named_like_mapper_methods() {
    use cqlengine::prelude::*;

    let names: Vec<&str> = Clashes::schema().columns.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["objects", "filter", "save", "delete", "update", "ttl", "timeout", "using"]
    );
    let row = Clashes {
        objects: 1,
        filter: "f".into(),
        save: 2,
        delete: true,
        update: None,
        ttl: 3,
        timeout: 4,
        using: "u".into(),
    };
    // The fields, the typed columns and the methods of the same names.
    assert_eq!((row.objects, row.save), (1, 2));
    let query = Clashes::objects()
        .filter(clashes::filter.eq("f"))
        .filter(clashes::objects.eq(1))
        .allow_filtering();
    assert_eq!(
        format!("{:?}", clashes::save.gt(1)),
        "Filter(Column(2) > ?)"
    );
    let write = row
        .save()
        .ttl(60)
        .timeout(std::time::Duration::from_secs(1));
    drop((
        query,
        write,
        row.delete(),
        row.update_fields(vec![clashes::ttl.set(5)]),
    ));
}
