//! Evaluating a plan's checks on a live session: what the query returned, and whether that is
//! what the plan expects.

use diagnose::plan::{Check, Expect};
use serde::{Deserialize, Serialize};
use session::{Rows, Session};

/// A check's query answers with at most this many rows: enough for any expectation here.
const CHECK_ROWS: usize = 64;

/// What a check came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum Evaluation {
    /// The server answered as the plan expects.
    Holds { found: String },
    /// The server answered otherwise.
    DoesNotHold { found: String },
    /// The query could not be run (denied, lost connection, time-out).
    Failed { error: String },
    /// Only a person can tell.
    ForAPerson,
}

impl Evaluation {
    pub fn holds(&self) -> bool {
        matches!(self, Evaluation::Holds { .. })
    }
}

/// A check with its result, as printed and journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluated {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sql: Option<String>,
    pub expected: String,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// Runs the check's query on `session` and compares the answer with what the plan expects.
pub async fn evaluate(check: &Check, session: &mut Session) -> Evaluated {
    let evaluation = match &check.sql {
        None => Evaluation::ForAPerson,
        Some(sql) => match session.query(sql, CHECK_ROWS).await {
            Ok(rows) => compare(&check.expect, &rows),
            Err(err) => Evaluation::Failed {
                error: err.to_string(),
            },
        },
    };
    Evaluated {
        description: check.description.en.clone(),
        sql: check.sql.clone(),
        expected: expected(&check.expect),
        evaluation,
    }
}

/// The expectation in words, for the report.
fn expected(expect: &Expect) -> String {
    match expect {
        Expect::Rows => "at least one row".to_owned(),
        Expect::NoRows => "no row".to_owned(),
        Expect::Value(value) => value.clone(),
        Expect::Column { name, value } => format!("{name} = {value}"),
        Expect::ColumnIsNot { name, value } => format!("{name} is not {value}"),
        Expect::Confirmed => "a person confirms it".to_owned(),
    }
}

/// Whether `rows` is what `expect` asks for. SQL `NULL` is the text `NULL`; a missing row or
/// column never holds.
pub fn compare(expect: &Expect, rows: &Rows) -> Evaluation {
    let cell = |row: &[Option<String>], index: usize| -> Option<String> {
        row.get(index)
            .map(|value| value.clone().unwrap_or_else(|| "NULL".to_owned()))
    };
    let (holds, found) = match expect {
        Expect::Rows => (!rows.rows.is_empty(), format!("{} row(s)", rows.rows.len())),
        Expect::NoRows => (rows.rows.is_empty(), format!("{} row(s)", rows.rows.len())),
        Expect::Value(value) => match rows.rows.first().and_then(|row| cell(row, 0)) {
            Some(found) => (&found == value, found),
            None => (false, "no row".to_owned()),
        },
        Expect::Column { name, value } | Expect::ColumnIsNot { name, value } => {
            let wanted = matches!(expect, Expect::Column { .. });
            let index = rows
                .columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name));
            match (index, rows.rows.first()) {
                (_, None) => (false, "no row (no replication channel?)".to_owned()),
                (None, Some(_)) => (false, format!("no column {name}")),
                (Some(index), Some(row)) => {
                    let found = cell(row, index).unwrap_or_else(|| "NULL".to_owned());
                    ((&found == value) == wanted, format!("{name} = {found}"))
                }
            }
        }
        Expect::Confirmed => return Evaluation::ForAPerson,
    };
    if holds {
        Evaluation::Holds { found }
    } else {
        Evaluation::DoesNotHold { found }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(columns: &[&str], values: &[&[Option<&str>]]) -> Rows {
        Rows {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: values
                .iter()
                .map(|row| row.iter().map(|v| v.map(str::to_owned)).collect())
                .collect(),
            dropped: 0,
        }
    }

    #[test]
    fn a_column_is_found_in_any_case_and_compared_exactly() {
        let status = rows(
            &["Slave_SQL_Running", "Last_SQL_Errno"],
            &[&[Some("No"), Some("1062")]],
        );
        let expect = |name: &str, value: &str| Expect::Column {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        assert!(compare(&expect("last_sql_errno", "1062"), &status).holds());
        assert_eq!(
            compare(&expect("Last_SQL_Errno", "1032"), &status),
            Evaluation::DoesNotHold {
                found: "Last_SQL_Errno = 1062".to_owned()
            }
        );
        assert!(!compare(&expect("Exec_Master_Log_Pos", "4"), &status).holds());
        let not = |name: &str, value: &str| Expect::ColumnIsNot {
            name: name.to_owned(),
            value: value.to_owned(),
        };
        assert!(compare(&not("Slave_SQL_Running", "Yes"), &status).holds());
        assert!(!compare(&not("Slave_SQL_Running", "No"), &status).holds());
        assert!(
            !compare(&not("Exec_Master_Log_Pos", "4"), &status).holds(),
            "no column"
        );
    }

    #[test]
    fn no_row_never_holds_and_null_is_spelled() {
        let empty = rows(&["Slave_SQL_Running"], &[]);
        let expect = Expect::Column {
            name: "Slave_SQL_Running".to_owned(),
            value: "No".to_owned(),
        };
        assert!(!compare(&expect, &empty).holds());
        assert!(!compare(&Expect::Value("0".to_owned()), &empty).holds());
        assert!(compare(&Expect::NoRows, &empty).holds());
        let null = rows(&["x"], &[&[None]]);
        assert!(compare(&Expect::Value("NULL".to_owned()), &null).holds());
        assert!(!compare(&Expect::Value("".to_owned()), &null).holds());
        assert_eq!(compare(&Expect::Confirmed, &null), Evaluation::ForAPerson);
    }
}
