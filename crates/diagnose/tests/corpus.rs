//! Real incidents from public write-ups and bug reports, kept in `tests/corpus/*.txt` as a DBA
//! would paste them, each with the page it comes from. For every file the top finding must name
//! the class the file expects and carry, in its facts, every GTID, `end_log_pos` and binlog file
//! name that the evidence's error messages quote; and the parser must understand every line.
//!
//! File header (comment lines): `-- source: URL`, `-- expected: class`, optionally
//! `-- variant: name`, `-- fact: value` (a value the top finding's facts must hold beyond those
//! quoted by error messages), `-- other-output: N, M` (lines of another program's own output,
//! holding nothing of the servers', which must be reported as not understood, and no others)
//! and `-- note: context`.
//!
//! Files the engine or the parser cannot handle yet are listed in [`KNOWN_GAPS`] with the reason:
//! they still run, their problems are printed, and the test fails as soon as one of them passes
//! so the list cannot go stale.

use std::path::{Path, PathBuf};

use diagnose::Class;
use evidence::text::{TextInput, parse_evidence};

/// Corpus files that do not pass yet, and why (one line each).
const KNOWN_GAPS: &[(&str, &str)] = &[
    (
        "156-connection-failed-otter-canal-1045-error-packet-chinese.txt",
        "a 1045 inside a connector's exception line that says nothing of replication: an application's own failed login reads the same, so a generic error in another program's framing is not taken for a replica's",
    ),
    (
        "146-mts-commit-order-hang-set-global-read-only-monitor-script-grl-vs-commit-lock-8-0-18-threads-table-chinese.txt",
        "performance_schema.threads rows wrapped by the page over several lines, between elisions, read as a header of values: the workers' commit-order and global-read-lock waits are not evidence",
    ),
    (
        "147-errant-gtids-mariadb-1950-strict-mode-insert-on-secondary-own-server-id-gtid-state-lines-blog.txt",
        "the blog writes each server's GTID variables as prose ('primary: gtid_current_pos = 1-1-2154 (as are ...)'), not as output: neither server's state is read",
    ),
    (
        "150-lag-low-parallelism-slave-pending-jobs-size-max-16m-coordinator-waits-mts-status-processlist-log-chinese.txt",
        "the coordinator's 'has waited ... slave_pending_jobs_size_max' notes and idle workers are not read by the lag rules, and a shell prompt line (tail -f error.log) is not understood",
    ),
    (
        "191-errant-gtids-mariadb-operator-1948-replica-own-binlog-gtid-blocks-promotion-reset-slave-pos-json-log-cut.txt",
        "1948 (gtid_slave_pos conflicts with the binlog) is catalogued as applier metadata; that the binlog's GTID is the replica's own errant write is told by the PR, not by the evidence",
    ),
    (
        "194-ddl-mismatch-1146-create-table-like-killed-never-binlogged-row-event-table-missing-mysqltest-status-mariadb-10-0.txt",
        "mysqltest's SHOW TABLES and SHOW BINLOG EVENTS results, printed with spaces between columns, are not a known kind of output (the class and facts come out right from the status)",
    ),
    (
        "195-constraint-violation-1366-incorrect-string-value-gbk-bytes-hex-literal-utf8-replica-legacy-log-chinese.txt",
        "the failing event's binlog (mysql-bin.001243) is named by an older line of the log than the failure's own, and the DBA's SELECT result is not a known kind of output",
    ),
    (
        "197-version-incompatibility-5-6-master-load-data-invalid-utf8-rejected-by-5-7-slave-bare-error-no-number.txt",
        "the applier's message is pasted cut (\"Error 'Invalid utf8 character string: ...' on query ... LOAD DATA\") without its number, and the row pasted below it is prose-framed: no failure is read",
    ),
    (
        "174-crash-gtid-loss-two-quick-crashes-source-gtid-table-not-saved-error-log-plus-chinese-sets-57.txt",
        "the evidence shows the symptom (1236 'Slave has more GTIDs than the master has') and the two sets; that the source lost them in two crashes is told only by the prose, so replica_has_more_gtids comes out",
    ),
    (
        "175-crash-gtid-loss-kill-9-source-restarts-gtid-executed-from-1-show-master-status-57.txt",
        "as 174: the source's kill -9 and its restart with a smaller gtid_executed are told by the reporter's words, not by a log or a variable the rules read; the paste's prose lines are not understood either",
    ),
    (
        "135-lag-no-primary-key-update-26k-rows-table-without-pk-table-scan-57-status-innodb-trx-tabbed.txt",
        "267 s behind is under the lag rules' 300 s threshold, and the INNODB_TRX row 'fetching rows' on the keyless table does not say it is the applier's (no processlist): no lag finding is made",
    ),
    (
        "136-mts-commit-order-hang-delayed-replica-replace-into-1205-yes-yes-writeset-57-31-elided.txt",
        "the status shows both threads Yes with a 1205 of the coordinator, cut short (\"...\"): commit-order waits between workers are told by the worker rows or the processlist, which the write-up does not paste, so applier_lock_wait comes out",
    ),
    (
        "140-thread-stopped-mha-failover-sql-thread-not-running-on-candidate-manager-log.txt",
        "MHA manager's own log lines (\"Sun Feb 23 14:28:45 2014 - [info] ...\") are not a known kind of output: the candidate's stopped SQL thread is only told there",
    ),
    (
        "141-ddl-mismatch-1060-alter-replayed-after-frm-swapped-in-second-replica-57-log-and-status.txt",
        "as 128: the relay log a crash-recovery warning names (localhost-relay-bin.000024, the relay log before the restart) is in no finding's facts, which name the current one",
    ),
    (
        "143-applier-error-other-mariadb-1118-row-size-too-large-replica-utf8mb4-source-utf8-chinese-qa.txt",
        "the message is pasted cut inside its quotes (\"Error 'Row size too large. ...\") with the number only in the Chinese prose above it: a generic template without the framing's number is not taken for a replica's failure",
    ),
    (
        "145-thread-stopped-vitess-reparent-to-empty-hostname-stop-slave-then-change-master-1210.txt",
        "vttablet's glog lines (\"I0628 17:34:28.036853 37622 rpc_replication.go:598] ...\") are another program's log; the stopped replication is told only by the statements it ran and a 1210 answer to its CHANGE MASTER",
    ),
    (
        "162-column-conversion-replica-test-table-same-name-bigint-to-varchar-mts-gtid-56-chinese.txt",
        "DESC output (Field, Type, Null, Key, Default, Extra) is not read as a table definition; the class and facts come out right from the status",
    ),
    (
        "125-column-conversion-dropped-middle-column-on-replica-varchar-to-date-mts-log.txt",
        "the failing worker's message names no source file (\"at source log , end_log_pos 199246073\"); only the receiver's earlier start line and an older stop note name mysql-bin.000003, and the diagnosis does not take a file from another line",
    ),
    (
        "128-ddl-mismatch-replica-table-unopenable-after-crash-during-alter-57-error-log-tabbed.txt",
        "the relay log a crash-recovery warning names (./localhost-relay-bin.000015, the relay log before the restart) is in no finding's facts: it is not where the failure stands, so the harness's rule (every binlog name an error message quotes) does not fit this log",
    ),
    (
        "132-lag-large-transaction-5m-row-delete-from-table-without-pk-57-innodb-trx-and-status.txt",
        "one unlabelled paste holds the source's DELETE of 5,265,967 rows and a replica's status (1871 s behind, 200 MB of relay log unapplied) and an INNODB_TRX row without the thread's user: nothing ties the transaction to the replica's applier, so only lag_other comes out",
    ),
    (
        "152-applier-metadata-moco-mts-gaps-change-master-1802-json-log.txt",
        "1802 (CHANGE MASTER refused after an MTS stop with gaps) answers the operator's own statement and is catalogued as such, not as a replica failure; the applier's state it reveals is not read from it",
    ),
    (
        "073-mts-commit-order-hang-writeset-retries-in-vain-8-0-3-log.txt",
        "the log names no error (Error_code: 0) and shows no worker or coordinator state: the hang is told only by the page's prose (STOP SLAVE hanging, workers waiting on commit order), so no finding is made",
    ),
    (
        "086-lag-no-primary-key-rbr-delete-innodb-status-fetching-rows.txt",
        "no replica status, only the SQL thread's InnoDB transaction ('fetching rows' for 731 s, 'Reading event from the relay log') and the ROW OPERATIONS counters (600,754 reads/s against 16 deletes/s): the parser does not read ROW OPERATIONS and the lag rules need a channel with Seconds_Behind_Master",
    ),
    (
        "091-ddl-mismatch-rds-event-table-missing-alter-cross-region.txt",
        "a cloud console event (\"Read Replica Replication Error – SQLError: 1146, reason: ...\", wrapped) is not a known kind of output, so its error is not read",
    ),
    (
        "110-row-not-found-galera-interrupted-ist-docker-timestamps.txt",
        "two applier errors in one log: the top finding carries the coordinates of the first only, the second error's end_log_pos (999) is in no finding's facts",
    ),
];

