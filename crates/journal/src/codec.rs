//! The entry codec: a compact, hand-written binary encoding of `Entry`.
//!
//! An encoded entry is the payload of one journal record. The record header already carries
//! the sequence number, so a command's `seq` is not repeated in the payload: `Entry::decode`
//! takes it from the record.
//!
//! Building blocks:
//!
//! | notation | bytes                                                                       |
//! |----------|-----------------------------------------------------------------------------|
//! | `u8`     | one byte                                                                    |
//! | `var`    | unsigned LEB128 varint, canonical (shortest form), range-checked on decode  |
//! | `zz`     | a signed integer zigzag-mapped (`0,-1,1,-2 -> 0,1,2,3`), then `var`          |
//! | `i64le`  | 8 bytes little-endian (timestamps: nanosecond values are large)             |
//! | `str`    | `var` byte length, then UTF-8 bytes                                         |
//! | `flags`  | one byte of presence bits; a set bit that the type does not define is an error |
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
//! (bit 0 current_price, 1 bips, 2 ticks) followed by the present fields. Enums are one `u8`
//! each, with the codes in the tables below (`intent`, `order_kind`, `tif`, `manual`,
//! `market_state`).
//!
//! Decoding is strict: an unknown tag or enum code, undefined flag bits, a non-canonical or
//! out-of-range varint, invalid UTF-8, a short buffer or trailing bytes are each a typed
//! `DecodeError`. So every value has exactly one encoding, and a checksummed record that
//! does not decode is corruption, never something to skip. The only allocations are the
//! `String`s (and the `CancelAll` market list) that the types themselves own.
//!
//! Adding an entry kind or an op: give it the next unused tag, extend `encode` (its matches are
//! exhaustive, so the compiler points at every place) and `decode`. Old binaries refuse the new
//! tag instead of misreading it.

use engine::{
    ClosePosition, Command, Intent, ManualIndicator, MarketRef, MarketSpec, MarketState, Modify, NewOrder, Op,
    OrderKind, Size, Slippage, Tif,
};
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

/// Why a payload could not be decoded. `at` is a byte offset within the payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("payload ends early at byte {at}")]
    UnexpectedEnd { at: usize },
    #[error("unknown {what} code {code} at byte {at}")]
    UnknownCode { what: &'static str, code: u8, at: usize },
    #[error("undefined flag bits {flags:#04x} in {what} at byte {at}")]
    InvalidFlags { what: &'static str, flags: u8, at: usize },
    #[error("integer at byte {at} does not fit its field")]
    OutOfRange { at: usize },
    #[error("integer at byte {at} is not in its shortest encoding")]
    NonCanonical { at: usize },
    #[error("string at byte {at} is not valid UTF-8")]
    InvalidUtf8 { at: usize },
    #[error("{count} trailing bytes after the entry, at byte {at}")]
    TrailingBytes { at: usize, count: usize },
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

/// One table per enum: the encoder's match is exhaustive, the decoder's is its inverse.
macro_rules! code_table {
    ($to:ident, $from:ident, $ty:ty, { $($variant:path = $code:literal),+ $(,)? }) => {
        fn $to(value: $ty) -> u8 {
            match value {
                $($variant => $code,)+
            }
        }

        fn $from(code: u8) -> Option<$ty> {
            match code {
                $($code => Some($variant),)+
                _ => None,
            }
        }
    };
}

code_table!(intent_code, intent_from, Intent, {
    Intent::BuyLong = 0,
    Intent::SellLong = 1,
    Intent::BuyShort = 2,
    Intent::SellShort = 3,
});

code_table!(order_kind_code, order_kind_from, OrderKind, {
    OrderKind::Limit = 0,
    OrderKind::Market = 1,
});

code_table!(tif_code, tif_from, Tif, {
    Tif::Day = 0,
    Tif::GoodTillCancel = 1,
    Tif::GoodTillDate = 2,
    Tif::ImmediateOrCancel = 3,
    Tif::FillOrKill = 4,
});

code_table!(manual_code, manual_from, ManualIndicator, {
    ManualIndicator::Manual = 0,
    ManualIndicator::Automatic = 1,
});

code_table!(market_state_code, market_state_from, MarketState, {
    MarketState::Open = 0,
    MarketState::Preopen = 1,
    MarketState::Suspended = 2,
    MarketState::Halted = 3,
    MarketState::Expired = 4,
});

impl Entry {
    /// Appends the encoding of this entry to `out`. (A command's `seq` is not part of it.)
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Entry::Command(command) => {
                out.push(KIND_COMMAND);
                put_i64le(out, command.ts.nanos());
                encode_op(&command.op, out);
            }
            Entry::Key(grant) => {
                out.push(KIND_KEY);
                put_str(out, &grant.key_id);
                out.extend_from_slice(&grant.public_key);
                put_str(out, &grant.account);
            }
        }
    }

    /// Decodes one entry occupying all of `bytes`; a command gets `seq` (the record's).
    pub fn decode(seq: Seq, bytes: &[u8]) -> Result<Entry, DecodeError> {
        let mut reader = Reader { bytes, at: 0 };
        let kind_at = reader.at;
        let entry = match reader.u8()? {
            KIND_COMMAND => {
                let ts = Timestamp(reader.i64le()?);
                let op = decode_op(&mut reader)?;
                Entry::Command(Command { seq, ts, op })
            }
            KIND_KEY => {
                let key_id = reader.string()?;
                let public_key = reader.array::<32>()?;
                let account = reader.string()?;
                Entry::Key(KeyGrant { key_id, public_key, account })
            }
            code => return Err(DecodeError::UnknownCode { what: "entry kind", code, at: kind_at }),
        };
        if reader.at != bytes.len() {
            return Err(DecodeError::TrailingBytes { at: reader.at, count: bytes.len() - reader.at });
        }
        Ok(entry)
    }
}

