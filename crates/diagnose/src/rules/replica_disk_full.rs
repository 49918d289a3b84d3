use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The replica stopped or waits because its disk is full: 1021 "Disk full", errno 28 (ENOSPC) in
/// a message, 3 (error writing file).
///
/// ## Why it happens
/// Relay logs accumulate when the applier lags or is stopped (`relay_log_space_limit` 0), a large
/// transaction fills tmpdir, or binlogs of a replica with `log_slave_updates` are never purged.
///
/// ## How to fix
/// Free space on the volume (old binlogs with `PURGE BINARY LOGS`, files outside the server),
/// then restart the stopped thread; set `relay_log_space_limit` and binlog expiry.
///
/// ## References
/// - MySQL manual: How MySQL handles a full disk: <https://dev.mysql.com/doc/refman/8.0/en/full-disk.html>
#[derive(Debug)]
pub struct ReplicaDiskFull;

impl Rule for ReplicaDiskFull {
    fn class(&self) -> Class {
        Class::ReplicaDiskFull
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            class: Class::ReplicaDiskFull,
            title: Text::new(
                "The replica's disk is full",
                "从库磁盘已满",
            ),
            cause: Text::new(
                "A volume of the replica filled up: relay logs piling up behind a stopped or lagging applier, a large transaction in tmpdir, or binlogs never purged.",
                "从库的某个卷已写满：应用线程停止或延迟导致 relay log 堆积、大事务写满 tmpdir，或 binlog 从未清理。",
            ),
            repair: Text::new(
                "free space on the volume (PURGE BINARY LOGS for old binlogs, files outside the server), then set relay_log_space_limit and binlog expiry",
                "释放该卷的空间（用 PURGE BINARY LOGS 清理旧 binlog，清理服务器之外的文件），并设置 relay_log_space_limit 与 binlog 过期时间",
            ),
            repair_why: Text::new(
                "the server waits or fails until there is space",
                "在有可用空间之前服务器会一直等待或失败",
            ),
            references: &[("MySQL manual: How MySQL handles a full disk", "https://dev.mysql.com/doc/refman/8.0/en/full-disk.html")],
        }
        .check_applier(context, output);
    }
}
