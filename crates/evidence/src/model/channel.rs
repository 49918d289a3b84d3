//! One replication channel's status under one set of names.
//!
//! `SHOW SLAVE STATUS` (MySQL 5.x, MariaDB), `SHOW REPLICA STATUS` (MySQL 8.0.22+) and
//! `SHOW ALL SLAVES STATUS` (MariaDB) print the same facts under different names. Every name is
//! mapped onto the 8.0.22+ spelling in snake case (`Seconds_Behind_Master` ->
//! `seconds_behind_source`, `Slave_SQL_Running_State` -> `replica_sql_running_state`,
//! MariaDB's `Connection_name` -> `channel_name`); the columns exactly as printed stay in `raw`.

use serde::{Deserialize, Serialize};

use super::fields::{FieldValue, RawField};
use super::gtid_text::GtidText;
use super::messages::{ApplierErrorMessage, ReceiverErrorMessage};
use super::provenance::Provenance;
use super::time::LogTime;

/// `Slave_IO_Running` / `Replica_SQL_Running` and friends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadRunning {
    Yes,
    No,
    /// The receiver is (re)connecting to the source.
    Connecting,
    Other(String),
}

impl ThreadRunning {
    pub fn is_running(&self) -> bool {
        matches!(self, ThreadRunning::Yes)
    }
}

impl FieldValue for ThreadRunning {
    fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        Some(match text.to_ascii_lowercase().as_str() {
            "" | "null" => return None,
            "yes" | "on" => ThreadRunning::Yes,
            "no" | "off" => ThreadRunning::No,
            "connecting" => ThreadRunning::Connecting,
            _ => ThreadRunning::Other(text.to_owned()),
        })
    }
}

