//! Typed errors for commands that cannot become an order event.
//!
//! An `Err` from `Engine::apply` means the command changed nothing (apart from time having
//! advanced: expiries due at the command's timestamp still happen). Order-level business
//! failures are not errors: they are `REJECTED` executions.

/// Why a command was refused outright.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown market")]
    UnknownMarket,
    #[error("unknown account")]
    UnknownAccount,
    #[error("order not found among the account's open orders")]
    UnknownOrder,
    #[error("a market with this slug already exists")]
    DuplicateMarket,
    #[error("an account with this name already exists")]
    DuplicateAccount,
    #[error("account name must be 1 to 200 characters")]
    InvalidAccountName,
    #[error("the exchange has reached its account limit")]
    TooManyAccounts,
    #[error("invalid market: {0}")]
    InvalidMarketSpec(&'static str),
    #[error("amount must be positive and within limits")]
    InvalidAmount,
    #[error("insufficient funds: withdrawal would leave margin or open orders unfunded")]
    InsufficientFunds,
    #[error("no position to close in this market")]
    NoPosition,
    #[error("market is settled")]
    MarketSettled,
    #[error("settlement value must be between 0 and 1")]
    InvalidSettlement,
    #[error("markets are expired only by settlement")]
    InvalidStateChange,
}
