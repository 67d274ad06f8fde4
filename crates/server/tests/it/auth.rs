//! Authentication (docs/trading.md §17) and rate limits (§16) over HTTP: every credential failure
//! is a 401 whose message says which check failed and changes nothing; the query string is
//! not signed; public market paths need no credentials; a key over its rate gets 429 with
//! `Retry-After`.

use reqwest::Method;
use serde_json::json;

use crate::harness::{OTHER_SECRET, TRADER_KEY, TRADER_SECRET, TestServer, limit};

type Headers = Vec<(&'static str, String)>;

fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    i64::try_from(now.as_millis()).unwrap()
}

/// The three headers for `key`, signed with `secret` over `ts + method + signed_path`.
fn signed(key: &str, secret: &str, ts: &str, method: &str, signed_path: &str) -> Headers {
    let signature = protocol::sign(secret, &protocol::signing_message(ts, method, signed_path)).unwrap();
    vec![("X-PM-Access-Key", key.to_owned()), ("X-PM-Timestamp", ts.to_owned()), ("X-PM-Signature", signature)]
}

fn without(headers: &Headers, name: &str) -> Headers {
    headers.iter().filter(|(header, _)| *header != name).cloned().collect()
}

fn replaced(headers: &Headers, name: &'static str, value: &str) -> Headers {
    let mut headers = without(headers, name);
    headers.push((name, value.to_owned()));
    headers
}

#[tokio::test]
async fn each_credential_failure_is_a_401_that_says_which() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let before = server.view(&trader).await;
    let order = serde_json::to_vec(&limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 1)).unwrap();
    let now_value = now_ms();
    let now = now_value.to_string();
    let stale = (now_value - 31_000).to_string();
    let future = (now_value + 31_000).to_string();
    for (method, path) in [(Method::GET, "/v1/account/balances"), (Method::POST, "/v1/orders")] {
        let body = (method == Method::POST).then(|| order.clone());
        let good = signed(TRADER_KEY, TRADER_SECRET, &now, method.as_str(), path);
        let cases: Vec<(Headers, &str)> = vec![
            (Vec::new(), "missing X-PM-Access-Key"),
            (without(&good, "X-PM-Access-Key"), "missing X-PM-Access-Key"),
            (without(&good, "X-PM-Timestamp"), "missing X-PM-Timestamp"),
            (without(&good, "X-PM-Signature"), "missing X-PM-Signature"),
            (replaced(&good, "X-PM-Access-Key", "5e0e8e57-0000-4000-8000-000000000000"), "unknown API key"),
            (replaced(&good, "X-PM-Timestamp", "yesterday"), "malformed X-PM-Timestamp"),
            (replaced(&good, "X-PM-Timestamp", "-1700000000000"), "malformed X-PM-Timestamp"),
            (replaced(&good, "X-PM-Timestamp", &format!("{now}.5")), "malformed X-PM-Timestamp"),
            (signed(TRADER_KEY, TRADER_SECRET, &stale, method.as_str(), path), "stale X-PM-Timestamp"),
            (signed(TRADER_KEY, TRADER_SECRET, &future, method.as_str(), path), "stale X-PM-Timestamp"),
            (replaced(&good, "X-PM-Signature", "not base64!"), "malformed X-PM-Signature"),
            (replaced(&good, "X-PM-Signature", "AAAA"), "malformed X-PM-Signature"),
            // Signed with another account's secret.
            (signed(TRADER_KEY, OTHER_SECRET, &now, method.as_str(), path), "invalid signature"),
            // Signed for another method or path, or with a different timestamp than sent.
            (signed(TRADER_KEY, TRADER_SECRET, &now, "PUT", path), "invalid signature"),
            (signed(TRADER_KEY, TRADER_SECRET, &now, method.as_str(), "/v1/orders/open"), "invalid signature"),
            (replaced(&good, "X-PM-Timestamp", &(now_value - 1).to_string()), "invalid signature"),
        ];
        for (headers, needle) in cases {
            let reply = server.raw(method.clone(), path, &headers, body.clone()).await;
            assert_eq!(reply.body["code"], 16, "{method} {path} {headers:?}");
            let message = reply.error(401);
            assert!(message.contains(needle), "{method} {path} {headers:?}: {message:?} lacks {needle:?}");
        }
        // And the good headers pass.
        assert_eq!(server.raw(method.clone(), path, &good, body.clone()).await.status, 200, "{method} {path}");
    }
    // The one good POST placed one order; none of the refused ones did.
    let open = trader.open_orders().await;
    assert_eq!(open.len(), 1);
    trader.post(&format!("/v1/order/{}/cancel", open[0]["id"].as_str().unwrap()), json!({})).await.ok();
    assert_eq!(server.view(&trader).await, before);
}

