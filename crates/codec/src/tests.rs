//! Unit tests of every primitive and every decoding error.

use crate::{Code, Decode, DecodeError, Encode, Reader, Writer};

fn bytes(write: impl FnOnce(&mut Writer<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut Writer::new(&mut out));
    out
}

/// Decodes all of `bytes` with `read` (trailing bytes are an error).
fn read<'a, T>(
    bytes: &'a [u8],
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut reader = Reader::new(bytes);
    let value = read(&mut reader)?;
    reader.finish()?;
    Ok(value)
}

#[test]
fn writer_appends_after_existing_bytes() {
    let mut out = vec![9, 9];
    let mut writer = Writer::new(&mut out);
    assert_eq!(writer.len(), 2);
    writer.u8(7);
    writer.buffer()[0] = 1;
    assert!(!writer.is_empty());
    assert_eq!(out, [1, 9, 7]);
}

#[test]
fn u8_and_bool() {
    assert_eq!(bytes(|w| w.u8(200)), [200]);
    assert_eq!(read(&[200], Reader::u8), Ok(200));
    assert_eq!(bytes(|w| w.bool(false)), [0]);
    assert_eq!(bytes(|w| w.bool(true)), [1]);
    assert_eq!(read(&[0], Reader::bool), Ok(false));
    assert_eq!(read(&[1], Reader::bool), Ok(true));
    for value in [2, 0x80, 0xFF] {
        assert_eq!(read(&[value], Reader::bool), Err(DecodeError::InvalidBool { value, at: 0 }));
    }
    assert_eq!(read(&[], Reader::u8), Err(DecodeError::UnexpectedEnd { at: 0 }));
    assert_eq!(read(&[], Reader::bool), Err(DecodeError::UnexpectedEnd { at: 0 }));
}

