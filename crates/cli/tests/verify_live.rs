//! `repldoctor verify` on real MariaDB pairs: identical tables of every column type compare
//! equal; each planted divergence is found and named by its key and column; the statements of
//! `--print-sql`, run on the replica, make the next run equal; nothing is written to the
//! source, and the replica's applier runs afterwards (or stays stopped if it was).

use std::process::{Command, Stdio};

use std::time::Duration;

use serde_json::Value;
use testlab::{Lab, LabOptions, Server, Writer};

fn verify(lab: &Lab, extra: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args(["--format", "json", "verify"])
        .args([
            "--source",
            &lab.server(0).dsn(),
            "--replica",
            &lab.server(1).dsn(),
        ])
        .args(extra)
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|err| panic!("{err}: {} / {stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), value, stderr)
}

fn table<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report:#}"))
}

/// Each difference as (kind, key rendered, columns).
fn differences(table: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut found: Vec<_> = table["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let key = d["key"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    format!(
                        "{}={}",
                        pair[0].as_str().unwrap(),
                        pair[1].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
                .join(",");
            let columns = d["columns"]
                .as_array()
                .map(|c| c.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            (d["kind"].as_str().unwrap().to_owned(), key, columns)
        })
        .collect();
    found.sort();
    found
}

const SCHEMA: &[&str] = &[
    "CREATE DATABASE vt",
    "CREATE TABLE vt.items (id INT PRIMARY KEY, v VARCHAR(40) COLLATE utf8mb4_general_ci, \
     n INT, d DECIMAL(12,4)) ENGINE=InnoDB",
    "CREATE TABLE vt.bin (k BINARY(16) PRIMARY KEY, vb VARBINARY(8)) ENGINE=InnoDB",
    "CREATE TABLE vt.pair (a INT NOT NULL, b VARCHAR(10) CHARACTER SET latin1 NOT NULL, \
     x INT, UNIQUE KEY ab (a, b)) ENGINE=InnoDB",
    "CREATE TABLE vt.nokey (a INT, b TEXT) ENGINE=InnoDB",
    "CREATE TABLE vt.types (id INT PRIMARY KEY, bn BINARY(4), u UUID, i6 INET6, i4 INET4, \
     l1 VARCHAR(20) CHARACTER SET latin1, gb VARCHAR(20) CHARACTER SET gbk, bt BIT(10), \
     e ENUM('a','b'), s SET('x','y'), y YEAR, f FLOAT, r DOUBLE, js JSON, \
     g INT AS (id * 2) VIRTUAL, hidden INT INVISIBLE DEFAULT 7, tm TIME(6), dt DATETIME(6), \
     ts TIMESTAMP(3) NULL, da DATE, lb LONGBLOB, po POINT, bu BIGINT UNSIGNED) ENGINE=InnoDB",
];

const DATA: &[&str] = &[
    // The sequence engine's tables live in the current database.
    "USE vt",
    "INSERT INTO vt.items SELECT seq, CONCAT('value ', seq), seq * 3, seq / 7 FROM seq_1_to_3000",
    "UPDATE vt.items SET v = NULL WHERE id = 100",
    "UPDATE vt.items SET v = 'abc' WHERE id = 200",
    "INSERT INTO vt.bin VALUES (X'0A0B0000000000000000000000000000', X'0A0B'), \
     (X'0A0C0000000000000000000000000000', X'FF')",
    "INSERT INTO vt.pair SELECT seq % 50, CONCAT('k', seq), seq FROM seq_1_to_1200",
    "INSERT INTO vt.nokey VALUES (1, 'a'), (1, 'a'), (2, NULL)",
    "INSERT INTO vt.types (id, bn, u, i6, i4, l1, gb, bt, e, s, y, f, r, js, tm, dt, ts, da, lb, po, bu) \
     VALUES (1, X'01000000', '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', '10.0.0.1', \
     X'636166E9', '中文', b'1010101010', 'b', 'x,y', 2024, 1.5e-3, 2.0000000000000004, '{\"a\": [1, 2]}', \
     '-838:59:59.000001', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.499', '1000-01-01', \
     REPEAT(X'00FF', 40000), POINT(1, 2), 18446744073709551615), \
     (2, NULL, NULL, NULL, NULL, '', '', b'0', 'a', '', 1901, -0.0, 1e308, 'null', '00:00:00', \
     '1000-01-01 00:00:00', NULL, '9999-12-31', '', NULL, 0)",
];

