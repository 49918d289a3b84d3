use crate::engine::applier;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{Context, Output, Rule};
use crate::plan::{Alternative, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with error 1032 ("Can't find record", `HA_ERR_KEY_NOT_FOUND`), or
/// MariaDB's 1020 ("Record has changed since last read"): an incoming update or delete finds no
/// matching row on the replica.
///
/// ## Why it happens
/// The replica's copy of the row differs from the source's before-image: the row was deleted or
/// changed on the replica directly, an earlier transaction was skipped, or the replica was built
/// from an inconsistent copy. With `binlog_row_image=FULL` every column must match, so a change
/// of any column on the replica is enough.
///
/// ## How to fix
/// Decode the failing event to get the before-image, look the row up on the replica and on the
/// source. If the source no longer has the row either (a later delete), skipping is safe. If it
/// has it, re-create the replica's row from the source (without binlogging it) and restart the
/// applier, then check the table for other differences.
///
/// ## References
/// - MySQL manual: Troubleshooting Replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html>
#[derive(Debug)]
pub struct RowNotFound;

static META: RuleMeta = RuleMeta {
    class: Class::RowNotFound,
    errors: &[ErrorClaim::applier(&[1032, 1020])],
    references: &[(
        "MySQL manual: Troubleshooting Replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html",
    )],
};

impl Rule for RowNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            let table = failure
                .find(|m| m.table().map(|t| t.to_string()))
                .or_else(|| failure.find(|m| m.record_not_found_in.clone()))
                .unwrap_or_else(|| "a table".to_owned());
            let event = failure
                .find(|m| m.row_event.as_ref().map(|e| e.event_type.clone()))
                .unwrap_or_else(|| "row event".to_owned());
            let mut finding = applier::finding(
                view,
                failure,
                META.class,
                text!(
                    "Row not found on {table}: the replica lacks the row an incoming {event} changes",
                    "{table} 上找不到记录：从库缺少传入的 {event} 要修改的行"
                ),
            );
            finding.root_cause = text!(
                "The source changed a row that the replica does not have in the same form: it was \
                 deleted or modified on the replica directly, an earlier transaction was skipped, \
                 or the replica was built from an inconsistent copy. The replica has diverged.",
                "主库修改了一行，而从库上没有相同内容的这一行：可能被直接在从库删除或修改、之前跳过了事务，\
                 或从库由不一致的副本构建。从库数据已与主库分叉。"
            );
            if let Some(comparison) = super::row_facts::comparison_for(view, &table) {
                super::row_facts::set(&mut finding.facts, comparison);
            }
            finding.variant = Some(if failure.has_code(&[1020]) {
                "record_changed".to_owned()
            } else {
                "missing_row".to_owned()
            });
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            let mut steps = Vec::new();
            steps.extend(plans::read_failing_event_of(failure));
            steps.push(Step::manual(
                Target::Dba,
                text!(
                    "look the row up by its key (from the event's before-image) on the replica and on \
                     the source",
                    "按事件前镜像中的键，在从库和主库上分别查询该行"
                ),
                text!(
                    "whether the source still has the row decides between skipping and repairing",
                    "主库是否仍有该行，决定是跳过还是修复"
                ),
            ));
            steps.push(Step::sql(
                Target::Replica,
                &[
                    "SET SESSION sql_log_bin = 0",
                    &format!("INSERT INTO {table} VALUES (<the row as the source has it before the event>)"),
                    "SET SESSION sql_log_bin = 1",
                ],
                text!(
                    "give the replica the row the event expects, without binlogging it",
                    "不写 binlog 地在从库补上事件所需的行"
                ),
                RiskLevel::Medium,
            ).with_precondition(plans::stopped_on(&dialect, failure.code())));
            steps.push(plans::restart_applier(
                &dialect,
                failure.code(),
                text!("apply the event again", "重新应用该事件"),
            ));
            let skip =
                plans::skip_transaction(&dialect, failure.transaction().as_ref(), failure.code());
            finding.fix = Plan {
                summary: text!(
                    "restore the missing row from the source, then restart the applier",
                    "从主库补回缺失的行，再重启应用线程"
                ),
                steps,
                alternatives: skip
                    .map(|steps| Alternative {
                        when: text!(
                            "the source no longer has the row either (it was deleted later)",
                            "主库上该行也已不存在（之后被删除）"
                        ),
                        plan: Plan {
                            summary: text!("skip the transaction", "跳过该事务"),
                            steps,
                            alternatives: Vec::new(),
                            data_loss: Some(text!(
                                "every other change of the skipped transaction",
                                "被跳过事务中的其他所有变更"
                            )),
                        },
                    })
                    .into_iter()
                    .collect(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
