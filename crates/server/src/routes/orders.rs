//! The Orders endpoints (docs/api.md §2), all signed.
//!
//! Shape problems (bad JSON, wrong types, unknown enum strings, missing required fields, a
//! batch of 0 or more than 20) are a 400 before anything reaches the engine; batches are
//! validated whole before any entry is sent. Business failures are `REJECTED` orders with an
//! id and HTTP 200, as on the real exchange.
//!
//! Decisions (recorded in docs/trading.md §6 and §13, and docs/api.md §2):
//! - `synchronousExecution`: the reply waits until the order is final or `maxBlockTime`
//!   seconds pass (default and cap `limits.max_block_time_s`), and carries every execution of
//!   the order so far, oldest first. Without it the reply carries the id at once.
//! - Cancel or modify of an order that exists but has finished: cancel is a 200 no-op; modify is
//!   a 400 saying the order is final. An id the caller never owned is a 404. Batched cancel and
//!   modify echo their ids and ignore unknown ones (the documented behaviour).
//! - Cancel-all with slugs: an unknown slug is a 400 (nothing is canceled).
//! - `GET /v1/order/preview` and `GET /v1/order/close-position` read the literal segment as an
//!   order id (docs/api.md §2, routing note): a signed 404, not a 501 for the wrong method.
//! - Preview runs the engine's own validation on the current book without changing anything;
//!   the order comes back with its normalized values, or `ORDER_STATE_REJECTED` and the reason.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use engine::{MarketRef, Op, Reply};
use protocol::{
    CancelOpenOrdersRequest, CancelOpenOrdersResponse, CancelOrderListRequest, CancelOrderListResponse,
    CancelOrderRequest, ClosePositionOrderRequest, ClosePositionOrderResponse, CreateOrderListRequest,
    CreateOrderListResponse, CreateOrderRequest, CreateOrderResponse, GetOpenOrdersResponse, GetOrderResponse,
    ModifyOrderListRequest, ModifyOrderListResponse, ModifyOrderRequest, OpenOrdersQuery, PreviewOrderRequest,
    PreviewOrderResponse,
};
use types::{AccountId, MarketId, OrderId};

use super::{engine_error, query_pairs};
use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiJson};
use crate::sequencer::{Core, Write};
use crate::wire;

/// Entries in a batched request.
pub(crate) const BATCH_ENTRIES_MAX: usize = 20;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/orders", post(create))
        .route("/v1/orders/batched", post(create_batch))
        .route("/v1/orders/batched/cancel", post(cancel_batch))
        .route("/v1/orders/batched/modify", post(modify_batch))
        .route("/v1/orders/open", get(open_orders))
        .route("/v1/orders/open/cancel", post(cancel_all))
        .route("/v1/order/preview", post(preview).get(get_literal))
        .route("/v1/order/close-position", post(close_position).get(get_literal))
        .route("/v1/order/{order_id}", get(get_order))
        .route("/v1/order/{order_id}/cancel", post(cancel))
        .route("/v1/order/{order_id}/modify", post(modify))
}

/// What a write that may create an order returns from the sequencer.
struct Placed {
    id: OrderId,
    executions: Vec<protocol::Execution>,
    waiter: Option<tokio::sync::oneshot::Receiver<()>>,
}

/// The sequencer-side continuation of an order-creating write: the new order's executions in
/// this command, and a waiter when the caller wants to wait for a final state not yet reached.
fn placed(core: &mut Core, applied: crate::sequencer::Applied<'_>, sync: bool) -> Result<Placed, ApiError> {
    let id = match applied.result {
        Ok(Reply::Order(id)) => id,
        Ok(_) => return Err(ApiError::Internal("order command without an order id".into())),
        Err(error) => return Err(engine_error(error)),
    };
    let mut finished = false;
    let mut executions = Vec::new();
    for event in applied.events {
        if let engine::Event::Execution(execution) = event
            && execution.order.id == id
        {
            finished = execution.order.state.is_terminal();
            if sync {
                executions.push(wire::execution(execution, market_of(core, execution.order.market), applied.ts));
            }
        }
    }
    let waiter = (sync && !finished).then(|| core.wait_for(id));
    Ok(Placed { id, executions, waiter })
}

