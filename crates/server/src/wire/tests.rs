//! End-to-end checks of the engine-to-wire conversions: an engine driven by real commands,
//! its orders, executions, positions, balances, activities and markets as JSON.

use engine::{Command, Engine, Event, MarketSpec, Op, Reply};
use serde_json::{Value, json};
use types::{CASH_SCALE, MarketId, Seq};

use engine::Side;
use protocol::{ClosePositionOrderRequest, CreateOrderRequest, format_timestamp};
use types::{AccountId, Cash, OrderId, Price, Rate, Timestamp};

use super::markets::two_significant_figures;
use super::portfolio::{cash_activity, resolution_activity, trade_activity};
use super::values::basis_points;
use super::*;
use crate::history;

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
            title: "Will AEC win?".into(),
            outcome: "Yes".into(),
            event_slug: "aec".into(),
            ..crate::fixtures::market_spec(slug)
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
                Event::Execution(e) => Some(execution(e, market(e.order.market).map(Into::into), self.ts)),
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

/// docs/api.md §2.11.1: a long of 10 against bids 6 @ 0.55 and 10 @ 0.54, closed with a bound
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

    let request: ClosePositionOrderRequest = serde_json::from_str(protocol::examples::CLOSE_POSITION_REQUEST).unwrap();
    assert_eq!(max_block_time(request.max_block_time.as_ref(), 10), Ok(Some(5)));
    let close = close_position(&request, trader).unwrap();
    let Reply::Order(id) = x.apply(Op::ClosePosition(close)) else { panic!() };

    let executions = Value::Array(x.executions());
    let response: Value = serde_json::from_str(protocol::examples::CLOSE_POSITION_RESPONSE).unwrap();
    let expected = &response["executions"];
    // The bidder's maker executions come too; keep the close order's own.
    let own: Vec<Value> =
        executions.as_array().unwrap().iter().filter(|e| e["order"]["id"] == json!(id.to_string())).cloned().collect();
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
    let wire = serde_json::to_value(position(&view, market.into())).unwrap();
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
    let wire = serde_json::to_value(order(&resting, Some(market.into()))).unwrap();
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
    let wire = serde_json::to_value(position(&view, market.into())).unwrap();
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
    let wire = serde_json::to_value(balance(&BalanceFigures {
        view: balance_view,
        updated: x.ts,
        asset_notional: Cash(80_000_000),
    }))
    .unwrap();
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
    let book = serde_json::to_value(market_data(market.into(), &bids, &offers, x.ts)).unwrap();
    assert_eq!(book["bids"], json!([]));
    assert_eq!(
        book["offers"],
        json!([{"px":{"value":"0.40","currency":"USD"},"qty":"3"},{"px":{"value":"0.45","currency":"USD"},"qty":"1"}])
    );
    assert_eq!(book["state"], json!("MARKET_STATE_OPEN"));
    assert_eq!(book["stats"]["lastTradePx"], json!({"value":"0.40","currency":"USD"}));
    assert_eq!(book["stats"]["sharesTraded"], json!("2"));
    assert_eq!(book["stats"]["openInterest"], json!("2"));
    let bbo = serde_json::to_value(market_data_lite(market.into(), &bids, &offers)).unwrap();
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
    let listed = serde_json::to_value(super::market(market.into(), best(Side::Buy), best(Side::Sell))).unwrap();
    assert_contains(
        &listed,
        &json!({"id": market_id.to_string(),"slug":"m","active":true,"closed":false,"status":"MARKET_STATUS_OPEN",
                "orderPriceMinTickSize":number("0.01"),"minimumTradeQty":1,"feeCoefficient":number("0.0695"),
                "bestAskQuote":{"value":"0.40","currency":"USD"},
                "marketSides":[{"long":true,"quote":{"value":"0.40","currency":"USD"},"description":"Yes"},{"long":false}]}),
        &[],
        "market",
    );
    assert_eq!(settlement(market.into()), None);
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
    let taker = serde_json::to_value(trade_activity(&trade, true, Some(market.into()), x.ts)).unwrap();
    assert_eq!(
        taker,
        json!({"type":"ACTIVITY_TYPE_TRADE","trade":{"id":trade.id.to_string(),"marketSlug":"m",
               "state":"TRADE_STATE_CLEARED","createTime":format_timestamp(x.ts),"updateTime":format_timestamp(x.ts),
               "price":{"value":"0.30","currency":"USD"},"qty":"4","qtyDecimal":"4.0000","isAggressor":true,
               "costBasis":{"value":"1.20","currency":"USD"},"realizedPnl":{"value":"0.00","currency":"USD"}}})
    );
    let maker = serde_json::to_value(trade_activity(&trade, false, Some(market.into()), x.ts)).unwrap();
    assert_eq!(maker["trade"]["isAggressor"], json!(false));
    assert_eq!(maker["trade"]["costBasis"], json!({"value":"-1.20","currency":"USD"}));
    let history = history::Activity::Trade { ts: x.ts, trade, aggressor: false };
    assert_eq!(serde_json::to_value(activity(&history, bob, Some(market.into()))).unwrap(), maker);

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
    let wire = serde_json::to_value(resolution_activity(&resolution, Some(market.into()), x.ts)).unwrap();
    assert_eq!(wire["type"], json!("ACTIVITY_TYPE_POSITION_RESOLUTION"));
    let resolved = &wire["positionResolution"];
    assert_eq!(resolved["side"], json!("POSITION_RESOLUTION_SIDE_LONG"));
    assert_eq!(resolved["beforePosition"]["netPositionDecimal"], json!("4.0000"));
    assert_eq!(resolved["beforePosition"]["cashValue"], json!({"value":"4.00","currency":"USD"}));
    assert_eq!(resolved["afterPosition"]["netPositionDecimal"], json!("0.0000"));
    assert_eq!(resolved["afterPosition"]["expired"], json!(true));
    assert_eq!(
        serde_json::to_value(settlement(market.into())).unwrap(),
        json!({"slug":"m","settlement":number("1.0000")})
    );
    let bbo = serde_json::to_value(market_data_lite(market.into(), &[], &[])).unwrap();
    assert_eq!(bbo["settlementPx"], json!({"value":"1.0000","currency":"USD"}));
    assert_eq!(bbo["state"], json!("MARKET_STATE_EXPIRED"));
    let listed = serde_json::to_value(super::market(market.into(), None, None)).unwrap();
    assert_eq!((&listed["active"], &listed["closed"]), (&json!(false), &json!(true)));
    assert_eq!(listed["status"], json!("MARKET_STATUS_RESOLVED"));
    let book = serde_json::to_value(market_data(market.into(), &[], &[], x.ts)).unwrap();
    assert_eq!(
        book["stats"]["settlementPriceCalculationMethod"],
        json!("SETTLEMENT_PRICE_CALCULATION_METHOD_EVENT_TIER_1")
    );
}

#[test]
fn rounded_book_totals_and_fee_rates() {
    assert_eq!(two_significant_figures(0), 0);
    assert_eq!(two_significant_figures(99), 99);
    assert_eq!(two_significant_figures(123), 120);
    assert_eq!(two_significant_figures(12_345_678), 12_000_000);
    assert_eq!(basis_points(Rate(69_500)), "695");
    assert_eq!(basis_points(Rate(-12_500)), "-125");
    assert_eq!(basis_points(Rate(69_550)), "695.5");
}
