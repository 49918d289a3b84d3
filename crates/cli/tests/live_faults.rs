//! Every fault testlab injects, diagnosed end to end from a live collection (as the
//! least-privilege `monitor` account): the top finding's class and facts are those of the fault,
//! and the bundle saved from the collection, replayed, gives the same report.

use collect::{CollectOptions, collect};
use diagnose::{Class, Finding, Lang, Report};
use evidence::bundle::Collection;
use session::dsn::{Dsn, Endpoint};
use session::option_file::ClientDefaults;
use testlab::{Lab, LabOptions, faults};

fn endpoint(dsn: &str) -> Endpoint {
    Endpoint::resolve(&Dsn::parse(dsn).unwrap(), &ClientDefaults::default(), None)
}

/// Collects from `replica` (its source found from its status), diagnoses, and checks that the
/// bundle saved as a directory and as a .tar.gz replays to the same evidence and report.
async fn diagnose_live(lab: &Lab, replica: usize) -> Report {
    diagnose_collected(lab, replica).await.0
}

/// [`diagnose_live`], with the collection it read.
async fn diagnose_collected(lab: &Lab, replica: usize) -> (Report, Collection) {
    let replica = endpoint(&lab.server(replica).monitor_dsn());
    let collection = collect(
        &replica,
        None,
        &CollectOptions {
            follow_source: true,
            ..CollectOptions::default()
        },
    )
    .await
    .unwrap();
    let evidence = collection.evidence();
    let report = diagnose::diagnose_collection(&collection);
    let json = diagnose::render::json(&report, Lang::En);
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("bundle"), dir.path().join("bundle.tar.gz")] {
        bundle::save(&collection, &path).unwrap();
        let replayed = bundle::load(&path).unwrap();
        assert_eq!(replayed, collection, "{}", path.display());
        let replayed_evidence = replayed.evidence();
        assert_eq!(replayed_evidence, evidence);
        let replayed_json =
            diagnose::render::json(&diagnose::diagnose_collection(&replayed), Lang::En);
        assert_eq!(replayed_json, json, "{}", path.display());
    }
    (report, collection)
}

fn top(report: &Report) -> &Finding {
    report.findings.first().expect("a finding")
}

fn label(lab: &Lab, index: usize) -> String {
    format!("127.0.0.1:{}", lab.server(index).port())
}

/// MariaDB names the failing transaction's GTID only in its error log: it must come back.
fn assert_gtid_of(finding: &Finding, server_id: u32) {
    let gtid = finding.facts.gtid.as_deref().unwrap_or_default();
    assert!(gtid.starts_with(&format!("0-{server_id}-")), "{gtid}");
}

/// The `v` of a row fact (`incoming_row`, `local_row`, `source_row`).
fn row_v<'f>(finding: &'f Finding, fact: &str) -> Option<&'f str> {
    finding.facts.other.get(fact)?.get("v")?.as_str()
}

