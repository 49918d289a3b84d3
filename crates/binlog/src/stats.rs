//! Analysis of a series of transactions: how many a replica could apply at once (from MySQL's
//! `last_committed`/`sequence_number`, or MariaDB's group-commit ids), the largest
//! transactions, the tables written without a primary key, the time span and counts.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use crate::events::RowsKind;
use crate::transaction::Transaction;

/// How many of the largest transactions are kept.
pub const LARGEST_KEPT: usize = 10;

/// One of the largest transactions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Large {
    pub size: u64,
    pub start_offset: u64,
    pub file: usize,
    pub gtid: Option<String>,
    pub rows: u64,
    pub tables: Vec<String>,
}

/// Rows and transactions per table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableStats {
    pub rows: BTreeMap<RowsKind, u64>,
    pub transactions: u64,
    /// `Some(false)`: written without a primary key; `None`: the binlog does not say.
    pub has_primary_key: Option<bool>,
}

/// The analysis, fed one transaction at a time ([`Stats::add`]) with constant memory (besides
/// one entry per table and per group size).
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub transactions: u64,
    pub events: u64,
    pub bytes: u64,
    pub rows: BTreeMap<RowsKind, u64>,
    pub first_timestamp: Option<u32>,
    pub last_timestamp: Option<u32>,
    pub tables: BTreeMap<String, TableStats>,
    /// Transactions that carried a logical clock or a group-commit id.
    pub with_dependency_info: u64,
    /// Group size (transactions that could be applied at once) -> how many groups had it.
    pub group_sizes: BTreeMap<u64, u64>,
    largest: BinaryHeap<Reverse<Large>>,
    group: Option<Group>,
    file: usize,
}

/// The transactions that could run together so far: under MySQL's LOGICAL_CLOCK a transaction
/// joins while its `last_committed` is below the group's first `sequence_number` (nothing it
/// depends on is in the group); under MariaDB, while its group-commit id is the group's.
#[derive(Debug, Clone, Copy)]
enum Group {
    Clock { first_sequence: i64, size: u64 },
    CommitId { id: u64, size: u64 },
}

impl Stats {
    /// Starts a new file: logical clocks restart in each binlog file.
    pub fn next_file(&mut self) {
        self.close_group();
        self.file += 1;
    }

    fn close_group(&mut self) {
        if let Some(Group::Clock { size, .. } | Group::CommitId { size, .. }) = self.group.take() {
            *self.group_sizes.entry(size).or_default() += 1;
        }
    }

    pub fn add(&mut self, t: &Transaction) {
        self.transactions += 1;
        self.events += t.events;
        self.bytes += t.size;
        if t.timestamp != 0 {
            self.first_timestamp = Some(
                self.first_timestamp
                    .map_or(t.timestamp, |f| f.min(t.timestamp)),
            );
            self.last_timestamp = Some(
                self.last_timestamp
                    .map_or(t.timestamp, |l| l.max(t.timestamp)),
            );
        }
        let mut rows = 0;
        for ((table, kind), n) in &t.row_counts {
            rows += n;
            *self.rows.entry(*kind).or_default() += n;
            let entry = self.tables.entry(table.clone()).or_default();
            *entry.rows.entry(*kind).or_default() += n;
        }
        for table in t
            .row_counts
            .keys()
            .map(|(table, _)| table)
            .collect::<std::collections::BTreeSet<_>>()
        {
            let entry = self.tables.entry(table.clone()).or_default();
            entry.transactions += 1;
            if let Some(Some(key)) = t.primary_keys.get(table) {
                entry.has_primary_key = Some(*key);
            }
        }
        self.add_to_group(t);
        let large = Large {
            size: t.size,
            start_offset: t.start_offset,
            file: self.file,
            gtid: t.gtid.clone(),
            rows,
            tables: t.tables.clone(),
        };
        if self.largest.len() < LARGEST_KEPT {
            self.largest.push(Reverse(large));
        } else if self
            .largest
            .peek()
            .is_some_and(|Reverse(smallest)| smallest.size < large.size)
        {
            self.largest.pop();
            self.largest.push(Reverse(large));
        }
    }

