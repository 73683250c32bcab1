//! Driver metrics: request, error, retry, timeout, speculative-execution
//! and connection counters, and a latency histogram.
//!
//! Everything is recorded with atomic operations only (no lock), so a
//! [`Metrics`] can be shared (in an `Arc`) by every connection and request
//! task. [`Metrics::snapshot`] reads it into a plain [`MetricsSnapshot`].
//!
//! # The latency histogram
//!
//! Latencies are recorded in whole microseconds (a latency under 1 µs
//! counts as 0 µs) into log-linear buckets, as HDR histograms do: values
//! below 16 µs each have their own bucket; above that, every power-of-two
//! range `[2^k, 2^(k+1))` is split into 16 equal sub-buckets. A latency
//! above [`MAX_LATENCY`] (about 67 seconds) is recorded as `MAX_LATENCY`.
//! That takes 368 counters.
//!
//! A quantile is the nearest-rank quantile of the recorded values (the
//! value of rank ⌈q·count⌉ in sorted order), reported as the middle of the
//! bucket that holds it and clamped to the exact minimum and maximum. Its
//! relative error is at most [`LATENCY_RELATIVE_ERROR`] (1/32, 3.125 %) of
//! the exact value in microseconds: a bucket starting at `lo` is at most
//! `lo / 16` wide, so its middle is within `lo / 32` of any value in it.
//! The minimum, maximum and mean are exact (in whole microseconds).
//!
//! ```
//! use std::time::Duration;
//! use cql_driver::Metrics;
//!
//! let metrics = Metrics::new();
//! for micros in 1..=1000 {
//!     metrics.record_request(Duration::from_micros(micros));
//! }
//! metrics.record_error();
//! let snapshot = metrics.snapshot();
//! assert_eq!(snapshot.requests, 1000);
//! assert_eq!(snapshot.errors, 1);
//! let p99 = snapshot.latency.p99.as_micros() as f64;
//! assert!((p99 - 990.0).abs() <= 990.0 / 32.0);
//! println!("{snapshot}");
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// log2 of the number of linear sub-buckets per power-of-two range.
const SUB_BITS: u32 = 4;
/// Linear sub-buckets per power-of-two range.
const SUB_BUCKETS: u64 = 1 << SUB_BITS;
/// The largest latency tracked, in microseconds (2^26 − 1 µs ≈ 67.1 s).
const MAX_MICROS: u64 = (1 << 26) - 1;
/// The number of buckets: the index of the largest value, plus one.
const BUCKETS: usize = bucket_index(MAX_MICROS) + 1;

/// The largest latency the histogram tells apart (2^26 − 1 µs, about 67.1
/// seconds); longer latencies are recorded as this.
pub const MAX_LATENCY: Duration = Duration::from_micros(MAX_MICROS);

/// The largest relative error of a latency quantile in a
/// [`LatencySnapshot`]: 1/32 (3.125 %) of the exact quantile of the
/// recorded values (which are whole microseconds, clamped to
/// [`MAX_LATENCY`]).
pub const LATENCY_RELATIVE_ERROR: f64 = 1.0 / 32.0;

/// The bucket of a value in microseconds (at most [`MAX_MICROS`]).
const fn bucket_index(micros: u64) -> usize {
    if micros < SUB_BUCKETS {
        micros as usize
    } else {
        // The value is `mantissa << shift`, mantissa in 16..32.
        let shift = 63 - micros.leading_zeros() - SUB_BITS;
        (shift as usize) * (SUB_BUCKETS as usize) + (micros >> shift) as usize
    }
}

/// The lowest value of bucket `index` and the bucket's width.
const fn bucket_bounds(index: usize) -> (u64, u64) {
    let sub = SUB_BUCKETS as usize;
    if index < sub {
        (index as u64, 1)
    } else {
        let shift = index / sub - 1;
        let mantissa = (sub + index % sub) as u64;
        (mantissa << shift, 1 << shift)
    }
}

