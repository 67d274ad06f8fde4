//! A naive reference exchange, written to be obviously correct rather than fast.
//!
//! `RefEngine::apply` must produce exactly the events of `engine::Engine::apply` (same ids,
//! same order, same snapshots) for the same commands. A check must share no code with what
//! it checks, so the reference speaks the engine's language (its public data types:
//! `Command`, `Event`, `Order`, `Price`, `Qty`, ...) but calls no engine function that
//! computes anything. It re-derives every rule from ARCHITECTURE.md ("Engine decisions") and
//! the engine's module docs, each in its own way:
//! - fees (crates/engine/src/fees.rs): its own exact arithmetic, fractions of `i128`
//!   numerator and denominator in lowest terms, and its own rounding to the cent half to
//!   even; the per-order cap is computed from scratch from the order's whole fee history
//!   (the exact sum of its positive fees, rounded, less what its earlier fills paid), not
//!   from running totals, and so is the fee bound of reservations;
//! - order states: its own list of legal changes (`LEGAL_CHANGES`), the next state read off
//!   the order's quantities (nothing left: filled; something traded: partly filled), and a
//!   panic on any change the list does not allow;
//! - intents and times in force: its own book side, reducing and may-rest rules;
//! - positions: average cost with its own half-even rounding of the basis removed;
//! - each market's live orders sit in a plain `Vec`; the best maker is found by scanning for
//!   the best price, then the lowest book-entry sequence (price-time priority);
//! - an order's book-entry sequence is taken when it rests (again after a priority-losing
//!   modify), so "oldest" and "newest" are plain comparisons of sequences;
//! - reservations (account.rs: worst case of all bids filling or all offers filling, fees
//!   bounded at the worst price) are recomputed from the orders every time they are needed;
//! - margin and open interest are recomputed from the positions; cash is a plain number.
//!
//! What it does take from `engine` and `types`: the data types and their constructors, the
//! `units()` / `get()` accessors and derived comparisons, the scale constants (`PRICE_SCALE`,
//! `QTY_SCALE`, `CASH_SCALE`, `RATE_SCALE`, `Price::ONE`, the `ZERO`s) and the published
//! bounds in `engine::limits` (values, not computations).
//!
//! `differential` runs seeded command streams through both and compares them.

use std::collections::BTreeMap;

use engine::{
    BalanceView, CashKind, ClosePosition, Command, EngineError, Event, ExecKind, Execution, FillInfo, Intent,
    LedgerCause, MarketRef, MarketSpec, MarketState, MarketStats, Modify, NewOrder, Note, Op, Order, OrderKind,
    OrderState, Position, PositionView, RejectReason, Reply, Resolution, ResolutionSide, Side, Size, Slippage, Tif,
    Trade, TradeSide, UnsolicitedCancel, limits,
};
use types::{
    AccountId, CASH_SCALE, Cash, ExecutionId, MarketId, OrderId, PRICE_SCALE, Price, QTY_SCALE, Qty, RATE_SCALE, Rate,
    Timestamp, TradeId,
};

/// Cash units of $1 per contract unit: margin, payout and the NO price are all "$1 x qty".
const DOLLAR: i64 = PRICE_SCALE;

/// A reject reason and its text.
type Rejection = (RejectReason, Note);

// ----- the reference's own arithmetic: exact fractions -----

/// An exact fraction `num / den` in lowest terms with `den > 0`. Every amount the fee rule
/// needs (a fill's fee in dollars, an order's exact total) is one of these: nothing is scaled
/// to a fixed unit before the one rounding to the cent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Ratio {
    const ZERO: Ratio = Ratio { num: 0, den: 1 };

    fn new(num: i128, den: i128) -> Ratio {
        assert!(den != 0, "a fraction needs a denominator");
        let sign = if den < 0 { -1 } else { 1 };
        let common = gcd(num, den).max(1);
        Ratio { num: sign * num / common, den: sign * den / common }
    }

    /// `units` of a fixed-point value with `scale` units per whole.
    fn of_units(units: i64, scale: i64) -> Ratio {
        Ratio::new(i128::from(units), i128::from(scale))
    }

    fn times(self, other: Ratio) -> Ratio {
        // Cross-reduce first so the products stay small.
        let (a, d) = (gcd(self.num, other.den).max(1), gcd(other.num, self.den).max(1));
        Ratio::new((self.num / a) * (other.num / d), (self.den / d) * (other.den / a))
    }

    fn plus(self, other: Ratio) -> Ratio {
        let common = self.den / gcd(self.den, other.den) * other.den;
        Ratio::new(self.num * (common / self.den) + other.num * (common / other.den), common)
    }

    fn is_positive(self) -> bool {
        self.num > 0
    }

    /// This many dollars in whole cents, rounded to the nearest cent, ties to the even cent.
    fn to_cents(self) -> i64 {
        nearest_even(self.num * 100, self.den) as i64
    }
}

/// `num / den` (`den > 0`) rounded to the nearest integer, an exact tie to the even one.
/// Ties are symmetric about zero, so a negative value rounds as its magnitude, negated.
fn nearest_even(num: i128, den: i128) -> i128 {
    assert!(den > 0, "rounding needs a positive denominator");
    let magnitude = num.abs();
    let (whole, rest) = (magnitude / den, magnitude % den);
    let up = match rest.cmp(&(den - rest)) {
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Equal => whole % 2 == 1,
    };
    let rounded = whole + i128::from(up);
    if num < 0 { -rounded } else { rounded }
}

/// Cash units per cent.
const CASH_PER_CENT: i64 = CASH_SCALE / 100;

/// The exact fee of one fill in dollars (fees.rs): `coefficient x qty x p x (1 - p)`, with
/// the coefficient, the quantity and the YES price `p` each a fraction of its own scale.
fn exact_fee_dollars(rate: Rate, qty: Qty, px: Price) -> Ratio {
    let p = i64::from(px.units());
    Ratio::of_units(rate.units(), RATE_SCALE)
        .times(Ratio::of_units(qty.units(), QTY_SCALE))
        .times(Ratio::of_units(p, PRICE_SCALE))
        .times(Ratio::of_units(PRICE_SCALE - p, PRICE_SCALE))
}

// ----- the reference's own fee cap -----

/// One fill's fee as booked on its order.
#[derive(Clone, Copy, Debug)]
struct FeeFill {
    exact: Ratio,
    /// Cash units charged (negative for a rebate).
    charged: i64,
}

/// Every fee an order has been charged, fill by fill. The cap is computed from this history
/// each time, never carried as running totals.
#[derive(Clone, Debug, Default)]
struct FeeHistory {
    fills: Vec<FeeFill>,
}

impl FeeHistory {
    /// The order's fills that carried a positive fee: only those are capped.
    fn charged_fills(&self) -> impl Iterator<Item = &FeeFill> {
        self.fills.iter().filter(|fill| fill.exact.is_positive())
    }

    /// The exact sum of the order's positive fees.
    fn exact_charged(&self) -> Ratio {
        self.charged_fills().fold(Ratio::ZERO, |sum, fill| sum.plus(fill.exact))
    }

    /// Cash units actually charged for them.
    fn cash_charged(&self) -> i64 {
        self.charged_fills().map(|fill| fill.charged).sum()
    }

    /// The fee of one more fill (fees.rs, "Positive fees of one order are capped
    /// cumulatively"): its own fee rounded to the cent, half to even, except that after it the
    /// order's positive fees together may not exceed their exact sum rounded to the cent. A
    /// rebate (or nothing) is the fill's own rounded amount, outside the cap.
    fn charge(&mut self, rate: Rate, qty: Qty, px: Price) -> i64 {
        let exact = exact_fee_dollars(rate, qty, px);
        let own = exact.to_cents() * CASH_PER_CENT;
        let charged = if exact.is_positive() {
            let ceiling = self.exact_charged().plus(exact).to_cents() * CASH_PER_CENT;
            own.min(ceiling - self.cash_charged())
        } else {
            own
        };
        self.fills.push(FeeFill { exact, charged });
        charged
    }

    /// The most the order's `leaves` may still be charged at coefficient `rate` (account.rs:
    /// reservations include an upper bound on positive fees): as if all of them filled at the
    /// fillable price where `p (1 - p)` is largest, so the cap's ceiling is what the order
    /// could ever pay in all, less what it paid already.
    fn bound(&self, rate: Rate, side: Side, limit: Price, leaves: Qty) -> i64 {
        if rate.units() <= 0 || leaves.units() <= 0 {
            return 0;
        }
        // `p (1 - p)` peaks at $0.50; a buy fills at or below its limit, a sell at or above.
        let half = Price((PRICE_SCALE / 2) as u32);
        let worst_px = match side {
            Side::Buy if limit < half => limit,
            Side::Sell if limit > half => limit,
            _ => half,
        };
        let ever = self.exact_charged().plus(exact_fee_dollars(rate, leaves, worst_px));
        (ever.to_cents() * CASH_PER_CENT - self.cash_charged()).max(0)
    }
}

