//! Integration tests of the HTTP API against a real server on 127.0.0.1:0.
//!
//! - `harness`: the test server, signing client and standard config.
//! - `smoke`: start-up, health, demo seeding, a first trade and close-position.
//! - `restart`: state identical after a restart on the same data directory.

mod harness;
mod restart;
mod smoke;
