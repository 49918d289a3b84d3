use evidence::model::RowComparison;

use crate::engine::applier::{self, ApplierFailure};
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::plan::{Alternative, Check, Choice, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with error 1032 ("Can't find record", `HA_ERR_KEY_NOT_FOUND`), or
/// MariaDB's 1020 ("Record has changed since last read"): an incoming update or delete finds no
/// matching row on the replica.
///
/// ## Why it happens
/// The replica's copy of the row differs from the source's before-image: the row was deleted or
/// changed on the replica directly, an earlier transaction was skipped, or the replica was built
/// from an inconsistent copy. With `binlog_row_image=FULL` every column must match, so a change
/// of any column on the replica is enough.
///
/// ## How to fix
/// Decode the failing event to get the before-image, look the row up on the replica and on the
/// source. If the source no longer has the row either (a later delete), skipping is safe. If it
/// has it, re-create the replica's row from the source (without binlogging it) and restart the
/// applier, then check the table for other differences.
///
/// ## References
/// - MySQL manual: Troubleshooting Replication:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html>
#[derive(Debug)]
pub struct RowNotFound;

static META: RuleMeta = RuleMeta {
    class: Class::RowNotFound,
    errors: &[ErrorClaim::applier(&[1032, 1020])],
    references: &[(
        "MySQL manual: Troubleshooting Replication",
        "https://dev.mysql.com/doc/refman/8.0/en/replication-problems.html",
    )],
};

impl Rule for RowNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        for (view, failure) in context.applier_failures(META.class) {
            let table = failure
                .find(|m| m.table().map(|t| t.to_string()))
                .or_else(|| failure.find(|m| m.record_not_found_in.clone()))
                .unwrap_or_else(|| "a table".to_owned());
            let event = failure
                .find(|m| m.row_event.as_ref().map(|e| e.event_type.clone()))
                .unwrap_or_else(|| "row event".to_owned());
            let mut finding = applier::finding(
                view,
                failure,
                META.class,
                text!(
                    "Row not found on {table}: the replica lacks the row an incoming {event} changes",
                    "{table} 上找不到记录：从库缺少传入的 {event} 要修改的行"
                ),
            );
            finding.root_cause = text!(
                "The source changed a row that the replica does not have in the same form: it was \
                 deleted or modified on the replica directly, an earlier transaction was skipped, \
                 or the replica was built from an inconsistent copy. The replica has diverged.",
                "主库修改了一行，而从库上没有相同内容的这一行：可能被直接在从库删除或修改、之前跳过了事务，\
                 或从库由不一致的副本构建。从库数据已与主库分叉。"
            );
            if let Some(comparison) = super::row_facts::comparison_for(view, &table) {
                super::row_facts::set(&mut finding.facts, comparison);
            }
            finding.variant = Some(if failure.has_code(&[1020]) {
                "record_changed".to_owned()
            } else {
                "missing_row".to_owned()
            });
            let comparison = super::row_facts::comparison_for(view, &table);
            finding.fix = plan(context, view, failure, &table, &event, comparison);
            finding.references = META.references();
            output.push(finding);
        }
    }
}