// ----- the reference's own order lifecycle -----

/// What happens to an order, in the reference's own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Passed validation.
    Accepted,
    /// Refused on arrival.
    Refused,
    /// A fill was booked (its quantities already updated).
    Traded,
    /// Cancel-replaced.
    Modified,
    /// Canceled by its owner or the exchange.
    Canceled,
    /// Its time ran out (good-till-date, day roll).
    TimedOut,
}

/// Every legal order state change (order.rs, "the one table of legal state changes", and
/// the lifecycle of trading/mod.rs): an order is born `NEW` or `REJECTED`; a live order (`NEW`,
/// `PARTIALLY_FILLED`) may trade to partly or fully filled, be replaced into either live
/// state, or end canceled or expired; a finished order never changes again.
const LEGAL_CHANGES: [(Option<OrderState>, OrderState); 11] = {
    use OrderState::{Canceled, Expired, Filled, New, PartiallyFilled, Rejected};
    [
        (None, New),
        (None, Rejected),
        (Some(New), PartiallyFilled),
        (Some(New), Filled),
        (Some(New), New),
        (Some(New), Canceled),
        (Some(New), Expired),
        // Another partial fill, or a replace: what traded stays traded, never back to NEW.
        (Some(PartiallyFilled), PartiallyFilled),
        (Some(PartiallyFilled), Filled),
        (Some(PartiallyFilled), Canceled),
        (Some(PartiallyFilled), Expired),
    ]
};

/// The state after `step`, read off the order's quantities (after the step is booked):
/// filled when nothing is left, partly filled when something traded, else new. Panics on a
/// change `LEGAL_CHANGES` does not list.
fn next_state(from: Option<OrderState>, step: Step, order: &Order) -> OrderState {
    let traded_some = order.cum_qty.units() > 0;
    let to = match step {
        Step::Accepted => OrderState::New,
        Step::Refused => OrderState::Rejected,
        Step::Traded if order.leaves_qty.units() == 0 => OrderState::Filled,
        Step::Traded | Step::Modified if traded_some => OrderState::PartiallyFilled,
        Step::Traded | Step::Modified => OrderState::New,
        Step::Canceled => OrderState::Canceled,
        Step::TimedOut => OrderState::Expired,
    };
    assert!(
        LEGAL_CHANGES.contains(&(from, to)),
        "reference: illegal order state change {from:?} -> {to:?} on {step:?}"
    );
    to
}

// ----- the reference's own reading of the order enums -----

/// The YES-book side of an intent: buying YES and buying back NO bid; selling YES and buying
/// NO offer (order.rs: "Every price is a YES price; NO is synthetic").
fn book_side(intent: Intent) -> Side {
    match intent {
        Intent::BuyLong | Intent::SellShort => Side::Buy,
        Intent::SellLong | Intent::BuyShort => Side::Sell,
    }
}

/// SELL_LONG and SELL_SHORT only close what is held.
fn reduces(intent: Intent) -> bool {
    matches!(intent, Intent::SellLong | Intent::SellShort)
}

/// DAY, GTC and GTD orders may rest on the book; IOC and FOK never do.
fn may_rest(tif: Tif) -> bool {
    matches!(tif, Tif::Day | Tif::GoodTillCancel | Tif::GoodTillDate)
}

