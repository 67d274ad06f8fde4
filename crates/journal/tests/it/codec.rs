//! The entry codec: every variant and field round-trips; bad bytes are typed errors.

use engine::{Command, Intent, MarketRef, Modify, NewOrder, Op, OrderKind, Size, Tif};
use journal::{DecodeError, Entry, KeyGrant};
use types::{AccountId, MarketId, OrderId, Price, Qty, Seq, Timestamp};

use crate::random::{self, OP_VARIANTS, Rng};

fn encode(entry: &Entry) -> Vec<u8> {
    let mut bytes = Vec::new();
    entry.encode(&mut bytes);
    bytes
}

fn command(op: Op) -> Entry {
    Entry::Command(Command { seq: Seq(7), ts: Timestamp(1_700_000_000_000_000_000), op })
}

#[test]
fn every_op_and_field_round_trips() {
    let mut rng = Rng::new(0x5eed_c0de);
    let mut seen = [0usize; OP_VARIANTS];
    let mut keys = 0;
    for index in 0..50_000u64 {
        let seq = Seq(1 + rng.below(1 << 40));
        let entry = random::entry(&mut rng, seq);
        match &entry {
            Entry::Command(command) => seen[random::op_index(&command.op)] += 1,
            Entry::Key(_) => keys += 1,
        }
        let bytes = encode(&entry);
        assert_eq!(Entry::decode(seq, &bytes), Ok(entry.clone()), "entry {index}: {entry:?}");
        // Encoding appends: a second encoding follows the first, byte for byte.
        let mut twice = bytes.clone();
        entry.encode(&mut twice);
        assert_eq!(twice[bytes.len()..], bytes[..]);
    }
    assert!(seen.iter().all(|&count| count > 1_000), "every op variant generated: {seen:?}");
    assert!(keys > 1_000);
}

