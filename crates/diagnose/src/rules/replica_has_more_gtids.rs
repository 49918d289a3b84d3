use crate::engine::classify::receiver_class;
use crate::engine::gtids;
use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Action, Check, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, Missing, text};

/// ## What it detects
/// The receiver stopped with 1236 "Slave has more GTIDs than the master has" (MariaDB: the
/// replica asks to start from a GTID "which is not in the master's binlog"). With both executed
/// sets it computes exactly which transactions the replica has beyond its source, and whether
/// they carry the source's own UUID.
///
/// ## Why it happens
/// Transactions the replica executed are unknown to the source. On the source's own UUID that
/// means the source lost them: MySQL 5.7 keeps `gtid_executed` in memory and persists it to
/// `mysql.gtid_executed` only at binlog rotation; a second crash during crash recovery (after a
/// new binlog is opened, before the old one's GTIDs are saved) loses the last binlog's GTIDs, and
/// the source hands those numbers out again; `sync_binlog != 1` loses unsynced binlog tails the
/// same way. On another UUID it is an errant write on the replica, or a failover to a source
/// that was behind.
///
/// ## How to fix
/// Prove the mechanism first: compare each of the source's binlogs' Previous_gtids and GTID
/// events with `mysql.gtid_executed` and `gtid_executed`. If the replica really has those
/// transactions and the source lost them, make the source's `gtid_executed` cover them (commit
/// empty transactions for the lost GTIDs on the source) and check that no GTID was reused with
/// different content. Never reset the replica's GTIDs to make the error go away.
///
/// ## References
/// - MySQL manual: GTID concepts (gtid_executed persistence):
///   <https://dev.mysql.com/doc/refman/5.7/en/replication-gtids-concepts.html>
#[derive(Debug)]
pub struct ReplicaHasMoreGtids;

static META: RuleMeta = RuleMeta {
    class: Class::ReplicaHasMoreGtids,
    errors: &[],
    references: &[(
        "MySQL manual: GTID concepts (gtid_executed persistence)",
        "https://dev.mysql.com/doc/refman/5.7/en/replication-gtids-concepts.html",
    )],
};

