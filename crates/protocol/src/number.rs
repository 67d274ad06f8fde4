//! Exact numbers on the wire.
//!
//! - `JsonNumber`: a JSON number (order quantities, balances, tick sizes, settlement...) kept
//!   as its decimal text. It is built on `serde_json::Number` with `arbitrary_precision`, so
//!   `0.1` stays `0.1` instead of becoming the nearest binary fraction; `to_units(scale)`
//!   turns it into an exact integer count of `10^-scale` with `types::parse_units`. On input
//!   it also accepts a numeric string (`"0.5"`), for clients that quote their numbers.
//! - `Int64Text`: an int64 that travels as a JSON string (`maxBlockTime`), proto3 style. On
//!   input it also accepts a JSON number. The text is kept as sent, so the caller decides
//!   what a malformed value means.
//!
//! No floating point is involved anywhere: JSON numbers never pass through `f64`.

use std::fmt;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use types::{DecimalError, format_units, parse_units};

/// Why a number on the wire was refused. The message names the text and says what is
/// expected instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not a finite decimal number (`NaN`, `Infinity`, `abc`, `1.2.3`, an empty string...).
    #[error("`{0}` is not a number: expected a finite decimal such as 12 or 0.5")]
    NotANumber(String),
    /// A well-formed number too large for the quantity it stands for.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
}

impl NumberError {
    fn from_decimal(error: DecimalError, text: &str) -> NumberError {
        match error {
            DecimalError::Malformed => NumberError::NotANumber(text.to_owned()),
            DecimalError::OutOfRange => NumberError::OutOfRange(text.to_owned()),
        }
    }
}

/// Converts decimal text into `10^-scale` units, exactly (extra digits are truncated toward
/// zero, as `types::parse_units` does).
pub fn decimal_to_units(text: &str, scale: u32) -> Result<i128, NumberError> {
    parse_units(text, scale).map_err(|error| NumberError::from_decimal(error, text))
}

/// A JSON number, kept exactly as its decimal text. Equality is textual (`1.0` is not `1`):
/// compare `to_units` results to compare values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonNumber(serde_json::Number);

impl JsonNumber {
    /// The number `units x 10^-scale`, written with as few decimal places as needed.
    pub fn from_units(units: i128, scale: u32) -> JsonNumber {
        JsonNumber::from_units_dp(units, scale, 0)
    }

    /// The number `units x 10^-scale`, written with at least `min_dp` decimal places
    /// (`from_units_dp(100_000_000_000, 8, 2)` is `1000.00`).
    pub fn from_units_dp(units: i128, scale: u32, min_dp: u32) -> JsonNumber {
        // `format_units` writes `-?digits(.digits)?`, which is always valid JSON number
        // grammar, so the unchecked constructor cannot produce invalid JSON.
        JsonNumber(serde_json::Number::from_string_unchecked(format_units(units, scale, min_dp.min(scale))))
    }

    /// An integer.
    pub fn from_i64(value: i64) -> JsonNumber {
        JsonNumber(serde_json::Number::from(value))
    }

    /// Parses decimal text in JSON number grammar (`12`, `-0.5`, `1e3`). `NaN`, `Infinity`,
    /// `.5`, `+1`, blanks and anything else are refused.
    pub fn parse(text: &str) -> Result<JsonNumber, NumberError> {
        serde_json::Number::from_str(text).map(JsonNumber).map_err(|_| NumberError::NotANumber(text.to_owned()))
    }

    /// The decimal text, exactly as received or built.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The exact count of `10^-scale` units (digits beyond `scale` are truncated toward zero).
    pub fn to_units(&self, scale: u32) -> Result<i128, NumberError> {
        decimal_to_units(self.as_str(), scale)
    }
}

impl fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonNumber, D::Error> {
        // Going through `Value` lets serde_json hand over the number's original text (its
        // `arbitrary_precision` representation) whatever the surrounding format.
        match Value::deserialize(deserializer)? {
            Value::Number(number) => Ok(JsonNumber(number)),
            Value::String(text) => JsonNumber::parse(&text).map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("expected a number, found {}", kind_of(&other)))),
        }
    }
}

/// An int64 carried as a JSON string (proto3 JSON mapping). Accepts a JSON number on input;
/// always writes a string. The text is kept unparsed: see `parse_i64`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Int64Text(pub String);

