//! Printing a report: text a tired DBA reads in 30 seconds (verdict first, then for each
//! finding the cause, the facts, the evidence and the plan), Markdown for tickets, JSON for
//! scripts. One file per format; the verdict and the words they share are here.

mod facts;
mod json;
mod markdown;
#[cfg(test)]
mod tests;
mod text;

use crate::finding::Severity;
use crate::report::Report;
use crate::text::Lang;

pub use json::json;
pub use markdown::markdown;
pub use text::{TextOptions, text};

pub(super) fn severity_word(severity: Severity) -> &'static str {
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
pub(super) fn label(en: &str, zh: &str, lang: Lang) -> String {
    match lang {
        Lang::En => en.to_owned(),
        Lang::Zh => format!("{en} / {zh}"),
    }
}

/// The verdict in Chinese, the second line of a bilingual report.
pub(super) fn verdict_zh(report: &Report) -> String {
    if report.undetermined() && report.unread_errors.is_empty() {
        return "未知：未发现问题，但证据中没有复制状态，无法证明从库健康".to_owned();
    }
    if !report.unread_errors.is_empty() && report.worst() <= Some(Severity::Info) {
        return format!(
            "未知：无法判断；有 {} 处看似复制错误的内容未能识别",
            report.unread_errors.len()
        );
    }
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
    if report.undetermined() && report.unread_errors.is_empty() {
        return "unknown: no problem found, but the evidence holds no replication status to prove the replica healthy (paste SHOW REPLICA STATUS\\G or SHOW SLAVE STATUS\\G)".to_owned();
    }
    if !report.unread_errors.is_empty() && report.worst() <= Some(Severity::Info) {
        return format!(
            "unknown: could not tell; {} part(s) that look like replication errors were not understood ({})",
            report.unread_errors.len(),
            report.unread_errors[0]
        );
    }
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
