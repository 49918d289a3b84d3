//! Rows as SQL: each row of a rows event as the statement that makes the same change
//! (`INSERT`, `UPDATE ... LIMIT 1`, `DELETE ... LIMIT 1`), or as the statement that reverts it
//! (flashback), and as JSON. Columns are named when the binlog names them
//! (`binlog_row_metadata=FULL`), `@1, @2` otherwise, as `mysqlbinlog -v` does. Text is quoted
//! with MySQL's escapes when it is known to be UTF-8 text, bytes are written as hex literals,
//! TIMESTAMP values as UTC date-times (the output sets `time_zone = '+00:00'`).

use std::borrow::Cow;
use std::io::Write as _;

use crate::error::DecodeResult;
use crate::events::RowsKind;
use crate::events::table_map::column_type as ct;
use crate::values::json::{self, DiffOperation};
use crate::values::{AsciiText, Column, TableSchema, Value};

/// What to print before any statement whose TIMESTAMP values are written in UTC.
pub const SESSION_PREAMBLE: &str = "SET time_zone = '+00:00';";

/// SQL statements in one buffer, each followed by a line end: a transaction of many rows
/// grows one buffer instead of allocating a string per statement. The buffer holds bytes so
/// that what is ASCII by construction (numbers, dates, hex) is not checked again; what goes
/// in is UTF-8 (names and queries made so when read, text values checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    text: Vec<u8>,
    /// Where each statement ends in `text` (before its line end).
    ends: Vec<usize>,
}

impl Statements {
    /// Every statement, each followed by `\n`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// [`Statements::text`] without the blanks at its end (line ends included), as
    /// `str::trim_end` would cut them.
    pub fn trimmed_text(&self) -> &[u8] {
        for i in (0..self.ends.len()).rev() {
            let start = self.start(i);
            let kept = String::from_utf8_lossy(&self.text[start..self.ends[i]])
                .trim_end()
                .len();
            if kept > 0 {
                return &self.text[..start + kept];
            }
        }
        &[]
    }

    fn start(&self, i: usize) -> usize {
        i.checked_sub(1)
            .map_or(0, |previous| self.ends[previous] + 1)
    }

    fn statement(&self, i: usize) -> &[u8] {
        &self.text[self.start(i)..self.ends[i]]
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Cow<'_, str>> + '_ {
        (0..self.ends.len()).map(|i| String::from_utf8_lossy(self.statement(i)))
    }

    pub(crate) fn push(&mut self, statement: &str) {
        self.text.extend_from_slice(statement.as_bytes());
        self.end_statement();
    }

    /// Appends the statement `write` writes; when it fails, nothing is appended.
    pub(crate) fn push_with<E>(
        &mut self,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let start = self.text.len();
        match write(&mut self.text) {
            Ok(()) => {
                self.end_statement();
                Ok(())
            }
            Err(err) => {
                self.text.truncate(start);
                Err(err)
            }
        }
    }

    /// Bytes it can hold without growing.
    pub(crate) fn capacity(&self) -> usize {
        self.text.capacity()
    }

    /// Empties it, keeping its memory.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn end_statement(&mut self) {
        self.ends.push(self.text.len());
        self.text.push(b'\n');
    }

    /// The same statements, last first.
    pub(crate) fn reverse(&mut self) {
        let mut reversed = Self {
            text: Vec::with_capacity(self.text.len()),
            ends: Vec::with_capacity(self.ends.len()),
        };
        for i in (0..self.ends.len()).rev() {
            reversed.text.extend_from_slice(self.statement(i));
            reversed.end_statement();
        }
        *self = reversed;
    }
}

/// `name` between backquotes, backquotes inside doubled.
pub fn write_identifier(out: &mut String, name: &str) {
    out.push('`');
    for c in name.chars() {
        if c == '`' {
            out.push('`');
        }
        out.push(c);
    }
    out.push('`');
}

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

/// Collation ids of the utf8mb3/utf8mb4 families of both flavors.
fn is_utf8_collation(id: u64) -> bool {
    matches!(id, 33 | 45 | 46 | 76 | 83 | 192..=215 | 223..=247 | 255..=323 | 576..=579 | 608..=611 | 2048..=2559)
}

