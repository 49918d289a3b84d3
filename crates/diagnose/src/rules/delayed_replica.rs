use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::{Class, text};

/// ## What it detects
/// A replica whose lag is its configured delay (`SQL_Delay` / `MASTER_DELAY`): the applier
/// waits on purpose, and `Seconds_Behind_Master` is not above the delay.
///
/// ## Why it happens
/// A delayed replica keeps an old view of the data to undo mistakes. Its lag is not a fault, but
/// a monitoring check that alerts on lag alone fires on it every day.
///
/// ## How to fix
/// Nothing to fix. Exclude delayed replicas from lag alerts or alert on lag beyond the delay.
/// Lag well beyond `SQL_Delay` is a real problem, reported by the other rules.
///
/// ## References
/// - MySQL manual: Delayed Replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-delayed.html>
#[derive(Debug)]
pub struct DelayedReplica;

static META: RuleMeta = RuleMeta {
    class: Class::DelayedReplica,
    errors: &[],
    references: &[(
        "MySQL manual: Delayed Replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-delayed.html",
    )],
};

impl Rule for DelayedReplica {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let status = view.status;
            let Some(delay) = status.sql_delay.filter(|d| *d > 0) else {
                continue;
            };
            let lag = status.seconds_behind_source;
            // Lag beyond the delay is not explained by it.
            if lag.is_some_and(|lag| lag > delay.saturating_add(60))
                || view.applier_failure.is_some()
            {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Info,
                Confidence::Certain,
                text!(
                    "Delayed replica: it runs {delay} s behind its source on purpose",
                    "延迟从库：按配置有意落后主库 {delay} 秒"
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(status.channel_name.clone());
            finding.facts.set("sql_delay", delay);
            if let Some(lag) = lag {
                finding.facts.set("seconds_behind_source", lag);
            }
            if let Some(remaining) = status.sql_remaining_delay {
                finding.facts.set("sql_remaining_delay", remaining);
            }
            finding.root_cause = text!(
                "SQL_Delay is {delay}: the applier waits until each transaction is {delay} s old. \
                 This lag is configured, not a fault.",
                "SQL_Delay 为 {delay}：应用线程会等到每个事务产生 {delay} 秒后才执行。该延迟是配置所致，不是故障。"
            );
            finding.evidence.push(Cited {
                server: view.server_label(),
                source: format!("replica status ({}): SQL_Delay", status.origin),
                quote: delay.to_string(),
            });
            finding.references = META.references();
            output.push(finding);
        }
    }
}
