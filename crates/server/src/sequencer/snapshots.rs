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

use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use engine::{Engine, SnapshotDecoder, SnapshotEncoder, SnapshotError};
use journal::KeyGrant;
use types::Seq;

use super::core::Core;
use crate::history::History;

/// Journaled entries between two snapshots.
pub(crate) const SNAPSHOT_EVERY: u64 = 100_000;
/// The first bytes of the server's snapshot payload, and its version.
const PAYLOAD_MAGIC: [u8; 8] = *b"pmx-srvs";
const PAYLOAD_VERSION: u32 = 1;

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
    /// The whole state as a snapshot payload: magic, version, the last timestamp, the
    /// engine's snapshot (length-prefixed), the history store, and the key grants.
    pub(crate) fn encode_snapshot(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 20);
        out.extend_from_slice(&PAYLOAD_MAGIC);
        out.extend_from_slice(&PAYLOAD_VERSION.to_le_bytes());
        out.extend_from_slice(&self.last_ts.to_le_bytes());
        let length_at = out.len();
        out.extend_from_slice(&[0; 8]);
        self.engine.encode_snapshot(&mut out);
        let engine_len = (out.len() - length_at - 8) as u64;
        out[length_at..length_at + 8].copy_from_slice(&engine_len.to_le_bytes());
        let mut e = SnapshotEncoder::new(&mut out);
        self.history.encode(&mut e);
        e.count(self.grants.len());
        for grant in &self.grants {
            e.str(&grant.key_id);
            e.bytes(&grant.public_key);
            e.str(&grant.account);
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
    let mut d = SnapshotDecoder::new(payload);
    if d.bytes(8, "payload magic")? != PAYLOAD_MAGIC {
        return Err(SnapshotError::BadMagic);
    }
    let version = d.u32("payload version")?;
    if version != PAYLOAD_VERSION {
        return Err(SnapshotError::UnsupportedVersion { found: version, supported: PAYLOAD_VERSION });
    }
    let last_ts = d.i64("last timestamp")?;
    let engine_len = d.u64("engine length")?;
    let engine_len = usize::try_from(engine_len)
        .ok()
        .filter(|&len| len <= d.remaining())
        .ok_or(SnapshotError::Invalid { what: "engine length", value: engine_len })?;
    let engine = Engine::decode_snapshot(d.bytes(engine_len, "engine")?)?;
    let history = History::decode(&mut d)?;
    let mut grants = Vec::new();
    for _ in 0..d.count("grants", 40)? {
        let key_id = d.str("key id")?.to_owned();
        let mut public_key = [0; 32];
        public_key.copy_from_slice(d.bytes(32, "public key")?);
        let account = d.str("key account")?.to_owned();
        grants.push(KeyGrant { key_id, public_key, account });
    }
    d.finish()?;
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
