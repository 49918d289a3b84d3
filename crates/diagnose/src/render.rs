//! Printing a report: text a tired DBA reads in 30 seconds (verdict first, then for each
//! finding the cause, the facts, the evidence and the plan), Markdown for tickets, JSON for
//! scripts.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde_json::{Value, json};

use crate::finding::{Facts, Finding, Severity};
use crate::plan::{Action, Check, Expect, Plan, RiskLevel, Step, Target};
use crate::report::Report;
use crate::text::{Lang, Text};

/// How the text report looks.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    pub lang: Lang,
    pub color: bool,
}

fn style(color: bool, style: Style) -> Style {
    if color { style } else { Style::new() }
}

fn severity_style(severity: Severity) -> Style {
    let color = match severity {
        Severity::Critical => AnsiColor::Red,
        Severity::Warning => AnsiColor::Yellow,
        Severity::Info => AnsiColor::Cyan,
    };
    Style::new().bold().fg_color(Some(color.into()))
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    }
}

fn severity_word_zh(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "严重",
        Severity::Warning => "警告",
        Severity::Info => "提示",
    }
}

/// A heading or label in the report's language: `Cause`, or `Cause / 原因` in a bilingual
/// report.
fn label(en: &str, zh: &str, lang: Lang) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::Zh => format!("{en} / {zh}"),
    }
}

/// Writes `text` in the report's language: English, then the Chinese line when asked for.
fn say(out: &mut String, indent: &str, text: &Text, lang: Lang) {
    let _ = writeln!(out, "{indent}{}", text.en);
    if lang == Lang::Zh && !text.zh.is_empty() {
        let _ = writeln!(out, "{indent}{}", text.zh);
    }
}

/// [`say`] after a label: `why: ...`, then `原因：...` on the Chinese line.
fn say_labelled(out: &mut String, indent: &str, (en, zh): (&str, &str), text: &Text, lang: Lang) {
    let _ = writeln!(out, "{indent}{en}: {}", text.en);
    if lang == Lang::Zh && !text.zh.is_empty() {
        let _ = writeln!(out, "{indent}{zh}：{}", text.zh);
    }
}

/// The verdict in Chinese, the second line of a bilingual report.
fn verdict_zh(report: &Report) -> String {
    match report.findings.first() {
        None => "健康：证据中未发现问题".to_owned(),
        Some(top) => {
            let others = report.findings.len() - 1;
            let more = if others == 0 {
                String::new()
            } else {
                format!("（另有 {others} 项发现）")
            };
            format!("{}：{}{more}", severity_word_zh(top.severity), top.title.zh)
        }
    }
}

/// The one-line verdict that opens every report.
pub fn verdict(report: &Report) -> String {
    match report.findings.first() {
        None => "healthy: no problem found in the evidence".to_owned(),
        Some(top) => {
            let others = report.findings.len() - 1;
            let more = match others {
                0 => String::new(),
                1 => " (and 1 more finding)".to_owned(),
                n => format!(" (and {n} more findings)"),
            };
            format!(
                "{}: {}{more}",
                severity_word(top.severity).to_lowercase(),
                top.title.en
            )
        }
    }
}