/// The incoming row, the replica's and the source's side by side, told apart by column `v`.
#[tokio::test]
async fn duplicate_key() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let (report, collection) = diagnose_collected(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(finding.class, Class::DupKey, "{:#?}", report.findings);
    assert_eq!(
        finding.facts.server.as_deref(),
        Some(label(&lab, 1).as_str())
    );
    assert_eq!(finding.facts.table.as_deref(), Some("lab.dup"));
    assert_eq!(finding.facts.key.as_deref(), Some("10"));
    assert_eq!(
        finding.facts.source_log_file.as_deref(),
        Some("mariadb-bin.000001")
    );
    assert!(finding.facts.end_log_pos.is_some());
    assert_gtid_of(finding, 1);
    let facts = &finding.facts.other;
    assert_eq!(
        row_v(finding, "incoming_row"),
        Some("written on the source")
    );
    assert_eq!(row_v(finding, "local_row"), Some("written on the replica"));
    assert_eq!(row_v(finding, "source_row"), Some("written on the source"));
    assert_eq!(facts["incoming_row"]["id"], "10");
    assert_eq!(facts["key_columns"], serde_json::json!(["id"]));
    assert_eq!(facts["rows_identical"], false);
    assert_eq!(
        facts["row_differences"],
        serde_json::json!([{
            "column": "v",
            "incoming": "written on the source",
            "local": "written on the replica",
        }])
    );
    // The rows differ: nothing runs before the DBA chooses; each choice says what it gives up,
    // and preferring the source deletes exactly the replica's row by its key.
    assert!(
        !finding
            .fix
            .steps
            .iter()
            .any(|s| matches!(s.action, diagnose::plan::Action::Sql { .. })),
        "{:#?}",
        finding.fix
    );
    let choices: Vec<_> = finding.fix.alternatives.iter().map(|a| a.choice).collect();
    assert_eq!(
        choices,
        vec![
            Some(diagnose::plan::Choice::PreferSource),
            Some(diagnose::plan::Choice::PreferReplica)
        ]
    );
    assert!(
        finding
            .fix
            .alternatives
            .iter()
            .all(|a| a.plan.data_loss.is_some())
    );
    let prefer_source = serde_json::to_string(&finding.fix.alternatives[0].plan).unwrap();
    assert!(
        prefer_source.contains("DELETE FROM `lab`.`dup` WHERE `id` = '10'"),
        "{prefer_source}"
    );

    // Redacted, the values are gone but the comparison still tells the rows apart.
    let mut redacted = collection.clone();
    evidence::bundle::redact::redact(&mut redacted, &[]);
    let evidence = redacted.evidence();
    let comparison = evidence
        .servers
        .iter()
        .flat_map(|s| &s.row_comparisons)
        .next()
        .expect("a row comparison in the redacted bundle");
    let saved = serde_json::to_string(&redacted.captures).unwrap();
    assert!(!saved.contains("written on the"), "{saved}");
    assert_eq!(
        comparison.differing_columns(comparison.local.as_deref().unwrap()),
        vec!["v".to_owned()]
    );
    // The key's placeholder is the one the error message's `Duplicate entry` got.
    let redacted_report = diagnose::diagnose(&evidence);
    let key = redacted_report.findings[0].facts.key.clone();
    assert!(
        key.as_deref().is_some_and(|k| k.starts_with("value-")),
        "{key:?}"
    );
    assert_eq!(comparison.key_values, vec![key]);
}

#[tokio::test]
async fn duplicate_key_identical_rows() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    // Columns whose binary-protocol and binlog forms differ, so that equal values must still
    // compare equal: a date, a date-time at midnight with a fraction, a decimal, a NULL, an
    // ENUM and a SET (which the binlog writes as numbers).
    let table = "lab.same";
    lab.server(0)
        .exec(&format!(
            "CREATE DATABASE IF NOT EXISTS lab;
             CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(64), d DATE, t DATETIME(3),
                 n DECIMAL(10,2), ts TIMESTAMP NULL, missing INT, state ENUM('new','done'),
                 tags SET('a','b','c')) ENGINE=InnoDB"
        ))
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    let insert = format!(
        "INSERT INTO {table} VALUES (10, 'the same row', '2024-02-29', '2024-03-01 00:00:00.120', \
         12.50, '2024-03-01 10:00:00', NULL, 'done', 'a,c')"
    );
    lab.server(1)
        .exec(&format!("SET SESSION sql_log_bin=0; {insert}"))
        .await
        .unwrap();
    lab.server(0).exec(&insert).await.unwrap();
    lab.wait_status(1, "the SQL thread to stop on an error", |status| {
        status.sql_stopped() && status.sql_errno() != 0
    })
    .await
    .unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(finding.class, Class::DupKey, "{:#?}", report.findings);
    assert_eq!(finding.facts.table.as_deref(), Some("lab.same"));
    assert_eq!(row_v(finding, "incoming_row"), Some("the same row"));
    assert_eq!(row_v(finding, "local_row"), Some("the same row"));
    assert_eq!(
        finding.facts.other["local_row"]["t"],
        "2024-03-01 00:00:00.120"
    );
    assert_eq!(finding.facts.other["rows_identical"], true);
    assert_eq!(
        finding.facts.other["row_differences"],
        serde_json::json!([])
    );
    // The skip plan: no alternatives, nothing lost (the transaction is this one row).
    assert!(finding.fix.alternatives.is_empty(), "{:#?}", finding.fix);
    assert_eq!(finding.fix.data_loss, None);
    assert!(!finding.fix.steps.is_empty());
}

