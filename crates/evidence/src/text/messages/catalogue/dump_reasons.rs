//! The reasons a source's dump thread sends inside error 1236, as MySQL's
//! `sql/rpl_binlog_sender.cc`, `sql/binlog.cc` and `sql/rpl_master.cc` and MariaDB's
//! `sql/sql_repl.cc` write them (literal texts, not message-file entries). Binlog clients
//! (connectors, CDC tools) print them without the `Got fatal error 1236` wrapper, so each is a
//! template of its own, with the failure it reports. `%` stands for a value or for the word a
//! release changed (`master`, `source`). The series is the first one read that sends it; the
//! newest ones read still send each (MySQL 8.4, MariaDB 11.x) unless reworded.

use dialect::Flavor::{self, Mariadb, Mysql};

use super::Template;
use crate::model::ReplicationThread::Receiver;
use crate::model::messages::ReceiverFailure::{self, *};

/// One dump-thread reason: its template (number 1236) and what it means.
#[derive(Debug, Clone, Copy)]
pub struct DumpReason {
    pub template: Template,
    pub failure: ReceiverFailure,
}

const fn reason(
    flavor: Flavor,
    first: &'static str,
    fixed: &'static str,
    failure: ReceiverFailure,
) -> DumpReason {
    DumpReason {
        template: Template::new(
            1236,
            "ER_MASTER_FATAL_ERROR_READING_BINLOG",
            flavor,
            first,
            None,
            fixed,
            Receiver,
            false,
        ),
        failure,
    }
}

