//! Polymorphic models against the in-process test cluster: variant structs
//! sharing a table, the enum model over them, the discriminator written on
//! save, variant query sets filtered by the server (an indexed or partition
//! key discriminator) or client-side (a plain one), and definition errors
//! at first use.
//!
//! One test drives every scenario on its own connection, `poly` (the
//! connection registry is process-wide).

use std::net::Ipv4Addr;

mod support;

use support::Harness;

use cqlengine::management::{create_keyspace_simple, sync_table};
use cqlengine::prelude::*;
use cqlengine::{MapperError, Model};

const CONN: &str = "poly";

// An indexed discriminator.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "cat")]
struct Cat {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: String,
    name: String,
    lives: Option<i32>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "animals", discriminator_value = "dog")]
struct Dog {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: String,
    name: String,
    good: Option<bool>,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Animal {
    Cat(Cat),
    Dog(Dog),
}

// A plain discriminator: client-side filtering.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "shapes", discriminator_value = "circle")]
struct Circle {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
    radius: Option<f64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "shapes", discriminator_value = "square")]
struct Square {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
    side: Option<f64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Shape {
    Circle(Circle),
    Square(Square),
}

// A discriminator in the partition key.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "pets", discriminator_value = "hamster")]
struct Hamster {
    #[cql(partition_key)]
    owner: i32,
    #[cql(partition_key, discriminator)]
    kind: String,
    #[cql(clustering_key)]
    name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "pets", discriminator_value = "parrot")]
struct Parrot {
    #[cql(partition_key)]
    owner: i32,
    #[cql(partition_key, discriminator)]
    kind: String,
    #[cql(clustering_key)]
    name: String,
    words: Option<i32>,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Pet {
    Hamster(Hamster),
    Parrot(Parrot),
}

// Broken: the variants are on different tables.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "shapes", discriminator_value = "cat")]
struct StrayCat {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Broken {
    Cat(Cat),
    Stray(StrayCat),
}

fn cat(id: i32, name: &str) -> Cat {
    Cat {
        id,
        // Whatever the field holds, the row says "cat".
        kind: String::new(),
        name: name.into(),
        lives: Some(9),
    }
}

fn dog(id: i32, name: &str) -> Dog {
    Dog {
        id,
        kind: "dog".into(),
        name: name.into(),
        good: Some(true),
    }
}

fn is_definition_error<T: std::fmt::Debug>(result: Result<T, MapperError>) -> bool {
    match result {
        Err(MapperError::ModelDefinition { model, message }) => {
            assert_eq!(model, "Broken");
            assert!(message.contains("different tables"), "{message}");
            true
        }
        other => panic!("expected a ModelDefinition error, got {other:?}"),
    }
}

#[tokio::test]
async fn polymorphic_models_end_to_end() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 115, 1), CONN, "zoo").await;

    assert!(create_keyspace_simple("zoo", 1, true, Some(CONN))
        .await
        .unwrap());
    let report = sync_table::<Animal>(None, Some(CONN)).await.unwrap();
    assert!(report.created);
    assert_eq!(report.created_indexes, ["kind"]);
    sync_table::<Shape>(None, Some(CONN)).await.unwrap();
    sync_table::<Pet>(None, Some(CONN)).await.unwrap();
    let table = h
        .session
        .cluster_metadata()
        .table("zoo", "animals")
        .cloned()
        .expect("animals in the metadata");
    let mut columns: Vec<&str> = table.columns.keys().map(String::as_str).collect();
    columns.sort_unstable();
    assert_eq!(columns, ["good", "id", "kind", "lives", "name"]);

    saving_writes_the_discriminator(&h).await;
    enum_reads_build_the_right_variants().await;
    indexed_discriminator_is_filtered_by_the_server(&h).await;
    plain_discriminator_is_filtered_client_side(&h).await;
    partition_key_discriminator(&h).await;
    definition_errors_at_first_use().await;
    unknown_discriminator_values(&h).await;

    cqlengine::connection::unregister_connection(CONN);
    h.cluster.shutdown().await;
}

