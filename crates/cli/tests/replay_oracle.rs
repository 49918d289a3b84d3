//! The replay oracle: a real MariaDB runs a workload in each binlog format; the output of
//! `repldoctor binlog sql` over its binlog, piped into the `mariadb` client against a fresh
//! server, must leave every table as the source has it (CHECKSUM TABLE, then row by row).
//! No statement is adjusted for the replay: what a DBA would pipe is what is tested.

use std::process::Command;

use mysql_async::prelude::Queryable;
use testlab::{Lab, LabOptions, Server};

/// Tables the workload fills; compared after the replay.
const TABLES: &[&str] = &["ro.t", "ro.types", "ro.keyed", "ro.more", "ro.stamps"];

/// Every statement runs on one connection, in order: session state (`SET @v`, `sql_mode`,
/// `time_zone`, `timestamp`, `auto_increment_increment`, `SET NAMES`) carries over from one
/// statement to the next as in an application's session.
const WORKLOAD: &[&str] = &[
    // Logged with the suppress-USE flag: the database does not exist before it.
    "CREATE DATABASE ro",
    "USE ro",
    "CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(60), n INT, \
     r DOUBLE, d DECIMAL(10,3), ts TIMESTAMP(3) NULL) ENGINE=InnoDB",
    "CREATE TABLE types (id INT PRIMARY KEY, bn BINARY(4), vb VARBINARY(8), \
     u UUID, i6 INET6, i4 INET4, l1 VARCHAR(20) CHARACTER SET latin1, \
     gb VARCHAR(20) CHARACTER SET gbk, bt BIT(10), e ENUM('a','b'), s SET('x','y'), \
     y YEAR, f FLOAT, js JSON, g INT AS (id * 2) VIRTUAL, gs INT AS (id + 1) STORED, \
     hidden INT INVISIBLE DEFAULT 7) ENGINE=InnoDB",
    // Temporal, numeric, string and spatial types of every size.
    "CREATE TABLE more (id INT PRIMARY KEY, tm TIME(6), tm0 TIME, dt DATETIME(6), dt0 DATETIME, \
     da DATE, ch CHAR(5), chb CHAR(3) CHARACTER SET binary, tb TINYBLOB, tt TINYTEXT, \
     mt MEDIUMTEXT, lb LONGBLOB, bu BIGINT UNSIGNED, bs BIGINT, mi MEDIUMINT, \
     miu MEDIUMINT UNSIGNED, si SMALLINT, ti TINYINT UNSIGNED, db DOUBLE, \
     de DECIMAL(30,10), de0 DECIMAL(5,0), po POINT, ge GEOMETRY, \
     u3 TEXT CHARACTER SET utf8mb3, pad CHAR(4) COLLATE latin1_bin) ENGINE=InnoDB",
    // A BINARY(16) key that ends in zero bytes: updates and deletes must find it.
    "CREATE TABLE keyed (k BINARY(16) PRIMARY KEY, v INT) ENGINE=InnoDB",
    // AUTO_INCREMENT: INTVAR INSERT_ID in statement format.
    "INSERT INTO t (v) VALUES ('auto')",
    // User variables of each type: USER_VAR events.
    "SET @val_s = 'from a user variable', @val_n = 42, @val_d = 1.5, @val_null = NULL",
    "INSERT INTO t (v, n, d) VALUES (@val_s, @val_n, @val_d)",
    "INSERT INTO t (v, n) VALUES ('null var', @val_null)",
    "SET @val_r = 2.5e-3, @val_big = 18446744073709551615",
    "INSERT INTO t (v, r, d) VALUES ('real var', @val_r, @val_big / 1e10)",
    // RAND(): the seeds are logged.
    "INSERT INTO t (v, r) VALUES ('rand', RAND())",
    // The statement's time: SET TIMESTAMP.
    "SET timestamp = 1700000000.123456",
    "INSERT INTO t (v, ts) VALUES ('now', NOW(3))",
    "SET timestamp = DEFAULT",
    // A session time zone: a TIMESTAMP literal means another instant.
    "SET time_zone = '+05:00'",
    "INSERT INTO t (v, ts) VALUES ('tz', '2024-01-01 00:00:00')",
    "SET time_zone = DEFAULT",
    // sql_mode: with NO_BACKSLASH_ESCAPES a backslash is a backslash.
    "SET sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')",
    r"INSERT INTO t (v) VALUES ('back\slash')",
    "SET sql_mode = DEFAULT",
    // auto_increment_increment / offset.
    "SET auto_increment_increment = 5, auto_increment_offset = 3",
    "INSERT INTO t (v) VALUES ('inc a'), ('inc b')",
    "SET auto_increment_increment = 1, auto_increment_offset = 1",
    // Several statements in one transaction.
    "BEGIN",
    "INSERT INTO t (v, n) VALUES ('in a transaction', 1)",
    "UPDATE t SET n = n + 100 WHERE v = 'auto'",
    "DELETE FROM t WHERE v = 'null var'",
    "COMMIT",
    // A temporary table filled and read in statement format.
    "CREATE TEMPORARY TABLE tmp (x INT)",
    "INSERT INTO tmp VALUES (1), (2), (3)",
    "INSERT INTO t (v, n) SELECT 'from tmp', SUM(x) FROM tmp",
    "DROP TEMPORARY TABLE tmp",
    // Column types whose literals must be exact.
    "INSERT INTO types (id, bn, vb, u, i6, i4, l1, gb, bt, e, s, y, f, js, hidden) VALUES \
     (1, 0x0A0B0000, 0x00FF0000, '00000000-0000-0000-0000-0000000000a0', '2001:db8::1', \
     '10.0.0.1', 'café', '中文', b'1000000001', 'b', 'x,y', 1999, 1.1, \
     '{\"a\": [1, \"x\"]}', 9), \
     (2, 0x00000000, '', NULL, NULL, NULL, '', '', b'0', 'a', '', 2000, -0.5, 'null', DEFAULT)",
    "UPDATE types SET bn = 0x01000000, l1 = 'naïve' WHERE id = 1",
    "INSERT INTO keyed VALUES (0x0A0B0C0D000000000000000000000000, 1), \
     (0x00000000000000000000000000000000, 2), (0xFF000000000000000000000000000000, 3)",
    "UPDATE keyed SET v = v + 10 WHERE k = 0x0A0B0C0D000000000000000000000000",
    "DELETE FROM keyed WHERE k = 0x00000000000000000000000000000000",
    "INSERT INTO more VALUES (1, '-838:59:59.999999', '12:00:00', '9999-12-31 23:59:59.999999', \
     '1000-01-01 00:00:00', '2024-02-29', 'ab', 0x0100, 0x00, 'tiny', REPEAT('m', 70000), \
     REPEAT(0xAB, 20000), 18446744073709551615, -9223372036854775808, -8388608, 16777215, \
     -32768, 255, 1.7976931348623157e308, -12345678901234567890.0123456789, 99999, \
     POINT(1.5, -2.25), ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'), 'ünï ✓', 'a  '), \
     (2, '00:00:00.000001', NULL, '2000-01-01 00:00:00.5', NULL, NULL, '', '', '', '', '', '', \
     0, 0, 0, 0, 0, 0, -0.0, 0, -1, NULL, NULL, '', '')",
    "UPDATE more SET tm = '01:02:03.4', db = 2.2250738585072014e-308, de = 0.0000000001, \
     ch = 'x y', pad = 'p ' WHERE id = 1",
    "DELETE FROM more WHERE id = 2",
    "INSERT INTO more (id, de, db) VALUES (3, 12.5, 1e-7)",
    // explicit_defaults_for_timestamp off: a NULL into the first TIMESTAMP is the statement's
    // time, and the table is made NOT NULL DEFAULT CURRENT_TIMESTAMP.
    "SET explicit_defaults_for_timestamp = 0",
    "CREATE TABLE stamps (id INT PRIMARY KEY, a TIMESTAMP, b TIMESTAMP NULL) ENGINE=InnoDB",
    "SET timestamp = 1700000000",
    "INSERT INTO stamps VALUES (1, NULL, NULL)",
    "SET timestamp = DEFAULT",
    "SET explicit_defaults_for_timestamp = DEFAULT",
    // A client character set other than utf8mb4.
    "SET NAMES latin1",
    "INSERT INTO t (v) VALUES ('latin1 client: é')",
    // A user variable in the client's latin1.
    "SET @val_l = 'latin1 var: é'",
    "INSERT INTO t (v) VALUES (@val_l)",
    "SET NAMES utf8mb4",
    // DDL between data changes.
    "ALTER TABLE t ADD COLUMN extra INT DEFAULT 5",
    "INSERT INTO t (v, extra) VALUES ('after alter', 6)",
];

