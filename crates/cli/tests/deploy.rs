//! What `deploy/` ships is checked by the tools that will read it: the alert rules by
//! `promtool` (syntax and their own unit tests), the systemd units by `systemd-analyze verify`
//! and by running their command lines, and every metric the rules and the dashboard name is one
//! the watcher serves.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../binlog/tests/common/fixtures_dir.rs"]
mod fixtures_dir;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

/// The metric names the watcher serves: every family's `# TYPE` line, written even when the
/// fleet is empty.
fn served() -> BTreeSet<String> {
    let text = watch::metrics::render(&watch::FleetState::default());
    text.lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The `repldoctor_...` names a file uses.
fn named_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("repldoctor_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

#[test]
fn the_rules_and_the_dashboard_name_only_served_metrics() {
    let served = served();
    assert!(served.contains("repldoctor_finding"), "{served:?}");
    let rules = std::fs::read_to_string(deploy().join("prometheus/alerts.yml")).unwrap();
    let dashboard = std::fs::read_to_string(deploy().join("grafana/dashboard.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let panels = json["panels"].as_array().unwrap();
    assert!(panels.len() >= 8);
    for panel in panels {
        let expr = panel["targets"][0]["expr"].as_str().unwrap_or_default();
        assert!(expr.contains("repldoctor_"), "{panel:#}");
    }
    for (file, text) in [("alerts.yml", &rules), ("dashboard.json", &dashboard)] {
        let unknown: Vec<String> = named_in(text).difference(&served).cloned().collect();
        assert!(
            unknown.is_empty(),
            "{file} names metrics not served: {unknown:?}"
        );
    }
}

#[test]
fn promtool_accepts_the_rules_and_their_tests_pass() {
    if !fixtures_dir::installed("promtool") {
        return;
    }
    let dir = deploy().join("prometheus");
    for args in [
        ["check", "rules", "alerts.yml"],
        ["test", "rules", "alerts_test.yml"],
    ] {
        let out = Command::new("promtool")
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_systemd_units_verify_and_their_command_lines_parse() {
    let binary = env!("CARGO_BIN_EXE_repldoctor");
    let dir = tempfile::tempdir().unwrap();
    let mut command_lines = Vec::new();
    for unit in ["repldoctor-watch.service", "repldoctor-watch@.service"] {
        let text = std::fs::read_to_string(deploy().join("systemd").join(unit)).unwrap();
        let text = text.replace("/usr/local/bin/repldoctor", binary);
        std::fs::write(dir.path().join(unit), &text).unwrap();
        let exec = text
            .lines()
            .find_map(|l| l.strip_prefix("ExecStart="))
            .unwrap()
            .replace("${SHARD}", "1/4")
            .replace("${LISTEN}", "127.0.0.1:0")
            .replace("%i", "1");
        command_lines.push(exec);
    }
    for line in command_lines {
        // The fleet file is not there: the error must be about it, not about a flag.
        let words: Vec<&str> = line.split_whitespace().collect();
        let out = Command::new(words[0])
            .args(&words[1..])
            .arg("--once")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{line}: {stderr}");
        assert!(
            stderr.contains("/etc/repldoctor/fleet.toml"),
            "{line}: {stderr}"
        );
    }
    if !fixtures_dir::installed("systemd-analyze") {
        return;
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("repldoctor-watch.service"))
        .arg(dir.path().join("repldoctor-watch@1.service"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
}
