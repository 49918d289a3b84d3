//! Turning a row of output (vertical `\G` record or table row) into model items, by what its
//! columns say it is.

use std::collections::HashSet;

use crate::model::variables::{is_known_variable_name, normalise_variable_name};
use crate::model::{
    BinlogEvent, BinlogPosition, ChannelStatus, CoordinatorRow, ErrorLogFormat, ErrorLogLine,
    GtidExecutedRow, GtidText, InnodbTransaction, LockWait, LogFileEntry, LogLevel, LogTime,
    ProcessRow, Provenance, ServerEvidence, StatusSample, TableColumn, WorkerRow,
};

use super::backup_log::classify_backup_message;

/// Column name and value, as printed.
pub(crate) type Field = (String, String);

/// What a row of output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowKind {
    Channel,
    Worker,
    Coordinator,
    Process,
    /// SHOW VARIABLES: `Variable_name`/`Value`.
    VariableTable,
    /// Columns that are themselves variables (`@@server_id`, `gtid_executed: ...`).
    VariableColumns,
    /// `Executed_Gtid_Set` alone, cut out of SHOW SLAVE STATUS or SHOW MASTER STATUS: both print
    /// the server's `gtid_executed`, so it is read as that variable rather than as a channel
    /// (whose threads and source the line does not show, and which a source does not have).
    ExecutedGtidSet,
    BinlogPosition,
    BinaryLogs,
    BinlogEvents,
    LockWait,
    InnodbTrx,
    GtidExecutedTable,
    ErrorLogTable,
    /// The `Type`/`Name`/`Status` wrapper of SHOW ENGINE INNODB STATUS: nothing of its own.
    EngineStatusWrapper,
    /// A column of a table (`information_schema.COLUMNS`, possibly joined with the indexes it
    /// is part of).
    TableColumn,
    /// A column of an index: `SHOW INDEX`, `information_schema.STATISTICS`.
    IndexColumn,
    /// `SHOW CREATE TABLE`: `Table`, `Create Table`.
    CreateTable,
}

const CHANNEL_MARKERS: &[&str] = &[
    "slave_io_running",
    "replica_io_running",
    "slave_sql_running",
    "replica_sql_running",
    "slave_io_state",
    "replica_io_state",
    "master_host",
    "source_host",
    "last_sql_errno",
    "last_sql_error",
    "last_io_errno",
    "last_io_error",
    "last_errno",
    "last_error",
    "seconds_behind_master",
    "seconds_behind_source",
    "exec_master_log_pos",
    "exec_source_log_pos",
    "read_master_log_pos",
    "read_source_log_pos",
    "relay_master_log_file",
    "relay_source_log_file",
    "slave_sql_running_state",
    "replica_sql_running_state",
    "sql_delay",
    "sql_remaining_delay",
    "gtid_io_pos",
    "connection_name",
    "retrieved_gtid_set",
];

/// Decides what a row is from its column names and the statement that produced it.
pub(crate) fn classify(names: &[String], statement: Option<&str>) -> Option<RowKind> {
    let lower: Vec<String> = names
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let has = |n: &str| lower.iter().any(|l| l == n);
    let statement = statement.unwrap_or("");
    if has("create table") {
        return Some(RowKind::CreateTable);
    }
    if has("column_name") && has("ordinal_position") && has("table_name") {
        return Some(RowKind::TableColumn);
    }
    if has("column_name") && has("seq_in_index") && (has("key_name") || has("index_name")) {
        return Some(RowKind::IndexColumn);
    }
    if has("worker_id") || statement.contains("applier_status_by_worker") {
        return Some(RowKind::Worker);
    }
    if statement.contains("by_coordinator")
        || has("last_processed_transaction")
        || has("processing_transaction")
    {
        return Some(RowKind::Coordinator);
    }
    if has("file") && has("position") {
        return Some(RowKind::BinlogPosition);
    }
    if has("log_name") && has("event_type") {
        return Some(RowKind::BinlogEvents);
    }
    if has("log_name") && has("file_size") {
        return Some(RowKind::BinaryLogs);
    }
    if has("variable_name") && has("value") {
        return Some(RowKind::VariableTable);
    }
    if has("id") && (has("command") || has("state")) && (has("user") || has("host")) {
        return Some(RowKind::Process);
    }
    // performance_schema.threads: the processlist's columns under `PROCESSLIST_*`.
    if has("processlist_id") && (has("processlist_state") || has("processlist_command")) {
        return Some(RowKind::Process);
    }
    if [
        "waiting_trx_id",
        "requesting_trx_id",
        "requesting_engine_transaction_id",
        "blocking_pid",
    ]
    .iter()
    .any(|n| has(n))
    {
        return Some(RowKind::LockWait);
    }
    if has("trx_id") && has("trx_state") {
        return Some(RowKind::InnodbTrx);
    }
    if has("source_uuid") && has("interval_start") && has("interval_end") {
        return Some(RowKind::GtidExecutedTable);
    }
    if has("logged") && has("prio") && has("data") {
        return Some(RowKind::ErrorLogTable);
    }
    if has("status")
        && lower
            .iter()
            .all(|l| ["type", "name", "status"].contains(&l.as_str()))
    {
        return Some(RowKind::EngineStatusWrapper);
    }
    if CHANNEL_MARKERS.iter().any(|m| has(m))
        || (statement.contains("slave status") || statement.contains("replica status"))
    {
        return Some(RowKind::Channel);
    }
    if lower.iter().all(|l| l == "executed_gtid_set") {
        return Some(RowKind::ExecutedGtidSet);
    }
    if !lower.is_empty()
        && lower
            .iter()
            .all(|l| l.starts_with("@@") || is_known_variable_name(l))
    {
        return Some(RowKind::VariableColumns);
    }
    None
}

