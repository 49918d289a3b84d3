use evidence::model::{BackupEvent, BackupLogLine, ProcessRow, ServerEvidence};

use crate::engine::applier;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Cited, Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, Missing, text};

/// ## What it detects
/// The applier's statement was killed or interrupted: 1317 "Query execution was interrupted",
/// 1927 "Connection was killed", 3169 (session killed). When a backup log or the processlist
/// shows a backup at that time, the finding names the backup as the killer. Before the error is
/// recorded, a replication thread the processlist shows `Killed` says the same.
///
/// ## Why it happens
/// Something ran `KILL` on the applier thread: most often a backup tool waiting for its global
/// lock (`xtrabackup --kill-long-queries-timeout=N --kill-long-query-type=all` kills every query
/// blocking `FLUSH TABLES WITH READ LOCK`, the replication worker included), a DBA or a
/// watchdog script killing long queries, or `max_execution_time`.
///
/// ## How to fix
/// Restart the SQL thread: the interrupted transaction was rolled back and is applied again, so
/// nothing is lost. Prevent it: `--kill-long-query-type=select`, or `--safe-slave-backup` (stops
/// the SQL thread during the lock), or backup locks (`--lock-ddl`, Percona Server backup locks)
/// instead of FTWRL; keep watchdogs away from `system user` threads; schedule backups off the
/// replica's busy hours.
///
/// ## References
/// - Percona XtraBackup option reference (--kill-long-query-type, --safe-slave-backup):
///   <https://docs.percona.com/percona-xtrabackup/2.4/xtrabackup_bin/xbk_option_reference.html>
/// - MySQL manual: KILL: <https://dev.mysql.com/doc/refman/8.0/en/kill.html>
#[derive(Debug)]
pub struct ApplierKilled;

static META: RuleMeta = RuleMeta {
    class: Class::ApplierKilled,
    errors: &[ErrorClaim::applier(&[1317, 1927, 3169])],
    references: &[
        (
            "Percona XtraBackup option reference (--kill-long-query-type, --safe-slave-backup)",
            "https://docs.percona.com/percona-xtrabackup/2.4/xtrabackup_bin/xbk_option_reference.html",
        ),
        (
            "MySQL manual: KILL",
            "https://dev.mysql.com/doc/refman/8.0/en/kill.html",
        ),
    ],
};

