//! Accounts, their per-market state, and the risk rule of full collateralization.
//!
//! Cash (`currentBalance`) moves with every trade: a buy pays `p`, a sale receives `p`.
//! A short posts $1 of margin per contract (`marginRequirement`), so shorts are fully
//! collateralized. `free = cash - margin` is what is left to fund orders.
//!
//! Open orders are reserved per market at their worst case (SEMANTICS §4): the larger of the
//! buying-power loss if every bid filled and the loss if every offer filled. With `B`, `A` the
//! bid and offer quantities, `L`, `S` the long and short, and fee bounds `F`:
//!
//! ```text
//! loss_bids   = sum(p q) + F_bids - $1 x min(B, S)        (buying back a short frees margin)
//! loss_offers = $1 x max(0, A - L) + F_offers - sum(p q)  (selling a long needs no margin)
//! reservation = max(0, loss_bids, loss_offers)
//! ```
//!
//! Both losses are exact buying-power changes, and any subset of one side's orders loses no
//! more than all of them, so every fill stays within what was reserved. An order is accepted
//! when its market's reservation, with the order included, is at most `free`; other markets'
//! orders are ignored (per-instrument risk). After fills, orders that are no longer funded are
//! canceled, newest first.

use types::{AccountId, Cash, MarketId, PRICE_SCALE, Qty};

use crate::book::NIL;
use crate::order::{Intent, Side};
use crate::position::Position;

/// An account.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: AccountId,
    pub name: Box<str>,
    /// `currentBalance`.
    pub cash: Cash,
    /// `marginRequirement`: $1 per short contract, over all markets.
    pub margin: Cash,
    /// Live orders over all markets (bounded by `limits::OPEN_ORDERS_MAX`).
    pub(crate) orders_count: usize,
    pub(crate) markets: MarketMap,
}

impl Account {
    pub(crate) fn new(id: AccountId, name: Box<str>) -> Account {
        Account { id, name, cash: Cash::ZERO, margin: Cash::ZERO, orders_count: 0, markets: MarketMap::default() }
    }

    /// Cash not needed as margin: what funds new orders.
    pub fn free(&self) -> i128 {
        i128::from(self.cash.units()) - i128::from(self.margin.units())
    }
}

/// Where an account's per-market states live: market id -> index into `Engine::states`,
/// sorted by market id. Accounts trade in few markets, so a sorted vector beats a tree, and
/// iteration order is deterministic. States never move once created, so resting orders keep
/// their state's index (`Slot::state`) and reach it without a lookup.
#[derive(Clone, Debug, Default)]
pub(crate) struct MarketMap {
    entries: Vec<(MarketId, u32)>,
}

impl MarketMap {
    /// A map over `entries`, which must be sorted by market id without repeats.
    pub(crate) fn from_entries(entries: Vec<(MarketId, u32)>) -> MarketMap {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        MarketMap { entries }
    }

    pub(crate) fn get(&self, market: MarketId) -> Option<u32> {
        let at = self.entries.binary_search_by_key(&market, |(id, _)| *id).ok()?;
        Some(self.entries[at].1)
    }

    /// Records `index` as the state of `market` (which must be new to this account).
    pub(crate) fn insert(&mut self, market: MarketId, index: u32) {
        let at = self.entries.binary_search_by_key(&market, |(id, _)| *id).expect_err("state exists");
        self.entries.insert(at, (market, index));
    }

    /// Number of markets the account has state in.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The state index of the market of `rank` in ascending market id.
    pub(crate) fn index_at(&self, rank: usize) -> u32 {
        self.entries[rank].1
    }

    /// `(market, state index)` in ascending market id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (MarketId, u32)> + '_ {
        self.entries.iter().copied()
    }
}

/// What one order contributes to its side's exposure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OrderReserve {
    pub(crate) qty: i64,
    pub(crate) notional: i64,
    pub(crate) fee: i64,
}

/// Totals of one side's open orders. Sums of many orders are kept in `i128`: a single
/// order's figures fit `i64`, their sum need not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SideTotals {
    pub(crate) qty: i128,
    pub(crate) notional: i128,
    pub(crate) fee: i128,
}

/// Aggregates of an account's open orders in one market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Exposure {
    pub(crate) bids: SideTotals,
    pub(crate) offers: SideTotals,
    /// Leaves of resting SELL_LONG orders.
    pub(crate) sell_long: i64,
    /// Leaves of resting SELL_SHORT orders.
    pub(crate) sell_short: i64,
}

