//! Commands: the only input of the engine.
//!
//! A `Command` already carries its sequence number and timestamp, stamped by the sequencer;
//! the engine never reads a clock. Commands are what the journal stores, so every field is
//! plain data and replaying the same commands yields the same state.

use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Rate, Seq, Timestamp};

use crate::order::{Intent, ManualIndicator, OrderKind, Tif};

/// One sequenced input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub seq: Seq,
    pub ts: Timestamp,
    pub op: Op,
}

/// What a command asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Create a market. Errors if the slug exists or the spec is invalid.
    CreateMarket(MarketSpec),
    /// Change a market's trading state (not to `Expired`: that is what settlement does).
    SetMarketState { market: MarketId, state: MarketState },
    /// Settle a market at `value` in [0, 1]: cancel its orders, pay positions, expire it.
    SettleMarket { market: MarketId, value: Price },
    /// Create an account with a unique name.
    CreateAccount { name: String },
    /// Add cash to an account.
    Deposit { account: AccountId, amount: Cash },
    /// Remove cash, never below what margin and open orders need.
    Withdraw { account: AccountId, amount: Cash },
    /// Place an order.
    PlaceOrder(NewOrder),
    /// Cancel one live order of the account.
    CancelOrder { account: AccountId, order: OrderId },
    /// Cancel every live order of the account, or only those in `markets` when non-empty.
    CancelAll { account: AccountId, markets: Vec<MarketId> },
    /// Cancel-replace a live order, keeping its id.
    ModifyOrder(Modify),
    /// Close the account's whole position in one market at market.
    ClosePosition(ClosePosition),
    /// Let time pass: expires good-till-date orders due at the command's timestamp. (Every
    /// command does this first; this one does nothing else.)
    AdvanceTime,
    /// The trading-day roll: every resting DAY order ends `DONE_FOR_DAY`.
    EndOfDay,
}

/// How a command names a market: by id once known, or by slug as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarketRef {
    Id(MarketId),
    Slug(Box<str>),
}

/// Market life cycle. Only `Open` accepts orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MarketState {
    Open,
    Preopen,
    Suspended,
    Halted,
    Expired,
}

/// Everything needed to create a market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarketSpec {
    pub slug: String,
    pub title: String,
    pub outcome: String,
    pub event_slug: String,
    /// Price increment; must divide $1 and be a multiple of $0.0001.
    pub tick: Price,
    /// Minimum quantity and quantity step.
    pub min_qty: Qty,
    /// Lowest and highest accepted limit price (inclusive), normally 0.01 and 0.99.
    pub price_min: Price,
    pub price_max: Price,
    pub state: MarketState,
    /// Fee coefficient for the taker of a fill (the market's `feeCoefficient`).
    pub taker_rate: Rate,
    /// Fee coefficient for the maker of a fill; negative is a rebate.
    pub maker_rate: Rate,
}

/// How an order is sized.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// A number of contracts (truncated to the market's minimum quantity).
    Qty(Qty),
    /// Dollars to spend, for market buys (`cashOrderQty`); fees come on top.
    Cash(Cash),
}

/// The slippage bound of a market or close order (`slippageTolerance`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Slippage {
    /// Reference YES price; when absent, the best opposite price at arrival.
    pub current_price: Option<Price>,
    /// Relative tolerance in 0.01 % steps.
    pub bips: Option<i32>,
    /// Tolerance in ticks; wins over `bips`.
    pub ticks: Option<i32>,
}

/// A new order, as validated for shape by the protocol layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub account: AccountId,
    pub market: MarketRef,
    pub intent: Intent,
    pub kind: OrderKind,
    /// Limit price for limit orders; ignored for market orders (use `slippage`).
    pub price: Option<Price>,
    pub size: Size,
    /// `None` means DAY.
    pub tif: Option<Tif>,
    pub good_till: Option<Timestamp>,
    pub post_only: bool,
    pub slippage: Option<Slippage>,
    pub manual: Option<ManualIndicator>,
}

/// A cancel-replace. Absent fields keep their current value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modify {
    pub account: AccountId,
    pub order: OrderId,
    pub price: Option<Price>,
    pub qty: Option<Qty>,
    pub tif: Option<Tif>,
    pub post_only: Option<bool>,
    pub good_till: Option<Timestamp>,
}

/// Close the whole position in a market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosePosition {
    pub account: AccountId,
    pub market: MarketRef,
    pub slippage: Option<Slippage>,
    pub manual: Option<ManualIndicator>,
}
