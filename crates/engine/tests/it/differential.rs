//! Differential tests: seeded random command streams run through `engine::Engine` and the
//! naive `reference::RefEngine`, compared result by result and event by event, with
//! `check_invariants` after every command and the final (and periodic) states compared through
//! the query APIs. Also replay determinism: the same stream gives the same events and
//! `state_hash`, a different stream a different hash.
//!
//! The reference computes fees (exact fractions, its own half-even rounding, the per-order
//! cap recomputed from each order's fee history), order states (its own table of legal
//! changes) and reservations on its own, so a bug in the engine's fee cap, rounding or state
//! table shows up here as a differing event rather than being shared by both sides.
//!
//! The generator (a splitmix64 PRNG, no `rand`) covers several markets (ticks 0.01, 0.005,
//! 0.0025, 0.001 and coarser; minimum quantities 1, 0.01 and 0.0001; rebating and charging
//! makers; a market created pre-open), 24 funded accounts, and a mix of: limit orders of every
//! intent and time in force (with post-only, off-tick, out-of-bounds, missing prices, bad
//! quantities, good-till times valid and not), market orders sized in contracts or cash with
//! every kind of slippage tolerance (ticks, bips, reference price, odd and negative values),
//! cancels (own, foreign, unknown ids), cancel-all with and without market filters, modifies
//! (price, quantity, tif, post-only, good-till; valid and not), close-position, deposits and
//! withdrawals (some too large), time passing (GTD expiry), day rolls, market state changes
//! and settlements (each followed by a fresh market).
//!
//! Accounts keep to home markets: in turn one market (half of those never leave it, the
//! others rarely), two, three, or every market; every other account is poor (and its
//! deposits small), so fills in one market leave its orders in another unfunded and the
//! engine's multi-market paths (order totals across markets, the clean-up after fills of an
//! account in several markets) run beside its one-market fast path. Prices cluster around a
//! drifting mid so orders cross often; while a market's book is below a target depth most
//! new limit orders are passive (some far from the mid, many good-till-cancel), which keeps
//! books several dozen orders deep; live orders per market are capped to keep the reference
//! fast. The run prints what it covered and how deep the books were.
//!
//! Environment: `PMX_DIFF_SEEDS` (number of seeds, default 20), `PMX_DIFF_COMMANDS` (random
//! commands per seed, default 10,000), `PMX_DIFF_SEED` (first seed; alone it runs just that
//! seed), `PMX_DIFF_CHECK_EVERY` (commands between full state comparisons, default 250),
//! `PMX_DIFF_SHRINK=1` (on a mismatch, shrink the failing stream and print it).

