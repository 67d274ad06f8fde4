//! What the crash test prints: one line per cycle, the run's summary, and the markdown result
//! that goes into RELIABILITY.md.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::verify::Tally;

/// The facts of one cycle, for its line.
pub(crate) struct CycleLine {
    pub(crate) cycle: u32,
    pub(crate) cycles: u32,
    pub(crate) kill_after: Duration,
    /// Clients still sending when the kill came.
    pub(crate) in_flight: usize,
    /// A second kill -9 while pmx recovered: how long after its start, and whether it was
    /// ready by then.
    pub(crate) recovery_kill: Option<(Duration, bool)>,
    /// Bytes of a torn record the test appended to the journal after the kill (0: none).
    pub(crate) torn_bytes: usize,
    /// Torn tails pmx reported cutting at this restart.
    pub(crate) torn: usize,
    pub(crate) elapsed: Duration,
}

impl CycleLine {
    pub(crate) fn passed(&self, tally: &Tally, last_seq: u64) -> String {
        let kinds: Vec<String> = ["create", "cancel", "modify", "close-position", "cancel-all"]
            .iter()
            .map(|kind| format!("{} {kind}", tally.acked.get(kind).copied().unwrap_or(0)))
            .collect();
        format!(
            "cycle {}/{}: ok   kill -9 after {} ms ({} clients in flight){}; {} acked ({}), {} refused, \
             in flight at the kill: {} journaled + {} absent; {} orders read, {} trades checked, \
             {} streamed executions found in the journal; lastSeq {last_seq}{}{}; {} ms",
            self.cycle,
            self.cycles,
            self.kill_after.as_millis(),
            self.in_flight,
            self.recovery(),
            tally.acked_total(),
            kinds.join(", "),
            tally.refused,
            tally.unacked_present,
            tally.unacked_absent,
            tally.orders_read,
            tally.trades_checked,
            tally.stream_executions,
            if self.torn_bytes > 0 { format!("; {} torn bytes appended", self.torn_bytes) } else { String::new() },
            if self.torn > 0 { format!(", torn tail cut and logged: {}", self.torn) } else { String::new() },
            self.elapsed.as_millis(),
        )
    }

    pub(crate) fn failed(&self) -> String {
        format!(
            "cycle {}/{}: FAIL kill -9 after {} ms ({} clients in flight){}",
            self.cycle,
            self.cycles,
            self.kill_after.as_millis(),
            self.in_flight,
            self.recovery()
        )
    }

    fn recovery(&self) -> String {
        match self.recovery_kill {
            None => String::new(),
            Some((after, ready)) => format!(
                ", again {} ms into recovery ({})",
                after.as_millis(),
                if ready { "it was serving" } else { "before it was serving" }
            ),
        }
    }
}

/// The whole run.
pub(crate) struct Summary {
    pub(crate) seed: u64,
    pub(crate) cycles: u32,
    pub(crate) passed: u32,
    pub(crate) failed: u32,
    pub(crate) torn: u64,
    /// Cycles in which the test appended a torn record to the journal.
    pub(crate) tears: u64,
    /// Cycles with a second kill -9 during recovery.
    pub(crate) recovery_kills: u64,
    pub(crate) tally: Tally,
    pub(crate) elapsed: Duration,
    /// The failure that ended the run.
    pub(crate) error: Option<String>,
}

impl Summary {
    pub(crate) fn new(seed: u64, cycles: u32) -> Summary {
        Summary {
            seed,
            cycles,
            passed: 0,
            failed: 0,
            torn: 0,
            tears: 0,
            recovery_kills: 0,
            tally: Tally::default(),
            elapsed: Duration::ZERO,
            error: None,
        }
    }

    /// Records the failure that ends the run (a failed cycle, or pmx that would not start).
    pub(crate) fn fail(&mut self, error: String) {
        eprintln!("crashtest: FAILED: {error}");
        if self.failed == 0 {
            self.failed = 1;
        }
        self.error = Some(error);
    }
}

/// The result as a markdown snippet.
pub(crate) fn markdown(summary: &Summary) -> String {
    let tally = &summary.tally;
    let kind = |name: &str| tally.acked.get(name).copied().unwrap_or(0);
    let not_run = summary.cycles.saturating_sub(summary.passed + summary.failed);
    let mut text = String::new();
    text.push_str(&format!(
        "Crash test result ({}, `pmx-crashtest --cycles {} --seed {}`):\n\n",
        today(),
        summary.cycles,
        summary.seed
    ));
    text.push_str(&format!("- Date: {} (UTC)\n", today()));
    text.push_str(&format!(
        "- Cycles: {} ({} passed, {} failed{})\n",
        summary.cycles,
        summary.passed,
        summary.failed,
        if not_run > 0 { format!(", {not_run} not run") } else { String::new() }
    ));
    text.push_str(&format!("- Seed: {}\n", summary.seed));
    text.push_str(&format!(
        "- Acknowledged operations checked: {} ({} creates, {} cancels, {} modifies, {} close-positions, {} cancel-alls)\n",
        tally.acked_total(),
        kind("create"),
        kind("cancel"),
        kind("modify"),
        kind("close-position"),
        kind("cancel-all"),
    ));
    text.push_str(&format!("- Refusals checked (journaled, changed nothing): {}\n", tally.refused));
    text.push_str(&format!(
        "- Requests in flight at a kill: {} ({} made it into the journal whole, {} absent)\n",
        tally.unacked_present + tally.unacked_absent,
        tally.unacked_present,
        tally.unacked_absent
    ));
    text.push_str(&format!(
        "- Orders read back after restarts: {}; trade activities checked: {}; executions received by \
         stream subscribers, each found in the recovered journal: {}\n",
        tally.orders_read, tally.trades_checked, tally.stream_executions
    ));
    text.push_str(&format!("- Cycles with a second kill -9 during recovery: {}\n", summary.recovery_kills));
    text.push_str(&format!(
        "- Torn records appended by the test (a power cut mid-write): {}; torn tails pmx cut and logged: {}\n",
        summary.tears, summary.torn
    ));
    text.push_str(&format!("- 503 replies: {}\n", tally.busy));
    text.push_str(&format!("- Run time: {} s\n", summary.elapsed.as_secs()));
    match &summary.error {
        None => text.push_str("- Failures: none\n"),
        Some(error) => text.push_str(&format!("- Failures: {error}\n")),
    }
    text
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
    date_of(i64::try_from(seconds).unwrap_or(0))
}

/// The UTC date of a Unix time in seconds, as YYYY-MM-DD (the date part of its RFC 3339 form).
fn date_of(unix_seconds: i64) -> String {
    let mut text =
        protocol::format_timestamp(types::Timestamp(unix_seconds.saturating_mul(types::Timestamp::NANOS_PER_S)));
    text.truncate("YYYY-MM-DD".len());
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_gregorian() {
        const DAY: i64 = 86_400;
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(19_723 * DAY), "2024-01-01");
        assert_eq!(date_of(19_782 * DAY + DAY - 1), "2024-02-29");
    }
}
