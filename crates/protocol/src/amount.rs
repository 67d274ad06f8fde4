//! `Amount`: a money value on the wire, `{"value": "<decimal string>", "currency": "USD"}`.
//!
//! Prices (always YES prices) and cash figures both travel as `Amount`. The value is a
//! decimal string; on input a JSON number is tolerated too, and a missing `currency` reads as
//! `USD`. Formatting: prices and cash carry at least two decimal places (`"0.55"`,
//! `"0.5125"`, `"12.30"`, `"0.000025"`) and never more than their unit allows.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use types::{CASH_SCALE, Cash, PRICE_SCALE, Price, format_units};

use crate::number::{NumberError, decimal_to_units, kind_of};

/// The only currency of the exchange.
pub const USD: &str = "USD";

/// Decimal places of `Price` ($0.0001).
pub const PRICE_DP: u32 = PRICE_SCALE.ilog10();
/// Decimal places of `Cash` ($1e-8).
pub const CASH_DP: u32 = CASH_SCALE.ilog10();

/// A money value with its currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    /// A decimal string such as `"0.55"`.
    #[serde(deserialize_with = "decimal_text")]
    pub value: String,
    #[serde(default = "usd")]
    pub currency: String,
}

fn usd() -> String {
    USD.to_owned()
}

/// Accepts the value as a string or, leniently, as a JSON number (its exact text).
fn decimal_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.as_str().to_owned()),
        other => {
            Err(D::Error::custom(format!("expected a decimal string such as \"0.55\", found {}", kind_of(&other))))
        }
    }
}

impl Amount {
    /// An amount in US dollars from decimal text.
    pub fn usd(value: impl Into<String>) -> Amount {
        Amount { value: value.into(), currency: usd() }
    }

    /// `units x 10^-scale` dollars, with at least `min_dp` decimal places.
    pub fn from_units(units: i128, scale: u32, min_dp: u32) -> Amount {
        Amount::usd(format_units(units, scale, min_dp.min(scale)))
    }

    /// A price, e.g. `"0.55"` or `"0.5125"`.
    pub fn price(price: Price) -> Amount {
        Amount::from_units(i128::from(price.units()), PRICE_DP, 2)
    }

    /// A cash figure, e.g. `"0.17"`, `"1000.00"` or `"-0.000025"`.
    pub fn cash(cash: Cash) -> Amount {
        Amount::from_units(i128::from(cash.units()), CASH_DP, 2)
    }

    /// True when the currency is US dollars (case-insensitive).
    pub fn is_usd(&self) -> bool {
        self.currency.eq_ignore_ascii_case(USD)
    }

    /// The exact count of `10^-scale` units of the value (extra digits truncated toward
    /// zero).
    pub fn to_units(&self, scale: u32) -> Result<i128, NumberError> {
        decimal_to_units(&self.value, scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let amount = Amount::price(Price(5_500));
        assert_eq!(serde_json::to_string(&amount).unwrap(), r#"{"value":"0.55","currency":"USD"}"#);
        assert_eq!(Amount::price(Price(5_125)).value, "0.5125");
        assert_eq!(Amount::price(Price(10_000)).value, "1.00");
        assert_eq!(Amount::cash(Cash(17_000_000)).value, "0.17");
        assert_eq!(Amount::cash(Cash(100_000_000_000)).value, "1000.00");
        assert_eq!(Amount::cash(Cash(-2_500)).value, "-0.000025");
    }

    #[test]
    fn lenient_input() {
        let amount: Amount = serde_json::from_str(r#"{"value":"0.515"}"#).unwrap();
        assert_eq!(amount, Amount::usd("0.515"));
        assert_eq!(amount.to_units(PRICE_DP), Ok(5_150));
        let amount: Amount = serde_json::from_str(r#"{"value":0.5,"currency":"usd"}"#).unwrap();
        assert_eq!(amount.value, "0.5");
        assert!(amount.is_usd());
        assert!(serde_json::from_str::<Amount>(r#"{"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Amount>(r#"{"value":true}"#).is_err());
    }

    #[test]
    fn bad_values_convert_to_errors() {
        assert_eq!(Amount::usd("NaN").to_units(4), Err(NumberError::NotANumber("NaN".into())));
        assert_eq!(Amount::usd("1e99").to_units(4), Err(NumberError::OutOfRange("1e99".into())));
    }
}
