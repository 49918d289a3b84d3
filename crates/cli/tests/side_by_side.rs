//! `repldoctor fix` next to Debian's pt-slave-restart on the same faults, each judged by
//! `repldoctor verify`: what each leaves behind. Not part of the test suite (it needs
//! percona-toolkit and prints a table): `scripts/fix-vs-pt-slave-restart.sh` runs it.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use testlab::{Lab, LabOptions, faults};

fn repldoctor(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["--format", "json"])
        .args(args)
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
    )
}

/// What a repair left: replication state, and verify's verdict on the table.
async fn left_behind(lab: &Lab, table: &str, key: &str) -> String {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    let (_, verified) = repldoctor(&[
        "verify",
        "--source",
        &lab.server(0).dsn(),
        "--replica",
        &lab.server(1).dsn(),
        table,
    ]);
    let compared = &verified["tables"][0];
    let row = |index| {
        let sql = format!("SELECT v FROM {table} WHERE id = {key}");
        async move { lab.server(index).value(&sql).await.unwrap() }
    };
    let shown = |value: Option<String>| value.map_or("(no row)".to_owned(), |v| format!("'{v}'"));
    format!(
        "SQL thread {}, error {} | {} | {} | {}",
        if status.sql_running() {
            "running"
        } else {
            "stopped"
        },
        status.sql_errno(),
        compared["verdict"].as_str().map_or_else(
            || "not compared (the applier is stopped)".to_owned(),
            |verdict| format!("{verdict}, {} row(s) differ", compared["rows_different"])
        ),
        shown(row(0).await),
        shown(row(1).await),
    )
}

fn pt_slave_restart(lab: &Lab) -> String {
    let dsn = format!("h=127.0.0.1,P={},u=root", lab.server(1).port());
    match Command::new("pt-slave-restart")
        .args(["--run-time", "8", "--max-sleep", "1", &dsn])
        .output()
    {
        Ok(out) => format!("exit {}", out.status.code().unwrap_or(-1)),
        Err(err) => format!("not run: {err}"),
    }
}

fn repldoctor_fix(lab: &Lab, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let (source, replica) = (lab.server(0).dsn(), lab.server(1).dsn());
    let mut args = vec![
        "fix",
        "--source",
        &source,
        "--replica",
        &replica,
        "--journal",
        &journal,
        "--apply",
        "--yes",
    ];
    args.extend_from_slice(extra);
    let (code, _) = repldoctor(&args);
    format!("exit {code}")
}

#[tokio::test]
#[ignore = "a comparison for the README, run by scripts/fix-vs-pt-slave-restart.sh"]
async fn fix_next_to_pt_slave_restart() {
    let mut rows = Vec::new();
    for fault in ["1062, rows differ", "1032, update of a missing row"] {
        for tool in [
            "pt-slave-restart",
            "repldoctor fix --prefer source",
            "repldoctor fix",
        ] {
            if fault.starts_with("1032") && tool.contains("--prefer") {
                continue;
            }
            let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
            let injected = if fault.starts_with("1062") {
                faults::duplicate_key(&lab, 0, 1).await.unwrap()
            } else {
                faults::row_not_found(&lab, 0, 1).await.unwrap()
            };
            let table = injected.table.unwrap();
            let key = injected.key.unwrap();
            let ran = match tool {
                "pt-slave-restart" => pt_slave_restart(&lab),
                "repldoctor fix" => repldoctor_fix(&lab, &[]),
                _ => repldoctor_fix(&lab, &["--prefer", "source"]),
            };
            let left = left_behind(&lab, &table, &key).await;
            rows.push(format!("| {fault} | `{tool}` ({ran}) | {left} |"));
        }
    }
    println!(
        "| fault | tool (exit) | replication after | `repldoctor verify` after | row on the source | row on the replica |"
    );
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
