//! The interface every engine adapter implements.
//!
//! An adapter owns one fresh engine instance for one market and translates each
//! [`Op`] into that engine's native calls. It builds everything it needs up front (in
//! its constructor, from the stream's id count), so that `apply` does only the work a
//! gateway in front of the engine would do per request: map the generator's id to the
//! engine's id, make the engine call, and note the fills in the result.

use crate::stream::Op;

/// Work an engine did, read after the run to check the venues did comparable things.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct VenueStats {
    /// Maker fills: one per resting order matched by an aggressor, summed over all ops.
    pub(crate) fills: u64,
    /// Ops the engine refused or found nothing to act on (e.g. cancel of an order it no
    /// longer has). Zero when the engine agrees with the generator's model.
    pub(crate) rejects: u64,
    /// Orders resting on the engine's book at the end.
    pub(crate) resting: usize,
}

pub(crate) trait Venue {
    /// Short name, used in the output lines (`pmx`, `nanobook`, `matchcore`).
    fn name(&self) -> &'static str;

    /// Apply one op. Called for the warm-up ops (untimed), then for the measured ops.
    fn apply(&mut self, op: &Op);

    /// What the engine did so far. Called once, after the timed run.
    fn stats(&self) -> VenueStats;
}
