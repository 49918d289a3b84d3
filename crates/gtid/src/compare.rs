//! The comparisons a DBA makes between a replica and its source during an incident, with the
//! exact sets behind each answer.

use std::collections::BTreeSet;

use serde::Serialize;
use uuid::Uuid;

use crate::intervals::IntervalList;
use crate::mariadb::{GtidPosition, MariaGtid};
use crate::mysql::{GtidSet, SourceId};

/// How many transactions below its highest one a multi-threaded applier can leave unapplied:
/// MySQL checkpoints its workers every `replica_checkpoint_group` transactions (default 512), so
/// a gap further down than that is not the applier at work.
pub const DEFAULT_IN_FLIGHT_WINDOW: u64 = 512;

/// What is known about a MySQL replica and its source.
#[derive(Debug, Clone)]
pub struct MysqlInput<'a> {
    /// The source's `gtid_executed`.
    pub source_executed: &'a GtidSet,
    /// The replica's `gtid_executed`.
    pub replica_executed: &'a GtidSet,
    /// The source's `gtid_purged`, when known.
    pub source_purged: Option<&'a GtidSet>,
    /// The source's `server_uuid`, when known.
    pub source_uuid: Option<Uuid>,
    /// UUIDs of the replica's legitimate other upstreams (a co-primary, an old source): their
    /// replica-only transactions are not errant.
    pub ignore: &'a BTreeSet<Uuid>,
    /// See [`DEFAULT_IN_FLIGHT_WINDOW`]; 0 when the applier is single-threaded or stopped.
    pub in_flight_window: u64,
}

/// A MySQL replica compared with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MysqlComparison {
    /// Transactions the replica executed that its source never had, after leaving out the
    /// ignored UUIDs: writes on the replica, or transactions the source lost.
    pub errant: GtidSet,
    pub errant_count: u128,
    /// The ignored UUIDs that did have replica-only transactions.
    pub ignored_uuids: Vec<String>,
    /// Those transactions.
    pub ignored: GtidSet,
    /// Errant transactions on a UUID the source has, above the source's highest number for it:
    /// the replica is ahead of its source there (case 4: the source lost them in a crash).
    pub ahead_of_source: Vec<AheadOfSource>,
    /// Transactions the source has and the replica not yet.
    pub missing: GtidSet,
    pub missing_count: u128,
    /// The part of `missing` the source has already purged from its binlogs: when not empty the
    /// replica can no longer catch up (error 1236). `None` when the source's purged set is
    /// unknown.
    pub missing_purged: Option<GtidSet>,
    /// Gaps in the replica's executed set.
    pub replica_holes: Holes,
}

/// The replica is ahead of its source on one of the source's UUIDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AheadOfSource {
    /// `uuid` or `uuid:tag`.
    pub source_id: String,
    /// Whether this is the source's own `server_uuid` (`None` when that is unknown).
    pub is_source_own_uuid: Option<bool>,
    pub source_last: u64,
    pub replica_last: u64,
    /// Exactly the transactions above `source_last` that the replica has.
    pub transactions: GtidSet,
    pub count: u64,
}

/// Gaps below the highest transaction number of each UUID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holes {
    /// Within the in-flight window below the highest number: a parallel applier's normal
    /// out-of-order commits; they close as it catches up.
    pub tail: GtidSet,
    /// Further down: they persist (a `CHANGE MASTER` to a position, a skipped transaction) and
    /// the replica never fills them by itself.
    pub interior: GtidSet,
    /// The window used, in transactions.
    pub in_flight_window: u64,
}

impl Holes {
    /// Splits the holes of `set` at `in_flight_window` transactions below each UUID's highest.
    pub fn classify(set: &GtidSet, in_flight_window: u64) -> Self {
        let all = set.holes();
        let window_of = |source: &SourceId| {
            let last = set
                .numbers(source)
                .and_then(IntervalList::last)
                .unwrap_or(0);
            IntervalList::range(
                last.saturating_sub(in_flight_window).saturating_add(1),
                last,
            )
        };
        Self {
            tail: all.map_sources(|source, holes| holes.intersection(&window_of(source))),
            interior: all.map_sources(|source, holes| holes.difference(&window_of(source))),
            in_flight_window,
        }
    }
}

