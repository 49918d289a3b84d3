//! Rows as SQL statements: each row of a rows event as the statement that makes the same
//! change, or as the statement that reverts it.

use std::io::Write as _;

use super::column_text::{is_ascii_compatible, is_utf8_collation, set_members};
use crate::error::DecodeResult;
use crate::events::RowsKind;
use crate::events::table_map::column_type as ct;
use crate::quote::{
    ESCAPES_OR_NOT_ASCII, NOT_ASCII, write_escaped, write_hex_literal, write_string_literal,
};
use crate::values::json::{self, DiffOperation};
use crate::values::{AsciiText, Column, TableSchema, Value};

/// `` `schema`.`table` ``
pub fn write_table(out: &mut Vec<u8>, schema: &TableSchema) {
    out.extend_from_slice(schema.quoted_table.as_bytes());
}

fn write_column_name(out: &mut Vec<u8>, schema: &TableSchema, index: usize) {
    match schema.quoted_names.get(index) {
        Some(name) => out.extend_from_slice(name.as_bytes()),
        None => {
            out.push(b'@');
            out.extend_from_slice(itoa::Buffer::new().format(index + 1).as_bytes());
        }
    }
}

/// The bytes of a text column as a string literal, when that keeps them exact: UTF-8 in a
/// UTF-8 collation, plain ASCII in a character set that extends ASCII, or ASCII without NUL
/// bytes when the binlog does not give the charset (`binlog_row_metadata=NO_LOG`: the bytes
/// may be latin1, or UTF-16, whose ASCII letters come with NULs). Returns false, having
/// written nothing, otherwise: the caller writes the bytes in hex, which every charset
/// stores as they are.
pub(super) fn write_text_literal(out: &mut Vec<u8>, bytes: &[u8], column: &Column) -> bool {
    let unknown_charset = match column.charset {
        None => true,
        Some(id) if !is_ascii_compatible(id) => return false,
        Some(_) => false,
    };
    let start = out.len();
    out.reserve(bytes.len() + 2);
    out.push(b'\'');
    // One pass escapes ASCII text; at the first byte above 127 the rest is checked as UTF-8
    // and escaped on its own (the bytes before it are ASCII, so it starts a character).
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match ESCAPES_OR_NOT_ASCII[usize::from(b)] {
            0 => {}
            NOT_ASCII => {
                let rest = &bytes[i..];
                if unknown_charset
                    || !column.charset.is_some_and(is_utf8_collation)
                    || std::str::from_utf8(rest).is_err()
                {
                    out.truncate(start);
                    return false;
                }
                out.extend_from_slice(&bytes[run..i]);
                write_escaped(out, rest);
                out.push(b'\'');
                return true;
            }
            b'0' if b == 0 && unknown_charset => {
                out.truncate(start);
                return false;
            }
            letter => {
                out.extend_from_slice(&bytes[run..i]);
                out.extend_from_slice(&[b'\\', letter]);
                run = i + 1;
            }
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'\'');
    true
}

/// `'text'`
fn write_quoted<const N: usize>(out: &mut Vec<u8>, text: &AsciiText<N>) {
    out.push(b'\'');
    text.append_to(out);
    out.push(b'\'');
}

/// A value as an SQL literal, appended to a string.
pub fn write_literal(out: &mut String, value: &Value<'_>, column: &Column) -> DecodeResult<()> {
    let mut literal = Vec::new();
    write_value(&mut literal, value, column)?;
    // Everything written is UTF-8: text values are checked, the rest is ASCII.
    out.push_str(&String::from_utf8_lossy(&literal));
    Ok(())
}

/// A value as an SQL literal.
fn write_value(out: &mut Vec<u8>, value: &Value<'_>, column: &Column) -> DecodeResult<()> {
    match value {
        Value::Null => out.extend_from_slice(b"NULL"),
        Value::Int(v) => out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
        Value::UInt(v) => out.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes()),
        Value::Float(v) if v.is_finite() => {
            let _ = write!(out, "{v:?}");
        }
        Value::Double(v) if v.is_finite() => {
            let _ = write!(out, "{v:?}");
        }
        Value::Float(_) | Value::Double(_) => out.extend_from_slice(b"NULL"),
        Value::Decimal(d) => d.text().append_to(out),
        Value::Date(d) => write_quoted(out, &d.text()),
        Value::Time(t) => write_quoted(out, &t.text()),
        Value::DateTime(d) => write_quoted(out, &d.text()),
        Value::Timestamp(t) => write_quoted(out, &t.text()),
        Value::Year(y) => out.extend_from_slice(itoa::Buffer::new().format(*y).as_bytes()),
        Value::Bytes(b) => match column.binary_length() {
            Some(n) if b.len() < n => {
                let mut padded = b.to_vec();
                padded.resize(n, 0);
                write_hex_literal(out, &padded);
            }
            _ => {
                if !(column.is_text() && write_text_literal(out, b, column)) {
                    write_hex_literal(out, b);
                }
            }
        },
        Value::Enum(i) => match column.member_literal(*i) {
            Some(literal) => out.extend_from_slice(literal.as_bytes()),
            None => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        },
        Value::Set(bits) => match set_members(column, *bits) {
            Some(names) => write_string_literal(out, &names),
            None => out.extend_from_slice(itoa::Buffer::new().format(*bits).as_bytes()),
        },
        Value::Bit(v) => {
            let _ = write!(out, "b'{v:b}'");
        }
        Value::Json(doc, at) => {
            let mut text = String::new();
            json::write_json_text(doc, *at, &mut text)?;
            out.extend_from_slice(b"CAST(");
            write_string_literal(out, &text);
            out.extend_from_slice(b" AS JSON)");
        }
        Value::JsonDiff(diffs) => {
            // Only meaningful applied to the column (see `write_assignment`); on its own, the
            // last value written.
            match diffs
                .iter()
                .rev()
                .find_map(|d| Some((d.value?, d.value_offset)))
            {
                Some((doc, at)) => write_value(out, &Value::Json(doc, at), column)?,
                None => out.extend_from_slice(b"NULL"),
            }
        }
        Value::Geometry(b) | Value::Vector(b) => write_hex_literal(out, b),
    }
    Ok(())
}

