//! The report as text for a terminal.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::facts::{fact_lines, rows_table};
use super::{label, severity_word, verdict, verdict_zh};
use crate::finding::{Finding, Severity};
use crate::plan::{Action, Check, Choice, Expect, Plan, RiskLevel, Step, Target};
use crate::report::{Report, ServerNote};
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
    let inferred: Vec<&ServerNote> = report.servers.iter().filter(|s| s.inferred).collect();
    if !inferred.is_empty() && !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{bold}{}{bold:#}",
            label("Servers (no version given)", "服务器（未给出版本）", lang)
        );
        for note in inferred {
            let _ = writeln!(out, "- {}", server_note_line(note));
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

/// `db2: MySQL, inferred from MySQL-only status columns; statements spelled for MySQL 8.0.22
/// or later`.
pub(super) fn server_note_line(note: &ServerNote) -> String {
    let name = note.server.as_deref().unwrap_or("the server");
    let flavor = match note.flavor.as_deref() {
        Some("mariadb") => "MariaDB",
        Some(_) => "MySQL",
        None => "flavor not shown",
    };
    let how = note
        .identified_by
        .as_deref()
        .map(|by| format!(", inferred from {by}"))
        .unwrap_or_default();
    format!(
        "{name}: {flavor}{how}; statements spelled for {}",
        note.statements_for
    )
}

fn confidence_word(finding: &Finding) -> String {
    serde_json::to_value(finding.confidence)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(super) fn write_plan(out: &mut String, plan: &Plan, indent: &str, options: TextOptions) {
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
        let chosen_by = match alternative.choice {
            Some(Choice::PreferSource) => " (repldoctor fix --prefer source)",
            Some(Choice::PreferReplica) => " (repldoctor fix --prefer replica)",
            Some(Choice::KillBlocker) => " (repldoctor fix --kill-blocker)",
            None => "",
        };
        let _ = writeln!(
            out,
            "{indent}Alternative, {}{chosen_by}",
            alternative.when.en
        );
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
        Action::InjectEmpty { gtids } => {
            let _ = writeln!(
                out,
                "{inner}an empty transaction (SET GTID_NEXT, BEGIN, COMMIT) under each GTID of \
                 {gtids}, in batches each checked not executed yet; then SET GTID_NEXT = 'AUTOMATIC'"
            );
        }
        Action::Shell { command } => {
            let _ = writeln!(out, "{inner}$ {command}");
        }
        Action::Manual { instruction } => say(out, &inner, instruction, lang),
    }
    say_labelled(out, &inner, ("why", "原因"), &step.why, lang);
    for check in &step.preconditions {
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
            Expect::ColumnIsNot { name, value } => format!(": {name} is not {value}"),
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

/// Fact names longer than this push their value to the right instead of widening the column.
const MAX_FACT_NAME: usize = 24;
