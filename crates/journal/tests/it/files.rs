//! The real `FileStorage`, in directories under Cargo's per-target temporary directory.

use std::fs;
use std::path::{Path, PathBuf};

use journal::format::{FILE_HEADER_LEN, FILE_NAME};
use journal::{FileStorage, Journal};
use types::Seq;

use crate::random::{self, Rng};
use crate::{record_ranges, replay_ok};

/// A fresh, empty path for one test (removed first if a previous run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("journal-tests").join(name);
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn open_dir(dir: &Path) -> crate::Opened<FileStorage> {
    let mut entries = Vec::new();
    let (journal, recovery) = Journal::open_dir(dir, |seq, entry| {
        entries.push((seq, entry));
        Ok::<(), std::convert::Infallible>(())
    })
    .unwrap_or_else(|error| panic!("open {}: {error}", dir.display()));
    (journal, recovery, entries)
}

#[test]
fn a_missing_directory_is_created_with_an_empty_journal() {
    let dir = scratch("missing").join("nested");
    let (journal, recovery, entries) = open_dir(&dir);
    assert!(recovery.created);
    assert!(entries.is_empty());
    assert_eq!(journal.last_seq(), Seq(0));
    assert_eq!(fs::metadata(dir.join(FILE_NAME)).unwrap().len(), FILE_HEADER_LEN as u64);
    assert_eq!(journal.storage().path(), dir.join(FILE_NAME));
}

#[test]
fn many_appends_survive_reopening() {
    let dir = scratch("many");
    let mut rng = Rng::new(31);
    let mut all = Vec::new();
    for round in 0..3 {
        let (mut journal, recovery, entries) = open_dir(&dir);
        assert_eq!(entries, all, "round {round}");
        assert_eq!(recovery.torn_tail, None);
        for _ in 0..100 {
            let count = 1 + rng.index(10);
            let batch = random::entries(&mut rng, journal.next_seq().0, count);
            journal.append(&batch).unwrap();
            all.extend(batch);
        }
        assert_eq!(journal.len_bytes(), fs::metadata(dir.join(FILE_NAME)).unwrap().len());
    }
    let (_, recovery, entries) = open_dir(&dir);
    assert_eq!(entries, all);
    assert_eq!(recovery.last_seq, Seq(all.len() as u64));
}

#[test]
fn a_torn_tail_in_a_real_file_is_truncated() {
    let dir = scratch("torn");
    let mut rng = Rng::new(32);
    let all = random::entries(&mut rng, 1, 20);
    {
        let (mut journal, _, _) = open_dir(&dir);
        journal.append(&all).unwrap();
    }
    let path = dir.join(FILE_NAME);
    let bytes = fs::read(&path).unwrap();
    let last = record_ranges(&bytes).pop().unwrap();
    fs::write(&path, &bytes[..last.end - 3]).unwrap();

    let (_, recovery, entries) = open_dir(&dir);
    assert_eq!(entries, all[..19]);
    assert_eq!(recovery.torn_tail.map(|torn| torn.offset), Some(last.start as u64));
    assert_eq!(fs::metadata(&path).unwrap().len(), last.start as u64);
}

#[test]
fn a_second_writer_is_locked_out() {
    let dir = scratch("locked");
    let (journal, _, _) = open_dir(&dir);
    let error = FileStorage::open(&dir).unwrap_err();
    assert!(error.to_string().contains("locked"), "{error}");
    drop(journal);
    let (_, _, entries) = replay_ok(FileStorage::open(&dir).unwrap());
    assert!(entries.is_empty());
}
