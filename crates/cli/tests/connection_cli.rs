//! Connection errors from the real binary against real servers: one line naming the server,
//! never the password, exit status 3.

use std::process::{Command, Output};

use testlab::{Lab, LabOptions};

const SECRET: &str = "Wrong-Secret-991";

fn repldoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(args)
        // Neither the developer's ~/.my.cnf nor their MYSQL_PWD may leak into the test.
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .expect("the repldoctor binary runs")
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_one_line_failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let stderr = stderr_of(output);
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(!stderr.contains(SECRET), "password printed: {stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(SECRET));
    stderr
}

#[tokio::test]
async fn wrong_password_names_the_server_not_the_password() {
    let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let port = lab.server(0).port();
    let dsn = format!("h=127.0.0.1,P={port},u=monitor,p={SECRET}");
    for format in ["text", "json"] {
        let output = repldoctor(&["diagnose", "--replica", &dsn, "--format", format]);
        let stderr = assert_one_line_failure(&output);
        assert!(
            stderr.contains(&format!("replica 127.0.0.1:{port}")),
            "{stderr}"
        );
        assert!(stderr.contains("error 1045"), "{stderr}");
    }
}

#[tokio::test]
async fn right_password_from_the_environment_connects() {
    let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let port = lab.server(0).port();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let output = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args([
            "collect",
            "--replica",
            &format!("h=127.0.0.1,P={port},u=monitor"),
            "-o",
            out.to_str().unwrap(),
        ])
        .env("HOME", "/nonexistent")
        .env("MYSQL_PWD", "monitor-Secret-42")
        .output()
        .unwrap();
    // The login worked: the server answered and said who it is.
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("replica 127.0.0.1:{port}: 10.")),
        "{stdout}"
    );
    assert!(stdout.contains("MariaDB"), "{stdout}");
    assert!(stdout.contains("server_id 1"), "{stdout}");
}

#[tokio::test]
async fn password_from_an_option_file_is_used() {
    let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let port = lab.server(0).port();
    let dir = tempfile::tempdir().unwrap();
    let cnf = dir.path().join("my.cnf");
    std::fs::write(
        &cnf,
        format!("[client]\nuser=monitor\npassword=monitor-Secret-42\nport={port}\n"),
    )
    .unwrap();
    let output = repldoctor(&[
        "collect",
        "--replica",
        "127.0.0.1",
        "--defaults-file",
        cnf.to_str().unwrap(),
        "-o",
        dir.path().join("bundle").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("server_id 1"));
}

#[test]
fn unreachable_server_is_named() {
    // Port 1 on loopback: nothing listens there.
    let output = repldoctor(&[
        "diagnose",
        "--replica",
        &format!("mysql://u:{SECRET}@127.0.0.1:1"),
    ]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("cannot connect to replica 127.0.0.1:1"),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "{stderr}");
}

#[test]
fn bad_dsn_is_rejected_without_echoing_it() {
    let output = repldoctor(&[
        "diagnose",
        "--replica",
        &format!("h=db1,p={SECRET},port=3306"),
    ]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("--replica: bad DSN: part 3 has an unknown key"),
        "{stderr}"
    );
}

#[test]
fn no_dsn_or_option_file_error_quotes_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let bad_port = dir.path().join("port.cnf");
    std::fs::write(&bad_port, format!("[client]\nport={SECRET}\n")).unwrap();
    let bad_mode = dir.path().join("mode.cnf");
    std::fs::write(&bad_mode, format!("[client]\nssl-mode={SECRET}\n")).unwrap();
    let cases: Vec<Vec<String>> = vec![
        vec!["--replica".into(), format!("root:{SECRET}")],
        vec!["--replica".into(), format!("h=db,P={SECRET}")],
        vec!["--replica".into(), format!("h=db,{SECRET}=1")],
        vec!["--replica".into(), format!("{SECRET}://u@db")],
        vec!["--replica".into(), format!("mysql://u@db?{SECRET}=1")],
        vec![
            "--replica".into(),
            format!("mysql://u@db?ssl-mode={SECRET}"),
        ],
        vec!["--replica".into(), format!("mysql://u:%FF{SECRET}@db")],
        vec![
            "--replica".into(),
            "h=db".into(),
            "--defaults-file".into(),
            bad_port.display().to_string(),
        ],
        vec![
            "--replica".into(),
            "h=db".into(),
            "--defaults-file".into(),
            bad_mode.display().to_string(),
        ],
    ];
    for case in cases {
        let mut args = vec!["diagnose"];
        args.extend(case.iter().map(String::as_str));
        assert_one_line_failure(&repldoctor(&args));
    }
}

