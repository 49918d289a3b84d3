//! `repldoctor binlog`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::args::GlobalArgs;
use crate::failure::Failure;
use crate::status::Status;

/// Reads MySQL and MariaDB binlogs and relay logs: every event type of both flavors, checksums,
/// compressed payloads and row values.
#[derive(Debug, Subcommand)]
pub enum BinlogCommand {
    /// List events: offset, type, end_log_pos, size and a summary (JSON Lines with --format json)
    Events(EventsArgs),
    /// Show the one transaction that contains an end_log_pos or a GTID, as SQL
    Show(ShowArgs),
    /// Print every transaction as SQL statements a DBA can read or run
    Sql(SqlArgs),
    /// Parallelism a replica could reach, largest transactions, tables without a primary key
    Stats(FilesArgs),
    /// Verify structure and checksums; exit status 2 when a file is damaged
    Check(FilesArgs),
}

#[derive(Debug, Args)]
pub struct FilesArgs {
    /// Binlog or relay-log files
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RangeArgs {
    /// Start at this byte offset (an event's start, as `# at N` in mysqlbinlog)
    #[arg(long, value_name = "N")]
    pub start_offset: Option<u64>,

    /// Stop before the event that starts at or after this byte offset
    #[arg(long, value_name = "N")]
    pub stop_offset: Option<u64>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub files: FilesArgs,
    #[command(flatten)]
    pub range: RangeArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Example, with the numbers from Last_SQL_Error:\n  \
    repldoctor binlog show mysql-bin.000379 --end-log-pos 259024396")]
pub struct ShowArgs {
    /// Binlog or relay-log file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The end_log_pos from an error message; the transaction containing it is shown
    #[arg(
        long,
        value_name = "P",
        required_unless_present = "gtid",
        conflicts_with = "gtid"
    )]
    pub end_log_pos: Option<u64>,

    /// A GTID: uuid:number (MySQL) or domain-server-seq (MariaDB)
    #[arg(long, value_name = "G")]
    pub gtid: Option<String>,

    /// Print the statements that revert the transaction instead (flashback)
    #[arg(long)]
    pub undo: bool,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub files: FilesArgs,
    #[command(flatten)]
    pub range: RangeArgs,

    /// Print the statements that revert each transaction, newest first (flashback)
    #[arg(long)]
    pub undo: bool,
}

pub fn run(command: BinlogCommand, _global: &GlobalArgs) -> Result<Status, Failure> {
    let what = match command {
        BinlogCommand::Events(_) => "binlog events",
        BinlogCommand::Show(_) => "binlog show",
        BinlogCommand::Sql(_) => "binlog sql",
        BinlogCommand::Stats(_) => "binlog stats",
        BinlogCommand::Check(_) => "binlog check",
    };
    Err(Failure::not_built(what))
}
