//! Carrying out fix plans safely.
//!
//! A plan (`diagnose::plan`) is a list of typed steps, each with the server it runs on, its
//! preconditions and a check afterwards. [`executor::preview`] evaluates the preconditions and
//! changes nothing (the dry run); [`executor::apply`] re-reads every precondition on the
//! step's pinned session right before the step, sends the step's statements on that one
//! connection, reads its check, and writes a [`journal`] line before the next step. It stops
//! at the first precondition or check that fails, at a step only a person can take, and
//! between steps on Ctrl-C. [`executor::lock`] keeps a second fixer off the same replica.
//!
//! Which finding a run is for ([`finding::FindingKey`]) is compared with a saved diagnosis
//! before and with a fresh one after: the repair is done when the finding is gone.

pub mod check;
pub mod executor;
pub mod finding;
pub mod inject;
pub mod journal;
pub mod state;

pub use executor::{Disposition, Outcome, Servers, Stop};
pub use finding::FindingKey;
pub use journal::Journal;
