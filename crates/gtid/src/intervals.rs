//! Sorted lists of disjoint, non-adjacent inclusive intervals of transaction numbers, and the
//! linear-merge set operations on them.
//!
//! Memory is proportional to the number of intervals, never to the number of transactions:
//! `1-1081067155` is one pair of `u64`.

use std::fmt;

/// An inclusive range of transaction numbers, `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: u64,
    pub end: u64,
}

impl Interval {
    /// The interval `start..=end`; `None` when `end < start`.
    pub fn new(start: u64, end: u64) -> Option<Self> {
        (start <= end).then_some(Self { start, end })
    }

    /// How many transactions the interval holds.
    pub fn count(self) -> u64 {
        // Cannot overflow for the numbers servers use (at most 2^63 - 1); saturate regardless.
        (self.end - self.start).saturating_add(1)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// A normalised set of transaction numbers: intervals sorted, disjoint and never adjacent
/// (`1-3:4-5` is stored as `1-5`), so that equal sets have equal representations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IntervalList {
    intervals: Vec<Interval>,
}

impl IntervalList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Normalises intervals given in any order, overlapping or adjacent.
    pub fn from_unsorted(mut intervals: Vec<Interval>) -> Self {
        if !intervals.is_sorted() {
            intervals.sort_unstable();
        }
        let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
        for interval in intervals {
            push_merging(&mut merged, interval);
        }
        merged.shrink_to_fit();
        Self { intervals: merged }
    }

    /// The single interval `start..=end` (empty when `end < start`).
    pub fn range(start: u64, end: u64) -> Self {
        Self {
            intervals: Interval::new(start, end).into_iter().collect(),
        }
    }

    pub fn intervals(&self) -> &[Interval] {
        &self.intervals
    }

    pub fn is_empty(&self) -> bool {
        self.intervals.is_empty()
    }

    /// The number of transactions. A list holds at most `u64::MAX` numbers, but the count of
    /// `1-18446744073709551615` would be one more than fits: it saturates there.
    pub fn count(&self) -> u64 {
        self.intervals
            .iter()
            .fold(0u64, |total, i| total.saturating_add(i.count()))
    }

    pub fn first(&self) -> Option<u64> {
        self.intervals.first().map(|i| i.start)
    }

    pub fn last(&self) -> Option<u64> {
        self.intervals.last().map(|i| i.end)
    }

    pub fn contains(&self, number: u64) -> bool {
        let after = self.intervals.partition_point(|i| i.start <= number);
        after > 0 && self.intervals[after - 1].end >= number
    }

    /// The intervals, for building another list without copying them.
    pub(crate) fn into_intervals(self) -> Vec<Interval> {
        self.intervals
    }

    /// Adds `interval`, merging the intervals it overlaps or touches into it: two binary
    /// searches and one splice, so that adding numbers in ascending order costs O(log n) each
    /// rather than a copy of the list.
    pub fn insert(&mut self, interval: Interval) {
        // Intervals are sorted and disjoint, so both their starts and their ends ascend.
        let first = self
            .intervals
            .partition_point(|i| i.end.saturating_add(1) < interval.start);
        let past = self
            .intervals
            .partition_point(|i| i.start <= interval.end.saturating_add(1));
        if first == past {
            self.intervals.insert(first, interval);
            return;
        }
        let merged = Interval {
            start: interval.start.min(self.intervals[first].start),
            end: interval.end.max(self.intervals[past - 1].end),
        };
        self.intervals[first] = merged;
        self.intervals.drain(first + 1..past);
    }

