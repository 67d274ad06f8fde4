//! `close_position` on a long and on a short: the close order's intent and side, its fills,
//! and a flat position afterwards.

use client::protocol::{
    Amount, ClosePositionOrderRequest, ExecutionType, Int64Text, ManualOrderIndicator, OrderIntent, OrderSide,
    OrderState, OrderType, SlippageTolerance, TimeInForce,
};

use crate::harness::{MAKER, TRADER, TestServer, limit, net_position, open_position, place};

fn close(slug: &str, slippage: SlippageTolerance) -> ClosePositionOrderRequest {
    ClosePositionOrderRequest {
        market_slug: slug.into(),
        manual_order_indicator: Some(ManualOrderIndicator::Automatic),
        synchronous_execution: Some(true),
        max_block_time: Some(Int64Text::from_i64(2)),
        slippage_tolerance: Some(slippage),
    }
}

#[tokio::test]
async fn a_long_closes_by_selling_into_the_bids() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    open_position(&maker, &trader, "rain", OrderIntent::BuyLong, "10").await;
    place(&maker, limit("rain", OrderIntent::BuyLong, "0.55", "6")).await;
    place(&maker, limit("rain", OrderIntent::BuyLong, "0.54", "10")).await;

    let slippage = SlippageTolerance { current_price: Some(Amount::usd("0.55")), ticks: Some(2), bips: None };
    let reply = trader.close_position(&close("rain", slippage)).await.unwrap();
    let types: Vec<_> = reply.executions.iter().map(|execution| execution.execution_type.unwrap()).collect();
    assert_eq!(types, [ExecutionType::New, ExecutionType::PartialFill, ExecutionType::Fill]);
    let order = trader.order(&reply.id).await.unwrap();
    assert_eq!(order.intent, Some(OrderIntent::SellLong));
    assert_eq!(order.side, Some(OrderSide::Sell));
    assert_eq!(order.order_type, Some(OrderType::Market));
    assert_eq!(order.tif, Some(TimeInForce::ImmediateOrCancel));
    assert_eq!(order.price, Some(Amount::usd("0.53")), "the bound: 0.55 - 2 ticks");
    assert_eq!(order.state, Some(OrderState::Filled));
    assert_eq!(net_position(&trader, "rain").await.as_deref(), Some("0.0000"));
}

#[tokio::test]
async fn a_short_closes_by_buying_from_the_offers() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    open_position(&maker, &trader, "btc", OrderIntent::BuyShort, "2.5").await;
    place(&maker, limit("btc", OrderIntent::BuyShort, "0.45", "5")).await;

    let slippage = SlippageTolerance { bips: Some(500), ..SlippageTolerance::default() };
    let reply = trader.close_position(&close("btc", slippage)).await.unwrap();
    let fill = reply.executions.last().unwrap();
    assert_eq!(fill.execution_type, Some(ExecutionType::Fill));
    assert_eq!((fill.last_shares.as_deref(), fill.last_px.clone()), (Some("2.5"), Some(Amount::usd("0.45"))));
    let order = fill.order.as_ref().unwrap();
    assert_eq!((order.intent, order.side), (Some(OrderIntent::SellShort), Some(OrderSide::Buy)));
    assert_eq!(order.state, Some(OrderState::Filled));
    assert_eq!(net_position(&trader, "btc").await.as_deref(), Some("0.0000"));
}