use std::collections::{BTreeMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use engine::{
    ClosePosition, Command, Engine, EngineError, Event, Intent, ManualIndicator, MarketRef, MarketSpec, MarketState,
    Modify, NewOrder, Op, OrderKind, Reply, Side, Size, Slippage, Tif, limits,
};
use types::{AccountId, CASH_SCALE, Cash, MarketId, OrderId, QTY_SCALE, Qty, Rate, Seq, Timestamp};

use crate::reference::RefEngine;

/// Live orders per open market the generator aims at: below it, adding orders wins over
/// removing them, and most new limit orders are passive (they rest and deepen the book).
const LIVE_PER_MARKET_TARGET: usize = 60;
/// Live orders per market above which the generator cancels instead of adding.
const LIVE_PER_MARKET_MAX: usize = 250;
/// Markets the generator creates at most (settled ones are replaced up to this).
const MARKETS_MAX: usize = 12;
/// Funded accounts created at the start.
const ACCOUNTS: u32 = 24;
/// Accounts that trade more than the others, so positions build up.
const BUSY_ACCOUNTS: u64 = 8;
const MS: i64 = 1_000_000;
const SECOND: i64 = 1_000 * MS;
const CENT: i64 = CASH_SCALE / 100;

// ----- the PRNG -----

/// splitmix64: tiny, fast, and good enough to drive a test.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `low..=high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

// ----- the generator -----

#[expect(clippy::too_many_arguments, reason = "a market spec has this many parts")]
pub(crate) fn spec(
    slug: &str,
    tick: u32,
    min_qty: i64,
    taker: i64,
    maker: i64,
    low: u32,
    high: u32,
    state: MarketState,
) -> MarketSpec {
    MarketSpec {
        slug: slug.to_owned(),
        title: format!("Will {slug} happen?"),
        outcome: "Yes".to_owned(),
        event_slug: "differential".to_owned(),
        tick: types::Price(tick),
        min_qty: Qty(min_qty),
        price_min: types::Price(low),
        price_max: types::Price(high),
        state,
        taker_rate: Rate(taker),
        maker_rate: Rate(maker),
    }
}

/// Where an account trades: most accounts keep to a few markets of their own, so that some
/// stay in one market (the engine's one-market path), some span two or three (its
/// multi-market paths: order totals across markets, the clean-up after fills of an account
/// in several markets) and some trade everywhere.
#[derive(Clone, Debug)]
struct Home {
    /// The markets; empty: every market.
    markets: Vec<MarketId>,
    /// Percent of the account's orders that go to any market instead.
    stray: u64,
}

/// Produces commands, looking at the reference's state to aim at live orders and positions.
struct Generator {
    rng: Rng,
    seq: u64,
    /// The latest timestamp handed out (commands may occasionally carry an older one).
    ts: i64,
    /// Commands to issue before random ones (setup, a market after a settlement).
    pending: VecDeque<Op>,
    /// Per market: the price (in $0.0001) orders cluster around.
    mids: Vec<i64>,
    markets_made: usize,
    accounts_made: usize,
    /// Per account id: where it trades (made when the account is first chosen).
    homes: Vec<Home>,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let mut rng = Rng(seed ^ 0x005E_ED0F_D1FF);
        let mut pending = VecDeque::new();
        let open = MarketState::Open;
        let (taker, rebate) = (69_500, -12_500);
        for market in [
            spec("cent", 100, QTY_SCALE, taker, rebate, 100, 9_900, open),
            spec("half-cent", 50, 100, taker, rebate, 100, 9_900, open),
            spec("quarter-cent", 25, 100, taker, rebate, 100, 9_900, open),
            spec("mil", 10, QTY_SCALE, taker, rebate, 100, 9_900, open),
            spec("maker-pays", 100, 100, taker, 10_000, 100, 9_900, open),
            spec("narrow", 10, 100, taker, rebate, 500, 9_500, MarketState::Preopen),
            // Invalid specs and a duplicate: refused, nothing created.
            spec("cent", 100, QTY_SCALE, taker, rebate, 100, 9_900, open),
            spec("bad-tick", 30, QTY_SCALE, taker, rebate, 90, 9_900, open),
            spec("bad-min", 100, 0, taker, rebate, 100, 9_900, open),
            spec("bad-bounds", 100, QTY_SCALE, taker, rebate, 150, 9_900, open),
            spec("bad-rebate", 100, QTY_SCALE, taker, -80_000, 100, 9_900, open),
            spec("bad-rate", 100, QTY_SCALE, 600_000, rebate, 100, 9_900, open),
            spec("bad-state", 100, QTY_SCALE, taker, rebate, 100, 9_900, MarketState::Expired),
        ] {
            pending.push_back(Op::CreateMarket(market));
        }
        for index in 0..ACCOUNTS {
            pending.push_back(Op::CreateAccount { name: format!("trader-{index}") });
        }
        pending.push_back(Op::CreateAccount { name: "trader-3".to_owned() });
        pending.push_back(Op::CreateAccount { name: String::new() });
        for index in 0..ACCOUNTS {
            let dollars = if Self::is_poor(AccountId(index)) {
                rng.pick(&[40, 150, 300])
            } else {
                rng.pick(&[600, 2_500, 10_000, 40_000])
            };
            pending.push_back(Op::Deposit { account: AccountId(index), amount: Cash(dollars * CASH_SCALE) });
        }
        pending.push_back(Op::Deposit { account: AccountId(0), amount: Cash::ZERO });
        pending.push_back(Op::Deposit { account: AccountId(ACCOUNTS + 40), amount: Cash(CASH_SCALE) });
        Generator {
            rng,
            seq: 0,
            ts: 1_790_000_000 * SECOND,
            pending,
            mids: Vec::new(),
            markets_made: 6,
            accounts_made: ACCOUNTS as usize,
            homes: Vec::new(),
        }
    }

    fn next(&mut self, r: &RefEngine) -> Command {
        while self.mids.len() < r.markets_count() {
            let market = MarketId(self.mids.len() as u32);
            let spec = r.spec(market);
            let (low, high) = (i64::from(spec.price_min.units()), i64::from(spec.price_max.units()));
            let tick = i64::from(spec.tick.units());
            let mid = self.rng.range(low + (high - low) / 5, high - (high - low) / 5);
            self.mids.push(mid / tick * tick);
        }
        self.ts += match self.rng.below(10) {
            0..=2 => 0,
            3..=7 => self.rng.range(1, 500) * MS,
            8 => self.rng.range(1, 5) * SECOND,
            _ => self.rng.range(5, 30) * SECOND,
        };
        let op = match self.pending.pop_front() {
            Some(op) => op,
            None => self.random_op(r),
        };
        if matches!(op, Op::AdvanceTime) {
            self.ts += self.rng.range(1, 120) * SECOND;
        }
        self.seq += 1;
        // Now and then a command stamped earlier than the last one: time must not go back.
        let ts = if self.rng.percent(1) { self.ts - self.rng.range(1, 10) * SECOND } else { self.ts };
        Command { seq: Seq(self.seq), ts: Timestamp(ts), op }
    }

    fn random_op(&mut self, r: &RefEngine) -> Op {
        // While the books are thin, removing orders gives way to adding them.
        let open = (0..r.markets_count() as u32).filter(|&m| r.market_state(MarketId(m)) == MarketState::Open).count();
        let thin = r.orders_count() < LIVE_PER_MARKET_TARGET * open.max(1);
        match self.rng.below(1000) {
            0..=469 => self.limit_order(r),
            470..=559 if thin && self.rng.percent(25) => self.limit_order(r),
            470..=559 => self.market_order(r),
            560..=699 if thin && self.rng.percent(60) => self.limit_order(r),
            560..=619 => self.cancel(r),
            620..=629 => self.cancel_all(r),
            630..=749 => self.modify(r),
            750..=799 => self.close(r),
            800..=824 => self.withdraw(r),
            825..=844 => self.deposit(r),
            845..=884 => Op::AdvanceTime,
            885..=886 => Op::EndOfDay,
            887..=904 => self.state_change(r),
            905..=909 => self.limit_order(r),
            910 => self.settle(r),
            911 => self.new_account(),
            912..=913 => self.limit_order(r),
            914..=923 => self.foreign(r),
            _ => self.limit_order(r),
        }
    }

    // ----- choosing things -----

    fn account(&mut self, r: &RefEngine) -> AccountId {
        if self.rng.percent(1) {
            return AccountId(r.accounts_count() as u32 + self.rng.range(0, 5) as u32);
        }
        // The first accounts trade more, so positions build up.
        let count = r.accounts_count() as u64;
        let index = if self.rng.percent(50) { self.rng.below(count.min(BUSY_ACCOUNTS)) } else { self.rng.below(count) };
        AccountId(index as u32)
    }

    /// The account's home, made on first use: by account id in turn one market (half of
    /// those never stray, the others rarely), two markets, three markets, every market. A
    /// settled home market is replaced by a live one.
    fn home(&mut self, r: &RefEngine, account: AccountId) -> Home {
        let index = account.get() as usize;
        while self.homes.len() <= index {
            let id = self.homes.len();
            let (width, stray) = match id % 4 {
                0 => (1, if id.is_multiple_of(8) { 0 } else { 1 }),
                1 => (2, 5),
                2 => (3, 5),
                _ => (0, 0),
            };
            let mut markets = Vec::new();
            for _ in 0..width {
                if let Some(market) = self.live_market_outside(r, &markets) {
                    markets.push(market);
                }
            }
            self.homes.push(Home { markets, stray });
        }
        let mut home = self.homes[index].clone();
        for at in 0..home.markets.len() {
            if r.market_state(home.markets[at]) == MarketState::Expired
                && let Some(market) = self.live_market_outside(r, &home.markets)
            {
                home.markets[at] = market;
            }
        }
        self.homes[index] = home.clone();
        home
    }

    /// A random market not yet settled and not in `taken`.
    fn live_market_outside(&mut self, r: &RefEngine, taken: &[MarketId]) -> Option<MarketId> {
        let candidates: Vec<MarketId> = (0..r.markets_count() as u32)
            .map(MarketId)
            .filter(|&m| r.market_state(m) != MarketState::Expired && !taken.contains(&m))
            .collect();
        (!candidates.is_empty()).then(|| self.rng.pick(&candidates))
    }

    /// A market for `account` (mostly an open one of its home), or an unknown reference now
    /// and then.
    fn market(&mut self, r: &RefEngine, account: AccountId) -> (Option<MarketId>, MarketRef) {
        if self.rng.percent(2) {
            let unknown = if self.rng.percent(50) {
                MarketRef::Id(MarketId(r.markets_count() as u32 + self.rng.range(0, 100) as u32))
            } else {
                MarketRef::Slug("no-such-market".into())
            };
            return (None, unknown);
        }
        let home = self.home(r, account);
        if !home.markets.is_empty() && !self.rng.percent(home.stray) {
            let open: Vec<MarketId> =
                home.markets.iter().copied().filter(|&m| r.market_state(m) == MarketState::Open).collect();
            let market = if !open.is_empty() && self.rng.percent(95) {
                self.rng.pick(&open)
            } else {
                self.rng.pick(&home.markets)
            };
            return (Some(market), self.market_ref(r, market));
        }
        let open: Vec<MarketId> =
            (0..r.markets_count() as u32).map(MarketId).filter(|&m| r.market_state(m) == MarketState::Open).collect();
        let market = if !open.is_empty() && self.rng.percent(90) {
            self.rng.pick(&open)
        } else {
            MarketId(self.rng.below(r.markets_count() as u64) as u32)
        };
        (Some(market), self.market_ref(r, market))
    }

    fn market_ref(&mut self, r: &RefEngine, market: MarketId) -> MarketRef {
        if self.rng.percent(20) { MarketRef::Slug(r.spec(market).slug.clone().into()) } else { MarketRef::Id(market) }
    }

    fn tick(r: &RefEngine, market: MarketId) -> i64 {
        i64::from(r.spec(market).tick.units())
    }

    /// Moves the market's mid now and then; returns it.
    fn mid(&mut self, r: &RefEngine, market: MarketId) -> i64 {
        let spec = r.spec(market);
        let (low, high) = (i64::from(spec.price_min.units()), i64::from(spec.price_max.units()));
        let tick = Self::tick(r, market);
        let index = market.get() as usize;
        if self.rng.percent(12) {
            self.mids[index] += tick * self.rng.range(-2, 2);
        }
        if self.rng.below(1000) < 5 {
            // Visit the edges of the price range, where fees and NO prices are extreme.
            self.mids[index] = self.rng.pick(&[low + tick, high - tick, (low + high) / 2 / tick * tick]);
        }
        self.mids[index] = self.mids[index].clamp(low, high);
        self.mids[index]
    }

    /// A limit price near the mid, so that orders often cross; sometimes off the tick, out of
    /// bounds or missing.
    fn limit_price(&mut self, r: &RefEngine, market: MarketId, side: Side) -> Option<types::Price> {
        let spec = r.spec(market);
        let (low, high) = (i64::from(spec.price_min.units()), i64::from(spec.price_max.units()));
        let tick = Self::tick(r, market);
        let mid = self.mid(r, market);
        let roll = self.rng.below(100);
        if roll < 2 {
            return None;
        }
        if roll < 5 {
            let wild = self.rng.pick(&[0, low - 1, high + tick, 10_000, 10_001, 65_536, i64::from(u32::MAX)]);
            return Some(types::Price(wild.max(0) as u32));
        }
        // Passive orders make the book (most of them while it is thin); the rest cluster around
        // the mid and cross often.
        let depth = r.market_orders_count(market);
        let passive = self.rng.percent(match depth {
            _ if depth < LIVE_PER_MARKET_TARGET / 2 => 85,
            _ if depth < LIVE_PER_MARKET_TARGET => 65,
            _ => 20,
        });
        // Below the target depth some passive orders go deep, where sweeps rarely reach.
        let away = if depth < LIVE_PER_MARKET_TARGET && self.rng.percent(40) { 30 } else { 8 };
        let offset = match (side, passive) {
            (Side::Buy, true) => -self.rng.range(1, away),
            (Side::Sell, true) => self.rng.range(1, away),
            (Side::Buy, false) => self.rng.range(-4, 3),
            (Side::Sell, false) => self.rng.range(-3, 4),
        };
        let mut price = (mid + offset * tick).clamp(low, high);
        if roll < 12 && tick > 1 {
            price += self.rng.range(1, tick - 1);
        }
        Some(types::Price(price as u32))
    }

    /// A quantity: for reducing intents mostly sized against what the position allows.
    fn qty(&mut self, r: &RefEngine, market: Option<MarketId>, account: AccountId, intent: Intent) -> Qty {
        if let Some(market) = market.filter(|_| intent.is_reducing() && self.rng.percent(75)) {
            let step = r.spec(market).min_qty.units();
            let available = r.position(account, market).map_or(0, |p| {
                let net = p.position.net.units();
                let closes = (intent == Intent::SellLong && net > 0) || (intent == Intent::SellShort && net < 0);
                if closes { p.available.units() } else { 0 }
            });
            if available > 0 {
                return Qty(match self.rng.below(10) {
                    0..=3 => available,
                    4..=7 => self.rng.range(1, (available + step - 1) / step) * step,
                    _ => available + self.rng.range(1, 3) * step,
                });
            }
        }
        let roll = self.rng.below(100);
        let units = match roll {
            0 => 0,
            1 => -self.rng.range(1, 5 * QTY_SCALE),
            2 => limits::QTY_MAX.units() + self.rng.range(1, QTY_SCALE),
            3 => self.rng.range(1, 99),
            4 => self.rng.range(10_000, 1_000_000) * QTY_SCALE,
            5..=59 => self.rng.range(1, 20) * QTY_SCALE,
            60..=84 => self.rng.range(1, 2_000) * 100,
            85..=94 => self.rng.range(20, 300) * QTY_SCALE,
            _ => self.rng.range(1, 99) * 100,
        };
        let odd = if roll > 4 && self.rng.percent(8) { self.rng.range(1, 99) } else { 0 };
        Qty(units + odd)
    }

    /// An intent; a reducing one with nothing to reduce mostly becomes the opening intent on
    /// the same book side (SELL_LONG -> BUY_SHORT, SELL_SHORT -> BUY_LONG).
    fn intent(&mut self, r: &RefEngine, account: AccountId, market: Option<MarketId>) -> Intent {
        let intent = match self.rng.below(10) {
            0..=2 => Intent::BuyLong,
            3..=5 => Intent::BuyShort,
            6..=7 => Intent::SellLong,
            _ => Intent::SellShort,
        };
        let net = market.map_or(0, |m| r.net(account, m));
        match intent {
            Intent::SellLong if net <= 0 && self.rng.percent(80) => Intent::BuyShort,
            Intent::SellShort if net >= 0 && self.rng.percent(80) => Intent::BuyLong,
            intent => intent,
        }
    }

    fn manual(&mut self) -> Option<ManualIndicator> {
        self.rng.pick(&[None, Some(ManualIndicator::Manual), Some(ManualIndicator::Automatic)])
    }

    fn good_till_valid(&mut self) -> Timestamp {
        Timestamp(
            self.ts
                + match self.rng.below(3) {
                    0 => self.rng.range(1, 300) * MS,
                    1 => self.rng.range(1, 60) * SECOND,
                    _ => self.rng.range(60, 3_600) * SECOND,
                },
        )
    }

    fn good_till_past(&mut self) -> Timestamp {
        Timestamp(self.ts - self.rng.range(0, 5) * SECOND)
    }

    fn tif(&mut self) -> Option<Tif> {
        match self.rng.below(100) {
            0..=9 => None,
            10..=24 => Some(Tif::Day),
            25..=59 => Some(Tif::GoodTillCancel),
            60..=79 => Some(Tif::GoodTillDate),
            80..=91 => Some(Tif::ImmediateOrCancel),
            _ => Some(Tif::FillOrKill),
        }
    }

    fn slippage(&mut self, r: &RefEngine, market: Option<MarketId>) -> Option<Slippage> {
        if self.rng.percent(35) {
            return None;
        }
        let current_price = match (market, self.rng.below(100)) {
            (Some(market), 0..=54) => {
                let tick = Self::tick(r, market);
                let mut price = self.mid(r, market) + self.rng.range(-3, 3) * tick;
                if self.rng.percent(10) {
                    price += self.rng.range(1, 9);
                }
                Some(types::Price(price.max(0) as u32))
            }
            (_, 55..=59) => Some(types::Price(self.rng.pick(&[0, 1, 9_999, 10_000, 20_000, u32::MAX]))),
            _ => None,
        };
        let ticks = self.rng.percent(45).then(|| self.rng.pick(&[-3, 0, 1, 1, 2, 3, 5, 10, 200]));
        let bips = self
            .rng
            .percent(45)
            .then(|| self.rng.pick(&[-50, 0, 1, 7, 25, 100, 250, 333, 1_000, 5_000, 10_000, 20_000]));
        Some(Slippage { current_price, bips, ticks })
    }

    // ----- commands -----

    fn limit_order(&mut self, r: &RefEngine) -> Op {
        let account = self.account(r);
        let (market, market_ref) = self.market(r, account);
        if let Some(market) = market.filter(|&m| r.market_orders_count(m) >= LIVE_PER_MARKET_MAX) {
            return self.thin_out(r, market);
        }
        let intent = self.intent(r, account, market);
        // Thin books get more orders that stay until something takes them off.
        let thin = market.is_some_and(|m| r.market_orders_count(m) < LIVE_PER_MARKET_TARGET);
        let tif = if thin && self.rng.percent(50) { Some(Tif::GoodTillCancel) } else { self.tif() };
        let good_till = match tif {
            Some(Tif::GoodTillDate) => match self.rng.below(20) {
                0 => None,
                1 => Some(self.good_till_past()),
                _ => Some(self.good_till_valid()),
            },
            _ => self.rng.percent(3).then(|| self.good_till_valid()),
        };
        let size = if self.rng.percent(2) {
            Size::Cash(Cash(self.rng.range(1, 2_000) * CENT))
        } else {
            Size::Qty(self.qty(r, market, account, intent))
        };
        let price = match market {
            Some(market) => self.limit_price(r, market, intent.side()),
            None => Some(types::Price(5_000)),
        };
        Op::PlaceOrder(NewOrder {
            account,
            market: market_ref,
            intent,
            kind: OrderKind::Limit,
            price,
            size,
            tif,
            good_till,
            post_only: self.rng.percent(10),
            slippage: if self.rng.percent(3) { self.slippage(r, market) } else { None },
            manual: self.manual(),
        })
    }

    /// A full market: cancel the orders of the account with the most orders there.
    fn thin_out(&mut self, r: &RefEngine, market: MarketId) -> Op {
        let mut per_account: BTreeMap<AccountId, usize> = BTreeMap::new();
        for order in r.live_orders().iter().filter(|o| o.market == Some(market)) {
            *per_account.entry(order.account).or_default() += 1;
        }
        let busiest = per_account.iter().max_by_key(|(_, count)| **count).map_or(AccountId(0), |(a, _)| *a);
        Op::CancelAll { account: busiest, markets: vec![market] }
    }

    fn market_order(&mut self, r: &RefEngine) -> Op {
        let account = self.account(r);
        let (market, market_ref) = self.market(r, account);
        let intent = self.intent(r, account, market);
        let cash_chance = if intent.is_reducing() { 5 } else { 45 };
        let size = if self.rng.percent(cash_chance) {
            Size::Cash(Cash(match self.rng.below(20) {
                0 => 0,
                1 => -self.rng.range(1, 100) * CENT,
                2 => limits::DEPOSITS_MAX.units() + 1,
                3..=4 => self.rng.range(1, 100_000),
                _ => self.rng.range(1, 5_000) * CENT,
            }))
        } else {
            Size::Qty(self.qty(r, market, account, intent))
        };
        let tif = match self.rng.below(100) {
            0..=69 => None,
            70..=84 => Some(Tif::FillOrKill),
            _ => self.tif(),
        };
        let price = match market {
            Some(market) if self.rng.percent(5) => self.limit_price(r, market, intent.side()),
            _ => None,
        };
        Op::PlaceOrder(NewOrder {
            account,
            market: market_ref,
            intent,
            kind: OrderKind::Market,
            price,
            size,
            tif,
            good_till: self.rng.percent(3).then(|| self.good_till_valid()),
            post_only: self.rng.percent(3),
            slippage: self.slippage(r, market),
            manual: self.manual(),
        })
    }

    /// Some order id: mostly a live one, sometimes finished or never issued.
    fn order_target(&mut self, r: &RefEngine) -> Option<engine::Order> {
        let count = r.orders_count();
        if count == 0 || self.rng.percent(4) { None } else { Some(r.live_order(self.rng.below(count as u64) as usize)) }
    }

    fn other_account(&mut self, r: &RefEngine, account: AccountId) -> AccountId {
        let count = r.accounts_count() as u32;
        AccountId((account.get() + 1 + self.rng.below(u64::from(count - 1)) as u32) % count)
    }

    fn stray_order_id(&mut self) -> OrderId {
        OrderId(self.rng.range(0, self.seq as i64 + 10) as u64)
    }

    fn cancel(&mut self, r: &RefEngine) -> Op {
        match self.order_target(r) {
            Some(order) if self.rng.percent(90) => Op::CancelOrder { account: order.account, order: order.id },
            Some(order) => Op::CancelOrder { account: self.other_account(r, order.account), order: order.id },
            None => Op::CancelOrder { account: self.account(r), order: self.stray_order_id() },
        }
    }

    fn cancel_all(&mut self, r: &RefEngine) -> Op {
        let account = self.account(r);
        let markets = match self.rng.below(5) {
            0 => Vec::new(),
            1 => vec![MarketId(self.rng.below(r.markets_count() as u64) as u32)],
            2 => vec![MarketId(self.rng.below(r.markets_count() as u64) as u32)],
            _ => (0..self.rng.range(1, 3))
                .map(|_| MarketId(self.rng.below(r.markets_count() as u64 + 2) as u32))
                .collect(),
        };
        Op::CancelAll { account, markets }
    }

    fn modify(&mut self, r: &RefEngine) -> Op {
        let Some(order) = self.order_target(r) else {
            return Op::ModifyOrder(Modify {
                account: self.account(r),
                order: self.stray_order_id(),
                price: Some(types::Price(5_000)),
                qty: None,
                tif: None,
                post_only: None,
                good_till: None,
            });
        };
        let market = order.market.expect("live orders have a market");
        let account = if self.rng.percent(95) { order.account } else { self.other_account(r, order.account) };
        let step = r.spec(market).min_qty.units();
        let tick = Self::tick(r, market);
        let price = match self.rng.below(100) {
            0..=39 => self.limit_price(r, market, order.side()),
            40..=49 => {
                let old = i64::from(order.price.expect("resting").units());
                Some(types::Price((old + self.rng.range(-2, 2) * tick).max(0) as u32))
            }
            _ => None,
        };
        let qty = match self.rng.below(100) {
            0..=24 => Some(Qty(order.qty.units() + self.rng.range(-3, 5) * step)),
            25..=29 => Some(order.cum_qty),
            30..=34 => Some(self.qty(r, Some(market), order.account, order.intent)),
            35..=37 => Some(Qty(order.qty.units() + self.rng.range(1, 99))),
            _ => None,
        };
        let tif = self.rng.percent(15).then(|| {
            self.rng.pick(&[
                Tif::Day,
                Tif::GoodTillCancel,
                Tif::GoodTillDate,
                Tif::GoodTillDate,
                Tif::ImmediateOrCancel,
                Tif::FillOrKill,
            ])
        });
        let good_till = match self.rng.below(100) {
            0..=11 => Some(self.good_till_valid()),
            12..=14 => Some(self.good_till_past()),
            _ => None,
        };
        Op::ModifyOrder(Modify {
            account,
            order: order.id,
            price,
            qty,
            tif,
            post_only: self.rng.percent(10).then(|| self.rng.percent(50)),
            good_till,
        })
    }

    fn close(&mut self, r: &RefEngine) -> Op {
        let holders = r.holders();
        let (account, market_ref, market) = if !holders.is_empty() && self.rng.percent(85) {
            let (account, market) = self.rng.pick(&holders);
            (account, self.market_ref(r, market), Some(market))
        } else {
            let account = self.account(r);
            let (market, market_ref) = self.market(r, account);
            (account, market_ref, market)
        };
        Op::ClosePosition(ClosePosition {
            account,
            market: market_ref,
            slippage: self.slippage(r, market),
            manual: self.manual(),
        })
    }

    fn withdraw(&mut self, r: &RefEngine) -> Op {
        let account = self.account(r);
        let free = r.balance(account).map_or(0, |b| b.cash.units() - b.margin.units());
        let amount = match self.rng.below(20) {
            0..=9 => self.rng.range(1, 2_000) * CENT,
            10..=11 => (free - self.rng.range(0, 100) * CENT).max(1),
            12..=16 => free + self.rng.range(1, 100) * CENT,
            17 => i64::MAX / 2,
            18 => 0,
            _ => -self.rng.range(1, 100) * CENT,
        };
        Op::Withdraw { account, amount: Cash(amount) }
    }

    fn deposit(&mut self, r: &RefEngine) -> Op {
        let account = self.account(r);
        // The poor stay poor: small top-ups only.
        let poor = Self::is_poor(account);
        let amount = match self.rng.below(60) {
            0 => 0,
            1 => -CENT,
            // Approaches the exchange's lifetime deposit limit.
            2 if !poor => 30_000_000 * CASH_SCALE,
            _ if poor => self.rng.range(5, 60) * CASH_SCALE,
            _ => self.rng.range(10, 1_500) * CASH_SCALE + self.rng.range(0, 99) * CENT,
        };
        Op::Deposit { account, amount: Cash(amount) }
    }

    /// Every other funded account is poor: its orders in several markets compete for little
    /// cash, so fills in one market leave orders in another unfunded.
    fn is_poor(account: AccountId) -> bool {
        account.get() < ACCOUNTS && account.get() % 2 == 1
    }

    fn state_change(&mut self, r: &RefEngine) -> Op {
        let closed: Vec<MarketId> = (0..r.markets_count() as u32)
            .map(MarketId)
            .filter(|&m| !matches!(r.market_state(m), MarketState::Open | MarketState::Expired))
            .collect();
        if !closed.is_empty() && self.rng.percent(70) {
            return Op::SetMarketState { market: self.rng.pick(&closed), state: MarketState::Open };
        }
        let market = MarketId(self.rng.below(r.markets_count() as u64 + 1) as u32);
        let state = self.rng.pick(&[
            MarketState::Suspended,
            MarketState::Halted,
            MarketState::Preopen,
            MarketState::Open,
            MarketState::Expired,
        ]);
        Op::SetMarketState { market, state }
    }

    /// Settles a live market (then a new one is created), or tries something refused.
    fn settle(&mut self, r: &RefEngine) -> Op {
        let live: Vec<MarketId> = (0..r.markets_count() as u32)
            .map(MarketId)
            .filter(|&m| r.market_state(m) != MarketState::Expired)
            .collect();
        if self.markets_made >= MARKETS_MAX || live.is_empty() || self.rng.percent(15) {
            let market = MarketId(self.rng.below(r.markets_count() as u64 + 1) as u32);
            let value = self.rng.pick(&[10_001, 5_000, 0]);
            return Op::SettleMarket { market, value: types::Price(value) };
        }
        let market = self.rng.pick(&live);
        let value = match self.rng.below(4) {
            0 => 0,
            1 => 10_000,
            2 => 5_000,
            _ => self.rng.range(0, 10_000),
        };
        let fresh = self.random_spec();
        self.pending.push_back(Op::CreateMarket(fresh));
        Op::SettleMarket { market, value: types::Price(value as u32) }
    }

    fn random_spec(&mut self) -> MarketSpec {
        self.markets_made += 1;
        let tick = self.rng.pick(&[100, 50, 25, 10, 20, 200, 500]);
        let min_qty = self.rng.pick(&[QTY_SCALE, 100, 1, 5_000]);
        let taker = self.rng.pick(&[69_500, 50_000, 0, 100_000]);
        let maker = match self.rng.below(4) {
            0 => -12_500,
            1 => 0,
            2 => 10_000,
            _ => -taker,
        };
        let low = 100u32.div_ceil(tick) * tick;
        let slug = format!("market-{}", self.markets_made);
        spec(&slug, tick, min_qty, taker, maker, low, 10_000 - low, MarketState::Open)
    }

    fn new_account(&mut self) -> Op {
        if self.rng.percent(30) {
            return Op::CreateAccount { name: "trader-0".to_owned() };
        }
        self.accounts_made += 1;
        Op::CreateAccount { name: format!("late-{}", self.accounts_made) }
    }

    /// Commands naming an account that does not exist.
    fn foreign(&mut self, r: &RefEngine) -> Op {
        let stranger = AccountId(r.accounts_count() as u32 + 7);
        match self.rng.below(6) {
            0 => match self.limit_order(r) {
                Op::PlaceOrder(new) => Op::PlaceOrder(NewOrder { account: stranger, ..new }),
                other => other,
            },
            1 => Op::CancelOrder { account: stranger, order: self.stray_order_id() },
            2 => Op::CancelAll { account: stranger, markets: Vec::new() },
            3 => Op::ClosePosition(ClosePosition {
                account: stranger,
                market: MarketRef::Id(MarketId(0)),
                slippage: None,
                manual: None,
            }),
            4 => Op::Withdraw { account: stranger, amount: Cash(CENT) },
            _ => Op::ModifyOrder(Modify {
                account: stranger,
                order: self.stray_order_id(),
                price: None,
                qty: Some(Qty::ONE),
                tif: None,
                post_only: None,
                good_till: None,
            }),
        }
    }
}

