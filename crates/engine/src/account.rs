//! Accounts, their per-market state, and the risk rule of full collateralization.
//!
//! Cash (`currentBalance`) moves with every trade: a buy pays `p`, a sale receives `p`.
//! A short posts $1 of margin per contract (`marginRequirement`), so shorts are fully
//! collateralized. `free = cash - margin` is what is left to fund orders.
//!
//! Open orders are reserved per market at their worst case (docs/trading.md §4): the larger of the
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

use crate::book::{NIL, Slot};
use crate::order::{Intent, Side};
use crate::position::Position;

/// An account.
///
/// Laid out (C order, cache-line aligned) so that what every order reads (cash, margin, the
/// order count and the inline state entry) shares one cache line.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct Account {
    /// `currentBalance`.
    pub cash: Cash,
    /// `marginRequirement`: $1 per short contract, over all markets.
    pub margin: Cash,
    /// Live orders over all markets (bounded by `limits::OPEN_ORDERS_MAX`), kept only while
    /// the account has state in more than one market (`AccountMarket::others`) and zero
    /// otherwise: with one, that state's count is the total. Read it through
    /// `Engine::resting_count`.
    pub(crate) orders_count: usize,
    pub(crate) markets: MarketMap,
    pub id: AccountId,
    pub name: Box<str>,
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
/// iteration order is deterministic. The entry of the lowest market id is kept inline: an
/// account trading one market finds its state without following a pointer to the heap (a
/// likely cache miss on every order). States never move once created, so resting orders keep
/// their state's index (`Slot::state`) and reach it without a lookup.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub(crate) struct MarketMap {
    /// The entry of the lowest market id, if any.
    first: Option<(MarketId, u32)>,
    /// The other entries, ascending.
    rest: Vec<(MarketId, u32)>,
}

impl MarketMap {
    /// A map over `entries`, which must be sorted by market id without repeats.
    pub(crate) fn from_entries(entries: Vec<(MarketId, u32)>) -> MarketMap {
        debug_assert!(entries.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let mut entries = entries.into_iter();
        MarketMap { first: entries.next(), rest: entries.collect() }
    }

    #[inline]
    pub(crate) fn get(&self, market: MarketId) -> Option<u32> {
        let (first, index) = self.first?;
        if first == market {
            return Some(index);
        }
        if market < first {
            return None;
        }
        let at = self.rest.binary_search_by_key(&market, |(id, _)| *id).ok()?;
        Some(self.rest[at].1)
    }

    /// Records `index` as the state of `market` (which must be new to this account).
    pub(crate) fn insert(&mut self, market: MarketId, index: u32) {
        match self.first {
            None => self.first = Some((market, index)),
            Some(first) if market < first.0 => {
                self.rest.insert(0, first);
                self.first = Some((market, index));
            }
            Some(first) => {
                debug_assert!(market != first.0, "state exists");
                let at = self.rest.binary_search_by_key(&market, |(id, _)| *id).expect_err("state exists");
                self.rest.insert(at, (market, index));
            }
        }
    }

    /// The state index when the account has state in exactly one market.
    #[inline]
    pub(crate) fn only(&self) -> Option<u32> {
        match (self.first, self.rest.is_empty()) {
            (Some((_, index)), true) => Some(index),
            _ => None,
        }
    }

    /// Number of markets the account has state in.
    pub(crate) fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    /// The state index of the market of `rank` in ascending market id.
    pub(crate) fn index_at(&self, rank: usize) -> u32 {
        match (rank, self.first) {
            (0, Some((_, index))) => index,
            _ => self.rest[rank - 1].1,
        }
    }

    /// Whether `test` holds for every state index (in ascending market id), stopping at the
    /// first that fails. The common one-market case tests the inline entry only.
    #[inline(always)]
    pub(crate) fn all(&self, mut test: impl FnMut(u32) -> bool) -> bool {
        let Some((_, first)) = self.first else { return true };
        test(first) && self.rest.iter().all(|&(_, index)| test(index))
    }

    /// `(market, state index)` in ascending market id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (MarketId, u32)> + '_ {
        self.first.into_iter().chain(self.rest.iter().copied())
    }
}

