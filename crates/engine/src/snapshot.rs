//! Engine snapshots: a hand-written, versioned binary encoding of the whole `Engine`.
//!
//! `Engine::encode_snapshot` appends the state to a buffer; `Engine::decode_snapshot` rebuilds
//! an engine with the same `state_hash` that behaves identically from then on. The encoding is
//! deterministic (the same state gives the same bytes): everything is walked in vector order,
//! never in hash-map order. Integrity (checksum, the journal position it covers) is the
//! caller's business: the snapshot file framing lives in the `journal` crate.
//!
//! Layout (all integers little-endian, fixed width; `opt<T>` is a `u8` 0/1 then `T` if 1;
//! `str` is a `u32` byte length then UTF-8; enums are one `u8` with the codes of the tables
//! below):
//!
//! ```text
//! magic "pmx-engs", version u32 (1)
//! counters: order, trade, execution, transaction u64; ledger: deposits, withdrawals,
//!   fees_kept i128; now i64
//! markets: u32 count, each: id u32, spec, state, opt settlement, stats, and per side (bids,
//!   asks) the non-empty levels: u32 count, each level u32, head u32, tail u32, qty i64, count u32
//! accounts: u32 count, each: id u32, name str, cash i64, margin i64, orders_count u64,
//!   u32 count of (market u32, state index u32)
//! states: u32 count, each: position, exposure (bids and offers: qty, notional, fee i128;
//!   sell_long, sell_short i64), head, tail, orders_count u32
//! slots: u32 count, each: order, state, level, prev, next, account_prev, account_next u32,
//!   fee cap (exact i128, charged i64), reserve (qty, notional, fee i64; a live slot's qty
//!   and notional must be its leaves and their notional at its price)
//! free slots: u32 count, each u32
//! ```
//!
//! Every slot is stored, free ones too (their stale contents included), and the free list in
//! its order, so slot reuse after a restore is exactly as before. Derived structures are
//! rebuilt rather than stored: the slug and name maps, the order index, each ladder's bitset
//! and best level, and the expiry index (exactly the live good-till-date orders).
//!
//! Decoding is strict: a short buffer, trailing bytes, an unknown enum code, a link or index
//! out of range, or a rebuilt state that fails `check_invariants` is a `SnapshotError`.
//! Decoding trusts the values themselves as far as arithmetic goes (an absurd balance can
//! overflow inside the invariant check), so a snapshot must come with a checksum that is
//! verified first: the snapshot file does (see `journal::snapshot`). `SnapshotEncoder` and `SnapshotDecoder` are public so the server can encode its
//! history store (orders, executions, trades) with the same codes.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use types::{AccountId, Cash, ExecutionId, MarketId, OrderId, Price, Qty, Rate, Timestamp, TradeId};

use crate::account::{Account, AccountMarket, Exposure, MarketMap, SideTotals};
use crate::book::{Book, EMPTY_LEVEL, Ladder, Level, NIL, Slot, Store};
use crate::command::{MarketSpec, MarketState};
use crate::engine::{Counters, Engine, Ledger};
use crate::event::{ExecKind, Execution, FillInfo, Resolution, ResolutionSide, Trade, TradeSide};
use crate::fees::FeeCap;
use crate::market::{Market, MarketStats};
use crate::order::{Intent, ManualIndicator, Order, OrderKind, OrderState, Side, Tif};
use crate::position::Position;
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

