//! The stable one-byte code of every engine enum that a storage format writes: the journal's
//! entries, the engine snapshot and the server's history store all use these tables, and no
//! other. One `codec::codes!` list per enum gives both directions.
//!
//! Codes are 1-based (0 is never a code) and permanent: a new variant takes the next unused
//! code, and no code is ever changed or reused, or stored data would be misread. The test
//! below pins every code of every table; changing one must fail it. (`RejectReason` also has
//! its wire code, `RejectReason::code`; the table here is its storage code.)

use codec::codes;

use crate::command::MarketState;
use crate::event::{CashKind, ExecKind, ResolutionSide};
use crate::order::{Intent, ManualIndicator, OrderKind, OrderState, Side, Tif};
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

codes!(Intent, "intent", { BuyLong = 1, SellLong = 2, BuyShort = 3, SellShort = 4 });

codes!(OrderKind, "order kind", { Limit = 1, Market = 2 });

codes!(Tif, "time in force", {
    Day = 1,
    GoodTillCancel = 2,
    GoodTillDate = 3,
    ImmediateOrCancel = 4,
    FillOrKill = 5,
});

codes!(ManualIndicator, "manual indicator", { Manual = 1, Automatic = 2 });

codes!(MarketState, "market state", { Open = 1, Preopen = 2, Suspended = 3, Halted = 4, Expired = 5 });

codes!(OrderState, "order state", {
    New = 1,
    PartiallyFilled = 2,
    Filled = 3,
    Canceled = 4,
    Rejected = 5,
    Expired = 6,
});

codes!(Side, "side", { Buy = 1, Sell = 2 });

codes!(ExecKind, "execution kind", {
    New = 1,
    PartialFill = 2,
    Fill = 3,
    Canceled = 4,
    Replace = 5,
    Rejected = 6,
    Expired = 7,
    DoneForDay = 8,
});

codes!(RejectReason, "reject reason", {
    UnknownMarket = 1,
    IncorrectQuantity = 2,
    InvalidPriceIncrement = 3,
    IncorrectOrderType = 4,
    PriceOutOfBounds = 5,
    ExchangeOption = 6,
    NoLiquidity = 7,
    ExchangeClosed = 8,
});

codes!(UnsolicitedCancel, "unsolicited cancel reason", { ExchangeOption = 1, Other = 2 });

codes!(ResolutionSide, "resolution side", { Long = 1, Short = 2, Neutral = 3 });

codes!(CashKind, "cash kind", { Deposit = 1, Withdrawal = 2 });