fn market_of(core: &Core, market: Option<MarketId>) -> Option<wire::MarketFacts<'_>> {
    market.and_then(|id| core.engine.market(id)).map(Into::into)
}

/// Waits (at most `max_block`) for a final state, then returns every execution of the order.
async fn finish_sync(
    state: &AppState,
    placed: Placed,
    max_block: Duration,
) -> Result<Vec<protocol::Execution>, ApiError> {
    let Some(waiter) = placed.waiter else { return Ok(placed.executions) };
    let _ = tokio::time::timeout(max_block, waiter).await;
    let id = placed.id;
    state.sequencer.read(move |core| executions_of(core, id)).await
}

fn executions_of(core: &Core, id: OrderId) -> Vec<protocol::Execution> {
    let Some(history) = core.history.order(id) else { return Vec::new() };
    history
        .executions()
        .map(|(ts, execution)| wire::execution(&execution, market_of(core, execution.order.market), ts))
        .collect()
}

fn max_block(state: &AppState, sync: bool, requested: Option<&protocol::Int64Text>) -> Result<Duration, ApiError> {
    let seconds = wire::max_block_time(requested, state.max_block_time_s)?;
    Ok(Duration::from_secs(if sync { seconds.unwrap_or(state.max_block_time_s) } else { 0 }))
}

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<CreateOrderRequest>,
) -> Result<ApiJson<CreateOrderResponse>, ApiError> {
    let new = wire::new_order(&request, authed.account)?;
    let sync = request.synchronous_execution.unwrap_or(false);
    let max_block = max_block(&state, sync, request.max_block_time.as_ref())?;
    let placed = state
        .sequencer
        .write(Write::Op(Op::PlaceOrder(new)), move |core, applied| placed(core, applied, sync))
        .await??;
    let id = placed.id;
    let executions = if sync { finish_sync(&state, placed, max_block).await? } else { Vec::new() };
    Ok(ApiJson(CreateOrderResponse { id: id.to_string(), executions }))
}

fn batch_len(len: usize) -> Result<(), ApiError> {
    if (1..=BATCH_ENTRIES_MAX).contains(&len) {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!("orders must hold 1 to {BATCH_ENTRIES_MAX} entries, not {len}")))
    }
}

async fn create_batch(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<CreateOrderListRequest>,
) -> Result<ApiJson<CreateOrderListResponse>, ApiError> {
    batch_len(request.orders.len())?;
    let mut news = Vec::with_capacity(request.orders.len());
    for (index, entry) in request.orders.iter().enumerate() {
        news.push(
            wire::new_order(entry, authed.account)
                .map_err(|error| ApiError::BadRequest(format!("orders[{index}]: {error}")))?,
        );
    }
    let mut ids = Vec::with_capacity(news.len());
    let writes: Vec<_> = news
        .into_iter()
        .map(|new| {
            state.sequencer.queue_write(Write::Op(Op::PlaceOrder(new)), |core, applied| placed(core, applied, false))
        })
        .collect::<Result<_, _>>()?;
    for write in writes {
        ids.push(write.await??.id.to_string());
    }
    Ok(ApiJson(CreateOrderListResponse { created_order_ids: ids }))
}

/// What became of a cancel or modify of an order id.
enum Outcome {
    Done,
    /// The order exists (for this account) but is final.
    Final(engine::OrderState),
    Unknown,
}

/// Runs a cancel or modify; an order that is not live is told apart from one never owned.
async fn on_live_order(
    state: &AppState,
    account: AccountId,
    id: Option<OrderId>,
    op: impl FnOnce(OrderId) -> Op,
) -> Result<Outcome, ApiError> {
    let Some(id) = id else { return Ok(Outcome::Unknown) };
    state
        .sequencer
        .write(Write::Op(op(id)), move |core, applied| match applied.result {
            Ok(_) => Ok(Outcome::Done),
            Err(engine::EngineError::UnknownOrder) => {
                Ok(match core.history.order(id).and_then(|history| history.last()) {
                    Some(order) if order.account == account => Outcome::Final(order.state),
                    _ => Outcome::Unknown,
                })
            }
            Err(error) => Err(engine_error(error)),
        })
        .await?
}

