use evidence::model::BackupEvent;

use crate::engine::meta::RuleMeta;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// A backup of a replica configured to kill long queries of every kind
/// (`--kill-long-query-type=all` with `--kill-long-queries-timeout`), as its log shows.
///
/// ## Why it happens
/// xtrabackup and mariabackup can kill the queries that block their global lock. With `all`,
/// that includes the replication applier's statement: the replica stops with 1317 or 1927
/// (`applier_killed`) whenever a backup meets a long applier transaction.
///
/// ## How to fix
/// `--kill-long-query-type=select`, or `--safe-slave-backup`, or backup locks instead of FTWRL.
///
/// ## References
/// - Percona XtraBackup option reference:
///   <https://docs.percona.com/percona-xtrabackup/2.4/xtrabackup_bin/xbk_option_reference.html>
#[derive(Debug)]
pub struct BackupKillRisk;

static META: RuleMeta = RuleMeta {
    class: Class::BackupKillRisk,
    errors: &[],
    references: &[(
        "Percona XtraBackup option reference",
        "https://docs.percona.com/percona-xtrabackup/2.4/xtrabackup_bin/xbk_option_reference.html",
    )],
};

impl Rule for BackupKillRisk {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for server in &context.evidence.servers {
            let kills_all = server.backup_log.iter().find(|line| match &line.event {
                BackupEvent::Options { options } => options
                    .get("kill-long-query-type")
                    .is_some_and(|kind| kind.eq_ignore_ascii_case("all")),
                _ => false,
            });
            let Some(line) = kills_all else {
                continue;
            };
            let mut finding = Finding::new(
                META.class,
                Severity::Warning,
                Confidence::Certain,
                text!(
                    "The backup kills every long query, the replication applier's included (--kill-long-query-type=all)",
                    "备份会终止所有长查询，包括复制应用线程（--kill-long-query-type=all）"
                ),
            );
            finding.facts.server = server.label.clone();
            finding.facts.set("kill_long_query_type", "all");
            finding.explains = vec![Class::ApplierKilled];
            finding.evidence.push(Cited {
                server: server.label.clone(),
                source: format!("backup log ({})", line.origin),
                quote: line.message.clone(),
            });
            finding.root_cause = text!(
                "While waiting for its global lock the backup kills whatever blocks it; with 'all' \
                 that includes the applier's statement, and the replica stops with 1317/1927.",
                "备份在等待全局锁时会终止阻塞它的语句；参数为 all 时也包括应用线程的语句，从库因此以 1317/1927 停止。"
            );
            finding.fix = Plan {
                summary: text!(
                    "let the backup kill only SELECTs, or pause the applier",
                    "只允许备份终止 SELECT，或暂停应用线程"
                ),
                steps: vec![Step::manual(
                    Target::Dba,
                    text!(
                        "change the backup job: --kill-long-query-type=select, or --safe-slave-backup, or backup locks (--lock-ddl)",
                        "修改备份任务：--kill-long-query-type=select，或 --safe-slave-backup，或使用备份锁（--lock-ddl）"
                    ),
                    text!(
                        "the next backup during a long applier transaction stops replication",
                        "下次备份若遇到较长的应用事务就会使复制停止"
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