impl Exposure {
    pub(crate) fn add(&mut self, side: Side, intent: Intent, reserve: OrderReserve) {
        let total = match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.offers,
        };
        total.qty += i128::from(reserve.qty);
        total.notional += i128::from(reserve.notional);
        total.fee += i128::from(reserve.fee);
        match intent {
            Intent::SellLong => self.sell_long += reserve.qty,
            Intent::SellShort => self.sell_short += reserve.qty,
            Intent::BuyLong | Intent::BuyShort => {}
        }
    }

    pub(crate) fn remove(&mut self, side: Side, intent: Intent, reserve: OrderReserve) {
        let negated = OrderReserve { qty: -reserve.qty, notional: -reserve.notional, fee: -reserve.fee };
        self.add(side, intent, negated);
    }

    /// The reservation once `add` joins `side` (replacing `replaced`, of the same side, if
    /// any): the risk check of a new or modified order, without touching `self`.
    pub(crate) fn reservation_after(
        &self,
        net: Qty,
        side: Side,
        add: OrderReserve,
        replaced: Option<OrderReserve>,
    ) -> i128 {
        let change = |totals: SideTotals| {
            let replaced = replaced.unwrap_or_default();
            SideTotals {
                qty: totals.qty + i128::from(add.qty - replaced.qty),
                notional: totals.notional + i128::from(add.notional - replaced.notional),
                fee: totals.fee + i128::from(add.fee - replaced.fee),
            }
        };
        match side {
            Side::Buy => reservation_of(&change(self.bids), &self.offers, net),
            Side::Sell => reservation_of(&self.bids, &change(self.offers), net),
        }
    }

    /// The worst-case buying-power loss of these orders given net position `net`.
    pub(crate) fn reservation(&self, net: Qty) -> i128 {
        reservation_of(&self.bids, &self.offers, net)
    }
}

/// The reservation formula of the module doc, for side totals `bids` and `offers`.
fn reservation_of(bids: &SideTotals, offers: &SideTotals, net: Qty) -> i128 {
    let dollar = i128::from(PRICE_SCALE);
    let long = i128::from(net.units().max(0));
    let short = i128::from((-net.units()).max(0));
    let loss_bids = bids.notional + bids.fee - dollar * bids.qty.min(short);
    let loss_offers = dollar * (offers.qty - long).max(0) + offers.fee - offers.notional;
    loss_bids.max(loss_offers).max(0)
}

/// An account's state in one market.
#[derive(Clone, Debug)]
pub(crate) struct AccountMarket {
    pub(crate) position: Position,
    pub(crate) exposure: Exposure,
    /// Oldest and newest of the account's live orders here (intrusive list through slots).
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) orders_count: u32,
}

impl Default for AccountMarket {
    fn default() -> AccountMarket {
        AccountMarket {
            position: Position::default(),
            exposure: Exposure::default(),
            head: NIL,
            tail: NIL,
            orders_count: 0,
        }
    }
}

impl AccountMarket {
    pub(crate) fn reservation(&self) -> i128 {
        self.exposure.reservation(self.position.net)
    }

    /// Quantity of the position not yet committed to resting reducing orders.
    pub(crate) fn available_to_close(&self, intent: Intent) -> i64 {
        let net = self.position.net.units();
        match intent {
            Intent::SellLong => net.max(0) - self.exposure.sell_long,
            Intent::SellShort => (-net).max(0) - self.exposure.sell_short,
            Intent::BuyLong | Intent::BuyShort => i64::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOLLAR: i128 = 100_000_000;

    #[test]
    fn totals_of_many_maximal_orders_do_not_overflow() {
        // Each order's figures fit i64; twenty of them at the largest quantity do not.
        let qty = crate::engine::limits::QTY_MAX.units();
        let reserve = OrderReserve { qty, notional: qty * 9_900, fee: 0 };
        let mut exposure = Exposure::default();
        for _ in 0..20 {
            exposure.add(Side::Sell, Intent::BuyShort, reserve);
        }
        let expected = 20 * i128::from(qty) * i128::from(PRICE_SCALE - 9_900);
        assert_eq!(exposure.reservation(Qty::ZERO), expected);
    }

    #[test]
    fn single_orders() {
        let mut exposure = Exposure::default();
        // Bid 10 at 0.40: reserves $4.
        exposure.add(Side::Buy, Intent::BuyLong, OrderReserve { qty: 100_000, notional: 400_000_000, fee: 0 });
        assert_eq!(exposure.reservation(Qty::ZERO), 4 * DOLLAR);
        // An offer of 10 at 0.70 with no position costs (1 - 0.70) x 10 = $3: the max stays $4.
        exposure.add(Side::Sell, Intent::BuyShort, OrderReserve { qty: 100_000, notional: 700_000_000, fee: 0 });
        assert_eq!(exposure.reservation(Qty::ZERO), 4 * DOLLAR);
        // Long 10: the offer now closes the long and costs nothing.
        assert_eq!(exposure.reservation(Qty(100_000)), 4 * DOLLAR);
        // Short 10: the bid buys it back and frees margin: loss 4 - 10 < 0; offers cost 3.
        assert_eq!(exposure.reservation(Qty(-100_000)), 3 * DOLLAR);
    }
}