/// `repldoctor binlog sql` of `path` (with `--schema` when given): its output, its warnings
/// and its exit status.
fn repldoctor_sql(path: &str, schema: Option<&std::path::Path>) -> (String, String, Option<i32>) {
    repldoctor(&["binlog", "sql", path], schema)
}

fn repldoctor(args: &[&str], schema: Option<&std::path::Path>) -> (String, String, Option<i32>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_repldoctor"));
    command.args(args);
    if let Some(schema) = schema {
        command.arg("--schema").arg(schema);
    }
    let out = command.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// Row changes that `binlog sql --undo` must revert: keys changed, rows deleted and inserted,
/// BINARY values ending in zero bytes, NULLs, JSON, TIMESTAMPs, text in other charsets.
const CHANGES: &[&str] = &[
    "UPDATE types SET bn = 0x00000000, vb = NULL, l1 = 'été', js = '{\"b\": null}', \
     u = '11111111-2222-3333-4444-555555555500', y = 2155 WHERE id = 1",
    "DELETE FROM types WHERE id = 2",
    "INSERT INTO types (id, bn, gb, i6, bt) VALUES (3, 0x0000FF00, '汉字', '::1', b'11')",
    "UPDATE keyed SET k = 0x0A000000000000000000000000000000 WHERE v = 11",
    "DELETE FROM keyed WHERE v = 3",
    "UPDATE more SET po = POINT(0, 0), pad = 'q', lb = NULL, tm = '-00:00:00.5', \
     dt = '2038-01-19 03:14:08' WHERE id = 1",
    "DELETE FROM more WHERE id = 3",
    "UPDATE t SET v = NULL, ts = '2030-01-01 00:00:00.5' WHERE id <= 3",
    "BEGIN",
    "INSERT INTO t (v, n) VALUES ('undone', 0)",
    "DELETE FROM t WHERE v = 'rand'",
    "UPDATE t SET r = -0.0, d = -1.001 WHERE v LIKE 'inc%'",
    "COMMIT",
];

/// The `CREATE TABLE` of every compared table, as a DBA gives them with `--schema`.
async fn schema_file(server: &Server, dir: &std::path::Path) -> std::path::PathBuf {
    let mut schema = String::new();
    for table in TABLES {
        let rows = server
            .rows(&format!("SHOW CREATE TABLE {table}"))
            .await
            .unwrap();
        let (database, _) = table.split_once('.').unwrap();
        schema.push_str(&format!(
            "USE `{database}`;\n{};\n",
            rows[0]["Create Table"].clone().unwrap()
        ));
    }
    let path = dir.join(format!("schema-{}.sql", std::process::id()));
    std::fs::write(&path, schema).unwrap();
    path
}

/// Makes [`CHANGES`] on `source`, then pipes `binlog sql --undo` of them into it: in ROW
/// format every table must be as before; in STATEMENT format the undo must refuse, naming
/// each transaction it cannot revert.
async fn undo_reverts_the_changes(label: &str, source_lab: &Lab, row_format: bool) {
    let source = source_lab.server(0);
    let schema = schema_file(source, source_lab.path()).await;
    let mut before = Vec::new();
    for table in TABLES {
        before.push(rows_as_hex(source, table).await);
    }
    source.exec("FLUSH BINARY LOGS").await.unwrap();
    let status = source.rows("SHOW MASTER STATUS").await.unwrap();
    let file = status[0]["File"].clone().unwrap();
    let mut conn = source.conn().await.unwrap();
    conn.query_drop("USE ro").await.unwrap();
    for statement in CHANGES {
        conn.query_drop(*statement)
            .await
            .unwrap_or_else(|err| panic!("{label}: {statement}: {err}"));
    }
    drop(conn);
    source.exec("FLUSH BINARY LOGS").await.unwrap();
    let path = source.data_dir().join(&file);
    let path = path.to_str().unwrap();
    let (undo, warnings, status) =
        repldoctor(&["binlog", "sql", "--undo", path], Some(schema.as_path()));
    if !row_format {
        assert_eq!(status, Some(1), "{label}: {warnings}\n{undo}");
        // One warning per statement transaction (the statements of the BEGIN ... COMMIT in
        // one transaction each count).
        let refused = warnings
            .lines()
            .filter(|l| l.contains("has no before image"))
            .count();
        assert_eq!(refused, CHANGES.len() - 2, "{label}: {warnings}");
        assert!(warnings.contains("transaction 0-1-"), "{label}: {warnings}");
        return;
    }
    assert_eq!(status, Some(0), "{label}: {warnings}");
    if let Err(err) = source.pipe_sql(&undo) {
        panic!("{label}: the mariadb client refused the undo SQL: {err}\n{undo}");
    }
    for (table, want) in TABLES.iter().zip(before) {
        let got = rows_as_hex(source, table).await;
        assert!(
            got == want,
            "{label}: {table} differs after the undo: {}\n{undo}",
            difference(&got, &want)
        );
    }
}

/// What the replay is given besides the binlog.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Schema {
    /// Nothing: the binlog says all the SQL needs.
    None,
    /// The tables' definitions as they are before the workload's `ALTER TABLE`: the binlog
    /// does not mark generated columns, and without FULL metadata does not name columns.
    BeforeAlter,
}

