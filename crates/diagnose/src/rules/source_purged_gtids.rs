use evidence::model::Flavor;

use crate::engine::gtids;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Alternative, Plan, Step, Target};
use crate::{Class, Missing, text};

/// ## What it detects
/// The receiver stopped with 1236 because the source purged binlogs the replica still needs:
/// MySQL's "the master has purged binary logs containing GTIDs that the slave requires" (13114
/// on 8.0), MariaDB's "Could not find GTID state requested by slave in any binlog files". With
/// both GTID states it computes exactly which missing transactions are gone.
///
/// ## Why it happens
/// The replica was stopped or lagged longer than the source keeps binlogs
/// (`binlog_expire_logs_seconds`, `expire_logs_days`, a manual `PURGE BINARY LOGS`), or it was
/// built from a backup whose GTID state has holes (skipped transactions, `CHANGE MASTER` to a
/// position) that the source purged long ago.
///
/// ## How to fix
/// The missing transactions cannot be fetched any more. Rebuild the replica from a fresh backup
/// of the source (clone, xtrabackup/mariabackup). Only when the missing transactions are known
/// to be irrelevant to the replica's data may `gtid_purged` (MySQL) or `gtid_slave_pos`
/// (MariaDB) be moved past them, and that silently accepts whatever they changed.
///
/// ## References
/// - MySQL manual: gtid_purged:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged>
/// - MariaDB: Global Transaction ID: <https://mariadb.com/kb/en/gtid/>
#[derive(Debug)]
pub struct SourcePurgedGtids;

static META: RuleMeta = RuleMeta {
    class: Class::SourcePurgedGtids,
    errors: &[ErrorClaim::receiver(&[13114])],
    references: &[
        (
            "MySQL manual: gtid_purged",
            "https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged",
        ),
        (
            "MariaDB: Global Transaction ID",
            "https://mariadb.com/kb/en/gtid/",
        ),
    ],
};

impl Rule for SourcePurgedGtids {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for failure in context.receiver_failures(META.class) {
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                Confidence::Certain,
                text!(
                    "The source purged binlogs the replica still needs: it can no longer catch up",
                    "主库已清除从库仍需要的 binlog：从库无法再追上"
                ),
            );
            finding.error_code = failure.errno.or(Some(1236));
            finding.facts = failure.facts();
            finding.evidence = failure.cited.clone();
            let source = context.source_of(failure.server);
            let comparison = source.and_then(|s| gtids::compare_mysql_servers(failure.server, s));
            match comparison
                .as_ref()
                .and_then(|c| c.missing_purged.as_ref().map(|p| (c, p)))
            {
                Some((comparison, purged)) => {
                    finding.facts.gtid = Some(purged.to_string());
                    finding
                        .facts
                        .set("missing_set", comparison.missing.to_string());
                    finding.facts.set("missing_purged_set", purged.to_string());
                    finding.root_cause = text!(
                        "The replica lacks {missing} and the source has already purged {purged} from its \
                         binlogs, so no source can send them any more.",
                        "从库缺少 {missing}，而主库已从 binlog 中清除了其中的 {purged}，已无法再发送这些事务。",
                        missing = comparison.missing,
                        purged = purged
                    );
                }
                None if let Some(holes) = interior_holes(failure.server) => {
                    // Auto-positioning asks the source for every GTID missing below the
                    // replica's highest: a permanent hole is what it asks for first.
                    finding.facts.gtid = Some(holes.clone());
                    finding.facts.set("replica_holes", holes.clone());
                    finding.root_cause = text!(
                        "The replica's executed set has holes ({holes}): it was moved by file and \
                         position, or skipped transactions. Auto-positioning asks the source for \
                         them, and the source has purged the binlogs that held them.",
                        "从库已执行的 GTID 集合中有空洞（{holes}）：它曾按文件和位置切换，或跳过了事务。\
                         自动定位会向主库索要这些事务，而主库已清除了包含它们的 binlog。",
                        holes = holes
                    );
                }
                None => {
                    finding.root_cause = text!(
                        "The replica asked for transactions that are no longer in any of the source's \
                         binlogs: it stopped or lagged longer than the source keeps binlogs, or it was \
                         built from a copy whose GTID state has holes the source purged long ago.",
                        "从库请求的事务已不在主库的任何 binlog 中：从库停止或延迟的时间超过了主库 binlog 的保留期，\
                         或者从库由 GTID 状态有空洞的副本构建，而主库早已清除了相应 binlog。"
                    );
                    if comparison.is_none() {
                        output.missing(Missing {
                            what: text!(
                                "the replica's executed GTIDs and the source's gtid_executed and gtid_purged",
                                "从库已执行的 GTID 以及主库的 gtid_executed 与 gtid_purged"
                            ),
                            consequence: text!(
                                "cannot say exactly which transactions are gone",
                                "无法精确指出哪些事务已丢失"
                            ),
                            how: text!(
                                "run with --source DSN, or paste both servers' SELECT @@gtid_executed, @@gtid_purged",
                                "使用 --source DSN，或粘贴两台服务器的 SELECT @@gtid_executed, @@gtid_purged"
                            ),
                        });
                    }
                }
            }
            let mariadb = context.flavor(failure.server) == Some(Flavor::Mariadb);
            if mariadb {
                // What the replica asked for and what the source's binlogs hold.
                if let Some(position) = failure.server.variables.gtid_slave_pos() {
                    finding.facts.set("replica_gtid_slave_pos", position.text);
                }
                if let Some(state) = source.and_then(|s| s.variables.gtid_binlog_state()) {
                    finding.facts.set("source_gtid_binlog_state", state.text);
                }
            }
            finding.fix = plan(mariadb);
            finding.references = META.references();
            output.push(finding);
        }
    }
}

