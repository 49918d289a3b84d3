//! A server's GTID state, read live for `gtid compare --replica --source`: the same session,
//! catalogue statements and MariaDB purged state (the GTID_LIST of the oldest binlog) as a
//! collection.

use dialect::catalogue::{BINARY_LOGS, MARIADB_GTID_STATE, MYSQL_GTID_STATE};
use gtid::{GtidPosition, GtidSet, Uuid};
use session::dsn::Endpoint;
use session::{Session, StatementError, Timeouts};

/// One server's GTIDs, and whether it replicates from anyone (a source that does is an
/// intermediate or the other half of a dual primary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerGtids {
    pub state: GtidState,
    pub replicates: bool,
}

/// What one server's GTIDs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtidState {
    Mysql {
        executed: GtidSet,
        purged: GtidSet,
        uuid: Option<Uuid>,
    },
    Mariadb {
        /// `gtid_binlog_state`: what the server's binlogs hold (a source's side).
        binlog_state: GtidPosition,
        /// `gtid_current_pos`: what it executed, its own writes included (a replica's side).
        current_pos: GtidPosition,
        /// The GTID_LIST of its oldest binlog, i.e. what purging removed, or why it could not
        /// be read (the account lacks BINLOG MONITOR, the server keeps no binlog).
        purged: Result<GtidPosition, String>,
    },
}

/// Logs in to `endpoint` and reads its GTID state. `role` names it in errors, which name the
/// server as `role host:port`.
pub async fn read_gtid_state(
    endpoint: &Endpoint,
    role: &str,
    timeouts: Timeouts,
) -> Result<ServerGtids, String> {
    let mut session = Session::connect(endpoint, role, timeouts)
        .await
        .map_err(|err| err.to_string())?;
    let state = read(&mut session).await;
    // An account that may not read the replica status is taken as not replicating.
    let replicates = session
        .query(&session.dialect().all_channels_status(), 1)
        .await
        .is_ok_and(|status| !status.rows.is_empty());
    session.close().await;
    let state = state.map_err(|reason| format!("{role} {endpoint}: {reason}"))?;
    Ok(ServerGtids { state, replicates })
}

async fn read(session: &mut Session) -> Result<GtidState, String> {
    let failed = |err: StatementError| format!("cannot read its GTIDs: {err}");
    if session.is_mariadb() {
        let rows = session
            .query(MARIADB_GTID_STATE.sql, 1)
            .await
            .map_err(failed)?;
        let cell = |i: usize| rows.rows.first().and_then(|r| r.get(i)).cloned().flatten();
        let parse = |text: Option<String>| -> Result<GtidPosition, String> {
            text.unwrap_or_default()
                .parse()
                .map_err(|err: gtid::ParseError| err.to_string())
        };
        let binlog_state = parse(cell(0))?;
        let current_pos = parse(cell(1))?;
        let purged = oldest_binlog_gtid_list(session).await;
        return Ok(GtidState::Mariadb {
            binlog_state,
            current_pos,
            purged,
        });
    }
    let rows = session
        .query(MYSQL_GTID_STATE.sql, 1)
        .await
        .map_err(failed)?;
    let cell = |i: usize| rows.rows.first().and_then(|r| r.get(i)).cloned().flatten();
    let parse = |text: Option<String>| -> Result<GtidSet, String> {
        text.unwrap_or_default()
            .parse()
            .map_err(|err: gtid::ParseError| err.to_string())
    };
    Ok(GtidState::Mysql {
        executed: parse(cell(0))?,
        purged: parse(cell(1))?,
        uuid: cell(2).and_then(|text| Uuid::try_parse(&text).ok()),
    })
}

/// The GTID_LIST event at the start of the server's oldest binlog: the state before it, i.e.
/// what purging has removed.
async fn oldest_binlog_gtid_list(session: &mut Session) -> Result<GtidPosition, String> {
    let logs = session
        .query(BINARY_LOGS.sql, 1)
        .await
        .map_err(|err| format!("cannot list its binlogs: {err}"))?;
    let Some(oldest) = logs
        .rows
        .first()
        .and_then(|row| row.first().cloned().flatten())
    else {
        return Err("it lists no binlog".into());
    };
    let events = session
        .query(&oldest_binlog_head(&oldest), 4)
        .await
        .map_err(|err| format!("cannot read its oldest binlog {oldest}: {err}"))?;
    let column = |name: &str| {
        events
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    };
    let (Some(kind), Some(info)) = (column("Event_type"), column("Info")) else {
        return Err("SHOW BINLOG EVENTS gave no Event_type and Info columns".into());
    };
    events
        .rows
        .iter()
        .find(|row| row.get(kind).cloned().flatten().as_deref() == Some("Gtid_list"))
        .map(|row| {
            row.get(info)
                .cloned()
                .flatten()
                .unwrap_or_default()
                .parse()
                .map_err(|err: gtid::ParseError| format!("its oldest binlog's GTID list: {err}"))
        })
        .unwrap_or_else(|| Err(format!("its oldest binlog {oldest} has no GTID list event")))
}

/// `catalogue::OLDEST_BINLOG_HEAD` for one file, the name quoted.
pub fn oldest_binlog_head(file: &str) -> String {
    format!(
        "SHOW BINLOG EVENTS IN '{}' LIMIT 4",
        file.replace('\\', "\\\\").replace('\'', "''")
    )
}