pub(super) static DUMP_REASONS: &[DumpReason] = &[
    reason(Mysql, "5.5", "Binary log is not open", Other),
    reason(Mariadb, "5.5", "Binary log is not open", Other),
    reason(Mysql, "5.7", "Misconfigured % - % server_id is 0", Other),
    reason(
        Mysql,
        "5.5",
        "Misconfigured master - server id was not set",
        Other,
    ),
    reason(
        Mysql,
        "5.7",
        "The replication sender thread cannot start in AUTO_POSITION mode: this server has GTID_MODE = % instead of ON.",
        Other,
    ),
    reason(
        Mysql,
        "5.6",
        "Request to dump GTID when @@GLOBAL_.GTID_MODE <> ON.",
        Other,
    ),
    reason(
        Mysql,
        "5.6",
        "The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires.",
        SourcePurgedGtids,
    ),
    reason(
        Mysql,
        "8.0",
        "Cannot replicate because the % purged required binary logs. Replicate the missing transactions from elsewhere, or provision a new % from backup.",
        SourcePurgedGtids,
    ),
    reason(
        Mysql,
        "5.6",
        "Failed to read the binary log index file while looking for the oldest binary log that contains any GTID that is not in the given gtid set",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.6",
        "Could not find first log file name in binary log index file while looking for the oldest binary log that contains any GTID that is not in the given gtid set",
        BinlogFileMissing,
    ),
    reason(
        Mysql,
        "5.6",
        "Error reading header of binary log while looking for the oldest binary log that contains any GTID that is not in the given gtid set",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.6",
        "Found old binary log without GTIDs while looking for the oldest binary log that contains any GTID that is not in the given gtid set",
        GtidNotInSourceBinlog,
    ),
    reason(
        Mysql,
        "5.7",
        "Cannot replicate anonymous transaction when AUTO_POSITION = 1, at file %, position %.",
        Other,
    ),
    reason(
        Mysql,
        "5.7",
        "Cannot replicate anonymous transaction when @@GLOBAL.GTID_MODE = ON, at file %, position %.",
        Other,
    ),
    reason(
        Mysql,
        "5.7",
        "Cannot replicate GTID-transaction when @@GLOBAL.GTID_MODE = OFF, at file %, position %.",
        Other,
    ),
    reason(
        Mysql,
        "5.5",
        "Could not find first log file name in binary log index file",
        BinlogFileMissing,
    ),
    reason(
        Mariadb,
        "5.5",
        "Could not find first log file name in binary log index file",
        BinlogFileMissing,
    ),
    reason(
        Mysql,
        "5.7",
        "Client requested % to start replication from position < 4",
        ImpossiblePosition,
    ),
    reason(
        Mysql,
        "5.7",
        "Client requested % to start replication from position > file size",
        PositionBeyondFileSize,
    ),
    reason(
        Mysql,
        "5.5",
        "Client requested % to start replication from impossible position",
        ImpossiblePosition,
    ),
    reason(
        Mariadb,
        "5.5",
        "Client requested master to start replication from impossible position",
        ImpossiblePosition,
    ),
    reason(Mysql, "5.5", "could not find next log", BinlogFileMissing),
    reason(Mariadb, "5.5", "could not find next log", BinlogFileMissing),
    reason(
        Mysql,
        "5.7",
        "Binary log is not open and failed to open index file to retrieve next file.",
        Other,
    ),
    reason(
        Mysql,
        "5.6",
        "A slave with the same server_uuid/server_id as this slave has connected to the master",
        IdentityConflict,
    ),
    reason(
        Mysql,
        "8.4",
        "A replica with the same server_uuid/server_id as this replica has connected to the source",
        IdentityConflict,
    ),
    reason(
        Mysql,
        "5.6",
        "Slave can not handle replication events with the checksum that master is configured to log",
        ChecksumsUnsupportedByReplica,
    ),
    reason(
        Mysql,
        "8.0",
        "Replica can not handle replication events with the checksum that source is configured to log",
        ChecksumsUnsupportedByReplica,
    ),
    reason(
        Mariadb,
        "5.5",
        "Slave can not handle replication events with the checksum that master is configured to log",
        ChecksumsUnsupportedByReplica,
    ),
    reason(
        Mysql,
        "5.7",
        "Could not find format_description_event in binlog file",
        BinlogUnreadable,
    ),
    reason(Mysql, "5.5", "bogus data in log event", BinlogUnreadable),
    reason(Mariadb, "5.5", "bogus data in log event", BinlogUnreadable),
    reason(
        Mysql,
        "5.5",
        "log event entry exceeded max_allowed_packet; Increase max_allowed_packet on %",
        EventExceedsMaxAllowedPacket,
    ),
    reason(
        Mariadb,
        "5.5",
        "log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master",
        EventExceedsMaxAllowedPacket,
    ),
    reason(
        Mysql,
        "5.5",
        "binlog truncated in the middle of event",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "binlog truncated in the middle of event; consider out of disk space on master",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.6",
        "event read from binlog did not pass crc check",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "event read from binlog did not pass crc check",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.5",
        "I/O error reading log event",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "I/O error reading log event",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.5",
        "memory allocation failed reading log event",
        Other,
    ),
    reason(
        Mysql,
        "5.5",
        "unknown error reading log event on the master",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "unknown error reading log event on the master",
        BinlogUnreadable,
    ),
    reason(Mysql, "5.5", "Could not open log file", BinlogFileMissing),
    reason(Mariadb, "5.5", "Could not open log file", BinlogFileMissing),
    reason(
        Mysql,
        "5.5",
        "I/O error reading the header from the binary log",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "I/O error reading the header from the binary log",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "5.5",
        "Binlog has bad magic number; It's not a binary log file that can be used by this version of MySQL",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "5.5",
        "Binlog has bad magic number; It's not a binary log file that can be used by this version of MariaDB",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "8.0",
        "corrupted data in log event",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "8.0",
        "Found invalid Format description event in binary log",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "8.0",
        "Found invalid event in binary log",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "8.0",
        "Event crc check failed! Most likely there is event corruption.",
        BinlogUnreadable,
    ),
    reason(
        Mysql,
        "8.0",
        "Failed to initialize binlog encryption. Please make sure that the correct keyring is loaded.",
        BinlogUnreadable,
    ),
    reason(Mysql, "8.0", "Error decrypting an event.", BinlogUnreadable),
    reason(
        Mariadb,
        "10.0",
        "connecting slave requested to start from GTID %-%-%, which is not in the master's binlog",
        GtidNotInSourceBinlog,
    ),
    reason(
        Mariadb,
        "10.0",
        "The binlog on the master is missing the GTID %-%-% requested by the slave (even though both a prior and a subsequent sequence number does exist), and GTID strict mode is enabled",
        GtidNotInSourceBinlog,
    ),
    reason(
        Mariadb,
        "10.0",
        "Could not find GTID state requested by slave in any binlog files. Probably the slave state is too old and required binlog files have been purged.",
        SourcePurgedGtids,
    ),
    reason(
        Mariadb,
        "10.0",
        "Failed to load replication slave GTID state",
        Other,
    ),
    reason(
        Mariadb,
        "10.0",
        "Could not read format description log event while looking for GTID position in binlog",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.0",
        "Could not read GTID list event while looking for GTID position in binlog",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.0",
        "Failed to find format descriptor event in start of binlog",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.0",
        "Corrupt Format_description event found or out-of-memory",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.1",
        "Could not decrypt binlog: encryption key error",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.1",
        "event decryption failure",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.0",
        "Failed to read Gtid_list_log_event: corrupt binlog",
        BinlogUnreadable,
    ),
    reason(
        Mariadb,
        "10.0",
        "Failed to read Gtid_log_event: corrupt binlog",
        BinlogUnreadable,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::messages::catalogue::recognise;

    #[test]
    fn every_reason_is_recognised_alone_as_itself() {
        for reason in DUMP_REASONS {
            let instance = reason.template.fixed.replace('%', "source");
            let found = recognise(&instance).expect(reason.template.fixed);
            // Some reasons are also a message-file entry (MySQL's 13148 is the one the source
            // logs); that template has the same words.
            assert!(
                found.number == 1236 || found.letters() >= reason.template.letters(),
                "{} recognised as {}",
                reason.template.fixed,
                found.number
            );
        }
    }
}
