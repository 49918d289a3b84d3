//! What the replication threads' error messages say, read into fields.
//!
//! The facts a diagnosis needs (the failing GTID, the source file and `end_log_pos`, the table, the
//! key, the error on each side) are often only in the message text of `Last_SQL_Error`, a worker
//! row or an error-log line. These parsers read them from every spelling MySQL 5.6-8.4 and MariaDB
//! use (`master`/`source`, `slave`/`replica`) and from messages cut short by a terminal or a blog:
//! whatever is present is returned, whatever is missing stays `None`.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

/// A transaction as a worker or coordinator names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "gtid", rename_all = "snake_case")]
pub enum TransactionRef {
    /// A GTID, as text (`uuid:N`, `uuid:tag:N`, MariaDB `D-S-N`).
    Gtid(String),
    /// `ANONYMOUS`: GTID mode was off where the transaction was written; the position is the
    /// only way to find it.
    Anonymous,
    /// `''`: the server did not name a transaction (e.g. the worker had none yet).
    Empty,
}

impl TransactionRef {
    pub fn parse(text: &str) -> TransactionRef {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("NULL") {
            TransactionRef::Empty
        } else if text.eq_ignore_ascii_case("ANONYMOUS") {
            TransactionRef::Anonymous
        } else {
            TransactionRef::Gtid(text.to_owned())
        }
    }

    pub fn gtid(&self) -> Option<&str> {
        match self {
            TransactionRef::Gtid(g) => Some(g),
            _ => None,
        }
    }
}

/// A binlog coordinate named in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogCoordinate {
    pub file: String,
    pub position: u64,
}

/// `db.table` as a message names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableName {
    pub schema: Option<String>,
    pub table: String,
}

impl TableName {
    /// `` `db`.`t` ``, `db.t` or `t`.
    pub fn parse(text: &str) -> TableName {
        let text = text.trim().trim_matches('`');
        match text.split_once('.') {
            Some((schema, table)) => TableName {
                schema: Some(schema.trim_matches('`').to_owned()),
                table: table.trim_matches('`').to_owned(),
            },
            None => TableName {
                schema: None,
                table: text.to_owned(),
            },
        }
    }
}

impl std::fmt::Display for TableName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.table),
            None => f.write_str(&self.table),
        }
    }
}

/// `Could not execute Write_rows event on table db.t; ...; the event's master log F, end_log_pos P`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowEventFailure {
    /// `Write_rows`, `Update_rows_v1`, `Delete_rows`...
    pub event_type: String,
    pub table: TableName,
    /// The event's own coordinate (`FIRST` as file name is what 8.0 workers print sometimes).
    pub event_source_log: Option<LogCoordinate>,
}

/// `Duplicate entry 'V' for key 'K'`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateEntry {
    pub value: String,
    /// As printed: `PRIMARY` (5.7, MariaDB) or `table.PRIMARY` (8.0).
    pub key: String,
}

impl DuplicateEntry {
    /// The key name without the `table.` prefix 8.0 adds.
    pub fn key_name(&self) -> &str {
        self.key
            .rsplit_once('.')
            .map_or(self.key.as_str(), |(_, k)| k)
    }
}

/// `Query caused different errors on master and slave. Error on master: message (format)='...'
/// error code=N ; Error on slave: actual message='...', error code=M.`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DifferentErrors {
    pub source_message_format: Option<String>,
    pub source_error_code: u32,
    pub replica_message: Option<String>,
    pub replica_error_code: Option<u32>,
}

/// `Column N of table 'db.t' cannot be converted from type 'A' to type 'B'` (1677, 13146): a row
/// event's column whose type the replica's table cannot take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnConversionFailure {
    /// 0-based, as the server counts the row event's columns.
    pub column: u32,
    pub table: TableName,
    /// The type in the row event (the source's).
    pub from_type: String,
    /// The type of the replica's column.
    pub to_type: String,
}

/// `Error 'M' on query. Default database: 'D'. Query: 'Q'` and the tail of the different-errors
/// message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedStatement {
    pub error_message: Option<String>,
    pub default_database: Option<String>,
    /// The statement; may be cut short when the message was.
    pub query: Option<String>,
}

/// An applier (SQL thread, coordinator or worker) error message, read into fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplierErrorMessage {
    /// `Coordinator stopped because there were error(s) in the worker(s)`.
    pub coordinator_stopped: bool,
    /// `Worker N failed executing transaction ...`
    pub worker_id: Option<u32>,
    /// The transaction in `failed executing transaction 'X'`.
    pub transaction: Option<TransactionRef>,
    /// `at master log F, end_log_pos P` of the worker message, else the row event's coordinate.
    pub source_log: Option<LogCoordinate>,
    pub row_event: Option<RowEventFailure>,
    pub duplicate_entry: Option<DuplicateEntry>,
    /// `Can't find record in 't'`
    pub record_not_found_in: Option<String>,
    pub different_errors: Option<DifferentErrors>,
    pub statement: Option<FailedStatement>,
    /// `handler error HA_ERR_FOUND_DUPP_KEY`
    pub handler_error: Option<String>,
    /// Every server error number the message names (`Error_code: 1062`, `MY-001062`,
    /// `error code=1050`), in order, without repeats; numbers implied by a well-known message
    /// (`Lock wait timeout exceeded` = 1205) are added when the message names none.
    pub error_codes: Vec<u32>,
    /// MariaDB's `Gtid D-S-N` in error-log lines.
    pub mariadb_gtid: Option<String>,
    /// `We stopped at log 'F' position P` (the start of the transaction, not the event's end).
    pub stopped_at: Option<LogCoordinate>,
    /// A table of the replication's own bookkeeping the message names (`mysql.gtid_slave_pos`,
    /// `mysql.gtid_executed`, `mysql.slave_relay_log_info`...): a failure there is the applier's
    /// metadata, not user data.
    #[serde(default)]
    pub metadata_table: Option<String>,
    /// The table a schema error names (`Table 't' already exists`, `Table 'db.t' doesn't
    /// exist`), with the statement's default database when the error leaves it out.
    #[serde(default)]
    pub schema_error_table: Option<TableName>,
    /// The table the failed statement writes (`INSERT INTO t`, `ALTER TABLE db.t`, `CREATE
    /// INDEX k ON t`), with the default database when the statement leaves it out.
    #[serde(default)]
    pub statement_table: Option<TableName>,
    #[serde(default)]
    pub column_conversion: Option<ColumnConversionFailure>,
}

