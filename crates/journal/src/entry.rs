//! The journal entry: `Entry` and its encoding, built from the `codec` primitives and the
//! engine's code tables (`engine::codes`).
//!
//! An encoded entry is the payload of one journal record. The record header already carries
//! the sequence number, so a command's `seq` is not repeated in the payload: `Entry::decode`
//! takes it from the record.
//!
//! Building blocks (see the `codec` crate doc): `u8` one byte; `var` an unsigned LEB128
//! varint, canonical, range-checked on decode; `zz` a zigzag varint; `i64le` 8 bytes
//! little-endian (timestamps: nanosecond values are large); `str` a `var` byte length, then
//! UTF-8; `flags` one byte of presence bits, where a bit the type does not define is an
//! error; enums one byte each with the stable 1-based code of their table in `engine::codes`
//! (`Intent`, `OrderKind`, `Tif`, `ManualIndicator`, `MarketState`).
//!
//! Entry: `u8` kind, then the kind's body. Kinds (stable, never reused):
//! - `1` command: `ts i64le`, `u8` op tag, op body;
//! - `2` key grant: `key_id str`, `public_key` (32 raw bytes), `account str`.
//!
//! Op tags and bodies (ids and prices are `var`; `Qty`, `Cash`, `Rate`, bips and ticks are `zz`):
//!
//! | tag | op               | body |
//! |-----|------------------|------|
//! | 1   | `CreateMarket`   | slug, title, outcome, event_slug `str`; tick, min_qty, price_min, price_max, state, taker_rate, maker_rate |
//! | 2   | `SetMarketState` | market, state |
//! | 3   | `SettleMarket`   | market, value |
//! | 4   | `CreateAccount`  | name `str` |
//! | 5   | `Deposit`        | account, amount |
//! | 6   | `Withdraw`       | account, amount |
//! | 7   | `PlaceOrder`     | flags, account, market, intent, kind, [price], size, [tif], [good_till], [slippage], [manual] |
//! | 8   | `CancelOrder`    | account, order |
//! | 9   | `CancelAll`      | account, `var` count, count x market |
//! | 10  | `ModifyOrder`    | account, order, flags, [price], [qty], [tif], [good_till] |
//! | 11  | `ClosePosition`  | account, flags, market, [slippage], [manual] |
//! | 12  | `AdvanceTime`    | (empty) |
//! | 13  | `EndOfDay`       | (empty) |
//!
//! `PlaceOrder` flags: bit 0 price present, 1 size is cash (else quantity), 2 tif present,
//! 3 good_till present, 4 post_only, 5 slippage present, 6 manual present, 7 market given by
//! slug (`str`, else id `var`). `ModifyOrder` flags: bit 0 price, 1 qty, 2 tif, 3 post_only
//! present, 4 post_only value (only with bit 3), 5 good_till. `ClosePosition` flags: bit 0
//! market by slug, 1 slippage present, 2 manual present. A slippage is its own flags byte
//! (bit 0 current_price, 1 bips, 2 ticks) followed by the present fields.
//!
//! Decoding is strict: an unknown tag or enum code, undefined flag bits, a non-canonical or
//! out-of-range varint, invalid UTF-8, a short buffer or trailing bytes are each a typed
//! `DecodeError` (the `codec` crate's). So every value has exactly one encoding, and a
//! checksummed record that does not decode is corruption, never something to skip. The only
//! allocations are the `String`s (and the `CancelAll` market list) that the types themselves
//! own.
//!
//! Adding an entry kind or an op: give it the next unused tag, extend `encode` (its matches are
//! exhaustive, so the compiler points at every place) and `decode`. Old binaries refuse the new
//! tag instead of misreading it.

pub use codec::DecodeError;
use codec::{Reader, Writer};
use engine::{ClosePosition, Command, MarketRef, MarketSpec, Modify, NewOrder, Op, Size, Slippage};
use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Rate, Seq, Timestamp};

/// One journaled fact. Every entry occupies one record and one sequence number.
///
/// Kinds are tagged by a byte in the encoding; a new kind is a new variant with a new tag.
/// The enum is deliberately not `#[non_exhaustive]`: a replay `match` should stop compiling
/// when a kind is added, not skip it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// An engine input. Its `seq` equals the record's sequence number.
    Command(Command),
    /// An API key granted to an account (demo and config keys survive restarts this way).
    Key(KeyGrant),
}

