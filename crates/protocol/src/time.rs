//! RFC 3339 timestamps, exactly, in both directions, without a date library.
//!
//! `format_timestamp` writes UTC with a `Z` and, when the nanoseconds are not zero, a
//! fraction of 3, 6 or 9 digits (the proto3 JSON convention the real API follows):
//! `2026-09-25T14:03:07Z`, `2026-09-25T14:03:07.250Z`, `2026-09-25T14:03:07.000000001Z`.
//!
//! `parse_timestamp` reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; `t`, `z` and a
//! space separator are tolerated, fraction digits beyond nanoseconds are truncated. Leap
//! seconds (`:60`) are refused. The range is that of `Timestamp` (years 1678 to 2261).

use types::Timestamp;

const NANOS_PER_S: i64 = Timestamp::NANOS_PER_S;
const SECONDS_PER_DAY: i64 = 86_400;

/// Formats a timestamp as RFC 3339 UTC.
pub fn format_timestamp(ts: Timestamp) -> String {
    let nanos = ts.nanos();
    let seconds = nanos.div_euclid(NANOS_PER_S);
    let fraction = nanos.rem_euclid(NANOS_PER_S);
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (of_day / 3_600, of_day / 60 % 60, of_day % 60);
    let mut text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        let keep = if fraction % 1_000_000 == 0 {
            3
        } else if fraction % 1_000 == 0 {
            6
        } else {
            9
        };
        text.push('.');
        text.push_str(&digits[..keep]);
    }
    text.push('Z');
    text
}

/// Parses an RFC 3339 date-time; the message says what is wrong.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    parse(text.as_bytes()).ok_or_else(|| {
        format!("`{text}` is not an RFC 3339 date-time: expected e.g. \"2026-12-01T17:00:00Z\" or \"2026-12-01T12:00:00-05:00\"")
    })
}

fn parse(bytes: &[u8]) -> Option<Timestamp> {
    let number = |from: usize, len: usize| -> Option<i64> {
        let digits = bytes.get(from..from + len)?;
        digits.iter().try_fold(0i64, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0')))
    };
    let separator = |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|b| allowed.contains(b));
    if !(separator(4, b"-")
        && separator(7, b"-")
        && separator(10, b"Tt ")
        && separator(13, b":")
        && separator(16, b":"))
    {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut at = 19;
    let mut fraction = 0i64;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 9 {
                fraction = fraction * 10 + i64::from(bytes[at] - b'0');
            }
            at += 1;
        }
        let count = at - start;
        if count == 0 {
            return None;
        }
        for _ in count..9 {
            fraction *= 10;
        }
    }
    let offset_seconds = match bytes.get(at)? {
        b'Z' | b'z' if bytes.len() == at + 1 => 0,
        sign @ (b'+' | b'-') if bytes.len() == at + 6 && bytes[at + 3] == b':' => {
            let (hours, minutes) = (number(at + 1, 2)?, number(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3_600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };
    let seconds =
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3_600 + minute * 60 + second - offset_seconds;
    let nanos = i128::from(seconds) * i128::from(NANOS_PER_S) + i128::from(fraction);
    Some(Timestamp::from_nanos(i64::try_from(nanos).ok()?))
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the era-based algorithm: 400-year
/// eras of 146,097 days, years starting in March so the leap day comes last).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of `days_from_civil`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = NANOS_PER_S;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_timestamp(Timestamp(0)), "1970-01-01T00:00:00Z");
        assert_eq!(format_timestamp(Timestamp(1_700_000_000 * S)), "2023-11-14T22:13:20Z");
        assert_eq!(format_timestamp(Timestamp(1_790_294_400 * S + 250_000_000)), "2026-09-25T00:00:00.250Z");
        assert_eq!(format_timestamp(Timestamp(1_790_294_400 * S + 1_500)), "2026-09-25T00:00:00.000001500Z");
        assert_eq!(format_timestamp(Timestamp(1_790_294_400 * S + 7_000)), "2026-09-25T00:00:00.000007Z");
        assert_eq!(format_timestamp(Timestamp(-1)), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(format_timestamp(Timestamp(951_782_400 * S)), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn parses_and_round_trips() {
        for nanos in [0, 1, -1, 1_700_000_000 * S, 1_790_294_400 * S + 123_456_789, 951_782_400 * S, i64::MAX, i64::MIN]
        {
            let text = format_timestamp(Timestamp(nanos));
            assert_eq!(parse_timestamp(&text), Ok(Timestamp(nanos)), "{text}");
        }
        // Every day of a few years around a leap year.
        for day in -800..800 {
            let ts = Timestamp(day * SECONDS_PER_DAY * S);
            assert_eq!(parse_timestamp(&format_timestamp(ts)), Ok(ts));
        }
    }

    #[test]
    fn parses_offsets_and_variants() {
        let utc = parse_timestamp("2026-12-01T17:00:00Z").unwrap();
        assert_eq!(parse_timestamp("2026-12-01T12:00:00-05:00"), Ok(utc));
        assert_eq!(parse_timestamp("2026-12-01T18:30:00+01:30"), Ok(utc));
        assert_eq!(parse_timestamp("2026-12-01t17:00:00z"), Ok(utc));
        assert_eq!(parse_timestamp("2026-12-01 17:00:00+00:00"), Ok(utc));
        assert_eq!(parse_timestamp("2026-12-01T17:00:00.5Z"), Ok(Timestamp(utc.nanos() + 500_000_000)));
        assert_eq!(parse_timestamp("2026-12-01T17:00:00.1234567891Z"), Ok(Timestamp(utc.nanos() + 123_456_789)));
    }

    #[test]
    fn refuses_malformed() {
        for bad in [
            "",
            "2026-12-01",
            "2026-12-01T17:00:00",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "2026-12-01T23:60:00Z",
            "2026-12-01T23:59:60Z",
            "2026-12-01T17:00:00.Z",
            "2026-12-01T17:00:00+0500",
            "2026-12-01T17:00:00Zjunk",
            "20261-2-01T17:00:00Z",
            "2026-12-01T17:00:00+24:00",
            "9999-12-31T23:59:59Z",
            "1700000000000",
        ] {
            let error = parse_timestamp(bad).unwrap_err();
            assert!(error.contains("is not an RFC 3339 date-time"), "{bad}: {error}");
        }
        assert_eq!(parse_timestamp("2024-02-29T00:00:00Z").map(|t| t.nanos() / S), Ok(1_709_164_800));
    }
}