/// For each byte: the letter after the backslash that escapes it in a string literal, or 0.
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    table[0] = b'0';
    table[b'\'' as usize] = b'\'';
    table[b'\\' as usize] = b'\\';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[0x1a] = b'Z';
    table
};

/// [`ESCAPES`], with [`NOT_ASCII`] for the bytes above 127: one look-up per byte tells whether
/// a text value is plain ASCII and what to escape in it.
const ESCAPES_OR_NOT_ASCII: [u8; 256] = {
    let mut table = ESCAPES;
    let mut b = 0x80;
    while b < 256 {
        table[b] = NOT_ASCII;
        b += 1;
    }
    table
};
const NOT_ASCII: u8 = 0xff;

/// A string literal with MySQL's backslash escapes.
pub fn write_string_literal(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'\'');
    write_escaped(out, text.as_bytes());
    out.push(b'\'');
}

/// `text` with MySQL's backslash escapes, without quotes.
fn write_escaped(out: &mut Vec<u8>, text: &[u8]) {
    let mut run = 0;
    for (i, &b) in text.iter().enumerate() {
        let letter = ESCAPES[usize::from(b)];
        if letter != 0 {
            out.extend_from_slice(&text[run..i]);
            out.extend_from_slice(&[b'\\', letter]);
            run = i + 1;
        }
    }
    out.extend_from_slice(&text[run..]);
}

/// The bytes of a text column as a string literal, when that keeps them exact: UTF-8 in a
/// UTF-8 collation (or in an unknown one), or plain ASCII in any text collation. Returns false,
/// having written nothing, otherwise.
fn write_text_literal(out: &mut Vec<u8>, bytes: &[u8], column: &Column) -> bool {
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
                if !column.charset.is_none_or(is_utf8_collation)
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

/// Each byte's two hex digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [HEX[b >> 4], HEX[b & 15]];
        b += 1;
    }
    table
};

/// `X'...'`, or `''` for no bytes.
pub fn write_hex_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.is_empty() {
        out.extend_from_slice(b"''");
        return;
    }
    out.reserve(bytes.len() * 2 + 3);
    out.extend_from_slice(b"X'");
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    // Eight bytes at a time into sixteen digits: arrays of known length, no bounds checks.
    let (digits, digits_rest) = out[start..].as_chunks_mut::<16>();
    let (octets, octets_rest) = bytes.as_chunks::<8>();
    for (digits, octet) in digits.iter_mut().zip(octets) {
        for (pair, &b) in digits.as_chunks_mut::<2>().0.iter_mut().zip(octet) {
            *pair = HEX_PAIRS[usize::from(b)];
        }
    }
    for (pair, &b) in digits_rest
        .as_chunks_mut::<2>()
        .0
        .iter_mut()
        .zip(octets_rest)
    {
        *pair = HEX_PAIRS[usize::from(b)];
    }
    out.push(b'\'');
}

/// The bytes of a text column as text, under the rule of [`write_text_literal`].
fn as_text<'v>(bytes: &'v [u8], column: &Column) -> Option<&'v str> {
    if !column.is_text() {
        return None;
    }
    // ASCII is UTF-8, so one pass over the bytes tells both.
    if column.charset.is_none_or(is_utf8_collation) || bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// The member names of a SET value, when the binlog gave them and they cover its bits.
fn set_members(column: &Column, bits: u64) -> Option<String> {
    if column.members.is_empty() || (column.members.len() < 64 && bits >> column.members.len() != 0)
    {
        return None;
    }
    let names: Vec<String> = column
        .members
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, m)| String::from_utf8_lossy(m).into_owned())
        .collect();
    Some(names.join(","))
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
        Value::Bytes(b) => {
            if !(column.is_text() && write_text_literal(out, b, column)) {
                write_hex_literal(out, b);
            }
        }
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

