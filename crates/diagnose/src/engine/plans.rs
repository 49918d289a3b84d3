//! Plan steps several rules share: checks on the applier's state, skipping the failing
//! transaction the safe way for each flavor, reading the failing event.

use evidence::model::TransactionRef;

use super::ChannelView;
use super::sql::Dialect;
use crate::plan::{Alternative, Check, Choice, Expect, Plan, RiskLevel, Step, Target};
use crate::text;
use crate::text::Text;

/// The applier is stopped on this error number: the precondition of anything that resumes it.
pub fn stopped_on(dialect: &Dialect, errno: Option<u32>) -> Check {
    match errno {
        Some(errno) => Check::sql(
            text!(
                "the SQL thread is still stopped on error {errno}",
                "SQL 线程仍停在错误 {errno} 上"
            ),
            dialect.show_status(),
            Expect::Column {
                name: dialect.sql_errno_column().to_owned(),
                value: errno.to_string(),
            },
        ),
        None => Check::sql(
            text!("the SQL thread is still stopped", "SQL 线程仍处于停止状态"),
            dialect.show_status(),
            Expect::Column {
                name: dialect.sql_running_column().to_owned(),
                value: "No".to_owned(),
            },
        ),
    }
}

/// The applier has not moved since the evidence was read: the same file and position in the
/// source's binlog. With the error number of [`stopped_on`], it is the same failure, not a
/// later one on another row.
pub fn still_at(dialect: &Dialect, view: &ChannelView<'_>) -> Vec<Check> {
    let (file_column, position_column) = dialect.applier_position_columns();
    let status = view.status;
    let mut checks = Vec::new();
    if let Some(file) = &status.relay_source_log_file {
        checks.push(Check::sql(
            text!(
                "the applier is still in the source's binlog {file}",
                "应用线程仍停在主库 binlog {file} 中"
            ),
            dialect.show_status(),
            Expect::Column {
                name: file_column.to_owned(),
                value: file.clone(),
            },
        ));
    }
    if let Some(position) = status.exec_source_log_pos {
        checks.push(Check::sql(
            text!(
                "the applier still stands at position {position} (it has not moved on)",
                "应用线程仍停在位置 {position}（没有继续前进）"
            ),
            dialect.show_status(),
            Expect::Column {
                name: position_column.to_owned(),
                value: position.to_string(),
            },
        ));
    }
    checks
}

/// MySQL: the replica has not executed `gtid` (an empty transaction under it must be the
/// first and only one).
pub fn gtid_not_executed(gtid: &str) -> Check {
    Check::sql(
        text!(
            "GTID {gtid} is not executed on the replica yet",
            "从库尚未执行 GTID {gtid}"
        ),
        format!("SELECT GTID_SUBSET('{gtid}', @@GLOBAL.gtid_executed)"),
        Expect::Value("0".to_owned()),
    )
}

