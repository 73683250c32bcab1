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
//! CPU time (`/proc/thread-self/schedstat`) is the client's. After each
//! driver/mapper pair it prints the mean wall time and client CPU per
//! request of both (measured and warm-up batches alike) and the
//! mapper/driver ratios: the mapper's overhead (the target is at most
//! 1.10).

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
            let mut totals = [Totals::default(); 2];
            for (client, totals) in Client::ALL.into_iter().zip(&mut totals) {
                let name = format!("{}/concurrency_{concurrency}", client.name());
                group.bench_function(name, |b| {
                    b.iter_custom(|iters| {
                        let cpu_before = thread_cpu();
                        let start = Instant::now();
                        for _ in 0..iters {
                            fixture
                                .client
                                .block_on(fixture.workload.run(
                                    client,
                                    op,
                                    next,
                                    BATCH,
                                    concurrency,
                                ))
                                .expect("requests succeed");
                            next += BATCH;
                        }
                        let elapsed = start.elapsed();
                        if let (Some((before, _)), Some((after, _))) = (cpu_before, thread_cpu()) {
                            totals.cpu += after.saturating_sub(before);
                        }
                        totals.wall += elapsed;
                        totals.requests += iters as usize * BATCH;
                        elapsed
                    })
                });
            }
            report(op, concurrency, &totals);
        }
        group.finish();
    }
}

fn report(op: Op, concurrency: usize, totals: &[Totals; 2]) {
    let [driver, mapper] = totals;
    let cpu = if driver.cpu.is_zero() {
        "client CPU not measured (no /proc/thread-self)".to_string()
    } else {
        format!(
            "client CPU {:.2} vs {:.2} µs/request, ratio {:.3}",
            mapper.cpu_us(),
            driver.cpu_us(),
            mapper.cpu_us() / driver.cpu_us()
        )
    };
    println!(
        "MAPPER_OVERHEAD op={} concurrency={concurrency}: mapper/driver wall {:.2} vs {:.2} \
         µs/request, ratio {:.3}; {cpu} ({} + {} requests)",
        op.name(),
        mapper.wall_us(),
        driver.wall_us(),
        mapper.wall_us() / driver.wall_us(),
        mapper.requests,
        driver.requests,
    );
}

criterion_group!(benches, mapper);
criterion_main!(benches);
