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
//! the server's snapshot carries it (`encode` / `decode`, with the engine's snapshot codes).

use engine::{
    CashKind, Event, ExecKind, Execution, FillInfo, Intent, ManualIndicator, Order, OrderKind, OrderState,
    RejectReason, Resolution, SnapshotDecoder, SnapshotEncoder, SnapshotError, Tif, Trade, UnsolicitedCancel,
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
    /// times.
    pub(crate) fn encode(&self, e: &mut SnapshotEncoder<'_>) {
        e.u64(self.executions_count);
        e.u64(self.arena.len() as u64);
        e.bytes(&self.arena);
        e.count(self.orders.len());
        for entry in &self.orders {
            e.u64(entry.first);
            e.u64(entry.last);
            if entry.first == NONE {
                continue;
            }
            e.u32(entry.account.get());
            e.opt_i64(entry.market.map(|market| i64::from(market.get())));
            e.intent(entry.intent);
            e.order_kind(entry.kind);
            e.u8(match entry.manual {
                None => 0,
                Some(ManualIndicator::Manual) => 1,
                Some(ManualIndicator::Automatic) => 2,
            });
            e.bool(entry.close_position);
            e.opt_i64(entry.cash_qty.map(Cash::units));
            e.ts(entry.ts_created);
        }
        e.count(self.activities.len());
        for activities in &self.activities {
            e.count(activities.len());
            for activity in activities {
                match activity {
                    Activity::Trade { ts, trade, aggressor } => {
                        e.u8(1);
                        e.ts(*ts);
                        e.trade(trade);
                        e.bool(*aggressor);
                    }
                    Activity::Resolution { ts, resolution } => {
                        e.u8(2);
                        e.ts(*ts);
                        e.resolution(resolution);
                    }
                    Activity::Cash { ts, kind, amount, transaction } => {
                        e.u8(3);
                        e.ts(*ts);
                        e.bool(*kind == CashKind::Withdrawal);
                        e.i64(amount.units());
                        e.u64(*transaction);
                    }
                }
            }
        }
        e.count(self.balance_updated.len());
        for ts in &self.balance_updated {
            e.ts(*ts);
        }
    }

    /// Reads what `encode` wrote.
    pub(crate) fn decode(d: &mut SnapshotDecoder<'_>) -> Result<History, SnapshotError> {
        let mut history = History { executions_count: d.u64("executions count")?, ..History::default() };
        let arena_len = d.u64("history arena length")?;
        let arena_len = usize::try_from(arena_len)
            .ok()
            .filter(|&len| len <= d.remaining())
            .ok_or(SnapshotError::Invalid { what: "history arena length", value: arena_len })?;
        history.arena = d.bytes(arena_len, "history arena")?.to_vec();
        let orders = d.count("history orders", 16)?;
        history.orders.reserve(orders);
        for _ in 0..orders {
            let (first, last) = (d.u64("history chain")?, d.u64("history chain")?);
            if first == NONE {
                history.orders.push(NO_ORDER);
                continue;
            }
            if first >= arena_len as u64 || last >= arena_len as u64 {
                return Err(SnapshotError::Invalid { what: "history chain", value: first });
            }
            let account = AccountId(d.u32("history order")?);
            let market = d.opt_i64("history order market")?.map(|market| MarketId(market as u32));
            let intent = d.intent()?;
            let kind = d.order_kind()?;
            let manual = match d.u8("manual")? {
                0 => None,
                1 => Some(ManualIndicator::Manual),
                2 => Some(ManualIndicator::Automatic),
                value => return Err(SnapshotError::Invalid { what: "manual", value: u64::from(value) }),
            };
            let close_position = d.bool("close position")?;
            let cash_qty = d.opt_i64("cash qty")?.map(Cash);
            let ts_created = d.ts("created")?;
            history.orders.push(OrderEntry {
                first,
                last,
                account,
                market,
                intent,
                kind,
                manual,
                close_position,
                cash_qty,
                ts_created,
            });
        }
        history.check_arena()?;
        let accounts = d.count("history accounts", 4)?;
        history.activities.reserve(accounts);
        for _ in 0..accounts {
            let count = d.count("activities", 17)?;
            let mut activities = Vec::with_capacity(count);
            for _ in 0..count {
                let activity = match d.u8("activity kind")? {
                    1 => Activity::Trade { ts: d.ts("activity")?, trade: d.trade()?, aggressor: d.bool("aggressor")? },
                    2 => Activity::Resolution { ts: d.ts("activity")?, resolution: d.resolution()? },
                    3 => Activity::Cash {
                        ts: d.ts("activity")?,
                        kind: if d.bool("cash kind")? { CashKind::Withdrawal } else { CashKind::Deposit },
                        amount: Cash(d.i64("cash amount")?),
                        transaction: d.u64("transaction")?,
                    },
                    kind => return Err(SnapshotError::Invalid { what: "activity kind", value: u64::from(kind) }),
                };
                activities.push(activity);
            }
            history.activities.push(activities);
        }
        let times = d.count("balance times", 8)?;
        history.balance_updated.reserve(times);
        for _ in 0..times {
            history.balance_updated.push(d.ts("balance time")?);
        }
        Ok(history)
    }
}

