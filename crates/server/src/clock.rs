//! The wall clock, read only here. The engine never reads a clock: the sequencer stamps each
//! command with `now_ns()` (made monotonic there), and authentication compares `now_ms()`.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch.
#[expect(clippy::disallowed_methods, reason = "the one place the server reads the wall clock")]
pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX))
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    now_ns() / 1_000_000
}