async fn saving_writes_the_discriminator(h: &Harness) {
    let from = h.mark();
    cat(1, "tom").save().using(CONN).await.unwrap();
    Animal::Cat(cat(2, "felix"))
        .save()
        .using(CONN)
        .await
        .unwrap();
    Animal::from(dog(3, "rex"))
        .save()
        .using(CONN)
        .await
        .unwrap();
    dog(4, "fido").save().using(CONN).await.unwrap();

    // The enum's INSERT of a dog names only the dog's columns.
    let inserts: Vec<String> = h
        .statements(from)
        .into_iter()
        .filter(|q| q.starts_with("INSERT"))
        .collect();
    assert!(inserts.iter().any(|q| q
        == "INSERT INTO \"zoo\".\"animals\" (\"id\", \"kind\", \"name\", \"good\") VALUES (?, ?, ?, ?)"),
        "{inserts:?}");
    assert!(inserts.iter().any(|q| q
        == "INSERT INTO \"zoo\".\"animals\" (\"id\", \"kind\", \"name\", \"lives\") VALUES (?, ?, ?, ?)"),
        "{inserts:?}");

    let rows = h
        .session
        .query("SELECT id, kind FROM zoo.animals", ())
        .await
        .unwrap();
    let mut kinds: Vec<(i32, String)> = rows
        .rows()
        .unwrap()
        .typed::<(i32, String)>()
        .map(Result::unwrap)
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            (1, "cat".to_string()),
            (2, "cat".to_string()),
            (3, "dog".to_string()),
            (4, "dog".to_string())
        ]
    );

    // The discriminator cannot be reassigned.
    let err = cat(1, "tom")
        .update_fields(vec![cat::kind.set("dog")])
        .using(CONN)
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");
}

async fn enum_reads_build_the_right_variants() {
    let mut animals = Animal::objects().using(CONN).all().await.unwrap();
    animals.sort_by_key(|a| match a {
        Animal::Cat(c) => c.id,
        Animal::Dog(d) => d.id,
    });
    let mut tom = cat(1, "tom");
    tom.kind = "cat".into();
    let mut felix = cat(2, "felix");
    felix.kind = "cat".into();
    assert_eq!(
        animals,
        [
            Animal::Cat(tom.clone()),
            Animal::Cat(felix),
            Animal::Dog(dog(3, "rex")),
            Animal::Dog(dog(4, "fido")),
        ]
    );
    let one = Animal::filter(animal::id.eq(3))
        .using(CONN)
        .get()
        .await
        .unwrap();
    assert_eq!(one, Animal::Dog(dog(3, "rex")));
    // A filter of its own on the (indexed) discriminator.
    let good = Animal::filter(animal::kind.eq("cat"))
        .using(CONN)
        .count()
        .await
        .unwrap();
    assert_eq!(good, 2);
    assert_eq!(Animal::objects().using(CONN).count().await.unwrap(), 4);
}

