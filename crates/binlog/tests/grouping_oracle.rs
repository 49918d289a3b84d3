//! Transactions of every fixture against `mariadb-binlog`'s reading. MariaDB files: one
//! transaction per GTID line it prints, with that GTID, in order (a MariaDB GTID event opens a
//! group whether or not a `BEGIN` query follows it). Files without MariaDB GTIDs: as many as
//! the `BEGIN` .. `COMMIT` groups and the statements outside them it prints (MySQL's GTID
//! events it shows only as "Ignorable"; their GTIDs are compared with `mysql_common` in
//! `transactions.rs`). Recorded as skipped when `mariadb-binlog` is not installed.

mod common;

use std::process::Command;

use binlog::transactions;

/// What `mariadb-binlog` prints for a file, or `None` when it cannot read all of it.
fn mariadb_binlog(path: &std::path::Path) -> Option<String> {
    let out = Command::new("mariadb-binlog").arg(path).output().ok()?;
    let complete = out.status.success() && out.stderr.is_empty();
    complete.then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The GTIDs of the `GTID d-s-n` event headers `mariadb-binlog` printed.
fn gtid_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| line.starts_with('#') && line.contains("end_log_pos"))
        .filter_map(|line| line.split("\tGTID ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The transactions in `mariadb-binlog`'s text of a file without GTIDs: each `BEGIN` (or
/// `XA START`) .. `COMMIT`/`ROLLBACK`/XID group, each other statement outside a group, row
/// events before any `BEGIN` (a file starting inside a transaction), and a group the file
/// ends inside.
fn statement_groups(text: &str) -> usize {
    let mut count = 0;
    let mut in_group = false;
    let mut in_statement_event = false;
    let mut statement = String::new();
    for line in text.lines() {
        if line.starts_with('#') && line.contains("end_log_pos") {
            let kind = line.split('\t').nth(1).unwrap_or_default();
            in_statement_event = kind.starts_with("Query") || kind.starts_with("Execute_load");
            // Row events outside BEGIN: the file starts inside a transaction.
            let rows = ["Table_map", "Write_rows", "Update_rows", "Delete_rows"];
            if rows.iter().any(|r| kind.starts_with(r)) {
                in_group = true;
            }
            if kind.starts_with("Xid") && in_group {
                in_group = false;
                count += 1;
            }
            statement.clear();
            continue;
        }
        if !in_statement_event || line.starts_with('#') {
            continue;
        }
        let (part, ends) = match line.strip_suffix("/*!*/;") {
            Some(part) => (part, true),
            None => (line, false),
        };
        let session = ["use ", "SET ", "/*!"].iter().any(|p| {
            part.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        });
        if !(session && statement.is_empty()) {
            statement.push_str(part);
        }
        if !ends || statement.trim().is_empty() {
            continue;
        }
        let upper = statement.trim().to_ascii_uppercase();
        if upper.starts_with("BEGIN") || upper.starts_with("XA START") {
            in_group = true;
        } else if upper == "COMMIT" || upper == "ROLLBACK" {
            if std::mem::take(&mut in_group) {
                count += 1;
            }
        } else if !in_group {
            count += 1;
        }
        statement.clear();
    }
    count + usize::from(in_group)
}

#[test]
fn transactions_are_the_groups_mariadb_binlog_prints() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    if !common::mariadb_binlog_installed() {
        return;
    }
    let mut files = 0;
    let mut without_gtids = 0;
    let mut total = 0;
    for path in common::fixture_files(&dir) {
        if path.extension().is_some_and(|e| e == "gz") {
            continue;
        }
        let name = common::rel(&dir, &path);
        let Some(text) = mariadb_binlog(&path) else {
            continue;
        };
        let expected = gtid_lines(&text);
        let data = common::load(&path);
        if expected.is_empty() {
            let ours = transactions(&data).filter_map(Result::ok).count();
            assert_eq!(ours, statement_groups(&text), "{name}: transaction count");
            without_gtids += 1;
            continue;
        }
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
    assert!(
        without_gtids >= 30,
        "{without_gtids} files without MariaDB GTIDs"
    );
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
