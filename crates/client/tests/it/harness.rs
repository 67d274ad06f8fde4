//! A pmx server started in-process on 127.0.0.1:0 over a temporary data directory, and
//! clients for the accounts of its config.
//!
//! The config (`Config::parse`) has two open markets, `rain` (whole contracts) and `btc`
//! (hundredths), and three funded accounts with fixed keys: `maker` ($100,000), `trader` and
//! `other` ($1,000 each). Clients are built with no retries unless a test asks for them, so
//! an error reaches the test at once.

use client::protocol::{CreateOrderRequest, JsonNumber, OrderIntent, OrderState, OrderType, PositionsQuery};
use client::{Client, Credentials};
use server::{Config, Server};

pub(crate) const MAKER: (&str, &str) =
    ("0d3f5a1c-2b4e-4c6d-8e9f-0a1b2c3d4e01", "ERERERERERERERERERERERERERERERERERERERERERE=");
pub(crate) const TRADER: (&str, &str) =
    ("1e4a6b2d-3c5f-4d7e-9fa0-1b2c3d4e5f02", "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=");
pub(crate) const OTHER: (&str, &str) =
    ("2f5b7c3e-4d6a-4e8f-a0b1-2c3d4e5f6a03", "MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=");

/// A running server; stopped when dropped.
pub(crate) struct TestServer {
    pub(crate) url: String,
    _serving: testkit::Serving,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// No rate limit.
    pub(crate) async fn start() -> TestServer {
        TestServer::start_limited(0).await
    }

    /// `requests_per_second` per key and per IP (0 = none).
    pub(crate) async fn start_limited(requests_per_second: u32) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let config =
            Config::parse(&testkit::two_market_config(dir.path(), requests_per_second, [MAKER, TRADER, OTHER]))
                .unwrap();
        let serving = testkit::Serving::spawn(Server::start(&config).unwrap()).await;
        TestServer { url: serving.url(), _serving: serving, _dir: dir }
    }

    /// A client signing with `key`, without retries.
    pub(crate) fn client(&self, key: (&str, &str)) -> Client {
        Client::builder()
            .base_url(&self.url)
            .credentials(Credentials::new(key.0, key.1).unwrap())
            .max_retries(0)
            .build()
            .unwrap()
    }

    /// A client without credentials (public market data only).
    pub(crate) fn public(&self) -> Client {
        Client::builder().base_url(&self.url).max_retries(0).build().unwrap()
    }
}

pub(crate) use testkit::closed_port_url;

pub(crate) use testkit::limit_order as limit;

/// A market order, waiting for its outcome.
pub(crate) fn market(slug: &str, intent: OrderIntent, quantity: &str) -> CreateOrderRequest {
    CreateOrderRequest {
        market_slug: slug.into(),
        order_type: Some(OrderType::Market),
        quantity: Some(JsonNumber::parse(quantity).unwrap()),
        intent: Some(intent),
        synchronous_execution: Some(true),
        ..CreateOrderRequest::default()
    }
}

/// Places an order and checks the exchange took it (not rejected); returns its id.
pub(crate) async fn place(client: &Client, order: CreateOrderRequest) -> String {
    let id = client.create_order(&order).await.unwrap().id;
    let state = client.order(&id).await.unwrap().state;
    assert_ne!(state, Some(OrderState::Rejected), "order {id} was rejected");
    id
}

/// `client`'s net position in `slug` (`None` without one).
pub(crate) async fn net_position(client: &Client, slug: &str) -> Option<String> {
    let query = PositionsQuery { market: Some(slug.into()), ..PositionsQuery::default() };
    let reply = client.positions(&query).await.unwrap();
    reply.positions.get(slug).and_then(|position| position.net_position_decimal.clone())
}

/// Gives `trader` a long (`BuyLong`) or short (`BuyShort`) of `quantity` in `slug`, bought
/// from `maker`'s resting order at 0.60 (long) or 0.40 (short).
pub(crate) async fn open_position(maker: &Client, trader: &Client, slug: &str, intent: OrderIntent, quantity: &str) {
    let (maker_intent, price) = match intent {
        OrderIntent::BuyLong => (OrderIntent::BuyShort, "0.60"),
        _ => (OrderIntent::BuyLong, "0.40"),
    };
    place(maker, limit(slug, maker_intent, price, quantity)).await;
    let reply = trader.create_order(&market(slug, intent, quantity)).await.unwrap();
    let last = reply.executions.last().and_then(|execution| execution.order.as_ref()).and_then(|order| order.state);
    assert_eq!(last, Some(OrderState::Filled), "opening trade: {reply:?}");
}
