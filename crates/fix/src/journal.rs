//! The journal: one JSON object per line, appended and synced before the next step runs, so a
//! crash or a lost connection leaves a record of exactly what was sent. Never a password.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use diagnose::plan::{Action, Choice, Plan, Step};
use serde::{Deserialize, Serialize};

use crate::check::Evaluated;
use crate::finding::FindingKey;
use crate::state::ServerState;

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub time: jiff::Timestamp,
    /// Identifies one `fix` run: every line of a run carries it.
    pub run: String,
    /// The replica, `host:port`.
    pub server: String,
    #[serde(flatten)]
    pub event: Event,
}

/// What a line records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run begins: the finding, the plan carried out and the choice that selected it.
    Start {
        finding: FindingKey,
        /// The finding's facts as the diagnosis read them: the rows a repair replaces or
        /// deletes are kept here.
        #[serde(default)]
        facts: serde_json::Value,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        choice: Option<Choice>,
        /// The first step carried out (after `--resume`, the one after the manual step).
        first_step: usize,
        plan: Plan,
    },
    /// One step, after it ran or was refused.
    Step {
        /// 1-based, as printed.
        step: usize,
        target: String,
        /// Every statement of the step; `sent` of them reached the server.
        statements: Vec<String>,
        sent: usize,
        preconditions: Vec<Evaluated>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        check: Option<Evaluated>,
        before: ServerState,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        after: Option<ServerState>,
        duration_ms: u64,
        outcome: StepOutcome,
        /// What happened, in words, when the step did not simply complete.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        detail: Option<String>,
    },
    /// The run ends.
    End { outcome: String, detail: String },
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// About to send the step's statements: written and synced before the first one, so that
    /// a crash or a kill during the step leaves a record of what was being sent.
    Sending,
    /// Every statement ran and the check holds.
    Completed,
    /// A precondition did not hold: nothing was sent.
    Refused,
    /// A statement failed: what it had opened was rolled back (the journal lists what ran).
    RolledBack,
    /// Every statement ran but the check afterwards does not hold.
    CheckFailed,
    /// The connection was lost during the step: the server rolled back an open transaction;
    /// the statements before the loss took effect.
    ConnectionLost,
    /// A step only a person can take: the run stops here until `fix --resume`.
    Manual,
    /// Shown to the DBA, not run (a read-only command on a host).
    Shown,
}

/// The journal file, open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// The default place: `$XDG_STATE_HOME/repldoctor/journal.jsonl`, else
    /// `~/.local/state/repldoctor/journal.jsonl`.
    pub fn default_path() -> Option<PathBuf> {
        let state = std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state"))
            })?;
        Some(state.join("repldoctor").join("journal.jsonl"))
    }

    /// Opens (creating it and its directory, readable by the owner only) for appending.
    pub fn open(path: &Path) -> io::Result<Journal> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        Ok(Journal {
            path: path.to_owned(),
            file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line and syncs it to disk before returning.
    pub fn write(&mut self, entry: &Entry) -> io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
        line.push('\n');
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()
    }
}

