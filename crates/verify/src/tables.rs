//! Which tables to compare, their columns and the key their chunks follow, read from
//! information_schema.

use dialect::quote;
use session::{Session, StatementError};

/// One column as information_schema describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// `DATA_TYPE`, lower case: `int`, `varchar`, `binary`, `uuid`.
    pub data_type: String,
    /// `COLUMN_TYPE`: `int(10) unsigned`, `binary(16)`; compared between the servers.
    pub column_type: String,
    /// `None` for columns of bytes.
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub nullable: bool,
    /// Computed from other columns: hashed like any column, never written by --print-sql.
    pub generated: bool,
}

/// A table to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub columns: Vec<Column>,
    /// Positions in `columns` of the key chunks follow; empty when the table has none.
    pub key: Vec<usize>,
    pub key_name: Option<String>,
    /// information_schema's estimate, for the cost warning of a table without a key.
    pub estimated_rows: u64,
}

impl Table {
    pub fn key_columns(&self) -> impl Iterator<Item = &Column> {
        self.key.iter().map(|&i| &self.columns[i])
    }

    pub fn stored_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| !c.generated)
    }

    /// `schema.table`, as people write it.
    pub fn label(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// A table or a whole schema named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub schema: String,
    pub table: Option<String>,
}

impl Selection {
    /// `DB` or `DB.TABLE`.
    pub fn parse(text: &str) -> Result<Selection, String> {
        let (schema, table) = match text.split_once('.') {
            Some((schema, table)) => (schema, Some(table)),
            None => (text, None),
        };
        if schema.is_empty() || table.is_some_and(str::is_empty) {
            return Err(format!("'{text}' is not DB or DB.TABLE"));
        }
        Ok(Selection {
            schema: schema.to_owned(),
            table: table.map(str::to_owned),
        })
    }

    fn matches(&self, schema: &str, table: &str) -> bool {
        self.schema == schema && self.table.as_deref().is_none_or(|t| t == table)
    }
}

impl std::fmt::Display for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.table {
            Some(table) => write!(f, "{}.{table}", self.schema),
            None => f.write_str(&self.schema),
        }
    }
}

/// Tables one run lists at most.
const MAX_TABLES: usize = 1_000_000;

/// Schemas that hold the server's own state, never compared by default.
const SYSTEM_SCHEMAS: &str = "'mysql', 'information_schema', 'performance_schema', 'sys'";

/// The base tables selected (every table of every non-system schema when `selection` is
/// empty), each with its columns and key.
pub async fn discover(
    session: &mut Session,
    selection: &[Selection],
) -> Result<Vec<Table>, String> {
    let rows = session
        .query(
            &format!(
                "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES \
                 WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN ({SYSTEM_SCHEMAS}) \
                 ORDER BY TABLE_SCHEMA, TABLE_NAME"
            ),
            MAX_TABLES,
        )
        .await
        .map_err(|err| err.to_string())?;
    if rows.dropped > 0 {
        // Never a silent subset: tables left unread would pass for compared.
        return Err(format!(
            "the source lists more than {MAX_TABLES} tables: name the schemas or tables to compare"
        ));
    }
    let mut tables = Vec::new();
    for row in rows.rows {
        let schema = row[0].clone().unwrap_or_default();
        let name = row[1].clone().unwrap_or_default();
        if !selection.is_empty() && !selection.iter().any(|s| s.matches(&schema, &name)) {
            continue;
        }
        let estimated_rows = row[2].as_deref().and_then(|n| n.parse().ok()).unwrap_or(0);
        if let Some(mut table) = describe(session, &schema, &name)
            .await
            .map_err(|err| err.to_string())?
        {
            table.estimated_rows = estimated_rows;
            tables.push(table);
        }
    }
    Ok(tables)
}

/// One table's columns and key; `None` when the server has no such table.
pub async fn describe(
    session: &mut Session,
    schema: &str,
    name: &str,
) -> Result<Option<Table>, StatementError> {
    let rows = session
        .query(
            &format!(
                "SELECT COLUMN_NAME, LOWER(DATA_TYPE), LOWER(COLUMN_TYPE), CHARACTER_SET_NAME, \
                 COLLATION_NAME, IS_NULLABLE, EXTRA FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
                quote(schema),
                quote(name)
            ),
            100_000,
        )
        .await?;
    if rows.rows.is_empty() {
        return Ok(None);
    }
    let columns: Vec<Column> = rows
        .rows
        .into_iter()
        .map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            let extra = text(6).unwrap_or_default().to_ascii_uppercase();
            Column {
                name: text(0).unwrap_or_default(),
                data_type: text(1).unwrap_or_default(),
                column_type: text(2).unwrap_or_default(),
                charset: text(3),
                collation: text(4),
                nullable: text(5).as_deref() == Some("YES"),
                generated: ["GENERATED", "VIRTUAL", "PERSISTENT", "STORED"]
                    .iter()
                    .any(|word| extra.contains(word)),
            }
        })
        .collect();
    let indexes = session
        .query(
            &format!(
                "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND NON_UNIQUE = 0 \
                 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
                quote(schema),
                quote(name)
            ),
            100_000,
        )
        .await?;
    let (key_name, key) = best_key(&columns, &indexes.rows);
    Ok(Some(Table {
        schema: schema.to_owned(),
        name: name.to_owned(),
        columns,
        key,
        key_name,
        estimated_rows: 0,
    }))
}

/// The primary key, else the first unique key whose columns are all NOT NULL (a NULL in a
/// unique key does not identify a row).
fn best_key(
    columns: &[Column],
    index_rows: &[Vec<Option<String>>],
) -> (Option<String>, Vec<usize>) {
    let mut candidates: Vec<(String, Vec<Option<usize>>)> = Vec::new();
    for row in index_rows {
        let index = row[0].clone().unwrap_or_default();
        let column = row[1].as_deref().unwrap_or_default();
        let position = columns.iter().position(|c| c.name == column);
        match candidates.last_mut() {
            Some((name, positions)) if *name == index => positions.push(position),
            _ => candidates.push((index, vec![position])),
        }
    }
    for (name, positions) in candidates {
        let Some(positions) = positions.into_iter().collect::<Option<Vec<usize>>>() else {
            continue;
        };
        if name == "PRIMARY" || positions.iter().all(|&i| !columns[i].nullable) {
            return (Some(name), positions);
        }
    }
    (None, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_db_or_db_table() {
        assert_eq!(
            Selection::parse("app.orders").unwrap(),
            Selection {
                schema: "app".into(),
                table: Some("orders".into())
            }
        );
        assert!(Selection::parse("app").unwrap().matches("app", "anything"));
        assert!(Selection::parse(".x").is_err());
        assert!(Selection::parse("app.").is_err());
    }

    #[test]
    fn a_nullable_unique_key_does_not_identify_rows() {
        let column = |name: &str, nullable| Column {
            name: name.into(),
            data_type: "int".into(),
            column_type: "int".into(),
            charset: None,
            collation: None,
            nullable,
            generated: false,
        };
        let columns = vec![column("a", true), column("b", false)];
        let rows = |pairs: &[(&str, &str)]| -> Vec<Vec<Option<String>>> {
            pairs
                .iter()
                .map(|(i, c)| vec![Some(i.to_string()), Some(c.to_string())])
                .collect()
        };
        assert_eq!(
            best_key(&columns, &rows(&[("ua", "a"), ("ub", "b")])),
            (Some("ub".into()), vec![1])
        );
        assert_eq!(best_key(&columns, &rows(&[("ua", "a")])), (None, vec![]));
    }
}
