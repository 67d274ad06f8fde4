//! The sequencer's side of the streams: what it captures after each command, for the fan-out.
//!
//! The tap lives in the sequencer's `Core`. It knows only which accounts and markets someone
//! watches (counts by kind), so a command nobody watches costs one check. After a watched
//! command it copies engine values, never wire text: the executions and trades of watched
//! accounts and markets, each changed market's whole book (once per command, however many
//! subscribers), and the positions and balances that moved, with the value before (the tap
//! keeps the last value it sent of each, seeded when the subscription is made). Building
//! the wire objects and serializing them is the fan-out thread's work.
//!
//! Everything leaves in one ordered channel: subscriptions (with their snapshot, taken on
//! this thread at that point of the journal) and captured changes alike, batch by batch. So
//! the fan-out sees a snapshot and then exactly the changes after it, and, since commands are
//! applied only once journaled, never a change that is not durable.
//!
//! The channel is bounded. If the fan-out ever falls that far behind, the tap drops what it
//! cannot hand over (and with it the queues of connections registered in it), forgets every
//! subscription, and tells the fan-out to close every connection with 1008 when the channel
//! has room again: clients reconnect and resubscribe, and matching never waits.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError};

use engine::{Engine, Event, ExecKind, Intent, LedgerCause, MarketSpec, MarketState, MarketStats, PositionView, Side};
use protocol::SubscriptionType;
use types::{AccountId, MarketId, OrderId, Price, Qty, Timestamp, TradeId};

use super::fanout::Outbox;
use crate::history::History;
use crate::wire::{BalanceFigures, MarketFacts, balance_figures};

/// Identifies a connection for as long as the server runs.
pub(crate) type ConnId = u64;

/// A market as the frames show it, without its book: cheap to copy (the spec is shared).
#[derive(Clone, Debug)]
pub(crate) struct MarketCard {
    pub id: MarketId,
    pub spec: Arc<MarketSpec>,
    pub state: MarketState,
    pub settlement: Option<Price>,
    pub stats: MarketStats,
}

impl MarketCard {
    pub(crate) fn facts(&self) -> MarketFacts<'_> {
        MarketFacts {
            id: self.id,
            spec: &self.spec,
            state: self.state,
            settlement: self.settlement,
            stats: &self.stats,
        }
    }
}

/// A market's whole book at one point, best levels first.
#[derive(Debug)]
pub(crate) struct BookView {
    pub card: MarketCard,
    pub bids: Vec<(Price, Qty)>,
    pub offers: Vec<(Price, Qty)>,
    pub ts: Timestamp,
}

/// What a new subscription starts from, taken at its point of the journal.
#[derive(Debug)]
pub(crate) enum Snapshot {
    /// Updates only (orders, positions, trades).
    None,
    /// The open orders, with their markets.
    Orders(Vec<(engine::Order, Option<MarketCard>)>),
    Balance(BalanceFigures),
    /// One book per subscribed market.
    Books(Vec<BookView>),
}

/// A subscription as the fan-out keeps it.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub request_id: String,
    pub kind: SubscriptionType,
    /// `None`: every market (private streams without `marketSlugs`).
    pub markets: Option<HashSet<MarketId>>,
    pub debounced: bool,
}

/// One item for the fan-out, in journal order.
#[derive(Debug)]
pub(crate) enum Tapped {
    Connected {
        conn: ConnId,
        account: AccountId,
        outbox: Outbox,
    },
    Subscribed {
        conn: ConnId,
        subscription: Subscription,
        snapshot: Snapshot,
    },
    Unsubscribed {
        conn: ConnId,
        request_id: String,
    },
    Disconnected {
        conn: ConnId,
    },
    Execution {
        account: AccountId,
        card: Option<MarketCard>,
        execution: Box<engine::Execution>,
        ts: Timestamp,
    },
    /// A trade, with the taker's and the maker's order intents.
    Trade {
        card: MarketCard,
        trade: engine::Trade,
        intents: (Option<Intent>, Option<Intent>),
        ts: Timestamp,
    },
    Book(Box<BookView>),
    Position {
        account: AccountId,
        change: Box<PositionChange>,
    },
    Balance {
        account: AccountId,
        change: BalanceChange,
    },
    /// The tap lost items: close every connection.
    Reset,
}

