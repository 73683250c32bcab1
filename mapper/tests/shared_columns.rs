//! Column groups and integer discriminators against the in-process test
//! cluster: tables made by `sync_table` from models that flatten groups
//! (a group as the primary key, a group shared by two models), saving,
//! reading, filtering, updating and tracking through the groups' typed
//! columns, partial selects filled by the group's defaults, definitions
//! refused at first use, and polymorphic models whose discriminator is an
//! int or a bigint.
//!
//! One test drives every scenario on its own connection, `shared` (the
//! connection registry is process-wide).

use std::net::Ipv4Addr;

mod support;

use support::Harness;

use cqlengine::driver::protocol::value::CqlTimestamp;
use cqlengine::management::{create_keyspace_simple, sync_table};
use cqlengine::prelude::*;
use cqlengine::{ClusteringOrder, Columns, MapperError, Model};

const CONN: &str = "shared";
const KS: &str = "shared_ks";

/// Bookkeeping columns, in several models.
#[derive(Columns, Debug, Clone, PartialEq)]
struct Audit {
    created: CqlTimestamp,
    #[cql(index, default, max_length = 10)]
    author: Option<String>,
    #[cql(db_field = "rev", default)]
    revision: i32,
}

/// A blog's posts, newest first.
#[derive(Columns, Debug, Clone, PartialEq)]
struct PostKey {
    #[cql(partition_key)]
    blog: i32,
    #[cql(clustering_key, order = "desc")]
    at: i64,
}

/// The key from one group, the audit from another.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "posts")]
struct Post {
    #[cql(flatten)]
    key: PostKey,
    #[cql(required)]
    title: String,
    #[cql(flatten)]
    audit: Audit,
}

/// The audit group again, after a key of the model's own.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "comments")]
struct Comment {
    #[cql(partition_key)]
    id: i32,
    body: Option<String>,
    #[cql(flatten)]
    audit: Audit,
}

// Definitions `ModelSchema::check` refuses at first use.

#[derive(Columns, Debug, Clone, PartialEq)]
struct Sort {
    #[cql(clustering_key)]
    at: i64,
}

/// No partition key: the first column would be, but it clusters.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "broken_keys")]
struct NoPartitionKey {
    #[cql(flatten)]
    sort: Sort,
    value: Option<i32>,
}

/// `created` twice.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "broken_names")]
struct Clash {
    #[cql(partition_key)]
    id: i32,
    #[cql(flatten)]
    audit: Audit,
    created: Option<i32>,
}

// An indexed int discriminator, a group in each variant.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "events", discriminator_value = 1)]
struct Click {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: i32,
    x: Option<i32>,
    #[cql(flatten)]
    audit: Audit,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "events", discriminator_value = 2)]
struct View {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator, index)]
    kind: i32,
    #[cql(flatten)]
    audit: Audit,
    page: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Event {
    Click(Click),
    View(View),
}

// A plain bigint discriminator: filtered client-side.

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "jobs", discriminator_value = 10)]
struct Build {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i64,
    target: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "jobs", discriminator_value = 3_000_000_000)]
struct Deploy {
    #[cql(partition_key)]
    id: i32,
    #[cql(discriminator)]
    kind: i64,
    env: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
enum Job {
    Build(Build),
    Deploy(Deploy),
}

fn audit(created: i64, author: &str) -> Audit {
    Audit {
        created: CqlTimestamp(created),
        author: Some(author.into()),
        revision: 1,
    }
}

fn post(blog: i32, at: i64, title: &str, author: &str) -> Post {
    Post {
        key: PostKey { blog, at },
        title: title.into(),
        audit: audit(at * 1000, author),
    }
}

#[tokio::test]
async fn shared_columns_end_to_end() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 120, 1), CONN, KS).await;
    assert!(create_keyspace_simple(KS, 1, true, Some(CONN))
        .await
        .unwrap());

    sync_creates_the_groups_columns(&h).await;
    save_get_and_filter_through_groups(&h).await;
    updates_and_tracking_through_groups(&h).await;
    partial_selects_use_the_groups_defaults().await;
    one_group_in_two_models().await;
    definition_errors_at_first_use().await;
    int_discriminator_enum(&h).await;
    bigint_discriminator_filtered_client_side(&h).await;

    cqlengine::connection::unregister_connection(CONN);
    h.cluster.shutdown().await;
}

