//! History in an embedded SQLite database: each target's key figures (a row per channel at
//! most once a minute, and at every change of state) and each finding's start, changes and end
//! with the evidence that raised it. A database of a watcher that stopped gives back the
//! findings still open, so a restart neither loses them nor reports them as new.
//!
//! Writes go through one thread ([`Writer`]); a write that fails (a full disk, a file made
//! read-only) is logged and kept to retry, never a crash, up to [`MAX_PENDING`] records.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use crate::figures::{ChannelFigures, ThreadState};
use crate::fleet::{ActiveFinding, TargetState, Transition, TransitionKind};

/// Records kept in memory while the database refuses them; the oldest go first beyond this.
pub const MAX_PENDING: usize = 100_000;

/// A target's figures are written at most this often while nothing changes.
pub const FIGURES_EVERY: Duration = Duration::from_secs(60);

pub const DEFAULT_RETENTION: Duration = Duration::from_secs(14 * 24 * 3600);

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS polls (
    target TEXT NOT NULL,
    channel TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    up INTEGER NOT NULL,
    health TEXT NOT NULL,
    receiver TEXT,
    applier TEXT,
    receiver_errno INTEGER,
    applier_errno INTEGER,
    lag_seconds REAL,
    bytes_behind INTEGER,
    transactions_behind INTEGER
);
CREATE INDEX IF NOT EXISTS polls_by_target ON polls (target, at_ms);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    channel TEXT,
    class TEXT NOT NULL,
    severity TEXT NOT NULL,
    error_code INTEGER,
    title TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    evidence TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_by_target ON findings (target, ended_ms);
CREATE TABLE IF NOT EXISTS finding_changes (
    finding INTEGER NOT NULL REFERENCES findings (id),
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    evidence TEXT NOT NULL
);
";

/// What the writer is given.
#[derive(Debug, Clone)]
pub enum Record {
    /// A target's figures after a poll.
    Poll(PollRecord),
    Transition(Transition),
}

/// One channel's figures (or an unreachable target, channel `""`), as a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollRecord {
    pub target: String,
    pub channel: String,
    pub at: Timestamp,
    pub up: bool,
    pub health: String,
    pub receiver: Option<ThreadState>,
    pub applier: Option<ThreadState>,
    pub receiver_errno: Option<u32>,
    pub applier_errno: Option<u32>,
    pub lag_seconds: Option<f64>,
    pub bytes_behind: Option<u64>,
    pub transactions_behind: Option<u64>,
}

impl PollRecord {
    /// The rows of a target's state after a poll: one per channel, one when unreachable.
    pub fn of(target: &TargetState, at: Timestamp) -> Vec<PollRecord> {
        let base = |channel: Option<&ChannelFigures>| PollRecord {
            target: target.name.clone(),
            channel: channel.map(|c| c.channel.clone()).unwrap_or_default(),
            at,
            up: target.up,
            health: target.health.name().to_owned(),
            receiver: channel.map(|c| c.receiver),
            applier: channel.map(|c| c.applier),
            receiver_errno: channel.map(|c| c.receiver_errno),
            applier_errno: channel.map(|c| c.applier_errno),
            lag_seconds: channel.and_then(|c| c.lag_seconds),
            bytes_behind: channel.and_then(|c| c.bytes_behind),
            transactions_behind: channel.and_then(|c| c.transactions_behind),
        };
        if !target.up || target.figures.channels.is_empty() {
            return vec![base(None)];
        }
        target
            .figures
            .channels
            .iter()
            .map(|c| base(Some(c)))
            .collect()
    }

    /// Whether this row says something the previous one did not, besides the time.
    pub fn changed_from(&self, previous: &PollRecord) -> bool {
        (
            self.up,
            &self.health,
            self.receiver,
            self.applier,
            self.receiver_errno,
            self.applier_errno,
        ) != (
            previous.up,
            &previous.health,
            previous.receiver,
            previous.applier,
            previous.receiver_errno,
            previous.applier_errno,
        )
    }
}

