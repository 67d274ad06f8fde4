//! The fan-out thread: the tap's items to frames on each connection's queue.
//!
//! The thread keeps every subscription, indexed by what it watches (an account's orders,
//! positions or balance, a market's book or trades), and takes the tap's batches in order.
//! For each item it finds the subscriptions that want it, builds the payload once, serializes
//! it once (`Payload::to_json`), and wraps it for each subscriber (only `requestId` and
//! `subscriptionType` differ). Its state is a function of the ordered items alone, so each
//! connection gets its frames in journal order, a snapshot first and then exactly the
//! changes after it.
//!
//! Debounced market data (`responsesDebounced: true`) keeps only the latest book of each
//! market and sends it at the next tick (`DEBOUNCE`), so at most one frame per market per
//! tick, always the newest state.
//!
//! Each connection's queue is bounded (`streams.outbound_frames_max`). The thread never
//! waits on one: a frame that does not fit means the consumer fell behind, and the
//! connection is told to close with 1008 and dropped from the table.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use protocol::{
    AccountBalancesSnapshot, AccountBalancesUpdate, OrderSubscriptionUpdate, Payload, PayloadJson, SubscriptionType,
    data_frame,
};
use tokio::sync::{mpsc, watch};
use types::{AccountId, MarketId};

use super::tap::{BookView, ConnId, Snapshot, Subscription, Tapped};
use crate::wire;

/// How often debounced market data goes out.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(100);
/// A snapshot page's orders stay under this many bytes, so a frame stays well under 1 MiB.
pub(crate) const PAGE_BYTES_MAX: usize = 512 * 1024;

/// Why a connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CloseReason {
    /// The consumer did not keep up with its frames (1008).
    FellBehind,
    /// The server is stopping (1001).
    Stopping,
    /// The client closed it, or its socket failed (1000).
    Done,
}

/// Tells a connection's tasks to end, and why: the first reason given wins.
#[derive(Debug)]
pub(crate) struct Signal(watch::Sender<Option<CloseReason>>);

impl Default for Signal {
    fn default() -> Signal {
        Signal(watch::channel(None).0)
    }
}

impl Signal {
    /// Tells the connection to close for `reason` (unless it already was told).
    pub(crate) fn close(&self, reason: CloseReason) {
        self.0.send_if_modified(|current| {
            let first = current.is_none();
            if first {
                *current = Some(reason);
            }
            first
        });
    }

    /// Why the connection is to close; a queue dropped without a word means the tap dropped
    /// it (the streams fell behind).
    pub(crate) fn reason(&self) -> CloseReason {
        self.0.borrow().unwrap_or(CloseReason::FellBehind)
    }

    /// A receiver whose `wait_for(Option::is_some)` resolves once the connection is told to
    /// close (keep one per task: making one per wait costs on every frame).
    pub(crate) fn watch(&self) -> watch::Receiver<Option<CloseReason>> {
        self.0.subscribe()
    }
}

/// Resolves with the reason once `told` says to close.
pub(crate) async fn told_to_close(told: &mut watch::Receiver<Option<CloseReason>>) -> CloseReason {
    match told.wait_for(Option::is_some).await {
        Ok(reason) => reason.unwrap_or(CloseReason::FellBehind),
        // The signal is gone with its connection.
        Err(_) => CloseReason::Done,
    }
}

/// A connection's outbound queue.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub frames: mpsc::Sender<Utf8Bytes>,
    pub signal: Arc<Signal>,
}

impl Outbox {
    /// Queues a frame; false when the connection is gone or fell behind (it is then told to
    /// close).
    fn push(&self, frame: String) -> bool {
        match self.frames.try_send(Utf8Bytes::from(frame)) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.signal.close(CloseReason::FellBehind);
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }
}

/// What a subscription watches, as the index knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Orders(AccountId),
    Positions(AccountId),
    Balances(AccountId),
    Books(MarketId),
    Trades(MarketId),
}