/// The sample a new item goes to. An item whose identity (`key`) is already in the current
/// sample starts a new one: the same channel, worker or process seen twice means the DBA pasted
/// a second look. `keys` holds the identities of the current sample.
fn sample_for<'s>(
    server: &'s mut ServerEvidence,
    keys: &mut HashSet<String>,
    key: Option<String>,
) -> &'s mut StatusSample {
    let clash = key.as_ref().is_some_and(|k| keys.contains(k));
    if clash || server.samples.is_empty() {
        server.samples.push(StatusSample::default());
        keys.clear();
    }
    if let Some(key) = key {
        keys.insert(key);
    }
    let last = server.samples.len() - 1;
    &mut server.samples[last]
}

/// SHOW SLAVE/REPLICA STATUS answered with no row (`Empty set`): the server has no channel.
pub(crate) fn add_empty_replica_status(server: &mut ServerEvidence, keys: &mut HashSet<String>) {
    // A second look at the status starts a sample of its own, as a second channel row would.
    sample_for(server, keys, Some("replica status".to_owned())).replica_status_read = true;
}

/// Adds one row of a known kind to the server. `Err` says what in the row could not be read
/// (a `CREATE TABLE` that does not parse); the rest of the row is kept.
pub(crate) fn add_row(
    server: &mut ServerEvidence,
    keys: &mut HashSet<String>,
    kind: RowKind,
    fields: &[Field],
    statement: Option<&str>,
    origin: Provenance,
) -> Result<(), String> {
    let statement = statement.unwrap_or("");
    match kind {
        RowKind::Channel => {
            let mut channel = ChannelStatus::new(origin);
            for (name, value) in fields {
                channel.set_field(name, value);
            }
            let key = format!("channel {}", channel.channel_name);
            let sample = sample_for(server, keys, Some(key));
            sample.replica_status_read = true;
            sample.channels.push(channel);
        }
        RowKind::Worker => {
            let mut worker = WorkerRow::new(origin);
            for (name, value) in fields {
                worker.set_field(name, value);
            }
            let key = format!("worker {} {:?}", worker.channel_name, worker.worker_id);
            sample_for(server, keys, Some(key)).workers.push(worker);
        }
        RowKind::Coordinator => {
            let mut coordinator = CoordinatorRow::new(origin);
            for (name, value) in fields {
                coordinator.set_field(name, value);
            }
            let key = format!("coordinator {}", coordinator.channel_name);
            sample_for(server, keys, Some(key))
                .coordinators
                .push(coordinator);
        }
        RowKind::Process => {
            let mut row = ProcessRow::new(origin);
            for (name, value) in fields {
                row.set_field(name, value);
            }
            let key = row.id.map(|id| format!("process {id}"));
            sample_for(server, keys, key).processlist.push(row);
        }
        RowKind::LockWait => {
            let mut wait = LockWait::new(origin);
            for (name, value) in fields {
                wait.set_field(name, value);
            }
            sample_for(server, keys, None).lock_waits.push(wait);
        }
        RowKind::InnodbTrx => {
            let value = |n: &str| field(fields, n);
            let trx_id = value("trx_id").unwrap_or_default();
            let mut trx = InnodbTransaction::new(trx_id, origin);
            trx.state = value("trx_state").map(str::to_owned);
            trx.started = value("trx_started").and_then(LogTime::parse);
            trx.thread_id = value("trx_mysql_thread_id").and_then(|v| v.parse().ok());
            trx.query = value("trx_query")
                .filter(|q| !q.eq_ignore_ascii_case("NULL"))
                .map(str::to_owned);
            let key = format!("trx {}", trx.trx_id);
            sample_for(server, keys, Some(key))
                .innodb_transactions
                .push(trx);
        }
        RowKind::BinlogPosition => {
            let position = BinlogPosition {
                file: field(fields, "file").unwrap_or_default().to_owned(),
                position: field(fields, "position").and_then(|p| p.parse().ok()),
                executed_gtid_set: field(fields, "executed_gtid_set").and_then(GtidText::new),
                binlog_do_db: field(fields, "binlog_do_db")
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_owned),
                binlog_ignore_db: field(fields, "binlog_ignore_db")
                    .filter(|v| !v.trim().is_empty())
                    .map(str::to_owned),
                origin,
            };
            sample_for(server, keys, Some("binlog position".to_owned())).binlog_position =
                Some(position);
        }
        RowKind::BinaryLogs => {
            let entry = LogFileEntry {
                name: field(fields, "log_name").unwrap_or_default().to_owned(),
                size: field(fields, "file_size").and_then(|s| s.parse().ok()),
                encrypted: field(fields, "encrypted").and_then(crate::model::fields::parse_switch),
                origin,
            };
            if statement.contains("relay") {
                server.relay_logs.push(entry);
            } else {
                server.binary_logs.push(entry);
            }
        }
        RowKind::BinlogEvents => {
            let info = field(fields, "info").unwrap_or_default();
            let gtid = info
                .split_once("GTID_NEXT=")
                .or_else(|| info.split_once("GTID_NEXT ="))
                .map(|(_, g)| g.trim().trim_matches(['\'', ' ']).to_owned())
                .or_else(|| {
                    info.strip_prefix("BEGIN GTID ")
                        .map(|g| g.trim().to_owned())
                });
            server.binlog_events.push(BinlogEvent {
                log_file: field(fields, "log_name").map(str::to_owned),
                start_position: field(fields, "pos").and_then(|p| p.parse().ok()),
                end_log_pos: field(fields, "end_log_pos").and_then(|p| p.parse().ok()),
                time: None,
                server_id: field(fields, "server_id").and_then(|p| p.parse().ok()),
                event_type: field(fields, "event_type").unwrap_or_default().to_owned(),
                detail: info.to_owned(),
                attributes: Vec::new(),
                gtid,
                body: Vec::new(),
                origin,
            });
        }
        RowKind::TableColumn | RowKind::IndexColumn => add_table_row(server, fields, origin),
        RowKind::CreateTable => {
            let statement = field(fields, "create table").unwrap_or_default();
            for table in super::create_table::create_tables(statement, None, &origin) {
                server.add_table(table.map_err(|e| e.to_string())?);
            }
        }
        RowKind::VariableTable => {
            if let (Some(name), Some(value)) =
                (field(fields, "variable_name"), field(fields, "value"))
            {
                // SHOW STATUS prints counters capitalised, SHOW VARIABLES in lower case.
                let status_only = statement.contains("status") && !statement.contains("variables");
                if status_only || name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    server.status.set(name, value, origin);
                } else {
                    server.variables.set(name, value, origin);
                }
            }
        }
        RowKind::VariableColumns => {
            for (name, value) in fields {
                server.variables.set(name, value, origin.clone());
            }
        }
        RowKind::ExecutedGtidSet => {
            if let Some(value) = field(fields, "executed_gtid_set") {
                server.variables.set("gtid_executed", value, origin);
            }
        }
        RowKind::GtidExecutedTable => {
            let number = |n: &str| field(fields, n).and_then(|v| v.parse().ok());
            if let (Some(uuid), Some(start), Some(end)) = (
                field(fields, "source_uuid"),
                number("interval_start"),
                number("interval_end"),
            ) {
                server.gtid_executed_table.push(GtidExecutedRow {
                    source_uuid: uuid.to_owned(),
                    interval_start: start,
                    interval_end: end,
                    gtid_tag: field(fields, "gtid_tag")
                        .filter(|t| !t.is_empty() && !t.eq_ignore_ascii_case("NULL"))
                        .map(str::to_owned),
                    origin,
                });
            }
        }
        RowKind::ErrorLogTable => {
            let subsystem = field(fields, "subsystem").map(str::to_owned);
            let message = field(fields, "data").unwrap_or_default().to_owned();
            let line = ErrorLogLine {
                time: field(fields, "logged").and_then(LogTime::parse),
                thread: field(fields, "thread_id").and_then(|t| t.parse().ok()),
                level: LogLevel::parse(field(fields, "prio").unwrap_or_default()),
                log_code: field(fields, "error_code")
                    .and_then(|c| c.trim_start_matches("MY-").parse().ok()),
                subsystem,
                message,
                format: ErrorLogFormat::Mysql8,
                origin,
            };
            add_error_log_line(server, line);
        }
        RowKind::EngineStatusWrapper => {}
    }
    Ok(())
}

