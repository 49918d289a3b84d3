//! Fix plans as data: ordered steps, each with where it runs, what it does, why, what must
//! still hold before it runs, how to check it worked, and what it risks. `crates/fix` carries
//! them out; here they are only produced.

use serde::{Deserialize, Serialize};

use crate::text::Text;

/// A fix: the steps in order, the alternatives when the right choice is a business decision,
/// and an explicit statement of any data it gives up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan in one sentence.
    pub summary: Text,
    pub steps: Vec<Step>,
    /// Other plans, each with the situation it fits ("if the local row is the right one").
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub alternatives: Vec<Alternative>,
    /// What data the plan gives up, said plainly; `None` when it loses nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_loss: Option<Text>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.alternatives.is_empty()
    }
}

/// A plan that fits a situation the evidence cannot decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternative {
    /// When to choose it.
    pub when: Text,
    /// The choice that selects it for `repldoctor fix` (`--prefer source`), when it is one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub choice: Option<Choice>,
    pub plan: Plan,
}

/// A decision the evidence cannot make, which the DBA gives `repldoctor fix` as `--prefer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// The replica ends with the source's rows.
    PreferSource,
    /// The replica keeps its own rows; the source's transaction is skipped.
    PreferReplica,
    /// The session blocking the applier is killed (its open transaction rolled back).
    KillBlocker,
}

/// Where a step runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Target {
    /// The replica being diagnosed.
    Replica,
    /// Its source.
    Source,
    /// A server named by its label in the evidence (both sides of a dual-primary pair).
    Server(String),
    /// A shell on the replica's host.
    ReplicaHost,
    /// A shell on the source's host.
    SourceHost,
    /// A decision or task for a person (talk to the application owner, change a backup job).
    Dba,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Action {
    /// SQL statements, run in order on one connection.
    Sql { statements: Vec<String> },
    /// MySQL: an empty transaction committed under each GTID of `gtids` (`SET GTID_NEXT`,
    /// `BEGIN`, `COMMIT`), in batches on one connection, each batch checked right before to
    /// hold no GTID the server has executed already. A set of any size stays one line here.
    InjectEmpty { gtids: String },
    /// A shell command.
    Shell { command: String },
    /// Something only a person can do.
    Manual { instruction: Text },
}

/// A condition checked with SQL (or by a person) before or after a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub description: Text,
    /// The query; `None` when only a person can check it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    pub expect: Expect,
}

/// What the check's query must return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Expect {
    /// At least one row.
    Rows,
    /// No row at all.
    NoRows,
    /// The first column of the first row equals this text (`NULL` for SQL NULL).
    Value(String),
    /// The named column of the first row equals this text: for `SHOW` statements, whose
    /// columns cannot be chosen.
    Column { name: String, value: String },
    /// The named column of the first row is there and differs from this text (a thread that
    /// is not `Yes`, whatever else it says).
    ColumnIsNot { name: String, value: String },
    /// A person confirms it.
    Confirmed,
}

/// How much a step could hurt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Reads only.
    None,
    /// Changes state that the next steps or a restart restore.
    Low,
    /// Changes data or replication coordinates; reversible with care.
    Medium,
    /// Can lose data or diverge servers if the precondition is wrong.
    High,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub target: Target,
    pub action: Action,
    pub why: Text,
    /// What must still hold right before the step runs, every one; the fixer re-checks them.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub preconditions: Vec<Check>,
    /// How to tell the step worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<Check>,
    pub risk: RiskLevel,
    /// What the risk is, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk_note: Option<Text>,
}

impl Step {
    /// A step of SQL statements on `target`.
    pub fn sql(target: Target, statements: &[&str], why: Text, risk: RiskLevel) -> Self {
        Self {
            target,
            action: Action::Sql {
                statements: statements.iter().map(|s| (*s).to_owned()).collect(),
            },
            why,
            preconditions: Vec::new(),
            verify: None,
            risk,
            risk_note: None,
        }
    }

    /// A step only a person can take.
    pub fn manual(target: Target, instruction: Text, why: Text) -> Self {
        Self {
            target,
            action: Action::Manual { instruction },
            why,
            preconditions: Vec::new(),
            verify: None,
            risk: RiskLevel::None,
            risk_note: None,
        }
    }

    /// Adds a condition that must hold right before the step.
    pub fn with_precondition(mut self, check: Check) -> Self {
        self.preconditions.push(check);
        self
    }

    /// Adds conditions that must all hold right before the step.
    pub fn with_preconditions(mut self, checks: impl IntoIterator<Item = Check>) -> Self {
        self.preconditions.extend(checks);
        self
    }

    pub fn with_verify(mut self, check: Check) -> Self {
        self.verify = Some(check);
        self
    }

    pub fn with_risk_note(mut self, note: Text) -> Self {
        self.risk_note = Some(note);
        self
    }
}

impl Check {
    pub fn sql(description: Text, sql: impl Into<String>, expect: Expect) -> Self {
        Self {
            description,
            sql: Some(sql.into()),
            expect,
        }
    }

    pub fn confirmed(description: Text) -> Self {
        Self {
            description,
            sql: None,
            expect: Expect::Confirmed,
        }
    }
}
