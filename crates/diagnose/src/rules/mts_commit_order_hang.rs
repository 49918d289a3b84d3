use crate::engine::applier;
use crate::engine::known_bugs;
use crate::engine::meta::RuleMeta;
use crate::engine::tables;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Confidence, Severity};
use crate::plan::{Action, Alternative, Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// Workers blocked longer than this on commit order are stuck, not just ordering commits.
const STUCK_SECONDS: i64 = 300;

/// ## What it detects
/// A multi-threaded applier that is stuck while both replication threads say `Yes`: the
/// coordinator is "Waiting for workers to exit" (or an applier error is set while the SQL thread
/// still runs), workers wait "for preceding transaction to commit", and the lag grows past any
/// configured `SQL_Delay`.
///
/// ## Why it happens
/// With `slave_preserve_commit_order=ON`, a worker may commit only after the transactions before
/// it. WRITESET dependency tracking lets transactions that touch neighbouring rows run in
/// parallel; a `REPLACE INTO` or `INSERT ... ON DUPLICATE KEY UPDATE` on a table with a unique
/// secondary key takes next-key locks, so a later transaction can hold a lock an earlier one
/// needs while waiting for it to commit. InnoDB ends the wait with a lock-wait timeout (1205) or
/// deadlock (1213) and the worker stops; MySQL before 8.0.23 can lose the wake-up signal of the
/// commit-order wait, and the whole applier hangs: `STOP SLAVE` hangs too (MySQL bugs #87796,
/// #89247, #95249, #99440, fixed in 8.0.23; Percona PS-7232).
///
/// ## How to fix
/// The applier cannot be stopped: restart mysqld (a `kill -9` may be needed; with
/// `relay_log_recovery=ON` the replica recovers its position). Then take the conflict away:
/// `slave_preserve_commit_order=OFF`, fewer `slave_parallel_workers`, or rewrite the REPLACE
/// INTO as select-then-insert/update; upgrade to 8.0.23 or later.
///
/// ## References
/// - MySQL manual: replica_preserve_commit_order:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_preserve_commit_order>
#[derive(Debug)]
pub struct MtsCommitOrderHang;

static META: RuleMeta = RuleMeta {
    class: Class::MtsCommitOrderHang,
    errors: &[],
    references: &[(
        "MySQL manual: replica_preserve_commit_order",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_preserve_commit_order",
    )],
};

impl Rule for MtsCommitOrderHang {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let Some(signs) = Signs::read(view) else {
                continue;
            };
            let affected = known_bugs::affected(META.class, view.server);
            let confidence = match (signs.error_with_sql_running, signs.waiting_workers > 0) {
                (true, true) => Confidence::High,
                (true, false) | (false, true) => Confidence::Medium,
                (false, false) => Confidence::Low,
            };
            let mut finding = match (&view.applier_failure, signs.error_with_sql_running) {
                (Some(failure), true) => {
                    let mut f = applier::finding(view, failure, META.class, title());
                    f.confidence = confidence;
                    f
                }
                _ => {
                    let mut f =
                        crate::Finding::new(META.class, Severity::Critical, confidence, title());
                    f.facts.server = view.server_label();
                    f.facts.channel = Some(view.status.channel_name.clone());
                    f
                }
            };
            finding.explains = vec![Class::ApplierLockWait, Class::ApplierDeadlock];
            finding.root_cause = text!(
                "The multi-threaded applier preserves the source's commit order. A worker holding \
                 row locks waits for an earlier transaction to commit while that transaction waits \
                 for its locks (REPLACE INTO / INSERT ... ON DUPLICATE KEY UPDATE on a table with a \
                 unique secondary key take next-key locks; WRITESET lets such neighbours run in \
                 parallel). InnoDB ended the wait with an error, and the commit-order wake-up was \
                 lost (MySQL bugs 87796, 89247, 95249, 99440, fixed in 8.0.23): the applier hangs \
                 while both threads say Yes.",
                "多线程复制保持主库的提交顺序。持有行锁的 worker 在等待更早的事务提交，而更早的事务又在等待这些锁\
                 （唯一二级索引表上的 REPLACE INTO / INSERT ... ON DUPLICATE KEY UPDATE 会加 next-key 锁，\
                 WRITESET 允许这类相邻事务并行）。InnoDB 以错误结束了等待，而提交顺序的唤醒信号丢失\
                 （MySQL bug 87796、89247、95249、99440，8.0.23 修复）：两个线程都显示 Yes，应用却已挂起。"
            );
            signs.record(&mut finding.facts);
            if let Some(version) = &view.server.identity.version {
                finding.facts.set("version", version.clone());
            }
            for (name, value) in [
                (
                    "slave_parallel_type",
                    view.server.variables.get("slave_parallel_type"),
                ),
                (
                    "slave_parallel_workers",
                    view.server.variables.get("slave_parallel_workers"),
                ),
                (
                    "slave_preserve_commit_order",
                    view.server.variables.get("slave_preserve_commit_order"),
                ),
                (
                    "binlog_transaction_dependency_tracking",
                    view.server
                        .variables
                        .get("binlog_transaction_dependency_tracking"),
                ),
                (
                    "transaction_isolation",
                    view.server.variables.get("transaction_isolation"),
                ),
            ] {
                if let Some(value) = value {
                    finding.facts.set(name, value);
                }
            }
            finding.evidence.extend(signs.cited);
            let conflict = tables::cite_upsert_conflict(view, &mut finding);
            if conflict.statements > 0 && conflict.unique_keys > 0 {
                finding.confidence = Confidence::High;
            }
            tables::missing_for_upsert_conflict(view, &conflict, output);
            finding.fix = plan(affected);
            finding.references = META.references();
            known_bugs::attach(&mut finding, view.server);
            output.push(finding);
        }
    }
}

