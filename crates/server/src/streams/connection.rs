//! One WebSocket connection: the signed upgrade, the client's frames, and the writer.
//!
//! The upgrade is a signed GET of the stream's path (`Authed`: a bad handshake is a 401 with
//! the JSON error body), then the per-key connection cap (429). The connection is then two
//! tasks. The reader takes the client's frames: it checks what it can alone (the stream
//! offers the type, the `requestId` is free, the per-connection cap, at most 100 markets)
//! and sends the rest to the sequencer, which resolves the slugs and registers the
//! subscription in the tap with its snapshot; any refusal is an error frame and the
//! connection stays. Each subscribe and unsubscribe takes a token of the key's rate limit,
//! as an HTTP request does, so no key can keep the sequencer busy with subscriptions. The writer sends the queued frames, a heartbeat every interval, and
//! the close frame when the connection must end (fell behind: 1008; server stopping: 1001).
//! A peer that stops reading blocks only its own writer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use protocol::{
    ClientFrame, FrameError, HEARTBEAT_FRAME, MARKETS_PER_SUBSCRIPTION_MAX, Stream, Subscribe, SubscriptionType,
    error_frame,
};
use tokio::sync::{mpsc, watch};
use types::MarketId;

use super::fanout::{CloseReason, Outbox, Signal, told_to_close};
use super::tap::{ConnId, Subscription};
use super::{ConnectionSlot, Limits};
use crate::AppState;
use crate::auth::Authed;
use crate::error::ApiError;
use crate::sequencer;

/// The largest frame a client may send.
pub(crate) const INBOUND_BYTES_MAX: usize = 64 * 1024;
/// How long a closing writer tries to get its close frame out (behind the frames a stalled
/// peer has yet to read).
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

type Upgrade = Result<WebSocketUpgrade, WebSocketUpgradeRejection>;

/// `GET /v1/ws/private`.
pub(crate) async fn private(state: State<AppState>, authed: Authed, upgrade: Upgrade) -> Result<Response, ApiError> {
    accept(Stream::Private, state, authed, upgrade)
}

/// `GET /v1/ws/markets`.
pub(crate) async fn markets(state: State<AppState>, authed: Authed, upgrade: Upgrade) -> Result<Response, ApiError> {
    accept(Stream::Markets, state, authed, upgrade)
}

fn accept(
    stream: Stream,
    State(state): State<AppState>,
    authed: Authed,
    upgrade: Upgrade,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|rejection| {
        ApiError::BadRequest(format!(
            "{} is a WebSocket stream; open it with a WebSocket upgrade ({rejection})",
            stream.path()
        ))
    })?;
    let slot = state.streams.claim(&authed.key_id)?;
    Ok(upgrade
        .max_message_size(INBOUND_BYTES_MAX)
        .max_frame_size(INBOUND_BYTES_MAX)
        .on_upgrade(move |socket| serve(socket, stream, authed, state, slot)))
}

async fn serve(socket: WebSocket, stream: Stream, authed: Authed, state: AppState, slot: ConnectionSlot) {
    let Authed { account, key_id } = authed;
    let limits = state.streams.limits;
    let conn = state.streams.next_conn();
    let (frames, queue) = mpsc::channel(limits.outbound_frames_max);
    let signal = Arc::new(Signal::default());
    let outbox = Outbox { frames: frames.clone(), signal: signal.clone() };
    let (mut sink, source) = socket.split();
    if state.sequencer.read(move |core| core.tap.connect(conn, account, outbox)).await.is_err() {
        let _ = close(&mut sink, 1013, "the exchange is busy or stopping; connect again shortly").await;
        return;
    }
    let writer = tokio::spawn(write(sink, queue, signal.clone(), limits.heartbeat, state.streams.stopping()));
    let mut reader =
        Reader { stream, conn, key_id, state: state.clone(), frames, subscriptions: HashMap::new(), limits };
    let mut told = signal.watch();
    tokio::select! {
        _ = reader.run(source) => signal.close(CloseReason::Done),
        _ = told_to_close(&mut told) => {}
    }
    let _ = writer.await;
    disconnect(&state, conn).await;
    drop(slot);
}

