//! The mapper end to end against the in-process test cluster: CRUD, query
//! sets, LWT, TTL, batches, counters, collections, static columns, paging
//! and named connections.
//!
//! One test drives every scenario in turn on the default connection (the
//! connection registry is process-wide).

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use cql_testcluster::cluster::TestCluster;
use cqlengine::driver::Session;
use cqlengine::prelude::*;
use cqlengine::{BatchQuery, BatchType, ClusteringOrder, MapperError, Model, Op};

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "users")]
struct User {
    #[cql(partition_key)]
    id: i32,
    #[cql(index, required, min_length = 1, max_length = 20)]
    name: String,
    age: Option<i32>,
    emails: Option<BTreeSet<String>>,
    scores: Option<Vec<i32>>,
    attrs: Option<BTreeMap<String, String>>,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct BlogPost {
    #[cql(partition_key)]
    author: i32,
    #[cql(clustering_key, order = "desc")]
    seq: i32,
    title: String,
    #[cql(static_column)]
    author_name: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
struct PageHits {
    #[cql(partition_key)]
    page: String,
    #[cql(counter)]
    hits: i64,
}

fn user(id: i32, name: &str, age: Option<i32>) -> User {
    User {
        id,
        name: name.into(),
        age,
        emails: None,
        scores: None,
        attrs: None,
    }
}

async fn create_table<M: Model>(session: &Session) {
    session
        .query(M::schema().create_table_cql("app"), ())
        .await
        .expect("CREATE TABLE");
}

#[tokio::test]
async fn the_mapper_end_to_end() {
    let cluster = TestCluster::builder()
        .nodes(2)
        .address(Ipv4Addr::new(127, 0, 100, 1))
        .start()
        .await
        .unwrap();
    let session = Session::builder()
        .contact_point("127.0.100.1")
        .port(cluster.port())
        .build()
        .await
        .unwrap();
    session
        .query(
            "CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}",
            (),
        )
        .await
        .unwrap();
    create_table::<User>(&session).await;
    create_table::<BlogPost>(&session).await;
    create_table::<PageHits>(&session).await;
    create_table::<Event>(&session).await;
    session
        .query("CREATE INDEX ON app.users (\"name\")", ())
        .await
        .unwrap();
    cqlengine::connection::register_session("default", session.clone(), Some("app"), true);

    crud(&cluster).await;
    change_tracking(&cluster).await;
    queries().await;
    lightweight_transactions().await;
    ttl_and_timestamps().await;
    collections().await;
    counters().await;
    static_columns_and_ordering().await;
    batches().await;
    paging_is_lazy(&cluster).await;
    timeuuid_ranges().await;
    named_connections(&cluster).await;
    cluster.shutdown().await;
}

async fn crud(cluster: &TestCluster) {
    let ada = user(1, "ada", Some(36));
    ada.save().await.unwrap();
    let back = User::filter(user::id.eq(1)).get().await.unwrap();
    assert_eq!(back, ada);

    // Statements are prepared: the mapper sends EXECUTE, not text.
    let executes = cluster
        .activity()
        .entries()
        .iter()
        .filter(|e| e.opcode == cqlengine::driver::protocol::Opcode::Execute)
        .count();
    assert!(executes >= 2);

    // An insert leaves null columns out: no tombstones.
    let inserts: Vec<String> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter_map(|e| e.query)
        .filter(|q| q.starts_with("INSERT INTO \"app\".\"users\""))
        .collect();
    assert!(
        inserts.iter().any(|q| !q.contains("\"emails\"")),
        "{inserts:?}"
    );

    // update_fields changes only what it names; a null is one statement.
    ada.update_fields(vec![user::age.set(37), user::name.set("Ada")])
        .await
        .unwrap();
    ada.update_fields(vec![user::age.set_null()]).await.unwrap();
    let back = User::filter(user::id.eq(1)).get().await.unwrap();
    assert_eq!((back.name.as_str(), back.age), ("Ada", None));

    ada.delete().await.unwrap();
    let err = User::filter(user::id.eq(1)).get().await.unwrap_err();
    assert!(
        matches!(err, MapperError::DoesNotExist { model: "User" }),
        "{err}"
    );

    // Validation happens before any I/O and names the field.
    let err = user(2, "", None).save().await.unwrap_err();
    match err {
        MapperError::Validation(e) => assert_eq!(e.field, "name"),
        other => panic!("expected a validation error, got {other}"),
    }
    let err = user(2, "a name that is far too long", None)
        .save()
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::Validation(_)), "{err}");
}

