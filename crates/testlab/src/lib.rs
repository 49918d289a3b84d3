//! Real MariaDB servers for tests.
//!
//! A [`Lab`] starts N `mariadbd` instances from Debian's mariadb-server on 127.0.0.1, each on a
//! free port with its own data directory, socket, temp directory and error log, with ROW binlogs,
//! a unique `server_id`, `log_slave_updates` and a replication account. It wires replication
//! between them (`CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos`), including two instances
//! replicating from each other, and [`faults`] reproduces real replication failures on them.
//! Every instance a lab starts is stopped by its pid when the lab is dropped, also when a test
//! panics. Instances share nothing, so tests may run in parallel.
//!
//! Start-up is fast because the system tables are installed once per machine and MariaDB
//! version into a template data directory (see [`template`]) that each instance copies.

mod error;
pub mod faults;
mod lab;
mod proxy;
mod server;
mod status;
pub mod template;
mod writer;

pub use error::LabError;
pub use lab::{Lab, LabOptions, ReplicationOptions};
pub use proxy::Proxy;
pub use server::{MONITOR_PASSWORD, MONITOR_USER, REPLICATION_PASSWORD, REPLICATION_USER, Server};
pub use status::SlaveStatus;
pub use writer::Writer;

/// The database the fault helpers create their tables in.
pub const LAB_DATABASE: &str = "lab";
