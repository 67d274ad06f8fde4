//! Fees: `fee = coefficient x qty x p x (1 - p)` per fill, rounded to the cent half to even.
//!
//! Exact fees are kept as `i128` counts of 10^-18 dollars (rate 10^-6 x qty 10^-4 x p 10^-4 x
//! (1-p) 10^-4), so nothing is lost before the one rounding to the cent.
//!
//! Positive fees of one order are capped cumulatively: each fill is charged its own rounded
//! fee, but never more than takes the order's total past the rounded total of its exact fees
//! (docs/trading.md §11). Negative fees (maker rebates) are rounded per fill and not capped.

use types::{Cash, PRICE_SCALE, Price, Qty, Rate};

use crate::order::Side;

/// 10^-18 dollar units per cent.
const EXACT_PER_CENT: i128 = 10_000_000_000_000_000;
/// `Cash` units per cent.
const CASH_PER_CENT: i128 = Cash::CENT.units() as i128;

/// `numerator / denominator` rounded half to even. `denominator` must be positive.
pub fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    // 128-bit division is a library call; most operands fit 64 bits.
    if let (Ok(numerator), Ok(denominator)) = (i64::try_from(numerator), i64::try_from(denominator)) {
        return i128::from(div_round_half_even_64(numerator, denominator));
    }
    div_round_half_even_128(numerator, denominator)
}

/// `div_round_half_even` in 128 bits.
fn div_round_half_even_128(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    match (2 * remainder).cmp(&denominator) {
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal if quotient % 2 == 0 => quotient,
        std::cmp::Ordering::Equal => quotient + 1,
    }
}

/// `div_round_half_even` for 64-bit operands. `denominator` must be positive.
fn div_round_half_even_64(numerator: i64, denominator: i64) -> i64 {
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    // `remainder < denominator <= i64::MAX`, so compare `remainder` with what is left above
    // it rather than doubling it.
    match remainder.cmp(&(denominator - remainder)) {
        std::cmp::Ordering::Less => quotient,
        std::cmp::Ordering::Greater => quotient + 1,
        std::cmp::Ordering::Equal if quotient % 2 == 0 => quotient,
        std::cmp::Ordering::Equal => quotient + 1,
    }
}

/// The exact fee of `qty` at `px` for coefficient `rate`, in 10^-18 dollars.
pub fn exact_fee(rate: Rate, qty: Qty, px: Price) -> i128 {
    let p = i64::from(px.units());
    // |rate| <= 0.5 (5e5 units) and p (1 - p) <= 2.5e7: their product fits easily in i64.
    let per_contract = rate.units() * p * (PRICE_SCALE - p);
    match per_contract.checked_mul(qty.units()) {
        Some(exact) => i128::from(exact),
        None => i128::from(per_contract) * i128::from(qty.units()),
    }
}

/// An exact fee rounded to the cent, half to even.
pub fn round_to_cent(exact: i128) -> Cash {
    // Fast path: 64-bit division by a constant compiles to a multiply; 128-bit does not.
    // Half to even is symmetric about zero, so a rebate rounds as its magnitude, negated.
    if let Ok(magnitude) = u64::try_from(exact.unsigned_abs()) {
        let per_cent = EXACT_PER_CENT as u64;
        let (cents, remainder) = (magnitude / per_cent, magnitude % per_cent);
        let up = match (2 * remainder).cmp(&per_cent) {
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => cents % 2 == 1,
        };
        let cents = i128::from(cents + u64::from(up));
        return cash_from_cents(if exact < 0 { -cents } else { cents });
    }
    cash_from_cents(div_round_half_even(exact, EXACT_PER_CENT))
}

fn cash_from_cents(cents: i128) -> Cash {
    // Fees are bounded by qty x $0.25 x rate, far inside i64.
    Cash((cents * CASH_PER_CENT) as i64)
}

/// Running fee state of one order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct FeeCap {
    /// Exact positive fees so far.
    pub(crate) exact_total: i128,
    /// Positive fees charged so far.
    pub(crate) charged_total: Cash,
}

impl FeeCap {
    /// The fee to charge for one fill with coefficient `rate`, updating the running totals.
    #[inline(always)]
    pub(crate) fn charge(&mut self, rate: Rate, qty: Qty, px: Price) -> Cash {
        let exact = exact_fee(rate, qty, px);
        if exact <= 0 {
            return round_to_cent(exact);
        }
        let own = round_to_cent(exact);
        self.exact_total += exact;
        let cap = round_to_cent(self.exact_total).units() - self.charged_total.units();
        let fee = Cash(own.units().min(cap));
        self.charged_total = Cash(self.charged_total.units() + fee.units());
        fee
    }

    /// An upper bound on the positive fees still to be charged if `leaves` more fill at prices
    /// no worse than `limit` for `side`, with the largest positive coefficient `rate`. The cap
    /// guarantees the order's total never passes the half-even rounding of its exact total, so
    /// the bound rounds the same way (not up).
    pub(crate) fn bound(&self, rate: Rate, side: Side, limit: Price, leaves: Qty) -> Cash {
        if rate.units() <= 0 || leaves.units() <= 0 {
            return Cash::ZERO;
        }
        let worst = exact_fee(rate, leaves, worst_fee_price(side, limit));
        let total = round_to_cent(self.exact_total + worst).units() - self.charged_total.units();
        Cash(total.max(0))
    }
}

