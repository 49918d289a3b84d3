//! Lines of the incident corpus (crates/diagnose/tests/corpus, named per test) that the parser
//! once missed, each read into the facts a diagnosis needs.

use evidence::model::{
    ClientProgram, ErrorLogFormat, Flavor, LogLevel, ReceiverFailure, ReplicationThread,
    ServerEvidence, TransactionRef,
};
use evidence::text::{ParsedText, parse_text};

fn parse(text: &str) -> ParsedText {
    let parsed = parse_text("t", text);
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    parsed
}

fn server<'p>(parsed: &'p ParsedText, label: Option<&str>) -> &'p ServerEvidence {
    parsed.evidence.server(label).unwrap()
}

const WORKER_MESSAGE: &str = "LAST_ERROR_MESSAGE: Worker 1 failed executing transaction 'ANONYMOUS' at source log mysql-bin-changelog.397390, end_log_pos 7392217; Error 'Duplicate entry '1587884218' for key 'track.PRIMARY'' on query. Default database: 'marketplace'. Query: 'INSERT INTO `track` (`track_process`, `order_no`, `create_date`) VALUES (7, 'ORDER-930012421', '2024-10-04 01:03:14')'";

/// 001-dup-key-worker-anonymous-rds.txt
#[test]
fn worker_row_with_only_its_error_message() {
    for text in [
        format!(
            "mysql> SELECT * FROM performance_schema.replication_applier_status_by_worker\\G\n{WORKER_MESSAGE}"
        ),
        // Without the statement, the message says whose it is.
        WORKER_MESSAGE.to_owned(),
    ] {
        let parsed = parse(&text);
        let sample = server(&parsed, None).latest_sample().unwrap();
        assert!(sample.channels.is_empty());
        let error = sample.workers[0].error().unwrap();
        assert_eq!(error.worker_id, Some(1));
        assert_eq!(error.transaction, Some(TransactionRef::Anonymous));
        let at = error.source_log.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("mysql-bin-changelog.397390", 7_392_217)
        );
        let duplicate = error.duplicate_entry.unwrap();
        assert_eq!(
            (duplicate.value.as_str(), duplicate.key_name()),
            ("1587884218", "PRIMARY")
        );
        assert_eq!(error.error_codes, vec![1062]);
    }
    // A coordinator's message alone is not taken for a worker's.
    let parsed = parse_text(
        "t",
        "LAST_ERROR_MESSAGE: Coordinator stopped because there were error(s) in the worker(s).",
    );
    assert_eq!(parsed.not_understood.len(), 1);
}

/// 030-gtid-holes-ghost-gtid-after-reset-master.txt (and a set printed over several lines)
#[test]
fn lone_executed_gtid_set_is_the_servers_gtid_executed() {
    let parsed = parse(
        "-- server: slave role: replica\nExecuted_Gtid_Set: 744c6c9a-766d-11eb-9807-fa163e6a649a:1-134:136-140\n",
    );
    let slave = server(&parsed, Some("slave"));
    assert_eq!(
        slave.variables.gtid_executed().unwrap().text,
        "744c6c9a-766d-11eb-9807-fa163e6a649a:1-134:136-140"
    );
    assert!(slave.samples.is_empty(), "no channel is made up");

    let parsed = parse(
        "Executed_Gtid_Set: 495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,\n98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-165311869,\ne3f234a5-9810-11e2-9d1f-065e7e937932:1\nserver_id = 7",
    );
    let one = server(&parsed, None);
    assert_eq!(
        one.variables.gtid_executed().unwrap().text,
        "495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-165311869,e3f234a5-9810-11e2-9d1f-065e7e937932:1"
    );
    assert_eq!(one.variables.server_id(), Some(7));
}

