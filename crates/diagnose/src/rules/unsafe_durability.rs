use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A source with `sync_binlog != 1` or `innodb_flush_log_at_trx_commit != 1`.
///
/// ## Why it happens
/// Both are relaxed for write speed. After a power loss or an OS crash the source's binlog can
/// lack transactions that InnoDB committed, or the other way round, and replicas may already
/// have received transactions the source no longer has: the source hands those GTIDs out again
/// (`replica_has_more_gtids`, `crash_gtid_loss`).
///
/// ## How to fix
/// `sync_binlog=1` and `innodb_flush_log_at_trx_commit=1` on every server that is or may become
/// a source. With fast storage the cost is small; group commit amortises the syncs.
///
/// ## References
/// - MySQL manual: sync_binlog:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_sync_binlog>
#[derive(Debug)]
pub struct UnsafeDurability;

static META: RuleMeta = RuleMeta {
    class: Class::UnsafeDurability,
    errors: &[],
    references: &[(
        "MySQL manual: sync_binlog",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-binary-log.html#sysvar_sync_binlog",
    )],
};

impl Rule for UnsafeDurability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for source in context.sources() {
            let sync_binlog = source.variables.sync_binlog();
            let flush = source.variables.innodb_flush_log_at_trx_commit();
            let unsafe_sync = sync_binlog.is_some_and(|v| v != 1);
            let unsafe_flush = flush.is_some_and(|v| v != 1);
            if !unsafe_sync && !unsafe_flush {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Certain,
                text!(
                    "The source can lose or fork transactions in a crash: sync_binlog={sync} and innodb_flush_log_at_trx_commit={flush}",
                    "主库崩溃时可能丢失或分叉事务：sync_binlog={sync}，innodb_flush_log_at_trx_commit={flush}",
                    sync = sync_binlog.map_or("?".to_owned(), |v| v.to_string()),
                    flush = flush.map_or("?".to_owned(), |v| v.to_string())
                ),
            );
            finding.facts.server = source.label.clone();
            if let Some(v) = sync_binlog {
                finding.facts.set("sync_binlog", v);
            }
            if let Some(v) = flush {
                finding.facts.set("innodb_flush_log_at_trx_commit", v);
            }
            finding.explains = vec![Class::CrashGtidLoss];
            finding
                .evidence
                .extend(context.cite_variable(source, "sync_binlog"));
            finding
                .evidence
                .extend(context.cite_variable(source, "innodb_flush_log_at_trx_commit"));
            finding.root_cause = text!(
                "A power loss or OS crash can leave the binlog and InnoDB disagreeing about which \
                 transactions committed; replicas may already hold transactions the source then \
                 no longer has, and the source reuses their GTIDs.",
                "断电或操作系统崩溃后，binlog 与 InnoDB 对哪些事务已提交可能不一致；从库可能已有主库随后丢失的事务，\
                 而主库会重用这些 GTID。"
            );
            finding.fix = Plan {
                summary: text!(
                    "make every commit durable on the source",
                    "让主库的每次提交都持久化"
                ),
                steps: vec![
                    Step::sql(
                        Target::Source,
                        &[
                            "SET GLOBAL sync_binlog = 1",
                            "SET GLOBAL innodb_flush_log_at_trx_commit = 1",
                        ],
                        text!(
                            "and set both in the option file, so a restart keeps them",
                            "并写入配置文件，重启后仍生效"
                        ),
                        RiskLevel::Low,
                    )
                    .with_precondition(Check::sql(
                        text!(
                            "the source is still not fully durable",
                            "主库仍未完全持久化"
                        ),
                        "SELECT @@GLOBAL.sync_binlog = 1 AND @@GLOBAL.innodb_flush_log_at_trx_commit = 1",
                        Expect::Value("0".to_owned()),
                    ))
                    .with_risk_note(text!(
                        "more fsyncs: on slow storage, commits get slower",
                        "fsync 次数增加：存储较慢时提交会变慢"
                    )),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
