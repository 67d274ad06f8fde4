//! The benchmark's op stream: one fixed, seeded sequence of order operations for a
//! single binary-outcome market, generated once and replayed against every engine.
//!
//! Prices are integer ticks `1..=99` ($0.01..$0.99, tick $0.01); quantities are whole
//! contracts `1..=100`. The stream has two parts:
//!
//! - **warm-up** (untimed): `warmup_orders` resting GTC limits, alternating sides, bids
//!   at or below 49 and asks at or above 51, denser near the mid of 50;
//! - **measured**: `measured_ops` ops drawn from the mix below.
//!
//! | op | nominal share | what it is |
//! |----|---------------|------------|
//! | rest | 45% | GTC limit that does not cross; rests on the book |
//! | cancel | 25% | cancel of a uniformly random resting order |
//! | modify | 20% | of a random resting order: 70% move to a new price (keeping or changing the size), 30% change the size in place |
//! | IOC | 6% | limit IOC at or one tick either side of the far touch; trades or dies |
//! | cross | 4% | GTC limit 0..=2 ticks through the far touch; trades, any remainder rests |
//!
//! Placements add about 0.45 orders per op and cancels and fills remove less than that,
//! so a fixed mix would grow the book without bound. To keep the resting book near
//! `target_resting` orders, the generator shifts weight between "rest" and "cancel" by one
//! per mille for every order the book is above (or below) target, at most 30 percentage
//! points. The realised mix is reported in [`Mix`] and printed by the binary; for the
//! standard stream it settles at about 38% rest and 32% cancel, with roughly 1,070 orders
//! resting.
//!
//! The generator knows which ids are live (and their remaining size) from its own naive
//! book, [`crate::model::Model`], fed with the very ops it emits; no engine feedback is
//! involved, so every engine gets identical input. Modifies never cross the spread.

use crate::model::{MAX_TICK, MIN_TICK, Model};
use crate::rng::SplitMix64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Buy,
    Sell,
}

impl Side {
    pub(crate) const fn opposite(self) -> Self {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tif {
    /// Good 'til cancelled: any unfilled remainder rests.
    Gtc,
    /// Immediate or cancel: any unfilled remainder is dropped.
    Ioc,
}

/// One operation. `id`s are assigned by the generator, densely from 0, one per `Place`;
/// `Cancel` and `Modify` only ever name an order that is resting at that point (per the
/// generator's model). Adapters map generator ids to their engine's ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Place {
        id: u64,
        account: u32,
        side: Side,
        price_ticks: u32,
        qty: u64,
        tif: Tif,
    },
    Cancel {
        id: u64,
    },
    /// Change a resting order's price and/or remaining quantity (never both unchanged).
    Modify {
        id: u64,
        new_price_ticks: u32,
        new_qty: u64,
    },
}

/// Shape of a stream.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamConfig {
    pub(crate) seed: u64,
    pub(crate) accounts: u32,
    pub(crate) warmup_orders: usize,
    pub(crate) measured_ops: usize,
    pub(crate) target_resting: usize,
}

impl StreamConfig {
    /// The stream `engine-bench` runs.
    pub(crate) const STANDARD: Self = Self {
        seed: 0x706D_785F_6265_6E63, // "pmx_benc"
        accounts: 1_000,
        warmup_orders: 1_000,
        measured_ops: 2_000_000,
        target_resting: 1_000,
    };
}

/// Counts of what the measured part actually contains.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mix {
    pub(crate) rest: u64,
    pub(crate) cancel: u64,
    /// Modifies that change the price (the size may change too).
    pub(crate) modify_move: u64,
    /// Modifies that raise the size at the same price (priority lost).
    pub(crate) modify_up: u64,
    /// Modifies that cut the size at the same price (priority kept).
    pub(crate) modify_down: u64,
    pub(crate) ioc: u64,
    pub(crate) cross: u64,
}

impl Mix {
    pub(crate) const fn modify(&self) -> u64 {
        self.modify_move + self.modify_up + self.modify_down
    }
}

pub(crate) struct Stream {
    pub(crate) warmup: Vec<Op>,
    pub(crate) measured: Vec<Op>,
    /// Generator ids are `0..id_count`.
    pub(crate) id_count: usize,
    pub(crate) mix: Mix,
    /// Maker fills the generator's model saw over the whole stream.
    pub(crate) model_fills: u64,
    /// Orders resting in the generator's model at the end.
    pub(crate) model_resting: usize,
}

/// The mid the resting-price distribution is centred on.
const MID: u32 = 50;
/// Largest order size, in contracts.
const MAX_QTY: u64 = 100;

