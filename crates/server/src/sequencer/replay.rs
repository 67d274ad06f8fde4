//! Start-up: the newest valid snapshot, then the journal records after it.
//!
//! A damaged snapshot is logged and skipped: the next older one, or else a full replay, is
//! used; the journal is the source of truth and still verifies its whole chain. Replay does
//! what `Core::apply` does for live writes (the engine applies the command, the history store
//! records its events, key grants are registered), split into three stages on three threads:
//! one reads, verifies and decodes the journal, one runs the engine, one records the events in
//! the history store. So the engine, the history store and the key registry come back exactly
//! as they were. A snapshot that claims more records than the journal holds means
//! acknowledged records were lost: start-up stops with an error.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use engine::{Engine, Event};
use journal::{Entry, FileStorage, Journal, KeyGrant};
use types::{Seq, Timestamp};

use super::core::{Core, JournalStorage};
use super::snapshots::{Restored, SNAPSHOT_EVERY, Snapshots, load_snapshot};
use super::waiters::Waiters;
use crate::auth::Keys;
use crate::history::History;
use crate::streams::Tap;

/// Journal entries handed from the reading to the applying stage of a replay at a time, and
/// the most chunks in flight between them.
const REPLAY_CHUNK: usize = 4_096;
const REPLAY_CHUNKS_MAX: usize = 8;

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
        waiters: Waiters::default(),
        next_seq: journal.last_seq().get() + 1,
        journal,
        last_ts,
        events: Vec::new(),
        grants: Vec::new(),
        snapshots: snapshots.map(|(dir, every)| Snapshots::new(dir, covered, every)),
        tap: Tap::default(),
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

#[cfg(test)]
mod tests {
    use engine::{Intent, MarketRef, Op};
    use types::{AccountId, Price};

    use super::*;
    use crate::fixtures::{market_spec, place};
    use crate::sequencer::core::Write;

    /// Live writes through `submit`, then a full replay of the same journal: the replayed
    /// state (engine, history store, key grants, last time) encodes to the same bytes. The
    /// journal spans several replay chunks, and most commands trade.
    #[test]
    fn replay_across_many_chunks_rebuilds_the_same_state() {
        let storage = journal::MemStorage::new();
        let (mut live, _) = recover_from(Box::new(storage.clone()), Arc::new(Keys::default())).expect("empty journal");
        let spec = market_spec("rain");
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
}
