//! What the watcher knows about each target now: the last poll's outcome, its figures, its
//! findings and since when each holds. Shared by the pollers (which write) and the HTTP
//! endpoints (which read).

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use diagnose::{Class, Report, Severity};
use jiff::Timestamp;
use serde::Serialize;

use crate::figures::Figures;

/// A target's health, ordered worst last, with the monitoring-plugin exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    Warning,
    Critical,
    /// Not reached, or nothing proves it healthy.
    Unknown,
}

impl Health {
    /// 0 healthy, 1 warning, 2 critical, 3 unknown.
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Warning => "warning",
            Health::Critical => "critical",
            Health::Unknown => "unknown",
        }
    }

    /// A report's health, as `diagnose` gives it.
    pub fn of(report: &Report) -> Health {
        if report.undetermined() {
            return Health::Unknown;
        }
        match report.worst() {
            Some(Severity::Critical) => Health::Critical,
            Some(Severity::Warning) => Health::Warning,
            Some(Severity::Info) | None => Health::Healthy,
        }
    }
}

/// A finding that holds on a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActiveFinding {
    pub class: Class,
    /// `""` is the default channel; `None` when the finding names none.
    pub channel: Option<String>,
    pub severity: Severity,
    pub error_code: Option<u32>,
    pub title: String,
    /// The first poll that found it.
    pub since: Timestamp,
}

impl ActiveFinding {
    fn same(&self, class: Class, channel: Option<&str>) -> bool {
        self.class == class && self.channel.as_deref() == channel
    }
}

/// A finding starting, changing severity or ending: what history keeps and alerts tell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub target: String,
    pub at: Timestamp,
    pub kind: TransitionKind,
    pub finding: ActiveFinding,
    /// What proved it at that poll: the finding's facts, the evidence it cites and its cause
    /// (the last known for an end). Kept in the history and sent with alerts.
    pub evidence: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    Started,
    /// Its severity changed; `finding` holds the new one.
    Changed,
    Ended,
}

impl TransitionKind {
    pub fn name(self) -> &'static str {
        match self {
            TransitionKind::Started => "started",
            TransitionKind::Changed => "changed",
            TransitionKind::Ended => "ended",
        }
    }
}

/// One target's state.
#[derive(Debug, Clone, Serialize)]
pub struct TargetState {
    pub name: String,
    /// The replica's `host:port`.
    pub replica: String,
    /// The last poll that ended (reached the replica or not).
    pub polled_at: Option<Timestamp>,
    pub poll_seconds: f64,
    /// The replica answered the last poll.
    pub up: bool,
    /// Why the last poll did not reach the replica (no password in it).
    pub error: Option<String>,
    /// The source answered the last poll; `None` when no source is read.
    pub source_up: Option<bool>,
    pub health: Health,
    pub top_class: Option<Class>,
    pub figures: Figures,
    pub findings: Vec<ActiveFinding>,
    pub polls: u64,
    pub failed_polls: u64,
    /// The last report, for the API and the page.
    #[serde(skip)]
    pub report: Option<Report>,
}

impl TargetState {
    pub fn new(name: &str, replica: &str) -> TargetState {
        TargetState {
            name: name.to_owned(),
            replica: replica.to_owned(),
            polled_at: None,
            poll_seconds: 0.0,
            up: false,
            error: None,
            source_up: None,
            health: Health::Unknown,
            top_class: None,
            figures: Figures::default(),
            findings: Vec::new(),
            polls: 0,
            failed_polls: 0,
            report: None,
        }
    }

