//! MariaDB GTIDs (`domain-server-sequence`) and GTID positions (`0-1-100,1-2-7`), as printed in
//! `gtid_slave_pos`, `gtid_binlog_pos`, `gtid_current_pos`, `gtid_binlog_state`, `Gtid_IO_Pos`
//! and GTID_LIST events.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;

use crate::error::ParseError;

const POSITION: &str = "MariaDB GTID position";
const GTID: &str = "MariaDB GTID";

/// One MariaDB transaction: `domain-server-sequence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MariaGtid {
    pub domain: u32,
    pub server: u32,
    pub sequence: u64,
}

impl fmt::Display for MariaGtid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.domain, self.server, self.sequence)
    }
}

crate::serde_as_text!(MariaGtid);

impl FromStr for MariaGtid {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        let start = text.len() - text.trim_start().len();
        let (gtid, end) = parse_gtid(GTID, text, start)?;
        if !text[end..].trim().is_empty() {
            let at = end + (text[end..].len() - text[end..].trim_start().len());
            return Err(ParseError::at(
                GTID,
                text,
                at,
                "expected the end of the GTID",
            ));
        }
        Ok(gtid)
    }
}

/// A MariaDB GTID position or binlog state: the last GTID of each replication domain, or, for
/// `gtid_binlog_state`, of each (domain, server) pair.
///
/// Domains are kept in ascending order. Within a domain the GTIDs keep the order given, because
/// MariaDB prints the most recent GTID of a domain last in `gtid_binlog_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GtidPosition {
    gtids: Vec<MariaGtid>,
}

impl GtidPosition {
    pub fn new() -> Self {
        Self::default()
    }

    /// A position from GTIDs in any domain order; a later GTID of a (domain, server) pair
    /// replaces an earlier one. O(n log n).
    pub fn from_gtids(gtids: impl IntoIterator<Item = MariaGtid>) -> Self {
        let all: Vec<MariaGtid> = gtids.into_iter().collect();
        let mut seen = HashSet::with_capacity(all.len());
        let mut kept: Vec<MariaGtid> = all
            .into_iter()
            .rev()
            .filter(|g| seen.insert((g.domain, g.server)))
            .collect();
        kept.reverse();
        // Stable: the order within a domain is kept.
        kept.sort_by_key(|g| g.domain);
        Self { gtids: kept }
    }

    pub fn gtids(&self) -> &[MariaGtid] {
        &self.gtids
    }

    pub fn is_empty(&self) -> bool {
        self.gtids.is_empty()
    }

    /// The domains, ascending, each once.
    pub fn domains(&self) -> impl Iterator<Item = u32> + '_ {
        self.gtids
            .iter()
            .enumerate()
            .filter(|&(n, g)| n == 0 || self.gtids[n - 1].domain != g.domain)
            .map(|(_, g)| g.domain)
    }

    /// Every GTID recorded for `domain` (several servers in a binlog state).
    pub fn in_domain(&self, domain: u32) -> &[MariaGtid] {
        let start = self.gtids.partition_point(|g| g.domain < domain);
        let end = self.gtids.partition_point(|g| g.domain <= domain);
        &self.gtids[start..end]
    }

    /// The current GTID of `domain`: the one with the highest sequence number (the last listed
    /// among equals), which is where replication in that domain stands.
    pub fn current(&self, domain: u32) -> Option<MariaGtid> {
        self.in_domain(domain)
            .iter()
            .copied()
            .reduce(|best, g| if g.sequence >= best.sequence { g } else { best })
    }

    /// The position proper: one GTID per domain, the current one.
    pub fn current_position(&self) -> Self {
        Self {
            gtids: self.domains().filter_map(|d| self.current(d)).collect(),
        }
    }

    /// Whether `gtid` is at or before the current GTID of its domain, i.e. already applied by a
    /// server at this position (MariaDB's sequence numbers grow within a domain).
    pub fn includes(&self, gtid: &MariaGtid) -> bool {
        self.current(gtid.domain)
            .is_some_and(|current| current.sequence >= gtid.sequence)
    }

    /// Per domain, the further ahead of the two positions (what `MASTER_GTID_WAIT` on both
    /// would wait for).
    pub fn union(&self, other: &Self) -> Self {
        let mut by_domain = self.current_by_domain();
        for (domain, g) in other.current_by_domain() {
            by_domain
                .entry(domain)
                .and_modify(|x| {
                    if g.sequence > x.sequence {
                        *x = g;
                    }
                })
                .or_insert(g);
        }
        Self::from_gtids(by_domain.into_values())
    }

    /// Per domain present in both, the one further behind: where both have been.
    pub fn intersection(&self, other: &Self) -> Self {
        let theirs = other.current_by_domain();
        Self::from_gtids(
            self.current_by_domain()
                .into_iter()
                .filter_map(|(domain, x)| {
                    theirs
                        .get(&domain)
                        .map(|&y| if y.sequence < x.sequence { y } else { x })
                }),
        )
    }

    fn current_by_domain(&self) -> BTreeMap<u32, MariaGtid> {
        self.current_position()
            .gtids
            .into_iter()
            .map(|g| (g.domain, g))
            .collect()
    }
}

impl fmt::Display for GtidPosition {
    /// `0-1-100,1-2-7`, as MariaDB prints positions (no spaces).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, gtid) in self.gtids.iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            write!(f, "{gtid}")?;
        }
        Ok(())
    }
}

crate::serde_as_text!(GtidPosition);

impl FromStr for GtidPosition {
    type Err = ParseError;

