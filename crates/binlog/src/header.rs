//! The 19-byte common header of every v4 event.

use crate::event_type::EventType;
use crate::reader::{Reader, ShortRead};

/// Length of the common header in binlog v4.
pub const HEADER_LEN: usize = 19;

/// `LOG_EVENT_BINLOG_IN_USE_F`: set in the FORMAT_DESCRIPTION event while the server has the
/// file open; left set when the server did not close it cleanly. The FDE's CRC32 is computed
/// with this bit cleared.
pub const FLAG_BINLOG_IN_USE: u16 = 0x0001;

/// Byte offset of the flags field within the header.
pub const FLAGS_OFFSET: usize = 17;

/// The common header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader {
    /// Seconds since the epoch when the statement began (not when it committed).
    pub timestamp: u32,
    pub event_type: EventType,
    pub server_id: u32,
    /// Length of the whole event: header, body and checksum.
    pub event_length: u32,
    /// What the writer recorded as the position after this event. Not to be trusted as an
    /// offset: it wraps at 4 GiB, is 0 inside transactions on MariaDB 11.4+, and in a relay
    /// log refers to the source's binlog (or is 0 for events the replica made up).
    pub end_log_pos: u32,
    pub flags: u16,
}

impl EventHeader {
    pub fn parse(reader: &mut Reader<'_>) -> Result<Self, ShortRead> {
        Ok(Self {
            timestamp: reader.u32()?,
            event_type: EventType(reader.u8()?),
            server_id: reader.u32()?,
            event_length: reader.u32()?,
            end_log_pos: reader.u32()?,
            flags: reader.u16()?,
        })
    }
}
