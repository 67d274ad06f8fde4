//! `POST /v1/order/close-position` (docs/api.md §2.11, docs/trading.md §5): longs and
//! shorts, synchronous and not, slippage by ticks and by bips, no liquidity, a halted market,
//! no position, and the caller's resting reducing orders.

use serde_json::{Value, json};

use crate::harness::{TestServer, Trader, limit, market};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";
const SELL_LONG: &str = "ORDER_INTENT_SELL_LONG";
const BUY_SHORT: &str = "ORDER_INTENT_BUY_SHORT";

fn usd(value: &str) -> Value {
    json!({"value": value, "currency": "USD"})
}

fn types(reply: &Value) -> Vec<String> {
    let executions = reply["executions"].as_array().unwrap_or_else(|| panic!("no executions in {reply}"));
    executions.iter().map(|execution| execution["type"].as_str().unwrap().to_owned()).collect()
}

fn last_order(reply: &Value) -> Value {
    reply["executions"].as_array().unwrap().last().unwrap()["order"].clone()
}

/// Gives the trader a long of `qty` in rain, bought from the maker at 0.60.
async fn go_long(maker: &Trader, trader: &Trader, qty: u32) {
    maker.place(limit("rain", BUY_SHORT, "0.60", qty)).await;
    trader.place(market("rain", BUY_LONG, qty)).await;
    let held = format!("{qty}.0000");
    assert_eq!(trader.position("rain").await["netPositionDecimal"], json!(held));
}

/// The maker's bids: 6 @ 0.55 and 10 @ 0.54 (the worked example of docs/api.md §2.11.1).
async fn bids(maker: &Trader) {
    maker.place(limit("rain", BUY_LONG, "0.55", 6)).await;
    maker.place(limit("rain", BUY_LONG, "0.54", 10)).await;
}

#[tokio::test]
async fn a_long_closes_synchronously_down_to_a_tick_bound() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    go_long(&maker, &trader, 10).await;
    bids(&maker).await;
    maker.place(limit("rain", BUY_LONG, "0.53", 5)).await;

    let close = json!({"marketSlug": "rain", "manualOrderIndicator": "MANUAL_ORDER_INDICATOR_AUTOMATIC",
        "synchronousExecution": true, "maxBlockTime": "5",
        "slippageTolerance": {"currentPrice": usd("0.55"), "ticks": 1}});
    let reply = trader.post("/v1/order/close-position", close).await.ok();
    assert_eq!(types(&reply), ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"]);
    let executions = reply["executions"].as_array().unwrap();
    let new = &executions[0]["order"];
    assert_eq!(new["id"], reply["id"]);
    assert_eq!(new["intent"], SELL_LONG);
    assert_eq!(new["side"], "ORDER_SIDE_SELL");
    assert_eq!(new["outcomeSide"], "OUTCOME_SIDE_YES");
    assert_eq!(new["action"], "ORDER_ACTION_SELL");
    assert_eq!(new["type"], "ORDER_TYPE_MARKET");
    assert_eq!(new["tif"], "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL");
    assert_eq!(new["price"], usd("0.54"), "the bound: 0.55 - 1 tick");
    assert_eq!(new["quantity"], json!(10));
    assert_eq!(new["state"], "ORDER_STATE_NEW");
    assert_eq!((&executions[1]["lastShares"], &executions[1]["lastPx"]), (&json!("6"), &usd("0.55")));
    assert_eq!(executions[1]["commissionNotionalCollected"], usd("0.10"));
    assert_eq!((&executions[2]["lastShares"], &executions[2]["lastPx"]), (&json!("4"), &usd("0.54")));
    assert_eq!(executions[2]["commissionNotionalCollected"], usd("0.07"));
    let done = &executions[2]["order"];
    assert_eq!(done["state"], "ORDER_STATE_FILLED");
    assert_eq!((&done["cumQuantity"], &done["leavesQuantity"]), (&json!(10), &json!(0)));
    assert!(done["avgPx"]["value"].as_str().unwrap().starts_with("0.546"), "{done}");
    assert_eq!(done["commissionNotionalTotalCollected"], usd("0.17"));

    assert_eq!(trader.position("rain").await["netPositionDecimal"], "0.0000");
    let id = reply["id"].as_str().unwrap();
    assert_eq!(trader.order(id).await["state"], "ORDER_STATE_FILLED");
    // The bid below the bound was not touched.
    let book = server.public(reqwest::Method::GET, "/v1/markets/rain/book").await.ok();
    let bids: Vec<_> =
        book["marketData"]["bids"].as_array().unwrap().iter().map(|level| level["px"]["value"].clone()).collect();
    assert_eq!(bids, [json!("0.54"), json!("0.53")]);
}

#[tokio::test]
async fn a_bips_bound_rounds_toward_protection_and_the_rest_is_canceled() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    go_long(&maker, &trader, 10).await;
    bids(&maker).await;
    // 0.55 x (1 - 1%) = 0.5445, rounded up to the tick for a sell: 0.55.
    let close = json!({"marketSlug": "rain", "synchronousExecution": true,
        "slippageTolerance": {"currentPrice": usd("0.55"), "bips": 100}});
    let reply = trader.post("/v1/order/close-position", close).await.ok();
    assert_eq!(types(&reply), ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_CANCELED"]);
    let order = last_order(&reply);
    assert_eq!(order["price"], usd("0.55"));
    assert_eq!(order["state"], "ORDER_STATE_CANCELED");
    assert_eq!(order["cumQuantity"], json!(6));
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "4.0000");

    // Ticks win over bips: 0.54 - 1 tick = 0.53 reaches the 0.54 level, despite 0 bips.
    let close = json!({"marketSlug": "rain", "synchronousExecution": true,
        "slippageTolerance": {"currentPrice": usd("0.54"), "bips": 0, "ticks": 1}});
    let reply = trader.post("/v1/order/close-position", close).await.ok();
    let order = last_order(&reply);
    assert_eq!((&order["state"], &order["quantity"]), (&json!("ORDER_STATE_FILLED"), &json!(4)), "{reply}");
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "0.0000");
}

