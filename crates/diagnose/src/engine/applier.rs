//! The applier's failure on a channel, put together from every place that reports it: the
//! channel status (`Last_SQL_Error`), the worker rows, and the error log.
//!
//! The exact failing transaction is read from what the server says (the coordinator's "Worker N
//! failed executing transaction 'GTID' at master log F, end_log_pos P", the worker row, MariaDB's
//! `Gtid D-S-N` in the error log), never guessed from the last executed GTID.

use evidence::model::{
    ApplierErrorMessage, ErrorLogLine, LogCoordinate, LogLevel, LogTime, TransactionRef, WorkerRow,
};

use super::context::ChannelView;
use crate::finding::{Cited, Facts};

/// What the server reports about the applier's last error on one channel.
#[derive(Debug, Clone)]
pub struct ApplierFailure<'a> {
    /// The most specific error number (the worker's or the event's rather than the
    /// coordinator's copy); `None` when the server stopped without one (different errors on
    /// source and replica report 0).
    pub errno: Option<u32>,
    /// `Last_SQL_Error` (or `Last_Error`), read into fields.
    pub message: ApplierErrorMessage,
    pub message_text: String,
    /// The worker row that failed, when the worker table was given.
    pub worker: Option<&'a WorkerRow>,
    /// That worker's own message, read into fields.
    pub worker_message: Option<ApplierErrorMessage>,
    /// Every worker row with an error, oldest first.
    pub failed_workers: Vec<&'a WorkerRow>,
    /// The error-log line that reports the same failure, when the log was given.
    pub log_line: Option<&'a ErrorLogLine>,
    /// That line and the ones the server wrote with it (the warning, "We stopped at log ..."),
    /// read into fields.
    pub log_messages: Vec<ApplierErrorMessage>,
    /// The applier thread is stopped (the error is current), or runs (stale, or hung).
    pub sql_running: Option<bool>,
    /// The applier runs and moved between the two samples: the error is an old one, not what
    /// the replica is doing now.
    pub stale: bool,
}

impl<'a> ApplierFailure<'a> {
    pub(crate) fn of_channel(view: &ChannelView<'a>) -> Option<Self> {
        let status = view.status;
        let message_text = status.applier_error_text().unwrap_or_default().to_owned();
        let errno = status.applier_errno();
        let sql_stopped = view.sql_running() == Some(false);
        if errno.is_none() && message_text.trim().is_empty() {
            return None;
        }
        let message = ApplierErrorMessage::parse(&message_text);
        // No error number (some pastes keep only Last_SQL_Error, and "different errors" reports
        // 0): the message must say what failed, or the thread must have stopped.
        let says_what_failed = !message.error_codes.is_empty()
            || message.worker_id.is_some()
            || message.different_errors.is_some();
        if errno.is_none() && !sql_stopped && !says_what_failed {
            return None;
        }
        let mut failed_workers: Vec<&WorkerRow> = view
            .workers
            .iter()
            .copied()
            .filter(|w| {
                w.last_error_number.is_some_and(|n| n != 0)
                    || w.last_error_message
                        .as_deref()
                        .is_some_and(|m| !m.trim().is_empty())
            })
            .collect();
        failed_workers.sort_by_key(|w| timestamp(w));
        let worker = message
            .worker_id
            .and_then(|id| failed_workers.iter().find(|w| w.worker_id == Some(id)))
            .or(failed_workers.last())
            .copied();
        let worker_message = worker.and_then(WorkerRow::error);
        let log_line = matching_log_line(view, &message);
        let log_messages = log_line
            .map(|line| same_incident(view, line))
            .unwrap_or_default();
        let specific = worker_message
            .as_ref()
            .and_then(ApplierErrorMessage::error_code)
            .or_else(|| message.error_code());
        let errno = errno.or(specific).filter(|n| *n != 0);
        Some(Self {
            errno: root_cause_code(errno, &log_messages),
            message,
            message_text,
            worker,
            worker_message,
            failed_workers,
            log_line,
            log_messages,
            sql_running: view.sql_running(),
            stale: view.sql_running() == Some(true) && view.applier_moved() == Some(true),
        })
    }

