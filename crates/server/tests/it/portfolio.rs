//! Portfolio and account (docs/api.md §3, §4): positions keyed by slug with both integer and
//! `*Decimal` fields, filtered and paged; activities by type, market, order and page;
//! balances as JSON numbers that move with resting orders and trades.

use serde_json::{Value, json};

use crate::harness::{TestServer, Trader, limit, market};

const BUY_LONG: &str = "ORDER_INTENT_BUY_LONG";
const SELL_LONG: &str = "ORDER_INTENT_SELL_LONG";
const BUY_SHORT: &str = "ORDER_INTENT_BUY_SHORT";

fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn usd(value: &str) -> Value {
    json!({"value": value, "currency": "USD"})
}

/// The trader buys 10 rain at 0.60 and 2.5 btc at 0.30 from the maker.
async fn two_longs(maker: &Trader, trader: &Trader) {
    maker.place(limit("rain", BUY_SHORT, "0.60", 10)).await;
    trader.place(market("rain", BUY_LONG, 10)).await;
    maker.place(limit("btc", BUY_SHORT, "0.30", 2.5)).await;
    trader.place(market("btc", BUY_LONG, 2.5)).await;
}

#[tokio::test]
async fn positions_are_an_object_keyed_by_slug_with_integer_and_decimal_fields() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    assert_eq!(
        trader.get("/v1/portfolio/positions").await.ok(),
        json!({"positions": {}, "nextCursor": "", "eof": true}),
        "no positions yet"
    );
    two_longs(&maker, &trader).await;
    trader.place(limit("rain", SELL_LONG, "0.90", 4)).await;

    let reply = trader.get("/v1/portfolio/positions").await.ok();
    assert_eq!((&reply["eof"], &reply["nextCursor"]), (&json!(true), &json!("")));
    let positions = reply["positions"].as_object().unwrap();
    assert_eq!(positions.keys().collect::<Vec<_>>(), ["btc", "rain"]);
    let rain = &positions["rain"];
    for (field, value) in [
        ("netPosition", "10"),
        ("netPositionDecimal", "10.0000"),
        ("qtyBought", "10"),
        ("qtyBoughtDecimal", "10.0000"),
        ("qtySold", "0"),
        ("qtySoldDecimal", "0.0000"),
        ("bodPosition", "0"),
        ("bodPositionDecimal", "0.0000"),
        // 4 contracts are committed to the resting SELL_LONG.
        ("qtyAvailable", "6"),
        ("qtyAvailableDecimal", "6.0000"),
    ] {
        assert_eq!(rain[field], value, "{field} in {rain}");
    }
    assert_eq!(rain["cost"], usd("6.00"));
    assert_eq!(rain["realized"], usd("0.00"));
    assert_eq!(rain["cashValue"], usd("6.00"), "marked at the last trade, 0.60");
    assert_eq!(rain["expired"], false);
    assert!(rain["updateTime"].is_string());
    assert_eq!(rain["marketMetadata"]["slug"], "rain");
    // Fractional: the deprecated integer field truncates.
    let btc = &positions["btc"];
    assert_eq!((&btc["netPosition"], &btc["netPositionDecimal"]), (&json!("2"), &json!("2.5000")));
    assert_eq!(btc["cost"], usd("0.75"));
    // The maker holds the other side.
    let maker_rain = maker.position("rain").await;
    assert_eq!((&maker_rain["netPosition"], &maker_rain["netPositionDecimal"]), (&json!("-10"), &json!("-10.0000")));

    // `market` filters.
    let only = trader.get("/v1/portfolio/positions?market=btc").await.ok();
    assert_eq!(only["positions"].as_object().unwrap().keys().collect::<Vec<_>>(), ["btc"]);
    assert_eq!(only["positions"]["btc"], *btc);
    let none = trader.get("/v1/portfolio/positions?market=nowhere").await.ok();
    assert_eq!(none, json!({"positions": {}, "nextCursor": "", "eof": true}));
}

