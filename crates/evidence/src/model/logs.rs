//! Lines of the server error log, of backup tools' logs and errors client programs printed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::messages::{ApplierErrorMessage, ReceiverErrorMessage};
use super::provenance::Provenance;
use super::time::LogTime;
use crate::text::messages;

/// The layout an error-log line was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorLogFormat {
    /// MySQL 8.0+: `2021-06-04T11:05:30.474279Z 0 [Warning] [MY-010604] [Repl] message`.
    Mysql8,
    /// MySQL 5.7: `2019-10-29T03:29:51.885616+08:00 11 [ERROR] message`.
    Mysql57,
    /// MySQL 5.6 and MariaDB 10.x: `2019-04-15 21:39:29 140712106015488 [ERROR] message`.
    SpaceSeparated,
    /// MySQL 5.5 and MariaDB 5.5/10.0: `160118 17:33:11 [ERROR] message`.
    Legacy,
    /// MySQL 5.0 and older: `060614 11:17:42 message`, no level: the level was inferred from
    /// the message (see [`LogLevel::infer`]).
    LegacyNoLevel,
    /// A line whose time was cut off when it was pasted: `[ERROR] message`.
    Untimed,
    /// A replication thread's error message pasted alone, without time, level or field name
    /// (the text of `Last_IO_Error` copied out of the status): read as an error.
    MessageOnly,
}

/// The severity printed in brackets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Error,
    Warning,
    Note,
    System,
    Other(String),
}

impl LogLevel {
    pub fn parse(text: &str) -> LogLevel {
        match text.to_ascii_lowercase().as_str() {
            "error" => LogLevel::Error,
            "warning" => LogLevel::Warning,
            "note" | "information" | "info" => LogLevel::Note,
            "system" => LogLevel::System,
            _ => LogLevel::Other(text.to_owned()),
        }
    }

    /// The level of a message printed without one (MySQL 5.0 and older): an error when it says
    /// so or names an error number, a warning when it says so, else a note.
    pub fn infer(message: &str) -> LogLevel {
        let m = message.trim_start().to_ascii_lowercase();
        let names_error = [
            "error_code:",
            "server_errno=",
            "errno:",
            "errcode:",
            "fatal error",
        ]
        .iter()
        .any(|s| m.contains(s));
        // "Slave I/O thread: error connecting to master", "Error reading packet from server".
        let says_error = m.starts_with("error")
            || m.contains(": error ")
            || m.starts_with("slave: error")
            || m.contains("disk is full");
        if names_error || says_error {
            LogLevel::Error
        } else if m.starts_with("warning") || m.contains(": warning") {
            LogLevel::Warning
        } else {
            LogLevel::Note
        }
    }
}

/// Which replication thread an error-log message speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicationThread {
    /// SQL thread, coordinator or worker.
    Applier,
    /// IO thread.
    Receiver,
}

/// One error-log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorLogLine {
    pub time: Option<LogTime>,
    /// The server thread (connection id; MariaDB prints the OS thread handle).
    pub thread: Option<u64>,
    pub level: LogLevel,
    /// MySQL 8's message identifier, `MY-010584` read as 10584. Not the server error that the
    /// message reports: see [`ErrorLogLine::error_codes`].
    pub log_code: Option<u32>,
    /// MySQL 8's subsystem: `Repl`, `Server`, `InnoDB`...
    pub subsystem: Option<String>,
    pub message: String,
    pub format: ErrorLogFormat,
    pub origin: Provenance,
}

impl ErrorLogLine {
    /// Server error numbers the message names (`Error_code: 1062`, `server_errno=1236`).
    pub fn error_codes(&self) -> Vec<u32> {
        messages::error_codes(&self.message)
    }

    /// The channel the message names: MySQL `for channel 'name'`, MariaDB's `Master 'name': `
    /// prefix.
    pub fn channel(&self) -> Option<&str> {
        let m = self.message.as_str();
        let start = if let Some(rest) = m.strip_prefix("Master '") {
            m.len() - rest.len()
        } else {
            m.find("for channel '")? + "for channel '".len()
        };
        let len = m[start..].find('\'')?;
        Some(&m[start..start + len])
    }

