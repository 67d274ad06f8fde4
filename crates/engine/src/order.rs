//! Orders: their enums, the `Order` record, and the one table of legal state changes.

use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Timestamp};

/// The trader's intent. Every price is a YES price; NO is synthetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Intent {
    /// Buy YES: opens or adds to a long. Book side BUY.
    BuyLong,
    /// Sell YES held: reduces a long. Book side SELL.
    SellLong,
    /// Buy NO (sell YES): opens or adds to a short. Book side SELL.
    BuyShort,
    /// Sell NO held (buy YES back): reduces a short. Book side BUY.
    SellShort,
}

/// The outcome an order trades: YES (long) or NO (short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeSide {
    Yes,
    No,
}

/// The trader's buy or sell of the chosen outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Buy,
    Sell,
}

/// A side of the single YES book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    /// The other side.
    pub const fn opposite(self) -> Side {
        match self {
            Side::Buy => Side::Sell,
            Side::Sell => Side::Buy,
        }
    }
}

impl Intent {
    /// The intent named by an outcome side and an action (the request's alternative form).
    pub const fn from_parts(outcome: OutcomeSide, action: Action) -> Intent {
        match (outcome, action) {
            (OutcomeSide::Yes, Action::Buy) => Intent::BuyLong,
            (OutcomeSide::Yes, Action::Sell) => Intent::SellLong,
            (OutcomeSide::No, Action::Buy) => Intent::BuyShort,
            (OutcomeSide::No, Action::Sell) => Intent::SellShort,
        }
    }

    /// The outcome side of this intent.
    pub const fn outcome_side(self) -> OutcomeSide {
        match self {
            Intent::BuyLong | Intent::SellLong => OutcomeSide::Yes,
            Intent::BuyShort | Intent::SellShort => OutcomeSide::No,
        }
    }

    /// The action of this intent.
    pub const fn action(self) -> Action {
        match self {
            Intent::BuyLong | Intent::BuyShort => Action::Buy,
            Intent::SellLong | Intent::SellShort => Action::Sell,
        }
    }

    /// The side on the YES book.
    pub const fn side(self) -> Side {
        match self {
            Intent::BuyLong | Intent::SellShort => Side::Buy,
            Intent::SellLong | Intent::BuyShort => Side::Sell,
        }
    }

    /// True for the intents that only reduce a position (`SELL_LONG`, `SELL_SHORT`).
    pub const fn is_reducing(self) -> bool {
        matches!(self, Intent::SellLong | Intent::SellShort)
    }
}

/// Limit or market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderKind {
    Limit,
    Market,
}

/// Time in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tif {
    Day,
    GoodTillCancel,
    GoodTillDate,
    ImmediateOrCancel,
    FillOrKill,
}

impl Tif {
    /// True when an order with this tif may rest on the book.
    pub const fn rests(self) -> bool {
        matches!(self, Tif::Day | Tif::GoodTillCancel | Tif::GoodTillDate)
    }
}

/// Human or automated origin; stored and echoed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ManualIndicator {
    Manual,
    Automatic,
}

/// Order states the engine produces. (The wire's PENDING_* and REPLACED states are never
/// entered: the engine processes each command completely.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderState {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

impl OrderState {
    /// True once the order can never change again.
    pub const fn is_terminal(self) -> bool {
        matches!(self, OrderState::Filled | OrderState::Canceled | OrderState::Rejected | OrderState::Expired)
    }
}

/// What happens to an order, as far as its state is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Accepted by the engine.
    Accept,
    /// Refused on arrival.
    Reject,
    /// Some quantity traded; `complete` when nothing is left.
    Fill { complete: bool },
    /// Cancel-replaced; the state is recomputed from the fills so far.
    Replace,
    /// Canceled by the user or the system.
    Cancel,
    /// Ran out of time (GTD expiry, DAY roll).
    Expire,
}

/// The one table of legal order state changes. `Err` means an engine bug.
pub fn transition(
    state: Option<OrderState>,
    event: Transition,
    has_fills: bool,
) -> Result<OrderState, InvalidTransition> {
    use OrderState as S;
    use Transition as T;
    let next = match (state, event) {
        (None, T::Accept) => S::New,
        (None, T::Reject) => S::Rejected,
        (Some(S::New | S::PartiallyFilled), T::Fill { complete: true }) => S::Filled,
        (Some(S::New | S::PartiallyFilled), T::Fill { complete: false }) => S::PartiallyFilled,
        (Some(S::New | S::PartiallyFilled), T::Replace) if has_fills => S::PartiallyFilled,
        (Some(S::New | S::PartiallyFilled), T::Replace) => S::New,
        (Some(S::New | S::PartiallyFilled), T::Cancel) => S::Canceled,
        (Some(S::New | S::PartiallyFilled), T::Expire) => S::Expired,
        (state, event) => return Err(InvalidTransition { state, event }),
    };
    Ok(next)
}

