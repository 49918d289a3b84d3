//! Errors client programs print in a pasted session: the mysql client's `ERROR 1872 (HY000):
//! message` after a statement, and mysqlbinlog's `ERROR: Error in Log_event::read_log_event():
//! 'Sanity check failed', data_len: 61, event_type: 34`.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{ClientError, ClientProgram, Provenance};

static SERVER_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^ERROR (\d{1,5})(?: \(([0-9A-Za-z]{5})\))?(?: at line \d+)?: (.*)$")
        .expect("static regex")
});
static PROGRAM_ERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^ERROR: (.+)$").expect("static regex"));
static EVENT_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bevent_type: (\d{1,3})\b").expect("static regex"));
static DATA_LEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bdata_len: (\d{1,19})\b").expect("static regex"));
static OFFSET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bat offset (\d{1,19})\b").expect("static regex"));

/// Whether the line is a client program's error line.
pub(crate) fn is_client_error(line: &str) -> bool {
    let line = line.trim();
    SERVER_ERROR.is_match(line) || PROGRAM_ERROR.is_match(line)
}

/// Reads a client error line; `statement` is the statement typed before it, if any.
pub(crate) fn parse_client_error(
    line: &str,
    statement: Option<&str>,
    origin: Provenance,
) -> Option<ClientError> {
    let line = line.trim();
    if let Some(c) = SERVER_ERROR.captures(line) {
        return Some(ClientError {
            program: ClientProgram::Mysql,
            code: c[1].parse().ok(),
            sqlstate: c.get(2).map(|m| m.as_str().to_owned()),
            message: c[3].trim_end().to_owned(),
            statement: statement.map(str::to_owned),
            event_type: None,
            data_len: None,
            offset: None,
            origin,
        });
    }
    let c = PROGRAM_ERROR.captures(line)?;
    let message = c[1].trim_end();
    let number = |re: &Regex| re.captures(message).and_then(|c| c[1].parse().ok());
    Some(ClientError {
        program: ClientProgram::Mysqlbinlog,
        code: None,
        sqlstate: None,
        message: message.to_owned(),
        statement: None,
        event_type: number(&EVENT_TYPE).and_then(|n: u64| u32::try_from(n).ok()),
        data_len: number(&DATA_LEN),
        offset: number(&OFFSET),
        origin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_programs() {
        let origin = Provenance::pasted("t", 1, 1);
        let e = parse_client_error(
            "ERROR 1045 (28000) at line 1: Access denied for user 'x'@'localhost'",
            None,
            origin.clone(),
        )
        .unwrap();
        assert_eq!((e.code, e.sqlstate.as_deref()), (Some(1045), Some("28000")));
        let e = parse_client_error(
            "ERROR: Could not read entry at offset 270: Error in log format or read error.",
            Some("ignored"),
            origin,
        )
        .unwrap();
        assert_eq!(e.program, ClientProgram::Mysqlbinlog);
        assert_eq!(
            (e.offset, e.event_type, e.statement),
            (Some(270), None, None)
        );
        assert!(!is_client_error("ERROR_COUNT: 3"));
    }
}
