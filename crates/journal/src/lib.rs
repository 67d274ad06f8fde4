//! The pmx journal: a durable, append-only, checksummed, hash-chained log of sequenced
//! entries (engine commands and key grants) in one data directory.
//!
//! The server's sequencer is the single writer. For each batch of requests it stamps sequence
//! numbers, calls `Journal::append` (one write and one fsync for the whole batch: group
//! commit), and only after `Ok` applies the commands to the engine and replies. At start-up,
//! `Journal::open` replays every entry in order to rebuild the engine, truncating a torn tail
//! and refusing (with the record's sequence number and offset) any damage before it.
//!
//! Parts:
//! - `entry`: `Entry` (`Command` or `Key(KeyGrant)`) and its compact binary encoding, built
//!   from the `codec` crate's primitives and the engine's code tables (strict: a typed
//!   `DecodeError`);
//! - `format`: the file format (header, record framing, crc32c checksum, the 64-bit chain
//!   digest), documented byte by byte;
//! - `journal`: `Journal` (open with replay and recovery, append with roll-back on failure),
//!   `Recovery`, `TornTail`, `Damage`, `JournalError`, `OpenError`;
//! - `storage`: the `Storage` trait and `FileStorage`, the locked file `journal.pmx`;
//! - `memory` (feature `test-support`): `MemStorage`, an in-memory storage that injects disk
//!   faults and crashes, for tests;
//! - `snapshot`: snapshot files (header, covered seq, length, crc32c; atomic write, newest
//!   valid one loaded, damaged ones skipped and reported). `Journal::open_after` then verifies
//!   the whole log but decodes and replays only the records after the snapshot.
//!
//! Architecture invariant: the journal assigns nothing. Sequence numbers and timestamps come
//! from the sequencer; the journal checks that they continue the log and stores them.

mod entry;
pub mod format;
mod journal;
#[cfg(feature = "test-support")]
mod memory;
pub mod snapshot;
mod storage;

pub use entry::{DecodeError, Entry, KeyGrant};
pub use journal::{Damage, Journal, JournalError, OpenError, Recovery, TornTail};
#[cfg(feature = "test-support")]
pub use memory::{Crash, Fault, MemStorage};
pub use storage::{FileStorage, Storage};
