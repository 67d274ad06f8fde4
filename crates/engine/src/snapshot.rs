//! Engine snapshots: a versioned binary encoding of the whole `Engine`, built from the `codec`
//! primitives and the `codes` tables.
//!
//! `Engine::encode_snapshot` appends the state to a buffer; `Engine::decode_snapshot` rebuilds
//! an engine with the same `state_hash` that behaves identically from then on. The encoding is
//! canonical (the same state gives the same bytes, and `state_hash` is a hash of them):
//! everything is walked in vector order, never in hash-map order. Integrity (checksum, the
//! journal position it covers) is the caller's business: the snapshot file framing lives in
//! the `journal` crate.
//!
//! Layout (`var` an unsigned LEB128 varint, `zz` a zigzag varint, `str` a `var` length and
//! UTF-8, `opt` a presence byte then the value; enums one byte from `codes`; orders and
//! positions as in `records`):
//!
//! ```text
//! magic "pmx-engs" (8 bytes), version var (2)
//! counters: order, trade, execution, transaction var; ledger: deposits, withdrawals,
//!   fees_kept zz (128-bit); now zz
//! markets: var count, each: id var; spec: slug, title, outcome, event_slug str, tick var,
//!   min_qty zz, price_min, price_max var, state, taker_rate, maker_rate zz; state;
//!   opt settlement var; stats: opt last_trade_px var, last_trade_qty zz, opt ts_last_trade zz,
//!   opt high_px var, opt low_px var, shares_traded, notional_traded, open_interest zz; and per
//!   side (bids, asks) the non-empty levels: var count, each: index, head, tail var, qty zz,
//!   count var
//! accounts: var count, each: id var, name str, cash, margin zz, orders total var,
//!   var count of (market var, state index var)
//! states: var count, each: position, exposure (bids and offers: qty, notional, fee zz;
//!   sell_long, sell_short zz), head, tail, orders_count var
//! slots: var count, each: order, state, level, prev, next, account_prev, account_next var,
//!   fee cap (exact zz 128-bit, charged zz), reserve (qty, notional, fee zz; a live slot's
//!   qty and notional must be its leaves and their notional at its price)
//! free slots: var count, each var
//! ```
//!
//! Every slot is stored, free ones too (their stale contents included), and the free list in
//! its order, so slot reuse after a restore is exactly as before. Derived structures are
//! rebuilt rather than stored: the slug and name maps, the order index, each ladder's bitset
//! and best level, and the expiry index (exactly the live good-till-date orders).
//!
//! Decoding is strict: anything the `Reader` refuses (a short buffer, trailing bytes, an
//! overlong or out-of-range varint, an unknown code, a bad bool or flag byte) is a
//! `SnapshotError::Decode` with its byte offset; a link or index out of range, or a rebuilt
//! state that fails `check_invariants`, is `Invalid` or `Inconsistent`. Decoding trusts the
//! values themselves as far as arithmetic goes (an absurd balance can overflow inside the
//! invariant check), so a snapshot must come with a checksum that is verified first: the
//! snapshot file does (see `journal::snapshot`).

use std::collections::BTreeSet;

use codec::{DecodeError, Reader, Writer};
use rustc_hash::FxHashMap;

use types::{AccountId, Cash, MarketId, Price, Qty, Rate, Timestamp};

use crate::account::{Account, AccountMarket, Exposure, MarketMap, SideTotals};
use crate::book::{Book, EMPTY_LEVEL, Ladder, Level, NIL, Slot, Store};
use crate::command::MarketSpec;
use crate::engine::{Counters, Engine, Ledger};
use crate::fees::FeeCap;
use crate::market::{Market, MarketStats};
use crate::order::Side;

/// The first eight bytes of an engine snapshot.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"pmx-engs";
/// The engine snapshot version this build writes and reads. Version 1 was fixed-width
/// little-endian with its own enum codes; version 2 is built from `codec`.
pub const SNAPSHOT_VERSION: u32 = 2;

