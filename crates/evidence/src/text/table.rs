//! Tables: `+---+` output of the mysql client, its rows alone as some pages show them, and the
//! tab-separated pairs of `mysql --batch` and mysqltest.

use std::sync::LazyLock;

use regex::Regex;

use super::Parser;
use super::records::{self, Field};

pub(super) static TABLE_BORDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\+[-+]*-[-+]*$").expect("static regex"));

/// `Name<TAB>value` lines, as mysqltest prints a vertical result and `mysql --batch` prints a
/// two-column one, rewritten as the `Name: value` fields the rest of the parser reads. The
/// `Variable_name<TAB>Value` header of a batch SHOW VARIABLES goes: the names below it are
/// variables themselves.
pub(super) fn tab_pairs_as_fields(text: &str) -> String {
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
    }
}
