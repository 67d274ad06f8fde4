//! The Portfolio group (docs/api.md §3): positions and activities.
//!
//! Positions come as an object keyed by market slug, not an array. Quantities on positions
//! and trades are decimal strings (`"19.6000"`), with the deprecated rounded integer forms
//! (`netPosition`, `qty`...) beside them. `AccountBalanceChange` uses the flat form seen in
//! production, not the SDKs' `{transactions: [...]}` typing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::enums::{AccountBalanceChangeStatus, ActivityType, PositionResolutionSide, TradeState};
use crate::number::null_as_empty;
use crate::order::MarketMetadata;

/// One market's position (docs/api.md §3.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPosition {
    /// Deprecated: whole contracts (int64 string); positive = long, negative = short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_position: Option<String>,
    /// Deprecated: whole contracts bought.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_bought: Option<String>,
    /// Deprecated: whole contracts sold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_sold: Option<String>,
    /// Cost basis of the open position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Amount>,
    /// Realized P&L.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realized: Option<Amount>,
    /// Deprecated: whole contracts at the start of the day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bod_position: Option<String>,
    /// The market has settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_metadata: Option<MarketMetadata>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_value: Option<Amount>,
    /// Deprecated: whole contracts free to trade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_available: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_position_decimal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_bought_decimal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_sold_decimal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bod_position_decimal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_available_decimal: Option<String>,
    /// Seen on the wire (Python SDK type), not in the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg_px: Option<Amount>,
    /// Seen on the wire, not in the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<Amount>,
    /// Seen on the wire, not in the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_cost: Option<Amount>,
    /// Seen on the wire, not in the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_per_share: Option<Amount>,
    /// Seen on the wire, not in the schema; opaque.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub combo_leg_details: Vec<serde_json::Value>,
    /// Seen on the wire, not in the schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_id: Option<String>,
}

/// Reply to `GET /v1/portfolio/positions`. `nextCursor` and `eof` are always written (the
/// cursor is `""` on the last page).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetUserPositionsResponse {
    /// Keyed by market slug.
    #[serde(default)]
    pub positions: BTreeMap<String, UserPosition>,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub eof: bool,
    /// Deprecated.
    #[serde(default, deserialize_with = "null_as_empty", skip_serializing_if = "Vec::is_empty")]
    pub available_positions: Vec<String>,
}

impl GetUserPositionsResponse {
    /// One page: `next_cursor` is the cursor of the following page, `None` on the last one
    /// (then `nextCursor` is `""` and `eof` is true).
    pub fn page(positions: Vec<(String, UserPosition)>, next_cursor: Option<String>) -> GetUserPositionsResponse {
        GetUserPositionsResponse {
            positions: positions.into_iter().collect(),
            eof: next_cursor.is_none(),
            next_cursor: next_cursor.unwrap_or_default(),
            available_positions: Vec::new(),
        }
    }
}

/// A trade in the activities list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trade {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TradeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    /// The YES trade price, also for NO-side orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Amount>,
    /// Deprecated: whole contracts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty_decimal: Option<String>,
    /// The user was the taker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_aggressor: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_basis: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realized_pnl: Option<Amount>,
}

/// A position closed by settlement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PositionResolution {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_slug: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_position: Option<UserPosition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_position: Option<UserPosition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<String>,
    /// The winning side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<PositionResolutionSide>,
}

/// A deposit, withdrawal or other cash movement (flat form).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountBalanceChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountBalanceChangeStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
}

/// One activity record; the field matching `type` is set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade: Option<Trade>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_resolution: Option<PositionResolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_balance_change: Option<AccountBalanceChange>,
}

/// Reply to `GET /v1/portfolio/activities`. `nextCursor` and `eof` are always written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetActivitiesResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub next_cursor: String,
    #[serde(default)]
    pub eof: bool,
}

impl GetActivitiesResponse {
    /// One page, as `GetUserPositionsResponse::page`.
    pub fn page(activities: Vec<Activity>, next_cursor: Option<String>) -> GetActivitiesResponse {
        GetActivitiesResponse { activities, eof: next_cursor.is_none(), next_cursor: next_cursor.unwrap_or_default() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn positions_are_keyed_by_slug() {
        let position = UserPosition {
            net_position: Some("19".into()),
            net_position_decimal: Some("19.6000".into()),
            cost: Some(Amount::usd("9.80")),
            expired: Some(false),
            ..UserPosition::default()
        };
        let reply = GetUserPositionsResponse::page(vec![("nyc-rain".to_owned(), position)], None);
        let text = serde_json::to_string(&reply).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"positions":{"nyc-rain":{"netPosition":"19","cost":{"value":"9.80","currency":"USD"},"#,
                r#""expired":false,"netPositionDecimal":"19.6000"}},"nextCursor":"","eof":true}"#
            )
        );
        assert_eq!(serde_json::from_str::<GetUserPositionsResponse>(&text).unwrap(), reply);
    }

    #[test]
    fn activities_round_trip() {
        let text = concat!(
            r#"{"activities":["#,
            r#"{"type":"ACTIVITY_TYPE_TRADE","trade":{"id":"3","marketSlug":"m","state":"TRADE_STATE_CLEARED","#,
            r#""createTime":"2026-09-25T00:00:00Z","updateTime":"2026-09-25T00:00:00Z","#,
            r#""price":{"value":"0.55","currency":"USD"},"qty":"6","qtyDecimal":"6.0000","isAggressor":true,"#,
            r#""costBasis":{"value":"0.00","currency":"USD"},"realizedPnl":{"value":"0.50","currency":"USD"}}},"#,
            r#"{"type":"ACTIVITY_TYPE_POSITION_RESOLUTION","positionResolution":{"marketSlug":"m","#,
            r#""beforePosition":{"netPositionDecimal":"4.0000"},"afterPosition":{"expired":true,"netPositionDecimal":"0.0000"},"#,
            r#""updateTime":"2026-09-26T00:00:00Z","side":"POSITION_RESOLUTION_SIDE_LONG"}},"#,
            r#"{"type":"ACTIVITY_TYPE_ACCOUNT_DEPOSIT","accountBalanceChange":{"transactionId":"1","#,
            r#""status":"ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED","amount":{"value":"1000.00","currency":"USD"},"#,
            r#""updateTime":"2026-09-24T00:00:00Z","createTime":"2026-09-24T00:00:00Z"}}"#,
            r#"],"nextCursor":"abc","eof":false}"#
        );
        let reply: GetActivitiesResponse = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&reply).unwrap(), text);
        assert_eq!(reply.activities[1].activity_type, ActivityType::PositionResolution);
        // An unknown activity type is an error, not a silent drop.
        let bad = r#"{"activities":[{"type":"ACTIVITY_TYPE_LOTTERY"}]}"#;
        assert!(
            serde_json::from_str::<GetActivitiesResponse>(bad)
                .unwrap_err()
                .to_string()
                .contains("ACTIVITY_TYPE_LOTTERY")
        );
        // The last page of an empty list still names its keys.
        let empty = serde_json::to_value(GetActivitiesResponse::page(Vec::new(), None)).unwrap();
        assert_eq!(empty, serde_json::json!({"activities": [], "nextCursor": "", "eof": true}));
        let _: Value = empty;
        let more = GetActivitiesResponse::page(Vec::new(), Some("100".into()));
        assert_eq!((more.next_cursor.as_str(), more.eof), ("100", false));
    }
}