async fn cancel(
    State(state): State<AppState>,
    authed: Authed,
    Path(order_id_text): Path<String>,
    ApiJson(_request): ApiJson<CancelOrderRequest>,
) -> Result<ApiJson<serde_json::Value>, ApiError> {
    let account = authed.account;
    let outcome =
        on_live_order(&state, account, wire::order_id(&order_id_text), |order| Op::CancelOrder { account, order })
            .await?;
    match outcome {
        Outcome::Done | Outcome::Final(_) => Ok(ApiJson(serde_json::json!({}))),
        Outcome::Unknown => Err(ApiError::NotFound(format!("no order {order_id_text:?} for this account"))),
    }
}

async fn modify(
    State(state): State<AppState>,
    authed: Authed,
    Path(order_id_text): Path<String>,
    ApiJson(request): ApiJson<ModifyOrderRequest>,
) -> Result<ApiJson<serde_json::Value>, ApiError> {
    let account = authed.account;
    let Some(id) = wire::order_id(&order_id_text) else {
        return Err(ApiError::NotFound(format!("no order {order_id_text:?} for this account")));
    };
    let modify = wire::modify(&request, account, id)?;
    match on_live_order(&state, account, Some(id), move |_| Op::ModifyOrder(modify)).await? {
        Outcome::Done => Ok(ApiJson(serde_json::json!({}))),
        Outcome::Final(order_state) => Err(ApiError::BadRequest(format!(
            "order {id} is final ({order_state:?}); only open orders can be modified"
        ))),
        Outcome::Unknown => Err(ApiError::NotFound(format!("no order {order_id_text:?} for this account"))),
    }
}

async fn cancel_batch(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<CancelOrderListRequest>,
) -> Result<ApiJson<CancelOrderListResponse>, ApiError> {
    batch_len(request.orders.len())?;
    let account = authed.account;
    let ids: Vec<String> = request.orders.iter().map(|entry| entry.order_id.clone()).collect();
    let writes: Vec<_> = ids
        .iter()
        .filter_map(|text| wire::order_id(text))
        .map(|order| state.sequencer.queue_write(Write::Op(Op::CancelOrder { account, order }), |_, _| ()))
        .collect::<Result<_, _>>()?;
    for write in writes {
        write.await?;
    }
    Ok(ApiJson(CancelOrderListResponse { canceled_order_ids: ids }))
}

async fn modify_batch(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<ModifyOrderListRequest>,
) -> Result<ApiJson<ModifyOrderListResponse>, ApiError> {
    batch_len(request.orders.len())?;
    let account = authed.account;
    let mut modifies = Vec::with_capacity(request.orders.len());
    for (index, entry) in request.orders.iter().enumerate() {
        let bad = |error: wire::RequestError| ApiError::BadRequest(format!("orders[{index}]: {error}"));
        if let Some(id) = wire::order_id(&entry.order_id) {
            modifies.push(wire::modify_entry(entry, account, id).map_err(bad)?);
        } else {
            wire::modify_entry(entry, account, OrderId(0)).map_err(bad)?;
        }
    }
    let writes: Vec<_> = modifies
        .into_iter()
        .map(|modify| state.sequencer.queue_write(Write::Op(Op::ModifyOrder(modify)), |_, _| ()))
        .collect::<Result<_, _>>()?;
    for write in writes {
        write.await?;
    }
    Ok(ApiJson(ModifyOrderListResponse {
        modified_order_ids: request.orders.iter().map(|entry| entry.order_id.clone()).collect(),
    }))
}

/// Resolves slugs to market ids; an unknown slug is a 400.
fn market_ids(core: &Core, slugs: &[String]) -> Result<Vec<MarketId>, ApiError> {
    slugs
        .iter()
        .map(|slug| {
            core.engine.market_id(slug).ok_or_else(|| ApiError::BadRequest(format!("unknown market slug {slug:?}")))
        })
        .collect()
}

async fn open_orders(
    State(state): State<AppState>,
    authed: Authed,
    RawQuery(query): RawQuery,
) -> Result<ApiJson<GetOpenOrdersResponse>, ApiError> {
    let query = OpenOrdersQuery::from_pairs(&query_pairs(query.as_deref())).map_err(ApiError::BadRequest)?;
    let account = authed.account;
    let orders = state
        .sequencer
        .read(move |core| {
            let filter: Vec<MarketId> = query.slugs.iter().filter_map(|slug| core.engine.market_id(slug)).collect();
            core.engine
                .open_orders(account)
                .iter()
                .filter(|order| query.slugs.is_empty() || order.market.is_some_and(|market| filter.contains(&market)))
                .map(|order| wire::order(order, market_of(core, order.market)))
                .collect()
        })
        .await?;
    Ok(ApiJson(GetOpenOrdersResponse { orders }))
}

