//! `repldoctor fix` on real MariaDB pairs: each fault with an executable plan is injected,
//! repaired with `--apply --yes`, and then replication runs, a fresh diagnosis no longer finds
//! it, `verify` finds the table equal and the journal holds every step. The refusals are
//! tested the same way: each with its reason, its exit status, and the servers left as they
//! were.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use testlab::{Lab, LabOptions, Writer, faults};

/// Runs `repldoctor --format json fix` on the lab's pair, journaling into `journal`.
fn fix(lab: &Lab, journal: &Path, extra: &[&str]) -> (i32, Value, String) {
    fix_pair(lab, 1, 0, journal, extra)
}

/// Runs `repldoctor --format json fix` with `replica` repaired and `source` as its source.
fn fix_pair(
    lab: &Lab,
    replica: usize,
    source: usize,
    journal: &Path,
    extra: &[&str],
) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["--format", "json", "fix"])
        .args([
            "--source",
            &lab.server(source).dsn(),
            "--replica",
            &lab.server(replica).dsn(),
        ])
        .args(["--journal", &journal.display().to_string()])
        .args(extra)
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), value, stderr)
}

/// Every line of the journal.
fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The steps the journal records as sent to a server, with their outcome.
fn journaled_steps(path: &Path) -> Vec<(u64, String)> {
    journal_lines(path)
        .iter()
        .filter(|e| e["event"] == "step" && e["sent"].as_u64() > Some(0))
        .map(|e| {
            (
                e["step"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn value(lab: &Lab, index: usize, sql: &str) -> Option<String> {
    lab.server(index).value(sql).await.unwrap()
}

async fn assert_replicating(lab: &Lab) {
    lab.wait_caught_up(1, 0).await.unwrap();
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running() && status.io_running(), "{status:?}");
}

/// A repair that completed: exit 0, the finding gone, the table verified equal.
fn assert_repaired(code: i32, json: &Value, stderr: &str, table: &str) {
    assert_eq!(code, 0, "{json:#} {stderr}");
    assert_eq!(json["outcome"]["outcome"], "completed", "{json:#}");
    assert_eq!(json["finding_gone"], true, "{json:#}");
    let verified = &json["verify"]["tables"][0];
    assert_eq!(verified["table"], table, "{json:#}");
    assert_eq!(verified["verdict"], "equal", "{json:#}");
}

/// The replica holds the row the source inserts, value for value: the transaction is skipped,
/// nothing is lost. The dry run first changes nothing.
#[tokio::test]
async fn duplicate_key_of_an_identical_row_is_skipped_and_verified() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "same").await.unwrap();
    let insert = format!("INSERT INTO {table} VALUES (10, 'the same row')");
    lab.server(1)
        .exec(&format!("SET SESSION sql_log_bin = 0; {insert}"))
        .await
        .unwrap();
    lab.server(0).exec(&insert).await.unwrap();
    lab.wait_status(1, "the applier to stop", |s| s.sql_errno() == 1062)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");

    let (code, json, stderr) = fix(&lab, &journal, &[]);
    assert_eq!(code, 0, "the plan can run now: {json:#} {stderr}");
    assert_eq!(json["finding"]["class"], "dup_key");
    assert_eq!(json["blocked_at"], Value::Null);
    // Scripts see what would be sent, step for step.
    let statements = json["plan"]["steps"].to_string();
    assert!(statements.contains("sql_slave_skip_counter"), "{json:#}");
    assert!(!journal.exists(), "a dry run journals nothing");
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(status.sql_errno(), 1062, "a dry run changes nothing");

    let before = value(&lab, 1, "SELECT @@GLOBAL.gtid_slave_pos").await;
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, "lab.same");
    assert_replicating(&lab).await;
    assert_ne!(
        value(&lab, 1, "SELECT @@GLOBAL.gtid_slave_pos").await,
        before
    );
    let lines = journal_lines(&journal);
    assert_eq!(lines.first().unwrap()["event"], "start");
    assert_eq!(lines.last().unwrap()["event"], "end");
    assert_eq!(lines.last().unwrap()["outcome"], "completed");
    let steps = journaled_steps(&journal);
    assert!(
        !steps.is_empty() && steps.iter().all(|(_, o)| o == "completed"),
        "{steps:?}"
    );
    let step = lines
        .iter()
        .find(|e| e["event"] == "step" && e["sent"].as_u64() > Some(0))
        .unwrap();
    assert_eq!(
        step["before"]["status"]["Last_SQL_Errno"], "1062",
        "{step:#}"
    );
    assert_eq!(
        step["after"]["status"]["Slave_SQL_Running"], "Yes",
        "{step:#}"
    );
}

/// The rows differ: without a choice the run stops before changing anything; with
/// `--prefer source` the replica ends with the source's row.
#[tokio::test]
async fn duplicate_key_of_a_different_row_waits_for_a_choice_then_takes_the_sources() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");

    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 2, "{json:#} {stderr}");
    assert_eq!(json["outcome"]["stop"]["kind"], "manual", "{json:#}");
    assert!(journaled_steps(&journal).is_empty(), "nothing was sent");
    let row = format!("SELECT v FROM {table} WHERE id = 10");
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("written on the replica")
    );

    let (code, json, stderr) = fix(&lab, &journal, &["--prefer", "source", "--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("written on the source")
    );
    // The delete ran with binary logging off: the replica wrote no GTID of its own.
    let own = value(&lab, 1, "SELECT @@GLOBAL.gtid_binlog_pos")
        .await
        .unwrap_or_default();
    assert!(
        !own.split(',')
            .any(|g| g.split('-').nth(1) == Some(&lab.server(1).server_id().to_string())),
        "{own}"
    );
}

