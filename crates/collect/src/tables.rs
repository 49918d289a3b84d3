//! The definitions of the tables the failing transaction writes: their columns and every
//! index, read on the replica from `information_schema` and kept as captures, so that the rules
//! (unique secondary keys behind a commit-order hang, tables without a primary key) and the
//! row comparison read the same answer, live or from a bundle.

use binlog::{EventData, EventWalk};

use dialect::catalogue;
use evidence::bundle::Capture;

use super::recorder::Recorder;

/// Tables read at most: a transaction over more is a bulk job whose first tables tell enough.
const MAX_TABLES: usize = 16;

/// `(schema, table)` of every table map in the slice, in order, each once.
pub(crate) fn in_slice(bytes: &[u8]) -> Vec<(String, String)> {
    let mut tables: Vec<(String, String)> = Vec::new();
    for event in EventWalk::new(bytes) {
        let Ok(event) = event else { break };
        if let Ok(EventData::TableMap(map)) = binlog::decode(&event) {
            let table = (
                String::from_utf8_lossy(map.schema).into_owned(),
                String::from_utf8_lossy(map.table).into_owned(),
            );
            if !tables.contains(&table) {
                tables.push(table);
                if tables.len() == MAX_TABLES {
                    break;
                }
            }
        }
    }
    tables
}

/// Reads each table's definition; a table the replica lacks answers with no rows (the
/// capture says so), a statement that fails is the session's gap.
pub(crate) async fn read_definitions(session: &mut Recorder, tables: &[(String, String)]) {
    for (schema, table) in tables {
        let parameters = vec![
            schema.clone().into_bytes().into(),
            table.clone().into_bytes().into(),
        ];
        // The rows say which table they describe, so captures of several tables are told apart
        // without the parameters.
        session
            .run_with(
                catalogue::TABLE_DEFINITION.item,
                catalogue::TABLE_DEFINITION.sql,
                parameters,
                None,
            )
            .await;
    }
}

/// The rows of `captures` that describe `schema.table`, by column name.
pub(crate) fn definition_rows<'c>(
    captures: &'c [Capture],
    schema: &str,
    table: &str,
) -> impl Iterator<Item = DefinitionRow<'c>> {
    captures
        .iter()
        .filter(|c| c.statement == catalogue::TABLE_DEFINITION.sql)
        .flat_map(|c| {
            c.rows
                .iter()
                .map(move |row| DefinitionRow { capture: c, row })
        })
        .filter(move |r| {
            r.text("TABLE_SCHEMA") == Some(schema) && r.text("TABLE_NAME") == Some(table)
        })
}

/// One row of [`catalogue::TABLE_DEFINITION`]: a column, and one index it is part of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DefinitionRow<'c> {
    capture: &'c Capture,
    row: &'c [Option<String>],
}

impl DefinitionRow<'_> {
    pub(crate) fn text(&self, column: &str) -> Option<&str> {
        let index = self
            .capture
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column))?;
        self.row.get(index)?.as_deref()
    }
}