/// 013-relay-log-unreadable-crc.txt
#[test]
fn mysql57_line_without_thread_id() {
    let parsed = parse(
        "2024-12-29T00:22:19.824988+08:00 [ERROR] Error in Log_event::read_log_event(): 'Event crc check failed!'",
    );
    let line = &server(&parsed, None).error_log[0];
    assert_eq!(line.format, ErrorLogFormat::Mysql57);
    assert_eq!(line.thread, None);
    assert_eq!(line.level, LogLevel::Error);
    assert_eq!(
        line.time.as_ref().unwrap().utc_offset_seconds,
        Some(8 * 3600)
    );
    assert_eq!(
        line.message,
        "Error in Log_event::read_log_event(): 'Event crc check failed!'"
    );
}

/// 020-source-purged-gtids-mariadb-after-reset-master.txt
#[test]
fn mariadb_line_without_timestamp() {
    let parsed = parse(
        "[ERROR] Master 'mariadb-operator': Slave I/O: Got fatal error 1236 from master when reading data from binary log: 'Error: connecting slave requested to start from GTID 0-10-848902, which is not in the master's binlog', Internal MariaDB error code: 1236",
    );
    let line = &server(&parsed, None).error_log[0];
    assert_eq!(line.format, ErrorLogFormat::Untimed);
    assert_eq!(
        (line.time.as_ref(), line.level.clone()),
        (None, LogLevel::Error)
    );
    assert_eq!(line.channel(), Some("mariadb-operator"));
    let receiver = line.receiver_error().unwrap();
    assert_eq!(receiver.failure, ReceiverFailure::GtidNotInSourceBinlog);
    assert_eq!(receiver.source_error_code, Some(1236));
    // Other bracketed text is not a log line.
    assert_eq!(parse_text("t", "[mysqld] x y").not_understood.len(), 1);
}

/// 016-source-purged-gtids-13114.txt, 033-applier-metadata-relay-log-missing-1872.txt,
/// 015-version-incompatibility-collation-255.txt
#[test]
fn custom_prompts() {
    let parsed = parse(
        "mysql > show replica status\\G\n*************************** 1. row ***************************\nReplica_IO_Running: No\nLast_IO_Errno: 13114",
    );
    let channel = &server(&parsed, None).channels()[0];
    assert_eq!(channel.last_io_errno, Some(13114));

    let parsed = parse(
        "dba:(none)> start slave;\nERROR 1872 (HY000): Slave failed to initialize relay log info structure from the repository",
    );
    let error = &server(&parsed, None).client_errors[0];
    assert_eq!(error.statement.as_deref(), Some("start slave;"));

    let parsed = parse(
        "-- server: primary role: source\nhotdb_datasource@192.168.210.154:db01 8.0.35 02:47:28> select version();\n+-----------+\n| version() |\n+-----------+\n| 8.0.35 |\n+-----------+\n1 row in set (0.00 sec)",
    );
    let primary = server(&parsed, Some("primary"));
    assert_eq!(primary.identity.version.as_deref(), Some("8.0.35"));
    assert_eq!(primary.identity.flavor, Some(Flavor::Mysql));
    assert_eq!(primary.identity.version_triple(), Some((8, 0, 35)));
}

#[test]
fn prompt_like_text_that_is_not_a_prompt() {
    // A `>` in a log line or a field is not a prompt: the line is read as what it is.
    let parsed = parse("2024-01-01T10:00:00.000000Z 0 [Note] a > show");
    assert_eq!(server(&parsed, None).error_log[0].message, "a > show");
    let parsed = parse(
        "show processlist\\G\nId: 5\nUser: app\nCommand: Query\nInfo: insert into t select * from u where a > select",
    );
    let process = &server(&parsed, None).latest_sample().unwrap().processlist[0];
    assert_eq!(process.id, Some(5));
    // A label prompt still names a server.
    let parsed = parse("DB01> show slave status\\G\nLast_Errno: 1062");
    assert_eq!(
        server(&parsed, Some("DB01")).channels()[0].last_errno,
        Some(1062)
    );
}

