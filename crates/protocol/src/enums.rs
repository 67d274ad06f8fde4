//! Every wire enum, with its exact full string names (`"ORDER_TYPE_LIMIT"`, never `1`).
//!
//! Each enum has `as_str`, `FromStr` (used by query strings), `Display`, `ALL`, and serde
//! impls that write and read only those strings. An unknown string is refused with a
//! message that lists the accepted values; integers are refused too. Values the official
//! SDK types add beyond the schema (`OUTCOME_SIDE_UNSPECIFIED`, `MARKET_STATE_CLOSED`,
//! `LEDGER_ENTRY_TYPE_UNDEFINED`...) are accepted so that either side can round-trip them.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that names no value of a wire enum.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {name} `{value}`: expected one of {}", expected.join(", "))]
pub struct UnknownVariant {
    /// The enum's wire name, e.g. `OrderType`.
    pub name: &'static str,
    /// The text received.
    pub value: String,
    /// Every accepted string.
    pub expected: Vec<&'static str>,
}

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The exact wire string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value named by `text`, if any (exact, case-sensitive).
            pub fn from_wire(text: &str) -> Option<$name> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;

            fn from_str(text: &str) -> Result<$name, UnknownVariant> {
                $name::from_wire(text).ok_or_else(|| UnknownVariant {
                    name: stringify!($name),
                    value: text.to_owned(),
                    expected: $name::ALL.iter().map(|v| v.as_str()).collect(),
                })
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$name, D::Error> {
                struct WireVisitor;

                impl Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "a {} string such as \"{}\"", stringify!($name), $name::ALL[0].as_str())
                    }

                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$name, E> {
                        text.parse().map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

wire_enum! {
    /// Limit or market.
    OrderType {
        Limit = "ORDER_TYPE_LIMIT",
        Market = "ORDER_TYPE_MARKET",
    }
}

wire_enum! {
    /// Side on the single YES book.
    OrderSide {
        Buy = "ORDER_SIDE_BUY",
        Sell = "ORDER_SIDE_SELL",
    }
}

wire_enum! {
    /// Buy YES / sell YES / buy NO / sell NO.
    OrderIntent {
        BuyLong = "ORDER_INTENT_BUY_LONG",
        SellLong = "ORDER_INTENT_SELL_LONG",
        BuyShort = "ORDER_INTENT_BUY_SHORT",
        SellShort = "ORDER_INTENT_SELL_SHORT",
    }
}

wire_enum! {
    /// YES (long) or NO (short).
    OutcomeSide {
        /// Listed by the Python SDK type; names no side.
        Unspecified = "OUTCOME_SIDE_UNSPECIFIED",
        Yes = "OUTCOME_SIDE_YES",
        No = "OUTCOME_SIDE_NO",
    }
}

wire_enum! {
    /// The trader's buy or sell of the chosen outcome.
    OrderAction {
        Buy = "ORDER_ACTION_BUY",
        Sell = "ORDER_ACTION_SELL",
    }
}

wire_enum! {
    /// Time in force.
    TimeInForce {
        Day = "TIME_IN_FORCE_DAY",
        GoodTillCancel = "TIME_IN_FORCE_GOOD_TILL_CANCEL",
        GoodTillDate = "TIME_IN_FORCE_GOOD_TILL_DATE",
        ImmediateOrCancel = "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL",
        FillOrKill = "TIME_IN_FORCE_FILL_OR_KILL",
    }
}

wire_enum! {
    /// Order states, with the docs' numbers in declaration order (NEW = 0 ... PENDING_RISK = 10).
    OrderState {
        New = "ORDER_STATE_NEW",
        PartiallyFilled = "ORDER_STATE_PARTIALLY_FILLED",
        Filled = "ORDER_STATE_FILLED",
        Canceled = "ORDER_STATE_CANCELED",
        Replaced = "ORDER_STATE_REPLACED",
        Rejected = "ORDER_STATE_REJECTED",
        Expired = "ORDER_STATE_EXPIRED",
        PendingNew = "ORDER_STATE_PENDING_NEW",
        PendingReplace = "ORDER_STATE_PENDING_REPLACE",
        PendingCancel = "ORDER_STATE_PENDING_CANCEL",
        PendingRisk = "ORDER_STATE_PENDING_RISK",
    }
}

impl OrderState {
    /// "Open" per docs/trading.md §13: NEW, PARTIALLY_FILLED and the four PENDING_* states.
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            OrderState::New
                | OrderState::PartiallyFilled
                | OrderState::PendingNew
                | OrderState::PendingReplace
                | OrderState::PendingCancel
                | OrderState::PendingRisk
        )
    }
}

