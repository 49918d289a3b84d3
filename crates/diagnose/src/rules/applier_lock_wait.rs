use crate::engine::applier;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with error 1205, "Lock wait timeout exceeded": an applier transaction
/// waited longer than `innodb_lock_wait_timeout` for a row lock and `slave_transaction_retries`
/// ran out. When the processlist or lock-wait tables show who held the lock, the finding names
/// the blocking session. Before the timeout, an applier thread found waiting in the lock-wait
/// tables while it still runs is reported too (variant `waiting_now`): the lag it causes has a
/// name, and the error can still be avoided.
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
/// - MySQL manual: innodb_lock_wait_timeout:
///   <https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_lock_wait_timeout>
#[derive(Debug)]
pub struct ApplierLockWait;

static META: RuleMeta = RuleMeta {
    class: Class::ApplierLockWait,
    errors: &[ErrorClaim::applier(&[1205])],
    references: &[(
        "MySQL manual: innodb_lock_wait_timeout",
        "https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_lock_wait_timeout",
    )],
};

impl Rule for ApplierLockWait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
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
                META.class,
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
            let restart = plans::resume_applier(
                &dialect,
                view,
                failure.code(),
                text!(
                    "the timed-out transaction was rolled back; it is applied again from its start",
                    "超时的事务已回滚，将从头重新应用"
                ),
            )
            .with_risk_note(text!(
                "if the lock's holder is still there, the applier waits for it again",
                "如果持锁者仍在，应用线程会再次等待"
            ));
            let retries = Step::manual(
                Target::Dba,
                text!(
                    "let the applier retry transient lock waits instead of stopping: SET GLOBAL \
                     slave_transaction_retries = 64 (and in the option file)",
                    "让应用线程对短暂的锁等待重试而不是停止：SET GLOBAL slave_transaction_retries = 64（并写入配置文件）"
                ),
                text!(
                    "the next long lock stops it again",
                    "下一次长时间持锁还会让它停止"
                ),
            );
            let blockers = finding.facts.thread_ids.clone();
            finding.fix = Plan {
                summary: text!(
                    "restart the SQL thread once the blocking transaction is gone",
                    "阻塞的事务结束后重启 SQL 线程"
                ),
                steps: vec![
                    restart
                        .clone()
                        .with_preconditions(blockers.iter().map(|id| plans::session_gone(*id))),
                    retries.clone(),
                ],
                alternatives: blockers
                    .first()
                    .map(|id| plans::kill_blocker_alternative(view, *id, vec![restart, retries]))
                    .into_iter()
                    .collect(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
        for view in &context.channels {
            let current_failure = view.applier_failure.as_ref().is_some_and(|f| !f.stale);
            if current_failure || view.sql_running() != Some(true) {
                continue;
            }
            if let Some(finding) = waiting_now(view) {
                output.push(finding);
            }
        }
    }
}

/// An applier thread that waits for a row lock right now, with the session that holds it.
fn waiting_now(view: &ChannelView<'_>) -> Option<Finding> {
    let waits = view.applier_lock_waits();
    let wait = waits.iter().max_by_key(|w| w.wait_seconds.unwrap_or(0))?;
    let blocker = wait
        .blocking_thread_id
        .map_or_else(|| "?".to_owned(), |id| id.to_string());
    let seconds = wait.wait_seconds.unwrap_or(0);
    let table = wait.locked_table.clone().unwrap_or_default();
    let mut finding = Finding::new(
        META.class,
        Severity::Warning,
        if seconds >= 5 {
            Confidence::High
        } else {
            Confidence::Medium
        },
        text!(
            "The applier is blocked: it has waited {seconds} s for a row lock held by session {blocker}",
            "应用线程被阻塞：已等待会话 {blocker} 持有的行锁 {seconds} 秒"
        ),
    );
    finding.variant = Some("waiting_now".to_owned());
    finding.facts.server = view.server_label();
    finding.facts.channel = Some(view.status.channel_name.clone());
    finding.facts.thread_ids = wait.blocking_thread_id.into_iter().collect();
    if let Some(waiting) = wait.waiting_thread_id {
        finding.facts.set("waiting_thread_id", waiting);
    }
    if !table.is_empty() {
        finding.facts.table = Some(table.trim_matches('`').replace("`.`", "."));
    }
    finding.facts.set("wait_seconds", seconds);
    if let Some(query) = &wait.blocking_query {
        finding.facts.set("blocking_query", query.clone());
    }
    if let Some(timeout) = view.server.variables.get("innodb_lock_wait_timeout") {
        finding.facts.set("innodb_lock_wait_timeout", timeout);
    }
    if let Some(lag) = view.status.seconds_behind_source {
        finding.facts.set("seconds_behind_source", lag);
    }
    finding.evidence.push(Cited {
        server: view.server_label(),
        source: format!("lock waits ({})", wait.origin),
        quote: format!(
            "applier thread {} waits {seconds} s for {} held by thread {blocker}{}",
            wait.waiting_thread_id
                .map_or_else(|| "?".to_owned(), |id| id.to_string()),
            if table.is_empty() {
                "a row lock"
            } else {
                table.as_str()
            },
            wait.blocking_query
                .as_deref()
                .map(|q| format!(" (running: {q})"))
                .unwrap_or_default()
        ),
    });
    finding.root_cause = text!(
        "A session on the replica holds row locks the applier needs, so replication stands still \
         behind it; when the wait passes innodb_lock_wait_timeout the applier fails with 1205 \
         (or retries it).",
        "从库上的某个会话持有应用线程需要的行锁，复制因此停在它后面；等待超过 innodb_lock_wait_timeout \
         时应用线程会以 1205 失败（或重试）。"
    );
    finding.fix = match wait.blocking_thread_id {
        Some(id) => Plan {
            summary: text!(
                "end or wait out the blocking transaction of session {id}",
                "结束或等待会话 {id} 的阻塞事务"
            ),
            steps: vec![Step::manual(
                Target::Dba,
                text!(
                    "ask the owner of session {id} to commit or roll back; if its open transaction \
                     may be rolled back, `repldoctor fix --kill-blocker` ends it (KILL {id}, only \
                     while it is the same session)",
                    "请会话 {id} 的所有者提交或回滚；若其未提交事务可以回滚，可用 `repldoctor fix --kill-blocker` \
                     结束它（KILL {id}，仅当仍是同一会话）"
                ),
                text!(
                    "replication stands still until that transaction ends",
                    "在该事务结束前复制会一直停滞"
                ),
            )],
            alternatives: vec![plans::kill_blocker_alternative(view, id, Vec::new())],
            data_loss: None,
        },
        None => Plan {
            summary: text!(
                "find and end or wait out the blocking transaction",
                "找出并结束或等待阻塞的事务"
            ),
            steps: vec![Step::manual(
                Target::Dba,
                text!(
                    "find the session holding the lock (sys.innodb_lock_waits on MySQL, \
                     information_schema.INNODB_LOCK_WAITS on MariaDB) and ask its owner to end it",
                    "找出持锁的会话（MySQL：sys.innodb_lock_waits；MariaDB：information_schema.INNODB_LOCK_WAITS），\
                     请其所有者结束它"
                ),
                text!(
                    "replication stands still until that transaction ends",
                    "在该事务结束前复制会一直停滞"
                ),
            )],
            alternatives: Vec::new(),
            data_loss: None,
        },
    };
    finding.references = META.references();
    Some(finding)
}
