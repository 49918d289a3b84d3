//! The numbers a poll gives per channel, read from the same evidence the rules read, and
//! carried from one poll to the next where one sample cannot tell (positions moving, how long
//! since the applier was last caught up).

use dialect::Flavor;
use evidence::model::{ChannelStatus, Evidence, Role, ServerEvidence, ThreadRunning};
use gtid::{AnyGtids, GtidPosition, GtidSet};
use jiff::Timestamp;
use serde::Serialize;

/// A replication thread's state. `Connecting` is its own state: a receiver retrying a login
/// is neither running nor stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadState {
    Running,
    Connecting,
    Stopped,
    /// Stopped on an error.
    Error,
}

impl ThreadState {
    pub const ALL: [ThreadState; 4] = [
        ThreadState::Running,
        ThreadState::Connecting,
        ThreadState::Stopped,
        ThreadState::Error,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ThreadState::Running => "running",
            ThreadState::Connecting => "connecting",
            ThreadState::Stopped => "stopped",
            ThreadState::Error => "error",
        }
    }

    fn of(running: Option<&ThreadRunning>, errno: Option<u32>) -> ThreadState {
        match running {
            Some(ThreadRunning::Yes) => ThreadState::Running,
            Some(ThreadRunning::Connecting) => ThreadState::Connecting,
            _ if errno.unwrap_or(0) != 0 => ThreadState::Error,
            _ => ThreadState::Stopped,
        }
    }
}

/// How the lag figure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LagBasis {
    /// `Seconds_Behind_Master` of a running applier.
    SecondsBehind,
    /// The replica has applied all the source has written: no lag, whatever the threads say.
    CaughtUp,
    /// The applier stopped on an error: the time since the source wrote the transaction it
    /// failed on (the first one not applied, as `Seconds_Behind_Master` would count it), read
    /// from that transaction's events.
    FailedTransaction,
    /// The applier is not running: the time since a poll last saw it caught up, which grows
    /// while it stays stopped instead of vanishing as `Seconds_Behind_Master` does.
    SinceCaughtUp,
}

/// One channel after one poll.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelFigures {
    /// `""` is the default channel.
    pub channel: String,
    pub receiver: ThreadState,
    pub applier: ThreadState,
    pub receiver_errno: u32,
    pub applier_errno: u32,
    pub lag_seconds: Option<f64>,
    pub lag_basis: Option<LagBasis>,
    pub sql_delay_seconds: Option<u64>,
    /// Where the applier stands in the source's binlog.
    pub applied: Option<(String, u64)>,
    /// Bytes of the source's binlogs the applier has yet to apply.
    pub bytes_behind: Option<u64>,
    /// Transactions the source executed that the replica has not, by GTID.
    pub transactions_behind: Option<u64>,
    /// The applied position changed since the previous poll (`None` on the first).
    pub positions_moving: Option<bool>,
    /// When a poll last saw the applier caught up.
    pub caught_up_at: Option<Timestamp>,
}

/// A replica after one poll.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub channels: Vec<ChannelFigures>,
    /// Transactions in the replica's executed GTID set (MySQL).
    pub gtid_executed: Option<u64>,
    /// Transactions the replica executed that its source never did (MySQL).
    pub gtid_errant: Option<u64>,
    /// Applier workers applying a transaction, and idle ones.
    pub workers_busy: Option<u64>,
    pub workers_idle: Option<u64>,
}

impl Figures {
    /// The figures of `replica` in `evidence`, carrying what `previous` knew.
    pub fn read(
        evidence: &Evidence,
        replica: &str,
        previous: Option<&Figures>,
        now: Timestamp,
    ) -> Figures {
        let Some(server) = evidence.server(Some(replica)) else {
            return Figures::default();
        };
        let source = evidence.servers.iter().find(|s| {
            s.label.as_deref() != Some(replica)
                && matches!(s.role, Some(Role::Source | Role::SourceAndReplica))
        });
        let executed = executed_set(server);
        let source_executed = source.and_then(executed_set);
        // The failing transaction's events are those of the one channel stopped on an error.
        let failed = server
            .channels()
            .iter()
            .filter(|c| c.applier_errno().is_some());
        let written_at = match failed.count() {
            1 => server
                .binlog_events
                .iter()
                .filter_map(|e| e.time.as_ref()?.instant())
                .min(),
            _ => None,
        };
        let channels = server
            .channels()
            .iter()
            .map(|channel| {
                let before = previous.and_then(|p| {
                    p.channels
                        .iter()
                        .find(|c| c.channel == channel.channel_name)
                });
                let written_at = written_at.filter(|_| channel.applier_errno().is_some());
                channel_figures(channel, server, source, before, written_at, now)
            })
            .collect();
        let workers = server.latest_sample().map(|s| &s.workers);
        let busy = workers.map(|w| {
            w.iter()
                .filter(|w| w.applying_transaction.is_some())
                .count() as u64
        });
        let total = workers.map(|w| w.len() as u64);
        Figures {
            channels,
            gtid_executed: executed.as_ref().map(|s| clamp(s.count())),
            gtid_errant: executed
                .as_ref()
                .zip(source_executed.as_ref())
                .map(|(replica, source)| clamp(replica.difference(source).count())),
            workers_busy: busy.filter(|_| total > Some(0)),
            workers_idle: busy.zip(total).filter(|(_, t)| *t > 0).map(|(b, t)| t - b),
        }
    }
}