/// 033-applier-metadata-relay-log-missing-1872.txt, 014-version-incompatibility-57-to-55.txt
#[test]
fn client_errors_are_kept() {
    let parsed = parse(
        "dba:(none)> start slave;\nERROR 1872 (HY000): Slave failed to initialize relay log info structure from the repository\n",
    );
    let error = &server(&parsed, None).client_errors[0];
    assert_eq!(error.program, ClientProgram::Mysql);
    assert_eq!(error.code, Some(1872));
    assert_eq!(error.sqlstate.as_deref(), Some("HY000"));
    assert_eq!(
        error.message,
        "Slave failed to initialize relay log info structure from the repository"
    );

    let parsed = parse(
        "Last_Errno: 1594\nLast_Error: Relay log read failure: Could not parse relay log event entry.\nERROR: Error in Log_event::read_log_event(): 'Sanity check failed', data_len: 61, event_type: 34\nERROR: Could not read entry at offset 270: Error in log format or read error.",
    );
    let slave = server(&parsed, None);
    assert_eq!(
        slave.channels()[0].last_error.as_deref(),
        Some("Relay log read failure: Could not parse relay log event entry.")
    );
    let errors = &slave.client_errors;
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].program, ClientProgram::Mysqlbinlog);
    assert_eq!(
        (errors[0].event_type, errors[0].data_len),
        (Some(34), Some(61))
    );
    assert_eq!((errors[1].offset, errors[1].code), (Some(270), None));
}

/// 029-gtid-holes-replica-missing-one.txt
#[test]
fn bare_select_labels_its_answer() {
    let parsed = parse(
        "-- server: slave role: replica\nSELECT @@global.gtid_executed\n495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,\n98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-165311869,\n9dac41db-81c8-11e2-8bd2-065e7ea1bc7d:1-25627850,\nddc9b988-9811-11e2-9d25-065e7ead6b68:1,\ne3f234a5-9810-11e2-9d1f-065e7e937932:1\nSELECT @@global.gtid_purged\n495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,\n98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-130357223,\ne3f234a5-9810-11e2-9d1f-065e7e937932:1\n",
    );
    let slave = server(&parsed, Some("slave"));
    assert!(slave.unlabelled_gtid_sets.is_empty());
    assert_eq!(
        slave.variables.gtid_executed().unwrap().text,
        "495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-165311869,9dac41db-81c8-11e2-8bd2-065e7ea1bc7d:1-25627850,ddc9b988-9811-11e2-9d25-065e7ead6b68:1,e3f234a5-9810-11e2-9d1f-065e7e937932:1"
    );
    assert_eq!(
        slave.variables.gtid_purged().unwrap().text,
        "495026d5-81c4-11e2-8bb6-0296f9c14830:1-2,98cba6c2-81d2-11e2-8c14-0296f9d510ce:1-69398730:69398732-130357223,e3f234a5-9810-11e2-9d1f-065e7e937932:1"
    );
    // One answer per statement: a second set stays unlabelled.
    let parsed = parse("select @@server_id;\n33\n0-1-5\n");
    let one = server(&parsed, None);
    assert_eq!(one.variables.server_id(), Some(33));
    assert_eq!(one.unlabelled_gtid_sets[0].0.text, "0-1-5");
}

/// 023-identity-conflict-equal-uuids-cloned-vm.txt
#[test]
fn variable_rows_without_borders() {
    let parsed = parse(
        "-- server: master_mysql role: source\nmaster_mysql> show variables like 'server_id';\n| Variable_name | Value |\n| server_id    | 33    |\n\n-- server: slave_mysql role: replica\nslave_mysql> show variables like 'server_id';\n| Variable_name | Value |\n| server_id    | 11    |",
    );
    assert_eq!(
        server(&parsed, Some("master_mysql")).identity.server_id,
        Some(33)
    );
    assert_eq!(
        server(&parsed, Some("slave_mysql")).identity.server_id,
        Some(11)
    );
}

