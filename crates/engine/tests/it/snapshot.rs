//! Engine snapshots: encode, decode, and the restored engine behaves exactly like the original.
//!
//! Seeded streams from `differential` run on an engine; at several points a snapshot is taken
//! and decoded, and both engines then take the rest of the stream, compared result by result,
//! event by event and hash by hash, with invariants checked. Also: encoding is deterministic,
//! and truncated or mislabelled snapshots are refused with an error.

use codec::{DecodeError, Reader, Writer};
use engine::{Command, Engine, Intent, MarketRef, MarketState, NewOrder, Op, OrderKind, Size, SnapshotError, Tif};
use types::{AccountId, Cash, MarketId, Price, QTY_SCALE, Qty, Seq, Timestamp};

use crate::differential::{record_stream, spec};

fn encode(engine: &Engine) -> Vec<u8> {
    let mut bytes = Vec::new();
    engine.encode_snapshot(&mut bytes);
    bytes
}

#[test]
fn restored_engine_continues_exactly_like_the_original() {
    for seed in [31, 32, 33, 34] {
        let stream = record_stream(seed, 4_000);
        for cut in [0, 1, stream.len() / 7, stream.len() / 2, stream.len() - 1] {
            let mut original = Engine::new();
            let mut events = Vec::new();
            for command in &stream[..cut] {
                let _ = original.apply(command, &mut events);
            }
            let bytes = encode(&original);
            let mut restored = Engine::decode_snapshot(&bytes).expect("decodes");
            assert_eq!(restored.state_hash(), original.state_hash(), "seed {seed} cut {cut}: hash after restore");
            restored.check_invariants().expect("invariants after restore");
            assert_eq!(encode(&restored), bytes, "seed {seed} cut {cut}: re-encoding differs");
            for (index, command) in stream[cut..].iter().enumerate() {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let expected = original.apply(command, &mut a);
                let got = restored.apply(command, &mut b);
                assert_eq!(expected, got, "seed {seed} cut {cut}: result of command {}", cut + index);
                assert_eq!(a, b, "seed {seed} cut {cut}: events of command {}", cut + index);
                if index % 97 == 0 {
                    restored.check_invariants().expect("invariants");
                    assert_eq!(restored.state_hash(), original.state_hash());
                }
            }
            assert_eq!(restored.state_hash(), original.state_hash(), "seed {seed} cut {cut}: final hash");
            assert_eq!(encode(&restored), encode(&original), "seed {seed} cut {cut}: final encoding");
        }
    }
}

#[test]
fn empty_engine_round_trips() {
    let engine = Engine::new();
    let restored = Engine::decode_snapshot(&encode(&engine)).expect("decodes");
    assert_eq!(restored.state_hash(), engine.state_hash());
}

#[test]
fn damaged_snapshots_are_errors_not_panics() {
    let stream = record_stream(35, 1_500);
    let mut engine = Engine::new();
    let mut events = Vec::new();
    for command in &stream {
        let _ = engine.apply(command, &mut events);
    }
    let bytes = encode(&engine);
    assert!(Engine::decode_snapshot(&bytes[..bytes.len() - 1]).is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        Engine::decode_snapshot(&longer).err(),
        Some(SnapshotError::Decode(DecodeError::TrailingBytes { at: bytes.len(), count: 1 }))
    );
    let mut magic = bytes.clone();
    magic[0] ^= 1;
    assert_eq!(Engine::decode_snapshot(&magic).err(), Some(SnapshotError::BadMagic));
    let mut version = bytes.clone();
    version[8] = 9;
    assert!(matches!(Engine::decode_snapshot(&version), Err(SnapshotError::UnsupportedVersion { found: 9, .. })));
    // Every truncation is an error. (Flipped bytes inside values are the file checksum's
    // job: see the module doc of `engine::snapshot`.)
    for len in (0..bytes.len()).step_by(13) {
        assert!(Engine::decode_snapshot(&bytes[..len]).is_err(), "truncated to {len}");
    }
}

/// An engine after `ops`, applied as commands 1, 2, ... (each must succeed).
fn engine_after<const N: usize>(ops: [Op; N]) -> Engine {
    let mut engine = Engine::new();
    for (seq, op) in ops.into_iter().enumerate() {
        let command = Command { seq: Seq(seq as u64 + 1), ts: Timestamp(seq as i64 + 1), op };
        engine.apply(&command, &mut Vec::new()).expect("set-up command");
    }
    engine
}

/// A GTC `BUY_LONG` limit order of `contracts` at `price` ($0.0001 units).
fn buy_long(account: u32, market: u32, price: u32, contracts: i64) -> Op {
    Op::PlaceOrder(NewOrder {
        account: AccountId(account),
        market: MarketRef::Id(MarketId(market)),
        intent: Intent::BuyLong,
        kind: OrderKind::Limit,
        price: Some(Price(price)),
        size: Size::Qty(Qty(contracts * QTY_SCALE)),
        tif: Some(Tif::GoodTillCancel),
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    })
}

