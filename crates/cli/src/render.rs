//! The readable (non-`--json`) views of the API's objects: tables of markets, book levels,
//! orders, executions, positions, activities and balances, key/value blocks for one
//! market, one order and a BBO, and one line per stream event (`stream_lines`).
//!
//! Enum values are shown short and lower-case (`ORDER_STATE_PARTIALLY_FILLED` becomes
//! `partially-filled`, as the CLI's own flags spell them); numbers and prices are the
//! server's decimal text, unchanged; times drop their fraction (`2026-09-25 14:03:07`, UTC).

use protocol::{
    AccountBalancesUpdate, Activity, Amount, BookEntry, Execution, JsonNumber, LedgerEntryType, Market, MarketData,
    MarketDataLite, Order, Payload, PositionSubscription, ServerFrame, TradeUpdate, UserBalance, UserPosition,
};

use crate::table::{Align, Table, cell, key_values};

/// A wire enum string without its type prefix, lower-case, `_` as `-`.
pub(crate) fn short(wire: &str) -> String {
    const PREFIXES: [&str; 13] = [
        "ORDER_STATE_",
        "ORDER_INTENT_",
        "ORDER_SIDE_",
        "ORDER_TYPE_",
        "TIME_IN_FORCE_",
        "EXECUTION_TYPE_",
        "ORD_REJECT_REASON_",
        "MARKET_STATUS_",
        "MARKET_STATE_",
        "ACTIVITY_TYPE_",
        "POSITION_RESOLUTION_SIDE_",
        "ACCOUNT_BALANCE_CHANGE_STATUS_",
        "LEDGER_ENTRY_TYPE_",
    ];
    let text = PREFIXES.iter().find_map(|prefix| wire.strip_prefix(prefix)).unwrap_or(wire);
    text.to_ascii_lowercase().replace('_', "-")
}

fn enum_text(value: Option<impl AsRef<str>>) -> Option<String> {
    value.map(|value| short(value.as_ref()))
}

fn price(amount: Option<&Amount>) -> Option<String> {
    amount.map(|amount| amount.value.clone())
}

fn number(value: Option<&JsonNumber>) -> Option<String> {
    value.map(|value| value.as_str().to_owned())
}

/// `2026-09-25T14:03:07.250Z` as `2026-09-25 14:03:07`; other text unchanged.
pub(crate) fn time(text: Option<&str>) -> Option<String> {
    text.map(|text| match (text.get(..19), text.as_bytes().get(10)) {
        (Some(head), Some(b'T')) => head.replacen('T', " ", 1),
        _ => text.to_owned(),
    })
}

// Markets.

pub(crate) fn markets(markets: &[Market]) -> String {
    if markets.is_empty() {
        return "no markets\n".to_owned();
    }
    let mut table = Table::new(&[
        ("SLUG", Align::Left),
        ("ID", Align::Right),
        ("STATUS", Align::Left),
        ("TICK", Align::Right),
        ("MIN QTY", Align::Right),
        ("BID", Align::Right),
        ("ASK", Align::Right),
        ("TITLE", Align::Left),
    ]);
    for market in markets {
        table.push(vec![
            cell(market.slug.as_ref()),
            cell(market.id.as_ref()),
            cell(enum_text(market.status.map(|status| status.as_str()))),
            cell(number(market.order_price_min_tick_size.as_ref())),
            cell(number(market.minimum_trade_qty.as_ref())),
            cell(price(market.best_bid_quote.as_ref())),
            cell(price(market.best_ask_quote.as_ref())),
            cell(market.title.as_ref()),
        ]);
    }
    table.render()
}

pub(crate) fn market(market: &Market) -> String {
    key_values(&[
        ("slug", market.slug.clone()),
        ("id", market.id.clone()),
        ("title", market.title.clone()),
        ("status", enum_text(market.status.map(|status| status.as_str()))),
        ("active", market.active.map(|active| active.to_string())),
        ("closed", market.closed.map(|closed| closed.to_string())),
        ("tick size", number(market.order_price_min_tick_size.as_ref())),
        ("minimum qty", number(market.minimum_trade_qty.as_ref())),
        ("fee coefficient", number(market.fee_coefficient.as_ref())),
        ("best bid", price(market.best_bid_quote.as_ref())),
        ("best ask", price(market.best_ask_quote.as_ref())),
        ("volume", number(market.volume.as_ref())),
        ("category", market.category.clone()),
        ("end date", market.end_date.clone()),
        ("description", market.description.clone()),
    ])
}

