//! xtrabackup and mariabackup log lines.
//!
//! xtrabackup 2.4 prints `210304 02:10:01 Executing FLUSH TABLES WITH READ LOCK...` (some lines
//! with a `[01]` copy-thread tag, some with no time at all: `xtrabackup: recognized client
//! arguments: ...`); mariabackup prints `[00] 2021-03-04 02:10:01 ...`; xtrabackup 8.0 writes
//! the MySQL 8 error-log layout with the `[Xtrabackup]` subsystem, which the error-log reader
//! recognises and hands to [`classify_backup_message`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{BackupEvent, BackupLogLine, BackupTool, LogTime, Provenance};

static MARIABACKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(\d{2})\] (\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2}) ?(.*)$")
        .expect("static regex")
});
static XTRABACKUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{6} \d{2}:\d{2}:\d{2}) (?:\[(\d{2})\] )?(?:>> )?(.*)$").expect("static regex")
});
static UNTIMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i)(?:\S*/)?(xtrabackup|innobackupex|mariabackup|mariadb-backup)(?:[:\s]|$)")
        .expect("static regex")
});

/// Reads one backup-log line; `None` when the line has none of the tools' shapes.
pub fn parse_backup_log_line(line: &str, origin: Provenance) -> Option<BackupLogLine> {
    let line = line.trim();
    if let Some(c) = MARIABACKUP.captures(line) {
        let message = &c[3];
        return Some(BackupLogLine {
            time: LogTime::parse(&c[2]),
            tool: Some(BackupTool::Mariabackup),
            event: classify_backup_message(message),
            message: message.to_owned(),
            origin,
        });
    }
    if let Some(c) = XTRABACKUP.captures(line) {
        let message = &c[3];
        return Some(BackupLogLine {
            time: LogTime::parse(&c[1]),
            tool: Some(BackupTool::Xtrabackup),
            event: classify_backup_message(message),
            message: message.to_owned(),
            origin,
        });
    }
    if let Some(c) = UNTIMED.captures(line) {
        let tool = tool_named(&c[1]);
        return Some(BackupLogLine {
            time: None,
            tool: Some(tool),
            event: classify_backup_message(line),
            message: line.to_owned(),
            origin,
        });
    }
    let banner = line.starts_with("IMPORTANT: Please check that the")
        || line.starts_with("At the end of a successful")
        || line.starts_with("prints \"completed OK!\"");
    banner.then(|| BackupLogLine {
        time: None,
        tool: None,
        event: BackupEvent::Other,
        message: line.to_owned(),
        origin,
    })
}

fn tool_named(name: &str) -> BackupTool {
    if name.to_ascii_lowercase().starts_with("maria") {
        BackupTool::Mariabackup
    } else {
        BackupTool::Xtrabackup
    }
}

/// What a backup tool's message says happened.
pub fn classify_backup_message(message: &str) -> BackupEvent {
    static KILLING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"Killing query (\d+)(?: \(duration (\d+) sec\))?:? ?(.*)$")
            .expect("static regex")
    });
    static WAITING: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"Waiting (\d+) seconds for queries running longer than (\d+) seconds")
            .expect("static regex")
    });
    static KILL_TIMEOUT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"Kill query timeout (\d+) seconds").expect("static regex"));
    static STARTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:\S*/)?(?i:xtrabackup|innobackupex|mariabackup|mariadb-backup)(?: version)? (\d[\w.-]*)?",
        )
        .expect("static regex")
    });
    static SERVER_VERSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"Using server version (\S+)").expect("static regex"));
    static BACKUP_LOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(LOCK TABLES FOR BACKUP|LOCK INSTANCE FOR BACKUP|LOCK BINLOG FOR BACKUP|BACKUP STAGE (?:START|FLUSH|BLOCK_DDL|BLOCK_COMMIT)|Acquiring BACKUP LOCKS)",
        )
        .expect("static regex")
    });

    let m = message.trim();
    if let Some(c) = KILLING.captures(m) {
        return BackupEvent::KilledQuery {
            thread_id: c[1].parse().unwrap_or(0),
            duration_seconds: c.get(2).and_then(|d| d.as_str().parse().ok()),
            query: c[3].to_owned(),
        };
    }
    if let Some(c) = WAITING.captures(m) {
        return BackupEvent::WaitingForQueries {
            timeout_seconds: c[1].parse().unwrap_or(0),
            threshold_seconds: c[2].parse().unwrap_or(0),
        };
    }
    if let Some(c) = KILL_TIMEOUT.captures(m) {
        return BackupEvent::KillTimeoutArmed {
            seconds: c[1].parse().unwrap_or(0),
        };
    }
    if m.contains("recognized client arguments")
        || m.contains("recognized server arguments")
        || m.contains(" --kill-long-quer")
        || m.contains(" --safe-slave-backup")
    {
        let options = backup_options(m);
        if !options.is_empty() {
            return BackupEvent::Options { options };
        }
    }
    if let Some(c) = SERVER_VERSION.captures(m) {
        return BackupEvent::ServerVersion {
            version: c[1].to_owned(),
        };
    }
    if m.contains("FLUSH TABLES WITH READ LOCK") {
        return BackupEvent::GlobalReadLock;
    }
    if let Some(c) = BACKUP_LOCK.captures(m) {
        return BackupEvent::BackupLock {
            statement: c[1].to_owned(),
        };
    }
    if m.contains("UNLOCK TABLES")
        || m.contains("All tables unlocked")
        || m.contains("UNLOCK BINLOG")
        || m.contains("UNLOCK INSTANCE")
        || m.contains("BACKUP STAGE END")
    {
        return BackupEvent::LocksReleased;
    }
    if m.contains("completed OK!") {
        return BackupEvent::Finished;
    }
    if let Some(c) = STARTED.captures(m)
        && (c.get(1).is_some() || m.contains("based on"))
    {
        return BackupEvent::Started {
            tool_version: c.get(1).map(|v| v.as_str().to_owned()),
        };
    }
    let lower = m.to_ascii_lowercase();
    if lower.starts_with("error") || lower.contains("[error]") || lower.contains("fatal error") {
        return BackupEvent::Failed;
    }
    BackupEvent::Other
}