/// A position before and after one command.
#[derive(Debug)]
pub(crate) struct PositionChange {
    pub card: MarketCard,
    pub before: Option<PositionView>,
    pub after: PositionView,
    /// The ledger entry that moved it; `None` when only open orders did.
    pub cause: Option<LedgerCause>,
    pub trade: Option<TradeId>,
    pub ts: Timestamp,
}

/// A balance before and after one command.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BalanceChange {
    pub before: Option<BalanceFigures>,
    pub after: BalanceFigures,
    /// The ledger entry that moved it; `None` when only open orders did.
    pub cause: Option<LedgerCause>,
    pub ts: Timestamp,
}

/// Most batches waiting for the fan-out.
pub(crate) const FANOUT_QUEUE_MAX: usize = 4_096;

/// Who watches what, by kind: a count per account or market.
#[derive(Debug, Default)]
struct Interest {
    orders: HashMap<AccountId, u32>,
    positions: HashMap<AccountId, u32>,
    balances: HashMap<AccountId, u32>,
    books: HashMap<MarketId, u32>,
    trades: HashMap<MarketId, u32>,
}

impl Interest {
    fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.positions.is_empty()
            && self.balances.is_empty()
            && self.books.is_empty()
            && self.trades.is_empty()
    }
}

/// Moves `key`'s count by `by`; a count that reaches zero leaves the map.
fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, key: K, by: i32) {
    let count = map.get(&key).copied().unwrap_or(0).saturating_add_signed(by);
    if count == 0 {
        map.remove(&key);
    } else {
        map.insert(key, count);
    }
}

/// What a connection subscribed to, as the tap counts it.
#[derive(Debug)]
struct Watch {
    request_id: String,
    kind: SubscriptionType,
    markets: Vec<MarketId>,
}

/// The sequencer's side of the streams.
#[derive(Default)]
pub(crate) struct Tap {
    sender: Option<SyncSender<Vec<Tapped>>>,
    out: Vec<Tapped>,
    /// Items were lost; `Reset` is owed to the fan-out.
    broken: bool,
    interest: Interest,
    /// Each connection's account and subscriptions.
    conns: HashMap<ConnId, (AccountId, Vec<Watch>)>,
    specs: HashMap<MarketId, Arc<MarketSpec>>,
    /// The last position sent of each watched (account, market), and balance of each account.
    positions: HashMap<(AccountId, MarketId), PositionView>,
    balances: HashMap<AccountId, BalanceFigures>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap").field("conns", &self.conns.len()).field("broken", &self.broken).finish()
    }
}

impl Tap {
    /// Connects the tap to the fan-out (at server start; replay runs without one).
    pub(crate) fn attach(&mut self, sender: SyncSender<Vec<Tapped>>) {
        self.sender = Some(sender);
    }

    /// Registers a connection.
    pub(crate) fn connect(&mut self, conn: ConnId, account: AccountId, outbox: Outbox) {
        self.conns.insert(conn, (account, Vec::new()));
        self.out.push(Tapped::Connected { conn, account, outbox });
    }

    /// Registers a subscription of `conn` and sends its snapshot; the slugs are already
    /// resolved. Only the sequencer calls this, between commands.
    pub(crate) fn subscribe(
        &mut self,
        engine: &Engine,
        history: &History,
        conn: ConnId,
        subscription: Subscription,
        markets: Vec<MarketId>,
    ) {
        let Some((account, watches)) = self.conns.get_mut(&conn) else { return };
        let account = *account;
        let kind = subscription.kind;
        let snapshot = match kind {
            SubscriptionType::OrderSnapshot => {
                let orders = engine
                    .open_orders(account)
                    .into_iter()
                    .filter(|order| {
                        subscription.markets.as_ref().is_none_or(|set| order.market.is_some_and(|m| set.contains(&m)))
                    })
                    .map(|order| {
                        let card = order.market.and_then(|market| card(&mut self.specs, engine, market));
                        (order, card)
                    })
                    .collect();
                Snapshot::Orders(orders)
            }
            SubscriptionType::AccountBalance => match balance_figures(engine, history, account) {
                Some(figures) => {
                    self.balances.insert(account, figures);
                    Snapshot::Balance(figures)
                }
                None => Snapshot::None,
            },
            SubscriptionType::Position => {
                for (market, view) in engine.positions(account) {
                    self.positions.insert((account, market), view);
                }
                Snapshot::None
            }
            SubscriptionType::MarketData | SubscriptionType::MarketDataLite => Snapshot::Books(
                markets.iter().filter_map(|&market| book(&mut self.specs, engine, market, engine.now())).collect(),
            ),
            SubscriptionType::Order | SubscriptionType::Trade | SubscriptionType::Rfq => Snapshot::None,
        };
        if kind != SubscriptionType::OrderSnapshot {
            let watch = Watch { request_id: subscription.request_id.clone(), kind, markets };
            count(&mut self.interest, account, &watch, 1);
            watches.push(watch);
        }
        self.out.push(Tapped::Subscribed { conn, subscription, snapshot });
    }

