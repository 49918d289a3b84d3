//! The five founding incidents (examples/cases, the evidence as a DBA pasted it) must come out
//! with the right class, variant and concrete facts, from their evidence alone.

use diagnose::render::{self, TextOptions};
use diagnose::{Class, Confidence, Finding, Lang, Report, Severity};
use evidence::text::{TextInput, parse_evidence};
use serde_json::Value;

fn diagnose_case(file: &str) -> Report {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/cases")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = parse_evidence(&[TextInput {
        name: file,
        text: &text,
    }]);
    diagnose::diagnose(&parsed.evidence)
}

fn top(report: &Report) -> &Finding {
    report.findings.first().expect("a finding")
}

fn fact<'a>(finding: &'a Finding, name: &str) -> &'a Value {
    finding.facts.other.get(name).unwrap_or(&Value::Null)
}

fn snapshots(name: &str, report: &Report) {
    insta::assert_snapshot!(
        format!("{name}_text"),
        render::text(report, TextOptions::default())
    );
    insta::assert_json_snapshot!(format!("{name}_json"), render::json(report, Lang::En));
}

#[test]
fn case1_worker_killed_during_a_backup() {
    let report = diagnose_case("case1-backup-kill.txt");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ApplierKilled);
    assert_eq!(finding.error_code, Some(1317));
    assert_eq!(
        finding.facts.gtid.as_deref(),
        Some("a838ba08-c009-11e9-85e1-fa163ea2992d:31622919405")
    );
    assert_eq!(
        finding.facts.source_log_file.as_deref(),
        Some("master-bin.005599")
    );
    assert_eq!(finding.facts.end_log_pos, Some(2297));
    assert_eq!(finding.facts.worker_id, Some(1));
    assert_eq!(fact(finding, "restart_is_safe"), &Value::Bool(true));
    // Only the status was pasted: who killed the worker stays open, and the report says so.
    assert!(
        report
            .missing_evidence
            .iter()
            .any(|m| m.what.en.contains("backup log")),
        "{:?}",
        report.missing_evidence
    );
    snapshots("case1", &report);
}

