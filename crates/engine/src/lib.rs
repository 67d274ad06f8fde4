//! The pmx exchange as a pure, deterministic state machine.
//!
//! `Engine::apply(&Command, &mut Vec<Event>)` is the whole interface: commands in (already
//! sequenced and time-stamped), events out. No I/O, no clock, no randomness, no async, no
//! floating point. The same commands always produce the same events and the same
//! `state_hash`.
//!
//! Parts:
//! - `command`: the inputs (`Command`, `Op`, `NewOrder`, `Modify`, `ClosePosition`, ...).
//! - `event`: the outputs (`Event`, `Execution`, `Trade`, `Resolution`, ...).
//! - `order`: order enums, the `Order` record and the one state-transition table.
//! - `reject`: reject reasons with stable codes, cancel causes and notes (`text`).
//! - `engine`: the `Engine` struct, dispatch and queries.
//! - `trading`: placement, matching, cancels, modifies, close-position, clean-up after fills.
//! - `admin`: markets, accounts, deposits and withdrawals, settlement, the day roll.
//! - `account`: accounts, per-market exposure and the full-collateral risk rule.
//! - `position`: signed positions with average-cost accounting.
//! - `fees`: the quadratic fee, cent rounding half to even, the per-order cap.
//! - `book`: the order slab and the tick-indexed price ladders.
//! - `market`: market spec validation and statistics.
//! - `invariants`: `check_invariants`, run after every command in tests.
//! - `hash`: `state_hash`, a digest of the whole state for replay checks (xxh3 of the
//!   snapshot bytes).
//! - `snapshot`: `encode_snapshot` / `decode_snapshot`, the versioned binary state encoding.
//! - `codes`: the stable one-byte code of every enum a storage format writes (`codec::Code`).
//! - `records`: `codec::Encode` / `Decode` for orders, positions, trades and resolutions:
//!   the snapshot stores orders and positions, the server's history store trades and
//!   resolutions (its execution records have their own compact layout).
//! - `error`: `EngineError`, for commands that produce no order event.

mod account;
mod admin;
mod book;
mod codes;
mod command;
mod engine;
mod error;
mod event;
mod fees;
mod hash;
mod invariants;
mod market;
mod order;
mod position;
mod records;
mod reject;
mod snapshot;
mod trading;

pub use account::Account;
pub use command::{ClosePosition, Command, MarketRef, MarketSpec, MarketState, Modify, NewOrder, Op, Size, Slippage};
pub use engine::{BalanceView, Engine, PositionView, Reply, limits};
pub use error::EngineError;
pub use event::{
    CashKind, Event, ExecKind, Execution, FillInfo, LedgerCause, Resolution, ResolutionSide, Trade, TradeSide,
};
pub use fees::{div_round_half_even, exact_fee, round_to_cent};
pub use invariants::InvariantViolation;
pub use market::{Market, MarketStats};
pub use order::{
    Intent, InvalidTransition, ManualIndicator, Order, OrderKind, OrderState, Side, Tif, Transition, transition,
};
pub use position::Position;
pub use reject::{Note, RejectReason, UnsolicitedCancel};
pub use snapshot::{SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SnapshotError};
