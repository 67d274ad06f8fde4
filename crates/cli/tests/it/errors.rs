//! Failures print one line on stderr, nothing on stdout, and exit non-zero: the HTTP status,
//! the server's message and the correlation id, or `cannot reach <url>`.

use client::protocol::OrderIntent;

use crate::harness::{MAKER, TRADER, TestServer, closed_port_url, limit, open_position, pmx};

/// The correlation id at the end of an error line.
fn correlation_id(line: &str) -> &str {
    line.rsplit_once("(correlation id ").and_then(|(_, id)| id.strip_suffix(')')).unwrap_or_else(|| panic!("{line}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials() {
    let server = TestServer::start().await;
    // The trader's key id with another secret, then a key the server does not know.
    for (key_id, secret) in
        [(TRADER.0, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), ("00000000-0000-4000-8000-000000000000", TRADER.1)]
    {
        for command in [&["positions"][..], &["close-position", "rain"][..]] {
            let args = [command, &["--url", &server.url, "--key-id", key_id, "--secret-key", secret]].concat();
            let line = pmx(&args, &[]).await.error(1);
            assert!(line.starts_with("error: 401 "), "{line}");
            assert_eq!(correlation_id(&line).len(), 36, "{line}");
        }
    }
    // A secret that is not a key fails before anything is sent.
    let line =
        pmx(&["balances", "--url", &server.url, "--key-id", TRADER.0, "--secret-key", "abc"], &[]).await.error(1);
    assert!(line.starts_with("error: invalid secret key: "), "{line}");
    let missing = pmx(&["balances", "--url", &server.url, "--credentials", "/nonexistent.json"], &[]).await.error(1);
    assert!(missing.starts_with("error: cannot read credentials file /nonexistent.json"), "{missing}");
    let none = pmx(&["positions", "--url", &server.url], &[]).await.error(1);
    assert!(none.starts_with("error: no credentials: pass --credentials FILE"), "{none}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_market() {
    let server = TestServer::start().await;
    for command in
        [&["market", "nowhere"][..], &["book", "nowhere"], &["bbo", "nowhere"], &["book", "nowhere", "--json"]]
    {
        let line = pmx(&[command, &["--url", &server.url]].concat(), &[]).await.error(1);
        assert!(line.starts_with("error: 404 ") && line.contains("nowhere"), "{line}");
        correlation_id(&line);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_position_to_close() {
    let server = TestServer::start().await;
    let line = server.pmx_as("trader", &["close-position", "rain", "--sync"]).await.error(1);
    assert!(line.starts_with("error: 400 ") && line.contains("position"), "{line}");
    correlation_id(&line);
    // Flat again after a round trip: still nothing to close.
    open_position(&server, "rain", OrderIntent::BuyLong, "2").await;
    server.client(MAKER).create_order(&limit("rain", OrderIntent::BuyLong, "0.50", "2")).await.unwrap();
    server.pmx_as("trader", &["close-position", "rain"]).await.ok();
    let again = server.pmx_as("trader", &["close-position", "rain", "--json"]).await.error(1);
    assert!(again.starts_with("error: 400 "), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server() {
    let url = closed_port_url().await;
    for command in [
        &["markets"][..],
        &["balances", "--key-id", TRADER.0, "--secret-key", TRADER.1],
        &["close-position", "rain", "--key-id", TRADER.0, "--secret-key", TRADER.1],
    ] {
        let line = pmx(&[command, &["--url", &url, "--retries", "0"]].concat(), &[]).await.error(1);
        assert!(line.starts_with(&format!("error: cannot reach {url}: ")), "{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let server = TestServer::start().await;
    for (args, expected) in [
        (&["order", "create", "rain", "--quantity", "1"][..], "error: say what to trade"),
        (&["order", "create", "rain", "buy", "--quantity", "1"], "error: say which outcome"),
        (
            &["order", "create", "rain", "buy", "yes", "--type", "limit", "--quantity", "1"],
            "error: a limit order needs --price",
        ),
        (
            &["order", "create", "rain", "buy", "yes", "--type", "market", "--price", "0.5", "--quantity", "1"],
            "error: a market order takes no --price",
        ),
        (
            &["order", "create", "rain", "buy", "yes", "--price", "x", "--quantity", "1"],
            "error: --price: `x` is not a number",
        ),
        (&["order", "modify", "5"], "error: nothing to change"),
        (&["close-position", "rain", "--current-price", "0.5"], "error: --current-price needs"),
    ] {
        let line = server.pmx_as("trader", args).await.error(2);
        assert!(line.starts_with(expected), "{args:?}: {line}");
    }
    // Clap's own errors keep clap's format, with the same exit code.
    let run = server.pmx_as("trader", &["order", "create", "rain", "buy", "yes"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--quantity"), "{run:?}");
}