// ----- running and comparing -----

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|value| value.parse().unwrap_or_else(|_| panic!("{name} must be a number")))
}

/// Compares everything the engine's queries show with the reference's. The message of a
/// difference is only formatted when there is one.
fn compare_state(engine: &Engine, reference: &RefEngine) -> Result<(), String> {
    fn same<T: PartialEq + std::fmt::Debug>(what: impl FnOnce() -> String, ours: T, theirs: T) -> Result<(), String> {
        if ours == theirs { Ok(()) } else { Err(format!("{}: {ours:?} vs {theirs:?}", what())) }
    }
    same(|| "now".into(), engine.now(), reference.now())?;
    same(|| "fees kept".into(), engine.fees_kept(), reference.fees_kept())?;
    same(|| "live orders".into(), engine.orders_count(), reference.orders_count())?;
    same(|| "markets".into(), engine.markets().len(), reference.markets_count())?;
    same(|| "accounts".into(), engine.accounts().len(), reference.accounts_count())?;
    for market in engine.markets() {
        let id = market.id;
        same(|| format!("market {id} state"), market.state, reference.market_state(id))?;
        same(|| format!("market {id} settlement"), market.settlement, reference.settlement(id))?;
        same(|| format!("market {id} stats"), market.stats, reference.stats(id))?;
        for side in [Side::Buy, Side::Sell] {
            let (ours, theirs) = (engine.depth(id, side, usize::MAX), reference.depth(id, side, usize::MAX));
            same(|| format!("market {id} {side:?} depth"), ours, theirs)?;
        }
    }
    for account in engine.accounts() {
        let id = account.id;
        same(|| format!("account {id} balance"), engine.balance(id), reference.balance(id))?;
        same(|| format!("account {id} open orders"), engine.open_orders(id), reference.open_orders(id))?;
        same(|| format!("account {id} positions"), engine.positions(id), reference.positions(id))?;
        for market in engine.markets() {
            let (ours, theirs) = (engine.position(id, market.id), reference.position(id, market.id));
            same(|| format!("account {id} position in {}", market.id), ours, theirs)?;
        }
    }
    Ok(())
}

