//! `Core`: the state the sequencer thread owns, and the one path by which a journaled entry
//! changes it.
//!
//! `Core::apply` is used alike by live batches, by start-up seeding (`Core::submit`) and by
//! replay's final step (key grants), so the engine, the history store, the key registry and
//! the waiters see every entry the same way. `stamp` gives writes their sequence numbers and
//! time, and journals a known market slug as the market's id.

use std::sync::Arc;

use ed25519_dalek::VerifyingKey;
use engine::{Command, Engine, EngineError, Event, MarketRef, Op, Reply};
use journal::{Entry, Journal, KeyGrant, Storage};
use tokio::sync::oneshot;
use types::{OrderId, Seq, Timestamp};

use super::snapshots::Snapshots;
use super::waiters::Waiters;
use crate::auth::{KeyEntry, Keys};
use crate::history::History;
use crate::streams::Tap;

/// What the continuation of a write sees.
pub(crate) struct Applied<'a> {
    pub result: Result<Reply, EngineError>,
    pub events: &'a [Event],
    pub ts: Timestamp,
}

/// A journaled request, before it is stamped.
pub(crate) enum Write {
    Op(Op),
    Key(KeyGrant),
}

/// The state the sequencer owns.
pub(crate) struct Core {
    pub engine: Engine,
    pub history: History,
    pub keys: Arc<Keys>,
    /// Synchronous-execution waiters, woken when their order reaches a final state.
    pub(super) waiters: Waiters,
    pub(super) journal: Journal<JournalStorage>,
    pub(super) next_seq: u64,
    pub(super) last_ts: i64,
    pub(super) events: Vec<Event>,
    /// Every key grant applied, in order (the snapshot carries them).
    pub(super) grants: Vec<KeyGrant>,
    /// Where snapshots go; `None` when they are off.
    pub(super) snapshots: Option<Snapshots>,
    /// What the streams' subscribers watch, and what each command gave them.
    pub tap: Tap,
}

/// Where the journal lives: the data directory's file, or (in tests) a fault-injecting store.
pub type JournalStorage = Box<dyn Storage + Send>;

impl Core {
    /// Asks to be woken when `order` reaches a final state.
    pub(crate) fn wait_for(&mut self, order: OrderId) -> oneshot::Receiver<()> {
        self.waiters.wait_for(order)
    }

    /// The sequence number of the last journaled entry (0 when none).
    pub(crate) fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    /// Applies one journaled entry; the same path for replay and live traffic.
    pub(super) fn apply(&mut self, entry: &Entry) -> Result<Reply, EngineError> {
        match entry {
            Entry::Command(command) => {
                self.events.clear();
                let result = self.engine.apply(command, &mut self.events);
                self.history.record(command.ts, &self.events);
                self.waiters.wake(&self.events);
                self.tap.capture(&self.engine, &self.history, command.ts, &self.events);
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
    pub(crate) fn submit(
        &mut self,
        writes: Vec<Write>,
    ) -> Result<Vec<Result<Reply, EngineError>>, journal::JournalError> {
        let entries = self.stamp(writes);
        self.journal.append(&entries)?;
        self.next_seq += entries.len() as u64;
        Ok(entries.iter().map(|(_, entry)| self.apply(entry)).collect())
    }

    pub(super) fn stamp(&mut self, writes: Vec<Write>) -> Vec<(Seq, Entry)> {
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

    /// The engine's next good-till-date expiry, if due by now.
    pub(super) fn expiry_due(&self) -> bool {
        self.engine.next_expiry().is_some_and(|due| due.nanos() <= crate::clock::now_ns())
    }
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

#[cfg(test)]
mod tests {
    use engine::ClosePosition;
    use types::AccountId;

    use super::*;
    use crate::fixtures::{engine_with_market, place};

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