#[tokio::test]
async fn the_query_string_is_not_signed() {
    let server = TestServer::start().await;
    let trader = server.trader();
    trader.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 1)).await;
    let path = "/v1/orders/open?slugs=rain&slugs=btc";
    let now = now_ms().to_string();
    let path_only = signed(TRADER_KEY, TRADER_SECRET, &now, "GET", "/v1/orders/open");
    let reply = server.raw(Method::GET, path, &path_only, None).await.ok();
    assert_eq!(reply["orders"].as_array().unwrap().len(), 1);
    // `protocol::signing_message` drops the query, so this message is built by hand.
    let over_query = protocol::sign(TRADER_SECRET, &format!("{now}GET{path}")).unwrap();
    let with_query = replaced(&path_only, "X-PM-Signature", &over_query);
    let message = server.raw(Method::GET, path, &with_query, None).await.error(401);
    assert!(message.contains("invalid signature") && message.contains("without the query"), "{message}");
    // The window edge: 29 s old still passes.
    let old = (now_ms() - 29_000).to_string();
    let headers = signed(TRADER_KEY, TRADER_SECRET, &old, "GET", "/v1/orders/open");
    server.raw(Method::GET, path, &headers, None).await.ok();
}

#[tokio::test]
async fn public_market_paths_need_no_credentials_and_signed_paths_do() {
    let server = TestServer::start().await;
    for path in [
        "/healthz",
        "/v1/markets",
        "/v1/market/slug/rain",
        "/v1/markets/rain/book",
        "/v1/markets/rain/bbo",
        "/v1/markets?slug=btc&limit=1",
    ] {
        server.public(Method::GET, path).await.ok();
    }
    let id = server.market_id("btc").await.get();
    server.public(Method::GET, &format!("/v1/market/id/{id}")).await.ok();
    // Settlement answers 404 (not settled), not 401.
    server.public(Method::GET, "/v1/markets/rain/settlement").await.error(404);
    // Credentials on a public path are ignored, even bad ones.
    let junk = [("X-PM-Access-Key", "junk".to_owned()), ("X-PM-Signature", "junk".to_owned())];
    server.raw(Method::GET, "/v1/markets", &junk, None).await.ok();

    for (method, path) in [
        (Method::GET, "/v1/orders/open"),
        (Method::GET, "/v1/order/1"),
        (Method::GET, "/v1/portfolio/positions"),
        (Method::GET, "/v1/portfolio/activities"),
        (Method::GET, "/v1/account/balances"),
        (Method::POST, "/v1/orders"),
        (Method::POST, "/v1/orders/batched"),
        (Method::POST, "/v1/orders/batched/cancel"),
        (Method::POST, "/v1/orders/batched/modify"),
        (Method::POST, "/v1/orders/open/cancel"),
        (Method::POST, "/v1/order/1/cancel"),
        (Method::POST, "/v1/order/1/modify"),
        (Method::POST, "/v1/order/preview"),
        (Method::POST, "/v1/order/close-position"),
    ] {
        let message = server.raw(method.clone(), path, &[], Some(b"{}".to_vec())).await.error(401);
        assert!(message.contains("missing X-PM-Access-Key"), "{method} {path}: {message}");
    }
}

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let server = TestServer::start_edited(|config| {
        config.replace("requests_per_second_per_key = 0", "requests_per_second_per_key = 2")
    })
    .await;
    assert_eq!(server.config.requests_per_second, 2);
    let (trader, other) = (server.trader(), server.other());

    // Refused credentials do not spend the key's tokens.
    let forged = signed(TRADER_KEY, OTHER_SECRET, &now_ms().to_string(), "GET", "/v1/account/balances");
    for _ in 0..5 {
        server.raw(Method::GET, "/v1/account/balances", &forged, None).await.error(401);
    }
    trader.get("/v1/account/balances").await.ok();
    trader.get("/v1/orders/open").await.ok();
    let reply = trader.get("/v1/account/balances").await;
    let retry_after: u64 = reply.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
    assert_eq!(reply.body["code"], 8);
    let message = reply.error(429);
    assert_eq!(message, "Too Many Requests");
    // The limit is per key: another key still passes.
    other.get("/v1/account/balances").await.ok();

    // Public paths are limited per IP, at the same rate.
    server.public(Method::GET, "/v1/markets").await.ok();
    server.public(Method::GET, "/v1/markets/rain/book").await.ok();
    let reply = server.public(Method::GET, "/v1/markets").await;
    assert!(reply.headers.contains_key("retry-after"));
    reply.error(429);
    // Health is never limited.
    for _ in 0..5 {
        server.public(Method::GET, "/healthz").await.ok();
    }

    // After the wait, the key is served again.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    trader.get("/v1/account/balances").await.ok();
}
