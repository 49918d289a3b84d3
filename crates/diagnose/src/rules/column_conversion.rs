use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped with 1677 / 13146: a row event's column type cannot be converted to the
/// replica's column type.
///
/// ## Why it happens
/// The table was altered on one side only (a column widened on the source, or changed on the
/// replica), and `slave_type_conversions` does not allow the conversion.
///
/// ## How to fix
/// Align the column definitions, or allow the conversion with `slave_type_conversions`
/// (`ALL_NON_LOSSY`, `ALL_LOSSY` with care), then restart the SQL thread.
///
/// ## References
/// - MySQL manual: Replication with differing table definitions:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-features-differing-tables.html>
#[derive(Debug)]
pub struct ColumnConversion;

static META: RuleMeta = RuleMeta {
    class: Class::ColumnConversion,
    errors: &[ErrorClaim::applier(&[1677, 13146])],
    references: &[(
        "MySQL manual: Replication with differing table definitions",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-features-differing-tables.html",
    )],
};

impl Rule for ColumnConversion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "Column types differ between source and replica: {table}",
                "主从列类型不一致：{table}",
            ),
            cause: Text::new(
                "A row event carries a column whose type the replica's table cannot take: the table was altered on one side only, and slave_type_conversions does not allow the conversion.",
                "行事件中某列的类型无法转换为从库表的列类型：该表只在一端被修改，且 slave_type_conversions 不允许此转换。",
            ),
            repair: Text::new(
                "make the column definitions equal (SHOW CREATE TABLE on both), or allow the conversion with slave_type_conversions",
                "使两端列定义一致（比较 SHOW CREATE TABLE），或通过 slave_type_conversions 允许该转换",
            ),
            repair_why: Text::new(
                "the event cannot apply while the types differ",
                "类型不一致时该事件无法应用",
            ),
        }
        .check_applier(context, output);
    }
}
