//! Error-log lines of MySQL 5.5-8.x and MariaDB.
//!
//! Lines forwarded by container runtimes, syslog or a chat keep a prefix (`name | ` of docker
//! compose, the time `docker logs --timestamps` adds, a bracketed collector timestamp,
//! `host mysqld[846]: `, `(21:50:17) nick: `); it is skipped.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ErrorLogFormat, ErrorLogLine, LogLevel, LogTime, Provenance};

static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\s+(?:[\w-]+\[[^\]\s]{1,100}\]:\s+)?|\S[^|]{0,100}\|\s+|\[\d{1,2}:\d{2}(?::\d{2})?\]\s+<[^>\s]{1,32}>\s+|\[[^\]]{1,64}\]\s+|.{0,120}?\b(?:mysqld|mariadbd|mysqld_safe|mariadb)\[\d+\]:\s+|\(\d{1,2}:\d{2}(?::\d{2})?\)\s+[^\s:]{1,32}:\s+)",
    )
    .expect("static regex")
});
static MYSQL8: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)\s+(\d+)\s+\[([A-Za-z]+)\]\s+\[MY-(\d+)\]\s+\[([A-Za-z_]+)\]\s?(.*)$",
    )
    .expect("static regex")
});
static MYSQL57: LazyLock<Regex> = LazyLock::new(|| {
    // The thread id is missing in some pastes (log_error_verbosity tools, blogs).
    Regex::new(
        r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)\s+(?:(\d+)\s+)?\[([A-Za-z]+)\]\s?(.*)$",
    )
    .expect("static regex")
});
static SPACED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{4}-\d{2}-\d{2} {1,2}\d{1,2}:\d{2}:\d{2}(?:\.\d+)?)\s+(?:(\d+)\s+)?\[([A-Za-z]+)\]\s?(.*)$",
    )
    .expect("static regex")
});
static LEGACY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{6}\s+\d{1,2}:\d{2}:\d{2})\s+(?:(\d+)\s+)?\[([A-Za-z]+)\]\s?(.*)$")
        .expect("static regex")
});
static LEGACY_NO_LEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{6}\s+\d{1,2}:\d{2}:\d{2})\s+(.*)$").expect("static regex"));
static EARLY_8_0_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[(\d{6})\]\s+(.*)$").expect("static regex"));
/// `[ERROR] message`: only the levels the server prints, so that other bracketed text is not
/// taken for a log line.
static UNTIMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(ERROR|Error|error|Warning|WARNING|Note|NOTE|System|SYSTEM)\]\s+(\S.*)$")
        .expect("static regex")
});
/// What only the server writes in its log, for lines without a level (MySQL 5.0): the
/// replication threads' messages, mysqld's own, InnoDB's. The same `YYMMDD HH:MM:SS text` shape
/// is xtrabackup 2.4's, whose lines must not be taken for the server's.
static SERVER_MESSAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:Slave[ :]|Replica[ :]|Error reading packet from server|Got fatal error|Error reading relay log|Error running query|Error in Log_event|Could not find first log|\S*mysqld(?:-\w+)?:|InnoDB: )",
    )
    .expect("static regex")
});

/// The opening words of the replication threads' error messages, which DBAs paste alone (the
/// text of `Last_SQL_Error` or `Last_IO_Error` without the field's name).
const BARE_OPENINGS: &str = r"(?:Got fatal error \d+ from (?:master|source) when reading data from binary log|[Cc]ould not execute \w+ event on table |Worker \d+ failed executing transaction |Coordinator stopped because there were error|Error ['‘].*['’] on query\.|Query caused different errors on |Query partially completed on the |Fatal error: The (?:slave|replica) I/O thread |[Ee]rror connecting to (?:master|source) ['‘]|Relay log read failure: |(?:Slave|Replica) (?:SQL|I/O)(?: thread)?(?: for channel '[^']*')?: )";
static BARE_MESSAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!("^{BARE_OPENINGS}")).expect("static regex"));
static BARE_OPENING_ANYWHERE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(BARE_OPENINGS).expect("static regex"));

/// Where in `text` a replication thread's message opens, wherever it stands.
pub(crate) fn bare_message_start(text: &str) -> Option<usize> {
    BARE_OPENING_ANYWHERE.find(text).map(|m| m.start())
}

