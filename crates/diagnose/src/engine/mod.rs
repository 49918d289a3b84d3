//! The engine: runs every rule over the evidence and ranks what they find.

pub mod applier;
pub mod classify;
pub mod context;
pub mod gtids;
pub mod known_bugs;
pub mod lag;
pub mod log_lines;
pub mod logged;
pub mod plans;
pub mod receiver;
pub mod simple;
pub mod sql;
pub mod tables;

use evidence::model::Evidence;

use crate::class::Class;
use crate::finding::Finding;
use crate::report::{Missing, Report};

pub use context::{ChannelView, Context};

/// One failure pattern. A rule reads the shared [`Context`] and pushes what it finds.
pub trait Rule: Sync {
    /// The class its findings carry.
    fn class(&self) -> Class;

    fn check(&self, context: &Context<'_>, output: &mut Output);
}

/// What the rules found, before ranking.
#[derive(Debug, Default)]
pub struct Output {
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
    let evidence = logged::with_logged_status(evidence);
    let context = Context::new(&evidence);
    let mut output = Output::default();
    for rule in crate::rules::ALL {
        rule.check(&context, &mut output);
    }
    Report::from_parts(output.findings, output.missing)
}
