//! Bad input on every signed endpoint: each is a 4xx in the JSON envelope
//! `{"code", "message", "details"}` whose message says what is wrong, and each changes
//! nothing (open orders, positions, activities, balances and books are compared before and
//! after every request).

use serde_json::{Value, json};

use crate::harness::{TestServer, Trader, limit, market};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";

/// A server whose trader has a resting order and a position, so "changed nothing" has
/// something to keep, and what the trader saw then.
struct Fixture {
    server: TestServer,
    trader: Trader,
    resting: String,
    before: Vec<Value>,
}

impl Fixture {
    async fn start() -> Fixture {
        let server = TestServer::start().await;
        let (maker, trader) = (server.maker(), server.trader());
        maker.place(limit("rain", "ORDER_INTENT_BUY_SHORT", "0.60", 5)).await;
        trader.place(market("rain", BUY_LONG, 5)).await;
        let resting = trader.place(limit("rain", BUY_LONG, "0.40", 10)).await;
        let before = server.view(&trader).await;
        Fixture { server, trader, resting, before }
    }

    /// Sends `body` to `path`, asserts `status` and a message containing every one of
    /// `needles`, and that nothing the trader can see has changed.
    async fn refused(&self, path: &str, body: &[u8], status: u16, needles: &[&str]) {
        let reply = self.trader.post_bytes(path, body.to_vec()).await;
        let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
        assert_eq!(reply.status, status, "{path} {shown}: {}", reply.body);
        let message = reply.error(status);
        for needle in needles {
            assert!(message.contains(needle), "{path} {shown}: message {message:?} lacks {needle:?}");
        }
        self.unchanged(&format!("{path} {shown}")).await;
    }

    async fn refused_json(&self, path: &str, body: Value, needles: &[&str]) {
        self.refused(path, body.to_string().as_bytes(), 400, needles).await;
    }

    async fn unchanged(&self, after: &str) {
        assert_eq!(self.server.view(&self.trader).await, self.before, "{after} changed something");
    }
}

/// A valid limit order with `changes` applied (`null` removes a field).
fn order_with(changes: Value) -> Value {
    let mut order = limit("rain", BUY_LONG, "0.40", 1);
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            order.as_object_mut().unwrap().remove(key);
        } else {
            order[key] = value.clone();
        }
    }
    order
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_400() {
    let fixture = Fixture::start().await;
    for body in [&br#"{"marketSlug": "rain","#[..], b"not json", b"[]", br#""rain""#, b"{\"marketSlug\": NaN}"] {
        fixture.refused("/v1/orders", body, 400, &["invalid request body"]).await;
    }
    // Wrong JSON types.
    let cases = [
        (json!({"quantity": {"value": 1}}), "expected a number"),
        (json!({"quantity": [1]}), "expected a number"),
        (json!({"quantity": true}), "expected a number"),
        (json!({"price": 0.5}), "Amount"),
        (json!({"price": "0.5"}), "Amount"),
        (json!({"price": {"value": {"x": 1}}}), "expected a decimal string"),
        (json!({"marketSlug": 7}), "string"),
        (json!({"participateDontInitiate": "yes"}), "boolean"),
        (json!({"synchronousExecution": "true"}), "boolean"),
        (json!({"maxBlockTime": true}), "integer string"),
        (json!({"slippageTolerance": {"ticks": "two"}}), "i32"),
    ];
    for (changes, needle) in cases {
        fixture.refused_json("/v1/orders", order_with(changes), &["invalid request body", needle]).await;
    }
}

#[tokio::test]
async fn unknown_enum_strings_are_400_naming_the_accepted_values() {
    let fixture = Fixture::start().await;
    let cases = [
        (json!({"intent": "ORDER_INTENT_HODL"}), ["ORDER_INTENT_HODL", "ORDER_INTENT_BUY_LONG"]),
        (json!({"type": "ORDER_TYPE_STOP"}), ["ORDER_TYPE_STOP", "ORDER_TYPE_MARKET"]),
        (json!({"tif": "TIME_IN_FORCE_FOREVER"}), ["TIME_IN_FORCE_FOREVER", "TIME_IN_FORCE_DAY"]),
        (json!({"intent": "buy_long"}), ["buy_long", "ORDER_INTENT_BUY_LONG"]),
        (json!({"intent": 1}), ["OrderIntent", "ORDER_INTENT_BUY_LONG"]),
        (json!({"outcomeSide": "OUTCOME_SIDE_MAYBE", "action": "ORDER_ACTION_BUY"}), ["OUTCOME_SIDE_MAYBE", "YES"]),
        (json!({"manualOrderIndicator": "MANUAL"}), ["MANUAL", "MANUAL_ORDER_INDICATOR_MANUAL"]),
    ];
    for (changes, needles) in cases {
        fixture.refused_json("/v1/orders", order_with(changes), &needles).await;
    }
}

