//! MySQL GTIDs and GTID sets: `3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7`, tagged GTIDs of
//! MySQL 8.3+ (`uuid:tag:1-5`), parsing what servers print and printing what servers print.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::ParseError;
use crate::intervals::{Interval, IntervalList};

const SET: &str = "MySQL GTID set";
const GTID: &str = "MySQL GTID";

/// The highest transaction number a server hands out: 2^63 - 1.
pub const MAX_TRANSACTION_NUMBER: u64 = i64::MAX as u64;

/// The longest tag MySQL accepts.
const MAX_TAG_LEN: usize = 32;

/// A GTID tag (MySQL 8.3+): `[a-z_][a-z0-9_]{0,31}`, compared and printed in lowercase as the
/// server does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(String);

impl Tag {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where transactions come from: the originating server's UUID and, for tagged GTIDs, the tag.
/// Ordered as MySQL orders them: by UUID, untagged before tagged, then by tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId {
    pub uuid: Uuid,
    pub tag: Option<Tag>,
}

impl SourceId {
    pub fn untagged(uuid: Uuid) -> Self {
        Self { uuid, tag: None }
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.uuid.hyphenated())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        Ok(())
    }
}

/// One transaction: `uuid[:tag]:number`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gtid {
    pub source: SourceId,
    pub number: u64,
}

impl fmt::Display for Gtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.source, self.number)
    }
}

impl FromStr for Gtid {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let mut parser = Parser::new(GTID, text);
        parser.skip_whitespace();
        let uuid = parser.uuid()?;
        let mut tag = None;
        parser.expect_colon("after the UUID")?;
        if parser.peek().is_some_and(is_tag_start) {
            tag = Some(parser.tag()?);
            parser.expect_colon("after the tag")?;
        }
        let number = parser.number()?;
        parser.skip_whitespace();
        if parser.pos < text.len() {
            return Err(parser.error("expected the end of the GTID"));
        }
        Ok(Self {
            source: SourceId { uuid, tag },
            number,
        })
    }
}

crate::serde_as_text!(Gtid);

/// The transactions of one source within a set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceTransactions {
    pub source: SourceId,
    pub numbers: IntervalList,
}

/// A MySQL GTID set, normalised: sources sorted as MySQL sorts them, each with at least one
/// transaction, intervals merged.
///
/// `Display` prints the one-line form `uuid1:1-5:7,uuid2:1-3` (`uuid:1-5:tag:1-2` for tagged
/// GTIDs of one UUID); the alternate form `{:#}` prints `,\n` between UUIDs exactly as
/// `@@gtid_executed` and `SHOW REPLICA STATUS` do. The empty set prints as the empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GtidSet {
    sources: Vec<SourceTransactions>,
}