#[test]
fn varints_have_the_leb128_layout() {
    let cases: [(u64, &[u8]); 8] = [
        (0, &[0]),
        (1, &[1]),
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (300, &[0xAC, 0x02]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (u64::MAX, &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
    ];
    for (value, encoded) in cases {
        assert_eq!(bytes(|w| w.u64(value)), encoded, "{value}");
        assert_eq!(read(encoded, Reader::u64), Ok(value), "{value}");
    }
}

#[test]
fn varints_round_trip_at_every_width() {
    let mut values = vec![0, 1, u64::MAX, u64::MAX - 1];
    for bit in 0..64 {
        let power = 1u64 << bit;
        values.extend([power, power - 1, power + 1]);
    }
    for value in values {
        let encoded = bytes(|w| w.u64(value));
        assert_eq!(encoded.len(), (64 - value.leading_zeros()).max(1).div_ceil(7) as usize, "{value}");
        assert_eq!(read(&encoded, Reader::u64), Ok(value));
        assert_eq!(read(&bytes(|w| w.usize(value as usize)), Reader::usize), Ok(value as usize));
        if let Ok(narrow) = u32::try_from(value) {
            assert_eq!(bytes(|w| w.u32(narrow)), encoded);
            assert_eq!(read(&encoded, Reader::u32), Ok(narrow));
        } else {
            assert_eq!(read(&encoded, Reader::u32), Err(DecodeError::OutOfRange { at: 0 }));
        }
    }
}

#[test]
fn overlong_varints_are_non_canonical() {
    // 0, 1 and 127 with a redundant zero byte; 128 with two.
    for encoded in [&[0x80, 0x00][..], &[0x81, 0x00], &[0xFF, 0x00], &[0x80, 0x81, 0x00]] {
        assert_eq!(read(encoded, Reader::u64), Err(DecodeError::NonCanonical { at: 0 }), "{encoded:02x?}");
        assert_eq!(read(encoded, Reader::u32), Err(DecodeError::NonCanonical { at: 0 }));
        assert_eq!(read(encoded, Reader::i64), Err(DecodeError::NonCanonical { at: 0 }));
        assert_eq!(read(encoded, Reader::i128), Err(DecodeError::NonCanonical { at: 0 }));
    }
    // A ten-byte zero.
    let zero = [&[0x80; 9][..], &[0x00]].concat();
    assert_eq!(read(&zero, Reader::u64), Err(DecodeError::NonCanonical { at: 0 }));
    // The offset is where the varint starts.
    assert_eq!(read(&[5, 0x80, 0x00], |r| r.u8().and(r.u64())), Err(DecodeError::NonCanonical { at: 1 }));
}

#[test]
fn varints_beyond_64_bits_are_out_of_range() {
    // A tenth byte above 1 (bits past 63), and an eleventh byte.
    let over = [&[0xFF; 9][..], &[0x02]].concat();
    assert_eq!(read(&over, Reader::u64), Err(DecodeError::OutOfRange { at: 0 }));
    let eleven = [&[0xFF; 10][..], &[0x01]].concat();
    assert_eq!(read(&eleven, Reader::u64), Err(DecodeError::OutOfRange { at: 0 }));
    let endless = [0x80; 32];
    assert_eq!(read(&endless, Reader::u64), Err(DecodeError::OutOfRange { at: 0 }));
    assert_eq!(read(&over, Reader::i64), Err(DecodeError::OutOfRange { at: 0 }));
    // Past u32.
    assert_eq!(read(&[0x80, 0x80, 0x80, 0x80, 0x10], Reader::u32), Err(DecodeError::OutOfRange { at: 0 }));
}

#[test]
fn a_varint_cut_short_is_an_unexpected_end() {
    for encoded in [&[0x80][..], &[0xFF, 0xFF], &[0xFF; 9]] {
        let end = DecodeError::UnexpectedEnd { at: encoded.len() };
        assert_eq!(read(encoded, Reader::u64), Err(end));
        assert_eq!(read(encoded, Reader::i128), Err(end));
    }
}

#[test]
fn zigzag_maps_small_magnitudes_to_small_codes() {
    let cases: [(i64, &[u8]); 7] =
        [(0, &[0]), (-1, &[1]), (1, &[2]), (-2, &[3]), (63, &[0x7E]), (-64, &[0x7F]), (64, &[0x80, 0x01])];
    for (value, encoded) in cases {
        assert_eq!(bytes(|w| w.i64(value)), encoded, "{value}");
        assert_eq!(read(encoded, Reader::i64), Ok(value));
    }
    for value in [i64::MIN, i64::MIN + 1, -1_000_000, 1_000_000, i64::MAX - 1, i64::MAX] {
        assert_eq!(read(&bytes(|w| w.i64(value)), Reader::i64), Ok(value), "{value}");
    }
    assert_eq!(bytes(|w| w.i64(i64::MAX)), bytes(|w| w.u64(u64::MAX - 1)));
    assert_eq!(bytes(|w| w.i64(i64::MIN)), bytes(|w| w.u64(u64::MAX)));
}

#[test]
fn narrow_signed_reads_are_range_checked() {
    for value in [i32::MIN, -1, 0, 1, i32::MAX] {
        let encoded = bytes(|w| w.i32(value));
        assert_eq!(encoded, bytes(|w| w.i64(i64::from(value))));
        assert_eq!(read(&encoded, Reader::i32), Ok(value));
    }
    for value in [i64::from(i32::MAX) + 1, i64::from(i32::MIN) - 1, i64::MAX, i64::MIN] {
        assert_eq!(read(&bytes(|w| w.i64(value)), Reader::i32), Err(DecodeError::OutOfRange { at: 0 }), "{value}");
    }
}

#[test]
fn i128_round_trips_and_is_strict() {
    let mut values = vec![0, 1, -1, i128::MAX, i128::MIN, i128::from(i64::MAX) + 1, i128::from(i64::MIN) - 1];
    for bit in 0..127 {
        values.extend([1i128 << bit, -(1i128 << bit)]);
    }
    for value in values {
        let encoded = bytes(|w| w.i128(value));
        assert!(encoded.len() <= 19);
        assert_eq!(read(&encoded, Reader::i128), Ok(value), "{value}");
        if let Ok(small) = i64::try_from(value) {
            assert_eq!(encoded, bytes(|w| w.i64(small)), "{value}: the same bytes as an i64");
        }
    }
    assert_eq!(bytes(|w| w.i128(i128::MIN)).len(), 19);
    // A nineteenth byte above 3, and a twentieth byte.
    let over = [&[0xFF; 18][..], &[0x04]].concat();
    assert_eq!(read(&over, Reader::i128), Err(DecodeError::OutOfRange { at: 0 }));
    let twenty = [&[0xFF; 19][..], &[0x01]].concat();
    assert_eq!(read(&twenty, Reader::i128), Err(DecodeError::OutOfRange { at: 0 }));
    let zero = [&[0x80; 18][..], &[0x00]].concat();
    assert_eq!(read(&zero, Reader::i128), Err(DecodeError::NonCanonical { at: 0 }));
}

#[test]
fn fixed_width_integers_are_little_endian() {
    assert_eq!(bytes(|w| w.i64_le(-2)), [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(bytes(|w| w.u64_le(0x0102)), [2, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(read(&(-2i64).to_le_bytes(), Reader::i64_le), Ok(-2));
    assert_eq!(read(&u64::MAX.to_le_bytes(), Reader::u64_le), Ok(u64::MAX));
    assert_eq!(read(&[1, 2, 3], Reader::i64_le), Err(DecodeError::UnexpectedEnd { at: 3 }));
    assert_eq!(read(&[1, 2, 3], Reader::u64_le), Err(DecodeError::UnexpectedEnd { at: 3 }));
}

#[test]
fn arrays_and_raw_bytes_have_no_length() {
    assert_eq!(bytes(|w| w.array(&[1, 2, 3])), [1, 2, 3]);
    assert_eq!(bytes(|w| w.raw(&[4, 5])), [4, 5]);
    assert_eq!(read(&[1, 2, 3], Reader::array::<3>), Ok([1, 2, 3]));
    assert_eq!(read(&[1, 2, 3], |r| r.raw(3)), Ok(&[1u8, 2, 3][..]));
    assert_eq!(read(&[1, 2], Reader::array::<3>), Err(DecodeError::UnexpectedEnd { at: 2 }));
    assert_eq!(read(&[1, 2], |r| r.raw(3)), Err(DecodeError::UnexpectedEnd { at: 2 }));
    assert_eq!(read(&[], Reader::array::<0>), Ok([]));
}

#[test]
fn strings_and_byte_slices_are_length_prefixed() {
    assert_eq!(bytes(|w| w.str("pmx")), [3, b'p', b'm', b'x']);
    assert_eq!(bytes(|w| w.str("")), [0]);
    assert_eq!(bytes(|w| w.bytes(&[0xFF, 0])), [2, 0xFF, 0]);
    assert_eq!(read(&[3, b'p', b'm', b'x'], Reader::str), Ok("pmx"));
    assert_eq!(read(&[3, b'p', b'm', b'x'], Reader::string), Ok("pmx".to_owned()));
    assert_eq!(read(&[2, 0xFF, 0], Reader::bytes), Ok(&[0xFF, 0][..]));
    let long = "é".repeat(100);
    let encoded = bytes(|w| w.str(&long));
    assert_eq!(encoded[..2], [0xC8, 0x01], "a 200-byte length takes two bytes");
    assert_eq!(read(&encoded, Reader::str), Ok(long.as_str()));
}

#[test]
fn bad_strings_are_typed_errors() {
    // Not UTF-8: the offset is where the text starts.
    assert_eq!(read(&[2, 0xC3, 0x28], Reader::str), Err(DecodeError::InvalidUtf8 { at: 1 }));
    assert_eq!(read(&[9, 1, 0xFF], Reader::str), Err(DecodeError::UnexpectedEnd { at: 3 }));
    // Byte slices need not be UTF-8.
    assert_eq!(read(&[2, 0xC3, 0x28], Reader::bytes), Ok(&[0xC3, 0x28][..]));
    // Longer than the buffer.
    assert_eq!(read(&[5, b'a'], Reader::str), Err(DecodeError::UnexpectedEnd { at: 2 }));
    assert_eq!(read(&[5, b'a'], Reader::bytes), Err(DecodeError::UnexpectedEnd { at: 2 }));
    // A length that is not canonical or does not fit.
    assert_eq!(read(&[0x80, 0x00], Reader::str), Err(DecodeError::NonCanonical { at: 0 }));
    let huge = [&[0xFF; 9][..], &[0x01]].concat();
    assert!(matches!(
        read(&huge, Reader::str),
        Err(DecodeError::UnexpectedEnd { .. } | DecodeError::OutOfRange { .. })
    ));
}

#[test]
fn flags_refuse_undefined_bits() {
    assert_eq!(bytes(|w| w.flags(0b101)), [0b101]);
    assert_eq!(read(&[0b101], |r| r.flags("test", 0b111)), Ok(0b101));
    assert_eq!(read(&[0], |r| r.flags("test", 0)), Ok(0));
    assert_eq!(
        read(&[7, 0b1001], |r| r.u8().and(r.flags("test", 0b111))),
        Err(DecodeError::InvalidFlags { what: "test", flags: 0b1001, at: 1 })
    );
    assert_eq!(read(&[], |r| r.flags("test", 1)), Err(DecodeError::UnexpectedEnd { at: 0 }));
}

#[test]
fn options_are_a_presence_byte_and_the_value() {
    assert_eq!(bytes(|w| w.opt(Some(300u64), Writer::u64)), [1, 0xAC, 0x02]);
    assert_eq!(bytes(|w| w.opt(None::<u64>, Writer::u64)), [0]);
    assert_eq!(read(&[1, 0xAC, 0x02], |r| r.opt(Reader::u64)), Ok(Some(300)));
    assert_eq!(read(&[0], |r| r.opt(Reader::u64)), Ok(None));
    assert_eq!(read(&[2, 0], |r| r.opt(Reader::u64)), Err(DecodeError::InvalidBool { value: 2, at: 0 }));
    assert_eq!(read(&[1], |r| r.opt(Reader::u64)), Err(DecodeError::UnexpectedEnd { at: 1 }));
}

#[test]
fn counts_beyond_the_buffer_are_refused_before_allocating() {
    assert_eq!(read(&[2, 0, 0], |r| r.count(1).map(|count| (count, r.raw(2).map(<[u8]>::len)))), Ok((2, Ok(2))));
    assert_eq!(read(&[3, 0, 0], |r| r.count(1)), Err(DecodeError::CountTooLarge { count: 3, at: 0 }));
    assert_eq!(read(&[2, 0, 0], |r| r.count(2)), Err(DecodeError::CountTooLarge { count: 2, at: 0 }));
    // Zero-sized items still count as one byte each.
    assert_eq!(read(&[1], |r| r.count(0)), Err(DecodeError::CountTooLarge { count: 1, at: 0 }));
    // A count whose byte total overflows.
    let huge = bytes(|w| w.usize(usize::MAX));
    assert_eq!(read(&huge, |r| r.count(2)), Err(DecodeError::CountTooLarge { count: usize::MAX, at: 0 }));
}

#[test]
fn finish_refuses_trailing_bytes() {
    let mut reader = Reader::new(&[1, 2, 3]);
    assert_eq!(reader.u8(), Ok(1));
    assert_eq!((reader.at(), reader.remaining(), reader.is_empty()), (1, 2, false));
    assert_eq!(reader.finish(), Err(DecodeError::TrailingBytes { at: 1, count: 2 }));
    assert_eq!(reader.raw(2), Ok(&[2u8, 3][..]));
    assert!(reader.is_empty());
    assert_eq!(reader.finish(), Ok(()));
    assert_eq!(Reader::new(&[]).finish(), Ok(()));
}

#[test]
fn errors_name_their_offset() {
    let errors = [
        DecodeError::UnexpectedEnd { at: 1 },
        DecodeError::UnknownCode { what: "x", code: 9, at: 2 },
        DecodeError::InvalidFlags { what: "x", flags: 0x80, at: 3 },
        DecodeError::InvalidBool { value: 2, at: 4 },
        DecodeError::OutOfRange { at: 5 },
        DecodeError::NonCanonical { at: 6 },
        DecodeError::InvalidUtf8 { at: 7 },
        DecodeError::TrailingBytes { at: 8, count: 1 },
    ];
    for (index, error) in errors.iter().enumerate() {
        assert_eq!(error.at(), index + 1);
        assert!(error.to_string().contains(&format!("byte {}", index + 1)), "{error}");
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Light {
    Red,
    Amber,
    Green,
}

crate::codes!(Light, "light", { Red = 1, Amber = 2, Green = 7 });

#[test]
fn code_tables_go_both_ways() {
    assert_eq!(Light::NAME, "light");
    assert_eq!(Light::ALL, [Light::Red, Light::Amber, Light::Green]);
    assert_eq!(Light::ALL.iter().map(|light| light.code()).collect::<Vec<_>>(), [1, 2, 7]);
    for code in 0..=u8::MAX {
        match Light::from_code(code) {
            Some(light) => assert_eq!(light.code(), code),
            None => assert!(!matches!(code, 1 | 2 | 7), "{code}"),
        }
    }
    assert_eq!(bytes(|w| w.code(Light::Green)), [7]);
    assert_eq!(read(&[2], Reader::code::<Light>), Ok(Light::Amber));
    for code in [0, 3, 255] {
        assert_eq!(
            read(&[9, code], |r| r.u8().and(r.code::<Light>())),
            Err(DecodeError::UnknownCode { what: "light", code, at: 1 })
        );
    }
    assert_eq!(read(&[], Reader::code::<Light>), Err(DecodeError::UnexpectedEnd { at: 0 }));
}

#[test]
fn a_table_has_no_zero_and_no_repeated_code() {
    assert_eq!(crate::code::table_problem(&[1, 2, 3]), None);
    assert_eq!(crate::code::table_problem(&[1, 0]), Some("0 is never a code"));
    assert_eq!(crate::code::table_problem(&[1, 2, 1]), Some("a code repeats in a code table"));
}

#[derive(Debug, PartialEq)]
struct Pair {
    name: String,
    light: Light,
}

impl Encode for Pair {
    fn encode(&self, w: &mut Writer<'_>) {
        w.str(&self.name);
        w.code(self.light);
    }
}

impl Decode for Pair {
    fn decode(r: &mut Reader<'_>) -> Result<Pair, DecodeError> {
        Ok(Pair { name: r.string()?, light: r.code()? })
    }
}

#[test]
fn composite_values_encode_and_decode() {
    let pair = Pair { name: "a".to_owned(), light: Light::Red };
    let encoded = bytes(|w| w.put(&pair));
    assert_eq!(encoded, [1, b'a', 1]);
    assert_eq!(read(&encoded, Reader::get::<Pair>), Ok(pair));
}
