//! TABLE_MAP: binds a table id to a schema, a table and its column types for the rows events
//! that follow, with the optional metadata of `binlog_row_metadata=FULL` (column names,
//! signedness, charsets, ENUM/SET values, primary key).

use crate::error::{DecodeError, DecodeResult};
use crate::reader::Reader;
use crate::walk::Event;

/// Column type codes (`enum_field_types`).
pub mod column_type {
    pub const DECIMAL: u8 = 0;
    pub const TINY: u8 = 1;
    pub const SHORT: u8 = 2;
    pub const LONG: u8 = 3;
    pub const FLOAT: u8 = 4;
    pub const DOUBLE: u8 = 5;
    pub const NULL: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const LONGLONG: u8 = 8;
    pub const INT24: u8 = 9;
    pub const DATE: u8 = 10;
    pub const TIME: u8 = 11;
    pub const DATETIME: u8 = 12;
    pub const YEAR: u8 = 13;
    pub const NEWDATE: u8 = 14;
    pub const VARCHAR: u8 = 15;
    pub const BIT: u8 = 16;
    pub const TIMESTAMP2: u8 = 17;
    pub const DATETIME2: u8 = 18;
    pub const TIME2: u8 = 19;
    pub const TYPED_ARRAY: u8 = 20;
    pub const VECTOR: u8 = 242;
    pub const JSON: u8 = 245;
    pub const NEWDECIMAL: u8 = 246;
    pub const ENUM: u8 = 247;
    pub const SET: u8 = 248;
    pub const TINY_BLOB: u8 = 249;
    pub const MEDIUM_BLOB: u8 = 250;
    pub const LONG_BLOB: u8 = 251;
    pub const BLOB: u8 = 252;
    pub const VAR_STRING: u8 = 253;
    pub const STRING: u8 = 254;
    pub const GEOMETRY: u8 = 255;