impl Entry {
    /// The command, if this entry is one.
    pub fn as_command(&self) -> Option<&Command> {
        match self {
            Entry::Command(command) => Some(command),
            Entry::Key(_) => None,
        }
    }
}

/// An API key granted to an account, named as in the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGrant {
    /// The key id the client sends (a UUID string).
    pub key_id: String,
    /// The Ed25519 public key.
    pub public_key: [u8; 32],
    /// The account's name (`CreateAccount.name`).
    pub account: String,
}

// Entry kinds.
const KIND_COMMAND: u8 = 1;
const KIND_KEY: u8 = 2;

// Op tags.
const OP_CREATE_MARKET: u8 = 1;
const OP_SET_MARKET_STATE: u8 = 2;
const OP_SETTLE_MARKET: u8 = 3;
const OP_CREATE_ACCOUNT: u8 = 4;
const OP_DEPOSIT: u8 = 5;
const OP_WITHDRAW: u8 = 6;
const OP_PLACE_ORDER: u8 = 7;
const OP_CANCEL_ORDER: u8 = 8;
const OP_CANCEL_ALL: u8 = 9;
const OP_MODIFY_ORDER: u8 = 10;
const OP_CLOSE_POSITION: u8 = 11;
const OP_ADVANCE_TIME: u8 = 12;
const OP_END_OF_DAY: u8 = 13;

// `PlaceOrder` flags.
const PLACE_PRICE: u8 = 1 << 0;
const PLACE_CASH: u8 = 1 << 1;
const PLACE_TIF: u8 = 1 << 2;
const PLACE_GOOD_TILL: u8 = 1 << 3;
const PLACE_POST_ONLY: u8 = 1 << 4;
const PLACE_SLIPPAGE: u8 = 1 << 5;
const PLACE_MANUAL: u8 = 1 << 6;
const PLACE_SLUG: u8 = 1 << 7;

// `ModifyOrder` flags.
const MODIFY_PRICE: u8 = 1 << 0;
const MODIFY_QTY: u8 = 1 << 1;
const MODIFY_TIF: u8 = 1 << 2;
const MODIFY_POST_ONLY: u8 = 1 << 3;
const MODIFY_POST_ONLY_VALUE: u8 = 1 << 4;
const MODIFY_GOOD_TILL: u8 = 1 << 5;
const MODIFY_ALL: u8 = (1 << 6) - 1;

// `ClosePosition` flags.
const CLOSE_SLUG: u8 = 1 << 0;
const CLOSE_SLIPPAGE: u8 = 1 << 1;
const CLOSE_MANUAL: u8 = 1 << 2;
const CLOSE_ALL: u8 = (1 << 3) - 1;

// `Slippage` flags.
const SLIPPAGE_CURRENT_PRICE: u8 = 1 << 0;
const SLIPPAGE_BIPS: u8 = 1 << 1;
const SLIPPAGE_TICKS: u8 = 1 << 2;
const SLIPPAGE_ALL: u8 = (1 << 3) - 1;

impl Entry {
    /// Appends the encoding of this entry to `out`. (A command's `seq` is not part of it.)
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer::new(out);
        match self {
            Entry::Command(command) => {
                w.u8(KIND_COMMAND);
                w.i64_le(command.ts.nanos());
                encode_op(&command.op, &mut w);
            }
            Entry::Key(grant) => {
                w.u8(KIND_KEY);
                w.str(&grant.key_id);
                w.array(&grant.public_key);
                w.str(&grant.account);
            }
        }
    }

    /// Decodes one entry occupying all of `bytes`; a command gets `seq` (the record's).
    pub fn decode(seq: Seq, bytes: &[u8]) -> Result<Entry, DecodeError> {
        let mut r = Reader::new(bytes);
        let kind_at = r.at();
        let entry = match r.u8()? {
            KIND_COMMAND => {
                let ts = Timestamp(r.i64_le()?);
                let op = decode_op(&mut r)?;
                Entry::Command(Command { seq, ts, op })
            }
            KIND_KEY => {
                let key_id = r.string()?;
                let public_key = r.array::<32>()?;
                let account = r.string()?;
                Entry::Key(KeyGrant { key_id, public_key, account })
            }
            code => return Err(DecodeError::UnknownCode { what: "entry kind", code, at: kind_at }),
        };
        r.finish()?;
        Ok(entry)
    }
}

