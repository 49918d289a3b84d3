//! A server's replication error inside another program's output: a connector's exception
//! (`Received error packet: errno = 1236, sqlstate = HY000 errmsg = ...`), a driver's error
//! object or tuple (`ER_MASTER_FATAL_ERROR_READING_BINLOG: ...`, `InternalError: (1236, "...")`),
//! a string of a JSON document, another program's log line (`ERRO[0000] sync failed: ERROR 1236
//! (HY000): ...`), a message in quotes.
//!
//! Read only from lines that no other reader understood, so that no part of known output is
//! taken from its reader. The message is found by its template's fixed words wherever it
//! stands; the error number by the framing around it (a number next to `error`, `errno` or
//! `code`, in brackets after `ERROR`, first in a tuple, or an `ER_*` symbol). A template that
//! names no replication thread or state (`Duplicate entry ...`) counts only when the framing
//! gives its number too: an application's own duplicate key is no replica's failure.

use std::sync::LazyLock;

use regex::Regex;

use super::messages::catalogue::{self, Recognised};
use super::{NotUnderstood, Parser};
use crate::model::{ClientError, ClientProgram, ErrorLogFormat};

/// A replication error found inside a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Embedded {
    pub code: u32,
    pub sqlstate: Option<String>,
    pub message: String,
    /// Lines after the first that the message was wrapped on to.
    pub continued: usize,
}

/// Fewer letters than this in a template's fixed words, and only the framing's number can say
/// the text is the server's message rather than words that happen to match.
const UNANCHORED_LETTERS: usize = 20;

/// A number the framing gives an error: after a word meaning error (`errno = 1236`,
/// `ErrorCode: 1236`, prose's `error 1236`), in `ERROR 1236 (HY000)` or `ERROR HY000 (1236)`,
/// or first in a tuple (`(1236, "...")`). Group 1 is the weak form, a number after the word
/// alone (prose says "we got error 1236"); the other groups are framings that say an error
/// follows.
static NUMBER_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b(?:error|err|code|sqlerror)\b[ #]*(?:no\.?|number)?[ #]*(?:MY-0*)?(\d{4,5})\b|\b(?:errno|error_?code|errorcode|error_?number|errornumber|server_errno|code|sqlerror|error)\s*[:=]\s*\(?(?:MY-0*)?(\d{4,5})\b|\bERROR [0-9A-Z]{5} \((\d{4,5})\)|\bERROR (\d{4,5}) \(|\((\d{4,5}),\s*u?["']"#,
    )
    .expect("static regex")
});

/// A number anchor's number and whether its framing is a strong one.
fn anchor_number(c: &regex::Captures<'_>) -> Option<(u32, bool)> {
    let strong = c.get(1).is_none();
    let number = c.iter().skip(1).flatten().next()?.as_str().parse().ok()?;
    Some((number, strong))
}

/// The SQLSTATE the framing gives, when it gives one.
fn sqlstate_in(text: &str) -> Option<String> {
    SQLSTATE.captures(text).and_then(|c| {
        c.iter()
            .skip(1)
            .flatten()
            .next()
            .map(|m| m.as_str().to_owned())
    })
}

static SYMBOL_ANCHOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bER_[A-Z0-9_]{4,}\b").expect("static regex"));
static SQLSTATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bsql_?state\s*[:=]?\s*([0-9A-Z]{5})\b|\bERROR \d{4,5} \(([0-9A-Z]{5})\)|\bERROR ([0-9A-Z]{5}) \(\d{4,5}\)")
        .expect("static regex")
});

