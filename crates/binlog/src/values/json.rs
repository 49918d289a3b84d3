//! MySQL's binary JSON (`json_binary.cc`), printed as JSON text the way MySQL prints it, and the
//! partial-update diffs of `binlog_row_value_options=PARTIAL_JSON`. Offsets inside a document
//! are checked against its size, nesting is limited to MySQL's own maximum depth, and nothing
//! is allocated beyond the text written out.

use std::fmt::Write as _;

use base64::Engine as _;

use super::decimal::Decimal;
use super::temporal::{datetime_from_packed, time_from_packed};
use crate::error::{DecodeError, DecodeResult};
use crate::events::table_map::column_type;
use crate::reader::Reader;

/// MySQL refuses documents nested deeper than this.
const MAX_DEPTH: usize = 100;

mod kind {
    pub const SMALL_OBJECT: u8 = 0x00;
    pub const LARGE_OBJECT: u8 = 0x01;
    pub const SMALL_ARRAY: u8 = 0x02;
    pub const LARGE_ARRAY: u8 = 0x03;
    pub const LITERAL: u8 = 0x04;
    pub const INT16: u8 = 0x05;
    pub const UINT16: u8 = 0x06;
    pub const INT32: u8 = 0x07;
    pub const UINT32: u8 = 0x08;
    pub const INT64: u8 = 0x09;
    pub const UINT64: u8 = 0x0a;
    pub const DOUBLE: u8 = 0x0b;
    pub const STRING: u8 = 0x0c;
    pub const OPAQUE: u8 = 0x0f;
}

/// Appends the JSON text of a binary JSON document to `out`. An empty document (which the
/// server writes for a JSON NULL stored in a NOT NULL column's default) prints as `null`.
pub fn write_json_text(doc: &[u8], offset: u64, out: &mut String) -> DecodeResult<()> {
    let Some((&t, body)) = doc.split_first() else {
        out.push_str("null");
        return Ok(());
    };
    write_value(t, body, offset + 1, 0, out)
}

fn err(at: u64, reason: impl Into<String>) -> DecodeError {
    DecodeError::new(at, reason)
}

fn write_value(t: u8, data: &[u8], at: u64, depth: usize, out: &mut String) -> DecodeResult<()> {
    if depth > MAX_DEPTH {
        return Err(err(at, "JSON nested deeper than 100 levels"));
    }
    let mut r = Reader::new(data, at);
    match t {
        kind::SMALL_OBJECT => write_container(data, at, false, true, depth, out),
        kind::LARGE_OBJECT => write_container(data, at, true, true, depth, out),
        kind::SMALL_ARRAY => write_container(data, at, false, false, depth, out),
        kind::LARGE_ARRAY => write_container(data, at, true, false, depth, out),
        kind::LITERAL => {
            out.push_str(match r.u8()? {
                0 => "null",
                1 => "true",
                2 => "false",
                other => return Err(err(at, format!("JSON literal {other} is not known"))),
            });
            Ok(())
        }
        kind::INT16 => push(out, r.u16()? as i16),
        kind::UINT16 => push(out, r.u16()?),
        kind::INT32 => push(out, r.u32()? as i32),
        kind::UINT32 => push(out, r.u32()?),
        kind::INT64 => push(out, r.u64()? as i64),
        kind::UINT64 => push(out, r.u64()?),
        kind::DOUBLE => {
            let v = f64::from_bits(r.u64()?);
            if !v.is_finite() {
                return Err(err(at, "JSON double is not finite"));
            }
            let _ = write!(out, "{v:?}");
            Ok(())
        }
        kind::STRING => {
            let len = read_varlen(&mut r)?;
            let bytes = r.bytes_u64(len)?;
            write_json_string(&String::from_utf8_lossy(bytes), out);
            Ok(())
        }
        kind::OPAQUE => {
            let field_type = r.u8()?;
            let len = read_varlen(&mut r)?;
            let bytes = r.bytes_u64(len)?;
            write_opaque(field_type, bytes, r.offset() - len, out)
        }
        other => Err(err(
            at,
            format!("JSON value type {other:#04x} is not known"),
        )),
    }
}

fn push(out: &mut String, v: impl std::fmt::Display) -> DecodeResult<()> {
    let _ = write!(out, "{v}");
    Ok(())
}