#[tokio::test]
async fn positions_page_by_limit_and_cursor() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    two_longs(&maker, &trader).await;
    let all = trader.get("/v1/portfolio/positions").await.ok();

    let first = trader.get("/v1/portfolio/positions?limit=1").await.ok();
    assert_eq!(first["eof"], false);
    let cursor = first["nextCursor"].as_str().unwrap();
    assert!(!cursor.is_empty());
    let second = trader.get(&format!("/v1/portfolio/positions?limit=1&cursor={cursor}")).await.ok();
    assert_eq!((&second["eof"], &second["nextCursor"]), (&json!(true), &json!("")));
    let mut seen = first["positions"].as_object().unwrap().clone();
    seen.extend(second["positions"].as_object().unwrap().clone());
    assert_eq!(seen.len(), 2);
    assert_eq!(Value::Object(seen), all["positions"]);
    // A limit of 2 is one page.
    assert_eq!(trader.get("/v1/portfolio/positions?limit=2").await.ok(), all);
}

/// Every activity of `trader` matching `query`, walking the pages `limit` at a time.
async fn all_pages(trader: &Trader, query: &str, limit: usize) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..100 {
        let page = trader.get(&format!("/v1/portfolio/activities?{query}&limit={limit}&cursor={cursor}")).await.ok();
        let activities = page["activities"].as_array().unwrap();
        assert!(activities.len() <= limit, "{page}");
        seen.extend(activities.iter().cloned());
        if page["eof"] == true {
            assert_eq!(page["nextCursor"], "");
            return seen;
        }
        cursor = page["nextCursor"].as_str().unwrap().to_owned();
    }
    panic!("activities never reached eof");
}

#[tokio::test]
async fn activities_filter_by_type_and_market_sort_and_page() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    two_longs(&maker, &trader).await;
    maker.place(limit("rain", BUY_LONG, "0.65", 3)).await;
    trader.place(market("rain", SELL_LONG, 3)).await;

    // Newest first by default.
    let newest = trader.get("/v1/portfolio/activities").await.ok();
    assert_eq!((&newest["eof"], &newest["nextCursor"]), (&json!(true), &json!("")));
    let activities = newest["activities"].as_array().unwrap();
    let kinds: Vec<_> = activities.iter().map(|activity| activity["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["ACTIVITY_TYPE_TRADE", "ACTIVITY_TYPE_TRADE", "ACTIVITY_TYPE_TRADE", "ACTIVITY_TYPE_ACCOUNT_DEPOSIT"]
    );
    let sale = &activities[0]["trade"];
    assert_eq!(sale["marketSlug"], "rain");
    assert_eq!(sale["state"], "TRADE_STATE_CLEARED");
    assert_eq!(sale["price"], usd("0.65"));
    assert_eq!((&sale["qty"], &sale["qtyDecimal"]), (&json!("3"), &json!("3.0000")));
    assert_eq!(sale["isAggressor"], true);
    assert!(sale["id"].is_string() && sale["createTime"].is_string() && sale["updateTime"].is_string());
    assert_eq!(sale["realizedPnl"], usd("0.15"), "3 x (0.65 - 0.60)");
    let deposit = &activities[3]["accountBalanceChange"];
    assert_eq!(deposit["amount"], usd("1000.00"));
    assert_eq!(deposit["status"], "ACCOUNT_BALANCE_CHANGE_STATUS_COMPLETED");
    // The maker's side of the same trade.
    let maker_newest = maker.get("/v1/portfolio/activities?limit=1").await.ok();
    assert_eq!(maker_newest["activities"][0]["trade"]["id"], sale["id"]);
    assert_eq!(maker_newest["activities"][0]["trade"]["isAggressor"], false);

    let ascending = trader.get("/v1/portfolio/activities?sortOrder=SORT_ORDER_ASCENDING").await.ok();
    let mut reversed = activities.clone();
    reversed.reverse();
    assert_eq!(ascending["activities"].as_array().unwrap(), &reversed);
    let descending = trader.get("/v1/portfolio/activities?sortOrder=SORT_ORDER_DESCENDING").await.ok();
    assert_eq!(descending, newest);

    let trades = trader.get("/v1/portfolio/activities?types=ACTIVITY_TYPE_TRADE").await.ok();
    assert_eq!(trades["activities"].as_array().unwrap(), &activities[..3]);
    let deposits = trader.get("/v1/portfolio/activities?types=ACTIVITY_TYPE_ACCOUNT_DEPOSIT").await.ok();
    assert_eq!(deposits["activities"].as_array().unwrap(), &activities[3..]);
    let both =
        trader.get("/v1/portfolio/activities?types=ACTIVITY_TYPE_ACCOUNT_DEPOSIT&types=ACTIVITY_TYPE_TRADE").await.ok();
    assert_eq!(both, newest);
    let none = trader.get("/v1/portfolio/activities?types=ACTIVITY_TYPE_ACCOUNT_WITHDRAWAL").await.ok();
    assert_eq!(none, json!({"activities": [], "nextCursor": "", "eof": true}));

    let btc = trader.get("/v1/portfolio/activities?marketSlug=btc").await.ok();
    let btc = btc["activities"].as_array().unwrap();
    assert_eq!(btc.len(), 1);
    assert_eq!(btc[0]["trade"]["qtyDecimal"], "2.5000");
    let rain = trader.get("/v1/portfolio/activities?marketSlug=rain&sortOrder=SORT_ORDER_ASCENDING").await.ok();
    let rain: Vec<_> = rain["activities"].as_array().unwrap().iter().map(|a| a["trade"]["price"].clone()).collect();
    assert_eq!(rain, [usd("0.60"), usd("0.65")]);

    // Paging returns the same list, one or three at a time, in either order.
    assert_eq!(all_pages(&trader, "", 1).await, *activities);
    assert_eq!(all_pages(&trader, "", 3).await, *activities);
    assert_eq!(all_pages(&trader, "sortOrder=SORT_ORDER_ASCENDING", 1).await, reversed);
    assert_eq!(all_pages(&trader, "types=ACTIVITY_TYPE_TRADE", 2).await, activities[..3]);
}

