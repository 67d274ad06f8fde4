//! Engine values on the wire: quantities, money, fee rates and the engine's enums.

use engine::{ExecKind, Intent, OrderKind, RejectReason, Side, Tif, UnsolicitedCancel};
use protocol::{
    CASH_DP, ExecutionType, JsonNumber, OrdRejectReason, OrderAction, OrderIntent, OrderSide, OrderType, OutcomeSide,
    TimeInForce, UnsolicitedCxlReason,
};
use types::{Cash, QTY_SCALE, Qty, Rate, format_units};

/// Decimal places of `Qty`.
pub(super) const QTY_DP: u32 = QTY_SCALE.ilog10();
/// Decimal places of `Rate`.
pub(super) const RATE_DP: u32 = 6;

/// An order quantity as a JSON number: `10`, `0.5`.
pub(super) fn qty_number(qty: Qty) -> JsonNumber {
    JsonNumber::from_units(i128::from(qty.units()), QTY_DP)
}

/// A quantity as a minimal decimal string: `"6"`, `"0.25"`.
pub(super) fn qty_text(qty: Qty) -> String {
    format_units(i128::from(qty.units()), QTY_DP, 0)
}

/// A quantity with 4 decimal places: `"19.6000"`.
pub(super) fn qty_decimal(qty: Qty) -> String {
    format_units(i128::from(qty.units()), QTY_DP, QTY_DP)
}

/// A balance figure as a JSON number with at least 2 decimal places.
pub(super) fn cash_number(cash: Cash) -> JsonNumber {
    JsonNumber::from_units_dp(i128::from(cash.units()), CASH_DP, 2)
}

/// A fee coefficient in basis points: the rate's millionths divided by 100.
pub(super) fn basis_points(rate: Rate) -> String {
    format_units(i128::from(rate.units()), RATE_DP - 4, 0)
}

pub(super) fn order_side(side: Side) -> OrderSide {
    match side {
        Side::Buy => OrderSide::Buy,
        Side::Sell => OrderSide::Sell,
    }
}

pub(super) fn order_type(kind: OrderKind) -> OrderType {
    match kind {
        OrderKind::Limit => OrderType::Limit,
        OrderKind::Market => OrderType::Market,
    }
}

pub(super) fn order_intent(intent: Intent) -> OrderIntent {
    match intent {
        Intent::BuyLong => OrderIntent::BuyLong,
        Intent::SellLong => OrderIntent::SellLong,
        Intent::BuyShort => OrderIntent::BuyShort,
        Intent::SellShort => OrderIntent::SellShort,
    }
}

pub(super) fn outcome_and_action(intent: Intent) -> (OutcomeSide, OrderAction) {
    match intent {
        Intent::BuyLong => (OutcomeSide::Yes, OrderAction::Buy),
        Intent::SellLong => (OutcomeSide::Yes, OrderAction::Sell),
        Intent::BuyShort => (OutcomeSide::No, OrderAction::Buy),
        Intent::SellShort => (OutcomeSide::No, OrderAction::Sell),
    }
}

pub(super) fn time_in_force(tif: Tif) -> TimeInForce {
    match tif {
        Tif::Day => TimeInForce::Day,
        Tif::GoodTillCancel => TimeInForce::GoodTillCancel,
        Tif::GoodTillDate => TimeInForce::GoodTillDate,
        Tif::ImmediateOrCancel => TimeInForce::ImmediateOrCancel,
        Tif::FillOrKill => TimeInForce::FillOrKill,
    }
}

pub(super) fn order_state(state: engine::OrderState) -> protocol::OrderState {
    use engine::OrderState as S;
    match state {
        S::New => protocol::OrderState::New,
        S::PartiallyFilled => protocol::OrderState::PartiallyFilled,
        S::Filled => protocol::OrderState::Filled,
        S::Canceled => protocol::OrderState::Canceled,
        S::Rejected => protocol::OrderState::Rejected,
        S::Expired => protocol::OrderState::Expired,
    }
}

pub(super) fn execution_type(kind: ExecKind) -> ExecutionType {
    match kind {
        ExecKind::New => ExecutionType::New,
        ExecKind::PartialFill => ExecutionType::PartialFill,
        ExecKind::Fill => ExecutionType::Fill,
        ExecKind::Canceled => ExecutionType::Canceled,
        ExecKind::Replace => ExecutionType::Replace,
        ExecKind::Rejected => ExecutionType::Rejected,
        ExecKind::Expired => ExecutionType::Expired,
        ExecKind::DoneForDay => ExecutionType::DoneForDay,
    }
}

pub(super) fn reject_reason(reason: RejectReason) -> OrdRejectReason {
    match reason {
        RejectReason::UnknownMarket => OrdRejectReason::UnknownMarket,
        RejectReason::IncorrectQuantity => OrdRejectReason::IncorrectQuantity,
        RejectReason::InvalidPriceIncrement => OrdRejectReason::InvalidPriceIncrement,
        RejectReason::IncorrectOrderType => OrdRejectReason::IncorrectOrderType,
        RejectReason::PriceOutOfBounds => OrdRejectReason::PriceOutOfBounds,
        RejectReason::ExchangeOption => OrdRejectReason::ExchangeOption,
        RejectReason::NoLiquidity => OrdRejectReason::NoLiquidity,
        RejectReason::ExchangeClosed => OrdRejectReason::ExchangeClosed,
    }
}

pub(super) fn unsolicited_reason(cause: UnsolicitedCancel) -> UnsolicitedCxlReason {
    match cause {
        UnsolicitedCancel::ExchangeOption => UnsolicitedCxlReason::ExchangeOption,
        UnsolicitedCancel::Other => UnsolicitedCxlReason::Other,
    }
}