/// The first eight bytes of an engine snapshot.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"pmx-engs";
/// The engine snapshot version this build writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Why a snapshot could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("not an engine snapshot (bad magic bytes)")]
    BadMagic,
    #[error("engine snapshot version {found} is not supported (this build reads {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("snapshot ends early, at byte {at}, reading {what}")]
    Short { at: usize, what: &'static str },
    #[error("snapshot has {0} bytes left over after its end")]
    Trailing(usize),
    #[error("snapshot has an invalid {what}: {value}")]
    Invalid { what: &'static str, value: u64 },
    #[error("snapshot state is inconsistent: {0}")]
    Inconsistent(String),
}

macro_rules! codes {
    ($put:ident, $get:ident, $ty:ty, $what:literal, { $($variant:path => $code:literal),+ $(,)? }) => {
        /// Appends the stable code of a value.
        pub fn $put(&mut self, value: $ty) {
            self.u8(match value { $($variant => $code),+ });
        }
    };
    (@get $get:ident, $ty:ty, $what:literal, { $($variant:path => $code:literal),+ $(,)? }) => {
        /// Reads a value by its stable code.
        pub fn $get(&mut self) -> Result<$ty, SnapshotError> {
            match self.u8($what)? {
                $($code => Ok($variant),)+
                code => Err(SnapshotError::Invalid { what: $what, value: u64::from(code) }),
            }
        }
    };
}

/// Writes snapshot values into a buffer (see the module doc for the layout).
pub struct SnapshotEncoder<'a> {
    out: &'a mut Vec<u8>,
}

/// Reads snapshot values from a buffer.
pub struct SnapshotDecoder<'a> {
    bytes: &'a [u8],
    at: usize,
}

macro_rules! enum_table {
    ($put:ident, $get:ident, $ty:ty, $what:literal, $table:tt) => {
        impl SnapshotEncoder<'_> {
            codes!($put, $get, $ty, $what, $table);
        }
        impl SnapshotDecoder<'_> {
            codes!(@get $get, $ty, $what, $table);
        }
    };
}

enum_table!(intent, intent, Intent, "intent", {
    Intent::BuyLong => 1, Intent::SellLong => 2, Intent::BuyShort => 3, Intent::SellShort => 4,
});
enum_table!(order_kind, order_kind, OrderKind, "order kind", { OrderKind::Limit => 1, OrderKind::Market => 2 });
enum_table!(tif, tif, Tif, "time in force", {
    Tif::Day => 1, Tif::GoodTillCancel => 2, Tif::GoodTillDate => 3, Tif::ImmediateOrCancel => 4,
    Tif::FillOrKill => 5,
});
enum_table!(manual, manual, ManualIndicator, "manual indicator", {
    ManualIndicator::Manual => 1, ManualIndicator::Automatic => 2,
});
enum_table!(order_state, order_state, OrderState, "order state", {
    OrderState::New => 1, OrderState::PartiallyFilled => 2, OrderState::Filled => 3, OrderState::Canceled => 4,
    OrderState::Rejected => 5, OrderState::Expired => 6,
});
enum_table!(market_state, market_state, MarketState, "market state", {
    MarketState::Open => 1, MarketState::Preopen => 2, MarketState::Suspended => 3, MarketState::Halted => 4,
    MarketState::Expired => 5,
});
enum_table!(side, side, Side, "side", { Side::Buy => 1, Side::Sell => 2 });
enum_table!(exec_kind, exec_kind, ExecKind, "execution kind", {
    ExecKind::New => 1, ExecKind::PartialFill => 2, ExecKind::Fill => 3, ExecKind::Canceled => 4,
    ExecKind::Replace => 5, ExecKind::Rejected => 6, ExecKind::Expired => 7, ExecKind::DoneForDay => 8,
});
enum_table!(unsolicited, unsolicited, UnsolicitedCancel, "unsolicited cancel reason", {
    UnsolicitedCancel::ExchangeOption => 1, UnsolicitedCancel::Other => 2,
});
enum_table!(resolution_side, resolution_side, ResolutionSide, "resolution side", {
    ResolutionSide::Long => 1, ResolutionSide::Short => 2, ResolutionSide::Neutral => 3,
});
/// The stable snapshot code of a note.
pub fn note_code(note: Note) -> u8 {
    match note {
        Note::None => 0,
        Note::UnknownMarket => 1,
        Note::MarketNotOpen => 2,
        Note::QuantityNotPositive => 3,
        Note::QuantityBelowMinimum => 4,
        Note::QuantityTooLarge => 5,
        Note::ExceedsPosition => 6,
        Note::LimitWithoutPrice => 7,
        Note::PostOnlyMarket => 8,
        Note::PostOnlyImmediate => 9,
        Note::CashOnLimit => 10,
        Note::CashOnSell => 11,
        Note::CashTooSmall => 12,
        Note::PriceOutOfBounds => 13,
        Note::InsufficientBuyingPower => 14,
        Note::PostOnlyWouldCross => 15,
        Note::GoodTillMissing => 16,
        Note::GoodTillPast => 17,
        Note::GoodTillWithoutGtd => 18,
        Note::NoLiquidity => 19,
        Note::NoLiquidityWithinBound => 20,
        Note::FillOrKillUnfilled => 21,
        Note::ImmediateRemainder => 22,
        Note::SelfTradePrevented => 23,
        Note::UserCanceled => 24,
        Note::ClosePositionCanceled => 25,
        Note::Unfunded => 26,
        Note::PositionReduced => 27,
        Note::MarketSettled => 28,
        Note::MarketSuspended => 29,
        Note::GoodTillExpired => 30,
        Note::DoneForDay => 31,
        Note::ModifyBelowFilled => 32,
        Note::ModifyTifNotResting => 33,
        Note::TooManyOrders => 34,
    }
}