fn keys(account: AccountId, subscription: &Subscription) -> Vec<Key> {
    let markets = || subscription.markets.iter().flatten().copied();
    match subscription.kind {
        SubscriptionType::Order => vec![Key::Orders(account)],
        SubscriptionType::Position => vec![Key::Positions(account)],
        SubscriptionType::AccountBalance => vec![Key::Balances(account)],
        SubscriptionType::MarketData | SubscriptionType::MarketDataLite => markets().map(Key::Books).collect(),
        SubscriptionType::Trade => markets().map(Key::Trades).collect(),
        SubscriptionType::OrderSnapshot | SubscriptionType::Rfq => Vec::new(),
    }
}

struct Conn {
    account: AccountId,
    outbox: Outbox,
    subscriptions: Vec<Subscription>,
}

#[derive(Default)]
struct Fanout {
    conns: HashMap<ConnId, Conn>,
    watchers: HashMap<Key, Vec<ConnId>>,
    /// The latest book of each market with debounced watchers, not yet sent.
    pending: HashMap<MarketId, Box<BookView>>,
    /// Connections that fell behind or left while an item was sent.
    dead: Vec<ConnId>,
}

/// Starts the fan-out thread on the tap's channel; it ends when the tap's sender is dropped
/// (the sequencer stopped), telling every connection the server is stopping.
pub(crate) fn spawn(items: Receiver<Vec<Tapped>>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name("stream-fanout".into()).spawn(move || run(items))
}

