//! Opening a journal: replay, torn tails (truncated and reported), and damage elsewhere
//! (an error naming the record).

use journal::format::{FILE_HEADER_LEN, FRAME_LEN};
use journal::{Damage, Entry, Journal, JournalError, MemStorage, OpenError, TornTail};
use types::Seq;

use crate::{build, record_ranges, replay, replay_ok};

/// Opens `bytes` expecting a journal error.
fn open_error(bytes: Vec<u8>) -> JournalError {
    match replay(MemStorage::with_bytes(bytes)) {
        Ok((_, recovery, _)) => panic!("opened, but expected an error: {recovery}"),
        Err(OpenError::Journal(error)) => error,
        Err(OpenError::Apply { seq, .. }) => panic!("callback failed at {seq}"),
    }
}

/// Recomputes a record's checksum after the test edited its body.
fn reseal(bytes: &mut [u8], record: std::ops::Range<usize>) {
    let body_start = record.start + FRAME_LEN;
    let checksum = crc32c::crc32c(&bytes[body_start..record.end]);
    bytes[record.start + 4..body_start].copy_from_slice(&checksum.to_le_bytes());
}

#[test]
fn an_empty_directory_becomes_an_empty_journal() {
    let storage = MemStorage::new();
    let (journal, recovery, entries) = replay_ok(storage.clone());
    assert!(recovery.created);
    assert_eq!(recovery.torn_tail, None);
    assert_eq!(journal.last_seq(), Seq(0));
    assert_eq!(journal.next_seq(), Seq(1));
    assert!(entries.is_empty());
    assert_eq!(storage.durable_bytes().len(), FILE_HEADER_LEN);
    assert_eq!(&storage.durable_bytes()[..8], b"pmx-jrnl");

    let (_, recovery, entries) = replay_ok(storage);
    assert!(!recovery.created);
    assert_eq!(recovery.records, 0);
    assert!(entries.is_empty());
}

#[test]
fn reopening_replays_exactly_what_was_appended() {
    let (storage, all) = build(1, 2_000);
    let (mut journal, recovery, entries) = replay_ok(storage.clone());
    assert_eq!(entries, all);
    assert_eq!(recovery.records, 2_000);
    assert_eq!(recovery.last_seq, Seq(2_000));
    assert_eq!(recovery.bytes, storage.bytes().len() as u64);
    assert_eq!(recovery.torn_tail, None);
    assert_eq!(journal.len_bytes(), recovery.bytes);

    // Appending after a reopen continues the chain.
    let more = crate::random::entries(&mut crate::random::Rng::new(2), 2_001, 50);
    journal.append(&more).unwrap();
    drop(journal);
    let (_, _, entries) = replay_ok(storage);
    assert_eq!(entries, [all, more].concat());
}

#[test]
fn a_torn_tail_is_truncated_at_every_byte_cut() {
    let (storage, all) = build(3, 40);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    // Cut anywhere inside the last three records (a torn last batch).
    let from = ranges[ranges.len() - 3].start;
    for cut in from..full.len() {
        let complete = ranges.iter().filter(|range| range.end <= cut).count();
        let storage = MemStorage::with_bytes(full[..cut].to_vec());
        let (mut journal, recovery, entries) = replay_ok(storage.clone());
        assert_eq!(entries, all[..complete], "cut {cut}");
        let boundary = ranges[complete - 1].end;
        if cut == boundary {
            assert_eq!(recovery.torn_tail, None, "cut {cut}");
        } else {
            let torn = recovery.torn_tail.unwrap_or_else(|| panic!("cut {cut}: no torn tail reported"));
            assert_eq!(torn.offset, boundary as u64);
            assert_eq!(torn.bytes_dropped, (cut - boundary) as u64);
            assert_eq!(torn.seq, Seq(complete as u64 + 1));
            assert!(recovery.to_string().contains("torn tail truncated"), "{recovery}");
        }
        assert_eq!(storage.durable_bytes(), full[..boundary], "cut {cut}: truncated and synced");
        // The journal carries on from there, and the lost entries can be appended again.
        journal.append(&all[complete..]).unwrap();
        drop(journal);
        assert_eq!(storage.bytes(), full, "cut {cut}: re-appending gives the same bytes");
    }
}

