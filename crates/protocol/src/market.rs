//! The Markets group (docs/api.md §5, public `gateway` host): markets, the book, the BBO and the
//! settlement.
//!
//! Every `Market` field is optional except its arrays (`marketSides`, `tags`), which are
//! always written. Display-only nested objects pmx never produces (`tags`, `subject`,
//! `assetPriceTerms`, `metadata`) are kept as opaque JSON, so a client reading the real API
//! loses nothing. Book quantities and share counts are decimal strings; tick size, minimum
//! quantity, fee coefficient and settlement are exact JSON numbers.

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::enums::{ImageDisplayType, MarketSideType, MarketState, MarketStatus, SettlementPriceCalculationMethod};
use crate::number::{JsonNumber, null_as_empty};
use crate::order::Team;

/// One side (YES/long or NO/short) of a market.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketSide {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_side_type: Option<MarketSideType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_id: Option<i32>,
    /// True for the YES (long) side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i32>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<Team>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quote: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tradable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// A market (docs/api.md §5.7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Market {
    /// A string, although the by-id path takes an integer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_short: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ep3_synced_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_display_type: Option<ImageDisplayType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dark_color: Option<String>,
    /// Accepting orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Trading finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hidden: Option<bool>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<MarketStatus>,
    /// Deprecated raw upstream state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ep3_status: Option<String>,
    /// Price increment in dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_price_min_tick_size: Option<JsonNumber>,
    /// Minimum order size and quantity step, in contracts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_trade_qty: Option<JsonNumber>,
    /// The market's (taker) fee coefficient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_coefficient: Option<JsonNumber>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub market_sides: Vec<MarketSide>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_bid_quote: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_ask_quote: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sports_market_type: Option<String>,
    /// Deprecated enum, kept as its text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sports_market_type_v2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread_total_suffix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<i32>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_type: Option<String>,
    /// Deprecated: a JSON array as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<String>,
    /// Deprecated: a JSON array as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome_prices: Option<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub game_start_time: Option<String>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_activation: Option<bool>,
    /// Opaque `Tag` objects.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tags: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<i32>,
    /// Opaque `Subject` object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<serde_json::Value>,
    /// Opaque; crypto index markets only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_price_terms: Option<serde_json::Value>,
    /// Opaque.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// In shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume24hr: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume1wk: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume1mo: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume1yr: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_disclaimer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_disclaimer_popup: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combo_enabled: Option<bool>,
}

/// One price level of a book.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookEntry {
    /// The level's YES price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub px: Option<Amount>,
    /// Decimal string: total size at the level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<String>,
}

/// A deprecated price sample.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceSample {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
}

/// Trading statistics of a market; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketStats {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_trade_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicative_open_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trading_reference_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares_traded: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_trade_qty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_interest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_traded: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_preliminary_flag: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_trade_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicative_open_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_interest_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trading_reference_set_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_price_calculation_method: Option<SettlementPriceCalculationMethod>,
    /// No longer supported upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_price_sample: Option<PriceSample>,
}

/// The full book of a market. `bids` and `offers` are always written (best first, maybe
/// empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub bids: Vec<BookEntry>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub offers: Vec<BookEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<MarketState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stats: Option<MarketStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transact_time: Option<String>,
}

/// The top of a market's book (BBO); every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketDataLite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_trade_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_px: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_bid: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_ask: Option<Amount>,
    /// Number of price levels, not shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid_depth: Option<i32>,
    /// Number of price levels, not shares.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_depth: Option<i32>,
    /// Resting shares rounded down to 2 significant figures; `"0"` when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid_shares: Option<String>,
    /// Resting shares rounded down to 2 significant figures; `"0"` when empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask_shares: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares_traded: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_interest: Option<String>,
    /// Display price of the YES side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_quote: Option<Amount>,
    /// Display price of the NO side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_quote: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<MarketState>,
    /// Deprecated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_price_sample: Option<PriceSample>,
}

/// Reply to `GET /v1/markets`: one page, no cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMarketsResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub markets: Vec<Market>,
}

/// Reply to `GET /v1/market/id/{id}` and `GET /v1/market/slug/{slug}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMarketResponse {
    pub market: Market,
}

/// Reply to `GET /v1/markets/{slug}/book`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketBookResponse {
    pub market_data: MarketData,
}

/// Reply to `GET /v1/markets/{slug}/bbo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketBboResponse {
    pub market_data: MarketDataLite,
}

/// Reply to `GET /v1/markets/{slug}/settlement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMarketSettlementResponse {
    pub slug: String,
    /// Usually 0 or 1.
    pub settlement: JsonNumber,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn market_numbers_are_exact() {
        let text = r#"{"id":"7","slug":"m","active":true,"closed":false,"status":"MARKET_STATUS_OPEN","orderPriceMinTickSize":0.0025,"minimumTradeQty":0.01,"feeCoefficient":0.0695,"marketSides":[{"long":true,"quote":{"value":"0.56","currency":"USD"}},{"long":false}],"tags":[]}"#;
        let market: Market = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&market).unwrap(), text);
        assert_eq!(market.order_price_min_tick_size.unwrap().to_units(4), Ok(25));
        assert_eq!(market.fee_coefficient.unwrap().to_units(6), Ok(69_500));
        // Arrays are always written; unknown and opaque fields survive a client round trip.
        let minimal = serde_json::to_value(Market::default()).unwrap();
        assert_eq!(minimal, json!({"marketSides": [], "tags": []}));
        let rich: Market = serde_json::from_str(
            r#"{"tags":[{"id":"1","label":"Sports"}],"assetPriceTerms":null,"volume":12.5,"whatever":1}"#,
        )
        .unwrap();
        assert_eq!(rich.tags.len(), 1);
        assert_eq!(rich.volume.unwrap().as_str(), "12.5");
    }

    #[test]
    fn book_and_bbo_shapes() {
        let book = MarketBookResponse {
            market_data: MarketData {
                market_slug: Some("m".into()),
                bids: vec![BookEntry { px: Some(Amount::usd("0.55")), qty: Some("6".into()) }],
                offers: Vec::new(),
                state: Some(MarketState::Open),
                stats: None,
                transact_time: Some("2026-09-25T00:00:00Z".into()),
            },
        };
        let text = serde_json::to_string(&book).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"marketData":{"marketSlug":"m","bids":[{"px":{"value":"0.55","currency":"USD"},"qty":"6"}],"#,
                r#""offers":[],"state":"MARKET_STATE_OPEN","transactTime":"2026-09-25T00:00:00Z"}}"#
            )
        );
        assert_eq!(serde_json::from_str::<MarketBookResponse>(&text).unwrap(), book);
        let bbo: MarketBboResponse = serde_json::from_str(
            r#"{"marketData":{"marketSlug":"m","bidDepth":2,"bidShares":"16","askShares":"0","state":"MARKET_STATE_EXPIRED"}}"#,
        )
        .unwrap();
        assert_eq!(bbo.market_data.bid_depth, Some(2));
        assert!(serde_json::from_str::<MarketBboResponse>(r#"{"marketData":{"bidDepth":"two"}}"#).is_err());
        assert!(serde_json::from_str::<MarketBboResponse>(r#"{"marketData":{"state":"OPEN"}}"#).is_err());
    }

    #[test]
    fn settlement_shape() {
        let reply =
            GetMarketSettlementResponse { slug: "m".into(), settlement: JsonNumber::from_units_dp(10_000, 4, 4) };
        assert_eq!(serde_json::to_string(&reply).unwrap(), r#"{"slug":"m","settlement":1.0000}"#);
    }
}
