use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The replica cannot initialise its applier: 1872 / 1873 (cannot initialise relay log info or
/// the relay log), 13117, 13124, 1201 (could not initialise master info), and multi-threaded
/// recovery that cannot fill its gaps.
///
/// ## Why it happens
/// The applier's metadata (relay-log.info, `mysql.slave_relay_log_info`, master info) disagrees
/// with the relay logs on disk, typically after a crash with file-based repositories, a relay log
/// removed by hand, or a copy of the datadir without its relay logs.
///
/// ## How to fix
/// With GTIDs: `RESET SLAVE` (keeps the connection settings) and start again, the source resends
/// what is needed. Without GTIDs: note `Relay_Master_Log_File` and `Exec_Master_Log_Pos`, `RESET
/// SLAVE`, `CHANGE MASTER TO` that position. Use `relay_log_recovery=ON` and table repositories
/// to make this crash-safe.
///
/// ## References
/// - MySQL manual: Making replication resilient to unexpected halts: <https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-unexpected-replica-halt.html>
#[derive(Debug)]
pub struct ApplierMetadata;

impl Rule for ApplierMetadata {
    fn class(&self) -> Class {
        Class::ApplierMetadata
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            class: Class::ApplierMetadata,
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
            references: &[("MySQL manual: Making replication resilient to unexpected halts", "https://dev.mysql.com/doc/refman/8.0/en/replication-solutions-unexpected-replica-halt.html")],
        }
        .check_applier(context, output);
    }
}
