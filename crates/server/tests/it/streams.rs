//! The streams' protocol: the signed upgrade and its limits, every subscription type with
//! its frames, both input forms, `marketSlugs` filters, heartbeats and pings, and an error
//! frame for every bad frame and limit (the connection stays).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{OTHER_SECRET, TestServer, Trader, limit, market};
use crate::ws::{Ended, Ws, error, payload};

const PRIVATE: &str = "/v1/ws/private";
const MARKETS: &str = "/v1/ws/markets";
const QUIET: Duration = Duration::from_millis(300);

/// The public book of `slug` without its read time, as a market-data frame must show it.
async fn book(server: &TestServer, slug: &str) -> Value {
    let mut book = server.public(Method::GET, &format!("/v1/markets/{slug}/book")).await.ok()["marketData"].clone();
    book.as_object_mut().unwrap().remove("transactTime");
    book
}

fn without_time(mut data: Value) -> Value {
    assert!(data["transactTime"].is_string(), "no transactTime in {data}");
    data.as_object_mut().unwrap().remove("transactTime");
    data
}

/// A refused upgrade: asserts 401 with the JSON error envelope, returns the message.
async fn refused(server: &TestServer, headers: Vec<(&'static str, String)>, path: &str) -> String {
    match Ws::try_connect(server, &headers, path, None).await {
        Ok(_) => panic!("{path}: the upgrade was accepted"),
        Err((status, body)) => {
            assert_eq!(status, 401, "{path}: {body}");
            assert!(body["code"].is_i64() && body["details"].is_array(), "{path}: not the envelope: {body}");
            body["message"].as_str().unwrap().to_owned()
        }
    }
}

#[tokio::test]
async fn the_upgrade_is_a_signed_get_of_the_stream_path() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let stranger = Trader::new(&server, "00000000-0000-4000-8000-000000000000", OTHER_SECRET);
    for (path, other) in [(PRIVATE, MARKETS), (MARKETS, PRIVATE)] {
        assert!(refused(&server, Vec::new(), path).await.contains("missing X-PM-Access-Key"));
        assert!(refused(&server, trader.headers("GET", other), path).await.contains("invalid signature"));
        assert!(refused(&server, trader.headers("POST", path), path).await.contains("invalid signature"));
        assert!(refused(&server, stranger.headers("GET", path), path).await.contains("unknown API key"));
        let mut stale = trader.headers("GET", path);
        stale[1].1 = "1000".into();
        assert!(refused(&server, stale, path).await.contains("stale"));
        let mut ws = Ws::connect(&server, &trader, path).await;
        ws.ping().await;
        ws.close().await;
    }
    // A signed GET that is no upgrade is told what the path is.
    let message = trader.get(PRIVATE).await.error(400);
    assert!(message.contains("WebSocket stream"), "{message}");
}

