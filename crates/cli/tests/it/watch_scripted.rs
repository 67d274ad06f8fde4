//! `pmx watch` against a scripted WebSocket server: a line per trade, the reconnect lines on
//! stderr after the server drops the connection, the same subscribe frame again, Ctrl-C
//! sending the close frame and exiting 0; `--json` printing frames as received; an error
//! frame ending the watch with exit 1.

use std::sync::{Arc, Mutex};

use client::protocol::{Amount, HEARTBEAT_FRAME, Payload, SubscriptionType, TradeParty, TradeUpdate, data_frame};
use client::protocol::{OrderIntent, OrderSide};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;

use crate::harness::{TRADER, Watching};

/// What the server does on one connection after reading the subscribe frame.
enum Then {
    /// Send these frames and drop the socket.
    SendAndDrop(Vec<String>),
    /// Send these frames and wait for the client's close frame.
    SendAndAwaitClose(Vec<String>),
}

/// Serves one script per connection; records every frame received (a close frame as
/// `close CODE REASON`). Returns the base URL and the record.
async fn scripted(scripts: Vec<Then>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        for script in scripts {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let Ok(mut socket) = tokio_tungstenite::accept_async(tcp).await else { continue };
            if let Some(Ok(Message::Text(text))) = socket.next().await {
                record.lock().unwrap().push(text.as_str().to_owned());
            }
            let (frames, await_close) = match script {
                Then::SendAndDrop(frames) => (frames, false),
                Then::SendAndAwaitClose(frames) => (frames, true),
            };
            for frame in frames {
                socket.send(Message::text(frame)).await.unwrap();
            }
            while await_close && let Some(Ok(message)) = socket.next().await {
                if let Message::Close(Some(frame)) = message {
                    record.lock().unwrap().push(format!("close {} {}", u16::from(frame.code), frame.reason.as_str()));
                    break;
                }
            }
        }
    });
    (url, seen)
}

fn trade(price: &str) -> String {
    let trade = TradeUpdate {
        market_slug: Some("rain".into()),
        price: Some(Amount::usd(price)),
        quantity: Some(Amount::usd("7")),
        trade_time: Some("2026-09-25T14:03:07.250Z".into()),
        maker: None,
        taker: Some(TradeParty { side: Some(OrderSide::Buy), intent: Some(OrderIntent::BuyLong) }),
    };
    data_frame("pmx-watch-trades", SubscriptionType::Trade, &Payload::Trade(Box::new(trade)).to_json())
}

fn credentials_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trader.json");
    std::fs::write(&path, format!("{{\"keyId\": \"{}\", \"secretKey\": \"{}\"}}", TRADER.0, TRADER.1)).unwrap();
    let path = path.display().to_string();
    (dir, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_trades_reconnects_and_stops_cleanly_on_ctrl_c() {
    let (url, seen) = scripted(vec![
        Then::SendAndDrop(vec![HEARTBEAT_FRAME.into(), trade("0.55")]),
        Then::SendAndAwaitClose(vec![trade("0.61")]),
    ])
    .await;
    let (_dir, file) = credentials_file();
    let mut watch = Watching::start(&["watch", "trades", "rain", "--url", &url, "--credentials", &file]);
    assert_eq!(watch.line().await, "2026-09-25 14:03:07  rain  price 0.55  qty 7  taker buy/buy-long");
    assert_eq!(watch.line().await, "2026-09-25 14:03:07  rain  price 0.61  qty 7  taker buy/buy-long");
    let run = watch.interrupt().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "", "{run:?}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), 2, "{run:?}");
    assert!(stderr[0].starts_with("stream lost: stream ws://127.0.0.1:"), "{run:?}");
    assert!(stderr[0].contains("reconnecting in ") && stderr[0].ends_with(" ms (attempt 1)"), "{run:?}");
    assert_eq!(stderr[1], "reconnected: events while disconnected may be missing");

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let subscribe: serde_json::Value = serde_json::from_str(&seen[0]).unwrap();
    assert_eq!(
        subscribe,
        serde_json::json!({"subscribe": {
            "requestId": "pmx-watch-trades",
            "subscriptionType": "SUBSCRIPTION_TYPE_TRADE",
            "marketSlugs": ["rain"],
        }})
    );
    assert_eq!(seen[1], seen[0], "the same subscription after the reconnect");
    assert_eq!(seen[2], "close 1000 OK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_json_prints_frames_as_received_and_an_error_frame_fails() {
    let refusal = r#"{"error":"unknown market `nope`","requestId":"pmx-watch-book","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA"}"#;
    let frames = vec![HEARTBEAT_FRAME.to_owned(), trade("0.55"), refusal.to_owned()];
    let (url, seen) = scripted(vec![Then::SendAndAwaitClose(frames.clone())]).await;
    let (_dir, file) = credentials_file();
    let watch = Watching::start(&["watch", "book", "nope", "--json", "--url", &url, "--credentials", &file]);
    let run = watch.wait().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, frames.join("\n") + "\n");
    assert_eq!(run.stderr, "error: the server refused the subscription: unknown market `nope`\n");
    let seen = seen.lock().unwrap().clone();
    assert!(seen[0].contains("SUBSCRIPTION_TYPE_MARKET_DATA") && seen[0].contains("\"nope\""), "{seen:?}");
    assert_eq!(seen.get(1).map(String::as_str), Some("close 1000 OK"));
}
