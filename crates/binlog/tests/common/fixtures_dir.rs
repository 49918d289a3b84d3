//! Where the binlog fixtures are, for every test that reads them. Standard library only: the
//! test crates of other packages include this file by its path, so there is one rule for all.
//!
//! A test whose fixtures are missing does not pass in silence: it names itself in the file
//! `REPLDOCTOR_SKIP_LOG` names (`scripts/test.sh` lists them at the end), and under `CI=true`
//! it fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The fixtures folder: `REPLDOCTOR_FIXTURES` when set, `<repo>/../shared/fixtures/binlogs`
/// otherwise. `None` when it is absent, the calling test then recorded as skipped; under
/// `CI=true` an absent folder fails the calling test instead.
#[allow(
    dead_code,
    reason = "test crates that include this file by its path for `installed` read no fixtures"
)]
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("REPLDOCTOR_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/binlogs"),
        PathBuf::from,
    );
    if dir.is_dir() {
        return Some(dir);
    }
    skipped(&format!("fixtures folder absent ({})", dir.display()));
    None
}

/// Whether `mariadb-binlog`, the oracle, is installed; when it is not, the calling test is
/// recorded as skipped like one without fixtures (under `CI=true` it fails).
#[allow(
    dead_code,
    reason = "not every test crate that includes this file by its path runs the oracle"
)]
pub fn mariadb_binlog_installed() -> bool {
    let installed = std::process::Command::new("mariadb-binlog")
        .arg("--version")
        .output()
        .is_ok();
    if !installed {
        skipped("mariadb-binlog not installed");
    }
    installed
}

/// Whether `program` runs (`program --version`); when it does not, the calling test is recorded
/// as skipped (under `CI=true` it fails).
#[allow(
    dead_code,
    reason = "not every test crate that includes this file by its path needs a program"
)]
pub fn installed(program: &str) -> bool {
    let installed = std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok();
    if !installed {
        skipped(&format!("{program} not installed"));
    }
    installed
}

/// Names the calling test as skipped for `reason`, in `REPLDOCTOR_SKIP_LOG`; panics under `CI=true`.
fn skipped(reason: &str) {
    // The test harness runs each test on a thread named after it.
    let test = format!(
        "{}::{}",
        env!("CARGO_CRATE_NAME"),
        std::thread::current().name().unwrap_or("<unnamed>")
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {reason}; in CI every test must run"
    );
    eprintln!("SKIPPED ({reason}): {test}");
    if let Some(log) = std::env::var_os("REPLDOCTOR_SKIP_LOG") {
        // One write per line: tests running at the same time append whole lines.
        let line = format!("{test}\n");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut file| file.write_all(line.as_bytes()))
            .unwrap_or_else(|err| panic!("{test}: cannot append to REPLDOCTOR_SKIP_LOG: {err}"));
    }
}
