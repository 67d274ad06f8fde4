//! The streams' consistency rules: no frame for a command that is not durable; frames in
//! journal order; a snapshot followed by exactly the updates after it, also while trading
//! goes on; a consumer that reads nothing is closed with 1008 and slows nobody; a restart
//! loses nothing acknowledged.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use journal::{Fault, MemStorage};
use reqwest::Method;
use serde_json::Value;

use crate::harness::{TestServer, limit, market};
use crate::ws::{Ended, Ws, payload};

const PRIVATE: &str = "/v1/ws/private";
const MARKETS: &str = "/v1/ws/markets";
const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_command_the_journal_refused_sends_no_frame() {
    let disk = MemStorage::new();
    let (server, _dir) = TestServer::with_storage(Box::new(disk.clone())).await;
    let maker = server.maker();
    let mut ws = Ws::connect(&server, &maker, PRIVATE).await;
    ws.subscribe("o", "SUBSCRIPTION_TYPE_ORDER", &[]).await;
    let mut book = Ws::connect(&server, &maker, MARKETS).await;
    book.subscribe("md", "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    book.next().await;

    disk.fail_always(Some(Fault::Io));
    maker.post("/v1/orders", limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 5)).await.error(503);
    ws.silent(QUIET).await;
    book.silent(QUIET).await;

    disk.clear_faults();
    let id = maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.41", 5)).await;
    let frame = ws.next().await;
    assert_eq!(
        payload(&frame, "o", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"]["order"]["id"],
        id
    );
    let frame = book.next().await;
    assert_eq!(payload(&frame, "md", "SUBSCRIPTION_TYPE_MARKET_DATA", "marketData")["bids"][0]["qty"], "5");
}

/// Trades between `maker` and `other` on `rain` until `stop` is set: the maker rests a bid,
/// `other` sells into it, so every round changes the maker's orders, position and balance.
fn trade_until(server: &TestServer, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<usize> {
    let (maker, other) = (server.maker(), server.other());
    tokio::spawn(async move {
        let mut rounds = 0;
        while !stop.load(Ordering::Relaxed) {
            maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", "0.40", 2)).await;
            other.place(market("rain", "ORDER_INTENT_BUY_SHORT", 1)).await;
            rounds += 1;
        }
        rounds
    })
}

/// The maker's private frames for `subscriptions` (request id, type), made 80 ms into a run of
/// `trade_until` and read until the trading has stopped 300 ms later and the stream is quiet.
async fn maker_frames_during_trading(server: &TestServer, subscriptions: &[(&str, &str)]) -> Vec<Value> {
    let stop = Arc::new(AtomicBool::new(false));
    let trading = trade_until(server, stop.clone());
    tokio::time::sleep(Duration::from_millis(80)).await;
    let mut ws = Ws::connect(server, &server.maker(), PRIVATE).await;
    for (request_id, kind) in subscriptions {
        ws.subscribe(request_id, kind, &[]).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    trading.await.unwrap();
    ws.drain(QUIET).await
}

#[tokio::test]
async fn a_balance_snapshot_is_followed_by_every_change_after_it_while_trading_goes_on() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let stop = Arc::new(AtomicBool::new(false));
    let trading = trade_until(&server, stop.clone());
    let mut streams = Vec::new();
    for at in 0..4 {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let mut ws = Ws::connect(&server, &maker, PRIVATE).await;
        ws.subscribe(&format!("b{at}"), "SUBSCRIPTION_TYPE_ACCOUNT_BALANCE", &[]).await;
        ws.subscribe(&format!("p{at}"), "SUBSCRIPTION_TYPE_POSITION", &["rain"]).await;
        streams.push(ws);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    let rounds = trading.await.unwrap();
    assert!(rounds > 5, "only {rounds} rounds of trading");
    let balance = maker.balance().await;
    let position = maker.position("rain").await;
    for (at, ws) in streams.iter_mut().enumerate() {
        let frames = ws.drain(QUIET).await;
        let (mut last_balance, mut last_position) = (None::<Value>, None::<Value>);
        let mut updates = 0;
        for frame in &frames {
            if let Some(snapshot) = frame.get("accountBalancesSnapshot") {
                assert!(last_balance.is_none(), "stream {at}: a second snapshot");
                last_balance = Some(snapshot["balances"][0].clone());
            } else if let Some(update) = frame.get("accountBalancesUpdate") {
                let change = &update["balanceChange"];
                let before = last_balance.as_ref().expect("an update before the snapshot");
                assert_eq!(&change["beforeBalance"], before, "stream {at}: a gap or a duplicate");
                last_balance = Some(change["afterBalance"].clone());
                updates += 1;
            } else if let Some(change) = frame.get("positionSubscription") {
                if let Some(previous) = &last_position {
                    assert_eq!(&change["beforePosition"], previous, "stream {at}: a position gap");
                }
                last_position = Some(change["afterPosition"].clone());
            } else {
                panic!("stream {at}: unexpected frame {frame}");
            }
        }
        assert!(updates > 0, "stream {at} saw no change");
        assert_eq!(last_balance.as_ref(), Some(&balance), "stream {at}: the last frame is the final balance");
        assert_eq!(last_position.as_ref(), Some(&position), "stream {at}: the last frame is the final position");
    }
}

#[tokio::test]
async fn order_updates_account_for_every_fill_of_every_order_they_show() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let frames = maker_frames_during_trading(&server, &[("o", "SUBSCRIPTION_TYPE_ORDER")]).await;
    // order id -> (filled seen in frames, last cumQuantity seen); only orders whose NEW was seen.
    let mut orders: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    let mut seen_execution_ids = std::collections::HashSet::new();
    for frame in &frames {
        let execution = &payload(frame, "o", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"];
        assert!(seen_execution_ids.insert(execution["id"].to_string()), "a duplicate execution: {execution}");
        let id = execution["order"]["id"].as_str().unwrap().to_owned();
        let cum = execution["order"]["cumQuantity"].as_i64().unwrap();
        match execution["type"].as_str().unwrap() {
            "EXECUTION_TYPE_NEW" => {
                assert_eq!(cum, 0);
                orders.insert(id, (0, 0));
            }
            "EXECUTION_TYPE_PARTIAL_FILL" | "EXECUTION_TYPE_FILL" => {
                if let Some((filled, last)) = orders.get_mut(&id) {
                    *filled += execution["lastShares"].as_str().unwrap().parse::<i64>().unwrap();
                    assert_eq!(*filled, cum, "order {id}: a fill missing or repeated");
                    assert!(cum > *last, "order {id}: cumQuantity went back");
                    *last = cum;
                }
            }
            other => panic!("unexpected execution type {other}"),
        }
    }
    assert!(orders.len() > 3, "only {} orders seen from their start", orders.len());
    for (id, (filled, _)) in &orders {
        let order = maker.order(id).await;
        assert_eq!(order["cumQuantity"].as_i64().unwrap(), *filled, "order {id}: frames and state disagree");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_reads_nothing_is_closed_and_slows_nobody() {
    let server = TestServer::start_edited(|text| text + "\n[streams]\noutbound_frames_max = 64\n").await;
    let maker = server.maker();
    let headers = server.trader().headers("GET", MARKETS);
    let mut stalled = Ws::try_connect(&server, &headers, MARKETS, Some(4096)).await.unwrap();
    // Ten subscriptions of the book: ten frames per change, megabytes more than the kernel's
    // socket buffers hold.
    for at in 0..10 {
        stalled.subscribe(&format!("md{at}"), "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    }
    let mut reader = Ws::connect(&server, &server.other(), MARKETS).await;
    reader.subscribe("md", "SUBSCRIPTION_TYPE_MARKET_DATA", &["rain"]).await;
    reader.next().await;

    // Each order adds to the book, so frames grow to a few kilobytes.
    let orders = 600;
    let placing = async {
        for at in 0..orders {
            let price = format!("0.{:02}", 1 + at % 49);
            maker.place(limit("rain", "ORDER_INTENT_BUY_LONG", &price, 1)).await;
        }
    };
    let (frames, ()) = tokio::join!(reader.drain(Duration::from_secs(2)), placing);
    assert_eq!(frames.len(), orders, "the reading subscriber got one frame per change");
    let mut book = server.public(Method::GET, "/v1/markets/rain/book").await.ok()["marketData"].clone();
    book.as_object_mut().unwrap().remove("transactTime");
    let mut last = frames.last().unwrap()["marketData"].clone();
    last.as_object_mut().unwrap().remove("transactTime");
    assert_eq!(last, book);

    let (received, ended) = stalled.until_end(Duration::from_secs(10)).await;
    assert!(received.len() < 10 * orders, "the stalled consumer was not cut off ({} frames)", received.len());
    match ended {
        Ended::Closed { code, reason } => {
            assert_eq!(code, 1008);
            assert!(reason.contains("fell behind"), "{reason}");
        }
        Ended::Dropped => panic!("closed without saying why"),
    }
}

#[tokio::test]
async fn after_a_restart_a_resubscribed_client_sees_everything_acknowledged() {
    let mut server = TestServer::start().await;
    let maker = server.maker();
    let mut ids = Vec::new();
    for price in ["0.30", "0.31", "0.32"] {
        ids.push(maker.place(limit("btc", "ORDER_INTENT_BUY_LONG", price, 1)).await);
    }
    let mut ws = Ws::connect(&server, &maker, PRIVATE).await;
    ws.subscribe("o", "SUBSCRIPTION_TYPE_ORDER", &[]).await;
    server.restart().await;
    let (_, ended) = ws.until_end(Duration::from_secs(10)).await;
    assert!(matches!(ended, Ended::Closed { code: 1001, .. }), "{ended:?}");

    let maker = server.maker();
    let mut ws = Ws::connect(&server, &maker, PRIVATE).await;
    ws.subscribe("s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", &["btc"]).await;
    let frame = ws.next().await;
    let snapshot = payload(&frame, "s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT", "orderSubscriptionSnapshot");
    let mut seen: Vec<String> =
        snapshot["orders"].as_array().unwrap().iter().map(|order| order["id"].as_str().unwrap().to_owned()).collect();
    seen.sort();
    ids.sort();
    assert_eq!(seen, ids);
}

#[tokio::test]
async fn an_order_snapshot_and_the_updates_after_it_add_up_to_the_open_orders_while_trading_goes_on() {
    let server = TestServer::start().await;
    let maker = server.maker();
    let subscriptions = [("o", "SUBSCRIPTION_TYPE_ORDER"), ("s", "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT")];
    let frames = maker_frames_during_trading(&server, &subscriptions).await;
    // The orders known open: the snapshot's, then each update after the snapshot applied.
    let mut open: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let (mut snapshot_done, mut updates_after) = (false, 0);
    let id = |order: &Value| order["id"].as_str().unwrap().to_owned();
    for frame in &frames {
        if let Some(page) = frame.get("orderSubscriptionSnapshot") {
            assert!(!snapshot_done, "a page after the last one");
            open.extend(page["orders"].as_array().unwrap().iter().map(id));
            snapshot_done = page["eof"] == true;
        } else if snapshot_done {
            let order =
                &payload(frame, "o", "SUBSCRIPTION_TYPE_ORDER", "orderSubscriptionUpdate")["execution"]["order"];
            let state: protocol::OrderState = serde_json::from_value(order["state"].clone()).unwrap();
            if state.is_open() {
                open.insert(id(order));
            } else {
                assert!(open.remove(&id(order)), "order {} ended but was not known open", id(order));
            }
            updates_after += 1;
        }
    }
    assert!(snapshot_done, "no last snapshot page in {} frames", frames.len());
    assert!(updates_after > 5, "only {updates_after} updates after the snapshot");
    let now: std::collections::BTreeSet<String> = maker.open_orders().await.iter().map(id).collect();
    assert_eq!(open, now, "snapshot + updates after it = the open orders");
}
