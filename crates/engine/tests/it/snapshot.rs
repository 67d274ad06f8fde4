//! Engine snapshots: encode, decode, and the restored engine behaves exactly like the original.
//!
//! Seeded streams from `differential` run on an engine; at several points a snapshot is taken
//! and decoded, and both engines then take the rest of the stream, compared result by result,
//! event by event and hash by hash, with invariants checked. Also: encoding is deterministic,
//! and truncated or mislabelled snapshots are refused with an error.

use engine::{Engine, SnapshotError};

use crate::differential::record_stream;

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
    assert_eq!(Engine::decode_snapshot(&longer).err(), Some(SnapshotError::Trailing(1)));
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
