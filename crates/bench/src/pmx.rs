//! The pmx adapter: drives `engine::Engine`, the full exchange state machine, with the
//! stream's ops.
//!
//! pmx does more per op than the peers: every order is risk-checked against its account's
//! collateral, fills move positions, cash, margin and fees, and every op produces execution
//! events with full order snapshots. The adapter sets up one market (tick $0.01, whole
//! contracts, the documented fees) and 1,000 funded accounts, then maps each op to a
//! command: a buy is `BUY_LONG`, a sell is `BUY_SHORT` (selling YES, fully collateralized),
//! a modify is the engine's cancel-replace keeping the id (the stream's new quantity is the
//! remaining one, so the total sent is filled + remaining). The event vector and one command
//! per op kind are reused: an op patches its command's fields, as a gateway decoding into a
//! buffer would.

use engine::{
    Command, Engine, Event, ExecKind, Intent, MarketRef, MarketSpec, MarketState, Modify, NewOrder, Op as EngineOp,
    OrderKind, Reply, Size, Tif as EngineTif,
};
use types::{AccountId, Cash, MarketId, OrderId, Price, QTY_SCALE, Qty, Rate, Seq, Timestamp};

use crate::stream::{Op, Side, Tif};
use crate::venue::{Venue, VenueStats};

/// Accounts the stream uses.
const ACCOUNTS: u32 = 1_000;
/// Opening cash of each account: ample for the stream's orders and positions.
const CASH_PER_ACCOUNT_DOLLARS: i64 = 50_000;
/// $0.0001 units per tick of the stream.
const TICK_UNITS: u32 = 100;

pub(crate) struct Pmx {
    engine: Engine,
    events: Vec<Event>,
    /// Engine order id by generator id (a cancel or modify finds the order's account from
    /// the engine's live order, as a gateway knows it from the request's credentials).
    orders: Vec<OrderId>,
    /// One command per op kind, built once; each op patches its fields in place, so the
    /// timed loop neither builds nor drops commands.
    place: Command,
    cancel: Command,
    modify: Command,
    seq: u64,
    rejects: u64,
}

impl Pmx {
    /// `id_count` is the number of generator ids in the stream.
    pub(crate) fn new(id_count: usize) -> Self {
        let place = NewOrder {
            account: AccountId(0),
            market: MarketRef::Id(MarketId(0)),
            intent: Intent::BuyLong,
            kind: OrderKind::Limit,
            price: None,
            size: Size::Qty(Qty::ZERO),
            tif: None,
            good_till: None,
            post_only: false,
            slippage: None,
            manual: None,
        };
        let modify = Modify {
            account: AccountId(0),
            order: OrderId(0),
            price: None,
            qty: None,
            tif: None,
            post_only: None,
            good_till: None,
        };
        let command = |op| Command { seq: Seq(0), ts: Timestamp(0), op };
        let mut pmx = Pmx {
            engine: Engine::new(),
            events: Vec::with_capacity(256),
            // A non-zero fill value makes the allocator touch every page now, so page faults
            // are not timed.
            orders: vec![OrderId(u64::MAX); id_count],
            place: command(EngineOp::PlaceOrder(place)),
            cancel: command(EngineOp::CancelOrder { account: AccountId(0), order: OrderId(0) }),
            modify: command(EngineOp::ModifyOrder(modify)),
            seq: 0,
            rejects: 0,
        };
        let spec = MarketSpec {
            slug: "bench".into(),
            title: "engine-bench market".into(),
            outcome: "Yes".into(),
            event_slug: "bench".into(),
            tick: Price(TICK_UNITS),
            min_qty: Qty::ONE,
            price_min: Price(TICK_UNITS),
            price_max: Price(99 * TICK_UNITS),
            state: MarketState::Open,
            taker_rate: Rate(69_500),
            maker_rate: Rate(-12_500),
        };
        let market = match pmx.setup(EngineOp::CreateMarket(spec)) {
            Reply::Market(id) => id,
            other => panic!("bench market not created: {other:?}"),
        };
        // Every order goes to this one market.
        if let EngineOp::PlaceOrder(new) = &mut pmx.place.op {
            new.market = MarketRef::Id(market);
        }
        let cash = Cash::from_dollars(CASH_PER_ACCOUNT_DOLLARS).expect("small amount");
        for index in 0..ACCOUNTS {
            pmx.setup(EngineOp::CreateAccount { name: format!("trader-{index}") });
            pmx.setup(EngineOp::Deposit { account: AccountId(index), amount: cash });
        }
        pmx
    }

