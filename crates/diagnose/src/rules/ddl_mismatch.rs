use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::simple::ErrorRule;
use crate::engine::{Context, Output, Rule};
use crate::{Class, Text};

/// ## What it detects
/// The applier stopped on a schema error: 1049 unknown database, 1050 table exists, 1051 unknown
/// table, 1054 unknown column, 1060 duplicate column, 1061 duplicate key name, 1091 can't drop,
/// 1146 table doesn't exist.
///
/// ## Why it happens
/// The replica's schema differs from the source's: an object was created, dropped or altered on
/// one side only (with `sql_log_bin=0`, on a writable replica, by a tool run on one server), or
/// the replica was built from a copy taken at another moment.
///
/// ## How to fix
/// Make the replica's object match the source's as it was just before the failing statement
/// (`SHOW CREATE TABLE` on both), then restart the SQL thread. Skip the statement only when the
/// replica already has its effect.
///
/// ## References
/// - MySQL manual: Replication and DDL:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-features.html>
#[derive(Debug)]
pub struct DdlMismatch;

static META: RuleMeta = RuleMeta {
    class: Class::DdlMismatch,
    errors: &[ErrorClaim::applier(&[
        1007, 1008, 1049, 1050, 1051, 1054, 1060, 1061, 1091, 1146,
    ])],
    references: &[(
        "MySQL manual: Replication and DDL",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-features.html",
    )],
};

impl Rule for DdlMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        ErrorRule {
            meta: &META,
            title: Text::new(
                "Schema differs on the replica: {table}",
                "从库表结构与主库不一致：{table}",
            ),
            cause: Text::new(
                "The replica's schema differs from the source's: an object was created, dropped or altered on one side only (sql_log_bin=0, a writable replica, a tool run on one server), or the replica was built from a copy taken at another moment.",
                "从库的表结构与主库不同：某个对象只在一端被创建、删除或修改（sql_log_bin=0、可写从库、只在一台服务器上运行的工具），或从库由不同时间点的副本构建。",
            ),
            repair: Text::new(
                "make the replica's object match the source's as it was just before the failing statement (compare SHOW CREATE TABLE on both)",
                "让从库的对象与主库在失败语句之前的状态一致（比较两端的 SHOW CREATE TABLE）",
            ),
            repair_why: Text::new(
                "the statement fails until the schemas agree",
                "结构一致之前该语句会一直失败",
            ),
        }
        .check_applier(context, output);
    }
}