/// A replication thread's error message pasted alone, without time, level or field name: read
/// as an error-log line of level ERROR; `None` for any other text.
pub fn parse_bare_message(line: &str, origin: Provenance) -> Option<ErrorLogLine> {
    let line = line.trim();
    BARE_MESSAGE.is_match(line).then(|| ErrorLogLine {
        time: None,
        thread: None,
        level: LogLevel::Error,
        log_code: None,
        subsystem: None,
        message: line.to_owned(),
        format: ErrorLogFormat::MessageOnly,
        origin,
    })
}

/// A replication thread's message after a label of the paster's or a tool's own (`Mariadb
/// Master error: Could not execute ...`, `Last_Error错误信息是：Could not execute ...`): read
/// as [`parse_bare_message`] reads the message alone.
pub fn parse_labelled_message(line: &str, origin: Provenance) -> Option<ErrorLogLine> {
    static LABEL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[^:：]{1,60}[:：]\s*").expect("static regex"));
    let line = line.trim();
    let label = LABEL.find(line)?;
    parse_bare_message(&line[label.end()..], origin)
}

/// Reads one error-log line; `None` when the line has no error-log shape.
pub fn parse_error_log_line(line: &str, origin: Provenance) -> Option<ErrorLogLine> {
    /// A collector's own time before the server's (`2024-08-27 22:46:06 2024-08-27T14:46:06Z
    /// 6 [ERROR] ...`): only when the server's line follows, since MariaDB's own lines start so.
    static COLLECTOR_TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d+)?\s+").expect("static regex")
    });
    let line = line.trim();
    parse_unprefixed(line, &origin)
        .or_else(|| {
            let prefix = PREFIX.find(line)?;
            parse_unprefixed(&line[prefix.end()..], &origin)
        })
        .or_else(|| {
            let prefix = COLLECTOR_TIME.find(line)?;
            parse_unprefixed(&line[prefix.end()..], &origin)
        })
}

