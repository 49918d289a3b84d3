//! What the server's threads were doing: processlist rows and InnoDB lock waits.

use serde::{Deserialize, Serialize};

use super::fields::{FieldValue, RawField};
use super::provenance::Provenance;
use super::time::LogTime;

/// One row of `SHOW [FULL] PROCESSLIST` / `information_schema.PROCESSLIST`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRow {
    pub id: Option<u64>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub db: Option<String>,
    pub command: Option<String>,
    /// Seconds in the current state.
    pub time: Option<i64>,
    pub state: Option<String>,
    pub info: Option<String>,
    pub raw: Vec<RawField>,
    pub origin: Provenance,
}

impl ProcessRow {
    pub fn new(origin: Provenance) -> ProcessRow {
        ProcessRow {
            id: None,
            user: None,
            host: None,
            db: None,
            command: None,
            time: None,
            state: None,
            info: None,
            raw: Vec::new(),
            origin,
        }
    }

    /// One column; `performance_schema.threads` names them `PROCESSLIST_ID`,
    /// `PROCESSLIST_STATE`... (its own `THREAD_ID`, `NAME`, `TYPE` are no processlist's).
    pub fn set_field(&mut self, name: &str, value: &str) -> bool {
        let normalised = RawField::record(&mut self.raw, name, value);
        match normalised
            .strip_prefix("processlist_")
            .unwrap_or(&normalised)
        {
            "id" => self.id = FieldValue::from_text(value),
            "user" => self.user = FieldValue::from_text(value),
            "host" => self.host = FieldValue::from_text(value),
            "db" => self.db = FieldValue::from_text(value),
            "command" => self.command = FieldValue::from_text(value),
            "time" => self.time = FieldValue::from_text(value),
            "state" => self.state = FieldValue::from_text(value),
            "info" => self.info = FieldValue::from_text(value),
            _ => return false,
        }
        true
    }

    /// Replication threads run as `system user` (MySQL, MariaDB).
    pub fn is_system_user(&self) -> bool {
        self.user
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case("system user"))
    }
}

/// A transaction waiting for a lock another holds: `sys.innodb_lock_waits`,
/// `information_schema.INNODB_LOCK_WAITS` (5.7, MariaDB) or `performance_schema.data_lock_waits`
/// (8.0), or a `LOCK WAIT` transaction of SHOW ENGINE INNODB STATUS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockWait {
    pub waiting_trx_id: Option<String>,
    /// Processlist id of the waiting session.
    pub waiting_thread_id: Option<u64>,
    pub waiting_query: Option<String>,
    pub blocking_trx_id: Option<String>,
    pub blocking_thread_id: Option<u64>,
    pub blocking_query: Option<String>,
    pub locked_table: Option<String>,
    pub locked_index: Option<String>,
    pub lock_mode: Option<String>,
    pub wait_started: Option<LogTime>,
    pub wait_seconds: Option<u64>,
    pub raw: Vec<RawField>,
    pub origin: Provenance,
}

impl LockWait {
    pub fn new(origin: Provenance) -> LockWait {
        LockWait {
            waiting_trx_id: None,
            waiting_thread_id: None,
            waiting_query: None,
            blocking_trx_id: None,
            blocking_thread_id: None,
            blocking_query: None,
            locked_table: None,
            locked_index: None,
            lock_mode: None,
            wait_started: None,
            wait_seconds: None,
            raw: Vec::new(),
            origin,
        }
    }

    /// Sets a field from a column of any of the lock-wait views; returns whether it is known.
    pub fn set_field(&mut self, name: &str, value: &str) -> bool {
        match RawField::record(&mut self.raw, name, value).as_str() {
            "waiting_trx_id" | "requesting_trx_id" | "requesting_engine_transaction_id" => {
                self.waiting_trx_id = FieldValue::from_text(value)
            }
            "waiting_pid" | "requesting_thread_id" => {
                self.waiting_thread_id = FieldValue::from_text(value)
            }
            "waiting_query" => self.waiting_query = FieldValue::from_text(value),
            "blocking_trx_id" | "blocking_engine_transaction_id" => {
                self.blocking_trx_id = FieldValue::from_text(value)
            }
            "blocking_pid" | "blocking_thread_id" => {
                self.blocking_thread_id = FieldValue::from_text(value)
            }
            "blocking_query" => self.blocking_query = FieldValue::from_text(value),
            "locked_table" => self.locked_table = FieldValue::from_text(value),
            "locked_index" => self.locked_index = FieldValue::from_text(value),
            "locked_type" | "waiting_lock_mode" | "lock_mode" => {
                self.lock_mode = FieldValue::from_text(value)
            }
            "wait_started" => self.wait_started = FieldValue::from_text(value),
            "wait_age_secs" => self.wait_seconds = FieldValue::from_text(value),
            "requested_lock_id"
            | "blocking_lock_id"
            | "wait_age"
            | "waiting_trx_started"
            | "waiting_trx_age"
            | "blocking_trx_started"
            | "blocking_trx_age"
            | "engine"
            | "requesting_engine_lock_id"
            | "blocking_engine_lock_id"
            | "requesting_event_id"
            | "requesting_object_instance_begin"
            | "blocking_event_id"
            | "blocking_object_instance_begin" => {}
            _ => return false,
        }
        true
    }
}
