//! The checks after each restart: the server against an offline replay of its own journal, the
//! journal against what the clients were told, and the HTTP API against both.
//!
//! In order:
//! 1. `GET /v1/pmx/state` says the invariants hold; the journal file is copied and replayed
//!    offline (`replay`); the server's `lastSeq` and `stateHash` equal the replay's, and the
//!    engine invariants (conservation of cash and fees among them) hold after every command
//!    of the cycle and at the end.
//! 2. Each account's journaled commands are exactly its requests, in order (`match_account`):
//!    every acknowledged request is there once with the result the client was told (the same
//!    order id, the same canceled ids); every refused request is there and changed nothing
//!    (an engine error, no events); the request in flight at the kill is either there whole
//!    or absent; and nothing else is there (no duplicate, no phantom).
//! 3. Over HTTP: every order acknowledged (or journaled) in the cycle is readable by its owner;
//!    every canceled one is final; open orders hold no id twice and equal the replay's; trade
//!    activities list no trade twice, are the replay's trades of the account in order, and sum
//!    to the positions, which equal the replay's; balances equal the replay's, and all cash
//!    plus the exchange's fees equals the deposits.

use std::collections::{HashMap, HashSet};

use engine::{EngineError, MarketRef, Op, OrderKind, Reply, Size, Tif};
use reqwest::Method;
use serde_json::Value;
use types::{AccountId, OrderId, Price, Qty};

use crate::http::Api;
use crate::replay::{Journaled, Replayed};
use crate::workload::{Ack, Driver, Outcome, Req, Sent};
use crate::world::{AccountDef, MARKETS, units};

/// Trade activities per page (the server's maximum).
const PAGE: usize = 100;

/// What the server says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ServerState {
    pub(crate) last_seq: u64,
    pub(crate) state_hash: String,
    pub(crate) invariants: String,
}

pub(crate) async fn server_state(api: &Api) -> Result<ServerState, String> {
    let body = api.get("/v1/pmx/state").await?.ok("GET /v1/pmx/state")?;
    let text = |field: &str| {
        body[field].as_str().map(str::to_owned).ok_or_else(|| format!("/v1/pmx/state has no {field}: {body}"))
    };
    let last_seq = text("lastSeq")?;
    Ok(ServerState {
        last_seq: last_seq.parse().map_err(|_| format!("lastSeq {last_seq:?} is not a number"))?,
        state_hash: text("stateHash")?,
        invariants: text("invariants")?,
    })
}

/// Counts of one cycle's checks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) acked: HashMap<&'static str, u64>,
    pub(crate) refused: u64,
    pub(crate) busy: u64,
    pub(crate) unacked_present: u64,
    pub(crate) unacked_absent: u64,
    pub(crate) orders_read: u64,
    pub(crate) trades_checked: u64,
    /// Executions a stream subscriber received, each found in the journal as shown.
    pub(crate) stream_executions: u64,
}

impl Tally {
    pub(crate) fn acked_total(&self) -> u64 {
        self.acked.values().sum()
    }

    pub(crate) fn add(&mut self, other: &Tally) {
        for (kind, count) in &other.acked {
            *self.acked.entry(kind).or_default() += count;
        }
        self.refused += other.refused;
        self.busy += other.busy;
        self.unacked_present += other.unacked_present;
        self.unacked_absent += other.unacked_absent;
        self.orders_read += other.orders_read;
        self.trades_checked += other.trades_checked;
        self.stream_executions += other.stream_executions;
    }
}

/// What the checks carry from one cycle to the next.
#[derive(Default)]
pub(crate) struct Memory {
    /// `boundaries[k]`: the server's `lastSeq` when cycle `k` was checked (k = 0: after the
    /// first start). Cycle `c`'s commands have sequence numbers in
    /// `(boundaries[c-1], boundaries[c]]`.
    pub(crate) boundaries: Vec<u64>,
    /// Trade activities already read and checked, per account.
    activities: HashMap<usize, SeenTrades>,
}

