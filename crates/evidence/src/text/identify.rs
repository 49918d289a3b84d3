//! Which server a text came from: flavor, version, ids and role, from whatever the text showed.

use std::sync::LazyLock;

use regex::Regex;

use super::lines::ServerTag;
use crate::model::{BackupEvent, BackupTool, ErrorLogFormat, Flavor, Role, ServerEvidence};

/// The role a server's label or prompt names (`master>`, `mysql-replica [(none)]>`,
/// `db-primary-1`): a word of it, digits aside.
fn role_named_by(label: &str) -> Option<Role> {
    label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|word| {
            word.trim_end_matches(|c: char| c.is_ascii_digit())
                .to_ascii_lowercase()
        })
        .find_map(|word| match word.as_str() {
            "master" | "primary" | "source" => Some(Role::Source),
            "slave" | "replica" | "standby" => Some(Role::Replica),
            _ => None,
        })
}

/// Fills the server's identity and role from what the text showed.
pub(super) fn identify(server: &mut ServerEvidence, tag: Option<&ServerTag>) {
    static STARTUP_VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"ready for connections\.\s+Version: '([^']+)'").expect("static regex")
    });
    if server.role.is_none() {
        let has_channels = server.samples.iter().any(|s| !s.channels.is_empty());
        let named = server.label.as_deref().and_then(role_named_by);
        server.role = tag.and_then(|t| t.role).or(match (named, has_channels) {
            // A `master>` prompt over replication status: an intermediate source.
            (Some(Role::Source), true) => Some(Role::SourceAndReplica),
            (Some(role), _) => Some(role),
            (None, true) => Some(Role::Replica),
            (None, false) => None,
        });
    }
    let from_variables = server
        .variables
        .version()
        .map(|v| (v.to_owned(), "variable `version`"));
    let from_error_log = || {
        server.error_log.iter().find_map(|l| {
            STARTUP_VERSION
                .captures(&l.message)
                .map(|c| (c[1].to_owned(), "error-log start-up line"))
        })
    };
    let from_backup_log = || {
        server.backup_log.iter().find_map(|l| match &l.event {
            BackupEvent::ServerVersion { version } => Some((version.clone(), "backup log")),
            _ => None,
        })
    };
    if server.identity.version.is_none()
        && let Some((version, by)) = from_variables
            .or_else(from_error_log)
            .or_else(from_backup_log)
    {
        server.identity.version = Some(version);
        server.identity.identified_by = Some(by.to_owned());
    }
    if server.identity.server_id.is_none() {
        server.identity.server_id = server.variables.server_id();
    }
    if server.identity.server_uuid.is_none() {
        server.identity.server_uuid = server.variables.server_uuid().map(str::to_owned);
    }
    if server.identity.flavor.is_none()
        && let Some((flavor, by)) = flavor_hint(server, tag)
    {
        server.identity.flavor = Some(flavor);
        if server.identity.identified_by.is_none() || server.identity.version.is_none() {
            server.identity.identified_by = Some(by.to_owned());
        }
    }
}

fn flavor_hint(server: &ServerEvidence, tag: Option<&ServerTag>) -> Option<(Flavor, &'static str)> {
    if let Some(release) = server.identity.release() {
        return Some((release.flavor, "version"));
    }
    if tag.is_some_and(|t| t.mariadb_prompt) {
        return Some((Flavor::Mariadb, "MariaDB client prompt"));
    }
    let has_variable = |names: &[&str]| {
        names
            .iter()
            .any(|n| server.variables.values.contains_key(*n))
    };
    if has_variable(&[
        "gtid_current_pos",
        "gtid_slave_pos",
        "gtid_binlog_pos",
        "slave_parallel_threads",
        "slave_parallel_mode",
    ]) {
        return Some((Flavor::Mariadb, "MariaDB-only variables"));
    }
    if has_variable(&[
        "gtid_mode",
        "gtid_executed",
        "replica_parallel_workers",
        "slave_preserve_commit_order",
        "binlog_transaction_dependency_tracking",
    ]) {
        return Some((Flavor::Mysql, "MySQL-only variables"));
    }
    let columns = || {
        server
            .samples
            .iter()
            .flat_map(|s| s.channels.iter())
            .flat_map(|c| c.raw.iter())
            .map(|f| f.name.to_ascii_lowercase())
    };
    const MARIADB_COLUMNS: &[&str] = &[
        "using_gtid",
        "gtid_io_pos",
        "connection_name",
        "slave_ddl_groups",
        "parallel_mode",
        "retried_transactions",
    ];
    const MYSQL_COLUMNS: &[&str] = &[
        "replica_io_running",
        "source_host",
        "executed_gtid_set",
        "auto_position",
        "master_uuid",
        "channel_name",
    ];
    if columns().any(|c| MARIADB_COLUMNS.contains(&c.as_str())) {
        return Some((Flavor::Mariadb, "MariaDB-only status columns"));
    }
    if columns().any(|c| MYSQL_COLUMNS.contains(&c.as_str())) {
        return Some((Flavor::Mysql, "MySQL-only status columns"));
    }
    if server
        .samples
        .iter()
        .any(|s| !s.workers.is_empty() || !s.coordinators.is_empty())
    {
        return Some((Flavor::Mysql, "performance_schema applier tables"));
    }
    if server
        .error_log
        .iter()
        .any(|l| matches!(l.format, ErrorLogFormat::Mysql8 | ErrorLogFormat::Mysql57))
    {
        return Some((Flavor::Mysql, "error-log format"));
    }
    if server
        .error_log
        .iter()
        .any(|l| l.message.contains("Internal MariaDB error code"))
    {
        return Some((Flavor::Mariadb, "MariaDB error-log message"));
    }
    if server
        .backup_log
        .iter()
        .any(|l| l.tool == Some(BackupTool::Mariabackup))
    {
        return Some((Flavor::Mariadb, "mariabackup log"));
    }
    None
}