impl Rule for ApplierKilled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            let mut finding = applier::finding(
                view,
                failure,
                META.class,
                text!(
                    "Applier killed: its statement was interrupted (error {code})",
                    "应用线程被终止：其语句被中断（错误 {code}）",
                    code = failure.code().unwrap_or(1317)
                ),
            );
            let backup = BackupSigns::read(view.server);
            let error_time = failure
                .worker
                .and_then(|w| w.last_error_timestamp.as_ref())
                .or(failure.log_line.and_then(|l| l.time.as_ref()))
                .or(view.status.last_sql_error_timestamp.as_ref())
                .map(|t| t.local);
            if let Some(time) = error_time {
                finding.facts.set("error_time", time.to_string());
            }
            if backup.ran() && backup.covers(error_time) {
                finding.variant = Some("killed_by_backup".to_owned());
                finding.root_cause = crate::Text::new(
                    format!(
                        "A backup was taking its global lock on the replica and killed the \
                         queries blocking it, the replication applier's included.{}",
                        backup.options_note()
                    ),
                    format!(
                        "备份在从库上获取全局锁时终止了阻塞它的查询，其中包括复制应用线程。{}",
                        backup.options_note_zh()
                    ),
                );
                finding.evidence.extend(backup.cited.iter().cloned());
                if !backup.killed_threads.is_empty() {
                    finding.facts.thread_ids = backup.killed_threads.clone();
                }
                if let Some(kind) = &backup.kill_type {
                    finding.facts.set("kill_long_query_type", kind.clone());
                }
            } else {
                finding.root_cause = text!(
                    "Someone ran KILL on the applier thread: typically a backup tool's \
                     kill-long-queries while it waits for its global lock, a DBA or watchdog \
                     killing long queries, or max_execution_time. The evidence does not show which.",
                    "有人对应用线程执行了 KILL：通常是备份工具在等待全局锁时终止长查询、DBA 或监控脚本终止长查询，\
                     或 max_execution_time。证据中看不出是哪一个。"
                );
                finding.confidence = finding.confidence.min(Confidence::High);
                output.missing(Missing {
                    what: text!(
                        "the backup log and the processlist at the error time",
                        "出错时刻的备份日志与进程列表"
                    ),
                    consequence: text!(
                        "cannot tell whether a backup (xtrabackup --kill-long-query-type=all) killed the applier",
                        "无法判断是否是备份（xtrabackup --kill-long-query-type=all）终止了应用线程"
                    ),
                    how: text!(
                        "add the backup tool's log with --evidence or `repldoctor collect --backup-log PATH`",
                        "用 --evidence 或 `repldoctor collect --backup-log PATH` 提供备份工具日志"
                    ),
                });
            }
            let dialect = Dialect::of(view.server, context.flavor(view.server));
            finding.facts.set("restart_is_safe", true);
            finding.fix = Plan {
                summary: text!(
                    "restart the SQL thread (safe: the interrupted transaction was rolled back), then stop the killer",
                    "重启 SQL 线程（安全：被中断的事务已回滚），再阻止终止源"
                ),
                steps: vec![
                    plans::resume_applier(
                        &dialect,
                        view,
                        failure.code(),
                        text!(
                            "the interrupted transaction was rolled back and is applied again from its start",
                            "被中断的事务已回滚，将从头重新应用"
                        ),
                    ),
                    Step::manual(
                        Target::Dba,
                        text!(
                            "change the backup job on this replica: --kill-long-query-type=select, or \
                             --safe-slave-backup, or backup locks (--lock-ddl) instead of FLUSH TABLES WITH READ LOCK",
                            "修改该从库上的备份任务：使用 --kill-long-query-type=select，或 --safe-slave-backup，\
                             或用备份锁（--lock-ddl）代替 FLUSH TABLES WITH READ LOCK"
                        ),
                        text!(
                            "the next backup kills the applier again",
                            "下一次备份还会再次终止应用线程"
                        ),
                    ),
                ],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
        if !output.findings.iter().any(|f| f.class == META.class) {
            for server in &context.evidence.servers {
                if let Some(finding) = killed_in_processlist(server) {
                    output.push(finding);
                }
            }
        }
    }
}

/// An applier thread the processlist shows `Killed` (a `system user` thread whose command is
/// `Killed`) before any error of it is recorded: someone killed the SQL thread or a worker.
fn killed_in_processlist(server: &ServerEvidence) -> Option<Finding> {
    let sample = server.latest_sample()?;
    let killed: Vec<&ProcessRow> = sample
        .processlist
        .iter()
        .filter(|p| {
            p.is_system_user()
                && p.command
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case("Killed"))
        })
        .collect();
    let first = killed.first()?;
    let mut finding = Finding::new(
        META.class,
        Severity::Critical,
        Confidence::High,
        text!(
            "An applier thread is being killed: the processlist shows a replication thread 'Killed'",
            "应用线程正在被终止：processlist 显示一个复制线程处于 Killed"
        ),
    );
    finding.facts.server = server.label.clone();
    finding.facts.thread_ids = killed.iter().filter_map(|p| p.id).collect();
    if let Some(state) = &first.state {
        finding.facts.set("state", state.clone());
    }
    if let Some(info) = &first.info {
        finding.facts.set("statement", info.clone());
    }
    finding.evidence.push(Cited {
        server: server.label.clone(),
        source: format!("processlist ({})", first.origin),
        quote: format!(
            "Id {}: system user, Command Killed, State {}",
            first.id.map_or("?".to_owned(), |id| id.to_string()),
            first.state.as_deref().unwrap_or("")
        ),
    });
    finding.root_cause = text!(
        "A KILL reached a replication thread (the SQL thread or a worker): a DBA, a backup \
         tool's kill-long-queries or a query killer that does not spare the system user. The \
         applier stops with error 1317 or 1927 once the statement is interrupted; a large \
         transaction then rolls back and is applied again from its start.",
        "某个 KILL 作用到了复制线程（SQL 线程或 worker）：DBA、备份工具的 kill-long-queries \
         或未排除 system user 的查杀脚本。语句被中断后应用线程会以 1317 或 1927 停止；大事务会回滚，\
         之后从头重新应用。"
    );
    finding.fix = Plan {
        summary: text!(
            "find what killed it, keep it from killing replication threads, then start the applier",
            "查明是谁终止了它，避免其再终止复制线程，然后启动应用线程"
        ),
        steps: vec![Step::manual(
            Target::Dba,
            text!(
                "find the session or tool that sent the KILL (general log, the backup's log, the query killer's rules) and exclude the system user from it; once the SQL thread has stopped, START SLAVE SQL_THREAD",
                "查出发送 KILL 的会话或工具（general log、备份日志、查杀规则），将 system user 排除在外；SQL 线程停止后执行 START SLAVE SQL_THREAD"
            ),
            text!(
                "the applier is killed again the same way otherwise",
                "否则应用线程会再次以同样方式被终止"
            ),
        )],
        alternatives: Vec::new(),
        data_loss: None,
    };
    finding.references = META.references();
    Some(finding)
}

