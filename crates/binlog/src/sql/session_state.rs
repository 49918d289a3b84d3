//! The session a statement ran in, set again before it: a query event carries the settings its
//! statement depends on (default database, `sql_mode`, character sets, time zone, timestamp,
//! auto-increment steps, checks switched off), and INTVAR, RAND and USER_VAR events carry the
//! values it reads. A server's applier sets them from the event; replayed SQL must set them
//! with statements, as `mariadb-binlog` does.
//!
//! Each transaction is written to stand on its own (it may be printed alone, out of order, or
//! reverted): it starts from the output's base state ([`super::SESSION_PREAMBLE`]), sets
//! what differs before each statement, and goes back to the base state before row changes
//! (their literals are written for it) and at its end.

use std::io::Write as _;

use crate::events::control::{Intvar, Rand, UserVar};
use crate::events::query::Query;
use crate::quote::{write_escaped, write_hex_literal, write_identifier, write_string_literal};
use crate::reader::Reader;
use crate::values::decimal::Decimal;

use super::Statements;
use super::column_text::is_utf8_collation;

/// `LOG_EVENT_THREAD_SPECIFIC_F`: the statement uses a temporary table, so it must run with
/// the source session's thread id.
const THREAD_SPECIFIC: u16 = 0x0004;
/// `LOG_EVENT_SUPPRESS_USE_F`: the statement does not run in its database (`CREATE DATABASE`,
/// `DROP DATABASE`, statements naming every table in full).
const SUPPRESS_USE: u16 = 0x0008;

/// Bits of `Q_FLAGS2`: the options that differ from a session's defaults.
const OPTION_AUTO_IS_NULL: u32 = 1 << 14;
const OPTION_NO_FOREIGN_KEY_CHECKS: u32 = 1 << 26;
const OPTION_RELAXED_UNIQUE_CHECKS: u32 = 1 << 27;
/// MariaDB's `Q_FLAGS2` bit for `explicit_defaults_for_timestamp` (MySQL logs it in a status
/// variable of its own, and never sets this bit).
const MARIADB_EXPLICIT_DEFAULTS_FOR_TIMESTAMP: u32 = 1 << 24;

/// The `binary` character set's collation id.
const BINARY_COLLATION: u32 = 63;

/// The settings of the output's session, as set by what was written so far in the transaction;
/// `None` is the base state (the server's default, or the preamble's value).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct SessionState {
    database: Option<Vec<u8>>,
    /// `SET TIMESTAMP` (seconds, microseconds): not gone back from, every statement sets its own.
    timestamp: Option<(u32, Option<u32>)>,
    pseudo_thread_id: Option<u32>,
    /// `Q_FLAGS2` bits among [`OPTION_AUTO_IS_NULL`], [`OPTION_NO_FOREIGN_KEY_CHECKS`],
    /// [`OPTION_RELAXED_UNIQUE_CHECKS`]; 0 is the base state.
    options: u32,
    sql_mode: Option<u64>,
    auto_increment: Option<(u16, u16)>,
    charset: Option<(u16, u16, u16)>,
    time_zone: Option<Vec<u8>>,
    lc_time_names: Option<u16>,
    collation_database: Option<u16>,
    explicit_defaults_for_timestamp: Option<bool>,
    /// `explicit_defaults_for_timestamp` was set from a MariaDB binlog (a plain `SET`, not
    /// MySQL's version comment).
    explicit_defaults_mariadb: bool,
    sql_require_primary_key: Option<u8>,
    /// INTVAR, RAND and USER_VAR statements waiting for the statement they precede.
    pending: Vec<Vec<u8>>,
    /// USER_VAR values that could not be written exactly.
    pub(crate) warnings: Vec<String>,
}