/// What one command did on the engine and on the reference.
struct Outcome {
    engine: Result<Reply, EngineError>,
    engine_events: Vec<Event>,
    reference: Result<Reply, EngineError>,
    reference_events: Vec<Event>,
}

/// Runs one command on both; `Err` describes a difference, a broken invariant or a panic.
fn step(engine: &mut Engine, reference: &mut RefEngine, command: &Command) -> Result<Outcome, String> {
    let mut engine_events = Vec::new();
    let engine_result = catch_unwind(AssertUnwindSafe(|| engine.apply(command, &mut engine_events)))
        .map_err(|panic| format!("engine panicked: {}", panic_text(&panic)))?;
    let mut reference_events = Vec::new();
    let reference_result = catch_unwind(AssertUnwindSafe(|| reference.apply(command, &mut reference_events)))
        .map_err(|panic| format!("reference panicked: {}", panic_text(&panic)))?;
    let outcome = Outcome { engine: engine_result, engine_events, reference: reference_result, reference_events };
    if outcome.engine != outcome.reference || outcome.engine_events != outcome.reference_events {
        return Err(describe(&outcome));
    }
    engine.check_invariants().map_err(|violation| format!("{violation}"))?;
    Ok(outcome)
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "(non-text panic)".to_owned()
    }
}

