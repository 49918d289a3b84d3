//! One small piece of pasted evidence per rule: the rule fires with the right facts, and stays
//! quiet when the evidence does not show its pattern.

use diagnose::plan::Action;
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
    // The plan names the GTIDs it knows, and on MySQL the source takes them as empty
    // transactions after the DBA's reconciling step.
    let plan = &found.fix;
    let text = serde_json::to_string(plan).unwrap();
    assert!(
        text.contains(&format!("--gtid {UUID_REPLICA}:1`")),
        "{text}"
    );
    assert!(!text.contains("--gtid G"), "{text}");
    let inject = plan
        .steps
        .iter()
        .position(|s| {
            s.action
                == Action::InjectEmpty {
                    gtids: format!("{UUID_REPLICA}:1-3"),
                }
        })
        .expect("empty transactions for the errant set");
    assert_eq!(plan.steps[inject].target, diagnose::plan::Target::Source);
    assert!(
        plan.steps[..inject]
            .iter()
            .any(|s| matches!(s.action, Action::Manual { .. })),
        "the data is reconciled first: {plan:#?}"
    );
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
    assert_eq!(found.variant, None);
    assert!(found.fix.alternatives.is_empty());
}

#[test]
fn applier_deadlock_of_parallel_replaces_on_a_unique_secondary_key() {
    // MariaDB optimistic parallel replication with retries at 0: the REPLACE of the failing
    // transaction (an Annotate_rows event) and the table's keys (SHOW INDEX).
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1213\n\
         Last_SQL_Error: Deadlock found when trying to get lock; try restarting transaction\n\
         Gtid_IO_Pos: 0-1-907\n\
         \n\
         #241118 10:01:12 server id 1  end_log_pos 4711 CRC32 0x5a1b2c3d \tAnnotate_rows:\n\
         #Q> REPLACE INTO `shop`.`stock` (id, sku, qty) VALUES (7, 'A-1', 3)\n\
         #241118 10:01:12 server id 1  end_log_pos 4770 CRC32 0x6b2c3d4e \tTable_map: `shop`.`stock` mapped to number 31\n\
         \n\
         MariaDB [shop]> show index from stock;\n\
         +-------+------------+----------+--------------+-------------+\n\
         | Table | Non_unique | Key_name | Seq_in_index | Column_name |\n\
         +-------+------------+----------+--------------+-------------+\n\
         | stock |          0 | PRIMARY  |            1 | id          |\n\
         | stock |          0 | uk_sku   |            1 | sku         |\n\
         +-------+------------+----------+--------------+-------------+\n",
    );
    let found = finding(&report, Class::ApplierDeadlock);
    assert_eq!(found.variant.as_deref(), Some("upsert_next_key_locks"));
    assert_eq!(
        found.facts.other["unique_secondary_keys"][0],
        "shop.stock uk_sku (sku)"
    );
    assert!(found.root_cause.en.contains("next-key locks"));
    assert_eq!(found.fix.alternatives.len(), 1);
}

