//! Dates and times in their binlog forms: the 3-byte DATE, the old TIME and DATETIME
//! (decimal-coded integers), the 5.6 forms TIME2/DATETIME2/TIMESTAMP2 (big-endian, with 0 to 3
//! bytes of fractional seconds), and the 8-byte "packed" forms found inside JSON.

use std::fmt;

use super::{AsciiText, DIGIT_PAIRS};
use crate::error::{DecodeError, DecodeResult};
use crate::reader::Reader;

/// `DATE`, `YYYY-MM-DD` (zero parts allowed, as the server allows them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// `TIME`: a signed duration up to 838:59:59.999999 (the TIME2 form can hold up to 1023 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub negative: bool,
    pub hours: u32,
    pub minutes: u8,
    pub seconds: u8,
    pub micros: u32,
    /// Fractional digits to print (0 to 6).
    pub fsp: u8,
}

/// `DATETIME`, `YYYY-MM-DD hh:mm:ss[.ffffff]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub date: Date,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micros: u32,
    pub fsp: u8,
}

/// `TIMESTAMP`: seconds since the epoch, UTC (0 is the zero timestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub seconds: u32,
    pub micros: u32,
    pub fsp: u8,
}

/// `.ffffff` cut to `fsp` digits; nothing for fsp 0.
fn push_fraction(text: &mut AsciiText<TEXT_LEN>, micros: u32, fsp: u8) {
    if fsp == 0 {
        return;
    }
    text.push(b'.');
    text.extend(&digits::<6>(micros)[..usize::from(fsp.min(6))]);
}

/// The low two decimal digits of `value`.
fn pair(value: u32) -> [u8; 2] {
    DIGIT_PAIRS[(value % 100) as usize]
}

/// `value` as exactly `N` decimal digits (the low ones).
fn digits<const N: usize>(value: u32) -> [u8; N] {
    let mut out = [b'0'; N];
    let mut v = value;
    for d in out.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    out
}

/// `value` with at least two digits, as `{:02}` prints it.
fn push_two_or_more(text: &mut AsciiText<TEXT_LEN>, value: u32) {
    if value < 10 {
        text.push(b'0');
    }
    text.extend(itoa::Buffer::new().format(value).as_bytes());
}

/// Room for the longest date, time or date-time printed here.
const TEXT_LEN: usize = 32;

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

impl Date {
    /// What `Display` prints, built on the stack.
    pub fn text(&self) -> AsciiText<TEXT_LEN> {
        let mut text = AsciiText::new();
        self.push_to(&mut text);
        text
    }

