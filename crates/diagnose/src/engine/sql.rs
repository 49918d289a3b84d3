//! SQL spelled for the server at hand: MySQL 8.0.22+ renamed SLAVE/MASTER statements, MariaDB
//! and older MySQL keep the old names.

use evidence::model::{Flavor, ServerEvidence};

/// How to say replication statements to one server.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub flavor: Option<Flavor>,
    /// MySQL 8.0.22 or later: `START REPLICA`, `SHOW REPLICA STATUS`.
    new_names: bool,
}

impl Dialect {
    pub fn of(server: &ServerEvidence, flavor: Option<Flavor>) -> Self {
        let new_names = flavor == Some(Flavor::Mysql)
            && server
                .identity
                .version_triple()
                .is_some_and(|v| v >= (8, 0, 22));
        Self { flavor, new_names }
    }

    fn word(&self) -> &'static str {
        if self.new_names { "REPLICA" } else { "SLAVE" }
    }

    pub fn stop(&self) -> String {
        format!("STOP {}", self.word())
    }

    pub fn start(&self) -> String {
        format!("START {}", self.word())
    }

    pub fn start_sql_thread(&self) -> String {
        format!("START {} SQL_THREAD", self.word())
    }

    pub fn show_status(&self) -> String {
        format!("SHOW {} STATUS", self.word())
    }

    /// The status column that holds the applier's error number.
    pub fn sql_errno_column(&self) -> &'static str {
        "Last_SQL_Errno"
    }

    pub fn sql_running_column(&self) -> &'static str {
        if self.new_names {
            "Replica_SQL_Running"
        } else {
            "Slave_SQL_Running"
        }
    }

    pub fn io_running_column(&self) -> &'static str {
        if self.new_names {
            "Replica_IO_Running"
        } else {
            "Slave_IO_Running"
        }
    }

    pub fn skip_counter(&self) -> &'static str {
        if self.new_names {
            "sql_replica_skip_counter"
        } else {
            "sql_slave_skip_counter"
        }
    }

    pub fn is_mariadb(&self) -> bool {
        self.flavor == Some(Flavor::Mariadb)
    }
}
