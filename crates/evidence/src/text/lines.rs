//! Splitting pasted text into lines that know their number, their server and whether they are
//! a statement typed at a client prompt.
//!
//! Server labels: a line `-- server: NAME [role: replica|source|both]` (or `# server: ...`) makes
//! every following line belong to server NAME, and so does a prompt-like prefix `NAME> ` at the
//! start of a line (`DB01> Last_Errno: 1062`), which is how DBAs mark whose output a block is.
//! Client prompts (`mysql>`, `MariaDB [(none)]>`, `root@db [test]>`, any custom prompt followed by
//! a statement) introduce statements and do not change the server.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::Role;

/// A server as the text names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerTag {
    pub label: Option<String>,
    pub role: Option<Role>,
    /// The text showed a MariaDB client prompt for this server.
    pub mariadb_prompt: bool,
}

/// One line of input, with its prompt or label prefix removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    /// 1-based.
    pub number: usize,
    /// Index into the server tags.
    pub server: usize,
    pub content: &'a str,
    /// Typed at a client prompt: a statement, not output.
    pub statement: bool,
    /// A label directive, comment or prompt continuation: understood, nothing to read.
    pub consumed: bool,
}

pub(crate) struct PreparedText<'a> {
    pub lines: Vec<Line<'a>>,
    pub servers: Vec<ServerTag>,
}

static CLIENT_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:mysql|MariaDB|MySQL|[\w.@-]+(?:\s+[\d:]+)?)?\s*(?:\[[^\]]*\])*\s*>\s?(.*)$")
        .expect("static regex")
});
static LABEL_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z][\w.-]{0,63})>\s?(.*)$").expect("static regex"));
static CONTINUATION_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*->\s?(.*)$").expect("static regex"));

pub(crate) fn prepare(text: &str) -> PreparedText<'_> {
    let mut servers = vec![ServerTag {
        label: None,
        role: None,
        mariadb_prompt: false,
    }];
    let mut by_label = HashMap::new();
    let mut current = 0;
    let mut lines = Vec::new();
    let mut after_statement = false;
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let raw = without_grep_line_number(raw);
        let number = index + 1;
        let trimmed = raw.trim_start();
        let mut line = Line {
            number,
            server: current,
            content: raw,
            statement: false,
            consumed: false,
        };
        // `@@hostname` then `master`: the value of a one-column result, not a heading.
        let after_column_name = lines
            .last()
            .is_some_and(|l: &Line<'_>| super::lone_column_name(l.content.trim()).is_some());
        let directive = if after_column_name {
            labelled_directive(trimmed)
        } else {
            server_directive(trimmed)
        };
        if let Some(directive) = directive {
            current = tag_index(&mut servers, &mut by_label, directive.0, directive.1);
            line.server = current;
            line.consumed = true;
        } else if is_comment(trimmed) {
            line.consumed = true;
        } else if after_statement && let Some(c) = CONTINUATION_PROMPT.captures(raw) {
            // `    -> rest of the statement`
            line.content = c.get(1).map_or("", |m| m.as_str());
            line.statement = true;
            line.consumed = true;
        } else if let Some((body, mariadb)) = client_prompt(trimmed) {
            line.content = body;
            line.statement = true;
            servers[current].mariadb_prompt |= mariadb;
        } else if let Some(c) = LABEL_PROMPT.captures(trimmed) {
            let label = &c[1];
            let body = c.get(2).map_or("", |m| m.as_str());
            current = tag_index(&mut servers, &mut by_label, Some(label), None);
            line.server = current;
            line.content = body;
            line.statement = looks_like_statement(body);
        }
        after_statement = line.statement;
        lines.push(line);
    }
    PreparedText { lines, servers }
}

/// The line without the `1234:` / `1234-` that `grep -n` puts before matching and context
/// lines, when what follows is mysqlbinlog output or a timestamped log line (a bare date such as
/// `2019-10-29T...` keeps its digits: its remainder is no such line).
fn without_grep_line_number(line: &str) -> &str {
    static GREP_LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^\d+[-:](#|/\*!|(?:SET|BEGIN|COMMIT|ROLLBACK|DELIMITER|use|BINLOG)\b|\d{4}-\d{2}-\d{2}[T ]|\d{6}\s+\d{1,2}:)",
        )
        .expect("static regex")
    });
    match GREP_LINE.captures(line).and_then(|c| c.get(1)) {
        Some(rest) => &line[rest.start()..],
        None => line,
    }
}

