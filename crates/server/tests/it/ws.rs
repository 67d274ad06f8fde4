//! A WebSocket test client for the streams: the signed upgrade, frames as JSON, and waits
//! with deadlines (a test never hangs on a frame that does not come).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error, Message};

use crate::harness::{TestServer, Trader};

/// How long a test waits for a frame it expects.
pub(crate) const FRAME_WAIT: Duration = Duration::from_secs(5);

/// One stream connection.
pub(crate) struct Ws {
    socket: WebSocketStream<TcpStream>,
}

/// How a connection ended, as the client saw it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    Closed {
        code: u16,
        reason: String,
    },
    /// The socket ended without a close frame.
    Dropped,
}

impl Ws {
    /// Connects `trader` to `path` with a signed upgrade.
    pub(crate) async fn connect(server: &TestServer, trader: &Trader, path: &str) -> Ws {
        Ws::try_connect(server, &trader.headers("GET", path), path, None).await.unwrap()
    }

    /// Connects with the given headers; the HTTP status and JSON body when refused.
    /// `receive_buffer` sets the client socket's receive buffer (a small one makes a
    /// consumer that reads nothing fall behind quickly).
    pub(crate) async fn try_connect(
        server: &TestServer,
        headers: &[(&str, String)],
        path: &str,
        receive_buffer: Option<u32>,
    ) -> Result<Ws, (u16, Value)> {
        let mut request = format!("ws://{}{path}", server.addr).into_client_request().unwrap();
        for (name, value) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
            request.headers_mut().insert(name, value.parse().unwrap());
        }
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(bytes) = receive_buffer {
            socket.set_recv_buffer_size(bytes).unwrap();
        }
        let stream = socket.connect(server.addr).await.unwrap();
        match tokio_tungstenite::client_async(request, stream).await {
            Ok((socket, _)) => Ok(Ws { socket }),
            Err(Error::Http(response)) => {
                let status = response.status().as_u16();
                let body = response.body().as_deref().map_or(Value::Null, |body| {
                    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into()))
                });
                Err((status, body))
            }
            Err(other) => panic!("the upgrade failed: {other}"),
        }
    }

    pub(crate) async fn send_text(&mut self, text: &str) {
        self.socket.send(Message::text(text)).await.unwrap();
    }

    pub(crate) async fn socket_binary(&mut self, bytes: &[u8]) {
        self.socket.send(Message::binary(bytes.to_vec())).await.unwrap();
    }

    pub(crate) async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Subscribes in the camelCase form.
    pub(crate) async fn subscribe(&mut self, request_id: &str, kind: &str, slugs: &[&str]) {
        let mut body = json!({"requestId": request_id, "subscriptionType": kind});
        if !slugs.is_empty() {
            body["marketSlugs"] = json!(slugs);
        }
        self.send(json!({ "subscribe": body })).await;
    }

    /// The next frame that is not a heartbeat.
    pub(crate) async fn next(&mut self) -> Value {
        loop {
            let frame = self.next_any().await;
            if frame.get("heartbeat").is_none() {
                return frame;
            }
        }
    }

    /// The next frame, heartbeats included.
    pub(crate) async fn next_any(&mut self) -> Value {
        match self.recv(FRAME_WAIT).await {
            Some(Ok(frame)) => frame,
            Some(Err(ended)) => panic!("the connection ended while a frame was expected: {ended:?}"),
            None => panic!("no frame within {FRAME_WAIT:?}"),
        }
    }

    /// Frames that are not heartbeats, until none comes for `quiet`.
    pub(crate) async fn drain(&mut self, quiet: Duration) -> Vec<Value> {
        let mut frames = Vec::new();
        while let Some(Ok(frame)) = self.recv(quiet).await {
            if frame.get("heartbeat").is_none() {
                frames.push(frame);
            }
        }
        frames
    }

    /// Asserts that no frame but heartbeats arrives for `quiet`.
    pub(crate) async fn silent(&mut self, quiet: Duration) {
        let frames = self.drain(quiet).await;
        assert!(frames.is_empty(), "unexpected frames: {frames:?}");
    }

    /// Frames (heartbeats included) until the connection ends, and how it ended.
    pub(crate) async fn until_end(&mut self, wait: Duration) -> (Vec<Value>, Ended) {
        let mut frames = Vec::new();
        loop {
            match self.recv(wait).await {
                Some(Ok(frame)) => frames.push(frame),
                Some(Err(ended)) => return (frames, ended),
                None => panic!("the connection did not end within {wait:?}"),
            }
        }
    }

    /// A frame, or how the connection ended, or `None` after `wait`.
    async fn recv(&mut self, wait: Duration) -> Option<Result<Value, Ended>> {
        loop {
            let message = match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => return Some(Err(Ended::Dropped)),
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let frame = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|_| panic!("a frame that is not JSON: {}", text.as_str()));
                    return Some(Ok(frame));
                }
                Message::Close(frame) => {
                    let (code, reason) = frame
                        .map_or((1005, String::new()), |frame| (frame.code.into(), frame.reason.as_str().to_owned()));
                    return Some(Err(Ended::Closed { code, reason }));
                }
                Message::Binary(_) => panic!("pmx sends text frames only"),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    /// Sends a ping and waits for its pong.
    pub(crate) async fn ping(&mut self) {
        self.socket.send(Message::Ping(b"are you there".to_vec().into())).await.unwrap();
        let deadline = tokio::time::Instant::now() + FRAME_WAIT;
        loop {
            let message =
                tokio::time::timeout_at(deadline, self.socket.next()).await.expect("no pong").unwrap().unwrap();
            if let Message::Pong(payload) = message {
                assert_eq!(&payload[..], b"are you there");
                return;
            }
        }
    }

    pub(crate) async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// Asserts a data frame's envelope (`requestId`, `subscriptionType`, exactly one payload key,
/// no `error` or `heartbeat` key) and returns its payload.
#[track_caller]
pub(crate) fn payload<'a>(frame: &'a Value, request_id: &str, kind: &str, key: &str) -> &'a Value {
    let object = frame.as_object().unwrap_or_else(|| panic!("not an object: {frame}"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = vec!["requestId", "subscriptionType", key];
    want.sort_unstable();
    assert_eq!(keys, want, "frame: {frame}");
    assert_eq!(frame["requestId"], request_id, "frame: {frame}");
    assert_eq!(frame["subscriptionType"], kind, "frame: {frame}");
    &frame[key]
}

/// Asserts an error frame for `request_id` whose text contains `needle`.
#[track_caller]
pub(crate) fn error(frame: &Value, request_id: Option<&str>, needle: &str) {
    let text = frame["error"].as_str().unwrap_or_else(|| panic!("not an error frame: {frame}"));
    assert!(text.contains(needle), "{needle:?} not in {text:?}");
    assert_eq!(frame["requestId"], request_id.map_or(Value::Null, Value::from), "frame: {frame}");
}
