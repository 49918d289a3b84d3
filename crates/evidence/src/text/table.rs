//! Tables: `+---+` output of the mysql client, its rows alone as some pages show them, and the
//! tab-separated pairs of `mysql --batch` and mysqltest.

use std::sync::LazyLock;

use regex::Regex;

use super::Parser;
use super::records::{self, Field};

pub(super) static TABLE_BORDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+[-+]*-[-+]*$").expect("static regex"));

/// Tab-separated output rewritten as what the rest of the parser reads: `Name<TAB>value` lines
/// (mysqltest's vertical result, a two-column `mysql --batch` result) as `Name: value` fields,
/// a `mysql -e`/`--batch` result of more columns (a header of names, then rows with as many
/// cells) and processlist rows without their header as `| a | b |` rows. The
/// `Variable_name<TAB>Value` header of a batch SHOW VARIABLES goes: the names below it are
/// variables themselves.
pub(super) fn tab_pairs_as_fields(text: &str) -> String {
    static TAB_PAIR: LazyLock<Regex> = LazyLock::new(|| {
        // A web console may put spaces before the tab.
        Regex::new(r"^([A-Za-z_][A-Za-z0-9_]*) *\t([^\t]*)$").expect("static regex")
    });
    static COLUMN_NAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[A-Za-z_@][\w.@()]*$").expect("static regex"));
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // The number of cells of the batch header being read, while its rows follow.
    let mut batch_columns: Option<usize> = None;
    let lines: Vec<&str> = text.split('\n').collect();
    let cells_of =
        |line: &str| -> usize { line.strip_suffix('\r').unwrap_or(line).split('\t').count() };
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let bare = line.strip_suffix('\r').unwrap_or(line);
        let cells: Vec<&str> = bare.split('\t').collect();
        if cells.len() >= 3 {
            // A header is names over a row of as many cells.
            let header = cells.iter().all(|c| COLUMN_NAME.is_match(c.trim()))
                && lines
                    .get(i + 1)
                    .is_some_and(|next| cells_of(next) == cells.len());
            if header {
                batch_columns = Some(cells.len());
            }
            if header || batch_columns == Some(cells.len()) || is_process_row(&cells) {
                push_row(&mut out, &cells);
                continue;
            }
        }
        batch_columns = None;
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

/// `| a | b |`, a cell's own `|` made `¦` so that the row splits where the tabs were.
fn push_row(out: &mut String, cells: &[&str]) {
    out.push('|');
    for cell in cells {
        out.push(' ');
        out.push_str(&cell.trim().replace('|', "¦"));
        out.push_str(" |");
    }
}

/// The columns of SHOW [FULL] PROCESSLIST (MariaDB adds `Progress`).
const PROCESSLIST_COLUMNS: [&str; 9] = [
    "Id", "User", "Host", "db", "Command", "Time", "State", "Info", "Progress",
];

/// A processlist row pasted without its header: an id, then user, host and schema, a command
/// the server names, a time in seconds.
fn is_process_row(cells: &[&str]) -> bool {
    const COMMANDS: &[&str] = &[
        "Sleep",
        "Query",
        "Connect",
        "Binlog Dump",
        "Binlog Dump GTID",
        "Daemon",
        "Killed",
        "Execute",
        "Prepare",
        "Fetch",
        "Init DB",
        "Field List",
        "Register Slave",
        "Slave_IO",
        "Slave_SQL",
        "Slave_worker",
    ];
    let number = |c: &str| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_digit());
    (8..=9).contains(&cells.len())
        && number(cells[0].trim())
        && COMMANDS.contains(&cells[4].trim())
        && number(cells[5].trim())
}

/// `| server_id | 33 |`: a table row seen without the table's border.
pub(super) fn is_borderless_row(text: &str) -> bool {
    text.len() >= 3
        && text.starts_with('|')
        && text.ends_with('|')
        && text.matches('|').count() >= 2
}

/// Cells of a `| a | b |` row. Rows that split cleanly on `|` are read that way (robust to wide
/// characters); others (cut short, or a value containing `|`) by the border's column positions.
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

impl Parser<'_> {
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
    pub(super) fn read_table(&mut self, bordered: bool) {
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
        let first_row = table_cells(self.lines[self.pos].content.trim(), &bounds);
        let cells: Vec<&str> = first_row.iter().map(String::as_str).collect();
        // Processlist rows pasted without their header: the header is the server's.
        let header: Vec<String> = if !bordered && is_process_row(&cells) {
            PROCESSLIST_COLUMNS[..cells.len()]
                .iter()
                .map(|c| (*c).to_owned())
                .collect()
        } else {
            self.pos += 1;
            first_row
        };
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_text;

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
        // mysql -e: a header of names over rows of as many cells, a value holding `|`.
        let parsed = parse_text(
            "t",
            "Slave_IO_State\tMaster_Host\tSlave_IO_Running\tSlave_SQL_Running\tLast_SQL_Errno\tLast_SQL_Error\tRelay_Log_Pos\n\tdb1\tYes\tNo\t1146\tError 'Table 'd.a|b' doesn't exist' on query.\t300\n",
        );
        assert!(
            parsed.not_understood.is_empty(),
            "{:?}",
            parsed.not_understood
        );
        let channel = &parsed.evidence.servers[0].channels()[0];
        assert_eq!(channel.last_sql_errno, Some(1146));
        assert_eq!(channel.relay_log_pos, Some(300));
        assert_eq!(channel.source_host.as_deref(), Some("db1"));
    }

    #[test]
    fn processlist_rows_without_their_header() {
        for text in [
            "| 12 | system user |  | NULL | Connect | 1234 | Waiting for preceding transaction to commit | NULL |\n| 13 | system user |  | NULL | Slave_worker | 1234 | Waiting for an event from Coordinator | NULL | 0.000 |\n",
            "12\tsystem user\t\tNULL\tConnect\t1234\tWaiting for preceding transaction to commit\tNULL\n",
        ] {
            let parsed = parse_text("t", text);
            assert!(
                parsed.not_understood.is_empty(),
                "{:?}",
                parsed.not_understood
            );
            let rows = &parsed.evidence.servers[0].samples[0].processlist;
            assert_eq!(rows[0].id, Some(12));
            assert_eq!(rows[0].time, Some(1234));
            assert_eq!(
                rows[0].state.as_deref(),
                Some("Waiting for preceding transaction to commit")
            );
        }
    }
}