/// On the replica only, without binary logging: the divergences verify must find.
const PLANTED: &[&str] = &[
    "SET SESSION sql_log_bin = 0",
    // A changed column.
    "UPDATE vt.items SET n = -1 WHERE id = 42",
    // A missing row and an extra one past the source's last key.
    "DELETE FROM vt.items WHERE id = 77",
    "INSERT INTO vt.items VALUES (5000, 'extra', 0, 0)",
    // NULL against the empty string.
    "UPDATE vt.items SET v = '' WHERE id = 100",
    // A trailing space: equal under the PAD SPACE collation, not the same data.
    "UPDATE vt.items SET v = 'abc ' WHERE id = 200",
    // Trailing zero bytes.
    "UPDATE vt.bin SET vb = X'0A0B00' WHERE k = X'0A0B0000000000000000000000000000'",
    // A row of a composite unique key.
    "UPDATE vt.pair SET x = 0 WHERE a = 7 AND b = 'k7'",
];

async fn run_all(server: &Server, statements: &[&str]) {
    let sql = statements.join(";\n");
    server.exec(&sql).await.unwrap();
}

async fn pair() -> Lab {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    run_all(lab.server(0), SCHEMA).await;
    run_all(lab.server(0), DATA).await;
    lab.wait_caught_up(1, 0).await.unwrap();
    lab
}

#[tokio::test]
async fn equal_tables_are_equal_and_each_planted_divergence_is_named() {
    let lab = pair().await;
    // Identical: every table equal, in chunks.
    let (code, report, stderr) = verify(&lab, &["--chunk-size", "500"]);
    assert_eq!(code, 0, "{report:#} {stderr}");
    for name in ["vt.items", "vt.bin", "vt.pair", "vt.nokey", "vt.types"] {
        assert_eq!(
            table(&report, name)["verdict"],
            "equal",
            "{name}: {report:#}"
        );
    }
    assert_eq!(table(&report, "vt.items")["chunks"], 7);
    assert_eq!(table(&report, "vt.items")["rows_source"], 3000);
    assert_eq!(table(&report, "vt.pair")["key"], "ab");
    assert!(
        report["warnings"]
            .to_string()
            .contains("vt.nokey has no primary"),
        "{report:#}"
    );

    run_all(lab.server(1), PLANTED).await;
    let before = lab
        .server(0)
        .value("SELECT @@gtid_binlog_pos")
        .await
        .unwrap();
    let (code, report, stderr) = verify(&lab, &["--chunk-size", "500", "--print-sql"]);
    assert_eq!(code, 2, "{report:#} {stderr}");
    assert_eq!(
        differences(table(&report, "vt.items")),
        vec![
            ("different".into(), "id=100".into(), vec!["v".into()]),
            ("different".into(), "id=200".into(), vec!["v".into()]),
            ("different".into(), "id=42".into(), vec!["n".into()]),
            ("only_replica".into(), "id=5000".into(), vec![]),
            ("only_source".into(), "id=77".into(), vec![]),
        ],
        "{report:#}"
    );
    assert_eq!(
        differences(table(&report, "vt.bin")),
        vec![(
            "different".into(),
            "k=X'0A0B0000000000000000000000000000'".into(),
            vec!["vb".into()]
        )]
    );
    assert_eq!(
        differences(table(&report, "vt.pair")),
        vec![(
            "different".into(),
            "a=7,b=_latin1 X'6B37' COLLATE latin1_swedish_ci".into(),
            vec!["x".into()]
        )]
    );
    for name in ["vt.nokey", "vt.types"] {
        assert_eq!(table(&report, name)["verdict"], "equal", "{name}");
    }
    // Chunks larger than a listing are cut into pieces first: the same rows are named.
    let (code, whole, _) = verify(&lab, &["vt.items", "--chunk-size", "3000"]);
    assert_eq!(code, 2);
    assert_eq!(table(&whole, "vt.items")["chunks"], 2);
    assert_eq!(
        differences(table(&whole, "vt.items")),
        differences(table(&report, "vt.items"))
    );
    // Nothing written to the source; the applier runs again.
    let after = lab
        .server(0)
        .value("SELECT @@gtid_binlog_pos")
        .await
        .unwrap();
    assert_eq!(before, after);
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running() && status.io_running());
    assert_eq!(report["points"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["points"][0]["source_gtid"],
        report["points"][0]["replica_gtid"]
    );

    // The repair statements, piped into the replica, make the next run equal.
    let sql = report["sql"].as_array().unwrap();
    assert_eq!(sql.len(), 7, "{sql:#?}");
    let script: String = std::iter::once("SET SESSION sql_log_bin = 0;".to_owned())
        .chain(sql.iter().map(|s| s.as_str().unwrap().to_owned()))
        .collect::<Vec<_>>()
        .join("\n");
    lab.server(1).pipe_sql(&script).unwrap();
    let (code, report, stderr) = verify(&lab, &[]);
    assert_eq!(code, 0, "{report:#} {stderr}");
}

