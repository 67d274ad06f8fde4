//! The public markets endpoints (docs/api.md §5), called without credentials: list with filters
//! and paging, by id, by slug, book, BBO and settlement (404 until settled).

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{TestServer, limit};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";
const BUY_SHORT: &str = "ORDER_INTENT_BUY_SHORT";

fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn usd(value: &str) -> Value {
    json!({"value": value, "currency": "USD"})
}

async fn get(server: &TestServer, path: &str) -> Value {
    server.public(Method::GET, path).await.ok()
}

fn slugs(reply: &Value) -> Vec<String> {
    reply["markets"].as_array().unwrap().iter().map(|market| market["slug"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_list_shows_every_market_and_filters_and_pages() {
    let server = TestServer::start().await;
    let all = get(&server, "/v1/markets").await;
    assert_eq!(slugs(&all), ["rain", "btc", "halted"]);
    let rain = &all["markets"][0];
    assert!(rain["id"].is_string(), "Market.id is a string: {rain}");
    assert_eq!(rain["title"], "Will it rain?");
    assert_eq!(rain["active"], true);
    assert_eq!(rain["closed"], false);
    assert_eq!(rain["status"], "MARKET_STATUS_OPEN");
    assert_eq!(rain["orderPriceMinTickSize"], number("0.01"));
    assert_eq!(rain["minimumTradeQty"], number("1"));
    assert_eq!(rain["feeCoefficient"], number("0.0695"));
    let sides = rain["marketSides"].as_array().unwrap();
    assert_eq!(sides.iter().map(|side| side["long"].clone()).collect::<Vec<_>>(), [json!(true), json!(false)]);
    assert_eq!(all["markets"][1]["minimumTradeQty"], number("0.01"));
    let halted = &all["markets"][2];
    assert_eq!((&halted["status"], &halted["active"]), (&json!("MARKET_STATUS_HALTED"), &json!(false)));

    assert_eq!(slugs(&get(&server, "/v1/markets?slug=btc").await), ["btc"]);
    assert_eq!(slugs(&get(&server, "/v1/markets?slug=btc&slug=rain").await), ["rain", "btc"]);
    assert_eq!(slugs(&get(&server, "/v1/markets?limit=1&offset=1").await), ["btc"]);
    assert_eq!(slugs(&get(&server, "/v1/markets?offset=5").await), Vec::<String>::new());
    assert_eq!(slugs(&get(&server, "/v1/markets?active=true").await), ["rain", "btc"]);
    assert_eq!(slugs(&get(&server, "/v1/markets?closed=true").await), Vec::<String>::new());
    let btc_id = all["markets"][1]["id"].as_str().unwrap();
    assert_eq!(slugs(&get(&server, &format!("/v1/markets?id={btc_id}")).await), ["btc"]);
    // Parameters the SDKs send but the schema lacks are ignored.
    assert_eq!(get(&server, "/v1/markets?volumeMin=5&liquidityMax=1&orderDirection=asc").await, all);
}

#[tokio::test]
async fn a_market_by_id_or_slug_and_404_for_unknown_ones() {
    let server = TestServer::start().await;
    let by_slug = get(&server, "/v1/market/slug/btc").await;
    let id = by_slug["market"]["id"].as_str().unwrap();
    assert_eq!(by_slug["market"]["slug"], "btc");
    assert_eq!(get(&server, &format!("/v1/market/id/{id}")).await, by_slug);
    for path in ["/v1/market/slug/nowhere", "/v1/market/id/99999", "/v1/market/id/abc", "/v1/market/id/-1"] {
        let message = server.public(Method::GET, path).await.error(404);
        assert!(message.contains("no market"), "{path}: {message}");
    }
}

#[tokio::test]
async fn book_and_bbo_show_the_resting_levels_best_first() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let empty = get(&server, "/v1/markets/rain/book").await;
    assert_eq!((&empty["marketData"]["bids"], &empty["marketData"]["offers"]), (&json!([]), &json!([])));
    maker.place(limit("rain", BUY_LONG, "0.40", 5)).await;
    maker.place(limit("rain", BUY_LONG, "0.45", 3)).await;
    maker.place(limit("rain", BUY_LONG, "0.45", 2)).await;
    maker.place(limit("rain", BUY_SHORT, "0.60", 2)).await;
    maker.place(limit("rain", BUY_SHORT, "0.55", 1)).await;

    let book = get(&server, "/v1/markets/rain/book").await;
    let data = &book["marketData"];
    assert_eq!(data["marketSlug"], "rain");
    assert_eq!(data["bids"], json!([{"px": usd("0.45"), "qty": "5"}, {"px": usd("0.40"), "qty": "5"}]));
    assert_eq!(data["offers"], json!([{"px": usd("0.55"), "qty": "1"}, {"px": usd("0.60"), "qty": "2"}]));
    assert_eq!(data["state"], "MARKET_STATE_OPEN");
    assert!(data["stats"].is_object());
    assert!(data["transactTime"].is_string());

    let bbo = get(&server, "/v1/markets/rain/bbo").await;
    let data = &bbo["marketData"];
    assert_eq!(data["marketSlug"], "rain");
    assert_eq!((&data["bestBid"], &data["bestAsk"]), (&usd("0.45"), &usd("0.55")));
    assert_eq!((&data["bidDepth"], &data["askDepth"]), (&json!(2), &json!(2)), "price levels, as integers");
    assert_eq!((&data["bidShares"], &data["askShares"]), (&json!("10"), &json!("3")));
    assert_eq!(data["state"], "MARKET_STATE_OPEN");
    assert!(data.get("transactTime").is_none());

    let listed = get(&server, "/v1/market/slug/rain").await;
    assert_eq!((&listed["market"]["bestBidQuote"], &listed["market"]["bestAskQuote"]), (&usd("0.45"), &usd("0.55")));

    let halted = get(&server, "/v1/markets/halted/book").await;
    assert_eq!(halted["marketData"]["state"], "MARKET_STATE_HALTED");
    let empty = get(&server, "/v1/markets/btc/bbo").await;
    assert_eq!((&empty["marketData"]["bidShares"], &empty["marketData"]["bidDepth"]), (&json!("0"), &json!(0)));
    for path in ["/v1/markets/nowhere/book", "/v1/markets/nowhere/bbo", "/v1/markets/nowhere/settlement"] {
        server.public(Method::GET, path).await.error(404);
    }
}

#[tokio::test]
async fn settlement_is_404_until_the_market_settles() {
    let mut server = TestServer::start().await;
    server.maker().place(limit("rain", BUY_SHORT, "0.60", 4)).await;
    server.trader().place(limit("rain", BUY_LONG, "0.60", 4)).await;
    let message = server.public(Method::GET, "/v1/markets/rain/settlement").await.error(404);
    assert!(message.contains("not settled"), "{message}");

    let rain = server.market_id("rain").await;
    server.operate(vec![engine::Op::SettleMarket { market: rain, value: types::Price::ONE }]).await;
    assert_eq!(
        get(&server, "/v1/markets/rain/settlement").await,
        json!({"slug": "rain", "settlement": number("1.0000")})
    );
    server.public(Method::GET, "/v1/markets/btc/settlement").await.error(404);
    let market = get(&server, "/v1/market/slug/rain").await;
    assert_eq!(
        (&market["market"]["status"], &market["market"]["closed"]),
        (&json!("MARKET_STATUS_RESOLVED"), &json!(true))
    );
    assert_eq!(get(&server, "/v1/markets/rain/book").await["marketData"]["state"], "MARKET_STATE_EXPIRED");

    // The trader's long was paid out.
    let trader = server.trader();
    let position = trader.position("rain").await;
    assert_eq!((&position["expired"], &position["netPositionDecimal"]), (&json!(true), &json!("0.0000")));
    let resolutions = trader.get("/v1/portfolio/activities?types=ACTIVITY_TYPE_POSITION_RESOLUTION").await.ok();
    let resolution = &resolutions["activities"][0]["positionResolution"];
    assert_eq!(resolution["side"], "POSITION_RESOLUTION_SIDE_LONG");
    assert_eq!(resolution["beforePosition"]["netPositionDecimal"], "4.0000");
    // Settled: nothing left to close.
    trader.post("/v1/order/close-position", json!({"marketSlug": "rain"})).await.error(400);
}