/// An order state change that the table does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid order transition {event:?} from {state:?}")]
pub struct InvalidTransition {
    pub state: Option<OrderState>,
    pub event: Transition,
}

/// An order as the engine keeps it. Every execution carries a copy (a snapshot).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    pub account: AccountId,
    /// `None` only for an order rejected because its market is unknown.
    pub market: Option<MarketId>,
    pub intent: Intent,
    pub kind: OrderKind,
    /// The limit price, or for a market or close order the slippage bound (if any).
    pub price: Option<Price>,
    /// Original quantity, after normalisation to the market's step.
    pub qty: Qty,
    /// Filled so far.
    pub cum_qty: Qty,
    /// Still working; zero once terminal.
    pub leaves_qty: Qty,
    pub tif: Tif,
    pub good_till: Option<Timestamp>,
    pub post_only: bool,
    /// The dollar size of a cash-sized market order.
    pub cash_qty: Option<Cash>,
    pub manual: Option<ManualIndicator>,
    pub state: OrderState,
    /// True for orders made by close-position.
    pub close_position: bool,
    pub ts_created: Timestamp,
    /// When the order last took its place in the queue (creation or a priority-losing modify).
    pub ts_inserted: Timestamp,
    /// Sum of price x quantity over the fills: `avgPx = notional_filled / cum_qty`.
    pub notional_filled: Cash,
    /// Fees charged on this order so far (negative when rebates exceed fees).
    pub fees_total: Cash,
}

impl Order {
    /// A new incoming order before validation: no size, price or fills yet, DAY, state
    /// `Rejected` until accepted (callers fill in the request's fields).
    pub(crate) const fn incoming(
        id: OrderId,
        account: AccountId,
        market: Option<MarketId>,
        intent: Intent,
        kind: OrderKind,
        now: Timestamp,
    ) -> Order {
        Order {
            id,
            account,
            market,
            intent,
            kind,
            price: None,
            qty: Qty::ZERO,
            cum_qty: Qty::ZERO,
            leaves_qty: Qty::ZERO,
            tif: Tif::Day,
            good_till: None,
            post_only: false,
            cash_qty: None,
            manual: None,
            state: OrderState::Rejected,
            close_position: false,
            ts_created: now,
            ts_inserted: now,
            notional_filled: Cash::ZERO,
            fees_total: Cash::ZERO,
        }
    }

    /// The side on the YES book.
    pub const fn side(&self) -> Side {
        self.intent.side()
    }

    /// Average fill price in $0.0001 units, rounded half to even; `None` before any fill.
    pub fn avg_px_units(&self) -> Option<i64> {
        if self.cum_qty.is_zero() {
            return None;
        }
        Some(crate::fees::div_round_half_even(
            i128::from(self.notional_filled.units()),
            i128::from(self.cum_qty.units()),
        ) as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_round_trip_through_parts() {
        for intent in [Intent::BuyLong, Intent::SellLong, Intent::BuyShort, Intent::SellShort] {
            assert_eq!(Intent::from_parts(intent.outcome_side(), intent.action()), intent);
        }
        assert_eq!(Intent::BuyShort.side(), Side::Sell);
        assert_eq!(Intent::SellShort.side(), Side::Buy);
    }

    #[test]
    fn transition_table() {
        use OrderState as S;
        use Transition as T;
        assert_eq!(transition(None, T::Accept, false), Ok(S::New));
        assert_eq!(transition(None, T::Reject, false), Ok(S::Rejected));
        assert_eq!(transition(Some(S::New), T::Fill { complete: false }, true), Ok(S::PartiallyFilled));
        assert_eq!(transition(Some(S::PartiallyFilled), T::Fill { complete: true }, true), Ok(S::Filled));
        assert_eq!(transition(Some(S::PartiallyFilled), T::Replace, true), Ok(S::PartiallyFilled));
        assert_eq!(transition(Some(S::New), T::Replace, false), Ok(S::New));
        assert_eq!(transition(Some(S::New), T::Expire, false), Ok(S::Expired));
        for terminal in [S::Filled, S::Canceled, S::Rejected, S::Expired] {
            for event in [T::Accept, T::Reject, T::Fill { complete: true }, T::Replace, T::Cancel, T::Expire] {
                assert!(transition(Some(terminal), event, false).is_err());
            }
        }
        assert!(transition(None, T::Cancel, false).is_err());
    }
}