#[tokio::test]
async fn a_stopped_applier_behind_the_source_is_not_compared_and_stays_stopped() {
    let lab = pair().await;
    lab.server(1).exec("STOP SLAVE SQL_THREAD").await.unwrap();
    lab.server(0)
        .exec("INSERT INTO vt.items VALUES (9000, 'later', 1, 1)")
        .await
        .unwrap();
    let (code, report, stderr) = verify(&lab, &["vt.items"]);
    assert_eq!(code, 3, "{report:#}");
    assert!(
        report["error"]
            .as_str()
            .unwrap_or_default()
            .contains("verify does not start a stopped applier"),
        "{report:#} {stderr}"
    );
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(!status.sql_running());
    // Once it has caught up and stopped there, the stopped replica can be compared.
    lab.server(1).exec("START SLAVE SQL_THREAD").await.unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    lab.server(1).exec("STOP SLAVE SQL_THREAD").await.unwrap();
    let (code, report, _) = verify(&lab, &["vt"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(table(&report, "vt.items")["rows_source"], 3001);
    assert!(
        !lab.server(1)
            .default_channel()
            .await
            .unwrap()
            .unwrap()
            .sql_running()
    );
}

/// A writer keeps changing the compared table on the source while verify runs, with a new
/// point every 50 ms: no false difference, the planted one found, the applier running after,
/// and the source's GTID position moved by the writer's transactions only.
#[tokio::test]
async fn under_writes_no_false_difference_and_no_missed_one() {
    let lab = pair().await;
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; UPDATE vt.items SET n = -1 WHERE id = 42")
        .await
        .unwrap();
    // Rows all over the key range, never the planted one; paced, so that the replica keeps up
    // and each point's freeze waits for little (a writer at full speed outruns a replica on
    // two shared cores, and every freeze then waits for its growing lag).
    let writer = Writer::start(lab.server(0), "vt", Duration::from_millis(2), |i| {
        let id = 100 + (i * 37) % 2800;
        let id = if id == 42 { 43 } else { id };
        format!(
            "UPDATE items SET v = CONCAT('w', {i}), n = n + 1 WHERE id = {id}; \
             INSERT INTO items VALUES ({}, 'new', {i}, 0)",
            10_000 + i
        )
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, report, stderr) = verify(
        &lab,
        // A round shorter than any chunk: a new point before every chunk, however fast.
        &[
            "vt.items",
            "--chunk-size",
            "100",
            "--round-seconds",
            "0.001",
        ],
    );
    let before_stop = lab
        .server(0)
        .value("SELECT @@gtid_binlog_pos")
        .await
        .unwrap();
    // Two transactions per statement: the update and the insert.
    let written = writer.stop() * 2;
    assert_eq!(code, 2, "{report:#} {stderr}");
    assert_eq!(
        differences(table(&report, "vt.items")),
        vec![("different".into(), "id=42".into(), vec!["n".into()])],
        "{report:#}"
    );
    assert!(
        report["points"].as_array().unwrap().len() >= 2,
        "one point per round: {report:#}"
    );
    for point in report["points"].as_array().unwrap() {
        assert_eq!(point["source_gtid"], point["replica_gtid"]);
    }
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running() && status.io_running());
    // Every GTID of the source's binlog is one of the writer's (two per loop: the update and
    // the insert), after the setup's.
    let after = lab
        .server(0)
        .value("SELECT @@gtid_binlog_pos")
        .await
        .unwrap()
        .unwrap();
    let seq = |pos: &str| pos.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert!(seq(&after) >= seq(before_stop.as_deref().unwrap()));
    let setup = seq(&after) - written;
    assert_eq!(
        setup,
        (SCHEMA.len() + DATA.len() - 1) as u64,
        "{after} after {written} writes"
    );
}

/// Starts verify over every row one by one (a long run), in the background.
/// The `--where` of the slow runs.
const SLOW_ROWS: &str = "SLEEP(0.001) = 0";

fn verify_slowly(lab: &Lab) -> std::process::Child {
    verify_slowly_with(lab, &[])
}

fn verify_slowly_with(lab: &Lab, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_repldoctor"))
        .args([
            "--format",
            "json",
            "verify",
            "vt.items",
            "--chunk-size",
            "1",
        ])
        .args(["--round-seconds", "0.05"])
        // Every row costs a millisecond on each server: the run lasts well past the moment a
        // test interrupts it, however fast the machine (without it a fast run finished first).
        .args(["--where", SLOW_ROWS])
        .args(extra)
        .args([
            "--source",
            &lab.server(0).dsn(),
            "--replica",
            &lab.server(1).dsn(),
        ])
        .env("HOME", "/nonexistent")
        .env_remove("MYSQL_PWD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(child: std::process::Child) -> (i32, Value) {
    let out = child.wait_with_output().unwrap();
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), value)
}

#[tokio::test]
async fn ctrl_c_stops_with_status_3_and_the_applier_running() {
    let lab = pair().await;
    let child = verify_slowly(&lab);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let (code, report) = finished(child);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(report["interrupted"], true);
    let items = table(&report, "vt.items");
    assert_eq!(items["verdict"], "not_compared");
    assert!(items["chunks"].as_u64().unwrap() > 0, "{report:#}");
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running(), "the applier must run again");
}

