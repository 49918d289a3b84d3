//! Which class an applier or receiver error belongs to, so each rule only asks "is this mine?":
//! first what the message names, then the error numbers the rules claim in their declarations
//! (each rule's `META`), so no error is claimed twice or by no one, then the servers' message
//! catalogues ([`crate::catalogue`]) for every other replication error.

use evidence::model::filters::Filters;
use evidence::model::{ReceiverFailure as Kind, ReplicationThread, ServerEvidence};

use super::applier::ApplierFailure;
use super::context::ChannelView;
use super::meta::{Condition, Thread};
use super::receiver::ReceiverFailure;
use crate::catalogue;
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
    error_owner(Thread::Applier, errno, |condition| match condition {
        Condition::ReplicationFilters => filters_explain(view, source, failure),
        Condition::UnknownEventType => unknown_event_type(view),
        Condition::NoMessage => failure.message_text.trim().is_empty(),
    })
    .or_else(|| {
        catalogue::class_of(
            ReplicationThread::Applier,
            errno,
            &failure.message_text,
            view.server.identity.flavor,
        )
    })
    .unwrap_or(Class::ApplierErrorOther)
}

/// Every error number a rule claims, as (class, thread, number, condition): the classification
/// table, built from the rules' declarations.
pub(crate) fn error_claims() -> impl Iterator<Item = (Class, Thread, u32, Option<Condition>)> {
    crate::rules::ALL.iter().flat_map(|rule| {
        let meta = rule.meta();
        meta.errors.iter().flat_map(move |claim| {
            claim
                .codes
                .iter()
                .map(move |&code| (meta.class, claim.thread, code, claim.only_if))
        })
    })
}

/// The class of error `code` on `thread`: a conditional claim that holds, else the number's
/// plain owner.
fn error_owner(thread: Thread, code: u32, holds: impl Fn(Condition) -> bool) -> Option<Class> {
    let mut owner = None;
    for (class, claimed_on, claimed, only_if) in error_claims() {
        if claimed_on != thread || claimed != code {
            continue;
        }
        match only_if {
            Some(condition) if holds(condition) => return Some(class),
            Some(_) => {}
            None => owner = Some(class),
        }
    }
    owner
}

