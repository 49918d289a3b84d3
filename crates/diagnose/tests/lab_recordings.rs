//! Faults reproduced on real MariaDB servers by testlab and recorded as a DBA would paste them
//! (examples/lab, made by `cargo run -p testlab --example record_faults`): each one comes out
//! with the class and the facts of the fault that was injected.

use diagnose::{Class, Finding, Report};
use evidence::text::{TextInput, parse_evidence};

fn diagnose_recording(fault: &str) -> Report {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/lab")
        .join(fault);
    let texts: Vec<(String, String)> = ["s1.txt", "s2.txt"]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            (format!("{fault}/{name}"), text)
        })
        .collect();
    let inputs: Vec<TextInput<'_>> = texts
        .iter()
        .map(|(name, text)| TextInput { name, text })
        .collect();
    let parsed = parse_evidence(&inputs);
    assert!(
        parsed.not_understood.is_empty(),
        "{:?}",
        parsed.not_understood
    );
    diagnose::diagnose(&parsed.evidence)
}

fn top(report: &Report) -> &Finding {
    report.findings.first().expect("a finding")
}

/// MariaDB writes the failing transaction's GTID only in the error log: it must come back.
fn assert_mariadb_gtid(finding: &Finding, server_id: u32) {
    let gtid = finding.facts.gtid.as_deref().unwrap_or_default();
    assert!(gtid.starts_with(&format!("0-{server_id}-")), "{gtid}");
}

#[test]
fn duplicate_key() {
    let report = diagnose_recording("dup-key");
    let finding = top(&report);
    assert_eq!(finding.class, Class::DupKey);
    assert_eq!(finding.variant, None);
    assert_eq!(finding.facts.table.as_deref(), Some("lab.dup"));
    assert_eq!(finding.facts.key.as_deref(), Some("10"));
    assert_eq!(
        finding.facts.source_log_file.as_deref(),
        Some("mariadb-bin.000001")
    );
    assert!(finding.facts.end_log_pos.is_some());
    assert_mariadb_gtid(finding, 1);
    // MariaDB: skipping the event group is what the plan does, with the counter.
    let plan = serde_json::to_string(&finding.fix).unwrap();
    assert!(plan.contains("sql_slave_skip_counter"), "{plan}");
    assert!(!plan.contains("GTID_NEXT"), "{plan}");
}

#[test]
fn dual_primary_duplicate_key() {
    let report = diagnose_recording("dual-primary-dup-key");
    let dup: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.class == Class::DupKey)
        .collect();
    assert_eq!(dup.len(), 2, "{:?}", report.findings);
    for finding in &dup {
        assert_eq!(finding.variant.as_deref(), Some("dual_primary_collision"));
        assert_eq!(finding.facts.key.as_deref(), Some("20"));
    }
    // Each side failed on the other's transaction.
    let s1 = dup
        .iter()
        .find(|f| f.facts.server.as_deref() == Some("s1"))
        .unwrap();
    let s2 = dup
        .iter()
        .find(|f| f.facts.server.as_deref() == Some("s2"))
        .unwrap();
    assert_mariadb_gtid(s1, 2);
    assert_mariadb_gtid(s2, 1);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.class == Class::ErrantGtids)
    );
}

#[test]
fn row_not_found() {
    let finding = top(&diagnose_recording("row-not-found")).clone();
    assert_eq!(finding.class, Class::RowNotFound);
    assert_eq!(finding.facts.table.as_deref(), Some("lab.missing"));
    assert_mariadb_gtid(&finding, 1);
}

#[test]
fn lock_wait_timeout() {
    let finding = top(&diagnose_recording("lock-wait-timeout")).clone();
    assert_eq!(finding.class, Class::ApplierLockWait);
    assert_eq!(finding.error_code, Some(1205));
    assert_eq!(finding.facts.table.as_deref(), Some("lab.locked"));
}

#[test]
fn applier_deadlock() {
    let report = diagnose_recording("applier-deadlock");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ApplierDeadlock);
    assert_eq!(finding.error_code, Some(1213));
    assert_eq!(finding.facts.table.as_deref(), Some("lab.deadlocked"));
    assert!(finding.facts.end_log_pos.is_some());
    assert_mariadb_gtid(finding, 1);
    // A serial applier: the other side was a local session, not a worker's upsert.
    assert_eq!(finding.variant, None);
    assert!(!finding.facts.other.contains_key("tables"));
}

#[test]
fn killed_applier() {
    let report = diagnose_recording("killed-applier");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ApplierKilled);
    assert_eq!(finding.error_code, Some(1317));
    assert_mariadb_gtid(finding, 1);
}

#[test]
fn purged_binlogs() {
    let finding = top(&diagnose_recording("purged-binlogs")).clone();
    assert_eq!(finding.class, Class::SourcePurgedGtids);
    assert_eq!(finding.error_code, Some(1236));
    assert!(finding.facts.other.contains_key("replica_gtid_slave_pos"));
}

#[test]
fn errant_write() {
    let report = diagnose_recording("errant-write");
    let finding = top(&report);
    assert_eq!(finding.class, Class::ErrantGtids);
    assert_mariadb_gtid(finding, 2);
}