impl Int64Text {
    /// The text of an integer.
    pub fn from_i64(value: i64) -> Int64Text {
        Int64Text(value.to_string())
    }

    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The integer, or a message saying the text is not one.
    pub fn parse_i64(&self) -> Result<i64, String> {
        let text = self.0.as_str();
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{text}` is not an integer: expected whole digits such as \"5\""));
        }
        text.parse::<i64>().map_err(|_| format!("`{text}` is out of the int64 range"))
    }
}

impl fmt::Display for Int64Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Int64Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Int64Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Int64Text, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(Int64Text(text)),
            Value::Number(number) => Ok(Int64Text(number.as_str().to_owned())),
            other => {
                Err(D::Error::custom(format!("expected an integer string such as \"5\", found {}", kind_of(&other))))
            }
        }
    }
}

/// A short name of a JSON value's type, for error messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Deserializes an array that may also be `null` or absent (with `#[serde(default)]`): both
/// read as empty.
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_exact_text() {
        let n: JsonNumber = serde_json::from_str("0.1").unwrap();
        assert_eq!(n.as_str(), "0.1");
        assert_eq!(serde_json::to_string(&n).unwrap(), "0.1");
        let n: JsonNumber = serde_json::from_str("123456789012345678901234567890.123456789").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "123456789012345678901234567890.123456789");
        assert_eq!(n.to_units(4), Err(NumberError::OutOfRange(n.as_str().to_owned())));
    }

    #[test]
    fn converts_to_units_exactly() {
        let n: JsonNumber = serde_json::from_str("0.5").unwrap();
        assert_eq!(n.to_units(4), Ok(5_000));
        let n: JsonNumber = serde_json::from_str("1.5e2").unwrap();
        assert_eq!(n.to_units(4), Ok(1_500_000));
        let n: JsonNumber = serde_json::from_str("0.015").unwrap();
        assert_eq!(n.to_units(2), Ok(1));
        let n: JsonNumber = serde_json::from_str("-3").unwrap();
        assert_eq!(n.to_units(0), Ok(-3));
    }

    #[test]
    fn accepts_numeric_strings() {
        let n: JsonNumber = serde_json::from_str("\"2.25\"").unwrap();
        assert_eq!(n.to_units(4), Ok(22_500));
        // Written back as a JSON number.
        assert_eq!(serde_json::to_string(&n).unwrap(), "2.25");
    }

    #[test]
    fn refuses_non_numbers() {
        for bad in ["\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"abc\"", "\"\"", "\" 1\"", "\".5\"", "\"1.2.3\""] {
            let error = serde_json::from_str::<JsonNumber>(bad).unwrap_err().to_string();
            assert!(error.contains("is not a number"), "{bad}: {error}");
        }
        for bad in ["true", "null", "[1]", "{\"a\":1}"] {
            let error = serde_json::from_str::<JsonNumber>(bad).unwrap_err().to_string();
            assert!(error.contains("expected a number"), "{bad}: {error}");
        }
        // JSON itself has no NaN literal.
        assert!(serde_json::from_str::<JsonNumber>("NaN").is_err());
        assert!(serde_json::from_str::<JsonNumber>("Infinity").is_err());
    }

    #[test]
    fn huge_numbers_parse_but_do_not_convert() {
        let n: JsonNumber = serde_json::from_str("1e400").unwrap();
        // serde_json writes the exponent's sign; the value is the same.
        assert_eq!(n.as_str(), "1e+400");
        assert_eq!(n.to_units(4), Err(NumberError::OutOfRange("1e+400".into())));
        let message = n.to_units(4).unwrap_err().to_string();
        assert_eq!(message, "`1e+400` is out of range");
    }

    #[test]
    fn builds_from_units() {
        assert_eq!(JsonNumber::from_units(100_000, 4).as_str(), "10");
        assert_eq!(JsonNumber::from_units(5_000, 4).as_str(), "0.5");
        assert_eq!(JsonNumber::from_units(0, 4).as_str(), "0");
        assert_eq!(JsonNumber::from_units_dp(100_000_000_000, 8, 2).as_str(), "1000.00");
        assert_eq!(JsonNumber::from_units_dp(-1, 8, 2).as_str(), "-0.00000001");
        assert_eq!(JsonNumber::from_i64(-7).as_str(), "-7");
        assert_eq!(serde_json::to_string(&JsonNumber::from_units(100_000, 4)).unwrap(), "10");
    }

    #[test]
    fn int64_text_takes_strings_and_numbers() {
        let t: Int64Text = serde_json::from_str("\"5\"").unwrap();
        assert_eq!(t.parse_i64(), Ok(5));
        let t: Int64Text = serde_json::from_str("5").unwrap();
        assert_eq!(t.as_str(), "5");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"5\"");
        let t: Int64Text = serde_json::from_str("\"-2\"").unwrap();
        assert_eq!(t.parse_i64(), Ok(-2));
        for bad in ["\"abc\"", "\"1.5\"", "\"\"", "\"-\"", "1.5", "\"+3\""] {
            let t: Int64Text = serde_json::from_str(bad).unwrap();
            assert!(t.parse_i64().unwrap_err().contains("is not an integer"), "{bad}");
        }
        let t = Int64Text("99999999999999999999".into());
        assert!(t.parse_i64().unwrap_err().contains("out of the int64 range"));
        assert!(serde_json::from_str::<Int64Text>("true").is_err());
    }
}
