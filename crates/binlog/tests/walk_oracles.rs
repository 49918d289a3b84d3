//! The event walk over every fixture, compared with two independent readers: the Rust crate
//! `mysql_common` and MariaDB's `mariadb-binlog --hexdump` (which prints each event's header
//! fields). No per-file answers are written here: every expectation comes from an oracle or
//! from an invariant that must hold for any file.

mod common;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;

use binlog::{ErrorKind, EventType, EventWalk};

/// (offset, type, size, end_log_pos) of one event.
type Row = (u64, u8, u32, u32);

struct Walked {
    events: Vec<Row>,
    error: Option<binlog::Error>,
    checksums_verified: u64,
}

fn walk(data: &[u8]) -> Walked {
    let mut walk = EventWalk::new(data);
    let mut events = Vec::new();
    let mut error = None;
    for item in walk.by_ref() {
        match item {
            Ok(e) => events.push((
                e.offset,
                e.event_type().0,
                e.header.event_length,
                e.header.end_log_pos,
            )),
            Err(err) => error = Some(err),
        }
    }
    Walked {
        events,
        error,
        checksums_verified: walk.stats().checksums_verified,
    }
}

/// What `mysql_common` reads: the events it returns before its first error or end, with
/// offsets from the running sum of sizes. It panics on some truncated bodies; that counts as
/// an error at the offset reached.
fn mysql_common_events(data: &[u8]) -> (Vec<Row>, bool) {
    use mysql_common::binlog::BinlogFile;
    use mysql_common::binlog::consts::BinlogVersion;
    let mut rows = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let file = match BinlogFile::new(BinlogVersion::Version4, data) {
            Ok(file) => file,
            Err(_) => return true,
        };
        let mut offset = 4u64;
        for event in file {
            match event {
                Ok(event) => {
                    let h = event.header();
                    rows.push((offset, h.event_type_raw(), h.event_size(), h.log_pos()));
                    offset += u64::from(h.event_size());
                }
                Err(_) => return true,
            }
        }
        false
    }));
    let errored = outcome.unwrap_or(true);
    (rows, errored)
}

/// What `mariadb-binlog --hexdump` prints for each event: position, type, size, master pos
/// (all in hex). Returns the events and the offset of the read error it reports, if any.
fn mariadb_binlog_events(path: &Path, data: &[u8]) -> Option<(Vec<Row>, Option<u64>)> {
    // mariadb-binlog cannot read a gzip file; give it the gunzipped bytes.
    let tmp;
    let path = if path.extension().is_some_and(|e| e == "gz") {
        // Removed when dropped, so the test leaves nothing behind in /tmp.
        tmp = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(tmp.path(), data).unwrap();
        tmp.path()
    } else {
        path
    };
    let out = Command::new("mariadb-binlog")
        .args(["--base64-output=never", "--hexdump"])
        .arg(path)
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut rows = BTreeMap::new();
    // ANNOTATE_ROWS events get no hex dump, only their `# at N` line: the real header is
    // taken from the file for them.
    for line in stdout.lines() {
        if let Some(at) = line
            .strip_prefix("# at ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            let at_usize = at as usize;
            if let Some(h) = data.get(at_usize..at_usize + 19)
                && h[4] == EventType::MARIA_ANNOTATE_ROWS.0
            {
                let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
                rows.insert(at, (at, h[4], u32_at(9), u32_at(13)));
            }
        }
    }
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with("#           |Timestamp") {
            continue;
        }
        let Some(fields) = lines.next() else { break };
        let cols: Vec<&str> = fields.trim_start_matches('#').split('|').collect();
        let hex = |s: &str| -> u64 {
            // Multi-byte fields are printed as little-endian bytes.
            s.split_whitespace().rev().fold(0u64, |acc, b| {
                (acc << 8) | u64::from_str_radix(b, 16).unwrap()
            })
        };
        let pos = u64::from_str_radix(cols[0].trim(), 16).unwrap();
        rows.insert(
            pos,
            (
                pos,
                hex(cols[2]) as u8,
                hex(cols[4]) as u32,
                hex(cols[5]) as u32,
            ),
        );
    }
    let rows: Vec<Row> = rows.into_values().collect();
    // Some errors name the offset; others only stop the dump after the last good event.
    let error_at = stderr
        .split("Could not read entry at offset ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.trim().parse().ok())
        .or_else(|| {
            stderr.contains("ERROR:").then(|| {
                rows.last()
                    .map_or(4, |&(pos, _, size, _)| pos + u64::from(size))
            })
        });
    Some((rows, error_at))
}