codes!(Note, "note", {
    None = 1,
    UnknownMarket = 2,
    MarketNotOpen = 3,
    QuantityNotPositive = 4,
    QuantityBelowMinimum = 5,
    QuantityTooLarge = 6,
    ExceedsPosition = 7,
    LimitWithoutPrice = 8,
    PostOnlyMarket = 9,
    PostOnlyImmediate = 10,
    CashOnLimit = 11,
    CashOnSell = 12,
    CashTooSmall = 13,
    PriceOutOfBounds = 14,
    InsufficientBuyingPower = 15,
    PostOnlyWouldCross = 16,
    GoodTillMissing = 17,
    GoodTillPast = 18,
    GoodTillWithoutGtd = 19,
    NoLiquidity = 20,
    NoLiquidityWithinBound = 21,
    FillOrKillUnfilled = 22,
    ImmediateRemainder = 23,
    SelfTradePrevented = 24,
    UserCanceled = 25,
    ClosePositionCanceled = 26,
    Unfunded = 27,
    PositionReduced = 28,
    MarketSettled = 29,
    MarketSuspended = 30,
    GoodTillExpired = 31,
    DoneForDay = 32,
    ModifyBelowFilled = 33,
    ModifyTifNotResting = 34,
    TooManyOrders = 35,
});

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fmt::Debug;

    use codec::Code;

    use super::*;

    /// Every variant of `T` with its code, as `Debug` names.
    fn table<T: Code + Debug>() -> Vec<(String, u8)> {
        T::ALL.iter().map(|value| (format!("{value:?}"), value.code())).collect()
    }

    fn pinned(names: &[&str]) -> Vec<(String, u8)> {
        names.iter().zip(1..).map(|(name, code)| ((*name).to_owned(), code)).collect()
    }

    /// Each table is a bijection between its variants and its codes: distinct codes, none 0,
    /// `from_code` the inverse of `code`, and no other byte a code.
    fn bijection<T: Code + Debug + PartialEq>() {
        let codes: BTreeSet<u8> = T::ALL.iter().map(|value| value.code()).collect();
        assert_eq!(codes.len(), T::ALL.len(), "{}: codes repeat", T::NAME);
        assert!(!codes.contains(&0), "{}: 0 is a code", T::NAME);
        for value in T::ALL {
            assert_eq!(T::from_code(value.code()), Some(*value), "{}: {value:?}", T::NAME);
        }
        for code in 0..=u8::MAX {
            if let Some(value) = T::from_code(code) {
                assert_eq!(value.code(), code, "{}: {code}", T::NAME);
            } else {
                assert!(!codes.contains(&code), "{}: {code}", T::NAME);
            }
        }
    }

    #[test]
    fn every_code_is_pinned() {
        assert_eq!(table::<Intent>(), pinned(&["BuyLong", "SellLong", "BuyShort", "SellShort"]));
        assert_eq!(table::<OrderKind>(), pinned(&["Limit", "Market"]));
        assert_eq!(
            table::<Tif>(),
            pinned(&["Day", "GoodTillCancel", "GoodTillDate", "ImmediateOrCancel", "FillOrKill"])
        );
        assert_eq!(table::<ManualIndicator>(), pinned(&["Manual", "Automatic"]));
        assert_eq!(table::<MarketState>(), pinned(&["Open", "Preopen", "Suspended", "Halted", "Expired"]));
        assert_eq!(
            table::<OrderState>(),
            pinned(&["New", "PartiallyFilled", "Filled", "Canceled", "Rejected", "Expired"])
        );
        assert_eq!(table::<Side>(), pinned(&["Buy", "Sell"]));
        assert_eq!(
            table::<ExecKind>(),
            pinned(&["New", "PartialFill", "Fill", "Canceled", "Replace", "Rejected", "Expired", "DoneForDay"])
        );
        assert_eq!(
            table::<RejectReason>(),
            pinned(&[
                "UnknownMarket",
                "IncorrectQuantity",
                "InvalidPriceIncrement",
                "IncorrectOrderType",
                "PriceOutOfBounds",
                "ExchangeOption",
                "NoLiquidity",
                "ExchangeClosed",
            ])
        );
        assert_eq!(table::<UnsolicitedCancel>(), pinned(&["ExchangeOption", "Other"]));
        assert_eq!(table::<ResolutionSide>(), pinned(&["Long", "Short", "Neutral"]));
        assert_eq!(table::<CashKind>(), pinned(&["Deposit", "Withdrawal"]));
        assert_eq!(
            table::<Note>(),
            pinned(&[
                "None",
                "UnknownMarket",
                "MarketNotOpen",
                "QuantityNotPositive",
                "QuantityBelowMinimum",
                "QuantityTooLarge",
                "ExceedsPosition",
                "LimitWithoutPrice",
                "PostOnlyMarket",
                "PostOnlyImmediate",
                "CashOnLimit",
                "CashOnSell",
                "CashTooSmall",
                "PriceOutOfBounds",
                "InsufficientBuyingPower",
                "PostOnlyWouldCross",
                "GoodTillMissing",
                "GoodTillPast",
                "GoodTillWithoutGtd",
                "NoLiquidity",
                "NoLiquidityWithinBound",
                "FillOrKillUnfilled",
                "ImmediateRemainder",
                "SelfTradePrevented",
                "UserCanceled",
                "ClosePositionCanceled",
                "Unfunded",
                "PositionReduced",
                "MarketSettled",
                "MarketSuspended",
                "GoodTillExpired",
                "DoneForDay",
                "ModifyBelowFilled",
                "ModifyTifNotResting",
                "TooManyOrders",
            ])
        );
    }

    #[test]
    fn every_table_is_a_bijection() {
        bijection::<Intent>();
        bijection::<OrderKind>();
        bijection::<Tif>();
        bijection::<ManualIndicator>();
        bijection::<MarketState>();
        bijection::<OrderState>();
        bijection::<Side>();
        bijection::<ExecKind>();
        bijection::<RejectReason>();
        bijection::<UnsolicitedCancel>();
        bijection::<ResolutionSide>();
        bijection::<CashKind>();
        bijection::<Note>();
    }

    #[test]
    fn the_reject_table_covers_every_reason() {
        assert_eq!(RejectReason::ALL.len(), <RejectReason as Code>::ALL.len());
        for reason in RejectReason::ALL {
            assert!(<RejectReason as Code>::ALL.contains(&reason), "{reason:?}");
        }
    }
}
