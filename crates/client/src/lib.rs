//! A typed async client for the Polymarket US HTTP API, and for pmx, which speaks it.
//!
//! One `Client` talks to both hosts: the public gateway (market data) and the signed api
//! (orders, portfolio, account). Point both at one pmx server with `base_url`, or keep the
//! defaults (`https://api.polymarket.us`, `https://gateway.polymarket.us`). Every request and
//! reply is a `protocol` type (re-exported as `client::protocol`).
//!
//! - Signing: `api` calls carry `X-PM-Access-Key`, `X-PM-Timestamp` (Unix ms) and
//!   `X-PM-Signature`, the Ed25519 signature of `timestamp + METHOD + path` (no query, body
//!   not signed), made with a 32- or 64-byte base64 secret (`Credentials`).
//! - Errors: `Error::Api` carries the HTTP status, the server's message and the
//!   `poly-correlation-id`; a fresh UUID v4 is sent with each call and kept across retries.
//!   `Error::Transport` means no reply at all.
//! - Retries: GET only, on 408, 429, 5xx and transport errors, with exponential backoff and
//!   jitter, honouring `Retry-After` (capped); POST is never retried. `max_retries` defaults
//!   to 2 (`RetryPolicy`).
//! - Raw replies: `Client::send` runs a `Call` (one constructor per endpoint) and returns
//!   the body as the server sent it, for callers that want the JSON itself.
//! - Streams: `Client::connect_stream` opens one signed WebSocket (`StreamConnection`);
//!   `Client::subscriber` keeps a set of subscriptions across dropped connections
//!   (`Subscriber`, reconnecting with backoff and resubscribing, `Event::Reconnected` marking
//!   the gap).
//!
//! Closing a position, with a 2 % worst-price bound, waiting for the fills:
//!
//! ```no_run
//! use client::protocol::{ClosePositionOrderRequest, ExecutionType, SlippageTolerance};
//! use client::{Client, Credentials};
//!
//! # async fn close() -> Result<(), client::Error> {
//! let credentials = Credentials::from_file("pmx-data/demo-credentials.json")?;
//! let client = Client::builder().base_url("http://127.0.0.1:8080").credentials(credentials).build()?;
//!
//! let reply = client
//!     .close_position(&ClosePositionOrderRequest {
//!         market_slug: "nyc-rain-2026-12-01".into(),
//!         synchronous_execution: Some(true),
//!         slippage_tolerance: Some(SlippageTolerance { bips: Some(200), ..SlippageTolerance::default() }),
//!         ..ClosePositionOrderRequest::default()
//!     })
//!     .await?;
//! for execution in &reply.executions {
//!     if execution.execution_type == Some(ExecutionType::Fill) {
//!         println!("filled at {:?}", execution.last_px.as_ref().map(|px| &px.value));
//!     }
//! }
//! let order = client.order(&reply.id).await?;
//! println!("close order {} is {:?}", reply.id, order.state);
//! # Ok(())
//! # }
//! # fn main() {}
//! ```
//!
//! Parts:
//! - `client`: `Client`, `ClientBuilder`, `RawResponse`, and `send` (signing, correlation id,
//!   retries).
//! - `methods`: the typed method of every endpoint, and `Health`.
//! - `call`: `Call`, an endpoint request as data; the only place that knows the paths.
//! - `credentials`: `Credentials` from values, a JSON file or the environment.
//! - `retry`: `RetryPolicy` and the backoff rule.
//! - `stream`: `StreamConnection`, `Frame`, `Subscriber`, `Event`, `ReconnectPolicy`.
//! - `error`: `Error`, `ApiError`, `ErrorKind`.
//!
//! Architecture invariant: no floating point; numbers stay the exact decimal text of the wire.

mod call;
mod client;
mod credentials;
mod error;
mod methods;
mod retry;
mod stream;

pub use protocol;

pub use crate::call::{Call, Host, Method};
pub use crate::client::{Client, ClientBuilder, DEFAULT_API_URL, DEFAULT_GATEWAY_URL, DEFAULT_TIMEOUT, RawResponse};
pub use crate::credentials::{Credentials, CredentialsError, ENV_KEY_PAIRS};
pub use crate::error::{ApiError, Error, ErrorKind};
pub use crate::methods::Health;
pub use crate::retry::RetryPolicy;
pub use crate::stream::{Event, Frame, MESSAGE_BYTES_MAX, ReconnectPolicy, StreamConnection, Subscriber};
