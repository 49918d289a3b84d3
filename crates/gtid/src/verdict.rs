//! What a comparison means for replication: healthy, warning or critical, and why. One verdict
//! for `gtid compare` and for anything else that judges a replica's GTIDs against its source's.

use serde::Serialize;

use crate::compare::{DomainState, MariadbComparison, MysqlComparison};

/// How bad it is, in the monitoring-plugin order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Healthy,
    Warning,
    Critical,
}

/// How the two servers compared stand to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pair {
    /// The replica replicates from the source, and the source from no one we know of.
    #[default]
    SourceAndReplica,
    /// Each replicates (from the other, or the source through a chain): each one's own
    /// transactions missing on the other are replication in flight or broken, not errant
    /// writes.
    DualPrimary,
}

/// A comparison's severity and its reasons, one short phrase each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub severity: Severity,
    pub reasons: Vec<String>,
}

impl Verdict {
    fn new() -> Verdict {
        Verdict {
            severity: Severity::Healthy,
            reasons: Vec::new(),
        }
    }

    fn raise(&mut self, severity: Severity, reason: String) {
        self.severity = self.severity.max(severity);
        self.reasons.push(reason);
    }
}

/// Errant transactions and purged ones the replica needs are critical (the replica cannot be
/// trusted, or cannot continue); holes that persist are a warning.
pub fn mysql_verdict(comparison: &MysqlComparison, pair: Pair) -> Verdict {
    let mut verdict = Verdict::new();
    if !comparison.errant.is_empty() && pair == Pair::SourceAndReplica {
        verdict.raise(
            Severity::Critical,
            format!(
                "{} errant transactions on the replica",
                comparison.errant_count
            ),
        );
    }
    if let Some(purged) = comparison.missing_purged.as_ref().filter(|p| !p.is_empty()) {
        verdict.raise(
            Severity::Critical,
            format!(
                "the source has purged {} transactions the replica still needs (error 1236)",
                purged.count()
            ),
        );
    }
    if !comparison.replica_holes.interior.is_empty() {
        verdict.raise(
            Severity::Warning,
            format!(
                "{} transactions missing below the replica's highest ones (holes that persist)",
                comparison.replica_holes.interior.count()
            ),
        );
    }
    verdict
}

/// A domain the replica cannot replicate from this source (purged, ahead, diverged, only on
/// the replica) is critical; in a dual primary only a purged one is.
pub fn mariadb_verdict(comparison: &MariadbComparison, pair: Pair) -> Verdict {
    let mut verdict = Verdict::new();
    for d in &comparison.domains {
        let reason = match d.state {
            DomainState::Purged => format!("domain {}: purged on the source", d.domain),
            _ if pair == Pair::DualPrimary => continue,
            DomainState::Ahead { by } => format!("domain {}: replica ahead by {by}", d.domain),
            DomainState::Diverged => format!("domain {}: histories diverged", d.domain),
            DomainState::OnlyOnReplica => format!("domain {}: only on the replica", d.domain),
            _ => continue,
        };
        verdict.raise(Severity::Critical, reason);
    }
    verdict
}
