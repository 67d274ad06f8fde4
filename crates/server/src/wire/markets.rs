//! Markets, books, BBO, statistics and settlement on the wire.

use engine::{Market, MarketSpec, MarketState};
use protocol::{
    Amount, BookEntry, GetMarketSettlementResponse, JsonNumber, MarketData, MarketDataLite, MarketMetadata, MarketSide,
    MarketStats, MarketStatus, PRICE_DP, SettlementPriceCalculationMethod, format_timestamp,
};
use types::{MarketId, Price, Qty, Timestamp, format_units};

use super::values::{QTY_DP, RATE_DP, qty_text};

/// What the wire shows of a market: everything but its book. Borrowed from an engine
/// `Market` on the sequencer, or from the streams' copy of one (`streams::MarketCard`), so
/// that frames can be built off the sequencer thread with the same conversions.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MarketFacts<'a> {
    pub id: MarketId,
    pub spec: &'a MarketSpec,
    pub state: MarketState,
    pub settlement: Option<Price>,
    pub stats: &'a engine::MarketStats,
}

impl<'a> From<&'a Market> for MarketFacts<'a> {
    fn from(market: &'a Market) -> MarketFacts<'a> {
        MarketFacts {
            id: market.id,
            spec: &market.spec,
            state: market.state,
            settlement: market.settlement,
            stats: &market.stats,
        }
    }
}

/// True when the market accepts orders (`Market.active`).
pub(crate) fn is_active(market: MarketFacts<'_>) -> bool {
    market.state == MarketState::Open
}

/// True once trading has finished for good, i.e. the market settled (`Market.closed`).
pub(crate) fn is_closed(market: MarketFacts<'_>) -> bool {
    market.state == MarketState::Expired
}

/// A market, with the current top of its book.
pub(crate) fn market(market: MarketFacts<'_>, best_bid: Option<Price>, best_ask: Option<Price>) -> protocol::Market {
    let spec = &market.spec;
    let (long_quote, short_quote) = quotes(best_bid, best_ask);
    let market_id = i32::try_from(market.id.get()).ok();
    let side = |long: bool, quote: Option<Amount>, description: Option<String>| MarketSide {
        market_id,
        long: Some(long),
        description,
        quote,
        tradable: Some(is_active(market)),
        ..MarketSide::default()
    };
    protocol::Market {
        id: Some(market.id.to_string()),
        question: Some(spec.title.clone()),
        slug: Some(spec.slug.clone()),
        title: Some(spec.title.clone()),
        active: Some(is_active(market)),
        closed: Some(is_closed(market)),
        hidden: Some(false),
        archived: Some(false),
        status: Some(market_status(market)),
        order_price_min_tick_size: Some(JsonNumber::from_units(i128::from(spec.tick.units()), PRICE_DP)),
        minimum_trade_qty: Some(JsonNumber::from_units(i128::from(spec.min_qty.units()), QTY_DP)),
        fee_coefficient: Some(JsonNumber::from_units(i128::from(spec.taker_rate.units()), RATE_DP)),
        market_sides: vec![
            side(true, long_quote, (!spec.outcome.is_empty()).then(|| spec.outcome.clone())),
            side(false, short_quote, None),
        ],
        best_bid_quote: best_bid.map(Amount::price),
        best_ask_quote: best_ask.map(Amount::price),
        volume: Some(JsonNumber::from_units(i128::from(market.stats.shares_traded.units()), QTY_DP)),
        ..protocol::Market::default()
    }
}

/// The full book: `bids` and `offers` are aggregated levels, best first.
pub(crate) fn market_data(
    market: MarketFacts<'_>,
    bids: &[(Price, Qty)],
    offers: &[(Price, Qty)],
    ts: Timestamp,
) -> MarketData {
    let levels = |levels: &[(Price, Qty)]| {
        levels.iter().map(|&(px, qty)| BookEntry { px: Some(Amount::price(px)), qty: Some(qty_text(qty)) }).collect()
    };
    MarketData {
        market_slug: Some(market.spec.slug.clone()),
        bids: levels(bids),
        offers: levels(offers),
        state: Some(market_state(market.state)),
        stats: Some(market_stats(market)),
        transact_time: Some(format_timestamp(ts)),
    }
}

