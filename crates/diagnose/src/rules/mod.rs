//! One file per failure class. Each rule's doc comment says what it detects, why it happens,
//! how to fix it, and where to read more.

mod applier_deadlock;
mod applier_error_other;
mod applier_killed;
mod applier_lock_wait;
mod applier_metadata;
mod backup_kill_risk;
mod column_conversion;
mod connection_failed;
mod constraint_violation;
mod crash_gtid_loss;
mod ddl_mismatch;
mod delayed_replica;
mod dup_key;
mod errant_gtids;
mod error_code_mismatch;
mod filter_mismatch;
mod gtid_holes;
mod identity_conflict;
mod lag_large_transaction;
mod lag_low_parallelism;
mod lag_no_primary_key;
mod lag_other;
mod mts_commit_order_hang;
mod no_replication_channel;
mod parallel_conflict_risk;
mod purge_risk;
mod receiver_error_other;
mod receiver_stalled;
mod relay_log_unreadable;
mod replica_disk_full;
mod replica_has_more_gtids;
mod replica_writable;
mod row_facts;
mod row_not_found;
mod source_binlog_missing;
mod source_binlog_unreadable;
mod source_purged_gtids;
mod thread_stopped;
mod unsafe_durability;
mod version_incompatibility;

use crate::engine::Rule;

/// Every rule the engine runs.
pub(crate) static ALL: &[&dyn Rule] = &[
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
    &ddl_mismatch::DdlMismatch,
    &column_conversion::ColumnConversion,
    &constraint_violation::ConstraintViolation,
    &relay_log_unreadable::RelayLogUnreadable,
    &applier_metadata::ApplierMetadata,
    &filter_mismatch::FilterMismatch,
    &version_incompatibility::VersionIncompatibility,
    &applier_error_other::ApplierErrorOther,
    &replica_disk_full::ReplicaDiskFull,
    &source_binlog_missing::SourceBinlogMissing,
    &source_binlog_unreadable::SourceBinlogUnreadable,
    &identity_conflict::IdentityConflict,
    &connection_failed::ConnectionFailed,
    &receiver_error_other::ReceiverErrorOther,
    &thread_stopped::ThreadStopped,
    &no_replication_channel::NoReplicationChannel,
    &lag_large_transaction::LagLargeTransaction,
    &lag_no_primary_key::LagNoPrimaryKey,
    &lag_low_parallelism::LagLowParallelism,
    &lag_other::LagOther,
    &receiver_stalled::ReceiverStalled,
    &crash_gtid_loss::CrashGtidLoss,
];

#[cfg(test)]
mod tests {
    use super::ALL;
    use crate::Class;

    /// The (title, URL) pairs of a rule's `## References` doc section, in order: items
    /// `- TITLE: <URL>`, possibly wrapped onto indented lines.
    fn documented_references(source: &str) -> Vec<(String, String)> {
        let mut items: Vec<String> = Vec::new();
        let mut in_section = false;
        for line in source.lines() {
            let Some(doc) = line.strip_prefix("///") else {
                if in_section {
                    break;
                }
                continue;
            };
            let doc = doc.trim();
            if let Some(heading) = doc.strip_prefix("## ") {
                in_section = heading == "References";
            } else if !in_section || doc.is_empty() {
                continue;
            } else if let Some(item) = doc.strip_prefix("- ") {
                items.push(item.to_owned());
            } else if let Some(item) = items.last_mut() {
                item.push(' ');
                item.push_str(doc);
            }
        }
        items
            .iter()
            .map(|item| match item.rsplit_once(": <") {
                Some((title, url)) => (title.to_owned(), url.trim_end_matches('>').to_owned()),
                None => (item.clone(), String::new()),
            })
            .collect()
    }

    /// What a rule's doc lists under `## References` is what its findings cite: the same titles
    /// and URLs in the same order, and no section when it declares none.
    #[test]
    fn documented_references_match_the_declared_ones() {
        for rule in ALL {
            let meta = rule.meta();
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/rules")
                .join(format!("{}.rs", meta.class));
            let source = std::fs::read_to_string(&file).unwrap_or_else(|error| {
                panic!("{}: {error}", file.display());
            });
            let declared: Vec<(String, String)> = meta
                .references
                .iter()
                .map(|(title, url)| ((*title).to_owned(), (*url).to_owned()))
                .collect();
            assert_eq!(
                documented_references(&source),
                declared,
                "{}",
                file.display()
            );
            assert_eq!(
                source.contains("/// ## References"),
                !declared.is_empty(),
                "{}: a References section exactly when references are declared",
                file.display()
            );
        }
    }

    /// Every class of the taxonomy has exactly one rule.
    #[test]
    fn one_rule_per_class() {
        let mut covered: Vec<Class> = ALL.iter().map(|rule| rule.meta().class).collect();
        covered.sort();
        let before = covered.len();
        covered.dedup();
        assert_eq!(covered.len(), before, "a class has two rules");
        let missing: Vec<&Class> = Class::ALL.iter().filter(|c| !covered.contains(c)).collect();
        assert!(missing.is_empty(), "classes without a rule: {missing:?}");
    }
}