    fn push_to(&self, text: &mut AsciiText<TEXT_LEN>) {
        if self.year > 9999 {
            text.extend(itoa::Buffer::new().format(self.year).as_bytes());
            text.push(b'-');
            push_two_or_more(text, u32::from(self.month));
            text.push(b'-');
            push_two_or_more(text, u32::from(self.day));
            return;
        }
        let [y0, y1, y2, y3] = digits::<4>(u32::from(self.year));
        let [m0, m1] = digits::<2>(u32::from(self.month));
        let [d0, d1] = digits::<2>(u32::from(self.day));
        text.extend(&[y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1]);
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

impl Time {
    /// What `Display` prints, built on the stack.
    pub fn text(&self) -> AsciiText<TEXT_LEN> {
        let mut text = AsciiText::new();
        if self.negative {
            text.push(b'-');
        }
        push_two_or_more(&mut text, self.hours);
        text.push(b':');
        push_two_or_more(&mut text, u32::from(self.minutes));
        text.push(b':');
        push_two_or_more(&mut text, u32::from(self.seconds));
        push_fraction(&mut text, self.micros, self.fsp);
        text
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

impl DateTime {
    /// What `Display` prints, built on the stack.
    pub fn text(&self) -> AsciiText<TEXT_LEN> {
        if self.date.year <= 9999 {
            // The usual case, in fixed places two digits at a time.
            let [y0, y1] = pair(u32::from(self.date.year) / 100);
            let [y2, y3] = pair(u32::from(self.date.year));
            let [mo0, mo1] = pair(u32::from(self.date.month));
            let [d0, d1] = pair(u32::from(self.date.day));
            let [h0, h1] = pair(u32::from(self.hour));
            let [mi0, mi1] = pair(u32::from(self.minute));
            let [s0, s1] = pair(u32::from(self.second));
            let [f0, f1] = pair(self.micros / 10_000);
            let [f2, f3] = pair(self.micros / 100);
            let [f4, f5] = pair(self.micros);
            let mut bytes = [0u8; TEXT_LEN];
            bytes[..26].copy_from_slice(&[
                y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b' ', h0, h1, b':', mi0, mi1, b':',
                s0, s1, b'.', f0, f1, f2, f3, f4, f5,
            ]);
            let fraction = match self.fsp.min(6) {
                0 => 0,
                fsp => 1 + usize::from(fsp),
            };
            return AsciiText::from_array(bytes, 19 + fraction);
        }
        let mut text = AsciiText::new();
        self.date.push_to(&mut text);
        let [h0, h1] = digits::<2>(u32::from(self.hour));
        let [m0, m1] = digits::<2>(u32::from(self.minute));
        let [s0, s1] = digits::<2>(u32::from(self.second));
        text.extend(&[b' ', h0, h1, b':', m0, m1, b':', s0, s1]);
        push_fraction(&mut text, self.micros, self.fsp);
        text
    }
}

impl Timestamp {
    /// The UTC date and time, or `None` for the zero timestamp.
    pub fn to_utc(&self) -> Option<DateTime> {
        if self.seconds == 0 && self.micros == 0 {
            return None;
        }
        let instant = jiff::Timestamp::from_second(i64::from(self.seconds)).ok()?;
        let civil = jiff::tz::Offset::UTC.to_datetime(instant);
        Some(DateTime {
            date: Date {
                year: u16::try_from(civil.year()).ok()?,
                month: civil.month() as u8,
                day: civil.day() as u8,
            },
            hour: civil.hour() as u8,
            minute: civil.minute() as u8,
            second: civil.second() as u8,
            micros: self.micros,
            fsp: self.fsp,
        })
    }
}

impl fmt::Display for Timestamp {
    /// The UTC date and time, `0000-00-00 00:00:00` for the zero timestamp.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

impl Timestamp {
    /// What `Display` prints, built on the stack.
    pub fn text(&self) -> AsciiText<TEXT_LEN> {
        match self.to_utc() {
            Some(dt) => dt.text(),
            None => {
                let mut text = AsciiText::new();
                text.extend(b"0000-00-00 00:00:00");
                push_fraction(&mut text, 0, self.fsp);
                text
            }
        }
    }
}

/// Fractional-second bytes of the 5.6 forms: 1 byte for fsp 1-2, 2 for 3-4, 3 for 5-6.
fn fraction_len(fsp: u8) -> usize {
    usize::from(fsp.min(6)).div_ceil(2)
}

#[inline]
fn check_fsp(r: &Reader<'_>, fsp: u8) -> DecodeResult<()> {
    if fsp > 6 {
        return Err(DecodeError::new(
            r.offset(),
            format!("fractional-second precision {fsp} is above 6"),
        ));
    }
    Ok(())
}

/// The fraction stored in `len` big-endian bytes, as microseconds.
fn micros_of(fraction: u64, len: usize) -> u32 {
    match len {
        1 => fraction as u32 * 10_000,
        2 => fraction as u32 * 100,
        _ => fraction as u32,
    }
}

/// DATE: day in bits 0-4, month in 5-8, year above.
#[inline]
pub fn read_date(r: &mut Reader<'_>) -> DecodeResult<Date> {
    let v = r.uint(3)?;
    Ok(Date {
        year: (v >> 9) as u16,
        month: ((v >> 5) & 15) as u8,
        day: (v & 31) as u8,
    })
}

/// The old TIME: a signed 3-byte integer `[-]HHMMSS`.
#[inline]
pub fn read_time_v1(r: &mut Reader<'_>) -> DecodeResult<Time> {
    let raw = r.uint(3)? as u32;
    // Sign-extend the 24-bit value.
    let v = ((raw << 8) as i32) >> 8;
    let m = v.unsigned_abs();
    Ok(Time {
        negative: v < 0,
        hours: m / 10_000,
        minutes: (m / 100 % 100) as u8,
        seconds: (m % 100) as u8,
        micros: 0,
        fsp: 0,
    })
}

/// The old DATETIME: an 8-byte integer `YYYYMMDDhhmmss`.
#[inline]
pub fn read_datetime_v1(r: &mut Reader<'_>) -> DecodeResult<DateTime> {
    let v = r.u64()?;
    let (d, t) = (v / 1_000_000, v % 1_000_000);
    Ok(DateTime {
        date: Date {
            year: (d / 10_000).min(u64::from(u16::MAX)) as u16,
            month: (d / 100 % 100) as u8,
            day: (d % 100) as u8,
        },
        hour: (t / 10_000) as u8,
        minute: (t / 100 % 100) as u8,
        second: (t % 100) as u8,
        micros: 0,
        fsp: 0,
    })
}

/// TIMESTAMP2: 4 big-endian bytes of seconds, then the fraction.
#[inline]
pub fn read_timestamp2(r: &mut Reader<'_>, fsp: u8) -> DecodeResult<Timestamp> {
    check_fsp(r, fsp)?;
    let seconds = r.uint_be(4)? as u32;
    let len = fraction_len(fsp);
    let micros = micros_of(r.uint_be(len)?, len);
    Ok(Timestamp {
        seconds,
        micros,
        fsp,
    })
}

/// `DATETIMEF_INT_OFS`: DATETIME2's integer part is stored with this offset.
const DATETIME2_OFFSET: i64 = 0x80_0000_0000;

/// DATETIME2: 5 big-endian bytes (offset by 2^39) holding year*13+month, day, hour, minute,
/// second in bit fields, then a signed fraction.
#[inline]
pub fn read_datetime2(r: &mut Reader<'_>, fsp: u8) -> DecodeResult<DateTime> {
    check_fsp(r, fsp)?;
    let int_part = r.uint_be(5)? as i64 - DATETIME2_OFFSET;
    let len = fraction_len(fsp);
    let raw = r.uint_be(len)?;
    // The fraction is signed (it is negative only for the negative values the server never
    // writes for DATETIME); sign-extend it.
    let frac = if len == 0 {
        0
    } else {
        let bits = 8 * len as u32;
        ((raw << (64 - bits)) as i64) >> (64 - bits)
    };
    let frac_len = len;
    let packed = (int_part << 24)
        + match frac_len {
            1 => frac * 10_000,
            2 => frac * 100,
            _ => frac,
        };
    Ok(datetime_from_packed(packed, fsp))
}

/// A DATETIME from the server's packed 64-bit form (`TIME_from_longlong_datetime_packed`).
#[inline]
pub fn datetime_from_packed(packed: i64, fsp: u8) -> DateTime {
    let v = packed.unsigned_abs();
    let micros = (v % (1 << 24)) as u32;
    let ymdhms = v >> 24;
    let ymd = ymdhms >> 17;
    let ym = ymd >> 5;
    let hms = ymdhms % (1 << 17);
    DateTime {
        date: Date {
            year: (ym / 13).min(u64::from(u16::MAX)) as u16,
            month: (ym % 13) as u8,
            day: (ymd % 32) as u8,
        },
        hour: (hms >> 12).min(255) as u8,
        minute: ((hms >> 6) % 64) as u8,
        second: (hms % 64) as u8,
        micros,
        fsp,
    }
}

/// `TIMEF_INT_OFS` and `TIMEF_OFS`: TIME2's integer part, and the whole 6-byte value for
/// fsp 5-6, are stored with these offsets.
const TIME2_INT_OFFSET: i64 = 0x80_0000;
const TIME2_OFFSET: i64 = 0x8000_0000_0000;

/// TIME2 (`my_time_packed_from_binary`): 3 big-endian bytes offset by 2^23 holding hours,
/// minutes and seconds in bit fields, then the fraction. A negative time with a fraction is
/// stored as the next integer down plus a positive fraction, hence the borrow below.
#[inline]
pub fn read_time2(r: &mut Reader<'_>, fsp: u8) -> DecodeResult<Time> {
    check_fsp(r, fsp)?;
    let packed = match fraction_len(fsp) {
        0 => (r.uint_be(3)? as i64 - TIME2_INT_OFFSET) << 24,
        1 => {
            let mut int_part = r.uint_be(3)? as i64 - TIME2_INT_OFFSET;
            let mut frac = r.u8()? as i64;
            if int_part < 0 && frac != 0 {
                int_part += 1;
                frac -= 0x100;
            }
            (int_part << 24) + frac * 10_000
        }
        2 => {
            let mut int_part = r.uint_be(3)? as i64 - TIME2_INT_OFFSET;
            let mut frac = r.uint_be(2)? as i64;
            if int_part < 0 && frac != 0 {
                int_part += 1;
                frac -= 0x1_0000;
            }
            (int_part << 24) + frac * 100
        }
        _ => r.uint_be(6)? as i64 - TIME2_OFFSET,
    };
    Ok(time_from_packed(packed, fsp))
}

/// A TIME from the server's packed 64-bit form (`TIME_from_longlong_time_packed`).
#[inline]
pub fn time_from_packed(packed: i64, fsp: u8) -> Time {
    let v = packed.unsigned_abs();
    let hms = v >> 24;
    Time {
        negative: packed < 0,
        hours: ((hms >> 12) % (1 << 10)) as u32,
        minutes: ((hms >> 6) % 64) as u8,
        seconds: (hms % 64) as u8,
        micros: (v % (1 << 24)) as u32,
        fsp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_in_utc() {
        let ts = Timestamp {
            seconds: 2_147_483_647,
            micros: 123_000,
            fsp: 3,
        };
        assert_eq!(ts.to_string(), "2038-01-19 03:14:07.123");
        let zero = Timestamp {
            seconds: 0,
            micros: 0,
            fsp: 0,
        };
        assert_eq!(zero.to_string(), "0000-00-00 00:00:00");
    }

    #[test]
    fn date_times_print_their_fraction_to_fsp_digits() {
        let mut dt = DateTime {
            date: Date {
                year: 2001,
                month: 2,
                day: 3,
            },
            hour: 4,
            minute: 5,
            second: 6,
            micros: 7,
            fsp: 6,
        };
        assert_eq!(dt.to_string(), "2001-02-03 04:05:06.000007");
        dt.fsp = 3;
        dt.micros = 123_456;
        assert_eq!(dt.to_string(), "2001-02-03 04:05:06.123");
        dt.fsp = 0;
        assert_eq!(dt.to_string(), "2001-02-03 04:05:06");
        dt.date.year = 12_345;
        assert_eq!(dt.to_string(), "12345-02-03 04:05:06");
    }

    #[test]
    fn negative_time2_with_fraction_borrows_a_second() {
        // -00:00:00.001 as TIME(3): integer part -1, fraction 0x10000 - 10.
        let int = (TIME2_INT_OFFSET - 1) as u32;
        let mut raw = int.to_be_bytes()[1..].to_vec();
        raw.extend((0x1_0000u32 - 10).to_be_bytes()[2..].iter());
        let t = read_time2(&mut Reader::new(&raw, 0), 3).unwrap();
        assert_eq!(t.to_string(), "-00:00:00.001");
    }

    #[test]
    fn fsp_above_6_is_an_error() {
        assert!(read_time2(&mut Reader::new(&[0; 8], 0), 7).is_err());
        assert!(read_datetime2(&mut Reader::new(&[0; 8], 0), 9).is_err());
    }
}
