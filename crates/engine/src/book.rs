//! Order storage and the price ladders of one market's book.
//!
//! Live orders sit in one slab (`Store`) of `Slot`s; an `OrderIndex` maps `OrderId` to slot.
//! Order ids are assigned in sequence, so the index is a paged direct map (id / page size
//! picks a page, the rest a cell): two loads and no hashing. A page is freed when its last
//! order leaves, so memory follows the live orders, plus 8 bytes per page of ids ever used.
//! Each slot is linked into two intrusive lists: the FIFO queue of its price level, and the
//! list of its account's orders in that market (oldest first).
//!
//! A `Ladder` is one side of a book: a fixed array of levels indexed by price in ticks (a
//! market's price range is bounded, so no tree is needed), a bitset of non-empty levels, and
//! the index of the best level. Finding the next best level scans the bitset a word at a time.
//! Invariants (checked by `Engine::check_invariants`): a level's bit is set exactly when its
//! queue is non-empty; its `qty` is the sum of its orders' leaves.

use types::{OrderId, Qty};

use crate::account::OrderReserve;
use crate::fees::FeeCap;
use crate::order::{Order, Side};

/// The null link.
pub(crate) const NIL: u32 = u32::MAX;

/// A live order and its links.
///
/// Exactly three aligned cache lines, links first, so relinking a neighbour touches one line
/// (BENCHMARKS.md). Of the order's reservation only the fee part is stored; its quantity and
/// notional follow from the order (see `reserve`).
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Slot {
    pub(crate) prev: u32,
    pub(crate) next: u32,
    pub(crate) account_prev: u32,
    pub(crate) account_next: u32,
    /// Ladder index of the order's level.
    pub(crate) level: u32,
    /// Index of the account's state in the order's market (`Engine::states`).
    pub(crate) state: u32,
    pub(crate) order: Order,
    /// The fee part of the exposure this order contributes (`OrderReserve::fee`).
    pub(crate) reserve_fee: i64,
    pub(crate) fees: FeeCap,
}

// Three cache lines exactly; a field that grows the order or the slot must pay for a line.
const _: () = assert!(std::mem::size_of::<Slot>() == 192);

impl Slot {
    /// The exposure this order currently contributes (see `account::Exposure`): its leaves,
    /// their notional at its price, and the stored fee bound. Read it before changing the
    /// order's leaves or price, and store the new fee bound after.
    pub(crate) fn reserve(&self) -> OrderReserve {
        let leaves = self.order.leaves_qty.units();
        let price = self.order.price.map_or(0, |price| i64::from(price.units()));
        OrderReserve { qty: leaves, notional: price * leaves, fee: self.reserve_fee }
    }
}

/// The slab of live orders.
#[derive(Clone, Debug, Default)]
pub(crate) struct Store {
    pub(crate) slots: Vec<Slot>,
    free: Vec<u32>,
    index: OrderIndex,
}

/// Ids per index page.
const PAGE_IDS: usize = 1024;

/// A page of the index: slot positions by id offset, and how many are in use.
#[derive(Clone, Debug)]
struct Page {
    cells: Box<[u32; PAGE_IDS]>,
    used: u32,
}

/// `OrderId -> slot`, for live orders only.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderIndex {
    pages: Vec<Option<Page>>,
    len: usize,
    /// Emptied pages kept for reuse (all cells `NIL`), at most `SPARE_PAGES_MAX`.
    spare: Vec<Box<[u32; PAGE_IDS]>>,
}

/// Emptied index pages kept instead of returned to the allocator.
const SPARE_PAGES_MAX: usize = 8;

impl OrderIndex {
    fn split(id: OrderId) -> (usize, usize) {
        let id = id.get() as usize;
        (id / PAGE_IDS, id % PAGE_IDS)
    }

    #[inline(always)]
    fn insert(&mut self, id: OrderId, at: u32) {
        let (page, cell) = Self::split(id);
        if self.pages.get(page).is_none_or(Option::is_none) {
            self.add_page(page);
        }
        let Some(Some(page)) = self.pages.get_mut(page) else { unreachable!("page just added") };
        debug_assert_eq!(page.cells[cell], NIL, "order id indexed twice");
        page.cells[cell] = at;
        page.used += 1;
        self.len += 1;
    }

    /// Makes page `page` present (a spare page, else a new one), growing the directory.
    #[cold]
    #[inline(never)]
    fn add_page(&mut self, page: usize) {
        if self.pages.len() <= page {
            self.pages.resize_with(page + 1, || None);
        }
        let cells = self.spare.pop().unwrap_or_else(|| Box::new([NIL; PAGE_IDS]));
        self.pages[page] = Some(Page { cells, used: 0 });
    }