/// Shared driver metrics, recorded lock-free.
///
/// Every `record_*` method is a few relaxed atomic operations. A snapshot
/// taken while other threads record reads each counter separately, so it
/// may mix slightly different moments; every counter is still exact once
/// recording stops.
pub struct Metrics {
    errors: AtomicU64,
    retries: AtomicU64,
    timeouts: AtomicU64,
    speculative_executions: AtomicU64,
    connections_opened: AtomicU64,
    connections_closed: AtomicU64,
    latency: LatencyHistogram,
}

impl Metrics {
    /// Metrics with every counter at zero.
    pub const fn new() -> Metrics {
        Metrics {
            errors: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            speculative_executions: AtomicU64::new(0),
            connections_opened: AtomicU64::new(0),
            connections_closed: AtomicU64::new(0),
            latency: LatencyHistogram::new(),
        }
    }

    /// Records a request that completed successfully after `latency`.
    pub fn record_request(&self, latency: Duration) {
        self.latency.record(latency);
    }

    /// Records a request that failed.
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a retry (a request sent again after an error).
    pub fn record_retry(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a request that timed out on the client.
    pub fn record_timeout(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a speculative execution (an extra attempt sent before the
    /// first one answered).
    pub fn record_speculative_execution(&self) {
        self.speculative_executions.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a connection that was opened.
    pub fn record_connection_opened(&self) {
        self.connections_opened.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a connection that was closed.
    pub fn record_connection_closed(&self) {
        self.connections_closed.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads every counter and the latency statistics.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        // Closed before opened, so a racing open/close pair never shows as
        // more closed than opened.
        let connections_closed = load(&self.connections_closed);
        let connections_opened = load(&self.connections_opened);
        let latency = self.latency.snapshot();
        MetricsSnapshot {
            requests: latency.count,
            errors: load(&self.errors),
            retries: load(&self.retries),
            timeouts: load(&self.timeouts),
            speculative_executions: load(&self.speculative_executions),
            connections_opened,
            connections_closed,
            connections_open: connections_opened.saturating_sub(connections_closed),
            latency,
        }
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl fmt::Debug for Metrics {
    /// Shows a snapshot of the metrics.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Metrics").field(&self.snapshot()).finish()
    }
}

/// The latency histogram: log-linear buckets plus exact sum, min and max,
/// all in microseconds.
struct LatencyHistogram {
    buckets: [AtomicU64; BUCKETS],
    sum: AtomicU64,
    min: AtomicU64,
    max: AtomicU64,
}

impl LatencyHistogram {
    const fn new() -> LatencyHistogram {
        LatencyHistogram {
            buckets: [const { AtomicU64::new(0) }; BUCKETS],
            sum: AtomicU64::new(0),
            min: AtomicU64::new(u64::MAX),
            max: AtomicU64::new(0),
        }
    }

    fn record(&self, latency: Duration) {
        let micros = latency.as_micros().min(u128::from(MAX_MICROS)) as u64;
        // The index is at most BUCKETS - 1 since micros <= MAX_MICROS.
        if let Some(bucket) = self.buckets.get(bucket_index(micros)) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        // Cannot overflow before 2^38 requests of MAX_LATENCY each.
        self.sum.fetch_add(micros, Ordering::Relaxed);
        self.min.fetch_min(micros, Ordering::Relaxed);
        self.max.fetch_max(micros, Ordering::Relaxed);
    }

    fn snapshot(&self) -> LatencySnapshot {
        let mut counts = [0u64; BUCKETS];
        for (count, bucket) in counts.iter_mut().zip(&self.buckets) {
            *count = bucket.load(Ordering::Relaxed);
        }
        let count = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        if count == 0 {
            return LatencySnapshot::default();
        }
        let sum = self.sum.load(Ordering::Relaxed);
        let mut min = self.min.load(Ordering::Relaxed);
        let mut max = self.max.load(Ordering::Relaxed);
        if min > max {
            // Only while a first value is being recorded: take the bounds
            // from the buckets instead.
            min = quantile(&counts, count, 0, 1, (0, MAX_MICROS));
            max = quantile(&counts, count, 1, 1, (0, MAX_MICROS));
        }
        let bounds = (min, max);
        let micros = Duration::from_micros;
        // The mean in nanoseconds: sum / count µs, at most MAX_MICROS.
        let mean_nanos =
            (u128::from(sum) * 1000 / u128::from(count)).min(u128::from(MAX_MICROS) * 1000) as u64;
        LatencySnapshot {
            count,
            min: micros(min),
            max: micros(max),
            mean: Duration::from_nanos(mean_nanos),
            p50: micros(quantile(&counts, count, 500, 1000, bounds)),
            p95: micros(quantile(&counts, count, 950, 1000, bounds)),
            p99: micros(quantile(&counts, count, 990, 1000, bounds)),
            p999: micros(quantile(&counts, count, 999, 1000, bounds)),
        }
    }
}

/// The nearest-rank quantile `num / den` of the values counted in `counts`
/// (`count` in all), as the middle of its bucket clamped to `bounds`.
fn quantile(counts: &[u64], count: u64, num: u64, den: u64, bounds: (u64, u64)) -> u64 {
    // Rank ⌈count · num / den⌉, at least 1.
    let rank = (u128::from(count) * u128::from(num)).div_ceil(u128::from(den.max(1)));
    let rank = rank.clamp(1, u128::from(count));
    let mut seen = 0u128;
    let mut value = bounds.1;
    for (index, &c) in counts.iter().enumerate() {
        seen += u128::from(c);
        if seen >= rank {
            let (lo, width) = bucket_bounds(index);
            value = lo + width / 2;
            break;
        }
    }
    let (min, max) = bounds;
    if min <= max {
        value.clamp(min, max)
    } else {
        value
    }
}

/// The counters of a [`Metrics`] at one moment.
///
/// Its `Display` form is one line:
///
/// ```
/// use std::time::Duration;
/// use cql_driver::Metrics;
///
/// let metrics = Metrics::new();
/// metrics.record_connection_opened();
/// metrics.record_request(Duration::from_micros(250));
/// let line = metrics.snapshot().to_string();
/// assert!(line.starts_with("requests=1 errors=0"), "{line}");
/// assert!(line.contains("connections_open=1"), "{line}");
/// assert!(line.contains("p50=250µs"), "{line}");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Requests that completed successfully (the latency count).
    pub requests: u64,
    /// Requests that failed.
    pub errors: u64,
    /// Retries.
    pub retries: u64,
    /// Client-side timeouts.
    pub timeouts: u64,
    /// Speculative executions.
    pub speculative_executions: u64,
    /// Connections opened so far.
    pub connections_opened: u64,
    /// Connections closed so far.
    pub connections_closed: u64,
    /// Connections open now: opened minus closed.
    pub connections_open: u64,
    /// The latencies of the successful requests.
    pub latency: LatencySnapshot,
}

impl fmt::Display for MetricsSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "requests={} errors={} retries={} timeouts={} speculative_executions={} \
             connections_open={} connections_opened={} connections_closed={} latency: {}",
            self.requests,
            self.errors,
            self.retries,
            self.timeouts,
            self.speculative_executions,
            self.connections_open,
            self.connections_opened,
            self.connections_closed,
            self.latency,
        )
    }
}

/// Latency statistics at one moment.
///
/// With no latency recorded, every field is zero (`count` is 0 and every
/// duration is [`Duration::ZERO`]): check `count` before reading the rest.
/// The quantiles are within [`LATENCY_RELATIVE_ERROR`] of the exact ones;
/// `min`, `max` and `mean` are exact, to the microsecond.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LatencySnapshot {
    /// The number of latencies recorded.
    pub count: u64,
    /// The smallest latency.
    pub min: Duration,
    /// The largest latency (at most [`MAX_LATENCY`]).
    pub max: Duration,
    /// The mean latency.
    pub mean: Duration,
    /// The median.
    pub p50: Duration,
    /// The 95th percentile.
    pub p95: Duration,
    /// The 99th percentile.
    pub p99: Duration,
    /// The 99.9th percentile.
    pub p999: Duration,
}

impl fmt::Display for LatencySnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "count={} min={:?} mean={:?} p50={:?} p95={:?} p99={:?} p99.9={:?} max={:?}",
            self.count, self.min, self.mean, self.p50, self.p95, self.p99, self.p999, self.max,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(micros: u64) -> Duration {
        Duration::from_micros(micros)
    }