/// `mysql> ...`, `MariaDB [(none)]> ...`, `root@db 18:37: [(none)]> ...`, and any other prompt
/// followed by a statement (`mysql > show ...`, `dba:(none)> start slave;`,
/// `user@host:db 8.0.35 02:47:28> select version();`): returns the statement and whether the
/// prompt was MariaDB's.
fn client_prompt(line: &str) -> Option<(&str, bool)> {
    let is_client = line.starts_with("mysql>")
        || line.starts_with("mysql [")
        || line.starts_with("MariaDB [")
        || line.starts_with("MySQL [")
        || line
            .find("]>")
            .is_some_and(|i| line[..i].contains('[') && i < 80);
    if !is_client {
        return custom_prompt(line).map(|body| (body, false));
    }
    let c = CLIENT_PROMPT.captures(line)?;
    Some((
        c.get(1).map_or("", |m| m.as_str()),
        line.starts_with("MariaDB"),
    ))
}

/// A prompt the DBA configured (`prompt \\u@\\h:\\d \\v \\R:\\m:\\s> `): any short prefix
/// ending in `>` is one only when a statement follows it, and only when the prefix is not a
/// server label (`DB01> `, see [`LABEL_PROMPT`]) and holds nothing that output or log text
/// would (quotes, `|`, `=`, `<`), so that `... where a > select` inside a message is not taken
/// for a prompt.
fn custom_prompt(line: &str) -> Option<&str> {
    // A prompt of `>` alone (`> select * from t\G`).
    if let Some(body) = line.strip_prefix("> ")
        && is_statement(body)
    {
        return Some(body.trim_start());
    }
    static CUSTOM_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
        // Not `#`: mysqlbinlog prints MariaDB's annotated statements as `#Q> REPLACE ...`.
        Regex::new(r#"^([^\s\d>'"`|=<\[\]#][^>'"`|=<\[\]]{0,79})>\s+(\S.*)$"#)
            .expect("static regex")
    });
    // `Info: insert ... > select` is a field, not a prompt.
    static FIELD_START: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z_]\w*\s*:\s").expect("static regex"));
    let c = CUSTOM_PROMPT.captures(line)?;
    let prefix = c.get(1)?.as_str();
    let body = c.get(2)?.as_str();
    let is_label = LABEL_PROMPT.is_match(&line[..prefix.len() + 1]);
    (!is_label && !FIELD_START.is_match(prefix) && is_statement(body)).then_some(body)
}

fn is_comment(line: &str) -> bool {
    line == "--"
        || line.starts_with("-- ")
        // The paster's own remark, C-style; no server prints it.
        || line.starts_with("// ")
        || is_heading(line)
        || is_markdown_heading(line)
        || is_code_label(line)
}

/// A page's code-block fence or the language label a copy keeps of it (```` ```sql ````,
/// `sql`, `shell`): no output of a server.
fn is_code_label(line: &str) -> bool {
    const LANGUAGES: &[&str] = &[
        "sql",
        "mysql",
        "shell",
        "bash",
        "sh",
        "console",
        "text",
        "plaintext",
        "log",
        "json",
        "yaml",
        "ini",
        "cnf",
    ];
    let label = line
        .trim()
        .trim_start_matches("```")
        .trim()
        .to_ascii_lowercase();
    line.trim().starts_with("```") || LANGUAGES.contains(&label.as_str())
}

/// `## mysql log`: a heading of the page the paste came from (mysqlbinlog's lines start with a
/// single `#`).
fn is_markdown_heading(line: &str) -> bool {
    let hashes = line.len() - line.trim_start_matches('#').len();
    (2..=6).contains(&hashes) && line[hashes..].starts_with(' ') && line.len() > hashes + 1
}

