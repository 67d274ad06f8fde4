//! The history store: what the engine forgets but traders ask about later.
//!
//! The engine keeps live orders only. The history store keeps, derived from the engine's
//! events: every order's executions (finished orders included) with their times, and each
//! account's activities (trades, position resolutions, deposits and withdrawals) in the order
//! they happened, plus when each account's balance last changed.
//!
//! Layout, built for replay speed (recording is on the start-up path once per event): every
//! execution goes, by value, onto one append-only vector in the order it happened, with the
//! index of the next execution of the same order; a vector indexed by order id (ids are
//! sequential) holds each order's first and last execution. So recording an execution is one
//! push and one store, with no hashing and no per-order allocation; reading an order walks its
//! chain. Indices are `u32`: more than four billion executions would not fit in memory anyway.
//!
//! It is derived by the same `record` call on replay as for live traffic, so it is a pure
//! function of the journal like the engine. It cannot be rebuilt from the journal's tail, so
//! the server's snapshot carries it (`encode` / `decode`). Both the arena's execution records
//! and that snapshot part are built from the `codec` primitives and the engine's code tables,
//! and decoded strictly: a damaged record is an error when the snapshot is loaded, never a
//! value read wrong later.
//!
//! Snapshot part (`var`, `zz`, `opt`, `str` as in the `codec` crate doc; trades and
//! resolutions as in `engine::records`):
//!
//! ```text
//! executions count var; arena: var length, bytes
//! orders: var count (one per order id, holes included), each: opt (first, last var arena
//!   offsets; account var; opt market var; intent; kind; opt manual; close_position bool;
//!   opt cash_qty zz; ts_created zz)
//! activities: var count of accounts, each: var count, each: kind (1 trade, 2 resolution,
//!   3 cash), ts zz, then: trade, aggressor bool | resolution | cash kind, amount zz,
//!   transaction var
//! balance times: var count, each zz
//! ```

use codec::{DecodeError, Reader, Writer, codes, flag};
use engine::{
    CashKind, Event, Execution, FillInfo, Intent, ManualIndicator, Order, OrderKind, Resolution, SnapshotError, Trade,
};
use types::{AccountId, Cash, ExecutionId, MarketId, OrderId, Price, Qty, Timestamp, TradeId};

/// The null arena offset.
const NONE: u64 = u64::MAX;

/// What never changes about an order, kept once per order id, with its chain of executions.
#[derive(Clone, Copy, Debug)]
struct OrderEntry {
    /// Arena offsets of the first and last execution record (`NONE` when none).
    first: u64,
    last: u64,
    account: AccountId,
    market: Option<MarketId>,
    intent: Intent,
    kind: OrderKind,
    manual: Option<ManualIndicator>,
    close_position: bool,
    cash_qty: Option<Cash>,
    ts_created: Timestamp,
}

const NO_ORDER: OrderEntry = OrderEntry {
    first: NONE,
    last: NONE,
    account: AccountId(0),
    market: None,
    intent: Intent::BuyLong,
    kind: OrderKind::Limit,
    manual: None,
    close_position: false,
    cash_qty: None,
    ts_created: Timestamp(0),
};

/// One order's past: a view into the store.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrderHistory<'a> {
    arena: &'a [u8],
    id: OrderId,
    entry: OrderEntry,
}

impl<'a> OrderHistory<'a> {
    /// The execution reports of this order, oldest first, each with its time.
    pub(crate) fn executions(self) -> impl Iterator<Item = (Timestamp, Execution)> + 'a {
        let mut at = self.entry.first;
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            let (next, ts, execution) = read_record(self.arena, at as usize, self.id, &self.entry);
            at = next;
            Some((ts, execution))
        })
    }

    /// The latest snapshot of the order.
    pub(crate) fn last(self) -> Option<Order> {
        (self.entry.last != NONE)
            .then(|| read_record(self.arena, self.entry.last as usize, self.id, &self.entry).2.order)
    }
}