async fn sync_creates_the_groups_columns(h: &Harness) {
    let report = sync_table::<Post>(None, Some(CONN)).await.unwrap();
    assert!(report.created);
    assert_eq!(report.created_indexes, ["author"]);
    let report = sync_table::<Comment>(None, Some(CONN)).await.unwrap();
    assert!(report.created);
    assert_eq!(report.created_indexes, ["author"]);
    // Nothing to do the second time.
    let again = sync_table::<Post>(None, Some(CONN)).await.unwrap();
    assert!(!again.created && again.added_columns.is_empty() && again.created_indexes.is_empty());

    let posts = h.table(KS, "posts");
    let columns: Vec<&str> = posts.columns.keys().map(String::as_str).collect();
    assert_eq!(columns, ["at", "author", "blog", "created", "rev", "title"]);
    assert_eq!(posts.partition_key, ["blog"]);
    assert_eq!(posts.clustering_key.len(), 1);
    assert_eq!(posts.clustering_key[0].0, "at");
    let comments = h.table(KS, "comments");
    let columns: Vec<&str> = comments.columns.keys().map(String::as_str).collect();
    assert_eq!(columns, ["author", "body", "created", "id", "rev"]);
    assert_eq!(comments.partition_key, ["id"]);
}

async fn save_get_and_filter_through_groups(h: &Harness) {
    let from = h.mark();
    for (at, author) in [(1, "ada"), (2, "bob"), (3, "ada")] {
        post(1, at, &format!("post {at}"), author)
            .save()
            .using(CONN)
            .await
            .unwrap();
    }
    post(2, 1, "elsewhere", "ada")
        .save()
        .using(CONN)
        .await
        .unwrap();
    let inserts = h.sent(from, "INSERT", "posts");
    assert!(
        inserts.contains(&format!(
            "INSERT INTO \"{KS}\".\"posts\" (\"blog\", \"at\", \"title\", \"created\", \
                 \"author\", \"rev\") VALUES (?, ?, ?, ?, ?, ?)"
        )),
        "{inserts:?}"
    );

    // By the whole key, both from the group.
    let one = Post::filter(post::key.blog.eq(1))
        .filter(post::key.at.eq(2))
        .using(CONN)
        .get()
        .await
        .unwrap();
    assert_eq!(one, post(1, 2, "post 2", "bob"));

    // The group's clustering order, and a range on it.
    let newest_first = Post::filter(post::key.blog.eq(1))
        .using(CONN)
        .all()
        .await
        .unwrap();
    let ats: Vec<i64> = newest_first.iter().map(|p| p.key.at).collect();
    assert_eq!(ats, [3, 2, 1]);
    let oldest_first = Post::filter(post::key.blog.eq(1))
        .filter(post::key.at.lt(3))
        .order_by(post::key.at, ClusteringOrder::Asc)
        .using(CONN)
        .all()
        .await
        .unwrap();
    let ats: Vec<i64> = oldest_first.iter().map(|p| p.key.at).collect();
    assert_eq!(ats, [1, 2]);

    // The group's index.
    let mut by_ada = Post::filter(post::audit.author.eq("ada"))
        .using(CONN)
        .all()
        .await
        .unwrap();
    by_ada.sort_by_key(|p| (p.key.blog, p.key.at));
    let keys: Vec<(i32, i64)> = by_ada.iter().map(|p| (p.key.blog, p.key.at)).collect();
    assert_eq!(keys, [(1, 1), (1, 3), (2, 1)]);
    let selects = h.sent(from, "SELECT", "posts");
    assert!(
        selects.contains(&format!(
            "SELECT \"blog\", \"at\", \"title\", \"created\", \"author\", \"rev\" \
             FROM \"{KS}\".\"posts\" WHERE \"author\" = ?"
        )),
        "{selects:?}"
    );
    assert_eq!(
        Post::filter(post::audit.author.eq("bob"))
            .using(CONN)
            .count()
            .await
            .unwrap(),
        1
    );

    // The query is checked against the group's roles: an unindexed group
    // column needs ALLOW FILTERING.
    let err = Post::filter(post::audit.revision.eq(1))
        .using(CONN)
        .all()
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");

    // Validation reaches into the group, before anything is sent.
    let from = h.mark();
    let long = post(1, 9, "x", "a very long name");
    let err = long.save().using(CONN).await.unwrap_err();
    let MapperError::Validation(err) = err else {
        panic!("expected a validation error, got {err:?}");
    };
    assert_eq!((err.model, err.field.as_str()), ("Post", "author"));
    assert!(h.sent(from, "INSERT", "posts").is_empty());
}