#[tokio::test]
async fn a_source_killed_mid_run_gives_status_3_and_the_applier_runs_again() {
    let mut lab = pair().await;
    let child = verify_slowly(&lab);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    lab.server_mut(0).crash();
    let (code, report) = finished(child);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(table(&report, "vt.items")["verdict"], "not_compared");
    assert_eq!(report["interrupted"], true, "{report:#}");
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(
        status.sql_running(),
        "the applier must run again: {report:#}"
    );
}

/// The side-by-side benchmark of `bench/verify_vs_pt_table_checksum.sh` (not a timed test:
/// it prints figures): 1,000,000 rows with the planted differences, `repldoctor verify` and
/// Debian's pt-table-checksum on the same pair, the wall time of each and what each found.
#[tokio::test]
#[ignore = "a benchmark: bench/verify_vs_pt_table_checksum.sh runs it"]
async fn bench_side_by_side_with_pt_table_checksum() {
    let lab = Lab::primary_replica(&LabOptions::default()).await.unwrap();
    run_all(lab.server(0), SCHEMA).await;
    run_all(lab.server(0), &["USE vt"]).await;
    lab.server(0)
        .exec(
            "USE vt; INSERT INTO items SELECT seq, CONCAT('value ', seq), seq * 3, seq / 7 \
             FROM seq_1_to_1000000; UPDATE items SET v = NULL WHERE id = 100; \
             UPDATE items SET v = 'abc' WHERE id = 200",
        )
        .await
        .unwrap();
    lab.wait_caught_up(1, 0).await.unwrap();
    let best_of_3 = |run: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let started = std::time::Instant::now();
                run();
                started.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let equal = best_of_3(&mut || assert_eq!(verify(&lab, &["vt.items"]).0, 0));
    println!("repldoctor verify, equal tables: {equal:.2} s (best of 3)");
    run_all(
        lab.server(1),
        &[
            "SET SESSION sql_log_bin = 0",
            "UPDATE vt.items SET n = -1 WHERE id = 42",
            "DELETE FROM vt.items WHERE id = 777777",
            "INSERT INTO vt.items VALUES (2000000, 'extra', 0, 0)",
            "UPDATE vt.items SET v = '' WHERE id = 100",
            "UPDATE vt.items SET v = 'abc ' WHERE id = 200",
        ],
    )
    .await;
    let (source, replica) = (lab.server(0), lab.server(1));

    let ours = best_of_3(&mut || assert_eq!(verify(&lab, &["vt.items"]).0, 2));
    let (code, report, _) = verify(&lab, &["vt.items"]);
    let found = differences(table(&report, "vt.items"));
    assert_eq!(found.len(), 5, "{found:?}");
    println!(
        "repldoctor verify: {ours:.2} s (best of 3), exit {code}, {} rows compared, {} chunks, \
         found {found:?}",
        table(&report, "vt.items")["rows_source"],
        table(&report, "vt.items")["chunks"],
    );

    // pt-table-checksum writes its checksums on the source and needs a way to find the
    // replica: a DSN table (replicas on 127.0.0.1 with other ports cannot be found from the
    // processlist), and --no-check-binlog-format because the lab's binlogs are ROW (it sets
    // its own session to STATEMENT, which is how its checksums reach the replica).
    source
        .exec(&format!(
            "CREATE DATABASE IF NOT EXISTS percona; CREATE TABLE percona.dsns (id INT PRIMARY \
             KEY, parent_id INT, dsn VARCHAR(255)); INSERT INTO percona.dsns VALUES \
             (1, NULL, 'h=127.0.0.1,P={},u=root')",
            replica.port()
        ))
        .await
        .unwrap();
    let before = source.value("SELECT @@gtid_binlog_pos").await.unwrap();
    let pt_table_checksum = || {
        Command::new("pt-table-checksum")
            .args([
                &format!("h=127.0.0.1,P={},u=root", source.port()),
                "--databases=vt",
                "--tables=items",
                "--recursion-method=dsn=D=percona,t=dsns",
                "--no-check-binlog-format",
                "--replicate=percona.checksums",
            ])
            .output()
            .expect("pt-table-checksum (Debian's percona-toolkit)")
    };
    let out = pt_table_checksum();
    let after = source.value("SELECT @@gtid_binlog_pos").await.unwrap();
    let theirs = best_of_3(&mut || {
        pt_table_checksum();
    });
    println!(
        "pt-table-checksum: {theirs:.2} s (best of 3), exit {}, source binlog {before:?} -> \
         {after:?} in its first run\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout)
    );
    lab.wait_caught_up(1, 0).await.unwrap();
    let chunks = replica
        .rows(
            "SELECT chunk, lower_boundary, upper_boundary, this_cnt, master_cnt \
             FROM percona.checksums WHERE master_cnt <> this_cnt OR master_crc <> this_crc \
             OR ISNULL(master_crc) <> ISNULL(this_crc)",
        )
        .await
        .unwrap();
    println!("pt-table-checksum's differing chunks (read on the replica): {chunks:?}");
}

