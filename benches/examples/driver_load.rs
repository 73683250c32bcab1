//! The driver workload against an already running cluster, for the
//! side-by-side comparison with the DataStax Python driver
//! (`scripts/bench-driver`, `python/bench/driver_load.py`).
//!
//! For each operation (prepared INSERT, then prepared SELECT) and each
//! concurrency, after an unmeasured warm-up, runs `--requests` requests or
//! for `--seconds`, whichever ends first, and prints one line:
//!
//! ```text
//! DRIVER_LOAD client=rust-current op=insert concurrency=64 requests=... seconds=...
//!     ops_per_s=... cpu_seconds=... cpu_us_per_request=...
//! ```
//!
//! CPU time is the whole process's user + system time from
//! `/proc/self/stat` (10 ms ticks), read as the Python script reads it. The
//! cluster is another process, so none of its work is counted.
//!
//! ```text
//! cargo run --release -p cql-benches --example driver_load -- \
//!     --host 127.0.81.1 --port 9042 [--runtime current|multi] \
//!     [--keyspace K] [--requests 50000] [--seconds 10] [--warmup 2000] \
//!     [--concurrency 1,64] [--ops insert,select]
//! ```
//!
//! `--runtime current` (the default) runs the whole client on one
//! current-thread tokio runtime; `multi` on a multi-threaded runtime with
//! one worker per CPU, as `#[tokio::main]` would.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cql_driver::Session;
use tokio::time::timeout_at;

#[path = "../benches/support/driver_workload.rs"]
mod workload;

use workload::{Op, Workload};

/// Requests per chunk of a time-bounded case: the deadline is checked
/// between chunks.
const CHUNK: usize = 1_000;

struct Options {
    host: String,
    port: u16,
    runtime: String,
    keyspace: Option<String>,
    requests: usize,
    seconds: f64,
    warmup: usize,
    concurrency: Vec<usize>,
    ops: Vec<Op>,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.81.1".into(),
        port: 9042,
        runtime: "current".into(),
        keyspace: None,
        requests: 50_000,
        seconds: 10.0,
        warmup: 2_000,
        concurrency: vec![1, 64],
        ops: Op::ALL.to_vec(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let bad = |v: &str| format!("{flag}: invalid value {v:?}");
        match flag.as_str() {
            "--host" => options.host = value()?,
            "--port" => {
                let v = value()?;
                options.port = v.parse().map_err(|_| bad(&v))?;
            }
            "--runtime" => {
                options.runtime = value()?;
                if !matches!(options.runtime.as_str(), "current" | "multi") {
                    return Err(bad(&options.runtime));
                }
            }
            "--keyspace" => options.keyspace = Some(value()?),
            "--requests" => {
                let v = value()?;
                options.requests = v.parse().map_err(|_| bad(&v))?;
            }
            "--seconds" => {
                let v = value()?;
                options.seconds = v.parse().map_err(|_| bad(&v))?;
            }
            "--warmup" => {
                let v = value()?;
                options.warmup = v.parse().map_err(|_| bad(&v))?;
            }
            "--concurrency" => {
                let v = value()?;
                options.concurrency = v
                    .split(',')
                    .map(|c| c.parse().ok().filter(|&c| c > 0))
                    .collect::<Option<_>>()
                    .ok_or_else(|| bad(&v))?;
            }
            "--ops" => {
                let v = value()?;
                options.ops = v
                    .split(',')
                    .map(|op| Op::ALL.into_iter().find(|o| o.name() == op))
                    .collect::<Option<_>>()
                    .ok_or_else(|| bad(&v))?;
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
            .run(op, *next, chunk, concurrency)
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
    let client = format!("rust-{}", options.runtime);
    let keyspace = options
        .keyspace
        .clone()
        .unwrap_or_else(|| format!("driver_bench_rust_{}", options.runtime));
    let workload = Workload::setup(session, &keyspace)
        .await
        .expect("schema and rows");
    let mut next = 0;
    let limit = Duration::from_secs_f64(options.seconds);
    for &op in &options.ops {
        for &concurrency in &options.concurrency {
            let warm = Instant::now() + limit.min(Duration::from_secs(5));
            bounded(&workload, op, &mut next, options.warmup, concurrency, warm).await;
            let timer = workload::CaseTimer::start();
            let deadline = Instant::now() + limit;
            let done = bounded(
                &workload,
                op,
                &mut next,
                options.requests,
                concurrency,
                deadline,
            )
            .await;
            timer.report("DRIVER_LOAD", &client, op.name(), concurrency, done);
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
            eprintln!("driver_load: {message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = if options.runtime == "multi" {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = builder.enable_all().build().expect("tokio runtime");
    runtime.block_on(load(&options));
    ExitCode::SUCCESS
}
