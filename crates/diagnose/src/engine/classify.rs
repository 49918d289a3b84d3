//! Which class an applier or receiver error belongs to: one table for the whole engine, so each
//! rule only asks "is this mine?" and no error is claimed twice or by no one.

use evidence::model::{ReceiverFailure as Kind, ServerEvidence};

use super::applier::ApplierFailure;
use super::context::ChannelView;
use super::receiver::ReceiverFailure;
use crate::class::Class;

/// The class of an applier failure, from its error number and message.
pub fn applier_class(
    failure: &ApplierFailure<'_>,
    view: &ChannelView<'_>,
    source: Option<&ServerEvidence>,
) -> Class {
    if failure.message.different_errors.is_some() {
        return Class::ErrorCodeMismatch;
    }
    // A duplicate key or a missing table in the replica's own bookkeeping (MariaDB's
    // mysql.gtid_slave_pos, MySQL's mysql.gtid_executed and slave_*_info) is the applier's
    // metadata failing, not user data.
    if failure.find(|m| m.metadata_table.clone()).is_some() {
        return Class::ApplierMetadata;
    }
    let Some(errno) = failure.code() else {
        return Class::ApplierErrorOther;
    };
    match errno {
        1062 | 1022 | 1586 => Class::DupKey,
        1032 | 1020 => Class::RowNotFound,
        1205 => Class::ApplierLockWait,
        1213 => Class::ApplierDeadlock,
        1317 | 1927 | 3169 => Class::ApplierKilled,
        1049 | 1051 | 1146 if has_filters(view, source) => Class::FilterMismatch,
        1007 | 1008 | 1049 | 1050 | 1051 | 1054 | 1060 | 1061 | 1091 | 1146 => Class::DdlMismatch,
        1677 | 13146 => Class::ColumnConversion,
        1451 | 1452 | 1048 | 1406 | 1366 => Class::ConstraintViolation,
        // A relay log the replica's version cannot parse (mysqlbinlog names an event type it
        // does not know) is a version problem, not damage.
        1594 | 1595 | 13121 if unknown_event_type(view) => Class::VersionIncompatibility,
        1594 | 1595 | 13121 => Class::RelayLogUnreadable,
        // 1942: MariaDB could not update its GTID state table (ER_CANNOT_UPDATE_GTID_STATE).
        1872 | 1873 | 13117 | 13124 | 1201 | 1942 => Class::ApplierMetadata,
        1755 | 1064 | 22 => Class::VersionIncompatibility,
        // MariaDB strict mode refusing an out-of-order GTID: the replica has transactions of
        // its own in that domain.
        1950 => Class::ErrantGtids,
        1021 | 3 | 28 => Class::ReplicaDiskFull,
        _ => Class::ApplierErrorOther,
    }
}

/// Replication filters are set: on the channel, in the replica's variables or option file, or
/// as the source's binlog filters (all of them judge statements by their default database).
fn has_filters(view: &ChannelView<'_>, source: Option<&ServerEvidence>) -> bool {
    let status = view.status;
    let on_channel = [
        &status.replicate_do_db,
        &status.replicate_ignore_db,
        &status.replicate_do_table,
        &status.replicate_ignore_table,
        &status.replicate_wild_do_table,
        &status.replicate_wild_ignore_table,
    ]
    .iter()
    .any(|filter| filter.as_deref().is_some_and(|f| !f.trim().is_empty()));
    let in_variables = !view.server.variables.replication_filters().is_empty();
    let on_source = source
        .and_then(|s| s.latest_sample())
        .and_then(|sample| sample.binlog_position.as_ref())
        .is_some_and(|p| p.binlog_do_db.is_some() || p.binlog_ignore_db.is_some());
    on_channel || in_variables || on_source
}

/// mysqlbinlog, run on the relay log, could not read an event of a type it names.
fn unknown_event_type(view: &ChannelView<'_>) -> bool {
    view.server
        .client_errors
        .iter()
        .any(|error| error.event_type.is_some())
}

/// The class of a receiver failure, from what the message says.
pub fn receiver_class(failure: &ReceiverFailure<'_>) -> Class {
    match failure.message.failure {
        Kind::SourcePurgedGtids => Class::SourcePurgedGtids,
        Kind::ReplicaHasMoreGtids => Class::ReplicaHasMoreGtids,
        // MariaDB says "which is not in the master's binlog" both when the replica diverged
        // (then it adds that the binlog has higher sequence numbers) and when the source's
        // binlogs no longer go back that far (purged, or a RESET MASTER).
        Kind::GtidNotInSourceBinlog
            if failure.message_text.contains("higher sequence numbers")
                || failure.message_text.contains("diverged") =>
        {
            Class::ReplicaHasMoreGtids
        }
        Kind::GtidNotInSourceBinlog => Class::SourcePurgedGtids,
        Kind::BinlogFileMissing => Class::SourceBinlogMissing,
        Kind::EventExceedsMaxAllowedPacket
        | Kind::BinlogUnreadable
        | Kind::PositionBeyondFileSize => Class::SourceBinlogUnreadable,
        Kind::IdentityConflict => Class::IdentityConflict,
        Kind::ChecksumsUnsupportedByReplica => Class::VersionIncompatibility,
        Kind::ConnectionFailed => Class::ConnectionFailed,
        // A checksum the replica cannot verify from a source that does not know binlog_checksum
        // (before MySQL 5.6, MariaDB 5.3): the two versions disagree on the event format.
        Kind::Other if source_predates_checksums(failure) && names_checksum_failure(failure) => {
            Class::VersionIncompatibility
        }
        Kind::Other => match failure.errno {
            Some(1045 | 2003 | 2005 | 2013 | 2026 | 2061 | 1130) => Class::ConnectionFailed,
            // 1593 is the receiver's generic fatal error: an identity conflict only when the
            // text that would say otherwise is missing (its identity texts are read above).
            Some(1593) if failure.message_text.trim().is_empty() => Class::IdentityConflict,
            Some(13114) => Class::SourcePurgedGtids,
            Some(1021 | 3 | 28) => Class::ReplicaDiskFull,
            _ => Class::ReceiverErrorOther,
        },
    }
}