#[test]
fn applier_waiting_for_a_lock_now_names_the_blocking_session() {
    // MySQL 8.0: the SQL thread (processlist id 12) waits in sys.innodb_lock_waits.
    let report = diagnose_text(
        "Replica_IO_Running: Yes\nReplica_SQL_Running: Yes\nSeconds_Behind_Source: 41\n\
         Last_SQL_Errno: 0\n\
         \n\
         mysql> show processlist;\n\
         +----+-------------+-----------+------+---------+------+----------------------------------+------------------+\n\
         | Id | User        | Host      | db   | Command | Time | State                            | Info             |\n\
         +----+-------------+-----------+------+---------+------+----------------------------------+------------------+\n\
         | 11 | system user |           | NULL | Connect |  900 | Waiting for source to send event | NULL             |\n\
         | 12 | system user |           | shop | Query   |   41 | Applying batch of row changes (update) | NULL       |\n\
         | 57 | report      | localhost | shop | Sleep   |   44 |                                  | NULL             |\n\
         +----+-------------+-----------+------+---------+------+----------------------------------+------------------+\n\
         \n\
         mysql> select * from sys.innodb_lock_waits\\G\n\
         *************************** 1. row ***************************\n\
                         wait_started: 2024-03-01 10:00:00\n\
                             wait_age: 00:00:41\n\
                        wait_age_secs: 41\n\
                         locked_table: `shop`.`orders`\n\
                         locked_index: PRIMARY\n\
                          locked_type: RECORD\n\
                       waiting_trx_id: 4711\n\
                          waiting_pid: 12\n\
                        waiting_query: NULL\n\
                      blocking_trx_id: 4690\n\
                         blocking_pid: 57\n\
                       blocking_query: NULL\n",
    );
    let found = finding(&report, Class::ApplierLockWait);
    assert_eq!(found.variant.as_deref(), Some("waiting_now"));
    assert_eq!(found.facts.thread_ids, vec![57]);
    assert_eq!(found.facts.table.as_deref(), Some("shop.orders"));
    assert_eq!(found.facts.other["wait_seconds"], 41);
    assert!(!has(&report, Class::LagLargeTransaction));
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

/// A stopped applier with this error number and message.
fn applier_error(errno: u32, message: &str) -> Report {
    diagnose_text(&format!(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: {errno}\nLast_SQL_Error: {message}\n"
    ))
}

#[test]
fn schema_errors_are_ddl_mismatch_unless_filters_are_set() {
    let message = "Error 'Table 'shop.orders_archive' doesn't exist' on query. Default database: 'shop'. Query: 'INSERT INTO orders_archive SELECT * FROM orders'";
    let report = applier_error(1146, message);
    assert_eq!(report.findings[0].class, Class::DdlMismatch);
    assert_eq!(report.findings[0].error_code, Some(1146));
    let filtered = diagnose_text(&format!(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nReplicate_Ignore_DB: archive\n\
         Last_SQL_Errno: 1146\nLast_SQL_Error: {message}\n"
    ));
    assert_eq!(filtered.findings[0].class, Class::FilterMismatch);
    // Table rules that replicate the missing table, named from its own database: the filters
    // did not leave it out, the schemas differ.
    let replicated = diagnose_text(&format!(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nReplicate_Wild_Do_Table: shop.%\n\
         Last_SQL_Errno: 1146\nLast_SQL_Error: {message}\n"
    ));
    assert_eq!(replicated.findings[0].class, Class::DdlMismatch);
    // Table rules that leave it out do explain it.
    let left_out = diagnose_text(&format!(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: No\nReplicate_Wild_Ignore_Table: shop.orders\\_%\n\
         Last_SQL_Errno: 1146\nLast_SQL_Error: {message}\n"
    ));
    assert_eq!(left_out.findings[0].class, Class::FilterMismatch);
}

#[test]
fn other_applier_error_families() {
    for (errno, message, class) in [
        (
            1677,
            "Column 2 of table 'shop.t' cannot be converted from type 'varchar(20(bytes))' to type 'varchar(10(bytes) utf8mb4)'",
            Class::ColumnConversion,
        ),
        (
            1452,
            "Could not execute Write_rows event on table shop.items; Cannot add or update a child row: a foreign key constraint fails, Error_code: 1452; handler error HA_ERR_NO_REFERENCED_ROW; the event's master log mysql-bin.000012, end_log_pos 4431",
            Class::ConstraintViolation,
        ),
        (
            1594,
            "Relay log read failure: Could not parse relay log event entry.",
            Class::RelayLogUnreadable,
        ),
        (
            1872,
            "Slave failed to initialize relay log info structure from the repository",
            Class::ApplierMetadata,
        ),
        (
            1290,
            "Error 'The MySQL server is running with the --read-only option so it cannot execute this statement' on query.",
            Class::ApplierErrorOther,
        ),
    ] {
        let report = applier_error(errno, message);
        assert_eq!(report.findings[0].class, class, "{errno}");
        assert_eq!(report.findings[0].error_code, Some(errno));
    }
    let fk = applier_error(
        1452,
        "Could not execute Write_rows event on table shop.items; Cannot add or update a child row: a foreign key constraint fails, Error_code: 1452; handler error HA_ERR_NO_REFERENCED_ROW; the event's master log mysql-bin.000012, end_log_pos 4431",
    );
    assert_eq!(fk.findings[0].facts.table.as_deref(), Some("shop.items"));
    assert_eq!(fk.findings[0].facts.end_log_pos, Some(4431));
}

#[test]
fn receiver_error_families() {
    for (errno, message, class) in [
        (
            1045,
            "error connecting to master 'repl@10.0.0.11:3306' - retry-time: 60 retries: 1 message: Access denied for user 'repl'@'10.0.0.12' (using password: YES)",
            Class::ConnectionFailed,
        ),
        (
            1236,
            "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
            Class::SourceBinlogMissing,
        ),
        (
            1236,
            "Got fatal error 1236 from master when reading data from binary log: 'log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'mysql-bin.000007' at 120, the last event read from 'mysql-bin.000007' at 5981, the last byte read from 'mysql-bin.000007' at 6000.'",
            Class::SourceBinlogUnreadable,
        ),
        (
            1593,
            "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server ids; these ids must be different for replication to work (or the --replicate-same-server-id option must be used on slave but this does not always make sense; please check the manual before using it).",
            Class::IdentityConflict,
        ),
    ] {
        let report = diagnose_text(&format!(
            "Slave_IO_Running: No\nSlave_SQL_Running: Yes\nLast_IO_Errno: {errno}\nLast_IO_Error: {message}\n"
        ));
        assert_eq!(report.findings[0].class, class, "{message}");
        assert_eq!(report.findings[0].error_code, Some(errno));
    }
}

#[test]
fn lag_from_a_large_transaction() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nSeconds_Behind_Master: 5400\nSQL_Delay: 0\n\
         slave_parallel_workers = 8\n\
         +----+-------------+------+------+---------+------+------------------------------------------+------+\n\
         | Id | User        | Host | db   | Command | Time | State                                    | Info |\n\
         +----+-------------+------+------+---------+------+------------------------------------------+------+\n\
         | 12 | system user |      | shop | Connect | 5300 | Applying batch of row changes (delete)   | NULL |\n\
         +----+-------------+------+------+---------+------+------------------------------------------+------+\n",
    );
    let found = finding(&report, Class::LagLargeTransaction);
    assert_eq!(found.facts.thread_ids, [12]);
    assert_eq!(found.facts.other["seconds_behind_source"], 5400);
    assert!(!has(&report, Class::LagOther));
}