/// A finding as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    pub target: String,
    pub channel: Option<String>,
    pub class: String,
    pub severity: String,
    pub error_code: Option<u32>,
    pub title: String,
    pub started: Timestamp,
    pub ended: Option<Timestamp>,
}

/// The database.
#[derive(Debug)]
pub struct History {
    connection: Connection,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("history {path}: {reason}")]
pub struct HistoryError {
    pub path: PathBuf,
    pub reason: String,
}

impl History {
    /// Opens (creating it, and its directory with mode 0700) the database at `path`.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let error = |reason: String| HistoryError {
            path: path.to_owned(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|err| error(err.to_string()))?;
        }
        let connection = Connection::open(path).map_err(|err| error(err.to_string()))?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .and_then(|()| connection.execute_batch(SCHEMA))
            .map_err(|err| error(err.to_string()))?;
        Ok(History {
            connection,
            path: path.to_owned(),
        })
    }

    /// Opens the database for reading only (the web page's queries), alongside the writer.
    pub fn open_read_only(path: &Path) -> Result<History, HistoryError> {
        let connection = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|err| HistoryError {
                path: path.to_owned(),
                reason: err.to_string(),
            })?;
        let _ = connection.busy_timeout(Duration::from_secs(2));
        Ok(History {
            connection,
            path: path.to_owned(),
        })
    }

    fn error(&self, err: rusqlite::Error) -> HistoryError {
        HistoryError {
            path: self.path.clone(),
            reason: err.to_string(),
        }
    }

    /// Writes `records` in one transaction: all or none.
    pub fn write(&mut self, records: &[Record]) -> Result<(), HistoryError> {
        let transaction = self.connection.transaction().map_err(|e| HistoryError {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        for record in records {
            let written = match record {
                Record::Poll(poll) => insert_poll(&transaction, poll),
                Record::Transition(transition) => insert_transition(&transaction, transition),
            };
            if let Err(err) = written {
                return Err(HistoryError {
                    path: self.path.clone(),
                    reason: err.to_string(),
                });
            }
        }
        transaction.commit().map_err(|err| self.error(err))
    }

    /// The findings no end was recorded for, by target: what a restarted watcher starts from.
    pub fn open_findings(&self) -> Result<Vec<(String, ActiveFinding)>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT target, channel, class, severity, error_code, title, started_ms
                 FROM findings WHERE ended_ms IS NULL ORDER BY id",
            )
            .map_err(|err| self.error(err))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<u32>>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })
            .map_err(|err| self.error(err))?;
        let mut open = Vec::new();
        for row in rows {
            let (target, channel, class, severity, error_code, title, started) =
                row.map_err(|err| self.error(err))?;
            // A class or severity this version does not know is left out, not guessed.
            let (Some(class), Some(severity)) = (class_named(&class), severity_named(&severity))
            else {
                continue;
            };
            open.push((
                target,
                ActiveFinding {
                    class,
                    channel,
                    severity,
                    error_code,
                    title,
                    since: timestamp(started),
                },
            ));
        }
        Ok(open)
    }

    /// A target's findings, newest first.
    pub fn findings(&self, target: &str, limit: usize) -> Result<Vec<FindingRow>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT target, channel, class, severity, error_code, title, started_ms, ended_ms
                 FROM findings WHERE target = ?1 ORDER BY started_ms DESC, id DESC LIMIT ?2",
            )
            .map_err(|err| self.error(err))?;
        let rows = statement
            .query_map(params![target, limit as i64], |row| {
                Ok(FindingRow {
                    target: row.get(0)?,
                    channel: row.get(1)?,
                    class: row.get(2)?,
                    severity: row.get(3)?,
                    error_code: row.get(4)?,
                    title: row.get(5)?,
                    started: timestamp(row.get(6)?),
                    ended: row.get::<_, Option<i64>>(7)?.map(timestamp),
                })
            })
            .map_err(|err| self.error(err))?;
        rows.collect::<Result<_, _>>()
            .map_err(|err| self.error(err))
    }

    /// A target's lag per channel since `since`, oldest first: `(time, channel, lag)`.
    pub fn lag(
        &self,
        target: &str,
        since: Timestamp,
    ) -> Result<Vec<(Timestamp, String, Option<f64>)>, HistoryError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT at_ms, channel, lag_seconds FROM polls
                 WHERE target = ?1 AND at_ms >= ?2 ORDER BY at_ms",
            )
            .map_err(|err| self.error(err))?;
        let rows = statement
            .query_map(params![target, since.as_millisecond()], |row| {
                Ok((timestamp(row.get(0)?), row.get(1)?, row.get(2)?))
            })
            .map_err(|err| self.error(err))?;
        rows.collect::<Result<_, _>>()
            .map_err(|err| self.error(err))
    }

    /// Deletes figures older than `before` and findings that ended before it.
    pub fn prune(&mut self, before: Timestamp) -> Result<usize, HistoryError> {
        let cutoff = before.as_millisecond();
        let transaction = self.connection.transaction().map_err(|err| HistoryError {
            path: self.path.clone(),
            reason: err.to_string(),
        })?;
        let mut removed = transaction
            .execute("DELETE FROM polls WHERE at_ms < ?1", [cutoff])
            .map_err(|err| HistoryError {
                path: self.path.clone(),
                reason: err.to_string(),
            })?;
        let old = "SELECT id FROM findings WHERE ended_ms IS NOT NULL AND ended_ms < ?1";
        for statement in [
            format!("DELETE FROM finding_changes WHERE finding IN ({old})"),
            format!("DELETE FROM findings WHERE id IN ({old})"),
        ] {
            removed += transaction
                .execute(&statement, [cutoff])
                .map_err(|err| HistoryError {
                    path: self.path.clone(),
                    reason: err.to_string(),
                })?;
        }
        transaction.commit().map_err(|err| self.error(err))?;
        Ok(removed)
    }
}

