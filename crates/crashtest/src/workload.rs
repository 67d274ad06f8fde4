//! The traffic: one client per account, each sending one request at a time, and the record of
//! every request with what came back.
//!
//! The maker keeps every market's book populated on both sides (limit orders around 0.50,
//! cancels of its oldest orders, some modifies, now and then a cancel-all in one market).
//! Each trader sends a seeded mix of limit orders (all four intents; good-till-cancel, day,
//! immediate-or-cancel, fill-or-kill), market orders (some synchronous), cancels (of its own
//! orders, live or finished, and of ids that are not its own), modifies, close-positions and
//! cancel-alls. Every request is valid in shape, so a 4xx can only come from the engine, which
//! means the command was journaled and changed nothing.
//!
//! Because each account's requests are sent one after another, the account's commands in the
//! journal must be exactly its requests in order: every acknowledged one, every refused one,
//! and (at the kill) the one request in flight, which may or may not have made it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use engine::Intent;
use reqwest::Method;
use serde_json::Value;

use crate::http::{Api, Key, Reply};
use crate::rng::Rng;
use crate::world::{AccountDef, MARKETS, price_text, qty_text};

/// Most requests one client sends in a cycle (the kill comes long before).
const STEPS_MAX: usize = 200_000;
/// Own order ids a trader remembers for cancels and modifies.
const TRADER_RECENT_MAX: usize = 40;
/// Resting orders the maker keeps per market, about.
const MAKER_LIVE_MAX: usize = 25;

/// A request, with everything needed to recognise its journaled command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Req {
    Create {
        market: usize,
        intent: Intent,
        market_order: bool,
        /// `Price` units; limit orders only.
        price: Option<u32>,
        /// `Qty` units.
        qty: i64,
        tif: Option<&'static str>,
        sync: bool,
    },
    Cancel {
        order: u64,
    },
    Modify {
        order: u64,
        price: Option<u32>,
        qty: Option<i64>,
    },
    Close {
        market: usize,
    },
    CancelAll {
        /// Empty: every market.
        markets: Vec<usize>,
    },
}

impl Req {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Req::Create { .. } => "create",
            Req::Cancel { .. } => "cancel",
            Req::Modify { .. } => "modify",
            Req::Close { .. } => "close-position",
            Req::CancelAll { .. } => "cancel-all",
        }
    }
}

/// What an acknowledged request returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ack {
    /// A create or close-position: the order id.
    Order(u64),
    /// A cancel-all: the ids it canceled.
    Canceled(Vec<u64>),
    /// A cancel or modify: `{}`.
    Done,
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// HTTP 200 (with its ids).
    Acked(Ack),
    /// HTTP 4xx from the engine: journaled, must have changed nothing.
    Refused { status: u16, message: String },
    /// HTTP 503: the exchange refused before journaling (busy or disk trouble).
    Busy { message: String },
    /// No complete reply (the kill): may or may not be in the journal, never half.
    Unacked { reason: String },
    /// Anything else (a 5xx other than 503, a 200 without its id): a failure in itself.
    Unexpected { status: u16, body: String },
}

/// One request and its outcome.
#[derive(Clone, Debug)]
pub(crate) struct Sent {
    pub(crate) cycle: u32,
    pub(crate) req: Req,
    pub(crate) outcome: Outcome,
}

/// One account's client: its key, its memory of its orders, and the log of all it sent.
pub(crate) struct Driver {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) key: Key,
    pub(crate) log: Vec<Sent>,
    /// Own order ids (with market index and intent), oldest first.
    recent: VecDeque<(u64, usize, Intent)>,
    /// The highest order id this client has seen (for cancels of ids that are not its own).
    last_id_seen: u64,
    rng: Rng,
}

impl Driver {
    pub(crate) fn new(index: usize, account: &AccountDef, rng: Rng) -> Driver {
        Driver {
            index,
            name: account.name.clone(),
            key: Key { key_id: account.key_id.clone(), secret: account.secret.clone() },
            log: Vec::new(),
            recent: VecDeque::new(),
            last_id_seen: 0,
            rng,
        }
    }

    fn is_maker(&self) -> bool {
        self.index == 0
    }

    /// Sends requests one at a time until `stop` is set or a request goes unanswered.
    pub(crate) async fn drive(mut self, api: Api, cycle: u32, stop: Arc<AtomicBool>) -> Driver {
        self.refresh(&api).await;
        for _ in 0..STEPS_MAX {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let req = if self.is_maker() { self.maker_step() } else { self.trader_step() };
            let outcome = self.send(&api, &req).await;
            self.learn(&req, &outcome);
            let unanswered = matches!(outcome, Outcome::Unacked { .. });
            self.log.push(Sent { cycle, req, outcome });
            if unanswered {
                break;
            }
        }
        self
    }

