//! Row values of every fixture, split by our reader and compared with two independent readers:
//! `mysql_common`'s row decoding (MySQL files) and the `mariadb-binlog --base64-output=decode-rows
//! -vv` printouts kept beside the MariaDB fixtures. Expected values come from the oracles; this
//! file only converts our typed values into each oracle's way of printing them.

mod common;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use binlog::events::table_map::column_type as ct;
use binlog::values::{Column, TableMaps, json};
use binlog::{EventData, EventWalk, TableSchema, Value, decode};
use mysql_common::binlog::BinlogFile;
use mysql_common::binlog::consts::BinlogVersion;
use mysql_common::binlog::events::EventData as McData;
use mysql_common::binlog::value::BinlogValue;
use mysql_common::value::Value as McValue;

/// Calls `f` with every rows event of a file (payload contents included) and the schema of its
/// table, in file order, until the first walk error.
fn for_each_rows_event(data: &[u8], mut f: impl FnMut(&TableSchema, &binlog::events::Rows<'_>)) {
    fn feed(
        maps: &mut TableMaps,
        data: &EventData<'_>,
        f: &mut impl FnMut(&TableSchema, &binlog::events::Rows<'_>),
    ) {
        match data {
            EventData::TableMap(m) => {
                maps.insert(m);
            }
            EventData::Rows(r) => {
                let schema = maps
                    .get(r.table_id)
                    .expect("rows event without its table map");
                f(schema, r);
            }
            _ => {}
        }
    }
    let mut maps = TableMaps::default();
    for event in EventWalk::new(data) {
        let Ok(event) = event else { break };
        let Ok(body) = decode(&event) else { continue };
        feed(&mut maps, &body, &mut f);
        if let EventData::TransactionPayload(p) = &body {
            let inner = p.decompress().unwrap();
            for e in p.inner_events(&inner) {
                let e = e.unwrap();
                feed(&mut maps, &decode(&e).unwrap(), &mut f);
            }
        }
    }
}

/// JSON text of a binary document (the oracle comparisons parse it back).
fn json_text(doc: &[u8], offset: u64) -> String {
    let mut s = String::new();
    json::write_json_text(doc, offset, &mut s).unwrap();
    s
}

#[test]
fn every_row_of_every_intact_fixture_decodes() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let damaged = common::damaged_on_purpose(&dir);
    let mut types = BTreeMap::<&'static str, u64>::new();
    let mut rows = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        if damaged.iter().any(|d| name.ends_with(d.as_str())) {
            continue;
        }
        let data = common::load(&path);
        for_each_rows_event(&data, |schema, event| {
            for row in schema.rows(event) {
                let row = row.unwrap_or_else(|e| panic!("{name}: {e:?}"));
                for (i, value) in row.before.iter().chain(&row.after).flatten() {
                    if *value != Value::Null {
                        *types
                            .entry(ct::name(schema.columns[*i].column_type))
                            .or_default() += 1;
                    }
                    if let Value::Json(doc, at) = value {
                        json_text(doc, *at);
                    }
                }
                rows += 1;
            }
        });
    }
    eprintln!("{rows} rows; non-NULL values by type: {types:?}");
    for t in [
        "TINY",
        "SHORT",
        "INT24",
        "LONG",
        "LONGLONG",
        "FLOAT",
        "DOUBLE",
        "NEWDECIMAL",
        "DATE",
        "TIME2",
        "DATETIME",
        "DATETIME2",
        "TIMESTAMP",
        "TIMESTAMP2",
        "YEAR",
        "STRING",
        "VARCHAR",
        "BLOB",
        "ENUM",
        "SET",
        "BIT",
        "JSON",
        "GEOMETRY",
        "VECTOR",
    ] {
        assert!(types.contains_key(t), "no {t} value in the fixtures");
    }
    assert!(rows > 2_000, "{rows} rows");
}

