//! `repldoctor gtid` run as a user runs it: exact output and exit status.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const B: &str = "4d22fb58-82db-22f2-af44-d91bb5530673";

fn repldoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn subtract_prints_the_normalised_difference_on_one_line() {
    let a = format!("{},\n  {A}:1-10:12", B.to_uppercase() + ":1-3");
    let out = repldoctor(&["gtid", "subtract", &a, &format!("{A}:3-4")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{A}:1-2:5-10:12,{B}:1-3\n"));
}

#[test]
fn union_and_intersect_take_many_sets_and_tags() {
    let out = repldoctor(&[
        "gtid",
        "union",
        &format!("{A}:1-5"),
        &format!("{A}:6-7:t1:1"),
        &format!("{B}:9"),
    ]);
    assert_eq!(stdout(&out), format!("{A}:1-7:t1:1,{B}:9\n"));
    let out = repldoctor(&[
        "gtid",
        "intersect",
        &format!("{A}:1-50"),
        &format!("{A}:40-60"),
        &format!("{A}:45-100"),
    ]);
    assert_eq!(stdout(&out), format!("{A}:45-50\n"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn json_output_carries_the_set_and_its_count() {
    let out = repldoctor(&[
        "--format",
        "json",
        "gtid",
        "union",
        &format!("{A}:1-1081067155"),
        &format!("{B}:1-9223372036854775807:x:1-9223372036854775807"),
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["flavor"], "mysql");
    assert_eq!(
        json["gtids"],
        format!("{A}:1-1081067155,{B}:1-9223372036854775807:x:1-9223372036854775807")
    );
    // More than fits in a u64: printed exactly.
    assert!(stdout(&out).contains("\"count\":18446744074790618769"));
}

#[test]
fn count_is_exact_for_huge_intervals() {
    let out = repldoctor(&["gtid", "count", &format!("{A}:1-1081067155,\n{B}:1-3:5")]);
    assert_eq!(stdout(&out), "1081067159\n");
    let out = repldoctor(&["--format", "json", "gtid", "count", ""]);
    assert_eq!(
        stdout(&out),
        "{\"count\":0,\"status\":\"healthy\",\"exit_status\":0}\n"
    );
}

#[test]
fn contains_answers_through_its_exit_status() {
    let set = format!("{A}:1-10:20");
    let out = repldoctor(&[
        "gtid",
        "contains",
        &set,
        &format!("{}:20", A.to_uppercase()),
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(0), format!("{A}:20 is in the set\n"))
    );
    let out = repldoctor(&["gtid", "contains", &set, &format!("{A}:11")]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(1), format!("{A}:11 is not in the set\n"))
    );
    let out = repldoctor(&["gtid", "contains", "0-1-100,1-2-5", "0-2-99"]);
    assert_eq!(out.status.code(), Some(0));
    let out = repldoctor(&["gtid", "contains", "0-1-100,1-2-5", "1-2-6"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn holes_are_the_gaps_below_each_highest_number() {
    let out = repldoctor(&["gtid", "holes", &format!("{A}:1-92:94-96:98-100,{B}:5-6")]);
    assert_eq!(stdout(&out), format!("{A}:93:97,{B}:1-4\n"));
}

#[test]
fn sets_can_come_from_files_and_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("executed.txt");
    std::fs::write(&path, format!("{A}:1-100,\n{B}:1-5\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["gtid", "subtract", &format!("@{}", path.display()), "@-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{A}:2-100").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(stdout(&out), format!("{A}:1,{B}:1-5\n"));
    let out = repldoctor(&["gtid", "count", "@/nonexistent/gtids.txt"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).starts_with("repldoctor: SET: cannot read /nonexistent/gtids.txt:"));
}

#[test]
fn malformed_input_is_one_line_quoting_the_fragment_and_offset() {
    let out = repldoctor(&[
        "gtid",
        "subtract",
        &format!("{A}:1-10"),
        &format!("{A}:3-x"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "repldoctor: B: invalid MySQL GTID set at character 39: expected a transaction number, found \"x\"\n"
    );
    assert_eq!(stdout(&out), "");
    let out = repldoctor(&["gtid", "count", "3e11fa47-71ca-11e1-9e33:1,\n\n"]);
    assert_eq!(
        stderr(&out),
        "repldoctor: SET: invalid MySQL GTID set at character 0: expected a UUID like 3e11fa47-71ca-11e1-9e33-c80aa9429562, found \"3e11fa47-71ca-11e1-9e33\"\n"
    );
    let out = repldoctor(&["gtid", "union", "0-1-5", "0-1-x"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "repldoctor: set 2: invalid MariaDB GTID position at character 4: expected a sequence number, found \"x\"\n"
    );
    let out = repldoctor(&["--format", "json", "gtid", "holes", &format!("{A}:0")]);
    assert_eq!(out.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["exit_status"], 3);
    assert_eq!(
        json["error"],
        "SET: invalid MySQL GTID set at character 37: transaction numbers start at 1, found \"0\""
    );
}

#[test]
fn flavors_are_told_apart_and_not_mixed() {
    let out = repldoctor(&["gtid", "union", "0-1-5,1-2-3", "0-2-7"]);
    assert_eq!(stdout(&out), "0-2-7,1-2-3\n");
    let out = repldoctor(&["gtid", "union", "0-1-5", &format!("{A}:1")]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "repldoctor: cannot mix MySQL GTID sets and MariaDB GTID positions in one operation\n"
    );
    let out = repldoctor(&["gtid", "count", "0-1-5"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("count works on MySQL GTID sets; '0-1-5' is a MariaDB GTID position")
    );
}

#[test]
fn inject_sql_commits_one_empty_transaction_per_gtid_within_a_limit() {
    let out = repldoctor(&["gtid", "inject-sql", &format!("{A}:7,{B}:t:1-2")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!(
            "SET GTID_NEXT='{A}:7'; BEGIN; COMMIT;\n\
             SET GTID_NEXT='{B}:t:1'; BEGIN; COMMIT;\n\
             SET GTID_NEXT='{B}:t:2'; BEGIN; COMMIT;\n\
             SET GTID_NEXT='AUTOMATIC';\n"
        )
    );
    let out = repldoctor(&["gtid", "inject-sql", "--max", "2", &format!("{A}:1-3")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).starts_with("repldoctor: the set holds 3 transactions, more than --max 2:")
    );
    assert_eq!(stdout(&out), "");
    // The default limit is 10000.
    let out = repldoctor(&["gtid", "inject-sql", &format!("{A}:1-10001")]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn compare_finds_case_4_replica_ahead_of_its_source() {
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        &format!("{A}:1-1080678246"),
        "--replica-set",
        &format!("{A}:1-1081067155"),
        "--source-uuid",
        A,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "Errant transactions: {A}:1080678247-1081067155 (388909 transactions)."
        )),
        "{text}"
    );
    assert!(text.contains(&format!(
        "Ahead of the source on {A} (the source's own UUID): the source's last transaction is 1080678246, the replica has up to 1081067155:"
    )), "{text}");
    assert!(
        text.ends_with("Verdict: critical: 388909 errant transactions on the replica.\n"),
        "{text}"
    );
}

#[test]
fn compare_in_json_gives_the_exact_sets() {
    let out = repldoctor(&[
        "--format",
        "json",
        "gtid",
        "compare",
        "--source-set",
        &format!("{A}:1-200,{B}:1-10"),
        "--replica-set",
        &format!("{A}:1-92:94-96:98-100,{B}:1-12"),
        "--source-purged",
        &format!("{A}:1-95"),
        "--ignore",
        B,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["status"], "critical");
    assert_eq!(json["exit_status"], 2);
    let c = &json["comparison"];
    assert_eq!(c["errant"], "");
    assert_eq!(c["ignored_uuids"], serde_json::json!([B]));
    assert_eq!(c["ignored"], format!("{B}:11-12"));
    assert_eq!(c["missing"], format!("{A}:93:97:101-200"));
    assert_eq!(c["missing_count"], 102);
    assert_eq!(c["missing_purged"], format!("{A}:93"));
    assert_eq!(c["replica_holes"]["tail"], format!("{A}:93:97"));
    assert_eq!(c["replica_holes"]["interior"], "");
}

#[test]
fn compare_exit_status_follows_the_worst_finding() {
    let compare = |source: &str, replica: &str, extra: &[&str]| {
        let mut args = vec![
            "gtid",
            "compare",
            "--source-set",
            source,
            "--replica-set",
            replica,
        ];
        args.extend_from_slice(extra);
        repldoctor(&args)
    };
    // Behind, with parallel tail holes, nothing purged that it needs: consistent.
    let out = compare(
        &format!("{A}:1-200"),
        &format!("{A}:1-92:94-100"),
        &["--source-purged", &format!("{A}:1-50")],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Missing and purged: none;"));
    assert!(stdout(&out).ends_with("Verdict: consistent.\n"));
    // The same hole with a stopped applier persists: warning.
    let out = compare(
        &format!("{A}:1-200"),
        &format!("{A}:1-92:94-100"),
        &["--in-flight-window", "0"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains(&format!("Holes that persist: {A}:93 (1 transaction).")));
}

#[test]
fn compare_mariadb_positions_per_domain() {
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        "0-2-3,0-1-104,1-3-7",
        "--replica-set",
        "0-1-100,1-3-7,5-9-1",
        "--source-purged",
        "0-1-90",
        "--ignore",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "Domain 0: source at 0-1-104, replica at 0-1-100: the replica is 4 behind; the source still has them.\n\
         Domain 1: source at 1-3-7, replica at 1-3-7: in sync.\n\
         Domain 5: source at nothing, replica at 5-9-1: ignored (another upstream).\n\
         Verdict: consistent.\n"
    );
    let out = repldoctor(&[
        "--format",
        "json",
        "gtid",
        "compare",
        "--source-set",
        "0-1-5",
        "--replica-set",
        "0-2-5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["comparison"]["domains"][0]["state"], "diverged");
    assert_eq!(json["source_purged_known"], false);
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        "0-1-5",
        "--replica-set",
        &format!("{A}:1"),
    ]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn an_empty_side_takes_the_flavor_of_the_other() {
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        "0-1-5",
        "--replica-set",
        "",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with(
        "Domain 0: source at 0-1-5, replica at nothing: the replica has nothing in this domain"
    ));
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        "",
        "--replica-set",
        "0-2-5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).ends_with("Verdict: critical: domain 0: only on the replica.\n"));
}

#[test]
fn compare_needs_both_sides() {
    let out = repldoctor(&["gtid", "compare", "--source-set", &format!("{A}:1")]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        "repldoctor: compare needs the replica: --replica DSN or --replica-set SET\n"
    );
}

/// `compare --source DSN --replica DSN` against real MariaDB servers of the test lab.
mod live {
    use std::process::{Command, Output};

    use testlab::{Lab, LabOptions, faults};

    fn compare(lab: &Lab, format: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_repldoctor"))
            .args(["--format", format, "gtid", "compare"])
            .args([
                "--source",
                &lab.server(0).dsn(),
                "--replica",
                &lab.server(1).dsn(),
            ])
            // Neither the developer's ~/.my.cnf nor their MYSQL_PWD may leak into the test.
            .env("HOME", "/nonexistent")
            .env_remove("MYSQL_PWD")
            .output()
            .unwrap()
    }

    async fn value(lab: &Lab, server: usize, sql: &str) -> String {
        lab.server(server)
            .value(sql)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn a_caught_up_replica_is_in_sync_and_an_errant_write_puts_it_ahead() {
        let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
        faults::create_table(&lab, 0, 1, "insync").await.unwrap();
        let position = value(&lab, 0, "SELECT @@gtid_binlog_pos").await;
        let out = compare(&lab, "text");
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!(
                "Domain 0: source at {position}, replica at {position}: in sync.\n\
                 Verdict: consistent.\n"
            )
        );

        let errant = faults::errant_write(&lab, 0, 1).await.unwrap();
        let out = compare(&lab, "json");
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let domain = &json["comparison"]["domains"][0];
        assert_eq!(domain["replica"], errant.gtid);
        assert_eq!(domain["source"], errant.source_binlog_state);
        assert_eq!(domain["state"], "ahead");
        assert_eq!(domain["by"], 1);
        // The lab's accounts may read the binlogs: the purge boundary is known.
        assert_eq!(json["source_purged_known"], true);
    }

    #[tokio::test]
    async fn purged_binlogs_the_replica_needs_are_found() {
        let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
        faults::purged_binlogs(&lab, 0, 1).await.unwrap();
        let replica_position = value(&lab, 1, "SELECT @@gtid_current_pos").await;
        let source_position = value(&lab, 0, "SELECT @@gtid_binlog_pos").await;
        let out = compare(&lab, "text");
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            format!(
                "Domain 0: source at {source_position}, replica at {replica_position}: the \
                 source has purged binlogs the replica still needs: it cannot continue (error \
                 1236, \"Could not find GTID state requested by slave\").\n\
                 Verdict: critical: domain 0: purged on the source.\n"
            )
        );
    }
}

/// The same sets give `gtid compare` and `diagnose` the same verdict: errant transactions
/// below the source's highest are a warning for both (diagnose, which sees the applier, may
/// add the replica's holes as a finding of their own).
#[test]
fn gtid_compare_and_diagnose_agree_on_the_same_sets() {
    let out = repldoctor(&[
        "gtid",
        "compare",
        "--source-set",
        &format!("{A}:2:4:6"),
        "--replica-set",
        &format!("{A}:1:3:5"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("Verdict: warning: 3 errant transactions on the replica.\n"),
        "{}",
        stdout(&out)
    );
    let mut paste = tempfile::NamedTempFile::new().unwrap();
    write!(
        paste,
        "-- server: db2 role: replica\nSlave_IO_Running: Yes\nSlave_SQL_Running: Yes\nExecuted_Gtid_Set: {A}:1:3:5\n-- server: db1 role: source\ngtid_executed = {A}:2:4:6\n"
    )
    .unwrap();
    let path = paste.path().to_str().unwrap().to_owned();
    let out = repldoctor(&["diagnose", "--evidence", &path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let classes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes[0], "errant_gtids", "{classes:?}");
    assert_eq!(report["status"], "warning");
}
