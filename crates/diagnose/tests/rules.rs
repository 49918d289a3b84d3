//! One small piece of pasted evidence per rule: the rule fires with the right facts, and stays
//! quiet when the evidence does not show its pattern.

use diagnose::{Class, Finding, Report, Severity};
use evidence::text::{TextInput, parse_evidence};

fn diagnose_text(text: &str) -> Report {
    let parsed = parse_evidence(&[TextInput {
        name: "pasted",
        text,
    }]);
    assert!(
        parsed.not_understood.is_empty(),
        "{:?}",
        parsed.not_understood
    );
    diagnose::diagnose(&parsed.evidence)
}

fn finding(report: &Report, class: Class) -> &Finding {
    report
        .findings
        .iter()
        .find(|f| f.class == class)
        .unwrap_or_else(|| panic!("no {class} in {:?}", report.findings))
}

fn has(report: &Report, class: Class) -> bool {
    report.findings.iter().any(|f| f.class == class)
}

const UUID_SOURCE: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const UUID_REPLICA: &str = "8a94f357-aab4-11df-86ab-c80aa9429563";

#[test]
fn replica_writable() {
    let report = diagnose_text(
        "-- server: db2 role: replica\nread_only = OFF\nsuper_read_only = OFF\n\
         Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\n",
    );
    let found = finding(&report, Class::ReplicaWritable);
    assert_eq!(found.severity, Severity::Warning);
    assert_eq!(found.facts.server.as_deref(), Some("db2"));
    let quiet = diagnose_text(
        "-- server: db2 role: replica\nread_only = ON\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\n",
    );
    assert!(!has(&quiet, Class::ReplicaWritable));
}

#[test]
fn unsafe_durability_on_the_source_only() {
    let report = diagnose_text(
        "-- server: db1 role: source\nsync_binlog = 0\ninnodb_flush_log_at_trx_commit = 2\n\
         -- server: db2 role: replica\nsync_binlog = 0\nSlave_IO_Running: Yes\n",
    );
    let found = finding(&report, Class::UnsafeDurability);
    assert_eq!(found.facts.server.as_deref(), Some("db1"));
    assert_eq!(found.facts.other["sync_binlog"], 0);
    assert_eq!(found.facts.other["innodb_flush_log_at_trx_commit"], 2);
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.class == Class::UnsafeDurability)
            .count(),
        1
    );
}

#[test]
fn gtid_holes_below_the_in_flight_window() {
    let report = diagnose_text(&format!(
        "-- server: db2 role: replica\ngtid_executed = {UUID_SOURCE}:1-92:94-96:98-100\n"
    ));
    let found = finding(&report, Class::GtidHoles);
    // A serial (or stopped) applier leaves no normal holes: every gap is permanent.
    assert_eq!(
        found.facts.gtid.as_deref(),
        Some(&*format!("{UUID_SOURCE}:93:97"))
    );
    // With a running parallel applier, gaps near the top are in flight, not holes.
    let parallel = diagnose_text(&format!(
        "-- server: db2 role: replica\nslave_parallel_workers = 16\n\
         Slave_SQL_Running: Yes\nExecuted_Gtid_Set: {UUID_SOURCE}:1-92:94-96:98-100\n"
    ));
    assert!(!has(&parallel, Class::GtidHoles), "{:?}", parallel.findings);
}

#[test]
fn purge_risk_from_the_sets() {
    let report = diagnose_text(&format!(
        "-- server: db1 role: source\ngtid_executed = {UUID_SOURCE}:1-500\ngtid_purged = {UUID_SOURCE}:1-300\n\
         -- server: db2 role: replica\ngtid_executed = {UUID_SOURCE}:1-200\n"
    ));
    let found = finding(&report, Class::PurgeRisk);
    assert_eq!(
        found.facts.gtid.as_deref(),
        Some(&*format!("{UUID_SOURCE}:201-300"))
    );
    assert_eq!(
        found.facts.other["missing_set"],
        format!("{UUID_SOURCE}:201-500")
    );
}

#[test]
fn errant_transactions_on_the_replica_uuid() {
    let report = diagnose_text(&format!(
        "-- server: db1 role: source\nserver_uuid = {UUID_SOURCE}\ngtid_executed = {UUID_SOURCE}:1-500\n\
         -- server: db2 role: replica\n\
         *************************** 1. row ***************************\n\
         Slave_IO_Running: Yes\n\
         Executed_Gtid_Set: {UUID_SOURCE}:1-500,\n{UUID_REPLICA}:1-3\n\
         Auto_Position: 1\n"
    ));
    let found = finding(&report, Class::ErrantGtids);
    assert_eq!(
        found.facts.gtid.as_deref(),
        Some(&*format!("{UUID_REPLICA}:1-3"))
    );
    assert!(!has(&report, Class::ReplicaHasMoreGtids));
}

#[test]
fn delayed_replica_is_information() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nSeconds_Behind_Master: 3500\n\
         SQL_Delay: 3600\nSQL_Remaining_Delay: 100\n",
    );
    let found = finding(&report, Class::DelayedReplica);
    assert_eq!(found.severity, Severity::Info);
    assert_eq!(found.facts.other["sql_delay"], 3600);
    let lagging = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nSeconds_Behind_Master: 90000\nSQL_Delay: 3600\n",
    );
    assert!(!has(&lagging, Class::DelayedReplica));
}

#[test]
fn applier_deadlock() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1213\n\
         Last_SQL_Error: Error 'Deadlock found when trying to get lock; try restarting transaction' on query. Default database: 'shop'. Query: 'UPDATE t SET a = 1 WHERE id = 2'\n",
    );
    let found = finding(&report, Class::ApplierDeadlock);
    assert_eq!(found.error_code, Some(1213));
}

#[test]
fn backup_kill_risk_and_killed_by_backup() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1317\n\
         Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed executing transaction 'a838ba08-c009-11e9-85e1-fa163ea2992d:31622919405' at master log master-bin.005599, end_log_pos 2297. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n\
         \n\
         xtrabackup: recognized client arguments: --kill-long-queries-timeout=60 --kill-long-query-type=all\n\
         210304 02:00:01 Executing FLUSH TABLES WITH READ LOCK...\n\
         210304 02:01:01 >> log scanned up to (1234567890)\n\
         210304 02:01:01 Killing query 77 (duration 61 sec): UPDATE t SET a = 1 WHERE id = 2\n",
    );
    let killed = finding(&report, Class::ApplierKilled);
    assert_eq!(
        killed.variant.as_deref(),
        Some("killed_by_backup"),
        "{:?}",
        killed
    );
    assert_eq!(killed.facts.thread_ids, [77]);
    assert!(
        report.missing_evidence.is_empty(),
        "{:?}",
        report.missing_evidence
    );
    let risk = finding(&report, Class::BackupKillRisk);
    assert_eq!(risk.severity, Severity::Warning);
}
