//! Stable enum discriminants (`Code`, written by `codes!`), and `Encode` / `Decode` for
//! composite values.
//!
//! A code table is the one place an enum's stored byte is decided. `codes!` takes one list
//! (`Variant = 3, ...`) and writes both directions from it: `code` is an exhaustive match, so
//! a new variant does not compile until it has a code, and `from_code` is its inverse, so
//! the two cannot drift apart. Codes start at 1: a zeroed byte is never a valid value. A
//! code, once given, is never changed or reused (that would misread stored data); the tables'
//! tests pin every code.

use crate::error::DecodeError;
use crate::reader::Reader;
use crate::writer::Writer;

/// An enum with a stable one-byte code per variant. Implement it with `codes!`.
pub trait Code: Copy + Sized + 'static {
    /// What the enum is, for errors ("market state").
    const NAME: &'static str;
    /// Every variant, in the table's order.
    const ALL: &'static [Self];
    /// The variant's code (never 0).
    fn code(self) -> u8;
    /// The variant of a code, if it is one.
    fn from_code(code: u8) -> Option<Self>;
}

/// A value with one encoding, written field by field with a `Writer`.
pub trait Encode {
    fn encode(&self, writer: &mut Writer<'_>);
}

/// A value read back from what `Encode` wrote.
pub trait Decode: Sized {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// Checks a code list at compile time (`codes!` calls it in a constant): no code is 0 and no
/// code repeats, else the build fails.
pub const fn check_table(codes: &[u8]) {
    if let Some(problem) = table_problem(codes) {
        panic!("{}", problem);
    }
}

/// What is wrong with a code list, if anything.
pub(crate) const fn table_problem(codes: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while i < codes.len() {
        if codes[i] == 0 {
            return Some("0 is never a code");
        }
        let mut j = i + 1;
        while j < codes.len() {
            if codes[i] == codes[j] {
                return Some("a code repeats in a code table");
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// Implements `Code` for a fieldless enum from one list of its variants and their codes:
///
/// ```
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// enum Light { Red, Green }
/// codec::codes!(Light, "light", { Red = 1, Green = 2 });
///
/// use codec::Code;
/// assert_eq!(Light::Green.code(), 2);
/// assert_eq!(Light::from_code(1), Some(Light::Red));
/// assert_eq!(Light::from_code(0), None);
/// ```
#[macro_export]
macro_rules! codes {
    ($ty:ident, $name:literal, { $($variant:ident = $code:literal),+ $(,)? }) => {
        impl $crate::Code for $ty {
            const NAME: &'static str = $name;
            const ALL: &'static [Self] = &[$($ty::$variant),+];

            fn code(self) -> u8 {
                match self {
                    $($ty::$variant => $code,)+
                }
            }

            fn from_code(code: u8) -> Option<Self> {
                match code {
                    $($code => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }

        const _: () = $crate::check_table(&[$($code),+]);
    };
}