/// The note of a snapshot code.
pub fn note_of_code(code: u8) -> Option<Note> {
    let note = match code {
        0 => Note::None,
        1 => Note::UnknownMarket,
        2 => Note::MarketNotOpen,
        3 => Note::QuantityNotPositive,
        4 => Note::QuantityBelowMinimum,
        5 => Note::QuantityTooLarge,
        6 => Note::ExceedsPosition,
        7 => Note::LimitWithoutPrice,
        8 => Note::PostOnlyMarket,
        9 => Note::PostOnlyImmediate,
        10 => Note::CashOnLimit,
        11 => Note::CashOnSell,
        12 => Note::CashTooSmall,
        13 => Note::PriceOutOfBounds,
        14 => Note::InsufficientBuyingPower,
        15 => Note::PostOnlyWouldCross,
        16 => Note::GoodTillMissing,
        17 => Note::GoodTillPast,
        18 => Note::GoodTillWithoutGtd,
        19 => Note::NoLiquidity,
        20 => Note::NoLiquidityWithinBound,
        21 => Note::FillOrKillUnfilled,
        22 => Note::ImmediateRemainder,
        23 => Note::SelfTradePrevented,
        24 => Note::UserCanceled,
        25 => Note::ClosePositionCanceled,
        26 => Note::Unfunded,
        27 => Note::PositionReduced,
        28 => Note::MarketSettled,
        29 => Note::MarketSuspended,
        30 => Note::GoodTillExpired,
        31 => Note::DoneForDay,
        32 => Note::ModifyBelowFilled,
        33 => Note::ModifyTifNotResting,
        34 => Note::TooManyOrders,
        _ => return None,
    };
    Some(note)
}

