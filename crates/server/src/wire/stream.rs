//! The streams' payloads that have no HTTP counterpart: trades, position changes and balance
//! changes (docs/api.md §6.4, §6.5). Orders, executions, books and balances reuse the HTTP
//! conversions.

use engine::{Intent, LedgerCause, PositionView, Side, Trade};
use protocol::{
    Amount, BalanceChange, LedgerEntryType, PositionSubscription, TradeParty, TradeUpdate, USD, format_timestamp,
};
use types::{Timestamp, TradeId};

use super::markets::MarketFacts;
use super::portfolio::{BalanceFigures, balance, position};
use super::values::{order_intent, order_side, qty_text};

/// The ledger entry type of a cause; `LEDGER_ENTRY_TYPE_UNDEFINED` for a change no ledger
/// entry made (an order rested, was modified or canceled, moving buying power or the
/// quantity available to sell).
pub(crate) fn entry_type(cause: Option<LedgerCause>) -> LedgerEntryType {
    match cause {
        Some(LedgerCause::Deposit) => LedgerEntryType::Deposit,
        Some(LedgerCause::Withdrawal) => LedgerEntryType::Withdrawal,
        Some(LedgerCause::OrderExecution) => LedgerEntryType::OrderExecution,
        Some(LedgerCause::Commission) => LedgerEntryType::Commission,
        Some(LedgerCause::Resolution) => LedgerEntryType::Resolution,
        None => LedgerEntryType::Undefined,
    }
}

fn describe(cause: Option<LedgerCause>) -> &'static str {
    match cause {
        Some(LedgerCause::Deposit) => "deposit",
        Some(LedgerCause::Withdrawal) => "withdrawal",
        Some(LedgerCause::OrderExecution) => "order execution",
        Some(LedgerCause::Commission) => "commission",
        Some(LedgerCause::Resolution) => "market resolution",
        None => "open orders changed",
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
    cause: Option<LedgerCause>,
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

/// A balance before and after one command.
pub(crate) fn balance_change(
    before: Option<BalanceFigures>,
    after: BalanceFigures,
    cause: Option<LedgerCause>,
    ts: Timestamp,
) -> BalanceChange {
    BalanceChange {
        before_balance: before.as_ref().map(balance),
        after_balance: Some(balance(&after)),
        description: Some(describe(cause).to_owned()),
        update_time: Some(format_timestamp(ts)),
        entry_type: Some(entry_type(cause)),
        ..BalanceChange::default()
    }
}
