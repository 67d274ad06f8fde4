//! The pmx HTTP gateway: the Polymarket US API in front of the engine.
//!
//! `Server::start(config)` opens the data directory, replays the journal, seeds the config's
//! markets, accounts and keys (or the demo), and starts the sequencer thread;
//! `Server::serve(listener, shutdown)` answers HTTP until `shutdown` resolves, then finishes
//! in-flight work and closes the journal. `app(state)` is the plain router, for tests.
//!
//! Parts:
//! - `config`: the TOML config file and its validation.
//! - `sequencer`: the thread that owns engine, history and journal: batch loop and group
//!   commit, core, waiters, snapshots, replay.
//! - `history`: finished orders, executions and activities, derived from events.
//! - `auth`: API keys and the `Authed` extractor (Ed25519 signed headers).
//! - `ratelimit`: token buckets per key and per IP.
//! - `error`: `ApiError`, the JSON error envelope, the body extractor and size limit.
//! - `wire`: conversions between engine values and protocol DTOs, one module per API group,
//!   and request parsing with a typed `RequestError`.
//! - `routes`: the handlers, by API group (orders, portfolio, account, markets).
//! - `streams`: the WebSocket streams: the sequencer's tap, the fan-out thread, connections.
//! - `seed`: config seeding and the demo.
//! - `clock`: the wall clock (the only place it is read).

mod auth;
mod clock;
mod config;
mod error;
#[cfg(test)]
mod fixtures;
mod history;
mod ratelimit;
mod routes;
mod seed;
mod sequencer;
mod streams;
mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;

