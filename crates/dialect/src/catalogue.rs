//! Every statement repldoctor sends to a server, and the privilege each needs.
//!
//! The statements of `collect` (and so of `diagnose --replica`), `gtid compare --replica
//! --source` and the binlog slice reader are here; those whose name depends on the release are
//! spelled by [`Dialect`](crate::Dialect) and listed here in each spelling. A statement the
//! account may not run is recorded as a gap naming [`Statement::privilege`], never a failed
//! run. Nothing here writes: `SET` statements change the session only.

use serde::{Deserialize, Serialize};

/// A kind of evidence: what a statement (or a file, or another server) gives the diagnosis.
/// A gap names the item it leaves missing, so the report can say what that leaves open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Identity,
    Variables,
    StatusCounters,
    BinaryLogs,
    GtidState,
    ReplicaStatus,
    ApplierWorkers,
    Processlist,
    InnodbTransactions,
    LockWaits,
    BinlogPosition,
    ErrorLog,
    BackupLog,
    TableDefinition,
    RowComparison,
    BinlogSlice,
    /// The source itself: not given, or not reachable.
    Source,
    /// A session setting a later statement relies on.
    SessionSetting,
}

/// What one statement is, runs and needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statement {
    /// A short name, stable, for gaps and the manifest.
    pub name: &'static str,
    /// What it gives the diagnosis.
    pub item: Item,
    /// The text sent (for version-dependent ones, each spelling, `|`-separated).
    pub sql: &'static str,
    pub privilege: Privilege,
    /// Why repldoctor reads it.
    pub purpose: &'static str,
}

/// The privilege a statement needs, on each flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privilege {
    pub mysql: &'static str,
    pub mariadb: &'static str,
}

impl Privilege {
    const fn both(name: &'static str) -> Privilege {
        Privilege {
            mysql: name,
            mariadb: name,
        }
    }

    /// The privilege's name on a flavor.
    pub fn on(&self, mariadb: bool) -> &'static str {
        if mariadb { self.mariadb } else { self.mysql }
    }
}

const ANY: Privilege = Privilege::both("none (any account)");
const PROCESS: Privilege = Privilege::both("PROCESS");
const REPLICA_MONITOR: Privilege = Privilege {
    mysql: "REPLICATION CLIENT",
    mariadb: "SLAVE MONITOR (REPLICATION CLIENT before 10.5.9)",
};
const BINLOG_MONITOR: Privilege = Privilege {
    mysql: "REPLICATION CLIENT",
    mariadb: "BINLOG MONITOR (REPLICATION CLIENT before 10.5.2)",
};
const PERFORMANCE_SCHEMA: Privilege = Privilege::both("SELECT on performance_schema");

/// The server's identity, read once right after login by the session.
pub const SESSION_IDENTITY: Statement = Statement {
    name: "identity",
    item: Item::Identity,
    sql: "SELECT @@version, @@version_comment, @@server_id, @@read_only",
    privilege: ANY,
    purpose: "flavor, release, fork, server_id and read_only, once per connection",
};

/// MySQL's server UUID (MariaDB has none), read with the identity.
pub const SERVER_UUID: Statement = Statement {
    name: "server uuid",
    item: Item::Identity,
    sql: "SELECT @@server_uuid",
    privilege: ANY,
    purpose: "the UUID of the GTIDs this MySQL server writes",
};

/// What TLS the session's connection negotiated, read right after a TLS login (the driver does
/// not tell).
pub const SESSION_TLS: Statement = Statement {
    name: "session tls",
    item: Item::SessionSetting,
    sql: "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')",
    privilege: ANY,
    purpose: "the TLS version and cipher of this connection, for -v and the manifest",
};

/// The identity as a collection keeps it in a bundle.
pub const IDENTIFY: Statement = Statement {
    name: "identify",
    item: Item::Identity,
    sql: "SELECT @@version, @@version_comment, @@server_id, @@hostname",
    privilege: ANY,
    purpose: "who the server is, kept in the bundle",
};