fn channel_figures(
    channel: &ChannelStatus,
    replica: &ServerEvidence,
    source: Option<&ServerEvidence>,
    before: Option<&ChannelFigures>,
    failed_written_at: Option<Timestamp>,
    now: Timestamp,
) -> ChannelFigures {
    let receiver = ThreadState::of(channel.replica_io_running.as_ref(), channel.last_io_errno);
    let applier = ThreadState::of(channel.replica_sql_running.as_ref(), channel.last_sql_errno);
    let applied = channel
        .relay_source_log_file
        .clone()
        .zip(channel.exec_source_log_pos);
    let bytes_behind = source.and_then(|s| bytes_behind(s, applied.as_ref()?));
    let transactions_behind = source.and_then(|s| transactions_behind(s, replica, channel));
    let caught_up = bytes_behind == Some(0) || transactions_behind == Some(0);
    let behind = channel
        .seconds_behind_source
        .filter(|_| applier == ThreadState::Running);
    let (lag_seconds, lag_basis, caught_up_at) = if caught_up {
        (Some(0.0), Some(LagBasis::CaughtUp), Some(now))
    } else if let Some(seconds) = behind {
        let at = now
            .checked_sub(jiff::SignedDuration::from_secs(seconds as i64))
            .ok();
        (Some(seconds as f64), Some(LagBasis::SecondsBehind), at)
    } else if let Some(written) = failed_written_at {
        let since = (now - written)
            .total(jiff::Unit::Second)
            .unwrap_or(0.0)
            .max(0.0);
        let at = before.and_then(|b| b.caught_up_at);
        (Some(since), Some(LagBasis::FailedTransaction), at)
    } else {
        let at = before.and_then(|b| b.caught_up_at);
        let since = at.map(|at| (now - at).total(jiff::Unit::Second).unwrap_or(0.0).max(0.0));
        (since, since.map(|_| LagBasis::SinceCaughtUp), at)
    };
    ChannelFigures {
        channel: channel.channel_name.clone(),
        receiver,
        applier,
        receiver_errno: channel.last_io_errno.unwrap_or(0),
        applier_errno: channel.last_sql_errno.unwrap_or(0),
        lag_seconds,
        lag_basis,
        sql_delay_seconds: channel.sql_delay,
        positions_moving: before
            .and_then(|b| b.applied.as_ref())
            .zip(applied.as_ref())
            .map(|(was, is)| was != is),
        applied,
        bytes_behind,
        transactions_behind,
        caught_up_at,
    }
}

/// Bytes from the applied position to where the source writes, over its binlog list.
fn bytes_behind(source: &ServerEvidence, (file, position): &(String, u64)) -> Option<u64> {
    let writing = source.latest_sample()?.binlog_position.as_ref()?;
    let head = writing.position?;
    if &writing.file == file {
        return Some(head.saturating_sub(*position));
    }
    let logs = &source.binary_logs;
    let from = logs.iter().position(|l| &l.name == file)?;
    let to = logs.iter().position(|l| l.name == writing.file)?;
    if to < from {
        return None;
    }
    let rest_of_first = logs[from].size?.saturating_sub(*position);
    let between: Option<u64> = logs[from + 1..to].iter().map(|l| l.size).sum();
    Some(rest_of_first + between? + head)
}

/// Transactions the source has executed and the replica has not: by GTID set on MySQL with
/// GTIDs on, by sequence numbers per domain on MariaDB (the replica's `gtid_slave_pos` against
/// the source's `gtid_binlog_pos`; empty when nothing was written).
fn transactions_behind(
    source: &ServerEvidence,
    replica: &ServerEvidence,
    channel: &ChannelStatus,
) -> Option<u64> {
    if source.identity.flavor == Some(Flavor::Mariadb) {
        let written = mariadb_position(source.variables.get("gtid_binlog_pos"))?;
        let applied = channel.gtid_replica_pos.as_ref().map(|g| g.text.as_str());
        let applied = mariadb_position(applied.or(replica.variables.get("gtid_slave_pos")))?;
        let mut behind = 0u64;
        for domain in written.domains() {
            let head = written.current(domain)?.sequence;
            let at = applied.current(domain).map_or(0, |g| g.sequence);
            behind = behind.saturating_add(head.saturating_sub(at));
        }
        return Some(behind);
    }
    let source_set = executed_set(source)?;
    let applied = match &channel.executed_gtid_set {
        Some(set) => mysql_set(&set.text)?,
        None => executed_set(replica)?,
    };
    Some(clamp(source_set.difference(&applied).count()))
}

/// A MySQL server's `gtid_executed`, when it has GTIDs on (empty is a set, not an unknown).
fn executed_set(server: &ServerEvidence) -> Option<GtidSet> {
    if server.identity.flavor == Some(Flavor::Mariadb) {
        return None;
    }
    let mode = server.variables.gtid_mode()?;
    if !mode.to_ascii_uppercase().starts_with("ON") {
        return None;
    }
    mysql_set(server.variables.get("gtid_executed")?)
}

fn mysql_set(text: &str) -> Option<GtidSet> {
    match AnyGtids::parse(text) {
        Ok(AnyGtids::Mysql(set)) => Some(set),
        _ => None,
    }
}

fn mariadb_position(text: Option<&str>) -> Option<GtidPosition> {
    let text = text?;
    if text.trim().is_empty() {
        return Some(GtidPosition::new());
    }
    text.parse().ok()
}

fn clamp(count: u128) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}