/// The replica's log says the source has no `binlog_checksum` variable.
fn source_predates_checksums(failure: &ReceiverFailure<'_>) -> bool {
    failure.server.error_log.iter().any(|line| {
        line.message
            .contains("Unknown system variable 'binlog_checksum'")
    })
}

/// The receiver failed verifying or queueing events (1743 and 13115 are checksum failures on the
/// network read, 1595 and 13122 the relay log write that follows them).
fn names_checksum_failure(failure: &ReceiverFailure<'_>) -> bool {
    const CODES: [u32; 4] = [1743, 13115, 1595, 13122];
    failure.errno.is_some_and(|n| CODES.contains(&n))
        || failure
            .message_text
            .contains("checksum verification failed")
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::class::Class;

    fn top_class(text: &str) -> Class {
        let evidence = parse_text("t", text).evidence;
        crate::diagnose(&evidence).findings[0].class
    }

    #[test]
    fn failures_on_the_replication_metadata_tables_are_applier_metadata() {
        // Corpus 048: MariaDB's duplicate on mysql.gtid_slave_pos, with the plain duplicate
        // key warning logged beside it.
        let log = "2019-04-15 21:39:29 140712106015488 [ERROR] Slave SQL: Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1062: Duplicate entry '0-71143' for key 'PRIMARY', Gtid 0-1684298499-71198, Internal MariaDB error code: 1942\n2019-04-15 21:39:29 140712106015488 [ERROR] Slave (additional info): Duplicate entry '0-71143' for key 'PRIMARY' Error_code: 1062\n";
        assert_eq!(top_class(log), Class::ApplierMetadata);
        let status = "Slave_SQL_Running: No\nLast_SQL_Errno: 1062\nLast_SQL_Error: Could not execute Write_rows event on table mysql.gtid_executed; Duplicate entry 'x' for key 'PRIMARY', Error_code: 1062\n";
        assert_eq!(top_class(status), Class::ApplierMetadata);
        // The same duplicate on a user table is user data.
        let user = "Slave_SQL_Running: No\nLast_SQL_Errno: 1062\nLast_SQL_Error: Could not execute Write_rows event on table shop.gtid_executed; Duplicate entry 'x' for key 'PRIMARY', Error_code: 1062\n";
        assert_eq!(top_class(user), Class::DupKey);
    }

    #[test]
    fn checksums_a_version_does_not_know_are_a_version_problem() {
        // Corpus 081: a 5.5 replica of a 5.6 source writing CRC32 checksums.
        let status = "Slave_IO_Running: No\nLast_IO_Errno: 1236\nLast_IO_Error: Got fatal error 1236 from master when reading data from binary log: 'Slave can not handle replication events with the checksum that master is configured to log; the first event 'mysql-bin.000990' at 661485030, the last event read from './mysql-bin.000990' at 661485030, the last byte read from './mysql-bin.000990' at 120.'\n";
        assert_eq!(top_class(status), Class::VersionIncompatibility);
        // Corpus 082: a MySQL 5.0 source that has no binlog_checksum, a MariaDB 10.2 replica.
        let log = "Last_IO_Errno: 1595\nLast_IO_Error: Relay log write failure: could not queue event from master\n2017-11-20 8:26:43 140154252973824 [Warning] Slave I/O: Notifying master by SET @master_binlog_checksum= @@global.binlog_checksum failed with error: Unknown system variable 'binlog_checksum', Internal MariaDB error code: 1193\n";
        assert_eq!(top_class(log), Class::VersionIncompatibility);
        // The same 1595 without that sign stays a receiver error of its own.
        let plain = "Last_IO_Errno: 1595\nLast_IO_Error: Relay log write failure: could not queue event from master\n";
        assert_eq!(top_class(plain), Class::ReceiverErrorOther);
        // 1593 with another fatal text is no identity conflict.
        let fatal = "Slave_IO_Running: No\nLast_IO_Errno: 1593\nLast_IO_Error: Fatal error: The slave I/O thread stops because a fatal error is encountered when it tried to SET @master_binlog_checksum on master.\n";
        assert_eq!(top_class(fatal), Class::ReceiverErrorOther);
    }
}