/// One entry of an account's activity feed.
#[derive(Clone, Debug)]
pub(crate) enum Activity {
    /// One side of a trade; `aggressor` when this account was the taker.
    Trade { ts: Timestamp, trade: Trade, aggressor: bool },
    /// A position closed by settlement.
    Resolution { ts: Timestamp, resolution: Resolution },
    /// A deposit or a withdrawal.
    Cash { ts: Timestamp, kind: CashKind, amount: Cash, transaction: u64 },
}

impl Activity {
    /// The market the activity concerns, if any.
    pub(crate) fn market(&self) -> Option<MarketId> {
        match self {
            Activity::Trade { trade, .. } => Some(trade.market),
            Activity::Resolution { resolution, .. } => Some(resolution.market),
            Activity::Cash { .. } => None,
        }
    }
}

/// Everything finished or past, by order and by account.
#[derive(Debug, Default)]
pub(crate) struct History {
    /// Execution records, back to back (see `write_record`).
    arena: Vec<u8>,
    executions_count: u64,
    /// By order id.
    orders: Vec<OrderEntry>,
    activities: Vec<Vec<Activity>>,
    balance_updated: Vec<Timestamp>,
}

impl History {
    /// Records the events of one command applied at `ts`.
    pub(crate) fn record(&mut self, ts: Timestamp, events: &[Event]) {
        for event in events {
            match event {
                Event::Execution(execution) => self.push_execution(ts, execution),
                Event::Trade(trade) => {
                    self.push(trade.taker.account, Activity::Trade { ts, trade: *trade, aggressor: true });
                    self.push(trade.maker.account, Activity::Trade { ts, trade: *trade, aggressor: false });
                }
                Event::Resolution(resolution) => {
                    self.push(resolution.account, Activity::Resolution { ts, resolution: *resolution });
                }
                Event::CashMoved { account, kind, amount, transaction } => {
                    let activity = Activity::Cash { ts, kind: *kind, amount: *amount, transaction: *transaction };
                    self.push(*account, activity);
                    self.touch(*account, ts);
                }
                Event::BalanceChanged { account, .. } => self.touch(*account, ts),
                Event::AccountCreated { account } => self.touch(*account, ts),
                _ => {}
            }
        }
    }

