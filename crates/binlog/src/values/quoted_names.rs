//! A table's names and ENUM members quoted for SQL once, when its schema is built, for every
//! row to use.

use super::TableSchema;
use crate::quote::{write_identifier, write_string_literal};

/// `` `schema`.`table` ``
pub(super) fn quoted_table(schema: &str, table: &str) -> String {
    let mut quoted = String::new();
    write_identifier(&mut quoted, schema);
    quoted.push('.');
    write_identifier(&mut quoted, table);
    quoted
}

/// Each ENUM member as an SQL string literal.
pub(super) fn quoted_members(members: &[Vec<u8>]) -> Vec<String> {
    members
        .iter()
        .map(|m| {
            let mut literal = Vec::new();
            write_string_literal(&mut literal, &String::from_utf8_lossy(m));
            String::from_utf8_lossy(&literal).into_owned()
        })
        .collect()
}

impl TableSchema {
    /// Makes [`TableSchema::quoted_names`] and the INSERT prefix from the column names.
    pub(super) fn quote_names(&mut self) {
        self.quoted_names = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match &c.name {
                Some(name) => {
                    let mut q = String::with_capacity(name.len() + 2);
                    write_identifier(&mut q, name);
                    q
                }
                None => format!("@{}", i + 1),
            })
            .collect();
        self.full_insert_prefix = format!("INSERT INTO {} ", self.quoted_table);
        if self.has_names || self.named_by_caller {
            self.full_insert_prefix.push('(');
            self.full_insert_prefix
                .push_str(&self.quoted_names.join(", "));
            self.full_insert_prefix.push_str(") ");
        }
        self.full_insert_prefix.push_str("VALUES (");
    }
}
