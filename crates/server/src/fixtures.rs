//! Fixtures of the server's unit tests: a market spec, an engine with one market, and a
//! limit buy.

use engine::{Command, Engine, Intent, MarketRef, MarketSpec, MarketState, NewOrder, Op, OrderKind, Reply, Size};
use types::{AccountId, MarketId, Price, Qty, Rate, Seq, Timestamp};

pub(crate) fn market_spec(slug: &str) -> MarketSpec {
    MarketSpec {
        slug: slug.into(),
        title: String::new(),
        outcome: String::new(),
        event_slug: String::new(),
        tick: Price(100),
        min_qty: Qty::ONE,
        price_min: Price(100),
        price_max: Price(9_900),
        state: MarketState::Open,
        taker_rate: Rate(69_500),
        maker_rate: Rate(-12_500),
    }
}

pub(crate) fn engine_with_market(slug: &str) -> (Engine, MarketId) {
    let spec = market_spec(slug);
    let mut engine = Engine::new();
    let command = Command { seq: Seq(1), ts: Timestamp(1), op: Op::CreateMarket(spec) };
    match engine.apply(&command, &mut Vec::new()) {
        Ok(Reply::Market(id)) => (engine, id),
        other => panic!("market not created: {other:?}"),
    }
}

pub(crate) fn place(market: MarketRef) -> Op {
    Op::PlaceOrder(NewOrder {
        account: AccountId(0),
        market,
        intent: Intent::BuyLong,
        kind: OrderKind::Limit,
        price: Some(Price(5_000)),
        size: Size::Qty(Qty::ONE),
        tif: None,
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    })
}
