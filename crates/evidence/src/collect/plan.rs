//! Which statements to run on a server, chosen from its flavor, version and variables: never
//! by running one and trying another when it fails.

use std::collections::HashMap;

/// The statement that identifies a server; its answer decides everything else.
pub const IDENTIFY: &str = "SELECT @@version, @@version_comment, @@server_id, @@hostname";
pub const VARIABLES: &str = "SHOW GLOBAL VARIABLES";

/// MariaDB has no `sys.innodb_lock_waits` of its own shape: the same columns from
/// information_schema (PROCESS privilege).
const MARIADB_LOCK_WAITS: &str = "SELECT r.trx_id AS waiting_trx_id, \
r.trx_mysql_thread_id AS waiting_pid, r.trx_query AS waiting_query, \
b.trx_id AS blocking_trx_id, b.trx_mysql_thread_id AS blocking_pid, b.trx_query AS blocking_query, \
l.lock_table AS locked_table, l.lock_index AS locked_index, l.lock_mode AS locked_type, \
r.trx_wait_started AS wait_started, \
TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_age_secs \
FROM information_schema.INNODB_LOCK_WAITS w \
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id \
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id \
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id";

const MYSQL_ERROR_LOG_TAIL: &str = "SELECT * FROM (SELECT * FROM performance_schema.error_log \
ORDER BY LOGGED DESC LIMIT 5000) AS tail ORDER BY LOGGED";

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

/// A server's version as `(major, minor, patch)` and whether it is MariaDB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub mariadb: bool,
    pub triple: (u32, u32, u32),
}

impl Version {
    /// Reads `@@version` (`8.0.36`, `10.11.19-MariaDB-0+deb12u1`, `5.5.5-10.6.4-MariaDB`).
    pub fn parse(version: &str) -> Version {
        let mariadb = version.to_ascii_lowercase().contains("mariadb");
        // Some MariaDB builds report `5.5.5-` before the real version, for old clients.
        let version = if mariadb {
            version.strip_prefix("5.5.5-").unwrap_or(version)
        } else {
            version
        };
        let mut numbers = version
            .split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|p| p.parse::<u32>().unwrap_or(0));
        let triple = (
            numbers.next().unwrap_or(0),
            numbers.next().unwrap_or(0),
            numbers.next().unwrap_or(0),
        );
        Version { mariadb, triple }
    }

    fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.triple >= (major, minor, patch)
    }
}

fn switch_on(variables: &HashMap<String, String>, name: &str) -> bool {
    variables
        .get(name)
        .is_some_and(|v| matches!(v.to_ascii_uppercase().as_str(), "ON" | "1" | "YES"))
}

/// The statements for a server of this version with these variables (lower-case names).
pub fn plan(version: Version, variables: &HashMap<String, String>) -> Plan {
    let mut plan = Plan::default();
    plan.once.push("SHOW GLOBAL STATUS".into());
    let log_bin = switch_on(variables, "log_bin");
    if log_bin {
        plan.once.push("SHOW BINARY LOGS".into());
    }
    let performance_schema = switch_on(variables, "performance_schema");
    if version.mariadb {
        let mut sampled = vec!["SHOW ALL SLAVES STATUS"];
        // MariaDB 10.5.2 added the performance_schema replication tables.
        if performance_schema && version.at_least(10, 5, 2) {
            sampled
                .push("SELECT * FROM performance_schema.replication_applier_status_by_coordinator");
            sampled.push("SELECT * FROM performance_schema.replication_applier_status_by_worker");
        } else {
            plan.not_available.push((
                "applier workers in performance_schema".into(),
                if performance_schema {
                    "MariaDB before 10.5.2 has no replication tables there".into()
                } else {
                    "performance_schema is OFF; the processlist shows the workers".into()
                },
            ));
        }
        sampled.extend([
            "SHOW FULL PROCESSLIST",
            "SELECT * FROM information_schema.INNODB_TRX",
            MARIADB_LOCK_WAITS,
        ]);
        if log_bin {
            sampled.push("SHOW MASTER STATUS");
        }
        plan.sampled = sampled.into_iter().map(str::to_owned).collect();
        return plan;
    }
    if version.at_least(5, 7, 5) {
        plan.once.push("SELECT * FROM mysql.gtid_executed".into());
    }
    if version.at_least(8, 0, 22) {
        plan.once.push(MYSQL_ERROR_LOG_TAIL.into());
    }
    let mut sampled = vec![if version.at_least(8, 0, 22) {
        "SHOW REPLICA STATUS"
    } else {
        "SHOW SLAVE STATUS"
    }];
    if performance_schema && version.at_least(5, 7, 2) {
        sampled.push("SELECT * FROM performance_schema.replication_applier_status_by_coordinator");
        sampled.push("SELECT * FROM performance_schema.replication_applier_status_by_worker");
    } else {
        plan.not_available.push((
            "applier workers in performance_schema".into(),
            "performance_schema is OFF or too old; the processlist shows the workers".into(),
        ));
    }
    sampled.extend([
        "SHOW FULL PROCESSLIST",
        "SELECT * FROM information_schema.INNODB_TRX",
    ]);
    if version.at_least(5, 7, 0) {
        sampled.push("SELECT * FROM sys.innodb_lock_waits");
    }
    if log_bin {
        sampled.push(if version.at_least(8, 2, 0) {
            "SHOW BINARY LOG STATUS"
        } else {
            "SHOW MASTER STATUS"
        });
    }
    plan.sampled = sampled.into_iter().map(str::to_owned).collect();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn versions() {
        assert_eq!(
            Version::parse("10.11.19-MariaDB-0+deb12u1"),
            Version {
                mariadb: true,
                triple: (10, 11, 19)
            }
        );
        assert_eq!(Version::parse("5.5.5-10.6.4-MariaDB").triple, (10, 6, 4));
        assert_eq!(Version::parse("8.0.36-28").triple, (8, 0, 36));
        assert_eq!(Version::parse("5.7.31-log").triple, (5, 7, 31));
        assert_eq!(Version::parse("").triple, (0, 0, 0));
    }

    #[test]
    fn statements_follow_the_version() {
        let on = vars(&[("log_bin", "ON"), ("performance_schema", "ON")]);
        let mysql57 = plan(Version::parse("5.7.31-log"), &on);
        assert!(mysql57.sampled.contains(&"SHOW SLAVE STATUS".to_owned()));
        assert!(mysql57.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        assert!(!mysql57.once.iter().any(|s| s.contains("error_log")));
        let mysql80 = plan(Version::parse("8.0.36"), &on);
        assert!(mysql80.sampled.contains(&"SHOW REPLICA STATUS".to_owned()));
        assert!(mysql80.once.iter().any(|s| s.contains("error_log")));
        assert!(mysql80.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        let mysql84 = plan(Version::parse("8.4.3"), &on);
        assert!(
            mysql84
                .sampled
                .contains(&"SHOW BINARY LOG STATUS".to_owned())
        );
        let maria = plan(
            Version::parse("10.11.19-MariaDB"),
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
        let no_binlog = plan(Version::parse("10.11.19-MariaDB"), &vars(&[]));
        assert!(!no_binlog.sampled.contains(&"SHOW MASTER STATUS".to_owned()));
        assert!(!no_binlog.once.contains(&"SHOW BINARY LOGS".to_owned()));
    }
}