fn encode_op(op: &Op, out: &mut Vec<u8>) {
    match op {
        Op::CreateMarket(spec) => {
            out.push(OP_CREATE_MARKET);
            put_str(out, &spec.slug);
            put_str(out, &spec.title);
            put_str(out, &spec.outcome);
            put_str(out, &spec.event_slug);
            put_var(out, u64::from(spec.tick.0));
            put_zz(out, spec.min_qty.0);
            put_var(out, u64::from(spec.price_min.0));
            put_var(out, u64::from(spec.price_max.0));
            out.push(market_state_code(spec.state));
            put_zz(out, spec.taker_rate.0);
            put_zz(out, spec.maker_rate.0);
        }
        Op::SetMarketState { market, state } => {
            out.push(OP_SET_MARKET_STATE);
            put_var(out, u64::from(market.0));
            out.push(market_state_code(*state));
        }
        Op::SettleMarket { market, value } => {
            out.push(OP_SETTLE_MARKET);
            put_var(out, u64::from(market.0));
            put_var(out, u64::from(value.0));
        }
        Op::CreateAccount { name } => {
            out.push(OP_CREATE_ACCOUNT);
            put_str(out, name);
        }
        Op::Deposit { account, amount } => {
            out.push(OP_DEPOSIT);
            put_var(out, u64::from(account.0));
            put_zz(out, amount.0);
        }
        Op::Withdraw { account, amount } => {
            out.push(OP_WITHDRAW);
            put_var(out, u64::from(account.0));
            put_zz(out, amount.0);
        }
        Op::PlaceOrder(order) => {
            out.push(OP_PLACE_ORDER);
            encode_new_order(order, out);
        }
        Op::CancelOrder { account, order } => {
            out.push(OP_CANCEL_ORDER);
            put_var(out, u64::from(account.0));
            put_var(out, order.0);
        }
        Op::CancelAll { account, markets } => {
            out.push(OP_CANCEL_ALL);
            put_var(out, u64::from(account.0));
            put_var(out, markets.len() as u64);
            for market in markets {
                put_var(out, u64::from(market.0));
            }
        }
        Op::ModifyOrder(modify) => {
            out.push(OP_MODIFY_ORDER);
            encode_modify(modify, out);
        }
        Op::ClosePosition(close) => {
            out.push(OP_CLOSE_POSITION);
            encode_close(close, out);
        }
        Op::AdvanceTime => out.push(OP_ADVANCE_TIME),
        Op::EndOfDay => out.push(OP_END_OF_DAY),
    }
}