/// The `--name=value` options that bear on replication, from an argument list.
fn backup_options(text: &str) -> BTreeMap<String, String> {
    const RELEVANT: &[&str] = &[
        "kill-long-queries-timeout",
        "kill-long-query-type",
        "kill-wait-query-type",
        "ftwrl-wait-timeout",
        "ftwrl-wait-threshold",
        "ftwrl-wait-query-type",
        "lock-wait-timeout",
        "safe-slave-backup",
        "safe-slave-backup-timeout",
        "no-lock",
        "no-backup-locks",
        "lock-ddl",
        "lock-ddl-per-table",
        "slave-info",
        "backup-lock-timeout",
    ];
    text.split_whitespace()
        .filter_map(|word| word.strip_prefix("--"))
        .filter_map(|option| {
            let (name, value) = option.split_once('=').unwrap_or((option, "1"));
            let name = name.replace('_', "-");
            RELEVANT
                .contains(&name.as_str())
                .then(|| (name, value.trim_matches(['\'', '"']).to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> BackupLogLine {
        parse_backup_log_line(line, Provenance::pasted("t", 1, 1)).unwrap()
    }

    #[test]
    fn xtrabackup_24_lines() {
        let l = parse("210304 02:11:01 Killing query 75846950 (duration 61 sec): UPDATE t SET a=1");
        assert_eq!(l.tool, Some(BackupTool::Xtrabackup));
        assert_eq!(l.time.unwrap().local.to_string(), "2021-03-04T02:11:01");
        assert_eq!(
            l.event,
            BackupEvent::KilledQuery {
                thread_id: 75846950,
                duration_seconds: Some(61),
                query: "UPDATE t SET a=1".into()
            }
        );
        let l = parse(
            "xtrabackup: recognized client arguments: --backup=1 --kill-long-queries-timeout=60 --kill-long-query-type=all",
        );
        let BackupEvent::Options { options } = l.event else {
            panic!("{:?}", l.event)
        };
        assert_eq!(options["kill-long-query-type"], "all");
        assert_eq!(options["kill-long-queries-timeout"], "60");
        assert_eq!(
            parse("210304 02:10:01 Executing FLUSH TABLES WITH READ LOCK...").event,
            BackupEvent::GlobalReadLock
        );
        assert_eq!(
            parse("210304 02:12:00 completed OK!").event,
            BackupEvent::Finished
        );
    }

    #[test]
    fn mariabackup_lines() {
        let l = parse("[00] 2023-05-02 10:00:01 Acquiring BACKUP LOCKS...");
        assert_eq!(l.tool, Some(BackupTool::Mariabackup));
        assert!(matches!(l.event, BackupEvent::BackupLock { .. }));
        let l =
            parse("[00] 2023-05-02 10:00:05 Killing query 12 (duration 3 sec): select sleep(100)");
        assert!(matches!(
            l.event,
            BackupEvent::KilledQuery { thread_id: 12, .. }
        ));
        assert!(parse_backup_log_line("Last_Errno: 1", Provenance::pasted("t", 1, 1)).is_none());
    }
}
