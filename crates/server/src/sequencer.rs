//! The sequencer: the one thread that owns the engine, the history store and the journal.
//!
//! Requests arrive as `Job`s on a bounded channel (`QUEUE_MAX`; full = 503, never growth).
//! The thread takes a batch (the first job, then whatever else is already queued, up to
//! `BATCH_MAX`), stamps every write with the next sequence number and a timestamp (the wall
//! clock, never going backwards), appends all of the batch's writes to the journal with one
//! fsync (group commit), and only then applies them to the engine in order, running each job's
//! continuation with the outcome. Reads in the batch run in their place in that order, so a read
//! sees every write acknowledged before it. If the journal append fails, none of the batch's
//! writes is applied and each gets 503; reads still run, and the next batch tries again.
//!
//! Continuations run on this thread with `&mut Core`, build their reply there (engine state is
//! at hand, no copying of books) and send it back over their own oneshot channel. Time-driven
//! work (good-till-date expiry) is a journaled `AdvanceTime` command the thread writes itself
//! when the engine's next expiry is due.
//!
//! Snapshots. Every `SNAPSHOT_EVERY` journaled entries, after a batch has been applied and
//! answered, the thread encodes the whole state (engine, history store, key grants, last
//! timestamp: `Core::encode_snapshot`) and hands the bytes to a writer thread, which writes the
//! snapshot file (`journal::snapshot::write`: temp file, fsync, rename, directory fsync, keep
//! the newest two). Encoding is the only part on the sequencer thread (tens of milliseconds
//! for a million commands of history); if the writer is still busy with the previous one, the
//! snapshot is skipped and tried again after the next batch. `Stop` writes a final snapshot
//! synchronously, so a clean restart replays nothing. Snapshots are only taken for the data
//! directory's journal file (not for a test storage, whose contents the directory cannot
//! vouch for).
//!
//! Start-up loads the newest valid snapshot (a damaged one is logged and skipped: the next
//! older one, or else a full replay, is used; the journal is the source of truth), then
//! replays only the journal records after it, while the journal still verifies the whole chain.
//! Replay does what `Core::apply` does for live writes (the engine applies the command, the
//! history store records its events, key grants are registered), split into three stages on
//! three threads: one reads, verifies and decodes the journal, one runs the engine, one
//! records the events in the history store. So the engine, the history store and the key
//! registry come back exactly as they were. A snapshot that claims more records than the
//! journal holds means acknowledged records were lost: start-up stops with an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use engine::{
    Command, Engine, EngineError, Event, MarketRef, Op, Reply, SnapshotDecoder, SnapshotEncoder, SnapshotError,
};
use journal::{Entry, FileStorage, Journal, KeyGrant, Storage};
use tokio::sync::oneshot;
use types::{OrderId, Seq, Timestamp};

use crate::auth::{KeyEntry, Keys};
use crate::error::ApiError;
use crate::history::History;

/// Most jobs waiting for the sequencer.
pub(crate) const QUEUE_MAX: usize = 16_384;
/// Most jobs handled per journal commit.
pub(crate) const BATCH_MAX: usize = 1_024;
/// Journaled entries between two snapshots.
pub(crate) const SNAPSHOT_EVERY: u64 = 100_000;
/// The first bytes of the server's snapshot payload, and its version.
const PAYLOAD_MAGIC: [u8; 8] = *b"pmx-srvs";
const PAYLOAD_VERSION: u32 = 1;
/// Journal entries handed from the reading to the applying stage of a replay at a time, and
/// the most chunks in flight between them.
const REPLAY_CHUNK: usize = 4_096;
const REPLAY_CHUNKS_MAX: usize = 8;
/// How often an idle sequencer checks for due expiries.
const IDLE_TICK: Duration = Duration::from_millis(100);

/// What the continuation of a write sees.
pub(crate) struct Applied<'a> {
    pub result: Result<Reply, EngineError>,
    pub events: &'a [Event],
    pub ts: Timestamp,
}

