use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A replica with `read_only=OFF` (or, on MySQL 5.7+, `super_read_only=OFF` while accounts with
/// SUPER or CONNECTION_ADMIN exist): any application or tool that connects to it can write.
///
/// ## Why it happens
/// Replicas are built from a source's configuration, or `read_only` was switched off during a
/// maintenance and not switched back. A write on a replica is the usual origin of duplicate-key
/// and row-not-found errors and of errant GTIDs.
///
/// ## How to fix
/// `SET GLOBAL read_only = ON` (and `super_read_only = ON` on MySQL), and persist it in the
/// option file. The applier is not affected.
///
/// ## References
/// - MySQL manual: read_only:
///   <https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_read_only>
#[derive(Debug)]
pub struct ReplicaWritable;

static META: RuleMeta = RuleMeta {
    class: Class::ReplicaWritable,
    errors: &[],
    references: &[(
        "MySQL manual: read_only",
        "https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_read_only",
    )],
};

impl Rule for ReplicaWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        if context.is_dual_primary() {
            // Which of two primaries should refuse writes is the DBA's decision.
            return;
        }
        for replica in context.replicas() {
            if replica.variables.read_only() != Some(false) {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Certain,
                text!(
                    "The replica accepts writes: read_only is OFF",
                    "从库可写：read_only 为 OFF"
                ),
            );
            finding.facts.server = replica.label.clone();
            finding.facts.set("read_only", false);
            if let Some(super_read_only) = replica.variables.super_read_only() {
                finding.facts.set("super_read_only", super_read_only);
            }
            finding
                .evidence
                .extend(context.cite_variable(replica, "read_only"));
            finding.root_cause = text!(
                "Any session that connects to this replica can write to it. Such writes are the \
                 usual origin of duplicate-key and row-not-found errors and of errant transactions.",
                "任何连接到该从库的会话都能写入。此类写入是主键冲突、找不到记录错误以及 errant 事务最常见的来源。"
            );
            finding.fix = Plan {
                summary: text!("make the replica read-only", "将从库设为只读"),
                steps: vec![Step::sql(
                    Target::Replica,
                    &["SET GLOBAL read_only = ON"],
                    text!(
                        "refuse writes from every account without SUPER (add super_read_only = ON on MySQL); persist it in the option file",
                        "拒绝无 SUPER 权限账号的写入（MySQL 还应设置 super_read_only = ON）；并写入配置文件持久化"
                    ),
                    RiskLevel::Low,
                )
                .with_verify(Check::sql(
                    text!("read_only is ON", "read_only 为 ON"),
                    "SELECT @@GLOBAL.read_only",
                    Expect::Value("1".to_owned()),
                ))
                .with_risk_note(text!(
                    "an application that writes to this replica on purpose starts failing",
                    "有意写入该从库的应用会开始报错"
                ))],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
