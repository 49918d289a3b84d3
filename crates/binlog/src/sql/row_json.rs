//! Rows as JSON: each row change as an object with its table, operation and images.

use super::column_text::{as_text, set_members};
use crate::error::DecodeResult;
use crate::events::RowsKind;
use crate::quote::HEX_PAIRS;
use crate::values::json;
use crate::values::{Column, TableSchema, Value};

/// A value as JSON: numbers as numbers (DECIMAL as a string, to stay exact), dates and times as
/// strings, text as a string, bytes as `{"hex": "..."}`, JSON as itself.
pub fn value_json(value: &Value<'_>, column: &Column) -> DecodeResult<serde_json::Value> {
    use serde_json::Value as J;
    let hex = |b: &[u8]| {
        let digits: String = b
            .iter()
            .flat_map(|&b| HEX_PAIRS[usize::from(b)].map(char::from))
            .collect();
        serde_json::json!({ "hex": digits })
    };
    Ok(match value {
        Value::Null => J::Null,
        Value::Int(v) => J::from(*v),
        Value::UInt(v) => J::from(*v),
        Value::Float(v) => serde_json::Number::from_f64(f64::from(*v)).map_or(J::Null, J::Number),
        Value::Double(v) => serde_json::Number::from_f64(*v).map_or(J::Null, J::Number),
        Value::Decimal(d) => J::String(d.to_string()),
        Value::Date(d) => J::String(d.to_string()),
        Value::Time(t) => J::String(t.to_string()),
        Value::DateTime(d) => J::String(d.to_string()),
        Value::Timestamp(t) => J::String(t.to_string()),
        Value::Year(y) => J::from(*y),
        Value::Bytes(b) => match as_text(b, column) {
            Some(text) => J::String(text.to_owned()),
            None => hex(b),
        },
        Value::Enum(i) => match column.members.get(usize::from(*i).wrapping_sub(1)) {
            Some(name) => J::String(String::from_utf8_lossy(name).into_owned()),
            None => J::from(*i),
        },
        Value::Set(bits) => set_members(column, *bits).map_or(J::from(*bits), J::String),
        Value::Bit(v) => J::from(*v),
        Value::Json(doc, at) => {
            let mut text = String::new();
            json::write_json_text(doc, *at, &mut text)?;
            serde_json::from_str(&text).unwrap_or(J::String(text))
        }
        Value::JsonDiff(diffs) => {
            let mut list = Vec::with_capacity(diffs.len());
            for d in diffs {
                let value = match d.value {
                    Some(doc) => value_json(&Value::Json(doc, d.value_offset), column)?,
                    None => J::Null,
                };
                list.push(serde_json::json!({
                    "operation": d.operation.function(),
                    "path": String::from_utf8_lossy(d.path),
                    "value": value,
                }));
            }
            J::Array(list)
        }
        Value::Geometry(b) => hex(b),
        Value::Vector(b) => J::Array(
            b.chunks_exact(4)
                .map(|c| {
                    let v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    serde_json::Number::from_f64(f64::from(v)).map_or(J::Null, J::Number)
                })
                .collect(),
        ),
    })
}

/// One row change as JSON: table, operation, and the images as `{column: value}` (`null` for
/// the image its kind does not have).
pub fn row_json(
    schema: &TableSchema,
    kind: RowsKind,
    before: &[(usize, Value<'_>)],
    after: &[(usize, Value<'_>)],
) -> DecodeResult<serde_json::Value> {
    let image = |image: &[(usize, Value<'_>)], present: bool| -> DecodeResult<serde_json::Value> {
        if !present {
            return Ok(serde_json::Value::Null);
        }
        let mut map = serde_json::Map::with_capacity(image.len());
        for (i, v) in image {
            let column = &schema.columns[*i];
            let name = column.name.clone().unwrap_or_else(|| format!("@{}", i + 1));
            map.insert(name, value_json(v, column)?);
        }
        Ok(serde_json::Value::Object(map))
    };
    Ok(serde_json::json!({
        "table": schema.quoted_table,
        "operation": kind.name(),
        "before": image(before, kind != RowsKind::Write)?,
        "after": image(after, kind != RowsKind::Delete)?,
    }))
}
