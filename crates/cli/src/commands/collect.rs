//! `repldoctor collect`.

use std::path::PathBuf;

use clap::Args;

use crate::args::{ConnectionArgs, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor collect --replica 'h=10.0.0.12,u=monitor' -o incident.tar.gz
  repldoctor collect --replica mysql://monitor@db2 --source mysql://monitor@db1 \\
      --error-log /var/log/mysql/error.log --backup-log /backup/xtrabackup.log --redact -o bundle/

Least privilege: REPLICATION CLIENT (replica status, binlog lists), PROCESS (processlist,
InnoDB status) and SELECT on performance_schema.";

/// Reads everything a diagnosis needs from a replica and its source (status of every channel,
/// applier workers, processlist, variables, GTID sets, binlog lists, error log, backup log, the
/// failing transaction's events) and saves it as a bundle that `repldoctor diagnose --bundle`
/// replays offline. Read-only. Passwords never enter a bundle.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CollectArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Where to write the bundle: a directory, or a file ending in .tar.gz
    #[arg(short, long, value_name = "DIR|FILE.tar.gz")]
    pub output: PathBuf,

    /// The replica's error log, when readable from here
    #[arg(long, value_name = "PATH")]
    pub error_log: Option<PathBuf>,

    /// A backup tool's log (xtrabackup, mariabackup), to match backups against errors
    #[arg(long, value_name = "PATH")]
    pub backup_log: Option<PathBuf>,

    /// Seconds between the two samples that tell a moving applier from a stuck one
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub interval: f64,

    /// Replace row values, host names and user names with stable placeholders before saving
    #[arg(long)]
    pub redact: bool,
}

pub fn run(args: CollectArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    if args.connection.replica.is_none() {
        return Err(Failure::new("collect needs --replica DSN"));
    }
    let servers = connection::connect_all(&args.connection, global)?;
    Err(Failure::not_built(&format!(
        "evidence collection (connected to {servers})"
    )))
}
