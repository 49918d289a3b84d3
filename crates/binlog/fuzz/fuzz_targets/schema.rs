//! `Schema::parse` over any text: an error or column names, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(schema) = binlog::Schema::parse(&text) {
        assert!(!schema.is_empty());
    }
});