/// Why a snapshot could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("not an engine snapshot (bad magic bytes)")]
    BadMagic,
    #[error("engine snapshot version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot does not decode: {0}")]
    Decode(#[from] DecodeError),
    #[error("snapshot has an invalid {what}: {value}")]
    Invalid { what: &'static str, value: u64 },
    #[error("snapshot state is inconsistent: {0}")]
    Inconsistent(String),
}

fn opt_price(r: &mut Reader<'_>) -> Result<Option<Price>, DecodeError> {
    r.opt(|r| r.u32().map(Price))
}

fn put_opt_price(w: &mut Writer<'_>, price: Option<Price>) {
    w.opt(price, |w, price| w.u32(price.units()));
}

impl Engine {
    /// Appends a snapshot of the whole state to `out` (see the module doc).
    pub fn encode_snapshot(&self, out: &mut Vec<u8>) {
        debug_assert!(self.touched.is_empty(), "snapshot between commands only");
        let mut w = Writer::new(out);
        w.array(&SNAPSHOT_MAGIC);
        w.u32(SNAPSHOT_VERSION);
        let counters = self.counters;
        for value in [counters.order, counters.trade, counters.execution, counters.transaction] {
            w.u64(value);
        }
        w.i128(self.ledger.deposits);
        w.i128(self.ledger.withdrawals);
        w.i128(self.ledger.fees_kept);
        w.i64(self.now.nanos());

        w.usize(self.markets.len());
        for market in &self.markets {
            w.u32(market.id.get());
            let spec = &market.spec;
            for text in [&spec.slug, &spec.title, &spec.outcome, &spec.event_slug] {
                w.str(text);
            }
            w.u32(spec.tick.units());
            w.i64(spec.min_qty.units());
            w.u32(spec.price_min.units());
            w.u32(spec.price_max.units());
            w.code(spec.state);
            w.i64(spec.taker_rate.units());
            w.i64(spec.maker_rate.units());
            w.code(market.state);
            put_opt_price(&mut w, market.settlement);
            let stats = &market.stats;
            put_opt_price(&mut w, stats.last_trade_px);
            w.i64(stats.last_trade_qty.units());
            w.opt(stats.ts_last_trade, |w, ts| w.i64(ts.nanos()));
            put_opt_price(&mut w, stats.high_px);
            put_opt_price(&mut w, stats.low_px);
            w.i64(stats.shares_traded.units());
            w.i64(stats.notional_traded.units());
            w.i64(stats.open_interest.units());
            for ladder in [&market.book.bids, &market.book.asks] {
                let used = ladder.levels.iter().filter(|level| level.count > 0).count();
                w.usize(used);
                for (at, level) in ladder.levels.iter().enumerate().filter(|(_, level)| level.count > 0) {
                    w.usize(at);
                    w.u32(level.head);
                    w.u32(level.tail);
                    w.i64(level.qty.units());
                    w.u32(level.count);
                }
            }
        }

        w.usize(self.accounts.len());
        for account in &self.accounts {
            w.u32(account.id.get());
            w.str(&account.name);
            w.i64(account.cash.units());
            w.i64(account.margin.units());
            w.usize(self.resting_count(account.id, None));
            w.usize(account.markets.len());
            for (market, index) in account.markets.iter() {
                w.u32(market.get());
                w.u32(index);
            }
        }

        w.usize(self.states.len());
        for state in &self.states {
            w.put(&state.position);
            for totals in [&state.exposure.bids, &state.exposure.offers] {
                w.i64(totals.qty);
                w.i64(totals.notional);
                w.i64(totals.fee);
            }
            w.i64(state.exposure.sell_long);
            w.i64(state.exposure.sell_short);
            w.u32(state.head);
            w.u32(state.tail);
            w.u32(state.orders_count);
        }

        w.usize(self.store.slots.len());
        for slot in &self.store.slots {
            w.put(&slot.order);
            for link in [slot.state, slot.level, slot.prev, slot.next, slot.account_prev, slot.account_next] {
                w.u32(link);
            }
            w.i128(slot.fees.exact_total);
            w.i64(slot.fees.charged_total.units());
            let reserve = slot.reserve();
            w.i64(reserve.qty);
            w.i64(reserve.notional);
            w.i64(reserve.fee);
        }
        let free = self.store.free_list();
        w.usize(free.len());
        for &at in free {
            w.u32(at);
        }
    }

    /// Rebuilds an engine from `encode_snapshot`'s bytes; it has the same `state_hash` and
    /// behaves identically. Damage is an error, never a panic (see the module doc).
    pub fn decode_snapshot(bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let mut r = Reader::new(bytes);
        if r.array::<8>()? != SNAPSHOT_MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = r.u32()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion { found: version, supported: SNAPSHOT_VERSION });
        }
        let mut engine = Engine::new();
        engine.counters = Counters { order: r.u64()?, trade: r.u64()?, execution: r.u64()?, transaction: r.u64()? };
        engine.ledger = Ledger { deposits: r.i128()?, withdrawals: r.i128()?, fees_kept: r.i128()? };
        engine.now = Timestamp(r.i64()?);

        // The least bytes one market takes (every string empty, every option absent).
        let markets_count = r.count(24)?;
        engine.markets.reserve(markets_count);
        for expected in 0..markets_count {
            let id = r.u32()?;
            if id as usize != expected {
                return Err(SnapshotError::Invalid { what: "market id", value: u64::from(id) });
            }
            let spec = MarketSpec {
                slug: r.string()?,
                title: r.string()?,
                outcome: r.string()?,
                event_slug: r.string()?,
                tick: Price(r.u32()?),
                min_qty: Qty(r.i64()?),
                price_min: Price(r.u32()?),
                price_max: Price(r.u32()?),
                state: r.code()?,
                taker_rate: Rate(r.i64()?),
                maker_rate: Rate(r.i64()?),
            };
            let tick = spec.tick.units();
            if tick == 0 || !(types::PRICE_SCALE as u32).is_multiple_of(tick) {
                return Err(SnapshotError::Invalid { what: "market tick", value: u64::from(tick) });
            }
            let state = r.code()?;
            let settlement = opt_price(&mut r)?;
            let stats = MarketStats {
                last_trade_px: opt_price(&mut r)?,
                last_trade_qty: Qty(r.i64()?),
                ts_last_trade: r.opt(|r| r.i64().map(Timestamp))?,
                high_px: opt_price(&mut r)?,
                low_px: opt_price(&mut r)?,
                shares_traded: Qty(r.i64()?),
                notional_traded: Cash(r.i64()?),
                open_interest: Qty(r.i64()?),
            };
            let levels_count = Market::levels_count(spec.tick);
            let ladder = |side: Side, r: &mut Reader<'_>| -> Result<Ladder, SnapshotError> {
                let mut levels = vec![EMPTY_LEVEL; levels_count];
                let mut next_min = 0;
                for _ in 0..r.count(5)? {
                    let at = r.usize()?;
                    // Ascending, as encoded: one state has one encoding.
                    if at >= levels_count || at < next_min {
                        return Err(SnapshotError::Invalid { what: "level index", value: at as u64 });
                    }
                    levels[at] = Level { head: r.u32()?, tail: r.u32()?, qty: Qty(r.i64()?), count: r.u32()? };
                    if levels[at].count == 0 {
                        return Err(SnapshotError::Invalid { what: "level count", value: 0 });
                    }
                    next_min = at + 1;
                }
                Ok(Ladder::restore(side, levels))
            };
            let bids = ladder(Side::Buy, &mut r)?;
            let asks = ladder(Side::Sell, &mut r)?;
            let book = Book { bids, asks };
            engine.markets.push(Market::restore(MarketId(id), spec, state, settlement, stats, book));
        }

        let accounts_count = r.count(6)?;
        engine.accounts.reserve(accounts_count);
        for expected in 0..accounts_count {
            let id = r.u32()?;
            if id as usize != expected {
                return Err(SnapshotError::Invalid { what: "account id", value: u64::from(id) });
            }
            let name: Box<str> = r.str()?.into();
            let mut account = Account::new(AccountId(id), name);
            account.cash = Cash(r.i64()?);
            account.margin = Cash(r.i64()?);
            account.orders_count = r.usize()?;
            let mut entries = Vec::with_capacity(r.count(2)?);
            for _ in 0..entries.capacity() {
                entries.push((MarketId(r.u32()?), r.u32()?));
            }
            if entries.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
                return Err(SnapshotError::Inconsistent(format!("account {id}'s markets are not sorted")));
            }
            account.markets = MarketMap::from_entries(entries);
            engine.accounts.push(account);
        }

        let states_count = r.count(19)?;
        engine.states.reserve(states_count);
        for _ in 0..states_count {
            let position = r.get()?;
            let mut totals = || -> Result<SideTotals, DecodeError> {
                Ok(SideTotals { qty: r.i64()?, notional: r.i64()?, fee: r.i64()? })
            };
            let bids = totals()?;
            let offers = totals()?;
            let exposure = Exposure { bids, offers, sell_long: r.i64()?, sell_short: r.i64()? };
            engine.states.push(AccountMarket {
                position,
                exposure,
                head: r.u32()?,
                tail: r.u32()?,
                orders_count: r.u32()?,
                others: false,
            });
        }
        // The account's order total is kept on the account only across markets; with one
        // market it must be that state's count (the invariant check compares the rest).
        for account in &mut engine.accounts {
            let total = std::mem::take(&mut account.orders_count);
            match account.markets.len() {
                0 | 1 => {
                    let state = account.markets.iter().next().and_then(|(_, at)| engine.states.get(at as usize));
                    if total != state.map_or(0, |state| state.orders_count as usize) {
                        return Err(SnapshotError::Inconsistent(format!(
                            "account {}: order count {total} disagrees with its market's",
                            account.id
                        )));
                    }
                }
                _ => {
                    account.orders_count = total;
                    for (_, at) in account.markets.iter() {
                        if let Some(state) = engine.states.get_mut(at as usize) {
                            state.others = true;
                        }
                    }
                }
            }
        }

        // The least bytes one slot takes: an order with no options (14), links, fees, reserve.
        let slots_count = r.count(25)?;
        let mut slots = Vec::with_capacity(slots_count);
        // The stored reserve's quantity and notional, which a live slot derives from its order.
        let mut reserves = Vec::with_capacity(slots_count);
        for _ in 0..slots_count {
            let order = r.get()?;
            let mut slot = Slot {
                order,
                state: r.u32()?,
                level: r.u32()?,
                prev: r.u32()?,
                next: r.u32()?,
                account_prev: r.u32()?,
                account_next: r.u32()?,
                fees: FeeCap { exact_total: r.i128()?, charged_total: Cash(r.i64()?) },
                reserve_fee: 0,
            };
            reserves.push((r.i64()?, r.i64()?));
            slot.reserve_fee = r.i64()?;
            slots.push(slot);
        }
        let free_count = r.count(1)?;
        let mut free = Vec::with_capacity(free_count);
        let mut is_free = vec![false; slots_count];
        for _ in 0..free_count {
            let at = r.u32()?;
            if at as usize >= slots_count || is_free[at as usize] {
                return Err(SnapshotError::Invalid { what: "free slot", value: u64::from(at) });
            }
            is_free[at as usize] = true;
            free.push(at);
        }
        r.finish()?;

        for (at, (slot, &(qty, notional))) in slots.iter().zip(&reserves).enumerate() {
            let leaves = slot.order.leaves_qty;
            let expected = slot.order.price.unwrap_or(Price::ZERO).notional(leaves);
            if !is_free[at] && (qty != leaves.units() || expected != Some(Cash(notional))) {
                return Err(SnapshotError::Invalid { what: "slot reserve", value: at as u64 });
            }
        }
        engine.check_links(&slots, &is_free)?;
        engine.store = Store::restore(slots, free);
        engine.market_by_slug = FxHashMap::with_capacity_and_hasher(engine.markets.len(), Default::default());
        for market in &engine.markets {
            if engine.market_by_slug.insert(market.spec.slug.as_str().into(), market.id).is_some() {
                return Err(SnapshotError::Inconsistent(format!("market slug {:?} repeats", market.spec.slug)));
            }
        }
        engine.account_by_name = FxHashMap::with_capacity_and_hasher(engine.accounts.len(), Default::default());
        for account in &engine.accounts {
            if engine.account_by_name.insert(account.name.clone(), account.id).is_some() {
                return Err(SnapshotError::Inconsistent(format!("account name {:?} repeats", account.name)));
            }
        }
        let mut expiries = BTreeSet::new();
        for at in engine.store.live() {
            let order = &engine.store.get(at).order;
            if let Some(due) = order.good_till {
                expiries.insert((due, order.id));
            }
        }
        engine.expiries = expiries;
        engine.check_invariants().map_err(|violation| SnapshotError::Inconsistent(violation.0))?;
        Ok(engine)
    }

    /// Every index and link of a decoded state is in range (so `check_invariants` can walk
    /// the state without panicking) and the live orders' ids are distinct.
    fn check_links(&self, slots: &[Slot], is_free: &[bool]) -> Result<(), SnapshotError> {
        let slot_link = |link: u32| link == NIL || (link as usize) < slots.len();
        let bad = |what: &'static str, value: u64| Err(SnapshotError::Invalid { what, value });
        for market in &self.markets {
            for ladder in [&market.book.bids, &market.book.asks] {
                for level in ladder.levels.iter().filter(|level| level.count > 0) {
                    if !slot_link(level.head) || !slot_link(level.tail) || level.head == NIL {
                        return bad("level link", u64::from(level.head));
                    }
                }
            }
        }
        for account in &self.accounts {
            for (market, index) in account.markets.iter() {
                if market.get() as usize >= self.markets.len() || index as usize >= self.states.len() {
                    return bad("account state index", u64::from(index));
                }
            }
        }
        for state in &self.states {
            if !slot_link(state.head) || !slot_link(state.tail) {
                return bad("state link", u64::from(state.head));
            }
        }
        let mut ids = BTreeSet::new();
        for (at, slot) in slots.iter().enumerate() {
            if is_free[at] {
                continue;
            }
            let Some(market) = slot.order.market.and_then(|market| self.markets.get(market.get() as usize)) else {
                return bad("live order market", at as u64);
            };
            if slot.level as usize >= market.book.bids.levels.len() || slot.state as usize >= self.states.len() {
                return bad("slot level or state", at as u64);
            }
            for link in [slot.prev, slot.next, slot.account_prev, slot.account_next] {
                if !slot_link(link) {
                    return bad("slot link", u64::from(link));
                }
            }
            if slot.order.account.get() as usize >= self.accounts.len() || !ids.insert(slot.order.id) {
                return bad("live order", slot.order.id.get());
            }
        }
        Ok(())
    }
}