async fn get_order(
    State(state): State<AppState>,
    authed: Authed,
    Path(order_id_text): Path<String>,
) -> Result<ApiJson<GetOrderResponse>, ApiError> {
    let account = authed.account;
    let not_found = || ApiError::NotFound(format!("no order {order_id_text:?} for this account"));
    let Some(id) = wire::order_id(&order_id_text) else { return Err(not_found()) };
    let order = state
        .sequencer
        .read(move |core| {
            let order = core.engine.order(id).copied().or_else(|| core.history.order(id).and_then(|h| h.last()))?;
            (order.account == account).then(|| wire::order(&order, market_of(core, order.market)))
        })
        .await?;
    order.map(|order| ApiJson(GetOrderResponse { order })).ok_or_else(not_found)
}

/// `GET /v1/order/preview` and `GET /v1/order/close-position`: the only GET under
/// `/v1/order/` is `{orderId}`, so these literal segments read as order ids (docs/api.md §2,
/// routing note), and no order has such an id.
async fn get_literal(_authed: Authed, uri: axum::http::Uri) -> ApiError {
    let id = uri.path().rsplit('/').next().unwrap_or_default();
    ApiError::NotFound(format!("no order {id:?} for this account"))
}

async fn cancel_all(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<CancelOpenOrdersRequest>,
) -> Result<ApiJson<CancelOpenOrdersResponse>, ApiError> {
    let account = authed.account;
    let slugs = request.markets();
    let markets = state.sequencer.read(move |core| market_ids(core, &slugs)).await??;
    let canceled = state
        .sequencer
        .write(Write::Op(Op::CancelAll { account, markets }), |_, applied| match applied.result {
            Ok(Reply::Canceled(ids)) => Ok(ids.iter().map(ToString::to_string).collect()),
            Ok(_) => Ok(Vec::new()),
            Err(error) => Err(engine_error(error)),
        })
        .await??;
    Ok(ApiJson(CancelOpenOrdersResponse { canceled_order_ids: canceled }))
}

async fn preview(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<PreviewOrderRequest>,
) -> Result<ApiJson<PreviewOrderResponse>, ApiError> {
    let Some(order) = request.request else {
        return Err(ApiError::BadRequest("missing field `request`: put the order under \"request\"".into()));
    };
    let new = wire::new_order(&order, authed.account)?;
    let order = state
        .sequencer
        .read(move |core| {
            let (order, _rejection) = core.engine.preview(&new).map_err(engine_error)?;
            let mut wire_order = wire::order(&order, market_of(core, order.market));
            wire_order.id = None;
            Ok::<_, ApiError>(wire_order)
        })
        .await??;
    Ok(ApiJson(PreviewOrderResponse { order }))
}

async fn close_position(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(request): ApiJson<ClosePositionOrderRequest>,
) -> Result<ApiJson<ClosePositionOrderResponse>, ApiError> {
    let close = wire::close_position(&request, authed.account)?;
    let sync = request.synchronous_execution.unwrap_or(false);
    let max_block = max_block(&state, sync, request.max_block_time.as_ref())?;
    let slug = match &close.market {
        MarketRef::Slug(slug) => slug.to_string(),
        MarketRef::Id(id) => id.to_string(),
    };
    let placed = state
        .sequencer
        .write(Write::Op(Op::ClosePosition(close)), move |core, applied| match applied.result {
            Err(engine::EngineError::UnknownMarket | engine::EngineError::NoPosition) => Err(ApiError::BadRequest(
                format!("no position to close in market {slug:?}: the account holds no contracts there"),
            )),
            _ => placed(core, applied, sync),
        })
        .await??;
    let id = placed.id;
    let executions = if sync { finish_sync(&state, placed, max_block).await? } else { Vec::new() };
    Ok(ApiJson(ClosePositionOrderResponse { id: id.to_string(), executions }))
}