#[test]
fn clean_fixtures_frame_every_byte_and_verify_checksums() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let damaged = common::damaged_on_purpose(&dir);
    let mut clean = 0;
    let mut verified = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        if damaged.iter().any(|d| name.ends_with(d.as_str())) {
            continue;
        }
        let data = common::load(&path);
        let walked = walk(&data);
        match &walked.error {
            None => {
                // Offsets are contiguous from 4 and the last event ends at the end of the file.
                let mut expected = 4u64;
                for &(offset, _, size, _) in &walked.events {
                    assert_eq!(offset, expected, "{name}: gap before event at {offset}");
                    expected += u64::from(size);
                }
                assert_eq!(expected, data.len() as u64, "{name}: trailing bytes");
                clean += 1;
            }
            Some(err) => assert_eq!(
                err.kind,
                ErrorKind::Encrypted,
                "{name}: unexpected error {err}"
            ),
        }
        verified += walked.checksums_verified;
    }
    assert!(clean >= 90, "only {clean} clean fixtures");
    assert!(verified > 30_000, "only {verified} checksums verified");
}

#[test]
fn walk_matches_mysql_common() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut compared = 0;
    let mut events = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        let data = common::load(&path);
        let ours = walk(&data);
        let (theirs, they_failed) = mysql_common_events(&data);
        if they_failed || ours.error.is_some() {
            // Both must agree up to where the first of them stops.
            let n = theirs.len().min(ours.events.len());
            assert_eq!(ours.events[..n], theirs[..n], "{name}");
            if ours.error.is_none() {
                panic!("{name}: mysql_common failed on a file we read cleanly");
            }
        } else {
            // mysql_common reports truncation as a clean end: only files we also read cleanly
            // are compared in full.
            assert_eq!(ours.events, theirs, "{name}");
            compared += 1;
            events += theirs.len();
        }
    }
    assert!(compared >= 90, "compared {compared} files");
    eprintln!("mysql_common agrees on {compared} files, {events} events");
}

#[test]
fn walk_matches_mariadb_binlog_hexdump() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    if !common::mariadb_binlog_installed() {
        return;
    }
    let mut compared = 0;
    let mut events = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        let data = common::load(&path);
        let ours = walk(&data);
        let (theirs, error_at) = mariadb_binlog_events(&path, &data).unwrap();
        match error_at {
            // mariadb-binlog stopped at an event it could not read: everything before agrees,
            // and the event there is one we either decode (types it does not know) or report
            // as damaged at that very offset.
            Some(at) => {
                // START_ENCRYPTION is consumed by mariadb-binlog without a dump.
                let before: Vec<_> = ours
                    .events
                    .iter()
                    .filter(|e| e.0 < at && e.1 != EventType::MARIA_START_ENCRYPTION.0)
                    .copied()
                    .collect();
                assert_eq!(before, theirs, "{name}");
                let we_stop_there = ours.error.as_ref().is_some_and(|e| e.offset == at);
                let we_read_it = ours.events.iter().any(|e| e.0 == at);
                assert!(we_stop_there || we_read_it, "{name}: nothing at {at}");
            }
            None => {
                let ours = uncompressed_view(&data, &ours.events);
                assert_eq!(ours, theirs, "{name}");
                compared += 1;
                events += theirs.len();
            }
        }
    }
    assert!(compared >= 80, "compared {compared} files");
    eprintln!("mariadb-binlog agrees on {compared} files, {events} events");
}

