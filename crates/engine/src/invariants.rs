//! `check_invariants`: the engine's rules restated and checked from scratch. Tests run it
//! after every command; it is O(state), so production does not.

use std::collections::BTreeSet;

use types::{MarketId, PRICE_SCALE, Qty};

use crate::account::{Exposure, OrderReserve};
use crate::book::{Ladder, NIL};
use crate::command::MarketState;
use crate::engine::Engine;
use crate::order::{OrderKind, OrderState};
use crate::trading::order_reserve;

/// A broken invariant: an engine bug.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invariant violated: {0}")]
pub struct InvariantViolation(pub String);

macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(InvariantViolation(format!($($message)+)));
        }
    };
}

impl Engine {
    /// Checks every invariant; `Err` names the first one broken.
    pub fn check_invariants(&self) -> Result<(), InvariantViolation> {
        self.check_ledger()?;
        for market in &self.markets {
            self.check_market(market.id)?;
        }
        let booked: usize =
            self.markets.iter().map(|m| (m.book.bids.orders_count() + m.book.asks.orders_count()) as usize).sum();
        ensure!(booked == self.store.len(), "{booked} orders on books, {} live", self.store.len());
        ensure!(self.touched.is_empty(), "scratch list of traded accounts left non-empty");
        self.check_accounts()?;
        self.check_lookups()?;
        self.check_expiries()
    }

    fn check_lookups(&self) -> Result<(), InvariantViolation> {
        ensure!(self.market_by_slug.len() == self.markets.len(), "slug map and markets differ in size");
        for market in &self.markets {
            ensure!(self.market_id(&market.spec.slug) == Some(market.id), "slug map misses market {}", market.id);
        }
        ensure!(self.account_by_name.len() == self.accounts.len(), "name map and accounts differ in size");
        for account in &self.accounts {
            ensure!(self.account_id(&account.name) == Some(account.id), "name map misses account {}", account.id);
        }
        for at in self.store.live() {
            let id = self.store.get(at).order.id;
            ensure!(id.get() <= self.counters.order, "live order {id} beyond the order counter");
        }
        Ok(())
    }

    fn check_ledger(&self) -> Result<(), InvariantViolation> {
        let fees: i128 = self.states.iter().map(|s| i128::from(s.position.fees.units())).sum();
        ensure!(fees == self.ledger.fees_kept, "positions' fees {fees} != fees kept {}", self.ledger.fees_kept);
        let balances: i128 = self.accounts.iter().map(|a| i128::from(a.cash.units())).sum();
        let net_deposits = self.ledger.deposits - self.ledger.withdrawals;
        ensure!(
            balances + self.ledger.fees_kept == net_deposits,
            "balances {balances} + fees kept {} != deposits - withdrawals {net_deposits}",
            self.ledger.fees_kept
        );
        Ok(())
    }

    fn check_market(&self, id: MarketId) -> Result<(), InvariantViolation> {
        let market = &self.markets[id.get() as usize];
        let mut net_sum = 0i64;
        let mut long_sum = 0i64;
        for account in &self.accounts {
            if let Some(state) = self.state(account.id, id) {
                net_sum += state.position.net.units();
                long_sum += state.position.net.units().max(0);
            }
        }
        ensure!(net_sum == 0, "market {id}: net positions sum to {net_sum}, not 0");
        let closed = matches!(market.state, MarketState::Suspended | MarketState::Expired);
        let booked = market.book.bids.orders_count() + market.book.asks.orders_count();
        ensure!(!closed || booked == 0, "market {id}: {:?} with {booked} resting orders", market.state);
        ensure!(
            market.settlement.is_some() == (market.state == MarketState::Expired),
            "market {id}: settlement value and expired state disagree"
        );
        ensure!(
            market.stats.open_interest == Qty(long_sum),
            "market {id}: open interest {:?} != sum of longs {long_sum}",
            market.stats.open_interest
        );
        self.check_ladder(id, &market.book.bids)?;
        self.check_ladder(id, &market.book.asks)?;
        if let (Some(bid), Some(ask)) = (market.book.bids.best(), market.book.asks.best()) {
            ensure!(bid < ask, "market {id}: crossed book at rest (bid level {bid} >= ask level {ask})");
        }
        Ok(())
    }

