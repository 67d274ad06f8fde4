//! Streams against a scripted WebSocket server (tokio-tungstenite's `accept_hdr_async` on
//! 127.0.0.1:0): the signed upgrade, the subscribe frames as sent, frames decoded, a refused
//! upgrade, and the subscriber reconnecting and resubscribing after the server drops the
//! connection, closes it with 1008, or goes silent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use client::protocol::{
    HEARTBEAT_FRAME, Payload, ServerFrame, Stream, Subscribe, SubscriptionType, TradeUpdate, data_frame,
};
use client::{Client, Credentials, Error, Event, ReconnectPolicy};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::harness::TRADER;

/// What the scripted server does on one connection, in order.
#[derive(Clone)]
enum Step {
    /// Refuse the upgrade with this status and JSON body (the whole script of a connection).
    Refuse(u16, &'static str),
    /// Read this many frames, recording them.
    Read(usize),
    /// Send a text frame.
    Send(String),
    /// Close with a code and reason.
    Close(u16, &'static str),
    /// Drop the socket without a close frame.
    Drop,
    /// Send nothing for this long.
    Pause(Duration),
    /// Read until the client's close frame and record it as `close CODE REASON`.
    AwaitClose,
}

/// What the server saw on one connection.
#[derive(Clone, Debug, Default)]
struct Seen {
    path: String,
    headers: Vec<(String, String)>,
    frames: Vec<String>,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str()).unwrap_or("")
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;

/// Serves one script per connection, in order; returns the base URL and the log.
async fn scripted(scripts: Vec<Vec<Step>>) -> (String, Log) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let record = log.clone();
    tokio::spawn(async move {
        for script in scripts {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let index = {
                let mut log = record.lock().unwrap();
                log.push(Seen::default());
                log.len() - 1
            };
            let refusal = match script.first() {
                Some(Step::Refuse(status, body)) => Some((*status, *body)),
                _ => None,
            };
            let headers = record.clone();
            #[expect(clippy::result_large_err, reason = "the signature tungstenite's `Callback` takes")]
            let callback = move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
                let mut log = headers.lock().unwrap();
                log[index].path = request.uri().path().to_owned();
                log[index].headers = request
                    .headers()
                    .iter()
                    .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or("").to_owned()))
                    .collect();
                match refusal {
                    Some((status, body)) => Err(http_response(status, body)),
                    None => Ok(response),
                }
            };
            let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else { continue };
            for step in script {
                match step {
                    Step::Refuse(..) => {}
                    Step::Read(count) => {
                        for _ in 0..count {
                            let Some(Ok(Message::Text(text))) = socket.next().await else { break };
                            record.lock().unwrap()[index].frames.push(text.as_str().to_owned());
                        }
                    }
                    Step::Send(text) => socket.send(Message::text(text)).await.unwrap(),
                    Step::Close(code, reason) => {
                        let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                        let _ = socket.close(Some(frame)).await;
                    }
                    Step::Drop => break,
                    Step::Pause(duration) => tokio::time::sleep(duration).await,
                    Step::AwaitClose => {
                        while let Some(Ok(message)) = socket.next().await {
                            if let Message::Close(Some(frame)) = message {
                                let seen = format!("close {} {}", u16::from(frame.code), frame.reason.as_str());
                                record.lock().unwrap()[index].frames.push(seen);
                                break;
                            }
                        }
                    }
                }
            }
        }
    });
    (url, log)
}

fn http_response(status: u16, body: &str) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(body.to_owned()));
    *response.status_mut() = status.try_into().unwrap();
    response.headers_mut().insert("content-type", "application/json".parse().unwrap());
    response.headers_mut().insert("content-length", body.len().to_string().parse().unwrap());
    response
}

fn client(url: &str) -> Client {
    let policy = ReconnectPolicy {
        backoff_base: Duration::from_millis(20),
        backoff_max: Duration::from_millis(50),
        max_attempts: Some(5),
        idle_timeout: Duration::from_millis(500),
    };
    Client::builder()
        .base_url(url)
        .credentials(Credentials::new(TRADER.0, TRADER.1).unwrap())
        .reconnect_policy(policy)
        .build()
        .unwrap()
}

/// Frames as JSON values (key order is not part of the wire).
fn json(frames: &[impl AsRef<str>]) -> Vec<serde_json::Value> {
    frames.iter().map(|frame| serde_json::from_str(frame.as_ref()).unwrap()).collect()
}

fn trade_frame(price: &str) -> String {
    let trade = TradeUpdate {
        market_slug: Some("rain".into()),
        price: Some(client::protocol::Amount::usd(price)),
        ..TradeUpdate::default()
    };
    data_frame("t", SubscriptionType::Trade, &Payload::Trade(Box::new(trade)).to_json())
}

/// The next event, within a bound.
async fn next(subscriber: &mut client::Subscriber) -> Event {
    let event = tokio::time::timeout(Duration::from_secs(10), subscriber.next()).await.expect("an event in time");
    event.expect("the subscriber goes on").expect("no error")
}

