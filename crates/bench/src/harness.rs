//! Runs one venue over the stream and measures it.
//!
//! The warm-up ops are applied untimed. The measured ops are then applied in order, one
//! thread, no allocation by the harness inside the loop:
//!
//! - **throughput**: measured ops divided by the wall time of the whole measured loop
//!   (one `Instant` at each end);
//! - **latency**: the loop reads `Instant::now()` around every batch of
//!   [`LATENCY_BATCH`] consecutive ops and records the batch time divided by the batch
//!   length. Timing single ops would mostly measure the clock (a clock read costs about as
//!   much as a cheap op), so p50/p99 are percentiles of these 16-op means, not of single
//!   ops: they smooth out isolated slow ops and understate the single-op tail. The clock
//!   reads are inside the throughput window too, costing roughly 2 ns per op.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::stream::Stream;
use crate::venue::{Venue, VenueStats};

/// Ops per latency sample.
pub(crate) const LATENCY_BATCH: usize = 16;

/// One venue's result.
#[derive(Clone, Debug)]
pub(crate) struct Measurement {
    pub(crate) name: &'static str,
    pub(crate) ops: usize,
    pub(crate) elapsed: Duration,
    /// Median of the per-op means of the latency batches, in ns.
    pub(crate) p50_ns: u64,
    /// 99th percentile of the same, in ns.
    pub(crate) p99_ns: u64,
    pub(crate) stats: VenueStats,
}

impl Measurement {
    /// Whole ops per second over the measured run.
    pub(crate) fn ops_per_sec(&self) -> u64 {
        let nanos = self.elapsed.as_nanos().max(1);
        let ops = u128::try_from(self.ops).expect("op count fits in u128");
        u64::try_from(ops * 1_000_000_000 / nanos).unwrap_or(u64::MAX)
    }
}

/// Replays `stream` into `venue`: warm-up untimed, then the measured ops timed.
pub(crate) fn measure<V: Venue>(mut venue: V, stream: &Stream) -> Measurement {
    for op in &stream.warmup {
        venue.apply(op);
    }

    let mut samples = Vec::with_capacity(stream.measured.len().div_ceil(LATENCY_BATCH));
    let start = Instant::now();
    for batch in stream.measured.chunks(LATENCY_BATCH) {
        let batch_start = Instant::now();
        for op in batch {
            venue.apply(black_box(op));
        }
        let batch_nanos = batch_start.elapsed().as_nanos();
        let len = u128::try_from(batch.len()).expect("batch length fits in u128");
        samples.push(u64::try_from(batch_nanos / len).unwrap_or(u64::MAX));
    }
    let elapsed = start.elapsed();

    samples.sort_unstable();
    Measurement {
        name: venue.name(),
        ops: stream.measured.len(),
        elapsed,
        p50_ns: percentile(&samples, 50),
        p99_ns: percentile(&samples, 99),
        stats: venue.stats(),
    }
}

/// Nearest-rank percentile of sorted `samples`; 0 if there are none.
fn percentile(sorted: &[u64], pct: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&samples, 50), 50);
        assert_eq!(percentile(&samples, 99), 99);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
    }

    #[test]
    fn throughput_is_ops_over_elapsed() {
        let m = Measurement {
            name: "x",
            ops: 2_000,
            elapsed: Duration::from_millis(1),
            p50_ns: 0,
            p99_ns: 0,
            stats: VenueStats::default(),
        };
        assert_eq!(m.ops_per_sec(), 2_000_000);
    }
}