fn encode_op(op: &Op, w: &mut Writer<'_>) {
    match op {
        Op::CreateMarket(spec) => {
            w.u8(OP_CREATE_MARKET);
            w.str(&spec.slug);
            w.str(&spec.title);
            w.str(&spec.outcome);
            w.str(&spec.event_slug);
            w.u32(spec.tick.0);
            w.i64(spec.min_qty.0);
            w.u32(spec.price_min.0);
            w.u32(spec.price_max.0);
            w.code(spec.state);
            w.i64(spec.taker_rate.0);
            w.i64(spec.maker_rate.0);
        }
        Op::SetMarketState { market, state } => {
            w.u8(OP_SET_MARKET_STATE);
            w.u32(market.0);
            w.code(*state);
        }
        Op::SettleMarket { market, value } => {
            w.u8(OP_SETTLE_MARKET);
            w.u32(market.0);
            w.u32(value.0);
        }
        Op::CreateAccount { name } => {
            w.u8(OP_CREATE_ACCOUNT);
            w.str(name);
        }
        Op::Deposit { account, amount } => {
            w.u8(OP_DEPOSIT);
            w.u32(account.0);
            w.i64(amount.0);
        }
        Op::Withdraw { account, amount } => {
            w.u8(OP_WITHDRAW);
            w.u32(account.0);
            w.i64(amount.0);
        }
        Op::PlaceOrder(order) => {
            w.u8(OP_PLACE_ORDER);
            encode_new_order(order, w);
        }
        Op::CancelOrder { account, order } => {
            w.u8(OP_CANCEL_ORDER);
            w.u32(account.0);
            w.u64(order.0);
        }
        Op::CancelAll { account, markets } => {
            w.u8(OP_CANCEL_ALL);
            w.u32(account.0);
            w.usize(markets.len());
            for market in markets {
                w.u32(market.0);
            }
        }
        Op::ModifyOrder(modify) => {
            w.u8(OP_MODIFY_ORDER);
            encode_modify(modify, w);
        }
        Op::ClosePosition(close) => {
            w.u8(OP_CLOSE_POSITION);
            encode_close(close, w);
        }
        Op::AdvanceTime => w.u8(OP_ADVANCE_TIME),
        Op::EndOfDay => w.u8(OP_END_OF_DAY),
    }
}

fn encode_new_order(order: &NewOrder, w: &mut Writer<'_>) {
    let NewOrder { account, market, intent, kind, price, size, tif, good_till, post_only, slippage, manual } = order;
    let mut flags = 0;
    flags |= codec::flag(price.is_some(), PLACE_PRICE);
    flags |= codec::flag(matches!(size, Size::Cash(_)), PLACE_CASH);
    flags |= codec::flag(tif.is_some(), PLACE_TIF);
    flags |= codec::flag(good_till.is_some(), PLACE_GOOD_TILL);
    flags |= codec::flag(*post_only, PLACE_POST_ONLY);
    flags |= codec::flag(slippage.is_some(), PLACE_SLIPPAGE);
    flags |= codec::flag(manual.is_some(), PLACE_MANUAL);
    flags |= codec::flag(matches!(market, MarketRef::Slug(_)), PLACE_SLUG);
    w.flags(flags);
    w.u32(account.0);
    put_market_ref(w, market);
    w.code(*intent);
    w.code(*kind);
    if let Some(price) = price {
        w.u32(price.0);
    }
    match size {
        Size::Qty(qty) => w.i64(qty.0),
        Size::Cash(cash) => w.i64(cash.0),
    }
    if let Some(tif) = tif {
        w.code(*tif);
    }
    if let Some(good_till) = good_till {
        w.i64_le(good_till.nanos());
    }
    if let Some(slippage) = slippage {
        put_slippage(w, slippage);
    }
    if let Some(manual) = manual {
        w.code(*manual);
    }
}