    /// Starts the cycle from the account's real open orders (a read: nothing is journaled).
    async fn refresh(&mut self, api: &Api) {
        let Ok(reply) = api.signed(&self.key, Method::GET, "/v1/orders/open", None).await else { return };
        let Some(orders) = reply.body["orders"].as_array().filter(|_| reply.status == 200) else { return };
        let mut live = VecDeque::new();
        for order in orders {
            let id = order["id"].as_str().and_then(|id| id.parse::<u64>().ok());
            let market = order["marketSlug"].as_str().and_then(|slug| MARKETS.iter().position(|m| m.slug == slug));
            let intent = order["intent"].as_str().and_then(intent_of);
            if let (Some(id), Some(market), Some(intent)) = (id, market, intent) {
                live.push_back((id, market, intent));
                self.last_id_seen = self.last_id_seen.max(id);
            }
        }
        if self.is_maker() {
            self.recent = live;
        } else {
            // Keep finished ones too: cancels and modifies of them are part of the test.
            for entry in live {
                if !self.recent.contains(&entry) {
                    self.recent.push_back(entry);
                }
            }
            while self.recent.len() > TRADER_RECENT_MAX {
                self.recent.pop_front();
            }
        }
    }

    fn learn(&mut self, req: &Req, outcome: &Outcome) {
        match (req, outcome) {
            (Req::Create { market, intent, .. }, Outcome::Acked(Ack::Order(id))) => {
                self.last_id_seen = self.last_id_seen.max(*id);
                self.recent.push_back((*id, *market, *intent));
            }
            (Req::Close { .. }, Outcome::Acked(Ack::Order(id))) => {
                self.last_id_seen = self.last_id_seen.max(*id);
            }
            (Req::Cancel { order }, Outcome::Acked(_)) if self.is_maker() => {
                self.recent.retain(|(id, _, _)| id != order);
            }
            (Req::CancelAll { markets }, Outcome::Acked(_)) if self.is_maker() => {
                self.recent.retain(|(_, market, _)| !markets.is_empty() && !markets.contains(market));
            }
            _ => {}
        }
        if !self.is_maker() {
            while self.recent.len() > TRADER_RECENT_MAX {
                self.recent.pop_front();
            }
        }
    }

    /// The maker: keep books on both sides, bounded.
    fn maker_step(&mut self) -> Req {
        let rng = &mut self.rng;
        if rng.percent(1) {
            return Req::CancelAll { markets: vec![index_below(rng, MARKETS.len())] };
        }
        if self.recent.len() > MAKER_LIVE_MAX * MARKETS.len()
            && let Some((order, _, _)) = self.recent.pop_front()
        {
            return Req::Cancel { order };
        }
        if rng.percent(6) && !self.recent.is_empty() {
            let at = index_below(rng, self.recent.len());
            let (order, market, intent) = self.recent[at];
            let price = rng.percent(70).then(|| maker_price(rng, market, intent));
            let qty = (price.is_none() || rng.percent(40)).then(|| maker_qty(rng, market));
            return Req::Modify { order, price, qty };
        }
        let market = index_below(rng, MARKETS.len());
        let intent = if rng.percent(50) { Intent::BuyLong } else { Intent::BuyShort };
        Req::Create {
            market,
            intent,
            market_order: false,
            price: Some(maker_price(rng, market, intent)),
            qty: maker_qty(rng, market),
            tif: Some("TIME_IN_FORCE_GOOD_TILL_CANCEL"),
            sync: false,
        }
    }

