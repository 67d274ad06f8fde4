//! `Client` and `ClientBuilder`: base URLs, credentials, timeouts, and `send`, which runs one
//! `Call` with signing, a correlation id and retries.
//!
//! Every call gets a fresh UUID v4 `poly-correlation-id`, kept across its retries, so the
//! server's logs tie the attempts together. Each attempt is signed anew (a fresh timestamp),
//! as the official SDKs do. A base URL is an origin such as `http://127.0.0.1:8080`; a
//! trailing `/` is dropped, and a path prefix is kept in the URL but not signed (the signature
//! covers the API path only, as in the Python SDK).

use std::sync::Arc;
use std::time::Duration;

use protocol::HEADER_CORRELATION_ID;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::call::{Body, Call, Host, Method};
use crate::credentials::Credentials;
use crate::error::{ApiError, Error};
use crate::retry::{self, RetryPolicy};
use crate::stream::ReconnectPolicy;

/// The real signed API host.
pub const DEFAULT_API_URL: &str = "https://api.polymarket.us";
/// The real public market-data host.
pub const DEFAULT_GATEWAY_URL: &str = "https://gateway.polymarket.us";
/// Default timeout of one attempt (the SDKs' 30 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of the Polymarket US API (or of pmx). Cheap to clone: clones share connections.
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    api_url: String,
    gateway_url: String,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    pub(crate) reconnect: ReconnectPolicy,
    /// The TLS configuration of this client, shared by its HTTP calls and its streams.
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) timeout: Duration,
    pub(crate) user_agent: String,
}

/// Settings of a `Client`.
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    api_url: String,
    gateway_url: String,
    credentials: Option<Credentials>,
    retry: RetryPolicy,
    reconnect: ReconnectPolicy,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            api_url: DEFAULT_API_URL.to_owned(),
            gateway_url: DEFAULT_GATEWAY_URL.to_owned(),
            credentials: None,
            retry: RetryPolicy::default(),
            reconnect: ReconnectPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("pmx-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl ClientBuilder {
    /// One origin for both hosts (a pmx server serves both): `http://127.0.0.1:8080`.
    pub fn base_url(mut self, url: impl Into<String>) -> ClientBuilder {
        let url = url.into();
        self.gateway_url.clone_from(&url);
        self.api_url = url;
        self
    }

    /// The signed API host (default `https://api.polymarket.us`).
    pub fn api_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.api_url = url.into();
        self
    }

    /// The public gateway host (default `https://gateway.polymarket.us`).
    pub fn gateway_url(mut self, url: impl Into<String>) -> ClientBuilder {
        self.gateway_url = url.into();
        self
    }

    /// The API key used to sign `api` host calls.
    pub fn credentials(mut self, credentials: Credentials) -> ClientBuilder {
        self.credentials = Some(credentials);
        self
    }

    /// Optional credentials (public market data needs none).
    pub fn maybe_credentials(mut self, credentials: Option<Credentials>) -> ClientBuilder {
        self.credentials = credentials;
        self
    }

    /// Retries of an idempotent call after the first attempt (default 2; 0 = none).
    pub fn max_retries(mut self, max_retries: u32) -> ClientBuilder {
        self.retry.max_retries = max_retries;
        self
    }

    /// Every retry setting at once.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> ClientBuilder {
        self.retry = retry;
        self
    }

    /// How a `Subscriber` reconnects a dropped stream (see `ReconnectPolicy`).
    pub fn reconnect_policy(mut self, reconnect: ReconnectPolicy) -> ClientBuilder {
        self.reconnect = reconnect;
        self
    }

    /// Timeout of one attempt, connection included (default 30 s); for a stream, of its
    /// upgrade.
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Timeout of establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the URLs and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let api_url = normalize_base(&self.api_url)?;
        let gateway_url = normalize_base(&self.gateway_url)?;
        let tls = tls_config()?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls.clone())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(&self.user_agent)
            .build()
            .map_err(|error| Error::Build(innermost(&error)))?;
        Ok(Client {
            http,
            api_url,
            gateway_url,
            credentials: self.credentials,
            retry: self.retry,
            reconnect: self.reconnect,
            tls: Arc::new(tls),
            timeout: self.timeout,
            user_agent: self.user_agent,
        })
    }
}

/// TLS is rustls with the `ring` provider, handed to this client alone: the process-wide
/// default provider is left as the program set it (or unset). Certificates are checked by the
/// platform's verifier, as reqwest does by default. Built once per client and used by its
/// HTTP calls and its streams alike.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let build = |error: rustls::Error| Error::Build(format!("TLS configuration: {error}"));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(build)?
        .with_platform_verifier()
        .map_err(build)?
        .with_no_client_auth();
    Ok(config)
}

/// An absolute http(s) URL without query or fragment, with no trailing `/`.
fn normalize_base(url: &str) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidUrl { url: url.to_owned(), reason: reason.to_owned() };
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|error| invalid(&error.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(trimmed.to_owned())
}

/// The message of an error's innermost cause (`Connection refused (os error 111)` rather
/// than `error sending request`).
pub(crate) fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

/// A 2xx reply, as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The reply's `poly-correlation-id` (else the one sent).
    pub correlation_id: String,
    /// The body text (`{}` for an empty body, as the SDKs read it).
    pub body: String,
    url: String,
}

