//! `engine-bench`: replays one fixed, seeded stream of order operations against several
//! matching engines, one after another on one thread, and prints throughput and latency
//! for each.
//!
//! Run it as `cargo run --release --bin engine-bench`.
//!
//! **What is measured.** One market (prices 1..=99 ticks of $0.01, sizes 1..=100
//! contracts, 1,000 accounts). The stream ([`stream`]) is built once: a warm-up of about
//! 1,000 resting limit orders on both sides of a mid of 50, then 2,000,000 measured ops:
//! GTC limits that rest, cancels of random resting orders, modifies (re-price and/or
//! re-size), IOC limits at the touch and GTC limits that cross the spread and trade. The
//! resting book is held near 1,000 orders. The generator tracks live orders with its own
//! naive book ([`model`]), so every engine receives identical input.
//!
//! **How.** Each engine gets a fresh instance behind a [`venue::Venue`] adapter that maps
//! the stream's ops and ids onto the engine's native API. The harness ([`harness`])
//! applies the warm-up untimed, then times the measured ops: ops/s over the whole measured
//! loop, and p50/p99 of per-op latency taken as the mean over batches of 16 ops (a clock
//! read around every single op would cost about as much as the op). The adapter's own
//! work (id mapping, building the engine's command) is inside the timing, as a gateway in
//! front of the engine would be.
//!
//! **Rounds.** A shared machine speeds up and slows down by tens of percent over seconds,
//! so one run per engine compares the machine's moods as much as the engines. The engines
//! therefore run in [`ROUNDS`] interleaved rounds (each round every engine once, on a fresh
//! instance; the starting engine rotates from round to round), and each engine's reported
//! figures are those of its median round by throughput, with the range over all rounds.
//!
//! **Upstream bugs.** Both peers needed a workaround to run this workload at all or to
//! do the same work: nanobook 0.19.3's cancel can leave an order queued and then hang the
//! matcher, and matchcore 0.4.0 lets a crossing limit order trade through its limit. Each
//! adapter's module doc explains the bug and the workaround, and a test pins each bug.
//!
//! **Sanity check.** After each run the adapter reports the maker fills it saw, the ops its
//! engine rejected and the orders left resting; these are printed next to the generator
//! model's own numbers, so a reader can see the engines did comparable work.
//!
//! `ENGINE_BENCH_ONLY=pmx` runs only the named venues (comma-separated), and
//! `ENGINE_BENCH_ROUNDS=1` sets the number of rounds, for profiling.
//!
//! The last line is machine-readable:
//! `engine-bench: pmx=<ops/s> nanobook=<ops/s> matchcore=<ops/s>`.

mod harness;
mod matchcore;
mod model;
mod nanobook;
mod pmx;
mod rng;
mod stream;
mod venue;

use harness::{LATENCY_BATCH, Measurement, measure};
use stream::{Stream, StreamConfig};

/// Interleaved rounds per engine unless `ENGINE_BENCH_ROUNDS` says otherwise; the median
/// round is reported.
const ROUNDS: usize = 5;

/// Measures one engine over the stream, on a fresh instance.
type Runner<'a> = &'a dyn Fn(&Stream) -> Measurement;