fn other_side(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

/// A live order on the book.
#[derive(Clone, Debug)]
struct Resting {
    order: Order,
    /// Book-entry sequence: smaller is older (time priority, account order lists).
    seq: u64,
    fees: FeeHistory,
}

impl Resting {
    fn price(&self) -> Price {
        self.order.price.expect("a resting order has a limit price")
    }

    fn side(&self) -> Side {
        book_side(self.order.intent)
    }
}

/// One leg of a reservation: an order's side, limit, leaves, and the most its leaves may
/// still be charged in positive fees.
#[derive(Clone, Copy, Debug)]
struct Leg {
    side: Side,
    price: Price,
    leaves: Qty,
    fee_bound: i64,
}

impl Leg {
    /// The leg of an order with fee history `fees` that may be charged at most `rate`.
    fn new(side: Side, price: Price, leaves: Qty, fees: &FeeHistory, rate: Rate) -> Leg {
        Leg { side, price, leaves, fee_bound: fees.bound(rate, side, price, leaves) }
    }
}

#[derive(Clone, Debug)]
struct RefMarket {
    spec: MarketSpec,
    state: MarketState,
    settlement: Option<Price>,
    /// Trade statistics; `open_interest` is computed from the positions on read.
    stats: MarketStats,
    orders: Vec<Resting>,
}

#[derive(Clone, Debug)]
struct RefAccount {
    name: String,
    cash: i64,
}

/// What a dry run against the opposite side found.
#[derive(Clone, Copy, Debug)]
struct DryRun {
    qty: i64,
    worst: Option<Price>,
    end: DryEnd,
    /// For a cash size: the cash not spent.
    cash_left: Option<i128>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DryEnd {
    Enough,
    Exhausted,
    SelfTrade,
    CashSpent,
}

/// Why matching stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchEnd {
    Filled,
    Exhausted,
    SelfTrade,
}

/// One side of a fill, after it was booked.
#[derive(Clone, Copy, Debug)]
struct Party {
    account: AccountId,
    position: Position,
    realized: i64,
    fee: i64,
    trade_cash: i64,
    cash: i64,
    margin: i64,
}

/// The reference exchange.
#[derive(Clone, Debug, Default)]
pub(crate) struct RefEngine {
    now: Timestamp,
    markets: Vec<RefMarket>,
    accounts: Vec<RefAccount>,
    /// Positions; a key exists once the account rested an order or traded in the market.
    positions: BTreeMap<(AccountId, MarketId), Position>,
    last_order: u64,
    last_trade: u64,
    last_execution: u64,
    last_transaction: u64,
    last_seq: u64,
    deposits: i128,
    withdrawals: i128,
    fees_kept: i128,
}

impl RefEngine {
    pub(crate) fn new() -> RefEngine {
        RefEngine::default()
    }

    /// Applies one command: first the good-till-date expiries due at its time, then the
    /// command itself.
    pub(crate) fn apply(&mut self, command: &Command, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
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
            Op::EndOfDay => {
                self.end_of_day(out);
                Ok(Reply::None)
            }
        }
    }

    // ----- queries -----

    pub(crate) fn now(&self) -> Timestamp {
        self.now
    }

    pub(crate) fn markets_count(&self) -> usize {
        self.markets.len()
    }

    pub(crate) fn accounts_count(&self) -> usize {
        self.accounts.len()
    }

    pub(crate) fn spec(&self, market: MarketId) -> &MarketSpec {
        &self.markets[market.get() as usize].spec
    }

    pub(crate) fn market_state(&self, market: MarketId) -> MarketState {
        self.markets[market.get() as usize].state
    }

    pub(crate) fn settlement(&self, market: MarketId) -> Option<Price> {
        self.markets[market.get() as usize].settlement
    }

    /// Trade statistics, with open interest = the sum of the long positions.
    pub(crate) fn stats(&self, market: MarketId) -> MarketStats {
        let long_sum: i64 = self
            .positions
            .iter()
            .filter(|((_, m), _)| *m == market)
            .map(|(_, position)| position.net.units().max(0))
            .sum();
        MarketStats { open_interest: Qty(long_sum), ..self.markets[market.get() as usize].stats }
    }

    pub(crate) fn fees_kept(&self) -> i128 {
        self.fees_kept
    }

    pub(crate) fn orders_count(&self) -> usize {
        self.markets.iter().map(|m| m.orders.len()).sum()
    }

    /// Live orders in one market.
    pub(crate) fn market_orders_count(&self, market: MarketId) -> usize {
        self.markets[market.get() as usize].orders.len()
    }

    /// Every live order, by market, oldest first.
    pub(crate) fn live_orders(&self) -> Vec<Order> {
        let mut orders = Vec::new();
        for market in &self.markets {
            let mut resting: Vec<&Resting> = market.orders.iter().collect();
            resting.sort_by_key(|r| r.seq);
            orders.extend(resting.iter().map(|r| r.order));
        }
        orders
    }

    /// The `index`-th live order (`index < orders_count()`), counting market by market in
    /// each market's storage order: a cheap pick for the generator.
    pub(crate) fn live_order(&self, index: usize) -> Order {
        let mut rest = index;
        for market in &self.markets {
            match market.orders.get(rest) {
                Some(resting) => return resting.order,
                None => rest -= market.orders.len(),
            }
        }
        panic!("live order {index} of {}", self.orders_count())
    }

    /// Every (account, market) with a non-zero position, ascending.
    pub(crate) fn holders(&self) -> Vec<(AccountId, MarketId)> {
        self.positions.iter().filter(|(_, position)| position.net.units() != 0).map(|(&key, _)| key).collect()
    }

    /// An account's live orders: by market id, oldest book entry first.
    pub(crate) fn open_orders(&self, account: AccountId) -> Vec<Order> {
        self.live_orders().into_iter().filter(|o| o.account == account).collect()
    }

    /// `currentBalance`, `marginRequirement`, `openOrders` (sum of per-market reservations)
    /// and `buyingPower` (floored at zero).
    pub(crate) fn balance(&self, account: AccountId) -> Option<BalanceView> {
        let cash = self.accounts.get(account.get() as usize)?.cash;
        let margin = self.margin(account);
        let open_orders: i128 =
            (0..self.markets.len()).map(|m| self.reservation(account, MarketId(m as u32), None, None)).sum();
        let buying_power = (i128::from(cash) - i128::from(margin) - open_orders).max(0);
        Some(BalanceView {
            cash: Cash(cash),
            margin: Cash(margin),
            open_orders: Cash(open_orders as i64),
            buying_power: Cash(buying_power as i64),
        })
    }

    /// The position, with `available` = |net| minus the resting orders that reduce it.
    pub(crate) fn position(&self, account: AccountId, market: MarketId) -> Option<PositionView> {
        let position = *self.positions.get(&(account, market))?;
        let net = position.net.units();
        let committed = if net > 0 {
            self.committed(account, market, Intent::SellLong)
        } else {
            self.committed(account, market, Intent::SellShort)
        };
        Some(PositionView { position, available: Qty(net.abs() - committed) })
    }

    /// Positions that are not all defaults, by market id.
    pub(crate) fn positions(&self, account: AccountId) -> Vec<(MarketId, PositionView)> {
        self.positions_of(account)
            .filter(|(_, position)| **position != Position::default())
            .map(|(m, _)| (m, self.position(account, m).expect("listed")))
            .collect()
    }

    /// Price levels of one side, best first: (price, total leaves).
    pub(crate) fn depth(&self, market: MarketId, side: Side, depth: usize) -> Vec<(Price, Qty)> {
        let Some(m) = self.markets.get(market.get() as usize) else { return Vec::new() };
        let mut levels: BTreeMap<Price, i64> = BTreeMap::new();
        for resting in m.orders.iter().filter(|r| r.side() == side) {
            *levels.entry(resting.price()).or_default() += resting.order.leaves_qty.units();
        }
        let levels = levels.into_iter().map(|(px, qty)| (px, Qty(qty)));
        match side {
            Side::Buy => levels.rev().take(depth).collect(),
            Side::Sell => levels.take(depth).collect(),
        }
    }

    // ----- small helpers -----

    fn has_account(&self, account: AccountId) -> bool {
        (account.get() as usize) < self.accounts.len()
    }

    fn resolve(&self, market: &MarketRef) -> Option<MarketId> {
        match market {
            MarketRef::Id(id) => ((id.get() as usize) < self.markets.len()).then_some(*id),
            MarketRef::Slug(slug) => {
                self.markets.iter().position(|m| m.spec.slug == **slug).map(|index| MarketId(index as u32))
            }
        }
    }

    fn market(&self, market: MarketId) -> &RefMarket {
        &self.markets[market.get() as usize]
    }

    /// The account's signed net position in a market (zero without one).
    pub(crate) fn net(&self, account: AccountId, market: MarketId) -> i64 {
        self.positions.get(&(account, market)).map_or(0, |p| p.net.units())
    }

    /// $1 per short contract, over all markets.
    fn margin(&self, account: AccountId) -> i64 {
        self.positions_of(account).map(|(_, p)| (-p.net.units()).max(0) * DOLLAR).sum()
    }

    /// The account's positions, by market id.
    fn positions_of(&self, account: AccountId) -> impl Iterator<Item = (MarketId, &Position)> {
        let markets = (account, MarketId(0))..=(account, MarketId(u32::MAX));
        self.positions.range(markets).map(|(&(_, market), position)| (market, position))
    }

    /// Cash not tied up as margin.
    fn free(&self, account: AccountId) -> i128 {
        i128::from(self.accounts[account.get() as usize].cash) - i128::from(self.margin(account))
    }

    /// Leaves of the account's resting `intent` orders in a market.
    fn committed(&self, account: AccountId, market: MarketId, intent: Intent) -> i64 {
        self.market(market)
            .orders
            .iter()
            .filter(|r| r.order.account == account && r.order.intent == intent)
            .map(|r| r.order.leaves_qty.units())
            .sum()
    }

    /// How much a SELL_* order may still close (net of resting reducing orders).
    fn closable(&self, account: AccountId, market: MarketId, intent: Intent) -> i64 {
        let net = self.net(account, market);
        match intent {
            Intent::SellLong => net.max(0) - self.committed(account, market, Intent::SellLong),
            Intent::SellShort => (-net).max(0) - self.committed(account, market, Intent::SellShort),
            Intent::BuyLong | Intent::BuyShort => i64::MAX,
        }
    }

    /// What a resting order can be charged: it fills only as maker.
    fn resting_rate(&self, market: MarketId) -> Rate {
        Rate(self.market(market).spec.maker_rate.units().max(0))
    }

    /// What an order that trades on arrival can be charged: taker for what it takes, maker for
    /// what rests.
    fn arriving_rate(&self, market: MarketId) -> Rate {
        let spec = &self.market(market).spec;
        Rate(spec.taker_rate.units().max(spec.maker_rate.units()).max(0))
    }

    /// The worst-case buying-power loss of the account's orders in one market, recomputed
    /// from scratch, without `exclude` and with `extra`:
    /// `max(0, bids cost + fees - $1 x min(bids, short), $1 x max(0, offers - long) + fees -
    /// offers value)`.
    fn reservation(&self, account: AccountId, market: MarketId, exclude: Option<OrderId>, extra: Option<Leg>) -> i128 {
        let rate = self.resting_rate(market);
        let mut legs: Vec<Leg> = self
            .market(market)
            .orders
            .iter()
            .filter(|r| r.order.account == account && Some(r.order.id) != exclude)
            .map(|r| Leg::new(r.side(), r.price(), r.order.leaves_qty, &r.fees, rate))
            .collect();
        legs.extend(extra);
        let net = i128::from(self.net(account, market));
        let (long, short) = (net.max(0), (-net).max(0));
        let (mut bids, mut bids_cost, mut offers, mut offers_value, mut offers_fees) =
            (0i128, 0i128, 0i128, 0i128, 0i128);
        for leg in legs {
            let notional = i128::from(leg.price.units()) * i128::from(leg.leaves.units());
            let fee = i128::from(leg.fee_bound);
            match leg.side {
                Side::Buy => {
                    bids += i128::from(leg.leaves.units());
                    bids_cost += notional + fee;
                }
                Side::Sell => {
                    offers += i128::from(leg.leaves.units());
                    offers_value += notional;
                    offers_fees += fee;
                }
            }
        }
        let dollar = i128::from(DOLLAR);
        let loss_bids = bids_cost - dollar * bids.min(short);
        let loss_offers = dollar * (offers - long).max(0) + offers_fees - offers_value;
        loss_bids.max(loss_offers).max(0)
    }

    /// True when the market's reservation with `extra` (and without `exclude`) fits the
    /// account's free cash.
    fn fits(&self, account: AccountId, market: MarketId, exclude: Option<OrderId>, extra: Leg) -> bool {
        self.reservation(account, market, exclude, Some(extra)) <= self.free(account)
    }

    /// True when a maker at `px` is acceptable to a taker on `side` limited at `limit`.
    fn within(side: Side, px: Price, limit: Price) -> bool {
        match side {
            Side::Buy => px <= limit,
            Side::Sell => px >= limit,
        }
    }

    /// Sort key of a resting order on its side: best price first, then oldest.
    fn priority(resting: &Resting) -> (i64, u64) {
        let px = i64::from(resting.price().units());
        match resting.side() {
            Side::Buy => (-px, resting.seq),
            Side::Sell => (px, resting.seq),
        }
    }

    /// Index of the best order on `side` of a market.
    fn best_index(&self, market: MarketId, side: Side) -> Option<usize> {
        let orders = &self.market(market).orders;
        (0..orders.len()).filter(|&i| orders[i].side() == side).min_by_key(|&i| Self::priority(&orders[i]))
    }

    fn best_price(&self, market: MarketId, side: Side) -> Option<Price> {
        self.best_index(market, side).map(|i| self.market(market).orders[i].price())
    }

    /// True when an order on `side` limited at `limit` would trade on arrival (own orders
    /// count: post-only looks at the book, not at who is there).
    fn would_cross(&self, market: MarketId, side: Side, limit: Price) -> bool {
        self.best_price(market, other_side(side)).is_some_and(|best| Self::within(side, best, limit))
    }

    fn next_order_id(&mut self) -> OrderId {
        self.last_order += 1;
        OrderId(self.last_order)
    }

    fn execution(&mut self, kind: ExecKind, order: &Order, note: Note) -> Execution {
        self.last_execution += 1;
        Execution {
            id: ExecutionId(self.last_execution),
            kind,
            order: *order,
            fill: None,
            reject: None,
            unsolicited: None,
            note,
        }
    }

    fn push_execution(&mut self, out: &mut Vec<Event>, kind: ExecKind, order: &Order, note: Note) {
        let execution = self.execution(kind, order, note);
        out.push(Event::Execution(execution));
    }

    // ----- administration -----

    fn create_market(&mut self, spec: &MarketSpec, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if self.markets.iter().any(|m| m.spec.slug == spec.slug) {
            return Err(EngineError::DuplicateMarket);
        }
        if self.markets.len() >= limits::MARKETS_MAX {
            return Err(EngineError::InvalidMarketSpec("too many markets"));
        }
        check_spec(spec).map_err(EngineError::InvalidMarketSpec)?;
        let id = MarketId(self.markets.len() as u32);
        self.markets.push(RefMarket {
            spec: spec.clone(),
            state: spec.state,
            settlement: None,
            stats: MarketStats::default(),
            orders: Vec::new(),
        });
        out.push(Event::MarketCreated { market: id });
        Ok(Reply::Market(id))
    }

    fn set_market_state(
        &mut self,
        market: MarketId,
        state: MarketState,
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        let m = self.markets.get_mut(market.get() as usize).ok_or(EngineError::UnknownMarket)?;
        if m.state == MarketState::Expired {
            return Err(EngineError::MarketSettled);
        }
        if state == MarketState::Expired {
            return Err(EngineError::InvalidStateChange);
        }
        m.state = state;
        // A suspension is maintenance (ARCHITECTURE.md): the book is emptied first. Halted and
        // pre-open markets keep their orders.
        if state == MarketState::Suspended {
            let mut ids: Vec<OrderId> = self.market(market).orders.iter().map(|r| r.order.id).collect();
            ids.sort();
            for id in ids {
                let unsolicited = Some(UnsolicitedCancel::Other);
                self.end_order(market, id, Step::Canceled, ExecKind::Canceled, Note::MarketSuspended, unsolicited, out);
            }
        }
        out.push(Event::MarketStateChanged { market, state });
        Ok(Reply::None)
    }

    fn create_account(&mut self, name: &str, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if name.is_empty() || name.len() > 200 {
            return Err(EngineError::InvalidAccountName);
        }
        if self.accounts.iter().any(|a| a.name == name) {
            return Err(EngineError::DuplicateAccount);
        }
        if self.accounts.len() >= limits::ACCOUNTS_MAX {
            return Err(EngineError::TooManyAccounts);
        }
        let id = AccountId(self.accounts.len() as u32);
        self.accounts.push(RefAccount { name: name.to_owned(), cash: 0 });
        out.push(Event::AccountCreated { account: id });
        Ok(Reply::Account(id))
    }

    fn deposit(&mut self, account: AccountId, amount: Cash, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if !self.has_account(account) {
            return Err(EngineError::UnknownAccount);
        }
        // The cap is on cash outstanding: deposits less withdrawals.
        let outstanding = self.deposits - self.withdrawals + i128::from(amount.units());
        if amount.units() <= 0 || outstanding > i128::from(limits::DEPOSITS_MAX.units()) {
            return Err(EngineError::InvalidAmount);
        }
        self.deposits += i128::from(amount.units());
        self.move_cash(account, CashKind::Deposit, amount, out);
        Ok(Reply::None)
    }

    /// A withdrawal must leave the margin and the largest per-market reservation covered.
    fn withdraw(&mut self, account: AccountId, amount: Cash, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if !self.has_account(account) {
            return Err(EngineError::UnknownAccount);
        }
        if amount.units() <= 0 {
            return Err(EngineError::InvalidAmount);
        }
        let largest = (0..self.markets.len())
            .map(|m| self.reservation(account, MarketId(m as u32), None, None))
            .max()
            .unwrap_or(0);
        if self.free(account) - i128::from(amount.units()) < largest {
            return Err(EngineError::InsufficientFunds);
        }
        self.withdrawals += i128::from(amount.units());
        self.move_cash(account, CashKind::Withdrawal, amount, out);
        Ok(Reply::None)
    }

    fn move_cash(&mut self, account: AccountId, kind: CashKind, amount: Cash, out: &mut Vec<Event>) {
        self.last_transaction += 1;
        let (delta, cause) = match kind {
            CashKind::Deposit => (amount.units(), LedgerCause::Deposit),
            CashKind::Withdrawal => (-amount.units(), LedgerCause::Withdrawal),
        };
        self.accounts[account.get() as usize].cash += delta;
        out.push(Event::CashMoved { account, kind, amount, transaction: self.last_transaction });
        out.push(Event::BalanceChanged {
            account,
            cash: Cash(self.accounts[account.get() as usize].cash),
            margin: Cash(self.margin(account)),
            delta: Cash(delta),
            cause,
        });
    }

    /// Settlement: cancel the market's orders (ascending id), then pay every account that has
    /// a position record there (ascending account id), then expire the market.
    fn settle(&mut self, market: MarketId, value: Price, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        let m = self.markets.get(market.get() as usize).ok_or(EngineError::UnknownMarket)?;
        if m.state == MarketState::Expired {
            return Err(EngineError::MarketSettled);
        }
        if value > Price::ONE {
            return Err(EngineError::InvalidSettlement);
        }
        let mut ids: Vec<OrderId> = m.orders.iter().map(|r| r.order.id).collect();
        ids.sort();
        for id in ids {
            let unsolicited = Some(UnsolicitedCancel::Other);
            self.end_order(market, id, Step::Canceled, ExecKind::Canceled, Note::MarketSettled, unsolicited, out);
        }
        let side = if value == Price::ONE {
            ResolutionSide::Long
        } else if value == Price::ZERO {
            ResolutionSide::Short
        } else {
            ResolutionSide::Neutral
        };
        let holders: Vec<AccountId> = self.positions.keys().filter(|(_, m)| *m == market).map(|&(a, _)| a).collect();
        for account in holders {
            let before = self.positions[&(account, market)];
            let net = before.net.units();
            // A long is paid value x q; a short pays value x |q| (its margin is released).
            let payout = i64::from(value.units()) * net;
            let after = Position {
                net: Qty::ZERO,
                cost: Cash::ZERO,
                realized: Cash(before.realized.units() + payout - before.cost.units()),
                expired: true,
                ts_updated: self.now,
                ..before
            };
            self.positions.insert((account, market), after);
            self.accounts[account.get() as usize].cash += payout;
            let cash = Cash(self.accounts[account.get() as usize].cash);
            let margin = Cash(self.margin(account));
            if net != 0 {
                out.push(Event::Resolution(Resolution {
                    account,
                    market,
                    before,
                    after,
                    side,
                    value,
                    payout: Cash(payout),
                }));
            }
            out.push(Event::PositionChanged { account, market, position: after });
            if net != 0 {
                out.push(Event::BalanceChanged {
                    account,
                    cash,
                    margin,
                    delta: Cash(payout),
                    cause: LedgerCause::Resolution,
                });
            }
        }
        let m = &mut self.markets[market.get() as usize];
        m.state = MarketState::Expired;
        m.settlement = Some(value);
        out.push(Event::MarketSettled { market, value });
        out.push(Event::MarketStateChanged { market, state: MarketState::Expired });
        Ok(Reply::None)
    }

    /// Good-till-date orders whose time has come end `EXPIRED`, earliest first (ties by id).
    fn expire_due(&mut self, out: &mut Vec<Event>) {
        let mut due: Vec<(Timestamp, OrderId, MarketId)> = Vec::new();
        for (index, market) in self.markets.iter().enumerate() {
            for resting in &market.orders {
                if let Some(at) = resting.order.good_till.filter(|&at| at <= self.now) {
                    due.push((at, resting.order.id, MarketId(index as u32)));
                }
            }
        }
        due.sort();
        for (_, id, market) in due {
            self.end_order(market, id, Step::TimedOut, ExecKind::Expired, Note::GoodTillExpired, None, out);
        }
    }

    /// The day roll: every resting DAY order ends `DONE_FOR_DAY`, by ascending id.
    fn end_of_day(&mut self, out: &mut Vec<Event>) {
        let mut day: Vec<(OrderId, MarketId)> = Vec::new();
        for (index, market) in self.markets.iter().enumerate() {
            for resting in market.orders.iter().filter(|r| r.order.tif == Tif::Day) {
                day.push((resting.order.id, MarketId(index as u32)));
            }
        }
        day.sort();
        for (id, market) in day {
            self.end_order(market, id, Step::TimedOut, ExecKind::DoneForDay, Note::DoneForDay, None, out);
        }
    }

    /// Takes a live order off the book and reports its end.
    #[expect(clippy::too_many_arguments, reason = "an order's end has this many parts")]
    fn end_order(
        &mut self,
        market: MarketId,
        id: OrderId,
        step: Step,
        kind: ExecKind,
        note: Note,
        unsolicited: Option<UnsolicitedCancel>,
        out: &mut Vec<Event>,
    ) {
        let orders = &mut self.markets[market.get() as usize].orders;
        let index = orders.iter().position(|r| r.order.id == id).expect("live order");
        let mut order = orders.remove(index).order;
        order.state = next_state(Some(order.state), step, &order);
        order.leaves_qty = Qty::ZERO;
        let execution = self.execution(kind, &order, note);
        out.push(Event::Execution(Execution { unsolicited, ..execution }));
    }

    // ----- placement -----

    fn place(&mut self, new: &NewOrder, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if !self.has_account(new.account) {
            return Err(EngineError::UnknownAccount);
        }
        let id = self.next_order_id();
        let tif = match new.kind {
            OrderKind::Limit => new.tif.unwrap_or(Tif::Day),
            OrderKind::Market if new.tif == Some(Tif::FillOrKill) => Tif::FillOrKill,
            OrderKind::Market => Tif::ImmediateOrCancel,
        };
        let (qty, cash_qty) = match new.size {
            Size::Qty(qty) => (qty, None),
            Size::Cash(cash) => (Qty::ZERO, Some(cash)),
        };
        // The order as requested; validation normalizes it step by step, and a reject
        // reports it as far as it got.
        let mut order = Order {
            id,
            account: new.account,
            market: self.resolve(&new.market),
            intent: new.intent,
            kind: new.kind,
            price: if new.kind == OrderKind::Limit { new.price } else { None },
            qty,
            cum_qty: Qty::ZERO,
            leaves_qty: Qty::ZERO,
            tif,
            good_till: new.good_till,
            post_only: new.post_only,
            cash_qty,
            manual: new.manual,
            state: OrderState::Rejected,
            close_position: false,
            ts_created: self.now,
            ts_inserted: self.now,
            notional_filled: Cash::ZERO,
            fees_total: Cash::ZERO,
        };
        match self.validate(new, &mut order) {
            Ok(limit) => self.accept(order, limit, out),
            Err(rejection) => {
                // trading/mod.rs: "A rejected order's snapshot carries the request as given (raw
                // price and quantity; a market order's price is its slippage bound when one was
                // computed)."
                if new.kind == OrderKind::Limit {
                    order.price = new.price;
                }
                order.qty = qty;
                self.reject(order, rejection, out);
            }
        }
        Ok(Reply::Order(id))
    }

    fn reject(&mut self, mut order: Order, (reason, note): Rejection, out: &mut Vec<Event>) {
        order.state = next_state(None, Step::Refused, &order);
        order.leaves_qty = Qty::ZERO;
        let execution = self.execution(ExecKind::Rejected, &order, note);
        out.push(Event::Execution(Execution { reject: Some(reason), ..execution }));
    }

    /// The placement checks of trading/mod.rs, in their order; returns the worst price the order
    /// may trade at.
    fn validate(&self, new: &NewOrder, order: &mut Order) -> Result<Price, Rejection> {
        let Some(market) = order.market else { return Err((RejectReason::UnknownMarket, Note::UnknownMarket)) };
        let spec = &self.market(market).spec;
        if self.market(market).state != MarketState::Open {
            return Err((RejectReason::ExchangeClosed, Note::MarketNotOpen));
        }
        let is_market = new.kind == OrderKind::Market;
        let wrong_type = |note| Err((RejectReason::IncorrectOrderType, note));
        if is_market && new.post_only {
            return wrong_type(Note::PostOnlyMarket);
        }
        if matches!(new.size, Size::Cash(_)) {
            if !is_market {
                return wrong_type(Note::CashOnLimit);
            }
            if reduces(new.intent) {
                return wrong_type(Note::CashOnSell);
            }
        }
        if !is_market && new.price.is_none() {
            return wrong_type(Note::LimitWithoutPrice);
        }
        if new.post_only && !may_rest(order.tif) {
            return wrong_type(Note::PostOnlyImmediate);
        }
        if is_market {
            order.good_till = None;
        } else {
            let price = truncate_price(spec, new.price.expect("checked"))?;
            check_good_till(order.tif, new.good_till, self.now)?;
            order.price = Some(price);
        }
        match new.size {
            Size::Qty(qty) => {
                order.qty = truncate_qty(spec, qty)?;
                if order.qty.units() > self.closable(order.account, market, order.intent) {
                    return Err((RejectReason::IncorrectQuantity, Note::ExceedsPosition));
                }
            }
            Size::Cash(cash) => {
                if cash.units() <= 0 {
                    return Err((RejectReason::IncorrectQuantity, Note::QuantityNotPositive));
                }
                if cash > limits::DEPOSITS_MAX {
                    return Err((RejectReason::IncorrectQuantity, Note::QuantityTooLarge));
                }
            }
        }
        let resting_count =
            self.markets.iter().flat_map(|m| &m.orders).filter(|r| r.order.account == order.account).count();
        if may_rest(order.tif) && resting_count >= limits::OPEN_ORDERS_MAX {
            return Err((RejectReason::ExchangeOption, Note::TooManyOrders));
        }
        let (limit, risk) = if is_market {
            self.plan_market(new.slippage, order)?
        } else {
            let price = order.price.expect("normalized");
            (price, Some((price, order.qty)))
        };
        if new.post_only && self.would_cross(market, book_side(order.intent), limit) {
            return Err((RejectReason::ExchangeOption, Note::PostOnlyWouldCross));
        }
        if let Some((price, qty)) = risk {
            let trades_on_arrival = is_market || self.would_cross(market, book_side(order.intent), limit);
            let rate = if trades_on_arrival { self.arriving_rate(market) } else { self.resting_rate(market) };
            let leg = Leg::new(book_side(order.intent), price, qty, &FeeHistory::default(), rate);
            if !self.fits(order.account, market, None, leg) {
                return Err((RejectReason::ExchangeOption, Note::InsufficientBuyingPower));
            }
        }
        Ok(limit)
    }

    /// A market (or close) order: its bound, and a dry run that decides whether anything can
    /// fill, how much a cash size buys, and what the risk check must cover (everything the
    /// dry run reached, all at its worst price; nothing for a fill-or-kill that will die).
    fn plan_market(
        &self,
        slippage: Option<Slippage>,
        order: &mut Order,
    ) -> Result<(Price, Option<(Price, Qty)>), Rejection> {
        let market = order.market.expect("validated");
        let side = book_side(order.intent);
        let limit =
            self.slippage_limit(market, side, slippage).ok_or((RejectReason::NoLiquidity, Note::NoLiquidity))?;
        order.price = is_bounded(slippage).then_some(limit);
        let dry = self.dry_run(market, order.account, side, limit, order.qty, order.cash_qty);
        if dry.qty == 0 {
            return match dry.end {
                DryEnd::SelfTrade => Ok((limit, None)),
                DryEnd::CashSpent => Err((RejectReason::IncorrectQuantity, Note::CashTooSmall)),
                DryEnd::Enough | DryEnd::Exhausted => {
                    let empty = self.best_price(market, other_side(side)).is_none();
                    Err((
                        RejectReason::NoLiquidity,
                        if empty { Note::NoLiquidity } else { Note::NoLiquidityWithinBound },
                    ))
                }
            };
        }
        if order.cash_qty.is_some() {
            order.qty = Qty(dry.qty);
        }
        if order.tif == Tif::FillOrKill && self.cannot_fill_entirely(order, limit) {
            return Ok((limit, None));
        }
        Ok((limit, Some((dry.worst.expect("filled something"), Qty(dry.qty)))))
    }

    /// The worst price a market order may trade at (ARCHITECTURE.md, close-position): with no
    /// tolerance the market's bound; else P +/- ticks x tick, or P x (1 +/- bips / 10^4)
    /// rounded toward the protective side and onto the tick grid, clamped to the market's
    /// bounds. P is the given reference or the best opposite price (none: `None`).
    fn slippage_limit(&self, market: MarketId, side: Side, slippage: Option<Slippage>) -> Option<Price> {
        let spec = &self.market(market).spec;
        let (low, high) = (i128::from(spec.price_min.units()), i128::from(spec.price_max.units()));
        let tick = i128::from(spec.tick.units());
        let Some(slippage) = slippage.filter(|&s| is_bounded(Some(s))) else {
            return Some(match side {
                Side::Buy => spec.price_max,
                Side::Sell => spec.price_min,
            });
        };
        let reference = match slippage.current_price {
            Some(price) => i128::from(price.units()),
            None => i128::from(self.best_price(market, other_side(side))?.units()),
        };
        let bound = match (side, slippage.ticks.filter(|&t| t > 0)) {
            (Side::Buy, Some(ticks)) => reference + i128::from(ticks) * tick,
            (Side::Sell, Some(ticks)) => reference - i128::from(ticks) * tick,
            (Side::Buy, None) => {
                (reference * (10_000 + i128::from(slippage.bips.expect("bounded")))).div_euclid(10_000)
            }
            (Side::Sell, None) => ceil_div(reference * (10_000 - i128::from(slippage.bips.expect("bounded"))), 10_000),
        };
        let on_grid = match side {
            Side::Buy => bound.div_euclid(tick) * tick,
            Side::Sell => ceil_div(bound, tick) * tick,
        };
        Some(Price(on_grid.clamp(low, high) as u32))
    }

    /// Walks the opposite side in priority order up to `limit` without trading: how much of
    /// `want` (or of what `cash` buys, in steps of the minimum quantity) could fill, and why
    /// it stopped.
    fn dry_run(
        &self,
        market: MarketId,
        account: AccountId,
        side: Side,
        limit: Price,
        want: Qty,
        cash: Option<Cash>,
    ) -> DryRun {
        let m = self.market(market);
        let step = m.spec.min_qty.units();
        let mut makers: Vec<&Resting> = m.orders.iter().filter(|r| r.side() == other_side(side)).collect();
        makers.sort_by_key(|r| Self::priority(r));
        let mut filled = 0i64;
        let mut worst = None;
        let mut cash_left = cash.map(|c| i128::from(c.units()));
        for maker in makers {
            let px = maker.price();
            if !Self::within(side, px, limit) {
                break;
            }
            if maker.order.account == account {
                return DryRun { qty: filled, worst, end: DryEnd::SelfTrade, cash_left };
            }
            // What one contract unit costs the buyer of this order's outcome.
            let unit_cost = unit_cost(side, px);
            let leaves = maker.order.leaves_qty.units();
            let take = match cash_left {
                Some(left) => {
                    let affordable = (left / unit_cost) as i64;
                    (affordable - affordable % step).min(leaves)
                }
                None => leaves.min(want.units() - filled),
            };
            if take <= 0 {
                let end = if cash.is_some() { DryEnd::CashSpent } else { DryEnd::Enough };
                return DryRun { qty: filled, worst, end, cash_left };
            }
            filled += take;
            worst = Some(px);
            if let Some(left) = cash_left.as_mut() {
                *left -= unit_cost * i128::from(take);
            } else if filled == want.units() {
                return DryRun { qty: filled, worst, end: DryEnd::Enough, cash_left };
            }
        }
        DryRun { qty: filled, worst, end: DryEnd::Exhausted, cash_left }
    }

    /// A fill-or-kill that cannot fill entirely ends canceled with no trades. A quantity fills
    /// entirely when all of it is fillable now. A cash size fills entirely when it is spent as
    /// far as the minimum step allows: the walk stopped because the cash ran out, or the cash
    /// left would not buy another step at the last price reached. Running out of liquidity
    /// within the bound, or meeting the account's own order, with cash to spare, is not
    /// entirely.
    fn cannot_fill_entirely(&self, order: &Order, limit: Price) -> bool {
        let market = order.market.expect("validated");
        let side = book_side(order.intent);
        let Some(cash) = order.cash_qty else {
            return self.dry_run(market, order.account, side, limit, order.qty, None).qty < order.qty.units();
        };
        let dry = self.dry_run(market, order.account, side, limit, Qty::ZERO, Some(cash));
        let step = i128::from(self.market(market).spec.min_qty.units());
        match (dry.end, dry.worst) {
            (DryEnd::CashSpent, _) => false,
            (_, Some(worst)) => dry.cash_left.expect("cash size") >= unit_cost(side, worst) * step,
            (_, None) => true,
        }
    }

    fn accept(&mut self, mut order: Order, limit: Price, out: &mut Vec<Event>) {
        order.leaves_qty = order.qty;
        order.state = next_state(None, Step::Accepted, &order);
        self.push_execution(out, ExecKind::New, &order, Note::None);
        if order.tif == Tif::FillOrKill && self.cannot_fill_entirely(&order, limit) {
            self.finish(order, Note::FillOrKillUnfilled, out);
            return;
        }
        self.trade_incoming(order, FeeHistory::default(), limit, out);
    }

    /// Cancels what is left of an incoming order that may not rest.
    fn finish(&mut self, mut order: Order, note: Note, out: &mut Vec<Event>) {
        order.leaves_qty = Qty::ZERO;
        order.state = next_state(Some(order.state), Step::Canceled, &order);
        self.push_execution(out, ExecKind::Canceled, &order, note);
    }

    /// Matches an incoming order, rests or cancels the remainder, then cleans up after fills.
    fn trade_incoming(&mut self, mut order: Order, mut fees: FeeHistory, limit: Price, out: &mut Vec<Event>) {
        let market = order.market.expect("accepted");
        let mut traded: Vec<AccountId> = Vec::new();
        let end = self.match_incoming(&mut order, &mut fees, limit, &mut traded, out);
        match end {
            MatchEnd::Filled => {}
            MatchEnd::SelfTrade => self.finish(order, Note::SelfTradePrevented, out),
            MatchEnd::Exhausted if order.kind == OrderKind::Limit && may_rest(order.tif) => self.rest(order, fees),
            MatchEnd::Exhausted => self.finish(order, Note::ImmediateRemainder, out),
        }
        if !traded.is_empty() {
            // Each account once, at its first fill.
            let mut once = Vec::new();
            for account in traded {
                if !once.contains(&account) {
                    once.push(account);
                }
            }
            self.clean_up(market, &once, out);
        }
    }

    fn match_incoming(
        &mut self,
        taker: &mut Order,
        fees: &mut FeeHistory,
        limit: Price,
        traded: &mut Vec<AccountId>,
        out: &mut Vec<Event>,
    ) -> MatchEnd {
        let market = taker.market.expect("accepted");
        loop {
            let Some(index) = self.best_index(market, other_side(book_side(taker.intent))) else {
                return MatchEnd::Exhausted;
            };
            let maker = &self.market(market).orders[index];
            if !Self::within(book_side(taker.intent), maker.price(), limit) {
                return MatchEnd::Exhausted;
            }
            if maker.order.account == taker.account {
                return MatchEnd::SelfTrade;
            }
            let qty = Qty(taker.leaves_qty.units().min(maker.order.leaves_qty.units()));
            traded.push(taker.account);
            traded.push(maker.order.account);
            self.fill(market, taker, fees, index, qty, out);
            if taker.leaves_qty.units() == 0 {
                return MatchEnd::Filled;
            }
        }
    }

    /// One trade between the incoming `taker` and the resting order at `index`.
    fn fill(
        &mut self,
        market: MarketId,
        taker: &mut Order,
        taker_fees: &mut FeeHistory,
        index: usize,
        qty: Qty,
        out: &mut Vec<Event>,
    ) {
        self.last_trade += 1;
        let trade = TradeId(self.last_trade);
        let (taker_rate, maker_rate) = (self.market(market).spec.taker_rate, self.market(market).spec.maker_rate);
        let maker = &mut self.markets[market.get() as usize].orders[index];
        let px = maker.price();
        let taker_fee = taker_fees.charge(taker_rate, qty, px);
        let maker_fee = maker.fees.charge(maker_rate, qty, px);
        book_fill(&mut maker.order, qty, px, maker_fee);
        let maker_order = maker.order;
        if maker_order.leaves_qty.units() == 0 {
            self.markets[market.get() as usize].orders.remove(index);
        }
        book_fill(taker, qty, px, taker_fee);
        let taker_party = self.book_party(taker.account, market, book_side(taker.intent), qty, px, taker_fee);
        let maker_party =
            self.book_party(maker_order.account, market, book_side(maker_order.intent), qty, px, maker_fee);

        let stats = &mut self.markets[market.get() as usize].stats;
        let notional = i64::from(px.units()) * qty.units();
        stats.last_trade_px = Some(px);
        stats.last_trade_qty = qty;
        stats.ts_last_trade = Some(self.now);
        stats.high_px = Some(stats.high_px.map_or(px, |high| high.max(px)));
        stats.low_px = Some(stats.low_px.map_or(px, |low| low.min(px)));
        stats.shares_traded = Qty(stats.shares_traded.units().saturating_add(qty.units()));
        stats.notional_traded = Cash(stats.notional_traded.units().saturating_add(notional));

        let side_of = |party: &Party, order: &Order| TradeSide {
            account: party.account,
            order: order.id,
            fee: Cash(party.fee),
            realized_pnl: Cash(party.realized),
            cost_basis: party.position.cost,
        };
        out.push(Event::Trade(Trade {
            id: trade,
            market,
            px,
            qty,
            taker_side: book_side(taker.intent),
            taker: side_of(&taker_party, taker),
            maker: side_of(&maker_party, &maker_order),
        }));
        for (order, fee, aggressor) in [(*taker, taker_fee, true), (maker_order, maker_fee, false)] {
            let kind = if order.leaves_qty.units() == 0 { ExecKind::Fill } else { ExecKind::PartialFill };
            let execution = self.execution(kind, &order, Note::None);
            let fill = FillInfo { trade, qty, px, aggressor, fee: Cash(fee) };
            out.push(Event::Execution(Execution { fill: Some(fill), ..execution }));
        }
        for party in [taker_party, maker_party] {
            out.push(Event::PositionChanged { account: party.account, market, position: party.position });
            out.push(Event::BalanceChanged {
                account: party.account,
                cash: Cash(party.cash + party.fee),
                margin: Cash(party.margin),
                delta: Cash(party.trade_cash),
                cause: LedgerCause::OrderExecution,
            });
            if party.fee != 0 {
                out.push(Event::BalanceChanged {
                    account: party.account,
                    cash: Cash(party.cash),
                    margin: Cash(party.margin),
                    delta: Cash(-party.fee),
                    cause: LedgerCause::Commission,
                });
            }
        }
    }

    /// Books one side of a fill: position, cash (the trade, then the fee), fees kept.
    fn book_party(&mut self, account: AccountId, market: MarketId, side: Side, qty: Qty, px: Price, fee: i64) -> Party {
        let now = self.now;
        let position = self.positions.entry((account, market)).or_default();
        let realized = average_cost_fill(position, side, qty, px, now);
        position.fees = Cash(position.fees.units() + fee);
        let position = *position;
        let notional = i64::from(px.units()) * qty.units();
        let trade_cash = match side {
            Side::Buy => -notional,
            Side::Sell => notional,
        };
        self.accounts[account.get() as usize].cash += trade_cash - fee;
        self.fees_kept += i128::from(fee);
        Party {
            account,
            position,
            realized,
            fee,
            trade_cash,
            cash: self.accounts[account.get() as usize].cash,
            margin: self.margin(account),
        }
    }

    /// Puts an order with leaves on the book, behind everything already there.
    fn rest(&mut self, order: Order, fees: FeeHistory) {
        let market = order.market.expect("accepted");
        self.last_seq += 1;
        self.markets[market.get() as usize].orders.push(Resting { order, seq: self.last_seq, fees });
        self.positions.entry((order.account, market)).or_default();
    }

    /// After fills, for every account that traded (in the order of its first fill): SELL_LONG
    /// then SELL_SHORT orders beyond what is left of the long (short) are canceled newest
    /// first; then in every market (ascending id) the newest orders are canceled until the
    /// reservation fits.
    fn clean_up(&mut self, market: MarketId, traded: &[AccountId], out: &mut Vec<Event>) {
        for &account in traded {
            let net = self.net(account, market);
            for (intent, keep) in [(Intent::SellLong, net.max(0)), (Intent::SellShort, (-net).max(0))] {
                let mut mine: Vec<(u64, OrderId, i64)> = self
                    .market(market)
                    .orders
                    .iter()
                    .filter(|r| r.order.account == account && r.order.intent == intent)
                    .map(|r| (r.seq, r.order.id, r.order.leaves_qty.units()))
                    .collect();
                mine.sort();
                let mut committed: i64 = mine.iter().map(|&(_, _, leaves)| leaves).sum();
                for &(_, id, leaves) in mine.iter().rev() {
                    if committed <= keep {
                        break;
                    }
                    let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
                    self.end_order(
                        market,
                        id,
                        Step::Canceled,
                        ExecKind::Canceled,
                        Note::PositionReduced,
                        unsolicited,
                        out,
                    );
                    committed -= leaves;
                }
            }
            let free = self.free(account);
            for index in 0..self.markets.len() {
                let m = MarketId(index as u32);
                loop {
                    // Newest first, the first order whose cancel lowers the reservation.
                    let current = self.reservation(account, m, None, None);
                    if current <= free {
                        break;
                    }
                    let mut mine: Vec<(u64, OrderId)> = self.markets[index]
                        .orders
                        .iter()
                        .filter(|r| r.order.account == account)
                        .map(|r| (r.seq, r.order.id))
                        .collect();
                    mine.sort_by(|a, b| b.cmp(a));
                    let victim = mine
                        .into_iter()
                        .map(|(_, id)| id)
                        .find(|&id| self.reservation(account, m, Some(id), None) < current);
                    let Some(id) = victim else { break };
                    let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
                    self.end_order(m, id, Step::Canceled, ExecKind::Canceled, Note::Unfunded, unsolicited, out);
                }
            }
        }
    }

    // ----- cancels -----

    /// The market of a live order of `account`.
    fn owned(&self, account: AccountId, order: OrderId) -> Result<MarketId, EngineError> {
        if !self.has_account(account) {
            return Err(EngineError::UnknownAccount);
        }
        for (index, market) in self.markets.iter().enumerate() {
            if market.orders.iter().any(|r| r.order.id == order && r.order.account == account) {
                return Ok(MarketId(index as u32));
            }
        }
        Err(EngineError::UnknownOrder)
    }

    fn cancel(&mut self, account: AccountId, order: OrderId, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        let market = self.owned(account, order)?;
        self.end_order(market, order, Step::Canceled, ExecKind::Canceled, Note::UserCanceled, None, out);
        Ok(Reply::None)
    }

    /// Cancels the account's orders, market by market (ascending id), oldest first.
    fn cancel_all(
        &mut self,
        account: AccountId,
        markets: &[MarketId],
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        if !self.has_account(account) {
            return Err(EngineError::UnknownAccount);
        }
        let mut canceled = Vec::new();
        for index in 0..self.markets.len() {
            let market = MarketId(index as u32);
            if !markets.is_empty() && !markets.contains(&market) {
                continue;
            }
            let mut mine: Vec<(u64, OrderId)> = self.markets[index]
                .orders
                .iter()
                .filter(|r| r.order.account == account)
                .map(|r| (r.seq, r.order.id))
                .collect();
            mine.sort();
            for (_, id) in mine {
                self.end_order(market, id, Step::Canceled, ExecKind::Canceled, Note::UserCanceled, None, out);
                canceled.push(id);
            }
        }
        Ok(Reply::Canceled(canceled))
    }

    // ----- modify -----

    fn modify(&mut self, modify: &Modify, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        let market = self.owned(modify.account, modify.order)?;
        let resting =
            self.market(market).orders.iter().find(|r| r.order.id == modify.order).expect("owned order").clone();
        match self.validate_modify(modify, market, &resting) {
            Err((reason, note)) => {
                let execution = self.execution(ExecKind::Rejected, &resting.order, note);
                out.push(Event::Execution(Execution { reject: Some(reason), ..execution }));
            }
            Ok(new) => self.replace(market, &resting, new, out),
        }
        Ok(Reply::Order(modify.order))
    }

    fn validate_modify(&self, modify: &Modify, market: MarketId, resting: &Resting) -> Result<Order, Rejection> {
        let old = &resting.order;
        let spec = &self.market(market).spec;
        if self.market(market).state != MarketState::Open {
            return Err((RejectReason::ExchangeClosed, Note::MarketNotOpen));
        }
        let tif = modify.tif.unwrap_or(old.tif);
        if !may_rest(tif) {
            return Err((RejectReason::IncorrectOrderType, Note::ModifyTifNotResting));
        }
        let mut new = *old;
        new.tif = tif;
        new.post_only = modify.post_only.unwrap_or(old.post_only);
        if let Some(price) = modify.price {
            new.price = Some(truncate_price(spec, price)?);
        }
        // GTD keeps its time unless a new one is given; any other tif takes what is given.
        let good_till = match (tif, modify.good_till) {
            (Tif::GoodTillDate, None) => old.good_till,
            (_, given) => given,
        };
        check_good_till(tif, good_till, self.now)?;
        new.good_till = good_till;
        if let Some(qty) = modify.qty {
            let qty = truncate_qty(spec, qty)?;
            if qty <= old.cum_qty {
                return Err((RejectReason::IncorrectQuantity, Note::ModifyBelowFilled));
            }
            new.qty = qty;
            new.leaves_qty = Qty(qty.units() - old.cum_qty.units());
        }
        if reduces(new.intent) {
            let available = self.closable(old.account, market, new.intent) + old.leaves_qty.units();
            if new.leaves_qty.units() > available {
                return Err((RejectReason::IncorrectQuantity, Note::ExceedsPosition));
            }
        }
        let price = new.price.expect("limit");
        if new.post_only && self.would_cross(market, book_side(new.intent), price) {
            return Err((RejectReason::ExchangeOption, Note::PostOnlyWouldCross));
        }
        let crosses = self.would_cross(market, book_side(new.intent), price);
        let rate = if crosses { self.arriving_rate(market) } else { self.resting_rate(market) };
        let leg = Leg::new(book_side(new.intent), price, new.leaves_qty, &resting.fees, rate);
        if !self.fits(old.account, market, Some(old.id), leg) {
            return Err((RejectReason::ExchangeOption, Note::InsufficientBuyingPower));
        }
        Ok(new)
    }

    /// A new price or more leaves: back of the queue (and it may trade now); otherwise the
    /// order keeps its place.
    fn replace(&mut self, market: MarketId, resting: &Resting, mut new: Order, out: &mut Vec<Event>) {
        let old = &resting.order;
        new.state = next_state(Some(old.state), Step::Modified, &new);
        let orders = &mut self.markets[market.get() as usize].orders;
        let index = orders.iter().position(|r| r.order.id == old.id).expect("live");
        if new.price != old.price || new.leaves_qty > old.leaves_qty {
            orders.remove(index);
            new.ts_inserted = self.now;
            self.push_execution(out, ExecKind::Replace, &new, Note::None);
            self.trade_incoming(new, resting.fees.clone(), new.price.expect("limit"), out);
        } else {
            orders[index].order = new;
            self.push_execution(out, ExecKind::Replace, &new, Note::None);
        }
    }

    // ----- close-position -----

    /// Close-position (ARCHITECTURE.md): cancel the resting orders that reduce the same
    /// position, then an immediate-or-cancel market order for |net|.
    fn close_position(&mut self, close: &ClosePosition, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if !self.has_account(close.account) {
            return Err(EngineError::UnknownAccount);
        }
        let market = self.resolve(&close.market).ok_or(EngineError::UnknownMarket)?;
        let net = self.net(close.account, market);
        if net == 0 {
            return Err(EngineError::NoPosition);
        }
        let intent = if net > 0 { Intent::SellLong } else { Intent::SellShort };
        let id = self.next_order_id();
        let mut order = Order {
            id,
            account: close.account,
            market: Some(market),
            intent,
            kind: OrderKind::Market,
            price: None,
            qty: Qty(net.abs()),
            cum_qty: Qty::ZERO,
            leaves_qty: Qty::ZERO,
            tif: Tif::ImmediateOrCancel,
            good_till: None,
            post_only: false,
            cash_qty: None,
            manual: close.manual,
            state: OrderState::Rejected,
            close_position: true,
            ts_created: self.now,
            ts_inserted: self.now,
            notional_filled: Cash::ZERO,
            fees_total: Cash::ZERO,
        };
        if self.market(market).state != MarketState::Open {
            self.reject(order, (RejectReason::ExchangeClosed, Note::MarketNotOpen), out);
            return Ok(Reply::Order(id));
        }
        let mut reducing: Vec<(u64, OrderId)> = self
            .market(market)
            .orders
            .iter()
            .filter(|r| r.order.account == close.account && r.order.intent == intent)
            .map(|r| (r.seq, r.order.id))
            .collect();
        reducing.sort();
        for &(_, reducing_id) in reducing.iter().rev() {
            let note = Note::ClosePositionCanceled;
            self.end_order(market, reducing_id, Step::Canceled, ExecKind::Canceled, note, None, out);
        }
        // No risk check: selling a long or buying back a short at any price only adds buying
        // power (the fee, theta x p x (1 - p), is below both p and 1 - p).
        match self.plan_market(close.slippage, &mut order) {
            Ok((limit, _)) => self.accept(order, limit, out),
            Err(rejection) => self.reject(order, rejection, out),
        }
        Ok(Reply::Order(id))
    }
}

