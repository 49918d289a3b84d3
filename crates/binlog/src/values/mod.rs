//! Row values: a table map turned into a [`TableSchema`] (types, lengths, signedness,
//! charsets, names and primary key from the optional metadata), and the row images of a rows
//! event split into typed [`Value`]s. Values borrow from the event's bytes; decimals and JSON
//! are kept in their stored form and printed exactly when asked.

pub mod decimal;
pub mod json;
pub mod temporal;

use crate::error::{DecodeError, DecodeResult};
use crate::events::table_map::{TableMap, bit, column_type as ct};
use crate::events::{Rows, RowsKind};
use crate::reader::Reader;
use crate::schema::Schema;

pub use decimal::Decimal;
pub use json::{DiffOperation, JsonDiff};
pub use temporal::{Date, DateTime, Time, Timestamp};

/// The `binary` collation: strings in it are bytes, not text.
pub const BINARY_COLLATION: u64 = 63;

/// Up to `N` bytes of ASCII text built on the stack: a number, date or time as printed, which
/// the SQL writer copies out as bytes and `Display` as a `str`, without a formatter between.
#[derive(Debug, Clone, Copy)]
pub struct AsciiText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

/// `00` to `99`: numbers are printed two digits at a time.
pub(crate) const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut table = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        table[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    table
};

impl<const N: usize> AsciiText<N> {
    pub(crate) fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The first `len` bytes of `bytes` (ASCII).
    pub(crate) fn from_array(bytes: [u8; N], len: usize) -> Self {
        Self {
            bytes,
            len: len.min(N),
        }
    }

