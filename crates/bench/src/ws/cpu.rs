//! Where the CPU goes: each thread's time on a core, by thread name, over the measured window.
//!
//! Linux keeps every thread's time on a core in nanoseconds (`/proc/self/task/TID/schedstat`,
//! first field) and its name in `.../comm`. The bench samples both at the window's start and
//! end and adds up the difference per group: the sequencer (`sequencer`), the stream fan-out
//! (`stream-fanout`), the server's async runtime (`pmx-server`: HTTP, authentication, the
//! WebSocket writers and readers), the bench's own client runtime (`bench-client`: the order
//! senders and the subscribers) and everything else.
//!
//! The machine's own counters (`/proc/stat`, first line, in clock ticks) give what the cores
//! did over the window: less this process's threads, the share other processes took (a
//! build or test run of someone else's on the same machine), and the share the hypervisor
//! ran something else while this machine had work ("steal"). A run where either is high ran
//! on a busier or slower machine, not a slower server.

use std::collections::HashMap;

/// The thread groups reported, in order.
pub(crate) const GROUPS: [&str; 5] = ["sequencer", "stream-fanout", "pmx-server", "bench-client", "other"];

/// CPU nanoseconds by thread id, with each thread's group.
pub(crate) type Sample = HashMap<u32, (usize, u64)>;

/// Every thread's CPU time now.
pub(crate) fn sample() -> Sample {
    let mut threads = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc/self/task") else { return threads };
    for entry in entries.flatten() {
        let Some(tid) = entry.file_name().to_str().and_then(|name| name.parse().ok()) else { continue };
        let path = entry.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let on_cpu = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|text| text.split_whitespace().next().and_then(|ns| ns.parse().ok()));
        if let Some(on_cpu) = on_cpu {
            threads.insert(tid, (group(name.trim()), on_cpu));
        }
    }
    threads
}

fn group(name: &str) -> usize {
    GROUPS.iter().position(|group| name.starts_with(group)).unwrap_or(GROUPS.len() - 1)
}

/// CPU nanoseconds per group between two samples (a thread started in between counts from
/// zero; one that ended in between is not counted).
pub(crate) fn spent(before: &Sample, after: &Sample) -> [u64; GROUPS.len()] {
    let mut spent = [0; GROUPS.len()];
    for (tid, (group, end)) in after {
        let start = before.get(tid).map_or(0, |(_, start)| *start);
        spent[*group] += end.saturating_sub(start);
    }
    spent
}

/// The machine's CPU time in clock ticks, summed over the cores: (idle, steal, total).
pub(crate) fn machine() -> (u64, u64, u64) {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    let field = |at: usize| fields.get(at).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total = (0..8).map(field).sum();
    (field(3) + field(4), field(7), total)
}
