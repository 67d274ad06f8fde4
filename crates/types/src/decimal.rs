//! Exact conversion between decimal text and fixed-point integers.
//!
//! `parse_units` accepts what JSON numbers and decimal strings look like on the wire
//! (`"12"`, `"-0.515"`, `"1.5e2"`, `".5"`) and returns an integer count of `10^-scale` units.
//! Digits beyond the scale are truncated toward zero, which is the normalisation the spec
//! prescribes for prices and quantities. Anything else (empty, `NaN`, `Infinity`, stray
//! characters, values that do not fit) is an error, never a silent zero.

use thiserror::Error;

/// Why a decimal string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    /// Empty, non-numeric, `NaN`, `Infinity` or otherwise malformed text.
    #[error("not a decimal number")]
    Malformed,
    /// A well-formed number too large for the target type.
    #[error("number out of range")]
    OutOfRange,
}

/// Largest magnitude accepted, in units: keeps every product of two parsed values in `i128`.
const UNITS_MAX: i128 = i64::MAX as i128;

/// Parses `text` into a count of `10^-scale` units, truncating extra digits toward zero.
pub fn parse_units(text: &str, scale: u32) -> Result<i128, DecimalError> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let (mantissa, exponent) = match rest.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) => (&rest[..at], parse_exponent(&rest[at + 1..])?),
        None => (rest, 0),
    };
    let (int_part, frac_part) = match mantissa.iter().position(|&b| b == b'.') {
        Some(at) => (&mantissa[..at], &mantissa[at + 1..]),
        None => (mantissa, &mantissa[mantissa.len()..]),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(DecimalError::Malformed);
    }
    if !int_part.iter().chain(frac_part).all(u8::is_ascii_digit) {
        return Err(DecimalError::Malformed);
    }
    // Value = digits x 10^(exponent - frac_len); we want value x 10^scale.
    let shift = exponent + i64::from(scale) - frac_part.len() as i64;
    let mut units: i128 = 0;
    let all_digits = int_part.iter().chain(frac_part);
    let total_digits = int_part.len() + frac_part.len();
    // Keep only the digits that land at or above the unit position.
    let keep = if shift >= 0 {
        total_digits
    } else {
        let drop = usize::try_from(-shift).unwrap_or(usize::MAX);
        total_digits.saturating_sub(drop)
    };
    for &digit in all_digits.take(keep) {
        units = units
            .checked_mul(10)
            .and_then(|u| u.checked_add(i128::from(digit - b'0')))
            .ok_or(DecimalError::OutOfRange)?;
        if units > UNITS_MAX {
            return Err(DecimalError::OutOfRange);
        }
    }
    if shift > 0 && units != 0 {
        for _ in 0..shift {
            units = units.checked_mul(10).ok_or(DecimalError::OutOfRange)?;
            if units > UNITS_MAX {
                return Err(DecimalError::OutOfRange);
            }
        }
    }
    Ok(if negative { -units } else { units })
}

fn parse_exponent(bytes: &[u8]) -> Result<i64, DecimalError> {
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(DecimalError::Malformed);
    }
    let value = digits.iter().fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
    Ok(if negative { -value } else { value })
}

/// Formats `units` (a count of `10^-scale`) as a decimal string with at least `min_dp` and at
/// most `scale` decimal places, dropping trailing zeros beyond `min_dp`.
pub fn format_units(units: i128, scale: u32, min_dp: u32) -> String {
    let divisor = 10i128.pow(scale);
    let sign = if units < 0 { "-" } else { "" };
    let magnitude = units.unsigned_abs();
    let int_part = magnitude / divisor.unsigned_abs();
    let frac_part = magnitude % divisor.unsigned_abs();
    let mut frac = format!("{frac_part:0width$}", width = scale as usize);
    while frac.len() > min_dp as usize && frac.ends_with('0') {
        frac.pop();
    }
    if frac.is_empty() { format!("{sign}{int_part}") } else { format!("{sign}{int_part}.{frac}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_truncates() {
        assert_eq!(parse_units("0.515", 2), Ok(51));
        assert_eq!(parse_units("0.5", 4), Ok(5_000));
        assert_eq!(parse_units("12", 4), Ok(120_000));
        assert_eq!(parse_units("-0.015", 2), Ok(-1));
        assert_eq!(parse_units(".5", 1), Ok(5));
        assert_eq!(parse_units("5.", 1), Ok(50));
        assert_eq!(parse_units("+3", 0), Ok(3));
    }

    #[test]
    fn parses_exponents() {
        assert_eq!(parse_units("1.5e2", 4), Ok(1_500_000));
        assert_eq!(parse_units("5E-1", 4), Ok(5_000));
        assert_eq!(parse_units("1e-9", 4), Ok(0));
        assert_eq!(parse_units("0e999", 4), Ok(0));
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["", "-", ".", "NaN", "nan", "Infinity", "1.2.3", "1e", "e5", "0x10", " 1", "1 ", "1e99999"] {
            assert_eq!(parse_units(bad, 4), Err(DecimalError::Malformed), "{bad:?}");
        }
        assert_eq!(parse_units("1e30", 4), Err(DecimalError::OutOfRange));
        assert_eq!(parse_units("99999999999999999999999", 0), Err(DecimalError::OutOfRange));
    }

    #[test]
    fn formats() {
        assert_eq!(format_units(196_000, 4, 4), "19.6000");
        assert_eq!(format_units(-500_000, 4, 0), "-50");
        assert_eq!(format_units(5_460, 4, 2), "0.546");
        assert_eq!(format_units(0, 8, 2), "0.00");
        assert_eq!(format_units(-1, 8, 2), "-0.00000001");
    }
}
