//! The replication state of a server as the journal records it before and after each step:
//! the threads, the applier's error and position, and the GTID state.

use std::collections::BTreeMap;

use dialect::catalogue;
use serde::{Deserialize, Serialize};
use session::Session;

/// The status columns worth keeping, in both spellings (MySQL 8.0.22 renamed them).
const STATUS_COLUMNS: &[&str] = &[
    "Slave_IO_Running",
    "Replica_IO_Running",
    "Slave_SQL_Running",
    "Replica_SQL_Running",
    "Last_SQL_Errno",
    "Last_SQL_Error",
    "Last_IO_Errno",
    "Relay_Master_Log_File",
    "Relay_Source_Log_File",
    "Exec_Master_Log_Pos",
    "Exec_Source_Log_Pos",
    "Retrieved_Gtid_Set",
    "Executed_Gtid_Set",
    "Gtid_IO_Pos",
    "Using_Gtid",
    "Auto_Position",
];

/// What a server's replication looked like at one moment; values as the server printed them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerState {
    /// The default channel's status columns (empty when it has none).
    pub status: BTreeMap<String, Option<String>>,
    /// `gtid_executed` (MySQL) or `gtid_slave_pos` and `gtid_binlog_pos` (MariaDB).
    pub gtid: BTreeMap<String, Option<String>>,
    /// What could not be read, in words.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unread: Vec<String>,
}

impl ServerState {
    /// Reads the state on `session`; what cannot be read is noted, never fatal.
    pub async fn read(session: &mut Session) -> ServerState {
        let mut state = ServerState::default();
        let status_sql = session.dialect().replica_status();
        match session.query(&status_sql, 4).await {
            Ok(rows) => {
                if let Some(row) = rows.rows.first() {
                    for (column, value) in rows.columns.iter().zip(row) {
                        if STATUS_COLUMNS
                            .iter()
                            .any(|c| c.eq_ignore_ascii_case(column))
                        {
                            state.status.insert(column.clone(), value.clone());
                        }
                    }
                }
            }
            Err(err) => state.unread.push(format!("{status_sql}: {err}")),
        }
        let gtid_sql = if session.is_mariadb() {
            catalogue::FIX_MARIADB_GTID.sql
        } else {
            catalogue::FIX_MYSQL_GTID.sql
        };
        match session.query(gtid_sql, 1).await {
            Ok(rows) => {
                if let Some(row) = rows.rows.first() {
                    for (column, value) in rows.columns.iter().zip(row) {
                        state.gtid.insert(column.clone(), value.clone());
                    }
                }
            }
            Err(err) => state.unread.push(format!("GTID state: {err}")),
        }
        state
    }
}
