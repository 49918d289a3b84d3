//! MySQL GTID events: GTID and ANONYMOUS_GTID (fixed layout with optional tails added from 5.7
//! to 8.0), GTID_TAGGED (8.3+, MySQL serialization-library format) and PREVIOUS_GTIDS
//! (untagged and tagged forms).

use std::fmt::Write as _;

use crate::error::{DecodeError, DecodeResult};
use crate::event_type::EventType;
use crate::reader::Reader;
use crate::walk::Event;

/// Type code of the logical clock fields (`last_committed`, `sequence_number`).
const LOGICAL_CLOCK_TYPECODE: u8 = 2;
/// Bit 55 of the 7-byte immediate commit timestamp: the original one follows.
const ORIGINAL_TIMESTAMP_FOLLOWS: u64 = 1 << 55;
/// Bit 31 of the immediate server version: the original one follows.
const ORIGINAL_VERSION_FOLLOWS: u32 = 1 << 31;

/// A MySQL GTID event: the transaction's identity and its logical clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gtid<'a> {
    /// Bit 0: the transaction may contain statement-based events (`FLAG_MAY_HAVE_SBR`).
    pub flags: u8,
    pub uuid: [u8; 16],
    /// Transaction number; 0 in ANONYMOUS_GTID events.
    pub gno: i64,
    /// The tag of a tagged GTID (`uuid:tag:gno`), MySQL 8.3+.
    pub tag: Option<&'a [u8]>,
    /// (`last_committed`, `sequence_number`) from 5.7.6 on: transactions whose
    /// `last_committed` is below another's `sequence_number` may be applied in parallel.
    pub logical_clock: Option<(i64, i64)>,
    /// Microseconds since the epoch when this server committed (8.0.1+).
    pub immediate_commit_timestamp: Option<u64>,
    /// Microseconds since the epoch when the originating server committed.
    pub original_commit_timestamp: Option<u64>,
    /// Bytes of the whole transaction, this event included (8.0.2+).
    pub transaction_length: Option<u64>,
    pub immediate_server_version: Option<u32>,
    pub original_server_version: Option<u32>,
    /// Group replication commit ticket (8.0.33+), when present.
    pub commit_group_ticket: Option<u64>,
}

impl<'a> Gtid<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let r = event.body_reader();
        if event.event_type() == EventType::GTID_TAGGED {
            Self::parse_tagged(r)
        } else {
            Self::parse_fixed(r)
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.gno == 0
    }

    /// `uuid:gno` or `uuid:tag:gno`, as MySQL prints it.
    pub fn to_gtid_string(&self) -> String {
        let mut s = format_uuid(&self.uuid);
        if let Some(tag) = self.tag {
            s.push(':');
            s.push_str(&String::from_utf8_lossy(tag));
        }
        let _ = write!(s, ":{}", self.gno);
        s
    }

    fn empty(flags: u8, uuid: [u8; 16], gno: i64) -> Self {
        Self {
            flags,
            uuid,
            gno,
            tag: None,
            logical_clock: None,
            immediate_commit_timestamp: None,
            original_commit_timestamp: None,
            transaction_length: None,
            immediate_server_version: None,
            original_server_version: None,
            commit_group_ticket: None,
        }
    }

    fn parse_fixed(mut r: Reader<'a>) -> DecodeResult<Self> {
        let flags = r.u8()?;
        let uuid = r.array()?;
        let gno = r.u64()? as i64;
        let mut gtid = Self::empty(flags, uuid, gno);
        // Each tail was added by a later version; a shorter event simply ends earlier.
        if r.rest().first() != Some(&LOGICAL_CLOCK_TYPECODE) {
            return Ok(gtid);
        }
        r.skip(1)?;
        gtid.logical_clock = Some((r.u64()? as i64, r.u64()? as i64));
        if r.remaining() >= 7 {
            let immediate = r.uint(7)?;
            if immediate & ORIGINAL_TIMESTAMP_FOLLOWS != 0 {
                gtid.immediate_commit_timestamp = Some(immediate & !ORIGINAL_TIMESTAMP_FOLLOWS);
                gtid.original_commit_timestamp = Some(r.uint(7)?);
            } else {
                gtid.immediate_commit_timestamp = Some(immediate);
                gtid.original_commit_timestamp = Some(immediate);
            }
        }
        if !r.is_empty() {
            gtid.transaction_length = r.packed()?;
        }
        if r.remaining() >= 4 {
            let immediate = r.u32()?;
            if immediate & ORIGINAL_VERSION_FOLLOWS != 0 {
                gtid.immediate_server_version = Some(immediate & !ORIGINAL_VERSION_FOLLOWS);
                gtid.original_server_version = Some(r.u32()?);
            } else {
                gtid.immediate_server_version = Some(immediate);
                gtid.original_server_version = Some(immediate);
            }
        }
        if r.remaining() >= 8 {
            gtid.commit_group_ticket = Some(r.u64()?);
        }
        Ok(gtid)
    }

    /// The serialization-library message: version, total size, last non-ignorable field id,
    /// then (field id, value) pairs with variable-length integers.
    fn parse_tagged(mut r: Reader<'a>) -> DecodeResult<Self> {
        let start = r.offset();
        let version = r.varlen()?;
        if version != 1 {
            return Err(DecodeError::new(
                start,
                format!("serialization version {version}; only 1 is known"),
            ));
        }
        let size = r.varlen()?;
        let last_non_ignorable = r.varlen()?;
        let consumed = r.offset() - start;
        let fields_len = size.checked_sub(consumed).ok_or_else(|| {
            DecodeError::new(
                start,
                format!("message size {size} is below its own header"),
            )
        })?;
        let mut f = Reader::new(r.bytes_u64(fields_len)?, r.offset() - fields_len);
        let mut gtid = Self::empty(0, [0; 16], 0);
        let mut tag = None;
        while !f.is_empty() {
            let at = f.offset();
            let id = f.varlen()?;
            match id {
                0 => gtid.flags = u8::try_from(f.varlen()?).unwrap_or(u8::MAX),
                1 => {
                    for byte in &mut gtid.uuid {
                        *byte = u8::try_from(f.varlen()?)
                            .map_err(|_| DecodeError::new(at, "UUID byte out of range"))?;
                    }
                }
                2 => gtid.gno = f.varlen_signed()?,
                3 => {
                    let len = f.varlen()?;
                    tag = Some(f.bytes_u64(len)?);
                }
                4 => {
                    let last_committed = f.varlen_signed()?;
                    let (_, seq) = gtid.logical_clock.unwrap_or_default();
                    gtid.logical_clock = Some((last_committed, seq));
                }
                5 => {
                    let seq = f.varlen_signed()?;
                    let (lc, _) = gtid.logical_clock.unwrap_or_default();
                    gtid.logical_clock = Some((lc, seq));
                }
                6 => gtid.immediate_commit_timestamp = Some(f.varlen()?),
                7 => gtid.original_commit_timestamp = Some(f.varlen()?),
                8 => gtid.transaction_length = Some(f.varlen()?),
                9 => gtid.immediate_server_version = Some(f.varlen()? as u32),
                10 => gtid.original_server_version = Some(f.varlen()? as u32),
                11 => gtid.commit_group_ticket = Some(f.varlen()?),
                _ if id <= last_non_ignorable => {
                    return Err(DecodeError::new(
                        at,
                        format!("unknown field {id} that readers must not ignore"),
                    ));
                }
                // An ignorable field of a later version: its length is unknown, stop here.
                _ => break,
            }
        }
        gtid.tag = tag;
        // Absent originals equal the immediate values.
        gtid.original_commit_timestamp = gtid
            .original_commit_timestamp
            .or(gtid.immediate_commit_timestamp);
        gtid.original_server_version = gtid
            .original_server_version
            .or(gtid.immediate_server_version);
        Ok(gtid)
    }
}