pub const VARIABLES: Statement = Statement {
    name: "variables",
    item: Item::Variables,
    sql: "SHOW GLOBAL VARIABLES",
    privilege: ANY,
    purpose: "configuration: GTID mode, durability, parallel applier, log paths",
};

pub const GLOBAL_STATUS: Statement = Statement {
    name: "status counters",
    item: Item::StatusCounters,
    sql: "SHOW GLOBAL STATUS",
    privilege: ANY,
    purpose: "counters and uptime",
};

pub const BINARY_LOGS: Statement = Statement {
    name: "binary logs",
    item: Item::BinaryLogs,
    sql: "SHOW BINARY LOGS",
    privilege: BINLOG_MONITOR,
    purpose: "which binlogs the server still has (purged GTIDs, the source's oldest binlog)",
};

pub const GTID_EXECUTED_TABLE: Statement = Statement {
    name: "mysql.gtid_executed",
    item: Item::GtidState,
    sql: "SELECT * FROM mysql.gtid_executed",
    privilege: Privilege {
        mysql: "SELECT on mysql.gtid_executed",
        mariadb: "(not run on MariaDB)",
    },
    purpose: "the persisted GTID set, against @@gtid_executed after a crash",
};

pub const MYSQL_ERROR_LOG_TAIL: Statement = Statement {
    name: "error log",
    item: Item::ErrorLog,
    sql: "SELECT * FROM (SELECT * FROM performance_schema.error_log \
ORDER BY LOGGED DESC LIMIT 5000) AS tail ORDER BY LOGGED",
    privilege: Privilege {
        mysql: "SELECT on performance_schema (MySQL 8.0.22+)",
        mariadb: "(not run on MariaDB)",
    },
    purpose: "the error log's last 5000 lines where the file is not readable here",
};

pub const REPLICA_STATUS: Statement = Statement {
    name: "replica status",
    item: Item::ReplicaStatus,
    sql: "SHOW ALL SLAVES STATUS | SHOW SLAVE STATUS | SHOW REPLICA STATUS",
    privilege: REPLICA_MONITOR,
    purpose: "every channel's threads, positions, errors and lag (Dialect::all_channels_status)",
};

pub const APPLIER_COORDINATOR: Statement = Statement {
    name: "applier coordinator",
    item: Item::ApplierWorkers,
    sql: "SELECT * FROM performance_schema.replication_applier_status_by_coordinator",
    privilege: PERFORMANCE_SCHEMA,
    purpose: "the parallel applier's coordinator (MySQL 5.7.2+, MariaDB 10.5.2+)",
};

pub const APPLIER_WORKERS: Statement = Statement {
    name: "applier workers",
    item: Item::ApplierWorkers,
    sql: "SELECT * FROM performance_schema.replication_applier_status_by_worker",
    privilege: PERFORMANCE_SCHEMA,
    purpose: "each applier worker's transaction and error (MySQL 5.7.2+, MariaDB 10.5.2+)",
};

pub const PROCESSLIST: Statement = Statement {
    name: "processlist",
    item: Item::Processlist,
    sql: "SHOW FULL PROCESSLIST",
    privilege: PROCESS,
    purpose: "what the replication threads, other sessions and backups are doing",
};

pub const INNODB_TRX: Statement = Statement {
    name: "InnoDB transactions",
    item: Item::InnodbTransactions,
    sql: "SELECT * FROM information_schema.INNODB_TRX",
    privilege: PROCESS,
    purpose: "open transactions: a long one, a lock holder",
};

pub const MYSQL_LOCK_WAITS: Statement = Statement {
    name: "lock waits",
    item: Item::LockWaits,
    sql: "SELECT * FROM sys.innodb_lock_waits",
    privilege: Privilege {
        mysql: "PROCESS and SELECT on sys and performance_schema (MySQL 5.7+)",
        mariadb: "(not run on MariaDB)",
    },
    purpose: "who blocks whom: the session an applier waits for",
};