    pub fn union(&self, other: &Self) -> Self {
        let mut out = Vec::with_capacity(self.intervals.len() + other.intervals.len());
        let (mut a, mut b) = (
            self.intervals.iter().peekable(),
            other.intervals.iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) if x.start <= y.start => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            if let Some(&interval) = next {
                push_merging(&mut out, interval);
            }
        }
        Self { intervals: out }
    }

    pub fn intersection(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (a, b) = (&self.intervals, &other.intervals);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let start = a[i].start.max(b[j].start);
            let end = a[i].end.min(b[j].end);
            if start <= end {
                out.push(Interval { start, end });
            }
            if a[i].end < b[j].end {
                i += 1;
            } else {
                j += 1;
            }
        }
        Self { intervals: out }
    }

    /// The numbers of `self` that are not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        let mut out = Vec::with_capacity(self.intervals.len());
        let b = &other.intervals;
        let mut j = 0;
        for &interval in &self.intervals {
            // Skip the intervals of `other` entirely below this one.
            while j < b.len() && b[j].end < interval.start {
                j += 1;
            }
            let mut start = interval.start;
            let mut k = j;
            let mut exhausted = false;
            while k < b.len() && b[k].start <= interval.end {
                if b[k].start > start {
                    out.push(Interval {
                        start,
                        end: b[k].start - 1,
                    });
                }
                if b[k].end >= interval.end {
                    exhausted = true;
                    break;
                }
                start = b[k].end + 1;
                k += 1;
            }
            if !exhausted {
                out.push(Interval {
                    start,
                    end: interval.end,
                });
            }
            // `other`'s interval at k may reach into the next interval of `self`: keep it.
            j = k;
        }
        Self { intervals: out }
    }

    pub fn is_subset(&self, other: &Self) -> bool {
        let b = &other.intervals;
        let mut j = 0;
        self.intervals.iter().all(|interval| {
            while j < b.len() && b[j].end < interval.start {
                j += 1;
            }
            j < b.len() && b[j].start <= interval.start && b[j].end >= interval.end
        })
    }

    /// The numbers from 1 up to the highest one that are missing.
    pub fn holes(&self) -> Self {
        let mut out = Vec::new();
        let mut next = 1u64;
        for interval in &self.intervals {
            if interval.start > next {
                out.push(Interval {
                    start: next,
                    end: interval.start - 1,
                });
            }
            next = interval.end.saturating_add(1);
        }
        Self { intervals: out }
    }
}

/// Appends `interval` (whose start is not below the last start) to a normalised list, merging
/// it with the last interval when they overlap or touch.
fn push_merging(list: &mut Vec<Interval>, interval: Interval) {
    match list.last_mut() {
        Some(last) if interval.start <= last.end.saturating_add(1) => {
            last.end = last.end.max(interval.end);
        }
        _ => list.push(interval),
    }
}

impl fmt::Display for IntervalList {
    /// `1-5:7:9-12`, as MySQL prints the intervals of one UUID.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, interval) in self.intervals.iter().enumerate() {
            if n > 0 {
                f.write_str(":")?;
            }
            write!(f, "{interval}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(u64, u64)]) -> IntervalList {
        IntervalList::from_unsorted(
            pairs
                .iter()
                .map(|&(s, e)| Interval::new(s, e).unwrap())
                .collect(),
        )
    }

    #[test]
    fn normalises_overlapping_and_adjacent_intervals() {
        assert_eq!(list(&[(7, 7), (1, 3), (4, 5), (2, 2)]).to_string(), "1-5:7");
    }

    #[test]
    fn difference_keeps_the_parts_outside_the_other_list() {
        let a = list(&[(1, 10), (20, 30)]);
        let b = list(&[(3, 4), (8, 22), (25, 25)]);
        assert_eq!(a.difference(&b).to_string(), "1-2:5-7:23-24:26-30");
    }

    #[test]
    fn holes_are_the_gaps_from_one() {
        assert_eq!(
            list(&[(1, 92), (94, 96), (98, 100)]).holes().to_string(),
            "93:97"
        );
        assert_eq!(list(&[(5, 6)]).holes().to_string(), "1-4");
    }

    #[test]
    fn insert_merges_what_it_overlaps_or_touches() {
        let mut numbers = list(&[(1, 2), (5, 6), (9, 10), (20, 20)]);
        numbers.insert(Interval::new(14, 15).unwrap());
        assert_eq!(numbers.to_string(), "1-2:5-6:9-10:14-15:20");
        numbers.insert(Interval::new(3, 8).unwrap());
        assert_eq!(numbers.to_string(), "1-10:14-15:20");
        numbers.insert(Interval::new(16, 19).unwrap());
        assert_eq!(numbers.to_string(), "1-10:14-20");
        numbers.insert(Interval::new(u64::MAX, u64::MAX).unwrap());
        numbers.insert(Interval::new(21, u64::MAX - 1).unwrap());
        assert_eq!(numbers.to_string(), "1-10:14-18446744073709551615");
    }

    #[test]
    fn extremes_do_not_overflow() {
        let all = list(&[(1, u64::MAX)]);
        assert_eq!(all.count(), u64::MAX);
        assert!(all.holes().is_empty());
        assert_eq!(
            list(&[(u64::MAX, u64::MAX), (1, 1)]).to_string(),
            "1:18446744073709551615"
        );
    }
}
