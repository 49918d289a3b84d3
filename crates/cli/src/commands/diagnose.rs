//! `repldoctor diagnose`.

use std::path::PathBuf;

use clap::Args;

use crate::args::{ConnectionArgs, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor diagnose --replica 'h=10.0.0.12,u=monitor' --source 'h=10.0.0.11,u=monitor'
  repldoctor diagnose --evidence slave-status.txt error.log
  mysql -e 'SHOW SLAVE STATUS\\G' | repldoctor diagnose --evidence -
  repldoctor diagnose --bundle incident-2026-11-21.tar.gz --format json";

/// Names the failure class, shows the facts that prove it (GTIDs, positions, tables, workers),
/// says how sure it is and prints a fix plan. Reads a live replica (and its source), a bundle
/// saved by `repldoctor collect`, or text a DBA pasted. Read-only: nothing is changed.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Replay a bundle saved by `repldoctor collect` (a directory or a .tar.gz file)
    #[arg(long, value_name = "PATH", conflicts_with_all = ["replica", "source", "evidence"])]
    pub bundle: Option<PathBuf>,

    /// Text files with pasted evidence (SHOW SLAVE STATUS\G, processlist, error log, GTID sets,
    /// backup logs, in any mix); `-` reads standard input
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["replica", "source"])]
    pub evidence: Vec<PathBuf>,
}

pub fn run(args: DiagnoseArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    if args.bundle.is_some() {
        return Err(Failure::not_built("diagnosis of a bundle"));
    }
    if !args.evidence.is_empty() {
        return Err(Failure::not_built("diagnosis of pasted evidence"));
    }
    if args.connection.replica.is_none() {
        return Err(Failure::new(
            "nothing to diagnose: give --replica DSN, --bundle PATH or --evidence FILE",
        ));
    }
    // Reach the servers first: a wrong DSN, password or address is reported as such, and the
    // rest of the work starts from servers that answer.
    let servers = connection::connect_all(&args.connection, global)?;
    Err(Failure::not_built(&format!(
        "live diagnosis (connected to {servers})"
    )))
}
