//! Row values: a table map turned into a [`TableSchema`] (types, lengths, signedness,
//! charsets, names and primary key from the optional metadata), and the row images of a rows
//! event split into typed [`Value`]s. Values borrow from the event's bytes; decimals and JSON
//! are kept in their stored form and printed exactly when asked.

mod ascii_text;
pub mod decimal;
pub mod json;
mod quoted_names;
mod rows;
mod table_maps;
mod table_schema;
pub mod temporal;

pub use ascii_text::AsciiText;
pub(crate) use ascii_text::DIGIT_PAIRS;
pub use decimal::Decimal;
pub use json::{DiffOperation, JsonDiff};
pub use rows::{Image, Row, RowIter};
pub use table_maps::TableMaps;
pub use table_schema::{BINARY_COLLATION, Column, TableSchema};
pub use temporal::{Date, DateTime, Time, Timestamp};

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
