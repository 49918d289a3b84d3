//! `CREATE TABLE` text (a dump, a paste) must never panic the reader, and a table it reads
//! cannot have more columns or key parts than the text has bytes.
#![no_main]

use evidence::model::Provenance;
use evidence::text::create_table::create_tables;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let origin = Provenance::pasted("fuzz", 1, 1);
    for table in create_tables(&text, Some("db"), &origin).into_iter().flatten() {
        assert!(table.columns.len() <= text.len());
        let parts: usize = table.indexes.iter().map(|i| i.columns.len()).sum();
        assert!(parts <= text.len());
    }
});