/// Every row of `table` with each column as hex, so that bytes are compared, not renderings.
async fn rows_as_hex(server: &Server, table: &str) -> Vec<String> {
    let columns = server
        .rows(&format!("SHOW COLUMNS FROM {table}"))
        .await
        .unwrap();
    let hexed: Vec<String> = columns
        .iter()
        .map(|c| {
            let name = c["Field"].clone().unwrap();
            format!("CONCAT('{name}=', IFNULL(HEX(`{name}`), 'NULL'))")
        })
        .collect();
    let query = format!(
        "SELECT CONCAT_WS(' ', {}) AS r FROM {table} ORDER BY 1",
        hexed.join(", ")
    );
    server
        .rows(&query)
        .await
        .unwrap()
        .into_iter()
        .map(|mut row| row.remove("r").flatten().unwrap_or_default())
        .collect()
}

/// Where two renderings of a table part: the first rows that differ, column by column (values
/// cut short), so that a failure names the column.
fn difference(got: &[String], want: &[String]) -> String {
    if got.len() != want.len() {
        return format!("{} rows where {} were expected", got.len(), want.len());
    }
    let cut = |v: &str| v.chars().take(80).collect::<String>();
    for (g, w) in got.iter().zip(want) {
        if g != w {
            let columns: Vec<String> = g
                .split(' ')
                .zip(w.split(' '))
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("got {} want {}", cut(a), cut(b)))
                .collect();
            return columns.join("; ");
        }
    }
    String::new()
}

