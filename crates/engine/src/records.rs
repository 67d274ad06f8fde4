//! The stored form of the engine's records: `codec::Encode` / `codec::Decode` for `Order`,
//! `Position`, `Trade` and `Resolution`. The engine snapshot writes orders and
//! positions with them; the server's history store writes trades and resolutions.
//!
//! Ids, prices and counts are `var`, quantities and cash `zz`, timestamps `zz` nanoseconds,
//! enums one byte from `codes`, `opt` a presence byte (see the `codec` crate doc):
//!
//! ```text
//! order       id, account var; flags; [market var]; intent, kind; [price var]; qty, cum_qty,
//!             leaves_qty zz; tif; [good_till zz]; [cash_qty zz]; [manual]; state; ts_created,
//!             ts_inserted, notional_filled, fees_total zz
//!             flags: bit 0 market, 1 price, 2 good_till, 3 cash_qty, 4 manual present,
//!             5 post_only, 6 close_position
//! position    net, bought, sold, cost, realized, fees zz; expired bool; ts_updated zz
//! trade       id, market, px var; qty zz; taker side; taker, maker (account, order var; fee,
//!             realized_pnl, cost_basis zz)
//! resolution  account, market var; before, after position; side; value var; payout zz
//! ```

use codec::{Decode, DecodeError, Encode, Reader, Writer};
use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Timestamp, TradeId};

use crate::event::{Resolution, Trade, TradeSide};
use crate::order::Order;
use crate::position::Position;

const ORDER_MARKET: u8 = 1 << 0;
const ORDER_PRICE: u8 = 1 << 1;
const ORDER_GOOD_TILL: u8 = 1 << 2;
const ORDER_CASH_QTY: u8 = 1 << 3;
const ORDER_MANUAL: u8 = 1 << 4;
const ORDER_POST_ONLY: u8 = 1 << 5;
const ORDER_CLOSE_POSITION: u8 = 1 << 6;
const ORDER_ALL: u8 = (1 << 7) - 1;

fn ts(r: &mut Reader<'_>) -> Result<Timestamp, DecodeError> {
    r.i64().map(Timestamp)
}

impl Encode for Order {
    fn encode(&self, w: &mut Writer<'_>) {
        let mut flags = codec::flag(self.market.is_some(), ORDER_MARKET);
        flags |= codec::flag(self.price.is_some(), ORDER_PRICE);
        flags |= codec::flag(self.good_till.is_some(), ORDER_GOOD_TILL);
        flags |= codec::flag(self.cash_qty.is_some(), ORDER_CASH_QTY);
        flags |= codec::flag(self.manual.is_some(), ORDER_MANUAL);
        flags |= codec::flag(self.post_only, ORDER_POST_ONLY);
        flags |= codec::flag(self.close_position, ORDER_CLOSE_POSITION);
        w.u64(self.id.get());
        w.u32(self.account.get());
        w.flags(flags);
        if let Some(market) = self.market {
            w.u32(market.get());
        }
        w.code(self.intent);
        w.code(self.kind);
        if let Some(price) = self.price {
            w.u32(price.units());
        }
        w.i64(self.qty.units());
        w.i64(self.cum_qty.units());
        w.i64(self.leaves_qty.units());
        w.code(self.tif);
        if let Some(good_till) = self.good_till {
            w.i64(good_till.nanos());
        }
        if let Some(cash) = self.cash_qty {
            w.i64(cash.units());
        }
        if let Some(manual) = self.manual {
            w.code(manual);
        }
        w.code(self.state);
        w.i64(self.ts_created.nanos());
        w.i64(self.ts_inserted.nanos());
        w.i64(self.notional_filled.units());
        w.i64(self.fees_total.units());
    }
}

impl Decode for Order {
    fn decode(r: &mut Reader<'_>) -> Result<Order, DecodeError> {
        let id = OrderId(r.u64()?);
        let account = AccountId(r.u32()?);
        let flags = r.flags("order", ORDER_ALL)?;
        let has = |bit: u8| flags & bit != 0;
        let market = if has(ORDER_MARKET) { Some(MarketId(r.u32()?)) } else { None };
        let intent = r.code()?;
        let kind = r.code()?;
        let price = if has(ORDER_PRICE) { Some(Price(r.u32()?)) } else { None };
        let qty = Qty(r.i64()?);
        let cum_qty = Qty(r.i64()?);
        let leaves_qty = Qty(r.i64()?);
        let tif = r.code()?;
        let good_till = if has(ORDER_GOOD_TILL) { Some(ts(r)?) } else { None };
        let cash_qty = if has(ORDER_CASH_QTY) { Some(Cash(r.i64()?)) } else { None };
        let manual = if has(ORDER_MANUAL) { Some(r.code()?) } else { None };
        Ok(Order {
            id,
            account,
            market,
            intent,
            kind,
            price,
            qty,
            cum_qty,
            leaves_qty,
            tif,
            good_till,
            post_only: has(ORDER_POST_ONLY),
            cash_qty,
            manual,
            state: r.code()?,
            close_position: has(ORDER_CLOSE_POSITION),
            ts_created: ts(r)?,
            ts_inserted: ts(r)?,
            notional_filled: Cash(r.i64()?),
            fees_total: Cash(r.i64()?),
        })
    }
}