#[test]
fn a_torn_file_header_is_rewritten() {
    let (storage, _) = build(4, 1);
    let header = storage.bytes()[..FILE_HEADER_LEN].to_vec();
    for cut in 1..FILE_HEADER_LEN {
        let storage = MemStorage::with_bytes(header[..cut].to_vec());
        let (_, recovery, entries) = replay_ok(storage.clone());
        assert!(recovery.created);
        assert_eq!(
            recovery.torn_tail,
            Some(TornTail { offset: 0, bytes_dropped: cut as u64, seq: Seq(1), damage: Damage::FileHeader })
        );
        assert!(entries.is_empty());
        assert_eq!(storage.durable_bytes(), header);
    }
}

#[test]
fn damage_to_the_last_record_is_a_torn_tail() {
    let (storage, all) = build(5, 30);
    let full = storage.bytes();
    let last = record_ranges(&full).pop().unwrap();
    for at in last.clone() {
        for bit in [0, 7] {
            let mut bytes = full.clone();
            bytes[at] ^= 1 << bit;
            let storage = MemStorage::with_bytes(bytes);
            let (_, recovery, entries) = replay_ok(storage.clone());
            assert_eq!(entries, all[..29], "byte {at}");
            let torn = recovery.torn_tail.unwrap_or_else(|| panic!("byte {at}: no torn tail"));
            assert_eq!((torn.offset, torn.seq), (last.start as u64, Seq(30)), "byte {at}");
            assert_eq!(storage.durable_bytes(), full[..last.start]);
        }
    }
}

#[test]
fn garbage_after_a_torn_record_is_still_a_torn_tail() {
    // A torn batch: one record half written, then zeros where the rest should have been.
    let (storage, all) = build(6, 20);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    let torn = ranges[17].clone();
    let mut bytes = full[..torn.start + 20].to_vec();
    bytes.resize(full.len(), 0);
    let (_, recovery, entries) = replay_ok(MemStorage::with_bytes(bytes));
    assert_eq!(entries, all[..17]);
    assert_eq!(recovery.torn_tail.map(|torn| (torn.offset, torn.seq)), Some((torn.start as u64, Seq(18))));
}