/// The BBO. `bids` and `offers` are all the aggregated levels, best first: the depths count
/// them and the share totals sum them (rounded down to 2 significant figures).
pub(crate) fn market_data_lite(
    market: MarketFacts<'_>,
    bids: &[(Price, Qty)],
    offers: &[(Price, Qty)],
) -> MarketDataLite {
    let best = |levels: &[(Price, Qty)]| levels.first().map(|&(px, _)| px);
    let (best_bid, best_ask) = (best(bids), best(offers));
    let (long_quote, short_quote) = quotes(best_bid, best_ask);
    let depth = |levels: &[(Price, Qty)]| Some(i32::try_from(levels.len()).unwrap_or(i32::MAX));
    let shares = |levels: &[(Price, Qty)]| {
        let total: i128 = levels.iter().map(|&(_, qty)| i128::from(qty.units())).sum();
        Some(format_units(two_significant_figures(total), QTY_DP, 0))
    };
    let stats = &market.stats;
    MarketDataLite {
        market_slug: Some(market.spec.slug.clone()),
        current_px: stats.last_trade_px.map(Amount::price),
        last_trade_px: stats.last_trade_px.map(Amount::price),
        settlement_px: market.settlement.map(settlement_amount),
        best_bid: best_bid.map(Amount::price),
        best_ask: best_ask.map(Amount::price),
        bid_depth: depth(bids),
        ask_depth: depth(offers),
        bid_shares: shares(bids),
        ask_shares: shares(offers),
        shares_traded: Some(qty_text(stats.shares_traded)),
        open_interest: Some(qty_text(stats.open_interest)),
        long_quote,
        short_quote,
        state: Some(market_state(market.state)),
        last_price_sample: None,
    }
}

/// The settlement reply, once the market has settled.
pub(crate) fn settlement(market: MarketFacts<'_>) -> Option<GetMarketSettlementResponse> {
    market.settlement.map(|value| GetMarketSettlementResponse {
        slug: market.spec.slug.clone(),
        settlement: JsonNumber::from_units_dp(i128::from(value.units()), PRICE_DP, PRICE_DP),
    })
}

fn market_stats(market: MarketFacts<'_>) -> MarketStats {
    let stats = &market.stats;
    let settled = market.settlement.is_some();
    MarketStats {
        low_px: stats.low_px.map(Amount::price),
        high_px: stats.high_px.map(Amount::price),
        last_trade_px: stats.last_trade_px.map(Amount::price),
        settlement_px: market.settlement.map(settlement_amount),
        current_px: stats.last_trade_px.map(Amount::price),
        shares_traded: Some(qty_text(stats.shares_traded)),
        last_trade_qty: stats.last_trade_px.map(|_| qty_text(stats.last_trade_qty)),
        open_interest: Some(qty_text(stats.open_interest)),
        notional_traded: Some(Amount::cash(stats.notional_traded)),
        settlement_preliminary_flag: settled.then_some(false),
        last_trade_set_time: stats.ts_last_trade.map(format_timestamp),
        settlement_price_calculation_method: settled.then_some(SettlementPriceCalculationMethod::EventTier1),
        ..MarketStats::default()
    }
}

/// The display prices of the YES and NO sides: what buying each costs now.
fn quotes(best_bid: Option<Price>, best_ask: Option<Price>) -> (Option<Amount>, Option<Amount>) {
    let long = best_ask.map(Amount::price);
    let short = best_bid.and_then(Price::complement).map(Amount::price);
    (long, short)
}

/// A settlement price written with 4 decimal places, as production shows it (`"1.0000"`).
fn settlement_amount(value: Price) -> Amount {
    Amount::from_units(i128::from(value.units()), PRICE_DP, PRICE_DP)
}

/// `units` (non-negative) rounded down to its 2 most significant digits: 1234 -> 1200.
pub(super) fn two_significant_figures(units: i128) -> i128 {
    let (mut leading, mut scale) = (units, 1i128);
    while leading >= 100 {
        leading /= 10;
        scale *= 10;
    }
    leading * scale
}

fn market_status(market: MarketFacts<'_>) -> MarketStatus {
    match market.state {
        MarketState::Open => MarketStatus::Open,
        MarketState::Preopen => MarketStatus::Unspecified,
        MarketState::Suspended => MarketStatus::Closed,
        MarketState::Halted => MarketStatus::Halted,
        MarketState::Expired => MarketStatus::Resolved,
    }
}

fn market_state(state: MarketState) -> protocol::MarketState {
    match state {
        MarketState::Open => protocol::MarketState::Open,
        MarketState::Preopen => protocol::MarketState::Preopen,
        MarketState::Suspended => protocol::MarketState::Suspended,
        MarketState::Halted => protocol::MarketState::Halted,
        MarketState::Expired => protocol::MarketState::Expired,
    }
}

pub(super) fn metadata(market: MarketFacts<'_>) -> MarketMetadata {
    let spec = &market.spec;
    let text = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    MarketMetadata {
        slug: Some(spec.slug.clone()),
        title: text(&spec.title),
        outcome: text(&spec.outcome),
        event_slug: text(&spec.event_slug),
        ..MarketMetadata::default()
    }
}