type WriteDone = Box<dyn FnOnce(&mut Core, Result<Applied<'_>, ApiError>) + Send>;
type ReadDone = Box<dyn FnOnce(&mut Core) + Send>;

/// A unit of work for the sequencer.
enum Job {
    Write { write: Write, done: WriteDone },
    Read(ReadDone),
    Stop,
}

/// A journaled request, before it is stamped.
pub enum Write {
    Op(Op),
    Key(KeyGrant),
}

/// The state the sequencer owns.
pub struct Core {
    pub engine: Engine,
    pub history: History,
    pub keys: Arc<Keys>,
    /// Synchronous-execution waiters, woken when their order reaches a final state.
    waiters: HashMap<OrderId, Vec<oneshot::Sender<()>>>,
    journal: Journal<JournalStorage>,
    next_seq: u64,
    last_ts: i64,
    events: Vec<Event>,
    /// Every key grant applied, in order (the snapshot carries them).
    grants: Vec<KeyGrant>,
    /// Where snapshots go; `None` when they are off.
    snapshots: Option<Snapshots>,
}

/// The snapshot schedule and the writer thread.
struct Snapshots {
    dir: PathBuf,
    /// The last entry covered by the newest snapshot taken (or loaded).
    seq: u64,
    every: u64,
    writer: Option<(SyncSender<Payload>, JoinHandle<()>)>,
}

/// A snapshot on its way to the writer thread: the last entry it covers, and its bytes.
type Payload = (Seq, Vec<u8>);

impl Snapshots {
    fn new(dir: PathBuf, seq: u64, every: u64) -> Snapshots {
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
    /// Asks to be woken when `order` reaches a final state.
    pub fn wait_for(&mut self, order: OrderId) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.waiters.entry(order).or_default().push(sender);
        receiver
    }

    /// The sequence number of the last journaled entry (0 when none).
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Applies one journaled entry; the same path for replay and live traffic.
    fn apply(&mut self, entry: &Entry) -> Result<Reply, EngineError> {
        match entry {
            Entry::Command(command) => {
                self.events.clear();
                let result = self.engine.apply(command, &mut self.events);
                self.history.record(command.ts, &self.events);
                if !self.waiters.is_empty() {
                    for event in &self.events {
                        if let Event::Execution(execution) = event
                            && execution.order.state.is_terminal()
                            && let Some(waiters) = self.waiters.remove(&execution.order.id)
                        {
                            for waiter in waiters {
                                let _ = waiter.send(());
                            }
                        }
                    }
                }
                result
            }
            Entry::Key(grant) => {
                self.events.clear();
                self.grants.push(grant.clone());
                match (self.engine.account_id(&grant.account), VerifyingKey::from_bytes(&grant.public_key)) {
                    (Some(account), Ok(public_key)) => {
                        self.keys.insert(&grant.key_id, KeyEntry { public_key, account });
                    }
                    (None, _) => {
                        tracing::warn!(key = %grant.key_id, account = %grant.account, "key for unknown account")
                    }
                    (_, Err(_)) => tracing::warn!(key = %grant.key_id, "key is not a valid Ed25519 public key"),
                }
                Ok(Reply::None)
            }
        }
    }

    /// Stamps, journals and applies writes directly (start-up seeding, before serving).
    pub fn submit(&mut self, writes: Vec<Write>) -> Result<Vec<Result<Reply, EngineError>>, journal::JournalError> {
        let entries = self.stamp(writes);
        self.journal.append(&entries)?;
        self.next_seq += entries.len() as u64;
        Ok(entries.iter().map(|(_, entry)| self.apply(entry)).collect())
    }

    fn stamp(&mut self, writes: Vec<Write>) -> Vec<(Seq, Entry)> {
        let now = crate::clock::now_ns().max(self.last_ts);
        self.last_ts = now;
        let ts = Timestamp(now);
        writes
            .into_iter()
            .enumerate()
            .map(|(offset, write)| {
                let seq = Seq(self.next_seq + offset as u64);
                let entry = match write {
                    Write::Op(mut op) => {
                        resolve_market(&self.engine, &mut op);
                        Entry::Command(Command { seq, ts, op })
                    }
                    Write::Key(grant) => Entry::Key(grant),
                };
                (seq, entry)
            })
            .collect()
    }

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
    fn snapshot_if_due(&mut self) {
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
    fn snapshot_at_stop(&mut self) {
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

    /// The engine's next good-till-date expiry, if due by now.
    fn expiry_due(&self) -> bool {
        self.engine.next_expiry().is_some_and(|due| due.nanos() <= crate::clock::now_ns())
    }
}

/// The handle request handlers use.
#[derive(Clone)]
pub(crate) struct Sequencer {
    jobs: SyncSender<Job>,
}

impl Sequencer {
    /// Journals and applies `write`, then runs `then` on the sequencer with the outcome.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        write: Write,
        then: impl FnOnce(&mut Core, Applied<'_>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        self.queue_write(write, then)?.await
    }

    /// Queues `write` now and returns the reply to await: several of these queued back to
    /// back share a journal commit (batched endpoints).
    pub(crate) fn queue_write<T: Send + 'static>(
        &self,
        write: Write,
        then: impl FnOnce(&mut Core, Applied<'_>) -> T + Send + 'static,
    ) -> Result<impl Future<Output = Result<T, ApiError>>, ApiError> {
        let (sender, receiver) = oneshot::channel();
        let done: WriteDone = Box::new(move |core, applied| {
            let _ = sender.send(applied.map(|applied| then(core, applied)));
        });
        self.send(Job::Write { write, done })?;
        Ok(async move { receiver.await.map_err(|_| stopping())? })
    }

    /// Runs `read` on the sequencer, after every write queued before it.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        read: impl FnOnce(&mut Core) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (sender, receiver) = oneshot::channel();
        self.send(Job::Read(Box::new(move |core| {
            let _ = sender.send(read(core));
        })))?;
        receiver.await.map_err(|_| stopping())
    }

    fn send(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.try_send(job).map_err(|error| match error {
            TrySendError::Full(_) => ApiError::Unavailable("the exchange is busy; retry shortly".into()),
            TrySendError::Disconnected(_) => stopping(),
        })
    }

    /// Asks the sequencer to finish the queued work and stop.
    pub(crate) fn stop(&self) {
        // A full queue still drains: block for the stop to get in line.
        let (jobs, job) = (self.jobs.clone(), Job::Stop);
        let _ = jobs.send(job);
    }
}

fn stopping() -> ApiError {
    ApiError::Unavailable("the server is stopping".into())
}

/// Where the journal lives: the data directory's file, or (in tests) a fault-injecting store.
pub type JournalStorage = Box<dyn Storage + Send>;

/// What recovery found, for the start-up log.
#[derive(Debug)]
pub(crate) struct Recovered {
    /// Records in the journal.
    pub entries: u64,
    /// Records replayed (those after the snapshot).
    pub replayed: u64,
    /// The snapshot used, if any: the last record it covers.
    pub snapshot_seq: Option<u64>,
    pub torn_tail: Option<String>,
}

/// Why recovery failed.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    #[error(transparent)]
    Journal(#[from] journal::JournalError),
    #[error(
        "snapshot {path} covers the journal up to record {snapshot}, but the journal ends at record {journal}: acknowledged records are missing from the journal"
    )]
    SnapshotAhead { path: PathBuf, snapshot: u64, journal: u64 },
}

