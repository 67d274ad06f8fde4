//! What can go wrong with a call or a stream: `Error`, and `ApiError` for a non-2xx reply
//! (a refused stream upgrade is one too).
//!
//! An `ApiError` carries the HTTP status, the message (the JSON body's `message`, else its
//! `error`, else the raw text of a non-JSON body, else the status's reason phrase: the rule of
//! both official SDKs), the gRPC code when the body has one, `Retry-After` when sent, and the
//! correlation id: the `poly-correlation-id` response header, else the one the client sent.
//! Its `Display` is `<status> <message> (correlation id <id>)`.

use std::fmt;
use std::time::Duration;

use crate::credentials::CredentialsError;

/// Any failure of a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// No reply: connection refused or reset, DNS failure, timeout.
    #[error("cannot reach {url}: {reason}")]
    Transport {
        /// The base URL (scheme, host and port) of the request.
        url: String,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        reason: String,
        /// True when the request timed out.
        timed_out: bool,
        /// The correlation id the request carried.
        correlation_id: String,
    },
    /// A stream's connection broke: reset, protocol error, or no frame for too long.
    #[error("stream {url} failed: {reason}")]
    Stream { url: String, reason: String },
    /// The server closed a stream, with this close code and reason (1008: the reader fell
    /// behind; 1001 or 1012: the server is going away or restarting).
    #[error("the server closed stream {url}: code {code}{}", if reason.is_empty() { String::new() } else { format!(", {reason}") })]
    StreamClosed { url: String, code: u16, reason: String },
    /// A stream frame that does not decode (the stream goes on).
    #[error("undecodable frame on {url}: {reason}: {text}")]
    Frame { url: String, reason: String, text: String },
    /// A 2xx reply whose body is not the expected JSON.
    #[error("unexpected reply from {url} (HTTP {status}): {reason} (correlation id {correlation_id})")]
    Decode { url: String, status: u16, reason: String, correlation_id: String },
    /// A signed endpoint was called on a client without credentials; nothing was sent.
    #[error(
        "no credentials: this call needs an API key (key id and base64 secret key, e.g. from \
         demo-credentials.json or POLYMARKET_KEY_ID / POLYMARKET_SECRET_KEY)"
    )]
    MissingCredentials,
    /// The credentials could not be read or used.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// A base URL that is not an absolute http(s) URL.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// The request body could not be encoded as JSON.
    #[error("cannot encode the request body: {0}")]
    Encode(String),
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot build the HTTP client: {0}")]
    Build(String),
}

impl Error {
    /// The HTTP status of an `Api` or `Decode` error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The correlation id of the call, when a request was sent.
    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Error::Api(error) => Some(&error.correlation_id),
            Error::Transport { correlation_id, .. } | Error::Decode { correlation_id, .. } => Some(correlation_id),
            _ => None,
        }
    }

    /// The `ApiError`, when the server answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// True for a transport failure (no HTTP reply at all).
    pub fn is_transport(&self) -> bool {
        matches!(self, Error::Transport { .. })
    }
}

/// A non-2xx reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// The HTTP status code.
    pub status: u16,
    /// What the server said is wrong.
    pub message: String,
    /// The gRPC code of a `{"code", "message", "details"}` body.
    pub code: Option<i32>,
    /// The `poly-correlation-id` of the reply (else the one sent).
    pub correlation_id: String,
    /// The `Retry-After` delay, when the reply had one in seconds.
    pub retry_after: Option<Duration>,
    /// The body, when it was JSON.
    pub body: Option<serde_json::Value>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} (correlation id {})", self.status, self.message, self.correlation_id)
    }
}

/// The broad class of an `ApiError`, as the official SDKs split them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400.
    BadRequest,
    /// 401.
    Unauthorized,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// 429.
    RateLimited,
    /// 5xx.
    Server,
    /// Anything else.
    Other,
}

impl ApiError {
    /// The class of the status.
    pub fn kind(&self) -> ErrorKind {
        match self.status {
            400 => ErrorKind::BadRequest,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Other,
        }
    }

    /// Builds the error of a reply from its status, reason phrase, headers' values and body.
    pub(crate) fn from_reply(
        status: u16,
        reason: &str,
        correlation_id: String,
        retry_after: Option<Duration>,
        body: &str,
    ) -> ApiError {
        let json = serde_json::from_str::<serde_json::Value>(body).ok();
        let text_of = |key: &str| {
            json.as_ref()
                .and_then(|value| value.get(key))
                .and_then(serde_json::Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        let message = match &json {
            Some(serde_json::Value::Object(_)) => text_of("message").or_else(|| text_of("error")),
            Some(_) => None,
            None => Some(body.trim()).filter(|text| !text.is_empty()).map(str::to_owned),
        }
        .unwrap_or_else(|| if reason.is_empty() { format!("HTTP {status}") } else { reason.to_owned() });
        let code = json
            .as_ref()
            .and_then(|value| value.get("code"))
            .and_then(serde_json::Value::as_i64)
            .and_then(|code| i32::try_from(code).ok());
        ApiError { status, message, code, correlation_id, retry_after, body: json }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(body: &str) -> ApiError {
        ApiError::from_reply(404, "Not Found", "c-1".into(), None, body)
    }

    #[test]
    fn message_is_message_then_error_then_text_then_reason() {
        let envelope = error(r#"{"code":5,"message":"no market `x`","details":[]}"#);
        assert_eq!((envelope.message.as_str(), envelope.code), ("no market `x`", Some(5)));
        assert_eq!(error(r#"{"error":"gone"}"#).message, "gone");
        assert_eq!(error(r#"{"message":"","error":"gone"}"#).message, "gone");
        assert_eq!(error(r#"{"status":404}"#).message, "Not Found");
        assert_eq!(error(r#"["a"]"#).message, "Not Found");
        assert_eq!(error("plain text\n").message, "plain text");
        assert_eq!(error("").message, "Not Found");
        assert_eq!(ApiError::from_reply(599, "", "c".into(), None, "").message, "HTTP 599");
    }

    #[test]
    fn display_and_kind() {
        let envelope = error(r#"{"code":5,"message":"no market `x`","details":[]}"#);
        assert_eq!(envelope.to_string(), "404 no market `x` (correlation id c-1)");
        assert_eq!(envelope.kind(), ErrorKind::NotFound);
        let wrapped = Error::from(envelope);
        assert_eq!(wrapped.to_string(), "404 no market `x` (correlation id c-1)");
        assert_eq!((wrapped.status(), wrapped.correlation_id()), (Some(404), Some("c-1")));
    }
}
