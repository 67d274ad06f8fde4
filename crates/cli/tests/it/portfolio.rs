//! Positions, activities and balances, as tables and as JSON.

use client::protocol::OrderIntent;

use crate::harness::{TestServer, open_position};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_table_json_filter_and_pages() {
    let server = TestServer::start().await;
    assert_eq!(server.pmx_as("trader", &["positions"]).await.ok(), "no positions\n");
    open_position(&server, "rain", OrderIntent::BuyLong, "10").await;
    open_position(&server, "btc", OrderIntent::BuyShort, "2.5").await;

    let table = server.pmx_as("trader", &["positions"]).await.ok();
    let lines: Vec<_> = table.lines().collect();
    assert!(lines[0].starts_with("MARKET") && lines[0].contains("NET"), "{table}");
    assert!(lines[1].starts_with("btc ") && lines[1].contains(" -2.5000 "), "{table}");
    assert!(lines[2].starts_with("rain ") && lines[2].contains(" 10.0000 ") && lines[2].ends_with("Will it rain?"));

    let json = server.pmx_as("trader", &["positions", "--market", "rain", "--json"]).await.json();
    assert_eq!(json["positions"]["rain"]["netPositionDecimal"], "10.0000");
    assert!(json["positions"].get("btc").is_none());
    // Pages follow the markets' order (rain was listed first), not the slugs'.
    let page = server.pmx_as("trader", &["positions", "--limit", "1"]).await.ok();
    assert!(page.lines().nth(1).unwrap().starts_with("rain "), "{page}");
    let more = page.lines().last().unwrap();
    assert!(more.starts_with("more: repeat with --cursor "), "{page}");
    let cursor = more.rsplit(' ').next().unwrap();
    let next = server.pmx_as("trader", &["positions", "--limit", "1", "--cursor", cursor]).await.ok();
    assert!(next.lines().nth(1).unwrap().starts_with("btc "), "{next}");
    assert!(!next.contains("more:"), "{next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activities_with_filters() {
    let server = TestServer::start().await;
    open_position(&server, "rain", OrderIntent::BuyLong, "4").await;
    let table = server.pmx_as("trader", &["activities"]).await.ok();
    let lines: Vec<_> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[1].contains(" trade ") && lines[1].contains(" rain ") && lines[1].contains(" 4.0000 "), "{table}");
    assert!(lines[2].contains(" account-deposit ") && lines[2].contains(" 1000.00 "), "{table}");

    let trades = server.pmx_as("trader", &["activities", "--type", "trade", "--json"]).await.json();
    assert_eq!(trades["activities"].as_array().unwrap().len(), 1);
    let oldest = server.pmx_as("trader", &["activities", "--oldest-first", "--limit", "1", "--json"]).await.json();
    assert_eq!(oldest["activities"][0]["type"], "ACTIVITY_TYPE_ACCOUNT_DEPOSIT");
    let none = server.pmx_as("trader", &["activities", "--market", "btc"]).await.ok();
    assert_eq!(none, "no activities\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_table_and_json() {
    let server = TestServer::start().await;
    let table = server.pmx_as("trader", &["balances"]).await.ok();
    let lines: Vec<_> = table.lines().collect();
    assert!(lines[0].starts_with("CURRENCY") && lines[0].contains("BUYING POWER"), "{table}");
    assert!(lines[1].starts_with("USD ") && lines[1].contains("1000"), "{table}");
    let json = server.pmx_as("trader", &["balances", "--json"]).await.json();
    assert_eq!(json["balances"][0]["currency"], "USD");
}
