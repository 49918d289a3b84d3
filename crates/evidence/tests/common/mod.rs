//! Shared by the integration tests: reading the evidence files under tests/data.

use std::path::Path;

use evidence::text::{ParsedText, TextInput, parse_evidence};

/// Parses one file of tests/data, named relative to it.
pub fn parse_file(relative: &str) -> ParsedText {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_evidence(&[TextInput {
        name: relative,
        text: &text,
    }])
}