fn insert_poll(connection: &Connection, poll: &PollRecord) -> rusqlite::Result<usize> {
    connection.execute(
        "INSERT INTO polls (target, channel, at_ms, up, health, receiver, applier,
             receiver_errno, applier_errno, lag_seconds, bytes_behind, transactions_behind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            poll.target,
            poll.channel,
            poll.at.as_millisecond(),
            poll.up,
            poll.health,
            poll.receiver.map(ThreadState::name),
            poll.applier.map(ThreadState::name),
            poll.receiver_errno,
            poll.applier_errno,
            poll.lag_seconds,
            poll.bytes_behind
                .map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            poll.transactions_behind
                .map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
        ],
    )
}

fn insert_transition(connection: &Connection, transition: &Transition) -> rusqlite::Result<usize> {
    let finding = &transition.finding;
    let at = transition.at.as_millisecond();
    let severity = finding.severity.as_str();
    let evidence = transition.evidence.to_string();
    let open: Option<i64> = connection
        .query_row(
            "SELECT id FROM findings WHERE target = ?1 AND class = ?2 AND channel IS ?3
             AND ended_ms IS NULL ORDER BY id DESC LIMIT 1",
            params![transition.target, finding.class.as_str(), finding.channel],
            |row| row.get(0),
        )
        .map_or_else(
            |err| match err {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                err => Err(err),
            },
            |id| Ok(Some(id)),
        )?;
    let id = match (transition.kind, open) {
        (TransitionKind::Started, _) | (_, None) => {
            connection.execute(
                "INSERT INTO findings (target, channel, class, severity, error_code, title,
                     started_ms, evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    transition.target,
                    finding.channel,
                    finding.class.as_str(),
                    severity,
                    finding.error_code,
                    finding.title,
                    finding.since.as_millisecond(),
                    evidence,
                ],
            )?;
            connection.last_insert_rowid()
        }
        (_, Some(id)) => id,
    };
    match transition.kind {
        TransitionKind::Started => {}
        TransitionKind::Changed => {
            connection.execute(
                "UPDATE findings SET severity = ?2, title = ?3 WHERE id = ?1",
                params![id, severity, finding.title],
            )?;
        }
        TransitionKind::Ended => {
            connection.execute(
                "UPDATE findings SET ended_ms = ?2 WHERE id = ?1",
                params![id, at],
            )?;
        }
    }
    connection.execute(
        "INSERT INTO finding_changes (finding, at_ms, kind, severity, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, at, transition.kind.name(), severity, evidence],
    )
}

