use crate::engine::meta::RuleMeta;
use crate::engine::receiver::ReceiverFailure;
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The receiver stopped with 1236 because the source cannot send the event stream from that
/// point: "binlog truncated in the middle of event", "bogus data in log event", a checksum
/// failure, a position beyond the file size, or an event that exceeds `max_allowed_packet`. When
/// the source's binlog list is given and its copy of the file is shorter than what the receiver
/// read, it names the size and the next binlog to restart from.
///
/// ## Why it happens
/// The replica asks for a position that is not the start of an event (a wrong `CHANGE MASTER TO`,
/// a source that crashed and truncated its binlog), the source's binlog is damaged, or one event
/// is larger than the source's or the replica's `max_allowed_packet`/`slave_max_allowed_packet`.
///
/// ## How to fix
/// Check the source's binlog from that position (`repldoctor binlog check FILE`); reposition to a
/// real event start (after a crash that cut the binlog: the next binlog at position 4); raise `max_allowed_packet` on the source and `slave_max_allowed_packet` on
/// the replica (1 GB) for large events.
///
/// ## References
/// - MySQL manual: replica_max_allowed_packet:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_max_allowed_packet>
#[derive(Debug)]
pub struct SourceBinlogUnreadable;

static META: RuleMeta = RuleMeta {
    class: Class::SourceBinlogUnreadable,
    errors: &[],
    references: &[(
        "MySQL manual: replica_max_allowed_packet",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_max_allowed_packet",
    )],
};

impl Rule for SourceBinlogUnreadable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        let first_new = output.findings.len();
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The source cannot send its binlog from the replica's position",
                "主库无法从从库所在位置发送 binlog",
            ),
            cause: Text::new(
                "The source cannot read or send the event stream at the requested position: the position is not the start of an event, the binlog is damaged, or an event exceeds max_allowed_packet.",
                "主库无法在请求的位置读取或发送事件流：该位置不是事件的起点、binlog 已损坏，或事件超过 max_allowed_packet。",
            ),
            repair: Text::new(
                "check the source's binlog from that position (repldoctor binlog check FILE), reposition to an event start, or raise max_allowed_packet / slave_max_allowed_packet for a large event",
                "从该位置检查主库的 binlog（repldoctor binlog check FILE），重新定位到事件起点，或为大事件调高 max_allowed_packet / slave_max_allowed_packet",
            ),
            repair_why: Text::new(
                "the receiver fails again at the same point until then",
                "在此之前接收线程会在同一位置再次失败",
            ),
        }
        .check_receiver(context, output);
        // One finding per failure, in the same order.
        let failures = context.receiver_failures(META.class);
        for (finding, failure) in output.findings[first_new..].iter_mut().zip(failures) {
            let Some(short) = ShortBinlog::of(context, failure) else {
                continue;
            };
            finding.facts.set("source_file_size", short.size);
            if let Some(next) = &short.next_file {
                finding.facts.set("next_source_binlog", next.clone());
            }
            finding.root_cause = Text::new(
                format!(
                    "The source's {file} ends at {size}, before the position {read} the replica already read: the source lost the end of that binlog in a crash (sync_binlog != 1) after sending it, and went on in {next} when it restarted.",
                    file = short.file,
                    size = short.size,
                    read = short.read_position,
                    next = short.next_file.as_deref().unwrap_or("a new binlog")
                ),
                format!(
                    "主库的 {file} 在 {size} 处结束，早于从库已读取到的位置 {read}：主库在发送后因崩溃丢失了该 binlog 的尾部（sync_binlog != 1），重启后改写 {next}。",
                    file = short.file,
                    size = short.size,
                    read = short.read_position,
                    next = short.next_file.as_deref().unwrap_or("新的 binlog")
                ),
            );
        }
    }
}

/// The source's binlog the receiver reads, shorter than the position the receiver reached,
/// from the source's binlog list (`SHOW BINARY LOGS`, `ls -l`).
struct ShortBinlog {
    file: String,
    size: u64,
    read_position: u64,
    /// The next binlog the source wrote, where the receiver can start again.
    next_file: Option<String>,
}

impl ShortBinlog {
    fn of(context: &Context<'_>, failure: &ReceiverFailure<'_>) -> Option<Self> {
        let status = failure.status?;
        let file = status.source_log_file.clone()?;
        let read_position = status.read_source_log_pos?;
        let source = context.source_of(failure.server)?;
        let size = source
            .binary_logs
            .iter()
            .find(|entry| entry.name == file)?
            .size
            .filter(|size| *size < read_position)?;
        let number = |name: &str| name.rsplit_once('.')?.1.parse::<u64>().ok();
        let next_file = source
            .binary_logs
            .iter()
            .filter(|entry| number(&entry.name) > number(&file))
            .min_by_key(|entry| number(&entry.name))
            .map(|entry| entry.name.clone());
        Some(Self {
            file,
            size,
            read_position,
            next_file,
        })
    }
}

#[cfg(test)]
mod tests {
    use evidence::text::parse_text;

    use crate::Class;

    #[test]
    fn a_binlog_shorter_than_the_read_position_was_cut_by_a_crash() {
        // Corpus 085: the replica's position and the source's `ls -l`.
        let text = "-- server: replica role: replica\nLast_IO_Error: Got fatal error 1236 from master when reading data from binary log: 'Client requested master to start replication from position > file size'\nMaster_Log_File: mysql-bin.001025\nRead_Master_Log_Pos: 159997610\n\n-- server: master role: source\n-rw-r-----  1 mysql mysql   152760218 Aug  3 00:31 mysql-bin.001025\n-rw-r-----  1 mysql mysql  1073787553 Aug  3 00:51 mysql-bin.001026\n";
        let report = crate::diagnose(&parse_text("t", text).evidence);
        let top = &report.findings[0];
        assert_eq!(top.class, Class::SourceBinlogUnreadable);
        assert_eq!(top.facts.other["source_file_size"], 152760218);
        assert_eq!(top.facts.other["next_source_binlog"], "mysql-bin.001026");
    }
}