#[tokio::test]
async fn balances_are_numbers_that_follow_orders_and_trades() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.maker(), server.trader());
    let reply = trader.get("/v1/account/balances").await.ok();
    let balances = reply["balances"].as_array().unwrap();
    assert_eq!(balances.len(), 1);
    let balance = &balances[0];
    assert_eq!(balance["currency"], "USD");
    for field in [
        "currentBalance",
        "buyingPower",
        "assetNotional",
        "assetAvailable",
        "pendingCredit",
        "openOrders",
        "unsettledFunds",
        "marginRequirement",
    ] {
        assert!(balance[field].is_number(), "{field} in {balance}");
    }
    assert_eq!(balance["currentBalance"], number("1000.00"));
    assert_eq!(balance["buyingPower"], number("1000.00"));
    assert_eq!(balance["openOrders"], number("0.00"));
    assert!(balance["lastUpdated"].is_string());
    assert_eq!(balance["pendingWithdrawals"], json!([]));

    // A resting bid reserves p x q of buying power; cash does not move.
    trader.place(limit("rain", BUY_LONG, "0.40", 10)).await;
    let balance = trader.balance().await;
    assert_eq!(balance["currentBalance"], number("1000.00"));
    assert_eq!(balance["openOrders"], number("4.00"));
    assert_eq!(balance["buyingPower"], number("996.00"));

    // A short sale of 2 at 0.50: +1.00 cash, less the 0.03 taker fee; $1 margin per contract.
    maker.place(limit("btc", BUY_LONG, "0.50", 2)).await;
    trader.place(market("btc", BUY_SHORT, 2)).await;
    let balance = trader.balance().await;
    assert_eq!(balance["currentBalance"], number("1000.97"));
    assert_eq!(balance["marginRequirement"], number("2.00"));
    assert_eq!(balance["buyingPower"], number("994.97"), "currentBalance - openOrders - marginRequirement");
    assert_eq!(balance["assetNotional"], number("1.00"), "|-2| x 0.50");
}
