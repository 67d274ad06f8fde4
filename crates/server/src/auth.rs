//! Authentication: the API-key registry and the `Authed` extractor (docs/api.md §8,
//! docs/trading.md §17).
//!
//! A signed request carries `X-PM-Access-Key` (key id), `X-PM-Timestamp` (Unix ms) and
//! `X-PM-Signature` (base64 Ed25519 over `timestamp + METHOD + path`, the path without its query;
//! the body is not signed). `Authed` checks, in order: the three headers are present, the
//! timestamp is digits within the configured window of the server clock (either side), the key
//! is known, the signature is 64 base64-decoded bytes, and it verifies against the key's public
//! key. Each failure is a 401 whose message says which. Only then does the per-key rate limit
//! apply, so forged requests cannot drain a real key's budget. No handler of the signed API can
//! run without an `Authed`, so no unauthenticated request reaches the engine.
//!
//! The signed path: the TypeScript SDK signs the percent-encoded path it sends, the Python SDK
//! the unescaped one; the raw request path is tried first, then its percent-decoding.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use protocol::{HEADER_ACCESS_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP, signing_message};
use types::AccountId;

use crate::AppState;
use crate::error::ApiError;
use crate::routes::percent_decode;

/// One registered API key.
#[derive(Clone, Debug)]
pub(crate) struct KeyEntry {
    pub public_key: VerifyingKey,
    pub account: AccountId,
}

/// Key id -> key. Written by the sequencer when a key grant is applied; read by every request.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    keys: RwLock<HashMap<String, KeyEntry>>,
}

impl Keys {
    /// Registers (or replaces) a key. Key ids are compared in lower case.
    pub(crate) fn insert(&self, key_id: &str, entry: KeyEntry) {
        self.keys.write().unwrap_or_else(|poison| poison.into_inner()).insert(key_id.to_ascii_lowercase(), entry);
    }

    /// Looks a key up.
    pub(crate) fn get(&self, key_id: &str) -> Option<KeyEntry> {
        let keys = self.keys.read().unwrap_or_else(|poison| poison.into_inner());
        if let Some(entry) = keys.get(key_id) {
            return Some(entry.clone());
        }
        keys.get(&key_id.to_ascii_lowercase()).cloned()
    }

    /// True when the key id is registered.
    pub(crate) fn contains(&self, key_id: &str) -> bool {
        self.get(key_id).is_some()
    }
}

/// The authenticated caller of a signed endpoint.
#[derive(Clone, Debug)]
pub(crate) struct Authed {
    pub account: AccountId,
    pub key_id: String,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Authed, ApiError> {
        let now_ms = crate::clock::now_ms();
        let authed = authenticate(parts, &state.keys, state.timestamp_window_ms, now_ms)?;
        state.limiter.check(&authed.key_id)?;
        Ok(authed)
    }
}