impl GtidSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// A set built from sources given in any order, possibly repeated, possibly empty: the
    /// union of all of them, in O(n log n) for n intervals whatever the order, so it is also
    /// the way to unite many sets at once.
    pub fn from_sources(parts: impl IntoIterator<Item = (SourceId, IntervalList)>) -> Self {
        Self::from_source_intervals(
            parts
                .into_iter()
                .map(|(source, numbers)| (source, numbers.into_intervals()))
                .collect(),
        )
    }

    /// Groups the intervals of each source and normalises each group once. Uniting the parts
    /// one by one instead costs the length of the list so far for each part: quadratic when
    /// one source repeats (`uuid:1,uuid:3,uuid:5,...`).
    fn from_source_intervals(mut parts: Vec<(SourceId, Vec<Interval>)>) -> Self {
        parts.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sources: Vec<SourceTransactions> = Vec::new();
        let mut parts = parts.into_iter().peekable();
        while let Some((source, mut intervals)) = parts.next() {
            while let Some((_, more)) = parts.next_if(|(next, _)| *next == source) {
                intervals.extend(more);
            }
            let numbers = IntervalList::from_unsorted(intervals);
            if !numbers.is_empty() {
                sources.push(SourceTransactions { source, numbers });
            }
        }
        Self { sources }
    }

    pub fn sources(&self) -> &[SourceTransactions] {
        &self.sources
    }

    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The transaction numbers of one source (empty when the set has none).
    pub fn numbers(&self, source: &SourceId) -> Option<&IntervalList> {
        self.sources
            .binary_search_by(|s| s.source.cmp(source))
            .ok()
            .map(|i| &self.sources[i].numbers)
    }

    /// The number of transactions. One source holds at most 2^63 - 1 of them, which fits a
    /// `u64`; a set of several sources can exceed `u64`, hence `u128` for the total.
    pub fn count(&self) -> u128 {
        self.sources
            .iter()
            .map(|s| u128::from(s.numbers.count()))
            .sum()
    }

    pub fn contains(&self, gtid: &Gtid) -> bool {
        self.numbers(&gtid.source)
            .is_some_and(|numbers| numbers.contains(gtid.number))
    }

    pub fn union(&self, other: &Self) -> Self {
        self.merge(other, true, true, |a, b| match (a, b) {
            (Some(a), Some(b)) => a.union(b),
            (Some(only), None) | (None, Some(only)) => only.clone(),
            (None, None) => IntervalList::new(),
        })
    }

    pub fn intersection(&self, other: &Self) -> Self {
        self.merge(other, false, false, |a, b| match (a, b) {
            (Some(a), Some(b)) => a.intersection(b),
            _ => IntervalList::new(),
        })
    }

    /// The transactions of `self` that are not in `other` (MySQL's `GTID_SUBTRACT`).
    pub fn difference(&self, other: &Self) -> Self {
        self.merge(other, true, false, |a, b| match (a, b) {
            (Some(a), Some(b)) => a.difference(b),
            (Some(a), None) => a.clone(),
            _ => IntervalList::new(),
        })
    }

    /// Whether every transaction of `self` is in `other` (MySQL's `GTID_SUBSET`).
    pub fn is_subset(&self, other: &Self) -> bool {
        self.sources.iter().all(|s| {
            other
                .numbers(&s.source)
                .is_some_and(|numbers| s.numbers.is_subset(numbers))
        })
    }

    /// The missing numbers from 1 up to the highest one, per source.
    pub fn holes(&self) -> Self {
        self.map_sources(|_, numbers| numbers.holes())
    }

    /// The transactions whose source passes `keep`.
    pub fn filter_sources(&self, mut keep: impl FnMut(&SourceId) -> bool) -> Self {
        Self {
            sources: self
                .sources
                .iter()
                .filter(|s| keep(&s.source))
                .cloned()
                .collect(),
        }
    }

    /// Applies `f` to every source's numbers, dropping sources left empty.
    pub(crate) fn map_sources(
        &self,
        mut f: impl FnMut(&SourceId, &IntervalList) -> IntervalList,
    ) -> Self {
        Self {
            sources: self
                .sources
                .iter()
                .filter_map(|s| {
                    let numbers = f(&s.source, &s.numbers);
                    (!numbers.is_empty()).then(|| SourceTransactions {
                        source: s.source.clone(),
                        numbers,
                    })
                })
                .collect(),
        }
    }

    /// The lowest transaction of `source` in the set.
    pub fn first(&self, source: &SourceId) -> Option<Gtid> {
        self.numbers(source)
            .and_then(IntervalList::first)
            .map(|number| Gtid {
                source: source.clone(),
                number,
            })
    }

    /// The highest transaction of `source` in the set.
    pub fn last(&self, source: &SourceId) -> Option<Gtid> {
        self.numbers(source)
            .and_then(IntervalList::last)
            .map(|number| Gtid {
                source: source.clone(),
                number,
            })
    }

    /// The GTID a server would hand out next for `source`: one above the highest (1 when the set
    /// has none); `None` when the numbers are exhausted.
    pub fn next_after_last(&self, source: &SourceId) -> Option<Gtid> {
        let number = match self.numbers(source).and_then(IntervalList::last) {
            Some(last) if last >= MAX_TRANSACTION_NUMBER => return None,
            Some(last) => last + 1,
            None => 1,
        };
        Some(Gtid {
            source: source.clone(),
            number,
        })
    }

    /// Iterates over every GTID in the set, in order. The caller bounds how many it takes.
    pub fn gtids(&self) -> impl Iterator<Item = Gtid> + '_ {
        self.sources.iter().flat_map(|s| {
            s.numbers.intervals().iter().flat_map(move |i| {
                (i.start..=i.end).map(move |number| Gtid {
                    source: s.source.clone(),
                    number,
                })
            })
        })
    }

    /// Merge-joins the sources of both sets (both sorted), in O(sources + intervals).
    fn merge(
        &self,
        other: &Self,
        keep_left_only: bool,
        keep_right_only: bool,
        combine: impl Fn(Option<&IntervalList>, Option<&IntervalList>) -> IntervalList,
    ) -> Self {
        let mut out = Vec::with_capacity(self.sources.len().max(other.sources.len()));
        let (a, b) = (&self.sources, &other.sources);
        let (mut i, mut j) = (0, 0);
        let mut emit = |source: &SourceId, numbers: IntervalList| {
            if !numbers.is_empty() {
                out.push(SourceTransactions {
                    source: source.clone(),
                    numbers,
                });
            }
        };
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.source.cmp(&y.source),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    if keep_left_only {
                        emit(&a[i].source, combine(Some(&a[i].numbers), None));
                    }
                    i += 1;
                }
                Ordering::Greater => {
                    if keep_right_only {
                        emit(&b[j].source, combine(None, Some(&b[j].numbers)));
                    }
                    j += 1;
                }
                Ordering::Equal => {
                    emit(
                        &a[i].source,
                        combine(Some(&a[i].numbers), Some(&b[j].numbers)),
                    );
                    i += 1;
                    j += 1;
                }
            }
        }
        Self { sources: out }
    }
}

