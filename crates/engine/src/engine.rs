//! The `Engine`: state, the command dispatcher, and read-only queries.
//!
//! `apply` is the only way state changes. It first expires good-till-date orders due at the
//! command's timestamp, then carries out the command, pushing events onto the caller's vector
//! (reused across commands, so the hot path allocates nothing). Trading lives in `trading`,
//! administration (markets, accounts, cash, settlement, time) in `admin`.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use types::{AccountId, Cash, ExecutionId, MarketId, OrderId, Price, Qty, Timestamp, TradeId};

use crate::account::{Account, AccountMarket};
use crate::book::{NIL, Store};
use crate::command::{Command, MarketRef, Op};
use crate::error::EngineError;
use crate::event::{Event, ExecKind, Execution, FillInfo, emit};
use crate::market::Market;
use crate::order::{Order, Side};
use crate::position::Position;
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

/// Fixed limits (docs/style.md rule 8): at a limit the engine rejects, it never grows.
pub mod limits {
    use types::{Cash, QTY_SCALE, Qty};

    /// Largest order quantity: 10^10 contracts.
    pub const QTY_MAX: Qty = Qty(10_000_000_000 * QTY_SCALE);
    /// Largest cash outstanding (deposits less withdrawals): $10^8. With it, and prices within
    /// [0.01, 0.99], every balance, margin and notional fits in `i64` minor units.
    pub const DEPOSITS_MAX: Cash = Cash(100_000_000 * types::CASH_SCALE);
    /// Largest total of one figure (quantity, notional or fee bound, in minor units) over
    /// one side of an account's open orders in one market: 2^62, about $4.6 x 10^10 of
    /// notional, so the totals fit `i64`. Never binding: open orders that large need more
    /// buying power than `DEPOSITS_MAX` provides (see `Engine::fits`), so an order that would
    /// pass it is refused as unfunded.
    pub const OPEN_SIDE_MAX: i64 = 1 << 62;
    /// Most resting orders one account may have.
    pub const OPEN_ORDERS_MAX: usize = 10_000;
    /// Most markets.
    pub const MARKETS_MAX: usize = 100_000;
    /// Most accounts.
    pub const ACCOUNTS_MAX: usize = 10_000_000;
}

/// What a successful command produced, beyond its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    None,
    Market(MarketId),
    Account(AccountId),
    /// The order placed (whatever its fate) or made by close-position.
    Order(OrderId),
    /// Orders canceled by cancel-all, in the order they were canceled.
    Canceled(Vec<OrderId>),
}

/// Running sequence counters; ids are deterministic.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counters {
    pub(crate) order: u64,
    pub(crate) trade: u64,
    pub(crate) execution: u64,
    pub(crate) transaction: u64,
}

/// Exchange-wide cash totals for the conservation invariant.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Ledger {
    pub(crate) deposits: i128,
    pub(crate) withdrawals: i128,
    /// Fees kept by the exchange, net of rebates paid.
    pub(crate) fees_kept: i128,
}

/// The exchange state machine.
#[derive(Clone, Debug, Default)]
pub struct Engine {
    pub(crate) markets: Vec<Market>,
    pub(crate) market_by_slug: FxHashMap<Box<str>, MarketId>,
    pub(crate) accounts: Vec<Account>,
    /// Every account's per-market state, in creation order (indexed by `MarketMap`).
    pub(crate) states: Vec<AccountMarket>,
    pub(crate) account_by_name: FxHashMap<Box<str>, AccountId>,
    pub(crate) store: Store,
    /// Live good-till-date orders by expiry.
    pub(crate) expiries: BTreeSet<(Timestamp, OrderId)>,
    pub(crate) counters: Counters,
    pub(crate) ledger: Ledger,
    /// The latest command timestamp seen; never goes backwards.
    pub(crate) now: Timestamp,
    /// Accounts with fills in the current command, in the order of their first fill (the
    /// taker first), each with its state index in the traded market (scratch, empty between
    /// commands).
    pub(crate) touched: Vec<(AccountId, u32)>,
}

impl Engine {
    /// An empty exchange.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Applies one command, appending its events to `out`.
    pub fn apply(&mut self, command: &Command, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        self.now = self.now.max(command.ts);
        self.expire_due(out);
        match &command.op {
            Op::CreateMarket(spec) => self.create_market(spec, out),
            Op::SetMarketState { market, state } => self.set_market_state(*market, *state, out),
            Op::SettleMarket { market, value } => self.settle(*market, *value, out),
            Op::CreateAccount { name } => self.create_account(name, out),
            Op::Deposit { account, amount } => self.deposit(*account, *amount, out),
            Op::Withdraw { account, amount } => self.withdraw(*account, *amount, out),
            Op::PlaceOrder(new) => self.place(new, out),
            Op::CancelOrder { account, order } => self.cancel(*account, *order, out),
            Op::CancelAll { account, markets } => self.cancel_all(*account, markets, out),
            Op::ModifyOrder(modify) => self.modify(modify, out),
            Op::ClosePosition(close) => self.close_position(close, out),
            Op::AdvanceTime => Ok(Reply::None),
            Op::EndOfDay => Ok(self.end_of_day(out)),
        }
    }

