//! Conversions between engine values and protocol DTOs, both ways, one module per API group.
//!
//! Parts:
//! - `orders`: engine orders and executions as wire `Order` and `Execution`;
//! - `portfolio`: positions, balances and activities;
//! - `markets`: markets, books, BBO, statistics and settlement;
//! - `stream`: the streams' trade, position-change and balance-change payloads;
//! - `values`: quantities, money, fee rates and the engine's enums as wire values;
//! - `request`: requests to engine commands (new orders, modifies, close-position, slippage,
//!   `maxBlockTime`, order ids), each failure a typed `RequestError`.
//!
//! The wire-to-engine side checks shape only (what a 400 is for): missing or contradictory
//! fields, negative sizes, malformed numbers and times. Business rules (price bounds, ticks,
//! funds, unknown markets, market state) are the engine's, which answers with a `REJECTED`
//! order. Every error message says what is wrong and how to fix it.
//!
//! Decisions (where the spec leaves the choice open):
//! - Ids travel as the decimal of the engine's integer ids; `order_id` accepts only that
//!   canonical form.
//! - `commissionsBasisPoints` / `makerCommissionsBasisPoints` are the market's taker / maker
//!   fee coefficient times 10,000 (0.0695 -> `"695"`, -0.0125 -> `"-125"`). The fee is
//!   quadratic (`coefficient x qty x p x (1 - p)`), so this is the coefficient in basis points,
//!   not a flat rate on notional.
//! - Order quantities are plain JSON numbers (`10`, `0.5`); `*Decimal` position fields have
//!   4 decimal places (`"19.6000"`); `lastShares`, trade and book quantities are minimal
//!   decimal strings (`"6"`, `"0.25"`); the deprecated integer fields truncate toward zero.
//! - `cashValue` is the position marked to market: net x the settlement price once settled,
//!   else net x the last trade price; with no trade yet, the cost basis. It is signed like
//!   `cost` (negative for a short).
//! - Position `avgPx` is |cost| / |net| (half to even, $0.0001), absent when flat.
//! - `bodPosition` is 0: pmx keeps no start-of-day snapshot.
//! - Balances: `assetAvailable`, `pendingCredit`, `unsettledFunds` and `balanceReservation`
//!   are 0 and `pendingWithdrawals` empty (docs/trading.md §4); money numbers have at least 2
//!   decimal places.
//! - Market display prices: the YES side's quote is the best ask (what buying YES costs now),
//!   the NO side's is 1 - best bid (what buying NO costs); absent when that side is empty.
//!   `currentPx` is the last trade price.
//! - `MarketStatus`: open -> OPEN, pre-open -> UNSPECIFIED, suspended -> CLOSED, halted ->
//!   HALTED, settled -> RESOLVED. `active` = open for orders; `closed` = settled.
//! - Activity trades are `TRADE_STATE_CLEARED` (matching is final); a deposit or withdrawal
//!   is `ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED` with the positive amount moved (the type
//!   says the direction).
//! - A missing `type` on a new order means `ORDER_TYPE_LIMIT`: a limit order without a price
//!   is then rejected, where guessing "market" could trade at any price.

mod markets;
mod orders;
mod portfolio;
mod request;
mod stream;
#[cfg(test)]
mod tests;
mod values;

pub(crate) use self::markets::{MarketFacts, is_active, is_closed, market, market_data, market_data_lite, settlement};
pub(crate) use self::orders::{execution, order};
pub(crate) use self::portfolio::{BalanceFigures, activity, balance, balance_figures, position};
pub(crate) use self::request::{
    RequestError, close_position, max_block_time, modify, modify_entry, new_order, order_id,
};
pub(crate) use self::stream::{balance_change, position_change, trade_update};
