//! The row images of a rows event split into typed [`Value`]s, one row at a time.

use super::{Column, Decimal, TableSchema, Timestamp, Value, json, temporal};
use crate::error::{DecodeError, DecodeResult};
use crate::events::table_map::{bit, column_type as ct};
use crate::events::{Rows, RowsKind};
use crate::reader::Reader;

impl TableSchema {
    /// The rows of a rows event of this table.
    pub fn rows<'r>(&'r self, rows: &'r Rows<'_>) -> RowIter<'r> {
        RowIter {
            schema: self,
            reader: Reader::new(&rows.rows, rows.rows_offset),
            kind: rows.kind,
            before: rows.columns_before,
            after: rows.columns_after.unwrap_or(rows.columns_before),
            column_count: usize::try_from(rows.column_count).unwrap_or(usize::MAX),
        }
    }
}

/// The columns present in a row image, each `(column index, value)`, in column order.
pub type Image<'a> = Vec<(usize, Value<'a>)>;

/// One row of a rows event: the before image (update, delete) and the after image (insert,
/// update).
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub before: Option<Image<'a>>,
    pub after: Option<Image<'a>>,
}

/// The rows of a rows event, read one at a time.
#[derive(Debug, Clone)]
pub struct RowIter<'a> {
    schema: &'a TableSchema,
    reader: Reader<'a>,
    kind: RowsKind,
    before: &'a [u8],
    after: &'a [u8],
    column_count: usize,
}

impl<'a> Iterator for RowIter<'a> {
    type Item = DecodeResult<Row<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let read = self.next_into(&mut before, &mut after)?;
        let (has_before, has_after) = match self.kind {
            RowsKind::Write => (false, true),
            RowsKind::Delete => (true, false),
            RowsKind::Update | RowsKind::PartialUpdate => (true, true),
        };
        Some(read.map(|()| Row {
            before: has_before.then_some(before),
            after: has_after.then_some(after),
        }))
    }
}

impl<'a> RowIter<'a> {
    /// Reads the next row into `before` and `after`, which are cleared first and reused, so
    /// that many rows are read without an allocation each; the image the rows event's kind does
    /// not have is left empty. `None` after the last row.
    pub fn next_into(
        &mut self,
        before: &mut Image<'a>,
        after: &mut Image<'a>,
    ) -> Option<DecodeResult<()>> {
        before.clear();
        after.clear();
        if self.reader.is_empty() {
            return None;
        }
        let start = self.reader.offset();
        let read = self.read_row(before, after).and_then(|()| {
            // An image of no bytes would never let the rows end.
            if self.reader.offset() == start {
                Err(DecodeError::new(start, "a row image of no bytes"))
            } else {
                Ok(())
            }
        });
        if read.is_err() {
            // Nothing after a damaged image can be framed.
            self.reader = Reader::new(&[], self.reader.offset());
        }
        Some(read)
    }

    fn read_row(&mut self, before: &mut Image<'a>, after: &mut Image<'a>) -> DecodeResult<()> {
        let at = self.reader.offset();
        if self.column_count > self.schema.columns.len() {
            return Err(DecodeError::new(
                at,
                format!(
                    "rows event has {} columns, its table map {}",
                    self.column_count,
                    self.schema.columns.len()
                ),
            ));
        }
        match self.kind {
            RowsKind::Write => self.read_image(self.before, false, after),
            RowsKind::Delete => self.read_image(self.before, false, before),
            RowsKind::Update => {
                self.read_image(self.before, false, before)?;
                self.read_image(self.after, false, after)
            }
            RowsKind::PartialUpdate => {
                self.read_image(self.before, false, before)?;
                self.read_image(self.after, true, after)
            }
        }
    }

    /// One image: (for the after image of a partial update: the value options and the bitmap
    /// of partially updated JSON columns), the NULL bitmap of the present columns, the values.
    fn read_image(
        &mut self,
        present: &[u8],
        partial_after_image: bool,
        values: &mut Image<'a>,
    ) -> DecodeResult<()> {
        let r = &mut self.reader;
        let mut partial_bits: &[u8] = &[];
        if partial_after_image {
            let at = r.offset();
            let options = r
                .packed()?
                .ok_or_else(|| DecodeError::new(at, "invalid value options"))?;
            if options & 1 != 0 {
                partial_bits = r.bytes(self.schema.json_columns.div_ceil(8))?;
            }
        }
        let count = count_present(present, self.column_count);
        let nulls = r.bytes(count.div_ceil(8))?;
        values.reserve(count);
        let mut json_index = 0;
        for (i, column) in self.schema.columns[..self.column_count].iter().enumerate() {
            let partial = column.column_type == ct::JSON && {
                json_index += 1;
                bit(partial_bits, json_index - 1)
            };
            if !bit(present, i) {
                continue;
            }
            if bit(nulls, values.len()) {
                values.push((i, Value::Null));
            } else {
                push_value(r, column, partial, i, values)?;
            }
        }
        Ok(())
    }
}

/// How many of the first `columns` bits of a bitmap are set.
fn count_present(bitmap: &[u8], columns: usize) -> usize {
    let whole = (columns / 8).min(bitmap.len());
    let mut count: usize = bitmap[..whole]
        .iter()
        .map(|b| b.count_ones() as usize)
        .sum();
    if let Some(last) = bitmap.get(whole)
        && !columns.is_multiple_of(8)
    {
        count += (last & ((1u8 << (columns % 8)) - 1)).count_ones() as usize;
    }
    count
}