impl Rule for ReplicaHasMoreGtids {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for failure in context.receiver_failures(META.class) {
            debug_assert_eq!(receiver_class(failure), META.class);
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                Confidence::Certain,
                text!(
                    "The replica has more GTIDs than its source: the source does not know transactions the replica executed",
                    "从库的 GTID 比主库多：主库不知道从库已执行的部分事务"
                ),
            );
            finding.error_code = failure.errno.or(Some(1236));
            finding.facts = failure.facts();
            finding.evidence = failure.cited.clone();
            let source = context.source_of(failure.server);
            let comparison = source.and_then(|s| gtids::compare_mysql_servers(failure.server, s));
            let on_source_uuid = comparison.as_ref().and_then(|c| {
                c.ahead_of_source
                    .iter()
                    .find(|a| a.is_source_own_uuid != Some(false))
            });
            match (&comparison, on_source_uuid) {
                (Some(comparison), Some(ahead)) => {
                    finding.variant = Some("ahead_on_source_uuid".to_owned());
                    finding.facts.gtid = Some(ahead.transactions.to_string());
                    finding.facts.set("replica_ahead_by", ahead.count);
                    finding.facts.set("source_last", ahead.source_last);
                    finding.facts.set("replica_last", ahead.replica_last);
                    finding
                        .facts
                        .set("ahead_set", ahead.transactions.to_string());
                    finding
                        .facts
                        .set("errant_set", comparison.errant.to_string());
                    let count = ahead.count;
                    let range = ahead.transactions.to_string();
                    let version = source
                        .and_then(|s| s.identity.version.clone())
                        .unwrap_or_default();
                    let five_seven = source
                        .and_then(|s| s.identity.version_triple())
                        .is_some_and(|v| (v.0, v.1) == (5, 7));
                    finding.root_cause = if five_seven {
                        text!(
                            "The replica executed {count} transactions on the source's own UUID that the \
                             source no longer knows ({range}). The replica did not invent them: a source \
                             running MySQL {version} loses the GTIDs of its last binlog when it crashes again \
                             during crash recovery (gtid_executed is only persisted at binlog rotation), or \
                             loses an unsynced binlog tail with sync_binlog != 1. It will hand those numbers \
                             out again for different transactions.",
                            "从库在主库自身的 UUID 上执行了 {count} 个主库已不认识的事务（{range}）。这些事务并非从库凭空产生：\
                             MySQL {version} 的主库若在崩溃恢复期间再次崩溃，会丢失最后一个 binlog 的 GTID（gtid_executed \
                             只在 binlog 切换时持久化），sync_binlog != 1 时也会丢失未同步的 binlog 尾部。主库之后会把这些编号\
                             重新分配给其他事务。"
                        )
                    } else {
                        text!(
                            "The replica executed {count} transactions on the source's own UUID that the \
                             source no longer knows ({range}): the source lost them (a crash with \
                             sync_binlog != 1, a restore to an older state) and may reuse those numbers.",
                            "从库在主库自身的 UUID 上执行了 {count} 个主库已不认识的事务（{range}）：主库丢失了它们\
                             （sync_binlog != 1 时崩溃、恢复到旧状态），并可能重用这些编号。"
                        )
                    };
                    // With mysql.gtid_executed given, crash_gtid_loss proves the cause and
                    // explains this finding; without it, this finding stands for both.
                    finding.explains = if source.is_some_and(|s| !s.gtid_executed_table.is_empty())
                    {
                        vec![Class::ErrantGtids]
                    } else {
                        vec![Class::CrashGtidLoss, Class::ErrantGtids]
                    };
                    finding.fix = plan(Some(&range));
                    if source.is_some_and(|s| {
                        s.binary_logs.is_empty() && s.gtid_executed_table.is_empty()
                    }) {
                        output.missing(Missing {
                            what: text!(
                                "the source's binlog list with each file's Previous_gtids, and mysql.gtid_executed",
                                "主库的 binlog 列表（含每个文件的 Previous_gtids）以及 mysql.gtid_executed 表"
                            ),
                            consequence: text!(
                                "cannot prove which binlog's GTIDs were lost in the crash (crash_gtid_loss)",
                                "无法证明是哪个 binlog 的 GTID 在崩溃中丢失（crash_gtid_loss）"
                            ),
                            how: text!(
                                "paste SHOW BINARY LOGS and SELECT * FROM mysql.gtid_executed from the source, or read its binlogs with `repldoctor binlog events`",
                                "粘贴主库的 SHOW BINARY LOGS 与 SELECT * FROM mysql.gtid_executed，或用 `repldoctor binlog events` 读取其 binlog"
                            ),
                        });
                    }
                }
                (Some(comparison), None) => {
                    finding
                        .facts
                        .set("errant_set", comparison.errant.to_string());
                    finding.root_cause = text!(
                        "The replica executed transactions its source never had ({errant}), on UUIDs \
                         other than the source's own: writes made on the replica, or a failover to a \
                         source that was behind.",
                        "从库执行了主库从未有过的事务（{errant}），且不在主库自身的 UUID 上：是在从库上的写入，\
                         或切换到了落后的主库。",
                        errant = comparison.errant
                    );
                    finding.explains = vec![Class::ErrantGtids];
                    finding.fix = plan(Some(&comparison.errant.to_string()));
                }
                (None, _) => {
                    finding.confidence = Confidence::High;
                    finding.root_cause = text!(
                        "The source does not have transactions the replica executed: either the \
                         source lost them (a crash with sync_binlog != 1, or two crashes of a MySQL \
                         5.7 source in a row), or they were written on the replica (errant).",
                        "主库没有从库已执行的部分事务：要么主库丢失了它们（sync_binlog != 1 时崩溃，或 MySQL 5.7 \
                         主库连续两次崩溃），要么它们是在从库上写入的（errant）。"
                    );
                    output.missing(Missing {
                        what: text!("both servers' gtid_executed", "两台服务器的 gtid_executed"),
                        consequence: text!(
                            "cannot compute which transactions the replica has beyond its source, nor tell crash loss from errant writes",
                            "无法算出从库比主库多出的事务，也无法区分崩溃丢失与 errant 写入"
                        ),
                        how: text!(
                            "run with --source DSN, or paste SELECT @@gtid_executed, @@server_uuid from both",
                            "使用 --source DSN，或粘贴两台服务器的 SELECT @@gtid_executed, @@server_uuid"
                        ),
                    });
                    finding.fix = plan(None);
                }
            }
            finding.references = META.references();
            output.push(finding);
        }
    }
}