/// What the evidence says about a backup on the server.
#[derive(Debug, Default)]
struct BackupSigns {
    global_lock: bool,
    killed_threads: Vec<u64>,
    kill_type: Option<String>,
    cited: Vec<Cited>,
    /// First and last time the backup log shows, as the server's local clock reads them.
    window: Option<(jiff::civil::DateTime, jiff::civil::DateTime)>,
}

impl BackupSigns {
    fn read(server: &ServerEvidence) -> Self {
        let mut signs = Self::default();
        let cite = |line: &BackupLogLine| Cited {
            server: server.label.clone(),
            source: format!("backup log ({})", line.origin),
            quote: line.message.clone(),
        };
        let times = server
            .backup_log
            .iter()
            .filter_map(|l| l.time.as_ref().map(|t| t.local));
        signs.window = times.clone().min().zip(times.max());
        for line in &server.backup_log {
            match &line.event {
                BackupEvent::GlobalReadLock | BackupEvent::BackupLock { .. } => {
                    signs.global_lock = true;
                    signs.cited.push(cite(line));
                }
                BackupEvent::KilledQuery { thread_id, .. } => {
                    signs.killed_threads.push(*thread_id);
                    signs.cited.push(cite(line));
                }
                BackupEvent::Options { options } => {
                    if let Some(kind) = options.get("kill-long-query-type") {
                        signs.kill_type = Some(kind.clone());
                        signs.cited.push(cite(line));
                    }
                }
                _ => {}
            }
        }
        for sample in &server.samples {
            for process in &sample.processlist {
                let info = process.info.as_deref().unwrap_or("").to_ascii_uppercase();
                if info.contains("FLUSH TABLES WITH READ LOCK") || info.contains("FOR BACKUP") {
                    signs.global_lock = true;
                    signs.cited.push(Cited {
                        server: server.label.clone(),
                        source: format!("processlist ({})", process.origin),
                        quote: process.info.clone().unwrap_or_default(),
                    });
                }
            }
        }
        signs
    }

    /// Whether the backup ran when the applier was killed: a minute's slack each side, and
    /// true when either time is unknown (the backup's presence is then the evidence).
    fn covers(&self, error_time: Option<jiff::civil::DateTime>) -> bool {
        let (Some(time), Some((first, last))) = (error_time, self.window) else {
            return true;
        };
        let slack = jiff::SignedDuration::from_secs(60);
        let after_start = time.duration_since(first) >= -slack;
        let before_end = last.duration_since(time) >= -slack;
        after_start && before_end
    }

    fn ran(&self) -> bool {
        self.global_lock || !self.killed_threads.is_empty()
    }

    fn options_note(&self) -> String {
        match self.kill_type.as_deref() {
            Some(kind) => format!(" It ran with --kill-long-query-type={kind}."),
            None => String::new(),
        }
    }

    fn options_note_zh(&self) -> String {
        match self.kill_type.as_deref() {
            Some(kind) => format!("备份参数为 --kill-long-query-type={kind}。"),
            None => String::new(),
        }
    }
}