/// The book as a ladder: bids on the left, offers on the right, best first.
pub(crate) fn book(data: &MarketData) -> String {
    let mut out = format!(
        "{} ({})\n",
        data.market_slug.as_deref().unwrap_or("?"),
        cell(enum_text(data.state.map(|state| state.as_str())))
    );
    if data.bids.is_empty() && data.offers.is_empty() {
        out.push_str("the book is empty\n");
        return out;
    }
    let mut table = Table::new(&[
        ("BID QTY", Align::Right),
        ("BID", Align::Right),
        ("ASK", Align::Right),
        ("ASK QTY", Align::Right),
    ]);
    for level in 0..data.bids.len().max(data.offers.len()) {
        let (bid, offer) = (data.bids.get(level), data.offers.get(level));
        let text = |value: Option<String>| value.unwrap_or_default();
        table.push(vec![
            text(bid.and_then(|entry| entry.qty.clone())),
            text(bid.and_then(|entry| price(entry.px.as_ref()))),
            text(offer.and_then(|entry| price(entry.px.as_ref()))),
            text(offer.and_then(|entry| entry.qty.clone())),
        ]);
    }
    out.push_str(&table.render());
    out
}

pub(crate) fn bbo(data: &MarketDataLite) -> String {
    key_values(&[
        ("market", data.market_slug.clone()),
        ("state", enum_text(data.state.map(|state| state.as_str()))),
        ("best bid", price(data.best_bid.as_ref())),
        ("best ask", price(data.best_ask.as_ref())),
        ("bid levels", data.bid_depth.map(|depth| depth.to_string())),
        ("ask levels", data.ask_depth.map(|depth| depth.to_string())),
        ("bid shares", data.bid_shares.clone()),
        ("ask shares", data.ask_shares.clone()),
        ("last trade", price(data.last_trade_px.as_ref())),
        ("current price", price(data.current_px.as_ref())),
        ("shares traded", data.shares_traded.clone()),
        ("open interest", data.open_interest.clone()),
    ])
}

// Orders.

pub(crate) fn order(order: &Order) -> String {
    key_values(&[
        ("order", order.id.clone()),
        ("market", order.market_slug.clone()),
        ("state", enum_text(order.state.map(|state| state.as_str()))),
        ("intent", enum_text(order.intent.map(|intent| intent.as_str()))),
        ("side", enum_text(order.side.map(|side| side.as_str()))),
        ("type", enum_text(order.order_type.map(|kind| kind.as_str()))),
        ("price", price(order.price.as_ref())),
        ("quantity", number(order.quantity.as_ref())),
        ("cash", price(order.cash_order_qty.as_ref())),
        ("filled", number(order.cum_quantity.as_ref())),
        ("left", number(order.leaves_quantity.as_ref())),
        ("average price", price(order.avg_px.as_ref())),
        ("fees", price(order.commission_notional_total_collected.as_ref())),
        ("time in force", enum_text(order.tif.map(|tif| tif.as_str()))),
        ("good till", order.good_till_time.clone()),
        ("created", time(order.create_time.as_deref())),
    ])
}

pub(crate) fn orders(orders: &[Order]) -> String {
    if orders.is_empty() {
        return "no open orders\n".to_owned();
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("MARKET", Align::Left),
        ("INTENT", Align::Left),
        ("TYPE", Align::Left),
        ("PRICE", Align::Right),
        ("QTY", Align::Right),
        ("FILLED", Align::Right),
        ("LEFT", Align::Right),
        ("TIF", Align::Left),
        ("STATE", Align::Left),
    ]);
    for order in orders {
        table.push(vec![
            cell(order.id.as_ref()),
            cell(order.market_slug.as_ref()),
            cell(enum_text(order.intent.map(|intent| intent.as_str()))),
            cell(enum_text(order.order_type.map(|kind| kind.as_str()))),
            cell(price(order.price.as_ref())),
            cell(number(order.quantity.as_ref())),
            cell(number(order.cum_quantity.as_ref())),
            cell(number(order.leaves_quantity.as_ref())),
            cell(enum_text(order.tif.map(|tif| tif.as_str()))),
            cell(enum_text(order.state.map(|state| state.as_str()))),
        ]);
    }
    table.render()
}