    /// A trader: a seeded mix of everything.
    fn trader_step(&mut self) -> Req {
        let rng = &mut self.rng;
        let roll = rng.below(100);
        let market = index_below(rng, MARKETS.len());
        let intents = [Intent::BuyLong, Intent::SellLong, Intent::BuyShort, Intent::SellShort];
        match roll {
            0..=29 => {
                let tif = *rng.pick(&[
                    Some("TIME_IN_FORCE_GOOD_TILL_CANCEL"),
                    Some("TIME_IN_FORCE_GOOD_TILL_CANCEL"),
                    Some("TIME_IN_FORCE_DAY"),
                    None,
                    Some("TIME_IN_FORCE_IMMEDIATE_OR_CANCEL"),
                    Some("TIME_IN_FORCE_FILL_OR_KILL"),
                ]);
                Req::Create {
                    market,
                    intent: *rng.pick(&intents),
                    market_order: false,
                    price: Some(trader_price(rng, market)),
                    qty: trader_qty(rng, market),
                    tif,
                    sync: false,
                }
            }
            30..=49 => Req::Create {
                market,
                intent: *rng.pick(&intents),
                market_order: true,
                price: None,
                qty: trader_qty(rng, market),
                tif: None,
                sync: rng.percent(20),
            },
            50..=63 if !self.recent.is_empty() => {
                let at = index_below(rng, self.recent.len());
                Req::Cancel { order: self.recent[at].0 }
            }
            64..=76 if !self.recent.is_empty() => {
                let at = index_below(rng, self.recent.len());
                let (order, market, _) = self.recent[at];
                let price = rng.percent(70).then(|| trader_price(rng, market));
                let qty = (price.is_none() || rng.percent(40)).then(|| trader_qty(rng, market));
                Req::Modify { order, price, qty }
            }
            77..=87 => Req::Close { market },
            // An id near the newest one seen: most likely another account's order (404), or
            // one that does not exist yet.
            88..=92 => Req::Cancel { order: self.last_id_seen.saturating_sub(rng.below(6)).max(1) },
            93..=95 => {
                let markets = if rng.percent(50) { Vec::new() } else { vec![market] };
                Req::CancelAll { markets }
            }
            _ => Req::Create {
                market,
                intent: Intent::BuyLong,
                market_order: false,
                price: Some(trader_price(rng, market)),
                qty: trader_qty(rng, market),
                tif: Some("TIME_IN_FORCE_GOOD_TILL_CANCEL"),
                sync: false,
            },
        }
    }

    /// Sends one request and classifies the reply.
    async fn send(&self, api: &Api, req: &Req) -> Outcome {
        let (path, body) = request_of(req);
        match api.signed(&self.key, Method::POST, &path, Some(body)).await {
            Err(reason) => Outcome::Unacked { reason },
            Ok(reply) => classify(req, reply),
        }
    }
}

fn classify(req: &Req, reply: Reply) -> Outcome {
    let unexpected = |reply: &Reply| Outcome::Unexpected { status: reply.status, body: reply.body.to_string() };
    match reply.status {
        200 => match req {
            Req::Create { .. } | Req::Close { .. } => match reply.body["id"].as_str().and_then(|id| id.parse().ok()) {
                Some(id) => Outcome::Acked(Ack::Order(id)),
                None => unexpected(&reply),
            },
            Req::CancelAll { .. } => {
                let ids: Option<Vec<u64>> = reply.body["canceledOrderIds"]
                    .as_array()
                    .map(|ids| ids.iter().filter_map(|id| id.as_str().and_then(|id| id.parse().ok())).collect());
                match ids {
                    Some(ids) => Outcome::Acked(Ack::Canceled(ids)),
                    None => unexpected(&reply),
                }
            }
            Req::Cancel { .. } | Req::Modify { .. } => Outcome::Acked(Ack::Done),
        },
        400..=499 => Outcome::Refused { status: reply.status, message: message_of(&reply.body) },
        503 => Outcome::Busy { message: message_of(&reply.body) },
        _ => unexpected(&reply),
    }
}

fn message_of(body: &Value) -> String {
    body["message"].as_str().map_or_else(|| body.to_string(), str::to_owned)
}

/// The path and JSON body of a request.
pub(crate) fn request_of(req: &Req) -> (String, String) {
    let usd = |units: u32| format!("{{\"value\": \"{}\", \"currency\": \"USD\"}}", price_text(units));
    match req {
        Req::Create { market, intent, market_order, price, qty, tif, sync } => {
            let mut fields = vec![
                format!("\"marketSlug\": \"{}\"", MARKETS[*market].slug),
                format!("\"type\": \"{}\"", if *market_order { "ORDER_TYPE_MARKET" } else { "ORDER_TYPE_LIMIT" }),
                format!("\"intent\": \"{}\"", intent_text(*intent)),
                format!("\"quantity\": {}", qty_text(*qty)),
            ];
            if let Some(price) = price {
                fields.push(format!("\"price\": {}", usd(*price)));
            }
            if let Some(tif) = tif {
                fields.push(format!("\"tif\": \"{tif}\""));
            }
            if *sync {
                fields.push("\"synchronousExecution\": true".to_owned());
            }
            ("/v1/orders".to_owned(), format!("{{{}}}", fields.join(", ")))
        }
        Req::Cancel { order } => (format!("/v1/order/{order}/cancel"), "{}".to_owned()),
        Req::Modify { order, price, qty } => {
            let mut fields = Vec::new();
            if let Some(price) = price {
                fields.push(format!("\"price\": {}", usd(*price)));
            }
            if let Some(qty) = qty {
                fields.push(format!("\"quantity\": {}", qty_text(*qty)));
            }
            (format!("/v1/order/{order}/modify"), format!("{{{}}}", fields.join(", ")))
        }
        Req::Close { market } => {
            ("/v1/order/close-position".to_owned(), format!("{{\"marketSlug\": \"{}\"}}", MARKETS[*market].slug))
        }
        Req::CancelAll { markets } => {
            let slugs: Vec<String> = markets.iter().map(|market| format!("\"{}\"", MARKETS[*market].slug)).collect();
            let body =
                if slugs.is_empty() { "{}".to_owned() } else { format!("{{\"slugs\": [{}]}}", slugs.join(", ")) };
            ("/v1/orders/open/cancel".to_owned(), body)
        }
    }
}