impl SessionState {
    /// Writes what the query `q` (with `flags` and `timestamp` from its event header) needs set
    /// before it, then the waiting INTVAR, RAND and USER_VAR statements.
    pub(crate) fn before_query(
        &mut self,
        q: &Query<'_>,
        flags: u16,
        timestamp: u32,
        mariadb: bool,
        out: &mut Statements,
    ) {
        if !q.schema.is_empty()
            && flags & SUPPRESS_USE == 0
            && self.database.as_deref() != Some(q.schema)
        {
            let mut statement = b"USE ".to_vec();
            let mut name = String::new();
            write_identifier(&mut name, &String::from_utf8_lossy(q.schema));
            statement.extend_from_slice(name.as_bytes());
            statement.push(b';');
            out.push_bytes(&statement);
            self.database = Some(q.schema.to_vec());
        }
        let vars = &q.status_vars;
        let mut set = Assignments::default();
        let micros = vars.hrnow.or(vars.microseconds);
        if self.timestamp != Some((timestamp, micros)) {
            self.timestamp = Some((timestamp, micros));
            match micros {
                Some(us) => set.add("timestamp", format_args!("{timestamp}.{us:06}")),
                None => set.add("timestamp", format_args!("{timestamp}")),
            }
        }
        if flags & THREAD_SPECIFIC != 0 && self.pseudo_thread_id != Some(q.thread_id) {
            self.pseudo_thread_id = Some(q.thread_id);
            set.add("pseudo_thread_id", format_args!("{}", q.thread_id));
        }
        if let Some(flags2) = vars.flags2 {
            self.set_options(
                flags2
                    & (OPTION_AUTO_IS_NULL
                        | OPTION_NO_FOREIGN_KEY_CHECKS
                        | OPTION_RELAXED_UNIQUE_CHECKS),
                &mut set,
            );
        }
        if vars.sql_mode.is_some() && self.sql_mode != vars.sql_mode {
            self.sql_mode = vars.sql_mode;
            set.add("sql_mode", format_args!("{}", vars.sql_mode.unwrap_or(0)));
        }
        if let Some((increment, offset)) = vars.auto_increment
            && self.auto_increment != vars.auto_increment
        {
            self.auto_increment = vars.auto_increment;
            set.add("auto_increment_increment", format_args!("{increment}"));
            set.add("auto_increment_offset", format_args!("{offset}"));
        }
        if let Some((client, connection, server)) = vars.charset
            && self.charset != vars.charset
        {
            self.charset = vars.charset;
            set.add("character_set_client", format_args!("{client}"));
            set.add("collation_connection", format_args!("{connection}"));
            set.add("collation_server", format_args!("{server}"));
        }
        if let Some(zone) = vars.time_zone
            && self.time_zone.as_deref() != Some(zone)
        {
            self.time_zone = Some(zone.to_vec());
            let mut literal = vec![b'\''];
            write_escaped(&mut literal, zone);
            literal.push(b'\'');
            set.add(
                "time_zone",
                format_args!("{}", String::from_utf8_lossy(&literal)),
            );
        }
        if vars.lc_time_names.is_some() && self.lc_time_names != vars.lc_time_names {
            self.lc_time_names = vars.lc_time_names;
            set.add(
                "lc_time_names",
                format_args!("{}", vars.lc_time_names.unwrap_or(0)),
            );
        }
        if vars.charset_database.is_some() && self.collation_database != vars.charset_database {
            self.collation_database = vars.charset_database;
            match vars.charset_database {
                Some(0) | None => set.add("collation_database", format_args!("DEFAULT")),
                Some(id) => set.add("collation_database", format_args!("{id}")),
            }
        }
        let explicit_defaults = vars
            .flags2
            .filter(|_| mariadb)
            .map(|flags2| flags2 & MARIADB_EXPLICIT_DEFAULTS_FOR_TIMESTAMP != 0);
        if explicit_defaults.is_some() && self.explicit_defaults_for_timestamp != explicit_defaults
        {
            self.explicit_defaults_for_timestamp = explicit_defaults;
            self.explicit_defaults_mariadb = true;
            let on = u8::from(explicit_defaults == Some(true));
            set.add("explicit_defaults_for_timestamp", format_args!("{on}"));
        }
        set.write_to(out);
        // MySQL 8.0 only: in version comments, as mysqlbinlog writes them, so that MariaDB
        // (whose version numbers are lower) skips them.
        if vars.explicit_defaults_for_timestamp.is_some()
            && self.explicit_defaults_for_timestamp != vars.explicit_defaults_for_timestamp
        {
            self.explicit_defaults_for_timestamp = vars.explicit_defaults_for_timestamp;
            let on = u8::from(vars.explicit_defaults_for_timestamp == Some(true));
            out.push(&format!(
                "/*!80016 SET @@session.explicit_defaults_for_timestamp={on}*/;"
            ));
        }
        if let Some(required) = vars.sql_require_primary_key
            && self.sql_require_primary_key != Some(required)
        {
            self.sql_require_primary_key = Some(required);
            out.push(&format!(
                "/*!80013 SET @@session.sql_require_primary_key={required}*/;"
            ));
        }
        for statement in self.pending.drain(..) {
            out.push_bytes(&statement);
        }
    }