/// Maps a column name of any SHOW SLAVE/REPLICA STATUS spelling to this model's name:
/// lower case, `master` read as `source`, `slave` as `replica`.
pub fn canonical_channel_field(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    if lower == "connection_name" {
        return "channel_name".to_owned();
    }
    lower
        .split('_')
        .map(|word| match word {
            "master" => "source",
            "slave" => "replica",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("_")
}

macro_rules! channel_status {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),* $(,)?) => {
        /// One channel of SHOW SLAVE/REPLICA STATUS or SHOW ALL SLAVES STATUS.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct ChannelStatus {
            /// `Channel_Name` (MySQL) or `Connection_name` (MariaDB); `""` is the default channel.
            pub channel_name: String,
            $( $(#[$doc])* pub $field: Option<$ty>, )*
            /// Every column exactly as printed, in order.
            pub raw: Vec<RawField>,
            pub origin: Provenance,
        }

        impl ChannelStatus {
            pub fn new(origin: Provenance) -> ChannelStatus {
                ChannelStatus {
                    channel_name: String::new(),
                    $( $field: None, )*
                    raw: Vec::new(),
                    origin,
                }
            }

            /// Sets a field from a column; returns whether the column name is known.
            pub fn set_field(&mut self, name: &str, value: &str) -> bool {
                self.raw.push(RawField { name: name.trim().to_owned(), value: value.to_owned() });
                match canonical_channel_field(name).as_str() {
                    "channel_name" => { self.channel_name = value.trim().to_owned(); true }
                    $( stringify!($field) => { self.$field = <$ty as FieldValue>::from_text(value); true } )*
                    _ => false,
                }
            }
        }
    };
}

channel_status! {
    replica_io_state: String,
    source_host: String,
    source_user: String,
    source_port: u32,
    connect_retry: u64,
    /// The source binlog the receiver reads (`Master_Log_File`).
    source_log_file: String,
    read_source_log_pos: u64,
    relay_log_file: String,
    relay_log_pos: u64,
    /// The source binlog of the last event the applier executed (`Relay_Master_Log_File`).
    relay_source_log_file: String,
    replica_io_running: ThreadRunning,
    replica_sql_running: ThreadRunning,
    replicate_do_db: String,
    replicate_ignore_db: String,
    replicate_do_table: String,
    replicate_ignore_table: String,
    replicate_wild_do_table: String,
    replicate_wild_ignore_table: String,
    last_errno: u32,
    last_error: String,
    skip_counter: u64,
    exec_source_log_pos: u64,
    relay_log_space: u64,
    until_condition: String,
    until_log_file: String,
    until_log_pos: u64,
    source_ssl_allowed: String,
    source_ssl_ca_file: String,
    source_ssl_ca_path: String,
    source_ssl_cert: String,
    source_ssl_cipher: String,
    source_ssl_key: String,
    /// `NULL` (absent here) when the applier is not running.
    seconds_behind_source: u64,
    source_ssl_verify_server_cert: String,
    last_io_errno: u32,
    last_io_error: String,
    last_sql_errno: u32,
    last_sql_error: String,
    replicate_ignore_server_ids: String,
    source_server_id: u32,
    source_uuid: String,
    source_info_file: String,
    sql_delay: u64,
    sql_remaining_delay: u64,
    replica_sql_running_state: String,
    source_retry_count: u64,
    source_bind: String,
    last_io_error_timestamp: LogTime,
    last_sql_error_timestamp: LogTime,
    source_ssl_crl: String,
    source_ssl_crlpath: String,
    /// MySQL `Retrieved_Gtid_Set`.
    retrieved_gtid_set: GtidText,
    /// MySQL `Executed_Gtid_Set`.
    executed_gtid_set: GtidText,
    /// MySQL `Auto_Position` (1 = GTID auto-positioning).
    auto_position: bool,
    replicate_rewrite_db: String,
    source_tls_version: String,
    source_public_key_path: String,
    get_source_public_key: bool,
    network_namespace: String,
    /// MariaDB `Using_Gtid` (`No`, `Slave_Pos`, `Current_Pos`).
    using_gtid: String,
    /// MariaDB `Gtid_IO_Pos`.
    gtid_io_pos: GtidText,
    replicate_do_domain_ids: String,
    replicate_ignore_domain_ids: String,
    /// MariaDB `Parallel_Mode`.
    parallel_mode: String,
    replica_ddl_groups: u64,
    replica_non_transactional_groups: u64,
    replica_transactional_groups: u64,
    /// MariaDB `SHOW ALL SLAVES STATUS`: `Slave_SQL_State`.
    replica_sql_state: String,
    /// MariaDB `SHOW ALL SLAVES STATUS`: transactions the applier retried (e.g. after a kill or
    /// a deadlock with another worker).
    retried_transactions: u64,
    max_relay_log_size: u64,
    executed_log_entries: u64,
    replica_received_heartbeats: u64,
    replica_heartbeat_period: String,
    /// MariaDB `SHOW ALL SLAVES STATUS`: `Gtid_Slave_Pos`.
    gtid_replica_pos: GtidText,
    source_last_event_time: String,
    replica_last_event_time: String,
    source_replica_time_diff: String,
}

impl ChannelStatus {
    /// The applier's error: `Last_SQL_Error`, else `Last_Error` (the only one some pastes keep).
    pub fn applier_error(&self) -> Option<ApplierErrorMessage> {
        self.applier_error_text().map(ApplierErrorMessage::parse)
    }

    /// The text of the applier's error. The server prints the same text as `Last_SQL_Error` and
    /// `Last_Error`; when a terminal or a page cut one of them short, the other, which begins
    /// with the same words and goes on, is the whole message.
    pub fn applier_error_text(&self) -> Option<&str> {
        let sql = self.last_sql_error.as_deref();
        let legacy = self.last_error.as_deref();
        match (sql, legacy) {
            (Some(sql), Some(legacy))
                if legacy.trim().len() > sql.trim().len()
                    && legacy.trim_start().starts_with(sql.trim()) =>
            {
                Some(legacy)
            }
            (Some(sql), _) => Some(sql),
            (None, legacy) => legacy,
        }
    }

    /// The applier's error number: `Last_SQL_Errno`, else `Last_Errno`.
    pub fn applier_errno(&self) -> Option<u32> {
        self.last_sql_errno.or(self.last_errno).filter(|n| *n != 0)
    }

    /// The receiver's error, from `Last_IO_Error`.
    pub fn receiver_error(&self) -> Option<ReceiverErrorMessage> {
        ReceiverErrorMessage::parse(self.last_io_error.as_deref()?)
    }

    /// The raw value of a column, by any spelling of its name.
    pub fn raw_value(&self, name: &str) -> Option<&str> {
        let wanted = canonical_channel_field(name);
        self.raw
            .iter()
            .rev()
            .find(|f| canonical_channel_field(&f.name) == wanted)
            .map(|f| f.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_maps_to_one_name() {
        for (given, canonical) in [
            ("Seconds_Behind_Master", "seconds_behind_source"),
            ("Seconds_Behind_Source", "seconds_behind_source"),
            ("Slave_SQL_Running_State", "replica_sql_running_state"),
            ("Relay_Master_Log_File", "relay_source_log_file"),
            ("Read_Master_Log_Pos", "read_source_log_pos"),
            ("Connection_name", "channel_name"),
            ("Gtid_Slave_Pos", "gtid_replica_pos"),
            ("Get_master_public_key", "get_source_public_key"),
        ] {
            assert_eq!(canonical_channel_field(given), canonical, "{given}");
        }
    }

    #[test]
    fn typed_values_and_raw_columns() {
        let mut c = ChannelStatus::new(Provenance::pasted("t", 1, 3));
        assert!(c.set_field("Slave_IO_Running", "Yes"));
        assert!(c.set_field("Seconds_Behind_Master", "NULL"));
        assert!(c.set_field("Exec_Master_Log_Pos", "560082351"));
        assert!(!c.set_field("Some_Future_Column", "x"));
        assert_eq!(c.replica_io_running, Some(ThreadRunning::Yes));
        assert_eq!(c.seconds_behind_source, None);
        assert_eq!(c.exec_source_log_pos, Some(560082351));
        assert_eq!(c.raw.len(), 4);
        assert_eq!(c.raw_value("Seconds_Behind_Source"), Some("NULL"));
        assert_eq!(c.raw_value("some_future_column"), Some("x"));
    }

    #[test]
    fn applier_error_text_is_the_longer_of_two_copies_cut_short() {
        let mut c = ChannelStatus::new(Provenance::pasted("t", 1, 2));
        let whole = "Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed executing transaction 'a5cd6b45-ea6f-11ee-b957-024203971dbe:9' at source log mysql-bin.000003, end_log_pos 6446.";
        c.set_field("Last_Error", whole);
        c.set_field(
            "Last_SQL_Error",
            "Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed execu",
        );
        assert_eq!(c.applier_error_text(), Some(whole));
        let parsed = c.applier_error().unwrap();
        assert_eq!(parsed.source_log.unwrap().position, 6446);
        // Two different texts: Last_SQL_Error is the applier's own.
        c.set_field("Last_SQL_Error", "Error 'x' on query.");
        assert_eq!(c.applier_error_text(), Some("Error 'x' on query."));
        c.last_sql_error = None;
        assert_eq!(c.applier_error_text(), Some(whole));
    }
}
