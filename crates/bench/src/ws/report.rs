//! From the raw records of one run to its figures: each frame matched to the order that
//! caused it, then the two tables.
//!
//! **Which order caused a frame.** The sequencer stamps every command of one batch with the
//! same time, which frames carry as `transactTime`, and order ids are given in journal order.
//! The order subscribers see every order of the four trading accounts; an order's first frame
//! comes from its own command, so its `transactTime` is the stamp of the order's batch. That
//! gives, per batch stamp, the batch's orders in journal order. Every order changes the book,
//! so a market-data subscriber gets exactly one frame per order, in journal order: the `j`-th
//! frame stamped `T` shows the `j`-th order of batch `T`. A subscriber whose frames stamped
//! `T` are not as many as the batch's orders (it was closed in the middle, say) has those
//! frames counted as unmatched instead. An order frame is matched by its order id when it
//! comes from the order's own command (its stamp is the order's; a fill within the batch
//! that placed the resting order counts as the order's own); otherwise it is a resting
//! order's fill, caused by a crossing order of the batch (the first one, by id, of the taker
//! that trades with that account; the first has the earliest acknowledgement, so this errs
//! towards longer latencies).
//!
//! **The window.** The measured orders are those acknowledged within the measured window
//! (after the warm-up, until the last order is due); orders acknowledged per second is their
//! count over the window's length. When the server keeps up these are the orders due in the
//! window and the rate is the target; when it does not, it is what the server served. The
//! frames counted are those matched to a measured order; frames per second counts every data
//! frame stamped within the window.
//!
//! **The latencies.** Order ack: from writing the request to reading the full response.
//! Ack to frame: the frame's arrival minus the arrival of the acknowledgement of the order
//! that caused it, both on the bench's wall clock; negative when the frame came first (the
//! fan-out thread and the HTTP reply race). Stamp to frame (diagnostic): the frame's arrival
//! minus its `transactTime`, the same machine clock, so it covers the journal write and
//! fsync, the apply, the fan-out and the delivery.

use std::collections::HashMap;

use crate::cpu;
use crate::load::{Plan, Role, Sent};
use crate::stats::{Spread, ms, per_second, percent, thousands};
use crate::subscribers::{Ended, Feed, Kind};

/// The figures of one run.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) label: String,
    pub(crate) rate: u64,
    pub(crate) acked_per_s: u64,
    /// Orders refused or failed (any time in the run).
    pub(crate) failed: u64,
    /// Orders never sent (see `load::GRACE`).
    pub(crate) unsent: u64,
    pub(crate) ack: Option<Spread>,
    /// Sending later than due (the client's own delays), p99.
    pub(crate) late_p99: i64,
    pub(crate) frames_per_s: u64,
    pub(crate) md_expected: u64,
    pub(crate) market_data: Option<Spread>,
    pub(crate) md_stamp: Option<Spread>,
    pub(crate) orders: Option<Spread>,
    pub(crate) unmatched: u64,
    /// The mean size of a market-data frame, bytes.
    pub(crate) book_bytes: u64,
    /// Connections that ended during the run, by how.
    pub(crate) ended: Vec<(Ended, u64)>,
    pub(crate) silent: Option<(u64, Option<Ended>)>,
    pub(crate) cpu: [u64; cpu::GROUPS.len()],
    /// The machine over the window: idle and steal ticks, all ticks (every core).
    pub(crate) machine: (u64, u64, u64),
    pub(crate) window_ns: i64,
}

/// What the bench knows of one measured or warm-up order.
#[derive(Clone, Copy)]
struct Known {
    acked: i64,
    role: Role,
    measured: bool,
}