/// `col=value`, or for a partial JSON update `col=JSON_REPLACE(col, '$.a', ...)`.
fn write_assignment(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    index: usize,
    value: &Value<'_>,
) -> DecodeResult<()> {
    let column = &schema.columns[index];
    write_column_name(out, schema, index);
    out.push(b'=');
    if let Value::JsonDiff(diffs) = value {
        for diff in diffs.iter().rev() {
            out.extend_from_slice(diff.operation.function().as_bytes());
            out.push(b'(');
        }
        write_column_name(out, schema, index);
        for diff in diffs {
            out.extend_from_slice(b", ");
            write_string_literal(out, &String::from_utf8_lossy(diff.path));
            if let (Some(doc), DiffOperation::Replace | DiffOperation::Insert) =
                (diff.value, diff.operation)
            {
                out.extend_from_slice(b", ");
                write_value(out, &Value::Json(doc, diff.value_offset), column)?;
            }
            out.push(b')');
        }
        return Ok(());
    }
    write_value(out, value, column)
}

/// Whether a column can identify a row in a WHERE clause: floats and geometries do not
/// compare equal to their literals reliably.
fn comparable(column: &Column) -> bool {
    !matches!(column.column_type, ct::FLOAT | ct::GEOMETRY)
}

/// `WHERE a=1 AND b IS NULL`: the primary key when the binlog names it and the image holds it,
/// every comparable column of the image otherwise.
fn write_where(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    image: &[(usize, Value<'_>)],
) -> DecodeResult<()> {
    let is_key = |(i, _): &&(usize, Value<'_>)| schema.columns[*i].primary_key;
    let is_comparable = |(i, v): &&(usize, Value<'_>)| {
        comparable(&schema.columns[*i]) && !matches!(v, Value::JsonDiff(_))
    };
    let key = image.iter().filter(is_key).count();
    out.extend_from_slice(b" WHERE ");
    if key != 0 && key == schema.key_columns {
        write_conditions(out, schema, image.iter().filter(is_key))
    } else if image.iter().any(|entry| is_comparable(&entry)) {
        write_conditions(out, schema, image.iter().filter(is_comparable))
    } else {
        write_conditions(out, schema, image.iter())
    }
}

/// `a=1 AND b IS NULL`
fn write_conditions<'i, 'v: 'i>(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    chosen: impl Iterator<Item = &'i (usize, Value<'v>)>,
) -> DecodeResult<()> {
    for (n, (i, v)) in chosen.enumerate() {
        if n > 0 {
            out.extend_from_slice(b" AND ");
        }
        write_column_name(out, schema, *i);
        if *v == Value::Null {
            out.extend_from_slice(b" IS NULL");
        } else {
            out.push(b'=');
            write_value(out, v, &schema.columns[*i])?;
        }
    }
    Ok(())
}

fn write_insert(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    image: &[(usize, Value<'_>)],
) -> DecodeResult<()> {
    let written = |(i, _): &&(usize, Value<'_>)| {
        schema.generated_columns == 0 || !schema.columns[*i].generated
    };
    if image.len() == schema.columns.len() && schema.generated_columns == 0 {
        // Every column, in order: the same words for every row of the table.
        out.extend_from_slice(schema.full_insert_prefix.as_bytes());
    } else {
        out.extend_from_slice(b"INSERT INTO ");
        write_table(out, schema);
        out.extend_from_slice(b" (");
        for (n, (i, _)) in image.iter().filter(written).enumerate() {
            if n > 0 {
                out.extend_from_slice(b", ");
            }
            write_column_name(out, schema, *i);
        }
        out.extend_from_slice(b") VALUES (");
    }
    for (n, (i, v)) in image.iter().filter(written).enumerate() {
        if n > 0 {
            out.extend_from_slice(b", ");
        }
        write_value(out, v, &schema.columns[*i])?;
    }
    out.extend_from_slice(b");");
    Ok(())
}

fn write_delete(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    image: &[(usize, Value<'_>)],
) -> DecodeResult<()> {
    out.extend_from_slice(b"DELETE FROM ");
    write_table(out, schema);
    write_where(out, schema, image)?;
    out.extend_from_slice(b" LIMIT 1;");
    Ok(())
}

fn write_update(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    from: &[(usize, Value<'_>)],
    to: &[(usize, Value<'_>)],
) -> DecodeResult<()> {
    out.extend_from_slice(b"UPDATE ");
    write_table(out, schema);
    out.extend_from_slice(b" SET ");
    // Only the columns that change, unless none does.
    let changes = |(i, v): &&(usize, Value<'_>)| old_value(from, *i).is_none_or(|old| old != v);
    if write_assignments(out, schema, to.iter().filter(changes))? == 0 {
        write_assignments(out, schema, to.iter())?;
    }
    write_where(out, schema, from)?;
    out.extend_from_slice(b" LIMIT 1;");
    Ok(())
}

/// The value of column `index` in an image, if the image holds it.
fn old_value<'i, 'v>(image: &'i [(usize, Value<'v>)], index: usize) -> Option<&'i Value<'v>> {
    // An image of every column holds column `index` at that place: look there first.
    match image.get(index) {
        Some((i, value)) if *i == index => Some(value),
        _ => image
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, value)| value),
    }
}

/// `a=1, b=2`; returns how many.
fn write_assignments<'i, 'v: 'i>(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    assigned: impl Iterator<Item = &'i (usize, Value<'v>)>,
) -> DecodeResult<usize> {
    let mut count = 0;
    // The server computes generated columns and refuses a value for them.
    let written = |(i, _): &&(usize, Value<'_>)| {
        schema.generated_columns == 0 || !schema.columns[*i].generated
    };
    for (i, v) in assigned.filter(written) {
        if count > 0 {
            out.extend_from_slice(b", ");
        }
        write_assignment(out, schema, *i, v)?;
        count += 1;
    }
    Ok(count)
}

/// The statement that makes a row's change (`undo` false) or reverts it (`undo` true), from
/// the row's before and after images (empty when its kind has none). What the images lack to
/// revert it (`binlog_row_image=MINIMAL` or `NOBLOB`) is said in a
/// comment instead of a statement that would be wrong.
pub fn write_row_statement(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    kind: RowsKind,
    before: &[(usize, Value<'_>)],
    after: &[(usize, Value<'_>)],
    undo: bool,
) -> DecodeResult<()> {
    match (kind, undo) {
        (RowsKind::Write, false) => write_insert(out, schema, after),
        (RowsKind::Delete, true) => {
            if before.len() < schema.columns.len() {
                let _ = write!(
                    out,
                    "-- the deleted row is re-inserted with the {} of {} columns its image holds: ",
                    before.len(),
                    schema.columns.len()
                );
            }
            write_insert(out, schema, before)
        }
        (RowsKind::Delete, false) => write_delete(out, schema, before),
        (RowsKind::Write, true) => write_delete(out, schema, after),
        (RowsKind::Update | RowsKind::PartialUpdate, false) => {
            write_update(out, schema, before, after)
        }
        (RowsKind::Update | RowsKind::PartialUpdate, true) => {
            write_update_undo(out, schema, before, after)
        }
    }
}

/// Reverting an update: every column the update wrote gets its value from the before image
/// (for a partial JSON update the before image holds the whole document), and the row is
/// found by its values after the update (the after image over the before image).
fn write_update_undo(
    out: &mut Vec<u8>,
    schema: &TableSchema,
    before: &[(usize, Value<'_>)],
    after: &[(usize, Value<'_>)],
) -> DecodeResult<()> {
    let missing: Vec<usize> = after
        .iter()
        .filter(|(i, _)| !before.iter().any(|(j, _)| j == i))
        .map(|(i, _)| *i)
        .collect();
    if !missing.is_empty() {
        out.extend_from_slice(
            b"-- cannot revert this update: the before image lacks the old value of ",
        );
        for (n, i) in missing.into_iter().enumerate() {
            if n > 0 {
                out.extend_from_slice(b", ");
            }
            write_column_name(out, schema, i);
        }
        out.extend_from_slice(b" (binlog_row_image is not FULL)");
        return Ok(());
    }
    let mut current: Vec<(usize, Value<'_>)> = before
        .iter()
        .map(|(i, v)| match after.iter().find(|(j, _)| j == i) {
            Some((_, new)) => (*i, new.clone()),
            None => (*i, v.clone()),
        })
        .filter(|(_, v)| !matches!(v, Value::JsonDiff(_)))
        .collect();
    current.extend(
        after
            .iter()
            .filter(|(i, v)| {
                !matches!(v, Value::JsonDiff(_)) && !before.iter().any(|(j, _)| j == i)
            })
            .cloned(),
    );
    let restored: Vec<(usize, Value<'_>)> = before
        .iter()
        .filter(|(i, _)| after.iter().any(|(j, _)| j == i))
        .cloned()
        .collect();
    write_update(out, schema, &current, &restored)
}