fn plan(extra: Option<&str>) -> Plan {
    let shown = extra.unwrap_or("the replica's extra GTIDs");
    Plan {
        summary: text!(
            "prove which transactions the source lost, then make its gtid_executed cover them",
            "先证明主库丢失了哪些事务，再让主库的 gtid_executed 覆盖它们"
        ),
        steps: vec![
            Step::manual(
                Target::SourceHost,
                text!(
                    "list each binlog's Previous_gtids and GTID range (repldoctor binlog events FILE) and compare with SELECT * FROM mysql.gtid_executed",
                    "列出每个 binlog 的 Previous_gtids 与 GTID 范围（repldoctor binlog events FILE），并与 SELECT * FROM mysql.gtid_executed 比较"
                ),
                text!(
                    "a binlog whose GTIDs are neither in the table nor in later Previous_gtids is the one lost",
                    "GTID 既不在表中、也不在之后文件 Previous_gtids 中的那个 binlog 就是丢失的"
                ),
            ),
            Step::manual(
                Target::Dba,
                text!(
                    "check that the source did not reuse these GTIDs for different transactions: compare the replica's and the source's binlog events for {shown}",
                    "确认主库没有把这些 GTID 重新分配给不同的事务：比较主从 binlog 中 {shown} 的事件"
                ),
                text!(
                    "a reused GTID means two different transactions share one identity: the replica would silently skip the new one",
                    "GTID 被重用意味着两个不同事务共用一个标识：从库会悄悄跳过新的那个"
                ),
            ),
            match extra {
                Some(extra) => Step {
                    target: Target::Source,
                    action: Action::InjectEmpty {
                        gtids: extra.to_owned(),
                    },
                    why: text!(
                        "the replica really has these transactions; the source must count them as executed so it neither reuses their numbers nor refuses the replica",
                        "从库确实有这些事务；主库必须把它们计为已执行，才不会重用编号或拒绝从库"
                    ),
                    preconditions: Vec::new(),
                    verify: Some(Check::sql(
                        text!(
                            "the source's gtid_executed now covers them",
                            "主库的 gtid_executed 已覆盖这些事务"
                        ),
                        format!("SELECT GTID_SUBSET('{extra}', @@GLOBAL.gtid_executed)"),
                        Expect::Value("1".to_owned()),
                    )),
                    risk: RiskLevel::High,
                    risk_note: Some(text!(
                        "the source will never execute transactions under these GTIDs: if its data lacks their changes, the servers differ for good",
                        "主库将不再以这些 GTID 执行事务：如果主库数据缺少这些变更，两端将永久不一致"
                    )),
                },
                None => Step::manual(
                    Target::Dba,
                    text!(
                        "compute the replica's extra GTIDs (repldoctor gtid compare --replica DSN --source DSN) and commit an empty transaction on the source under each (repldoctor gtid inject-sql SET)",
                        "算出从库多出的 GTID（repldoctor gtid compare --replica DSN --source DSN），并在主库上为每个提交空事务（repldoctor gtid inject-sql SET）"
                    ),
                    text!(
                        "the source must count them as executed",
                        "主库必须把它们计为已执行"
                    ),
                ),
            },
        ],
        alternatives: Vec::new(),
        data_loss: None,
    }
}
