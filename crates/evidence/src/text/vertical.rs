//! Vertical output (`\G`, `SHOW SLAVE STATUS` as most pastes show it): `Name: value` fields,
//! records separated by `*** 1. row ***`, values that run over several lines.

use std::sync::LazyLock;

use regex::Regex;

use super::records::{self, Field};
use super::table::TABLE_BORDER;
use super::{
    Parser, QueryQuote, client, innodb_status, is_elision, mysqlbinlog, parse_backup_log_line,
};
use crate::model::{GtidText, Provenance};

static VERTICAL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // `Create Table:` of SHOW CREATE TABLE is the one column name with a space.
    Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*|@@[\w.]+|Create [A-Z][a-z]+)[ \t]*:(?:[ \t]+(.*)|$)")
        .expect("static regex")
});
static VERTICAL_FIELD_UNSPACED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*):([^\s:/].*)$").expect("static regex")
});
pub(super) static ROW_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*{3,}\s*\d+\.\s*row\s*\*{3,}$").expect("static regex"));

pub(super) fn vertical_field(line: &str) -> Option<(&str, &str)> {
    if let Some(c) = VERTICAL_FIELD.captures(line) {
        let (name, value) = (c.get(1)?, c.get(2).map_or("", |m| m.as_str()));
        return Some((name.as_str(), value));
    }
    let c = VERTICAL_FIELD_UNSPACED.captures(line)?;
    Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
}

/// A vertical `Name: value` field, not a line of another kind that has the same shape
/// (`ERROR: ...` of mysqlbinlog, `xtrabackup: ...`).
pub(super) fn is_field_line(text: &str) -> bool {
    vertical_field(text).is_some()
        && !client::is_client_error(text)
        && parse_backup_log_line(text, Provenance::pasted("", 0, 0)).is_none()
}

/// The fields of a line that holds several (`Last_SQL_Errno:1146 Last_SQL_Error:Coordinator
/// stopped...`, `Slave_IO_Running: Yes Slave_SQL_Running: No`), as test harnesses and monitoring
/// checks print them: a value of one word followed by `Capitalised_Name:` starts another field.
/// A message (`Could not execute ...; Error_code: 1062`) has more than one word before any such
/// name, so it stays whole.
fn fields_on_one_line<'l>(name: &'l str, value: &'l str) -> Vec<(&'l str, &'l str)> {
    static NEXT_FIELD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\S+)\s+([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]*):(?:\s+|$)(.*)$")
            .expect("static regex")
    });
    static NEXT_FIELD_UNSPACED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\S+)\s+([A-Z][A-Za-z0-9]*_[A-Za-z0-9_]*):(\S.*)$").expect("static regex")
    });
    let mut fields = Vec::new();
    let (mut name, mut value) = (name, value);
    loop {
        let next = NEXT_FIELD
            .captures(value)
            .or_else(|| NEXT_FIELD_UNSPACED.captures(value));
        // A value that is itself `Name:` (an empty field) is no field boundary: keep it.
        let Some(c) = next.filter(|c| !c[1].ends_with(':')) else {
            fields.push((name, value));
            return fields;
        };
        let (first, next_name, rest) = (c.get(1), c.get(2), c.get(3));
        let (Some(first), Some(next_name), Some(rest)) = (first, next_name, rest) else {
            fields.push((name, value));
            return fields;
        };
        fields.push((name, first.as_str()));
        name = next_name.as_str();
        value = rest.as_str();
    }
}

