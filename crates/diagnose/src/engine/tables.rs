//! The tables a channel's failing transactions write, gathered once from everything that names
//! them (the error messages, the binlog events' table maps and statements), each with its
//! definition when the evidence holds one.

use evidence::model::{
    ApplierErrorMessage, BinlogEvent, ServerEvidence, TableDefinition, TableName, Upsert,
};

use super::{ChannelView, Output};
use crate::{Cited, Finding, Missing, text};

/// One table the failure concerns.
#[derive(Debug)]
pub struct FailingTable<'a> {
    pub name: TableName,
    /// REPLACE / INSERT ... ON DUPLICATE KEY UPDATE statements on it, as the binlog shows them.
    pub upserts: Vec<&'a str>,
    pub definition: Option<&'a TableDefinition>,
}

impl FailingTable<'_> {
    /// `db.t uk_a_b (a,b,id)` for each unique key that is not the primary key.
    pub fn unique_secondary_keys(&self) -> Vec<String> {
        self.definition
            .into_iter()
            .flat_map(|d| d.unique_secondary_keys())
            .map(|key| format!("{} {}", self.name, key.describe()))
            .collect()
    }
}

/// The tables of the channel's applier failure, in the order first named: the error
/// messages' tables, then those of the binlog events of the failing transactions (of every
/// event given, when none carries a failing GTID).
pub fn failing_tables<'a>(view: &ChannelView<'a>) -> Vec<FailingTable<'a>> {
    let mut tables: Vec<FailingTable<'a>> = Vec::new();
    let server = view.server;
    let mut failing_gtids: Vec<String> = Vec::new();
    if let Some(failure) = &view.applier_failure {
        let workers: Vec<ApplierErrorMessage> = failure
            .failed_workers
            .iter()
            .filter_map(|w| w.last_error_message.as_deref())
            .map(ApplierErrorMessage::parse)
            .collect();
        let messages = std::iter::once(&failure.message)
            .chain(failure.worker_message.as_ref())
            .chain(&failure.log_messages)
            .chain(&workers);
        for message in messages {
            if let Some(table) = message.table() {
                add(&mut tables, server, table.clone());
            }
            let gtid = message.transaction.as_ref().and_then(|t| t.gtid());
            failing_gtids.extend(gtid.or(message.mariadb_gtid.as_deref()).map(str::to_owned));
        }
    }
    let of_failure = |e: &&BinlogEvent| {
        e.gtid
            .as_deref()
            .is_some_and(|g| failing_gtids.iter().any(|f| f == g))
    };
    let events: Vec<&BinlogEvent> = if server.binlog_events.iter().any(|e| of_failure(&e)) {
        server.binlog_events.iter().filter(of_failure).collect()
    } else {
        server.binlog_events.iter().collect()
    };
    for event in events {
        if let Some(table) = event.mapped_table() {
            add(&mut tables, server, table);
        }
        for statement in event.statements() {
            if let Some(upsert) = Upsert::parse(statement) {
                let index = add(&mut tables, server, upsert.table);
                let upserts = &mut tables[index].upserts;
                if !upserts.contains(&statement) {
                    upserts.push(statement);
                }
            }
        }
    }
    tables
}

/// Adds `name` unless a table it names is there already (a name without schema matches the
/// same table with one); returns its index.
fn add<'a>(
    tables: &mut Vec<FailingTable<'a>>,
    server: &'a ServerEvidence,
    name: TableName,
) -> usize {
    let same = |known: &TableName| {
        known.table.eq_ignore_ascii_case(&name.table)
            && match (&known.schema, &name.schema) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            }
    };
    if let Some(index) = tables.iter().position(|t| same(&t.name)) {
        let known = &mut tables[index];
        if known.name.schema.is_none() && name.schema.is_some() {
            known.definition = server.table(name.schema.as_deref(), &name.table);
            known.name = name;
        }
        return index;
    }
    tables.push(FailingTable {
        definition: server.table(name.schema.as_deref(), &name.table),
        name,
        upserts: Vec::new(),
    });
    tables.len() - 1
}

