//! `ApiError`: every failure a client can see, mapped to one HTTP status and one JSON envelope
//! `{"code": <grpc code>, "message": "...", "details": []}` (the status table of docs/api.md §7).
//!
//! Handlers return `Result<_, ApiError>`; bodies are read through `ApiJson`, which gives a
//! malformed, mistyped or oversized body the same envelope. Internal errors are logged here and
//! reach the client only as a generic message.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use protocol::ErrorBody;
use serde::de::DeserializeOwned;

/// Largest accepted request body. The biggest legitimate body, a 20-entry batch, is a few KiB.
pub(crate) const BODY_BYTES_MAX: usize = 64 * 1024;

/// A failure, as the client sees it.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400 / INVALID_ARGUMENT.
    BadRequest(String),
    /// 401 / UNAUTHENTICATED.
    Unauthenticated(String),
    /// 404 / NOT_FOUND.
    NotFound(String),
    /// 413 / INVALID_ARGUMENT: the body exceeds `BODY_BYTES_MAX`.
    TooLarge,
    /// 429 / RESOURCE_EXHAUSTED, with `Retry-After` in whole seconds.
    TooManyRequests { retry_after_s: u64 },
    /// 429 / RESOURCE_EXHAUSTED: a key's stream connections are all in use.
    TooManyConnections(String),
    /// 501 / UNIMPLEMENTED: a known path with the wrong method.
    MethodNotAllowed,
    /// 503 / UNAVAILABLE: the journal cannot be written, or the server is stopping or full.
    Unavailable(String),
    /// 500 / INTERNAL: logged; the client gets no detail.
    Internal(String),
}

impl ApiError {
    /// The HTTP status and the gRPC code of the envelope.
    pub(crate) fn status(&self) -> (StatusCode, i32) {
        match self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, 3),
            ApiError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, 16),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, 5),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, 3),
            ApiError::TooManyRequests { .. } | ApiError::TooManyConnections(_) => (StatusCode::TOO_MANY_REQUESTS, 8),
            ApiError::MethodNotAllowed => (StatusCode::NOT_IMPLEMENTED, 12),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, 14),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, 13),
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            ApiError::BadRequest(message)
            | ApiError::Unauthenticated(message)
            | ApiError::NotFound(message)
            | ApiError::TooManyConnections(message)
            | ApiError::Unavailable(message) => message.clone(),
            ApiError::TooLarge => format!("request body is larger than {BODY_BYTES_MAX} bytes"),
            ApiError::TooManyRequests { .. } => "Too Many Requests".into(),
            ApiError::MethodNotAllowed => "this path does not accept that HTTP method".into(),
            ApiError::Internal(_) => "internal error".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let (status, code) = self.status();
        let body = ErrorBody { code, message: self.message(), details: Vec::new() };
        let mut response = (status, json_bytes(&body)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let ApiError::TooManyRequests { retry_after_s } = self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        response
    }
}

/// Serializes a response body. Our DTOs always serialize; a failure would be a bug, answered 500.
pub(crate) fn json_bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|error| {
        tracing::error!(%error, "response serialization failed");
        br#"{"code":13,"message":"internal error","details":[]}"#.to_vec()
    })
}

/// A JSON response with the right content type.
pub(crate) struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json_bytes(&self.0)).into_response()
    }
}

/// Reads a JSON body: too large is 413, malformed or mistyped is 400 naming what is wrong.
/// An empty body reads as `{}` (the SDKs send `{}`, curl users often send nothing).
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge
            } else {
                ApiError::BadRequest(format!("cannot read the request body: {}", rejection.body_text()))
            }
        })?;
        parse_body(&bytes).map(ApiJson)
    }
}

/// Parses a request body as `T`, with the envelope's wording on failure.
pub(crate) fn parse_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path.is_empty() || path == "." {
            ApiError::BadRequest(format!("invalid request body: {inner}"))
        } else {
            ApiError::BadRequest(format!("invalid request body: field `{path}`: {inner}"))
        }
    })?;
    deserializer.end().map_err(|error| ApiError::BadRequest(format!("invalid request body: {error}")))?;
    Ok(value)
}