    /// The name MySQL uses for the type (`MYSQL_TYPE_` left out).
    pub fn name(code: u8) -> &'static str {
        match code {
            DECIMAL => "DECIMAL",
            TINY => "TINY",
            SHORT => "SHORT",
            LONG => "LONG",
            FLOAT => "FLOAT",
            DOUBLE => "DOUBLE",
            NULL => "NULL",
            TIMESTAMP => "TIMESTAMP",
            LONGLONG => "LONGLONG",
            INT24 => "INT24",
            DATE => "DATE",
            TIME => "TIME",
            DATETIME => "DATETIME",
            YEAR => "YEAR",
            NEWDATE => "NEWDATE",
            VARCHAR => "VARCHAR",
            BIT => "BIT",
            TIMESTAMP2 => "TIMESTAMP2",
            DATETIME2 => "DATETIME2",
            TIME2 => "TIME2",
            TYPED_ARRAY => "TYPED_ARRAY",
            VECTOR => "VECTOR",
            JSON => "JSON",
            NEWDECIMAL => "NEWDECIMAL",
            ENUM => "ENUM",
            SET => "SET",
            TINY_BLOB => "TINY_BLOB",
            MEDIUM_BLOB => "MEDIUM_BLOB",
            LONG_BLOB => "LONG_BLOB",
            BLOB => "BLOB",
            VAR_STRING => "VAR_STRING",
            STRING => "STRING",
            GEOMETRY => "GEOMETRY",
            _ => "UNKNOWN",
        }
    }

    /// Bytes of per-column metadata the table map stores for this type.
    pub fn metadata_len(code: u8) -> usize {
        match code {
            FLOAT | DOUBLE | TINY_BLOB | MEDIUM_BLOB | LONG_BLOB | BLOB | GEOMETRY | JSON
            | TIME2 | DATETIME2 | TIMESTAMP2 | VECTOR => 1,
            VARCHAR | VAR_STRING | BIT | NEWDECIMAL | STRING | ENUM | SET => 2,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMap<'a> {
    pub table_id: u64,
    pub flags: u16,
    pub schema: &'a [u8],
    pub table: &'a [u8],
    /// One type code per column.
    pub column_types: &'a [u8],
    /// Per-column metadata, one `u16` per column (0 for types without any): the length prefix
    /// size of blobs, max length of VARCHAR, (precision << 8 | scale) of DECIMAL,
    /// (real type << 8 | length) of CHAR/ENUM/SET, (bytes << 8 | bits) of BIT, fsp of temporal
    /// types.
    pub column_metadata: Vec<u16>,
    /// Bit per column: nullable.
    pub null_bitmap: &'a [u8],
    /// The optional metadata block as written (decode it with [`TableMap::optional_metadata`]).
    pub optional_metadata_raw: &'a [u8],
    /// Absolute offset of `optional_metadata_raw`.
    optional_metadata_offset: u64,
    /// The whole event body: two table maps with the same body describe the same table.
    pub(crate) body: &'a [u8],
}

impl<'a> TableMap<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let post_header_len = event.post_header_len(8);
        let mut post = r.split(post_header_len)?;
        // 5.1.x wrote a 4-byte table id (post-header length 6).
        let table_id = post.uint(if post_header_len == 6 { 4 } else { 6 })?;
        let flags = post.u16()?;
        let schema_len = r.u8()?;
        let schema = r.bytes(usize::from(schema_len))?;
        r.skip(1)?;
        let table_len = r.u8()?;
        let table = r.bytes(usize::from(table_len))?;
        r.skip(1)?;
        let count_at = r.offset();
        let column_count = r
            .packed()?
            .ok_or_else(|| DecodeError::new(count_at, "column count is not a valid length"))?;
        let column_types = r.bytes_u64(column_count)?;
        let meta_at = r.offset();
        let meta_len = r
            .packed()?
            .ok_or_else(|| DecodeError::new(meta_at, "metadata length is not a valid length"))?;
        let mut meta = Reader::new(r.bytes_u64(meta_len)?, r.offset() - meta_len);
        let mut column_metadata = Vec::with_capacity(column_types.len());
        for &t in column_types {
            let value = match (t, column_type::metadata_len(t)) {
                (_, 0) => 0,
                (_, 1) => u16::from(meta.u8()?),
                (column_type::VARCHAR | column_type::VAR_STRING, _) => meta.u16()?,
                _ => {
                    let [hi, lo] = meta.array()?;
                    u16::from(hi) << 8 | u16::from(lo)
                }
            };
            column_metadata.push(value);
        }
        let null_bitmap = r.bytes(column_types.len().div_ceil(8))?;
        let optional_metadata_offset = r.offset();
        Ok(Self {
            table_id,
            flags,
            schema,
            table,
            column_types,
            column_metadata,
            null_bitmap,
            optional_metadata_raw: r.take_rest(),
            optional_metadata_offset,
            body: event.body,
        })
    }

    pub fn column_count(&self) -> usize {
        self.column_types.len()
    }

    pub fn is_nullable(&self, column: usize) -> bool {
        bit(self.null_bitmap, column)
    }

    /// `schema`.`table`
    pub fn qualified_name(&self) -> String {
        format!(
            "`{}`.`{}`",
            String::from_utf8_lossy(self.schema),
            String::from_utf8_lossy(self.table)
        )
    }

    pub fn optional_metadata(&self) -> DecodeResult<OptionalMetadata<'a>> {
        OptionalMetadata::parse(Reader::new(
            self.optional_metadata_raw,
            self.optional_metadata_offset,
        ))
    }
}

/// Bit `index` of a little-endian bitmap (column 0 is bit 0 of byte 0).
pub fn bit(bitmap: &[u8], index: usize) -> bool {
    bitmap
        .get(index / 8)
        .is_some_and(|byte| byte & (1 << (index % 8)) != 0)
}

/// Optional metadata (MySQL 8.0.1+ `binlog_row_metadata`, MariaDB 10.5+). Lists are empty when
/// the field was not written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionalMetadata<'a> {
    /// One bit per numeric column, in column order, most significant bit first: unsigned.
    pub signedness: Option<&'a [u8]>,
    /// (default collation, [(column index, collation)]) for character columns.
    pub default_charset: Option<(u64, Vec<(u64, u64)>)>,
    /// One collation per character column.
    pub column_charsets: Vec<u64>,
    pub column_names: Vec<&'a [u8]>,
    pub set_values: Vec<Vec<&'a [u8]>>,
    pub enum_values: Vec<Vec<&'a [u8]>>,
    pub geometry_types: Vec<u64>,
    /// Primary key columns, with the prefix length (0 = whole column).
    pub primary_key: Vec<(u64, u64)>,
    pub enum_and_set_default_charset: Option<(u64, Vec<(u64, u64)>)>,
    pub enum_and_set_column_charsets: Vec<u64>,
    /// One bit per column, most significant first: visible (MySQL 8.0.23+).
    pub column_visibility: Option<&'a [u8]>,
    pub vector_dimensions: Vec<u64>,
    /// Field types this reader does not know, skipped by their length.
    pub unknown_fields: Vec<u8>,
}

