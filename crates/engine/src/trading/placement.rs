//! Placement: a new order's validation (in the order the module `trading` lists), a market
//! order's plan (slippage bound, dry run over the book, fill-or-kill test), the risk check,
//! rejection, and `preview`, which runs the same validation and changes nothing.

use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Timestamp};

use crate::account::{Exposure, OrderReserve};
use crate::book::NIL;
use crate::command::{MarketState, NewOrder, Size, Slippage};
use crate::engine::{Engine, Reply, Report, limits};
use crate::error::EngineError;
use crate::event::Event;
use crate::fees::FeeCap;
use crate::order::{Order, OrderKind, Side, Tif, Transition, transition};
use crate::reject::{Note, RejectReason};

use super::{Rejection, order_reserve};

/// What a dry run over the opposite side found.
#[derive(Clone, Copy, Debug)]
pub(super) struct Reach {
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
    pub(super) fn reject(&mut self, order: &Order, reason: RejectReason, note: Note, out: &mut Vec<Event>) {
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
    pub(super) fn plan_market(&self, slippage: Option<Slippage>, order: &mut Order) -> Result<Plan, Rejection> {
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
    pub(super) fn fills_entirely(&self, market_id: MarketId, side: Side, reach: &Reach, order: &Order) -> bool {
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
    pub(super) fn reach(
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
    pub(super) fn crosses(&self, market_id: MarketId, side: Side, limit: Option<u32>) -> bool {
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
    pub(super) fn fits(
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
}

/// How an accepted order will trade.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    /// Worst level the order may trade at (`None`: no limit).
    pub(super) limit: Option<u32>,
    /// Level and quantity the risk check used (`None`: no check needed).
    pub(super) risk_level: Option<u32>,
    pub(super) risk_qty: Qty,
    /// The reserve the risk check computed (zero when there was none).
    pub(super) reserve: OrderReserve,
    /// Whether the order fills entirely now, when a market order's dry run already found
    /// out (read only for fill-or-kill); `None` when not yet known.
    pub(super) fills_entirely: Option<bool>,
    /// Whether the order meets the opposite side on arrival (always assumed for a market
    /// order, whose walk finds out).
    pub(super) crosses: bool,
    /// The account's state index in the market, if it has one.
    pub(super) state: Option<u32>,
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

/// What one contract unit of a fill at `px` costs whoever takes `side`: the price for a
/// buyer of YES, its complement for a seller of YES (a buyer of NO).
fn unit_cost(side: Side, px: i128) -> i128 {
    match side {
        Side::Buy => px,
        Side::Sell => i128::from(Price::ONE.units()) - px,
    }
}

fn slippage_is_bounded(slippage: Option<Slippage>) -> bool {
    slippage.is_some_and(|s| s.ticks.is_some_and(|t| t > 0) || s.bips.is_some_and(|b| b > 0))
}

pub(super) fn normalize_price(market: &crate::market::Market, price: Price) -> Result<Price, Rejection> {
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

pub(super) fn normalize_qty(market: &crate::market::Market, qty: Qty) -> Result<Qty, Rejection> {
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

pub(super) fn check_good_till(tif: Tif, good_till: Option<Timestamp>, now: Timestamp) -> Result<(), Rejection> {
    match (tif, good_till) {
        (Tif::GoodTillDate, None) => Err((RejectReason::ExchangeOption, Note::GoodTillMissing)),
        (Tif::GoodTillDate, Some(at)) if at <= now => Err((RejectReason::ExchangeOption, Note::GoodTillPast)),
        (Tif::GoodTillDate, Some(_)) => Ok(()),
        (_, Some(_)) => Err((RejectReason::ExchangeOption, Note::GoodTillWithoutGtd)),
        (_, None) => Ok(()),
    }
}
