//! The sequencer: the one thread that owns the engine, the history store and the journal.
//!
//! Requests arrive as jobs on a bounded channel; the thread takes them in batches, stamps every
//! write with the next sequence number and a timestamp, journals the batch with one fsync
//! (group commit), and only then applies it in order, running each job's continuation with
//! the outcome. Reads run in their place in that order, so a read sees every write
//! acknowledged before it.
//!
//! Parts:
//! - `batch`: the handle (`Sequencer`), the jobs, and the thread's loop: batching, group
//!   commit, a refused batch when the journal cannot be written, time-driven expiry;
//! - `core`: `Core`, the state the thread owns, and `Core::apply`, the one path by which a
//!   journaled entry changes it (live and in replay);
//! - `waiters`: the synchronous-execution waiters, woken when their order is final;
//! - `snapshots`: the server's snapshot payload (engine, history store, key grants), its
//!   schedule and the writer thread;
//! - `replay`: start-up: the newest valid snapshot, then the journal's tail in three stages.

mod batch;
mod core;
mod replay;
mod snapshots;
mod waiters;

pub(crate) use self::batch::{Sequencer, is_busy, spawn};
pub use self::core::JournalStorage;
pub(crate) use self::core::{Applied, Core, Write};
pub use self::replay::RecoverError;
pub(crate) use self::replay::{recover, recover_from};