    /// Parses `D-S-N` triples separated by commas, with optional whitespace, and optionally in
    /// the brackets of a GTID_LIST event as `SHOW BINLOG EVENTS` prints it (`[0-1-5,1-2-3]`).
    /// The same (domain, server) pair twice is an error: no server prints that.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let trimmed = text.trim();
        let lead = text.len() - text.trim_start().len();
        let (body_start, body_end) = match (trimmed.strip_prefix('['), trimmed.strip_suffix(']')) {
            (Some(_), Some(_)) if trimmed.len() >= 2 => (lead + 1, lead + trimmed.len() - 1),
            _ => (0, text.len()),
        };
        let mut gtids: Vec<MariaGtid> = Vec::new();
        let mut seen = HashSet::new();
        let mut pos = body_start;
        let bytes = text.as_bytes();
        loop {
            while pos < body_end && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos >= body_end {
                break;
            }
            let start = pos;
            let (gtid, end) = parse_gtid(POSITION, &text[..body_end], pos)?;
            if !seen.insert((gtid.domain, gtid.server)) {
                return Err(ParseError::span(
                    POSITION,
                    text,
                    start,
                    end - start,
                    "the same domain and server appear twice",
                ));
            }
            gtids.push(gtid);
            pos = end;
            while pos < body_end && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            match bytes.get(pos) {
                _ if pos >= body_end => break,
                Some(b',') => pos += 1,
                _ => return Err(ParseError::at(POSITION, text, pos, "expected ','")),
            }
        }
        Ok(Self::from_gtids(gtids))
    }
}

/// Parses `D-S-N` starting at byte `start`; returns it and the byte offset after it.
fn parse_gtid(
    what: &'static str,
    text: &str,
    start: usize,
) -> Result<(MariaGtid, usize), ParseError> {
    let bytes = text.as_bytes();
    let mut pos = start;
    let mut fields = [0u64; 3];
    let limits = [u64::from(u32::MAX), u64::from(u32::MAX), u64::MAX];
    let names = ["domain id", "server id", "sequence number"];
    for (n, field) in fields.iter_mut().enumerate() {
        if n > 0 {
            if bytes.get(pos) != Some(&b'-') {
                let problem = if n == 1 {
                    "expected '-' after the domain id (a MariaDB GTID is domain-server-sequence)"
                } else {
                    "expected '-' after the server id (a MariaDB GTID is domain-server-sequence)"
                };
                return Err(ParseError::at(what, text, start, problem));
            }
            pos += 1;
        }
        let digits_start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if digits_start == pos {
            return Err(ParseError::at(
                what,
                text,
                pos,
                format!("expected a {}", names[n]),
            ));
        }
        *field = text[digits_start..pos]
            .parse::<u64>()
            .ok()
            .filter(|v| *v <= limits[n])
            .ok_or_else(|| {
                ParseError::span(
                    what,
                    text,
                    digits_start,
                    pos - digits_start,
                    format!("the {} is out of range", names[n]),
                )
            })?;
    }
    let [domain, server, sequence] = fields;
    // The limits above keep domain and server within u32.
    let gtid = MariaGtid {
        domain: u32::try_from(domain).unwrap_or(u32::MAX),
        server: u32::try_from(server).unwrap_or(u32::MAX),
        sequence,
    };
    Ok((gtid, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str) -> GtidPosition {
        text.parse().unwrap()
    }

    #[test]
    fn parses_prints_and_orders_domains() {
        let p = pos(" 1-2-7, 0-1-100 ,\n0-2-98");
        assert_eq!(p.to_string(), "0-1-100,0-2-98,1-2-7");
        assert_eq!(p.current(0).unwrap().to_string(), "0-1-100");
        assert_eq!(p.current_position().to_string(), "0-1-100,1-2-7");
        assert_eq!(pos("[0-1-5,1-2-3]").to_string(), "0-1-5,1-2-3");
        assert!(pos("").is_empty());
    }

    #[test]
    fn inclusion_union_and_intersection_work_per_domain() {
        let a = pos("0-1-100,1-2-7");
        let b = pos("0-2-120,2-3-1");
        assert!(a.includes(&"0-9-99".parse().unwrap()));
        assert!(!a.includes(&"0-1-101".parse().unwrap()));
        assert_eq!(a.union(&b).to_string(), "0-2-120,1-2-7,2-3-1");
        assert_eq!(a.intersection(&b).to_string(), "0-1-100");
    }

    #[test]
    fn a_domain_repeated_in_80000_entries_keeps_every_server() {
        let text = (1..=80_000u32)
            .map(|server| format!("0-{server}-{}", 2 * u64::from(server)))
            .collect::<Vec<_>>()
            .join(",");
        let p = pos(&text);
        assert_eq!(p.gtids().len(), 80_000);
        assert_eq!(p.domains().collect::<Vec<_>>(), [0]);
        assert_eq!(p.current(0).unwrap().to_string(), "0-80000-160000");
        assert_eq!(p.current_position().to_string(), "0-80000-160000");
        assert_eq!(p.union(&p).to_string(), "0-80000-160000");
    }

    #[test]
    fn errors_quote_the_fragment_and_its_offset() {
        let err = "0-1-5,0-1".parse::<GtidPosition>().unwrap_err();
        assert_eq!((err.offset, err.fragment.as_str()), (6, "0-1"));
        let err = "0-1-5 x".parse::<GtidPosition>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid MariaDB GTID position at character 6: expected ',', found \"x\""
        );
        let err = "0-4294967296-5".parse::<GtidPosition>().unwrap_err();
        assert_eq!(err.fragment, "4294967296");
        let err = "0-1-5,0-1-6".parse::<GtidPosition>().unwrap_err();
        assert_eq!((err.offset, err.fragment.as_str()), (6, "0-1-6"));
        assert!("0-1-5 extra".parse::<MariaGtid>().is_err());
    }
}
