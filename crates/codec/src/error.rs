//! `DecodeError`: why bytes did not decode, with the byte offset where it was found.

/// Why a buffer could not be decoded. `at` is a byte offset within the buffer given to the
/// `Reader`: where the offending value starts, or for `UnexpectedEnd` where the buffer ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the bytes end early, at byte {at}")]
    UnexpectedEnd { at: usize },
    #[error("unknown {what} code {code} at byte {at}")]
    UnknownCode { what: &'static str, code: u8, at: usize },
    #[error("flag bits {flags:#04x} in {what} at byte {at} are undefined or do not go together")]
    InvalidFlags { what: &'static str, flags: u8, at: usize },
    #[error("boolean at byte {at} is {value}, not 0 or 1")]
    InvalidBool { value: u8, at: usize },
    #[error("integer at byte {at} does not fit its field")]
    OutOfRange { at: usize },
    #[error("integer at byte {at} is not in its shortest encoding")]
    NonCanonical { at: usize },
    #[error("string at byte {at} is not valid UTF-8")]
    InvalidUtf8 { at: usize },
    #[error("count {count} at byte {at} is more than the bytes left can hold")]
    CountTooLarge { count: usize, at: usize },
    #[error("{count} trailing bytes after the end, at byte {at}")]
    TrailingBytes { at: usize, count: usize },
}

impl DecodeError {
    /// The byte offset the error names.
    pub const fn at(&self) -> usize {
        match *self {
            DecodeError::UnexpectedEnd { at }
            | DecodeError::UnknownCode { at, .. }
            | DecodeError::InvalidFlags { at, .. }
            | DecodeError::InvalidBool { at, .. }
            | DecodeError::OutOfRange { at }
            | DecodeError::NonCanonical { at }
            | DecodeError::InvalidUtf8 { at }
            | DecodeError::CountTooLarge { at, .. }
            | DecodeError::TrailingBytes { at, .. } => at,
        }
    }
}
