use crate::engine::log_lines;
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Plan, Step, Target};
use crate::{Class, Text, text};

/// What the server writes when a volume is full.
const DISK_FULL: &[&str] = &[
    "Disk is full writing",
    "(Errcode: 28",
    "No space left on device",
];

/// ## What it detects
/// The replica stopped or waits because its disk is full: 1021 "Disk full", errno 28 (ENOSPC)
/// in a replication error, or the server's own "Disk is full writing '...' (Errcode: 28).
/// Waiting for someone to free space" in the error log, naming the file it could not write.
///
/// ## Why it happens
/// Relay logs accumulate when the applier lags or is stopped (`relay_log_space_limit` 0,
/// `relay_log_purge=OFF`), a large transaction fills tmpdir, or binlogs of a replica with
/// `log_slave_updates` are never purged.
///
/// ## How to fix
/// Free space on the volume (old binlogs with `PURGE BINARY LOGS`, files outside the server);
/// the server resumes by itself once there is room; set `relay_log_space_limit` and binlog
/// expiry.
///
/// ## References
/// - MySQL manual: How MySQL handles a full disk:
///   <https://dev.mysql.com/doc/refman/8.0/en/full-disk.html>
#[derive(Debug)]
pub struct ReplicaDiskFull;

static META: RuleMeta = RuleMeta {
    class: Class::ReplicaDiskFull,
    errors: &[
        ErrorClaim::applier(&[1021, 3, 28]),
        ErrorClaim::receiver(&[1021, 3, 28]),
    ],
    references: &[(
        "MySQL manual: How MySQL handles a full disk",
        "https://dev.mysql.com/doc/refman/8.0/en/full-disk.html",
    )],
};

impl Rule for ReplicaDiskFull {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new("The replica's disk is full", "从库磁盘已满"),
            cause: cause(),
            repair: repair(),
            repair_why: repair_why(),
        }
        .check_applier(context, output);
        // The server's own message, when no replication thread has failed (yet): it waits.
        if output.findings.iter().any(|f| f.class == META.class) {
            return;
        }
        for server in &context.evidence.servers {
            let lines = log_lines::matching_at(server, DISK_FULL, true);
            if lines.is_empty() {
                continue;
            }
            let mut finding = Finding::new(
                META.class,
                Severity::Critical,
                Confidence::High,
                text!(
                    "The server's disk is full: it waits for space to write its files",
                    "服务器磁盘已满：正在等待可用空间以写入文件"
                ),
            );
            finding.error_code = Some(28);
            finding.facts.server = server.label.clone();
            let files = log_lines::log_file_names(&lines);
            if let Some(relay_log) = files.iter().find(|f| f.contains("relay")) {
                finding.facts.relay_log_file = Some(relay_log.clone());
            }
            finding.facts.set("files", files);
            finding.evidence = lines.iter().map(|l| log_lines::cite(server, l)).collect();
            finding.root_cause = cause();
            finding.fix = Plan {
                summary: repair(),
                steps: vec![Step::manual(Target::ReplicaHost, repair(), repair_why())],
                alternatives: Vec::new(),
                data_loss: None,
            };
            finding.references = META.references();
            output.push(finding);
        }
    }
}

fn cause() -> Text {
    text!(
        "A volume of the replica filled up: relay logs piling up behind a stopped or lagging applier (relay_log_purge=OFF, no relay_log_space_limit), a large transaction in tmpdir, or binlogs never purged.",
        "从库的某个卷已写满：应用线程停止或延迟导致 relay log 堆积（relay_log_purge=OFF、未设置 relay_log_space_limit）、大事务写满 tmpdir，或 binlog 从未清理。"
    )
}

fn repair() -> Text {
    text!(
        "free space on the volume (PURGE BINARY LOGS for old binlogs, files outside the server); the server resumes by itself; then set relay_log_space_limit and binlog expiry",
        "释放该卷的空间（用 PURGE BINARY LOGS 清理旧 binlog，清理服务器之外的文件），服务器会自行恢复；然后设置 relay_log_space_limit 与 binlog 过期时间"
    )
}

fn repair_why() -> Text {
    text!(
        "the server waits or fails until there is space",
        "在有可用空间之前服务器会一直等待或失败"
    )
}