/// What one order contributes to its side's exposure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OrderReserve {
    pub(crate) qty: i64,
    pub(crate) notional: i64,
    pub(crate) fee: i64,
}

/// Totals of one side's open orders, in `i64` so that an account's state in a market fits
/// two cache lines. Every figure stays within `limits::OPEN_SIDE_MAX` (2^62): an order that
/// would take a total past it is refused (`reservation_after` returns `None`; such an order
/// is unfunded anyway), and a fill only lowers them. The headroom to `i64::MAX` covers the
/// cent a fee bound can move by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SideTotals {
    pub(crate) qty: i64,
    pub(crate) notional: i64,
    pub(crate) fee: i64,
}

impl SideTotals {
    /// These totals changed by `delta` (an order's figures less those it replaces), if every
    /// figure stays within `OPEN_SIDE_MAX`. A single order's figures are below 2^60, so
    /// nothing overflows.
    fn changed(self, delta: OrderReserve) -> Option<SideTotals> {
        let changed = SideTotals {
            qty: self.qty + delta.qty,
            notional: self.notional + delta.notional,
            fee: self.fee + delta.fee,
        };
        let max = crate::engine::limits::OPEN_SIDE_MAX;
        (changed.qty <= max && changed.notional <= max && changed.fee <= max).then_some(changed)
    }
}

/// Aggregates of an account's open orders in one market. In C order: the side totals,
/// which every order touches, first (see `AccountMarket`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
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
        total.qty += reserve.qty;
        total.notional += reserve.notional;
        total.fee += reserve.fee;
        match intent {
            Intent::SellLong => self.sell_long += reserve.qty,
            Intent::SellShort => self.sell_short += reserve.qty,
            Intent::BuyLong | Intent::BuyShort => {}
        }
    }

    /// Replaces an order's contribution `old` by `new` (a fill or a modify), in one pass.
    #[inline(always)]
    pub(crate) fn replace(&mut self, side: Side, intent: Intent, old: OrderReserve, new: OrderReserve) {
        let delta =
            OrderReserve { qty: new.qty - old.qty, notional: new.notional - old.notional, fee: new.fee - old.fee };
        self.add(side, intent, delta);
    }

    pub(crate) fn remove(&mut self, side: Side, intent: Intent, reserve: OrderReserve) {
        let negated = OrderReserve { qty: -reserve.qty, notional: -reserve.notional, fee: -reserve.fee };
        self.add(side, intent, negated);
    }

    /// The reservation once `add` joins `side` (replacing `replaced`, of the same side; zero
    /// for none): the risk check of a new or modified order, without touching `self`. `None`
    /// when the side's totals would pass `limits::OPEN_SIDE_MAX`.
    #[inline(always)]
    pub(crate) fn reservation_after(
        &self,
        net: Qty,
        side: Side,
        add: OrderReserve,
        replaced: OrderReserve,
    ) -> Option<i128> {
        let delta = OrderReserve {
            qty: add.qty - replaced.qty,
            notional: add.notional - replaced.notional,
            fee: add.fee - replaced.fee,
        };
        let (bids, offers) = match side {
            Side::Buy => (self.bids.changed(delta)?, self.offers),
            Side::Sell => (self.bids, self.offers.changed(delta)?),
        };
        Some(reservation_of(&bids, &offers, net))
    }

    /// The worst-case buying-power loss of these orders given net position `net`.
    pub(crate) fn reservation(&self, net: Qty) -> i128 {
        reservation_of(&self.bids, &self.offers, net)
    }
}

/// The reservation formula of the module doc, for side totals `bids` and `offers`. Side
/// totals reach 2^62 and a dollar per contract of that does not fit `i64`, so the formula is
/// exact in `i128`; it is computed in `i64` first (real accounts are far from the limits) and
/// again in `i128` only when a step overflows.
#[inline(always)]
fn reservation_of(bids: &SideTotals, offers: &SideTotals, net: Qty) -> i128 {
    match reservation_of_64(bids, offers, net) {
        Some(reservation) => i128::from(reservation),
        None => reservation_of_128(bids, offers, net),
    }
}

