//! Administration: markets, accounts, cash movements, settlement and the day roll.

use types::{AccountId, Cash, MarketId, Price, Qty};

use crate::account::Account;
use crate::command::{MarketSpec, MarketState};
use crate::engine::{Engine, Reply, limits};
use crate::error::EngineError;
use crate::event::{CashKind, Event, ExecKind, LedgerCause, Resolution, ResolutionSide, emit};
use crate::market::Market;
use crate::order::{Tif, Transition};
use crate::position::Position;
use crate::reject::{Note, UnsolicitedCancel};

impl Engine {
    #[inline(never)]
    pub(crate) fn create_market(&mut self, spec: &MarketSpec, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if self.market_by_slug.contains_key(spec.slug.as_str()) {
            return Err(EngineError::DuplicateMarket);
        }
        if self.markets.len() >= limits::MARKETS_MAX {
            return Err(EngineError::InvalidMarketSpec("too many markets"));
        }
        let id = MarketId(self.markets.len() as u32);
        let market = Market::new(id, spec.clone())?;
        self.market_by_slug.insert(spec.slug.clone().into_boxed_str(), id);
        self.markets.push(market);
        emit(out, || Event::MarketCreated { market: id });
        Ok(Reply::Market(id))
    }

    #[inline(never)]
    pub(crate) fn set_market_state(
        &mut self,
        id: MarketId,
        state: MarketState,
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        let market = self.markets.get_mut(id.get() as usize).ok_or(EngineError::UnknownMarket)?;
        if market.state == MarketState::Expired {
            return Err(EngineError::MarketSettled);
        }
        if state == MarketState::Expired {
            return Err(EngineError::InvalidStateChange);
        }
        market.state = state;
        // Suspension is maintenance: its books are emptied (docs/trading.md §16). A halt or a
        // pre-open keeps resting orders; they just cannot trade or be modified.
        if state == MarketState::Suspended {
            self.cancel_market_orders(id, Note::MarketSuspended, out);
        }
        emit(out, || Event::MarketStateChanged { market: id, state });
        Ok(Reply::None)
    }

    /// Cancels every resting order of a market, in ascending order id, as system cancels.
    fn cancel_market_orders(&mut self, id: MarketId, note: Note, out: &mut Vec<Event>) {
        // `live` yields ascending order ids.
        let resting: Vec<u32> = self.store.live().filter(|&at| self.store.get(at).order.market == Some(id)).collect();
        for at in resting {
            let unsolicited = Some(UnsolicitedCancel::Other);
            self.end_resting(at, Transition::Cancel, ExecKind::Canceled, note, unsolicited, out);
        }
    }

    #[inline(never)]
    pub(crate) fn create_account(&mut self, name: &str, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if name.is_empty() || name.len() > 200 {
            return Err(EngineError::InvalidAccountName);
        }
        if self.account_by_name.contains_key(name) {
            return Err(EngineError::DuplicateAccount);
        }
        if self.accounts.len() >= limits::ACCOUNTS_MAX {
            return Err(EngineError::TooManyAccounts);
        }
        let id = AccountId(self.accounts.len() as u32);
        self.accounts.push(Account::new(id, name.into()));
        self.account_by_name.insert(name.into(), id);
        emit(out, || Event::AccountCreated { account: id });
        Ok(Reply::Account(id))
    }

