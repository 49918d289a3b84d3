//! Server variables: every one kept as printed, the replication ones readable by type.
//!
//! MySQL renamed `slave_*`/`master_*` variables to `replica_*`/`source_*` in 8.0.26 and MariaDB
//! has its own names for some (`slave_parallel_threads`); the typed accessors here look under
//! every name, so a rule asks one question whatever the server.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fields::parse_switch;
use super::gtid_text::GtidText;
use super::provenance::Provenance;

/// A variable's value and where it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableValue {
    pub value: String,
    pub origin: Provenance,
}

/// The server's variables by normalised name (lower case, `-` read as `_`, option-file `loose-`
/// prefix dropped), each with its value as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Variables {
    pub values: BTreeMap<String, VariableValue>,
}

/// `replica_parallel_type` / `slave_parallel_type` (MySQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParallelType {
    Database,
    LogicalClock,
    Other(String),
}

/// The replica's replication filters, as option and variable names (normalised). All of them
/// but the `*_table` ones judge a statement by its default database.
pub const REPLICATION_FILTERS: &[&str] = &[
    "replicate_do_db",
    "replicate_ignore_db",
    "replicate_do_table",
    "replicate_ignore_table",
    "replicate_wild_do_table",
    "replicate_wild_ignore_table",
];

/// Normalises a variable name as servers and option files spell it.
pub fn normalise_variable_name(name: &str) -> String {
    let name = name.trim().trim_start_matches("@@");
    let name = name
        .strip_prefix("global.")
        .or_else(|| name.strip_prefix("GLOBAL."))
        .or_else(|| name.strip_prefix("session."))
        .or_else(|| name.strip_prefix("SESSION."))
        .unwrap_or(name);
    let name = name
        .trim_end_matches("()")
        .to_ascii_lowercase()
        .replace('-', "_");
    match name.strip_prefix("loose_") {
        Some(rest) => rest.to_owned(),
        None => name,
    }
}

impl Variables {
    /// Records a value; a later value for the same name replaces an earlier one.
    pub fn set(&mut self, name: &str, value: &str, origin: Provenance) {
        self.values.insert(
            normalise_variable_name(name),
            VariableValue {
                value: value.trim().to_owned(),
                origin,
            },
        );
    }

    /// The value under any of `names` (already normalised), first name first.
    pub fn get_any(&self, names: &[&str]) -> Option<&VariableValue> {
        names.iter().find_map(|n| self.values.get(*n))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(&normalise_variable_name(name))
            .map(|v| v.value.as_str())
    }

    fn text(&self, names: &[&str]) -> Option<&str> {
        self.get_any(names)
            .map(|v| v.value.as_str())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NULL"))
    }

    fn number(&self, names: &[&str]) -> Option<u64> {
        self.text(names)?.parse().ok()
    }

    fn switch(&self, names: &[&str]) -> Option<bool> {
        parse_switch(self.text(names)?)
    }

    pub fn server_id(&self) -> Option<u32> {
        self.text(&["server_id"])?.parse().ok()
    }

    pub fn server_uuid(&self) -> Option<&str> {
        self.text(&["server_uuid"])
    }

    pub fn version(&self) -> Option<&str> {
        self.text(&["version"])
    }

    pub fn parallel_type(&self) -> Option<ParallelType> {
        let text = self.text(&["replica_parallel_type", "slave_parallel_type"])?;
        Some(match text.to_ascii_uppercase().as_str() {
            "DATABASE" => ParallelType::Database,
            "LOGICAL_CLOCK" => ParallelType::LogicalClock,
            _ => ParallelType::Other(text.to_owned()),
        })
    }

    /// Applier workers: MySQL `replica_parallel_workers`/`slave_parallel_workers`, MariaDB
    /// `slave_parallel_threads`.
    pub fn parallel_workers(&self) -> Option<u64> {
        self.number(&[
            "replica_parallel_workers",
            "slave_parallel_workers",
            "slave_parallel_threads",
        ])
    }

    /// MariaDB `slave_parallel_mode` (`conservative`, `optimistic`, `aggressive`, ...).
    pub fn parallel_mode(&self) -> Option<&str> {
        self.text(&["slave_parallel_mode"])
    }

    pub fn preserve_commit_order(&self) -> Option<bool> {
        self.switch(&[
            "replica_preserve_commit_order",
            "slave_preserve_commit_order",
        ])
    }

    pub fn dependency_tracking(&self) -> Option<&str> {
        self.text(&["binlog_transaction_dependency_tracking"])
    }

    pub fn transaction_isolation(&self) -> Option<&str> {
        self.text(&["transaction_isolation", "tx_isolation"])
    }

    pub fn sync_binlog(&self) -> Option<u64> {
        self.number(&["sync_binlog"])
    }

    pub fn innodb_flush_log_at_trx_commit(&self) -> Option<u64> {
        self.number(&["innodb_flush_log_at_trx_commit"])
    }

    /// The replication filters that are set (name, rules).
    pub fn replication_filters(&self) -> Vec<(&str, &str)> {
        REPLICATION_FILTERS
            .iter()
            .filter_map(|name| Some((*name, self.get(name)?)))
            .filter(|(_, rules)| !rules.trim().is_empty())
            .collect()
    }

    pub fn read_only(&self) -> Option<bool> {
        self.switch(&["read_only"])
    }

