//! Binary and relay logs as the server lists them, and events as mysqlbinlog or
//! `SHOW BINLOG EVENTS` summarise them.

use serde::{Deserialize, Serialize};

use std::sync::LazyLock;

use regex::Regex;

use super::gtid_text::GtidText;
use super::messages::TableName;
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

    /// The table a `Table_map` event maps, as mysqlbinlog (`` `db`.`t` mapped to number 108 ``),
    /// SHOW BINLOG EVENTS (`table_id: 108 (db.t)`) and repldoctor (`` `db`.`t` id=108 ``)
    /// print it.
    pub fn mapped_table(&self) -> Option<TableName> {
        static IN_PARENTHESES: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"table_id:\s*\d+\s*\(([^)]+)\)").expect("static regex"));
        if !self.event_type.eq_ignore_ascii_case("table_map") {
            return None;
        }
        let detail = self.detail.trim();
        if let Some(c) = IN_PARENTHESES.captures(detail) {
            return Some(TableName::parse(&c[1]));
        }
        let name = detail.split_whitespace().next()?;
        name.starts_with('`').then(|| TableName::parse(name))
    }

    /// The SQL statements the event carries: a Query event's statement, the original
    /// statement of a Rows_query / Annotate_rows event.
    pub fn statements(&self) -> impl Iterator<Item = &str> {
        let carries = ["query", "rows_query", "annotate_rows"]
            .iter()
            .any(|t| self.event_type.eq_ignore_ascii_case(t));
        let detail = (carries && !self.detail.trim().is_empty()).then_some(self.detail.as_str());
        let body = carries
            .then_some(self.body.iter().map(String::as_str))
            .into_iter()
            .flatten();
        detail.into_iter().chain(body)
    }
}

/// How a statement writes a row that may already exist: the statements that take next-key
/// locks on every unique index when the row is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertKind {
    /// `REPLACE INTO`: delete and insert.
    Replace,
    /// `INSERT ... ON DUPLICATE KEY UPDATE`.
    InsertOnDuplicateKeyUpdate,
}

/// A REPLACE or INSERT ... ON DUPLICATE KEY UPDATE and the table it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upsert {
    pub kind: UpsertKind,
    pub table: TableName,
}

impl Upsert {
    /// Reads the head of `sql` (the rest may be cut off, as binlog summaries are).
    pub fn parse(sql: &str) -> Option<Upsert> {
        static HEAD: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"(?is)^\s*(?:/\*.*?\*/\s*)*(replace|insert)\s+(?:(?:low_priority|delayed|high_priority|ignore)\s+)*(?:into\s+)?((?:`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(?:`(?:[^`]|``)+`|[\w$]+))?)",
            )
            .expect("static regex")
        });
        static ON_DUPLICATE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)\bon\s+duplicate\s+key\s+update\b").expect("static regex")
        });
        let c = HEAD.captures(sql)?;
        let kind = if c[1].eq_ignore_ascii_case("replace") {
            UpsertKind::Replace
        } else if ON_DUPLICATE.is_match(sql) {
            UpsertKind::InsertOnDuplicateKeyUpdate
        } else {
            return None;
        };
        let name: String = c[2].split_whitespace().collect();
        Some(Upsert {
            kind,
            table: TableName::parse(&name),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event_type: &str, detail: &str) -> BinlogEvent {
        BinlogEvent {
            log_file: None,
            start_position: None,
            end_log_pos: None,
            time: None,
            server_id: None,
            event_type: event_type.into(),
            detail: detail.into(),
            attributes: Vec::new(),
            gtid: None,
            body: Vec::new(),
            origin: Provenance::pasted("-", 1, 1),
        }
    }

    #[test]
    fn mapped_tables_as_each_tool_prints_them() {
        for detail in [
            "`shop`.`orders` mapped to number 108",
            "table_id: 108 (shop.orders)",
            "`shop`.`orders` id=108 columns=5",
        ] {
            let table = event("Table_map", detail).mapped_table().unwrap();
            assert_eq!(table.to_string(), "shop.orders", "{detail}");
        }
        assert!(event("Query", "`a`.`b`").mapped_table().is_none());
    }

    #[test]
    fn upserts_and_their_tables() {
        let replace =
            Upsert::parse("REPLACE INTO `shop`.`orders` (id,a,b) VALUES (1,2,'x')").unwrap();
        assert_eq!(replace.kind, UpsertKind::Replace);
        assert_eq!(replace.table.to_string(), "shop.orders");
        let insert = Upsert::parse(
            "/* app */ insert ignore into orders(id) values (1) on duplicate key update a=a+1",
        )
        .unwrap();
        assert_eq!(insert.kind, UpsertKind::InsertOnDuplicateKeyUpdate);
        assert_eq!(insert.table.to_string(), "orders");
        assert_eq!(
            Upsert::parse("replace shop . t values (1)")
                .unwrap()
                .table
                .to_string(),
            "shop.t"
        );
        assert!(Upsert::parse("INSERT INTO t VALUES (1)").is_none());
        assert!(Upsert::parse("UPDATE t SET a = 'replace into x'").is_none());
    }
}