#[test]
fn lag_with_a_serial_applier() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nSeconds_Behind_Master: 1800\n\
         slave_parallel_workers = 0\n",
    );
    assert_eq!(report.findings[0].class, Class::LagLowParallelism);
}

#[test]
fn crash_loss_seen_before_the_replica_fails() {
    let report = diagnose_text(&format!(
        "-- server: db1 role: source\nserver_uuid = {UUID_SOURCE}\nversion = 5.7.26-log\ngtid_executed = {UUID_SOURCE}:1-1000\n\
         -- server: db2 role: replica\ngtid_executed = {UUID_SOURCE}:1-1200\n\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\n"
    ));
    let found = finding(&report, Class::CrashGtidLoss);
    assert_eq!(
        found.facts.gtid.as_deref(),
        Some(&*format!("{UUID_SOURCE}:1001-1200"))
    );
    assert_eq!(found.facts.other["lost_count"], 200);
    assert!(!has(&report, Class::ErrantGtids), "{:?}", report.findings);
}

#[test]
fn commit_order_hang_names_the_upserts_from_the_binlog() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nLast_SQL_Errno: 1205\n\
         Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 3 failed executing transaction 'c50d7f49-ef3f-11ea-949c-287b09c1cb73:17860077' at master log mysql-bin.000379, end_log_pos 259028754. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n\
         Slave_SQL_Running_State: Waiting for workers to exit\n\
         \n\
         #201127 14:01:12 server id 11  end_log_pos 259028402 CRC32 0x5a1b2c3d \tRows_query\n\
         # REPLACE INTO t_quota(id, a, b, v) VALUES (1001, 7, 3, 'x')\n",
    );
    let found = finding(&report, Class::MtsCommitOrderHang);
    assert_eq!(found.variant.as_deref(), Some("upsert_next_key_locks"));
    assert_eq!(
        found.facts.other["conflicting_statements"][0],
        "REPLACE INTO t_quota(id, a, b, v) VALUES (1001, 7, 3, 'x')"
    );
}

/// A hung parallel applier, the failing transaction's events as mysqlbinlog prints them, and
/// optionally the table's definition.
fn hang_with_upsert(definition: &str) -> Report {
    diagnose_text(&format!(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nLast_SQL_Errno: 1205\n\
         Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 3 failed executing transaction 'c50d7f49-ef3f-11ea-949c-287b09c1cb73:17860077' at master log mysql-bin.000379, end_log_pos 259028754. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n\
         Slave_SQL_Running_State: Waiting for workers to exit\n\
         \n\
         #201127 14:01:12 server id 11  end_log_pos 259028402 CRC32 0x5a1b2c3d \tRows_query\n\
         # INSERT INTO quota.t_quota(id, a, b, v) VALUES (1001, 7, 3, 'x') ON DUPLICATE KEY UPDATE v = VALUES(v)\n\
         #201127 14:01:12 server id 11  end_log_pos 259028470 CRC32 0x6b2c3d4e \tTable_map: `quota`.`t_quota` mapped to number 108\n\
         \n{definition}"
    ))
}

#[test]
fn commit_order_hang_names_the_unique_secondary_key_from_the_table_definition() {
    let report = hang_with_upsert(
        "*************************** 1. row ***************************\n\
                Table: t_quota\n\
         Create Table: CREATE TABLE `t_quota` (\n\
           `id` bigint NOT NULL,\n  `a` int NOT NULL,\n  `b` int NOT NULL,\n  `v` varchar(8) DEFAULT NULL,\n\
           PRIMARY KEY (`id`,`a`,`b`),\n  UNIQUE KEY `uk_a_b` (`a`,`b`,`id`),\n  KEY `k_v` (`v`)\n\
         ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n",
    );
    let found = finding(&report, Class::MtsCommitOrderHang);
    assert_eq!(found.variant.as_deref(), Some("upsert_next_key_locks"));
    assert_eq!(found.confidence, diagnose::Confidence::High);
    assert_eq!(found.facts.other["tables"][0], "quota.t_quota");
    assert_eq!(
        found.facts.other["unique_secondary_keys"][0],
        "quota.t_quota uk_a_b (a,b,id)"
    );
    assert!(
        found
            .evidence
            .iter()
            .any(|c| c.source.starts_with("table definition") && c.quote.contains("uk_a_b")),
        "{:?}",
        found.evidence
    );
    assert!(
        !report
            .missing_evidence
            .iter()
            .any(|m| m.how.en.contains("SHOW CREATE TABLE")),
        "{:?}",
        report.missing_evidence
    );
}

