//! Receiver (IO thread) messages: what the source refused or could not send, and where.

use std::sync::LazyLock;

use regex::Regex;

use super::{coordinate, error_codes, implied_error_code, regex, straight_quotes};
use crate::model::messages::{ReceiverErrorMessage, ReceiverFailure};

impl ReceiverErrorMessage {
    /// Reads a receiver message; `None` when the text is empty.
    pub fn parse(message: &str) -> Option<ReceiverErrorMessage> {
        static FATAL: LazyLock<Regex> = LazyLock::new(|| {
            regex(
                r"(?s)Got fatal error (\d+) from (?:master|source) when reading data from binary log:\s*'(.*?)'?$",
            )
        });
        static SERVER_ERRNO: LazyLock<Regex> = LazyLock::new(|| regex(r"server_errno=(\d+)"));
        static SENT_SET: LazyLock<Regex> =
            LazyLock::new(|| regex(r"The GTID set sent by the (?:slave|replica) is '([^']*)'"));
        static MISSING: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the missing transactions are '([^']*)'"));
        static FIRST_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the first event '([^']*)' at (\d+)"));
        static LAST_EVENT: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the last event read from '([^']*)' at (\d+)"));
        static LAST_BYTE: LazyLock<Regex> =
            LazyLock::new(|| regex(r"the last byte read from '([^']*)' at (\d+)"));
        static TARGET: LazyLock<Regex> =
            LazyLock::new(|| regex(r"[Ee]rror connecting to (?:master|source) '([^']*)'"));
        static READ_UP_TO: LazyLock<Regex> =
            LazyLock::new(|| regex(r"read up to log '([^']+)', position (\d+)"));

        if message.trim().is_empty() {
            return None;
        }
        let message = straight_quotes(message);
        let message = message.as_ref();
        let fatal = FATAL.captures(message);
        let source_error_code = fatal.as_ref().and_then(|c| c[1].parse().ok()).or_else(|| {
            SERVER_ERRNO
                .captures(message)
                .and_then(|c| c[1].parse().ok())
        });
        let source_message = fatal.as_ref().map(|c| c[2].to_owned());
        let capture = |re: &Regex| re.captures(message).map(|c| c[1].to_owned());
        let coordinate_of = |re: &Regex| {
            re.captures(message)
                .and_then(|c| coordinate(c.get(1), c.get(2)))
        };
        let mut codes = error_codes(message);
        if codes.is_empty()
            && let Some(code) = implied_error_code(message)
        {
            codes.push(code);
        }
        Some(ReceiverErrorMessage {
            failure: receiver_failure(message),
            source_error_code,
            error_codes: codes,
            source_message,
            gtid_set_sent_by_replica: capture(&SENT_SET),
            missing_transactions: capture(&MISSING),
            first_event: coordinate_of(&FIRST_EVENT),
            last_event_read: coordinate_of(&LAST_EVENT),
            last_byte_read: coordinate_of(&LAST_BYTE),
            connection_target: capture(&TARGET),
            read_up_to: coordinate_of(&READ_UP_TO),
        })
    }
}

fn receiver_failure(message: &str) -> ReceiverFailure {
    if let Some(reason) = super::catalogue::dump_reason_in(message) {
        return reason.failure;
    }
    // Pasted messages are often wrapped: compare with single spaces.
    let m = message
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("purged binary logs containing gtids")
        || has("purged required binary logs")
        || has("could not find gtid state requested by slave")
    {
        ReceiverFailure::SourcePurgedGtids
    } else if has("has more gtids than the") {
        ReceiverFailure::ReplicaHasMoreGtids
    } else if has("which is not in the master's binlog")
        || has("which is not in the source's binlog")
    {
        ReceiverFailure::GtidNotInSourceBinlog
    } else if has("could not find first log file name in binary log index file") {
        ReceiverFailure::BinlogFileMissing
    } else if has("exceeded max_allowed_packet") {
        ReceiverFailure::EventExceedsMaxAllowedPacket
    } else if has("position > file size") || has("position larger than file size") {
        ReceiverFailure::PositionBeyondFileSize
    } else if has("can not handle replication events with the checksum")
        || has("cannot handle replication events with the checksum")
    {
        ReceiverFailure::ChecksumsUnsupportedByReplica
    } else if has("binlog truncated in the middle of event")
        || has("bogus data in log event")
        || has("did not pass crc check")
        || has("corrupted")
        || has("error reading header of binary log")
    {
        ReceiverFailure::BinlogUnreadable
    } else if has("equal mysql server ids")
        || has("equal mysql server uuids")
        || has("same server_uuid")
        || has("same server_id")
    {
        ReceiverFailure::IdentityConflict
    } else if has("error connecting to master") || has("error connecting to source") {
        ReceiverFailure::ConnectionFailed
    } else {
        ReceiverFailure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_receiver_messages() {
        // Corpus 075: a MariaDB message wrapped over three lines.
        let m = ReceiverErrorMessage::parse(
            "Slave I/O: Got fatal error 1236 from master when reading data from binary log:\n'Error: connecting slave requested to start from GTID 0-10-3251727, which is not in the\nmaster's binlog', Internal MariaDB error code: 1236",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::GtidNotInSourceBinlog);
        assert_eq!(m.source_error_code, Some(1236));
    }

    #[test]
    fn receiver_variants() {
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from source when reading data from binary log: 'Cannot replicate because the source purged required binary logs. Replicate the missing transactions from elsewhere, or provision a new replica from backup. Consider increasing the source's binary log expiration period. The GTID set sent by the replica is '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10', and the missing transactions are '3e11fa47-71ca-11e1-9e33-c80aa9429562:11-20''",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::SourcePurgedGtids);
        assert_eq!(m.source_error_code, Some(1236));
        assert_eq!(
            m.missing_transactions.as_deref(),
            Some("3e11fa47-71ca-11e1-9e33-c80aa9429562:11-20")
        );
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::BinlogFileMissing);
        // Corpus 081.
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'Slave can not handle replication events with the checksum that master is configured to log; the first event 'mysql-bin.000990' at 661485030, the last event read from './mysql-bin.000990' at 661485030, the last byte read from './mysql-bin.000990' at 120.'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::ChecksumsUnsupportedByReplica);
        assert_eq!(m.first_event.unwrap().position, 661485030);
        let m = ReceiverErrorMessage::parse(
            "Got fatal error 1236 from master when reading data from binary log: 'log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master; the first event 'mysql-bin.000001' at 4, the last event read from './mysql-bin.000003' at 1234, the last byte read from './mysql-bin.000003' at 1253.'",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::EventExceedsMaxAllowedPacket);
        assert_eq!(m.last_event_read.unwrap().position, 1234);
        let m = ReceiverErrorMessage::parse(
            "error connecting to master 'repl@db2:3306' - retry-time: 10  retries: 1, Error_code: 2005",
        )
        .unwrap();
        assert_eq!(m.failure, ReceiverFailure::ConnectionFailed);
        assert_eq!(m.connection_target.as_deref(), Some("repl@db2:3306"));
        assert_eq!(m.error_codes, vec![2005]);
        let m = ReceiverErrorMessage::parse(
            "Slave I/O thread exiting, read up to log 'binary-log.1676', position 820347988",
        )
        .unwrap();
        let at = m.read_up_to.unwrap();
        assert_eq!(
            (at.file.as_str(), at.position),
            ("binary-log.1676", 820347988)
        );
        assert!(ReceiverErrorMessage::parse("  ").is_none());
    }
}