/// MariaDB has no `sys.innodb_lock_waits` of that shape: the same columns from
/// information_schema.
pub const MARIADB_LOCK_WAITS: Statement = Statement {
    name: "lock waits",
    item: Item::LockWaits,
    sql: "SELECT r.trx_id AS waiting_trx_id, \
r.trx_mysql_thread_id AS waiting_pid, r.trx_query AS waiting_query, \
b.trx_id AS blocking_trx_id, b.trx_mysql_thread_id AS blocking_pid, b.trx_query AS blocking_query, \
l.lock_table AS locked_table, l.lock_index AS locked_index, l.lock_mode AS locked_type, \
r.trx_wait_started AS wait_started, \
TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()) AS wait_age_secs \
FROM information_schema.INNODB_LOCK_WAITS w \
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id \
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id \
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id",
    privilege: Privilege {
        mysql: "(not run on MySQL)",
        mariadb: "PROCESS",
    },
    purpose: "who blocks whom: the session an applier waits for",
};

pub const BINARY_LOG_STATUS: Statement = Statement {
    name: "binlog position",
    item: Item::BinlogPosition,
    sql: "SHOW MASTER STATUS | SHOW BINARY LOG STATUS",
    privilege: BINLOG_MONITOR,
    purpose: "the server's own binlog position and executed GTIDs (Dialect::binary_log_status)",
};

/// One statement per table the failing transaction writes; parameters: schema, table.
pub const TABLE_DEFINITION: Statement = Statement {
    name: "table definition",
    item: Item::TableDefinition,
    sql: "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, \
c.ORDINAL_POSITION, c.COLUMN_NAME, c.COLUMN_TYPE, c.EXTRA, s.INDEX_NAME, s.NON_UNIQUE, \
s.SEQ_IN_INDEX \
FROM information_schema.COLUMNS c LEFT JOIN information_schema.STATISTICS s \
ON s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME \
AND s.COLUMN_NAME = c.COLUMN_NAME \
WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION, s.INDEX_NAME, s.SEQ_IN_INDEX",
    privilege: Privilege::both("any privilege on the table (information_schema shows those)"),
    purpose: "columns and keys of the tables the failing transaction writes",
};

/// The row a duplicate-key or missing-row error names, on the replica and the source; the
/// table and key columns are quoted identifiers, the key values parameters.
pub const ROW_BY_KEY: Statement = Statement {
    name: "row lookup",
    item: Item::RowComparison,
    sql: "SELECT * FROM `schema`.`table` WHERE `key1` = ? [AND ...] LIMIT 1",
    privilege: Privilege::both("SELECT on the table"),
    purpose: "the local and the source's row behind a 1062 or 1032",
};

/// Set before the row lookups, so TIMESTAMP values read as the binlog holds them.
pub const SESSION_UTC: Statement = Statement {
    name: "session time zone",
    item: Item::SessionSetting,
    sql: "SET time_zone = '+00:00'",
    privilege: ANY,
    purpose: "TIMESTAMP values of the row lookups in UTC, as in the binlog",
};

/// Set before a MariaDB binlog dump, so GTID events are sent as they are written.
pub const MARIADB_SLAVE_CAPABILITY: Statement = Statement {
    name: "replica capability",
    item: Item::SessionSetting,
    sql: "SET @mariadb_slave_capability = 4",
    privilege: ANY,
    purpose: "MariaDB sends its GTID events instead of rewriting them for old replicas",
};

/// Not SQL: the replication protocol's COM_BINLOG_DUMP, from the applier's position, non
/// blocking, under a server id no real server uses.
pub const BINLOG_DUMP: Statement = Statement {
    name: "binlog dump",
    item: Item::BinlogSlice,
    sql: "COM_BINLOG_DUMP file position (non-blocking)",
    privilege: Privilege::both("REPLICATION SLAVE"),
    purpose: "the failing transaction's events from the source when no relay log is readable here",
};

/// `gtid compare`: a MySQL server's GTID state.
pub const MYSQL_GTID_STATE: Statement = Statement {
    name: "GTID state",
    item: Item::GtidState,
    sql: "SELECT @@GLOBAL.gtid_executed, @@GLOBAL.gtid_purged, @@server_uuid",
    privilege: ANY,
    purpose: "executed and purged GTIDs, for errant and missing transactions",
};

