//! The command line: global options, connection options, and the subcommands.

use std::path::PathBuf;

use clap::{ArgAction, Args, ColorChoice, Parser, Subcommand, ValueEnum};

use crate::commands::{binlog, collect, diagnose, fix, gtid, verify, watch};
use crate::status::Status;

const ABOUT: &str =
    "Find out why MySQL or MariaDB replication broke or stalled, prove it, and repair it safely";

const LONG_ABOUT: &str = "\
Find out why MySQL or MariaDB replication broke or stalled, prove it from the evidence, and \
repair it safely.

repldoctor reads what a DBA would read at 3 a.m. (SHOW REPLICA STATUS of every channel, the \
applier workers, the processlist, GTID sets, binlogs and relay logs, the error log, backup logs), \
names the failure class, shows the facts that prove it and plans a fix. It never changes a \
server unless told to with --apply.";

const EXIT_STATUS_HELP: &str = "\
Exit status (the monitoring-plugin convention):
  0  healthy: nothing wrong was found
  1  warning: something deserves attention, replication works
  2  critical: replication is broken or about to break
  3  unknown: could not run (bad input, unreachable server, a part not built yet), or could
     not tell (evidence that looks like a replication error was not understood)";

/// Top-level command line.
#[derive(Debug, Parser)]
#[command(
    name = "repldoctor",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXIT_STATUS_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format: text for people, json for scripts, markdown for tickets
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Say more about what is being done (repeat for more)
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// When to use colors in text output
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Plain text for people
    Text,
    /// JSON for scripts (JSON Lines where a command streams many records)
    Json,
    /// Markdown, for a ticket (diagnose only)
    Markdown,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find out why replication broke or stalled, prove it, and plan the fix
    Diagnose(diagnose::DiagnoseArgs),
    /// Collect evidence from a replica (and its source) into a bundle another DBA can replay
    Collect(collect::CollectArgs),
    /// Read binlogs and relay logs: events, one transaction as SQL, statistics, damage checks
    #[command(subcommand)]
    Binlog(binlog::BinlogCommand),
    /// GTID arithmetic: errant transactions, holes, purged GTIDs, set operations
    #[command(subcommand)]
    Gtid(gtid::GtidCommand),
    /// Prove that a replica holds its source's rows, table by table, chunk by chunk
    Verify(verify::VerifyArgs),
    /// Carry out a fix plan step by step; a dry run unless --apply is given
    Fix(fix::FixArgs),
    /// Watch a fleet of replicas: periodic checks, Prometheus metrics, a web page, alerts
    Watch(watch::WatchArgs),
}

/// How to reach the servers. A DSN is `mysql://user:pass@host:port` or the Percona-toolkit form
/// `h=host,P=port,u=user,p=pass,S=socket`; what it leaves out comes from the `[client]` group of
/// the option file, then from `MYSQL_PWD` for the password.
#[derive(Debug, Args, Clone, Default)]
pub struct ConnectionArgs {
    /// The replica: mysql://user:pass@host:port or h=host,P=port,u=user,p=pass,S=socket
    #[arg(long, value_name = "DSN")]
    pub replica: Option<String>,

    /// Its source (primary), when reachable: same DSN forms as --replica
    #[arg(long, value_name = "DSN")]
    pub source: Option<String>,

    /// Option file whose [client] group gives defaults (user, password, host, port, socket)
    /// [default: ~/.my.cnf]
    #[arg(long, value_name = "PATH")]
    pub defaults_file: Option<PathBuf>,

    /// Seconds to wait for a server to answer before giving up on it
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub connect_timeout: u64,

    /// Seconds each statement may run; one that takes longer is listed as a gap and the
    /// collection goes on
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub query_timeout: u64,

    /// Without --source, also read the source the replica's status names, logging in to it with
    /// the replica's credentials (whoever holds that address receives them)
    #[arg(long)]
    pub follow_source: bool,

