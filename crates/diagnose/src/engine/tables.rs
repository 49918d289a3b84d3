//! The tables a channel's failing transactions write, gathered once from everything that names
//! them (the error messages, the binlog events' table maps and statements), each with its
//! definition when the evidence holds one.

use evidence::model::{ServerEvidence, TableDefinition, TableName, Upsert, UpsertKind};

use super::ChannelView;

/// One table the failure concerns.
#[derive(Debug)]
pub struct FailingTable<'a> {
    pub name: TableName,
    /// REPLACE / INSERT ... ON DUPLICATE KEY UPDATE statements on it, as the binlog shows them.
    pub upserts: Vec<(UpsertKind, &'a str)>,
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
/// messages' tables, then those of the server's binlog events.
pub fn failing_tables<'a>(view: &ChannelView<'a>) -> Vec<FailingTable<'a>> {
    let mut tables: Vec<FailingTable<'a>> = Vec::new();
    let server = view.server;
    if let Some(failure) = &view.applier_failure {
        let messages = std::iter::once(&failure.message)
            .chain(failure.worker_message.as_ref())
            .chain(&failure.log_messages);
        for table in messages.filter_map(|m| m.table()) {
            add(&mut tables, server, table.clone());
        }
    }
    for event in &server.binlog_events {
        if let Some(table) = event.mapped_table() {
            add(&mut tables, server, table);
        }
        for statement in event.statements() {
            if let Some(upsert) = Upsert::parse(statement) {
                let index = add(&mut tables, server, upsert.table);
                let upserts = &mut tables[index].upserts;
                if !upserts.iter().any(|(_, s)| *s == statement) {
                    upserts.push((upsert.kind, statement));
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