async fn updates_and_tracking_through_groups(h: &Harness) {
    let key = |at| {
        Post::filter(post::key.blog.eq(1))
            .filter(post::key.at.eq(at))
            .using(CONN)
    };
    // update_fields with a group column.
    let p = key(1).get().await.unwrap();
    p.update_fields(vec![post::audit.revision.set(5)])
        .using(CONN)
        .await
        .unwrap();
    assert_eq!(key(1).get().await.unwrap().audit.revision, 5);
    // The key columns of a group cannot be assigned.
    let err = p
        .update_fields(vec![post::key.at.set(7)])
        .using(CONN)
        .await
        .unwrap_err();
    assert!(matches!(err, MapperError::InvalidQuery { .. }), "{err}");

    // A blind update through the group's key.
    key(2)
        .update(vec![
            post::audit.author.set("cy"),
            post::title.set("renamed"),
        ])
        .await
        .unwrap();
    let renamed = key(2).get().await.unwrap();
    assert_eq!(
        (renamed.title.as_str(), renamed.audit.author.as_deref()),
        ("renamed", Some("cy"))
    );

    // Tracked changes in a group: one UPDATE of the changed column.
    let from = h.mark();
    let mut tracked = key(3).get_tracked().await.unwrap();
    tracked.audit.revision = 9;
    tracked.audit.author = None;
    assert_eq!(tracked.changed_columns().unwrap(), ["author", "rev"]);
    assert!(tracked.save_with(|w| w.using(CONN)).await.unwrap());
    assert!(!tracked.save_with(|w| w.using(CONN)).await.unwrap());
    let updates = h.sent(from, "UPDATE", "posts");
    assert_eq!(
        updates,
        [format!(
            "UPDATE \"{KS}\".\"posts\" SET \"author\" = ?, \"rev\" = ? WHERE \"blog\" = ? AND \"at\" = ?"
        )]
    );
    let stored = key(3).get().await.unwrap();
    assert_eq!((stored.audit.revision, stored.audit.author), (9, None));

    // A changed key in a group: an INSERT of the new row.
    let mut moved = key(1).get_tracked().await.unwrap();
    moved.key.at = 4;
    assert_eq!(moved.changed_columns().unwrap(), ["at"]);
    moved.save_with(|w| w.using(CONN)).await.unwrap();
    assert_eq!(key(4).get().await.unwrap().title, "post 1");
    assert_eq!(key(1).get().await.unwrap().title, "post 1");
}

async fn partial_selects_use_the_groups_defaults() {
    let filter = || {
        Post::filter(post::key.blog.eq(1))
            .filter(post::key.at.eq(2))
            .using(CONN)
    };
    // `author` and `rev` are not selected: their defaults fill them.
    let partial = filter()
        .only(&["blog", "at", "title", "created"])
        .get()
        .await
        .unwrap();
    assert_eq!(partial.title, "renamed");
    assert_eq!(partial.audit.author, None);
    assert_eq!(partial.audit.revision, 0);
    assert_eq!(partial.audit.created, CqlTimestamp(2000));
    let deferred = filter().defer(&["rev"]).get().await.unwrap();
    assert_eq!(deferred.audit.author.as_deref(), Some("cy"));
    assert_eq!(deferred.audit.revision, 0);
    // `created` has no default: deferring it fails to read.
    let err = filter().defer(&["created"]).get().await.unwrap_err();
    assert!(matches!(err, MapperError::Row { .. }), "{err}");

    let rows = Post::filter(post::key.blog.eq(1))
        .using(CONN)
        .values_list(&["at", "rev"])
        .await
        .unwrap();
    let values: Vec<(i64, i32)> = rows
        .iter()
        .map(|r| (r.get("at").unwrap(), r.get("rev").unwrap()))
        .collect();
    assert_eq!(values, [(4, 5), (3, 9), (2, 1), (1, 5)]);
}