fn encode_new_order(order: &NewOrder, out: &mut Vec<u8>) {
    let NewOrder { account, market, intent, kind, price, size, tif, good_till, post_only, slippage, manual } = order;
    let mut flags = 0;
    flags |= flag(price.is_some(), PLACE_PRICE);
    flags |= flag(matches!(size, Size::Cash(_)), PLACE_CASH);
    flags |= flag(tif.is_some(), PLACE_TIF);
    flags |= flag(good_till.is_some(), PLACE_GOOD_TILL);
    flags |= flag(*post_only, PLACE_POST_ONLY);
    flags |= flag(slippage.is_some(), PLACE_SLIPPAGE);
    flags |= flag(manual.is_some(), PLACE_MANUAL);
    flags |= flag(matches!(market, MarketRef::Slug(_)), PLACE_SLUG);
    out.push(flags);
    put_var(out, u64::from(account.0));
    put_market_ref(out, market);
    out.push(intent_code(*intent));
    out.push(order_kind_code(*kind));
    if let Some(price) = price {
        put_var(out, u64::from(price.0));
    }
    match size {
        Size::Qty(qty) => put_zz(out, qty.0),
        Size::Cash(cash) => put_zz(out, cash.0),
    }
    if let Some(tif) = tif {
        out.push(tif_code(*tif));
    }
    if let Some(good_till) = good_till {
        put_i64le(out, good_till.nanos());
    }
    if let Some(slippage) = slippage {
        put_slippage(out, slippage);
    }
    if let Some(manual) = manual {
        out.push(manual_code(*manual));
    }
}

fn encode_modify(modify: &Modify, out: &mut Vec<u8>) {
    let Modify { account, order, price, qty, tif, post_only, good_till } = modify;
    let mut flags = 0;
    flags |= flag(price.is_some(), MODIFY_PRICE);
    flags |= flag(qty.is_some(), MODIFY_QTY);
    flags |= flag(tif.is_some(), MODIFY_TIF);
    flags |= flag(post_only.is_some(), MODIFY_POST_ONLY);
    flags |= flag(*post_only == Some(true), MODIFY_POST_ONLY_VALUE);
    flags |= flag(good_till.is_some(), MODIFY_GOOD_TILL);
    put_var(out, u64::from(account.0));
    put_var(out, order.0);
    out.push(flags);
    if let Some(price) = price {
        put_var(out, u64::from(price.0));
    }
    if let Some(qty) = qty {
        put_zz(out, qty.0);
    }
    if let Some(tif) = tif {
        out.push(tif_code(*tif));
    }
    if let Some(good_till) = good_till {
        put_i64le(out, good_till.nanos());
    }
}

fn encode_close(close: &ClosePosition, out: &mut Vec<u8>) {
    let ClosePosition { account, market, slippage, manual } = close;
    let mut flags = 0;
    flags |= flag(matches!(market, MarketRef::Slug(_)), CLOSE_SLUG);
    flags |= flag(slippage.is_some(), CLOSE_SLIPPAGE);
    flags |= flag(manual.is_some(), CLOSE_MANUAL);
    put_var(out, u64::from(account.0));
    out.push(flags);
    put_market_ref(out, market);
    if let Some(slippage) = slippage {
        put_slippage(out, slippage);
    }
    if let Some(manual) = manual {
        out.push(manual_code(*manual));
    }
}

fn decode_op(reader: &mut Reader<'_>) -> Result<Op, DecodeError> {
    let tag_at = reader.at;
    let op = match reader.u8()? {
        OP_CREATE_MARKET => Op::CreateMarket(MarketSpec {
            slug: reader.string()?,
            title: reader.string()?,
            outcome: reader.string()?,
            event_slug: reader.string()?,
            tick: reader.price()?,
            min_qty: Qty(reader.zz()?),
            price_min: reader.price()?,
            price_max: reader.price()?,
            state: reader.market_state()?,
            taker_rate: Rate(reader.zz()?),
            maker_rate: Rate(reader.zz()?),
        }),
        OP_SET_MARKET_STATE => {
            Op::SetMarketState { market: MarketId(reader.var_u32()?), state: reader.market_state()? }
        }
        OP_SETTLE_MARKET => Op::SettleMarket { market: MarketId(reader.var_u32()?), value: reader.price()? },
        OP_CREATE_ACCOUNT => Op::CreateAccount { name: reader.string()? },
        OP_DEPOSIT => Op::Deposit { account: AccountId(reader.var_u32()?), amount: Cash(reader.zz()?) },
        OP_WITHDRAW => Op::Withdraw { account: AccountId(reader.var_u32()?), amount: Cash(reader.zz()?) },
        OP_PLACE_ORDER => Op::PlaceOrder(decode_new_order(reader)?),
        OP_CANCEL_ORDER => Op::CancelOrder { account: AccountId(reader.var_u32()?), order: OrderId(reader.var()?) },
        OP_CANCEL_ALL => {
            let account = AccountId(reader.var_u32()?);
            let count_at = reader.at;
            let count = usize::try_from(reader.var()?).map_err(|_| DecodeError::OutOfRange { at: count_at })?;
            // Each id takes at least one byte: a count beyond the rest of the payload is bogus,
            // and must not turn into a huge allocation.
            if count > reader.remaining() {
                return Err(DecodeError::UnexpectedEnd { at: reader.bytes.len() });
            }
            let mut markets = Vec::with_capacity(count);
            for _ in 0..count {
                markets.push(MarketId(reader.var_u32()?));
            }
            Op::CancelAll { account, markets }
        }
        OP_MODIFY_ORDER => Op::ModifyOrder(decode_modify(reader)?),
        OP_CLOSE_POSITION => Op::ClosePosition(decode_close(reader)?),
        OP_ADVANCE_TIME => Op::AdvanceTime,
        OP_END_OF_DAY => Op::EndOfDay,
        code => return Err(DecodeError::UnknownCode { what: "op", code, at: tag_at }),
    };
    Ok(op)
}