#[derive(Default, Clone)]
struct SeenTrades {
    count: usize,
    ids: HashSet<u64>,
    /// Signed YES position per market slug, summed from the activities.
    net: HashMap<&'static str, i64>,
}

/// Orders the HTTP checks must find.
#[derive(Default)]
struct Expect {
    /// (account index, order id): readable by its owner.
    exists: Vec<(usize, u64)>,
    /// (account index, order id): readable and final.
    finished: Vec<(usize, u64)>,
}

/// What is being checked: the cycle just ended, the restarted server, the clients' records.
pub(crate) struct Subject<'a> {
    pub(crate) cycle: u32,
    pub(crate) api: &'a Api,
    pub(crate) drivers: &'a [Driver],
    pub(crate) accounts: &'a [AccountDef],
}

/// Runs every check for the cycle on a restarted, idle server. `full_activities` reads every
/// trade activity again from the first, not only those not read before.
pub(crate) async fn check_cycle(
    subject: &Subject<'_>,
    replayed: &Replayed,
    state: &ServerState,
    memory: &mut Memory,
    full_activities: bool,
) -> Result<Tally, String> {
    let Subject { cycle, api, drivers, accounts } = *subject;
    if state.invariants != "ok" {
        return Err(format!("/v1/pmx/state reports broken invariants: {}", state.invariants));
    }
    if let Some(violation) = &replayed.violation {
        return Err(format!("the offline replay of the journal breaks an engine invariant {violation}"));
    }
    if replayed.last_seq != state.last_seq {
        return Err(format!(
            "pmx reports lastSeq {} but its journal file ends at {}",
            state.last_seq, replayed.last_seq
        ));
    }
    let offline_hash = format!("{:016x}", replayed.engine.state_hash());
    if offline_hash != state.state_hash {
        return Err(format!(
            "pmx's stateHash {} differs from the offline replay of its journal ({offline_hash}, {} commands)",
            state.state_hash, replayed.commands
        ));
    }

    let mut tally = Tally::default();
    let mut expect = Expect::default();
    let ids = account_ids(replayed, accounts)?;
    for driver in drivers {
        let journaled = replayed.by_account.get(&ids[driver.index]).map_or(&[][..], Vec::as_slice);
        let mut matcher = Matcher { driver, ids: &ids, replayed, boundaries: &memory.boundaries, cycle };
        matcher.run(journaled, &mut tally, &mut expect)?;
    }

    for (index, order) in &expect.exists {
        read_order(api, &drivers[*index], *order).await?;
        tally.orders_read += 1;
    }
    for (index, order) in &expect.finished {
        let read = read_order(api, &drivers[*index], *order).await?;
        tally.orders_read += 1;
        let state = read["state"].as_str().unwrap_or_default();
        let terminal = ["ORDER_STATE_FILLED", "ORDER_STATE_CANCELED", "ORDER_STATE_REJECTED", "ORDER_STATE_EXPIRED"];
        if !terminal.contains(&state) {
            return Err(format!(
                "{}: order {order} was canceled by a journaled request (acknowledged, or in flight at the kill) \
                 but is {state} after the restart: {read}",
                drivers[*index].name
            ));
        }
    }

    check_open_orders(api, drivers, &ids, replayed).await?;
    let mut cash_total: i128 = 0;
    for driver in drivers {
        let account = ids[driver.index];
        let seen = memory.activities.entry(driver.index).or_default();
        if full_activities {
            *seen = SeenTrades::default();
        }
        tally.trades_checked += check_trades(api, driver, account, replayed, seen).await?;
        check_positions(api, driver, account, replayed, seen).await?;
        cash_total += check_balance(api, driver, account, replayed).await?;
    }
    let deposits: i128 = accounts.iter().map(|account| i128::from(account.cash_dollars) * cash_scale()).sum();
    let fees = replayed.engine.fees_kept();
    if cash_total + fees != deposits {
        return Err(format!(
            "balances do not reconcile: accounts hold {cash_total} and the exchange kept {fees} in fees \
             (units of $1e-8), but {deposits} was deposited"
        ));
    }
    Ok(tally)
}

