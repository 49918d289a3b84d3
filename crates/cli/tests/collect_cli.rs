//! `repldoctor collect` and `repldoctor diagnose --replica/--bundle` from the real binary
//! against real MariaDB servers: bundles replay to the live diagnosis, hold no password, and
//! with --redact no host or user name either.

use std::path::Path;
use std::process::{Command, Output};

use testlab::{Lab, LabOptions, faults};

const MONITOR_PASSWORD: &str = "monitor-Secret-42";

fn repldoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(args)
        // Neither the developer's ~/.my.cnf nor their MYSQL_PWD may leak into the test.
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .expect("the repldoctor binary runs")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

/// Where `word` stands alone (not inside `replication` for `repl`), as redaction replaces it.
fn find_word(haystack: &[u8], word: &str) -> Option<usize> {
    let word = word.as_bytes();
    let part_of_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    haystack
        .windows(word.len())
        .enumerate()
        .position(|(at, w)| {
            w == word
                && (at == 0 || !part_of_word(haystack[at - 1]))
                && haystack
                    .get(at + word.len())
                    .is_none_or(|b| !part_of_word(*b))
        })
}

fn has_word(haystack: &[u8], word: &str) -> bool {
    find_word(haystack, word).is_some()
}

/// The findings' class and facts: what must agree between two collections of one state (the
/// cited evidence carries each collection's own capture times).
fn findings(report: &serde_json::Value) -> Vec<(serde_json::Value, serde_json::Value)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["class"].clone(), f["facts"].clone()))
        .collect()
}

#[tokio::test]
async fn bundle_replays_to_the_live_diagnosis() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let dsn = lab.server(1).monitor_dsn();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("incident.tar.gz");
    let bundle = bundle.to_str().unwrap();
    let collected = repldoctor(&[
        "collect",
        "--replica",
        &dsn,
        "--follow-source",
        "-o",
        bundle,
    ]);
    assert_eq!(collected.status.code(), Some(0), "{collected:?}");
    let summary = String::from_utf8_lossy(&collected.stdout);
    assert!(summary.contains("applier error 1062"), "{summary}");
    assert!(summary.contains("failing transaction 0-1-"), "{summary}");
    assert!(summary.contains("Saved to"), "{summary}");

    let replayed = repldoctor(&["diagnose", "--bundle", bundle, "--format", "json"]);
    assert_eq!(replayed.status.code(), Some(2), "{replayed:?}");
    let replayed = json(&replayed);
    let live = repldoctor(&[
        "diagnose",
        "--replica",
        &dsn,
        "--follow-source",
        "--format",
        "json",
    ]);
    assert_eq!(live.status.code(), Some(2), "{live:?}");
    let live = json(&live);
    assert_eq!(findings(&replayed), findings(&live));
    assert_eq!(replayed["findings"][0]["class"], "dup_key");
    assert_eq!(replayed["findings"][0]["facts"]["table"], "lab.dup");
    // The text report of a bundle too.
    let text = repldoctor(&["diagnose", "--bundle", bundle]);
    assert_eq!(text.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&text.stdout).contains("lab.dup"));
}

