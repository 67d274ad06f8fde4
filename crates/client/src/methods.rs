//! The typed methods of `Client`, one per endpoint, grouped as in docs/api.md: markets (§5,
//! public), orders (§2), portfolio (§3) and account (§4), plus `health`.
//!
//! Replies that are a single wrapped object come back unwrapped (`market_by_slug` gives the
//! `Market`, `order` the `Order`, `balances` the list); paged replies come back whole, with
//! their cursor. Every value is a `protocol` type: the client has no DTOs of its own.

use protocol::{
    ActivitiesQuery, CancelOpenOrdersRequest, CancelOpenOrdersResponse, CancelOrderListRequest,
    CancelOrderListResponse, CancelOrderRequest, CancelOrderRequestEntry, ClosePositionOrderRequest,
    ClosePositionOrderResponse, CreateOrderListRequest, CreateOrderListResponse, CreateOrderRequest,
    CreateOrderResponse, GetAccountBalancesResponse, GetActivitiesResponse, GetMarketResponse,
    GetMarketSettlementResponse, GetMarketsResponse, GetOpenOrdersResponse, GetOrderResponse, GetUserPositionsResponse,
    Market, MarketBboResponse, MarketBookResponse, MarketData, MarketDataLite, MarketsQuery, ModifyOrderListEntry,
    ModifyOrderListRequest, ModifyOrderListResponse, ModifyOrderRequest, OpenOrdersQuery, Order, PositionsQuery,
    PreviewOrderRequest, PreviewOrderResponse, UserBalance,
};
use serde::Deserialize;

use crate::call::Call;
use crate::client::Client;
use crate::error::Error;

/// The reply of `GET /healthz` (pmx).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Health {
    /// `"ok"` when the server is serving.
    pub status: String,
}

impl Client {
    /// `GET /healthz`: whether a pmx server is serving.
    pub async fn health(&self) -> Result<Health, Error> {
        self.call(Call::health()).await
    }

    // Markets (public).

    /// `GET /v1/markets`: one page of markets (paging by `limit` and `offset`).
    pub async fn markets(&self, query: &MarketsQuery) -> Result<Vec<Market>, Error> {
        Ok(self.call::<GetMarketsResponse>(Call::markets(query)).await?.markets)
    }

    /// `GET /v1/market/id/{id}`.
    pub async fn market_by_id(&self, id: i64) -> Result<Market, Error> {
        Ok(self.call::<GetMarketResponse>(Call::market_by_id(id)).await?.market)
    }

    /// `GET /v1/market/slug/{slug}`.
    pub async fn market_by_slug(&self, slug: &str) -> Result<Market, Error> {
        Ok(self.call::<GetMarketResponse>(Call::market_by_slug(slug)).await?.market)
    }

    /// `GET /v1/markets/{slug}/book`: the full book, best levels first.
    pub async fn book(&self, slug: &str) -> Result<MarketData, Error> {
        Ok(self.call::<MarketBookResponse>(Call::book(slug)).await?.market_data)
    }

    /// `GET /v1/markets/{slug}/bbo`: the top of the book.
    pub async fn bbo(&self, slug: &str) -> Result<MarketDataLite, Error> {
        Ok(self.call::<MarketBboResponse>(Call::bbo(slug)).await?.market_data)
    }

    /// `GET /v1/markets/{slug}/settlement`: 404 until the market has settled.
    pub async fn settlement(&self, slug: &str) -> Result<GetMarketSettlementResponse, Error> {
        self.call(Call::settlement(slug)).await
    }

    // Orders.

    /// `POST /v1/orders`. A 200 with an id does not mean the order was accepted: a business
    /// reject is an order in `ORDER_STATE_REJECTED` (see `executions` with
    /// `synchronous_execution`, or `order`).
    pub async fn create_order(&self, request: &CreateOrderRequest) -> Result<CreateOrderResponse, Error> {
        self.call(Call::create_order(request)).await
    }

    /// `POST /v1/orders/batched`: 1 to 20 orders; the ids in request order.
    pub async fn create_orders(&self, orders: Vec<CreateOrderRequest>) -> Result<Vec<String>, Error> {
        let request = CreateOrderListRequest { orders };
        Ok(self.call::<CreateOrderListResponse>(Call::create_orders(&request)).await?.created_order_ids)
    }

