//! Every order method (docs/api.md §2): create (asynchronous and synchronous), get, open orders
//! with a market filter, modify, cancel, the three batches, cancel-all and preview.

use client::protocol::{
    Amount, CancelOrderRequestEntry, ExecutionType, JsonNumber, ModifyOrderListEntry, ModifyOrderRequest,
    OpenOrdersQuery, OrderIntent, OrderSide, OrderState, OrderType, TimeInForce,
};

use crate::harness::{MAKER, TRADER, TestServer, limit, market, net_position, place};

fn ids(orders: &[client::protocol::Order]) -> Vec<String> {
    orders.iter().map(|order| order.id.clone().unwrap()).collect()
}

#[tokio::test]
async fn create_get_modify_and_cancel_one_order() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let reply = trader.create_order(&limit("rain", OrderIntent::BuyLong, "0.40", "5")).await.unwrap();
    assert!(reply.executions.is_empty(), "asynchronous create: no executions");
    let order = trader.order(&reply.id).await.unwrap();
    assert_eq!(order.id.as_deref(), Some(reply.id.as_str()));
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.side, Some(OrderSide::Buy));
    assert_eq!(order.order_type, Some(OrderType::Limit));
    assert_eq!(order.price, Some(Amount::usd("0.40")));
    assert_eq!(order.quantity.as_ref().map(JsonNumber::as_str), Some("5"));

    let change = ModifyOrderRequest {
        market_slug: Some("rain".into()),
        price: Some(Amount::usd("0.42")),
        quantity: Some(JsonNumber::parse("7").unwrap()),
        tif: Some(TimeInForce::GoodTillCancel),
        ..ModifyOrderRequest::default()
    };
    trader.modify_order(&reply.id, &change).await.unwrap();
    let modified = trader.order(&reply.id).await.unwrap();
    assert_eq!((modified.price, modified.quantity.map(|q| q.as_str().to_owned())), (change.price, Some("7".into())));

    trader.cancel_order(&reply.id, Some("rain")).await.unwrap();
    assert_eq!(trader.order(&reply.id).await.unwrap().state, Some(OrderState::Canceled));
    assert!(trader.open_orders(&OpenOrdersQuery::default()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_synchronous_market_order_carries_its_executions() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    place(&maker, limit("btc", OrderIntent::BuyShort, "0.30", "2.5")).await;
    let reply = trader.create_order(&market("btc", OrderIntent::BuyLong, "2.5")).await.unwrap();
    let types: Vec<_> = reply.executions.iter().map(|execution| execution.execution_type.unwrap()).collect();
    assert_eq!(types, [ExecutionType::New, ExecutionType::Fill]);
    let fill = &reply.executions[1];
    assert_eq!((fill.last_shares.as_deref(), fill.last_px.clone()), (Some("2.5"), Some(Amount::usd("0.30"))));
    assert_eq!(net_position(&trader, "btc").await.as_deref(), Some("2.5000"));
}

#[tokio::test]
async fn open_orders_filter_by_market() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let rain = place(&trader, limit("rain", OrderIntent::BuyLong, "0.40", "1")).await;
    let btc = place(&trader, limit("btc", OrderIntent::BuyLong, "0.20", "1")).await;
    let all = trader.open_orders(&OpenOrdersQuery::default()).await.unwrap();
    assert_eq!(ids(&all).len(), 2);
    let only_btc = trader.open_orders(&OpenOrdersQuery { slugs: vec!["btc".into()] }).await.unwrap();
    assert_eq!(ids(&only_btc), [btc.as_str()]);
    let both = OpenOrdersQuery { slugs: vec!["btc".into(), "rain".into()] };
    let mut listed = ids(&trader.open_orders(&both).await.unwrap());
    listed.sort();
    let mut expected = vec![rain, btc];
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn batches_create_modify_and_cancel() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let created = trader
        .create_orders(vec![
            limit("rain", OrderIntent::BuyLong, "0.30", "1"),
            limit("rain", OrderIntent::BuyLong, "0.31", "2"),
            limit("btc", OrderIntent::BuyLong, "0.10", "3"),
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 3);
    let open = trader.open_orders(&OpenOrdersQuery::default()).await.unwrap();
    assert_eq!(open.len(), 3);

    let modify = vec![ModifyOrderListEntry {
        order_id: created[0].clone(),
        market_slug: Some("rain".into()),
        price: Some(Amount::usd("0.35")),
        ..ModifyOrderListEntry::default()
    }];
    assert_eq!(trader.modify_orders(modify).await.unwrap(), [created[0].clone()]);
    assert_eq!(trader.order(&created[0]).await.unwrap().price, Some(Amount::usd("0.35")));

    let cancel = vec![CancelOrderRequestEntry { order_id: created[1].clone(), market_slug: Some("rain".into()) }];
    assert_eq!(trader.cancel_orders(cancel).await.unwrap(), [created[1].clone()]);
    assert_eq!(trader.order(&created[1]).await.unwrap().state, Some(OrderState::Canceled));
}

#[tokio::test]
async fn cancel_all_in_some_markets_then_everywhere() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let rain = place(&trader, limit("rain", OrderIntent::BuyLong, "0.40", "1")).await;
    let btc = place(&trader, limit("btc", OrderIntent::BuyLong, "0.20", "1")).await;
    assert_eq!(trader.cancel_open_orders(&["rain".to_owned()]).await.unwrap(), [rain]);
    assert_eq!(ids(&trader.open_orders(&OpenOrdersQuery::default()).await.unwrap()), [btc.as_str()]);
    assert_eq!(trader.cancel_open_orders(&[]).await.unwrap(), [btc]);
    assert!(trader.cancel_open_orders(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn preview_normalizes_and_places_nothing() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let order = trader.preview_order(&limit("rain", OrderIntent::BuyLong, "0.515", "3")).await.unwrap();
    assert_eq!(order.price, Some(Amount::usd("0.51")));
    assert_eq!(order.state, Some(OrderState::New));
    assert_eq!(order.id, None);
    let rejected = trader.preview_order(&limit("rain", OrderIntent::BuyLong, "1.50", "1")).await.unwrap();
    assert_eq!(rejected.state, Some(OrderState::Rejected));
    assert!(trader.open_orders(&OpenOrdersQuery::default()).await.unwrap().is_empty());
}