fn run(items: Receiver<Vec<Tapped>>) {
    let mut fanout = Fanout::default();
    let mut next_flush = Instant::now() + DEBOUNCE;
    loop {
        let wait =
            if fanout.pending.is_empty() { DEBOUNCE } else { next_flush.saturating_duration_since(Instant::now()) };
        match items.recv_timeout(wait) {
            Ok(batch) => {
                for item in batch {
                    fanout.apply(item);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let now = Instant::now();
        if now >= next_flush {
            fanout.flush_debounced();
            next_flush = now + DEBOUNCE;
        }
    }
    for conn in fanout.conns.values() {
        conn.outbox.signal.close(CloseReason::Stopping);
    }
}

impl Fanout {
    fn apply(&mut self, item: Tapped) {
        match item {
            Tapped::Connected { conn, account, outbox } => {
                self.conns.insert(conn, Conn { account, outbox, subscriptions: Vec::new() });
            }
            Tapped::Subscribed { conn, subscription, snapshot } => self.subscribe(conn, subscription, snapshot),
            Tapped::Unsubscribed { conn, request_id } => self.unsubscribe(conn, &request_id),
            Tapped::Disconnected { conn } => self.remove(conn),
            Tapped::Execution { account, card, execution, ts } => {
                let market = execution.order.market;
                let targets = self.targets(Key::Orders(account), |subscription| {
                    subscription.kind == SubscriptionType::Order && wants(subscription, market)
                });
                if !targets.is_empty() {
                    let execution = wire::execution(&execution, card.as_ref().map(|card| card.facts()), ts);
                    self.deliver(
                        &targets,
                        &Payload::OrderUpdate(Box::new(OrderSubscriptionUpdate { execution })).to_json(),
                    );
                }
            }
            Tapped::Trade { card, trade, intents, ts } => {
                let targets =
                    self.targets(Key::Trades(card.id), |subscription| subscription.kind == SubscriptionType::Trade);
                if !targets.is_empty() {
                    let trade = wire::trade_update(card.facts(), &trade, intents, ts);
                    self.deliver(&targets, &Payload::Trade(Box::new(trade)).to_json());
                }
            }
            Tapped::Book(view) => {
                let market = view.card.id;
                self.send_book(&view, false);
                if !self.targets(Key::Books(market), |subscription| subscription.debounced).is_empty() {
                    self.pending.insert(market, view);
                }
            }
            Tapped::Position { account, change } => {
                let market = change.card.id;
                let targets = self.targets(Key::Positions(account), |subscription| {
                    subscription.kind == SubscriptionType::Position && wants(subscription, Some(market))
                });
                if !targets.is_empty() {
                    let change = wire::position_change(
                        change.card.facts(),
                        change.before.as_ref(),
                        &change.after,
                        change.cause,
                        change.trade,
                        change.ts,
                    );
                    self.deliver(&targets, &Payload::Position(Box::new(change)).to_json());
                }
            }
            Tapped::Balance { account, change } => {
                let targets = self.targets(Key::Balances(account), |subscription| {
                    subscription.kind == SubscriptionType::AccountBalance
                });
                if !targets.is_empty() {
                    let balance_change = wire::balance_change(change.before, change.after, change.cause, change.ts);
                    let payload = Payload::BalancesUpdate(Box::new(AccountBalancesUpdate { balance_change }));
                    self.deliver(&targets, &payload.to_json());
                }
            }
            Tapped::Reset => {
                for (_, conn) in self.conns.drain() {
                    conn.outbox.signal.close(CloseReason::FellBehind);
                }
                self.watchers.clear();
                self.pending.clear();
            }
        }
        self.bury();
    }

    fn subscribe(&mut self, conn_id: ConnId, subscription: Subscription, snapshot: Snapshot) {
        let Some(conn) = self.conns.get_mut(&conn_id) else { return };
        let frame = |payload: &PayloadJson| data_frame(&subscription.request_id, subscription.kind, payload);
        let mut alive = true;
        let mut push = |payload: PayloadJson| alive = alive && conn.outbox.push(frame(&payload));
        match snapshot {
            Snapshot::None => {}
            Snapshot::Orders(orders) => {
                let orders: Vec<String> = orders
                    .iter()
                    .map(|(order, card)| {
                        let order = wire::order(order, card.as_ref().map(|card| card.facts()));
                        serde_json::to_string(&order).unwrap_or_else(|_| "{}".to_owned())
                    })
                    .collect();
                for page in pages(&orders) {
                    push(page);
                }
            }
            Snapshot::Balance(balance) => {
                let balances = vec![wire::balance(&balance)];
                push(Payload::BalancesSnapshot(Box::new(AccountBalancesSnapshot { balances })).to_json());
            }
            Snapshot::Books(books) => {
                for view in &books {
                    push(book_payload(view, subscription.kind));
                }
            }
        }
        if !alive {
            self.dead.push(conn_id);
            return;
        }
        if subscription.kind == SubscriptionType::OrderSnapshot {
            return;
        }
        for key in keys(conn.account, &subscription) {
            let watchers = self.watchers.entry(key).or_default();
            if !watchers.contains(&conn_id) {
                watchers.push(conn_id);
            }
        }
        conn.subscriptions.push(subscription);
    }

    fn unsubscribe(&mut self, conn_id: ConnId, request_id: &str) {
        let Some(conn) = self.conns.get_mut(&conn_id) else { return };
        let Some(at) = conn.subscriptions.iter().position(|subscription| subscription.request_id == request_id) else {
            return;
        };
        let gone = conn.subscriptions.swap_remove(at);
        let still: Vec<Key> =
            conn.subscriptions.iter().flat_map(|subscription| keys(conn.account, subscription)).collect();
        for key in keys(conn.account, &gone) {
            if !still.contains(&key) {
                unwatch(&mut self.watchers, key, conn_id);
            }
        }
    }

    fn remove(&mut self, conn_id: ConnId) {
        let Some(conn) = self.conns.remove(&conn_id) else { return };
        for subscription in &conn.subscriptions {
            for key in keys(conn.account, subscription) {
                unwatch(&mut self.watchers, key, conn_id);
            }
        }
    }

    /// Drops the connections that fell behind or left (their writers close them).
    fn bury(&mut self) {
        while let Some(conn) = self.dead.pop() {
            self.remove(conn);
        }
    }

    /// The subscriptions watching `key` that `pick` selects, as (connection, index).
    fn targets(&self, key: Key, pick: impl Fn(&Subscription) -> bool) -> Vec<(ConnId, usize)> {
        let Some(watchers) = self.watchers.get(&key) else { return Vec::new() };
        let mut targets = Vec::new();
        for conn_id in watchers {
            let Some(conn) = self.conns.get(conn_id) else { continue };
            for (at, subscription) in conn.subscriptions.iter().enumerate() {
                if keys(conn.account, subscription).contains(&key) && pick(subscription) {
                    targets.push((*conn_id, at));
                }
            }
        }
        targets
    }

    /// Wraps one serialized payload for each target and queues it.
    fn deliver(&mut self, targets: &[(ConnId, usize)], payload: &PayloadJson) {
        for &(conn_id, at) in targets {
            let Some(conn) = self.conns.get(&conn_id) else { continue };
            let Some(subscription) = conn.subscriptions.get(at) else { continue };
            if !conn.outbox.push(data_frame(&subscription.request_id, subscription.kind, payload))
                && !self.dead.contains(&conn_id)
            {
                self.dead.push(conn_id);
            }
        }
    }

    /// Sends a book to its market's subscriptions that are `debounced` or not.
    fn send_book(&mut self, view: &BookView, debounced: bool) {
        for kind in [SubscriptionType::MarketData, SubscriptionType::MarketDataLite] {
            let targets = self.targets(Key::Books(view.card.id), |subscription| {
                subscription.kind == kind && subscription.debounced == debounced
            });
            if !targets.is_empty() {
                self.deliver(&targets, &book_payload(view, kind));
            }
        }
    }

    fn flush_debounced(&mut self) {
        let pending: Vec<Box<BookView>> = self.pending.drain().map(|(_, view)| view).collect();
        for view in pending {
            self.send_book(&view, true);
        }
        self.bury();
    }
}

fn unwatch(watchers: &mut HashMap<Key, Vec<ConnId>>, key: Key, conn_id: ConnId) {
    if let Some(conns) = watchers.get_mut(&key) {
        conns.retain(|conn| *conn != conn_id);
        if conns.is_empty() {
            watchers.remove(&key);
        }
    }
}

/// True when a private subscription's market filter lets `market` through.
fn wants(subscription: &Subscription, market: Option<MarketId>) -> bool {
    match &subscription.markets {
        None => true,
        Some(markets) => market.is_some_and(|market| markets.contains(&market)),
    }
}

fn book_payload(view: &BookView, kind: SubscriptionType) -> PayloadJson {
    let market = view.card.facts();
    if kind == SubscriptionType::MarketDataLite {
        Payload::MarketDataLite(Box::new(wire::market_data_lite(market, &view.bids, &view.offers))).to_json()
    } else {
        Payload::MarketData(Box::new(wire::market_data(market, &view.bids, &view.offers, view.ts))).to_json()
    }
}

/// The open orders (each already serialized) in `orderSubscriptionSnapshot` pages of at most
/// `PAGE_BYTES_MAX` bytes of orders (a single larger order gets a page of its own); the last
/// page, and only it, has `eof: true`. No orders is one empty last page.
fn pages(orders: &[String]) -> Vec<PayloadJson> {
    let mut pages = Vec::new();
    let mut page: Vec<&str> = Vec::new();
    let mut bytes = 0;
    let finish = |page: &[&str], eof: bool| PayloadJson {
        key: protocol::PAYLOAD_KEYS[0],
        json: format!("{{\"orders\":[{}],\"eof\":{eof}}}", page.join(",")),
    };
    for order in orders {
        if !page.is_empty() && bytes + order.len() + 1 > PAGE_BYTES_MAX {
            pages.push(finish(&page, false));
            page.clear();
            bytes = 0;
        }
        bytes += order.len() + 1;
        page.push(order);
    }
    pages.push(finish(&page, true));
    pages
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use engine::{MarketState, MarketStats};
    use types::{Price, Qty, Timestamp};

    use super::*;
    use crate::fixtures::market_spec;
    use crate::streams::tap::MarketCard;

    fn book(market: MarketId) -> Box<BookView> {
        let card = MarketCard {
            id: market,
            spec: Arc::new(market_spec("rain")),
            state: MarketState::Open,
            settlement: None,
            stats: MarketStats::default(),
        };
        Box::new(BookView { card, bids: vec![(Price(4_000), Qty::ONE)], offers: Vec::new(), ts: Timestamp(1) })
    }

    /// Connects `conn` with a queue of `capacity` frames and subscribes it to the book.
    fn watcher(fanout: &mut Fanout, conn: ConnId, capacity: usize) -> (mpsc::Receiver<Utf8Bytes>, Arc<Signal>) {
        let (frames, queue) = mpsc::channel(capacity);
        let signal = Arc::new(Signal::default());
        let market = MarketId(0);
        fanout.apply(Tapped::Connected {
            conn,
            account: AccountId(conn as u32),
            outbox: Outbox { frames, signal: signal.clone() },
        });
        let subscription = Subscription {
            request_id: format!("md{conn}"),
            kind: SubscriptionType::MarketData,
            markets: Some(HashSet::from([market])),
            debounced: false,
        };
        fanout.apply(Tapped::Subscribed { conn, subscription, snapshot: Snapshot::None });
        (queue, signal)
    }

    #[test]
    fn a_consumer_with_a_full_queue_is_told_to_close_and_the_others_get_every_frame() {
        let mut fanout = Fanout::default();
        let (mut fast, fast_signal) = watcher(&mut fanout, 1, 8);
        let (_slow, slow_signal) = watcher(&mut fanout, 2, 1);
        for _ in 0..3 {
            fanout.apply(Tapped::Book(book(MarketId(0))));
        }
        let mut received = 0;
        while let Ok(frame) = fast.try_recv() {
            assert!(
                frame.as_str().starts_with(
                    r#"{"requestId":"md1","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA","marketData":"#
                )
            );
            received += 1;
        }
        assert_eq!(received, 3);
        assert_eq!(*slow_signal.watch().borrow(), Some(CloseReason::FellBehind));
        assert_eq!(*fast_signal.watch().borrow(), None);
        assert!(!fanout.conns.contains_key(&2), "the slow connection left the table");
        assert_eq!(fanout.watchers[&Key::Books(MarketId(0))], vec![1]);
    }

    #[test]
    fn debounced_books_wait_for_the_tick_and_send_only_the_latest() {
        let mut fanout = Fanout::default();
        let (frames, mut queue) = mpsc::channel(8);
        fanout.apply(Tapped::Connected {
            conn: 1,
            account: AccountId(1),
            outbox: Outbox { frames, signal: Arc::new(Signal::default()) },
        });
        let subscription = Subscription {
            request_id: "d".into(),
            kind: SubscriptionType::MarketData,
            markets: Some(HashSet::from([MarketId(0)])),
            debounced: true,
        };
        fanout.apply(Tapped::Subscribed { conn: 1, subscription, snapshot: Snapshot::None });
        for qty in 1..=3 {
            let mut view = book(MarketId(0));
            view.bids[0].1 = Qty(qty * 10_000);
            fanout.apply(Tapped::Book(view));
        }
        assert!(queue.try_recv().is_err(), "nothing before the tick");
        fanout.flush_debounced();
        let frame = queue.try_recv().unwrap();
        assert!(frame.as_str().contains(r#""qty":"3""#), "the latest book: {}", frame.as_str());
        assert!(queue.try_recv().is_err(), "one frame per tick");
    }

    #[test]
    fn pages_stay_under_the_cap_and_only_the_last_says_eof() {
        let order = format!("{{\"id\":\"{}\"}}", "x".repeat(1000));
        let orders = vec![order; 1200];
        let paged = pages(&orders);
        assert!(paged.len() >= 3, "{}", paged.len());
        let mut seen = 0;
        for (at, page) in paged.iter().enumerate() {
            assert!(page.json.len() < PAGE_BYTES_MAX + 64, "page {at}: {} bytes", page.json.len());
            let value: serde_json::Value = serde_json::from_str(&page.json).unwrap();
            seen += value["orders"].as_array().unwrap().len();
            assert_eq!(value["eof"], at + 1 == paged.len());
        }
        assert_eq!(seen, 1200);
        let empty = pages(&[]);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].json, r#"{"orders":[],"eof":true}"#);
    }
}
