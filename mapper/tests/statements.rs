//! Statement texts reused by query shape: a model SELECT's text is built
//! and checked once per shape (filters' columns, operators and markers,
//! order, limit, flags), then taken from the cache. These check that
//! equal shapes with other values read the right rows, that every part of
//! the shape tells texts apart, and that a refused shape stays refused.
//! One node at 127.0.126.1.

use std::net::Ipv4Addr;

mod support;

use cqlengine::management::{create_keyspace_simple, sync_table};
use cqlengine::prelude::*;
use cqlengine::{ClusteringOrder, MapperError};
use support::Harness;

const CONN: &str = "statements";
const KS: &str = "shapes_ks";

#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "points")]
struct Point {
    #[cql(partition_key)]
    series: i32,
    #[cql(clustering_key)]
    at: i32,
    value: i64,
    note: Option<String>,
}

fn point(series: i32, at: i32) -> Point {
    Point {
        series,
        at,
        value: i64::from(series * 100 + at),
        note: None,
    }
}

#[tokio::test]
async fn statement_texts_are_reused_by_shape() {
    let h = Harness::start(Ipv4Addr::new(127, 0, 126, 1), CONN, KS).await;
    create_keyspace_simple(KS, 1, true, Some(CONN))
        .await
        .expect("keyspace");
    sync_table::<Point>(None, Some(CONN)).await.expect("table");
    for series in 1..=2 {
        for at in 1..=4 {
            point(series, at).save().using(CONN).await.expect("insert");
        }
    }
    let by_key = |series: i32, at: i32| {
        Point::filter(point::series.eq(series))
            .filter(point::at.eq(at))
            .using(CONN)
    };

    // One shape, other values: the right row every time, one text.
    let mark = h.mark();
    for (series, at) in [(1, 1), (2, 3), (1, 4), (2, 2)] {
        assert_eq!(by_key(series, at).get().await.unwrap(), point(series, at));
    }
    let sent = h.sent(mark, "SELECT", "points");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].ends_with("WHERE \"series\" = ? AND \"at\" = ? LIMIT 2"),
        "{}",
        sent[0]
    );

    // IN with two, then three markers: two shapes, two texts.
    let mark = h.mark();
    let some = |ats: &[i32]| {
        Point::filter(point::series.eq(2))
            .filter(point::at.in_(ats.iter().copied()))
            .using(CONN)
    };
    let two: Vec<i32> = some(&[1, 3])
        .all()
        .await
        .unwrap()
        .iter()
        .map(|p| p.at)
        .collect();
    let three: Vec<i32> = some(&[1, 2, 4])
        .all()
        .await
        .unwrap()
        .iter()
        .map(|p| p.at)
        .collect();
    let again: Vec<i32> = some(&[2, 4])
        .all()
        .await
        .unwrap()
        .iter()
        .map(|p| p.at)
        .collect();
    assert_eq!((two, three, again), (vec![1, 3], vec![1, 2, 4], vec![2, 4]));
    let sent = h.sent(mark, "SELECT", "points");
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[0].contains("IN (?, ?)") && sent[1].contains("IN (?, ?, ?)"),
        "{sent:?}"
    );

    // The operator, the order and the limit are parts of the shape.
    let mark = h.mark();
    let range = |op_gt: bool, desc: bool, limit: Option<u32>| {
        let at = if op_gt {
            point::at.gt(2)
        } else {
            point::at.lte(2)
        };
        let mut query = Point::filter(point::series.eq(1)).filter(at).using(CONN);
        if desc {
            query = query.order_by(point::at, ClusteringOrder::Desc);
        }
        if let Some(limit) = limit {
            query = query.limit(limit);
        }
        query
    };
    let ats = |points: Vec<Point>| points.iter().map(|p| p.at).collect::<Vec<_>>();
    assert_eq!(ats(range(true, false, None).all().await.unwrap()), [3, 4]);
    assert_eq!(ats(range(false, false, None).all().await.unwrap()), [1, 2]);
    assert_eq!(ats(range(true, true, None).all().await.unwrap()), [4, 3]);
    assert_eq!(ats(range(true, true, Some(1)).all().await.unwrap()), [4]);
    assert_eq!(ats(range(true, true, Some(1)).all().await.unwrap()), [4]);
    let sent = h.sent(mark, "SELECT", "points");
    assert_eq!(sent.len(), 4, "{sent:?}");

    // A refused shape is refused every time, before anything is sent.
    let mark = h.mark();
    for _ in 0..2 {
        let refused = Point::filter(point::value.eq(101)).using(CONN).all().await;
        match refused {
            Err(MapperError::InvalidQuery { message, .. }) => {
                assert!(message.contains("value"), "{message}")
            }
            other => panic!("expected InvalidQuery, got {other:?}"),
        }
    }
    assert!(h.sent(mark, "SELECT", "points").is_empty());
}