impl ApplierErrorMessage {
    /// Reads every fact the message holds. Always succeeds: unknown text gives an empty value.
    pub fn parse(message: &str) -> ApplierErrorMessage {
        let message = straight_quotes(message);
        let message = message.as_ref();
        static WORKER: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Worker (\d+) failed executing transaction '([^']*)'(?: at (?:master|source) log ([^\s,]*), end_log_pos (\d+))?",
            )
        });
        static ROW_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"[Cc]ould not execute (\w+) event on table ([^\s;]+)"));
        static EVENT_LOG: LazyLock<Regex> = LazyLock::new(|| {
            regex(r"the event's (?:master|source) log ([^\s,]+), end_log_pos (\d+)")
        });
        // The value may hold line breaks (binary keys, wrapped pastes); old servers name the
        // key by its number (`for key 1`).
        static DUPLICATE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"(?s)Duplicate entry '(.*?)' for key (?:'([^']*)'|(\d+)\b)"));
        static NOT_FOUND: LazyLock<Regex> =
            LazyLock::new(|| regex(r"Can't find record in '([^']*)'"));
        static HANDLER: LazyLock<Regex> = LazyLock::new(|| regex(r"handler error (\w+)"));
        static DIFFERENT: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)Query caused different errors on (?:master|source) and (?:slave|replica)\.\s*Error on (?:master|source): (?:message \(format\)='(.*?)' )?error code=(\d+)(?:\s*;\s*Error on (?:slave|replica):\s*actual message='(.*?)', error code=(\d+))?",
            )
        });
        static STATEMENT: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)(?:Error '(.*?)' on query\.\s*)?Default database: '([^']*)'\.(?:\s*Query: '(.*?)(?:'(?:, Error_code.*)?)?$)?",
            )
        });
        // ER_ERROR_ON_MASTER: the source logged the statement with the error that interrupted
        // it half-way (a killed statement on a non-transactional table); the replica expects
        // that error and stops without running the statement.
        static PARTIAL_ON_SOURCE: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Query partially completed on the (?:master|source) \(error on (?:master|source): (\d+)\) and was aborted",
            )
        });
        static CONVERSION: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"Column (\d+) of table '([^'\s]+)' cannot be converted from type '([^']*)' to type '([^']*)'",
            )
        });
        static MARIADB_GTID: LazyLock<Regex> = LazyLock::new(|| regex(r"\bGtid (\d+-\d+-\d+)"));
        static STATEMENT_TABLE: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?is)^\s*(?:insert(?:\s+ignore)?\s+into|replace(?:\s+into)?|update(?:\s+ignore)?|delete\s+from|alter\s+table|create\s+(?:temporary\s+)?table(?:\s+if\s+not\s+exists)?|drop\s+(?:temporary\s+)?table(?:\s+if\s+exists)?|truncate(?:\s+table)?|create\s+(?:unique\s+)?index\s+\S+\s+on)\s+([`\w$]+(?:\.[`\w$]+)?)",
            )
        });
        static SCHEMA_ERROR_TABLE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"\bTable '([^'\s%]+)' (?:already exists|doesn't exist)"));
        static STOPPED_AT: LazyLock<Regex> = LazyLock::new(|| {
            // Some MariaDB 10.0 lines lose the closing quote: `log 'master-bin.000001 position 1234`.
            // The exit note says it as `replication stopped in log 'F' at position P`.
            regex(
                r"(?:[Ww]e stopped at log|replication stopped in log) '([^'\s]+)'? (?:at )?position (\d+)",
            )
        });

        let mut parsed = ApplierErrorMessage {
            coordinator_stopped: message.contains("Coordinator stopped because there were error"),
            ..ApplierErrorMessage::default()
        };
        if let Some(c) = WORKER.captures(message) {
            parsed.worker_id = c[1].parse().ok();
            parsed.transaction = Some(TransactionRef::parse(&c[2]));
            parsed.source_log = coordinate(c.get(3), c.get(4));
        }
        if let Some(c) = ROW_EVENT.captures(message) {
            parsed.row_event = Some(RowEventFailure {
                event_type: c[1].to_owned(),
                table: TableName::parse(&c[2]),
                event_source_log: EVENT_LOG
                    .captures(message)
                    .and_then(|e| coordinate(e.get(1), e.get(2))),
            });
        }
        if parsed.source_log.is_none() {
            parsed.source_log = parsed
                .row_event
                .as_ref()
                .and_then(|e| e.event_source_log.clone());
        }
        if let Some(c) = DUPLICATE.captures(message) {
            parsed.duplicate_entry = Some(DuplicateEntry {
                value: c[1].to_owned(),
                key: c.get(2).or(c.get(3)).map_or("", |m| m.as_str()).to_owned(),
            });
        }
        parsed.record_not_found_in = NOT_FOUND.captures(message).map(|c| c[1].to_owned());
        parsed.handler_error = HANDLER.captures(message).map(|c| c[1].to_owned());
        if let Some(c) = DIFFERENT.captures(message) {
            parsed.different_errors = Some(DifferentErrors {
                source_message_format: c.get(1).map(|m| m.as_str().to_owned()),
                source_error_code: c[2].parse().unwrap_or(0),
                replica_message: c.get(3).map(|m| m.as_str().to_owned()),
                replica_error_code: c.get(4).and_then(|m| m.as_str().parse().ok()),
            });
        }
        if parsed.different_errors.is_none()
            && let Some(c) = PARTIAL_ON_SOURCE.captures(message)
        {
            parsed.different_errors = Some(DifferentErrors {
                source_message_format: None,
                source_error_code: c[1].parse().unwrap_or(0),
                replica_message: None,
                replica_error_code: None,
            });
        }
        if let Some(c) = STATEMENT.captures(message) {
            parsed.statement = Some(FailedStatement {
                error_message: c.get(1).map(|m| m.as_str().to_owned()),
                default_database: c.get(2).map(|m| m.as_str().to_owned()),
                query: c.get(3).map(|m| m.as_str().to_owned()),
            });
        }
        parsed.schema_error_table = SCHEMA_ERROR_TABLE.captures(message).map(|c| {
            let mut table = TableName::parse(&c[1]);
            if table.schema.is_none() {
                table.schema = parsed
                    .statement
                    .as_ref()
                    .and_then(|s| s.default_database.clone())
                    .filter(|db| !db.is_empty());
            }
            table
        });
        parsed.statement_table = parsed.statement.as_ref().and_then(|statement| {
            let mut table = STATEMENT_TABLE
                .captures(statement.query.as_deref()?)
                .map(|c| TableName::parse(&c[1]))?;
            if table.schema.is_none() {
                table.schema = statement
                    .default_database
                    .clone()
                    .filter(|db| !db.is_empty());
            }
            Some(table)
        });
        parsed.column_conversion = CONVERSION
            .captures(message)
            .map(|c| ColumnConversionFailure {
                column: c[1].parse().unwrap_or(0),
                table: TableName::parse(&c[2]),
                from_type: c[3].to_owned(),
                to_type: c[4].to_owned(),
            });
        parsed.mariadb_gtid = MARIADB_GTID.captures(message).map(|c| c[1].to_owned());
        parsed.metadata_table = metadata_table(message);
        parsed.stopped_at = STOPPED_AT
            .captures(message)
            .and_then(|c| coordinate(c.get(1), c.get(2)));
        parsed.error_codes = error_codes(message);
        if parsed.error_codes.is_empty()
            && let Some(code) = implied_error_code(message)
        {
            parsed.error_codes.push(code);
        }
        parsed
    }

    /// The table the failing event or statement touched, when the message names one.
    pub fn table(&self) -> Option<&TableName> {
        self.row_event
            .as_ref()
            .map(|e| &e.table)
            .or(self.column_conversion.as_ref().map(|c| &c.table))
            .or(self.schema_error_table.as_ref())
            .or(self.statement_table.as_ref())
    }

    /// The most specific error number: the inner (worker/event) error rather than the
    /// coordinator's copy of it.
    pub fn error_code(&self) -> Option<u32> {
        self.error_codes.first().copied()
    }
}

