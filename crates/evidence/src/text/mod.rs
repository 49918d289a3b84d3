//! "Paste what you have": reading evidence from text.
//!
//! [`parse_evidence`] takes one or more texts (files, standard input) holding any mix of
//! `SHOW SLAVE STATUS\G` / `SHOW REPLICA STATUS\G` / `SHOW ALL SLAVES STATUS\G` output, tabular
//! `+---+` output (processlist, performance_schema tables, SHOW VARIABLES; rows without their
//! borders too), vertical performance_schema rows, `name = value` variables and option files,
//! SHOW ENGINE INNODB STATUS, error-log lines (messages over several lines included), mysqlbinlog
//! output and errors, GTID sets, `ls -l` of a log directory and xtrabackup/mariabackup logs.
//! Each part is recognised on its own; every line that is not understood is reported with its
//! line numbers in [`ParsedText::not_understood`], never dropped. A value or message printed
//! over several lines goes on until a line that starts a part of its own.
//!
//! A statement typed at a client prompt (or pasted alone on its line, `SELECT @@gtid_executed`)
//! says what the output below it is; client errors (`ERROR 1872 (HY000): ...`) are kept with the
//! statement that got them.
//!
//! To say which server a part belongs to, put a line `-- server: NAME [role: replica|source|both]`
//! before it, or start its first line with `NAME> ` (`DB01> Last_Errno: 1062`). Without a label
//! everything belongs to one unnamed server. Lines starting with `-- ` are comments.

mod backup_log;
mod client;
pub mod create_table;
mod error_log;
mod innodb_status;
mod lines;
mod listing;
pub mod messages;
mod mysqlbinlog;
pub(crate) mod records;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::{
    BackupEvent, BackupTool, ErrorLogFormat, ErrorLogLine, Evidence, Flavor, GtidText,
    LogFileEntry, Provenance, Role, ServerEvidence,
};

pub use backup_log::{classify_backup_message, parse_backup_log_line};
pub use error_log::parse_error_log_line;

use crate::model::variables::normalise_variable_name;
use lines::{Line, ServerTag};
use records::Field;

/// One text to read: `name` is what reports call it (a file name, `-` for standard input).
#[derive(Debug, Clone, Copy)]
pub struct TextInput<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

/// Lines that were not understood, reported so the DBA knows what the diagnosis did not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotUnderstood {
    pub input: String,
    /// 1-based, inclusive.
    pub first_line: usize,
    pub last_line: usize,
    pub reason: String,
    /// The first line, shortened.
    pub excerpt: String,
}

/// What the texts gave.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedText {
    pub evidence: Evidence,
    pub not_understood: Vec<NotUnderstood>,
}

/// Reads several texts into one [`Evidence`]; servers with the same label are merged.
pub fn parse_evidence(inputs: &[TextInput<'_>]) -> ParsedText {
    let mut parsed = ParsedText::default();
    for input in inputs {
        let one = parse_text(input.name, input.text);
        parsed.evidence.merge(one.evidence);
        parsed.not_understood.extend(one.not_understood);
    }
    parsed
}

/// Reads one text.
pub fn parse_text(input: &str, text: &str) -> ParsedText {
    // Output copied from a web page carries non-breaking spaces between words and around
    // columns; the servers never print them.
    let without_nbsp;
    let text = if text.contains('\u{a0}') {
        without_nbsp = text.replace('\u{a0}', " ");
        without_nbsp.as_str()
    } else {
        text
    };
    let with_colons;
    let text = if text.contains('\t') {
        with_colons = tab_pairs_as_fields(text);
        with_colons.as_str()
    } else {
        text
    };
    let prepared = lines::prepare(text);
    let mut parser = Parser {
        input,
        lines: &prepared.lines,
        tags: &prepared.servers,
        pos: 0,
        evidence: Evidence::default(),
        not_understood: Vec::new(),
        statement: None,
        statement_text: None,
        statement_answered: false,
        option_section: false,
        targets: Vec::new(),
        sample_keys: Vec::new(),
    };
    parser.run();
    for (tag, server) in prepared.servers.iter().enumerate() {
        if server.role.is_some() || server.label.is_some() {
            // A labelled server exists even when only its label was given.
            parser.target(tag);
        }
    }
    let Parser {
        mut evidence,
        not_understood,
        ..
    } = parser;
    let tags: HashMap<Option<String>, &ServerTag> = prepared
        .servers
        .iter()
        .map(|t| (t.label.as_deref().map(str::to_ascii_lowercase), t))
        .collect();
    for server in &mut evidence.servers {
        let key = server.label.as_deref().map(str::to_ascii_lowercase);
        identify(server, tags.get(&key).copied());
    }
    evidence.servers.retain(|s| !is_empty(s));
    ParsedText {
        evidence,
        not_understood,
    }
}

fn is_empty(server: &ServerEvidence) -> bool {
    server.label.is_none() && server.role.is_none() && *server == ServerEvidence::default()
}

static VERTICAL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    // `Create Table:` of SHOW CREATE TABLE is the one column name with a space.
    Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*|@@[\w.]+|Create [A-Z][a-z]+)[ \t]*:(?:[ \t]+(.*)|$)")
        .expect("static regex")
});
static VERTICAL_FIELD_UNSPACED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*):([^\s:/].*)$").expect("static regex")
});
static STARTUP_VERSION_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Version: '([^']+)'\s+socket: ").expect("static regex"));
static ROW_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\*{3,}\s*\d+\.\s*row\s*\*{3,}$").expect("static regex"));
static TABLE_BORDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+[-+]*-[-+]*$").expect("static regex"));
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_@][\w.@-]*)\s*=\s*(.*?)\s*;?\s*$").expect("static regex")
});
static OPTION_SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[A-Za-z][\w.-]*\]$").expect("static regex"));
static OPTION_FLAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_-]*$").expect("static regex"));