/// A binary key that is not UTF-8 is looked up by its bytes, not by a text form of them.
#[tokio::test]
async fn duplicate_key_binary_key() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    lab.server(0)
        .exec(
            "CREATE DATABASE IF NOT EXISTS lab;
             CREATE TABLE lab.bin (k VARBINARY(8) PRIMARY KEY, v VARCHAR(16)) ENGINE=InnoDB",
        )
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    lab.server(1)
        .exec("SET SESSION sql_log_bin=0; INSERT INTO lab.bin VALUES (X'00FF10', 'replica')")
        .await
        .unwrap();
    lab.server(0)
        .exec("INSERT INTO lab.bin VALUES (X'00FF10', 'source')")
        .await
        .unwrap();
    lab.wait_status(1, "the SQL thread to stop on an error", |status| {
        status.sql_stopped() && status.sql_errno() != 0
    })
    .await
    .unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(finding.class, Class::DupKey, "{:#?}", report.findings);
    assert_eq!(row_v(finding, "local_row"), Some("replica"));
    assert_eq!(row_v(finding, "source_row"), Some("source"));
    assert_eq!(finding.facts.other["rows_identical"], false);
}

#[tokio::test]
async fn dual_primary_duplicate_key() {
    let lab = Lab::dual_primary(&LabOptions::default()).await.unwrap();
    faults::dual_primary_duplicate_key(&lab).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let dup: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.class == Class::DupKey)
        .collect();
    assert_eq!(dup.len(), 2, "{:#?}", report.findings);
    for (index, other) in [(0, 2), (1, 1)] {
        let finding = dup
            .iter()
            .find(|f| f.facts.server.as_deref() == Some(label(&lab, index).as_str()))
            .unwrap();
        assert_eq!(finding.variant.as_deref(), Some("dual_primary_collision"));
        assert_eq!(finding.facts.key.as_deref(), Some("20"));
        assert_eq!(finding.facts.table.as_deref(), Some("lab.dual"));
        assert_gtid_of(finding, other);
    }
    // The collected replica's row was written there, the incoming one on the other primary.
    let collected = dup
        .iter()
        .find(|f| f.facts.server.as_deref() == Some(label(&lab, 1).as_str()))
        .unwrap();
    assert_eq!(collected.facts.other["rows_identical"], false);
    assert_eq!(collected.facts.other["incoming_row"]["id"], "20");
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.class == Class::ErrantGtids)
    );
}

#[tokio::test]
async fn row_not_found() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::row_not_found(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(finding.class, Class::RowNotFound, "{:#?}", report.findings);
    assert_eq!(finding.facts.table.as_deref(), Some("lab.missing"));
    assert!(finding.facts.end_log_pos.is_some());
    assert_gtid_of(finding, 1);
    // The update's before image, which the replica lacks and the source has since changed.
    assert_eq!(row_v(finding, "incoming_row"), Some("two"));
    assert_eq!(finding.facts.other["incoming_row"]["id"], "2");
    assert_eq!(finding.facts.other["local_row"], serde_json::Value::Null);
    assert_eq!(row_v(finding, "source_row"), Some("changed on the source"));
}

