//! The report as Markdown, for a ticket.

use std::fmt::Write as _;

use super::facts::{fact_lines, rows_table};
use super::text::{TextOptions, write_plan};
use super::{label, severity_word, verdict, verdict_zh};
use crate::report::Report;
use crate::text::Lang;

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
    let inferred: Vec<_> = report.servers.iter().filter(|s| s.inferred).collect();
    if !inferred.is_empty() && !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "### {}\n",
            label("Servers (no version given)", "服务器（未给出版本）", lang)
        );
        for note in inferred {
            let _ = writeln!(out, "- {}", super::text::server_note_line(note));
        }
        let _ = writeln!(out);
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