fn vertical_field(line: &str) -> Option<(&str, &str)> {
    if let Some(c) = VERTICAL_FIELD.captures(line) {
        let (name, value) = (c.get(1)?, c.get(2).map_or("", |m| m.as_str()));
        return Some((name.as_str(), value));
    }
    let c = VERTICAL_FIELD_UNSPACED.captures(line)?;
    Some((c.get(1)?.as_str(), c.get(2)?.as_str()))
}

/// `Name<TAB>value` lines, as mysqltest prints a vertical result and `mysql --batch` prints a
/// two-column one, rewritten as the `Name: value` fields the rest of the parser reads. The
/// `Variable_name<TAB>Value` header of a batch SHOW VARIABLES goes: the names below it are
/// variables themselves.
fn tab_pairs_as_fields(text: &str) -> String {
    static TAB_PAIR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*)\t([^\t]*)$").expect("static regex")
    });
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let bare = line.strip_suffix('\r').unwrap_or(line);
        match TAB_PAIR.captures(bare) {
            Some(c) if c[1].eq_ignore_ascii_case("variable_name") && c[2].trim() == "Value" => {}
            Some(c) => {
                out.push_str(&c[1]);
                out.push(':');
                if !c[2].trim().is_empty() {
                    out.push(' ');
                    out.push_str(&c[2]);
                }
            }
            None => out.push_str(line),
        }
    }
    out
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

/// A line that stands for output the DBA left out: dots or an ellipsis of any length
/// (`...`, `……`, `..............................`), bare or in brackets (`(...)`, `[…]`,
/// `<snip>`, `[output omitted]`).
fn is_elision(line: &str) -> bool {
    let line = line.trim();
    let inner = [('(', ')'), ('[', ']'), ('<', '>'), ('{', '}')]
        .iter()
        .find_map(|(open, close)| line.strip_prefix(*open)?.strip_suffix(*close))
        .unwrap_or(line)
        .trim();
    let dots = inner.chars().filter(|c| *c == '.').count();
    let ellipses = inner.chars().filter(|c| *c == '…').count();
    let only_dots = inner.chars().all(|c| matches!(c, '.' | '…' | ' '));
    if only_dots && (dots >= 3 || ellipses >= 1) {
        return true;
    }
    let words = inner.trim_matches(['.', '…', ' ']).to_ascii_lowercase();
    let marked = inner.len() < line.len() || inner.starts_with(['.', '…']);
    marked
        && matches!(
            words.as_str(),
            "snip" | "snipped" | "cut" | "omitted" | "output omitted" | "truncated"
        )
}

fn is_client_footer(line: &str) -> bool {
    static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:\d+ rows? in set|Empty set|Query OK|Rows matched:|Records: \d|Bye$|PAGER set to)",
        )
        .expect("static regex")
    });
    FOOTER.is_match(line)
}