    fn set_options(&mut self, options: u32, set: &mut Assignments) {
        let changed = options ^ self.options;
        if changed & OPTION_NO_FOREIGN_KEY_CHECKS != 0 {
            let on = u8::from(options & OPTION_NO_FOREIGN_KEY_CHECKS == 0);
            set.add("foreign_key_checks", format_args!("{on}"));
        }
        if changed & OPTION_RELAXED_UNIQUE_CHECKS != 0 {
            let on = u8::from(options & OPTION_RELAXED_UNIQUE_CHECKS == 0);
            set.add("unique_checks", format_args!("{on}"));
        }
        if changed & OPTION_AUTO_IS_NULL != 0 {
            let on = u8::from(options & OPTION_AUTO_IS_NULL != 0);
            set.add("sql_auto_is_null", format_args!("{on}"));
        }
        self.options = options;
    }

    /// Goes back to the base state: before row changes, and at the end of a transaction.
    pub(crate) fn restore(&mut self, out: &mut Statements) {
        let mut set = Assignments::default();
        self.set_options(0, &mut set);
        if self.sql_mode.take().is_some() {
            set.add("sql_mode", format_args!("DEFAULT"));
        }
        if self.auto_increment.take().is_some() {
            set.add("auto_increment_increment", format_args!("DEFAULT"));
            set.add("auto_increment_offset", format_args!("DEFAULT"));
        }
        if self.time_zone.take().is_some() {
            set.add("time_zone", format_args!("'+00:00'"));
        }
        if self.lc_time_names.take().is_some() {
            set.add("lc_time_names", format_args!("DEFAULT"));
        }
        if self.collation_database.take().is_some() {
            set.add("collation_database", format_args!("DEFAULT"));
        }
        set.write_to(out);
        if self.charset.take().is_some() {
            out.push("SET NAMES utf8mb4;");
        }
        if self.explicit_defaults_for_timestamp.take().is_some() {
            out.push(if std::mem::take(&mut self.explicit_defaults_mariadb) {
                "SET @@session.explicit_defaults_for_timestamp=DEFAULT;"
            } else {
                "/*!80016 SET @@session.explicit_defaults_for_timestamp=DEFAULT*/;"
            });
        }
        if self.sql_require_primary_key.take().is_some() {
            out.push("/*!80013 SET @@session.sql_require_primary_key=DEFAULT*/;");
        }
        self.pending.clear();
    }

    /// Ends the transaction: back to the base state, and nothing assumed of the next one.
    pub(crate) fn end_transaction(&mut self, out: &mut Statements) {
        self.restore(out);
        self.database = None;
        self.timestamp = None;
        self.pseudo_thread_id = None;
    }

    /// `SET INSERT_ID=n` or `SET LAST_INSERT_ID=n`, for the next statement.
    pub(crate) fn intvar(&mut self, intvar: &Intvar) {
        self.pending
            .push(format!("SET {}={};", intvar.name(), intvar.value).into_bytes());
    }

    /// The seeds of the next statement's `RAND()`.
    pub(crate) fn rand(&mut self, rand: &Rand) {
        self.pending.push(
            format!(
                "SET @@RAND_SEED1={}, @@RAND_SEED2={};",
                rand.seed1, rand.seed2
            )
            .into_bytes(),
        );
    }