// Nominal mix, per mille, when the book is at its target size.
const W_REST: i64 = 450;
const W_CANCEL: i64 = 250;
const W_MODIFY: i64 = 200;
const W_IOC: i64 = 60;
/// The remaining 40 per mille are crossing GTC orders.
const W_TOTAL: u64 = 1000;
/// Cap on the rest-to-cancel weight shift, per mille.
const MAX_SHIFT: i64 = 300;

pub(crate) fn generate(config: &StreamConfig) -> Stream {
    let mut g = Generator {
        rng: SplitMix64::new(config.seed),
        model: Model::new(),
        next_id: 0,
        accounts: u64::from(config.accounts),
        mix: Mix::default(),
    };

    let warmup = (0..config.warmup_orders)
        .map(|i| {
            let side = if i % 2 == 0 { Side::Buy } else { Side::Sell };
            g.rest(side)
        })
        .collect();
    g.mix = Mix::default();

    let target = i64::try_from(config.target_resting).expect("target fits in i64");
    let measured = (0..config.measured_ops).map(|_| g.next_op(target)).collect();

    Stream {
        warmup,
        measured,
        id_count: usize::try_from(g.next_id).expect("id count fits in usize"),
        mix: g.mix,
        model_fills: g.model.fills(),
        model_resting: g.model.live_count(),
    }
}

struct Generator {
    rng: SplitMix64,
    model: Model,
    next_id: u64,
    accounts: u64,
    mix: Mix,
}

impl Generator {
    fn next_op(&mut self, target: i64) -> Op {
        let live = i64::try_from(self.model.live_count()).expect("book size fits in i64");
        let shift = (live - target).clamp(-MAX_SHIFT, MAX_SHIFT);
        let draw = i64::try_from(self.rng.below(W_TOTAL)).expect("draw below 1000");

        let mut edge = W_REST - shift;
        if draw < edge {
            return self.rest_random_side();
        }
        edge += W_CANCEL + shift;
        if draw < edge {
            return if live > 0 { self.cancel() } else { self.rest_random_side() };
        }
        edge += W_MODIFY;
        if draw < edge {
            return if live > 0 { self.modify() } else { self.rest_random_side() };
        }
        edge += W_IOC;
        if draw < edge {
            return self.ioc();
        }
        self.cross()
    }

    fn side(&mut self) -> Side {
        if self.rng.below(2) == 0 { Side::Buy } else { Side::Sell }
    }

    fn qty(&mut self) -> u64 {
        self.rng.between(1, MAX_QTY)
    }

    fn account(&mut self) -> u32 {
        u32::try_from(self.rng.below(self.accounts)).expect("account index fits in u32")
    }

    /// A price on `side` that does not cross the book: 1..=49 ticks below / above the
    /// mid with a triangular density peaking next to it, pulled back behind the far
    /// touch if the book has moved. `None` if the side has no room (far touch at the edge).
    fn resting_price(&mut self, side: Side) -> Option<u32> {
        let a = self.rng.below(u64::from(MID - MIN_TICK));
        let b = self.rng.below(u64::from(MID - MIN_TICK));
        let offset = u32::try_from(a.min(b)).expect("offset < 49");
        match side {
            Side::Buy => {
                let cap = self.model.best(Side::Sell).map_or(MAX_TICK, |ask| ask - 1);
                let price = (MID - 1 - offset).min(cap);
                (price >= MIN_TICK).then_some(price)
            }
            Side::Sell => {
                let floor = self.model.best(Side::Buy).map_or(MIN_TICK, |bid| bid + 1);
                let price = (MID + 1 + offset).max(floor);
                (price <= MAX_TICK).then_some(price)
            }
        }
    }

    fn place(&mut self, side: Side, price_ticks: u32, tif: Tif) -> Op {
        let id = self.next_id;
        self.next_id += 1;
        let qty = self.qty();
        let account = self.account();
        self.model.place(id, side, price_ticks, qty, tif);
        Op::Place { id, account, side, price_ticks, qty, tif }
    }

    fn rest_random_side(&mut self) -> Op {
        let side = self.side();
        self.rest(side)
    }

    fn rest(&mut self, preferred: Side) -> Op {
        self.mix.rest += 1;
        let (side, price) = match self.resting_price(preferred) {
            Some(price) => (preferred, price),
            None => {
                // The book is never crossed, so the other side always has room.
                let other = preferred.opposite();
                let price = self.resting_price(other).expect("one side has room");
                (other, price)
            }
        };
        self.place(side, price, Tif::Gtc)
    }

    fn cancel(&mut self) -> Op {
        self.mix.cancel += 1;
        let id = self.random_live().id;
        self.model.cancel(id);
        Op::Cancel { id }
    }

