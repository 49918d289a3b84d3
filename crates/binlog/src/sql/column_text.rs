//! Which bytes of a column are text, and the names of a SET value's members: read the same way
//! by the SQL and the JSON rendering.

use crate::values::Column;

/// Collation ids of the utf8mb3/utf8mb4 families of both flavors.
#[inline]
pub(super) fn is_utf8_collation(id: u64) -> bool {
    matches!(id, 33 | 45 | 46 | 76 | 83 | 192..=215 | 223..=247 | 255..=323 | 576..=579 | 608..=611 | 2048..=2559)
}

/// Whether text in this collation's character set writes ASCII characters as ASCII bytes (not
/// UCS-2, UTF-16 or UTF-32). An id not known is taken as not.
#[inline]
pub(super) fn is_ascii_compatible(id: u64) -> bool {
    use mysql_common::collations::{Collation, CollationId};
    if is_utf8_collation(id) {
        return true;
    }
    // MariaDB's UCA 14.0 collations: the charset number in bits 8 and up (8 utf8mb3, 9
    // utf8mb4, 10 ucs2, 11 utf16, 12 utf32).
    if id >= 2048 {
        return false;
    }
    let Ok(id) = u16::try_from(id) else {
        return false;
    };
    let collation = Collation::resolve(CollationId::from(id));
    collation.id != CollationId::UNKNOWN_COLLATION_ID
        && !matches!(collation.charset, "ucs2" | "utf16" | "utf16le" | "utf32")
}

/// The bytes of a text column as text, under the rule of
/// [`write_text_literal`](super::row_sql::write_text_literal).
pub(super) fn as_text<'v>(bytes: &'v [u8], column: &Column) -> Option<&'v str> {
    if !column.is_text() {
        return None;
    }
    // ASCII is UTF-8, so one pass over the bytes tells both.
    if column.charset.is_none_or(is_utf8_collation) || bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// The member names of a SET value, when the binlog gave them and they cover its bits.
pub(super) fn set_members(column: &Column, bits: u64) -> Option<String> {
    if column.members.is_empty() || (column.members.len() < 64 && bits >> column.members.len() != 0)
    {
        return None;
    }
    let names: Vec<String> = column
        .members
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, m)| String::from_utf8_lossy(m).into_owned())
        .collect();
    Some(names.join(","))
}
