//! The order flow: signed `POST /v1/orders` at a fixed rate, open loop, from four accounts.
//!
//! Order `i` of a run is due at `start + i / rate` and has the role `i % 4` of cycle
//! `c = i / 4`:
//!
//! - `Bidder` rests a good-till-cancel BUY_LONG at $0.41..$0.49 (`41 + 3c mod 9` cents),
//!   quantity `1 + 7c mod 10`;
//! - `Offerer` rests a good-till-cancel BUY_SHORT (an offer) at $0.51..$0.59
//!   (`51 + 5c mod 9` cents), quantity `1 + 3c mod 10`;
//! - `Lifter` sends an immediate-or-cancel BUY_LONG at $0.59 for the offerer's quantity of
//!   the cycle: it trades with the best offers;
//! - `Hitter` sends an immediate-or-cancel BUY_SHORT at $0.41 for the bidder's quantity of
//!   the cycle: it sells into the best bids.
//!
//! Each cycle adds as much resting quantity to each side as it takes away, so the book stays
//! bounded (at most 9 levels a side, its total quantity constant); the seed (`seed_book`)
//! rests 20 contracts at every level first, so the crossing orders always find liquidity even
//! when they overtake the resting order of their cycle. The takers never rest an order, so no
//! self-trade can occur. Every order changes the book, and half of them trade.
//!
//! `connections` workers (a multiple of 4), each with its own keep-alive connection and one
//! request in flight, share the orders: worker `w` sends orders `w, w + W, w + 2W, ...`, so it
//! keeps one role and key. A worker sleeps until an order is due and, when late (its previous
//! request was slow), sends at once: the schedule does not wait for replies. Orders still
//! unsent `GRACE` after the last one was due are given up and counted (an overloaded server
//! would otherwise stretch a scenario without end). Times are the wall clock (the server
//! stamps commands with the same clock).

use std::net::SocketAddr;
use std::time::Duration;

use crate::exchange::MARKET;
use crate::http::{Connection, Key};

/// The order path.
const ORDERS: &str = "/v1/orders";

/// The four trading accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Bidder,
    Offerer,
    Lifter,
    Hitter,
}

impl Role {
    pub(crate) const ALL: [Role; 4] = [Role::Bidder, Role::Offerer, Role::Lifter, Role::Hitter];

    /// The role of order `index`.
    pub(crate) fn of(index: u64) -> Role {
        Role::ALL[(index % 4) as usize]
    }

    pub(crate) fn account(self) -> &'static str {
        match self {
            Role::Bidder => "bidder",
            Role::Offerer => "offerer",
            Role::Lifter => "lifter",
            Role::Hitter => "hitter",
        }
    }

    /// Key id and secret (base64 of a fixed 32-byte seed).
    pub(crate) fn key(self) -> (&'static str, &'static str) {
        match self {
            Role::Bidder => ("0a0b0c0d-0e0f-4000-8000-000000000001", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="),
            Role::Offerer => ("0a0b0c0d-0e0f-4000-8000-000000000002", "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="),
            Role::Lifter => ("0a0b0c0d-0e0f-4000-8000-000000000003", "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM="),
            Role::Hitter => ("0a0b0c0d-0e0f-4000-8000-000000000004", "BAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ="),
        }
    }

    pub(crate) fn signing_key(self) -> Key {
        let (id, secret) = self.key();
        Key::new(id, secret)
    }

    /// The taker whose orders fill this maker's resting orders.
    pub(crate) fn filled_by(self) -> Option<Role> {
        match self {
            Role::Bidder => Some(Role::Hitter),
            Role::Offerer => Some(Role::Lifter),
            Role::Lifter | Role::Hitter => None,
        }
    }
}

/// The body of order `index`.
pub(crate) fn order_body(index: u64) -> String {
    let cycle = index / 4;
    let bid_qty = 1 + cycle * 7 % 10;
    let offer_qty = 1 + cycle * 3 % 10;
    match Role::of(index) {
        Role::Bidder => limit("ORDER_INTENT_BUY_LONG", 41 + cycle * 3 % 9, bid_qty, "GOOD_TILL_CANCEL"),
        Role::Offerer => limit("ORDER_INTENT_BUY_SHORT", 51 + cycle * 5 % 9, offer_qty, "GOOD_TILL_CANCEL"),
        Role::Lifter => limit("ORDER_INTENT_BUY_LONG", 59, offer_qty, "IMMEDIATE_OR_CANCEL"),
        Role::Hitter => limit("ORDER_INTENT_BUY_SHORT", 41, bid_qty, "IMMEDIATE_OR_CANCEL"),
    }
}

fn limit(intent: &str, cents: u64, quantity: u64, tif: &str) -> String {
    format!(
        r#"{{"marketSlug":"{MARKET}","type":"ORDER_TYPE_LIMIT","price":{{"value":"0.{cents:02}","currency":"USD"}},"quantity":{quantity},"tif":"TIME_IN_FORCE_{tif}","intent":"{intent}"}}"#
    )
}

