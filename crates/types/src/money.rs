//! Fixed-point money and quantity types.
//!
//! | type    | minor unit          | scale         | why this unit                                  |
//! |---------|---------------------|---------------|------------------------------------------------|
//! | `Price` | $0.0001             | 10_000        | every tick size (0.01 .. 0.001, 0.0025) divides it |
//! | `Qty`   | 0.0001 contract     | 10_000        | the 4 decimal places of the wire's `*Decimal` fields |
//! | `Cash`  | $0.00000001         | 100_000_000   | exactly `Price` x `Qty`, so every notional is exact |
//! | `Rate`  | 0.000001            | 1_000_000     | fee coefficients such as 0.0695 and -0.0125       |
//!
//! A notional (`Price` x `Qty`) is therefore an exact `Cash` with no rounding. Only fees are
//! rounded, to the cent, half to even, by the engine.

use std::fmt;

use crate::decimal::format_units;

/// Minor units of `Price` per dollar.
pub const PRICE_SCALE: i64 = 10_000;
/// Minor units of `Qty` per contract.
pub const QTY_SCALE: i64 = 10_000;
/// Minor units of `Cash` per dollar.
pub const CASH_SCALE: i64 = PRICE_SCALE * QTY_SCALE;
/// Minor units of `Rate` per 1.0.
pub const RATE_SCALE: i64 = 1_000_000;

/// A price in $0.0001 units. A YES price lies in [0, 1]; the engine enforces market bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Price(pub u32);

impl Price {
    /// $0.
    pub const ZERO: Price = Price(0);
    /// $1, the payout of a winning contract.
    pub const ONE: Price = Price(PRICE_SCALE as u32);

    /// The raw count of $0.0001 units.
    pub const fn units(self) -> u32 {
        self.0
    }

    /// `1 - self`: the NO price for a YES price. `None` above $1.
    pub const fn complement(self) -> Option<Price> {
        match Price::ONE.0.checked_sub(self.0) {
            Some(units) => Some(Price(units)),
            None => None,
        }
    }

    /// The exact notional of `qty` contracts at this price.
    pub const fn notional(self, qty: Qty) -> Option<Cash> {
        match qty.0.checked_mul(self.0 as i64) {
            Some(units) => Some(Cash(units)),
            None => None,
        }
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_units(i128::from(self.0), 4, 2))
    }
}

/// A quantity of contracts in 0.0001-contract units. Signed, so it also serves as a net
/// position (positive = long YES, negative = short).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Qty(pub i64);

impl Qty {
    /// No contracts.
    pub const ZERO: Qty = Qty(0);
    /// One whole contract.
    pub const ONE: Qty = Qty(QTY_SCALE);

    /// The raw count of 0.0001-contract units.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// `self + rhs`, `None` on overflow.
    pub const fn checked_add(self, rhs: Qty) -> Option<Qty> {
        match self.0.checked_add(rhs.0) {
            Some(units) => Some(Qty(units)),
            None => None,
        }
    }

    /// `self - rhs`, `None` on overflow.
    pub const fn checked_sub(self, rhs: Qty) -> Option<Qty> {
        match self.0.checked_sub(rhs.0) {
            Some(units) => Some(Qty(units)),
            None => None,
        }
    }

    /// The absolute value.
    pub const fn abs(self) -> Qty {
        Qty(self.0.abs())
    }

    /// True when strictly positive.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// True when zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The largest multiple of `step` not above `self` (for non-negative `self`).
    /// `step` must be positive. The common steps (1 and 0.01 contract) divide by a constant,
    /// which compiles to a multiplication.
    #[inline]
    pub const fn truncate_to(self, step: Qty) -> Qty {
        let remainder = match step.0 {
            QTY_SCALE => self.0.rem_euclid(QTY_SCALE),
            100 => self.0.rem_euclid(100),
            step => self.0.rem_euclid(step),
        };
        Qty(self.0 - remainder)
    }

    /// Whole contracts, rounded toward zero (the deprecated integer wire fields).
    pub const fn whole_contracts(self) -> i64 {
        self.0 / QTY_SCALE
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_units(i128::from(self.0), 4, 0))
    }
}

/// An amount of money in $0.00000001 units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cash(pub i64);

impl Cash {
    /// $0.
    pub const ZERO: Cash = Cash(0);
    /// One cent: the unit fees are rounded to.
    pub const CENT: Cash = Cash(CASH_SCALE / 100);

    /// The raw count of minor units.
    pub const fn units(self) -> i64 {
        self.0
    }

    /// A whole number of dollars.
    pub const fn from_dollars(dollars: i64) -> Option<Cash> {
        match dollars.checked_mul(CASH_SCALE) {
            Some(units) => Some(Cash(units)),
            None => None,
        }
    }

    /// `self + rhs`, `None` on overflow.
    pub const fn checked_add(self, rhs: Cash) -> Option<Cash> {
        match self.0.checked_add(rhs.0) {
            Some(units) => Some(Cash(units)),
            None => None,
        }
    }

    /// `self - rhs`, `None` on overflow.
    pub const fn checked_sub(self, rhs: Cash) -> Option<Cash> {
        match self.0.checked_sub(rhs.0) {
            Some(units) => Some(Cash(units)),
            None => None,
        }
    }

    /// `$1 x qty`: the margin or payout of `qty` contracts.
    pub const fn per_contract(qty: Qty) -> Option<Cash> {
        Price::ONE.notional(qty)
    }
}

impl fmt::Display for Cash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_units(i128::from(self.0), 8, 2))
    }
}

/// A dimensionless coefficient in 0.000001 units, such as a fee coefficient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Rate(pub i64);

impl Rate {
    /// Zero.
    pub const ZERO: Rate = Rate(0);

    /// The raw count of 0.000001 units.
    pub const fn units(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_units(i128::from(self.0), 6, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notional_is_exact() {
        // 0.01 contract at $0.0025 is $0.000025: representable exactly.
        let cash = Price(25).notional(Qty(100)).unwrap();
        assert_eq!(cash, Cash(2_500));
        assert_eq!(cash.to_string(), "0.000025");
    }

    #[test]
    fn truncation_and_display() {
        assert_eq!(Qty(15_678).truncate_to(Qty(100)), Qty(15_600));
        assert_eq!(Qty(15_678).truncate_to(Qty::ONE), Qty(10_000));
        assert_eq!(Qty(-500_000).to_string(), "-50");
        assert_eq!(Price(5_100).to_string(), "0.51");
        assert_eq!(Price(5_125).to_string(), "0.5125");
        assert_eq!(Price(25).complement(), Some(Price(9_975)));
        assert_eq!(Price(10_001).complement(), None);
        assert_eq!(Cash::per_contract(Qty(20_000)), Some(Cash(200_000_000)));
    }
}
