//! The stream subscribers: what each one records of the frames it receives.
//!
//! - A market-data subscriber opens `/v1/ws/markets` with the watcher's key, subscribes to
//!   `SUBSCRIPTION_TYPE_MARKET_DATA` on the bench market, and waits for the snapshot frame
//!   (the subscription is then live). Of each later `marketData` frame it keeps the frame's
//!   `transactTime` and its arrival time on the wall clock, found by a text search from the
//!   end of the frame (the field closes the payload): no JSON parse per frame, so the
//!   bench's share of the two cores stays small.
//! - An order subscriber opens `/v1/ws/private` with a trading account's key, subscribes to
//!   `SUBSCRIPTION_TYPE_ORDER` (every market) and waits for the pong of a ping sent after the
//!   subscribe (the server reads the ping only once the subscription is registered). It
//!   parses each `orderSubscriptionUpdate` and keeps the execution's order id, its
//!   `transactTime` and the arrival time.
//! - A silent subscriber subscribes to market data on a socket with a 4 KiB receive buffer,
//!   reads its snapshot, and then reads nothing until the run is over; it then reads what
//!   is left, to see how the server ended the connection.
//!
//! Every subscriber also notes how its connection ended, if it ended during the run.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::exchange::MARKET;
use crate::http::Key;
use crate::load::Role;

/// How long a subscriber waits for its confirmation, and the silent one drains at the end.
const WAIT: Duration = Duration::from_secs(10);

/// What a subscriber watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    MarketData,
    Orders(Role),
    Silent,
}

/// How a connection ended, as the client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// A close frame with this code.
    Closed(u16),
    /// The socket ended (or failed) without a close frame.
    Dropped,
}

/// One private order frame.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrderFrame {
    pub(crate) order: u64,
    pub(crate) ts: i64,
    pub(crate) arrival: i64,
}

/// What one subscriber recorded.
#[derive(Debug)]
pub(crate) struct Feed {
    pub(crate) kind: Kind,
    /// Market-data frames: (`transactTime`, arrival), in arrival order.
    pub(crate) books: Vec<(i64, i64)>,
    pub(crate) orders: Vec<OrderFrame>,
    /// Frames that were neither (heartbeats, errors).
    pub(crate) other: u64,
    /// Bytes of the market-data frames.
    pub(crate) book_bytes: u64,
    /// How the connection ended during the run; `None`: still open when the run ended.
    pub(crate) ended: Option<Ended>,
    /// Silent subscriber only: data frames read when it finally read, and how it ended then.
    pub(crate) drained: Option<(u64, Option<Ended>)>,
}

/// A connected, subscribed subscriber.
pub(crate) struct Subscriber {
    kind: Kind,
    socket: WebSocketStream<TcpStream>,
}

impl Subscriber {
    /// Connects and subscribes; returns once the subscription is live.
    pub(crate) async fn connect(addr: SocketAddr, kind: Kind) -> Subscriber {
        let (path, key) = match kind {
            Kind::MarketData | Kind::Silent => {
                (protocol::Stream::Markets.path(), Key::new(crate::exchange::WATCHER.0, crate::exchange::WATCHER.1))
            }
            Kind::Orders(role) => (protocol::Stream::Private.path(), role.signing_key()),
        };
        let mut request = format!("ws://{addr}{path}").into_client_request().expect("a WebSocket request");
        for (name, value) in key.headers("GET", path) {
            request.headers_mut().insert(name, value.parse().expect("a header value"));
        }
        let socket = TcpSocket::new_v4().expect("a socket");
        if kind == Kind::Silent {
            socket.set_recv_buffer_size(4_096).expect("SO_RCVBUF");
        }
        let stream = socket.connect(addr).await.expect("a connection");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let (mut socket, _) = tokio_tungstenite::client_async(request, stream).await.expect("the upgrade");
        let subscribe = match kind {
            Kind::MarketData | Kind::Silent => format!(
                r#"{{"subscribe":{{"requestId":"md","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA","marketSlugs":["{MARKET}"]}}}}"#
            ),
            Kind::Orders(_) => {
                r#"{"subscribe":{"requestId":"orders","subscriptionType":"SUBSCRIPTION_TYPE_ORDER"}}"#.to_owned()
            }
        };
        socket.send(Message::text(subscribe)).await.expect("subscribe");
        if let Kind::Orders(_) = kind {
            socket.send(Message::Ping(b"live?".to_vec().into())).await.expect("ping");
        }
        let confirmed = tokio::time::timeout(WAIT, async {
            while let Some(message) = socket.next().await {
                match message.expect("a frame") {
                    Message::Text(text) if text.as_str().contains("\"marketData\"") => return,
                    Message::Text(text) if text.as_str().contains("\"error\"") => {
                        panic!("subscribe refused: {}", text.as_str())
                    }
                    Message::Pong(_) => return,
                    _ => {}
                }
            }
            panic!("the connection ended before the subscription was confirmed");
        });
        confirmed.await.expect("the subscription is confirmed in time");
        Subscriber { kind, socket }
    }