    /// An order's history, whatever its state.
    pub(crate) fn order(&self, id: OrderId) -> Option<OrderHistory<'_>> {
        let entry = *self.orders.get(usize::try_from(id.get()).ok()?)?;
        (entry.first != NONE).then_some(OrderHistory { arena: &self.arena, id, entry })
    }

    /// An account's activities, oldest first.
    pub(crate) fn activities(&self, account: AccountId) -> &[Activity] {
        self.activities.get(account.get() as usize).map_or(&[], Vec::as_slice)
    }

    /// When an account's balance last changed.
    pub(crate) fn balance_updated(&self, account: AccountId) -> Timestamp {
        self.balance_updated.get(account.get() as usize).copied().unwrap_or_default()
    }

    /// Number of executions recorded.
    #[cfg(test)]
    pub(crate) fn executions_count(&self) -> u64 {
        self.executions_count
    }

    fn push_execution(&mut self, ts: Timestamp, execution: &Execution) {
        let order = &execution.order;
        let id = order.id.get() as usize;
        if self.orders.len() <= id {
            let len = (id + 1).max(self.orders.len() * 2);
            self.orders.resize(len, NO_ORDER);
        }
        let at = self.arena.len() as u64;
        let entry = &mut self.orders[id];
        if entry.first == NONE {
            *entry = OrderEntry {
                first: at,
                last: at,
                account: order.account,
                market: order.market,
                intent: order.intent,
                kind: order.kind,
                manual: order.manual,
                close_position: order.close_position,
                cash_qty: order.cash_qty,
                ts_created: order.ts_created,
            };
        } else {
            let last = entry.last as usize;
            self.arena[last..last + 8].copy_from_slice(&at.to_le_bytes());
            entry.last = at;
        }
        debug_assert!(same_statics(entry, order), "an order's fixed fields changed");
        let ts_created = entry.ts_created;
        write_record(&mut self.arena, ts, execution, ts_created);
        self.executions_count += 1;
    }

    fn push(&mut self, account: AccountId, activity: Activity) {
        let index = account.get() as usize;
        if self.activities.len() <= index {
            self.activities.resize_with(index + 1, Vec::new);
        }
        self.activities[index].push(activity);
    }

    fn touch(&mut self, account: AccountId, ts: Timestamp) {
        let index = account.get() as usize;
        if self.balance_updated.len() <= index {
            self.balance_updated.resize(index + 1, Timestamp::default());
        }
        self.balance_updated[index] = ts;
    }

    /// Appends the whole store to a snapshot: the executions in the order they happened (the
    /// per-order chains are rebuilt from them), every account's activities, and the balance
    /// times (see the module doc).
    pub(crate) fn encode(&self, w: &mut Writer<'_>) {
        w.u64(self.executions_count);
        w.bytes(&self.arena);
        w.usize(self.orders.len());
        for entry in &self.orders {
            w.opt((entry.first != NONE).then_some(entry), |w, entry| {
                w.u64(entry.first);
                w.u64(entry.last);
                w.u32(entry.account.get());
                w.opt(entry.market, |w, market| w.u32(market.get()));
                w.code(entry.intent);
                w.code(entry.kind);
                w.opt(entry.manual, Writer::code);
                w.bool(entry.close_position);
                w.opt(entry.cash_qty, |w, cash| w.i64(cash.units()));
                w.i64(entry.ts_created.nanos());
            });
        }
        w.usize(self.activities.len());
        for activities in &self.activities {
            w.usize(activities.len());
            for activity in activities {
                match activity {
                    Activity::Trade { ts, trade, aggressor } => {
                        w.code(ActivityKind::Trade);
                        w.i64(ts.nanos());
                        w.put(trade);
                        w.bool(*aggressor);
                    }
                    Activity::Resolution { ts, resolution } => {
                        w.code(ActivityKind::Resolution);
                        w.i64(ts.nanos());
                        w.put(resolution);
                    }
                    Activity::Cash { ts, kind, amount, transaction } => {
                        w.code(ActivityKind::Cash);
                        w.i64(ts.nanos());
                        w.code(*kind);
                        w.i64(amount.units());
                        w.u64(*transaction);
                    }
                }
            }
        }
        w.usize(self.balance_updated.len());
        for ts in &self.balance_updated {
            w.i64(ts.nanos());
        }
    }

    /// Reads what `encode` wrote, checking every execution record of the arena.
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<History, SnapshotError> {
        let mut history = History { executions_count: r.u64()?, ..History::default() };
        history.arena = r.bytes()?.to_vec();
        // The least bytes of an order: its presence byte.
        let orders = r.count(1)?;
        history.orders.reserve(orders);
        for _ in 0..orders {
            let entry = r.opt(|r| {
                Ok(OrderEntry {
                    first: r.u64()?,
                    last: r.u64()?,
                    account: AccountId(r.u32()?),
                    market: r.opt(|r| r.u32().map(MarketId))?,
                    intent: r.code()?,
                    kind: r.code()?,
                    manual: r.opt(Reader::code)?,
                    close_position: r.bool()?,
                    cash_qty: r.opt(|r| r.i64().map(Cash))?,
                    ts_created: Timestamp(r.i64()?),
                })
            })?;
            // An order without records is encoded as absent: one state, one encoding.
            if entry.is_some_and(|entry| entry.first == NONE) {
                return Err(SnapshotError::Invalid {
                    what: "history order without records",
                    value: history.orders.len() as u64,
                });
            }
            history.orders.push(entry.unwrap_or(NO_ORDER));
        }
        history.check_arena()?;
        let accounts = r.count(1)?;
        history.activities.reserve(accounts);
        for _ in 0..accounts {
            // The least bytes of an activity: a cash movement of small values.
            let count = r.count(5)?;
            let mut activities = Vec::with_capacity(count);
            for _ in 0..count {
                let kind = r.code::<ActivityKind>()?;
                let ts = Timestamp(r.i64()?);
                let activity = match kind {
                    ActivityKind::Trade => Activity::Trade { ts, trade: r.get()?, aggressor: r.bool()? },
                    ActivityKind::Resolution => Activity::Resolution { ts, resolution: r.get()? },
                    ActivityKind::Cash => {
                        Activity::Cash { ts, kind: r.code()?, amount: Cash(r.i64()?), transaction: r.u64()? }
                    }
                };
                activities.push(activity);
            }
            history.activities.push(activities);
        }
        let times = r.count(1)?;
        history.balance_updated.reserve(times);
        for _ in 0..times {
            history.balance_updated.push(Timestamp(r.i64()?));
        }
        Ok(history)
    }
}

