//! Empty transactions under given GTIDs (MySQL), for a set of any size: cut into batches, each
//! a small set of its own that the server is asked about right before it is committed.

use diagnose::plan::{Check, Expect};
use diagnose::text;
use gtid::intervals::{Interval, IntervalList};
use gtid::{GtidSet, SourceId};

/// GTIDs per batch: a batch's statements are sent one by one on one connection, and the check
/// before it names the batch as one set.
pub const BATCH: u64 = 1000;

/// A set cut into consecutive sets of at most `size` GTIDs each, lazily: a set of millions of
/// GTIDs is never held as single GTIDs.
#[derive(Debug)]
pub struct Batches<'a> {
    intervals: Vec<(&'a SourceId, Interval)>,
    index: usize,
    /// Where the current interval resumes; 0 for its start.
    resume_at: u64,
    size: u64,
}

pub fn batches(set: &GtidSet, size: u64) -> Batches<'_> {
    Batches {
        intervals: set
            .sources()
            .iter()
            .flat_map(|s| s.numbers.intervals().iter().map(move |i| (&s.source, *i)))
            .collect(),
        index: 0,
        resume_at: 0,
        size: size.max(1),
    }
}

impl Iterator for Batches<'_> {
    type Item = GtidSet;

    fn next(&mut self) -> Option<GtidSet> {
        let mut parts = Vec::new();
        let mut room = self.size;
        while room > 0 && self.index < self.intervals.len() {
            let (source, interval) = self.intervals[self.index];
            let start = self.resume_at.max(interval.start);
            let end = start.saturating_add(room - 1).min(interval.end);
            parts.push((source.clone(), IntervalList::range(start, end)));
            room -= (end - start).saturating_add(1);
            if end == interval.end {
                self.index += 1;
                self.resume_at = 0;
            } else {
                self.resume_at = end + 1;
            }
        }
        (!parts.is_empty()).then(|| GtidSet::from_sources(parts))
    }
}

/// The statements that commit one batch, in order, ending with `GTID_NEXT` given back.
pub fn statements(batch: &GtidSet) -> Vec<String> {
    let mut statements = Vec::new();
    for gtid in batch.gtids() {
        statements.push(format!("SET GTID_NEXT = '{gtid}'"));
        statements.push("BEGIN".to_owned());
        statements.push("COMMIT".to_owned());
    }
    statements.push("SET GTID_NEXT = 'AUTOMATIC'".to_owned());
    statements
}

/// Right before a batch: the server has executed none of it (so no GTID is committed twice,
/// and a set that changed since the diagnosis stops the run instead).
pub fn none_executed(batch: &GtidSet) -> Check {
    Check::sql(
        text!(
            "none of {batch} is executed here yet",
            "这里尚未执行 {batch} 中的任何事务"
        ),
        format!("SELECT GTID_SUBSET('{batch}', GTID_SUBTRACT('{batch}', @@GLOBAL.gtid_executed))"),
        Expect::Value("1".to_owned()),
    )
}

/// After a batch: every GTID of it is executed.
pub fn all_executed(batch: &GtidSet) -> Check {
    Check::sql(
        text!("{batch} is executed now", "{batch} 已执行"),
        format!("SELECT GTID_SUBSET('{batch}', @@GLOBAL.gtid_executed)"),
        Expect::Value("1".to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "8a94f357-aab4-11df-86ab-c80aa9429563";

    fn set(text: &str) -> GtidSet {
        text.parse().unwrap()
    }

    #[test]
    fn batches_cut_across_intervals_and_sources_and_lose_nothing() {
        let whole = set(&format!("{A}:1-5:8-9,{B}:3"));
        let cut: Vec<String> = batches(&whole, 3).map(|b| b.to_string()).collect();
        assert_eq!(
            cut,
            vec![
                format!("{A}:1-3"),
                format!("{A}:4-5:8"),
                format!("{A}:9,{B}:3"),
            ]
        );
        let united = batches(&whole, 3).fold(GtidSet::new(), |all, b| all.union(&b));
        assert_eq!(united, whole);
        assert_eq!(batches(&GtidSet::new(), 3).count(), 0);
        assert_eq!(
            batches(&whole, 0).count(),
            8,
            "a size of 0 is one GTID a batch"
        );
    }

    #[test]
    fn case_4s_set_of_388909_gtids_is_cut_lazily() {
        let whole = set(&format!("{A}:1080678247-1081067155"));
        let mut count = 0;
        let mut gtids = 0;
        for batch in batches(&whole, BATCH) {
            count += 1;
            gtids += batch.count();
        }
        assert_eq!(gtids, 388_909);
        assert_eq!(count, 389);
    }

    #[test]
    fn a_batch_is_the_exact_sql_mysql_documents() {
        let batch = set(&format!("{A}:7-8"));
        assert_eq!(
            statements(&batch),
            vec![
                format!("SET GTID_NEXT = '{A}:7'"),
                "BEGIN".to_owned(),
                "COMMIT".to_owned(),
                format!("SET GTID_NEXT = '{A}:8'"),
                "BEGIN".to_owned(),
                "COMMIT".to_owned(),
                "SET GTID_NEXT = 'AUTOMATIC'".to_owned(),
            ]
        );
        assert_eq!(
            none_executed(&batch).sql.unwrap(),
            format!(
                "SELECT GTID_SUBSET('{A}:7-8', GTID_SUBTRACT('{A}:7-8', @@GLOBAL.gtid_executed))"
            )
        );
        assert_eq!(
            all_executed(&batch).sql.unwrap(),
            format!("SELECT GTID_SUBSET('{A}:7-8', @@GLOBAL.gtid_executed)")
        );
    }
}