/// The kind of failure a receiver (IO thread) message reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiverFailure {
    /// The source purged binlogs holding GTIDs the replica still needs (MySQL), or MariaDB's
    /// "Could not find GTID state requested by slave in any binlog files".
    SourcePurgedGtids,
    /// "Slave/Replica has more GTIDs than the master/source has".
    ReplicaHasMoreGtids,
    /// MariaDB: the GTID the replica asks for is not in the source's binlog.
    GtidNotInSourceBinlog,
    /// "Could not find first log file name in binary log index file".
    BinlogFileMissing,
    /// "log event entry exceeded max_allowed_packet".
    EventExceedsMaxAllowedPacket,
    /// "binlog truncated in the middle of event", "bogus data in log event", checksum failures.
    BinlogUnreadable,
    /// "Client requested master to start replication from position > file size".
    PositionBeyondFileSize,
    /// "Slave can not handle replication events with the checksum that master is configured to
    /// log": the replica's version predates event checksums.
    ChecksumsUnsupportedByReplica,
    /// Equal server ids / server UUIDs on both ends, or another replica with the same identity.
    IdentityConflict,
    /// "error connecting to master" / "Error connecting to source".
    ConnectionFailed,
    Other,
}

/// A receiver (IO thread) error message, read into fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverErrorMessage {
    pub failure: ReceiverFailure,
    /// The error the source sent (`Got fatal error 1236 from master`, `server_errno=1236`).
    pub source_error_code: Option<u32>,
    /// Every error number the message names, in order; the number implied by a well-known
    /// message (equal server UUIDs = 1593, a full disk = 28) when it names none.
    pub error_codes: Vec<u32>,
    /// The source's own text, inside the quotes.
    pub source_message: Option<String>,
    /// 8.0: `The GTID set sent by the replica is '...'`.
    pub gtid_set_sent_by_replica: Option<String>,
    /// 8.0: `and the missing transactions are '...'`.
    pub missing_transactions: Option<String>,
    /// `the first event 'F' at P`
    pub first_event: Option<LogCoordinate>,
    /// `the last event read from 'F' at P`
    pub last_event_read: Option<LogCoordinate>,
    /// `the last byte read from 'F' at P`
    pub last_byte_read: Option<LogCoordinate>,
    /// `user@host:port` of a connection failure.
    pub connection_target: Option<String>,
    /// The exit note's `read up to log 'F', position P`: how far the receiver got.
    #[serde(default)]
    pub read_up_to: Option<LogCoordinate>,
}