/// The executions of a synchronous reply, oldest first; the note says why an order was
/// rejected or canceled.
pub(crate) fn executions(executions: &[Execution]) -> String {
    let mut table = Table::new(&[
        ("EXECUTION", Align::Left),
        ("QTY", Align::Right),
        ("PRICE", Align::Right),
        ("FEE", Align::Right),
        ("STATE", Align::Left),
        ("NOTE", Align::Left),
    ]);
    for execution in executions {
        let order = execution.order.as_ref();
        let note = match (&execution.order_reject_reason, &execution.text) {
            (Some(reason), Some(text)) => Some(format!("{}: {text}", short(reason.as_str()))),
            (Some(reason), None) => Some(short(reason.as_str())),
            (None, text) => text.clone(),
        };
        table.push(vec![
            cell(enum_text(execution.execution_type.map(|kind| kind.as_str()))),
            cell(execution.last_shares.as_ref()),
            cell(price(execution.last_px.as_ref())),
            cell(price(execution.commission_notional_collected.as_ref())),
            cell(enum_text(order.and_then(|order| order.state).map(|state| state.as_str()))),
            cell(note),
        ]);
    }
    table.render()
}

// Portfolio and account.

pub(crate) fn positions<'a>(positions: impl IntoIterator<Item = (&'a String, &'a UserPosition)>) -> String {
    let mut table = Table::new(&[
        ("MARKET", Align::Left),
        ("NET", Align::Right),
        ("AVG PRICE", Align::Right),
        ("COST", Align::Right),
        ("REALIZED", Align::Right),
        ("VALUE", Align::Right),
        ("TITLE", Align::Left),
    ]);
    for (slug, position) in positions {
        table.push(vec![
            slug.clone(),
            cell(position.net_position_decimal.as_ref().or(position.net_position.as_ref())),
            cell(price(position.avg_px.as_ref())),
            cell(price(position.cost.as_ref())),
            cell(price(position.realized.as_ref())),
            cell(price(position.cash_value.as_ref())),
            cell(position.market_metadata.as_ref().and_then(|metadata| metadata.title.as_ref())),
        ]);
    }
    if table.is_empty() { "no positions\n".to_owned() } else { table.render() }
}

pub(crate) fn activities(activities: &[Activity]) -> String {
    if activities.is_empty() {
        return "no activities\n".to_owned();
    }
    let mut table = Table::new(&[
        ("TIME", Align::Left),
        ("TYPE", Align::Left),
        ("MARKET", Align::Left),
        ("QTY", Align::Right),
        ("PRICE", Align::Right),
        ("AMOUNT", Align::Right),
        ("DETAIL", Align::Left),
    ]);
    for activity in activities {
        let kind = short(activity.activity_type.as_str());
        let row = if let Some(trade) = &activity.trade {
            let role = trade.is_aggressor.map(|taker| if taker { "taker" } else { "maker" });
            let realized = trade.realized_pnl.as_ref().map(|pnl| format!("realized {}", pnl.value));
            let detail = [role.map(str::to_owned), realized].into_iter().flatten().collect::<Vec<_>>().join(", ");
            vec![
                cell(time(trade.create_time.as_deref())),
                kind,
                cell(trade.market_slug.as_ref()),
                cell(trade.qty_decimal.as_ref().or(trade.qty.as_ref())),
                cell(price(trade.price.as_ref())),
                cell(price(trade.cost_basis.as_ref())),
                detail,
            ]
        } else if let Some(resolution) = &activity.position_resolution {
            let before = resolution.before_position.as_ref().and_then(|position| position.net_position_decimal.clone());
            vec![
                cell(time(resolution.update_time.as_deref())),
                kind,
                cell(resolution.market_slug.as_ref()),
                cell(before),
                "-".to_owned(),
                "-".to_owned(),
                resolution.side.map(|side| format!("{} won", short(side.as_str()))).unwrap_or_default(),
            ]
        } else if let Some(change) = &activity.account_balance_change {
            vec![
                cell(time(change.create_time.as_deref().or(change.update_time.as_deref()))),
                kind,
                "-".to_owned(),
                "-".to_owned(),
                "-".to_owned(),
                cell(price(change.amount.as_ref())),
                change.status.map(|status| short(status.as_str())).unwrap_or_default(),
            ]
        } else {
            vec!["-".to_owned(), kind, "-".to_owned(), "-".to_owned(), "-".to_owned(), "-".to_owned(), String::new()]
        };
        table.push(row);
    }
    table.render()
}

