use evidence::model::{DifferentErrors, Flavor};

use crate::engine::applier;
use crate::engine::meta::RuleMeta;
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{Context, Output, Rule};
use crate::finding::Cited;
use crate::plan::{Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with "Query caused different errors on master and slave": a statement
/// was logged on the source with an error code (it failed there, or failed half-way on a
/// non-transactional table) and behaved differently on the replica. `Last_SQL_Errno` may be 0.
///
/// ## Why it happens
/// The source logs some failed statements with their error code (DDL such as `CREATE VIEW` on
/// an existing view in MySQL, a multi-row insert that failed half-way on MyISAM). The replica
/// replays it expecting the same error; if its schema or data differ (the object was dropped
/// there with `sql_log_bin=0`), the statement succeeds or fails differently and the applier
/// stops to say so: the servers already differ.
///
/// ## How to fix
/// Decide which state is right and make the replica match it. Then skip the event. On MySQL
/// with GTIDs, committing an empty transaction under its GTID does *not* help: the applier still
/// compares the expected error code. Move the replica past the event with
/// `CHANGE MASTER TO MASTER_LOG_FILE=..., MASTER_LOG_POS=<next event>, MASTER_AUTO_POSITION=0`,
/// start it, commit an empty transaction for the skipped GTID to close the hole, and switch back
/// to `MASTER_AUTO_POSITION=1`. MariaDB: `sql_slave_skip_counter=1` skips the event group.
///
/// ## References
/// - MySQL manual: Replication and errors during replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-features-errors.html>
#[derive(Debug)]
pub struct ErrorCodeMismatch;

static META: RuleMeta = RuleMeta {
    class: Class::ErrorCodeMismatch,
    errors: &[],
    references: &[(
        "MySQL manual: Replication and errors during replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-features-errors.html",
    )],
};

impl Rule for ErrorCodeMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            let Some(different) = failure.find(|m| m.different_errors.clone()) else {
                continue;
            };
            let DifferentErrors {
                source_error_code,
                replica_error_code,
                ..
            } = &different;
            let replica_code = replica_error_code.unwrap_or(0);
            let mut finding = applier::finding(
                view,
                failure,
                META.class,
                text!(
                    "Different errors on source and replica: error {source_error_code} on the source, {replica_code} on the replica",
                    "主从执行结果不同：主库错误 {source_error_code}，从库错误 {replica_code}"
                ),
            );
            finding.error_code = Some(*source_error_code);
            finding.facts.set("source_error_code", *source_error_code);
            finding.facts.set("replica_error_code", replica_code);
            let statement = failure.find(|m| m.statement.clone());
            if let Some(statement) = &statement {
                if let Some(db) = &statement.default_database {
                    finding.facts.set("default_database", db.clone());
                }
                if let Some(query) = &statement.query {
                    finding.facts.set("statement", query.clone());
                }
            }
            // The statement's event in a pasted mysqlbinlog excerpt: it carries the same code.
            if let Some(event) = view
                .server
                .binlog_events
                .iter()
                .find(|e| e.error_code() == Some(*source_error_code))
            {
                finding.facts.end_log_pos = event.end_log_pos.or(finding.facts.end_log_pos);
                if let Some(id) = event.server_id {
                    finding.facts.set("source_server_id", id);
                }
                if let Some(thread) = event.thread_id() {
                    finding.facts.thread_ids.push(thread);
                }
                finding.evidence.push(Cited {
                    server: view.server_label(),
                    source: format!("mysqlbinlog ({})", event.origin),
                    quote: format!(
                        "end_log_pos {} {} {}",
                        event.end_log_pos.unwrap_or(0),
                        event.event_type,
                        event.detail
                    ),
                });
            }
            finding.root_cause = text!(
                "The statement failed on the source with error {source_error_code} and was logged \
                 with that error code; on the replica it ended with {replica_code}, so the replica's \
                 schema or data already differed from the source's (for example an object dropped \
                 or created there with sql_log_bin=0). The applier stopped rather than silently \
                 diverge further.",
                "该语句在主库上以错误 {source_error_code} 失败并带错误码写入 binlog；在从库上结果为 {replica_code}，\
                 说明从库的结构或数据已与主库不同（例如曾用 sql_log_bin=0 删除或创建过对象）。应用线程选择停止，\
                 而不是悄悄地继续分叉。"
            );
            finding.fix = plan(context, view, failure, *source_error_code);
            finding.references = META.references();
            output.push(finding);
        }
    }
}

fn plan(
    context: &Context<'_>,
    view: &crate::engine::ChannelView<'_>,
    failure: &applier::ApplierFailure<'_>,
    source_code: u32,
) -> Plan {
    let dialect = Dialect::of(view.server, context.flavor(view.server));
    let mut steps = vec![Step::manual(
        Target::Dba,
        text!(
            "make the replica's object match the source's (here: the state that made the source fail with {source_code})",
            "让从库的对象与主库一致（即导致主库报错 {source_code} 的那个状态）"
        ),
        text!(
            "otherwise the servers keep differing after the skip",
            "否则跳过之后两端依然不一致"
        ),
    )];
    if context.flavor(view.server) == Some(Flavor::Mariadb) {
        if let Ok(skip) = plans::skip_transaction(&dialect, view, None, None) {
            steps.extend(skip);
        }
    } else {
        let file = failure
            .source_log()
            .map(|c| c.file)
            .or_else(|| view.status.relay_source_log_file.clone())
            .unwrap_or_else(|| "<file>".to_owned());
        let change = format!(
            "CHANGE MASTER TO MASTER_AUTO_POSITION = 0, MASTER_LOG_FILE = '{file}', MASTER_LOG_POS = <position of the next event>"
        );
        steps.push(
            Step::sql(
                Target::Replica,
                &[&dialect.stop(), &change, &dialect.start()],
                text!(
                    "an empty transaction under the same GTID does not help: the applier still compares the error codes; move past the event by position instead",
                    "用同一 GTID 注入空事务无效：应用线程仍会比较错误码；应改为按位置越过该事件"
                ),
                RiskLevel::Medium,
            )
            .with_precondition(plans::stopped_on(&dialect, None)),
        );
        steps.push(Step::sql(
            Target::Replica,
            &[
                "SET GTID_NEXT = '<the skipped transaction's GTID>'",
                "BEGIN",
                "COMMIT",
                "SET GTID_NEXT = 'AUTOMATIC'",
                &dialect.stop(),
                "CHANGE MASTER TO MASTER_AUTO_POSITION = 1",
                &dialect.start(),
            ],
            text!(
                "close the hole the skip left in Executed_Gtid_Set, then go back to auto-positioning",
                "补上跳过留下的 Executed_Gtid_Set 空洞，再切回自动定位"
            ),
            RiskLevel::Medium,
        ));
    }
    Plan {
        summary: text!(
            "make the replica match the source, then move past the event",
            "让从库与主库一致，然后越过该事件"
        ),
        steps,
        alternatives: Vec::new(),
        data_loss: None,
    }
}
