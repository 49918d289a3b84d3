use crate::engine::meta::RuleMeta;
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// An applier error that no more specific rule claims.
///
/// ## Why it happens
/// The error number and message say what the statement hit; the finding carries them with the
/// failing transaction's coordinates so that the event can be decoded and the cause found.
///
/// ## How to fix
/// Decode the failing transaction (`repldoctor binlog show FILE --end-log-pos P`), repair what
/// the message names, and restart the SQL thread.
///
/// ## References
/// - MySQL manual: Server error message reference:
///   <https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html>
#[derive(Debug)]
pub struct ApplierErrorOther;

static META: RuleMeta = RuleMeta {
    class: Class::ApplierErrorOther,
    errors: &[],
    references: &[(
        "MySQL manual: Server error message reference",
        "https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html",
    )],
};

impl Rule for ApplierErrorOther {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "The applier stopped on an error: see the message",
                "应用线程因错误停止：见错误信息",
            ),
            cause: Text::new(
                "The applier stopped on an error that no specific rule explains; the message and the failing transaction's coordinates are in the facts.",
                "应用线程因错误停止，没有更具体的规则能解释；错误信息与失败事务的坐标见事实部分。",
            ),
            repair: Text::new(
                "read the message and the decoded transaction, and repair what it names",
                "阅读错误信息与解析出的事务，修复其中指出的问题",
            ),
            repair_why: Text::new(
                "the transaction fails again until the cause is repaired",
                "原因修复前事务会再次失败",
            ),
        }
        .check_applier(context, output);
    }
}
