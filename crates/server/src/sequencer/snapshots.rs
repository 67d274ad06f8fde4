//! Snapshots of the server's whole state, and the thread that writes them.
//!
//! Every `SNAPSHOT_EVERY` journaled entries, after a batch has been applied and answered, the
//! sequencer encodes the whole state (engine, history store, key grants, last timestamp:
//! `Core::encode_snapshot`) and hands the bytes to a writer thread, which writes the snapshot
//! file (`journal::snapshot::write`: temp file, fsync, rename, directory fsync, keep the newest
//! two). Encoding is the only part on the sequencer thread; if the writer is still busy with
//! the previous one, the snapshot is skipped and tried again after the next batch. A stop
//! writes a final snapshot synchronously, so a clean restart replays nothing. Snapshots are
//! only taken for the data directory's journal file (not for a test storage, whose contents
//! the directory cannot vouch for).
//!
//! The payload (inside the snapshot file's framing, `journal::snapshot`), built from the
//! `codec` primitives:
//!
//! ```text
//! magic "pmx-srvs" (8 bytes), version var (2)
//! last timestamp zz
//! engine snapshot: length u64 little-endian (patched after encoding), then
//!   `Engine::encode_snapshot`'s bytes
//! history store (`History::encode`)
//! key grants: var count, each: key_id str, public_key (32 bytes), account str
//! ```
//!
//! A payload that does not decode, or has another version, is logged and skipped: start-up
//! then replays the whole journal (which itself refuses a journal of another version).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use codec::{DecodeError, Reader, Writer};
use engine::{Engine, SnapshotError};
use journal::KeyGrant;
use types::Seq;

use super::core::Core;
use crate::history::History;

/// Journaled entries between two snapshots.
pub(crate) const SNAPSHOT_EVERY: u64 = 100_000;
/// The first bytes of the server's snapshot payload, and its version (1 was fixed-width
/// little-endian with the engine's own encoder; 2 is built from `codec`).
const PAYLOAD_MAGIC: [u8; 8] = *b"pmx-srvs";
const PAYLOAD_VERSION: u32 = 2;

/// The snapshot schedule and the writer thread.
pub(super) struct Snapshots {
    dir: PathBuf,
    /// The last entry covered by the newest snapshot taken (or loaded).
    seq: u64,
    every: u64,
    writer: Option<(SyncSender<Payload>, JoinHandle<()>)>,
}

/// A snapshot on its way to the writer thread: the last entry it covers, and its bytes.
type Payload = (Seq, Vec<u8>);

impl Snapshots {
    pub(super) fn new(dir: PathBuf, seq: u64, every: u64) -> Snapshots {
        Snapshots { dir, seq, every, writer: None }
    }

    /// Hands a snapshot to the writer thread (started on first use); false if it is busy.
    fn send(&mut self, seq: Seq, payload: Vec<u8>) -> bool {
        if self.writer.is_none() {
            let (sender, receiver) = sync_channel::<Payload>(1);
            let dir = self.dir.clone();
            let spawned = std::thread::Builder::new().name("snapshot-writer".into()).spawn(move || {
                for (seq, payload) in receiver {
                    write_snapshot(&dir, seq, &payload);
                }
            });
            match spawned {
                Ok(thread) => self.writer = Some((sender, thread)),
                Err(error) => {
                    tracing::error!(%error, "cannot start the snapshot writer thread");
                    return false;
                }
            }
        }
        let Some((sender, _)) = &self.writer else { return false };
        sender.try_send((seq, payload)).is_ok()
    }

    /// Waits for the writer thread to finish what it has.
    fn join(&mut self) {
        if let Some((sender, thread)) = self.writer.take() {
            drop(sender);
            if thread.join().is_err() {
                tracing::error!("the snapshot writer thread panicked");
            }
        }
    }
}

fn write_snapshot(dir: &Path, seq: Seq, payload: &[u8]) {
    match journal::snapshot::write(dir, seq, payload) {
        Ok(path) => tracing::info!(seq = seq.get(), bytes = payload.len(), path = %path.display(), "snapshot written"),
        Err(error) => {
            tracing::error!(%error, seq = seq.get(), "writing a snapshot failed; the journal still has everything")
        }
    }
}

