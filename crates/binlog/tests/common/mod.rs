//! Shared by the fixture tests: where the fixtures are and how to load them.

#![allow(
    dead_code,
    unused_imports,
    reason = "each test binary uses a different part of this module"
)]

mod fixtures_dir;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use fixtures_dir::{fixtures_dir, mariadb_binlog_installed};

/// Every binlog or relay-log file under the fixtures folder, sorted, skipping the companion
/// text files (SQL, mysqlbinlog dumps, the catalogue).
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
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
            } else if !(name.ends_with(".md") || name.ends_with(".txt") || name.ends_with(".sql")) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The file's bytes, gunzipped when it is a `.gz`.
pub fn load(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

pub fn rel(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap().display().to_string()
}

/// The files the fixtures catalogue (MANIFEST.md) lists as damaged on purpose, read from its
/// sentence "... are damaged on purpose".
pub fn damaged_on_purpose(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.md")).unwrap();
    let line = manifest
        .lines()
        .find(|l| l.contains("damaged on purpose (negative tests)"))
        .expect("MANIFEST.md names the damaged files");
    line.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}
