//! `repldoctor`: finds out why MySQL or MariaDB replication broke or stalled, proves it from the
//! evidence, and repairs it safely. This binary is thin: it parses the command line and hands the
//! work to the library crates.

mod args;
mod commands;
mod connection;
mod failure;
mod input;
mod output;
mod status;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Format};
use crate::failure::Failure;
use crate::status::Status;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(args::report_parse_error(&err)),
    };
    let format = cli.global.format;
    let status = match commands::run(cli) {
        Ok(status) => status,
        Err(failure) => report_failure(&failure, format),
    };
    ExitCode::from(status as u8)
}

/// Prints a failure as one line on stderr, and as a JSON object on stdout for `--format json`
/// so that scripts always get something they can parse.
fn report_failure(failure: &Failure, format: Format) -> Status {
    eprintln!("repldoctor: {failure}");
    if format == Format::Json {
        let json = serde_json::json!({
            "status": "unknown",
            "exit_status": failure.status() as u8,
            "error": failure.to_string(),
        });
        println!("{json}");
    }
    failure.status()
}

/// `repldoctor binlog events FILE | head` must end quietly when `head` has read enough, as
/// `cat` does, instead of failing on the closed pipe. Rust ignores SIGPIPE by default; restore
/// the default action.
#[allow(unsafe_code)]
fn restore_default_sigpipe() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    // SAFETY: called first in main, before any other thread exists; SIG_DFL installs no Rust
    // handler, so no handler can run code that is not async-signal-safe.
    unsafe {
        let _ = signal(Signal::SIGPIPE, SigHandler::SigDfl);
    }
}
