//! The journal file format: file header, record framing, checksum and hash chain.
//!
//! One file per data directory, `journal.pmx`, append-only. All integers are little-endian.
//!
//! ```text
//! file header (16 bytes)
//!   0  magic     8 bytes  "pmx-jrnl"
//!   8  version   u32      2 (see `VERSION`)
//!  12  checksum  u32      crc32c of bytes 0..12
//! record (repeated, back to back)
//!   0  len       u32      length of the body, 17 ..= 1 MiB
//!   4  checksum  u32      crc32c of the body (everything after this field)
//!   8  body:
//!        seq     u64      1 for the first record, then strictly +1
//!        prev    u64      chain value: digest of the previous record's body
//!                         (for record 1, the digest of the file header)
//!        payload          one `Entry`, encoded by `entry` (at least its kind byte)
//! ```
//!
//! The digest is a 64-bit hash of a whole body (seq, prev and payload). Because each body
//! contains the digest of the one before, every record commits to the entire history before
//! it: dropping, duplicating, reordering or splicing in a record from another journal breaks
//! the chain at the first record whose `prev` no longer matches, even when each record's own
//! checksum is fine. The checksum guards a record against torn writes and bit rot; the
//! sequence number and chain guard the order.
//!
//! The digest (`digest`) reads the body eight bytes at a time: each little-endian word (the
//! last one zero-padded) is multiplied, rotated and folded into a state that starts from the
//! body length, and the state gets a final avalanche. It is an integrity check against
//! accidents, not a cryptographic hash.

/// Journal file name inside the data directory.
pub const FILE_NAME: &str = "journal.pmx";

/// The first eight bytes of every journal file.
pub const MAGIC: [u8; 8] = *b"pmx-jrnl";

/// The format version this build writes and reads; no other is read. Version 1 encoded
/// entries with the journal's own primitives and 0-based enum codes; version 2 uses the
/// `codec` crate and the engine's 1-based code tables. The framing is the same in both.
pub const VERSION: u32 = 2;

/// Bytes of the file header.
pub const FILE_HEADER_LEN: usize = 16;

/// Bytes of a record's frame (`len` and `checksum`) before its body.
pub const FRAME_LEN: usize = 8;

/// Bytes of `seq` and `prev` at the start of every body.
pub const BODY_FIXED_LEN: usize = 16;

/// The shortest body: `seq`, `prev` and a one-byte payload.
pub const BODY_MIN: usize = BODY_FIXED_LEN + 1;

/// The longest body. Entries are small; anything near this is a bug or damage.
pub const BODY_MAX: usize = 1 << 20;

/// The shortest whole record.
pub(crate) const RECORD_MIN: usize = FRAME_LEN + BODY_MIN;

/// The file header this build writes.
pub(crate) fn file_header() -> [u8; FILE_HEADER_LEN] {
    let mut header = [0; FILE_HEADER_LEN];
    header[..8].copy_from_slice(&MAGIC);
    header[8..12].copy_from_slice(&VERSION.to_le_bytes());
    let checksum = crc32c::crc32c(&header[..12]);
    header[12..].copy_from_slice(&checksum.to_le_bytes());
    header
}

/// The `prev` value of record 1.
pub(crate) fn genesis() -> u64 {
    digest(&file_header())
}

/// A little-endian `u32` at `at`. The caller has checked the bounds.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// A little-endian `u64` at `at`. The caller has checked the bounds.
pub(crate) fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

const PRIME_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME_3: u64 = 0x1656_67B1_9E37_79F9;

/// The 64-bit chain digest of `bytes` (see the module doc).
pub fn digest(bytes: &[u8]) -> u64 {
    let mut state = PRIME_3 ^ (bytes.len() as u64).wrapping_mul(PRIME_1);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        state = round(state, read_u64(word, 0));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut last = [0; 8];
        last[..tail.len()].copy_from_slice(tail);
        state = round(state, u64::from_le_bytes(last));
    }
    avalanche(state)
}

fn round(state: u64, word: u64) -> u64 {
    let mixed = word.wrapping_mul(PRIME_2).rotate_left(31).wrapping_mul(PRIME_1);
    (state ^ mixed).rotate_left(27).wrapping_mul(PRIME_1).wrapping_add(PRIME_3)
}

fn avalanche(mut state: u64) -> u64 {
    state ^= state >> 33;
    state = state.wrapping_mul(PRIME_2);
    state ^= state >> 29;
    state = state.wrapping_mul(PRIME_3);
    state ^ (state >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_depends_on_every_byte_and_the_length() {
        let base = [7u8; 29];
        let reference = digest(&base);
        for at in 0..base.len() {
            let mut changed = base;
            changed[at] ^= 1;
            assert_ne!(digest(&changed), reference, "byte {at}");
        }
        assert_ne!(digest(&base[..28]), reference);
        assert_ne!(digest(&[0; 8]), digest(&[0; 7]));
    }

    #[test]
    fn header_is_stable() {
        let header = file_header();
        assert_eq!(&header[..8], b"pmx-jrnl");
        assert_eq!(read_u32(&header, 8), 2);
        assert_eq!(read_u32(&header, 12), crc32c::crc32c(&header[..12]));
    }
}