wire_enum! {
    /// Kind of an execution report.
    ExecutionType {
        New = "EXECUTION_TYPE_NEW",
        PartialFill = "EXECUTION_TYPE_PARTIAL_FILL",
        Fill = "EXECUTION_TYPE_FILL",
        Canceled = "EXECUTION_TYPE_CANCELED",
        Replace = "EXECUTION_TYPE_REPLACE",
        Rejected = "EXECUTION_TYPE_REJECTED",
        Expired = "EXECUTION_TYPE_EXPIRED",
        DoneForDay = "EXECUTION_TYPE_DONE_FOR_DAY",
    }
}

wire_enum! {
    /// Why an order was rejected.
    OrdRejectReason {
        ExchangeOption = "ORD_REJECT_REASON_EXCHANGE_OPTION",
        UnknownMarket = "ORD_REJECT_REASON_UNKNOWN_MARKET",
        ExchangeClosed = "ORD_REJECT_REASON_EXCHANGE_CLOSED",
        IncorrectQuantity = "ORD_REJECT_REASON_INCORRECT_QUANTITY",
        InvalidPriceIncrement = "ORD_REJECT_REASON_INVALID_PRICE_INCREMENT",
        IncorrectOrderType = "ORD_REJECT_REASON_INCORRECT_ORDER_TYPE",
        PriceOutOfBounds = "ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS",
        NoLiquidity = "ORD_REJECT_REASON_NO_LIQUIDITY",
    }
}

wire_enum! {
    /// Human or automated origin of an order.
    ManualOrderIndicator {
        Manual = "MANUAL_ORDER_INDICATOR_MANUAL",
        Automatic = "MANUAL_ORDER_INDICATOR_AUTOMATIC",
    }
}

wire_enum! {
    /// Why the system canceled an order by itself.
    UnsolicitedCxlReason {
        ConnectionLoss = "UNSOLICITED_CXL_REASON_CONNECTION_LOSS",
        Logout = "UNSOLICITED_CXL_REASON_LOGOUT",
        ExchangeOption = "UNSOLICITED_CXL_REASON_EXCHANGE_OPTION",
        Other = "UNSOLICITED_CXL_REASON_OTHER",
    }
}

wire_enum! {
    /// Normalized market life cycle (`Market.status`).
    MarketStatus {
        Unspecified = "MARKET_STATUS_UNSPECIFIED",
        Open = "MARKET_STATUS_OPEN",
        Closed = "MARKET_STATUS_CLOSED",
        Resolving = "MARKET_STATUS_RESOLVING",
        Resolved = "MARKET_STATUS_RESOLVED",
        Halted = "MARKET_STATUS_HALTED",
    }
}

wire_enum! {
    /// Trading state of a book (`MarketData.state`).
    MarketState {
        Open = "MARKET_STATE_OPEN",
        Preopen = "MARKET_STATE_PREOPEN",
        Suspended = "MARKET_STATE_SUSPENDED",
        Expired = "MARKET_STATE_EXPIRED",
        Terminated = "MARKET_STATE_TERMINATED",
        Halted = "MARKET_STATE_HALTED",
        MatchAndCloseAuction = "MARKET_STATE_MATCH_AND_CLOSE_AUCTION",
        /// Listed by the Python SDK type only.
        Closed = "MARKET_STATE_CLOSED",
    }
}

wire_enum! {
    /// How a settlement price was computed.
    SettlementPriceCalculationMethod {
        VwapTier1 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_1",
        VwapTier2Rule1 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_1",
        VwapTier2Rule2 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_2",
        VwapTier2Rule3 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_3",
        VwapTier2Rule4 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_4",
        VwapTier2Rule5 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_5",
        VwapTier2Rule6 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_6",
        VwapTier2Rule7 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_7",
        VwapTier2Rule8 = "SETTLEMENT_PRICE_CALCULATION_METHOD_VWAP_TIER_2_RULE_8",
        /// Final settlement after resolution.
        EventTier1 = "SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_1",
        EventTier2 = "SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_2",
        EventTier3 = "SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_3",
        EventTier4 = "SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_4",
        Override = "SETTLEMENT_PRICE_CALCULATION_METHOD_OVERRIDE",
    }
}