#[tokio::test]
async fn a_short_closes_by_buying_yes_asynchronously() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", BUY_LONG, "0.40", 5)).await;
    trader.place(market("rain", BUY_SHORT, 5)).await;
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "-5.0000");
    maker.place(limit("rain", BUY_SHORT, "0.45", 3)).await;
    maker.place(limit("rain", BUY_SHORT, "0.46", 3)).await;

    let close = json!({"marketSlug": "rain", "slippageTolerance": {"currentPrice": usd("0.45"), "ticks": 2}});
    let reply = trader.post("/v1/order/close-position", close).await.ok();
    assert!(reply.get("executions").is_none_or(|executions| executions == &json!([])), "async: {reply}");
    let order = trader.order(reply["id"].as_str().unwrap()).await;
    assert_eq!(order["intent"], "ORDER_INTENT_SELL_SHORT");
    assert_eq!(order["side"], "ORDER_SIDE_BUY");
    assert_eq!(order["outcomeSide"], "OUTCOME_SIDE_NO");
    assert_eq!(order["action"], "ORDER_ACTION_SELL");
    assert_eq!(order["price"], usd("0.47"), "the bound: 0.45 + 2 ticks");
    assert_eq!(order["state"], "ORDER_STATE_FILLED");
    assert_eq!(order["quantity"], json!(5));
    let position = trader.position("rain").await;
    assert_eq!(position["netPositionDecimal"], "0.0000");
    assert_eq!(position["netPosition"], "0");
}

#[tokio::test]
async fn nothing_to_trade_against_is_a_rejected_order_with_a_200() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    go_long(&maker, &trader, 10).await;

    // An empty bid side.
    let reply =
        trader.post("/v1/order/close-position", json!({"marketSlug": "rain", "synchronousExecution": true})).await.ok();
    assert_eq!(types(&reply), ["EXECUTION_TYPE_REJECTED"]);
    let rejected = &reply["executions"][0];
    assert_eq!(rejected["orderRejectReason"], "ORD_REJECT_REASON_NO_LIQUIDITY");
    assert!(rejected["text"].is_string());
    assert_eq!(rejected["order"]["state"], "ORDER_STATE_REJECTED");
    assert_eq!(trader.order(reply["id"].as_str().unwrap()).await["state"], "ORDER_STATE_REJECTED");

    // Bids exist, but none within the bound (0.60 - 1 tick = 0.59); asynchronous this time.
    maker.place(limit("rain", BUY_LONG, "0.50", 10)).await;
    let close = json!({"marketSlug": "rain", "slippageTolerance": {"currentPrice": usd("0.60"), "ticks": 1}});
    let reply = trader.post("/v1/order/close-position", close).await.ok();
    let order = trader.order(reply["id"].as_str().unwrap()).await;
    assert_eq!(order["state"], "ORDER_STATE_REJECTED");
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "10.0000");
}

#[tokio::test]
async fn no_position_is_a_400_that_changes_nothing() {
    let server = TestServer::start().await;
    let trader = server.trader();
    trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    let view = server.view(&trader).await;
    for slug in ["rain", "btc", "nowhere"] {
        let message = trader.post("/v1/order/close-position", json!({"marketSlug": slug})).await.error(400);
        assert!(message.contains("no position") && message.contains(slug), "{message}");
    }
    assert_eq!(server.view(&trader).await, view);
}

#[tokio::test]
async fn closing_in_a_halted_market_is_rejected_exchange_closed() {
    let mut server = TestServer::start().await;
    go_long(&server.maker(), &server.trader(), 10).await;
    bids(&server.maker()).await;
    let rain = server.market_id("rain").await;
    server.operate(vec![engine::Op::SetMarketState { market: rain, state: engine::MarketState::Halted }]).await;
    let trader = server.trader();

    let market = server.public(reqwest::Method::GET, "/v1/market/slug/rain").await.ok();
    assert_eq!(market["market"]["status"], "MARKET_STATUS_HALTED");
    assert_eq!(market["market"]["active"], false);
    let reply =
        trader.post("/v1/order/close-position", json!({"marketSlug": "rain", "synchronousExecution": true})).await.ok();
    assert_eq!(types(&reply), ["EXECUTION_TYPE_REJECTED"]);
    assert_eq!(reply["executions"][0]["orderRejectReason"], "ORD_REJECT_REASON_EXCHANGE_CLOSED");
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "10.0000");
    // Any order there is refused the same way.
    let id = trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    assert_eq!(trader.order(&id).await["state"], "ORDER_STATE_REJECTED");
}

#[tokio::test]
async fn resting_reducing_orders_are_canceled_first_and_others_kept() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    go_long(&maker, &trader, 10).await;
    bids(&maker).await;
    let reducing = trader.place(limit("rain", SELL_LONG, "0.90", 4)).await;
    let adding = trader.place(limit("rain", BUY_LONG, "0.20", 2)).await;
    let reply =
        trader.post("/v1/order/close-position", json!({"marketSlug": "rain", "synchronousExecution": true})).await.ok();
    let order = last_order(&reply);
    assert_eq!((&order["state"], &order["cumQuantity"]), (&json!("ORDER_STATE_FILLED"), &json!(10)), "{reply}");
    assert_eq!(trader.order(&reducing).await["state"], "ORDER_STATE_CANCELED");
    assert_eq!(trader.order(&adding).await["state"], "ORDER_STATE_NEW");
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "0.0000");
}
