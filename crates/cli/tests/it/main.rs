//! Integration tests of the `pmx` trading commands: the built binary run against a pmx server
//! started in-process on 127.0.0.1:0.
//!
//! - `harness`: the server, its accounts' credentials files, running `pmx`.
//! - `market_data`: markets, market, book, bbo, settlement, health.
//! - `orders`: order create/get/modify/cancel, orders, cancel-all, preview.
//! - `portfolio`: positions, activities, balances.
//! - `close_position`: closing a long and a short.
//! - `credentials`: key from flags, file, either pair of environment variables; `PMX_URL`.
//! - `errors`: bad credentials, unknown market, no position, unreachable server, bad usage.
//! - `demo`: the README's session against the demo.
//! - `watch`: `pmx watch` trades, book, orders and balances against the real server, Ctrl-C.
//! - `watch_scripted`: `pmx watch` against a scripted WebSocket server (reconnects, Ctrl-C,
//!   `--json`, a refused subscription).

mod close_position;
mod credentials;
mod demo;
mod errors;
mod harness;
mod market_data;
mod orders;
mod portfolio;
mod watch;
mod watch_scripted;
