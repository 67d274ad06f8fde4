//! Events: the only output of the engine, rich enough to build every wire object
//! (executions, orders, trades, positions, balances, activities) without asking again.

use types::{AccountId, Cash, ExecutionId, MarketId, OrderId, Price, Qty, TradeId};

use crate::command::MarketState;
use crate::order::{Order, Side};
use crate::position::Position;
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

/// One thing that happened, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    MarketCreated {
        market: MarketId,
    },
    MarketStateChanged {
        market: MarketId,
        state: MarketState,
    },
    AccountCreated {
        account: AccountId,
    },
    /// A deposit or withdrawal. `transaction` numbers cash movements.
    CashMoved {
        account: AccountId,
        kind: CashKind,
        amount: Cash,
        transaction: u64,
    },
    /// An event on one order; `order` is the snapshot after it.
    Execution(Execution),
    /// One match between a taker and a maker.
    Trade(Trade),
    /// A position after it changed.
    PositionChanged {
        account: AccountId,
        market: MarketId,
        position: Position,
    },
    /// An account's cash or margin after it changed.
    BalanceChanged {
        account: AccountId,
        cash: Cash,
        margin: Cash,
        delta: Cash,
        cause: LedgerCause,
    },
    /// A position closed by settlement (the `POSITION_RESOLUTION` activity).
    Resolution(Resolution),
    MarketSettled {
        market: MarketId,
        value: Price,
    },
}

/// Appends the event `make` builds to `out`, building it in place.
///
/// Events are large (an execution carries a whole order): `resize_with` writes `make`'s
/// result straight into the vector, where `Vec::push` would build it on the stack and copy it.
#[inline(always)]
pub(crate) fn emit(out: &mut Vec<Event>, make: impl FnMut() -> Event) {
    out.resize_with(out.len() + 1, make);
}

/// Deposit or withdrawal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CashKind {
    Deposit,
    Withdrawal,
}

/// Why a balance moved (the wire's `LEDGER_ENTRY_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedgerCause {
    Deposit,
    Withdrawal,
    /// Trade cash and margin.
    OrderExecution,
    /// A fee or rebate.
    Commission,
    Resolution,
}

/// Kinds of execution report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExecKind {
    New,
    PartialFill,
    Fill,
    Canceled,
    Replace,
    Rejected,
    Expired,
    DoneForDay,
}

/// The fill part of a fill execution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillInfo {
    pub trade: TradeId,
    pub qty: Qty,
    pub px: Price,
    /// True when this order was the taker.
    pub aggressor: bool,
    /// Fee charged on this fill (negative = rebate).
    pub fee: Cash,
}

/// One execution report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Execution {
    pub id: ExecutionId,
    pub kind: ExecKind,
    pub order: Order,
    pub fill: Option<FillInfo>,
    pub reject: Option<RejectReason>,
    pub unsolicited: Option<UnsolicitedCancel>,
    pub note: Note,
}

/// One side of a trade, as its account sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeSide {
    pub account: AccountId,
    pub order: OrderId,
    /// Fee charged (negative = rebate).
    pub fee: Cash,
    /// Realized P&L of this fill (excluding fees).
    pub realized_pnl: Cash,
    /// Cost basis of the position after the fill.
    pub cost_basis: Cash,
}

/// One match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trade {
    pub id: TradeId,
    pub market: MarketId,
    pub px: Price,
    pub qty: Qty,
    /// The taker's side on the YES book.
    pub taker_side: Side,
    pub taker: TradeSide,
    pub maker: TradeSide,
}

/// Which side won a settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResolutionSide {
    Long,
    Short,
    Neutral,
}

/// A position closed by settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub account: AccountId,
    pub market: MarketId,
    pub before: Position,
    pub after: Position,
    pub side: ResolutionSide,
    pub value: Price,
    /// Cash paid to (positive) or taken from (negative) the account.
    pub payout: Cash,
}
