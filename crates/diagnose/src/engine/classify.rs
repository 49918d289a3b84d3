//! Which class an applier or receiver error belongs to: one table for the whole engine, so each
//! rule only asks "is this mine?" and no error is claimed twice or by no one.

use evidence::model::ReceiverFailure as Kind;

use super::applier::ApplierFailure;
use super::context::ChannelView;
use super::receiver::ReceiverFailure;
use crate::class::Class;

/// The class of an applier failure, from its error number and message.
pub fn applier_class(failure: &ApplierFailure<'_>, view: &ChannelView<'_>) -> Class {
    if failure.message.different_errors.is_some() {
        return Class::ErrorCodeMismatch;
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
        1049 | 1051 | 1146 if has_filters(view) => Class::FilterMismatch,
        1007 | 1008 | 1049 | 1050 | 1051 | 1054 | 1060 | 1061 | 1091 | 1146 => Class::DdlMismatch,
        1677 | 13146 => Class::ColumnConversion,
        1451 | 1452 | 1048 | 1406 | 1366 => Class::ConstraintViolation,
        1594 | 1595 | 13121 => Class::RelayLogUnreadable,
        1872 | 1873 | 13117 | 13124 | 1201 => Class::ApplierMetadata,
        1755 | 1064 | 22 => Class::VersionIncompatibility,
        // MariaDB strict mode refusing an out-of-order GTID: the replica has transactions of
        // its own in that domain.
        1950 => Class::ErrantGtids,
        1021 | 3 | 28 => Class::ReplicaDiskFull,
        _ => Class::ApplierErrorOther,
    }
}

/// Replication filters are set on the channel.
fn has_filters(view: &ChannelView<'_>) -> bool {
    let status = view.status;
    [
        &status.replicate_do_db,
        &status.replicate_ignore_db,
        &status.replicate_do_table,
        &status.replicate_ignore_table,
        &status.replicate_wild_do_table,
        &status.replicate_wild_ignore_table,
    ]
    .iter()
    .any(|filter| filter.as_deref().is_some_and(|f| !f.trim().is_empty()))
}

/// The class of a receiver failure, from what the message says.
pub fn receiver_class(failure: &ReceiverFailure<'_>) -> Class {
    match failure.message.failure {
        Kind::SourcePurgedGtids => Class::SourcePurgedGtids,
        Kind::ReplicaHasMoreGtids | Kind::GtidNotInSourceBinlog => Class::ReplicaHasMoreGtids,
        Kind::BinlogFileMissing => Class::SourceBinlogMissing,
        Kind::EventExceedsMaxAllowedPacket
        | Kind::BinlogUnreadable
        | Kind::PositionBeyondFileSize => Class::SourceBinlogUnreadable,
        Kind::IdentityConflict => Class::IdentityConflict,
        Kind::ConnectionFailed => Class::ConnectionFailed,
        Kind::Other => match failure.errno {
            Some(1045 | 2003 | 2005 | 2013 | 2026 | 2061 | 1130) => Class::ConnectionFailed,
            Some(1593) => Class::IdentityConflict,
            Some(13114) => Class::SourcePurgedGtids,
            Some(1021 | 3 | 28) => Class::ReplicaDiskFull,
            _ => Class::ReceiverErrorOther,
        },
    }
}