pub(crate) fn balances(balances: &[UserBalance]) -> String {
    if balances.is_empty() {
        return "no balances\n".to_owned();
    }
    let mut table = Table::new(&[
        ("CURRENCY", Align::Left),
        ("BALANCE", Align::Right),
        ("BUYING POWER", Align::Right),
        ("OPEN ORDERS", Align::Right),
        ("MARGIN", Align::Right),
        ("POSITIONS", Align::Right),
    ]);
    for balance in balances {
        table.push(vec![
            cell(balance.currency.as_ref()),
            cell(number(balance.current_balance.as_ref())),
            cell(number(balance.buying_power.as_ref())),
            cell(number(balance.open_orders.as_ref())),
            cell(number(balance.margin_requirement.as_ref())),
            cell(number(balance.asset_notional.as_ref())),
        ]);
    }
    table.render()
}

// Streams: one line per event, fields separated by two spaces, missing ones left out.

/// The lines of one stream frame (each ending in a newline); empty for a heartbeat, an error
/// frame (the caller reports it) or a frame pmx does not know. A book shows at most `depth`
/// levels a side.
pub(crate) fn stream_lines(frame: &ServerFrame, depth: usize) -> String {
    let ServerFrame::Data { payload, .. } = frame else { return String::new() };
    let lines: Vec<String> = match payload {
        Payload::MarketData(data) => vec![book_line(data, depth)],
        Payload::MarketDataLite(data) => vec![line(&[
            data.market_slug.clone(),
            enum_text(data.state.map(|state| state.as_str())),
            Some(format!("bid {}", cell(price(data.best_bid.as_ref())))),
            Some(format!("ask {}", cell(price(data.best_ask.as_ref())))),
            data.last_trade_px.as_ref().map(|px| format!("last {}", px.value)),
        ])],
        Payload::Trade(trade) => vec![trade_line(trade)],
        Payload::OrderUpdate(update) => vec![execution_line(&update.execution)],
        Payload::OrderSnapshot(snapshot) => {
            let mut lines: Vec<String> = snapshot
                .orders
                .iter()
                .map(|order| line(&[Some("open".to_owned()), order_summary(order), order_size(order)]))
                .collect();
            if snapshot.eof {
                lines.push("end of open orders".to_owned());
            }
            lines
        }
        Payload::Position(position) => vec![position_line(position)],
        Payload::BalancesSnapshot(snapshot) => {
            snapshot.balances.iter().map(|balance| balance_line(None, balance, Some("snapshot".to_owned()))).collect()
        }
        Payload::BalancesUpdate(update) => vec![balance_update_line(update)],
    };
    lines.into_iter().map(|line| line + "\n").collect()
}

/// The present fields, two spaces apart.
fn line(fields: &[Option<String>]) -> String {
    fields.iter().flatten().filter(|field| !field.is_empty()).cloned().collect::<Vec<_>>().join("  ")
}

fn levels(side: &str, entries: &[BookEntry], depth: usize) -> String {
    if entries.is_empty() {
        return format!("{side} none");
    }
    let shown: Vec<String> = entries
        .iter()
        .take(depth)
        .map(|entry| format!("{} x {}", cell(price(entry.px.as_ref())), cell(entry.qty.as_ref())))
        .collect();
    let count = entries.len();
    format!("{side} {} ({count} level{})", shown.join(", "), if count == 1 { "" } else { "s" })
}

fn book_line(data: &MarketData, depth: usize) -> String {
    line(&[
        time(data.transact_time.as_deref()),
        data.market_slug.clone(),
        enum_text(data.state.map(|state| state.as_str())),
        Some(levels("bid", &data.bids, depth)),
        Some(levels("ask", &data.offers, depth)),
    ])
}

fn trade_line(trade: &TradeUpdate) -> String {
    let taker = trade.taker.as_ref().map(|taker| {
        let side = enum_text(taker.side.map(|side| side.as_str()));
        let intent = enum_text(taker.intent.map(|intent| intent.as_str()));
        format!("taker {}/{}", cell(side), cell(intent))
    });
    line(&[
        time(trade.trade_time.as_deref()),
        trade.market_slug.clone(),
        Some(format!("price {}", cell(price(trade.price.as_ref())))),
        Some(format!("qty {}", cell(price(trade.quantity.as_ref())))),
        taker,
    ])
}