fn cash_scale() -> i128 {
    i128::from(types::CASH_SCALE)
}

/// Engine account id of every test account, by index.
fn account_ids(replayed: &Replayed, accounts: &[AccountDef]) -> Result<Vec<AccountId>, String> {
    accounts
        .iter()
        .map(|account| {
            replayed
                .engine
                .account_id(&account.name)
                .ok_or_else(|| format!("account {} is not in the replayed journal", account.name))
        })
        .collect()
}

/// Walks one account's requests and its journaled commands side by side.
struct Matcher<'a> {
    driver: &'a Driver,
    ids: &'a [AccountId],
    replayed: &'a Replayed,
    boundaries: &'a [u64],
    cycle: u32,
}

impl Matcher<'_> {
    fn run(&mut self, journaled: &[Journaled], tally: &mut Tally, expect: &mut Expect) -> Result<(), String> {
        let name = &self.driver.name;
        let mut next = 0usize;
        for (number, sent) in self.driver.log.iter().enumerate() {
            let current = sent.cycle == self.cycle;
            let (after, upto) = self.range(sent.cycle);
            let candidate = journaled.get(next).filter(|command| command.seq > after && command.seq <= upto);
            let what =
                || format!("{name}: request #{number} of cycle {} ({:?}, {:?})", sent.cycle, sent.req, sent.outcome);
            match &sent.outcome {
                Outcome::Acked(ack) => {
                    let command =
                        candidate.ok_or_else(|| format!("{} was acknowledged but is not in the journal", what()))?;
                    self.same_request(sent, command).map_err(|why| format!("{}: journal has {why}", what()))?;
                    check_ack(sent, ack, command).map_err(|why| format!("{}: {why}", what()))?;
                    next += 1;
                    if current {
                        *tally.acked.entry(sent.req.kind()).or_default() += 1;
                        self.expect(sent, command, expect);
                    }
                }
                Outcome::Refused { .. } => {
                    let command = candidate
                        .ok_or_else(|| format!("{} was refused by the engine but is not in the journal", what()))?;
                    self.same_request(sent, command).map_err(|why| format!("{}: journal has {why}", what()))?;
                    if command.result.is_ok() || command.events > 0 {
                        return Err(format!(
                            "{}: refused, but command {} changed the state: {:?} with {} events",
                            what(),
                            command.seq,
                            command.result,
                            command.events
                        ));
                    }
                    next += 1;
                    if current {
                        tally.refused += 1;
                    }
                }
                Outcome::Unacked { .. } => {
                    let present = candidate.filter(|command| self.same_request(sent, command).is_ok());
                    if let Some(command) = present {
                        next += 1;
                        if current {
                            tally.unacked_present += 1;
                            self.expect(sent, command, expect);
                        }
                    } else if current {
                        tally.unacked_absent += 1;
                    }
                }
                Outcome::Busy { .. } => {
                    if current {
                        tally.busy += 1;
                    }
                }
                Outcome::Unexpected { status, body } => {
                    return Err(format!("{}: pmx answered HTTP {status}: {body}", what()));
                }
            }
        }
        if let Some(extra) = journaled.get(next) {
            return Err(format!(
                "{name}: journal command {} ({:?}, result {:?}) matches no request the client sent \
                 (a duplicate or a phantom); {} of the account's {} journaled commands matched",
                extra.seq,
                extra.op,
                extra.result,
                next,
                journaled.len()
            ));
        }
        Ok(())
    }

    /// Sequence numbers of `cycle`'s commands: `(after, upto]`.
    fn range(&self, cycle: u32) -> (u64, u64) {
        let index = usize::try_from(cycle).unwrap_or(usize::MAX);
        let after = self.boundaries.get(index.saturating_sub(1)).copied().unwrap_or(0);
        let upto = self.boundaries.get(index).copied().unwrap_or(u64::MAX);
        (after, upto)
    }

    /// What the HTTP checks must find for a request that is in the journal.
    fn expect(&self, sent: &Sent, command: &Journaled, expect: &mut Expect) {
        let index = self.driver.index;
        match (&sent.req, &command.result) {
            (Req::Create { .. } | Req::Close { .. }, Ok(Reply::Order(id))) => expect.exists.push((index, id.get())),
            (Req::Cancel { order }, Ok(_)) => expect.finished.push((index, *order)),
            (Req::Cancel { order }, Err(EngineError::UnknownOrder)) if matches!(sent.outcome, Outcome::Acked(_)) => {
                expect.finished.push((index, *order));
            }
            (Req::Modify { order, .. }, Ok(_)) => expect.exists.push((index, *order)),
            (Req::CancelAll { .. }, Ok(Reply::Canceled(canceled))) => {
                expect.finished.extend(canceled.iter().map(|id| (index, id.get())));
            }
            _ => {}
        }
    }

    /// Whether the journaled command is this request.
    fn same_request(&self, sent: &Sent, command: &Journaled) -> Result<(), String> {
        let account = self.ids[self.driver.index];
        let differs = || format!("command {} = {:?}", command.seq, command.op);
        // The sequencer journals a known slug as its market's id.
        let slug_is = |market: &MarketRef, index: usize| match market {
            MarketRef::Slug(slug) => &**slug == MARKETS[index].slug,
            MarketRef::Id(id) => self.replayed.engine.market_id(MARKETS[index].slug) == Some(*id),
        };
        let same = match (&sent.req, &command.op) {
            (Req::Create { market, intent, market_order, price, qty, tif, .. }, Op::PlaceOrder(new)) => {
                let kind = if *market_order { OrderKind::Market } else { OrderKind::Limit };
                new.account == account
                    && slug_is(&new.market, *market)
                    && new.intent == *intent
                    && new.kind == kind
                    && new.price == price.map(Price)
                    && new.size == Size::Qty(Qty(*qty))
                    && new.tif == tif.map(tif_of)
            }
            (Req::Cancel { order }, Op::CancelOrder { account: by, order: id }) => *by == account && id.get() == *order,
            (Req::Modify { order, price, qty }, Op::ModifyOrder(modify)) => {
                modify.account == account
                    && modify.order == OrderId(*order)
                    && modify.price == price.map(Price)
                    && modify.qty == qty.map(Qty)
            }
            (Req::Close { market }, Op::ClosePosition(close)) => {
                close.account == account && slug_is(&close.market, *market)
            }
            (Req::CancelAll { markets }, Op::CancelAll { account: by, markets: ids }) => {
                let wanted: Vec<_> =
                    markets.iter().filter_map(|index| self.replayed.engine.market_id(MARKETS[*index].slug)).collect();
                *by == account && *ids == wanted
            }
            _ => false,
        };
        if same { Ok(()) } else { Err(differs()) }
    }
}

