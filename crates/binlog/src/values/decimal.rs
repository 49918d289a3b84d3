//! DECIMAL in MySQL's binary form (`decimal2bin`): groups of nine digits in four big-endian
//! bytes, a shorter group for the leftover digits at each end, the sign in the top bit of the
//! first byte (cleared for negative numbers, whose bytes are all inverted). Kept as the raw
//! bytes and printed exactly, never through a float.

use std::fmt;

use super::{AsciiText, DIGIT_PAIRS};
use crate::error::{DecodeError, DecodeResult};
use crate::reader::Reader;

/// Bytes taken by a group of 0 to 9 leftover digits.
const DIG2BYTES: [usize; 10] = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const DIGITS_PER_GROUP: usize = 9;
const GROUP_BYTES: usize = 4;
/// The largest precision and scale MySQL and MariaDB accept.
const MAX_PRECISION: u8 = 65;
const MAX_SCALE: u8 = 38;

/// A decimal number as stored, printed exactly by its `Display`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal<'a> {
    raw: &'a [u8],
    precision: u8,
    scale: u8,
}

/// Bytes a DECIMAL(precision, scale) takes.
pub fn binary_size(precision: u8, scale: u8) -> usize {
    let (precision, scale) = (usize::from(precision), usize::from(scale));
    let intg = precision.saturating_sub(scale);
    (intg / DIGITS_PER_GROUP) * GROUP_BYTES
        + DIG2BYTES[intg % DIGITS_PER_GROUP]
        + (scale / DIGITS_PER_GROUP) * GROUP_BYTES
        + DIG2BYTES[scale % DIGITS_PER_GROUP]
}

impl<'a> Decimal<'a> {
    /// Reads a DECIMAL(precision, scale).
    #[inline]
    pub fn read(r: &mut Reader<'a>, precision: u8, scale: u8) -> DecodeResult<Self> {
        if precision == 0 || precision > MAX_PRECISION || scale > precision || scale > MAX_SCALE {
            return Err(DecodeError::new(
                r.offset(),
                format!("DECIMAL({precision},{scale}) is not a valid precision and scale"),
            ));
        }
        Ok(Self {
            raw: r.bytes(binary_size(precision, scale))?,
            precision,
            scale,
        })
    }

    pub fn is_negative(&self) -> bool {
        self.raw.first().is_some_and(|b| b & 0x80 == 0)
    }
}

/// The digit groups of a decimal's bytes, read in order.
struct Groups<'b> {
    raw: &'b [u8],
    pos: usize,
    negative: bool,
}

impl Groups<'_> {
    /// The next group of `digits` digits (1 to 9) as a number, with the sign flip and the
    /// inversion of negative numbers undone; its low `digits` digits only (bytes that encode
    /// more are damage).
    fn next(&mut self, digits: usize) -> u32 {
        let len = if digits == DIGITS_PER_GROUP {
            GROUP_BYTES
        } else {
            DIG2BYTES[digits]
        };
        let at = self.pos;
        self.pos += len;
        let Some(bytes) = self.raw.get(at..at + len).filter(|_| len > 0) else {
            return 0;
        };
        let mut value = match *bytes {
            [a, b, c, d] => u32::from_be_bytes([a, b, c, d]),
            _ => bytes.iter().fold(0, |v, &b| (v << 8) | u32::from(b)),
        };
        let bits = 8 * len as u32;
        if at == 0 {
            value ^= 0x80 << (bits - 8);
        }
        if self.negative {
            value ^= u32::MAX >> (32 - bits);
        }
        if value >= POWERS_OF_TEN[digits] {
            value %= POWERS_OF_TEN[digits];
        }
        value
    }
}

