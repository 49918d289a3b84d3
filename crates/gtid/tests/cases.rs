//! The GTID arithmetic of the founding incidents (../shared/cases.md, cases 4 and 5), on their
//! literal sets. The write-ups elide the UUIDs; a fixed one stands in.

use std::collections::BTreeSet;

use gtid::compare::{DEFAULT_IN_FLIGHT_WINDOW, MysqlInput, compare_mysql};
use gtid::{GtidSet, Uuid};

const SOURCE_UUID: &str = "8a94f357-aab4-11df-86ab-c80aa9429562";
const REPLICA_UUID: &str = "b5c1d2e3-0f12-11ee-9a6b-0242ac120003";

fn set(text: &str) -> GtidSet {
    text.parse().unwrap()
}

#[test]
fn case_4_replica_ahead_of_its_source_on_the_source_uuid() {
    let source = set(&format!("{SOURCE_UUID}:1-1080678246"));
    let replica = set(&format!("{SOURCE_UUID}:1-1081067155"));
    let comparison = compare_mysql(&MysqlInput {
        source_executed: &source,
        replica_executed: &replica,
        source_purged: None,
        source_uuid: Some(SOURCE_UUID.parse().unwrap()),
        ignore: &BTreeSet::new(),
        in_flight_window: DEFAULT_IN_FLIGHT_WINDOW,
    });
    assert_eq!(
        comparison.errant.to_string(),
        format!("{SOURCE_UUID}:1080678247-1081067155")
    );
    assert_eq!(comparison.errant_count, 388_909);
    assert!(comparison.missing.is_empty());
    let [ahead] = comparison.ahead_of_source.as_slice() else {
        panic!("expected one UUID ahead: {:?}", comparison.ahead_of_source);
    };
    assert_eq!(ahead.is_source_own_uuid, Some(true));
    assert_eq!(
        (ahead.source_last, ahead.replica_last, ahead.count),
        (1_080_678_246, 1_081_067_155, 388_909)
    );
    assert_eq!(ahead.transactions, comparison.errant);
}

#[test]
fn case_4_errant_writes_on_the_replica_are_not_ahead_of_the_source() {
    let source = set(&format!("{SOURCE_UUID}:1-1080678246"));
    let replica = set(&format!("{SOURCE_UUID}:1-1080678246,\n{REPLICA_UUID}:1-3"));
    let ignore = BTreeSet::new();
    let input = MysqlInput {
        source_executed: &source,
        replica_executed: &replica,
        source_purged: None,
        source_uuid: None,
        ignore: &ignore,
        in_flight_window: DEFAULT_IN_FLIGHT_WINDOW,
    };
    let comparison = compare_mysql(&input);
    assert_eq!(comparison.errant.to_string(), format!("{REPLICA_UUID}:1-3"));
    assert!(comparison.ahead_of_source.is_empty());
    // The same UUID passed as a legitimate other upstream is ignored, and said so.
    let ignore: BTreeSet<Uuid> = BTreeSet::from([REPLICA_UUID.parse().unwrap()]);
    let comparison = compare_mysql(&MysqlInput {
        ignore: &ignore,
        ..input
    });
    assert!(comparison.errant.is_empty());
    assert_eq!(comparison.ignored_uuids, vec![REPLICA_UUID.to_owned()]);
    assert_eq!(
        comparison.ignored.to_string(),
        format!("{REPLICA_UUID}:1-3")
    );
}

#[test]
fn case_5_parallel_tail_holes_and_the_1236_they_predict() {
    // `A:1-92:94-96:98-100`: the holes of a parallel applier at work.
    let replica = set(&format!("{SOURCE_UUID}:1-92:94-96:98-100"));
    let source = set(&format!("{SOURCE_UUID}:1-200"));
    let ignore = BTreeSet::new();
    let input = MysqlInput {
        source_executed: &source,
        replica_executed: &replica,
        source_purged: None,
        source_uuid: None,
        ignore: &ignore,
        in_flight_window: DEFAULT_IN_FLIGHT_WINDOW,
    };
    let comparison = compare_mysql(&input);
    assert_eq!(
        comparison.replica_holes.tail.to_string(),
        format!("{SOURCE_UUID}:93:97")
    );
    assert!(comparison.replica_holes.interior.is_empty());
    assert_eq!(
        comparison.missing.to_string(),
        format!("{SOURCE_UUID}:93:97:101-200")
    );
    assert_eq!(comparison.missing_count, 102);
    assert_eq!(comparison.missing_purged, None);
    // The applier stopped: the same holes persist.
    let stopped = compare_mysql(&MysqlInput {
        in_flight_window: 0,
        ..input.clone()
    });
    assert_eq!(
        stopped.replica_holes.interior.to_string(),
        format!("{SOURCE_UUID}:93:97")
    );
    // The source purged up to 150: the replica can no longer catch up.
    let purged = set(&format!("{SOURCE_UUID}:1-150"));
    let comparison = compare_mysql(&MysqlInput {
        source_purged: Some(&purged),
        ..input.clone()
    });
    assert_eq!(
        comparison.missing_purged.unwrap().to_string(),
        format!("{SOURCE_UUID}:93:97:101-150")
    );
    // Purged only up to 92: everything missing is still in the source's binlogs.
    let purged = set(&format!("{SOURCE_UUID}:1-92"));
    let comparison = compare_mysql(&MysqlInput {
        source_purged: Some(&purged),
        ..input
    });
    assert!(comparison.missing_purged.unwrap().is_empty());
}

#[test]
fn case_5_a_change_master_to_a_position_leaves_a_lasting_hole() {
    let replica = set(&format!("{SOURCE_UUID}:1-172884:172886-900000"));
    let comparison = compare_mysql(&MysqlInput {
        source_executed: &replica,
        replica_executed: &replica,
        source_purged: None,
        source_uuid: None,
        ignore: &BTreeSet::new(),
        in_flight_window: DEFAULT_IN_FLIGHT_WINDOW,
    });
    assert_eq!(
        comparison.replica_holes.interior.to_string(),
        format!("{SOURCE_UUID}:172885")
    );
    assert!(comparison.replica_holes.tail.is_empty());
}
