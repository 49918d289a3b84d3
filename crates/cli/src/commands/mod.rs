//! One module per subcommand. Each turns its arguments into calls to the library crates and
//! returns the exit status.

pub mod binlog;
pub mod collect;
pub mod diagnose;
pub mod fix;
pub mod gtid;
pub mod verify;
pub mod watch;

use crate::args::{Cli, Command, Format};
use crate::failure::Failure;
use crate::status::Status;

pub fn run(cli: Cli) -> Result<Status, Failure> {
    let global = &cli.global;
    if global.format == Format::Markdown && !cli.command.writes_markdown() {
        return Err(Failure::new(
            "--format markdown: only diagnose writes markdown; use text or json",
        ));
    }
    match cli.command {
        Command::Diagnose(args) => diagnose::run(args, global),
        Command::Collect(args) => collect::run(args, global),
        Command::Binlog(command) => binlog::run(command, global),
        Command::Gtid(command) => gtid::run(command, global),
        Command::Verify(args) => verify::run(args, global),
        Command::Fix(args) => fix::run(args, global),
        Command::Watch(args) => watch::run(args, global),
    }
}