fn tif_of(text: &str) -> Tif {
    match text {
        "TIME_IN_FORCE_DAY" => Tif::Day,
        "TIME_IN_FORCE_IMMEDIATE_OR_CANCEL" => Tif::ImmediateOrCancel,
        "TIME_IN_FORCE_FILL_OR_KILL" => Tif::FillOrKill,
        "TIME_IN_FORCE_GOOD_TILL_DATE" => Tif::GoodTillDate,
        _ => Tif::GoodTillCancel,
    }
}

/// The acknowledgement agrees with what the engine did with the journaled command.
fn check_ack(sent: &Sent, ack: &Ack, command: &Journaled) -> Result<(), String> {
    let fine = match (&sent.req, ack, &command.result) {
        (Req::Create { .. } | Req::Close { .. }, Ack::Order(id), Ok(Reply::Order(replayed))) => replayed.get() == *id,
        (Req::Cancel { .. }, Ack::Done, Ok(_)) | (Req::Modify { .. }, Ack::Done, Ok(_)) => true,
        // Cancel of an order that had already finished: a 200 no-op that changed nothing.
        (Req::Cancel { .. }, Ack::Done, Err(EngineError::UnknownOrder)) => command.events == 0,
        (Req::CancelAll { .. }, Ack::Canceled(ids), Ok(Reply::Canceled(replayed))) => {
            replayed.iter().map(|id| id.get()).eq(ids.iter().copied())
        }
        _ => false,
    };
    if fine {
        Ok(())
    } else {
        Err(format!(
            "the client was told {ack:?}, but replaying journal command {} gives {:?}",
            command.seq, command.result
        ))
    }
}