/// What [`cite_upsert_conflict`] found.
#[derive(Debug, Default)]
pub struct UpsertConflict {
    /// REPLACE / INSERT ... ON DUPLICATE KEY UPDATE statements seen.
    pub statements: usize,
    /// Unique secondary keys of the tables they write.
    pub unique_keys: usize,
    /// Tables whose keys matter but whose definition the evidence lacks.
    pub undefined_tables: Vec<String>,
}

/// Names what makes parallel workers block each other on a table with a unique secondary key:
/// the tables of the failing transactions (`tables`), their REPLACE INTO / INSERT ... ON
/// DUPLICATE KEY UPDATE statements (`conflicting_statements`, variant
/// `upsert_next_key_locks`) and the unique keys those take next-key locks on
/// (`unique_secondary_keys`), each cited.
pub fn cite_upsert_conflict(view: &ChannelView<'_>, finding: &mut Finding) -> UpsertConflict {
    let tables = failing_tables(view);
    let statements: Vec<&str> = tables
        .iter()
        .flat_map(|t| t.upserts.iter().copied())
        .collect();
    // With upserts, the keys of the tables they write; without, of every failing table.
    let relevant = |t: &&FailingTable<'_>| !t.upserts.is_empty() || statements.is_empty();
    let unique_keys: Vec<String> = tables
        .iter()
        .filter(relevant)
        .flat_map(|t| t.unique_secondary_keys())
        .collect();
    if !tables.is_empty() {
        let names: Vec<String> = tables.iter().map(|t| t.name.to_string()).collect();
        finding.facts.set("tables", names);
    }
    if !statements.is_empty() {
        finding.variant = Some("upsert_next_key_locks".to_owned());
        finding
            .facts
            .set("conflicting_statements", statements.clone());
        for event in &view.server.binlog_events {
            for statement in event.statements().filter(|s| statements.contains(s)) {
                finding.evidence.push(Cited {
                    server: view.server_label(),
                    source: format!("binlog ({})", event.origin),
                    quote: statement.trim_start_matches('#').trim().to_owned(),
                });
            }
        }
    }
    if !unique_keys.is_empty() {
        finding
            .facts
            .set("unique_secondary_keys", unique_keys.clone());
        for table in tables.iter().filter(relevant) {
            let keys = table.unique_secondary_keys();
            if let (Some(definition), false) = (table.definition, keys.is_empty()) {
                finding.evidence.push(Cited {
                    server: view.server_label(),
                    source: format!("table definition ({})", definition.origin),
                    quote: keys.join("; "),
                });
            }
        }
    }
    UpsertConflict {
        statements: statements.len(),
        unique_keys: unique_keys.len(),
        undefined_tables: tables
            .iter()
            .filter(relevant)
            .filter(|t| t.definition.is_none())
            .map(|t| t.name.to_string())
            .collect(),
    }
}

/// The evidence that would name the statements and keys of a conflict, when it is missing.
pub fn missing_for_upsert_conflict(
    view: &ChannelView<'_>,
    conflict: &UpsertConflict,
    output: &mut Output,
) {
    if view.server.binlog_events.is_empty() {
        output.missing(Missing {
            what: text!(
                "the failing transactions' events",
                "失败事务的 binlog 事件"
            ),
            consequence: text!(
                "cannot name the REPLACE INTO / INSERT ... ON DUPLICATE statements and the unique key behind the conflict",
                "无法指出造成冲突的 REPLACE INTO / INSERT ... ON DUPLICATE 语句及唯一键"
            ),
            how: text!(
                "decode them with `repldoctor binlog show FILE --end-log-pos P` using the positions in the worker errors",
                "用 worker 错误中的位置执行 `repldoctor binlog show FILE --end-log-pos P` 解析"
            ),
        });
    }
    if !conflict.undefined_tables.is_empty() {
        let list = conflict.undefined_tables.join(", ");
        output.missing(Missing {
            what: text!("the definition of {list}", "{list} 的表结构"),
            consequence: text!(
                "cannot tell which unique secondary key the next-key locks are taken on",
                "无法判断 next-key 锁加在哪个唯一二级索引上"
            ),
            how: text!(
                "add `SHOW CREATE TABLE {list}\\G` from the replica with --evidence",
                "用 --evidence 加上从库的 `SHOW CREATE TABLE {list}\\G` 输出"
            ),
        });
    }
}
