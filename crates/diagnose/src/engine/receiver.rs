//! The receiver's (IO thread's) failure on a channel, from the channel status or, when only a
//! log was given, from the error log.

use evidence::model::{ErrorLogLine, LogLevel, ReceiverErrorMessage, ServerEvidence};

use super::context::ChannelView;
use crate::finding::{Cited, Facts};

/// What the server reports about the receiver's last error.
#[derive(Debug, Clone)]
pub struct ReceiverFailure<'a> {
    pub server: &'a ServerEvidence,
    pub channel: String,
    /// `Last_IO_Errno`, else the source's error number in the message.
    pub errno: Option<u32>,
    pub message: ReceiverErrorMessage,
    pub message_text: String,
    /// Where it was read: the status columns or an error-log line.
    pub cited: Vec<Cited>,
    /// The receiver thread: `Some(false)` stopped, `Some(true)` (re)connecting or running.
    pub io_running: Option<bool>,
    /// The channel status, when the server printed one.
    pub status: Option<&'a evidence::model::ChannelStatus>,
}

impl<'a> ReceiverFailure<'a> {
    pub(crate) fn of_channel(view: &ChannelView<'a>) -> Option<Self> {
        let status = view.status;
        let text = status.last_io_error.clone().unwrap_or_default();
        let errno = status.last_io_errno.filter(|n| *n != 0);
        if errno.is_none() && text.trim().is_empty() {
            return None;
        }
        let message = ReceiverErrorMessage::parse(&text)?;
        let mut cited = Vec::new();
        if !super::logged::is_from_log(status) {
            cited.push(Cited {
                server: view.server_label(),
                source: format!("replica status ({}): Last_IO_Error", status.origin),
                quote: text.clone(),
            });
        }
        if let Some(line) = view
            .server
            .error_log
            .iter()
            .rev()
            .find(|l| is_receiver_error(l))
        {
            cited.push(log_citation(view.server, line));
        }
        Some(Self {
            server: view.server,
            channel: status.channel_name.clone(),
            errno: errno.or(message.source_error_code),
            message,
            message_text: text,
            cited,
            io_running: view.io_running(),
            status: (!super::logged::is_from_log(status)).then_some(status),
        })
    }

    /// The facts every receiver finding starts from.
    pub fn facts(&self) -> Facts {
        let mut facts = Facts {
            server: self.server.label.clone(),
            channel: Some(self.channel.clone()),
            ..Facts::default()
        };
        if let Some(code) = self.errno {
            facts.set("error_code", code);
        }
        if let Some(set) = &self.message.gtid_set_sent_by_replica {
            facts.set("gtid_set_sent_by_replica", set.clone());
        }
        // MariaDB names the GTID the replica asked to start from.
        if facts.gtid.is_none() {
            facts.gtid = self
                .message_text
                .split(|c: char| c.is_whitespace() || c == ',' || c == '\'')
                .find(|word| word.parse::<gtid::MariaGtid>().is_ok())
                .map(str::to_owned);
        }
        if let Some(set) = &self.message.missing_transactions {
            facts.set("missing_transactions", set.clone());
        }
        // Where the receiver was: the coordinates the message names (the last event read, the
        // last byte read), else the status columns.
        let named = [
            ("last_event_read", &self.message.last_event_read),
            ("last_byte_read", &self.message.last_byte_read),
            ("first_event", &self.message.first_event),
        ];
        for (name, coordinate) in named {
            if let Some(coordinate) = coordinate {
                let file = coordinate.file.trim_start_matches("./").to_owned();
                if facts.source_log_file.is_none() {
                    facts.source_log_file = Some(file.clone());
                }
                facts.set(
                    name,
                    serde_json::json!({"file": file, "position": coordinate.position}),
                );
            }
        }
        if let Some(status) = self.status {
            if facts.source_log_file.is_none() {
                facts.source_log_file = status.source_log_file.clone();
            }
            if let Some(position) = status.read_source_log_pos {
                facts.set("read_source_log_pos", position);
            }
        }
        facts
    }
}

fn is_receiver_error(line: &ErrorLogLine) -> bool {
    line.level == LogLevel::Error && line.receiver_error().is_some()
}

fn log_citation(server: &ServerEvidence, line: &ErrorLogLine) -> Cited {
    Cited {
        server: server.label.clone(),
        source: format!("error log ({})", line.origin),
        quote: line.message.clone(),
    }
}
