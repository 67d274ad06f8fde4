//! `state_hash`: a digest of the whole engine state, for replay and snapshot checks.
//!
//! It is xxh3-64 of the canonical snapshot bytes (`encode_snapshot`), so it covers exactly
//! what a snapshot stores, in the snapshot's order, with enums by their stable codes: it is
//! stable across runs, platforms and Rust versions, and renaming a variant does not change it
//! (changing a code or the snapshot layout does, with `SNAPSHOT_VERSION`). The snapshot keeps
//! free slots and the free list too, so two engines hash equal when they will also reuse
//! slots alike.

use xxhash_rust::xxh3::xxh3_64;

use crate::engine::Engine;

impl Engine {
    /// A digest of the complete state. Equal states give equal hashes; replaying the same
    /// commands must reproduce it exactly. Call it between commands (it encodes a snapshot).
    pub fn state_hash(&self) -> u64 {
        let mut bytes = Vec::new();
        self.encode_snapshot(&mut bytes);
        xxh3_64(&bytes)
    }
}