async fn queries() {
    for (id, name, age) in [(10, "x", 20), (11, "y", 30), (12, "y", 40)] {
        user(id, name, Some(age)).save().await.unwrap();
    }
    let ys = User::filter(user::name.eq("y")).all().await.unwrap();
    assert_eq!(ys.len(), 2);
    let err = User::filter(user::name.eq("y")).get().await.unwrap_err();
    assert!(
        matches!(
            err,
            MapperError::MultipleObjectsReturned { model: "User", .. }
        ),
        "{err}"
    );
    let in_ = User::filter(user::id.in_([10, 11, 99]))
        .all()
        .await
        .unwrap();
    assert_eq!(in_.len(), 2);
    assert_eq!(
        User::filter(user::id.in_([10, 11, 12]))
            .count()
            .await
            .unwrap(),
        3
    );
    assert!(User::filter(user::id.eq(99))
        .first()
        .await
        .unwrap()
        .is_none());

    // Refused before any I/O, with a reason.
    let err = User::filter(user::age.gt(25)).all().await.unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");
    assert!(err.to_string().contains("age"), "{err}");
    // With an indexed column and allow_filtering, a regular column filter runs.
    let older = User::filter(user::name.eq("y"))
        .filter(user::age.gt(35))
        .allow_filtering()
        .all()
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].id, 12);
    // Token ranges scan the ring.
    let all = User::objects()
        .filter(cqlengine::token(Op::Gte, i64::MIN))
        .all()
        .await
        .unwrap();
    assert!(all.len() >= 3);
    // values_list returns just those columns.
    let rows = User::filter(user::id.eq(10))
        .values_list(&["name"])
        .await
        .unwrap();
    assert_eq!(rows[0].get::<&str>("name").unwrap(), "x");
    assert_eq!(rows[0].len(), 1);
}

async fn lightweight_transactions() {
    let bob = user(20, "bob", Some(1));
    bob.save().if_not_exists().await.unwrap();
    let err = user(20, "other", None)
        .save()
        .if_not_exists()
        .await
        .unwrap_err();
    match err {
        MapperError::NotApplied {
            existing: Some(row),
        } => {
            assert!(!row.get::<bool>("[applied]").unwrap());
            assert_eq!(row.get::<&str>("name").unwrap(), "bob");
        }
        other => panic!("expected NotApplied, got {other}"),
    }
    bob.update_fields(vec![user::age.set(2)])
        .iff(user::age.eq(1))
        .await
        .unwrap();
    let err = bob
        .update_fields(vec![user::age.set(3)])
        .iff(user::age.eq(1))
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::NotApplied { .. }), "{err}");
    user(21, "ghost", None)
        .update_fields(vec![user::age.set(1)])
        .if_exists()
        .await
        .unwrap_err();
    bob.delete().if_exists().await.unwrap();
}

async fn ttl_and_timestamps() {
    let t = user(30, "ttl", Some(1));
    t.save().ttl(3600).await.unwrap();
    // An older timestamp loses to the newer write.
    t.update_fields(vec![user::age.set(2)])
        .timestamp(1)
        .await
        .unwrap();
    let back = User::filter(user::id.eq(30)).get().await.unwrap();
    assert_eq!(back.age, Some(1));
    let err = t.save().if_not_exists().timestamp(5).await.unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");
}