/// Runs the workload on a source started with `options`, replays `binlog sql` of it on a
/// fresh server and compares every table.
async fn replays_exactly(label: &str, options: &[&str], given: Schema) {
    let options = LabOptions {
        extra: options.iter().map(|o| (*o).to_owned()).collect(),
        ..LabOptions::default()
    };
    let source_lab = Lab::start(1, &options).await.unwrap();
    let source = source_lab.server(0);
    source.exec("FLUSH BINARY LOGS").await.unwrap();
    let status = source.rows("SHOW MASTER STATUS").await.unwrap();
    let file = status[0]["File"].clone().unwrap();
    let mut conn = source.conn().await.unwrap();
    let mut schema = None;
    for statement in WORKLOAD {
        if given == Schema::BeforeAlter && statement.starts_with("ALTER TABLE") {
            schema = Some(schema_file(source, source_lab.path()).await);
        }
        conn.query_drop(*statement)
            .await
            .unwrap_or_else(|err| panic!("{label}: {statement}: {err}"));
    }
    drop(conn);
    source.exec("FLUSH BINARY LOGS").await.unwrap();
    let path = source.data_dir().join(&file);
    let (sql, warnings, status) = repldoctor_sql(path.to_str().unwrap(), schema.as_deref());
    if given == Schema::BeforeAlter && !options.extra.iter().any(|o| o.ends_with("=FULL")) {
        // The rows of `t` after its ALTER have a column more than the schema given: they are
        // inserted by position, and the warning says their columns were not named.
        assert_eq!(status, Some(1), "{label}: {warnings}");
        assert!(
            warnings.contains("for `ro`.`t`, the binlog's table map 7"),
            "{label}: {warnings}"
        );
    } else {
        assert_eq!(status, Some(0), "{label}: {warnings}");
    }

    let replay_lab = Lab::start(1, &LabOptions::default()).await.unwrap();
    let replay = replay_lab.server(0);
    if let Err(err) = replay.pipe_sql(&sql) {
        panic!("{label}: the mariadb client refused the SQL: {err}\n{sql}");
    }
    for table in TABLES {
        let want = rows_as_hex(source, table).await;
        assert!(!want.is_empty(), "{label}: {table} is empty on the source");
        let got = rows_as_hex(replay, table).await;
        assert!(
            got == want,
            "{label}: {table} differs after replaying: {}\n{sql}",
            difference(&got, &want)
        );
        let checksum = format!("CHECKSUM TABLE {table}");
        assert_eq!(
            replay.rows(&checksum).await.unwrap()[0]["Checksum"],
            source.rows(&checksum).await.unwrap()[0]["Checksum"],
            "{label}: CHECKSUM TABLE {table}"
        );
    }
    let row_format = options.extra.iter().any(|o| o == "binlog-format=ROW");
    let statement_format = options.extra.iter().any(|o| o == "binlog-format=STATEMENT");
    if row_format || statement_format {
        undo_reverts_the_changes(label, &source_lab, row_format).await;
    }
}

