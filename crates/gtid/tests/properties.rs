//! Every operation checked against a reference model (a set of integers per source) on small
//! ranges, plus the algebraic laws of sets.

use std::collections::{BTreeMap, BTreeSet};

use gtid::compare::Holes;
use gtid::intervals::{Interval, IntervalList};
use gtid::{Gtid, GtidPosition, GtidSet, MariaGtid, SourceId};
use proptest::prelude::*;

const UUIDS: [&str; 3] = [
    "3e11fa47-71ca-11e1-9e33-c80aa9429562",
    "4d22fb58-82db-22f2-af44-d91bb5530673",
    "00000000-0000-0000-0000-000000000001",
];
const TAGS: [Option<&str>; 3] = [None, Some("alpha"), Some("b_2")];

/// (uuid index, tag index) -> transaction numbers.
type Model = BTreeMap<(usize, usize), BTreeSet<u64>>;

/// A source (uuid index, tag index) with (start, length) intervals, in upper case or not.
type Piece = (usize, usize, Vec<(u64, u64)>, bool);

fn source_text(uuid: usize, tag: usize, upper: bool) -> String {
    let uuid = if upper {
        UUIDS[uuid].to_uppercase()
    } else {
        UUIDS[uuid].to_owned()
    };
    match TAGS[tag] {
        Some(tag) if upper => format!("{uuid}:{}", tag.to_uppercase()),
        Some(tag) => format!("{uuid}:{tag}"),
        None => uuid,
    }
}

/// Pieces of a set as a person might paste them: unordered, overlapping, repeated sources,
/// mixed case, spaces and newlines.
fn pieces() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(
        (
            0..UUIDS.len(),
            0..TAGS.len(),
            prop::collection::vec((1u64..60, 0u64..6), 0..5),
            any::<bool>(),
        ),
        0..6,
    )
}

/// Many entries of a few sources, each source repeated in random order, as a script that
/// concatenates GTIDs writes them.
fn repeated_entries() -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(
        (
            0..UUIDS.len(),
            0..TAGS.len(),
            prop::collection::vec((1u64..200, 0u64..4), 1..3),
            any::<bool>(),
        ),
        0..80,
    )
}

fn piece_text((uuid, tag, intervals, upper): &Piece) -> String {
    let mut text = source_text(*uuid, *tag, *upper);
    for &(start, len) in intervals {
        if len == 0 {
            text.push_str(&format!(":{start}"));
        } else {
            text.push_str(&format!(": {start}-{}", start + len));
        }
    }
    text
}

const SEPARATOR: &str = " ,\n  ";

fn build(pieces: &[Piece]) -> (String, Model) {
    let mut model = Model::new();
    for (uuid, tag, intervals, _) in pieces {
        let numbers = model.entry((*uuid, *tag)).or_default();
        for &(start, len) in intervals {
            numbers.extend(start..=start + len);
        }
    }
    model.retain(|_, numbers| !numbers.is_empty());
    let parts: Vec<String> = pieces.iter().map(piece_text).collect();
    (parts.join(SEPARATOR), model)
}

fn model_of(set: &GtidSet) -> Model {
    let mut model = Model::new();
    for gtid in set.gtids() {
        let uuid = UUIDS
            .iter()
            .position(|u| *u == gtid.source.uuid.hyphenated().to_string())
            .unwrap();
        let tag = TAGS
            .iter()
            .position(|t| *t == gtid.source.tag.as_ref().map(|t| t.as_str()))
            .unwrap();
        model.entry((uuid, tag)).or_default().insert(gtid.number);
    }
    model
}

fn combine(
    a: &Model,
    b: &Model,
    op: impl Fn(&BTreeSet<u64>, &BTreeSet<u64>) -> BTreeSet<u64>,
) -> Model {
    let empty = BTreeSet::new();
    a.keys()
        .chain(b.keys())
        .map(|k| {
            (
                *k,
                op(a.get(k).unwrap_or(&empty), b.get(k).unwrap_or(&empty)),
            )
        })
        .filter(|(_, numbers)| !numbers.is_empty())
        .collect()
}

fn parsed(pieces: &[Piece]) -> (GtidSet, Model) {
    let (text, model) = build(pieces);
    (text.parse().unwrap(), model)
}

