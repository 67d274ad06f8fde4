//! The Account group (docs/api.md §4): balances, every amount a JSON number.

use serde::{Deserialize, Serialize};

use crate::number::{JsonNumber, null_as_empty};

/// A pending withdrawal (pmx never has one; the type exists for clients of the real API).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingWithdrawal {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_account_name: Option<String>,
}

/// One currency's balance figures (docs/api.md §4.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserBalance {
    /// Cash, excluding the value of positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_balance: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// `currentBalance + assetAvailable - openOrders - marginRequirement`, floored at 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buying_power: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_notional: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_available: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_credit: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_orders: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unsettled_funds: Option<JsonNumber>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub pending_withdrawals: Vec<PendingWithdrawal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin_requirement: Option<JsonNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub balance_reservation: Option<JsonNumber>,
}

/// Reply to `GET /v1/account/balances`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAccountBalancesResponse {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub balances: Vec<UserBalance>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_are_json_numbers() {
        let money = |text: &str| Some(JsonNumber::parse(text).unwrap());
        let balance = UserBalance {
            current_balance: money("1000.00"),
            currency: Some("USD".into()),
            buying_power: money("850.25"),
            open_orders: money("149.75"),
            margin_requirement: money("0.00"),
            ..UserBalance::default()
        };
        let reply = GetAccountBalancesResponse { balances: vec![balance] };
        let text = serde_json::to_string(&reply).unwrap();
        assert_eq!(
            text,
            concat!(
                r#"{"balances":[{"currentBalance":1000.00,"currency":"USD","buyingPower":850.25,"#,
                r#""openOrders":149.75,"pendingWithdrawals":[],"marginRequirement":0.00}]}"#
            )
        );
        let back: GetAccountBalancesResponse = serde_json::from_str(&text).unwrap();
        assert_eq!(back, reply);
        assert_eq!(back.balances[0].buying_power.as_ref().unwrap().to_units(8), Ok(85_025_000_000));
    }
}
