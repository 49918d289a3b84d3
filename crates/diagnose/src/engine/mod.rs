//! The engine: runs every rule over the evidence and ranks what they find.

pub(crate) mod applier;
pub(crate) mod classify;
mod context;
pub(crate) mod gtids;
pub(crate) mod known_bugs;
pub(crate) mod lag;
pub(crate) mod log_lines;
mod logged;
mod lone_message;
pub(crate) mod meta;
pub(crate) mod plans;
pub(crate) mod receiver;
pub(crate) mod simple;
pub(crate) mod sql;
pub(crate) mod tables;

use evidence::model::Evidence;

use crate::finding::Finding;
use crate::report::{Missing, Report};

pub(crate) use context::{ChannelView, Context};

/// One failure pattern. A rule reads the shared [`Context`] and pushes what it finds.
pub(crate) trait Rule: Sync {
    /// Its class, the error numbers it claims and its references.
    fn meta(&self) -> &'static meta::RuleMeta;

    fn check(&self, context: &Context<'_>, output: &mut Output);
}

/// What the rules found, before ranking.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub findings: Vec<Finding>,
    pub missing: Vec<Missing>,
}

impl Output {
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    pub fn missing(&mut self, missing: Missing) {
        self.missing.push(missing);
    }
}

/// Runs every rule and ranks the findings.
pub fn diagnose(evidence: &Evidence) -> Report {
    let enriched = logged::with_logged_status(evidence);
    let context = Context::new(&enriched);
    let mut output = Output::default();
    for rule in crate::rules::ALL {
        rule.check(&context, &mut output);
    }
    let mut report = Report::from_parts(output.findings, output.missing);
    lone_message::add_what_to_collect(evidence, &mut report);
    report.servers = sql::server_notes(evidence);
    let status_shown = enriched.servers.iter().any(|server| {
        server
            .samples
            .iter()
            .any(|s| s.replica_status_read || !s.channels.is_empty())
    });
    report.status_not_shown = !status_shown && report.worst() <= Some(crate::Severity::Info);
    report
}
