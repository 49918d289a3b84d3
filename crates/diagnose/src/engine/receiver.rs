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
        let mut cited = vec![Cited {
            server: view.server_label(),
            source: format!("replica status ({}): Last_IO_Error", status.origin),
            quote: text.clone(),
        }];
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
        })
    }

    /// The latest receiver error of an error log, for a server whose status was not given.
    pub(crate) fn from_error_log(server: &'a ServerEvidence) -> Option<Self> {
        let line = server
            .error_log
            .iter()
            .rev()
            .find(|l| is_receiver_error(l))?;
        let message = line.receiver_error()?;
        Some(Self {
            server,
            channel: line.channel().unwrap_or("").to_owned(),
            errno: message
                .source_error_code
                .or(message.error_codes.first().copied()),
            message,
            message_text: line.message.clone(),
            cited: vec![log_citation(server, line)],
            io_running: None,
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
        if let Some(set) = &self.message.missing_transactions {
            facts.set("missing_transactions", set.clone());
        }
        let coordinate = self
            .message
            .last_event_read
            .as_ref()
            .or(self.message.first_event.as_ref());
        if let Some(coordinate) = coordinate {
            facts.source_log_file = Some(coordinate.file.clone());
            facts.end_log_pos = Some(coordinate.position);
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
