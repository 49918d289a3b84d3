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
mod blocks;
mod client;
pub mod create_table;
mod embedded;
mod error_log;
mod identify;
mod innodb_status;
mod lines;
mod listing;
pub mod messages;
mod mysqlbinlog;
pub(crate) mod records;
mod table;
mod vertical;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::model::{Evidence, GtidText, Provenance, ServerEvidence};

pub use backup_log::{classify_backup_message, parse_backup_log_line};
pub use error_log::parse_error_log_line;

use crate::model::variables::normalise_variable_name;
use blocks::starts_create_table;
use identify::identify;
use lines::{Line, ServerTag};
use records::Field;
use table::{TABLE_BORDER, is_borderless_row, tab_pairs_as_fields};
use vertical::{ROW_HEADER, vertical_field};

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
    /// One of its lines looks like a replication error (see
    /// [`looks_like_replication_error`]): what was not understood may be the failure itself.
    #[serde(default)]
    pub looks_like_replication_error: bool,
}

/// A line that looks like a replication error: an error word, a replication word and an error
/// number or a message the servers' catalogues hold (a remark such as "the slave failed
/// yesterday" is not enough).
pub fn looks_like_replication_error(line: &str) -> bool {
    const ERROR: &[&str] = &[
        "error",
        "errno",
        "fatal",
        "failed",
        "failure",
        "refused",
        "denied",
        "killed",
        "cannot",
        "can't",
        "could not",
    ];
    const REPLICATION: &[&str] = &[
        "slave",
        "replica",
        "master",
        "source",
        "binlog",
        "binary log",
        "relay",
        "gtid",
        "replicat",
        "1236",
        "error_code",
    ];
    let lower = line.to_lowercase();
    let names_an_error = || {
        line.split(|c: char| !c.is_ascii_digit())
            .any(|digits| (4..=5).contains(&digits.len()))
            || messages::catalogue::recognise(line).is_some()
    };
    ERROR.iter().any(|w| lower.contains(w))
        && REPLICATION.iter().any(|w| lower.contains(w))
        && names_an_error()
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
    parser.rescue_embedded_errors();
    parser.flag_unread_errors();
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

static STARTUP_VERSION_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Version: '([^']+)'\s+socket: ").expect("static regex"));
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_@][\w.@-]*)\s*=\s*(.*?)\s*;?\s*$").expect("static regex")
});
static OPTION_SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[[A-Za-z][\w.-]*\]$").expect("static regex"));
static OPTION_FLAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_-]*$").expect("static regex"));

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
    // Middle dots (`······`) and the midline ellipsis too, as pages print them.
    let dots = inner.chars().filter(|c| matches!(c, '.' | '·')).count();
    let ellipses = inner.chars().filter(|c| matches!(c, '…' | '⋯')).count();
    let only_dots = inner
        .chars()
        .all(|c| matches!(c, '.' | '…' | '·' | '⋯' | ' '));
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StackFrame {
    /// `at com.example.Fetcher.fetch(Fetcher.java:95) ~[canal.parse.jar:na]`, `... 12 more`.
    Java,
    /// `File "/usr/lib/python3/pymysql/err.py", line 107, in raise_mysql_exception`.
    PythonCall,
}

/// A frame of another program's stack trace (Java, Python), which names code, not a server.
fn stack_frame(line: &str) -> Option<StackFrame> {
    static JAVA: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:at [\w$.<>/-]+\((?:[\w$.-]+:\d+|Native Method|Unknown Source)\)(?:\s*~?\[[^\]]*\])?|\.\.\. \d+ more)$",
        )
        .expect("static regex")
    });
    static PYTHON: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^File "[^"]+", line \d+, in \S+$"#).expect("static regex"));
    if JAVA.is_match(line) {
        Some(StackFrame::Java)
    } else if PYTHON.is_match(line) {
        Some(StackFrame::PythonCall)
    } else {
        None
    }
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// SHOW SLAVE STATUS, SHOW REPLICA STATUS, SHOW ALL SLAVES STATUS, SHOW SLAVE 'name' STATUS
/// (the statement in lower case).
fn asks_replica_status(statement: &str) -> bool {
    static STATUS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"show\s+(?:all\s+)?(?:slaves?|replicas?)\s+(?:'[^']*'\s+)?status")
            .expect("static regex")
    });
    STATUS.is_match(statement)
}

