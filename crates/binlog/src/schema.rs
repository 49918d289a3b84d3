//! Column names (and primary keys) the caller knows for tables a binlog does not describe
//! (`binlog_row_metadata=MINIMAL`, MySQL's default, and MariaDB's before FULL). The caller
//! reads them from wherever it has them (`repldoctor binlog --schema` parses `CREATE TABLE`
//! statements); the reader only looks them up by the table map's names.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// Tables and their columns, in order.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Schema {
    /// `(database, table)` to its columns; the database is `None` for a table whose database
    /// is not known (it then names that table in any database).
    tables: HashMap<(Option<String>, String), KnownTable>,
    /// Tables whose column count differed from a table map's, already reported.
    mismatches: RefCell<BTreeSet<(String, String)>>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct KnownTable {
    columns: Vec<String>,
    /// Positions (0-based) of the primary key's columns; empty when there is none or it is not
    /// known.
    primary_key: Vec<usize>,
    /// Positions of the generated columns, which statements must not write.
    generated: Vec<usize>,
    /// Positions of the columns whose values are bytes (BINARY, VARBINARY, BLOB, MariaDB's
    /// UUID and INET types), which a binlog without charsets cannot tell from text.
    binary: Vec<usize>,
    /// Positions of the UNSIGNED numeric columns, which a binlog without signedness reads as
    /// signed.
    unsigned: Vec<usize>,
}

impl Schema {
    /// Adds a table: its columns in order, its primary key's columns and its generated columns,
    /// by name (names not among the columns are left out).
    pub fn insert(
        &mut self,
        database: Option<String>,
        table: String,
        columns: Vec<String>,
        primary_key: &[String],
        generated: &[String],
    ) {
        let positions = |names: &[String]| -> Vec<usize> {
            names
                .iter()
                .filter_map(|name| columns.iter().position(|c| c.eq_ignore_ascii_case(name)))
                .collect()
        };
        let primary_key = positions(primary_key);
        let generated = positions(generated);
        self.tables.insert(
            (database, table),
            KnownTable {
                columns,
                primary_key,
                generated,
                binary: Vec::new(),
                unsigned: Vec::new(),
            },
        );
    }

    /// Notes which columns of a table already given hold bytes rather than text, and which
    /// are UNSIGNED, by name: what a binlog without charsets and signedness does not say.
    pub fn set_column_kinds(
        &mut self,
        database: Option<String>,
        table: String,
        bytes: &[String],
        unsigned: &[String],
    ) {
        if let Some(known) = self.tables.get_mut(&(database, table)) {
            let positions = |names: &[String]| -> Vec<usize> {
                names
                    .iter()
                    .filter_map(|name| {
                        known
                            .columns
                            .iter()
                            .position(|c| c.eq_ignore_ascii_case(name))
                    })
                    .collect()
            };
            known.binary = positions(bytes);
            known.unsigned = positions(unsigned);
        }
    }

    /// The positions of `database`.`table`'s UNSIGNED columns (none when not known).
    pub fn unsigned(&self, database: &str, table: &str) -> &[usize] {
        self.table(database, table)
            .map_or(&[], |t| t.unsigned.as_slice())
    }

    /// The positions of `database`.`table`'s columns of bytes (none when not known).
    pub fn binary(&self, database: &str, table: &str) -> &[usize] {
        self.table(database, table)
            .map_or(&[], |t| t.binary.as_slice())
    }

    /// The column names of `database`.`table`: the table given for that database, or else one
    /// given without a database. Names compare exactly first, then ignoring ASCII case (as
    /// servers that fold table names to lower case do), when that finds one table only.
    pub fn columns(&self, database: &str, table: &str) -> Option<&[String]> {
        self.table(database, table).map(|t| t.columns.as_slice())
    }

    /// The positions of the primary key's columns of `database`.`table`, when known.
    pub fn primary_key(&self, database: &str, table: &str) -> Option<&[usize]> {
        self.table(database, table)
            .map(|t| t.primary_key.as_slice())
            .filter(|key| !key.is_empty())
    }

    /// The positions of `database`.`table`'s generated columns (none when not known).
    pub fn generated(&self, database: &str, table: &str) -> &[usize] {
        self.table(database, table)
            .map_or(&[], |t| t.generated.as_slice())
    }

    fn table(&self, database: &str, table: &str) -> Option<&KnownTable> {
        let key = |d: Option<&str>| (d.map(str::to_owned), table.to_owned());
        if let Some(known) = self
            .tables
            .get(&key(Some(database)))
            .or_else(|| self.tables.get(&key(None)))
        {
            return Some(known);
        }
        let mut folded = self.tables.iter().filter(|((d, t), _)| {
            t.eq_ignore_ascii_case(table)
                && d.as_deref()
                    .is_none_or(|d| d.eq_ignore_ascii_case(database))
        });
        match (folded.next(), folded.next()) {
            (Some((_, known)), None) => Some(known),
            _ => None,
        }
    }

    /// How many tables it knows.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Notes that the binlog maps `database`.`table` with a column count other than the one
    /// given here; true the first time for that table (the time to warn).
    pub(crate) fn note_mismatch(&self, database: &str, table: &str) -> bool {
        self.mismatches
            .borrow_mut()
            .insert((database.to_owned(), table.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn schema() -> Schema {
        let mut schema = Schema::default();
        let columns = names(&["id", "customer id", "total"]);
        schema.insert(
            Some("shop".into()),
            "orders".into(),
            columns,
            &names(&["ID", "nowhere"]),
            &names(&["total"]),
        );
        schema.insert(None, "plain".into(), names(&["a", "b"]), &[], &[]);
        schema.insert(Some("a".into()), "t".into(), names(&["x"]), &[], &[]);
        schema.insert(Some("b".into()), "T".into(), names(&["y"]), &[], &[]);
        schema
    }

    #[test]
    fn a_table_of_a_database_or_of_any() {
        let schema = schema();
        assert_eq!(schema.columns("shop", "orders").unwrap().len(), 3);
        assert!(schema.columns("other", "orders").is_none());
        assert_eq!(schema.columns("anywhere", "plain").unwrap(), ["a", "b"]);
        assert_eq!(schema.len(), 4);
    }

    #[test]
    fn case_folded_only_when_one_table_matches() {
        let schema = schema();
        assert_eq!(schema.columns("SHOP", "Orders").unwrap().len(), 3);
        // `a`.`t` and `b`.`T` differ only in case: exact names still find each.
        assert_eq!(schema.columns("a", "t").unwrap(), ["x"]);
        assert_eq!(schema.columns("b", "T").unwrap(), ["y"]);
        assert!(schema.columns("A", "t").is_some());
    }

    #[test]
    fn primary_key_columns_by_position() {
        let schema = schema();
        assert_eq!(schema.primary_key("shop", "orders"), Some(&[0][..]));
        assert_eq!(schema.primary_key("x", "plain"), None);
        assert_eq!(schema.generated("shop", "orders"), [2]);
        assert!(schema.generated("x", "plain").is_empty());
    }

    #[test]
    fn a_mismatch_is_reported_once_per_table() {
        let schema = schema();
        assert!(schema.note_mismatch("shop", "orders"));
        assert!(!schema.note_mismatch("shop", "orders"));
        assert!(schema.note_mismatch("shop", "plain"));
    }
}