fn title() -> crate::Text {
    text!(
        "Multi-threaded applier hung on commit order: threads say Yes but nothing is applied",
        "多线程复制因提交顺序挂起：线程显示 Yes，但没有任何事务被应用"
    )
}

/// What shows the hang on one channel.
struct Signs {
    error_with_sql_running: bool,
    coordinator_waiting: bool,
    waiting_workers: usize,
    longest_wait: Option<i64>,
    lag_beyond_delay: Option<(u64, u64)>,
    cited: Vec<crate::Cited>,
}

impl Signs {
    fn read(view: &ChannelView<'_>) -> Option<Self> {
        let status = view.status;
        let sql_running = view.sql_running() == Some(true);
        if !sql_running {
            return None;
        }
        let error_with_sql_running = status.applier_errno().is_some();
        let state = status.replica_sql_running_state.as_deref().unwrap_or("");
        let coordinator_in_processlist = view.processlist.iter().any(|p| {
            p.is_system_user() && p.state.as_deref() == Some("Waiting for workers to exit")
        });
        let coordinator_waiting =
            state.contains("Waiting for workers to exit") || coordinator_in_processlist;
        let waiting: Vec<_> = view
            .processlist
            .iter()
            .filter(|p| {
                p.is_system_user()
                    && p.state
                        .as_deref()
                        .is_some_and(|s| s.contains("preceding transaction to commit"))
            })
            .collect();
        let longest_wait = waiting.iter().filter_map(|p| p.time).max();
        let stuck_workers = longest_wait.is_some_and(|t| t >= STUCK_SECONDS);
        let signs_of_hang = (error_with_sql_running
            && (coordinator_waiting || !waiting.is_empty()))
            || (stuck_workers && view.applier_moved() != Some(true));
        if !signs_of_hang {
            return None;
        }
        let lag_beyond_delay = status
            .seconds_behind_source
            .map(|lag| (lag, status.sql_delay.unwrap_or(0)))
            .filter(|(lag, delay)| lag > delay);
        let mut cited = Vec::new();
        if coordinator_waiting {
            cited.push(crate::Cited {
                server: view.server_label(),
                source: format!(
                    "replica status ({}): Slave_SQL_Running_State",
                    status.origin
                ),
                quote: if state.is_empty() {
                    "Waiting for workers to exit".to_owned()
                } else {
                    state.to_owned()
                },
            });
        }
        if !waiting.is_empty() {
            cited.push(crate::Cited {
                server: view.server_label(),
                source: format!("processlist ({})", waiting[0].origin),
                quote: format!(
                    "{} workers 'Waiting for preceding transaction to commit' for up to {} s",
                    waiting.len(),
                    longest_wait.unwrap_or(0)
                ),
            });
        }
        Some(Self {
            error_with_sql_running,
            coordinator_waiting,
            waiting_workers: waiting.len(),
            longest_wait,
            lag_beyond_delay,
            cited,
        })
    }

