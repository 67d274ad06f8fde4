//! The generator's own naive price-time order book.
//!
//! The stream generator needs to know which orders are still resting (and with what
//! quantity) to emit sensible cancels and modifies. Rather than asking each engine, it
//! replays its own ops into this deliberately simple model, so the op stream is fixed
//! before any engine sees it and is identical for all of them.
//!
//! Semantics are the common exchange ones: price-time priority, trades at the maker's
//! price, one fill per maker order touched, IOC remainders dropped, GTC remainders rest.
//! A modify that changes the price, or raises the quantity, sends the order to the back
//! of its (new) level; a quantity cut at the same price keeps its place in the queue.

use std::collections::VecDeque;

use crate::stream::{Side, Tif};

/// Lowest valid price, in ticks ($0.01).
pub(crate) const MIN_TICK: u32 = 1;
/// Highest valid price, in ticks ($0.99).
pub(crate) const MAX_TICK: u32 = 99;

/// Number of level slots per side (index = tick; slot 0 is never used).
const SLOTS: usize = MAX_TICK as usize + 1;

#[derive(Clone, Copy, Debug)]
struct Resting {
    side: Side,
    price: u32,
    qty: u64,
}

/// A live order as the model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LiveOrder {
    pub(crate) id: u64,
    pub(crate) side: Side,
    pub(crate) price: u32,
    pub(crate) qty: u64,
}

pub(crate) struct Model {
    /// FIFO queue of generator ids per level; index `side_index * SLOTS + tick`.
    levels: Vec<VecDeque<u64>>,
    /// Resting state by generator id (ids are dense from 0); `None` once gone.
    orders: Vec<Option<Resting>>,
    /// Ids of resting orders, for uniform random picks.
    live: Vec<u64>,
    /// `live_slot[id]` is the index of `id` in `live` while it rests.
    live_slot: Vec<usize>,
    /// Maker fills so far: one per resting order matched by an aggressor.
    fills: u64,
}

impl Model {
    pub(crate) fn new() -> Self {
        Self {
            levels: vec![VecDeque::new(); 2 * SLOTS],
            orders: Vec::new(),
            live: Vec::new(),
            live_slot: Vec::new(),
            fills: 0,
        }
    }

    pub(crate) fn live_count(&self) -> usize {
        self.live.len()
    }

    pub(crate) fn fills(&self) -> u64 {
        self.fills
    }

    /// The `index`-th live order (`index < live_count()`); callers pick it at random.
    pub(crate) fn live_order(&self, index: usize) -> LiveOrder {
        let id = self.live[index];
        let r = self.resting(id);
        LiveOrder { id, side: r.side, price: r.price, qty: r.qty }
    }

    /// Best (highest bid / lowest ask) price on `side`, if that side is not empty.
    pub(crate) fn best(&self, side: Side) -> Option<u32> {
        let mut ticks = MIN_TICK..=MAX_TICK;
        let non_empty = |tick: &u32| !self.level(side, *tick).is_empty();
        match side {
            Side::Buy => ticks.rev().find(non_empty),
            Side::Sell => ticks.find(non_empty),
        }
    }

    /// A new order: match against the other side, then rest (GTC) or drop (IOC) the rest.
    pub(crate) fn place(&mut self, id: u64, side: Side, price: u32, qty: u64, tif: Tif) {
        let remaining = self.match_incoming(side, price, qty);
        if remaining > 0 && tif == Tif::Gtc {
            self.rest(id, side, price, remaining);
        }
    }

    /// Remove a resting order. Panics if it is not resting (the generator only cancels
    /// live ids).
    pub(crate) fn cancel(&mut self, id: u64) {
        let r = self.resting(id);
        self.unlink(id, r);
    }

    /// Re-price and/or re-size a resting order (see the module doc for priority rules).
    pub(crate) fn modify(&mut self, id: u64, new_price: u32, new_qty: u64) {
        let r = self.resting(id);
        if new_price != r.price {
            self.unlink(id, r);
            self.place(id, r.side, new_price, new_qty, Tif::Gtc);
            return;
        }
        if new_qty > r.qty {
            let level = self.level_mut(r.side, r.price);
            remove_from_queue(level, id);
            level.push_back(id);
        }
        if let Some(order) = self.orders[slot(id)].as_mut() {
            order.qty = new_qty;
        }
    }

    fn match_incoming(&mut self, side: Side, limit: u32, qty: u64) -> u64 {
        let maker_side = side.opposite();
        let mut remaining = qty;
        while remaining > 0 {
            let Some(best) = self.best(maker_side) else {
                break;
            };
            let crosses = match side {
                Side::Buy => limit >= best,
                Side::Sell => limit <= best,
            };
            if !crosses {
                break;
            }
            while remaining > 0 {
                let Some(&maker) = self.level(maker_side, best).front() else {
                    break;
                };
                let order = self.orders[slot(maker)].as_mut().expect("queued ids are resting");
                let fill = remaining.min(order.qty);
                order.qty -= fill;
                remaining -= fill;
                self.fills += 1;
                if order.qty == 0 {
                    self.level_mut(maker_side, best).pop_front();
                    self.orders[slot(maker)] = None;
                    self.forget_live(maker);
                }
            }
        }
        remaining
    }

