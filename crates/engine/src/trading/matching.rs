//! Acceptance and matching: an accepted order's `NEW`, its walk over the opposite side in
//! price-time order with self-trade prevention, each fill (both sides' positions, cash,
//! margin, fees, open interest and statistics, and their events), and the end of an incoming
//! order that may not rest.

use types::{AccountId, Cash, MarketId, Price, Qty, Timestamp};

use crate::account::OrderReserve;
use crate::engine::{Engine, Report, push_execution};
use crate::event::{Event, ExecKind, FillInfo, LedgerCause, Trade, TradeSide, emit};
use crate::fees::FeeCap;
use crate::market::MarketStats;
use crate::order::{Order, OrderKind, Side, Tif, Transition, transition};
use crate::reject::Note;

use super::order_reserve;
use super::placement::Plan;

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

impl Engine {
    // ----- acceptance and matching -----

    #[inline(always)]
    pub(super) fn accept(&mut self, order: &mut Order, plan: Plan, out: &mut Vec<Event>) {
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
    pub(super) fn trade_incoming(
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

fn apply_fill_to_order(order: &mut Order, qty: Qty, notional: Cash, fee: Cash) {
    order.cum_qty = Qty(order.cum_qty.units() + qty.units());
    order.leaves_qty = Qty(order.leaves_qty.units() - qty.units());
    let complete = order.leaves_qty.is_zero();
    order.state = transition(Some(order.state), Transition::Fill { complete }, true).expect("live order fills");
    order.notional_filled = Cash(order.notional_filled.units() + notional.units());
    order.fees_total = Cash(order.fees_total.units() + fee.units());
}

fn short_dollars(net: Qty) -> i64 {
    (-net.units()).max(0) * i64::from(Price::ONE.units())
}
