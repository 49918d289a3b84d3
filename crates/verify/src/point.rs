//! One point of the replication stream at which both servers are read, with nothing written
//! to the source and no lock taken on it.
//!
//! The source opens a consistent snapshot and reports the binlog position that snapshot sees
//! (`binlog_snapshot_file`/`_position`: MariaDB, Percona Server). The replica's applier is
//! stopped, started again `UNTIL` exactly that position, and when it has stopped there the
//! replica opens its own snapshot; the applier is started again right away. Both snapshots then
//! hold the same transactions, however long the chunks take, and the applier was held only
//! while it caught up to a position the source had already written. Each round ends with both
//! snapshots closed; the next round takes a new point.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use dialect::{Thread, quote};
use serde::Serialize;
use session::{Rows, Session, StatementError};

use evidence::model::filters::Filters;

/// Where both snapshots stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Point {
    /// The source's binlog position its snapshot sees.
    pub file: String,
    pub position: u64,
    /// MariaDB: `BINLOG_GTID_POS` of that position on the source, `gtid_slave_pos` in the
    /// replica's snapshot.
    pub source_gtid: Option<String>,
    pub replica_gtid: Option<String>,
}

/// Why no point could be taken: the chunks of this round are not compared.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PointError {
    #[error("{0}")]
    Statement(String),
    #[error(
        "the source reports no binlog position for its snapshot (binlog_snapshot_file): only \
         MariaDB and Percona Server do, and verify reads MySQL's sources only through them so far"
    )]
    NoSnapshotPosition,
    #[error("the replica has no replication channel '{0}'")]
    NoChannel(String),
    #[error("{0}")]
    Applier(String),
    #[error("interrupted")]
    Interrupted,
}

impl From<StatementError> for PointError {
    fn from(err: StatementError) -> Self {
        PointError::Statement(err.to_string())
    }
}

/// The replica's applier as verify found it, and whether verify holds it stopped now.
#[derive(Debug)]
pub struct Applier {
    pub channel: String,
    /// Running when verify began: verify starts it again after each freeze. A stopped applier
    /// is never started.
    pub was_running: bool,
    frozen: bool,
    /// How long to wait for the applier to reach a source position.
    pub reach_timeout: Duration,
}

/// What `SHOW SLAVE STATUS` says of one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelState {
    pub sql_running: bool,
    pub file: String,
    pub position: u64,
    pub source_server_id: Option<u32>,
    /// `Seconds_Behind_Master`; `None` when the server shows NULL (a thread not running).
    pub seconds_behind: Option<u64>,
    pub sql_error: Option<String>,
    pub filters: Filters,
}

impl Applier {
    /// Reads the channel's state; errs when the replica has no such channel.
    pub async fn new(
        control: &mut Session,
        channel: &str,
        reach_timeout: Duration,
    ) -> Result<(Applier, ChannelState), PointError> {
        let state = channel_state(control, channel).await?;
        Ok((
            Applier {
                channel: channel.to_owned(),
                was_running: state.sql_running,
                frozen: false,
                reach_timeout,
            },
            state,
        ))
    }

    /// Takes a point: see the module's doc. On success the applier runs again (if it ran);
    /// on failure [`Applier::restore`] must still be called, and is called here first.
    pub async fn take_point(
        &mut self,
        control: &mut Session,
        source: &mut Session,
        replica: &mut Session,
        cancel: &AtomicBool,
    ) -> Result<Point, PointError> {
        let taken = self.align(control, source, replica, cancel).await;
        self.restore(control).await.map_err(PointError::Applier)?;
        taken
    }

