//! The mapper workload shared by `benches/mapper.rs` and
//! `examples/mapper_load.rs` (and mirrored by `python/bench/mapper_load.py`):
//! a ten-column model ([`Reading`]: partition key, clustering key and eight
//! regular columns of mixed types), [`KEYS`] rows of it, and two operations
//! done two ways on the same session:
//!
//! - through the mapper: `reading.save()` and
//!   `Reading::filter(pk = ?).filter(ck = ?).get()`;
//! - as raw prepared statements on the driver, with the same CQL text the
//!   mapper sends (so the server does the same work either way) and the
//!   same values, each SELECT decoded into the same [`Reading`].
//!
//! The difference between the two is the mapper's client-side cost.

#![allow(dead_code)]

use std::collections::BTreeSet;

use cql_driver::{PreparedStatement, Session};
use cql_protocol::value::CqlTimestamp;
use cqlengine::management::{create_keyspace_simple, sync_table};
use cqlengine::prelude::*;
use cqlengine::{MapperError, Model};
use futures_util::StreamExt;
use uuid::Uuid;

/// Rows written in setup; request `i` uses row `i % KEYS`.
pub const KEYS: usize = 1_000;

/// Partitions of the table: row `i` is in partition `i % PARTITIONS`,
/// clustering key `i / PARTITIONS`.
pub const PARTITIONS: usize = 100;

/// The benchmark model: every column type the mapper issue names.
#[derive(Model, Debug, Clone, PartialEq)]
#[cql(table = "readings")]
pub struct Reading {
    #[cql(partition_key)]
    pub pk: i32,
    #[cql(clustering_key)]
    pub ck: i32,
    pub name: String,
    pub total: i64,
    pub score: f64,
    pub active: bool,
    pub ref_id: Uuid,
    pub payload: Vec<u8>,
    pub seen_at: CqlTimestamp,
    pub tags: Option<BTreeSet<String>>,
}

/// The row's columns, in schema order, as the driver decodes them.
type Tuple = (
    i32,
    i32,
    String,
    i64,
    f64,
    bool,
    Uuid,
    Vec<u8>,
    CqlTimestamp,
    Option<BTreeSet<String>>,
);

/// The two operations measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A single-row INSERT of all ten columns.
    Insert,
    /// A single-row SELECT by the whole primary key.
    Select,
}

impl Op {
    /// Both, in the order they are run (SELECT reads what setup wrote).
    pub const ALL: [Op; 2] = [Op::Insert, Op::Select];

    /// `insert` or `select`.
    pub fn name(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Select => "select",
        }
    }
}

/// Who issues the requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// Raw prepared statements on the driver.
    Driver,
    /// The cqlengine mapper.
    Mapper,
}

impl Client {
    /// Driver first, as the baseline.
    pub const ALL: [Client; 2] = [Client::Driver, Client::Mapper];

    /// `driver` or `mapper`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Driver => "driver",
            Client::Mapper => "mapper",
        }
    }
}

/// Row `id` of the table (`id < KEYS`). Its values depend only on `id`, so
/// the Python script builds the same rows.
pub fn row(id: usize) -> Reading {
    Reading {
        pk: (id % PARTITIONS) as i32,
        ck: (id / PARTITIONS) as i32,
        name: format!("reading {id:05}"),
        total: id as i64 * 1_000_003,
        score: id as f64 * 0.25,
        active: id % 2 == 0,
        ref_id: Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0000 | id as u128),
        payload: (0..64).map(|b| (b * 7 + id) as u8).collect(),
        seen_at: CqlTimestamp::from_millis(1_400_000_000_000 + id as i64),
        tags: Some(BTreeSet::from([
            format!("tag{}", id % 7),
            format!("tag{}", id % 11 + 7),
        ])),
    }
}

/// The session, the driver's prepared statements and the [`KEYS`] rows.
pub struct Workload {
    /// The session, also registered as the mapper's default connection.
    pub session: Session,
    insert: PreparedStatement,
    select: PreparedStatement,
    rows: Vec<Reading>,
}

impl Workload {
    /// Registers `session` as the mapper's default connection with
    /// `keyspace`, creates the keyspace and the table with the mapper's
    /// management functions, prepares the driver's statements and writes
    /// the [`KEYS`] rows (through the driver).
    pub async fn setup(session: Session, keyspace: &str) -> Result<Self, MapperError> {
        cqlengine::connection::register_session("default", session.clone(), Some(keyspace), true);
        create_keyspace_simple(keyspace, 1, true, None).await?;
        sync_table::<Reading>(None, None).await?;
        let schema = Reading::schema();
        let table = schema.qualified_name(keyspace);
        let names: Vec<String> = schema
            .columns
            .iter()
            .map(|c| cqlengine::schema::quote(c.name))
            .collect();
        // Exactly the text the mapper builds (every column is set in every
        // row, so its INSERT names all ten), so both clients share the
        // server's work and the driver's prepared-statement cache entry.
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        );
        let select = format!(
            "SELECT {} FROM {table} WHERE \"pk\" = ? AND \"ck\" = ? LIMIT 2",
            names.join(", ")
        );
        let workload = Workload {
            insert: session.prepare(insert).await?,
            select: session.prepare(select).await?,
            session,
            rows: (0..KEYS).map(row).collect(),
        };
        workload
            .run(Client::Driver, Op::Insert, 0, KEYS, 64)
            .await?;
        Ok(workload)
    }

    /// One request: number `i` of `op` by `client`. Every SELECT result is
    /// read into an owned [`Reading`] and checked.
    async fn request(&self, client: Client, op: Op, i: usize) -> Result<(), MapperError> {
        let row = &self.rows[i % KEYS];
        match (client, op) {
            (Client::Driver, Op::Insert) => {
                let values = (
                    row.pk,
                    row.ck,
                    &row.name,
                    row.total,
                    row.score,
                    row.active,
                    row.ref_id,
                    &row.payload,
                    row.seen_at,
                    &row.tags,
                );
                self.session.execute(&self.insert, values).await?;
            }
            (Client::Mapper, Op::Insert) => row.save().await?,
            (Client::Driver, Op::Select) => {
                let result = self.session.execute(&self.select, (row.pk, row.ck)).await?;
                let t: Tuple = result
                    .first_row_typed()
                    .map_err(|source| MapperError::Row {
                        model: "Reading",
                        source,
                    })?;
                let got = Reading {
                    pk: t.0,
                    ck: t.1,
                    name: t.2,
                    total: t.3,
                    score: t.4,
                    active: t.5,
                    ref_id: t.6,
                    payload: t.7,
                    seen_at: t.8,
                    tags: t.9,
                };
                assert_eq!(&got, row, "SELECT returned the wrong row");
            }
            (Client::Mapper, Op::Select) => {
                let got = Reading::filter(reading::pk.eq(row.pk))
                    .filter(reading::ck.eq(row.ck))
                    .get()
                    .await?;
                assert_eq!(&got, row, "SELECT returned the wrong row");
            }
        }
        Ok(())
    }

    /// Runs requests `start .. start + count` of `op` by `client` with at
    /// most `concurrency` in flight, all polled from the calling task.
    pub async fn run(
        &self,
        client: Client,
        op: Op,
        start: usize,
        count: usize,
        concurrency: usize,
    ) -> Result<(), MapperError> {
        let mut requests = futures_util::stream::iter(start..start + count)
            .map(|i| self.request(client, op, i))
            .buffer_unordered(concurrency.max(1));
        while let Some(result) = requests.next().await {
            result?;
        }
        Ok(())
    }
}
