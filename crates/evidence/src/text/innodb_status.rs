//! SHOW ENGINE INNODB STATUS: the monitor header, section names, the TRANSACTIONS list and the
//! LATEST DETECTED DEADLOCK report. Other sections are kept as text.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::{
    InnodbDeadlock, InnodbLock, InnodbStatus, InnodbTransaction, LogTime, Provenance,
};

const SECTION_NAMES: &[&str] = &[
    "BACKGROUND THREAD",
    "SEMAPHORES",
    "LATEST FOREIGN KEY ERROR",
    "LATEST DETECTED DEADLOCK",
    "TRANSACTIONS",
    "FILE I/O",
    "INSERT BUFFER AND ADAPTIVE HASH INDEX",
    "LOG",
    "BUFFER POOL AND MEMORY",
    "INDIVIDUAL BUFFER POOL INFO",
    "ROW OPERATIONS",
];

static TRANSACTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:---)?TRANSACTION (\d+), (?:ACTIVE(?: \(PREPARED\))? (\d+) sec(?:\s+(.*))?|(not started.*))$")
        .expect("static regex")
});
static THREAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:MySQL|MariaDB) thread id (\d+), OS thread handle \S+, query id (\d+)\s*(.*)$")
        .expect("static regex")
});
static WAITING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^------- TRX HAS BEEN WAITING (\d+) (SEC|us)").expect("static regex")
});
static LOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(RECORD LOCKS|TABLE LOCK)\s+(?:space id \d+ page no \d+ n bits \d+\s+)?(?:index (\S+) of\s+)?table (\S+)\s+trx id \S+\s*(.*)$",
    )
    .expect("static regex")
});
static HEADER_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2}|\d{6}\s+\d{1,2}:\d{2}:\d{2})\b")
        .expect("static regex")
});
static ROLL_BACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\*\*\* WE ROLL BACK TRANSACTION \((\d+)\)").expect("static regex")
});

/// Whether the line at `index` starts InnoDB status text.
pub(crate) fn starts_innodb_status(line: &str, next: Option<&str>) -> bool {
    let line = line.trim();
    line.contains("INNODB MONITOR OUTPUT")
        || (is_rule(line, '=') && next.is_some_and(|n| n.contains("INNODB MONITOR OUTPUT")))
        || (is_rule(line, '-') && next.is_some_and(|n| SECTION_NAMES.contains(&n.trim())))
        || line.starts_with("---TRANSACTION ")
        || line.starts_with("------- TRX HAS BEEN WAITING")
        || line == "LIST OF TRANSACTIONS FOR EACH SESSION:"
}

/// Whether the line is the monitor's own header: text that starts with it runs to the end
/// marker, blank lines included.
pub(crate) fn is_monitor_header(line: &str) -> bool {
    line.contains("INNODB MONITOR OUTPUT") && !line.contains("END OF")
}

/// Whether the line ends InnoDB status text (and belongs to it).
pub(crate) fn ends_innodb_status(line: &str) -> bool {
    line.contains("END OF INNODB MONITOR OUTPUT")
}

fn is_rule(line: &str, c: char) -> bool {
    line.len() >= 4 && line.chars().all(|x| x == c)
}

#[derive(PartialEq)]
enum Expect {
    Nothing,
    Query,
    WaitedLock,
}

