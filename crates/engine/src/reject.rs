//! Why things are refused or ended: reject reasons with stable codes, cancel causes, and the
//! explanatory notes that become an execution's `text`.
//!
//! Codes are grouped by stage: 1xxx validation, 2xxx funds and risk, 3xxx matching,
//! 4xxx market administration. They are the reason's stable public code: never renumber.
//! Storage formats write the reason's one-byte code from `codes` instead.

/// Why an order (or a modify) was rejected. Each maps to one wire `OrdRejectReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// `ORD_REJECT_REASON_UNKNOWN_MARKET`.
    UnknownMarket = 1001,
    /// `ORD_REJECT_REASON_INCORRECT_QUANTITY`.
    IncorrectQuantity = 1002,
    /// `ORD_REJECT_REASON_INVALID_PRICE_INCREMENT` (unused while prices are normalised).
    InvalidPriceIncrement = 1003,
    /// `ORD_REJECT_REASON_INCORRECT_ORDER_TYPE`.
    IncorrectOrderType = 1004,
    /// `ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS`.
    PriceOutOfBounds = 1005,
    /// `ORD_REJECT_REASON_EXCHANGE_OPTION`: funds, post-only, and everything else.
    ExchangeOption = 2001,
    /// `ORD_REJECT_REASON_NO_LIQUIDITY`.
    NoLiquidity = 3001,
    /// `ORD_REJECT_REASON_EXCHANGE_CLOSED`.
    ExchangeClosed = 4001,
}

impl RejectReason {
    /// Every reason, for tests and exhaustive mappings.
    pub const ALL: [RejectReason; 8] = [
        RejectReason::UnknownMarket,
        RejectReason::IncorrectQuantity,
        RejectReason::InvalidPriceIncrement,
        RejectReason::IncorrectOrderType,
        RejectReason::PriceOutOfBounds,
        RejectReason::ExchangeOption,
        RejectReason::NoLiquidity,
        RejectReason::ExchangeClosed,
    ];

    /// The stable numeric code.
    pub const fn code(self) -> u16 {
        self as u16
    }
}

/// Why the system (not the user) canceled an order: `unsolicitedCancelReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnsolicitedCancel {
    /// `UNSOLICITED_CXL_REASON_EXCHANGE_OPTION`: unfunded or exceeding the position.
    ExchangeOption,
    /// `UNSOLICITED_CXL_REASON_OTHER`: market settled or suspended for maintenance.
    Other,
}

/// The explanation attached to an execution (`text` on the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    None,
    UnknownMarket,
    MarketNotOpen,
    QuantityNotPositive,
    QuantityBelowMinimum,
    QuantityTooLarge,
    ExceedsPosition,
    LimitWithoutPrice,
    PostOnlyMarket,
    PostOnlyImmediate,
    CashOnLimit,
    CashOnSell,
    CashTooSmall,
    PriceOutOfBounds,
    InsufficientBuyingPower,
    PostOnlyWouldCross,
    GoodTillMissing,
    GoodTillPast,
    GoodTillWithoutGtd,
    NoLiquidity,
    NoLiquidityWithinBound,
    FillOrKillUnfilled,
    ImmediateRemainder,
    SelfTradePrevented,
    UserCanceled,
    ClosePositionCanceled,
    Unfunded,
    PositionReduced,
    MarketSettled,
    MarketSuspended,
    GoodTillExpired,
    DoneForDay,
    ModifyBelowFilled,
    ModifyTifNotResting,
    TooManyOrders,
}

impl Note {
    /// The human text, or "" for `Note::None`.
    pub const fn text(self) -> &'static str {
        match self {
            Note::None => "",
            Note::UnknownMarket => "unknown market",
            Note::MarketNotOpen => "market is not open for trading",
            Note::QuantityNotPositive => "quantity must be positive",
            Note::QuantityBelowMinimum => "quantity is below the market's minimum trade quantity",
            Note::QuantityTooLarge => "quantity is too large",
            Note::ExceedsPosition => {
                "sell quantity exceeds the position available to close (net of resting reducing orders)"
            }
            Note::LimitWithoutPrice => "limit order requires a price",
            Note::PostOnlyMarket => "participateDontInitiate is not allowed on market orders",
            Note::PostOnlyImmediate => "participateDontInitiate cannot be combined with IOC or FOK",
            Note::CashOnLimit => "cashOrderQty is only allowed on market orders",
            Note::CashOnSell => "cashOrderQty is only allowed on buy intents",
            Note::CashTooSmall => "cashOrderQty does not buy the minimum trade quantity",
            Note::PriceOutOfBounds => "price is outside the market's price bounds",
            Note::InsufficientBuyingPower => "insufficient buying power",
            Note::PostOnlyWouldCross => "participateDontInitiate order would trade on arrival",
            Note::GoodTillMissing => "TIME_IN_FORCE_GOOD_TILL_DATE requires goodTillTime",
            Note::GoodTillPast => "goodTillTime is not in the future",
            Note::GoodTillWithoutGtd => "goodTillTime requires TIME_IN_FORCE_GOOD_TILL_DATE",
            Note::NoLiquidity => "no liquidity for market order",
            Note::NoLiquidityWithinBound => "no liquidity within the slippage bound",
            Note::FillOrKillUnfilled => "fill-or-kill order could not be filled entirely",
            Note::ImmediateRemainder => "unfilled remainder of an immediate order canceled",
            Note::SelfTradePrevented => "self-trade prevented: remainder canceled",
            Note::UserCanceled => "canceled by user",
            Note::ClosePositionCanceled => "canceled by close-position",
            Note::Unfunded => "canceled: no longer funded by buying power",
            Note::PositionReduced => "canceled: exceeds the remaining position",
            Note::MarketSettled => "canceled: market settled",
            Note::MarketSuspended => "canceled: market suspended for maintenance",
            Note::GoodTillExpired => "goodTillTime reached",
            Note::DoneForDay => "done for day",
            Note::ModifyBelowFilled => "new quantity must exceed the filled quantity",
            Note::ModifyTifNotResting => "modify can only set a resting time in force (DAY, GTC, GTD)",
            Note::TooManyOrders => "too many open orders for this account",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_pinned() {
        let codes: Vec<u16> = RejectReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, [1001, 1002, 1003, 1004, 1005, 2001, 3001, 4001]);
    }
}