/// `key = literal AND ...` for the row a comparison looked up, when every key column has a
/// value that can be written back exactly.
pub fn key_condition(comparison: &evidence::model::RowComparison) -> Option<String> {
    if comparison.key_columns.is_empty()
        || comparison.key_columns.len() != comparison.key_values.len()
    {
        return None;
    }
    let parts = comparison
        .key_columns
        .iter()
        .zip(&comparison.key_values)
        .map(|(column, value)| {
            Some(format!(
                "{} = {}",
                dialect::identifier(column),
                literal(value.as_deref()?)?
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(parts.join(" AND "))
}

/// The applier runs again.
pub fn running(dialect: &Dialect) -> Check {
    Check::sql(
        text!(
            "the SQL thread runs and stays running",
            "SQL 线程已恢复运行并保持运行"
        ),
        dialect.show_status(),
        Expect::Column {
            name: dialect.sql_running_column().to_owned(),
            value: "Yes".to_owned(),
        },
    )
}

/// Restarts the stopped applier: the failing transaction is applied again from its start.
pub fn restart_applier(dialect: &Dialect, errno: Option<u32>, why: Text) -> Step {
    Step::sql(
        Target::Replica,
        &[&dialect.start_sql_thread()],
        why,
        RiskLevel::Low,
    )
    .with_precondition(stopped_on(dialect, errno))
    .with_verify(running(dialect))
}

/// [`restart_applier`], only while the applier still stands where the evidence saw it.
pub fn resume_applier(
    dialect: &Dialect,
    view: &ChannelView<'_>,
    errno: Option<u32>,
    why: Text,
) -> Step {
    restart_applier(dialect, errno, why).with_preconditions(still_at(dialect, view))
}

/// Skips exactly the failing transaction, the safe way for the flavor. Returns `Err` with the
/// reason when it cannot be done safely from this evidence.
pub fn skip_transaction(
    dialect: &Dialect,
    view: &ChannelView<'_>,
    transaction: Option<&TransactionRef>,
    errno: Option<u32>,
) -> Result<Vec<Step>, Text> {
    let why = text!(
        "skip the failing transaction so the applier continues after it",
        "跳过失败的事务，让应用线程从其后继续"
    );
    if dialect.is_mariadb()
        && let Some(TransactionRef::Gtid(gtid)) = transaction
        && let Some(step) = mariadb_skip_by_position(dialect, view, gtid, errno)
    {
        return Ok(vec![step]);
    }
    if dialect.is_mariadb() {
        // On MariaDB the skip counter skips a whole event group and advances gtid_slave_pos.
        let counter = format!("SET GLOBAL {} = 1", dialect.skip_counter());
        let step = Step::sql(
            Target::Replica,
            &[&counter, &dialect.start_sql_thread()],
            why,
            RiskLevel::Medium,
        )
        .with_precondition(stopped_on(dialect, errno))
        .with_precondition(counter_unarmed(dialect))
        .with_verify(running(dialect))
        .with_risk_note(text!(
            "the replica will not have this transaction's changes",
            "从库将缺少该事务的变更"
        ));
        return Ok(vec![step]);
    }
    match transaction {
        Some(TransactionRef::Gtid(gtid)) => {
            // With GTID mode on, the skip counter is refused or skips the wrong amount:
            // commit an empty transaction under the failing GTID instead.
            let set_next = format!("SET GTID_NEXT = '{gtid}'");
            let step = Step::sql(
                Target::Replica,
                &[
                    &set_next,
                    "BEGIN",
                    "COMMIT",
                    "SET GTID_NEXT = 'AUTOMATIC'",
                    &dialect.start_sql_thread(),
                ],
                why,
                RiskLevel::Medium,
            )
            .with_precondition(stopped_on(dialect, errno))
            .with_precondition(gtid_not_executed(gtid))
            .with_verify(running(dialect))
            .with_risk_note(text!(
                "the replica will not have this transaction's changes",
                "从库将缺少该事务的变更"
            ));
            Ok(vec![step])
        }
        // ANONYMOUS, or no GTID named: the skip counter is right only without GTIDs, so that
        // is the precondition the fixer checks; with GTIDs it refuses and the GTID must be
        // found. Never the skip counter with GTID mode on.
        Some(TransactionRef::Anonymous | TransactionRef::Empty) | None => {
            let counter = format!("SET GLOBAL {} = 1", dialect.skip_counter());
            Ok(vec![
                Step::sql(
                    Target::Replica,
                    &[&counter, &dialect.start_sql_thread()],
                    why,
                    RiskLevel::Medium,
                )
                .with_precondition(stopped_on(dialect, errno))
                .with_precondition(counter_unarmed(dialect))
                .with_precondition(Check::sql(
                    text!(
                        "GTID mode is OFF (with GTIDs, commit an empty transaction with the failing \
                         GTID from performance_schema.replication_applier_status_by_worker instead)",
                        "GTID 模式为 OFF（若开启了 GTID，应改为用 \
                         performance_schema.replication_applier_status_by_worker 中失败事务的 GTID 注入空事务）"
                    ),
                    "SELECT @@GLOBAL.gtid_mode",
                    Expect::Value("OFF".to_owned()),
                ))
                .with_verify(running(dialect)),
            ])
        }
    }
}

/// Nobody armed the skip counter already: a second `= 1` would not skip two, but a counter left
/// at 1 by an earlier attempt skips the next transaction too.
fn counter_unarmed(dialect: &Dialect) -> Check {
    Check::sql(
        text!(
            "{counter} is 0 (no skip is pending)",
            "{counter} 为 0（没有待执行的跳过）",
            counter = dialect.skip_counter()
        ),
        format!("SELECT @@GLOBAL.{}", dialect.skip_counter()),
        Expect::Value("0".to_owned()),
    )
}

/// MariaDB with parallel appliers and several replication domains refuses the skip counter
/// (error 1966): the replica's position is moved past the failing GTID in its domain instead,
/// every other domain kept as it is (a domain left out is error 1948). `None` when the counter
/// serves, or when the evidence lacks the position to rewrite.
fn mariadb_skip_by_position(
    dialect: &Dialect,
    view: &ChannelView<'_>,
    gtid: &str,
    errno: Option<u32>,
) -> Option<Step> {
    let variables = &view.server.variables;
    let parallel = variables
        .get("slave_parallel_threads")
        .or_else(|| variables.get("slave_parallel_workers"))
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|threads| threads > 0);
    let position = variables.get("gtid_slave_pos")?;
    let domain_of = |g: &str| g.trim().split('-').next().map(str::to_owned);
    let failing_domain = domain_of(gtid)?;
    let entries: Vec<&str> = position
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .collect();
    if !parallel || entries.len() < 2 {
        return None;
    }
    let mut moved: Vec<String> = entries
        .iter()
        .filter(|g| domain_of(g).as_deref() != Some(failing_domain.as_str()))
        .map(|g| (*g).to_owned())
        .collect();
    moved.push(gtid.to_owned());
    moved.sort_by_key(|g| domain_of(g).and_then(|d| d.parse::<u64>().ok()));
    let moved = moved.join(",");
    let unchanged = Check::sql(
        text!(
            "the replica's position is still {position}",
            "从库的位置仍为 {position}"
        ),
        "SELECT @@GLOBAL.gtid_slave_pos",
        Expect::Value(position.to_owned()),
    );
    Some(
        Step::sql(
            Target::Replica,
            &[
                &dialect.stop(),
                &format!("SET GLOBAL gtid_slave_pos = {}", dialect::quote(&moved)),
                &dialect.start(),
            ],
            text!(
                "move the replica's position past {gtid} in its domain (parallel replication \
                 with several domains refuses the skip counter, error 1966)",
                "将从库在该域中的位置移到 {gtid} 之后（并行复制且有多个域时不能使用跳过计数器，错误 1966）"
            ),
            RiskLevel::Medium,
        )
        .with_precondition(stopped_on(dialect, errno))
        .with_precondition(unchanged)
        .with_verify(running(dialect))
        .with_risk_note(text!(
            "the replica will not have this transaction's changes",
            "从库将缺少该事务的变更"
        )),
    )
}

/// The step that decodes the failure's event, when the server named its coordinates.
pub fn read_failing_event_of(failure: &super::applier::ApplierFailure<'_>) -> Option<Step> {
    failure
        .source_log()
        .map(|coordinate| read_failing_event(&coordinate.file, coordinate.position))
}

/// Decodes the failing event on the host that has the binlog, to see the rows it writes.
pub fn read_failing_event(file: &str, end_log_pos: u64) -> Step {
    Step {
        target: Target::SourceHost,
        action: crate::plan::Action::Shell {
            command: format!("repldoctor binlog show {file} --end-log-pos {end_log_pos}"),
        },
        why: text!(
            "see the rows the failing event writes (mysqlbinlog -vv at that position shows the same)",
            "查看失败事件写入的行（也可在该位置用 mysqlbinlog -vv 查看）"
        ),
        preconditions: Vec::new(),
        verify: None,
        risk: RiskLevel::None,
        risk_note: None,
    }
}

/// A row written with binary logging off must not change more than itself: no trigger on the
/// table, and (for a delete) no foreign key of another table pointing at it, whose cascade
/// would change rows no binlog records.
pub fn changes_only_itself(table: &str, deleting: bool) -> Vec<Check> {
    let (schema, name) = table.split_once('.').unwrap_or(("", table));
    let (schema, name) = (dialect::quote(schema), dialect::quote(name));
    let mut checks = vec![Check::sql(
        text!("{table} has no trigger", "{table} 没有触发器"),
        format!(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS \
             WHERE EVENT_OBJECT_SCHEMA = {schema} AND EVENT_OBJECT_TABLE = {name}"
        ),
        Expect::Value("0".to_owned()),
    )];
    if deleting {
        checks.push(Check::sql(
            text!(
                "no foreign key of another table points at {table}",
                "没有其他表的外键指向 {table}"
            ),
            format!(
                "SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS \
                 WHERE UNIQUE_CONSTRAINT_SCHEMA = {schema} AND REFERENCED_TABLE_NAME = {name}"
            ),
            Expect::Value("0".to_owned()),
        ));
    }
    checks
}

/// How many rows the failing transaction changes, when its decoded events are in the evidence:
/// the statements of a collected slice, or mysqlbinlog's `### INSERT`/`UPDATE`/`DELETE` lines.
/// One rows event may change many rows, so the events are not counted.
pub fn rows_changed(view: &ChannelView<'_>) -> Option<usize> {
    let mut decoded = false;
    let mut rows = 0;
    for event in &view.server.binlog_events {
        for line in &event.body {
            decoded = true;
            let line = line.trim_start_matches(['#', ' ']).to_ascii_uppercase();
            if ["INSERT", "UPDATE", "DELETE", "REPLACE"]
                .iter()
                .any(|verb| line.starts_with(verb))
            {
                rows += 1;
            }
        }
    }
    decoded.then_some(rows)
}

/// A value as a string literal, when its text is printable: bytes that are not text could not
/// be written back exactly this way.
pub fn literal(value: &str) -> Option<String> {
    // The collector writes some values as SQL already (`b'101'`, `X'0A'`, `CAST(... AS JSON)`):
    // quoting those again would write their text, not their value.
    let lower = value.to_ascii_lowercase();
    let expression = ["b'", "x'", "0x", "cast(", "_binary", "_utf8"]
        .iter()
        .any(|prefix| lower.starts_with(prefix));
    let unprintable = value
        .chars()
        .any(|c| c == char::REPLACEMENT_CHARACTER || (c.is_control() && c != '\t' && c != '\n'));
    (!expression && !unprintable).then(|| dialect::quote(value))
}

/// The local session `id` that blocks the applier, as the evidence saw it: the same id, user
/// and host in the processlist (ids are not reused while a server runs, but a precondition
/// that names the user too cannot kill a newcomer by a stale number).
pub fn blocker_is_still(view: &ChannelView<'_>, id: u64) -> Check {
    let row = view.processlist.iter().find(|p| p.id == Some(id));
    let mut condition = format!("ID = {id}");
    for (column, value) in [
        ("USER", row.and_then(|p| p.user.as_deref())),
        ("HOST", row.and_then(|p| p.host.as_deref())),
    ] {
        if let Some(value) = value {
            condition.push_str(&format!(" AND {column} = {}", dialect::quote(value)));
        }
    }
    Check::sql(
        text!(
            "session {id} is still the one that blocked the applier",
            "会话 {id} 仍是阻塞应用线程的那个会话"
        ),
        format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE {condition}"),
        Expect::Value("1".to_owned()),
    )
}

/// Session `id` is gone.
pub fn session_gone(id: u64) -> Check {
    Check::sql(
        text!("session {id} is gone", "会话 {id} 已结束"),
        format!("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {id}"),
        Expect::Value("0".to_owned()),
    )
}

/// Kills the blocking session `id` (`--kill-blocker`), only while it is the same session.
pub fn kill_blocker(view: &ChannelView<'_>, id: u64) -> Step {
    Step::sql(
        Target::Replica,
        &[&format!("KILL {id}")],
        text!(
            "end the blocking session: its open transaction is rolled back and the applier gets \
             its rows",
            "结束阻塞会话：其未提交事务被回滚，应用线程得到所需的行"
        ),
        RiskLevel::Medium,
    )
    .with_precondition(blocker_is_still(view, id))
    .with_verify(session_gone(id))
    .with_risk_note(text!(
        "what session {id} changed and did not commit is lost",
        "会话 {id} 已修改但未提交的内容会丢失"
    ))
}

/// The alternative that `--kill-blocker` selects: kill, then what `then` does.
pub fn kill_blocker_alternative(view: &ChannelView<'_>, id: u64, then: Vec<Step>) -> Alternative {
    let mut steps = vec![kill_blocker(view, id)];
    steps.extend(then);
    Alternative {
        when: text!(
            "session {id}'s owner agrees that its open transaction may be rolled back",
            "会话 {id} 的所有者同意回滚其未提交的事务"
        ),
        choice: Some(Choice::KillBlocker),
        plan: Plan {
            summary: text!(
                "kill session {id}, which holds the rows the applier needs",
                "终止持有应用线程所需行的会话 {id}"
            ),
            steps,
            alternatives: Vec::new(),
            data_loss: Some(text!(
                "what session {id} changed and did not commit",
                "会话 {id} 已修改但未提交的内容"
            )),
        },
    }
}