    /// The error number, taking the inner error when the coordinator only relays it.
    pub fn code(&self) -> Option<u32> {
        self.errno
    }

    /// Every message about this failure: the channel's own first (it is what the DBA quotes,
    /// and when the worker table was captured at another moment it still names this failure),
    /// then the worker's details, then the error log's.
    fn messages(&self) -> impl Iterator<Item = &ApplierErrorMessage> {
        std::iter::once(&self.message)
            .chain(self.worker_message.iter())
            .chain(self.log_messages.iter())
    }

    /// The failing transaction as the server named it.
    pub fn transaction(&self) -> Option<TransactionRef> {
        if let Some(found) = self.messages().find_map(|m| m.transaction.clone()) {
            return Some(found);
        }
        if let Some(gtid) = self.messages().find_map(|m| m.mariadb_gtid.clone()) {
            return Some(TransactionRef::Gtid(gtid));
        }
        None
    }

    /// The failing event's coordinate in the source's binlog: file and `end_log_pos`.
    pub fn source_log(&self) -> Option<LogCoordinate> {
        self.find(|m| m.source_log.clone())
    }

    /// The first message that has this fact.
    pub fn find<T>(&self, fact: impl Fn(&ApplierErrorMessage) -> Option<T>) -> Option<T> {
        self.messages().find_map(fact)
    }

    /// Whether any message names one of these error numbers.
    pub fn has_code(&self, codes: &[u32]) -> bool {
        self.errno.is_some_and(|n| codes.contains(&n))
            || self
                .messages()
                .any(|m| m.error_codes.iter().any(|n| codes.contains(n)))
    }

    /// The facts every applier finding starts from.
    pub fn facts(&self, view: &ChannelView<'_>) -> Facts {
        let status = view.status;
        let mut facts = Facts {
            server: view.server_label(),
            channel: Some(status.channel_name.clone()),
            ..Facts::default()
        };
        match self.transaction() {
            Some(TransactionRef::Gtid(gtid)) => facts.gtid = Some(gtid),
            Some(TransactionRef::Anonymous) => {
                facts.set("transaction", "ANONYMOUS");
            }
            Some(TransactionRef::Empty) | None => {}
        }
        if let Some(coordinate) = self.source_log() {
            facts.source_log_file = Some(coordinate.file);
            facts.end_log_pos = Some(coordinate.position);
        }
        let stopped_at = self.find(|m| m.stopped_at.clone());
        facts.exec_source_log_pos = status
            .exec_source_log_pos
            .or(stopped_at.as_ref().map(|c| c.position));
        if facts.source_log_file.is_none() {
            facts.source_log_file = status
                .relay_source_log_file
                .clone()
                .or(stopped_at.map(|c| c.file));
        }
        facts.relay_log_file = status.relay_log_file.clone();
        facts.relay_log_pos = status.relay_log_pos;
        if let Some(table) = self.find(|m| m.table().cloned()) {
            facts.table = Some(table.to_string());
        } else {
            facts.table = quoted_table(&self.message_text)
                .or_else(|| self.find(|m| m.metadata_table.clone()));
        }
        if let Some(entry) = self.find(|m| m.duplicate_entry.clone()) {
            facts.key = Some(entry.value.clone());
            facts.key_name = Some(entry.key_name().to_owned());
        }
        if let Some(conversion) = self.find(|m| m.column_conversion.clone()) {
            facts.set("column_number", conversion.column);
            facts.set("type_in_event", conversion.from_type);
            facts.set("type_on_replica", conversion.to_type);
        }
        facts.worker_id = self
            .find(|m| m.worker_id)
            .or(self.worker.and_then(|w| w.worker_id))
            .map(u64::from);
        if let Some(code) = self.errno {
            facts.set("error_code", code);
        }
        if self.failed_workers.len() > 1 || self.worker_disagrees() {
            let workers: Vec<serde_json::Value> =
                self.failed_workers.iter().map(|w| worker_json(w)).collect();
            facts.set("failed_workers", workers);
        }
        facts
    }