/// The kinds of an account's activity, by their stored code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ActivityKind {
    Trade,
    Resolution,
    Cash,
}

codes!(ActivityKind, "activity kind", { Trade = 1, Resolution = 2, Cash = 3 });

impl History {
    /// Decodes every record of the arena once, strictly, so a damaged arena is an error at
    /// load time and reads can decode it without failing later. Every chain link, and every
    /// order's first and last record, must be the start of a record, links pointing forward
    /// (so a chain cannot loop).
    fn check_arena(&self) -> Result<(), SnapshotError> {
        let mut starts = Vec::new();
        let mut at = 0;
        while at < self.arena.len() {
            starts.push(at as u64);
            let (_, _, _, end) = decode_record(&self.arena, at, OrderId(0), &NO_ORDER)
                .map_err(|error| SnapshotError::Inconsistent(format!("history record at arena byte {at}: {error}")))?;
            at = end;
        }
        if starts.len() as u64 != self.executions_count {
            return Err(SnapshotError::Inconsistent(format!(
                "the history stores {} executions but its arena holds {}",
                self.executions_count,
                starts.len()
            )));
        }
        let is_start = |offset: u64| starts.binary_search(&offset).is_ok();
        for &start in &starts {
            let next = read_next(&self.arena, start as usize);
            if next != NONE && (next <= start || !is_start(next)) {
                return Err(SnapshotError::Invalid { what: "history chain", value: start });
            }
        }
        for entry in self.orders.iter().filter(|entry| entry.first != NONE) {
            if !is_start(entry.first) || !is_start(entry.last) || entry.last < entry.first {
                return Err(SnapshotError::Invalid { what: "history order chain", value: entry.first });
            }
        }
        Ok(())
    }
}

fn same_statics(entry: &OrderEntry, order: &Order) -> bool {
    entry.account == order.account
        && entry.market == order.market
        && entry.intent == order.intent
        && entry.kind == order.kind
        && entry.manual == order.manual
        && entry.close_position == order.close_position
        && entry.cash_qty == order.cash_qty
        && entry.ts_created == order.ts_created
}

// ----- the execution record -----
//
// One execution, variable length: `next` (u64 little-endian, patched when the order's next
// execution arrives; `NONE` until then), then `ts - ts_created` zz, execution id var, flags,
// kind, state, tif, [price var], qty, cum_qty, leaves_qty zz, [good_till zz],
// `ts_inserted - ts_created`, notional_filled, fees_total zz, [fill: trade var, qty zz,
// px var, fee zz], [reject reason], [unsolicited cancel], note; enums one byte from the
// engine's code tables. About 30-50 bytes instead of the ~200 of an `Execution` kept by value,
// which is most of the memory (and page faults) of replay. The flags byte: bit 0 price,
// 1 good_till, 2 post_only, 3 fill, 4 aggressor, 5 reject, 6 unsolicited; bit 7 is undefined.

const F_PRICE: u8 = 1;
const F_GOOD_TILL: u8 = 1 << 1;
const F_POST_ONLY: u8 = 1 << 2;
const F_FILL: u8 = 1 << 3;
const F_AGGRESSOR: u8 = 1 << 4;
const F_REJECT: u8 = 1 << 5;
const F_UNSOLICITED: u8 = 1 << 6;
const F_ALL: u8 = (1 << 7) - 1;

