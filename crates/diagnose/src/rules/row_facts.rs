//! The failing row next to the replica's and the source's rows with its key, as facts: shared
//! by the duplicate-key and missing-row rules.

use evidence::model::{ColumnValue, RowComparison};

use crate::engine::ChannelView;

/// The collected comparison of the failing row, for this table when the error names one.
pub(super) fn comparison_for<'a>(view: &ChannelView<'a>, table: &str) -> Option<&'a RowComparison> {
    let comparisons = &view.server.row_comparisons;
    comparisons
        .iter()
        .find(|c| c.table == table)
        .or_else(|| comparisons.first())
}

fn row_object(row: &[ColumnValue]) -> serde_json::Value {
    row.iter()
        .map(|c| (c.column.clone(), serde_json::json!(c.value)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The incoming row next to the replica's and the source's, and which columns differ.
pub(super) fn set(facts: &mut crate::Facts, comparison: &RowComparison) {
    facts.set("incoming_row", row_object(&comparison.incoming));
    facts.set("key_columns", serde_json::json!(comparison.key_columns));
    if comparison.local_checked {
        facts.set(
            "local_row",
            comparison
                .local
                .as_deref()
                .map_or(serde_json::Value::Null, row_object),
        );
    }
    if comparison.source_checked {
        facts.set(
            "source_row",
            comparison
                .source
                .as_deref()
                .map_or(serde_json::Value::Null, row_object),
        );
    }
    if let Some(local) = comparison.local.as_deref() {
        let differences: Vec<serde_json::Value> = comparison
            .differing_columns(local)
            .iter()
            .map(|column| {
                let value = |row: &[ColumnValue]| {
                    row.iter()
                        .find(|c| c.column.eq_ignore_ascii_case(column))
                        .and_then(|c| c.value.clone())
                };
                serde_json::json!({
                    "column": column,
                    "incoming": value(&comparison.incoming),
                    "local": value(local),
                })
            })
            .collect();
        facts.set("rows_identical", differences.is_empty());
        facts.set("row_differences", differences);
    }
}
