//! Both parsers on arbitrary text: they must return a value or an error, never panic, and what
//! they print must parse back to the same value.
#![no_main]

use gtid::{AnyGtids, Gtid, GtidPosition, GtidSet, MariaGtid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = text.parse::<GtidSet>() {
        let printed = set.to_string();
        assert_eq!(printed.parse::<GtidSet>().as_ref(), Ok(&set), "{printed}");
        assert_eq!(format!("{set:#}").parse::<GtidSet>().as_ref(), Ok(&set));
        let holes = set.holes();
        assert!(holes.intersection(&set).is_empty());
        assert_eq!(set.union(&holes).holes(), GtidSet::new());
        assert_eq!(set.difference(&set), GtidSet::new());
    }
    if let Ok(position) = text.parse::<GtidPosition>() {
        let printed = position.to_string();
        assert_eq!(printed.parse::<GtidPosition>().as_ref(), Ok(&position), "{printed}");
    }
    if let Ok(gtid) = text.parse::<Gtid>() {
        assert_eq!(gtid.to_string().parse::<Gtid>().as_ref(), Ok(&gtid));
    }
    if let Ok(gtid) = text.parse::<MariaGtid>() {
        assert_eq!(gtid.to_string().parse::<MariaGtid>().as_ref(), Ok(&gtid));
    }
    if let Err(err) = AnyGtids::parse(text) {
        assert!(err.offset <= text.chars().count());
        assert!(!err.to_string().contains('\n'));
    }
});