fn write_record(out: &mut Vec<u8>, ts: Timestamp, execution: &Execution, ts_created: Timestamp) {
    let order = &execution.order;
    let mut w = Writer::new(out);
    w.u64_le(NONE);
    w.i64(ts.nanos().wrapping_sub(ts_created.nanos()));
    w.u64(execution.id.get());
    let flags = flag(order.price.is_some(), F_PRICE)
        | flag(order.good_till.is_some(), F_GOOD_TILL)
        | flag(order.post_only, F_POST_ONLY)
        | flag(execution.fill.is_some(), F_FILL)
        | flag(execution.fill.is_some_and(|fill| fill.aggressor), F_AGGRESSOR)
        | flag(execution.reject.is_some(), F_REJECT)
        | flag(execution.unsolicited.is_some(), F_UNSOLICITED);
    w.flags(flags);
    w.code(execution.kind);
    w.code(order.state);
    w.code(order.tif);
    if let Some(price) = order.price {
        w.u32(price.units());
    }
    w.i64(order.qty.units());
    w.i64(order.cum_qty.units());
    w.i64(order.leaves_qty.units());
    if let Some(good_till) = order.good_till {
        w.i64(good_till.nanos());
    }
    w.i64(order.ts_inserted.nanos().wrapping_sub(ts_created.nanos()));
    w.i64(order.notional_filled.units());
    w.i64(order.fees_total.units());
    if let Some(fill) = execution.fill {
        w.u64(fill.trade.get());
        w.i64(fill.qty.units());
        w.u32(fill.px.units());
        w.i64(fill.fee.units());
    }
    if let Some(reason) = execution.reject {
        w.code(reason);
    }
    if let Some(cause) = execution.unsolicited {
        w.code(cause);
    }
    w.code(execution.note);
}

/// The `next` link of the record at `at` (the arena is checked: the eight bytes are there).
fn read_next(arena: &[u8], at: usize) -> u64 {
    let mut next = [0; 8];
    next.copy_from_slice(&arena[at..at + 8]);
    u64::from_le_bytes(next)
}

/// Decodes the record at `at` of order `id` (whose fixed fields are in `entry`): the next
/// record's offset, the time, the execution, and where the record ends.
fn decode_record(
    arena: &[u8],
    at: usize,
    id: OrderId,
    entry: &OrderEntry,
) -> Result<(u64, Timestamp, Execution, usize), DecodeError> {
    let mut r = Reader::new(arena);
    r.raw(at)?;
    let next = r.u64_le()?;
    let created = entry.ts_created.nanos();
    let ts = Timestamp(created.wrapping_add(r.i64()?));
    let execution_id = ExecutionId(r.u64()?);
    let flags_at = r.at();
    let flags = r.flags("history record", F_ALL)?;
    let has = |bit: u8| flags & bit != 0;
    // The aggressor bit belongs to a fill: `write_record` never sets it alone.
    if has(F_AGGRESSOR) && !has(F_FILL) {
        return Err(DecodeError::InvalidFlags { what: "history record", flags, at: flags_at });
    }
    let kind = r.code()?;
    let state = r.code()?;
    let tif = r.code()?;
    let price = if has(F_PRICE) { Some(Price(r.u32()?)) } else { None };
    let qty = Qty(r.i64()?);
    let cum_qty = Qty(r.i64()?);
    let leaves_qty = Qty(r.i64()?);
    let good_till = if has(F_GOOD_TILL) { Some(Timestamp(r.i64()?)) } else { None };
    let ts_inserted = Timestamp(created.wrapping_add(r.i64()?));
    let notional_filled = Cash(r.i64()?);
    let fees_total = Cash(r.i64()?);
    let fill = if has(F_FILL) {
        Some(FillInfo {
            trade: TradeId(r.u64()?),
            qty: Qty(r.i64()?),
            px: Price(r.u32()?),
            aggressor: has(F_AGGRESSOR),
            fee: Cash(r.i64()?),
        })
    } else {
        None
    };
    let reject = if has(F_REJECT) { Some(r.code()?) } else { None };
    let unsolicited = if has(F_UNSOLICITED) { Some(r.code()?) } else { None };
    let note = r.code()?;
    let order = Order {
        id,
        account: entry.account,
        market: entry.market,
        intent: entry.intent,
        kind: entry.kind,
        price,
        qty,
        cum_qty,
        leaves_qty,
        tif,
        good_till,
        post_only: has(F_POST_ONLY),
        cash_qty: entry.cash_qty,
        manual: entry.manual,
        state,
        close_position: entry.close_position,
        ts_created: entry.ts_created,
        ts_inserted,
        notional_filled,
        fees_total,
    };
    let execution = Execution { id: execution_id, kind, order, fill, reject, unsolicited, note };
    Ok((next, ts, execution, r.at()))
}