/// `--prefer replica` keeps the replica's row and skips the source's transaction: done, with
/// the difference the plan announced (exit 1).
#[tokio::test]
async fn preferring_the_replica_skips_and_says_the_table_differs() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--prefer", "replica", "--apply", "--yes"]);
    assert_eq!(code, 1, "{json:#} {stderr}");
    assert_eq!(json["finding_gone"], true, "{json:#}");
    assert_eq!(
        json["verify"]["tables"][0]["verdict"], "different",
        "{json:#}"
    );
    assert_replicating(&lab).await;
    let row = format!("SELECT v FROM {table} WHERE id = 10");
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("written on the replica")
    );
}

/// An update of a row the replica lacks: the event's before-image is inserted with binary
/// logging off, and the source's update then applies.
#[tokio::test]
async fn row_not_found_gets_its_row_back_and_the_update_applies() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::row_not_found(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    let row = format!("SELECT v FROM {table} WHERE id = 2");
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("changed on the source")
    );
}

/// The source deletes a row the replica no longer has: a skip, not an insert and a delete.
#[tokio::test]
async fn a_delete_of_a_row_already_gone_is_skipped() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "gone").await.unwrap();
    lab.server(1)
        .exec(&format!(
            "SET SESSION sql_log_bin = 0; DELETE FROM {table} WHERE id = 3"
        ))
        .await
        .unwrap();
    lab.server(0)
        .exec(&format!("DELETE FROM {table} WHERE id = 3"))
        .await
        .unwrap();
    lab.wait_status(1, "the applier to stop", |s| s.sql_errno() == 1032)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    let statements: Vec<String> = journal_lines(&journal)
        .iter()
        .filter(|e| e["event"] == "step")
        .flat_map(|e| e["statements"].as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert!(
        !statements.iter().any(|s| s.starts_with("INSERT")),
        "{statements:?}"
    );
}

/// A killed applier is restarted; the interrupted update applies.
#[tokio::test]
async fn a_killed_applier_is_restarted() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::killed_applier(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(
        json["finding"]["class"], "applier_killed",
        "{json:#} {stderr}"
    );
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    let row = format!("SELECT v FROM {table} WHERE id = 1");
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("killed on the replica")
    );
}

/// A second fixer on the same replica is refused while the first holds the lock; nothing
/// changes.
#[tokio::test]
async fn a_second_fixer_is_refused() {
    use mysql_async::prelude::Queryable;
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let mut first = lab.server(1).conn().await.unwrap();
    let held: Option<i64> = first
        .query_first("SELECT GET_LOCK('repldoctor.fix', 0)")
        .await
        .unwrap();
    assert_eq!(held, Some(1));
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, _, stderr) = fix(&lab, &journal, &["--prefer", "source", "--apply", "--yes"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("another repldoctor fix"), "{stderr}");
    assert!(journaled_steps(&journal).is_empty());
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(status.sql_errno(), 1062);
    first.disconnect().await.unwrap();
}