    // ----- queries -----

    /// The latest timestamp the engine has seen.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// All markets, by id.
    pub fn markets(&self) -> &[Market] {
        &self.markets
    }

    /// A market by id.
    pub fn market(&self, id: MarketId) -> Option<&Market> {
        self.markets.get(id.get() as usize)
    }

    /// A market id by slug.
    pub fn market_id(&self, slug: &str) -> Option<MarketId> {
        self.market_by_slug.get(slug).copied()
    }

    /// All accounts, by id.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// An account by id.
    pub fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(id.get() as usize)
    }

    /// An account id by name.
    pub fn account_id(&self, name: &str) -> Option<AccountId> {
        self.account_by_name.get(name).copied()
    }

    /// A live (resting) order. Finished orders live in the history store, not here.
    pub fn order(&self, id: OrderId) -> Option<&Order> {
        self.store.find(id).map(|at| &self.store.get(at).order)
    }

    /// Number of live orders.
    pub fn orders_count(&self) -> usize {
        self.store.len()
    }

    /// An account's live orders, by market, oldest first within a market.
    pub fn open_orders(&self, account: AccountId) -> Vec<Order> {
        let Some(account) = self.account(account) else { return Vec::new() };
        let mut orders = Vec::new();
        for (_, index) in account.markets.iter() {
            let mut at = self.states[index as usize].head;
            while at != NIL {
                let slot = self.store.get(at);
                orders.push(slot.order);
                at = slot.account_next;
            }
        }
        orders
    }

    /// An account's position in a market, if it ever had one.
    pub fn position(&self, account: AccountId, market: MarketId) -> Option<PositionView> {
        Some(position_view(self.state(account, market)?))
    }

    /// An account's positions, by market id.
    pub fn positions(&self, account: AccountId) -> Vec<(MarketId, PositionView)> {
        let Some(account) = self.account(account) else { return Vec::new() };
        account
            .markets
            .iter()
            .map(|(market, index)| (market, &self.states[index as usize]))
            .filter(|(_, state)| state.position != Position::default())
            .map(|(market, state)| (market, position_view(state)))
            .collect()
    }

    /// An account's balance figures.
    pub fn balance(&self, account: AccountId) -> Option<BalanceView> {
        let open_orders = self.reservation_sum(account);
        let account = self.account(account)?;
        let buying_power = account.free() - open_orders;
        Some(BalanceView {
            cash: account.cash,
            margin: account.margin,
            open_orders: Cash(saturate(open_orders)),
            buying_power: Cash(saturate(buying_power.max(0))),
        })
    }

    /// Aggregated price levels of one side, best first, at most `depth` of them.
    pub fn depth(&self, market: MarketId, side: Side, depth: usize) -> Vec<(Price, Qty)> {
        let Some(market) = self.market(market) else { return Vec::new() };
        let ladder = market.book.ladder(side);
        ladder
            .levels_from_best()
            .take(depth)
            .map(|level| (market.price_of(level), ladder.levels[level as usize].qty))
            .collect()
    }

    /// The best price and its quantity on one side.
    pub fn best(&self, market: MarketId, side: Side) -> Option<(Price, Qty)> {
        let market = self.market(market)?;
        let ladder = market.book.ladder(side);
        ladder.best().map(|level| (market.price_of(level), ladder.levels[level as usize].qty))
    }

    /// When the earliest live good-till-date order expires, if there is one. The sequencer
    /// sends an `AdvanceTime` command once the clock reaches it.
    pub fn next_expiry(&self) -> Option<Timestamp> {
        self.expiries.first().map(|&(due, _)| due)
    }

    /// Trades made so far (trade ids are 1..=this).
    pub fn trades_count(&self) -> u64 {
        self.counters.trade
    }

    /// Fees kept by the exchange, net of rebates (minor units).
    pub fn fees_kept(&self) -> i128 {
        self.ledger.fees_kept
    }

    // ----- shared helpers -----

    /// An account's state in a market, if it has one.
    pub(crate) fn state(&self, account: AccountId, market: MarketId) -> Option<&AccountMarket> {
        let index = self.accounts.get(account.get() as usize)?.markets.get(market)?;
        Some(&self.states[index as usize])
    }

    /// The index of an account's state in a market, created empty if needed.
    pub(crate) fn state_index(&mut self, account: AccountId, market: MarketId) -> u32 {
        let holder = &mut self.accounts[account.get() as usize];
        if let Some(index) = holder.markets.get(market) {
            return index;
        }
        let index = self.states.len() as u32;
        let mut state = AccountMarket::default();
        match holder.markets.len() {
            0 => {}
            1 => {
                // The account's order total now spans markets: from here on it is kept on
                // the account, starting from its first market's count.
                let first = &mut self.states[holder.markets.index_at(0) as usize];
                first.others = true;
                holder.orders_count = first.orders_count as usize;
                state.others = true;
            }
            _ => state.others = true,
        }
        holder.markets.insert(market, index);
        self.states.push(state);
        index
    }

    /// An account's states in ascending market id.
    pub(crate) fn states_of(&self, account: AccountId) -> impl Iterator<Item = (MarketId, &AccountMarket)> {
        self.accounts[account.get() as usize]
            .markets
            .iter()
            .map(|(market, index)| (market, &self.states[index as usize]))
    }

    /// The largest reservation over an account's markets (what a withdrawal must leave).
    pub(crate) fn reservation_max(&self, account: AccountId) -> i128 {
        self.states_of(account).map(|(_, state)| state.reservation()).max().unwrap_or(0)
    }

    /// The sum of an account's per-market reservations (`openOrders`).
    pub(crate) fn reservation_sum(&self, account: AccountId) -> i128 {
        if self.account(account).is_none() {
            return 0;
        }
        self.states_of(account).map(|(_, state)| state.reservation()).sum()
    }

    #[inline]
    pub(crate) fn resolve_market(&self, market: &MarketRef) -> Option<MarketId> {
        match market {
            MarketRef::Id(id) => self.market(*id).map(|m| m.id),
            MarketRef::Slug(slug) => self.market_id(slug),
        }
    }

    pub(crate) fn next_order_id(&mut self) -> OrderId {
        self.counters.order += 1;
        OrderId(self.counters.order)
    }

    /// Pushes one execution report about `order`.
    pub(crate) fn report(&mut self, out: &mut Vec<Event>, order: &Order, report: Report) {
        push_execution(&mut self.counters.execution, out, order, report);
    }

    pub(crate) fn next_trade_id(&mut self) -> TradeId {
        self.counters.trade += 1;
        TradeId(self.counters.trade)
    }
}

