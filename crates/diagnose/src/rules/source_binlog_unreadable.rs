use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The receiver stopped with 1236 because the source cannot send the event stream from that
/// point: "binlog truncated in the middle of event", "bogus data in log event", a checksum
/// failure, a position beyond the file size, or an event that exceeds `max_allowed_packet`.
///
/// ## Why it happens
/// The replica asks for a position that is not the start of an event (a wrong `CHANGE MASTER TO`,
/// a source that crashed and truncated its binlog), the source's binlog is damaged, or one event
/// is larger than the source's or the replica's `max_allowed_packet`/`slave_max_allowed_packet`.
///
/// ## How to fix
/// Check the source's binlog from that position (`repldoctor binlog check FILE`); reposition to a
/// real event start; raise `max_allowed_packet` on the source and `slave_max_allowed_packet` on
/// the replica (1 GB) for large events.
///
/// ## References
/// - MySQL manual: replica_max_allowed_packet: <https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_max_allowed_packet>
#[derive(Debug)]
pub struct SourceBinlogUnreadable;

impl Rule for SourceBinlogUnreadable {
    fn class(&self) -> Class {
        Class::SourceBinlogUnreadable
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            class: Class::SourceBinlogUnreadable,
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
            references: &[("MySQL manual: replica_max_allowed_packet", "https://dev.mysql.com/doc/refman/8.0/en/replication-options-replica.html#sysvar_replica_max_allowed_packet")],
        }
        .check_receiver(context, output);
    }
}
