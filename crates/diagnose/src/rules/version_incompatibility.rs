use crate::engine::meta::{Condition, ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped on something its version cannot apply: 1755 (cannot execute the current
/// event group in the parallel mode), 1064 (syntax the replica does not know), collation or event
/// types from a newer source. The receiver stopped because the two versions disagree on event
/// checksums (a replica before MySQL 5.6 refused by a source that writes them, or a source that
/// has no `binlog_checksum` at all).
///
/// ## Why it happens
/// The source runs a newer version or another flavor than the replica and writes events, syntax,
/// collations (utf8mb4_0900_ai_ci from MySQL 8 to a MariaDB or 5.7 replica) or dependency
/// information the replica cannot handle.
///
/// ## How to fix
/// Replicate from older to newer only; upgrade the replica first; on the source avoid the new
/// syntax or collation for replicated objects (e.g. set `collation_server`,
/// `default_collation_for_utf8mb4`); for checksums, `binlog_checksum=NONE` on the source until the
/// replica is upgraded.
///
/// ## References
/// - MySQL manual: Replication compatibility between versions:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-compatibility.html>
#[derive(Debug)]
pub struct VersionIncompatibility;

static META: RuleMeta = RuleMeta {
    class: Class::VersionIncompatibility,
    errors: &[
        // A relay log the replica's version cannot parse (mysqlbinlog names an event type it
        // does not know) is a version problem, not damage.
        ErrorClaim::applier(&[1594, 1595, 13121]).only_if(Condition::UnknownEventType),
        ErrorClaim::applier(&[1755, 1064, 22]),
    ],
    references: &[(
        "MySQL manual: Replication compatibility between versions",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-compatibility.html",
    )],
};

impl Rule for VersionIncompatibility {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        let rule = ErrorRule {
            meta: &META,
            title: Text::new(
                "The replica's version cannot apply what the source wrote",
                "从库版本无法应用主库写入的内容",
            ),
            cause: Text::new(
                "The source writes events, syntax or collations that the replica's version does not understand: replication must go from an older or equal version to a newer one.",
                "主库写入了从库版本无法理解的事件、语法或排序规则：复制必须从较旧或相同版本到较新版本。",
            ),
            repair: Text::new(
                "upgrade the replica to the source's version or newer, or stop using the new feature on replicated objects",
                "将从库升级到与主库相同或更高的版本，或在被复制的对象上停用该新特性",
            ),
            repair_why: Text::new(
                "the event cannot apply on this version",
                "该版本无法应用此事件",
            ),
        };
        rule.check_applier(context, output);
        rule.check_receiver(context, output);
    }
}