    async fn align(
        &mut self,
        control: &mut Session,
        source: &mut Session,
        replica: &mut Session,
        cancel: &AtomicBool,
    ) -> Result<Point, PointError> {
        let dialect = control.dialect();
        if self.was_running {
            // It ran when verify began; one that has stopped since (an error, a DBA) is not
            // verify's to start again.
            let now = channel_state(control, &self.channel).await?;
            if !now.sql_running {
                return Err(PointError::Applier(format!(
                    "the replica's applier stopped during the run{}",
                    now.sql_error.map(|e| format!(": {e}")).unwrap_or_default()
                )));
            }
            control
                .query(&dialect.stop(Thread::Sql, &self.channel), 0)
                .await?;
            self.frozen = true;
        }
        open_snapshot(source).await?;
        let (file, position) = snapshot_position(source).await?;
        let source_gtid = if source.is_mariadb() {
            source
                .query(
                    &format!("SELECT BINLOG_GTID_POS({}, {position})", quote(&file)),
                    1,
                )
                .await?
                .rows
                .first()
                .and_then(|r| r[0].clone())
        } else {
            None
        };
        let mut state = channel_state(control, &self.channel).await?;
        if !reached(&state, &file, position) {
            if !self.was_running {
                return Err(PointError::Applier(format!(
                    "the replica's applier is stopped at {}:{}, behind the source's {file}:{position}; \
                     verify does not start a stopped applier",
                    state.file, state.position
                )));
            }
            control
                .query(
                    &dialect.start_applier_until(&file, position, &self.channel),
                    0,
                )
                .await?;
            let started = Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                state = channel_state(control, &self.channel).await?;
                if !state.sql_running {
                    break;
                }
                if cancel.load(Ordering::Relaxed) {
                    return Err(PointError::Interrupted);
                }
                if started.elapsed() > self.reach_timeout {
                    return Err(PointError::Applier(format!(
                        "the replica's applier did not reach the source's {file}:{position} within \
                         {} s (it is at {}:{})",
                        self.reach_timeout.as_secs(),
                        state.file,
                        state.position
                    )));
                }
            }
            if let Some(error) = &state.sql_error {
                return Err(PointError::Applier(format!(
                    "the replica's applier stopped with an error before the source's \
                     {file}:{position}: {error}"
                )));
            }
            if !reached(&state, &file, position) {
                return Err(PointError::Applier(format!(
                    "the replica's applier stopped at {}:{}, not at the source's {file}:{position}",
                    state.file, state.position
                )));
            }
        }
        open_snapshot(replica).await?;
        let replica_gtid = if replica.is_mariadb() {
            replica
                .query("SELECT @@gtid_slave_pos", 1)
                .await?
                .rows
                .first()
                .and_then(|r| r[0].clone())
        } else {
            None
        };
        if let (Some(source_gtid), Some(replica_gtid)) = (&source_gtid, &replica_gtid)
            && !gtid_positions_agree(source_gtid, replica_gtid)
        {
            return Err(PointError::Applier(format!(
                "the replica's snapshot is at GTID {replica_gtid}, the source's at {source_gtid}"
            )));
        }
        Ok(Point {
            file,
            position,
            source_gtid,
            replica_gtid,
        })
    }

    /// Starts the applier again if verify stopped it, on a new connection if the old one is
    /// gone. Errs only when it could not, saying so.
    pub async fn restore(&mut self, control: &mut Session) -> Result<(), String> {
        if !self.frozen {
            return Ok(());
        }
        let start = control.dialect().start(Thread::Sql, &self.channel);
        let mut last_error = String::new();
        for _ in 0..3 {
            // The state first: an applier that stopped on an error of its own while held is
            // left as the error left it, for the DBA (or `diagnose`) to see.
            let outcome = match channel_state(control, &self.channel).await {
                Ok(state) if state.sql_running => Ok(()),
                Ok(ChannelState {
                    sql_error: Some(error),
                    ..
                }) => {
                    self.frozen = false;
                    return Err(format!(
                        "the replica's applier stopped with an error while verify held it, and \
                         is left stopped: {error}"
                    ));
                }
                Ok(_) => control.query(&start, 0).await.map(|_| ()),
                Err(PointError::Statement(err)) => Err(StatementError::Lost(err)),
                Err(err) => return Err(err.to_string()),
            };
            match outcome {
                Ok(()) => {
                    self.frozen = false;
                    return Ok(());
                }
                Err(StatementError::Server { code, message }) => {
                    last_error = format!("error {code}: {message}");
                    break;
                }
                Err(err) => {
                    last_error = err.to_string();
                    if let Err(err) = control.reconnect().await {
                        last_error = err.to_string();
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        }
        Err(format!(
            "could not start the replica's applier again ({last_error}): run `{start}` on the \
             replica"
        ))
    }
}

/// Whether the applier has executed the source's binlog up to `file`:`position`.
fn reached(state: &ChannelState, file: &str, position: u64) -> bool {
    state.file == file && state.position == position
}

/// Every domain of the source's position is at the same sequence number in the replica's.
fn gtid_positions_agree(source: &str, replica: &str) -> bool {
    let domains = |text: &str| -> Vec<(String, String)> {
        text.split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .filter_map(|g| {
                let (domain, rest) = g.split_once('-')?;
                Some((domain.to_owned(), rest.to_owned()))
            })
            .collect()
    };
    let replica = domains(replica);
    domains(source)
        .iter()
        .all(|(domain, rest)| replica.iter().any(|(d, r)| d == domain && r == rest))
}

/// REPEATABLE READ and one read view from now on, in UTC so that TIMESTAMP columns read alike.
pub async fn open_snapshot(session: &mut Session) -> Result<(), StatementError> {
    for statement in [
        "SET SESSION time_zone = '+00:00'",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT",
    ] {
        session.query(statement, 0).await?;
    }
    Ok(())
}

/// Ends a round's snapshot.
pub async fn close_snapshot(session: &mut Session) -> Result<(), StatementError> {
    session.query("ROLLBACK", 0).await.map(|_| ())
}

async fn snapshot_position(source: &mut Session) -> Result<(String, u64), PointError> {
    let rows = source
        .query("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'", 10)
        .await?;
    let value = |name: &str| {
        rows.rows
            .iter()
            .find(|r| {
                r[0].as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|r| r.get(1).cloned().flatten())
    };
    match (
        value("Binlog_snapshot_file"),
        value("Binlog_snapshot_position").and_then(|p| p.parse().ok()),
    ) {
        (Some(file), Some(position)) if !file.is_empty() => Ok((file, position)),
        _ => Err(PointError::NoSnapshotPosition),
    }
}

/// The named channel's applier state (`""`: the default one).
pub async fn channel_state(
    control: &mut Session,
    channel: &str,
) -> Result<ChannelState, PointError> {
    let dialect = control.dialect();
    let rows = control.query(&dialect.all_channels_status(), 1000).await?;
    channel_in(&rows, channel, dialect.sql_running_column())
        .ok_or_else(|| PointError::NoChannel(channel.to_owned()))
}

fn channel_in(rows: &Rows, channel: &str, sql_running: &str) -> Option<ChannelState> {
    let column = |names: &[&str]| {
        names.iter().find_map(|name| {
            rows.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name))
        })
    };
    let name_column = column(&["Connection_name", "Channel_Name"]);
    let row = rows.rows.iter().find(|row| match name_column {
        Some(i) => row[i].as_deref().unwrap_or_default() == channel,
        None => channel.is_empty(),
    })?;
    let text = |names: &[&str]| column(names).and_then(|i| row[i].clone());
    let sql_error = text(&["Last_SQL_Error"]).filter(|e| !e.is_empty());
    Some(ChannelState {
        sql_running: text(&[sql_running]).as_deref() == Some("Yes"),
        file: text(&["Relay_Master_Log_File", "Relay_Source_Log_File"]).unwrap_or_default(),
        position: text(&["Exec_Master_Log_Pos", "Exec_Source_Log_Pos"])
            .and_then(|p| p.parse().ok())
            .unwrap_or(0),
        source_server_id: text(&["Master_Server_Id", "Source_Server_Id"])
            .and_then(|id| id.parse().ok()),
        seconds_behind: text(&["Seconds_Behind_Master", "Seconds_Behind_Source"])
            .and_then(|s| s.parse().ok()),
        sql_error,
        filters: Filters {
            do_db: Filters::list(text(&["Replicate_Do_DB"]).as_deref()),
            ignore_db: Filters::list(text(&["Replicate_Ignore_DB"]).as_deref()),
            do_table: Filters::list(text(&["Replicate_Do_Table"]).as_deref()),
            ignore_table: Filters::list(text(&["Replicate_Ignore_Table"]).as_deref()),
            wild_do_table: Filters::list(text(&["Replicate_Wild_Do_Table"]).as_deref()),
            wild_ignore_table: Filters::list(text(&["Replicate_Wild_Ignore_Table"]).as_deref()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtid_positions_agree_per_domain_of_the_source() {
        assert!(gtid_positions_agree("0-1-42", "0-1-42,1-7-3"));
        assert!(!gtid_positions_agree("0-1-42", "0-1-41"));
        assert!(!gtid_positions_agree("0-1-42,2-1-5", "0-1-42"));
        assert!(gtid_positions_agree("", "0-1-1"));
    }

    #[test]
    fn a_channel_is_found_by_its_name() {
        let rows = Rows {
            columns: [
                "Connection_name",
                "Slave_SQL_Running",
                "Relay_Master_Log_File",
                "Exec_Master_Log_Pos",
                "Master_Server_Id",
                "Last_SQL_Error",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![
                ["", "Yes", "b.000001", "100", "1", ""]
                    .map(|v| Some(v.to_owned()))
                    .to_vec(),
                ["east", "No", "e.000003", "7", "9", "boom"]
                    .map(|v| Some(v.to_owned()))
                    .to_vec(),
            ],
            dropped: 0,
        };
        let east = channel_in(&rows, "east", "Slave_SQL_Running").unwrap();
        assert_eq!(
            east,
            ChannelState {
                sql_running: false,
                file: "e.000003".into(),
                position: 7,
                source_server_id: Some(9),
                seconds_behind: None,
                sql_error: Some("boom".into()),
                filters: Filters::default(),
            }
        );
        assert!(
            channel_in(&rows, "", "Slave_SQL_Running")
                .unwrap()
                .sql_running
        );
        assert!(channel_in(&rows, "west", "Slave_SQL_Running").is_none());
    }
}