async fn collections() {
    let mut c = user(40, "coll", None);
    c.emails = Some(BTreeSet::from(["a@x".to_string()]));
    c.scores = Some(vec![2]);
    c.attrs = Some(BTreeMap::from([("k".to_string(), "v".to_string())]));
    c.save().await.unwrap();
    c.update_fields(vec![
        user::emails.add_items(BTreeSet::from(["b@x".to_string()])),
        user::scores.append(vec![3]),
        user::scores.prepend(vec![1]),
        user::attrs.remove_keys(BTreeSet::from(["k".to_string()])),
    ])
    .await
    .unwrap();
    c.update_fields(user::attrs.update(BTreeMap::from([("n".to_string(), "1".to_string())])))
        .await
        .unwrap();
    let back = User::filter(user::id.eq(40)).get().await.unwrap();
    assert_eq!(back.emails.unwrap().len(), 2);
    assert_eq!(back.scores, Some(vec![1, 2, 3]));
    assert_eq!(
        back.attrs,
        Some(BTreeMap::from([("n".to_string(), "1".to_string())]))
    );
    // Blind update through a query set.
    User::filter(user::id.eq(40))
        .update(vec![
            user::emails.remove_items(BTreeSet::from(["a@x".to_string()]))
        ])
        .await
        .unwrap();
    let back = User::filter(user::id.eq(40)).get().await.unwrap();
    assert_eq!(back.emails, Some(BTreeSet::from(["b@x".to_string()])));
}

async fn counters() {
    let page = PageHits {
        page: "home".into(),
        hits: 0,
    };
    let err = page.save().await.unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");
    page.update_fields(vec![page_hits::hits.incr(5)])
        .await
        .unwrap();
    PageHits::filter(page_hits::page.eq("home"))
        .update(vec![page_hits::hits.decr(2)])
        .await
        .unwrap();
    let back = PageHits::filter(page_hits::page.eq("home"))
        .get()
        .await
        .unwrap();
    assert_eq!(back.hits, 3);
}

async fn static_columns_and_ordering() {
    for seq in 0..5 {
        BlogPost {
            author: 1,
            seq,
            title: format!("post {seq}"),
            author_name: Some("ada".into()),
        }
        .save()
        .await
        .unwrap();
    }
    let posts = BlogPost::filter(blog_post::author.eq(1))
        .all()
        .await
        .unwrap();
    let seqs: Vec<i32> = posts.iter().map(|p| p.seq).collect();
    assert_eq!(seqs, vec![4, 3, 2, 1, 0], "clustering order DESC");
    let asc = BlogPost::filter(blog_post::author.eq(1))
        .order_by(blog_post::seq, ClusteringOrder::Asc)
        .limit(2)
        .all()
        .await
        .unwrap();
    assert_eq!(asc.iter().map(|p| p.seq).collect::<Vec<_>>(), vec![0, 1]);
    let err = BlogPost::objects()
        .order_by(blog_post::title, ClusteringOrder::Asc)
        .filter(blog_post::author.eq(1))
        .all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("clustering"), "{err}");
    // The static column is shared by the partition: a blind update by
    // partition key alone.
    BlogPost::filter(blog_post::author.eq(1))
        .update(vec![blog_post::author_name.set("Ada L.")])
        .await
        .unwrap();
    let posts = BlogPost::filter(blog_post::author.eq(1))
        .all()
        .await
        .unwrap();
    assert!(posts
        .iter()
        .all(|p| p.author_name.as_deref() == Some("Ada L.")));
    BlogPost::filter(blog_post::author.eq(1))
        .filter(blog_post::seq.eq(0))
        .delete()
        .await
        .unwrap();
    assert_eq!(
        BlogPost::filter(blog_post::author.eq(1))
            .count()
            .await
            .unwrap(),
        4
    );
    let err = BlogPost::filter(blog_post::author.eq(1))
        .filter(blog_post::seq.gt(2))
        .delete()
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");
}