fn decode_new_order(reader: &mut Reader<'_>) -> Result<NewOrder, DecodeError> {
    // Every bit of the byte is defined, so there is nothing to refuse here.
    let flags = reader.u8()?;
    let account = AccountId(reader.var_u32()?);
    let market = reader.market_ref(flags & PLACE_SLUG != 0)?;
    let intent = reader.code("intent", intent_from)?;
    let kind = reader.code("order kind", order_kind_from)?;
    let price = if flags & PLACE_PRICE != 0 { Some(reader.price()?) } else { None };
    let size = if flags & PLACE_CASH != 0 { Size::Cash(Cash(reader.zz()?)) } else { Size::Qty(Qty(reader.zz()?)) };
    let tif = if flags & PLACE_TIF != 0 { Some(reader.code("tif", tif_from)?) } else { None };
    let good_till = if flags & PLACE_GOOD_TILL != 0 { Some(Timestamp(reader.i64le()?)) } else { None };
    let post_only = flags & PLACE_POST_ONLY != 0;
    let slippage = if flags & PLACE_SLIPPAGE != 0 { Some(reader.slippage()?) } else { None };
    let manual = if flags & PLACE_MANUAL != 0 { Some(reader.code("manual indicator", manual_from)?) } else { None };
    Ok(NewOrder { account, market, intent, kind, price, size, tif, good_till, post_only, slippage, manual })
}

fn decode_modify(reader: &mut Reader<'_>) -> Result<Modify, DecodeError> {
    let account = AccountId(reader.var_u32()?);
    let order = OrderId(reader.var()?);
    let flags = reader.flags("modify", MODIFY_ALL)?;
    if flags & MODIFY_POST_ONLY_VALUE != 0 && flags & MODIFY_POST_ONLY == 0 {
        return Err(DecodeError::InvalidFlags { what: "modify", flags, at: reader.at - 1 });
    }
    let price = if flags & MODIFY_PRICE != 0 { Some(reader.price()?) } else { None };
    let qty = if flags & MODIFY_QTY != 0 { Some(Qty(reader.zz()?)) } else { None };
    let tif = if flags & MODIFY_TIF != 0 { Some(reader.code("tif", tif_from)?) } else { None };
    let post_only = if flags & MODIFY_POST_ONLY != 0 { Some(flags & MODIFY_POST_ONLY_VALUE != 0) } else { None };
    let good_till = if flags & MODIFY_GOOD_TILL != 0 { Some(Timestamp(reader.i64le()?)) } else { None };
    Ok(Modify { account, order, price, qty, tif, post_only, good_till })
}

fn decode_close(reader: &mut Reader<'_>) -> Result<ClosePosition, DecodeError> {
    let account = AccountId(reader.var_u32()?);
    let flags = reader.flags("close position", CLOSE_ALL)?;
    let market = reader.market_ref(flags & CLOSE_SLUG != 0)?;
    let slippage = if flags & CLOSE_SLIPPAGE != 0 { Some(reader.slippage()?) } else { None };
    let manual = if flags & CLOSE_MANUAL != 0 { Some(reader.code("manual indicator", manual_from)?) } else { None };
    Ok(ClosePosition { account, market, slippage, manual })
}

const fn flag(set: bool, bit: u8) -> u8 {
    if set { bit } else { 0 }
}

