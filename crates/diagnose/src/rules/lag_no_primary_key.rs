use crate::engine::lag::{Lag, busy_appliers};
use crate::engine::meta::RuleMeta;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// An applier looking up rows of one event this long is scanning, not seeking.
const LONG_LOOKUP_SECONDS: i64 = 30;

/// ## What it detects
/// A replica that lags while an applier thread spends a long time in `find_row` (the lookup of
/// the row an UPDATE or DELETE row event changes): the table has no primary key or usable
/// unique key, so each row costs a scan. Without a processlist, the replica status's
/// `Slave_SQL_Running_State` in `find_row` gives the same finding with a lower confidence.
///
/// ## Why it happens
/// With ROW format the replica finds every changed row by its before-image. Without a primary
/// key it uses another index, or scans the whole table once per row: a DELETE of 10,000 rows on
/// a table of a million becomes ten billion row reads.
///
/// ## How to fix
/// Add a primary key (an invisible auto-increment column on MySQL 8.0.30+ with
/// `sql_generate_invisible_primary_key`). Meanwhile `slave_rows_search_algorithms=INDEX_SCAN,HASH_SCAN`
/// (MySQL 5.7) makes one pass per event instead of one per row.
///
/// ## References
/// - MySQL manual: replica_rows_search_algorithms:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_rows_search_algorithms>
#[derive(Debug)]
pub struct LagNoPrimaryKey;

static META: RuleMeta = RuleMeta {
    class: Class::LagNoPrimaryKey,
    errors: &[],
    references: &[(
        "MySQL manual: replica_rows_search_algorithms",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_rows_search_algorithms",
    )],
};

impl Rule for LagNoPrimaryKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for view in &context.channels {
            let Some(lag) = Lag::of(view) else {
                continue;
            };
            let Some(scanning) = busy_appliers(view, LONG_LOOKUP_SECONDS)
                .into_iter()
                .find(|p| p.state.as_deref().is_some_and(|s| s.contains("find_row")))
            else {
                // Without a processlist the replica status still shows the applier's state,
                // though not for how long.
                if let Some(state) = lookup_state_in_status(view) {
                    output.push(from_status(view, &lag, state));
                }
                continue;
            };
            let seconds = scanning.time.unwrap_or(0);
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Medium,
                text!(
                    "Lag from row lookups without a key: an applier has searched for rows for {seconds} s",
                    "无主键导致延迟：应用线程查找行已达 {seconds} 秒"
                ),
            );
            finding.facts.server = view.server_label();
            finding.facts.channel = Some(view.status.channel_name.clone());
            finding.facts.thread_ids = scanning.id.into_iter().collect();
            lag.record(&mut finding.facts);
            if let Some(state) = &scanning.state {
                finding.facts.set("applier_state", state.clone());
            }
            finding.evidence.push(Cited {
                server: view.server_label(),
                source: format!("processlist ({})", scanning.origin),
                quote: format!("{} {} s", scanning.state.as_deref().unwrap_or(""), seconds),
            });
            finding.root_cause = text!(
                "Row events find each changed row by its before-image; on a table without a \
                 primary or unique key that is a scan per row.",
                "行事件按前镜像查找每一行；在没有主键或唯一键的表上，每一行都要做一次扫描。"
            );
            finding.fix = plan();
            finding.references = META.references();
            output.push(finding);
        }
    }
}

fn plan() -> Plan {
    Plan {
        summary: text!("give the table a primary key", "为该表添加主键"),
        steps: vec![Step::manual(
            Target::Dba,
            text!(
                "find the table (repldoctor binlog stats lists tables written without a primary key), add a primary key on the source; meanwhile set slave_rows_search_algorithms=INDEX_SCAN,HASH_SCAN on a 5.7 replica",
                "找出该表（repldoctor binlog stats 会列出无主键的表），在主库上添加主键；在此之前可在 5.7 从库上设置 slave_rows_search_algorithms=INDEX_SCAN,HASH_SCAN"
            ),
            text!(
                "every row change on that table costs a scan until then",
                "在此之前该表的每次行变更都要做一次扫描"
            ),
        )],
        alternatives: Vec::new(),
        data_loss: None,
    }
}

/// `Slave_SQL_Running_State` (MariaDB `Slave_SQL_State`) when it is a row lookup.
fn lookup_state_in_status<'a>(view: &'a ChannelView<'_>) -> Option<&'a str> {
    [
        &view.status.replica_sql_running_state,
        &view.status.replica_sql_state,
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
    .find(|state| state.contains("find_row"))
}

/// The finding from the replica status alone: the lookup is seen once, not timed, so the
/// confidence is lower.
fn from_status(view: &ChannelView<'_>, lag: &Lag, state: &str) -> Finding {
    let mut finding = Finding::new(
        META.class,
        Severity::Warning,
        Confidence::Low,
        text!(
            "Lag while the applier looks up rows ({state}): likely a table without a usable key",
            "延迟期间应用线程正在查找行（{state}）：可能是表缺少可用的键",
            state = state
        ),
    );
    finding.facts.server = view.server_label();
    finding.facts.channel = Some(view.status.channel_name.clone());
    lag.record(&mut finding.facts);
    finding.facts.set("applier_state", state.to_owned());
    finding.evidence.push(Cited {
        server: view.server_label(),
        source: format!(
            "replica status ({}): Slave_SQL_Running_State",
            view.status.origin
        ),
        quote: state.to_owned(),
    });
    finding.root_cause = text!(
        "Row events find each changed row by its before-image; on a table without a primary or \
         unique key that is a scan per row. One status sample cannot say how long the lookup \
         lasts: take the processlist twice to confirm.",
        "行事件按前镜像查找每一行；在没有主键或唯一键的表上，每一行都要做一次扫描。单次状态采样无法说明查找持续多久：请两次查看进程列表以确认。"
    );
    finding.fix = plan();
    finding.references = META.references();
    finding
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::Class;

    #[test]
    fn a_row_lookup_in_the_status_alone_points_at_a_missing_key() {
        let text = "Slave_IO_Running: Yes\nSlave_SQL_Running: Yes\nSeconds_Behind_Master: 7200\nSlave_SQL_Running_State: Delete_rows_log_event::find_row(-1)\n";
        let report = crate::diagnose(&parse_text("t", text).evidence);
        let top = &report.findings[0];
        assert_eq!(top.class, Class::LagNoPrimaryKey);
        assert_eq!(top.facts.other["seconds_behind_source"], 7200);
        assert_eq!(
            top.facts.other["applier_state"],
            "Delete_rows_log_event::find_row(-1)"
        );
    }
}
