//! Rows as SQL: each row of a rows event as the statement that makes the same change
//! (`INSERT`, `UPDATE ... LIMIT 1`, `DELETE ... LIMIT 1`), or as the statement that reverts it
//! (flashback), and as JSON. Columns are named when the binlog names them
//! (`binlog_row_metadata=FULL`), `@1, @2` otherwise, as `mysqlbinlog -v` does. Text is quoted
//! with MySQL's escapes when it is known to be UTF-8 text, bytes are written as hex literals,
//! TIMESTAMP values as UTC date-times (the output sets `time_zone = '+00:00'`).

mod column_text;
mod row_json;
mod row_sql;
mod session_state;
mod statements;

pub use crate::quote::{write_hex_literal, write_identifier, write_string_literal};
pub use row_json::{row_json, value_json};
pub use row_sql::{write_literal, write_row_statement, write_table};
pub(crate) use session_state::SessionState;
pub use statements::Statements;

/// The session state every transaction's SQL is written for: row values in UTF-8, TIMESTAMP
/// values in UTC. Printed once before the transactions; each transaction goes back to it.
pub const SESSION_PREAMBLE: &str = "SET NAMES utf8mb4;\nSET time_zone = '+00:00';";
