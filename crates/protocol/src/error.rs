//! The error envelope: a google.rpc.Status body, `{"code": 3, "message": "...", "details": []}`.
//!
//! Both official SDKs read the text from `message`, so every JSON error carries one. The
//! HTTP status and gRPC code pairs pmx uses are those of docs/api.md §7, listed in `grpc`.
//! Reading is lenient (a missing `code` or `details` defaults), so a client can also parse
//! the documented 429 body `{"status": 429, "message": "Too Many Requests"}`.

use serde::{Deserialize, Serialize};

/// gRPC status codes used in error bodies, with the HTTP status each goes with.
pub mod grpc {
    /// HTTP 400.
    pub const INVALID_ARGUMENT: i32 = 3;
    /// HTTP 404.
    pub const NOT_FOUND: i32 = 5;
    /// HTTP 403.
    pub const PERMISSION_DENIED: i32 = 7;
    /// HTTP 429.
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    /// HTTP 501.
    pub const UNIMPLEMENTED: i32 = 12;
    /// HTTP 500.
    pub const INTERNAL: i32 = 13;
    /// HTTP 503.
    pub const UNAVAILABLE: i32 = 14;
    /// HTTP 401.
    pub const UNAUTHENTICATED: i32 = 16;
}

/// An error reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The gRPC status code (see `grpc`).
    #[serde(default)]
    pub code: i32,
    /// What is wrong and how to fix it.
    #[serde(default)]
    pub message: String,
    /// Always empty from pmx.
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

impl ErrorBody {
    /// An error with no details.
    pub fn new(code: i32, message: impl Into<String>) -> ErrorBody {
        ErrorBody { code, message: message.into(), details: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape() {
        let body = ErrorBody::new(grpc::INVALID_ARGUMENT, "quantity must not be negative");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(json, r#"{"code":3,"message":"quantity must not be negative","details":[]}"#);
        assert_eq!(serde_json::from_str::<ErrorBody>(&json).unwrap(), body);
        let limited: ErrorBody = serde_json::from_str(r#"{ "status": 429, "message": "Too Many Requests" }"#).unwrap();
        assert_eq!(limited, ErrorBody::new(0, "Too Many Requests"));
    }
}