    #[inline(never)]
    pub(crate) fn deposit(
        &mut self,
        account: AccountId,
        amount: Cash,
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        if self.account(account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        // The cap is on cash outstanding (deposits less withdrawals), which bounds every
        // balance; money that has left makes room again.
        let outstanding = self.ledger.deposits - self.ledger.withdrawals + i128::from(amount.units());
        if amount.units() <= 0 || outstanding > i128::from(limits::DEPOSITS_MAX.units()) {
            return Err(EngineError::InvalidAmount);
        }
        self.ledger.deposits += i128::from(amount.units());
        self.move_cash(account, CashKind::Deposit, amount, out);
        Ok(Reply::None)
    }

    #[inline(never)]
    pub(crate) fn withdraw(
        &mut self,
        account_id: AccountId,
        amount: Cash,
        out: &mut Vec<Event>,
    ) -> Result<Reply, EngineError> {
        let account = self.account(account_id).ok_or(EngineError::UnknownAccount)?;
        if amount.units() <= 0 {
            return Err(EngineError::InvalidAmount);
        }
        // What stays must cover margin and the largest per-market reservation.
        if account.free() - i128::from(amount.units()) < self.reservation_max(account_id) {
            return Err(EngineError::InsufficientFunds);
        }
        self.ledger.withdrawals += i128::from(amount.units());
        self.move_cash(account_id, CashKind::Withdrawal, amount, out);
        Ok(Reply::None)
    }

    fn move_cash(&mut self, account_id: AccountId, kind: CashKind, amount: Cash, out: &mut Vec<Event>) {
        self.counters.transaction += 1;
        let account = &mut self.accounts[account_id.get() as usize];
        let (delta, cause) = match kind {
            CashKind::Deposit => (amount.units(), LedgerCause::Deposit),
            CashKind::Withdrawal => (-amount.units(), LedgerCause::Withdrawal),
        };
        account.cash = Cash(account.cash.units() + delta);
        emit(out, || Event::CashMoved { account: account_id, kind, amount, transaction: self.counters.transaction });
        emit(out, || Event::BalanceChanged {
            account: account_id,
            cash: account.cash,
            margin: account.margin,
            delta: Cash(delta),
            cause,
        });
    }

    /// Settles a market: cancels its orders (ascending id), pays every position (ascending
    /// account id), marks positions expired and the market `Expired`.
    #[inline(never)]
    pub(crate) fn settle(&mut self, id: MarketId, value: Price, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        let market = self.market(id).ok_or(EngineError::UnknownMarket)?;
        if market.state == MarketState::Expired {
            return Err(EngineError::MarketSettled);
        }
        if value > Price::ONE {
            return Err(EngineError::InvalidSettlement);
        }
        self.cancel_market_orders(id, Note::MarketSettled, out);
        let side = match value {
            Price::ONE => ResolutionSide::Long,
            Price::ZERO => ResolutionSide::Short,
            _ => ResolutionSide::Neutral,
        };
        let now = self.now;
        for account_index in 0..self.accounts.len() {
            let account = &mut self.accounts[account_index];
            let Some(index) = account.markets.get(id) else { continue };
            let state = &mut self.states[index as usize];
            let before = state.position;
            let net = before.net.units();
            // A long receives value x q; a short pays value x |q| and gets its margin back.
            let payout = i64::from(value.units()) * net;
            let margin_release = (-net).max(0) * i64::from(Price::ONE.units());
            let after = Position {
                net: Qty::ZERO,
                cost: Cash::ZERO,
                realized: Cash(before.realized.units().saturating_add(payout - before.cost.units())),
                expired: true,
                ts_updated: now,
                ..before
            };
            state.position = after;
            account.cash = Cash(account.cash.units() + payout);
            account.margin = Cash(account.margin.units() - margin_release);
            let (cash, margin, account_id) = (account.cash, account.margin, account.id);
            if net != 0 {
                emit(out, || {
                    Event::Resolution(Resolution {
                        account: account_id,
                        market: id,
                        before,
                        after,
                        side,
                        value,
                        payout: Cash(payout),
                    })
                });
            }
            emit(out, || Event::PositionChanged { account: account_id, market: id, position: after });
            if net != 0 {
                emit(out, || Event::BalanceChanged {
                    account: account_id,
                    cash,
                    margin,
                    delta: Cash(payout),
                    cause: LedgerCause::Resolution,
                });
            }
        }
        let market = &mut self.markets[id.get() as usize];
        market.state = MarketState::Expired;
        market.settlement = Some(value);
        market.stats.open_interest = Qty::ZERO;
        emit(out, || Event::MarketSettled { market: id, value });
        emit(out, || Event::MarketStateChanged { market: id, state: MarketState::Expired });
        Ok(Reply::None)
    }

    /// The day roll: every resting DAY order ends with `DONE_FOR_DAY` (ascending id).
    #[inline(never)]
    pub(crate) fn end_of_day(&mut self, out: &mut Vec<Event>) -> Reply {
        // `live` yields ascending order ids.
        let day: Vec<u32> = self.store.live().filter(|&at| self.store.get(at).order.tif == Tif::Day).collect();
        for at in day {
            self.end_resting(at, Transition::Expire, ExecKind::DoneForDay, Note::DoneForDay, None, out);
        }
        Reply::None
    }
}

#[cfg(test)]
mod tests {
    use types::{Seq, Timestamp};

    use crate::command::{Command, Op};
    use crate::engine::Engine;
    use crate::error::EngineError;

    fn create(engine: &mut Engine, name: &str) -> Result<crate::engine::Reply, EngineError> {
        let command = Command { seq: Seq(1), ts: Timestamp(1), op: Op::CreateAccount { name: name.into() } };
        engine.apply(&command, &mut Vec::new())
    }

    #[test]
    fn account_names_are_checked() {
        let mut engine = Engine::new();
        assert_eq!(create(&mut engine, ""), Err(EngineError::InvalidAccountName));
        assert_eq!(create(&mut engine, &"x".repeat(201)), Err(EngineError::InvalidAccountName));
        assert!(create(&mut engine, "alice").is_ok());
        assert_eq!(create(&mut engine, "alice"), Err(EngineError::DuplicateAccount));
    }
}
