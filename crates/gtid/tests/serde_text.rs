//! GTIDs travel through JSON as the text servers print, and come back parsed and checked.

use gtid::{Gtid, GtidPosition, GtidSet, MariaGtid};

#[test]
fn sets_and_positions_round_trip_through_json_as_text() {
    let set: GtidSet =
        "3E11FA47-71CA-11E1-9E33-C80AA9429562:7:1-5,\n4d22fb58-82db-22f2-af44-d91bb5530673:t:1"
            .parse()
            .unwrap();
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(
        json,
        "\"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,4d22fb58-82db-22f2-af44-d91bb5530673:t:1\""
    );
    assert_eq!(serde_json::from_str::<GtidSet>(&json).unwrap(), set);
    // Escaped text (as a server's `,\n` arrives in JSON) parses too.
    let escaped =
        "\"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\\n4d22fb58-82db-22f2-af44-d91bb5530673:2\"";
    assert_eq!(serde_json::from_str::<GtidSet>(escaped).unwrap().count(), 6);

    let position: GtidPosition = "1-2-7,0-1-100".parse().unwrap();
    let json = serde_json::to_string(&position).unwrap();
    assert_eq!(json, "\"0-1-100,1-2-7\"");
    assert_eq!(
        serde_json::from_str::<GtidPosition>(&json).unwrap(),
        position
    );
    let gtid: MariaGtid = serde_json::from_str("\"0-1-100\"").unwrap();
    assert_eq!(gtid.sequence, 100);
    let gtid: Gtid = serde_json::from_str("\"3e11fa47-71ca-11e1-9e33-c80aa9429562:t:9\"").unwrap();
    assert_eq!(gtid.number, 9);
}

#[test]
fn malformed_text_in_json_is_an_error_naming_the_offset() {
    let err =
        serde_json::from_str::<GtidSet>("\"3e11fa47-71ca-11e1-9e33-c80aa9429562:0\"").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("invalid MySQL GTID set at character 37: transaction numbers start at 1"),
        "{err}"
    );
}