/// Checks a request's credentials against `keys` at `now_ms`.
pub(crate) fn authenticate(parts: &Parts, keys: &Keys, window_ms: u64, now_ms: i64) -> Result<Authed, ApiError> {
    let header = |name: &str| -> Result<&str, ApiError> {
        let value = parts
            .headers
            .get(name)
            .ok_or_else(|| ApiError::Unauthenticated(format!("missing {name} header: sign every api request")))?;
        value.to_str().map_err(|_| ApiError::Unauthenticated(format!("malformed {name} header: not visible ASCII")))
    };
    let key_id = header(HEADER_ACCESS_KEY)?;
    let timestamp = header(HEADER_TIMESTAMP)?;
    let signature = header(HEADER_SIGNATURE)?;

    let timestamp_ms: i64 = match timestamp.parse() {
        Ok(ms) if !timestamp.is_empty() && timestamp.bytes().all(|b| b.is_ascii_digit()) => ms,
        _ => {
            return Err(ApiError::Unauthenticated(format!(
                "malformed {HEADER_TIMESTAMP} header {timestamp:?}: expected Unix time in milliseconds"
            )));
        }
    };
    let skew = i128::from(timestamp_ms) - i128::from(now_ms);
    if skew.unsigned_abs() > u128::from(window_ms) {
        return Err(ApiError::Unauthenticated(format!(
            "stale {HEADER_TIMESTAMP}: {timestamp_ms} is {skew} ms from server time {now_ms}; \
             the window is {window_ms} ms, check the clock"
        )));
    }
    let key = keys.get(key_id).ok_or_else(|| ApiError::Unauthenticated(format!("unknown API key {key_id:?}")))?;
    let signature = STANDARD
        .decode(signature)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .map(|bytes| Signature::from_bytes(&bytes))
        .ok_or_else(|| {
            ApiError::Unauthenticated(format!("malformed {HEADER_SIGNATURE} header: expected base64 of 64 bytes"))
        })?;
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let verifies =
        |path: &str| key.public_key.verify(signing_message(timestamp, method, path).as_bytes(), &signature).is_ok();
    let verified = verifies(path) || percent_decode(path).is_some_and(|decoded| decoded != path && verifies(&decoded));
    if !verified {
        return Err(ApiError::Unauthenticated(
            "invalid signature: sign timestamp + METHOD + path (without the query) with the key's secret".into(),
        ));
    }
    Ok(Authed { account: key.account, key_id: key_id.to_ascii_lowercase() })
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    const SECRET: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    const PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    const KEY: &str = "0b6f9a1e-3c52-4d7e-9a0f-2f1d3c4b5a69";
    const NOW_MS: i64 = 1_700_000_000_000;

    fn keys() -> Keys {
        let keys = Keys::default();
        let public: [u8; 32] = STANDARD.decode(PUBLIC).unwrap().try_into().unwrap();
        keys.insert(KEY, KeyEntry { public_key: VerifyingKey::from_bytes(&public).unwrap(), account: AccountId(7) });
        keys
    }

    fn parts(method: &str, uri: &str, headers: &[(&str, String)]) -> Parts {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn signed(method: &str, uri: &str, signed_path: &str, ts: i64) -> Parts {
        let signature = protocol::sign(SECRET, &signing_message(&ts.to_string(), method, signed_path)).unwrap();
        parts(
            method,
            uri,
            &[(HEADER_ACCESS_KEY, KEY.into()), (HEADER_TIMESTAMP, ts.to_string()), (HEADER_SIGNATURE, signature)],
        )
    }

    fn rejection(parts: &Parts) -> String {
        match authenticate(parts, &keys(), 30_000, NOW_MS) {
            Err(ApiError::Unauthenticated(message)) => message,
            other => panic!("expected 401, got {other:?}"),
        }
    }

    #[test]
    fn a_good_signature_names_the_account_and_ignores_the_query() {
        let parts = signed("GET", "/v1/orders/open?slugs=a&slugs=b", "/v1/orders/open", NOW_MS);
        let authed = authenticate(&parts, &keys(), 30_000, NOW_MS).unwrap();
        assert_eq!(authed.account, AccountId(7));
    }

    #[test]
    fn the_documented_test_vector_verifies() {
        let parts = parts(
            "GET",
            "/v1/account/balances",
            &[
                (HEADER_ACCESS_KEY, KEY.into()),
                (HEADER_TIMESTAMP, "1700000000000".into()),
                (
                    HEADER_SIGNATURE,
                    "EL/Y2aPb2Ci/CAcrcS9Ya6nHoZLWrrjyeKC4ZOevcnk/BHx+bzuLF5vQDVUQlOuxElFwoHUZxlbFHeZxEQhaCw==".into(),
                ),
            ],
        );
        assert!(authenticate(&parts, &keys(), 30_000, NOW_MS).is_ok());
    }

    #[test]
    fn percent_encoded_paths_verify_either_way() {
        let raw = signed("POST", "/v1/order/a%20b/cancel", "/v1/order/a%20b/cancel", NOW_MS);
        assert!(authenticate(&raw, &keys(), 30_000, NOW_MS).is_ok());
        let decoded = signed("POST", "/v1/order/a%20b/cancel", "/v1/order/a b/cancel", NOW_MS);
        assert!(authenticate(&decoded, &keys(), 30_000, NOW_MS).is_ok());
    }

    #[test]
    fn each_failure_says_what_is_wrong() {
        assert!(rejection(&parts("GET", "/v1/account/balances", &[])).contains("missing X-PM-Access-Key"));
        let mut stale = signed("GET", "/v1/account/balances", "/v1/account/balances", NOW_MS - 31_000);
        assert!(rejection(&stale).contains("stale"));
        stale = signed("GET", "/v1/account/balances", "/v1/account/balances", NOW_MS + 31_000);
        assert!(rejection(&stale).contains("stale"));
        let mut forged = signed("GET", "/v1/account/balances", "/v1/account/balance", NOW_MS);
        assert!(rejection(&forged).contains("invalid signature"));
        forged.headers.insert(HEADER_SIGNATURE, "not base64!".parse().unwrap());
        assert!(rejection(&forged).contains("malformed X-PM-Signature"));
        forged.headers.insert(HEADER_TIMESTAMP, "12a".parse().unwrap());
        assert!(rejection(&forged).contains("malformed X-PM-Timestamp"));
        let mut unknown = signed("GET", "/v1/account/balances", "/v1/account/balances", NOW_MS);
        unknown.headers.insert(HEADER_ACCESS_KEY, "5e0e8e57-0000-4000-8000-000000000000".parse().unwrap());
        assert!(rejection(&unknown).contains("unknown API key"));
        // The window edge is inclusive.
        let edge = signed("GET", "/v1/account/balances", "/v1/account/balances", NOW_MS - 30_000);
        assert!(authenticate(&edge, &keys(), 30_000, NOW_MS).is_ok());
    }
}