/// The holes below each UUID's highest transaction in a MySQL replica's executed set.
fn interior_holes(replica: &evidence::model::ServerEvidence) -> Option<String> {
    let executed = gtids::mysql_executed(replica)?;
    let holes = gtid::compare::Holes::classify(&executed, 0);
    (!holes.interior.is_empty()).then(|| holes.interior.to_string())
}

fn plan(mariadb: bool) -> Plan {
    // The sets come from the servers at the moment of the change, so this stays the DBA's step.
    let skip_statement = if mariadb {
        text!(
            "on the replica: STOP SLAVE; SET GLOBAL gtid_slave_pos = the GTID_LIST of the source's oldest binlog (its first events: SHOW BINLOG EVENTS IN 'oldest' LIMIT 4); START SLAVE",
            "在从库上：STOP SLAVE；SET GLOBAL gtid_slave_pos = 主库最旧 binlog 的 GTID_LIST（其开头事件：SHOW BINLOG EVENTS IN '最旧文件' LIMIT 4）；START SLAVE"
        )
    } else {
        text!(
            "on the replica: RESET MASTER; SET GLOBAL gtid_purged = the union of its gtid_executed and the source's gtid_purged (repldoctor gtid union A B); then start replication",
            "在从库上：RESET MASTER；SET GLOBAL gtid_purged = 其 gtid_executed 与主库 gtid_purged 的并集（repldoctor gtid union A B）；然后启动复制"
        )
    };
    Plan {
        summary: text!(
            "rebuild the replica from a fresh backup of the source",
            "用主库的新备份重建从库"
        ),
        steps: vec![
            Step::manual(
                Target::Dba,
                text!(
                    "take a fresh backup of the source (clone plugin, xtrabackup or mariabackup) and rebuild the replica from it",
                    "对主库做一次新备份（clone 插件、xtrabackup 或 mariabackup），并用它重建从库"
                ),
                text!(
                    "the missing transactions exist nowhere else: only a copy of the source's current data brings the replica back in line",
                    "缺失的事务已无处可取：只有主库当前数据的副本能让从库恢复一致"
                ),
            ),
            Step::manual(
                Target::Dba,
                text!(
                    "keep binlogs longer than the longest replica outage (binlog_expire_logs_seconds) and alert on purge_risk",
                    "让 binlog 保留时间长于从库可能的最长中断（binlog_expire_logs_seconds），并对 purge_risk 告警"
                ),
                text!(
                    "it happens again with the next long outage",
                    "下一次长时间中断还会发生"
                ),
            ),
        ],
        alternatives: vec![Alternative {
            choice: None,
            when: text!(
                "the missing transactions are known not to touch anything this replica serves",
                "确知缺失的事务不涉及该从库所服务的任何数据"
            ),
            plan: Plan {
                summary: text!(
                    "declare the purged transactions as executed on the replica",
                    "在从库上把已清除的事务声明为已执行"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    skip_statement,
                    text!(
                        "let the replica start after the purged transactions, once the owners of the data agreed that these changes may be missing on it",
                        "在数据负责人同意从库可以缺少这些变更后，让从库从已清除的事务之后开始"
                    ),
                )],
                alternatives: Vec::new(),
                data_loss: Some(text!(
                    "every change of the purged transactions is missing on the replica, for good",
                    "被清除事务的所有变更将永久缺失于从库"
                )),
            },
        }],
        data_loss: None,
    }
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::Class;

    #[test]
    fn the_replicas_own_holes_are_what_it_asks_the_source_for() {
        // Corpus 080: only the replica was pasted; its executed set has a hole.
        let text = "Last_IO_Errno: 1236\nLast_IO_Error: Got fatal error 1236 from master when reading data from binary log: 'The slave is connecting using CHANGE MASTER TO MASTER_AUTO_POSITION = 1, but the master has purged binary logs containing GTIDs that the slave requires.'\nExecuted_Gtid_Set: e076f2d3-a280-11eb-843a-525400e828c6:1-68031420,\ne1b12c8b-a280-11eb-9499-525400eb5da6:1-77594846:77780816-163459776\n";
        let report = crate::diagnose(&parse_text("t", text).evidence);
        let top = &report.findings[0];
        assert_eq!(top.class, Class::SourcePurgedGtids);
        assert_eq!(
            top.facts.gtid.as_deref(),
            Some("e1b12c8b-a280-11eb-9499-525400eb5da6:77594847-77780815")
        );
    }
}
