//! The offline replay: a copy of the journal file read with the `journal` crate and applied to
//! a fresh `engine::Engine`, independently of the server, to get the state hash the server must
//! report, the invariants, every account's commands with their results, and every execution
//! (what the stream subscriber's frames are checked against).
//!
//! Key grants are not engine commands and are skipped; the config seeding (markets, accounts,
//! deposits) is journaled like any other command, so the replayed engine is the server's.

use std::collections::HashMap;
use std::path::Path;

use engine::{Command, Engine, EngineError, Event, ExecKind, Op, Reply, Side};
use journal::{Entry, Journal};
use types::AccountId;

/// One journaled command of an account, with what the engine made of it.
#[derive(Debug)]
pub(crate) struct Journaled {
    pub(crate) seq: u64,
    pub(crate) op: Op,
    pub(crate) result: Result<Reply, EngineError>,
    /// Events the command produced (executions, trades, balance changes...).
    pub(crate) events: usize,
}

/// A trade, as far as positions are concerned.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TradeFact {
    pub(crate) market: types::MarketId,
    pub(crate) qty: i64,
    pub(crate) taker: AccountId,
    pub(crate) maker: AccountId,
    pub(crate) taker_side: Side,
}

impl TradeFact {
    /// The signed change of `account`'s YES position (buying YES is positive).
    pub(crate) fn delta_for(&self, account: AccountId, aggressor: bool) -> Option<i64> {
        let taker_delta = match self.taker_side {
            Side::Buy => self.qty,
            Side::Sell => -self.qty,
        };
        match (aggressor, account) {
            (true, account) if account == self.taker => Some(taker_delta),
            (false, account) if account == self.maker => Some(-taker_delta),
            _ => None,
        }
    }
}

/// An execution as the journal's replay made it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExecutionFact {
    pub(crate) order: u64,
    /// The wire name of its type (`EXECUTION_TYPE_FILL`).
    pub(crate) kind: &'static str,
    /// The order's filled quantity after it, in quantity units.
    pub(crate) cum_quantity: i64,
}

fn execution_type(kind: ExecKind) -> &'static str {
    match kind {
        ExecKind::New => "EXECUTION_TYPE_NEW",
        ExecKind::PartialFill => "EXECUTION_TYPE_PARTIAL_FILL",
        ExecKind::Fill => "EXECUTION_TYPE_FILL",
        ExecKind::Canceled => "EXECUTION_TYPE_CANCELED",
        ExecKind::Replace => "EXECUTION_TYPE_REPLACE",
        ExecKind::Rejected => "EXECUTION_TYPE_REJECTED",
        ExecKind::Expired => "EXECUTION_TYPE_EXPIRED",
        ExecKind::DoneForDay => "EXECUTION_TYPE_DONE_FOR_DAY",
    }
}

/// Everything the replay found.
pub(crate) struct Replayed {
    pub(crate) engine: Engine,
    pub(crate) last_seq: u64,
    pub(crate) commands: u64,
    /// Each account's commands, in journal order.
    pub(crate) by_account: HashMap<AccountId, Vec<Journaled>>,
    /// Every trade by id.
    pub(crate) trades: HashMap<u64, TradeFact>,
    /// Each account's trade ids, in the order the history store lists them (ascending).
    pub(crate) account_trades: HashMap<AccountId, Vec<u64>>,
    /// Every execution by id.
    pub(crate) executions: HashMap<u64, ExecutionFact>,
    /// The first invariant violation after a command with `seq >= check_from`, if any.
    pub(crate) violation: Option<String>,
}

/// The account a command acts for, if it is a trading command.
pub(crate) fn actor(op: &Op) -> Option<AccountId> {
    match op {
        Op::PlaceOrder(new) => Some(new.account),
        Op::CancelOrder { account, .. } | Op::CancelAll { account, .. } => Some(*account),
        Op::ModifyOrder(modify) => Some(modify.account),
        Op::ClosePosition(close) => Some(close.account),
        _ => None,
    }
}

/// Replays the journal in `dir` (a copy: opening it takes the lock and may cut a torn tail).
/// Invariants are checked after every command from `check_from` on, and at the end.
pub(crate) fn replay(dir: &Path, check_from: u64) -> Result<Replayed, String> {
    let mut engine = Engine::new();
    let mut events = Vec::new();
    let mut by_account: HashMap<AccountId, Vec<Journaled>> = HashMap::new();
    let mut trades = HashMap::new();
    let mut account_trades: HashMap<AccountId, Vec<u64>> = HashMap::new();
    let mut executions = HashMap::new();
    let mut violation = None;
    let mut commands = 0u64;
    let opened = Journal::open_dir(dir, |seq, entry| -> Result<(), String> {
        let Entry::Command(command) = entry else { return Ok(()) };
        commands += 1;
        if command.seq != seq {
            return Err(format!("record {seq} holds a command stamped {}", command.seq.get()));
        }
        events.clear();
        let result = engine.apply(&command, &mut events);
        record_trades(&events, &mut trades, &mut account_trades);
        for event in &events {
            if let Event::Execution(execution) = event {
                let fact = ExecutionFact {
                    order: execution.order.id.get(),
                    kind: execution_type(execution.kind),
                    cum_quantity: execution.order.cum_qty.units(),
                };
                executions.insert(execution.id.get(), fact);
            }
        }
        if seq.get() >= check_from
            && violation.is_none()
            && let Err(broken) = engine.check_invariants()
        {
            violation = Some(format!("after command {}: {broken}", seq.get()));
        }
        let Command { op, .. } = command;
        if let Some(account) = actor(&op) {
            by_account.entry(account).or_default().push(Journaled { seq: seq.get(), op, result, events: events.len() });
        }
        Ok(())
    });
    let (journal, recovery) = opened.map_err(|error| format!("offline replay of the journal: {error}"))?;
    if let Some(torn) = recovery.torn_tail {
        return Err(format!(
            "the journal pmx is running on has a torn tail ({} bytes at offset {}): it should have been cut at start-up",
            torn.bytes_dropped, torn.offset
        ));
    }
    if violation.is_none()
        && let Err(broken) = engine.check_invariants()
    {
        violation = Some(format!("at the end: {broken}"));
    }
    Ok(Replayed {
        engine,
        last_seq: journal.last_seq().get(),
        commands,
        by_account,
        trades,
        account_trades,
        executions,
        violation,
    })
}

fn record_trades(
    events: &[Event],
    trades: &mut HashMap<u64, TradeFact>,
    account_trades: &mut HashMap<AccountId, Vec<u64>>,
) {
    for event in events {
        if let Event::Trade(trade) = event {
            let id = trade.id.get();
            trades.insert(
                id,
                TradeFact {
                    market: trade.market,
                    qty: trade.qty.units(),
                    taker: trade.taker.account,
                    maker: trade.maker.account,
                    taker_side: trade.taker_side,
                },
            );
            // The history store lists the taker's side first, then the maker's.
            account_trades.entry(trade.taker.account).or_default().push(id);
            account_trades.entry(trade.maker.account).or_default().push(id);
        }
    }
}
