use crate::engine::gtids;
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A source that has already purged binlogs holding GTIDs a replica still lacks, found from the
/// GTID sets before the replica reconnects and fails (MySQL: source `gtid_purged` ∩ (source
/// `gtid_executed` − replica executed) is not empty).
///
/// ## Why it happens
/// The replica is stopped or far behind and the source expires binlogs on schedule
/// (`binlog_expire_logs_seconds`), or someone purged them by hand.
///
/// ## How to fix
/// If the replica is still connected and reading, it already has them in its relay log: keep
/// it running. Otherwise it will fail with 1236 on its next connection: plan a rebuild, and
/// keep binlogs longer than the longest replica outage.
///
/// ## References
/// - MySQL manual: binlog_expire_logs_seconds:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_binlog_expire_logs_seconds>
#[derive(Debug)]
pub struct PurgeRisk;

static META: RuleMeta = RuleMeta {
    class: Class::PurgeRisk,
    errors: &[],
    references: &[(
        "MySQL manual: binlog_expire_logs_seconds",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_binlog_expire_logs_seconds",
    )],
};

impl Rule for PurgeRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        // Once the receiver has failed on it, source_purged_gtids says it all.
        if context
            .receiver_failures(Class::SourcePurgedGtids)
            .next()
            .is_some()
        {
            return;
        }
        for (replica, source) in context.replica_source_pairs() {
            let Some(comparison) = gtids::compare_mysql_servers(replica, source) else {
                continue;
            };
            let Some(purged) = comparison.missing_purged.filter(|p| !p.is_empty()) else {
                continue;
            };
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                Confidence::High,
                text!(
                    "The source already purged transactions this replica lacks: {purged}",
                    "主库已清除该从库缺少的事务：{purged}"
                ),
            );
            finding.facts.server = replica.label.clone();
            finding.facts.gtid = Some(purged.to_string());
            finding.facts.set("missing_purged_set", purged.to_string());
            finding
                .facts
                .set("missing_set", comparison.missing.to_string());
            finding.explains = vec![Class::SourcePurgedGtids];
            finding.root_cause = text!(
                "The replica has not executed {purged}, and the source no longer has them in any \
                 binlog. Unless they sit in the replica's relay log already, its next connection \
                 fails with 1236.",
                "从库尚未执行 {purged}，而主库的 binlog 中已不再有这些事务。除非它们已在从库的 relay log 中，\
                 从库下一次连接时会报 1236。"
            );
            finding.fix = Plan {
                summary: text!(
                    "keep the replica connected; plan a rebuild if it is not",
                    "保持从库连接；若已断开则准备重建"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "check Retrieved_Gtid_Set on the replica: if it covers these GTIDs, let it catch up without restarting the IO thread; otherwise rebuild it from a fresh backup",
                        "检查从库的 Retrieved_Gtid_Set：若已包含这些 GTID，则不重启 IO 线程让其追上；否则用新备份重建"
                    ),
                    text!(
                        "a reconnect asks the source for what it no longer has",
                        "重新连接会向主库索要它已没有的事务"
                    ),
                )],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