    /// TLS and the server's RSA key, as the MySQL client takes them (boxed: most commands
    /// carry the connection options, and clap's enums stay small).
    #[command(flatten)]
    pub security: Box<SecurityArgs>,
}

/// `--ssl-*`, `--get-server-public-key`, `--server-public-key-path`.
#[derive(Debug, Args, Clone, Default)]
pub struct SecurityArgs {
    /// TLS: DISABLED, PREFERRED (TLS when offered), REQUIRED, VERIFY_CA (certificate signed by
    /// --ssl-ca), VERIFY_IDENTITY (and made out to the host) [default: PREFERRED, VERIFY_CA with
    /// --ssl-ca]
    #[arg(long, value_name = "MODE")]
    pub ssl_mode: Option<session::SslMode>,

    /// CA certificate(s), PEM, the server's certificate must be signed by
    #[arg(long, value_name = "FILE")]
    pub ssl_ca: Option<PathBuf>,

    /// Client certificate, PEM, for accounts that REQUIRE X509 (with --ssl-key)
    #[arg(long, value_name = "FILE")]
    pub ssl_cert: Option<PathBuf>,

    /// The client certificate's private key, PEM
    #[arg(long, value_name = "FILE")]
    pub ssl_key: Option<PathBuf>,

    /// Without TLS, let caching_sha2_password send the password encrypted under the RSA key the
    /// server sends (refused by default: anyone answering at the address could send theirs)
    #[arg(long)]
    pub get_server_public_key: bool,

    /// Without TLS, send the password only encrypted under this RSA public key (PEM), the
    /// server's own
    #[arg(long, value_name = "FILE")]
    pub server_public_key_path: Option<PathBuf>,
}

impl SecurityArgs {
    /// The TLS and server-key options given on the command line (each wins over the option
    /// file; a DSN's own win over these).
    pub fn options(&self) -> session::tls::SecurityOptions {
        session::tls::SecurityOptions {
            ssl_mode: self.ssl_mode,
            ssl_ca: self.ssl_ca.clone(),
            ssl_cert: self.ssl_cert.clone(),
            ssl_key: self.ssl_key.clone(),
            get_server_public_key: self.get_server_public_key.then_some(true),
            server_public_key_path: self.server_public_key_path.clone(),
        }
    }
}

/// Prints a command-line error and returns the exit status: help and version requests are not
/// errors (status 0); anything else is bad input (status 3, not clap's default 2, which
/// monitoring would read as "critical").
/// With `--format json` among the arguments, an error is also printed as the JSON object every
/// failure gives, so that a script always has something to parse.
pub fn report_parse_error(err: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    // Printing can only fail on a closed stdout/stderr; there is nothing better to do then.
    let _ = err.print();
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Status::Healthy as u8,
        _ => {
            if json_requested(std::env::args_os().skip(1)) {
                let rendered = err.render().to_string();
                let first = rendered.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first);
                let json = serde_json::json!({
                    "status": Status::Unknown.name(),
                    "exit_status": Status::Unknown as u8,
                    "error": message,
                });
                println!("{json}");
            }
            Status::Unknown as u8
        }
    }
}

/// Whether the raw arguments ask for `--format json` (`--format json` or `--format=json`).
fn json_requested(arguments: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let mut previous_was_format = false;
    for argument in arguments {
        let argument = argument.to_string_lossy();
        if argument == "--format=json" || (previous_was_format && argument == "json") {
            return true;
        }
        previous_was_format = argument == "--format";
    }
    false
}

impl Command {
    /// The output formats the command writes.
    pub fn writes_markdown(&self) -> bool {
        matches!(self, Command::Diagnose(_))
    }
}

impl GlobalArgs {
    /// Whether text on standard output gets colors: `--color always`, or `auto` on a terminal
    /// without `NO_COLOR` set.
    pub fn stdout_color(&self) -> bool {
        use std::io::IsTerminal;
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}