/// A column's name alone on its line (`@@global.gtid_executed`, `EXECUTED_GTID_SET`): the
/// header of a one-column result. Only names with `@@` or an underscore, so that a word of
/// prose is not taken for one.
pub(super) fn lone_column_name(line: &str) -> Option<&str> {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:@@[A-Za-z_][\w.]*|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*)$")
            .expect("static regex")
    });
    NAME.is_match(line).then_some(line)
}

fn is_client_footer(line: &str) -> bool {
    static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            // `\G;` makes the client add `ERROR:` / `No query specified` for the empty statement.
            r"^(?:\d+ rows? in set|Empty set|Query OK|Rows matched:|Records: \d|Bye$|PAGER set to|ERROR:$|No query specified$)",
        )
        .expect("static regex")
    });
    FOOTER.is_match(line)
}

/// Reading one text: the line it is at, and what it has found so far. Each kind of part has its
/// reader (`vertical`, `table`, `blocks`); [`Parser::read_one`] says which gets the next part.
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
            if text.starts_with("Empty set")
                && self.statement.as_deref().is_some_and(asks_replica_status)
            {
                let (server, keys) = self.target(line.server);
                records::add_empty_replica_status(server, keys);
            }
            if text.is_empty() || is_elision(text) || is_client_footer(text) {
                self.pos += 1;
                continue;
            }
            if let Some(frame) = stack_frame(text) {
                // Another program's stack trace: where it failed, nothing of the servers'.
                let indent = indentation(line.content);
                self.pos += 1;
                if frame == StackFrame::PythonCall
                    && let Some(next) = self.lines.get(self.pos)
                    && indentation(next.content) > indent
                    && stack_frame(next.content.trim()).is_none()
                {
                    // The source line Python prints under the frame.
                    self.pos += 1;
                }
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
                self.read_client_error(line, error);
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
            } else if ASSIGNMENT.is_match(text)
                && let Some(found) = embedded::find(text, &[])
            {
                // `errno = 1236, errmsg = ...`: a program's framing of the server's error, not a
                // variable.
                self.push_embedded(line.server, found, origin);
                self.pos += 1;
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
            } else if let Some(name) = lone_column_name(text)
                && self.read_column_over_value(line.server, name)
            {
                // `mysql -e` prints a one-column result as its name, then the value.
            } else if GtidText::looks_like_gtid_set(text) {
                self.read_gtid_set();
            } else if let Some(name) = self.selected_variable()
                && !text.contains(char::is_whitespace)
            {
                // `SELECT @@server_id` pasted with its answer alone below it.
                self.server(line.server).variables.set(&name, text, origin);
                self.statement_answered = true;
                self.pos += 1;
            } else if let Some(entry) = messages::catalogue::parse_message_line(
                text,
                self.lines[self.pos + 1..].iter().map(|l| l.content),
                origin.clone(),
            ) {
                self.read_error_log(line.server, entry);
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

    /// A client error, with the lines its message was wrapped on to: a line that ends
    /// unfinished (`;`, `,`, `:`), or one cut mid-sentence before a line that opens in lower
    /// case or with a digit.
    fn read_client_error(&mut self, line: Line<'_>, mut error: crate::model::ClientError) {
        let mut last = line.number;
        self.pos += 1;
        let unfinished = |text: &str| text.trim_end().ends_with([';', ',', ':']);
        // Cut mid-sentence (no closing `.`, `)` or quote) before a line that opens in lower
        // case or with a digit: the sentence goes on there.
        let mid_sentence = |text: &str| !text.trim_end().ends_with(['.', ')', '\'', '"', '!', '?']);
        let continues = |text: &str| {
            text.trim_start()
                .starts_with(|c: char| c.is_lowercase() || c.is_ascii_digit())
        };
        while error.code.is_some()
            && (unfinished(&error.message)
                || (mid_sentence(&error.message) && self.content(self.pos).is_some_and(continues)))
            && self.continues_block(self.pos, line.server)
            && !self.starts_something(self.pos, false)
        {
            let next = self.lines[self.pos];
            error.message.push('\n');
            error.message.push_str(next.content.trim());
            last = next.number;
            self.pos += 1;
        }
        if last != line.number {
            error.origin = self.origin(line.number, last);
        }
        self.server(line.server).client_errors.push(error);
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
            looks_like_replication_error: false,
        });
    }

    /// Whether line `index` still belongs to the block that started on `server`.
    fn continues_block(&self, index: usize, server: usize) -> bool {
        self.lines
            .get(index)
            .is_some_and(|l| l.server == server && !l.statement)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorLogFormat;

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

    #[test]
    fn another_programs_stack_trace_is_understood_as_nothing_to_read() {
        let parsed = parse_text(
            "t",
            "java.io.IOException: Received error packet: errno = 1236, sqlstate = HY000 errmsg = Could not find first log file name in binary log index file\n\tat com.a.Fetcher.fetch(Fetcher.java:95) ~[canal.parse-1.0.19.jar:na]\n\tat java.lang.Thread.run(Thread.java:745)\n\t... 3 more\n  File \"/usr/lib/python3/pymysql/err.py\", line 107, in raise_mysql_exception\n    raise errorclass(errno, errval)\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let errors = &parsed.evidence.servers[0].client_errors;
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Some(1236));
        assert_eq!(errors[0].sqlstate.as_deref(), Some("HY000"));
        assert!(errors[0].message.starts_with("Could not find first log"));
    }

    #[test]
    fn a_client_error_goes_on_only_where_its_line_ends_unfinished() {
        let parsed = parse_text(
            "t",
            "ERROR 1236 (HY000): log event entry exceeded max_allowed_packet;\nIncrease max_allowed_packet on source;\nthe first event 'b.000001' at 4.\nERROR 1045 (28000): Access denied for user 'x'@'h' (using password: YES)\nthen I tried again\n",
        );
        let errors = &parsed.evidence.servers[0].client_errors;
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].message.ends_with("at 4."),
            "{}",
            errors[0].message
        );
        assert!(!errors[1].message.contains("tried"));
        assert_eq!(parsed.not_understood.len(), 1);
        assert_eq!(parsed.not_understood[0].first_line, 5);
    }

    #[test]
    fn the_clients_answer_to_an_empty_statement_after_backslash_g_is_no_channel() {
        // `show slave status\G;` runs the statement, then an empty one: `ERROR:` and
        // `No query specified` follow the rows and must not start a channel of their own.
        let parsed = parse_text(
            "t",
            "mysql> show slave status\\G;\n*************************** 1. row ***************************\nSlave_SQL_Running: No\nLast_SQL_Errno: 1062\n1 row in set (0.00 sec)\n\nERROR:\nNo query specified\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let server = &parsed.evidence.servers[0];
        assert_eq!(server.samples.len(), 1);
        assert_eq!(server.channels()[0].last_sql_errno, Some(1062));
    }

    #[test]
    fn a_one_column_result_is_its_name_then_its_value() {
        // `mysql -e 'SELECT @@global.gtid_executed'`, a set over two lines.
        let parsed = parse_text(
            "t",
            "@@global.gtid_executed\n3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n4d22fb58-82db-22f2-af44-d91bb5530673:1-3\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        assert_eq!(
            parsed.evidence.servers[0].variables.get("gtid_executed"),
            Some(
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4d22fb58-82db-22f2-af44-d91bb5530673:1-3"
            )
        );
        // A status column copied with its header.
        let parsed = parse_text(
            "t",
            "RETRIEVED_GTID_SET\n3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        assert_eq!(parsed.evidence.servers[0].channels().len(), 1);
        // A word of prose is no column name, and a name without a value reads nothing.
        let parsed = parse_text("t", "replication\nis broken\n");
        assert_eq!(parsed.not_understood.len(), 1);
        let parsed = parse_text("t", "Slave_IO_Running\n");
        assert_eq!(parsed.not_understood.len(), 1);
    }

    #[test]
    fn a_one_column_value_is_one_token_or_a_gtid_set_and_no_heading() {
        // Prose under a column name is no value of it.
        let parsed = parse_text(
            "t",
            "Slave_SQL_Running\nwas No for an hour yesterday but now it is fine\n",
        );
        assert!(
            parsed
                .evidence
                .servers
                .iter()
                .all(|s| s.channels().is_empty())
        );
        // `@@hostname` answered `master`: the value, not a heading that starts a server.
        let parsed = parse_text("t", "@@hostname\nmaster\nserver_id = 7\n");
        assert_eq!(parsed.evidence.servers.len(), 1);
        let server = &parsed.evidence.servers[0];
        assert_eq!(server.label, None);
        assert_eq!(server.variables.get("hostname"), Some("master"));
    }
}