    /// Asserts that `got` is within the documented error of `exact` µs.
    fn assert_close(got: Duration, exact: u64, what: &str) {
        let got = got.as_micros() as f64;
        let exact = exact as f64;
        assert!(
            (got - exact).abs() <= exact * LATENCY_RELATIVE_ERROR,
            "{what}: got {got} µs, exact {exact} µs"
        );
    }

    /// The exact nearest-rank quantile `num / den` of sorted `values`.
    fn exact_quantile(sorted: &[u64], num: usize, den: usize) -> u64 {
        let rank = (sorted.len() * num).div_ceil(den).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn buckets_cover_every_value_with_bounded_width() {
        assert_eq!(BUCKETS, 368);
        let mut values: Vec<u64> = (0..200_000).collect();
        for k in 4..=26u32 {
            let p = 1u64 << k;
            values.extend([p - 1, p, p + 1, p + p / 2]);
        }
        values.push(MAX_MICROS);
        for v in values.into_iter().filter(|&v| v <= MAX_MICROS) {
            let index = bucket_index(v);
            assert!(index < BUCKETS, "{v}");
            let (lo, width) = bucket_bounds(index);
            assert!(lo <= v && v < lo + width, "{v} in [{lo}, {lo}+{width})");
            assert!(width == 1 || width * SUB_BUCKETS <= lo, "{v}");
            let mid = lo + width / 2;
            assert!(mid.abs_diff(v) * 32 <= v, "{v}: middle {mid}");
        }
        // Consecutive buckets are contiguous.
        for index in 1..BUCKETS {
            let (lo, _) = bucket_bounds(index);
            let (prev_lo, prev_width) = bucket_bounds(index - 1);
            assert_eq!(prev_lo + prev_width, lo, "bucket {index}");
            assert_eq!(bucket_index(lo), index);
        }
        let (lo, width) = bucket_bounds(BUCKETS - 1);
        assert_eq!(lo + width - 1, MAX_MICROS);
    }

    #[test]
    fn counts() {
        let m = Metrics::default();
        for _ in 0..3 {
            m.record_error();
        }
        for _ in 0..4 {
            m.record_retry();
        }
        m.record_timeout();
        for _ in 0..2 {
            m.record_speculative_execution();
        }
        for _ in 0..5 {
            m.record_connection_opened();
        }
        for _ in 0..2 {
            m.record_connection_closed();
        }
        for _ in 0..7 {
            m.record_request(us(100));
        }
        let s = m.snapshot();
        assert_eq!(s.requests, 7);
        assert_eq!(s.errors, 3);
        assert_eq!(s.retries, 4);
        assert_eq!(s.timeouts, 1);
        assert_eq!(s.speculative_executions, 2);
        assert_eq!(s.connections_opened, 5);
        assert_eq!(s.connections_closed, 2);
        assert_eq!(s.connections_open, 3);
        assert_eq!(s.latency.count, 7);
        assert_eq!(s.latency.min, us(100));
        assert_eq!(s.latency.max, us(100));
        assert_eq!(s.latency.mean, us(100));
        // Clamped to [min, max]: a single value is exact.
        assert_eq!(s.latency.p50, us(100));
        assert_eq!(s.latency.p999, us(100));
    }

    #[test]
    fn uniform_quantiles_within_the_documented_error() {
        let m = Metrics::new();
        for v in 1..=1000 {
            m.record_request(us(v));
        }
        let l = m.snapshot().latency;
        assert_eq!(l.count, 1000);
        assert_eq!(l.min, us(1));
        assert_eq!(l.max, us(1000));
        assert_eq!(l.mean, Duration::from_nanos(500_500));
        assert_close(l.p50, 500, "p50");
        assert_close(l.p95, 950, "p95");
        assert_close(l.p99, 990, "p99");
        assert_close(l.p999, 999, "p999");
        assert!(l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99);
        assert!(l.p99 <= l.p999 && l.p999 <= l.max);
    }

    #[test]
    fn skewed_quantiles_within_the_documented_error() {
        // Log-uniform values from 1 µs to ~60 s, from a fixed LCG.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values = Vec::new();
        let m = Metrics::new();
        for _ in 0..50_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let exp = (state >> 33) % 26;
            let v = (1u64 << exp) + (state >> 7) % (1u64 << exp);
            values.push(v);
            m.record_request(us(v));
        }
        values.sort_unstable();
        let l = m.snapshot().latency;
        assert_eq!(l.min, us(values[0]));
        assert_eq!(l.max, us(values[values.len() - 1]));
        assert_close(l.p50, exact_quantile(&values, 500, 1000), "p50");
        assert_close(l.p95, exact_quantile(&values, 950, 1000), "p95");
        assert_close(l.p99, exact_quantile(&values, 990, 1000), "p99");
        assert_close(l.p999, exact_quantile(&values, 999, 1000), "p999");
    }

