//! Orders in motion: placement, matching, resting, cancels, modifies, close-position, and the
//! clean-up after fills.
//!
//! Order placement checks, in this order (the first failure decides the reject):
//! 1. market known (`UNKNOWN_MARKET`) and open (`EXCHANGE_CLOSED`);
//! 2. type and fields agree (`INCORRECT_ORDER_TYPE`): no post-only market order, no cash size
//!    on a limit order or on a selling intent, a limit order has a price, no post-only IOC/FOK;
//! 3. the limit price, truncated to the tick, lies within the market's bounds
//!    (`PRICE_OUT_OF_BOUNDS`);
//! 4. good-till-date: GTD needs a future `goodTillTime`, and only GTD may carry one
//!    (`EXCHANGE_OPTION`);
//! 5. quantity positive, at most `QTY_MAX`, and not zero once truncated to the market's step
//!    (`INCORRECT_QUANTITY`); a SELL_* order at most the position not already committed to
//!    resting reducing orders (`INCORRECT_QUANTITY`);
//! 6. a resting order within `OPEN_ORDERS_MAX` (`EXCHANGE_OPTION`);
//! 7. market orders: a slippage reference exists and something is fillable within the bound
//!    (`NO_LIQUIDITY`), and a cash size buys at least one step (`INCORRECT_QUANTITY`);
//! 8. post-only would not trade on arrival (`EXCHANGE_OPTION`);
//! 9. buying power covers the market's reservation with the order (`EXCHANGE_OPTION`).
//!
//! A rejected order's snapshot carries the request as given (raw price and quantity; a
//! market order's price is its slippage bound when one was computed). An accepted order gets
//! `NEW`, then one fill execution per maker order it meets, then `CANCELED` for a remainder
//! that may not rest (IOC, FOK, market, or self-trade prevention).
//!
//! Self-trade prevention: when an incoming order reaches a resting order of the same
//! account, the incoming remainder is canceled and the resting order stays.
//!
//! After fills, every account that traded is cleaned up, in the order of its first fill (the
//! taker first, then the makers as matching reached them): resting SELL_LONG (SELL_SHORT)
//! orders beyond the remaining long (short) are canceled newest first, then in each market
//! (ascending id) orders are canceled newest first until the market's reservation fits the
//! account's free cash. Both are unsolicited cancels.
//!
//! Inlining: the helpers every command or every fill runs (acceptance, resting, the risk
//! check, fee charging, settlement, ending a resting order) are `#[inline(always)]`; the rare
//! paths (rejection, the clean-up's cancels, market-order planning, administration) are out of
//! line and rejection is `#[cold]`, so the common commands' code stays dense. The
//! measurements behind this are in BENCHMARKS.md.
//!
//! Parts: `placement`, `matching`, `resting` (resting, cancels, modify), `close`
//! (close-position) and `cleanup` (after fills).

mod cleanup;
mod close;
mod matching;
mod placement;
mod resting;

use types::{Price, Qty};

use crate::account::OrderReserve;
use crate::fees::FeeCap;
use crate::order::Side;
use crate::reject::{Note, RejectReason};

/// A rejection decided during validation.
type Rejection = (RejectReason, Note);

/// What an order of `qty` at `price` contributes to its account's exposure.
#[inline(always)]
pub(crate) fn order_reserve(rate_max: types::Rate, side: Side, price: Price, qty: Qty, fees: &FeeCap) -> OrderReserve {
    OrderReserve {
        qty: qty.units(),
        notional: i64::from(price.units()) * qty.units(),
        fee: fees.bound(rate_max, side, price, qty).units(),
    }
}