impl fmt::Display for GtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let separator = if f.alternate() { ",\n" } else { "," };
        let mut previous: Option<&Uuid> = None;
        for s in &self.sources {
            if previous != Some(&s.source.uuid) {
                if previous.is_some() {
                    f.write_str(separator)?;
                }
                write!(f, "{}", s.source.uuid.hyphenated())?;
                previous = Some(&s.source.uuid);
            }
            if let Some(tag) = &s.source.tag {
                write!(f, ":{tag}")?;
            }
            write!(f, ":{}", s.numbers)?;
        }
        Ok(())
    }
}

crate::serde_as_text!(GtidSet);

impl FromStr for GtidSet {
    type Err = ParseError;

    /// Parses a set as servers print it: UUIDs in any case, `uuid:1-5:7:9-12`, UUID sets
    /// separated by `,` with any whitespace (newlines included), tags (`uuid:tag:1-5`,
    /// `uuid:1-3:tag:4-7`), empty parts between commas (MySQL accepts them), the empty set,
    /// and the commented form `mysqlbinlog` prints for Previous_gtids (`# uuid:1-5,\n# uuid2:3`,
    /// `# [empty]`).
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let mut parser = Parser::new(SET, text);
        let mut parts: Vec<(SourceId, Vec<Interval>)> = Vec::new();
        // Trimmed once: trimming at every empty part would be quadratic in `,,,,` + spaces.
        let end = text.trim_end().len();
        loop {
            parser.skip_whitespace_and_comment_marks();
            if parts.is_empty() && text.get(parser.pos..end) == Some("[empty]") {
                break;
            }
            match parser.peek() {
                None => break,
                Some(b',') => {
                    parser.pos += 1;
                    continue;
                }
                Some(_) => {}
            }
            let uuid = parser.uuid()?;
            let mut source = SourceId::untagged(uuid);
            let mut intervals = Vec::new();
            parser.skip_whitespace();
            while parser.peek() == Some(b':') {
                parser.pos += 1;
                parser.skip_whitespace();
                if parser.peek().is_some_and(is_tag_start) {
                    let tag = parser.tag()?;
                    let finished = std::mem::take(&mut intervals);
                    parts.push((
                        std::mem::replace(
                            &mut source,
                            SourceId {
                                uuid,
                                tag: Some(tag),
                            },
                        ),
                        finished,
                    ));
                } else {
                    intervals.push(parser.interval()?);
                }
                parser.skip_whitespace();
            }
            parts.push((source, intervals));
            match parser.peek() {
                None | Some(b',') => {}
                Some(_) => return Err(parser.error("expected ',' or ':'")),
            }
        }
        Ok(Self::from_source_intervals(parts))
    }
}

fn is_tag_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