#[test]
fn commit_order_hang_reads_only_the_failing_transactions_of_a_longer_binlog_excerpt() {
    let report = diagnose_text(
        "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nLast_SQL_Errno: 1205\n\
         Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 3 failed executing transaction 'c50d7f49-ef3f-11ea-949c-287b09c1cb73:77' at master log mysql-bin.000379, end_log_pos 2900. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n\
         Slave_SQL_Running_State: Waiting for workers to exit\n\
         \n\
         # at 1000\n\
         #201127 14:01:12 server id 11  end_log_pos 1065 CRC32 0x5a1b2c3d \tGTID\tlast_committed=5\tsequence_number=6\n\
         SET @@SESSION.GTID_NEXT= 'c50d7f49-ef3f-11ea-949c-287b09c1cb73:76'/*!*/;\n\
         # at 1065\n\
         #201127 14:01:12 server id 11  end_log_pos 1200 CRC32 0x5a1b2c3e \tRows_query\n\
         # REPLACE INTO app.sessions (id, token) VALUES (1, 'x')\n\
         # at 2700\n\
         #201127 14:01:12 server id 11  end_log_pos 2765 CRC32 0x5a1b2c3f \tGTID\tlast_committed=5\tsequence_number=7\n\
         SET @@SESSION.GTID_NEXT= 'c50d7f49-ef3f-11ea-949c-287b09c1cb73:77'/*!*/;\n\
         # at 2765\n\
         #201127 14:01:12 server id 11  end_log_pos 2900 CRC32 0x5a1b2c40 \tRows_query\n\
         # REPLACE INTO quota.t_quota (id, a, b) VALUES (1001, 7, 3)\n",
    );
    let found = finding(&report, Class::MtsCommitOrderHang);
    assert_eq!(
        found.facts.other["tables"],
        serde_json::json!(["quota.t_quota"])
    );
    assert_eq!(
        found.facts.other["conflicting_statements"],
        serde_json::json!(["REPLACE INTO quota.t_quota (id, a, b) VALUES (1001, 7, 3)"])
    );
}

#[test]
fn commit_order_hang_without_the_table_definition_asks_for_it() {
    let report = hang_with_upsert("");
    let found = finding(&report, Class::MtsCommitOrderHang);
    assert!(!found.facts.other.contains_key("unique_secondary_keys"));
    let asked: Vec<&str> = report
        .missing_evidence
        .iter()
        .map(|m| m.how.en.as_str())
        .collect();
    assert!(
        asked
            .iter()
            .any(|h| h.contains("SHOW CREATE TABLE quota.t_quota")),
        "{asked:?}"
    );
}

#[test]
fn never_the_skip_counter_with_mysql_gtids() {
    let report = applier_error(
        1062,
        "Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 2 failed executing transaction '3e11fa47-71ca-11e1-9e33-c80aa9429562:4412' at master log mysql-bin.000031, end_log_pos 8812. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.",
    );
    let found = finding(&report, Class::DupKey);
    let plan = serde_json::to_string(&found.fix).unwrap();
    assert!(
        plan.contains("SET GTID_NEXT = '3e11fa47-71ca-11e1-9e33-c80aa9429562:4412'"),
        "{plan}"
    );
    assert!(!plan.contains("skip_counter"), "{plan}");
    // Without a GTID the skip counter is planned, guarded by GTID mode being OFF.
    let anonymous = applier_error(
        1062,
        "Could not execute Write_rows event on table shop.t; Duplicate entry '9' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000031, end_log_pos 8812",
    );
    let plan = serde_json::to_value(&finding(&anonymous, Class::DupKey).fix).unwrap();
    let skip = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step.to_string().contains("sql_slave_skip_counter"))
        .expect("a skip step");
    let guard = skip["preconditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["sql"] == "SELECT @@GLOBAL.gtid_mode")
        .expect("GTID mode OFF as a precondition");
    assert_eq!(guard["expect"]["value"], "OFF");
}

#[test]
fn an_error_the_applier_has_moved_past_is_stale() {
    let sample = |position: u64| {
        format!(
            "*************************** 1. row ***************************\n\
             Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\n\
             Relay_Master_Log_File: mysql-bin.000031\nExec_Master_Log_Pos: {position}\n\
             Last_SQL_Errno: 1062\n\
             Last_SQL_Error: Could not execute Write_rows event on table shop.t; Duplicate entry '9' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000031, end_log_pos 8812\n\n"
        )
    };
    let moving = diagnose_text(&format!("{}{}", sample(9000), sample(12000)));
    let found = finding(&moving, Class::DupKey);
    assert_eq!(found.severity, Severity::Info);
    assert_eq!(found.facts.other["stale"], true);
    assert_eq!(found.facts.end_log_pos, Some(8812));
    let stuck = diagnose_text(&format!("{}{}", sample(9000), sample(9000)));
    assert_eq!(finding(&stuck, Class::DupKey).severity, Severity::Critical);
}

#[test]
fn dual_primary_auto_increment_collision() {
    let side = |name: &str, other: &str, offset: u32| {
        format!(
            "-- server: {name} role: both\nauto_increment_increment = 1\nauto_increment_offset = {offset}\n\n\
             Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1062\n\
             Last_SQL_Error: Could not execute Write_rows event on table shop.orders; Duplicate entry '5501' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log {other}-bin.000003, end_log_pos 9921\n\n"
        )
    };
    let report = diagnose_text(&format!(
        "{}{}",
        side("db1", "db2", 1),
        side("db2", "db1", 1)
    ));
    let found = finding(&report, Class::DupKey);
    assert_eq!(found.variant.as_deref(), Some("auto_increment_collision"));
    assert_eq!(
        found.facts.other["auto_increment"][0]["auto_increment_increment"],
        1
    );
    // Separated sequences (2/1 and 2/2) cannot collide: a plain dual-primary collision.
    let separated = format!("{}{}", side("db1", "db2", 1), side("db2", "db1", 2)).replace(
        "auto_increment_increment = 1",
        "auto_increment_increment = 2",
    );
    let report = diagnose_text(&separated);
    assert_eq!(
        finding(&report, Class::DupKey).variant.as_deref(),
        Some("dual_primary_collision")
    );
}

