//! The public market-data commands, as tables and as the server's JSON.

use client::protocol::OrderIntent;

use crate::harness::{MAKER, TestServer, limit, pmx};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markets_table_and_json() {
    let server = TestServer::start().await;
    let table = pmx(&["markets", "--url", &server.url], &[]).await.ok();
    let lines: Vec<_> = table.lines().collect();
    assert!(lines[0].starts_with("SLUG") && lines[0].contains("STATUS") && lines[0].ends_with("TITLE"), "{table}");
    assert!(lines[1].starts_with("rain ") && lines[1].contains(" open ") && lines[1].ends_with("Will it rain?"));
    assert!(lines[2].starts_with("btc "), "{table}");
    assert_eq!(lines.len(), 3);
    // Columns line up: every row has its status where the header has STATUS.
    let status_at = lines[0].find("STATUS").unwrap();
    assert!(lines[1..].iter().all(|line| line[status_at..].starts_with("open")), "{table}");

    let json = pmx(&["markets", "--url", &server.url, "--json", "--slug", "btc"], &[]).await.json();
    assert_eq!(json["markets"].as_array().unwrap().len(), 1);
    assert_eq!(json["markets"][0]["slug"], "btc");
    let active = pmx(&["markets", "--url", &server.url, "--active", "--limit", "1"], &[]).await.ok();
    assert_eq!(active.lines().count(), 2, "{active}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_market_by_slug_and_by_id() {
    let server = TestServer::start().await;
    let json = pmx(&["market", "rain", "--url", &server.url, "--json"], &[]).await.json();
    assert_eq!(json["market"]["slug"], "rain");
    let id = json["market"]["id"].as_str().unwrap().to_owned();
    let table = pmx(&["market", "--id", &id, "--url", &server.url], &[]).await.ok();
    assert!(table.lines().any(|line| line == "slug             rain"), "{table}");
    assert!(table.lines().any(|line| line.starts_with("tick size") && line.ends_with("0.01")), "{table}");
    assert!(table.contains("Will it rain?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn book_bbo_settlement_and_health() {
    let server = TestServer::start().await;
    let maker = server.client(MAKER);
    for (intent, price, quantity) in
        [(OrderIntent::BuyLong, "0.40", "5"), (OrderIntent::BuyLong, "0.45", "3"), (OrderIntent::BuyShort, "0.55", "7")]
    {
        maker.create_order(&limit("rain", intent, price, quantity)).await.unwrap();
    }
    let book = pmx(&["book", "rain", "--url", &server.url], &[]).await.ok();
    assert_eq!(
        book,
        concat!("rain (open)\n", "BID QTY   BID   ASK  ASK QTY\n", "      3  0.45  0.55        7\n", "      5  0.40\n",)
    );
    let top = pmx(&["book", "rain", "--depth", "1", "--url", &server.url], &[]).await.ok();
    assert_eq!(top.lines().count(), 3, "{top}");
    let json = pmx(&["book", "rain", "--url", &server.url, "--json"], &[]).await.json();
    assert_eq!(json["marketData"]["bids"][0]["px"]["value"], "0.45");

    let bbo = pmx(&["bbo", "rain", "--url", &server.url], &[]).await.ok();
    assert!(bbo.contains("best bid       0.45\n") && bbo.contains("best ask       0.55\n"), "{bbo}");
    let json = pmx(&["bbo", "rain", "--url", &server.url, "--json"], &[]).await.json();
    assert_eq!(json["marketData"]["bidDepth"], 2);

    let error = pmx(&["settlement", "rain", "--url", &server.url], &[]).await.error(1);
    assert!(error.starts_with("error: 404 "), "{error}");
    assert_eq!(pmx(&["health", "--url", &server.url], &[]).await.ok(), "ok\n");
    assert_eq!(pmx(&["health", "--url", &server.url, "--json"], &[]).await.json()["status"], "ok");
}
