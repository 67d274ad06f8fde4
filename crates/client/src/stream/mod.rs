//! The WebSocket streams (`/v1/ws/private`, `/v1/ws/markets`): typed frames over
//! tokio-tungstenite, and a subscriber that reconnects.
//!
//! - `connection`: `StreamConnection`, one signed WebSocket: `subscribe`, `unsubscribe`,
//!   `next` (each frame as a `Frame`: its text and `protocol::ServerFrame`, heartbeats
//!   included) and `close` (code 1000, reason `OK`). `Client::connect_stream` opens one.
//! - `subscriber`: `Subscriber`, a stream kept open: it subscribes, yields `Event`s, and when
//!   the connection drops (an error, a close frame, a server restart, 1008 for a slow reader,
//!   silence past `ReconnectPolicy::idle_timeout`) reconnects with exponential backoff and
//!   jitter and sends every subscription again. `Client::subscriber` opens one.
//!
//! The upgrade is signed like a GET of the stream's path: `X-PM-Access-Key`,
//! `X-PM-Timestamp` and `X-PM-Signature` over `timestamp + "GET" + path`
//! (`Credentials::headers`), with a fresh `poly-correlation-id`. Both streams need
//! credentials. The URL is the api base URL with `http` turned into `ws` and `https` into
//! `wss` (default `wss://api.polymarket.us`), a path prefix kept but not signed, as for HTTP
//! calls. TLS is the client's own rustls configuration. A refused upgrade (401, 429, ...)
//! is `Error::Api` with the status and the body's message.
//!
//! Architecture invariant: no background task. A stream makes progress only while its owner
//! awaits `next` (which also answers the server's pings); dropping it closes the socket.

mod connection;
mod subscriber;

use protocol::{HEADER_CORRELATION_ID, Stream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue, Request};

pub use self::connection::{Frame, MESSAGE_BYTES_MAX, StreamConnection};
pub use self::subscriber::{Event, ReconnectPolicy, Subscriber};

use crate::error::Error;

/// The WebSocket URL of `stream` under the api base URL `api_url` (already normalized:
/// `http(s)://host[:port][/prefix]`, no trailing `/`).
pub(crate) fn stream_url(api_url: &str, stream: Stream) -> Result<String, Error> {
    let invalid = |reason: &str| Error::InvalidUrl { url: api_url.to_owned(), reason: reason.to_owned() };
    let rest = if let Some(rest) = api_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = api_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        return Err(invalid("the scheme must be http or https"));
    };
    Ok(format!("{rest}{}", stream.path()))
}

/// The upgrade request of `url`: the signed headers (made for a GET of the stream's path),
/// the correlation id and the user agent.
pub(crate) fn upgrade_request(
    url: &str,
    signed: &[(&'static str, String)],
    correlation_id: &str,
    user_agent: &str,
) -> Result<Request<()>, Error> {
    let mut request = url
        .into_client_request()
        .map_err(|error| Error::InvalidUrl { url: url.to_owned(), reason: error.to_string() })?;
    let headers = request.headers_mut();
    let pairs = signed
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .chain([(HEADER_CORRELATION_ID, correlation_id), ("user-agent", user_agent)]);
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|error| Error::Encode(format!("header name `{name}`: {error}")))?;
        let value = HeaderValue::from_str(value).map_err(|error| Error::Encode(format!("header `{name}`: {error}")))?;
        headers.insert(name, value);
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn urls_follow_the_api_base() {
        let cases = [
            ("https://api.polymarket.us", Stream::Private, "wss://api.polymarket.us/v1/ws/private"),
            ("https://api.polymarket.us", Stream::Markets, "wss://api.polymarket.us/v1/ws/markets"),
            ("http://127.0.0.1:8080", Stream::Markets, "ws://127.0.0.1:8080/v1/ws/markets"),
            ("http://localhost:9/pmx", Stream::Private, "ws://localhost:9/pmx/v1/ws/private"),
        ];
        for (base, stream, want) in cases {
            assert_eq!(stream_url(base, stream).unwrap(), want, "{base}");
        }
        assert!(matches!(stream_url("ftp://x", Stream::Private), Err(Error::InvalidUrl { .. })));
    }

    #[test]
    fn the_default_client_streams_from_the_real_api_host() {
        let client = crate::Client::new(None).unwrap();
        assert_eq!(stream_url(client.api_url(), Stream::Markets).unwrap(), "wss://api.polymarket.us/v1/ws/markets");
    }

    #[test]
    fn the_upgrade_is_signed_as_a_get_of_the_stream_path() {
        // docs/sdk.md §2's RFC 8032 test-1 key.
        let secret = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
        let credentials = Credentials::new("key-1", secret).unwrap();
        let signed = credentials.headers_at(1_700_000_000_000, "GET", Stream::Private.path());
        let url = "ws://127.0.0.1:9/prefix/v1/ws/private";
        let request = upgrade_request(url, &signed, "c-1", "pmx-test").unwrap();
        assert_eq!(request.method(), "GET");
        assert_eq!(request.uri(), url);
        let header = |name: &str| request.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or("");
        assert_eq!(header("x-pm-access-key"), "key-1");
        assert_eq!(header("x-pm-timestamp"), "1700000000000");
        assert_eq!(header("poly-correlation-id"), "c-1");
        assert_eq!(header("user-agent"), "pmx-test");
        // The signature covers `timestamp + "GET" + path`, the path without the prefix.
        let public = protocol::public_key(secret).unwrap();
        let message = format!("1700000000000GET{}", "/v1/ws/private");
        assert!(protocol::verify(&public, &message, header("x-pm-signature")));
        assert!(!protocol::verify(&public, "1700000000000GET/prefix/v1/ws/private", header("x-pm-signature")));
        // The WebSocket handshake headers are there too.
        assert_eq!(header("upgrade"), "websocket");
        assert!(!header("sec-websocket-key").is_empty());
    }
}
