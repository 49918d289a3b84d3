//! What a run found, per table and per differing row.

use serde::{Deserialize, Serialize};

use crate::point::Point;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Equal,
    Different,
    /// Not compared, or not to the end: never taken for equal.
    NotCompared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowDifferenceKind {
    OnlySource,
    OnlyReplica,
    Different,
}

/// One row that differs, named by its key (each column's SQL literal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowDifference {
    pub kind: RowDifferenceKind,
    pub key: Vec<(String, String)>,
    /// For `different`: the columns whose values differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableReport {
    pub table: String,
    pub verdict: Verdict,
    /// The key chunks follow; `None`: compared whole.
    pub key: Option<String>,
    pub chunks: u64,
    pub rows_source: u64,
    pub rows_replica: u64,
    /// Rows found different, listed up to the report's bound.
    pub differences: Vec<RowDifference>,
    /// Rows found different in all (the list may stop earlier).
    pub rows_different: u64,
    /// Why the table, or part of it, was not compared, or could not be narrowed to rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl TableReport {
    pub fn new(table: String, key: Option<String>) -> TableReport {
        TableReport {
            table,
            verdict: Verdict::Equal,
            key,
            chunks: 0,
            rows_source: 0,
            rows_replica: 0,
            differences: Vec::new(),
            rows_different: 0,
            notes: Vec::new(),
        }
    }

    pub fn not_compared(&mut self, why: String) {
        if self.verdict == Verdict::Equal {
            self.verdict = Verdict::NotCompared;
        }
        self.notes.push(why);
    }

    pub fn different(&mut self) {
        self.verdict = Verdict::Different;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub source: String,
    pub replica: String,
    /// Every point the chunks were read at, one per round.
    pub points: Vec<Point>,
    pub tables: Vec<TableReport>,
    /// Statements that would make the replica match the source (`--print-sql`), to run on the
    /// replica only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<String>,
    /// Tables the replica's channel does not replicate (its filters): left out, not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_replicated: Vec<String>,
    /// Said once for the run: a table without a key, an interruption.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Seconds spent waiting for the source to be less busy (`--max-threads-running`) or the
    /// replica to catch up (`--max-lag`).
    pub paused_seconds: u64,
    /// The run stopped before the end (Ctrl-C, a lost server): what was compared stands.
    pub interrupted: bool,
}

impl Report {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.tables.iter().filter(|t| t.verdict == verdict).count()
    }
}
