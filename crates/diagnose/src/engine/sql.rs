//! Fix plans spell their statements through `dialect`, the one table of names per release;
//! this only picks the release a finding's server runs.

use dialect::{Thread, Version};
use evidence::model::{Flavor, ServerEvidence};

/// How to say replication statements to one server.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    pub flavor: Option<Flavor>,
    names: dialect::Dialect,
}

impl Dialect {
    /// The server's release; when the evidence does not give it, the oldest names, which every
    /// release before MySQL 8.4 and every MariaDB understands.
    pub fn of(server: &ServerEvidence, flavor: Option<Flavor>) -> Self {
        Self {
            flavor,
            names: dialect::Dialect::new(spelled_for(server, flavor).0),
        }
    }

    pub fn stop(&self) -> String {
        self.names.stop(Thread::Both, "")
    }

    pub fn start(&self) -> String {
        self.names.start(Thread::Both, "")
    }

    pub fn start_io_thread(&self) -> String {
        self.names.start(Thread::Io, "")
    }

    pub fn stop_io_thread(&self) -> String {
        self.names.stop(Thread::Io, "")
    }

    pub fn start_sql_thread(&self) -> String {
        self.names.start(Thread::Sql, "")
    }

    /// `CHANGE MASTER TO` / `CHANGE REPLICATION SOURCE TO` with options by their suffix
    /// (`LOG_FILE`, `AUTO_POSITION`).
    pub fn change_source(&self, options: &[(&str, String)]) -> String {
        self.names.change_source(options, "")
    }

    pub fn show_status(&self) -> String {
        self.names.replica_status()
    }

    /// The status column that holds the applier's error number.
    pub fn sql_errno_column(&self) -> &'static str {
        "Last_SQL_Errno"
    }

    pub fn sql_running_column(&self) -> &'static str {
        self.names.sql_running_column()
    }

    pub fn io_running_column(&self) -> &'static str {
        self.names.io_running_column()
    }

    /// The status columns of the applier's file and position in the source's binlog.
    pub fn applier_position_columns(&self) -> (&'static str, &'static str) {
        self.names.applier_position_columns()
    }

    pub fn skip_counter(&self) -> &'static str {
        self.names.skip_counter()
    }

    /// The status columns of the receiver's file and read position in the source's binlog.
    pub fn receiver_position_columns(&self) -> (&'static str, &'static str) {
        self.names.receiver_position_columns()
    }

    pub fn is_mariadb(&self) -> bool {
        self.flavor == Some(Flavor::Mariadb)
    }
}

/// The release whose statement names a plan for `server` uses, and whether it was inferred
/// (no version given) rather than read.
pub fn spelled_for(server: &ServerEvidence, flavor: Option<Flavor>) -> (Version, bool) {
    let read = server
        .identity
        .version
        .as_deref()
        .and_then(Version::parse)
        .filter(|v| flavor.is_none_or(|f| f == v.flavor));
    match read {
        Some(version) => (version, false),
        None => (
            match flavor {
                Some(Flavor::Mariadb) => Version::mariadb(10, 0, 0),
                // `Replica_*`/`Source_*` status columns: MySQL 8.0.22 or later, which may be
                // 8.4, where the SLAVE statements are gone.
                _ if says_replica(server) => Version::mysql(8, 0, 22),
                _ => Version::mysql(5, 7, 0),
            },
            true,
        ),
    }
}

/// What the report says of each server: flavor, version and how they were known.
pub fn server_notes(evidence: &evidence::model::Evidence) -> Vec<crate::report::ServerNote> {
    evidence
        .servers
        .iter()
        .map(|server| {
            let flavor = server.identity.flavor;
            let (version, inferred) = spelled_for(server, flavor);
            let (major, minor, patch) = version.triple();
            let statements_for = match (flavor, inferred) {
                (_, false) if version.flavor == Flavor::Mariadb => {
                    format!("MariaDB {major}.{minor}.{patch}")
                }
                (_, false) => format!("MySQL {major}.{minor}.{patch}"),
                (Some(Flavor::Mariadb), true) => "MariaDB (any release)".to_owned(),
                _ if says_replica(server) => "MySQL 8.0.22 or later (the REPLICA names)".to_owned(),
                (Some(Flavor::Mysql), true) => "MySQL before 8.4 (the SLAVE names)".to_owned(),
                (None, true) => "MySQL before 8.4 or MariaDB (the SLAVE names)".to_owned(),
            };
            crate::report::ServerNote {
                server: server.label.clone(),
                flavor: flavor.map(|f| {
                    match f {
                        Flavor::Mysql => "mysql",
                        Flavor::Mariadb => "mariadb",
                    }
                    .to_owned()
                }),
                version: server.identity.version.clone(),
                identified_by: server.identity.identified_by.clone(),
                inferred,
                statements_for,
            }
        })
        .collect()
}

/// Whether the server's replica status names its columns as MySQL 8.0.22 and later do.
fn says_replica(server: &ServerEvidence) -> bool {
    server
        .samples
        .iter()
        .flat_map(|sample| sample.channels.iter())
        .flat_map(|channel| channel.raw.iter())
        .any(|field| {
            let name = field.name.to_ascii_lowercase();
            name.starts_with("replica_") || name.starts_with("source_")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(version: &str) -> Dialect {
        let mut server = ServerEvidence::default();
        server.identity.version = Some(version.to_owned());
        let flavor = Version::parse(version).map(|v| v.flavor);
        Dialect::of(&server, flavor)
    }

    /// MySQL renamed the statements in 8.0.22 but the skip counter only in 8.0.26.
    #[test]
    fn plans_follow_each_release_of_the_names() {
        let cases = [
            ("5.7.44-log", "STOP SLAVE", "sql_slave_skip_counter"),
            ("8.0.22", "STOP REPLICA", "sql_slave_skip_counter"),
            ("8.0.25", "STOP REPLICA", "sql_slave_skip_counter"),
            ("8.0.26", "STOP REPLICA", "sql_replica_skip_counter"),
            ("8.4.3", "STOP REPLICA", "sql_replica_skip_counter"),
            (
                "10.11.6-MariaDB-log",
                "STOP SLAVE",
                "sql_slave_skip_counter",
            ),
        ];
        for (version, stop, skip) in cases {
            let dialect = on(version);
            assert_eq!(
                (dialect.stop().as_str(), dialect.skip_counter()),
                (stop, skip),
                "{version}"
            );
        }
        assert_eq!(on("8.0.36").start_sql_thread(), "START REPLICA SQL_THREAD");
        assert_eq!(
            Dialect::of(&ServerEvidence::default(), None).stop(),
            "STOP SLAVE"
        );
    }
}
