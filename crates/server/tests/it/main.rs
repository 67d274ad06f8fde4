//! Integration tests of the HTTP API against a real server on 127.0.0.1:0.
//!
//! - `harness`: the test server, signing client and standard config.
//! - `smoke`: start-up, health, demo seeding, a first trade and close-position.
//! - `restart`: state identical after a restart on the same data directory.
//! - `orders`: the single-order endpoints, field by field.
//! - `batches`: batched create, cancel and modify.
//! - `close_position`: close-position on longs and shorts, bounds, and its refusals.
//! - `portfolio`: positions, activities and balances.
//! - `markets`: the public markets endpoints.
//! - `auth`: credential failures, unsigned queries, public paths and rate limits.
//! - `bad_input`: malformed, mistyped and out-of-range input: 4xx, and nothing changes.
//! - `sync`: synchronousExecution waits, timeouts and late fills.
//! - `disk_faults`: a journal that cannot be written: 503 for writes, reads served, recovery.
//! - `snapshots`: snapshot plus journal tail equals full replay; damaged snapshots skipped.
//! - `ws`: the WebSocket test client.
//! - `streams`: the streams' protocol: upgrade, every subscription type, limits, bad frames.
//! - `stream_order`: the streams' consistency: durability, journal order, snapshot boundary
//!   under concurrent trading, slow consumers, restarts.

#![expect(clippy::disallowed_methods, reason = "the tests sign requests with the wall clock's time")]

mod auth;
mod bad_input;
mod batches;
mod close_position;
mod disk_faults;
mod harness;
mod markets;
mod orders;
mod portfolio;
mod restart;
mod smoke;
mod snapshots;
mod streams;
mod sync;
mod ws;
