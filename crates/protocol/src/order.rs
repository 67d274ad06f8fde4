//! The Orders group (docs/api.md §1, §2): `Order`, `Execution`, their nested types, and the
//! request and response bodies of every order endpoint.
//!
//! Conventions:
//! - Response objects have every field optional (the docs say any may be absent, and a
//!   client must read abbreviated snapshots); `None` is not written. Arrays the SDKs read
//!   directly (`executions`, `orders`, the id lists) are always written, `[]` when empty.
//! - Request bodies require only what the schema requires (`marketSlug` on create and close,
//!   `orderId` on batch entries, `request` on preview, `orders` on batches). Unknown keys are
//!   ignored; `null` reads as absent.
//! - Quantities on orders are exact JSON numbers (`JsonNumber`), money is `Amount`,
//!   timestamps are RFC 3339 strings (see `time`), `maxBlockTime` is an `Int64Text`.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::enums::{
    ExecutionType, ManualOrderIndicator, OrdRejectReason, OrderAction, OrderIntent, OrderSide, OrderState, OrderType,
    OutcomeSide, TimeInForce, UnsolicitedCxlReason,
};
use crate::number::{Int64Text, JsonNumber, null_as_empty};

/// Most entries in one batched create, cancel or modify.
pub const BATCH_MAX: usize = 20;

/// Price bound of a market or close order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlippageTolerance {
    /// Reference YES price the tolerance is measured from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_price: Option<Amount>,
    /// Relative tolerance in basis points (0.01 %).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bips: Option<i32>,
    /// Tolerance in ticks; wins over `bips`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticks: Option<i32>,
}

/// A sports team (display data).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub league: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub away_icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_primary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering: Option<String>,
    /// int64 as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference: Option<String>,
}

/// Display data of a market, carried on orders and positions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketMetadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_slug: Option<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<Team>,
}

/// Per-leg price of a combo fill.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegPrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchor: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub px: Option<Amount>,
    /// Decimal string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<OrderSide>,
    /// int64 as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_px: Option<String>,
}

/// An order (docs/api.md §1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    /// Side on the YES book.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<OrderSide>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub order_type: Option<OrderType>,
    /// Limit price (a YES price), or the slippage bound of a market order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cum_quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves_quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tif: Option<TimeInForce>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<OrderIntent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_metadata: Option<MarketMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<OrderState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_notional_total_collected: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commissions_basis_points: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maker_commissions_basis_points: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_order_qty: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insert_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_side: Option<OutcomeSide>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<OrderAction>,
}

/// One event on one order (docs/api.md §1.4).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The order after this event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<Order>,
    /// Decimal string: the quantity of this fill.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_shares: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_px: Option<Amount>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub execution_type: Option<ExecutionType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_reject_reason: Option<OrdRejectReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transact_time: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub leg_prices: Vec<LegPrice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    /// True = taker, false = maker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggressor: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_notional_collected: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsolicited_cancel_reason: Option<UnsolicitedCxlReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_spread_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transact_trade_date: Option<String>,
}

/// `POST /v1/orders` body, and each entry of a batch and of a preview (docs/api.md §1.6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderRequest {
    pub market_slug: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub order_type: Option<OrderType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tif: Option<TimeInForce>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participate_dont_initiate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<OrderIntent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_side: Option<OutcomeSide>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<OrderAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_order_qty: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_order_indicator: Option<ManualOrderIndicator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronous_execution: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_block_time: Option<Int64Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slippage_tolerance: Option<SlippageTolerance>,
}

/// Reply to `POST /v1/orders`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderResponse {
    pub id: String,
    /// Filled only for `synchronousExecution`; always written.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub executions: Vec<Execution>,
}

/// `POST /v1/orders/batched` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderListRequest {
    pub orders: Vec<CreateOrderRequest>,
}

/// Reply to `POST /v1/orders/batched`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrderListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub created_order_ids: Vec<String>,
}

/// One entry of `POST /v1/orders/batched/cancel`. `marketSlug` is required by the schema
/// but optional here: pmx order ids are unique across markets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequestEntry {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
}

/// `POST /v1/orders/batched/cancel` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderListRequest {
    pub orders: Vec<CancelOrderRequestEntry>,
}

/// Reply to `POST /v1/orders/batched/cancel` (an echo), and to `POST /v1/orders/open/cancel`
/// (the ids canceled): `CancelOpenOrdersResponse`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub canceled_order_ids: Vec<String>,
}