impl ReceiverErrorMessage {
    /// Reads a receiver message; `None` when the text is empty.
    pub fn parse(message: &str) -> Option<ReceiverErrorMessage> {
        static FATAL: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)Got fatal error (\d+) from (?:master|source) when reading data from binary log:\s*'(.*?)'?$",
            )
        });
        static SERVER_ERRNO: LazyLock<Regex> = LazyLock::new(|| regex(r"server_errno=(\d+)"));
        static SENT_SET: LazyLock<Regex> =
            LazyLock::new(|| regex(r"The GTID set sent by the (?:slave|replica) is '([^']*)'"));
        static MISSING: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the missing transactions are '([^']*)'"));
        static FIRST_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the first event '([^']*)' at (\d+)"));
        static LAST_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the last event read from '([^']*)' at (\d+)"));
        static LAST_BYTE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the last byte read from '([^']*)' at (\d+)"));
        static TARGET: LazyLock<Regex> =
            LazyLock::new(|| regex(r"[Ee]rror connecting to (?:master|source) '([^']*)'"));
        static READ_UP_TO: LazyLock<Regex> =
            LazyLock::new(|| regex(r"read up to log '([^']+)', position (\d+)"));

        if message.trim().is_empty() {
            return None;
        }
        let message = straight_quotes(message);
        let message = message.as_ref();
        let fatal = FATAL.captures(message);
        let source_error_code = fatal.as_ref().and_then(|c| c[1].parse().ok()).or_else(|| {
            SERVER_ERRNO
                .captures(message)
                .and_then(|c| c[1].parse().ok())
        });
        let source_message = fatal.as_ref().map(|c| c[2].to_owned());
        let capture = |re: &Regex| re.captures(message).map(|c| c[1].to_owned());
        let coordinate_of = |re: &Regex| {
            re.captures(message)
                .and_then(|c| coordinate(c.get(1), c.get(2)))
        };
        let mut codes = error_codes(message);
        if codes.is_empty()
            && let Some(code) = implied_error_code(message)
        {
            codes.push(code);
        }
        Some(ReceiverErrorMessage {
            failure: receiver_failure(message),
            source_error_code,
            error_codes: codes,
            source_message,
            gtid_set_sent_by_replica: capture(&SENT_SET),
            missing_transactions: capture(&MISSING),
            first_event: coordinate_of(&FIRST_EVENT),
            last_event_read: coordinate_of(&LAST_EVENT),
            last_byte_read: coordinate_of(&LAST_BYTE),
            connection_target: capture(&TARGET),
            read_up_to: coordinate_of(&READ_UP_TO),
        })
    }
}

fn receiver_failure(message: &str) -> ReceiverFailure {
    // Pasted messages are often wrapped: compare with single spaces.
    let m = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("purged binary logs containing gtids")
        || has("purged required binary logs")
        || has("could not find gtid state requested by slave")
    {
        ReceiverFailure::SourcePurgedGtids
    } else if has("has more gtids than the") {
        ReceiverFailure::ReplicaHasMoreGtids
    } else if has("which is not in the master's binlog")
        || has("which is not in the source's binlog")
    {
        ReceiverFailure::GtidNotInSourceBinlog
    } else if has("could not find first log file name in binary log index file") {
        ReceiverFailure::BinlogFileMissing
    } else if has("exceeded max_allowed_packet") {
        ReceiverFailure::EventExceedsMaxAllowedPacket
    } else if has("position > file size") || has("position larger than file size") {
        ReceiverFailure::PositionBeyondFileSize
    } else if has("can not handle replication events with the checksum")
        || has("cannot handle replication events with the checksum")
    {
        ReceiverFailure::ChecksumsUnsupportedByReplica
    } else if has("binlog truncated in the middle of event")
        || has("bogus data in log event")
        || has("did not pass crc check")
        || has("corrupted")
        || has("error reading header of binary log")
    {
        ReceiverFailure::BinlogUnreadable
    } else if has("equal mysql server ids")
        || has("equal mysql server uuids")
        || has("same server_uuid")
        || has("same server_id")
    {
        ReceiverFailure::IdentityConflict
    } else if has("error connecting to master") || has("error connecting to source") {
        ReceiverFailure::ConnectionFailed
    } else {
        ReceiverFailure::Other
    }
}

/// The message with typographic quotes (`‘’“”`) made straight, when a web page or a word
/// processor curled them: the server never prints them, and every pattern here expects `'`. A
/// message that also holds a straight `'` was not curled as a whole, so its curly quotes are
/// data (a value, a name) and stay.
pub fn straight_quotes(message: &str) -> Cow<'_, str> {
    // Curly quotes, and the primes some pages print for a closing quote.
    const CURLY: [char; 6] = [
        '\u{2018}', '\u{2019}', '\u{2032}', '\u{201c}', '\u{201d}', '\u{2033}',
    ];
    if message.contains('\'') || !message.contains(CURLY) {
        return Cow::Borrowed(message);
    }
    Cow::Owned(
        message
            .chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
                '\u{201c}' | '\u{201d}' | '\u{2033}' => '"',
                other => other,
            })
            .collect(),
    )
}

