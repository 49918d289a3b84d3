//! [`TableMaps`]: the schema of each table id a table map has given, built once.

use super::TableSchema;
use crate::events::table_map::TableMap;
use crate::schema::Schema;

/// The table maps in force: a rows event names its table by the id the last table map with that
/// id gave it.
#[derive(Debug, Default, Clone)]
pub struct TableMaps {
    tables: std::collections::HashMap<u64, TableSchema>,
}

/// Table ids remembered at most. A table map is only needed until the end of its statement,
/// and servers give a table a new id each time they open it again: without a bound a long file
/// would fill memory with ids no rows event will name again.
const MAX_TABLE_MAPS: usize = 4096;

impl TableMaps {
    /// Remembers a table map's schema (replacing any earlier one with the same id). A table is
    /// mapped again before every statement that writes it, with the same bytes: its schema is
    /// built only when they change.
    pub fn insert(&mut self, map: &TableMap<'_>) -> &TableSchema {
        self.insert_named(map, None).0
    }

    /// [`TableMaps::insert`], the columns named from `names` when the binlog does not name
    /// them. When the schema is built anew and `names` has the table with a column count other
    /// than the table map's, that count comes back too (its columns stay unnamed).
    pub fn insert_named(
        &mut self,
        map: &TableMap<'_>,
        names: Option<&Schema>,
    ) -> (&TableSchema, Option<usize>) {
        if self.tables.len() >= MAX_TABLE_MAPS && !self.tables.contains_key(&map.table_id) {
            self.tables.clear();
        }
        let build = || {
            let mut schema = TableSchema::from_table_map(map);
            let mismatch = names.and_then(|names| schema.name_from(names).err());
            (schema, mismatch)
        };
        match self.tables.entry(map.table_id) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                let mut mismatch = None;
                if e.get().map_body != map.body {
                    let (schema, count) = build();
                    e.insert(schema);
                    mismatch = count;
                }
                (e.into_mut(), mismatch)
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                let (schema, mismatch) = build();
                (e.insert(schema), mismatch)
            }
        }
    }

    pub fn get(&self, table_id: u64) -> Option<&TableSchema> {
        self.tables.get(&table_id)
    }

    /// Forgets every table map (at the end of a statement group the server drops them too).
    pub fn clear(&mut self) {
        self.tables.clear();
    }
}