impl Encode for Position {
    fn encode(&self, w: &mut Writer<'_>) {
        for qty in [self.net, self.bought, self.sold] {
            w.i64(qty.units());
        }
        for cash in [self.cost, self.realized, self.fees] {
            w.i64(cash.units());
        }
        w.bool(self.expired);
        w.i64(self.ts_updated.nanos());
    }
}

impl Decode for Position {
    fn decode(r: &mut Reader<'_>) -> Result<Position, DecodeError> {
        Ok(Position {
            net: Qty(r.i64()?),
            bought: Qty(r.i64()?),
            sold: Qty(r.i64()?),
            cost: Cash(r.i64()?),
            realized: Cash(r.i64()?),
            fees: Cash(r.i64()?),
            expired: r.bool()?,
            ts_updated: ts(r)?,
        })
    }
}

impl Encode for TradeSide {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u32(self.account.get());
        w.u64(self.order.get());
        w.i64(self.fee.units());
        w.i64(self.realized_pnl.units());
        w.i64(self.cost_basis.units());
    }
}

impl Decode for TradeSide {
    fn decode(r: &mut Reader<'_>) -> Result<TradeSide, DecodeError> {
        Ok(TradeSide {
            account: AccountId(r.u32()?),
            order: OrderId(r.u64()?),
            fee: Cash(r.i64()?),
            realized_pnl: Cash(r.i64()?),
            cost_basis: Cash(r.i64()?),
        })
    }
}

impl Encode for Trade {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u64(self.id.get());
        w.u32(self.market.get());
        w.u32(self.px.units());
        w.i64(self.qty.units());
        w.code(self.taker_side);
        w.put(&self.taker);
        w.put(&self.maker);
    }
}

impl Decode for Trade {
    fn decode(r: &mut Reader<'_>) -> Result<Trade, DecodeError> {
        Ok(Trade {
            id: TradeId(r.u64()?),
            market: MarketId(r.u32()?),
            px: Price(r.u32()?),
            qty: Qty(r.i64()?),
            taker_side: r.code()?,
            taker: r.get()?,
            maker: r.get()?,
        })
    }
}

impl Encode for Resolution {
    fn encode(&self, w: &mut Writer<'_>) {
        w.u32(self.account.get());
        w.u32(self.market.get());
        w.put(&self.before);
        w.put(&self.after);
        w.code(self.side);
        w.u32(self.value.units());
        w.i64(self.payout.units());
    }
}

impl Decode for Resolution {
    fn decode(r: &mut Reader<'_>) -> Result<Resolution, DecodeError> {
        Ok(Resolution {
            account: AccountId(r.u32()?),
            market: MarketId(r.u32()?),
            before: r.get()?,
            after: r.get()?,
            side: r.code()?,
            value: Price(r.u32()?),
            payout: Cash(r.i64()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use super::*;
    use crate::event::ResolutionSide;
    use crate::order::{Intent, ManualIndicator, OrderKind, OrderState, Side, Tif};

    fn round_trip<T: Encode + Decode + PartialEq + Debug>(value: &T) -> Vec<u8> {
        let mut bytes = Vec::new();
        Writer::new(&mut bytes).put(value);
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.get::<T>().as_ref(), Ok(value));
        assert_eq!(reader.finish(), Ok(()));
        for cut in 0..bytes.len() {
            assert!(Reader::new(&bytes[..cut]).get::<T>().is_err(), "{cut} bytes of {value:?}");
        }
        bytes
    }

    fn bare_order() -> Order {
        Order::incoming(OrderId(7), AccountId(2), None, Intent::SellShort, OrderKind::Market, Timestamp(-5))
    }

    fn full_order() -> Order {
        Order {
            market: Some(MarketId(3)),
            price: Some(Price(4_200)),
            qty: Qty(i64::MAX),
            cum_qty: Qty(-1),
            leaves_qty: Qty(i64::MIN),
            tif: Tif::GoodTillDate,
            good_till: Some(Timestamp(1_700_000_000_000_000_000)),
            post_only: true,
            cash_qty: Some(Cash(12_345)),
            manual: Some(ManualIndicator::Automatic),
            state: OrderState::PartiallyFilled,
            close_position: true,
            ..bare_order()
        }
    }

    #[test]
    fn orders_round_trip_with_every_option() {
        let bare = round_trip(&bare_order());
        assert_eq!(bare[2], 0, "no flags");
        let full = round_trip(&full_order());
        assert_eq!(full[2], ORDER_ALL, "every flag");
        let mut undefined = full.clone();
        undefined[2] = 0x80;
        assert_eq!(
            Reader::new(&undefined).get::<Order>(),
            Err(DecodeError::InvalidFlags { what: "order", flags: 0x80, at: 2 })
        );
    }

    #[test]
    fn trades_and_resolutions_round_trip() {
        let side = TradeSide {
            account: AccountId(1),
            order: OrderId(u64::MAX),
            fee: Cash(-3),
            realized_pnl: Cash(9),
            cost_basis: Cash(0),
        };
        let trade = Trade {
            id: TradeId(4),
            market: MarketId(0),
            px: Price(100),
            qty: Qty(5),
            taker_side: Side::Sell,
            taker: side,
            maker: side,
        };
        round_trip(&trade);
        let position = Position { net: Qty(-2), expired: true, ts_updated: Timestamp(8), ..Position::default() };
        round_trip(&position);
        round_trip(&Resolution {
            account: AccountId(1),
            market: MarketId(2),
            before: position,
            after: Position::default(),
            side: ResolutionSide::Neutral,
            value: Price(5_000),
            payout: Cash(-1),
        });
    }
}