/// Error-log lines of xtrabackup 8.0 (subsystem `Xtrabackup`) go to the backup log.
pub(crate) fn add_error_log_line(server: &mut ServerEvidence, line: ErrorLogLine) {
    if line
        .subsystem
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("xtrabackup"))
    {
        server.backup_log.push(crate::model::BackupLogLine {
            time: line.time,
            tool: Some(crate::model::BackupTool::Xtrabackup),
            event: classify_backup_message(&line.message),
            message: line.message,
            origin: line.origin,
        });
    } else {
        server.error_log.push(line);
    }
}

/// A row of performance_schema error columns pasted without its statement, whose message says
/// it is a worker's (`LAST_ERROR_MESSAGE: Worker 1 failed executing transaction ...`).
pub(crate) fn is_worker_error_row(fields: &[Field]) -> bool {
    const ERROR_COLUMNS: &[&str] = &[
        "last_error_message",
        "last_error_number",
        "last_error_timestamp",
        "channel_name",
        "thread_id",
        "service_state",
    ];
    fields
        .iter()
        .all(|(n, _)| ERROR_COLUMNS.contains(&n.trim().to_ascii_lowercase().as_str()))
        && field(fields, "last_error_message").is_some_and(|m| {
            m.strip_prefix("Worker ")
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        })
}