impl RawResponse {
    /// Decodes the body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_str(&self.body).map_err(|error| Error::Decode {
            url: self.url.clone(),
            status: self.status,
            reason: error.to_string(),
            correlation_id: self.correlation_id.clone(),
        })
    }
}

/// One attempt's outcome.
enum Attempt {
    Done(RawResponse),
    Failed { error: Error, retryable: bool, retry_after: Option<Duration> },
}

impl Client {
    /// A builder with the defaults: the real hosts, no credentials, 2 retries, 30 s timeout.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client of the real hosts.
    pub fn new(credentials: Option<Credentials>) -> Result<Client, Error> {
        Client::builder().maybe_credentials(credentials).build()
    }

    /// The signed API base URL.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The public gateway base URL.
    pub fn gateway_url(&self) -> &str {
        &self.gateway_url
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The retry settings.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Runs `call`: signs it when its host needs it, retries it when it is idempotent and
    /// the failure is transient, and returns the 2xx reply as received.
    pub async fn send(&self, call: &Call) -> Result<RawResponse, Error> {
        let credentials = match (call.is_signed(), &self.credentials) {
            (true, None) => return Err(Error::MissingCredentials),
            (true, Some(credentials)) => Some(credentials),
            (false, _) => None,
        };
        let body = match call.body() {
            Body::None => None,
            Body::Json(bytes) => Some(bytes.clone()),
            Body::Invalid(reason) => return Err(Error::Encode(reason.clone())),
        };
        let base = match call.host() {
            Host::Api => &self.api_url,
            Host::Gateway => &self.gateway_url,
        };
        let mut url = reqwest::Url::parse(&format!("{base}{}", call.path()))
            .map_err(|error| Error::InvalidUrl { url: base.clone(), reason: error.to_string() })?;
        if !call.query().is_empty() {
            url.query_pairs_mut().extend_pairs(call.query());
        }
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let retries = if call.method().is_idempotent() { self.retry.max_retries } else { 0 };
        let mut retry = 0;
        loop {
            let attempt = self.attempt(call, &url, base, body.as_ref(), credentials, &correlation_id).await;
            match attempt {
                Attempt::Done(response) => return Ok(response),
                Attempt::Failed { error, retryable, retry_after } => {
                    if !retryable || retry >= retries {
                        return Err(error);
                    }
                    tokio::time::sleep(self.retry.delay(retry, retry_after, retry::random())).await;
                    retry += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        url: &reqwest::Url,
        base: &str,
        body: Option<&Vec<u8>>,
        credentials: Option<&Credentials>,
        correlation_id: &str,
    ) -> Attempt {
        let method = match call.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut request = self.http.request(method, url.clone()).header(HEADER_CORRELATION_ID, correlation_id);
        if let Some(credentials) = credentials {
            for (name, value) in credentials.headers(call.method().as_str(), call.path()) {
                request = request.header(name, value);
            }
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let transport = |error: reqwest::Error| Attempt::Failed {
            retryable: true,
            retry_after: None,
            error: Error::Transport {
                url: base.to_owned(),
                timed_out: error.is_timeout(),
                reason: if error.is_timeout() { "the request timed out".to_owned() } else { innermost(&error) },
                correlation_id: correlation_id.to_owned(),
            },
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return transport(error),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return transport(error),
        };
        let reply_id = header_text(&headers, HEADER_CORRELATION_ID).unwrap_or_else(|| correlation_id.to_owned());
        if status.is_success() {
            let body = if text.trim().is_empty() { "{}".to_owned() } else { text };
            return Attempt::Done(RawResponse {
                status: status.as_u16(),
                correlation_id: reply_id,
                body,
                url: base.to_owned(),
            });
        }
        let retry_after = header_text(&headers, RETRY_AFTER.as_str())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let reason = status.canonical_reason().unwrap_or_default();
        let error = ApiError::from_reply(status.as_u16(), reason, reply_id, retry_after, &text);
        Attempt::Failed {
            error: Error::Api(error),
            retryable: retry::is_retryable_status(status.as_u16()),
            retry_after,
        }
    }

    /// Runs `call` and decodes its reply.
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        self.send(&call).await?.json()
    }
}

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client brings its own TLS provider: building one (for https) leaves the process-wide
    /// default unset, so a program stays free to install its own.
    #[test]
    fn building_a_client_sets_no_process_wide_tls_provider() {
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let client = Client::builder().api_url("https://api.polymarket.us").build();
        assert!(client.is_ok(), "{:?}", client.err());
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(normalize_base("http://127.0.0.1:8080/").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(normalize_base(" https://api.polymarket.us ").unwrap(), "https://api.polymarket.us");
        for bad in ["127.0.0.1:8080", "ftp://x", "http://x/?a=1", "not a url", ""] {
            assert!(matches!(normalize_base(bad), Err(Error::InvalidUrl { .. })), "{bad}");
        }
    }

    #[tokio::test]
    async fn signed_calls_need_credentials_and_send_nothing_without() {
        let client = Client::builder().base_url("http://127.0.0.1:9").build().unwrap();
        let error = client.send(&Call::balances()).await.unwrap_err();
        assert!(matches!(error, Error::MissingCredentials), "{error}");
    }
}