async fn one_group_in_two_models() {
    for id in 1..=3 {
        Comment {
            id,
            body: Some(format!("comment {id}")),
            audit: audit(id.into(), if id == 2 { "bob" } else { "ada" }),
        }
        .save()
        .using(CONN)
        .await
        .unwrap();
    }
    let mut by_ada = Comment::filter(comment::audit.author.eq("ada"))
        .using(CONN)
        .all()
        .await
        .unwrap();
    by_ada.sort_by_key(|c| c.id);
    let ids: Vec<i32> = by_ada.iter().map(|c| c.id).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(by_ada[0].audit, audit(1, "ada"));
    // The same group, other indexes: each model's constants are its own.
    assert_eq!(comment::audit.created.index(), 2);
    assert_eq!(post::audit.created.index(), 3);
    Comment::filter(comment::id.eq(3))
        .using(CONN)
        .delete()
        .await
        .unwrap();
    assert_eq!(Comment::objects().using(CONN).count().await.unwrap(), 2);
    // The other model's rows are untouched: (1, 1), its copy (1, 4), and
    // (2, 1) are ada's.
    assert_eq!(
        Post::filter(post::audit.author.eq("ada"))
            .using(CONN)
            .count()
            .await
            .unwrap(),
        3
    );
}

fn definition_error<T: std::fmt::Debug>(
    result: Result<T, MapperError>,
    model: &str,
    expected: &str,
) {
    match result {
        Err(MapperError::ModelDefinition { model: m, message }) => {
            assert_eq!(m, model);
            assert!(message.contains(expected), "{message}");
        }
        other => panic!("expected a ModelDefinition error, got {other:?}"),
    }
}

async fn definition_errors_at_first_use() {
    let clustering = "first column (at) would be the partition key, but it is a clustering key";
    definition_error(
        sync_table::<NoPartitionKey>(None, Some(CONN)).await,
        "NoPartitionKey",
        clustering,
    );
    definition_error(
        NoPartitionKey::objects().using(CONN).all().await,
        "NoPartitionKey",
        clustering,
    );
    let clash = || Clash {
        id: 1,
        audit: audit(1, "ada"),
        created: None,
    };
    let names = "two fields map to the column created";
    definition_error(clash().save().using(CONN).await, "Clash", names);
    definition_error(
        Clash::filter(clash::created.eq(1))
            .using(CONN)
            .count()
            .await,
        "Clash",
        names,
    );
    let mut batch = cqlengine::BatchQuery::new(cqlengine::BatchType::Logged).using(CONN);
    definition_error(batch.add(clash().save()).await.map(|_| ()), "Clash", names);
    definition_error(sync_table::<Clash>(None, Some(CONN)).await, "Clash", names);
}

fn click(id: i32, author: &str) -> Click {
    Click {
        id,
        kind: 0,
        x: Some(id * 10),
        audit: audit(id.into(), author),
    }
}

fn view(id: i32, author: &str) -> View {
    View {
        id,
        kind: 0,
        audit: audit(id.into(), author),
        page: Some(format!("/page/{id}")),
    }
}