#[test]
fn a_backup_at_another_time_did_not_kill_the_applier() {
    let evidence = |worker_time: &str| {
        format!(
            "mysql> select * from performance_schema.replication_applier_status_by_worker\\G\n\
             *************************** 1. row ***************************\n\
             CHANNEL_NAME: \nWORKER_ID: 1\nSERVICE_STATE: OFF\nLAST_ERROR_NUMBER: 1317\n\
             LAST_ERROR_MESSAGE: Worker 1 failed executing transaction 'a838ba08-c009-11e9-85e1-fa163ea2992d:31622919405' at master log master-bin.005599, end_log_pos 2297; Query execution was interrupted\n\
             LAST_ERROR_TIMESTAMP: {worker_time}\n\n\
             mysql> show slave status\\G\n\
             Slave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1317\n\
             Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed executing transaction 'a838ba08-c009-11e9-85e1-fa163ea2992d:31622919405' at master log master-bin.005599, end_log_pos 2297. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n\n\
             210304 02:00:01 Executing FLUSH TABLES WITH READ LOCK...\n\
             210304 02:01:01 Killing query 77 (duration 61 sec): UPDATE t SET a = 1 WHERE id = 2\n"
        )
    };
    let during = diagnose_text(&evidence("2021-03-04 02:01:01"));
    let killed = finding(&during, Class::ApplierKilled);
    assert_eq!(killed.variant.as_deref(), Some("killed_by_backup"));
    assert_eq!(killed.facts.other["error_time"], "2021-03-04T02:01:01");
    let hours_later = diagnose_text(&evidence("2021-03-04 09:30:00"));
    assert_eq!(finding(&hours_later, Class::ApplierKilled).variant, None);
}

#[test]
fn crash_loss_proven_by_the_sources_gtid_executed_table() {
    let report = diagnose_text(&format!(
        "-- server: replica role: replica\n\
         2023-12-11T10:32:43.433707+08:00 1457551 [ERROR] Error reading packet from server for channel '': Slave has more GTIDs than the master has, using the master's SERVER_UUID. (server_errno=1236)\n\
         gtid_executed = {UUID_SOURCE}:1-1200\n\n\
         -- server: source role: source\n\
         server_uuid = {UUID_SOURCE}\nversion = 5.7.26-log\ngtid_executed = {UUID_SOURCE}:1-1000\n\n\
         mysql> select * from mysql.gtid_executed;\n\
         +--------------------------------------+----------------+--------------+\n\
         | source_uuid                          | interval_start | interval_end |\n\
         +--------------------------------------+----------------+--------------+\n\
         | {UUID_SOURCE} |              1 |          900 |\n\
         +--------------------------------------+----------------+--------------+\n"
    ));
    let classes: Vec<Class> = report.findings.iter().map(|f| f.class).collect();
    assert_eq!(
        classes[..2],
        [Class::CrashGtidLoss, Class::ReplicaHasMoreGtids],
        "{classes:?}"
    );
    let proof = &report.findings[0];
    assert_eq!(
        proof.variant.as_deref(),
        Some("proven_by_gtid_executed_table")
    );
    assert_eq!(
        proof.facts.gtid.as_deref(),
        Some(&*format!("{UUID_SOURCE}:1001-1200"))
    );
    assert_eq!(
        proof.facts.other["persisted_gtid_executed"],
        format!("{UUID_SOURCE}:1-900")
    );
}

#[test]
fn thread_stopped_in_every_naming_and_with_a_bare_error_number() {
    let cases = [
        (
            "Slave_IO_Running: Yes\nSlave_SQL_Running: No\n",
            "SQL_THREAD",
            None::<u64>,
        ),
        (
            "Replica_IO_Running: Yes\nReplica_SQL_Running: No\n",
            "SQL_THREAD",
            None,
        ),
        (
            "Slave_IO_Running: No\nSlave_SQL_Running: Yes\nLast_IO_Errno: 1236\n",
            "IO_THREAD",
            Some(1236),
        ),
    ];
    for (status, thread, errno) in cases {
        let report = diagnose_text(&format!("-- server: db2 role: replica\n{status}"));
        let found = finding(&report, Class::ThreadStopped);
        assert_eq!(found.severity, Severity::Warning, "{status}");
        assert_eq!(found.facts.server.as_deref(), Some("db2"));
        assert_eq!(found.facts.channel.as_deref(), Some(""));
        assert_eq!(found.facts.other["thread"], thread, "{status}");
        assert_eq!(
            found.facts.other.get("error_code").and_then(|v| v.as_u64()),
            errno,
            "{status}"
        );
        assert_eq!(report.worst(), Some(Severity::Warning), "{status}");
    }
    let both = diagnose_text(
        "-- server: db2 role: replica\nSlave_IO_Running: No\nSlave_SQL_Running: No\n",
    );
    let threads: Vec<_> = both
        .findings
        .iter()
        .filter(|f| f.class == Class::ThreadStopped)
        .map(|f| f.facts.other["thread"].clone())
        .collect();
    assert_eq!(threads, ["IO_THREAD,SQL_THREAD"]);
    let running = diagnose_text(
        "-- server: db2 role: replica\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\n",
    );
    assert!(!has(&running, Class::ThreadStopped));
}