fn describe(outcome: &Outcome) -> String {
    let mut text = format!("engine result:    {:?}\nreference result: {:?}\n", outcome.engine, outcome.reference);
    let first_difference = outcome
        .engine_events
        .iter()
        .zip(&outcome.reference_events)
        .position(|(a, b)| a != b)
        .unwrap_or(outcome.engine_events.len().min(outcome.reference_events.len()));
    text += &format!("first differing event: #{first_difference}\n--- engine events:\n");
    for (index, event) in outcome.engine_events.iter().enumerate() {
        text += &format!("  #{index} {event:?}\n");
    }
    text += "--- reference events:\n";
    for (index, event) in outcome.reference_events.iter().enumerate() {
        text += &format!("  #{index} {event:?}\n");
    }
    text
}

/// True when replaying `commands` shows any difference, broken invariant or panic.
fn fails(commands: &[Command]) -> bool {
    let mut engine = Engine::new();
    let mut reference = RefEngine::new();
    commands.iter().any(|command| step(&mut engine, &mut reference, command).is_err())
}

/// Greedy delta debugging: drops chunks of commands while the stream still fails.
fn shrink(mut commands: Vec<Command>) -> Vec<Command> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut chunk = commands.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start < commands.len() {
            let end = (start + chunk).min(commands.len());
            let candidate: Vec<Command> = commands[..start].iter().chain(&commands[end..]).cloned().collect();
            if fails(&candidate) {
                commands = candidate;
            } else {
                start = end;
            }
        }
        chunk /= 2;
    }
    std::panic::set_hook(hook);
    commands
}

/// The variant name of a command, as its `Debug` form starts.
fn op_name(op: &Op) -> &'static str {
    match op {
        Op::CreateMarket(_) => "CreateMarket",
        Op::SetMarketState { .. } => "SetMarketState",
        Op::SettleMarket { .. } => "SettleMarket",
        Op::CreateAccount { .. } => "CreateAccount",
        Op::Deposit { .. } => "Deposit",
        Op::Withdraw { .. } => "Withdraw",
        Op::PlaceOrder(_) => "PlaceOrder",
        Op::CancelOrder { .. } => "CancelOrder",
        Op::CancelAll { .. } => "CancelAll",
        Op::ModifyOrder(_) => "ModifyOrder",
        Op::ClosePosition(_) => "ClosePosition",
        Op::AdvanceTime => "AdvanceTime",
        Op::EndOfDay => "EndOfDay",
    }
}

/// Counts of what a run exercised, to keep an eye on the generator's coverage.
#[derive(Default)]
struct Coverage {
    counts: BTreeMap<String, u64>,
    depth: Depth,
}

/// How deep the books were after each command: live orders in all, and in one market.
#[derive(Clone, Copy, Debug, Default)]
struct Depth {
    commands: u64,
    live_sum: u64,
    live_max: usize,
    market_sum: u64,
    market_max: usize,
}

impl Depth {
    fn record(&mut self, reference: &RefEngine) {
        let live = reference.orders_count();
        let deepest = (0..reference.markets_count() as u32)
            .map(|m| reference.market_orders_count(MarketId(m)))
            .max()
            .unwrap_or(0);
        self.commands += 1;
        self.live_sum += live as u64;
        self.live_max = self.live_max.max(live);
        self.market_sum += deepest as u64;
        self.market_max = self.market_max.max(deepest);
    }

    fn merge(&mut self, other: Depth) {
        self.commands += other.commands;
        self.live_sum += other.live_sum;
        self.live_max = self.live_max.max(other.live_max);
        self.market_sum += other.market_sum;
        self.market_max = self.market_max.max(other.market_max);
    }
}

impl std::fmt::Display for Depth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mean = |sum: u64| sum / self.commands.max(1);
        write!(
            f,
            "live orders: mean {}, max {}; deepest market: mean {}, max {}",
            mean(self.live_sum),
            self.live_max,
            mean(self.market_sum),
            self.market_max
        )
    }
}

impl Coverage {
    fn add(&mut self, key: String) {
        *self.counts.entry(key).or_default() += 1;
    }

