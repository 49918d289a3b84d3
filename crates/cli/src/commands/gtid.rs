//! `repldoctor gtid`.

use clap::{Args, Subcommand};

use crate::args::{ConnectionArgs, GlobalArgs};
use crate::failure::Failure;
use crate::status::Status;

/// GTID arithmetic for MySQL GTID sets (`uuid:1-5:7`, tagged GTIDs too) and MariaDB GTID
/// positions (`0-1-100,1-2-7`). Sets are given as printed by the server; the result is printed
/// normalised, the way MySQL prints it.
#[derive(Debug, Subcommand)]
pub enum GtidCommand {
    /// Transactions in A that are not in B
    Subtract { a: String, b: String },
    /// Transactions in any of the sets
    Union {
        #[arg(required = true, num_args = 2..)]
        sets: Vec<String>,
    },
    /// Transactions in every one of the sets
    Intersect {
        #[arg(required = true, num_args = 2..)]
        sets: Vec<String>,
    },
    /// Whether SET contains GTID (exit status 0 when it does, 1 when not)
    Contains { set: String, gtid: String },
    /// The number of transactions in SET
    Count { set: String },
    /// The gaps below the highest transaction number of each UUID
    Holes { set: String },
    /// Compare a replica with its source: errant transactions, missing and purged ones, holes
    Compare(CompareArgs),
    /// Print the SQL that commits one empty transaction per GTID of SET
    InjectSql {
        set: String,
        /// Refuse sets with more transactions than this
        #[arg(long, default_value_t = 10_000)]
        max: u64,
    },
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// The source's executed set (instead of --source)
    #[arg(long, value_name = "SET", conflicts_with = "source")]
    pub source_set: Option<String>,

    /// The replica's executed set (instead of --replica)
    #[arg(long, value_name = "SET", conflicts_with = "replica")]
    pub replica_set: Option<String>,

    /// The source's gtid_purged, to tell whether missing transactions can still be fetched
    #[arg(long, value_name = "SET")]
    pub source_purged: Option<String>,

    /// UUIDs (or MariaDB server ids) of the replica's legitimate other upstreams, not errant
    #[arg(long, value_name = "UUID", value_delimiter = ',')]
    pub ignore: Vec<String>,
}

pub fn run(_command: GtidCommand, _global: &GlobalArgs) -> Result<Status, Failure> {
    Err(Failure::not_built("gtid arithmetic"))
}