    /// Ends one subscription of `conn`.
    pub(crate) fn unsubscribe(&mut self, conn: ConnId, request_id: String) {
        let Some((account, watches)) = self.conns.get_mut(&conn) else { return };
        let account = *account;
        if let Some(at) = watches.iter().position(|watch| watch.request_id == request_id) {
            let watch = watches.swap_remove(at);
            count(&mut self.interest, account, &watch, -1);
            self.forget_unwatched(account);
        }
        self.out.push(Tapped::Unsubscribed { conn, request_id });
    }

    /// Ends every subscription of `conn`.
    pub(crate) fn disconnect(&mut self, conn: ConnId) {
        let Some((account, watches)) = self.conns.remove(&conn) else { return };
        for watch in &watches {
            count(&mut self.interest, account, watch, -1);
        }
        self.forget_unwatched(account);
        self.out.push(Tapped::Disconnected { conn });
    }

    fn forget_unwatched(&mut self, account: AccountId) {
        if !self.interest.positions.contains_key(&account) {
            self.positions.retain(|(owner, _), _| *owner != account);
        }
        if !self.interest.balances.contains_key(&account) {
            self.balances.remove(&account);
        }
    }

    /// Captures what watchers of one applied command's `events` need.
    pub(crate) fn capture(&mut self, engine: &Engine, history: &History, ts: Timestamp, events: &[Event]) {
        if self.interest.is_empty() {
            return;
        }
        let mut books: Vec<MarketId> = Vec::new();
        // The (account, market) positions and the balances to look at after the command, with
        // the ledger cause when a ledger entry moved them (`None`: only open orders did).
        let mut positions: Vec<(AccountId, MarketId, Option<LedgerCause>)> = Vec::new();
        let mut balances: Vec<(AccountId, Option<LedgerCause>)> = Vec::new();
        let changed = |books: &mut Vec<MarketId>, market: MarketId| {
            if !books.contains(&market) {
                books.push(market);
            }
        };
        let mut last_trade: HashMap<AccountId, TradeId> = HashMap::new();
        for event in events {
            match event {
                Event::Execution(execution) => {
                    let order = &execution.order;
                    if self.interest.orders.contains_key(&order.account) {
                        let card = order.market.and_then(|market| card(&mut self.specs, engine, market));
                        self.out.push(Tapped::Execution {
                            account: order.account,
                            card,
                            execution: Box::new(execution.clone()),
                            ts,
                        });
                    }
                    if execution.kind != ExecKind::Rejected
                        && let Some(market) = order.market
                    {
                        changed(&mut books, market);
                        // Open orders move buying power, and reducing orders the quantity
                        // available to sell.
                        let account = order.account;
                        if self.interest.positions.contains_key(&account)
                            && !positions.iter().any(|(a, m, _)| *a == account && *m == market)
                        {
                            positions.push((account, market, None));
                        }
                        if self.interest.balances.contains_key(&account) && !balances.iter().any(|(a, _)| *a == account)
                        {
                            balances.push((account, None));
                        }
                    }
                }
                Event::Trade(trade) => {
                    if self.interest.trades.contains_key(&trade.market)
                        && let Some(card) = card(&mut self.specs, engine, trade.market)
                    {
                        let intent = |order: OrderId| {
                            events.iter().find_map(|event| match event {
                                Event::Execution(execution) if execution.order.id == order => {
                                    Some(execution.order.intent)
                                }
                                _ => None,
                            })
                        };
                        let intents = (intent(trade.taker.order), intent(trade.maker.order));
                        self.out.push(Tapped::Trade { card, trade: *trade, intents, ts });
                    }
                    last_trade.insert(trade.taker.account, trade.id);
                    last_trade.insert(trade.maker.account, trade.id);
                    changed(&mut books, trade.market);
                }
                Event::MarketStateChanged { market, .. } | Event::MarketSettled { market, .. } => {
                    changed(&mut books, *market);
                }
                Event::PositionChanged { account, market, .. } => {
                    if self.interest.positions.contains_key(account) {
                        let settled = engine.market(*market).is_some_and(|m| m.settlement.is_some());
                        let cause = if settled { LedgerCause::Resolution } else { LedgerCause::OrderExecution };
                        match positions.iter_mut().find(|(a, m, _)| a == account && m == market) {
                            Some((_, _, seen)) => *seen = seen.or(Some(cause)),
                            None => positions.push((*account, *market, Some(cause))),
                        }
                    }
                }
                Event::BalanceChanged { account, cause, .. } => {
                    if self.interest.balances.contains_key(account) {
                        match balances.iter_mut().find(|(a, _)| a == account) {
                            Some((_, seen)) => *seen = seen.or(Some(*cause)),
                            None => balances.push((*account, Some(*cause))),
                        }
                    }
                }
                Event::MarketCreated { .. }
                | Event::AccountCreated { .. }
                | Event::CashMoved { .. }
                | Event::Resolution(_) => {}
            }
        }
        for market in books {
            if self.interest.books.contains_key(&market)
                && let Some(view) = book(&mut self.specs, engine, market, ts)
            {
                self.out.push(Tapped::Book(Box::new(view)));
            }
        }
        for (account, market, cause) in positions {
            let Some(after) = engine.position(account, market) else { continue };
            let before = self.positions.get(&(account, market)).copied();
            // Without a ledger entry, only a change of what a read shows is sent.
            let flat = PositionView { position: engine::Position::default(), available: Qty::ZERO };
            if cause.is_none() && before.unwrap_or(flat) == after {
                continue;
            }
            let Some(card) = card(&mut self.specs, engine, market) else { continue };
            self.positions.insert((account, market), after);
            let trade = match cause {
                Some(LedgerCause::OrderExecution) => last_trade.get(&account).copied(),
                _ => None,
            };
            self.out.push(Tapped::Position {
                account,
                change: Box::new(PositionChange { card, before, after, cause, trade, ts }),
            });
        }
        for (account, cause) in balances {
            let Some(after) = balance_figures(engine, history, account) else { continue };
            let before = self.balances.get(&account).copied();
            if cause.is_none() && before == Some(after) {
                continue;
            }
            self.balances.insert(account, after);
            self.out.push(Tapped::Balance { account, change: BalanceChange { before, after, cause, ts } });
        }
    }