/// The record at `at`: the next record's offset, the time and the execution. The arena was
/// written by `write_record` or checked by `check_arena` on load.
fn read_record(arena: &[u8], at: usize, id: OrderId, entry: &OrderEntry) -> (u64, Timestamp, Execution) {
    let (next, ts, execution, _) = decode_record(arena, at, id, entry).expect("history record is well formed");
    (next, ts, execution)
}

#[cfg(test)]
mod tests {
    use engine::{Command, Engine, MarketRef, NewOrder, Op, Size, Tif};
    use types::{Price, Seq};

    use super::*;

    /// A history of a little trading: two accounts, resting and crossing orders, a cancel, a
    /// withdrawal, a settlement.
    fn history() -> History {
        let spec = crate::fixtures::market_spec("rain");
        let order = |account, intent, price, tif| {
            Op::PlaceOrder(NewOrder {
                account: AccountId(account),
                market: MarketRef::Id(MarketId(0)),
                intent,
                kind: OrderKind::Limit,
                price: Some(Price(price)),
                size: Size::Qty(Qty(3 * Qty::ONE.units())),
                tif: Some(tif),
                good_till: None,
                post_only: false,
                slippage: None,
                manual: Some(ManualIndicator::Manual),
            })
        };
        let dollars = |amount| Cash::from_dollars(amount).expect("small");
        let ops = [
            Op::CreateMarket(spec),
            Op::CreateAccount { name: "maker".into() },
            Op::CreateAccount { name: "taker".into() },
            Op::Deposit { account: AccountId(0), amount: dollars(1_000) },
            Op::Deposit { account: AccountId(1), amount: dollars(1_000) },
            order(0, Intent::BuyLong, 4_000, Tif::GoodTillCancel),
            order(0, Intent::BuyLong, 3_000, Tif::GoodTillCancel),
            order(1, Intent::BuyShort, 4_000, Tif::ImmediateOrCancel),
            Op::CancelOrder { account: AccountId(0), order: OrderId(2) },
            Op::Withdraw { account: AccountId(1), amount: dollars(1) },
            Op::SettleMarket { market: MarketId(0), value: Price(10_000) },
        ];
        let mut engine = Engine::new();
        let mut history = History::default();
        for (index, op) in ops.into_iter().enumerate() {
            let ts = Timestamp(1_700_000_000_000_000_000 + index as i64);
            let mut events = Vec::new();
            let command = Command { seq: Seq(index as u64 + 1), ts, op };
            engine.apply(&command, &mut events).expect("command");
            history.record(ts, &events);
        }
        history
    }

    fn encode(history: &History) -> Vec<u8> {
        let mut bytes = Vec::new();
        history.encode(&mut Writer::new(&mut bytes));
        bytes
    }

    fn decode(bytes: &[u8]) -> Result<History, SnapshotError> {
        let mut reader = Reader::new(bytes);
        let history = History::decode(&mut reader)?;
        reader.finish()?;
        Ok(history)
    }

