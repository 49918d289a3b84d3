//! Binary and relay logs as the server lists them, and events as mysqlbinlog or
//! `SHOW BINLOG EVENTS` summarise them.

use serde::{Deserialize, Serialize};

use super::gtid_text::GtidText;
use super::provenance::Provenance;
use super::time::LogTime;

/// One file of `SHOW BINARY LOGS` (or a relay-log list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFileEntry {
    pub name: String,
    pub size: Option<u64>,
    pub encrypted: Option<bool>,
    pub origin: Provenance,
}

/// `SHOW MASTER STATUS` / `SHOW BINARY LOG STATUS`: where the server writes now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinlogPosition {
    pub file: String,
    pub position: Option<u64>,
    pub executed_gtid_set: Option<GtidText>,
    /// `Binlog_Do_DB` / `Binlog_Ignore_DB`: the source's binlog filters, judged by a statement's
    /// default database. Absent from evidence saved before they were kept.
    #[serde(default)]
    pub binlog_do_db: Option<String>,
    #[serde(default)]
    pub binlog_ignore_db: Option<String>,
    pub origin: Provenance,
}

/// One row of `mysql.gtid_executed` (MySQL): what the server persisted, which after a crash of a
/// 5.7 server can differ from what it had executed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GtidExecutedRow {
    pub source_uuid: String,
    pub interval_start: u64,
    pub interval_end: u64,
    pub gtid_tag: Option<String>,
    pub origin: Provenance,
}

/// One event, summarised: a mysqlbinlog header line (`#160118 17:33:11 server id 2219317521
/// end_log_pos 172885 CRC32 0xb6f4693d Query thread_id=76714 exec_time=0 error_code=1050`) with
/// the statement lines that follow it, or a row of `SHOW BINLOG/RELAYLOG EVENTS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BinlogEvent {
    /// `Log_name` of SHOW BINLOG EVENTS; mysqlbinlog output does not repeat the file name.
    pub log_file: Option<String>,
    /// `# at N` / `Pos`.
    pub start_position: Option<u64>,
    pub end_log_pos: Option<u64>,
    pub time: Option<LogTime>,
    pub server_id: Option<u64>,
    /// `Query`, `Xid`, `Gtid`, `Table_map`, `Write_rows`...
    pub event_type: String,
    /// Everything after the event type on the header line (or `Info`).
    pub detail: String,
    /// The `name=value` pairs of the header line: `thread_id`, `exec_time`, `error_code`,
    /// `last_committed`, `sequence_number`...
    pub attributes: Vec<(String, String)>,
    /// The GTID this event carries or belongs to (`SET @@SESSION.GTID_NEXT=`, MariaDB `GTID D-S-N`).
    pub gtid: Option<String>,
    /// Statement and pseudo-SQL lines that mysqlbinlog printed for the event.
    pub body: Vec<String>,
    pub origin: Provenance,
}

impl BinlogEvent {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `error_code=N` of a Query event: the error the statement had on the source.
    pub fn error_code(&self) -> Option<u32> {
        self.attribute("error_code")?.parse().ok()
    }

    pub fn thread_id(&self) -> Option<u64> {
        self.attribute("thread_id")?.parse().ok()
    }
}
