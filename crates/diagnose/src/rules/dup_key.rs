use evidence::model::RowComparison;

use crate::engine::applier::{self, ApplierFailure};
use crate::engine::meta::{ErrorClaim, RuleMeta};
use crate::engine::plans;
use crate::engine::sql::Dialect;
use crate::engine::{ChannelView, Context, Output, Rule};
use crate::plan::{Alternative, Check, Choice, Expect, Plan, RiskLevel, Step, Target};
use crate::{Class, text};

/// ## What it detects
/// The applier stopped with error 1062 (also 1022, 1586): an incoming insert or update writes a
/// key the replica already holds. With two servers replicating from each other and the same key
/// failing on both, it is a *dual-primary collision* (variant `dual_primary_collision`).
///
/// ## Why it happens
/// The row reached the replica without coming from this source: a write on the replica (a
/// writable replica, `sql_log_bin=0`), an earlier error skipped by hand, a replica restored
/// from a backup at the wrong position, or, with two primaries, the same key written on both at
/// nearly the same moment (hash keys, auto-increment without `auto_increment_offset`).
///
/// ## How to fix
/// Decode the failing event (the error names its `end_log_pos`), read the replica's row with
/// the same key, and compare. Identical rows: skip the transaction (on MySQL with GTIDs, commit
/// an empty transaction with its GTID; never `sql_slave_skip_counter`). Different rows: the data
/// has diverged; decide which version wins, make both servers equal, then skip, and check the
/// table afterwards (pt-table-checksum). Prevent it: one writable primary, `read_only` replicas,
/// `auto_increment_increment`/`auto_increment_offset` on dual primaries.
///
/// ## References
/// - MySQL manual: Skipping Transactions:
///   <https://dev.mysql.com/doc/refman/8.0/en/replication-administration-skip.html>
/// - MariaDB: SET GLOBAL sql_slave_skip_counter:
///   <https://mariadb.com/kb/en/set-global-sql_slave_skip_counter/>
#[derive(Debug)]
pub struct DupKey;

static META: RuleMeta = RuleMeta {
    class: Class::DupKey,
    errors: &[ErrorClaim::applier(&[1062, 1022, 1586])],
    references: &[
        (
            "MySQL manual: Skipping Transactions",
            "https://dev.mysql.com/doc/refman/8.0/en/replication-administration-skip.html",
        ),
        (
            "MariaDB: SET GLOBAL sql_slave_skip_counter",
            "https://mariadb.com/kb/en/set-global-sql_slave_skip_counter/",
        ),
    ],
};

impl Rule for DupKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, context: &Context<'_>, output: &mut Output) {
        let failures: Vec<_> = context.applier_failures(META.class).collect();
        for (view, failure) in &failures {
            let key = failure.find(|m| m.duplicate_entry.clone());
            let table = failure
                .find(|m| m.table().map(|t| t.to_string()))
                .unwrap_or_else(|| "the table".to_owned());
            // The other side of a dual-primary pair failing on the same key.
            let other_side = failures.iter().find(|(other, other_failure)| {
                !std::ptr::eq(other.server, view.server)
                    && other_failure
                        .find(|m| m.duplicate_entry.clone())
                        .map(|e| e.value)
                        == key.as_ref().map(|e| e.value.clone())
            });
            let dual = other_side.is_some() || context.is_dual_primary();
            let key_text = key.as_ref().map_or("?".to_owned(), |e| e.value.clone());
            let key_name = key
                .as_ref()
                .map_or("?".to_owned(), |e| e.key_name().to_owned());
            let title = if dual {
                text!(
                    "Duplicate key '{key_text}' on {table}: the same key was written on both primaries",
                    "{table} 上主键/唯一键 '{key_text}' 冲突：同一个键在两个主库上都被写入"
                )
            } else {
                text!(
                    "Duplicate key '{key_text}' on {table}: the replica already has the row the source inserts",
                    "{table} 上键 '{key_text}' 冲突：从库已存在主库要插入的行"
                )
            };
            let mut finding = applier::finding(view, failure, META.class, title);
            finding.root_cause = if dual {
                text!(
                    "The two servers replicate from each other and both accepted a write of key \
                     '{key_text}' ({key_name}) before either had received the other's. Each side's \
                     row event then collided with the row written locally, so both appliers stopped.",
                    "两台服务器互为主从，在收到对方的写入之前都接受了键 '{key_text}'（{key_name}）的写入；\
                     各自的行事件随后与本地写入的行冲突，两边的应用线程都停止了。"
                )
            } else {
                text!(
                    "A row with key '{key_text}' ({key_name}) exists on the replica but did not come \
                     from this source: it was written on the replica directly (writable replica, \
                     sql_log_bin=0), left by an earlier skipped error, or restored from a backup taken \
                     at another position.",
                    "从库上已有键 '{key_text}'（{key_name}）的行，但它并非来自该主库：可能是直接在从库写入\
                     （从库可写或 sql_log_bin=0）、之前跳过错误遗留，或从不一致位置的备份恢复。"
                )
            };
            if dual {
                finding.variant = Some("dual_primary_collision".to_owned());
                // With the table read on either server, only a key of its AUTO_INCREMENT
                // column is one the servers generated.
                let table_read = context
                    .evidence
                    .servers
                    .iter()
                    .flat_map(|s| &s.row_comparisons)
                    .find(|c| c.table == table);
                let generated = table_read.is_none_or(|c| {
                    c.auto_increment_column
                        .as_ref()
                        .is_some_and(|column| c.key_columns.contains(column))
                });
                if let Some(increments) =
                    auto_increment_clash(context, &key_text).filter(|_| generated)
                {
                    finding.variant = Some("auto_increment_collision".to_owned());
                    finding.facts.set("auto_increment", increments);
                    finding.root_cause = text!(
                        "The two primaries hand out auto-increment values from the same sequence \
                         (auto_increment_increment and auto_increment_offset do not separate them), \
                         so an insert on each side took the same value {key_text} before either saw \
                         the other's row.",
                        "两台主库从同一序列分配自增值（auto_increment_increment 与 auto_increment_offset 没有将它们错开），\
                         两边的插入在看到对方的行之前都取到了同一个值 {key_text}。"
                    );
                }
                if let Some((other, other_failure)) = other_side {
                    let other_facts = other_failure.facts(other);
                    finding.facts.set(
                        "other_side",
                        serde_json::json!({
                            "server": other_facts.server,
                            "gtid": other_facts.gtid,
                            "source_log_file": other_facts.source_log_file,
                            "end_log_pos": other_facts.end_log_pos,
                        }),
                    );
                }
            }
            let comparison = super::row_facts::comparison_for(view, &table);
            if let Some(comparison) = comparison {
                super::row_facts::set(&mut finding.facts, comparison);
            }
            finding.fix = plan(context, view, failure, dual, &table, comparison);
            finding.references = META.references();
            output.push(finding);
        }
    }
}

