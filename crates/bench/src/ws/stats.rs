//! Percentiles and the integer formatting of the tables (the workspace refuses floating point).

/// p50, p99 and max of a set of nanosecond durations (negative when a frame came before its
/// order's acknowledgement).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Spread {
    pub(crate) count: u64,
    pub(crate) p50: i64,
    pub(crate) p99: i64,
    pub(crate) max: i64,
    /// How many were negative.
    pub(crate) negative: u64,
}

impl Spread {
    /// The spread of `samples` (sorted in place); `None` when there are none.
    pub(crate) fn of(samples: &mut [i64]) -> Option<Spread> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        Some(Spread {
            count: samples.len() as u64,
            p50: percentile(samples, 50),
            p99: percentile(samples, 99),
            max: samples[samples.len() - 1],
            negative: samples.partition_point(|sample| *sample < 0) as u64,
        })
    }
}

/// Nearest-rank percentile of sorted `samples`.
fn percentile(sorted: &[i64], pct: usize) -> i64 {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted[rank - 1]
}

/// Nanoseconds as milliseconds with two decimals: `0.41`, `-0.02`, `12.30`.
pub(crate) fn ms(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let abs = ns.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 1_000_000, abs % 1_000_000 / 10_000)
}

/// `part / whole` as a percentage with one decimal.
pub(crate) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    let tenths = u128::from(part) * 1_000 / u128::from(whole);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// `count` per `ns` nanoseconds, per second.
pub(crate) fn per_second(count: u64, ns: i64) -> u64 {
    let ns = u128::from(ns.max(1).unsigned_abs());
    u64::try_from(u128::from(count) * 1_000_000_000 / ns).unwrap_or(u64::MAX)
}

/// A whole number with thousands separators: `12,345`.
pub(crate) fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_and_formats() {
        let mut samples: Vec<i64> = (-9..=90).collect();
        let spread = Spread::of(&mut samples).unwrap();
        assert_eq!((spread.count, spread.p50, spread.p99, spread.max, spread.negative), (100, 40, 89, 90, 9));
        assert_eq!(Spread::of(&mut []), None);
        assert_eq!(ms(412_345), "0.41");
        assert_eq!(ms(-20_000), "-0.02");
        assert_eq!(ms(12_300_000), "12.30");
        assert_eq!(percent(1, 3), "33.3 %");
        assert_eq!(per_second(2_000, 1_000_000_000), 2_000);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