    /// Appends a byte (ASCII); what would not fit is dropped.
    #[inline]
    pub(crate) fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Appends bytes (ASCII); what would not fit is dropped. Byte by byte: the pieces are a
    /// few bytes long, shorter than the call a copy of unknown length would make.
    #[inline]
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends the text to `out`: all `N` bytes are copied (a copy of known size, which
    /// compiles to a few moves instead of a call), then the room past the text is cut off.
    pub fn append_to(&self, out: &mut Vec<u8>) {
        let end = out.len() + self.len;
        out.extend_from_slice(&self.bytes);
        out.truncate(end);
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever appended.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// One column value of a row image.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    /// A signed integer column (or one whose signedness the binlog does not say).
    Int(i64),
    /// An integer column the optional metadata marks UNSIGNED.
    UInt(u64),
    Float(f32),
    Double(f64),
    Decimal(Decimal<'a>),
    Date(Date),
    Time(Time),
    DateTime(DateTime),
    Timestamp(Timestamp),
    /// YEAR; 0 for the zero year.
    Year(u16),
    /// CHAR, VARCHAR, TEXT, BINARY, VARBINARY, BLOB: the bytes as stored. The column's charset
    /// says whether they are text.
    Bytes(&'a [u8]),
    /// ENUM: the 1-based index of the value (0 for the empty error value).
    Enum(u16),
    /// SET: one bit per member.
    Set(u64),
    /// BIT(n), the bits right-aligned.
    Bit(u64),
    /// MySQL JSON in its binary form, with the absolute offset of its first byte.
    Json(&'a [u8], u64),
    /// A partial update of a MySQL JSON column (`binlog_row_value_options=PARTIAL_JSON`).
    JsonDiff(Vec<JsonDiff<'a>>),
    /// GEOMETRY: SRID (4 bytes) then WKB.
    Geometry(&'a [u8]),
    /// VECTOR: little-endian 32-bit floats.
    Vector(&'a [u8]),
}

/// A column as the table map and its optional metadata describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The type the value is stored as: for CHAR columns the table map's STRING is resolved
    /// to STRING, ENUM or SET.
    pub column_type: u8,
    /// The table map's metadata for the column.
    pub metadata: u16,
    pub nullable: bool,
    /// From the optional metadata; false when the binlog does not say.
    pub unsigned: bool,
    /// The collation id of a character, ENUM or SET column, when the binlog says.
    pub charset: Option<u64>,
    /// The column's name (`binlog_row_metadata=FULL`).
    pub name: Option<String>,
    /// The member names of an ENUM or SET column (`binlog_row_metadata=FULL`).
    pub members: Vec<Vec<u8>>,
    /// Part of the primary key (`binlog_row_metadata=FULL`, or a schema the caller gave).
    pub primary_key: bool,
    /// Computed by the server (known from a schema the caller gave): statements do not write it.
    pub generated: bool,
    /// CHAR length in bytes, ENUM/SET pack length, BIT length in bits, length-prefix size of
    /// blobs, max length of VARCHAR.
    length: u32,
    /// Each ENUM member as an SQL string literal, quoted once for every row to use.
    member_literals: Vec<String>,
}

impl Column {
    /// Whether a value of this column is text in a character set (rather than bytes).
    pub fn is_text(&self) -> bool {
        self.charset.is_none_or(|c| c != BINARY_COLLATION)
            && matches!(
                self.column_type,
                ct::STRING
                    | ct::VARCHAR
                    | ct::VAR_STRING
                    | ct::BLOB
                    | ct::TINY_BLOB
                    | ct::MEDIUM_BLOB
                    | ct::LONG_BLOB
            )
    }

    /// The bits of a BIT column.
    pub fn bits(&self) -> u32 {
        self.length
    }

    /// The ENUM member with this 1-based index as an SQL string literal, when the binlog
    /// names the members.
    pub fn member_literal(&self, index: u16) -> Option<&str> {
        self.member_literals
            .get(usize::from(index).wrapping_sub(1))
            .map(String::as_str)
    }
}

/// What the binlog says about a table: everything needed to read its rows and name its
/// columns. Built once per table map and kept while its table id is in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub table_id: u64,
    pub schema: String,
    pub table: String,
    pub columns: Vec<Column>,
    /// Whether the optional metadata names the columns (`binlog_row_metadata=FULL`).
    pub has_names: bool,
    /// Whether the columns are named from a schema the caller gave, the binlog naming none.
    pub named_by_caller: bool,
    /// Whether the table has a primary key: `None` when the binlog does not say (MySQL writes
    /// the primary key only with `binlog_row_metadata=FULL`).
    pub has_primary_key: Option<bool>,
    /// `` `schema`.`table` ``, and each column as SQL names it (`` `name` `` or `@1`), made
    /// once for every row to use.
    pub quoted_table: String,
    pub quoted_names: Vec<String>,
    /// `INSERT INTO table (every column) VALUES (`, or without the column list when the
    /// columns have no names (a full image is then inserted by position).
    pub(crate) full_insert_prefix: String,
    json_columns: usize,
    /// Columns in the primary key.
    pub(crate) key_columns: usize,
    /// Generated columns: an INSERT or SET must leave them out.
    pub(crate) generated_columns: usize,
    /// The body of the table map it was built from.
    map_body: Vec<u8>,
}

/// Numeric columns, which get one signedness bit each (MySQL's `is_numeric_type`).
fn is_numeric(t: u8) -> bool {
    matches!(
        t,
        ct::TINY
            | ct::SHORT
            | ct::INT24
            | ct::LONG
            | ct::LONGLONG
            | ct::NEWDECIMAL
            | ct::FLOAT
            | ct::DOUBLE
    )
}

fn is_character(t: u8) -> bool {
    matches!(
        t,
        ct::STRING
            | ct::VAR_STRING
            | ct::VARCHAR
            | ct::BLOB
            | ct::TINY_BLOB
            | ct::MEDIUM_BLOB
            | ct::LONG_BLOB
    )
}

/// The charset of the `n`-th column of a kind, from either a default with exceptions (keyed by
/// the index among columns of that kind) or a list with one entry per such column.
fn charset_of(
    n: usize,
    default: &Option<(u64, Vec<(u64, u64)>)>,
    per_column: &[u64],
) -> Option<u64> {
    if let Some((default, exceptions)) = default {
        return Some(
            exceptions
                .iter()
                .find(|(index, _)| *index == n as u64)
                .map_or(*default, |(_, c)| *c),
        );
    }
    per_column.get(n).copied()
}

impl TableSchema {
    /// The schema of a table map. Optional metadata that does not decode is ignored (the
    /// columns then have no names); what the rows need comes from the mandatory part.
    pub fn from_table_map(map: &TableMap<'_>) -> Self {
        let optional = map.optional_metadata().unwrap_or_default();
        let mut columns = Vec::with_capacity(map.column_count());
        let (mut numeric, mut character, mut enum_or_set, mut enums, mut sets) = (0, 0, 0, 0, 0);
        for (i, (&declared, &metadata)) in map
            .column_types
            .iter()
            .zip(&map.column_metadata)
            .enumerate()
        {
            let (column_type, length) = resolve_type(declared, metadata);
            let unsigned = is_numeric(column_type) && {
                numeric += 1;
                optional
                    .signedness
                    .is_some_and(|bits| msb_bit(bits, numeric - 1))
            };
            let charset = if is_character(column_type) {
                character += 1;
                charset_of(
                    character - 1,
                    &optional.default_charset,
                    &optional.column_charsets,
                )
            } else if matches!(column_type, ct::ENUM | ct::SET) {
                enum_or_set += 1;
                charset_of(
                    enum_or_set - 1,
                    &optional.enum_and_set_default_charset,
                    &optional.enum_and_set_column_charsets,
                )
            } else {
                None
            };
            let members = match column_type {
                ct::ENUM => {
                    enums += 1;
                    optional.enum_values.get(enums - 1)
                }
                ct::SET => {
                    sets += 1;
                    optional.set_values.get(sets - 1)
                }
                _ => None,
            }
            .map(|values| values.iter().map(|v| v.to_vec()).collect::<Vec<_>>())
            .unwrap_or_default();
            let member_literals = if column_type == ct::ENUM {
                members
                    .iter()
                    .map(|m| {
                        let mut literal = Vec::new();
                        crate::sql::write_string_literal(&mut literal, &String::from_utf8_lossy(m));
                        String::from_utf8_lossy(&literal).into_owned()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            columns.push(Column {
                column_type,
                metadata,
                nullable: map.is_nullable(i),
                unsigned,
                charset,
                name: optional
                    .column_names
                    .get(i)
                    .map(|n| String::from_utf8_lossy(n).into_owned()),
                members,
                primary_key: optional.primary_key.iter().any(|(c, _)| *c == i as u64),
                generated: false,
                length,
                member_literals,
            });
        }
        let has_names =
            !optional.column_names.is_empty() && optional.column_names.len() == columns.len();
        let has_primary_key = if !optional.primary_key.is_empty() {
            Some(true)
        } else if has_names {
            // FULL metadata writes the primary key whenever there is one.
            Some(false)
        } else {
            None
        };
        let schema = String::from_utf8_lossy(map.schema).into_owned();
        let table = String::from_utf8_lossy(map.table).into_owned();
        let mut quoted_table = String::new();
        crate::sql::write_identifier(&mut quoted_table, &schema);
        quoted_table.push('.');
        crate::sql::write_identifier(&mut quoted_table, &table);
        let mut table_schema = Self {
            table_id: map.table_id,
            map_body: map.body.to_vec(),
            full_insert_prefix: String::new(),
            schema,
            table,
            quoted_table,
            quoted_names: Vec::new(),
            json_columns: columns.iter().filter(|c| c.column_type == ct::JSON).count(),
            key_columns: columns.iter().filter(|c| c.primary_key).count(),
            generated_columns: 0,
            columns,
            has_names,
            named_by_caller: false,
            has_primary_key,
        };
        table_schema.quote_names();
        table_schema
    }

    /// Makes [`TableSchema::quoted_names`] and the INSERT prefix from the column names.
    fn quote_names(&mut self) {
        self.quoted_names = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match &c.name {
                Some(name) => {
                    let mut q = String::with_capacity(name.len() + 2);
                    crate::sql::write_identifier(&mut q, name);
                    q
                }
                None => format!("@{}", i + 1),
            })
            .collect();
        self.full_insert_prefix = format!("INSERT INTO {} ", self.quoted_table);
        if self.has_names || self.named_by_caller {
            self.full_insert_prefix.push('(');
            self.full_insert_prefix
                .push_str(&self.quoted_names.join(", "));
            self.full_insert_prefix.push_str(") ");
        }
        self.full_insert_prefix.push_str("VALUES (");
    }

    /// Gives the columns the names (and the primary key) the caller's schema has for this
    /// table, when the binlog does not name them. Names are given by position, so only when
    /// the schema has exactly as many columns; returns the schema's count when it differs (the
    /// columns then keep `@1`, `@2`: a wrong name is worse than none).
    fn name_from(&mut self, names: &Schema) -> Result<(), usize> {
        if self.has_names {
            return Ok(());
        }
        let Some(given) = names.columns(&self.schema, &self.table) else {
            return Ok(());
        };
        if given.len() != self.columns.len() {
            return Err(given.len());
        }
        for (column, name) in self.columns.iter_mut().zip(given) {
            column.name = Some(name.clone());
        }
        // Its primary key too, when the binlog does not say: statements then find rows by it.
        if self.has_primary_key.is_none()
            && let Some(key) = names.primary_key(&self.schema, &self.table)
        {
            for &position in key {
                if let Some(column) = self.columns.get_mut(position) {
                    column.primary_key = true;
                }
            }
            self.key_columns = self.columns.iter().filter(|c| c.primary_key).count();
            self.has_primary_key = Some(true);
        }
        for &position in names.generated(&self.schema, &self.table) {
            if let Some(column) = self.columns.get_mut(position) {
                column.generated = true;
            }
        }
        self.generated_columns = self.columns.iter().filter(|c| c.generated).count();
        self.named_by_caller = true;
        self.quote_names();
        Ok(())
    }

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

/// Bit `index` of a bitmap stored most significant bit first (the optional metadata's form).
fn msb_bit(bitmap: &[u8], index: usize) -> bool {
    bitmap
        .get(index / 8)
        .is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0)
}

/// The type a column is stored as, and its length, from the table map's declared type and
/// metadata. CHAR, ENUM and SET are all declared as STRING with the real type in the metadata
/// (and, for CHAR over 255 bytes, two bits of the length folded into the real type).
fn resolve_type(declared: u8, metadata: u16) -> (u8, u32) {
    let [hi, lo] = metadata.to_be_bytes();
    match declared {
        ct::STRING => {
            if hi & 0x30 != 0x30 {
                // A long CHAR: bits 4-5 of the real type hold bits 8-9 of the length, inverted.
                (
                    ct::STRING,
                    u32::from(lo) | (u32::from((hi & 0x30) ^ 0x30) << 4),
                )
            } else if hi == ct::ENUM || hi == ct::SET {
                (hi, u32::from(lo))
            } else {
                (ct::STRING, u32::from(lo))
            }
        }
        ct::BIT => (ct::BIT, u32::from(lo) * 8 + u32::from(hi)),
        ct::VARCHAR | ct::VAR_STRING => (declared, u32::from(metadata)),
        _ => (declared, u32::from(lo)),
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

/// The table maps in force: a rows event names its table by the id the last table map with that
/// id gave it.
#[derive(Debug, Default, Clone)]
pub struct TableMaps {
    tables: std::collections::HashMap<u64, TableSchema>,
}

/// Table ids remembered at most. A table map is only needed until the end of its statement,
/// and servers give a table a new id each time they open it again: without a bound a long file
/// would fill memory with ids no rows event will name again.
const MAX_TABLE_MAPS: usize = 4096;

impl TableMaps {
    /// Remembers a table map's schema (replacing any earlier one with the same id). A table is
    /// mapped again before every statement that writes it, with the same bytes: its schema is
    /// built only when they change.
    pub fn insert(&mut self, map: &TableMap<'_>) -> &TableSchema {
        self.insert_named(map, None).0
    }

    /// [`TableMaps::insert`], the columns named from `names` when the binlog does not name
    /// them. When the schema is built anew and `names` has the table with a column count other
    /// than the table map's, that count comes back too (its columns stay unnamed).
    pub fn insert_named(
        &mut self,
        map: &TableMap<'_>,
        names: Option<&Schema>,
    ) -> (&TableSchema, Option<usize>) {
        if self.tables.len() >= MAX_TABLE_MAPS && !self.tables.contains_key(&map.table_id) {
            self.tables.clear();
        }
        let build = || {
            let mut schema = TableSchema::from_table_map(map);
            let mismatch = names.and_then(|names| schema.name_from(names).err());
            (schema, mismatch)
        };
        match self.tables.entry(map.table_id) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let mut mismatch = None;
                if e.get().map_body != map.body {
                    let (schema, count) = build();
                    e.insert(schema);
                    mismatch = count;
                }
                (e.into_mut(), mismatch)
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                let (schema, mismatch) = build();
                (e.insert(schema), mismatch)
            }
        }
    }

    pub fn get(&self, table_id: u64) -> Option<&TableSchema> {
        self.tables.get(&table_id)
    }

    /// Forgets every table map (at the end of a statement group the server drops them too).
    pub fn clear(&mut self) {
        self.tables.clear();
    }
}