/// What a snapshot payload restores.
struct Restored {
    engine: Engine,
    history: History,
    grants: Vec<KeyGrant>,
    last_ts: i64,
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
fn load_snapshot(dir: &Path) -> Option<(u64, PathBuf, Restored)> {
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

/// Opens the journal file in `dir`, loads the newest valid snapshot and replays the rest.
pub(crate) fn recover(dir: &Path, keys: Arc<Keys>) -> Result<(Core, Recovered), RecoverError> {
    let storage = FileStorage::open(dir).map_err(|source| journal::JournalError::Io { op: "open", source })?;
    let snapshot = load_snapshot(dir);
    let every = SNAPSHOT_EVERY;
    recover_with(Box::new(storage), keys, snapshot, Some((dir.to_path_buf(), every)))
}

/// Replays the whole journal in `storage` into a fresh core (no snapshots).
pub(crate) fn recover_from(storage: JournalStorage, keys: Arc<Keys>) -> Result<(Core, Recovered), RecoverError> {
    recover_with(storage, keys, None, None)
}

fn recover_with(
    storage: JournalStorage,
    keys: Arc<Keys>,
    snapshot: Option<(u64, PathBuf, Restored)>,
    snapshots: Option<(PathBuf, u64)>,
) -> Result<(Core, Recovered), RecoverError> {
    use journal::OpenError;
    let (covered, snapshot_path, restored) = match snapshot {
        Some((seq, path, restored)) => (seq, Some(path), restored),
        None => {
            (0, None, Restored { engine: Engine::new(), history: History::default(), grants: Vec::new(), last_ts: 0 })
        }
    };
    let Restored { engine, history, grants: restored_grants, last_ts } = restored;
    let Replayed { opened, engine, history, grants, last_ts, replayed } =
        replay(storage, Seq(covered), engine, history, last_ts);
    let (journal, report) = match opened {
        Ok(opened) => opened,
        Err(OpenError::Journal(error)) => return Err(error.into()),
        Err(OpenError::Apply { source, .. }) => match source {},
    };
    if journal.last_seq().get() < covered {
        let path = snapshot_path.unwrap_or_default();
        return Err(RecoverError::SnapshotAhead { path, snapshot: covered, journal: journal.last_seq().get() });
    }
    let mut core = Core {
        engine,
        history,
        keys,
        waiters: HashMap::new(),
        next_seq: journal.last_seq().get() + 1,
        journal,
        last_ts,
        events: Vec::new(),
        grants: Vec::new(),
        snapshots: snapshots.map(|(dir, every)| Snapshots::new(dir, covered, every)),
    };
    for grant in restored_grants.into_iter().chain(grants) {
        let _ = core.apply(&Entry::Key(grant));
    }
    let torn_tail = report.torn_tail.as_ref().map(|_| report.to_string());
    let recovered = Recovered {
        entries: report.records,
        replayed,
        snapshot_seq: snapshot_path.is_some().then_some(covered),
        torn_tail,
    };
    Ok((core, recovered))
}

/// What a replay of the journal's tail produced.
struct Replayed {
    opened: Result<(Journal<JournalStorage>, journal::Recovery), journal::OpenError<std::convert::Infallible>>,
    engine: Engine,
    history: History,
    /// Key grants found in the tail, in journal order.
    grants: Vec<KeyGrant>,
    last_ts: i64,
    replayed: u64,
}

/// A chunk of replayed commands' events on its way from the engine to the history store:
/// every command's events back to back, and per command its time and where its events end.
#[derive(Default)]
struct EventChunk {
    events: Vec<Event>,
    ends: Vec<(Timestamp, usize)>,
}

/// Replays the journal records after `covered` into `engine` and `history`, in three stages on
/// three threads joined by bounded channels: one reads, verifies and decodes the journal; one
/// applies the commands to the engine; the calling thread records their events in the history
/// store. Emptied event chunks go back to the engine thread for reuse. The history store sees
/// every command's events in journal order, exactly as `Core::apply` would record them.
fn replay(
    storage: JournalStorage,
    covered: Seq,
    mut engine: Engine,
    mut history: History,
    mut last_ts: i64,
) -> Replayed {
    let (chunks, received) = sync_channel::<Vec<Entry>>(REPLAY_CHUNKS_MAX);
    let (applied, to_record) = sync_channel::<EventChunk>(REPLAY_CHUNKS_MAX);
    let (recycle, recycled) = sync_channel::<EventChunk>(REPLAY_CHUNKS_MAX + 2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut chunk = Vec::with_capacity(REPLAY_CHUNK);
            let opened =
                Journal::open_after(storage, covered, |_seq, entry: Entry| -> Result<(), std::convert::Infallible> {
                    chunk.push(entry);
                    if chunk.len() == REPLAY_CHUNK {
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(REPLAY_CHUNK));
                        let _ = chunks.send(full);
                    }
                    Ok(())
                });
            if !chunk.is_empty() {
                let _ = chunks.send(chunk);
            }
            opened
        });
        let applier = scope.spawn(move || {
            let mut grants = Vec::new();
            let mut replayed = 0u64;
            for chunk in received {
                let mut out = recycled.try_recv().unwrap_or_default();
                out.events.clear();
                out.ends.clear();
                for entry in chunk {
                    replayed += 1;
                    match entry {
                        Entry::Command(command) => {
                            let _ = engine.apply(&command, &mut out.events);
                            out.ends.push((command.ts, out.events.len()));
                            last_ts = last_ts.max(command.ts.nanos());
                        }
                        Entry::Key(grant) => grants.push(grant),
                    }
                }
                if applied.send(out).is_err() {
                    break;
                }
            }
            (engine, grants, last_ts, replayed)
        });
        for chunk in to_record {
            let mut start = 0;
            for &(ts, end) in &chunk.ends {
                history.record(ts, &chunk.events[start..end]);
                start = end;
            }
            let _ = recycle.try_send(chunk);
        }
        let opened = reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let (engine, grants, last_ts, replayed) =
            applier.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Replayed { opened, engine, history, grants, last_ts, replayed }
    })
}

