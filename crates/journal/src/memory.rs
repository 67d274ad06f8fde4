//! `MemStorage`: an in-memory `Storage` that can fail on command and simulate crashes.
//!
//! It models a file with a page cache: `bytes` is what reads see, `durable` is what would
//! survive a power loss, and `sync` copies the one to the other. Clones share the same
//! "disk", so a test keeps a handle while the journal owns another, injects faults through
//! it, crashes it, and opens a new journal on it.
//!
//! Faults:
//! - `fail_next_write(fault, written)`: the next `append` writes its first `written` bytes
//!   (a partial write, as a full disk does) and then fails;
//! - `fail_next_sync`, `fail_next_truncate`, `fail_next_read`: the next such call fails and
//!   does nothing (a failed sync makes nothing durable);
//! - `fail_always(Some(fault))`: every write, sync and truncate fails until
//!   `fail_always(None)` (a disk remounted read-only, a device gone);
//! - `crash(Crash::..)`: power loss (unsynced bytes lost), a torn crash (a prefix of the
//!   unsynced bytes survives), or a process crash (everything written survives).
//!
//! Fault kinds map to the errors a real disk gives: `NoSpace` = ENOSPC
//! (`ErrorKind::StorageFull`), `Io` = EIO, `ReadOnly` = EROFS (`ErrorKind::ReadOnlyFilesystem`).

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::storage::Storage;

/// What kind of error an injected fault returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// ENOSPC: no space left on device.
    NoSpace,
    /// EIO: input/output error.
    Io,
    /// EROFS: read-only file system.
    ReadOnly,
}

impl Fault {
    /// The `io::Error` this fault returns.
    pub fn error(self) -> io::Error {
        match self {
            Fault::NoSpace => io::Error::new(io::ErrorKind::StorageFull, "injected fault: no space left on device"),
            Fault::Io => io::Error::other("injected fault: input/output error"),
            Fault::ReadOnly => {
                io::Error::new(io::ErrorKind::ReadOnlyFilesystem, "injected fault: read-only file system")
            }
        }
    }
}

/// How a simulated crash treats bytes written but not synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crash {
    /// Power loss: only synced bytes survive.
    LoseUnsynced,
    /// Power loss in the middle of write-back: the bytes up to the last synced point plus the
    /// first `n` bytes written after it survive (a torn write).
    KeepTorn(usize),
    /// The process dies but the machine does not: everything written survives.
    KeepUnsynced,
}

/// An in-memory, fault-injecting `Storage`. Clones share one disk.
#[derive(Clone, Debug, Default)]
pub struct MemStorage {
    disk: Arc<Mutex<Disk>>,
}

#[derive(Debug, Default)]
struct Disk {
    /// What reads see.
    bytes: Vec<u8>,
    /// What survives a power loss.
    durable: Vec<u8>,
    /// `bytes[..common] == durable[..common]`: the part of `bytes` known to be durable.
    common: usize,
    next_write: Option<(Fault, usize)>,
    next_sync: Option<Fault>,
    next_truncate: Option<Fault>,
    next_read: Option<Fault>,
    always: Option<Fault>,
    writes: u64,
    syncs: u64,
}

impl MemStorage {
    /// An empty disk.
    pub fn new() -> MemStorage {
        MemStorage::default()
    }

    /// A disk holding `bytes`, all durable (for tests that craft or damage a journal).
    pub fn with_bytes(bytes: Vec<u8>) -> MemStorage {
        let storage = MemStorage::new();
        storage.set_bytes(bytes);
        storage
    }

    fn disk(&self) -> MutexGuard<'_, Disk> {
        self.disk.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `append` writes its first `written` bytes, then fails with `fault`.
    pub fn fail_next_write(&self, fault: Fault, written: usize) {
        self.disk().next_write = Some((fault, written));
    }

    /// The next `sync` fails with `fault` and makes nothing durable.
    pub fn fail_next_sync(&self, fault: Fault) {
        self.disk().next_sync = Some(fault);
    }

