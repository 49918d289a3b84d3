//! Fixtures damaged on purpose, one byte or one field at a time: each must be damage, found
//! by the walk or by decoding, never read as if it were fine.

mod common;

use binlog::{ChecksumAlg, ErrorKind, EventType, EventWalk, decode};

fn fixture(name: &str) -> Option<Vec<u8>> {
    Some(common::load(&common::fixtures_dir()?.join(name)))
}

/// The FORMAT_DESCRIPTION event (after the magic) as (start, end).
fn fde_span(data: &[u8]) -> (usize, usize) {
    let size = u32::from_le_bytes(data[4 + 9..4 + 13].try_into().unwrap()) as usize;
    assert_eq!(data[4 + 4], EventType::FORMAT_DESCRIPTION.0);
    (4, 4 + size)
}

/// The walk's first error, if any.
fn walk_error(data: &[u8]) -> Option<ErrorKind> {
    EventWalk::new(data).find_map(Result::err).map(|e| e.kind)
}

/// Recomputes the CRC32 of the event at `start..end` (the FDE's in-use flag cleared, as the
/// server computes it).
fn reseal(data: &mut [u8], start: usize, end: usize) {
    let mut framed = data[start..end - 4].to_vec();
    framed[17] &= !1;
    let crc = crc32fast::hash(&framed);
    data[end - 4..end].copy_from_slice(&crc.to_le_bytes());
}

/// Servers that know checksums seal the FDE with a valid CRC32 whatever algorithm it names:
/// a flipped algorithm byte or version digit is a checksum mismatch, with checksums on or off.
#[test]
fn a_flipped_byte_in_the_format_description_is_damage() {
    for name in [
        "mysql-binlog-connector-java/mysql-bin.checksum-none",
        "generated-mariadb-10.11/primary/mariadb-bin.000007",
        "rust_mysql_common/mysql_type_bit.000001",
    ] {
        let Some(data) = fixture(name) else {
            return;
        };
        assert_eq!(walk_error(&data), None, "{name} reads clean");
        let (start, end) = fde_span(&data);
        let mut alg_flipped = data.clone();
        alg_flipped[end - 5] ^= 1;
        assert!(
            matches!(
                walk_error(&alg_flipped),
                Some(ErrorKind::ChecksumMismatch { .. })
            ),
            "{name}: algorithm byte flipped: {:?}",
            walk_error(&alg_flipped)
        );
        let mut version_flipped = data.clone();
        // The patch digit of the version ("5.7.20" -> "5.7.21" and so on).
        let version_at = start + 19 + 2;
        let digit = (version_at..version_at + 50)
            .filter(|&i| data[i].is_ascii_digit())
            .nth(2)
            .unwrap();
        version_flipped[digit] ^= 1;
        assert!(
            matches!(
                walk_error(&version_flipped),
                Some(ErrorKind::ChecksumMismatch { .. })
            ),
            "{name}: version digit flipped: {:?}",
            walk_error(&version_flipped)
        );
        // An algorithm neither flavor defines, even sealed with a valid CRC32, is damage.
        let mut unknown = data.clone();
        unknown[end - 5] = 7;
        reseal(&mut unknown, start, end);
        assert!(
            matches!(
                walk_error(&unknown),
                Some(ErrorKind::UnsupportedFormat { .. })
            ),
            "{name}: algorithm 7: {:?}",
            walk_error(&unknown)
        );
        // Unless checksums are not verified: then it reads as no checksum, as before.
        let first = EventWalk::new(&unknown)
            .verify_checksums(false)
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(first.format.checksum, ChecksumAlg::Other(7));
    }
}

/// A PREVIOUS_GTIDS event of 8 bytes claiming 2^63 entries, or 2^40 with an untagged count.
#[test]
fn a_previous_gtids_count_beyond_its_bytes_is_damage() {
    let name = "rust_mysql_common/binlog_transaction_previous_GTID_no_tag.000001";
    let Some(data) = fixture(name) else {
        return;
    };
    let event = EventWalk::new(&data)
        .map(Result::unwrap)
        .find(|e| e.event_type() == EventType::PREVIOUS_GTIDS)
        .unwrap();
    let start = event.offset as usize;
    for claimed in [1u64 << 63, 1 << 40, 2] {
        // The event cut to an 8-byte body holding the count alone.
        let mut hostile = data[..start + 19].to_vec();
        hostile.extend(claimed.to_le_bytes());
        hostile.extend([0; 4]);
        let new_end = hostile.len();
        hostile[start + 9..start + 13].copy_from_slice(&((new_end - start) as u32).to_le_bytes());
        hostile[start + 13..start + 17].copy_from_slice(&(new_end as u32).to_le_bytes());
        reseal(&mut hostile, start, new_end);
        let event = EventWalk::new(&hostile)
            .map(Result::unwrap)
            .find(|e| e.event_type() == EventType::PREVIOUS_GTIDS)
            .unwrap();
        let err = decode(&event).unwrap_err();
        assert!(
            err.to_string().contains("entries") || err.to_string().contains("format"),
            "{claimed}: {err}"
        );
    }
}