/// The string length of binary JSON: 7 bits per byte, low bits first, at most 5 bytes.
fn read_varlen(r: &mut Reader<'_>) -> DecodeResult<u64> {
    let at = r.offset();
    let mut value = 0u64;
    for i in 0..5 {
        let b = r.u8()?;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(err(at, "JSON string length runs over 5 bytes"))
}

fn write_container(
    data: &[u8],
    at: u64,
    large: bool,
    object: bool,
    depth: usize,
    out: &mut String,
) -> DecodeResult<()> {
    let width = if large { 4 } else { 2 };
    let mut r = Reader::new(data, at);
    let count = r.uint(width)?;
    let size = r.uint(width)?;
    if size > data.len() as u64 {
        return Err(err(
            at,
            format!("JSON container of {size} bytes in {} bytes", data.len()),
        ));
    }
    let data = &data[..size as usize];
    // Each key entry takes width + 2 bytes and each value entry 1 + width: the count is bounded
    // by the size before anything is read.
    let entry = if object { width + 2 } else { 0 } + 1 + width;
    if count.saturating_mul(entry as u64) > size {
        return Err(err(at, format!("JSON container claims {count} elements")));
    }
    let count = count as usize;
    let keys_at = 2 * width;
    let values_at = keys_at + if object { count * (width + 2) } else { 0 };
    let entries_end = values_at + count * (1 + width);
    // A value stored apart from its entry is read only up to the next one's start: the values
    // of a container are disjoint and in order, so a document whose entries share or go back
    // to a child (2^30 leaves out of a few hundred bytes) is damage, not an endless printing.
    let mut pending: Option<(u8, usize)> = None;
    let write_pending = |pending: Option<(u8, usize)>, end: usize, out: &mut String| {
        let Some((t, start)) = pending else {
            return Ok(());
        };
        write_value(t, &data[start..end], at + start as u64, depth + 1, out)
    };
    out.push(if object { '{' } else { '[' });
    for i in 0..count {
        let entry_at = values_at + i * (1 + width);
        let mut v = Reader::new(data.get(entry_at..).unwrap_or(&[]), at + entry_at as u64);
        let t = v.u8()?;
        let inlined = matches!(t, kind::LITERAL | kind::INT16 | kind::UINT16)
            || (large && matches!(t, kind::INT32 | kind::UINT32));
        let field = v.bytes(width)?;
        let stored_at = if inlined {
            None
        } else {
            let value_offset = Reader::new(field, at).uint(width)? as usize;
            let after = pending.map_or(entries_end, |(_, start)| start + 1);
            if value_offset < after || value_offset >= data.len() {
                return Err(err(
                    at + entry_at as u64,
                    format!(
                        "JSON value at {value_offset} overlaps another or lies outside its \
                         container"
                    ),
                ));
            }
            Some(value_offset)
        };
        if let Some(start) = stored_at {
            write_pending(pending.take(), start, out)?;
        }
        if i > 0 {
            out.push_str(", ");
        }
        if object {
            let mut k = Reader::new(&data[keys_at + i * (width + 2)..], at);
            let key_offset = k.uint(width)? as usize;
            let key_len = usize::from(k.u16()?);
            let key = data
                .get(key_offset..key_offset.saturating_add(key_len))
                .ok_or_else(|| err(at, "JSON key outside its object"))?;
            write_json_string(&String::from_utf8_lossy(key), out);
            out.push_str(": ");
        }
        match stored_at {
            None => write_value(t, field, at + entry_at as u64 + 1, depth + 1, out)?,
            Some(start) => pending = Some((t, start)),
        }
    }
    write_pending(pending, data.len(), out)?;
    out.push(if object { '}' } else { ']' });
    Ok(())
}

/// An opaque scalar: a DECIMAL, a date or time (8-byte packed form) or any other MySQL type.
fn write_opaque(field_type: u8, bytes: &[u8], at: u64, out: &mut String) -> DecodeResult<()> {
    let packed = || -> Option<i64> { Some(i64::from_le_bytes(*bytes.first_chunk::<8>()?)) };
    match field_type {
        column_type::NEWDECIMAL => {
            let mut r = Reader::new(bytes, at);
            let precision = r.u8()?;
            let scale = r.u8()?;
            let decimal = Decimal::read(&mut r, precision, scale)?;
            let _ = write!(out, "{decimal}");
        }
        column_type::DATE | column_type::DATETIME | column_type::TIMESTAMP => {
            let packed = packed().ok_or_else(|| err(at, "JSON date shorter than 8 bytes"))?;
            let dt = datetime_from_packed(packed, 6);
            if field_type == column_type::DATE {
                let _ = write!(out, "\"{}\"", dt.date);
            } else {
                let _ = write!(out, "\"{dt}\"");
            }
        }
        column_type::TIME => {
            let packed = packed().ok_or_else(|| err(at, "JSON time shorter than 8 bytes"))?;
            let _ = write!(out, "\"{}\"", time_from_packed(packed, 6));
        }
        other => {
            let _ = write!(
                out,
                "\"base64:type{other}:{}\"",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
        }
    }
    Ok(())
}

/// A JSON string literal with the escapes JSON requires.
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a partial JSON update does at its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffOperation {
    Replace,
    Insert,
    Remove,
}

impl DiffOperation {
    /// The SQL function that performs it.
    pub fn function(self) -> &'static str {
        match self {
            Self::Replace => "JSON_REPLACE",
            Self::Insert => "JSON_INSERT",
            Self::Remove => "JSON_REMOVE",
        }
    }
}

/// One change of a partial JSON update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonDiff<'a> {
    pub operation: DiffOperation,
    pub path: &'a [u8],
    /// The new value, binary JSON (absent for a removal).
    pub value: Option<&'a [u8]>,
    /// Absolute offset of `value`.
    pub value_offset: u64,
}

