//! Adapter for [matchcore](https://crates.io/crates/matchcore) 0.4 (`matchcore::OrderBook`).
//!
//! matchcore is a command-driven state machine: every call is
//! `OrderBook::execute(&Command)`, where the command carries a strictly consecutive
//! sequence number (0, 1, 2, ...) and a non-decreasing timestamp, and a new order's id is
//! the sequence number of the command that submitted it. The adapter keeps the sequence
//! counter, uses it as the timestamp too (a synthetic clock, so no clock is read per op;
//! nothing here expires), and records each generator id's `OrderId`.
//!
//! Mapping, prices in ticks map 1:1 onto matchcore's integer `Price`:
//!
//! - `Place` → `CommandKind::Submit` of `NewOrder::Limit(LimitOrder::new(price,
//!   QuantityPolicy::Standard { quantity }, OrderFlags::new(side, post_only = false,
//!   Gtc | Ioc)))`, with the guard below.
//! - `Cancel` → `CommandKind::Cancel(CancelCmd { order_id, order_kind: OrderKind::Limit })`.
//! - `Modify` → matchcore's native amend, `CommandKind::Amend(AmendCmd { order_id, patch:
//!   AmendPatch::Limit(LimitOrderPatch::new().with_price(..).with_quantity_policy(..)) })`.
//!   The order keeps its id; a price change or size increase sends it to the back of the
//!   queue, a size cut at the same price keeps its place: the same rules as the
//!   generator's model, so matchcore matches the model fill for fill.
//!
//! **Limit-price guard.** In matchcore 0.4.0 a limit order that crosses the book is
//! matched with no limit price at all (`submit_crossable_order` calls `match_order(..,
//! None, ..)`; amend does the same): once any of it can trade, it sweeps like a market
//! order, through its own limit, until filled or the book is empty (see the test below).
//! To give matchcore the same workload as the other engines, the adapter first sums, via
//! the public book (`LimitBook::asks`/`bids` and `PriceLevel::total_quantity`), the
//! quantity resting at or better than the limit. If that covers all or none of the order,
//! the order goes in unchanged. If it covers only part, the adapter submits that part as
//! IOC (it fills completely, within the limit) and, for a GTC order, the remainder as a
//! second GTC submit at the limit, which no longer crosses and rests; the generator id
//! then maps to the second order. That costs one or two `BTreeMap` range lookups per
//! placement and a second command for about 1 in 25 crossing orders, all inside the
//! timing. The generator never sends a modify that crosses, so amends need no guard.
//!
//! Fills are counted from the trades in each applied command's `MatchResult`s; rejected
//! commands are counted as rejects.

use ::matchcore::{
    AmendCmd, AmendPatch, CancelCmd, Command, CommandKind, CommandMeta, CommandOutcome, CommandReport, LimitOrder,
    LimitOrderPatch, NewOrder, OrderBook, OrderFlags, OrderId, OrderKind, Price, Quantity, QuantityPolicy,
    SequenceNumber, Side as McSide, SubmitCmd, TimeInForce, Timestamp,
};

use crate::stream::{Op, Side, Tif};
use crate::venue::{Venue, VenueStats};

pub(crate) struct Matchcore {
    book: OrderBook,
    /// Sequence number of the next command.
    next_seq: u64,
    /// matchcore's order id for each generator id.
    ids: Vec<OrderId>,
    fills: u64,
    rejects: u64,
}

impl Matchcore {
    /// `id_count` is the number of generator ids in the stream.
    pub(crate) fn new(id_count: usize) -> Self {
        Self { book: OrderBook::new("PMX-BENCH"), next_seq: 0, ids: vec![OrderId(0); id_count], fills: 0, rejects: 0 }
    }

