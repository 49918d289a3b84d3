//! The text parser must take any input without panicking, and what it builds must stay within a
//! constant factor of the input's size (no quadratic growth).
#![no_main]

use evidence::text::{TextInput, parse_evidence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Two inputs so merging is exercised too.
    let mut middle = text.len() / 2;
    while !text.is_char_boundary(middle) {
        middle -= 1;
    }
    let (a, b) = text.split_at(middle);
    let parsed = parse_evidence(&[TextInput { name: "a", text: a }, TextInput { name: "b", text: b }]);
    let size = serde_json::to_string(&parsed).map(|s| s.len()).unwrap_or(0);
    assert!(
        size <= 4096 * text.len() + 65_536,
        "{size} bytes of evidence from {} bytes of text",
        text.len()
    );
    for line in &parsed.not_understood {
        assert!(line.first_line >= 1 && line.first_line <= line.last_line);
    }
});