/// Unregisters `conn`, retrying while the sequencer's queue is full (a disconnect must not
/// be lost, or the tap would keep capturing for it).
async fn disconnect(state: &AppState, conn: ConnId) {
    for attempt in 0u32.. {
        match state.sequencer.read(move |core| core.tap.disconnect(conn)).await {
            Err(error) if sequencer::is_busy(&error) => {
                tokio::time::sleep(Duration::from_millis(10 << attempt.min(6))).await;
            }
            // Done, or the sequencer is stopping (and the tap with it).
            _ => return,
        }
    }
}

struct Reader {
    stream: Stream,
    conn: ConnId,
    /// The key that opened the connection: its subscribes draw on the key's request budget.
    key_id: String,
    state: AppState,
    frames: mpsc::Sender<Utf8Bytes>,
    /// The live subscriptions by `requestId`.
    subscriptions: HashMap<String, SubscriptionType>,
    limits: Limits,
}

impl Reader {
    async fn run(&mut self, mut source: SplitStream<WebSocket>) {
        while let Some(Ok(message)) = source.next().await {
            match message {
                Message::Text(text) => self.frame(text.as_str()).await,
                Message::Binary(bytes) => match std::str::from_utf8(&bytes) {
                    Ok(text) => self.frame(text).await,
                    Err(_) => self.error(None, "a binary frame must hold UTF-8 JSON", None),
                },
                Message::Ping(_) | Message::Pong(_) => {}
                Message::Close(_) => return,
            }
        }
    }

    async fn frame(&mut self, text: &str) {
        let frame = ClientFrame::parse(text, self.stream);
        // Each subscribe or unsubscribe is work for the sequencer: it takes a token of the
        // key's rate limit, as an HTTP request does.
        if let Ok(ClientFrame::Subscribe(Subscribe { request_id, .. }) | ClientFrame::Unsubscribe { request_id }) =
            &frame
            && self.state.limiter.check(&self.key_id).is_err()
        {
            let message = "rate limited: this key's frames and requests exceed limits.requests_per_second_per_key; \
                           the frame was ignored, send it again later";
            return self.error(Some(request_id), message, None);
        }
        match frame {
            Err(FrameError { request_id, message }) => self.error(request_id.as_deref(), &message, None),
            Ok(ClientFrame::Subscribe(subscribe)) => {
                let (request_id, kind) = (subscribe.request_id.clone(), subscribe.subscription_type);
                if let Err(message) = self.subscribe(subscribe).await {
                    self.error(Some(&request_id), &message, Some(kind));
                }
            }
            Ok(ClientFrame::Unsubscribe { request_id }) => {
                if let Err(message) = self.unsubscribe(&request_id).await {
                    self.error(Some(&request_id), &message, None);
                }
            }
        }
    }