    /// Takes a poll's report: findings that are new start now, those gone end now.
    pub fn diagnosed(
        &mut self,
        report: Report,
        figures: Figures,
        source_up: Option<bool>,
        at: Timestamp,
    ) -> Vec<Transition> {
        let mut transitions = Vec::new();
        let mut current: Vec<ActiveFinding> = Vec::new();
        for finding in &report.findings {
            let channel = finding.facts.channel.as_deref();
            if current.iter().any(|f| f.same(finding.class, channel)) {
                continue;
            }
            let known = self
                .findings
                .iter()
                .find(|f| f.same(finding.class, channel));
            let active = ActiveFinding {
                class: finding.class,
                channel: channel.map(str::to_owned),
                severity: finding.severity,
                error_code: finding.error_code,
                title: finding.title.en.clone(),
                since: known.map_or(at, |k| k.since),
            };
            let kind = match known {
                None => Some(TransitionKind::Started),
                Some(k) if k.severity != active.severity => Some(TransitionKind::Changed),
                Some(_) => None,
            };
            if let Some(kind) = kind {
                transitions.push(self.transition(kind, &active, evidence_of(finding), at));
            }
            current.push(active);
        }
        for ended in &self.findings {
            if !current
                .iter()
                .any(|f| f.same(ended.class, ended.channel.as_deref()))
            {
                let last = self.report.as_ref().and_then(|r| {
                    r.findings
                        .iter()
                        .find(|f| ended.same(f.class, f.facts.channel.as_deref()))
                });
                let evidence = last.map_or(serde_json::Value::Null, evidence_of);
                transitions.push(self.transition(TransitionKind::Ended, ended, evidence, at));
            }
        }
        self.findings = current;
        self.health = Health::of(&report);
        self.top_class = report.top_class();
        self.figures = figures;
        self.source_up = source_up;
        self.up = true;
        self.error = None;
        self.report = Some(report);
        transitions
    }

    /// A poll that did not reach the replica. The findings stay as they were: nothing shows
    /// they ended.
    pub fn unreachable(&mut self, reason: String) {
        self.up = false;
        self.error = Some(reason);
        self.health = Health::Unknown;
        self.failed_polls += 1;
    }

    fn transition(
        &self,
        kind: TransitionKind,
        finding: &ActiveFinding,
        evidence: serde_json::Value,
        at: Timestamp,
    ) -> Transition {
        Transition {
            target: self.name.clone(),
            at,
            kind,
            finding: finding.clone(),
            evidence,
        }
    }
}

/// A finding's facts, cited evidence and cause, as JSON.
fn evidence_of(finding: &diagnose::Finding) -> serde_json::Value {
    serde_json::json!({
        "facts": finding.facts,
        "evidence": finding.evidence,
        "root_cause": finding.root_cause.en,
    })
}

/// Every target's state, by name.
#[derive(Debug, Clone, Default)]
pub struct FleetState {
    targets: Arc<RwLock<BTreeMap<String, TargetState>>>,
}

impl FleetState {
    pub fn new(targets: impl IntoIterator<Item = TargetState>) -> FleetState {
        let map = targets.into_iter().map(|t| (t.name.clone(), t)).collect();
        FleetState {
            targets: Arc::new(RwLock::new(map)),
        }
    }

    /// Changes one target's state.
    pub fn update<R>(&self, name: &str, change: impl FnOnce(&mut TargetState) -> R) -> Option<R> {
        // A poisoned lock means a poller panicked mid-update; the state it left is still the
        // best there is.
        let mut targets = self.targets.write().unwrap_or_else(|e| e.into_inner());
        targets.get_mut(name).map(change)
    }

    /// Reads one target's state under the lock; `None` when no target has that name.
    pub fn with_target<R>(&self, name: &str, read: impl FnOnce(&TargetState) -> R) -> Option<R> {
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
        targets.get(name).map(read)
    }

    /// Reads every target's state in name order, under the lock (no copy of the reports).
    pub fn with_targets<R>(
        &self,
        read: impl FnOnce(&mut dyn Iterator<Item = &TargetState>) -> R,
    ) -> R {
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
        read(&mut targets.values())
    }

    /// A copy of every target's state, in name order.
    pub fn snapshot(&self) -> Vec<TargetState> {
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
        targets.values().cloned().collect()
    }

    /// The worst health of the fleet.
    pub fn worst(&self) -> Health {
        let targets = self.targets.read().unwrap_or_else(|e| e.into_inner());
        targets
            .values()
            .map(|t| t.health)
            .max()
            .unwrap_or(Health::Unknown)
    }
}
