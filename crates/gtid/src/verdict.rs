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

/// Errant transactions are a warning (replication works; a failover to the replica would
/// serve them), critical when some are ahead of the source on a UUID it writes (the source
/// refuses the replica at its next connection: "has more GTIDs than the master"); purged ones
/// the replica needs are critical (it cannot continue); holes that persist are a warning.
pub fn mysql_verdict(comparison: &MysqlComparison, pair: Pair) -> Verdict {
    let mut verdict = Verdict::new();
    if !comparison.errant.is_empty() && pair == Pair::SourceAndReplica {
        let ahead = !comparison.ahead_of_source.is_empty();
        verdict.raise(
            if ahead {
                Severity::Critical
            } else {
                Severity::Warning
            },
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
/// the replica: with `master_use_gtid = current_pos` the source refuses it) is critical; in a
/// dual primary only a purged one is.
pub fn mariadb_verdict(comparison: &MariadbComparison, pair: Pair) -> Verdict {
    let mut verdict = Verdict::new();
    for d in &comparison.domains {
        let (severity, reason) = match d.state {
            DomainState::Purged => (
                Severity::Critical,
                format!("domain {}: purged on the source", d.domain),
            ),
            _ if pair == Pair::DualPrimary => continue,
            DomainState::Ahead { by } => (
                Severity::Critical,
                format!("domain {}: replica ahead by {by}", d.domain),
            ),
            DomainState::Diverged => (
                Severity::Critical,
                format!("domain {}: histories diverged", d.domain),
            ),
            DomainState::OnlyOnReplica => (
                Severity::Critical,
                format!("domain {}: only on the replica", d.domain),
            ),
            _ => continue,
        };
        verdict.raise(severity, reason);
    }
    verdict
}
