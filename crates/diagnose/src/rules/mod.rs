//! One file per failure class. Each rule's doc comment says what it detects, why it happens,
//! how to fix it, and where to read more.

mod applier_deadlock;
mod applier_killed;
mod applier_lock_wait;
mod backup_kill_risk;
mod delayed_replica;
mod dup_key;
mod errant_gtids;
mod error_code_mismatch;
mod gtid_holes;
mod mts_commit_order_hang;
mod parallel_conflict_risk;
mod purge_risk;
mod replica_has_more_gtids;
mod replica_writable;
mod row_not_found;
mod source_purged_gtids;
mod unsafe_durability;

use crate::engine::Rule;

/// Every rule the engine runs.
pub static ALL: &[&dyn Rule] = &[
    &dup_key::DupKey,
    &row_not_found::RowNotFound,
    &applier_lock_wait::ApplierLockWait,
    &applier_deadlock::ApplierDeadlock,
    &mts_commit_order_hang::MtsCommitOrderHang,
    &applier_killed::ApplierKilled,
    &error_code_mismatch::ErrorCodeMismatch,
    &source_purged_gtids::SourcePurgedGtids,
    &replica_has_more_gtids::ReplicaHasMoreGtids,
    &errant_gtids::ErrantGtids,
    &delayed_replica::DelayedReplica,
    &gtid_holes::GtidHoles,
    &purge_risk::PurgeRisk,
    &replica_writable::ReplicaWritable,
    &unsafe_durability::UnsafeDurability,
    &parallel_conflict_risk::ParallelConflictRisk,
    &backup_kill_risk::BackupKillRisk,
];