async fn batches() {
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut batch = BatchQuery::new(BatchType::Logged);
    batch.add(user(50, "b1", None).save()).await.unwrap();
    batch.add(user(51, "b2", None).save()).await.unwrap();
    let flag = ran.clone();
    batch.add_callback(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
    assert!(
        User::filter(user::id.eq(50))
            .first()
            .await
            .unwrap()
            .is_none(),
        "nothing is sent before execute"
    );
    batch.execute().await.unwrap();
    assert!(ran.load(std::sync::atomic::Ordering::SeqCst));
    assert_eq!(
        User::filter(user::id.in_([50, 51])).count().await.unwrap(),
        2
    );

    // A dropped batch is never sent.
    {
        let mut abandoned = BatchQuery::new(BatchType::Logged);
        abandoned.add(user(52, "b3", None).save()).await.unwrap();
    }
    assert!(User::filter(user::id.eq(52))
        .first()
        .await
        .unwrap()
        .is_none());

    // A timestamped batch (sent as one prepared BEGIN BATCH statement).
    let mut stamped = BatchQuery::new(BatchType::Unlogged).timestamp(10);
    stamped
        .add(user(50, "late", None).update_fields(vec![user::name.set("late")]))
        .await
        .unwrap();
    stamped.execute().await.unwrap();
    let back = User::filter(user::id.eq(50)).get().await.unwrap();
    assert_eq!(back.name, "b1", "the older timestamp loses");

    let mut counter = BatchQuery::new(BatchType::Counter);
    let page = PageHits {
        page: "batch".into(),
        hits: 0,
    };
    counter
        .add(page.update_fields(vec![page_hits::hits.incr(2)]))
        .await
        .unwrap();
    counter
        .add(page.update_fields(vec![page_hits::hits.incr(3)]))
        .await
        .unwrap();
    counter.execute().await.unwrap();
    let back = PageHits::filter(page_hits::page.eq("batch"))
        .get()
        .await
        .unwrap();
    assert_eq!(back.hits, 5);
}

async fn paging_is_lazy(cluster: &TestCluster) {
    for seq in 0..1000 {
        BlogPost {
            author: 7,
            seq,
            title: "t".into(),
            author_name: None,
        }
        .save()
        .await
        .unwrap();
    }
    cluster.activity().clear();
    let mut stream = BlogPost::filter(blog_post::author.eq(7))
        .fetch_size(100)
        .stream()
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(post) = stream.next().await {
        post.unwrap();
        seen += 1;
        if seen == 150 {
            break;
        }
    }
    let pages = cluster
        .activity()
        .entries()
        .iter()
        .filter(|e| e.opcode == cqlengine::driver::protocol::Opcode::Execute)
        .count();
    assert_eq!(pages, 2, "150 rows need 2 pages of 100, not all 10");
    let all = BlogPost::filter(blog_post::author.eq(7))
        .fetch_size(300)
        .all()
        .await
        .unwrap();
    assert_eq!(all.len(), 1000, "no silent LIMIT");
}

/// The default connection is the one last made default; registering its
/// name again replaces it (as a lookup by name would find the new one).
fn default_connection_follows_registration(other: Session) {
    use cqlengine::connection::{get_connection, register_session, set_default_connection};
    let first = get_connection(None).unwrap();
    assert_eq!(first.name(), "default");
    set_default_connection("second").unwrap();
    assert_eq!(get_connection(None).unwrap().name(), "second");
    let replaced = register_session("second", other, Some("app"), false);
    assert!(Arc::ptr_eq(&get_connection(None).unwrap(), &replaced));
    let err = set_default_connection("nope").unwrap_err();
    assert!(matches!(err, MapperError::NoConnection { .. }), "{err}");
    assert!(Arc::ptr_eq(&get_connection(None).unwrap(), &replaced));
    set_default_connection("default").unwrap();
    assert!(Arc::ptr_eq(&get_connection(None).unwrap(), &first));
}

async fn named_connections(cluster: &TestCluster) {
    let other = Session::builder()
        .contact_point("127.0.100.2")
        .port(cluster.port())
        .build()
        .await
        .unwrap();
    cqlengine::connection::register_session("second", other.clone(), Some("app"), false);
    default_connection_follows_registration(other);
    user(60, "named", None)
        .save()
        .using("second")
        .await
        .unwrap();
    let back = User::filter(user::id.eq(60))
        .using("second")
        .timeout(Duration::from_secs(5))
        .get()
        .await
        .unwrap();
    assert_eq!(back.name, "named");
    let err = User::objects().using("nope").all().await.unwrap_err();
    assert!(matches!(err, MapperError::NoConnection { .. }), "{err}");

    // Protocol v1 has no BATCH message: the batch goes as one prepared
    // BEGIN BATCH ... APPLY BATCH statement.
    let v1 = Session::builder()
        .contact_point("127.0.100.1")
        .port(cluster.port())
        .protocol_version(cqlengine::driver::ProtocolVersion::V1)
        .build()
        .await
        .unwrap();
    cqlengine::connection::register_session("v1", v1, Some("app"), false);
    cluster.activity().clear();
    let mut batch = BatchQuery::new(BatchType::Logged).using("v1");
    batch
        .add(user(61, "v1 a", None).save().using("v1"))
        .await
        .unwrap();
    batch
        .add(user(62, "v1 b", None).save().using("v1"))
        .await
        .unwrap();
    batch.execute().await.unwrap();
    assert_eq!(
        User::filter(user::id.in_([61, 62])).count().await.unwrap(),
        2
    );
    let entries = cluster.activity().entries();
    assert!(entries
        .iter()
        .all(|e| e.opcode != cqlengine::driver::protocol::Opcode::Batch));
    assert!(entries.iter().any(|e| e
        .query
        .as_deref()
        .is_some_and(|q| q.starts_with("BEGIN BATCH INSERT INTO"))));
}

/// Timeuuid ranges with MinTimeUUID / MaxTimeUUID.
async fn timeuuid_ranges() {
    use cqlengine::driver::protocol::value::CqlTimestamp;
    use cqlengine::TimeUuidBound;
    // Version-1 uuids at 1,000 ms and 2,000 ms after the epoch.
    let at = |millis: u64| {
        let ticks = millis * 10_000 + 0x01B2_1DD2_1381_4000;
        uuid::Uuid::from_fields(
            ticks as u32,
            (ticks >> 32) as u16,
            ((ticks >> 48) as u16 & 0x0FFF) | 0x1000,
            &[0x80, 0, 0, 0, 0, 0, 0, 1],
        )
    };
    for (seq, millis) in [(1, 1_000u64), (2, 2_000)] {
        Event {
            stream: 1,
            at: at(millis),
            seq,
        }
        .save()
        .await
        .unwrap();
    }
    let between = Event::filter(event::stream.eq(1))
        .filter(event::at.cmp_time(Op::Gt, TimeUuidBound::Min(CqlTimestamp(1_500))))
        .filter(event::at.cmp_time(Op::Lt, TimeUuidBound::Max(CqlTimestamp(2_500))))
        .all()
        .await
        .unwrap();
    assert_eq!(between.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2]);
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "events")]
struct Event {
    #[cql(partition_key)]
    stream: i32,
    #[cql(clustering_key, timeuuid)]
    at: uuid::Uuid,
    seq: i32,
}

