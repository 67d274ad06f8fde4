//! Positions: one signed net quantity per account and market, with average-cost accounting.
//!
//! `cost` is the basis of the open position: what was paid for a long (positive) or received
//! for a short (negative). Reducing a position removes a proportional share of the basis,
//! rounded half to even to the `Cash` unit; closing it entirely removes exactly what is left,
//! so no residue survives a full close. Realized P&L excludes fees, which are kept apart.

use types::{Cash, Price, Qty, Timestamp};

use crate::fees::div_round_half_even;
use crate::order::Side;

/// A position snapshot. `net` and `cost` are bounded by the engine's deposit limit and price
/// bounds. The running totals (`bought`, `sold`, `realized`, `fees`) can grow without bound
/// as the same cash trades back and forth, so they saturate: they are informational.
///
/// C layout keeps `net` first: the risk check reads it next to the account's exposure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Position {
    /// Positive = long YES, negative = short (holding NO).
    pub net: Qty,
    pub bought: Qty,
    pub sold: Qty,
    /// Basis of the open position (signed like `net`).
    pub cost: Cash,
    pub realized: Cash,
    /// Fees paid minus rebates received in this market.
    pub fees: Cash,
    /// Set once the market has settled.
    pub expired: bool,
    pub ts_updated: Timestamp,
}

impl Position {
    /// Applies a fill of `qty` at `px` on `side` of the YES book; returns the realized P&L
    /// of this fill. Overflow is impossible within the engine's quantity and cash limits.
    #[inline(always)]
    pub(crate) fn apply_fill(&mut self, side: Side, qty: Qty, px: Price, ts: Timestamp) -> Cash {
        let mut realized = 0i64;
        let signed = match side {
            Side::Buy => {
                self.bought = Qty(self.bought.units().saturating_add(qty.units()));
                qty.units()
            }
            Side::Sell => {
                self.sold = Qty(self.sold.units().saturating_add(qty.units()));
                -qty.units()
            }
        };
        let net = self.net.units();
        let mut open = signed;
        if net != 0 && (net > 0) != (signed > 0) {
            // Part (or all) of the fill closes the existing position.
            let closing = signed.abs().min(net.abs());
            let removed = if closing == net.abs() {
                self.cost.units()
            } else {
                div_round_half_even(i128::from(self.cost.units()) * i128::from(closing), i128::from(net.abs())) as i64
            };
            let trade_value = i64::from(px.units()) * closing;
            // Long: sold for trade_value what cost `removed`. Short: bought back for
            // trade_value what brought in `-removed`.
            realized = if net > 0 { trade_value - removed } else { -removed - trade_value };
            self.cost = Cash(self.cost.units() - removed);
            let direction = signed.signum();
            self.net = Qty(net + direction * closing);
            open = signed - direction * closing;
        }
        if open != 0 {
            self.cost = Cash(self.cost.units() + i64::from(px.units()) * open);
            self.net = Qty(self.net.units() + open);
        }
        self.realized = Cash(self.realized.units().saturating_add(realized));
        self.ts_updated = ts;
        Cash(realized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(contracts: i64) -> Qty {
        Qty(contracts * 10_000)
    }

    #[test]
    fn long_round_trip() {
        let mut p = Position::default();
        p.apply_fill(Side::Buy, q(10), Price(4_000), Timestamp(1));
        p.apply_fill(Side::Buy, q(10), Price(6_000), Timestamp(2));
        assert_eq!(p.cost, Cash(10 * 10_000 * 4_000 + 10 * 10_000 * 6_000));
        let realized = p.apply_fill(Side::Sell, q(5), Price(7_000), Timestamp(3));
        // Average 0.50, sold 5 at 0.70: +1.00.
        assert_eq!(realized, Cash(100_000_000));
        let realized = p.apply_fill(Side::Sell, q(15), Price(5_000), Timestamp(4));
        assert_eq!(realized, Cash(0));
        assert_eq!(p.net, Qty::ZERO);
        assert_eq!(p.cost, Cash::ZERO);
        assert_eq!(p.realized, Cash(100_000_000));
        assert_eq!((p.bought, p.sold), (q(20), q(20)));
    }

    #[test]
    fn short_and_flip() {
        let mut p = Position::default();
        p.apply_fill(Side::Sell, q(10), Price(7_000), Timestamp(1));
        assert_eq!(p.net, q(-10));
        assert_eq!(p.cost, Cash(-700_000_000));
        // Buy 15 at 0.60: closes 10 (+1.00) and opens a long of 5 at 0.60.
        let realized = p.apply_fill(Side::Buy, q(15), Price(6_000), Timestamp(2));
        assert_eq!(realized, Cash(100_000_000));
        assert_eq!(p.net, q(5));
        assert_eq!(p.cost, Cash(300_000_000));
    }

    #[test]
    fn running_totals_saturate_instead_of_overflowing() {
        let mut p = Position { realized: Cash(i64::MAX - 1), ..Position::default() };
        p.apply_fill(Side::Buy, q(1), Price(1_000), Timestamp(1));
        p.apply_fill(Side::Sell, q(1), Price(9_000), Timestamp(2));
        assert_eq!(p.realized, Cash(i64::MAX));
        assert_eq!(p.net, Qty::ZERO);
    }

    #[test]
    fn partial_reduction_rounds_basis() {
        let mut p = Position::default();
        // Three contracts for a total of $1.00: basis per contract is not exact.
        p.apply_fill(Side::Buy, q(1), Price(3_000), Timestamp(1));
        p.apply_fill(Side::Buy, q(2), Price(3_500), Timestamp(1));
        p.apply_fill(Side::Sell, q(1), Price(3_000), Timestamp(2));
        p.apply_fill(Side::Sell, q(2), Price(3_000), Timestamp(3));
        assert_eq!(p.net, Qty::ZERO);
        assert_eq!(p.cost, Cash::ZERO);
        assert_eq!(p.realized, Cash(-10_000_000));
    }
}