    async fn subscribe(&mut self, subscribe: Subscribe) -> Result<(), String> {
        let kind = subscribe.subscription_type;
        if kind == SubscriptionType::Rfq {
            return Err("RFQ subscriptions are not offered by pmx".into());
        }
        if kind.stream() != self.stream {
            return Err(format!("{kind} belongs to {}, not to {}", kind.stream().path(), self.stream.path()));
        }
        if self.subscriptions.contains_key(&subscribe.request_id) {
            return Err(format!("requestId {:?} is already in use on this connection", subscribe.request_id));
        }
        let one_shot = kind == SubscriptionType::OrderSnapshot;
        if !one_shot && self.subscriptions.len() >= self.limits.subscriptions_per_connection_max {
            return Err("max subscriptions per connection reached".into());
        }
        let mut slugs = subscribe.market_slugs;
        let mut seen = HashSet::new();
        slugs.retain(|slug| seen.insert(slug.clone()));
        if slugs.len() > MARKETS_PER_SUBSCRIPTION_MAX {
            return Err(format!("at most {MARKETS_PER_SUBSCRIPTION_MAX} marketSlugs per subscription"));
        }
        if self.stream == Stream::Markets && slugs.is_empty() {
            return Err("marketSlugs is required on the markets stream".into());
        }
        let request_id = subscribe.request_id;
        let debounced = subscribe.responses_debounced;
        let conn = self.conn;
        let registered = {
            let request_id = request_id.clone();
            self.state.sequencer.read(move |core| {
                let markets = slugs
                    .iter()
                    .map(|slug| core.engine.market_id(slug).ok_or_else(|| format!("unknown market slug {slug:?}")))
                    .collect::<Result<Vec<MarketId>, String>>()?;
                let filter = (!markets.is_empty()).then(|| markets.iter().copied().collect());
                let subscription = Subscription { request_id, kind, markets: filter, debounced };
                core.tap.subscribe(&core.engine, &core.history, conn, subscription, markets);
                Ok(())
            })
        };
        match registered.await {
            Ok(Ok(())) => {
                if !one_shot {
                    self.subscriptions.insert(request_id, kind);
                }
                Ok(())
            }
            Ok(Err(message)) => Err(message),
            Err(error) => Err(format!("{}; subscribe again shortly", error.message())),
        }
    }

    async fn unsubscribe(&mut self, request_id: &str) -> Result<(), String> {
        if !self.subscriptions.contains_key(request_id) {
            return Err(format!("no subscription with requestId {request_id:?} on this connection"));
        }
        let (conn, id) = (self.conn, request_id.to_owned());
        match self.state.sequencer.read(move |core| core.tap.unsubscribe(conn, id)).await {
            Ok(()) => {
                self.subscriptions.remove(request_id);
                Ok(())
            }
            Err(error) => Err(format!("{}; unsubscribe again shortly", error.message())),
        }
    }

    /// Queues an error frame (dropped if the queue is full: the connection is closing then).
    fn error(&self, request_id: Option<&str>, message: &str, kind: Option<SubscriptionType>) {
        let _ = self.frames.try_send(Utf8Bytes::from(error_frame(request_id, message, kind)));
    }
}

/// Most queued frames written before one flush.
const WRITE_BATCH_MAX: usize = 64;

/// Sends queued frames and heartbeats until the connection must end, then the close frame.
/// Whatever is queued is written together and flushed once: a send per frame is what costs
/// when many subscribers get every change.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Utf8Bytes>,
    signal: Arc<Signal>,
    heartbeat: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let mut told = signal.watch();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut frames = Vec::with_capacity(WRITE_BATCH_MAX);
    let reason = loop {
        tokio::select! {
            biased;
            reason = told_to_close(&mut told) => break reason,
            _ = stopping.wait_for(|stopping| *stopping) => break CloseReason::Stopping,
            received = queue.recv_many(&mut frames, WRITE_BATCH_MAX) => if received == 0 {
                break signal.reason();
            },
            _ = ticks.tick() => frames.push(Utf8Bytes::from_static(HEARTBEAT_FRAME)),
        }
        let batch = async {
            for frame in frames.drain(..) {
                sink.feed(Message::Text(frame)).await?;
            }
            sink.flush().await
        };
        // A peer that reads nothing blocks the write; being told to close still ends it.
        tokio::select! {
            biased;
            reason = told_to_close(&mut told) => break reason,
            written = batch => if written.is_err() {
                signal.close(CloseReason::Done);
                return;
            },
        }
        frames.clear();
    };
    let (code, text) = match reason {
        CloseReason::FellBehind => {
            (1008, "this connection fell behind its frames and was closed; reconnect and subscribe again")
        }
        CloseReason::Stopping => (1001, "the server is stopping; reconnect and subscribe again"),
        CloseReason::Done => (1000, ""),
    };
    signal.close(reason);
    let _ = close(&mut sink, code, text).await;
}

async fn close(sink: &mut SplitSink<WebSocket, Message>, code: u16, reason: &str) -> Result<(), ()> {
    let frame = CloseFrame { code, reason: Utf8Bytes::from(reason.to_owned()) };
    match tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
