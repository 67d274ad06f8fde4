//! The WebSocket streams (docs/api.md §6): what a client sends and what the server sends back.
//!
//! Client to server: `ClientFrame::parse` reads a subscribe or unsubscribe frame in either
//! accepted form, camelCase keys with string enums (what the SDKs send) or snake_case keys with
//! the integer enums of the overview page (integers mean different types on the two streams,
//! so parsing needs the stream). `ClientFrame::to_json` writes the camelCase form.
//!
//! Server to client: a data frame is `{"requestId", "subscriptionType", "<payloadKey>": {..}}`
//! with exactly one payload key, never an `error` or `heartbeat` key; `Payload` is the payload
//! with its key. Only the envelope differs between the subscribers of one change, so a server
//! serializes a payload once (`Payload::to_json`) and wraps it per subscriber (`data_frame`).
//! `ServerFrame::parse` reads any frame back, routing by its first known key as the SDKs do.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::account::UserBalance;
use crate::amount::Amount;
use crate::enums::{LedgerEntryType, OrderIntent, OrderSide, SubscriptionType};
use crate::market::{MarketData, MarketDataLite};
use crate::order::{Execution, Order};
use crate::portfolio::UserPosition;

/// At most this many markets in one subscription's `marketSlugs` (docs/api.md §6.6).
pub const MARKETS_PER_SUBSCRIPTION_MAX: usize = 100;
/// The longest accepted `requestId`, in bytes.
pub const REQUEST_ID_BYTES_MAX: usize = 256;
/// The heartbeat frame.
pub const HEARTBEAT_FRAME: &str = r#"{"heartbeat":{}}"#;

/// The two streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    /// `/v1/ws/private`: the caller's orders, positions and balances.
    Private,
    /// `/v1/ws/markets`: books and trades.
    Markets,
}

impl Stream {
    /// The stream's path, which is also what the upgrade request signs.
    pub const fn path(self) -> &'static str {
        match self {
            Stream::Private => "/v1/ws/private",
            Stream::Markets => "/v1/ws/markets",
        }
    }
}

impl SubscriptionType {
    /// The stream the type belongs to.
    pub const fn stream(self) -> Stream {
        match self {
            SubscriptionType::Order
            | SubscriptionType::OrderSnapshot
            | SubscriptionType::Position
            | SubscriptionType::AccountBalance
            | SubscriptionType::Rfq => Stream::Private,
            SubscriptionType::MarketData | SubscriptionType::MarketDataLite | SubscriptionType::Trade => {
                Stream::Markets
            }
        }
    }

    /// The overview page's integer for the type, on its own stream (only the documented ones).
    pub const fn code(self) -> Option<i64> {
        match self {
            SubscriptionType::Order | SubscriptionType::MarketData => Some(1),
            SubscriptionType::MarketDataLite => Some(2),
            SubscriptionType::Position | SubscriptionType::Trade => Some(3),
            SubscriptionType::AccountBalance => Some(4),
            SubscriptionType::OrderSnapshot | SubscriptionType::Rfq => None,
        }
    }

    /// The type an overview-page integer names on `stream`.
    pub fn from_code(stream: Stream, code: i64) -> Option<SubscriptionType> {
        SubscriptionType::ALL.iter().copied().find(|kind| kind.stream() == stream && kind.code() == Some(code))
    }
}

/// A subscribe request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscribe {
    /// The client's id for the subscription, echoed on each of its frames.
    pub request_id: String,
    pub subscription_type: SubscriptionType,
    /// The markets; empty means all (private stream only).
    pub market_slugs: Vec<String>,
    /// Markets stream: at most one market-data frame per market per interval.
    pub responses_debounced: bool,
}

impl Subscribe {
    /// A subscription to `markets` (none: every market, on the private stream), not debounced.
    pub fn new(request_id: impl Into<String>, subscription_type: SubscriptionType, markets: &[&str]) -> Subscribe {
        Subscribe {
            request_id: request_id.into(),
            subscription_type,
            market_slugs: markets.iter().map(|slug| (*slug).to_owned()).collect(),
            responses_debounced: false,
        }
    }
}

/// A frame a client sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Subscribe(Subscribe),
    Unsubscribe { request_id: String },
}

/// Why a frame could not be read: what the error frame says, with the request id when the
/// frame named one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FrameError {
    pub request_id: Option<String>,
    pub message: String,
}

