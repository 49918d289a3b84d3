//! Reading the replication threads' error messages into the fields of
//! [`crate::model::messages`].
//!
//! The facts a diagnosis needs (the failing GTID, the source file and `end_log_pos`, the table, the
//! key, the error on each side) are often only in the message text of `Last_SQL_Error`, a worker
//! row or an error-log line. These parsers read them from every spelling MySQL 5.6-8.4 and MariaDB
//! use (`master`/`source`, `slave`/`replica`) and from messages cut short by a terminal or a blog:
//! whatever is present is returned, whatever is missing stays `None`. What applier and receiver
//! messages share (quotes, error numbers, coordinates) is here; each family reads its own text.

mod applier;
pub mod catalogue;
mod receiver;

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::messages::{LogCoordinate, TableName, TransactionRef};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex")
}

impl TransactionRef {
    pub fn parse(text: &str) -> TransactionRef {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("NULL") {
            TransactionRef::Empty
        } else if text.eq_ignore_ascii_case("ANONYMOUS") {
            TransactionRef::Anonymous
        } else {
            TransactionRef::Gtid(text.to_owned())
        }
    }
}

impl TableName {
    /// `` `db`.`t` ``, `db.t` or `t`.
    pub fn parse(text: &str) -> TableName {
        let text = text.trim().trim_matches('`');
        match text.split_once('.') {
            Some((schema, table)) => TableName {
                schema: Some(schema.trim_matches('`').to_owned()),
                table: table.trim_matches('`').to_owned(),
            },
            None => TableName {
                schema: None,
                table: text.to_owned(),
            },
        }
    }
}

/// The message with typographic quotes (`‘’“”`) made straight, when a web page or a word
/// processor curled them: the server never prints them, and every pattern here expects `'`. A
/// message that also holds a straight `'` was not curled as a whole, so its curly quotes are
/// data (a value, a name) and stay.
pub fn straight_quotes(message: &str) -> Cow<'_, str> {
    // Curly quotes, and the primes some pages print for a closing quote.
    const CURLY: [char; 6] = [
        '\u{2018}', '\u{2019}', '\u{2032}', '\u{201c}', '\u{201d}', '\u{2033}',
    ];
    if message.contains('\'') || !message.contains(CURLY) {
        return Cow::Borrowed(message);
    }
    Cow::Owned(
        message
            .chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' | '\u{2032}' => '\'',
                '\u{201c}' | '\u{201d}' | '\u{2033}' => '"',
                other => other,
            })
            .collect(),
    )
}

fn coordinate(
    file: Option<regex::Match<'_>>,
    position: Option<regex::Match<'_>>,
) -> Option<LogCoordinate> {
    Some(LogCoordinate {
        file: file?.as_str().to_owned(),
        position: position?.as_str().parse().ok()?,
    })
}

/// Every error number a message names, in order, without repeats.
pub fn error_codes(message: &str) -> Vec<u32> {
    static CODES: LazyLock<Regex> = LazyLock::new(|| {
        regex(
            r"(?:Error_code: (?:MY-0*)?|error code=|server_errno=|Got fatal error |Internal MariaDB error code: |errno: ?|Error: )(\d{1,6})\b",
        )
    });
    let mut codes = Vec::new();
    for c in CODES.captures_iter(message) {
        if let Ok(code) = c[1].parse::<u32>()
            && code != 0
            && !codes.contains(&code)
        {
            codes.push(code);
        }
    }
    codes
}