/// An `i128` figure as `i64` minor units, saturating (a per-market reservation fits `i64`;
/// their sum over many markets need not).
fn saturate(value: i128) -> i64 {
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// What an execution report says beyond the order it is about.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Report {
    kind: ExecKind,
    fill: Option<FillInfo>,
    reject: Option<RejectReason>,
    unsolicited: Option<UnsolicitedCancel>,
    note: Note,
}

impl Report {
    /// A plain report of `kind` (NEW, REPLACE, a user cancel...).
    pub(crate) const fn of(kind: ExecKind, note: Note) -> Report {
        Report { kind, fill: None, reject: None, unsolicited: None, note }
    }

    /// A fill; PARTIAL_FILL or FILL by what the order has left.
    pub(crate) fn fill(order: &Order, fill: FillInfo) -> Report {
        let kind = if order.leaves_qty.is_zero() { ExecKind::Fill } else { ExecKind::PartialFill };
        Report { fill: Some(fill), ..Report::of(kind, Note::None) }
    }

    /// A reject (of a new order, or of a modify: then the order keeps its live state).
    pub(crate) const fn rejected(reason: RejectReason, note: Note) -> Report {
        Report { reject: Some(reason), ..Report::of(ExecKind::Rejected, note) }
    }

    /// The same report as a cancel the system started.
    pub(crate) const fn unsolicited(self, cause: Option<UnsolicitedCancel>) -> Report {
        Report { unsolicited: cause, ..self }
    }
}

/// Pushes one execution report about `order`, numbering it from `counter` (the engine's
/// execution counter, passed alone so the order may live in the engine's own storage).
pub(crate) fn push_execution(counter: &mut u64, out: &mut Vec<Event>, order: &Order, report: Report) {
    *counter += 1;
    let id = ExecutionId(*counter);
    emit(out, || {
        Event::Execution(Execution {
            id,
            kind: report.kind,
            order: *order,
            fill: report.fill,
            reject: report.reject,
            unsolicited: report.unsolicited,
            note: report.note,
        })
    });
}

/// A position with the figures derived from open orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionView {
    pub position: Position,
    /// |net| minus what resting reducing orders already commit (`qtyAvailable`).
    pub available: Qty,
}

fn position_view(state: &AccountMarket) -> PositionView {
    let net = state.position.net.units();
    let committed = if net > 0 { state.exposure.sell_long } else { state.exposure.sell_short };
    PositionView { position: state.position, available: Qty(net.abs() - committed) }
}

/// An account's balance figures (`UserBalance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BalanceView {
    /// `currentBalance`.
    pub cash: Cash,
    /// `marginRequirement`.
    pub margin: Cash,
    /// `openOrders`: the sum of per-market reservations.
    pub open_orders: Cash,
    /// `buyingPower` = cash - open orders - margin, floored at zero.
    pub buying_power: Cash,
}