/// Starts the sequencer thread on a recovered core.
pub(crate) fn spawn(core: Core) -> std::io::Result<(Sequencer, JoinHandle<()>)> {
    let (jobs, receiver) = sync_channel(QUEUE_MAX);
    let thread = std::thread::Builder::new().name("sequencer".into()).spawn(move || run(core, receiver))?;
    Ok((Sequencer { jobs }, thread))
}

fn run(mut core: Core, jobs: Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH_MAX);
    loop {
        match jobs.recv_timeout(IDLE_TICK) {
            Ok(job) => batch.push(job),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                core.snapshot_at_stop();
                return;
            }
        }
        while batch.len() < BATCH_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if core.expiry_due() {
            batch.insert(0, Job::Write { write: Write::Op(Op::AdvanceTime), done: Box::new(|_, _| {}) });
        }
        if batch.is_empty() {
            continue;
        }
        if run_batch(&mut core, &mut batch) {
            core.snapshot_at_stop();
            return;
        }
        core.snapshot_if_due();
    }
}

/// Journals and applies one batch; true when a `Stop` was in it.
fn run_batch(core: &mut Core, batch: &mut Vec<Job>) -> bool {
    let mut writes = Vec::new();
    let mut stop = false;
    let mut rest = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        match job {
            Job::Write { write, done } => {
                writes.push(write);
                rest.push(Pending::Write(done));
            }
            Job::Read(read) => rest.push(Pending::Read(read)),
            Job::Stop => stop = true,
        }
    }
    let entries = core.stamp(writes);
    let journaled = if entries.is_empty() { Ok(()) } else { core.journal.append(&entries) };
    match journaled {
        Ok(()) => {
            core.next_seq += entries.len() as u64;
            let mut entries = entries.iter();
            for pending in rest {
                match pending {
                    Pending::Write(done) => {
                        let Some((_, entry)) = entries.next() else { continue };
                        let ts = entry_ts(entry);
                        let result = core.apply(entry);
                        let events = std::mem::take(&mut core.events);
                        done(core, Ok(Applied { result, events: &events, ts }));
                        core.events = events;
                    }
                    Pending::Read(read) => read(core),
                }
            }
        }
        Err(error) => {
            tracing::error!(%error, "journal append failed; writes refused until it succeeds");
            let message = format!("the journal cannot be written ({error}); nothing was changed, retry later");
            for pending in rest {
                match pending {
                    Pending::Write(done) => done(core, Err(ApiError::Unavailable(message.clone()))),
                    Pending::Read(read) => read(core),
                }
            }
        }
    }
    stop
}

