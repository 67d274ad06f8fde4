//! Resting orders: placing one in its book and its account's list, taking it out, ending it
//! (cancel, expiry, unsolicited cancels), cancels and cancel-all, and modify (which keeps
//! time priority for a quantity decrease or a tif or good-till change and loses it
//! otherwise).

use types::{AccountId, MarketId, OrderId, Price, Qty, Timestamp};

use crate::account::OrderReserve;
use crate::book::{NIL, Slot};
use crate::command::{MarketState, Modify};
use crate::engine::{Engine, Reply, Report, push_execution};
use crate::error::EngineError;
use crate::event::{Event, ExecKind};
use crate::fees::FeeCap;
use crate::order::{Order, Tif, Transition, transition};
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

use super::placement::{check_good_till, normalize_price, normalize_qty};
use super::{Rejection, order_reserve};

impl Engine {
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
    pub(super) fn rest_at(
        &mut self,
        order: &Order,
        fees: FeeCap,
        state: Option<u32>,
        level: u32,
        reserve: OrderReserve,
    ) {
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