/// Reads a journal's entries, for `fix --resume`: at most `limit` bytes, lines that are not
/// entries refused with their number.
pub fn read(path: &Path, limit: u64) -> Result<Vec<Entry>, String> {
    let metadata = std::fs::metadata(path).map_err(|err| err.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file".to_owned());
    }
    if metadata.len() > limit {
        return Err(format!(
            "{} bytes, more than the {limit} a journal may have here",
            metadata.len()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|err| err.to_string())?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| serde_json::from_str(line).map_err(|err| format!("line {}: {err}", n + 1)))
        .collect()
}

/// A statement as the journal keeps it: a quoted password (`MASTER_PASSWORD = '...'`,
/// `IDENTIFIED BY '...'`) replaced by `'***'`.
pub fn scrub(statement: &str) -> String {
    let upper = statement.to_ascii_uppercase();
    // After IDENTIFIED every literal goes (`IDENTIFIED WITH 'plugin' BY 'secret'`); after
    // PASSWORD the next one (`MASTER_PASSWORD = 'x'`, `PASSWORD('x')`).
    let identified = upper.find("IDENTIFIED");
    let markers: Vec<usize> = upper
        .match_indices("PASSWORD")
        .map(|(at, _)| at + "PASSWORD".len())
        .collect();
    let mut out = String::with_capacity(statement.len());
    let mut rest = 0;
    let literal_at = |open: usize, out: &mut String, rest: &mut usize| -> Option<usize> {
        let end = literal_end(statement, open)?;
        out.push_str(&statement[*rest..open]);
        out.push_str("'***'");
        *rest = end;
        Some(end)
    };
    for after in markers {
        let tail = &statement[after..];
        let skipped = tail.len()
            - tail
                .trim_start_matches(|c: char| c.is_whitespace() || c == '=' || c == '(')
                .len();
        let open = after + skipped;
        if open < rest || !statement[open..].starts_with(['\'', '"']) {
            continue;
        }
        literal_at(open, &mut out, &mut rest);
    }
    if let Some(from) = identified {
        let mut at = from.max(rest);
        while let Some(found) = statement[at..].find(['\'', '"']) {
            match literal_at(at + found, &mut out, &mut rest) {
                Some(end) => at = end,
                None => break,
            }
        }
    }
    out.push_str(&statement[rest..]);
    out
}

/// A plan as the journal keeps it: every statement scrubbed.
pub fn scrubbed(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    let scrub_steps = |steps: &mut Vec<Step>| {
        for step in steps {
            if let Action::Sql { statements } = &mut step.action {
                for statement in statements.iter_mut() {
                    *statement = scrub(statement);
                }
            }
        }
    };
    scrub_steps(&mut plan.steps);
    for alternative in &mut plan.alternatives {
        scrub_steps(&mut alternative.plan.steps);
    }
    plan
}

/// The byte after the string literal opening at `open` with its quote (a doubled quote or a
/// backslash escape stays inside), or `None` when it does not end.
fn literal_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(open)?;
    let mut at = open + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            c if c == quote && bytes.get(at + 1) == Some(&quote) => at += 2,
            c if c == quote => return Some(at + 1),
            _ => at += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_journal() {
        assert_eq!(
            scrub(
                "CHANGE MASTER TO MASTER_HOST='db1', MASTER_PASSWORD = 's3cret', MASTER_PORT=3306"
            ),
            "CHANGE MASTER TO MASTER_HOST='db1', MASTER_PASSWORD = '***', MASTER_PORT=3306"
        );
        assert_eq!(
            scrub("CREATE USER 'a'@'%' IDENTIFIED BY 'x''y'"),
            "CREATE USER 'a'@'%' IDENTIFIED BY '***'"
        );
        assert_eq!(
            scrub("SET PASSWORD = 'a\\'b' -- x"),
            "SET PASSWORD = '***' -- x"
        );
        assert_eq!(scrub("START SLAVE SQL_THREAD"), "START SLAVE SQL_THREAD");
    }

    #[test]
    fn every_literal_after_identified_and_the_one_after_password_go() {
        assert_eq!(
            scrub("ALTER USER u IDENTIFIED WITH 'caching_sha2_password'\nBY \"s3cret\""),
            "ALTER USER u IDENTIFIED WITH '***'\nBY '***'"
        );
        assert_eq!(
            scrub("SELECT PASSWORD(\n'x') FROM t"),
            "SELECT PASSWORD(\n'***') FROM t"
        );
        assert_eq!(
            scrub("SET PASSWORD = 'unterminated"),
            "SET PASSWORD = 'unterminated"
        );
    }

    #[test]
    fn entries_are_appended_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/repldoctor/journal.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        let entry = Entry {
            time: jiff::Timestamp::UNIX_EPOCH,
            run: "r1".to_owned(),
            server: "127.0.0.1:3306".to_owned(),
            event: Event::End {
                outcome: "completed".to_owned(),
                detail: String::new(),
            },
        };
        journal.write(&entry).unwrap();
        journal.write(&entry).unwrap();
        assert_eq!(read(&path, 1 << 20).unwrap(), vec![entry.clone(), entry]);
        assert!(read(&path, 10).is_err());
        assert!(read(dir.path(), 1 << 20).is_err());
    }
}