    fn record(&mut self, command: &Command, outcome: &Outcome) {
        let op = op_name(&command.op);
        self.add(format!("op {op}"));
        let prices: Vec<types::Price> = outcome
            .engine_events
            .iter()
            .filter_map(|event| match event {
                Event::Trade(trade) => Some(trade.px),
                _ => None,
            })
            .collect();
        if !prices.is_empty() {
            self.add(format!("{op} traded"));
            if let Op::PlaceOrder(NewOrder { size: Size::Cash(_), .. }) = command.op {
                self.add("cash-sized order traded".to_owned());
            }
        }
        if prices.windows(2).any(|pair| pair[0] != pair[1]) {
            self.add("taker swept several levels".to_owned());
        }
        // The clean-up after fills reaching an account's orders in a market other than the
        // one that traded.
        let traded_in = outcome.engine_events.iter().find_map(|event| match event {
            Event::Trade(trade) => Some(trade.market),
            _ => None,
        });
        if outcome.engine_events.iter().any(|event| {
            matches!(event, Event::Execution(execution)
                if execution.note == engine::Note::Unfunded && execution.order.market != traded_in)
        }) {
            self.add("note Unfunded in another market".to_owned());
        }
        if let Err(error) = &outcome.engine {
            self.add(format!("error {error:?}"));
        }
        for event in &outcome.engine_events {
            match event {
                Event::Execution(execution) => {
                    self.add(format!("exec {:?}", execution.kind));
                    if let Some(reason) = execution.reject {
                        self.add(format!("reject {reason:?} / {:?}", execution.note));
                    } else if execution.note != engine::Note::None {
                        self.add(format!("note {:?}", execution.note));
                    }
                }
                Event::Trade(trade) => {
                    self.add("trade".to_owned());
                    if trade.taker.fee.units() != 0 && trade.maker.fee.units() > 0 {
                        self.add("trade with maker fee".to_owned());
                    }
                }
                Event::Resolution(_) => self.add("resolution".to_owned()),
                _ => {}
            }
        }
    }

    fn merge(&mut self, other: Coverage) {
        for (key, count) in other.counts {
            *self.counts.entry(key).or_default() += count;
        }
        self.depth.merge(other.depth);
    }
}

/// Runs one seed through both exchanges; panics with a full report on the first difference.
fn run_seed(seed: u64, commands: usize) -> (Coverage, Vec<Command>) {
    let mut engine = Engine::new();
    let mut reference = RefEngine::new();
    let mut generator = Generator::new(seed);
    let mut history: Vec<Command> = Vec::new();
    let mut coverage = Coverage::default();
    let total = generator.pending.len() + commands;
    let check_every = env_number("PMX_DIFF_CHECK_EVERY").unwrap_or(250).max(1) as usize;
    for index in 0..total {
        let command = generator.next(&reference);
        history.push(command.clone());
        let outcome = match step(&mut engine, &mut reference, &command) {
            Ok(outcome) => outcome,
            Err(report) => fail(seed, index, &history, &report),
        };
        coverage.record(&command, &outcome);
        coverage.depth.record(&reference);
        if (index % check_every == 0 || index + 1 == total)
            && let Err(report) = compare_state(&engine, &reference)
        {
            let report = format!("states differ: {report}\n(events of the last command)\n{}", describe(&outcome));
            fail(seed, index, &history, &report);
        }
    }
    (coverage, history)
}

fn fail(seed: u64, index: usize, history: &[Command], report: &str) -> ! {
    let mut text = format!(
        "differential failure: seed {seed}, command #{index} (rerun: PMX_DIFF_SEED={seed})\ncommand: {:?}\n{report}",
        history[index]
    );
    if std::env::var("PMX_DIFF_SHRINK").is_ok_and(|v| v == "1") {
        let shrunk = shrink(history.to_vec());
        text += &format!("\nshrunk to {} commands:\n", shrunk.len());
        for command in &shrunk {
            text += &format!("  {command:?}\n");
        }
        let mut engine = Engine::new();
        let mut reference = RefEngine::new();
        for command in &shrunk {
            if let Err(report) = step(&mut engine, &mut reference, command) {
                text += &format!("shrunk failure:\n{report}");
                break;
            }
        }
    }
    panic!("{text}");
}

/// Runs `seeds` in parallel threads; returns the merged coverage.
fn run_seeds(seeds: Vec<u64>, commands: usize) -> Coverage {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(seeds.len()).max(1);
    let mut coverage = Coverage::default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let mine: Vec<u64> = seeds.iter().copied().skip(worker).step_by(workers).collect();
                scope.spawn(move || {
                    let mut coverage = Coverage::default();
                    for seed in mine {
                        coverage.merge(run_seed(seed, commands).0);
                    }
                    coverage
                })
            })
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(part) => coverage.merge(part),
                Err(panic) => resume_unwind(panic),
            }
        }
    });
    coverage
}

#[test]
fn engine_matches_reference_on_random_streams() {
    let commands = env_number("PMX_DIFF_COMMANDS").unwrap_or(10_000) as usize;
    let first = env_number("PMX_DIFF_SEED");
    let count = env_number("PMX_DIFF_SEEDS").unwrap_or(if first.is_some() { 1 } else { 20 });
    let first = first.unwrap_or(1);
    let seeds: Vec<u64> = (first..first + count).collect();
    let coverage = run_seeds(seeds, commands);
    for (key, count) in &coverage.counts {
        println!("{count:>9}  {key}");
    }
    println!("{}", coverage.depth);
    // The generator must keep reaching the interesting paths.
    for key in [
        "trade",
        "trade with maker fee",
        "resolution",
        "exec PartialFill",
        "exec Replace",
        "exec Expired",
        "exec DoneForDay",
        "note SelfTradePrevented",
        "note MarketSuspended",
        "ModifyOrder traded",
        "ClosePosition traded",
        "cash-sized order traded",
        "taker swept several levels",
        "note FillOrKillUnfilled",
        "note ImmediateRemainder",
        "note ClosePositionCanceled",
        "note Unfunded",
        "note Unfunded in another market",
        "note PositionReduced",
        "note MarketSettled",
        "reject NoLiquidity / NoLiquidityWithinBound",
        "reject ExchangeOption / InsufficientBuyingPower",
        "reject ExchangeOption / PostOnlyWouldCross",
        "reject IncorrectQuantity / ExceedsPosition",
        "reject IncorrectQuantity / CashTooSmall",
        "reject IncorrectQuantity / ModifyBelowFilled",
        "error InsufficientFunds",
        "error NoPosition",
    ] {
        if count * commands as u64 >= 20_000 {
            assert!(coverage.counts.contains_key(key), "the generator never produced {key:?}");
        }
    }
}

/// Records a stream by running the generator against the reference alone.
pub(crate) fn record_stream(seed: u64, commands: usize) -> Vec<Command> {
    let mut reference = RefEngine::new();
    let mut generator = Generator::new(seed);
    let total = generator.pending.len() + commands;
    let mut stream = Vec::with_capacity(total);
    for _ in 0..total {
        let command = generator.next(&reference);
        let mut events = Vec::new();
        let _ = reference.apply(&command, &mut events);
        stream.push(command);
    }
    stream
}

/// Every command's result and events.
type Outputs = Vec<(Result<Reply, EngineError>, Vec<Event>)>;

/// Replays a stream into a fresh engine: every result and event, and the final hash.
fn replay(stream: &[Command]) -> (Outputs, u64) {
    let mut engine = Engine::new();
    let outputs = stream
        .iter()
        .map(|command| {
            let mut events = Vec::new();
            let result = engine.apply(command, &mut events);
            (result, events)
        })
        .collect();
    (outputs, engine.state_hash())
}

#[test]
fn replay_is_deterministic() {
    for seed in [7, 8, 9] {
        let stream = record_stream(seed, 3_000);
        let (first, first_hash) = replay(&stream);
        let (second, second_hash) = replay(&stream);
        assert_eq!(first_hash, second_hash, "seed {seed}: replay gave another state hash");
        assert!(first == second, "seed {seed}: replay gave other events");
        // A clone taken midway continues exactly like the original.
        let mut original = Engine::new();
        let mut events = Vec::new();
        for command in &stream[..stream.len() / 2] {
            let _ = original.apply(command, &mut events);
        }
        let mut copy = original.clone();
        assert_eq!(original.state_hash(), copy.state_hash());
        for command in &stream[stream.len() / 2..] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            assert_eq!(original.apply(command, &mut a), copy.apply(command, &mut b));
            assert_eq!(a, b);
        }
        assert_eq!(original.state_hash(), first_hash);
        assert_eq!(copy.state_hash(), first_hash);
    }
}

#[test]
fn different_streams_hash_differently() {
    let stream = record_stream(21, 2_000);
    let (_, hash) = replay(&stream);
    let (_, other_seed) = replay(&record_stream(22, 2_000));
    assert_ne!(hash, other_seed, "two different streams gave the same state hash");
    // One deposit a cent larger changes the state, hence the hash.
    let mut changed = stream.clone();
    let deposit = changed
        .iter_mut()
        .find_map(|command| match &mut command.op {
            Op::Deposit { amount, .. } if amount.units() > 0 => Some(amount),
            _ => None,
        })
        .expect("the stream deposits");
    *deposit = Cash(deposit.units() + CENT);
    let (_, changed_hash) = replay(&changed);
    assert_ne!(hash, changed_hash, "a different deposit left the state hash unchanged");
}

// ----- hand-picked streams -----