#[tokio::test]
async fn lock_wait_timeout() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::lock_wait_timeout(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(
        finding.class,
        Class::ApplierLockWait,
        "{:#?}",
        report.findings
    );
    assert_eq!(finding.error_code, Some(1205));
    assert_eq!(finding.facts.table.as_deref(), Some("lab.locked"));
    assert!(finding.facts.end_log_pos.is_some());
}

#[tokio::test]
async fn applier_deadlock_with_a_local_session() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::applier_deadlock(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(
        finding.class,
        Class::ApplierDeadlock,
        "{:#?}",
        report.findings
    );
    assert_eq!(finding.error_code, Some(1213));
    assert_eq!(finding.facts.table.as_deref(), Some("lab.deadlocked"));
    assert!(finding.facts.end_log_pos.is_some());
    assert_gtid_of(finding, 1);
    // A serial applier deadlocked with a local session, not with another worker.
    assert_eq!(finding.variant, None);
}

#[tokio::test]
async fn receiver_stalled_behind_a_silent_relay() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let stall = faults::stalled_receiver(&lab, 0, 1).await.unwrap();
    // The source keeps writing while repldoctor samples the pair. The replica's status names
    // the silent relay as its source, so the DBA gives the real one.
    let writing = async {
        for id in 100..130 {
            let insert = format!("INSERT INTO lab.stalled VALUES ({id}, 'written on')");
            lab.server(0).exec(&insert).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let replica = endpoint(&lab.server(1).monitor_dsn());
    let source = endpoint(&lab.server(0).monitor_dsn());
    let options = CollectOptions::default();
    let (collection, ()) = tokio::join!(collect(&replica, Some(&source), &options), writing);
    let collection = collection.unwrap();
    let report = diagnose::diagnose_collection(&collection);
    let finding = top(&report);
    assert_eq!(
        finding.class,
        Class::ReceiverStalled,
        "{:#?}",
        report.findings
    );
    assert_eq!(finding.confidence, diagnose::Confidence::High);
    assert_eq!(
        finding.facts.source_log_file.as_deref(),
        Some("mariadb-bin.000001")
    );
    let read = finding.facts.other["read_source_log_pos"].as_u64().unwrap();
    let written = finding.facts.other["source_binlog_pos"].as_u64().unwrap();
    assert!(read < written, "read {read}, source at {written}");
    drop(stall);
}

#[tokio::test]
async fn delayed_replica_is_information_not_a_fault() {
    let lab = Lab::start(2, &LabOptions::default()).await.unwrap();
    let delayed = testlab::ReplicationOptions {
        delay: Some(30),
        ..testlab::ReplicationOptions::default()
    };
    lab.replicate(1, 0, &delayed).await.unwrap();
    lab.server(0)
        .exec("CREATE DATABASE delayed_probe")
        .await
        .unwrap();
    lab.wait_status(1, "the applier waiting out its delay", |s| {
        s.get("SQL_Remaining_Delay").is_some()
    })
    .await
    .unwrap();
    let report = diagnose_live(&lab, 1).await;
    let delayed = report
        .findings
        .iter()
        .find(|f| f.class == Class::DelayedReplica)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(delayed.severity, diagnose::Severity::Info);
    assert_eq!(delayed.facts.other["sql_delay"], 30);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity != diagnose::Severity::Critical),
        "{:#?}",
        report.findings
    );
}

#[tokio::test]
async fn applier_blocked_by_a_local_session_before_any_timeout() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let blocked = faults::blocked_applier(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let holder = blocked.holder_id;
    blocked.release().await;
    let finding = report
        .findings
        .iter()
        .find(|f| f.class == Class::ApplierLockWait)
        .unwrap_or_else(|| panic!("{:#?}", report.findings));
    assert_eq!(finding.variant.as_deref(), Some("waiting_now"));
    assert_eq!(finding.severity, diagnose::Severity::Warning);
    assert_eq!(finding.facts.thread_ids, vec![holder]);
    assert_eq!(finding.facts.table.as_deref(), Some("lab.blocked"));
    assert_eq!(finding.error_code, None);
    // Blocked, not busy: no lag rule blames a large transaction for it.
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.class == Class::LagLargeTransaction),
        "{:#?}",
        report.findings
    );
}

