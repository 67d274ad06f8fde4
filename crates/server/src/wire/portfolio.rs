//! Positions, balances and activities on the wire.

use engine::{BalanceView, CashKind, Position, PositionView, Resolution, ResolutionSide, Trade};
use protocol::{
    AccountBalanceChange, AccountBalanceChangeStatus, Activity, ActivityType, Amount, PRICE_DP, PositionResolution,
    PositionResolutionSide, TradeState, UserBalance, UserPosition, format_timestamp,
};
use types::{AccountId, Cash, Qty, Timestamp};

use crate::history;

use super::markets::{MarketFacts, metadata};
use super::values::{cash_number, qty_decimal};

/// A position with its figures derived from open orders.
pub(crate) fn position(view: &PositionView, market: MarketFacts<'_>) -> UserPosition {
    user_position(&view.position, view.available, Some(market))
}

fn user_position(position: &Position, available: Qty, market: Option<MarketFacts<'_>>) -> UserPosition {
    let net = position.net;
    let mark = market.and_then(|market| market.settlement.or(market.stats.last_trade_px));
    let cash_value = match mark.and_then(|mark| mark.notional(net)) {
        Some(value) => value,
        None => position.cost,
    };
    let avg_px = (!net.is_zero()).then(|| {
        let units = engine::div_round_half_even(i128::from(position.cost.units()).abs(), i128::from(net.units()).abs());
        Amount::from_units(units, PRICE_DP, 2)
    });
    UserPosition {
        net_position: Some(net.whole_contracts().to_string()),
        qty_bought: Some(position.bought.whole_contracts().to_string()),
        qty_sold: Some(position.sold.whole_contracts().to_string()),
        cost: Some(Amount::cash(position.cost)),
        realized: Some(Amount::cash(position.realized)),
        bod_position: Some("0".to_owned()),
        expired: Some(position.expired),
        update_time: Some(format_timestamp(position.ts_updated)),
        market_metadata: market.map(metadata),
        cash_value: Some(Amount::cash(cash_value)),
        qty_available: Some(available.whole_contracts().to_string()),
        net_position_decimal: Some(qty_decimal(net)),
        qty_bought_decimal: Some(qty_decimal(position.bought)),
        qty_sold_decimal: Some(qty_decimal(position.sold)),
        bod_position_decimal: Some(qty_decimal(Qty::ZERO)),
        qty_available_decimal: Some(qty_decimal(available)),
        avg_px,
        fees: Some(Amount::cash(position.fees)),
        ..UserPosition::default()
    }
}

/// An account's balance figures: the engine's view, when a ledger entry last moved it, and
/// the value of its positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BalanceFigures {
    pub view: BalanceView,
    pub updated: Timestamp,
    pub asset_notional: Cash,
}

/// An account's balance figures now (`None` for an unknown account).
pub(crate) fn balance_figures(
    engine: &engine::Engine,
    history: &history::History,
    account: AccountId,
) -> Option<BalanceFigures> {
    let view = engine.balance(account)?;
    Some(BalanceFigures {
        view,
        updated: history.balance_updated(account),
        asset_notional: asset_notional(engine, account),
    })
}

/// The value of an account's positions (`assetNotional`): each at its market's last trade
/// price, or at its average cost when the market never traded.
fn asset_notional(engine: &engine::Engine, account: AccountId) -> Cash {
    let notional: i128 = engine
        .positions(account)
        .iter()
        .filter_map(|(market, view)| {
            let market = engine.market(*market)?;
            let net = i128::from(view.position.net.units()).abs();
            let mark = match market.stats.last_trade_px {
                Some(px) => i128::from(px.units()),
                None if net > 0 => i128::from(view.position.cost.units()).abs() / net,
                None => 0,
            };
            Some(net * mark)
        })
        .sum();
    Cash(i64::try_from(notional).unwrap_or(i64::MAX))
}

