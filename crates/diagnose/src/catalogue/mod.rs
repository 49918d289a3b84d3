//! Which class each replication error of the servers' message catalogues belongs to, or why it
//! is no replication failure: the second half of the one classification table (the first is
//! the rules' own `META` declarations, which win where they claim a number; the two agree, see
//! the tests). Generated with the templates by `scripts/catalogue/derive.py`.

mod data;

use evidence::model::{Flavor, ReplicationThread};
use evidence::text::messages::catalogue as templates;

use crate::class::Class;

/// What the table says of one error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Classified(Class),
    /// Not a replication failure; the index of the reason in [`reasons`].
    Excluded(usize),
}

/// One error of one flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub flavor: Flavor,
    pub number: u32,
    pub symbol: &'static str,
    /// The first release series read that raises it.
    pub first: &'static str,
    /// The last series that raises it; `None` when the newest series read still does.
    pub last: Option<&'static str>,
    pub verdict: Verdict,
}

impl Entry {
    const fn new(
        flavor: Flavor,
        number: u32,
        symbol: &'static str,
        first: &'static str,
        last: Option<&'static str>,
        verdict: Verdict,
    ) -> Self {
        Self {
            flavor,
            number,
            symbol,
            first,
            last,
            verdict,
        }
    }

    /// The class, when the error is a replication failure.
    pub fn class(&self) -> Option<Class> {
        match self.verdict {
            Verdict::Classified(class) => Some(class),
            Verdict::Excluded(_) => None,
        }
    }

    /// Why it is not a replication failure, when it is not.
    pub fn exclusion(&self) -> Option<&'static str> {
        match self.verdict {
            Verdict::Classified(_) => None,
            Verdict::Excluded(reason) => data::REASONS.get(reason).copied(),
        }
    }
}

/// Every replication-related error of both flavors, by flavor then number.
pub fn entries() -> &'static [Entry] {
    data::ENTRIES
}

/// The entry of `number` for `flavor`.
pub fn entry(flavor: Flavor, number: u32) -> Option<&'static Entry> {
    let at = data::ENTRIES
        .binary_search_by_key(&(flavor_order(flavor), number), |e| {
            (flavor_order(e.flavor), e.number)
        })
        .ok()?;
    data::ENTRIES.get(at)
}

fn flavor_order(flavor: Flavor) -> u8 {
    match flavor {
        Flavor::Mariadb => 0,
        Flavor::Mysql => 1,
    }
}

/// The thread whose failures a class names: the rules look for a class's failures on that
/// thread only.
pub fn thread_of(class: Class) -> Option<ReplicationThread> {
    use Class::*;
    match class {
        DupKey
        | RowNotFound
        | ApplierLockWait
        | ApplierDeadlock
        | ApplierKilled
        | ErrorCodeMismatch
        | DdlMismatch
        | ColumnConversion
        | ConstraintViolation
        | RelayLogUnreadable
        | ApplierMetadata
        | FilterMismatch
        | VersionIncompatibility
        | ApplierErrorOther
        | ErrantGtids
        | ReplicaDiskFull => Some(ReplicationThread::Applier),
        SourcePurgedGtids
        | ReplicaHasMoreGtids
        | SourceBinlogMissing
        | SourceBinlogUnreadable
        | IdentityConflict
        | ConnectionFailed
        | ReceiverErrorOther => Some(ReplicationThread::Receiver),
        _ => None,
    }
}

/// The class the catalogue gives error `number` reported by `thread`: the flavor's entry (the
/// server's when known; else the one the message's wording belongs to; else both flavors', when
/// they agree). `None` when the catalogue has no class for it on that thread.
pub fn class_of(
    thread: ReplicationThread,
    number: u32,
    message: &str,
    flavor: Option<Flavor>,
) -> Option<Class> {
    let worded = templates::recognise(message)
        .filter(|t| t.number == number)
        .map(|t| t.flavor);
    let class = match flavor.or(worded) {
        Some(flavor) => entry(flavor, number)?.class()?,
        None => {
            let mysql = entry(Flavor::Mysql, number).and_then(Entry::class);
            let mariadb = entry(Flavor::Mariadb, number).and_then(Entry::class);
            match (mysql, mariadb) {
                (Some(a), Some(b)) if a != b => return None,
                (a, b) => a.or(b)?,
            }
        }
    };
    (thread_of(class) == Some(thread)).then_some(class)
}

/// The thread a catalogued error number is reported by, from its class.
pub fn thread_of_number(number: u32, flavor: Option<Flavor>) -> Option<ReplicationThread> {
    let flavors: &[Flavor] = match flavor {
        Some(Flavor::Mysql) => &[Flavor::Mysql],
        Some(Flavor::Mariadb) => &[Flavor::Mariadb],
        None => &[Flavor::Mysql, Flavor::Mariadb],
    };
    let mut threads = flavors
        .iter()
        .filter_map(|&f| entry(f, number)?.class())
        .filter_map(thread_of);
    let first = threads.next()?;
    threads.all(|t| t == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use evidence::model::{Flavor, ReplicationThread};
    use evidence::text::messages::catalogue::templates;

    use super::{entries, entry, thread_of};
    use crate::engine::classify::error_claims;
    use crate::engine::meta::Thread;

    /// One table: where a rule's declaration claims a number outright, the catalogue gives it
    /// the same class on the same thread, in both flavors.
    #[test]
    fn the_catalogue_agrees_with_the_rules_declarations() {
        let mut compared = 0;
        for (class, thread, number, condition) in error_claims() {
            if condition.is_some() {
                continue;
            }
            let thread = match thread {
                Thread::Applier => ReplicationThread::Applier,
                Thread::Receiver => ReplicationThread::Receiver,
            };
            for flavor in [Flavor::Mysql, Flavor::Mariadb] {
                let Some(catalogued) = entry(flavor, number).and_then(|e| e.class()) else {
                    continue;
                };
                if thread_of(catalogued) != Some(thread) {
                    continue;
                }
                compared += 1;
                assert_eq!(catalogued, class, "{flavor:?} {number} on the {thread:?}");
            }
        }
        assert!(compared > 40, "only {compared} numbers compared");
    }

    #[test]
    fn every_template_has_a_classified_entry_and_every_exclusion_a_reason() {
        for template in templates() {
            let entry = entry(template.flavor, template.number).expect("an entry");
            let class = entry.class().expect("a class");
            assert_eq!(
                thread_of(class),
                Some(template.thread),
                "{}",
                template.symbol
            );
        }
        for entry in entries() {
            assert!(entry.class().is_some() != entry.exclusion().is_some());
        }
        let by_flavor = |flavor| entries().iter().filter(|e| e.flavor == flavor).count();
        assert!(by_flavor(Flavor::Mysql) > 900 && by_flavor(Flavor::Mariadb) > 200);
    }

    #[test]
    fn a_number_without_its_flavor_takes_the_class_both_flavors_agree_on() {
        use crate::class::Class;
        // 1950 is MariaDB's gtid_strict_mode error and no MySQL replication error.
        assert_eq!(
            super::class_of(ReplicationThread::Applier, 1950, "", None),
            Some(Class::ErrantGtids)
        );
        assert_eq!(
            super::class_of(ReplicationThread::Applier, 1062, "", None),
            Some(Class::DupKey)
        );
        // A class of the other thread is not this thread's.
        assert_eq!(
            super::class_of(ReplicationThread::Receiver, 1062, "", None),
            None
        );
    }
}