    #[test]
    fn the_store_round_trips() {
        let history = history();
        assert!(history.executions_count() >= 6);
        let kinds =
            |history: &History| history.activities(AccountId(1)).iter().map(std::mem::discriminant).collect::<Vec<_>>();
        assert_eq!(kinds(&history).len(), 4, "deposit, trade, withdrawal, resolution");
        let bytes = encode(&history);
        let restored = decode(&bytes).expect("decodes");
        assert_eq!(encode(&restored), bytes);
        for id in 1..=3 {
            let executions =
                |history: &History| history.order(OrderId(id)).map(|order| order.executions().collect::<Vec<_>>());
            assert_eq!(executions(&restored), executions(&history), "order {id}");
            assert!(executions(&history).is_some_and(|executions| !executions.is_empty()), "order {id}");
        }
        assert_eq!(
            restored.order(OrderId(2)).and_then(OrderHistory::last).map(|order| order.state),
            Some(engine::OrderState::Canceled)
        );
        assert_eq!(kinds(&restored), kinds(&history));
        assert_eq!(restored.balance_updated(AccountId(1)), history.balance_updated(AccountId(1)));
    }

    #[test]
    fn a_damaged_store_is_an_error_never_a_panic() {
        let bytes = encode(&history());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut to {cut} bytes");
        }
        let mut decoded = 0;
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[at] ^= 1 << bit;
                if let Ok(history) = decode(&damaged) {
                    decoded += 1;
                    // Whatever still decodes reads without panicking.
                    for id in 0..8 {
                        if let Some(order) = history.order(OrderId(id)) {
                            assert!(order.executions().count() > 0);
                        }
                    }
                }
            }
        }
        assert!(decoded > 0, "some flips only change values");
    }

    /// An order without records is written as absent; a present one without records is
    /// another encoding of the same state, so it is refused.
    #[test]
    fn an_order_entry_without_records_is_refused() {
        let mut bytes = Vec::new();
        let mut w = Writer::new(&mut bytes);
        w.u64(0);
        w.bytes(&[]);
        w.usize(1);
        w.bool(true);
        for _ in 0..2 {
            w.u64(NONE);
        }
        w.u32(0);
        w.opt(None::<u32>, Writer::u32);
        w.code(Intent::BuyLong);
        w.code(OrderKind::Limit);
        w.opt(None::<ManualIndicator>, Writer::code);
        w.bool(false);
        w.opt(None::<i64>, Writer::i64);
        w.i64(0);
        let error = decode(&bytes).err();
        assert_eq!(error, Some(SnapshotError::Invalid { what: "history order without records", value: 0 }));
    }

    #[test]
    fn a_record_with_an_undefined_flag_or_a_bad_link_is_refused() {
        let history = history();
        // The first record: `next` (8 bytes), ts delta, execution id 1, then its flags.
        let mut flagged = History { arena: history.arena.clone(), ..History::default() };
        flagged.executions_count = history.executions_count;
        flagged.arena[10] |= 0x80;
        let refused = |flags: u8| {
            let error = DecodeError::InvalidFlags { what: "history record", flags, at: 10 };
            Err(SnapshotError::Inconsistent(format!("history record at arena byte 0: {error}")))
        };
        assert_eq!(flagged.check_arena(), refused(flagged.arena[10]));
        // The aggressor bit without the fill bit: never written, so refused.
        let mut aggressor = History { arena: history.arena.clone(), ..History::default() };
        aggressor.executions_count = history.executions_count;
        assert_eq!(aggressor.arena[10] & (F_FILL | F_AGGRESSOR), 0, "the first record is not a fill");
        aggressor.arena[10] |= F_AGGRESSOR;
        assert_eq!(aggressor.check_arena(), refused(aggressor.arena[10]));
        // A link into the middle of a record.
        let mut linked = History { arena: history.arena.clone(), ..History::default() };
        linked.executions_count = history.executions_count;
        linked.arena[..8].copy_from_slice(&3u64.to_le_bytes());
        assert_eq!(linked.check_arena(), Err(SnapshotError::Invalid { what: "history chain", value: 0 }));
    }
}
