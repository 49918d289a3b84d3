use crate::engine::lag::{Lag, busy_appliers};
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// An applier busy on one event this long is applying one large transaction.
const LONG_EVENT_SECONDS: i64 = 60;

/// ## What it detects
/// A replica that lags while an applier thread has been working on the same event or statement
/// for a long time: one large transaction (a bulk DELETE or UPDATE on the source) is being
/// applied.
///
/// ## Why it happens
/// A statement that changed millions of rows on the source in one transaction is replayed row
/// by row on the replica; nothing after it can commit until it does (and with ROW format each
/// row is a separate lookup).
///
/// ## How to fix
/// Usually: wait, it ends. Do not restart the applier: the transaction would start again from
/// its beginning. Prevent it: split bulk changes into batches of a few thousand rows on the
/// source (pt-archiver, a loop with LIMIT).
///
/// ## References
/// - MySQL manual: Replication and transaction inconsistencies:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-features-transaction-inconsistencies.html>
#[derive(Debug)]
pub struct LagLargeTransaction;

static META: RuleMeta = RuleMeta {
    class: Class::LagLargeTransaction,
    errors: &[],
    references: &[(
        "MySQL manual: Replication and transaction inconsistencies",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-features-transaction-inconsistencies.html",
    )],
};

impl Rule for LagLargeTransaction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let Some(lag) = Lag::of(view) else {
                continue;
            };
            let busy = busy_appliers(view, LONG_EVENT_SECONDS);
            let Some(longest) = busy.first() else {
                continue;
            };
            // A long lookup of single rows is the missing-key pattern, not one large transaction.
            if longest
                .state
                .as_deref()
                .is_some_and(|s| s.contains("find_row"))
            {
                continue;
            }
            let seconds = longest.time.unwrap_or(0);
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Medium,
                text!(
                    "Lag from one large transaction: an applier has worked on the same event for {seconds} s",
                    "大事务导致延迟：应用线程已在同一事件上工作 {seconds} 秒"
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(view.status.channel_name.clone());
            finding.facts.thread_ids = longest.id.into_iter().collect();
            lag.record(&mut finding.facts);
            finding.facts.set("applier_busy_seconds", seconds);
            if let Some(state) = &longest.state {
                finding.facts.set("applier_state", state.clone());
            }
            finding.evidence.push(Cited {
                server: view.server_label(),
                source: format!("processlist ({})", longest.origin),
                quote: format!(
                    "{} {} s: {}",
                    longest.state.as_deref().unwrap_or(""),
                    seconds,
                    longest.info.as_deref().unwrap_or("")
                ),
            });
            finding.root_cause = text!(
                "The source committed a transaction that changed very many rows; the replica \
                 replays it row by row and nothing after it can commit until it is done.",
                "主库提交了一个修改大量行的事务；从库逐行回放，在它完成之前其后的事务都无法提交。"
            );
            finding.fix = Plan {
                summary: text!(
                    "let it finish; split bulk changes on the source in future",
                    "等待其完成；今后在主库上把批量变更拆小"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "do not restart the applier (the transaction would start over); have bulk DELETE/UPDATE run in batches of a few thousand rows on the source",
                        "不要重启应用线程（事务会从头开始）；让主库上的批量 DELETE/UPDATE 以每批几千行分批执行"
                    ),
                    text!(
                        "the next bulk change lags the replica again",
                        "下一次批量变更还会造成延迟"
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