    /// The message without MariaDB's `Master 'name': ` connection prefix.
    fn unprefixed_message(&self) -> &str {
        let m = self.message.as_str();
        m.strip_prefix("Master '")
            .and_then(|rest| rest.split_once("': "))
            .map_or(m, |(_, rest)| rest)
    }

    /// `Error running query, slave SQL thread aborted. ... We stopped at log ...`: the line the
    /// applier writes after its error, saying where it stopped (some versions and pastes lose
    /// the space after the comma).
    pub fn is_applier_abort(&self) -> bool {
        let m = self.unprefixed_message();
        m.starts_with("Error running query,") && m.contains("SQL thread aborted")
    }

    /// Which replication thread wrote this line, from the message's own prefix.
    pub fn replication_thread(&self) -> Option<ReplicationThread> {
        let m = self.unprefixed_message();
        if self.is_applier_abort() {
            return Some(ReplicationThread::Applier);
        }
        thread_named_by(m).or_else(|| {
            // A message pasted alone says its thread by its template alone.
            (self.format == ErrorLogFormat::MessageOnly)
                .then(|| messages::catalogue::recognise(m).map(|template| template.thread))
                .flatten()
        })
    }

    /// The applier error this line reports, read into fields.
    pub fn applier_error(&self) -> Option<ApplierErrorMessage> {
        (self.replication_thread() == Some(ReplicationThread::Applier))
            .then(|| ApplierErrorMessage::parse(&self.message))
    }

    /// The receiver error this line reports, read into fields.
    pub fn receiver_error(&self) -> Option<ReceiverErrorMessage> {
        if self.replication_thread() == Some(ReplicationThread::Receiver) {
            ReceiverErrorMessage::parse(&self.message)
        } else {
            None
        }
    }
}

/// The thread a replication message names by its opening words (`Slave SQL for channel`,
/// `Could not execute ...`, `Fatal error: The slave I/O thread ...`), wherever it was printed.
pub fn thread_named_by(message: &str) -> Option<ReplicationThread> {
    const APPLIER: &[&str] = &[
        "Slave SQL",
        "Replica SQL",
        "Slave worker",
        "Replica worker",
        "Slave: ",
        "Replica: ",
        "Slave (additional info)",
        // The applier's messages pasted without their thread's prefix (the text of
        // `Last_SQL_Error` alone).
        "Coordinator stopped because there were error",
        "Could not execute ",
        "Query caused different errors on",
        "Query partially completed on the",
        "Relay log read failure",
        "Could not parse relay log event entry",
    ];
    const RECEIVER: &[&str] = &[
        "Slave I/O",
        "Replica I/O",
        "Error reading packet from server",
        "Got fatal error",
        // The receiver's messages pasted without their thread's prefix.
        "Fatal error: The slave I/O thread",
        "Fatal error: The replica I/O thread",
        "Error connecting to master",
        "Error connecting to source",
    ];
    // Pages and chat tools lower-case a message's first letter.
    let m = capitalised(message);
    let m = m.as_ref();
    let worker_failure = m.starts_with("Worker ") && m.contains(" failed executing transaction");
    // `Error 'Table 't' already exists' on query. Default database: ...`
    let failed_statement = m.starts_with("Error '") && m.contains("' on query.");
    if APPLIER.iter().any(|p| m.starts_with(p)) || worker_failure || failed_statement {
        Some(ReplicationThread::Applier)
    } else if RECEIVER.iter().any(|p| m.starts_with(p)) || writes_relay_log_on_full_disk(m) {
        Some(ReplicationThread::Receiver)
    } else {
        None
    }
}

