//! The public markets endpoints (docs/api.md §5): list, by id, by slug, book, BBO, settlement.
//! No authentication; the per-IP rate limit applies (see `lib.rs`).
//!
//! The list pages by `limit` and `offset` in market creation order, filtered by `id`, `slug`,
//! `active` and `closed`; other documented parameters are accepted and ignored. Settlement is a
//! 404 until the market is settled, as documented.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use engine::{Engine, Market, Side};
use protocol::{GetMarketResponse, GetMarketsResponse, MarketBboResponse, MarketBookResponse, MarketsQuery};
use types::MarketId;

use super::query_pairs;
use crate::AppState;
use crate::error::{ApiError, ApiJson};
use crate::wire;

/// Largest page of the market list.
pub(crate) const MARKETS_PAGE_MAX: usize = 1_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/markets", get(list))
        .route("/v1/market/id/{id}", get(by_id))
        .route("/v1/market/slug/{slug}", get(by_slug))
        .route("/v1/markets/{slug}/book", get(book))
        .route("/v1/markets/{slug}/bbo", get(bbo))
        .route("/v1/markets/{slug}/settlement", get(settlement))
}

fn market_json(engine: &Engine, market: &Market) -> protocol::Market {
    let best = |side| engine.best(market.id, side).map(|(price, _)| price);
    wire::market(market.into(), best(Side::Buy), best(Side::Sell))
}

async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<ApiJson<GetMarketsResponse>, ApiError> {
    let query = MarketsQuery::from_pairs(&query_pairs(query.as_deref())).map_err(ApiError::BadRequest)?;
    let limit = match query.limit {
        Some(limit) if limit > 0 => usize::try_from(limit).unwrap_or(MARKETS_PAGE_MAX).min(MARKETS_PAGE_MAX),
        _ => MARKETS_PAGE_MAX,
    };
    let offset = query.offset.and_then(|offset| usize::try_from(offset).ok()).unwrap_or(0);
    let markets = state
        .sequencer
        .read(move |core| {
            core.engine
                .markets()
                .iter()
                .filter(|market| query.id.is_empty() || query.id.iter().any(|&id| i64::from(market.id.get()) == id))
                .filter(|market| query.slug.is_empty() || query.slug.contains(&market.spec.slug))
                .filter(|market| query.active.is_none_or(|active| wire::is_active((*market).into()) == active))
                .filter(|market| query.closed.is_none_or(|closed| wire::is_closed((*market).into()) == closed))
                .skip(offset)
                .take(limit)
                .map(|market| market_json(&core.engine, market))
                .collect()
        })
        .await?;
    Ok(ApiJson(GetMarketsResponse { markets }))
}

fn unknown(what: &str) -> ApiError {
    ApiError::NotFound(format!("no market {what}"))
}

async fn by_id(State(state): State<AppState>, Path(id): Path<String>) -> Result<ApiJson<GetMarketResponse>, ApiError> {
    let not_found = || unknown(&format!("with id {id:?}"));
    let Ok(market_id) = id.parse::<u32>() else { return Err(not_found()) };
    let market = state
        .sequencer
        .read(move |core| core.engine.market(MarketId(market_id)).map(|market| market_json(&core.engine, market)))
        .await?;
    market.map(|market| ApiJson(GetMarketResponse { market })).ok_or_else(not_found)
}

/// Runs `read` on the market named by `slug`, or answers 404.
async fn with_slug<T: Send + 'static>(
    state: &AppState,
    slug: String,
    read: impl FnOnce(&Engine, &Market) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let not_found = unknown(&format!("with slug {slug:?}"));
    let found = state
        .sequencer
        .read(move |core| {
            let id = core.engine.market_id(&slug)?;
            let market = core.engine.market(id)?;
            Some(read(&core.engine, market))
        })
        .await?;
    found.ok_or(not_found)
}

async fn by_slug(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<GetMarketResponse>, ApiError> {
    let market = with_slug(&state, slug, market_json).await?;
    Ok(ApiJson(GetMarketResponse { market }))
}

async fn book(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<MarketBookResponse>, ApiError> {
    let now = types::Timestamp(crate::clock::now_ns());
    let market_data = with_slug(&state, slug, move |engine, market| {
        let bids = engine.depth(market.id, Side::Buy, usize::MAX);
        let offers = engine.depth(market.id, Side::Sell, usize::MAX);
        wire::market_data(market.into(), &bids, &offers, now)
    })
    .await?;
    Ok(ApiJson(MarketBookResponse { market_data }))
}

async fn bbo(State(state): State<AppState>, Path(slug): Path<String>) -> Result<ApiJson<MarketBboResponse>, ApiError> {
    let market_data = with_slug(&state, slug, |engine, market| {
        let bids = engine.depth(market.id, Side::Buy, usize::MAX);
        let offers = engine.depth(market.id, Side::Sell, usize::MAX);
        wire::market_data_lite(market.into(), &bids, &offers)
    })
    .await?;
    Ok(ApiJson(MarketBboResponse { market_data }))
}

async fn settlement(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ApiJson<protocol::GetMarketSettlementResponse>, ApiError> {
    let not_settled = ApiError::NotFound(format!("market {slug:?} is not settled"));
    let settled = with_slug(&state, slug, |_, market| wire::settlement(market.into())).await?;
    settled.map(ApiJson).ok_or(not_settled)
}