/// The pair's auto-increment settings when they let both primaries generate the key value:
/// a numeric key, and the same `auto_increment_increment`/`auto_increment_offset` on both
/// servers (1/1 by default), or an increment of 1 on one of them.
fn auto_increment_clash(context: &Context<'_>, key: &str) -> Option<serde_json::Value> {
    if key.parse::<u64>().is_err() {
        return None;
    }
    let settings: Vec<(Option<&str>, u64, u64)> = context
        .evidence
        .servers
        .iter()
        .filter_map(|server| {
            let variables = &server.variables;
            let increment = variables.get("auto_increment_increment")?.parse().ok()?;
            let offset = variables.get("auto_increment_offset")?.parse().ok()?;
            Some((server.label.as_deref(), increment, offset))
        })
        .collect();
    let [
        (first, increment_a, offset_a),
        (second, increment_b, offset_b),
    ] = settings.as_slice()
    else {
        return None;
    };
    let clash = (increment_a, offset_a) == (increment_b, offset_b)
        || *increment_a == 1
        || *increment_b == 1;
    clash.then(|| {
        serde_json::json!([
            {"server": first, "auto_increment_increment": increment_a, "auto_increment_offset": offset_a},
            {"server": second, "auto_increment_increment": increment_b, "auto_increment_offset": offset_b},
        ])
    })
}