/// A saved diagnosis runs only while its finding holds: after the DBA repaired it by hand and
/// another collision happened, the saved plan is refused with what changed.
#[tokio::test]
async fn a_saved_plan_for_a_finding_that_moved_on_is_refused() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("diagnosis.json");
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args([
            "--format",
            "json",
            "diagnose",
            "--replica",
            &lab.server(1).dsn(),
        ])
        .args(["--source", &lab.server(0).dsn()])
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    std::fs::write(&saved, &out.stdout).unwrap();
    // By hand: the replica's row goes, the applier runs; then another key collides.
    lab.server(1)
        .exec(&format!(
            "SET SESSION sql_log_bin = 0; DELETE FROM {table} WHERE id = 10; START SLAVE SQL_THREAD"
        ))
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    lab.server(1)
        .exec(&format!(
            "SET SESSION sql_log_bin = 0; INSERT INTO {table} VALUES (11, 'r')"
        ))
        .await
        .unwrap();
    lab.server(0)
        .exec(&format!("INSERT INTO {table} VALUES (11, 's')"))
        .await
        .unwrap();
    lab.wait_status(1, "the applier to stop", |s| s.sql_errno() == 1062)
        .await
        .unwrap();
    let journal = dir.path().join("journal.jsonl");
    let plan = saved.display().to_string();
    let (code, _, stderr) = fix(&lab, &journal, &["--plan", &plan, "--apply", "--yes"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!journal.exists());
    let row = format!("SELECT v FROM {table} WHERE id = 11");
    assert_eq!(value(&lab, 1, &row).await.as_deref(), Some("r"));
}

/// Writes keep arriving on the source (another table) while the repair runs: it completes,
/// and both the repaired table and the busy one end equal.
#[tokio::test]
async fn a_repair_under_writes_on_the_source_completes_right() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let busy = faults::create_table(&lab, 0, 1, "busy").await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let writer = Writer::start(lab.server(0), "lab", Duration::from_millis(5), move |n| {
        format!("INSERT INTO {busy} VALUES ({}, 'w')", n + 100)
    });
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--prefer", "source", "--apply", "--yes"]);
    let written = writer.stop();
    assert!(written > 0);
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    let count = |index| value(&lab, index, "SELECT COUNT(*) FROM lab.busy");
    assert_eq!(count(1).await, count(0).await);
}

/// The plan `--prefer source` runs for a duplicate key whose rows differ, diagnosed now.
async fn prefer_source_plan(lab: &Lab) -> diagnose::plan::Plan {
    use session::dsn::{Dsn, Endpoint};
    let endpoint = |dsn: &str| {
        Endpoint::resolve(
            &Dsn::parse(dsn).unwrap(),
            &session::option_file::ClientDefaults::default(),
            None,
        )
    };
    let collection = collect::collect(
        &endpoint(&lab.server(1).dsn()),
        Some(&endpoint(&lab.server(0).dsn())),
        &collect::CollectOptions::default(),
    )
    .await
    .unwrap();
    let report = diagnose::diagnose_collection(&collection);
    let finding = report.findings.first().expect("a finding");
    assert_eq!(finding.class, diagnose::Class::DupKey);
    finding
        .fix
        .alternatives
        .iter()
        .find(|a| a.choice == Some(diagnose::plan::Choice::PreferSource))
        .expect("a prefer-source plan")
        .plan
        .clone()
}

