//! Errors. Every error names the byte offset in the file where the damage is, so that a DBA can
//! look at it with `mysqlbinlog --start-position` or a hex dump.

use std::fmt;

use crate::event_type::EventType;
use crate::reader::ShortRead;

/// Why a file could not be read further. `offset` is the absolute byte offset of the damaged
/// event (or of the place where bytes ran out).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at offset {offset}: {kind}")]
pub struct Error {
    pub offset: u64,
    pub kind: ErrorKind,
}

/// What was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file does not start with the 4-byte binlog magic `fe 62 69 6e`.
    NotABinlog { found: Vec<u8> },
    /// Fewer than 19 bytes remain where an event header should be.
    TruncatedHeader { available: u64 },
    /// The header announces more bytes than the file holds.
    TruncatedEvent { length: u64, available: u64 },
    /// The header announces fewer bytes than a header and its checksum take.
    EventTooShort { length: u64, minimum: u64 },
    /// The stored CRC32 does not match the event's bytes.
    ChecksumMismatch { stored: u32, computed: u32 },
    /// The first event is not a FORMAT_DESCRIPTION (binlog v4) event.
    NoFormatDescription { found: EventType },
    /// A FORMAT_DESCRIPTION event this reader cannot use.
    UnsupportedFormat { reason: String },
    /// The event's body does not decode: a field runs past the end or holds an impossible value.
    Malformed {
        event_type: EventType,
        at: u64,
        reason: String,
    },
    /// The events from here on are encrypted (MariaDB `encrypt_binlog`); they are walked by
    /// length but cannot be decoded without the key.
    Encrypted,
    /// The damage is inside a TRANSACTION_PAYLOAD (the error's offset is the payload's):
    /// `inner_offset` is the position in its decompressed events.
    InsidePayload {
        inner_offset: u64,
        inner: Box<ErrorKind>,
    },
    /// A start offset that is not the first byte of an event.
    NotAnEventStart { previous: u64, next: u64 },
    /// The file could not be opened or read.
    Io { message: String },
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotABinlog { found } => {
                write!(f, "not a binlog: the file starts with ")?;
                if found.is_empty() {
                    write!(f, "nothing (it is empty)")?;
                } else {
                    for b in found {
                        write!(f, "{b:02x}")?;
                    }
                }
                write!(f, ", not the magic fe62696e")
            }
            Self::TruncatedHeader { available } => write!(
                f,
                "truncated event header: 19 bytes needed, {available} left in the file"
            ),
            Self::TruncatedEvent { length, available } => write!(
                f,
                "truncated event: its header says {length} bytes, {available} left in the file"
            ),
            Self::EventTooShort { length, minimum } => write!(
                f,
                "corrupt event header: length {length} is below the minimum of {minimum}"
            ),
            Self::ChecksumMismatch { stored, computed } => write!(
                f,
                "CRC32 mismatch: stored {stored:#010x}, computed {computed:#010x}"
            ),
            Self::NoFormatDescription { found } => write!(
                f,
                "the first event is {found}, not FORMAT_DESCRIPTION (binlog v4 is required)"
            ),
            Self::UnsupportedFormat { reason } => {
                write!(f, "unusable FORMAT_DESCRIPTION event: {reason}")
            }
            Self::Malformed {
                event_type,
                at,
                reason,
            } => write!(f, "malformed {event_type} event: {reason} (at byte {at})"),
            Self::Encrypted => write!(
                f,
                "the rest of the file is encrypted (MariaDB encrypt_binlog); events are not decoded"
            ),
            Self::InsidePayload {
                inner_offset,
                inner,
            } => write!(
                f,
                "inside the TRANSACTION_PAYLOAD, at byte {inner_offset} of its decompressed events: {inner}"
            ),
            Self::NotAnEventStart { previous, next } => write!(
                f,
                "not the start of an event: the events around it start at {previous} and {next}"
            ),
            Self::Io { message } => write!(f, "{message}"),
        }
    }
}

/// A body decoder's failure, before it is tied to its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub at: u64,
    pub reason: String,
}

impl DecodeError {
    pub fn new(at: u64, reason: impl Into<String>) -> Self {
        Self {
            at,
            reason: reason.into(),
        }
    }

    /// Ties the failure to the event at `offset` of type `event_type`.
    pub fn into_error(self, offset: u64, event_type: EventType) -> Error {
        Error {
            offset,
            kind: ErrorKind::Malformed {
                event_type,
                at: self.at,
                reason: self.reason,
            },
        }
    }
}

impl From<ShortRead> for DecodeError {
    fn from(short: ShortRead) -> Self {
        Self {
            at: short.at,
            reason: format!(
                "{} bytes needed, {} left in the event",
                short.needed, short.available
            ),
        }
    }
}

pub type DecodeResult<T> = Result<T, DecodeError>;