/// The error number of a well-known message text, for messages that print the text alone
/// (MariaDB parallel workers, cut-short worker rows, `Last_SQL_Error` pasted without
/// `Last_SQL_Errno`). Only texts that one error prints, worded as the server prints them.
pub(crate) fn implied_error_code(message: &str) -> Option<u32> {
    // Pasted messages are often wrapped: compare with single spaces.
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    let message = message.as_str();
    const KNOWN: &[(&[&str], u32)] = &[
        (&["Lock wait timeout exceeded"], 1205),
        (&["Deadlock found when trying to get lock"], 1213),
        (&["Query execution was interrupted"], 1317),
        (&["Connection was killed"], 1927),
        (&["Duplicate entry"], 1062),
        (&["Can't find record in"], 1032),
        // ER_SLAVE_CONVERSION_FAILED.
        (&["of table '", "cannot be converted from type"], 1677),
        (&["Commit failed due to failure of an earlier commit"], 1964),
        // ER_DB_CREATE_EXISTS: "Can't create database '%s'; database exists".
        (&["Can't create database '", "'; database exists"], 1007),
        // Schema errors, by their texts: ER_TABLE_EXISTS_ERROR, ER_NO_SUCH_TABLE,
        // ER_BAD_DB_ERROR, ER_BAD_FIELD_ERROR, ER_DUP_FIELDNAME,
        // ER_DUP_KEYNAME, ER_CANT_DROP_FIELD_OR_KEY.
        (&["Table '", "' already exists"], 1050),
        (&["Table '", "' doesn't exist"], 1146),
        (&["Unknown database '"], 1049),
        (&["Unknown column '"], 1054),
        (&["Duplicate column name '"], 1060),
        (&["Duplicate key name '"], 1061),
        (&["Can't DROP '", "check that", "exists"], 1091),
        // ER_NO_REFERENCED_ROW_2 and ER_ROW_IS_REFERENCED_2.
        (
            &["Cannot add or update a child row: a foreign key constraint fails"],
            1452,
        ),
        (
            &["Cannot delete or update a parent row: a foreign key constraint fails"],
            1451,
        ),
        // mysys EE_UNKNOWN_CHARSET: "Character set '%s' is not a compiled character set and is
        // not specified in the '%s' file" (a collation id the older server does not know).
        (&["Character set '", "is not a compiled character set"], 22),
        // ER_SLAVE_FATAL_ERROR wraps these receiver messages.
        (
            &["I/O thread stops because master and slave have equal MySQL server UUIDs"],
            1593,
        ),
        (
            &["I/O thread stops because master and slave have equal MySQL server ids"],
            1593,
        ),
        // ENOSPC, the OS error of mysys EE_DISK_FULL "Disk is full writing '%s' (Errcode: %d)".
        // The text inside ER_SLAVE_RELAY_LOG_READ_FAILURE (5.x).
        (&["Could not parse relay log event entry"], 1594),
        (&["Disk is full writing"], 28),
        (&["No space left on device"], 28),
    ];
    KNOWN
        .iter()
        .find(|(texts, _)| texts.iter().all(|text| message.contains(text)))
        .map(|(_, code)| *code)
        .or_else(|| names_os_error(message, 28).then_some(28))
        // Any other replication error, by its template in the servers' catalogues.
        .or_else(|| catalogue::recognise(message).map(|template| template.number))
}

