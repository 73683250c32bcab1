//! The mapper workload against an already running cluster, for the
//! side-by-side comparison with Python cqlengine (`scripts/bench-mapper`,
//! `python/bench/mapper_load.py`); the mapper's counterpart of
//! `driver_load.rs`, with the same options and output.
//!
//! For each operation (INSERT of a ten-column model with `save()`, then
//! SELECT of one by primary key with `filter(..).get()`) and each
//! concurrency, after an unmeasured warm-up, runs `--requests` requests or
//! for `--seconds`, whichever ends first, and prints one line:
//!
//! ```text
//! MAPPER_LOAD client=rust-mapper op=insert concurrency=64 requests=... seconds=...
//!     ops_per_s=... cpu_seconds=... cpu_us_per_request=...
//! ```
//!
//! CPU time is the whole process's user + system time from
//! `/proc/self/stat` (10 ms ticks), read as the Python script reads it.
//! `--clients mapper,driver` also runs the same requests as raw prepared
//! statements on the driver (`client=rust-driver`). The client runs on one
//! current-thread tokio runtime.
//!
//! ```text
//! cargo run --release -p cql-benches --example mapper_load -- \
//!     --host 127.0.111.1 --port 9042 [--keyspace K] [--requests 20000] \
//!     [--seconds 8] [--warmup 1000] [--concurrency 1,64] \
//!     [--ops insert,select] [--clients mapper]
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cql_driver::Session;
use tokio::time::timeout_at;

#[path = "../benches/support/driver_workload.rs"]
mod driver_workload;
#[path = "../benches/support/mapper_workload.rs"]
mod workload;

use workload::{Client, Op, Workload};

/// Requests per chunk of a time-bounded case: the deadline is checked
/// between chunks.
const CHUNK: usize = 500;

struct Options {
    host: String,
    port: u16,
    keyspace: String,
    requests: usize,
    seconds: f64,
    warmup: usize,
    concurrency: Vec<usize>,
    ops: Vec<Op>,
    clients: Vec<Client>,
}

/// Parses a comma-separated list with `item`.
fn list<T>(v: &str, item: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    v.split(',').map(item).collect()
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.111.1".into(),
        port: 9042,
        keyspace: "mapper_bench_rust".into(),
        requests: 20_000,
        seconds: 8.0,
        warmup: 1_000,
        concurrency: vec![1, 64],
        ops: Op::ALL.to_vec(),
        clients: vec![Client::Mapper],
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let v = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .as_str();
        let bad = || format!("{flag}: invalid value {v:?}");
        match flag.as_str() {
            "--host" => options.host = v.into(),
            "--port" => options.port = v.parse().map_err(|_| bad())?,
            "--keyspace" => options.keyspace = v.into(),
            "--requests" => options.requests = v.parse().map_err(|_| bad())?,
            "--seconds" => options.seconds = v.parse().map_err(|_| bad())?,
            "--warmup" => options.warmup = v.parse().map_err(|_| bad())?,
            "--concurrency" => {
                options.concurrency =
                    list(v, |c| c.parse().ok().filter(|&c| c > 0)).ok_or_else(bad)?;
            }
            "--ops" => {
                options.ops =
                    list(v, |o| Op::ALL.into_iter().find(|op| op.name() == o)).ok_or_else(bad)?;
            }
            "--clients" => {
                options.clients =
                    list(v, |c| Client::ALL.into_iter().find(|x| x.name() == c)).ok_or_else(bad)?;
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(options)
}

/// Runs up to `count` requests, in chunks, until `deadline`; returns how
/// many ran.
async fn bounded(
    workload: &Workload,
    client: Client,
    op: Op,
    next: &mut usize,
    count: usize,
    concurrency: usize,
    deadline: Instant,
) -> usize {
    let mut done = 0;
    while done < count && Instant::now() < deadline {
        let chunk = CHUNK.max(concurrency).min(count - done);
        workload
            .run(client, op, *next, chunk, concurrency)
            .await
            .unwrap_or_else(|e| panic!("{} requests fail: {e}", op.name()));
        *next += chunk;
        done += chunk;
    }
    done
}

async fn load(options: &Options) {
    let session = Session::builder()
        .contact_point(options.host.clone())
        .port(options.port)
        .request_timeout(Duration::from_secs(30))
        .build()
        .await
        .expect("session connects");
    let workload = Workload::setup(session, &options.keyspace)
        .await
        .expect("schema and rows");
    let mut next = 0;
    let limit = Duration::from_secs_f64(options.seconds);
    for &op in &options.ops {
        for &concurrency in &options.concurrency {
            for &client in &options.clients {
                let warm = Instant::now() + limit.min(Duration::from_secs(2));
                let warmup = options.warmup;
                bounded(&workload, client, op, &mut next, warmup, concurrency, warm).await;
                let timer = driver_workload::CaseTimer::start();
                let deadline = Instant::now() + limit;
                let done = bounded(
                    &workload,
                    client,
                    op,
                    &mut next,
                    options.requests,
                    concurrency,
                    deadline,
                )
                .await;
                let name = format!("rust-{}", client.name());
                timer.report("MAPPER_LOAD", &name, op.name(), concurrency, done);
            }
        }
    }
    // Bounded, so that a stuck shutdown cannot hang the script.
    let _ = timeout_at(
        tokio::time::Instant::now() + Duration::from_secs(5),
        workload.session.shutdown(),
    )
    .await;
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("mapper_load: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(load(&options));
    ExitCode::SUCCESS
}
