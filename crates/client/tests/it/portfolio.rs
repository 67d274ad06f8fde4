//! Positions, activities and balances (docs/api.md §3, §4).

use client::protocol::{ActivitiesQuery, ActivityType, OrderIntent, PositionsQuery, SortOrder};

use crate::harness::{MAKER, TRADER, TestServer, open_position};

#[tokio::test]
async fn positions_keyed_by_slug_filtered_and_paged() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    let none = trader.positions(&PositionsQuery::default()).await.unwrap();
    assert!(none.positions.is_empty() && none.eof);
    open_position(&maker, &trader, "rain", OrderIntent::BuyLong, "10").await;
    open_position(&maker, &trader, "btc", OrderIntent::BuyShort, "2.5").await;

    let all = trader.positions(&PositionsQuery::default()).await.unwrap();
    assert_eq!(all.positions.keys().collect::<Vec<_>>(), ["btc", "rain"]);
    assert_eq!(all.positions["rain"].net_position_decimal.as_deref(), Some("10.0000"));
    assert_eq!(all.positions["btc"].net_position_decimal.as_deref(), Some("-2.5000"));
    assert!(all.eof);

    let only_rain = PositionsQuery { market: Some("rain".into()), ..PositionsQuery::default() };
    assert_eq!(trader.positions(&only_rain).await.unwrap().positions.keys().collect::<Vec<_>>(), ["rain"]);
    let first = trader.positions(&PositionsQuery { limit: Some(1), ..PositionsQuery::default() }).await.unwrap();
    assert_eq!((first.positions.len(), first.eof), (1, false));
    let next = PositionsQuery { limit: Some(1), cursor: Some(first.next_cursor.clone()), market: None };
    let second = trader.positions(&next).await.unwrap();
    assert_eq!((second.positions.len(), second.eof), (1, true));
    assert_ne!(first.positions.keys().next(), second.positions.keys().next());
}

#[tokio::test]
async fn activities_by_type_market_and_order() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    open_position(&maker, &trader, "rain", OrderIntent::BuyLong, "4").await;
    open_position(&maker, &trader, "btc", OrderIntent::BuyLong, "1").await;

    let all = trader.activities(&ActivitiesQuery::default()).await.unwrap();
    let kinds: Vec<_> = all.activities.iter().map(|activity| activity.activity_type).collect();
    assert_eq!(kinds, [ActivityType::Trade, ActivityType::Trade, ActivityType::AccountDeposit], "newest first");
    assert!(all.eof);

    let trades = ActivitiesQuery { types: vec![ActivityType::Trade], ..ActivitiesQuery::default() };
    assert_eq!(trader.activities(&trades).await.unwrap().activities.len(), 2);
    let rain = ActivitiesQuery { market_slug: Some("rain".into()), ..ActivitiesQuery::default() };
    let rain_trades = trader.activities(&rain).await.unwrap().activities;
    assert_eq!(rain_trades.len(), 1);
    let trade = rain_trades[0].trade.as_ref().unwrap();
    assert_eq!((trade.market_slug.as_deref(), trade.qty_decimal.as_deref()), (Some("rain"), Some("4.0000")));
    let oldest =
        ActivitiesQuery { sort_order: Some(SortOrder::Ascending), limit: Some(1), ..ActivitiesQuery::default() };
    let page = trader.activities(&oldest).await.unwrap();
    assert_eq!(page.activities[0].activity_type, ActivityType::AccountDeposit);
    assert!(!page.eof && !page.next_cursor.is_empty());
}

#[tokio::test]
async fn balances_in_usd() {
    let server = TestServer::start().await;
    let trader = server.client(TRADER);
    let balances = trader.balances().await.unwrap();
    assert_eq!(balances.len(), 1);
    let usd = &balances[0];
    assert_eq!(usd.currency.as_deref(), Some("USD"));
    let units = |number: &Option<client::protocol::JsonNumber>| number.as_ref().unwrap().to_units(2).unwrap();
    assert_eq!(units(&usd.current_balance), 100_000);
    assert_eq!(units(&usd.buying_power), 100_000);
}
