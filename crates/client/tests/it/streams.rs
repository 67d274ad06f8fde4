//! Streams against a real pmx server: market data and trades for crossing orders placed over
//! HTTP, the trader's executions and balances on the private stream, a refused upgrade, and
//! the subscriber reconnecting and resubscribing across a server restart on the same port.

use std::time::Duration;

use client::protocol::{
    ExecutionType, LedgerEntryType, MarketData, OrderIntent, OrderSide, Payload, ServerFrame, Stream, Subscribe,
    SubscriptionType,
};
use client::{Client, Credentials, Error, Event, ReconnectPolicy, Subscriber};
use server::{Config, Server};

use crate::harness::{MAKER, OTHER, TRADER, TestServer, limit, market, place};

/// The next data payload and its request id, skipping heartbeats (panics after 10 s).
async fn payload(subscriber: &mut Subscriber) -> (String, Payload) {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), subscriber.next()).await.expect("a frame in time");
        match event.expect("the subscriber goes on").expect("no error") {
            Event::Frame(frame) => match frame.frame {
                ServerFrame::Data { request_id, payload, .. } => return (request_id, payload),
                ServerFrame::Heartbeat => {}
                other => panic!("unexpected frame {other:?}"),
            },
            other => panic!("unexpected event {other:?}"),
        }
    }
}

/// The next market-data payload.
async fn book(subscriber: &mut Subscriber) -> MarketData {
    match payload(subscriber).await {
        (id, Payload::MarketData(data)) if id == "md" => *data,
        other => panic!("expected market data, got {other:?}"),
    }
}

fn levels(side: &[client::protocol::BookEntry]) -> Vec<(String, String)> {
    side.iter().map(|entry| (entry.px.as_ref().unwrap().value.clone(), entry.qty.clone().unwrap_or_default())).collect()
}

#[tokio::test]
async fn market_data_and_trades_follow_crossing_orders() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    // Trades first: the market-data snapshot, which answers the second subscribe, then
    // proves the first is in place.
    let subscriptions = vec![
        Subscribe::new("trades", SubscriptionType::Trade, &["rain"]),
        Subscribe::new("md", SubscriptionType::MarketData, &["rain"]),
    ];
    let mut subscriber = trader.subscriber(Stream::Markets, subscriptions).await.unwrap();
    let snapshot = book(&mut subscriber).await;
    assert_eq!(snapshot.market_slug.as_deref(), Some("rain"));
    assert!(snapshot.bids.is_empty() && snapshot.offers.is_empty(), "{snapshot:?}");

    place(&maker, limit("rain", OrderIntent::BuyShort, "0.60", "5")).await;
    let rested = book(&mut subscriber).await;
    assert_eq!(levels(&rested.offers), [("0.60".to_owned(), "5".to_owned())]);
    assert!(rested.bids.is_empty());

    trader.create_order(&market("rain", OrderIntent::BuyLong, "2")).await.unwrap();
    let (id, trade) = payload(&mut subscriber).await;
    let Payload::Trade(trade) = trade else { panic!("expected a trade, got {trade:?}") };
    assert_eq!(id, "trades");
    assert_eq!(trade.market_slug.as_deref(), Some("rain"));
    assert_eq!(trade.price.as_ref().map(|price| price.value.as_str()), Some("0.60"));
    assert_eq!(trade.quantity.as_ref().map(|quantity| quantity.value.as_str()), Some("2"));
    let taker = trade.taker.as_ref().unwrap();
    assert_eq!((taker.side, taker.intent), (Some(OrderSide::Buy), Some(OrderIntent::BuyLong)));
    assert_eq!(trade.maker.as_ref().and_then(|maker| maker.intent), Some(OrderIntent::BuyShort));
    assert!(trade.trade_time.is_some());
    let after = book(&mut subscriber).await;
    assert_eq!(levels(&after.offers), [("0.60".to_owned(), "3".to_owned())]);
    // The frames agree with an HTTP read of the book.
    let read = server.public().book("rain").await.unwrap();
    assert_eq!(levels(&read.offers), levels(&after.offers));
    subscriber.close().await.unwrap();
}

#[tokio::test]
async fn the_private_stream_carries_the_traders_executions_and_balances() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    let subscriptions = vec![
        Subscribe::new("orders", SubscriptionType::Order, &[]),
        Subscribe::new("balances", SubscriptionType::AccountBalance, &[]),
    ];
    let mut subscriber = trader.subscriber(Stream::Private, subscriptions).await.unwrap();
    let (id, snapshot) = payload(&mut subscriber).await;
    let Payload::BalancesSnapshot(snapshot) = snapshot else { panic!("expected balances, got {snapshot:?}") };
    assert_eq!(id, "balances");
    assert_eq!(snapshot.balances, trader.balances().await.unwrap());

    place(&maker, limit("rain", OrderIntent::BuyShort, "0.60", "5")).await;
    let reply = trader.create_order(&market("rain", OrderIntent::BuyLong, "2")).await.unwrap();
    // The trader's order: its executions (ending in the fill), and a balance change.
    let (mut filled, mut balance_changed) = (false, false);
    while !(filled && balance_changed) {
        match payload(&mut subscriber).await {
            (id, Payload::OrderUpdate(update)) => {
                assert_eq!(id, "orders");
                let execution = &update.execution;
                assert_eq!(execution.order.as_ref().and_then(|order| order.id.as_deref()), Some(reply.id.as_str()));
                if execution.execution_type == Some(ExecutionType::Fill) {
                    assert_eq!(execution.last_shares.as_deref(), Some("2"));
                    filled = true;
                }
            }
            (id, Payload::BalancesUpdate(update)) => {
                assert_eq!(id, "balances");
                let change = &update.balance_change;
                assert_eq!(change.entry_type, Some(LedgerEntryType::OrderExecution));
                assert_eq!(change.after_balance.as_ref(), trader.balances().await.unwrap().first());
                balance_changed = true;
            }
            other => panic!("unexpected payload {other:?}"),
        }
    }
    subscriber.close().await.unwrap();
}

