//! The driver's throughput and client CPU cost: prepared single-row INSERT
//! and SELECT at 1, 64 and 512 requests in flight, against a one-node
//! in-process test cluster on 127.0.80.1.
//!
//! Each criterion iteration is a batch of [`BATCH`] requests issued with
//! the given concurrency, so the reported throughput is requests/s.
//!
//! The server runs in this process, on its own multi-threaded runtime. The
//! client (the session, its connections' reader and writer tasks, and the
//! requests) runs on a current-thread runtime driven by the benchmark
//! thread itself, so everything the driver does happens on that one thread.
//! Its CPU time per request is that thread's CPU time across the measured
//! batches (warm-up included) over the requests it issued, read from
//! `/proc/thread-self/schedstat` (ns; `/proc/thread-self/stat` ticks if
//! the kernel lacks schedstat), and printed after each benchmark. The
//! server's CPU is not in it. (`scripts/bench-driver` measures whole client
//! processes against an out-of-process cluster instead, side by side with
//! the DataStax Python driver.)

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use cql_driver::cluster::PoolSize;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/driver_workload.rs"]
mod workload;

use fixture::Fixture;
use workload::{CpuSource, Op, Workload};

/// Requests per criterion iteration.
const BATCH: usize = 4_096;
/// Requests in flight.
const CONCURRENCY: [usize; 3] = [1, 64, 512];
/// Connections to the node: 4 × 128 stream ids (protocol v2) lets all 512
/// requests of the highest concurrency be on the wire at once.
const POOL: PoolSize = PoolSize {
    local: 4,
    remote: 0,
};

fn driver(c: &mut Criterion) {
    let fixture = Fixture::start(Ipv4Addr::new(127, 0, 80, 1), POOL, |session| async move {
        Workload::setup(session, "bench")
            .await
            .expect("schema and rows")
    });
    let source = workload::thread_cpu().map(|(_, source)| source);
    for op in Op::ALL {
        let mut group = c.benchmark_group(format!("driver_{}", op.name()));
        // A batch takes up to a few hundred ms: flat sampling keeps the
        // whole run near 40 s.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(4));
        group.throughput(Throughput::Elements(BATCH as u64));
        for concurrency in CONCURRENCY {
            let mut cpu = Duration::ZERO;
            let mut requests = 0usize;
            let mut next = 0usize;
            group.bench_function(format!("concurrency_{concurrency}"), |b| {
                b.iter_custom(|iters| {
                    let cpu_before = workload::thread_cpu();
                    let start = Instant::now();
                    for _ in 0..iters {
                        fixture
                            .client
                            .block_on(fixture.workload.run(op, next, BATCH, concurrency))
                            .expect("requests succeed");
                        next += BATCH;
                    }
                    let elapsed = start.elapsed();
                    if let (Some((before, _)), Some((after, _))) =
                        (cpu_before, workload::thread_cpu())
                    {
                        cpu += after.saturating_sub(before);
                        requests += iters as usize * BATCH;
                    }
                    elapsed
                })
            });
            report_cpu(op, concurrency, cpu, requests, source);
        }
        group.finish();
    }
}

fn report_cpu(
    op: Op,
    concurrency: usize,
    cpu: Duration,
    requests: usize,
    source: Option<CpuSource>,
) {
    let name = format!("driver_{}/concurrency_{concurrency}", op.name());
    match source {
        Some(source) if requests > 0 => {
            let how = match source {
                CpuSource::Schedstat => "/proc/thread-self/schedstat",
                CpuSource::StatTicks => "/proc/thread-self/stat, 10 ms ticks",
            };
            println!(
                "{name:<40} client CPU {:>8.2} µs/request ({requests} requests, \
                 {:.3} s on the client thread; {how})",
                cpu.as_secs_f64() * 1e6 / requests as f64,
                cpu.as_secs_f64(),
            );
        }
        _ => println!("{name:<40} client CPU: not measured (no /proc/thread-self)"),
    }
}

criterion_group!(benches, driver);
criterion_main!(benches);