/// Matches the frames to the orders and computes the figures.
pub(crate) fn analyze(
    label: String,
    plan: &Plan,
    sent: &Sent,
    feeds: &[Feed],
    cpu: [u64; cpu::GROUPS.len()],
    machine: (u64, u64, u64),
) -> Outcome {
    let (window_start, window_end) = plan.window_ns();
    let in_window = |ts: i64| (window_start..window_end).contains(&ts);

    // The measured orders: those acknowledged within the window (when the server keeps up,
    // the orders due in it, shifted by the ack latency; when it does not, what it served).
    let mut acks = Vec::new();
    let mut late = Vec::new();
    let mut failed = 0;
    let mut known: HashMap<u64, Known> = HashMap::new();
    for order in &sent.placed {
        let measured = in_window(order.acked_ns);
        match order.id {
            Some(id) if order.status == 200 => {
                known.insert(id, Known { acked: order.acked_ns, role: Role::of(order.index), measured });
                if measured {
                    acks.push(order.acked_ns - order.sent_ns);
                    late.push(order.sent_ns - order.due_ns);
                }
            }
            _ => failed += 1,
        }
    }
    let ok = acks.len() as u64;

    // Each order's batch stamp (its first frame's), then each batch's orders by id.
    let mut stamp: HashMap<u64, i64> = HashMap::new();
    for frame in feeds.iter().flat_map(|feed| &feed.orders) {
        if known.contains_key(&frame.order) {
            let first = stamp.entry(frame.order).or_insert(frame.ts);
            *first = (*first).min(frame.ts);
        }
    }
    let mut batches: HashMap<i64, Vec<u64>> = HashMap::new();
    for (order, ts) in &stamp {
        batches.entry(*ts).or_default().push(*order);
    }
    for orders in batches.values_mut() {
        orders.sort_unstable();
    }

    let mut frames_in_window = 0u64;
    let mut unmatched = 0u64;
    let mut md = Vec::new();
    let mut md_stamp = Vec::new();
    let mut md_feeds = 0u64;
    for feed in feeds.iter().filter(|feed| feed.kind == Kind::MarketData) {
        md_feeds += 1;
        for run in feed.books.chunk_by(|a, b| a.0 == b.0) {
            let ts = run[0].0;
            if in_window(ts) {
                frames_in_window += run.len() as u64;
                md_stamp.extend(run.iter().map(|(ts, arrival)| arrival - ts));
            }
            let causes = batches.get(&ts).filter(|orders| orders.len() == run.len());
            match causes {
                Some(orders) => {
                    for ((_, arrival), order) in run.iter().zip(orders) {
                        if let Some(cause) = known.get(order).filter(|cause| cause.measured) {
                            md.push(arrival - cause.acked);
                        }
                    }
                }
                None if in_window(ts) => unmatched += run.len() as u64,
                None => {}
            }
        }
    }

    let mut orders = Vec::new();
    for feed in feeds {
        let Kind::Orders(role) = feed.kind else { continue };
        for frame in &feed.orders {
            if in_window(frame.ts) {
                frames_in_window += 1;
            }
            let own = known.get(&frame.order).filter(|_| stamp.get(&frame.order) == Some(&frame.ts));
            let cause = own.copied().or_else(|| {
                let taker = role.filled_by()?;
                batches.get(&frame.ts)?.iter().filter_map(|order| known.get(order)).find(|o| o.role == taker).copied()
            });
            match cause {
                Some(cause) if cause.measured => orders.push(frame.arrival - cause.acked),
                Some(_) => {}
                None if in_window(frame.ts) => unmatched += 1,
                None => {}
            }
        }
    }

    let book_frames: u64 = feeds.iter().map(|feed| feed.books.len() as u64).sum();
    let book_bytes = feeds.iter().map(|feed| feed.book_bytes).sum::<u64>() / book_frames.max(1);
    let mut ended: Vec<(Ended, u64)> = Vec::new();
    for end in feeds.iter().filter_map(|feed| feed.ended) {
        match ended.iter_mut().find(|(seen, _)| *seen == end) {
            Some((_, count)) => *count += 1,
            None => ended.push((end, 1)),
        }
    }
    let window_ns = window_end - window_start;
    Outcome {
        label,
        rate: plan.rate,
        acked_per_s: per_second(ok, window_end - window_start),
        failed,
        unsent: sent.unsent,
        ack: Spread::of(&mut acks),
        late_p99: Spread::of(&mut late).map_or(0, |spread| spread.p99),
        frames_per_s: per_second(frames_in_window, window_ns),
        md_expected: md_feeds * ok,
        market_data: Spread::of(&mut md),
        md_stamp: Spread::of(&mut md_stamp),
        orders: Spread::of(&mut orders),
        unmatched,
        book_bytes,
        ended,
        silent: feeds.iter().find_map(|feed| feed.drained),
        cpu,
        machine,
        window_ns,
    }
}

