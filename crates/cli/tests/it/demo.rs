//! The README's session against the demo: positions, close-position of the demo long (and
//! short), positions again.

use crate::harness::{Run, TestServer, pmx};

const LONG: &str = "nyc-rain-2026-12-01";
const SHORT: &str = "btc-above-150k-2026-12-31";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_the_demo_positions() {
    let server = TestServer::demo().await;
    let credentials = server.file("demo-credentials.json");
    let connect = ["--credentials", credentials.as_str(), "--url", server.url.as_str()];
    let run = async |args: &[&str]| -> Run { pmx(&[args, &connect[..]].concat(), &[]).await };

    let before = run(&["positions"]).await.ok();
    let row = |text: &str, slug: &str| text.lines().find(|line| line.starts_with(slug)).map(str::to_owned);
    assert!(row(&before, LONG).unwrap().contains(" 25.0000 "), "{before}");
    assert!(row(&before, SHORT).unwrap().contains(" -40.0000 "), "{before}");

    let closed = run(&["close-position", LONG, "--slippage-bips", "500", "--sync"]).await.ok();
    assert!(closed.lines().any(|line| line.starts_with("fill ")), "{closed}");
    assert!(closed.lines().any(|line| line == "state          filled"), "{closed}");
    let closed = run(&["close-position", SHORT, "--slippage-ticks", "3", "--sync"]).await.ok();
    assert!(closed.lines().any(|line| line == "intent         sell-short"), "{closed}");

    let after = run(&["positions"]).await.ok();
    assert!(row(&after, LONG).unwrap().contains(" 0.0000 "), "{after}");
    assert!(row(&after, SHORT).unwrap().contains(" 0.0000 "), "{after}");
}
