//! `Call`: one API request described as data (method, host, path, query, JSON body), with one
//! constructor per endpoint of docs/api.md §2-§5 and `/healthz`. This file is the only place that
//! knows the paths.
//!
//! `Client::send` runs a `Call` and hands back the raw reply (`RawResponse`), for callers that
//! want the server's JSON as sent (the CLI's `--json`); the typed methods of `Client` are
//! `send` plus decoding. Path segments (order ids, slugs) are percent-encoded; the signature
//! covers the encoded path, which is what the server receives.

use protocol::{
    ActivitiesQuery, CancelOpenOrdersRequest, CancelOrderListRequest, CancelOrderRequest, ClosePositionOrderRequest,
    CreateOrderListRequest, CreateOrderRequest, MarketsQuery, ModifyOrderListRequest, ModifyOrderRequest,
    OpenOrdersQuery, PositionsQuery, PreviewOrderRequest,
};
use serde::Serialize;

/// Which base URL a call goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    /// `https://api.polymarket.us`: signed trading, portfolio and account endpoints.
    Api,
    /// `https://gateway.polymarket.us`: public market data.
    Gateway,
}

/// The HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }

    /// True for methods that may be retried safely.
    pub const fn is_idempotent(self) -> bool {
        matches!(self, Method::Get)
    }
}

/// One request to the API.
#[derive(Clone, Debug)]
pub struct Call {
    method: Method,
    host: Host,
    path: String,
    query: Vec<(String, String)>,
    body: Body,
}

#[derive(Clone, Debug)]
pub(crate) enum Body {
    None,
    Json(Vec<u8>),
    /// The value could not be encoded; `send` reports it without sending anything.
    Invalid(String),
}