async fn change_tracking(cluster: &TestCluster) {
    user(70, "tracked", Some(5)).save().await.unwrap();
    let mut tracked = User::filter(user::id.eq(70)).get_tracked().await.unwrap();
    assert!(
        !tracked.save().await.unwrap(),
        "nothing changed, nothing sent"
    );
    tracked.name = "renamed".into();
    tracked.age = None;
    assert_eq!(tracked.changed_columns().unwrap(), vec!["name", "age"]);
    cluster.activity().clear();
    assert!(tracked.save().await.unwrap());
    let statements: Vec<String> = cluster
        .activity()
        .entries()
        .into_iter()
        .filter(|e| e.opcode == cqlengine::driver::protocol::Opcode::Execute)
        .filter_map(|e| cluster.faults().prepared_text(e.prepared_id.as_ref()?))
        .collect();
    assert_eq!(
        statements,
        vec!["UPDATE \"app\".\"users\" SET \"name\" = ?, \"age\" = ? WHERE \"id\" = ?".to_string()],
        "one UPDATE of the changed columns, the null included"
    );
    let back = User::filter(user::id.eq(70)).get().await.unwrap();
    assert_eq!((back.name.as_str(), back.age), ("renamed", None));
    assert!(tracked.changed_columns().unwrap().is_empty());
    // A new primary key is a new row.
    tracked.id = 71;
    tracked.save_with(|w| w.ttl(600)).await.unwrap();
    assert_eq!(
        User::filter(user::id.in_([70, 71])).count().await.unwrap(),
        2
    );
}
