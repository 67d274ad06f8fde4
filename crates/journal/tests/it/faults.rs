//! Disk faults through `MemStorage`: a failed append returns `Err`, acknowledges nothing,
//! and leaves no half record behind; crashes at any point recover exactly the acknowledged
//! entries (plus, at most, complete records of a batch whose failure could not be cleaned
//! up, which is the "outcome unknown" case).

use std::io;

use engine::{Command, Op};
use journal::{Crash, Entry, Fault, Journal, JournalError, MemStorage, OpenError};
use types::{Seq, Timestamp};

use crate::random::{self, Rng};
use crate::{record_ranges, replay, replay_ok};

const FAULTS: [Fault; 3] = [Fault::NoSpace, Fault::Io, Fault::ReadOnly];

fn expected_kind(fault: Fault) -> io::ErrorKind {
    match fault {
        Fault::NoSpace => io::ErrorKind::StorageFull,
        Fault::Io => io::ErrorKind::Other,
        Fault::ReadOnly => io::ErrorKind::ReadOnlyFilesystem,
    }
}

fn assert_io(error: JournalError, op: &str, fault: Fault) {
    match error {
        JournalError::Io { op: found, source } => {
            assert_eq!(found, op);
            assert_eq!(source.kind(), expected_kind(fault));
        }
        other => panic!("expected an I/O error from {op}, got {other}"),
    }
}

/// A journal on fresh storage holding `count` acknowledged entries.
fn started(rng: &mut Rng, count: usize) -> (MemStorage, Journal<MemStorage>, Vec<(Seq, Entry)>) {
    let storage = MemStorage::new();
    let (mut journal, _, _) = replay_ok(storage.clone());
    let acked = random::entries(rng, 1, count);
    journal.append(&acked).unwrap();
    (storage, journal, acked)
}

#[test]
fn a_failed_write_is_rolled_back_and_the_batch_can_be_retried() {
    let mut rng = Rng::new(21);
    for fault in FAULTS {
        for written in [0, 1, 7, 8, 25, 60, usize::MAX] {
            let (storage, mut journal, acked) = started(&mut rng, 5);
            let good = storage.bytes();
            storage.fail_next_write(fault, written);
            let batch = random::entries(&mut rng, 6, 4);
            assert_io(journal.append(&batch).unwrap_err(), "write", fault);
            assert_eq!(journal.last_seq(), Seq(5));
            assert_eq!(storage.bytes(), good, "the partial write is cut at once");
            assert_eq!(storage.durable_bytes(), good);

            journal.append(&batch).unwrap();
            assert_eq!(journal.last_seq(), Seq(9));
            drop(journal);
            storage.crash(Crash::LoseUnsynced);
            let (_, recovery, entries) = replay_ok(storage);
            assert_eq!(entries, [acked, batch].concat());
            assert_eq!(recovery.torn_tail, None);
        }
    }
}

#[test]
fn a_failed_sync_is_rolled_back_and_nothing_is_acknowledged() {
    let mut rng = Rng::new(22);
    for fault in FAULTS {
        let (storage, mut journal, acked) = started(&mut rng, 5);
        let good = storage.bytes();
        storage.fail_next_sync(fault);
        let batch = random::entries(&mut rng, 6, 3);
        assert_io(journal.append(&batch).unwrap_err(), "sync", fault);
        assert_eq!(journal.last_seq(), Seq(5));
        assert_eq!(storage.durable_bytes(), good);
        assert_eq!(storage.bytes(), good);

        // Nothing of the failed batch survives a crash now.
        for crash in [Crash::LoseUnsynced, Crash::KeepUnsynced] {
            storage.crash(crash);
            let (_, _, entries) = replay_ok(storage.clone());
            assert_eq!(entries, acked);
        }
        journal.append(&batch).unwrap();
        drop(journal);
        let (_, _, entries) = replay_ok(storage);
        assert_eq!(entries, [acked, batch].concat());
    }
}

#[test]
fn when_the_roll_back_fails_too_the_next_append_cleans_up_first() {
    let mut rng = Rng::new(23);
    for write_fails in [false, true] {
        let (storage, mut journal, acked) = started(&mut rng, 5);
        let good = storage.bytes();
        if write_fails {
            storage.fail_next_write(Fault::NoSpace, 30);
        } else {
            storage.fail_next_sync(Fault::Io);
        }
        storage.fail_next_truncate(Fault::Io);
        let failed = random::entries(&mut rng, 6, 3);
        assert!(journal.append(&failed).is_err());
        assert!(storage.bytes().len() > good.len(), "the failed batch's bytes are still there");

        // A different batch for the same sequence numbers: the stale bytes must go first.
        let batch = random::entries(&mut rng, 6, 2);
        journal.append(&batch).unwrap();
        let ranges = record_ranges(&storage.bytes());
        assert_eq!(ranges.len(), 7, "no half record in the middle");
        drop(journal);
        let (_, recovery, entries) = replay_ok(storage);
        assert_eq!(entries, [acked, batch].concat());
        assert_eq!(recovery.torn_tail, None);
    }
}