/// Compares a MySQL replica with its source.
pub fn compare_mysql(input: &MysqlInput<'_>) -> MysqlComparison {
    let replica_only = input.replica_executed.difference(input.source_executed);
    let ignored = replica_only.filter_sources(|s| input.ignore.contains(&s.uuid));
    let errant = replica_only.difference(&ignored);
    let ignored_uuids: BTreeSet<String> = ignored
        .sources()
        .iter()
        .map(|s| s.source.uuid.hyphenated().to_string())
        .collect();
    let ahead_of_source = errant
        .sources()
        .iter()
        .filter_map(|s| {
            let source_last = input.source_executed.numbers(&s.source)?.last()?;
            let above = s.numbers.intersection(&IntervalList::range(
                source_last.saturating_add(1),
                u64::MAX,
            ));
            let replica_last = above.last()?;
            Some(AheadOfSource {
                source_id: s.source.to_string(),
                is_source_own_uuid: input.source_uuid.map(|uuid| uuid == s.source.uuid),
                source_last,
                replica_last,
                count: above.count(),
                transactions: GtidSet::from_sources([(s.source.clone(), above)]),
            })
        })
        .collect();
    let missing = input.source_executed.difference(input.replica_executed);
    let missing_purged = input
        .source_purged
        .map(|purged| missing.intersection(purged));
    MysqlComparison {
        errant_count: errant.count(),
        errant,
        ignored_uuids: ignored_uuids.into_iter().collect(),
        ignored,
        ahead_of_source,
        missing_count: missing.count(),
        missing,
        missing_purged,
        replica_holes: Holes::classify(input.replica_executed, input.in_flight_window),
    }
}

/// Where a MariaDB replica stands in one replication domain, compared with its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DomainState {
    /// The replica is at the source's current GTID.
    InSync,
    /// The replica is behind by this many sequence numbers and the source still has them.
    Behind { by: u64 },
    /// The source's oldest binlog starts after the replica's position in this domain: the
    /// replica cannot continue (error 1236, "Could not find GTID state requested by slave").
    Purged,
    /// The replica's sequence number is higher than any the source logged in this domain:
    /// errant writes on the replica, or transactions the source lost.
    Ahead { by: u64 },
    /// The replica's current GTID is not one its source ever logged, although the source has
    /// reached that sequence number: the histories differ (an errant write on the replica).
    Diverged,
    /// The source has this domain and the replica nothing: the replica will fetch it from the
    /// source's oldest binlog.
    OnlyOnSource,
    /// The replica has a domain the source never logged: errant, or another upstream's.
    OnlyOnReplica,
    /// A domain of another upstream the caller asked to leave out.
    Ignored,
}

impl DomainState {
    /// Whether this domain stops the replica from replicating from this source.
    pub fn blocks_replication(self) -> bool {
        matches!(
            self,
            Self::Purged | Self::Ahead { .. } | Self::Diverged | Self::OnlyOnReplica
        )
    }
}

/// One domain of a MariaDB comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainComparison {
    pub domain: u32,
    /// The source's current GTID in the domain.
    pub source: Option<MariaGtid>,
    /// The replica's current GTID in the domain.
    pub replica: Option<MariaGtid>,
    #[serde(flatten)]
    pub state: DomainState,
}