/// The replication error in `line`, continued on up to three of the `following` lines when
/// its words run on to them.
pub(crate) fn find(line: &str, following: &[&str]) -> Option<Embedded> {
    // By a template first, in the line or wrapped on to the next lines; by the framing's
    // number alone only when no template is found there.
    let mut candidates: Vec<(String, usize)> = segments(line).into_iter().map(|s| (s, 0)).collect();
    let mut joined = line.trim().to_owned();
    for (index, next) in following.iter().take(3).enumerate() {
        if next.trim().is_empty() {
            break;
        }
        joined.push(' ');
        joined.push_str(next.trim());
        candidates.push((joined.clone(), index + 1));
    }
    candidates
        .iter()
        .find_map(|(text, continued)| by_template(text, *continued))
        .or_else(|| {
            candidates
                .iter()
                .find_map(|(text, continued)| by_number_alone(text, *continued))
        })
}

/// The strings of a line: a JSON document or an escaped string holds its message between `\n`
/// and `\t` escapes, with its quotes escaped.
fn segments(line: &str) -> Vec<String> {
    if !(line.contains("\\n") || line.contains("\\t") || line.contains("\\\"")) {
        return vec![line.to_owned()];
    }
    line.split("\\n")
        .flat_map(|part| part.split("\\t"))
        .flat_map(|part| part.split("\\r"))
        .map(|part| {
            part.replace("\\\"", "\"")
                .replace("\\/", "/")
                .replace("\\\\", "\\")
        })
        .filter(|part| !part.trim().is_empty())
        .collect()
}

fn by_template(segment: &str, continued: usize) -> Option<Embedded> {
    let Some(mut found) = catalogue::recognise_in(segment) else {
        return by_opening_alone(segment, continued);
    };
    // A thread's own opening words (`Could not execute Write_rows event on table ...`) around
    // the message name replication, and start it: enough without the framing's number.
    let opening = super::error_log::bare_message_start(&found.text);
    if let Some(at) = opening {
        found.names_replication = true;
        found.start = found.start.min(at);
    }
    // A template that names no replication thread or state (`Duplicate entry`, `Lock wait
    // timeout`) is an application's own error here, whatever number its framing gives; only
    // a thread's opening words around it make it the replica's.
    if !found.names_replication {
        return None;
    }
    let anchor = number_near(&found);
    if anchor.is_none() && opening.is_none() && found.template.letters() < UNANCHORED_LETTERS {
        return None;
    }
    // The framing's number, when it is this error's (or 1236, under which the dump thread
    // sends every reason); else the template's own: a pid or a date in brackets is no error
    // number.
    let code = match anchor {
        Some(code)
            if code == found.template.number
                || code == 1236
                || catalogue::number_words(code, &found.text) =>
        {
            code
        }
        _ => found.template.number,
    };
    Some(Embedded {
        code,
        sqlstate: sqlstate_in(&found.text),
        message: message_of(&found),
        continued,
    })
}

/// A thread's own opening words (`Fatal error: The slave I/O thread stops because ...`) whose
/// message is cut before a template's words are all there: its number from the well-known text
/// it holds.
fn by_opening_alone(segment: &str, continued: usize) -> Option<Embedded> {
    let text = segment.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = super::error_log::bare_message_start(&text)?;
    let message = text[at..]
        .trim()
        .trim_end_matches(['"', '`', ')', ']', '}'])
        .trim();
    let code = super::messages::implied_error_code(message)?;
    Some(Embedded {
        code,
        sqlstate: None,
        message: message.to_owned(),
        continued,
    })
}