    fn modify(&mut self) -> Op {
        let order = self.random_live();
        let (new_price_ticks, mut new_qty) = if self.rng.per_mille(700) {
            let price = self.resting_price(order.side).unwrap_or(order.price);
            let qty = if self.rng.per_mille(500) { order.qty } else { self.qty() };
            (price, qty)
        } else {
            (order.price, self.qty())
        };
        if new_price_ticks == order.price && new_qty == order.qty {
            new_qty = if order.qty < MAX_QTY { order.qty + 1 } else { order.qty - 1 };
        }
        if new_price_ticks != order.price {
            self.mix.modify_move += 1;
        } else if new_qty > order.qty {
            self.mix.modify_up += 1;
        } else {
            self.mix.modify_down += 1;
        }
        self.model.modify(order.id, new_price_ticks, new_qty);
        Op::Modify { id: order.id, new_price_ticks, new_qty }
    }

    /// IOC priced one tick short of, at (twice as likely) or one tick through the far
    /// touch; at the mid if the far side is empty.
    fn ioc(&mut self) -> Op {
        self.mix.ioc += 1;
        let side = self.side();
        let price = match self.model.best(side.opposite()) {
            None => MID,
            Some(touch) => {
                let through = [-1, 0, 0, 1][usize::try_from(self.rng.below(4)).expect("< 4")];
                shift_through(side, touch, through)
            }
        };
        self.place(side, price, Tif::Ioc)
    }

    /// GTC priced 0..=2 ticks through the far touch, so it trades at least once.
    fn cross(&mut self) -> Op {
        let side = self.side();
        let Some(touch) = self.model.best(side.opposite()) else {
            return self.rest(side);
        };
        self.mix.cross += 1;
        let through = i64::try_from(self.rng.below(3)).expect("< 3");
        let price = shift_through(side, touch, through);
        self.place(side, price, Tif::Gtc)
    }

    fn random_live(&mut self) -> crate::model::LiveOrder {
        let count = u64::try_from(self.model.live_count()).expect("book size fits in u64");
        let index = usize::try_from(self.rng.below(count)).expect("index fits in usize");
        self.model.live_order(index)
    }
}

/// `touch` moved `ticks` further in the aggressive direction for `side` (up for a buy,
/// down for a sell), clamped to the valid tick range.
fn shift_through(side: Side, touch: u32, ticks: i64) -> u32 {
    let signed = match side {
        Side::Buy => i64::from(touch) + ticks,
        Side::Sell => i64::from(touch) - ticks,
    };
    let clamped = signed.clamp(i64::from(MIN_TICK), i64::from(MAX_TICK));
    u32::try_from(clamped).expect("clamped to the tick range")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A smaller stream for tests, same shape as the real one.
    pub(crate) const SMALL: StreamConfig = StreamConfig { measured_ops: 50_000, ..StreamConfig::STANDARD };

    #[test]
    fn same_seed_same_stream() {
        let a = generate(&SMALL);
        let b = generate(&SMALL);
        assert_eq!(a.warmup, b.warmup);
        assert_eq!(a.measured, b.measured);
    }

    #[test]
    fn warmup_rests_without_trading() {
        let config = StreamConfig { measured_ops: 0, ..SMALL };
        let stream = generate(&config);
        assert_eq!(stream.warmup.len(), 1_000);
        assert_eq!(stream.model_resting, 1_000);
        assert_eq!(stream.model_fills, 0);
    }

    #[test]
    fn book_stays_near_target_and_mix_is_close_to_nominal() {
        let stream = generate(&SMALL);
        assert!((800..=1_300).contains(&stream.model_resting), "book drifted to {} orders", stream.model_resting);
        let total = u64::try_from(stream.measured.len()).unwrap();
        let per_mille = |n: u64| n * 1000 / total;
        let mix = stream.mix;
        assert_eq!(mix.rest + mix.cancel + mix.modify() + mix.ioc + mix.cross, total);
        assert!((300..=450).contains(&per_mille(mix.rest)), "{mix:?}");
        assert!((250..=400).contains(&per_mille(mix.cancel)), "{mix:?}");
        assert!((180..=220).contains(&per_mille(mix.modify())), "{mix:?}");
        assert!((50..=70).contains(&per_mille(mix.ioc)), "{mix:?}");
        assert!((30..=50).contains(&per_mille(mix.cross)), "{mix:?}");
    }

    #[test]
    fn ops_are_in_range() {
        let stream = generate(&SMALL);
        for op in stream.warmup.iter().chain(&stream.measured) {
            match *op {
                Op::Place { price_ticks, qty, account, .. } => {
                    assert!((MIN_TICK..=MAX_TICK).contains(&price_ticks));
                    assert!((1..=MAX_QTY).contains(&qty));
                    assert!(account < 1_000);
                }
                Op::Modify { new_price_ticks, new_qty, .. } => {
                    assert!((MIN_TICK..=MAX_TICK).contains(&new_price_ticks));
                    assert!((1..=MAX_QTY).contains(&new_qty));
                }
                Op::Cancel { .. } => {}
            }
        }
    }
}
