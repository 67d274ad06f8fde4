//! Orders in motion: placement, matching, resting, cancels, modifies, close-position, and the
//! clean-up after fills.
//!
//! Order placement checks, in this order (the first failure decides the reject):
//! 1. market known (`UNKNOWN_MARKET`) and open (`EXCHANGE_CLOSED`);
//! 2. type and fields agree (`INCORRECT_ORDER_TYPE`): no post-only market order, no cash size
//!    on a limit order or on a selling intent, a limit order has a price, no post-only IOC/FOK;
//! 3. the limit price, truncated to the tick, lies within the market's bounds
//!    (`PRICE_OUT_OF_BOUNDS`);
//! 4. good-till-date: GTD needs a future `goodTillTime`, and only GTD may carry one
//!    (`EXCHANGE_OPTION`);
//! 5. quantity positive, at most `QTY_MAX`, and not zero once truncated to the market's step
//!    (`INCORRECT_QUANTITY`); a SELL_* order at most the position not already committed to
//!    resting reducing orders (`INCORRECT_QUANTITY`);
//! 6. a resting order within `OPEN_ORDERS_MAX` (`EXCHANGE_OPTION`);
//! 7. market orders: a slippage reference exists and something is fillable within the bound
//!    (`NO_LIQUIDITY`), and a cash size buys at least one step (`INCORRECT_QUANTITY`);
//! 8. post-only would not trade on arrival (`EXCHANGE_OPTION`);
//! 9. buying power covers the market's reservation with the order (`EXCHANGE_OPTION`).
//!
//! A rejected order's snapshot carries the request as given (raw price and quantity; a
//! market order's price is its slippage bound when one was computed). An accepted order gets
//! `NEW`, then one fill execution per maker order it meets, then `CANCELED` for a remainder
//! that may not rest (IOC, FOK, market, or self-trade prevention).
//!
//! Self-trade prevention: when an incoming order reaches a resting order of the same
//! account, the incoming remainder is canceled and the resting order stays.
//!
//! After fills, every account that traded is cleaned up, in the order of its first fill (the
//! taker first, then the makers as matching reached them): resting SELL_LONG (SELL_SHORT)
//! orders beyond the remaining long (short) are canceled newest first, then in each market
//! (ascending id) orders are canceled newest first until the market's reservation fits the
//! account's free cash. Both are unsolicited cancels.
//!
//! Inlining: the helpers each command runs once or once per fill (acceptance, resting and
//! its list links, the risk check and its reservation formula, fee charging, settlement and
//! its events, ending a resting order) are `#[inline(always)]`. The compiler left them out
//! of line; forcing them in cut about 9 % of the engine's instructions and, measured per
//! operation type in alternating runs, 7-13 % of the time of every type (see BENCHMARKS).
//! The rare paths (a rejection, the clean-up's cancels, a market order's planning, and in
//! the dispatch the administrative commands, cancel-all and close) are out of line, and a
//! rejection is `#[cold]`, so the code of the common commands stays dense. Instructions
//! are what count when a neighbour shares the core: the engine then runs at a fixed rate
//! of instructions.

use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Timestamp};

use crate::account::{Exposure, OrderReserve};
use crate::book::{NIL, Slot};
use crate::command::{ClosePosition, MarketState, Modify, NewOrder, Size, Slippage};
use crate::engine::{Engine, Reply, Report, limits, push_execution};
use crate::error::EngineError;
use crate::event::{Event, ExecKind, FillInfo, LedgerCause, Trade, TradeSide, emit};
use crate::fees::FeeCap;
use crate::market::MarketStats;
use crate::order::{Intent, Order, OrderKind, Side, Tif, Transition, transition};
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

/// Why matching stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchEnd {
    /// Nothing left to fill.
    Filled,
    /// No more opposite orders within the limit.
    Exhausted,
    /// The next opposite order belongs to the same account.
    SelfTrade,
}

/// What a dry run over the opposite side found.
#[derive(Clone, Copy, Debug)]
struct Reach {
    /// Fillable quantity.
    qty: Qty,
    /// The worst level reached, if any fill.
    worst_level: Option<u32>,
    end: ReachEnd,
    /// For a cash size: the cash the walk left unspent.
    cash_left: Option<i128>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReachEnd {
    /// Stopped because the wanted quantity (or cash) was reached.
    Enough,
    /// Ran out of orders within the limit.
    Exhausted,
    /// Met the account's own order.
    SelfTrade,
    /// The cash left does not buy one more step.
    CashSpent,
}

/// A rejection decided during validation.
type Rejection = (RejectReason, Note);

impl Engine {
    // ----- placement -----