/// `**** SHOW SLAVE STATUS on slave ****`: a heading mysqltest (and some DBAs) print above a
/// result, not the `*** 1. row ***` header of a vertical record.
fn is_heading(line: &str) -> bool {
    // `=== SHOW SLAVE STATUS ===`
    if let Some(inner) = line
        .strip_prefix("===")
        .and_then(|l| l.trim_end().strip_suffix("==="))
        && !inner.trim_matches('=').trim().is_empty()
    {
        return true;
    }
    let Some(inner) = line
        .strip_prefix("***")
        .and_then(|l| l.trim_end().strip_suffix("***"))
    else {
        return false;
    };
    let inner = inner.trim_matches('*').trim();
    let row_header = inner
        .strip_suffix("row")
        .map(str::trim_end)
        .and_then(|n| n.strip_suffix('.'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    !inner.is_empty() && !row_header
}

/// A line that is only a role's name, as DBAs head each server's output (`master`, `slave:`,
/// `主库：`, `从库:`): the output below is that server's.
fn role_heading(line: &str) -> Option<(Option<&str>, Option<Role>)> {
    let word = line.trim().trim_end_matches([':', '：']).trim_end();
    let role = match word.to_lowercase().as_str() {
        "master" | "source" | "primary" | "主库" | "主" | "源库" => Role::Source,
        "slave" | "replica" | "从库" | "从" | "备库" => Role::Replica,
        _ => return None,
    };
    Some((Some(word), Some(role)))
}

/// `-- server: db01 role: replica` -> (label, role).
fn server_directive(line: &str) -> Option<(Option<&str>, Option<Role>)> {
    role_heading(line).or_else(|| labelled_directive(line))
}

/// `-- server: NAME [role: ...]` (or `# server: ...`).
fn labelled_directive(line: &str) -> Option<(Option<&str>, Option<Role>)> {
    let rest = line
        .strip_prefix("--")
        .or_else(|| line.strip_prefix('#'))?
        .trim_start();
    let keyword = rest.get(..7)?;
    if !keyword.eq_ignore_ascii_case("server:") {
        return None;
    }
    let mut words = rest.get(7..)?.split_whitespace();
    let label = words.next()?;
    let mut role = None;
    while let Some(word) = words.next() {
        let value = if word.eq_ignore_ascii_case("role:") {
            words.next()
        } else {
            word.strip_prefix("role:")
                .or_else(|| word.strip_prefix("role="))
        };
        if let Some(value) = value {
            role = parse_role(value);
        }
    }
    Some((Some(label.trim_end_matches(',')), role))
}

fn parse_role(text: &str) -> Option<Role> {
    match text.trim().to_ascii_lowercase().as_str() {
        "replica" | "slave" => Some(Role::Replica),
        "source" | "master" | "primary" => Some(Role::Source),
        "both" | "dual" | "dual-primary" | "intermediate" => Some(Role::SourceAndReplica),
        _ => None,
    }
}

fn tag_index(
    servers: &mut Vec<ServerTag>,
    by_label: &mut HashMap<String, usize>,
    label: Option<&str>,
    role: Option<Role>,
) -> usize {
    let index = match label {
        None => 0,
        Some(label) => *by_label
            .entry(label.to_ascii_lowercase())
            .or_insert_with(|| {
                servers.push(ServerTag {
                    label: Some(label.to_owned()),
                    role: None,
                    mariadb_prompt: false,
                });
                servers.len() - 1
            }),
    };
    if role.is_some() {
        servers[index].role = role;
    }
    index
}

/// A statement typed after a label prompt (`DB01> show slave status\G`), as opposed to output
/// that the DBA marked with the label (`DB01> Last_Errno: 1062`); an empty line after a prompt
/// is a statement not typed yet.
fn looks_like_statement(body: &str) -> bool {
    body.trim().is_empty() || is_statement(body)
}

/// Starts with a statement keyword, as a whole word.
pub(crate) fn is_statement(body: &str) -> bool {
    const VERBS: &[&str] = &[
        "show", "select", "stop", "start", "set", "change", "reset", "flush", "purge", "kill",
        "use", "begin", "commit", "rollback", "desc", "describe", "explain", "insert", "update",
        "delete", "replace", "create", "drop", "alter", "pager", "nopager", "status",
    ];
    let body = body.trim_start();
    let word_end = body
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(body.len());
    let (word, rest) = body.split_at(word_end);
    VERBS.iter().any(|v| word.eq_ignore_ascii_case(v))
        && (rest.is_empty()
            || rest.starts_with(|c: char| c.is_whitespace() || c == ';' || c == '\\'))
}

/// A DBA's numbered step before a statement: `3. reset master`.
static NUMBERED_STEP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d{1,2}[.)、]\s*").expect("static regex"));

/// A statement pasted without its prompt, on a line of its own: `SELECT @@global.gtid_executed`,
/// `show slave status\G`. Stricter than after a prompt: only the statements DBAs paste before
/// output (mysqlbinlog prints `SET`, `BEGIN` and `use` lines of its own), shaped as SQL rather
/// than prose (`SHOW` of a known object, `SELECT` of a variable, `*`, a function or `FROM`), with
/// balanced quotes (a line of a multi-line query inside a message is not one).
pub(crate) fn is_bare_statement(line: &str) -> bool {
    static BARE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?ix)^(?:
                show\s+(?:full\s+|global\s+|session\s+|all\s+)*(?:slave|replica|master|binary|binlog|relaylog|variables|status|processlist|engine|create|tables|databases|grants|warnings|errors)\b
              | select\s+(?:@@|\*|[\w.]+\s*\(|.*\sfrom\s|[\d(][\d\s+*/().-]*$)
              | (?:stop|start)\s+(?:slave|replica|all\s+slaves)\b
              | change\s+(?:master|replication\s+source)\s+to\b
              | reset\s+(?:slave|replica|master|binary\s+logs)\b
              | flush\s+(?:binary\s+)?logs\b
              | purge\s+(?:binary|master)\s+logs\b
              # Other statements pasted without a prompt, ended as typed (not CREATE TABLE,
              # which is read as the table's definition).
              | (?:drop|alter|truncate|rename|insert|update|delete|replace|set|kill|use|grant|revoke|begin|commit|rollback)\b[^;]*;\s*$
            )",
        )
        .expect("static regex")
    });
    let line = line.trim();
    // A DBA's numbered steps: `3. reset master`.
    let line = NUMBERED_STEP.find(line).map_or(line, |m| &line[m.end()..]);
    line.len() <= 1000
        // mysqlbinlog's output (`SET TIMESTAMP=1/*!*/;`) is no statement typed by the DBA.
        && !line.contains("/*!")
        && line.matches('\'').count().is_multiple_of(2)
        && !line.contains('|')
        && BARE.is_match(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_naming_a_role_heads_that_servers_output() {
        let p = prepare("主库：\nFile: b.000001\nslave\nSlave_IO_Running: Yes\nmaster is down\n");
        assert_eq!(p.servers.len(), 3);
        let source = p.lines[1].server;
        let replica = p.lines[3].server;
        assert_eq!(p.servers[source].role, Some(Role::Source));
        assert_eq!(p.servers[replica].role, Some(Role::Replica));
        assert_eq!(p.servers[replica].label.as_deref(), Some("slave"));
        // Prose that starts with a role's name is output of the current server.
        assert_eq!(p.lines[4].server, replica);
        assert!(!p.lines[4].consumed);
    }

    #[test]
    fn directive_keyword_split_inside_a_character() {
        // Found by the fuzzer: byte 7 falls inside a multi-byte character.
        let p = prepare("-- sou\u{fffd}\u{fffd}\u{fffd}");
        assert!(p.lines[0].consumed);
        assert_eq!(p.servers.len(), 1);
    }

    #[test]
    fn annotated_statements_of_mysqlbinlog_are_not_prompts() {
        let p = prepare("#Q> REPLACE INTO t VALUES (1)\n#Q> insert into t select * from u");
        assert!(p.lines.iter().all(|l| !l.statement), "{:?}", p.lines);
    }

    #[test]
    fn custom_prompts_need_a_statement() {
        let p = prepare(
            "mysql > show replica status\\G\ndba:(none)> start slave;\nu@h:db 8.0.35 02:47:28> select version();\nx > y\nInfo: a > select\n10.0.0.1> show slave status",
        );
        let statements: Vec<(bool, &str)> =
            p.lines.iter().map(|l| (l.statement, l.content)).collect();
        assert_eq!(
            statements[..3],
            [
                (true, "show replica status\\G"),
                (true, "start slave;"),
                (true, "select version();")
            ]
        );
        assert!(statements[3..].iter().all(|(statement, _)| !statement));
        assert_eq!(p.servers.len(), 1);
        assert!(is_bare_statement("SELECT @@global.gtid_executed"));
        assert!(!is_bare_statement("SELECT a FROM t', Error_code: 1146"));
        assert!(!is_bare_statement("SET TIMESTAMP=1/*!*/;"));
        assert!(is_bare_statement("show slave status\\G"));
        assert!(is_bare_statement("select version();"));
        assert!(is_bare_statement(
            "SELECT * FROM performance_schema.replication_applier_status_by_worker\\G"
        ));
        assert!(!is_bare_statement("show me the error"));
        assert!(!is_bare_statement("select the newest backup"));
    }

    #[test]
    fn grep_line_numbers_are_dropped() {
        // Corpus 069: `grep -n -C` of mysqlbinlog output.
        let p = prepare(
            "5424241-BEGIN\n5424245:#120124 11:56:08 server id 1 end_log_pos 25715417 Table_map\n5424247:### UPDATE auto.data_export\n--\n12:2019-10-29T03:29:51Z 11 [ERROR] x",
        );
        let contents: Vec<&str> = p.lines.iter().map(|l| l.content).collect();
        assert_eq!(
            contents,
            [
                "BEGIN",
                "#120124 11:56:08 server id 1 end_log_pos 25715417 Table_map",
                "### UPDATE auto.data_export",
                "--",
                "2019-10-29T03:29:51Z 11 [ERROR] x"
            ]
        );
        // Lines that only start with digits stay whole.
        assert_eq!(
            without_grep_line_number("2019-10-29T03:29:51Z 11 [ERROR] x"),
            "2019-10-29T03:29:51Z 11 [ERROR] x"
        );
        assert_eq!(
            without_grep_line_number("050610  6:30:52 x"),
            "050610  6:30:52 x"
        );
        assert_eq!(without_grep_line_number("3-4-5"), "3-4-5");
    }

    #[test]
    fn headings_are_not_row_headers() {
        assert!(is_heading("**** SHOW SLAVE STATUS on slave ****"));
        assert!(!is_heading(
            "*************************** 1. row ***************************"
        ));
        assert!(!is_heading(
            "************************** 12. row **************************"
        ));
        assert!(!is_heading("*****"));
    }

    #[test]
    fn prompts_labels_and_directives() {
        let text = "mysql> show slave status\\G\nDB01> Last_Errno: 1062\n      Last_Error: x\n-- server: db02 role: replica\nMariaDB [(none)]> SHOW ALL SLAVES STATUS\\G\nroot@mysqldb 18:37:  [(none)]> show slave status\\G;\n    -> ;";
        let p = prepare(text);
        assert!(p.lines[0].statement);
        assert_eq!(p.lines[0].content, "show slave status\\G");
        assert_eq!(p.lines[0].server, 0);
        assert!(!p.lines[1].statement);
        assert_eq!(p.lines[1].content, "Last_Errno: 1062");
        assert_eq!(p.servers[p.lines[1].server].label.as_deref(), Some("DB01"));
        assert_eq!(p.lines[2].server, p.lines[1].server);
        assert!(p.lines[3].consumed);
        let db02 = p.lines[4].server;
        assert_eq!(p.servers[db02].label.as_deref(), Some("db02"));
        assert_eq!(p.servers[db02].role, Some(Role::Replica));
        assert!(p.servers[db02].mariadb_prompt);
        assert!(p.lines[4].statement);
        assert_eq!(p.lines[5].content, "show slave status\\G;");
        assert!(p.lines[6].statement && p.lines[6].consumed);
    }
}