proptest! {
    #[test]
    fn parsing_matches_the_model_and_printing_round_trips(p in pieces()) {
        let (set, model) = parsed(&p);
        prop_assert_eq!(model_of(&set), model.clone());
        prop_assert_eq!(set.count(), model.values().map(|n| n.len() as u128).sum::<u128>());
        prop_assert_eq!(set.to_string().parse::<GtidSet>().unwrap(), set.clone());
        prop_assert_eq!(format!("{set:#}").parse::<GtidSet>().unwrap(), set.clone());
        // Normalised output: lowercase, no spaces.
        let printed = set.to_string();
        prop_assert!(!printed.chars().any(|c| c.is_ascii_uppercase() || c.is_whitespace()));
    }

    #[test]
    fn repeated_sources_parse_as_the_union_of_their_entries(p in repeated_entries()) {
        let (text, model) = build(&p);
        let set: GtidSet = text.parse().unwrap();
        // The reference: every entry parsed alone, united one at a time.
        let reference = p
            .iter()
            .map(|piece| piece_text(piece).parse::<GtidSet>().unwrap())
            .fold(GtidSet::new(), |all, entry| all.union(&entry));
        prop_assert_eq!(&set, &reference);
        prop_assert_eq!(set.to_string(), reference.to_string());
        prop_assert_eq!(model_of(&set), model);
    }

    #[test]
    fn a_bad_entry_among_repeated_ones_is_reported_where_it_is(
        p in repeated_entries(),
        bad in 0usize..80,
        kind in 0usize..3,
    ) {
        let mut parts: Vec<String> = p.iter().map(piece_text).collect();
        let bad = bad.min(parts.len());
        let source = source_text(bad % UUIDS.len(), 0, false);
        let (entry, within, fragment, problem) = match kind {
            0 => (format!("{source}:1:0"), source.len() + 3, "0", "transaction numbers start at 1"),
            1 => (
                format!("{source}:9-3"),
                source.len() + 1,
                "9-3",
                "an interval must not end below its start",
            ),
            _ => (
                format!("{source}:5 7"),
                source.len() + 3,
                "7",
                "expected ',' or ':'",
            ),
        };
        parts.insert(bad, entry);
        let before: usize = parts[..bad].iter().map(|part| part.len() + SEPARATOR.len()).sum();
        let err = parts.join(SEPARATOR).parse::<GtidSet>().unwrap_err();
        prop_assert_eq!(err.offset, before + within);
        prop_assert_eq!(err.fragment, fragment);
        prop_assert_eq!(err.problem, problem);
    }

    #[test]
    fn from_sources_unites_many_sets_as_union_does(sets in prop::collection::vec(pieces(), 0..8)) {
        let sets: Vec<GtidSet> = sets.iter().map(|p| parsed(p).0).collect();
        let united = GtidSet::from_sources(sets.iter().flat_map(|set| {
            set.sources().iter().map(|s| (s.source.clone(), s.numbers.clone()))
        }));
        let reference = sets.iter().fold(GtidSet::new(), |all, set| all.union(set));
        prop_assert_eq!(united, reference);
    }

    #[test]
    fn inserting_intervals_one_by_one_normalises_as_from_unsorted(
        pairs in prop::collection::vec((1u64..100, 0u64..5), 0..60),
    ) {
        let intervals: Vec<Interval> = pairs
            .iter()
            .map(|&(start, len)| Interval::new(start, start + len).unwrap())
            .collect();
        let mut inserted = IntervalList::new();
        for &interval in &intervals {
            inserted.insert(interval);
        }
        prop_assert_eq!(inserted, IntervalList::from_unsorted(intervals));
    }

    #[test]
    fn operations_match_the_model(a in pieces(), b in pieces()) {
        let ((x, mx), (y, my)) = (parsed(&a), parsed(&b));
        prop_assert_eq!(model_of(&x.union(&y)), combine(&mx, &my, |p, q| p | q));
        prop_assert_eq!(model_of(&x.intersection(&y)), combine(&mx, &my, |p, q| p & q));
        prop_assert_eq!(model_of(&x.difference(&y)), combine(&mx, &my, |p, q| p - q));
        let subset = mx.iter().all(|(k, n)| my.get(k).is_some_and(|m| n.is_subset(m)));
        prop_assert_eq!(x.is_subset(&y), subset);
        prop_assert_eq!(x == y, mx == my);
    }

    #[test]
    fn contains_first_last_next_and_holes_match_the_model(p in pieces(), probe in 1u64..70) {
        let (set, model) = parsed(&p);
        for (&(uuid, tag), numbers) in &model {
            let source: SourceId = format!("{}:1", source_text(uuid, tag, false))
                .parse::<Gtid>()
                .unwrap()
                .source;
            let gtid = Gtid { source: source.clone(), number: probe };
            prop_assert_eq!(set.contains(&gtid), numbers.contains(&probe));
            prop_assert_eq!(set.first(&source).map(|g| g.number), numbers.first().copied());
            let last = *numbers.last().unwrap();
            prop_assert_eq!(set.last(&source).map(|g| g.number), Some(last));
            prop_assert_eq!(set.next_after_last(&source).map(|g| g.number), Some(last + 1));
            let holes: BTreeSet<u64> = (1..=last).filter(|n| !numbers.contains(n)).collect();
            let found = model_of(&set.holes()).get(&(uuid, tag)).cloned().unwrap_or_default();
            prop_assert_eq!(found, holes);
        }
    }

    #[test]
    fn set_laws_hold(a in pieces(), b in pieces(), c in pieces()) {
        let ((x, _), (y, _), (z, _)) = (parsed(&a), parsed(&b), parsed(&c));
        // (A − B) ∪ (A ∩ B) = A, and the two parts are disjoint.
        prop_assert_eq!(x.difference(&y).union(&x.intersection(&y)), x.clone());
        prop_assert!(x.difference(&y).intersection(&y).is_empty());
        prop_assert_eq!(x.union(&y), y.union(&x));
        prop_assert_eq!(x.intersection(&y), y.intersection(&x));
        prop_assert_eq!(x.union(&y).union(&z), x.union(&y.union(&z)));
        prop_assert_eq!(x.intersection(&y).intersection(&z), x.intersection(&y.intersection(&z)));
        prop_assert_eq!(x.intersection(&y.union(&z)), x.intersection(&y).union(&x.intersection(&z)));
        prop_assert_eq!(x.difference(&y.union(&z)), x.difference(&y).intersection(&x.difference(&z)));
        prop_assert!(x.is_subset(&x.union(&y)));
        prop_assert!(x.intersection(&y).is_subset(&x));
        prop_assert_eq!(x.union(&x), x.clone());
        prop_assert!(x.difference(&x).is_empty());
        prop_assert_eq!(x.count() + y.count(), x.union(&y).count() + x.intersection(&y).count());
    }

    #[test]
    fn holes_split_into_tail_and_interior(p in pieces(), window in 0u64..70) {
        let (set, _) = parsed(&p);
        let holes = Holes::classify(&set, window);
        prop_assert_eq!(holes.tail.union(&holes.interior), set.holes());
        prop_assert!(holes.tail.intersection(&holes.interior).is_empty());
        for s in holes.tail.sources() {
            let last = set.numbers(&s.source).unwrap().last().unwrap();
            prop_assert!(s.numbers.first().unwrap() + window > last);
        }
    }

    #[test]
    fn mariadb_positions_round_trip_and_keep_the_latest_per_domain(
        gtids in prop::collection::vec((0u32..4, 1u32..4, 0u64..1000), 0..10)
    ) {
        let position = GtidPosition::from_gtids(
            gtids.iter().map(|&(domain, server, sequence)| MariaGtid { domain, server, sequence }),
        );
        prop_assert_eq!(position.to_string().parse::<GtidPosition>().unwrap(), position.clone());
        let mut latest: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        for &(domain, server, sequence) in &gtids {
            latest.insert((domain, server), sequence);
        }
        let found: BTreeMap<(u32, u32), u64> =
            position.gtids().iter().map(|g| ((g.domain, g.server), g.sequence)).collect();
        prop_assert_eq!(found, latest.clone());
        for domain in position.domains() {
            let highest = latest.iter().filter(|((d, _), _)| *d == domain).map(|(_, s)| *s).max();
            prop_assert_eq!(position.current(domain).map(|g| g.sequence), highest);
        }
    }
}