    #[test]
    fn small_values_are_exact() {
        let m = Metrics::new();
        for v in [3, 3, 3, 7, 15] {
            m.record_request(us(v));
        }
        let l = m.snapshot().latency;
        assert_eq!(l.p50, us(3));
        assert_eq!(l.p95, us(15));
        assert_eq!(l.min, us(3));
    }

    #[test]
    fn empty_histogram_is_all_zero() {
        let s = Metrics::new().snapshot();
        assert_eq!(s, MetricsSnapshot::default());
        assert_eq!(s.latency.count, 0);
        assert_eq!(s.latency.p99, Duration::ZERO);
        assert_eq!(s.latency.min, Duration::ZERO);
        assert!(s.to_string().contains("count=0"));
    }

    #[test]
    fn huge_and_tiny_durations_clamp() {
        let m = Metrics::new();
        m.record_request(Duration::MAX);
        m.record_request(Duration::from_secs(3600));
        m.record_request(Duration::from_nanos(400));
        let l = m.snapshot().latency;
        assert_eq!(l.count, 3);
        assert_eq!(l.max, MAX_LATENCY);
        assert_eq!(l.min, Duration::ZERO);
        assert_close(l.p999, MAX_MICROS, "p999");
        assert_close(l.p50, MAX_MICROS, "p50");
        assert!(l.p50 <= MAX_LATENCY);
        assert_eq!(l.mean, Duration::from_micros(MAX_MICROS * 2 / 3));
        // Many huge values do not overflow the sum.
        for _ in 0..10_000 {
            m.record_request(Duration::MAX);
        }
        assert_eq!(m.snapshot().latency.mean.as_micros(), 67_102_154);
    }