/// A cursor over the input, producing errors that point into it.
struct Parser<'a> {
    what: &'static str,
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(what: &'static str, text: &'a str) -> Self {
        Self { what, text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// Skips whitespace and the `#` that `mysqlbinlog` puts at the start of each line.
    fn skip_whitespace_and_comment_marks(&mut self) {
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'#') {
                return;
            }
            let line_start = self.text[..self.pos]
                .rsplit('\n')
                .next()
                .is_none_or(|line| line.trim().is_empty());
            if !line_start {
                return;
            }
            self.pos += 1;
        }
    }

    fn error(&self, problem: &str) -> ParseError {
        ParseError::at(self.what, self.text, self.pos, problem)
    }

    fn take_while(&mut self, accept: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&accept) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn expect_colon(&mut self, context: &str) -> Result<(), ParseError> {
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.error(&format!("expected ':' {context}")));
        }
        self.pos += 1;
        self.skip_whitespace();
        Ok(())
    }

    /// A UUID in any of the forms MySQL accepts: hyphenated, 32 hex digits, or in braces.
    fn uuid(&mut self) -> Result<Uuid, ParseError> {
        let start = self.pos;
        let token =
            self.take_while(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'{' || b == b'}');
        let uuid = match token.len() {
            32 | 36 | 38 => Uuid::try_parse(token).ok(),
            _ => None,
        };
        uuid.ok_or_else(|| {
            ParseError::at(
                self.what,
                self.text,
                start,
                "expected a UUID like 3e11fa47-71ca-11e1-9e33-c80aa9429562",
            )
        })
    }

    fn tag(&mut self) -> Result<Tag, ParseError> {
        let start = self.pos;
        let token = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
        if token.len() > MAX_TAG_LEN {
            return Err(ParseError::span(
                self.what,
                self.text,
                start,
                token.len(),
                "a tag has at most 32 characters",
            ));
        }
        Ok(Tag(token.to_ascii_lowercase()))
    }

    /// A transaction number, 1 to 2^63 - 1.
    fn number(&mut self) -> Result<u64, ParseError> {
        let start = self.pos;
        let digits = self.take_while(|b| b.is_ascii_digit());
        let invalid =
            |problem: &str| ParseError::span(self.what, self.text, start, digits.len(), problem);
        if digits.is_empty() {
            return Err(self.error("expected a transaction number"));
        }
        match digits.parse::<u64>() {
            Ok(0) => Err(invalid("transaction numbers start at 1")),
            Ok(n) if n <= MAX_TRANSACTION_NUMBER => Ok(n),
            _ => Err(invalid("transaction numbers end at 9223372036854775807")),
        }
    }

    /// `n` or `m-n` with `m <= n`.
    fn interval(&mut self) -> Result<Interval, ParseError> {
        let start_pos = self.pos;
        let start = self.number()?;
        self.skip_whitespace();
        if self.peek() != Some(b'-') {
            return Ok(Interval { start, end: start });
        }
        self.pos += 1;
        self.skip_whitespace();
        let end = self.number()?;
        Interval::new(start, end).ok_or_else(|| {
            ParseError::span(
                self.what,
                self.text,
                start_pos,
                self.pos - start_pos,
                "an interval must not end below its start",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const B: &str = "4d22fb58-82db-22f2-af44-d91bb5530673";

    fn set(text: &str) -> GtidSet {
        text.parse().unwrap()
    }

    #[test]
    fn normalises_and_prints_like_mysql() {
        let text = format!(
            " {},\n  {}:7:1-3:4-5:9-12 , ",
            B.to_uppercase() + ":2",
            A.to_uppercase()
        );
        let parsed = set(&text);
        assert_eq!(parsed.to_string(), format!("{A}:1-5:7:9-12,{B}:2"));
        assert_eq!(format!("{parsed:#}"), format!("{A}:1-5:7:9-12,\n{B}:2"));
        assert_eq!(set("").to_string(), "");
        assert_eq!(set(" \n ").count(), 0);
    }

    #[test]
    fn reads_previous_gtids_as_mysqlbinlog_prints_them() {
        let printed = format!("# {A}:1-5,\n# {B}:3");
        assert_eq!(set(&printed).to_string(), format!("{A}:1-5,{B}:3"));
        assert!(set("# [empty]").is_empty());
        // A `#` anywhere else is not a comment mark.
        let err = format!("{A}:1-5 # x").parse::<GtidSet>().unwrap_err();
        assert_eq!((err.offset, err.fragment.as_str()), (41, "#"));
        assert!(format!("{A}:1,\n# # {B}:3").parse::<GtidSet>().is_err());
    }

    #[test]
    fn tagged_gtids_print_after_the_untagged_ones_of_their_uuid() {
        let parsed = set(&format!(
            "{A}:Domain_2:8-52,{A}:1-3:DOMAIN_1:1-3:11,{B}:x:1"
        ));
        assert_eq!(
            parsed.to_string(),
            format!("{A}:1-3:domain_1:1-3:11:domain_2:8-52,{B}:x:1")
        );
        assert_eq!(parsed.count(), 3 + 4 + 45 + 1);
    }

    #[test]
    fn counts_huge_intervals_exactly() {
        let parsed = set(&format!("{A}:1-1081067155"));
        assert_eq!(parsed.count(), 1_081_067_155);
        let max = set(&format!(
            "{A}:1-9223372036854775807,{B}:1-9223372036854775807:x:1-9223372036854775807"
        ));
        assert_eq!(max.count(), 3 * u128::from(MAX_TRANSACTION_NUMBER));
    }

    #[test]
    fn errors_quote_the_fragment_and_its_offset() {
        let err = format!("{A}:1-5,{B}:7-x").parse::<GtidSet>().unwrap_err();
        assert_eq!(err.offset, 80);
        assert_eq!(err.fragment, "x");
        let err = format!("{A}:0").parse::<GtidSet>().unwrap_err();
        assert_eq!((err.offset, err.fragment.as_str()), (37, "0"));
        let err = format!("{A}:9-3").parse::<GtidSet>().unwrap_err();
        assert_eq!(err.fragment, "9-3");
        let err = "3e11fa47-71ca:1".parse::<GtidSet>().unwrap_err();
        assert_eq!((err.offset, err.fragment.as_str()), (0, "3e11fa47-71ca"));
        let err = format!("{A}:1 2").parse::<GtidSet>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid MySQL GTID set at character 39: expected ',' or ':', found \"2\""
        );
        assert!(
            format!("{A}:{}", "t".repeat(33))
                .parse::<GtidSet>()
                .is_err()
        );
        assert!(
            format!("{A}:9223372036854775808")
                .parse::<GtidSet>()
                .is_err()
        );
    }

    /// Entries `uuid:n` for each `n`, comma-separated.
    fn entries(uuid: &str, numbers: impl Iterator<Item = u64>) -> String {
        numbers
            .map(|n| format!("{uuid}:{n}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn a_uuid_repeated_in_80000_entries_parses_to_its_intervals() {
        // 3.5 MB; this took 10 s when each entry was united with the list so far.
        let odd = entries(A, (0..80_000).map(|k| 2 * k + 1));
        let source = SourceId::untagged(A.parse().unwrap());
        let parsed = set(&odd);
        let numbers = parsed.numbers(&source).unwrap().intervals();
        assert_eq!(parsed.sources().len(), 1);
        assert_eq!(numbers.len(), 80_000);
        assert_eq!(numbers[0], Interval { start: 1, end: 1 });
        assert_eq!(
            numbers[79_999],
            Interval {
                start: 159_999,
                end: 159_999
            }
        );
        let descending = set(&entries(A, (0..80_000).rev().map(|k| 2 * k + 1)));
        assert_eq!(descending, parsed);
        let adjacent = set(&entries(A, (1..=80_000).rev()));
        assert_eq!(adjacent.to_string(), format!("{A}:1-80000"));
    }

    #[test]
    fn many_empty_parts_before_trailing_space_parse_to_the_empty_set() {
        let text = format!("{}{}", ",".repeat(100_000), " ".repeat(100_000));
        assert!(set(&text).is_empty());
        assert!(set(" [empty] \n").is_empty());
        assert!(format!("{A}:1,[empty]").parse::<GtidSet>().is_err());
    }

    #[test]
    fn single_gtids_parse_with_and_without_tag() {
        let gtid: Gtid = format!("{}:Tag1:42", A.to_uppercase()).parse().unwrap();
        assert_eq!(gtid.to_string(), format!("{A}:tag1:42"));
        assert!(format!("{A}:1-2").parse::<Gtid>().is_err());
        assert!(set(&format!("{A}:tag1:40-50")).contains(&gtid));
        assert!(!set(&format!("{A}:40-50")).contains(&gtid));
    }

    #[test]
    fn first_last_and_next() {
        let parsed = set(&format!("{A}:3-5:9"));
        let source = SourceId::untagged(A.parse().unwrap());
        assert_eq!(parsed.first(&source).unwrap().number, 3);
        assert_eq!(parsed.last(&source).unwrap().number, 9);
        assert_eq!(parsed.next_after_last(&source).unwrap().number, 10);
        let other = SourceId::untagged(B.parse().unwrap());
        assert_eq!(parsed.next_after_last(&other).unwrap().number, 1);
        assert_eq!(
            set(&format!("{A}:9223372036854775807")).next_after_last(&source),
            None
        );
    }
}
