//! Small events of both flavors: ROTATE, INTVAR, RAND, USER_VAR, INCIDENT, HEARTBEAT,
//! XA_PREPARE, the LOAD DATA blocks and MariaDB START_ENCRYPTION.

use crate::error::{DecodeError, DecodeResult};
use crate::event_type::EventType;
use crate::walk::Event;

/// ROTATE: the next binlog file and the position to continue from in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotate<'a> {
    pub position: u64,
    pub next_file: &'a [u8],
}

impl<'a> Rotate<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let position = r.uint(event.post_header_len(8).min(8))?;
        Ok(Self {
            position,
            next_file: r.take_rest(),
        })
    }

    /// A replica writes a rotate of its own into the relay log, with position 0 in the header.
    pub fn is_artificial(event: &Event<'_>) -> bool {
        event.header.end_log_pos == 0
    }
}

/// INTVAR: LAST_INSERT_ID() or the next AUTO_INCREMENT value for the next statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intvar {
    /// 1 = LAST_INSERT_ID, 2 = INSERT_ID.
    pub kind: u8,
    pub value: u64,
}

impl Intvar {
    pub fn parse(event: &Event<'_>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        Ok(Self {
            kind: r.u8()?,
            value: r.u64()?,
        })
    }

    pub fn name(&self) -> &'static str {
        match self.kind {
            1 => "LAST_INSERT_ID",
            2 => "INSERT_ID",
            _ => "INVALID_INT",
        }
    }
}

/// RAND: the seeds of RAND() for the next statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rand {
    pub seed1: u64,
    pub seed2: u64,
}

impl Rand {
    pub fn parse(event: &Event<'_>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        Ok(Self {
            seed1: r.u64()?,
            seed2: r.u64()?,
        })
    }
}

/// USER_VAR: a user variable the next statement reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVar<'a> {
    pub name: &'a [u8],
    pub value: Option<UserVarValue<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserVarValue<'a> {
    /// 0 STRING, 1 REAL, 2 INT, 3 ROW, 4 DECIMAL.
    pub value_type: u8,
    pub charset: u32,
    pub bytes: &'a [u8],
    /// Bit 0: the integer is unsigned.
    pub flags: Option<u8>,
}

impl<'a> UserVar<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let name_len = r.u32()?;
        let name = r.bytes_u64(u64::from(name_len))?;
        let is_null = r.u8()? != 0;
        let value = if is_null {
            None
        } else {
            let value_type = r.u8()?;
            let charset = r.u32()?;
            let len = r.u32()?;
            let bytes = r.bytes_u64(u64::from(len))?;
            let flags = if r.is_empty() { None } else { Some(r.u8()?) };
            Some(UserVarValue {
                value_type,
                charset,
                bytes,
                flags,
            })
        };
        Ok(Self { name, value })
    }
}

/// INCIDENT: the source hit something replicas cannot reproduce (e.g. a lost event group);
/// replicas stop on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident<'a> {
    /// 1 = LOST_EVENTS.
    pub incident: u16,
    pub message: &'a [u8],
}

impl<'a> Incident<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let mut post = r.split(event.post_header_len(2))?;
        let incident = post.u16()?;
        let message = if r.is_empty() {
            &[][..]
        } else {
            let len = r.u8()?;
            r.bytes(usize::from(len))?
        };
        Ok(Self { incident, message })
    }
}

/// HEARTBEAT: a source's "still here" on an idle connection, naming its current binlog and
/// position. v1 carries the file name as its body (the position is the header's
/// `end_log_pos`); v2 (MySQL 8.0.26+, for positions past 4 GiB) carries both as typed fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat<'a> {
    pub log_file: &'a [u8],
    pub position: u64,
}

/// Field types of a HEARTBEAT_V2 body.
mod heartbeat_field {
    pub const END_MARK: u64 = 0;
    pub const LOG_FILENAME: u64 = 1;
    pub const LOG_POSITION: u64 = 2;
}

impl<'a> Heartbeat<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        if event.event_type() != EventType::HEARTBEAT_V2 {
            return Ok(Self {
                log_file: event.body,
                position: u64::from(event.header.end_log_pos),
            });
        }
        let mut r = event.body_reader();
        let mut heartbeat = Self {
            log_file: &[],
            position: 0,
        };
        while !r.is_empty() {
            let field = packed(&mut r)?;
            if field == heartbeat_field::END_MARK {
                break;
            }
            let len = packed(&mut r)?;
            let value_at = r.offset();
            let mut value = crate::reader::Reader::new(r.bytes_u64(len)?, value_at);
            match field {
                heartbeat_field::LOG_FILENAME => heartbeat.log_file = value.take_rest(),
                heartbeat_field::LOG_POSITION => heartbeat.position = packed(&mut value)?,
                // Fields of later versions are skipped by their length.
                _ => {}
            }
        }
        Ok(heartbeat)
    }
}

fn packed(r: &mut crate::reader::Reader<'_>) -> DecodeResult<u64> {
    let at = r.offset();
    r.packed()?
        .ok_or_else(|| DecodeError::new(at, "invalid length-encoded integer"))
}

/// XA_PREPARE: `XA PREPARE` (or `XA COMMIT ... ONE PHASE`) of an XA transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XaPrepare<'a> {
    pub one_phase: bool,
    pub format_id: u32,
    pub gtrid: &'a [u8],
    pub bqual: &'a [u8],
}

impl<'a> XaPrepare<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let one_phase = r.u8()? != 0;
        let format_id = r.u32()?;
        let gtrid_len = r.u32()?;
        let bqual_len = r.u32()?;
        let gtrid = r.bytes_u64(u64::from(gtrid_len))?;
        let bqual = r.bytes_u64(u64::from(bqual_len))?;
        Ok(Self {
            one_phase,
            format_id,
            gtrid,
            bqual,
        })
    }
}

/// BEGIN_LOAD_QUERY / APPEND_BLOCK: a block of the file of a `LOAD DATA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadBlock<'a> {
    pub file_id: u32,
    pub block: &'a [u8],
}

impl<'a> LoadBlock<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let mut post = r.split(event.post_header_len(4))?;
        Ok(Self {
            file_id: post.u32()?,
            block: r.take_rest(),
        })
    }
}

/// MariaDB START_ENCRYPTION: every event after it is encrypted with this key version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartEncryption {
    pub scheme: u8,
    pub key_version: u32,
    pub nonce: [u8; 12],
}

impl StartEncryption {
    pub fn parse(event: &Event<'_>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let scheme = r.u8()?;
        if scheme != 1 {
            return Err(DecodeError::new(
                r.offset() - 1,
                format!("encryption scheme {scheme}; MariaDB defines only 1"),
            ));
        }
        Ok(Self {
            scheme,
            key_version: r.u32()?,
            nonce: r.array()?,
        })
    }
}