/// `GET /v1/order/{id}` as its owner: 200 with that id.
async fn read_order(api: &Api, driver: &Driver, order: u64) -> Result<Value, String> {
    let path = format!("/v1/order/{order}");
    let reply = api.signed(&driver.key, Method::GET, &path, None).await?;
    let body = reply.ok(&format!("{}: GET {path} after the restart", driver.name))?;
    let read = body["order"].clone();
    if read["id"].as_str() != Some(order.to_string().as_str()) {
        return Err(format!("{}: GET {path} returned another order: {body}", driver.name));
    }
    Ok(read)
}

/// No order id twice, within an account or across accounts; the same set as the replay.
async fn check_open_orders(
    api: &Api,
    drivers: &[Driver],
    ids: &[AccountId],
    replayed: &Replayed,
) -> Result<(), String> {
    let mut everywhere: HashMap<u64, &str> = HashMap::new();
    for driver in drivers {
        let body = api
            .signed(&driver.key, Method::GET, "/v1/orders/open", None)
            .await?
            .ok(&format!("{}: GET /v1/orders/open", driver.name))?;
        let orders = body["orders"].as_array().ok_or_else(|| format!("open orders without `orders`: {body}"))?;
        let mut listed = Vec::with_capacity(orders.len());
        for order in orders {
            let id = order["id"].as_str().and_then(|id| id.parse::<u64>().ok());
            let id = id.ok_or_else(|| format!("{}: open order without a numeric id: {order}", driver.name))?;
            if let Some(other) = everywhere.insert(id, &driver.name) {
                return Err(format!("order {id} appears twice in open orders ({other} and {})", driver.name));
            }
            listed.push(id);
        }
        let mut offline: Vec<u64> =
            replayed.engine.open_orders(ids[driver.index]).iter().map(|order| order.id.get()).collect();
        listed.sort_unstable();
        offline.sort_unstable();
        if listed != offline {
            return Err(format!(
                "{}: open orders over HTTP {listed:?} differ from the offline replay's {offline:?}",
                driver.name
            ));
        }
    }
    Ok(())
}

