//! The three formats printed from one sample report.

use serde_json::json;

use super::json::json;
use super::markdown::markdown;
use super::text::{TextOptions, text};
use super::verdict;
use crate::class::Class;
use crate::finding::{Confidence, Finding, Severity};
use crate::plan::{Check, Expect, RiskLevel, Step, Target};
use crate::report::Report;
use crate::text;
use crate::text::Lang;

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
        printed.contains("v *    | written on the source | written on the replica | (not read)"),
        "{printed}"
    );
    assert!(!printed.contains("incoming_row"), "{printed}");
    let markdown = markdown(&report, Lang::En);
    assert!(
        markdown.contains("| v * | written on the source | written on the replica | (not read) |"),
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
