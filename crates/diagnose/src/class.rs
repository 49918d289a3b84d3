//! The failure classes of the taxonomy (shared/taxonomy.md in the project's steering material):
//! stable codes that scripts and dashboards key on.

use serde::{Deserialize, Serialize};

macro_rules! classes {
    ($( $group:ident { $( $(#[$doc:meta])* $variant:ident = $code:literal ),* $(,)? } )*) => {
        /// A failure class. `as_str` gives the stable code used in JSON output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Class {
            $( $( $(#[$doc])* $variant, )* )*
        }

        impl Class {
            /// Every class, in taxonomy order.
            pub const ALL: &'static [Class] = &[$( $( Class::$variant, )* )*];

            /// The stable code, e.g. `dup_key`.
            pub fn as_str(self) -> &'static str {
                match self { $( $( Class::$variant => $code, )* )* }
            }

            /// The part of replication the class is about.
            pub fn group(self) -> Group {
                match self { $( $( Class::$variant => Group::$group, )* )* }
            }
        }
    };
}

classes! {
    Applier {
        /// The replica already has a row with the key an incoming write writes.
        DupKey = "dup_key",
        /// An incoming update or delete finds no matching row on the replica.
        RowNotFound = "row_not_found",
        /// An applier transaction timed out waiting for a lock.
        ApplierLockWait = "applier_lock_wait",
        /// An applier transaction was chosen as a deadlock victim and retries ran out.
        ApplierDeadlock = "applier_deadlock",
        /// The multi-threaded applier is stuck on commit order while the threads say Yes.
        MtsCommitOrderHang = "mts_commit_order_hang",
        /// The applier's statement was killed or interrupted.
        ApplierKilled = "applier_killed",
        /// A statement logged with an error on the source behaved differently on the replica.
        ErrorCodeMismatch = "error_code_mismatch",
        /// The schema differs: an object exists or is missing on the replica.
        DdlMismatch = "ddl_mismatch",
        /// Row event column types do not match the replica's table.
        ColumnConversion = "column_conversion",
        /// A foreign key, NOT NULL, length or charset check fails on the replica only.
        ConstraintViolation = "constraint_violation",
        /// The relay log is corrupt, truncated or unreadable.
        RelayLogUnreadable = "relay_log_unreadable",
        /// The replica cannot initialise its relay log or applier metadata.
        ApplierMetadata = "applier_metadata",
        /// Replication filters let through a statement about objects the replica never got.
        FilterMismatch = "filter_mismatch",
        /// The source writes something the replica's version cannot read or apply.
        VersionIncompatibility = "version_incompatibility",
        /// An applier error with no more specific class.
        ApplierErrorOther = "applier_error_other",
        /// A receiver or applier that is not running with no error saying why.
        ThreadStopped = "thread_stopped",
    }
    Receiver {
        /// The source no longer has binlogs the replica needs.
        SourcePurgedGtids = "source_purged_gtids",
        /// The replica executed GTIDs of the source's UUID that the source does not have.
        ReplicaHasMoreGtids = "replica_has_more_gtids",
        /// The file or position the replica asks for is gone.
        SourceBinlogMissing = "source_binlog_missing",
        /// The source cannot send the event stream from that point.
        SourceBinlogUnreadable = "source_binlog_unreadable",
        /// The IO thread says Yes but nothing arrives.
        ReceiverStalled = "receiver_stalled",
        /// Two servers share a server_id or server_uuid.
        IdentityConflict = "identity_conflict",
        /// The replica cannot connect or authenticate to the source.
        ConnectionFailed = "connection_failed",
        /// An IO-thread error with no more specific class.
        ReceiverErrorOther = "receiver_error_other",
        /// The replica's disk filled.
        ReplicaDiskFull = "replica_disk_full",
    }
    GtidState {
        /// The replica has transactions the source never had.
        ErrantGtids = "errant_gtids",
        /// Permanent holes in a replica's executed set.
        GtidHoles = "gtid_holes",
        /// The source lost GTIDs it had executed and may reuse them.
        CrashGtidLoss = "crash_gtid_loss",
        /// The source purged, or is about to purge, binlogs some replica still lacks.
        PurgeRisk = "purge_risk",
    }
    Lag {
        /// One huge transaction is being applied.
        LagLargeTransaction = "lag_large_transaction",
        /// Row events on tables without a usable key force scans.
        LagNoPrimaryKey = "lag_no_primary_key",
        /// Dependency information or applier settings keep the replica serial.
        LagLowParallelism = "lag_low_parallelism",
        /// The lag is the configured delay: not a fault.
        DelayedReplica = "delayed_replica",
        /// Lag with no more specific cause found.
        LagOther = "lag_other",
    }
    Configuration {
        /// Parallel apply of statements known to deadlock under commit order.
        ParallelConflictRisk = "parallel_conflict_risk",
        /// `sync_binlog` or `innodb_flush_log_at_trx_commit` is not 1 on a source.
        UnsafeDurability = "unsafe_durability",
        /// `read_only`/`super_read_only` off on a replica.
        ReplicaWritable = "replica_writable",
        /// A backup configured to kill long queries of every kind on a replica.
        BackupKillRisk = "backup_kill_risk",
        /// The server's replication status holds no channel: not (or no longer) a replica.
        NoReplicationChannel = "no_replication_channel",
    }
}

/// The taxonomy's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// The SQL thread and its workers.
    Applier,
    /// The IO thread and the connection to the source.
    Receiver,
    /// Found by comparing GTID sets.
    GtidState,
    Lag,
    Configuration,
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_serde_names() {
        for class in Class::ALL {
            let json = serde_json::to_string(class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }

    /// The taxonomy is the source of truth: every code that `../shared/taxonomy.md` or the
    /// project's own `taxonomy-additions.md` lists is a class here and the other way round.
    #[test]
    fn classes_match_the_taxonomy() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let shared = manifest.join("../../../shared/taxonomy.md");
        let Ok(shared_text) = std::fs::read_to_string(&shared) else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{} is absent; in CI every test must run",
                shared.display()
            );
            eprintln!("SKIPPED: {} is absent", shared.display());
            return;
        };
        let additions = std::fs::read_to_string(manifest.join("taxonomy-additions.md"))
            .expect("taxonomy-additions.md is part of this crate");
        let mut listed: Vec<&str> = shared_text
            .lines()
            .chain(additions.lines())
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split_once('`').map(|(code, _)| code))
            .collect();
        listed.sort_unstable();
        listed.dedup();
        let mut ours: Vec<&str> = Class::ALL.iter().map(|c| c.as_str()).collect();
        ours.sort_unstable();
        assert_eq!(ours, listed);
    }
}