    /// Hands this batch's items to the fan-out (after each batch).
    pub(crate) fn flush(&mut self) {
        let Some(sender) = &self.sender else {
            self.out.clear();
            return;
        };
        if self.broken {
            match sender.try_send(vec![Tapped::Reset]) {
                Ok(()) => self.broken = false,
                Err(_) => {
                    self.out.clear();
                    return;
                }
            }
        }
        if self.out.is_empty() {
            return;
        }
        let items = std::mem::take(&mut self.out);
        match sender.try_send(items) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("stream fan-out fell behind: closing every stream connection");
                self.broken = true;
                self.interest = Interest::default();
                self.conns.clear();
                self.positions.clear();
                self.balances.clear();
            }
            Err(TrySendError::Disconnected(_)) => self.sender = None,
        }
    }
}

fn count(interest: &mut Interest, account: AccountId, watch: &Watch, by: i32) {
    match watch.kind {
        SubscriptionType::Order => add(&mut interest.orders, account, by),
        SubscriptionType::Position => add(&mut interest.positions, account, by),
        SubscriptionType::AccountBalance => add(&mut interest.balances, account, by),
        SubscriptionType::MarketData | SubscriptionType::MarketDataLite => {
            for &market in &watch.markets {
                add(&mut interest.books, market, by);
            }
        }
        SubscriptionType::Trade => {
            for &market in &watch.markets {
                add(&mut interest.trades, market, by);
            }
        }
        SubscriptionType::OrderSnapshot | SubscriptionType::Rfq => {}
    }
}