/// Reads the account's trade activities not read before (all of them on a full check), and
/// checks each against the replay. Returns how many were checked.
async fn check_trades(
    api: &Api,
    driver: &Driver,
    account: AccountId,
    replayed: &Replayed,
    seen: &mut SeenTrades,
) -> Result<u64, String> {
    let expected = replayed.account_trades.get(&account).map_or(&[][..], Vec::as_slice);
    let mut checked = 0u64;
    let pages_max = expected.len().saturating_sub(seen.count) / PAGE + 2;
    let mut done = false;
    for _ in 0..pages_max {
        let mut path =
            format!("/v1/portfolio/activities?types=ACTIVITY_TYPE_TRADE&sortOrder=SORT_ORDER_ASCENDING&limit={PAGE}");
        if seen.count > 0 {
            path.push_str(&format!("&cursor={}", seen.count));
        }
        let body =
            api.signed(&driver.key, Method::GET, &path, None).await?.ok(&format!("{}: GET {path}", driver.name))?;
        let activities = body["activities"].as_array().ok_or_else(|| format!("no activities in {body}"))?;
        for activity in activities {
            let trade = &activity["trade"];
            let id = trade["id"].as_str().and_then(|id| id.parse::<u64>().ok());
            let id = id.ok_or_else(|| format!("{}: trade activity without an id: {activity}", driver.name))?;
            if !seen.ids.insert(id) {
                return Err(format!("{}: trade {id} is listed twice in the activities", driver.name));
            }
            if expected.get(seen.count) != Some(&id) {
                return Err(format!(
                    "{}: trade activity #{} is trade {id}, but the journal's trade #{} of the account is {:?}",
                    driver.name,
                    seen.count,
                    seen.count,
                    expected.get(seen.count)
                ));
            }
            let fact = replayed.trades.get(&id).ok_or_else(|| format!("trade {id} is not in the journal"))?;
            let aggressor = trade["isAggressor"].as_bool().unwrap_or(false);
            let delta = fact.delta_for(account, aggressor).ok_or_else(|| {
                format!(
                    "{}: trade {id} listed with isAggressor {aggressor}, which is not the account's side",
                    driver.name
                )
            })?;
            let qty = units(trade["qtyDecimal"].as_str().unwrap_or_default(), 4)?;
            if qty != i128::from(fact.qty) {
                return Err(format!(
                    "{}: trade {id} shows quantity {qty} units, the journal {}",
                    driver.name, fact.qty
                ));
            }
            let slug = trade["marketSlug"].as_str().unwrap_or_default();
            let market = MARKETS
                .iter()
                .find(|market| market.slug == slug && replayed.engine.market_id(slug) == Some(fact.market))
                .ok_or_else(|| format!("{}: trade {id} is in market {slug:?}, not the journal's", driver.name))?;
            *seen.net.entry(market.slug).or_default() += delta;
            seen.count += 1;
            checked += 1;
        }
        if body["eof"].as_bool() == Some(true) {
            done = true;
            break;
        }
    }
    if !done {
        return Err(format!("{}: the trade activities did not end after {pages_max} pages", driver.name));
    }
    if seen.count != expected.len() {
        return Err(format!(
            "{}: {} trade activities over HTTP, {} trades of the account in the journal",
            driver.name,
            seen.count,
            expected.len()
        ));
    }
    Ok(checked)
}

/// Positions over HTTP = the sum of the trade activities = the replay's positions.
async fn check_positions(
    api: &Api,
    driver: &Driver,
    account: AccountId,
    replayed: &Replayed,
    seen: &SeenTrades,
) -> Result<(), String> {
    let body = api
        .signed(&driver.key, Method::GET, "/v1/portfolio/positions", None)
        .await?
        .ok(&format!("{}: GET /v1/portfolio/positions", driver.name))?;
    for market in MARKETS {
        let held = &body["positions"][market.slug];
        let over_http = match held["netPositionDecimal"].as_str() {
            Some(text) => units(text, 4)?,
            None if held.is_null() => 0,
            None => {
                return Err(format!("{}: position in {} without netPositionDecimal: {held}", driver.name, market.slug));
            }
        };
        let summed = i128::from(seen.net.get(market.slug).copied().unwrap_or(0));
        let offline = replayed
            .engine
            .market_id(market.slug)
            .and_then(|id| replayed.engine.position(account, id))
            .map_or(0, |view| i128::from(view.position.net.units()));
        if over_http != summed || over_http != offline {
            return Err(format!(
                "{}: position in {} is {over_http} units over HTTP, {summed} summed from its trade activities, \
                 {offline} in the offline replay",
                driver.name, market.slug
            ));
        }
    }
    Ok(())
}

