//! MariaDB GTID and GTID_LIST events. (ANNOTATE_ROWS, BINLOG_CHECKPOINT and START_ENCRYPTION
//! are simple enough to be decoded in the dispatcher and in `control`.)

use crate::error::DecodeResult;
use crate::walk::Event;

/// Flag bits of a MariaDB GTID event.
pub mod flags {
    /// No terminating COMMIT/XID: a DDL or a non-transactional statement.
    pub const STANDALONE: u8 = 0x01;
    pub const GROUP_COMMIT_ID: u8 = 0x02;
    pub const TRANSACTIONAL: u8 = 0x04;
    pub const ALLOW_PARALLEL: u8 = 0x08;
    pub const WAITED: u8 = 0x10;
    pub const DDL: u8 = 0x20;
    pub const PREPARED_XA: u8 = 0x40;
    pub const COMPLETED_XA: u8 = 0x80;
}

/// Bits of the extra-flags byte (MariaDB 10.8+).
mod extra_flags {
    pub const MULTI_ENGINE: u8 = 0x01;
    pub const COMMIT_ALTER: u8 = 0x04;
    pub const ROLLBACK_ALTER: u8 = 0x08;
    pub const THREAD_ID: u8 = 0x10;
}

/// A MariaDB GTID event: `domain-server-seq_no` opening an event group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MariaGtid<'a> {
    pub domain_id: u32,
    /// From the event header.
    pub server_id: u32,
    pub seq_no: u64,
    pub flags: u8,
    /// Transactions with the same commit id were group-committed together on the source.
    pub commit_id: Option<u64>,
    /// (format_id, gtrid, bqual) of an XA transaction.
    pub xid: Option<(u32, &'a [u8], &'a [u8])>,
    pub extra_flags: Option<u8>,
    pub extra_engines: Option<u8>,
    /// The START ALTER this COMMIT/ROLLBACK ALTER completes.
    pub start_alter_seq_no: Option<u64>,
    pub thread_id: Option<u32>,
}

impl<'a> MariaGtid<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let seq_no = r.u64()?;
        let domain_id = r.u32()?;
        let gtid_flags = r.u8()?;
        let mut gtid = Self {
            domain_id,
            server_id: event.header.server_id,
            seq_no,
            flags: gtid_flags,
            commit_id: None,
            xid: None,
            extra_flags: None,
            extra_engines: None,
            start_alter_seq_no: None,
            thread_id: None,
        };
        let is_xa = gtid_flags & (flags::PREPARED_XA | flags::COMPLETED_XA) != 0;
        if gtid_flags & flags::GROUP_COMMIT_ID != 0 {
            gtid.commit_id = Some(r.u64()?);
        } else if !is_xa {
            r.skip(6)?; // zero padding to the fixed 19-byte body
        }
        if is_xa {
            let format_id = r.u32()?;
            let gtrid_len = r.u8()?;
            let bqual_len = r.u8()?;
            let gtrid = r.bytes(usize::from(gtrid_len))?;
            let bqual = r.bytes(usize::from(bqual_len))?;
            gtid.xid = Some((format_id, gtrid, bqual));
        }
        if !r.is_empty() {
            let extra = r.u8()?;
            gtid.extra_flags = Some(extra);
            if extra & extra_flags::MULTI_ENGINE != 0 {
                gtid.extra_engines = Some(r.u8()?);
            }
            if extra & (extra_flags::COMMIT_ALTER | extra_flags::ROLLBACK_ALTER) != 0 {
                gtid.start_alter_seq_no = Some(r.u64()?);
            }
            if extra & extra_flags::THREAD_ID != 0 {
                gtid.thread_id = Some(r.u32()?);
            }
        }
        Ok(gtid)
    }

    /// `domain-server-seq_no`, as MariaDB prints it.
    pub fn to_gtid_string(&self) -> String {
        format!("{}-{}-{}", self.domain_id, self.server_id, self.seq_no)
    }

    /// True when no COMMIT or XID ends the group (DDL, non-transactional statements).
    pub fn is_standalone(&self) -> bool {
        self.flags & flags::STANDALONE != 0
    }

    /// True when the group is its next statement alone: standalone, or the XA COMMIT / XA
    /// ROLLBACK of a transaction prepared earlier.
    pub fn is_single_statement(&self) -> bool {
        self.flags & (flags::STANDALONE | flags::COMPLETED_XA) != 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MariaGtidListEntry {
    pub domain_id: u32,
    pub server_id: u32,
    pub seq_no: u64,
}

/// MariaDB GTID_LIST: the binlog state (last GTID per domain and server) at the start of the
/// file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MariaGtidList {
    /// The top 4 bits of the count field.
    pub flags: u8,
    pub entries: Vec<MariaGtidListEntry>,
}

const ENTRY_LEN: usize = 16;

impl MariaGtidList {
    pub fn parse(event: &Event<'_>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let word = r.u32()?;
        let count = (word & 0x0fff_ffff) as usize;
        let mut entries = Vec::with_capacity(count.min(r.remaining() / ENTRY_LEN));
        for _ in 0..count {
            entries.push(MariaGtidListEntry {
                domain_id: r.u32()?,
                server_id: r.u32()?,
                seq_no: r.u64()?,
            });
        }
        Ok(Self {
            flags: (word >> 28) as u8,
            entries,
        })
    }

    /// `0-1-5,1-2-7`
    pub fn to_gtid_string(&self) -> String {
        self.entries
            .iter()
            .map(|e| format!("{}-{}-{}", e.domain_id, e.server_id, e.seq_no))
            .collect::<Vec<_>>()
            .join(",")
    }
}