/// The formula in `i64`; `None` on overflow.
#[inline(always)]
fn reservation_of_64(bids: &SideTotals, offers: &SideTotals, net: Qty) -> Option<i64> {
    let dollar = PRICE_SCALE;
    let long = net.units().max(0);
    let short = net.units().checked_neg()?.max(0);
    let covered = dollar.checked_mul(bids.qty.min(short))?;
    let loss_bids = bids.notional.checked_add(bids.fee)?.checked_sub(covered)?;
    let uncovered = dollar.checked_mul(offers.qty.checked_sub(long)?.max(0))?;
    let loss_offers = uncovered.checked_add(offers.fee)?.checked_sub(offers.notional)?;
    Some(loss_bids.max(loss_offers).max(0))
}

/// The formula in `i128`, where nothing overflows.
#[cold]
#[inline(never)]
fn reservation_of_128(bids: &SideTotals, offers: &SideTotals, net: Qty) -> i128 {
    let dollar = i128::from(PRICE_SCALE);
    let long = i128::from(net.units()).max(0);
    let short = (-i128::from(net.units())).max(0);
    let loss_bids = i128::from(bids.notional) + i128::from(bids.fee) - dollar * i128::from(bids.qty).min(short);
    let loss_offers =
        dollar * (i128::from(offers.qty) - long).max(0) + i128::from(offers.fee) - i128::from(offers.notional);
    loss_bids.max(loss_offers).max(0)
}

/// An account's state in one market.
///
/// Cache-line aligned: resting or removing a buying order touches the first line only (list
/// ends, count, side totals); the risk check adds the second (reducing totals, net position).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub(crate) struct AccountMarket {
    /// Oldest and newest of the account's live orders here (intrusive list through slots).
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) orders_count: u32,
    /// The account has state in other markets too, so resting and removing orders here
    /// also count them in `Account::orders_count`.
    pub(crate) others: bool,
    pub(crate) exposure: Exposure,
    pub(crate) position: Position,
}

// The list ends, the count and both side totals share the first cache line.
const _: () = assert!(std::mem::offset_of!(AccountMarket, exposure) + std::mem::offset_of!(Exposure, sell_long) == 64);

impl Default for AccountMarket {
    fn default() -> AccountMarket {
        AccountMarket {
            position: Position::default(),
            exposure: Exposure::default(),
            head: NIL,
            tail: NIL,
            orders_count: 0,
            others: false,
        }
    }
}

impl AccountMarket {
    /// Links the order at `at` as the newest of the account's orders here.
    #[inline(always)]
    pub(crate) fn push_newest(&mut self, slots: &mut [Slot], at: u32) {
        let tail = std::mem::replace(&mut self.tail, at);
        if tail == NIL {
            self.head = at;
        } else {
            slots[tail as usize].account_next = at;
        }
        let slot = &mut slots[at as usize];
        slot.account_prev = tail;
        slot.account_next = NIL;
    }

    /// Unlinks the order at `at` from the account's orders here.
    #[inline(always)]
    pub(crate) fn unlink(&mut self, slots: &mut [Slot], at: u32) {
        let slot = &slots[at as usize];
        let (prev, next) = (slot.account_prev, slot.account_next);
        if prev == NIL {
            self.head = next;
        } else {
            slots[prev as usize].account_next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            slots[next as usize].account_prev = prev;
        }
    }

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
    fn side_totals_stop_at_the_limit() {
        // Offers of the largest quantity at $0.999 (figures the engine's price bounds never
        // allow): each adds nearly 10^18 of notional, so the fifth would pass 2^62.
        let qty = crate::engine::limits::QTY_MAX.units();
        let reserve = OrderReserve { qty, notional: qty * 9_990, fee: 0 };
        let mut exposure = Exposure::default();
        for _ in 0..4 {
            assert!(exposure.reservation_after(Qty::ZERO, Side::Sell, reserve, OrderReserve::default()).is_some());
            exposure.add(Side::Sell, Intent::BuyShort, reserve);
        }
        assert_eq!(exposure.reservation_after(Qty::ZERO, Side::Sell, reserve, OrderReserve::default()), None);
        // Replacing one of them by an equal order stays within the limit; the bids are apart.
        assert!(exposure.reservation_after(Qty::ZERO, Side::Sell, reserve, reserve).is_some());
        assert!(exposure.reservation_after(Qty::ZERO, Side::Buy, reserve, OrderReserve::default()).is_some());
        let expected = 4 * i128::from(qty) * i128::from(PRICE_SCALE - 9_990);
        assert_eq!(exposure.reservation(Qty::ZERO), expected);
    }