/// `order ID  MARKET  INTENT  STATE`.
fn order_summary(order: &Order) -> Option<String> {
    Some(line(&[
        Some(format!("order {}", cell(order.id.as_ref()))),
        order.market_slug.clone(),
        enum_text(order.intent.map(|intent| intent.as_str())),
        enum_text(order.state.map(|state| state.as_str())),
    ]))
}

/// `filled CUM of QTY` (or of the cash of a cash-sized order), and the limit price.
fn order_size(order: &Order) -> Option<String> {
    let of =
        number(order.quantity.as_ref()).or_else(|| price(order.cash_order_qty.as_ref()).map(|cash| format!("${cash}")));
    let filled =
        format!("filled {} of {}", number(order.cum_quantity.as_ref()).unwrap_or_else(|| "0".to_owned()), cell(of));
    Some(match &order.price {
        Some(limit) => format!("{filled}  limit {}", limit.value),
        None => filled,
    })
}

fn execution_line(execution: &Execution) -> String {
    let fill =
        execution.last_shares.as_ref().map(|shares| format!("{shares} @ {}", cell(price(execution.last_px.as_ref()))));
    let note = match (&execution.order_reject_reason, &execution.text) {
        (Some(reason), _) => Some(short(reason.as_str())),
        (None, text) => text.clone(),
    };
    let order = execution.order.as_ref();
    line(&[
        time(execution.transact_time.as_deref()),
        enum_text(execution.execution_type.map(|kind| kind.as_str())),
        order.and_then(order_summary),
        fill,
        order.and_then(order_size),
        note,
    ])
}

fn position_line(position: &PositionSubscription) -> String {
    let net = |position: Option<&UserPosition>| {
        cell(position.and_then(|position| position.net_position_decimal.as_ref().or(position.net_position.as_ref())))
    };
    let market = [&position.after_position, &position.before_position]
        .into_iter()
        .flatten()
        .find_map(|position| position.market_metadata.as_ref().and_then(|metadata| metadata.slug.clone()));
    line(&[
        time(position.update_time.as_deref()),
        market,
        Some(format!(
            "position {} -> {}",
            net(position.before_position.as_ref()),
            net(position.after_position.as_ref())
        )),
        enum_text(position.entry_type.map(|kind| kind.as_str())),
        position.trade_id.as_ref().map(|id| format!("trade {id}")),
    ])
}

fn balance_line(when: Option<String>, balance: &UserBalance, cause: Option<String>) -> String {
    line(&[
        when,
        balance.currency.clone(),
        Some(format!("balance {}", cell(number(balance.current_balance.as_ref())))),
        Some(format!("buying power {}", cell(number(balance.buying_power.as_ref())))),
        cause,
    ])
}