/// A replication error whose wording no template read has (another release's), found by the
/// framing's number alone: a number the catalogue lists for a replication error, then the
/// message after a label (`errmsg = `, `message=`) or right after the number.
fn by_number_alone(segment: &str, continued: usize) -> Option<Embedded> {
    static MESSAGE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:errmsg|error ?message|message|msg)\s*[=:]\s*").expect("static regex")
    });
    // Only a framing that says an error follows: prose's "we got error 1236 from the master"
    // is no message of the server's.
    let c = NUMBER_ANCHOR
        .captures_iter(segment)
        .find(|c| anchor_number(c).is_some_and(|(_, strong)| strong))?;
    let (number, _) = anchor_number(&c)?;
    let after = &segment[c.get(0)?.end()..];
    let message = match MESSAGE_LABEL.find(after) {
        Some(label) => &after[label.end()..],
        None => after.trim_start_matches(|ch: char| !ch.is_alphabetic()),
    };
    let message = message
        .trim()
        .trim_end_matches([']', '}', ')', '"', '`'])
        .trim();
    if message.split_whitespace().count() < 3 {
        return None;
    }
    // Another wording of the same error shares most of its words with one the catalogue has;
    // prose that merely holds a number beside "error" does not.
    let words_of = |text: &str| -> Vec<String> {
        text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '/'))
            .filter(|w| w.len() >= 4)
            .map(str::to_lowercase)
            .collect()
    };
    let said = words_of(message);
    let reworded = catalogue::templates()
        .iter()
        .filter(|t| t.number == number && t.names_replication())
        .any(|t| {
            let mut words = words_of(t.fixed);
            words.sort();
            words.dedup();
            let shared = words.iter().filter(|w| said.contains(w)).count();
            !words.is_empty() && shared * 2 >= words.len()
        });
    if !reworded {
        return None;
    }
    Some(Embedded {
        code: number,
        sqlstate: sqlstate_in(segment),
        message: message.to_owned(),
        continued,
    })
}

/// The error number the framing gives: the one nearest before the message, else the first
/// after its start (`... Error code: 1236; SQLSTATE: HY000.`, the message's own
/// `Error_code: 1062`).
fn number_near(found: &Recognised) -> Option<u32> {
    let text = found.text.as_str();
    let mut before: Option<(usize, u32)> = None;
    let mut after: Option<(usize, u32)> = None;
    let mut consider = |at: usize, number: u32| {
        let slot = if at < found.start {
            &mut before
        } else {
            &mut after
        };
        let nearer = match slot {
            Some((seen, _)) if at < found.start => at > *seen,
            Some((seen, _)) => at < *seen,
            None => true,
        };
        if nearer {
            *slot = Some((at, number));
        }
    };
    for c in NUMBER_ANCHOR.captures_iter(text) {
        if let (Some(whole), Some((number, _))) = (c.get(0), anchor_number(&c))
            && number >= 1000
        {
            consider(whole.start(), number);
        }
    }
    for m in SYMBOL_ANCHOR.find_iter(text) {
        if let Some(template) = catalogue::by_symbol(m.as_str()) {
            consider(m.start(), template.number);
        }
    }
    before.or(after).map(|(_, number)| number)
}

/// The message from its first fixed words on; a quote or backtick that opens right before it
/// (a string in a program's output) closes it.
fn message_of(found: &Recognised) -> String {
    let text = &found.text[found.start..];
    let opening = found.text[..found.start]
        .trim_end_matches('u')
        .chars()
        .next_back()
        .filter(|c| matches!(c, '"' | '`'));
    let text = match opening.and_then(|q| text.rfind(q).map(|at| (q, at))) {
        Some((_, at)) => &text[..at],
        None => text,
    };
    text.trim().to_owned()
}

impl Embedded {
    /// The error as a client error of the program that printed it.
    fn into_client_error(self, origin: crate::model::Provenance) -> ClientError {
        ClientError {
            program: ClientProgram::Other,
            code: Some(self.code),
            sqlstate: self.sqlstate,
            message: self.message,
            statement: None,
            event_type: None,
            data_len: None,
            offset: None,
            origin,
        }
    }
}