wire_enum! {
    /// How a market's image is displayed.
    ImageDisplayType {
        Headshot = "IMAGE_DISPLAY_TYPE_HEADSHOT",
        Logo = "IMAGE_DISPLAY_TYPE_LOGO",
        Flag = "IMAGE_DISPLAY_TYPE_FLAG",
        Artwork = "IMAGE_DISPLAY_TYPE_ARTWORK",
    }
}

wire_enum! {
    /// Kind of a market side's instrument.
    MarketSideType {
        Erc1155 = "MARKET_SIDE_TYPE_ERC1155",
        Instrument = "MARKET_SIDE_TYPE_INSTRUMENT",
    }
}

wire_enum! {
    /// Kind of a portfolio activity record.
    ActivityType {
        Trade = "ACTIVITY_TYPE_TRADE",
        PositionResolution = "ACTIVITY_TYPE_POSITION_RESOLUTION",
        AccountDeposit = "ACTIVITY_TYPE_ACCOUNT_DEPOSIT",
        AccountAdvancedDeposit = "ACTIVITY_TYPE_ACCOUNT_ADVANCED_DEPOSIT",
        AccountWithdrawal = "ACTIVITY_TYPE_ACCOUNT_WITHDRAWAL",
        ReferralBonus = "ACTIVITY_TYPE_REFERRAL_BONUS",
        Transfer = "ACTIVITY_TYPE_TRANSFER",
        TakerFeeRebate = "ACTIVITY_TYPE_TAKER_FEE_REBATE",
        LiquidityProgram = "ACTIVITY_TYPE_LIQUIDITY_PROGRAM",
    }
}

wire_enum! {
    /// Sort order of the activities list.
    SortOrder {
        /// Newest first (the default).
        Descending = "SORT_ORDER_DESCENDING",
        Ascending = "SORT_ORDER_ASCENDING",
    }
}

wire_enum! {
    /// State of a trade in the activities list.
    TradeState {
        New = "TRADE_STATE_NEW",
        Cleared = "TRADE_STATE_CLEARED",
        Busted = "TRADE_STATE_BUSTED",
        Inflight = "TRADE_STATE_INFLIGHT",
        PendingRisk = "TRADE_STATE_PENDING_RISK",
        PendingCleared = "TRADE_STATE_PENDING_CLEARED",
        Rejected = "TRADE_STATE_REJECTED",
        ClearingAcknowledged = "TRADE_STATE_CLEARING_ACKNOWLEDGED",
        RetryRequest = "TRADE_STATE_RETRY_REQUEST",
    }
}

wire_enum! {
    /// The winning side of a settled market.
    PositionResolutionSide {
        Long = "POSITION_RESOLUTION_SIDE_LONG",
        Short = "POSITION_RESOLUTION_SIDE_SHORT",
        Neutral = "POSITION_RESOLUTION_SIDE_NEUTRAL",
    }
}

wire_enum! {
    /// State of a deposit, withdrawal or other balance change.
    AccountBalanceChangeStatus {
        Pending = "ACCOUNT_BALANCE_CHANGE_STATUS_PENDING",
        Completed = "ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED",
        PartiallyRefunded = "ACCOUNT_BALANCE_CHANGE_STATUS_PARTIALLY_REFUNDED",
        Rejected = "ACCOUNT_BALANCE_CHANGE_STATUS_REJECTED",
    }
}

wire_enum! {
    /// Why a balance or position moved (the streams' `entryType`).
    LedgerEntryType {
        Undefined = "LEDGER_ENTRY_TYPE_UNDEFINED",
        OrderExecution = "LEDGER_ENTRY_TYPE_ORDER_EXECUTION",
        Deposit = "LEDGER_ENTRY_TYPE_DEPOSIT",
        Withdrawal = "LEDGER_ENTRY_TYPE_WITHDRAWAL",
        Resolution = "LEDGER_ENTRY_TYPE_RESOLUTION",
        Commission = "LEDGER_ENTRY_TYPE_COMMISSION",
        Correction = "LEDGER_ENTRY_TYPE_CORRECTION",
        Netting = "LEDGER_ENTRY_TYPE_NETTING",
        ManualAdjustment = "LEDGER_ENTRY_TYPE_MANUAL_ADJUSTMENT",
        ContractExpiration = "LEDGER_ENTRY_TYPE_CONTRACT_EXPIRATION",
    }
}