    fn check_ladder(&self, id: MarketId, ladder: &Ladder) -> Result<(), InvariantViolation> {
        let market = &self.markets[id.get() as usize];
        let mut best = None;
        for (index, level) in ladder.levels.iter().enumerate() {
            let index = index as u32;
            ensure!(
                ladder.is_marked(index) == (level.count > 0),
                "market {id}: level {index} marked {} with {} orders",
                ladder.is_marked(index),
                level.count
            );
            let mut count = 0u32;
            let mut qty = 0i64;
            let mut previous = NIL;
            let mut at = level.head;
            while at != NIL {
                let slot = self.store.get(at);
                let order = &slot.order;
                ensure!(self.store.find(order.id) == Some(at), "order {} not indexed at its slot", order.id);
                ensure!(slot.prev == previous, "order {}: broken level links", order.id);
                ensure!(slot.level == index, "order {}: level {} but queued at {index}", order.id, slot.level);
                ensure!(order.market == Some(id), "order {} queued in the wrong market", order.id);
                ensure!(
                    self.accounts[order.account.get() as usize].markets.get(id) == Some(slot.state),
                    "order {}: state index is not its account's state in this market",
                    order.id
                );
                ensure!(order.side() == ladder.side, "order {} queued on the wrong side", order.id);
                ensure!(
                    matches!(order.state, OrderState::New | OrderState::PartiallyFilled),
                    "resting order {} in state {:?}",
                    order.id,
                    order.state
                );
                ensure!(order.leaves_qty.is_positive(), "resting order {} has no leaves", order.id);
                ensure!(
                    order.cum_qty.units() + order.leaves_qty.units() == order.qty.units(),
                    "order {}: cum + leaves != qty",
                    order.id
                );
                ensure!(order.kind == OrderKind::Limit && order.tif.rests(), "order {} may not rest", order.id);
                ensure!(order.price == Some(market.price_of(index)), "order {}: price disagrees with level", order.id);
                count += 1;
                qty += order.leaves_qty.units();
                previous = at;
                at = slot.next;
            }
            ensure!(level.tail == previous, "market {id}: level {index} tail is stale");
            ensure!(level.count == count, "market {id}: level {index} counts {} but holds {count}", level.count);
            ensure!(level.qty == Qty(qty), "market {id}: level {index} qty {:?} != leaves {qty}", level.qty);
            if count > 0 && best.is_none_or(|b| !ladder.is_better_or_equal(b, index)) {
                best = Some(index);
            }
        }
        ensure!(ladder.best() == best, "market {id}: best level {:?} should be {best:?}", ladder.best());
        Ok(())
    }

    fn check_accounts(&self) -> Result<(), InvariantViolation> {
        let mut listed = 0usize;
        let dollar = PRICE_SCALE;
        for account in &self.accounts {
            let mut margin = 0i64;
            let mut account_orders = 0usize;
            for (market_id, state) in self.states_of(account.id) {
                let market = &self.markets[market_id.get() as usize];
                let position = &state.position;
                let net = position.net.units();
                if market.state == MarketState::Expired {
                    ensure!(
                        net == 0 && position.expired,
                        "account {}: live position in settled {market_id}",
                        account.id
                    );
                } else {
                    ensure!(
                        position.bought.units() - position.sold.units() == net,
                        "account {} market {market_id}: bought - sold != net",
                        account.id
                    );
                }
                ensure!(
                    position.cost.units().signum() == net.signum(),
                    "account {} market {market_id}: cost basis sign disagrees with the position",
                    account.id
                );
                margin += (-net).max(0) * dollar;
                let mut exposure = Exposure::default();
                let mut count = 0u32;
                let mut previous = NIL;
                let mut at = state.head;
                while at != NIL {
                    let slot = self.store.get(at);
                    let order = &slot.order;
                    ensure!(order.account == account.id, "order {} listed under another account", order.id);
                    ensure!(order.market == Some(market_id), "order {} listed under another market", order.id);
                    ensure!(slot.account_prev == previous, "order {}: broken account links", order.id);
                    let price = order.price.expect("resting limit");
                    let expected: OrderReserve =
                        order_reserve(market.maker_fee_rate(), order.side(), price, order.leaves_qty, &slot.fees);
                    ensure!(slot.reserve() == expected, "order {}: stale reservation", order.id);
                    exposure.add(order.side(), order.intent, slot.reserve());
                    count += 1;
                    previous = at;
                    at = slot.account_next;
                }
                ensure!(state.tail == previous, "account {}: stale order list tail", account.id);
                ensure!(state.orders_count == count, "account {}: order count disagrees", account.id);
                ensure!(state.exposure == exposure, "account {} market {market_id}: exposure disagrees", account.id);
                ensure!(
                    exposure.sell_long <= net.max(0),
                    "account {} market {market_id}: SELL_LONG orders exceed the long",
                    account.id
                );
                ensure!(
                    exposure.sell_short <= (-net).max(0),
                    "account {} market {market_id}: SELL_SHORT orders exceed the short",
                    account.id
                );
                ensure!(
                    state.reservation() <= account.free(),
                    "account {} market {market_id}: reservation {} exceeds free cash {}",
                    account.id,
                    state.reservation(),
                    account.free()
                );
                listed += count as usize;
                account_orders += count as usize;
            }
            ensure!(
                self.resting_count(account.id, None) == account_orders,
                "account {}: order count disagrees",
                account.id
            );
            let several = account.markets.len() > 1;
            ensure!(several || account.orders_count == 0, "account {}: stale order total", account.id);
            ensure!(
                account.markets.iter().all(|(_, at)| self.states[at as usize].others == several),
                "account {}: states disagree on whether it trades several markets",
                account.id
            );
            ensure!(
                account.margin.units() == margin,
                "account {}: margin {:?} != {margin}",
                account.id,
                account.margin
            );
            ensure!(account.free() >= 0, "account {}: negative buying power", account.id);
        }
        ensure!(listed == self.store.len(), "{listed} orders listed under accounts, {} live", self.store.len());
        Ok(())
    }

    fn check_expiries(&self) -> Result<(), InvariantViolation> {
        let expected: BTreeSet<_> = self
            .store
            .live()
            .filter_map(|at| {
                let order = &self.store.get(at).order;
                order.good_till.map(|due| (due, order.id))
            })
            .collect();
        ensure!(expected == self.expiries, "expiry index disagrees with live GTD orders");
        if let Some(&(due, id)) = self.expiries.first() {
            ensure!(due > self.now, "order {id} is past its expiry");
        }
        Ok(())
    }
}