async fn indexed_discriminator_is_filtered_by_the_server(h: &Harness) {
    let from = h.mark();
    let mut cats = Cat::objects().using(CONN).all().await.unwrap();
    cats.sort_by_key(|c| c.id);
    let names: Vec<&str> = cats.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["tom", "felix"]);
    assert!(cats.iter().all(|c| c.kind == "cat"));
    assert_eq!(Dog::objects().using(CONN).count().await.unwrap(), 2);
    assert_eq!(
        Cat::objects()
            .using(CONN)
            .limit(1)
            .all()
            .await
            .unwrap()
            .len(),
        1
    );
    let first = Dog::objects().using(CONN).first().await.unwrap().unwrap();
    assert_eq!(first.kind, "dog");
    let selects = h.sent(from, "SELECT", "animals");
    assert!(
        selects.contains(
            &"SELECT \"id\", \"kind\", \"name\", \"lives\" FROM \"zoo\".\"animals\" WHERE \"kind\" = ?"
                .to_string()
        ),
        "{selects:?}"
    );
    // (The same text as `Animal`'s own count on kind, prepared earlier:
    // the driver's cache does not prepare it again.)
    assert!(h
        .sent(0, "SELECT", "animals")
        .contains(&"SELECT COUNT(*) FROM \"zoo\".\"animals\" WHERE \"kind\" = ?".to_string()));

    // With the partition key: ALLOW FILTERING is added.
    let from = h.mark();
    let tom = Cat::filter(cat::id.eq(1)).using(CONN).get().await.unwrap();
    assert_eq!(tom.name, "tom");
    let err = Cat::filter(cat::id.eq(3))
        .using(CONN)
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err, MapperError::DoesNotExist { model: "Cat" }),
        "{err}"
    );
    let selects = h.sent(from, "SELECT", "animals");
    assert!(
        selects.contains(
            &"SELECT \"id\", \"kind\", \"name\", \"lives\" FROM \"zoo\".\"animals\" \
              WHERE \"id\" = ? AND \"kind\" = ? LIMIT 2 ALLOW FILTERING"
                .to_string()
        ),
        "{selects:?}"
    );

    // A condition of the query's own on the discriminator is kept, and
    // rows of other kinds are skipped.
    let none = Cat::filter(cat::kind.eq("dog"))
        .using(CONN)
        .all()
        .await
        .unwrap();
    assert!(none.is_empty());
    // A token range: client-side.
    let cats = Cat::filter(cqlengine::token(cqlengine::Op::Gt, i64::MIN))
        .using(CONN)
        .all()
        .await
        .unwrap();
    assert_eq!(cats.len(), 2);
}

async fn plain_discriminator_is_filtered_client_side(h: &Harness) {
    for i in 0..5 {
        Circle {
            id: i,
            kind: String::new(),
            radius: Some(f64::from(i)),
        }
        .save()
        .using(CONN)
        .await
        .unwrap();
        Shape::Square(Square {
            id: 10 + i,
            kind: String::new(),
            side: Some(1.0),
        })
        .save()
        .using(CONN)
        .await
        .unwrap();
    }
    let from = h.mark();
    let circles = Circle::objects().using(CONN).all().await.unwrap();
    assert_eq!(circles.len(), 5);
    assert!(circles.iter().all(|c| c.kind == "circle"));
    // The LIMIT is applied while reading.
    let two = Circle::objects().using(CONN).limit(2).all().await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(Square::objects().using(CONN).count().await.unwrap(), 5);
    assert_eq!(
        Square::objects()
            .using(CONN)
            .limit(3)
            .count()
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        Square::objects()
            .using(CONN)
            .first()
            .await
            .unwrap()
            .unwrap()
            .kind,
        "square"
    );
    let err = Square::filter(square::id.eq(1))
        .using(CONN)
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err, MapperError::DoesNotExist { model: "Square" }),
        "{err}"
    );
    let err = Square::objects().using(CONN).get().await.unwrap_err();
    assert!(
        matches!(
            err,
            MapperError::MultipleObjectsReturned {
                model: "Square",
                ..
            }
        ),
        "{err}"
    );
    // `only` without the discriminator: it is selected anyway.
    let radii = Circle::objects()
        .using(CONN)
        .only(&["id", "radius"])
        .all()
        .await;
    // Circle.kind has no default, so the discriminator must be read.
    assert_eq!(radii.unwrap().len(), 5);
    let selects = h.sent(from, "SELECT", "shapes");
    assert!(
        selects.iter().all(|q| !q.contains("WHERE \"kind\"")
            && !q.contains("LIMIT 2 ")
            && !q.contains("COUNT")),
        "{selects:?}"
    );
    assert!(selects.contains(&"SELECT \"kind\" FROM \"zoo\".\"shapes\"".to_string()));
    assert!(selects
        .contains(&"SELECT \"id\", \"radius\", \"kind\" FROM \"zoo\".\"shapes\"".to_string()));

    let shapes = Shape::objects().using(CONN).all().await.unwrap();
    assert_eq!(shapes.len(), 10);
    assert_eq!(
        shapes
            .iter()
            .filter(|s| matches!(s, Shape::Square(_)))
            .count(),
        5
    );
}