    #[test]
    fn the_64_bit_formula_agrees_with_the_128_bit_one_or_defers_to_it() {
        // Figures at, near and far from the limits, in every combination of a few.
        let max = crate::engine::limits::OPEN_SIDE_MAX;
        let figures = [0, 1, 9_999, 10_000, 123_456_789, 1 << 40, (1 << 59) + 7, max / 10_000 + 1, max - 1, max];
        let nets = [0, 1, -1, 5_000_000, -5_000_000, 1 << 50, -(1 << 50), i64::MAX, i64::MIN, i64::MIN + 1];
        let mut deferred = 0;
        for (i, &a) in figures.iter().enumerate() {
            for (j, &b) in figures.iter().enumerate() {
                let bids = SideTotals { qty: a, notional: b, fee: figures[(i + j) % figures.len()] };
                let offers = SideTotals { qty: b, notional: figures[(i * 3 + j) % figures.len()], fee: a };
                for net in nets {
                    let exact = reservation_of_128(&bids, &offers, Qty(net));
                    match reservation_of_64(&bids, &offers, Qty(net)) {
                        Some(fast) => assert_eq!(i128::from(fast), exact, "{bids:?} {offers:?} {net}"),
                        None => deferred += 1,
                    }
                    assert_eq!(reservation_of(&bids, &offers, Qty(net)), exact);
                }
            }
        }
        // The extremes do overflow 64 bits, so the fallback is exercised.
        assert!(deferred > 0);
    }

    #[test]
    fn a_change_lands_on_its_own_side_only() {
        let mut exposure = Exposure::default();
        exposure.add(Side::Buy, Intent::BuyLong, OrderReserve { qty: 100_000, notional: 400_000_000, fee: 7 });
        let add = OrderReserve { qty: 50_000, notional: 300_000_000, fee: 3 };
        let replaced = OrderReserve { qty: 20_000, notional: 100_000_000, fee: 1 };
        for side in [Side::Buy, Side::Sell] {
            let mut expected = exposure;
            expected.remove(side, Intent::BuyShort, replaced);
            expected.add(side, Intent::BuyShort, add);
            for net in [Qty::ZERO, Qty(70_000), Qty(-70_000)] {
                assert_eq!(exposure.reservation_after(net, side, add, replaced), Some(expected.reservation(net)));
            }
        }
    }

    #[test]
    fn market_map_keeps_ascending_order_with_the_lowest_inline() {
        let mut map = MarketMap::default();
        assert_eq!((map.len(), map.get(MarketId(3))), (0, None));
        for (market, index) in [(5, 0), (2, 1), (9, 2), (7, 3), (1, 4)] {
            map.insert(MarketId(market), index);
        }
        let entries: Vec<(u32, u32)> = map.iter().map(|(m, i)| (m.get(), i)).collect();
        assert_eq!(entries, [(1, 4), (2, 1), (5, 0), (7, 3), (9, 2)]);
        assert_eq!(map.len(), 5);
        assert_eq!((0..5).map(|rank| map.index_at(rank)).collect::<Vec<_>>(), [4, 1, 0, 3, 2]);
        for (market, index) in entries {
            assert_eq!(map.get(MarketId(market)), Some(index));
        }
        assert_eq!((map.get(MarketId(0)), map.get(MarketId(6)), map.get(MarketId(10))), (None, None, None));
        let rebuilt = MarketMap::from_entries(map.iter().collect());
        assert!(rebuilt.iter().eq(map.iter()));
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
