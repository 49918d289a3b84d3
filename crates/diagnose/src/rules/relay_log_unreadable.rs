use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped because it cannot read its relay log: 1594 "Relay log read failure", 1595,
/// 13121 (corrupt or truncated relay log event).
///
/// ## Why it happens
/// The relay log was damaged: a crash of the replica host with `sync_relay_log` relaxed, a full
/// disk, a network corruption not caught by checksums, or a relay log deleted by hand.
///
/// ## How to fix
/// Throw the relay logs away and fetch the events again from the source: with GTID auto-
/// positioning `STOP SLAVE; RESET SLAVE; START SLAVE` (keeps the connection settings), or
/// `relay_log_recovery=ON` and a restart; without GTIDs, `CHANGE MASTER TO` the
/// `Relay_Master_Log_File`/`Exec_Master_Log_Pos` the applier reached. Check the source's binlog
/// with `repldoctor binlog check` if the error names the source.
///
/// ## References
/// - MySQL manual: relay_log_recovery:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_relay_log_recovery>
#[derive(Debug)]
pub struct RelayLogUnreadable;

static META: RuleMeta = RuleMeta {
    class: Class::RelayLogUnreadable,
    errors: &[ErrorClaim::applier(&[1594, 1595, 13121])],
    references: &[(
        "MySQL manual: relay_log_recovery",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_relay_log_recovery",
    )],
};

impl Rule for RelayLogUnreadable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The replica cannot read its relay log",
                "从库无法读取其 relay log",
            ),
            cause: Text::new(
                "The relay log is damaged or truncated: a host crash with relaxed sync_relay_log, a full disk, or a file removed by hand. The events can be fetched again from the source.",
                "relay log 已损坏或被截断：主机崩溃且 sync_relay_log 设置宽松、磁盘写满，或文件被手工删除。可以从主库重新获取这些事件。",
            ),
            repair: Text::new(
                "discard the relay logs and fetch the events again from the applier's position (GTID auto-positioning: RESET SLAVE then START SLAVE; otherwise CHANGE MASTER TO Relay_Master_Log_File / Exec_Master_Log_Pos)",
                "丢弃 relay log，从应用线程已到达的位置重新获取事件（GTID 自动定位：RESET SLAVE 后 START SLAVE；否则 CHANGE MASTER TO Relay_Master_Log_File / Exec_Master_Log_Pos）",
            ),
            repair_why: Text::new(
                "the damaged file cannot be repaired; the source still has the events",
                "损坏的文件无法修复，而主库仍有这些事件",
            ),
        }
        .check_applier(context, output);
    }
}