/// The account's cash over HTTP equals the replay's; returns it (units of $1e-8).
async fn check_balance(api: &Api, driver: &Driver, account: AccountId, replayed: &Replayed) -> Result<i128, String> {
    let body = api
        .signed(&driver.key, Method::GET, "/v1/account/balances", None)
        .await?
        .ok(&format!("{}: GET /v1/account/balances", driver.name))?;
    let current = &body["balances"][0]["currentBalance"];
    let text = current.as_str().map_or_else(|| current.to_string(), str::to_owned);
    let over_http = units(&text, 8)?;
    let offline = replayed.engine.balance(account).map_or(0, |view| i128::from(view.cash.units()));
    if over_http != offline {
        return Err(format!(
            "{}: currentBalance {text} over HTTP, {offline} units of $1e-8 in the offline replay",
            driver.name
        ));
    }
    Ok(over_http)
}

#[cfg(test)]
mod tests {
    use engine::{Engine, Intent, NewOrder};

    use super::*;
    use crate::rng::Rng;

    const ACCOUNT: AccountId = AccountId(1);

    fn create(cycle: u32, qty: i64, outcome: Outcome) -> Sent {
        let req = Req::Create {
            market: 0,
            intent: Intent::BuyLong,
            market_order: false,
            price: Some(4_500),
            qty,
            tif: None,
            sync: false,
        };
        Sent { cycle, req, outcome }
    }

    fn placed(seq: u64, qty: i64, result: Result<Reply, EngineError>, events: usize) -> Journaled {
        let new = NewOrder {
            account: ACCOUNT,
            market: MarketRef::Slug("rain".into()),
            intent: Intent::BuyLong,
            kind: OrderKind::Limit,
            price: Some(Price(4_500)),
            size: Size::Qty(Qty(qty)),
            tif: None,
            good_till: None,
            post_only: false,
            slippage: None,
            manual: None,
        };
        Journaled { seq, op: Op::PlaceOrder(new), result, events }
    }

    fn acked(id: u64) -> Outcome {
        Outcome::Acked(Ack::Order(id))
    }

    /// Matches `log` (account index 0) against `journaled`, checking cycle `cycle`.
    fn run(log: Vec<Sent>, journaled: &[Journaled], boundaries: &[u64], cycle: u32) -> Result<Tally, String> {
        let accounts = crate::world::accounts();
        let mut driver = Driver::new(0, &accounts[0], Rng::new(1));
        driver.log = log;
        let replayed = Replayed {
            engine: engine_with_rain(),
            last_seq: 0,
            commands: 0,
            by_account: HashMap::new(),
            trades: HashMap::new(),
            account_trades: HashMap::new(),
            executions: HashMap::new(),
            violation: None,
        };
        let ids = [ACCOUNT];
        let mut matcher = Matcher { driver: &driver, ids: &ids, replayed: &replayed, boundaries, cycle };
        let mut tally = Tally::default();
        matcher.run(journaled, &mut tally, &mut Expect::default()).map(|()| tally)
    }

    /// An engine holding market 0 ("rain") as id 0, as the replay of a journal would.
    fn engine_with_rain() -> Engine {
        let spec = engine::MarketSpec {
            slug: MARKETS[0].slug.into(),
            title: String::new(),
            outcome: String::new(),
            event_slug: String::new(),
            tick: Price(100),
            min_qty: Qty(10_000),
            price_min: Price(100),
            price_max: Price(9_900),
            state: engine::MarketState::Open,
            taker_rate: types::Rate::ZERO,
            maker_rate: types::Rate::ZERO,
        };
        let mut engine = Engine::new();
        let command = engine::Command { seq: types::Seq(1), ts: types::Timestamp(1), op: Op::CreateMarket(spec) };
        engine.apply(&command, &mut Vec::new()).expect("market");
        engine
    }