fn position_of(gtids: &[(u32, u32, u64)]) -> GtidPosition {
    GtidPosition::from_gtids(gtids.iter().map(|&(domain, server, sequence)| MariaGtid {
        domain,
        server,
        sequence,
    }))
}

/// The model of a position: per domain, the highest sequence number.
fn highest_per_domain(position: &GtidPosition) -> BTreeMap<u32, u64> {
    let mut model = BTreeMap::new();
    for g in position.gtids() {
        let entry = model.entry(g.domain).or_insert(g.sequence);
        *entry = (*entry).max(g.sequence);
    }
    model
}

proptest! {
    #[test]
    fn mariadb_union_intersection_and_inclusion_work_per_domain(
        a in prop::collection::vec((0u32..4, 1u32..4, 0u64..50), 0..8),
        b in prop::collection::vec((0u32..4, 1u32..4, 0u64..50), 0..8),
        probe in (0u32..5, 1u32..4, 0u64..60),
    ) {
        let (x, y) = (position_of(&a), position_of(&b));
        let (mx, my) = (highest_per_domain(&x), highest_per_domain(&y));
        let mut union = mx.clone();
        for (d, s) in &my {
            let entry = union.entry(*d).or_insert(*s);
            *entry = (*entry).max(*s);
        }
        prop_assert_eq!(highest_per_domain(&x.union(&y)), union);
        let intersection: BTreeMap<u32, u64> = mx
            .iter()
            .filter_map(|(d, s)| my.get(d).map(|t| (*d, (*s).min(*t))))
            .collect();
        prop_assert_eq!(highest_per_domain(&x.intersection(&y)), intersection);
        // One GTID per domain in the results: they are positions.
        prop_assert_eq!(x.union(&y).gtids().len(), x.union(&y).domains().count());
        let gtid = MariaGtid { domain: probe.0, server: probe.1, sequence: probe.2 };
        prop_assert_eq!(x.includes(&gtid), mx.get(&probe.0).is_some_and(|s| *s >= probe.2));
    }
}
