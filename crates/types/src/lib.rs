//! Domain newtypes shared by every pmx crate.
//!
//! Nothing here knows about JSON, HTTP or the engine. The parts:
//! - `ids`: one newtype per identifier (`AccountId`, `MarketId`, `OrderId`, `TradeId`,
//!   `ExecutionId`, `Seq`).
//! - `money`: fixed-point `Price`, `Qty`, `Cash` and the fee `Rate`, with their scales.
//! - `decimal`: exact parsing and formatting of decimal strings into those integers.
//! - `time`: the nanosecond `Timestamp`.
//!
//! Architecture invariant: no floating point anywhere in this crate. Every amount is an
//! integer count of a fixed minor unit; the arithmetic offered here is checked (`checked_*`,
//! `Option` results), and callers working on raw units keep within documented bounds.

mod decimal;
mod ids;
mod money;
mod time;

pub use decimal::{DecimalError, format_units, parse_units};
pub use ids::{AccountId, ExecutionId, MarketId, OrderId, Seq, TradeId};
pub use money::{CASH_SCALE, Cash, PRICE_SCALE, Price, QTY_SCALE, Qty, RATE_SCALE, Rate};
pub use time::Timestamp;
