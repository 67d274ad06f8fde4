//! `pmx watch` against a real server: each stream's readable line for orders placed over
//! HTTP, then Ctrl-C: exit 0, nothing on stderr.
//!
//! A subscribe has no acknowledgement, so where no snapshot says the subscription is in
//! place (trades, orders), the test repeats its action until the line comes.

use std::time::Duration;

use client::protocol::OrderIntent;

use crate::harness::{MAKER, TRADER, TestServer, Watching, limit};

impl TestServer {
    /// Starts `pmx watch ARGS` as `account`.
    fn watch(&self, account: &str, args: &[&str]) -> Watching {
        let file = self.file(&format!("{account}.json"));
        let all = [&["watch"], args, &["--url", &self.url, "--credentials", &file]].concat();
        Watching::start(&all)
    }
}

/// The fields of a line.
fn fields(line: &str) -> Vec<&str> {
    line.split("  ").collect()
}

/// Ctrl-C: exit 0, nothing more on stdout or stderr.
async fn stop(watch: Watching) {
    let run = watch.interrupt().await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_trades_prints_a_line_per_trade() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));
    maker.create_order(&limit("rain", OrderIntent::BuyShort, "0.60", "50")).await.unwrap();
    let mut watch = server.watch("other", &["trades", "rain", "btc"]);
    let mut line = None;
    for _ in 0..20 {
        trader.create_order(&limit("rain", OrderIntent::BuyLong, "0.60", "1")).await.unwrap();
        line = watch.line_within(Duration::from_millis(500)).await;
        if line.is_some() {
            break;
        }
    }
    let line = line.expect("a trade line");
    let fields = fields(&line);
    // `2026-09-25 14:03:07  rain  price 0.60  qty 1  taker buy/buy-long`
    assert_eq!(fields.len(), 5, "{line}");
    assert_eq!(fields[0].len(), "2026-09-25 14:03:07".len(), "{line}");
    assert_eq!(fields[1..], ["rain", "price 0.60", "qty 1", "taker buy/buy-long"], "{line}");
    stop(watch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_book_prints_the_book_then_each_change() {
    let server = TestServer::start().await;
    let maker = server.client(MAKER);
    maker.create_order(&limit("rain", OrderIntent::BuyLong, "0.40", "5")).await.unwrap();
    let mut watch = server.watch("trader", &["book", "rain", "--depth", "1"]);
    let snapshot = watch.line().await;
    assert_eq!(fields(&snapshot)[1..], ["rain", "open", "bid 0.40 x 5 (1 level)", "ask none"], "{snapshot}");
    maker.create_order(&limit("rain", OrderIntent::BuyLong, "0.45", "3")).await.unwrap();
    let changed = watch.line().await;
    assert_eq!(fields(&changed)[1..], ["rain", "open", "bid 0.45 x 3 (2 levels)", "ask none"], "{changed}");
    stop(watch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_orders_and_balances_follow_the_traders_account() {
    let server = TestServer::start().await;
    let (maker, trader) = (server.client(MAKER), server.client(TRADER));

    let mut balances = server.watch("trader", &["balances"]);
    let snapshot = balances.line().await;
    assert_eq!(fields(&snapshot), ["USD", "balance 1000.00", "buying power 1000.00", "snapshot"], "{snapshot}");

    let mut orders = server.watch("trader", &["orders", "--market", "rain"]);
    let (mut line, mut placed) = (None, 0);
    while line.is_none() && placed < 20 {
        trader.create_order(&limit("rain", OrderIntent::BuyLong, "0.30", "1")).await.unwrap();
        placed += 1;
        line = orders.line_within(Duration::from_millis(500)).await;
    }
    let line = line.expect("an order line");
    // `new  order ID  rain  buy-long  new  filled 0 of 1  limit 0.30`, after the time.
    let fields_of = fields(&line);
    assert_eq!(fields_of[1], "new", "{line}");
    assert!(fields_of[2].starts_with("order "), "{line}");
    assert_eq!(fields_of[3..], ["rain", "buy-long", "new", "filled 0 of 1", "limit 0.30"], "{line}");
    // Fills: the maker crosses every order the trader placed (those placed before the
    // subscription was in place fill first, in time priority), in one command.
    let quantity = placed.to_string();
    maker.create_order(&limit("rain", OrderIntent::BuyShort, "0.30", &quantity)).await.unwrap();
    let mut found = false;
    while !found {
        let fill = orders.line().await;
        let fill_fields = fields(&fill);
        if fill_fields[1] == "new" {
            // A late `new` of an order placed while waiting for the first line.
            continue;
        }
        assert_eq!(fill_fields[1], "fill", "{fill}");
        assert!(fill_fields[2].starts_with("order "), "{fill}");
        assert_eq!(
            fill_fields[3..],
            ["rain", "buy-long", "filled", "1 @ 0.30", "filled 1 of 1", "limit 0.30"],
            "{fill}"
        );
        found = fill_fields[2] == fields_of[2];
    }
    // The balance after the fill, as an HTTP read shows it, and its cause (after the lines of
    // the orders resting, which moved buying power without a ledger entry).
    let mut changed = balances.line().await;
    while fields(&changed).last().is_some_and(|cause| *cause == "open-orders") {
        changed = balances.line().await;
    }
    let balance = trader.balances().await.unwrap().remove(0);
    let number = |value: Option<client::protocol::JsonNumber>| value.unwrap().as_str().to_owned();
    assert_eq!(
        fields(&changed)[1..],
        [
            "USD".to_owned(),
            format!("balance {}", number(balance.current_balance)),
            format!("buying power {}", number(balance.buying_power)),
            "order-execution".to_owned(),
        ],
        "{changed}"
    );
    stop(orders).await;
    stop(balances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_needs_credentials_and_a_known_market() {
    let server = TestServer::start().await;
    let run = Watching::start(&["watch", "balances", "--url", &server.url]).wait().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("error: no credentials: pass --credentials FILE"), "{run:?}");
    let run = server.watch("trader", &["book", "no-such-market"]).wait().await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.starts_with("error: the server refused the subscription: "), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    let run =
        Watching::start(&["watch", "balances", "--url", &server.url, "--key-id", MAKER.0, "--secret-key", TRADER.1])
            .wait()
            .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("error: 401 "), "{run:?}");
}
