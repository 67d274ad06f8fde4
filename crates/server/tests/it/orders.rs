//! The single-order endpoints (docs/api.md §2.1, §2.5–§2.10): create in each form (limit and
//! market, intent and outcomeSide + action, cash-sized, post-only, IOC, FOK, GTD), get,
//! cancel, modify, open orders with the `slugs` filter, cancel-all and preview; checked field
//! by field against the documented names, enum strings and JSON types.

use serde_json::{Value, json};

use crate::harness::{TestServer, limit, market};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";
const BUY_SHORT: &str = "ORDER_INTENT_BUY_SHORT";

/// The executions of a synchronous reply.
fn executions_of(reply: &Value) -> Vec<Value> {
    reply["executions"].as_array().unwrap_or_else(|| panic!("no executions in {reply}")).clone()
}

/// The `type` of each execution, in order.
fn types(executions: &[Value]) -> Vec<&str> {
    executions.iter().map(|execution| execution["type"].as_str().unwrap()).collect()
}

/// A JSON number written exactly so (`4.00` is not `4.0` on the wire).
fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn usd(value: &str) -> Value {
    json!({"value": value, "currency": "USD"})
}

#[tokio::test]
async fn a_resting_limit_order_has_every_field_with_its_documented_type() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let mut body = limit("rain", BUY_LONG, "0.40", 10);
    body["manualOrderIndicator"] = json!("MANUAL_ORDER_INDICATOR_MANUAL");
    body["participateDontInitiate"] = json!(false);
    let reply = trader.post("/v1/orders", body).await.ok();
    let id = reply["id"].as_str().unwrap().to_owned();
    assert!(id.parse::<u64>().is_ok(), "{reply}");
    assert!(reply.get("executions").is_none_or(|executions| executions == &json!([])), "async: {reply}");

    let order = trader.order(&id).await;
    assert_eq!(order["id"], json!(id));
    assert_eq!(order["marketSlug"], "rain");
    assert_eq!(order["side"], "ORDER_SIDE_BUY");
    assert_eq!(order["type"], "ORDER_TYPE_LIMIT");
    assert_eq!(order["price"], usd("0.40"));
    // Order quantities are JSON numbers.
    assert_eq!(order["quantity"], json!(10));
    assert_eq!(order["cumQuantity"], json!(0));
    assert_eq!(order["leavesQuantity"], json!(10));
    assert_eq!(order["tif"], "TIME_IN_FORCE_GOOD_TILL_CANCEL");
    assert_eq!(order["intent"], BUY_LONG);
    assert_eq!(order["outcomeSide"], "OUTCOME_SIDE_YES");
    assert_eq!(order["action"], "ORDER_ACTION_BUY");
    assert_eq!(order["state"], "ORDER_STATE_NEW");
    assert_eq!(order["commissionNotionalTotalCollected"], usd("0.00"));
    assert_eq!(order["commissionsBasisPoints"], "695");
    assert_eq!(order["makerCommissionsBasisPoints"], "-125");
    assert_eq!(order["marketMetadata"]["slug"], "rain");
    assert_eq!(order["marketMetadata"]["title"], "Will it rain?");
    assert_eq!(order["marketMetadata"]["eventSlug"], "weather");
    for time in ["createTime", "insertTime"] {
        let text = order[time].as_str().unwrap_or_else(|| panic!("{time} in {order}"));
        assert!(text.ends_with('Z') && text.contains('T'), "{time}: {text}");
    }
    assert_eq!(trader.open_orders().await, vec![order]);
}