    fn remove(&mut self, id: OrderId) {
        let (page_at, cell) = Self::split(id);
        let Some(Some(page)) = self.pages.get_mut(page_at) else { return };
        if page.cells[cell] == NIL {
            return;
        }
        page.cells[cell] = NIL;
        page.used -= 1;
        self.len -= 1;
        if page.used == 0
            && let Some(page) = self.pages[page_at].take()
            && self.spare.len() < SPARE_PAGES_MAX
        {
            self.spare.push(page.cells);
        }
    }

    fn get(&self, id: OrderId) -> Option<u32> {
        let (page, cell) = Self::split(id);
        let at = self.pages.get(page)?.as_ref()?.cells[cell];
        (at != NIL).then_some(at)
    }
}

impl Store {
    /// Stores a new live order, unlinked, and indexes it; returns its slot position. The
    /// slot is written in place (a reused slot is overwritten field by field), so the order
    /// is copied once.
    #[inline(always)]
    pub(crate) fn insert(&mut self, order: &Order, state: u32, fees: FeeCap, reserve: OrderReserve) -> u32 {
        let at = match self.free.pop() {
            Some(at) => {
                let slot = &mut self.slots[at as usize];
                slot.order = *order;
                slot.state = state;
                slot.fees = fees;
                slot.reserve_fee = reserve.fee;
                at
            }
            None => {
                let (prev, next, account_prev, account_next, level) = (NIL, NIL, NIL, NIL, NIL);
                let reserve_fee = reserve.fee;
                let slot =
                    Slot { order: *order, state, level, prev, next, account_prev, account_next, fees, reserve_fee };
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        self.index.insert(order.id, at);
        debug_assert_eq!(self.slots[at as usize].reserve(), reserve, "reserve disagrees with the order");
        at
    }

    /// Frees slot `at`, which holds order `id`; its contents stay until the slot is reused.
    pub(crate) fn remove(&mut self, at: u32, id: OrderId) {
        debug_assert_eq!(self.slots[at as usize].order.id, id, "slot holds another order");
        self.index.remove(id);
        self.free.push(at);
    }

    pub(crate) fn find(&self, id: OrderId) -> Option<u32> {
        self.index.get(id)
    }

    pub(crate) fn get(&self, at: u32) -> &Slot {
        &self.slots[at as usize]
    }

    pub(crate) fn get_mut(&mut self, at: u32) -> &mut Slot {
        &mut self.slots[at as usize]
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len
    }

    /// A store of `slots` (live and free) with the free list `free`, its index rebuilt from
    /// the live slots (snapshot restore). The caller has checked that `free` holds distinct
    /// in-range positions.
    pub(crate) fn restore(slots: Vec<Slot>, free: Vec<u32>) -> Store {
        let mut is_free = vec![false; slots.len()];
        for &at in &free {
            is_free[at as usize] = true;
        }
        let mut index = OrderIndex::default();
        for (at, slot) in slots.iter().enumerate() {
            if !is_free[at] {
                index.insert(slot.order.id, at as u32);
            }
        }
        Store { slots, free, index }
    }

    /// The free list, most recently freed last (snapshot encoding).
    pub(crate) fn free_list(&self) -> &[u32] {
        &self.free
    }

    /// Slot positions of live orders, in ascending order id.
    pub(crate) fn live(&self) -> impl Iterator<Item = u32> + '_ {
        self.index.pages.iter().flatten().flat_map(|page| page.cells.iter().copied().filter(|&at| at != NIL))
    }
}

/// One price level's queue.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Level {
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) qty: Qty,
    pub(crate) count: u32,
}

pub(crate) const EMPTY_LEVEL: Level = Level { head: NIL, tail: NIL, qty: Qty::ZERO, count: 0 };

/// One side of a book.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    pub(crate) side: Side,
    pub(crate) levels: Vec<Level>,
    bits: Vec<u64>,
    best: u32,
}

impl Ladder {
    pub(crate) fn new(side: Side, levels_count: usize) -> Ladder {
        Ladder { side, levels: vec![EMPTY_LEVEL; levels_count], bits: vec![0; levels_count.div_ceil(64)], best: NIL }
    }

    /// A ladder over `levels`, its bitset and best level recomputed (snapshot restore).
    pub(crate) fn restore(side: Side, levels: Vec<Level>) -> Ladder {
        let mut bits = vec![0u64; levels.len().div_ceil(64)];
        let mut best = NIL;
        for (at, level) in levels.iter().enumerate() {
            if level.count > 0 {
                bits[at / 64] |= 1 << (at % 64);
                let at = at as u32;
                if best == NIL || !Ladder::better_or_equal(side, best, at) {
                    best = at;
                }
            }
        }
        Ladder { side, levels, bits, best }
    }

    fn better_or_equal(side: Side, level: u32, limit: u32) -> bool {
        match side {
            Side::Buy => level >= limit,
            Side::Sell => level <= limit,
        }
    }

