//! One output contract: every command that prints one JSON object gives `status` and
//! `exit_status` equal to the process exit status, argument errors included; a format a command
//! does not write is refused.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn repldoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("HOME", "/nonexistent")
        .output()
        .unwrap()
}

/// The JSON on stdout, checked against the exit status.
fn envelope(out: &Output) -> Value {
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&out.stdout)));
    let code = out.status.code().unwrap();
    assert_eq!(json["exit_status"], code, "{json}");
    let name = ["healthy", "warning", "critical", "unknown"][code as usize];
    assert_eq!(json["status"], name, "{json}");
    json
}

#[test]
fn diagnose_json_carries_the_exit_status() {
    let out = repldoctor(&[
        "--format",
        "json",
        "diagnose",
        "--evidence",
        "examples/cases/case1-backup-kill.txt",
    ]);
    let json = envelope(&out);
    assert_eq!(json["exit_status"], 2);
    assert_eq!(json["findings"][0]["class"], "applier_killed");
}

/// Evidence whose only replication error was not understood is never "healthy": the verdict
/// says it could not tell (exit 3) and names the part.
#[test]
fn an_unread_replication_error_is_no_healthy_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paste.txt");
    std::fs::write(
        &path,
        "server_id = 7\nthe replica stopped: error 1594 was fatal while it read the binlog of the source\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let out = repldoctor(&["--format", "json", "diagnose", "--evidence", path]);
    let json = envelope(&out);
    assert_eq!(json["exit_status"], 3);
    assert!(
        json["verdict"]
            .as_str()
            .unwrap()
            .starts_with("unknown: could not tell"),
        "{json}"
    );
    assert_eq!(json["unread_errors"].as_array().unwrap().len(), 1, "{json}");
    // Any line of a part counts, not only its first.
    std::fs::write(
        dir.path().join("second.txt"),
        "server_id = 7\nsome notes here\nthe replica stopped: error 1594 was fatal while it read the binlog\n",
    )
    .unwrap();
    let second = dir.path().join("second.txt");
    let out = repldoctor(&[
        "--format",
        "json",
        "diagnose",
        "--evidence",
        second.to_str().unwrap(),
    ]);
    assert_eq!(envelope(&out)["exit_status"], 3);
    // Lines that look like no replication error leave the verdict alone: healthy with a
    // running replica's status, unknown without any status (nothing proves it healthy).
    for (text, code) in [
        (
            "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\n\nthe weather is fine\n",
            0,
        ),
        ("server_id = 7\nthe weather is fine\n", 3),
    ] {
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, text).unwrap();
        let out = repldoctor(&[
            "--format",
            "json",
            "diagnose",
            "--evidence",
            plain.to_str().unwrap(),
        ]);
        let json = envelope(&out);
        assert_eq!(json["exit_status"], code, "{json}");
        assert_eq!(json["status_not_shown"], code == 3, "{json}");
    }
}

#[test]
fn gtid_json_carries_the_exit_status() {
    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    let json = envelope(&repldoctor(&[
        "--format",
        "json",
        "gtid",
        "count",
        &format!("{A}:1-5"),
    ]));
    assert_eq!(json["count"], 5);
    let json = envelope(&repldoctor(&[
        "--format=json",
        "gtid",
        "contains",
        &format!("{A}:1-5"),
        &format!("{A}:9"),
    ]));
    assert_eq!(json["contained"], false);
    assert_eq!(json["exit_status"], 1);
}

#[test]
fn argument_errors_under_json_are_json() {
    let out = repldoctor(&["diagnose", "--bogus", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let json = envelope(&out);
    let error = json["error"].as_str().unwrap();
    assert!(error.contains("--bogus"), "{error}");
    // Without --format json, stdout stays empty and the error is on stderr alone.
    let out = repldoctor(&["diagnose", "--bogus"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    // Help is not an error.
    assert_eq!(
        repldoctor(&["--format", "json", "--help"]).status.code(),
        Some(0)
    );
}

#[test]
fn a_format_the_command_does_not_write_is_refused() {
    for args in [
        &["--format", "markdown", "binlog", "stats", "no-such-file"][..],
        &["--format", "markdown", "gtid", "count", "x"][..],
    ] {
        let out = repldoctor(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("only diagnose writes markdown"),
            "{args:?}: {stderr}"
        );
    }
}

/// Numbers out of range are refused with the option's name, never a panic.
#[test]
fn verify_refuses_seconds_out_of_range() {
    for (flag, value) in [
        ("--round-seconds", "-1"),
        ("--round-seconds", "1e30"),
        ("--round-seconds", "nan"),
        ("--chunk-time", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let out = repldoctor(&[
            "--format",
            "json",
            "verify",
            "--source",
            "h=127.0.0.1,P=1",
            "--replica",
            "h=127.0.0.1,P=2",
            &arg,
        ]);
        let json = envelope(&out);
        assert_eq!(json["exit_status"], 3, "{arg}: {json}");
        assert!(
            json["error"].as_str().unwrap().contains(flag),
            "{arg}: {json}"
        );
    }
}

/// Several evidence files are held together: their sum has the one file's cap (sparse files,
/// so the test writes nothing).
#[test]
fn evidence_files_together_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in ["a.txt", "b.txt"] {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .set_len(130 << 20)
            .unwrap();
        paths.push(path.to_str().unwrap().to_owned());
    }
    let out = repldoctor(&[
        "--format",
        "json",
        "diagnose",
        "--evidence",
        &paths[0],
        &paths[1],
    ]);
    let json = envelope(&out);
    assert_eq!(json["exit_status"], 3);
    let error = json["error"].as_str().unwrap();
    assert!(error.contains("together"), "{error}");
}
