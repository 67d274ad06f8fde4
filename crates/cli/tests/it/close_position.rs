//! `pmx close-position` on a long and on a short, synchronously (the executions table and
//! the filled order) and as JSON; the position is flat afterwards.

use client::protocol::OrderIntent;

use crate::harness::{MAKER, TestServer, limit, open_position};

fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| line.strip_prefix(key).filter(|rest| rest.starts_with("  ")).map(str::trim))
}

async fn net(server: &TestServer, slug: &str) -> serde_json::Value {
    let json = server.pmx_as("trader", &["positions", "--market", slug, "--json"]).await.json();
    json["positions"][slug]["netPositionDecimal"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_closes_into_the_bids() {
    let server = TestServer::start().await;
    open_position(&server, "rain", OrderIntent::BuyLong, "10").await;
    let maker = server.client(MAKER);
    maker.create_order(&limit("rain", OrderIntent::BuyLong, "0.55", "6")).await.unwrap();
    maker.create_order(&limit("rain", OrderIntent::BuyLong, "0.54", "10")).await.unwrap();

    let out = server
        .pmx_as(
            "trader",
            &[
                "close-position",
                "rain",
                "--slippage-ticks",
                "2",
                "--current-price",
                "0.55",
                "--sync",
                "--max-block-time",
                "2",
            ],
        )
        .await
        .ok();
    let lines: Vec<_> = out.lines().collect();
    assert!(lines[0].starts_with("EXECUTION"), "{out}");
    assert!(lines[1].starts_with("new "), "{out}");
    assert!(lines[2].starts_with("partial-fill ") && lines[2].contains(" 6 ") && lines[2].contains(" 0.55 "), "{out}");
    assert!(lines[3].starts_with("fill ") && lines[3].contains(" 4 ") && lines[3].contains(" 0.54 "), "{out}");
    assert!(out.contains("close order ") && out.contains(" sent for rain\n"), "{out}");
    assert_eq!(field(&out, "intent"), Some("sell-long"));
    assert_eq!(field(&out, "side"), Some("sell"));
    assert_eq!(field(&out, "price"), Some("0.53"), "the bound");
    assert_eq!(field(&out, "state"), Some("filled"));
    assert_eq!(field(&out, "time in force"), Some("immediate-or-cancel"));
    assert_eq!(net(&server, "rain").await, "0.0000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_closes_from_the_offers_as_json() {
    let server = TestServer::start().await;
    open_position(&server, "btc", OrderIntent::BuyShort, "2.5").await;
    server.client(MAKER).create_order(&limit("btc", OrderIntent::BuyShort, "0.45", "5")).await.unwrap();

    let json =
        server.pmx_as("trader", &["close-position", "btc", "--slippage-bips", "500", "--sync", "--json"]).await.json();
    let executions = json["executions"].as_array().unwrap();
    let fill = executions.last().unwrap();
    assert_eq!(fill["type"], "EXECUTION_TYPE_FILL", "{json}");
    assert_eq!(fill["order"]["intent"], "ORDER_INTENT_SELL_SHORT");
    assert_eq!(fill["order"]["side"], "ORDER_SIDE_BUY");
    assert_eq!(fill["lastPx"]["value"], "0.45");
    assert_eq!(fill["order"]["id"], json["id"]);
    assert_eq!(net(&server, "btc").await, "0.0000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asynchronous_close_shows_the_order() {
    let server = TestServer::start().await;
    open_position(&server, "rain", OrderIntent::BuyLong, "3").await;
    server.client(MAKER).create_order(&limit("rain", OrderIntent::BuyLong, "0.50", "5")).await.unwrap();
    let out = server.pmx_as("trader", &["close-position", "rain"]).await.ok();
    assert!(out.starts_with("close order "), "{out}");
    assert_eq!(field(&out, "filled"), Some("3"), "{out}");
    assert_eq!(net(&server, "rain").await, "0.0000");
}
