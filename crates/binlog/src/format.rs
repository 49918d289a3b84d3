//! The FORMAT_DESCRIPTION event: it says how to read every event after it (post-header lengths,
//! checksum algorithm), so the walk keeps the latest one as the context of each event.

use crate::error::{DecodeError, DecodeResult};
use crate::event_type::EventType;
use crate::reader::Reader;

/// Length of the server version field.
const SERVER_VERSION_LEN: usize = 50;
/// binlog_version + server_version + create_timestamp + header_length.
const FIXED_PART_LEN: usize = 2 + SERVER_VERSION_LEN + 4 + 1;
/// The checksum algorithm byte and the 4-byte checksum that follow it.
const ALG_AND_CRC_LEN: usize = 1 + CHECKSUM_LEN;
pub const CHECKSUM_LEN: usize = 4;

/// The checksum algorithm announced by the FORMAT_DESCRIPTION event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumAlg {
    /// The server predates checksums (MySQL < 5.6.1, MariaDB < 5.3): no algorithm byte.
    PreChecksum,
    /// `binlog_checksum=NONE`.
    Off,
    Crc32,
    /// A value neither flavor defines: damage when checksums are verified, otherwise events
    /// are read as if they had no checksum.
    Other(u8),
}

impl ChecksumAlg {
    /// Whether events carry a 4-byte checksum after their body.
    pub fn has_crc(self) -> bool {
        self == Self::Crc32
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::PreChecksum => "pre-checksum",
            Self::Off => "NONE",
            Self::Crc32 => "CRC32",
            Self::Other(_) => "unknown",
        }
    }
}

/// Which server wrote the file, from the FDE's version string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    MySql,
    MariaDb,
}

/// A decoded FORMAT_DESCRIPTION event, borrowing from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatDescription<'a> {
    pub binlog_version: u16,
    /// The server version string, without its NUL padding.
    pub server_version: &'a [u8],
    pub create_timestamp: u32,
    pub header_length: u8,
    /// Post-header length of each event type, indexed by type code - 1.
    pub post_header_lengths: &'a [u8],
    pub checksum: ChecksumAlg,
    pub flavor: Flavor,
    /// (major, minor, patch) from the version string; zeros where it does not parse.
    pub version: (u8, u8, u8),
}

impl<'a> FormatDescription<'a> {
    /// Decodes the FDE body (the bytes after the common header, checksum included).
    pub fn parse(body: &'a [u8], offset: u64) -> DecodeResult<Self> {
        let mut r = Reader::new(body, offset);
        let binlog_version = r.u16()?;
        let version_field = r.bytes(SERVER_VERSION_LEN)?;
        let create_timestamp = r.u32()?;
        let header_length = r.u8()?;
        let server_version = match version_field.iter().position(|&b| b == 0) {
            Some(end) => &version_field[..end],
            None => version_field,
        };
        let version = split_version(server_version);
        let flavor = if contains(server_version, b"MariaDB") || contains(server_version, b"-maria-")
        {
            Flavor::MariaDb
        } else {
            Flavor::MySql
        };
        let first_with_checksum = match flavor {
            Flavor::MariaDb => (5, 3, 0),
            Flavor::MySql => (5, 6, 1),
        };
        let rest = r.rest();
        let (post_header_lengths, checksum) = if version >= first_with_checksum {
            let split = rest.len().checked_sub(ALG_AND_CRC_LEN).ok_or_else(|| {
                DecodeError::new(
                    r.offset(),
                    "no room for the checksum algorithm byte a server of this version writes",
                )
            })?;
            let alg = match rest[split] {
                0 => ChecksumAlg::Off,
                1 => ChecksumAlg::Crc32,
                other => ChecksumAlg::Other(other),
            };
            (&rest[..split], alg)
        } else {
            (rest, ChecksumAlg::PreChecksum)
        };
        if binlog_version != 4 {
            return Err(DecodeError::new(
                offset,
                format!(
                    "binlog version {binlog_version}; only version 4 (MySQL 5.0 and later) is read"
                ),
            ));
        }
        if usize::from(header_length) < crate::header::HEADER_LEN {
            return Err(DecodeError::new(
                offset + FIXED_PART_LEN as u64 - 1,
                format!("common header length {header_length} is below 19"),
            ));
        }
        Ok(Self {
            binlog_version,
            server_version,
            create_timestamp,
            header_length,
            post_header_lengths,
            checksum,
            flavor,
            version,
        })
    }

    /// The post-header length the writer declared for `event_type`, if it declared one.
    pub fn post_header_len(&self, event_type: EventType) -> Option<usize> {
        let index = usize::from(event_type.0).checked_sub(1)?;
        self.post_header_lengths.get(index).map(|&l| usize::from(l))
    }

    /// The server version as text (lossy for non-UTF-8 bytes).
    pub fn server_version_str(&self) -> String {
        String::from_utf8_lossy(self.server_version).into_owned()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Splits "8.0.32-debug" into (8, 0, 32), as the server's `do_server_version_split` does:
/// leading digits of each dot-separated part, 0 where there are none.
fn split_version(version: &[u8]) -> (u8, u8, u8) {
    let mut parts = [0u8; 3];
    let mut rest = version;
    for part in &mut parts {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let value = rest[..digits].iter().fold(0u32, |acc, &d| {
            acc.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        });
        *part = u8::try_from(value).unwrap_or(u8::MAX);
        rest = &rest[digits..];
        match rest.first() {
            Some(b'.') => rest = &rest[1..],
            _ => break,
        }
    }
    (parts[0], parts[1], parts[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_split() {
        assert_eq!(split_version(b"8.0.32-debug"), (8, 0, 32));
        assert_eq!(
            split_version(b"10.11.19-MariaDB-0+deb12u1-log"),
            (10, 11, 19)
        );
        assert_eq!(split_version(b"5.6.4-m7-debug-log"), (5, 6, 4));
        assert_eq!(split_version(b"garbage"), (0, 0, 0));
        assert_eq!(split_version(b"5.1"), (5, 1, 0));
        assert_eq!(split_version(b"999.1.1"), (255, 1, 1));
    }
}
