//! GTID state read from the evidence and compared with `crates/gtid`.

use std::collections::BTreeSet;

use evidence::model::{GtidText, ServerEvidence};
use gtid::compare::{
    MariadbComparison, MariadbInput, MysqlComparison, MysqlInput, compare_mariadb, compare_mysql,
};
use gtid::{GtidPosition, GtidSet, Uuid};

fn parse_set(text: Option<GtidText>) -> Option<GtidSet> {
    text?.text.parse().ok()
}

fn parse_position(text: Option<GtidText>) -> Option<GtidPosition> {
    text?.text.parse().ok()
}

/// A MySQL server's executed set: `gtid_executed`, else the replica status's
/// `Executed_Gtid_Set`, else `SHOW MASTER STATUS`.
pub fn mysql_executed(server: &ServerEvidence) -> Option<GtidSet> {
    parse_set(server.variables.gtid_executed())
        .or_else(|| {
            parse_set(
                server
                    .channels()
                    .iter()
                    .find_map(|c| c.executed_gtid_set.clone()),
            )
        })
        .or_else(|| {
            let sample = server.latest_sample()?;
            parse_set(sample.binlog_position.as_ref()?.executed_gtid_set.clone())
        })
}

/// What the source persisted in `mysql.gtid_executed`, when that table was given.
pub fn persisted_gtids(server: &ServerEvidence) -> Option<GtidSet> {
    if server.gtid_executed_table.is_empty() {
        return None;
    }
    let text: Vec<String> = server
        .gtid_executed_table
        .iter()
        .map(|row| match &row.gtid_tag {
            Some(tag) if !tag.is_empty() => {
                format!(
                    "{}:{tag}:{}-{}",
                    row.source_uuid, row.interval_start, row.interval_end
                )
            }
            _ => format!(
                "{}:{}-{}",
                row.source_uuid, row.interval_start, row.interval_end
            ),
        })
        .collect();
    text.join(",").parse().ok()
}

pub fn mysql_purged(server: &ServerEvidence) -> Option<GtidSet> {
    parse_set(server.variables.gtid_purged())
}

pub fn server_uuid(server: &ServerEvidence) -> Option<Uuid> {
    server
        .identity
        .server_uuid
        .as_deref()
        .or(server.variables.server_uuid())
        .and_then(|u| u.parse().ok())
}

/// A MySQL replica compared with its source, when both executed sets are known.
pub fn compare_mysql_servers(
    replica: &ServerEvidence,
    source: &ServerEvidence,
) -> Option<MysqlComparison> {
    let replica_executed = mysql_executed(replica)?;
    let source_executed = mysql_executed(source)?;
    let purged = mysql_purged(source);
    let ignore = BTreeSet::new();
    Some(compare_mysql(&MysqlInput {
        source_executed: &source_executed,
        replica_executed: &replica_executed,
        source_purged: purged.as_ref(),
        source_uuid: server_uuid(source),
        ignore: &ignore,
        in_flight_window: gtid::compare::DEFAULT_IN_FLIGHT_WINDOW,
    }))
}

/// What a MariaDB server purged: the GTID_LIST event at the head of its oldest binlog (the
/// first `SHOW BINARY LOGS` lists), as `SHOW BINLOG EVENTS` gave it.
pub fn mariadb_purged(server: &ServerEvidence) -> Option<GtidPosition> {
    let oldest = &server.binary_logs.first()?.name;
    server
        .binlog_events
        .iter()
        .find(|e| {
            e.event_type.eq_ignore_ascii_case("Gtid_list")
                && e.log_file.as_deref() == Some(oldest.as_str())
        })
        .and_then(|e| e.detail.trim().parse().ok())
}

/// The replica's own writes the source never had, from both servers' `gtid_binlog_state`;
/// empty when either state is not in the evidence.
pub fn mariadb_state_surplus(
    replica: &ServerEvidence,
    source: &ServerEvidence,
) -> Vec<gtid::mariadb::MariaGtid> {
    let (Some(replica_state), Some(source_state)) = (
        parse_position(replica.variables.gtid_binlog_state()),
        parse_position(source.variables.gtid_binlog_state()),
    ) else {
        return Vec::new();
    };
    gtid::compare::mariadb_state_surplus(&replica_state, &source_state)
}

/// A MariaDB replica compared with its source, when the source's binlog state and the
/// replica's position are known.
pub fn compare_mariadb_servers(
    replica: &ServerEvidence,
    source: &ServerEvidence,
) -> Option<MariadbComparison> {
    let source_state = parse_position(source.variables.gtid_binlog_state())
        .or_else(|| parse_position(source.variables.gtid_binlog_pos()))?;
    let replica_position = parse_position(replica.variables.gtid_current_pos())
        .or_else(|| parse_position(replica.variables.gtid_binlog_pos()))?;
    let ignore = BTreeSet::new();
    let purged = mariadb_purged(source);
    Some(compare_mariadb(&MariadbInput {
        source_binlog_state: &source_state,
        replica_position: &replica_position,
        source_purged: purged.as_ref(),
        ignore_domains: &ignore,
    }))
}
