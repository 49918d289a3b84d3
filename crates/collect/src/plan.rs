//! Which statements to run on a server, chosen from its flavor, version and variables: never
//! by running one and trying another when it fails.

use std::collections::HashMap;

use dialect::Dialect;
use dialect::catalogue::{
    APPLIER_COORDINATOR, APPLIER_WORKERS, BINARY_LOGS, GLOBAL_STATUS, GTID_EXECUTED_TABLE,
    INNODB_TRX, MARIADB_LOCK_WAITS, MYSQL_ERROR_LOG_TAIL, MYSQL_LOCK_WAITS, PROCESSLIST,
};
use dialect::catalogue::{BINARY_LOG_STATUS, Item, REPLICA_STATUS, Statement};

/// One statement to run and what it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub item: Item,
    pub sql: String,
}

impl Planned {
    fn of(statement: &Statement) -> Planned {
        Planned {
            item: statement.item,
            sql: statement.sql.to_owned(),
        }
    }

    fn spelled(item: Item, sql: impl Into<String>) -> Planned {
        Planned {
            item,
            sql: sql.into(),
        }
    }
}

/// What to run on one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Read once.
    pub once: Vec<Planned>,
    /// Read at each sample.
    pub sampled: Vec<Planned>,
    /// What this server cannot show, and why (the server has no such table, or it is off).
    pub not_available: Vec<(Item, String, String)>,
}

impl Plan {
    /// The statements read once, as text.
    pub fn once_sql(&self) -> Vec<&str> {
        self.once.iter().map(|p| p.sql.as_str()).collect()
    }

    /// The statements read at each sample, as text.
    pub fn sampled_sql(&self) -> Vec<&str> {
        self.sampled.iter().map(|p| p.sql.as_str()).collect()
    }
}

fn switch_on(variables: &HashMap<String, String>, name: &str) -> bool {
    variables
        .get(name)
        .is_some_and(|v| matches!(v.to_ascii_uppercase().as_str(), "ON" | "1" | "YES"))
}

/// The statements for a server of this release with these variables (lower-case names).
pub fn plan(dialect: Dialect, variables: &HashMap<String, String>) -> Plan {
    let version = dialect.version();
    let mut plan = Plan::default();
    plan.once.push(Planned::of(&GLOBAL_STATUS));
    let log_bin = switch_on(variables, "log_bin");
    if log_bin {
        plan.once.push(Planned::of(&BINARY_LOGS));
    }
    let performance_schema = switch_on(variables, "performance_schema");
    if version.mysql_at_least(5, 7, 5) {
        plan.once.push(Planned::of(&GTID_EXECUTED_TABLE));
    }
    if version.mysql_at_least(8, 0, 22) {
        plan.once.push(Planned::of(&MYSQL_ERROR_LOG_TAIL));
    }
    let mut sampled = vec![Planned::spelled(
        REPLICA_STATUS.item,
        dialect.all_channels_status(),
    )];
    // MySQL 5.7.2 and MariaDB 10.5.2 added the performance_schema replication tables.
    let has_applier_tables = if dialect.is_mariadb() {
        version.at_least(10, 5, 2)
    } else {
        version.at_least(5, 7, 2)
    };
    if performance_schema && has_applier_tables {
        sampled.push(Planned::of(&APPLIER_COORDINATOR));
        sampled.push(Planned::of(&APPLIER_WORKERS));
    } else {
        let reason = match (dialect.is_mariadb(), performance_schema) {
            (true, true) => "MariaDB before 10.5.2 has no replication tables there",
            (true, false) => "performance_schema is OFF; the processlist shows the workers",
            (false, _) => "performance_schema is OFF or too old; the processlist shows the workers",
        };
        plan.not_available.push((
            APPLIER_WORKERS.item,
            "applier workers in performance_schema".into(),
            reason.into(),
        ));
    }
    sampled.push(Planned::of(&PROCESSLIST));
    sampled.push(Planned::of(&INNODB_TRX));
    if dialect.is_mariadb() {
        sampled.push(Planned::of(&MARIADB_LOCK_WAITS));
    } else if version.at_least(5, 7, 0) {
        sampled.push(Planned::of(&MYSQL_LOCK_WAITS));
    }
    if log_bin {
        sampled.push(Planned::spelled(
            BINARY_LOG_STATUS.item,
            dialect.binary_log_status(),
        ));
    }
    plan.sampled = sampled;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialect::Version;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn statements_follow_the_version() {
        let on = vars(&[("log_bin", "ON"), ("performance_schema", "ON")]);
        let mysql57 = plan(Dialect::new(Version::mysql(5, 7, 31)), &on);
        assert!(mysql57.sampled_sql().contains(&"SHOW SLAVE STATUS"));
        assert!(mysql57.sampled_sql().contains(&"SHOW MASTER STATUS"));
        assert!(!mysql57.once_sql().iter().any(|s| s.contains("error_log")));
        let mysql80 = plan(Dialect::new(Version::mysql(8, 0, 36)), &on);
        assert!(mysql80.sampled_sql().contains(&"SHOW REPLICA STATUS"));
        assert!(mysql80.once_sql().iter().any(|s| s.contains("error_log")));
        assert!(mysql80.sampled_sql().contains(&"SHOW MASTER STATUS"));
        let mysql84 = plan(Dialect::new(Version::mysql(8, 4, 3)), &on);
        assert!(mysql84.sampled_sql().contains(&"SHOW BINARY LOG STATUS"));
        let maria = plan(
            Dialect::new(Version::mariadb(10, 11, 19)),
            &vars(&[("log_bin", "ON")]),
        );
        assert_eq!(maria.sampled_sql()[0], "SHOW ALL SLAVES STATUS");
        assert_eq!(maria.sampled[0].item, Item::ReplicaStatus);
        let sampled = maria.sampled_sql();
        assert!(!sampled.iter().any(|s| s.contains("performance_schema")));
        assert!(sampled.iter().any(|s| s.contains("INNODB_LOCK_WAITS")));
        assert_eq!(maria.not_available[0].0, Item::ApplierWorkers);
        let no_binlog = plan(Dialect::new(Version::mariadb(10, 11, 19)), &vars(&[]));
        assert!(!no_binlog.sampled_sql().contains(&"SHOW MASTER STATUS"));
        assert!(!no_binlog.once_sql().contains(&"SHOW BINARY LOGS"));
    }
}
