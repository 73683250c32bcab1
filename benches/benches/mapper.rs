//! The mapper's overhead over the driver: a single-row INSERT of a
//! ten-column model and a SELECT of it by primary key, through cqlengine
//! (`save()`, `filter(..).get()`) and as raw prepared statements on the
//! driver (same CQL text, same values, same session), side by side in one
//! criterion group per operation, at 1 and 64 requests in flight, against
//! a one-node in-process test cluster on 127.0.110.1.
//!
//! Each criterion iteration is a batch of [`BATCH`] requests, so the
//! reported throughput is requests/s. The setup is that of
//! `benches/driver.rs`: the server on its own multi-threaded runtime, the
//! client on a current-thread runtime driven by the benchmark thread, whose
//! CPU time (`/proc/thread-self/schedstat`) is the client's.
//!
//! The overhead itself comes from a paired run after each driver/mapper
//! pair: [`ROUNDS`] rounds of one batch by each client, in alternating
//! order, so that drift on a shared machine (other jobs, frequency) falls
//! on both alike; two criterion runs one after the other differed by more
//! than the overhead being measured. It prints the mean wall time and
//! client CPU per request of both and the mapper/driver ratios (the target
//! is at most 1.10), with the lowest and highest per-round CPU ratios.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use cql_driver::cluster::PoolSize;
use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};

#[path = "support/driver_workload.rs"]
mod driver_workload;
#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/mapper_workload.rs"]
mod workload;

use driver_workload::thread_cpu;
use fixture::Fixture;
use workload::{Client, Op, Workload};

/// Requests per criterion iteration.
const BATCH: usize = 2_048;
/// Rounds of the paired measurement (each: one batch per client).
const ROUNDS: usize = 16;
/// Requests in flight.
const CONCURRENCY: [usize; 2] = [1, 64];
/// One connection: 128 stream ids (protocol v2) hold all 64 requests.
const POOL: PoolSize = PoolSize {
    local: 1,
    remote: 0,
};

/// Wall and client CPU time over the requests of one benchmark.
#[derive(Default, Clone, Copy)]
struct Totals {
    wall: Duration,
    cpu: Duration,
    requests: usize,
}

impl Totals {
    fn wall_us(&self) -> f64 {
        self.wall.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }

    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }
}

fn mapper(c: &mut Criterion) {
    let fixture = Fixture::start(Ipv4Addr::new(127, 0, 110, 1), POOL, |session| async move {
        Workload::setup(session, "mapper_bench")
            .await
            .expect("schema and rows")
    });
    let mut next = 0usize;
    for op in Op::ALL {
        let mut group = c.benchmark_group(format!("mapper_{}", op.name()));
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(1_500));
        group.measurement_time(Duration::from_secs(3));
        group.throughput(Throughput::Elements(BATCH as u64));
        for concurrency in CONCURRENCY {
            for client in Client::ALL {
                let name = format!("{}/concurrency_{concurrency}", client.name());
                group.bench_function(name, |b| {
                    b.iter_custom(|iters| {
                        let start = Instant::now();
                        for _ in 0..iters {
                            run_batch(&fixture, client, op, &mut next, concurrency);
                        }
                        start.elapsed()
                    })
                });
            }
            let (totals, per_round) = paired(&fixture, op, concurrency, &mut next);
            report(op, concurrency, &totals, &per_round);
        }
        group.finish();
    }
}

/// One batch of requests by `client`.
fn run_batch(
    fixture: &Fixture<Workload>,
    client: Client,
    op: Op,
    next: &mut usize,
    concurrency: usize,
) {
    fixture
        .client
        .block_on(fixture.workload.run(client, op, *next, BATCH, concurrency))
        .expect("requests succeed");
    *next += BATCH;
}

/// [`ROUNDS`] rounds of one batch per client, the order alternating:
/// each client's totals, and each round's mapper/driver CPU ratio.
fn paired(
    fixture: &Fixture<Workload>,
    op: Op,
    concurrency: usize,
    next: &mut usize,
) -> ([Totals; 2], Vec<f64>) {
    let mut totals = [Totals::default(); 2];
    let mut per_round = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let mut order = Client::ALL;
        if round % 2 == 1 {
            order.reverse();
        }
        let mut cpu = [Duration::ZERO; 2];
        for client in order {
            let slot = usize::from(client == Client::Mapper);
            let cpu_before = thread_cpu();
            let start = Instant::now();
            run_batch(fixture, client, op, next, concurrency);
            totals[slot].wall += start.elapsed();
            if let (Some((before, _)), Some((after, _))) = (cpu_before, thread_cpu()) {
                cpu[slot] = after.saturating_sub(before);
                totals[slot].cpu += cpu[slot];
            }
            totals[slot].requests += BATCH;
        }
        if !cpu[0].is_zero() {
            per_round.push(cpu[1].as_secs_f64() / cpu[0].as_secs_f64());
        }
    }
    (totals, per_round)
}

fn report(op: Op, concurrency: usize, totals: &[Totals; 2], per_round: &[f64]) {
    let [driver, mapper] = totals;
    let cpu = if driver.cpu.is_zero() {
        "client CPU not measured (no /proc/thread-self)".to_string()
    } else {
        let low = per_round.iter().copied().fold(f64::INFINITY, f64::min);
        let high = per_round.iter().copied().fold(0.0, f64::max);
        format!(
            "client CPU {:.2} vs {:.2} µs/request, ratio {:.3} (rounds {low:.3}..{high:.3})",
            mapper.cpu_us(),
            driver.cpu_us(),
            mapper.cpu_us() / driver.cpu_us()
        )
    };
    println!(
        "MAPPER_OVERHEAD op={} concurrency={concurrency}: mapper/driver wall {:.2} vs {:.2} \
         µs/request, ratio {:.3}; {cpu} ({ROUNDS} paired rounds of {BATCH} requests)",
        op.name(),
        mapper.wall_us(),
        driver.wall_us(),
        mapper.wall_us() / driver.wall_us(),
    );
}

criterion_group!(benches, mapper);
criterion_main!(benches);