/// The one thread that writes the history, fed through a channel.
#[derive(Debug, Clone)]
pub struct Writer {
    sender: mpsc::Sender<Record>,
}

impl Writer {
    /// Starts the writer on `history`, pruning what is older than `retention` at the start and
    /// every hour.
    pub fn start(mut history: History, retention: Duration) -> Writer {
        let (sender, receiver) = mpsc::channel::<Record>();
        std::thread::spawn(move || {
            let mut pending: VecDeque<Record> = VecDeque::new();
            let mut failing = false;
            let mut pruned_at: Option<std::time::Instant> = None;
            loop {
                match receiver.recv_timeout(Duration::from_secs(1)) {
                    Ok(record) => pending.push_back(record),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) if pending.is_empty() => return,
                    Err(mpsc::RecvTimeoutError::Disconnected) => {}
                }
                while let Ok(record) = receiver.try_recv() {
                    pending.push_back(record);
                }
                if pending.len() > MAX_PENDING {
                    let dropped = pending.len() - MAX_PENDING;
                    pending.drain(..dropped);
                    eprintln!(
                        "repldoctor watch: history: {dropped} record(s) dropped, the database \
                         refused writes for too long"
                    );
                }
                if !pending.is_empty() {
                    let batch: Vec<Record> = pending.iter().cloned().collect();
                    match history.write(&batch) {
                        Ok(()) => {
                            if failing {
                                eprintln!(
                                    "repldoctor watch: history: writing again ({} record(s) kept \
                                     while it failed)",
                                    batch.len()
                                );
                            }
                            failing = false;
                            pending.clear();
                        }
                        Err(err) if !failing => {
                            failing = true;
                            eprintln!("repldoctor watch: {err}; keeping the records to retry");
                        }
                        Err(_) => {}
                    }
                }
                if pruned_at.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
                    pruned_at = Some(std::time::Instant::now());
                    let cutoff = Timestamp::now()
                        .checked_sub(jiff::SignedDuration::try_from(retention).unwrap_or_default())
                        .unwrap_or(Timestamp::UNIX_EPOCH);
                    if let Err(err) = history.prune(cutoff) {
                        eprintln!("repldoctor watch: {err}");
                    }
                }
            }
        });
        Writer { sender }
    }

    pub fn send(&self, record: Record) {
        // The thread ends only when every sender is gone.
        let _ = self.sender.send(record);
    }
}

