//! `StreamConnection`: one signed WebSocket to a stream, and `Frame`, a frame as received.
//!
//! `next` yields every text frame, heartbeats included, decoded with `ServerFrame::parse`;
//! pings are answered and pongs skipped on the way. A frame that does not decode is an
//! `Error::Frame` item and the connection goes on. An end the caller did not ask for is one
//! last `Err` item (`Error::StreamClosed` for a close frame, with its code and reason;
//! `Error::Stream` for a reset or a protocol error), then `None`.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use protocol::{ClientFrame, HEADER_CORRELATION_ID, ServerFrame, Stream, Subscribe};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::client::{Client, header_text, innermost};
use crate::error::{ApiError, Error};
use crate::stream::{stream_url, upgrade_request};

/// The largest message accepted from the server (a frame past it ends the connection).
pub const MESSAGE_BYTES_MAX: usize = 16 << 20;

/// How long `close` waits for the server to answer the close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A frame as received: its text and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The frame's JSON text, exactly as sent.
    pub text: String,
    /// The frame decoded.
    pub frame: ServerFrame,
}

/// What one read gave.
pub(crate) enum Read {
    Frame(Frame),
    /// A frame that does not decode; the connection goes on.
    Undecodable(Error),
    /// The connection is over: why, unless the caller closed it.
    Ended(Option<Error>),
}

/// One open WebSocket to a stream.
#[derive(Debug)]
pub struct StreamConnection {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    stream: Stream,
    url: String,
    correlation_id: String,
    ended: bool,
}

impl Client {
    /// Opens `stream` with a signed upgrade. Needs credentials (both streams are signed).
    pub async fn connect_stream(&self, stream: Stream) -> Result<StreamConnection, Error> {
        let credentials = self.credentials().ok_or(Error::MissingCredentials)?;
        let url = stream_url(self.api_url(), stream)?;
        let correlation_id = uuid::Uuid::new_v4().to_string();
        let request =
            upgrade_request(&url, &credentials.headers("GET", stream.path()), &correlation_id, &self.user_agent)?;
        let config = WebSocketConfig::default().max_message_size(Some(MESSAGE_BYTES_MAX));
        let connector = Connector::Rustls(self.tls.clone());
        let upgrade = tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, Some(connector));
        let socket = match tokio::time::timeout(self.timeout, upgrade).await {
            Ok(Ok((socket, _response))) => socket,
            Ok(Err(error)) => return Err(upgrade_error(error, &url, &correlation_id)),
            Err(_) => {
                return Err(Error::Transport {
                    url,
                    reason: "the upgrade timed out".to_owned(),
                    timed_out: true,
                    correlation_id,
                });
            }
        };
        Ok(StreamConnection { socket, stream, url, correlation_id, ended: false })
    }
}

/// A failed upgrade: the server's refusal as `Error::Api`, anything else as no reply.
fn upgrade_error(error: tungstenite::Error, url: &str, correlation_id: &str) -> Error {
    let transport = |reason: String| Error::Transport {
        url: url.to_owned(),
        reason,
        timed_out: false,
        correlation_id: correlation_id.to_owned(),
    };
    match error {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            let headers = response.headers();
            let reply_id = header_text(headers, HEADER_CORRELATION_ID).unwrap_or_else(|| correlation_id.to_owned());
            let retry_after = header_text(headers, "retry-after")
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            let reason = status.canonical_reason().unwrap_or_default();
            Error::Api(ApiError::from_reply(status.as_u16(), reason, reply_id, retry_after, &body))
        }
        tungstenite::Error::Url(error) => Error::InvalidUrl { url: url.to_owned(), reason: error.to_string() },
        tungstenite::Error::Io(error) => transport(innermost(&error)),
        other => transport(innermost(&other)),
    }
}

impl StreamConnection {
    /// The stream this connection is on.
    pub fn stream(&self) -> Stream {
        self.stream
    }

    /// The WebSocket URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The correlation id the upgrade carried.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// Sends a subscribe frame. The server sends no acknowledgement: the first data frame, or
    /// an error frame with the same request id, is the answer.
    pub async fn subscribe(&mut self, subscribe: &Subscribe) -> Result<(), Error> {
        self.send(&ClientFrame::Subscribe(subscribe.clone())).await
    }

