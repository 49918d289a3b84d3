//! `repldoctor binlog` run as a process on the binlog fixtures; the facts it prints are compared
//! with the library's own reading and with the fixtures catalogue's list of damaged files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[path = "../../binlog/tests/common/fixtures_dir.rs"]
mod fixtures_dir;

use fixtures_dir::fixtures_dir;

fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "sql" && name != "mariadb-binlog-vv" {
                    stack.push(path);
                }
            } else if !(name.ends_with(".md")
                || name.ends_with(".txt")
                || name.ends_with(".sql")
                || name.ends_with(".gz"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The files MANIFEST.md lists as damaged on purpose.
fn damaged(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.md")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.contains("damaged on purpose (negative tests)"))
        .unwrap();
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn repldoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(args)
        .output()
        .unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn events_json_lists_every_event_with_its_offset_and_the_payload_contents() {
    let Some(dir) = fixtures_dir() else { return };
    let mut inner_seen = 0;
    for path in fixture_files(&dir) {
        let p = path.to_str().unwrap();
        let out = repldoctor(&["--format", "json", "binlog", "events", p]);
        let lines = json_lines(&out);
        let data = std::fs::read(&path).unwrap();
        let expected: Vec<binlog::Event<'_>> = binlog::EventWalk::new(&data)
            .filter_map(Result::ok)
            .collect();
        let outer: Vec<&Value> = lines.iter().filter(|l| l.get("inner").is_none()).collect();
        assert_eq!(outer.len(), expected.len(), "{p}");
        for (line, event) in outer.iter().zip(&expected) {
            assert_eq!(line["offset"], event.offset, "{p}");
            assert_eq!(line["size"], event.size(), "{p}");
            assert_eq!(line["end_log_pos"], event.header.end_log_pos, "{p}");
            assert_eq!(line["type"], event.event_type().to_string(), "{p}");
        }
        // Inner events follow their payload and point back at its offset.
        for (i, line) in lines.iter().enumerate() {
            if line.get("inner").is_some() {
                let container = lines[..i]
                    .iter()
                    .rev()
                    .find(|l| l.get("inner").is_none())
                    .unwrap();
                assert_eq!(container["type"], "TRANSACTION_PAYLOAD", "{p}");
                assert_eq!(line["offset"], container["offset"], "{p}");
                inner_seen += 1;
            }
        }
    }
    assert!(inner_seen >= 10, "{inner_seen} inner events");
}

#[test]
fn check_exits_2_on_the_damaged_fixtures_and_names_the_offset() {
    let Some(dir) = fixtures_dir() else { return };
    let damaged = damaged(&dir);
    let mut checked = (0, 0);
    for path in fixture_files(&dir) {
        let p = path.to_str().unwrap();
        let out = repldoctor(&["--format", "json", "binlog", "check", p]);
        let report = &json_lines(&out)[0];
        let code = out.status.code().unwrap();
        if damaged.iter().any(|d| p.ends_with(d.as_str())) {
            assert_eq!(code, 2, "{p}");
            assert_eq!(report["status"], "damaged", "{p}");
            let offset = report["damage"][0]["offset"].as_u64().unwrap();
            assert!(
                offset >= 4 && offset < std::fs::metadata(&path).unwrap().len(),
                "{p}"
            );
            // Text output names the same offset.
            let text = repldoctor(&["binlog", "check", p]);
            let text = String::from_utf8(text.stdout).unwrap();
            assert!(text.contains(&format!("at offset {offset}:")), "{text}");
            checked.0 += 1;
        } else {
            assert!(
                code == 0 || report["status"] == "encrypted",
                "{p}: {report}"
            );
            assert_eq!(
                report["damage"].as_array().map(Vec::len),
                Some(usize::from(code != 0))
            );
            checked.1 += 1;
        }
    }
    assert_eq!(checked.0, damaged.len());
    assert!(checked.1 >= 90);
}

#[test]
fn show_finds_a_transaction_by_end_log_pos_and_by_gtid() {
    let Some(dir) = fixtures_dir() else { return };
    let mut shown = 0;
    for path in fixture_files(&dir) {
        let data = std::fs::read(&path).unwrap();
        // One transaction with a GTID per file: the last one.
        let Some(t) = binlog::transactions(&data)
            .filter_map(Result::ok)
            .filter(|t| t.complete && t.gtid.is_some())
            .last()
        else {
            continue;
        };
        let p = path.to_str().unwrap();
        let gtid = t.gtid.clone().unwrap();
        let end = t.end_offset.to_string();
        for args in [["--end-log-pos", end.as_str()], ["--gtid", gtid.as_str()]] {
            let mut argv = vec!["--format", "json", "binlog", "show", p];
            argv.extend(args);
            let out = repldoctor(&argv);
            let stderr = String::from_utf8_lossy(&out.stderr);
            // Exit status 1 only for what cannot be written as runnable SQL: rows without
            // column names to find them by, LOAD DATA.
            let expected = if stderr.is_empty() { 0 } else { 1 };
            assert_eq!(out.status.code(), Some(expected), "{p} {args:?}: {stderr}");
            if expected == 1 {
                assert!(
                    stderr.contains("whose columns the binlog does not name")
                        || stderr.contains("holds a LOAD DATA statement"),
                    "{stderr}"
                );
            }
            let shown_t = &json_lines(&out)[0];
            assert_eq!(shown_t["gtid"], gtid.as_str());
            assert_eq!(shown_t["start_offset"], t.start_offset);
            assert_eq!(shown_t["end_offset"], t.end_offset);
            assert_eq!(shown_t["tables"].as_array().unwrap().len(), t.tables.len());
            assert_eq!(
                shown_t["annotations"].as_array().unwrap().len(),
                t.statements.len()
            );
            // One SQL statement per query and per row change.
            let rows: u64 = shown_t["row_counts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["rows"].as_u64().unwrap())
                .sum();
            let sql = shown_t["statements"].as_array().unwrap();
            // The logged statements come out as they were sent; the others are row changes.
            let logged: Vec<&str> = shown_t["annotations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().trim_end().trim_end_matches(';'))
                .collect();
            let row_statements = sql
                .iter()
                .filter(|s| {
                    let s = s.as_str().unwrap();
                    !logged.contains(&s.trim_end_matches(';'))
                        && ["INSERT INTO `", "UPDATE `", "DELETE FROM `"]
                            .iter()
                            .any(|p| s.starts_with(p))
                })
                .count() as u64;
            // Rows not written (no column names to find them by) are counted in a comment.
            let unwritten: u64 = sql
                .iter()
                .filter_map(|s| {
                    let s = s.as_str().unwrap();
                    s.contains(" not written: ")
                        .then(|| {
                            s.strip_prefix("-- ")?
                                .split(' ')
                                .next()?
                                .parse::<u64>()
                                .ok()
                        })
                        .flatten()
                })
                .sum();
            assert!(unwritten == 0 || expected == 1, "{p}: {sql:?}");
            assert_eq!(row_statements + unwritten, rows, "{p}");
            assert_eq!(
                shown_t["rows"].as_array().unwrap().len() as u64,
                rows,
                "{p}"
            );
        }
        shown += 1;
    }
    assert!(shown >= 30, "{shown}");
}

#[test]
fn show_of_a_gtid_not_in_the_file_exits_3_with_one_line() {
    let Some(dir) = fixtures_dir() else { return };
    let path = fixture_files(&dir)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("mariadb-bin.000001"))
        .unwrap();
    let out = repldoctor(&[
        "binlog",
        "show",
        path.to_str().unwrap(),
        "--gtid",
        "99-99-99",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("'99-99-99'"), "{stderr}");
}

#[test]
fn a_schema_file_that_does_not_read_exits_3_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "USE shop;\nCREATE TABLE t (\n  `a` int,\n  'b' int\n);\n",
    )
    .unwrap();
    let binlog = dir.path().join("empty-binlog");
    std::fs::write(&binlog, binlog::MAGIC).unwrap();
    let out = repldoctor(&[
        "binlog",
        "sql",
        binlog.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("schema.sql': line 4: cannot read CREATE TABLE: Expected: "),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_binlog_is_reported_at_offset_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not-a-binlog");
    std::fs::write(&path, b"hello world, this is text").unwrap();
    let out = repldoctor(&["binlog", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("at offset 0: not a binlog"), "{text}");
}

/// A directory and a FIFO nobody writes to are refused with exit 3 and a clear reason, at
/// once (opening the FIFO would wait for a writer forever).
#[test]
fn a_directory_or_a_fifo_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for (path, reason) in [
        (dir.path().to_path_buf(), "is a directory"),
        (fifo, "not a regular file"),
    ] {
        for command in ["check", "events", "stats", "sql"] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
                .args(["binlog", command])
                .arg(&path)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let started = std::time::Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > std::time::Duration::from_secs(10) {
                    child.kill().unwrap();
                    panic!("binlog {command} {} hangs", path.display());
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(3), "{command}: {stderr}");
            assert!(stderr.contains(reason), "{command}: {stderr}");
        }
    }
}

/// CRC32 (IEEE, reflected), as binlog events carry it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// The file up to the first event of type `event_type`, then that event with `body` (and its
/// size, end_log_pos and CRC32 made to fit), the file ending there. Returns its path.
fn hostile_copy(
    dir: &tempfile::TempDir,
    fixture: &str,
    event_type: binlog::EventType,
    body: impl Fn(&[u8]) -> Vec<u8>,
) -> String {
    let data = std::fs::read(fixtures_dir().unwrap().join(fixture)).unwrap();
    let event = binlog::EventWalk::new(&data)
        .map(Result::unwrap)
        .find(|e| e.event_type() == event_type)
        .unwrap();
    let (start, end) = (event.offset as usize, event.end_offset() as usize);
    let has_crc = crc32(&data[start..end - 4]).to_le_bytes() == data[end - 4..end];
    let body = body(&data[start + 19..if has_crc { end - 4 } else { end }]);
    let mut out = data[..start].to_vec();
    let mut header = data[start..start + 19].to_vec();
    let size = 19 + body.len() + if has_crc { 4 } else { 0 };
    header[9..13].copy_from_slice(&u32::try_from(size).unwrap().to_le_bytes());
    header[13..17].copy_from_slice(&u32::try_from(start + size).unwrap().to_le_bytes());
    out.extend(header);
    out.extend(body);
    if has_crc {
        let crc = crc32(&out[start..]);
        out.extend(crc.to_le_bytes());
    }
    let path = dir.path().join(fixture.replace('/', "_"));
    std::fs::write(&path, out).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `check` decodes what `sql` decodes: a table map whose first column type no longer fits its
/// rows (framing and CRC32 intact) is damage to `check`, as it is to `sql`.
#[test]
fn check_decodes_the_rows_that_sql_decodes() {
    if fixtures_dir().is_none() {
        return;
    }
    let fixture = "generated-mariadb-10.11/primary/mariadb-bin.000001";
    let mut data = std::fs::read(fixtures_dir().unwrap().join(fixture)).unwrap();
    let event = binlog::EventWalk::new(&data)
        .map(Result::unwrap)
        .find(|e| e.event_type() == binlog::EventType::TABLE_MAP)
        .unwrap();
    let (start, end) = (event.offset as usize, event.end_offset() as usize);
    assert_eq!(
        crc32(&data[start..end - 4]).to_le_bytes(),
        data[end - 4..end]
    );
    // Post-header (table id, flags), then the schema and table names, the column count and
    // the column types.
    let mut at = start + 19 + 8;
    at += 1 + usize::from(data[at]) + 1;
    at += 1 + usize::from(data[at]) + 1;
    assert!(data[at] > 0 && data[at] < 251);
    at += 1;
    // An unknown column type: the table map still reads, its rows cannot.
    data[at] = 0xf0;
    let crc = crc32(&data[start..end - 4]);
    data[end - 4..end].copy_from_slice(&crc.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad-table-map.bin");
    std::fs::write(&path, &data).unwrap();
    let path = path.to_str().unwrap();
    let sql = repldoctor(&["binlog", "sql", path]);
    assert_ne!(sql.status.code(), Some(0), "sql must fail on it");
    let out = repldoctor(&["binlog", "check", path]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("DAMAGED"), "{text}");
}

/// Decompression bombs are damage found before anything is inflated: a TRANSACTION_PAYLOAD
/// announcing 1 TiB once decompressed, a MariaDB compressed query announcing 4 GiB.
#[test]
fn check_reports_a_decompression_bomb_as_damage() {
    if fixtures_dir().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let payload = hostile_copy(
        &dir,
        "rust_mysql_common/transaction_compression.000001",
        binlog::EventType::TRANSACTION_PAYLOAD,
        |_| {
            let compressed = [0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0];
            let mut body = vec![2, 1, 0, 3, 9, 254];
            body.extend((1u64 << 40).to_le_bytes());
            body.extend([1, 1, compressed.len() as u8, 0]);
            body.extend(compressed);
            body
        },
    );
    let query = hostile_copy(
        &dir,
        "generated-mariadb-10.11/primary/mariadb-bin.000005",
        binlog::EventType::MARIA_QUERY_COMPRESSED,
        |body| {
            let status_len = usize::from(u16::from_le_bytes([body[11], body[12]]));
            let schema_len = usize::from(body[8]);
            let mut body = body[..13 + status_len + schema_len + 1].to_vec();
            body.extend([0x84, 0xff, 0xff, 0xff, 0xff, 0x78, 0x9c, 3, 0, 0, 0, 0, 1]);
            body
        },
    );
    for path in [payload, query] {
        let out = repldoctor(&["binlog", "check", &path]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{path}: {text}");
        assert!(
            text.contains("DAMAGED") && text.contains("more than"),
            "{path}: {text}"
        );
    }
}

/// `binlog sql` and `binlog sql --undo` run against a real MariaDB: the undo SQL of a workload
/// brings every table back to its checksum before the workload, and the SQL of the workload
/// then brings it to its checksum after.
mod live {
    use std::path::PathBuf;

    use testlab::{Lab, LabOptions};

    const TABLE: &str = "CREATE TABLE rt.types (
        id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, mi MEDIUMINT, bi BIGINT,
        biu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dec1 DECIMAL(10,2), dec2 DECIMAL(40,20),
        dt DATE, tm TIME(3), dtm DATETIME(6), ts TIMESTAMP(3) NULL, yr YEAR,
        c CHAR(10), vc VARCHAR(300) CHARACTER SET utf8mb4, vl VARCHAR(20) CHARACTER SET latin1,
        bn BINARY(4), vb VARBINARY(50), bl BLOB, tx TEXT CHARACTER SET utf8mb4,
        e ENUM('a','b','c'), st SET('x','y','z'), b17 BIT(17), js JSON, p POINT
    ) DEFAULT CHARSET=latin1";

    const WORKLOAD: &[&str] = &[
        "INSERT INTO rt.types VALUES (10, -5, 200, -8000000, -9000000000, 18000000000000000000, \
         1.25, -2.5e-300, -12345.67, 1234567890.00000000000000000001, '2024-02-29', \
         '-838:59:59.999', '2001-02-03 04:05:06.000007', '2038-01-19 03:14:07.123', 2155, \
         'it''s', 'ünïcödé \\\\ \\n ✓', 'caf\\xe9', 0x00ff10ab, 0xdeadbeef, 0x000102, \
         'line1\\nline2 \\'q\\'', 'c', 'x,z', b'10000000000000001', \
         '{\"k\": [1, 2.5, \"s\", null, true]}', POINT(1.5, -2.5))",
        "INSERT INTO rt.types (id, vc) VALUES (11, NULL), (12, 'twelve')",
        "UPDATE rt.types SET vc = 'changed', e = 'a', st = '', dec1 = 0.01 WHERE id = 1",
        "UPDATE rt.types SET ti = ti + 1, js = JSON_SET(js, '$.new', 7) WHERE id IN (2, 10)",
        "DELETE FROM rt.types WHERE id = 3",
        "BEGIN; INSERT INTO rt.types (id, c) VALUES (13, 'tx'); DELETE FROM rt.types WHERE id = 12; \
         UPDATE rt.types SET id = 14 WHERE id = 13; COMMIT",
    ];

    async fn checksum(lab: &Lab) -> String {
        let rows = lab.server(0).rows("CHECKSUM TABLE rt.types").await.unwrap();
        rows[0]["Checksum"].clone().unwrap()
    }

    /// Starts a new binlog on `server` and returns its name: what follows is written there.
    async fn new_binlog(server: &testlab::Server) -> String {
        server.exec("FLUSH BINARY LOGS").await.unwrap();
        server
            .rows("SHOW MASTER STATUS")
            .await
            .unwrap()
            .remove(0)
            .remove("File")
            .flatten()
            .unwrap()
    }

    fn repldoctor_sql(args: &[&str]) -> String {
        let out = super::repldoctor(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[tokio::test]
    async fn undo_sql_reverts_a_workload_and_sql_replays_it() {
        round_trip(&["binlog-row-metadata=FULL"]).await;
    }

    /// The same with MariaDB's compressed row events (`log_bin_compress`).
    #[tokio::test]
    async fn undo_sql_and_sql_round_trip_through_compressed_events() {
        let (_lab, path) = round_trip(&[
            "binlog-row-metadata=FULL",
            "log-bin-compress=ON",
            "log-bin-compress-min-len=10",
        ])
        .await;
        let events = super::repldoctor(&["--format", "json", "binlog", "events", &path]);
        let types: Vec<String> = super::json_lines(&events)
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect();
        for compressed in [
            "MARIA_WRITE_ROWS_COMPRESSED_V1",
            "MARIA_UPDATE_ROWS_COMPRESSED_V1",
            "MARIA_DELETE_ROWS_COMPRESSED_V1",
        ] {
            assert!(
                types.iter().any(|t| t == compressed),
                "{compressed} not in {types:?}"
            );
        }
    }

    /// Runs the workload on a server started with `extra`, then checks that the undo SQL of
    /// its binlog brings the table back and the SQL brings it forward again; returns the lab
    /// (its files go when it is dropped) and the binlog's path.
    async fn round_trip(extra: &[&str]) -> (Lab, String) {
        let options = LabOptions {
            extra: extra.iter().map(|o| (*o).to_owned()).collect(),
            ..LabOptions::default()
        };
        let lab = Lab::start(1, &options).await.unwrap();
        let server = lab.server(0);
        server.exec("CREATE DATABASE rt").await.unwrap();
        server.exec(TABLE).await.unwrap();
        server
            .exec(
                "INSERT INTO rt.types (id, ti, vc, e, st, js, dec1) VALUES \
                 (1, 1, 'one', 'b', 'y', '{\"a\": 1}', 1.5), (2, 2, 'two', NULL, NULL, \
                 '[1, {\"b\": null}]', NULL), (3, 3, 'three', 'c', 'x,y,z', NULL, -0.5)",
            )
            .await
            .unwrap();
        let before = checksum(&lab).await;
        let file = new_binlog(server).await;
        for statement in WORKLOAD {
            server.exec(statement).await.unwrap();
        }
        let after = checksum(&lab).await;
        assert_ne!(before, after);
        server.exec("FLUSH BINARY LOGS").await.unwrap();
        let path: PathBuf = server.data_dir().join(&file);
        let path = path.to_str().unwrap();

        let undo = repldoctor_sql(&["binlog", "sql", "--undo", path]);
        assert!(
            undo.contains("DELETE FROM `rt`.`types` WHERE `id`=10 LIMIT 1;"),
            "{undo}"
        );
        server.exec(&undo).await.unwrap();
        assert_eq!(checksum(&lab).await, before, "undo SQL:\n{undo}");

        let redo = repldoctor_sql(&["binlog", "sql", path]);
        server.exec(&redo).await.unwrap();
        assert_eq!(checksum(&lab).await, after, "SQL:\n{redo}");
        let path = path.to_owned();
        (lab, path)
    }

    /// Transactions of several statements written in statement and mixed format (a MariaDB
    /// GTID event and no BEGIN query before them): `binlog sql` of the source's binlog, run
    /// on a fresh server, builds the same tables, so no statement of a transaction is lost.
    #[tokio::test]
    async fn sql_of_statement_and_mixed_binlogs_replays_on_a_fresh_server() {
        for format in ["STATEMENT", "MIXED"] {
            let options = LabOptions {
                extra: vec![format!("binlog-format={format}")],
                ..LabOptions::default()
            };
            let source_lab = Lab::start(1, &options).await.unwrap();
            let source = source_lab.server(0);
            // MariaDB logs CREATE DATABASE with that database as the default one, which the
            // rendered `USE` then names before it exists: it is created on both sides first.
            source.exec("CREATE DATABASE st").await.unwrap();
            let file = new_binlog(source).await;
            for statement in [
                "CREATE TABLE st.a (id INT PRIMARY KEY, k INT, c VARCHAR(20)) ENGINE=InnoDB",
                "CREATE TABLE st.b (id INT PRIMARY KEY, v INT) ENGINE=InnoDB",
                "INSERT INTO st.a VALUES (1, 10, 'one'), (2, 20, 'two'), (3, 30, 'three')",
                "BEGIN; UPDATE st.a SET k = k + 1 WHERE id = 1; INSERT INTO st.b VALUES (1, 5); \
                 DELETE FROM st.a WHERE id = 3; UPDATE st.b SET v = v * 2 WHERE id = 1; COMMIT",
                "BEGIN; INSERT INTO st.a VALUES (4, 40, 'four'); UPDATE st.a SET c = 'deux' \
                 WHERE id = 2; INSERT INTO st.b VALUES (2, 7); COMMIT",
                "START TRANSACTION; UPDATE st.a SET k = k * 3; DELETE FROM st.b WHERE id = 2; \
                 COMMIT",
            ] {
                source.exec(statement).await.unwrap();
            }
            source.exec("FLUSH BINARY LOGS").await.unwrap();
            let path = source.data_dir().join(&file);
            let path = path.to_str().unwrap();
            let sql = repldoctor_sql(&["binlog", "sql", path]);
            let stats = repldoctor_sql(&["binlog", "stats", path]);
            // Two DDL, one INSERT and three transactions of several statements.
            assert!(stats.starts_with("6 transactions"), "{format}: {stats}");

            let replay_lab = Lab::start(1, &LabOptions::default()).await.unwrap();
            let replay = replay_lab.server(0);
            replay.exec("CREATE DATABASE st").await.unwrap();
            replay.exec(&sql).await.unwrap();
            for table in ["st.a", "st.b"] {
                let query = format!("SELECT * FROM {table} ORDER BY id");
                let want = source.rows(&query).await.unwrap();
                assert!(!want.is_empty(), "{format}: {table} empty");
                assert_eq!(
                    replay.rows(&query).await.unwrap(),
                    want,
                    "{format}: {table} after replaying:\n{sql}"
                );
            }
        }
    }

    /// XA transactions, prepared then committed or rolled back, and committed in one phase:
    /// one transaction per GTID as `mariadb-binlog` prints them, each ending where it should.
    #[tokio::test]
    async fn xa_transactions_are_grouped_by_their_gtids() {
        let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
        let server = lab.server(0);
        server.exec("CREATE DATABASE xa").await.unwrap();
        let file = new_binlog(server).await;
        for statement in [
            "CREATE TABLE xa.t (id INT PRIMARY KEY) ENGINE=InnoDB",
            // On one connection each: a prepared XA transaction stays attached to its own.
            "XA START 'a'; INSERT INTO xa.t VALUES (1); INSERT INTO xa.t VALUES (2); XA END 'a'; \
             XA PREPARE 'a'; XA COMMIT 'a'",
            "XA START 'b'; INSERT INTO xa.t VALUES (3); XA END 'b'; XA PREPARE 'b'; \
             XA ROLLBACK 'b'",
            "XA START 'c'; INSERT INTO xa.t VALUES (4); XA END 'c'; XA COMMIT 'c' ONE PHASE",
            "INSERT INTO xa.t VALUES (5)",
        ] {
            server.exec(statement).await.unwrap();
        }
        server.exec("FLUSH BINARY LOGS").await.unwrap();
        let path = server.data_dir().join(&file);
        let oracle = std::process::Command::new("mariadb-binlog")
            .arg(&path)
            .output()
            .unwrap();
        let gtid_lines = String::from_utf8_lossy(&oracle.stdout)
            .lines()
            .filter(|l| l.starts_with('#') && l.contains("\tGTID "))
            .count();
        let path = path.to_str().unwrap();
        let stats = repldoctor_sql(&["binlog", "stats", path]);
        assert!(gtid_lines >= 7, "{gtid_lines}");
        assert!(
            stats.starts_with(&format!("{gtid_lines} transactions")),
            "{gtid_lines} GTIDs: {stats}"
        );
        let events = repldoctor_sql(&["binlog", "events", path]);
        let sql = repldoctor_sql(&["binlog", "sql", path]);
        assert!(!sql.contains("(anonymous)"), "{events}\n{sql}");
    }

    /// A binlog written without column names (MariaDB's default binlog_row_metadata=NO_LOG)
    /// gets them from the server's own SHOW CREATE TABLE through --schema: names that need
    /// quoting, a generated column and index lines included, each name on the value written to
    /// that column. A table the schema describes with another column count keeps @1, @2 and is
    /// warned about.
    #[tokio::test]
    async fn schema_file_names_the_columns_of_a_binlog_without_metadata() {
        let lab = Lab::start(1, &LabOptions::default()).await.unwrap();
        let server = lab.server(0);
        server
            .exec(
                "CREATE DATABASE names; CREATE TABLE names.people (id INT NOT NULL, \
                 `full name` VARCHAR(50), `we``ird` INT, `key` INT, \
                 twice INT AS (`we``ird` * 2) STORED, KEY by_name (`full name`), \
                 UNIQUE KEY (id)) COMMENT 'a, (tricky) one'; \
                 CREATE TABLE names.other (a INT, b INT); \
                 CREATE TABLE names.keyed (k INT, id INT PRIMARY KEY)",
            )
            .await
            .unwrap();
        let mut schema = String::from("USE `names`;\n");
        for table in ["people", "other", "keyed"] {
            let rows = server
                .rows(&format!("SHOW CREATE TABLE names.{table}"))
                .await
                .unwrap();
            let create = rows[0]["Create Table"].clone().unwrap();
            if table == "other" {
                // One column short: its columns must not be named.
                schema.push_str("CREATE TABLE `other` (`a` int(11));\n");
            } else {
                schema.push_str(&create);
                schema.push_str(";\n");
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let schema_path = dir.path().join("schema.sql");
        std::fs::write(&schema_path, &schema).unwrap();
        let schema_path = schema_path.to_str().unwrap();
        let checksums = async || {
            let rows = server
                .rows("CHECKSUM TABLE names.people, names.keyed")
                .await
                .unwrap();
            rows.into_iter()
                .map(|r| r["Checksum"].clone().unwrap())
                .collect::<Vec<_>>()
        };
        let before = checksums().await;
        let file = new_binlog(server).await;
        for statement in [
            "INSERT INTO names.people (id, `full name`, `we``ird`, `key`) VALUES (1, 'Ann Lee', 3, 4)",
            "UPDATE names.people SET `full name` = 'Bob' WHERE id = 1",
            "INSERT INTO names.other VALUES (1, 2)",
            "DELETE FROM names.people WHERE id = 1",
            "INSERT INTO names.keyed VALUES (7, 1)",
            "UPDATE names.keyed SET k = 8 WHERE id = 1",
        ] {
            server.exec(statement).await.unwrap();
        }
        server.exec("FLUSH BINARY LOGS").await.unwrap();
        let path = server.data_dir().join(&file);
        let path = path.to_str().unwrap();

        // Without names, an INSERT is written by position; an UPDATE or DELETE would find its
        // row by `@1 = ...` (a user variable) and change nothing: it is left out and warned of.
        let out = super::repldoctor(&["binlog", "sql", path]);
        assert_eq!(out.status.code(), Some(1));
        let unnamed = String::from_utf8(out.stdout).unwrap();
        assert!(
            unnamed.contains("INSERT INTO `names`.`people` VALUES (1, 'Ann Lee', 3, 4, 6);"),
            "{unnamed}"
        );
        assert!(!unnamed.contains("@1="), "{unnamed}");
        assert!(
            unnamed.contains(
                "-- 1 row(s) update on `names`.`people` not written: the binlog does not name \
                 its columns"
            ),
            "{unnamed}"
        );
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(
                "warning: transaction 0-1-8 changes 1 row(s) of `names`.`people`, whose columns \
                 the binlog does not name"
            ),
            "{stderr}"
        );

        let out = super::repldoctor(&["binlog", "sql", path, "--schema", schema_path]);
        // The warning about `other` makes it exit 1.
        assert_eq!(out.status.code(), Some(1));
        let named = String::from_utf8(out.stdout).unwrap();
        for statement in [
            // The generated column is computed by the server, never written.
            "INSERT INTO `names`.`people` (`id`, `full name`, `we``ird`, `key`) \
             VALUES (1, 'Ann Lee', 3, 4);",
            "UPDATE `names`.`people` SET `full name`='Bob' WHERE `id`=1 AND \
             `full name`='Ann Lee' AND `we``ird`=3 AND `key`=4 AND `twice`=6 LIMIT 1;",
            "DELETE FROM `names`.`people` WHERE `id`=1 AND `full name`='Bob' AND `we``ird`=3 \
             AND `key`=4 AND `twice`=6 LIMIT 1;",
            "INSERT INTO `names`.`other` VALUES (1, 2);",
            // The schema's primary key finds the row, as FULL metadata would.
            "UPDATE `names`.`keyed` SET `k`=8 WHERE `id`=1 LIMIT 1;",
        ] {
            assert!(named.contains(statement), "{statement}\nnot in:\n{named}");
        }
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            stderr.trim(),
            format!(
                "{path}: warning: the schema given has 1 column(s) for `names`.`other`, \
                 the binlog's table map 2: its columns stay @1, @2, ..."
            )
        );

        let out = super::repldoctor(&["binlog", "sql", "--undo", path, "--schema", schema_path]);
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains("reverts 1 row(s) of `names`.`other`, whose columns the binlog"),
            "{stderr}"
        );
        let undo = String::from_utf8(out.stdout).unwrap();
        assert!(
            undo.contains(
                "INSERT INTO `names`.`people` (`id`, `full name`, `we``ird`, `key`) \
                 VALUES (1, 'Bob', 3, 4);"
            ),
            "{undo}"
        );
        // Executable as it is: the named tables come back to where they were (the row of
        // `other`, which it could not find without names, is left out and warned of).
        assert_ne!(checksums().await, before);
        server.exec(&undo).await.unwrap();
        assert_eq!(checksums().await, before, "undo SQL:\n{undo}");
        let show = repldoctor_sql(&[
            "binlog",
            "show",
            path,
            "--gtid",
            "0-1-6",
            "--schema",
            schema_path,
        ]);
        assert!(
            show.contains("UPDATE `names`.`people` SET `full name`='Bob' WHERE `id`=1"),
            "{show}"
        );
    }
}

#[test]
fn stats_counts_transactions_and_groups_them_by_their_logical_clock() {
    let Some(dir) = fixtures_dir() else { return };
    let damaged = damaged(&dir);
    let mut parallel_files = 0;
    for path in fixture_files(&dir) {
        let p = path.to_str().unwrap();
        if damaged.iter().any(|d| p.ends_with(d.as_str())) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let list: Vec<binlog::Transaction> =
            binlog::transactions(&data).filter_map(Result::ok).collect();
        // Groups as MySQL's LOGICAL_CLOCK scheduler forms them: a transaction waits (starts a
        // new group) when it depends on one of the group.
        let mut sizes: Vec<u64> = Vec::new();
        let mut first_sequence = None;
        for t in &list {
            match (t.logical_clock, first_sequence) {
                (Some((lc, _)), Some(first)) if lc < first => *sizes.last_mut().unwrap() += 1,
                (Some((_, seq)), _) => {
                    first_sequence = Some(seq);
                    sizes.push(1);
                }
                (None, _) => {
                    first_sequence = None;
                    sizes.push(1);
                }
            }
        }
        if list.iter().any(|t| t.commit_id.is_some()) {
            continue;
        }
        let out = repldoctor(&["--format", "json", "binlog", "stats", p]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{p}");
        let report = &json_lines(&out)[0];
        assert_eq!(report["transactions"], list.len(), "{p}");
        let max = sizes.iter().max().copied().unwrap_or(0);
        assert_eq!(report["parallelism"]["max"], max, "{p}");
        let grouped: u64 = report["parallelism"]["group_sizes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["size"].as_u64().unwrap() * g["groups"].as_u64().unwrap())
            .sum();
        assert_eq!(grouped, list.len() as u64, "{p}");
        let largest = report["largest_transactions"][0]["size"].as_u64();
        assert_eq!(largest, list.iter().map(|t| t.size).max(), "{p}");
        if max > 1 {
            parallel_files += 1;
        }
    }
    assert!(parallel_files >= 1);
}

#[test]
fn stats_names_the_tables_created_without_a_primary_key() {
    let Some(dir) = fixtures_dir() else { return };
    let generated = dir.join("generated-mariadb-10.11");
    // The tables the SQL that wrote the file created without a primary key.
    let sql = std::fs::read_to_string(generated.join("sql/01_row_types.sql")).unwrap();
    let mut expected: Vec<String> = sql
        .split("CREATE TABLE ")
        .skip(1)
        .filter(|def| !def[..def.find(';').unwrap()].contains("PRIMARY KEY"))
        .map(|def| format!("`fx`.`{}`", def.split([' ', '(']).next().unwrap()))
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    let path = generated.join("primary/mariadb-bin.000001");
    let out = repldoctor(&[
        "--format",
        "json",
        "binlog",
        "stats",
        path.to_str().unwrap(),
    ]);
    let report = &json_lines(&out)[0];
    let without: Vec<String> = report["tables_without_primary_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(without, expected);
    assert_eq!(
        report["tables_with_primary_key_unknown"],
        serde_json::json!([])
    );
}

/// Writes the ~500 MB ROW-format binlog the benchmarks read (`bench/binlog_vs_mariadb.sh` and
/// `cargo bench -p binlog` run it when the file is missing): a real MariaDB from `testlab`,
/// transactions of inserts, updates and deletes over INT, BIGINT, VARCHAR, DECIMAL,
/// DATETIME(6), JSON, BLOB and ENUM columns. Ignored by default: it takes minutes.
#[tokio::test]
#[ignore = "generates the benchmark binlog; run by bench/binlog_vs_mariadb.sh"]
async fn write_benchmark_binlog() {
    const TARGET_BYTES: u64 = 500 << 20;
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/binlog-bench");
    std::fs::create_dir_all(&out_dir).unwrap();
    let options = testlab::LabOptions {
        extra: vec![
            "binlog-row-metadata=FULL".to_owned(),
            "max-binlog-size=1073741824".to_owned(),
            "sync-binlog=0".to_owned(),
            "innodb-flush-log-at-trx-commit=0".to_owned(),
        ],
        ..testlab::LabOptions::default()
    };
    let lab = testlab::Lab::start(1, &options).await.unwrap();
    let server = lab.server(0);
    server
        .exec(
            "CREATE DATABASE bench; CREATE TABLE bench.t (id INT PRIMARY KEY, b BIGINT, \
             v VARCHAR(100), d DECIMAL(12,2), ts DATETIME(6), j JSON, bl BLOB, \
             e ENUM('new','paid','shipped')) ENGINE=InnoDB; FLUSH BINARY LOGS",
        )
        .await
        .unwrap();
    let file = server
        .rows("SHOW MASTER STATUS")
        .await
        .unwrap()
        .remove(0)
        .remove("File")
        .flatten()
        .unwrap();
    let path = server.data_dir().join(&file);
    let mut batch = 0u64;
    while std::fs::metadata(&path).unwrap().len() < TARGET_BYTES {
        let first = batch * 1000;
        server
            .exec(&format!(
                "INSERT INTO bench.t SELECT seq, seq * 7919, CONCAT('customer-', seq, '-', \
                 REPEAT('x', seq % 40)), seq / 100, NOW(6) - INTERVAL seq SECOND, \
                 JSON_OBJECT('id', seq, 'tags', JSON_ARRAY('a', 'b', seq % 7), 'ok', true), \
                 REPEAT(CHAR(65 + seq % 26), 64 + seq % 64), ELT(1 + seq % 3, 'new', 'paid', 'shipped') \
                 FROM bench.seq_{}_to_{}",
                first + 1,
                first + 1000
            ))
            .await
            .unwrap();
        server
            .exec(&format!(
                "UPDATE bench.t SET d = d + 1.25, e = 'paid', ts = NOW(6) \
                 WHERE id BETWEEN {} AND {}",
                first + 1,
                first + 500
            ))
            .await
            .unwrap();
        server
            .exec(&format!(
                "DELETE FROM bench.t WHERE id BETWEEN {} AND {}",
                first + 501,
                first + 750
            ))
            .await
            .unwrap();
        // Small transactions too: one row each.
        for id in first + 751..first + 771 {
            server
                .exec(&format!("UPDATE bench.t SET b = b + 1 WHERE id = {id}"))
                .await
                .unwrap();
        }
        batch += 1;
    }
    server.exec("FLUSH BINARY LOGS").await.unwrap();
    let dest = out_dir.join("rows.000001");
    std::fs::copy(&path, &dest).unwrap();
    let len = std::fs::metadata(&dest).unwrap().len();
    assert!(len >= TARGET_BYTES, "{len} bytes");
    eprintln!("wrote {} ({len} bytes, {batch} batches)", dest.display());
}