/// Replays fixed commands through both exchanges, failing on the first difference; returns
/// what each command did.
fn run_fixed(name: &str, commands: &[Command]) -> Vec<Outcome> {
    let mut engine = Engine::new();
    let mut reference = RefEngine::new();
    let mut outcomes = Vec::new();
    for (index, command) in commands.iter().enumerate() {
        match step(&mut engine, &mut reference, command) {
            Ok(outcome) => outcomes.push(outcome),
            Err(report) => panic!("{name}: command #{index} differs\ncommand: {command:?}\n{report}"),
        }
    }
    if let Err(report) = compare_state(&engine, &reference) {
        panic!("{name}: final states differ: {report}");
    }
    outcomes
}

/// The notes of the executions a command produced.
fn notes(outcome: &Outcome) -> Vec<engine::Note> {
    outcome
        .engine_events
        .iter()
        .filter_map(|event| match event {
            Event::Execution(execution) => Some(execution.note),
            _ => None,
        })
        .collect()
}

/// Numbers commands and stamps them one millisecond apart.
fn stamp(ops: Vec<Op>) -> Vec<Command> {
    let start = 1_790_000_000 * SECOND;
    ops.into_iter()
        .enumerate()
        .map(|(index, op)| Command { seq: Seq(index as u64 + 1), ts: Timestamp(start + index as i64 * MS), op })
        .collect()
}

fn order(account: u32, market: u32, intent: Intent, kind: OrderKind, price: Option<u32>, size: Size) -> NewOrder {
    NewOrder {
        account: AccountId(account),
        market: MarketRef::Id(MarketId(market)),
        intent,
        kind,
        price: price.map(types::Price),
        size,
        tif: Some(Tif::GoodTillCancel),
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    }
}

fn limit(account: u32, market: u32, intent: Intent, price: u32, qty: i64) -> Op {
    Op::PlaceOrder(order(account, market, intent, OrderKind::Limit, Some(price), Size::Qty(Qty(qty))))
}

fn market_buy(account: u32, market: u32, size: Size, slippage: Option<Slippage>) -> Op {
    Op::PlaceOrder(NewOrder { slippage, ..order(account, market, Intent::BuyLong, OrderKind::Market, None, size) })
}

fn market_sell(account: u32, market: u32, size: Size, slippage: Option<Slippage>) -> Op {
    Op::PlaceOrder(NewOrder { slippage, ..order(account, market, Intent::BuyShort, OrderKind::Market, None, size) })
}

fn slip(current_price: Option<u32>, bips: Option<i32>, ticks: Option<i32>) -> Option<Slippage> {
    Some(Slippage { current_price: current_price.map(types::Price), bips, ticks })
}

fn modify(account: u32, id: u64, price: Option<u32>, qty: Option<i64>, good_till: Option<i64>) -> Op {
    Op::ModifyOrder(Modify {
        account: AccountId(account),
        order: OrderId(id),
        price: price.map(types::Price),
        qty: qty.map(Qty),
        tif: None,
        post_only: None,
        good_till: good_till.map(Timestamp),
    })
}

/// Extreme field values, a one-level market, boundary fee coefficients, 1,000-contract lots,
/// suspension with resting orders, and the end of time. Values the protocol layer may never
/// send still must not break the engine: it is the journal's state machine.
#[test]
fn engine_matches_reference_on_edge_cases() {
    let open = MarketState::Open;
    let q = QTY_SCALE;
    let mut ops = vec![
        Op::CreateMarket(spec("edge-cent", 100, q, 69_500, -12_500, 100, 9_900, open)),
        Op::CreateMarket(spec("one-level", 5_000, 1, 500_000, -500_000, 5_000, 5_000, open)),
        Op::CreateMarket(spec("big-lots", 1, 1_000 * q, 0, 0, 1, 9_999, open)),
        Op::CreateMarket(spec("too-big-lots", 1, 1_000 * q + 1, 0, 0, 1, 9_999, open)),
        Op::CreateMarket(spec("whole-dollar", 10_000, q, 0, 0, 10_000, 10_000, open)),
        Op::CreateAccount { name: "a".into() },
        Op::CreateAccount { name: "b".into() },
        Op::CreateAccount { name: "c".into() },
        Op::CreateAccount { name: "x".repeat(201) },
        Op::Deposit { account: AccountId(0), amount: Cash(1_000 * CASH_SCALE) },
        Op::Deposit { account: AccountId(1), amount: Cash(1_000 * CASH_SCALE) },
        Op::Deposit { account: AccountId(2), amount: Cash(CASH_SCALE) },
        Op::Deposit { account: AccountId(0), amount: Cash(i64::MAX) },
        Op::Deposit { account: AccountId(0), amount: Cash(i64::MIN) },
        Op::Deposit { account: AccountId(u32::MAX), amount: Cash(CENT) },
        Op::Withdraw { account: AccountId(0), amount: Cash(i64::MAX) },
        Op::Withdraw { account: AccountId(0), amount: Cash(i64::MIN) },
        // A book to trade against.
        limit(1, 0, Intent::BuyShort, 6_000, 10 * q),
        limit(1, 0, Intent::BuyLong, 4_000, 10 * q),
        // Extreme sizes and prices.
        limit(0, 0, Intent::BuyLong, u32::MAX, q),
        limit(0, 0, Intent::BuyLong, 5_000, i64::MAX),
        limit(0, 0, Intent::BuyLong, 5_000, i64::MIN),
        market_buy(0, 0, Size::Cash(Cash(i64::MAX)), None),
        market_buy(0, 0, Size::Cash(Cash(i64::MIN)), None),
        market_buy(0, 0, Size::Qty(Qty(i64::MAX)), None),
        // Slippage at the edges that stay within 64 bits.
        market_buy(0, 0, Size::Qty(Qty(q)), slip(Some(u32::MAX), None, Some(i32::MAX))),
        market_sell(0, 0, Size::Qty(Qty(q)), slip(Some(u32::MAX), None, Some(i32::MAX))),
        market_sell(0, 0, Size::Qty(Qty(q)), slip(Some(u32::MAX), Some(i32::MAX), None)),
        market_buy(0, 0, Size::Qty(Qty(q)), slip(Some(0), Some(i32::MIN), Some(i32::MIN))),
        market_buy(0, 0, Size::Qty(Qty(q)), slip(None, Some(i32::MAX), None)),
        market_sell(0, 0, Size::Qty(Qty(q)), slip(None, Some(i32::MAX), None)),
        market_buy(0, 0, Size::Cash(Cash(1)), None),
        // Good-till times at the ends of the range.
        Op::PlaceOrder(NewOrder {
            tif: Some(Tif::GoodTillDate),
            good_till: Some(Timestamp(i64::MAX)),
            ..order(0, 0, Intent::BuyLong, OrderKind::Limit, Some(3_000), Size::Qty(Qty(q)))
        }),
        Op::PlaceOrder(NewOrder {
            tif: Some(Tif::GoodTillDate),
            good_till: Some(Timestamp(i64::MIN)),
            ..order(0, 0, Intent::BuyLong, OrderKind::Limit, Some(3_000), Size::Qty(Qty(q)))
        }),
    ];
    // The far-future GTD order above is the 16th order placed (ids count every placement).
    let modifies_from = ops.len();
    ops.extend([
        modify(0, 16, Some(u32::MAX), None, None),
        modify(0, 16, None, Some(i64::MAX), None),
        modify(0, 16, None, Some(i64::MIN), None),
        modify(0, 16, None, None, Some(i64::MIN)),
        modify(0, 16, Some(2_900), Some(2 * q), Some(i64::MAX - 1)),
        Op::CancelOrder { account: AccountId(0), order: OrderId(u64::MAX) },
        Op::CancelOrder { account: AccountId(u32::MAX), order: OrderId(16) },
        Op::CancelAll { account: AccountId(2), markets: vec![MarketId(u32::MAX)] },
        Op::ClosePosition(ClosePosition {
            account: AccountId(0),
            market: MarketRef::Id(MarketId(u32::MAX)),
            slippage: None,
            manual: None,
        }),
        Op::SettleMarket { market: MarketId(2), value: types::Price(u32::MAX) },
        Op::SettleMarket { market: MarketId(u32::MAX), value: types::Price(0) },
        Op::SetMarketState { market: MarketId(u32::MAX), state: MarketState::Halted },
        // The one-level market with the largest allowed fee coefficients.
        limit(1, 1, Intent::BuyShort, 5_000, 3 * q + 7),
        limit(1, 1, Intent::BuyLong, 5_000, 2 * q),
        limit(0, 1, Intent::BuyLong, 5_000, 5 * q),
        limit(0, 1, Intent::BuyShort, 5_100, q),
        market_sell(0, 1, Size::Qty(Qty(q)), slip(None, None, Some(1))),
        Op::ClosePosition(ClosePosition {
            account: AccountId(0),
            market: MarketRef::Slug("one-level".into()),
            slippage: slip(None, Some(1), None),
            manual: None,
        }),
        // A poor account and 1,000-contract lots at $0.0001.
        limit(2, 2, Intent::BuyLong, 1, 1_000 * q),
        limit(2, 2, Intent::BuyLong, 1, 1_000 * q),
        limit(1, 2, Intent::BuyShort, 1, 3_000 * q),
        limit(2, 2, Intent::BuyShort, 9_999, 1_000 * q),
        // Suspension empties the book; pre-open keeps it; settlement at a fractional value.
        limit(1, 0, Intent::BuyLong, 3_900, q),
        Op::SetMarketState { market: MarketId(0), state: MarketState::Preopen },
        modify(1, 2, Some(3_800), None, None),
        Op::CancelOrder { account: AccountId(1), order: OrderId(2) },
        Op::SetMarketState { market: MarketId(0), state: MarketState::Suspended },
        Op::SetMarketState { market: MarketId(0), state: MarketState::Suspended },
        Op::SetMarketState { market: MarketId(0), state: MarketState::Open },
        Op::SettleMarket { market: MarketId(1), value: types::Price(3_333) },
        Op::SettleMarket { market: MarketId(2), value: types::Price(1) },
        Op::EndOfDay,
        Op::AdvanceTime,
    ]);
    let mut commands = stamp(ops);
    // The end of time: every good-till-date order expires, and none can be placed after.
    let seq = Seq(commands.len() as u64 + 1);
    commands.push(Command { seq, ts: Timestamp(i64::MAX), op: Op::AdvanceTime });
    commands.push(Command {
        seq: Seq(seq.get() + 1),
        ts: Timestamp(i64::MAX),
        op: Op::PlaceOrder(NewOrder {
            tif: Some(Tif::GoodTillDate),
            good_till: Some(Timestamp(i64::MAX)),
            ..order(1, 0, Intent::BuyLong, OrderKind::Limit, Some(3_000), Size::Qty(Qty(q)))
        }),
    });
    // Slippage whose bips bound leaves 64 bits: a reference price near u32::MAX.
    commands.push(Command {
        seq: Seq(seq.get() + 2),
        ts: Timestamp(i64::MAX),
        op: market_buy(0, 0, Size::Qty(Qty(q)), slip(Some(u32::MAX), Some(i32::MAX), None)),
    });
    let outcomes = run_fixed("edge cases", &commands);
    let modified: Vec<Vec<engine::Note>> = outcomes[modifies_from..modifies_from + 5].iter().map(notes).collect();
    assert_eq!(
        modified,
        [
            vec![engine::Note::PriceOutOfBounds],
            vec![engine::Note::QuantityTooLarge],
            vec![engine::Note::QuantityNotPositive],
            vec![engine::Note::GoodTillPast],
            vec![engine::Note::None],
        ],
        "the modifies must reach the order they aim at"
    );
}