/// `gtid compare`: a MariaDB server's GTID state.
pub const MARIADB_GTID_STATE: Statement = Statement {
    name: "GTID state",
    item: Item::GtidState,
    sql: "SELECT @@GLOBAL.gtid_binlog_state, @@GLOBAL.gtid_current_pos",
    privilege: ANY,
    purpose: "the binlog state (source) and the current position (replica)",
};

/// The first events of the oldest binlog: MariaDB's GTID_LIST there is what purging removed.
/// The file name comes from `SHOW BINARY LOGS` and is quoted.
pub const OLDEST_BINLOG_HEAD: Statement = Statement {
    name: "oldest binlog's GTID list",
    item: Item::GtidState,
    sql: "SHOW BINLOG EVENTS IN 'oldest-binlog' LIMIT 4",
    privilege: BINLOG_MONITOR,
    purpose: "the GTIDs purged from a MariaDB source (error 1236 before it happens)",
};

/// Every statement above, in the order a collection sends them.
pub const ALL: &[Statement] = &[
    SESSION_IDENTITY,
    SERVER_UUID,
    SESSION_TLS,
    IDENTIFY,
    VARIABLES,
    GLOBAL_STATUS,
    BINARY_LOGS,
    GTID_EXECUTED_TABLE,
    MYSQL_ERROR_LOG_TAIL,
    REPLICA_STATUS,
    APPLIER_COORDINATOR,
    APPLIER_WORKERS,
    PROCESSLIST,
    INNODB_TRX,
    MYSQL_LOCK_WAITS,
    MARIADB_LOCK_WAITS,
    BINARY_LOG_STATUS,
    OLDEST_BINLOG_HEAD,
    TABLE_DEFINITION,
    SESSION_UTC,
    ROW_BY_KEY,
    MARIADB_SLAVE_CAPABILITY,
    BINLOG_DUMP,
    MYSQL_GTID_STATE,
    MARIADB_GTID_STATE,
];