/// Runs `plan` with the executor on a root session to the replica; `between` runs (as a
/// separate client, synchronously) whenever a step begins or ends.
async fn run_plan(
    lab: &Lab,
    plan: &diagnose::plan::Plan,
    journal: &Path,
    between: &mut dyn FnMut(fix::executor::Progress<'_>),
) -> fix::Outcome {
    run_plan_until(
        lab,
        plan,
        journal,
        between,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .await
}

/// [`run_plan`], with the flag Ctrl-C sets.
async fn run_plan_until(
    lab: &Lab,
    plan: &diagnose::plan::Plan,
    journal: &Path,
    between: &mut dyn FnMut(fix::executor::Progress<'_>),
    cancel: &std::sync::atomic::AtomicBool,
) -> fix::Outcome {
    use session::dsn::{Dsn, Endpoint};
    let endpoint = Endpoint::resolve(
        &Dsn::parse(&lab.server(1).dsn()).unwrap(),
        &session::option_file::ClientDefaults::default(),
        None,
    );
    let replica = session::Session::connect(&endpoint, "replica", session::Timeouts::default())
        .await
        .unwrap();
    let mut servers = fix::Servers {
        replica,
        source: None,
    };
    let mut journal = fix::Journal::open(journal).unwrap();
    let mut run = fix::executor::Run {
        journal: &mut journal,
        id: "test".to_owned(),
        server: servers.replica.label(),
        cancel,
    };
    fix::executor::prepare(&mut servers.replica).await.unwrap();
    fix::executor::lock(&mut servers.replica).await.unwrap();
    fix::executor::apply(plan, 1, &mut servers, &mut run, between)
        .await
        .unwrap()
}

/// A local session changes the replica between the diagnosis and the step: it removes the
/// row and restarts the applier itself. The step's preconditions, read right before it, no
/// longer hold: nothing of it is sent.
#[tokio::test]
async fn a_local_change_between_diagnosis_and_step_refuses_the_step() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let plan = prefer_source_plan(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let local = format!(
        "SET SESSION sql_log_bin = 0; DELETE FROM {table} WHERE id = 10; START SLAVE SQL_THREAD"
    );
    let mut changed = false;
    let outcome = run_plan(&lab, &plan, &journal, &mut |progress| {
        if let fix::executor::Progress::Starting { .. } = progress
            && !changed
        {
            changed = true;
            lab.server(1).pipe_sql(&local).unwrap();
            std::thread::sleep(Duration::from_millis(500));
        }
    })
    .await;
    let fix::Outcome::Stopped { stop, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(matches!(stop, fix::Stop::Precondition { .. }), "{stop:?}");
    assert!(journaled_steps(&journal).is_empty(), "nothing was sent");
    let refused: Vec<Value> = journal_lines(&journal)
        .into_iter()
        .filter(|e| e["outcome"] == "refused")
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_replicating(&lab).await;
}

/// The replica becomes unreachable after the first step: the next step's precondition cannot
/// be read, the run stops there, and the journal says the first step completed and the second
/// was not sent.
#[tokio::test]
async fn a_replica_lost_mid_run_stops_the_run_where_the_journal_says() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let plan = prefer_source_plan(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let mut done = 0;
    let outcome = run_plan(&lab, &plan, &journal, &mut |progress| {
        if let fix::executor::Progress::Done { .. } = progress {
            done += 1;
            if done == 1 {
                // Every connection but this client's own is cut, the fixer's among them.
                lab.server(1)
                    .pipe_sql(
                        "SELECT GROUP_CONCAT(CONCAT('KILL ', ID, ';') SEPARATOR ' ') INTO @k \
                         FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() \
                         AND USER = 'root' AND COMMAND <> 'Binlog Dump'; \
                         EXECUTE IMMEDIATE CONCAT('BEGIN NOT ATOMIC ', @k, ' END')",
                    )
                    .unwrap();
            }
        }
    })
    .await;
    let fix::Outcome::Stopped { step, stop } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(
        matches!(stop, fix::Stop::Precondition { check } if matches!(check.evaluation, fix::check::Evaluation::Failed { .. })),
        "{stop:?}"
    );
    let steps = journaled_steps(&journal);
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].1, "completed");
    let lines = journal_lines(&journal);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "end");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("at step {step}")),
        "{last:#}"
    );
    // Where it stopped: the replica's row is gone, the applier still stopped on the error.
    let row = format!("SELECT COUNT(*) FROM {table} WHERE id = 10");
    assert_eq!(value(&lab, 1, &row).await.as_deref(), Some("0"));
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(status.sql_errno(), 1062);
}

/// MariaDB with parallel appliers and two replication domains refuses the skip counter (error
/// 1966): the identical-row skip moves `gtid_slave_pos` past the failing GTID in its domain
/// and keeps the other domain where it was.
#[tokio::test]
async fn a_skip_with_parallel_appliers_and_two_domains_moves_the_position() {
    let options = LabOptions {
        parallel_threads: 4,
        ..LabOptions::default()
    };
    let lab = Lab::primary_replica(&options).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "domains").await.unwrap();
    lab.server(0)
        .exec(&format!(
            "SET SESSION gtid_domain_id = 1; INSERT INTO {table} VALUES (20, 'domain one')"
        ))
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    let insert = format!("INSERT INTO {table} VALUES (10, 'the same row')");
    lab.server(1)
        .exec(&format!("SET SESSION sql_log_bin = 0; {insert}"))
        .await
        .unwrap();
    lab.server(0).exec(&insert).await.unwrap();
    lab.wait_status(1, "the applier to stop", |s| s.sql_errno() == 1062)
        .await
        .unwrap();
    let position = value(&lab, 1, "SELECT @@GLOBAL.gtid_slave_pos")
        .await
        .unwrap();
    assert!(position.contains(','), "two domains: {position}");
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, &table);
    assert_replicating(&lab).await;
    let statements: Vec<String> = journal_lines(&journal)
        .iter()
        .filter(|e| e["event"] == "step")
        .flat_map(|e| e["statements"].as_array().cloned().unwrap_or_default())
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert!(
        statements
            .iter()
            .any(|s| s.starts_with("SET GLOBAL gtid_slave_pos")),
        "{statements:?}"
    );
    assert!(
        !statements.iter().any(|s| s.contains("skip_counter")),
        "{statements:?}"
    );
    let after = value(&lab, 1, "SELECT @@GLOBAL.gtid_slave_pos")
        .await
        .unwrap();
    assert!(after.contains("1-1-"), "domain 1 kept: {after}");
}

