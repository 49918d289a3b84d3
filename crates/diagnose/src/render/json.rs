//! The report as JSON, for scripts.

use serde_json::{Value, json};

use super::verdict;
use crate::plan::Plan;
use crate::report::Report;
use crate::text::Lang;

/// The report as the stable JSON document scripts read:
/// `{"verdict", "findings":[{"class","variant","error_code","severity","confidence","title",
/// "root_cause","facts","evidence","fix","references"}], "missing_evidence":[...]}`. With
/// `Lang::Zh` every text also has a `NAME_zh` twin in Simplified Chinese.
pub fn json(report: &Report, lang: Lang) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let mut value = json!({
                "class": finding.class,
                "variant": finding.variant,
                "error_code": finding.error_code,
                "severity": finding.severity,
                "confidence": finding.confidence,
                "title": finding.title.en,
                "root_cause": finding.root_cause.en,
                "facts": finding.facts,
                "evidence": finding.evidence,
                "fix": plan_json(&finding.fix, lang),
                "references": finding.references,
            });
            if lang == Lang::Zh {
                value["title_zh"] = json!(finding.title.zh);
                value["root_cause_zh"] = json!(finding.root_cause.zh);
            }
            value
        })
        .collect();
    let missing: Vec<Value> = report
        .missing_evidence
        .iter()
        .map(|gap| {
            let mut value = json!({
                "what": gap.what.en,
                "consequence": gap.consequence.en,
                "how": gap.how.en,
            });
            if lang == Lang::Zh {
                value["what_zh"] = json!(gap.what.zh);
                value["consequence_zh"] = json!(gap.consequence.zh);
                value["how_zh"] = json!(gap.how.zh);
            }
            value
        })
        .collect();
    json!({
        "verdict": verdict(report),
        "findings": findings,
        "missing_evidence": missing,
        "servers": report.servers,
        "unread_errors": report.unread_errors,
        "status_not_shown": report.status_not_shown,
    })
}

/// A plan as JSON. Every text is an English string; with `Lang::Zh` a `NAME_zh` twin stands
/// beside each, so the shape scripts read is the same in both languages.
fn plan_json(plan: &Plan, lang: Lang) -> Value {
    let mut value = serde_json::to_value(plan).unwrap_or(Value::Null);
    flatten_texts(&mut value, lang);
    value
}

fn as_text(value: &Value) -> Option<(Value, Value)> {
    let map = value.as_object()?;
    if map.len() == 2 {
        Some((map.get("en")?.clone(), map.get("zh")?.clone()))
    } else {
        None
    }
}

fn flatten_texts(value: &mut Value, lang: Lang) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if let Some((en, zh)) = map.get(&key).and_then(as_text) {
                    map.insert(key.clone(), en);
                    if lang == Lang::Zh {
                        map.insert(format!("{key}_zh"), zh);
                    }
                } else if let Some(child) = map.get_mut(&key) {
                    flatten_texts(child, lang);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| flatten_texts(item, lang)),
        _ => {}
    }
}