#[tokio::test]
async fn the_outcome_side_and_action_pair_sets_the_direction_and_wins_over_intent() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let pair = json!({"marketSlug": "rain", "type": "ORDER_TYPE_LIMIT", "price": usd("0.70"), "quantity": 3,
        "outcomeSide": "OUTCOME_SIDE_NO", "action": "ORDER_ACTION_BUY"});
    let order = trader.order(&trader.place(pair).await).await;
    assert_eq!(order["intent"], BUY_SHORT);
    assert_eq!(order["side"], "ORDER_SIDE_SELL", "BUY_SHORT sells YES on the one book");
    assert_eq!((&order["outcomeSide"], &order["action"]), (&json!("OUTCOME_SIDE_NO"), &json!("ORDER_ACTION_BUY")));
    // No tif: DAY (docs/trading.md §9).
    assert_eq!(order["tif"], "TIME_IN_FORCE_DAY");

    let mut both = limit("rain", BUY_LONG, "0.20", 2);
    both["outcomeSide"] = json!("OUTCOME_SIDE_NO");
    both["action"] = json!("ORDER_ACTION_SELL");
    let order = trader.order(&trader.place(both).await).await;
    assert_eq!(order["intent"], "ORDER_INTENT_SELL_SHORT", "{order}");
    // SELL_SHORT with no short to close is refused, as any sell beyond the position.
    assert_eq!(order["state"], "ORDER_STATE_REJECTED");
    assert_eq!(order["side"], "ORDER_SIDE_BUY");
}

#[tokio::test]
async fn market_orders_take_the_book_by_quantity_or_by_cash() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", BUY_SHORT, "0.50", 10)).await;
    maker.place(limit("rain", BUY_SHORT, "0.52", 10)).await;

    let mut buy = market("rain", BUY_LONG, 15);
    buy["synchronousExecution"] = json!(true);
    let reply = trader.post("/v1/orders", buy).await.ok();
    let executions = executions_of(&reply);
    assert_eq!(types(&executions), ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_FILL"]);
    let (first, last) = (&executions[1], &executions[2]);
    assert_eq!(first["lastShares"], "10", "trade quantities are decimal strings");
    assert_eq!(first["lastPx"], usd("0.50"));
    assert_eq!(first["aggressor"], true);
    assert!(first["tradeId"].is_string());
    assert!(first["id"].is_string());
    assert!(first["transactTime"].is_string());
    // 0.0695 x 10 x 0.5 x 0.5 = 0.17375 -> 0.17; 0.0695 x 5 x 0.52 x 0.48 = 0.0867 -> 0.09.
    assert_eq!(first["commissionNotionalCollected"], usd("0.17"));
    assert_eq!(last["lastShares"], "5");
    assert_eq!(last["lastPx"], usd("0.52"));
    let order = &last["order"];
    assert_eq!(order["id"], reply["id"]);
    assert_eq!(order["type"], "ORDER_TYPE_MARKET");
    assert_eq!(order["state"], "ORDER_STATE_FILLED");
    assert_eq!((&order["cumQuantity"], &order["leavesQuantity"]), (&json!(15), &json!(0)));
    // (10 x 0.50 + 5 x 0.52) / 15 = 0.50666...
    assert!(order["avgPx"]["value"].as_str().unwrap().starts_with("0.506"), "{order}");
    assert_eq!(order["commissionNotionalTotalCollected"], usd("0.26"));

    // $2.60 at 0.52 buys 5 whole contracts.
    let cash = json!({"marketSlug": "rain", "type": "ORDER_TYPE_MARKET", "intent": BUY_LONG,
        "cashOrderQty": usd("2.60"), "synchronousExecution": true});
    let reply = trader.post("/v1/orders", cash).await.ok();
    let order = &executions_of(&reply).last().unwrap()["order"].clone();
    assert_eq!(order["state"], "ORDER_STATE_FILLED", "{reply}");
    assert_eq!(order["cumQuantity"], json!(5));
    assert_eq!(order["cashOrderQty"], usd("2.60"));
    assert_eq!(trader.position("rain").await["netPositionDecimal"], "20.0000");

    // Nothing left to buy: a market order is rejected, not rested.
    let reply = trader.post("/v1/orders", market("rain", BUY_LONG, 1)).await.ok();
    let order = trader.order(reply["id"].as_str().unwrap()).await;
    assert_eq!(order["state"], "ORDER_STATE_REJECTED");
    assert!(trader.open_orders().await.is_empty());
}