enum Pending {
    Write(WriteDone),
    Read(ReadDone),
}

/// Replaces a market slug with the market's id when the market exists, before the command
/// is journaled, so replay neither hashes slugs nor allocates them. The engine would resolve
/// the slug the same way when applying the command: markets are never removed or renamed,
/// so a slug known at stamping names the same market when the batch is applied. An unknown
/// slug stays as sent, and the engine rejects it then (a market created later in the same
/// batch still counts).
fn resolve_market(engine: &Engine, op: &mut Op) {
    let market = match op {
        Op::PlaceOrder(new) => &mut new.market,
        Op::ClosePosition(close) => &mut close.market,
        _ => return,
    };
    if let MarketRef::Slug(slug) = market
        && let Some(id) = engine.market_id(slug)
    {
        *market = MarketRef::Id(id);
    }
}

fn entry_ts(entry: &Entry) -> Timestamp {
    entry.as_command().map_or_else(Timestamp::default, |command| command.ts)
}

#[cfg(test)]
mod tests {
    use engine::{ClosePosition, Intent, MarketSpec, MarketState, NewOrder, OrderKind, Size};
    use types::{AccountId, MarketId, Price, Qty, Rate};

    use super::*;

    fn engine_spec(slug: &str) -> MarketSpec {
        MarketSpec {
            slug: slug.into(),
            title: String::new(),
            outcome: String::new(),
            event_slug: String::new(),
            tick: Price(100),
            min_qty: Qty::ONE,
            price_min: Price(100),
            price_max: Price(9_900),
            state: MarketState::Open,
            taker_rate: Rate(69_500),
            maker_rate: Rate(-12_500),
        }
    }

