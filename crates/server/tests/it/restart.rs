//! A restart on the same data directory recovers orders, positions, balances and history.

use serde_json::{Value, json};

use crate::harness::{TestServer, Trader};

/// Everything a trader can read about their account, and the public books.
pub(crate) async fn everything(server: &TestServer, trader: &Trader, order_ids: &[String]) -> Vec<Value> {
    let mut seen = vec![
        trader.get("/v1/orders/open").await.ok(),
        trader.get("/v1/portfolio/positions").await.ok(),
        trader.get("/v1/portfolio/activities?sortOrder=SORT_ORDER_ASCENDING").await.ok(),
        strip_time(trader.get("/v1/account/balances").await.ok()),
        strip_time(server.public(reqwest::Method::GET, "/v1/markets/rain/book").await.ok()),
        server.public(reqwest::Method::GET, "/v1/markets").await.ok(),
    ];
    for id in order_ids {
        seen.push(trader.get(&format!("/v1/order/{id}")).await.ok());
    }
    seen
}

/// Drops fields that say "now" rather than state.
fn strip_time(mut value: Value) -> Value {
    if let Some(data) = value.get_mut("marketData").and_then(Value::as_object_mut) {
        data.remove("transactTime");
    }
    value
}

#[tokio::test]
async fn orders_positions_balances_and_history_survive_a_restart() {
    let mut server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    let mut ids = Vec::new();
    for (price, intent) in
        [("0.40", "ORDER_INTENT_BUY_LONG"), ("0.45", "ORDER_INTENT_BUY_SHORT"), ("0.47", "ORDER_INTENT_BUY_SHORT")]
    {
        let order = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": price, "currency": "USD"},
            "quantity": 30, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": intent});
        maker.post("/v1/orders", order).await.ok();
    }
    let take = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.46", "currency": "USD"},
        "quantity": 40, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_LONG"});
    ids.push(trader.post("/v1/orders", take).await.ok()["id"].as_str().unwrap().to_owned());
    let short = json!({"marketSlug": "btc", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.70", "currency": "USD"},
        "quantity": 2.5, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": "ORDER_INTENT_BUY_SHORT"});
    ids.push(trader.post("/v1/orders", short).await.ok()["id"].as_str().unwrap().to_owned());
    let canceled = json!({"marketSlug": "btc", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.20", "currency": "USD"},
        "quantity": 1, "intent": "ORDER_INTENT_BUY_LONG"});
    let canceled = trader.post("/v1/orders", canceled).await.ok()["id"].as_str().unwrap().to_owned();
    trader.post(&format!("/v1/order/{canceled}/cancel"), json!({"marketSlug": "btc"})).await.ok();
    ids.push(canceled);

    let before = everything(&server, &trader, &ids).await;
    server.restart().await;
    let trader = server.trader();
    let after = everything(&server, &trader, &ids).await;
    for (before, after) in before.iter().zip(&after) {
        assert_eq!(before, after);
    }
    // And it keeps trading with fresh ids after the old ones.
    let next = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": {"value": "0.30", "currency": "USD"},
        "quantity": 1, "intent": "ORDER_INTENT_BUY_LONG"});
    let id: u64 = trader.post("/v1/orders", next).await.ok()["id"].as_str().unwrap().parse().unwrap();
    assert!(ids.iter().all(|old| old.parse::<u64>().unwrap() < id));
}

#[tokio::test]
async fn replay_reaches_the_same_state_hash_with_invariants_intact() {
    let mut server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    for (price, intent) in [("0.50", "ORDER_INTENT_BUY_SHORT"), ("0.48", "ORDER_INTENT_BUY_LONG")] {
        let order = json!({"marketSlug": "btc", "type": "ORDER_TYPE_LIMIT", "price": {"value": price, "currency": "USD"},
            "quantity": 12.5, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": intent});
        maker.post("/v1/orders", order).await.ok();
    }
    let take =
        json!({"marketSlug": "btc", "type": "ORDER_TYPE_MARKET", "quantity": 4, "intent": "ORDER_INTENT_BUY_LONG"});
    trader.post("/v1/orders", take).await.ok();
    let before = server.public(reqwest::Method::GET, "/v1/pmx/state").await.ok();
    assert_eq!(before["invariants"], "ok", "{before}");
    assert_eq!(before["stateHash"].as_str().unwrap().len(), 16, "{before}");
    assert!(before["lastSeq"].as_str().unwrap().parse::<u64>().unwrap() > 10, "{before}");
    server.restart().await;
    let after = server.public(reqwest::Method::GET, "/v1/pmx/state").await.ok();
    assert_eq!(before, after);
}

/// A data directory written by an older pmx (journal format version 1) is not read: start-up
/// fails with an error naming the versions and saying to recreate the data directory.
#[tokio::test]
async fn a_data_directory_from_an_older_version_is_refused_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = server::Config::parse(&crate::harness::config_text(dir.path())).unwrap();
    let mut server = TestServer::with_config(config.clone()).await;
    server.stop().await;
    let path = config.data_dir.join(journal::format::FILE_NAME);
    let mut bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes[8..12], journal::format::VERSION.to_le_bytes());
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    let checksum = crc32c::crc32c(&bytes[..12]);
    bytes[12..16].copy_from_slice(&checksum.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let message = match server::Server::start(&config) {
        Ok(_) => panic!("started on an old data directory"),
        Err(error) => error.to_string(),
    };
    assert!(message.contains(&config.data_dir.display().to_string()), "{message}");
    assert!(message.contains("journal format version 1 is not supported"), "{message}");
    assert!(message.contains(&format!("reads version {} only", journal::format::VERSION)), "{message}");
    assert!(message.contains("recreate the data directory"), "{message}");
}