/// The per-account limit on resting orders, reached across markets, then relieved by a
/// cancel.
#[test]
fn open_orders_limit_matches_reference() {
    let mut ops = Vec::new();
    for index in 0..4 {
        let slug = format!("limit-{index}");
        ops.push(Op::CreateMarket(spec(&slug, 100, 1, 69_500, -12_500, 100, 9_900, MarketState::Open)));
    }
    ops.push(Op::CreateAccount { name: "busy".into() });
    ops.push(Op::Deposit { account: AccountId(0), amount: Cash(1_000 * CASH_SCALE) });
    let count = limits::OPEN_ORDERS_MAX as u32;
    for index in 0..count {
        ops.push(limit(0, index % 4, Intent::BuyLong, 100 + 100 * (index % 40), 1));
    }
    ops.push(limit(0, 1, Intent::BuyShort, 9_000, 1));
    ops.push(market_buy(0, 1, Size::Qty(Qty(1)), None));
    ops.push(Op::CancelOrder { account: AccountId(0), order: OrderId(3) });
    ops.push(limit(0, 1, Intent::BuyShort, 9_000, 1));
    ops.push(limit(0, 1, Intent::BuyShort, 9_000, 1));
    let outcomes = run_fixed("open orders limit", &stamp(ops));
    let last: Vec<Vec<engine::Note>> = outcomes[outcomes.len() - 5..].iter().map(notes).collect();
    assert_eq!(last[0], [engine::Note::TooManyOrders], "the limit must be reached");
    assert_eq!(last[4], [engine::Note::TooManyOrders], "a cancel frees exactly one place");
}

// ----- minimal reproductions of engine bugs found by this file -----

/// A market with a 0.01 tick and whole contracts, and two funded accounts.
fn two_traders() -> Vec<Op> {
    vec![
        Op::CreateMarket(spec("cent", 100, QTY_SCALE, 69_500, -12_500, 100, 9_900, MarketState::Open)),
        Op::CreateAccount { name: "maker".into() },
        Op::CreateAccount { name: "taker".into() },
        Op::Deposit { account: AccountId(0), amount: Cash(100 * CASH_SCALE) },
        Op::Deposit { account: AccountId(1), amount: Cash(CASH_SCALE) },
    ]
}

/// trading/mod.rs: "A rejected order's snapshot carries the request as given (raw price and
/// quantity ...)". A limit buy of 2.5 at 0.515 that $1 cannot fund must report 0.515 and 2.5,
/// not the normalized 0.51 and 2; a SELL_LONG of 2.5 with no position likewise reports 2.5.
#[test]
fn rejected_order_reports_the_request_as_given() {
    let mut ops = two_traders();
    ops.push(limit(1, 0, Intent::BuyLong, 5_150, 25_000));
    ops.push(limit(1, 0, Intent::SellLong, 5_000, 25_000));
    let outcomes = run_fixed("rejected snapshot", &stamp(ops));
    let notes: Vec<Vec<engine::Note>> = outcomes[outcomes.len() - 2..].iter().map(notes).collect();
    assert_eq!(notes, [[engine::Note::InsufficientBuyingPower], [engine::Note::ExceedsPosition]]);
}

/// A fill-or-kill that cannot fill entirely ends canceled with no trades (trading/mod.rs). A $10
/// fill-or-kill market buy facing one contract at 0.50 must be canceled untraded; the engine
/// sets a cash order's quantity to what the dry run reached before its kill test, so it buys
/// the one contract and reports FILLED.
#[test]
fn cash_fill_or_kill_that_cannot_fill_entirely_is_canceled() {
    let mut ops = two_traders();
    ops.push(Op::Deposit { account: AccountId(1), amount: Cash(20 * CASH_SCALE) });
    ops.push(limit(0, 0, Intent::BuyShort, 5_000, QTY_SCALE));
    let cash = Size::Cash(Cash(10 * CASH_SCALE));
    ops.push(Op::PlaceOrder(NewOrder {
        tif: Some(Tif::FillOrKill),
        ..order(1, 0, Intent::BuyLong, OrderKind::Market, None, cash)
    }));
    // Spent as far as the step allows: $1.20 buys two contracts at 0.50 and $0.20 is left.
    ops.push(limit(0, 0, Intent::BuyShort, 5_000, 3 * QTY_SCALE));
    ops.push(Op::PlaceOrder(NewOrder {
        tif: Some(Tif::FillOrKill),
        ..order(1, 0, Intent::BuyLong, OrderKind::Market, None, Size::Cash(Cash(120 * CENT)))
    }));
    let outcomes = run_fixed("cash fill-or-kill", &stamp(ops));
    let killed = &outcomes[outcomes.len() - 3];
    assert_eq!(notes(killed), [engine::Note::None, engine::Note::FillOrKillUnfilled]);
    let filled = &outcomes[outcomes.len() - 1];
    assert!(filled.engine_events.iter().any(|e| matches!(e, Event::Trade(_))), "a spendable FOK must trade");
}

/// Slippage arithmetic overflows (a panic with overflow checks, a wrapped bound without):
/// `currentPrice` near `u32::MAX` units with `bips` near `i32::MAX`. The engine must not
/// panic on any command it can be sent: a panicking command would also panic on every replay
/// of the journal.
#[test]
fn extreme_slippage_does_not_overflow() {
    let mut ops = two_traders();
    ops.push(market_buy(1, 0, Size::Qty(Qty(QTY_SCALE)), slip(Some(u32::MAX), Some(i32::MAX), None)));
    let outcomes = run_fixed("extreme slippage", &stamp(ops));
    assert_eq!(notes(&outcomes[outcomes.len() - 1]), [engine::Note::NoLiquidity]);
}
