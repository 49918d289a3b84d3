//! DECIMAL in MySQL's binary form (`decimal2bin`): groups of nine digits in four big-endian
//! bytes, a shorter group for the leftover digits at each end, the sign in the top bit of the
//! first byte (cleared for negative numbers, whose bytes are all inverted). Kept as the raw
//! bytes and printed exactly, never through a float.

use std::fmt;

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

/// Reads the digit groups of a decimal's bytes, undoing the sign flip and inversion.
struct Groups<'b> {
    raw: &'b [u8],
    pos: usize,
    mask: u8,
}

impl Groups<'_> {
    /// The next group of `digits` digits as a number.
    fn next(&mut self, digits: usize) -> u32 {
        let len = if digits == DIGITS_PER_GROUP {
            GROUP_BYTES
        } else {
            DIG2BYTES[digits]
        };
        let mut value = 0u32;
        for i in self.pos..self.pos + len {
            let mut b = self.raw.get(i).copied().unwrap_or(0) ^ self.mask;
            if i == 0 {
                b ^= 0x80;
            }
            value = (value << 8) | u32::from(b);
        }
        self.pos += len;
        value
    }
}

impl Decimal<'_> {
    /// Writes the number exactly: `-`, the integer digits without leading zeros (at least
    /// one), then `.` and `scale` digits. `Display` and the SQL writer share it.
    pub fn write_to<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let negative = self.is_negative();
        let mut groups = Groups {
            raw: self.raw,
            pos: 0,
            mask: if negative { 0xff } else { 0 },
        };
        let intg = usize::from(self.precision - self.scale);
        let scale = usize::from(self.scale);
        // At most 65 digits, a sign and a point: a stack buffer is enough.
        let mut text = [0u8; 80];
        let mut n = 0;
        if negative {
            text[0] = b'-';
            n = 1;
        }
        let int_start = n;
        let lead = intg % DIGITS_PER_GROUP;
        if lead > 0 {
            push_digits(&mut text, &mut n, groups.next(lead), lead);
        }
        for _ in 0..intg / DIGITS_PER_GROUP {
            push_digits(
                &mut text,
                &mut n,
                groups.next(DIGITS_PER_GROUP),
                DIGITS_PER_GROUP,
            );
        }
        // Leading zeros of the integer part go; one zero stays when it is all zeros.
        let zeros = text[int_start..n]
            .iter()
            .take_while(|&&d| d == b'0')
            .count();
        if zeros == n - int_start {
            text[int_start] = b'0';
            n = int_start + 1;
        } else if zeros > 0 {
            text.copy_within(int_start + zeros..n, int_start);
            n -= zeros;
        }
        if scale > 0 {
            text[n] = b'.';
            n += 1;
            for _ in 0..scale / DIGITS_PER_GROUP {
                push_digits(
                    &mut text,
                    &mut n,
                    groups.next(DIGITS_PER_GROUP),
                    DIGITS_PER_GROUP,
                );
            }
            let tail = scale % DIGITS_PER_GROUP;
            if tail > 0 {
                push_digits(&mut text, &mut n, groups.next(tail), tail);
            }
        }
        out.write_str(std::str::from_utf8(&text[..n]).map_err(|_| fmt::Error)?)
    }
}

/// Appends `value` as exactly `width` digits (at most 9) at `text[*n..]`.
fn push_digits(text: &mut [u8; 80], n: &mut usize, value: u32, width: usize) {
    let mut v = value;
    for i in (0..width).rev() {
        if let Some(d) = text.get_mut(*n + i) {
            *d = b'0' + (v % 10) as u8;
        }
        v /= 10;
    }
    *n = (*n + width).min(text.len());
}

impl fmt::Display for Decimal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
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
    fn impossible_definitions_are_errors() {
        assert!(Decimal::read(&mut Reader::new(&[0; 40], 0), 66, 0).is_err());
        assert!(Decimal::read(&mut Reader::new(&[0; 40], 0), 5, 6).is_err());
        assert!(Decimal::read(&mut Reader::new(&[0x80], 0), 10, 2).is_err());
    }
}