/// What `repldoctor verify` sends. Nothing changes data: the source only reads, inside a
/// consistent snapshot; the replica's applier is stopped and started again around the moment
/// its own snapshot is taken. The checksum, chunk and row statements are built per table by
/// `crates/verify/src/sql.rs`; their shape is given here with `<...>` for what each table fills.
pub const VERIFY: &[Statement] = &[
    Statement {
        name: "verify snapshot",
        item: Item::RowComparison,
        sql: "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ; \
START TRANSACTION WITH CONSISTENT SNAPSHOT",
        privilege: ANY,
        purpose: "one read view per server for a round of chunks",
    },
    Statement {
        name: "verify snapshot position",
        item: Item::BinlogPosition,
        sql: "SHOW SESSION STATUS LIKE 'binlog_snapshot_%'",
        privilege: ANY,
        purpose: "the source binlog position its snapshot sees (MariaDB, Percona Server)",
    },
    Statement {
        name: "verify snapshot gtid",
        item: Item::GtidState,
        sql: "SELECT BINLOG_GTID_POS(<file>, <position>) | SELECT @@gtid_slave_pos",
        privilege: ANY,
        purpose: "the GTID position of both snapshots, which must agree",
    },
    Statement {
        name: "verify freeze applier",
        item: Item::ReplicaStatus,
        sql: "STOP SLAVE <c> SQL_THREAD | START SLAVE <c> SQL_THREAD UNTIL MASTER_LOG_FILE = <f>, \
MASTER_LOG_POS = <p> | START SLAVE <c> SQL_THREAD",
        privilege: Privilege {
            mysql: "REPLICATION_SLAVE_ADMIN (SUPER before 8.0)",
            mariadb: "REPLICATION SLAVE ADMIN (SUPER before 10.5.2)",
        },
        purpose: "hold the replica's applier at the source snapshot's position while its own \
snapshot opens, then start it again (Dialect::stop, start_applier_until, start)",
    },
    Statement {
        name: "verify load",
        item: Item::StatusCounters,
        sql: "SHOW GLOBAL STATUS LIKE 'Threads_running'",
        privilege: ANY,
        purpose: "pause between chunks while the source is busy (--max-threads-running)",
    },
    Statement {
        name: "verify lag",
        item: Item::ReplicaStatus,
        sql: "SHOW SLAVE STATUS | SHOW REPLICA STATUS (replica) ; SHOW MASTER STATUS | SHOW BINARY \
LOG STATUS (source)",
        privilege: REPLICA_MONITOR,
        purpose: "pause between chunks while the replica is behind (--max-lag)",
    },
    Statement {
        name: "verify tables",
        item: Item::TableDefinition,
        sql: "SELECT ... FROM information_schema.TABLES | COLUMNS | STATISTICS WHERE ...",
        privilege: Privilege::both("SELECT on the tables compared"),
        purpose: "the tables, their columns and the key chunks follow",
    },
    Statement {
        name: "verify chunk",
        item: Item::RowComparison,
        sql: "SELECT COUNT(*), BIT_XOR(<first 64 bits of MD5(CONCAT_WS('#', <normalised columns>, \
CONCAT(<ISNULL of each>)))>) FROM <table> WHERE <key range> (SUM for a table without a key)",
        privilege: Privilege::both("SELECT on the tables compared"),
        purpose: "a chunk's checksum, computed by each server",
    },
    Statement {
        name: "verify chunk bound",
        item: Item::RowComparison,
        sql: "SELECT <key literals> FROM <table> WHERE <key after lower> ORDER BY <key> LIMIT 1 \
OFFSET <rows - 1>",
        privilege: Privilege::both("SELECT on the tables compared"),
        purpose: "the next chunk's upper key, read on the source",
    },
    Statement {
        name: "verify rows",
        item: Item::RowComparison,
        sql: "SELECT <key literals>, <row hash> FROM <table> WHERE <key range> ORDER BY <key> | \
SELECT <column hashes or literals> FROM <table> WHERE <key> = <literals>",
        privilege: Privilege::both("SELECT on the tables compared"),
        purpose: "a differing chunk narrowed to rows and columns; --print-sql's values",
    },
];

/// `fix`: one fixer per replica. A named lock of the replica's server, held by the fixer's
/// pinned session for the whole run, released when the session ends however it ends.
pub const FIX_LOCK: Statement = Statement {
    name: "fixer lock",
    item: Item::SessionSetting,
    sql: "SELECT GET_LOCK('repldoctor.fix', 0)",
    privilege: ANY,
    purpose: "refuse a second fixer on the same replica",
};

/// `fix`'s dry run: whether another fixer holds the lock now.
pub const FIX_LOCK_FREE: Statement = Statement {
    name: "fixer lock free",
    item: Item::SessionSetting,
    sql: "SELECT IS_FREE_LOCK('repldoctor.fix')",
    privilege: ANY,
    purpose: "a dry run says a second fixer would be refused",
};

/// `fix`: the lock given back at the end of a run.
pub const FIX_UNLOCK: Statement = Statement {
    name: "fixer lock release",
    item: Item::SessionSetting,
    sql: "SELECT RELEASE_LOCK('repldoctor.fix')",
    privilege: ANY,
    purpose: "let the next fixer in",
};

/// `fix`: lock waits of the fixer's session shorter than its statement time limit (the number
/// is the limit less two seconds, at least one), so a write blocked by a lock fails on the
/// server and is undone, instead of outliving the connection the client dropped.
pub const FIX_LOCK_WAITS: Statement = Statement {
    name: "fixer lock waits",
    item: Item::SessionSetting,
    sql: "SET SESSION innodb_lock_wait_timeout = <seconds>, lock_wait_timeout = <seconds>",
    privilege: ANY,
    purpose: "a blocked write ends on the server, where it is undone and journaled",
};

/// `fix`: string literals read as `repldoctor` writes them (`\\` escapes a backslash) even
/// where the server's mode says `NO_BACKSLASH_ESCAPES`.
pub const FIX_BACKSLASH_ESCAPES: Statement = Statement {
    name: "fixer literals",
    item: Item::SessionSetting,
    sql: "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')",
    privilege: ANY,
    purpose: "a plan's literals mean in the session what they meant when written",
};

