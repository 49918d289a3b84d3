use crate::engine::applier;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::tables;
use crate::engine::{Context, Output, Rule};
use crate::plan::{Alternative, Plan, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with error 1213, "Deadlock found when trying to get lock": an applier
/// transaction was chosen as the victim of a deadlock and `slave_transaction_retries` ran out.
///
/// ## Why it happens
/// A local session on the replica took locks in the opposite order, or, with a parallel
/// applier, two workers conflicted on rows the dependency tracking thought independent
/// (MariaDB optimistic/aggressive mode retries these; with retries 0 they stop the applier, and
/// 1964/1927 on other workers are consequences of the first failure).
///
/// ## How to fix
/// Restart the SQL thread: the victim was rolled back and is applied again. Raise
/// `slave_transaction_retries`; with a parallel applier and frequent conflicts, use a more
/// conservative parallel mode or fewer workers.
///
/// ## References
/// - MySQL manual: How to Minimize and Handle Deadlocks:
///   <https://dev.mysql.com/doc/refman/8.0/en/innodb-deadlocks-handling.html>
/// - MariaDB: Parallel Replication: <https://mariadb.com/kb/en/parallel-replication/>
#[derive(Debug)]
pub struct ApplierDeadlock;

static META: RuleMeta = RuleMeta {
    class: Class::ApplierDeadlock,
    errors: &[ErrorClaim::applier(&[1213])],
    references: &[
        (
            "MySQL manual: How to Minimize and Handle Deadlocks",
            "https://dev.mysql.com/doc/refman/8.0/en/innodb-deadlocks-handling.html",
        ),
        (
            "MariaDB: Parallel Replication",
            "https://mariadb.com/kb/en/parallel-replication/",
        ),
    ],
};

impl Rule for ApplierDeadlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            let mut finding = applier::finding(
                view,
                failure,
                META.class,
                text!(
                    "Applier deadlock: an applier transaction was a deadlock victim and its retries ran out",
                    "应用线程死锁：应用事务被选为死锁牺牲者且重试次数用尽"
                ),
            );
            finding.root_cause = text!(
                "The applier's transaction and another transaction (a local session or another \
                 worker of a parallel applier) locked rows in opposite order; InnoDB rolled the \
                 applier's back and the retries configured were not enough.",
                "应用事务与另一事务（本地会话或并行复制的另一个 worker）以相反顺序加锁；InnoDB 回滚了应用事务，\
                 且配置的重试次数不够。"
            );
            // Parallel workers conflicting on next-key locks of a unique secondary key: the
            // same pattern as a commit-order hang, stopped by the deadlock detector instead. A
            // serial applier can only have deadlocked with a local session.
            let serial = failure.worker.is_none()
                && failure.message.worker_id.is_none()
                && view.server.variables.parallel_workers() == Some(0);
            let conflict = if serial {
                tables::UpsertConflict::default()
            } else {
                tables::cite_upsert_conflict(view, &mut finding)
            };
            if conflict.statements > 0 && conflict.unique_keys > 0 {
                finding.root_cause = text!(
                    "REPLACE INTO / INSERT ... ON DUPLICATE KEY UPDATE on a table with a unique \
                     secondary key take next-key locks on that key; transactions the source \
                     committed independently then lock each other's gaps when the replica \
                     applies them in parallel, and InnoDB rolled one back with retries \
                     exhausted.",
                    "在有唯一二级索引的表上，REPLACE INTO / INSERT ... ON DUPLICATE KEY UPDATE 会对该索引加 \
                     next-key 锁；主库上互不依赖地提交的事务在从库并行应用时会互相锁住对方的间隙，InnoDB \
                     回滚了其中一个，且重试次数已用尽。"
                );
            }
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            finding.fix = Plan {
                summary: text!(
                    "restart the SQL thread and allow retries",
                    "重启 SQL 线程并允许重试"
                ),
                steps: vec![
                    plans::resume_applier(
                        &dialect,
                        view,
                        failure.code(),
                        text!(
                            "the victim was rolled back; it is applied again",
                            "牺牲事务已回滚，将重新应用"
                        ),
                    ),
                    Step::manual(
                        Target::Dba,
                        text!(
                            "retry deadlock victims instead of stopping: SET GLOBAL slave_transaction_retries = 64 (and in the option file)",
                            "对死锁牺牲者进行重试而不是停止：SET GLOBAL slave_transaction_retries = 64（并写入配置文件）"
                        ),
                        text!("the next deadlock stops it again", "下一次死锁还会让它停止"),
                    ),
                ],
                alternatives: if conflict.unique_keys > 0 {
                    vec![Alternative {
                        choice: None,
                        when: text!("the conflicts keep coming back", "冲突反复出现"),
                        plan: Plan {
                            summary: text!(
                                "apply that table's transactions with less parallelism (MariaDB: slave_parallel_mode=conservative; MySQL: fewer workers), or rewrite the upserts as select-then-insert/update",
                                "以更低的并行度应用该表的事务（MariaDB：slave_parallel_mode=conservative；MySQL：减少 worker），或把这些 upsert 改写为先查询再插入/更新"
                            ),
                            steps: Vec::new(),
                            alternatives: Vec::new(),
                            data_loss: None,
                        },
                    }]
                } else {
                    Vec::new()
                },
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