    #[test]
    fn concurrent_recording_sums_correctly() {
        let m = Metrics::new();
        const THREADS: u64 = 8;
        const PER_THREAD: u64 = 10_000;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let m = &m;
                s.spawn(move || {
                    for i in 0..PER_THREAD {
                        m.record_request(us(1 + (t * PER_THREAD + i) % 1000));
                        m.record_error();
                        m.record_connection_opened();
                        m.record_connection_closed();
                        if i % 10 == 0 {
                            m.record_retry();
                        }
                    }
                });
            }
        });
        let s = m.snapshot();
        assert_eq!(s.requests, THREADS * PER_THREAD);
        assert_eq!(s.errors, THREADS * PER_THREAD);
        assert_eq!(s.retries, THREADS * PER_THREAD / 10);
        assert_eq!(s.connections_open, 0);
        assert_eq!(s.connections_opened, THREADS * PER_THREAD);
        assert_eq!(s.latency.min, us(1));
        assert_eq!(s.latency.max, us(1000));
        assert_eq!(s.latency.mean, Duration::from_nanos(500_500));
        assert_close(s.latency.p50, 500, "p50");
    }

    #[test]
    fn printable() {
        let m = Metrics::new();
        m.record_request(us(1500));
        m.record_timeout();
        let s = m.snapshot();
        let line = s.to_string();
        assert!(line.contains("timeouts=1"), "{line}");
        assert!(line.contains("p99="), "{line}");
        assert!(line.contains("max=1.5ms"), "{line}");
        let debug = format!("{m:?}");
        assert!(debug.starts_with("Metrics(MetricsSnapshot"), "{debug}");
    }
}