impl History {
    /// Walks every record of the arena once, so a damaged arena is an error at load time and
    /// reads can index it without checks failing later.
    fn check_arena(&self) -> Result<(), SnapshotError> {
        let mut at = 0;
        let mut count = 0u64;
        while at < self.arena.len() {
            at = record_end(&self.arena, at)
                .ok_or(SnapshotError::Invalid { what: "history record", value: at as u64 })?;
            count += 1;
        }
        if count != self.executions_count {
            return Err(SnapshotError::Invalid { what: "history executions count", value: count });
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
// One execution, variable length: `next` (u64 LE, patched when the order's next execution
// arrives; `NONE` until then), then varints: `ts - ts_created`, execution id, a flags word,
// kind, state, tif, [price], qty, cum_qty, leaves_qty, [good_till], `ts_inserted - ts_created`,
// notional_filled, fees_total, [fill: trade, qty, px, fee], [reject code], [unsolicited],
// note code. Signed values are zigzag varints. About 30-50 bytes instead of the ~200 of an
// `Execution` kept by value, which is most of the memory (and page faults) of replay.

const F_PRICE: u64 = 1;
const F_GOOD_TILL: u64 = 1 << 1;
const F_POST_ONLY: u64 = 1 << 2;
const F_FILL: u64 = 1 << 3;
const F_AGGRESSOR: u64 = 1 << 4;
const F_REJECT: u64 = 1 << 5;
const F_UNSOLICITED: u64 = 1 << 6;

fn put_var(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_zz(out: &mut Vec<u8>, value: i64) {
    put_var(out, ((value << 1) ^ (value >> 63)) as u64);
}

fn write_record(out: &mut Vec<u8>, ts: Timestamp, execution: &Execution, ts_created: Timestamp) {
    let order = &execution.order;
    out.extend_from_slice(&NONE.to_le_bytes());
    put_zz(out, ts.nanos().wrapping_sub(ts_created.nanos()));
    put_var(out, execution.id.get());
    let mut flags = 0;
    for (set, bit) in [
        (order.price.is_some(), F_PRICE),
        (order.good_till.is_some(), F_GOOD_TILL),
        (order.post_only, F_POST_ONLY),
        (execution.fill.is_some(), F_FILL),
        (execution.fill.is_some_and(|fill| fill.aggressor), F_AGGRESSOR),
        (execution.reject.is_some(), F_REJECT),
        (execution.unsolicited.is_some(), F_UNSOLICITED),
    ] {
        if set {
            flags |= bit;
        }
    }
    put_var(out, flags);
    put_var(out, exec_kind_code(execution.kind));
    put_var(out, order_state_code(order.state));
    put_var(out, tif_code(order.tif));
    if let Some(price) = order.price {
        put_var(out, u64::from(price.units()));
    }
    put_zz(out, order.qty.units());
    put_zz(out, order.cum_qty.units());
    put_zz(out, order.leaves_qty.units());
    if let Some(good_till) = order.good_till {
        put_zz(out, good_till.nanos());
    }
    put_zz(out, order.ts_inserted.nanos().wrapping_sub(ts_created.nanos()));
    put_zz(out, order.notional_filled.units());
    put_zz(out, order.fees_total.units());
    if let Some(fill) = execution.fill {
        put_var(out, fill.trade.get());
        put_zz(out, fill.qty.units());
        put_var(out, u64::from(fill.px.units()));
        put_zz(out, fill.fee.units());
    }
    if let Some(reason) = execution.reject {
        put_var(out, u64::from(reason.code()));
    }
    if let Some(cause) = execution.unsolicited {
        put_var(out, unsolicited_code(cause));
    }
    put_var(out, note_code(execution.note));
}

/// Reads varints from a record known to be well formed (the arena is written by
/// `write_record` or checked by `record_end` on load).
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn try_var(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn var(&mut self) -> u64 {
        self.try_var().expect("history record is well formed")
    }

    fn zz(&mut self) -> i64 {
        let raw = self.var();
        ((raw >> 1) as i64) ^ -((raw & 1) as i64)
    }
}

/// Where the record at `at` ends, or `None` if it is malformed.
fn record_end(arena: &[u8], at: usize) -> Option<usize> {
    let next = u64::from_le_bytes(arena.get(at..at + 8)?.try_into().ok()?);
    if next != NONE && next as usize >= arena.len() {
        return None;
    }
    let mut cursor = Cursor { bytes: arena, at: at + 8 };
    cursor.try_var()?;
    cursor.try_var()?;
    let flags = cursor.try_var()?;
    let kind = cursor.try_var()?;
    let state = cursor.try_var()?;
    let tif = cursor.try_var()?;
    exec_kind_of(kind)?;
    order_state_of(state)?;
    tif_of(tif)?;
    let mut fields = 6;
    for (bit, count) in [(F_PRICE, 1), (F_GOOD_TILL, 1), (F_FILL, 4), (F_REJECT, 1), (F_UNSOLICITED, 1)] {
        if flags & bit != 0 {
            fields += count;
        }
    }
    for _ in 0..fields {
        cursor.try_var()?;
    }
    note_of(cursor.try_var()?)?;
    Some(cursor.at)
}

/// The record at `at`: the next record's offset, the time and the execution.
fn read_record(arena: &[u8], at: usize, id: OrderId, entry: &OrderEntry) -> (u64, Timestamp, Execution) {
    let mut next = [0; 8];
    next.copy_from_slice(&arena[at..at + 8]);
    let mut c = Cursor { bytes: arena, at: at + 8 };
    let created = entry.ts_created.nanos();
    let ts = Timestamp(created.wrapping_add(c.zz()));
    let execution_id = ExecutionId(c.var());
    let flags = c.var();
    let kind = exec_kind_of(c.var()).expect("checked");
    let state = order_state_of(c.var()).expect("checked");
    let tif = tif_of(c.var()).expect("checked");
    let price = (flags & F_PRICE != 0).then(|| Price(c.var() as u32));
    let qty = Qty(c.zz());
    let cum_qty = Qty(c.zz());
    let leaves_qty = Qty(c.zz());
    let good_till = (flags & F_GOOD_TILL != 0).then(|| Timestamp(c.zz()));
    let ts_inserted = Timestamp(created.wrapping_add(c.zz()));
    let notional_filled = Cash(c.zz());
    let fees_total = Cash(c.zz());
    let fill = (flags & F_FILL != 0).then(|| FillInfo {
        trade: TradeId(c.var()),
        qty: Qty(c.zz()),
        px: Price(c.var() as u32),
        aggressor: flags & F_AGGRESSOR != 0,
        fee: Cash(c.zz()),
    });
    let reject = (flags & F_REJECT != 0)
        .then(|| {
            let code = c.var();
            RejectReason::ALL.into_iter().find(|reason| u64::from(reason.code()) == code)
        })
        .flatten();
    let unsolicited = (flags & F_UNSOLICITED != 0).then(|| unsolicited_of(c.var())).flatten();
    let note = note_of(c.var()).unwrap_or(engine::Note::None);
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
        post_only: flags & F_POST_ONLY != 0,
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
    (u64::from_le_bytes(next), ts, execution)
}

macro_rules! code_table {
    ($to:ident, $from:ident, $ty:ty, { $($variant:path => $code:literal),+ $(,)? }) => {
        fn $to(value: $ty) -> u64 {
            match value { $($variant => $code),+ }
        }
        fn $from(code: u64) -> Option<$ty> {
            match code { $($code => Some($variant),)+ _ => None }
        }
    };
}

code_table!(exec_kind_code, exec_kind_of, ExecKind, {
    ExecKind::New => 0, ExecKind::PartialFill => 1, ExecKind::Fill => 2, ExecKind::Canceled => 3,
    ExecKind::Replace => 4, ExecKind::Rejected => 5, ExecKind::Expired => 6, ExecKind::DoneForDay => 7,
});
code_table!(order_state_code, order_state_of, OrderState, {
    OrderState::New => 0, OrderState::PartiallyFilled => 1, OrderState::Filled => 2, OrderState::Canceled => 3,
    OrderState::Rejected => 4, OrderState::Expired => 5,
});
code_table!(tif_code, tif_of, Tif, {
    Tif::Day => 0, Tif::GoodTillCancel => 1, Tif::GoodTillDate => 2, Tif::ImmediateOrCancel => 3, Tif::FillOrKill => 4,
});
code_table!(unsolicited_code, unsolicited_of, UnsolicitedCancel, {
    UnsolicitedCancel::ExchangeOption => 0, UnsolicitedCancel::Other => 1,
});

fn note_code(note: engine::Note) -> u64 {
    u64::from(engine::note_code(note))
}

fn note_of(code: u64) -> Option<engine::Note> {
    engine::note_of_code(u8::try_from(code).ok()?)
}