#[tokio::test]
async fn post_only_rests_or_is_rejected_when_it_would_trade() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", BUY_SHORT, "0.60", 10)).await;
    let mut crossing = limit("rain", BUY_LONG, "0.60", 5);
    crossing["participateDontInitiate"] = json!(true);
    crossing["synchronousExecution"] = json!(true);
    let reply = trader.post("/v1/orders", crossing).await.ok();
    let executions = executions_of(&reply);
    assert_eq!(types(&executions), ["EXECUTION_TYPE_REJECTED"]);
    assert_eq!(executions[0]["orderRejectReason"], "ORD_REJECT_REASON_EXCHANGE_OPTION");
    assert!(executions[0]["text"].as_str().unwrap().contains("participateDontInitiate"));
    assert_eq!(executions[0]["order"]["state"], "ORDER_STATE_REJECTED");

    let mut resting = limit("rain", BUY_LONG, "0.59", 5);
    resting["participateDontInitiate"] = json!(true);
    let id = trader.place(resting).await;
    assert_eq!(trader.order(&id).await["state"], "ORDER_STATE_NEW");
}

#[tokio::test]
async fn ioc_fills_what_it_can_and_fok_all_or_nothing() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", BUY_SHORT, "0.60", 10)).await;

    let mut fok = limit("rain", BUY_LONG, "0.60", 15);
    fok["tif"] = json!("TIME_IN_FORCE_FILL_OR_KILL");
    fok["synchronousExecution"] = json!(true);
    let reply = trader.post("/v1/orders", fok.clone()).await.ok();
    let order = &executions_of(&reply).last().unwrap()["order"].clone();
    assert_eq!(order["state"], "ORDER_STATE_CANCELED", "{reply}");
    assert_eq!(order["cumQuantity"], json!(0));
    assert!(trader.position("rain").await.is_null(), "a FOK that cannot fill entirely trades nothing");

    let mut ioc = fok;
    ioc["tif"] = json!("TIME_IN_FORCE_IMMEDIATE_OR_CANCEL");
    let reply = trader.post("/v1/orders", ioc).await.ok();
    let executions = executions_of(&reply);
    assert_eq!(types(&executions), ["EXECUTION_TYPE_NEW", "EXECUTION_TYPE_PARTIAL_FILL", "EXECUTION_TYPE_CANCELED"]);
    let order = &executions[2]["order"];
    assert_eq!((&order["state"], &order["cumQuantity"]), (&json!("ORDER_STATE_CANCELED"), &json!(10)));
    assert!(trader.open_orders().await.is_empty(), "IOC never rests");
}

#[tokio::test]
async fn good_till_date_orders_rest_until_their_time_then_expire() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let in_ms = |ms: u64| {
        let at = std::time::SystemTime::now() + std::time::Duration::from_millis(ms);
        let ns = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        protocol::format_timestamp(types::Timestamp(i64::try_from(ns).unwrap()))
    };
    let mut later = limit("rain", BUY_LONG, "0.30", 1);
    later["tif"] = json!("TIME_IN_FORCE_GOOD_TILL_DATE");
    later["goodTillTime"] = json!(in_ms(3_600_000));
    let later = trader.order(&trader.place(later).await).await;
    assert_eq!(later["tif"], "TIME_IN_FORCE_GOOD_TILL_DATE");
    assert_eq!(later["state"], "ORDER_STATE_NEW");
    assert!(later["goodTillTime"].is_string(), "{later}");

    let mut soon = limit("rain", BUY_LONG, "0.31", 1);
    soon["tif"] = json!("TIME_IN_FORCE_GOOD_TILL_DATE");
    soon["goodTillTime"] = json!(in_ms(300));
    let soon = trader.place(soon).await;
    assert_eq!(trader.order(&soon).await["state"], "ORDER_STATE_NEW");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let order = trader.order(&soon).await;
        if order["state"] == "ORDER_STATE_EXPIRED" {
            assert_eq!(order["leavesQuantity"], json!(0));
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never expired: {order}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let open = trader.open_orders().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], later["id"]);

    // A time already past: a REJECTED order (docs/trading.md §9), never a resting one.
    let mut past = limit("rain", BUY_LONG, "0.30", 1);
    past["tif"] = json!("TIME_IN_FORCE_GOOD_TILL_DATE");
    past["goodTillTime"] = json!("2020-01-01T00:00:00Z");
    past["synchronousExecution"] = json!(true);
    let reply = trader.post("/v1/orders", past).await.ok();
    let rejected = &executions_of(&reply)[0];
    assert_eq!(rejected["orderRejectReason"], "ORD_REJECT_REASON_EXCHANGE_OPTION", "{reply}");
    assert!(rejected["text"].as_str().unwrap().contains("goodTillTime"), "{reply}");
    assert_eq!(trader.open_orders().await.len(), 1);
}