/// `10^n` for the widths of a digit group.
const POWERS_OF_TEN: [u32; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Room for the longest decimal: a sign, 65 digits and a point.
const TEXT_LEN: usize = 80;

impl Decimal<'_> {
    /// The number exactly, built on the stack: `-`, the integer digits without leading zeros
    /// (at least one), then `.` and `scale` digits.
    pub fn text(&self) -> AsciiText<TEXT_LEN> {
        let negative = self.is_negative();
        let mut groups = Groups {
            raw: self.raw,
            pos: 0,
            negative,
        };
        let intg = usize::from(self.precision - self.scale);
        let scale = usize::from(self.scale);
        let mut text = [0u8; TEXT_LEN];
        let mut n = 0;
        if negative {
            text[0] = b'-';
            n = 1;
        }
        // Leading zeros of the integer part go; one zero stays when it is all zeros.
        let mut all_zeros = true;
        let lead = intg % DIGITS_PER_GROUP;
        let mut left = intg;
        while left > 0 {
            let width = if left == intg && lead > 0 {
                lead
            } else {
                DIGITS_PER_GROUP
            };
            left -= width;
            let value = groups.next(width);
            if !all_zeros {
                put_digits(&mut text, &mut n, value, width);
            } else if value != 0 {
                let digits = value.checked_ilog10().map_or(1, |d| d as usize + 1);
                put_digits(&mut text, &mut n, value, digits);
                all_zeros = false;
            }
        }
        if all_zeros {
            put_digits(&mut text, &mut n, 0, 1);
        }
        if scale > 0 {
            if let Some(point) = text.get_mut(n) {
                *point = b'.';
                n += 1;
            }
            for _ in 0..scale / DIGITS_PER_GROUP {
                put_digits(
                    &mut text,
                    &mut n,
                    groups.next(DIGITS_PER_GROUP),
                    DIGITS_PER_GROUP,
                );
            }
            let tail = scale % DIGITS_PER_GROUP;
            if tail > 0 {
                put_digits(&mut text, &mut n, groups.next(tail), tail);
            }
        }
        AsciiText::from_array(text, n)
    }
}

/// Writes `value` (below `10^width`) as exactly `width` digits (at most 10) at `text[*n..]`,
/// two digits at a time.
fn put_digits(text: &mut [u8; TEXT_LEN], n: &mut usize, value: u32, width: usize) {
    let Some(slot) = text.get_mut(*n..*n + width) else {
        return;
    };
    let mut v = value;
    let mut end = width;
    while end >= 2 {
        slot[end - 2..end].copy_from_slice(&DIGIT_PAIRS[(v % 100) as usize]);
        v /= 100;
        end -= 2;
    }
    if end == 1 {
        slot[0] = b'0' + (v % 10) as u8;
    }
    *n += width;
}

impl fmt::Display for Decimal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &[u8], precision: u8, scale: u8) -> String {
        Decimal::read(&mut Reader::new(raw, 0), precision, scale)
            .unwrap()
            .to_string()
    }

    #[test]
    fn examples_from_the_server_sources() {
        // decimal2bin's own example: 1234567890.1234 as DECIMAL(14,4).
        assert_eq!(
            text(&[0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2], 14, 4),
            "1234567890.1234"
        );
        // ... and its negation: every byte inverted.
        assert_eq!(
            text(&[0x7E, 0xF2, 0x04, 0xC7, 0x2D, 0xFB, 0x2D], 14, 4),
            "-1234567890.1234"
        );
        assert_eq!(binary_size(10, 2), 5);
        assert_eq!(binary_size(65, 0), 29);
        assert_eq!(text(&[0x80, 0, 0, 0, 0], 10, 2), "0.00");
    }

    #[test]
    fn several_groups_leading_zeros_and_signs() {
        // Bytes from an independent encoder of decimal2bin's layout.
        assert_eq!(
            text(
                &[
                    0x80, 0x00, 0x00, 0x00, 0x01, 0x0D, 0xFB, 0x38, 0xD2, 0x00, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x01
                ],
                40,
                20
            ),
            "1234567890.00000000000000000001"
        );
        assert_eq!(text(&[0x7F, 0xFF, 0xFF, 0xFF, 0xCD], 10, 2), "-0.50");
        assert_eq!(text(&[0x80, 0x00, 0x00, 0x00, 0x00], 10, 0), "0");
        assert_eq!(
            text(
                &[
                    0x1D, 0xD2, 0x60, 0x6E, 0xD2, 0xCB, 0xC1, 0x03, 0x15, 0xF8, 0xA4, 0x32, 0xEA,
                    0xFF, 0xF3
                ],
                32,
                12
            ),
            "-98765432109876543210.123456789012"
        );
        assert_eq!(text(&[0x85, 0xF5, 0xE1, 0x00], 9, 0), "100000000");
    }

    #[test]
    fn impossible_definitions_are_errors() {
        assert!(Decimal::read(&mut Reader::new(&[0; 40], 0), 66, 0).is_err());
        assert!(Decimal::read(&mut Reader::new(&[0; 40], 0), 5, 6).is_err());
        assert!(Decimal::read(&mut Reader::new(&[0x80], 0), 10, 2).is_err());
    }
}