fn card(specs: &mut HashMap<MarketId, Arc<MarketSpec>>, engine: &Engine, id: MarketId) -> Option<MarketCard> {
    let market = engine.market(id)?;
    let spec = specs.entry(id).or_insert_with(|| Arc::new(market.spec.clone())).clone();
    Some(MarketCard { id, spec, state: market.state, settlement: market.settlement, stats: market.stats })
}

fn book(
    specs: &mut HashMap<MarketId, Arc<MarketSpec>>,
    engine: &Engine,
    id: MarketId,
    ts: Timestamp,
) -> Option<BookView> {
    let card = card(specs, engine, id)?;
    let bids = engine.depth(id, Side::Buy, usize::MAX);
    let offers = engine.depth(id, Side::Sell, usize::MAX);
    Some(BookView { card, bids, offers, ts })
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::sync_channel;

    use super::*;
    use crate::fixtures::engine_with_market;
    use crate::streams::fanout::Signal;

    fn outbox() -> Outbox {
        let (frames, _) = tokio::sync::mpsc::channel(4);
        Outbox { frames, signal: Arc::new(Signal::default()) }
    }

    fn book_subscription(market: MarketId) -> Subscription {
        Subscription {
            request_id: "md".into(),
            kind: SubscriptionType::MarketData,
            markets: Some(HashSet::from([market])),
            debounced: false,
        }
    }

    #[test]
    fn a_full_fan_out_channel_drops_everything_and_a_reset_follows() {
        let (engine, market) = engine_with_market("rain");
        let history = History::default();
        let (sender, items) = sync_channel(1);
        let mut tap = Tap::default();
        tap.attach(sender);
        tap.connect(1, AccountId(0), outbox());
        tap.subscribe(&engine, &history, 1, book_subscription(market), vec![market]);
        tap.flush();
        assert!(!tap.interest.is_empty());

        // The fan-out has not taken the first batch: the second does not fit.
        tap.connect(2, AccountId(0), outbox());
        tap.flush();
        assert!(tap.broken && tap.interest.is_empty() && tap.conns.is_empty(), "{tap:?}");
        tap.capture(&engine, &history, Timestamp(2), &[Event::MarketSettled { market, value: Price(10_000) }]);
        assert!(tap.out.is_empty(), "nothing is captured for forgotten subscriptions");

        let first = items.try_recv().unwrap();
        assert!(matches!(first[..], [Tapped::Connected { conn: 1, .. }, Tapped::Subscribed { conn: 1, .. }]));
        tap.flush();
        assert!(matches!(items.try_recv().unwrap()[..], [Tapped::Reset]));
        assert!(!tap.broken);
    }

    #[test]
    fn a_command_nobody_watches_captures_nothing_and_a_watched_one_its_book_once() {
        let (engine, market) = engine_with_market("rain");
        let history = History::default();
        let mut tap = Tap::default();
        let settled = [
            Event::MarketStateChanged { market, state: MarketState::Halted },
            Event::MarketSettled { market, value: Price(10_000) },
        ];
        tap.capture(&engine, &history, Timestamp(2), &settled);
        assert!(tap.out.is_empty());
        tap.connect(1, AccountId(0), outbox());
        tap.subscribe(&engine, &history, 1, book_subscription(market), vec![market]);
        tap.out.clear();
        tap.capture(&engine, &history, Timestamp(2), &settled);
        assert!(matches!(tap.out[..], [Tapped::Book(_)]), "one book for two changes: {:?}", tap.out);
        tap.out.clear();
        tap.disconnect(1);
        assert!(tap.interest.is_empty());
        assert!(matches!(tap.out[..], [Tapped::Disconnected { conn: 1 }]));
    }
}