mod field {
    pub const SIGNEDNESS: u8 = 1;
    pub const DEFAULT_CHARSET: u8 = 2;
    pub const COLUMN_CHARSET: u8 = 3;
    pub const COLUMN_NAME: u8 = 4;
    pub const SET_STR_VALUE: u8 = 5;
    pub const ENUM_STR_VALUE: u8 = 6;
    pub const GEOMETRY_TYPE: u8 = 7;
    pub const SIMPLE_PRIMARY_KEY: u8 = 8;
    pub const PRIMARY_KEY_WITH_PREFIX: u8 = 9;
    pub const ENUM_AND_SET_DEFAULT_CHARSET: u8 = 10;
    pub const ENUM_AND_SET_COLUMN_CHARSET: u8 = 11;
    pub const COLUMN_VISIBILITY: u8 = 12;
    pub const VECTOR_DIMENSIONALITY: u8 = 13;
}

fn packed(r: &mut Reader<'_>) -> DecodeResult<u64> {
    let at = r.offset();
    r.packed()?
        .ok_or_else(|| DecodeError::new(at, "invalid length-encoded integer"))
}

/// Packed integers until the field ends.
fn packed_list(mut r: Reader<'_>) -> DecodeResult<Vec<u64>> {
    let mut out = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        out.push(packed(&mut r)?);
    }
    Ok(out)
}

fn charset_with_exceptions(mut r: Reader<'_>) -> DecodeResult<(u64, Vec<(u64, u64)>)> {
    let default = packed(&mut r)?;
    let mut pairs = Vec::with_capacity(r.remaining() / 2);
    while !r.is_empty() {
        pairs.push((packed(&mut r)?, packed(&mut r)?));
    }
    Ok((default, pairs))
}

fn string_lists<'a>(mut r: Reader<'a>) -> DecodeResult<Vec<Vec<&'a [u8]>>> {
    let mut out = Vec::with_capacity(r.remaining());
    while !r.is_empty() {
        let count = packed(&mut r)?;
        let mut values = Vec::with_capacity(usize::try_from(count).unwrap_or(0).min(r.remaining()));
        for _ in 0..count {
            let len = packed(&mut r)?;
            values.push(r.bytes_u64(len)?);
        }
        out.push(values);
    }
    Ok(out)
}

impl<'a> OptionalMetadata<'a> {
    fn parse(mut r: Reader<'a>) -> DecodeResult<Self> {
        let mut m = Self::default();
        while !r.is_empty() {
            let kind = r.u8()?;
            let len = packed(&mut r)?;
            let value_offset = r.offset();
            let value = Reader::new(r.bytes_u64(len)?, value_offset);
            match kind {
                field::SIGNEDNESS => m.signedness = Some(value.rest()),
                field::DEFAULT_CHARSET => m.default_charset = Some(charset_with_exceptions(value)?),
                field::COLUMN_CHARSET => m.column_charsets = packed_list(value)?,
                field::COLUMN_NAME => {
                    let mut v = value;
                    while !v.is_empty() {
                        let len = packed(&mut v)?;
                        m.column_names.push(v.bytes_u64(len)?);
                    }
                }
                field::SET_STR_VALUE => m.set_values = string_lists(value)?,
                field::ENUM_STR_VALUE => m.enum_values = string_lists(value)?,
                field::GEOMETRY_TYPE => m.geometry_types = packed_list(value)?,
                field::SIMPLE_PRIMARY_KEY => {
                    m.primary_key = packed_list(value)?.into_iter().map(|c| (c, 0)).collect()
                }
                field::PRIMARY_KEY_WITH_PREFIX => {
                    let list = packed_list(value)?;
                    m.primary_key = list
                        .chunks(2)
                        .map(|p| (p[0], *p.get(1).unwrap_or(&0)))
                        .collect()
                }
                field::ENUM_AND_SET_DEFAULT_CHARSET => {
                    m.enum_and_set_default_charset = Some(charset_with_exceptions(value)?)
                }
                field::ENUM_AND_SET_COLUMN_CHARSET => {
                    m.enum_and_set_column_charsets = packed_list(value)?
                }
                field::COLUMN_VISIBILITY => m.column_visibility = Some(value.rest()),
                field::VECTOR_DIMENSIONALITY => m.vector_dimensions = packed_list(value)?,
                other => m.unknown_fields.push(other),
            }
        }
        Ok(m)
    }
}