#[tokio::test]
async fn killed_applier() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::killed_applier(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(
        finding.class,
        Class::ApplierKilled,
        "{:#?}",
        report.findings
    );
    assert_eq!(finding.error_code, Some(1317));
    assert_eq!(finding.facts.table.as_deref(), Some("lab.killed"));
    assert_gtid_of(finding, 1);
}

#[tokio::test]
async fn purged_binlogs() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::purged_binlogs(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(
        finding.class,
        Class::SourcePurgedGtids,
        "{:#?}",
        report.findings
    );
    assert_eq!(finding.error_code, Some(1236));
    assert!(finding.facts.other.contains_key("replica_gtid_slave_pos"));
}

#[tokio::test]
async fn errant_write() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let errant = faults::errant_write(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let finding = top(&report);
    assert_eq!(finding.class, Class::ErrantGtids, "{:#?}", report.findings);
    assert_gtid_of(finding, 2);
    assert_eq!(finding.facts.gtid.as_deref(), Some(errant.gtid.as_str()));
}

/// A source that went away: the receiver's error is diagnosed from the replica alone, and the
/// report says the source could not be read and what that leaves open.
#[tokio::test]
async fn unreachable_source_is_missing_evidence() {
    let mut lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let source = label(&lab, 0);
    lab.server_mut(0).stop();
    let report = diagnose_live(&lab, 1).await;
    let gap = report
        .missing_evidence
        .iter()
        .find(|m| m.what.en.starts_with("source on "))
        .unwrap_or_else(|| panic!("{:#?}", report.missing_evidence));
    assert!(gap.what.en.contains(&source), "{}", gap.what.en);
    assert!(gap.what.en.contains("unreachable"), "{}", gap.what.en);
    assert!(gap.how.en.contains("--source DSN"), "{}", gap.how.en);
}

/// One replica through the states a DBA meets around a receiver failure: failing to connect
/// (connection_failed), stopped by hand (thread_stopped, never healthy), its configuration
/// removed by RESET SLAVE ALL (no_replication_channel: the error-log lines of the failure are
/// history, no current failure is read from them).
#[tokio::test]
async fn receiver_failure_then_stop_then_reset_all() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let replica = lab.server(1);
    // A port nothing listens on: the source's port of a stopped lab would do, this is simpler.
    let dead_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    replica.exec("STOP SLAVE").await.unwrap();
    replica
        .exec(&format!(
            "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {dead_port}, MASTER_CONNECT_RETRY = 1"
        ))
        .await
        .unwrap();
    replica.exec("START SLAVE").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = replica.default_channel().await.unwrap().unwrap();
        if status.get("Last_IO_Errno").is_some_and(|e| e == "2003") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no 2003: {status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let report = diagnose_live(&lab, 1).await;
    assert_eq!(
        top(&report).class,
        Class::ConnectionFailed,
        "{:#?}",
        report.findings
    );

    replica.exec("STOP SLAVE").await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    let classes: Vec<Class> = report.findings.iter().map(|f| f.class).collect();
    assert!(
        classes.contains(&Class::ThreadStopped) || classes.contains(&Class::ConnectionFailed),
        "{classes:?}"
    );
    assert!(
        !report.findings.is_empty(),
        "a stopped replica is never healthy"
    );

    replica.exec("RESET SLAVE ALL").await.unwrap();
    let report = diagnose_live(&lab, 1).await;
    assert_eq!(
        top(&report).class,
        Class::NoReplicationChannel,
        "{:#?}",
        report.findings
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.class == Class::ConnectionFailed),
        "an old log line read as a current failure: {:#?}",
        report.findings
    );
}