/// The default place: `$XDG_STATE_HOME/repldoctor/watch.sqlite`, else
/// `~/.local/state/repldoctor/watch.sqlite`.
pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("repldoctor").join("watch.sqlite"))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn timestamp(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn severity_named(name: &str) -> Option<diagnose::Severity> {
    Some(match name {
        "info" => diagnose::Severity::Info,
        "warning" => diagnose::Severity::Warning,
        "critical" => diagnose::Severity::Critical,
        _ => return None,
    })
}

fn class_named(name: &str) -> Option<diagnose::Class> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use diagnose::{Class, Severity};

    fn transition(kind: TransitionKind, severity: Severity, at: i64) -> Transition {
        Transition {
            target: "db2".into(),
            at: timestamp(at),
            kind,
            finding: ActiveFinding {
                class: Class::DupKey,
                channel: Some(String::new()),
                severity,
                error_code: Some(1062),
                title: "Duplicate key".into(),
                since: timestamp(1_000),
            },
            evidence: serde_json::json!({"facts": {"table": "lab.dup"}}),
        }
    }

    #[test]
    fn a_finding_is_open_until_its_end_and_a_reopened_database_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/watch.sqlite");
        let mut history = History::open(&path).unwrap();
        history
            .write(&[Record::Transition(transition(
                TransitionKind::Started,
                Severity::Warning,
                1_000,
            ))])
            .unwrap();
        history
            .write(&[Record::Transition(transition(
                TransitionKind::Changed,
                Severity::Critical,
                2_000,
            ))])
            .unwrap();
        drop(history);
        // A restarted watcher starts from the open finding, with its first time.
        let history = History::open(&path).unwrap();
        let open = history.open_findings().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].0, "db2");
        assert_eq!(open[0].1.class, Class::DupKey);
        assert_eq!(open[0].1.severity, Severity::Critical);
        assert_eq!(open[0].1.since, timestamp(1_000));
        let mut history = history;
        history
            .write(&[Record::Transition(transition(
                TransitionKind::Ended,
                Severity::Critical,
                3_000,
            ))])
            .unwrap();
        assert!(history.open_findings().unwrap().is_empty());
        let rows = history.findings("db2", 10).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].ended, Some(timestamp(3_000)));
        let changes: i64 = history
            .connection
            .query_row("SELECT COUNT(*) FROM finding_changes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(changes, 3);
        let evidence: String = history
            .connection
            .query_row("SELECT evidence FROM findings", [], |r| r.get(0))
            .unwrap();
        assert!(evidence.contains("lab.dup"), "{evidence}");
        // Pruning keeps what is newer than the cutoff, drops the rest.
        assert_eq!(history.prune(timestamp(2_500)).unwrap(), 0);
        assert!(history.prune(timestamp(3_500)).unwrap() >= 2);
        assert!(history.findings("db2", 10).unwrap().is_empty());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn figures_are_kept_and_read_back_per_channel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.sqlite");
        let mut history = History::open(&path).unwrap();
        let row = |at: i64, lag: Option<f64>| {
            Record::Poll(PollRecord {
                target: "db2".into(),
                channel: String::new(),
                at: timestamp(at),
                up: true,
                health: "healthy".into(),
                receiver: Some(ThreadState::Running),
                applier: Some(ThreadState::Running),
                receiver_errno: Some(0),
                applier_errno: Some(0),
                lag_seconds: lag,
                bytes_behind: Some(u64::MAX),
                transactions_behind: Some(0),
            })
        };
        history
            .write(&[
                row(1_000, Some(3.0)),
                row(2_000, None),
                row(3_000, Some(1.0)),
            ])
            .unwrap();
        let reader = History::open_read_only(&path).unwrap();
        let lag = reader.lag("db2", timestamp(1_500)).unwrap();
        assert_eq!(
            lag,
            vec![
                (timestamp(2_000), String::new(), None),
                (timestamp(3_000), String::new(), Some(1.0))
            ]
        );
    }

    #[test]
    fn writes_refused_for_a_while_are_retried_and_none_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch.sqlite");
        let history = History::open(&path).unwrap();
        // Another process holds the database: every write waits and fails.
        let blocker = Connection::open(&path).unwrap();
        blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let writer = Writer::start(history, DEFAULT_RETENTION);
        writer.send(Record::Transition(transition(
            TransitionKind::Started,
            Severity::Critical,
            1_000,
        )));
        std::thread::sleep(Duration::from_secs(6));
        blocker.execute_batch("ROLLBACK").unwrap();
        writer.send(Record::Transition(transition(
            TransitionKind::Ended,
            Severity::Critical,
            2_000,
        )));
        let reader = History::open_read_only(&path).unwrap();
        let started = std::time::Instant::now();
        loop {
            let rows = reader.findings("db2", 10).unwrap_or_default();
            if rows.first().is_some_and(|r| r.ended.is_some()) {
                assert_eq!(rows.len(), 1);
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "{rows:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