/// Whether `table` (`mysql.gtid_slave_pos`, `` `mysql`.`slave_worker_info` ``) is one of the
/// tables in which the replica keeps its replication state: MariaDB's `gtid_slave_pos` (and the
/// per-engine `gtid_slave_pos_InnoDB`...), MySQL's `gtid_executed` and the `slave_*_info`
/// repositories.
pub fn is_replication_metadata_table(table: &str) -> bool {
    let table = table.replace('`', "").to_ascii_lowercase();
    let Some(name) = table.strip_prefix("mysql.") else {
        return false;
    };
    name.starts_with("gtid_slave_pos")
        || matches!(
            name,
            "gtid_executed" | "slave_relay_log_info" | "slave_master_info" | "slave_worker_info"
        )
}

/// The first replication metadata table the message names.
fn metadata_table(message: &str) -> Option<String> {
    static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| regex(r"(?:`mysql`|\bmysql)\.`?\w+`?"));
    QUALIFIED
        .find_iter(message)
        .map(|m| m.as_str().replace('`', ""))
        .find(|table| is_replication_metadata_table(table))
}

fn coordinate(
    file: Option<regex::Match<'_>>,
    position: Option<regex::Match<'_>>,
) -> Option<LogCoordinate> {
    Some(LogCoordinate {
        file: file?.as_str().to_owned(),
        position: position?.as_str().parse().ok()?,
    })
}

/// Every error number a message names, in order, without repeats.
pub fn error_codes(message: &str) -> Vec<u32> {
    static CODES: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"(?:Error_code: (?:MY-0*)?|error code=|server_errno=|Got fatal error |Internal MariaDB error code: |errno: ?|Error: )(\d{1,6})\b",
        )
    });
    let mut codes = Vec::new();
    for c in CODES.captures_iter(message) {
        if let Ok(code) = c[1].parse::<u32>()
            && code != 0
            && !codes.contains(&code)
        {
            codes.push(code);
        }
    }
    codes
}

/// The error number of a well-known message text, for messages that print the text alone
/// (MariaDB parallel workers, cut-short worker rows, `Last_SQL_Error` pasted without
/// `Last_SQL_Errno`). Only texts that one error prints, worded as the server prints them.
fn implied_error_code(message: &str) -> Option<u32> {
    // Pasted messages are often wrapped: compare with single spaces.
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = message.as_str();
    const KNOWN: &[(&[&str], u32)] = &[
        (&["Lock wait timeout exceeded"], 1205),
        (&["Deadlock found when trying to get lock"], 1213),
        (&["Query execution was interrupted"], 1317),
        (&["Connection was killed"], 1927),
        (&["Duplicate entry"], 1062),
        (&["Can't find record in"], 1032),
        // ER_SLAVE_CONVERSION_FAILED.
        (&["of table '", "cannot be converted from type"], 1677),
        (&["Commit failed due to failure of an earlier commit"], 1964),
        // ER_DB_CREATE_EXISTS: "Can't create database '%s'; database exists".
        (&["Can't create database '", "'; database exists"], 1007),
        // Schema errors, by their texts: ER_TABLE_EXISTS_ERROR, ER_NO_SUCH_TABLE,
        // ER_BAD_DB_ERROR, ER_BAD_FIELD_ERROR, ER_DUP_FIELDNAME,
        // ER_DUP_KEYNAME, ER_CANT_DROP_FIELD_OR_KEY.
        (&["Table '", "' already exists"], 1050),
        (&["Table '", "' doesn't exist"], 1146),
        (&["Unknown database '"], 1049),
        (&["Unknown column '"], 1054),
        (&["Duplicate column name '"], 1060),
        (&["Duplicate key name '"], 1061),
        (&["Can't DROP '", "check that", "exists"], 1091),
        // ER_NO_REFERENCED_ROW_2 and ER_ROW_IS_REFERENCED_2.
        (
            &["Cannot add or update a child row: a foreign key constraint fails"],
            1452,
        ),
        (
            &["Cannot delete or update a parent row: a foreign key constraint fails"],
            1451,
        ),
        // mysys EE_UNKNOWN_CHARSET: "Character set '%s' is not a compiled character set and is
        // not specified in the '%s' file" (a collation id the older server does not know).
        (&["Character set '", "is not a compiled character set"], 22),
        // ER_SLAVE_FATAL_ERROR wraps these receiver messages.
        (
            &["I/O thread stops because master and slave have equal MySQL server UUIDs"],
            1593,
        ),
        (
            &["I/O thread stops because master and slave have equal MySQL server ids"],
            1593,
        ),
        // ENOSPC, the OS error of mysys EE_DISK_FULL "Disk is full writing '%s' (Errcode: %d)".
        (&["Disk is full writing"], 28),
        (&["No space left on device"], 28),
    ];
    KNOWN
        .iter()
        .find(|(texts, _)| texts.iter().all(|text| message.contains(text)))
        .map(|(_, code)| *code)
        .or_else(|| names_os_error(message, 28).then_some(28))
}