    fn record(&self, facts: &mut crate::Facts) {
        facts.set("coordinator_waiting_for_workers", self.coordinator_waiting);
        facts.set(
            "workers_waiting_for_preceding_commit",
            self.waiting_workers as u64,
        );
        if let Some(wait) = self.longest_wait {
            facts.set("longest_commit_order_wait_seconds", wait);
        }
        if let Some((lag, delay)) = self.lag_beyond_delay {
            facts.set("seconds_behind_source", lag);
            facts.set("sql_delay", delay);
        }
    }
}

fn plan(affected: Option<bool>) -> Plan {
    let mut steps = vec![
        Step::sql(
            Target::Replica,
            &["SELECT @@relay_log_recovery, @@relay_log_info_repository"],
            text!(
                "a restart is safe when the replica recovers its applier position from its own tables",
                "当从库能从自身的表中恢复应用位置时，重启是安全的"
            ),
            RiskLevel::None,
        )
        .with_verify(Check::sql(
            text!("relay_log_recovery is ON", "relay_log_recovery 为 ON"),
            "SELECT @@relay_log_recovery",
            Expect::Value("1".to_owned()),
        )),
        Step {
            target: Target::ReplicaHost,
            action: Action::Shell {
                command: "systemctl restart mysqld   # if the shutdown hangs: kill -9 $(pidof mysqld), then start it".to_owned(),
            },
            why: text!(
                "STOP SLAVE and KILL cannot end a hung commit-order wait; only a restart of mysqld does",
                "STOP SLAVE 和 KILL 都无法结束挂起的提交顺序等待，只能重启 mysqld"
            ),
            preconditions: vec![Check::confirmed(text!(
                "no application traffic depends on this replica right now",
                "此刻没有业务流量依赖这台从库"
            ))],
            verify: None,
            risk: RiskLevel::Medium,
            risk_note: Some(text!(
                "crash recovery on start; with relay_log_recovery=OFF the applier position may be wrong",
                "启动时会做崩溃恢复；relay_log_recovery=OFF 时应用位置可能出错"
            )),
        },
        Step::manual(
            Target::Dba,
            text!(
                "take away the commit-order wait that deadlocks with row locks: stop the SQL thread, SET GLOBAL slave_preserve_commit_order = OFF (replica_preserve_commit_order from 8.0.26; or lower the parallel workers), start it, and persist it; readers of the replica may then briefly see transactions in another order than on the source",
                "去掉与行锁死锁的提交顺序等待：停止 SQL 线程，SET GLOBAL slave_preserve_commit_order = OFF（8.0.26 起为 replica_preserve_commit_order；或调低并行 worker 数），再启动并持久化；之后从库读者可能短暂看到与主库不同的事务顺序"
            ),
            text!(
                "a configuration decision: ordering against throughput",
                "这是配置上的取舍：顺序与吞吐"
            ),
        ),
    ];
    if affected != Some(false) {
        steps.push(Step::manual(
            Target::Dba,
            text!(
                "upgrade the replica to MySQL 8.0.23 or later, where the lost wake-up is fixed",
                "将从库升级到 MySQL 8.0.23 或更高版本，该版本修复了唤醒丢失问题"
            ),
            text!(
                "the hang comes back with the next conflicting batch",
                "下一批冲突事务还会再次挂起"
            ),
        ));
    }
    Plan {
        summary: text!(
            "restart mysqld to free the applier, then remove the commit-order conflict",
            "重启 mysqld 解除挂起，再消除提交顺序冲突"
        ),
        steps,
        alternatives: vec![Alternative {
            choice: None,
            when: text!("commit order must stay on", "必须保留提交顺序"),
            plan: Plan {
                summary: text!(
                    "rewrite REPLACE INTO / INSERT ... ON DUPLICATE on tables with unique secondary keys as select-then-insert/update, or use fewer workers",
                    "把唯一二级索引表上的 REPLACE INTO / INSERT ... ON DUPLICATE 改写为先查询再插入/更新，或减少 worker 数"
                ),
                steps: Vec::new(),
                alternatives: Vec::new(),
                data_loss: None,
            },
        }],
        data_loss: None,
    }
}