    fn execute(&mut self, kind: CommandKind) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let command =
            Command { meta: CommandMeta { sequence_number: SequenceNumber(seq), timestamp: Timestamp(seq) }, kind };
        match self.book.execute(&command) {
            CommandOutcome::Applied(CommandReport::Submit(effects) | CommandReport::Amend(effects)) => {
                let orders = std::iter::once(effects.target_order()).chain(effects.triggered_orders());
                for order in orders {
                    if let Some(matched) = order.match_result() {
                        self.fills += u64::try_from(matched.trades().len()).expect("fits");
                    }
                }
            }
            CommandOutcome::Applied(CommandReport::Cancel) => {}
            CommandOutcome::Rejected(_) => self.rejects += 1,
        }
    }

    /// A limit order, with the limit-price guard described in the module doc.
    fn place(&mut self, id: u64, side: McSide, price: Price, qty: u64, tif: Tif) {
        let within_limit = self.executable_within_limit(side, price, qty);
        if within_limit == 0 || within_limit == qty {
            self.submit(id, side, price, qty, tif);
            return;
        }
        self.submit(id, side, price, within_limit, Tif::Ioc);
        if tif == Tif::Gtc {
            self.submit(id, side, price, qty - within_limit, Tif::Gtc);
        }
    }

    /// Plain `Submit` of a limit order; `id` then maps to the new order.
    fn submit(&mut self, id: u64, side: McSide, price: Price, qty: u64, tif: Tif) {
        // The new order's id is the sequence number of this submit command.
        self.ids[slot(id)] = OrderId(self.next_seq);
        let tif = match tif {
            Tif::Gtc => TimeInForce::Gtc,
            Tif::Ioc => TimeInForce::Ioc,
        };
        let order = LimitOrder::new(price, standard(qty), OrderFlags::new(side, false, tif));
        self.execute(CommandKind::Submit(SubmitCmd { order: NewOrder::Limit(order) }));
    }

    /// Quantity resting on the other side at or better than `limit`, capped at `qty`.
    fn executable_within_limit(&self, side: McSide, limit: Price, qty: u64) -> u64 {
        let book = self.book.limit();
        let levels = book.levels();
        let mut total = 0;
        let mut add = |level: usize| {
            total += levels[level].total_quantity().0;
            total >= qty
        };
        match side {
            McSide::Buy => {
                for (_, &level) in book.asks().range(..=limit) {
                    if add(level) {
                        break;
                    }
                }
            }
            McSide::Sell => {
                for (_, &level) in book.bids().range(limit..).rev() {
                    if add(level) {
                        break;
                    }
                }
            }
        }
        total.min(qty)
    }

    fn order_id(&self, id: u64) -> OrderId {
        self.ids[slot(id)]
    }
}

impl Venue for Matchcore {
    fn name(&self) -> &'static str {
        "matchcore"
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Place { id, side, price_ticks, qty, tif, .. } => {
                self.place(id, mc_side(side), price(price_ticks), qty, tif)
            }
            Op::Cancel { id } => {
                self.execute(CommandKind::Cancel(CancelCmd {
                    order_id: self.order_id(id),
                    order_kind: OrderKind::Limit,
                }));
            }
            Op::Modify { id, new_price_ticks, new_qty } => {
                let patch =
                    LimitOrderPatch::new().with_price(price(new_price_ticks)).with_quantity_policy(standard(new_qty));
                self.execute(CommandKind::Amend(AmendCmd {
                    order_id: self.order_id(id),
                    patch: AmendPatch::Limit(patch),
                }));
            }
        }
    }

    fn stats(&self) -> VenueStats {
        VenueStats { fills: self.fills, rejects: self.rejects, resting: self.book.limit().orders().len() }
    }
}

fn mc_side(side: Side) -> McSide {
    match side {
        Side::Buy => McSide::Buy,
        Side::Sell => McSide::Sell,
    }
}

fn price(ticks: u32) -> Price {
    Price(u64::from(ticks))
}

fn standard(qty: u64) -> QuantityPolicy {
    QuantityPolicy::Standard { quantity: Quantity(qty) }
}

fn slot(id: u64) -> usize {
    usize::try_from(id).expect("generator ids fit in usize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::measure;
    use crate::stream::{generate, tests::SMALL};

    /// Documents the upstream bug the guard works around: a crossing limit order trades
    /// through its own limit price. If this starts failing, matchcore has fixed it and the
    /// guard can go.
    #[test]
    fn upstream_limit_order_trades_through_its_limit() {
        let mut venue = Matchcore::new(3);
        venue.submit(0, McSide::Buy, Price(49), 7, Tif::Gtc);
        venue.submit(1, McSide::Buy, Price(48), 10, Tif::Gtc);
        venue.submit(2, McSide::Sell, Price(49), 20, Tif::Ioc);
        assert_eq!(venue.stats().fills, 2, "the sell limited at 49 also hit the bid at 48");
        assert_eq!(venue.stats().resting, 0);
    }

    #[test]
    fn guard_keeps_limit_orders_within_their_limit() {
        let mut venue = Matchcore::new(4);
        venue.place(0, McSide::Buy, Price(49), 7, Tif::Gtc);
        venue.place(1, McSide::Buy, Price(48), 10, Tif::Gtc);
        venue.place(2, McSide::Sell, Price(49), 20, Tif::Ioc);
        assert_eq!(venue.stats().fills, 1);
        assert_eq!(venue.stats().resting, 1, "the bid at 48 is untouched");
        venue.place(3, McSide::Sell, Price(48), 25, Tif::Gtc);
        let stats = venue.stats();
        assert_eq!((stats.fills, stats.rejects, stats.resting), (2, 0, 1));
        let ask = venue.book.limit().get_ask_level(Price(48));
        assert_eq!(ask.map(|level| level.total_quantity()), Some(Quantity(15)));
        // Commands 3 and 4: the IOC part, then the resting remainder.
        assert_eq!(venue.order_id(3), OrderId(4), "id maps to the resting remainder");
    }

    #[test]
    fn matches_the_model_exactly() {
        let stream = generate(&SMALL);
        let m = measure(Matchcore::new(stream.id_count), &stream);
        assert_eq!(m.stats.rejects, 0);
        assert_eq!(m.stats.fills, stream.model_fills);
        assert_eq!(m.stats.resting, stream.model_resting);
    }
}
