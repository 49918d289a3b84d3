//! Where each piece of evidence came from, and when.
//!
//! A diagnosis must be able to say "this error is from the error log you pasted, lines 12-14" or
//! "from SHOW REPLICA STATUS at 10:32:43, second sample", and a bundle replayed offline must say
//! the same thing as the live run that saved it.

use serde::{Deserialize, Serialize};

/// How and when one item was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    pub how: Obtained,
    /// When the item was captured, if known. Pasted text does not say; a live collection does.
    pub captured_at: Option<jiff::Timestamp>,
}

/// The means by which an item was obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Obtained {
    /// Parsed from text a DBA gave: `input` names the file (`-` for standard input), lines are
    /// 1-based and inclusive.
    Pasted {
        input: String,
        first_line: usize,
        last_line: usize,
    },
    /// Returned by a statement run on a live server.
    Query { statement: String },
    /// Read from a file on disk (an error log, a backup log, a relay log).
    File { path: String },
}

impl Provenance {
    pub fn pasted(input: &str, first_line: usize, last_line: usize) -> Provenance {
        Provenance {
            how: Obtained::Pasted {
                input: input.to_owned(),
                first_line,
                last_line,
            },
            captured_at: None,
        }
    }
}

impl Provenance {
    /// Widens a pasted item's line range to include `line`; other origins have no lines.
    pub fn extend_to_line(&mut self, line: usize) {
        if let Obtained::Pasted { last_line, .. } = &mut self.how {
            *last_line = (*last_line).max(line);
        }
    }
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.how {
            Obtained::Pasted {
                input,
                first_line,
                last_line,
            } if first_line == last_line => write!(f, "{input}, line {first_line}"),
            Obtained::Pasted {
                input,
                first_line,
                last_line,
            } => write!(f, "{input}, lines {first_line}-{last_line}"),
            Obtained::Query { statement } => write!(f, "`{statement}`"),
            Obtained::File { path } => write!(f, "{path}"),
        }?;
        if let Some(at) = self.captured_at {
            write!(f, " at {at}")?;
        }
        Ok(())
    }
}
