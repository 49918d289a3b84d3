//! The multi-threaded applier: coordinator and worker rows of performance_schema.
//!
//! `replication_applier_status_by_worker` and `..._by_coordinator` (MySQL 5.7: `LAST_SEEN_TRANSACTION`;
//! 8.0: `LAST_APPLIED_TRANSACTION`, `APPLYING_TRANSACTION` and their timestamps), MariaDB's
//! `information_schema.SLAVE_STATUS`-less world has none of these: there the processlist is the
//! only view of the workers.

use serde::{Deserialize, Serialize};

use super::fields::{FieldValue, RawField};
use super::messages::{ApplierErrorMessage, TransactionRef};
use super::provenance::Provenance;
use super::time::LogTime;

/// One row of `performance_schema.replication_applier_status_by_worker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRow {
    pub channel_name: String,
    pub worker_id: Option<u32>,
    /// performance_schema thread id; `NULL` (absent) once the worker stopped.
    pub thread_id: Option<u64>,
    /// `ON` / `OFF`.
    pub service_state: Option<String>,
    /// 5.7 `LAST_SEEN_TRANSACTION`.
    pub last_seen_transaction: Option<TransactionRef>,
    /// 8.0 `LAST_APPLIED_TRANSACTION`.
    pub last_applied_transaction: Option<TransactionRef>,
    /// 8.0 `APPLYING_TRANSACTION`: what the worker is on now.
    pub applying_transaction: Option<TransactionRef>,
    pub applying_transaction_start_apply_timestamp: Option<LogTime>,
    pub applying_transaction_retries_count: Option<u64>,
    pub last_applied_transaction_end_apply_timestamp: Option<LogTime>,
    pub last_error_number: Option<u32>,
    pub last_error_message: Option<String>,
    pub last_error_timestamp: Option<LogTime>,
    pub raw: Vec<RawField>,
    pub origin: Provenance,
}

impl WorkerRow {
    pub fn new(origin: Provenance) -> WorkerRow {
        WorkerRow {
            channel_name: String::new(),
            worker_id: None,
            thread_id: None,
            service_state: None,
            last_seen_transaction: None,
            last_applied_transaction: None,
            applying_transaction: None,
            applying_transaction_start_apply_timestamp: None,
            applying_transaction_retries_count: None,
            last_applied_transaction_end_apply_timestamp: None,
            last_error_number: None,
            last_error_message: None,
            last_error_timestamp: None,
            raw: Vec::new(),
            origin,
        }
    }

    /// Sets a field from a column; returns whether the column is known.
    pub fn set_field(&mut self, name: &str, value: &str) -> bool {
        match RawField::record(&mut self.raw, name, value).as_str() {
            "channel_name" => self.channel_name = value.trim().to_owned(),
            "worker_id" => self.worker_id = FieldValue::from_text(value),
            "thread_id" => self.thread_id = FieldValue::from_text(value),
            "service_state" => self.service_state = FieldValue::from_text(value),
            "last_seen_transaction" => {
                self.last_seen_transaction = Some(TransactionRef::parse(value))
            }
            "last_applied_transaction" => {
                self.last_applied_transaction = Some(TransactionRef::parse(value))
            }
            "applying_transaction" => {
                self.applying_transaction = Some(TransactionRef::parse(value))
            }
            "applying_transaction_start_apply_timestamp" => {
                self.applying_transaction_start_apply_timestamp = FieldValue::from_text(value)
            }
            "applying_transaction_retries_count" => {
                self.applying_transaction_retries_count = FieldValue::from_text(value)
            }
            "last_applied_transaction_end_apply_timestamp" => {
                self.last_applied_transaction_end_apply_timestamp = FieldValue::from_text(value)
            }
            "last_error_number" => self.last_error_number = FieldValue::from_text(value),
            "last_error_message" => self.last_error_message = FieldValue::from_text(value),
            "last_error_timestamp" => self.last_error_timestamp = FieldValue::from_text(value),
            _ => return false,
        }
        true
    }

    /// The worker's last error, read into fields (worker id, GTID, position, table...).
    pub fn error(&self) -> Option<ApplierErrorMessage> {
        self.last_error_message
            .as_deref()
            .map(ApplierErrorMessage::parse)
    }

    /// The last transaction the worker handled: 8.0's applied, else 5.7's seen.
    pub fn last_transaction(&self) -> Option<&TransactionRef> {
        self.last_applied_transaction
            .as_ref()
            .or(self.last_seen_transaction.as_ref())
    }
}

/// One row of `performance_schema.replication_applier_status_by_coordinator` (or, for a
/// single-threaded applier, its only thread).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorRow {
    pub channel_name: String,
    pub thread_id: Option<u64>,
    pub service_state: Option<String>,
    pub last_error_number: Option<u32>,
    pub last_error_message: Option<String>,
    pub last_error_timestamp: Option<LogTime>,
    /// 8.0 `LAST_PROCESSED_TRANSACTION`.
    pub last_processed_transaction: Option<TransactionRef>,
    /// 8.0 `PROCESSING_TRANSACTION`.
    pub processing_transaction: Option<TransactionRef>,
    pub raw: Vec<RawField>,
    pub origin: Provenance,
}

impl CoordinatorRow {
    pub fn new(origin: Provenance) -> CoordinatorRow {
        CoordinatorRow {
            channel_name: String::new(),
            thread_id: None,
            service_state: None,
            last_error_number: None,
            last_error_message: None,
            last_error_timestamp: None,
            last_processed_transaction: None,
            processing_transaction: None,
            raw: Vec::new(),
            origin,
        }
    }

    /// Sets a field from a column; returns whether the column is known.
    pub fn set_field(&mut self, name: &str, value: &str) -> bool {
        match RawField::record(&mut self.raw, name, value).as_str() {
            "channel_name" => self.channel_name = value.trim().to_owned(),
            "thread_id" => self.thread_id = FieldValue::from_text(value),
            "service_state" => self.service_state = FieldValue::from_text(value),
            "last_error_number" => self.last_error_number = FieldValue::from_text(value),
            "last_error_message" => self.last_error_message = FieldValue::from_text(value),
            "last_error_timestamp" => self.last_error_timestamp = FieldValue::from_text(value),
            "last_processed_transaction" => {
                self.last_processed_transaction = Some(TransactionRef::parse(value))
            }
            "processing_transaction" => {
                self.processing_transaction = Some(TransactionRef::parse(value))
            }
            _ => return false,
        }
        true
    }

    pub fn error(&self) -> Option<ApplierErrorMessage> {
        self.last_error_message
            .as_deref()
            .map(ApplierErrorMessage::parse)
    }
}