impl FrameError {
    fn new(request_id: Option<&str>, message: impl Into<String>) -> FrameError {
        FrameError { request_id: request_id.map(str::to_owned), message: message.into() }
    }
}

const SUBSCRIBE_KEYS: [(&str, &str); 4] = [
    ("requestId", "request_id"),
    ("subscriptionType", "subscription_type"),
    ("marketSlugs", "market_slugs"),
    ("responsesDebounced", "responses_debounced"),
];

impl ClientFrame {
    /// Reads a frame received on `stream`.
    pub fn parse(text: &str, stream: Stream) -> Result<ClientFrame, FrameError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|error| FrameError::new(None, format!("the frame is not JSON: {error}")))?;
        let shape = "expected {\"subscribe\": {..}} or {\"unsubscribe\": {..}}";
        let Value::Object(frame) = value else {
            return Err(FrameError::new(None, format!("the frame is not a JSON object: {shape}")));
        };
        let mut entries = frame.into_iter();
        let (Some((key, body)), None) = (entries.next(), entries.next()) else {
            return Err(FrameError::new(None, format!("the frame must have exactly one key: {shape}")));
        };
        let Value::Object(body) = body else {
            return Err(FrameError::new(None, format!("`{key}` must be an object: {shape}")));
        };
        let request_id = request_id(&body)?;
        let fail = |message: String| FrameError::new(Some(&request_id), message);
        match key.as_str() {
            "subscribe" => {
                if let Some(unknown) =
                    body.keys().find(|key| !SUBSCRIBE_KEYS.iter().any(|(camel, snake)| key == camel || key == snake))
                {
                    return Err(fail(format!(
                        "unknown key `{unknown}` in subscribe: expected requestId, subscriptionType, marketSlugs, \
                         responsesDebounced"
                    )));
                }
                let subscription_type = match field(&body, SUBSCRIBE_KEYS[1]) {
                    Some(Value::String(text)) => SubscriptionType::from_wire(text)
                        .ok_or_else(|| fail(format!("unknown subscriptionType {text:?}")))?,
                    Some(Value::Number(number)) => number
                        .as_i64()
                        .and_then(|code| SubscriptionType::from_code(stream, code))
                        .ok_or_else(|| fail(format!("unknown subscriptionType {number} on {}", stream.path())))?,
                    Some(_) => return Err(fail("subscriptionType must be a string or an integer".into())),
                    None => return Err(fail("subscribe needs a subscriptionType".into())),
                };
                let market_slugs = match field(&body, SUBSCRIBE_KEYS[2]) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(slugs)) => slugs
                        .iter()
                        .map(|slug| slug.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| fail("marketSlugs must be an array of strings".into()))?,
                    Some(_) => return Err(fail("marketSlugs must be an array of strings".into())),
                };
                let responses_debounced = match field(&body, SUBSCRIBE_KEYS[3]) {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(debounced)) => *debounced,
                    Some(_) => return Err(fail("responsesDebounced must be true or false".into())),
                };
                Ok(ClientFrame::Subscribe(Subscribe {
                    request_id,
                    subscription_type,
                    market_slugs,
                    responses_debounced,
                }))
            }
            "unsubscribe" => {
                if let Some(unknown) = body.keys().find(|key| *key != "requestId" && *key != "request_id") {
                    return Err(fail(format!("unknown key `{unknown}` in unsubscribe: expected requestId")));
                }
                Ok(ClientFrame::Unsubscribe { request_id })
            }
            other => Err(fail(format!("unknown frame `{other}`: {shape}"))),
        }
    }

    /// The frame in the camelCase form the SDKs send.
    pub fn to_json(&self) -> String {
        let frame = match self {
            ClientFrame::Subscribe(subscribe) => {
                let mut body = Map::new();
                body.insert("requestId".into(), subscribe.request_id.clone().into());
                body.insert("subscriptionType".into(), subscribe.subscription_type.as_str().into());
                if !subscribe.market_slugs.is_empty() {
                    body.insert("marketSlugs".into(), subscribe.market_slugs.clone().into());
                }
                if subscribe.responses_debounced {
                    body.insert("responsesDebounced".into(), true.into());
                }
                serde_json::json!({ "subscribe": body })
            }
            ClientFrame::Unsubscribe { request_id } => {
                serde_json::json!({ "unsubscribe": { "requestId": request_id } })
            }
        };
        frame.to_string()
    }
}