#[test]
fn every_truncation_and_extension_is_refused() {
    let mut rng = Rng::new(17);
    for _ in 0..2_000 {
        let entry = random::entry(&mut rng, Seq(3));
        let bytes = encode(&entry);
        for cut in 0..bytes.len() {
            assert!(Entry::decode(Seq(3), &bytes[..cut]).is_err(), "prefix of {cut} bytes decoded: {entry:?}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            Entry::decode(Seq(3), &longer),
            Err(DecodeError::TrailingBytes { at: bytes.len(), count: 1 }),
            "{entry:?}"
        );
    }
}

/// Every value has exactly one encoding: whatever a mutated buffer decodes to re-encodes to
/// the very same bytes, and nothing panics.
#[test]
fn mutated_bytes_never_panic_and_decode_canonically() {
    let mut rng = Rng::new(99);
    let mut decoded = 0;
    for _ in 0..100_000 {
        let mut bytes = encode(&random::entry(&mut rng, Seq(1)));
        match rng.below(3) {
            0 => {
                let at = rng.index(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
            1 => {
                let at = rng.index(bytes.len());
                bytes[at] = rng.below(256) as u8;
            }
            _ => {
                let at = rng.index(bytes.len() + 1);
                bytes.insert(at, rng.below(256) as u8);
            }
        }
        if let Ok(entry) = Entry::decode(Seq(1), &bytes) {
            decoded += 1;
            assert_eq!(encode(&entry), bytes, "{entry:?}");
        }
    }
    assert!(decoded > 1_000, "some mutations still decode ({decoded})");
}

#[test]
fn a_limit_order_is_compact() {
    let entry = command(Op::PlaceOrder(NewOrder {
        account: AccountId(12),
        market: MarketRef::Id(MarketId(3)),
        intent: Intent::BuyLong,
        kind: OrderKind::Limit,
        price: Some(Price(5_100)),
        size: Size::Qty(Qty(100_000)),
        tif: Some(Tif::GoodTillCancel),
        good_till: None,
        post_only: false,
        slippage: None,
        manual: None,
    }));
    // kind 1, ts 8, op 1, flags 1, account 1, market 1, intent 1, kind 1, price 2, qty 3, tif 1.
    assert_eq!(encode(&entry).len(), 21);
    assert_eq!(encode(&command(Op::AdvanceTime)).len(), 10);
}

#[test]
fn key_grants_round_trip() {
    let grant = KeyGrant {
        key_id: "0b6f9a1e-3c52-4d7e-9a0f-2f1d3c4b5a69".to_owned(),
        public_key: std::array::from_fn(|index| index as u8),
        account: "alice".to_owned(),
    };
    let entry = Entry::Key(grant);
    let bytes = encode(&entry);
    assert_eq!(bytes.len(), 1 + 1 + 36 + 32 + 1 + 5);
    assert_eq!(Entry::decode(Seq(1), &bytes), Ok(entry));
}

#[test]
fn malformed_payloads_are_typed_errors() {
    let decode = |bytes: &[u8]| Entry::decode(Seq(1), bytes);
    let ts = [0u8; 8];
    let with_ts = |rest: &[u8]| [&[1u8][..], &ts, rest].concat();

    assert_eq!(decode(&[]), Err(DecodeError::UnexpectedEnd { at: 0 }));
    for kind in [0, 3, 255] {
        assert_eq!(decode(&[kind]), Err(DecodeError::UnknownCode { what: "entry kind", code: kind, at: 0 }));
    }
    assert_eq!(decode(&[1, 0, 0]), Err(DecodeError::UnexpectedEnd { at: 3 }));
    for op in [0, 14, 200] {
        assert_eq!(decode(&with_ts(&[op])), Err(DecodeError::UnknownCode { what: "op", code: op, at: 9 }));
    }
    // CreateAccount with a name that is not UTF-8.
    assert_eq!(decode(&with_ts(&[4, 2, 0xC3, 0x28])), Err(DecodeError::InvalidUtf8 { at: 11 }));
    // A string longer than the buffer.
    assert_eq!(decode(&with_ts(&[4, 5, b'a'])), Err(DecodeError::UnexpectedEnd { at: 12 }));
    // Trailing bytes after AdvanceTime.
    assert_eq!(decode(&with_ts(&[12, 0, 0])), Err(DecodeError::TrailingBytes { at: 10, count: 2 }));
    // Non-canonical varint (0 written in two bytes) as a Deposit's account.
    assert_eq!(decode(&with_ts(&[5, 0x80, 0x00, 0])), Err(DecodeError::NonCanonical { at: 10 }));
    // An account id beyond u32.
    assert_eq!(decode(&with_ts(&[5, 0x80, 0x80, 0x80, 0x80, 0x10, 0])), Err(DecodeError::OutOfRange { at: 10 }));
    // A varint beyond u64 (eleven bytes, or a tenth byte above 1).
    let long = [&[8u8, 1][..], &[0xFF; 9], &[0x02]].concat();
    assert_eq!(decode(&with_ts(&long)), Err(DecodeError::OutOfRange { at: 11 }));
    // SetMarketState with an unknown state.
    assert_eq!(decode(&with_ts(&[2, 1, 9])), Err(DecodeError::UnknownCode { what: "market state", code: 9, at: 11 }));
    // PlaceOrder with an unknown intent (codes are 1-based: 0 is never one, 4 is the last).
    for code in [0, 5] {
        assert_eq!(
            decode(&with_ts(&[7, 0, 1, 1, code])),
            Err(DecodeError::UnknownCode { what: "intent", code, at: 13 })
        );
    }
    // ModifyOrder with an undefined flag, and with a post_only value but no post_only.
    assert_eq!(
        decode(&with_ts(&[10, 1, 1, 0x40])),
        Err(DecodeError::InvalidFlags { what: "modify", flags: 0x40, at: 12 })
    );
    assert_eq!(
        decode(&with_ts(&[10, 1, 1, 0x10])),
        Err(DecodeError::InvalidFlags { what: "modify", flags: 0x10, at: 12 })
    );
    // A CancelAll claiming more markets than bytes left: refused without a huge allocation.
    let huge = [&[9u8, 1][..], &[0xFF, 0xFF, 0xFF, 0xFF, 0x0F]].concat();
    assert_eq!(decode(&with_ts(&huge)), Err(DecodeError::CountTooLarge { count: 0xFFFF_FFFF, at: 11 }));
    // A key grant whose public key is cut short.
    assert_eq!(decode(&[2, 0, 1, 2, 3]), Err(DecodeError::UnexpectedEnd { at: 5 }));
}

#[test]
fn decode_takes_the_seq_from_the_record() {
    let entry = command(Op::CancelOrder { account: AccountId(1), order: OrderId(u64::MAX) });
    let bytes = encode(&entry);
    let Ok(Entry::Command(decoded)) = Entry::decode(Seq(99), &bytes) else { panic!("decodes") };
    assert_eq!(decoded.seq, Seq(99));
    assert_eq!(decoded.op, Op::CancelOrder { account: AccountId(1), order: OrderId(u64::MAX) });
}

#[test]
fn modify_keeps_post_only_in_three_states() {
    for post_only in [None, Some(false), Some(true)] {
        let entry = command(Op::ModifyOrder(Modify {
            account: AccountId(1),
            order: OrderId(2),
            price: None,
            qty: None,
            tif: None,
            post_only,
            good_till: None,
        }));
        assert_eq!(Entry::decode(Seq(7), &encode(&entry)), Ok(entry));
    }
}

/// The bytes of a few entries, pinned: a changed layout or enum code must fail here (and bump
/// `journal::format::VERSION`).
#[test]
fn entry_bytes_are_pinned() {
    let ts = 1_700_000_000_000_000_000i64.to_le_bytes();
    let halt = command(Op::SetMarketState { market: MarketId(300), state: engine::MarketState::Halted });
    assert_eq!(encode(&halt), [&[1][..], &ts, &[2, 0xAC, 0x02, 4]].concat());
    let order = command(Op::PlaceOrder(NewOrder {
        account: AccountId(1),
        market: MarketRef::Slug("m".into()),
        intent: Intent::SellShort,
        kind: OrderKind::Market,
        price: None,
        size: Size::Qty(Qty(-1)),
        tif: Some(Tif::FillOrKill),
        good_till: None,
        post_only: false,
        slippage: None,
        manual: Some(engine::ManualIndicator::Automatic),
    }));
    // flags: tif, manual, slug; account 1; slug "m"; intent 4, kind 2; qty zz(-1) = 1; tif 5;
    // manual 2.
    assert_eq!(encode(&order), [&[1][..], &ts, &[7, 0b1100_0100, 1, 1, b'm', 4, 2, 1, 5, 2]].concat());
}