#[test]
fn a_disk_gone_read_only_fails_every_append_until_it_recovers() {
    let mut rng = Rng::new(24);
    let (storage, mut journal, acked) = started(&mut rng, 5);
    let good = storage.bytes();
    storage.fail_always(Some(Fault::ReadOnly));
    let batch = random::entries(&mut rng, 6, 3);
    assert_io(journal.append(&batch).unwrap_err(), "write", Fault::ReadOnly);
    for _ in 0..3 {
        assert_io(journal.append(&batch).unwrap_err(), "truncate after a failed append", Fault::ReadOnly);
        assert_eq!(journal.last_seq(), Seq(5));
    }
    storage.fail_always(None);
    journal.append(&batch).unwrap();
    assert_eq!(storage.bytes()[..good.len()], good[..]);
    drop(journal);
    let (_, recovery, entries) = replay_ok(storage);
    assert_eq!(entries, [acked, batch].concat());
    assert_eq!(recovery.torn_tail, None);
}

#[test]
fn a_crash_in_the_middle_of_a_batch_recovers_its_complete_records_at_most() {
    let mut rng = Rng::new(25);
    let (storage, mut journal, acked) = started(&mut rng, 5);
    let good_len = storage.bytes().len();
    let batch = random::entries(&mut rng, 6, 4);
    // The write lands, the sync fails, the roll-back fails: the batch sits unsynced.
    storage.fail_next_sync(Fault::Io);
    storage.fail_next_truncate(Fault::Io);
    assert!(journal.append(&batch).is_err());
    drop(journal);
    let written = storage.bytes();
    let ranges = record_ranges(&written);
    for kept in 0..=written.len() - good_len {
        // Rebuild the "written but unsynced" state, then crash keeping `kept` bytes of it.
        let storage = MemStorage::with_bytes(written[..good_len].to_vec());
        let mut handle = storage.clone();
        journal::Storage::append(&mut handle, &written[good_len..]).unwrap();
        storage.crash(Crash::KeepTorn(kept));
        let cut = good_len + kept;
        let complete = ranges.iter().filter(|range| range.end <= cut).count();
        let (_, recovery, entries) = replay_ok(storage);
        assert_eq!(entries, [&acked[..], &batch[..complete - 5]].concat(), "kept {kept}");
        assert_eq!(recovery.torn_tail.is_some(), ranges[complete - 1].end != cut, "kept {kept}");
    }
}

#[test]
fn a_batch_is_one_write_and_one_sync() {
    let mut rng = Rng::new(26);
    let (storage, mut journal, _) = started(&mut rng, 1);
    let (writes, syncs) = (storage.write_count(), storage.sync_count());
    journal.append(&random::entries(&mut rng, 2, 100)).unwrap();
    assert_eq!((storage.write_count(), storage.sync_count()), (writes + 1, syncs + 1));
    journal.append(&[]).unwrap();
    assert_eq!((storage.write_count(), storage.sync_count()), (writes + 1, syncs + 1));
}

#[test]
fn a_batch_that_does_not_continue_the_log_is_refused_before_writing() {
    let mut rng = Rng::new(27);
    let (storage, mut journal, acked) = started(&mut rng, 3);
    let good = storage.bytes();
    let syncs = storage.sync_count();
    let command = |seq: u64, stamped: u64| {
        (Seq(seq), Entry::Command(Command { seq: Seq(stamped), ts: Timestamp(5), op: Op::AdvanceTime }))
    };

    let error = journal.append(&[command(5, 5)]).unwrap_err();
    assert!(matches!(error, JournalError::SeqNotNext { index: 0, expected: Seq(4), found: Seq(5) }), "{error}");
    let error = journal.append(&[command(4, 4), command(4, 4)]).unwrap_err();
    assert!(matches!(error, JournalError::SeqNotNext { index: 1, expected: Seq(5), found: Seq(4) }), "{error}");
    let error = journal.append(&[command(4, 4), command(6, 6)]).unwrap_err();
    assert!(matches!(error, JournalError::SeqNotNext { index: 1, expected: Seq(5), .. }), "{error}");
    let error = journal.append(&[command(4, 9)]).unwrap_err();
    assert!(matches!(error, JournalError::CommandSeqMismatch { seq: Seq(4), command: Seq(9) }), "{error}");
    let huge = Op::CreateAccount { name: "x".repeat(2 << 20) };
    let error = journal
        .append(&[command(4, 4), (Seq(5), Entry::Command(Command { seq: Seq(5), ts: Timestamp(5), op: huge }))])
        .unwrap_err();
    assert!(matches!(error, JournalError::EntryTooLarge { seq: Seq(5), .. }), "{error}");

    assert_eq!(storage.bytes(), good);
    assert_eq!(storage.sync_count(), syncs);
    assert_eq!(journal.last_seq(), Seq(3));
    journal.append(&[command(4, 4)]).unwrap();
    drop(journal);
    let (_, _, entries) = replay_ok(storage);
    assert_eq!(entries, [acked, vec![command(4, 4)]].concat());
}

