//! Where `pmx` finds its key and URL: `--key-id`/`--secret-key`, `--credentials FILE`,
//! `POLYMARKET_KEY_ID`/`POLYMARKET_SECRET_KEY`, `POLYMARKET_US_KEY_ID`/`POLYMARKET_US_SECRET_KEY`,
//! and `PMX_URL`.

use crate::harness::{OTHER, TRADER, TestServer, pmx};

/// The account's USD balance line, which tells the accounts apart by nothing; so the test
/// places an order as one account and checks whose open orders show it.
async fn open_order_count(server: &TestServer, account: &str) -> usize {
    let json = server.pmx_as(account, &["orders", "--json"]).await.json();
    json["orders"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_of_credentials_and_the_url_from_the_environment() {
    let server = TestServer::start().await;
    let order = ["order", "create", "rain", "buy", "yes", "--price", "0.10", "--quantity", "1"];
    let url = server.url.as_str();

    let with_flags = [&order[..], &["--url", url, "--key-id", TRADER.0, "--secret-key", TRADER.1]].concat();
    pmx(&with_flags, &[]).await.ok();
    assert_eq!(open_order_count(&server, "trader").await, 1);

    let with_env = [&order[..], &["--url", url]].concat();
    pmx(&with_env, &[("POLYMARKET_KEY_ID", TRADER.0), ("POLYMARKET_SECRET_KEY", TRADER.1)]).await.ok();
    assert_eq!(open_order_count(&server, "trader").await, 2);

    pmx(&with_env, &[("POLYMARKET_US_KEY_ID", OTHER.0), ("POLYMARKET_US_SECRET_KEY", OTHER.1)]).await.ok();
    assert_eq!(open_order_count(&server, "other").await, 1);

    // PMX_URL instead of --url; the flags win over the environment.
    let file = server.file("other.json");
    let env = [("PMX_URL", url), ("POLYMARKET_KEY_ID", TRADER.0), ("POLYMARKET_SECRET_KEY", TRADER.1)];
    pmx(&[&order[..], &["--credentials", &file]].concat(), &env).await.ok();
    assert_eq!(open_order_count(&server, "other").await, 2);
    assert_eq!(open_order_count(&server, "trader").await, 2);

    // Half a pair is refused, naming what is missing.
    let error = pmx(&["balances", "--url", url], &[("POLYMARKET_KEY_ID", TRADER.0)]).await.error(1);
    assert_eq!(error, "error: POLYMARKET_KEY_ID is set but POLYMARKET_SECRET_KEY is not");
}
