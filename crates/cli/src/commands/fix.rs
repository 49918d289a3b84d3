//! `repldoctor fix`.

use std::path::PathBuf;

use clap::Args;

use crate::args::{ConnectionArgs, GlobalArgs};
use crate::failure::Failure;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor fix --replica 'h=db2,u=admin'                  # show the plan, change nothing
  repldoctor fix --replica 'h=db2,u=admin' --apply          # carry it out, step by step
  repldoctor diagnose --replica 'h=db2' --format json > d.json
  repldoctor fix --plan d.json --finding 1 --replica 'h=db2,u=admin'";

/// Carries out the fix plan of a diagnosis. Each step names the server it runs on, the exact SQL
/// or command, the precondition that must still hold and the check afterwards. Without --apply
/// nothing is changed: the plan is printed with the preconditions checked now. With --apply
/// each precondition is checked again right before its step, the run stops at the first step
/// whose precondition or check fails, and every change is written to the journal.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct FixArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// A diagnosis saved with `repldoctor diagnose --format json`; default: diagnose now
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Which finding's plan to carry out (1 = the top finding)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub finding: usize,

    /// Change the servers; without it this is a dry run
    #[arg(long)]
    pub apply: bool,

    /// Where to journal every change made [default: ./repldoctor-journal.jsonl]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
}

pub fn run(_args: FixArgs, _global: &GlobalArgs) -> Result<Status, Failure> {
    Err(Failure::not_built("fix (plan execution)"))
}