impl Parser<'_> {
    pub(super) fn read_vertical(&mut self) {
        let start = self.pos;
        let server = self.lines[start].server;
        let mut fields: Vec<Field> = Vec::new();
        let (mut first, mut last) = (0, 0);
        let mut may_continue = false;
        let mut quote = QueryQuote::default();
        while self.continues_block(self.pos, server) {
            let line = self.lines[self.pos];
            let text = line.content.trim();
            if line.consumed {
                self.pos += 1;
                continue;
            }
            if ROW_HEADER.is_match(text) {
                self.finish_record(server, &mut fields, first, last);
                may_continue = false;
                self.pos += 1;
                continue;
            }
            if text.is_empty() || is_elision(text) {
                // Blogs and tickets leave gaps inside one record; go on if a field follows.
                let mut next = self.pos + 1;
                while self.continues_block(next, server) {
                    let l = self.lines[next];
                    let t = l.content.trim();
                    if !(l.consumed || t.is_empty() || is_elision(t)) {
                        break;
                    }
                    next += 1;
                }
                let field_follows = self.continues_block(next, server)
                    && self.content(next).is_some_and(is_field_line);
                if !field_follows {
                    break;
                }
                may_continue = false;
                self.pos = next;
                continue;
            }
            let next = self.content(self.pos + 1);
            if innodb_status::starts_innodb_status(text, next)
                || mysqlbinlog::starts_mysqlbinlog(text)
                || TABLE_BORDER.is_match(text)
            {
                break;
            }
            if is_field_line(text)
                && let Some((name, value)) = vertical_field(text)
            {
                let on_line = fields_on_one_line(name, value);
                if on_line
                    .iter()
                    .any(|(name, _)| fields.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)))
                {
                    self.finish_record(server, &mut fields, first, last);
                }
                if fields.is_empty() {
                    first = line.number;
                }
                let value = on_line.last().map_or(value, |(_, v)| *v);
                fields.extend(
                    on_line
                        .iter()
                        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
                );
                quote = QueryQuote::after(value);
                last = line.number;
                may_continue = true;
                self.pos += 1;
                continue;
            }
            // Only text values run over lines (GTID sets, queries, messages); a line after a
            // number or an empty value is something else, often a line cut short.
            let can_continue = |value: &str| {
                let value = value.trim();
                !value.is_empty() && !value.chars().all(|c| c.is_ascii_digit())
            };
            if may_continue
                && let Some((_, value)) = fields.last_mut()
                && can_continue(value)
                && self.continues_value(self.pos, value, quote.open())
            {
                // A value printed over several lines: a long GTID set, a query.
                value.push('\n');
                value.push_str(text);
                quote.feed(text);
                last = line.number;
                self.pos += 1;
                continue;
            }
            break;
        }
        self.finish_record(server, &mut fields, first, last);
        if self.pos == start {
            let text = self.lines[start].content.trim().to_owned();
            let number = self.lines[start].number;
            self.not_understood(number, number, "not a recognised kind of output", &text);
            self.pos += 1;
        }
    }

    /// Whether line `index` continues a vertical value printed over several lines: a long GTID
    /// set (its lines end in `,`), or text that cannot start anything else.
    fn continues_value(&self, index: usize, value: &str, in_query: bool) -> bool {
        let Some(text) = self.content(index) else {
            return false;
        };
        (value.trim_end().ends_with(',') && GtidText::looks_like_gtid_set(text))
            || !self.starts_something(index, in_query)
    }

    fn finish_record(&mut self, server: usize, fields: &mut Vec<Field>, first: usize, last: usize) {
        if fields.is_empty() {
            return;
        }
        let names: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
        let statement = self.statement.clone();
        let kind = records::classify(&names, statement.as_deref())
            .or_else(|| records::is_worker_error_row(fields).then_some(records::RowKind::Worker));
        match kind {
            Some(kind) => {
                let origin = self.origin(first, last);
                self.add_row(server, kind, fields, statement.as_deref(), origin);
            }
            None => {
                let reason = format!(
                    "a record with columns {} is not a known kind",
                    names.join(", ")
                );
                let excerpt = format!("{}: {}", fields[0].0, fields[0].1);
                self.not_understood(first, last, &reason, &excerpt);
            }
        }
        fields.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_text;

    #[test]
    fn several_fields_on_one_line() {
        assert_eq!(
            fields_on_one_line(
                "Last_SQL_Errno",
                "1146 Last_SQL_Error:Coordinator stopped because"
            ),
            [
                ("Last_SQL_Errno", "1146"),
                ("Last_SQL_Error", "Coordinator stopped because")
            ]
        );
        assert_eq!(
            fields_on_one_line("Slave_IO_Running", "Yes Slave_SQL_Running: No"),
            [("Slave_IO_Running", "Yes"), ("Slave_SQL_Running", "No")]
        );
        let message = "Could not execute Write_rows event on table t; Duplicate entry '1' for key 'PRIMARY', Error_code: 1062";
        assert_eq!(
            fields_on_one_line("Last_Error", message),
            [("Last_Error", message)]
        );
        // Corpus 070.
        let parsed = parse_text(
            "t",
            "Last_SQL_Errno:1146 Last_SQL_Error:Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed executing transaction 'ANONYMOUS' at master log bin.000003, end_log_pos 53420339.\n",
        );
        let channel = &parsed.evidence.servers[0].channels()[0];
        assert_eq!(channel.last_sql_errno, Some(1146));
        assert!(
            channel
                .last_sql_error
                .as_deref()
                .is_some_and(|e| e.starts_with("Coordinator"))
        );
    }
}
