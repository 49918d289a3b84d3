use evidence::model::ParallelType;

use crate::engine::known_bugs;
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A MySQL replica older than 8.0.23 applying in parallel by logical clock with
/// `slave_preserve_commit_order=ON`, while its source tracks dependencies by WRITESET (or the
/// replica itself is configured so): the set-up in which REPLACE INTO / INSERT ... ON DUPLICATE
/// KEY UPDATE on tables with unique secondary keys hang the applier.
///
/// ## Why it happens
/// WRITESET marks transactions on different rows as independent, even when their next-key
/// locks on a unique index overlap; commit order then makes a later worker wait for an earlier
/// one that waits for its locks. Before 8.0.23 the wake-up can be lost and the applier hangs
/// (`mts_commit_order_hang`; MySQL bugs #87796, #89247, #95249, #99440).
///
/// ## How to fix
/// Upgrade to 8.0.23+, or turn `slave_preserve_commit_order` off, or apply with fewer workers;
/// or rewrite such statements as select-then-insert/update.
#[derive(Debug)]
pub struct ParallelConflictRisk;

static META: RuleMeta = RuleMeta {
    class: Class::ParallelConflictRisk,
    errors: &[],
    references: &[],
};

impl Rule for ParallelConflictRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for replica in context.replicas() {
            let variables = &replica.variables;
            let logical_clock = variables.parallel_type() == Some(ParallelType::LogicalClock);
            let workers = variables.parallel_workers().unwrap_or(0);
            let ordered = variables.preserve_commit_order() == Some(true);
            let writeset = variables
                .dependency_tracking()
                .is_some_and(|t| t.to_ascii_uppercase().starts_with("WRITESET"));
            let affected = known_bugs::affected(META.class, replica) == Some(true);
            if !(logical_clock && workers > 1 && ordered && writeset && affected) {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::High,
                text!(
                    "Parallel applier set up for commit-order hangs: {workers} workers, commit order preserved, WRITESET, MySQL before 8.0.23",
                    "并行复制配置存在提交顺序挂起风险：{workers} 个 worker、保持提交顺序、WRITESET、MySQL 8.0.23 之前版本"
                ),
            );
            finding.facts.server = replica.label.clone();
            finding.facts.set("slave_parallel_workers", workers);
            if let Some(v) = &replica.identity.version {
                finding.facts.set("version", v.clone());
            }
            for name in [
                "slave_parallel_type",
                "slave_parallel_workers",
                "slave_preserve_commit_order",
                "binlog_transaction_dependency_tracking",
            ] {
                finding
                    .evidence
                    .extend(context.cite_variable(replica, name));
            }
            finding.root_cause = text!(
                "REPLACE INTO or INSERT ... ON DUPLICATE KEY UPDATE on a table with a unique \
                 secondary key take next-key locks that WRITESET does not see; with commit order \
                 preserved, workers can wait on each other, and before 8.0.23 the wake-up can be \
                 lost so the applier hangs with both threads saying Yes.",
                "唯一二级索引表上的 REPLACE INTO 或 INSERT ... ON DUPLICATE KEY UPDATE 会加 WRITESET 看不到的 next-key 锁；\
                 保持提交顺序时 worker 之间可能互相等待，8.0.23 之前唤醒信号可能丢失，应用线程挂起而两个线程仍显示 Yes。"
            );
            finding.fix = Plan {
                summary: text!(
                    "upgrade, or relax commit order or parallelism",
                    "升级，或放宽提交顺序或并行度"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "upgrade the replica to 8.0.23+, or set slave_preserve_commit_order=OFF, or lower slave_parallel_workers",
                        "将从库升级到 8.0.23+，或设置 slave_preserve_commit_order=OFF，或调低 slave_parallel_workers"
                    ),
                    text!(
                        "remove the conditions of the hang before it happens",
                        "在挂起发生前消除其条件"
                    ),
                )],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.fix.steps[0].risk = RiskLevel::Low;
            known_bugs::attach(&mut finding, replica);
            output.push(finding);
        }
    }
}