/// A value as JSON: numbers as numbers (DECIMAL as a string, to stay exact), dates and times as
/// strings, text as a string, bytes as `{"hex": "..."}`, JSON as itself.
pub fn value_json(value: &Value<'_>, column: &Column) -> DecodeResult<serde_json::Value> {
    use serde_json::Value as J;
    let hex = |b: &[u8]| {
        let digits: String = b
            .iter()
            .flat_map(|&b| HEX_PAIRS[usize::from(b)].map(char::from))
            .collect();
        serde_json::json!({ "hex": digits })
    };
    Ok(match value {
        Value::Null => J::Null,
        Value::Int(v) => J::from(*v),
        Value::UInt(v) => J::from(*v),
        Value::Float(v) => serde_json::Number::from_f64(f64::from(*v)).map_or(J::Null, J::Number),
        Value::Double(v) => serde_json::Number::from_f64(*v).map_or(J::Null, J::Number),
        Value::Decimal(d) => J::String(d.to_string()),
        Value::Date(d) => J::String(d.to_string()),
        Value::Time(t) => J::String(t.to_string()),
        Value::DateTime(d) => J::String(d.to_string()),
        Value::Timestamp(t) => J::String(t.to_string()),
        Value::Year(y) => J::from(*y),
        Value::Bytes(b) => match as_text(b, column) {
            Some(text) => J::String(text.to_owned()),
            None => hex(b),
        },
        Value::Enum(i) => match column.members.get(usize::from(*i).wrapping_sub(1)) {
            Some(name) => J::String(String::from_utf8_lossy(name).into_owned()),
            None => J::from(*i),
        },
        Value::Set(bits) => set_members(column, *bits).map_or(J::from(*bits), J::String),
        Value::Bit(v) => J::from(*v),
        Value::Json(doc, at) => {
            let mut text = String::new();
            json::write_json_text(doc, *at, &mut text)?;
            serde_json::from_str(&text).unwrap_or(J::String(text))
        }
        Value::JsonDiff(diffs) => {
            let mut list = Vec::with_capacity(diffs.len());
            for d in diffs {
                let value = match d.value {
                    Some(doc) => value_json(&Value::Json(doc, d.value_offset), column)?,
                    None => J::Null,
                };
                list.push(serde_json::json!({
                    "operation": d.operation.function(),
                    "path": String::from_utf8_lossy(d.path),
                    "value": value,
                }));
            }
            J::Array(list)
        }
        Value::Geometry(b) => hex(b),
        Value::Vector(b) => J::Array(
            b.chunks_exact(4)
                .map(|c| {
                    let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    serde_json::Number::from_f64(f64::from(v)).map_or(J::Null, J::Number)
                })
                .collect(),
        ),
    })
}

/// One row change as JSON: table, operation, and the images as `{column: value}` (`null` for
/// the image its kind does not have).
pub fn row_json(
    schema: &TableSchema,
    kind: RowsKind,
    before: &[(usize, Value<'_>)],
    after: &[(usize, Value<'_>)],
) -> DecodeResult<serde_json::Value> {
    let image = |image: &[(usize, Value<'_>)], present: bool| -> DecodeResult<serde_json::Value> {
        if !present {
            return Ok(serde_json::Value::Null);
        }
        let mut map = serde_json::Map::with_capacity(image.len());
        for (i, v) in image {
            let column = &schema.columns[*i];
            let name = column.name.clone().unwrap_or_else(|| format!("@{}", i + 1));
            map.insert(name, value_json(v, column)?);
        }
        Ok(serde_json::Value::Object(map))
    };
    Ok(serde_json::json!({
        "table": schema.quoted_table,
        "operation": kind.name(),
        "before": image(before, kind != RowsKind::Write)?,
        "after": image(after, kind != RowsKind::Delete)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        write_identifier(&mut s, "we`ird");
        assert_eq!(s, "`we``ird`");
        let mut b = Vec::new();
        write_string_literal(&mut b, "it's a\\b\n\0\r\x1a");
        assert_eq!(b, br"'it\'s a\\b\n\0\r\Z'");
        b.clear();
        write_hex_literal(&mut b, &[0xde, 0xad, 0x01]);
        assert_eq!(b, b"X'DEAD01'");
    }
}
