//! Reading typed values out of the text a server printed for a column.

use serde::{Deserialize, Serialize};

use super::gtid_text::GtidText;
use super::time::LogTime;

/// One column exactly as the server named and printed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawField {
    pub name: String,
    pub value: String,
}

impl RawField {
    /// Keeps a column as printed in `raw` and returns its name in lower case, for matching.
    pub(crate) fn record(raw: &mut Vec<RawField>, name: &str, value: &str) -> String {
        let name = name.trim();
        raw.push(RawField {
            name: name.to_owned(),
            value: value.to_owned(),
        });
        name.to_ascii_lowercase()
    }
}

/// A value that can be read from a column's text. `NULL`, an empty string and text that does
/// not parse all read as "absent"; the raw text stays in the item's `raw` list.
pub(crate) trait FieldValue: Sized {
    fn from_text(text: &str) -> Option<Self>;
}

fn present(text: &str) -> Option<&str> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("NULL") {
        None
    } else {
        Some(text)
    }
}

impl FieldValue for String {
    fn from_text(text: &str) -> Option<Self> {
        present(text).map(str::to_owned)
    }
}

impl FieldValue for u64 {
    fn from_text(text: &str) -> Option<Self> {
        present(text)?.parse().ok()
    }
}

impl FieldValue for u32 {
    fn from_text(text: &str) -> Option<Self> {
        present(text)?.parse().ok()
    }
}

impl FieldValue for i64 {
    fn from_text(text: &str) -> Option<Self> {
        present(text)?.parse().ok()
    }
}

impl FieldValue for bool {
    fn from_text(text: &str) -> Option<Self> {
        parse_switch(present(text)?)
    }
}

impl FieldValue for LogTime {
    fn from_text(text: &str) -> Option<Self> {
        LogTime::parse(present(text)?)
    }
}

impl FieldValue for GtidText {
    fn from_text(text: &str) -> Option<Self> {
        GtidText::new(present(text)?)
    }
}

/// Reads the spellings servers use for on/off switches: `ON`/`OFF`, `1`/`0`, `Yes`/`No`,
/// `TRUE`/`FALSE`.
pub fn parse_switch(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "yes" | "true" => Some(true),
        "off" | "0" | "no" | "false" => Some(false),
        _ => None,
    }
}
