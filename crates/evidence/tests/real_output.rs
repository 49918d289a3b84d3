//! Real server and tool output: produced by a hand-started MariaDB 10.11 (tests/data/real) and
//! found in public bug reports and manuals (tests/data/public, source URL in each file).

mod common;

use common::parse_file;
use evidence::model::{
    BackupEvent, ErrorLogFormat, Flavor, ReceiverFailure, ReplicationThread, ThreadRunning,
    TransactionRef,
};

#[test]
fn mariadb_show_all_slaves_status() {
    let parsed = parse_file("real/mariadb-10.11-show-all-slaves-status.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    assert_eq!(server.identity.flavor, Some(Flavor::Mariadb));
    let channel = &server.channels()[0];
    assert_eq!(channel.channel_name, "east");
    assert_eq!(channel.replica_io_running, Some(ThreadRunning::Connecting));
    assert_eq!(channel.replica_sql_running, Some(ThreadRunning::Yes));
    assert_eq!(channel.last_io_errno, Some(2003));
    assert_eq!(channel.using_gtid.as_deref(), Some("Slave_Pos"));
    assert_eq!(channel.gtid_io_pos, None);
    assert_eq!(channel.retried_transactions, Some(0));
    assert_eq!(channel.parallel_mode.as_deref(), Some("optimistic"));
    assert_eq!(
        channel.replica_sql_state.as_deref(),
        Some("Slave has read all relay log; waiting for more updates")
    );
    assert_eq!(channel.gtid_replica_pos.as_ref().unwrap().text, "0-12-3");
    assert_eq!(channel.seconds_behind_source, None);
    assert_eq!(channel.raw.len(), 62);
    let io = channel.receiver_error().unwrap();
    assert_eq!(io.failure, ReceiverFailure::ConnectionFailed);
    assert_eq!(
        io.connection_target.as_deref(),
        Some("repl@127.0.0.1:33999")
    );
    insta::assert_json_snapshot!("mariadb_all_slaves_channel", channel);
}

#[test]
fn mariadb_tables_processlist_variables_binlogs() {
    let parsed = parse_file("real/mariadb-10.11-tables.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    let sample = server.latest_sample().unwrap();
    assert_eq!(sample.processlist.len(), 7);
    let workers = sample
        .processlist
        .iter()
        .filter(|p| p.command.as_deref() == Some("Slave_worker"))
        .count();
    assert_eq!(workers, 4);
    assert_eq!(server.variables.gtid_binlog_pos().unwrap().text, "0-12-3");
    assert_eq!(server.variables.gtid_slave_pos(), None);
    assert_eq!(server.variables.parallel_workers(), Some(4));
    assert_eq!(server.variables.parallel_mode(), Some("optimistic"));
    assert_eq!(server.binary_logs[0].name, "mariadb-bin.000001");
    assert_eq!(server.binary_logs[0].size, Some(795));
    let position = sample.binlog_position.as_ref().unwrap();
    assert_eq!(
        (position.file.as_str(), position.position),
        ("mariadb-bin.000001", Some(795))
    );
    assert_eq!(server.identity.flavor, Some(Flavor::Mariadb));
}

#[test]
fn mariadb_lock_wait_and_deadlock() {
    let parsed = parse_file("real/mariadb-10.11-lock-wait.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    let sample = server.latest_sample().unwrap();
    let wait = &sample.lock_waits[0];
    assert_eq!(wait.waiting_trx_id.as_deref(), Some("28"));
    assert_eq!(wait.blocking_trx_id.as_deref(), Some("27"));
    let trx: Vec<_> = sample
        .innodb_transactions
        .iter()
        .map(|t| (t.trx_id.as_str(), t.state.as_deref(), t.thread_id))
        .collect();
    assert_eq!(
        trx,
        vec![
            ("28", Some("LOCK WAIT"), Some(18)),
            ("27", Some("RUNNING"), Some(17))
        ]
    );

    assert_eq!(
        server.innodb_status.len(),
        1,
        "one monitor output, blank lines and all"
    );
    let status = &server.innodb_status[0];
    assert_eq!(
        status.time.as_ref().unwrap().to_string(),
        "2026-11-21T12:38:41"
    );
    assert!(status.sections.iter().any(|s| s == "TRANSACTIONS"));
    let waiting = &status.transactions[0];
    assert_eq!(waiting.trx_id, "28");
    assert_eq!(waiting.thread_id, Some(18));
    assert_eq!(
        waiting.query.as_deref(),
        Some("UPDATE d.t SET v=200 WHERE id=1")
    );
    assert_eq!(waiting.waiting_seconds, Some(3));
    let lock = waiting.waiting_for.as_ref().unwrap();
    assert_eq!(
        (lock.index.as_deref(), lock.table.as_deref()),
        (Some("PRIMARY"), Some("d.t"))
    );
    let holder = &status.transactions[1];
    assert_eq!(
        (holder.trx_id.as_str(), holder.active_seconds),
        ("27", Some(4))
    );
    assert!(holder.waiting_for.is_none());

    let deadlock = status.latest_deadlock.as_ref().unwrap();
    assert_eq!(
        deadlock.time.as_ref().unwrap().to_string(),
        "2026-11-21T12:38:34"
    );
    assert_eq!(deadlock.rolled_back, Some(1));
    let ids: Vec<_> = deadlock
        .transactions
        .iter()
        .map(|t| t.trx_id.as_str())
        .collect();
    assert_eq!(ids, vec!["24", "23"]);
    assert_eq!(
        deadlock.transactions[0].query.as_deref(),
        Some("UPDATE d.t SET v=v+1 WHERE id=1")
    );
    assert!(
        deadlock
            .transactions
            .iter()
            .all(|t| t.waiting_for.is_some())
    );
}

#[test]
fn mariadb_error_log() {
    let parsed = parse_file("real/mariadb-10.11-error.log");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    assert_eq!(
        server.identity.version.as_deref(),
        Some("10.11.19-MariaDB-0+deb12u1-log")
    );
    assert_eq!(server.identity.flavor, Some(Flavor::Mariadb));
    let error = server
        .error_log
        .iter()
        .find(|l| l.level == evidence::model::LogLevel::Error)
        .unwrap();
    assert_eq!(error.format, ErrorLogFormat::SpaceSeparated);
    assert_eq!(error.channel(), Some("east"));
    assert_eq!(
        error.replication_thread(),
        Some(ReplicationThread::Receiver)
    );
    assert_eq!(error.error_codes(), vec![2003]);
    assert_eq!(
        error.receiver_error().unwrap().failure,
        ReceiverFailure::ConnectionFailed
    );
}

#[test]
fn mariadb_binlog_decoded() {
    let parsed = parse_file("real/mariadb-10.11-binlog-vv.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let events = &parsed.evidence.server(None).unwrap().binlog_events;
    let insert = events
        .iter()
        .find(|e| e.body.iter().any(|l| l.starts_with("INSERT INTO d.t")))
        .unwrap();
    assert_eq!(insert.gtid.as_deref(), Some("0-12-3"));
    assert_eq!(insert.start_position, Some(667));
    assert_eq!(insert.end_log_pos, Some(764));
    assert_eq!(insert.server_id, Some(12));
    assert_eq!(insert.error_code(), Some(0));
    let types: Vec<&str> = events
        .iter()
        .take(5)
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(
        types,
        vec!["Start", "Gtid_list", "Binlog_checkpoint", "GTID", "Query"]
    );
    let xid = events.iter().find(|e| e.event_type == "Xid").unwrap();
    assert_eq!(xid.attribute("xid"), Some("7"));
}

#[test]
fn mysql57_status_cut_short() {
    let parsed = parse_file("public/mysql57-show-slave-status-1062-cut.txt");
    let channel = &parsed.evidence.server(None).unwrap().channels()[0];
    assert_eq!(channel.replica_sql_running, Some(ThreadRunning::No));
    assert_eq!(channel.read_source_log_pos, Some(313613925));
    assert_eq!(
        channel.replicate_ignore_db.as_deref(),
        Some("mysql,test,information_schema")
    );
    let error = channel.applier_error().unwrap();
    assert_eq!(
        error.duplicate_entry.as_ref().unwrap().key,
        "kine_name_prev_revision_uindex"
    );
    assert_eq!(error.source_log.as_ref().unwrap().position, 168394293);
    assert_eq!(error.table().unwrap().to_string(), "kube_prod.kine");
    // The cut-off last line is reported, not dropped.
    assert_eq!(parsed.not_understood.len(), 1);
    assert_eq!(parsed.not_understood[0].first_line, 25);
    assert_eq!(parsed.not_understood[0].excerpt, "Exec_Mast");
}

#[test]
fn mysql56_statement_error() {
    let parsed = parse_file("public/mysql56-show-slave-status-on-query.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let channel = &parsed.evidence.server(None).unwrap().channels()[0];
    let statement = channel.applier_error().unwrap().statement.unwrap();
    assert_eq!(
        statement.error_message.as_deref(),
        Some("Duplicate entry '%-test-' for key 'PRIMARY'")
    );
    assert_eq!(statement.default_database.as_deref(), Some("mysql"));
    assert_eq!(
        statement.query.as_deref(),
        Some("INSERT INTO db SELECT * FROM tmp_db WHERE @had_db_table=0;")
    );
}

#[test]
fn mysql8_replica_status_names() {
    let parsed = parse_file("public/mysql8-show-replica-status-docs.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    let channel = &server.channels()[0];
    assert_eq!(channel.source_host.as_deref(), Some("127.0.0.1"));
    assert_eq!(channel.source_port, Some(13000));
    assert_eq!(channel.exec_source_log_pos, Some(927));
    assert_eq!(
        channel.relay_source_log_file.as_deref(),
        Some("master-bin.000001")
    );
    assert_eq!(channel.replica_io_running, Some(ThreadRunning::Yes));
    assert_eq!(channel.applier_errno(), None);
    assert_eq!(server.identity.flavor, Some(Flavor::Mysql));
}

#[test]
fn mysql57_worker_row_with_multiline_query() {
    let parsed = parse_file("public/mysql57-worker-row-multiline-query.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let worker = &parsed
        .evidence
        .server(None)
        .unwrap()
        .latest_sample()
        .unwrap()
        .workers[0];
    assert_eq!(worker.worker_id, Some(4));
    assert_eq!(
        worker.last_seen_transaction,
        Some(TransactionRef::Anonymous)
    );
    assert_eq!(worker.last_error_number, Some(1050));
    assert_eq!(
        worker.last_error_timestamp.as_ref().unwrap().to_string(),
        "2020-05-30T19:01:16"
    );
    let error = worker.error().unwrap();
    assert_eq!(error.worker_id, Some(3));
    assert_eq!(error.source_log.unwrap().file, "DB01-mysql-bin.191922");
    let query = error.statement.unwrap().query.unwrap();
    assert!(
        query.starts_with("Create temporary table crm_deals.dnrOrgList\n("),
        "{query}"
    );
    assert!(query.ends_with("Primary key (orgid)\n)"), "{query}");
}

#[test]
fn mysql8_error_log_behind_container_prefix() {
    let parsed = parse_file("public/mysql8-error-log-docker.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let log = &parsed.evidence.server(None).unwrap().error_log;
    assert_eq!(log.len(), 4);
    assert_eq!(log[1].log_code, Some(10584));
    assert_eq!(log[1].subsystem.as_deref(), Some("Repl"));
    assert_eq!(log[1].error_codes(), vec![1396]);
    let stopped = log[3].applier_error().unwrap().stopped_at.unwrap();
    assert_eq!(
        (stopped.file.as_str(), stopped.position),
        ("log-bin.000016", 3107328)
    );
}

#[test]
fn mysql57_connect_retries_and_mariadb_gtid_state() {
    let parsed = parse_file("public/mysql57-error-log-connect-retries.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let log = &parsed.evidence.server(None).unwrap().error_log;
    let failures: Vec<_> = log.iter().filter_map(|l| l.receiver_error()).collect();
    assert_eq!(failures.len(), 2);
    assert!(
        failures
            .iter()
            .all(|f| f.failure == ReceiverFailure::ConnectionFailed && f.error_codes == vec![2005])
    );

    let parsed = parse_file("public/mariadb-error-log-gtid-slave-pos-1062.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let log = &parsed.evidence.server(None).unwrap().error_log;
    assert_eq!(log.len(), 4);
    let first = log[0].applier_error().unwrap();
    assert_eq!(first.mariadb_gtid.as_deref(), Some("0-1684298499-71198"));
    assert_eq!(first.error_codes, vec![1942]);
    let stopped = log[3].applier_error().unwrap().stopped_at.unwrap();
    assert_eq!(
        (stopped.file.as_str(), stopped.position),
        ("mariadb-bin.000005", 31652764)
    );
}

#[test]
fn status_counters_and_prompts_with_host() {
    let parsed = parse_file("public/mariadb-show-status-table.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    assert_eq!(server.status.get("Slave_retried_transactions"), Some("0"));
    assert_eq!(server.status.get("Rpl_semi_sync_slave_status"), Some("ON"));
    assert!(server.variables.values.is_empty());

    let parsed = parse_file("public/mysql8-variables-prompt-with-host.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    assert_eq!(server.identity.version.as_deref(), Some("8.0.26"));
    assert_eq!(server.identity.version_triple(), Some((8, 0, 26)));
    assert_eq!(server.variables.binlog_format(), Some("ROW"));
    assert_eq!(server.variables.binlog_row_image(), Some("FULL"));
}

#[test]
fn xtrabackup_lines_from_the_manual() {
    let parsed = parse_file("public/xtrabackup-log-lines-docs.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let log = &parsed.evidence.server(None).unwrap().backup_log;
    assert_eq!(log.len(), 4);
    assert!(
        matches!(&log[0].event, BackupEvent::Started { tool_version: Some(v) } if v == "8.3.0-1")
    );
    assert_eq!(
        log[2].time.as_ref().unwrap().to_string(),
        "2022-03-22T19:05:13"
    );
}

#[test]
fn mariadb_table_keys_from_show_index_create_table_and_statistics() {
    let parsed = parse_file("real/mariadb-10.11-table-keys.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    let orders = server.table(Some("shop"), "orders").unwrap();
    assert_eq!(orders.schema.as_deref(), Some("shop"));
    let columns: Vec<&str> = orders.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["id", "a", "b", "c", "note"]);
    assert_eq!(orders.primary_key().unwrap().columns, ["id", "a", "b"]);
    let unique: Vec<String> = orders
        .unique_secondary_keys()
        .map(|k| k.describe())
        .collect();
    assert_eq!(unique, ["uk_a_b (a,b,id)"]);
    let idx_c = orders.indexes.iter().find(|i| i.name == "idx_c").unwrap();
    assert!(!idx_c.unique);
    // The tabular SHOW CREATE TABLE, its value over three lines.
    let audit = server.table(None, "audit").unwrap();
    let columns: Vec<&str> = audit.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(columns, ["ts", "msg"]);
    assert!(audit.primary_key().is_none());
    assert_eq!(server.tables.len(), 2);
}

#[test]
fn create_table_pasted_bare_with_its_partition_clause() {
    let text = "mysql> show slave status\\G\n       Slave_SQL_Running: Yes\n\n\
        CREATE TABLE `t` (\n  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n  \
        `k` varchar(64) NOT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uk_k` (`k`)\n\
        ) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4\n\
        /*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */\n\
        CREATE TABLE broken (id int,, );\n";
    let parsed = evidence::text::parse_text("-", text);
    let server = parsed.evidence.server(None).unwrap();
    let t = server.table(None, "t").unwrap();
    assert!(t.columns[0].auto_increment);
    let unique: Vec<String> = t.unique_secondary_keys().map(|k| k.describe()).collect();
    assert_eq!(unique, ["uk_k (k)"]);
    assert_eq!(
        parsed.not_understood.len(),
        1,
        "{:#?}",
        parsed.not_understood
    );
    assert_eq!(parsed.not_understood[0].first_line, 12);
}