/// 022-source-binlog-unreadable-position-past-eof.txt
#[test]
fn ls_listing_of_binlogs() {
    let parsed = parse(
        "-- server: master role: source\ntotal 1224496\n-rw-r-----  1 mysql mysql   152760218 Aug  3 00:31 mysql-bin.001025\n-rw-r-----  1 mysql mysql  1073787553 Aug  3 00:51 mysql-bin.001026\n-rw-r-----  1 mysql mysql          38 Aug  3 00:51 mysql-bin.index\n-rw-r-----  1 mysql mysql         200 Aug  3 00:51 ./db-relay-bin.000007",
    );
    let master = server(&parsed, Some("master"));
    let logs: Vec<(&str, Option<u64>)> = master
        .binary_logs
        .iter()
        .map(|l| (l.name.as_str(), l.size))
        .collect();
    assert_eq!(
        logs,
        [
            ("mysql-bin.001025", Some(152_760_218)),
            ("mysql-bin.001026", Some(1_073_787_553))
        ]
    );
    assert_eq!(master.relay_logs[0].name, "db-relay-bin.000007");
}

/// 010-filter-mismatch-wild-do-table-function.txt
#[test]
fn error_log_message_over_several_lines() {
    let parsed = parse(
        "140519  9:03:37 [ERROR] Slave SQL: Error 'Unknown database 'situatii'' on query. Default database: 'situatii'. Query: 'CREATE DEFINER=`root`@`192.168.%.%` FUNCTION `AlphaToInt`(str char(6)) RETURNS int(11)\n    NO SQL\n    DETERMINISTIC\nBEGIN\n.......more cmd........\nSELECT 1 INTO x;\nset result = 1;\nreturn result;\nEND', Error_code: 1049\n140519  9:03:37 [Warning] Slave: Unknown database 'situatii' Error_code: 1049\n",
    );
    let log = &server(&parsed, None).error_log;
    assert_eq!(log.len(), 2);
    let error = log[0].applier_error().unwrap();
    assert_eq!(error.error_codes, vec![1049]);
    let statement = error.statement.unwrap();
    assert_eq!(statement.default_database.as_deref(), Some("situatii"));
    let query = statement.query.unwrap();
    assert!(query.starts_with("CREATE DEFINER=`root`@`192.168.%.%` FUNCTION `AlphaToInt`"));
    assert!(query.contains("\nNO SQL\nDETERMINISTIC\nBEGIN\n"));
    assert!(query.ends_with("return result;\nEND"), "{query}");
    assert_eq!(log[1].level, LogLevel::Warning);
    // A line that starts something else ends the message.
    let parsed = parse("140519  9:03:37 [ERROR] Slave SQL: stopped\nserver_id = 2\n");
    let one = server(&parsed, None);
    assert_eq!(one.error_log[0].message, "Slave SQL: stopped");
    assert_eq!(one.variables.server_id(), Some(2));
}

/// 021-source-binlog-missing-legacy.txt
#[test]
fn legacy_lines_without_level() {
    let parsed = parse(
        "060614 11:17:42 Error reading packet from server: Could not find first log file name in binary log index file (server_errno=1236)\n060614 11:17:42 Got fatal error 1236: 'Could not find first log file name in binary log index file' from master when reading data from binary log\n060614 11:17:43 Slave I/O thread exiting, read up to log 'mysql-bin.000123', position 4",
    );
    let log = &server(&parsed, None).error_log;
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|l| l.format == ErrorLogFormat::LegacyNoLevel)
    );
    assert_eq!(
        log.iter().map(|l| l.level.clone()).collect::<Vec<_>>(),
        [LogLevel::Error, LogLevel::Error, LogLevel::Note]
    );
    let receiver = log[0].receiver_error().unwrap();
    assert_eq!(receiver.failure, ReceiverFailure::BinlogFileMissing);
    assert_eq!(receiver.source_error_code, Some(1236));
    assert_eq!(
        log[1].replication_thread(),
        Some(ReplicationThread::Receiver)
    );
    // xtrabackup 2.4 writes the same time shape: its lines stay backup-log lines.
    let parsed = parse("210304 02:10:01 Executing FLUSH TABLES WITH READ LOCK...");
    let one = server(&parsed, None);
    assert!(one.error_log.is_empty());
    assert_eq!(one.backup_log.len(), 1);
}

