//! The streams' payloads that have no HTTP counterpart: trades, position changes and balance
//! changes (docs/api.md §6.4, §6.5). Orders, executions, books and balances reuse the HTTP
//! conversions.

use engine::{BalanceView, Intent, LedgerCause, PositionView, Side, Trade};
use protocol::{
    Amount, BalanceChange, LedgerEntryType, PositionSubscription, TradeParty, TradeUpdate, USD, format_timestamp,
};
use types::{Cash, Timestamp, TradeId};

use super::markets::MarketFacts;
use super::portfolio::{balance, position};
use super::values::{order_intent, order_side, qty_text};

/// The ledger entry type of a cause.
pub(crate) fn entry_type(cause: LedgerCause) -> LedgerEntryType {
    match cause {
        LedgerCause::Deposit => LedgerEntryType::Deposit,
        LedgerCause::Withdrawal => LedgerEntryType::Withdrawal,
        LedgerCause::OrderExecution => LedgerEntryType::OrderExecution,
        LedgerCause::Commission => LedgerEntryType::Commission,
        LedgerCause::Resolution => LedgerEntryType::Resolution,
    }
}

fn describe(cause: LedgerCause) -> &'static str {
    match cause {
        LedgerCause::Deposit => "deposit",
        LedgerCause::Withdrawal => "withdrawal",
        LedgerCause::OrderExecution => "order execution",
        LedgerCause::Commission => "commission",
        LedgerCause::Resolution => "market resolution",
    }
}

/// A trade on the markets stream. `intents` are the taker's and the maker's order intents,
/// when known. The quantity is an Amount in contracts with currency "USD", as documented.
pub(crate) fn trade_update(
    market: MarketFacts<'_>,
    trade: &Trade,
    intents: (Option<Intent>, Option<Intent>),
    ts: Timestamp,
) -> TradeUpdate {
    let maker_side = match trade.taker_side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    };
    let party = |side: Side, intent: Option<Intent>| TradeParty {
        side: Some(order_side(side)),
        intent: intent.map(order_intent),
    };
    TradeUpdate {
        market_slug: Some(market.spec.slug.clone()),
        price: Some(Amount::price(trade.px)),
        quantity: Some(Amount { value: qty_text(trade.qty), currency: USD.to_owned() }),
        trade_time: Some(format_timestamp(ts)),
        maker: Some(party(maker_side, intents.1)),
        taker: Some(party(trade.taker_side, intents.0)),
    }
}

/// A position before and after one command.
pub(crate) fn position_change(
    market: MarketFacts<'_>,
    before: Option<&PositionView>,
    after: &PositionView,
    cause: LedgerCause,
    trade: Option<TradeId>,
    ts: Timestamp,
) -> PositionSubscription {
    PositionSubscription {
        before_position: before.map(|view| position(view, market)),
        after_position: Some(position(after, market)),
        update_time: Some(format_timestamp(ts)),
        entry_type: Some(entry_type(cause)),
        trade_id: trade.map(|trade| trade.to_string()),
        description: Some(describe(cause).to_owned()),
        short_transfer: Some(false),
        ..PositionSubscription::default()
    }
}

/// A balance's figures: the view, when it last changed, and the positions' value.
pub(crate) type Figures = (BalanceView, Timestamp, Cash);

/// A balance before and after one command.
pub(crate) fn balance_change(
    before: Option<Figures>,
    after: Figures,
    cause: LedgerCause,
    ts: Timestamp,
) -> BalanceChange {
    let user_balance = |(view, updated, notional): Figures| balance(&view, updated, notional);
    BalanceChange {
        before_balance: before.map(user_balance),
        after_balance: Some(user_balance(after)),
        description: Some(describe(cause).to_owned()),
        update_time: Some(format_timestamp(ts)),
        entry_type: Some(entry_type(cause)),
        ..BalanceChange::default()
    }
}
