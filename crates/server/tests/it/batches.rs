//! The batched endpoints (docs/api.md §2.2–§2.4): 1 to 20 entries, validated whole; created ids
//! are real and in request order; cancel and modify echo their ids and ignore unknown ones.

use serde_json::{Value, json};

use crate::harness::{TestServer, limit};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";

fn strings(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn batched_create_returns_real_ids_in_request_order() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let orders = json!([
        limit("rain", BUY_LONG, "0.40", 1),
        limit("btc", BUY_LONG, "0.30", 0.5),
        limit("rain", BUY_LONG, "1.50", 1),
        limit("nowhere", BUY_LONG, "0.40", 1),
    ]);
    let reply = trader.post("/v1/orders/batched", json!({"orders": orders})).await.ok();
    let ids = strings(&reply["createdOrderIds"]);
    assert_eq!(ids.len(), 4, "{reply}");

    let first = trader.order(&ids[0]).await;
    assert_eq!((&first["marketSlug"], &first["state"]), (&json!("rain"), &json!("ORDER_STATE_NEW")));
    let second = trader.order(&ids[1]).await;
    assert_eq!((&second["marketSlug"], &second["quantity"]), (&json!("btc"), &json!(0.5)));
    // Business failures still get their id; the order is REJECTED (docs/api.md §2.1).
    let third = trader.order(&ids[2]).await;
    assert_eq!(third["state"], "ORDER_STATE_REJECTED");
    let fourth = trader.order(&ids[3]).await;
    assert_eq!(fourth["state"], "ORDER_STATE_REJECTED");
    let open: Vec<_> = trader.open_orders().await.iter().map(|order| order["id"].clone()).collect();
    assert_eq!(open, [json!(ids[0]), json!(ids[1])]);
}

#[tokio::test]
async fn batches_hold_one_to_twenty_entries_and_are_refused_whole() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let live = trader.place(limit("rain", BUY_LONG, "0.10", 1)).await;
    let view = server.view(&trader).await;

    let order = limit("rain", BUY_LONG, "0.01", 1);
    let cancel = json!({"orderId": live, "marketSlug": "rain"});
    let modify = json!({"orderId": live, "marketSlug": "rain", "quantity": 2});
    for (path, entry) in
        [("/v1/orders/batched", &order), ("/v1/orders/batched/cancel", &cancel), ("/v1/orders/batched/modify", &modify)]
    {
        let message = trader.post(path, json!({"orders": vec![entry; 21]})).await.error(400);
        assert!(message.contains("1 to 20") && message.contains("21"), "{path}: {message}");
        let message = trader.post(path, json!({"orders": []})).await.error(400);
        assert!(message.contains("1 to 20"), "{path}: {message}");
        let message = trader.post(path, json!({})).await.error(400);
        assert!(message.contains("orders"), "{path}: {message}");
        assert_eq!(server.view(&trader).await, view, "{path}");
    }

    // One malformed entry refuses the whole batch, even the good entries before it.
    let mut bad = limit("rain", BUY_LONG, "0.02", 1);
    bad.as_object_mut().unwrap().remove("intent");
    let message = trader.post("/v1/orders/batched", json!({"orders": [order.clone(), bad]})).await.error(400);
    assert!(message.contains("orders[1]") && message.contains("intent"), "{message}");
    let bad_modify = json!({"orderId": "1", "quantity": -1});
    let message = trader.post("/v1/orders/batched/modify", json!({"orders": [modify, bad_modify]})).await.error(400);
    assert!(message.contains("orders[1]") && message.contains("negative"), "{message}");
    let message =
        trader.post("/v1/orders/batched/cancel", json!({"orders": [cancel, {"marketSlug": "rain"}]})).await.error(400);
    assert!(message.contains("orderId"), "{message}");
    assert_eq!(server.view(&trader).await, view);

    // Twenty is fine.
    let reply = trader.post("/v1/orders/batched", json!({"orders": vec![&order; 20]})).await.ok();
    assert_eq!(reply["createdOrderIds"].as_array().unwrap().len(), 20);
    assert_eq!(trader.open_orders().await.len(), 21);
}

#[tokio::test]
async fn batched_cancel_echoes_the_ids_and_ignores_unknown_ones() {
    let server = TestServer::start().await;
    let (trader, other) = (server.trader(), server.other());
    let a = trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    let b = trader.place(limit("btc", BUY_LONG, "0.40", 1)).await;
    let kept = trader.place(limit("btc", BUY_LONG, "0.41", 1)).await;
    let theirs = other.place(limit("rain", BUY_LONG, "0.39", 1)).await;
    let requested = [a.as_str(), "999999", "not-an-id", theirs.as_str(), b.as_str()];
    let entries: Vec<Value> = requested.iter().map(|id| json!({"orderId": id, "marketSlug": "rain"})).collect();
    let reply = trader.post("/v1/orders/batched/cancel", json!({"orders": entries})).await.ok();
    assert_eq!(strings(&reply["canceledOrderIds"]), requested);
    assert_eq!(trader.order(&a).await["state"], "ORDER_STATE_CANCELED");
    assert_eq!(trader.order(&b).await["state"], "ORDER_STATE_CANCELED");
    let open = trader.open_orders().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(kept));
    assert_eq!(other.order(&theirs).await["state"], "ORDER_STATE_NEW", "another account's order is untouched");

    // Canceling finished orders again is an echo too.
    let again = json!({"orders": [{"orderId": a, "marketSlug": "rain"}]});
    assert_eq!(strings(&trader.post("/v1/orders/batched/cancel", again).await.ok()["canceledOrderIds"]), [a]);
}

#[tokio::test]
async fn batched_modify_echoes_the_ids_and_replaces_in_place() {
    let server = TestServer::start().await;
    let (trader, other) = (server.trader(), server.other());
    let a = trader.place(limit("rain", BUY_LONG, "0.40", 2)).await;
    let b = trader.place(limit("btc", BUY_LONG, "0.40", 2)).await;
    let theirs = other.place(limit("rain", BUY_LONG, "0.39", 1)).await;
    let before = other.order(&theirs).await;
    let entries = json!([
        {"orderId": a, "marketSlug": "rain", "price": {"value": "0.45", "currency": "USD"}},
        {"orderId": "999999", "marketSlug": "rain", "quantity": 3},
        {"orderId": theirs, "marketSlug": "rain", "quantity": 5},
        {"orderId": "junk", "marketSlug": "rain", "quantity": 5},
        {"orderId": b, "marketSlug": "btc", "quantity": 1.25, "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL"},
    ]);
    let reply = trader.post("/v1/orders/batched/modify", json!({"orders": entries})).await.ok();
    assert_eq!(strings(&reply["modifiedOrderIds"]), [a.as_str(), "999999", theirs.as_str(), "junk", b.as_str()]);

    let a_after = trader.order(&a).await;
    assert_eq!(a_after["price"], json!({"value": "0.45", "currency": "USD"}));
    assert_eq!(a_after["quantity"], json!(2));
    let b_after = trader.order(&b).await;
    assert_eq!(b_after["quantity"], json!(1.25));
    assert_eq!(b_after["price"], json!({"value": "0.40", "currency": "USD"}), "absent fields are kept");
    assert_eq!(other.order(&theirs).await, before, "another account's order is untouched");
    let open: Vec<_> = trader.open_orders().await.iter().map(|order| order["id"].clone()).collect();
    assert_eq!(open.len(), 2);
    assert!(open.contains(&json!(a)) && open.contains(&json!(b)), "modify keeps the ids: {open:?}");
}