    fn engine_with_market(slug: &str) -> (Engine, MarketId) {
        let spec = engine_spec(slug);
        let mut engine = Engine::new();
        let command = Command { seq: Seq(1), ts: Timestamp(1), op: Op::CreateMarket(spec) };
        match engine.apply(&command, &mut Vec::new()) {
            Ok(Reply::Market(id)) => (engine, id),
            other => panic!("market not created: {other:?}"),
        }
    }

    fn place(market: MarketRef) -> Op {
        Op::PlaceOrder(NewOrder {
            account: AccountId(0),
            market,
            intent: Intent::BuyLong,
            kind: OrderKind::Limit,
            price: Some(Price(5_000)),
            size: Size::Qty(Qty::ONE),
            tif: None,
            good_till: None,
            post_only: false,
            slippage: None,
            manual: None,
        })
    }

    /// Live writes through `submit`, then a full replay of the same journal: the replayed
    /// state (engine, history store, key grants, last time) encodes to the same bytes. The
    /// journal spans several replay chunks, and most commands trade.
    #[test]
    fn replay_across_many_chunks_rebuilds_the_same_state() {
        let storage = journal::MemStorage::new();
        let (mut live, _) = recover_from(Box::new(storage.clone()), Arc::new(Keys::default())).expect("empty journal");
        let spec = engine_spec("rain");
        let mut writes = vec![Write::Op(Op::CreateMarket(spec))];
        for name in ["maker", "taker"] {
            writes.push(Write::Op(Op::CreateAccount { name: name.into() }));
        }
        for account in [AccountId(0), AccountId(1)] {
            let amount = types::Cash::from_dollars(1_000_000).expect("small");
            writes.push(Write::Op(Op::Deposit { account, amount }));
        }
        live.submit(writes).expect("set-up");
        let commands = 3 * REPLAY_CHUNK + 17;
        for round in 0..commands / 2 {
            let price = Price(100 * (40 + (round % 20) as u32));
            let order = |account, intent| {
                let Op::PlaceOrder(mut new) = place(MarketRef::Slug("rain".into())) else { unreachable!() };
                (new.account, new.intent, new.price) = (account, intent, Some(price));
                Write::Op(Op::PlaceOrder(new))
            };
            let results = live
                .submit(vec![order(AccountId(0), Intent::BuyShort), order(AccountId(1), Intent::BuyLong)])
                .expect("orders");
            assert!(results.iter().all(Result::is_ok));
        }
        assert!(live.history.executions_count() > commands as u64);

        let (replayed, recovered) = recover_from(Box::new(storage), Arc::new(Keys::default())).expect("replay");
        assert_eq!(recovered.replayed, live.next_seq - 1);
        assert_eq!(replayed.engine.state_hash(), live.engine.state_hash());
        assert!(replayed.encode_snapshot() == live.encode_snapshot(), "replayed state differs from live state");
    }

    #[test]
    fn known_slugs_are_journaled_as_ids_and_unknown_ones_as_sent() {
        let (engine, id) = engine_with_market("rain");
        let mut op = place(MarketRef::Slug("rain".into()));
        resolve_market(&engine, &mut op);
        assert_eq!(op, place(MarketRef::Id(id)));

        let mut op = place(MarketRef::Slug("snow".into()));
        resolve_market(&engine, &mut op);
        assert_eq!(op, place(MarketRef::Slug("snow".into())));

        let close =
            |market| Op::ClosePosition(ClosePosition { account: AccountId(0), market, slippage: None, manual: None });
        let mut op = close(MarketRef::Slug("rain".into()));
        resolve_market(&engine, &mut op);
        assert_eq!(op, close(MarketRef::Id(id)));
    }
}