/// Reads InnoDB status lines (already cut out of the paste).
pub(crate) fn parse_innodb_status(lines: &[&str], origin: Provenance) -> InnodbStatus {
    let mut status = InnodbStatus {
        time: None,
        sections: Vec::new(),
        transactions: Vec::new(),
        latest_deadlock: None,
        text: lines.join("\n"),
        origin: origin.clone(),
    };
    let mut section = String::new();
    let mut expect = Expect::Nothing;
    let mut deadlock_slot: Option<usize> = None;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.contains("INNODB MONITOR OUTPUT") && !line.contains("END OF") {
            status.time = HEADER_TIME
                .captures(line)
                .and_then(|c| LogTime::parse(&c[1]));
            continue;
        }
        if SECTION_NAMES.contains(&line) && i > 0 && is_rule(lines[i - 1].trim(), '-') {
            section = line.to_owned();
            status.sections.push(section.clone());
            expect = Expect::Nothing;
            if section == "LATEST DETECTED DEADLOCK" {
                status.latest_deadlock = Some(InnodbDeadlock {
                    time: None,
                    transactions: Vec::new(),
                    rolled_back: None,
                });
            }
            continue;
        }
        let in_deadlock = section == "LATEST DETECTED DEADLOCK";
        if in_deadlock && let Some(deadlock) = status.latest_deadlock.as_mut() {
            if deadlock.time.is_none()
                && deadlock.transactions.is_empty()
                && let Some(c) = HEADER_TIME.captures(line)
            {
                deadlock.time = LogTime::parse(&c[1]);
                continue;
            }
            if let Some(c) = ROLL_BACK.captures(line) {
                deadlock.rolled_back = c[1].parse().ok();
                continue;
            }
            if line.starts_with("***") && line.contains("WAITING FOR THIS LOCK") {
                expect = Expect::WaitedLock;
                continue;
            }
            if line.starts_with("***")
                && (line.contains("HOLDS THE LOCK") || line.contains("CONFLICTING WITH"))
            {
                expect = Expect::Nothing;
                continue;
            }
            if line.starts_with("*** (") && line.contains("TRANSACTION:") {
                deadlock_slot = None;
                continue;
            }
            if let Some(c) = TRANSACTION.captures(line) {
                deadlock.transactions.push(transaction_from(&c, &origin));
                deadlock_slot = Some(deadlock.transactions.len() - 1);
                expect = Expect::Nothing;
                continue;
            }
            if let Some(trx) = deadlock_slot.and_then(|s| deadlock.transactions.get_mut(s)) {
                read_transaction_line(trx, line, &mut expect);
            }
            continue;
        }
        if let Some(c) = TRANSACTION.captures(line) {
            status.transactions.push(transaction_from(&c, &origin));
            expect = Expect::Nothing;
            continue;
        }
        if let Some(trx) = status.transactions.last_mut() {
            read_transaction_line(trx, line, &mut expect);
        }
    }
    status
}

fn transaction_from(c: &regex::Captures<'_>, origin: &Provenance) -> InnodbTransaction {
    let mut trx = InnodbTransaction::new(&c[1], origin.clone());
    trx.active_seconds = c.get(2).and_then(|m| m.as_str().parse().ok());
    trx.state = c
        .get(3)
        .or(c.get(4))
        .map(|m| m.as_str().trim().to_owned())
        .filter(|s| !s.is_empty());
    trx
}

fn read_transaction_line(trx: &mut InnodbTransaction, line: &str, expect: &mut Expect) {
    if let Some(c) = THREAD.captures(line) {
        trx.thread_id = c[1].parse().ok();
        trx.query_id = c[2].parse().ok();
        trx.client = Some(c[3].trim().to_owned()).filter(|s| !s.is_empty());
        *expect = Expect::Query;
        return;
    }
    if let Some(c) = WAITING.captures(line) {
        // MariaDB 10.6+ prints microseconds.
        let divisor = if &c[2] == "us" { 1_000_000 } else { 1 };
        trx.waiting_seconds = c[1].parse::<u64>().ok().map(|n| n / divisor);
        *expect = Expect::WaitedLock;
        return;
    }
    if let Some(c) = LOCK.captures(line) {
        if *expect == Expect::WaitedLock {
            trx.waiting_for = Some(InnodbLock {
                kind: if c[1].starts_with("RECORD") {
                    "RECORD"
                } else {
                    "TABLE"
                }
                .to_owned(),
                index: c.get(2).map(|m| m.as_str().trim_matches('`').to_owned()),
                table: Some(c[3].replace('`', "")),
                mode: Some(c[4].trim().to_owned()).filter(|s| !s.is_empty()),
            });
        }
        *expect = Expect::Nothing;
        return;
    }
    if line.starts_with("LOCK WAIT") {
        if trx.state.is_none() {
            trx.state = Some("LOCK WAIT".to_owned());
        }
        return;
    }
    let is_detail = line.is_empty()
        || line.starts_with("---")
        || line.starts_with("***")
        || line.starts_with("Record lock")
        || line.starts_with("Trx read view")
        || line.starts_with("mysql tables in use")
        || line.starts_with(|c: char| c.is_ascii_digit());
    if *expect == Expect::Query && !is_detail {
        match trx.query.as_mut() {
            Some(query) => {
                query.push('\n');
                query.push_str(line);
            }
            None => trx.query = Some(line.to_owned()),
        }
    } else if *expect == Expect::Query {
        *expect = Expect::Nothing;
    }
}