#[tokio::test]
async fn get_order_shows_live_and_finished_orders_of_the_caller_only() {
    let server = TestServer::start().await;
    let (trader, other) = (server.trader(), server.other());
    let live = trader.place(limit("rain", BUY_LONG, "0.40", 10)).await;
    let done = trader.place(limit("rain", BUY_LONG, "0.41", 10)).await;
    trader.post(&format!("/v1/order/{done}/cancel"), json!({"marketSlug": "rain"})).await.ok();
    assert_eq!(trader.order(&live).await["state"], "ORDER_STATE_NEW");
    let canceled = trader.order(&done).await;
    assert_eq!(canceled["state"], "ORDER_STATE_CANCELED");
    assert_eq!(canceled["leavesQuantity"], json!(0));

    // Another account's orders, live or finished, do not exist for this one.
    for id in [&live, &done] {
        let message = other.get(&format!("/v1/order/{id}")).await.error(404);
        assert!(message.contains("no order"), "{message}");
    }
    trader.get("/v1/order/987654321").await.error(404);
}

#[tokio::test]
async fn cancel_ends_a_live_order_is_a_no_op_on_a_finished_one_and_404_otherwise() {
    let server = TestServer::start().await;
    let (trader, other) = (server.trader(), server.other());
    let id = trader.place(limit("rain", BUY_LONG, "0.40", 10)).await;
    let before = trader.balance().await;
    assert_eq!(before["openOrders"], number("4.00"));

    // Another account cannot cancel it, and learns nothing about it.
    other.post(&format!("/v1/order/{id}/cancel"), json!({"marketSlug": "rain"})).await.error(404);
    assert_eq!(trader.order(&id).await["state"], "ORDER_STATE_NEW");

    let reply = trader.post(&format!("/v1/order/{id}/cancel"), json!({"marketSlug": "rain"})).await.ok();
    assert_eq!(reply, json!({}));
    let order = trader.order(&id).await;
    assert_eq!((&order["state"], &order["leavesQuantity"]), (&json!("ORDER_STATE_CANCELED"), &json!(0)));
    assert!(trader.open_orders().await.is_empty());
    assert_eq!(trader.balance().await["buyingPower"], number("1000.00"));

    // Again: a 200 that changes nothing.
    let view = server.view(&trader).await;
    assert_eq!(trader.post(&format!("/v1/order/{id}/cancel"), json!({})).await.ok(), json!({}));
    assert_eq!(server.view(&trader).await, view);
    let message = trader.post("/v1/order/424242/cancel", json!({"marketSlug": "rain"})).await.error(404);
    assert!(message.contains("424242"), "{message}");
}