wire_enum! {
    /// What a stream subscription delivers (docs/api.md §6.2). The first five belong to the
    /// private stream, the last three to the markets stream.
    SubscriptionType {
        Order = "SUBSCRIPTION_TYPE_ORDER",
        OrderSnapshot = "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT",
        Position = "SUBSCRIPTION_TYPE_POSITION",
        AccountBalance = "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE",
        Rfq = "SUBSCRIPTION_TYPE_RFQ",
        MarketData = "SUBSCRIPTION_TYPE_MARKET_DATA",
        MarketDataLite = "SUBSCRIPTION_TYPE_MARKET_DATA_LITE",
        Trade = "SUBSCRIPTION_TYPE_TRADE",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        fn check<T: Serialize + for<'de> Deserialize<'de> + PartialEq + fmt::Debug + Copy>(
            all: &[T],
            text: fn(T) -> &'static str,
        ) {
            for &value in all {
                let json = serde_json::to_string(&value).unwrap();
                assert_eq!(json, format!("\"{}\"", text(value)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
            }
        }
        check(OrderType::ALL, OrderType::as_str);
        check(OrderSide::ALL, OrderSide::as_str);
        check(OrderIntent::ALL, OrderIntent::as_str);
        check(OutcomeSide::ALL, OutcomeSide::as_str);
        check(OrderAction::ALL, OrderAction::as_str);
        check(TimeInForce::ALL, TimeInForce::as_str);
        check(OrderState::ALL, OrderState::as_str);
        check(ExecutionType::ALL, ExecutionType::as_str);
        check(OrdRejectReason::ALL, OrdRejectReason::as_str);
        check(ManualOrderIndicator::ALL, ManualOrderIndicator::as_str);
        check(UnsolicitedCxlReason::ALL, UnsolicitedCxlReason::as_str);
        check(MarketStatus::ALL, MarketStatus::as_str);
        check(MarketState::ALL, MarketState::as_str);
        check(SettlementPriceCalculationMethod::ALL, SettlementPriceCalculationMethod::as_str);
        check(ImageDisplayType::ALL, ImageDisplayType::as_str);
        check(MarketSideType::ALL, MarketSideType::as_str);
        check(ActivityType::ALL, ActivityType::as_str);
        check(SortOrder::ALL, SortOrder::as_str);
        check(TradeState::ALL, TradeState::as_str);
        check(PositionResolutionSide::ALL, PositionResolutionSide::as_str);
        check(AccountBalanceChangeStatus::ALL, AccountBalanceChangeStatus::as_str);
        check(LedgerEntryType::ALL, LedgerEntryType::as_str);
        check(SubscriptionType::ALL, SubscriptionType::as_str);
    }

    #[test]
    fn order_states_are_the_eleven_documented() {
        assert_eq!(OrderState::ALL.len(), 11);
        // Declaration order follows the documented numbers.
        assert_eq!(OrderState::ALL[4], OrderState::Replaced);
        assert_eq!(OrderState::ALL[10], OrderState::PendingRisk);
        let open: Vec<_> = OrderState::ALL.iter().filter(|s| s.is_open()).collect();
        assert_eq!(open.len(), 6);
    }

    #[test]
    fn unknown_strings_and_integers_are_refused() {
        let error = serde_json::from_str::<OrderType>("\"ORDER_TYPE_STOP\"").unwrap_err().to_string();
        assert!(
            error.starts_with(
                "unknown OrderType `ORDER_TYPE_STOP`: expected one of ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET"
            ),
            "{error}"
        );
        // Case matters: the wire strings are exact.
        assert!(serde_json::from_str::<OrderSide>("\"order_side_buy\"").is_err());
        let error = serde_json::from_str::<OrderType>("1").unwrap_err().to_string();
        assert!(error.contains("expected a OrderType string"), "{error}");
        assert!(serde_json::from_str::<TimeInForce>("null").is_err());
        assert_eq!("SORT_ORDER_ASCENDING".parse::<SortOrder>(), Ok(SortOrder::Ascending));
        assert!("SORT_ORDER_UP".parse::<SortOrder>().is_err());
    }
}