/// Rests 20 contracts at every bid and offer level the flow uses.
pub(crate) async fn seed_book(addr: SocketAddr) {
    let mut connection = Connection::open(addr).await.expect("an HTTP connection");
    for cents in 41..=49 {
        let body = limit("ORDER_INTENT_BUY_LONG", cents, 20, "GOOD_TILL_CANCEL");
        let reply = connection.post(&Role::Bidder.signing_key(), ORDERS, &body).await.expect("a reply");
        assert_eq!(reply.status, 200, "seed bid: {}", String::from_utf8_lossy(&reply.body));
        let body = limit("ORDER_INTENT_BUY_SHORT", cents + 10, 20, "GOOD_TILL_CANCEL");
        let reply = connection.post(&Role::Offerer.signing_key(), ORDERS, &body).await.expect("a reply");
        assert_eq!(reply.status, 200, "seed offer: {}", String::from_utf8_lossy(&reply.body));
    }
}

/// The schedule of one run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) rate: u64,
    /// Orders in the whole run (warm-up and measured).
    pub(crate) orders: u64,
    /// Orders before this index are the warm-up.
    pub(crate) measured_from: u64,
    /// When order 0 is due: the monotonic instant and the same moment on the wall clock.
    pub(crate) start: tokio::time::Instant,
    pub(crate) start_wall_ns: i64,
}

impl Plan {
    /// Nanoseconds from the start at which order `index` is due.
    pub(crate) fn offset_ns(&self, index: u64) -> i64 {
        i64::try_from(u128::from(index) * 1_000_000_000 / u128::from(self.rate)).unwrap_or(i64::MAX)
    }

    /// The wall-clock time at which the measured window starts and ends.
    pub(crate) fn window_ns(&self) -> (i64, i64) {
        (self.start_wall_ns + self.offset_ns(self.measured_from), self.start_wall_ns + self.offset_ns(self.orders))
    }
}

/// One order as the bench saw it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Placed {
    pub(crate) index: u64,
    pub(crate) due_ns: i64,
    pub(crate) sent_ns: i64,
    pub(crate) acked_ns: i64,
    /// 0 when the request failed before an HTTP status.
    pub(crate) status: u16,
    pub(crate) id: Option<u64>,
}

/// What a run sent.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// Every order sent, in no order.
    pub(crate) placed: Vec<Placed>,
    /// Orders never sent: they were still waiting `GRACE` after the last one was due.
    pub(crate) unsent: u64,
}

/// How long after the last order is due the workers keep sending.
pub(crate) const GRACE: Duration = Duration::from_secs(2);

/// Sends the plan's orders over `connections` workers.
pub(crate) async fn run(addr: SocketAddr, plan: Plan, connections: usize) -> Sent {
    let workers: Vec<_> =
        (0..connections).map(|worker| tokio::spawn(work(addr, plan, worker as u64, connections as u64))).collect();
    let mut sent = Sent { placed: Vec::with_capacity(usize::try_from(plan.orders).unwrap_or(0)), unsent: 0 };
    for worker in workers {
        let (placed, unsent) = worker.await.expect("a load worker");
        sent.placed.extend(placed);
        sent.unsent += unsent;
    }
    sent
}

/// One worker's orders: those it sent, and how many it gave up.
async fn work(addr: SocketAddr, plan: Plan, first: u64, step: u64) -> (Vec<Placed>, u64) {
    let key = Role::of(first).signing_key();
    let mut connection = Connection::open(addr).await.expect("an HTTP connection");
    let mut placed = Vec::new();
    let deadline = plan.start + Duration::from_nanos(plan.offset_ns(plan.orders).unsigned_abs()) + GRACE;
    let mut index = first;
    while index < plan.orders {
        if tokio::time::Instant::now() > deadline {
            return (placed, (plan.orders - index).div_ceil(step));
        }
        let offset = plan.offset_ns(index);
        tokio::time::sleep_until(plan.start + Duration::from_nanos(offset.unsigned_abs())).await;
        let body = order_body(index);
        let sent_ns = crate::wall_ns();
        let reply = connection.post(&key, ORDERS, &body).await;
        let acked_ns = crate::wall_ns();
        let (status, id) = match reply {
            Ok(reply) => {
                let id = serde_json::from_slice::<serde_json::Value>(&reply.body)
                    .ok()
                    .and_then(|body| body["id"].as_str().and_then(|id| id.parse().ok()));
                (reply.status, id)
            }
            Err(error) => {
                eprintln!("ws-bench: order {index}: {error}; reconnecting");
                connection = Connection::open(addr).await.expect("an HTTP connection");
                (0, None)
            }
        };
        placed.push(Placed { index, due_ns: plan.start_wall_ns + offset, sent_ns, acked_ns, status, id });
        index += step;
    }
    (placed, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cycle_takes_what_it_rests() {
        for cycle in 0..40u64 {
            let body = |role: u64| serde_json::from_str::<serde_json::Value>(&order_body(cycle * 4 + role)).unwrap();
            assert_eq!(body(0)["quantity"], body(3)["quantity"], "bids rested = bids hit");
            assert_eq!(body(1)["quantity"], body(2)["quantity"], "offers rested = offers lifted");
            let cents = |role: u64| body(role)["price"]["value"].as_str().unwrap()[2..].parse::<u64>().unwrap();
            assert!((41..=49).contains(&cents(0)) && (51..=59).contains(&cents(1)));
            assert_eq!(body(2)["tif"], "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL");
        }
    }
}
