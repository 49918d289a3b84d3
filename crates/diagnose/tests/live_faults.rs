//! Every fault testlab injects, diagnosed end to end from a live collection (as the
//! least-privilege `monitor` account): the top finding's class and facts are those of the fault,
//! and the bundle saved from the collection, replayed, gives the same report.

use diagnose::{Class, Finding, Lang, Report};
use evidence::bundle::Collection;
use evidence::collect::{CollectOptions, collect};
use evidence::dsn::{Dsn, Endpoint};
use evidence::option_file::ClientDefaults;
use testlab::{Lab, LabOptions, faults};

fn endpoint(dsn: &str) -> Endpoint {
    Endpoint::resolve(&Dsn::parse(dsn).unwrap(), &ClientDefaults::default(), None)
}

/// Collects from `replica` (its source found from its status), diagnoses, and checks that the
/// bundle saved as a directory and as a .tar.gz replays to the same evidence and report.
async fn diagnose_live(lab: &Lab, replica: usize) -> Report {
    let replica = endpoint(&lab.server(replica).monitor_dsn());
    let collection = collect(&replica, None, &CollectOptions::default())
        .await
        .unwrap();
    let evidence = collection.evidence();
    let report = diagnose::diagnose(&evidence);
    let json = diagnose::render::json(&report, Lang::En);
    let dir = tempfile::tempdir().unwrap();
    for path in [dir.path().join("bundle"), dir.path().join("bundle.tar.gz")] {
        collection.save(&path).unwrap();
        let replayed = Collection::load(&path).unwrap();
        assert_eq!(replayed, collection, "{}", path.display());
        let replayed_evidence = replayed.evidence();
        assert_eq!(replayed_evidence, evidence);
        let replayed_json =
            diagnose::render::json(&diagnose::diagnose(&replayed_evidence), Lang::En);
        assert_eq!(replayed_json, json, "{}", path.display());
    }
    report
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

#[tokio::test]
async fn duplicate_key() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let report = diagnose_live(&lab, 1).await;
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