#[tokio::test]
async fn connections_per_key_are_capped_and_a_closed_one_frees_its_place() {
    let server = TestServer::start_edited(|text| text + "\n[streams]\nconnections_per_key_max = 2\n").await;
    let trader = server.trader();
    let first = Ws::connect(&server, &trader, PRIVATE).await;
    let _second = Ws::connect(&server, &trader, MARKETS).await;
    let (status, body) = Ws::try_connect(&server, &trader.headers("GET", PRIVATE), PRIVATE, None).await.err().unwrap();
    assert_eq!(status, 429, "{body}");
    assert!(body["message"].as_str().unwrap().contains("stream connections"), "{body}");
    // Another key is not affected.
    let _other = Ws::connect(&server, &server.other(), PRIVATE).await;
    first.close().await;
    let mut retried = None;
    for _ in 0..50 {
        match Ws::try_connect(&server, &trader.headers("GET", PRIVATE), PRIVATE, None).await {
            Ok(ws) => {
                retried = Some(ws);
                break;
            }
            Err((429, _)) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert!(retried.is_some(), "the closed connection's place was not given back");
}

#[tokio::test]
async fn market_data_lite_and_trades_follow_the_book() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 5)).await;
    let mut ws = Ws::connect(&server, &trader, MARKETS).await;
    ws.subscribe("md", "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    ws.subscribe("lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", &["rain"]).await;
    ws.subscribe("trades", "SUBSCRIPTION_TYPE_TRADE", &["rain"]).await;

    // Snapshots at subscribe.
    let frame = ws.next().await;
    let data = payload(&frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    assert_eq!(without_time(data.clone()), book(&server, "rain").await);
    assert_eq!(data["bids"][0]["qty"], "5");
    let frame = ws.next().await;
    let lite = payload(&frame, "lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite");
    let bbo = server.public(Method::GET, "/v1/markets/rain/bbo").await.ok()["marketData"].clone();
    assert_eq!(*lite, bbo);
    assert_eq!(lite["bidDepth"], 1);

    // A new order: one frame of each, the book as a read shows it.
    maker.place(limit("rain", "ORDER_INTENT_BUY_SHORT", "0.60", 3)).await;
    let frame = ws.next().await;
    let data = payload(&frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    assert_eq!(without_time(data.clone()), book(&server, "rain").await);
    assert_eq!(data["offers"][0]["qty"], "3");
    let frame = ws.next().await;
    assert_eq!(payload(&frame, "lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite")["askDepth"], 1);

    // A trade: the trade frame, then the book after it.
    let taken = trader.place(market("rain", "ORDER_INTENT_BUY_LONG", 2)).await;
    let frame = ws.next().await;
    let trade = payload(&frame, "trades", "SUBSCRIPTION_TYPE_TRADE", "trade");
    assert_eq!(trade["marketSlug"], "rain");
    assert_eq!(trade["quantity"], json!({"value": "2", "currency": "USD"}));
    assert_eq!(trade["price"], json!({"value": "0.60", "currency": "USD"}));
    let taker_order = trader.order(&taken).await;
    assert_eq!(trade["taker"], json!({"side": taker_order["side"], "intent": "ORDER_INTENT_BUY_LONG"}));
    assert_eq!(trade["maker"]["intent"], "ORDER_INTENT_BUY_SHORT");
    assert_ne!(trade["maker"]["side"], trade["taker"]["side"]);
    assert!(trade["tradeTime"].is_string());
    let frame = ws.next().await;
    let data = payload(&frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    assert_eq!(data["offers"][0]["qty"], "1");
    assert_eq!(data["stats"]["lastTradePx"], trade["price"]);
    payload(&ws.next().await, "lite", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite");

    // Other markets are not sent; unsubscribing stops the frames.
    maker.place(limit("btc", "ORDER_INTENT_BUY_LONG", "0.30", 1)).await;
    ws.silent(QUIET).await;
    for id in ["md", "lite", "trades"] {
        ws.send(json!({"unsubscribe": {"requestId": id}})).await;
    }
    // Frames are read in order: the pong says the unsubscribes were handled.
    ws.ping().await;
    trader.place(market("rain", "ORDER_INTENT_BUY_LONG", 1)).await;
    ws.silent(QUIET).await;
}

#[tokio::test]
async fn debounced_market_data_sends_the_latest_book_at_most_every_tick() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let mut ws = Ws::connect(&server, &server.trader(), MARKETS).await;
    ws.send(json!({"subscribe": {"requestId": "d", "subscriptionType": "SUBSCRIPTION_TYPE_MARKET_DATA",
                                 "marketSlugs": ["rain"], "responsesDebounced": true}}))
        .await;
    payload(&ws.next().await, "d", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    let orders = 40;
    let placing = async {
        for at in 0..orders {
            maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", &format!("0.{:02}", 10 + at), 1)).await;
        }
    };
    let (frames, ()) = tokio::join!(ws.drain(Duration::from_millis(600)), placing);
    assert!(!frames.is_empty() && frames.len() < orders, "{} frames for {orders} changes", frames.len());
    let last = payload(frames.last().unwrap(), "d", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    assert_eq!(without_time(last.clone()), book(&server, "rain").await, "the last frame is the latest book");
}

#[tokio::test]
async fn order_updates_are_the_callers_own_filtered_by_market() {
    let server = TestServer::start().await;
    let (maker, trader, other) = (server.maker(), server.trader(), server.other());
    let mut ws = Ws::connect(&server, &trader, PRIVATE).await;
    ws.subscribe("all", "SUBSCRIPTION_TYPE_ORDER", &[]).await;
    ws.subscribe("btc", "SUBSCRIPTION_TYPE_ORDER", &["btc"]).await;
    other.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.30", 1)).await;
    ws.silent(QUIET).await;

    let rain = trader.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.31", 2)).await;
    let frame = ws.next().await;
    let execution = &payload(&frame, "all", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"];
    assert_eq!(execution["order"]["id"], rain.as_str());
    assert_eq!(execution["type"], "EXECUTION_TYPE_NEW");
    ws.silent(QUIET).await;

    let btc = trader.place(limit("btc", "ORDER_INTENT_BUY_LONG", "0.31", 2)).await;
    for id in ["all", "btc"] {
        let frame = ws.next().await;
        let execution = &payload(&frame, id, "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"];
        assert_eq!(execution["order"]["id"], btc.as_str());
    }

    // A fill by someone else's order reaches the resting order's owner.
    maker.place(market("rain", "ORDER_INTENT_BUY_SHORT", 2)).await;
    let frame = ws.next().await;
    let execution = &payload(&frame, "all", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"];
    assert_eq!(execution["order"]["id"], rain.as_str());
    assert_eq!(execution["type"], "EXECUTION_TYPE_FILL");
    assert_eq!(execution["lastShares"], "2");
    assert!(execution["tradeId"].is_string());
    assert_eq!(execution["order"], trader.order(&rain).await, "the frame's order is the order as a read shows it");
}

#[tokio::test]
async fn order_snapshots_page_the_open_orders_and_end_with_eof() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    trader.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.31", 1)).await;
    trader.place(limit("btc", "ORDER_INTENT_BUY_LONG", "0.32", 1)).await;
    let mut ws = Ws::connect(&server, &trader, PRIVATE).await;
    ws.subscribe("s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", &[]).await;
    let frame = ws.next().await;
    let snapshot = payload(&frame, "s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot");
    assert_eq!(snapshot["eof"], true);
    let mut orders = snapshot["orders"].as_array().unwrap().clone();
    let mut open = trader.open_orders().await;
    let id = |order: &Value| order["id"].as_str().unwrap().to_owned();
    orders.sort_by_key(id);
    open.sort_by_key(id);
    assert_eq!(orders, open);

    // Filtered by market, and a one-shot: the request id is free again at once.
    ws.subscribe("s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", &["btc"]).await;
    let frame = ws.next().await;
    let snapshot = payload(&frame, "s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot");
    assert_eq!(snapshot["orders"].as_array().unwrap().len(), 1);
    assert_eq!(snapshot["orders"][0]["marketSlug"], "btc");

    // No open orders: one empty last page.
    let mut none = Ws::connect(&server, &server.other(), PRIVATE).await;
    none.subscribe("e", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", &[]).await;
    let frame = none.next().await;
    let snapshot = payload(&frame, "e", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot");
    assert_eq!(*snapshot, json!({"orders": [], "eof": true}));

    // Many orders: several pages, each frame under 1 MiB, eof on the last only.
    let count = 900;
    for at in 0..count {
        maker.place(limit("btc", "ORDER_INTENT_BUY_LONG", &format!("0.{:02}", 1 + at % 40), 1)).await;
    }
    let mut pages = Ws::connect(&server, &maker, PRIVATE).await;
    pages.subscribe("p", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", &[]).await;
    let (mut seen, mut frames) = (0, 0);
    loop {
        let frame = pages.next().await;
        assert!(frame.to_string().len() < 1 << 20, "a frame of {} bytes", frame.to_string().len());
        let page = payload(&frame, "p", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot");
        seen += page["orders"].as_array().unwrap().len();
        frames += 1;
        if page["eof"] == true {
            break;
        }
    }
    assert_eq!(seen, count);
    assert!(frames > 1, "{count} orders fit one page");
}

#[tokio::test]
async fn positions_and_balances_come_with_before_and_after() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    let mut ws = Ws::connect(&server, &trader, PRIVATE).await;
    ws.subscribe("pos", "SUBSCRIPTION_TYPE_POSITION", &[]).await;
    ws.subscribe("bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", &[]).await;
    let frame = ws.next().await;
    let snapshot = payload(&frame, "bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesSnapshot");
    let mut balance = trader.balance().await;
    assert_eq!(snapshot["balances"], json!([balance]));

    maker.place(limit("rain", "ORDER_INTENT_BUY_SHORT", "0.60", 5)).await;
    ws.silent(QUIET).await;
    let mut before = Value::Null;
    for bought in [2, 1] {
        trader.place(market("rain", "ORDER_INTENT_BUY_LONG", bought)).await;
        let frame = ws.next().await;
        let change = payload(&frame, "pos", "SUBSCRIPTION_TYPE_POSITION", "positionSubscription");
        assert_eq!(change["beforePosition"], before);
        assert_eq!(change["afterPosition"], trader.position("rain").await);
        assert_eq!(change["afterPosition"]["marketMetadata"]["slug"], "rain");
        assert_eq!(change["entryType"], "LEDGER_ENTRY_TYPE_ORDER_EXECUTION");
        assert!(change["tradeId"].is_string(), "{change}");
        before = change["afterPosition"].clone();

        let frame = ws.next().await;
        let update = payload(&frame, "bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesUpdate");
        let change = &update["balanceChange"];
        assert_eq!(change["beforeBalance"], balance);
        balance = trader.balance().await;
        assert_eq!(change["afterBalance"], balance);
        assert_eq!(change["entryType"], "LEDGER_ENTRY_TYPE_ORDER_EXECUTION");
    }
    // Only the trader's own changes.
    maker.place(limit("btc", "ORDER_INTENT_BUY_LONG", "0.20", 1)).await;
    ws.silent(QUIET).await;
    // A resting order moves buying power with no ledger entry: a frame all the same, so the
    // next frame's "before" is what a read showed.
    trader.place(limit("btc", "ORDER_INTENT_BUY_LONG", "0.20", 1)).await;
    let frame = ws.next().await;
    let change = &payload(&frame, "bal", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesUpdate")["balanceChange"];
    assert_eq!(change["beforeBalance"], balance);
    assert_eq!(change["afterBalance"], trader.balance().await);
    assert_eq!(change["entryType"], "LEDGER_ENTRY_TYPE_UNDEFINED");
    assert_ne!(change["afterBalance"]["buyingPower"], balance["buyingPower"]);
    // A reducing order changes the quantity available to sell.
    trader.place(limit("rain", "ORDER_INTENT_SELL_LONG", "0.90", 1)).await;
    let frame = ws.next().await;
    let change = payload(&frame, "pos", "SUBSCRIPTION_TYPE_POSITION", "positionSubscription");
    assert_eq!(change["beforePosition"], before);
    assert_eq!(change["afterPosition"], trader.position("rain").await);
    assert_eq!(change["entryType"], "LEDGER_ENTRY_TYPE_UNDEFINED");
    assert_ne!(change["afterPosition"]["qtyAvailable"], before["qtyAvailable"]);
}

#[tokio::test]
async fn the_overview_pages_snake_case_and_integer_form_is_accepted() {
    let server = TestServer::start().await;
    let mut markets = Ws::connect(&server, &server.trader(), MARKETS).await;
    markets.send(json!({"subscribe": {"request_id": "s", "subscription_type": 1, "market_slugs": ["rain"]}})).await;
    payload(&markets.next().await, "s", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
    markets.send(json!({"subscribe": {"request_id": "l", "subscription_type": 2, "market_slugs": ["rain"]}})).await;
    payload(&markets.next().await, "l", "SUBSCRIPTION_TYPE_MARKET_DATA_LITE", "marketDataLite");
    markets.send(json!({"unsubscribe": {"request_id": "s"}})).await;
    let mut private = Ws::connect(&server, &server.trader(), PRIVATE).await;
    private.send(json!({"subscribe": {"request_id": "b", "subscription_type": 4}})).await;
    payload(&private.next().await, "b", "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", "accountBalancesSnapshot");
}

#[tokio::test]
async fn every_bad_frame_and_limit_gets_an_error_frame_and_the_connection_stays() {
    let server = TestServer::start().await;
    let trader = server.trader();
    let mut ws = Ws::connect(&server, &trader, MARKETS).await;
    let subscribe = |id: &str, kind: &str, slugs: Value| json!({"subscribe": {"requestId": id, "subscriptionType": kind, "marketSlugs": slugs}});
    let md = "SUBSCRIPTION_TYPE_MARKET_DATA";
    let many: Vec<String> = (0..101).map(|at| format!("m{at}")).collect();
    let cases: Vec<(String, Option<&str>, &str)> = vec![
        ("not json".into(), None, "not JSON"),
        ("[]".into(), None, "not a JSON object"),
        (json!({"ping": {"requestId": "p"}}).to_string(), Some("p"), "unknown frame `ping`"),
        (json!({"subscribe": {"subscriptionType": md}}).to_string(), None, "needs a requestId"),
        (subscribe("x", "SUBSCRIPTION_TYPE_NOPE", json!(["rain"])).to_string(), Some("x"), "unknown subscriptionType"),
        (subscribe("x", "SUBSCRIPTION_TYPE_ORDER", json!([])).to_string(), Some("x"), "belongs to /v1/ws/private"),
        (subscribe("x", md, json!([])).to_string(), Some("x"), "marketSlugs is required"),
        (subscribe("x", md, json!(["rain", "nowhere"])).to_string(), Some("x"), "unknown market slug \"nowhere\""),
        (subscribe("x", md, json!(many)).to_string(), Some("x"), "at most 100 marketSlugs"),
        (json!({"unsubscribe": {"requestId": "zzz"}}).to_string(), Some("zzz"), "no subscription with requestId"),
    ];
    for (text, request_id, needle) in &cases {
        ws.send_text(text).await;
        let frame = ws.next().await;
        error(&frame, *request_id, needle);
        let keys: Vec<&String> = frame.as_object().unwrap().keys().collect();
        assert!(keys.iter().all(|key| ["requestId", "error", "subscriptionType"].contains(&key.as_str())), "{frame}");
    }
    // Binary frames are read as UTF-8 text.
    ws.socket_binary(&[0xff, 0xfe]).await;
    error(&ws.next().await, None, "UTF-8");

    // A request id in use, and the per-connection cap (10 by default).
    ws.send(subscribe("a", md, json!(["rain"]))).await;
    payload(&ws.next().await, "a", md, "marketData");
    ws.send(subscribe("a", "SUBSCRIPTION_TYPE_TRADE", json!(["rain"]))).await;
    let frame = ws.next().await;
    error(&frame, Some("a"), "already in use");
    assert_eq!(frame["subscriptionType"], "SUBSCRIPTION_TYPE_TRADE");
    for at in 1..10 {
        ws.send(subscribe(&format!("t{at}"), "SUBSCRIPTION_TYPE_TRADE", json!(["rain"]))).await;
    }
    ws.send(subscribe("over", "SUBSCRIPTION_TYPE_TRADE", json!(["rain"]))).await;
    error(&ws.next().await, Some("over"), "max subscriptions per connection reached");
    // The subscriptions before the cap work, and the connection answers.
    ws.ping().await;
    server.maker().place(limit("rain", "ORDER_INTENT_BUY_SHORT", "0.60", 1)).await;
    server.trader().place(market("rain", "ORDER_INTENT_BUY_LONG", 1)).await;
    let frames = ws.drain(QUIET).await;
    let trades = frames.iter().filter(|frame| frame.get("trade").is_some()).count();
    assert_eq!(trades, 9, "one trade frame per trade subscription: {frames:?}");

    let mut private = Ws::connect(&server, &trader, PRIVATE).await;
    private.subscribe("q", "SUBSCRIPTION_TYPE_RFQ", &[]).await;
    let frame = private.next().await;
    error(&frame, Some("q"), "RFQ subscriptions are not offered");
    assert_eq!(frame["subscriptionType"], "SUBSCRIPTION_TYPE_RFQ");
    private.subscribe("m", md, &["rain"]).await;
    error(&private.next().await, Some("m"), "belongs to /v1/ws/markets");
    private.ping().await;
}

#[tokio::test]
async fn heartbeats_come_every_interval_on_an_idle_connection() {
    let server = TestServer::start_edited(|text| text + "\n[streams]\nheartbeat_interval_s = 1\n").await;
    let mut ws = Ws::connect(&server, &server.trader(), MARKETS).await;
    let started = tokio::time::Instant::now();
    for _ in 0..2 {
        assert_eq!(ws.next_any().await, json!({"heartbeat": {}}));
    }
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_stopping_server_closes_its_streams_with_1001() {
    let mut server = TestServer::start().await;
    let mut ws = Ws::connect(&server, &server.trader(), MARKETS).await;
    ws.subscribe("md", "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    ws.next().await;
    server.restart().await;
    let (_, ended) = ws.until_end(Duration::from_secs(10)).await;
    match ended {
        Ended::Closed { code, reason } => {
            assert_eq!(code, 1001);
            assert!(reason.contains("stopping"), "{reason}");
        }
        Ended::Dropped => panic!("closed without a close frame"),
    }
}

#[tokio::test]
async fn subscribes_draw_on_the_keys_rate_limit() {
    let server = TestServer::start_edited(|text| {
        text.replace("requests_per_second_per_key = 0", "requests_per_second_per_key = 3")
    })
    .await;
    let mut ws = Ws::connect(&server, &server.trader(), MARKETS).await;
    for at in 0..6 {
        ws.subscribe(&format!("t{at}"), "SUBSCRIPTION_TYPE_TRADE", &["rain"]).await;
    }
    let frames = ws.drain(QUIET).await;
    let limited: Vec<&Value> = frames.iter().filter(|frame| frame.get("error").is_some()).collect();
    assert!(!limited.is_empty(), "six subscribes at once within a budget of 3: {frames:?}");
    for frame in limited {
        assert!(frame["error"].as_str().unwrap().contains("rate limited"), "{frame}");
        assert!(frame["requestId"].as_str().unwrap().starts_with('t'), "{frame}");
    }
    // Another key has its own budget.
    let mut other = Ws::connect(&server, &server.other(), MARKETS).await;
    other.subscribe("md", "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    payload(&other.next().await, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData");
}