/// A lock wait time-out (the holder gone since) and a lost deadlock: the applier is restarted
/// and the source's transaction applies.
#[tokio::test]
async fn lock_wait_timeouts_and_deadlocks_are_restarted() {
    for fault in ["lock wait timeout", "deadlock"] {
        let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
        let injected = if fault == "deadlock" {
            faults::applier_deadlock(&lab, 0, 1).await.unwrap()
        } else {
            faults::lock_wait_timeout(&lab, 0, 1).await.unwrap()
        };
        let table = injected.table.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("journal.jsonl");
        let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
        assert_repaired(code, &json, &stderr, &table);
        assert_replicating(&lab).await;
    }
}

/// The applier waits for a row a local session holds: without a choice the run stops for the
/// DBA; `--kill-blocker` kills that session (only while it is the same one) and replication
/// goes on.
#[tokio::test]
async fn kill_blocker_ends_the_session_that_blocks_the_applier() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    // Read-only, as a production replica is: the blocked applier is then the top finding.
    lab.server(1)
        .exec("SET GLOBAL read_only = ON")
        .await
        .unwrap();
    let blocked = faults::blocked_applier(&lab, 0, 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 2, "{json:#} {stderr}");
    assert_eq!(json["finding"]["class"], "applier_lock_wait", "{json:#}");
    assert_eq!(json["outcome"]["stop"]["kind"], "manual", "{json:#}");
    let holder = format!(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {}",
        blocked.holder_id
    );
    assert_eq!(value(&lab, 1, &holder).await.as_deref(), Some("1"));
    let (code, json, stderr) = fix(&lab, &journal, &["--kill-blocker", "--apply", "--yes"]);
    assert_eq!(
        value(&lab, 1, &holder).await.as_deref(),
        Some("0"),
        "{json:#} {stderr}"
    );
    assert_repaired(code, &json, &stderr, &blocked.table);
    assert_replicating(&lab).await;
    let row = format!("SELECT v FROM {} WHERE id = 2", blocked.table);
    assert_eq!(
        value(&lab, 1, &row).await.as_deref(),
        Some("waits on the replica")
    );
    blocked.release().await;
}