    pub fn super_read_only(&self) -> Option<bool> {
        self.switch(&["super_read_only"])
    }

    /// MySQL `gtid_mode` (`OFF`, `OFF_PERMISSIVE`, `ON_PERMISSIVE`, `ON`).
    pub fn gtid_mode(&self) -> Option<&str> {
        self.text(&["gtid_mode"])
    }

    pub fn binlog_format(&self) -> Option<&str> {
        self.text(&["binlog_format"])
    }

    pub fn binlog_row_image(&self) -> Option<&str> {
        self.text(&["binlog_row_image"])
    }

    pub fn binlog_row_metadata(&self) -> Option<&str> {
        self.text(&["binlog_row_metadata"])
    }

    pub fn skip_errors(&self) -> Option<&str> {
        self.text(&["replica_skip_errors", "slave_skip_errors"])
    }

    /// `STRICT` or `IDEMPOTENT`.
    pub fn exec_mode(&self) -> Option<&str> {
        self.text(&["replica_exec_mode", "slave_exec_mode"])
    }

    pub fn transaction_retries(&self) -> Option<u64> {
        self.number(&["replica_transaction_retries", "slave_transaction_retries"])
    }

    pub fn innodb_lock_wait_timeout(&self) -> Option<u64> {
        self.number(&["innodb_lock_wait_timeout"])
    }

    pub fn relay_log_purge(&self) -> Option<bool> {
        self.switch(&["relay_log_purge"])
    }

    pub fn relay_log_recovery(&self) -> Option<bool> {
        self.switch(&["relay_log_recovery"])
    }

    pub fn max_allowed_packet(&self) -> Option<u64> {
        self.number(&["max_allowed_packet"])
    }

    pub fn replica_max_allowed_packet(&self) -> Option<u64> {
        self.number(&["replica_max_allowed_packet", "slave_max_allowed_packet"])
    }

    pub fn log_error(&self) -> Option<&str> {
        self.text(&["log_error"])
    }

    /// MySQL `gtid_executed`; typed sets: `crates/gtid` (wired later).
    pub fn gtid_executed(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_executed"])?)
    }

    pub fn gtid_purged(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_purged"])?)
    }

    /// MariaDB `gtid_current_pos`.
    pub fn gtid_current_pos(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_current_pos"])?)
    }

    /// MariaDB `gtid_slave_pos`.
    pub fn gtid_slave_pos(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_slave_pos"])?)
    }

    /// MariaDB `gtid_binlog_pos`.
    pub fn gtid_binlog_pos(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_binlog_pos"])?)
    }

    /// MariaDB `gtid_binlog_state`.
    pub fn gtid_binlog_state(&self) -> Option<GtidText> {
        GtidText::new(self.text(&["gtid_binlog_state"])?)
    }

    pub fn gtid_strict_mode(&self) -> Option<bool> {
        self.switch(&["gtid_strict_mode"])
    }
}

/// Whether a name is one a DBA would paste as `name: value` meaning a server variable. Used
/// only for the vertical `name: value` shape, where the name alone must tell a variable from
/// a column of some other output.
pub fn is_known_variable_name(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "slave_",
        "replica_",
        "binlog_",
        "relay_log",
        "gtid_",
        "innodb_",
        "sync_",
        "log_",
        "auto_increment_",
        "rpl_",
        "master_",
        "source_",
        "expire_logs",
        "transaction_",
        "tx_",
        "max_allowed_packet",
        "read_only",
        "super_read_only",
        "server_id",
        "server_uuid",
        "version",
        "wsrep_",
    ];
    const EXACT: &[&str] = &[
        "hostname",
        "port",
        "sql_mode",
        "enforce_gtid_consistency",
        "lower_case_table_names",
        "character_set_server",
        "collation_server",
        "datadir",
        "socket",
        "lock_wait_timeout",
        "sql_log_bin",
        "report_host",
        "report_port",
        "skip_slave_start",
        "skip_replica_start",
        "time_zone",
        "system_time_zone",
        "default_storage_engine",
        "explicit_defaults_for_timestamp",
    ];
    let name = normalise_variable_name(name);
    EXACT.contains(&name.as_str()) || PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        let mut v = Variables::default();
        for (name, value) in pairs {
            v.set(name, value, Provenance::pasted("t", 1, 1));
        }
        v
    }

    #[test]
    fn reads_every_spelling() {
        let v = vars(&[
            ("slave_parallel_type", "LOGICAL_CLOCK"),
            ("slave-parallel-workers", "16"),
            ("slave_preserve_commit_order", "on"),
            ("@@GLOBAL.transaction_isolation", "READ-COMMITTED"),
            ("loose-sync_binlog", "0"),
        ]);
        assert_eq!(v.parallel_type(), Some(ParallelType::LogicalClock));
        assert_eq!(v.parallel_workers(), Some(16));
        assert_eq!(v.preserve_commit_order(), Some(true));
        assert_eq!(v.transaction_isolation(), Some("READ-COMMITTED"));
        assert_eq!(v.sync_binlog(), Some(0));
        let maria = vars(&[("slave_parallel_threads", "4"), ("gtid_slave_pos", "0-1-4")]);
        assert_eq!(maria.parallel_workers(), Some(4));
        assert_eq!(maria.gtid_slave_pos().unwrap().text, "0-1-4");
    }
}
