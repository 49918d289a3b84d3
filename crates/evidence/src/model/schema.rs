//! Table definitions: the columns and keys of the tables a failing transaction touched, as the
//! replica has them (`information_schema`, `SHOW INDEX`). The rules need the keys: a
//! REPLACE INTO on a table with a unique secondary key takes next-key locks, a row event on a
//! table without a primary key scans.

use serde::{Deserialize, Serialize};

use super::provenance::Provenance;

/// One table's columns (in ordinal order, when known) and indexes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDefinition {
    /// `None` when the output did not say (`SHOW INDEX FROM t` prints the table alone).
    pub schema: Option<String>,
    pub name: String,
    /// Empty when only the indexes were shown.
    pub columns: Vec<TableColumn>,
    pub indexes: Vec<TableIndex>,
    pub origin: Provenance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableColumn {
    pub name: String,
    /// `int(10) unsigned`, `enum('a','b')`, as information_schema's COLUMN_TYPE writes it.
    pub column_type: Option<String>,
    pub auto_increment: bool,
    /// A generated column (`GENERATED ALWAYS AS`, `AS (...) VIRTUAL|STORED`): the server
    /// computes it and refuses a value written to it. Absent from evidence saved before.
    #[serde(default)]
    pub generated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableIndex {
    /// `PRIMARY` for the primary key.
    pub name: String,
    pub unique: bool,
    /// In key order.
    pub columns: Vec<String>,
}

impl TableIndex {
    pub fn is_primary(&self) -> bool {
        self.name.eq_ignore_ascii_case("PRIMARY")
    }

    /// `uk_a_b (a,b,id)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, self.columns.join(","))
    }
}

impl TableDefinition {
    pub fn new(schema: Option<String>, name: String, origin: Provenance) -> Self {
        TableDefinition {
            schema,
            name,
            columns: Vec::new(),
            indexes: Vec::new(),
            origin,
        }
    }

    /// `db.t`, or `t` when the schema is not known.
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether this is the table `db.t` names (a definition without schema matches any).
    pub fn is(&self, schema: Option<&str>, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            && match (&self.schema, schema) {
                (Some(mine), Some(theirs)) => mine.eq_ignore_ascii_case(theirs),
                _ => true,
            }
    }

    pub fn primary_key(&self) -> Option<&TableIndex> {
        self.indexes.iter().find(|i| i.is_primary())
    }

    /// Unique keys other than the primary key: where REPLACE INTO and INSERT ... ON DUPLICATE
    /// KEY UPDATE take next-key locks that WRITESET does not see.
    pub fn unique_secondary_keys(&self) -> impl Iterator<Item = &TableIndex> {
        self.indexes.iter().filter(|i| i.unique && !i.is_primary())
    }

    /// Sets column `ordinal` (1-based), growing the list; an ordinal beyond what any table can
    /// have (4096 columns) is ignored rather than allocated.
    pub fn set_column(&mut self, ordinal: usize, column: TableColumn) {
        const MAX_COLUMNS: usize = 4096;
        if ordinal == 0 || ordinal > MAX_COLUMNS {
            return;
        }
        if self.columns.len() < ordinal {
            self.columns.resize(
                ordinal,
                TableColumn {
                    name: String::new(),
                    column_type: None,
                    auto_increment: false,
                    generated: false,
                },
            );
        }
        self.columns[ordinal - 1] = column;
    }

    /// Adds `column` as part `sequence` (1-based) of index `name`; the parts may come in any
    /// order.
    pub fn add_index_part(&mut self, name: &str, unique: bool, sequence: usize, column: &str) {
        let index = match self.indexes.iter().position(|i| i.name == name) {
            Some(position) => &mut self.indexes[position],
            None => {
                self.indexes.push(TableIndex {
                    name: name.to_owned(),
                    unique,
                    columns: Vec::new(),
                });
                self.indexes.last_mut().expect("just pushed")
            }
        };
        let at = sequence.saturating_sub(1).min(index.columns.len());
        if !index.columns.iter().any(|c| c == column) {
            index.columns.insert(at, column.to_owned());
        }
    }

    /// Adds what `other` knows of the same table (columns it shows, indexes it has).
    pub fn merge(&mut self, other: TableDefinition) {
        if self.schema.is_none() {
            self.schema = other.schema;
        }
        if self.columns.is_empty() {
            self.columns = other.columns;
        }
        for index in other.indexes {
            if !self.indexes.iter().any(|i| i.name == index.name) {
                self.indexes.push(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> TableDefinition {
        TableDefinition::new(Some("db".into()), "t".into(), Provenance::pasted("-", 1, 1))
    }

    #[test]
    fn index_parts_in_any_order_give_key_order() {
        let mut t = table();
        t.add_index_part("uk", true, 3, "id");
        t.add_index_part("uk", true, 1, "a");
        t.add_index_part("uk", true, 2, "b");
        t.add_index_part("PRIMARY", true, 1, "id");
        t.add_index_part("idx_c", false, 1, "c");
        assert_eq!(t.indexes[0].columns, ["a", "b", "id"]);
        assert_eq!(t.primary_key().unwrap().columns, ["id"]);
        let unique: Vec<String> = t.unique_secondary_keys().map(|i| i.describe()).collect();
        assert_eq!(unique, ["uk (a,b,id)"]);
    }

    #[test]
    fn columns_by_ordinal_and_a_hostile_ordinal_is_ignored() {
        let mut t = table();
        let column = |name: &str| TableColumn {
            name: name.into(),
            column_type: Some("int".into()),
            auto_increment: false,
            generated: false,
        };
        t.set_column(2, column("b"));
        t.set_column(1, column("a"));
        t.set_column(usize::MAX, column("x"));
        t.set_column(0, column("y"));
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn a_table_without_schema_matches_any_schema() {
        let mut t = table();
        assert!(t.is(Some("DB"), "T"));
        assert!(!t.is(Some("other"), "t"));
        t.schema = None;
        assert!(t.is(Some("other"), "t"));
        assert_eq!(t.qualified_name(), "t");
    }
}