struct Case {
    name: String,
    text: String,
}

struct Header {
    source: Option<String>,
    expected: Option<String>,
    variant: Option<String>,
    facts: Vec<String>,
    other_output: Vec<usize>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn read_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| Case {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&path).unwrap(),
        })
        .collect()
}

fn header(text: &str) -> Header {
    let mut header = Header {
        source: None,
        expected: None,
        variant: None,
        facts: Vec::new(),
        other_output: Vec::new(),
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("-- ") else {
            continue;
        };
        let Some((key, value)) = rest.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "source" => header.source = Some(value),
            "expected" => header.expected = Some(value),
            "variant" => header.variant = Some(value),
            "fact" => header.facts.push(value),
            "other-output" => header.other_output.extend(value.split(',').map(|n| {
                n.trim()
                    .parse::<usize>()
                    .expect("other-output: line numbers")
            })),
            _ => {}
        }
    }
    header
}

/// `Last_Error:`, `Last_SQL_Error:`, `Last_IO_Error:`, `LAST_ERROR_MESSAGE:` and the like.
fn error_field_value(line: &str) -> Option<&str> {
    let (name, value) = line.split_once(':')?;
    let name = name.trim().to_ascii_lowercase();
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (is_name && (name.ends_with("error") || name.ends_with("error_message"))).then_some(value)
}

