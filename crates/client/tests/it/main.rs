//! Integration tests of the client against a real pmx server on 127.0.0.1:0.
//!
//! - `harness`: the server, its config and accounts, order builders.
//! - `markets`: health and the public market-data methods.
//! - `orders`: every order method, single and batched, and preview.
//! - `portfolio`: positions, activities and balances.
//! - `close_position`: closing a long and a short.
//! - `errors`: 401, 404, 400, an unreachable server, missing credentials, 429 and retries.
//! - `raw`: `Client::send` returns the server's JSON as sent.
//! - `scripted`: retries on 5xx, timeouts and TLS, against a scripted HTTP server.
//! - `streams`: the streams against the real server: market data and trades for crossing
//!   orders, executions and balances, refusals, and a resubscription across a restart.
//! - `stream_scripted`: streams against a scripted WebSocket server: the signed upgrade,
//!   subscribe frames, decoding, refusals, and reconnecting with resubscription.

mod close_position;
mod errors;
mod harness;
mod markets;
mod orders;
mod portfolio;
mod raw;
mod scripted;
mod stream_scripted;
mod streams;
