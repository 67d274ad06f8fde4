//! Integration tests of the engine, one binary (docs/style.md rule 15):
//! - `scenario`: data-driven scenarios for every order flow and close-position case;
//! - `reference`: a naive reference exchange (obviously correct, slow) that shares no
//!   computation with the engine: its own exact fee arithmetic and half-even rounding, its
//!   own per-order fee cap recomputed from each order's fills, its own table of legal order
//!   state changes, its own reservations;
//! - `differential`: seeded random command streams run on both, compared event by event,
//!   with invariants checked after every command and replay determinism; the generator's
//!   accounts keep to one, two, three or every market, and its books run several dozen
//!   orders deep;
//! - `snapshot`: snapshot round trips, the restored engine compared with the original.

#[expect(clippy::disallowed_methods, reason = "the differential runs read their seeds and sizes from the environment")]
mod differential;
mod reference;
mod scenario;
mod snapshot;