#[test]
fn any_damaged_byte_in_a_middle_record_is_an_error_naming_it() {
    let (storage, _) = build(7, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    for index in [0, 12, 27] {
        let record = ranges[index].clone();
        let seq = Seq(index as u64 + 1);
        for at in record.clone() {
            let mut bytes = full.clone();
            bytes[at] ^= 0x10;
            match open_error(bytes) {
                JournalError::Damaged { seq: named, offset, .. } => {
                    assert_eq!((named, offset), (seq, record.start as u64), "byte {at}");
                }
                other => panic!("byte {at}: {other}"),
            }
        }
    }
    // The message names the record and its offset.
    let mut bytes = full.clone();
    bytes[ranges[12].start + FRAME_LEN + 3] ^= 1;
    let message = open_error(bytes).to_string();
    assert!(message.contains("record 13 at byte"), "{message}");
    assert!(message.contains(&ranges[12].start.to_string()), "{message}");
}

#[test]
fn a_zeroed_stretch_in_the_middle_is_an_error() {
    let (storage, _) = build(8, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    let mut bytes = full.clone();
    bytes[ranges[10].start + 3..ranges[14].start + 5].fill(0);
    assert!(matches!(open_error(bytes), JournalError::Damaged { seq: Seq(11), .. }));
}

#[test]
fn a_dropped_record_is_a_sequence_gap() {
    let (storage, _) = build(9, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    let dropped = ranges[10].clone();
    let bytes = [&full[..dropped.start], &full[dropped.end..]].concat();
    match open_error(bytes) {
        JournalError::OutOfSequence { expected, found, offset } => {
            assert_eq!((expected, found, offset), (Seq(11), Seq(12), dropped.start as u64));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_duplicated_or_swapped_record_is_out_of_sequence() {
    let (storage, _) = build(10, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    let record = ranges[10].clone();
    let duplicated = [&full[..record.end], &full[record.clone()], &full[record.end..]].concat();
    assert!(matches!(
        open_error(duplicated),
        JournalError::OutOfSequence { expected: Seq(12), found: Seq(11), offset } if offset == record.end as u64
    ));

    let next = ranges[11].clone();
    let swapped = [&full[..record.start], &full[next.clone()], &full[record.clone()], &full[next.end..]].concat();
    assert!(matches!(
        open_error(swapped),
        JournalError::OutOfSequence { expected: Seq(11), found: Seq(12), offset } if offset == record.start as u64
    ));
}

#[test]
fn a_record_from_another_history_breaks_the_chain() {
    // Two journals with the same sequence numbers but different entries: each record is
    // intact, yet record 11 of one does not follow record 10 of the other.
    let (ours, _) = build(11, 30);
    let (theirs, _) = build(12, 30);
    let ours = ours.bytes();
    let theirs = theirs.bytes();
    let our_ranges = record_ranges(&ours);
    let their_ranges = record_ranges(&theirs);
    let spliced =
        [&ours[..our_ranges[10].start], &theirs[their_ranges[10].clone()], &ours[our_ranges[10].end..]].concat();
    match open_error(spliced) {
        JournalError::ChainBroken { seq, offset } => {
            assert_eq!((seq, offset), (Seq(11), our_ranges[10].start as u64));
        }
        other => panic!("{other}"),
    }
    // The same holds for the last record: an intact record is never a torn tail.
    let spliced = [&ours[..our_ranges[29].start], &theirs[their_ranges[29].clone()]].concat();
    assert!(matches!(open_error(spliced), JournalError::ChainBroken { seq: Seq(30), .. }));
}

#[test]
fn an_intact_record_that_does_not_decode_is_an_error() {
    let (storage, _) = build(13, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    for index in [5, 29] {
        let record = ranges[index].clone();
        let mut bytes = full.clone();
        // The payload's first byte is the entry kind; 0x7F is none.
        bytes[record.start + FRAME_LEN + 16] = 0x7F;
        reseal(&mut bytes, record.clone());
        match open_error(bytes) {
            JournalError::Undecodable { seq, offset, .. } => {
                assert_eq!((seq, offset), (Seq(index as u64 + 1), record.start as u64));
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn a_bad_length_in_the_middle_is_not_mistaken_for_a_torn_tail() {
    let (storage, _) = build(14, 30);
    let full = storage.bytes();
    let ranges = record_ranges(&full);
    for len in [0u32, 5, u32::MAX, full.len() as u32] {
        let mut bytes = full.clone();
        bytes[ranges[3].start..ranges[3].start + 4].copy_from_slice(&len.to_le_bytes());
        assert!(matches!(open_error(bytes), JournalError::Damaged { seq: Seq(4), .. }), "len {len}");
    }
}

#[test]
fn a_bad_file_header_is_an_error() {
    let (storage, _) = build(15, 3);
    let full = storage.bytes();

    let mut bytes = full.clone();
    bytes[0] = b'X';
    assert!(matches!(open_error(bytes), JournalError::NotAJournal { .. }));

    let mut bytes = full.clone();
    bytes[13] ^= 1;
    assert!(matches!(open_error(bytes), JournalError::BadHeader));

    // A journal of the previous format version (1): refused, saying what to do.
    let mut bytes = full.clone();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    let checksum = crc32c::crc32c(&bytes[..12]);
    bytes[12..16].copy_from_slice(&checksum.to_le_bytes());
    let error = open_error(bytes);
    assert!(matches!(error, JournalError::UnsupportedVersion { found: 1, supported: 2 }), "{error}");
    let message = error.to_string();
    assert!(message.contains("version 1 is not supported"), "{message}");
    assert!(message.contains("reads version 2"), "{message}");
    assert!(message.contains("recreate the data directory"), "{message}");

    assert!(matches!(open_error(b"hello".to_vec()), JournalError::NotAJournal { .. }));
    assert!(matches!(open_error(b"pmx-jrnlX".to_vec()), JournalError::BadHeader));
}

#[test]
fn a_callback_error_stops_the_replay() {
    let (storage, _) = build(16, 30);
    let mut seen = 0;
    let result = Journal::open(storage, |seq, _entry: Entry| {
        seen += 1;
        if seq == Seq(7) { Err("engine refused") } else { Ok(()) }
    });
    match result {
        Err(OpenError::Apply { seq, source }) => assert_eq!((seq, source), (Seq(7), "engine refused")),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("opened"),
    }
    assert_eq!(seen, 7);
}
