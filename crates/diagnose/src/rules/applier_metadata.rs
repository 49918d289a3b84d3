use evidence::model::messages::is_replication_metadata_table;

use crate::engine::log_lines;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The replica cannot initialise its applier: 1872 / 1873 (cannot initialise relay log info or
/// the relay log), 13117, 13124, 1201 (could not initialise master info), and multi-threaded
/// recovery that cannot fill its gaps. Also (variant `metadata_table`) the applier failing on
/// a table of its own bookkeeping: MariaDB's 1942 "failed to update GTID state in
/// mysql.gtid_slave_pos", a duplicate key or missing table in `mysql.gtid_slave_pos`,
/// `mysql.gtid_executed` or `mysql.slave_*_info`.
///
/// ## Why it happens
/// The applier's metadata (relay-log.info, `mysql.slave_relay_log_info`, master info) disagrees
/// with the relay logs on disk, typically after a crash with file-based repositories, a relay log
/// removed by hand, or a copy of the datadir without its relay logs. A state table that already
/// holds the row the applier writes was restored, copied or written by hand (or by another
/// applier) with rows that clash with the ones the server generates.
///
/// ## How to fix
/// With GTIDs: `RESET SLAVE` (keeps the connection settings) and start again, the source resends
/// what is needed. Without GTIDs: note `Relay_Master_Log_File` and `Exec_Master_Log_Pos`, `RESET
/// SLAVE`, `CHANGE MASTER TO` that position. Use `relay_log_recovery=ON` and table repositories
/// to make this crash-safe.
///
/// ## References
/// - MySQL manual: Making replication resilient to unexpected halts:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-unexpected-replica-halt.html>
#[derive(Debug)]
pub struct ApplierMetadata;

static META: RuleMeta = RuleMeta {
    class: Class::ApplierMetadata,
    errors: &[
        // 1942: MariaDB could not update its GTID state table (ER_CANNOT_UPDATE_GTID_STATE).
        ErrorClaim::applier(&[1872, 1873, 13117, 13124, 1201, 1942]),
    ],
    references: &[(
        "MySQL manual: Making replication resilient to unexpected halts",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-unexpected-replica-halt.html",
    )],
};

impl Rule for ApplierMetadata {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The replica cannot initialise its applier metadata",
                "从库无法初始化应用元数据",
            ),
            cause: Text::new(
                "The applier's bookkeeping (relay log info, master info) disagrees with the relay logs on disk: a crash with file-based repositories, relay logs removed by hand, or a datadir copied without them.",
                "应用线程的元数据（relay log info、master info）与磁盘上的 relay log 不一致：使用文件存储时崩溃、relay log 被手工删除，或复制数据目录时遗漏了它们。",
            ),
            repair: Text::new(
                "reset the applier metadata and start again from the applier's last position (GTIDs: RESET SLAVE; otherwise CHANGE MASTER TO the Exec_Master_Log_Pos it reached)",
                "重置应用元数据，从应用线程最后的位置重新开始（GTID：RESET SLAVE；否则 CHANGE MASTER TO 到它已到达的 Exec_Master_Log_Pos）",
            ),
            repair_why: Text::new(
                "the applier cannot start from inconsistent metadata",
                "元数据不一致时应用线程无法启动",
            ),
        }
        .check_applier(context, output);
        // The relay logs the server's own start-up messages name belong to the finding.
        let mut found = false;
        for finding in output.findings.iter_mut().filter(|f| f.class == META.class) {
            found = true;
            if finding
                .facts
                .table
                .as_deref()
                .is_some_and(is_replication_metadata_table)
            {
                describe_state_table_failure(finding);
            }
            let server = context
                .evidence
                .servers
                .iter()
                .find(|s| s.label == finding.facts.server);
            if let Some(server) = server {
                let lines = log_lines::matching(server, REPOSITORY_FAILURES);
                let files = log_lines::log_file_names(&lines);
                if finding.facts.relay_log_file.is_none() {
                    finding.facts.relay_log_file = files.first().cloned();
                }
                if !files.is_empty() {
                    finding.facts.set("files", files);
                }
                finding
                    .evidence
                    .extend(lines.iter().map(|l| log_lines::cite(server, l)));
            }
        }
        if found {
            return;
        }
        for server in &context.evidence.servers {
            if let Some(finding) = from_log(server) {
                output.push(finding);
            }
        }
    }
}