    /// The best non-empty level, if any.
    pub(crate) fn best(&self) -> Option<u32> {
        (self.best != NIL).then_some(self.best)
    }

    /// True when `level` is at least as good as `limit` for this side (a buy ladder's levels
    /// are good when high, a sell ladder's when low).
    pub(crate) fn is_better_or_equal(&self, level: u32, limit: u32) -> bool {
        Ladder::better_or_equal(self.side, level, limit)
    }

    /// Appends the order at `at` to the back of `level`.
    #[inline(always)]
    pub(crate) fn push_back(&mut self, slots: &mut [Slot], level: u32, at: u32) {
        let entry = &mut self.levels[level as usize];
        let slot = &mut slots[at as usize];
        slot.level = level;
        slot.prev = entry.tail;
        slot.next = NIL;
        let leaves = slot.order.leaves_qty;
        if entry.tail == NIL {
            entry.head = at;
        } else {
            slots[entry.tail as usize].next = at;
        }
        entry.tail = at;
        entry.qty = Qty(entry.qty.units() + leaves.units());
        entry.count += 1;
        if entry.count == 1 {
            self.bits[(level / 64) as usize] |= 1 << (level % 64);
            if self.best == NIL || !self.is_better_or_equal(self.best, level) {
                self.best = level;
            }
        }
    }

    /// Unlinks the order at `at` from its level.
    #[inline(always)]
    pub(crate) fn unlink(&mut self, slots: &mut [Slot], at: u32) {
        let (level, prev, next, leaves) = {
            let slot = &slots[at as usize];
            (slot.level, slot.prev, slot.next, slot.order.leaves_qty)
        };
        let entry = &mut self.levels[level as usize];
        if prev == NIL {
            entry.head = next;
        } else {
            slots[prev as usize].next = next;
        }
        if next == NIL {
            entry.tail = prev;
        } else {
            slots[next as usize].prev = prev;
        }
        entry.qty = Qty(entry.qty.units() - leaves.units());
        entry.count -= 1;
        if entry.count == 0 {
            self.bits[(level / 64) as usize] &= !(1 << (level % 64));
            if self.best == level {
                self.best = self.scan_from(level);
            }
        }
    }

    /// Reduces the resting quantity of `level` by `qty` (a partial fill or a size decrease).
    pub(crate) fn reduce(&mut self, level: u32, qty: Qty) {
        let entry = &mut self.levels[level as usize];
        entry.qty = Qty(entry.qty.units() - qty.units());
    }

    /// The next non-empty level after `level`, moving away from the spread.
    fn scan_from(&self, level: u32) -> u32 {
        match self.side {
            Side::Buy => self.highest_below(level),
            Side::Sell => self.lowest_above(level),
        }
    }

    fn highest_below(&self, level: u32) -> u32 {
        if level == 0 {
            return NIL;
        }
        let start = level - 1;
        let mut word = (start / 64) as usize;
        let mut mask = self.bits[word] & (u64::MAX >> (63 - start % 64));
        loop {
            if mask != 0 {
                return (word as u32) * 64 + 63 - mask.leading_zeros();
            }
            if word == 0 {
                return NIL;
            }
            word -= 1;
            mask = self.bits[word];
        }
    }

    fn lowest_above(&self, level: u32) -> u32 {
        let start = level + 1;
        let mut word = (start / 64) as usize;
        if word >= self.bits.len() {
            return NIL;
        }
        let mut mask = self.bits[word] & (u64::MAX << (start % 64));
        loop {
            if mask != 0 {
                return (word as u32) * 64 + mask.trailing_zeros();
            }
            word += 1;
            if word >= self.bits.len() {
                return NIL;
            }
            mask = self.bits[word];
        }
    }

    /// Orders queued on this side (for invariant checks).
    pub(crate) fn orders_count(&self) -> u32 {
        self.levels.iter().map(|level| level.count).sum()
    }

    /// True when `level`'s bit is set (for invariant checks).
    pub(crate) fn is_marked(&self, level: u32) -> bool {
        self.bits[(level / 64) as usize] & (1 << (level % 64)) != 0
    }

    /// Non-empty levels from the best outward.
    pub(crate) fn levels_from_best(&self) -> impl Iterator<Item = u32> + '_ {
        let mut next = self.best;
        std::iter::from_fn(move || {
            if next == NIL {
                return None;
            }
            let current = next;
            next = self.scan_from(current);
            Some(current)
        })
    }
}

/// A market's book: bids and asks over the same price grid.
#[derive(Clone, Debug)]
pub(crate) struct Book {
    pub(crate) bids: Ladder,
    pub(crate) asks: Ladder,
}

impl Book {
    pub(crate) fn new(levels_count: usize) -> Book {
        Book { bids: Ladder::new(Side::Buy, levels_count), asks: Ladder::new(Side::Sell, levels_count) }
    }

    pub(crate) fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    pub(crate) fn ladder_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }
}
