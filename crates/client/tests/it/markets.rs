//! Health and the public market-data methods (docs/api.md §5), with a client that has no
//! credentials.

use client::protocol::{MarketState, MarketStatus, MarketsQuery, OrderIntent};
use client::{ErrorKind, Health};

use crate::harness::{MAKER, TestServer, limit, place};

#[tokio::test]
async fn health_and_the_markets_list() {
    let server = TestServer::start().await;
    let public = server.public();
    assert_eq!(public.health().await.unwrap(), Health { status: "ok".into() });

    let all = public.markets(&MarketsQuery::default()).await.unwrap();
    let slugs: Vec<_> = all.iter().filter_map(|market| market.slug.as_deref()).collect();
    assert_eq!(slugs, ["rain", "btc"]);
    assert_eq!(all[0].status, Some(MarketStatus::Open));
    assert_eq!(all[0].order_price_min_tick_size.as_ref().map(|tick| tick.as_str()), Some("0.01"));
    assert_eq!(all[1].minimum_trade_qty.as_ref().map(|qty| qty.as_str()), Some("0.01"));

    let filtered = MarketsQuery { slug: vec!["btc".into()], ..MarketsQuery::default() };
    let btc = public.markets(&filtered).await.unwrap();
    assert_eq!(btc.iter().map(|market| market.slug.clone()).collect::<Vec<_>>(), [Some("btc".to_owned())]);
    let paged = MarketsQuery { limit: Some(1), offset: Some(1), ..MarketsQuery::default() };
    assert_eq!(public.markets(&paged).await.unwrap(), btc);
}

#[tokio::test]
async fn a_market_by_slug_and_by_id() {
    let server = TestServer::start().await;
    let public = server.public();
    let rain = public.market_by_slug("rain").await.unwrap();
    assert_eq!(rain.title.as_deref(), Some("Will it rain?"));
    let id: i64 = rain.id.as_deref().unwrap().parse().unwrap();
    assert_eq!(public.market_by_id(id).await.unwrap(), rain);
    let missing = public.market_by_id(99_999).await.unwrap_err();
    assert_eq!(missing.api().map(|error| error.kind()), Some(ErrorKind::NotFound));
}

#[tokio::test]
async fn book_and_bbo_best_first() {
    let server = TestServer::start().await;
    let (public, maker) = (server.public(), server.client(MAKER));
    let empty = public.book("rain").await.unwrap();
    assert!(empty.bids.is_empty() && empty.offers.is_empty());
    place(&maker, limit("rain", OrderIntent::BuyLong, "0.40", "5")).await;
    place(&maker, limit("rain", OrderIntent::BuyLong, "0.45", "3")).await;
    place(&maker, limit("rain", OrderIntent::BuyShort, "0.55", "7")).await;

    let book = public.book("rain").await.unwrap();
    assert_eq!(book.market_slug.as_deref(), Some("rain"));
    assert_eq!(book.state, Some(MarketState::Open));
    let levels = |entries: &[client::protocol::BookEntry]| -> Vec<(String, String)> {
        entries.iter().map(|entry| (entry.px.as_ref().unwrap().value.clone(), entry.qty.clone().unwrap())).collect()
    };
    assert_eq!(levels(&book.bids), [("0.45".to_owned(), "3".to_owned()), ("0.40".to_owned(), "5".to_owned())]);
    assert_eq!(levels(&book.offers), [("0.55".to_owned(), "7".to_owned())]);

    let bbo = public.bbo("rain").await.unwrap();
    assert_eq!(bbo.best_bid.map(|px| px.value), Some("0.45".to_owned()));
    assert_eq!(bbo.best_ask.map(|px| px.value), Some("0.55".to_owned()));
    assert_eq!((bbo.bid_depth, bbo.ask_depth), (Some(2), Some(1)));
}

#[tokio::test]
async fn settlement_is_404_until_the_market_settles() {
    let server = TestServer::start().await;
    let error = server.public().settlement("rain").await.unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.status, 404, "{error}");
    assert!(!api.message.is_empty());
}
