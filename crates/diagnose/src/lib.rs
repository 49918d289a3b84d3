//! The diagnosis rules: one file per replication failure pattern.
//!
//! The engine runs every rule over the evidence and ranks what they find. Each finding names a
//! class from the taxonomy, the root cause in plain words, the evidence that proves it, how sure
//! it is, and a fix plan made of typed steps. The engine also says what it could not check and
//! which extra evidence would settle it.

pub mod catalogue;
pub mod class;
mod engine;
pub mod finding;
mod gaps;
pub mod plan;
pub mod render;
pub mod report;
mod rules;
pub mod text;

pub use class::{Class, Group};
pub use engine::diagnose;
pub use finding::{Cited, Confidence, Facts, Finding, Reference, Severity};
pub use gaps::{diagnose_collection, missing_from_gaps};
pub use plan::{Action, Alternative, Check, Expect, Plan, RiskLevel, Step, Target};
pub use report::{Missing, Report, ServerNote};
pub use text::{Lang, Text};
