//! The driver workload shared by `benches/driver.rs` and
//! `examples/driver_load.rs` (and mirrored by `python/bench/driver_load.py`):
//! a table of [`KEYS`] users, a prepared single-row INSERT and a prepared
//! single-row SELECT, issued with a fixed number of requests in flight.
//!
//! CPU time is read from procfs, never from libc (the workspace forbids
//! unsafe code): [`thread_cpu`] is the calling thread's on-CPU time,
//! [`process_cpu`] the whole process's user + system time.

#![allow(dead_code)]

use std::time::Duration;

use cql_driver::{PreparedStatement, QueryError, Session};
use futures_util::StreamExt;

/// Rows written in setup; requests for key `i` use row `i % KEYS`.
pub const KEYS: usize = 1_000;

/// The prepared INSERT (all four columns).
pub const INSERT: &str = "INSERT INTO users (id, name, email, visits) VALUES (?, ?, ?, ?)";
/// The prepared SELECT of one row by its partition key.
pub const SELECT: &str = "SELECT id, name, email, visits FROM users WHERE id = ?";

/// The two operations measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A prepared single-row INSERT.
    Insert,
    /// A prepared single-row SELECT by partition key.
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

/// The values of row `id`, built once so that the measured loop does not
/// format strings (the Python script precomputes them the same way).
pub struct Rows {
    text: Vec<(String, String)>,
}

impl Rows {
    /// The [`KEYS`] rows.
    pub fn new() -> Self {
        Rows {
            text: (0..KEYS)
                .map(|id| (format!("user {id:05}"), format!("user{id:05}@example.com")))
                .collect(),
        }
    }

    /// INSERT values for request `i`.
    pub fn insert(&self, i: usize) -> (i32, &str, &str, i64) {
        let id = i % KEYS;
        let (name, email) = &self.text[id];
        (id as i32, name, email, id as i64)
    }
}

impl Default for Rows {
    fn default() -> Self {
        Rows::new()
    }
}

/// A session with the workload's keyspace, prepared statements and row
/// values.
pub struct Workload {
    /// The session, switched to the workload's keyspace.
    pub session: Session,
    insert: PreparedStatement,
    select: PreparedStatement,
    rows: Rows,
}

impl Workload {
    /// Creates keyspace `keyspace` (replication factor 1) and its `users`
    /// table, switches `session` to it, prepares both statements and
    /// writes the [`KEYS`] rows.
    pub async fn setup(session: Session, keyspace: &str) -> Result<Self, QueryError> {
        session
            .query(
                format!(
                    "CREATE KEYSPACE {keyspace} WITH replication = \
                     {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
                ),
                (),
            )
            .await?;
        session.use_keyspace(keyspace).await?;
        session
            .query(
                "CREATE TABLE users (id int PRIMARY KEY, name text, email text, visits bigint)",
                (),
            )
            .await?;
        let workload = Workload {
            insert: session.prepare(INSERT).await?,
            select: session.prepare(SELECT).await?,
            session,
            rows: Rows::new(),
        };
        workload.run(Op::Insert, 0, KEYS, 64).await?;
        Ok(workload)
    }

    /// Runs requests `start .. start + count` of `op` with at most
    /// `concurrency` in flight, all polled from the calling task. Every
    /// SELECT result is decoded into an owned tuple and checked, as the
    /// Python driver decodes every row it receives.
    pub async fn run(
        &self,
        op: Op,
        start: usize,
        count: usize,
        concurrency: usize,
    ) -> Result<(), QueryError> {
        let mut requests = futures_util::stream::iter(start..start + count)
            .map(|i| async move {
                match op {
                    Op::Insert => {
                        self.session
                            .execute(&self.insert, self.rows.insert(i))
                            .await?;
                    }
                    Op::Select => {
                        let id = (i % KEYS) as i32;
                        let result = self.session.execute(&self.select, (id,)).await?;
                        let row: (i32, String, String, i64) = result
                            .first_row_typed()
                            .unwrap_or_else(|e| panic!("SELECT of row {id}: {e}"));
                        assert_eq!(row.0, id, "SELECT returned the wrong row");
                    }
                }
                Ok::<(), QueryError>(())
            })
            .buffer_unordered(concurrency.max(1));
        while let Some(result) = requests.next().await {
            result?;
        }
        Ok(())
    }
}

/// The `/proc/<pid>/stat` clock tick (USER_HZ): 100 on every Linux
/// architecture's user-space ABI.
const USER_HZ: u64 = 100;

/// utime + stime (fields 14 and 15) of a `/proc/.../stat` file. The second
/// field (the command name) may hold spaces, so fields are counted from
/// after its closing parenthesis.
fn stat_cpu(path: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(path).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    // `rest` starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_nanos(ticks * 1_000_000_000 / USER_HZ))
}

/// How a CPU time was read, for the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuSource {
    /// `/proc/thread-self/schedstat`: nanoseconds on CPU.
    Schedstat,
    /// utime + stime from a `/proc/.../stat` file: 10 ms ticks.
    StatTicks,
}

/// The calling thread's CPU time: `/proc/thread-self/schedstat` (ns; the
/// first field is the time spent on a CPU) where the kernel has schedstat,
/// else utime + stime of `/proc/thread-self/stat` (10 ms ticks).
pub fn thread_cpu() -> Option<(Duration, CpuSource)> {
    if let Ok(text) = std::fs::read_to_string("/proc/thread-self/schedstat") {
        if let Some(ns) = text
            .split_ascii_whitespace()
            .next()
            .and_then(|f| f.parse().ok())
        {
            return Some((Duration::from_nanos(ns), CpuSource::Schedstat));
        }
    }
    stat_cpu("/proc/thread-self/stat").map(|d| (d, CpuSource::StatTicks))
}

/// The whole process's user + system CPU time, from `/proc/self/stat`
/// (10 ms ticks; every thread, live or exited, is counted).
pub fn process_cpu() -> Option<Duration> {
    stat_cpu("/proc/self/stat")
}

/// A measured case of a load client: wall time and whole-process CPU from
/// [`CaseTimer::start`] to [`CaseTimer::report`].
pub struct CaseTimer {
    start: std::time::Instant,
    cpu: Duration,
}

impl CaseTimer {
    /// Starts measuring.
    pub fn start() -> Self {
        CaseTimer {
            cpu: process_cpu().expect("/proc/self/stat"),
            start: std::time::Instant::now(),
        }
    }

    /// Prints the machine-readable result line the bench scripts read:
    /// `<TAG> client=.. op=.. concurrency=.. requests=.. seconds=..
    /// ops_per_s=.. cpu_seconds=.. cpu_us_per_request=..`.
    pub fn report(self, tag: &str, client: &str, op: &str, concurrency: usize, done: usize) {
        let seconds = self.start.elapsed().as_secs_f64();
        let cpu = (process_cpu().expect("/proc/self/stat") - self.cpu).as_secs_f64();
        println!(
            "{tag} client={client} op={op} concurrency={concurrency} requests={done} \
             seconds={seconds:.3} ops_per_s={:.1} cpu_seconds={cpu:.3} \
             cpu_us_per_request={:.2}",
            done as f64 / seconds,
            cpu * 1e6 / done as f64,
        );
    }
}