#[tokio::test]
async fn modify_replaces_price_and_quantity_keeping_the_id() {
    let server = TestServer::start().await;
    let (trader, other) = (server.trader(), server.other());
    let id = trader.place(limit("rain", BUY_LONG, "0.40", 10)).await;
    let before = trader.order(&id).await;

    let change = json!({"marketSlug": "rain", "price": usd("0.45"), "quantity": 12});
    assert_eq!(trader.post(&format!("/v1/order/{id}/modify"), change.clone()).await.ok(), json!({}));
    let after = trader.order(&id).await;
    assert_eq!(after["id"], json!(id));
    assert_eq!(after["price"], usd("0.45"));
    assert_eq!(after["quantity"], json!(12));
    assert_eq!(after["leavesQuantity"], json!(12));
    assert_eq!(after["state"], "ORDER_STATE_NEW", "the REPLACE leaves the order live");
    assert_eq!(after["createTime"], before["createTime"]);
    assert_ne!(after["insertTime"], before["insertTime"], "a replace re-enters the book");
    let open = trader.open_orders().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(id));
    assert_eq!(trader.balance().await["openOrders"], number("5.40"));

    // Someone else's order: 404, unchanged.
    other.post(&format!("/v1/order/{id}/modify"), json!({"quantity": 1})).await.error(404);
    assert_eq!(trader.order(&id).await, after);
    // A finished order cannot be modified.
    trader.post(&format!("/v1/order/{id}/cancel"), json!({})).await.ok();
    let message = trader.post(&format!("/v1/order/{id}/modify"), change).await.error(400);
    assert!(message.contains("final"), "{message}");
    trader.post("/v1/order/424242/modify", json!({"quantity": 1})).await.error(404);
}

#[tokio::test]
async fn open_orders_filter_by_repeated_slugs() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let rain = trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    let btc = trader.place(limit("btc", BUY_LONG, "0.40", 0.5)).await;
    let ids = |orders: Vec<Value>| -> Vec<String> {
        orders.iter().map(|order| order["id"].as_str().unwrap().to_owned()).collect()
    };
    let (rain, btc) = (rain.as_str(), btc.as_str());
    let listed = |query: &'static str| {
        let trader = &trader;
        async move { trader.get(&format!("/v1/orders/open{query}")).await.ok()["orders"].as_array().unwrap().clone() }
    };
    assert_eq!(ids(listed("").await), [rain, btc]);
    assert_eq!(ids(listed("?slugs=rain").await), [rain]);
    assert_eq!(ids(listed("?slugs=btc").await), [btc]);
    assert_eq!(ids(listed("?slugs=rain&slugs=btc").await), [rain, btc]);
    assert!(listed("?slugs=nowhere").await.is_empty());
    let btc_order = &listed("?slugs=btc").await[0];
    assert_eq!(btc_order["quantity"], json!(0.5), "fractional quantities stay numbers");
    // Others see none of them.
    assert!(server.other().open_orders().await.is_empty());
}

#[tokio::test]
async fn cancel_all_cancels_by_market_or_everything() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let rain = trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    let btc = trader.place(limit("btc", BUY_LONG, "0.40", 1)).await;
    let btc2 = trader.place(limit("btc", BUY_LONG, "0.41", 1)).await;
    let other = server.other().place(limit("btc", BUY_LONG, "0.39", 1)).await;

    let reply = trader.post("/v1/orders/open/cancel", json!({"slugs": ["btc"]})).await.ok();
    let mut canceled: Vec<&str> =
        reply["canceledOrderIds"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
    canceled.sort_unstable();
    let mut expected = [btc.as_str(), btc2.as_str()];
    expected.sort_unstable();
    assert_eq!(canceled, expected);
    assert_eq!(trader.order(&btc).await["state"], "ORDER_STATE_CANCELED");
    let open = trader.open_orders().await;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(rain));

    // An unknown slug refuses the whole request.
    let view = server.view(&trader).await;
    let message = trader.post("/v1/orders/open/cancel", json!({"slugs": ["rain", "nowhere"]})).await.error(400);
    assert!(message.contains("nowhere"), "{message}");
    assert_eq!(server.view(&trader).await, view);

    // The docs' `marketSlug` form, then `{}` = everything (here: nothing left).
    let reply = trader.post("/v1/orders/open/cancel", json!({"marketSlug": "rain"})).await.ok();
    assert_eq!(reply["canceledOrderIds"], json!([rain]));
    let reply = trader.post("/v1/orders/open/cancel", json!({})).await.ok();
    assert_eq!(reply["canceledOrderIds"], json!([]));
    // Another account's order is untouched.
    assert_eq!(server.other().order(&other).await["state"], "ORDER_STATE_NEW");
}