#[tokio::test]
async fn bad_numbers_are_400() {
    let fixture = Fixture::start().await;
    let cases = [
        (json!({"quantity": -5}), "must not be negative"),
        (json!({"quantity": -0.5}), "must not be negative"),
        (json!({"quantity": "NaN"}), "not a number"),
        (json!({"quantity": "Infinity"}), "not a number"),
        (json!({"quantity": "-Infinity"}), "not a number"),
        (json!({"quantity": "1e20"}), "out of range"),
        (json!({"quantity": "99999999999999999999999999999999"}), "out of range"),
        (json!({"quantity": ""}), "not a number"),
        (json!({"price": {"value": "abc", "currency": "USD"}}), "not a number"),
        (json!({"price": {"value": "-0.5", "currency": "USD"}}), "must not be negative"),
        (json!({"price": {"value": "NaN", "currency": "USD"}}), "not a number"),
        (json!({"price": {"value": "1e400", "currency": "USD"}}), "price"),
        (json!({"price": {"value": "0.5", "currency": "EUR"}}), "USD"),
        (
            json!({"quantity": null, "type": "ORDER_TYPE_MARKET", "price": null,
                "cashOrderQty": {"value": "-5", "currency": "USD"}}),
            "cashOrderQty must not be negative",
        ),
        (json!({"slippageTolerance": {"ticks": -1}}), "must not be negative"),
        (json!({"slippageTolerance": {"currentPrice": {"value": "x"}}}), "not a number"),
    ];
    for (changes, needle) in cases {
        fixture.refused_json("/v1/orders", order_with(changes), &[needle]).await;
    }
    // Raw JSON numbers beyond f64 (and beyond any quantity).
    for raw in ["1e400", "-1e400", "123456789012345678901234567890"] {
        let body = format!(
            r#"{{"marketSlug":"rain","type":"ORDER_TYPE_LIMIT","price":{{"value":"0.40"}},"quantity":{raw},"intent":"{BUY_LONG}"}}"#
        );
        fixture.refused("/v1/orders", body.as_bytes(), 400, &["quantity"]).await;
    }
}

#[tokio::test]
async fn missing_or_contradictory_fields_are_400() {
    let fixture = Fixture::start().await;
    let cases = [
        (json!({"marketSlug": null}), "marketSlug"),
        (json!({"marketSlug": ""}), "marketSlug is empty"),
        (json!({"intent": null}), "intent"),
        (json!({"intent": null, "outcomeSide": "OUTCOME_SIDE_YES"}), "outcomeSide needs action"),
        (json!({"intent": null, "action": "ORDER_ACTION_SELL"}), "action needs outcomeSide"),
        (json!({"quantity": null}), "quantity is missing"),
        (json!({"cashOrderQty": {"value": "5", "currency": "USD"}}), "not both"),
        (json!({"tif": "TIME_IN_FORCE_GOOD_TILL_DATE"}), "needs goodTillTime"),
        (json!({"goodTillTime": "tomorrow"}), "goodTillTime"),
        (json!({"maxBlockTime": "soon", "synchronousExecution": true}), "maxBlockTime"),
        (json!({"maxBlockTime": "1.5"}), "maxBlockTime"),
    ];
    for (changes, needle) in cases {
        fixture.refused_json("/v1/orders", order_with(changes), &[needle]).await;
    }
    // An empty body reads as `{}`: the slug is missing.
    fixture.refused("/v1/orders", b"", 400, &["marketSlug"]).await;
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let fixture = Fixture::start().await;
    let mut big = order_with(json!({}));
    big["padding"] = json!("x".repeat(70 * 1024));
    let body = big.to_string();
    fixture.refused("/v1/orders", body.as_bytes(), 413, &["larger than 65536 bytes"]).await;
    fixture.refused("/v1/orders/batched", body.as_bytes(), 413, &["larger"]).await;
    // Just under the limit, unknown fields are ignored and the order goes in.
    big["padding"] = json!("x".repeat(60 * 1024));
    fixture.trader.place(big).await;
}