#[test]
fn a_stopped_thread_with_its_error_is_that_error_not_thread_stopped() {
    let report = diagnose_text(
        "-- server: db2 role: replica\nSlave_IO_Running: Yes\nSlave_SQL_Running: No\n\
         Last_SQL_Errno: 1062\nLast_SQL_Error: Could not execute Write_rows event on table \
         shop.orders; Duplicate entry '7' for key 'PRIMARY', Error_code: 1062; handler error \
         HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000003, end_log_pos 1234\n",
    );
    assert!(has(&report, Class::DupKey));
    assert!(!has(&report, Class::ThreadStopped));
}

/// Without a version, `Replica_*` columns say MySQL 8.0.22 or later: the plan says `START
/// REPLICA` (8.4 has no `START SLAVE`); `Slave_*` columns keep the old names.
#[test]
fn plans_are_spelled_as_the_pasted_columns_are() {
    let paste = |prefix: &str| {
        format!(
            "{prefix}_IO_Running: Yes\n{prefix}_SQL_Running: No\nLast_SQL_Errno: 1062\n\
             Last_SQL_Error: Could not execute Write_rows event on table shop.t; Duplicate entry '9' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000031, end_log_pos 8812\n"
        )
    };
    let plan = |prefix: &str| {
        let report = diagnose_text(&paste(prefix));
        serde_json::to_string(&finding(&report, Class::DupKey).fix).unwrap()
    };
    let new = plan("Replica");
    assert!(new.contains("START REPLICA SQL_THREAD"), "{new}");
    assert!(!new.contains("START SLAVE"), "{new}");
    let old = plan("Slave");
    assert!(old.contains("START SLAVE SQL_THREAD"), "{old}");
}

#[test]
fn a_status_read_without_a_channel_is_no_replica_and_old_log_lines_are_history() {
    let old_failure = "2024-05-01T10:00:00.000000Z 7 [ERROR] [MY-010584] [Repl] Slave I/O for channel '': error connecting to master 'repl@db1:3306' - retry-time: 60 retries: 1, Error_code: MY-002003\n";
    let report = diagnose_text(&format!(
        "db2> show slave status\\G\nEmpty set (0.00 sec)\n{old_failure}"
    ));
    let top = &report.findings[0];
    assert_eq!(top.class, Class::NoReplicationChannel, "{report:?}");
    assert_eq!(top.facts.server.as_deref(), Some("db2"));
    assert!(!has(&report, Class::ConnectionFailed));
    // The same log line without the empty status is a current failure.
    let report = diagnose_text(old_failure);
    assert_eq!(report.findings[0].class, Class::ConnectionFailed);
    // A source answers SHOW SLAVE STATUS with no row: nothing wrong.
    for label in ["master", "mysql-primary", "source2"] {
        let report = diagnose_text(&format!(
            "{label}> show slave status\\G\nEmpty set (0.00 sec)\n"
        ));
        assert!(
            !has(&report, Class::NoReplicationChannel),
            "{label}: {report:?}"
        );
    }
    // A server that shows its binary log position is a source: no channel is normal.
    let report = diagnose_text(
        "db1> show master status\\G\n*************************** 1. row ***************************\nFile: mysql-bin.000100\nPosition: 500\ndb1> show slave status\\G\nEmpty set (0.00 sec)\n",
    );
    assert!(!has(&report, Class::NoReplicationChannel), "{report:?}");
    // A second look that shows the channel again: the latest sample counts.
    let report = diagnose_text(
        "db2> show slave status\\G\nEmpty set (0.00 sec)\ndb2> show slave status\\G\n*************************** 1. row ***************************\nSlave_IO_Running: Yes\nSlave_SQL_Running: No\nLast_SQL_Errno: 1032\nLast_SQL_Error: Could not execute Delete_rows event on table d.t; Can't find record in 't', Error_code: 1032; handler error HA_ERR_KEY_NOT_FOUND; the event's master log b.000001, end_log_pos 99\n",
    );
    assert_eq!(report.findings[0].class, Class::RowNotFound, "{report:?}");
}

