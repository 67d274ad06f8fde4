//! `Reader`: a bounds-checked cursor that decodes what `Writer` wrote, strictly.

use crate::code::{Code, Decode};
use crate::error::DecodeError;

/// Reads values from a byte slice; every read checks the bounds and the encoding and names
/// the byte offset when it fails. `finish` checks that nothing is left over.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// The offset of the next byte to read.
    pub fn at(&self) -> usize {
        self.at
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Fails with `TrailingBytes` unless every byte was read.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { at: self.at, count }),
        }
    }

    fn end(&self) -> DecodeError {
        DecodeError::UnexpectedEnd { at: self.bytes.len() }
    }

    /// The next `len` bytes as they are.
    pub fn raw(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.end());
        }
        let taken = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(taken)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.raw(N)?);
        Ok(array)
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let byte = *self.bytes.get(self.at).ok_or_else(|| self.end())?;
        self.at += 1;
        Ok(byte)
    }

    /// A byte that must be 0 or 1.
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        let at = self.at;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            value => Err(DecodeError::InvalidBool { value, at }),
        }
    }

    /// A canonical unsigned LEB128 varint of at most 64 bits.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        let start = self.at;
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            // The tenth byte holds the top bit of a u64 only; more would overflow.
            if shift == 63 && byte > 1 {
                return Err(DecodeError::OutOfRange { at: start });
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                // A last byte of zero adds nothing: a shorter encoding exists.
                if byte == 0 && shift > 0 {
                    return Err(DecodeError::NonCanonical { at: start });
                }
                return Ok(value);
            }
            shift += 7;
        }
    }

    /// A varint that must fit `u32`.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        let start = self.at;
        u32::try_from(self.u64()?).map_err(|_| DecodeError::OutOfRange { at: start })
    }

    /// A varint that must fit `usize`.
    pub fn usize(&mut self) -> Result<usize, DecodeError> {
        let start = self.at;
        usize::try_from(self.u64()?).map_err(|_| DecodeError::OutOfRange { at: start })
    }

    /// A zigzag varint.
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        let raw = self.u64()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    /// A zigzag varint that must fit `i32`.
    pub fn i32(&mut self) -> Result<i32, DecodeError> {
        let start = self.at;
        i32::try_from(self.i64()?).map_err(|_| DecodeError::OutOfRange { at: start })
    }

    /// A zigzag varint of at most 128 bits.
    pub fn i128(&mut self) -> Result<i128, DecodeError> {
        let start = self.at;
        let mut raw = 0u128;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            // The nineteenth byte holds the top two bits of a u128 only.
            if shift == 126 && byte > 3 {
                return Err(DecodeError::OutOfRange { at: start });
            }
            raw |= u128::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(DecodeError::NonCanonical { at: start });
                }
                return Ok(((raw >> 1) as i128) ^ -((raw & 1) as i128));
            }
            shift += 7;
        }
    }

    /// Eight bytes little-endian.
    pub fn i64_le(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// Eight bytes little-endian.
    pub fn u64_le(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length-prefixed byte slice.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let len = self.usize()?;
        self.raw(len)
    }

    /// A length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        let len = self.usize()?;
        let text_at = self.at;
        std::str::from_utf8(self.raw(len)?).map_err(|_| DecodeError::InvalidUtf8 { at: text_at })
    }

    /// A length-prefixed UTF-8 string, owned.
    pub fn string(&mut self) -> Result<String, DecodeError> {
        Ok(self.str()?.to_owned())
    }

    /// A byte of presence bits, of which only those in `defined` may be set.
    pub fn flags(&mut self, what: &'static str, defined: u8) -> Result<u8, DecodeError> {
        let at = self.at;
        let flags = self.u8()?;
        if flags & !defined != 0 {
            return Err(DecodeError::InvalidFlags { what, flags, at });
        }
        Ok(flags)
    }

    /// A value by its code in `T`'s table.
    pub fn code<T: Code>(&mut self) -> Result<T, DecodeError> {
        let at = self.at;
        let code = self.u8()?;
        T::from_code(code).ok_or(DecodeError::UnknownCode { what: T::NAME, code, at })
    }

    /// A presence byte (`bool`), then the value if it is 1.
    pub fn opt<T>(&mut self, get: impl FnOnce(&mut Self) -> Result<T, DecodeError>) -> Result<Option<T>, DecodeError> {
        if self.bool()? { get(self).map(Some) } else { Ok(None) }
    }

    /// The count of a sequence whose items take at least `item_min` bytes each: a count the
    /// rest of the buffer cannot hold is refused (`CountTooLarge`, at the count's offset)
    /// before anything is allocated for it.
    pub fn count(&mut self, item_min: usize) -> Result<usize, DecodeError> {
        let at = self.at;
        let count = self.usize()?;
        if count.checked_mul(item_min.max(1)).is_none_or(|need| need > self.remaining()) {
            return Err(DecodeError::CountTooLarge { count, at });
        }
        Ok(count)
    }

    /// A composite value.
    pub fn get<T: Decode>(&mut self) -> Result<T, DecodeError> {
        T::decode(self)
    }
}
