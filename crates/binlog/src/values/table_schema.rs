//! A table map turned into a [`TableSchema`]: types, lengths, signedness, charsets, names and
//! primary key from the optional metadata, or names from a schema the caller gave.

use super::quoted_names::{quoted_members, quoted_table};
use crate::events::table_map::{TableMap, column_type as ct};
use crate::schema::Schema;

/// The `binary` collation: strings in it are bytes, not text.
pub const BINARY_COLLATION: u64 = 63;

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
    pub(super) length: u32,
    /// Each ENUM member as an SQL string literal, quoted once for every row to use.
    pub(super) member_literals: Vec<String>,
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

    /// The length of a BINARY(n) column, whose values the server stores padded with zero
    /// bytes to n and the binlog holds without the trailing zeros. Known only when the binlog
    /// gives the column's charset (`binlog_row_metadata` MINIMAL or FULL): without it BINARY(n)
    /// looks like CHAR(n), whose trailing spaces the binlog drops the same way, so the value is
    /// written as it is (the server pads it again on INSERT; a WHERE on it may then miss),
    /// unless a schema given says the column is BINARY(n).
    pub fn binary_length(&self) -> Option<usize> {
        (self.column_type == ct::STRING && self.charset == Some(BINARY_COLLATION))
            .then_some(self.length as usize)
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
    pub(super) json_columns: usize,
    /// Columns in the primary key.
    pub(crate) key_columns: usize,
    /// Generated columns: an INSERT or SET must leave them out.
    pub(crate) generated_columns: usize,
    /// The body of the table map it was built from.
    pub(super) map_body: Vec<u8>,
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

/// The columns the optional metadata gives a charset to, in both servers' own list
/// (`is_character_type`): GEOMETRY counts (its base is a blob, charset binary), so leaving it out
/// would give every later column the charset of the one before.
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
            | ct::GEOMETRY
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
                quoted_members(&members)
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
        let quoted_table = quoted_table(&schema, &table);
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

    /// Gives the columns the names (and the primary key) the caller's schema has for this
    /// table, when the binlog does not name them. Names are given by position, so only when
    /// the schema has exactly as many columns; returns the schema's count when it differs (the
    /// columns then keep `@1`, `@2`: a wrong name is worse than none).
    pub(super) fn name_from(&mut self, names: &Schema) -> Result<(), usize> {
        let Some(given) = names.columns(&self.schema, &self.table) else {
            return Ok(());
        };
        if self.has_names {
            // The binlog does not mark generated columns, even when it names them: the
            // schema given does, by name.
            for &position in names.generated(&self.schema, &self.table) {
                let name = given.get(position).map(String::as_str);
                for column in &mut self.columns {
                    if column.name.as_deref() == name {
                        column.generated = true;
                    }
                }
            }
            self.generated_columns = self.columns.iter().filter(|c| c.generated).count();
            return Ok(());
        }
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
        // A string column the binlog gives no charset for holds bytes when the schema says so
        // (BINARY, VARBINARY, BLOB, MariaDB's UUID and INET types): written as hex, BINARY(n)
        // padded to n.
        for &position in names.binary(&self.schema, &self.table) {
            if let Some(column) = self.columns.get_mut(position)
                && is_character(column.column_type)
                && column.charset.is_none()
            {
                column.charset = Some(BINARY_COLLATION);
            }
        }
        for &position in names.unsigned(&self.schema, &self.table) {
            if let Some(column) = self.columns.get_mut(position)
                && is_numeric(column.column_type)
            {
                column.unsigned = true;
            }
        }
        self.generated_columns = self.columns.iter().filter(|c| c.generated).count();
        self.named_by_caller = true;
        self.quote_names();
        Ok(())
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