impl<'a> SnapshotEncoder<'a> {
    /// An encoder appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> SnapshotEncoder<'a> {
        SnapshotEncoder { out }
    }

    pub fn u8(&mut self, value: u8) {
        self.out.push(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.out.push(u8::from(value));
    }

    pub fn u32(&mut self, value: u32) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u64(&mut self, value: u64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    pub fn i64(&mut self, value: i64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    pub fn i128(&mut self, value: i128) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    pub fn str(&mut self, text: &str) {
        self.u32(text.len() as u32);
        self.out.extend_from_slice(text.as_bytes());
    }

    pub fn ts(&mut self, ts: Timestamp) {
        self.i64(ts.nanos());
    }

    /// A length or count (`u32`).
    pub fn count(&mut self, count: usize) {
        self.u32(u32::try_from(count).expect("snapshot counts fit u32"));
    }

    fn opt<T>(&mut self, value: Option<T>, put: impl FnOnce(&mut Self, T)) {
        match value {
            Some(value) => {
                self.u8(1);
                put(self, value);
            }
            None => self.u8(0),
        }
    }

    pub fn opt_price(&mut self, price: Option<Price>) {
        self.opt(price, |e, p| e.u32(p.units()));
    }

    pub fn opt_i64(&mut self, value: Option<i64>) {
        self.opt(value, |e, v| e.i64(v));
    }

    pub fn order(&mut self, order: &Order) {
        self.u64(order.id.get());
        self.u32(order.account.get());
        self.opt(order.market, |e, m| e.u32(m.get()));
        self.intent(order.intent);
        self.order_kind(order.kind);
        self.opt_price(order.price);
        self.i64(order.qty.units());
        self.i64(order.cum_qty.units());
        self.i64(order.leaves_qty.units());
        self.tif(order.tif);
        self.opt_i64(order.good_till.map(Timestamp::nanos));
        self.bool(order.post_only);
        self.opt_i64(order.cash_qty.map(Cash::units));
        self.opt(order.manual, |e, m| e.manual(m));
        self.order_state(order.state);
        self.bool(order.close_position);
        self.ts(order.ts_created);
        self.ts(order.ts_inserted);
        self.i64(order.notional_filled.units());
        self.i64(order.fees_total.units());
    }

    pub fn position(&mut self, position: &Position) {
        for qty in [position.net, position.bought, position.sold] {
            self.i64(qty.units());
        }
        for cash in [position.cost, position.realized, position.fees] {
            self.i64(cash.units());
        }
        self.bool(position.expired);
        self.ts(position.ts_updated);
    }

    pub fn note(&mut self, note: Note) {
        self.u8(note_code(note));
    }

    /// Raw bytes (the caller writes their length first).
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    pub fn execution(&mut self, execution: &Execution) {
        self.u64(execution.id.get());
        self.exec_kind(execution.kind);
        self.order(&execution.order);
        self.opt(execution.fill, |e, fill| {
            e.u64(fill.trade.get());
            e.i64(fill.qty.units());
            e.u32(fill.px.units());
            e.bool(fill.aggressor);
            e.i64(fill.fee.units());
        });
        self.opt(execution.reject, |e, reason| e.u32(u32::from(reason.code())));
        self.opt(execution.unsolicited, |e, cause| e.unsolicited(cause));
        self.note(execution.note);
    }

    fn trade_side(&mut self, side: &TradeSide) {
        self.u32(side.account.get());
        self.u64(side.order.get());
        self.i64(side.fee.units());
        self.i64(side.realized_pnl.units());
        self.i64(side.cost_basis.units());
    }

    pub fn trade(&mut self, trade: &Trade) {
        self.u64(trade.id.get());
        self.u32(trade.market.get());
        self.u32(trade.px.units());
        self.i64(trade.qty.units());
        self.side(trade.taker_side);
        self.trade_side(&trade.taker);
        self.trade_side(&trade.maker);
    }

    pub fn resolution(&mut self, resolution: &Resolution) {
        self.u32(resolution.account.get());
        self.u32(resolution.market.get());
        self.position(&resolution.before);
        self.position(&resolution.after);
        self.resolution_side(resolution.side);
        self.u32(resolution.value.units());
        self.i64(resolution.payout.units());
    }
}

impl<'a> SnapshotDecoder<'a> {
    /// A decoder over `bytes`.
    pub fn new(bytes: &'a [u8]) -> SnapshotDecoder<'a> {
        SnapshotDecoder { bytes, at: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// Fails unless every byte was read.
    pub fn finish(&self) -> Result<(), SnapshotError> {
        match self.remaining() {
            0 => Ok(()),
            left => Err(SnapshotError::Trailing(left)),
        }
    }

    fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], SnapshotError> {
        if self.remaining() < len {
            return Err(SnapshotError::Short { at: self.at, what });
        }
        let taken = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], SnapshotError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N, what)?);
        Ok(array)
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, SnapshotError> {
        Ok(self.take(1, what)?[0])
    }

    pub fn bool(&mut self, what: &'static str) -> Result<bool, SnapshotError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(SnapshotError::Invalid { what, value: u64::from(value) }),
        }
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, SnapshotError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, SnapshotError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    pub fn i64(&mut self, what: &'static str) -> Result<i64, SnapshotError> {
        Ok(i64::from_le_bytes(self.array(what)?))
    }

    pub fn i128(&mut self, what: &'static str) -> Result<i128, SnapshotError> {
        Ok(i128::from_le_bytes(self.array(what)?))
    }

    pub fn str(&mut self, what: &'static str) -> Result<&'a str, SnapshotError> {
        let len = self.u32(what)? as usize;
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes).map_err(|_| SnapshotError::Invalid { what, value: len as u64 })
    }

    pub fn ts(&mut self, what: &'static str) -> Result<Timestamp, SnapshotError> {
        Ok(Timestamp(self.i64(what)?))
    }

    /// A count of items that each take at least `item_min` bytes: a damaged count is
    /// refused before anything is allocated for it.
    pub fn count(&mut self, what: &'static str, item_min: usize) -> Result<usize, SnapshotError> {
        let count = self.u32(what)? as usize;
        if count.saturating_mul(item_min.max(1)) > self.remaining() {
            return Err(SnapshotError::Invalid { what, value: count as u64 });
        }
        Ok(count)
    }

    fn opt<T>(
        &mut self,
        what: &'static str,
        get: impl FnOnce(&mut Self) -> Result<T, SnapshotError>,
    ) -> Result<Option<T>, SnapshotError> {
        if self.bool(what)? { get(self).map(Some) } else { Ok(None) }
    }

    pub fn opt_price(&mut self, what: &'static str) -> Result<Option<Price>, SnapshotError> {
        self.opt(what, |d| d.u32(what).map(Price))
    }

    pub fn opt_i64(&mut self, what: &'static str) -> Result<Option<i64>, SnapshotError> {
        self.opt(what, |d| d.i64(what))
    }

    pub fn order(&mut self) -> Result<Order, SnapshotError> {
        Ok(Order {
            id: OrderId(self.u64("order id")?),
            account: AccountId(self.u32("order account")?),
            market: self.opt("order market", |d| d.u32("order market").map(MarketId))?,
            intent: self.intent()?,
            kind: self.order_kind()?,
            price: self.opt_price("order price")?,
            qty: Qty(self.i64("order qty")?),
            cum_qty: Qty(self.i64("order cum qty")?),
            leaves_qty: Qty(self.i64("order leaves qty")?),
            tif: self.tif()?,
            good_till: self.opt_i64("order good till")?.map(Timestamp),
            post_only: self.bool("order post only")?,
            cash_qty: self.opt_i64("order cash qty")?.map(Cash),
            manual: self.opt("order manual", |d| d.manual())?,
            state: self.order_state()?,
            close_position: self.bool("order close position")?,
            ts_created: self.ts("order created")?,
            ts_inserted: self.ts("order inserted")?,
            notional_filled: Cash(self.i64("order notional")?),
            fees_total: Cash(self.i64("order fees")?),
        })
    }

    pub fn position(&mut self) -> Result<Position, SnapshotError> {
        Ok(Position {
            net: Qty(self.i64("position")?),
            bought: Qty(self.i64("position")?),
            sold: Qty(self.i64("position")?),
            cost: Cash(self.i64("position")?),
            realized: Cash(self.i64("position")?),
            fees: Cash(self.i64("position")?),
            expired: self.bool("position expired")?,
            ts_updated: self.ts("position updated")?,
        })
    }

    pub fn note(&mut self) -> Result<Note, SnapshotError> {
        let code = self.u8("note")?;
        note_of_code(code).ok_or(SnapshotError::Invalid { what: "note", value: u64::from(code) })
    }

    /// `len` raw bytes.
    pub fn bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], SnapshotError> {
        self.take(len, what)
    }

    pub fn execution(&mut self) -> Result<Execution, SnapshotError> {
        Ok(Execution {
            id: ExecutionId(self.u64("execution id")?),
            kind: self.exec_kind()?,
            order: self.order()?,
            fill: self.opt("fill", |d| {
                Ok(FillInfo {
                    trade: TradeId(d.u64("fill")?),
                    qty: Qty(d.i64("fill")?),
                    px: Price(d.u32("fill")?),
                    aggressor: d.bool("fill aggressor")?,
                    fee: Cash(d.i64("fill")?),
                })
            })?,
            reject: self.opt("reject reason", |d| {
                let code = d.u32("reject reason")?;
                RejectReason::ALL
                    .into_iter()
                    .find(|reason| u32::from(reason.code()) == code)
                    .ok_or(SnapshotError::Invalid { what: "reject reason", value: u64::from(code) })
            })?,
            unsolicited: self.opt("unsolicited", |d| d.unsolicited())?,
            note: self.note()?,
        })
    }

    fn trade_side(&mut self) -> Result<TradeSide, SnapshotError> {
        Ok(TradeSide {
            account: AccountId(self.u32("trade")?),
            order: OrderId(self.u64("trade")?),
            fee: Cash(self.i64("trade")?),
            realized_pnl: Cash(self.i64("trade")?),
            cost_basis: Cash(self.i64("trade")?),
        })
    }

    pub fn trade(&mut self) -> Result<Trade, SnapshotError> {
        Ok(Trade {
            id: TradeId(self.u64("trade")?),
            market: MarketId(self.u32("trade")?),
            px: Price(self.u32("trade")?),
            qty: Qty(self.i64("trade")?),
            taker_side: self.side()?,
            taker: self.trade_side()?,
            maker: self.trade_side()?,
        })
    }

    pub fn resolution(&mut self) -> Result<Resolution, SnapshotError> {
        Ok(Resolution {
            account: AccountId(self.u32("resolution")?),
            market: MarketId(self.u32("resolution")?),
            before: self.position()?,
            after: self.position()?,
            side: self.resolution_side()?,
            value: Price(self.u32("resolution")?),
            payout: Cash(self.i64("resolution")?),
        })
    }
}

impl Engine {
    /// Appends a snapshot of the whole state to `out` (see the module doc).
    pub fn encode_snapshot(&self, out: &mut Vec<u8>) {
        debug_assert!(self.touched.is_empty(), "snapshot between commands only");
        let mut e = SnapshotEncoder::new(out);
        e.out.extend_from_slice(&SNAPSHOT_MAGIC);
        e.u32(SNAPSHOT_VERSION);
        let counters = self.counters;
        for value in [counters.order, counters.trade, counters.execution, counters.transaction] {
            e.u64(value);
        }
        e.i128(self.ledger.deposits);
        e.i128(self.ledger.withdrawals);
        e.i128(self.ledger.fees_kept);
        e.ts(self.now);

        e.count(self.markets.len());
        for market in &self.markets {
            e.u32(market.id.get());
            let spec = &market.spec;
            for text in [&spec.slug, &spec.title, &spec.outcome, &spec.event_slug] {
                e.str(text);
            }
            e.u32(spec.tick.units());
            e.i64(spec.min_qty.units());
            e.u32(spec.price_min.units());
            e.u32(spec.price_max.units());
            e.market_state(spec.state);
            e.i64(spec.taker_rate.units());
            e.i64(spec.maker_rate.units());
            e.market_state(market.state);
            e.opt_price(market.settlement);
            let stats = &market.stats;
            e.opt_price(stats.last_trade_px);
            e.i64(stats.last_trade_qty.units());
            e.opt_i64(stats.ts_last_trade.map(Timestamp::nanos));
            e.opt_price(stats.high_px);
            e.opt_price(stats.low_px);
            e.i64(stats.shares_traded.units());
            e.i64(stats.notional_traded.units());
            e.i64(stats.open_interest.units());
            for ladder in [&market.book.bids, &market.book.asks] {
                let used = ladder.levels.iter().filter(|level| level.count > 0).count();
                e.count(used);
                for (at, level) in ladder.levels.iter().enumerate().filter(|(_, level)| level.count > 0) {
                    e.u32(at as u32);
                    e.u32(level.head);
                    e.u32(level.tail);
                    e.i64(level.qty.units());
                    e.u32(level.count);
                }
            }
        }

        e.count(self.accounts.len());
        for account in &self.accounts {
            e.u32(account.id.get());
            e.str(&account.name);
            e.i64(account.cash.units());
            e.i64(account.margin.units());
            e.u64(self.resting_count(account.id, None) as u64);
            e.count(account.markets.len());
            for (market, index) in account.markets.iter() {
                e.u32(market.get());
                e.u32(index);
            }
        }

        e.count(self.states.len());
        for state in &self.states {
            e.position(&state.position);
            for totals in [&state.exposure.bids, &state.exposure.offers] {
                e.i128(i128::from(totals.qty));
                e.i128(i128::from(totals.notional));
                e.i128(i128::from(totals.fee));
            }
            e.i64(state.exposure.sell_long);
            e.i64(state.exposure.sell_short);
            e.u32(state.head);
            e.u32(state.tail);
            e.u32(state.orders_count);
        }

        e.count(self.store.slots.len());
        for slot in &self.store.slots {
            e.order(&slot.order);
            for link in [slot.state, slot.level, slot.prev, slot.next, slot.account_prev, slot.account_next] {
                e.u32(link);
            }
            e.i128(slot.fees.exact_total);
            e.i64(slot.fees.charged_total.units());
            let reserve = slot.reserve();
            e.i64(reserve.qty);
            e.i64(reserve.notional);
            e.i64(reserve.fee);
        }
        let free = self.store.free_list();
        e.count(free.len());
        for &at in free {
            e.u32(at);
        }
    }

    /// Rebuilds an engine from `encode_snapshot`'s bytes; it has the same `state_hash` and
    /// behaves identically. Damage is an error, never a panic (see the module doc).
    pub fn decode_snapshot(bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let mut d = SnapshotDecoder::new(bytes);
        if d.array::<8>("magic")? != SNAPSHOT_MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = d.u32("version")?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::UnsupportedVersion { found: version, supported: SNAPSHOT_VERSION });
        }
        let mut engine = Engine::new();
        engine.counters = Counters {
            order: d.u64("counters")?,
            trade: d.u64("counters")?,
            execution: d.u64("counters")?,
            transaction: d.u64("counters")?,
        };
        engine.ledger =
            Ledger { deposits: d.i128("ledger")?, withdrawals: d.i128("ledger")?, fees_kept: d.i128("ledger")? };
        engine.now = d.ts("now")?;

        let markets_count = d.count("markets count", 64)?;
        engine.markets.reserve(markets_count);
        for expected in 0..markets_count {
            let id = d.u32("market id")?;
            if id as usize != expected {
                return Err(SnapshotError::Invalid { what: "market id", value: u64::from(id) });
            }
            let spec = MarketSpec {
                slug: d.str("market slug")?.to_owned(),
                title: d.str("market title")?.to_owned(),
                outcome: d.str("market outcome")?.to_owned(),
                event_slug: d.str("market event slug")?.to_owned(),
                tick: Price(d.u32("market tick")?),
                min_qty: Qty(d.i64("market min qty")?),
                price_min: Price(d.u32("market price min")?),
                price_max: Price(d.u32("market price max")?),
                state: d.market_state()?,
                taker_rate: Rate(d.i64("market taker rate")?),
                maker_rate: Rate(d.i64("market maker rate")?),
            };
            let tick = spec.tick.units();
            if tick == 0 || !(types::PRICE_SCALE as u32).is_multiple_of(tick) {
                return Err(SnapshotError::Invalid { what: "market tick", value: u64::from(tick) });
            }
            let state = d.market_state()?;
            let settlement = d.opt_price("market settlement")?;
            let stats = MarketStats {
                last_trade_px: d.opt_price("market stats")?,
                last_trade_qty: Qty(d.i64("market stats")?),
                ts_last_trade: d.opt_i64("market stats")?.map(Timestamp),
                high_px: d.opt_price("market stats")?,
                low_px: d.opt_price("market stats")?,
                shares_traded: Qty(d.i64("market stats")?),
                notional_traded: Cash(d.i64("market stats")?),
                open_interest: Qty(d.i64("market stats")?),
            };
            let levels_count = Market::levels_count(spec.tick);
            let ladder = |side: Side, d: &mut SnapshotDecoder<'_>| -> Result<Ladder, SnapshotError> {
                let mut levels = vec![EMPTY_LEVEL; levels_count];
                for _ in 0..d.count("levels count", 24)? {
                    let at = d.u32("level index")? as usize;
                    if at >= levels_count || levels[at].count > 0 {
                        return Err(SnapshotError::Invalid { what: "level index", value: at as u64 });
                    }
                    levels[at] =
                        Level { head: d.u32("level")?, tail: d.u32("level")?, qty: Qty(d.i64("level")?), count: 0 };
                    levels[at].count = d.u32("level")?;
                    if levels[at].count == 0 {
                        return Err(SnapshotError::Invalid { what: "level count", value: 0 });
                    }
                }
                Ok(Ladder::restore(side, levels))
            };
            let bids = ladder(Side::Buy, &mut d)?;
            let asks = ladder(Side::Sell, &mut d)?;
            let book = Book { bids, asks };
            engine.markets.push(Market::restore(MarketId(id), spec, state, settlement, stats, book));
        }

        let accounts_count = d.count("accounts count", 32)?;
        engine.accounts.reserve(accounts_count);
        for expected in 0..accounts_count {
            let id = d.u32("account id")?;
            if id as usize != expected {
                return Err(SnapshotError::Invalid { what: "account id", value: u64::from(id) });
            }
            let name: Box<str> = d.str("account name")?.into();
            let mut account = Account::new(AccountId(id), name);
            account.cash = Cash(d.i64("account cash")?);
            account.margin = Cash(d.i64("account margin")?);
            account.orders_count = d.u64("account orders")? as usize;
            let mut entries = Vec::with_capacity(d.count("account markets", 8)?);
            for _ in 0..entries.capacity() {
                entries.push((MarketId(d.u32("account market")?), d.u32("account state index")?));
            }
            if entries.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
                return Err(SnapshotError::Inconsistent(format!("account {id}'s markets are not sorted")));
            }
            account.markets = MarketMap::from_entries(entries);
            engine.accounts.push(account);
        }

        let states_count = d.count("states count", 48)?;
        engine.states.reserve(states_count);
        for _ in 0..states_count {
            let position = d.position()?;
            // Encoded as i128 (the format predates the i64 totals); a value past i64
            // cannot come from the engine. The invariant check after decoding compares the
            // totals with the orders.
            let mut figure = || -> Result<i64, SnapshotError> {
                let value = d.i128("exposure")?;
                i64::try_from(value)
                    .map_err(|_| SnapshotError::Inconsistent(format!("exposure total {value} is out of range")))
            };
            let mut totals = || -> Result<SideTotals, SnapshotError> {
                Ok(SideTotals { qty: figure()?, notional: figure()?, fee: figure()? })
            };
            let bids = totals()?;
            let offers = totals()?;
            let exposure = Exposure { bids, offers, sell_long: d.i64("exposure")?, sell_short: d.i64("exposure")? };
            engine.states.push(AccountMarket {
                position,
                exposure,
                head: d.u32("state head")?,
                tail: d.u32("state tail")?,
                orders_count: d.u32("state orders")?,
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

        let slots_count = d.count("slots count", 64)?;
        let mut slots = Vec::with_capacity(slots_count);
        // The stored reserve's quantity and notional, which a live slot derives from its order.
        let mut reserves = Vec::with_capacity(slots_count);
        for _ in 0..slots_count {
            let order = d.order()?;
            let mut slot = Slot {
                order,
                state: d.u32("slot")?,
                level: d.u32("slot")?,
                prev: d.u32("slot")?,
                next: d.u32("slot")?,
                account_prev: d.u32("slot")?,
                account_next: d.u32("slot")?,
                fees: FeeCap { exact_total: d.i128("slot fees")?, charged_total: Cash(d.i64("slot fees")?) },
                reserve_fee: 0,
            };
            reserves.push((d.i64("slot reserve")?, d.i64("slot reserve")?));
            slot.reserve_fee = d.i64("slot reserve")?;
            slots.push(slot);
        }
        let free_count = d.count("free slots count", 4)?;
        let mut free = Vec::with_capacity(free_count);
        let mut is_free = vec![false; slots_count];
        for _ in 0..free_count {
            let at = d.u32("free slot")?;
            if at as usize >= slots_count || is_free[at as usize] {
                return Err(SnapshotError::Invalid { what: "free slot", value: u64::from(at) });
            }
            is_free[at as usize] = true;
            free.push(at);
        }
        d.finish()?;

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
