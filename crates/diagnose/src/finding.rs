//! What a rule found: the class, the cause, the facts, the evidence and the plan.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::class::Class;
use crate::plan::Plan;
use crate::text::Text;

/// How bad it is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; nothing to do now.
    Info,
    /// Replication works, but something deserves attention before it breaks.
    Warning,
    /// Replication is broken, or data is at risk.
    Critical,
}

impl Severity {
    /// The stable name used in JSON, metrics labels and history: `info`, `warning`, `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// How sure the rule is. Ordered: `Low < Medium < High < Certain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// A plausible reading; more evidence is needed.
    Low,
    /// Likely, but another explanation fits part of the evidence.
    Medium,
    /// Every piece of evidence fits and none contradicts it.
    High,
    /// The server says so in as many words (an error number and message, a set difference).
    Certain,
}

/// The concrete values behind a finding, under stable names scripts can read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// The server the finding is about, by its label in the evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The replication channel (`""` is the default channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gtid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_log_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_log_pos: Option<u64>,
    /// Where the applier stopped: the start of the failing transaction in the source's binlog.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec_source_log_pos: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_log_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relay_log_pos: Option<u64>,
    /// `db.table`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The key value and key name involved, as the server printed them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub thread_ids: Vec<u64>,
    /// Anything else a rule establishes: GTID sets, versions, variable values, times.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl Facts {
    /// Records another fact under `name`.
    pub fn set(&mut self, name: &str, value: impl Into<serde_json::Value>) -> &mut Self {
        self.other.insert(name.to_owned(), value.into());
        self
    }
}

/// One piece of evidence a finding rests on, quoted as the DBA can find it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cited {
    /// The server's label, when the evidence has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Where it comes from: `SHOW SLAVE STATUS: Last_SQL_Error`, `error log line 12`.
    pub source: String,
    /// The words or values themselves.
    pub quote: String,
}

/// A bug report, manual page or article that backs the finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

impl Reference {
    pub fn new(title: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            url: url.into(),
        }
    }
}

/// A diagnosis: the class, why it happened, the proof and the fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub class: Class,
    /// A finer kind within the class, e.g. `dual_primary_collision` for `dup_key`.
    pub variant: Option<String>,
    /// The server error number behind it, when there is one.
    pub error_code: Option<u32>,
    pub severity: Severity,
    pub confidence: Confidence,
    /// One line: what is wrong.
    pub title: Text,
    /// Why it happened, in plain words.
    pub root_cause: Text,
    pub facts: Facts,
    pub evidence: Vec<Cited>,
    pub fix: Plan,
    pub references: Vec<Reference>,
    /// Classes whose findings are symptoms of this one: the engine ranks this one first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub explains: Vec<Class>,
}

impl Finding {
    /// A finding with the given class, severity and confidence and nothing else yet.
    pub fn new(class: Class, severity: Severity, confidence: Confidence, title: Text) -> Self {
        Self {
            class,
            variant: None,
            error_code: None,
            severity,
            confidence,
            title,
            root_cause: Text::default(),
            facts: Facts::default(),
            evidence: Vec::new(),
            fix: Plan::default(),
            references: Vec::new(),
            explains: Vec::new(),
        }
    }

    /// What makes two findings the same finding: the same class and variant about the same
    /// server, channel, transaction and table.
    pub(crate) fn identity(&self) -> impl PartialEq + '_ {
        (
            self.class,
            self.variant.as_deref(),
            self.facts.server.as_deref(),
            self.facts.channel.as_deref(),
            self.facts.gtid.as_deref(),
            self.facts.end_log_pos,
            self.facts.table.as_deref(),
        )
    }
}