async fn int_discriminator_enum(h: &Harness) {
    let report = sync_table::<Event>(None, Some(CONN)).await.unwrap();
    assert!(report.created);
    assert_eq!(report.created_indexes, ["kind", "author"]);
    let events = h.table(KS, "events");
    assert_eq!(
        events.columns["kind"].ty,
        cqlengine::__private::ColumnType::Int
    );

    click(1, "ada").save().using(CONN).await.unwrap();
    Event::from(click(2, "bob"))
        .save()
        .using(CONN)
        .await
        .unwrap();
    view(3, "ada").save().using(CONN).await.unwrap();
    Event::View(view(4, "cy")).save().using(CONN).await.unwrap();

    // The discriminator is stored as an int.
    let rows = h
        .session
        .query(format!("SELECT id, kind FROM {KS}.events"), ())
        .await
        .unwrap();
    let mut kinds: Vec<(i32, i32)> = rows
        .rows()
        .unwrap()
        .typed::<(i32, i32)>()
        .map(Result::unwrap)
        .collect();
    kinds.sort_unstable();
    assert_eq!(kinds, [(1, 1), (2, 1), (3, 2), (4, 2)]);

    // Each row read as its variant.
    let mut all = Event::objects().using(CONN).all().await.unwrap();
    all.sort_by_key(|e| match e {
        Event::Click(c) => c.id,
        Event::View(v) => v.id,
    });
    let with_kind = |e: Event| match e {
        Event::Click(mut c) => {
            c.kind = 1;
            Event::Click(c)
        }
        Event::View(mut v) => {
            v.kind = 2;
            Event::View(v)
        }
    };
    assert_eq!(
        all,
        [
            with_kind(click(1, "ada").into()),
            with_kind(click(2, "bob").into()),
            with_kind(view(3, "ada").into()),
            with_kind(view(4, "cy").into()),
        ]
    );

    // The variants' query sets keep to their kind, on the server.
    let from = h.mark();
    let mut clicks = Click::objects().using(CONN).all().await.unwrap();
    clicks.sort_by_key(|c| c.id);
    let ids: Vec<i32> = clicks.iter().map(|c| c.id).collect();
    assert_eq!(ids, [1, 2]);
    assert!(clicks.iter().all(|c| c.kind == 1));
    assert_eq!(View::objects().using(CONN).count().await.unwrap(), 2);
    let selects = h.sent(from, "SELECT", "events");
    assert!(
        selects.contains(&format!(
            "SELECT \"id\", \"kind\", \"x\", \"created\", \"author\", \"rev\" \
             FROM \"{KS}\".\"events\" WHERE \"kind\" = ?"
        )),
        "{selects:?}"
    );
    // With a filter on the group's index too: ALLOW FILTERING is added.
    let ada_views = View::filter(view::audit.author.eq("ada"))
        .using(CONN)
        .all()
        .await
        .unwrap();
    assert_eq!(ada_views.len(), 1);
    assert_eq!(ada_views[0].id, 3);
    let err = Click::filter(click::id.eq(3))
        .using(CONN)
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err, MapperError::DoesNotExist { model: "Click" }),
        "{err}"
    );

    // Filters on the enum: its discriminator (an int), the group's columns.
    let views = Event::filter(event::kind.eq(2))
        .using(CONN)
        .all()
        .await
        .unwrap();
    assert_eq!(views.len(), 2);
    assert!(views.iter().all(|e| matches!(e, Event::View(_))));
    let mut by_ada = Event::filter(event::audit.author.eq("ada"))
        .using(CONN)
        .all()
        .await
        .unwrap();
    by_ada.sort_by_key(|e| matches!(e, Event::View(_)));
    assert!(matches!(&by_ada[..], [Event::Click(c), Event::View(v)] if c.id == 1 && v.id == 3));

    // An unknown value is an error naming it, as an int.
    h.session
        .query(
            format!("INSERT INTO {KS}.events (id, kind, created) VALUES (9, 7, 0)"),
            (),
        )
        .await
        .unwrap();
    let err = Event::filter(event::id.eq(9))
        .using(CONN)
        .get()
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown discriminator value 7 for Event (known: 1, 2)"),
        "{err}"
    );
    assert_eq!(Click::objects().using(CONN).count().await.unwrap(), 2);
}

async fn bigint_discriminator_filtered_client_side(h: &Harness) {
    sync_table::<Job>(None, Some(CONN)).await.unwrap();
    for id in 0..4 {
        Build {
            id,
            kind: 0,
            target: Some(format!("t{id}")),
        }
        .save()
        .using(CONN)
        .await
        .unwrap();
        Job::from(Deploy {
            id: 10 + id,
            kind: 0,
            env: Some("prod".into()),
        })
        .save()
        .using(CONN)
        .await
        .unwrap();
    }
    let rows = h
        .session
        .query(format!("SELECT kind FROM {KS}.jobs WHERE id = 10"), ())
        .await
        .unwrap();
    let kind: i64 = rows.first_row().unwrap().get(0).unwrap();
    assert_eq!(kind, 3_000_000_000);

    let from = h.mark();
    let builds = Build::objects().using(CONN).all().await.unwrap();
    assert_eq!(builds.len(), 4);
    assert!(builds.iter().all(|b| b.kind == 10));
    assert_eq!(Deploy::objects().using(CONN).count().await.unwrap(), 4);
    assert_eq!(
        Deploy::objects()
            .using(CONN)
            .limit(3)
            .all()
            .await
            .unwrap()
            .len(),
        3
    );
    // No discriminator condition was sent: the rows were skipped as read.
    let selects = h.sent(from, "SELECT", "jobs");
    assert!(selects.iter().all(|q| !q.contains("WHERE")), "{selects:?}");
    let jobs = Job::objects().using(CONN).all().await.unwrap();
    let deploys = jobs.iter().filter(|j| matches!(j, Job::Deploy(_))).count();
    assert_eq!((jobs.len(), deploys), (8, 4));
    assert!(Build::filter(build::id.eq(10))
        .using(CONN)
        .first()
        .await
        .unwrap()
        .is_none());
}
