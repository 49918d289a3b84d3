//! Which statements to run on a server, chosen from its flavor, version and variables: never
//! by running one and trying another when it fails.

use std::collections::HashMap;

use dialect::Dialect;
use dialect::catalogue::{
    APPLIER_COORDINATOR, APPLIER_WORKERS, BINARY_LOGS, GLOBAL_STATUS, GTID_EXECUTED_TABLE,
    INNODB_TRX, MARIADB_LOCK_WAITS, MYSQL_ERROR_LOG_TAIL, MYSQL_LOCK_WAITS, PROCESSLIST,
};

/// What to run on one server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Read once.
    pub once: Vec<String>,
    /// Read at each sample.
    pub sampled: Vec<String>,
    /// What this server cannot show, and why (the server has no such table, or it is off).
    pub not_available: Vec<(String, String)>,
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
    plan.once.push(GLOBAL_STATUS.sql.into());
    let log_bin = switch_on(variables, "log_bin");
    if log_bin {
        plan.once.push(BINARY_LOGS.sql.into());
    }
    let performance_schema = switch_on(variables, "performance_schema");
    if version.mysql_at_least(5, 7, 5) {
        plan.once.push(GTID_EXECUTED_TABLE.sql.into());
    }
    if version.mysql_at_least(8, 0, 22) {
        plan.once.push(MYSQL_ERROR_LOG_TAIL.sql.into());
    }
    let mut sampled = vec![dialect.all_channels_status()];
    // MySQL 5.7.2 and MariaDB 10.5.2 added the performance_schema replication tables.
    let has_applier_tables = if dialect.is_mariadb() {
        version.at_least(10, 5, 2)
    } else {
        version.at_least(5, 7, 2)
    };
    if performance_schema && has_applier_tables {
        sampled.push(APPLIER_COORDINATOR.sql.into());
        sampled.push(APPLIER_WORKERS.sql.into());
    } else {
        let reason = match (dialect.is_mariadb(), performance_schema) {
            (true, true) => "MariaDB before 10.5.2 has no replication tables there",
            (true, false) => "performance_schema is OFF; the processlist shows the workers",
            (false, _) => "performance_schema is OFF or too old; the processlist shows the workers",
        };
        plan.not_available.push((
            "applier workers in performance_schema".into(),
            reason.into(),
        ));
    }
    sampled.push(PROCESSLIST.sql.into());
    sampled.push(INNODB_TRX.sql.into());
    if dialect.is_mariadb() {
        sampled.push(MARIADB_LOCK_WAITS.sql.into());
    } else if version.at_least(5, 7, 0) {
        sampled.push(MYSQL_LOCK_WAITS.sql.into());
    }
    if log_bin {
        sampled.push(dialect.binary_log_status().into());
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
        assert!(mysql57.sampled.contains(&"SHOW SLAVE STATUS".to_owned()));
        assert!(mysql57.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        assert!(!mysql57.once.iter().any(|s| s.contains("error_log")));
        let mysql80 = plan(Dialect::new(Version::mysql(8, 0, 36)), &on);
        assert!(mysql80.sampled.contains(&"SHOW REPLICA STATUS".to_owned()));
        assert!(mysql80.once.iter().any(|s| s.contains("error_log")));
        assert!(mysql80.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        let mysql84 = plan(Dialect::new(Version::mysql(8, 4, 3)), &on);
        assert!(
            mysql84
                .sampled
                .contains(&"SHOW BINARY LOG STATUS".to_owned())
        );
        let maria = plan(
            Dialect::new(Version::mariadb(10, 11, 19)),
            &vars(&[("log_bin", "ON")]),
        );
        assert_eq!(maria.sampled[0], "SHOW ALL SLAVES STATUS");
        assert!(
            !maria
                .sampled
                .iter()
                .any(|s| s.contains("performance_schema"))
        );
        assert!(
            maria
                .sampled
                .iter()
                .any(|s| s.contains("INNODB_LOCK_WAITS"))
        );
        let no_binlog = plan(Dialect::new(Version::mariadb(10, 11, 19)), &vars(&[]));
        assert!(!no_binlog.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        assert!(!no_binlog.once.contains(&"SHOW BINARY LOGS".to_owned()));
    }
}