/// Books a fill on an order: quantities, state, notional and fees.
fn book_fill(order: &mut Order, qty: Qty, px: Price, fee: i64) {
    order.cum_qty = Qty(order.cum_qty.units() + qty.units());
    order.leaves_qty = Qty(order.leaves_qty.units() - qty.units());
    order.state = next_state(Some(order.state), Step::Traded, order);
    order.notional_filled = Cash(order.notional_filled.units() + i64::from(px.units()) * qty.units());
    order.fees_total = Cash(order.fees_total.units() + fee);
}

/// Average-cost accounting of one fill (position.rs): the part that reduces the position
/// removes its proportional share of the basis (all of it on a full close) and realizes the
/// difference to the trade value; the rest opens at `px`. Returns the realized P&L.
fn average_cost_fill(position: &mut Position, side: Side, qty: Qty, px: Price, now: Timestamp) -> i64 {
    let q = qty.units();
    let signed = match side {
        Side::Buy => {
            position.bought = Qty(position.bought.units() + q);
            q
        }
        Side::Sell => {
            position.sold = Qty(position.sold.units() + q);
            -q
        }
    };
    let net = position.net.units();
    let opposite = (net > 0 && signed < 0) || (net < 0 && signed > 0);
    let closing = if opposite { q.min(net.abs()) } else { 0 };
    let mut realized = 0;
    if closing > 0 {
        let cost = position.cost.units();
        let removed = if closing == net.abs() {
            cost
        } else {
            nearest_even(i128::from(cost) * i128::from(closing), i128::from(net.abs())) as i64
        };
        let value = i64::from(px.units()) * closing;
        // A long sold for `value` what cost `removed`; a short bought back for `value` what
        // had brought in `-removed`.
        realized = if net > 0 { value - removed } else { -removed - value };
        position.cost = Cash(cost - removed);
        position.net = Qty(net + signed.signum() * closing);
    }
    let opening = q - closing;
    if opening > 0 {
        let opening = signed.signum() * opening;
        position.cost = Cash(position.cost.units() + i64::from(px.units()) * opening);
        position.net = Qty(position.net.units() + opening);
    }
    position.realized = Cash(position.realized.units() + realized);
    position.ts_updated = now;
    realized
}

