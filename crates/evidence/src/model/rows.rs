//! The row a failing row event carries next to the rows the servers hold under the same key:
//! what tells a harmless duplicate (identical rows) from diverged data.

use serde::{Deserialize, Serialize};

use super::Provenance;

/// One column's value in text form; `None` is SQL `NULL`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnValue {
    pub column: String,
    pub value: Option<String>,
}

/// The incoming row of the failing event and the rows with its key on the replica and the
/// source, read when the applier stopped on a duplicate key or a missing row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowComparison {
    /// `schema.table`.
    pub table: String,
    /// The key looked up by (`PRIMARY` or a unique key's name).
    pub key_name: String,
    pub key_columns: Vec<String>,
    pub key_values: Vec<Option<String>>,
    /// The table's AUTO_INCREMENT column, if it has one: a key the servers generate.
    #[serde(default)]
    pub auto_increment_column: Option<String>,
    /// The columns the event's row image holds (with a minimal row image, not all of them).
    pub incoming: Vec<ColumnValue>,
    /// Whether the replica was asked; `local` is its row, `None` when it has none.
    pub local_checked: bool,
    pub local: Option<Vec<ColumnValue>>,
    /// Whether the source was asked; `source` is its current row.
    pub source_checked: bool,
    pub source: Option<Vec<ColumnValue>>,
    pub origin: Provenance,
}

impl RowComparison {
    /// The incoming image's columns whose value differs in `row` (a column `row` lacks counts
    /// as different).
    pub fn differing_columns(&self, row: &[ColumnValue]) -> Vec<String> {
        self.incoming
            .iter()
            .filter(|incoming| {
                row.iter()
                    .find(|c| c.column.eq_ignore_ascii_case(&incoming.column))
                    .is_none_or(|c| c.value != incoming.value)
            })
            .map(|c| c.column.clone())
            .collect()
    }

    /// Whether the replica holds exactly the incoming row; `None` when no local row is known.
    pub fn local_identical(&self) -> Option<bool> {
        self.local
            .as_deref()
            .map(|row| self.differing_columns(row).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[(&str, Option<&str>)]) -> Vec<ColumnValue> {
        values
            .iter()
            .map(|(c, v)| ColumnValue {
                column: (*c).to_owned(),
                value: v.map(str::to_owned),
            })
            .collect()
    }

    #[test]
    fn differences_are_named_by_column() {
        let comparison = RowComparison {
            table: "lab.dup".into(),
            key_name: "PRIMARY".into(),
            key_columns: vec!["id".into()],
            key_values: vec![Some("10".into())],
            auto_increment_column: None,
            incoming: row(&[("id", Some("10")), ("v", Some("source")), ("n", None)]),
            local_checked: true,
            local: Some(row(&[
                ("id", Some("10")),
                ("v", Some("replica")),
                ("n", None),
            ])),
            source_checked: false,
            source: None,
            origin: Provenance::pasted("", 1, 1),
        };
        assert_eq!(comparison.local_identical(), Some(false));
        assert_eq!(
            comparison.differing_columns(comparison.local.as_deref().unwrap()),
            vec!["v".to_owned()]
        );
        let same = row(&[("ID", Some("10")), ("v", Some("source")), ("n", None)]);
        assert!(comparison.differing_columns(&same).is_empty());
        assert_eq!(
            comparison.differing_columns(&row(&[("id", Some("10"))])),
            vec!["v".to_owned(), "n".to_owned()]
        );
    }
}