/// The price in the fillable range where `p (1 - p)` is largest: a buy fills at or below its
/// limit, a sell at or above; `p (1 - p)` peaks at $0.50.
fn worst_fee_price(side: Side, limit: Price) -> Price {
    let half = Price((PRICE_SCALE / 2) as u32);
    match side {
        Side::Buy => limit.min(half),
        Side::Sell => limit.max(half),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAKER: Rate = Rate(69_500);

    fn dollars(cents: i64) -> Cash {
        Cash(cents * Cash::CENT.units())
    }

    #[test]
    fn documented_maximum() {
        // $1.74 per 100 contracts at p = 0.50 (fees page): 0.0695 x 100 x 0.25 = 1.7375.
        let exact = exact_fee(TAKER, Qty(1_000_000), Price(5_000));
        assert_eq!(round_to_cent(exact), dollars(174));
    }

    #[test]
    fn half_to_even() {
        // 0.0695 x 6 x 0.55 x 0.45 = 0.1032075 -> 0.10; x 4 at 0.54 -> 0.0690 -> 0.07.
        assert_eq!(round_to_cent(exact_fee(TAKER, Qty(60_000), Price(5_500))), dollars(10));
        assert_eq!(round_to_cent(exact_fee(TAKER, Qty(40_000), Price(5_400))), dollars(7));
        // Exactly half a cent rounds to even: 0.005 -> 0.00, 0.015 -> 0.02.
        assert_eq!(round_to_cent(EXACT_PER_CENT / 2), dollars(0));
        assert_eq!(round_to_cent(EXACT_PER_CENT * 3 / 2), dollars(2));
        assert_eq!(round_to_cent(-EXACT_PER_CENT * 3 / 2), dollars(-2));
    }

    #[test]
    fn fast_and_wide_paths_agree() {
        let magnitudes = [
            0,
            1,
            EXACT_PER_CENT / 2 - 1,
            EXACT_PER_CENT / 2,
            EXACT_PER_CENT / 2 + 1,
            EXACT_PER_CENT * 3 / 2,
            EXACT_PER_CENT * 5 / 2,
            EXACT_PER_CENT * 5 / 2 + 1,
            u64::MAX as i128,
        ];
        for exact in magnitudes.into_iter().flat_map(|m| [m, -m]) {
            let wide = cash_from_cents(div_round_half_even(exact, EXACT_PER_CENT));
            assert_eq!(round_to_cent(exact), wide, "{exact}");
        }
        assert_eq!(round_to_cent(u64::MAX as i128 + 1), cash_from_cents(1845));
        assert_eq!(round_to_cent(-(u64::MAX as i128) - 1), cash_from_cents(-1845));
    }

    #[test]
    fn narrow_and_wide_division_agree() {
        let denominators = [1i64, 2, 3, 7, 10, 10_000, 1_000_003, i64::MAX];
        for denominator in denominators {
            let numerators =
                [0, 1, -1, denominator / 2, denominator / 2 + 1, -(denominator / 2), denominator, -denominator];
            let extremes = [
                i64::MAX,
                i64::MIN,
                i64::MIN + 1,
                (denominator / 2).saturating_mul(3),
                (denominator / 2).saturating_mul(-5),
            ];
            for numerator in numerators.into_iter().chain(extremes) {
                let wide = div_round_half_even_128(i128::from(numerator), i128::from(denominator));
                assert_eq!(
                    i128::from(div_round_half_even_64(numerator, denominator)),
                    wide,
                    "{numerator}/{denominator}"
                );
            }
        }
        // Exact halves go to the even neighbour, on both sides of zero.
        assert_eq!(div_round_half_even(5, 2), 2);
        assert_eq!(div_round_half_even(7, 2), 4);
        assert_eq!(div_round_half_even(-5, 2), -2);
        // Beyond 64 bits (the wide path): MAX is odd, so MAX + 1/2 rounds up.
        assert_eq!(div_round_half_even(i128::from(i64::MAX) * 4 + 2, 4), i128::from(i64::MAX) + 1);
    }

    #[test]
    fn cumulative_cap() {
        // Three fills of exact $0.006 each round to $0.01 each, but the running total may never
        // pass the rounded running exact total: 0.006 -> 0.01, 0.012 -> 0.01, 0.018 -> 0.02.
        let rate = Rate(1_000_000);
        let mut cap = FeeCap::default();
        // qty x p(1-p) = 0.006 with p = 0.5: qty = 0.024.
        let fees: Vec<Cash> = (0..3).map(|_| cap.charge(rate, Qty(240), Price(5_000))).collect();
        assert_eq!(fees, [dollars(1), dollars(0), dollars(1)]);
    }

    #[test]
    fn rebates_are_per_fill() {
        let mut cap = FeeCap::default();
        let rebate = cap.charge(Rate(-12_500), Qty(1_000_000), Price(5_000));
        assert_eq!(rebate, dollars(-31)); // -0.3125 -> -0.31
        assert_eq!(cap.charged_total, Cash::ZERO);
    }

    #[test]
    fn bound_covers_any_fill_price() {
        let cap = FeeCap::default();
        // A buy limited at 0.80 may fill at 0.50, where the fee is largest.
        let bound = cap.bound(TAKER, Side::Buy, Price(8_000), Qty(1_000_000));
        assert_eq!(bound, dollars(174));
        let bound = cap.bound(TAKER, Side::Buy, Price(2_000), Qty(1_000_000));
        assert_eq!(bound, round_to_cent(exact_fee(TAKER, Qty(1_000_000), Price(2_000))));
    }
}
