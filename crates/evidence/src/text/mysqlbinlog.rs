//! mysqlbinlog / mariadb-binlog output: event header lines, `# at N` positions, the GTID of each
//! transaction and the statement lines under each event.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{BinlogEvent, LogTime, Provenance};

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^#(\d{6}\s+\d{1,2}:\d{2}:\d{2})\s+server id\s+(\d+)\s+end_log_pos\s+(\d+)(?:\s+CRC32\s+(0x[0-9a-fA-F]+))?\s+([A-Za-z_-]+):?(?:\s+(.*))?$",
    )
    .expect("static regex")
});
static AT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^# at (\d+)$").expect("static regex"));
static GTID_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"SET @@SESSION\.GTID_NEXT\s*=\s*'([^']*)'").expect("static regex")
});
static ATTRIBUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\w+)\s?=\s?([^\s=]+)").expect("static regex"));
static MARIADB_GTID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+-\d+-\d+)\b").expect("static regex"));

/// Whether a line begins mysqlbinlog output.
pub(crate) fn starts_mysqlbinlog(line: &str) -> bool {
    let line = line.trim();
    AT.is_match(line)
        || HEADER.is_match(line)
        || line.starts_with("DELIMITER /*!*/;")
        || line.starts_with("/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE=1*/;")
        || line.starts_with("/*!50530 SET @@SESSION.PSEUDO_SLAVE_MODE")
        // An excerpt cut in the middle of a transaction: `SET TIMESTAMP=1327402568/*!*/;`,
        // `/*!*/;` end mysqlbinlog's statements and nothing else's.
        || line.ends_with("/*!*/;")
}

/// Reads mysqlbinlog output from pasted lines. Lines are `(line number, text)`; events keep the
/// lines they came from.
#[derive(Debug)]
pub(crate) struct BinlogReader<'i> {
    input: &'i str,
    pending_start: Option<u64>,
    current_gtid: Option<String>,
    pub events: Vec<BinlogEvent>,
}

impl<'i> BinlogReader<'i> {
    pub fn new(input: &'i str) -> BinlogReader<'i> {
        BinlogReader {
            input,
            pending_start: None,
            current_gtid: None,
            events: Vec::new(),
        }
    }

    /// Takes one line of mysqlbinlog output.
    pub fn read(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        if let Some(c) = AT.captures(trimmed) {
            self.pending_start = c[1].parse().ok();
            return;
        }
        if let Some(c) = HEADER.captures(trimmed) {
            let (event_type, detail) =
                event_type_and_detail(&c[5], c.get(6).map_or("", |m| m.as_str()).trim());
            let is_gtid_event = event_type.eq_ignore_ascii_case("gtid")
                || event_type.eq_ignore_ascii_case("anonymous_gtid");
            if is_gtid_event {
                // MariaDB names its GTID on the header (`GTID 0-1-4 trans`); MySQL in the
                // `SET @@SESSION.GTID_NEXT` line that follows.
                self.current_gtid = MARIADB_GTID.captures(&detail).map(|g| g[1].to_owned());
            }
            let mut attributes: Vec<(String, String)> = ATTRIBUTE
                .captures_iter(&detail)
                .map(|a| (a[1].to_ascii_lowercase(), a[2].to_owned()))
                .collect();
            if let Some(value) = detail.strip_prefix('=') {
                // `Xid = 7`
                attributes.push((event_type.to_ascii_lowercase(), value.trim().to_owned()));
            }
            self.events.push(BinlogEvent {
                log_file: None,
                start_position: self.pending_start.take(),
                end_log_pos: c[3].parse().ok(),
                time: LogTime::parse(&c[1]),
                server_id: c[2].parse().ok(),
                event_type,
                detail,
                attributes,
                gtid: self.current_gtid.clone(),
                body: Vec::new(),
                origin: Provenance::pasted(self.input, number, number),
            });
            return;
        }
        if let Some(c) = GTID_NEXT.captures(trimmed) {
            let gtid = c[1].to_owned();
            let gtid = (!gtid.eq_ignore_ascii_case("AUTOMATIC")).then_some(gtid);
            self.current_gtid.clone_from(&gtid);
            if let Some(event) = self.events.last_mut() {
                event.gtid = gtid;
            }
        }
        if trimmed.starts_with('#') && !trimmed.starts_with("###") {
            // A Rows_query (MySQL, `# statement`) or Annotate_rows (MariaDB, `#Q> statement`)
            // event prints the original statement as comment lines: keep them.
            if let Some(event) = self.events.last_mut()
                && matches!(event.event_type.as_str(), "Rows_query" | "Annotate_rows")
                && let Some(statement) = trimmed
                    .strip_prefix("#Q> ")
                    .or_else(|| trimmed.strip_prefix("# "))
            {
                event.body.push(statement.to_owned());
            }
            // Otherwise: `# original_commit_timestamp=...`, `# End of log file`, `# Warning: ...`
            return;
        }
        if let Some(event) = self.events.last_mut() {
            event.body.push(trimmed.to_owned());
            event.origin.extend_to_line(number);
        }
    }
}

/// MariaDB spells a few event types as two words (`Gtid list`, `Binlog checkpoint`).
fn event_type_and_detail(word: &str, rest: &str) -> (String, String) {
    for (first, second) in [("Gtid", "list"), ("Binlog", "checkpoint")] {
        if word == first
            && let Some(detail) = rest.strip_prefix(second)
        {
            return (format!("{first}_{second}"), detail.trim().to_owned());
        }
    }
    (word.to_owned(), rest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_may_start_inside_a_transaction() {
        assert!(starts_mysqlbinlog("SET TIMESTAMP=1327402568/*!*/;"));
        assert!(starts_mysqlbinlog("/*!*/;"));
        assert!(!starts_mysqlbinlog("SET GLOBAL read_only=1;"));
        assert!(!starts_mysqlbinlog("BEGIN"));
    }
}