/// One entry of `POST /v1/orders/batched/modify`. `marketSlug` is optional here, as in
/// `CancelOrderRequestEntry`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderListEntry {
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tif: Option<TimeInForce>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participate_dont_initiate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till_time: Option<String>,
}

impl ModifyOrderListEntry {
    /// The entry's changes as a single-order modify body.
    pub fn to_request(&self) -> ModifyOrderRequest {
        ModifyOrderRequest {
            market_slug: self.market_slug.clone(),
            price: self.price.clone(),
            quantity: self.quantity.clone(),
            tif: self.tif,
            participate_dont_initiate: self.participate_dont_initiate,
            good_till_time: self.good_till_time.clone(),
        }
    }
}

/// `POST /v1/orders/batched/modify` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderListRequest {
    pub orders: Vec<ModifyOrderListEntry>,
}

/// Reply to `POST /v1/orders/batched/modify` (an echo).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderListResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub modified_order_ids: Vec<String>,
}

/// Reply to `GET /v1/orders/open`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOpenOrdersResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub orders: Vec<Order>,
}

/// Reply to `GET /v1/order/{orderId}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOrderResponse {
    pub order: Order,
}

/// `POST /v1/order/{orderId}/cancel` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
}

/// Reply to a single cancel: `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOrderResponse {}

/// `POST /v1/order/{orderId}/modify` body. Absent fields keep their value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifyOrderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tif: Option<TimeInForce>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participate_dont_initiate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_till_time: Option<String>,
}

/// Reply to a single modify: `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModifyOrderResponse {}

/// `POST /v1/orders/open/cancel` body (may be `{}`).
///
/// The schema's filter is `slugs`; the Python SDK docs example sends `marketSlug` instead.
/// Both are accepted (see `markets`), so following the docs example never cancels more than
/// the trader meant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOpenOrdersRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slugs: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
}

impl CancelOpenOrdersRequest {
    /// The markets to cancel in: `slugs` plus `marketSlug`, without duplicates; empty means
    /// every market.
    pub fn markets(&self) -> Vec<String> {
        let mut slugs = self.slugs.clone().unwrap_or_default();
        slugs.extend(self.market_slug.clone());
        slugs.sort();
        slugs.dedup();
        slugs
    }
}

/// Reply to `POST /v1/orders/open/cancel`.
pub type CancelOpenOrdersResponse = CancelOrderListResponse;

/// `POST /v1/order/preview` body: the order sits under `request`. Optional here so the
/// server can say precisely what is missing; it is required in practice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewOrderRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<CreateOrderRequest>,
}

/// Reply to `POST /v1/order/preview`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewOrderResponse {
    pub order: Order,
}

/// `POST /v1/order/close-position` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClosePositionOrderRequest {
    pub market_slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_order_indicator: Option<ManualOrderIndicator>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub synchronous_execution: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_block_time: Option<Int64Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slippage_tolerance: Option<SlippageTolerance>,
}