    fn rest(&mut self, id: u64, side: Side, price: u32, qty: u64) {
        let index = slot(id);
        if self.orders.len() <= index {
            self.orders.resize(index + 1, None);
            self.live_slot.resize(index + 1, usize::MAX);
        }
        self.orders[index] = Some(Resting { side, price, qty });
        self.live_slot[index] = self.live.len();
        self.live.push(id);
        self.level_mut(side, price).push_back(id);
    }

    fn unlink(&mut self, id: u64, r: Resting) {
        remove_from_queue(self.level_mut(r.side, r.price), id);
        self.orders[slot(id)] = None;
        self.forget_live(id);
    }

    fn forget_live(&mut self, id: u64) {
        let index = self.live_slot[slot(id)];
        self.live.swap_remove(index);
        if let Some(&moved) = self.live.get(index) {
            self.live_slot[slot(moved)] = index;
        }
        self.live_slot[slot(id)] = usize::MAX;
    }

    fn resting(&self, id: u64) -> Resting {
        self.orders.get(slot(id)).copied().flatten().unwrap_or_else(|| panic!("order {id} is not resting in the model"))
    }

    fn level(&self, side: Side, tick: u32) -> &VecDeque<u64> {
        &self.levels[level_index(side, tick)]
    }

    fn level_mut(&mut self, side: Side, tick: u32) -> &mut VecDeque<u64> {
        &mut self.levels[level_index(side, tick)]
    }
}

fn level_index(side: Side, tick: u32) -> usize {
    let side_index = match side {
        Side::Buy => 0,
        Side::Sell => 1,
    };
    side_index * SLOTS + usize::try_from(tick).expect("tick fits in usize")
}

fn slot(id: u64) -> usize {
    usize::try_from(id).expect("generator ids fit in usize")
}

fn remove_from_queue(queue: &mut VecDeque<u64>, id: u64) {
    let position = queue.iter().position(|&queued| queued == id).expect("resting order is queued at its level");
    queue.remove(position);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_order_fills_makers_in_time_priority() {
        let mut m = Model::new();
        m.place(0, Side::Sell, 51, 10, Tif::Gtc);
        m.place(1, Side::Sell, 51, 10, Tif::Gtc);
        m.place(2, Side::Sell, 52, 10, Tif::Gtc);
        m.place(3, Side::Buy, 52, 15, Tif::Gtc);
        assert_eq!(m.fills(), 2);
        assert_eq!(m.live_count(), 2);
        assert_eq!(m.best(Side::Sell), Some(51));
        // Order 1 has 5 left and still heads the 51 level.
        m.place(4, Side::Buy, 51, 5, Tif::Ioc);
        assert_eq!(m.fills(), 3);
        assert_eq!(m.best(Side::Sell), Some(52));
    }

    #[test]
    fn ioc_remainder_does_not_rest() {
        let mut m = Model::new();
        m.place(0, Side::Sell, 51, 10, Tif::Gtc);
        m.place(1, Side::Buy, 51, 30, Tif::Ioc);
        assert_eq!(m.live_count(), 0);
        assert_eq!(m.best(Side::Buy), None);
    }

    #[test]
    fn quantity_cut_keeps_priority_and_increase_loses_it() {
        let mut m = Model::new();
        m.place(0, Side::Buy, 40, 10, Tif::Gtc);
        m.place(1, Side::Buy, 40, 10, Tif::Gtc);
        m.modify(0, 40, 5);
        m.place(2, Side::Sell, 40, 5, Tif::Ioc);
        assert_eq!(m.live_count(), 1, "order 0 (cut to 5) was still first");
        m.place(3, Side::Buy, 40, 10, Tif::Gtc);
        m.modify(1, 40, 20);
        m.place(4, Side::Sell, 40, 10, Tif::Ioc);
        assert_eq!(m.live_count(), 1, "order 3 was filled, not order 1");
        assert_eq!(m.live_order(0).id, 1, "order 1 went behind order 3");
        assert_eq!(m.live_order(0).qty, 20);
    }

    #[test]
    fn cancel_and_reprice_move_the_order() {
        let mut m = Model::new();
        m.place(0, Side::Buy, 40, 10, Tif::Gtc);
        m.place(1, Side::Buy, 45, 10, Tif::Gtc);
        m.cancel(1);
        assert_eq!(m.best(Side::Buy), Some(40));
        m.modify(0, 47, 3);
        assert_eq!(m.best(Side::Buy), Some(47));
        assert_eq!(m.live_order(0).qty, 3);
    }
}