/// Whether our value equals `mysql_common`'s reading of the same column, `Err` with both
/// when not. `mysql_common` prints some types its own way; each arm converts ours to it.
fn same_as_mysql_common(
    ours: &Value<'_>,
    column: &Column,
    theirs: &BinlogValue<'_>,
) -> Result<(), String> {
    let mismatch = || Err(format!("ours {ours:?} ({column:?}), theirs {theirs:?}"));
    let BinlogValue::Value(t) = theirs else {
        return match (ours, theirs) {
            (Value::Json(doc, at), BinlogValue::Jsonb(j)) => {
                let ours: serde_json::Value = serde_json::from_str(&json_text(doc, *at)).unwrap();
                let theirs: serde_json::Value = j.clone().parse().unwrap().into();
                if json_equal(&ours, &theirs) {
                    Ok(())
                } else {
                    Err(format!("JSON ours {ours}, theirs {theirs}"))
                }
            }
            (Value::JsonDiff(diffs), BinlogValue::JsonDiff(theirs)) => {
                let same = diffs.len() == theirs.len()
                    && diffs.iter().zip(theirs).all(|(o, t)| {
                        o.path == t.path()
                            && o.value
                                .map(|v| json_text(v, o.value_offset))
                                .map(|s| serde_json::from_str::<serde_json::Value>(&s).unwrap())
                                == t.value().map(|v| v.clone().parse().unwrap().into())
                    });
                if same { Ok(()) } else { mismatch() }
            }
            _ => mismatch(),
        };
    };
    let equal = match (ours, t) {
        (Value::Null, McValue::NULL) => true,
        // mysql_common does not sign-extend MEDIUMINT.
        (Value::Int(o), McValue::Int(t)) if column.column_type == ct::INT24 => o & 0xff_ffff == *t,
        (Value::Int(o), McValue::Int(t)) => o == t,
        (Value::UInt(o), McValue::UInt(t)) => o == t,
        // mysql_common reads MEDIUMINT UNSIGNED into an Int.
        (Value::UInt(o), McValue::Int(t)) => i64::try_from(*o).ok() == Some(*t),
        (Value::Float(o), McValue::Float(t)) => o.to_bits() == t.to_bits(),
        (Value::Double(o), McValue::Double(t)) => o.to_bits() == t.to_bits(),
        (Value::Decimal(d), McValue::Bytes(t)) => d.to_string().as_bytes() == t.as_slice(),
        (Value::Date(d), McValue::Date(y, m, day, 0, 0, 0, 0)) => {
            (d.year, d.month, d.day) == (*y, *m, *day)
        }
        (Value::DateTime(d), McValue::Date(y, m, day, h, mi, s, us)) => {
            (
                d.date.year,
                d.date.month,
                d.date.day,
                d.hour,
                d.minute,
                d.second,
                d.micros,
            ) == (*y, *m, *day, *h, *mi, *s, *us)
        }
        (Value::Time(o), McValue::Time(neg, days, h, m, s, us)) => {
            // The old TIME form loses its sign in mysql_common.
            (o.negative == *neg || column.column_type == ct::TIME)
                && o.hours == days * 24 + u32::from(*h)
                && (o.minutes, o.seconds, o.micros) == (*m, *s, *us)
        }
        (Value::Timestamp(ts), McValue::Int(t)) => i64::from(ts.seconds) == *t,
        (Value::Timestamp(ts), McValue::Bytes(t)) => {
            let expected = if ts.micros == 0 {
                ts.seconds.to_string()
            } else {
                format!("{}.{:06}", ts.seconds, ts.micros)
            };
            expected.as_bytes() == t.as_slice()
        }
        // mysql_common prints the zero YEAR as 1900.
        (Value::Year(0), McValue::Bytes(t)) => t == b"1900",
        (Value::Year(y), McValue::Bytes(t)) => y.to_string().as_bytes() == t.as_slice(),
        (Value::Bytes(o) | Value::Geometry(o) | Value::Vector(o), McValue::Bytes(t)) => {
            *o == t.as_slice()
        }
        (Value::Enum(o), McValue::Int(t)) => i64::from(*o) == *t,
        (Value::Set(o), McValue::Bytes(t)) => {
            let mut bytes = [0u8; 8];
            bytes[..t.len()].copy_from_slice(t);
            *o == u64::from_le_bytes(bytes)
        }
        (Value::Bit(o), McValue::Bytes(t)) => {
            *o == t.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
        }
        _ => false,
    };
    if equal { Ok(()) } else { mismatch() }
}

/// JSON equality where `mysql_common` turns DECIMAL scalars into strings (we print numbers, as
/// MySQL does).
fn json_equal(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (J::Number(o), J::String(t)) => o.to_string() == *t || o.as_f64() == t.parse().ok(),
        (J::Array(o), J::Array(t)) => {
            o.len() == t.len() && o.iter().zip(t).all(|(a, b)| json_equal(a, b))
        }
        (J::Object(o), J::Object(t)) => {
            o.len() == t.len()
                && o.iter()
                    .all(|(k, v)| t.get(k).is_some_and(|tv| json_equal(v, tv)))
        }
        _ => ours == theirs,
    }
}

/// `mysql_common`'s before and after images of one row.
type TheirRow = (
    Option<Vec<BinlogValue<'static>>>,
    Option<Vec<BinlogValue<'static>>>,
);

