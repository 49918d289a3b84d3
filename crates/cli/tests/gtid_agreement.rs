//! `diagnose --replica --source` and `gtid compare --replica --source` read the same servers
//! through the same session layer and judge GTIDs with the same comparison: on every fault
//! testlab injects, they agree on whether the replica has errant transactions and whether the
//! source purged what it needs (MariaDB's GTID_LIST purged state included).

use std::any::Any;
use std::process::Command;

use serde_json::Value;
use testlab::{Lab, LabOptions, faults};

/// Runs the binary with `--format json` and the lab's accounts only.
fn json(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["--format", "json"])
        .args(args)
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .unwrap();
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), value)
}

/// What each command says of the replica's GTIDs against its source's.
#[derive(Debug, PartialEq, Eq)]
struct GtidJudgement {
    errant: bool,
    purged: bool,
}

fn from_compare(compare: &Value) -> GtidJudgement {
    let domains = compare["comparison"]["domains"].as_array().unwrap();
    let state = |wanted: &[&str]| {
        domains
            .iter()
            .any(|d| wanted.contains(&d["state"].as_str().unwrap_or_default()))
    };
    // In a dual primary each side's own writes are replication in flight, not errant.
    let dual_primary = compare["dual_primary"].as_bool().unwrap();
    GtidJudgement {
        errant: !dual_primary && state(&["ahead", "diverged", "only_on_replica"]),
        purged: state(&["purged"]),
    }
}

fn from_diagnose(report: &Value) -> GtidJudgement {
    let classes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["class"].as_str())
        .collect();
    GtidJudgement {
        errant: classes.contains(&"errant_gtids") || classes.contains(&"replica_has_more_gtids"),
        purged: classes.contains(&"source_purged_gtids"),
    }
}

/// Both commands on replica 1 of `lab` against its source 0.
fn judge(lab: &Lab, fault: &str) -> GtidJudgement {
    let (source, replica) = (lab.server(0).monitor_dsn(), lab.server(1).monitor_dsn());
    let (status, compare) = json(&[
        "gtid",
        "compare",
        "--source",
        &source,
        "--replica",
        &replica,
    ]);
    assert!(status <= 2, "{fault}: gtid compare: {compare}");
    let (status, report) = json(&["diagnose", "--replica", &replica, "--source", &source]);
    assert!(status <= 2, "{fault}: diagnose: {report}");
    let compared = from_compare(&compare);
    let diagnosed = from_diagnose(&report);
    assert_eq!(
        compared, diagnosed,
        "{fault}: gtid compare {compare} / diagnose {report}"
    );
    compared
}

type Keep = Box<dyn Any + Send>;

#[tokio::test]
async fn diagnose_and_gtid_compare_agree_on_every_fault() {
    let mut judged = Vec::new();
    macro_rules! fault {
        ($name:literal, |$lab:ident| $inject:expr) => {{
            let $lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
            let kept: Keep = Box::new($inject.await.unwrap());
            judged.push(($name, judge(&$lab, $name)));
            drop(kept);
        }};
    }
    fault!("healthy", |lab| faults::create_table(&lab, 0, 1, "healthy"));
    fault!("duplicate_key", |lab| faults::duplicate_key(&lab, 0, 1));
    fault!("row_not_found", |lab| faults::row_not_found(&lab, 0, 1));
    fault!("blocked_applier", |lab| faults::blocked_applier(&lab, 0, 1));
    fault!("lock_wait_timeout", |lab| faults::lock_wait_timeout(
        &lab, 0, 1
    ));
    fault!("applier_deadlock", |lab| faults::applier_deadlock(
        &lab, 0, 1
    ));
    fault!("killed_applier", |lab| faults::killed_applier(&lab, 0, 1));
    fault!("stalled_receiver", |lab| faults::stalled_receiver(
        &lab, 0, 1
    ));
    fault!("purged_binlogs", |lab| faults::purged_binlogs(&lab, 0, 1));
    fault!("errant_write", |lab| faults::errant_write(&lab, 0, 1));
    // The dual primary: each side is the other's source.
    {
        let lab = Lab::dual_primary(&LabOptions::default()).await.unwrap();
        faults::dual_primary_duplicate_key(&lab).await.unwrap();
        judged.push(("dual_primary_duplicate_key", judge(&lab, "dual_primary")));
    }
    // The faults that are about GTIDs are seen as such, the others not.
    for (fault, judgement) in judged {
        let expected = GtidJudgement {
            errant: fault == "errant_write",
            purged: fault == "purged_binlogs",
        };
        assert_eq!(judgement, expected, "{fault}");
    }
}