/// The report as text for a terminal.
pub fn text(report: &Report, options: TextOptions) -> String {
    let TextOptions { lang, color } = options;
    let bold = style(color, Style::new().bold());
    let dim = style(color, Style::new().dimmed());
    let mut out = String::new();
    let headline = style(
        color,
        report.worst().map_or(Style::new().bold(), severity_style),
    );
    let _ = writeln!(out, "{headline}{}{headline:#}", verdict(report));
    if lang == Lang::Zh {
        let _ = writeln!(out, "{headline}{}{headline:#}", verdict_zh(report));
    }
    for (index, finding) in report.findings.iter().enumerate() {
        let sev = style(color, severity_style(finding.severity));
        let variant = finding
            .variant
            .as_deref()
            .map(|v| format!(" / {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{sev}{}. {} {}{variant}{sev:#}  {dim}(confidence: {}){dim:#}",
            index + 1,
            severity_word(finding.severity),
            finding.class,
            confidence_word(finding)
        );
        let _ = writeln!(out, "   {bold}{}{bold:#}", finding.title.en);
        if lang == Lang::Zh && !finding.title.zh.is_empty() {
            let _ = writeln!(out, "   {bold}{}{bold:#}", finding.title.zh);
        }
        if !finding.root_cause.is_empty() {
            let _ = writeln!(out, "\n   {bold}{}{bold:#}", label("Cause", "原因", lang));
            say(&mut out, "   ", &finding.root_cause, lang);
        }
        let facts = fact_lines(&finding.facts);
        if !facts.is_empty() {
            let _ = writeln!(out, "\n   {bold}{}{bold:#}", label("Facts", "事实", lang));
            let width = facts
                .iter()
                .map(|(name, _)| name.len())
                .max()
                .unwrap_or(0)
                .min(MAX_FACT_NAME);
            for (name, value) in facts {
                for (n, line) in value.lines().enumerate() {
                    let name = if n == 0 { name.as_str() } else { "" };
                    let _ = writeln!(out, "   {name:<width$} {line}");
                }
            }
        }
        if let Some(table) = rows_table(&finding.facts) {
            let _ = writeln!(
                out,
                "\n   {bold}{}{bold:#} ({})",
                label("Rows", "行对比", lang),
                label("* differs on the replica", "* 表示从库上不同", lang)
            );
            write_rows_table(&mut out, "   ", &table);
        }
        if !finding.evidence.is_empty() {
            let _ = writeln!(
                out,
                "\n   {bold}{}{bold:#}",
                label("Evidence", "证据", lang)
            );
            for cited in &finding.evidence {
                let server = cited
                    .server
                    .as_deref()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default();
                let _ = writeln!(out, "   - {server}{}", cited.source);
                let _ = writeln!(out, "     {dim}{}{dim:#}", cited.quote);
            }
        }
        if !finding.fix.is_empty() {
            let _ = writeln!(out, "\n   {bold}{}{bold:#}", label("Fix", "修复方案", lang));
            write_plan(&mut out, &finding.fix, "   ", options);
        }
        if !finding.references.is_empty() {
            let _ = writeln!(
                out,
                "\n   {bold}{}{bold:#}",
                label("References", "参考资料", lang)
            );
            for reference in &finding.references {
                let _ = writeln!(out, "   - {}: {}", reference.title, reference.url);
            }
        }
    }
    if !report.missing_evidence.is_empty() {
        let _ = writeln!(
            out,
            "\n{bold}{}{bold:#}",
            label("Could not check", "无法检查", lang)
        );
        for gap in &report.missing_evidence {
            let _ = writeln!(out, "- {}: {}", gap.what.en, gap.consequence.en);
            if lang == Lang::Zh {
                let _ = writeln!(out, "  {}: {}", gap.what.zh, gap.consequence.zh);
            }
            say(&mut out, "  → ", &gap.how, lang);
        }
    }
    out
}

fn confidence_word(finding: &Finding) -> String {
    serde_json::to_value(finding.confidence)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn write_plan(out: &mut String, plan: &Plan, indent: &str, options: TextOptions) {
    let lang = options.lang;
    if !plan.summary.is_empty() {
        say(out, indent, &plan.summary, lang);
    }
    if let Some(loss) = &plan.data_loss {
        let warn = style(options.color, severity_style(Severity::Warning));
        let _ = writeln!(out, "{indent}{warn}Data given up:{warn:#} {}", loss.en);
        if lang == Lang::Zh {
            let _ = writeln!(out, "{indent}{warn}放弃的数据：{warn:#}{}", loss.zh);
        }
    }
    for (number, step) in plan.steps.iter().enumerate() {
        write_step(out, number + 1, step, indent, lang);
    }
    for alternative in &plan.alternatives {
        let _ = writeln!(out, "{indent}Alternative, {}", alternative.when.en);
        if lang == Lang::Zh {
            let _ = writeln!(out, "{indent}备选方案：{}", alternative.when.zh);
        }
        write_plan(out, &alternative.plan, &format!("{indent}  "), options);
    }
}

fn target_name(target: &Target) -> String {
    match target {
        Target::Replica => "on the replica".into(),
        Target::Source => "on the source".into(),
        Target::Server(name) => format!("on {name}"),
        Target::ReplicaHost => "in a shell on the replica's host".into(),
        Target::SourceHost => "in a shell on the host with the source's binlogs".into(),
        Target::Dba => "by the DBA".into(),
    }
}

fn target_name_zh(target: &Target) -> String {
    match target {
        Target::Replica => "在从库上".into(),
        Target::Source => "在主库上".into(),
        Target::Server(name) => format!("在 {name} 上"),
        Target::ReplicaHost => "在从库主机的 shell 中".into(),
        Target::SourceHost => "在存放主库 binlog 的主机的 shell 中".into(),
        Target::Dba => "由 DBA 完成".into(),
    }
}

fn write_step(out: &mut String, number: usize, step: &Step, indent: &str, lang: Lang) {
    let _ = match lang {
        Lang::En => writeln!(out, "{indent}{number}. {}:", target_name(&step.target)),
        Lang::Zh => writeln!(
            out,
            "{indent}{number}. {}（{}）:",
            target_name(&step.target),
            target_name_zh(&step.target)
        ),
    };
    let inner = format!("{indent}   ");
    match &step.action {
        Action::Sql { statements } => {
            for statement in statements {
                let _ = writeln!(out, "{inner}{statement}");
            }
        }
        Action::Shell { command } => {
            let _ = writeln!(out, "{inner}$ {command}");
        }
        Action::Manual { instruction } => say(out, &inner, instruction, lang),
    }
    say_labelled(out, &inner, ("why", "原因"), &step.why, lang);
    if let Some(check) = &step.precondition {
        write_check(out, &inner, ("only if", "前提"), check, lang);
    }
    if let Some(check) = &step.verify {
        write_check(out, &inner, ("then check", "之后检查"), check, lang);
    }
    if step.risk > RiskLevel::None {
        let note = step.risk_note.as_ref();
        let _ = writeln!(
            out,
            "{inner}risk: {}{}",
            risk_word(step.risk),
            prefixed(note.map_or("", |n| n.en.as_str()))
        );
        if lang == Lang::Zh {
            let zh = note.map_or("", |n| n.zh.as_str());
            let zh = if zh.is_empty() {
                String::new()
            } else {
                format!("：{zh}")
            };
            let _ = writeln!(out, "{inner}风险：{}{zh}", risk_word_zh(step.risk));
        }
    }
}

fn prefixed(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!(": {note}")
    }
}

fn write_check(out: &mut String, indent: &str, label: (&str, &str), check: &Check, lang: Lang) {
    say_labelled(out, indent, label, &check.description, lang);
    if let Some(sql) = &check.sql {
        let expected = match &check.expect {
            Expect::Rows => " returns rows".to_owned(),
            Expect::NoRows => " returns nothing".to_owned(),
            Expect::Value(value) => format!(" = {value}"),
            Expect::Column { name, value } => format!(": {name} = {value}"),
            Expect::Confirmed => String::new(),
        };
        let _ = writeln!(out, "{indent}  ({sql}{expected})");
    }
}

fn risk_word(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::None => "none",
        RiskLevel::Low => "low",
        RiskLevel::Medium => "medium",
        RiskLevel::High => "high",
    }
}

