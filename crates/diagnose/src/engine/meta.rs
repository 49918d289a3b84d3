//! What a rule declares about itself, once, in its own file: its class, the error numbers it
//! claims and the references its findings cite. The engine builds its error classification
//! from these declarations.

use crate::class::Class;
use crate::finding::Reference;

/// A rule's declaration.
#[derive(Debug)]
pub(crate) struct RuleMeta {
    /// The class its findings carry.
    pub class: Class,
    /// The error numbers whose failures are this rule's.
    pub errors: &'static [ErrorClaim],
    /// What its findings cite, as (title, URL), in order; its doc's `## References` list them
    /// the same way.
    pub references: &'static [(&'static str, &'static str)],
}

impl RuleMeta {
    /// The declared references, as a finding carries them.
    pub fn references(&self) -> Vec<Reference> {
        self.references
            .iter()
            .map(|(title, url)| Reference::new(*title, *url))
            .collect()
    }
}

/// The replication thread that reported an error: the same number means different things on
/// each (1595 is a relay log the applier cannot read, or one the receiver cannot write).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Thread {
    Applier,
    Receiver,
}

/// What must hold, beyond the error number, for a conditional claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Condition {
    /// Replication filters are set: on the channel, in the replica's settings, or as the
    /// source's binlog filters.
    ReplicationFilters,
    /// mysqlbinlog, run on the relay log, named an event type it does not know.
    UnknownEventType,
    /// The error came without a message.
    NoMessage,
}

/// Error numbers of one thread that a rule claims.
#[derive(Debug)]
pub(crate) struct ErrorClaim {
    pub thread: Thread,
    pub codes: &'static [u32],
    /// `None`: the numbers' owner whenever no conditional claim on them holds.
    pub only_if: Option<Condition>,
}

impl ErrorClaim {
    /// Applier (SQL thread) errors.
    pub const fn applier(codes: &'static [u32]) -> Self {
        Self {
            thread: Thread::Applier,
            codes,
            only_if: None,
        }
    }

    /// Receiver (IO thread) errors whose message names no more specific failure.
    pub const fn receiver(codes: &'static [u32]) -> Self {
        Self {
            thread: Thread::Receiver,
            codes,
            only_if: None,
        }
    }

    /// The claim holds only when `condition` does; it wins over the numbers' plain owner.
    pub const fn only_if(self, condition: Condition) -> Self {
        Self {
            only_if: Some(condition),
            ..self
        }
    }
}