    /// Applies a set-up command, which must succeed.
    fn setup(&mut self, op: EngineOp) -> Reply {
        self.seq += 1;
        let command = Command { seq: Seq(self.seq), ts: Timestamp((self.seq * 1_000) as i64), op };
        self.events.clear();
        self.engine.apply(&command, &mut self.events).expect("set-up command")
    }

    /// Applies the prepared command of `kind` under the next sequence number.
    fn run(&mut self, kind: Kind) -> Result<Reply, engine::EngineError> {
        self.seq += 1;
        let command = match kind {
            Kind::Place => &mut self.place,
            Kind::Cancel => &mut self.cancel,
            Kind::Modify => &mut self.modify,
        };
        command.seq = Seq(self.seq);
        command.ts = Timestamp((self.seq * 1_000) as i64);
        self.events.clear();
        let reply = self.engine.apply(command, &mut self.events);
        // A refused order or modify produces exactly one event, its REJECTED execution.
        let rejected = matches!(self.events.first(), Some(Event::Execution(e)) if e.kind == ExecKind::Rejected);
        if rejected || reply.is_err() {
            self.rejects += 1;
        }
        reply
    }
}

/// Which prepared command an op uses.
#[derive(Clone, Copy)]
enum Kind {
    Place,
    Cancel,
    Modify,
}

impl Venue for Pmx {
    fn name(&self) -> &'static str {
        "pmx"
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Place { id, account, side, price_ticks, qty, tif } => {
                let account = AccountId(account);
                let EngineOp::PlaceOrder(new) = &mut self.place.op else { unreachable!("place command") };
                new.account = account;
                new.intent = match side {
                    Side::Buy => Intent::BuyLong,
                    Side::Sell => Intent::BuyShort,
                };
                new.price = Some(Price(price_ticks * TICK_UNITS));
                new.size = Size::Qty(Qty(qty as i64 * QTY_SCALE));
                new.tif = Some(match tif {
                    Tif::Gtc => EngineTif::GoodTillCancel,
                    Tif::Ioc => EngineTif::ImmediateOrCancel,
                });
                if let Ok(Reply::Order(order)) = self.run(Kind::Place) {
                    self.orders[id as usize] = order;
                }
            }
            Op::Cancel { id } => {
                let order_id = self.orders[id as usize];
                let account_id = self.engine.order(order_id).map_or(AccountId(0), |o| o.account);
                let EngineOp::CancelOrder { account, order } = &mut self.cancel.op else {
                    unreachable!("cancel command")
                };
                (*account, *order) = (account_id, order_id);
                let _ = self.run(Kind::Cancel);
            }
            Op::Modify { id, new_price_ticks, new_qty } => {
                let order = self.orders[id as usize];
                let (account, filled) =
                    self.engine.order(order).map_or((AccountId(0), 0), |o| (o.account, o.cum_qty.units()));
                let EngineOp::ModifyOrder(modify) = &mut self.modify.op else { unreachable!("modify command") };
                modify.account = account;
                modify.order = order;
                modify.price = Some(Price(new_price_ticks * TICK_UNITS));
                modify.qty = Some(Qty(filled + new_qty as i64 * QTY_SCALE));
                let _ = self.run(Kind::Modify);
            }
        }
    }

    fn stats(&self) -> VenueStats {
        // One maker fill per trade.
        VenueStats { fills: self.engine.trades_count(), rejects: self.rejects, resting: self.engine.orders_count() }
    }
}