fn field<'a>(body: &'a Map<String, Value>, (camel, snake): (&str, &str)) -> Option<&'a Value> {
    body.get(camel).or_else(|| body.get(snake))
}

fn request_id(body: &Map<String, Value>) -> Result<String, FrameError> {
    match field(body, SUBSCRIBE_KEYS[0]) {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= REQUEST_ID_BYTES_MAX => Ok(id.clone()),
        Some(Value::String(_)) => Err(FrameError::new(
            None,
            format!("requestId must be a non-empty string of at most {REQUEST_ID_BYTES_MAX} bytes"),
        )),
        Some(_) => Err(FrameError::new(None, "requestId must be a string")),
        None => Err(FrameError::new(None, "the frame needs a requestId")),
    }
}

/// `orderSubscriptionSnapshot`: one page of open orders; `eof` marks the last.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSubscriptionSnapshot {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub eof: bool,
}

/// `orderSubscriptionUpdate`: one execution of one of the caller's orders.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderSubscriptionUpdate {
    pub execution: Execution,
}

/// `positionSubscription`: a position before and after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionSubscription {
    #[serde(default)]
    pub before_position: Option<UserPosition>,
    #[serde(default)]
    pub after_position: Option<UserPosition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_type: Option<LedgerEntryType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation_group_id: Option<String>,
    #[serde(default)]
    pub transfer_reference_trade_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_transfer: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_trade_date: Option<String>,
}

/// `accountBalancesSnapshot`: the balances at subscription.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBalancesSnapshot {
    #[serde(default)]
    pub balances: Vec<UserBalance>,
}

/// `accountBalancesUpdate`: one change of a balance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBalancesUpdate {
    pub balance_change: BalanceChange,
}

/// A balance before and after a change, and what caused it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceChange {
    #[serde(default)]
    pub before_balance: Option<UserBalance>,
    #[serde(default)]
    pub after_balance: Option<UserBalance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_security_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry_type: Option<LedgerEntryType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// One side of a trade on the markets stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradeParty {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<OrderSide>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<OrderIntent>,
}

/// `trade`: one trade. `quantity` is an Amount whose value is the contract count, with
/// currency `"USD"`, as documented.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TradeUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker: Option<TradeParty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taker: Option<TradeParty>,
}

/// A data frame's payload, under its key (boxed: the shapes differ widely in size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    OrderSnapshot(Box<OrderSubscriptionSnapshot>),
    OrderUpdate(Box<OrderSubscriptionUpdate>),
    Position(Box<PositionSubscription>),
    BalancesSnapshot(Box<AccountBalancesSnapshot>),
    BalancesUpdate(Box<AccountBalancesUpdate>),
    MarketData(Box<MarketData>),
    MarketDataLite(Box<MarketDataLite>),
    Trade(Box<TradeUpdate>),
}

/// Keys the SDKs also route and older gateways sent; read back as the current payloads.
const LEGACY_KEYS: [(&str, &str); 7] = [
    ("ordersSnapshot", "orderSubscriptionSnapshot"),
    ("orderUpdate", "orderSubscriptionUpdate"),
    ("positionSubscriptionUpdate", "positionSubscription"),
    ("positionUpdate", "positionSubscription"),
    ("accountBalanceSubscriptionSnapshot", "accountBalancesSnapshot"),
    ("accountBalanceSubscriptionUpdate", "accountBalancesUpdate"),
    ("accountBalanceUpdate", "accountBalancesUpdate"),
];

/// The payload keys pmx sends.
pub const PAYLOAD_KEYS: [&str; 8] = [
    "orderSubscriptionSnapshot",
    "orderSubscriptionUpdate",
    "positionSubscription",
    "accountBalancesSnapshot",
    "accountBalancesUpdate",
    "marketData",
    "marketDataLite",
    "trade",
];