/// The text with its first letter in upper case.
fn capitalised(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some(first) if first.is_lowercase() => {
            let mut owned: String = first.to_uppercase().collect();
            owned.push_str(&text[first.len_utf8()..]);
            std::borrow::Cow::Owned(owned)
        }
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// `mysqld: Disk is full writing './host-relay-bin.000984' (Errcode: 28)`: only the receiver
/// writes relay logs, so the line speaks for it (a full disk met by another file names no
/// thread).
fn writes_relay_log_on_full_disk(message: &str) -> bool {
    message
        .split_once("Disk is full writing '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .is_some_and(|(file, _)| file.contains("relay"))
}

/// The program that printed a [`ClientError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientProgram {
    /// The `mysql`/`mariadb` command-line client: `ERROR 1872 (HY000): message`.
    Mysql,
    /// mysqlbinlog reading a binlog or relay log: `ERROR: Error in Log_event::read_log_event()...`.
    Mysqlbinlog,
    /// Another program that printed the server's error in its own framing: a connector, a
    /// binlog client, a CDC tool (`errno = 1236, sqlstate = HY000 errmsg = ...`).
    Other,
}

/// An error a client program printed in the pasted session: the server's answer to a statement
/// the DBA typed (`start slave;` → `ERROR 1872 (HY000): Slave failed to initialize relay log
/// info structure from the repository`), or mysqlbinlog failing to read an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientError {
    pub program: ClientProgram,
    /// The server error number; `None` for mysqlbinlog's own errors.
    pub code: Option<u32>,
    /// `HY000` of `ERROR 1872 (HY000)`.
    pub sqlstate: Option<String>,
    pub message: String,
    /// The statement typed at the prompt before the error, as typed.
    pub statement: Option<String>,
    /// mysqlbinlog: the type number of the event it could not read (`event_type: 34`).
    pub event_type: Option<u32>,
    /// mysqlbinlog: the event's length in its header (`data_len: 61`).
    pub data_len: Option<u64>,
    /// mysqlbinlog: where it stopped (`Could not read entry at offset 270`).
    pub offset: Option<u64>,
    pub origin: Provenance,
}

/// The backup tool that wrote a backup-log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupTool {
    Xtrabackup,
    Mariabackup,
}

/// What a backup-log line says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackupEvent {
    /// The tool announced itself (`xtrabackup version 2.4.20 based on ...`).
    Started {
        tool_version: Option<String>,
    },
    /// `recognized client/server arguments: --kill-long-query-type=all ...`, or the tool's
    /// command line: the options that matter for replication (kill, lock, safe-slave).
    Options {
        options: BTreeMap<String, String>,
    },
    /// `Using server version 5.7.31-log`.
    ServerVersion {
        version: String,
    },
    /// `Executing FLUSH TABLES WITH READ LOCK...`: the global read lock is requested.
    GlobalReadLock,
    /// A backup lock instead of FTWRL: `LOCK TABLES FOR BACKUP`, `LOCK INSTANCE FOR BACKUP`,
    /// `LOCK BINLOG FOR BACKUP`, MariaDB `BACKUP STAGE ...`.
    BackupLock {
        statement: String,
    },
    /// `Waiting N seconds for queries running longer than M seconds to finish`.
    WaitingForQueries {
        timeout_seconds: u64,
        threshold_seconds: u64,
    },
    /// `Kill query timeout N seconds.`: the killer thread is armed.
    KillTimeoutArmed {
        seconds: u64,
    },
    /// `Killing query 12345 (duration 61 sec): UPDATE ...`.
    KilledQuery {
        thread_id: u64,
        duration_seconds: Option<u64>,
        query: String,
    },
    /// `Executing UNLOCK TABLES`, `All tables unlocked`, `BACKUP STAGE END`.
    LocksReleased,
    /// `completed OK!`.
    Finished,
    /// An error the tool reported.
    Failed,
    Other,
}

/// One line of an xtrabackup or mariabackup log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupLogLine {
    pub time: Option<LogTime>,
    pub tool: Option<BackupTool>,
    pub event: BackupEvent,
    pub message: String,
    pub origin: Provenance,
}
