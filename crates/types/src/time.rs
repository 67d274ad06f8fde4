//! Time as data. The engine never reads a clock; every command carries a `Timestamp`.

/// Nanoseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Nanoseconds in one millisecond.
    pub const NANOS_PER_MS: i64 = 1_000_000;
    /// Nanoseconds in one second.
    pub const NANOS_PER_S: i64 = 1_000_000_000;

    /// A timestamp from nanoseconds since the epoch.
    pub const fn from_nanos(nanos: i64) -> Timestamp {
        Timestamp(nanos)
    }

    /// A timestamp from milliseconds since the epoch; `None` on overflow.
    pub const fn from_millis(millis: i64) -> Option<Timestamp> {
        match millis.checked_mul(Self::NANOS_PER_MS) {
            Some(nanos) => Some(Timestamp(nanos)),
            None => None,
        }
    }

    /// Nanoseconds since the epoch.
    pub const fn nanos(self) -> i64 {
        self.0
    }
}
