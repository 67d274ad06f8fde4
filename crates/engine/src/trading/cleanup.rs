//! The clean-up after fills: every account that traded is checked, in the order of its first
//! fill; excess reducing orders are canceled newest first, then, market by market, orders are
//! canceled newest first until the market's reservation fits the account's free cash.

use types::{AccountId, MarketId};

use crate::book::NIL;
use crate::engine::Engine;
use crate::event::{Event, ExecKind};
use crate::order::{Intent, Transition};
use crate::reject::{Note, UnsolicitedCancel};

impl Engine {
    // ----- clean-up after fills -----

    /// After fills, for every account that traded, in the order of its first fill: reducing
    /// orders beyond what is left of the position are canceled, then orders no longer funded.
    ///
    /// Only two kinds of account can be left unfunded, so only they are checked: one with
    /// state in more than one market, and `unchecked`, the taker of an order that was not
    /// risk-checked (a close). Within one market a fill never costs more buying power than
    /// it releases from the reservation: the reservation is the worst case of each side's
    /// orders all filling at their limits with their fee bounds, a fill happens at the limit
    /// or better, its fee is at most what it takes off the order's fee bound, and a checked
    /// taker's order was checked with its whole quantity at its limit (at the larger fee
    /// rate). But cash a fill spends in one market can be what another market's orders were
    /// funded with (each market is checked against the same free cash), and a close that
    /// shrinks the position uncovers the orders it covered (bids a short covered, offers a
    /// long covered).
    #[inline(never)]
    pub(super) fn clean_up(&mut self, traded_market: MarketId, unchecked: Option<AccountId>, out: &mut Vec<Event>) {
        // Cancels never fill, so the list does not change while it is walked.
        for at in 0..self.touched.len() {
            let (account, index) = self.touched[at];
            // Only resting orders are ever canceled here.
            if self.resting_count(account, Some(index)) == 0 {
                continue;
            }
            let state = &self.states[index as usize];
            let net = state.position.net.units();
            // Canceling SELL_LONG orders leaves the SELL_SHORT total alone: both tests can be
            // made now.
            let (long, short) = (net.max(0), (-net).max(0));
            let (over_long, over_short) = (state.exposure.sell_long > long, state.exposure.sell_short > short);
            let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
            let note = Note::PositionReduced;
            if over_long {
                self.cancel_reducing(account, traded_market, Intent::SellLong, note, unsolicited, long, out);
            }
            if over_short {
                self.cancel_reducing(account, traded_market, Intent::SellShort, note, unsolicited, short, out);
            }
            if !self.states[index as usize].others && unchecked != Some(account) {
                debug_assert!(self.funded(account), "a one-market account left unfunded by a checked fill");
            } else if !self.funded(account) {
                self.cancel_unfunded(account, out);
            }
        }
        self.touched.clear();
    }

    /// Whether every market's reservation fits the account's free cash: the usual answer,
    /// checked without the bookkeeping of `cancel_unfunded`.
    fn funded(&self, account: AccountId) -> bool {
        let holder = &self.accounts[account.get() as usize];
        let free = holder.free();
        holder.markets.all(|index| self.states[index as usize].reservation() <= free)
    }

    /// Cancels orders, newest first per market, until every market's reservation fits.
    /// Only orders whose cancel lowers the reservation are candidates: an order on the side
    /// that does not bind (or that closes a position) was funded and stays.
    #[cold]
    #[inline(never)]
    fn cancel_unfunded(&mut self, account: AccountId, out: &mut Vec<Event>) {
        let free = self.accounts[account.get() as usize].free();
        // Cancels never add or remove an account's states, so ranks stay valid.
        for rank in 0..self.accounts[account.get() as usize].markets.len() {
            let index = self.accounts[account.get() as usize].markets.index_at(rank);
            while let Some(at) = self.unfunded_victim(index, free) {
                let unsolicited = Some(UnsolicitedCancel::ExchangeOption);
                self.end_resting(at, Transition::Cancel, ExecKind::Canceled, Note::Unfunded, unsolicited, out);
            }
        }
    }

    /// The newest order of state `index` whose cancel lowers its reservation, while the
    /// reservation exceeds `free`.
    fn unfunded_victim(&self, index: u32, free: i128) -> Option<u32> {
        let state = &self.states[index as usize];
        let current = state.reservation();
        if current <= free {
            return None;
        }
        let mut at = state.tail;
        while at != NIL {
            let slot = self.store.get(at);
            let mut without = state.exposure;
            without.remove(slot.order.side(), slot.order.intent, slot.reserve());
            if without.reservation(state.position.net) < current {
                return Some(at);
            }
            at = slot.account_prev;
        }
        None
    }
}
