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
//! Start-up replays the journal through `Core::apply`, the same path live writes take, so the
//! engine, the history store and the key registry come back exactly as they were.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use ed25519_dalek::VerifyingKey;
use engine::{Command, Engine, EngineError, Event, Op, Reply};
use journal::{Entry, FileStorage, Journal, KeyGrant, Storage};
use tokio::sync::oneshot;
use types::{OrderId, Seq, Timestamp};

use crate::auth::{KeyEntry, Keys};
use crate::error::ApiError;
use crate::history::{History, ends_order};

/// Most jobs waiting for the sequencer.
pub(crate) const QUEUE_MAX: usize = 16_384;
/// Most jobs handled per journal commit.
pub(crate) const BATCH_MAX: usize = 1_024;
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
                            && ends_order(execution)
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
                    Write::Op(op) => Entry::Command(Command { seq, ts, op }),
                    Write::Key(grant) => Entry::Key(grant),
                };
                (seq, entry)
            })
            .collect()
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
        let (sender, receiver) = oneshot::channel();
        let done: WriteDone = Box::new(move |core, applied| {
            let _ = sender.send(applied.map(|applied| then(core, applied)));
        });
        self.send(Job::Write { write, done })?;
        receiver.await.map_err(|_| stopping())?
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
    pub entries: u64,
    pub torn_tail: Option<String>,
}

/// Opens the journal file in `dir` and replays it into a fresh core.
pub(crate) fn recover(dir: &Path, keys: Arc<Keys>) -> Result<(Core, Recovered), journal::JournalError> {
    let storage = FileStorage::open(dir).map_err(|source| journal::JournalError::Io { op: "open", source })?;
    recover_from(Box::new(storage), keys)
}

/// Replays the journal in `storage` into a fresh core.
pub(crate) fn recover_from(
    storage: JournalStorage,
    keys: Arc<Keys>,
) -> Result<(Core, Recovered), journal::JournalError> {
    use journal::OpenError;
    let mut engine = Engine::new();
    let mut history = History::default();
    let mut events = Vec::new();
    let mut grants = Vec::new();
    let mut entries = 0u64;
    let mut last_ts = 0i64;
    let opened = Journal::open(storage, |_seq, entry: Entry| -> Result<(), std::convert::Infallible> {
        entries += 1;
        match entry {
            Entry::Command(command) => {
                events.clear();
                let _ = engine.apply(&command, &mut events);
                history.record(command.ts, &events);
                last_ts = last_ts.max(command.ts.nanos());
            }
            Entry::Key(grant) => grants.push(grant),
        }
        Ok(())
    });
    let (journal, report) = match opened {
        Ok(opened) => opened,
        Err(OpenError::Journal(error)) => return Err(error),
        Err(OpenError::Apply { source, .. }) => match source {},
    };
    let mut core = Core {
        engine,
        history,
        keys,
        waiters: HashMap::new(),
        next_seq: journal.last_seq().get() + 1,
        journal,
        last_ts,
        events,
    };
    for grant in grants {
        let _ = core.apply(&Entry::Key(grant));
    }
    let torn_tail = report.torn_tail.as_ref().map(|_| report.to_string());
    Ok((core, Recovered { entries, torn_tail }))
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
            Err(RecvTimeoutError::Disconnected) => return,
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
            return;
        }
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

fn entry_ts(entry: &Entry) -> Timestamp {
    entry.as_command().map_or_else(Timestamp::default, |command| command.ts)
}
