//! Requests to engine commands. The checks here are of shape only (what a 400 is for):
//! missing or contradictory fields, negative sizes, malformed numbers and times; business
//! rules are the engine's, which answers with a `REJECTED` order. Each failure is a
//! `RequestError` whose message says what is wrong and how to fix it.

use engine::{ClosePosition, Intent, ManualIndicator, MarketRef, Modify, NewOrder, OrderKind, Size, Slippage, Tif};
use protocol::{
    Amount, CASH_DP, ClosePositionOrderRequest, CreateOrderRequest, Int64Text, JsonNumber, ManualOrderIndicator,
    ModifyOrderListEntry, ModifyOrderRequest, OrderAction, OrderIntent, OrderType, OutcomeSide, PRICE_DP,
    SlippageTolerance, TimeInForce, parse_timestamp,
};
use types::{AccountId, Cash, OrderId, Price, Qty, Timestamp};

use super::values::QTY_DP;

/// Why a request cannot become an engine command (HTTP 400). Each message says what is wrong
/// and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RequestError {
    #[error("marketSlug is empty: name the market, e.g. \"nyc-rain-2026-12-01\"")]
    EmptyMarketSlug,
    #[error("the direction is missing: give intent (e.g. ORDER_INTENT_BUY_LONG) or both outcomeSide and action")]
    MissingDirection,
    #[error("outcomeSide needs action (ORDER_ACTION_BUY or ORDER_ACTION_SELL), or give intent instead")]
    OutcomeWithoutAction,
    #[error("action needs outcomeSide (OUTCOME_SIDE_YES or OUTCOME_SIDE_NO), or give intent instead")]
    ActionWithoutOutcome,
    #[error("quantity is missing: give quantity in contracts (or cashOrderQty in dollars for a market buy)")]
    MissingQuantity,
    #[error("give either quantity (contracts) or cashOrderQty (dollars), not both")]
    QuantityAndCash,
    #[error("TIME_IN_FORCE_GOOD_TILL_DATE needs goodTillTime, an RFC 3339 time such as \"2026-12-01T17:00:00Z\"")]
    GoodTillDateWithoutTime,
    #[error("goodTillTime: {0}")]
    GoodTillTime(String),
    #[error("slippageTolerance.{field} must not be negative (got {value}); it is a distance from the price")]
    NegativeTolerance { field: &'static str, value: i32 },
    #[error("maxBlockTime must be a whole number of seconds such as \"5\": {0}")]
    MaxBlockTime(String),
    #[error("{field}.currency must be \"USD\", not {currency}")]
    NotUsd { field: &'static str, currency: String },
    #[error("{field}: {reason}")]
    Malformed { field: &'static str, reason: String },
    #[error("{field} must not be negative: a YES price lies between 0.01 and 0.99")]
    NegativePrice { field: &'static str },
    #[error("{field} is far too large: a YES price lies between 0.01 and 0.99")]
    PriceTooLarge { field: &'static str },
    #[error("{field} must not be negative; to sell, use a SELL intent with a positive quantity")]
    NegativeQuantity { field: &'static str },
    #[error("{field} must not be negative")]
    NegativeCash { field: &'static str },
    #[error("{field} is too large")]
    TooLarge { field: &'static str },
}

impl RequestError {
    fn malformed(field: &'static str, reason: impl std::fmt::Display) -> RequestError {
        RequestError::Malformed { field, reason: reason.to_string() }
    }
}

impl From<RequestError> for crate::error::ApiError {
    fn from(error: RequestError) -> crate::error::ApiError {
        crate::error::ApiError::BadRequest(error.to_string())
    }
}

/// A create-order request as an engine order (shape checks only).
pub(crate) fn new_order(request: &CreateOrderRequest, account: AccountId) -> Result<NewOrder, RequestError> {
    let market = market_ref(&request.market_slug)?;
    let intent = intent_of(request)?;
    let kind = match request.order_type {
        None | Some(OrderType::Limit) => OrderKind::Limit,
        Some(OrderType::Market) => OrderKind::Market,
    };
    let price = request.price.as_ref().map(|price| price_of("price", price)).transpose()?;
    let size = match (&request.quantity, &request.cash_order_qty) {
        (Some(quantity), None) => Size::Qty(quantity_of("quantity", quantity)?),
        (None, Some(cash)) => Size::Cash(cash_of("cashOrderQty", cash)?),
        (Some(_), Some(_)) => return Err(RequestError::QuantityAndCash),
        (None, None) => return Err(RequestError::MissingQuantity),
    };
    let tif = request.tif.map(tif_of);
    let good_till = good_till_of(request.good_till_time.as_deref())?;
    if tif == Some(Tif::GoodTillDate) && good_till.is_none() {
        return Err(RequestError::GoodTillDateWithoutTime);
    }
    Ok(NewOrder {
        account,
        market,
        intent,
        kind,
        price,
        size,
        tif,
        good_till,
        post_only: request.participate_dont_initiate.unwrap_or(false),
        slippage: request.slippage_tolerance.as_ref().map(slippage).transpose()?,
        manual: request.manual_order_indicator.map(manual_of),
    })
}

/// A single-order modify as an engine cancel-replace; absent fields keep their value.
pub(crate) fn modify(request: &ModifyOrderRequest, account: AccountId, order: OrderId) -> Result<Modify, RequestError> {
    Ok(Modify {
        account,
        order,
        price: request.price.as_ref().map(|price| price_of("price", price)).transpose()?,
        qty: request.quantity.as_ref().map(|quantity| quantity_of("quantity", quantity)).transpose()?,
        tif: request.tif.map(tif_of),
        post_only: request.participate_dont_initiate,
        good_till: good_till_of(request.good_till_time.as_deref())?,
    })
}

/// One entry of a batched modify, as `modify` (the entry's `orderId` is parsed by the caller).
pub(crate) fn modify_entry(
    entry: &ModifyOrderListEntry,
    account: AccountId,
    order: OrderId,
) -> Result<Modify, RequestError> {
    modify(&entry.to_request(), account, order)
}

/// A close-position request as an engine command.
pub(crate) fn close_position(
    request: &ClosePositionOrderRequest,
    account: AccountId,
) -> Result<ClosePosition, RequestError> {
    Ok(ClosePosition {
        account,
        market: market_ref(&request.market_slug)?,
        slippage: request.slippage_tolerance.as_ref().map(slippage).transpose()?,
        manual: request.manual_order_indicator.map(manual_of),
    })
}

/// A slippage tolerance: the reference price must be a valid price, the tolerances not
/// negative. (Whether both tolerances absent means "no bound" is the engine's rule.)
pub(crate) fn slippage(tolerance: &SlippageTolerance) -> Result<Slippage, RequestError> {
    let non_negative = |field: &'static str, value: Option<i32>| match value {
        Some(value) if value < 0 => Err(RequestError::NegativeTolerance { field, value }),
        _ => Ok(value),
    };
    Ok(Slippage {
        current_price: tolerance
            .current_price
            .as_ref()
            .map(|price| price_of("slippageTolerance.currentPrice", price))
            .transpose()?,
        bips: non_negative("bips", tolerance.bips)?,
        ticks: non_negative("ticks", tolerance.ticks)?,
    })
}

/// The synchronous wait (docs/trading.md §6): `Ok(None)` means "the default" (absent, zero or
/// negative: the caller waits the default, which is the cap); a value above `cap_s` is
/// clamped to it; text that is not an integer is an error (a 400).
pub(crate) fn max_block_time(value: Option<&Int64Text>, cap_s: u64) -> Result<Option<u64>, RequestError> {
    let Some(value) = value else { return Ok(None) };
    let seconds = value.parse_i64().map_err(|error| RequestError::MaxBlockTime(error.to_string()))?;
    Ok(u64::try_from(seconds).ok().filter(|&seconds| seconds > 0).map(|seconds| seconds.min(cap_s)))
}

/// An order id in its canonical wire form (decimal digits, no sign or leading zeros).
pub(crate) fn order_id(text: &str) -> Option<OrderId> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok().map(OrderId)
}

fn market_ref(slug: &str) -> Result<MarketRef, RequestError> {
    if slug.is_empty() {
        return Err(RequestError::EmptyMarketSlug);
    }
    Ok(MarketRef::Slug(slug.into()))
}

/// The intent: `outcomeSide` + `action` when both are given (they win over `intent`), else
/// `intent`.
fn intent_of(request: &CreateOrderRequest) -> Result<Intent, RequestError> {
    let outcome = request.outcome_side.filter(|&side| side != OutcomeSide::Unspecified);
    if let (Some(outcome), Some(action)) = (outcome, request.action) {
        return Ok(match (outcome, action) {
            (OutcomeSide::No, OrderAction::Buy) => Intent::BuyShort,
            (OutcomeSide::No, OrderAction::Sell) => Intent::SellShort,
            (_, OrderAction::Buy) => Intent::BuyLong,
            (_, OrderAction::Sell) => Intent::SellLong,
        });
    }
    match request.intent {
        Some(OrderIntent::BuyLong) => Ok(Intent::BuyLong),
        Some(OrderIntent::SellLong) => Ok(Intent::SellLong),
        Some(OrderIntent::BuyShort) => Ok(Intent::BuyShort),
        Some(OrderIntent::SellShort) => Ok(Intent::SellShort),
        None => Err(match (outcome, request.action) {
            (Some(_), None) => RequestError::OutcomeWithoutAction,
            (None, Some(_)) => RequestError::ActionWithoutOutcome,
            _ => RequestError::MissingDirection,
        }),
    }
}

fn tif_of(tif: TimeInForce) -> Tif {
    match tif {
        TimeInForce::Day => Tif::Day,
        TimeInForce::GoodTillCancel => Tif::GoodTillCancel,
        TimeInForce::GoodTillDate => Tif::GoodTillDate,
        TimeInForce::ImmediateOrCancel => Tif::ImmediateOrCancel,
        TimeInForce::FillOrKill => Tif::FillOrKill,
    }
}

fn manual_of(indicator: ManualOrderIndicator) -> ManualIndicator {
    match indicator {
        ManualOrderIndicator::Manual => ManualIndicator::Manual,
        ManualOrderIndicator::Automatic => ManualIndicator::Automatic,
    }
}

fn good_till_of(text: Option<&str>) -> Result<Option<Timestamp>, RequestError> {
    text.map(|text| parse_timestamp(text).map_err(|error| RequestError::GoodTillTime(error.to_string()))).transpose()
}

fn usd(field: &'static str, amount: &Amount) -> Result<(), RequestError> {
    if amount.is_usd() {
        Ok(())
    } else {
        Err(RequestError::NotUsd { field, currency: format!("{:?}", amount.currency) })
    }
}

/// A price: any non-negative decimal (bounds and tick are the engine's checks, which reject
/// with `PRICE_OUT_OF_BOUNDS`); digits beyond $0.0001 are truncated.
fn price_of(field: &'static str, amount: &Amount) -> Result<Price, RequestError> {
    usd(field, amount)?;
    let units = amount.to_units(PRICE_DP).map_err(|error| RequestError::malformed(field, error))?;
    if units < 0 {
        return Err(RequestError::NegativePrice { field });
    }
    u32::try_from(units).map(Price).map_err(|_| RequestError::PriceTooLarge { field })
}

/// A quantity of contracts: not negative (zero is the engine's reject); digits beyond 0.0001
/// contract are truncated.
fn quantity_of(field: &'static str, number: &JsonNumber) -> Result<Qty, RequestError> {
    let units = number.to_units(QTY_DP).map_err(|error| RequestError::malformed(field, error))?;
    if units < 0 {
        return Err(RequestError::NegativeQuantity { field });
    }
    i64::try_from(units).map(Qty).map_err(|_| RequestError::TooLarge { field })
}

/// A dollar amount: not negative; digits beyond $1e-8 are truncated.
fn cash_of(field: &'static str, amount: &Amount) -> Result<Cash, RequestError> {
    usd(field, amount)?;
    let units = amount.to_units(CASH_DP).map_err(|error| RequestError::malformed(field, error))?;
    if units < 0 {
        return Err(RequestError::NegativeCash { field });
    }
    i64::try_from(units).map(Cash).map_err(|_| RequestError::TooLarge { field })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use types::CASH_SCALE;

    use super::*;

    fn request(json: Value) -> CreateOrderRequest {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> Value {
        json!({"marketSlug":"m","intent":"ORDER_INTENT_BUY_LONG","type":"ORDER_TYPE_LIMIT",
               "price":{"value":"0.5","currency":"USD"},"quantity":3})
    }

    fn with(changes: Value) -> CreateOrderRequest {
        let mut body = base();
        for (key, value) in changes.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        request(body)
    }

    #[test]
    fn new_order_shapes() {
        let account = AccountId(7);
        let new = new_order(&request(base()), account).unwrap();
        assert_eq!(new.account, account);
        assert_eq!(new.market, MarketRef::Slug("m".into()));
        assert_eq!(new.intent, Intent::BuyLong);
        assert_eq!(new.kind, OrderKind::Limit);
        assert_eq!(new.price, Some(Price(5_000)));
        assert_eq!(new.size, Size::Qty(Qty(30_000)));
        assert_eq!((new.tif, new.good_till, new.post_only, new.slippage, new.manual), (None, None, false, None, None));

        // The pair wins over intent.
        let pair = with(json!({"outcomeSide":"OUTCOME_SIDE_NO","action":"ORDER_ACTION_BUY"}));
        assert_eq!(new_order(&pair, account).unwrap().intent, Intent::BuyShort);
        let pair = with(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_NO","action":"ORDER_ACTION_SELL"}));
        assert_eq!(new_order(&pair, account).unwrap().intent, Intent::SellShort);
        // Half a pair falls back to intent.
        let half = with(json!({"intent":"ORDER_INTENT_SELL_LONG","action":"ORDER_ACTION_BUY"}));
        assert_eq!(new_order(&half, account).unwrap().intent, Intent::SellLong);

        let market = with(json!({"type":"ORDER_TYPE_MARKET","price":null,"quantity":null,
                                 "cashOrderQty":{"value":"100","currency":"USD"},"tif":"TIME_IN_FORCE_FILL_OR_KILL",
                                 "manualOrderIndicator":"MANUAL_ORDER_INDICATOR_MANUAL",
                                 "slippageTolerance":{"bips":50}}));
        let new = new_order(&market, account).unwrap();
        assert_eq!(new.kind, OrderKind::Market);
        assert_eq!(new.size, Size::Cash(Cash(100 * CASH_SCALE)));
        assert_eq!(new.tif, Some(Tif::FillOrKill));
        assert_eq!(new.manual, Some(ManualIndicator::Manual));
        assert_eq!(new.slippage, Some(Slippage { current_price: None, bips: Some(50), ticks: None }));

        // Missing type = limit; fractional and string quantities; prices truncated to $0.0001.
        let new =
            new_order(&with(json!({"type":null,"quantity":"0.015","price":{"value":"0.51559"}})), account).unwrap();
        assert_eq!((new.kind, new.size, new.price), (OrderKind::Limit, Size::Qty(Qty(150)), Some(Price(5_155))));
        // Business problems pass through to the engine: zero quantity, price out of bounds.
        let new = new_order(&with(json!({"quantity":0,"price":{"value":"1.5"}})), account).unwrap();
        assert_eq!((new.size, new.price), (Size::Qty(Qty::ZERO), Some(Price(15_000))));
        let gtd = with(json!({"tif":"TIME_IN_FORCE_GOOD_TILL_DATE","goodTillTime":"2026-12-01T12:00:00-05:00"}));
        assert_eq!(new_order(&gtd, account).unwrap().good_till, parse_timestamp("2026-12-01T17:00:00Z").ok());
    }

    #[test]
    fn new_order_shape_errors_say_how_to_fix() {
        // The message a client sees: from reading the body (a 400 either way), or from here.
        let error = |changes: Value| {
            let mut body = base();
            for (key, value) in changes.as_object().unwrap() {
                match value {
                    Value::Null => body.as_object_mut().unwrap().remove(key),
                    value => body.as_object_mut().unwrap().insert(key.clone(), value.clone()),
                };
            }
            serde_json::from_value::<CreateOrderRequest>(body)
                .map_err(|error| error.to_string())
                .and_then(|request| new_order(&request, AccountId(0)).map_err(|error| error.to_string()))
                .unwrap_err()
        };
        assert!(error(json!({"marketSlug":""})).contains("marketSlug is empty"));
        assert!(
            error(json!({"intent":null}))
                .contains("give intent (e.g. ORDER_INTENT_BUY_LONG) or both outcomeSide and action")
        );
        assert!(error(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_YES"})).contains("outcomeSide needs action"));
        assert!(error(json!({"intent":null,"action":"ORDER_ACTION_BUY"})).contains("action needs outcomeSide"));
        assert!(
            error(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_UNSPECIFIED","action":"ORDER_ACTION_BUY"}))
                .contains("action needs outcomeSide")
        );
        assert!(error(json!({"quantity":null})).contains("quantity is missing"));
        assert!(error(json!({"cashOrderQty":{"value":"5"}})).contains("not both"));
        assert!(error(json!({"quantity":-1})).contains("quantity must not be negative"));
        assert!(error(json!({"quantity":"NaN"})).contains("`NaN` is not a number"));
        assert!(error(json!({"quantity":"Infinity"})).contains("is not a number"));
        assert!(error(json!({"quantity":"1e30"})).contains("out of range"));
        assert!(error(json!({"price":{"value":"-0.5"}})).contains("price must not be negative"));
        assert!(error(json!({"price":{"value":"abc"}})).contains("price: `abc` is not a number"));
        assert!(error(json!({"price":{"value":"1e6"}})).contains("price is far too large"));
        assert!(error(json!({"price":{"value":"0.5","currency":"EUR"}})).contains("currency must be \"USD\""));
        assert!(
            error(json!({"quantity":null,"cashOrderQty":{"value":"-5"}})).contains("cashOrderQty must not be negative")
        );
        assert!(error(json!({"tif":"TIME_IN_FORCE_GOOD_TILL_DATE"})).contains("needs goodTillTime"));
        assert!(error(json!({"goodTillTime":"tomorrow"})).contains("goodTillTime: `tomorrow` is not an RFC 3339"));
        assert!(
            error(json!({"slippageTolerance":{"ticks":-2}})).contains("slippageTolerance.ticks must not be negative")
        );
        assert!(
            error(json!({"slippageTolerance":{"currentPrice":{"value":"x"}}}))
                .contains("slippageTolerance.currentPrice: `x` is not a number")
        );
    }

    #[test]
    fn modify_close_and_small_helpers() {
        let request: ModifyOrderRequest =
            serde_json::from_value(json!({"marketSlug":"m","price":{"value":"0.6","currency":"USD"},"quantity":5,
                                          "tif":"TIME_IN_FORCE_GOOD_TILL_CANCEL","participateDontInitiate":true}))
            .unwrap();
        let change = modify(&request, AccountId(1), OrderId(9)).unwrap();
        assert_eq!(
            change,
            Modify {
                account: AccountId(1),
                order: OrderId(9),
                price: Some(Price(6_000)),
                qty: Some(Qty(50_000)),
                tif: Some(Tif::GoodTillCancel),
                post_only: Some(true),
                good_till: None,
            }
        );
        let entry: ModifyOrderListEntry = serde_json::from_value(json!({"orderId":"9","quantity":-1})).unwrap();
        assert!(
            modify_entry(&entry, AccountId(1), OrderId(9)).unwrap_err().to_string().contains("must not be negative")
        );
        let nothing: ModifyOrderRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(modify(&nothing, AccountId(1), OrderId(9)).unwrap().price, None);

        let close: ClosePositionOrderRequest = serde_json::from_value(json!({"marketSlug":"m"})).unwrap();
        let command = close_position(&close, AccountId(2)).unwrap();
        assert_eq!((command.market, command.slippage, command.manual), (MarketRef::Slug("m".into()), None, None));
        let empty: ClosePositionOrderRequest = serde_json::from_value(json!({"marketSlug":""})).unwrap();
        assert_eq!(close_position(&empty, AccountId(2)).unwrap_err(), RequestError::EmptyMarketSlug);

        let tolerance = SlippageTolerance { current_price: Some(Amount::usd("0.55")), bips: Some(100), ticks: Some(2) };
        assert_eq!(
            slippage(&tolerance),
            Ok(Slippage { current_price: Some(Price(5_500)), bips: Some(100), ticks: Some(2) })
        );

        let text = |t: &str| Int64Text(t.to_owned());
        assert_eq!(max_block_time(None, 10), Ok(None));
        assert_eq!(max_block_time(Some(&text("5")), 10), Ok(Some(5)));
        assert_eq!(max_block_time(Some(&text("10")), 10), Ok(Some(10)));
        assert_eq!(max_block_time(Some(&text("60")), 10), Ok(Some(10)));
        assert_eq!(max_block_time(Some(&text("0")), 10), Ok(None));
        assert_eq!(max_block_time(Some(&text("-3")), 10), Ok(None));
        assert!(max_block_time(Some(&text("soon")), 10).unwrap_err().to_string().contains("whole number of seconds"));
        assert!(max_block_time(Some(&text("1.5")), 10).is_err());
        let number: ClosePositionOrderRequest =
            serde_json::from_value(json!({"marketSlug":"m","maxBlockTime":3})).unwrap();
        assert_eq!(max_block_time(number.max_block_time.as_ref(), 10), Ok(Some(3)));

        assert_eq!(order_id("42"), Some(OrderId(42)));
        assert_eq!(order_id("0"), Some(OrderId(0)));
        for bad in ["", "042", "-1", "+1", "4 2", "ord-42", "18446744073709551616", "preview"] {
            assert_eq!(order_id(bad), None, "{bad}");
        }
    }
}