fn main() {
    let config = StreamConfig::STANDARD;
    let stream = stream::generate(&config);
    print_stream(&config, &stream);

    // `ENGINE_BENCH_ONLY=pmx` (a comma-separated list) runs only the named venues, for
    // profiling one engine; the default runs all three.
    let only = std::env::var("ENGINE_BENCH_ONLY").ok();
    let wanted = |name: &str| only.as_deref().is_none_or(|list| list.split(',').any(|n| n == name));
    let venues: [(&str, Runner); 3] = [
        ("pmx", &|stream| measure(pmx::Pmx::new(stream.id_count), stream)),
        ("nanobook", &|stream| measure(nanobook::Nanobook::new(stream.id_count), stream)),
        ("matchcore", &|stream| measure(matchcore::Matchcore::new(stream.id_count), stream)),
    ];
    let venues: Vec<_> = venues.into_iter().filter(|(name, _)| wanted(name)).collect();
    let rounds_count = match std::env::var("ENGINE_BENCH_ROUNDS") {
        Ok(text) => text.parse().ok().filter(|&n| n > 0).expect("ENGINE_BENCH_ROUNDS is a positive count"),
        Err(_) => ROUNDS,
    };
    println!(
        "engine-bench: {rounds_count} interleaved rounds; each engine's median round by ops/s (range over all rounds)"
    );
    let mut rounds: Vec<Vec<Measurement>> = vec![Vec::with_capacity(rounds_count); venues.len()];
    for round in 0..rounds_count {
        for turn in 0..venues.len() {
            let at = (round + turn) % venues.len();
            rounds[at].push((venues[at].1)(&stream));
        }
    }
    let mut results = Vec::new();
    for mut runs in rounds {
        runs.sort_by_key(Measurement::ops_per_sec);
        let (slowest, fastest) = (runs[0].ops_per_sec(), runs[runs.len() - 1].ops_per_sec());
        let median = runs.swap_remove(runs.len() / 2);
        print_measurement(&median, slowest, fastest);
        results.push(median);
    }
    // Fills and resting counts should match the model's closely. matchcore (behind its
    // limit-price guard) follows the model's rules exactly, size cuts keeping priority, so
    // it should match it exactly with no rejects. nanobook re-queues every modified order,
    // so after a same-price size cut it can fill a different maker than the model; the
    // generator then sometimes cancels an order nanobook already filled (a reject) and the
    // fill count drifts by a fraction of a percent (see `nanobook.rs`).
    println!("engine-bench: model (expected)  fills={} resting={}", stream.model_fills, stream.model_resting);

    let summary: Vec<String> = results.iter().map(|m| format!("{}={}", m.name, m.ops_per_sec())).collect();
    println!("engine-bench: {}", summary.join(" "));
}

fn print_stream(config: &StreamConfig, stream: &Stream) {
    let mix = stream.mix;
    let total = u64::try_from(stream.measured.len()).expect("op count fits in u64");
    println!(
        "engine-bench: one market, {} accounts, seed {:#x}; warm-up {} resting orders (untimed), then {} measured ops",
        config.accounts,
        config.seed,
        stream.warmup.len(),
        total
    );
    println!(
        "engine-bench: measured mix: rest {}, cancel {}, modify {} (move {}, size up {}, size cut {}), ioc {}, cross {}",
        percent(mix.rest, total),
        percent(mix.cancel, total),
        percent(mix.modify(), total),
        percent(mix.modify_move, total),
        percent(mix.modify_up, total),
        percent(mix.modify_down, total),
        percent(mix.ioc, total),
        percent(mix.cross, total),
    );
    println!(
        "engine-bench: single thread; latency = one clock read per {LATENCY_BATCH} ops, batch time / {LATENCY_BATCH}; p50/p99 over those batch means"
    );
}

/// One engine's median round, with the slowest and fastest rounds' ops/s.
fn print_measurement(m: &Measurement, slowest: u64, fastest: u64) {
    println!(
        "engine-bench: {:<10} ops={} ops/s={:<10} ({}..{}) p50={:>4} ns  p99={:>5} ns  | fills={} rejects={} resting={}",
        m.name,
        m.ops,
        m.ops_per_sec(),
        slowest,
        fastest,
        m.p50_ns,
        m.p99_ns,
        m.stats.fills,
        m.stats.rejects,
        m.stats.resting,
    );
}

/// `part / whole` as a percentage with one decimal, e.g. `44.9%`.
fn percent(part: u64, whole: u64) -> String {
    let tenths = (part * 1000 + whole / 2) / whole.max(1);
    format!("{}.{}%", tenths / 10, tenths % 10)
}