/// Replication filters are set and may be why the object is missing: the statement ran from
/// another default database than its object's, database rules are set (they judge the
/// statement that created the object by its default database, which the evidence does not
/// show), or the table rules leave the object out. A missing table that the table rules
/// replicate, named from its own database, is a schema difference, not the filters' doing.
/// Filters known only from variables or the source cannot be evaluated here: they count.
fn filters_explain(
    view: &ChannelView<'_>,
    source: Option<&ServerEvidence>,
    failure: &ApplierFailure<'_>,
) -> bool {
    if !has_filters(view, source) {
        return false;
    }
    let filters = Filters::of_channel(view.status);
    let Some(table) = failure.find(|m| m.table().cloned()) else {
        return true;
    };
    let Some(schema) = table.schema.as_deref() else {
        return true;
    };
    let default_db = failure.find(|m| m.statement.as_ref()?.default_database.clone());
    // Database rules judge the statement that created the object by its default database,
    // which the evidence does not show: they may have filtered it out.
    let database_rules = !filters.do_db.is_empty() || !filters.ignore_db.is_empty();
    if default_db.is_some_and(|d| !d.eq_ignore_ascii_case(schema))
        || filters.is_empty()
        || database_rules
    {
        return true;
    }
    filters.excludes(schema, &table.table).is_some()
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
        | Kind::PositionBeyondFileSize
        | Kind::ImpossiblePosition => Class::SourceBinlogUnreadable,
        Kind::IdentityConflict => Class::IdentityConflict,
        Kind::ChecksumsUnsupportedByReplica => Class::VersionIncompatibility,
        Kind::ConnectionFailed => Class::ConnectionFailed,
        // A checksum the replica cannot verify from a source that does not know binlog_checksum
        // (before MySQL 5.6, MariaDB 5.3): the two versions disagree on the event format.
        Kind::Other if source_predates_checksums(failure) && names_checksum_failure(failure) => {
            Class::VersionIncompatibility
        }
        Kind::Other => failure
            .errno
            .and_then(|errno| {
                error_owner(Thread::Receiver, errno, |condition| match condition {
                    Condition::NoMessage => failure.message_text.trim().is_empty(),
                    // Filters and relay-log events say nothing about the connection.
                    Condition::ReplicationFilters | Condition::UnknownEventType => false,
                })
                .or_else(|| {
                    catalogue::class_of(
                        ReplicationThread::Receiver,
                        errno,
                        &failure.message_text,
                        failure.server.identity.flavor,
                    )
                })
            })
            .unwrap_or(Class::ReceiverErrorOther),
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

    use super::error_claims;
    use crate::class::Class;
    use crate::engine::meta::{Condition, Thread};

    /// The error-number table the engine had before the rules declared their numbers: every
    /// entry must still go to the same class, and nothing else may be claimed.
    const CLASSIFIED_BEFORE: &[(Thread, &[u32], Option<Condition>, Class)] = &[
        (Thread::Applier, &[1062, 1022, 1586], None, Class::DupKey),
        (Thread::Applier, &[1032, 1020], None, Class::RowNotFound),
        (Thread::Applier, &[1205], None, Class::ApplierLockWait),
        (Thread::Applier, &[1213], None, Class::ApplierDeadlock),
        (
            Thread::Applier,
            &[1317, 1927, 3169],
            None,
            Class::ApplierKilled,
        ),
        (
            Thread::Applier,
            &[1049, 1051, 1146],
            Some(Condition::ReplicationFilters),
            Class::FilterMismatch,
        ),
        (
            Thread::Applier,
            &[1007, 1008, 1049, 1050, 1051, 1054, 1060, 1061, 1091, 1146],
            None,
            Class::DdlMismatch,
        ),
        (
            Thread::Applier,
            &[1677, 13146],
            None,
            Class::ColumnConversion,
        ),
        (
            Thread::Applier,
            &[1451, 1452, 1048, 1406, 1366],
            None,
            Class::ConstraintViolation,
        ),
        (
            Thread::Applier,
            &[1594, 1595, 13121],
            Some(Condition::UnknownEventType),
            Class::VersionIncompatibility,
        ),
        (
            Thread::Applier,
            &[1594, 1595, 13121],
            None,
            Class::RelayLogUnreadable,
        ),
        (
            Thread::Applier,
            &[1872, 1873, 13117, 13124, 1201, 1942],
            None,
            Class::ApplierMetadata,
        ),
        (
            Thread::Applier,
            &[1755, 1064, 22],
            None,
            Class::VersionIncompatibility,
        ),
        (Thread::Applier, &[1950], None, Class::ErrantGtids),
        (
            Thread::Applier,
            &[1021, 3, 28],
            None,
            Class::ReplicaDiskFull,
        ),
        (
            Thread::Receiver,
            &[1045, 2003, 2005, 2013, 2026, 2061, 1130],
            None,
            Class::ConnectionFailed,
        ),
        (
            Thread::Receiver,
            &[1593],
            Some(Condition::NoMessage),
            Class::IdentityConflict,
        ),
        (Thread::Receiver, &[13114], None, Class::SourcePurgedGtids),
        (
            Thread::Receiver,
            &[1021, 3, 28],
            None,
            Class::ReplicaDiskFull,
        ),
    ];

    type Claim = (Thread, u32, Option<Condition>);

    fn sorted_claims(claims: impl Iterator<Item = (Claim, Class)>) -> Vec<(Claim, Class)> {
        let mut claims: Vec<_> = claims.collect();
        claims.sort();
        claims
    }

    #[test]
    fn no_error_number_is_claimed_twice() {
        let claims = sorted_claims(
            error_claims()
                .map(|(class, thread, code, condition)| ((thread, code, condition), class)),
        );
        for pair in claims.windows(2) {
            let ((thread, code, _), _) = pair[0];
            let ((next_thread, next_code, _), _) = pair[1];
            let same_number = thread == next_thread && code == next_code;
            // A number may have one plain owner and one rule that takes it under a condition,
            // never two of either.
            assert!(
                !same_number || pair[0].0.2.is_some() != pair[1].0.2.is_some(),
                "error {code} on the {thread:?} is claimed by {:?} and {:?}",
                pair[0].1,
                pair[1].1
            );
        }
    }

    #[test]
    fn every_number_classified_before_has_the_same_one_owner() {
        let declared = sorted_claims(
            error_claims()
                .map(|(class, thread, code, condition)| ((thread, code, condition), class)),
        );
        let before = sorted_claims(CLASSIFIED_BEFORE.iter().flat_map(
            |&(thread, codes, condition, class)| {
                codes
                    .iter()
                    .map(move |&code| ((thread, code, condition), class))
            },
        ));
        assert_eq!(declared, before);
    }

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