/// The message of an error-log line at level ERROR or Warning, or of a client error line.
fn error_log_message(line: &str) -> Option<&str> {
    let lower = line.to_ascii_lowercase();
    for marker in ["[error]", "[warning]"] {
        if let Some(at) = lower.find(marker) {
            return Some(&line[at + marker.len()..]);
        }
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with("ERROR ") && trimmed[6..].starts_with(|c: char| c.is_ascii_digit()) {
        return trimmed.split_once(':').map(|(_, message)| message);
    }
    // A replication thread's message pasted alone, without its field name.
    const BARE: &[&str] = &[
        "Got fatal error ",
        "Could not execute ",
        "Coordinator stopped because",
        "Error '",
    ];
    let worker = trimmed.starts_with("Worker ") && trimmed.contains(" failed executing");
    (worker || BARE.iter().any(|start| trimmed.starts_with(start))).then_some(trimmed)
}

/// A line that starts something new rather than continuing a message printed over several lines.
fn starts_something(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty()
        || trimmed.starts_with("--")
        || trimmed.starts_with('[')
        || trimmed.starts_with('*')
        || trimmed.starts_with('+')
        || trimmed.starts_with('|')
        || trimmed.starts_with(|c: char| c.is_ascii_digit())
        || trimmed.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        || trimmed.contains("> ")
}

/// Every error message the evidence quotes, continuation lines included.
fn error_messages(text: &str) -> Vec<String> {
    let mut messages: Vec<String> = Vec::new();
    let mut continuing = false;
    for line in text.lines() {
        if line.starts_with("-- ") {
            continuing = false;
            continue;
        }
        if let Some(message) = error_field_value(line).or_else(|| error_log_message(line)) {
            messages.push(message.to_owned());
            continuing = true;
        } else if continuing && !starts_something(line) {
            if let Some(last) = messages.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            continuing = false;
        }
    }
    messages
}

fn tokens(message: &str) -> Vec<&str> {
    message
        .split(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '\'' | '"' | '`' | ',' | ';' | '(' | ')' | '/' | '=' | '<' | '>' | '[' | ']'
                )
        })
        .map(|t| t.trim_end_matches(['.', ':']))
        .filter(|t| !t.is_empty())
        .collect()
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit())
}