/// The run stops at a step for the DBA (ask the blocker's owner to end it); the owner commits;
/// `fix --resume` diagnoses again, finds nothing left to do, and verifies the table.
#[tokio::test]
async fn resume_after_the_dbas_step_checks_everything_again() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let blocked = faults::blocked_applier(&lab, 0, 1).await.unwrap();
    let table = blocked.table.clone();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 2, "{json:#} {stderr}");
    assert_eq!(json["outcome"]["stop"]["kind"], "manual", "{json:#}");
    blocked.release().await;
    lab.wait_caught_up(1, 0).await.unwrap();
    let resume = journal.display().to_string();
    let (code, json, stderr) = fix(&lab, &journal, &["--resume", &resume, "--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, &table);
    assert!(
        json["warnings"][0].as_str().unwrap().contains("is gone"),
        "{json:#}"
    );
    // The run is over now: a second resume has nothing to go on with.
    let (code, _, stderr) = fix(&lab, &journal, &["--resume", &resume, "--apply", "--yes"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("nothing to resume"), "{stderr}");
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (code, _, stderr) = fix(&lab, &journal, &["--resume", &empty.display().to_string()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("empty"), "{stderr}");
}

/// Empty transactions are MySQL's: on MariaDB the check before the first batch cannot be
/// read (no GTID_SUBSET), so nothing is sent and the journal says the step was refused.
#[tokio::test]
async fn empty_transactions_are_refused_where_the_check_before_them_cannot_run() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let plan = diagnose::plan::Plan {
        steps: vec![diagnose::plan::Step {
            target: diagnose::plan::Target::Replica,
            action: diagnose::plan::Action::InjectEmpty {
                gtids: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-2500".to_owned(),
            },
            why: diagnose::text!("test", "test"),
            preconditions: Vec::new(),
            verify: None,
            risk: diagnose::plan::RiskLevel::Medium,
            risk_note: None,
        }],
        ..diagnose::plan::Plan::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let before = value(&lab, 1, "SELECT @@GLOBAL.gtid_binlog_pos").await;
    let outcome = run_plan(&lab, &plan, &journal, &mut |_| {}).await;
    let fix::Outcome::Stopped { step: 1, stop } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(matches!(stop, fix::Stop::Precondition { .. }), "{stop:?}");
    assert!(journaled_steps(&journal).is_empty());
    let refused = journal_lines(&journal)
        .into_iter()
        .find(|e| e["outcome"] == "refused")
        .unwrap();
    assert!(
        refused["statements"][0]
            .as_str()
            .unwrap()
            .contains("1-1000 (1000 of 2500 GTIDs, batch 1)"),
        "{refused:#}"
    );
    assert_eq!(
        value(&lab, 1, "SELECT @@GLOBAL.gtid_binlog_pos").await,
        before
    );
}

/// Founding case 5 for real: a statement fails on the source (a duplicate key half-way through
/// a multi-row insert into a non-transactional table, logged with its error code) and succeeds
/// on the replica, whose table lacks the key. The run stops for the DBA to make the replica's
/// table match; `--resume` then skips the event by MariaDB's mechanism and verifies the table.
#[tokio::test]
async fn error_code_mismatch_waits_for_the_dba_then_is_skipped_and_verified() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    lab.server(0)
        .exec(
            "CREATE DATABASE IF NOT EXISTS lab; \
             CREATE TABLE lab.mixed (id INT PRIMARY KEY, v VARCHAR(8)) ENGINE=MyISAM",
        )
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; ALTER TABLE lab.mixed DROP PRIMARY KEY")
        .await
        .unwrap();
    let failed = lab
        .server(0)
        .exec(
            "SET SESSION binlog_format = 'STATEMENT'; \
             INSERT INTO lab.mixed VALUES (1, 'a'), (1, 'b')",
        )
        .await;
    assert!(failed.is_err(), "the source fails with 1062");
    lab.wait_status(1, "the applier to stop", |s| s.sql_stopped())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 2, "{json:#} {stderr}");
    assert_eq!(json["finding"]["class"], "error_code_mismatch", "{json:#}");
    assert_eq!(json["finding"]["table"], "lab.mixed", "{json:#}");
    assert_eq!(json["outcome"]["stop"]["kind"], "manual", "{json:#}");
    assert!(
        journaled_steps(&journal).is_empty(),
        "nothing sent before the DBA's step"
    );
    // The DBA's step: the replica's table as the source's (one row, the key back).
    lab.server(1)
        .exec(
            "SET SESSION sql_log_bin = 0; DELETE FROM lab.mixed WHERE v = 'b'; \
             ALTER TABLE lab.mixed ADD PRIMARY KEY (id)",
        )
        .await
        .unwrap();
    let resume = journal.display().to_string();
    let (code, json, stderr) = fix(&lab, &journal, &["--resume", &resume, "--apply", "--yes"]);
    assert_repaired(code, &json, &stderr, "lab.mixed");
    assert_replicating(&lab).await;
    assert_eq!(
        value(&lab, 1, "SELECT GROUP_CONCAT(v) FROM lab.mixed")
            .await
            .as_deref(),
        Some("a")
    );
}

/// Ctrl-C during a step: the step completes, the next one does not begin, and the journal
/// ends with the stop.
#[tokio::test]
async fn ctrl_c_stops_between_two_steps() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let injected = faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let table = injected.table.unwrap();
    let plan = prefer_source_plan(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let outcome = run_plan_until(
        &lab,
        &plan,
        &journal,
        &mut |progress| {
            if let fix::executor::Progress::Starting { .. } = progress {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
    )
    .await;
    let fix::Outcome::Stopped { stop, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(stop, &fix::Stop::Interrupted);
    assert_eq!(
        journaled_steps(&journal).len(),
        1,
        "the step in flight completed"
    );
    let row = format!("SELECT COUNT(*) FROM {table} WHERE id = 10");
    assert_eq!(value(&lab, 1, &row).await.as_deref(), Some("0"));
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(status.sql_errno(), 1062, "the restart never began");
}

/// `--apply` without a terminal to ask on, and without --yes: refused before anything changes.
/// A saved diagnosis of one server is refused on another.
#[tokio::test]
async fn no_confirmation_and_another_servers_plan_are_refused() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, _, stderr) = fix(&lab, &journal, &["--prefer", "source", "--apply"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(!journal.exists());
    let saved = dir.path().join("diagnosis.json");
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args([
            "--format",
            "json",
            "diagnose",
            "--replica",
            &lab.server(1).dsn(),
        ])
        .args(["--source", &lab.server(0).dsn()])
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    std::fs::write(&saved, &out.stdout).unwrap();
    // The same diagnosis given for the source as the server to repair.
    let other = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["--format", "json", "fix", "--replica", &lab.server(0).dsn()])
        .args(["--plan", &saved.display().to_string(), "--apply", "--yes"])
        .args(["--journal", &journal.display().to_string()])
        .env("HOME", "/nonexistent")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!journal.exists());
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert_eq!(status.sql_errno(), 1062);
}

/// Both primaries of a pair stopped on the same key: the business keeps the first primary's
/// row. The second takes it (`--prefer source`), the first keeps its own (`--prefer replica`,
/// the other side's transaction skipped); both replicate again and hold the same rows.
#[tokio::test]
async fn a_dual_primary_collision_is_repaired_on_both_sides() {
    let lab = Lab::dual_primary(&LabOptions::default()).await.unwrap();
    let (first, _) = faults::dual_primary_duplicate_key(&lab).await.unwrap();
    let table = first.table.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix_pair(
        &lab,
        1,
        0,
        &journal,
        &["--prefer", "source", "--apply", "--yes"],
    );
    assert_eq!(json["finding"]["class"], "dup_key", "{json:#} {stderr}");
    assert_eq!(json["finding_gone"], true, "{json:#} {stderr}");
    let (code_other, json, stderr) = fix_pair(
        &lab,
        0,
        1,
        &journal,
        &["--prefer", "replica", "--apply", "--yes"],
    );
    assert_eq!(json["finding_gone"], true, "{json:#} {stderr}");
    for (a, b) in [(1, 0), (0, 1)] {
        lab.wait_caught_up(a, b).await.unwrap();
    }
    let row = format!("SELECT v FROM {table} WHERE id = 20");
    let kept = format!("written on {}", lab.server(0).name());
    assert_eq!(value(&lab, 0, &row).await.as_deref(), Some(kept.as_str()));
    assert_eq!(value(&lab, 1, &row).await.as_deref(), Some(kept.as_str()));
    // Each run verified what it could at its moment; the rows agree at the end.
    assert!(code <= 1 && code_other <= 1, "{code} {code_other}");
}

/// A receiver on a connection that died silently: reconnecting it (on a new connection) brings
/// the rows that never arrived; the fresh diagnosis no longer finds it.
#[tokio::test]
async fn a_stalled_receiver_is_reconnected() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let stalled = faults::stalled_receiver(&lab, 0, 1).await.unwrap();
    // The source keeps writing: two looks at the servers show it move while the receiver does
    // not.
    let writer = Writer::start(lab.server(0), "lab", Duration::from_millis(50), |n| {
        format!("INSERT INTO lab.stalled VALUES ({}, 'written on')", n + 100)
    });
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    // The relay runs on this test's runtime: the command runs on a thread of its own.
    let args: Vec<String> = [
        "--format",
        "json",
        "fix",
        "--source",
        &lab.server(0).dsn(),
        "--replica",
        &lab.server(1).dsn(),
        "--journal",
        &journal.display().to_string(),
        "--apply",
        "--yes",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_repldoctor"))
            .args(&args)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (code, json, stderr) = (
        out.status.code().unwrap(),
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    writer.stop();
    assert_eq!(
        json["finding"]["class"], "receiver_stalled",
        "{json:#} {stderr}"
    );
    let status = lab.server(1).default_channel().await.unwrap();
    assert_eq!(code, 0, "{json:#} {stderr} {status:?}");
    assert_eq!(json["finding_gone"], true, "{json:#}");
    lab.wait_caught_up(1, 0).await.unwrap();
    assert_eq!(
        value(
            &lab,
            1,
            "SELECT COUNT(*) FROM lab.stalled WHERE v = 'never arrives'"
        )
        .await
        .as_deref(),
        Some("2")
    );
    drop(stalled);
}

/// One rows event with two rows, the first of which the replica holds identically: the skip
/// is not called lossless (the second row goes with it), and verify shows what it cost.
#[tokio::test]
async fn a_skip_of_a_two_row_event_says_what_it_gives_up() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let table = faults::create_table(&lab, 0, 1, "pair").await.unwrap();
    lab.server(1)
        .exec(&format!(
            "SET SESSION sql_log_bin = 0; INSERT INTO {table} VALUES (10, 'the same row')"
        ))
        .await
        .unwrap();
    lab.server(0)
        .exec(&format!(
            "INSERT INTO {table} VALUES (10, 'the same row'), (11, 'goes with it')"
        ))
        .await
        .unwrap();
    lab.wait_status(1, "the applier to stop", |s| s.sql_errno() == 1062)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &[]);
    assert_eq!(code, 0, "{json:#} {stderr}");
    assert!(
        json["data_loss"].is_string(),
        "the dry run says what is given up: {json:#}"
    );
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 1, "{json:#} {stderr}");
    assert_eq!(
        json["verify"]["tables"][0]["verdict"], "different",
        "{json:#}"
    );
    assert_replicating(&lab).await;
}