/// Reply to `POST /v1/order/close-position`.
pub type ClosePositionOrderResponse = CreateOrderResponse;

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::examples::{CLOSE_POSITION_REQUEST, CLOSE_POSITION_RESPONSE};

    /// Parses `text` as `T`, writes it back, and checks nothing was lost or added.
    fn round_trip<T: Serialize + for<'de> Deserialize<'de>>(text: &str) -> T {
        let parsed: T = serde_json::from_str(text).unwrap();
        let written: Value = serde_json::to_value(&parsed).unwrap();
        let original: Value = serde_json::from_str(text).unwrap();
        assert_eq!(written, original);
        parsed
    }

    #[test]
    fn close_position_example_round_trips() {
        let request: ClosePositionOrderRequest = round_trip(CLOSE_POSITION_REQUEST);
        assert_eq!(request.market_slug, "aec-x");
        assert_eq!(request.max_block_time.as_ref().map(|t| t.parse_i64()), Some(Ok(5)));
        let slippage = request.slippage_tolerance.unwrap();
        assert_eq!(slippage.ticks, Some(2));
        assert_eq!(slippage.bips, None);
        assert_eq!(slippage.current_price.unwrap().to_units(4), Ok(5_500));

        let response: ClosePositionOrderResponse = round_trip(CLOSE_POSITION_RESPONSE);
        assert_eq!(response.executions.len(), 3);
        let last = &response.executions[2];
        assert_eq!(last.execution_type, Some(ExecutionType::Fill));
        let order = last.order.as_ref().unwrap();
        assert_eq!(order.state, Some(OrderState::Filled));
        assert_eq!(order.cum_quantity.as_ref().unwrap().to_units(4), Ok(100_000));
        assert_eq!(order.avg_px.as_ref().unwrap().value, "0.546");
    }

    #[test]
    fn close_request_writes_exactly() {
        let request = ClosePositionOrderRequest {
            market_slug: "aec-x".into(),
            manual_order_indicator: Some(ManualOrderIndicator::Automatic),
            synchronous_execution: Some(true),
            max_block_time: Some(Int64Text::from_i64(5)),
            slippage_tolerance: Some(SlippageTolerance {
                current_price: Some(Amount::usd("0.55")),
                bips: None,
                ticks: Some(2),
            }),
        };
        let expected: String = CLOSE_POSITION_REQUEST.split_whitespace().collect();
        assert_eq!(serde_json::to_string(&request).unwrap(), expected);
    }

    #[test]
    fn order_writes_exactly() {
        let order = Order {
            id: Some("42".into()),
            market_slug: Some("aec-x".into()),
            side: Some(OrderSide::Sell),
            order_type: Some(OrderType::Market),
            price: Some(Amount::usd("0.53")),
            quantity: Some(JsonNumber::from_units(100_000, 4)),
            cum_quantity: Some(JsonNumber::from_units(0, 4)),
            leaves_quantity: Some(JsonNumber::from_units(100_000, 4)),
            tif: Some(TimeInForce::ImmediateOrCancel),
            intent: Some(OrderIntent::SellLong),
            state: Some(OrderState::New),
            outcome_side: Some(OutcomeSide::Yes),
            action: Some(OrderAction::Sell),
            ..Order::default()
        };
        assert_eq!(
            serde_json::to_string(&order).unwrap(),
            concat!(
                r#"{"id":"42","marketSlug":"aec-x","side":"ORDER_SIDE_SELL","type":"ORDER_TYPE_MARKET","#,
                r#""price":{"value":"0.53","currency":"USD"},"quantity":10,"cumQuantity":0,"leavesQuantity":10,"#,
                r#""tif":"TIME_IN_FORCE_IMMEDIATE_OR_CANCEL","intent":"ORDER_INTENT_SELL_LONG","#,
                r#""state":"ORDER_STATE_NEW","outcomeSide":"OUTCOME_SIDE_YES","action":"ORDER_ACTION_SELL"}"#
            )
        );
    }

    #[test]
    fn create_request_from_the_docs() {
        // The example body of docs/api.md §2.1.
        let text = r#"{"marketSlug":"m","type":"ORDER_TYPE_LIMIT","price":{"value":"0.555","currency":"USD"},"quantity":0.5,"tif":"TIME_IN_FORCE_GOOD_TILL_CANCEL","intent":"ORDER_INTENT_BUY_LONG","manualOrderIndicator":"MANUAL_ORDER_INDICATOR_MANUAL","participateDontInitiate":false}"#;
        let request: CreateOrderRequest = round_trip(text);
        let written = serde_json::to_string(&request).unwrap();
        assert_eq!(
            written,
            concat!(
                r#"{"marketSlug":"m","type":"ORDER_TYPE_LIMIT","price":{"value":"0.555","currency":"USD"},"#,
                r#""quantity":0.5,"tif":"TIME_IN_FORCE_GOOD_TILL_CANCEL","participateDontInitiate":false,"#,
                r#""intent":"ORDER_INTENT_BUY_LONG","manualOrderIndicator":"MANUAL_ORDER_INDICATOR_MANUAL"}"#
            )
        );
        assert_eq!(request.quantity.unwrap().to_units(4), Ok(5_000));
    }

    #[test]
    fn requests_ignore_unknown_keys_and_nulls() {
        let request: CreateOrderRequest = serde_json::from_str(
            r#"{"marketSlug":"m","price":null,"quantity":"3","clientOrderId":"x","extra":{"a":[1,2]}}"#,
        )
        .unwrap();
        assert_eq!(request.price, None);
        assert_eq!(request.quantity.unwrap().to_units(4), Ok(30_000));
        let all: CancelOpenOrdersRequest = serde_json::from_str("{}").unwrap();
        assert!(all.markets().is_empty());
        let nulls: CancelOpenOrdersRequest = serde_json::from_str(r#"{"slugs":null}"#).unwrap();
        assert!(nulls.markets().is_empty());
        let docs_form: CancelOpenOrdersRequest =
            serde_json::from_str(r#"{"marketSlug":"b","slugs":["a","b"]}"#).unwrap();
        assert_eq!(docs_form.markets(), ["a", "b"]);
        let _: CancelOrderRequest = serde_json::from_str("{}").unwrap();
        let _: ModifyOrderResponse = serde_json::from_str(r#"{"anything":1}"#).unwrap();
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let error = |text: &str| serde_json::from_str::<CreateOrderRequest>(text).unwrap_err().to_string();
        assert!(error(r#"{"type":"ORDER_TYPE_LIMIT"}"#).contains("missing field `marketSlug`"));
        assert!(error(r#"{"marketSlug":"m","type":"LIMIT"}"#).contains("unknown OrderType `LIMIT`"));
        assert!(error(r#"{"marketSlug":"m","tif":3}"#).contains("expected a TimeInForce string"));
        assert!(error(r#"{"marketSlug":"m","quantity":"NaN"}"#).contains("`NaN` is not a number"));
        assert!(error(r#"{"marketSlug":"m","quantity":true}"#).contains("expected a number, found a boolean"));
        assert!(error(r#"{"marketSlug":"m","quantity":NaN}"#).contains("expected value"));
        assert!(error(r#"{"marketSlug":"m","price":"0.5"}"#).contains("invalid type"));
        assert!(error(r#"{"marketSlug":5}"#).contains("invalid type"));
        assert!(error(r#"{"marketSlug":"m","synchronousExecution":"yes"}"#).contains("invalid type"));
        // A huge quantity parses (the text is kept) and fails only on conversion.
        let huge: CreateOrderRequest = serde_json::from_str(r#"{"marketSlug":"m","quantity":1e999}"#).unwrap();
        assert!(huge.quantity.unwrap().to_units(4).is_err());
    }

    #[test]
    fn empty_replies_and_batches() {
        assert_eq!(serde_json::to_string(&CancelOrderResponse {}).unwrap(), "{}");
        assert_eq!(serde_json::to_string(&ModifyOrderResponse {}).unwrap(), "{}");
        let created = CreateOrderResponse { id: "7".into(), executions: Vec::new() };
        assert_eq!(serde_json::to_string(&created).unwrap(), r#"{"id":"7","executions":[]}"#);
        let asynchronous: CreateOrderResponse = serde_json::from_str(r#"{"id":"7"}"#).unwrap();
        assert_eq!(asynchronous, created);
        let batch: CancelOrderListRequest =
            round_trip(r#"{"orders":[{"orderId":"1","marketSlug":"a"},{"orderId":"2","marketSlug":"b"}]}"#);
        assert_eq!(batch.orders.len(), 2);
        let modify: ModifyOrderListRequest = round_trip(
            r#"{"orders":[{"orderId":"1","marketSlug":"a","price":{"value":"0.4","currency":"USD"},"quantity":2}]}"#,
        );
        assert_eq!(modify.orders[0].to_request().quantity.unwrap().as_str(), "2");
        let ids = CreateOrderListResponse { created_order_ids: vec!["1".into(), "2".into()] };
        assert_eq!(serde_json::to_value(&ids).unwrap(), json!({"createdOrderIds": ["1", "2"]}));
        let preview: PreviewOrderRequest = round_trip(r#"{"request":{"marketSlug":"m","quantity":1}}"#);
        assert_eq!(preview.request.map(|r| r.market_slug), Some("m".into()));
        let unwrapped: PreviewOrderRequest = serde_json::from_str(r#"{"marketSlug":"m"}"#).unwrap();
        assert_eq!(unwrapped.request, None);
    }

    #[test]
    fn execution_with_reject_writes_exactly() {
        let execution = Execution {
            id: Some("9".into()),
            execution_type: Some(ExecutionType::Rejected),
            order_reject_reason: Some(OrdRejectReason::NoLiquidity),
            text: Some("no liquidity for market order".into()),
            transact_time: Some("2026-09-25T00:00:00Z".into()),
            ..Execution::default()
        };
        let text = serde_json::to_string(&execution).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"id":"9","type":"EXECUTION_TYPE_REJECTED","text":"no liquidity for market order","#,
                r#""orderRejectReason":"ORD_REJECT_REASON_NO_LIQUIDITY","transactTime":"2026-09-25T00:00:00Z"}"#
            )
        );
        assert_eq!(round_trip::<Execution>(&text), execution);
    }
}