/// `uuid:N` or `uuid:N-M`: the first interval of a MySQL GTID (set) token.
fn mysql_gtid(token: &str) -> Option<String> {
    let (uuid, intervals) = token.split_at_checked(36)?;
    let interval = intervals.strip_prefix(':')?.split(':').next()?;
    let (first, last) = interval.split_once('-').unwrap_or((interval, "0"));
    (is_uuid(uuid) && is_number(first) && is_number(last)).then(|| format!("{uuid}:{interval}"))
}

/// `D-S-N`, MariaDB's GTID, where the message introduces it with the word GTID.
fn mariadb_gtid(previous: &str, token: &str) -> Option<String> {
    let parts: Vec<&str> = token.split('-').collect();
    (previous.eq_ignore_ascii_case("gtid")
        && parts.len() == 3
        && parts.iter().all(|p| is_number(p)))
    .then(|| token.to_owned())
}

/// `mysql-bin.000123`, `relay-bin.000698`: a name, a dot and at least six digits.
fn binlog_file(token: &str) -> Option<String> {
    let (stem, number) = token.rsplit_once('.')?;
    let looks_like = number.len() >= 6
        && is_number(number)
        && stem.chars().any(|c| c.is_ascii_alphabetic())
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    looks_like.then(|| token.to_owned())
}

fn end_log_positions(message: &str) -> Vec<String> {
    message
        .match_indices("end_log_pos")
        .filter_map(|(at, key)| {
            let digits: String = message[at + key.len()..]
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (!digits.is_empty()).then_some(digits)
        })
        .collect()
}

/// The GTIDs, positions and binlog file names the error messages quote.
fn quoted_coordinates(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for message in error_messages(text) {
        found.extend(end_log_positions(&message));
        let tokens = tokens(&message);
        for (i, token) in tokens.iter().enumerate() {
            let previous = if i == 0 { "" } else { tokens[i - 1] };
            found.extend(
                mysql_gtid(token)
                    .or_else(|| mariadb_gtid(previous, token))
                    .or_else(|| binlog_file(token)),
            );
        }
    }
    found.sort();
    found.dedup();
    found
}