#[tokio::test]
async fn the_other_order_endpoints_refuse_bad_bodies() {
    let fixture = Fixture::start().await;
    let (trader, resting) = (&fixture.trader, &fixture.resting);
    let modify = format!("/v1/order/{resting}/modify");
    let cases = [
        ("/v1/order/close-position", json!({}), "marketSlug"),
        ("/v1/order/close-position", json!({"marketSlug": "rain", "maxBlockTime": "soon"}), "maxBlockTime"),
        ("/v1/order/close-position", json!({"marketSlug": "rain", "slippageTolerance": {"bips": -5}}), "negative"),
        ("/v1/order/close-position", json!({"marketSlug": "rain", "slippageTolerance": {"bips": "x"}}), "i32"),
        (
            "/v1/order/close-position",
            json!({"marketSlug": "rain", "manualOrderIndicator": "X"}),
            "ManualOrderIndicator",
        ),
        ("/v1/order/preview", json!({}), "request"),
        ("/v1/order/preview", json!({"request": {"marketSlug": "rain"}}), "intent"),
        ("/v1/order/preview", json!({"request": order_with(json!({"quantity": -1}))}), "negative"),
        ("/v1/orders/open/cancel", json!({"slugs": "rain"}), "sequence"),
        ("/v1/orders/open/cancel", json!({"slugs": ["nowhere"]}), "nowhere"),
        (&modify, json!({"quantity": -1}), "must not be negative"),
        (&modify, json!({"price": {"value": "abc"}}), "not a number"),
        (&modify, json!({"quantity": {"n": 1}}), "expected a number"),
        (&modify, json!({"tif": "TIME_IN_FORCE_SOMETIMES"}), "TIME_IN_FORCE_SOMETIMES"),
        (&modify, json!({"goodTillTime": "next week"}), "goodTillTime"),
    ];
    for (path, body, needle) in cases {
        fixture.refused_json(path, body, &[needle]).await;
    }
    for path in [&modify, &format!("/v1/order/{resting}/cancel"), "/v1/orders/batched/cancel", "/v1/order/preview"] {
        fixture.refused(path, b"{oops", 400, &["invalid request body"]).await;
    }
    assert_eq!(trader.order(resting).await["state"], "ORDER_STATE_NEW");
}

#[tokio::test]
async fn garbage_order_ids_in_paths_are_404() {
    let fixture = Fixture::start().await;
    let (trader, resting) = (&fixture.trader, &fixture.resting);
    let garbage = [
        "abc",
        "-1",
        "%20",
        "0042",
        "1.0",
        "99999999999999999999999999",
        "18446744073709551615",
        "%F0%9F%92%A5",
        "ord-42",
    ];
    for id in garbage {
        let message = trader.get(&format!("/v1/order/{id}")).await.error(404);
        assert!(message.contains("no order"), "{id}: {message}");
        trader.post(&format!("/v1/order/{id}/cancel"), json!({"marketSlug": "rain"})).await.error(404);
        trader.post(&format!("/v1/order/{id}/modify"), json!({"quantity": 2})).await.error(404);
    }
    fixture.unchanged("garbage ids").await;
    assert_eq!(trader.order(resting).await["quantity"], json!(10));
}

#[tokio::test]
async fn bad_query_parameters_and_cursors_are_400() {
    let fixture = Fixture::start().await;
    let cases = [
        ("/v1/portfolio/positions?cursor=abc", "invalid cursor"),
        ("/v1/portfolio/positions?cursor=-1", "invalid cursor"),
        ("/v1/portfolio/positions?cursor=1.5", "invalid cursor"),
        ("/v1/portfolio/positions?limit=ten", "limit"),
        ("/v1/portfolio/activities?cursor=zzz", "invalid cursor"),
        ("/v1/portfolio/activities?limit=1.5", "limit"),
        ("/v1/portfolio/activities?types=ACTIVITY_TYPE_NOPE", "ACTIVITY_TYPE_NOPE"),
        ("/v1/portfolio/activities?types=ACTIVITY_TYPE_TRADE&types=trade", "trade"),
        ("/v1/portfolio/activities?sortOrder=SIDEWAYS", "SIDEWAYS"),
    ];
    for (path, needle) in cases {
        let message = fixture.trader.get(path).await.error(400);
        assert!(message.contains(needle), "{path}: {message}");
    }
    for (path, needle) in [("/v1/markets?limit=abc", "limit"), ("/v1/markets?active=maybe", "active")] {
        let message = fixture.server.public(reqwest::Method::GET, path).await.error(400);
        assert!(message.contains(needle), "{path}: {message}");
    }
    fixture.unchanged("bad queries").await;
}