/// What is known about a MariaDB replica and its source.
#[derive(Debug, Clone)]
pub struct MariadbInput<'a> {
    /// The source's `gtid_binlog_state` (every server of every domain; `gtid_binlog_pos` works
    /// too but cannot tell a diverged history from an old one).
    pub source_binlog_state: &'a GtidPosition,
    /// The replica's `gtid_current_pos` (or `gtid_slave_pos` when only replicated transactions
    /// matter).
    pub replica_position: &'a GtidPosition,
    /// The GTID_LIST of the source's oldest binlog: what it had purged, when known.
    pub source_purged: Option<&'a GtidPosition>,
    /// Domains of the replica's other upstreams.
    pub ignore_domains: &'a BTreeSet<u32>,
}

/// A MariaDB replica compared with its source, domain by domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MariadbComparison {
    pub domains: Vec<DomainComparison>,
}

impl MariadbComparison {
    /// Whether the replica can connect to the source at its position and go on (every domain
    /// reachable from the source's binlogs).
    pub fn replica_can_continue(&self) -> bool {
        !self.domains.iter().any(|d| d.state.blocks_replication())
    }
}

/// Compares a MariaDB replica's position with its source's binlog state, domain by domain.
pub fn compare_mariadb(input: &MariadbInput<'_>) -> MariadbComparison {
    let domains: BTreeSet<u32> = input
        .source_binlog_state
        .domains()
        .chain(input.replica_position.domains())
        .collect();
    let domains = domains
        .into_iter()
        .map(|domain| {
            let source = input.source_binlog_state.current(domain);
            let replica = input.replica_position.current(domain);
            let purged_after = |sequence: u64| {
                input
                    .source_purged
                    .and_then(|p| p.current(domain))
                    .is_some_and(|boundary| boundary.sequence > sequence)
            };
            let state = match (source, replica) {
                _ if input.ignore_domains.contains(&domain) => DomainState::Ignored,
                (Some(_), None) if purged_after(0) => DomainState::Purged,
                (Some(_), None) | (None, None) => DomainState::OnlyOnSource,
                (None, Some(_)) => DomainState::OnlyOnReplica,
                (Some(s), Some(r)) if r.sequence > s.sequence => DomainState::Ahead {
                    by: r.sequence - s.sequence,
                },
                (Some(s), Some(r)) => {
                    let logged_by_source = input
                        .source_binlog_state
                        .in_domain(domain)
                        .iter()
                        .any(|g| g.server == r.server && g.sequence >= r.sequence);
                    if !logged_by_source {
                        DomainState::Diverged
                    } else if purged_after(r.sequence) {
                        DomainState::Purged
                    } else if r.sequence == s.sequence {
                        DomainState::InSync
                    } else {
                        DomainState::Behind {
                            by: s.sequence - r.sequence,
                        }
                    }
                }
            };
            DomainComparison {
                domain,
                source,
                replica,
                state,
            }
        })
        .collect();
    MariadbComparison { domains }
}