use crate::auth::Keys;
pub use crate::config::{Config, ConfigError};
use crate::error::{ApiError, BODY_BYTES_MAX};
use crate::ratelimit::RateLimiter;
pub use crate::seed::{NewKey, SeedError, new_key};
use crate::sequencer::Sequencer;
pub use crate::sequencer::{JournalStorage, RecoverError};
pub use crate::streams::Limits as StreamLimits;
use crate::streams::Streams;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {path}: {error}")]
    DataDir { path: PathBuf, error: std::io::Error },
    #[error("recovering the journal in {path}: {error}")]
    Journal { path: PathBuf, error: sequencer::RecoverError },
    #[error(transparent)]
    Seed(#[from] seed::SeedError),
    #[error("starting the sequencer: {0}")]
    Thread(std::io::Error),
    #[error("starting the stream fan-out: {0}")]
    FanoutThread(std::io::Error),
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub(crate) sequencer: Sequencer,
    pub(crate) keys: Arc<Keys>,
    pub(crate) limiter: RateLimiter,
    pub(crate) ip_limiter: RateLimiter,
    pub(crate) timestamp_window_ms: u64,
    pub(crate) max_block_time_s: u64,
    pub(crate) streams: Streams,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// A started exchange: recovered, seeded, its sequencer running.
pub struct Server {
    state: AppState,
    sequencer: Option<JoinHandle<()>>,
    fanout: Option<JoinHandle<()>>,
    /// The demo trader's key, when this start seeded the demo.
    pub demo_key: Option<NewKey>,
    /// Journal entries found at start-up.
    pub recovered_entries: u64,
    /// Of those, the entries replayed (the ones after the snapshot used).
    pub replayed_entries: u64,
    /// The last journal entry covered by the snapshot loaded at start-up, if one was.
    pub snapshot_seq: Option<u64>,
}

impl Server {
    /// Recovers the data directory, seeds what is missing and starts the sequencer.
    pub fn start(config: &Config) -> Result<Server, StartError> {
        Server::start_on(config, None)
    }

    /// Like `start`, with the journal in `storage` instead of the data directory's file (the
    /// disk-fault tests use `journal::MemStorage`). The data directory still holds the demo
    /// credentials.
    pub fn start_with_storage(config: &Config, storage: JournalStorage) -> Result<Server, StartError> {
        Server::start_on(config, Some(storage))
    }

    fn start_on(config: &Config, storage: Option<JournalStorage>) -> Result<Server, StartError> {
        let data_dir = config.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|error| StartError::DataDir { path: data_dir.clone(), error })?;
        let keys = Arc::new(Keys::default());
        let recovered = match storage {
            Some(storage) => sequencer::recover_from(storage, keys.clone()),
            None => sequencer::recover(&data_dir, keys.clone()),
        };
        let (mut core, recovered) = recovered.map_err(|error| StartError::Journal { path: data_dir.clone(), error })?;
        if let Some(torn) = &recovered.torn_tail {
            tracing::warn!(%torn, "journal: cut off a torn tail (a write interrupted by a crash)");
        }
        match recovered.snapshot_seq {
            Some(seq) => tracing::info!(
                entries = recovered.entries,
                snapshot = seq,
                replayed = recovered.replayed,
                "snapshot loaded, journal tail replayed"
            ),
            None => tracing::info!(entries = recovered.entries, "journal replayed (no snapshot)"),
        }
        let fresh = recovered.entries == 0;
        let demo_key = if config.demo && fresh { Some(seed::seed_demo(&mut core, config, &data_dir)?) } else { None };
        seed::seed_config(&mut core, config)?;
        let (items, fanout_items) = std::sync::mpsc::sync_channel(streams::FANOUT_QUEUE_MAX);
        core.tap.attach(items);
        let fanout = streams::spawn_fanout(fanout_items).map_err(StartError::FanoutThread)?;
        let (sequencer, thread) = sequencer::spawn(core).map_err(StartError::Thread)?;
        let state = AppState(Arc::new(Shared {
            sequencer,
            keys,
            limiter: RateLimiter::new(config.requests_per_second),
            ip_limiter: RateLimiter::new(config.requests_per_second),
            timestamp_window_ms: config.timestamp_window_ms,
            max_block_time_s: config.max_block_time_s,
            streams: Streams::new(config.streams),
        }));
        Ok(Server {
            state,
            sequencer: Some(thread),
            fanout: Some(fanout),
            demo_key,
            recovered_entries: recovered.entries,
            replayed_entries: recovered.replayed,
            snapshot_seq: recovered.snapshot_seq,
        })
    }

    /// The router over this server's state.
    pub fn app(&self) -> Router {
        app(self.state.clone())
    }

    /// Serves HTTP on `listener` until `shutdown` resolves; then lets in-flight requests
    /// finish, stops the sequencer (which drains its queue) and closes the journal.
    pub async fn serve(
        mut self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let app = self.app().into_make_service_with_connect_info::<SocketAddr>();
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            // Stream connections outlive their upgrade request: tell them to close (1001).
            state.streams.stop();
        };
        // TCP_NODELAY on every accepted socket: replies and stream frames are small writes,
        // and Nagle's algorithm would hold one back until the peer's delayed ACK (about 40 ms)
        // whenever an earlier one is unacknowledged (measured by ws-bench, BENCHMARKS.md).
        let listener = listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY on an accepted socket");
            }
        });
        axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
        self.stop();
        Ok(())
    }

    /// Stops the sequencer and waits for it (idempotent). The sequencer finishes the queued
    /// work and writes a snapshot of the final state (when snapshots are on); the stream
    /// fan-out then ends, closing every stream connection with 1001.
    pub fn stop(&mut self) {
        self.state.streams.stop();
        if let Some(thread) = self.sequencer.take() {
            self.state.sequencer.stop();
            if thread.join().is_err() {
                tracing::error!("the sequencer thread panicked");
            }
        }
        if let Some(thread) = self.fanout.take()
            && thread.join().is_err()
        {
            tracing::error!("the stream fan-out thread panicked");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The whole API on one router: the public gateway paths and the signed api paths.
pub fn app(state: AppState) -> Router {
    let public = routes::markets::router().layer(middleware::from_fn_with_state(state.clone(), limit_by_ip));
    Router::new()
        .merge(routes::orders::router())
        .merge(routes::portfolio::router())
        .merge(streams::router())
        .merge(public)
        .route("/healthz", axum::routing::get(|| async { error::ApiJson(serde_json::json!({"status": "ok"})) }))
        .route("/v1/pmx/state", axum::routing::get(state_digest))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(BODY_BYTES_MAX))
        .layer(middleware::from_fn(correlation_id))
        .with_state(state)
}

/// `GET /v1/pmx/state` (pmx only, not part of the Polymarket API): the last journaled sequence
/// number, the engine's state hash and whether its invariants hold, for crash and replay
/// checks. Public: it reveals nothing about any account.
async fn state_digest(State(state): State<AppState>) -> Result<error::ApiJson<serde_json::Value>, ApiError> {
    let digest = state
        .sequencer
        .read(|core| {
            let invariants =
                core.engine.check_invariants().map_or_else(|violation| violation.to_string(), |()| "ok".into());
            serde_json::json!({
                "lastSeq": core.last_seq().to_string(),
                "stateHash": format!("{:016x}", core.engine.state_hash()),
                "invariants": invariants,
            })
        })
        .await?;
    Ok(error::ApiJson(digest))
}

const CORRELATION_ID: HeaderName = HeaderName::from_static("poly-correlation-id");

/// Echoes `poly-correlation-id` (or gives the response a fresh one).
async fn correlation_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&CORRELATION_ID)
        .cloned()
        .or_else(|| HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()).ok());
    let mut response = next.run(request).await;
    if let Some(id) = id {
        response.headers_mut().insert(CORRELATION_ID, id);
    }
    response
}

/// The per-IP limit of the public paths.
async fn limit_by_ip(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(addr)| addr.ip().to_string());
    if let Err(error) = state.ip_limiter.check(&ip) {
        return error.into_response();
    }
    next.run(request).await
}
