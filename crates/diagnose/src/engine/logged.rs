//! A replica whose status was not given but whose error log was: the log still says what the
//! applier and the receiver stopped on. This step writes that into a channel status read from
//! the log, so every rule sees one shape of evidence, whatever the DBA could paste.

use std::borrow::Cow;

use evidence::model::{
    ChannelStatus, ErrorLogLine, Evidence, LogLevel, ReplicationThread, ServerEvidence,
    StatusSample, ThreadRunning,
};

/// The evidence, with a channel status read from the error log added to every server that has
/// replication errors in its log but no status sample with a channel.
pub fn with_logged_status(evidence: &Evidence) -> Cow<'_, Evidence> {
    let needs = |server: &ServerEvidence| {
        server.channels().is_empty()
            && (applier_line(server).is_some() || receiver_line(server).is_some())
    };
    if !evidence.servers.iter().any(needs) {
        return Cow::Borrowed(evidence);
    }
    let mut enriched = evidence.clone();
    for server in &mut enriched.servers {
        if needs(server)
            && let Some(status) = status_from_log(server)
        {
            server.samples.push(StatusSample {
                channels: vec![status],
                ..StatusSample::default()
            });
        }
    }
    Cow::Owned(enriched)
}

/// Whether a channel status was read from the error log rather than printed by the server:
/// such a status has no columns of its own.
pub fn is_from_log(status: &ChannelStatus) -> bool {
    status.raw.is_empty()
}

/// The applier's failure in the log: of the lines written together with the latest applier
/// error (one failure spans several lines), the one that says what failed (a worker, a row
/// event, a statement) rather than the coordinator's summary ("the slave coordinator and worker
/// threads are stopped", error 1756).
fn applier_line(server: &ServerEvidence) -> Option<&ErrorLogLine> {
    let is_failure = |line: &ErrorLogLine| {
        let Some(parsed) = line.applier_error() else {
            return false;
        };
        let failure = match line.level {
            LogLevel::Error => !parsed.error_codes.is_empty(),
            // MySQL 5.6 logs a worker's failure as a warning.
            LogLevel::Warning => parsed.worker_id.is_some() && !parsed.error_codes.is_empty(),
            _ => false,
        };
        failure && !line.is_applier_abort()
    };
    let latest = server
        .error_log
        .iter()
        .rev()
        .find(|line| is_failure(line))?;
    let says_what = |line: &&ErrorLogLine| {
        line.applier_error().is_some_and(|m| {
            m.worker_id.is_some() || m.row_event.is_some() || m.statement.is_some()
        })
    };
    server
        .error_log
        .iter()
        .filter(|line| is_failure(line) && same_moment(line, latest))
        .find(says_what)
        .or(Some(latest))
}

/// Written within two seconds of each other.
fn same_moment(a: &ErrorLogLine, b: &ErrorLogLine) -> bool {
    match (&a.time, &b.time) {
        (Some(a), Some(b)) => a.local.duration_since(b.local).abs().as_secs() < 2,
        _ => std::ptr::eq(a, b),
    }
}

fn receiver_line(server: &ServerEvidence) -> Option<&ErrorLogLine> {
    server
        .error_log
        .iter()
        .rev()
        .find(|line| line.level == LogLevel::Error && line.receiver_error().is_some())
}

fn status_from_log(server: &ServerEvidence) -> Option<ChannelStatus> {
    let applier = applier_line(server);
    let receiver = receiver_line(server);
    let first = applier.or(receiver)?;
    let mut status = ChannelStatus::new(first.origin.clone());
    status.channel_name = first.channel().unwrap_or("").to_owned();
    if let Some(line) = applier {
        let parsed = line.applier_error().unwrap_or_default();
        status.last_sql_errno = parsed.error_code();
        status.last_sql_error = Some(line.message.clone());
        if stopped_after(server, line) {
            status.replica_sql_running = Some(ThreadRunning::No);
        }
    }
    if let Some(line) = receiver {
        let parsed = line.receiver_error();
        status.last_io_errno = parsed
            .as_ref()
            .and_then(|m| m.source_error_code.or(m.error_codes.first().copied()));
        status.last_io_error = Some(line.message.clone());
    }
    Some(status)
}

/// The log says the SQL thread stopped after `failure` ("slave SQL thread aborted", "exiting").
fn stopped_after(server: &ServerEvidence, failure: &ErrorLogLine) -> bool {
    let mut after = false;
    for line in &server.error_log {
        if std::ptr::eq(line, failure) {
            after = true;
            continue;
        }
        if after
            && line.replication_thread() == Some(ReplicationThread::Applier)
            && (line.message.contains("thread aborted") || line.message.contains("thread exiting"))
        {
            return true;
        }
    }
    false
}