fn encode_modify(modify: &Modify, w: &mut Writer<'_>) {
    let Modify { account, order, price, qty, tif, post_only, good_till } = modify;
    let mut flags = 0;
    flags |= codec::flag(price.is_some(), MODIFY_PRICE);
    flags |= codec::flag(qty.is_some(), MODIFY_QTY);
    flags |= codec::flag(tif.is_some(), MODIFY_TIF);
    flags |= codec::flag(post_only.is_some(), MODIFY_POST_ONLY);
    flags |= codec::flag(*post_only == Some(true), MODIFY_POST_ONLY_VALUE);
    flags |= codec::flag(good_till.is_some(), MODIFY_GOOD_TILL);
    w.u32(account.0);
    w.u64(order.0);
    w.flags(flags);
    if let Some(price) = price {
        w.u32(price.0);
    }
    if let Some(qty) = qty {
        w.i64(qty.0);
    }
    if let Some(tif) = tif {
        w.code(*tif);
    }
    if let Some(good_till) = good_till {
        w.i64_le(good_till.nanos());
    }
}

fn encode_close(close: &ClosePosition, w: &mut Writer<'_>) {
    let ClosePosition { account, market, slippage, manual } = close;
    let mut flags = 0;
    flags |= codec::flag(matches!(market, MarketRef::Slug(_)), CLOSE_SLUG);
    flags |= codec::flag(slippage.is_some(), CLOSE_SLIPPAGE);
    flags |= codec::flag(manual.is_some(), CLOSE_MANUAL);
    w.u32(account.0);
    w.flags(flags);
    put_market_ref(w, market);
    if let Some(slippage) = slippage {
        put_slippage(w, slippage);
    }
    if let Some(manual) = manual {
        w.code(*manual);
    }
}

fn put_market_ref(w: &mut Writer<'_>, market: &MarketRef) {
    match market {
        MarketRef::Id(id) => w.u32(id.0),
        MarketRef::Slug(slug) => w.str(slug),
    }
}

fn put_slippage(w: &mut Writer<'_>, slippage: &Slippage) {
    let Slippage { current_price, bips, ticks } = slippage;
    let mut flags = 0;
    flags |= codec::flag(current_price.is_some(), SLIPPAGE_CURRENT_PRICE);
    flags |= codec::flag(bips.is_some(), SLIPPAGE_BIPS);
    flags |= codec::flag(ticks.is_some(), SLIPPAGE_TICKS);
    w.flags(flags);
    if let Some(price) = current_price {
        w.u32(price.0);
    }
    if let Some(bips) = bips {
        w.i32(*bips);
    }
    if let Some(ticks) = ticks {
        w.i32(*ticks);
    }
}

fn price(r: &mut Reader<'_>) -> Result<Price, DecodeError> {
    r.u32().map(Price)
}

fn decode_op(r: &mut Reader<'_>) -> Result<Op, DecodeError> {
    let tag_at = r.at();
    let op = match r.u8()? {
        OP_CREATE_MARKET => Op::CreateMarket(MarketSpec {
            slug: r.string()?,
            title: r.string()?,
            outcome: r.string()?,
            event_slug: r.string()?,
            tick: price(r)?,
            min_qty: Qty(r.i64()?),
            price_min: price(r)?,
            price_max: price(r)?,
            state: r.code()?,
            taker_rate: Rate(r.i64()?),
            maker_rate: Rate(r.i64()?),
        }),
        OP_SET_MARKET_STATE => Op::SetMarketState { market: MarketId(r.u32()?), state: r.code()? },
        OP_SETTLE_MARKET => Op::SettleMarket { market: MarketId(r.u32()?), value: price(r)? },
        OP_CREATE_ACCOUNT => Op::CreateAccount { name: r.string()? },
        OP_DEPOSIT => Op::Deposit { account: AccountId(r.u32()?), amount: Cash(r.i64()?) },
        OP_WITHDRAW => Op::Withdraw { account: AccountId(r.u32()?), amount: Cash(r.i64()?) },
        OP_PLACE_ORDER => Op::PlaceOrder(decode_new_order(r)?),
        OP_CANCEL_ORDER => Op::CancelOrder { account: AccountId(r.u32()?), order: OrderId(r.u64()?) },
        OP_CANCEL_ALL => {
            let account = AccountId(r.u32()?);
            // Each id takes at least one byte: a count beyond the rest of the payload is bogus,
            // and must not turn into a huge allocation.
            let count = r.count(1)?;
            let mut markets = Vec::with_capacity(count);
            for _ in 0..count {
                markets.push(MarketId(r.u32()?));
            }
            Op::CancelAll { account, markets }
        }
        OP_MODIFY_ORDER => Op::ModifyOrder(decode_modify(r)?),
        OP_CLOSE_POSITION => Op::ClosePosition(decode_close(r)?),
        OP_ADVANCE_TIME => Op::AdvanceTime,
        OP_END_OF_DAY => Op::EndOfDay,
        code => return Err(DecodeError::UnknownCode { what: "op", code, at: tag_at }),
    };
    Ok(op)
}