#[test]
fn a_device_as_option_file_fails_at_once() {
    let output = repldoctor(&[
        "diagnose",
        "--replica",
        "h=db",
        "--defaults-file",
        "/dev/zero",
    ]);
    let stderr = assert_one_line_failure(&output);
    assert!(stderr.contains("/dev/zero: not a regular file"), "{stderr}");
}

#[test]
fn json_failure_is_parseable() {
    let output = repldoctor(&[
        "diagnose",
        "--replica",
        "mysql://127.0.0.1:1",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["exit_status"], 3);
    assert!(json["error"].as_str().unwrap().contains("127.0.0.1:1"));
}

#[test]
fn watch_with_a_missing_fleet_file_or_nothing_to_watch_exits_3_with_one_line() {
    let output = repldoctor(&["watch", "--config", "/nonexistent/fleet.toml"]);
    let stderr = assert_one_line_failure(&output);
    assert!(stderr.contains("/nonexistent/fleet.toml"), "{stderr}");
    let output = repldoctor(&["watch"]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("--config FILE or --replica DSN"),
        "{stderr}"
    );
    let output = repldoctor(&["watch", "--replica", "h=127.0.0.1", "--interval", "0"]);
    let stderr = assert_one_line_failure(&output);
    assert!(stderr.contains("--interval 0"), "{stderr}");
}

#[test]
fn fix_without_a_replica_or_with_a_bad_journal_exits_3_with_one_line() {
    let output = repldoctor(&["fix"]);
    let stderr = assert_one_line_failure(&output);
    assert!(stderr.contains("--replica"), "{stderr}");
    // A password in the DSN is never echoed, whatever fails.
    let output = repldoctor(&[
        "fix",
        "--replica",
        "mysql://u:S3cretPass@127.0.0.1:1",
        "--apply",
        "--yes",
    ]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("127.0.0.1:1") && !stderr.contains("S3cretPass"),
        "{stderr}"
    );
    let output = repldoctor(&[
        "fix",
        "--replica",
        "h=127.0.0.1,P=1",
        "--resume",
        "/dev/null",
    ]);
    let stderr = assert_one_line_failure(&output);
    assert!(stderr.contains("--resume"), "{stderr}");
}

#[test]
fn evidence_with_nothing_understood_exits_3() {
    let output = repldoctor(&["diagnose", "--evidence", "/dev/null"]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("nothing in the evidence was understood"),
        "{stderr}"
    );
    let output = repldoctor(&["diagnose", "--evidence", "/nonexistent/status.txt"]);
    let stderr = assert_one_line_failure(&output);
    assert!(
        stderr.contains("cannot read evidence /nonexistent/status.txt"),
        "{stderr}"
    );
}

#[test]
fn endless_or_unreadable_inputs_fail_within_their_cap() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["diagnose", "--evidence", "/dev/zero"],
            "larger than 256 MiB, the most repldoctor reads as evidence",
        ),
        (
            &["gtid", "count", "@/dev/zero"],
            "larger than 64 MiB, the most repldoctor reads as a GTID set",
        ),
        (
            &["diagnose", "--evidence", dir.path().to_str().unwrap()],
            "it is a directory, not a file",
        ),
        (
            &["gtid", "count", &format!("@{}", dir.path().display())],
            "it is a directory, not a file",
        ),
    ];
    for (args, expected) in cases {
        let stderr = assert_one_line_failure(&repldoctor(args));
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn usage_errors_exit_3_and_help_exits_0() {
    assert_eq!(repldoctor(&["diagnose", "--bogus"]).status.code(), Some(3));
    assert_eq!(repldoctor(&[]).status.code(), Some(3));
    let help = repldoctor(&["diagnose", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.contains("--replica <DSN>"), "{text}");
    assert!(text.contains("--evidence <FILE>"), "{text}");
}
