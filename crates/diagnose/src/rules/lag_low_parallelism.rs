use crate::engine::lag::{Lag, busy_appliers};
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A replica that lags and applies serially: no parallel workers (`slave_parallel_workers` /
/// `slave_parallel_threads` 0 or 1), or MySQL's DATABASE parallel type, which cannot
/// parallelise transactions of one schema.
///
/// ## Why it happens
/// The source commits many transactions at once on many threads; a single applier thread
/// replays them one after another, and any sustained write load above its speed turns into
/// lag.
///
/// ## How to fix
/// Apply in parallel: MySQL `slave_parallel_type=LOGICAL_CLOCK` with 4–16 workers and
/// `binlog_transaction_dependency_tracking=WRITESET` on the source (MySQL 8.0 default from
/// 8.0.27 on); MariaDB `slave_parallel_threads` > 0 with `slave_parallel_mode=optimistic`.
/// `repldoctor binlog stats` measures how much parallelism the binlog allows.
///
/// ## References
/// - MySQL manual: replica_parallel_workers:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_parallel_workers>
/// - MariaDB: Parallel Replication: <https://mariadb.com/kb/en/parallel-replication/>
#[derive(Debug)]
pub struct LagLowParallelism;

static META: RuleMeta = RuleMeta {
    class: Class::LagLowParallelism,
    errors: &[],
    references: &[
        (
            "MySQL manual: replica_parallel_workers",
            "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_parallel_workers",
        ),
        (
            "MariaDB: Parallel Replication",
            "https://mariadb.com/kb/en/parallel-replication/",
        ),
    ],
};

impl Rule for LagLowParallelism {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let Some(lag) = Lag::of(view) else {
                continue;
            };
            // A single long event is its own cause.
            if !busy_appliers(view, 60).is_empty() {
                continue;
            }
            let variables = &view.server.variables;
            let workers = variables.parallel_workers();
            let by_database = variables
                .parallel_type()
                .is_some_and(|t| t == evidence::model::ParallelType::Database);
            let serial = workers.is_some_and(|w| w <= 1);
            if !(serial || (by_database && workers.unwrap_or(0) > 1)) {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Medium,
                text!(
                    "Lag with a serial applier: {lag} s behind and transactions applied one at a time",
                    "串行应用导致延迟：落后 {lag} 秒，事务逐个应用",
                    lag = lag.seconds_behind
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(view.status.channel_name.clone());
            lag.record(&mut finding.facts);
            if let Some(workers) = workers {
                finding.facts.set("parallel_workers", workers);
            }
            for name in [
                "slave_parallel_workers",
                "replica_parallel_workers",
                "slave_parallel_threads",
                "slave_parallel_type",
            ] {
                finding
                    .evidence
                    .extend(context.cite_variable(view.server, name));
            }
            finding.root_cause = text!(
                "The source commits on many threads at once; the replica applies the same \
                 transactions on one, so any sustained load above one thread's speed becomes lag.",
                "主库以多线程同时提交；从库用单线程应用同样的事务，任何超过单线程速度的持续负载都会变成延迟。"
            );
            finding.fix = Plan {
                summary: text!("apply in parallel", "启用并行复制"),
                steps: vec![Step::sql(
                    Target::Replica,
                    &["STOP SLAVE SQL_THREAD", "SET GLOBAL slave_parallel_workers = 8", "START SLAVE SQL_THREAD"],
                    text!(
                        "MySQL: with slave_parallel_type=LOGICAL_CLOCK (and WRITESET tracking on the source); MariaDB: SET GLOBAL slave_parallel_threads = 8 with slave_parallel_mode=optimistic; persist in the option file",
                        "MySQL：配合 slave_parallel_type=LOGICAL_CLOCK（主库使用 WRITESET 依赖跟踪）；MariaDB：SET GLOBAL slave_parallel_threads = 8 并使用 slave_parallel_mode=optimistic；写入配置文件"
                    ),
                    RiskLevel::Low,
                )
                .with_risk_note(text!(
                    "check parallel_conflict_risk first: commit order with REPLACE INTO on MySQL before 8.0.23 can hang",
                    "先检查 parallel_conflict_risk：8.0.23 之前的 MySQL 在保持提交顺序时遇到 REPLACE INTO 可能挂起"
                ))],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