fn risk_word_zh(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::None => "无",
        RiskLevel::Low => "低",
        RiskLevel::Medium => "中",
        RiskLevel::High => "高",
    }
}

/// The failing row next to the replica's and the source's: a header and one line per column
/// (`column | incoming | replica | source`), differing columns marked with `*`.
fn rows_table(facts: &Facts) -> Option<Vec<[String; 4]>> {
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

fn write_rows_table(out: &mut String, indent: &str, table: &[[String; 4]]) {
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            table
                .iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{indent}{}", cells.join(" | ").trim_end());
    }
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
fn fact_lines(facts: &Facts) -> Vec<(String, String)> {
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

/// Fact names longer than this push their value to the right instead of widening the column.
const MAX_FACT_NAME: usize = 24;

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

/// The report as Markdown, for a ticket.
pub fn markdown(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## repldoctor: {}\n", verdict(report));
    if lang == Lang::Zh {
        let _ = writeln!(out, "{}\n", verdict_zh(report));
    }
    for (index, finding) in report.findings.iter().enumerate() {
        let variant = finding
            .variant
            .as_deref()
            .map(|v| format!(" / `{v}`"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "### {}. {} `{}`{variant}: {}\n",
            index + 1,
            severity_word(finding.severity),
            finding.class,
            finding.title.en
        );
        if lang == Lang::Zh {
            let _ = writeln!(out, "{}\n", finding.title.zh);
        }
        if !finding.root_cause.is_empty() {
            let _ = writeln!(out, "**Cause.** {}\n", finding.root_cause.en);
            if lang == Lang::Zh {
                let _ = writeln!(out, "**原因：** {}\n", finding.root_cause.zh);
            }
        }
        let facts = fact_lines(&finding.facts);
        if !facts.is_empty() {
            let _ = writeln!(out, "| fact | value |\n|---|---|");
            for (name, value) in facts {
                let value = value.replace('|', "\\|").replace('\n', "`<br>`");
                let _ = writeln!(out, "| {name} | `{value}` |");
            }
            out.push('\n');
        }
        if let Some(table) = rows_table(&finding.facts) {
            for (index, row) in table.iter().enumerate() {
                let cells: Vec<String> = row.iter().map(|c| c.replace('|', "\\|")).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
                if index == 0 {
                    let _ = writeln!(out, "|---|---|---|---|");
                }
            }
            out.push('\n');
        }
        if !finding.evidence.is_empty() {
            let _ = writeln!(out, "**{}**\n", label("Evidence", "证据", lang));
            for cited in &finding.evidence {
                let _ = writeln!(out, "- {}:\n  ```\n  {}\n  ```", cited.source, cited.quote);
            }
            out.push('\n');
        }
        if !finding.fix.is_empty() {
            let _ = writeln!(out, "**{}**\n\n```", label("Fix", "修复方案", lang));
            write_plan(
                &mut out,
                &finding.fix,
                "",
                TextOptions { lang, color: false },
            );
            let _ = writeln!(out, "```\n");
        }
        for reference in &finding.references {
            let _ = writeln!(out, "- [{}]({})", reference.title, reference.url);
        }
    }
    if !report.missing_evidence.is_empty() {
        let _ = writeln!(out, "### {}\n", label("Could not check", "无法检查", lang));
        for gap in &report.missing_evidence {
            let _ = writeln!(
                out,
                "- {}: {} ({})",
                gap.what.en, gap.consequence.en, gap.how.en
            );
            if lang == Lang::Zh {
                let _ = writeln!(
                    out,
                    "  {}：{}（{}）",
                    gap.what.zh, gap.consequence.zh, gap.how.zh
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Class;
    use crate::finding::Confidence;
    use crate::plan::Check;
    use crate::text;

    fn sample() -> Report {
        let mut finding = Finding::new(
            Class::DupKey,
            Severity::Critical,
            Confidence::Certain,
            text!("Duplicate key on lab.t", "lab.t 主键冲突"),
        );
        finding.facts.gtid = Some("0-1-4".into());
        finding.facts.end_log_pos = Some(1153);
        finding.fix.summary = text!("Compare the rows, then skip", "先比较行，再跳过");
        finding.fix.steps.push(
            Step::sql(
                Target::Replica,
                &["STOP SLAVE"],
                text!("stop first", "先停止"),
                RiskLevel::Low,
            )
            .with_verify(Check::sql(
                text!("the SQL thread stopped", "SQL 线程已停止"),
                "SELECT 1",
                Expect::Rows,
            ))
            .with_risk_note(text!("readers see old data", "读者会看到旧数据")),
        );
        Report::from_parts(vec![finding], Vec::new())
    }

    #[test]
    fn json_texts_are_strings_with_chinese_twins() {
        let english = json(&sample(), Lang::En);
        let finding = &english["findings"][0];
        assert_eq!(finding["class"], "dup_key");
        assert_eq!(finding["facts"]["gtid"], "0-1-4");
        assert_eq!(finding["facts"]["end_log_pos"], 1153);
        assert_eq!(finding["fix"]["summary"], "Compare the rows, then skip");
        assert_eq!(
            finding["fix"]["steps"][0]["verify"]["description"],
            "the SQL thread stopped"
        );
        assert!(finding["fix"].get("summary_zh").is_none());

        let chinese = json(&sample(), Lang::Zh);
        let finding = &chinese["findings"][0];
        assert_eq!(finding["title_zh"], "lab.t 主键冲突");
        assert_eq!(finding["fix"]["summary"], "Compare the rows, then skip");
        assert_eq!(finding["fix"]["summary_zh"], "先比较行，再跳过");
        assert_eq!(finding["fix"]["steps"][0]["why_zh"], "先停止");
    }

    #[test]
    fn text_starts_with_the_verdict() {
        let report = text(&sample(), TextOptions::default());
        assert_eq!(
            report.lines().next(),
            Some("critical: Duplicate key on lab.t")
        );
        assert!(
            report
                .lines()
                .any(|l| l.split_whitespace().eq(["end_log_pos", "1153"])),
            "{report}"
        );
        assert!(!report.contains('\u{1b}'), "no colors when not asked");
        let colored = text(
            &sample(),
            TextOptions {
                lang: Lang::Zh,
                color: true,
            },
        );
        assert!(colored.contains('\u{1b}'));
        assert!(colored.contains("lab.t 主键冲突"));
    }

    #[test]
    fn a_chinese_report_has_every_label_and_text_in_both_languages() {
        let report = text(
            &sample(),
            TextOptions {
                lang: Lang::Zh,
                color: false,
            },
        );
        let lines: Vec<&str> = report.lines().collect();
        assert_eq!(lines[1], "严重：lab.t 主键冲突");
        for expected in [
            "Fix / 修复方案",
            "1. on the replica（在从库上）:",
            "why: stop first",
            "原因：先停止",
            "then check: the SQL thread stopped",
            "之后检查：SQL 线程已停止",
            "risk: low: readers see old data",
            "风险：低：读者会看到旧数据",
        ] {
            assert!(
                lines.iter().any(|line| line.trim() == expected),
                "{expected:?} missing in\n{report}"
            );
        }
        let markdown = markdown(&sample(), Lang::Zh);
        assert!(markdown.contains("**Fix / 修复方案**"), "{markdown}");
    }

    #[test]
    fn compared_rows_side_by_side() {
        let mut report = sample();
        let facts = &mut report.findings[0].facts;
        facts.set(
            "incoming_row",
            json!({"id": "10", "v": "written on the source"}),
        );
        facts.set(
            "local_row",
            json!({"id": "10", "v": "written on the replica"}),
        );
        facts.set("row_differences", json!([{"column": "v"}]));
        let printed = text(&report, TextOptions::default());
        assert!(
            printed.contains("column | incoming              | replica                | source"),
            "{printed}"
        );
        assert!(
            printed
                .contains("v *    | written on the source | written on the replica | (not read)"),
            "{printed}"
        );
        assert!(!printed.contains("incoming_row"), "{printed}");
        let markdown = markdown(&report, Lang::En);
        assert!(
            markdown
                .contains("| v * | written on the source | written on the replica | (not read) |"),
            "{markdown}"
        );
    }

    #[test]
    fn healthy_report() {
        assert_eq!(
            verdict(&Report::default()),
            "healthy: no problem found in the evidence"
        );
    }
}
