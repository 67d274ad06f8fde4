//! Test support shared by the integration tests of `server`, `client` and `cli`: what every
//! one of them needs to put a real pmx in front of its client.
//!
//! - `Serving`: a started `server::Server` answering on 127.0.0.1:0 until stopped or dropped.
//! - `account_toml`: one `[[accounts]]` table of the config file, with its key's public half
//!   derived from the secret.
//! - `closed_port_url`: a loopback URL nothing listens on, for "server unreachable" tests.
//! - `limit_order`: a good-till-cancel limit order request, for setting up books.
//! - `two_market_config`: the config file the client and CLI tests share (two markets, three
//!   funded accounts, the caller's keys and rate limit).
//!
//! Each crate's harness keeps its own keys and its own client.

use std::net::SocketAddr;

use server::Server;

/// A server answering HTTP on a loopback port.
pub struct Serving {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Serving {
    /// Serves `server` on 127.0.0.1:0 (call from inside a Tokio runtime).
    pub async fn spawn(server: Server) -> Serving {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .serve(listener, async move {
                    let _ = stopped.await;
                })
                .await
                .expect("the server serves until stopped");
        });
        Serving { addr, stop: Some(stop), task: Some(task) }
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server cleanly (in-flight work finishes, the journal is closed) and waits.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("the server task ends cleanly");
        }
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The config the client and CLI tests share: data in `data_dir`, `requests_per_second` per
/// key (0: unlimited), a 2 s blocking limit, two open markets (`rain` in whole contracts,
/// `btc` in hundredths, tick $0.01), and three accounts with one key each, `keys` as
/// `(key_id, secret)`: `maker` ($100,000), `trader` and `other` ($1,000 each).
pub fn two_market_config(data_dir: &std::path::Path, requests_per_second: u32, keys: [(&str, &str); 3]) -> String {
    let mut text = format!(
        "data_dir = \"{}\"\n[limits]\nrequests_per_second_per_key = {requests_per_second}\nmax_block_time_s = 2\n",
        data_dir.display()
    );
    for (slug, title, min_qty) in [("rain", "Will it rain?", "1"), ("btc", "Will BTC rise?", "0.01")] {
        text.push_str(&format!(
            "[[markets]]\nslug = \"{slug}\"\ntitle = \"{title}\"\nevent_slug = \"{slug}-event\"\ntick_size = \"0.01\"\nmin_trade_qty = \"{min_qty}\"\n"
        ));
    }
    for ((name, cash), (key_id, secret)) in
        [("maker", "100000"), ("trader", "1000"), ("other", "1000")].into_iter().zip(keys)
    {
        text.push_str(&account_toml(name, cash, key_id, secret));
    }
    text
}

/// One `[[accounts]]` table with its opening cash and one key (`secret`: base64 seed).
pub fn account_toml(name: &str, cash: &str, key_id: &str, secret: &str) -> String {
    let public = protocol::encode_base64(&protocol::public_key(secret).expect("a valid test secret"));
    format!(
        "[[accounts]]\nid = \"{name}\"\ncash = \"{cash}\"\n[[accounts.keys]]\nkey_id = \"{key_id}\"\npublic_key = \"{public}\"\n"
    )
}

/// The URL of a loopback port nothing listens on (bound, then closed).
pub async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    format!("http://{addr}")
}

/// A good-till-cancel limit order request for `quantity` at `price` (decimal text), for
/// setting up books.
pub fn limit_order(
    slug: &str,
    intent: protocol::OrderIntent,
    price: &str,
    quantity: &str,
) -> protocol::CreateOrderRequest {
    protocol::CreateOrderRequest {
        market_slug: slug.into(),
        order_type: Some(protocol::OrderType::Limit),
        price: Some(protocol::Amount::usd(price)),
        quantity: Some(protocol::JsonNumber::parse(quantity).expect("a decimal quantity")),
        tif: Some(protocol::TimeInForce::GoodTillCancel),
        intent: Some(intent),
        ..protocol::CreateOrderRequest::default()
    }
}
