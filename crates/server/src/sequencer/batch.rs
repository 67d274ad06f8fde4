//! The sequencer thread's loop and the handle request handlers use.
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

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use engine::Op;
use journal::Entry;
use tokio::sync::oneshot;
use types::Timestamp;

use super::core::{Applied, Core, Write};
use crate::error::ApiError;

/// Most jobs waiting for the sequencer.
pub(crate) const QUEUE_MAX: usize = 16_384;
/// Most jobs handled per journal commit.
pub(crate) const BATCH_MAX: usize = 1_024;
/// How often an idle sequencer checks for due expiries.
const IDLE_TICK: Duration = Duration::from_millis(100);

type WriteDone = Box<dyn FnOnce(&mut Core, Result<Applied<'_>, ApiError>) + Send>;
type ReadDone = Box<dyn FnOnce(&mut Core) + Send>;

/// A unit of work for the sequencer.
enum Job {
    Write { write: Write, done: WriteDone },
    Read(ReadDone),
    Stop,
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
            TrySendError::Full(_) => ApiError::Unavailable(BUSY.into()),
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

/// What a job refused because the queue is full is told.
const BUSY: &str = "the exchange is busy; retry shortly";

/// True when `error` refused a job only because the queue was full (trying again later can
/// work; a stopping sequencer will not take it at all).
pub(crate) fn is_busy(error: &ApiError) -> bool {
    matches!(error, ApiError::Unavailable(message) if message == BUSY)
}

fn stopping() -> ApiError {
    ApiError::Unavailable("the server is stopping".into())
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
        let stop = run_batch(&mut core, &mut batch);
        core.tap.flush();
        if stop {
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

fn entry_ts(entry: &Entry) -> Timestamp {
    entry.as_command().map_or_else(Timestamp::default, |command| command.ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_queue_is_busy() {
        assert!(is_busy(&ApiError::Unavailable(BUSY.into())));
        assert!(!is_busy(&stopping()));
        assert!(!is_busy(&ApiError::Unavailable("the journal cannot be written".into())));
    }
}