/// What one contract unit of the order's outcome costs at YES price `px`: the YES price for a
/// buy of YES, the NO price `1 - px` for a sale of YES (a buy of NO).
fn unit_cost(side: Side, px: Price) -> i128 {
    i128::from(match side {
        Side::Buy => px.units(),
        Side::Sell => Price::ONE.units() - px.units(),
    })
}

/// True when a slippage tolerance sets a bound (ticks or bips above zero).
fn is_bounded(slippage: Option<Slippage>) -> bool {
    slippage.is_some_and(|s| s.ticks.is_some_and(|t| t > 0) || s.bips.is_some_and(|b| b > 0))
}

fn ceil_div(numerator: i128, denominator: i128) -> i128 {
    -(-numerator).div_euclid(denominator)
}

/// Prices are truncated to the tick (ARCHITECTURE.md), then must lie within the bounds.
fn truncate_price(spec: &MarketSpec, price: Price) -> Result<Price, Rejection> {
    let price = Price(price.units() / spec.tick.units() * spec.tick.units());
    if price < spec.price_min || price > spec.price_max {
        return Err((RejectReason::PriceOutOfBounds, Note::PriceOutOfBounds));
    }
    Ok(price)
}

/// Quantities must be positive and at most the limit, and are truncated to the step
/// (ARCHITECTURE.md); nothing left is below the minimum.
fn truncate_qty(spec: &MarketSpec, qty: Qty) -> Result<Qty, Rejection> {
    if qty.units() <= 0 {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityNotPositive));
    }
    if qty > limits::QTY_MAX {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityTooLarge));
    }
    let qty = Qty(qty.units() / spec.min_qty.units() * spec.min_qty.units());
    if qty.units() == 0 {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityBelowMinimum));
    }
    Ok(qty)
}

