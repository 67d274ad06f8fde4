//! The history store: what the engine forgets but traders ask about later.
//!
//! The engine keeps live orders only. The history store keeps, derived from the engine's
//! events: every order's latest snapshot (finished ones included) with all its executions and
//! their times, and each account's activities (trades, position resolutions, deposits and
//! withdrawals) in the order they happened, plus when each account's balance last changed.
//!
//! It is rebuilt by replaying the journal through the same `record` call as live traffic, so it
//! is a pure function of the journal like the engine (decision: in memory, no second store to
//! keep consistent; a later snapshot covers it with the engine).

use std::collections::HashMap;

use engine::{CashKind, Event, Execution, OrderState, Resolution, Trade};
use types::{AccountId, Cash, MarketId, OrderId, Timestamp};

/// One order's past.
#[derive(Clone, Debug)]
pub struct OrderHistory {
    /// The execution reports of this order, oldest first, each with its time.
    pub executions: Vec<(Timestamp, Execution)>,
}

impl OrderHistory {
    /// The latest snapshot of the order.
    pub fn last(&self) -> Option<&engine::Order> {
        self.executions.last().map(|(_, execution)| &execution.order)
    }
}

/// One entry of an account's activity feed.
#[derive(Clone, Debug)]
pub enum Activity {
    /// One side of a trade; `aggressor` when this account was the taker.
    Trade { ts: Timestamp, trade: Trade, aggressor: bool },
    /// A position closed by settlement.
    Resolution { ts: Timestamp, resolution: Resolution },
    /// A deposit or a withdrawal.
    Cash { ts: Timestamp, kind: CashKind, amount: Cash, transaction: u64 },
}

impl Activity {
    /// The market the activity concerns, if any.
    pub fn market(&self) -> Option<MarketId> {
        match self {
            Activity::Trade { trade, .. } => Some(trade.market),
            Activity::Resolution { resolution, .. } => Some(resolution.market),
            Activity::Cash { .. } => None,
        }
    }
}

/// Everything finished or past, by order and by account.
#[derive(Debug, Default)]
pub struct History {
    orders: HashMap<OrderId, OrderHistory>,
    activities: Vec<Vec<Activity>>,
    balance_updated: Vec<Timestamp>,
}

impl History {
    /// Records the events of one command applied at `ts`.
    pub fn record(&mut self, ts: Timestamp, events: &[Event]) {
        for event in events {
            match event {
                Event::Execution(execution) => {
                    self.orders
                        .entry(execution.order.id)
                        .or_insert_with(|| OrderHistory { executions: Vec::new() })
                        .executions
                        .push((ts, execution.clone()));
                }
                Event::Trade(trade) => {
                    self.push(trade.taker.account, Activity::Trade { ts, trade: *trade, aggressor: true });
                    self.push(trade.maker.account, Activity::Trade { ts, trade: *trade, aggressor: false });
                }
                Event::Resolution(resolution) => {
                    self.push(resolution.account, Activity::Resolution { ts, resolution: *resolution });
                }
                Event::CashMoved { account, kind, amount, transaction } => {
                    let activity = Activity::Cash { ts, kind: *kind, amount: *amount, transaction: *transaction };
                    self.push(*account, activity);
                    self.touch(*account, ts);
                }
                Event::BalanceChanged { account, .. } => self.touch(*account, ts),
                Event::AccountCreated { account } => self.touch(*account, ts),
                _ => {}
            }
        }
    }

    /// An order's history, whatever its state.
    pub fn order(&self, id: OrderId) -> Option<&OrderHistory> {
        self.orders.get(&id)
    }

    /// An account's activities, oldest first.
    pub fn activities(&self, account: AccountId) -> &[Activity] {
        self.activities.get(account.get() as usize).map_or(&[], Vec::as_slice)
    }

    /// When an account's balance last changed.
    pub fn balance_updated(&self, account: AccountId) -> Timestamp {
        self.balance_updated.get(account.get() as usize).copied().unwrap_or_default()
    }

    fn push(&mut self, account: AccountId, activity: Activity) {
        let index = account.get() as usize;
        if self.activities.len() <= index {
            self.activities.resize_with(index + 1, Vec::new);
        }
        self.activities[index].push(activity);
    }

    fn touch(&mut self, account: AccountId, ts: Timestamp) {
        let index = account.get() as usize;
        if self.balance_updated.len() <= index {
            self.balance_updated.resize(index + 1, Timestamp::default());
        }
        self.balance_updated[index] = ts;
    }
}

/// True for the states an order never leaves.
pub(crate) fn is_terminal(state: OrderState) -> bool {
    matches!(state, OrderState::Filled | OrderState::Canceled | OrderState::Rejected | OrderState::Expired)
}

/// True when an execution leaves its order in a final state.
pub(crate) fn ends_order(execution: &Execution) -> bool {
    is_terminal(execution.order.state)
}
