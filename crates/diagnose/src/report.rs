//! The result of a diagnosis: findings in rank order and what could not be checked.

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::finding::{Finding, Severity};
use crate::text::Text;

/// Evidence the diagnosis lacked, what that leaves open, and how to get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Missing {
    /// What is missing: "a connection to the source".
    pub what: Text,
    /// What cannot be told without it: "cannot tell errant transactions from crash loss".
    pub consequence: Text,
    /// How to get it: "run again with --source DSN".
    pub how: Text,
}

/// Which server the report speaks of, and how its flavor and version were known: read from
/// the server, or inferred from what the paste showed (column names, variables, a prompt).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerNote {
    /// The server's label; `None` for the one unnamed server of a paste.
    pub server: Option<String>,
    /// `mysql` or `mariadb`, when known.
    pub flavor: Option<String>,
    /// As the server printed it, when given.
    pub version: Option<String>,
    /// What told the flavor or version (`variable version`, `MySQL-only status columns`).
    pub identified_by: Option<String>,
    /// No version was given: flavor and release were inferred, and the plans' statements are
    /// spelled for the release in `statements_for`.
    pub inferred: bool,
    /// The release whose statement names the plans use: `MySQL 8.0.22 or later`.
    pub statements_for: String,
}

/// Findings, most important first, the gaps in the evidence, and the servers it came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub missing_evidence: Vec<Missing>,
    #[serde(default)]
    pub servers: Vec<ServerNote>,
    /// Parts of the evidence that look like replication errors but were not understood, when
    /// nothing worse than information was found: the report cannot say the replica is
    /// healthy (`verdict` says it could not tell).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread_errors: Vec<String>,
    /// Nothing was found, but the evidence holds no replication status (no channel, no status
    /// read): nothing proves the replica healthy either.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status_not_shown: bool,
}

impl Report {
    /// Merges duplicates and puts the findings in rank order: critical before warning before
    /// info; within a severity, a cause before the symptoms it explains; then the surer first.
    pub fn from_parts(findings: Vec<Finding>, missing: Vec<Missing>) -> Self {
        let mut merged: Vec<Finding> = Vec::with_capacity(findings.len());
        for finding in findings {
            match merged
                .iter_mut()
                .find(|f| f.identity() == finding.identity())
            {
                Some(existing) => absorb(existing, finding),
                None => merged.push(finding),
            }
        }
        let mut missing_evidence: Vec<Missing> = Vec::with_capacity(missing.len());
        for gap in missing {
            if !missing_evidence.contains(&gap) {
                missing_evidence.push(gap);
            }
        }
        Self {
            findings: rank(merged),
            missing_evidence,
            servers: Vec::new(),
            unread_errors: Vec::new(),
            status_not_shown: false,
        }
    }

    /// Notes the parts of the evidence that look like replication errors and were not
    /// understood (`place: excerpt` each, as the parser flags them): when no finding is a
    /// warning or worse, the report cannot call the replica healthy.
    pub fn note_not_understood(&mut self, parts: impl IntoIterator<Item = String>) {
        if self.findings.iter().any(|f| f.severity > Severity::Info) {
            return;
        }
        self.unread_errors.extend(parts);
    }

    /// Nothing worse than information was found, and the evidence cannot say the replica is
    /// healthy: parts that look like replication errors were not understood, or no
    /// replication status was given.
    pub fn undetermined(&self) -> bool {
        self.worst() <= Some(Severity::Info)
            && (!self.unread_errors.is_empty() || self.status_not_shown)
    }

    /// The worst severity found, `None` when nothing was found.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The top finding's class, what a dashboard shows.
    pub fn top_class(&self) -> Option<Class> {
        self.findings.first().map(|f| f.class)
    }
}

/// Keeps the stronger of two reports of the same finding and the evidence of both.
fn absorb(existing: &mut Finding, other: Finding) {
    if (other.severity, other.confidence) > (existing.severity, existing.confidence) {
        existing.severity = other.severity;
        existing.confidence = other.confidence;
    }
    for cited in other.evidence {
        if !existing.evidence.contains(&cited) {
            existing.evidence.push(cited);
        }
    }
    for class in other.explains {
        if !existing.explains.contains(&class) {
            existing.explains.push(class);
        }
    }
}

fn rank(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| explanation_order(a, b))
            .then_with(|| is_hazard(a.class).cmp(&is_hazard(b.class)))
            .then_with(|| b.confidence.cmp(&a.confidence))
    });
    findings
}

/// A setting that could cause a failure later, where others of the same severity are about
/// what replication is doing now (an applier blocked, a receiver failing): those come first.
fn is_hazard(class: Class) -> bool {
    class.group() == crate::class::Group::Configuration && class != Class::NoReplicationChannel
}

/// A finding that explains the other's class comes first.
fn explanation_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.explains.contains(&b.class), b.explains.contains(&a.class)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Cited, Confidence};
    use crate::text;

    fn finding(class: Class, severity: Severity, confidence: Confidence) -> Finding {
        Finding::new(class, severity, confidence, text!("{class}", "{class}"))
    }

    #[test]
    fn critical_before_warning_and_cause_before_symptom() {
        let symptom = finding(
            Class::ApplierLockWait,
            Severity::Critical,
            Confidence::Certain,
        );
        let mut cause = finding(
            Class::MtsCommitOrderHang,
            Severity::Critical,
            Confidence::High,
        );
        cause.explains.push(Class::ApplierLockWait);
        let warning = finding(
            Class::ReplicaWritable,
            Severity::Warning,
            Confidence::Certain,
        );
        let report = Report::from_parts(vec![warning, symptom, cause], Vec::new());
        let order: Vec<Class> = report.findings.iter().map(|f| f.class).collect();
        assert_eq!(
            order,
            [
                Class::MtsCommitOrderHang,
                Class::ApplierLockWait,
                Class::ReplicaWritable
            ]
        );
        assert_eq!(report.worst(), Some(Severity::Critical));
    }

    #[test]
    fn duplicates_merge_their_evidence() {
        let mut first = finding(Class::DupKey, Severity::Critical, Confidence::High);
        first.facts.gtid = Some("0-1-4".into());
        first.evidence.push(Cited {
            server: None,
            source: "SHOW SLAVE STATUS".into(),
            quote: "1062".into(),
        });
        let mut second = first.clone();
        second.confidence = Confidence::Certain;
        second.evidence[0].source = "error log".into();
        let report = Report::from_parts(vec![first, second], Vec::new());
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].confidence, Confidence::Certain);
        assert_eq!(report.findings[0].evidence.len(), 2);
    }

    #[test]
    fn different_transactions_stay_apart() {
        let mut first = finding(Class::DupKey, Severity::Critical, Confidence::High);
        first.facts.gtid = Some("0-1-4".into());
        let mut second = first.clone();
        second.facts.gtid = Some("0-2-4".into());
        assert_eq!(
            Report::from_parts(vec![first, second], Vec::new())
                .findings
                .len(),
            2
        );
    }
}
