use crate::engine::meta::RuleMeta;
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The receiver stopped with 1236 "Could not find first log file name in binary log index file":
/// the file the replica asks for is not in the source's binlog index.
///
/// ## Why it happens
/// The source purged or lost that binlog (expiry, `PURGE BINARY LOGS`, `RESET MASTER`, a failover
/// to a server with other file names), or the replica was pointed at a file name that never
/// existed there.
///
/// ## How to fix
/// If the replica had read everything of that file, point it at the next existing file with
/// `CHANGE MASTER TO`; with GTIDs switch to auto-positioning; otherwise the events are gone and
/// the replica must be rebuilt.
///
/// ## References
/// - MySQL manual: CHANGE MASTER TO:
///   <https://dev.mysql.com/doc/refman/8.0/en/change-master-to.html>
#[derive(Debug)]
pub struct SourceBinlogMissing;

static META: RuleMeta = RuleMeta {
    class: Class::SourceBinlogMissing,
    errors: &[],
    references: &[(
        "MySQL manual: CHANGE MASTER TO",
        "https://dev.mysql.com/doc/refman/8.0/en/change-master-to.html",
    )],
};

impl Rule for SourceBinlogMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The binlog file the replica asks for is gone from the source",
                "从库请求的 binlog 文件在主库上已不存在",
            ),
            cause: Text::new(
                "The source no longer has the binlog file the replica wants to read from: it was purged or expired, lost in a RESET MASTER or a failover to a server with other file names, or the replica was pointed at a wrong name.",
                "主库已没有从库要读取的 binlog 文件：被清除或过期、因 RESET MASTER 或切换到文件名不同的服务器而丢失，或者从库指向了错误的文件名。",
            ),
            repair: Text::new(
                "compare the replica's Master_Log_File/Read_Master_Log_Pos with SHOW BINARY LOGS on the source: reposition with CHANGE MASTER TO (or GTID auto-positioning) if nothing was missed, rebuild otherwise",
                "比较从库的 Master_Log_File/Read_Master_Log_Pos 与主库的 SHOW BINARY LOGS：若没有遗漏则用 CHANGE MASTER TO（或 GTID 自动定位）重新定位，否则重建",
            ),
            repair_why: Text::new(
                "the replica cannot read a file that no longer exists",
                "从库无法读取已不存在的文件",
            ),
        }
        .check_receiver(context, output);
    }
}
