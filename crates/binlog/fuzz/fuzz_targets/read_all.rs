//! Everything the reader does with a file, on hostile bytes: the walk with checksums, the
//! decoding of every body (payload contents and MariaDB compressed events included), the row
//! values of every rows event, and the transactions rendered as SQL, undo SQL and JSON. None of
//! it may panic or allocate beyond the input's size.

#![no_main]

use binlog::values::{TableMaps, json};
use binlog::{EventData, EventWalk, Options, Render, Value, decode, transactions_with};
use libfuzzer_sys::fuzz_target;

fn values(maps: &mut TableMaps, data: &EventData<'_>) {
    match data {
        EventData::TableMap(m) => {
            maps.insert(m);
        }
        EventData::Rows(r) => {
            if let Some(schema) = maps.get(r.table_id) {
                for row in schema.rows(r) {
                    let Ok(row) = row else { break };
                    for (_, v) in row.before.iter().chain(&row.after).flatten() {
                        if let Value::Json(doc, at) = v {
                            let _ = json::write_json_text(doc, *at, &mut String::new());
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    // The checksum would reject nearly every mutation: read without it too.
    for verify in [true, false] {
        let mut maps = TableMaps::default();
        for event in EventWalk::new(data).verify_checksums(verify) {
            let Ok(event) = event else { break };
            let Ok(body) = decode(&event) else { continue };
            let _ = binlog::summary(&body);
            values(&mut maps, &body);
            if let EventData::TransactionPayload(p) = &body {
                if let Ok(inner) = p.decompress() {
                    for e in p.inner_events(&inner) {
                        let Ok(e) = e else { break };
                        if let Ok(d) = decode(&e) {
                            values(&mut maps, &d);
                        }
                    }
                }
            }
        }
    }
    for undo in [false, true] {
        let options = Options {
            render: Render {
                sql: true,
                undo,
                json: true,
                for_reading: false,
            },
            skip_checksums: true,
            ..Options::default()
        };
        for t in transactions_with(data, options) {
            if t.is_err() {
                break;
            }
        }
    }
});