#[tokio::test]
async fn a_busy_source_pauses_the_run_until_it_is_quieter() {
    let lab = pair().await;
    let port = lab.server(0).port();
    let sleepers: Vec<_> = (0..3)
        .map(|_| {
            std::thread::spawn(move || {
                use mysql_async::prelude::Queryable;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let url = format!("mysql://root@127.0.0.1:{port}");
                    let mut conn = mysql_async::Conn::from_url(url).await.unwrap();
                    conn.query_drop("SELECT SLEEP(3)").await.unwrap();
                });
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, report, stderr) = verify(&lab, &["vt.items", "--max-threads-running", "3"]);
    for sleeper in sleepers {
        sleeper.join().unwrap();
    }
    assert_eq!(code, 0, "{report:#} {stderr}");
    assert!(
        report["paused_seconds"].as_u64().unwrap() >= 1,
        "{report:#}"
    );
}

#[tokio::test]
async fn text_output_names_the_rows_and_print_sql_writes_only_sql_to_stdout() {
    let lab = pair().await;
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; UPDATE vt.items SET n = -1 WHERE id = 42")
        .await
        .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_repldoctor"))
            .args(["verify", "vt.items"])
            .args([
                "--source",
                &lab.server(0).dsn(),
                "--replica",
                &lab.server(1).dsn(),
            ])
            .args(extra)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("0 equal, 1 different, 0 not compared"),
        "{text}"
    );
    assert!(
        text.contains("vt.items") && text.contains("DIFFERENT"),
        "{text}"
    );
    assert!(text.contains("id = 42: differs in n"), "{text}");
    let out = run(&["--print-sql"]);
    assert_eq!(out.status.code(), Some(2));
    let sql = String::from_utf8_lossy(&out.stdout);
    let statements: Vec<&str> = sql.lines().filter(|l| !l.starts_with("--")).collect();
    assert_eq!(
        statements,
        [
            "SET SESSION sql_log_bin = 0;",
            "REPLACE INTO `vt`.`items` (`id`, `v`, `n`, `d`) VALUES (42, \
             _utf8mb4 X'76616C7565203432' COLLATE utf8mb4_general_ci, 126, 6.0000);"
        ],
        "{sql}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("id = 42: differs in n"));
}

#[tokio::test]
async fn tables_the_channel_does_not_replicate_are_left_out() {
    let lab = pair().await;
    lab.server(1)
        .exec(
            "STOP SLAVE; SET GLOBAL replicate_ignore_table = 'vt.nokey'; START SLAVE; \
             SET SESSION sql_log_bin = 0; INSERT INTO vt.nokey VALUES (3, 'replica only')",
        )
        .await
        .unwrap();
    lab.wait_status(1, "both threads running", |s| {
        s.io_running() && s.sql_running()
    })
    .await
    .unwrap();
    let (code, report, stderr) = verify(&lab, &["vt"]);
    assert_eq!(code, 0, "{report:#} {stderr}");
    assert_eq!(
        report["not_replicated"],
        serde_json::json!(["vt.nokey: not replicated by this channel (Replicate_Ignore_Table)"])
    );
    assert!(
        report["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["table"] != "vt.nokey")
    );
    assert_eq!(table(&report, "vt.items")["verdict"], "equal");
}

#[tokio::test]
async fn resume_goes_on_after_the_last_chunk_of_a_stopped_run() {
    let lab = pair().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("verify.checkpoint");
    let file_arg = file.to_str().unwrap();
    let child = verify_slowly_with(&lab, &["--resume", file_arg]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let (code, first) = finished(child);
    assert_eq!(code, 3, "{first:#}");
    let done_first = table(&first, "vt.items")["chunks"].as_u64().unwrap();
    println!("chunks done before Ctrl-C: {done_first} of 3000");
    assert!(done_first > 0 && done_first < 3000, "{first:#}");
    // Picks up after the last chunk: every row counted once over both runs.
    let (code, second, stderr) = verify(
        &lab,
        &[
            "vt.items",
            "--chunk-size",
            "500",
            "--where",
            SLOW_ROWS,
            "--resume",
            file_arg,
        ],
    );
    assert_eq!(code, 0, "{second:#} {stderr}");
    let items = table(&second, "vt.items");
    assert_eq!(items["rows_source"], 3000, "{second:#}");
    assert_eq!(items["rows_replica"], 3000);
    assert!(
        items["chunks"].as_u64().unwrap() < done_first + 10,
        "{second:#}"
    );
    // Another comparison's checkpoint is refused.
    let (code, other, _) = verify(&lab, &["vt", "--resume", file_arg]);
    assert_eq!(code, 3);
    assert!(
        other["error"]
            .as_str()
            .unwrap()
            .contains("checkpoint of another comparison"),
        "{other:#}"
    );
}

/// A parallel applier stops at the UNTIL position as a serial one does: under writes, no false
/// difference and the planted one found.
#[tokio::test]
async fn a_parallel_applier_is_frozen_at_the_same_point() {
    let options = LabOptions {
        parallel_threads: 4,
        parallel_mode: Some("optimistic".into()),
        ..LabOptions::default()
    };
    let lab = Lab::primary_replica(&options).await.unwrap();
    run_all(lab.server(0), SCHEMA).await;
    run_all(lab.server(0), DATA).await;
    lab.wait_caught_up(1, 0).await.unwrap();
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; UPDATE vt.items SET n = -1 WHERE id = 42")
        .await
        .unwrap();
    let writer = Writer::start(lab.server(0), "vt", Duration::ZERO, |i| {
        format!("INSERT INTO items VALUES ({}, 'new', {i}, 0)", 20_000 + i)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (code, report, stderr) = verify(
        &lab,
        &["vt.items", "--chunk-size", "100", "--round-seconds", "0.05"],
    );
    writer.stop();
    assert_eq!(code, 2, "{report:#} {stderr}");
    assert_eq!(
        differences(table(&report, "vt.items")),
        vec![("different".into(), "id=42".into(), vec!["n".into()])],
        "{report:#}"
    );
    assert!(report["points"].as_array().unwrap().len() >= 2);
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running() && status.io_running());
}

/// A replica behind by more than --max-lag (a 3 s MASTER_DELAY while the source writes) makes
/// the run pause between chunks, once for at most --reach-timeout; the comparison holds.
#[tokio::test]
async fn a_lagging_replica_pauses_the_run() {
    let lab = Lab::start(2, &LabOptions::default()).await.unwrap();
    let delayed = testlab::ReplicationOptions {
        delay: Some(3),
        ..testlab::ReplicationOptions::default()
    };
    lab.replicate(1, 0, &delayed).await.unwrap();
    run_all(lab.server(0), SCHEMA).await;
    run_all(lab.server(0), DATA).await;
    lab.wait_caught_up(1, 0).await.unwrap();
    let writer = Writer::start(lab.server(0), "vt", Duration::from_millis(100), |i| {
        format!("INSERT INTO nokey VALUES ({i}, 'w')")
    });
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let (code, report, stderr) = verify(
        &lab,
        &[
            "vt.items",
            "--chunk-size",
            "1000",
            "--max-lag",
            "1",
            "--reach-timeout",
            "10",
        ],
    );
    writer.stop();
    assert_eq!(code, 0, "{report:#} {stderr}");
    assert!(
        report["paused_seconds"].as_u64().unwrap() >= 1,
        "{report:#}"
    );
}

#[tokio::test]
async fn a_replica_killed_mid_run_gives_status_3() {
    let mut lab = pair().await;
    let child = verify_slowly(&lab);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    lab.server_mut(1).crash();
    let (code, report) = finished(child);
    assert_eq!(code, 3, "{report:#}");
    let items = table(&report, "vt.items");
    assert_eq!(items["verdict"], "not_compared");
    // What was compared before the loss stands, and the reason is given.
    assert!(items["chunks"].as_u64().unwrap() > 0, "{report:#}");
    assert!(!items["notes"].as_array().unwrap().is_empty(), "{report:#}");
}

/// The source drops verify's connections (KILL): status 3, and the applier runs again.
#[tokio::test]
async fn a_dropped_connection_gives_status_3_and_the_applier_runs_again() {
    let lab = pair().await;
    let child = verify_slowly(&lab);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sessions = lab
        .server(0)
        .rows("SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Binlog Dump', 'Daemon')")
        .await
        .unwrap();
    for session in sessions {
        let id = session["ID"].clone().unwrap();
        let _ = lab.server(0).exec(&format!("KILL CONNECTION {id}")).await;
    }
    let (code, report) = finished(child);
    assert_eq!(code, 3, "{report:#}");
    assert_eq!(table(&report, "vt.items")["verdict"], "not_compared");
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(status.sql_running(), "{report:#}");
}

/// The applier fails on its own (a duplicate key) while verify runs: verify ends with status 3
/// and leaves it stopped on its error, never starting it again. Without lag checks
/// (`--max-lag 0`) the next point is what finds it.
#[tokio::test]
async fn an_applier_that_fails_during_the_run_is_left_stopped_on_its_error() {
    let lab = pair().await;
    let child = verify_slowly_with(&lab, &["--max-lag", "0"]);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    lab.server(1)
        .exec("SET SESSION sql_log_bin = 0; INSERT INTO vt.items VALUES (90000, 'r', 0, 0)")
        .await
        .unwrap();
    lab.server(0)
        .exec("INSERT INTO vt.items VALUES (90000, 's', 0, 0)")
        .await
        .unwrap();
    let (code, report) = finished(child);
    assert_eq!(code, 3, "{report:#}");
    assert!(report.to_string().contains("stopped"), "{report:#}");
    let status = lab.server(1).default_channel().await.unwrap().unwrap();
    assert!(!status.sql_running(), "{report:#}");
    assert_eq!(status.sql_errno(), 1062);
}