fn balance_update_line(update: &AccountBalancesUpdate) -> String {
    let change = &update.balance_change;
    // No ledger entry: an order rested, changed or left, moving buying power.
    let cause = match change.entry_type {
        Some(LedgerEntryType::Undefined) => Some("open-orders".to_owned()),
        kind => enum_text(kind.map(|kind| kind.as_str())),
    };
    let when = time(change.update_time.as_deref());
    match &change.after_balance {
        Some(after) => balance_line(when, after, cause),
        None => line(&[when, Some("balance changed".to_owned()), cause]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_enum_names_and_times() {
        assert_eq!(short("ORDER_STATE_PARTIALLY_FILLED"), "partially-filled");
        assert_eq!(short("ORDER_INTENT_BUY_LONG"), "buy-long");
        assert_eq!(short("ORD_REJECT_REASON_NO_LIQUIDITY"), "no-liquidity");
        assert_eq!(short("SOMETHING_ELSE"), "something-else");
        assert_eq!(time(Some("2026-09-25T14:03:07.250Z")).as_deref(), Some("2026-09-25 14:03:07"));
        assert_eq!(time(Some("yesterday")).as_deref(), Some("yesterday"));
    }

    fn lines(frame: &str, depth: usize) -> String {
        stream_lines(&ServerFrame::parse(frame).unwrap(), depth)
    }

    #[test]
    fn a_book_frame_is_one_line_of_top_levels() {
        let frame = r#"{"requestId":"b","subscriptionType":"SUBSCRIPTION_TYPE_MARKET_DATA","marketData":{
            "marketSlug":"rain","state":"MARKET_STATE_OPEN","transactTime":"2026-09-25T14:03:07.250Z",
            "bids":[{"px":{"value":"0.45","currency":"USD"},"qty":"3"},{"px":{"value":"0.40","currency":"USD"},"qty":"5"}],
            "offers":[{"px":{"value":"0.55","currency":"USD"},"qty":"7"}]}}"#;
        assert_eq!(
            lines(frame, 3),
            "2026-09-25 14:03:07  rain  open  bid 0.45 x 3, 0.40 x 5 (2 levels)  ask 0.55 x 7 (1 level)\n"
        );
        assert_eq!(
            lines(frame, 1),
            "2026-09-25 14:03:07  rain  open  bid 0.45 x 3 (2 levels)  ask 0.55 x 7 (1 level)\n"
        );
        let empty = r#"{"requestId":"b","marketData":{"marketSlug":"rain","bids":[],"offers":[]}}"#;
        assert_eq!(lines(empty, 3), "rain  bid none  ask none\n");
    }

    #[test]
    fn trades_orders_and_balances_are_one_line_each() {
        let trade = r#"{"requestId":"t","subscriptionType":"SUBSCRIPTION_TYPE_TRADE","trade":{"marketSlug":"rain",
            "price":{"value":"0.55","currency":"USD"},"quantity":{"value":"7","currency":"USD"},
            "tradeTime":"2026-09-25T14:03:07Z","maker":{"side":"ORDER_SIDE_SELL","intent":"ORDER_INTENT_BUY_SHORT"},
            "taker":{"side":"ORDER_SIDE_BUY","intent":"ORDER_INTENT_BUY_LONG"}}}"#;
        assert_eq!(lines(trade, 0), "2026-09-25 14:03:07  rain  price 0.55  qty 7  taker buy/buy-long\n");

        let fill = r#"{"requestId":"o","orderSubscriptionUpdate":{"execution":{"id":"e1","type":"EXECUTION_TYPE_PARTIAL_FILL",
            "lastShares":"3","lastPx":{"value":"0.55","currency":"USD"},"transactTime":"2026-09-25T14:03:07Z",
            "order":{"id":"12","marketSlug":"rain","intent":"ORDER_INTENT_BUY_LONG","state":"ORDER_STATE_PARTIALLY_FILLED",
            "price":{"value":"0.55","currency":"USD"},"quantity":10,"cumQuantity":3}}}}"#;
        assert_eq!(
            lines(fill, 0),
            "2026-09-25 14:03:07  partial-fill  order 12  rain  buy-long  partially-filled  3 @ 0.55  filled 3 of 10  limit 0.55\n"
        );
        let reject = r#"{"requestId":"o","orderSubscriptionUpdate":{"execution":{"type":"EXECUTION_TYPE_REJECTED",
            "orderRejectReason":"ORD_REJECT_REASON_PRICE_OUT_OF_BOUNDS","order":{"id":"13","state":"ORDER_STATE_REJECTED","quantity":5}}}}"#;
        assert_eq!(lines(reject, 0), "rejected  order 13  rejected  filled 0 of 5  price-out-of-bounds\n");

        let snapshot = r#"{"requestId":"b","accountBalancesSnapshot":{"balances":[
            {"currentBalance":1000,"currency":"USD","buyingPower":990.5}]}}"#;
        assert_eq!(lines(snapshot, 0), "USD  balance 1000  buying power 990.5  snapshot\n");
        let update = r#"{"requestId":"b","accountBalancesUpdate":{"balanceChange":{
            "beforeBalance":{"currentBalance":1000,"currency":"USD","buyingPower":990.5},
            "afterBalance":{"currentBalance":994.5,"currency":"USD","buyingPower":984.5},
            "entryType":"LEDGER_ENTRY_TYPE_ORDER_EXECUTION","updateTime":"2026-09-25T14:03:07Z"}}}"#;
        assert_eq!(lines(update, 0), "2026-09-25 14:03:07  USD  balance 994.5  buying power 984.5  order-execution\n");
    }

    #[test]
    fn heartbeats_and_errors_print_nothing() {
        assert_eq!(lines(protocol::HEARTBEAT_FRAME, 3), "");
        assert_eq!(lines(r#"{"requestId":"x","error":"no"}"#, 3), "");
        assert_eq!(lines(r#"{"rfqEvent":{}}"#, 3), "");
    }
}
