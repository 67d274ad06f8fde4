//! pmx wire protocol: the Polymarket US HTTP/JSON objects with their exact field names and
//! enum strings, request signing, and the query strings of the GET endpoints.
//!
//! Shared by the server (which writes responses and reads requests) and clients (the
//! reverse), so every DTO is both `Serialize` and `Deserialize`. The crate depends only on
//! `types`, never on the engine; conversions between engine values and these objects live in
//! the server.
//!
//! Parts:
//! - `number`: `JsonNumber` (exact JSON numbers) and `Int64Text` (int64 as a JSON string).
//! - `amount`: `Amount`, a money value `{value, currency}`.
//! - `enums`: every wire enum with its exact strings.
//! - `time`: exact RFC 3339 formatting and parsing of `Timestamp`.
//! - `order`: `Order`, `Execution` and the Orders endpoints' bodies (docs/api.md §1, §2).
//! - `portfolio`: positions and activities (docs/api.md §3).
//! - `account`: balances (docs/api.md §4).
//! - `market`: markets, book, BBO and settlement (docs/api.md §5).
//! - `query`: the query parameters of the GET endpoints.
//! - `stream`: the WebSocket streams' frames, both directions (docs/api.md §6).
//! - `signing`: the signed message, Ed25519 signing and verification, header names.
//! - `error`: the JSON error envelope and its gRPC codes.
//! - `examples` (feature `test-support`): the API's illustrative exchanges, for tests.
//!
//! Architecture invariant: no floating point. Every number on the wire is kept as its
//! decimal text and converted to fixed-point units exactly.

mod account;
mod amount;
mod enums;
mod error;
#[cfg(any(test, feature = "test-support"))]
pub mod examples;
mod market;
mod number;
mod order;
mod portfolio;
mod query;
mod signing;
mod stream;
mod time;

pub use account::{GetAccountBalancesResponse, PendingWithdrawal, UserBalance};
pub use amount::{Amount, CASH_DP, PRICE_DP, USD};
pub use enums::{
    AccountBalanceChangeStatus, ActivityType, ExecutionType, ImageDisplayType, LedgerEntryType, ManualOrderIndicator,
    MarketSideType, MarketState, MarketStatus, OrdRejectReason, OrderAction, OrderIntent, OrderSide, OrderState,
    OrderType, OutcomeSide, PositionResolutionSide, SettlementPriceCalculationMethod, SortOrder, SubscriptionType,
    TimeInForce, TradeState, UnknownVariant, UnsolicitedCxlReason,
};
pub use error::{ErrorBody, grpc};
pub use market::{
    BookEntry, GetMarketResponse, GetMarketSettlementResponse, GetMarketsResponse, Market, MarketBboResponse,
    MarketBookResponse, MarketData, MarketDataLite, MarketSide, MarketStats, PriceSample,
};
pub use number::{Int64Text, JsonNumber, NumberError, decimal_to_units};
pub use order::{
    BATCH_MAX, CancelOpenOrdersRequest, CancelOpenOrdersResponse, CancelOrderListRequest, CancelOrderListResponse,
    CancelOrderRequest, CancelOrderRequestEntry, CancelOrderResponse, ClosePositionOrderRequest,
    ClosePositionOrderResponse, CreateOrderListRequest, CreateOrderListResponse, CreateOrderRequest,
    CreateOrderResponse, Execution, GetOpenOrdersResponse, GetOrderResponse, LegPrice, MarketMetadata,
    ModifyOrderListEntry, ModifyOrderListRequest, ModifyOrderListResponse, ModifyOrderRequest, ModifyOrderResponse,
    Order, PreviewOrderRequest, PreviewOrderResponse, SlippageTolerance, Team,
};
pub use portfolio::{
    AccountBalanceChange, Activity, GetActivitiesResponse, GetUserPositionsResponse, PositionResolution, Trade,
    UserPosition,
};
pub use query::{ActivitiesQuery, MarketsQuery, OpenOrdersQuery, OrderDirection, PositionsQuery};
pub use signing::{
    HEADER_ACCESS_KEY, HEADER_CORRELATION_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, SigningError, decode_public_key,
    encode_base64, public_key, sign, signing_message, verify,
};
pub use stream::{
    AccountBalancesSnapshot, AccountBalancesUpdate, BalanceChange, ClientFrame, FrameError, HEARTBEAT_FRAME,
    MARKETS_PER_SUBSCRIPTION_MAX, OrderSubscriptionSnapshot, OrderSubscriptionUpdate, PAYLOAD_KEYS, Payload,
    PayloadJson, PositionSubscription, REQUEST_ID_BYTES_MAX, ServerFrame, Stream, Subscribe, TradeParty, TradeUpdate,
    data_frame, error_frame,
};
pub use time::{format_timestamp, parse_timestamp};
