//! A real server on 127.0.0.1:0 over a temporary data directory, and a signing HTTP client.
//!
//! `TestServer::start(config)` starts pmx exactly as `pmx serve` does (recovery, seeding,
//! sequencer, router) and `restart()` stops it cleanly and starts it again on the same data
//! directory. `operate(ops)` does what an operator would (halt, settle): it stops the server,
//! journals the engine commands and restarts, so they are replayed like any other command.
//! `Trader` signs requests like the official SDKs (timestamp + METHOD + path); `view()` is
//! everything a trader can read, for "a refused request changed nothing" checks. `limit` and
//! `market` build order bodies.

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::{Value, json};
use server::{Config, Server};

/// Key pairs used by the tests (fixed, so configs can name them).
pub(crate) const MAKER_KEY: &str = "7d1c5a36-8b1e-4b8e-9a61-0b4a3f1e2c01";
pub(crate) const TRADER_KEY: &str = "5f2e6b47-9c2f-4c9f-8b72-1c5b4e2f3d02";
pub(crate) const OTHER_KEY: &str = "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c03";
/// 32-byte seeds, base64.
pub(crate) const MAKER_SECRET: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
pub(crate) const TRADER_SECRET: &str = "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";
pub(crate) const OTHER_SECRET: &str = "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=";

/// A config with two open markets (whole and partial contracts), one halted market, and three
/// funded accounts: `maker` ($100,000), `trader` ($1,000) and `other` ($1,000).
pub(crate) fn config_text(data_dir: &std::path::Path) -> String {
    let accounts = [
        ("maker", "100000", MAKER_KEY, MAKER_SECRET),
        ("trader", "1000", TRADER_KEY, TRADER_SECRET),
        ("other", "1000", OTHER_KEY, OTHER_SECRET),
    ]
    .into_iter()
    .map(|(name, cash, key_id, secret)| testkit::account_toml(name, cash, key_id, secret))
    .collect::<String>();
    format!(
        r#"
data_dir = "{data_dir}"
[limits]
requests_per_second_per_key = 0
max_block_time_s = 1

[[markets]]
slug = "rain"
title = "Will it rain?"
event_slug = "weather"
tick_size = "0.01"
min_trade_qty = "1"

[[markets]]
slug = "btc"
title = "Will BTC rise?"
event_slug = "crypto"
tick_size = "0.01"
min_trade_qty = "0.01"

[[markets]]
slug = "halted"
title = "A halted market"
state = "halted"

{accounts}"#,
        data_dir = data_dir.display(),
    )
}

/// An HTTP client. Built with the workspace's features, reqwest has rustls without a crypto
/// provider (the `client` crate chooses `ring`), so one is installed first.
pub(crate) fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// A running server.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) config: Config,
    serving: testkit::Serving,
    _dir: Option<tempfile::TempDir>,
    /// One connection pool for every request to this server.
    client: reqwest::Client,
}

impl TestServer {
    /// The standard config on a fresh data directory.
    pub(crate) async fn start() -> TestServer {
        TestServer::start_edited(|text| text).await
    }

    /// The standard config, edited (e.g. another `[limits]` value), on a fresh data directory.
    pub(crate) async fn start_edited(edit: impl FnOnce(String) -> String) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(&edit(config_text(dir.path()))).unwrap();
        let mut server = TestServer::with_config(config).await;
        server._dir = Some(dir);
        server
    }

    /// Any config (its data directory must outlive the server).
    pub(crate) async fn with_config(config: Config) -> TestServer {
        TestServer::serving(Server::start(&config).unwrap(), config).await
    }

    /// The standard config with the journal in `storage` (a fault-injecting store); the
    /// returned directory holds the rest of the data directory.
    pub(crate) async fn with_storage(storage: server::JournalStorage) -> (TestServer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::parse(&config_text(dir.path())).unwrap();
        let server = Server::start_with_storage(&config, storage).unwrap();
        (TestServer::serving(server, config).await, dir)
    }

    async fn serving(server: Server, config: Config) -> TestServer {
        let serving = testkit::Serving::spawn(server).await;
        TestServer { addr: serving.addr, config, serving, _dir: None, client: http_client() }
    }

    /// Stops the server cleanly (in-flight work finishes, the journal is closed).
    pub(crate) async fn stop(&mut self) {
        self.serving.stop().await;
    }

    /// Stops and starts again on the same data directory.
    pub(crate) async fn restart(&mut self) {
        self.stop().await;
        let dir = self._dir.take();
        let mut next = TestServer::with_config(self.config.clone()).await;
        next._dir = dir;
        *self = next;
    }

    /// Journals engine commands as an operator would (there is no admin endpoint): stops the
    /// server, appends `ops` to its journal, and starts it again, which replays them.
    pub(crate) async fn operate(&mut self, ops: Vec<engine::Op>) {
        self.stop().await;
        let (mut journal, _) =
            journal::Journal::open_dir(&self.config.data_dir, |_, _| Ok::<(), std::convert::Infallible>(())).unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let ts = types::Timestamp(i64::try_from(now).unwrap());
        let first = journal.next_seq().get();
        let entries: Vec<_> = (first..)
            .zip(ops)
            .map(|(seq, op)| {
                (types::Seq(seq), journal::Entry::Command(engine::Command { seq: types::Seq(seq), ts, op }))
            })
            .collect();
        journal.append(&entries).unwrap();
        drop(journal);
        self.restart().await;
    }

    /// The engine id of a market, from its public JSON.
    pub(crate) async fn market_id(&self, slug: &str) -> types::MarketId {
        let market = self.public(Method::GET, &format!("/v1/market/slug/{slug}")).await.ok();
        types::MarketId(market["market"]["id"].as_str().unwrap().parse().unwrap())
    }

    /// Everything `trader` can read (orders, positions, activities, balances) and the public
    /// books, to check that a refused request changed nothing.
    pub(crate) async fn view(&self, trader: &Trader) -> Vec<Value> {
        let mut seen = vec![
            trader.get("/v1/orders/open").await.ok(),
            trader.get("/v1/portfolio/positions").await.ok(),
            trader.get("/v1/portfolio/activities").await.ok(),
            trader.get("/v1/account/balances").await.ok(),
        ];
        for slug in ["rain", "btc"] {
            let mut book = self.public(Method::GET, &format!("/v1/markets/{slug}/book")).await.ok();
            book["marketData"].as_object_mut().unwrap().remove("transactTime");
            seen.push(book);
        }
        seen
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn maker(&self) -> Trader {
        Trader::new(self, MAKER_KEY, MAKER_SECRET)
    }
    pub(crate) fn trader(&self) -> Trader {
        Trader::new(self, TRADER_KEY, TRADER_SECRET)
    }
    pub(crate) fn other(&self) -> Trader {
        Trader::new(self, OTHER_KEY, OTHER_SECRET)
    }

    /// An unauthenticated request (public paths, or auth failures).
    pub(crate) async fn public(&self, method: Method, path: &str) -> Reply {
        let response = self.client.request(method, self.url(path)).send().await.unwrap();
        Reply::read(response).await
    }

    /// A raw request with any headers and body.
    pub(crate) async fn raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        Reply::read(request.send().await.unwrap()).await
    }
}