fn trade_price(event: &Event) -> Option<String> {
    match event {
        Event::Frame(frame) => match &frame.frame {
            ServerFrame::Data { payload: Payload::Trade(trade), .. } => {
                trade.price.as_ref().map(|price| price.value.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

#[tokio::test]
async fn the_subscriber_signs_subscribes_decodes_and_resubscribes_after_each_drop() {
    let subscribed = vec![Step::Read(2), Step::Send(trade_frame("0.55")), Step::Send(HEARTBEAT_FRAME.into())];
    let scripts = vec![
        // Dropped without a close frame.
        [subscribed.clone(), vec![Step::Drop]].concat(),
        // Closed because the reader fell behind.
        [subscribed.clone(), vec![Step::Close(1008, "slow consumer")]].concat(),
        // An undecodable frame, then a trade, then the client closes.
        [
            subscribed,
            vec![Step::Send(r#"{"trade":{"price":7}}"#.into()), Step::Send(trade_frame("0.61")), Step::AwaitClose],
        ]
        .concat(),
    ];
    let (url, log) = scripted(scripts).await;
    let subscriptions = vec![
        Subscribe::new("t", SubscriptionType::Trade, &["rain", "btc"]),
        Subscribe::new("md", SubscriptionType::MarketData, &["rain"]),
    ];
    let mut subscriber = client(&url).subscriber(Stream::Markets, subscriptions).await.unwrap();

    // Connection 1: a trade, a heartbeat, then the drop.
    let first = next(&mut subscriber).await;
    assert_eq!(trade_price(&first).as_deref(), Some("0.55"), "{first:?}");
    let Event::Frame(frame) = &first else { unreachable!() };
    assert_eq!(frame.text, trade_frame("0.55"));
    let Event::Frame(heartbeat) = next(&mut subscriber).await else { panic!("a heartbeat") };
    assert_eq!((heartbeat.frame, heartbeat.text.as_str()), (ServerFrame::Heartbeat, HEARTBEAT_FRAME));
    let Event::Disconnected { error, attempt: 1, retry_in } = next(&mut subscriber).await else {
        panic!("a disconnect")
    };
    assert!(matches!(error, Error::Stream { .. }), "{error}");
    assert!(retry_in <= Duration::from_millis(20), "{retry_in:?}");
    assert!(matches!(next(&mut subscriber).await, Event::Reconnected { attempts: 1 }));

    // Connection 2: the same frames, then a 1008 close; the count of attempts starts again
    // since connection 2 delivered frames.
    assert_eq!(trade_price(&next(&mut subscriber).await).as_deref(), Some("0.55"));
    assert!(matches!(next(&mut subscriber).await, Event::Frame(_)));
    let Event::Disconnected { error, attempt: 1, .. } = next(&mut subscriber).await else { panic!("a disconnect") };
    let Error::StreamClosed { code: 1008, reason, .. } = &error else { panic!("{error}") };
    assert_eq!(reason, "slow consumer");
    assert_eq!(
        error.to_string(),
        format!("the server closed stream {url}/v1/ws/markets: code 1008, slow consumer").replace("http://", "ws://")
    );
    assert!(matches!(next(&mut subscriber).await, Event::Reconnected { attempts: 1 }));

    // Connection 3: a bad frame is an error item and the stream goes on.
    assert!(trade_price(&next(&mut subscriber).await).is_some());
    assert!(matches!(next(&mut subscriber).await, Event::Frame(_)));
    let bad = subscriber.next().await.unwrap().unwrap_err();
    assert!(matches!(bad, Error::Frame { .. }), "{bad}");
    assert!(bad.to_string().contains(r#"{"trade":{"price":7}}"#), "{bad}");
    assert_eq!(trade_price(&next(&mut subscriber).await).as_deref(), Some("0.61"));
    subscriber.close().await.unwrap();

    // Wait for the server to record the close frame.
    for _ in 0..100 {
        if log.lock().unwrap().get(2).is_some_and(|seen| seen.frames.len() == 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = log.lock().unwrap().clone();
    assert_eq!(log.len(), 3);
    let public = client::protocol::public_key(TRADER.1).unwrap();
    let want = [
        r#"{"subscribe":{"requestId":"t","subscriptionType":"SUBSCRIPTION_TYPE_TRADE","marketSlugs":["rain","btc"]}}"#,
        r#"{"subscribe":{"requestId":"md","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA","marketSlugs":["rain"]}}"#,
    ];
    for seen in &log {
        assert_eq!(seen.path, "/v1/ws/markets");
        assert_eq!(seen.header("x-pm-access-key"), TRADER.0);
        let timestamp = seen.header("x-pm-timestamp");
        let message = format!("{timestamp}GET/v1/ws/markets");
        assert!(client::protocol::verify(&public, &message, seen.header("x-pm-signature")), "{seen:?}");
        assert_eq!(seen.header("poly-correlation-id").len(), 36);
        // Every connection gets the same subscriptions, in order.
        assert_eq!(json(&seen.frames[..2]), json(&want), "{seen:?}");
    }
    // Signed anew per connection.
    assert_ne!(log[0].header("poly-correlation-id"), log[1].header("poly-correlation-id"));
    assert_eq!(log[2].frames[2], "close 1000 OK");
}

#[tokio::test]
async fn a_connection_yields_frames_sends_unsubscribe_and_reports_the_close() {
    let script = vec![
        Step::Read(2),
        Step::Send(HEARTBEAT_FRAME.into()),
        Step::Send(
            r#"{"requestId":"x","error":"unknown market `nope`","subscriptionType":"SUBSCRIPTION_TYPE_TRADE"}"#.into(),
        ),
        Step::Close(1001, "restarting"),
    ];
    let (url, log) = scripted(vec![script]).await;
    let mut connection = client(&url).connect_stream(Stream::Private).await.unwrap();
    assert_eq!(connection.url(), format!("{}/v1/ws/private", url.replace("http://", "ws://")));
    connection.subscribe(&Subscribe::new("o", SubscriptionType::Order, &[])).await.unwrap();
    connection.unsubscribe("o").await.unwrap();
    assert_eq!(connection.next().await.unwrap().unwrap().frame, ServerFrame::Heartbeat);
    let error = connection.next().await.unwrap().unwrap().frame;
    assert_eq!(
        error,
        ServerFrame::Error {
            request_id: Some("x".into()),
            error: "unknown market `nope`".into(),
            subscription_type: Some("SUBSCRIPTION_TYPE_TRADE".into()),
        }
    );
    let closed = connection.next().await.unwrap().unwrap_err();
    assert!(matches!(closed, Error::StreamClosed { code: 1001, .. }), "{closed}");
    assert!(connection.next().await.is_none());
    assert!(connection.subscribe(&Subscribe::new("o", SubscriptionType::Order, &[])).await.is_err());
    let log = log.lock().unwrap().clone();
    assert_eq!(log[0].path, "/v1/ws/private");
    let public = client::protocol::public_key(TRADER.1).unwrap();
    let message = format!("{}GET/v1/ws/private", log[0].header("x-pm-timestamp"));
    assert!(client::protocol::verify(&public, &message, log[0].header("x-pm-signature")));
    let want = [
        r#"{"subscribe":{"requestId":"o","subscriptionType":"SUBSCRIPTION_TYPE_ORDER"}}"#,
        r#"{"unsubscribe":{"requestId":"o"}}"#,
    ];
    assert_eq!(json(&log[0].frames), json(&want));
}

#[tokio::test]
async fn a_refused_upgrade_is_an_api_error_with_the_body_message() {
    let unauthorized = Step::Refuse(401, r#"{"code":16,"message":"invalid signature","details":[]}"#);
    let busy = Step::Refuse(429, r#"{"code":8,"message":"too many connections for this key","details":[]}"#);
    let (url, log) = scripted(vec![vec![unauthorized], vec![busy]]).await;
    let client = client(&url);
    let error = client.connect_stream(Stream::Markets).await.unwrap_err();
    let api = error.api().unwrap_or_else(|| panic!("{error}"));
    assert_eq!((api.status, api.message.as_str(), api.code), (401, "invalid signature", Some(16)));
    // The subscriber's first connection is not retried: its error is returned at once.
    let error = client.subscriber(Stream::Private, Vec::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(429), "{error}");
    assert_eq!(error.api().unwrap().message, "too many connections for this key");
    assert_eq!(log.lock().unwrap().len(), 2);

    // Nothing is sent without credentials.
    let public = Client::builder().base_url(&url).build().unwrap();
    assert!(matches!(public.connect_stream(Stream::Markets).await, Err(Error::MissingCredentials)));
    // Nothing listening: a transport error naming the stream's URL.
    let closed = client::Client::builder()
        .base_url(crate::harness::closed_port_url().await)
        .credentials(Credentials::new(TRADER.0, TRADER.1).unwrap())
        .build()
        .unwrap();
    let error = closed.connect_stream(Stream::Markets).await.unwrap_err();
    assert!(error.is_transport(), "{error}");
    assert!(error.to_string().starts_with("cannot reach ws://127.0.0.1:"), "{error}");
}

#[tokio::test]
async fn a_silent_connection_is_taken_as_lost_and_a_refusal_ends_the_subscriber() {
    let scripts = vec![
        vec![Step::Read(1), Step::Pause(Duration::from_secs(1))],
        vec![Step::Refuse(401, r#"{"code":16,"message":"unknown key","details":[]}"#)],
    ];
    let (url, _log) = scripted(scripts).await;
    let subscriptions = vec![Subscribe::new("b", SubscriptionType::AccountBalance, &[])];
    let mut subscriber = client(&url).subscriber(Stream::Private, subscriptions).await.unwrap();
    let Event::Disconnected { error, .. } = next(&mut subscriber).await else { panic!("a disconnect") };
    assert!(error.to_string().contains("no frame for 500 ms"), "{error}");
    // The reconnect is refused with 401: retrying cannot fix that, so the subscriber ends.
    let error = subscriber.next().await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(401), "{error}");
    assert!(subscriber.next().await.is_none());
}