#[test]
fn row_values_match_mysql_common() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let mut compared = BTreeMap::<&'static str, u64>::new();
    let mut files = 0;
    for path in common::fixture_files(&dir) {
        let name = common::rel(&dir, &path);
        let data = common::load(&path);
        // Theirs: per rows event, its rows, each value kept with its debug form for messages.
        let theirs = catch_unwind(AssertUnwindSafe(|| {
            let mut file = BinlogFile::new(BinlogVersion::Version4, &data[..]).ok()?;
            let mut out: Vec<Vec<TheirRow>> = Vec::new();
            let mut rows_of = |file: &BinlogFile<&[u8]>, data: &McData<'_>| -> Option<()> {
                if let McData::RowsEvent(r) = data {
                    let tme = file.reader().get_tme(r.table_id())?;
                    let mut rows = Vec::new();
                    for row in r.rows(tme) {
                        let (b, a) = row.ok()?;
                        rows.push((b.map(|b| b.unwrap()), a.map(|a| a.unwrap())));
                    }
                    out.push(rows);
                }
                Some(())
            };
            while let Some(event) = file.next() {
                let event = event.ok()?;
                let data = event.read_data().ok()?;
                if let Some(d) = &data {
                    rows_of(&file, d)?;
                }
                if let Some(McData::TransactionPayloadEvent(p)) = data {
                    let mut reader = p.decompressed().ok()?;
                    while let Some(inner) = file.reader_mut().read_decompressed(&mut reader).ok()? {
                        if let Some(d) = inner.read_data().ok()? {
                            rows_of(&file, &d)?;
                        }
                    }
                }
            }
            Some(out)
        }))
        .ok()
        .flatten();
        let Some(theirs) = theirs else { continue };
        let mut index = 0;
        for_each_rows_event(&data, |schema, event| {
            let Some(their_rows) = theirs.get(index) else {
                return;
            };
            index += 1;
            let ours: Vec<_> = schema.rows(event).map(Result::unwrap).collect();
            assert_eq!(
                ours.len(),
                their_rows.len(),
                "{name}: rows in event #{index}"
            );
            for (o, (tb, ta)) in ours.iter().zip(their_rows) {
                for (our_image, their_image) in [(&o.before, tb), (&o.after, ta)] {
                    let (Some(oi), Some(ti)) = (our_image, their_image) else {
                        assert_eq!(our_image.is_some(), their_image.is_some(), "{name}");
                        continue;
                    };
                    assert_eq!(oi.len(), ti.len(), "{name}: values in a row");
                    for ((col, ov), tv) in oi.iter().zip(ti) {
                        let column = &schema.columns[*col];
                        same_as_mysql_common(ov, column, tv).unwrap_or_else(|m| {
                            panic!(
                                "{name}: {}.{} column {col}: {m}",
                                schema.schema, schema.table
                            )
                        });
                        if *ov != Value::Null {
                            *compared.entry(ct::name(column.column_type)).or_default() += 1;
                        }
                    }
                }
            }
        });
        if index > 0 {
            files += 1;
        }
    }
    eprintln!("mysql_common agrees on the values of {files} files: {compared:?}");
    let total: u64 = compared.values().sum();
    assert!(
        files >= 40 && total >= 20_000,
        "{files} files, {total} values"
    );
    for t in [
        "NEWDECIMAL",
        "TIME2",
        "DATETIME2",
        "TIMESTAMP2",
        "JSON",
        "ENUM",
        "SET",
        "BIT",
    ] {
        assert!(compared.contains_key(t), "no {t} value compared");
    }
}

/// `%g` of C's printf with `precision` significant digits (mariadb-binlog prints FLOAT with
/// `%g` and DOUBLE with `%.20g`).
fn printf_g(v: f64, precision: usize) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let sci = format!("{:.*e}", precision - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap();
    let exp: i32 = exp.parse().unwrap();
    let trim = |s: &str| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s.to_owned()
        }
    };
    if exp < -4 || exp >= precision as i32 {
        format!(
            "{}e{}{:02}",
            trim(mantissa),
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    } else {
        let decimals = (precision as i32 - 1 - exp).max(0) as usize;
        trim(&format!("{v:.decimals$}"))
    }
}

