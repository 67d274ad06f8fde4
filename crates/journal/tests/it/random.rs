//! Seeded random entries for the property-style tests: a small SplitMix64 generator and
//! builders that reach every `Op` variant, every optional field in both states, and the edge
//! values of every integer (zero, extremes, varint length boundaries).

use engine::{
    ClosePosition, Command, Intent, ManualIndicator, MarketRef, MarketSpec, MarketState, Modify, NewOrder, Op,
    OrderKind, Size, Slippage, Tif,
};
use journal::{Entry, KeyGrant};
use types::{AccountId, Cash, MarketId, OrderId, Price, Qty, Rate, Seq, Timestamp};

/// SplitMix64: tiny, fast, and good enough to drive tests reproducibly.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (bound > 0; the tiny modulo bias does not matter here).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    fn u64_value(&mut self) -> u64 {
        match self.below(6) {
            0 => self.pick(&[0, 1, 127, 128, 16_383, 16_384, u64::MAX - 1, u64::MAX]),
            1 => 1 << self.below(64),
            2 => self.below(1_000),
            _ => self.next_u64() >> self.below(64),
        }
    }

    fn u32_value(&mut self) -> u32 {
        match self.below(4) {
            0 => self.pick(&[0, 1, 127, 128, u32::MAX - 1, u32::MAX]),
            1 => self.below(10_000) as u32,
            _ => (self.next_u64() >> (32 + self.below(32))) as u32,
        }
    }

    fn i64_value(&mut self) -> i64 {
        match self.below(5) {
            0 => self.pick(&[0, 1, -1, 63, -64, 64, -65, i64::MIN, i64::MIN + 1, i64::MAX]),
            1 => self.below(2_000_000) as i64 - 1_000_000,
            _ => (self.next_u64() as i64) >> self.below(64),
        }
    }

    fn i32_value(&mut self) -> i32 {
        match self.below(3) {
            0 => self.pick(&[0, 1, -1, i32::MIN, i32::MAX]),
            1 => self.below(2_000) as i32 - 1_000,
            _ => (self.next_u64() as i32) >> self.below(32),
        }
    }

    fn string(&mut self) -> String {
        match self.below(6) {
            0 => String::new(),
            1 => self.pick(&["nyc-rain-2026-12-01", "Will it rain in New York?", "Yes", "alice"]).to_owned(),
            2 => self.pick(&["é", "naïve café", "📈 up", "日本語", "\u{0}nul"]).to_owned(),
            3 => "x".repeat(self.index(400)),
            _ => {
                let len = self.index(24);
                (0..len).map(|_| char::from(b' ' + self.below(95) as u8)).collect()
            }
        }
    }

    fn option<T>(&mut self, make: impl FnOnce(&mut Rng) -> T) -> Option<T> {
        if self.chance(50) { Some(make(self)) } else { None }
    }
}

fn price(rng: &mut Rng) -> Price {
    Price(rng.u32_value())
}

fn market_state(rng: &mut Rng) -> MarketState {
    rng.pick(&[
        MarketState::Open,
        MarketState::Preopen,
        MarketState::Suspended,
        MarketState::Halted,
        MarketState::Expired,
    ])
}

fn tif(rng: &mut Rng) -> Tif {
    rng.pick(&[Tif::Day, Tif::GoodTillCancel, Tif::GoodTillDate, Tif::ImmediateOrCancel, Tif::FillOrKill])
}

fn manual(rng: &mut Rng) -> ManualIndicator {
    rng.pick(&[ManualIndicator::Manual, ManualIndicator::Automatic])
}

fn market_ref(rng: &mut Rng) -> MarketRef {
    if rng.chance(50) { MarketRef::Id(MarketId(rng.u32_value())) } else { MarketRef::Slug(rng.string().into()) }
}

fn slippage(rng: &mut Rng) -> Slippage {
    Slippage { current_price: rng.option(price), bips: rng.option(Rng::i32_value), ticks: rng.option(Rng::i32_value) }
}

/// The number of `Op` variants, and each variant's index (exhaustive: a new variant fails to
/// compile here until the generator and this count learn about it).
pub(crate) const OP_VARIANTS: usize = 13;

