//! Transactions of every MariaDB fixture against `mariadb-binlog`'s reading: one transaction per
//! GTID line it prints, with that GTID, in order (a MariaDB GTID event opens a group whether or
//! not a `BEGIN` query follows it). Skipped when `mariadb-binlog` is not installed.

mod common;

use std::process::Command;

use binlog::transactions;

/// The GTIDs of the `GTID d-s-n` event headers `mariadb-binlog` prints, or `None` when it
/// cannot read the file.
fn mariadb_binlog_gtids(path: &std::path::Path) -> Option<Vec<String>> {
    let out = Command::new("mariadb-binlog").arg(path).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter(|line| line.starts_with('#') && line.contains("end_log_pos"))
            .filter_map(|line| line.split("\tGTID ").nth(1))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .collect(),
    )
}

#[test]
fn mariadb_transactions_are_the_groups_mariadb_binlog_prints() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    if Command::new("mariadb-binlog")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("mariadb-binlog not installed: skipped");
        return;
    }
    let mut files = 0;
    let mut total = 0;
    for path in common::fixture_files(&dir) {
        if path.extension().is_some_and(|e| e == "gz") {
            continue;
        }
        let name = common::rel(&dir, &path);
        let Some(expected) = mariadb_binlog_gtids(&path) else {
            continue;
        };
        if expected.is_empty() {
            continue;
        }
        let data = common::load(&path);
        let ours: Vec<Option<String>> = transactions(&data)
            .filter_map(Result::ok)
            .map(|t| t.gtid)
            .collect();
        let expected: Vec<Option<String>> = expected.into_iter().map(Some).collect();
        assert_eq!(ours.len(), expected.len(), "{name}: transaction count");
        assert_eq!(ours, expected, "{name}");
        files += 1;
        total += ours.len();
    }
    assert!(files >= 10, "{files} MariaDB files");
    assert!(total > 5_000, "{total} transactions");
}

/// The statement-based sysbench file that split each transaction into one per statement.
#[test]
fn mariadb_statement_transactions_hold_all_their_statements() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let data = common::load(&dir.join("mariadb-poc/domain_id_0/mariadb-repl-bin.000002"));
    let list: Vec<_> = transactions(&data).map(Result::unwrap).collect();
    assert_eq!(list.len(), 4433);
    assert!(list.iter().all(|t| t.gtid.is_some() && t.complete));
    let t = binlog::find_by_gtid(&data, "0-10-250082").unwrap().unwrap();
    assert_eq!(t.statements.len(), 4);
    assert_eq!((t.start_offset, t.end_offset), (681, 1528));
    let by_commit = binlog::find_by_position(&data, 1528).unwrap().unwrap();
    assert_eq!(by_commit, t);
}