#[tokio::test]
async fn cancel_all_without_slugs_cancels_every_market() {
    let server = TestServer::start().await;
    let trader = server.trader();
    trader.place(limit("rain", BUY_LONG, "0.40", 1)).await;
    trader.place(limit("btc", BUY_LONG, "0.40", 1)).await;
    let reply = trader.post("/v1/orders/open/cancel", json!({})).await.ok();
    assert_eq!(reply["canceledOrderIds"].as_array().unwrap().len(), 2);
    assert!(trader.open_orders().await.is_empty());
    assert_eq!(trader.balance().await["openOrders"], number("0.00"));
}

#[tokio::test]
async fn preview_normalizes_and_creates_nothing() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", BUY_SHORT, "0.60", 10)).await;
    let view = server.view(&trader).await;

    // 0.515 truncates to the 0.01 tick; 10.9 to whole contracts.
    let request = limit("rain", BUY_LONG, "0.515", 10.9);
    let reply = trader.post("/v1/order/preview", json!({"request": request})).await.ok();
    let order = &reply["order"];
    assert_eq!(order["price"], usd("0.51"), "{reply}");
    assert_eq!(order["quantity"], json!(10));
    assert_eq!(order["state"], "ORDER_STATE_NEW");
    assert_eq!(order["marketSlug"], "rain");
    assert_eq!(order["intent"], BUY_LONG);
    assert!(order.get("id").is_none(), "a preview has no order id: {order}");

    // A would-be reject shows as REJECTED, still with a 200.
    let bad = limit("rain", BUY_LONG, "1.50", 1);
    let reply = trader.post("/v1/order/preview", json!({"request": bad})).await.ok();
    assert_eq!(reply["order"]["state"], "ORDER_STATE_REJECTED", "{reply}");
    let poor = limit("rain", BUY_LONG, "0.50", 5000);
    let reply = trader.post("/v1/order/preview", json!({"request": poor})).await.ok();
    assert_eq!(reply["order"]["state"], "ORDER_STATE_REJECTED", "insufficient buying power: {reply}");

    assert_eq!(server.view(&trader).await, view, "previews change nothing");
    let message = trader.post("/v1/order/preview", limit("rain", BUY_LONG, "0.5", 1)).await.error(400);
    assert!(message.contains("request"), "{message}");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_501_in_the_envelope() {
    let server = TestServer::start().await;
    let trader = server.trader();
    for path in ["/v1/nothing", "/v2/orders", "/v1/markets/rain/nothing", "/"] {
        let reply = server.public(reqwest::Method::GET, path).await;
        assert_eq!(reply.body["code"], 5, "{path}: {}", reply.body);
        reply.error(404);
    }
    // The documented production 404 for the plural path.
    server.public(reqwest::Method::GET, "/v1/markets/rain").await.error(404);
    for (method, path) in [
        (reqwest::Method::GET, "/v1/orders"),
        (reqwest::Method::DELETE, "/v1/order/1"),
        (reqwest::Method::PUT, "/v1/orders/open"),
        (reqwest::Method::GET, "/v1/orders/batched"),
        (reqwest::Method::POST, "/v1/markets"),
        (reqwest::Method::GET, "/v1/order/close-position/cancel"),
    ] {
        let reply = trader.request(method.clone(), path, None).await;
        assert_eq!(reply.body["code"], 12, "{method} {path}");
        let message = reply.error(501);
        assert!(message.contains("method"), "{message}");
    }
    // GET of the literal segments reads them as (unknown) order ids.
    trader.get("/v1/order/preview").await.error(404);
    trader.get("/v1/order/close-position").await.error(404);
    // Health.
    assert_eq!(server.public(reqwest::Method::GET, "/healthz").await.ok(), json!({"status": "ok"}));
}