    #[test]
    fn a_market_journaled_by_id_matches_its_slug() {
        let by_id = |seq, market| {
            let mut journaled = placed(seq, 10_000, Ok(Reply::Order(OrderId(seq))), 2);
            if let Op::PlaceOrder(new) = &mut journaled.op {
                new.market = market;
            }
            journaled
        };
        let log = vec![create(1, 10_000, acked(11))];
        assert!(run(log, &[by_id(11, MarketRef::Id(types::MarketId(0)))], &[10], 1).is_ok());
        let log = vec![create(1, 10_000, acked(11))];
        let error = run(log, &[by_id(11, MarketRef::Id(types::MarketId(1)))], &[10], 1).unwrap_err();
        assert!(error.contains("journal has command 11"), "{error}");
    }

    #[test]
    fn acknowledged_requests_in_the_journal_pass() {
        let log = vec![create(1, 10_000, acked(7)), create(1, 20_000, acked(8))];
        let journal =
            [placed(11, 10_000, Ok(Reply::Order(OrderId(7))), 2), placed(12, 20_000, Ok(Reply::Order(OrderId(8))), 2)];
        let tally = run(log, &journal, &[10], 1).unwrap();
        assert_eq!(tally.acked_total(), 2);
    }

    #[test]
    fn a_lost_acknowledged_create_fails() {
        let log = vec![create(1, 10_000, acked(7)), create(1, 20_000, acked(8))];
        let journal = [placed(11, 10_000, Ok(Reply::Order(OrderId(7))), 2)];
        let error = run(log, &journal, &[10], 1).unwrap_err();
        assert!(error.contains("acknowledged but is not in the journal"), "{error}");
    }

    #[test]
    fn a_duplicated_command_fails() {
        let log = vec![create(1, 10_000, acked(7))];
        let journal =
            [placed(11, 10_000, Ok(Reply::Order(OrderId(7))), 2), placed(12, 10_000, Ok(Reply::Order(OrderId(8))), 2)];
        let error = run(log, &journal, &[10], 1).unwrap_err();
        assert!(error.contains("matches no request"), "{error}");
    }

    #[test]
    fn an_acknowledgement_with_another_id_fails() {
        let log = vec![create(1, 10_000, acked(7))];
        let journal = [placed(11, 10_000, Ok(Reply::Order(OrderId(9))), 2)];
        let error = run(log, &journal, &[10], 1).unwrap_err();
        assert!(error.contains("the client was told"), "{error}");
    }

    #[test]
    fn a_refusal_that_changed_something_fails() {
        let refused = Outcome::Refused { status: 400, message: "no".into() };
        let log = vec![create(1, 10_000, refused)];
        let journal = [placed(11, 10_000, Err(EngineError::UnknownMarket), 1)];
        let error = run(log, &journal, &[10], 1).unwrap_err();
        assert!(error.contains("changed the state"), "{error}");
        let refused = Outcome::Refused { status: 400, message: "no".into() };
        let quiet = [placed(11, 10_000, Err(EngineError::UnknownMarket), 0)];
        assert_eq!(run(vec![create(1, 10_000, refused)], &quiet, &[10], 1).unwrap().refused, 1);
    }

    #[test]
    fn a_request_in_flight_at_the_kill_may_be_there_or_not() {
        let lost = Outcome::Unacked { reason: "reset".into() };
        // Absent in cycle 1; the same request acknowledged in cycle 2 is not taken for it.
        let log = vec![create(1, 10_000, lost.clone()), create(2, 10_000, acked(5))];
        let journal = [placed(12, 10_000, Ok(Reply::Order(OrderId(5))), 2)];
        let tally = run(log.clone(), &journal, &[10, 11], 2).unwrap();
        assert_eq!((tally.acked_total(), tally.unacked_absent), (1, 0));
        assert_eq!(run(log, &journal, &[10, 11], 1).unwrap().unacked_absent, 1);
        // Present: journaled in its own cycle.
        let log = vec![create(1, 10_000, lost)];
        let journal = [placed(11, 10_000, Ok(Reply::Order(OrderId(5))), 2)];
        assert_eq!(run(log, &journal, &[10], 1).unwrap().unacked_present, 1);
    }
}