    /// The next `truncate` fails with `fault` and changes nothing.
    pub fn fail_next_truncate(&self, fault: Fault) {
        self.disk().next_truncate = Some(fault);
    }

    /// The next `read_at` fails with `fault`.
    pub fn fail_next_read(&self, fault: Fault) {
        self.disk().next_read = Some(fault);
    }

    /// With `Some`, every write, sync and truncate fails with that fault until called with
    /// `None`.
    pub fn fail_always(&self, fault: Option<Fault>) {
        self.disk().always = fault;
    }

    /// Cancels every pending fault, one-shot or persistent.
    pub fn clear_faults(&self) {
        let mut disk = self.disk();
        disk.next_write = None;
        disk.next_sync = None;
        disk.next_truncate = None;
        disk.next_read = None;
        disk.always = None;
    }

    /// Simulates a crash; afterwards the disk holds what survived, all of it durable, and
    /// every pending one-shot fault is cleared. Open a new journal on it to recover.
    pub fn crash(&self, crash: Crash) {
        let mut disk = self.disk();
        let survived = match crash {
            Crash::LoseUnsynced => disk.durable.clone(),
            Crash::KeepTorn(count) => {
                let end = disk.bytes.len().min(disk.common.saturating_add(count));
                disk.bytes[..end].to_vec()
            }
            Crash::KeepUnsynced => disk.bytes.clone(),
        };
        disk.common = survived.len();
        disk.durable = survived.clone();
        disk.bytes = survived;
        disk.next_write = None;
        disk.next_sync = None;
        disk.next_truncate = None;
        disk.next_read = None;
    }

    /// The bytes reads see now.
    pub fn bytes(&self) -> Vec<u8> {
        self.disk().bytes.clone()
    }

    /// The bytes that would survive a power loss now.
    pub fn durable_bytes(&self) -> Vec<u8> {
        self.disk().durable.clone()
    }

    /// Replaces the content with `bytes`, all durable.
    pub fn set_bytes(&self, bytes: Vec<u8>) {
        let mut disk = self.disk();
        disk.common = bytes.len();
        disk.durable = bytes.clone();
        disk.bytes = bytes;
    }

    /// How many `append` calls have succeeded (group commit: one per appended batch).
    pub fn write_count(&self) -> u64 {
        self.disk().writes
    }

    /// How many `sync` calls have succeeded (group commit: one per appended batch).
    pub fn sync_count(&self) -> u64 {
        self.disk().syncs
    }
}

impl Storage for MemStorage {
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.disk().bytes.len() as u64)
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut disk = self.disk();
        if let Some(fault) = disk.next_read.take() {
            return Err(fault.error());
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(disk.bytes.len());
        let count = buf.len().min(disk.bytes.len() - start);
        buf[..count].copy_from_slice(&disk.bytes[start..start + count]);
        Ok(count)
    }

    fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut disk = self.disk();
        if let Some(fault) = disk.always {
            return Err(fault.error());
        }
        if let Some((fault, written)) = disk.next_write.take() {
            disk.bytes.extend_from_slice(&bytes[..written.min(bytes.len())]);
            return Err(fault.error());
        }
        disk.bytes.extend_from_slice(bytes);
        disk.writes += 1;
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        let mut disk = self.disk();
        if let Some(fault) = disk.always {
            return Err(fault.error());
        }
        if let Some(fault) = disk.next_sync.take() {
            return Err(fault.error());
        }
        let Disk { bytes, durable, common, .. } = &mut *disk;
        durable.truncate(*common);
        durable.extend_from_slice(&bytes[*common..]);
        *common = bytes.len();
        disk.syncs += 1;
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let mut disk = self.disk();
        if let Some(fault) = disk.always {
            return Err(fault.error());
        }
        if let Some(fault) = disk.next_truncate.take() {
            return Err(fault.error());
        }
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len < disk.bytes.len() {
            disk.bytes.truncate(len);
            disk.common = disk.common.min(len);
        }
        Ok(())
    }
}