impl Outcome {
    /// Ticks the machine spent on other processes during the window: busy, less this process
    /// (its threads' nanoseconds in ticks of 10 ms, `USER_HZ` = 100).
    fn others(&self) -> u64 {
        let (idle, steal, total) = self.machine;
        let ours = self.cpu.iter().sum::<u64>() / 10_000_000;
        total.saturating_sub(idle + steal + ours)
    }
}

fn spread3(spread: Option<Spread>) -> String {
    spread.map_or_else(|| "- | - | -".into(), |s| format!("{} | {} | {}", ms(s.p50), ms(s.p99), ms(s.max)))
}

fn ended_text(ended: &[(Ended, u64)]) -> String {
    if ended.is_empty() {
        return "0".into();
    }
    ended.iter().map(|(end, count)| format!("{count} ({})", end_text(Some(*end)))).collect::<Vec<_>>().join(", ")
}

fn end_text(end: Option<Ended>) -> String {
    match end {
        Some(Ended::Closed(code)) => format!("close {code}"),
        Some(Ended::Dropped) => "dropped, no close frame".into(),
        None => "still open".into(),
    }
}

/// The main table, Markdown.
pub(crate) fn table(outcomes: &[Outcome]) -> String {
    let mut text = String::from(
        "| scenario | target orders/s | acked orders/s | ack p50 ms | ack p99 ms | frames/s | md frames delivered | md ack->frame p50 ms | p99 | max | order frames ack->frame p50 ms | p99 | max | closed during run |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for outcome in outcomes {
        let (p50, p99) = outcome.ack.map_or(("-".into(), "-".into()), |s| (ms(s.p50), ms(s.p99)));
        let delivered = outcome.market_data.map_or(0, |s| s.count);
        text.push_str(&format!(
            "| {} | {} | {} | {p50} | {p99} | {} | {} | {} | {} | {} |\n",
            outcome.label,
            thousands(outcome.rate),
            thousands(outcome.acked_per_s),
            thousands(outcome.frames_per_s),
            percent(delivered, outcome.md_expected),
            spread3(outcome.market_data),
            spread3(outcome.orders),
            ended_text(&outcome.ended),
        ));
    }
    text
}

/// The diagnostic table, Markdown.
pub(crate) fn diagnostics(outcomes: &[Outcome]) -> String {
    let mut text = String::from(
        "| scenario | target orders/s | failed / unsent orders | ack max ms | send lateness p99 ms | md stamp->frame p50 ms | p99 | max | frames before their ack | unmatched frames | md frame bytes | CPU % sequencer | fan-out | server runtime | bench client | other | other processes | steal | silent reader at the end |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for outcome in outcomes {
        let before = outcome.market_data.map_or(0, |s| s.negative) + outcome.orders.map_or(0, |s| s.negative);
        let frames = outcome.market_data.map_or(0, |s| s.count) + outcome.orders.map_or(0, |s| s.count);
        let cpu: Vec<String> = outcome
            .cpu
            .iter()
            .map(|spent| (u128::from(*spent) * 100 / u128::from(outcome.window_ns.max(1).unsigned_abs())).to_string())
            .collect();
        let silent = outcome.silent.map_or_else(
            || "-".into(),
            |(frames, end)| format!("read {} frames, then {}", thousands(frames), end_text(end)),
        );
        text.push_str(&format!(
            "| {} | {} | {} / {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            outcome.label,
            thousands(outcome.rate),
            outcome.failed,
            thousands(outcome.unsent),
            outcome.ack.map_or_else(|| "-".into(), |s| ms(s.max)),
            ms(outcome.late_p99),
            spread3(outcome.md_stamp),
            percent(before, frames),
            thousands(outcome.unmatched),
            if outcome.book_bytes == 0 { "-".into() } else { thousands(outcome.book_bytes) },
            cpu.join(" | "),
            percent(outcome.others(), outcome.machine.2),
            percent(outcome.machine.1, outcome.machine.2),
            silent,
        ));
    }
    text
}
