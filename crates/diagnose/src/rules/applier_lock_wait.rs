use crate::engine::applier;
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{Context, Output, Rule};
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, Reference, text};

/// ## What it detects
/// The applier stopped with error 1205, "Lock wait timeout exceeded": an applier transaction
/// waited longer than `innodb_lock_wait_timeout` for a row lock and `slave_transaction_retries`
/// ran out. When the processlist or lock-wait tables show who held the lock, the finding names
/// the blocking session.
///
/// ## Why it happens
/// Something else held the rows the applier needed: a long transaction of a local session on the
/// replica (reports, `SELECT ... FOR UPDATE`, an open transaction left by a tool), a backup's
/// locks, or, with a parallel applier that preserves commit order, another worker (see
/// `mts_commit_order_hang`, which then explains this error).
///
/// ## How to fix
/// Find and end the blocker (`sys.innodb_lock_waits`, `information_schema.INNODB_TRX`), then
/// restart the SQL thread: the transaction was rolled back and is applied again. Keep long
/// transactions off replicas; raise `slave_transaction_retries` so a transient wait is retried.
///
/// ## References
/// - MySQL manual, innodb_lock_wait_timeout:
///   <https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_lock_wait_timeout>
/// - MySQL manual, replica_transaction_retries
#[derive(Debug)]
pub struct ApplierLockWait;

impl Rule for ApplierLockWait {
    fn class(&self) -> Class {
        Class::ApplierLockWait
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(Class::ApplierLockWait) {
            let table = failure.find(|m| m.table().map(|t| t.to_string()));
            let on = table
                .as_deref()
                .map(|t| format!(" on {t}"))
                .unwrap_or_default();
            let zh_on = table
                .as_deref()
                .map(|t| format!("（{t}）"))
                .unwrap_or_default();
            let mut finding = applier::finding(
                view,
                failure,
                Class::ApplierLockWait,
                text!(
                    "Applier lock wait timeout{on}: a transaction waited too long for a row lock",
                    "应用线程锁等待超时{zh_on}：事务等待行锁时间过长"
                ),
            );
            let blockers: Vec<_> = view
                .server
                .latest_sample()
                .map(|s| {
                    s.lock_waits
                        .iter()
                        .filter(|w| w.blocking_thread_id.is_some())
                        .collect()
                })
                .unwrap_or_default();
            let local_sessions: Vec<_> = view
                .processlist
                .iter()
                .filter(|p| {
                    !p.is_system_user()
                        && p.command.as_deref() != Some("Sleep")
                        && p.time.unwrap_or(0) > 0
                })
                .collect();
            finding.facts.thread_ids = blockers
                .iter()
                .filter_map(|w| w.blocking_thread_id)
                .collect();
            finding.root_cause = if finding.facts.thread_ids.is_empty() {
                text!(
                    "An applier transaction waited longer than innodb_lock_wait_timeout for a row \
                     lock held by someone else, and its retries ran out. The holder is not in the \
                     evidence: a local session on the replica, a backup, or another applier worker.",
                    "应用线程的事务等待他人持有的行锁超过 innodb_lock_wait_timeout，且重试次数用尽。\
                     证据中没有持锁者：可能是从库本地会话、备份，或另一个应用 worker。"
                )
            } else {
                let ids = finding
                    .facts
                    .thread_ids
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                text!(
                    "An applier transaction waited longer than innodb_lock_wait_timeout for a row \
                     lock held by session {ids} on the replica, and its retries ran out.",
                    "应用线程的事务等待从库会话 {ids} 持有的行锁超过 innodb_lock_wait_timeout，且重试次数用尽。"
                )
            };
            if finding.facts.thread_ids.is_empty() && local_sessions.is_empty() {
                output.missing(crate::Missing {
                    what: text!("the replica's lock waits and processlist at the error time", "出错时从库的锁等待与进程列表"),
                    consequence: text!("cannot name the session that held the lock", "无法指出持锁的会话"),
                    how: text!(
                        "collect with `repldoctor collect --replica DSN` while it happens, or paste sys.innodb_lock_waits",
                        "在问题发生时执行 `repldoctor collect --replica DSN`，或粘贴 sys.innodb_lock_waits 的结果"
                    ),
                });
            }
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            finding.fix = Plan {
                summary: text!(
                    "end the blocking transaction, then restart the SQL thread",
                    "结束阻塞的事务，再重启 SQL 线程"
                ),
                steps: vec![
                    Step::sql(
                        Target::Replica,
                        &["SELECT * FROM sys.innodb_lock_waits"],
                        text!(
                            "find who holds the lock (MariaDB: information_schema.INNODB_LOCK_WAITS)",
                            "找出持锁者（MariaDB：information_schema.INNODB_LOCK_WAITS）"
                        ),
                        RiskLevel::None,
                    ),
                    Step::manual(
                        Target::Dba,
                        text!(
                            "end the blocking session (KILL <id>) if it is safe to, or wait for it to finish",
                            "在安全的前提下结束阻塞会话（KILL <id>），或等待其完成"
                        ),
                        text!(
                            "the applier needs the rows it holds",
                            "应用线程需要它持有的行"
                        ),
                    ),
                    plans::restart_applier(
                        &dialect,
                        failure.code(),
                        text!(
                            "the timed-out transaction was rolled back; it is applied again from its start",
                            "超时的事务已回滚，将从头重新应用"
                        ),
                    ),
                    Step::sql(
                        Target::Replica,
                        &["SET GLOBAL slave_transaction_retries = 64"],
                        text!(
                            "retry transient lock waits instead of stopping",
                            "对短暂的锁等待进行重试而不是停止"
                        ),
                        RiskLevel::Low,
                    ),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = vec![Reference::new(
                "MySQL manual: innodb_lock_wait_timeout",
                "https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_lock_wait_timeout",
            )];
            output.push(finding);
        }
    }
}
