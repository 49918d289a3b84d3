//! What the replication threads' error messages say, as fields: the failing transaction, the
//! event and its coordinate, the table, the key, the error on each side. Whatever a message does
//! not say stays `None`. The messages are read by [`crate::text::messages`].

use serde::{Deserialize, Serialize};

/// Kept at this path for the crates that call it here.
pub use crate::text::messages::straight_quotes;

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
    /// "Client requested master to start replication from impossible position": the position
    /// asked for is not where an event starts.
    ImpossiblePosition,
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