/// Names `gtid` (`0-2-5`) in the finding's facts, as its GTID or inside its errant set.
fn names_gtid(finding: &Finding, gtid: &str) -> bool {
    let facts = serde_json::to_string(&finding.facts).unwrap();
    facts.contains(gtid)
}

/// The GTID rules hold in the states a server passes through after the fault, not only right
/// after it: an errant write stays errant while the source writes on (MariaDB's strict mode may
/// then stop the replica: still the same cause), after the replica restarts and after both
/// rotate and purge their binlogs; purged binlogs stay the cause while the source writes on and
/// after the replica restarts.
#[tokio::test]
async fn gtid_findings_hold_in_every_state_after_the_fault() {
    let mut lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let errant = faults::errant_write(&lab, 0, 1).await.unwrap();
    let check = |report: &Report, state: &str| {
        let finding = report
            .findings
            .iter()
            .find(|f| f.class == Class::ErrantGtids)
            .unwrap_or_else(|| panic!("{state}: no errant_gtids in {:#?}", report.findings));
        assert!(
            names_gtid(finding, &errant.gtid),
            "{state}: {} not named: {:?}",
            errant.gtid,
            finding.facts
        );
        assert_eq!(
            report.findings[0].class,
            Class::ErrantGtids,
            "{state}: {:#?}",
            report.findings
        );
    };
    check(&diagnose_live(&lab, 1).await, "right after the write");

    lab.server(0)
        .exec("CREATE TABLE lab.after_errant (id INT PRIMARY KEY)")
        .await
        .unwrap();
    for id in 0..3 {
        lab.server(0)
            .exec(&format!("INSERT INTO lab.after_errant VALUES ({id})"))
            .await
            .unwrap();
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    check(
        &diagnose_live(&lab, 1).await,
        "after the source wrote again",
    );

    lab.server_mut(1).stop();
    lab.server_mut(1).start().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    check(&diagnose_live(&lab, 1).await, "after the replica restarted");

    for index in [0, 1] {
        let server = lab.server(index);
        server.exec("FLUSH BINARY LOGS").await.unwrap();
        let newest = server
            .rows("SHOW BINARY LOGS")
            .await
            .unwrap()
            .last()
            .and_then(|row| row.get("Log_name").cloned().flatten())
            .unwrap();
        server
            .exec(&format!("PURGE BINARY LOGS TO '{newest}'"))
            .await
            .unwrap();
    }
    check(
        &diagnose_live(&lab, 1).await,
        "after both rotated and purged their binlogs",
    );
}

#[tokio::test]
async fn purged_binlogs_stay_the_cause_while_the_source_writes_and_the_replica_restarts() {
    let mut lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::purged_binlogs(&lab, 0, 1).await.unwrap();
    let check = |report: &Report, state: &str| {
        assert_eq!(
            top(report).class,
            Class::SourcePurgedGtids,
            "{state}: {:#?}",
            report.findings
        );
    };
    check(&diagnose_live(&lab, 1).await, "right after the fault");
    lab.server(0)
        .exec("INSERT INTO lab.purged VALUES (31, 'written after')")
        .await
        .unwrap();
    check(
        &diagnose_live(&lab, 1).await,
        "after the source wrote again",
    );
    lab.server_mut(1).stop();
    lab.server_mut(1).start().await.unwrap();
    // A restarted replica starts its threads again (or not, with skip-slave-start): either way
    // the receiver meets the same refusal.
    let _ = lab.server(1).exec("START SLAVE").await;
    lab.wait_status(1, "the IO thread to stop on an error", |status| {
        status.io_errno() != 0 && !status.io_running()
    })
    .await
    .unwrap();
    check(&diagnose_live(&lab, 1).await, "after the replica restarted");
}