/// A `Delete_rows` of a row already gone is skipped; an update gets its before-image inserted
/// when the event's image and the lookups make it exact; otherwise the DBA looks.
fn plan(
    context: &Context<'_>,
    view: &ChannelView<'_>,
    failure: &ApplierFailure<'_>,
    table: &str,
    event: &str,
    comparison: Option<&RowComparison>,
) -> Plan {
    let dialect = Dialect::of(view.server, context.flavor(view.server));
    let still_here = plans::still_at(&dialect, view);
    let skip = plans::skip_transaction(
        &dialect,
        view,
        failure.transaction().as_ref(),
        failure.code(),
    )
    .map(|steps| {
        steps
            .into_iter()
            .map(|step| step.with_preconditions(still_here.iter().cloned()))
            .collect::<Vec<_>>()
    });
    let lookup = comparison.and_then(|c| row_lookup(table, c));
    let row_absent = |lookup: &RowLookup| {
        Check::sql(
            text!(
                "the replica still has no row with this key",
                "从库上仍没有该键的行"
            ),
            lookup.count.clone(),
            Expect::Value("0".to_owned()),
        )
    };
    let other_changes = text!(
        "any other change of the skipped transaction: check the decoded transaction first",
        "被跳过事务中的其他变更：请先查看解析出的事务内容"
    );
    let single_rows_event = plans::rows_changed(view) == Some(1);
    let replica_lacks_row = comparison.is_some_and(|c| c.local_checked && c.local.is_none());
    if event.to_ascii_lowercase().starts_with("delete_rows")
        && replica_lacks_row
        && let (Ok(skip), Some(lookup)) = (&skip, &lookup)
    {
        // The source deletes a row the replica no longer has: skipping ends in the same state
        // for that row, where inserting it first only to delete it again would not add anything.
        let mut steps: Vec<Step> = plans::read_failing_event_of(failure).into_iter().collect();
        steps.extend(
            skip.iter()
                .cloned()
                .map(|step| step.with_precondition(row_absent(lookup))),
        );
        return Plan {
            summary: text!(
                "the row the source deletes is already gone on the replica: skip the transaction",
                "主库要删除的行在从库上已不存在：跳过该事务"
            ),
            steps,
            alternatives: Vec::new(),
            data_loss: (!single_rows_event).then_some(other_changes),
        };
    }
    let mut steps: Vec<Step> = plans::read_failing_event_of(failure).into_iter().collect();
    let insert = lookup
        .as_ref()
        .filter(|_| replica_lacks_row)
        .and_then(|lookup| lookup.insert.as_ref().map(|insert| (lookup, insert)));
    match insert {
        Some((lookup, insert)) => {
            steps.push(
                Step::sql(
                    Target::Replica,
                    &[
                        "SET SESSION sql_log_bin = 0",
                        insert,
                        "SET SESSION sql_log_bin = 1",
                    ],
                    text!(
                        "give the replica the row as the event expects it (its before-image), \
                         without a GTID or binlog event of the replica's own",
                        "不写 binlog 地在从库补上事件所需的行（其前镜像）"
                    ),
                    RiskLevel::Medium,
                )
                .with_precondition(plans::stopped_on(&dialect, failure.code()))
                .with_preconditions(still_here.iter().cloned())
                .with_preconditions(plans::changes_only_itself(table, false))
                .with_precondition(row_absent(lookup))
                .with_verify(Check::sql(
                    text!("the replica has the row now", "从库上现在有该行"),
                    lookup.count.clone(),
                    Expect::Value("1".to_owned()),
                )),
            );
            steps.push(plans::resume_applier(
                &dialect,
                view,
                failure.code(),
                text!("apply the event again", "重新应用该事件"),
            ));
        }
        None => {
            steps.push(Step::manual(
                Target::Dba,
                text!(
                    "look the row up by its key (from the event's before-image) on the replica and \
                     on the source, then insert on the replica, with sql_log_bin = 0, the row as the \
                     event's before-image has it",
                    "按事件前镜像中的键，在从库和主库上分别查询该行，再在从库上以 sql_log_bin = 0 \
                     插入事件前镜像中的该行"
                ),
                text!(
                    "the event's full before-image was not read, so the row cannot be rebuilt \
                     exactly here",
                    "未读到事件完整的前镜像，无法在此准确重建该行"
                ),
            ));
            steps.push(plans::resume_applier(
                &dialect,
                view,
                failure.code(),
                text!("apply the event again", "重新应用该事件"),
            ));
        }
    }
    Plan {
        summary: text!(
            "restore the missing row as the event expects it, then restart the applier",
            "按事件所需补回缺失的行，再重启应用线程"
        ),
        steps,
        alternatives: skip
            .map(|steps| Alternative {
                choice: Some(Choice::PreferReplica),
                when: text!(
                    "the source no longer has the row either (it was deleted later), or the \
                     replica's state is the one to keep",
                    "主库上该行也已不存在（之后被删除），或应保留从库的状态"
                ),
                plan: Plan {
                    summary: text!("skip the transaction", "跳过该事务"),
                    steps,
                    alternatives: Vec::new(),
                    data_loss: Some(other_changes.clone()),
                },
            })
            .into_iter()
            .collect(),
        data_loss: None,
    }
}

/// Statements that find and rebuild the failing row by its key.
struct RowLookup {
    /// `SELECT COUNT(*)` of the rows with the key.
    count: String,
    /// The event's before-image as an `INSERT`, when the image is whole and every value can be
    /// written as a literal the server reads back exactly.
    insert: Option<String>,
}

fn row_lookup(table: &str, comparison: &RowComparison) -> Option<RowLookup> {
    // The comparison of another table of the transaction must not lend its key here.
    if comparison.table != table {
        return None;
    }
    let table_sql = dialect::qualified_table(table);
    let condition = plans::key_condition(comparison)?;
    // Only a full image rebuilds the row: the source's row, when read, says how many columns
    // the table has.
    let whole = comparison
        .source
        .as_ref()
        .is_some_and(|row| row.len() == comparison.incoming.len());
    let insert = whole
        .then(|| {
            let columns: Vec<String> = comparison
                .incoming
                .iter()
                .map(|c| dialect::identifier(&c.column))
                .collect();
            let values = comparison
                .incoming
                .iter()
                .map(|c| {
                    c.value
                        .as_deref()
                        .map_or(Some("NULL".to_owned()), plans::literal)
                })
                .collect::<Option<Vec<String>>>()?;
            Some(format!(
                "INSERT INTO {table_sql} ({}) VALUES ({})",
                columns.join(", "),
                values.join(", ")
            ))
        })
        .flatten();
    Some(RowLookup {
        count: format!("SELECT COUNT(*) FROM {table_sql} WHERE {condition}"),
        insert,
    })
}
