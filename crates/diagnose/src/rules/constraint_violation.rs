use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped on a constraint the source did not enforce the same way: 1451/1452 foreign
/// key, 1048 NOT NULL, 1406 data too long, 1366 incorrect string value.
///
/// ## Why it happens
/// The replica's schema or settings differ: a foreign key only on the replica, a narrower column,
/// another character set, a stricter `sql_mode`; or the parent row is missing on the replica
/// because the data already diverged.
///
/// ## How to fix
/// Compare the table definitions and `sql_mode` on both servers and align them; if a parent row
/// is missing, restore it from the source; then restart the SQL thread.
///
/// ## References
/// - MySQL manual: Replication and differing table definitions:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-features-differing-tables.html>
#[derive(Debug)]
pub struct ConstraintViolation;

static META: RuleMeta = RuleMeta {
    class: Class::ConstraintViolation,
    errors: &[ErrorClaim::applier(&[1451, 1452, 1048, 1406, 1366])],
    references: &[(
        "MySQL manual: Replication and differing table definitions",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-features-differing-tables.html",
    )],
};

impl Rule for ConstraintViolation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "A constraint fails on the replica only: {table}",
                "约束仅在从库上失败：{table}",
            ),
            cause: Text::new(
                "The replica enforces something the source did not: a foreign key, NOT NULL, a narrower column, another character set or a stricter sql_mode; or a parent row is missing because the data already diverged.",
                "从库执行了主库没有的约束：外键、NOT NULL、更窄的列、不同字符集或更严格的 sql_mode；或者由于数据已分叉，父表行在从库缺失。",
            ),
            repair: Text::new(
                "align the table definitions and sql_mode on both servers, or restore the missing parent row from the source",
                "使两端的表定义与 sql_mode 一致，或从主库补回缺失的父表行",
            ),
            repair_why: Text::new(
                "the row cannot apply while the constraint fails",
                "约束失败时该行无法应用",
            ),
        }
        .check_applier(context, output);
    }
}