impl Payload {
    /// The payload's key in the frame.
    pub const fn key(&self) -> &'static str {
        match self {
            Payload::OrderSnapshot(_) => PAYLOAD_KEYS[0],
            Payload::OrderUpdate(_) => PAYLOAD_KEYS[1],
            Payload::Position(_) => PAYLOAD_KEYS[2],
            Payload::BalancesSnapshot(_) => PAYLOAD_KEYS[3],
            Payload::BalancesUpdate(_) => PAYLOAD_KEYS[4],
            Payload::MarketData(_) => PAYLOAD_KEYS[5],
            Payload::MarketDataLite(_) => PAYLOAD_KEYS[6],
            Payload::Trade(_) => PAYLOAD_KEYS[7],
        }
    }

    /// The payload serialized once, ready to be wrapped for each subscriber.
    pub fn to_json(&self) -> PayloadJson {
        let json = match self {
            Payload::OrderSnapshot(body) => serde_json::to_string(body),
            Payload::OrderUpdate(body) => serde_json::to_string(body),
            Payload::Position(body) => serde_json::to_string(body),
            Payload::BalancesSnapshot(body) => serde_json::to_string(body),
            Payload::BalancesUpdate(body) => serde_json::to_string(body),
            Payload::MarketData(body) => serde_json::to_string(body),
            Payload::MarketDataLite(body) => serde_json::to_string(body),
            Payload::Trade(body) => serde_json::to_string(body),
        };
        // These types serialize only strings, numbers kept as text, and maps with string
        // keys: serde_json cannot fail on them.
        PayloadJson { key: self.key(), json: json.unwrap_or_else(|_| "{}".to_owned()) }
    }

    fn decode(key: &str, body: Value) -> Option<Result<Payload, serde_json::Error>> {
        let key = LEGACY_KEYS.iter().find(|(legacy, _)| *legacy == key).map_or(key, |(_, current)| current);
        let payload = match key {
            "orderSubscriptionSnapshot" => {
                serde_json::from_value(body).map(|body| Payload::OrderSnapshot(Box::new(body)))
            }
            "orderSubscriptionUpdate" => serde_json::from_value(body).map(|body| Payload::OrderUpdate(Box::new(body))),
            "positionSubscription" => serde_json::from_value(body).map(|body| Payload::Position(Box::new(body))),
            "accountBalancesSnapshot" => {
                serde_json::from_value(body).map(|body| Payload::BalancesSnapshot(Box::new(body)))
            }
            "accountBalancesUpdate" => serde_json::from_value(body).map(|body| Payload::BalancesUpdate(Box::new(body))),
            "marketData" => serde_json::from_value(body).map(|body| Payload::MarketData(Box::new(body))),
            "marketDataLite" => serde_json::from_value(body).map(|body| Payload::MarketDataLite(Box::new(body))),
            "trade" => serde_json::from_value(body).map(|body| Payload::Trade(Box::new(body))),
            _ => return None,
        };
        Some(payload)
    }
}

/// A payload serialized once: its key and its JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayloadJson {
    pub key: &'static str,
    pub json: String,
}

/// The data frame of one subscriber: the envelope around a payload serialized once.
pub fn data_frame(request_id: &str, subscription_type: SubscriptionType, payload: &PayloadJson) -> String {
    let id = Value::from(request_id).to_string();
    let kind = subscription_type.as_str();
    let mut frame = String::with_capacity(payload.json.len() + id.len() + kind.len() + payload.key.len() + 40);
    frame.push_str("{\"requestId\":");
    frame.push_str(&id);
    frame.push_str(",\"subscriptionType\":\"");
    frame.push_str(kind);
    frame.push_str("\",\"");
    frame.push_str(payload.key);
    frame.push_str("\":");
    frame.push_str(&payload.json);
    frame.push('}');
    frame
}

/// An error frame: `{"requestId", "error", "subscriptionType"?}`.
pub fn error_frame(request_id: Option<&str>, error: &str, subscription_type: Option<SubscriptionType>) -> String {
    let mut frame = Map::new();
    frame.insert("requestId".into(), request_id.map_or(Value::Null, Value::from));
    frame.insert("error".into(), error.into());
    if let Some(kind) = subscription_type {
        frame.insert("subscriptionType".into(), kind.as_str().into());
    }
    Value::Object(frame).to_string()
}

/// A frame the server sent, read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerFrame {
    Heartbeat,
    Error {
        request_id: Option<String>,
        error: String,
        subscription_type: Option<String>,
    },
    Data {
        request_id: String,
        /// As sent (a type this crate does not know stays readable).
        subscription_type: String,
        payload: Payload,
    },
    /// A frame with none of the known keys; kept so a client can skip it.
    Unknown(Value),
}

