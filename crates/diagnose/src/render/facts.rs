//! The facts of a finding as the text and Markdown reports show them: the important ones
//! first, and a compared row side by side with the replica's and the source's.

use serde_json::Value;

use crate::finding::Facts;

/// The failing row next to the replica's and the source's: a header and one line per column
/// (`column | incoming | replica | source`), differing columns marked with `*`.
pub(super) fn rows_table(facts: &Facts) -> Option<Vec<[String; 4]>> {
    let incoming = facts.other.get("incoming_row")?.as_object()?;
    let other_row = |name: &str| facts.other.get(name).map(|row| row.as_object().cloned());
    let local = other_row("local_row");
    let source = other_row("source_row");
    let shown = |row: &Option<Option<serde_json::Map<String, Value>>>, column: &str| match row {
        None => "(not read)".to_owned(),
        Some(None) => "(no row)".to_owned(),
        Some(Some(row)) => match row.get(column) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => "NULL".to_owned(),
            Some(other) => other.to_string(),
        },
    };
    let mut lines = vec![[
        "column".to_owned(),
        "incoming".to_owned(),
        "replica".to_owned(),
        "source".to_owned(),
    ]];
    for (column, value) in incoming {
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Null => "NULL".to_owned(),
            other => other.to_string(),
        };
        let on_replica = shown(&local, column);
        let differs = matches!(&local, Some(Some(_))) && on_replica != value;
        let name = if differs {
            format!("{column} *")
        } else {
            column.clone()
        };
        lines.push([name, value, on_replica, shown(&source, column)]);
    }
    Some(lines)
}

/// The facts a DBA looks for first, in this order; the rest follow by name.
const FIRST_FACTS: &[&str] = &[
    "server",
    "channel",
    "error_code",
    "gtid",
    "transaction",
    "source_log_file",
    "end_log_pos",
    "exec_source_log_pos",
    "relay_log_file",
    "relay_log_pos",
    "table",
    "key",
    "key_name",
    "worker_id",
    "thread_ids",
];

/// Facts shown as the side-by-side rows table rather than as lines.
const ROW_FACTS: &[&str] = &["incoming_row", "local_row", "source_row", "row_differences"];

/// The facts as (name, value) lines, the important ones first.
pub(super) fn fact_lines(facts: &Facts) -> Vec<(String, String)> {
    let Ok(Value::Object(mut map)) = serde_json::to_value(facts) else {
        return Vec::new();
    };
    if rows_table(facts).is_some() {
        for name in ROW_FACTS {
            map.remove(*name);
        }
    }
    let mut lines = Vec::with_capacity(map.len());
    let mut show = |name: String, value: Value| lines.push((name, fact_text(value)));
    for name in FIRST_FACTS {
        if let Some(value) = map.remove(*name) {
            show((*name).to_owned(), value);
        }
    }
    for (name, value) in map {
        show(name, value);
    }
    lines
}

/// A fact as a DBA reads it: a list one item a line, an object as `key=value` pairs.
fn fact_text(value: Value) -> String {
    fn scalar(value: &Value) -> String {
        match value {
            Value::String(s) if s.is_empty() => "''".to_owned(),
            Value::String(s) => s.clone(),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| format!("{k}={}", scalar(v)))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        }
    }
    match value {
        Value::Array(items) if !items.is_empty() => {
            items.iter().map(scalar).collect::<Vec<_>>().join("\n")
        }
        other => scalar(&other),
    }
}
