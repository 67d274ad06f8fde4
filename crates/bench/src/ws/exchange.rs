//! The exchange under test: a real pmx (`server::Server`) started in this process on a fresh
//! temporary data directory, served on 127.0.0.1:0 by its own Tokio runtime.
//!
//! The config has one market (`bench`, tick $0.01, whole contracts), the four trading
//! accounts of `load::Role` funded with $10,000,000 each, one unfunded `watcher` account whose
//! key the market-data subscribers use, no rate limit (`requests_per_second_per_key = 0`) and
//! a stream connection cap per key high enough for every subscriber
//! (`connections_per_key_max = 2000`). The journal is fsync'd as in production (the data
//! directory is on the machine's disk).
//!
//! The server's runtime is separate from the bench's client runtime (`pmx-server` threads),
//! as it would be in its own process; `pmx serve` builds the same multi-threaded runtime with
//! one worker per core.

use std::net::SocketAddr;

use crate::http::Key;
use crate::load::Role;

/// Key id and secret (base64 of a 32-byte seed) of the market-data subscribers' account.
pub(crate) const WATCHER: (&str, &str) =
    ("0a0b0c0d-0e0f-4000-8000-000000000005", "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=");
/// The market.
pub(crate) const MARKET: &str = "bench";

/// A running exchange.
pub(crate) struct Exchange {
    pub(crate) addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Exchange {
    /// Starts a fresh exchange. With `nodelay`, the listening socket has `TCP_NODELAY` set,
    /// which Linux copies to every accepted socket (pmx itself leaves Nagle's algorithm on).
    pub(crate) fn start(nodelay: bool) -> Exchange {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let config = server::Config::parse(&config_text(dir.path())).expect("the bench config is valid");
        let server = server::Server::start(&config).expect("the server starts");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("pmx-server")
            .build()
            .expect("the server's runtime");
        let listener = runtime.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
            socket.set_reuseaddr(true).expect("SO_REUSEADDR");
            if nodelay {
                socket.set_nodelay(true).expect("TCP_NODELAY");
            }
            socket.bind("127.0.0.1:0".parse().expect("an address")).expect("a loopback port");
            // Room for a thousand subscribers connecting at once.
            socket.listen(4_096).expect("listen")
        });
        let addr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = runtime.spawn(server.serve(listener, async move {
            let _ = stopped.await;
        }));
        Exchange { addr, runtime: Some(runtime), stop: Some(stop), task: Some(task), _dir: dir }
    }

    /// Stops the server cleanly and waits for it (the sequencer drains, writes its final
    /// snapshot and closes the journal).
    pub(crate) fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let (Some(runtime), Some(task)) = (self.runtime.as_ref(), self.task.take()) {
            match runtime.block_on(task) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => eprintln!("ws-bench: the server ended with an error: {error}"),
                Err(error) => eprintln!("ws-bench: the server task failed: {error}"),
            }
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        }
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The config file's text.
fn config_text(data_dir: &std::path::Path) -> String {
    let mut text = format!(
        r#"data_dir = "{}"

[limits]
requests_per_second_per_key = 0

[streams]
connections_per_key_max = 2000

[[markets]]
slug = "{MARKET}"
title = "ws-bench market"
event_slug = "ws-bench"
tick_size = "0.01"
min_trade_qty = "1"
"#,
        data_dir.display()
    );
    for role in Role::ALL {
        let (key_id, secret) = role.key();
        text.push_str(&account_toml(role.account(), "10000000", key_id, secret));
    }
    text.push_str(&account_toml("watcher", "0", WATCHER.0, WATCHER.1));
    text
}

/// One `[[accounts]]` table with one key.
fn account_toml(name: &str, cash: &str, key_id: &str, secret: &str) -> String {
    let public = Key::new(key_id, secret).public_base64();
    format!(
        "\n[[accounts]]\nid = \"{name}\"\ncash = \"{cash}\"\n[[accounts.keys]]\nkey_id = \"{key_id}\"\npublic_key = \"{public}\"\n"
    )
}