/// `(Errcode: 28)`, `(Errcode: 28 - No space left on device)`: the OS error a file operation met.
fn names_os_error(message: &str, errno: u32) -> bool {
    let wanted = errno.to_string();
    message.match_indices("Errcode: ").any(|(at, key)| {
        let rest = &message[at + key.len()..];
        rest.starts_with(&wanted) && !rest[wanted.len()..].starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use crate::model::messages::{ApplierErrorMessage, ReceiverErrorMessage, ReceiverFailure};

    #[test]
    fn codes_implied_by_message_text() {
        // Last_SQL_Error pasted without Last_SQL_Errno (corpus 007, 012, 015).
        let applier = |m: &str| ApplierErrorMessage::parse(m).error_codes;
        assert_eq!(
            applier(
                "Error 'Can't create database 'benchtest'; database exists' on query. Default database: 'benchtest'. Query: 'create database benchtest'"
            ),
            vec![1007]
        );
        assert_eq!(
            applier(
                "Error 'Cannot add or update a child row: a foreign key constraint fails \n(`tms`.`tm_text_unit`, CONSTRAINT `FK__TM_TEXT_UNIT__ASSET__ID` FOREIGN KEY (`asset_id`) \nREFERENCES `asset` (`id`))' on  query. Default database: 'tms'. Query: 'insert into tm_text_unit'"
            ),
            vec![1452]
        );
        assert_eq!(
            applier(
                "Could not execute Delete_rows event on table db.asset; Cannot delete or update a parent row: a foreign key constraint fails (`db`.`child`, CONSTRAINT `fk` FOREIGN KEY (`asset_id`) REFERENCES `asset` (`id`))"
            ),
            vec![1451]
        );
        assert_eq!(
            applier(
                "Error 'Character set '#255' is not a compiled character set and is not specified in the '/usr/local/mysql-5.7.44-linux-glibc2.12-x86_64/share/charsets/Index.xml' file' on query. Default database: 'db01'. Query: 'create table t1 (id int)'"
            ),
            vec![22]
        );
        // An explicit number wins over the text.
        assert_eq!(
            applier(
                "Error 'Can't create database 'x'; database exists' on query. Error_code: 1050"
            ),
            vec![1050]
        );
        // Receiver messages (corpus 023, wrapped over two lines; 032).
        let receiver = |m: &str| ReceiverErrorMessage::parse(m).unwrap().error_codes;
        assert_eq!(
            receiver(
                "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server UUIDs; \nthese UUIDs must be different for replication to work."
            ),
            vec![1593]
        );
        assert_eq!(
            receiver(
                "Fatal error: The slave I/O thread stops because master and slave have equal MySQL server ids; these ids must be different for replication to work"
            ),
            vec![1593]
        );
        assert_eq!(
            receiver(
                "/usr/sbin/mysqld: Disk is full writing './myhostname-relay-bin.000984' (Errcode: 28). Waiting for someone to free space..."
            ),
            vec![28]
        );
        assert_eq!(
            receiver("Error writing file 'x' (Errcode: 28 - No space left on device)"),
            vec![28]
        );
        assert!(receiver("Error writing file 'x' (Errcode: 280)").is_empty());
        assert!(receiver("Slave I/O thread exiting").is_empty());
    }

    #[test]
    fn curled_quotes_are_read_as_straight_ones() {
        // Corpus 044: a blog curled every quote of the message.
        let m = ApplierErrorMessage::parse(
            "Could not execute Delete_rows event on table db.t; Can\u{2019}t find record in \u{2018}t\u{2019}, Error_code: 1032; the event\u{2019}s master log bin-log.003023, end_log_pos 552195868",
        );
        assert_eq!(m.record_not_found_in.as_deref(), Some("t"));
        assert_eq!(m.source_log.unwrap().position, 552195868);
        // Curly quotes beside straight ones are data, kept as printed.
        let m = ApplierErrorMessage::parse(
            "Could not execute Write_rows event on table db.t; Duplicate entry 'l\u{2019}\u{e9}t\u{e9}' for key 'PRIMARY', Error_code: 1062",
        );
        assert_eq!(m.duplicate_entry.unwrap().value, "l\u{2019}\u{e9}t\u{e9}");
        let r = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: \u{2018}Could not find first log file name in binary log index file\u{2019}",
        )
        .unwrap();
        assert_eq!(r.failure, ReceiverFailure::BinlogFileMissing);
        assert_eq!(r.source_error_code, Some(1236));
        // Corpus 051: primes for closing quotes, and a first letter in lower case.
        let m = ApplierErrorMessage::parse(
            "could not execute Write_rows event on table db.atable; Duplicate entry \u{2019}174465\u{2032} for key \u{2018}PRIMARY\u{2019}, Error_code: 1062",
        );
        assert_eq!(m.duplicate_entry.as_ref().unwrap().value, "174465");
        assert_eq!(m.table().unwrap().to_string(), "db.atable");
    }
}
