//! `Writer`: appends values to a byte buffer in the encodings of the crate doc.

use crate::code::{Code, Encode};

/// Appends encoded values to a `Vec<u8>` (the bytes already in it are left alone).
#[derive(Debug)]
pub struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Writer<'a> {
        Writer { out }
    }

    /// Bytes in the buffer, those before the writer's included (an offset to patch later).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// True when the buffer is empty.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The buffer itself, for patching bytes written earlier.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        self.out
    }

    pub fn u8(&mut self, value: u8) {
        self.out.push(value);
    }

    pub fn bool(&mut self, value: bool) {
        self.out.push(u8::from(value));
    }

    /// An unsigned LEB128 varint: seven bits a byte, low first, the top bit set on all but
    /// the last byte.
    pub fn u64(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.out.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.out.push(value as u8);
    }

    pub fn u32(&mut self, value: u32) {
        self.u64(u64::from(value));
    }

    pub fn usize(&mut self, value: usize) {
        self.u64(value as u64);
    }

    /// A zigzag varint.
    pub fn i64(&mut self, value: i64) {
        self.u64(((value << 1) ^ (value >> 63)) as u64);
    }

    pub fn i32(&mut self, value: i32) {
        self.i64(i64::from(value));
    }

    /// A zigzag varint over 128 bits.
    pub fn i128(&mut self, value: i128) {
        let mut raw = ((value << 1) ^ (value >> 127)) as u128;
        while raw >= 0x80 {
            self.out.push((raw as u8) | 0x80);
            raw >>= 7;
        }
        self.out.push(raw as u8);
    }

    /// Eight bytes little-endian.
    pub fn i64_le(&mut self, value: i64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    /// Eight bytes little-endian.
    pub fn u64_le(&mut self, value: u64) {
        self.out.extend_from_slice(&value.to_le_bytes());
    }

    /// A fixed-size byte array, as it is.
    pub fn array<const N: usize>(&mut self, bytes: &[u8; N]) {
        self.out.extend_from_slice(bytes);
    }

    /// Bytes as they are, without a length (the format knows it).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self, text: &str) {
        self.bytes(text.as_bytes());
    }

    /// A length-prefixed byte slice.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.usize(bytes.len());
        self.out.extend_from_slice(bytes);
    }

    /// A byte of presence bits.
    pub fn flags(&mut self, flags: u8) {
        self.out.push(flags);
    }

    /// A value's code from its table.
    pub fn code<T: Code>(&mut self, value: T) {
        self.out.push(value.code());
    }

    /// A presence byte (`bool`), then the value if there is one.
    pub fn opt<T>(&mut self, value: Option<T>, put: impl FnOnce(&mut Self, T)) {
        match value {
            Some(value) => {
                self.bool(true);
                put(self, value);
            }
            None => self.bool(false),
        }
    }

    /// A composite value.
    pub fn put<T: Encode + ?Sized>(&mut self, value: &T) {
        value.encode(self);
    }
}

/// `bit` when `set`, else 0: one presence bit of a flags byte (`Writer::u8` of the bits or'd
/// together, read back with `Reader::flags`).
pub const fn flag(set: bool, bit: u8) -> u8 {
    if set { bit } else { 0 }
}
