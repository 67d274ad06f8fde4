//! A small, fast, deterministic hasher for integer ids (Fx-style multiply and rotate).
//!
//! Hash maps keyed by ids are used for point lookups only; their iteration order never
//! reaches output, so determinism of iteration does not matter, but a fixed hasher also keeps
//! performance independent of a random seed.

use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Fx-style hasher.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher {
    hash: u64,
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.hash = (self.hash.rotate_left(5) ^ value).wrapping_mul(SEED);
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Builder for maps keyed by ids.
pub(crate) type IdBuild = BuildHasherDefault<IdHasher>;
