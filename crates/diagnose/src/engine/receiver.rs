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
            // The source prints its own path (`./bin.000001`, `/data/bin.000001`); the file
            // name is what the replica's status and CHANGE MASTER use. `''` names no file.
            if let Some(coordinate) = coordinate.as_ref().filter(|c| !c.file.is_empty()) {
                let file = coordinate
                    .file
                    .rsplit('/')
                    .next()
                    .unwrap_or(&coordinate.file)
                    .to_owned();
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
        } else if let Some(read_up_to) = self.read_up_to() {
            // Only a log was given: its exit note says how far the receiver read.
            if facts.source_log_file.is_none() {
                facts.source_log_file = Some(read_up_to.file.clone());
            }
            facts.set("read_source_log_pos", read_up_to.position);
        }
        facts
    }

    /// The receiver's last exit note in the error log: `read up to log 'F', position P`.
    fn read_up_to(&self) -> Option<evidence::model::LogCoordinate> {
        self.server
            .error_log
            .iter()
            .rev()
            .filter_map(ErrorLogLine::receiver_error)
            .find_map(|m| m.read_up_to)
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

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    fn top_facts(text: &str) -> crate::finding::Facts {
        let report = crate::diagnose(&parse_text("t", text).evidence);
        report.findings[0].facts.clone()
    }

    #[test]
    fn the_exit_note_says_how_far_the_receiver_read() {
        // Corpus 065: MySQL 5.0 lines without a level.
        let facts = top_facts(
            "050610  6:30:52 Got fatal error 1236: 'binlog truncated in the middle of event' from master when reading data from binary log\n050610  6:30:52 Slave I/O thread exiting, read up to log 'binary-log.1676', position 820347988\n",
        );
        assert_eq!(facts.source_log_file.as_deref(), Some("binary-log.1676"));
        assert_eq!(facts.other["read_source_log_pos"], 820347988);
    }

    #[test]
    fn source_paths_become_file_names_and_empty_names_are_left_out() {
        // Corpus 066: the source prints its binlog's full path, and '' for the first event.
        let facts = top_facts(
            "2014-01-16 04:40:53 12758 [ERROR] Slave I/O: Got fatal error 1236 from master when reading data from binary log: 'binlog truncated in the middle of event; consider out of disk space on master; the first event '' at 4, the last event read from '/piasql/pia-db3-bin.000001' at 126098235, the last byte read from '/piasql/pia-db3-bin.000001' at 126098254.', Error_code: 1236\n",
        );
        assert_eq!(facts.source_log_file.as_deref(), Some("pia-db3-bin.000001"));
        assert_eq!(
            facts.other["last_event_read"],
            serde_json::json!({"file": "pia-db3-bin.000001", "position": 126098235})
        );
        assert!(!facts.other.contains_key("first_event"));
    }
}