#[test]
fn the_report_says_when_flavor_and_release_were_inferred() {
    let status = "Replica_IO_Running: Yes\nReplica_SQL_Running: No\nLast_SQL_Errno: 1146\nLast_SQL_Error: Error 'Table 'd.t' doesn't exist' on query. Default database: 'd'. Query: 'insert into t values (1)'\n";
    let report = diagnose_text(status);
    let note = &report.servers[0];
    assert!(note.inferred);
    assert_eq!(note.flavor.as_deref(), Some("mysql"));
    assert_eq!(
        note.statements_for,
        "MySQL 8.0.22 or later (the REPLICA names)"
    );
    assert!(
        note.identified_by
            .as_deref()
            .is_some_and(|by| by.contains("column")),
        "{note:?}"
    );
    let text = diagnose::render::text(&report, diagnose::render::TextOptions::default());
    assert!(
        text.contains("statements spelled for MySQL 8.0.22 or later (the REPLICA names)"),
        "{text}"
    );
    let report = diagnose_text(&format!("version = 10.11.6-MariaDB-log\n{status}"));
    let note = &report.servers[0];
    assert!(!note.inferred);
    assert_eq!(note.statements_for, "MariaDB 10.11.6");
}

#[test]
fn a_mariadb_errant_write_is_found_after_the_source_wrote_again() {
    // The replica's position matches the source's; only its binlog state keeps its own write.
    let report = diagnose_text(
        "-- server: db2 role: replica\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\nUsing_Gtid: Slave_Pos\ngtid_current_pos = 0-1-9\ngtid_binlog_state = 0-1-9,0-2-5\nversion = 10.11.6-MariaDB\n-- server: db1 role: source\ngtid_binlog_state = 0-1-9\nversion = 10.11.6-MariaDB\n",
    );
    let errant = finding(&report, Class::ErrantGtids);
    assert_eq!(errant.facts.gtid.as_deref(), Some("0-2-5"), "{report:?}");
    // MariaDB has no GTID_NEXT: no empty transactions in its plan.
    assert!(
        !errant
            .fix
            .steps
            .iter()
            .any(|s| matches!(s.action, Action::InjectEmpty { .. })),
        "{:#?}",
        errant.fix
    );
    // When the source has the replica's server at that number, nothing is errant.
    let report = diagnose_text(
        "-- server: db2 role: replica\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\ngtid_current_pos = 0-1-9\ngtid_binlog_state = 0-1-9,0-2-5\nversion = 10.11.6-MariaDB\n-- server: db1 role: source\ngtid_binlog_state = 0-1-9,0-2-5\nversion = 10.11.6-MariaDB\n",
    );
    assert!(!has(&report, Class::ErrantGtids), "{report:?}");
}

#[test]
fn a_replication_thread_killed_in_the_processlist_is_applier_killed() {
    let report = diagnose_text(
        "| Id | User | Host | db | Command | Time | State | Info |\n| 28 | system user |  | NULL | Query | 32 | Replica has read all relay log; waiting for more updates | NULL |\n| 29 | system user |  | NULL | Killed | 191 | Applying batch of row changes (delete) | delete from t |\n| 30 | app | h:1 | db | Killed | 3 | updating | update t set a=1 |\n",
    );
    let killed = finding(&report, Class::ApplierKilled);
    assert_eq!(killed.facts.thread_ids, vec![29]);
    // An application's session killed is none of replication's business.
    let report = diagnose_text(
        "| Id | User | Host | db | Command | Time | State | Info |\n| 30 | app | h:1 | db | Killed | 3 | updating | update t set a=1 |\n",
    );
    assert!(!has(&report, Class::ApplierKilled));
}