fn plan(
    context: &Context<'_>,
    view: &ChannelView<'_>,
    failure: &ApplierFailure<'_>,
    dual: bool,
    table: &str,
    comparison: Option<&RowComparison>,
) -> Plan {
    let dialect = Dialect::of(view.server, context.flavor(view.server));
    // Every step that resumes the applier first proves it still stands on this failure.
    let still_here: Vec<_> = std::iter::once(plans::stopped_on(&dialect, failure.code()))
        .chain(plans::still_at(&dialect, view))
        .collect();
    let mut steps = Vec::new();
    steps.extend(plans::read_failing_event_of(failure));
    let key = failure
        .find(|m| m.duplicate_entry.clone())
        .map_or("?".to_owned(), |e| e.value);
    let differing = comparison.and_then(|c| c.local.as_deref().map(|l| c.differing_columns(l)));
    if differing.is_none() {
        steps.push(Step::manual(
            Target::Replica,
            text!(
                "read the replica's row: SELECT * FROM {table} WHERE <columns of the key> = '{key}'; \
                 and compare it with the incoming row",
                "读取从库上的行：SELECT * FROM {table} WHERE <键的列> = '{key}'，并与传入的行比较"
            ),
            text!(
                "identical rows mean nothing was lost; different rows mean the servers diverged",
                "两行相同说明没有数据丢失；不同则说明两端数据已分叉"
            ),
        ));
    }
    let transaction = failure.transaction();
    let skip = match plans::skip_transaction(&dialect, view, transaction.as_ref(), failure.code()) {
        Ok(skip) => skip
            .into_iter()
            .map(|step| step.with_preconditions(still_here.iter().skip(1).cloned()))
            .collect(),
        Err(reason) => vec![Step::manual(
            Target::Dba,
            reason,
            text!(
                "skipping blind could skip the wrong transaction",
                "盲目跳过可能跳错事务"
            ),
        )],
    };
    if differing.as_ref().is_some_and(Vec::is_empty) {
        steps.extend(skip);
        return identical_plan(view, steps);
    }
    let columns = differing.as_ref().map(|d| d.join(", "));
    let mut alternatives = Vec::new();
    {
        // Without the key column by column, the DBA writes the delete: no placeholder SQL.
        let prefer_source = prefer_source(&dialect, view, table, comparison, &still_here)
            .unwrap_or_else(|| {
                vec![Step::manual(
                    Target::Replica,
                    text!(
                        "save the replica's row with key '{key}' of {table}, delete it in a session \
                         with sql_log_bin = 0, then {start}",
                        "备份从库上 {table} 中键为 '{key}' 的行，在 sql_log_bin = 0 的会话中删除它，再执行 {start}",
                        start = dialect.start_sql_thread()
                    ),
                    text!(
                        "make room for the source's row without a transaction of the replica's own",
                        "为主库的行腾出位置，且不产生从库自己的事务"
                    ),
                )]
            });
        alternatives.push(Alternative {
            when: text!(
                "the rows differ and the source's row is the right one",
                "两行不同且以主库的行为准"
            ),
            choice: Some(Choice::PreferSource),
            plan: Plan {
                summary: text!(
                    "remove the replica's row without binlogging it, then let the incoming row apply",
                    "不写 binlog 删除从库上的行，再让传入的行重新应用"
                ),
                steps: prefer_source,
                alternatives: Vec::new(),
                data_loss: Some(match &columns {
                    Some(columns) => text!(
                        "the replica's values of the differing columns ({columns})",
                        "从库上该行不同列（{columns}）的值"
                    ),
                    None => text!("the replica's version of the row", "从库上该行的版本"),
                }),
            },
        });
    }
    // Skipping drops the whole transaction, not just the colliding row.
    let skip_loss = match &columns {
        Some(columns) => text!(
            "the source's values of the differing columns ({columns}), and any other change \
             the skipped transaction makes",
            "主库上该行不同列（{columns}）的值，以及被跳过事务中的其他变更"
        ),
        None => text!(
            "any other change the skipped transaction makes: check the decoded transaction first",
            "被跳过事务中的其他变更：请先查看解析出的事务内容"
        ),
    };
    let mut follow_up = Vec::new();
    if dual {
        follow_up.push(Step::manual(
            Target::Dba,
            text!(
                "do the same on the other primary, which stopped on the same key; then send writes \
                 to one primary only (or partition them by key) and, for auto-increment keys, set \
                 auto_increment_increment and auto_increment_offset on both",
                "在另一台同样因该键停止的主库上做相同处理；之后只向一台主库写入（或按键分区写入），\
                 自增主键需在两端设置 auto_increment_increment 与 auto_increment_offset"
            ),
            text!(
                "both sides stopped on the same collision",
                "两边都因同一冲突停止"
            ),
        ));
    }
    follow_up.push(Step::manual(
        Target::Dba,
        text!(
            "check the table on both servers afterwards (repldoctor verify, pt-table-checksum or \
             CHECKSUM TABLE)",
            "之后在两台服务器上校验该表（repldoctor verify、pt-table-checksum 或 CHECKSUM TABLE）"
        ),
        text!(
            "one collision often means others went unnoticed",
            "一次冲突往往意味着还有未发现的不一致"
        ),
    ));
    if let Some(columns) = columns {
        // The rows are known to differ: which one is right is the business's call, and no
        // step runs before it is made.
        steps.push(Step::manual(
            Target::Dba,
            text!(
                "the rows differ in {columns}: decide which one is right. The source's: \
                 `repldoctor fix --prefer source` (the replica's row is replaced). The replica's: \
                 `repldoctor fix --prefer replica` (the source's transaction is skipped)",
                "两行在 {columns} 上不同：请决定以哪一行为准。以主库为准：`repldoctor fix --prefer source`\
                （替换从库的行）；以从库为准：`repldoctor fix --prefer replica`（跳过主库的事务）"
            ),
            text!(
                "the servers have diverged on this row; either choice gives up one version of it",
                "两端在该行上已分叉；无论哪种选择都会舍弃其中一个版本"
            ),
        ));
        steps.extend(follow_up);
        alternatives.push(Alternative {
            when: text!(
                "the rows differ and the replica's row is the right one",
                "两行不同且以从库的行为准"
            ),
            choice: Some(Choice::PreferReplica),
            plan: Plan {
                summary: text!(
                    "keep the replica's row and skip the source's transaction",
                    "保留从库的行，跳过主库的事务"
                ),
                steps: skip,
                alternatives: Vec::new(),
                data_loss: Some(skip_loss),
            },
        });
        return Plan {
            summary: text!(
                "the replica's row differs from the incoming one: choose which row is right",
                "从库的行与传入的行不同：请选择以哪一行为准"
            ),
            steps,
            alternatives,
            data_loss: None,
        };
    }
    steps.extend(skip);
    steps.extend(follow_up);
    Plan {
        summary: text!(
            "compare the incoming row with the replica's; if identical, skip the transaction",
            "比较传入的行与从库的行；若相同则跳过该事务"
        ),
        steps,
        alternatives,
        data_loss: Some(skip_loss),
    }
}