/// The applier failed on a table of its own bookkeeping rather than on its relay logs.
fn describe_state_table_failure(finding: &mut crate::Finding) {
    let table = finding.facts.table.clone().unwrap_or_default();
    finding.variant = Some("metadata_table".to_owned());
    finding.title = Text::new(
        format!("The applier cannot update its replication state table {table}"),
        format!("应用线程无法更新复制状态表 {table}"),
    );
    finding.root_cause = Text::new(
        format!(
            "{table} is where the replica records what it applied; the applier's write there failed. A duplicate key there means the table holds rows the server did not write (restored from a dump or another server's datadir, edited by hand, or left by an earlier applier), so the row it generates clashes; a missing table means the system tables were not upgraded or were dropped."
        ),
        format!(
            "{table} 是从库记录已应用位置的表；应用线程写入它失败。主键重复说明表中有不是本服务器写入的行（从备份或其他服务器的数据目录恢复、手工修改，或之前的应用线程遗留），与它生成的行冲突；表不存在说明系统表未升级或被删除。"
        ),
    );
    let repair = Text::new(
        format!(
            "compare {table} with the position the replica has really applied; remove the rows that clash (or, on MariaDB, SET GLOBAL gtid_slave_pos to that position, which rewrites the table; a missing table: run mariadb-upgrade / mysql_upgrade)"
        ),
        format!(
            "对照从库实际已应用的位置检查 {table}；删除冲突的行（MariaDB 也可 SET GLOBAL gtid_slave_pos 为该位置以重写此表；表不存在时运行 mariadb-upgrade / mysql_upgrade）"
        ),
    );
    for step in &mut finding.fix.steps {
        if let crate::plan::Action::Manual { instruction } = &mut step.action {
            *instruction = repair.clone();
        }
    }
    finding.fix.summary = repair;
}

/// What the server logs when it cannot set up replication at start-up.
const REPOSITORY_FAILURES: &[&str] = &[
    "Failed to create or recover replication info repositories",
    "Failed to initialize the master info structure",
    "Failed to initialize the relay-log info structure",
    "Slave failed to initialize relay log info structure",
    "Error looking for file after",
    "Could not find target log file mentioned in relay log info",
    "Failed to open the relay log",
];

/// The start-up failure in the error log, with the relay logs it names.
fn from_log(server: &evidence::model::ServerEvidence) -> Option<crate::Finding> {
    let lines = log_lines::matching(server, REPOSITORY_FAILURES);
    if lines.is_empty() {
        return None;
    }
    let mut finding = crate::Finding::new(
        META.class,
        crate::Severity::Critical,
        crate::Confidence::High,
        Text::new(
            "The replica cannot initialise its applier metadata",
            "从库无法初始化应用元数据",
        ),
    );
    finding.facts.server = server.label.clone();
    let files = log_lines::log_file_names(&lines);
    finding.facts.relay_log_file = files.first().cloned();
    finding.facts.set("files", files);
    finding.evidence = lines.iter().map(|l| log_lines::cite(server, l)).collect();
    finding.root_cause = Text::new(
        "The applier's bookkeeping (relay log info, master info) disagrees with the relay logs on disk: a crash with file-based repositories, relay logs removed by hand, or a datadir copied without them; multi-threaded recovery cannot find the relay logs it needs.",
        "应用线程的元数据（relay log info、master info）与磁盘上的 relay log 不一致：使用文件存储时崩溃、relay log 被手工删除，或复制数据目录时遗漏了它们；多线程恢复找不到所需的 relay log。",
    );
    finding.fix = crate::Plan {
        summary: Text::new(
            "reset the applier metadata and start again from the applier's last position",
            "重置应用元数据，从应用线程最后的位置重新开始",
        ),
        steps: vec![crate::Step::manual(
            crate::Target::Dba,
            Text::new(
                "with GTIDs: RESET SLAVE (keeps the connection settings) then START SLAVE; without: note the last executed source position (group_master_log_name/pos in the log), RESET SLAVE, CHANGE MASTER TO that position; then set relay_log_recovery=ON and table repositories",
                "使用 GTID 时：RESET SLAVE（保留连接设置）后 START SLAVE；否则记下日志中最后执行的主库位置（group_master_log_name/pos），RESET SLAVE 后 CHANGE MASTER TO 到该位置；之后设置 relay_log_recovery=ON 并使用表存储",
            ),
            Text::new(
                "the applier cannot start from inconsistent metadata",
                "元数据不一致时应用线程无法启动",
            ),
        )],
        alternatives: Vec::new(),
        data_loss: None,
    };
    Some(finding)
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::class::Class;

    #[test]
    fn a_duplicate_in_the_gtid_state_table_is_named_with_its_table() {
        let log = "2019-04-15 21:39:29 140712106015488 [ERROR] Slave SQL: Error during XID COMMIT: failed to update GTID state in mysql.gtid_slave_pos: 1062: Duplicate entry '0-71143' for key 'PRIMARY', Gtid 0-1684298499-71198, Internal MariaDB error code: 1942\n2019-04-15 21:39:29 140712106015488 [ERROR] Error running query, slave SQL thread aborted. Fix the problem, and restart the slave SQL thread with \"SLAVE START\". We stopped at log 'mariadb-bin.000005' position 31652764; GTID position '0-1684298499-71197'\n";
        let report = crate::diagnose(&parse_text("t", log).evidence);
        let top = &report.findings[0];
        assert_eq!(top.class, Class::ApplierMetadata);
        assert_eq!(top.variant.as_deref(), Some("metadata_table"));
        assert_eq!(top.facts.table.as_deref(), Some("mysql.gtid_slave_pos"));
        assert_eq!(top.facts.gtid.as_deref(), Some("0-1684298499-71198"));
        assert_eq!(top.facts.key.as_deref(), Some("0-71143"));
        assert_eq!(
            top.facts.source_log_file.as_deref(),
            Some("mariadb-bin.000005")
        );
        assert!(top.fix.summary.en.contains("gtid_slave_pos"));
    }
}
