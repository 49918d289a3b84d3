//! The five founding cases of shared/cases.md, as a DBA would paste their evidence: every fact a
//! diagnosis needs must come out of the text.

mod common;

use common::parse_file;
use evidence::model::{
    BinlogEvent, Flavor, LogLevel, ReceiverFailure, ReplicationThread, Role, ThreadRunning,
    TransactionRef,
};

#[test]
fn case1_worker_killed_by_backup() {
    let parsed = parse_file("cases/case1-backup-kill-1317.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    assert_eq!(server.role, Some(Role::Replica));
    let channel = &server.channels()[0];
    assert_eq!(channel.channel_name, "");
    assert_eq!(channel.last_errno, Some(1317));
    assert_eq!(channel.last_sql_errno, Some(1317));
    assert_eq!(channel.applier_errno(), Some(1317));
    let error = channel.applier_error().unwrap();
    assert!(error.coordinator_stopped);
    assert_eq!(error.worker_id, Some(1));
    assert_eq!(
        error.transaction,
        Some(TransactionRef::Gtid(
            "a838ba08-c009-11e9-85e1-fa163ea2992d:31622919405".into()
        ))
    );
    let at = error.source_log.unwrap();
    assert_eq!((at.file.as_str(), at.position), ("master-bin.005599", 2297));
    assert_eq!(
        channel.origin.to_string(),
        "cases/case1-backup-kill-1317.txt, lines 5-9"
    );
}

#[test]
fn case2_hung_parallel_applier() {
    let parsed = parse_file("cases/case2-mts-commit-order-hang.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    assert_eq!(parsed.evidence.servers.len(), 1);
    let server = &parsed.evidence.servers[0];
    assert_eq!(server.samples.len(), 1, "one look at the server");
    let sample = &server.samples[0];

    let channel = &sample.channels[0];
    assert_eq!(channel.replica_io_running, Some(ThreadRunning::Yes));
    assert_eq!(channel.replica_sql_running, Some(ThreadRunning::Yes));
    assert_eq!(channel.last_errno, Some(1205));
    assert_eq!(channel.seconds_behind_source, Some(451836));
    assert_eq!(channel.sql_delay, Some(86400));
    assert_eq!(channel.sql_remaining_delay, None);
    assert_eq!(
        channel.replica_sql_running_state.as_deref(),
        Some("Waiting for workers to exit")
    );
    let error = channel.applier_error().unwrap();
    assert_eq!(error.worker_id, Some(11));
    assert_eq!(error.transaction, Some(TransactionRef::Anonymous));
    assert_eq!(error.source_log.as_ref().unwrap().file, "binlog.000338");
    assert_eq!(error.source_log.as_ref().unwrap().position, 40433204);

    let v = &server.variables;
    assert_eq!(
        v.parallel_type(),
        Some(evidence::model::ParallelType::LogicalClock)
    );
    assert_eq!(v.parallel_workers(), Some(16));
    assert_eq!(v.preserve_commit_order(), Some(true));
    assert_eq!(v.dependency_tracking(), Some("WRITESET"));
    assert_eq!(v.transaction_isolation(), Some("READ-COMMITTED"));

    let states: Vec<(Option<u64>, Option<i64>, &str)> = sample
        .processlist
        .iter()
        .map(|p| (p.id, p.time, p.state.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        states[0],
        (Some(75846950), Some(3193), "Waiting for workers to exit")
    );
    assert_eq!(
        states
            .iter()
            .filter(|s| s.2 == "Waiting for preceding transaction to commit")
            .count(),
        3
    );
    assert!(sample.processlist.iter().all(|p| p.is_system_user()));
    assert_eq!(
        sample.processlist[4].state.as_deref(),
        Some("Waiting for master to send event")
    );

    let workers: Vec<_> = sample
        .workers
        .iter()
        .map(|w| {
            let e = w.error().unwrap();
            (
                w.worker_id.unwrap(),
                w.last_seen_transaction.clone().unwrap(),
                e.worker_id.unwrap(),
                e.source_log.unwrap().position,
                e.error_codes,
                w.last_error_timestamp.as_ref().unwrap().to_string(),
            )
        })
        .collect();
    let gtid = |n: u64| TransactionRef::Gtid(format!("c50d7f49-ef3f-11ea-949c-287b09c1cb73:{n}"));
    assert_eq!(
        workers,
        vec![
            (
                8,
                gtid(17860074),
                8,
                259024396,
                vec![1205],
                "2020-11-27T14:02:46".to_owned()
            ),
            (
                11,
                gtid(17860077),
                11,
                259028754,
                vec![1205],
                "2020-11-27T14:02:46".to_owned()
            ),
            (
                12,
                gtid(17860078),
                12,
                259030326,
                vec![1205],
                "2020-11-27T14:01:55".to_owned()
            ),
        ]
    );
    assert!(sample.workers.iter().all(|w| w.thread_id.is_none()
        && w.service_state.as_deref() == Some("OFF")
        && w.last_error_number == Some(1205)));
    assert_eq!(server.identity.flavor, Some(Flavor::Mysql));
    insta::assert_json_snapshot!("case2_workers", sample.workers);
}

#[test]
fn case3_dual_primary_duplicate_key() {
    let parsed = parse_file("cases/case3-dual-primary-1062.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let evidence = &parsed.evidence;
    assert_eq!(evidence.servers.len(), 2);
    let db01 = evidence.server(Some("db01")).unwrap();
    let db02 = evidence.server(Some("DB02")).unwrap();
    assert_eq!(db01.role, Some(Role::SourceAndReplica));
    assert_eq!(db02.role, Some(Role::Replica));
    for (server, file, position) in [
        (db01, "mysql2-bin.000006", 560082858),
        (db02, "mysql1-bin.000001", 10867425),
    ] {
        let channel = &server.channels()[0];
        assert_eq!(channel.last_errno, Some(1062));
        let error = channel.applier_error().unwrap();
        let table = error.table().unwrap();
        assert_eq!(
            (table.schema.as_deref(), table.table.as_str()),
            (Some("zeus"), "xinyan_cache")
        );
        assert_eq!(error.row_event.as_ref().unwrap().event_type, "Write_rows");
        let dup = error.duplicate_entry.as_ref().unwrap();
        assert_eq!(
            dup.value,
            "b98e4fab203607559fc5347b60cb64a41cf50a79650fbda3a1a4be5a1cfd16d9"
        );
        assert_eq!(dup.key_name(), "PRIMARY");
        assert_eq!(
            error.handler_error.as_deref(),
            Some("HA_ERR_FOUND_DUPP_KEY")
        );
        let at = error.source_log.unwrap();
        assert_eq!((at.file.as_str(), at.position), (file, position));
    }
    assert!(db02.error_log.is_empty());
    let log = &db01.error_log;
    assert_eq!(log.len(), 3);
    assert_eq!(
        log[0].time.as_ref().unwrap().to_string(),
        "2019-10-29T03:29:51.885616+08:00"
    );
    assert_eq!(log[0].thread, Some(11));
    assert_eq!(log[0].level, LogLevel::Error);
    assert_eq!(log[0].channel(), Some(""));
    assert_eq!(
        log[0].replication_thread(),
        Some(ReplicationThread::Applier)
    );
    assert_eq!(log[0].error_codes(), vec![1062]);
    assert_eq!(log[1].level, LogLevel::Warning);
    let stopped = log[2].applier_error().unwrap().stopped_at.unwrap();
    assert_eq!(
        (stopped.file.as_str(), stopped.position),
        ("mysql2-bin.000006", 560082351)
    );
}

#[test]
fn case4_replica_has_more_gtids() {
    let parsed = parse_file("cases/case4-replica-has-more-gtids.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let server = parsed.evidence.server(None).unwrap();
    let line = &server.error_log[0];
    assert_eq!(line.thread, Some(1457551));
    assert_eq!(
        line.time.as_ref().unwrap().to_string(),
        "2023-12-11T10:32:43.433707+08:00"
    );
    assert_eq!(line.replication_thread(), Some(ReplicationThread::Receiver));
    assert_eq!(line.channel(), Some(""));
    let error = line.receiver_error().unwrap();
    assert_eq!(error.failure, ReceiverFailure::ReplicaHasMoreGtids);
    assert_eq!(error.source_error_code, Some(1236));
    assert_eq!(server.identity.flavor, Some(Flavor::Mysql));
}

#[test]
fn case5_different_errors_and_purged_gtids() {
    let parsed = parse_file("cases/case5-different-errors-1236.txt");
    assert!(
        parsed.not_understood.is_empty(),
        "{:#?}",
        parsed.not_understood
    );
    let replica = parsed.evidence.server(Some("replica")).unwrap();
    let error = replica.channels()[0].applier_error().unwrap();
    let different = error.different_errors.as_ref().unwrap();
    assert_eq!(different.source_error_code, 1050);
    assert_eq!(different.replica_error_code, Some(0));
    assert_eq!(different.replica_message.as_deref(), Some("no error"));
    assert_eq!(
        different.source_message_format.as_deref(),
        Some("Table '%-.192s' already exists")
    );
    let statement = error.statement.as_ref().unwrap();
    assert_eq!(statement.default_database.as_deref(), Some("zy"));
    assert_eq!(
        statement.query.as_deref(),
        Some(
            "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`127.0.0.1` SQL SECURITY DEFINER VIEW `v1` AS select * from t1"
        )
    );
    assert_eq!(error.error_codes, vec![1050]);

    let event: &BinlogEvent = &replica.binlog_events[0];
    assert_eq!(event.event_type, "Query");
    assert_eq!(event.server_id, Some(2219317521));
    assert_eq!(event.end_log_pos, Some(172885));
    assert_eq!(event.error_code(), Some(1050));
    assert_eq!(event.thread_id(), Some(76714));
    assert_eq!(event.attribute("exec_time"), Some("0"));
    assert_eq!(
        event.time.as_ref().unwrap().to_string(),
        "2016-01-18T17:33:11"
    );

    let rebuilt = parsed.evidence.server(Some("rebuilt-replica")).unwrap();
    let channel = &rebuilt.channels()[0];
    assert_eq!(channel.last_io_errno, Some(1236));
    let io = channel.receiver_error().unwrap();
    assert_eq!(io.failure, ReceiverFailure::SourcePurgedGtids);
    assert_eq!(io.source_error_code, Some(1236));
    assert!(
        io.source_message
            .unwrap()
            .starts_with("The slave is connecting using CHANGE MASTER TO")
    );
}

#[test]
fn all_cases_merge_into_one_evidence() {
    let names = [
        "cases/case1-backup-kill-1317.txt",
        "cases/case3-dual-primary-1062.txt",
        "cases/case5-different-errors-1236.txt",
    ];
    let texts: Vec<String> = names
        .iter()
        .map(|n| {
            std::fs::read_to_string(format!("{}/tests/data/{n}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
        })
        .collect();
    let inputs: Vec<_> = names
        .iter()
        .zip(&texts)
        .map(|(name, text)| evidence::text::TextInput { name, text })
        .collect();
    let parsed = evidence::text::parse_evidence(&inputs);
    let labels: Vec<Option<&str>> = parsed
        .evidence
        .servers
        .iter()
        .map(|s| s.label.as_deref())
        .collect();
    assert_eq!(
        labels,
        vec![
            None,
            Some("DB01"),
            Some("DB02"),
            Some("replica"),
            Some("rebuilt-replica")
        ]
    );
    let db01 = parsed.evidence.server(Some("db01")).unwrap();
    assert_eq!(db01.samples.len(), 1);
    assert_eq!(db01.error_log.len(), 3);
}