fn int_value(column: &Column, raw: u64, bytes: u32) -> Value<'static> {
    if column.unsigned {
        Value::UInt(raw)
    } else {
        let shift = 64 - 8 * bytes;
        Value::Int(((raw << shift) as i64) >> shift)
    }
}

/// Reads one non-NULL value of column `index` and appends it to `values`. Each kind of value
/// is pushed where it is read: building one `Value` for all kinds first and then moving it
/// made the processor wait on the copy (loads of bytes just stored in smaller pieces).
#[inline]
fn push_value<'a>(
    r: &mut Reader<'a>,
    column: &Column,
    partial_json: bool,
    index: usize,
    values: &mut Image<'a>,
) -> DecodeResult<()> {
    let at = r.offset();
    let [meta_hi, meta_lo] = column.metadata.to_be_bytes();
    // A macro, not a closure: called from every arm, a closure is not inlined and its value
    // goes through memory again.
    macro_rules! put {
        ($value:expr) => {
            values.push((index, $value))
        };
    }
    match column.column_type {
        ct::TINY => put!(int_value(column, r.uint(1)?, 1)),
        ct::SHORT => put!(int_value(column, r.uint(2)?, 2)),
        ct::INT24 => put!(int_value(column, r.uint(3)?, 3)),
        ct::LONG => put!(int_value(column, r.uint(4)?, 4)),
        ct::LONGLONG => put!(int_value(column, r.u64()?, 8)),
        ct::FLOAT => put!(Value::Float(f32::from_bits(r.u32()?))),
        ct::DOUBLE => put!(Value::Double(f64::from_bits(r.u64()?))),
        ct::NEWDECIMAL => put!(Value::Decimal(Decimal::read(r, meta_hi, meta_lo)?)),
        ct::DATE | ct::NEWDATE => put!(Value::Date(temporal::read_date(r)?)),
        ct::TIME => put!(Value::Time(temporal::read_time_v1(r)?)),
        ct::DATETIME => put!(Value::DateTime(temporal::read_datetime_v1(r)?)),
        ct::TIMESTAMP => put!(Value::Timestamp(Timestamp {
            seconds: r.u32()?,
            micros: 0,
            fsp: 0,
        })),
        ct::TIME2 => put!(Value::Time(temporal::read_time2(r, meta_lo)?)),
        ct::DATETIME2 => put!(Value::DateTime(temporal::read_datetime2(r, meta_lo)?)),
        ct::TIMESTAMP2 => put!(Value::Timestamp(temporal::read_timestamp2(r, meta_lo)?)),
        ct::YEAR => match r.u8()? {
            0 => put!(Value::Year(0)),
            y => put!(Value::Year(1900 + u16::from(y))),
        },
        ct::VARCHAR | ct::VAR_STRING | ct::STRING => {
            let len = if column.length < 256 {
                u64::from(r.u8()?)
            } else {
                u64::from(r.u16()?)
            };
            put!(Value::Bytes(r.bytes_u64(len)?))
        }
        ct::ENUM => match column.length {
            1 => put!(Value::Enum(u16::from(r.u8()?))),
            2 => put!(Value::Enum(r.u16()?)),
            n => return Err(DecodeError::new(at, format!("ENUM of {n} bytes"))),
        },
        ct::SET => match column.length {
            n @ 1..=8 => put!(Value::Set(r.uint(n as usize)?)),
            n => return Err(DecodeError::new(at, format!("SET of {n} bytes"))),
        },
        ct::BIT => {
            let bytes = column.length.div_ceil(8) as usize;
            if bytes > 8 {
                return Err(DecodeError::new(
                    at,
                    format!("BIT({}) is wider than 64", column.length),
                ));
            }
            put!(Value::Bit(r.uint_be(bytes)?))
        }
        ct::BLOB | ct::TINY_BLOB | ct::MEDIUM_BLOB | ct::LONG_BLOB | ct::GEOMETRY | ct::VECTOR => {
            let prefix = match column.length {
                n @ 1..=4 => n as usize,
                n => {
                    return Err(DecodeError::new(
                        at,
                        format!("blob length prefix of {n} bytes"),
                    ));
                }
            };
            let len = r.uint(prefix)?;
            let bytes = r.bytes_u64(len)?;
            put!(match column.column_type {
                ct::GEOMETRY => Value::Geometry(bytes),
                ct::VECTOR => Value::Vector(bytes),
                _ => Value::Bytes(bytes),
            })
        }
        ct::JSON => {
            let prefix = match column.length {
                n @ 1..=4 => n as usize,
                _ => 4,
            };
            let len = r.uint(prefix)?;
            let offset = r.offset();
            let doc = r.bytes_u64(len)?;
            if partial_json {
                put!(Value::JsonDiff(json::read_diffs(Reader::new(doc, offset))?))
            } else {
                put!(Value::Json(doc, offset))
            }
        }
        ct::NULL => put!(Value::Null),
        other => {
            return Err(DecodeError::new(
                at,
                format!("column type {} ({other}) cannot be read", ct::name(other)),
            ));
        }
    }
    Ok(())
}