/// A statement that outlives its time limit: its connection is dropped, a new one kills it on
/// the server (it does not go on unseen), and the journal says so with the state after.
#[tokio::test]
async fn a_statement_past_its_time_limit_is_killed_on_the_server_and_journaled() {
    use session::dsn::{Dsn, Endpoint};
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    let plan = diagnose::plan::Plan {
        steps: vec![diagnose::plan::Step::sql(
            diagnose::plan::Target::Replica,
            &["SELECT SLEEP(30)"],
            diagnose::text!("test", "test"),
            diagnose::plan::RiskLevel::Low,
        )],
        ..diagnose::plan::Plan::default()
    };
    let endpoint = Endpoint::resolve(
        &Dsn::parse(&lab.server(1).dsn()).unwrap(),
        &session::option_file::ClientDefaults::default(),
        None,
    );
    let timeouts = session::Timeouts {
        connect: Duration::from_secs(5),
        statement: Duration::from_secs(2),
    };
    let replica = session::Session::connect(&endpoint, "replica", timeouts)
        .await
        .unwrap();
    let mut servers = fix::Servers {
        replica,
        source: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let mut journal = fix::Journal::open(&path).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut run = fix::executor::Run {
        journal: &mut journal,
        id: "test".to_owned(),
        server: servers.replica.label(),
        cancel: &cancel,
    };
    fix::executor::prepare(&mut servers.replica).await.unwrap();
    fix::executor::lock(&mut servers.replica).await.unwrap();
    let outcome = fix::executor::apply(&plan, 1, &mut servers, &mut run, &mut |_| {})
        .await
        .unwrap();
    let fix::Outcome::Stopped { stop, .. } = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(matches!(stop, fix::Stop::ConnectionLost { .. }), "{stop:?}");
    let lost = journal_lines(&path)
        .into_iter()
        .find(|e| e["outcome"] == "connection_lost")
        .unwrap();
    let detail = lost["detail"].as_str().unwrap();
    assert!(detail.contains("was killed on the server"), "{detail}");
    assert!(lost["after"]["status"].is_object(), "{lost:#}");
    let sleeping = value(
        &lab,
        1,
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(30)'",
    )
    .await;
    assert_eq!(sleeping.as_deref(), Some("0"), "nothing goes on unseen");
}

/// A replica with nothing wrong: fix says so and exits 0, changing nothing.
#[tokio::test]
async fn a_healthy_replica_has_nothing_to_fix() {
    let lab = Lab::primary_replica(&LabOptions {
        extra: vec![
            "read-only=1".to_owned(),
            "sync-binlog=1".to_owned(),
            "innodb-flush-log-at-trx-commit=1".to_owned(),
        ],
        ..LabOptions::default()
    })
    .await
    .unwrap();
    faults::create_table(&lab, 0, 1, "fine").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl");
    let (code, json, stderr) = fix(&lab, &journal, &["--apply", "--yes"]);
    assert_eq!(code, 0, "{json:#} {stderr}");
    assert_eq!(json["nothing_to_fix"], true, "{json:#} {stderr}");
    assert!(!journal.exists(), "nothing was journaled");
    assert_replicating(&lab).await;
}