/// A live slot stores only the fee part of its reservation; the quantity and notional in
/// the snapshot must be what its order implies, or the snapshot is refused.
#[test]
fn a_live_slot_whose_reservation_disagrees_with_its_order_is_refused() {
    let engine = engine_after([
        Op::CreateMarket(spec("one", 100, QTY_SCALE, 69_500, -12_500, 100, 9_900, MarketState::Open)),
        Op::CreateAccount { name: "alice".into() },
        Op::Deposit { account: AccountId(0), amount: Cash::from_dollars(100).expect("small") },
        buy_long(0, 0, 4_000, 10),
    ]);
    assert_eq!(engine.orders_count(), 1);
    let bytes = encode(&engine);
    // The snapshot ends with the only slot's reserve (qty, notional, fee: zigzag varints) and
    // an empty free list (a varint count of 0).
    let end = bytes.len() - 1;
    assert_eq!(bytes[end..], [0], "no free slots");
    let mut reserve = Vec::new();
    let mut writer = Writer::new(&mut reserve);
    writer.i64(10 * QTY_SCALE);
    let notional_at = writer.len();
    writer.i64(4_000 * 10 * QTY_SCALE);
    let qty_at = bytes[..end].windows(reserve.len()).rposition(|w| w == reserve).expect("qty, notional");
    let fee_len = end - qty_at - reserve.len();
    let mut fee = Reader::new(&bytes[end - fee_len..end]);
    assert_eq!(fee.i64().and(fee.finish()), Ok(()), "the fee fills the rest");
    for at in [qty_at, qty_at + notional_at] {
        let mut damaged = bytes.clone();
        damaged[at] ^= 1;
        assert_eq!(
            Engine::decode_snapshot(&damaged).err(),
            Some(SnapshotError::Invalid { what: "slot reserve", value: 0 }),
            "reserve byte {at} changed"
        );
    }
}

/// An account's order total is stored as the total whether the engine keeps it on the
/// account (several markets) or reads it from its one market's state; a total that disagrees
/// with the orders is refused either way, and a restored engine keeps counting.
#[test]
fn an_account_order_total_that_disagrees_with_its_orders_is_refused() {
    let order = |account, market, price| buy_long(account, market, price, 1);
    let engine = engine_after([
        Op::CreateMarket(spec("one", 100, QTY_SCALE, 0, 0, 100, 9_900, MarketState::Open)),
        Op::CreateMarket(spec("two", 100, QTY_SCALE, 0, 0, 100, 9_900, MarketState::Open)),
        Op::CreateAccount { name: "alice".into() },
        Op::CreateAccount { name: "bob".into() },
        Op::Deposit { account: AccountId(0), amount: Cash::from_dollars(100).expect("small") },
        Op::Deposit { account: AccountId(1), amount: Cash::from_dollars(100).expect("small") },
        order(0, 0, 4_000),
        order(1, 0, 4_000),
        order(1, 0, 3_000),
        order(1, 1, 4_000),
    ]);
    let bytes = encode(&engine);
    // An account record: id var, name (var length, bytes), cash zz, margin zz, the order
    // total var.
    let total_at = |name: &str| {
        let at = bytes.windows(name.len()).position(|w| w == name.as_bytes()).expect("name encoded");
        let mut reader = Reader::new(&bytes[at + name.len()..]);
        reader.i64().and(reader.i64()).expect("cash and margin");
        at + name.len() + reader.at()
    };
    let total = |at: usize| Reader::new(&bytes[at..]).u64().expect("a varint");
    let (alice, bob) = (total_at("alice"), total_at("bob"));
    assert_eq!((total(alice), total(bob)), (1, 3), "totals encoded as totals");
    for at in [alice, bob] {
        let mut damaged = bytes.clone();
        damaged[at] += 1;
        assert!(
            matches!(Engine::decode_snapshot(&damaged), Err(SnapshotError::Inconsistent(_))),
            "a wrong total at byte {at} was accepted"
        );
    }

    // Restored, bob's third market order is counted on the account from the snapshot's total.
    let mut restored = Engine::decode_snapshot(&bytes).expect("valid snapshot");
    let command = Command { seq: Seq(11), ts: Timestamp(11), op: order(1, 1, 3_000) };
    restored.apply(&command, &mut Vec::new()).expect("order");
    restored.check_invariants().expect("invariants");
    assert_eq!(restored.open_orders(AccountId(1)).len(), 4);
}

/// Price levels are stored in ascending order, as the encoder writes them: the same two
/// levels in the other order are refused, so one state has one encoding.
#[test]
fn price_levels_out_of_order_are_refused() {
    let engine = engine_after([
        Op::CreateMarket(spec("one", 100, QTY_SCALE, 0, 0, 100, 9_900, MarketState::Open)),
        Op::CreateAccount { name: "alice".into() },
        Op::Deposit { account: AccountId(0), amount: Cash::from_dollars(100).expect("small") },
        buy_long(0, 0, 4_000, 1),
        buy_long(0, 0, 4_100, 1),
    ]);
    let bytes = encode(&engine);
    // Each level: index (price / tick), head and tail slot, quantity, order count.
    let level = |index: u32, slot: u32| {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out);
        for value in [index, slot, slot] {
            writer.u32(value);
        }
        writer.i64(QTY_SCALE);
        writer.u32(1);
        out
    };
    let (low, high) = (level(40, 0), level(41, 1));
    let ascending = [&[2u8][..], &low, &high].concat();
    let at = bytes.windows(ascending.len()).position(|w| w == ascending).expect("the bids' two levels");
    let mut swapped = bytes.clone();
    swapped[at..at + ascending.len()].copy_from_slice(&[&[2u8][..], &high, &low].concat());
    assert!(Engine::decode_snapshot(&bytes).is_ok());
    assert_eq!(
        Engine::decode_snapshot(&swapped).err(),
        Some(SnapshotError::Invalid { what: "level index", value: 40 })
    );
}