    pub(crate) fn place(&mut self, new: &NewOrder, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if self.account(new.account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        let id = self.next_order_id();
        let mut order = self.incoming(id, new);
        match self.validate_new(new, &mut order) {
            Ok(plan) => self.accept(&mut order, plan, out),
            Err((reason, note)) => {
                as_requested(&mut order, new);
                self.reject(&order, reason, note, out)
            }
        }
        Ok(Reply::Order(id))
    }

    /// What placing `new` now would decide, changing nothing (`POST /v1/order/preview`): the
    /// order as it would enter (normalized price and quantity, the slippage bound, the
    /// quantity a cash size buys; state `New`, id 0), or the reject it would get.
    pub fn preview(&self, new: &NewOrder) -> Result<(Order, Option<(RejectReason, Note)>), EngineError> {
        if self.account(new.account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        let mut order = self.incoming(OrderId(0), new);
        match self.validate_new(new, &mut order) {
            Ok(_) => {
                order.state = transition(None, Transition::Accept, false).expect("accept from nothing");
                order.leaves_qty = order.qty;
                Ok((order, None))
            }
            Err(rejection) => {
                as_requested(&mut order, new);
                order.state = transition(None, Transition::Reject, false).expect("reject from nothing");
                Ok((order, Some(rejection)))
            }
        }
    }

    /// A new order's record before validation.
    fn incoming(&self, id: OrderId, new: &NewOrder) -> Order {
        let tif = match new.kind {
            OrderKind::Limit => new.tif.unwrap_or(Tif::Day),
            OrderKind::Market if new.tif == Some(Tif::FillOrKill) => Tif::FillOrKill,
            OrderKind::Market => Tif::ImmediateOrCancel,
        };
        let (qty, cash_qty) = match new.size {
            Size::Qty(qty) => (qty, None),
            Size::Cash(cash) => (Qty::ZERO, Some(cash)),
        };
        let mut order =
            Order::incoming(id, new.account, self.resolve_market(&new.market), new.intent, new.kind, self.now);
        order.price = if new.kind == OrderKind::Limit { new.price } else { None };
        order.qty = qty;
        order.tif = tif;
        order.good_till = new.good_till;
        order.post_only = new.post_only;
        order.cash_qty = cash_qty;
        order.manual = new.manual;
        order
    }

    #[cold]
    #[inline(never)]
    fn reject(&mut self, order: &Order, reason: RejectReason, note: Note, out: &mut Vec<Event>) {
        let mut order = *order;
        order.state = transition(None, Transition::Reject, false).expect("reject from nothing");
        order.leaves_qty = Qty::ZERO;
        self.report(out, &order, Report::rejected(reason, note));
    }

    /// Checks a new order; on success `order` holds the normalized values.
    fn validate_new(&self, new: &NewOrder, order: &mut Order) -> Result<Plan, Rejection> {
        let Some(market_id) = order.market else {
            return Err((RejectReason::UnknownMarket, Note::UnknownMarket));
        };
        let market = &self.markets[market_id.get() as usize];
        if market.state != MarketState::Open {
            return Err((RejectReason::ExchangeClosed, Note::MarketNotOpen));
        }
        let state = self.accounts[order.account.get() as usize].markets.get(market_id);
        let is_market = new.kind == OrderKind::Market;
        let wrong_type = |note| Err((RejectReason::IncorrectOrderType, note));
        if is_market && new.post_only {
            return wrong_type(Note::PostOnlyMarket);
        }
        if let Size::Cash(_) = new.size {
            if !is_market {
                return wrong_type(Note::CashOnLimit);
            }
            if new.intent.is_reducing() {
                return wrong_type(Note::CashOnSell);
            }
        }
        if !is_market && new.price.is_none() {
            return wrong_type(Note::LimitWithoutPrice);
        }
        if new.post_only && !order.tif.rests() {
            return wrong_type(Note::PostOnlyImmediate);
        }
        if !is_market {
            let price = normalize_price(market, new.price.unwrap_or_default())?;
            check_good_till(order.tif, new.good_till, self.now)?;
            order.price = Some(price);
        } else {
            order.good_till = None;
        }
        match new.size {
            Size::Qty(qty) => {
                let qty = normalize_qty(market, qty)?;
                order.qty = qty;
                // Only SELL_* intents are capped by the position; BUY_* may open or add.
                if new.intent.is_reducing() {
                    let available = state.map_or(0, |at| self.states[at as usize].available_to_close(new.intent));
                    if qty.units() > available {
                        return Err((RejectReason::IncorrectQuantity, Note::ExceedsPosition));
                    }
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
        if order.tif.rests() && self.resting_count(order.account, state) >= limits::OPEN_ORDERS_MAX {
            return Err((RejectReason::ExchangeOption, Note::TooManyOrders));
        }
        let mut plan = if is_market {
            self.plan_market(new.slippage, order)?
        } else {
            let level = self.markets[market_id.get() as usize].level_of(order.price.unwrap_or_default());
            let crosses = self.crosses(market_id, order.side(), Some(level));
            Plan {
                limit: Some(level),
                risk_level: Some(level),
                risk_qty: order.qty,
                reserve: OrderReserve::default(),
                fills_entirely: None,
                crosses,
                state: None,
            }
        };
        let trades_on_arrival = plan.crosses;
        if new.post_only && trades_on_arrival {
            return Err((RejectReason::ExchangeOption, Note::PostOnlyWouldCross));
        }
        // Only an order that trades on arrival can pay a taker fee; a resting order fills
        // only as maker.
        let market = &self.markets[market_id.get() as usize];
        let rate = if trades_on_arrival { market.any_fee_rate() } else { market.maker_fee_rate() };
        if let Some(level) = plan.risk_level {
            let reserve = order_reserve(rate, order.side(), market.price_of(level), plan.risk_qty, &FeeCap::default());
            if !self.fits(order.account, state, order.side(), reserve, OrderReserve::default()) {
                return Err((RejectReason::ExchangeOption, Note::InsufficientBuyingPower));
            }
            plan.reserve = reserve;
        }
        plan.state = state;
        Ok(plan)
    }

    /// Bound and dry run of a market order; sets its price (the bound) and, for cash sizes,
    /// its quantity.
    #[inline(never)]
    fn plan_market(&self, slippage: Option<Slippage>, order: &mut Order) -> Result<Plan, Rejection> {
        let market_id = order.market.expect("validated market");
        let side = order.side();
        let Some(limit) = self.slippage_limit(market_id, side, slippage) else {
            return Err((RejectReason::NoLiquidity, Note::NoLiquidity));
        };
        let market = &self.markets[market_id.get() as usize];
        order.price = slippage_is_bounded(slippage).then(|| market.price_of(limit));
        let reach = self.reach(market_id, order.account, side, limit, order.qty, order.cash_qty);
        if reach.qty.is_zero() {
            return match reach.end {
                ReachEnd::SelfTrade => Ok(Plan {
                    limit: Some(limit),
                    risk_level: None,
                    risk_qty: Qty::ZERO,
                    reserve: OrderReserve::default(),
                    fills_entirely: Some(false),
                    crosses: true,
                    state: None,
                }),
                ReachEnd::CashSpent => Err((RejectReason::IncorrectQuantity, Note::CashTooSmall)),
                ReachEnd::Enough | ReachEnd::Exhausted => {
                    let opposite_empty = market.book.ladder(side.opposite()).best().is_none();
                    let note = if opposite_empty { Note::NoLiquidity } else { Note::NoLiquidityWithinBound };
                    Err((RejectReason::NoLiquidity, note))
                }
            };
        }
        if order.cash_qty.is_some() {
            order.qty = reach.qty;
        }
        let fills_entirely =
            (order.tif == Tif::FillOrKill).then(|| self.fills_entirely(market_id, side, &reach, order));
        let risk_level = if fills_entirely == Some(false) { None } else { reach.worst_level };
        Ok(Plan {
            limit: Some(limit),
            risk_level,
            risk_qty: reach.qty,
            reserve: OrderReserve::default(),
            fills_entirely,
            crosses: true,
            state: None,
        })
    }

    /// Whether a dry run fills the order entirely (the fill-or-kill test). A quantity fills
    /// entirely when all of it is fillable now. A cash size fills entirely when it is spent as
    /// far as the minimum step allows: the walk stopped because the cash ran out, or what is
    /// left would not buy another step at the last price reached. Running out of liquidity
    /// within the bound, or meeting the account's own order, with cash to spare, is not entire.
    #[inline(never)]
    fn fills_entirely(&self, market_id: MarketId, side: Side, reach: &Reach, order: &Order) -> bool {
        let Some(cash_left) = reach.cash_left else { return reach.qty >= order.qty };
        let market = &self.markets[market_id.get() as usize];
        match (reach.end, reach.worst_level) {
            (ReachEnd::CashSpent, _) => true,
            (_, Some(level)) => {
                let px = i128::from(market.price_of(level).units());
                let unit_cost = unit_cost(side, px);
                cash_left < unit_cost * i128::from(market.spec.min_qty.units())
            }
            (_, None) => false,
        }
    }

    /// The level a market order may trade up to: its slippage bound, else the market's price
    /// bound. `None` when a bound is asked for but there is no reference price.
    #[inline(never)]
    pub(crate) fn slippage_limit(&self, market_id: MarketId, side: Side, slippage: Option<Slippage>) -> Option<u32> {
        let market = &self.markets[market_id.get() as usize];
        let (low, high) = (market.spec.price_min.units() as i64, market.spec.price_max.units() as i64);
        let widest = match side {
            Side::Buy => high,
            Side::Sell => low,
        };
        let Some(slippage) = slippage.filter(|s| slippage_is_bounded(Some(*s))) else {
            return Some(market.level_of(Price(widest as u32)));
        };
        // In i128: a client's reference price and tolerance are arbitrary 32-bit values, and
        // their product must not overflow.
        let reference = match slippage.current_price {
            Some(price) => i128::from(price.units()),
            None => {
                let best = market.book.ladder(side.opposite()).best()?;
                i128::from(market.price_of(best).units())
            }
        };
        let tick = i128::from(market.spec.tick.units());
        let direction = match side {
            Side::Buy => 1,
            Side::Sell => -1,
        };
        // Exact bound in $0.0001 units, already rounded toward the protective side.
        // A bounded slippage has positive ticks (which win) or positive bips.
        let bound = match slippage.ticks.filter(|&t| t > 0) {
            Some(ticks) => reference + direction * i128::from(ticks) * tick,
            None => {
                let bips = slippage.bips.unwrap_or(0);
                let scaled = reference * (10_000 + direction * i128::from(bips));
                match side {
                    Side::Buy => scaled.div_euclid(10_000),
                    Side::Sell => -((-scaled).div_euclid(10_000)),
                }
            }
        };
        let on_grid = match side {
            Side::Buy => bound.div_euclid(tick) * tick,
            Side::Sell => -((-bound).div_euclid(tick)) * tick,
        };
        let clamped = on_grid.clamp(i128::from(low), i128::from(high));
        Some(market.level_of(Price(clamped as u32)))
    }

    /// Dry run of an incoming order against the opposite side up to `limit`.
    #[inline(never)]
    fn reach(
        &self,
        market_id: MarketId,
        account: AccountId,
        side: Side,
        limit: u32,
        want: Qty,
        cash: Option<Cash>,
    ) -> Reach {
        let market = &self.markets[market_id.get() as usize];
        let ladder = market.book.ladder(side.opposite());
        let step = market.spec.min_qty.units();
        let mut filled = 0i64;
        let mut cash_left = cash.map(|c| i128::from(c.units()));
        let mut worst_level = None;
        for level in ladder.levels_from_best() {
            if !ladder.is_better_or_equal(level, limit) {
                break;
            }
            let px = i128::from(market.price_of(level).units());
            let unit_cost = unit_cost(side, px);
            let mut at = ladder.levels[level as usize].head;
            while at != NIL {
                let slot = self.store.get(at);
                if slot.order.account == account {
                    return Reach { qty: Qty(filled), worst_level, end: ReachEnd::SelfTrade, cash_left };
                }
                let leaves = slot.order.leaves_qty.units();
                let take = match cash_left {
                    Some(left) => {
                        let affordable = (left / unit_cost) as i64;
                        let affordable = affordable - affordable.rem_euclid(step);
                        affordable.min(leaves)
                    }
                    None => leaves.min(want.units() - filled),
                };
                if take <= 0 {
                    let end = if cash_left.is_some() { ReachEnd::CashSpent } else { ReachEnd::Enough };
                    return Reach { qty: Qty(filled), worst_level, end, cash_left };
                }
                filled += take;
                worst_level = Some(level);
                if let Some(left) = cash_left.as_mut() {
                    *left -= unit_cost * i128::from(take);
                }
                if cash_left.is_none() && filled == want.units() {
                    return Reach { qty: Qty(filled), worst_level, end: ReachEnd::Enough, cash_left };
                }
                at = slot.next;
            }
        }
        Reach { qty: Qty(filled), worst_level, end: ReachEnd::Exhausted, cash_left }
    }

    /// True when an order on `side` limited at `limit` would trade on arrival.
    fn crosses(&self, market_id: MarketId, side: Side, limit: Option<u32>) -> bool {
        let ladder = self.markets[market_id.get() as usize].book.ladder(side.opposite());
        match (ladder.best(), limit) {
            (Some(best), Some(limit)) => ladder.is_better_or_equal(best, limit),
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// True when the market's reservation, with an order contributing `add` on `side`
    /// (replacing a resting order of the same side that contributes `replaced`, or nothing),
    /// fits the account's free cash. `state` is the account's state index in the market
    /// (`None`: it has none yet).
    ///
    /// Side totals past `limits::OPEN_SIDE_MAX` do not fit, without computing more: with
    /// prices within [0.01, 0.99] every open contract costs at least a cent of buying power
    /// and positions are bounded by the deposit limit, so such totals would need a
    /// reservation of several times `DEPOSITS_MAX`, beyond any account's cash.
    #[inline(always)]
    fn fits(
        &self,
        account: AccountId,
        state: Option<u32>,
        side: Side,
        add: OrderReserve,
        replaced: OrderReserve,
    ) -> bool {
        let free = self.accounts[account.get() as usize].free();
        let reservation = match state {
            Some(at) => {
                let state = &self.states[at as usize];
                state.exposure.reservation_after(state.position.net, side, add, replaced)
            }
            None => Exposure::default().reservation_after(Qty::ZERO, side, add, OrderReserve::default()),
        };
        reservation.is_some_and(|reservation| reservation <= free)
    }

    /// An account's live orders over all markets. `state` is the index of one of its
    /// states, when the caller has it: an account that trades only there has that count.
    #[inline(always)]
    pub(crate) fn resting_count(&self, account: AccountId, state: Option<u32>) -> usize {
        if let Some(state) = state.map(|at| &self.states[at as usize])
            && !state.others
        {
            return state.orders_count as usize;
        }
        let holder = &self.accounts[account.get() as usize];
        match holder.markets.only() {
            Some(index) => self.states[index as usize].orders_count as usize,
            // Several markets, or none (then the account's total is zero).
            None => holder.orders_count,
        }
    }

    // ----- acceptance and matching -----

    #[inline(always)]
    fn accept(&mut self, order: &mut Order, plan: Plan, out: &mut Vec<Event>) {
        order.state = transition(None, Transition::Accept, false).expect("accept from nothing");
        order.leaves_qty = order.qty;
        self.report(out, order, Report::of(ExecKind::New, Note::None));
        let mut fees = FeeCap::default();
        if order.tif == Tif::FillOrKill {
            let market_id = order.market.expect("accepted");
            let side = order.side();
            let entirely = plan.fills_entirely.unwrap_or_else(|| {
                let limit = plan.limit.expect("limit order has a level");
                let reach = self.reach(market_id, order.account, side, limit, order.qty, None);
                self.fills_entirely(market_id, side, &reach, order)
            });
            if !entirely {
                self.finish_incoming(order, Transition::Cancel, ExecKind::Canceled, Note::FillOrKillUnfilled, out);
                return;
            }
        }
        if let (false, OrderKind::Limit, true, Some(level)) =
            (plan.crosses, order.kind, order.tif.rests(), plan.risk_level)
        {
            // Nothing to match: straight to the book, as matching would find, with the
            // reserve the risk check computed (at the maker rate, for the whole quantity).
            self.rest_at(order, fees, plan.state, level, plan.reserve);
            return;
        }
        self.trade_incoming(order, &mut fees, plan.limit, plan.state, out);
    }

    /// Matches an accepted order, then rests or cancels what is left, then cleans up.
    /// `state` is the index of the order's account state in its market, when known (looked
    /// up at most once per order: matching fills it in on the first fill).
    fn trade_incoming(
        &mut self,
        order: &mut Order,
        fees: &mut FeeCap,
        limit: Option<u32>,
        mut state: Option<u32>,
        out: &mut Vec<Event>,
    ) {
        let end = self.match_incoming(order, fees, limit, &mut state, out);
        match end {
            MatchEnd::Filled => {}
            MatchEnd::SelfTrade => {
                self.finish_incoming(order, Transition::Cancel, ExecKind::Canceled, Note::SelfTradePrevented, out)
            }
            MatchEnd::Exhausted if order.kind == OrderKind::Limit && order.tif.rests() => {
                self.rest(order, *fees, state)
            }
            MatchEnd::Exhausted => {
                self.finish_incoming(order, Transition::Cancel, ExecKind::Canceled, Note::ImmediateRemainder, out)
            }
        }
        if !self.touched.is_empty() {
            let market = order.market.expect("accepted");
            // A close is the one order that trades without a risk check.
            let unchecked = order.close_position.then_some(order.account);
            self.clean_up(market, unchecked, out);
        }
    }

    fn finish_incoming(
        &mut self,
        order: &mut Order,
        event: Transition,
        kind: ExecKind,
        note: Note,
        out: &mut Vec<Event>,
    ) {
        order.state = transition(Some(order.state), event, order.cum_qty.is_positive()).expect("live order");
        order.leaves_qty = Qty::ZERO;
        self.report(out, order, Report::of(kind, note));
    }

    fn match_incoming(
        &mut self,
        taker: &mut Order,
        fees: &mut FeeCap,
        limit: Option<u32>,
        state: &mut Option<u32>,
        out: &mut Vec<Event>,
    ) -> MatchEnd {
        let market_id = taker.market.expect("accepted");
        let opposite = taker.side().opposite();
        loop {
            let ladder = self.markets[market_id.get() as usize].book.ladder(opposite);
            let Some(level) = ladder.best() else { return MatchEnd::Exhausted };
            if let Some(limit) = limit
                && !ladder.is_better_or_equal(level, limit)
            {
                return MatchEnd::Exhausted;
            }
            let maker_at = ladder.levels[level as usize].head;
            let maker = self.store.get(maker_at);
            if maker.order.account == taker.account {
                return MatchEnd::SelfTrade;
            }
            let qty = Qty(taker.leaves_qty.units().min(maker.order.leaves_qty.units()));
            let taker_state = match *state {
                Some(index) => index,
                None => *state.insert(self.state_index(taker.account, market_id)),
            };
            self.fill(market_id, taker, taker_state, fees, maker_at, level, qty, out);
            if taker.leaves_qty.is_zero() {
                return MatchEnd::Filled;
            }
        }
    }

    /// One match between the incoming `taker` and the resting order at `maker_at`. Kept out
    /// of line: its frame is large, and the paths that only rest an order should not pay for
    /// it.
    #[expect(clippy::too_many_arguments, reason = "a fill has this many parts")]
    #[inline(never)]
    fn fill(
        &mut self,
        market_id: MarketId,
        taker: &mut Order,
        taker_state: u32,
        taker_fees: &mut FeeCap,
        maker_at: u32,
        level: u32,
        qty: Qty,
        out: &mut Vec<Event>,
    ) {
        let trade_id = self.next_trade_id();
        let market = &self.markets[market_id.get() as usize];
        let px = market.price_of(level);
        // Prices are at most $1 and quantities at most `QTY_MAX`: the product fits i64.
        let notional = px.notional(qty).expect("bounded notional");
        let (taker_rate, maker_rate, resting_rate) =
            (market.spec.taker_rate, market.spec.maker_rate, market.maker_fee_rate());
        let taker_fee = taker_fees.charge(taker_rate, qty, px);

        // The maker: order, fees and reservation, in place.
        let slot = self.store.get_mut(maker_at);
        let old_reserve = slot.reserve();
        let maker_fee = slot.fees.charge(maker_rate, qty, px);
        apply_fill_to_order(&mut slot.order, qty, notional, maker_fee);
        let maker = &slot.order;
        let (maker_done, maker_side, maker_account, maker_intent) =
            (maker.leaves_qty.is_zero(), maker.side(), maker.account, maker.intent);
        let new_reserve = if maker_done {
            OrderReserve::default()
        } else {
            order_reserve(resting_rate, maker_side, px, maker.leaves_qty, &slot.fees)
        };
        slot.reserve_fee = new_reserve.fee;
        debug_assert_eq!(slot.reserve(), new_reserve, "maker reserve disagrees with the order");
        let maker_state = slot.state;
        self.states[maker_state as usize].exposure.replace(maker_side, maker_intent, old_reserve, new_reserve);
        if maker_done {
            self.unrest(maker_at);
        }

        apply_fill_to_order(taker, qty, notional, taker_fee);
        let taker_side = taker.side();
        let fill = (qty, px, notional);
        let taker_settled = self.settle_fill(taker.account, taker_state, taker_side, fill, taker_fee);
        let maker_settled = self.settle_fill(maker_account, maker_state, maker_side, fill, maker_fee);
        // Fees are bounded far inside i64; their sum too.
        self.ledger.fees_kept += i128::from(taker_fee.units() + maker_fee.units());
        // The market's book and statistics, in one visit.
        let now = self.now;
        let market = &mut self.markets[market_id.get() as usize];
        market.book.ladder_mut(maker_side).reduce(level, qty);
        let open_interest = taker_settled.open_interest + maker_settled.open_interest;
        record_trade(&mut market.stats, px, qty, notional, open_interest, now);

        let trade_side = |engine: &Engine, account, order, fee, state: u32, realized| TradeSide {
            account,
            order,
            fee,
            realized_pnl: realized,
            cost_basis: engine.states[state as usize].position.cost,
        };
        let maker_id = self.store.get(maker_at).order.id;
        emit(out, || {
            Event::Trade(Trade {
                id: trade_id,
                market: market_id,
                px,
                qty,
                taker_side,
                taker: trade_side(self, taker.account, taker.id, taker_fee, taker_state, taker_settled.realized),
                maker: trade_side(self, maker_account, maker_id, maker_fee, maker_state, maker_settled.realized),
            })
        });
        let taker_fill = FillInfo { trade: trade_id, qty, px, aggressor: true, fee: taker_fee };
        let maker_fill = FillInfo { trade: trade_id, qty, px, aggressor: false, fee: maker_fee };
        self.report(out, taker, Report::fill(taker, taker_fill));
        // The maker's slot keeps its contents until reused, even once it left the book.
        let maker = &self.store.get(maker_at).order;
        push_execution(&mut self.counters.execution, out, maker, Report::fill(maker, maker_fill));
        self.emit_settled(taker.account, taker_state, market_id, taker_settled, out);
        self.emit_settled(maker_account, maker_state, market_id, maker_settled, out);
        // The taker comes first, from its first fill on; a maker is never the taker (self-trade
        // prevention stops matching before).
        debug_assert!(self.touched.first().is_none_or(|&(first, _)| first == taker.account));
        if self.touched.is_empty() {
            self.touched.push((taker.account, taker_state));
        }
        if !self.touched[1..].iter().any(|&(seen, _)| seen == maker_account) {
            self.touched.push((maker_account, maker_state));
        }
    }

    /// Moves cash, margin, fees and the position of one side of a fill of `(qty, px,
    /// notional)`.
    #[inline(always)]
    fn settle_fill(
        &mut self,
        account_id: AccountId,
        index: u32,
        side: Side,
        (qty, px, notional): (Qty, Price, Cash),
        fee: Cash,
    ) -> Settled {
        let now = self.now;
        let account = &mut self.accounts[account_id.get() as usize];
        let state = &mut self.states[index as usize];
        let before = state.position.net;
        let realized = state.position.apply_fill(side, qty, px, now);
        state.position.fees = Cash(state.position.fees.units().saturating_add(fee.units()));
        let after = state.position.net;
        let notional = notional.units();
        let trade_cash = match side {
            Side::Buy => -notional,
            Side::Sell => notional,
        };
        let margin_delta = short_dollars(after) - short_dollars(before);
        account.cash = Cash(account.cash.units() + trade_cash - fee.units());
        account.margin = Cash(account.margin.units() + margin_delta);
        let open_interest = after.units().max(0) - before.units().max(0);
        Settled { fee, realized, trade_cash: Cash(trade_cash), open_interest }
    }

    /// The position and balance events of one settled side of a fill: the position, the
    /// trade's cash and margin, then the fee (if any) as its own ledger entry.
    #[inline(always)]
    fn emit_settled(&self, account: AccountId, state: u32, market: MarketId, settled: Settled, out: &mut Vec<Event>) {
        let position = &self.states[state as usize].position;
        emit(out, || Event::PositionChanged { account, market, position: *position });
        let holder = &self.accounts[account.get() as usize];
        let (cash, margin, fee) = (holder.cash, holder.margin, settled.fee);
        emit(out, || Event::BalanceChanged {
            account,
            cash: Cash(cash.units() + fee.units()),
            margin,
            delta: settled.trade_cash,
            cause: LedgerCause::OrderExecution,
        });
        if fee != Cash::ZERO {
            emit(out, || Event::BalanceChanged {
                account,
                cash,
                margin,
                delta: Cash(-fee.units()),
                cause: LedgerCause::Commission,
            });
        }
    }

    // ----- resting and removal -----

    /// Puts an accepted limit order with leaves on the book. `state` is the index of its
    /// account's state in its market, if already known.
    pub(crate) fn rest(&mut self, order: &Order, fees: FeeCap, state: Option<u32>) {
        let market = &self.markets[order.market.expect("accepted").get() as usize];
        let price = order.price.expect("limit price");
        let level = market.level_of(price);
        let reserve = order_reserve(market.maker_fee_rate(), order.side(), price, order.leaves_qty, &fees);
        self.rest_at(order, fees, state, level, reserve);
    }

    /// `rest` with the order's level and reserve already known.
    #[inline(always)]
    fn rest_at(&mut self, order: &Order, fees: FeeCap, state: Option<u32>, level: u32, reserve: OrderReserve) {
        let market_id = order.market.expect("accepted");
        let side = order.side();
        let state = match state {
            Some(index) => index,
            None => self.state_index(order.account, market_id),
        };
        let at = self.store.insert(order, state, fees, reserve);
        let slots = &mut self.store.slots[..];
        self.markets[market_id.get() as usize].book.ladder_mut(side).push_back(slots, level, at);
        let state = &mut self.states[state as usize];
        state.push_newest(slots, at);
        state.exposure.add(side, order.intent, reserve);
        state.orders_count += 1;
        if state.others {
            self.accounts[order.account.get() as usize].orders_count += 1;
        }
        if let Some(good_till) = order.good_till {
            self.expiries.insert((good_till, order.id));
        }
    }

    /// Takes a resting order off the book and out of every index. The slot keeps its contents
    /// until it is reused, so the caller may still read it.
    pub(crate) fn unrest(&mut self, at: u32) {
        // One slice for both lists: the slot and its neighbours are found without going
        // back to the store between the writes.
        let slots = &mut self.store.slots[..];
        let slot = &slots[at as usize];
        let (order, reserve, state) = (&slot.order, slot.reserve(), slot.state);
        let (market_id, account, intent, id, good_till) =
            (order.market.expect("resting"), order.account, order.intent, order.id, order.good_till);
        let side = order.side();
        self.markets[market_id.get() as usize].book.ladder_mut(side).unlink(slots, at);
        let state = &mut self.states[state as usize];
        state.unlink(slots, at);
        state.exposure.remove(side, intent, reserve);
        state.orders_count -= 1;
        // A one-market account's total is its state's count: its cancels leave the account's
        // cache line alone.
        if state.others {
            self.accounts[account.get() as usize].orders_count -= 1;
        }
        if let Some(good_till) = good_till {
            self.expiries.remove(&(good_till, id));
        }
        self.store.remove(at, id);
    }

    /// Ends a resting order (cancel or expiry) with one execution.
    #[inline(always)]
    pub(crate) fn end_resting(
        &mut self,
        at: u32,
        event: Transition,
        kind: ExecKind,
        note: Note,
        unsolicited: Option<UnsolicitedCancel>,
        out: &mut Vec<Event>,
    ) -> OrderId {
        self.unrest(at);
        let order = &mut self.store.slots[at as usize].order;
        order.state = transition(Some(order.state), event, order.cum_qty.is_positive()).expect("live order");
        order.leaves_qty = Qty::ZERO;
        push_execution(&mut self.counters.execution, out, order, Report::of(kind, note).unsolicited(unsolicited));
        order.id
    }

    /// Expires good-till-date orders due at the current time.
    pub(crate) fn expire_due(&mut self, out: &mut Vec<Event>) {
        while let Some(&(due, id)) = self.expiries.first() {
            if due > self.now {
                break;
            }
            let at = self.store.find(id).expect("expiry index agrees with the store");
            self.end_resting(at, Transition::Expire, ExecKind::Expired, Note::GoodTillExpired, None, out);
        }
    }

    // ----- cancels -----

    fn owned(&self, account: AccountId, order: OrderId) -> Result<u32, EngineError> {
        if self.account(account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        match self.store.find(order) {
            Some(at) if self.store.get(at).order.account == account => Ok(at),
            _ => Err(EngineError::UnknownOrder),
        }
    }

    pub(crate) fn cancel(
        &mut self,
        account: AccountId,
        order: OrderId,
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        let at = self.owned(account, order)?;
        self.end_resting(at, Transition::Cancel, ExecKind::Canceled, Note::UserCanceled, None, out);
        Ok(Reply::None)
    }

    #[inline(never)]
    pub(crate) fn cancel_all(
        &mut self,
        account: AccountId,
        markets: &[MarketId],
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        if self.account(account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        let chosen: Vec<MarketId> = self
            .states_of(account)
            .filter(|(id, state)| state.orders_count > 0 && (markets.is_empty() || markets.contains(id)))
            .map(|(id, _)| id)
            .collect();
        let mut canceled = Vec::new();
        for market in chosen {
            while let Some(at) = self.oldest_order(account, market) {
                let id = self.end_resting(at, Transition::Cancel, ExecKind::Canceled, Note::UserCanceled, None, out);
                canceled.push(id);
            }
        }
        Ok(Reply::Canceled(canceled))
    }

    fn oldest_order(&self, account: AccountId, market: MarketId) -> Option<u32> {
        let state = self.state(account, market)?;
        (state.head != NIL).then_some(state.head)
    }

    // ----- modify -----

    pub(crate) fn modify(&mut self, modify: &Modify, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        let at = self.owned(modify.account, modify.order)?;
        match self.validate_modify(modify, self.store.get(at)) {
            Err((reason, note)) => {
                let order = &self.store.slots[at as usize].order;
                push_execution(&mut self.counters.execution, out, order, Report::rejected(reason, note));
            }
            Ok(change) => self.replace(at, change, out),
        }
        Ok(Reply::Order(modify.order))
    }

    /// Checks a modify of the resting order in `slot`; on success, the order's new terms.
    fn validate_modify(&self, modify: &Modify, slot: &Slot) -> Result<Change, Rejection> {
        let old = &slot.order;
        let market_id = old.market.expect("resting");
        let market = &self.markets[market_id.get() as usize];
        if market.state != MarketState::Open {
            return Err((RejectReason::ExchangeClosed, Note::MarketNotOpen));
        }
        let tif = modify.tif.unwrap_or(old.tif);
        if !tif.rests() {
            return Err((RejectReason::IncorrectOrderType, Note::ModifyTifNotResting));
        }
        let post_only = modify.post_only.unwrap_or(old.post_only);
        let price = match modify.price {
            Some(price) => normalize_price(market, price)?,
            None => old.price.expect("limit price"),
        };
        let good_till = match (tif, modify.good_till) {
            (Tif::GoodTillDate, Some(good_till)) => Some(good_till),
            (Tif::GoodTillDate, None) => old.good_till,
            (_, given) => given,
        };
        check_good_till(tif, good_till, self.now)?;
        let (qty, leaves) = match modify.qty {
            Some(qty) => {
                let qty = normalize_qty(market, qty)?;
                if qty <= old.cum_qty {
                    return Err((RejectReason::IncorrectQuantity, Note::ModifyBelowFilled));
                }
                (qty, Qty(qty.units() - old.cum_qty.units()))
            }
            None => (old.qty, old.leaves_qty),
        };
        let state = &self.states[slot.state as usize];
        if old.intent.is_reducing() {
            let available = state.available_to_close(old.intent) + old.leaves_qty.units();
            if leaves.units() > available {
                return Err((RejectReason::IncorrectQuantity, Note::ExceedsPosition));
            }
        }
        let side = old.side();
        let level = market.level_of(price);
        let crosses = self.crosses(market_id, side, Some(level));
        if post_only && crosses {
            return Err((RejectReason::ExchangeOption, Note::PostOnlyWouldCross));
        }
        let rate = if crosses { market.any_fee_rate() } else { market.maker_fee_rate() };
        let reserve = order_reserve(rate, side, price, leaves, &slot.fees);
        if !self.fits(old.account, Some(slot.state), side, reserve, slot.reserve()) {
            return Err((RejectReason::ExchangeOption, Note::InsufficientBuyingPower));
        }
        Ok(Change { tif, post_only, price, good_till, qty, leaves, level, crosses, reserve })
    }

    /// Applies a validated modify. A new price or a larger quantity loses time priority (the
    /// order goes to the back of its level, and may trade if it now crosses); otherwise the
    /// order keeps its place. The order is changed in its slot; only an order that now
    /// crosses is taken out to trade as an incoming one.
    fn replace(&mut self, at: u32, change: Change, out: &mut Vec<Event>) {
        let slot = self.store.get(at);
        let old = &slot.order;
        let (side, intent, old_good_till, old_reserve, state) =
            (old.side(), old.intent, old.good_till, slot.reserve(), slot.state);
        let loses_priority = Some(change.price) != old.price || change.leaves > old.leaves_qty;
        let market_id = old.market.expect("resting");
        if loses_priority && change.crosses {
            let mut fees = slot.fees;
            let mut new = *old;
            self.unrest(at);
            change.apply(&mut new, self.now);
            self.report(out, &new, Report::of(ExecKind::Replace, Note::None));
            self.trade_incoming(&mut new, &mut fees, Some(change.level), Some(state), out);
            return;
        }
        // A resting order that does not cross reserves at the maker rate: `change.reserve`.
        let ladder = self.markets[market_id.get() as usize].book.ladder_mut(side);
        if loses_priority {
            // Back of the new level and newest in the account's list, without leaving the
            // store: the same outcome as cancel and re-insert, minus the churn.
            let slots = &mut self.store.slots[..];
            let list = &mut self.states[state as usize];
            ladder.unlink(slots, at);
            list.unlink(slots, at);
            change.apply(&mut slots[at as usize].order, self.now);
            ladder.push_back(slots, change.level, at);
            list.push_newest(slots, at);
        } else {
            let cut = Qty(old.leaves_qty.units() - change.leaves.units());
            ladder.reduce(slot.level, cut);
            let order = &mut self.store.slots[at as usize].order;
            let ts_inserted = order.ts_inserted;
            change.apply(order, ts_inserted);
        }
        self.store.slots[at as usize].reserve_fee = change.reserve.fee;
        debug_assert_eq!(self.store.get(at).reserve(), change.reserve, "reserve disagrees with the order");
        let exposure = &mut self.states[state as usize].exposure;
        exposure.replace(side, intent, old_reserve, change.reserve);
        let id = self.store.get(at).order.id;
        self.reindex_expiry(id, old_good_till, change.good_till);
        let order = &self.store.slots[at as usize].order;
        push_execution(&mut self.counters.execution, out, order, Report::of(ExecKind::Replace, Note::None));
    }

    /// Keeps the expiry index in step with a modified order's good-till time.
    fn reindex_expiry(&mut self, id: OrderId, old: Option<Timestamp>, new: Option<Timestamp>) {
        if old == new {
            return;
        }
        if let Some(good_till) = old {
            self.expiries.remove(&(good_till, id));
        }
        if let Some(good_till) = new {
            self.expiries.insert((good_till, id));
        }
    }

    // ----- close-position -----

    /// Closes the whole position in one market (DESIGN.md, "Close position"): cancels the
    /// account's resting reducing orders there, then sends an immediate-or-cancel market order
    /// for |net| within the slippage bound. A close is not risk-checked: selling a long or
    /// buying back a short only frees buying power; orders its fills leave unfunded are
    /// canceled by the clean-up.
    #[inline(never)]
    pub(crate) fn close_position(&mut self, close: &ClosePosition, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if self.account(close.account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        let market_id = self.resolve_market(&close.market).ok_or(EngineError::UnknownMarket)?;
        let net = self.state(close.account, market_id).map_or(Qty::ZERO, |state| state.position.net);
        if net.is_zero() {
            return Err(EngineError::NoPosition);
        }
        let intent = if net.is_positive() { Intent::SellLong } else { Intent::SellShort };
        let id = self.next_order_id();
        let mut order = Order::incoming(id, close.account, Some(market_id), intent, OrderKind::Market, self.now);
        order.qty = net.abs();
        order.tif = Tif::ImmediateOrCancel;
        order.manual = close.manual;
        order.close_position = true;
        if self.markets[market_id.get() as usize].state != MarketState::Open {
            self.reject(&order, RejectReason::ExchangeClosed, Note::MarketNotOpen, out);
            return Ok(Reply::Order(id));
        }
        self.cancel_reducing(close.account, market_id, intent, Note::ClosePositionCanceled, None, 0, out);
        match self.plan_market(close.slippage, &mut order) {
            Ok(plan) => self.accept(&mut order, plan, out),
            Err((reason, note)) => self.reject(&order, reason, note, out),
        }
        Ok(Reply::Order(id))
    }

    /// Cancels the account's resting `intent` orders in a market, newest first, while their
    /// total exceeds `keep`.
    #[expect(clippy::too_many_arguments, reason = "the cancel's parts")]
    #[inline(never)]
    fn cancel_reducing(
        &mut self,
        account: AccountId,
        market: MarketId,
        intent: Intent,
        note: Note,
        unsolicited: Option<UnsolicitedCancel>,
        keep: i64,
        out: &mut Vec<Event>,
    ) {
        let committed = |engine: &Engine| {
            let state = engine.state(account, market).expect("account state");
            match intent {
                Intent::SellLong => state.exposure.sell_long,
                _ => state.exposure.sell_short,
            }
        };
        let Some(state) = self.state(account, market) else { return };
        let mut at = state.tail;
        while at != NIL && committed(self) > keep {
            let slot = self.store.get(at);
            let previous = slot.account_prev;
            if slot.order.intent == intent {
                self.end_resting(at, Transition::Cancel, ExecKind::Canceled, note, unsolicited, out);
            }
            at = previous;
        }
    }

    // ----- clean-up after fills -----

    /// After fills, for every account that traded, in the order of its first fill: reducing
    /// orders beyond what is left of the position are canceled, then orders no longer funded.
    ///
    /// Only two kinds of account can be left unfunded, so only they are checked: one with
    /// state in more than one market, and `unchecked`, the taker of an order that was not
    /// risk-checked (a close). Within one market a fill never costs more buying power than
    /// it releases from the reservation: the reservation is the worst case of each side's
    /// orders all filling at their limits with their fee bounds, a fill happens at the limit
    /// or better, its fee is at most what it takes off the order's fee bound, and a checked
    /// taker's order was checked with its whole quantity at its limit (at the larger fee
    /// rate). But cash a fill spends in one market can be what another market's orders were
    /// funded with (each market is checked against the same free cash), and a close that
    /// shrinks the position uncovers the orders it covered (bids a short covered, offers a
    /// long covered).
    #[inline(never)]
    fn clean_up(&mut self, traded_market: MarketId, unchecked: Option<AccountId>, out: &mut Vec<Event>) {
        // Cancels never fill, so the list does not change while it is walked.
        for at in 0..self.touched.len() {
            let (account, index) = self.touched[at];
            // Only resting orders are ever canceled here.
            if self.resting_count(account, Some(index)) == 0 {
                continue;
            }
            let state = &self.states[index as usize];
            let net = state.position.net.units();
            // Canceling SELL_LONG orders leaves the SELL_SHORT total alone: both tests can be
            // made now.
            let (long, short) = (net.max(0), (-net).max(0));
            let (over_long, over_short) = (state.exposure.sell_long > long, state.exposure.sell_short > short);
            let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
            let note = Note::PositionReduced;
            if over_long {
                self.cancel_reducing(account, traded_market, Intent::SellLong, note, unsolicited, long, out);
            }
            if over_short {
                self.cancel_reducing(account, traded_market, Intent::SellShort, note, unsolicited, short, out);
            }
            if !self.states[index as usize].others && unchecked != Some(account) {
                debug_assert!(self.funded(account), "a one-market account left unfunded by a checked fill");
            } else if !self.funded(account) {
                self.cancel_unfunded(account, out);
            }
        }
        self.touched.clear();
    }

    /// Whether every market's reservation fits the account's free cash: the usual answer,
    /// checked without the bookkeeping of `cancel_unfunded`.
    fn funded(&self, account: AccountId) -> bool {
        let holder = &self.accounts[account.get() as usize];
        let free = holder.free();
        holder.markets.all(|index| self.states[index as usize].reservation() <= free)
    }

    /// Cancels orders, newest first per market, until every market's reservation fits.
    /// Only orders whose cancel lowers the reservation are candidates: an order on the side
    /// that does not bind (or that closes a position) was funded and stays.
    #[cold]
    #[inline(never)]
    fn cancel_unfunded(&mut self, account: AccountId, out: &mut Vec<Event>) {
        let free = self.accounts[account.get() as usize].free();
        // Cancels never add or remove an account's states, so ranks stay valid.
        for rank in 0..self.accounts[account.get() as usize].markets.len() {
            let index = self.accounts[account.get() as usize].markets.index_at(rank);
            while let Some(at) = self.unfunded_victim(index, free) {
                let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
                self.end_resting(at, Transition::Cancel, ExecKind::Canceled, Note::Unfunded, unsolicited, out);
            }
        }
    }

    /// The newest order of state `index` whose cancel lowers its reservation, while the
    /// reservation exceeds `free`.
    fn unfunded_victim(&self, index: u32, free: i128) -> Option<u32> {
        let state = &self.states[index as usize];
        let current = state.reservation();
        if current <= free {
            return None;
        }
        let mut at = state.tail;
        while at != NIL {
            let slot = self.store.get(at);
            let mut without = state.exposure;
            without.remove(slot.order.side(), slot.order.intent, slot.reserve());
            if without.reservation(state.position.net) < current {
                return Some(at);
            }
            at = slot.account_prev;
        }
        None
    }
}

/// How an accepted order will trade.
#[derive(Clone, Copy, Debug)]
struct Plan {
    /// Worst level the order may trade at (`None`: no limit).
    limit: Option<u32>,
    /// Level and quantity the risk check used (`None`: no check needed).
    risk_level: Option<u32>,
    risk_qty: Qty,
    /// The reserve the risk check computed (zero when there was none).
    reserve: OrderReserve,
    /// Whether the order fills entirely now, when a market order's dry run already found
    /// out (read only for fill-or-kill); `None` when not yet known.
    fills_entirely: Option<bool>,
    /// Whether the order meets the opposite side on arrival (always assumed for a market
    /// order, whose walk finds out).
    crosses: bool,
    /// The account's state index in the market, if it has one.
    state: Option<u32>,
}

/// A validated modify: the order's new terms and what the checks found.
#[derive(Clone, Copy, Debug)]
struct Change {
    tif: Tif,
    post_only: bool,
    price: Price,
    good_till: Option<Timestamp>,
    qty: Qty,
    leaves: Qty,
    /// Ladder index of `price`.
    level: u32,
    /// Whether the order at `price` would trade on arrival.
    crosses: bool,
    /// What the order contributes to its exposure at the new terms (maker rate unless it
    /// crosses).
    reserve: OrderReserve,
}

impl Change {
    /// Writes the new terms into `order`, which takes its queue place at `ts_inserted`.
    fn apply(&self, order: &mut Order, ts_inserted: Timestamp) {
        order.state =
            transition(Some(order.state), Transition::Replace, order.cum_qty.is_positive()).expect("live order");
        order.tif = self.tif;
        order.post_only = self.post_only;
        order.price = Some(self.price);
        order.good_till = self.good_till;
        order.qty = self.qty;
        order.leaves_qty = self.leaves;
        order.ts_inserted = ts_inserted;
    }
}

/// What settling one side of a fill did, for its events.
#[derive(Clone, Copy, Debug)]
struct Settled {
    fee: Cash,
    /// Realized P&L of this fill (excluding fees).
    realized: Cash,
    /// Cash the trade moved (excluding the fee): negative for a buyer.
    trade_cash: Cash,
    /// The change of this side's long quantity (its part of the open interest).
    open_interest: i64,
}

/// Records a trade of `qty` at `px` in a market's statistics, with the change of its open
/// interest.
#[inline(always)]
fn record_trade(stats: &mut MarketStats, px: Price, qty: Qty, notional: Cash, open_interest: i64, now: Timestamp) {
    stats.open_interest = Qty(stats.open_interest.units() + open_interest);
    stats.last_trade_px = Some(px);
    stats.last_trade_qty = qty;
    stats.ts_last_trade = Some(now);
    stats.high_px = Some(stats.high_px.map_or(px, |high| high.max(px)));
    stats.low_px = Some(stats.low_px.map_or(px, |low| low.min(px)));
    stats.shares_traded = Qty(stats.shares_traded.units().saturating_add(qty.units()));
    stats.notional_traded = Cash(stats.notional_traded.units().saturating_add(notional.units()));
}

/// A rejected order's snapshot carries the request as given, not its normalized values (a
/// market order keeps the slippage bound, if one was computed).
fn as_requested(order: &mut Order, new: &NewOrder) {
    if new.kind == OrderKind::Limit {
        order.price = new.price;
    }
    if let Size::Qty(qty) = new.size {
        order.qty = qty;
    } else {
        order.qty = Qty::ZERO;
    }
}

fn apply_fill_to_order(order: &mut Order, qty: Qty, notional: Cash, fee: Cash) {
    order.cum_qty = Qty(order.cum_qty.units() + qty.units());
    order.leaves_qty = Qty(order.leaves_qty.units() - qty.units());
    let complete = order.leaves_qty.is_zero();
    order.state = transition(Some(order.state), Transition::Fill { complete }, true).expect("live order fills");
    order.notional_filled = Cash(order.notional_filled.units() + notional.units());
    order.fees_total = Cash(order.fees_total.units() + fee.units());
}

/// What one contract unit of a fill at `px` costs whoever takes `side`: the price for a
/// buyer of YES, its complement for a seller of YES (a buyer of NO).
fn unit_cost(side: Side, px: i128) -> i128 {
    match side {
        Side::Buy => px,
        Side::Sell => i128::from(Price::ONE.units()) - px,
    }
}

/// What an order of `qty` at `price` contributes to its account's exposure.
#[inline(always)]
pub(crate) fn order_reserve(rate_max: types::Rate, side: Side, price: Price, qty: Qty, fees: &FeeCap) -> OrderReserve {
    OrderReserve {
        qty: qty.units(),
        notional: i64::from(price.units()) * qty.units(),
        fee: fees.bound(rate_max, side, price, qty).units(),
    }
}

fn short_dollars(net: Qty) -> i64 {
    (-net.units()).max(0) * i64::from(Price::ONE.units())
}

fn slippage_is_bounded(slippage: Option<Slippage>) -> bool {
    slippage.is_some_and(|s| s.ticks.is_some_and(|t| t > 0) || s.bips.is_some_and(|b| b > 0))
}

fn normalize_price(market: &crate::market::Market, price: Price) -> Result<Price, Rejection> {
    // At or above one tick past the top, no truncation lands within bounds.
    if u64::from(price.units()) >= u64::from(market.spec.price_max.units()) + u64::from(market.spec.tick.units()) {
        return Err((RejectReason::PriceOutOfBounds, Note::PriceOutOfBounds));
    }
    // Truncate to the tick.
    let price = market.price_of(market.level_of(price));
    if price < market.spec.price_min || price > market.spec.price_max {
        return Err((RejectReason::PriceOutOfBounds, Note::PriceOutOfBounds));
    }
    Ok(price)
}

fn normalize_qty(market: &crate::market::Market, qty: Qty) -> Result<Qty, Rejection> {
    if qty.units() <= 0 {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityNotPositive));
    }
    if qty > limits::QTY_MAX {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityTooLarge));
    }
    let qty = qty.truncate_to(market.spec.min_qty);
    if qty.is_zero() {
        return Err((RejectReason::IncorrectQuantity, Note::QuantityBelowMinimum));
    }
    Ok(qty)
}

fn check_good_till(tif: Tif, good_till: Option<Timestamp>, now: Timestamp) -> Result<(), Rejection> {
    match (tif, good_till) {
        (Tif::GoodTillDate, None) => Err((RejectReason::ExchangeOption, Note::GoodTillMissing)),
        (Tif::GoodTillDate, Some(at)) if at <= now => Err((RejectReason::ExchangeOption, Note::GoodTillPast)),
        (Tif::GoodTillDate, Some(_)) => Ok(()),
        (_, Some(_)) => Err((RejectReason::ExchangeOption, Note::GoodTillWithoutGtd)),
        (_, None) => Ok(()),
    }
}
