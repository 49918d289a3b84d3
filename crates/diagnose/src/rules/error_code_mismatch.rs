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
        steps.extend(mysql_move_past(context, &dialect, view, failure));
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

/// MySQL's documented way past an event whose error codes differ (an empty transaction under
/// its GTID does not help: the applier still compares the codes): reposition to the next
/// transaction with auto-positioning off, start, fill the hole the skip leaves with an empty
/// transaction under the skipped GTID, and auto-position again. The next transaction's position
/// is read from the binlog events of the slice; without them the DBA reads it.
fn mysql_move_past(
    context: &Context<'_>,
    dialect: &Dialect,
    view: &crate::engine::ChannelView<'_>,
    failure: &applier::ApplierFailure<'_>,
) -> Vec<Step> {
    let coordinate = failure.source_log();
    // mysqlbinlog output of the source's binlog may come with either server's evidence.
    let events: Vec<&evidence::model::BinlogEvent> = view
        .server
        .binlog_events
        .iter()
        .chain(
            context
                .source_of(view.server)
                .into_iter()
                .flat_map(|s| &s.binlog_events),
        )
        .collect();
    let next = next_transaction(view, failure, &events);
    let Some((file, position, failing_gtid)) = next else {
        let at = coordinate.map_or_else(
            || "the failing event".to_owned(),
            |c| format!("{} after end_log_pos {}", c.file, c.position),
        );
        return vec![Step::manual(
            Target::Dba,
            text!(
                "read where the next transaction starts in the source's binlog ({at}: `repldoctor \
                 binlog show FILE --end-log-pos N` shows the failing transaction and where it \
                 ends), then: {stop}; {off} with that file and position; {start}; commit an \
                 empty transaction under the skipped GTID; {stop}; {on}; {start}",
                "在主库 binlog 中找到下一个事务的起始位置（{at}：`repldoctor binlog show FILE --end-log-pos N` \
                 显示失败的事务及其结束位置），然后：{stop}；{off}（加上该文件与位置）；{start}；\
                 以被跳过的 GTID 提交空事务；{stop}；{on}；{start}",
                stop = dialect.stop(),
                start = dialect.start(),
                off = dialect.change_source(&[("AUTO_POSITION", "0".to_owned())]),
                on = dialect.change_source(&[("AUTO_POSITION", "1".to_owned())])
            ),
            text!(
                "the next position must be read from the binlog, never guessed",
                "下一个位置必须从 binlog 中读取，不能猜测"
            ),
        )];
    };
    let reposition = dialect.change_source(&[
        ("AUTO_POSITION", "0".to_owned()),
        ("LOG_FILE", dialect::quote(&file)),
        ("LOG_POS", position.to_string()),
    ]);
    let mut steps = vec![
        Step::sql(
            Target::Replica,
            &[&dialect.stop(), &reposition, &dialect.start()],
            text!(
                "move past the event to the next transaction, at {file}:{position} (read from the binlog)",
                "越过该事件，移到下一个事务 {file}:{position}（从 binlog 中读出）"
            ),
            RiskLevel::Medium,
        )
        .with_precondition(plans::stopped_on(dialect, None))
        .with_preconditions(plans::still_at(dialect, view))
        .with_verify(plans::running(dialect))
        .with_risk_note(text!(
            "the replica keeps whatever the statement did there; the next step checks the table",
            "从库保留该语句在其上产生的效果；下一步会校验该表"
        )),
    ];
    let gtid = match failure.transaction() {
        Some(evidence::model::TransactionRef::Gtid(gtid)) => Some(gtid),
        _ => failing_gtid,
    };
    if let Some(gtid) = gtid {
        steps.push(
            Step::sql(
                Target::Replica,
                &[
                    &format!("SET GTID_NEXT = '{gtid}'"),
                    "BEGIN",
                    "COMMIT",
                    "SET GTID_NEXT = 'AUTOMATIC'",
                    &dialect.stop(),
                    &dialect.change_source(&[("AUTO_POSITION", "1".to_owned())]),
                    &dialect.start(),
                ],
                text!(
                    "close the hole the skip left in the executed set ({gtid}), then auto-position again",
                    "补上跳过留下的已执行集合空洞（{gtid}），再切回自动定位"
                ),
                RiskLevel::Medium,
            )
            .with_precondition(plans::gtid_not_executed(&gtid))
            .with_verify(plans::running(dialect)),
        );
    }
    steps
}

/// Where the transaction after the failing one starts in the source's binlog, from the binlog
/// events the evidence holds: the end of its `Xid` or `COMMIT`, or the start of the next GTID
/// event. The failing transaction is found by its event's `end_log_pos` (the error names it) or
/// by where the applier stands (`Exec_Master_Log_Pos`, its first event). `None` when the events
/// do not reach that far.
fn next_transaction(
    view: &crate::engine::ChannelView<'_>,
    failure: &applier::ApplierFailure<'_>,
    events: &[&evidence::model::BinlogEvent],
) -> Option<(String, u64, Option<String>)> {
    let (file, found_by_end, position) = match failure.source_log() {
        Some(c) => (c.file, true, c.position),
        None => (
            view.status.relay_source_log_file.clone()?,
            false,
            view.status.exec_source_log_pos?,
        ),
    };
    let mut events: Vec<&evidence::model::BinlogEvent> = events
        .iter()
        .copied()
        .filter(|e| e.log_file.as_deref().is_none_or(|f| f == file))
        .filter(|e| e.end_log_pos.is_some())
        .collect();
    events.dedup_by_key(|e| (e.start_position, e.end_log_pos));
    events.sort_by_key(|e| e.end_log_pos);
    let first = events.iter().position(|e| {
        if found_by_end {
            e.end_log_pos == Some(position)
        } else {
            e.start_position == Some(position)
        }
    })?;
    // The failing transaction's own GTID event: the first event, or the last one before it.
    let gtid = events[..=first]
        .iter()
        .rev()
        .find(|e| e.event_type.to_ascii_lowercase().starts_with("gtid"))
        .and_then(|e| e.gtid.clone());
    for event in &events[first + 1..] {
        let kind = event.event_type.to_ascii_lowercase();
        if kind.starts_with("gtid") || kind.starts_with("anonymous_gtid") {
            return event.start_position.map(|p| (file.clone(), p, gtid));
        }
        let statement = event
            .detail
            .trim()
            .trim_end_matches(';')
            .to_ascii_uppercase();
        let ends = kind.starts_with("xid")
            || (kind.starts_with("query") && (statement == "COMMIT" || statement == "ROLLBACK"));
        if ends {
            return event.end_log_pos.map(|p| (file.clone(), p, gtid));
        }
    }
    None
}
