use crate::engine::meta::{Condition, ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped on 1049 / 1051 / 1146 while replication filters (`replicate_do_db`,
/// `replicate_ignore_db`, `replicate_wild_*`) are set: a statement passed the filters and refers
/// to objects the replica never received.
///
/// ## Why it happens
/// Database filters judge a statement by its default database (`USE db`), not by the tables it
/// names: a cross-database statement run from a replicated default database passes, and refers to
/// a filtered database. Table filters and ROW format avoid most of this.
///
/// ## How to fix
/// Create the missing object or skip the statement after checking it does not matter to the
/// replica; prefer `replicate_wild_do_table` / `replicate_wild_ignore_table` to the database
/// filters, and ROW binlog format.
///
/// ## References
/// - MySQL manual: How servers evaluate replication filtering rules:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-rules.html>
#[derive(Debug)]
pub struct FilterMismatch;

static META: RuleMeta = RuleMeta {
    class: Class::FilterMismatch,
    errors: &[ErrorClaim::applier(&[1049, 1051, 1146]).only_if(Condition::ReplicationFilters)],
    references: &[(
        "MySQL manual: How servers evaluate replication filtering rules",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-rules.html",
    )],
};

impl Rule for FilterMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "A statement passed the replication filters and refers to an object the replica never got",
                "语句通过了复制过滤规则，但引用了从库从未收到的对象",
            ),
            cause: Text::new(
                "Replication filters are set. Database filters judge a statement by its default database, not by the tables it names, so a statement run from a replicated database can refer to a filtered one that does not exist on the replica.",
                "设置了复制过滤规则。库级过滤按语句的默认数据库判断，而不是按语句涉及的表，因此在被复制的库中执行的语句可能引用从库上并不存在的被过滤的库。",
            ),
            repair: Text::new(
                "decide whether the replica needs this statement: create the missing object, or skip the transaction; prefer wild table filters and ROW format",
                "判断从库是否需要该语句：创建缺失的对象，或跳过该事务；优先使用通配表过滤与 ROW 格式",
            ),
            repair_why: Text::new(
                "the statement fails until the object exists or the transaction is skipped",
                "对象存在或事务被跳过之前该语句会一直失败",
            ),
        }
        .check_applier(context, output);
    }
}
