//! SplitMix64: a tiny seeded PRNG, so the order stream is identical on every run and
//! machine without pulling in `rand`.

/// SplitMix64 (Steele, Lea and Flood, 2014): one 64-bit word of state, full period,
/// good enough statistical quality for generating synthetic order flow.
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub(crate) const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` by multiply-shift (bias below `n / 2^64`, irrelevant here).
    ///
    /// # Panics
    /// Panics if `n` is zero.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no valid result");
        let wide = u128::from(self.next_u64()) * u128::from(n);
        u64::try_from(wide >> 64).expect("high half of a u64 x u64 product fits in u64")
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    pub(crate) fn per_mille(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn between_stays_in_range_and_hits_both_ends() {
        let mut rng = SplitMix64::new(1);
        let draws: Vec<u64> = (0..10_000).map(|_| rng.between(1, 100)).collect();
        assert!(draws.iter().all(|d| (1..=100).contains(d)));
        assert!(draws.contains(&1));
        assert!(draws.contains(&100));
    }
}