    /// Reads and records frames until `stop` says the run is over.
    pub(crate) async fn run(mut self, mut stop: watch::Receiver<bool>) -> Feed {
        let mut feed = Feed {
            kind: self.kind,
            books: Vec::new(),
            orders: Vec::new(),
            other: 0,
            book_bytes: 0,
            ended: None,
            drained: None,
        };
        if self.kind == Kind::Silent {
            let _ = stop.wait_for(|stop| *stop).await;
            feed.drained = Some(self.drain().await);
            return feed;
        }
        loop {
            let message = tokio::select! {
                _ = stop.wait_for(|stop| *stop) => return feed,
                message = self.socket.next() => message,
            };
            let arrival = crate::wall_ns();
            match message {
                Some(Ok(Message::Text(text))) => feed.record(text.as_str(), arrival),
                Some(Ok(Message::Close(frame))) => {
                    feed.ended = Some(frame.map_or(Ended::Closed(1005), |frame| Ended::Closed(frame.code.into())));
                    return feed;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    feed.ended = Some(Ended::Dropped);
                    return feed;
                }
            }
        }
    }

    /// Reads everything left; the data frames read and how the connection ended (`None`:
    /// still open after `WAIT`).
    async fn drain(&mut self) -> (u64, Option<Ended>) {
        let mut frames = 0;
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return (frames, None),
                Ok(Some(Ok(Message::Text(_)))) => frames += 1,
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return (frames, Some(frame.map_or(Ended::Closed(1005), |frame| Ended::Closed(frame.code.into()))));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => return (frames, Some(Ended::Dropped)),
            }
        }
    }
}

impl Feed {
    fn record(&mut self, text: &str, arrival: i64) {
        match self.kind {
            Kind::MarketData => match transact_time(text) {
                Some(ts) if text.contains("\"marketData\"") => {
                    self.books.push((ts, arrival));
                    self.book_bytes += text.len() as u64;
                }
                _ => self.other += 1,
            },
            Kind::Orders(_) => match order_frame(text) {
                Some((order, ts)) => self.orders.push(OrderFrame { order, ts, arrival }),
                None => self.other += 1,
            },
            Kind::Silent => {}
        }
    }
}

/// The last `transactTime` of a frame, in ns.
fn transact_time(text: &str) -> Option<i64> {
    const FIELD: &str = "\"transactTime\":\"";
    let from = text.rfind(FIELD)? + FIELD.len();
    let to = from + text[from..].find('"')?;
    protocol::parse_timestamp(&text[from..to]).ok().map(|ts| ts.nanos())
}

/// An order update's order id and `transactTime`.
fn order_frame(text: &str) -> Option<(u64, i64)> {
    let frame: serde_json::Value = serde_json::from_str(text).ok()?;
    let execution = &frame["orderSubscriptionUpdate"]["execution"];
    let order = execution["order"]["id"].as_str()?.parse().ok()?;
    let ts = protocol::parse_timestamp(execution["transactTime"].as_str()?).ok()?.nanos();
    Some((order, ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_for_their_time_and_order() {
        let book = r#"{"requestId":"md","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA","marketData":{"marketSlug":"bench","bids":[],"offers":[],"transactTime":"2026-12-08T10:00:00.000000123Z"}}"#;
        assert_eq!(transact_time(book), Some(1_796_724_000_000_000_123));
        let order = r#"{"requestId":"o","subscriptionType":"SUBSCRIPTION_TYPE_ORDER","orderSubscriptionUpdate":{"execution":{"id":"9","order":{"id":"42"},"transactTime":"2026-12-08T10:00:00Z"}}}"#;
        assert_eq!(order_frame(order), Some((42, 1_796_724_000_000_000_000)));
        assert_eq!(transact_time(r#"{"heartbeat":{}}"#), None);
    }
}
