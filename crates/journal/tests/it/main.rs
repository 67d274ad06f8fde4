//! Integration tests of the journal, one binary (docs/style.md rule 15):
//! - `random`: the seeded generator of random entries;
//! - `codec`: round trips of every `Op` variant and field, and strict refusal of bad bytes;
//! - `recovery`: replay, torn tails at every byte cut, corruption, chain breaks, gaps;
//! - `faults`: failed writes, syncs and truncates, crashes, and a seeded fault simulation;
//! - `files`: the real `FileStorage` in a temporary directory.

mod codec;
mod faults;
mod files;
mod random;
mod recovery;

use std::convert::Infallible;
use std::ops::Range;

use journal::{Entry, Journal, MemStorage, OpenError, Recovery, Storage};
use types::Seq;

use crate::random::Rng;

/// An opened journal, its recovery report, and every entry it replayed.
type Opened<S> = (Journal<S>, Recovery, Vec<(Seq, Entry)>);

/// Opens `storage` and collects every replayed entry.
fn replay<S: Storage>(storage: S) -> Result<Opened<S>, OpenError<Infallible>> {
    let mut entries = Vec::new();
    let (journal, recovery) = Journal::open(storage, |seq, entry| {
        entries.push((seq, entry));
        Ok::<(), Infallible>(())
    })?;
    Ok((journal, recovery, entries))
}

/// Like `replay`, for a journal that must open cleanly.
fn replay_ok<S: Storage>(storage: S) -> Opened<S> {
    match replay(storage) {
        Ok(opened) => opened,
        Err(error) => panic!("journal failed to open: {error}"),
    }
}

/// A journal of `count` random entries appended in batches of 1 to 8; returns the storage
/// (journal closed) and the entries.
fn build(seed: u64, count: usize) -> (MemStorage, Vec<(Seq, Entry)>) {
    let mut rng = Rng::new(seed);
    let storage = MemStorage::new();
    let (mut journal, _, _) = replay_ok(storage.clone());
    let all = random::entries(&mut rng, 1, count);
    let mut start = 0;
    while start < all.len() {
        let end = (start + 1 + rng.index(8)).min(all.len());
        journal.append(&all[start..end]).expect("append");
        start = end;
    }
    (storage, all)
}

/// The byte ranges of the records in a journal file, parsed from the documented layout.
fn record_ranges(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut offset = journal::format::FILE_HEADER_LEN;
    while offset + journal::format::FRAME_LEN <= bytes.len() {
        let len = u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap()) as usize;
        let end = offset + journal::format::FRAME_LEN + len;
        assert!(end <= bytes.len(), "record at {offset} runs past the end");
        ranges.push(offset..end);
        offset = end;
    }
    assert_eq!(offset, bytes.len(), "trailing bytes after the last record");
    ranges
}