/// What is wrong with one case; empty when it passes.
fn problems(case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    let header = header(&case.text);
    if !header
        .source
        .as_deref()
        .is_some_and(|s| s.starts_with("http"))
    {
        problems.push("header: no `-- source: URL` line".to_owned());
    }
    let expected = header
        .expected
        .as_deref()
        .and_then(|e| Class::ALL.iter().copied().find(|c| c.as_str() == e));
    let Some(expected) = expected else {
        problems.push(format!(
            "header: `-- expected:` is missing or not a class: {:?}",
            header.expected
        ));
        return problems;
    };

    let parsed = parse_evidence(&[TextInput {
        name: &case.name,
        text: &case.text,
    }]);
    for gap in &parsed.not_understood {
        let declared = (gap.first_line..=gap.last_line).all(|n| header.other_output.contains(&n));
        if !declared {
            problems.push(format!(
                "not understood, lines {}-{} ({}): {}",
                gap.first_line, gap.last_line, gap.reason, gap.excerpt
            ));
        }
    }
    for &line in &header.other_output {
        let reported = parsed
            .not_understood
            .iter()
            .any(|gap| (gap.first_line..=gap.last_line).contains(&line));
        if !reported {
            problems.push(format!(
                "line {line} is declared other-output but was read as evidence"
            ));
        }
    }

    let report = diagnose::diagnose(&parsed.evidence);
    let classes: Vec<&str> = report.findings.iter().map(|f| f.class.as_str()).collect();
    let Some(top) = report.findings.first() else {
        problems.push(format!("no finding at all, expected {expected}"));
        return problems;
    };
    if top.class != expected {
        problems.push(format!(
            "top finding is {} ({:?}), expected {expected}; all findings: {classes:?}",
            top.class, top.title.en
        ));
    }
    if let Some(variant) = &header.variant
        && top.variant.as_deref() != Some(variant)
    {
        problems.push(format!(
            "top finding's variant is {:?}, expected {variant:?}",
            top.variant
        ));
    }
    let facts = serde_json::to_string(&top.facts)
        .unwrap()
        .to_ascii_lowercase();
    for wanted in quoted_coordinates(&case.text)
        .into_iter()
        .chain(header.facts)
    {
        if !facts.contains(&wanted.to_ascii_lowercase()) {
            problems.push(format!(
                "top finding's facts lack {wanted} (facts: {facts})"
            ));
        }
    }
    problems
}

#[test]
fn every_corpus_incident_is_diagnosed_with_its_class_and_coordinates() {
    let cases = read_cases();
    assert!(cases.len() >= 25, "the corpus has {} files", cases.len());
    let mut unexpected = Vec::new();
    let mut passing_gaps = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let problems = problems(case);
        let known = KNOWN_GAPS.iter().find(|(name, _)| *name == case.name);
        match (problems.is_empty(), known) {
            (true, None) => passed += 1,
            (true, Some(_)) => passing_gaps.push(case.name.clone()),
            (false, known) => {
                let listing = format!("{}:\n  - {}", case.name, problems.join("\n  - "));
                eprintln!(
                    "{}{listing}",
                    if known.is_some() { "known gap " } else { "" }
                );
                if known.is_none() {
                    unexpected.push(listing);
                }
            }
        }
    }
    eprintln!("corpus: {passed} of {} files pass", cases.len());
    let unknown: Vec<&str> = KNOWN_GAPS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !cases.iter().any(|c| c.name == *name))
        .collect();
    assert!(
        unknown.is_empty(),
        "KNOWN_GAPS names files that are not in tests/corpus: {unknown:?}"
    );
    assert!(
        passing_gaps.is_empty(),
        "these files pass now: remove them from KNOWN_GAPS: {passing_gaps:?}"
    );
    assert!(
        unexpected.is_empty(),
        "corpus files that fail and are not in KNOWN_GAPS:\n{}",
        unexpected.join("\n")
    );
}

#[test]
fn coordinates_are_taken_from_error_messages_only() {
    let text = "-- note: mysql-bin.000001 in a comment is not evidence\n\
                Master_Log_File: mysql-bin.000007\n\
                Last_Error: Worker 2 failed executing transaction \
                '3e11fa47-71ca-11e1-9e33-c80aa9429562:5-9' at master log bin.000406, \
                end_log_pos 906634781; Query: 'insert ... values ('2021-07-20')'\n\
                2016-10-25 10:00:01 1 [ERROR] Slave SQL: Connection was killed, Gtid 0-1-2\n";
    assert_eq!(
        quoted_coordinates(text),
        [
            "0-1-2",
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-9",
            "906634781",
            "bin.000406",
        ]
    );
}