    /// `POST /v1/orders/batched/cancel`: 1 to 20 orders; the echo of the ids.
    pub async fn cancel_orders(&self, orders: Vec<CancelOrderRequestEntry>) -> Result<Vec<String>, Error> {
        let request = CancelOrderListRequest { orders };
        Ok(self.call::<CancelOrderListResponse>(Call::cancel_orders(&request)).await?.canceled_order_ids)
    }

    /// `POST /v1/orders/batched/modify`: 1 to 20 orders; the echo of the ids.
    pub async fn modify_orders(&self, orders: Vec<ModifyOrderListEntry>) -> Result<Vec<String>, Error> {
        let request = ModifyOrderListRequest { orders };
        Ok(self.call::<ModifyOrderListResponse>(Call::modify_orders(&request)).await?.modified_order_ids)
    }

    /// `GET /v1/orders/open`: the caller's working orders, optionally in some markets only.
    pub async fn open_orders(&self, query: &OpenOrdersQuery) -> Result<Vec<Order>, Error> {
        Ok(self.call::<GetOpenOrdersResponse>(Call::open_orders(query)).await?.orders)
    }

    /// `GET /v1/order/{orderId}`: one of the caller's orders, in any state.
    pub async fn order(&self, order_id: &str) -> Result<Order, Error> {
        Ok(self.call::<GetOrderResponse>(Call::order(order_id)).await?.order)
    }

    /// `POST /v1/order/{orderId}/cancel`.
    pub async fn cancel_order(&self, order_id: &str, market_slug: Option<&str>) -> Result<(), Error> {
        let request = CancelOrderRequest { market_slug: market_slug.map(str::to_owned) };
        self.send(&Call::cancel_order(order_id, &request)).await.map(drop)
    }

    /// `POST /v1/order/{orderId}/modify`: cancel-replace keeping the id; absent fields keep
    /// their value.
    pub async fn modify_order(&self, order_id: &str, request: &ModifyOrderRequest) -> Result<(), Error> {
        self.send(&Call::modify_order(order_id, request)).await.map(drop)
    }

    /// `POST /v1/orders/open/cancel`: cancels the caller's open orders (in `slugs` only, when
    /// not empty); the ids canceled.
    pub async fn cancel_open_orders(&self, slugs: &[String]) -> Result<Vec<String>, Error> {
        let request = CancelOpenOrdersRequest {
            slugs: if slugs.is_empty() { None } else { Some(slugs.to_vec()) },
            market_slug: None,
        };
        Ok(self.call::<CancelOpenOrdersResponse>(Call::cancel_open_orders(&request)).await?.canceled_order_ids)
    }

    /// `POST /v1/order/preview`: the order as it would be entered; nothing is placed.
    pub async fn preview_order(&self, request: &CreateOrderRequest) -> Result<Order, Error> {
        let request = PreviewOrderRequest { request: Some(request.clone()) };
        Ok(self.call::<PreviewOrderResponse>(Call::preview_order(&request)).await?.order)
    }

    /// `POST /v1/order/close-position`: a market order flattening the caller's whole position
    /// in one market. No position there is a 400.
    pub async fn close_position(
        &self,
        request: &ClosePositionOrderRequest,
    ) -> Result<ClosePositionOrderResponse, Error> {
        self.call(Call::close_position(request)).await
    }

    // Portfolio and account.

    /// `GET /v1/portfolio/positions`: one page, keyed by market slug.
    pub async fn positions(&self, query: &PositionsQuery) -> Result<GetUserPositionsResponse, Error> {
        self.call(Call::positions(query)).await
    }

    /// `GET /v1/portfolio/activities`: one page of trades, deposits and resolutions.
    pub async fn activities(&self, query: &ActivitiesQuery) -> Result<GetActivitiesResponse, Error> {
        self.call(Call::activities(query)).await
    }

    /// `GET /v1/account/balances`: one entry per currency (USD).
    pub async fn balances(&self) -> Result<Vec<UserBalance>, Error> {
        Ok(self.call::<GetAccountBalancesResponse>(Call::balances()).await?.balances)
    }
}