impl Core {
    /// The whole state as a snapshot payload (see the module doc).
    pub(crate) fn encode_snapshot(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 20);
        let mut w = Writer::new(&mut out);
        w.array(&PAYLOAD_MAGIC);
        w.u32(PAYLOAD_VERSION);
        w.i64(self.last_ts);
        let length_at = w.len();
        w.u64_le(0);
        self.engine.encode_snapshot(w.buffer());
        let engine_len = (w.len() - length_at - 8) as u64;
        w.buffer()[length_at..length_at + 8].copy_from_slice(&engine_len.to_le_bytes());
        self.history.encode(&mut w);
        w.usize(self.grants.len());
        for grant in &self.grants {
            w.str(&grant.key_id);
            w.array(&grant.public_key);
            w.str(&grant.account);
        }
        out
    }

    /// After a batch: takes a snapshot when one is due (see the module doc).
    pub(super) fn snapshot_if_due(&mut self) {
        let last = self.last_seq();
        let Some(snapshots) = &self.snapshots else { return };
        if last < snapshots.seq + snapshots.every {
            return;
        }
        let payload = self.encode_snapshot();
        if let Some(snapshots) = &mut self.snapshots
            && snapshots.send(Seq(last), payload)
        {
            snapshots.seq = last;
        }
    }

    /// At a clean stop: waits for the writer, then writes a snapshot of everything.
    pub(super) fn snapshot_at_stop(&mut self) {
        let last = self.last_seq();
        let Some(snapshots) = &mut self.snapshots else { return };
        snapshots.join();
        if last > snapshots.seq {
            let payload = self.encode_snapshot();
            if let Some(snapshots) = &mut self.snapshots {
                write_snapshot(&snapshots.dir, Seq(last), &payload);
                snapshots.seq = last;
            }
        }
    }
}

/// What a snapshot payload restores.
pub(super) struct Restored {
    pub(super) engine: Engine,
    pub(super) history: History,
    pub(super) grants: Vec<KeyGrant>,
    pub(super) last_ts: i64,
}

fn decode_payload(payload: &[u8]) -> Result<Restored, SnapshotError> {
    let mut r = Reader::new(payload);
    // The payload's own header: its errors name the payload, not the engine snapshot inside.
    if r.array::<8>()? != PAYLOAD_MAGIC {
        return Err(SnapshotError::Inconsistent("not a pmx server snapshot payload (bad magic bytes)".into()));
    }
    let version = r.u32()?;
    if version != PAYLOAD_VERSION {
        return Err(SnapshotError::Inconsistent(format!(
            "server snapshot payload version {version} is not supported (this build reads {PAYLOAD_VERSION})"
        )));
    }
    let last_ts = r.i64()?;
    let length_at = r.at();
    let engine_len = usize::try_from(r.u64_le()?).map_err(|_| DecodeError::OutOfRange { at: length_at })?;
    let engine = Engine::decode_snapshot(r.raw(engine_len)?)?;
    let history = History::decode(&mut r)?;
    // The least bytes of a grant: two empty strings and the key.
    let mut grants = Vec::new();
    for _ in 0..r.count(34)? {
        let key_id = r.string()?;
        let public_key = r.array::<32>()?;
        let account = r.string()?;
        grants.push(KeyGrant { key_id, public_key, account });
    }
    r.finish()?;
    Ok(Restored { engine, history, grants, last_ts })
}

/// The newest usable snapshot in `dir`, logging every one skipped.
pub(super) fn load_snapshot(dir: &Path) -> Option<(u64, PathBuf, Restored)> {
    let loaded = match journal::snapshot::load_newest(dir) {
        Ok(loaded) => loaded,
        Err(error) => {
            tracing::warn!(%error, "cannot list snapshots; replaying the whole journal");
            return None;
        }
    };
    for (path, error) in &loaded.rejected {
        tracing::warn!(path = %path.display(), %error, "damaged snapshot skipped");
    }
    let snapshot = loaded.snapshot?;
    match decode_payload(&snapshot.payload) {
        Ok(restored) => Some((snapshot.seq.get(), snapshot.path, restored)),
        Err(error) => {
            tracing::warn!(path = %snapshot.path.display(), %error, "snapshot does not decode; replaying the whole journal");
            None
        }
    }
}
