//! Markets: the spec a market is created with, its state, statistics and book.

use types::{Cash, MarketId, PRICE_SCALE, Price, QTY_SCALE, Qty, RATE_SCALE, Rate, Timestamp};

use crate::book::Book;
use crate::command::{MarketSpec, MarketState};
use crate::error::EngineError;

/// Largest fee coefficient magnitude accepted (keeps fees below every trade's value).
const RATE_MAX: i64 = RATE_SCALE / 2;
/// The absolute price bounds of docs/trading.md §11, $0.01 and $0.99.
const PRICE_BOUND_LOW: u32 = (PRICE_SCALE / 100) as u32;
const PRICE_BOUND_HIGH: u32 = (PRICE_SCALE - PRICE_SCALE / 100) as u32;

/// A market.
#[derive(Clone, Debug)]
pub struct Market {
    pub id: MarketId,
    pub spec: MarketSpec,
    pub state: MarketState,
    /// The settlement value once settled.
    pub settlement: Option<Price>,
    pub stats: MarketStats,
    pub(crate) book: Book,
    /// `ceil(2^32 / tick)`: `price * level_magic >> 32` is `price / tick` without a division
    /// (exact because price x tick < 2^32 for every price up to $1).
    level_magic: u64,
}

/// Trading statistics of a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketStats {
    pub last_trade_px: Option<Price>,
    pub last_trade_qty: Qty,
    pub ts_last_trade: Option<Timestamp>,
    pub high_px: Option<Price>,
    pub low_px: Option<Price>,
    /// Contracts traded (saturating: informational).
    pub shares_traded: Qty,
    /// Notional traded (saturating: informational).
    pub notional_traded: Cash,
    /// Sum of long positions (= sum of shorts).
    pub open_interest: Qty,
}

impl Market {
    /// Validates a spec and builds an empty market.
    pub(crate) fn new(id: MarketId, spec: MarketSpec) -> Result<Market, EngineError> {
        validate_spec(&spec)?;
        let tick = spec.tick.units();
        let levels_count = (PRICE_SCALE as u32 / tick) as usize + 1;
        Ok(Market {
            id,
            state: spec.state,
            spec,
            settlement: None,
            stats: MarketStats::default(),
            book: Book::new(levels_count),
            level_magic: (1u64 << 32).div_ceil(u64::from(tick)),
        })
    }

    /// A market as a snapshot recorded it (the spec was validated when it was created).
    pub(crate) fn restore(
        id: MarketId,
        spec: MarketSpec,
        state: MarketState,
        settlement: Option<Price>,
        stats: MarketStats,
        book: Book,
    ) -> Market {
        let level_magic = (1u64 << 32).div_ceil(u64::from(spec.tick.units().max(1)));
        Market { id, spec, state, settlement, stats, book, level_magic }
    }

    /// Number of price levels per side for this market's tick.
    pub(crate) fn levels_count(tick: Price) -> usize {
        (PRICE_SCALE as u32 / tick.units().max(1)) as usize + 1
    }

    /// The book level index of a price: `price / tick`, rounded down. Prices handled here are
    /// at most $1 (a limit price is checked against the market's bounds first).
    pub(crate) fn level_of(&self, price: Price) -> u32 {
        debug_assert!(price <= Price::ONE);
        ((u64::from(price.units()) * self.level_magic) >> 32) as u32
    }

    /// The price of a level index.
    pub(crate) fn price_of(&self, level: u32) -> Price {
        Price(level * self.spec.tick.units())
    }

    /// The positive fee coefficient a resting order can be charged (it fills only as maker).
    pub(crate) fn maker_fee_rate(&self) -> Rate {
        Rate(self.spec.maker_rate.units().max(0))
    }

    /// The largest positive fee coefficient an order that trades on arrival can be charged
    /// (taker for what it takes, maker for what rests).
    pub(crate) fn any_fee_rate(&self) -> Rate {
        Rate(self.spec.taker_rate.units().max(self.spec.maker_rate.units()).max(0))
    }
}

fn validate_spec(spec: &MarketSpec) -> Result<(), EngineError> {
    let invalid = |what: &'static str| Err(EngineError::InvalidMarketSpec(what));
    if spec.slug.is_empty() || spec.slug.len() > 200 {
        return invalid("slug must be 1 to 200 characters");
    }
    let tick = spec.tick.units();
    if tick == 0 || !(PRICE_SCALE as u32).is_multiple_of(tick) {
        return invalid("tick size must be positive and divide 1");
    }
    let min_qty = spec.min_qty.units();
    if min_qty <= 0 || min_qty > 1_000 * QTY_SCALE {
        return invalid("minimum trade quantity must be positive and at most 1000");
    }
    // Within [0.01, 0.99] every contract costs at least a cent to buy or to short, which
    // bounds positions, margin and notionals by the deposit limit.
    let (low, high) = (spec.price_min.units(), spec.price_max.units());
    if low < PRICE_BOUND_LOW || high > PRICE_BOUND_HIGH || low > high {
        return invalid("price bounds must satisfy 0.01 <= min <= max <= 0.99");
    }
    if low % tick != 0 || high % tick != 0 {
        return invalid("price bounds must lie on the tick grid");
    }
    if spec.state == MarketState::Expired {
        return invalid("a market cannot be created expired");
    }
    for rate in [spec.taker_rate, spec.maker_rate] {
        if rate.units().abs() > RATE_MAX {
            return invalid("fee coefficients must lie in [-0.5, 0.5]");
        }
    }
    if spec.maker_rate.units() < -spec.taker_rate.units().max(0) {
        return invalid("the maker rebate may not exceed the taker fee");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use types::Rate;

    use super::*;

    #[test]
    fn level_of_divides_exactly_for_every_price_and_tick() {
        for tick in [10, 25, 50, 100, 20, 1, 10_000] {
            let spec = MarketSpec {
                slug: "m".into(),
                title: String::new(),
                outcome: String::new(),
                event_slug: String::new(),
                tick: Price(tick),
                min_qty: Qty::ONE,
                price_min: Price(tick.min(100).max(tick)),
                price_max: Price(if tick == 10_000 { 10_000 } else { 9_900 - 9_900 % tick }),
                state: MarketState::Open,
                taker_rate: Rate::ZERO,
                maker_rate: Rate::ZERO,
            };
            let market = Market { level_magic: (1u64 << 32).div_ceil(u64::from(tick)), ..market_for(spec) };
            for units in 0..=PRICE_SCALE as u32 {
                assert_eq!(market.level_of(Price(units)), units / tick, "tick {tick} price {units}");
            }
        }
    }

    fn market_for(spec: MarketSpec) -> Market {
        let levels_count = (PRICE_SCALE as u32 / spec.tick.units()) as usize + 1;
        Market {
            id: MarketId(0),
            state: spec.state,
            settlement: None,
            stats: MarketStats::default(),
            book: Book::new(levels_count),
            level_magic: 0,
            spec,
        }
    }
}