    fn add_to_group(&mut self, t: &Transaction) {
        let joined = match (self.group.as_mut(), t.logical_clock, t.commit_id) {
            (
                Some(Group::Clock {
                    first_sequence,
                    size,
                }),
                Some((last_committed, _)),
                _,
            ) if last_committed < *first_sequence => {
                *size += 1;
                true
            }
            (Some(Group::CommitId { id, size }), None, Some(commit_id)) if commit_id == *id => {
                *size += 1;
                true
            }
            _ => false,
        };
        if joined {
            self.with_dependency_info += 1;
            return;
        }
        self.close_group();
        self.group = match (t.logical_clock, t.commit_id) {
            (Some((_, sequence)), _) => Some(Group::Clock {
                first_sequence: sequence,
                size: 1,
            }),
            (None, Some(id)) => Some(Group::CommitId { id, size: 1 }),
            // No dependency information: it runs alone.
            (None, None) => {
                *self.group_sizes.entry(1).or_default() += 1;
                return;
            }
        };
        self.with_dependency_info += 1;
    }

    /// Ends the analysis (closes the last group).
    pub fn finish(&mut self) {
        self.close_group();
    }

    /// The most transactions that could be applied at once.
    pub fn max_parallelism(&self) -> u64 {
        self.group_sizes.keys().next_back().copied().unwrap_or(0)
    }

    /// Transactions per group on average (weighted by transactions).
    pub fn mean_parallelism(&self) -> f64 {
        let groups: u64 = self.group_sizes.values().sum();
        if groups == 0 {
            return 0.0;
        }
        let transactions: u64 = self.group_sizes.iter().map(|(size, n)| size * n).sum();
        transactions as f64 / groups as f64
    }

    /// The largest transactions, largest first.
    pub fn largest(&self) -> Vec<Large> {
        let mut v: Vec<Large> = self.largest.iter().map(|Reverse(l)| l.clone()).collect();
        v.sort_by(|a, b| {
            b.size
                .cmp(&a.size)
                .then(a.start_offset.cmp(&b.start_offset))
        });
        v
    }

    /// Tables written without a primary key, and tables whose key the binlog does not state.
    pub fn tables_without_primary_key(&self) -> (Vec<&str>, Vec<&str>) {
        let without = self
            .tables
            .iter()
            .filter(|(_, s)| s.has_primary_key == Some(false))
            .map(|(t, _)| t.as_str())
            .collect();
        let unknown = self
            .tables
            .iter()
            .filter(|(_, s)| s.has_primary_key.is_none())
            .map(|(t, _)| t.as_str())
            .collect();
        (without, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(last_committed: i64, sequence: i64) -> Transaction {
        Transaction {
            logical_clock: Some((last_committed, sequence)),
            size: 100,
            ..Transaction::default()
        }
    }

    #[test]
    fn logical_clock_groups() {
        let mut s = Stats::default();
        // 1, 2, 3 depend on 0 only: one group of 3. 4 depends on 3: a new group with 5.
        // 6 depends on 5: alone.
        for (lc, seq) in [(0, 1), (0, 2), (0, 3), (3, 4), (3, 5), (5, 6)] {
            s.add(&clock(lc, seq));
        }
        s.finish();
        assert_eq!(s.group_sizes, BTreeMap::from([(1, 1), (2, 1), (3, 1)]));
        assert_eq!(s.max_parallelism(), 3);
        assert_eq!(s.mean_parallelism(), 2.0);
    }

    #[test]
    fn mariadb_commit_ids_and_largest() {
        let mut s = Stats::default();
        for (i, id) in [Some(7), Some(7), None, Some(8)].into_iter().enumerate() {
            s.add(&Transaction {
                commit_id: id,
                size: i as u64 * 10,
                start_offset: i as u64,
                ..Transaction::default()
            });
        }
        s.finish();
        assert_eq!(s.group_sizes, BTreeMap::from([(1, 2), (2, 1)]));
        let sizes: Vec<u64> = s.largest().iter().map(|l| l.size).collect();
        assert_eq!(sizes, [30, 20, 10, 0]);
    }
}