fn decode_new_order(r: &mut Reader<'_>) -> Result<NewOrder, DecodeError> {
    // Every bit of the byte is defined, so there is nothing to refuse here.
    let flags = r.flags("place order", u8::MAX)?;
    let account = AccountId(r.u32()?);
    let market = market_ref(r, flags & PLACE_SLUG != 0)?;
    let intent = r.code()?;
    let kind = r.code()?;
    let price = if flags & PLACE_PRICE != 0 { Some(price(r)?) } else { None };
    let size = if flags & PLACE_CASH != 0 { Size::Cash(Cash(r.i64()?)) } else { Size::Qty(Qty(r.i64()?)) };
    let tif = if flags & PLACE_TIF != 0 { Some(r.code()?) } else { None };
    let good_till = if flags & PLACE_GOOD_TILL != 0 { Some(Timestamp(r.i64_le()?)) } else { None };
    let post_only = flags & PLACE_POST_ONLY != 0;
    let slippage = if flags & PLACE_SLIPPAGE != 0 { Some(slippage(r)?) } else { None };
    let manual = if flags & PLACE_MANUAL != 0 { Some(r.code()?) } else { None };
    Ok(NewOrder { account, market, intent, kind, price, size, tif, good_till, post_only, slippage, manual })
}

fn decode_modify(r: &mut Reader<'_>) -> Result<Modify, DecodeError> {
    let account = AccountId(r.u32()?);
    let order = OrderId(r.u64()?);
    let flags_at = r.at();
    let flags = r.flags("modify", MODIFY_ALL)?;
    if flags & MODIFY_POST_ONLY_VALUE != 0 && flags & MODIFY_POST_ONLY == 0 {
        return Err(DecodeError::InvalidFlags { what: "modify", flags, at: flags_at });
    }
    let price = if flags & MODIFY_PRICE != 0 { Some(price(r)?) } else { None };
    let qty = if flags & MODIFY_QTY != 0 { Some(Qty(r.i64()?)) } else { None };
    let tif = if flags & MODIFY_TIF != 0 { Some(r.code()?) } else { None };
    let post_only = if flags & MODIFY_POST_ONLY != 0 { Some(flags & MODIFY_POST_ONLY_VALUE != 0) } else { None };
    let good_till = if flags & MODIFY_GOOD_TILL != 0 { Some(Timestamp(r.i64_le()?)) } else { None };
    Ok(Modify { account, order, price, qty, tif, post_only, good_till })
}

fn decode_close(r: &mut Reader<'_>) -> Result<ClosePosition, DecodeError> {
    let account = AccountId(r.u32()?);
    let flags = r.flags("close position", CLOSE_ALL)?;
    let market = market_ref(r, flags & CLOSE_SLUG != 0)?;
    let slippage = if flags & CLOSE_SLIPPAGE != 0 { Some(slippage(r)?) } else { None };
    let manual = if flags & CLOSE_MANUAL != 0 { Some(r.code()?) } else { None };
    Ok(ClosePosition { account, market, slippage, manual })
}

fn market_ref(r: &mut Reader<'_>, by_slug: bool) -> Result<MarketRef, DecodeError> {
    if by_slug { Ok(MarketRef::Slug(r.str()?.into())) } else { Ok(MarketRef::Id(MarketId(r.u32()?))) }
}

fn slippage(r: &mut Reader<'_>) -> Result<Slippage, DecodeError> {
    let flags = r.flags("slippage", SLIPPAGE_ALL)?;
    let current_price = if flags & SLIPPAGE_CURRENT_PRICE != 0 { Some(price(r)?) } else { None };
    let bips = if flags & SLIPPAGE_BIPS != 0 { Some(r.i32()?) } else { None };
    let ticks = if flags & SLIPPAGE_TICKS != 0 { Some(r.i32()?) } else { None };
    Ok(Slippage { current_price, bips, ticks })
}