/// `mariadb-binlog -vv`'s printing of one value (its quirks: DATE as `YYYY:MM:DD`, TIMESTAMP as
/// epoch seconds, integers signed with the unsigned reading in parentheses when negative).
fn mariadb_style(value: &Value<'_>, column: &Column) -> Vec<u8> {
    let quoted = |bytes: &[u8]| {
        let mut out = vec![b'\''];
        for &b in bytes {
            if b > 0x1f {
                out.push(b);
            } else {
                out.extend(format!("\\x{b:02x}").bytes());
            }
        }
        out.push(b'\'');
        out
    };
    let signed = |v: i64, bits: u32| {
        let mut s = v.to_string();
        if v < 0 {
            let unsigned = (v as u64) & (u64::MAX >> (64 - bits));
            s.push_str(&format!(" ({unsigned})"));
        }
        s
    };
    let bits = match column.column_type {
        ct::TINY => 8,
        ct::SHORT => 16,
        ct::INT24 => 24,
        ct::LONG => 32,
        _ => 64,
    };
    let text = match value {
        Value::Null => "NULL".to_owned(),
        Value::Int(v) => signed(*v, bits),
        Value::UInt(v) => signed((*v << (64 - bits)) as i64 >> (64 - bits), bits),
        Value::Float(v) => printf_g(f64::from(*v), 6),
        Value::Double(v) => printf_g(*v, 20),
        Value::Decimal(d) => d.to_string(),
        Value::Date(d) => format!("'{:04}:{:02}:{:02}'", d.year, d.month, d.day),
        Value::Time(t) => format!("'{t}'"),
        Value::DateTime(d) => format!("'{d}'"),
        Value::Timestamp(ts) if ts.fsp > 0 => format!(
            "{}.{:0width$}",
            ts.seconds,
            ts.micros / 10u32.pow(6 - u32::from(ts.fsp)),
            width = usize::from(ts.fsp)
        ),
        Value::Timestamp(ts) => ts.seconds.to_string(),
        Value::Year(y) => y.to_string(),
        Value::Bytes(b) | Value::Geometry(b) | Value::Vector(b) => return quoted(b),
        Value::Enum(e) => e.to_string(),
        // The stored bytes (little-endian) each printed most significant bit first.
        Value::Set(s) => {
            let bytes = usize::from((column.metadata & 0xff) as u8);
            let bits: String = s.to_le_bytes()[..bytes]
                .iter()
                .map(|b| format!("{b:08b}"))
                .collect();
            format!("b'{bits}'")
        }
        Value::Bit(b) => format!("b'{b:0width$b}'", width = column.bits() as usize),
        Value::Json(..) | Value::JsonDiff(_) => panic!("MariaDB writes no MySQL JSON"),
    };
    text.into_bytes()
}

#[test]
fn row_values_match_mariadb_binlog_vv() {
    let Some(dir) = common::fixtures_dir() else {
        return;
    };
    let printouts = dir.join("generated-mariadb-10.11/mariadb-binlog-vv");
    let mut compared = 0;
    for entry in std::fs::read_dir(&printouts).unwrap() {
        let txt = entry.unwrap().path();
        let stem = txt.file_stem().unwrap().to_string_lossy().into_owned();
        let (folder, file) = stem.split_once('_').unwrap();
        let binlog_path = dir.join("generated-mariadb-10.11").join(folder).join(file);
        let printed = std::fs::read(&txt).unwrap();
        // `###   @3=value /* TYPE meta=... */`: the value, trailing padding removed.
        let expected: Vec<Vec<u8>> = printed
            .split(|&b| b == b'\n')
            .filter_map(|line| line.strip_prefix(b"###   @"))
            .map(|rest| {
                let end = rest
                    .windows(4)
                    .rposition(|w| w == b" /* ")
                    .unwrap_or(rest.len());
                let mut v = rest[..end].to_vec();
                while v.last() == Some(&b' ') {
                    v.pop();
                }
                v
            })
            .collect();
        let data = std::fs::read(&binlog_path).unwrap();
        let mut ours: Vec<Vec<u8>> = Vec::new();
        for_each_rows_event(&data, |schema, event| {
            for row in schema.rows(event) {
                let row = row.unwrap();
                for (i, value) in row.before.iter().chain(&row.after).flatten() {
                    let mut line = format!("{}=", i + 1).into_bytes();
                    line.extend(mariadb_style(value, &schema.columns[*i]));
                    ours.push(line);
                }
            }
        });
        assert_eq!(ours.len(), expected.len(), "{stem}: values");
        for (o, e) in ours.iter().zip(&expected) {
            assert_eq!(
                String::from_utf8_lossy(o),
                String::from_utf8_lossy(e),
                "{stem}"
            );
        }
        compared += ours.len();
    }
    assert!(compared >= 300, "{compared} values compared");
}

/// Found by the fuzzer: a rows event whose images hold no columns took no bytes per row, and
/// reading its rows never ended. (The file's checksums no longer match: read without them.)
#[test]
fn rows_of_no_bytes_end_with_an_error() {
    let artifact = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rows-of-no-bytes.binlog"),
    )
    .unwrap();
    let mut maps = TableMaps::default();
    let mut errors = 0;
    for event in EventWalk::new(&artifact).verify_checksums(false) {
        let Ok(event) = event else { break };
        match decode(&event) {
            Ok(EventData::TableMap(m)) => {
                maps.insert(&m);
            }
            Ok(EventData::Rows(r)) => {
                if let Some(schema) = maps.get(r.table_id) {
                    let rows: Vec<_> = schema.rows(&r).take(1_000).collect();
                    assert!(rows.len() < 1_000);
                    errors += rows.iter().filter(|r| r.is_err()).count();
                }
            }
            _ => {}
        }
    }
    assert!(errors > 0);
}