#[tokio::test]
async fn no_password_in_a_bundle_and_no_names_when_redacted() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    faults::duplicate_key(&lab, 0, 1).await.unwrap();
    let dsn = lab.server(1).monitor_dsn();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    let redacted = dir.path().join("redacted");
    for (path, redact) in [(&plain, false), (&redacted, true)] {
        let mut args = vec![
            "collect",
            "--replica",
            &dsn,
            "--follow-source",
            "-o",
            path.to_str().unwrap(),
        ];
        if redact {
            args.push("--redact");
        }
        let output = repldoctor(&args);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert!(!String::from_utf8_lossy(&output.stdout).contains(MONITOR_PASSWORD));
        let bundle = files(path);
        assert!(bundle.len() >= 3, "{:?}", bundle.iter().map(|f| &f.0));
        for (name, bytes) in &bundle {
            assert!(
                !bytes
                    .windows(MONITOR_PASSWORD.len())
                    .any(|w| w == MONITOR_PASSWORD.as_bytes()),
                "password in {name}"
            );
        }
        let names_present = |word: &str| bundle.iter().any(|(_, bytes)| has_word(bytes, word));
        if redact {
            for word in ["127.0.0.1", "monitor", "repl"] {
                for (name, bytes) in &bundle {
                    assert!(!has_word(name.as_bytes(), word), "{name}");
                    if let Some(at) = find_word(bytes, word) {
                        let context = &bytes[at.saturating_sub(80)..(at + 80).min(bytes.len())];
                        panic!(
                            "{word} left in {name}: {}",
                            String::from_utf8_lossy(context)
                        );
                    }
                }
            }
            // The row value of the duplicate key is gone too, replaced the same way everywhere.
            assert!(!names_present("written on the source"));
            let report = repldoctor(&[
                "diagnose",
                "--bundle",
                path.to_str().unwrap(),
                "--format",
                "json",
            ]);
            assert_eq!(report.status.code(), Some(2), "{report:?}");
            let report = json(&report);
            assert_eq!(report["findings"][0]["class"], "dup_key");
            let key = report["findings"][0]["facts"]["key"].as_str().unwrap();
            assert!(key.starts_with("value-"), "{key}");
        } else {
            // Without --redact the bundle holds them, which is what makes the test above mean
            // something.
            assert!(names_present("127.0.0.1") && names_present("monitor"));
            assert!(
                bundle
                    .iter()
                    .any(|(name, _)| name.ends_with("binlog-slice.bin"))
            );
            // The slice is a binlog `repldoctor binlog` reads, by the error's end_log_pos.
            let manifest: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path.join("manifest.json")).unwrap())
                    .unwrap();
            let end_log_pos = manifest["binlog_slice"]["end_log_pos"].to_string();
            let slice = path.join("binlog-slice.bin");
            let shown = repldoctor(&[
                "binlog",
                "show",
                slice.to_str().unwrap(),
                "--end-log-pos",
                &end_log_pos,
            ]);
            assert_eq!(shown.status.code(), Some(0), "{shown:?}");
            let sql = String::from_utf8_lossy(&shown.stdout);
            assert!(sql.contains("INSERT INTO `lab`.`dup`"), "{sql}");
            assert!(sql.contains("written on the source"), "{sql}");
        }
    }
}

#[tokio::test]
async fn unreachable_source_is_said_and_the_replica_still_collected() {
    let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let dsn = lab.server(0).monitor_dsn();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b");
    let output = repldoctor(&[
        "collect",
        "--replica",
        &dsn,
        "--source",
        "mysql://monitor:x-Secret-1@127.0.0.1:1",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let manifest = json(&output);
    let gaps = manifest["gaps"].as_array().unwrap();
    assert!(
        gaps.iter().any(|g| g["what"] == "source"
            && g["reason"]
                .as_str()
                .unwrap()
                .starts_with("source unreachable: ")),
        "{gaps:?}"
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(saved["servers"][1]["reached"], false);
    assert_eq!(saved["servers"][0]["reached"], true);
}

#[test]
fn help_documents_least_privilege() {
    let output = repldoctor(&["collect", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for privilege in [
        "PROCESS",
        "REPLICATION CLIENT",
        "BINLOG MONITOR",
        "SLAVE MONITOR",
        "performance_schema",
        "REPLICATION SLAVE",
    ] {
        assert!(help.contains(privilege), "{privilege}: {help}");
    }
}

#[test]
fn unreadable_bundle_exits_3_with_one_line() {
    let output = repldoctor(&["diagnose", "--bundle", "/nonexistent/bundle.tar.gz"]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/bundle.tar.gz"), "{stderr}");
}