struct Parser<'t> {
    input: &'t str,
    lines: &'t [Line<'t>],
    tags: &'t [ServerTag],
    pos: usize,
    evidence: Evidence,
    not_understood: Vec<NotUnderstood>,
    /// The last statement typed at a prompt, lower case: tells what the output below it is.
    statement: Option<String>,
    /// The same statement as typed, for the errors it got.
    statement_text: Option<String>,
    /// A bare value has already been read as the answer of `SELECT @@name`.
    statement_answered: bool,
    /// Inside an option file's `[section]`: bare option names are switches.
    option_section: bool,
    /// Server index in `evidence` by tag index.
    targets: Vec<Option<usize>>,
    /// Identities of the items in each server's current sample, by server index.
    sample_keys: Vec<HashSet<String>>,
}

impl Parser<'_> {
    fn server(&mut self, tag: usize) -> &mut ServerEvidence {
        self.target(tag).0
    }

    /// The server of a tag and the identities in its current sample. Cached by tag so a text
    /// with many servers costs no more than one with few.
    fn target(&mut self, tag: usize) -> (&mut ServerEvidence, &mut HashSet<String>) {
        if self.targets.len() <= tag {
            self.targets.resize_with(tag + 1, || None);
        }
        let index = match self.targets[tag] {
            Some(index) => index,
            None => {
                // Tags are distinct labels, so a tag seen for the first time has no server yet.
                let label = self.tags.get(tag).and_then(|t| t.label.clone());
                self.evidence.servers.push(ServerEvidence {
                    label,
                    ..ServerEvidence::default()
                });
                let index = self.evidence.servers.len() - 1;
                self.targets[tag] = Some(index);
                index
            }
        };
        if self.sample_keys.len() <= index {
            self.sample_keys.resize_with(index + 1, HashSet::new);
        }
        (
            &mut self.evidence.servers[index],
            &mut self.sample_keys[index],
        )
    }

    fn content(&self, index: usize) -> Option<&str> {
        self.lines.get(index).map(|l| l.content.trim())
    }

    fn origin(&self, first: usize, last: usize) -> Provenance {
        Provenance::pasted(self.input, first, last)
    }

    fn run(&mut self) {
        while self.pos < self.lines.len() {
            let line = self.lines[self.pos];
            let text = line.content.trim();
            if line.consumed {
                self.pos += 1;
                continue;
            }
            if line.statement || lines::is_bare_statement(text) {
                self.statement = Some(text.to_ascii_lowercase());
                self.statement_text = Some(text.to_owned());
                self.statement_answered = false;
                self.option_section = false;
                self.pos += 1;
                continue;
            }
            if text.is_empty() || is_elision(text) || is_client_footer(text) {
                self.pos += 1;
                continue;
            }
            let before = self.pos;
            self.read_one(line, text);
            if self.pos == before {
                // Every reader consumes its first line; this guards the loop if one does not.
                self.not_understood(
                    line.number,
                    line.number,
                    "not a recognised kind of output",
                    text,
                );
                self.pos += 1;
            }
        }
    }

    /// Reads the part of the text that starts at the current line.
    fn read_one(&mut self, line: Line<'_>, text: &str) {
        {
            let next = self.content(self.pos + 1);
            let origin = self.origin(line.number, line.number);
            if innodb_status::starts_innodb_status(text, next) {
                self.read_innodb_status();
            } else if mysqlbinlog::starts_mysqlbinlog(text) {
                self.read_mysqlbinlog();
            } else if starts_create_table(text) {
                self.read_create_table();
            } else if ROW_HEADER.is_match(text) {
                self.read_vertical();
            } else if TABLE_BORDER.is_match(text) {
                self.read_table(true);
            } else if is_borderless_row(text) {
                // `| Variable_name | Value |` copied from a page without the `+---+` lines.
                self.read_table(false);
            } else if let Some(entry) = parse_error_log_line(text, origin.clone()) {
                self.read_error_log(line.server, entry);
            } else if let Some(entry) = error_log::parse_bare_message(text, origin.clone()) {
                self.read_error_log(line.server, entry);
            } else if let Some(error) =
                client::parse_client_error(text, self.statement_text.as_deref(), origin.clone())
            {
                self.server(line.server).client_errors.push(error);
                self.pos += 1;
            } else if listing::parse_ls_line(text).is_some()
                || (listing::is_ls_total(text)
                    && next.is_some_and(|n| listing::parse_ls_line(n).is_some()))
            {
                self.read_listing();
            } else if let Some(entry) = parse_backup_log_line(text, origin.clone()) {
                self.server(line.server).backup_log.push(entry);
                self.pos += 1;
            } else if let Some(c) = STARTUP_VERSION_LINE.captures(text) {
                // MariaDB prints the version on its own line after "ready for connections".
                self.server(line.server)
                    .variables
                    .set("version", &c[1], origin);
                self.pos += 1;
            } else if vertical_field(text).is_some() {
                self.read_vertical();
            } else if let Some(entry) = error_log::parse_labelled_message(text, origin.clone()) {
                self.read_error_log(line.server, entry);
            } else if let Some(c) = ASSIGNMENT.captures(text) {
                let value = c[2].trim().trim_matches(['\'', '"']);
                let in_option_file = self.option_section;
                let variables = &mut self.server(line.server).variables;
                match variables.get(&c[1]) {
                    // An option file repeats a filter option once per rule; the server lists
                    // them all, comma-separated, as SHOW SLAVE STATUS prints them.
                    Some(rules) if in_option_file && is_filter_option(&c[1]) => {
                        let joined = format!("{rules},{value}");
                        variables.set(&c[1], &joined, origin);
                    }
                    _ => variables.set(&c[1], value, origin),
                }
                self.pos += 1;
            } else if OPTION_SECTION.is_match(text) {
                self.option_section = true;
                self.pos += 1;
            } else if self.option_section && OPTION_FLAG.is_match(text) {
                self.server(line.server).variables.set(text, "ON", origin);
                self.pos += 1;
            } else if GtidText::looks_like_gtid_set(text) {
                self.read_gtid_set();
            } else if let Some(name) = self.selected_variable()
                && !text.contains(char::is_whitespace)
            {
                // `SELECT @@server_id` pasted with its answer alone below it.
                self.server(line.server).variables.set(&name, text, origin);
                self.statement_answered = true;
                self.pos += 1;
            } else {
                self.not_understood(
                    line.number,
                    line.number,
                    "not a recognised kind of output",
                    text,
                );
                self.pos += 1;
            }
        }
    }

    fn not_understood(&mut self, first: usize, last: usize, reason: &str, excerpt: &str) {
        if let Some(previous) = self.not_understood.last_mut()
            && previous.input == self.input
            && previous.reason == reason
            && previous.last_line + 1 == first
        {
            previous.last_line = last;
            return;
        }
        let mut short: String = excerpt.chars().take(120).collect();
        if short.len() < excerpt.len() {
            short.push('…');
        }
        self.not_understood.push(NotUnderstood {
            input: self.input.to_owned(),
            first_line: first,
            last_line: last,
            reason: reason.to_owned(),
            excerpt: short,
        });
    }

    /// Whether line `index` still belongs to the block that started on `server`.
    fn continues_block(&self, index: usize, server: usize) -> bool {
        self.lines
            .get(index)
            .is_some_and(|l| l.server == server && !l.statement)
    }

    fn read_vertical(&mut self) {
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

    /// Adds a row to the server's evidence; what in it could not be read is reported.
    fn add_row(
        &mut self,
        server: usize,
        kind: records::RowKind,
        fields: &[Field],
        statement: Option<&str>,
        origin: Provenance,
    ) {
        let (first, last) = match origin.how {
            crate::model::Obtained::Pasted {
                first_line,
                last_line,
                ..
            } => (first_line, last_line),
            _ => (0, 0),
        };
        let (target, keys) = self.target(server);
        if let Err(problem) = records::add_row(target, keys, kind, fields, statement, origin) {
            let excerpt = fields.first().map_or("", |(_, v)| v.as_str()).to_owned();
            self.not_understood(first, last, &problem, &excerpt);
        }
    }

    /// A table row whose last value runs over several lines (`SHOW CREATE TABLE`, a query with
    /// line breaks): the mysql client prints the line breaks as they are, so the row ends at
    /// the first line that ends in `|`. The cells before the long value come from the first
    /// line, those after it from the last. Returns the cells and the index of the row's last
    /// line; `None` for a row on one line.
    fn multi_line_row(
        &self,
        row: &str,
        server: usize,
        columns: usize,
    ) -> Option<(Vec<String>, usize)> {
        /// A value longer than this many lines is not a table cell.
        const MAX_LINES: usize = 10_000;
        if row.ends_with('|') {
            return None;
        }
        let mut end = self.pos + 1;
        while self.continues_block(end, server) && end - self.pos < MAX_LINES {
            let text = self.lines[end].content.trim_end();
            if text.ends_with('|') {
                break;
            }
            end += 1;
        }
        let last = self.lines.get(end)?.content.trim();
        if !self.continues_block(end, server) || !last.ends_with('|') {
            return None;
        }
        let before: Vec<&str> = row.split('|').collect();
        let (long_start, before) = before.split_last()?;
        let before = before.get(1..).unwrap_or_default();
        let after: Vec<&str> = last.split('|').collect();
        let after_count = columns.checked_sub(before.len() + 1)?;
        let after = after.get(..after.len().checked_sub(1)?)?;
        let split = after.len().checked_sub(after_count)?;
        let (long_end, after) = after.split_at(split);
        let mut long = long_start.trim_start().to_owned();
        for line in &self.lines[self.pos + 1..end] {
            long.push('\n');
            long.push_str(line.content.trim_end());
        }
        long.push('\n');
        long.push_str(&long_end.join("|"));
        let mut cells: Vec<String> = before.iter().map(|c| c.trim().to_owned()).collect();
        cells.push(long.trim_end().to_owned());
        cells.extend(after.iter().map(|c| c.trim().to_owned()));
        Some((cells, end))
    }

    /// A `+---+` table, or its rows alone (`bordered` false) as some pages show them.
    fn read_table(&mut self, bordered: bool) {
        let start = self.pos;
        let server = self.lines[start].server;
        let first = self.lines[start].content.trim();
        // Column bounds: the border's `+`, else the header row's `|`.
        let bounds: Vec<usize> = first
            .chars()
            .enumerate()
            .filter(|(_, c)| *c == if bordered { '+' } else { '|' })
            .map(|(i, _)| i)
            .collect();
        let columns = bounds.len().saturating_sub(1);
        if bordered {
            self.pos += 1;
        }
        let header_is_row = self.continues_block(self.pos, server)
            && self.content(self.pos).is_some_and(|t| t.starts_with('|'));
        if !header_is_row || columns == 0 {
            let number = self.lines[start].number;
            self.not_understood(number, number, "a table border without a header", first);
            self.pos = start + 1;
            return;
        }
        let header = table_cells(self.lines[self.pos].content.trim(), &bounds);
        self.pos += 1;
        if self
            .content(self.pos)
            .is_some_and(|t| TABLE_BORDER.is_match(t))
        {
            self.pos += 1;
        }
        let statement = self.statement.clone();
        let kind = records::classify(&header, statement.as_deref());
        let mut last_line = self.lines[start].number;
        while self.continues_block(self.pos, server)
            && self.content(self.pos).is_some_and(|t| t.starts_with('|'))
        {
            let line = self.lines[self.pos];
            let row = line.content.trim();
            let (cells, row_end) = match self.multi_line_row(row, server, columns) {
                Some((cells, end)) => (cells, end),
                None => (table_cells(row, &bounds), self.pos),
            };
            let fields: Vec<Field> = header.iter().cloned().zip(cells).collect();
            let row_last_line = self.lines[row_end].number;
            if let Some(kind) = kind {
                let origin = self.origin(line.number, row_last_line);
                self.add_row(server, kind, &fields, statement.as_deref(), origin);
            }
            last_line = row_last_line;
            self.pos = row_end + 1;
        }
        if self
            .content(self.pos)
            .is_some_and(|t| TABLE_BORDER.is_match(t))
        {
            last_line = self.lines[self.pos].number;
            self.pos += 1;
        }
        if kind.is_none() {
            let reason = format!(
                "a table with columns {} is not a known kind",
                header.join(", ")
            );
            let first_line = self.lines[start].number;
            self.not_understood(first_line, last_line, &reason, first);
        }
    }

    /// An error-log line and the lines that continue its message (a statement printed over
    /// several lines), up to the next line that starts something else.
    fn read_error_log(&mut self, server: usize, mut entry: ErrorLogLine) {
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
        while self.continues_block(self.pos, server)
            && !self.starts_something(self.pos, quote.open())
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
    fn read_listing(&mut self) {
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

    /// Whether line `index` starts a part of its own rather than continuing a value or a
    /// message printed over several lines. Inside a quoted statement (`Query: '...`) lines that
    /// look like statements or `name = value` are the statement's text.
    fn starts_something(&self, index: usize, in_query: bool) -> bool {
        let Some(line) = self.lines.get(index) else {
            return true;
        };
        let text = line.content.trim();
        if line.statement || line.consumed || text.is_empty() {
            return true;
        }
        let next = self.content(index + 1);
        let unused = || self.origin(0, 0);
        ROW_HEADER.is_match(text)
            || TABLE_BORDER.is_match(text)
            || is_borderless_row(text)
            || is_elision(text)
            || is_client_footer(text)
            || innodb_status::starts_innodb_status(text, next)
            || mysqlbinlog::starts_mysqlbinlog(text)
            || parse_error_log_line(text, unused()).is_some()
            || client::is_client_error(text)
            || listing::parse_ls_line(text).is_some()
            || parse_backup_log_line(text, unused()).is_some()
            || STARTUP_VERSION_LINE.is_match(text)
            || vertical_field(text).is_some()
            || OPTION_SECTION.is_match(text)
            || GtidText::looks_like_gtid_set(text)
            || (!in_query && (ASSIGNMENT.is_match(text) || lines::is_bare_statement(text)))
    }

    /// The variable of a `SELECT @@name` statement whose answer has not been read yet.
    fn selected_variable(&self) -> Option<String> {
        static SELECT_ONE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^select\s+(@@[\w.]+)\s*(?:;|\\g)?\s*$").expect("static regex")
        });
        if self.statement_answered {
            return None;
        }
        let c = SELECT_ONE.captures(self.statement.as_deref()?)?;
        Some(c[1].to_owned())
    }

    fn read_innodb_status(&mut self) {
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

    fn read_mysqlbinlog(&mut self) {
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
    fn read_create_table(&mut self) {
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

    /// A bare GTID set, possibly over several lines ending in `,`.
    fn read_gtid_set(&mut self) {
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

/// A vertical `Name: value` field, not a line of another kind that has the same shape
/// (`ERROR: ...` of mysqlbinlog, `xtrabackup: ...`).
fn is_field_line(text: &str) -> bool {
    vertical_field(text).is_some()
        && !client::is_client_error(text)
        && parse_backup_log_line(text, Provenance::pasted("", 0, 0)).is_none()
}

/// Replication filter options, which an option file may repeat (one rule per line).
fn is_filter_option(name: &str) -> bool {
    const OTHER_FILTERS: &[&str] = &["replicate_rewrite_db", "binlog_do_db", "binlog_ignore_db"];
    let name = normalise_variable_name(name);
    crate::model::variables::REPLICATION_FILTERS
        .iter()
        .chain(OTHER_FILTERS)
        .any(|filter| *filter == name)
}

/// `| server_id | 33 |`: a table row seen without the table's border.
fn is_borderless_row(text: &str) -> bool {
    text.len() >= 3
        && text.starts_with('|')
        && text.ends_with('|')
        && text.matches('|').count() >= 2
}

/// Whether a message's quoted statement (`Query: '...`) is still open, followed line by line as
/// the message grows (so a long message costs no more than its length): the text after the last
/// `Query: '` holds its literals' quotes in pairs and, once complete, one closing quote.
#[derive(Debug, Default, Clone, Copy)]
struct QueryQuote {
    /// Whether the quotes after the last `Query: '` are an even number; `None` before one.
    even_quotes: Option<bool>,
}

impl QueryQuote {
    fn after(text: &str) -> QueryQuote {
        let mut quote = QueryQuote::default();
        quote.feed(text);
        quote
    }

    /// Takes the next part of the message.
    fn feed(&mut self, text: &str) {
        const OPENING: &str = "Query: '";
        let odd = |t: &str| !t.matches('\'').count().is_multiple_of(2);
        if let Some(at) = text.rfind(OPENING) {
            self.even_quotes = Some(!odd(&text[at + OPENING.len()..]));
        } else if let Some(even) = self.even_quotes {
            self.even_quotes = Some(even != odd(text));
        }
    }

    fn open(self) -> bool {
        self.even_quotes == Some(true)
    }
}

/// Cells of a `| a | b |` row. Rows that split cleanly on `|` are read that way (robust to wide
/// characters); others (cut short, or a value containing `|`) by the border's column positions.
fn starts_create_table(line: &str) -> bool {
    static CREATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^create\s+(?:or\s+replace\s+)?(?:temporary\s+)?table\s+(?:if\s+not\s+exists\s+)?[`\w]")
            .expect("static regex")
    });
    CREATE.is_match(line)
}

fn table_cells(row: &str, bounds: &[usize]) -> Vec<String> {
    let columns = bounds.len().saturating_sub(1);
    let parts: Vec<&str> = row.split('|').collect();
    if parts.len() == columns + 2
        && parts.first().is_some_and(|p| p.trim().is_empty())
        && parts.last().is_some_and(|p| p.trim().is_empty())
    {
        return parts[1..=columns]
            .iter()
            .map(|p| p.trim().to_owned())
            .collect();
    }
    let chars: Vec<char> = row.chars().collect();
    let mut cells = Vec::new();
    for pair in bounds.windows(2) {
        let begin = pair[0] + 1;
        if begin >= chars.len() {
            break;
        }
        let end = pair[1].min(chars.len());
        let cell: String = chars[begin..end].iter().collect();
        cells.push(cell.trim().trim_end_matches('|').trim().to_owned());
    }
    cells
}

/// Fills the server's identity and role from what the text showed.
fn identify(server: &mut ServerEvidence, tag: Option<&ServerTag>) {
    static STARTUP_VERSION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"ready for connections\.\s+Version: '([^']+)'").expect("static regex")
    });
    if server.role.is_none() {
        server.role = tag.and_then(|t| t.role).or_else(|| {
            server
                .samples
                .iter()
                .any(|s| !s.channels.is_empty())
                .then_some(Role::Replica)
        });
    }
    let from_variables = server
        .variables
        .version()
        .map(|v| (v.to_owned(), "variable `version`"));
    let from_error_log = || {
        server.error_log.iter().find_map(|l| {
            STARTUP_VERSION
                .captures(&l.message)
                .map(|c| (c[1].to_owned(), "error-log start-up line"))
        })
    };
    let from_backup_log = || {
        server.backup_log.iter().find_map(|l| match &l.event {
            BackupEvent::ServerVersion { version } => Some((version.clone(), "backup log")),
            _ => None,
        })
    };
    if server.identity.version.is_none()
        && let Some((version, by)) = from_variables
            .or_else(from_error_log)
            .or_else(from_backup_log)
    {
        server.identity.version = Some(version);
        server.identity.identified_by = Some(by.to_owned());
    }
    if server.identity.server_id.is_none() {
        server.identity.server_id = server.variables.server_id();
    }
    if server.identity.server_uuid.is_none() {
        server.identity.server_uuid = server.variables.server_uuid().map(str::to_owned);
    }
    if server.identity.flavor.is_none()
        && let Some((flavor, by)) = flavor_hint(server, tag)
    {
        server.identity.flavor = Some(flavor);
        if server.identity.identified_by.is_none() || server.identity.version.is_none() {
            server.identity.identified_by = Some(by.to_owned());
        }
    }
}

fn flavor_hint(server: &ServerEvidence, tag: Option<&ServerTag>) -> Option<(Flavor, &'static str)> {
    if let Some(version) = &server.identity.version {
        return Some(if version.to_ascii_lowercase().contains("mariadb") {
            (Flavor::Mariadb, "version")
        } else {
            (Flavor::Mysql, "version")
        });
    }
    if tag.is_some_and(|t| t.mariadb_prompt) {
        return Some((Flavor::Mariadb, "MariaDB client prompt"));
    }
    let has_variable = |names: &[&str]| {
        names
            .iter()
            .any(|n| server.variables.values.contains_key(*n))
    };
    if has_variable(&[
        "gtid_current_pos",
        "gtid_slave_pos",
        "gtid_binlog_pos",
        "slave_parallel_threads",
        "slave_parallel_mode",
    ]) {
        return Some((Flavor::Mariadb, "MariaDB-only variables"));
    }
    if has_variable(&[
        "gtid_mode",
        "gtid_executed",
        "replica_parallel_workers",
        "slave_preserve_commit_order",
        "binlog_transaction_dependency_tracking",
    ]) {
        return Some((Flavor::Mysql, "MySQL-only variables"));
    }
    let columns = || {
        server
            .samples
            .iter()
            .flat_map(|s| s.channels.iter())
            .flat_map(|c| c.raw.iter())
            .map(|f| f.name.to_ascii_lowercase())
    };
    const MARIADB_COLUMNS: &[&str] = &[
        "using_gtid",
        "gtid_io_pos",
        "connection_name",
        "slave_ddl_groups",
        "parallel_mode",
        "retried_transactions",
    ];
    const MYSQL_COLUMNS: &[&str] = &[
        "replica_io_running",
        "source_host",
        "executed_gtid_set",
        "auto_position",
        "master_uuid",
        "channel_name",
    ];
    if columns().any(|c| MARIADB_COLUMNS.contains(&c.as_str())) {
        return Some((Flavor::Mariadb, "MariaDB-only status columns"));
    }
    if columns().any(|c| MYSQL_COLUMNS.contains(&c.as_str())) {
        return Some((Flavor::Mysql, "MySQL-only status columns"));
    }
    if server
        .samples
        .iter()
        .any(|s| !s.workers.is_empty() || !s.coordinators.is_empty())
    {
        return Some((Flavor::Mysql, "performance_schema applier tables"));
    }
    if server
        .error_log
        .iter()
        .any(|l| matches!(l.format, ErrorLogFormat::Mysql8 | ErrorLogFormat::Mysql57))
    {
        return Some((Flavor::Mysql, "error-log format"));
    }
    if server
        .error_log
        .iter()
        .any(|l| l.message.contains("Internal MariaDB error code"))
    {
        return Some((Flavor::Mariadb, "MariaDB error-log message"));
    }
    if server
        .backup_log
        .iter()
        .any(|l| l.tool == Some(BackupTool::Mariabackup))
    {
        return Some((Flavor::Mariadb, "mariabackup log"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn elided_output_of_any_length() {
        for line in [
            "...",
            "……",
            "..............................",
            "(...)",
            "[…]",
            "<snip>",
            "[output omitted]",
            "...snip...",
        ] {
            assert!(is_elision(line), "{line}");
        }
        for line in ["..", "cut", "a...", "Last_Error: ...", "[ERROR] ..."] {
            assert!(!is_elision(line), "{line}");
        }
        // Corpus 039: a row of dots stands for the top of SHOW SLAVE STATUS.
        let parsed = parse_text(
            "t",
            "show slave status\n..............................\n   Last_SQL_Errno: 1118\n   Last_SQL_Error: Row size too large\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let channel = &parsed.evidence.servers[0].channels()[0];
        assert_eq!(channel.last_sql_errno, Some(1118));
    }

    #[test]
    fn tab_separated_names_and_values() {
        // Corpus 057: mysqltest prints SHOW SLAVE STATUS as name<TAB>value lines.
        let parsed = parse_text(
            "t",
            "**** SHOW SLAVE STATUS on slave ****\nSHOW SLAVE STATUS;\nSlave_SQL_Running\tNo\nReplicate_Do_DB\t\nLast_Errno\t1032\nLast_Error\tCould not execute Update_rows event on table d.t1; Can't find record in 't1', Error_code: 1032\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let channel = &parsed.evidence.servers[0].channels()[0];
        assert_eq!(channel.last_errno, Some(1032));
        assert_eq!(channel.raw_value("Replicate_Do_DB"), Some(""));
        // mysql --batch: a header, then one variable a line.
        let parsed = parse_text("t", "Variable_name\tValue\nserver_id\t7\ngtid_mode\tON\n");
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let variables = &parsed.evidence.servers[0].variables;
        assert_eq!(variables.get("server_id"), Some("7"));
        assert_eq!(variables.get("gtid_mode"), Some("ON"));
        // Tabs elsewhere stay as they are.
        assert_eq!(
            tab_pairs_as_fields("\tMaster_Host: x\na\tb\tc"),
            "\tMaster_Host: x\na\tb\tc"
        );
    }

    #[test]
    fn grep_numbered_mysqlbinlog_excerpt() {
        // Corpus 069: `grep -n -C` of decoded row events, starting inside a transaction.
        let parsed = parse_text(
            "t",
            "5424240-SET TIMESTAMP=1327402568/*!*/;\n5424241-BEGIN\n5424242-/*!*/;\n5424243-# at 25715325\n5424245:#120124 11:56:08 server id 1 end_log_pos 25715417 Table_map: `auto`.`data_export` mapped to number 9142508\n5424246-#120124 11:56:08 server id 1 end_log_pos 25716169 Update_rows: table id 9142508 flags: STMT_END_F\n5424247:### UPDATE auto.data_export\n5424249-### @1=350049\n--\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let events = &parsed.evidence.servers[0].binlog_events;
        assert!(events.iter().any(|e| e.end_log_pos == Some(25716169)));
        // The applier's message pasted below the excerpt is a message of its own.
        let parsed = parse_text(
            "t",
            "# at 4\n### @1=350049\nCould not execute Update_rows event on table a.b; Can't find record in 'b', Error_code: 1032\n",
        );
        assert_eq!(parsed.evidence.servers[0].error_log.len(), 1);
    }

    #[test]
    fn messages_pasted_alone_one_after_the_other() {
        let parsed = parse_text(
            "t",
            "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'\nCould not execute Write_rows event on table db.t; Duplicate entry '7' for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY; the event's master log mysql-bin.000012, end_log_pos 4711\n  wrapped on to a second line\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let log = &parsed.evidence.servers[0].error_log;
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|l| l.format == ErrorLogFormat::MessageOnly));
        assert_eq!(
            log[0].receiver_error().unwrap().source_error_code,
            Some(1236)
        );
        let applier = log[1].applier_error().unwrap();
        assert_eq!(applier.source_log.unwrap().position, 4711);
        assert!(log[1].message.ends_with("wrapped on to a second line"));
    }
}