/// Deletes the replica's row by its key with binary logging off, then restarts the applier so
/// the source's own row applies: `None` when the key is not known column by column.
fn prefer_source(
    dialect: &Dialect,
    view: &ChannelView<'_>,
    table: &str,
    comparison: Option<&RowComparison>,
    still_here: &[Check],
) -> Option<Vec<Step>> {
    // The comparison of another table of the transaction must not lend its key here.
    let comparison = comparison.filter(|c| c.table == table)?;
    let condition = plans::key_condition(comparison)?;
    let table_sql = dialect::qualified_table(table);
    let delete = format!("DELETE FROM {table_sql} WHERE {condition}");
    let count = format!("SELECT COUNT(*) FROM {table_sql} WHERE {condition}");
    // The row deleted is the row the diagnosis read, value for value, when every value can be
    // written back; a row changed since is not deleted unseen.
    let same_row = comparison.local.as_ref().and_then(|row| {
        row.iter()
            .map(|c| {
                let value = match c.value.as_deref() {
                    Some(value) => plans::literal(value)?,
                    None => "NULL".to_owned(),
                };
                Some(format!(
                    " AND {} <=> {value}",
                    dialect::identifier(&c.column)
                ))
            })
            .collect::<Option<String>>()
    });
    let row_there = match &same_row {
        Some(same) => Check::sql(
            text!(
                "the replica's row is still the one the diagnosis read, value for value",
                "从库上的该行仍与诊断时读到的完全相同"
            ),
            format!("{count}{same}"),
            Expect::Value("1".to_owned()),
        ),
        None => Check::sql(
            text!(
                "the replica still has exactly one row with this key",
                "从库上仍恰好有一行该键的记录"
            ),
            count.clone(),
            Expect::Value("1".to_owned()),
        ),
    };
    let row_gone = Check::sql(
        text!("the replica's row is gone", "从库上的该行已删除"),
        count,
        Expect::Value("0".to_owned()),
    );
    Some(vec![
        Step::sql(
            Target::Replica,
            &["SET SESSION sql_log_bin = 0", &delete, "SET SESSION sql_log_bin = 1"],
            text!(
                "make room for the source's row, without a GTID or binlog event of the replica's own",
                "为主库的行腾出位置，且不产生从库自己的 GTID 或 binlog 事件"
            ),
            RiskLevel::High,
        )
        .with_preconditions(still_here.iter().cloned())
        .with_preconditions(plans::changes_only_itself(table, true))
        .with_precondition(row_there)
        .with_verify(row_gone)
        .with_risk_note(text!(
            "the replica's version of the row is lost (the journal keeps it, in the finding's facts)",
            "从库上该行的版本会丢失（日志中的发现事实保留了其内容）"
        )),
        plans::resume_applier(
            dialect,
            view,
            None,
            text!("apply the source's row", "应用主库的行"),
        ),
    ])
}

/// The replica already holds the incoming row, value for value: skipping loses nothing of it.
/// Unless the decoded transaction shows this one row alone, its other changes could be lost.
fn identical_plan(view: &ChannelView<'_>, steps: Vec<Step>) -> Plan {
    let alone = plans::rows_changed(view) == Some(1);
    Plan {
        summary: if alone {
            text!(
                "the replica already holds the identical row: skip the transaction, nothing is lost",
                "从库已有完全相同的行：跳过该事务，不会丢失数据"
            )
        } else {
            text!(
                "the replica already holds the identical row: skip the transaction (check first that it changes nothing else)",
                "从库已有完全相同的行：跳过该事务（请先确认它没有其他变更）"
            )
        },
        steps,
        alternatives: Vec::new(),
        data_loss: (!alone).then(|| {
            text!(
                "the other row changes of the skipped transaction: check the decoded transaction first",
                "被跳过事务中的其他行变更：请先查看解析出的事务内容"
            )
        }),
    }
}