#[tokio::test]
async fn a_bad_key_is_refused_with_401_and_the_server_message() {
    let server = TestServer::start().await;
    let stranger = Client::builder()
        .base_url(&server.url)
        .credentials(Credentials::new("00000000-0000-4000-8000-000000000000", OTHER.1).unwrap())
        .build()
        .unwrap();
    for stream in [Stream::Private, Stream::Markets] {
        let error = stranger.connect_stream(stream).await.unwrap_err();
        let api = error.api().unwrap_or_else(|| panic!("{error}"));
        assert_eq!(api.status, 401, "{error}");
        assert!(api.message.contains("unknown API key"), "{error}");
    }
    // An error frame for a bad subscription; the connection stays.
    let mut connection = server.client(TRADER).connect_stream(Stream::Markets).await.unwrap();
    connection.subscribe(&Subscribe::new("bad", SubscriptionType::Trade, &["no-such-market"])).await.unwrap();
    let frame = tokio::time::timeout(Duration::from_secs(10), connection.next()).await.unwrap().unwrap().unwrap();
    let ServerFrame::Error { request_id, .. } = &frame.frame else { panic!("expected an error frame: {}", frame.text) };
    assert_eq!(request_id.as_deref(), Some("bad"));
    connection.subscribe(&Subscribe::new("md", SubscriptionType::MarketData, &["rain"])).await.unwrap();
    let frame = tokio::time::timeout(Duration::from_secs(10), connection.next()).await.unwrap().unwrap().unwrap();
    assert!(matches!(frame.frame, ServerFrame::Data { payload: Payload::MarketData(_), .. }), "{}", frame.text);
    connection.close().await.unwrap();
}

/// A server on a fixed loopback port that can be stopped and started again there.
struct Restartable {
    addr: std::net::SocketAddr,
    config: Config,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Restartable {
    async fn start() -> Restartable {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(&testkit::two_market_config(dir.path(), 0, [MAKER, TRADER, OTHER])).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut server = Restartable { addr, config, stop: None, task: None, _dir: dir };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let server = Server::start(&self.config).unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(stop);
        self.task = Some(tokio::spawn(async move {
            server
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        }));
    }

    async fn stop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap();
    }

    async fn start_again(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    fn client(&self, key: (&str, &str), reconnect: ReconnectPolicy) -> Client {
        Client::builder()
            .base_url(format!("http://{}", self.addr))
            .credentials(Credentials::new(key.0, key.1).unwrap())
            .max_retries(0)
            .reconnect_policy(reconnect)
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn the_subscriber_resubscribes_after_a_server_restart() {
    let mut server = Restartable::start().await;
    let policy = ReconnectPolicy {
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        max_attempts: Some(100),
        ..ReconnectPolicy::default()
    };
    let (maker, trader) = (server.client(MAKER, policy.clone()), server.client(TRADER, policy));
    let mut subscriber = trader
        .subscriber(Stream::Markets, vec![Subscribe::new("md", SubscriptionType::MarketData, &["rain"])])
        .await
        .unwrap();
    assert!(book(&mut subscriber).await.offers.is_empty());

    // The server stops: its streams close with 1001, and nothing listens for a while.
    server.stop().await;
    let Some(Ok(Event::Disconnected { error, attempt: 1, .. })) = subscriber.next().await else {
        panic!("a disconnect")
    };
    assert!(matches!(error, Error::StreamClosed { code: 1001, .. } | Error::Stream { .. }), "{error}");
    let Some(Ok(Event::Disconnected { error, .. })) = subscriber.next().await else { panic!("a refused attempt") };
    assert!(error.is_transport(), "{error}");

    // Started again on the same port and data directory: an order placed meanwhile is in
    // the snapshot the resubscription brings.
    server.start_again().await;
    place(&maker, limit("rain", OrderIntent::BuyShort, "0.70", "4")).await;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), subscriber.next()).await.unwrap().unwrap().unwrap() {
            Event::Reconnected { attempts } => {
                assert!(attempts >= 2, "{attempts}");
                break;
            }
            Event::Disconnected { error, .. } => assert!(error.is_transport(), "{error}"),
            Event::Frame(frame) => panic!("a frame while disconnected: {}", frame.text),
        }
    }
    let snapshot = book(&mut subscriber).await;
    assert_eq!(levels(&snapshot.offers), [("0.70".to_owned(), "4".to_owned())]);
    subscriber.close().await.unwrap();
    server.stop().await;
}
