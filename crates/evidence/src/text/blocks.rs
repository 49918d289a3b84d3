//! Parts whose lines another module reads (error-log messages, `ls -l`, InnoDB status,
//! mysqlbinlog output, `CREATE TABLE`, GTID sets): where each part ends.

use std::sync::LazyLock;

use regex::Regex;

use super::table::TABLE_BORDER;
use super::vertical::ROW_HEADER;
use super::{
    Parser, QueryQuote, client, create_table, error_log, innodb_status, listing, mysqlbinlog,
    parse_error_log_line, records,
};
use crate::model::variables::is_known_variable_name;
use crate::model::{ErrorLogFormat, ErrorLogLine, GtidText, LogFileEntry, Provenance};

/// The first line of a `CREATE TABLE` statement pasted alone.
pub(super) fn starts_create_table(line: &str) -> bool {
    static CREATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^create\s+(?:or\s+replace\s+)?(?:temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?[`\w]")
            .expect("static regex")
    });
    CREATE.is_match(line)
}

impl Parser<'_> {
    /// An error-log line and the lines that continue its message (a statement printed over
    /// several lines), up to the next line that starts something else.
    pub(super) fn read_error_log(&mut self, server: usize, mut entry: ErrorLogLine) {
        let first = self.lines[self.pos].number;
        let mut last = first;
        let mut quote = QueryQuote::after(&entry.message);
        // Messages pasted alone follow each other without a time to tell where one ends.
        let message_only = entry.format == ErrorLogFormat::MessageOnly;
        let input = self.input;
        let next_message = move |text: &str| {
            let unused = Provenance::pasted(input, 0, 0);
            message_only && error_log::parse_bare_message(text, unused).is_some()
        };
        self.pos += 1;
        // `Default database: 'db'.` then, wrapped, `Query: '...'`: the statement of the same
        // message, not a field of its own.
        let statement_follows = |message: &str, next: Option<&str>| {
            message.contains("Default database:")
                && !message.contains("Query: '")
                && next.is_some_and(|t| t.starts_with("Query: '"))
        };
        while self.continues_block(self.pos, server)
            && (!self.starts_something(self.pos, quote.open())
                || statement_follows(&entry.message, self.content(self.pos)))
            && !self.content(self.pos).is_some_and(next_message)
        {
            let line = self.lines[self.pos];
            entry.message.push('\n');
            entry.message.push_str(line.content.trim());
            quote.feed(line.content.trim());
            last = line.number;
            self.pos += 1;
        }
        if last != first {
            entry.origin = self.origin(first, last);
        }
        records::add_error_log_line(self.server(server), entry);
    }

    /// `ls -l` of a log directory: the numbered binary and relay logs with their sizes.
    pub(super) fn read_listing(&mut self) {
        let server = self.lines[self.pos].server;
        if self.content(self.pos).is_some_and(listing::is_ls_total) {
            self.pos += 1;
        }
        while self.continues_block(self.pos, server) {
            let line = self.lines[self.pos];
            let Some(file) = listing::parse_ls_line(line.content) else {
                break;
            };
            if listing::is_numbered_log(file.name) {
                let entry = LogFileEntry {
                    name: file.name.rsplit('/').next().unwrap_or(file.name).to_owned(),
                    size: file.size,
                    encrypted: None,
                    origin: self.origin(line.number, line.number),
                };
                let target = self.server(server);
                if listing::is_relay_log(file.name) {
                    target.relay_logs.push(entry);
                } else {
                    target.binary_logs.push(entry);
                }
            }
            self.pos += 1;
        }
    }

    pub(super) fn read_innodb_status(&mut self) {
        let start = self.pos;
        let server = self.lines[start].server;
        let mut texts = Vec::new();
        let mut whole_monitor = false;
        while self.continues_block(self.pos, server) {
            let text = self.lines[self.pos].content.trim_end();
            whole_monitor |= innodb_status::is_monitor_header(text);
            if (text.trim().is_empty() && !whole_monitor)
                || (self.pos > start
                    && (ROW_HEADER.is_match(text.trim()) || TABLE_BORDER.is_match(text.trim())))
            {
                break;
            }
            texts.push(text);
            self.pos += 1;
            if innodb_status::ends_innodb_status(text) {
                if self
                    .content(self.pos)
                    .is_some_and(|t| t.starts_with("===="))
                {
                    self.pos += 1;
                }
                break;
            }
        }
        let first = self.lines[start].number;
        let last = self.lines[self.pos - 1].number;
        let status = innodb_status::parse_innodb_status(&texts, self.origin(first, last));
        self.server(server).innodb_status.push(status);
    }

    pub(super) fn read_mysqlbinlog(&mut self) {
        let start = self.pos;
        let server = self.lines[start].server;
        let mut reader = mysqlbinlog::BinlogReader::new(self.input);
        while self.continues_block(self.pos, server) {
            let line = self.lines[self.pos];
            let text = line.content.trim();
            // The first line is mysqlbinlog output by the caller's test, whatever else it
            // might also look like.
            let ends_block = text.is_empty()
                || ROW_HEADER.is_match(text)
                || TABLE_BORDER.is_match(text)
                || client::is_client_error(text)
                || parse_error_log_line(text, self.origin(0, 0)).is_some()
                || error_log::parse_bare_message(text, self.origin(0, 0)).is_some();
            if self.pos > start && ends_block {
                break;
            }
            reader.read(line.number, line.content);
            self.pos += 1;
        }
        self.server(server).binlog_events.extend(reader.events);
    }

    /// A `CREATE TABLE` statement pasted as it is (`mysqldump --no-data`): up to the `)` that
    /// closes its column list and the table options on that line, or its `;`.
    pub(super) fn read_create_table(&mut self) {
        let start = self.pos;
        let server = self.lines[start].server;
        let mut statement = String::new();
        let mut depth = 0usize;
        let mut opened = false;
        while self.continues_block(self.pos, server) {
            let text = self.lines[self.pos].content.trim_end();
            if self.pos > start && text.trim().is_empty() {
                break;
            }
            statement.push_str(text);
            statement.push('\n');
            self.pos += 1;
            for c in text.chars() {
                match c {
                    '(' => {
                        depth += 1;
                        opened = true;
                    }
                    ')' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            // Partitioning follows the column list as a versioned comment (`/*!50100 ...`).
            let in_version_comment = statement.rfind("/*!") > statement.rfind("*/");
            let comment_follows = self
                .content(self.pos)
                .is_some_and(|next| next.starts_with("/*!"));
            let closed = opened && depth == 0 && !in_version_comment && !comment_follows;
            if closed || text.trim_end().ends_with(';') {
                break;
            }
        }
        let (first, last) = (self.lines[start].number, self.lines[self.pos - 1].number);
        let origin = self.origin(first, last);
        for table in create_table::create_tables(&statement, None, &origin) {
            match table {
                Ok(table) => self.server(server).add_table(table),
                Err(error) => {
                    let excerpt = self.lines[start].content.trim().to_owned();
                    self.not_understood(first, last, &error.reason, &excerpt);
                }
            }
        }
    }

    /// A one-column result: `name` on its line, its value on the next (a GTID set may go on
    /// over lines ending in `,`), read as the field or variable of that name. `false`, reading
    /// nothing, when no value follows or the name is no column or variable repldoctor knows.
    pub(super) fn read_column_over_value(&mut self, server: usize, name: &str) -> bool {
        let first = self.pos + 1;
        let Some(value_line) = self.content(first).filter(|v| !v.is_empty()) else {
            return false;
        };
        // A value is one token (`No`, `7`, a file name) or a GTID set, never a sentence, and
        // not another column's name.
        let gtid_set = GtidText::looks_like_gtid_set(value_line);
        if !self.continues_block(first, server)
            || (!gtid_set && value_line.contains(char::is_whitespace))
            || super::lone_column_name(value_line).is_some()
            || (self.starts_something(first, false) && !gtid_set)
        {
            return false;
        }
        let statement = self.statement.clone();
        let names = [name.to_owned()];
        let kind = records::classify(&names, statement.as_deref());
        let variable = name.starts_with("@@") || is_known_variable_name(name);
        if kind.is_none() && !variable {
            return false;
        }
        let mut value = value_line.to_owned();
        let mut last = first;
        while value.ends_with(',')
            && self.continues_block(last + 1, server)
            && self
                .content(last + 1)
                .is_some_and(GtidText::looks_like_gtid_set)
        {
            last += 1;
            value.push_str(self.content(last).unwrap_or_default());
        }
        let origin = self.origin(self.lines[self.pos].number, self.lines[last].number);
        match kind {
            Some(kind) => {
                let fields = [(name.to_owned(), value)];
                self.add_row(server, kind, &fields, statement.as_deref(), origin);
            }
            None => self.server(server).variables.set(name, &value, origin),
        }
        self.pos = last + 1;
        true
    }

    /// A bare GTID set, possibly over several lines ending in `,`.
    pub(super) fn read_gtid_set(&mut self) {
        let start = self.pos;
        let server = self.lines[start].server;
        let mut text = String::new();
        loop {
            let line = self.lines[self.pos].content.trim();
            text.push_str(line);
            self.pos += 1;
            let more = line.ends_with(',')
                && self.continues_block(self.pos, server)
                && self
                    .content(self.pos)
                    .is_some_and(GtidText::looks_like_gtid_set);
            if !more {
                break;
            }
        }
        let origin = self.origin(self.lines[start].number, self.lines[self.pos - 1].number);
        if let Some(set) = GtidText::new(&text) {
            match self.selected_variable() {
                // The answer of `SELECT @@global.gtid_executed` pasted without its table.
                Some(name) => {
                    self.server(server).variables.set(&name, &set.text, origin);
                    self.statement_answered = true;
                }
                None => self.server(server).unlabelled_gtid_sets.push((set, origin)),
            }
        }
    }
}