    /// Sends an unsubscribe frame for `request_id`.
    pub async fn unsubscribe(&mut self, request_id: &str) -> Result<(), Error> {
        self.send(&ClientFrame::Unsubscribe { request_id: request_id.to_owned() }).await
    }

    /// Sends any client frame, in the camelCase form the SDKs send.
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<(), Error> {
        if self.ended {
            return Err(self.broken("the connection is closed".to_owned()));
        }
        match self.socket.send(Message::text(frame.to_json())).await {
            Ok(()) => Ok(()),
            Err(error) => {
                self.ended = true;
                Err(self.broken(innermost(&error)))
            }
        }
    }

    /// The next frame; `None` once the connection is over (after its last `Err`, when the
    /// caller did not close it). Cancel-safe: a frame is never lost to a dropped call.
    pub async fn next(&mut self) -> Option<Result<Frame, Error>> {
        match self.read().await {
            Read::Frame(frame) => Some(Ok(frame)),
            Read::Undecodable(error) => Some(Err(error)),
            Read::Ended(error) => error.map(Err),
        }
    }

    pub(crate) async fn read(&mut self) -> Read {
        if self.ended {
            return Read::Ended(None);
        }
        loop {
            let message = match self.socket.next().await {
                Some(Ok(message)) => message,
                Some(Err(error)) => return self.end(Some(self.lost(error))),
                None => return self.end(Some(self.broken("the connection ended".to_owned()))),
            };
            let text = match message {
                Message::Text(text) => text.as_str().to_owned(),
                Message::Binary(bytes) => match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => text,
                    Err(_) => return Read::Undecodable(self.undecodable("a binary frame that is not UTF-8", "")),
                },
                Message::Close(frame) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |frame| {
                        (u16::from(frame.code), frame.reason.as_str().to_owned())
                    });
                    // Send the close reply tungstenite queued, so the close is clean.
                    let _ = tokio::time::timeout(CLOSE_WAIT, self.socket.flush()).await;
                    return self.end(Some(Error::StreamClosed { url: self.url.clone(), code, reason }));
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
            return match ServerFrame::parse(&text) {
                Ok(frame) => Read::Frame(Frame { text, frame }),
                Err(error) => Read::Undecodable(self.undecodable(&error.message, &text)),
            };
        }
    }

    /// Closes the connection: a close frame with code 1000 and reason `OK`, then a short wait
    /// for the server's answer.
    pub async fn close(mut self) -> Result<(), Error> {
        if self.ended {
            return Ok(());
        }
        self.ended = true;
        let frame = CloseFrame { code: CloseCode::Normal, reason: "OK".into() };
        if let Err(error) = self.socket.close(Some(frame)).await {
            return match error {
                tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => Ok(()),
                other => Err(self.broken(innermost(&other))),
            };
        }
        // Read until the server's close frame (or the end), so the close is clean on both sides.
        let drain = async { while let Some(Ok(_)) = self.socket.next().await {} };
        let _ = tokio::time::timeout(CLOSE_WAIT, drain).await;
        Ok(())
    }

    fn end(&mut self, error: Option<Error>) -> Read {
        self.ended = true;
        Read::Ended(error)
    }

    fn lost(&self, error: tungstenite::Error) -> Error {
        match error {
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
                self.broken("the connection is closed".to_owned())
            }
            other => self.broken(innermost(&other)),
        }
    }

    fn broken(&self, reason: String) -> Error {
        Error::Stream { url: self.url.clone(), reason }
    }

    fn undecodable(&self, reason: &str, text: &str) -> Error {
        Error::Frame { url: self.url.clone(), reason: reason.to_owned(), text: text.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    /// `wss` goes through the client's own TLS configuration: a handshake with a port that
    /// does not speak TLS fails as a transport error, and no process-wide provider appears.
    #[tokio::test]
    async fn wss_uses_the_clients_tls_and_no_process_wide_provider() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt as _;
            while let Ok((mut socket, _)) = listener.accept().await {
                let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            }
        });
        let credentials = Credentials::new("k", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=").unwrap();
        let client = Client::builder().base_url(format!("https://{addr}")).credentials(credentials).build().unwrap();
        let error = client.connect_stream(Stream::Markets).await.unwrap_err();
        assert!(error.is_transport(), "{error}");
        assert!(error.to_string().starts_with(&format!("cannot reach wss://{addr}/v1/ws/markets: ")), "{error}");
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    }
}