impl ServerFrame {
    /// Reads a frame, routed by its first known key as the SDKs route it.
    pub fn parse(text: &str) -> Result<ServerFrame, FrameError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|error| FrameError::new(None, format!("the frame is not JSON: {error}")))?;
        let Value::Object(mut frame) = value else {
            return Err(FrameError::new(None, "the frame is not a JSON object"));
        };
        let text_of = |frame: &Map<String, Value>, key: &str| frame.get(key).and_then(Value::as_str).map(str::to_owned);
        let request_id = text_of(&frame, "requestId");
        let subscription_type = text_of(&frame, "subscriptionType");
        if frame.contains_key("heartbeat") {
            return Ok(ServerFrame::Heartbeat);
        }
        if let Some(error) = frame.get("error") {
            let error = error.as_str().map_or_else(|| error.to_string(), str::to_owned);
            return Ok(ServerFrame::Error { request_id, error, subscription_type });
        }
        let key = frame.keys().find(|key| *key != "requestId" && *key != "subscriptionType").cloned();
        let Some(key) = key else { return Ok(ServerFrame::Unknown(Value::Object(frame))) };
        let body = frame.remove(&key).unwrap_or(Value::Null);
        match Payload::decode(&key, body) {
            Some(Ok(payload)) => Ok(ServerFrame::Data {
                request_id: request_id.unwrap_or_default(),
                subscription_type: subscription_type.unwrap_or_default(),
                payload,
            }),
            Some(Err(error)) => {
                Err(FrameError::new(request_id.as_deref(), format!("`{key}` does not decode: {error}")))
            }
            None => {
                frame.insert(key, Value::Null);
                Ok(ServerFrame::Unknown(Value::Object(frame)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribe(kind: SubscriptionType, slugs: &[&str]) -> ClientFrame {
        ClientFrame::Subscribe(Subscribe::new("r1", kind, slugs))
    }

    #[test]
    fn both_input_forms_read_the_same() {
        let camel =
            r#"{"subscribe":{"requestId":"r1","subscriptionType":"SUBSCRIPTION_TYPE_TRADE","marketSlugs":["a"]}}"#;
        let snake = r#"{"subscribe":{"request_id":"r1","subscription_type":3,"market_slugs":["a"]}}"#;
        let want = subscribe(SubscriptionType::Trade, &["a"]);
        assert_eq!(ClientFrame::parse(camel, Stream::Markets).unwrap(), want);
        assert_eq!(ClientFrame::parse(snake, Stream::Markets).unwrap(), want);
        // The same integer names another type on the private stream.
        let private = r#"{"subscribe":{"request_id":"r1","subscription_type":3}}"#;
        assert_eq!(ClientFrame::parse(private, Stream::Private).unwrap(), subscribe(SubscriptionType::Position, &[]));
        let unsubscribe = r#"{"unsubscribe":{"request_id":"r1"}}"#;
        assert_eq!(
            ClientFrame::parse(unsubscribe, Stream::Private).unwrap(),
            ClientFrame::Unsubscribe { request_id: "r1".into() }
        );
    }

    #[test]
    fn every_documented_integer_maps_to_its_stream() {
        for kind in SubscriptionType::ALL {
            if let Some(code) = kind.code() {
                assert_eq!(SubscriptionType::from_code(kind.stream(), code), Some(*kind));
            }
        }
        assert_eq!(SubscriptionType::from_code(Stream::Private, 2), None);
        assert_eq!(SubscriptionType::from_code(Stream::Markets, 4), None);
    }

    #[test]
    fn to_json_round_trips_and_omits_empty_slugs() {
        let frame = subscribe(SubscriptionType::Order, &[]);
        assert_eq!(frame.to_json(), r#"{"subscribe":{"requestId":"r1","subscriptionType":"SUBSCRIPTION_TYPE_ORDER"}}"#);
        for frame in [
            frame,
            subscribe(SubscriptionType::MarketData, &["a", "b"]),
            ClientFrame::Unsubscribe { request_id: "x".into() },
        ] {
            assert_eq!(ClientFrame::parse(&frame.to_json(), Stream::Markets).unwrap(), frame);
        }
    }

    #[test]
    fn bad_frames_say_why_and_keep_the_request_id() {
        let cases = [
            ("not json", None, "not JSON"),
            ("[1]", None, "not a JSON object"),
            (r#"{"subscribe":{},"unsubscribe":{}}"#, None, "exactly one key"),
            (r#"{"subscribe":[]}"#, None, "must be an object"),
            (r#"{"subscribe":{"subscriptionType":"SUBSCRIPTION_TYPE_ORDER"}}"#, None, "needs a requestId"),
            (r#"{"subscribe":{"requestId":7}}"#, None, "requestId must be a string"),
            (r#"{"subscribe":{"requestId":""}}"#, None, "non-empty"),
            (r#"{"ping":{"requestId":"r"}}"#, Some("r"), "unknown frame `ping`"),
            (r#"{"subscribe":{"requestId":"r"}}"#, Some("r"), "needs a subscriptionType"),
            (r#"{"subscribe":{"requestId":"r","subscriptionType":"X"}}"#, Some("r"), "unknown subscriptionType \"X\""),
            (r#"{"subscribe":{"requestId":"r","subscriptionType":9}}"#, Some("r"), "unknown subscriptionType 9"),
            (r#"{"subscribe":{"requestId":"r","subscriptionType":true}}"#, Some("r"), "string or an integer"),
            (
                r#"{"subscribe":{"requestId":"r","subscriptionType":1,"marketSlugs":[1]}}"#,
                Some("r"),
                "array of strings",
            ),
            (
                r#"{"subscribe":{"requestId":"r","subscriptionType":1,"responsesDebounced":1}}"#,
                Some("r"),
                "true or false",
            ),
            (r#"{"subscribe":{"requestId":"r","subscriptionType":1,"slugs":[]}}"#, Some("r"), "unknown key `slugs`"),
            (r#"{"unsubscribe":{"requestId":"r","x":1}}"#, Some("r"), "unknown key `x`"),
        ];
        for (text, request_id, message) in cases {
            let error = ClientFrame::parse(text, Stream::Markets).unwrap_err();
            assert_eq!(error.request_id.as_deref(), request_id, "{text}");
            assert!(error.message.contains(message), "{text}: {}", error.message);
        }
        let long = format!(r#"{{"unsubscribe":{{"requestId":"{}"}}}}"#, "x".repeat(REQUEST_ID_BYTES_MAX + 1));
        assert!(ClientFrame::parse(&long, Stream::Private).is_err());
    }

    #[test]
    fn a_data_frame_has_one_payload_key_and_reads_back() {
        let payload = Payload::OrderSnapshot(Box::new(OrderSubscriptionSnapshot { orders: Vec::new(), eof: true }));
        let text = data_frame("id \"quoted\"", SubscriptionType::OrderSnapshot, &payload.to_json());
        let value: Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["orderSubscriptionSnapshot", "requestId", "subscriptionType"]);
        assert!(text.starts_with(r#"{"requestId":"id \"quoted\"","subscriptionType":"#), "{text}");
        assert_eq!(
            ServerFrame::parse(&text).unwrap(),
            ServerFrame::Data {
                request_id: "id \"quoted\"".into(),
                subscription_type: "SUBSCRIPTION_TYPE_ORDER_SNAPSHOT".into(),
                payload,
            }
        );
    }

    #[test]
    fn heartbeats_errors_legacy_and_unknown_frames_read_back() {
        assert_eq!(ServerFrame::parse(HEARTBEAT_FRAME).unwrap(), ServerFrame::Heartbeat);
        let error = error_frame(Some("r"), "no", Some(SubscriptionType::Rfq));
        assert_eq!(
            ServerFrame::parse(&error).unwrap(),
            ServerFrame::Error {
                request_id: Some("r".into()),
                error: "no".into(),
                subscription_type: Some("SUBSCRIPTION_TYPE_RFQ".into()),
            }
        );
        assert_eq!(error_frame(None, "bad", None), r#"{"error":"bad","requestId":null}"#);
        let legacy = r#"{"requestId":"r","ordersSnapshot":{"orders":[],"eof":true}}"#;
        assert!(matches!(
            ServerFrame::parse(legacy).unwrap(),
            ServerFrame::Data { payload: Payload::OrderSnapshot(ref snapshot), .. } if snapshot.eof
        ));
        assert!(matches!(ServerFrame::parse(r#"{"rfqEvent":{}}"#).unwrap(), ServerFrame::Unknown(_)));
        assert!(ServerFrame::parse(r#"{"trade":{"price":7}}"#).is_err());
    }
}
