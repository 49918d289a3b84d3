use crate::engine::meta::RuleMeta;
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// A receiver (IO thread) error that no more specific rule claims.
///
/// ## Why it happens
/// The message says what failed; the finding carries it and the coordinates it names.
///
/// ## How to fix
/// Read the message, repair what it names, then `START SLAVE IO_THREAD`.
///
/// ## References
/// - MySQL manual: Troubleshooting replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html>
#[derive(Debug)]
pub struct ReceiverErrorOther;

static META: RuleMeta = RuleMeta {
    class: Class::ReceiverErrorOther,
    errors: &[],
    references: &[(
        "MySQL manual: Troubleshooting replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html",
    )],
};

impl Rule for ReceiverErrorOther {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The receiver stopped on an error: see the message",
                "接收线程因错误停止：见错误信息",
            ),
            cause: Text::new(
                "The IO thread stopped on an error that no specific rule explains; the message is in the evidence.",
                "IO 线程因错误停止，没有更具体的规则能解释；错误信息见证据部分。",
            ),
            repair: Text::new(
                "read the message and repair what it names",
                "阅读错误信息并修复其中指出的问题",
            ),
            repair_why: Text::new(
                "the receiver fails again until the cause is repaired",
                "原因修复前接收线程会再次失败",
            ),
        }
        .check_receiver(context, output);
    }
}