pub(crate) fn intent_text(intent: Intent) -> &'static str {
    match intent {
        Intent::BuyLong => "ORDER_INTENT_BUY_LONG",
        Intent::SellLong => "ORDER_INTENT_SELL_LONG",
        Intent::BuyShort => "ORDER_INTENT_BUY_SHORT",
        Intent::SellShort => "ORDER_INTENT_SELL_SHORT",
    }
}

fn intent_of(text: &str) -> Option<Intent> {
    [Intent::BuyLong, Intent::SellLong, Intent::BuyShort, Intent::SellShort]
        .into_iter()
        .find(|intent| intent_text(*intent) == text)
}

fn index_below(rng: &mut Rng, len: usize) -> usize {
    usize::try_from(rng.below(len as u64)).unwrap_or(0)
}

/// A price in cents (as `Price` units), with a sub-cent part in markets with a finer tick.
fn price_units(rng: &mut Rng, market: usize, cents: u64) -> u32 {
    let tick = u64::from(MARKETS[market].tick_units);
    let sub = if tick < 100 { rng.below(100 / tick) * tick } else { 0 };
    u32::try_from(cents * 100 + sub).unwrap_or(5_000)
}

/// The maker bids below 0.50 and offers above it, so its own orders never cross.
fn maker_price(rng: &mut Rng, market: usize, intent: Intent) -> u32 {
    let cents = match intent {
        Intent::BuyLong | Intent::SellShort => rng.between(38, 49),
        Intent::BuyShort | Intent::SellLong => rng.between(51, 62),
    };
    price_units(rng, market, cents)
}

fn maker_qty(rng: &mut Rng, market: usize) -> i64 {
    quantity(rng, market, 10, 60)
}

/// Traders price across the maker's spread, so some orders trade and some rest.
fn trader_price(rng: &mut Rng, market: usize) -> u32 {
    let cents = rng.between(35, 65);
    price_units(rng, market, cents)
}

fn trader_qty(rng: &mut Rng, market: usize) -> i64 {
    quantity(rng, market, 1, 10)
}

/// Whole contracts in `low..=high`, or hundredths of them in the partial-contract market.
fn quantity(rng: &mut Rng, market: usize, low: u64, high: u64) -> i64 {
    let step = MARKETS[market].step_units;
    let steps = if step < types::QTY_SCALE {
        let per_contract = (types::QTY_SCALE / step).unsigned_abs();
        rng.between(low * per_contract / 2, high * per_contract)
    } else {
        rng.between(low, high)
    };
    i64::try_from(steps).unwrap_or(1) * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_valid_json_with_exact_decimals() {
        let req = Req::Create {
            market: 1,
            intent: Intent::BuyShort,
            market_order: false,
            price: Some(4_500),
            qty: 23_500,
            tif: Some("TIME_IN_FORCE_DAY"),
            sync: false,
        };
        let (path, body) = request_of(&req);
        assert_eq!(path, "/v1/orders");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["marketSlug"], "btc");
        assert_eq!(body["price"]["value"], "0.4500");
        assert_eq!(body["quantity"].to_string(), "2.3500");
        let (_, body) = request_of(&Req::CancelAll { markets: vec![0, 2] });
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["slugs"][1], "fed");
    }

    #[test]
    fn quantities_and_prices_fit_their_market() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            for (index, market) in MARKETS.iter().enumerate() {
                let qty = trader_qty(&mut rng, index);
                assert!(qty >= market.step_units && qty % market.step_units == 0, "{qty}");
                let price = trader_price(&mut rng, index);
                assert_eq!(price % market.tick_units, 0);
                assert!((3_500..=6_590).contains(&price), "{price}");
                assert!(maker_price(&mut rng, index, Intent::BuyLong) < 5_000);
                assert!(maker_price(&mut rng, index, Intent::BuyShort) > 5_000);
            }
        }
    }
}