#[test]
fn case2_parallel_applier_hung_on_commit_order() {
    let report = diagnose_case("case2-mts-commit-order-hang.txt");
    let finding = top(&report);
    assert_eq!(finding.class, Class::MtsCommitOrderHang);
    assert_eq!(finding.severity, Severity::Critical);
    assert!(finding.confidence >= Confidence::High);
    assert_eq!(fact(finding, "version_has_known_bug"), &Value::Bool(true));
    assert_eq!(fact(finding, "seconds_behind_source"), 451836);
    assert_eq!(fact(finding, "sql_delay"), 86400);
    assert_eq!(fact(finding, "workers_waiting_for_preceding_commit"), 12);
    assert_eq!(finding.facts.worker_id, Some(11));
    // The coordinator's message and the worker table were captured at different moments: both
    // sets of coordinates come back.
    assert_eq!(fact(finding, "transaction"), "ANONYMOUS");
    assert_eq!(
        finding.facts.source_log_file.as_deref(),
        Some("binlog.000338")
    );
    assert_eq!(finding.facts.end_log_pos, Some(40433204));
    let workers = fact(finding, "failed_workers").as_array().unwrap();
    let positions: Vec<(u64, &str, u64)> = workers
        .iter()
        .map(|w| {
            (
                w["worker_id"].as_u64().unwrap(),
                w["gtid"].as_str().unwrap(),
                w["end_log_pos"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        positions,
        [
            (
                12,
                "c50d7f49-ef3f-11ea-949c-287b09c1cb73:17860078",
                259030326
            ),
            (
                8,
                "c50d7f49-ef3f-11ea-949c-287b09c1cb73:17860074",
                259024396
            ),
            (
                11,
                "c50d7f49-ef3f-11ea-949c-287b09c1cb73:17860077",
                259028754
            ),
        ]
    );
    // The lock-wait error it explains comes after it.
    let classes: Vec<Class> = report.findings.iter().map(|f| f.class).collect();
    assert_eq!(
        classes[..2],
        [Class::MtsCommitOrderHang, Class::ApplierLockWait]
    );
    assert!(finding.references.iter().any(|r| r.url.contains("99440")));
    snapshots("case2", &report);
}

#[test]
fn case3_dual_primary_collision_on_both_sides() {
    let report = diagnose_case("case3-dual-primary-dup-key.txt");
    assert_eq!(report.findings.len(), 2);
    for finding in &report.findings {
        assert_eq!(finding.class, Class::DupKey);
        assert_eq!(finding.variant.as_deref(), Some("dual_primary_collision"));
        assert_eq!(finding.facts.table.as_deref(), Some("zeus.xinyan_cache"));
        assert_eq!(
            finding.facts.key.as_deref(),
            Some("b98e4fab203607559fc5347b60cb64a41cf50a79650fbda3a1a4be5a1cfd16d9")
        );
        assert_eq!(finding.facts.key_name.as_deref(), Some("PRIMARY"));
    }
    let db01 = report
        .findings
        .iter()
        .find(|f| f.facts.server.as_deref() == Some("DB01"))
        .unwrap();
    assert_eq!(
        db01.facts.source_log_file.as_deref(),
        Some("mysql2-bin.000006")
    );
    assert_eq!(db01.facts.end_log_pos, Some(560082858));
    // The SQL thread stopped at the transaction's start, not at the event's end.
    assert_eq!(db01.facts.exec_source_log_pos, Some(560082351));
    assert_eq!(fact(db01, "other_side")["end_log_pos"], 10867425);
    assert_eq!(
        fact(db01, "other_side")["source_log_file"],
        "mysql1-bin.000001"
    );
    snapshots("case3", &report);
}

#[test]
fn case4_replica_ahead_of_a_crashed_source() {
    let report = diagnose_case("case4-replica-has-more-gtids.txt");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ReplicaHasMoreGtids);
    assert_eq!(finding.variant.as_deref(), Some("ahead_on_source_uuid"));
    assert_eq!(finding.error_code, Some(1236));
    assert_eq!(
        fact(finding, "replica_ahead_by"),
        1_081_067_155u64 - 1_080_678_246
    );
    assert_eq!(
        finding.facts.gtid.as_deref(),
        Some("3e11fa47-71ca-11e1-9e33-c80aa9429562:1080678247-1081067155")
    );
    assert!(
        finding.root_cause.en.contains("5.7.26"),
        "{}",
        finding.root_cause.en
    );
    // Without the source's binlogs, crash loss is the likely reading but not proven.
    assert!(
        report
            .missing_evidence
            .iter()
            .any(|m| m.what.en.contains("mysql.gtid_executed"))
    );
    snapshots("case4", &report);
}

#[test]
fn case5_different_errors_on_source_and_replica() {
    let report = diagnose_case("case5-error-code-mismatch.txt");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ErrorCodeMismatch);
    assert_eq!(fact(finding, "source_error_code"), 1050);
    assert_eq!(fact(finding, "replica_error_code"), 0);
    assert_eq!(fact(finding, "default_database"), "zy");
    assert_eq!(finding.facts.end_log_pos, Some(172885));
    assert_eq!(fact(finding, "source_server_id"), 2219317521u64);
    let plan = serde_json::to_string(&finding.fix).unwrap();
    assert!(plan.contains("MASTER_AUTO_POSITION = 0"), "{plan}");
    snapshots("case5", &report);
}

#[test]
fn case5_replica_needs_purged_gtids() {
    let report = diagnose_case("case5-source-purged-gtids.txt");
    let finding = top(&report);
    assert_eq!(finding.class, Class::SourcePurgedGtids);
    assert_eq!(finding.error_code, Some(1236));
    assert!(finding.fix.alternatives[0].plan.data_loss.is_some());
    snapshots("case5_purged", &report);
}