/// The diffs of one partially updated JSON column, as written after its 4-byte length.
pub fn read_diffs<'a>(mut r: Reader<'a>) -> DecodeResult<Vec<JsonDiff<'a>>> {
    // Each diff takes at least 3 bytes.
    let mut out = Vec::with_capacity(r.remaining() / 3);
    while !r.is_empty() {
        let at = r.offset();
        let operation = match r.u8()? {
            0 => DiffOperation::Replace,
            1 => DiffOperation::Insert,
            2 => DiffOperation::Remove,
            other => return Err(err(at, format!("JSON diff operation {other} is not known"))),
        };
        let path_len = packed(&mut r)?;
        let path = r.bytes_u64(path_len)?;
        let (value, value_offset) = if operation == DiffOperation::Remove {
            (None, r.offset())
        } else {
            let len = packed(&mut r)?;
            let value_offset = r.offset();
            (Some(r.bytes_u64(len)?), value_offset)
        };
        out.push(JsonDiff {
            operation,
            path,
            value,
            value_offset,
        });
    }
    Ok(out)
}

fn packed(r: &mut Reader<'_>) -> DecodeResult<u64> {
    let at = r.offset();
    r.packed()?
        .ok_or_else(|| err(at, "invalid length-encoded integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(doc: &[u8]) -> DecodeResult<String> {
        let mut out = String::new();
        write_json_text(doc, 0, &mut out)?;
        Ok(out)
    }

    #[test]
    fn small_object_with_inlined_and_offset_values() {
        // {"a": 1, "b": "xy"}: count 2, size, 2 key entries, 2 value entries, keys, string.
        let mut doc = vec![kind::SMALL_OBJECT, 2, 0, 0, 0];
        let keys_at = 4 + 2 * 4 + 2 * 3;
        doc.extend([keys_at as u8, 0, 1, 0, keys_at as u8 + 1, 0, 1, 0]);
        doc.extend([kind::INT16, 1, 0, kind::STRING, keys_at as u8 + 2, 0]);
        doc.extend(b"ab");
        doc.extend([2, b'x', b'y']);
        let size = (doc.len() - 1) as u8;
        doc[3] = size;
        assert_eq!(text(&doc).unwrap(), r#"{"a": 1, "b": "xy"}"#);
    }

    /// 30 nested arrays of two entries that both point at the same child: 2^30 leaves from
    /// 300 bytes if followed; shared, overlapping or backward offsets are damage.
    #[test]
    fn entries_sharing_a_child_are_damage() {
        fn shared(levels: usize) -> Vec<u8> {
            let mut body = vec![0, 0, 4, 0];
            for _ in 0..levels {
                let size = (10 + body.len()) as u16;
                let mut outer = vec![2, 0];
                outer.extend(size.to_le_bytes());
                outer.extend([kind::SMALL_ARRAY, 10, 0, kind::SMALL_ARRAY, 10, 0]);
                outer.extend(&body);
                body = outer;
            }
            body.insert(0, kind::SMALL_ARRAY);
            body
        }
        let err = text(&shared(30)).unwrap_err();
        assert!(err.reason.contains("overlaps"), "{err:?}");
        assert!(text(&shared(1)).is_err());
        // Pointing back into the entry table is damage too.
        let mut back = shared(1);
        back[6] = 2;
        assert!(text(&back).is_err());
        // Two distinct children are read as before.
        let mut two = vec![kind::SMALL_ARRAY, 2, 0, 18, 0];
        two.extend([kind::SMALL_ARRAY, 10, 0, kind::SMALL_ARRAY, 14, 0]);
        two.extend([0, 0, 4, 0, 0, 0, 4, 0]);
        assert_eq!(text(&two).unwrap(), "[[], []]");
    }

    #[test]
    fn hostile_documents_are_errors() {
        // A container larger than its bytes, an element count beyond its size, a bad type.
        assert!(text(&[kind::SMALL_ARRAY, 1, 0, 0xff, 0xff]).is_err());
        assert!(text(&[kind::SMALL_ARRAY, 0xff, 0xff, 4, 0]).is_err());
        assert!(text(&[0x42]).is_err());
        // Nesting deeper than MySQL allows: 200 arrays of one array each.
        fn nest(n: usize) -> Vec<u8> {
            if n == 0 {
                return vec![0, 0, 4, 0];
            }
            let inner = nest(n - 1);
            let size = (7 + inner.len()) as u16;
            let mut body = vec![1, 0];
            body.extend(size.to_le_bytes());
            body.extend([kind::SMALL_ARRAY, 7, 0]);
            body.extend(inner);
            body
        }
        let mut shallow = vec![kind::SMALL_ARRAY];
        shallow.extend(nest(3));
        assert_eq!(text(&shallow).unwrap(), "[[[[]]]]");
        let mut deep = vec![kind::SMALL_ARRAY];
        deep.extend(nest(200));
        assert!(text(&deep).is_err());
        assert_eq!(text(&[]).unwrap(), "null");
    }
}
