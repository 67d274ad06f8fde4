//! Conversions between engine values and protocol DTOs, both ways.
//!
//! Engine to wire: orders, executions, positions, balances, markets, books and activities.
//! Wire to engine: new orders, modifies, close-position, slippage, `maxBlockTime`, order ids.
//! The wire-to-engine side checks shape only (what a 400 is for): missing or contradictory
//! fields, negative sizes, malformed numbers and times. Business rules (price bounds, ticks,
//! funds, unknown markets, market state) are the engine's, which answers with a `REJECTED`
//! order. Every error message says what is wrong and how to fix it.
//!
//! Decisions (where the spec leaves the choice open):
//! - Ids travel as the decimal of the engine's integer ids; `order_id` accepts only that
//!   canonical form.
//! - `commissionsBasisPoints` / `makerCommissionsBasisPoints` are the market's taker / maker
//!   fee coefficient times 10,000 (0.0695 -> `"695"`, -0.0125 -> `"-125"`). The fee is
//!   quadratic (`coefficient x qty x p x (1 - p)`), so this is the coefficient in basis points,
//!   not a flat rate on notional.
//! - Order quantities are plain JSON numbers (`10`, `0.5`); `*Decimal` position fields have
//!   4 decimal places (`"19.6000"`); `lastShares`, trade and book quantities are minimal
//!   decimal strings (`"6"`, `"0.25"`); the deprecated integer fields truncate toward zero.
//! - `cashValue` is the position marked to market: net x the settlement price once settled,
//!   else net x the last trade price; with no trade yet, the cost basis. It is signed like
//!   `cost` (negative for a short).
//! - Position `avgPx` is |cost| / |net| (half to even, $0.0001), absent when flat.
//! - `bodPosition` is 0: pmx keeps no start-of-day snapshot.
//! - Balances: `assetAvailable`, `pendingCredit`, `unsettledFunds` and `balanceReservation`
//!   are 0 and `pendingWithdrawals` empty (SEMANTICS §4); money numbers have at least 2
//!   decimal places.
//! - Market display prices: the YES side's quote is the best ask (what buying YES costs now),
//!   the NO side's is 1 - best bid (what buying NO costs); absent when that side is empty.
//!   `currentPx` is the last trade price.
//! - `MarketStatus`: open -> OPEN, pre-open -> UNSPECIFIED, suspended -> CLOSED, halted ->
//!   HALTED, settled -> RESOLVED. `active` = open for orders; `closed` = settled.
//! - Activity trades are `TRADE_STATE_CLEARED` (matching is final); a deposit or withdrawal
//!   is `ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED` with the positive amount moved (the type
//!   says the direction).
//! - A missing `type` on a new order means `ORDER_TYPE_LIMIT`: a limit order without a price
//!   is then rejected, where guessing "market" could trade at any price.
//! - `TIME_IN_FORCE_GOOD_TILL_DATE` without `goodTillTime` is a 400.

use engine::{
    BalanceView, CashKind, ClosePosition, ExecKind, Intent, ManualIndicator, Market, MarketRef, MarketState, Modify,
    NewOrder, Note, OrderKind, Position, PositionView, RejectReason, Resolution, ResolutionSide, Side, Size, Slippage,
    Tif, Trade, UnsolicitedCancel,
};
use protocol::{
    AccountBalanceChange, AccountBalanceChangeStatus, Activity, ActivityType, Amount, BookEntry, CASH_DP,
    ClosePositionOrderRequest, CreateOrderRequest, ExecutionType, GetMarketSettlementResponse, Int64Text, JsonNumber,
    ManualOrderIndicator, MarketData, MarketDataLite, MarketMetadata, MarketSide, MarketStats, MarketStatus,
    ModifyOrderListEntry, ModifyOrderRequest, OrdRejectReason, OrderAction, OrderIntent, OrderSide, OrderType,
    OutcomeSide, PRICE_DP, PositionResolution, PositionResolutionSide, SettlementPriceCalculationMethod,
    SlippageTolerance, TimeInForce, TradeState, UnsolicitedCxlReason, UserBalance, UserPosition, format_timestamp,
    parse_timestamp,
};
use types::{AccountId, Cash, OrderId, Price, QTY_SCALE, Qty, Rate, Timestamp, format_units};

use crate::history;

/// Decimal places of `Qty`.
const QTY_DP: u32 = QTY_SCALE.ilog10();
/// Decimal places of `Rate`.
const RATE_DP: u32 = 6;

// ----- engine -> wire: orders and executions -----

/// An order as the wire shows it. `market` is `None` only for an order rejected because its
/// market is unknown; such an order has no `marketSlug`, metadata or commission rates.
pub(crate) fn order(order: &engine::Order, market: Option<&Market>) -> protocol::Order {
    let (outcome_side, action) = outcome_and_action(order.intent);
    protocol::Order {
        id: Some(order.id.to_string()),
        market_slug: market.map(|market| market.spec.slug.clone()),
        side: Some(order_side(order.side())),
        order_type: Some(order_type(order.kind)),
        price: order.price.map(Amount::price),
        quantity: Some(qty_number(order.qty)),
        cum_quantity: Some(qty_number(order.cum_qty)),
        leaves_quantity: Some(qty_number(order.leaves_qty)),
        tif: Some(time_in_force(order.tif)),
        good_till_time: order.good_till.map(format_timestamp),
        intent: Some(order_intent(order.intent)),
        market_metadata: market.map(metadata),
        state: Some(order_state(order.state)),
        commission_notional_total_collected: Some(Amount::cash(order.fees_total)),
        commissions_basis_points: market.map(|market| basis_points(market.spec.taker_rate)),
        maker_commissions_basis_points: market.map(|market| basis_points(market.spec.maker_rate)),
        avg_px: order.avg_px_units().map(|units| Amount::from_units(i128::from(units), PRICE_DP, 2)),
        cash_order_qty: order.cash_qty.map(Amount::cash),
        insert_time: Some(format_timestamp(order.ts_inserted)),
        create_time: Some(format_timestamp(order.ts_created)),
        outcome_side: Some(outcome_side),
        action: Some(action),
    }
}

/// An execution report at time `ts` (the time of the command that produced it).
pub(crate) fn execution(execution: &engine::Execution, market: Option<&Market>, ts: Timestamp) -> protocol::Execution {
    let fill = execution.fill;
    protocol::Execution {
        id: Some(execution.id.to_string()),
        order: Some(order(&execution.order, market)),
        last_shares: fill.map(|fill| qty_text(fill.qty)),
        last_px: fill.map(|fill| Amount::price(fill.px)),
        execution_type: Some(execution_type(execution.kind)),
        text: (execution.note != Note::None).then(|| execution.note.text().to_owned()),
        order_reject_reason: execution.reject.map(reject_reason),
        transact_time: Some(format_timestamp(ts)),
        trade_id: fill.map(|fill| fill.trade.to_string()),
        aggressor: fill.map(|fill| fill.aggressor),
        commission_notional_collected: fill.map(|fill| Amount::cash(fill.fee)),
        unsolicited_cancel_reason: execution.unsolicited.map(unsolicited_reason),
        ..protocol::Execution::default()
    }
}

// ----- engine -> wire: portfolio and account -----

/// A position with its figures derived from open orders.
pub(crate) fn position(view: &PositionView, market: &Market) -> UserPosition {
    user_position(&view.position, view.available, Some(market))
}

