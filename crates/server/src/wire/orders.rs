//! Engine orders and executions as the wire's `Order` and `Execution`.

use engine::Note;
use protocol::{Amount, PRICE_DP, format_timestamp};
use types::Timestamp;

use super::markets::{MarketFacts, metadata};
use super::values::{
    basis_points, execution_type, order_intent, order_side, order_state, order_type, outcome_and_action, qty_number,
    qty_text, reject_reason, time_in_force, unsolicited_reason,
};

/// An order as the wire shows it. `market` is `None` only for an order rejected because its
/// market is unknown; such an order has no `marketSlug`, metadata or commission rates.
pub(crate) fn order(order: &engine::Order, market: Option<MarketFacts<'_>>) -> protocol::Order {
    let (outcome_side, action) = outcome_and_action(order.intent);
    protocol::Order {
        id: Some(order.id.to_string()),
        market_slug: market.map(|market| market.spec.slug.clone()),
        side: Some(order_side(order.side())),
        order_type: Some(order_type(order.kind)),
        price: order.price.map(Amount::price),
        quantity: Some(qty_number(order.qty)),
        cum_quantity: Some(qty_number(order.cum_qty)),
        leaves_quantity: Some(qty_number(order.leaves_qty)),
        tif: Some(time_in_force(order.tif)),
        good_till_time: order.good_till.map(format_timestamp),
        intent: Some(order_intent(order.intent)),
        market_metadata: market.map(metadata),
        state: Some(order_state(order.state)),
        commission_notional_total_collected: Some(Amount::cash(order.fees_total)),
        commissions_basis_points: market.map(|market| basis_points(market.spec.taker_rate)),
        maker_commissions_basis_points: market.map(|market| basis_points(market.spec.maker_rate)),
        avg_px: order.avg_px_units().map(|units| Amount::from_units(i128::from(units), PRICE_DP, 2)),
        cash_order_qty: order.cash_qty.map(Amount::cash),
        insert_time: Some(format_timestamp(order.ts_inserted)),
        create_time: Some(format_timestamp(order.ts_created)),
        outcome_side: Some(outcome_side),
        action: Some(action),
    }
}

/// An execution report at time `ts` (the time of the command that produced it).
pub(crate) fn execution(
    execution: &engine::Execution,
    market: Option<MarketFacts<'_>>,
    ts: Timestamp,
) -> protocol::Execution {
    let fill = execution.fill;
    protocol::Execution {
        id: Some(execution.id.to_string()),
        order: Some(order(&execution.order, market)),
        last_shares: fill.map(|fill| qty_text(fill.qty)),
        last_px: fill.map(|fill| Amount::price(fill.px)),
        execution_type: Some(execution_type(execution.kind)),
        text: (execution.note != Note::None).then(|| execution.note.text().to_owned()),
        order_reject_reason: execution.reject.map(reject_reason),
        transact_time: Some(format_timestamp(ts)),
        trade_id: fill.map(|fill| fill.trade.to_string()),
        aggressor: fill.map(|fill| fill.aggressor),
        commission_notional_collected: fill.map(|fill| Amount::cash(fill.fee)),
        unsolicited_cancel_reason: execution.unsolicited.map(unsolicited_reason),
        ..protocol::Execution::default()
    }
}