/// `3e11fa47-71ca-11e1-9e33-c80aa9429562`
pub fn format_uuid(uuid: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A closed-open interval of transaction numbers `[start, end)`, as stored in the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GtidInterval {
    pub start: i64,
    pub end: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousGtidsEntry<'a> {
    pub uuid: [u8; 16],
    pub tag: Option<&'a [u8]>,
    pub intervals: Vec<GtidInterval>,
}

/// PREVIOUS_GTIDS: the GTID set of every transaction in earlier binlog files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousGtids<'a> {
    pub entries: Vec<PreviousGtidsEntry<'a>>,
}

/// Smallest encoding of one entry: UUID and interval count.
const MIN_ENTRY_LEN: usize = 16 + 8;
const INTERVAL_LEN: usize = 16;

impl<'a> PreviousGtids<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let at = r.offset();
        let header = r.u64()?;
        // The top byte is the format: 0 untagged (a plain count), 1 tagged (8.3+).
        let (tagged, count) = match header >> 56 {
            0 => (false, header),
            1 => (true, (header >> 8) & 0xffff_ffff_ffff),
            other => {
                return Err(DecodeError::new(
                    at,
                    format!("GTID set format {other} is not known (0 untagged, 1 tagged)"),
                ));
            }
        };
        if count > (r.remaining() / MIN_ENTRY_LEN) as u64 {
            return Err(DecodeError::new(
                at,
                format!(
                    "claims {count} entries in {} bytes, room for {} at most",
                    r.remaining(),
                    r.remaining() / MIN_ENTRY_LEN
                ),
            ));
        }
        let mut entries = Vec::with_capacity(bounded(count, r.remaining() / MIN_ENTRY_LEN));
        for _ in 0..count {
            let uuid = r.array()?;
            let tag = if tagged {
                let len = r.varlen()?;
                (len > 0).then(|| r.bytes_u64(len)).transpose()?
            } else {
                None
            };
            let n = r.u64()?;
            let mut intervals = Vec::with_capacity(bounded(n, r.remaining() / INTERVAL_LEN));
            for _ in 0..n {
                intervals.push(GtidInterval {
                    start: r.u64()? as i64,
                    end: r.u64()? as i64,
                });
            }
            entries.push(PreviousGtidsEntry {
                uuid,
                tag,
                intervals,
            });
        }
        Ok(Self { entries })
    }

    /// The set as MySQL prints it: `uuid:1-5:7,uuid2:tag:1-3`.
    pub fn to_gtid_set_string(&self) -> String {
        let mut s = String::new();
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format_uuid(&entry.uuid));
            if let Some(tag) = entry.tag {
                s.push(':');
                s.push_str(&String::from_utf8_lossy(tag));
            }
            for iv in &entry.intervals {
                if iv.end - 1 == iv.start {
                    let _ = write!(s, ":{}", iv.start);
                } else {
                    let _ = write!(s, ":{}-{}", iv.start, iv.end - 1);
                }
            }
        }
        s
    }
}

/// A capacity for `count` items that cannot exceed what the remaining bytes could hold.
fn bounded(count: u64, fit: usize) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX).min(fit)
}
