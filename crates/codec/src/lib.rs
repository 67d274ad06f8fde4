//! The one set of binary primitives every pmx storage format is built from.
//!
//! The journal's entries, the engine snapshot, the server's history records and its snapshot
//! payload all write with a `Writer` and read with a `Reader`; enums travel as one byte from a
//! `Code` table. Nothing here knows about the engine: the formats are described where they are
//! built, and `docs/storage.md` puts them together.
//!
//! | method             | bytes                                                                   |
//! |--------------------|-------------------------------------------------------------------------|
//! | `u8`               | one byte                                                                |
//! | `bool`             | one byte, 0 or 1                                                        |
//! | `u64` `u32` `usize`| unsigned LEB128 varint, canonical (shortest form)                       |
//! | `i64` `i32`        | zigzag-mapped (`0, -1, 1, -2 -> 0, 1, 2, 3`), then the varint           |
//! | `i128`             | zigzag-mapped to `u128`, then the varint (at most 19 bytes)             |
//! | `i64_le` `u64_le`  | eight bytes little-endian (nanosecond timestamps, patched offsets)      |
//! | `array`, `raw`     | the bytes as they are, no length                                        |
//! | `str`, `bytes`     | `usize` byte length, then the bytes (UTF-8 for `str`)                   |
//! | `flags`            | one byte of presence bits; a bit the format does not define is an error |
//! | `code`             | one byte from the type's `Code` table (1-based; 0 is never a code)      |
//! | `opt`              | a `bool` presence byte, then the value if 1                             |
//!
//! Decoding is strict, so every value has exactly one encoding: an overlong varint, a varint
//! that overflows or does not fit the type asked for, a bool other than 0/1, undefined flag
//! bits, an unknown code, invalid UTF-8, a short buffer and (at `finish`) trailing bytes are
//! each a typed `DecodeError` with the byte offset. Nothing is truncated or skipped silently.
//!
//! Parts:
//! - `writer`: `Writer`, appending to a `Vec<u8>`;
//! - `reader`: `Reader`, a bounds-checked cursor over a `&[u8]`;
//! - `error`: `DecodeError`;
//! - `code`: the `Code` trait for stable enum discriminants and the `codes!` macro that writes
//!   both directions of a table from one list; `Encode` / `Decode` for composite values.

mod code;
mod error;
mod reader;
mod writer;

pub use code::{Code, Decode, Encode, check_table};
pub use error::DecodeError;
pub use reader::Reader;
pub use writer::{Writer, flag};

#[cfg(test)]
mod tests;
