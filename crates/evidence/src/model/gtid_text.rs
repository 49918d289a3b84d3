//! GTID sets and positions kept as the text the server printed.
//!
//! The typed sets of `crates/gtid` are wired in later; until then every GTID set in the model is
//! a [`GtidText`], normalised only in whitespace, so nothing a server printed is lost.

use serde::{Deserialize, Serialize};

/// A MySQL GTID set (`uuid:1-5:7,uuid2:1-3`) or a MariaDB GTID position (`0-1-100,1-2-5`), as
/// text. MySQL prints long sets over several lines (`,\n`); the line breaks and blanks are
/// removed here, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GtidText {
    /// The set, without whitespace. Typed parsing: `crates/gtid` (to be wired by the lead).
    pub text: String,
}

impl GtidText {
    /// Keeps the text without whitespace; `None` when nothing is left.
    pub fn new(text: &str) -> Option<GtidText> {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if text.is_empty() {
            None
        } else {
            Some(GtidText { text })
        }
    }

    /// Whether the text has the shape of a MySQL set or a MariaDB position list. A cheap check
    /// used to recognise a bare line of pasted text as a GTID set, not a full validation.
    pub fn looks_like_gtid_set(text: &str) -> bool {
        let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        !text.is_empty()
            && text
                .trim_end_matches(',')
                .split(',')
                .all(|part| is_mysql_gtid_part(part) || is_mariadb_gtid(part))
    }
}

impl std::fmt::Display for GtidText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `uuid[:tag]:interval[:interval...]`, intervals `N` or `N-M`.
fn is_mysql_gtid_part(part: &str) -> bool {
    let mut pieces = part.split(':');
    let Some(uuid) = pieces.next() else {
        return false;
    };
    if !is_uuid(uuid) {
        return false;
    }
    let mut intervals = 0;
    for piece in pieces {
        if is_interval(piece) {
            intervals += 1;
        } else if !is_tag(piece) {
            return false;
        }
    }
    intervals > 0
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_interval(text: &str) -> bool {
    let mut ends = text.splitn(2, '-');
    let is_number =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()));
    let first = ends.next();
    match ends.next() {
        None => is_number(first),
        Some(last) => is_number(first) && is_number(Some(last)),
    }
}

fn is_tag(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_mariadb_gtid(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_both_flavours() {
        assert!(GtidText::looks_like_gtid_set(
            "c50d7f49-ef3f-11ea-949c-287b09c1cb73:1-17860074:17860076,\na838ba08-c009-11e9-85e1-fa163ea2992d:5"
        ));
        assert!(GtidText::looks_like_gtid_set(
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:fast:1-5"
        ));
        assert!(GtidText::looks_like_gtid_set("0-1-100,1-2-5"));
        assert!(!GtidText::looks_like_gtid_set("Last_Errno: 1062"));
        assert!(!GtidText::looks_like_gtid_set("1-2"));
        assert!(!GtidText::looks_like_gtid_set(
            "c50d7f49-ef3f-11ea-949c-287b09c1cb73"
        ));
    }

    #[test]
    fn strips_line_breaks() {
        let g = GtidText::new("a:1-5,\n  b:1-3").unwrap();
        assert_eq!(g.text, "a:1-5,b:1-3");
        assert!(GtidText::new(" \n").is_none());
    }
}
