use evidence::model::Role;

use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A server whose replication status was read (`SHOW SLAVE STATUS` or `SHOW REPLICA STATUS`,
/// live or pasted with its `Empty set`) and holds no channel, unless the evidence names the
/// server as a source only, or names it no replica and shows its binary log position (SHOW
/// MASTER STATUS): a source.
///
/// ## Why it happens
/// The server was never made a replica, or `RESET SLAVE ALL` / `RESET REPLICA ALL` removed
/// its configuration (a failover tool promoting it, a DBA), or the status was read on the
/// wrong server. Its error log may still hold the replication errors of before: they are
/// history, not the current state, so no failure is read from them.
///
/// ## How to fix
/// If the server should replicate, find the source and the position or GTID set it must
/// continue from (the last `Executed_Gtid_Set`, the backup's coordinates), then configure the
/// channel with `CHANGE MASTER TO` / `CHANGE REPLICATION SOURCE TO` and start it.
///
/// ## References
/// - MySQL manual: RESET REPLICA:
///   <https://dev.mysql.com/doc/refman/8.0/en/reset-replica.html>
#[derive(Debug)]
pub struct NoReplicationChannel;

static META: RuleMeta = RuleMeta {
    class: Class::NoReplicationChannel,
    errors: &[],
    references: &[(
        "MySQL manual: RESET REPLICA",
        "https://dev.mysql.com/doc/refman/8.0/en/reset-replica.html",
    )],
};

impl Rule for NoReplicationChannel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for server in &context.evidence.servers {
            if server.role == Some(Role::Source) {
                continue;
            }
            let Some(sample) = server.latest_sample().filter(|s| s.has_no_channel()) else {
                continue;
            };
            // SHOW MASTER STATUS beside it on a server nobody called a replica: a source, which
            // has no channel of its own. (A replica asked as one, live or labelled, keeps the
            // finding: replicas log their binlogs too.)
            if server.role.is_none() && server.samples.iter().any(|s| s.binlog_position.is_some()) {
                continue;
            }
            let name = server.label.as_deref().unwrap_or("the server");
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Certain,
                text!(
                    "{name} has no replication channel: it is not a replica",
                    "{name} 没有复制通道：它不是从库"
                ),
            );
            finding.facts.server = server.label.clone();
            finding.evidence.push(Cited {
                server: server.label.clone(),
                source: sample.taken_at.map_or("replica status".to_owned(), |at| {
                    format!("replica status (read at {at})")
                }),
                quote: "replica status: no row (Empty set)".to_owned(),
            });
            finding.root_cause = text!(
                "The replication status names no channel: the server was never configured as a \
                 replica, or RESET SLAVE ALL / RESET REPLICA ALL removed its configuration (a \
                 failover tool promoting it, a DBA), or the status was read on another server \
                 than meant. Replication errors in its error log are from before and say \
                 nothing of now.",
                "复制状态中没有任何通道：该服务器从未配置为从库，或 RESET SLAVE ALL / RESET \
                 REPLICA ALL（切换工具提升它、DBA 操作）清除了配置，或查询的不是预期的服务器。\
                 错误日志中的复制错误是以前的，不代表现在的状态。"
            );
            finding.fix = Plan {
                summary: text!(
                    "if it should replicate, configure its channel again",
                    "若它应当复制，重新配置复制通道"
                ),
                steps: vec![Step {
                    risk: RiskLevel::Medium,
                    ..Step::manual(
                        Target::Replica,
                        text!(
                            "find its source and where it must continue (its gtid_executed, or the coordinates of the backup it was made from), then CHANGE MASTER TO (CHANGE REPLICATION SOURCE TO from MySQL 8.0.23) with them and start it",
                            "确定它的主库以及应从何处继续（它的 gtid_executed，或建库所用备份的坐标），然后用这些信息执行 CHANGE MASTER TO（MySQL 8.0.23 起为 CHANGE REPLICATION SOURCE TO）并启动复制"
                        ),
                        text!(
                            "a channel configured from the wrong point skips or repeats transactions",
                            "从错误的位置配置通道会跳过或重复事务"
                        ),
                    )
                }],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}