/// The skip of a failing MySQL GTID transaction, statement for statement, in every release's
/// names: `SLAVE` until 8.0.22, `REPLICA` from it (8.4 and 9.x know no other), the status
/// columns and the skip counter renamed with them (8.0.22, 8.0.26). The executor runs exactly
/// these, so they are asserted whole, preconditions included.
#[test]
fn the_mysql_gtid_skip_is_spelled_for_each_release() {
    let gtid = "3e11fa47-71ca-11e1-9e33-c80aa9429562:4412";
    let slave = ("START SLAVE SQL_THREAD", "SHOW SLAVE STATUS");
    let replica = ("START REPLICA SQL_THREAD", "SHOW REPLICA STATUS");
    for (version, (start, show), counter) in [
        ("5.7.44-log", slave, "sql_slave_skip_counter"),
        ("8.0.21", slave, "sql_slave_skip_counter"),
        ("8.0.22", replica, "sql_slave_skip_counter"),
        ("8.0.26", replica, "sql_replica_skip_counter"),
        ("8.4.3", replica, "sql_replica_skip_counter"),
        ("9.1.0", replica, "sql_replica_skip_counter"),
    ] {
        let prefix = if start.contains("REPLICA") {
            "Replica"
        } else {
            "Slave"
        };
        let (file_column, position_column) = if prefix == "Replica" {
            ("Relay_Source_Log_File", "Exec_Source_Log_Pos")
        } else {
            ("Relay_Master_Log_File", "Exec_Master_Log_Pos")
        };
        let report = diagnose_text(&format!(
            "version = {version}\ngtid_mode = ON\n{prefix}_IO_Running: Yes\n{prefix}_SQL_Running: No\n\
             {file_column}: mysql-bin.000031\n{position_column}: 8600\nLast_SQL_Errno: 1062\n\
             Last_SQL_Error: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 2 failed executing transaction '{gtid}' at master log mysql-bin.000031, end_log_pos 8812. See error log and/or performance_schema.replication_applier_status_by_worker table for more details about this failure or others, if any.\n"
        ));
        let found = finding(&report, Class::DupKey);
        let skip = found
            .fix
            .steps
            .iter()
            .chain(found.fix.alternatives.iter().flat_map(|a| &a.plan.steps))
            .find(|s| matches!(&s.action, Action::Sql { statements } if statements[0].starts_with("SET GTID_NEXT")))
            .unwrap_or_else(|| panic!("{version}: no GTID skip in {:#?}", found.fix));
        let Action::Sql { statements } = &skip.action else {
            unreachable!()
        };
        assert_eq!(
            statements,
            &[
                format!("SET GTID_NEXT = '{gtid}'"),
                "BEGIN".to_owned(),
                "COMMIT".to_owned(),
                "SET GTID_NEXT = 'AUTOMATIC'".to_owned(),
                start.to_owned(),
            ],
            "{version}"
        );
        let checks: Vec<(Option<&str>, String)> = skip
            .preconditions
            .iter()
            .map(|c| (c.sql.as_deref(), format!("{:?}", c.expect)))
            .collect();
        assert_eq!(
            checks,
            vec![
                (
                    Some(show),
                    "Column { name: \"Last_SQL_Errno\", value: \"1062\" }".to_owned()
                ),
                (
                    Some(format!("SELECT GTID_SUBSET('{gtid}', @@GLOBAL.gtid_executed)").as_str()),
                    "Value(\"0\")".to_owned()
                ),
                (
                    Some(show),
                    format!("Column {{ name: \"{file_column}\", value: \"mysql-bin.000031\" }}")
                ),
                (
                    Some(show),
                    format!("Column {{ name: \"{position_column}\", value: \"8600\" }}")
                ),
            ],
            "{version}"
        );
        // Without GTIDs the counter has the release's name, guarded by gtid_mode OFF.
        let anonymous = diagnose_text(&format!(
            "version = {version}\n{prefix}_IO_Running: Yes\n{prefix}_SQL_Running: No\nLast_SQL_Errno: 1062\n\
             Last_SQL_Error: Could not execute Write_rows event on table shop.t; Duplicate entry '9' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000031, end_log_pos 8812\n"
        ));
        let plan = serde_json::to_string(&finding(&anonymous, Class::DupKey).fix).unwrap();
        assert!(
            plan.contains(&format!("SET GLOBAL {counter} = 1")),
            "{version}: {plan}"
        );
    }
}

/// MySQL past an event whose error codes differ: the next transaction's position is read from
/// the binlog events given (the GTID event after the failing DDL), never guessed; the hole is
/// filled under the failing GTID and auto-positioning comes back. Without the events, the
/// DBA reads the position: no statement carries a placeholder.
#[test]
fn error_code_mismatch_moves_past_by_a_position_read_from_the_binlog() {
    let status = String::from(
        "-- server: db2 role: replica\nversion = 8.0.36\ngtid_mode = ON\n\
         Replica_IO_Running: Yes\nReplica_SQL_Running: No\nRelay_Source_Log_File: mysql-bin.000010\n\
         Exec_Source_Log_Pos: 400\nLast_SQL_Errno: 0\n\
         Last_SQL_Error: Query caused different errors on master and slave. Error on master: message (format)='Table '%-.192s' already exists' error code=1050 ; Error on slave: actual message='no error', error code=0. Default database: 'zy'. Query: 'CREATE VIEW v1 AS select * from t1'\n",
    );
    let events = "-- server: db1 role: source\n\
        # at 400\n\
        #240301 10:00:00 server id 1  end_log_pos 465 CRC32 0x1b2c3d4e \tGTID\tlast_committed=1\tsequence_number=2\trbr_only=no\n\
        SET @@SESSION.GTID_NEXT= '3e11fa47-71ca-11e1-9e33-c80aa9429562:77'/*!*/;\n\
        # at 465\n\
        #240301 10:00:00 server id 1  end_log_pos 500 CRC32 0x1b2c3d4f \tQuery\tthread_id=5\texec_time=0\terror_code=1050\n\
        CREATE VIEW v1 AS select * from t1\n\
        # at 500\n\
        #240301 10:00:01 server id 1  end_log_pos 575 CRC32 0x1b2c3d50 \tGTID\tlast_committed=2\tsequence_number=3\trbr_only=no\n";
    let report = diagnose_text(&format!("{status}{events}"));
    let found = finding(&report, Class::ErrorCodeMismatch);
    let statements: Vec<&String> = found
        .fix
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Sql { statements } => Some(statements),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        statements,
        [
            "STOP REPLICA",
            "CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION = 0, SOURCE_LOG_FILE = 'mysql-bin.000010', SOURCE_LOG_POS = 500",
            "START REPLICA",
            &format!("SET GTID_NEXT = '{UUID_SOURCE}:77'"),
            "BEGIN",
            "COMMIT",
            "SET GTID_NEXT = 'AUTOMATIC'",
            "STOP REPLICA",
            "CHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION = 1",
            "START REPLICA",
        ],
        "{:#?}",
        found.fix
    );
    let without_events = diagnose_text(&status);
    let plan =
        serde_json::to_string(&finding(&without_events, Class::ErrorCodeMismatch).fix).unwrap();
    assert!(!plan.contains('<'), "{plan}");
    assert!(plan.contains("never guessed"), "{plan}");
}
