//! The WebSocket streams `/v1/ws/private` and `/v1/ws/markets` (docs/api.md §6).
//!
//! Data flow: the sequencer applies a journaled command; its `Tap` copies what watchers need
//! (engine values) and hands each batch's items to the fan-out thread over one bounded,
//! ordered channel; the fan-out builds and serializes each payload once and queues a frame
//! per subscriber on that connection's bounded queue; each connection's writer task sends
//! them. Subscribing goes through the sequencer too, so a snapshot is taken at one point of
//! the journal and the updates after it follow in the same channel: no gap, no duplicate,
//! and no frame for a command that is not durable (commands are applied only once
//! journaled).
//!
//! Parts:
//! - `tap`: the sequencer's side: interest counts, capture after each command, snapshots;
//! - `fanout`: the fan-out thread: the subscription index, one serialization per payload,
//!   debounced market data, slow consumers closed;
//! - `connection`: the signed upgrade, the client's frames with their limits, the writer and
//!   its heartbeats.
//!
//! Decisions (docs/api.md §6):
//! - A position or balance frame covers one command: a command that fills several times
//!   sends one frame with the value before the command and after it (the states a read
//!   could see), with the first ledger cause and the last trade of the command.
//! - Market data is sent after every command that changes the market's book, statistics or
//!   state, as the whole book; debounced subscriptions get the latest every 100 ms.
//! - `SUBSCRIPTION_TYPE_ORDER_SNAPSHOT` is a one-shot: its pages are sent and it holds no
//!   place among the connection's subscriptions.

mod connection;
mod fanout;
mod tap;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::sync::watch;

pub(crate) use self::fanout::spawn as spawn_fanout;
pub(crate) use self::tap::{FANOUT_QUEUE_MAX, Tap};
use crate::AppState;
use crate::error::ApiError;

/// The `[streams]` limits, validated (docs/interface.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub heartbeat: Duration,
    pub subscriptions_per_connection_max: usize,
    pub connections_per_key_max: usize,
    pub outbound_frames_max: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            heartbeat: Duration::from_secs(5),
            subscriptions_per_connection_max: 10,
            connections_per_key_max: 16,
            outbound_frames_max: 4_096,
        }
    }
}

/// What every connection shares: the limits, the per-key connection counts, the stop signal.
#[derive(Debug)]
pub(crate) struct Streams {
    pub limits: Limits,
    connections: Arc<Mutex<HashMap<String, usize>>>,
    next_conn: AtomicU64,
    stopping: watch::Sender<bool>,
}

impl Streams {
    pub(crate) fn new(limits: Limits) -> Streams {
        Streams { limits, connections: Arc::default(), next_conn: AtomicU64::new(1), stopping: watch::channel(false).0 }
    }

    /// Takes one of `key`'s connection places, or refuses with 429.
    pub(crate) fn claim(&self, key: &str) -> Result<ConnectionSlot, ApiError> {
        let mut connections = self.connections.lock().unwrap_or_else(|poison| poison.into_inner());
        let count = connections.entry(key.to_owned()).or_insert(0);
        if *count >= self.limits.connections_per_key_max {
            return Err(ApiError::TooManyConnections(format!(
                "this key already has {count} stream connections, the most allowed; close one first"
            )));
        }
        *count += 1;
        Ok(ConnectionSlot { connections: self.connections.clone(), key: key.to_owned() })
    }

    pub(crate) fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Tells every connection the server is stopping (they close with 1001).
    pub(crate) fn stop(&self) {
        self.stopping.send_replace(true);
    }

    pub(crate) fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }
}

/// One connection's place in its key's count, given back when dropped.
pub(crate) struct ConnectionSlot {
    connections: Arc<Mutex<HashMap<String, usize>>>,
    key: String,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut connections = self.connections.lock().unwrap_or_else(|poison| poison.into_inner());
        if let Some(count) = connections.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                connections.remove(&self.key);
            }
        }
    }
}

/// The two stream paths.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(protocol::Stream::Private.path(), get(connection::private))
        .route(protocol::Stream::Markets.path(), get(connection::markets))
}