#[test]
fn damaged_fixtures_end_with_an_error_where_mariadb_binlog_fails() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let damaged = common::damaged_on_purpose(&dir);
    assert!(!damaged.is_empty());
    let mut checked = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        if !damaged.iter().any(|d| name.ends_with(d.as_str())) {
            continue;
        }
        let data = common::load(&path);
        let ours = walk(&data);
        let (theirs, their_error) = mariadb_binlog_events(&path, &data).unwrap();
        let their_error = their_error.expect("mariadb-binlog reports the damage");
        // Structural damage ends the walk; damage inside a body shows when it is decoded.
        let (offset, kind) = match &ours.error {
            Some(err) => (err.offset, err.kind.clone()),
            None => {
                let err = first_decode_error(&data).expect("damage found by decoding");
                (err.offset, err.kind)
            }
        };
        assert_eq!(offset, their_error, "{name}: {kind}");
        match &ours.error {
            Some(_) => assert!(
                matches!(
                    kind,
                    ErrorKind::TruncatedHeader { .. } | ErrorKind::TruncatedEvent { .. }
                ),
                "{name}: {kind}"
            ),
            None => assert!(
                matches!(kind, ErrorKind::Malformed { .. }),
                "{name}: {kind}"
            ),
        }
        // Every good event before the damage was yielded, as mariadb-binlog read them.
        let before: Vec<Row> = ours
            .events
            .iter()
            .filter(|e| e.0 < offset)
            .copied()
            .collect();
        assert_eq!(before, theirs, "{name}");
        checked += 1;
    }
    assert_eq!(checked, damaged.len());
}

/// The first event whose body does not decode.
fn first_decode_error(data: &[u8]) -> Option<binlog::Error> {
    EventWalk::new(data)
        .filter_map(Result::ok)
        .find_map(|e| binlog::decode(&e).err())
}

/// mariadb-binlog dumps a MariaDB compressed rows event as the plain rows event it
/// inflates to. Give ours the same view: the plain type and the size with the row images
/// inflated, which checks our decompression against MariaDB's.
fn uncompressed_view(data: &[u8], events: &[Row]) -> Vec<Row> {
    let decoded: BTreeMap<u64, binlog::events::Rows<'_>> = EventWalk::new(data)
        .filter_map(Result::ok)
        .filter_map(|e| match binlog::decode(&e) {
            Ok(binlog::EventData::Rows(rows)) if rows.compressed => Some((e.offset, rows)),
            _ => None,
        })
        .collect();
    events
        .iter()
        .map(|&(offset, t, size, end)| match decoded.get(&offset) {
            Some(rows) => {
                let plain = match t {
                    166..=168 => t - 166 + EventType::WRITE_ROWS_V1.0,
                    _ => t - 169 + EventType::WRITE_ROWS_V2.0,
                };
                let v2_extra = if t >= 169 { 2 + rows.extra.len() } else { 0 };
                let packed_len = if rows.column_count < 251 { 1 } else { 3 };
                let inflated = 19
                    + 8
                    + v2_extra
                    + packed_len
                    + rows.columns_before.len()
                    + rows.columns_after.map_or(0, <[u8]>::len)
                    + rows.rows.len()
                    + 4;
                (offset, plain, inflated as u32, end)
            }
            None => (offset, t, size, end),
        })
        .collect()
}

#[test]
fn unknown_event_types_are_skipped_and_counted() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut unknown = 0;
    for path in common::fixture_files(&dir) {
        let data = common::load(&path);
        let mut walk = EventWalk::new(&data);
        let types: Vec<EventType> = walk
            .by_ref()
            .filter_map(Result::ok)
            .map(|e| e.event_type())
            .collect();
        let count = types.iter().filter(|t| !t.is_known()).count() as u64;
        assert_eq!(walk.stats().unknown, count);
        unknown += count;
    }
    assert!(unknown >= 1, "no fixture holds an unknown event type");
}
