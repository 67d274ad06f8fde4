//! Start-up, health, the demo, and one whole close-position round trip.

use serde_json::json;
use server::{Config, Server};

use crate::harness::TestServer;

#[tokio::test]
async fn health_answers_and_correlation_ids_are_echoed() {
    let server = TestServer::start().await;
    let reply = server.raw(reqwest::Method::GET, "/healthz", &[("poly-correlation-id", "abc-123".into())], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers["poly-correlation-id"], "abc-123");
}

#[tokio::test]
async fn a_long_is_built_by_trading_and_closed_synchronously() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let trader = server.trader();
    let offer = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.60", "currency": "USD"},
        "quantity": 10, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_SHORT"});
    maker.post("/v1/orders", offer).await.ok();
    let bid = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.55", "currency": "USD"},
        "quantity": 20, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_LONG"});
    maker.post("/v1/orders", bid).await.ok();
    let buy = json!({"marketSlug": "rain", "type": "ORDER_TYPE_MARKET", "quantity": 10, "intent": "ORDER_INTENT_BUY_LONG",
        "synchronousExecution": true});
    let bought = trader.post("/v1/orders", buy).await.ok();
    let last = bought["executions"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["order"]["state"], "ORDER_STATE_FILLED", "{bought}");

    let positions = trader.get("/v1/portfolio/positions").await.ok();
    assert_eq!(positions["positions"]["rain"]["netPositionDecimal"], "10.0000", "{positions}");

    let close = json!({"marketSlug": "rain", "synchronousExecution": true, "maxBlockTime": "1"});
    let closed = trader.post("/v1/order/close-position", close).await.ok();
    let executions = closed["executions"].as_array().unwrap();
    assert_eq!(executions[0]["type"], "EXECUTION_TYPE_NEW");
    assert_eq!(executions[0]["order"]["intent"], "ORDER_INTENT_SELL_LONG");
    assert_eq!(executions.last().unwrap()["order"]["state"], "ORDER_STATE_FILLED", "{closed}");
    let positions = trader.get("/v1/portfolio/positions?market=rain").await.ok();
    assert_eq!(positions["positions"]["rain"]["netPositionDecimal"], "0.0000", "{positions}");

    let again = trader.post("/v1/order/close-position", json!({"marketSlug": "rain"})).await.error(400);
    assert!(again.contains("no position"), "{again}");
}

#[tokio::test]
async fn the_demo_has_books_a_key_and_a_position_to_close() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    let demo_key = Server::start(&config).unwrap().demo_key.clone().expect("a fresh data dir seeds the demo");
    let credentials: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("demo-credentials.json")).unwrap()).unwrap();
    assert_eq!(credentials["keyId"], demo_key.key_id.as_str());
    assert_eq!(credentials["secretKey"], demo_key.secret_key.as_str());

    // Restarting does not seed again, and the key still works.
    let server = TestServer::with_config(config).await;
    let demo = crate::harness::Trader::new(&server, &demo_key.key_id, &demo_key.secret_key);
    let positions = demo.get("/v1/portfolio/positions").await.ok();
    let held = positions["positions"].as_object().unwrap();
    let net = |p: &serde_json::Value| p["netPositionDecimal"].as_str().unwrap().to_owned();
    assert!(held.values().any(|p| net(p).starts_with('-')), "the demo holds a short: {positions}");
    let long =
        held.iter().find(|(_, p)| !net(p).starts_with('-') && net(p) != "0.0000").expect("the demo holds a long");
    let markets = server.public(reqwest::Method::GET, "/v1/markets").await.ok();
    assert!(markets["markets"].as_array().unwrap().len() >= 2);
    for market in markets["markets"].as_array().unwrap() {
        let slug = market["slug"].as_str().unwrap();
        let book = server.public(reqwest::Method::GET, &format!("/v1/markets/{slug}/book")).await.ok();
        assert!(book["marketData"]["bids"].as_array().unwrap().len() >= 3, "{book}");
        assert!(book["marketData"]["offers"].as_array().unwrap().len() >= 3, "{book}");
    }
    let close = json!({"marketSlug": long.0, "synchronousExecution": true});
    let closed = demo.post("/v1/order/close-position", close).await.ok();
    assert_eq!(closed["executions"].as_array().unwrap().last().unwrap()["order"]["state"], "ORDER_STATE_FILLED");
}
