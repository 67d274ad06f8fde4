//! Portfolio and account endpoints (docs/api.md §3, §4), all signed: positions, activities and
//! balances of the calling account.
//!
//! Paging: positions are ordered by market (creation order) and activities by time; a cursor
//! is the opaque position to continue from (a decimal string), `eof` is true on the last page.
//! `limit` defaults to 100 and is capped at `PAGE_MAX`; a non-positive limit takes the default.
//! A flat position that has traded stays listed, also once its market settles (`expired: true`)
//! (docs/trading.md §3).

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::get;
use engine::CashKind;
use protocol::{
    ActivitiesQuery, ActivityType, GetAccountBalancesResponse, GetActivitiesResponse, GetUserPositionsResponse,
    PositionsQuery, SortOrder,
};
use types::MarketId;

use super::query_pairs;
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiJson};
use crate::history::Activity;
use crate::wire;

/// Largest page of positions or activities.
pub(crate) const PAGE_MAX: usize = 100;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/portfolio/positions", get(positions))
        .route("/v1/portfolio/activities", get(activities))
        .route("/v1/account/balances", get(balances))
}

fn page_size(limit: Option<i64>) -> usize {
    match limit {
        Some(limit) if limit > 0 => usize::try_from(limit).unwrap_or(PAGE_MAX).min(PAGE_MAX),
        _ => PAGE_MAX,
    }
}

fn cursor(text: Option<&str>) -> Result<usize, ApiError> {
    match text {
        None | Some("") => Ok(0),
        Some(text) => text.parse().map_err(|_| {
            ApiError::BadRequest(format!("invalid cursor {text:?}: pass the nextCursor of the previous page"))
        }),
    }
}

async fn positions(
    State(state): State<AppState>,
    authed: Authed,
    RawQuery(query): RawQuery,
) -> Result<ApiJson<GetUserPositionsResponse>, ApiError> {
    let query = PositionsQuery::from_pairs(&query_pairs(query.as_deref())).map_err(ApiError::BadRequest)?;
    let limit = page_size(query.limit);
    let start = cursor(query.cursor.as_deref())?;
    let account = authed.account;
    let response = state
        .sequencer
        .read(move |core| {
            let market_filter = match &query.market {
                Some(slug) => match core.engine.market_id(slug) {
                    Some(id) => Some(id),
                    None => return GetUserPositionsResponse::page(Vec::new(), None),
                },
                None => None,
            };
            let mut held: Vec<(MarketId, engine::PositionView)> = core
                .engine
                .positions(account)
                .into_iter()
                .filter(|(market, _)| market_filter.is_none_or(|only| only == *market))
                .collect();
            held.sort_by_key(|(market, _)| *market);
            let total = held.len();
            let page: Vec<_> = held
                .iter()
                .skip(start)
                .take(limit)
                .filter_map(|(market, view)| {
                    let market = core.engine.market(*market)?;
                    Some((market.spec.slug.clone(), wire::position(view, market.into())))
                })
                .collect();
            let end = start.saturating_add(limit);
            GetUserPositionsResponse::page(page, (end < total).then(|| end.to_string()))
        })
        .await?;
    Ok(ApiJson(response))
}

fn activity_type(activity: &Activity) -> ActivityType {
    match activity {
        Activity::Trade { .. } => ActivityType::Trade,
        Activity::Resolution { .. } => ActivityType::PositionResolution,
        Activity::Cash { kind: CashKind::Deposit, .. } => ActivityType::AccountDeposit,
        Activity::Cash { kind: CashKind::Withdrawal, .. } => ActivityType::AccountWithdrawal,
    }
}

async fn activities(
    State(state): State<AppState>,
    authed: Authed,
    RawQuery(query): RawQuery,
) -> Result<ApiJson<GetActivitiesResponse>, ApiError> {
    let query = ActivitiesQuery::from_pairs(&query_pairs(query.as_deref())).map_err(ApiError::BadRequest)?;
    let limit = page_size(query.limit);
    let skip = cursor(query.cursor.as_deref())?;
    let account = authed.account;
    let response = state
        .sequencer
        .read(move |core| {
            let market_filter = match &query.market_slug {
                Some(slug) => match core.engine.market_id(slug) {
                    Some(id) => Some(id),
                    None => {
                        return GetActivitiesResponse { activities: Vec::new(), next_cursor: String::new(), eof: true };
                    }
                },
                None => None,
            };
            let all = core.history.activities(account);
            let matches = |activity: &&Activity| {
                (query.types.is_empty() || query.types.contains(&activity_type(activity)))
                    && market_filter.is_none_or(|only| activity.market() == Some(only))
            };
            let ascending = query.sort_order == Some(SortOrder::Ascending);
            let selected: Box<dyn Iterator<Item = &Activity>> = if ascending {
                Box::new(all.iter().filter(matches))
            } else {
                Box::new(all.iter().rev().filter(matches))
            };
            let mut page = Vec::with_capacity(limit);
            let mut more = false;
            for activity in selected.skip(skip) {
                if page.len() == limit {
                    more = true;
                    break;
                }
                let market = activity.market().and_then(|id| core.engine.market(id));
                page.push(wire::activity(activity, account, market.map(Into::into)));
            }
            let next = skip + page.len();
            GetActivitiesResponse {
                activities: page,
                next_cursor: if more { next.to_string() } else { String::new() },
                eof: !more,
            }
        })
        .await?;
    Ok(ApiJson(response))
}

async fn balances(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<ApiJson<GetAccountBalancesResponse>, ApiError> {
    let account = authed.account;
    let balances = state
        .sequencer
        .read(move |core| {
            wire::balance_figures(&core.engine, &core.history, account).map(|figures| vec![wire::balance(&figures)])
        })
        .await?
        .ok_or_else(|| ApiError::Internal(format!("authenticated account {account} has no balance")))?;
    Ok(ApiJson(GetAccountBalancesResponse { balances }))
}
