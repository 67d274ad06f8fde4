//! Close-position: cancel the caller's resting orders that reduce the same position, then an
//! immediate-or-cancel market order for the whole net position within the slippage bound.

use types::{AccountId, MarketId, Qty};

use crate::book::NIL;
use crate::command::{ClosePosition, MarketState};
use crate::engine::{Engine, Reply};
use crate::error::EngineError;
use crate::event::{Event, ExecKind};
use crate::order::{Intent, Order, OrderKind, Tif, Transition};
use crate::reject::{Note, RejectReason, UnsolicitedCancel};

impl Engine {
    // ----- close-position -----

    /// Closes the whole position in one market (docs/trading.md §5): cancels the
    /// account's resting reducing orders there, then sends an immediate-or-cancel market order
    /// for |net| within the slippage bound. A close is not risk-checked: selling a long or
    /// buying back a short only frees buying power; orders its fills leave unfunded are
    /// canceled by the clean-up.
    #[inline(never)]
    pub(crate) fn close_position(&mut self, close: &ClosePosition, out: &mut Vec<Event>) -> Result<Reply, EngineError> {
        if self.account(close.account).is_none() {
            return Err(EngineError::UnknownAccount);
        }
        let market_id = self.resolve_market(&close.market).ok_or(EngineError::UnknownMarket)?;
        let net = self.state(close.account, market_id).map_or(Qty::ZERO, |state| state.position.net);
        if net.is_zero() {
            return Err(EngineError::NoPosition);
        }
        let intent = if net.is_positive() { Intent::SellLong } else { Intent::SellShort };
        let id = self.next_order_id();
        let mut order = Order::incoming(id, close.account, Some(market_id), intent, OrderKind::Market, self.now);
        order.qty = net.abs();
        order.tif = Tif::ImmediateOrCancel;
        order.manual = close.manual;
        order.close_position = true;
        if self.markets[market_id.get() as usize].state != MarketState::Open {
            self.reject(&order, RejectReason::ExchangeClosed, Note::MarketNotOpen, out);
            return Ok(Reply::Order(id));
        }
        self.cancel_reducing(close.account, market_id, intent, Note::ClosePositionCanceled, None, 0, out);
        match self.plan_market(close.slippage, &mut order) {
            Ok(plan) => self.accept(&mut order, plan, out),
            Err((reason, note)) => self.reject(&order, reason, note, out),
        }
        Ok(Reply::Order(id))
    }

    /// Cancels the account's resting `intent` orders in a market, newest first, while their
    /// total exceeds `keep`.
    #[expect(clippy::too_many_arguments, reason = "the cancel's parts")]
    #[inline(never)]
    pub(super) fn cancel_reducing(
        &mut self,
        account: AccountId,
        market: MarketId,
        intent: Intent,
        note: Note,
        unsolicited: Option<UnsolicitedCancel>,
        keep: i64,
        out: &mut Vec<Event>,
    ) {
        let committed = |engine: &Engine| {
            let state = engine.state(account, market).expect("account state");
            match intent {
                Intent::SellLong => state.exposure.sell_long,
                _ => state.exposure.sell_short,
            }
        };
        let Some(state) = self.state(account, market) else { return };
        let mut at = state.tail;
        while at != NIL && committed(self) > keep {
            let slot = self.store.get(at);
            let previous = slot.account_prev;
            if slot.order.intent == intent {
                self.end_resting(at, Transition::Cancel, ExecKind::Canceled, note, unsolicited, out);
            }
            at = previous;
        }
    }
}