    /// `SET @name := value`, with the value's type and character set kept.
    pub(crate) fn user_var(&mut self, var: &UserVar<'_>) {
        let mut statement = b"SET @".to_vec();
        let mut name = String::new();
        write_identifier(&mut name, &String::from_utf8_lossy(var.name));
        statement.extend_from_slice(name.as_bytes());
        statement.extend_from_slice(b":=");
        match user_var_literal(var) {
            Ok(literal) => statement.extend_from_slice(&literal),
            Err(why) => {
                self.warnings.push(format!(
                    "user variable @{}: {why}; it is set to NULL",
                    String::from_utf8_lossy(var.name)
                ));
                statement.extend_from_slice(b"NULL");
            }
        }
        statement.push(b';');
        self.pending.push(statement);
    }
}

/// The value of a USER_VAR event as a literal of the same type and character set.
fn user_var_literal(var: &UserVar<'_>) -> Result<Vec<u8>, String> {
    let Some(value) = &var.value else {
        return Ok(b"NULL".to_vec());
    };
    let bytes = value.bytes;
    let eight = || -> Result<[u8; 8], String> {
        bytes
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{} byte(s) where 8 were expected", bytes.len()))
    };
    let mut out = Vec::with_capacity(bytes.len() * 2 + 16);
    match value.value_type {
        // STRING
        0 => {
            let charset = value.charset;
            match std::str::from_utf8(bytes) {
                Ok(text) if is_utf8_collation(u64::from(charset)) => {
                    write_string_literal(&mut out, text)
                }
                _ if charset == BINARY_COLLATION => {
                    out.extend_from_slice(b"_binary ");
                    write_hex_literal(&mut out, bytes);
                }
                _ => {
                    let collation = u16::try_from(charset)
                        .ok()
                        .map(|id| {
                            mysql_common::collations::Collation::resolve(
                                mysql_common::collations::CollationId::from(id),
                            )
                        })
                        .filter(|c| {
                            c.id != mysql_common::collations::CollationId::UNKNOWN_COLLATION_ID
                        })
                        .ok_or_else(|| format!("collation id {charset} is not known"))?;
                    let _ = write!(out, "_{} ", collation.charset);
                    write_hex_literal(&mut out, bytes);
                    let _ = write!(out, " COLLATE `{}`", collation.collation);
                }
            }
        }
        // REAL: in exponent form, so that the server reads a DOUBLE back.
        1 => {
            let _ = write!(out, "{:e}", f64::from_le_bytes(eight()?));
        }
        // INT
        2 => {
            let raw = eight()?;
            if value.flags.is_some_and(|f| f & 1 != 0) {
                let _ = write!(out, "{}", u64::from_le_bytes(raw));
            } else {
                let _ = write!(out, "{}", i64::from_le_bytes(raw));
            }
        }
        // DECIMAL: precision and scale, then the number in the binary form of columns.
        4 => {
            let [precision, scale, ..] = *bytes else {
                return Err("a DECIMAL value without its precision and scale".into());
            };
            let mut reader = Reader::new(&bytes[2..], 0);
            let decimal = Decimal::read(&mut reader, precision, scale)
                .map_err(|err| format!("a DECIMAL value that cannot be read: {}", err.reason))?;
            let _ = write!(out, "{decimal}");
        }
        other => return Err(format!("a value of type {other}, which has no literal")),
    }
    Ok(out)
}

/// `SET @@session.a=1, @@session.b=2;`, gathered one assignment at a time.
#[derive(Default)]
struct Assignments(String);

impl Assignments {
    fn add(&mut self, name: &str, value: std::fmt::Arguments<'_>) {
        use std::fmt::Write as _;
        self.0
            .push_str(if self.0.is_empty() { "SET " } else { ", " });
        let _ = write!(self.0, "@@session.{name}={value}");
    }

    fn write_to(self, out: &mut Statements) {
        if !self.0.is_empty() {
            out.push(&format!("{};", self.0));
        }
    }
}
