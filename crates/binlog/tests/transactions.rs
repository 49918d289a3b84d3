//! Transactions over every fixture: invariants that hold for any file, the GTIDs compared with
//! `mysql_common`'s reading of the GTID events, and the look-ups by position and GTID.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use binlog::{EventType, EventWalk, Transaction, find_by_gtid, find_by_position, transactions};
use mysql_common::binlog::BinlogFile;
use mysql_common::binlog::consts::BinlogVersion;
use mysql_common::binlog::events::EventData as McData;

/// GTIDs (non-anonymous) of the MySQL GTID events of a file, as `mysql_common` reads them.
fn mysql_common_gtids(data: &[u8]) -> Option<Vec<String>> {
    catch_unwind(AssertUnwindSafe(|| {
        let file = BinlogFile::new(BinlogVersion::Version4, data).ok()?;
        let mut out = Vec::new();
        for event in file {
            if let Ok(Some(McData::GtidEvent(g))) = event.ok()?.read_data() {
                let uuid = binlog::events::gtid::format_uuid(&g.sid());
                out.push(match g.tag() {
                    Some(tag) => format!("{uuid}:{tag}:{}", g.gno()),
                    None => format!("{uuid}:{}", g.gno()),
                });
            }
        }
        Some(out)
    }))
    .ok()
    .flatten()
}

#[test]
fn transactions_are_ordered_disjoint_and_end_on_a_commit() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let damaged = common::damaged_on_purpose(&dir);
    let mut total = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        if damaged.iter().any(|d| name.ends_with(d.as_str())) {
            continue;
        }
        let data = common::load(&path);
        let ends: std::collections::HashMap<u64, EventType> = EventWalk::new(&data)
            .filter_map(Result::ok)
            .map(|e| (e.end_offset(), e.event_type()))
            .collect();
        let list: Vec<Transaction> = transactions(&data).filter_map(Result::ok).collect();
        let mut previous_end = 0;
        // Look-ups walk the file each time: try them on up to 20 transactions per file.
        let lookup_every = list.len().div_ceil(20).max(1);
        for (i, t) in list.iter().enumerate() {
            assert!(
                t.start_offset >= previous_end,
                "{name}: overlap at {}",
                t.start_offset
            );
            assert!(t.end_offset > t.start_offset, "{name}");
            previous_end = t.end_offset;
            if t.complete {
                let last = ends[&t.end_offset];
                assert!(
                    matches!(
                        last,
                        EventType::XID
                            | EventType::QUERY
                            | EventType::MARIA_QUERY_COMPRESSED
                            | EventType::XA_PREPARE
                            | EventType::EXECUTE_LOAD_QUERY
                            | EventType::TRANSACTION_PAYLOAD
                    ),
                    "{name}: transaction at {} ends with {last}",
                    t.start_offset
                );
            }
            if i % lookup_every != 0 {
                continue;
            }
            // Look-ups find the same transaction again.
            assert_eq!(
                find_by_position(&data, t.end_offset).unwrap().as_ref(),
                Some(t),
                "{name}"
            );
            if let Some(gtid) = &t.gtid {
                assert_eq!(
                    find_by_gtid(&data, gtid).unwrap().map(|f| f.start_offset),
                    Some(t.start_offset),
                    "{name}: {gtid}"
                );
            }
        }
        total += list.len();
    }
    assert!(total > 5_000, "{total} transactions");
}

#[test]
fn mysql_gtids_match_mysql_common() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut files = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        let data = common::load(&path);
        let Some(expected) = mysql_common_gtids(&data) else {
            continue;
        };
        if expected.is_empty() {
            continue;
        }
        let ours: Vec<String> = transactions(&data)
            .filter_map(Result::ok)
            .filter_map(|t| t.gtid)
            .filter(|g| !g.contains('-') || g.contains(':'))
            .collect();
        assert_eq!(ours, expected, "{name}");
        files += 1;
    }
    assert!(files >= 15, "{files} files with MySQL GTIDs");
}

#[test]
fn mariadb_gtids_are_one_transaction_each() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut gtids = 0;
    for path in common::fixture_files(&dir) {
        let data = common::load(&path);
        let events: Vec<_> = EventWalk::new(&data).filter_map(Result::ok).collect();
        let starts: Vec<u64> = events
            .iter()
            .filter(|e| e.event_type() == EventType::MARIA_GTID)
            .map(|e| e.offset)
            .collect();
        let ours: Vec<u64> = transactions(&data)
            .filter_map(Result::ok)
            .filter(|t| t.gtid.as_deref().is_some_and(|g| !g.contains(':')))
            .map(|t| t.start_offset)
            .collect();
        assert_eq!(ours, starts, "{}", path.display());
        gtids += starts.len();
    }
    assert!(gtids > 5_000);
}

#[test]
fn a_start_offset_inside_an_event_names_the_events_around_it() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut checked = 0;
    for path in common::fixture_files(&dir).into_iter().take(40) {
        let data = common::load(&path);
        let events: Vec<_> = EventWalk::new(&data).filter_map(Result::ok).collect();
        let Some(pair) = events.windows(2).nth(2) else {
            continue;
        };
        let (a, b) = (pair[0].offset, pair[1].offset);
        // An event start is accepted and yields that event first.
        let first = EventWalk::new(&data).start_at(b).next().unwrap().unwrap();
        assert_eq!(first.offset, b);
        // A byte inside the event before it is refused with both neighbours.
        let err = EventWalk::new(&data)
            .start_at(a + 1)
            .next()
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err.kind,
            binlog::ErrorKind::NotAnEventStart {
                previous: a,
                next: b
            },
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 20);
}

#[test]
fn transactions_are_found_by_their_time() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let damaged = common::damaged_on_purpose(&dir);
    let mut checked = 0;
    for path in common::fixture_files(&dir) {
        if damaged.iter().any(|d| path.ends_with(d)) {
            continue;
        }
        let data = common::load(&path);
        let list: Vec<Transaction> = transactions(&data).filter_map(Result::ok).collect();
        let Some(t) = list.get(list.len() / 2) else {
            continue;
        };
        let found = binlog::find_in_time_window(&data, t.timestamp, t.timestamp).unwrap();
        assert!(found.contains(t), "{}", path.display());
        assert!(found.iter().all(|f| f.timestamp == t.timestamp));
        let expected = list.iter().filter(|f| f.timestamp == t.timestamp).count();
        assert_eq!(found.len(), expected);
        checked += 1;
    }
    assert!(checked >= 50);
}