/// A status and a JSON body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) headers: reqwest::header::HeaderMap,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("status {status}: body is not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        Reply { status, body, headers }
    }

    /// Asserts the status, returning the body.
    #[track_caller]
    pub(crate) fn ok(self) -> Value {
        assert_eq!(self.status, 200, "body: {}", self.body);
        self.body
    }

    /// Asserts an error status and the envelope, returning the message.
    #[track_caller]
    pub(crate) fn error(self, status: u16) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert!(self.body["code"].is_i64(), "no grpc code in {}", self.body);
        assert!(self.body["details"].is_array(), "no details in {}", self.body);
        self.body["message"].as_str().unwrap_or_else(|| panic!("no message in {}", self.body)).to_owned()
    }
}

/// A signing client for one key.
pub(crate) struct Trader {
    base: String,
    key_id: String,
    secret: String,
    client: reqwest::Client,
}

impl Trader {
    pub(crate) fn new(server: &TestServer, key_id: &str, secret: &str) -> Trader {
        Trader { base: server.url(""), key_id: key_id.into(), secret: secret.into(), client: server.client.clone() }
    }

    /// Signed headers for `method` and `path` (query excluded) now.
    pub(crate) fn headers(&self, method: &str, path: &str) -> Vec<(&'static str, String)> {
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis().to_string();
        let path = path.split('?').next().unwrap();
        let signature = protocol::sign(&self.secret, &protocol::signing_message(&ts, method, path)).unwrap();
        vec![("X-PM-Access-Key", self.key_id.clone()), ("X-PM-Timestamp", ts), ("X-PM-Signature", signature)]
    }

    pub(crate) async fn request(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.base));
        for (name, value) in self.headers(method.as_str(), path) {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::read(request.send().await.unwrap()).await
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(body)).await
    }

    /// A signed POST with any bytes as the body.
    pub(crate) async fn post_bytes(&self, path: &str, body: impl Into<Vec<u8>>) -> Reply {
        let mut request = self.client.post(format!("{}{path}", self.base)).header("content-type", "application/json");
        for (name, value) in self.headers("POST", path) {
            request = request.header(name, value);
        }
        Reply::read(request.body(body.into()).send().await.unwrap()).await
    }

    /// Places an order (HTTP 200 asserted), returning its id.
    pub(crate) async fn place(&self, order: Value) -> String {
        let reply = self.post("/v1/orders", order).await.ok();
        reply["id"].as_str().unwrap_or_else(|| panic!("no id in {reply}")).to_owned()
    }

    /// One of this account's orders, in any state.
    pub(crate) async fn order(&self, id: &str) -> Value {
        self.get(&format!("/v1/order/{id}")).await.ok()["order"].clone()
    }

    /// This account's open orders.
    pub(crate) async fn open_orders(&self) -> Vec<Value> {
        self.get("/v1/orders/open").await.ok()["orders"].as_array().unwrap().clone()
    }

    /// This account's USD balance entry.
    pub(crate) async fn balance(&self) -> Value {
        self.get("/v1/account/balances").await.ok()["balances"][0].clone()
    }

    /// This account's position in one market (`Null` when it has none).
    pub(crate) async fn position(&self, slug: &str) -> Value {
        self.get(&format!("/v1/portfolio/positions?market={slug}")).await.ok()["positions"][slug].clone()
    }
}

/// A good-till-cancel limit order body.
pub(crate) fn limit(slug: &str, intent: &str, price: &str, quantity: impl Into<Value>) -> Value {
    json!({"marketSlug": slug, "type": "ORDER_TYPE_LIMIT", "price": {"value": price, "currency": "USD"},
           "quantity": quantity.into(), "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL", "intent": intent})
}

/// A market order body.
pub(crate) fn market(slug: &str, intent: &str, quantity: impl Into<Value>) -> Value {
    json!({"marketSlug": slug, "type": "ORDER_TYPE_MARKET", "quantity": quantity.into(), "intent": intent})
}
