//! `state_hash`: a digest of the whole engine state, walked in a canonical order, for replay
//! and snapshot checks. FNV-1a over 64-bit words: stable across runs, platforms and Rust
//! versions (unlike `std`'s default hasher).

use types::Timestamp;

use crate::book::NIL;
use crate::command::MarketState;
use crate::engine::Engine;
use crate::order::Order;
use crate::position::Position;

struct Fnv(u64);

impl Fnv {
    fn word(&mut self, value: u64) {
        for byte in value.to_le_bytes() {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn int(&mut self, value: i128) {
        self.word(value as u64);
        self.word((value >> 64) as u64);
    }

    fn text(&mut self, text: &str) {
        self.word(text.len() as u64);
        for byte in text.bytes() {
            self.word(u64::from(byte));
        }
    }

    fn opt(&mut self, value: Option<i128>) {
        match value {
            Some(value) => {
                self.word(1);
                self.int(value);
            }
            None => self.word(0),
        }
    }

    fn ts(&mut self, ts: Timestamp) {
        self.int(i128::from(ts.nanos()));
    }

    fn order(&mut self, order: &Order) {
        self.word(order.id.get());
        self.word(u64::from(order.account.get()));
        self.opt(order.market.map(|m| i128::from(m.get())));
        self.text(&format!("{:?}{:?}{:?}{:?}{:?}", order.intent, order.kind, order.tif, order.state, order.manual));
        self.opt(order.price.map(|p| i128::from(p.units())));
        for qty in [order.qty, order.cum_qty, order.leaves_qty] {
            self.int(i128::from(qty.units()));
        }
        self.opt(order.good_till.map(|t| i128::from(t.nanos())));
        self.word(u64::from(order.post_only) | u64::from(order.close_position) << 1);
        self.opt(order.cash_qty.map(|c| i128::from(c.units())));
        self.ts(order.ts_created);
        self.ts(order.ts_inserted);
        self.int(i128::from(order.notional_filled.units()));
        self.int(i128::from(order.fees_total.units()));
    }

    fn position(&mut self, position: &Position) {
        for qty in [position.net, position.bought, position.sold] {
            self.int(i128::from(qty.units()));
        }
        for cash in [position.cost, position.realized, position.fees] {
            self.int(i128::from(cash.units()));
        }
        self.word(u64::from(position.expired));
        self.ts(position.ts_updated);
    }
}

impl Engine {
    /// A digest of the complete state. Equal states give equal hashes; replaying the same
    /// commands must reproduce it exactly.
    pub fn state_hash(&self) -> u64 {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        let counters = self.counters;
        for value in [counters.order, counters.trade, counters.execution, counters.transaction] {
            h.word(value);
        }
        h.int(self.ledger.deposits);
        h.int(self.ledger.withdrawals);
        h.int(self.ledger.fees_kept);
        h.ts(self.now);
        for market in &self.markets {
            let spec = &market.spec;
            h.word(u64::from(market.id.get()));
            for text in [&spec.slug, &spec.title, &spec.outcome, &spec.event_slug] {
                h.text(text);
            }
            for value in [spec.tick.units(), spec.price_min.units(), spec.price_max.units()] {
                h.word(u64::from(value));
            }
            h.int(i128::from(spec.min_qty.units()));
            h.int(i128::from(spec.taker_rate.units()));
            h.int(i128::from(spec.maker_rate.units()));
            h.word(market_state_code(market.state));
            h.opt(market.settlement.map(|p| i128::from(p.units())));
            let stats = &market.stats;
            h.opt(stats.last_trade_px.map(|p| i128::from(p.units())));
            h.opt(stats.high_px.map(|p| i128::from(p.units())));
            h.opt(stats.low_px.map(|p| i128::from(p.units())));
            h.opt(stats.ts_last_trade.map(|t| i128::from(t.nanos())));
            for qty in [stats.last_trade_qty, stats.shares_traded, stats.open_interest] {
                h.int(i128::from(qty.units()));
            }
            h.int(i128::from(stats.notional_traded.units()));
            for ladder in [&market.book.bids, &market.book.asks] {
                for level in ladder.levels_from_best() {
                    h.word(u64::from(level));
                    let mut at = ladder.levels[level as usize].head;
                    while at != NIL {
                        let slot = self.store.get(at);
                        h.order(&slot.order);
                        h.int(slot.fees.exact_total);
                        h.int(i128::from(slot.fees.charged_total.units()));
                        at = slot.next;
                    }
                }
            }
        }
        for account in &self.accounts {
            h.word(u64::from(account.id.get()));
            h.text(&account.name);
            h.int(i128::from(account.cash.units()));
            h.int(i128::from(account.margin.units()));
            for (market, state) in self.states_of(account.id) {
                h.word(u64::from(market.get()));
                h.position(&state.position);
                let mut at = state.head;
                while at != NIL {
                    h.word(self.store.get(at).order.id.get());
                    at = self.store.get(at).account_next;
                }
            }
        }
        h.0
    }
}

fn market_state_code(state: MarketState) -> u64 {
    match state {
        MarketState::Open => 1,
        MarketState::Preopen => 2,
        MarketState::Suspended => 3,
        MarketState::Halted => 4,
        MarketState::Expired => 5,
    }
}