fn put_var(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_zz(out: &mut Vec<u8>, value: i64) {
    put_var(out, ((value << 1) ^ (value >> 63)) as u64);
}

fn put_i64le(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_var(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn put_market_ref(out: &mut Vec<u8>, market: &MarketRef) {
    match market {
        MarketRef::Id(id) => put_var(out, u64::from(id.0)),
        MarketRef::Slug(slug) => put_str(out, slug),
    }
}

fn put_slippage(out: &mut Vec<u8>, slippage: &Slippage) {
    let Slippage { current_price, bips, ticks } = slippage;
    let mut flags = 0;
    flags |= flag(current_price.is_some(), SLIPPAGE_CURRENT_PRICE);
    flags |= flag(bips.is_some(), SLIPPAGE_BIPS);
    flags |= flag(ticks.is_some(), SLIPPAGE_TICKS);
    out.push(flags);
    if let Some(price) = current_price {
        put_var(out, u64::from(price.0));
    }
    if let Some(bips) = bips {
        put_zz(out, i64::from(*bips));
    }
    if let Some(ticks) = ticks {
        put_zz(out, i64::from(*ticks));
    }
}

/// A cursor over a payload; every read is bounds-checked and names its offset on failure.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(DecodeError::UnexpectedEnd { at: self.bytes.len() });
        }
        let slice = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(slice)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        let byte = *self.bytes.get(self.at).ok_or(DecodeError::UnexpectedEnd { at: self.at })?;
        self.at += 1;
        Ok(byte)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N)?);
        Ok(array)
    }

    fn i64le(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array::<8>()?))
    }

    fn var(&mut self) -> Result<u64, DecodeError> {
        let start = self.at;
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            // The tenth byte holds the top bit of a u64 only.
            if shift == 63 && byte > 1 {
                return Err(DecodeError::OutOfRange { at: start });
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(DecodeError::NonCanonical { at: start });
                }
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn var_u32(&mut self) -> Result<u32, DecodeError> {
        let start = self.at;
        u32::try_from(self.var()?).map_err(|_| DecodeError::OutOfRange { at: start })
    }

    fn zz(&mut self) -> Result<i64, DecodeError> {
        let raw = self.var()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    fn zz_i32(&mut self) -> Result<i32, DecodeError> {
        let start = self.at;
        i32::try_from(self.zz()?).map_err(|_| DecodeError::OutOfRange { at: start })
    }

    fn price(&mut self) -> Result<Price, DecodeError> {
        Ok(Price(self.var_u32()?))
    }

    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let len_at = self.at;
        let len = usize::try_from(self.var()?).map_err(|_| DecodeError::OutOfRange { at: len_at })?;
        let text_at = self.at;
        std::str::from_utf8(self.take(len)?).map_err(|_| DecodeError::InvalidUtf8 { at: text_at })
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        Ok(self.str()?.to_owned())
    }

    fn code<T>(&mut self, what: &'static str, from: fn(u8) -> Option<T>) -> Result<T, DecodeError> {
        let at = self.at;
        let code = self.u8()?;
        from(code).ok_or(DecodeError::UnknownCode { what, code, at })
    }

    fn flags(&mut self, what: &'static str, defined: u8) -> Result<u8, DecodeError> {
        let at = self.at;
        let flags = self.u8()?;
        if flags & !defined != 0 {
            return Err(DecodeError::InvalidFlags { what, flags, at });
        }
        Ok(flags)
    }

    fn market_state(&mut self) -> Result<MarketState, DecodeError> {
        self.code("market state", market_state_from)
    }

    fn market_ref(&mut self, by_slug: bool) -> Result<MarketRef, DecodeError> {
        if by_slug { Ok(MarketRef::Slug(self.str()?.into())) } else { Ok(MarketRef::Id(MarketId(self.var_u32()?))) }
    }

    fn slippage(&mut self) -> Result<Slippage, DecodeError> {
        let flags = self.flags("slippage", SLIPPAGE_ALL)?;
        let current_price = if flags & SLIPPAGE_CURRENT_PRICE != 0 { Some(self.price()?) } else { None };
        let bips = if flags & SLIPPAGE_BIPS != 0 { Some(self.zz_i32()?) } else { None };
        let ticks = if flags & SLIPPAGE_TICKS != 0 { Some(self.zz_i32()?) } else { None };
        Ok(Slippage { current_price, bips, ticks })
    }
}