/// 032-replica-disk-full-relay-log.txt
#[test]
fn full_disk_lines() {
    let parsed = parse(
        "120909  4:49:07 [ERROR] /usr/sbin/mysqld: Disk is full writing './m_database/my_table.TMD' (Errcode: 28). Waiting for someone to free space... (Expect up to 60 secs delay for server to continue after freeing disk space)\n120909  4:49:09 [ERROR] /usr/sbin/mysqld: Disk is full writing './myhostname-relay-bin.000984' (Errcode: 28). Waiting for someone to free space... (Expect up to 60 secs delay for server to continue after freeing disk space)",
    );
    let log = &server(&parsed, None).error_log;
    // Any session may meet a full disk; only the receiver writes relay logs.
    assert_eq!(log[0].replication_thread(), None);
    let receiver = log[1].receiver_error().unwrap();
    assert_eq!(receiver.error_codes, vec![28]);
}

/// 028-errant-gtids-mariadb-1950-after-failover.txt, pasted without its blank line
#[test]
fn variable_line_ends_a_multi_line_value() {
    let parsed = parse(
        "Last_SQL_Errno: 1950\nLast_SQL_Error: An attempt was made to binlog GTID 0-2-212 which would\n  create an out-of-order sequence number with existing GTID 0-1-213,\n  and gtid strict mode is enabled\nserver_id = 1\ngtid_binlog_pos = 0-1-213",
    );
    let pod = server(&parsed, None);
    assert_eq!(
        pod.channels()[0].last_sql_error.as_deref(),
        Some(
            "An attempt was made to binlog GTID 0-2-212 which would\ncreate an out-of-order sequence number with existing GTID 0-1-213,\nand gtid strict mode is enabled"
        )
    );
    assert_eq!(pod.variables.server_id(), Some(1));
    assert_eq!(pod.variables.get("gtid_binlog_pos"), Some("0-1-213"));
    // Inside a quoted statement, `name = value` lines are the statement's text.
    let parsed = parse(
        "Last_SQL_Error: Error 'x' on query. Default database: 'd'. Query: 'update t\nset a = 1\nwhere b = 2'\nserver_id = 3",
    );
    let one = server(&parsed, None);
    let query = one.channels()[0]
        .applier_error()
        .unwrap()
        .statement
        .unwrap()
        .query;
    assert_eq!(query.as_deref(), Some("update t\nset a = 1\nwhere b = 2"));
    assert_eq!(one.variables.server_id(), Some(3));
}

/// 010-filter-mismatch-wild-do-table-function.txt
#[test]
fn repeated_filter_options_accumulate() {
    let parsed = parse(
        "[mysqld]\nserver-id=2\nbinlog-format=MIXED\nreplicate-wild-do-table=sibanc.%\nreplicate-wild-do-table=sibanc_luna.%\nreplicate-wild-do-table=raportari.%\n",
    );
    let variables = &server(&parsed, None).variables;
    assert_eq!(
        variables.get("replicate_wild_do_table"),
        Some("sibanc.%,sibanc_luna.%,raportari.%")
    );
    assert_eq!(variables.server_id(), Some(2));
    // Outside an option file a later value replaces the earlier one.
    let parsed = parse("read_only = OFF\nread_only = ON\n");
    assert_eq!(server(&parsed, None).variables.read_only(), Some(true));
}

#[test]
fn evidence_saved_before_client_errors_still_loads() {
    let parsed = parse("dba:(none)> start slave;\nERROR 1872 (HY000): x\n");
    let mut json = serde_json::to_value(&parsed.evidence).unwrap();
    let server = json["servers"][0].as_object_mut().unwrap();
    assert!(server.remove("client_errors").is_some());
    let old: evidence::model::Evidence = serde_json::from_value(json).unwrap();
    assert!(old.servers[0].client_errors.is_empty());
    assert_eq!(old.servers[0].label, parsed.evidence.servers[0].label);
}
