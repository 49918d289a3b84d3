//! `repldoctor watch`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use crate::args::GlobalArgs;
use crate::failure::Failure;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor watch --config fleet.toml
  repldoctor watch --config fleet.toml --listen 127.0.0.1:9108 --interval 30";

/// Checks every replica of a fleet at a fixed interval, keeps the history, serves Prometheus
/// metrics and a web page, and alerts when a finding appears or clears. Read-only.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct WatchArgs {
    /// The fleet: replicas with their sources, DSNs and alert targets
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Address for the metrics endpoint and the web page
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9108")]
    pub listen: SocketAddr,

    /// Seconds between two checks of the same replica
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub interval: u64,

    /// Check every replica once, print the result and exit with the worst status
    #[arg(long)]
    pub once: bool,
}

pub fn run(_args: WatchArgs, _global: &GlobalArgs) -> Result<Status, Failure> {
    Err(Failure::not_built("watch (fleet service)"))
}