/// [`FIX_LOCK_WAITS`] with its number of seconds.
pub fn fix_lock_waits(seconds: u64) -> String {
    format!("SET SESSION innodb_lock_wait_timeout = {seconds}, lock_wait_timeout = {seconds}")
}

/// `fix`: the GTID state the journal records before and after each step, on MySQL.
pub const FIX_MYSQL_GTID: Statement = Statement {
    name: "GTID state for the journal",
    item: Item::GtidState,
    sql: "SELECT @@GLOBAL.gtid_executed AS gtid_executed",
    privilege: ANY,
    purpose: "what each step changed in the executed set",
};

/// `fix`: the GTID state the journal records before and after each step, on MariaDB.
pub const FIX_MARIADB_GTID: Statement = Statement {
    name: "GTID state for the journal",
    item: Item::GtidState,
    sql: "SELECT @@GLOBAL.gtid_slave_pos AS gtid_slave_pos, @@GLOBAL.gtid_binlog_pos AS gtid_binlog_pos",
    privilege: ANY,
    purpose: "what each step changed in the replica's position and its own binlog",
};

/// What `fix` reads besides its plan's own checks (the status of [`REPLICA_STATUS`] too). The
/// plan's steps and checks are written by `diagnose` and printed with every plan; each step
/// names the privilege it needs in its risk note when it needs more than these.
pub const FIX: &[Statement] = &[
    FIX_LOCK,
    FIX_LOCK_FREE,
    FIX_UNLOCK,
    SESSION_UTC,
    FIX_LOCK_WAITS,
    FIX_BACKSLASH_ESCAPES,
    REPLICA_STATUS,
    FIX_MYSQL_GTID,
    FIX_MARIADB_GTID,
];

/// Writes, sent only by `fix --apply` (and printed by `gtid inject-sql` for a DBA to run):
/// an empty transaction under a given GTID marks it executed without changing data, the repair
/// for a GTID the source must account for. Needs SUPER or (MySQL 8.0) REPLICATION_APPLIER or
/// SYSTEM_VARIABLES_ADMIN, and must run on one connection: `GTID_NEXT` is a session variable.
pub fn empty_transaction(gtid: &str) -> String {
    format!("SET GTID_NEXT='{gtid}'; BEGIN; COMMIT;")
}

/// Ends a run of [`empty_transaction`]s: the session assigns GTIDs itself again.
pub const GTID_NEXT_AUTOMATIC: &str = "SET GTID_NEXT='AUTOMATIC';";

/// The catalogue entry whose text is `sql` (exactly, or one of its spellings), if any.
pub fn find(sql: &str) -> Option<&'static Statement> {
    ALL.iter()
        .find(|s| s.sql == sql || s.sql.split(" | ").any(|spelling| spelling == sql))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_the_catalogue_writes() {
        for statement in ALL {
            let verb = statement.sql.split_whitespace().next().unwrap_or_default();
            assert!(
                matches!(verb, "SELECT" | "SHOW" | "SET" | "COM_BINLOG_DUMP"),
                "{}: {}",
                statement.name,
                statement.sql
            );
            if verb == "SET" {
                assert!(!statement.sql.contains("GLOBAL"), "{}", statement.sql);
            }
            assert!(
                !statement.privilege.mysql.is_empty() && !statement.privilege.mariadb.is_empty()
            );
        }
    }

    #[test]
    fn the_dialect_spells_what_the_catalogue_lists() {
        use crate::{Dialect, Version};
        for version in [
            Version::mysql(5, 7, 44),
            Version::mysql(8, 0, 36),
            Version::mysql(8, 4, 3),
            Version::mariadb(10, 11, 6),
        ] {
            let dialect = Dialect::new(version);
            assert_eq!(find(&dialect.all_channels_status()), Some(&REPLICA_STATUS));
            assert_eq!(find(dialect.binary_log_status()), Some(&BINARY_LOG_STATUS));
        }
    }
}
