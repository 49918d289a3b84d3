//! What repldoctor knows about a replica and its source.
//!
//! One typed snapshot per server (flavor, variables, channel status, applier workers,
//! processlist, GTID state, binlog lists, error-log and backup-log lines), filled from text a DBA
//! pastes, from files, or from a live server, and saved as a bundle that another DBA can replay
//! offline. It also holds the connection conventions every command shares: DSNs in URL and
//! Percona-toolkit form, `~/.my.cnf` and `MYSQL_PWD`, and errors that name the server but never
//! the password.

pub mod bundle;
pub mod collect;
pub mod connect;
pub mod dsn;
pub mod model;
pub mod option_file;
pub mod text;
