//! `synchronousExecution` (docs/trading.md §6): the reply waits for a final state or
//! `maxBlockTime`, and carries every execution of the order so far, in order.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{TestServer, limit, market};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";
const BUY_SHORT: &str = "ORDER_INTENT_BUY_SHORT";

fn types(reply: &Value) -> Vec<String> {
    let executions = reply["executions"].as_array().unwrap_or_else(|| panic!("no executions in {reply}"));
    executions.iter().map(|execution| execution["type"].as_str().unwrap().to_owned()).collect()
}

fn sync(mut order: Value, max_block_time: Option<Value>) -> Value {
    order["synchronousExecution"] = json!(true);
    if let Some(max_block_time) = max_block_time {
        order["maxBlockTime"] = max_block_time;
    }
    order
}

#[tokio::test]
async fn a_resting_order_is_answered_after_max_block_time_with_only_its_new() {
    // The standard config caps the wait at 1 s.
    let server = TestServer::start().await;
    let trader = server.trader();
    let post = |price: &'static str, wait: Option<Value>| {
        trader.post("/v1/orders", sync(limit("rain", BUY_LONG, price, 1), wait))
    };
    let start = Instant::now();
    let replies = tokio::join!(
        post("0.30", Some(json!("1"))),
        post("0.31", None),
        post("0.32", Some(json!("60"))),
        post("0.33", Some(json!("0"))),
        post("0.34", Some(json!(1))),
    );
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(990), "answered before maxBlockTime: {elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "waited past the 1 s cap: {elapsed:?}");
    // "1"; absent (the default, the cap); "60" (clamped); "0" (the default); a JSON number.
    let (a, b, c, d, e) = replies;
    for reply in [a, b, c, d, e] {
        let reply = reply.ok();
        assert_eq!(types(&reply), ["EXECUTION_TYPE_NEW"], "{reply}");
        let order = &reply["executions"][0]["order"];
        assert_eq!((&order["id"], &order["state"]), (&reply["id"], &json!("ORDER_STATE_NEW")));
    }
    assert_eq!(trader.open_orders().await.len(), 5, "the orders keep resting");
}

#[tokio::test]
async fn a_waiting_order_that_fills_later_returns_its_replace_and_fills_at_once() {
    let server =
        TestServer::start_edited(|config| config.replace("max_block_time_s = 1", "max_block_time_s = 10")).await;
    let (maker, trader, other) = (server.maker(), server.trader(), server.other());
    let start = Instant::now();
    let waiting = trader.post("/v1/orders", sync(limit("rain", BUY_LONG, "0.50", 10), Some(json!("5"))));
    let meanwhile = async {
        // The order rests as soon as the create is applied; find it, then trade against it.
        let id = loop {
            if let Some(order) = trader.open_orders().await.first() {
                break order["id"].as_str().unwrap().to_owned();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        trader.post(&format!("/v1/order/{id}/modify"), json!({"marketSlug": "rain", "quantity": 8})).await.ok();
        other.place(market("rain", BUY_SHORT, 3)).await;
        maker.place(market("rain", BUY_SHORT, 5)).await;
        id
    };
    let (reply, id) = tokio::join!(waiting, meanwhile);
    let elapsed = start.elapsed();
    let reply = reply.ok();
    assert!(elapsed < Duration::from_secs(4), "the fill should end the wait, not maxBlockTime: {elapsed:?}");
    assert_eq!(reply["id"], json!(id));
    assert_eq!(
        types(&reply),
        ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_REPLACE", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"]
    );
    let executions = reply["executions"].as_array().unwrap();
    assert_eq!(executions[1]["order"]["quantity"], json!(8));
    assert_eq!(executions[1]["order"]["state"], "ORDER_STATE_NEW");
    for (fill, shares) in [(&executions[2], "3"), (&executions[3], "5")] {
        assert_eq!(fill["lastShares"], shares);
        assert_eq!(fill["lastPx"], json!({"value": "0.50", "currency": "USD"}));
        assert_eq!(fill["aggressor"], false, "the waiting order was the maker");
        assert!(fill["tradeId"].is_string());
    }
    let last = &executions[3]["order"];
    assert_eq!((&last["state"], &last["cumQuantity"]), (&json!("ORDER_STATE_FILLED"), &json!(8)));
    assert_eq!(trader.order(&id).await, *last);
}

#[tokio::test]
async fn a_canceled_waiting_order_ends_the_wait_and_immediate_outcomes_never_wait() {
    let server =
        TestServer::start_edited(|config| config.replace("max_block_time_s = 1", "max_block_time_s = 10")).await;
    let (maker, trader) = (server.maker(), server.trader());
    let start = Instant::now();
    let waiting = trader.post("/v1/orders", sync(limit("rain", BUY_LONG, "0.50", 10), None));
    let cancel = async {
        loop {
            if let Some(order) = trader.open_orders().await.first() {
                let id = order["id"].as_str().unwrap();
                trader.post(&format!("/v1/order/{id}/cancel"), json!({})).await.ok();
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let (reply, ()) = tokio::join!(waiting, cancel);
    assert!(start.elapsed() < Duration::from_secs(4), "{:?}", start.elapsed());
    let reply = reply.ok();
    assert_eq!(types(&reply), ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_CANCELED"]);

    // A fill, a reject and a close: all final on arrival, so no wait at all.
    maker.place(limit("rain", BUY_SHORT, "0.60", 5)).await;
    let start = Instant::now();
    let filled = trader.post("/v1/orders", sync(market("rain", BUY_LONG, 5), Some(json!("10")))).await.ok();
    assert_eq!(types(&filled).last().unwrap(), "EXECUTION_TYPE_FILL");
    let rejected = trader.post("/v1/orders", sync(limit("rain", BUY_LONG, "1.50", 1), None)).await.ok();
    assert_eq!(types(&rejected), ["EXECUTION_TYPE_REJECTED"]);
    let closed = trader.post("/v1/order/close-position", sync(json!({"marketSlug": "rain"}), None)).await.ok();
    assert_eq!(types(&closed), ["EXECUTION_TYPE_REJECTED"], "no bids: {closed}");
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
}