/// GTD needs a future time; only GTD may carry one.
fn check_good_till(tif: Tif, good_till: Option<Timestamp>, now: Timestamp) -> Result<(), Rejection> {
    let option = |note| Err((RejectReason::ExchangeOption, note));
    match (tif == Tif::GoodTillDate, good_till) {
        (true, None) => option(Note::GoodTillMissing),
        (true, Some(at)) if at <= now => option(Note::GoodTillPast),
        (false, Some(_)) => option(Note::GoodTillWithoutGtd),
        _ => Ok(()),
    }
}

/// The market spec rules of market.rs, with its messages.
fn check_spec(spec: &MarketSpec) -> Result<(), &'static str> {
    let price_scale = PRICE_SCALE as u32;
    if spec.slug.is_empty() || spec.slug.len() > 200 {
        return Err("slug must be 1 to 200 characters");
    }
    let tick = spec.tick.units();
    if tick == 0 || !price_scale.is_multiple_of(tick) {
        return Err("tick size must be positive and divide 1");
    }
    if spec.min_qty.units() <= 0 || spec.min_qty.units() > 1_000 * QTY_SCALE {
        return Err("minimum trade quantity must be positive and at most 1000");
    }
    let (low, high) = (spec.price_min.units(), spec.price_max.units());
    if low < price_scale / 100 || high > price_scale - price_scale / 100 || low > high {
        return Err("price bounds must satisfy 0.01 <= min <= max <= 0.99");
    }
    if low % tick != 0 || high % tick != 0 {
        return Err("price bounds must lie on the tick grid");
    }
    if spec.state == MarketState::Expired {
        return Err("a market cannot be created expired");
    }
    let rate_max = 500_000; // 0.5
    if spec.taker_rate.units().abs() > rate_max || spec.maker_rate.units().abs() > rate_max {
        return Err("fee coefficients must lie in [-0.5, 0.5]");
    }
    if spec.maker_rate.units() < -spec.taker_rate.units().max(0) {
        return Err("the maker rebate may not exceed the taker fee");
    }
    Ok(())
}