#[tokio::test]
async fn statement_format_replays_exactly() {
    replays_exactly("STATEMENT", &["binlog-format=STATEMENT"], Schema::None).await;
}

#[tokio::test]
async fn mixed_format_replays_exactly() {
    replays_exactly("MIXED", &["binlog-format=MIXED"], Schema::None).await;
}

#[tokio::test]
async fn row_format_with_full_metadata_replays_exactly() {
    replays_exactly(
        "ROW, FULL metadata",
        &["binlog-format=ROW", "binlog-row-metadata=FULL"],
        Schema::BeforeAlter,
    )
    .await;
}

/// MariaDB's default: no charsets, no names; `--schema` gives both the names and which CHAR
/// columns are BINARY(n). The events are compressed (`log_bin_compress`).
#[tokio::test]
async fn row_format_without_metadata_compressed_replays_exactly() {
    replays_exactly(
        "ROW, no metadata, compressed",
        &[
            "binlog-format=ROW",
            "binlog-row-metadata=NO_LOG",
            "log-bin-compress=ON",
            "log-bin-compress-min-len=10",
        ],
        Schema::BeforeAlter,
    )
    .await;
}

#[tokio::test]
async fn row_format_with_minimal_metadata_replays_exactly() {
    replays_exactly(
        "ROW, MINIMAL metadata",
        &["binlog-format=ROW", "binlog-row-metadata=MINIMAL"],
        Schema::BeforeAlter,
    )
    .await;
}