#[test]
fn failures_while_opening_are_errors_and_retrying_works() {
    let mut rng = Rng::new(28);
    let (storage, journal, acked) = started(&mut rng, 20);
    drop(journal);
    storage.fail_next_read(Fault::Io);
    assert!(matches!(replay(storage.clone()), Err(OpenError::Journal(JournalError::Io { op: "read", .. }))));
    let (_, _, entries) = replay_ok(storage);
    assert_eq!(entries, acked);

    // Creating the header fails halfway; the next open finishes the job.
    let storage = MemStorage::new();
    storage.fail_next_write(Fault::NoSpace, 5);
    assert!(replay(storage.clone()).is_err());
    storage.crash(Crash::KeepUnsynced);
    let (mut journal, recovery, _) = replay_ok(storage.clone());
    assert!(recovery.created);
    assert_eq!(recovery.torn_tail.map(|torn| torn.bytes_dropped), Some(5));
    journal.append(&acked).unwrap();
}

/// Random appends under random faults, with crashes and reopens in between. After every
/// reopen the replay is the acknowledged entries, plus at most a prefix of the one batch
/// whose failure could not be rolled back (those records are then durable, and adopted).
#[test]
fn seeded_fault_simulation() {
    for seed in [1u64, 2, 3, 4] {
        simulate(seed, 1_500);
    }
}

fn simulate(seed: u64, steps: usize) {
    let mut rng = Rng::new(seed);
    let storage = MemStorage::new();
    let (mut journal, _, _) = replay_ok(storage.clone());
    let mut acked: Vec<(Seq, Entry)> = Vec::new();
    // Batches that failed since the last success or reopen: any of them may have left
    // complete records behind if its roll-back failed too.
    let mut unsure: Vec<Vec<(Seq, Entry)>> = Vec::new();
    for step in 0..steps {
        let context = format!("seed {seed}, step {step}");
        match rng.below(12) {
            0..=7 => {
                let count = 1 + rng.index(6);
                let batch = random::entries(&mut rng, journal.next_seq().0, count);
                let faulty = match rng.below(10) {
                    0 => {
                        storage.fail_next_write(rng.pick(&FAULTS), rng.index(300));
                        true
                    }
                    1 => {
                        storage.fail_next_sync(rng.pick(&FAULTS));
                        true
                    }
                    2 => {
                        storage.fail_next_sync(rng.pick(&FAULTS));
                        storage.fail_next_truncate(rng.pick(&FAULTS));
                        true
                    }
                    _ => false,
                };
                match journal.append(&batch) {
                    Ok(()) => {
                        assert!(!faulty, "{context}: append succeeded despite a fault");
                        acked.extend(batch);
                        unsure.clear();
                    }
                    Err(error) => {
                        assert!(faulty, "{context}: unexpected error {error}");
                        unsure.push(batch);
                    }
                }
                // A fault the append did not reach (it stopped earlier) must not linger.
                storage.clear_faults();
                assert_eq!(journal.last_seq(), Seq(acked.len() as u64), "{context}");
            }
            8 => {
                storage.fail_always(Some(rng.pick(&FAULTS)));
                for _ in 0..1 + rng.index(3) {
                    let count = 1 + rng.index(3);
                    let batch = random::entries(&mut rng, journal.next_seq().0, count);
                    assert!(journal.append(&batch).is_err(), "{context}");
                    unsure.push(batch);
                }
                storage.fail_always(None);
            }
            step_kind => {
                drop(journal);
                let crash = match step_kind {
                    9 => Some(Crash::LoseUnsynced),
                    10 => Some(Crash::KeepTorn(rng.index(400))),
                    _ => None,
                };
                if let Some(crash) = crash {
                    storage.crash(crash);
                }
                let (reopened, recovery, entries) = replay_ok(storage.clone());
                assert!(
                    entries.len() >= acked.len(),
                    "{context}: lost acknowledged entries ({} replayed, {} acknowledged, crash {crash:?}, {recovery:?})",
                    entries.len(),
                    acked.len()
                );
                assert_eq!(entries[..acked.len()], acked[..], "{context}");
                let extra = &entries[acked.len()..];
                assert!(
                    extra.is_empty() || unsure.iter().any(|batch| batch.starts_with(extra)),
                    "{context}: replayed entries that are no prefix of a failed batch"
                );
                if unsure.is_empty() {
                    assert_eq!(recovery.torn_tail, None, "{context}");
                }
                acked = entries;
                unsure.clear();
                journal = reopened;
            }
        }
    }
    drop(journal);
    let (_, _, entries) = replay_ok(storage);
    assert!(entries.starts_with(&acked), "seed {seed}: final replay");
}