/// The account's USD balance.
pub(crate) fn balance(figures: &BalanceFigures) -> UserBalance {
    let BalanceFigures { view, updated: last_updated, asset_notional } = *figures;
    let zero = || Some(cash_number(Cash::ZERO));
    UserBalance {
        current_balance: Some(cash_number(view.cash)),
        currency: Some(protocol::USD.to_owned()),
        last_updated: Some(format_timestamp(last_updated)),
        buying_power: Some(cash_number(view.buying_power)),
        asset_notional: Some(cash_number(asset_notional)),
        asset_available: zero(),
        pending_credit: zero(),
        open_orders: Some(cash_number(view.open_orders)),
        unsettled_funds: zero(),
        pending_withdrawals: Vec::new(),
        margin_requirement: Some(cash_number(view.margin)),
        balance_reservation: zero(),
    }
}

/// One side of a trade as an activity: `aggressor` picks the taker's side, else the maker's.
pub(super) fn trade_activity(
    trade: &Trade,
    aggressor: bool,
    market: Option<MarketFacts<'_>>,
    ts: Timestamp,
) -> Activity {
    let side = if aggressor { &trade.taker } else { &trade.maker };
    let time = format_timestamp(ts);
    Activity {
        activity_type: ActivityType::Trade,
        trade: Some(protocol::Trade {
            id: Some(trade.id.to_string()),
            market_slug: market.map(|market| market.spec.slug.clone()),
            state: Some(TradeState::Cleared),
            create_time: Some(time.clone()),
            update_time: Some(time),
            price: Some(Amount::price(trade.px)),
            qty: Some(trade.qty.whole_contracts().to_string()),
            qty_decimal: Some(qty_decimal(trade.qty)),
            is_aggressor: Some(aggressor),
            cost_basis: Some(Amount::cash(side.cost_basis)),
            realized_pnl: Some(Amount::cash(side.realized_pnl)),
        }),
        position_resolution: None,
        account_balance_change: None,
    }
}

/// A position closed by settlement, as an activity.
pub(super) fn resolution_activity(resolution: &Resolution, market: Option<MarketFacts<'_>>, ts: Timestamp) -> Activity {
    let side = match resolution.side {
        ResolutionSide::Long => PositionResolutionSide::Long,
        ResolutionSide::Short => PositionResolutionSide::Short,
        ResolutionSide::Neutral => PositionResolutionSide::Neutral,
    };
    Activity {
        activity_type: ActivityType::PositionResolution,
        trade: None,
        position_resolution: Some(PositionResolution {
            market_slug: market.map(|market| market.spec.slug.clone()),
            // Settlement cancels the market's orders first, so the whole position was free.
            before_position: Some(user_position(&resolution.before, resolution.before.net.abs(), market)),
            after_position: Some(user_position(&resolution.after, resolution.after.net.abs(), market)),
            update_time: Some(format_timestamp(ts)),
            trade_id: None,
            side: Some(side),
        }),
        account_balance_change: None,
    }
}

/// A deposit or withdrawal (`Event::CashMoved`), as an activity in the flat form.
pub(super) fn cash_activity(kind: CashKind, amount: Cash, transaction: u64, ts: Timestamp) -> Activity {
    let activity_type = match kind {
        CashKind::Deposit => ActivityType::AccountDeposit,
        CashKind::Withdrawal => ActivityType::AccountWithdrawal,
    };
    let time = format_timestamp(ts);
    Activity {
        activity_type,
        trade: None,
        position_resolution: None,
        account_balance_change: Some(AccountBalanceChange {
            transaction_id: Some(transaction.to_string()),
            status: Some(AccountBalanceChangeStatus::Completed),
            amount: Some(Amount::cash(amount)),
            update_time: Some(time.clone()),
            create_time: Some(time),
        }),
    }
}

/// An entry of the history store's activity feed of `account`.
pub(crate) fn activity(activity: &history::Activity, account: AccountId, market: Option<MarketFacts<'_>>) -> Activity {
    match activity {
        history::Activity::Trade { ts, trade, aggressor } => {
            debug_assert_eq!(if *aggressor { trade.taker.account } else { trade.maker.account }, account);
            trade_activity(trade, *aggressor, market, *ts)
        }
        history::Activity::Resolution { ts, resolution } => resolution_activity(resolution, market, *ts),
        history::Activity::Cash { ts, kind, amount, transaction } => cash_activity(*kind, *amount, *transaction, *ts),
    }
}