/// `(Errcode: 28)`, `(Errcode: 28 - No space left on device)`: the OS error a file operation met.
fn names_os_error(message: &str, errno: u32) -> bool {
    let wanted = errno.to_string();
    message.match_indices("Errcode: ").any(|(at, key)| {
        let rest = &message[at + key.len()..];
        rest.starts_with(&wanted) && !rest[wanted.len()..].starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_message_with_source_spelling() {
        let m = ApplierErrorMessage::parse(
            "Worker 1 failed executing transaction 'b125d82f-a2bb-11ed-bc73-16fea3664962:2' at source log binlog.000002, end_log_pos 1234; Could not execute Write_rows event on table test.t; Duplicate entry '1' for key 't.PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's source log FIRST, end_log_pos 1234, Error_code: MY-001062",
        );
        assert_eq!(m.worker_id, Some(1));
        assert_eq!(
            m.transaction,
            Some(TransactionRef::Gtid(
                "b125d82f-a2bb-11ed-bc73-16fea3664962:2".into()
            ))
        );
        assert_eq!(
            m.source_log,
            Some(LogCoordinate {
                file: "binlog.000002".into(),
                position: 1234
            })
        );
        let event = m.row_event.as_ref().unwrap();
        assert_eq!(event.event_source_log.as_ref().unwrap().file, "FIRST");
        assert_eq!(m.table().unwrap().to_string(), "test.t");
        let dup = m.duplicate_entry.as_ref().unwrap();
        assert_eq!((dup.value.as_str(), dup.key_name()), ("1", "PRIMARY"));
        assert_eq!(m.error_codes, vec![1062]);
        assert_eq!(m.handler_error.as_deref(), Some("HA_ERR_FOUND_DUPP_KEY"));
    }

    #[test]
    fn anonymous_and_empty_transactions_differ() {
        let m = ApplierErrorMessage::parse(
            "Worker 3 failed executing transaction 'ANONYMOUS' at master log DB01-mysql-bin.191922, end_log_pos 61117717; Error 'Table 'dnrOrgList' already exists' on query. Default database: 'crm_deals'. Query: 'Create temporary table crm_deals.dnrOrgList (orgid int)'",
        );
        assert_eq!(m.transaction, Some(TransactionRef::Anonymous));
        let statement = m.statement.clone().unwrap();
        assert_eq!(
            statement.error_message.as_deref(),
            Some("Table 'dnrOrgList' already exists")
        );
        assert_eq!(statement.default_database.as_deref(), Some("crm_deals"));
        assert_eq!(
            statement.query.as_deref(),
            Some("Create temporary table crm_deals.dnrOrgList (orgid int)")
        );
        // The error names the table without its schema: the default database completes it.
        assert_eq!(m.table().unwrap().to_string(), "crm_deals.dnrOrgList");
        let m = ApplierErrorMessage::parse(
            "Worker 2 failed executing transaction '' at master log , end_log_pos 0; x",
        );
        assert_eq!(m.transaction, Some(TransactionRef::Empty));
    }

    #[test]
    fn mariadb_parallel_worker_bare_message() {
        let m =
            ApplierErrorMessage::parse("Lock wait timeout exceeded; try restarting transaction");
        assert_eq!(m.error_codes, vec![1205]);
        assert!(m.worker_id.is_none());
    }

    #[test]
    fn codes_implied_by_message_text() {
        // Last_SQL_Error pasted without Last_SQL_Errno (corpus 007, 012, 015).
        let applier = |m: &str| ApplierErrorMessage::parse(m).error_codes;
        assert_eq!(
            applier(
                "Error 'Can't create database 'benchtest'; database exists' on query. Default database: 'benchtest'. Query: 'create database benchtest'"
            ),
            vec![1007]
        );
        assert_eq!(
            applier(
                "Error 'Cannot add or update a child row: a foreign key constraint fails \n(`tms`.`tm_text_unit`, CONSTRAINT `FK__TM_TEXT_UNIT__ASSET__ID` FOREIGN KEY (`asset_id`) \nREFERENCES `asset` (`id`))' on  query. Default database: 'tms'. Query: 'insert into tm_text_unit'"
            ),
            vec![1452]
        );
        assert_eq!(
            applier(
                "Could not execute Delete_rows event on table db.asset; Cannot delete or update a parent row: a foreign key constraint fails (`db`.`child`, CONSTRAINT `fk` FOREIGN KEY (`asset_id`) REFERENCES `asset` (`id`))"
            ),
            vec![1451]
        );
        assert_eq!(
            applier(
                "Error 'Character set '#255' is not a compiled character set and is not specified in the '/usr/local/mysql-5.7.44-linux-glibc2.12-x86_64/share/charsets/Index.xml' file' on query. Default database: 'db01'. Query: 'create table t1 (id int)'"
            ),
            vec![22]
        );
        // An explicit number wins over the text.
        assert_eq!(
            applier(
                "Error 'Can't create database 'x'; database exists' on query. Error_code: 1050"
            ),
            vec![1050]
        );
        // Receiver messages (corpus 023, wrapped over two lines; 032).
        let receiver = |m: &str| ReceiverErrorMessage::parse(m).unwrap().error_codes;
        assert_eq!(
            receiver(
                "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server UUIDs; \nthese UUIDs must be different for replication to work."
            ),
            vec![1593]
        );
        assert_eq!(
            receiver(
                "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server ids; these ids must be different for replication to work"
            ),
            vec![1593]
        );
        assert_eq!(
            receiver(
                "/usr/sbin/mysqld: Disk is full writing './myhostname-relay-bin.000984' (Errcode: 28). Waiting for someone to free space..."
            ),
            vec![28]
        );
        assert_eq!(
            receiver("Error writing file 'x' (Errcode: 28 - No space left on device)"),
            vec![28]
        );
        assert!(receiver("Error writing file 'x' (Errcode: 280)").is_empty());
        assert!(receiver("Slave I/O thread exiting").is_empty());
    }

    #[test]
    fn statement_logged_with_its_error_on_the_source() {
        // MySQL 5.5, corpus 036: a MyISAM update killed half-way on the source.
        let m = ApplierErrorMessage::parse(
            "Query partially completed on the master (error on master: 1317) and was aborted. There is a chance that your master is inconsistent at this point. If you are sure that your master is ok, run this query manually on the slave and then restart the slave with SET GLOBAL SQL_SLAVE_SKIP_COUNTER=1; START SLAVE; . Query: 'update t set a=1'",
        );
        let different = m.different_errors.unwrap();
        assert_eq!(different.source_error_code, 1317);
        assert_eq!(different.replica_error_code, None);
    }

    #[test]
    fn curled_quotes_are_read_as_straight_ones() {
        // Corpus 044: a blog curled every quote of the message.
        let m = ApplierErrorMessage::parse(
            "Could not execute Delete_rows event on table db.t; Can\u{2019}t find record in \u{2018}t\u{2019}, Error_code: 1032; the event\u{2019}s master log bin-log.003023, end_log_pos 552195868",
        );
        assert_eq!(m.record_not_found_in.as_deref(), Some("t"));
        assert_eq!(m.source_log.unwrap().position, 552195868);
        // Curly quotes beside straight ones are data, kept as printed.
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table db.t; Duplicate entry 'l\u{2019}\u{e9}t\u{e9}' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.duplicate_entry.unwrap().value, "l\u{2019}\u{e9}t\u{e9}");
        let r = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: \u{2018}Could not find first log file name in binary log index file\u{2019}",
        )
        .unwrap();
        assert_eq!(r.failure, ReceiverFailure::BinlogFileMissing);
        assert_eq!(r.source_error_code, Some(1236));
        // Corpus 051: primes for closing quotes, and a first letter in lower case.
        let m = ApplierErrorMessage::parse(
            "could not execute Write_rows event on table db.atable; Duplicate entry \u{2019}174465\u{2032} for key \u{2018}PRIMARY\u{2019}, Error_code: 1062",
        );
        assert_eq!(m.duplicate_entry.as_ref().unwrap().value, "174465");
        assert_eq!(m.table().unwrap().to_string(), "db.atable");
    }

    #[test]
    fn column_type_conversion_failures() {
        // Corpus 076: the page curled the quotes and printed a prime for one of them.
        let parsed = ApplierErrorMessage::parse(
            "Column 7 of table \u{2018}user_0.user_00\u{2032} cannot be converted from type \u{2018}varchar(10)\u{2019} to type \u{2018}varbinary(30)\u{2019}",
        );
        let conversion = parsed.column_conversion.clone().unwrap();
        assert_eq!(conversion.column, 7);
        assert_eq!(conversion.from_type, "varchar(10)");
        assert_eq!(conversion.to_type, "varbinary(30)");
        assert_eq!(parsed.table().unwrap().to_string(), "user_0.user_00");
        assert_eq!(parsed.error_code(), Some(1677));
    }

    #[test]
    fn the_table_a_failed_statement_writes() {
        let table = |m: &str| {
            ApplierErrorMessage::parse(m)
                .table()
                .map(ToString::to_string)
        };
        assert_eq!(
            table("Error 'Duplicate entry '%-test-' for key 'PRIMARY'' on query. Default database: 'mysql'. Query: 'INSERT INTO db SELECT * FROM tmp_db WHERE @had_db_table=0;'").as_deref(),
            Some("mysql.db")
        );
        assert_eq!(
            table("Error 'Duplicate key name 'k_3'' on query. Default database: 'sb'. Query: 'CREATE INDEX k_3 ON sbtest3(k)'").as_deref(),
            Some("sb.sbtest3")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: 'a'. Query: 'insert into `queueentry`(`identry`) values(1)'").as_deref(),
            Some("a.queueentry")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: ''. Query: 'ALTER TABLE shop.orders ADD c INT'").as_deref(),
            Some("shop.orders")
        );
        assert_eq!(
            table("Error 'x' on query. Default database: 'a'. Query: 'BEGIN'"),
            None
        );
    }

    #[test]
    fn duplicate_values_over_lines_and_keys_by_number() {
        // Corpus 062: a binary key printed with escapes, wrapped by the terminal.
        let m = ApplierErrorMessage::parse(
            "Slave SQL: Error 'Duplicate entry 'L\\xAC\\xF2\\x87'\n\\x87\\xB7' for key 'PRIMARY'' on query. Default database:\n 'vspheredb'. Query: 'INSERT INTO virtual_machine (uuid) VALUES (1)'",
        );
        let entry = m.duplicate_entry.unwrap();
        assert_eq!(entry.value, "L\\xAC\\xF2\\x87'\n\\x87\\xB7");
        assert_eq!(entry.key_name(), "PRIMARY");
        // Corpus 061: MySQL 5.0 names the key by its number.
        let m = ApplierErrorMessage::parse(
            "Slave: Error 'Duplicate entry '16063-20091009' for key 1' on query. Default database: 'vlm'.",
        );
        let entry = m.duplicate_entry.unwrap();
        assert_eq!(
            (entry.value.as_str(), entry.key_name()),
            ("16063-20091009", "1")
        );
    }

    #[test]
    fn failures_on_the_replication_metadata_tables() {
        // Corpus 048: MariaDB fails to record its GTID position.
        let m = ApplierErrorMessage::parse(
            "Slave SQL: Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1062: Duplicate entry '0-71143' for key 'PRIMARY', Gtid 0-1684298499-71198, Internal MariaDB error code: 1942",
        );
        assert_eq!(m.metadata_table.as_deref(), Some("mysql.gtid_slave_pos"));
        assert_eq!(m.error_codes, vec![1942]);
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table `mysql`.`gtid_executed`; Duplicate entry 'x' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.metadata_table.as_deref(), Some("mysql.gtid_executed"));
        assert!(is_replication_metadata_table("mysql.gtid_slave_pos_InnoDB"));
        assert!(is_replication_metadata_table("`mysql`.`slave_worker_info`"));
        assert!(!is_replication_metadata_table("mysql.user"));
        assert!(!is_replication_metadata_table("shop.gtid_executed"));
        // A user table whose schema ends in "mysql" is not the mysql schema.
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table mymysql.gtid_executed; Duplicate entry '1' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.metadata_table, None);
    }

    #[test]
    fn schema_errors_named_by_their_text() {
        let m = ApplierErrorMessage::parse(
            "Error 'Table 'shop.orders' doesn't exist' on query. Default database: 'other'. Query: 'insert into shop.orders values (1)'",
        );
        assert_eq!(m.error_codes, vec![1146]);
        assert_eq!(m.table().unwrap().to_string(), "shop.orders");
        let codes = |t: &str| ApplierErrorMessage::parse(t).error_codes;
        assert_eq!(
            codes("Error 'Unknown column 'c' in 'field list'' on query."),
            vec![1054]
        );
        assert_eq!(
            codes("Error 'Duplicate column name 'c'' on query."),
            vec![1060]
        );
        assert_eq!(
            codes("Error 'Duplicate key name 'k'' on query."),
            vec![1061]
        );
        assert_eq!(codes("Error 'Unknown database 'd'' on query."), vec![1049]);
        assert_eq!(
            codes("Error 'Can't DROP 'k'; check that column/key exists' on query."),
            vec![1091]
        );
    }

    #[test]
    fn stop_position_of_the_exit_note() {
        let m = ApplierErrorMessage::parse(
            "Slave SQL thread exiting, replication stopped in log 'slave-1-log-bin.006034' at position 10470968",
        );
        let at = m.stopped_at.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("slave-1-log-bin.006034", 10470968)
        );
    }

    #[test]
    fn stop_position_with_its_quote_lost() {
        let m = ApplierErrorMessage::parse(
            "Error running query, slave SQL thread aborted. Fix the problem, and restart the slave SQL thread with \"SLAVE START\". We stopped at log 'master-bin.000001 position 1234",
        );
        let at = m.stopped_at.unwrap();
        assert_eq!((at.file.as_str(), at.position), ("master-bin.000001", 1234));
    }

    #[test]
    fn wrapped_receiver_messages() {
        // Corpus 075: a MariaDB message wrapped over three lines.
        let m = ReceiverErrorMessage::parse(
            "Slave I/O: Got fatal error 1236 from master when reading data from binary log:\n'Error: connecting slave requested to start from GTID 0-10-3251727, which is not in the\nmaster's binlog', Internal MariaDB error code: 1236",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::GtidNotInSourceBinlog);
        assert_eq!(m.source_error_code, Some(1236));
    }

    #[test]
    fn receiver_variants() {
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from source when reading data from binary log: 'Cannot replicate because the source purged required binary logs. Replicate the missing transactions from elsewhere, or provision a new replica from backup. Consider increasing the source's binary log expiration period. The GTID set sent by the replica is '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10', and the missing transactions are '3e11fa47-71ca-11e1-9e33-c80aa9429562:11-20''",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::SourcePurgedGtids);
        assert_eq!(m.source_error_code, Some(1236));
        assert_eq!(
            m.missing_transactions.as_deref(),
            Some("3e11fa47-71ca-11e1-9e33-c80aa9429562:11-20")
        );
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::BinlogFileMissing);
        // Corpus 081.
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'Slave can not handle replication events with the checksum that master is configured to log; the first event 'mysql-bin.000990' at 661485030, the last event read from './mysql-bin.000990' at 661485030, the last byte read from './mysql-bin.000990' at 120.'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::ChecksumsUnsupportedByReplica);
        assert_eq!(m.first_event.unwrap().position, 661485030);
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'mysql-bin.000001' at 4, the last event read from './mysql-bin.000003' at 1234, the last byte read from './mysql-bin.000003' at 1253.'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::EventExceedsMaxAllowedPacket);
        assert_eq!(m.last_event_read.unwrap().position, 1234);
        let m = ReceiverErrorMessage::parse(
            "error connecting to master 'repl@db2:3306' - retry-time: 10  retries: 1, Error_code: 2005",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::ConnectionFailed);
        assert_eq!(m.connection_target.as_deref(), Some("repl@db2:3306"));
        assert_eq!(m.error_codes, vec![2005]);
        let m = ReceiverErrorMessage::parse(
            "Slave I/O thread exiting, read up to log 'binary-log.1676', position 820347988",
        )
        .unwrap();
        let at = m.read_up_to.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("binary-log.1676", 820347988)
        );
        assert!(ReceiverErrorMessage::parse("  ").is_none());
    }
}
