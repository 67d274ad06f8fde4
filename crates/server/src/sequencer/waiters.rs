//! Synchronous-execution waiters: a request that asked for `synchronousExecution` waits on a
//! oneshot channel that is woken when its order reaches a final state (or dropped at stop).

use std::collections::HashMap;

use engine::Event;
use tokio::sync::oneshot;
use types::OrderId;

/// The waiters, by order.
#[derive(Default)]
pub(super) struct Waiters {
    by_order: HashMap<OrderId, Vec<oneshot::Sender<()>>>,
}

impl Waiters {
    /// A receiver woken when `order` reaches a final state.
    pub(super) fn wait_for(&mut self, order: OrderId) -> oneshot::Receiver<()> {
        let (sender, receiver) = oneshot::channel();
        self.by_order.entry(order).or_default().push(sender);
        receiver
    }

    /// Wakes the waiters of every order that one command's `events` finished.
    pub(super) fn wake(&mut self, events: &[Event]) {
        if self.by_order.is_empty() {
            return;
        }
        for event in events {
            if let Event::Execution(execution) = event
                && execution.order.state.is_terminal()
                && let Some(waiters) = self.by_order.remove(&execution.order.id)
            {
                for waiter in waiters {
                    let _ = waiter.send(());
                }
            }
        }
    }
}