impl Parser<'_> {
    /// Adds an error found inside another program's framing to `server`'s evidence.
    pub(super) fn push_embedded(
        &mut self,
        server: usize,
        found: Embedded,
        origin: crate::model::Provenance,
    ) {
        self.server(server)
            .client_errors
            .push(found.into_client_error(origin));
    }

    /// Looks again at every line no reader understood for a replication error inside another
    /// program's framing; what is found becomes a client error of that program's server, and
    /// only the lines still not understood are reported.
    pub(super) fn rescue_embedded_errors(&mut self) {
        let spans = std::mem::take(&mut self.not_understood);
        for span in spans {
            // Lines are in order of their numbers: the span's are found by two searches.
            let start = self.lines.partition_point(|l| l.number < span.first_line);
            let end = self.lines.partition_point(|l| l.number <= span.last_line);
            let indexes: Vec<usize> = (start..end.max(start)).collect();
            let mut rescued = vec![false; indexes.len()];
            let mut k = 0;
            while k < indexes.len() {
                let line = self.lines[indexes[k]];
                let following: Vec<&str> = indexes[k + 1..]
                    .iter()
                    .take(3)
                    .map(|&i| self.lines[i].content)
                    .collect();
                let Some(found) = find(line.content, &following) else {
                    k += 1;
                    continue;
                };
                let last = indexes[k + found.continued];
                let origin = self.origin(line.number, self.lines[last].number);
                let continued = found.continued;
                self.push_embedded(line.server, found, origin);
                for flag in &mut rescued[k..=k + continued] {
                    *flag = true;
                }
                k += continued + 1;
            }
            self.report_unrescued(&span, &indexes, &rescued);
        }
        // Another program's own log line (`[error] binlogstreamer.go:77 close sync with err:
        // ERROR 1236 ...`) reads as an untimed log line that names no replication thread.
        for server in &mut self.evidence.servers {
            let found: Vec<ClientError> = server
                .error_log
                .iter()
                .filter(|l| l.format == ErrorLogFormat::Untimed && l.replication_thread().is_none())
                .filter_map(|l| Some(find(&l.message, &[])?.into_client_error(l.origin.clone())))
                .collect();
            server.client_errors.extend(found);
        }
    }

    /// Flags each part still not understood whose lines (any of them, not only the first)
    /// look like a replication error.
    pub(super) fn flag_unread_errors(&mut self) {
        for index in 0..self.not_understood.len() {
            let span = &self.not_understood[index];
            let start = self.lines.partition_point(|l| l.number < span.first_line);
            let end = self.lines.partition_point(|l| l.number <= span.last_line);
            let looks = self.lines[start..end.max(start)]
                .iter()
                .any(|l| super::looks_like_replication_error(l.content));
            self.not_understood[index].looks_like_replication_error = looks;
        }
    }

    /// The lines of `span` that are still not understood, as spans of consecutive lines.
    fn report_unrescued(&mut self, span: &NotUnderstood, indexes: &[usize], rescued: &[bool]) {
        if !rescued.contains(&true) {
            self.not_understood.push(span.clone());
            return;
        }
        let mut k = 0;
        while k < indexes.len() {
            if rescued[k] {
                k += 1;
                continue;
            }
            let first = k;
            while k + 1 < indexes.len() && !rescued[k + 1] {
                k += 1;
            }
            let (from, to) = (self.lines[indexes[first]], self.lines[indexes[k]]);
            let reason = span.reason.clone();
            self.not_understood(from.number, to.number, &reason, from.content.trim());
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(line: &str) -> Option<(u32, String)> {
        find(line, &[]).map(|e| (e.code, e.message))
    }

    #[test]
    fn a_replication_error_in_any_program_framing() {
        let reason = "log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'b.000003' at 887, the last event read from './b.000003' at 4, the last byte read from './b.000003' at 906.";
        for line in [
            format!(
                "pid:20 exception:canal:java.io.IOException: Received error packet: errno = 1236, sqlstate = HY000 errmsg = {reason}"
            ),
            format!("Event stream error. ErrorCode: 1236, ErrorMessage: {reason}, SqlState:HY000"),
            format!("> MySQL execute error: ERROR 1236 (HY000): {reason}"),
            format!("Server error: `ERROR HY000 (1236): {reason}`"),
            format!("{{ Error: ER_MASTER_FATAL_ERROR_READING_BINLOG: {reason}"),
            format!("InternalError: (1236, u\"{reason}\")"),
            format!("io.debezium.DebeziumException: {reason} Error code: 1236; SQLSTATE: HY000."),
            format!(
                "{{\"state\":\"FAILED\",\"trace\":\"org.apache.kafka.connect.errors.ConnectException: {reason}\\n\\tat io.debezium.X.wrap(X.java:230)\"}}"
            ),
            format!("ERRO[0000] close sync with err: {reason}"),
        ] {
            let (code, message) = found(&line).unwrap_or_else(|| panic!("not found in {line}"));
            assert_eq!(code, 1236, "{line}");
            assert!(message.starts_with("log event entry"), "{line}: {message}");
            assert!(message.contains("at 906."), "{line}: {message}");
        }
        let e = find(
            "errno = 1236, sqlstate = HY000 errmsg = Slave can not handle replication events with the checksum that master is configured to log",
            &[],
        )
        .unwrap();
        assert_eq!(e.sqlstate.as_deref(), Some("HY000"));
    }

    #[test]
    fn an_applier_message_in_quotes_keeps_its_own_number() {
        let (code, message) = found("\"Could not execute Write_rows event on table db.t; Duplicate entry '38' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000100, end_log_pos 13259\"").unwrap();
        assert_eq!(code, 1062);
        assert!(message.starts_with("Could not execute Write_rows"));
        assert!(message.ends_with("end_log_pos 13259"));
    }

    #[test]
    fn an_applications_own_error_is_no_replica_failure() {
        // With or without the number its driver prints.
        for line in [
            "app.log: insert failed: Duplicate entry '5' for key 'PRIMARY'",
            "2024-01-01 app: SQLError: 1062, reason: Duplicate entry '5' for key 'PRIMARY'",
            "pymysql.err.IntegrityError: (1062, \"Duplicate entry '5' for key 'PRIMARY'\")",
            "django.db.utils.OperationalError: (1205, 'Lock wait timeout exceeded; try restarting transaction')",
            "{\"error\":\"Error 1146 (42S02): Table 'shop.orders' doesn't exist\"}",
            "we saw the binary log is not open yet",
            "Yesterday we got error 1236 from the master when reading data from the binary log, but we fixed it",
        ] {
            assert!(found(line).is_none(), "{line}");
        }
        // The replica's own opening words make it the applier's.
        let (code, _) = found("\"Could not execute Write_rows event on table d.t; Duplicate entry '5' for key 'PRIMARY', Error_code: 1062\"").unwrap();
        assert_eq!(code, 1062);
    }

    #[test]
    fn a_number_in_brackets_that_is_no_error_number_gives_way_to_the_templates() {
        let (code, _) = found("app-7f9c worker thread pool executor binlog listener service (23456) canal sync failed: Could not find first log file name in binary log index file").unwrap();
        assert_eq!(code, 1236);
        let (code, _) = found("canal sync failed error 1045: Could not find first log file name in binary log index file").unwrap();
        assert_eq!(code, 1236);
    }

    #[test]
    fn another_releases_wording_by_the_framings_number() {
        let e = find(
            "java.io.IOException: Received error packet: errno = 4052, sqlstate = HY000 errmsg = A slave with the same server_uuid/server_id is already connected; the first event '.' at 0",
            &[],
        )
        .unwrap();
        assert_eq!(e.code, 4052);
        assert!(
            e.message.starts_with("A slave with the same"),
            "{}",
            e.message
        );
        // Prose with a number beside "error" that names a replication error is not its message.
        assert!(
            find(
                "the replica error 13114 happened near the source binlog while we slept",
                &[]
            )
            .is_none()
        );
        // A number of no replication error is no replica's failure.
        assert!(
            find(
                "errno = 1064, errmsg = You have an error in your SQL syntax near",
                &[]
            )
            .is_none()
        );
    }

    #[test]
    fn a_message_wrapped_on_to_the_next_lines() {
        let e = find(
            "InternalError: (1236, u\"log event entry exceeded max_allowed_packet;",
            &["Increase max_allowed_packet on master; the first event 'b.1' at 4\")"],
        )
        .unwrap();
        assert_eq!((e.code, e.continued), (1236, 1));
    }
}