    /// The worker table names another transaction than the coordinator's message: they were
    /// written at different moments, and both are worth showing.
    pub fn worker_disagrees(&self) -> bool {
        match (&self.message.transaction, &self.worker_message) {
            (Some(ours), Some(theirs)) => theirs.transaction.as_ref() != Some(ours),
            _ => false,
        }
    }

    /// The citations every applier finding starts from.
    pub fn cited(&self, view: &ChannelView<'_>) -> Vec<Cited> {
        let mut cited = Vec::new();
        let status = view.status;
        // A status read from the error log is cited as the log line below.
        let printed = !super::logged::is_from_log(status);
        if let Some(errno) = status.applier_errno().filter(|_| printed) {
            cited.push(Cited {
                server: view.server_label(),
                source: format!("replica status ({}): Last_SQL_Errno", status.origin),
                quote: errno.to_string(),
            });
        }
        if printed && !self.message_text.is_empty() {
            cited.push(Cited {
                server: view.server_label(),
                source: format!("replica status ({}): Last_SQL_Error", status.origin),
                quote: self.message_text.clone(),
            });
        }
        for worker in &self.failed_workers {
            cited.push(Cited {
                server: view.server_label(),
                source: format!(
                    "applier worker {} ({})",
                    worker.worker_id.map(|i| i.to_string()).unwrap_or_default(),
                    worker.origin
                ),
                quote: worker.last_error_message.clone().unwrap_or_default(),
            });
        }
        if let Some(line) = self.log_line {
            cited.push(Cited {
                server: view.server_label(),
                source: format!("error log ({})", line.origin),
                quote: line.message.clone(),
            });
        }
        cited
    }
}

fn timestamp(worker: &WorkerRow) -> Option<jiff::civil::DateTime> {
    worker
        .last_error_timestamp
        .as_ref()
        .map(|t: &LogTime| t.local)
}

fn worker_json(worker: &WorkerRow) -> serde_json::Value {
    let parsed = worker.error();
    serde_json::json!({
        "worker_id": worker.worker_id,
        "error_code": worker.last_error_number,
        "gtid": parsed.as_ref().and_then(|m| m.transaction.as_ref()?.gtid().map(str::to_owned))
            .or_else(|| worker.last_transaction()?.gtid().map(str::to_owned)),
        "source_log_file": parsed.as_ref().and_then(|m| m.source_log.as_ref().map(|c| c.file.clone())),
        "end_log_pos": parsed.as_ref().and_then(|m| m.source_log.as_ref().map(|c| c.position)),
        "time": worker.last_error_timestamp.as_ref().map(|t| t.local.to_string()),
    })
}

/// The applier lines the server wrote within a second of `line`: one failure is reported over
/// several lines (the error, a warning, "We stopped at log 'F' position P").
fn same_incident(view: &ChannelView<'_>, line: &ErrorLogLine) -> Vec<ApplierErrorMessage> {
    let Some(time) = line.time.as_ref().map(|t| t.local) else {
        return line.applier_error().into_iter().collect();
    };
    view.server
        .error_log
        .iter()
        .filter(|other| {
            other
                .time
                .as_ref()
                .is_some_and(|t| t.local.duration_since(time).abs().as_secs() < 2)
        })
        .filter_map(ErrorLogLine::applier_error)
        .collect()
}

