//! A replica whose status was not given but whose error log or applier tables were: the log
//! still says what the applier and the receiver stopped on, and a worker or coordinator row of
//! performance_schema what the applier failed on. This step writes that into a channel status
//! put together from them, so every rule sees one shape of evidence, whatever the DBA could
//! paste.

use std::borrow::Cow;

use evidence::model::{
    ChannelStatus, ClientProgram, ErrorLogLine, Evidence, LogLevel, LogTime, Provenance,
    ReplicationThread, ServerEvidence, StatusSample, ThreadRunning, thread_named_by,
};

/// The evidence, with a channel status put together for every server that has replication
/// errors in its log or applier tables but no status sample with a channel.
pub fn with_logged_status(evidence: &Evidence) -> Cow<'_, Evidence> {
    let needs = |server: &ServerEvidence| {
        // A server whose status was read without a channel is no replica now: its log's
        // replication errors are history.
        let no_channel = server.latest_sample().is_some_and(|s| s.has_no_channel());
        server.channels().is_empty()
            && !no_channel
            && (applier_line(server).is_some()
                || receiver_line(server).is_some()
                || !statuses_from_applier_tables(server).is_empty()
                || status_from_client_error(server).is_some())
    };
    if !evidence.servers.iter().any(needs) {
        return Cow::Borrowed(evidence);
    }
    let mut enriched = evidence.clone();
    for server in &mut enriched.servers {
        if !needs(server) {
            continue;
        }
        let from_tables = statuses_from_applier_tables(server);
        if !from_tables.is_empty() {
            // Into the sample that holds the rows, so the channel sees its workers.
            if let Some(sample) = server.samples.last_mut() {
                sample.channels.extend(from_tables);
            }
        } else if let Some(status) =
            status_from_log(server).or_else(|| status_from_client_error(server))
        {
            server.samples.push(StatusSample {
                channels: vec![status],
                ..StatusSample::default()
            });
        }
    }
    Cow::Owned(enriched)
}

/// Whether a channel status was put together from the error log or the applier tables rather
/// than printed by the server: such a status has no columns of its own.
pub fn is_from_log(status: &ChannelStatus) -> bool {
    status.raw.is_empty()
}

/// One channel status per channel whose coordinator or workers report an error in the latest
/// sample: the coordinator's error (what `Last_SQL_Error` would show), else the latest failed
/// worker's. The failed row's `SERVICE_STATE` says whether the applier still runs.
fn statuses_from_applier_tables(server: &ServerEvidence) -> Vec<ChannelStatus> {
    struct Failed<'a> {
        channel: &'a str,
        errno: Option<u32>,
        message: Option<&'a String>,
        time: Option<&'a LogTime>,
        service_state: Option<&'a String>,
        origin: &'a Provenance,
    }
    let Some(sample) = server.latest_sample() else {
        return Vec::new();
    };
    let has_error = |errno: Option<u32>, message: Option<&String>| {
        errno.is_some_and(|n| n != 0) || message.is_some_and(|m| !m.trim().is_empty())
    };
    let coordinators = sample.coordinators.iter().map(|c| Failed {
        channel: &c.channel_name,
        errno: c.last_error_number,
        message: c.last_error_message.as_ref(),
        time: c.last_error_timestamp.as_ref(),
        service_state: c.service_state.as_ref(),
        origin: &c.origin,
    });
    let mut workers: Vec<Failed> = sample
        .workers
        .iter()
        .map(|w| Failed {
            channel: &w.channel_name,
            errno: w.last_error_number,
            message: w.last_error_message.as_ref(),
            time: w.last_error_timestamp.as_ref(),
            service_state: w.service_state.as_ref(),
            origin: &w.origin,
        })
        .collect();
    // The latest failure first.
    workers.sort_by_key(|w| std::cmp::Reverse(w.time.map(|t| t.local)));
    let mut statuses: Vec<ChannelStatus> = Vec::new();
    for failed in coordinators.chain(workers) {
        if !has_error(failed.errno, failed.message)
            || statuses.iter().any(|s| s.channel_name == failed.channel)
        {
            continue;
        }
        let mut status = ChannelStatus::new(failed.origin.clone());
        status.channel_name = failed.channel.to_owned();
        status.last_sql_errno = failed.errno.filter(|n| *n != 0);
        status.last_sql_error = failed.message.cloned();
        status.last_sql_error_timestamp = failed.time.cloned();
        status.replica_sql_running = failed.service_state.and_then(|state| {
            match state.trim().to_ascii_uppercase().as_str() {
                "ON" => Some(ThreadRunning::Yes),
                "OFF" => Some(ThreadRunning::No),
                _ => None,
            }
        });
        statuses.push(status);
    }
    statuses
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
            // MySQL 5.6 logs a worker's failure as a warning, MariaDB a row event it retries.
            LogLevel::Warning => {
                (parsed.worker_id.is_some() || parsed.row_event.is_some())
                    && !parsed.error_codes.is_empty()
            }
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
            m.worker_id.is_some()
                || m.row_event.is_some()
                || m.statement.is_some()
                || m.metadata_table.is_some()
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

