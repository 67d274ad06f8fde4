//! When and how long to wait before trying a call again (and the backoff rule that stream
//! reconnects share, `backoff`).
//!
//! Only idempotent calls (GET) are retried, and only on 408, 429, 5xx and transport errors
//! (no reply at all); a POST is never retried, since the server may have acted on it. The
//! wait before retry `n` (0-based) is exponential with equal jitter: with
//! `d = min(backoff_max, backoff_base * 2^n)`, a uniform draw in `[d/2, d]`. A reply carrying
//! `Retry-After` (whole seconds) is honoured instead, capped at `retry_after_max`, so a
//! misbehaving server cannot park the client for an hour. Integer milliseconds throughout.

use std::time::Duration;

/// Retry settings; the defaults follow the official Python SDK (2 retries, 0.5 s base, 8 s cap).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 = never retry).
    pub max_retries: u32,
    /// The first backoff step.
    pub backoff_base: Duration,
    /// The largest backoff step.
    pub backoff_max: Duration,
    /// The largest `Retry-After` honoured.
    pub retry_after_max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            retry_after_max: Duration::from_secs(8),
        }
    }
}

/// True for the statuses worth retrying: request timeout, rate limit, server errors.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based), given the reply's `Retry-After` and a
    /// random draw.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>, random: u64) -> Duration {
        if let Some(retry_after) = retry_after {
            return retry_after.min(self.retry_after_max);
        }
        backoff(self.backoff_base, self.backoff_max, retry, random)
    }
}

/// Exponential backoff with equal jitter: with `d = min(max, base * 2^retry)`, the draw
/// `random` mapped into `[d/2, d]`. Shared by call retries and stream reconnects.
pub(crate) fn backoff(base: Duration, max: Duration, retry: u32, random: u64) -> Duration {
    let base_ms = millis(base);
    let max_ms = millis(max);
    let step_ms = base_ms.checked_shl(retry.min(32)).unwrap_or(u64::MAX).min(max_ms);
    let half_ms = step_ms / 2;
    let spread = step_ms - half_ms;
    let jitter_ms = if spread == 0 { 0 } else { random % (spread + 1) };
    Duration::from_millis(half_ms + jitter_ms)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A random draw for the jitter (0 if the system has no randomness, i.e. no jitter).
pub(crate) fn random() -> u64 {
    getrandom::u64().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_equal_jitter_capped() {
        let policy = RetryPolicy::default();
        let ms = |retry, random| policy.delay(retry, None, random).as_millis();
        assert_eq!((ms(0, 0), ms(0, 250), ms(0, 251)), (250, 500, 250));
        assert_eq!((ms(1, 0), ms(1, u64::MAX)), (500, 500 + u128::from(u64::MAX % 501)));
        assert_eq!((ms(4, 0), ms(4, 4_000)), (4_000, 8_000));
        assert_eq!((ms(10, 0), ms(60, 4_000)), (4_000, 8_000));
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(0, Some(Duration::from_secs(1)), 99), Duration::from_secs(1));
        assert_eq!(policy.delay(0, Some(Duration::from_secs(3_600)), 0), Duration::from_secs(8));
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 409] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }
}
