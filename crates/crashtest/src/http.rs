//! A loopback HTTP client that signs requests like the official SDKs: Ed25519 over
//! `timestamp + METHOD + path` with `protocol::sign`, in the `X-PM-*` headers.
//!
//! A reply is only a reply when its status line and its whole body arrived: a connection
//! refused or reset, a timeout, or a body cut off by the kill is `Err` (not acknowledged).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::Value;

/// Longest wait for one reply; a server that stops answering is killed anyway.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// An API key: id and base64 secret seed.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) key_id: String,
    pub(crate) secret: String,
}

/// A complete reply: status and JSON body (`Null` when empty).
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

/// One server's base URL and a connection pool.
#[derive(Clone)]
pub(crate) struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    pub(crate) fn new(addr: SocketAddr) -> Result<Api, String> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| format!("building the HTTP client: {error}"))?;
        Ok(Api { base: format!("http://{addr}"), client })
    }

    /// A signed request; `body` is JSON text.
    pub(crate) async fn signed(
        &self,
        key: &Key,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Reply, String> {
        let millis = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|error| error.to_string())?.as_millis();
        let timestamp = millis.to_string();
        let message = protocol::signing_message(&timestamp, method.as_str(), path);
        let signature = protocol::sign(&key.secret, &message).map_err(|error| format!("signing: {error}"))?;
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header(protocol::HEADER_ACCESS_KEY, &key.key_id)
            .header(protocol::HEADER_TIMESTAMP, timestamp)
            .header(protocol::HEADER_SIGNATURE, signature);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        Reply::read(request.send().await).await
    }

    /// An unsigned GET (public paths).
    pub(crate) async fn get(&self, path: &str) -> Result<Reply, String> {
        Reply::read(self.client.get(format!("{}{path}", self.base)).send().await).await
    }
}

impl Reply {
    async fn read(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Reply, String> {
        let response = sent.map_err(|error| format!("no reply: {}", chain(&error)))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|error| format!("reply {status} cut off: {}", chain(&error)))?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|error| format!("reply {status} is not JSON ({error}): {}", String::from_utf8_lossy(&bytes)))?
        };
        Ok(Reply { status, body })
    }

    /// The body of a 200, or an error naming what was asked.
    pub(crate) fn ok(self, what: &str) -> Result<Value, String> {
        if self.status == 200 { Ok(self.body) } else { Err(format!("{what}: HTTP {} {}", self.status, self.body)) }
    }
}

/// Installs rustls' `ring` provider if none is: reqwest may be built with rustls but no
/// provider (feature unification with the `client` crate), and then refuses to build a client.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one in between; either way one is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// An error with its sources, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