#[tokio::test]
async fn business_failures_are_rejected_orders_with_an_id_and_a_reason() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let mut cash_limit = limit("rain", BUY_LONG, "0.40", 1);
    cash_limit.as_object_mut().unwrap().remove("quantity");
    cash_limit["cashOrderQty"] = usd("5");
    let mut no_price = limit("rain", BUY_LONG, "0.40", 1);
    no_price.as_object_mut().unwrap().remove("price");
    let mut post_only_market = market("rain", BUY_LONG, 1);
    post_only_market["participateDontInitiate"] = json!(true);
    let cases = [
        (limit("rain", BUY_LONG, "0.005", 1), "ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS"),
        (limit("rain", BUY_LONG, "0", 1), "ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS"),
        (limit("rain", BUY_LONG, "1.00", 1), "ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS"),
        (limit("rain", BUY_LONG, "0.40", 0), "ORD_REJECT_REASON_INCORRECT_QUANTITY"),
        // Whole contracts: 0.4 truncates to 0.
        (limit("rain", BUY_LONG, "0.40", 0.4), "ORD_REJECT_REASON_INCORRECT_QUANTITY"),
        (limit("rain", "ORDER_INTENT_SELL_LONG", "0.40", 1), "ORD_REJECT_REASON_INCORRECT_QUANTITY"),
        (cash_limit, "ORD_REJECT_REASON_INCORRECT_ORDER_TYPE"),
        (no_price, "ORD_REJECT_REASON_INCORRECT_ORDER_TYPE"),
        (post_only_market, "ORD_REJECT_REASON_INCORRECT_ORDER_TYPE"),
        (limit("nowhere", BUY_LONG, "0.40", 1), "ORD_REJECT_REASON_UNKNOWN_MARKET"),
        (limit("halted", BUY_LONG, "0.40", 1), "ORD_REJECT_REASON_EXCHANGE_CLOSED"),
        (market("rain", BUY_LONG, 1), "ORD_REJECT_REASON_NO_LIQUIDITY"),
        // $1,000 does not buy 5,000 contracts at 0.40.
        (limit("rain", BUY_LONG, "0.40", 5000), "ORD_REJECT_REASON_EXCHANGE_OPTION"),
    ];
    let view = server.view(&trader).await;
    for (mut order, reason) in cases {
        order["synchronousExecution"] = json!(true);
        let reply = trader.post("/v1/orders", order.clone()).await.ok();
        let executions = executions_of(&reply);
        assert_eq!(types(&executions), ["EXECUTION_TYPE_REJECTED"], "{order}: {reply}");
        let rejected = &executions[0];
        assert_eq!(rejected["orderRejectReason"], reason, "{order}");
        assert!(!rejected["text"].as_str().unwrap().is_empty(), "{rejected}");
        assert_eq!(rejected["order"]["state"], "ORDER_STATE_REJECTED");
        let id = reply["id"].as_str().unwrap();
        assert_eq!(trader.order(id).await["state"], "ORDER_STATE_REJECTED", "{order}");
        // Preview tells the same story without creating anything.
        order.as_object_mut().unwrap().remove("synchronousExecution");
        let preview = trader.post("/v1/order/preview", json!({"request": order})).await.ok();
        assert_eq!(preview["order"]["state"], "ORDER_STATE_REJECTED", "preview of {order}: {preview}");
    }
    // Rejected orders are free and leave nothing open.
    assert_eq!(server.view(&trader).await, view);

    // Self-trade: the incoming order's remainder is canceled, the resting one stays.
    let resting = trader.place(limit("rain", BUY_LONG, "0.50", 2)).await;
    let mut crossing = limit("rain", BUY_SHORT, "0.50", 2);
    crossing["synchronousExecution"] = json!(true);
    let reply = trader.post("/v1/orders", crossing).await.ok();
    let executions = executions_of(&reply);
    assert_eq!(executions.last().unwrap()["order"]["state"], "ORDER_STATE_CANCELED", "{reply}");
    assert!(executions.last().unwrap()["text"].as_str().unwrap().contains("self-trade"));
    assert_eq!(trader.order(&resting).await["state"], "ORDER_STATE_NEW");
}
