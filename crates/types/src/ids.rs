//! Identifier newtypes. Each id is a plain integer assigned in sequence by the engine, so ids
//! are deterministic functions of the journal.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);

        impl $name {
            /// The raw integer.
            pub const fn get(self) -> $inner {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id_type!(
    /// An account: the owner of cash, positions and orders.
    AccountId(u32)
);
id_type!(
    /// A market: one YES instrument with one order book.
    MarketId(u32)
);
id_type!(
    /// An order, unique across the exchange.
    OrderId(u64)
);
id_type!(
    /// A trade (one match between a taker and a maker order).
    TradeId(u64)
);
id_type!(
    /// One execution report (an event on one order).
    ExecutionId(u64)
);
id_type!(
    /// The sequence number the sequencer stamps on a command.
    Seq(u64)
);