/// A row of `information_schema.COLUMNS`/`STATISTICS` or `SHOW INDEX` into the table's
/// definition: the column at its ordinal, the index part at its place.
fn add_table_row(server: &mut ServerEvidence, fields: &[Field], origin: Provenance) {
    let value =
        |n: &str| field(fields, n).filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NULL"));
    let Some(name) = value("table_name").or_else(|| value("table")) else {
        return;
    };
    let Some(column) = value("column_name") else {
        return;
    };
    let schema = value("table_schema").map(str::to_owned);
    let table = server.table_mut(schema, name, origin);
    if let Some(ordinal) = value("ordinal_position").and_then(|o| o.parse().ok()) {
        table.set_column(
            ordinal,
            TableColumn {
                name: column.to_owned(),
                column_type: value("column_type")
                    .or_else(|| value("data_type"))
                    .map(str::to_owned),
                auto_increment: value("extra")
                    .is_some_and(|e| e.to_ascii_lowercase().contains("auto_increment")),
                // `VIRTUAL GENERATED`, `STORED GENERATED`; not MySQL's `DEFAULT_GENERATED` of a
                // column with an expression as its default.
                generated: value("extra").is_some_and(|e| {
                    let e = e.to_ascii_uppercase();
                    e.contains("VIRTUAL GENERATED") || e.contains("STORED GENERATED")
                }),
            },
        );
    }
    let index = value("index_name").or_else(|| value("key_name"));
    let sequence = value("seq_in_index").and_then(|s| s.parse().ok());
    if let (Some(index), Some(sequence)) = (index, sequence) {
        let unique = value("non_unique") == Some("0");
        table.add_index_part(index, unique, sequence, column);
    }
}

fn field<'f>(fields: &'f [Field], name: &str) -> Option<&'f str> {
    fields
        .iter()
        .find(|(n, _)| normalise_variable_name(n) == name)
        .map(|(_, v)| v.trim())
}