async fn partition_key_discriminator(h: &Harness) {
    for name in ["a", "b"] {
        Hamster {
            owner: 1,
            kind: String::new(),
            name: name.into(),
        }
        .save()
        .using(CONN)
        .await
        .unwrap();
    }
    Pet::Parrot(Parrot {
        owner: 1,
        kind: String::new(),
        name: "polly".into(),
        words: Some(12),
    })
    .save()
    .using(CONN)
    .await
    .unwrap();

    let from = h.mark();
    let hamsters = Hamster::filter(hamster::owner.eq(1))
        .using(CONN)
        .all()
        .await
        .unwrap();
    assert_eq!(hamsters.len(), 2);
    assert_eq!(
        Parrot::filter(parrot::owner.eq(1))
            .using(CONN)
            .count()
            .await
            .unwrap(),
        1
    );
    let selects = h.sent(from, "SELECT", "pets");
    assert!(
        selects.contains(
            &"SELECT \"owner\", \"kind\", \"name\" FROM \"zoo\".\"pets\" \
              WHERE \"owner\" = ? AND \"kind\" = ?"
                .to_string()
        ),
        "{selects:?}"
    );
    // Without the rest of the partition key: client-side.
    assert_eq!(Hamster::objects().using(CONN).all().await.unwrap().len(), 2);
    assert_eq!(Pet::objects().using(CONN).count().await.unwrap(), 3);

    // A blind delete completes the partition key with the kind.
    Hamster::filter(hamster::owner.eq(1))
        .using(CONN)
        .delete()
        .await
        .unwrap();
    let pets = Pet::objects().using(CONN).all().await.unwrap();
    assert_eq!(pets.len(), 1);
    assert!(matches!(&pets[0], Pet::Parrot(p) if p.kind == "parrot" && p.words == Some(12)));
}

async fn definition_errors_at_first_use() {
    assert!(is_definition_error(
        Broken::objects().using(CONN).all().await
    ));
    assert!(is_definition_error(
        Broken::objects().using(CONN).count().await
    ));
    assert!(is_definition_error(
        Broken::Cat(cat(9, "x")).save().using(CONN).await
    ));
    assert!(is_definition_error(
        Broken::filter(broken::id.eq(1)).using(CONN).delete().await
    ));
    assert!(is_definition_error(
        sync_table::<Broken>(None, Some(CONN)).await
    ));
    let mut batch = cqlengine::BatchQuery::new(cqlengine::BatchType::Logged).using(CONN);
    assert!(is_definition_error(
        batch.add(Broken::Cat(cat(9, "x")).save()).await.map(|_| ())
    ));
    // Nothing was written.
    assert!(Cat::filter(cat::id.eq(9))
        .using(CONN)
        .first()
        .await
        .unwrap()
        .is_none());
}

async fn unknown_discriminator_values(h: &Harness) {
    h.session
        .query(
            "INSERT INTO zoo.animals (id, kind, name) VALUES (20, 'bird', 'tweety')",
            (),
        )
        .await
        .unwrap();
    let err = Animal::filter(animal::id.eq(20))
        .using(CONN)
        .get()
        .await
        .unwrap_err();
    let MapperError::Row { model, source } = &err else {
        panic!("expected a row error, got {err:?}");
    };
    assert_eq!(*model, "Animal");
    let message = source.to_string();
    assert!(
        message.contains("unknown discriminator value \"bird\""),
        "{message}"
    );
    // The variants' query sets skip it.
    assert_eq!(Cat::objects().using(CONN).count().await.unwrap(), 2);
    assert!(Cat::filter(cat::id.eq(20))
        .using(CONN)
        .first()
        .await
        .unwrap()
        .is_none());
}