fn parse_unprefixed(line: &str, origin: &Provenance) -> Option<ErrorLogLine> {
    if let Some(c) = UNTIMED.captures(line) {
        return Some(ErrorLogLine {
            time: None,
            thread: None,
            level: LogLevel::parse(&c[1]),
            log_code: None,
            subsystem: None,
            message: c[2].trim_end().to_owned(),
            format: ErrorLogFormat::Untimed,
            origin: origin.clone(),
        });
    }
    if !line.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let make = |time: &str,
                thread: Option<&str>,
                level: &str,
                log_code: Option<&str>,
                subsystem: Option<&str>,
                message: &str,
                format| ErrorLogLine {
        time: LogTime::parse(time),
        thread: thread.and_then(|t| t.parse().ok()),
        level: LogLevel::parse(level),
        log_code: log_code.and_then(|c| c.parse().ok()),
        subsystem: subsystem.map(str::to_owned),
        message: message.trim_end().to_owned(),
        format,
        origin: origin.clone(),
    };
    if let Some(c) = MYSQL8.captures(line) {
        return Some(make(
            &c[1],
            Some(&c[2]),
            &c[3],
            Some(&c[4]),
            Some(&c[5]),
            &c[6],
            ErrorLogFormat::Mysql8,
        ));
    }
    // Time, optional thread, level, message: the same four captures in each of these layouts.
    let layouts = [
        (&*MYSQL57, ErrorLogFormat::Mysql57),
        (&*SPACED, ErrorLogFormat::SpaceSeparated),
        (&*LEGACY, ErrorLogFormat::Legacy),
    ];
    for (pattern, format) in layouts {
        if let Some(c) = pattern.captures(line) {
            let thread = c.get(2).map(|m| m.as_str());
            // MySQL 8.0.3-8.0.4 printed the message code before the message, without `MY-` or
            // a subsystem: `[ERROR] [001756] Slave SQL ...`.
            let (code, message) = match EARLY_8_0_CODE.captures(&c[4]) {
                Some(early) => (
                    early.get(1).map(|m| m.as_str()),
                    early.get(2).map_or("", |m| m.as_str()),
                ),
                None => (None, &c[4]),
            };
            return Some(make(&c[1], thread, &c[3], code, None, message, format));
        }
    }
    let c = LEGACY_NO_LEVEL.captures(line)?;
    let message = c[2].trim();
    SERVER_MESSAGE.is_match(message).then(|| ErrorLogLine {
        time: LogTime::parse(&c[1]),
        thread: None,
        level: LogLevel::infer(message),
        log_code: None,
        subsystem: None,
        message: message.to_owned(),
        format: ErrorLogFormat::LegacyNoLevel,
        origin: origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> ErrorLogLine {
        parse_error_log_line(line, Provenance::pasted("t", 1, 1)).unwrap()
    }

    #[test]
    fn mysql8_with_container_prefix() {
        let l = parse(
            "mysql_slave1.1.yp8td3ht73r9@64g-480g-node2    | 2020-12-22T12:53:20.467453Z 6 [ERROR] [MY-010584] [Repl] Slave SQL for channel '': Error 'Operation CREATE USER failed for 'replicator'@'%'' on query. Default database: ''. Query: 'CREATE USER 'replicator'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'', Error_code: MY-001396",
        );
        assert_eq!(l.format, ErrorLogFormat::Mysql8);
        assert_eq!(l.thread, Some(6));
        assert_eq!(l.level, LogLevel::Error);
        assert_eq!(l.log_code, Some(10584));
        assert_eq!(l.subsystem.as_deref(), Some("Repl"));
        assert_eq!(l.channel(), Some(""));
        assert_eq!(l.error_codes(), vec![1396]);
        assert!(l.applier_error().is_some());
    }

    #[test]
    fn mariadb_and_legacy() {
        let l = parse(
            "[2019-04-15T21:39:29.795097Z]    2019-04-15 21:39:29 140712106015488 [ERROR] Slave SQL: Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1062: Duplicate entry '0-71143' for key 'PRIMARY', Gtid 0-1684298499-71198, Internal MariaDB error code: 1942",
        );
        assert_eq!(l.format, ErrorLogFormat::SpaceSeparated);
        assert_eq!(l.thread, Some(140712106015488));
        let e = l.applier_error().unwrap();
        assert_eq!(e.mariadb_gtid.as_deref(), Some("0-1684298499-71198"));
        assert!(e.error_codes.contains(&1942));
        let l = parse(
            "160118 17:33:11 [ERROR] Slave SQL: Error 'x' on query. Default database: 'zy'. Query: 'y', Error_code: 1050",
        );
        assert_eq!(l.format, ErrorLogFormat::Legacy);
        assert_eq!(l.thread, None);
        assert_eq!(l.error_codes(), vec![1050]);
        assert!(parse_error_log_line("Last_Errno: 1062", Provenance::pasted("t", 1, 1)).is_none());
    }

    #[test]
    fn early_8_0_message_codes() {
        // Corpus 073: MySQL 8.0.3.
        let l = parse(
            "2018-01-15T12:46:10.695187Z 12397 [ERROR] [000000] Slave SQL for channel '': worker thread retried transaction 10 time(s) in vain, giving up. Error_code: 0",
        );
        assert_eq!(l.log_code, Some(0));
        assert!(l.message.starts_with("Slave SQL for channel ''"));
        assert_eq!(l.channel(), Some(""));
        assert!(l.applier_error().is_some());
    }

    #[test]
    fn syslog_and_chat_prefixes() {
        // NixOS test log: a console prefix, then syslog's `mysqld[pid]: `.
        let l = parse(
            "slave2# [   13.411732] mysqld[846]: 2019-05-14 23:05:57 140244448229120 [Note] Master connection name: ''",
        );
        assert_eq!(l.format, ErrorLogFormat::SpaceSeparated);
        assert_eq!(l.message, "Master connection name: ''");
        let l = parse(
            "May 14 23:05:56 db2 mariadbd[846]: 2019-05-14 23:05:56 0 [ERROR] Slave SQL: x, Error_code: 1062",
        );
        assert_eq!(l.error_codes(), vec![1062]);
        // Corpus 061: a line quoted in an IRC conversation.
        let l = parse(
            "(21:50:17) fm-45: 091012 19:50:05 [ERROR] Slave: Error 'Duplicate entry '1' for key 1' on query. Default database: 'vlm'. Query: 'INSERT INTO h SELECT 1', Error_code: 1062",
        );
        assert_eq!(l.format, ErrorLogFormat::Legacy);
        assert_eq!(l.error_codes(), vec![1062]);
        let l = parse("[21:50] <fm-45> 091012 19:50:05 [ERROR] Slave: x, Error_code: 1062");
        assert_eq!(l.error_codes(), vec![1062]);
        // Corpus 067: `docker logs --timestamps` before a MariaDB line.
        let l = parse(
            "2016-10-18T09:35:23.900219828Z 2016-10-18  9:35:22 139714054466304 [ERROR] Slave I/O: error connecting to master 'r@m:3306' - retry-time: 60  retries: 86400  message: Access denied for user 'r'@'10.7.0.13' (using password: YES), Internal MariaDB error code: 1045",
        );
        assert_eq!(l.format, ErrorLogFormat::SpaceSeparated);
        assert_eq!(l.thread, Some(139714054466304));
        // MariaDB pads a one-digit hour with a second space.
        assert_eq!(
            l.time.as_ref().unwrap().local.to_string(),
            "2016-10-18T09:35:22"
        );
        assert_eq!(l.error_codes(), vec![1045]);
        // A MySQL 5.7 line is read as itself, not as a prefix.
        let l = parse("2019-10-29T03:29:51.885616Z 11 [ERROR] Slave SQL: x, Error_code: 1062");
        assert_eq!((l.format, l.thread), (ErrorLogFormat::Mysql57, Some(11)));
    }

    #[test]
    fn replication_messages_pasted_alone() {
        let bare = |line: &str| parse_bare_message(line, Provenance::pasted("t", 1, 1));
        // Corpus 042: the text of Last_IO_Error without its field name.
        let l = bare(
            "Got fatal error 1236 from master when reading data from binary log: 'The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires.'",
        )
        .unwrap();
        assert_eq!(
            (l.format, l.level.clone()),
            (ErrorLogFormat::MessageOnly, LogLevel::Error)
        );
        let receiver = l.receiver_error().unwrap();
        assert_eq!(receiver.source_error_code, Some(1236));
        assert_eq!(
            receiver.failure,
            crate::model::ReceiverFailure::SourcePurgedGtids
        );
        // Corpus 044: an applier message whose quotes a blog curled.
        let l = bare(
            "Could not execute Delete_rows event on table my_database.my_table; Can\u{2019}t find record in \u{2018}my_table\u{2019}, Error_code: 1032; handler error HA_ERR_KEY_NOT_FOUND; the event\u{2019}s master log bin-log.003023, end_log_pos 552195868",
        )
        .unwrap();
        let applier = l.applier_error().unwrap();
        assert_eq!(applier.error_codes, vec![1032]);
        assert_eq!(applier.record_not_found_in.as_deref(), Some("my_table"));
        let at = applier.source_log.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("bin-log.003023", 552195868)
        );
        let l = bare("Error 'Table 'a' already exists' on query. Default database: 'd'. Query: 'create table a (i int)'").unwrap();
        assert_eq!(l.applier_error().unwrap().error_codes, vec![1050]);
        // Corpus 051: the first letter lower-cased by the page.
        let l = bare("could not execute Write_rows event on table db.t; Duplicate entry '1' for key 'PRIMARY', Error_code: 1062").unwrap();
        assert_eq!(l.applier_error().unwrap().error_codes, vec![1062]);
        let l = bare("error connecting to master 'repl@db2:3306' - retry-time: 60  retries: 1, Error_code: 2003").unwrap();
        assert_eq!(l.receiver_error().unwrap().error_codes, vec![2003]);
        // A label before the message, with an ASCII or a full-width colon.
        let labelled = |line: &str| parse_labelled_message(line, Provenance::pasted("t", 1, 1));
        let l = labelled("Last_Error错误信息是：Could not execute Write_rows event on table z.event; Duplicate entry '1' for key 'event.PRIMARY', Error_code: 1062").unwrap();
        assert_eq!(l.applier_error().unwrap().error_codes, vec![1062]);
        assert!(
            labelled(
                "Mariadb Master error:  Could not execute Write_rows_v1 event on table a.b; x"
            )
            .is_some()
        );
        assert!(labelled("Note: nothing to see here").is_none());
        // Prose that merely mentions replication is not a message.
        assert!(bare("Got an error on the slave yesterday").is_none());
        assert!(bare("Slave_IO_Running: No").is_none());
    }
}