/// A replication error the client printed with no statement of the DBA's before it (`ERROR
/// 1236 (HY000): ...` pasted alone, or the answer to `START SLAVE`): the thread the catalogue
/// says reports that number failed with it.
fn status_from_client_error(server: &ServerEvidence) -> Option<ChannelStatus> {
    let (error, code, thread) = server.client_errors.iter().rev().find_map(|error| {
        let code = error.code?;
        let answers_replication = error.statement.as_deref().is_none_or(|statement| {
            let s = statement.trim_start().to_ascii_lowercase();
            ["start ", "show ", "change ", "stop "]
                .iter()
                .any(|verb| s.starts_with(verb))
        });
        // The message's own opening words name its thread before its number does (1593
        // wraps the receiver's "Fatal error: The slave I/O thread stops ...").
        let thread = thread_named_by(&error.message)
            .or_else(|| crate::catalogue::thread_of_number(code, server.identity.flavor))?;
        (error.program != ClientProgram::Mysqlbinlog && answers_replication)
            .then_some((error, code, thread))
    })?;
    let mut status = ChannelStatus::new(error.origin.clone());
    match thread {
        ReplicationThread::Applier => {
            status.last_sql_errno = Some(code);
            status.last_sql_error = Some(error.message.clone());
        }
        ReplicationThread::Receiver => {
            status.last_io_errno = Some(code);
            status.last_io_error = Some(error.message.clone());
        }
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

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use super::*;
    use crate::class::Class;

    #[test]
    fn a_failed_worker_row_alone_gives_the_channel_its_applier_error() {
        // Corpus 038: a worker row pasted without its row header or SHOW SLAVE STATUS.
        let text = "CHANNEL_NAME:\n WORKER_ID: 4\n THREAD_ID: NULL\n SERVICE_STATE: OFF\nLAST_ERROR_NUMBER: 1050\nLAST_ERROR_MESSAGE: Worker 3 failed executing transaction 'ANONYMOUS' at master log DB01-mysql-bin.191922, end_log_pos 61117717; Error 'Table 'dnrOrgList' already exists' on query. Default database: 'crm_deals'. Query: 'Create temporary table crm_deals.dnrOrgList (orgid int)'\nLAST_ERROR_TIMESTAMP: 2020-05-30 19:01:16\n";
        let evidence = parse_text("t", text).evidence;
        let enriched = with_logged_status(&evidence);
        let channel = &enriched.servers[0].channels()[0];
        assert_eq!(channel.last_sql_errno, Some(1050));
        assert_eq!(channel.replica_sql_running, Some(ThreadRunning::No));
        assert!(is_from_log(channel));
        let report = crate::diagnose(&evidence);
        let top = &report.findings[0];
        assert_eq!(top.class, Class::DdlMismatch);
        assert_eq!(top.facts.end_log_pos, Some(61117717));
        assert_eq!(
            top.facts.source_log_file.as_deref(),
            Some("DB01-mysql-bin.191922")
        );
        assert_eq!(top.facts.table.as_deref(), Some("crm_deals.dnrOrgList"));
        assert_eq!(top.facts.worker_id, Some(3));
    }

    #[test]
    fn the_coordinator_row_speaks_for_the_channel_and_the_latest_worker_else() {
        let text = "*************************** 1. row ***************************\nCHANNEL_NAME: ch1\nWORKER_ID: 1\nSERVICE_STATE: OFF\nLAST_ERROR_NUMBER: 1205\nLAST_ERROR_MESSAGE: Worker 1 failed executing transaction 'u:1' at master log b.000001, end_log_pos 10; Lock wait timeout exceeded; try restarting transaction\nLAST_ERROR_TIMESTAMP: 2024-01-01 10:00:00\n*************************** 2. row ***************************\nCHANNEL_NAME: ch1\nWORKER_ID: 2\nSERVICE_STATE: OFF\nLAST_ERROR_NUMBER: 1062\nLAST_ERROR_MESSAGE: Worker 2 failed executing transaction 'u:2' at master log b.000001, end_log_pos 20; Duplicate entry '5' for key 'PRIMARY'\nLAST_ERROR_TIMESTAMP: 2024-01-01 10:00:05\n*************************** 3. row ***************************\nCHANNEL_NAME: ch2\nWORKER_ID: 1\nSERVICE_STATE: ON\nLAST_ERROR_NUMBER: 0\nLAST_ERROR_MESSAGE:\nLAST_ERROR_TIMESTAMP: 0000-00-00 00:00:00\n";
        let evidence = parse_text("t", text).evidence;
        let statuses = statuses_from_applier_tables(&evidence.servers[0]);
        assert_eq!(statuses.len(), 1, "a channel without errors gets no status");
        assert_eq!(statuses[0].channel_name, "ch1");
        assert_eq!(statuses[0].last_sql_errno, Some(1062));

        let coordinator = "CHANNEL_NAME: ch1\nTHREAD_ID: NULL\nSERVICE_STATE: OFF\nLAST_ERROR_NUMBER: 1205\nLAST_ERROR_MESSAGE: Coordinator stopped because there were error(s) in the worker(s). The most recent failure being: Worker 1 failed executing transaction 'u:1' at master log b.000001, end_log_pos 10.\nLAST_ERROR_TIMESTAMP: 2024-01-01 10:00:00\nLAST_PROCESSED_TRANSACTION: u:1\n";
        let evidence = parse_text("t", coordinator).evidence;
        let statuses = statuses_from_applier_tables(&evidence.servers[0]);
        assert_eq!(statuses[0].last_sql_errno, Some(1205));
        assert!(
            statuses[0]
                .last_sql_error
                .as_deref()
                .is_some_and(|m| m.starts_with("Coordinator stopped"))
        );
    }
}