/// The error-log line that reports the channel's applier error: the same event coordinate,
/// else the latest applier error of the server.
fn matching_log_line<'a>(
    view: &ChannelView<'a>,
    message: &ApplierErrorMessage,
) -> Option<&'a ErrorLogLine> {
    let applier_errors = view.server.error_log.iter().filter(|line| {
        line.level == LogLevel::Error
            && line.channel().unwrap_or("") == view.status.channel_name
            && line
                .applier_error()
                .is_some_and(|m| !m.error_codes.is_empty())
    });
    let mut latest = None;
    for line in applier_errors {
        let parsed = line.applier_error();
        let same_event = message.source_log.is_some()
            && parsed.as_ref().and_then(|m| m.source_log.as_ref()) == message.source_log.as_ref();
        if same_event {
            return Some(line);
        }
        latest = Some(line);
    }
    latest
}

/// A finding about an applier failure, with the facts and citations every such finding has.
/// The error is current when the SQL thread is stopped (certain); with the thread running it
/// may be an old one (medium).
pub fn finding(
    view: &ChannelView<'_>,
    failure: &ApplierFailure<'_>,
    class: crate::class::Class,
    title: crate::text::Text,
) -> crate::finding::Finding {
    use crate::finding::{Confidence, Finding, Severity};
    let confidence = match failure.sql_running {
        Some(false) => Confidence::Certain,
        None => Confidence::High,
        Some(true) => Confidence::Medium,
    };
    if failure.stale {
        // Worth knowing (it happened, and may again), but not what the replica does now.
        let title = crate::text::Text::new(
            format!("Earlier, now cleared: {}", title.en),
            format!("此前发生、现已恢复：{}", title.zh),
        );
        let mut finding = Finding::new(class, Severity::Info, Confidence::High, title);
        finding.error_code = failure.code();
        finding.facts = failure.facts(view);
        finding.facts.set("stale", true);
        finding.evidence = failure.cited(view);
        return finding;
    }
    let mut finding = Finding::new(class, Severity::Critical, confidence, title);
    finding.error_code = failure.code();
    finding.facts = failure.facts(view);
    finding.evidence = failure.cited(view);
    finding
}

/// `of table 'db.t'` / `on table db.t` in messages that are not row-event failures (column
/// conversion, some DDL errors).
fn quoted_table(message: &str) -> Option<String> {
    let message = evidence::model::messages::straight_quotes(message);
    let after = message
        .split_once("of table '")
        .or_else(|| message.split_once("on table '"))?
        .1;
    let table = after.split('\'').next()?;
    (!table.is_empty() && !table.contains(' ')).then(|| table.to_owned())
}

/// MariaDB's parallel applier kills the other workers when one fails: they report 1927
/// ("Connection was killed") or 1964, and the log of the same moment holds the first failure.
/// A deadlock (1213) or lock wait (1205) there is the cause; the kills are its consequence.
fn root_cause_code(errno: Option<u32>, incident: &[ApplierErrorMessage]) -> Option<u32> {
    const CONSEQUENCES: [u32; 2] = [1927, 1964];
    const CAUSES: [u32; 2] = [1213, 1205];
    match errno {
        Some(code) if CONSEQUENCES.contains(&code) => incident
            .iter()
            .flat_map(|m| m.error_codes.iter().copied())
            .find(|c| CAUSES.contains(c))
            .or(errno),
        _ => errno,
    }
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    #[test]
    fn a_type_conversion_names_its_table_column_and_types() {
        // Corpus 076: quotes curled by the page, no error number in the message.
        let text = "Last_Errno: 1677\nLast_Error: Column 7 of table \u{2018}user_0.user_00\u{2032} cannot be converted from type \u{2018}varchar(10)\u{2019} to type \u{2018}varbinary(30)\u{2019}\n";
        let report = crate::diagnose(&parse_text("t", text).evidence);
        let facts = &report.findings[0].facts;
        assert_eq!(facts.table.as_deref(), Some("user_0.user_00"));
        assert_eq!(facts.other["column_number"], 7);
        assert_eq!(facts.other["type_in_event"], "varchar(10)");
        assert_eq!(facts.other["type_on_replica"], "varbinary(30)");
    }
}
