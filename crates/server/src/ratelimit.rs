//! Rate limits: one token bucket per API key (signed paths) and per client IP (public paths).
//!
//! A bucket holds up to `rate` tokens and refills at `rate` per second; a request takes one.
//! An empty bucket answers 429 with `Retry-After` (whole seconds until a token is back, at
//! least 1). Arithmetic is integer: tokens are counted in billionths, time in nanoseconds.
//! The table of buckets is bounded (`BUCKETS_MAX`): when full, buckets that have refilled
//! completely (and so carry no information) are dropped first.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::ApiError;

/// Most buckets kept at once.
pub(crate) const BUCKETS_MAX: usize = 100_000;

const NANOS_PER_S: i64 = 1_000_000_000;

/// Token buckets by key.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    /// Tokens per second and bucket capacity; 0 = no limit.
    rate: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// Tokens, in billionths of a token.
    tokens: i64,
    updated_ns: i64,
}

impl RateLimiter {
    /// A limiter allowing `rate` requests per second per key (0 = unlimited).
    pub(crate) fn new(rate: u32) -> RateLimiter {
        RateLimiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for `key` now, or says when to retry.
    pub(crate) fn check(&self, key: &str) -> Result<(), ApiError> {
        self.check_at(key, crate::clock::now_ns())
    }

    /// Takes a token for `key` at `now_ns`.
    pub(crate) fn check_at(&self, key: &str, now_ns: i64) -> Result<(), ApiError> {
        if self.rate == 0 {
            return Ok(());
        }
        let capacity = i64::from(self.rate) * NANOS_PER_S;
        let mut buckets = self.buckets.lock().unwrap_or_else(|poison| poison.into_inner());
        if buckets.len() >= BUCKETS_MAX && !buckets.contains_key(key) {
            let rate = i64::from(self.rate);
            buckets.retain(|_, bucket| refilled(bucket, now_ns, rate, capacity) < capacity);
            if buckets.len() >= BUCKETS_MAX {
                return Err(ApiError::TooManyRequests { retry_after_s: 1 });
            }
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: capacity, updated_ns: now_ns });
        bucket.tokens = refilled(bucket, now_ns, i64::from(self.rate), capacity);
        bucket.updated_ns = bucket.updated_ns.max(now_ns);
        if bucket.tokens >= NANOS_PER_S {
            bucket.tokens -= NANOS_PER_S;
            return Ok(());
        }
        // Nanoseconds until one whole token: missing billionths / rate.
        let missing = NANOS_PER_S - bucket.tokens;
        let wait_ns = (missing + i64::from(self.rate) - 1) / i64::from(self.rate);
        let retry_after_s = u64::try_from((wait_ns + NANOS_PER_S - 1) / NANOS_PER_S).unwrap_or(1).max(1);
        Err(ApiError::TooManyRequests { retry_after_s })
    }
}

/// The bucket's tokens at `now_ns`: `rate` tokens per second (so `rate` billionths per ns).
fn refilled(bucket: &Bucket, now_ns: i64, rate: i64, capacity: i64) -> i64 {
    let elapsed = now_ns.saturating_sub(bucket.updated_ns).max(0);
    bucket.tokens.saturating_add(elapsed.saturating_mul(rate)).min(capacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_rate_passes_then_429_until_refilled() {
        let limiter = RateLimiter::new(20);
        for _ in 0..20 {
            assert!(limiter.check_at("k", 0).is_ok());
        }
        match limiter.check_at("k", 0) {
            Err(ApiError::TooManyRequests { retry_after_s }) => assert_eq!(retry_after_s, 1),
            other => panic!("expected 429, got {other:?}"),
        }
        // Another key has its own bucket.
        assert!(limiter.check_at("other", 0).is_ok());
        // 50 ms later one token (1/20 s) is back, and only one.
        assert!(limiter.check_at("k", 50_000_000).is_ok());
        assert!(limiter.check_at("k", 50_000_000).is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        for _ in 0..10_000 {
            assert!(limiter.check_at("k", 0).is_ok());
        }
    }
}
