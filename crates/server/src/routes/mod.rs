//! HTTP handlers, one file per API group, and what they share: query-string parsing, order
//! lookup and the mapping of engine errors to API errors.
//!
//! - `orders`: the 11 Orders endpoints (signed).
//! - `portfolio`: positions, activities and balances (signed).
//! - `markets`: the six public markets endpoints.

pub(crate) mod markets;
pub(crate) mod orders;
pub(crate) mod portfolio;

use engine::EngineError;

use crate::error::ApiError;

/// Splits a raw query string into decoded `(key, value)` pairs, keeping repeats in order
/// (`slugs=a&slugs=b`). `+` is a space; a malformed escape is kept as written.
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else { return Vec::new() };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(key), decode_component(value))
        })
        .collect()
}

/// A query component: `+` is a space, then `%XX` escapes; kept as written if an escape is
/// malformed or the result is not UTF-8.
fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode(&spaced).unwrap_or(spaced)
}

/// Decodes `%XX` escapes; `None` if an escape is malformed or the result is not UTF-8. Shared
/// by query parsing and by signature checks on percent-encoded paths.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            out.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The API error for an engine refusal of a trader's command.
pub(crate) fn engine_error(error: EngineError) -> ApiError {
    match error {
        EngineError::UnknownOrder => ApiError::NotFound("no such open order for this account".into()),
        EngineError::UnknownMarket => ApiError::BadRequest("unknown market slug".into()),
        EngineError::NoPosition => {
            ApiError::BadRequest("no position to close in this market: the net position is zero".into())
        }
        EngineError::MarketSettled => ApiError::BadRequest("the market is settled; its positions are closed".into()),
        other => ApiError::BadRequest(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_keep_repeats_and_decode() {
        let pairs = query_pairs(Some("slugs=a&slugs=b%2Dc&x=1+2&flag&&empty="));
        let expected = [("slugs", "a"), ("slugs", "b-c"), ("x", "1 2"), ("flag", ""), ("empty", "")];
        assert_eq!(pairs.len(), expected.len());
        for ((key, value), (want_key, want_value)) in pairs.iter().zip(expected) {
            assert_eq!((key.as_str(), value.as_str()), (want_key, want_value));
        }
        assert!(query_pairs(None).is_empty());
        assert_eq!(query_pairs(Some("a=%zz"))[0].1, "%zz");
    }
}
