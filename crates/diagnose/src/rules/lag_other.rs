use crate::engine::lag::{Lag, busy_appliers};
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, Missing, text};

/// ## What it detects
/// A replica behind its source by more than its configured delay plus five minutes, applying
/// without errors, where no more specific lag rule found the cause.
///
/// ## Why it happens
/// The replica's I/O or CPU cannot keep up with the source's write rate (smaller hardware,
/// `sync_binlog=1` and `innodb_flush_log_at_trx_commit=1` on a replica that does not need them,
/// reads competing for the same disks), or the cause is in evidence that was not collected.
///
/// ## How to fix
/// Collect the processlist and two samples (`repldoctor collect`) to tell a moving applier from
/// a stuck one and to see what it works on; compare the replica's resources and durability
/// settings with the source's.
///
/// ## References
/// - MySQL manual: Improving replication performance:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-performance.html>
#[derive(Debug)]
pub struct LagOther;

static META: RuleMeta = RuleMeta {
    class: Class::LagOther,
    errors: &[],
    references: &[(
        "MySQL manual: Improving replication performance",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-performance.html",
    )],
};

impl Rule for LagOther {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let Some(lag) = Lag::of(view) else {
                continue;
            };
            let explained = !busy_appliers(view, 30).is_empty()
                || view
                    .server
                    .variables
                    .parallel_workers()
                    .is_some_and(|w| w <= 1);
            if explained {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Low,
                text!(
                    "The replica is {lag} s behind its source with no specific cause in the evidence",
                    "从库落后主库 {lag} 秒，证据中没有具体原因",
                    lag = lag.seconds_behind
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(view.status.channel_name.clone());
            lag.record(&mut finding.facts);
            finding.root_cause = text!(
                "The applier runs without errors but does not keep up: the replica's resources, \
                 its durability settings, or competing reads are the usual causes.",
                "应用线程运行无错误但跟不上：常见原因是从库资源不足、持久化设置过严或读负载竞争。"
            );
            if view.processlist.is_empty() || view.earlier.is_none() {
                output.missing(Missing {
                    what: text!(
                        "the processlist and a second status sample",
                        "进程列表与第二次状态采样"
                    ),
                    consequence: text!(
                        "cannot tell a moving applier from a stuck one, nor see what it works on",
                        "无法区分应用线程是在前进还是卡住，也看不到它在处理什么"
                    ),
                    how: text!(
                        "run `repldoctor collect --replica DSN` (it samples twice)",
                        "执行 `repldoctor collect --replica DSN`（会采样两次）"
                    ),
                });
            }
            finding.fix = Plan {
                summary: text!("find what the applier waits on", "找出应用线程在等待什么"),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "compare the replica's CPU, I/O and durability settings (sync_binlog, innodb_flush_log_at_trx_commit) with the source's",
                        "比较从库与主库的 CPU、I/O 以及持久化设置（sync_binlog、innodb_flush_log_at_trx_commit）"
                    ),
                    text!(
                        "a replica must apply as fast as the source writes",
                        "从库的应用速度必须跟上主库的写入速度"
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