fn user_position(position: &Position, available: Qty, market: Option<&Market>) -> UserPosition {
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

/// The account's USD balance. `asset_notional` is the positions' value, computed by the
/// caller (it needs every market's mark).
pub(crate) fn balance(view: &BalanceView, last_updated: Timestamp, asset_notional: Cash) -> UserBalance {
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
pub(crate) fn trade_activity(trade: &Trade, aggressor: bool, market: Option<&Market>, ts: Timestamp) -> Activity {
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
pub(crate) fn resolution_activity(resolution: &Resolution, market: Option<&Market>, ts: Timestamp) -> Activity {
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
pub(crate) fn cash_activity(kind: CashKind, amount: Cash, transaction: u64, ts: Timestamp) -> Activity {
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
pub(crate) fn activity(activity: &history::Activity, account: AccountId, market: Option<&Market>) -> Activity {
    match activity {
        history::Activity::Trade { ts, trade, aggressor } => {
            debug_assert_eq!(if *aggressor { trade.taker.account } else { trade.maker.account }, account);
            trade_activity(trade, *aggressor, market, *ts)
        }
        history::Activity::Resolution { ts, resolution } => resolution_activity(resolution, market, *ts),
        history::Activity::Cash { ts, kind, amount, transaction } => cash_activity(*kind, *amount, *transaction, *ts),
    }
}

// ----- engine -> wire: markets -----

/// True when the market accepts orders (`Market.active`).
pub(crate) fn is_active(market: &Market) -> bool {
    market.state == MarketState::Open
}

/// True once trading has finished for good, i.e. the market settled (`Market.closed`).
pub(crate) fn is_closed(market: &Market) -> bool {
    market.state == MarketState::Expired
}

/// A market, with the current top of its book.
pub(crate) fn market(market: &Market, best_bid: Option<Price>, best_ask: Option<Price>) -> protocol::Market {
    let spec = &market.spec;
    let (long_quote, short_quote) = quotes(best_bid, best_ask);
    let market_id = i32::try_from(market.id.get()).ok();
    let side = |long: bool, quote: Option<Amount>, description: Option<String>| MarketSide {
        market_id,
        long: Some(long),
        description,
        quote,
        tradable: Some(is_active(market)),
        ..MarketSide::default()
    };
    protocol::Market {
        id: Some(market.id.to_string()),
        question: Some(spec.title.clone()),
        slug: Some(spec.slug.clone()),
        title: Some(spec.title.clone()),
        active: Some(is_active(market)),
        closed: Some(is_closed(market)),
        hidden: Some(false),
        archived: Some(false),
        status: Some(market_status(market)),
        order_price_min_tick_size: Some(JsonNumber::from_units(i128::from(spec.tick.units()), PRICE_DP)),
        minimum_trade_qty: Some(JsonNumber::from_units(i128::from(spec.min_qty.units()), QTY_DP)),
        fee_coefficient: Some(JsonNumber::from_units(i128::from(spec.taker_rate.units()), RATE_DP)),
        market_sides: vec![
            side(true, long_quote, (!spec.outcome.is_empty()).then(|| spec.outcome.clone())),
            side(false, short_quote, None),
        ],
        best_bid_quote: best_bid.map(Amount::price),
        best_ask_quote: best_ask.map(Amount::price),
        volume: Some(JsonNumber::from_units(i128::from(market.stats.shares_traded.units()), QTY_DP)),
        ..protocol::Market::default()
    }
}

/// The full book: `bids` and `offers` are aggregated levels, best first.
pub(crate) fn market_data(
    market: &Market,
    bids: &[(Price, Qty)],
    offers: &[(Price, Qty)],
    ts: Timestamp,
) -> MarketData {
    let levels = |levels: &[(Price, Qty)]| {
        levels.iter().map(|&(px, qty)| BookEntry { px: Some(Amount::price(px)), qty: Some(qty_text(qty)) }).collect()
    };
    MarketData {
        market_slug: Some(market.spec.slug.clone()),
        bids: levels(bids),
        offers: levels(offers),
        state: Some(market_state(market.state)),
        stats: Some(market_stats(market)),
        transact_time: Some(format_timestamp(ts)),
    }
}

/// The BBO. `bids` and `offers` are all the aggregated levels, best first: the depths count
/// them and the share totals sum them (rounded down to 2 significant figures).
pub(crate) fn market_data_lite(market: &Market, bids: &[(Price, Qty)], offers: &[(Price, Qty)]) -> MarketDataLite {
    let best = |levels: &[(Price, Qty)]| levels.first().map(|&(px, _)| px);
    let (best_bid, best_ask) = (best(bids), best(offers));
    let (long_quote, short_quote) = quotes(best_bid, best_ask);
    let depth = |levels: &[(Price, Qty)]| Some(i32::try_from(levels.len()).unwrap_or(i32::MAX));
    let shares = |levels: &[(Price, Qty)]| {
        let total: i128 = levels.iter().map(|&(_, qty)| i128::from(qty.units())).sum();
        Some(format_units(two_significant_figures(total), QTY_DP, 0))
    };
    let stats = &market.stats;
    MarketDataLite {
        market_slug: Some(market.spec.slug.clone()),
        current_px: stats.last_trade_px.map(Amount::price),
        last_trade_px: stats.last_trade_px.map(Amount::price),
        settlement_px: market.settlement.map(settlement_amount),
        best_bid: best_bid.map(Amount::price),
        best_ask: best_ask.map(Amount::price),
        bid_depth: depth(bids),
        ask_depth: depth(offers),
        bid_shares: shares(bids),
        ask_shares: shares(offers),
        shares_traded: Some(qty_text(stats.shares_traded)),
        open_interest: Some(qty_text(stats.open_interest)),
        long_quote,
        short_quote,
        state: Some(market_state(market.state)),
        last_price_sample: None,
    }
}

/// The settlement reply, once the market has settled.
pub(crate) fn settlement(market: &Market) -> Option<GetMarketSettlementResponse> {
    market.settlement.map(|value| GetMarketSettlementResponse {
        slug: market.spec.slug.clone(),
        settlement: JsonNumber::from_units_dp(i128::from(value.units()), PRICE_DP, PRICE_DP),
    })
}

fn market_stats(market: &Market) -> MarketStats {
    let stats = &market.stats;
    let settled = market.settlement.is_some();
    MarketStats {
        low_px: stats.low_px.map(Amount::price),
        high_px: stats.high_px.map(Amount::price),
        last_trade_px: stats.last_trade_px.map(Amount::price),
        settlement_px: market.settlement.map(settlement_amount),
        current_px: stats.last_trade_px.map(Amount::price),
        shares_traded: Some(qty_text(stats.shares_traded)),
        last_trade_qty: stats.last_trade_px.map(|_| qty_text(stats.last_trade_qty)),
        open_interest: Some(qty_text(stats.open_interest)),
        notional_traded: Some(Amount::cash(stats.notional_traded)),
        settlement_preliminary_flag: settled.then_some(false),
        last_trade_set_time: stats.ts_last_trade.map(format_timestamp),
        settlement_price_calculation_method: settled.then_some(SettlementPriceCalculationMethod::EventTier1),
        ..MarketStats::default()
    }
}

/// The display prices of the YES and NO sides: what buying each costs now.
fn quotes(best_bid: Option<Price>, best_ask: Option<Price>) -> (Option<Amount>, Option<Amount>) {
    let long = best_ask.map(Amount::price);
    let short = best_bid.and_then(Price::complement).map(Amount::price);
    (long, short)
}

/// A settlement price written with 4 decimal places, as production shows it (`"1.0000"`).
fn settlement_amount(value: Price) -> Amount {
    Amount::from_units(i128::from(value.units()), PRICE_DP, PRICE_DP)
}

/// `units` (non-negative) rounded down to its 2 most significant digits: 1234 -> 1200.
fn two_significant_figures(units: i128) -> i128 {
    let (mut leading, mut scale) = (units, 1i128);
    while leading >= 100 {
        leading /= 10;
        scale *= 10;
    }
    leading * scale
}

fn market_status(market: &Market) -> MarketStatus {
    match market.state {
        MarketState::Open => MarketStatus::Open,
        MarketState::Preopen => MarketStatus::Unspecified,
        MarketState::Suspended => MarketStatus::Closed,
        MarketState::Halted => MarketStatus::Halted,
        MarketState::Expired => MarketStatus::Resolved,
    }
}

fn market_state(state: MarketState) -> protocol::MarketState {
    match state {
        MarketState::Open => protocol::MarketState::Open,
        MarketState::Preopen => protocol::MarketState::Preopen,
        MarketState::Suspended => protocol::MarketState::Suspended,
        MarketState::Halted => protocol::MarketState::Halted,
        MarketState::Expired => protocol::MarketState::Expired,
    }
}

fn metadata(market: &Market) -> MarketMetadata {
    let spec = &market.spec;
    let text = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    MarketMetadata {
        slug: Some(spec.slug.clone()),
        title: text(&spec.title),
        outcome: text(&spec.outcome),
        event_slug: text(&spec.event_slug),
        ..MarketMetadata::default()
    }
}

// ----- engine -> wire: values -----

/// An order quantity as a JSON number: `10`, `0.5`.
fn qty_number(qty: Qty) -> JsonNumber {
    JsonNumber::from_units(i128::from(qty.units()), QTY_DP)
}

/// A quantity as a minimal decimal string: `"6"`, `"0.25"`.
fn qty_text(qty: Qty) -> String {
    format_units(i128::from(qty.units()), QTY_DP, 0)
}

/// A quantity with 4 decimal places: `"19.6000"`.
fn qty_decimal(qty: Qty) -> String {
    format_units(i128::from(qty.units()), QTY_DP, QTY_DP)
}

/// A balance figure as a JSON number with at least 2 decimal places.
fn cash_number(cash: Cash) -> JsonNumber {
    JsonNumber::from_units_dp(i128::from(cash.units()), CASH_DP, 2)
}

/// A fee coefficient in basis points: the rate's millionths divided by 100.
fn basis_points(rate: Rate) -> String {
    format_units(i128::from(rate.units()), RATE_DP - 4, 0)
}

fn order_side(side: Side) -> OrderSide {
    match side {
        Side::Buy => OrderSide::Buy,
        Side::Sell => OrderSide::Sell,
    }
}

fn order_type(kind: OrderKind) -> OrderType {
    match kind {
        OrderKind::Limit => OrderType::Limit,
        OrderKind::Market => OrderType::Market,
    }
}

fn order_intent(intent: Intent) -> OrderIntent {
    match intent {
        Intent::BuyLong => OrderIntent::BuyLong,
        Intent::SellLong => OrderIntent::SellLong,
        Intent::BuyShort => OrderIntent::BuyShort,
        Intent::SellShort => OrderIntent::SellShort,
    }
}

fn outcome_and_action(intent: Intent) -> (OutcomeSide, OrderAction) {
    match intent {
        Intent::BuyLong => (OutcomeSide::Yes, OrderAction::Buy),
        Intent::SellLong => (OutcomeSide::Yes, OrderAction::Sell),
        Intent::BuyShort => (OutcomeSide::No, OrderAction::Buy),
        Intent::SellShort => (OutcomeSide::No, OrderAction::Sell),
    }
}

fn time_in_force(tif: Tif) -> TimeInForce {
    match tif {
        Tif::Day => TimeInForce::Day,
        Tif::GoodTillCancel => TimeInForce::GoodTillCancel,
        Tif::GoodTillDate => TimeInForce::GoodTillDate,
        Tif::ImmediateOrCancel => TimeInForce::ImmediateOrCancel,
        Tif::FillOrKill => TimeInForce::FillOrKill,
    }
}

fn order_state(state: engine::OrderState) -> protocol::OrderState {
    use engine::OrderState as S;
    match state {
        S::New => protocol::OrderState::New,
        S::PartiallyFilled => protocol::OrderState::PartiallyFilled,
        S::Filled => protocol::OrderState::Filled,
        S::Canceled => protocol::OrderState::Canceled,
        S::Rejected => protocol::OrderState::Rejected,
        S::Expired => protocol::OrderState::Expired,
    }
}

fn execution_type(kind: ExecKind) -> ExecutionType {
    match kind {
        ExecKind::New => ExecutionType::New,
        ExecKind::PartialFill => ExecutionType::PartialFill,
        ExecKind::Fill => ExecutionType::Fill,
        ExecKind::Canceled => ExecutionType::Canceled,
        ExecKind::Replace => ExecutionType::Replace,
        ExecKind::Rejected => ExecutionType::Rejected,
        ExecKind::Expired => ExecutionType::Expired,
        ExecKind::DoneForDay => ExecutionType::DoneForDay,
    }
}

fn reject_reason(reason: RejectReason) -> OrdRejectReason {
    match reason {
        RejectReason::UnknownMarket => OrdRejectReason::UnknownMarket,
        RejectReason::IncorrectQuantity => OrdRejectReason::IncorrectQuantity,
        RejectReason::InvalidPriceIncrement => OrdRejectReason::InvalidPriceIncrement,
        RejectReason::IncorrectOrderType => OrdRejectReason::IncorrectOrderType,
        RejectReason::PriceOutOfBounds => OrdRejectReason::PriceOutOfBounds,
        RejectReason::ExchangeOption => OrdRejectReason::ExchangeOption,
        RejectReason::NoLiquidity => OrdRejectReason::NoLiquidity,
        RejectReason::ExchangeClosed => OrdRejectReason::ExchangeClosed,
    }
}

fn unsolicited_reason(cause: UnsolicitedCancel) -> UnsolicitedCxlReason {
    match cause {
        UnsolicitedCancel::ExchangeOption => UnsolicitedCxlReason::ExchangeOption,
        UnsolicitedCancel::Other => UnsolicitedCxlReason::Other,
    }
}

// ----- wire -> engine -----

/// A create-order request as an engine order (shape checks only).
pub(crate) fn new_order(request: &CreateOrderRequest, account: AccountId) -> Result<NewOrder, String> {
    let market = market_ref(&request.market_slug)?;
    let intent = intent_of(request)?;
    let kind = match request.order_type {
        None | Some(OrderType::Limit) => OrderKind::Limit,
        Some(OrderType::Market) => OrderKind::Market,
    };
    let price = request.price.as_ref().map(|price| price_of("price", price)).transpose()?;
    let size = match (&request.quantity, &request.cash_order_qty) {
        (Some(quantity), None) => Size::Qty(quantity_of("quantity", quantity)?),
        (None, Some(cash)) => Size::Cash(cash_of("cashOrderQty", cash)?),
        (Some(_), Some(_)) => {
            return Err("give either quantity (contracts) or cashOrderQty (dollars), not both".to_owned());
        }
        (None, None) => {
            return Err(
                "quantity is missing: give quantity in contracts (or cashOrderQty in dollars for a market buy)"
                    .to_owned(),
            );
        }
    };
    let tif = request.tif.map(tif_of);
    let good_till = good_till_of(request.good_till_time.as_deref())?;
    if tif == Some(Tif::GoodTillDate) && good_till.is_none() {
        return Err(
            "TIME_IN_FORCE_GOOD_TILL_DATE needs goodTillTime, an RFC 3339 time such as \"2026-12-01T17:00:00Z\""
                .to_owned(),
        );
    }
    Ok(NewOrder {
        account,
        market,
        intent,
        kind,
        price,
        size,
        tif,
        good_till,
        post_only: request.participate_dont_initiate.unwrap_or(false),
        slippage: request.slippage_tolerance.as_ref().map(slippage).transpose()?,
        manual: request.manual_order_indicator.map(manual_of),
    })
}

/// A single-order modify as an engine cancel-replace; absent fields keep their value.
pub(crate) fn modify(request: &ModifyOrderRequest, account: AccountId, order: OrderId) -> Result<Modify, String> {
    Ok(Modify {
        account,
        order,
        price: request.price.as_ref().map(|price| price_of("price", price)).transpose()?,
        qty: request.quantity.as_ref().map(|quantity| quantity_of("quantity", quantity)).transpose()?,
        tif: request.tif.map(tif_of),
        post_only: request.participate_dont_initiate,
        good_till: good_till_of(request.good_till_time.as_deref())?,
    })
}

/// One entry of a batched modify, as `modify` (the entry's `orderId` is parsed by the caller).
pub(crate) fn modify_entry(entry: &ModifyOrderListEntry, account: AccountId, order: OrderId) -> Result<Modify, String> {
    modify(&entry.to_request(), account, order)
}

/// A close-position request as an engine command.
pub(crate) fn close_position(request: &ClosePositionOrderRequest, account: AccountId) -> Result<ClosePosition, String> {
    Ok(ClosePosition {
        account,
        market: market_ref(&request.market_slug)?,
        slippage: request.slippage_tolerance.as_ref().map(slippage).transpose()?,
        manual: request.manual_order_indicator.map(manual_of),
    })
}

/// A slippage tolerance: the reference price must be a valid price, the tolerances not
/// negative. (Whether both tolerances absent means "no bound" is the engine's rule.)
pub(crate) fn slippage(tolerance: &SlippageTolerance) -> Result<Slippage, String> {
    let non_negative = |name: &str, value: Option<i32>| match value {
        Some(value) if value < 0 => {
            Err(format!("slippageTolerance.{name} must not be negative (got {value}); it is a distance from the price"))
        }
        _ => Ok(value),
    };
    Ok(Slippage {
        current_price: tolerance
            .current_price
            .as_ref()
            .map(|price| price_of("slippageTolerance.currentPrice", price))
            .transpose()?,
        bips: non_negative("bips", tolerance.bips)?,
        ticks: non_negative("ticks", tolerance.ticks)?,
    })
}

/// The synchronous wait (SEMANTICS §6): `Ok(None)` means "the default" (absent, zero or
/// negative: the caller waits the default, which is the cap); a value above `cap_s` is
/// clamped to it; text that is not an integer is an error (a 400).
pub(crate) fn max_block_time(value: Option<&Int64Text>, cap_s: u64) -> Result<Option<u64>, String> {
    let Some(value) = value else { return Ok(None) };
    let seconds = value
        .parse_i64()
        .map_err(|error| format!("maxBlockTime must be a whole number of seconds such as \"5\": {error}"))?;
    Ok(u64::try_from(seconds).ok().filter(|&seconds| seconds > 0).map(|seconds| seconds.min(cap_s)))
}

/// An order id in its canonical wire form (decimal digits, no sign or leading zeros).
pub(crate) fn order_id(text: &str) -> Option<OrderId> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return None;
    }
    text.parse().ok().map(OrderId)
}

fn market_ref(slug: &str) -> Result<MarketRef, String> {
    if slug.is_empty() {
        return Err("marketSlug is empty: name the market, e.g. \"nyc-rain-2026-12-01\"".to_owned());
    }
    Ok(MarketRef::Slug(slug.into()))
}

/// The intent: `outcomeSide` + `action` when both are given (they win over `intent`), else
/// `intent`.
fn intent_of(request: &CreateOrderRequest) -> Result<Intent, String> {
    let outcome = request.outcome_side.filter(|&side| side != OutcomeSide::Unspecified);
    if let (Some(outcome), Some(action)) = (outcome, request.action) {
        return Ok(match (outcome, action) {
            (OutcomeSide::No, OrderAction::Buy) => Intent::BuyShort,
            (OutcomeSide::No, OrderAction::Sell) => Intent::SellShort,
            (_, OrderAction::Buy) => Intent::BuyLong,
            (_, OrderAction::Sell) => Intent::SellLong,
        });
    }
    match request.intent {
        Some(OrderIntent::BuyLong) => Ok(Intent::BuyLong),
        Some(OrderIntent::SellLong) => Ok(Intent::SellLong),
        Some(OrderIntent::BuyShort) => Ok(Intent::BuyShort),
        Some(OrderIntent::SellShort) => Ok(Intent::SellShort),
        None => Err(match (outcome, request.action) {
            (Some(_), None) => {
                "outcomeSide needs action (ORDER_ACTION_BUY or ORDER_ACTION_SELL), or give intent instead"
            }
            (None, Some(_)) => "action needs outcomeSide (OUTCOME_SIDE_YES or OUTCOME_SIDE_NO), or give intent instead",
            _ => "the direction is missing: give intent (e.g. ORDER_INTENT_BUY_LONG) or both outcomeSide and action",
        }
        .to_owned()),
    }
}

fn tif_of(tif: TimeInForce) -> Tif {
    match tif {
        TimeInForce::Day => Tif::Day,
        TimeInForce::GoodTillCancel => Tif::GoodTillCancel,
        TimeInForce::GoodTillDate => Tif::GoodTillDate,
        TimeInForce::ImmediateOrCancel => Tif::ImmediateOrCancel,
        TimeInForce::FillOrKill => Tif::FillOrKill,
    }
}

fn manual_of(indicator: ManualOrderIndicator) -> ManualIndicator {
    match indicator {
        ManualOrderIndicator::Manual => ManualIndicator::Manual,
        ManualOrderIndicator::Automatic => ManualIndicator::Automatic,
    }
}

fn good_till_of(text: Option<&str>) -> Result<Option<Timestamp>, String> {
    text.map(|text| parse_timestamp(text).map_err(|error| format!("goodTillTime: {error}"))).transpose()
}

fn usd(field: &str, amount: &Amount) -> Result<(), String> {
    if amount.is_usd() { Ok(()) } else { Err(format!("{field}.currency must be \"USD\", not {:?}", amount.currency)) }
}

/// A price: any non-negative decimal (bounds and tick are the engine's checks, which reject
/// with `PRICE_OUT_OF_BOUNDS`); digits beyond $0.0001 are truncated.
fn price_of(field: &str, amount: &Amount) -> Result<Price, String> {
    usd(field, amount)?;
    let units = amount.to_units(PRICE_DP).map_err(|error| format!("{field}: {error}"))?;
    if units < 0 {
        return Err(format!("{field} must not be negative: a YES price lies between 0.01 and 0.99"));
    }
    u32::try_from(units)
        .map(Price)
        .map_err(|_| format!("{field} is far too large: a YES price lies between 0.01 and 0.99"))
}

/// A quantity of contracts: not negative (zero is the engine's reject); digits beyond 0.0001
/// contract are truncated.
fn quantity_of(field: &str, number: &JsonNumber) -> Result<Qty, String> {
    let units = number.to_units(QTY_DP).map_err(|error| format!("{field}: {error}"))?;
    if units < 0 {
        return Err(format!("{field} must not be negative; to sell, use a SELL intent with a positive quantity"));
    }
    i64::try_from(units).map(Qty).map_err(|_| format!("{field} is too large"))
}

/// A dollar amount: not negative; digits beyond $1e-8 are truncated.
fn cash_of(field: &str, amount: &Amount) -> Result<Cash, String> {
    usd(field, amount)?;
    let units = amount.to_units(CASH_DP).map_err(|error| format!("{field}: {error}"))?;
    if units < 0 {
        return Err(format!("{field} must not be negative"));
    }
    i64::try_from(units).map(Cash).map_err(|_| format!("{field} is too large"))
}

#[cfg(test)]
mod tests {
    use engine::{Command, Engine, Event, MarketSpec, Op, Reply};
    use serde_json::{Value, json};
    use types::{CASH_SCALE, MarketId, Seq};

    use super::*;

    const START: i64 = 1_790_294_400 * Timestamp::NANOS_PER_S;

    /// An engine driven by commands one millisecond apart, keeping the last command's events.
    struct Exchange {
        engine: Engine,
        seq: u64,
        ts: Timestamp,
        events: Vec<Event>,
    }

    impl Exchange {
        fn new() -> Exchange {
            Exchange { engine: Engine::new(), seq: 0, ts: Timestamp(START), events: Vec::new() }
        }

        fn apply(&mut self, op: Op) -> Reply {
            self.seq += 1;
            self.ts = Timestamp(self.ts.nanos() + Timestamp::NANOS_PER_MS);
            self.events.clear();
            let command = Command { seq: Seq(self.seq), ts: self.ts, op };
            self.engine.apply(&command, &mut self.events).unwrap()
        }

        fn market(&mut self, slug: &str) -> MarketId {
            let spec = MarketSpec {
                slug: slug.into(),
                title: "Will AEC win?".into(),
                outcome: "Yes".into(),
                event_slug: "aec".into(),
                tick: Price(100),
                min_qty: Qty::ONE,
                price_min: Price(100),
                price_max: Price(9_900),
                state: MarketState::Open,
                taker_rate: Rate(69_500),
                maker_rate: Rate(-12_500),
            };
            match self.apply(Op::CreateMarket(spec)) {
                Reply::Market(id) => id,
                other => panic!("{other:?}"),
            }
        }

        fn account(&mut self, name: &str, dollars: i64) -> AccountId {
            let Reply::Account(account) = self.apply(Op::CreateAccount { name: name.into() }) else { panic!() };
            self.apply(Op::Deposit { account, amount: Cash(dollars * CASH_SCALE) });
            account
        }

        fn place(&mut self, json: Value, account: AccountId) -> OrderId {
            let request: CreateOrderRequest = serde_json::from_value(json).unwrap();
            let new = new_order(&request, account).unwrap();
            match self.apply(Op::PlaceOrder(new)) {
                Reply::Order(id) => id,
                other => panic!("{other:?}"),
            }
        }

        fn executions(&self) -> Vec<Value> {
            let market = |id: Option<MarketId>| id.and_then(|id| self.engine.market(id));
            self.events
                .iter()
                .filter_map(|event| match event {
                    Event::Execution(e) => Some(execution(e, market(e.order.market), self.ts)),
                    _ => None,
                })
                .map(|e| serde_json::to_value(e).unwrap())
                .collect()
        }
    }

    /// A JSON number from its exact text (no float literal involved).
    fn number(text: &str) -> Value {
        Value::Number(text.parse().unwrap())
    }

    fn limit(slug: &str, intent: &str, price: &str, quantity: u32) -> Value {
        json!({"marketSlug": slug, "type": "ORDER_TYPE_LIMIT", "intent": intent,
               "price": {"value": price, "currency": "USD"}, "quantity": quantity,
               "tif": "TIME_IN_FORCE_GOOD_TILL_CANCEL"})
    }

    /// Every key of `expected` is in `actual` with the same value, recursively; arrays match
    /// element by element. Keys in `ignored` (generated ids) are only required to exist.
    fn assert_contains(actual: &Value, expected: &Value, ignored: &[&str], path: &str) {
        match (actual, expected) {
            (Value::Object(actual), Value::Object(expected)) => {
                for (key, value) in expected {
                    let found = actual.get(key).unwrap_or_else(|| panic!("{path}.{key} missing"));
                    if !ignored.contains(&key.as_str()) {
                        assert_contains(found, value, ignored, &format!("{path}.{key}"));
                    }
                }
            }
            (Value::Array(actual), Value::Array(expected)) => {
                assert_eq!(actual.len(), expected.len(), "{path}: lengths");
                for (index, (a, e)) in actual.iter().zip(expected).enumerate() {
                    assert_contains(a, e, ignored, &format!("{path}[{index}]"));
                }
            }
            _ => assert_eq!(actual, expected, "{path}"),
        }
    }

    /// API.md §2.11: a long of 10 against bids 6 @ 0.55 and 10 @ 0.54, closed with a bound
    /// of 2 ticks under 0.55, gives the documented executions.
    #[test]
    fn close_position_matches_the_documented_exchange() {
        let mut x = Exchange::new();
        let market_id = x.market("aec-x");
        let trader = x.account("trader", 1_000);
        let seller = x.account("seller", 1_000);
        let bidder = x.account("bidder", 1_000);
        x.place(limit("aec-x", "ORDER_INTENT_BUY_SHORT", "0.50", 10), seller);
        x.place(limit("aec-x", "ORDER_INTENT_BUY_LONG", "0.50", 10), trader);
        x.place(limit("aec-x", "ORDER_INTENT_BUY_LONG", "0.55", 6), bidder);
        x.place(limit("aec-x", "ORDER_INTENT_BUY_LONG", "0.54", 10), bidder);

        let request: ClosePositionOrderRequest =
            serde_json::from_str(protocol::examples::CLOSE_POSITION_REQUEST).unwrap();
        assert_eq!(max_block_time(request.max_block_time.as_ref(), 10), Ok(Some(5)));
        let close = close_position(&request, trader).unwrap();
        let Reply::Order(id) = x.apply(Op::ClosePosition(close)) else { panic!() };

        let executions = Value::Array(x.executions());
        let response: Value = serde_json::from_str(protocol::examples::CLOSE_POSITION_RESPONSE).unwrap();
        let expected = &response["executions"];
        // The bidder's maker executions come too; keep the close order's own.
        let own: Vec<Value> = executions
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["order"]["id"] == json!(id.to_string()))
            .cloned()
            .collect();
        assert_contains(&Value::Array(own.clone()), expected, &["id", "tradeId"], "executions");
        let first = &own[0]["order"];
        assert_eq!(first["commissionsBasisPoints"], json!("695"));
        assert_eq!(first["makerCommissionsBasisPoints"], json!("-125"));
        assert_eq!(
            first["marketMetadata"],
            json!({"slug":"aec-x","title":"Will AEC win?","outcome":"Yes","eventSlug":"aec"})
        );
        assert_eq!(first["createTime"], json!(format_timestamp(x.ts)));
        assert_eq!(own[2]["transactTime"], json!(format_timestamp(x.ts)));

        // The trader is flat; the position stays listed with its realized P&L.
        let view = x.engine.position(trader, market_id).unwrap();
        let market = x.engine.market(market_id).unwrap();
        let wire = serde_json::to_value(position(&view, market)).unwrap();
        // Bought 10 @ 0.50, sold 6 @ 0.55 and 4 @ 0.54: +0.46 before fees.
        assert_contains(
            &wire,
            &json!({"netPosition":"0","netPositionDecimal":"0.0000","qtyBought":"10","qtyBoughtDecimal":"10.0000",
                    "qtySold":"10","qtySoldDecimal":"10.0000","cost":{"value":"0.00","currency":"USD"},
                    "realized":{"value":"0.46","currency":"USD"},"cashValue":{"value":"0.00","currency":"USD"},
                    "qtyAvailable":"0","qtyAvailableDecimal":"0.0000","bodPosition":"0","expired":false}),
            &[],
            "position",
        );
        assert!(wire.get("avgPx").is_none());
    }

    #[test]
    fn resting_order_position_balance_and_book() {
        let mut x = Exchange::new();
        let market_id = x.market("m");
        let alice = x.account("alice", 1_000);
        let bob = x.account("bob", 1_000);
        x.place(limit("m", "ORDER_INTENT_BUY_SHORT", "0.40", 5), bob);
        x.place(limit("m", "ORDER_INTENT_BUY_LONG", "0.40", 2), alice);
        // Alice now holds 2 @ 0.40 and rests a sell of 1 @ 0.45; bob's rest of 3 @ 0.40 stays.
        let id = x.place(
            json!({"marketSlug":"m","type":"ORDER_TYPE_LIMIT","outcomeSide":"OUTCOME_SIDE_YES","action":"ORDER_ACTION_SELL",
                   "intent":"ORDER_INTENT_BUY_LONG","price":{"value":"0.455","currency":"USD"},"quantity":"1.00009",
                   "tif":"TIME_IN_FORCE_GOOD_TILL_DATE","goodTillTime":"2026-12-01T17:00:00.5Z"}),
            alice,
        );
        let market = x.engine.market(market_id).unwrap();
        let resting = *x.engine.order(id).unwrap();
        let wire = serde_json::to_value(order(&resting, Some(market))).unwrap();
        assert_eq!(
            wire,
            json!({"id": id.to_string(), "marketSlug":"m","side":"ORDER_SIDE_SELL","type":"ORDER_TYPE_LIMIT",
                   "price":{"value":"0.45","currency":"USD"},"quantity":1,"cumQuantity":0,"leavesQuantity":1,
                   "tif":"TIME_IN_FORCE_GOOD_TILL_DATE","goodTillTime":"2026-12-01T17:00:00.500Z",
                   "intent":"ORDER_INTENT_SELL_LONG",
                   "marketMetadata":{"slug":"m","title":"Will AEC win?","outcome":"Yes","eventSlug":"aec"},
                   "state":"ORDER_STATE_NEW","commissionNotionalTotalCollected":{"value":"0.00","currency":"USD"},
                   "commissionsBasisPoints":"695","makerCommissionsBasisPoints":"-125",
                   "insertTime": format_timestamp(x.ts),"createTime": format_timestamp(x.ts),
                   "outcomeSide":"OUTCOME_SIDE_YES","action":"ORDER_ACTION_SELL"})
        );

        let view = x.engine.position(alice, market_id).unwrap();
        let wire = serde_json::to_value(position(&view, market)).unwrap();
        assert_contains(
            &wire,
            &json!({"netPosition":"2","netPositionDecimal":"2.0000","qtyAvailable":"1","qtyAvailableDecimal":"1.0000",
                    "cost":{"value":"0.80","currency":"USD"},"cashValue":{"value":"0.80","currency":"USD"},
                    "avgPx":{"value":"0.40","currency":"USD"},"expired":false,
                    "marketMetadata":{"slug":"m","title":"Will AEC win?","outcome":"Yes","eventSlug":"aec"}}),
            &[],
            "position",
        );

        let balance_view = x.engine.balance(alice).unwrap();
        let wire = serde_json::to_value(balance(&balance_view, x.ts, Cash(80_000_000))).unwrap();
        let numbers = |key: &str| wire[key].as_number().map(|n| n.as_str().to_owned());
        // 1000 - 0.80 paid - the taker fee 0.0695 x 2 x 0.4 x 0.6 = 0.03336 -> 0.03.
        assert_eq!(numbers("currentBalance").as_deref(), Some("999.17"));
        assert_eq!(numbers("assetNotional").as_deref(), Some("0.80"));
        assert_eq!(numbers("assetAvailable").as_deref(), Some("0.00"));
        assert_eq!(numbers("marginRequirement").as_deref(), Some("0.00"));
        assert_eq!(wire["pendingWithdrawals"], json!([]));
        assert_eq!(wire["currency"], json!("USD"));
        assert_eq!(wire["lastUpdated"], json!(format_timestamp(x.ts)));

        let bids = x.engine.depth(market_id, Side::Buy, usize::MAX);
        let offers = x.engine.depth(market_id, Side::Sell, usize::MAX);
        let book = serde_json::to_value(market_data(market, &bids, &offers, x.ts)).unwrap();
        assert_eq!(book["bids"], json!([]));
        assert_eq!(
            book["offers"],
            json!([{"px":{"value":"0.40","currency":"USD"},"qty":"3"},{"px":{"value":"0.45","currency":"USD"},"qty":"1"}])
        );
        assert_eq!(book["state"], json!("MARKET_STATE_OPEN"));
        assert_eq!(book["stats"]["lastTradePx"], json!({"value":"0.40","currency":"USD"}));
        assert_eq!(book["stats"]["sharesTraded"], json!("2"));
        assert_eq!(book["stats"]["openInterest"], json!("2"));
        let bbo = serde_json::to_value(market_data_lite(market, &bids, &offers)).unwrap();
        assert_contains(
            &bbo,
            &json!({"marketSlug":"m","bestAsk":{"value":"0.40","currency":"USD"},"bidDepth":0,"askDepth":2,
                    "bidShares":"0","askShares":"4","longQuote":{"value":"0.40","currency":"USD"},
                    "currentPx":{"value":"0.40","currency":"USD"},"state":"MARKET_STATE_OPEN"}),
            &[],
            "bbo",
        );
        assert!(bbo.get("bestBid").is_none() && bbo.get("shortQuote").is_none());

        let best = |side| x.engine.best(market_id, side).map(|(px, _)| px);
        let listed = serde_json::to_value(super::market(market, best(Side::Buy), best(Side::Sell))).unwrap();
        assert_contains(
            &listed,
            &json!({"id": market_id.to_string(),"slug":"m","active":true,"closed":false,"status":"MARKET_STATUS_OPEN",
                    "orderPriceMinTickSize":number("0.01"),"minimumTradeQty":1,"feeCoefficient":number("0.0695"),
                    "bestAskQuote":{"value":"0.40","currency":"USD"},
                    "marketSides":[{"long":true,"quote":{"value":"0.40","currency":"USD"},"description":"Yes"},{"long":false}]}),
            &[],
            "market",
        );
        assert_eq!(settlement(market), None);
    }

    #[test]
    fn activities_rejects_and_settlement() {
        let mut x = Exchange::new();
        let market_id = x.market("m");
        let alice = x.account("alice", 100);
        let Event::CashMoved { kind, amount, transaction, .. } = x.events[0] else { panic!("{:?}", x.events) };
        let deposit = serde_json::to_value(cash_activity(kind, amount, transaction, x.ts)).unwrap();
        assert_eq!(
            deposit,
            json!({"type":"ACTIVITY_TYPE_ACCOUNT_DEPOSIT","accountBalanceChange":{"transactionId":transaction.to_string(),
                   "status":"ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED","amount":{"value":"100.00","currency":"USD"},
                   "updateTime":format_timestamp(x.ts),"createTime":format_timestamp(x.ts)}})
        );

        // A business reject keeps its id and says why.
        x.place(limit("m", "ORDER_INTENT_BUY_LONG", "1.50", 1), alice);
        let rejected = &x.executions()[0];
        assert_eq!(rejected["type"], json!("EXECUTION_TYPE_REJECTED"));
        assert_eq!(rejected["orderRejectReason"], json!("ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS"));
        assert_eq!(rejected["text"], json!("price is outside the market's price bounds"));
        assert_eq!(rejected["order"]["state"], json!("ORDER_STATE_REJECTED"));
        // An unknown market: no metadata to show.
        x.place(limit("nowhere", "ORDER_INTENT_BUY_LONG", "0.50", 1), alice);
        let unknown = &x.executions()[0];
        assert_eq!(unknown["orderRejectReason"], json!("ORD_REJECT_REASON_UNKNOWN_MARKET"));
        assert!(unknown["order"].get("marketSlug").is_none());

        let bob = x.account("bob", 100);
        x.place(limit("m", "ORDER_INTENT_BUY_SHORT", "0.30", 4), bob);
        x.place(limit("m", "ORDER_INTENT_BUY_LONG", "0.30", 4), alice);
        let trade = x
            .events
            .iter()
            .find_map(|event| match event {
                Event::Trade(trade) => Some(*trade),
                _ => None,
            })
            .unwrap();
        let market = x.engine.market(market_id).unwrap();
        let taker = serde_json::to_value(trade_activity(&trade, true, Some(market), x.ts)).unwrap();
        assert_eq!(
            taker,
            json!({"type":"ACTIVITY_TYPE_TRADE","trade":{"id":trade.id.to_string(),"marketSlug":"m",
                   "state":"TRADE_STATE_CLEARED","createTime":format_timestamp(x.ts),"updateTime":format_timestamp(x.ts),
                   "price":{"value":"0.30","currency":"USD"},"qty":"4","qtyDecimal":"4.0000","isAggressor":true,
                   "costBasis":{"value":"1.20","currency":"USD"},"realizedPnl":{"value":"0.00","currency":"USD"}}})
        );
        let maker = serde_json::to_value(trade_activity(&trade, false, Some(market), x.ts)).unwrap();
        assert_eq!(maker["trade"]["isAggressor"], json!(false));
        assert_eq!(maker["trade"]["costBasis"], json!({"value":"-1.20","currency":"USD"}));
        let history = history::Activity::Trade { ts: x.ts, trade, aggressor: false };
        assert_eq!(serde_json::to_value(activity(&history, bob, Some(market))).unwrap(), maker);

        x.apply(Op::SettleMarket { market: market_id, value: Price::ONE });
        let resolution = x
            .events
            .iter()
            .find_map(|event| match event {
                Event::Resolution(resolution) if resolution.account == alice => Some(*resolution),
                _ => None,
            })
            .unwrap();
        let market = x.engine.market(market_id).unwrap();
        let wire = serde_json::to_value(resolution_activity(&resolution, Some(market), x.ts)).unwrap();
        assert_eq!(wire["type"], json!("ACTIVITY_TYPE_POSITION_RESOLUTION"));
        let resolved = &wire["positionResolution"];
        assert_eq!(resolved["side"], json!("POSITION_RESOLUTION_SIDE_LONG"));
        assert_eq!(resolved["beforePosition"]["netPositionDecimal"], json!("4.0000"));
        assert_eq!(resolved["beforePosition"]["cashValue"], json!({"value":"4.00","currency":"USD"}));
        assert_eq!(resolved["afterPosition"]["netPositionDecimal"], json!("0.0000"));
        assert_eq!(resolved["afterPosition"]["expired"], json!(true));
        assert_eq!(
            serde_json::to_value(settlement(market)).unwrap(),
            json!({"slug":"m","settlement":number("1.0000")})
        );
        let bbo = serde_json::to_value(market_data_lite(market, &[], &[])).unwrap();
        assert_eq!(bbo["settlementPx"], json!({"value":"1.0000","currency":"USD"}));
        assert_eq!(bbo["state"], json!("MARKET_STATE_EXPIRED"));
        let listed = serde_json::to_value(super::market(market, None, None)).unwrap();
        assert_eq!((&listed["active"], &listed["closed"]), (&json!(false), &json!(true)));
        assert_eq!(listed["status"], json!("MARKET_STATUS_RESOLVED"));
        let book = serde_json::to_value(market_data(market, &[], &[], x.ts)).unwrap();
        assert_eq!(
            book["stats"]["settlementPriceCalculationMethod"],
            json!("SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_1")
        );
    }

    fn request(json: Value) -> CreateOrderRequest {
        serde_json::from_value(json).unwrap()
    }

    fn base() -> Value {
        json!({"marketSlug":"m","intent":"ORDER_INTENT_BUY_LONG","type":"ORDER_TYPE_LIMIT",
               "price":{"value":"0.5","currency":"USD"},"quantity":3})
    }

    fn with(changes: Value) -> CreateOrderRequest {
        let mut body = base();
        for (key, value) in changes.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        request(body)
    }

    #[test]
    fn new_order_shapes() {
        let account = AccountId(7);
        let new = new_order(&request(base()), account).unwrap();
        assert_eq!(new.account, account);
        assert_eq!(new.market, MarketRef::Slug("m".into()));
        assert_eq!(new.intent, Intent::BuyLong);
        assert_eq!(new.kind, OrderKind::Limit);
        assert_eq!(new.price, Some(Price(5_000)));
        assert_eq!(new.size, Size::Qty(Qty(30_000)));
        assert_eq!((new.tif, new.good_till, new.post_only, new.slippage, new.manual), (None, None, false, None, None));

        // The pair wins over intent.
        let pair = with(json!({"outcomeSide":"OUTCOME_SIDE_NO","action":"ORDER_ACTION_BUY"}));
        assert_eq!(new_order(&pair, account).unwrap().intent, Intent::BuyShort);
        let pair = with(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_NO","action":"ORDER_ACTION_SELL"}));
        assert_eq!(new_order(&pair, account).unwrap().intent, Intent::SellShort);
        // Half a pair falls back to intent.
        let half = with(json!({"intent":"ORDER_INTENT_SELL_LONG","action":"ORDER_ACTION_BUY"}));
        assert_eq!(new_order(&half, account).unwrap().intent, Intent::SellLong);

        let market = with(json!({"type":"ORDER_TYPE_MARKET","price":null,"quantity":null,
                                 "cashOrderQty":{"value":"100","currency":"USD"},"tif":"TIME_IN_FORCE_FILL_OR_KILL",
                                 "manualOrderIndicator":"MANUAL_ORDER_INDICATOR_MANUAL",
                                 "slippageTolerance":{"bips":50}}));
        let new = new_order(&market, account).unwrap();
        assert_eq!(new.kind, OrderKind::Market);
        assert_eq!(new.size, Size::Cash(Cash(100 * CASH_SCALE)));
        assert_eq!(new.tif, Some(Tif::FillOrKill));
        assert_eq!(new.manual, Some(ManualIndicator::Manual));
        assert_eq!(new.slippage, Some(Slippage { current_price: None, bips: Some(50), ticks: None }));

        // Missing type = limit; fractional and string quantities; prices truncated to $0.0001.
        let new =
            new_order(&with(json!({"type":null,"quantity":"0.015","price":{"value":"0.51559"}})), account).unwrap();
        assert_eq!((new.kind, new.size, new.price), (OrderKind::Limit, Size::Qty(Qty(150)), Some(Price(5_155))));
        // Business problems pass through to the engine: zero quantity, price out of bounds.
        let new = new_order(&with(json!({"quantity":0,"price":{"value":"1.5"}})), account).unwrap();
        assert_eq!((new.size, new.price), (Size::Qty(Qty::ZERO), Some(Price(15_000))));
        let gtd = with(json!({"tif":"TIME_IN_FORCE_GOOD_TILL_DATE","goodTillTime":"2026-12-01T12:00:00-05:00"}));
        assert_eq!(new_order(&gtd, account).unwrap().good_till, parse_timestamp("2026-12-01T17:00:00Z").ok());
    }

    #[test]
    fn new_order_shape_errors_say_how_to_fix() {
        // The message a client sees: from reading the body (a 400 either way), or from here.
        let error = |changes: Value| {
            let mut body = base();
            for (key, value) in changes.as_object().unwrap() {
                match value {
                    Value::Null => body.as_object_mut().unwrap().remove(key),
                    value => body.as_object_mut().unwrap().insert(key.clone(), value.clone()),
                };
            }
            serde_json::from_value::<CreateOrderRequest>(body)
                .map_err(|error| error.to_string())
                .and_then(|request| new_order(&request, AccountId(0)))
                .unwrap_err()
        };
        assert!(error(json!({"marketSlug":""})).contains("marketSlug is empty"));
        assert!(
            error(json!({"intent":null}))
                .contains("give intent (e.g. ORDER_INTENT_BUY_LONG) or both outcomeSide and action")
        );
        assert!(error(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_YES"})).contains("outcomeSide needs action"));
        assert!(error(json!({"intent":null,"action":"ORDER_ACTION_BUY"})).contains("action needs outcomeSide"));
        assert!(
            error(json!({"intent":null,"outcomeSide":"OUTCOME_SIDE_UNSPECIFIED","action":"ORDER_ACTION_BUY"}))
                .contains("action needs outcomeSide")
        );
        assert!(error(json!({"quantity":null})).contains("quantity is missing"));
        assert!(error(json!({"cashOrderQty":{"value":"5"}})).contains("not both"));
        assert!(error(json!({"quantity":-1})).contains("quantity must not be negative"));
        assert!(error(json!({"quantity":"NaN"})).contains("`NaN` is not a number"));
        assert!(error(json!({"quantity":"Infinity"})).contains("is not a number"));
        assert!(error(json!({"quantity":"1e30"})).contains("out of range"));
        assert!(error(json!({"price":{"value":"-0.5"}})).contains("price must not be negative"));
        assert!(error(json!({"price":{"value":"abc"}})).contains("price: `abc` is not a number"));
        assert!(error(json!({"price":{"value":"1e6"}})).contains("price is far too large"));
        assert!(error(json!({"price":{"value":"0.5","currency":"EUR"}})).contains("currency must be \"USD\""));
        assert!(
            error(json!({"quantity":null,"cashOrderQty":{"value":"-5"}})).contains("cashOrderQty must not be negative")
        );
        assert!(error(json!({"tif":"TIME_IN_FORCE_GOOD_TILL_DATE"})).contains("needs goodTillTime"));
        assert!(error(json!({"goodTillTime":"tomorrow"})).contains("goodTillTime: `tomorrow` is not an RFC 3339"));
        assert!(
            error(json!({"slippageTolerance":{"ticks":-2}})).contains("slippageTolerance.ticks must not be negative")
        );
        assert!(
            error(json!({"slippageTolerance":{"currentPrice":{"value":"x"}}}))
                .contains("slippageTolerance.currentPrice: `x` is not a number")
        );
    }

    #[test]
    fn modify_close_and_small_helpers() {
        let request: ModifyOrderRequest =
            serde_json::from_value(json!({"marketSlug":"m","price":{"value":"0.6","currency":"USD"},"quantity":5,
                                          "tif":"TIME_IN_FORCE_GOOD_TILL_CANCEL","participateDontInitiate":true}))
            .unwrap();
        let change = modify(&request, AccountId(1), OrderId(9)).unwrap();
        assert_eq!(
            change,
            Modify {
                account: AccountId(1),
                order: OrderId(9),
                price: Some(Price(6_000)),
                qty: Some(Qty(50_000)),
                tif: Some(Tif::GoodTillCancel),
                post_only: Some(true),
                good_till: None,
            }
        );
        let entry: ModifyOrderListEntry = serde_json::from_value(json!({"orderId":"9","quantity":-1})).unwrap();
        assert!(modify_entry(&entry, AccountId(1), OrderId(9)).unwrap_err().contains("must not be negative"));
        let nothing: ModifyOrderRequest = serde_json::from_value(json!({})).unwrap();
        assert_eq!(modify(&nothing, AccountId(1), OrderId(9)).unwrap().price, None);

        let close: ClosePositionOrderRequest = serde_json::from_value(json!({"marketSlug":"m"})).unwrap();
        let command = close_position(&close, AccountId(2)).unwrap();
        assert_eq!((command.market, command.slippage, command.manual), (MarketRef::Slug("m".into()), None, None));
        let empty: ClosePositionOrderRequest = serde_json::from_value(json!({"marketSlug":""})).unwrap();
        assert!(close_position(&empty, AccountId(2)).is_err());

        let tolerance = SlippageTolerance { current_price: Some(Amount::usd("0.55")), bips: Some(100), ticks: Some(2) };
        assert_eq!(
            slippage(&tolerance),
            Ok(Slippage { current_price: Some(Price(5_500)), bips: Some(100), ticks: Some(2) })
        );

        let text = |t: &str| Int64Text(t.to_owned());
        assert_eq!(max_block_time(None, 10), Ok(None));
        assert_eq!(max_block_time(Some(&text("5")), 10), Ok(Some(5)));
        assert_eq!(max_block_time(Some(&text("10")), 10), Ok(Some(10)));
        assert_eq!(max_block_time(Some(&text("60")), 10), Ok(Some(10)));
        assert_eq!(max_block_time(Some(&text("0")), 10), Ok(None));
        assert_eq!(max_block_time(Some(&text("-3")), 10), Ok(None));
        assert!(max_block_time(Some(&text("soon")), 10).unwrap_err().contains("whole number of seconds"));
        assert!(max_block_time(Some(&text("1.5")), 10).is_err());
        let number: ClosePositionOrderRequest =
            serde_json::from_value(json!({"marketSlug":"m","maxBlockTime":3})).unwrap();
        assert_eq!(max_block_time(number.max_block_time.as_ref(), 10), Ok(Some(3)));

        assert_eq!(order_id("42"), Some(OrderId(42)));
        assert_eq!(order_id("0"), Some(OrderId(0)));
        for bad in ["", "042", "-1", "+1", "4 2", "ord-42", "18446744073709551616", "preview"] {
            assert_eq!(order_id(bad), None, "{bad}");
        }

        assert_eq!(two_significant_figures(0), 0);
        assert_eq!(two_significant_figures(99), 99);
        assert_eq!(two_significant_figures(123), 120);
        assert_eq!(two_significant_figures(12_345_678), 12_000_000);
        assert_eq!(basis_points(Rate(69_500)), "695");
        assert_eq!(basis_points(Rate(-12_500)), "-125");
        assert_eq!(basis_points(Rate(69_550)), "695.5");
    }
}