/// The replica's own history the source lacks, from both servers' `gtid_binlog_state` (the
/// last GTID of every server in every domain): each replica entry whose server the source's
/// state does not have in that domain, or has at a lower sequence number. MariaDB's positions
/// hold one GTID per domain, so an errant write is hidden once the source writes in the same
/// domain again; the binlog states still show it.
pub fn mariadb_state_surplus(
    replica_state: &GtidPosition,
    source_state: &GtidPosition,
) -> Vec<MariaGtid> {
    replica_state
        .gtids()
        .iter()
        .filter(|own| {
            !source_state
                .in_domain(own.domain)
                .iter()
                .any(|theirs| theirs.server == own.server && theirs.sequence >= own.sequence)
        })
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str) -> GtidSet {
        text.parse().unwrap()
    }

    #[test]
    fn tail_holes_are_near_the_top_and_interior_ones_below() {
        let replica = set("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50:60-2000:2003:2005-2010");
        let holes = Holes::classify(&replica, 512);
        assert_eq!(
            holes.tail.to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:2001-2002:2004"
        );
        assert_eq!(
            holes.interior.to_string(),
            "3e11fa47-71ca-11e1-9e33-c80aa9429562:51-59"
        );
        let stopped = Holes::classify(&replica, 0);
        assert!(stopped.tail.is_empty());
        assert_eq!(stopped.interior, replica.holes());
    }

    fn position(text: &str) -> GtidPosition {
        text.parse().unwrap()
    }

    fn states(source: &str, replica: &str, purged: Option<&str>) -> Vec<(u32, DomainState)> {
        let purged = purged.map(position);
        compare_mariadb(&MariadbInput {
            source_binlog_state: &position(source),
            replica_position: &position(replica),
            source_purged: purged.as_ref(),
            ignore_domains: &BTreeSet::from([9]),
        })
        .domains
        .into_iter()
        .map(|d| (d.domain, d.state))
        .collect()
    }

    #[test]
    fn mariadb_domains_are_compared_one_by_one() {
        use DomainState::*;
        assert_eq!(
            states("0-1-100,1-2-7,2-1-5", "0-1-90,1-2-7,3-2-1,9-3-3", None),
            vec![
                (0, Behind { by: 10 }),
                (1, InSync),
                (2, OnlyOnSource),
                (3, OnlyOnReplica),
                (9, Ignored)
            ]
        );
        // The errant write of the MariaDB notes: replica 0-2-5 while the source is at 0-1-4,
        // then the source writes 0-1-5.
        assert_eq!(states("0-1-4", "0-2-5", None), vec![(0, Ahead { by: 1 })]);
        assert_eq!(states("0-1-5", "0-2-5", None), vec![(0, Diverged)]);
        // A dual primary: the source's binlog state holds both servers.
        assert_eq!(
            states("0-2-3,0-1-4", "0-2-3", None),
            vec![(0, Behind { by: 1 })]
        );
        // Purged: the source's oldest binlog starts at 0-1-50.
        assert_eq!(
            states("0-1-100", "0-1-40", Some("0-1-50")),
            vec![(0, Purged)]
        );
        assert_eq!(
            states("0-1-100", "0-1-50", Some("0-1-50")),
            vec![(0, Behind { by: 50 })]
        );
    }

    #[test]
    fn a_position_is_reachable_when_no_domain_blocks_it() {
        let reachable = |source: &str, replica: &str, purged: &str| {
            compare_mariadb(&MariadbInput {
                source_binlog_state: &position(source),
                replica_position: &position(replica),
                source_purged: Some(&position(purged)),
                ignore_domains: &BTreeSet::new(),
            })
            .replica_can_continue()
        };
        assert!(reachable("0-1-100,1-2-7", "0-1-60,1-2-7", "0-1-50,1-2-1"));
        assert!(!reachable("0-1-100,1-2-7", "0-1-60,1-2-8", "0-1-50"));
        assert!(!reachable("0-1-100,1-2-7", "0-1-40,1-2-7", "0-1-50"));
        assert!(!reachable("0-1-100", "0-1-60,3-3-1", ""));
    }

    #[test]
    fn an_errant_write_stays_in_the_binlog_state_after_the_source_writes_again() {
        let state = |text: &str| text.parse::<GtidPosition>().unwrap();
        // The replica (server 2) wrote 0-2-5, then replicated the source's 0-1-9: its
        // position says 0-1-9 like the source's, its binlog state keeps 0-2-5.
        let surplus = mariadb_state_surplus(&state("0-1-9,0-2-5"), &state("0-1-9"));
        assert_eq!(surplus.len(), 1);
        assert_eq!(surplus[0].to_string(), "0-2-5");
        // The source has the replica's server at that number: nothing errant.
        assert!(mariadb_state_surplus(&state("0-1-9,0-2-5"), &state("0-1-9,0-2-5")).is_empty());
        assert!(mariadb_state_surplus(&state("0-1-9,0-2-5"), &state("0-1-9,0-2-7")).is_empty());
        // Another domain the source never logged.
        let surplus = mariadb_state_surplus(&state("0-1-9,1-2-3"), &state("0-1-9"));
        assert_eq!(surplus[0].to_string(), "1-2-3");
    }
}
