//! Timestamps as servers and tools print them.
//!
//! Server output carries wall-clock times in half a dozen shapes (`2019-10-29T03:29:51.885616+08:00`,
//! `2020-11-27 14:02:46`, `201127 14:02:46`, `#160118 17:33:11`), most of them without a time zone.
//! A [`LogTime`] keeps the wall-clock reading and the UTC offset only when the text gave one, so a
//! rule never compares a local time with a UTC time by accident.

use std::sync::LazyLock;

use jiff::civil::DateTime;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// A wall-clock time read from server or tool output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogTime {
    /// The date and time as printed, in the zone the server wrote it in.
    pub local: DateTime,
    /// Seconds east of UTC when the text said so (`Z`, `+08:00`); `None` when it did not.
    pub utc_offset_seconds: Option<i32>,
}

impl LogTime {
    /// Parses every timestamp shape that MySQL, MariaDB, xtrabackup and mysqlbinlog print.
    /// Returns `None` for anything else, including impossible dates.
    pub fn parse(text: &str) -> Option<LogTime> {
        static ISO: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"^(\d{4})-(\d{2})-(\d{2})(?:T| {1,2})(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$",
            )
            .expect("static regex")
        });
        static SHORT: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^#?(\d{2})(\d{2})(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})$")
                .expect("static regex")
        });
        let text = text.trim();
        if let Some(c) = ISO.captures(text) {
            let year: i16 = c[1].parse().ok()?;
            let local = civil(
                year,
                &c[2],
                &c[3],
                &c[4],
                &c[5],
                &c[6],
                c.get(7).map(|m| m.as_str()),
            )?;
            let utc_offset_seconds = match c.get(8).map(|m| m.as_str()) {
                None => None,
                Some("Z") => Some(0),
                Some(offset) => Some(parse_offset(offset)?),
            };
            return Some(LogTime {
                local,
                utc_offset_seconds,
            });
        }
        let c = SHORT.captures(text)?;
        // Two-digit years in server output are all from this century (MySQL 3.23 is long gone).
        let year = 2000 + c[1].parse::<i16>().ok()?;
        let local = civil(year, &c[2], &c[3], &c[4], &c[5], &c[6], None)?;
        Some(LogTime {
            local,
            utc_offset_seconds: None,
        })
    }

    /// The instant, when the offset is known.
    pub fn instant(&self) -> Option<jiff::Timestamp> {
        let offset = jiff::tz::Offset::from_seconds(self.utc_offset_seconds?).ok()?;
        offset.to_timestamp(self.local).ok()
    }

    /// Seconds from `self` to `later`. With both offsets known the instants are compared; when
    /// either lacks an offset the wall-clock readings are compared, which is right when both
    /// come from the same host (the usual case: a replica's error log and its backup log).
    pub fn seconds_until(&self, later: &LogTime) -> i64 {
        if let (Some(a), Some(b)) = (self.instant(), later.instant()) {
            return b.as_second() - a.as_second();
        }
        let a = self.local.to_zoned(jiff::tz::TimeZone::UTC);
        let b = later.local.to_zoned(jiff::tz::TimeZone::UTC);
        match (a, b) {
            (Ok(a), Ok(b)) => b.timestamp().as_second() - a.timestamp().as_second(),
            _ => 0,
        }
    }
}

impl std::fmt::Display for LogTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.local)?;
        match self.utc_offset_seconds {
            Some(0) => write!(f, "Z"),
            Some(s) => {
                let sign = if s < 0 { '-' } else { '+' };
                let s = s.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
            }
            None => Ok(()),
        }
    }
}

fn civil(
    year: i16,
    month: &str,
    day: &str,
    hour: &str,
    minute: &str,
    second: &str,
    fraction: Option<&str>,
) -> Option<DateTime> {
    let nanos = match fraction {
        None => 0,
        Some(f) => {
            let digits: i32 = f.parse().ok()?;
            let scale = 10_i32.checked_pow(9 - u32::try_from(f.len()).ok()?)?;
            digits.checked_mul(scale)?
        }
    };
    DateTime::new(
        year,
        month.parse().ok()?,
        day.parse().ok()?,
        hour.parse().ok()?,
        minute.parse().ok()?,
        second.parse().ok()?,
        nanos,
    )
    .ok()
}

fn parse_offset(text: &str) -> Option<i32> {
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits: String = text[1..].chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_server_shape() {
        let t = LogTime::parse("2019-10-29T03:29:51.885616+08:00").unwrap();
        assert_eq!(t.local.to_string(), "2019-10-29T03:29:51.885616");
        assert_eq!(t.utc_offset_seconds, Some(8 * 3600));
        assert_eq!(t.to_string(), "2019-10-29T03:29:51.885616+08:00");
        let t = LogTime::parse("2020-12-22T12:53:20.467453Z").unwrap();
        assert_eq!(t.utc_offset_seconds, Some(0));
        let t = LogTime::parse("2020-11-27 14:02:46").unwrap();
        assert_eq!(t.local.to_string(), "2020-11-27T14:02:46");
        assert_eq!(t.utc_offset_seconds, None);
        let t = LogTime::parse("201127 14:02:46").unwrap();
        assert_eq!(t.local.to_string(), "2020-11-27T14:02:46");
        let t = LogTime::parse("#160118 17:33:11").unwrap();
        assert_eq!(t.local.to_string(), "2016-01-18T17:33:11");
        let t = LogTime::parse("160118  7:33:11").unwrap();
        assert_eq!(t.local.to_string(), "2016-01-18T07:33:11");
        assert!(LogTime::parse("2019-02-30 00:00:00").is_none());
        assert!(LogTime::parse("yesterday").is_none());
    }

    #[test]
    fn compares_instants_when_offsets_are_known() {
        let a = LogTime::parse("2019-10-29T03:29:51+08:00").unwrap();
        let b = LogTime::parse("2019-10-28T19:30:51Z").unwrap();
        assert_eq!(a.seconds_until(&b), 60);
        let c = LogTime::parse("2019-10-29 03:31:51").unwrap();
        assert_eq!(a.seconds_until(&c), 120);
    }
}