/// Percent-encodes a path segment (everything but RFC 3986 unreserved characters).
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Call {
    fn new(method: Method, host: Host, path: String) -> Call {
        Call { method, host, path, query: Vec::new(), body: Body::None }
    }

    fn get(host: Host, path: impl Into<String>) -> Call {
        Call::new(Method::Get, host, path.into())
    }

    fn post(path: impl Into<String>, body: &impl Serialize) -> Call {
        let mut call = Call::new(Method::Post, Host::Api, path.into());
        call.body = match serde_json::to_vec(body) {
            Ok(bytes) => Body::Json(bytes),
            Err(error) => Body::Invalid(error.to_string()),
        };
        call
    }

    fn with_query(mut self, query: Vec<(String, String)>) -> Call {
        self.query = query;
        self
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The host.
    pub fn host(&self) -> Host {
        self.host
    }

    /// The path, percent-encoded, without the query (the signed part).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters, in order (repeated keys for arrays).
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// True when the call needs signed headers (every `api` host call).
    pub fn is_signed(&self) -> bool {
        self.host == Host::Api
    }

    pub(crate) fn body(&self) -> &Body {
        &self.body
    }

    // Health.

    /// `GET /healthz` (pmx only; on the gateway base URL).
    pub fn health() -> Call {
        Call::get(Host::Gateway, "/healthz")
    }

    // Markets (gateway, public), docs/api.md §5.

    /// `GET /v1/markets`.
    pub fn markets(query: &MarketsQuery) -> Call {
        Call::get(Host::Gateway, "/v1/markets").with_query(query.to_pairs())
    }

    /// `GET /v1/market/id/{id}`.
    pub fn market_by_id(id: i64) -> Call {
        Call::get(Host::Gateway, format!("/v1/market/id/{id}"))
    }

    /// `GET /v1/market/slug/{slug}`.
    pub fn market_by_slug(slug: &str) -> Call {
        Call::get(Host::Gateway, format!("/v1/market/slug/{}", segment(slug)))
    }

    /// `GET /v1/markets/{slug}/book`.
    pub fn book(slug: &str) -> Call {
        Call::get(Host::Gateway, format!("/v1/markets/{}/book", segment(slug)))
    }

    /// `GET /v1/markets/{slug}/bbo`.
    pub fn bbo(slug: &str) -> Call {
        Call::get(Host::Gateway, format!("/v1/markets/{}/bbo", segment(slug)))
    }

    /// `GET /v1/markets/{slug}/settlement`.
    pub fn settlement(slug: &str) -> Call {
        Call::get(Host::Gateway, format!("/v1/markets/{}/settlement", segment(slug)))
    }

    // Orders (api, signed), docs/api.md §2.

    /// `POST /v1/orders`.
    pub fn create_order(request: &CreateOrderRequest) -> Call {
        Call::post("/v1/orders", request)
    }

    /// `POST /v1/orders/batched`.
    pub fn create_orders(request: &CreateOrderListRequest) -> Call {
        Call::post("/v1/orders/batched", request)
    }

    /// `POST /v1/orders/batched/cancel`.
    pub fn cancel_orders(request: &CancelOrderListRequest) -> Call {
        Call::post("/v1/orders/batched/cancel", request)
    }

    /// `POST /v1/orders/batched/modify`.
    pub fn modify_orders(request: &ModifyOrderListRequest) -> Call {
        Call::post("/v1/orders/batched/modify", request)
    }

    /// `GET /v1/orders/open`.
    pub fn open_orders(query: &OpenOrdersQuery) -> Call {
        Call::get(Host::Api, "/v1/orders/open").with_query(query.to_pairs())
    }

    /// `GET /v1/order/{orderId}`.
    pub fn order(order_id: &str) -> Call {
        Call::get(Host::Api, format!("/v1/order/{}", segment(order_id)))
    }

    /// `POST /v1/order/{orderId}/cancel`.
    pub fn cancel_order(order_id: &str, request: &CancelOrderRequest) -> Call {
        Call::post(format!("/v1/order/{}/cancel", segment(order_id)), request)
    }

    /// `POST /v1/order/{orderId}/modify`.
    pub fn modify_order(order_id: &str, request: &ModifyOrderRequest) -> Call {
        Call::post(format!("/v1/order/{}/modify", segment(order_id)), request)
    }

    /// `POST /v1/orders/open/cancel`.
    pub fn cancel_open_orders(request: &CancelOpenOrdersRequest) -> Call {
        Call::post("/v1/orders/open/cancel", request)
    }

    /// `POST /v1/order/preview`.
    pub fn preview_order(request: &PreviewOrderRequest) -> Call {
        Call::post("/v1/order/preview", request)
    }

    /// `POST /v1/order/close-position`.
    pub fn close_position(request: &ClosePositionOrderRequest) -> Call {
        Call::post("/v1/order/close-position", request)
    }

    // Portfolio and account (api, signed), docs/api.md §3, §4.

    /// `GET /v1/portfolio/positions`.
    pub fn positions(query: &PositionsQuery) -> Call {
        Call::get(Host::Api, "/v1/portfolio/positions").with_query(query.to_pairs())
    }

    /// `GET /v1/portfolio/activities`.
    pub fn activities(query: &ActivitiesQuery) -> Call {
        Call::get(Host::Api, "/v1/portfolio/activities").with_query(query.to_pairs())
    }

    /// `GET /v1/account/balances`.
    pub fn balances() -> Call {
        Call::get(Host::Api, "/v1/account/balances")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_hosts_and_bodies() {
        let open = Call::open_orders(&OpenOrdersQuery { slugs: vec!["a".into(), "b".into()] });
        assert_eq!((open.method(), open.host(), open.path()), (Method::Get, Host::Api, "/v1/orders/open"));
        assert_eq!(open.query().len(), 2);
        assert!(open.is_signed());
        let book = Call::book("nyc rain/1");
        assert_eq!(book.path(), "/v1/markets/nyc%20rain%2F1/book");
        assert!(!book.is_signed());
        let cancel = Call::cancel_order("42", &CancelOrderRequest::default());
        assert_eq!((cancel.method(), cancel.path()), (Method::Post, "/v1/order/42/cancel"));
        assert!(matches!(cancel.body(), Body::Json(bytes) if bytes == b"{}"));
        assert!(!Method::Post.is_idempotent());
        assert!(Method::Get.is_idempotent());
    }
}