pub(crate) fn op_index(op: &Op) -> usize {
    match op {
        Op::CreateMarket(_) => 0,
        Op::SetMarketState { .. } => 1,
        Op::SettleMarket { .. } => 2,
        Op::CreateAccount { .. } => 3,
        Op::Deposit { .. } => 4,
        Op::Withdraw { .. } => 5,
        Op::PlaceOrder(_) => 6,
        Op::CancelOrder { .. } => 7,
        Op::CancelAll { .. } => 8,
        Op::ModifyOrder(_) => 9,
        Op::ClosePosition(_) => 10,
        Op::AdvanceTime => 11,
        Op::EndOfDay => 12,
    }
}

pub(crate) fn op(rng: &mut Rng) -> Op {
    match rng.index(OP_VARIANTS) {
        0 => Op::CreateMarket(MarketSpec {
            slug: rng.string(),
            title: rng.string(),
            outcome: rng.string(),
            event_slug: rng.string(),
            tick: price(rng),
            min_qty: Qty(rng.i64_value()),
            price_min: price(rng),
            price_max: price(rng),
            state: market_state(rng),
            taker_rate: Rate(rng.i64_value()),
            maker_rate: Rate(rng.i64_value()),
        }),
        1 => Op::SetMarketState { market: MarketId(rng.u32_value()), state: market_state(rng) },
        2 => Op::SettleMarket { market: MarketId(rng.u32_value()), value: price(rng) },
        3 => Op::CreateAccount { name: rng.string() },
        4 => Op::Deposit { account: AccountId(rng.u32_value()), amount: Cash(rng.i64_value()) },
        5 => Op::Withdraw { account: AccountId(rng.u32_value()), amount: Cash(rng.i64_value()) },
        6 => Op::PlaceOrder(NewOrder {
            account: AccountId(rng.u32_value()),
            market: market_ref(rng),
            intent: rng.pick(&[Intent::BuyLong, Intent::SellLong, Intent::BuyShort, Intent::SellShort]),
            kind: rng.pick(&[OrderKind::Limit, OrderKind::Market]),
            price: rng.option(price),
            size: if rng.chance(50) { Size::Qty(Qty(rng.i64_value())) } else { Size::Cash(Cash(rng.i64_value())) },
            tif: rng.option(tif),
            good_till: rng.option(|rng| Timestamp(rng.i64_value())),
            post_only: rng.chance(50),
            slippage: rng.option(slippage),
            manual: rng.option(manual),
        }),
        7 => Op::CancelOrder { account: AccountId(rng.u32_value()), order: OrderId(rng.u64_value()) },
        8 => {
            let count = if rng.chance(30) { 0 } else { rng.index(200) };
            Op::CancelAll {
                account: AccountId(rng.u32_value()),
                markets: (0..count).map(|_| MarketId(rng.u32_value())).collect(),
            }
        }
        9 => Op::ModifyOrder(Modify {
            account: AccountId(rng.u32_value()),
            order: OrderId(rng.u64_value()),
            price: rng.option(price),
            qty: rng.option(|rng| Qty(rng.i64_value())),
            tif: rng.option(tif),
            post_only: rng.option(|rng| rng.chance(50)),
            good_till: rng.option(|rng| Timestamp(rng.i64_value())),
        }),
        10 => Op::ClosePosition(ClosePosition {
            account: AccountId(rng.u32_value()),
            market: market_ref(rng),
            slippage: rng.option(slippage),
            manual: rng.option(manual),
        }),
        11 => Op::AdvanceTime,
        _ => Op::EndOfDay,
    }
}

pub(crate) fn key_grant(rng: &mut Rng) -> KeyGrant {
    let mut public_key = [0; 32];
    for byte in &mut public_key {
        *byte = rng.below(256) as u8;
    }
    KeyGrant { key_id: rng.string(), public_key, account: rng.string() }
}

/// A random entry for record `seq`: mostly commands, sometimes a key grant.
pub(crate) fn entry(rng: &mut Rng, seq: Seq) -> Entry {
    if rng.chance(10) {
        Entry::Key(key_grant(rng))
    } else {
        Entry::Command(Command { seq, ts: Timestamp(rng.i64_value()), op: op(rng) })
    }
}

/// `count` random entries numbered from `first`.
pub(crate) fn entries(rng: &mut Rng, first: u64, count: usize) -> Vec<(Seq, Entry)> {
    (0..count as u64).map(|offset| Seq(first + offset)).map(|seq| (seq, entry(rng, seq))).collect()
}
