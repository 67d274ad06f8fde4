//! The order commands: create (limit and market, either way of giving the direction), get,
//! modify, cancel, open orders, cancel-all and preview, as tables and as JSON.

use client::protocol::OrderIntent;

use crate::harness::{MAKER, TestServer, limit};

/// The value of `key` in a key/value block.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| line.strip_prefix(key).filter(|rest| rest.starts_with("  ")).map(str::trim))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_modify_cancel() {
    let server = TestServer::start().await;
    let placed = server
        .pmx_as(
            "trader",
            &["order", "create", "rain", "buy", "yes", "--price", "0.40", "--quantity", "5", "--tif", "gtc"],
        )
        .await
        .ok();
    let id = placed.lines().next().unwrap().strip_prefix("order ").unwrap().strip_suffix(" placed").unwrap().to_owned();
    assert_eq!(field(&placed, "state"), Some("new"), "{placed}");
    assert_eq!(field(&placed, "intent"), Some("buy-long"));
    assert_eq!(field(&placed, "price"), Some("0.40"));
    assert_eq!(field(&placed, "time in force"), Some("good-till-cancel"));

    let json = server.pmx_as("trader", &["order", "get", &id, "--json"]).await.json();
    assert_eq!(json["order"]["id"], id.as_str());
    assert_eq!(json["order"]["outcomeSide"], "OUTCOME_SIDE_YES");
    let shown = server.pmx_as("trader", &["order", "get", &id]).await.ok();
    assert_eq!(field(&shown, "quantity"), Some("5"));

    let modified = server.pmx_as("trader", &["order", "modify", &id, "--price", "0.42", "--quantity", "6"]).await.ok();
    assert_eq!((field(&modified, "price"), field(&modified, "quantity")), (Some("0.42"), Some("6")), "{modified}");
    let json = server.pmx_as("trader", &["order", "modify", &id, "--tif", "day", "--json"]).await.json();
    assert_eq!(json, serde_json::json!({}));

    let canceled = server.pmx_as("trader", &["order", "cancel", &id, "--market", "rain"]).await.ok();
    assert_eq!(field(&canceled, "state"), Some("canceled"), "{canceled}");
    let json = server.pmx_as("trader", &["order", "cancel", &id, "--json"]).await.json();
    assert_eq!(json, serde_json::json!({}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synchronous_market_order_shows_its_executions() {
    let server = TestServer::start().await;
    server.client(MAKER).create_order(&limit("btc", OrderIntent::BuyShort, "0.30", "10")).await.unwrap();
    let out = server
        .pmx_as("trader", &["order", "create", "btc", "--intent", "buy-long", "--quantity", "2.5", "--sync"])
        .await
        .ok();
    let lines: Vec<_> = out.lines().collect();
    assert!(lines[0].starts_with("EXECUTION") && lines[0].ends_with("NOTE"), "{out}");
    assert!(lines[1].starts_with("new "), "{out}");
    assert!(lines[2].starts_with("fill ") && lines[2].contains(" 2.5 ") && lines[2].contains(" 0.30 "), "{out}");
    assert_eq!(field(&out, "state"), Some("filled"));
    assert_eq!(field(&out, "type"), Some("market"));

    let json = server
        .pmx_as(
            "trader",
            &["order", "create", "btc", "buy", "yes", "--quantity", "1", "--sync", "--json", "--max-block-time", "1"],
        )
        .await
        .json();
    let executions = json["executions"].as_array().unwrap();
    assert_eq!(executions.last().unwrap()["type"], "EXECUTION_TYPE_FILL");
    // A rejected order is still placed (HTTP 200); the table says so and how to see why.
    let rejected = server.pmx_as("trader", &["order", "create", "btc", "sell", "no", "--quantity", "5"]).await.ok();
    assert_eq!(field(&rejected, "state"), Some("rejected"), "{rejected}");
    assert!(rejected.contains("run with --sync to see why"), "{rejected}");
    let why =
        server.pmx_as("trader", &["order", "create", "btc", "sell", "no", "--quantity", "5", "--sync"]).await.ok();
    assert!(why.lines().nth(1).unwrap().starts_with("rejected "), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_orders_and_cancel_all() {
    let server = TestServer::start().await;
    assert_eq!(server.pmx_as("trader", &["orders"]).await.ok(), "no open orders\n");
    for (slug, price) in [("rain", "0.30"), ("btc", "0.20"), ("btc", "0.21")] {
        server
            .pmx_as("trader", &["order", "create", slug, "buy", "yes", "--price", price, "--quantity", "1"])
            .await
            .ok();
    }
    let table = server.pmx_as("trader", &["orders"]).await.ok();
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.lines().next().unwrap().starts_with("ID  MARKET"), "{table}");
    let btc = server.pmx_as("trader", &["orders", "--market", "btc", "--json"]).await.json();
    assert_eq!(btc["orders"].as_array().unwrap().len(), 2);
    let both = server.pmx_as("trader", &["orders", "--market", "btc", "--market", "rain"]).await.ok();
    assert_eq!(both.lines().count(), 4);

    let canceled = server.pmx_as("trader", &["cancel-all", "--market", "rain"]).await.ok();
    assert!(canceled.starts_with("canceled 1 order: "), "{canceled}");
    let json = server.pmx_as("trader", &["cancel-all", "--json"]).await.json();
    assert_eq!(json["canceledOrderIds"].as_array().unwrap().len(), 2);
    assert_eq!(server.pmx_as("trader", &["cancel-all"]).await.ok(), "no open orders to cancel\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_places_nothing() {
    let server = TestServer::start().await;
    let table =
        server.pmx_as("trader", &["preview", "rain", "buy", "yes", "--price", "0.515", "--quantity", "3"]).await.ok();
    assert!(table.starts_with("preview only: nothing was placed\n"), "{table}");
    assert_eq!(field(&table, "price"), Some("0.51"));
    let json = server
        .pmx_as("trader", &["preview", "rain", "--intent", "buy-long", "--price", "0.5", "--quantity", "1", "--json"])
        .await
        .json();
    assert_eq!(json["order"]["state"], "ORDER_STATE_NEW");
    assert_eq!(server.pmx_as("trader", &["orders"]).await.ok(), "no open orders\n");
}
