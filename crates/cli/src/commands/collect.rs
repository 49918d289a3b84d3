//! `repldoctor collect`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use ::collect::{CollectOptions, collect};
use clap::Args;
use evidence::bundle::Collection;
use evidence::bundle::redact::redact;
use evidence::model::Evidence;

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::output::envelope_pretty;
use crate::status::Status;

const EXAMPLES: &str = "\
Examples:
  repldoctor collect --replica 'h=10.0.0.12,u=monitor' -o incident.tar.gz
  repldoctor collect --replica mysql://monitor@db2 --source mysql://monitor@db1 \\
      --error-log /var/log/mysql/error.log --backup-log /backup/xtrabackup.log --redact -o bundle/

Without --source, the source named in the replica's status (Master_Host, Master_Port) is read
with the replica's credentials; when it cannot be reached the bundle is the replica's alone and
says why. Statements that fail (a missing privilege, a time-out) are listed as gaps; the
collection goes on.

Least privilege (read-only):
  MySQL:   GRANT PROCESS, REPLICATION CLIENT ON *.* TO monitor;
           GRANT SELECT ON performance_schema.* TO monitor;
           GRANT SELECT ON mysql.gtid_executed TO monitor; GRANT SELECT ON sys.* TO monitor;
  MariaDB: GRANT PROCESS, BINLOG MONITOR, SLAVE MONITOR ON *.* TO monitor;
           GRANT SELECT ON performance_schema.* TO monitor;
  PROCESS: processlist, InnoDB transactions and lock waits. REPLICATION CLIENT / BINLOG
  MONITOR / SLAVE MONITOR: replica status, binlog list and position. performance_schema:
  applier workers and coordinator, MySQL 8.0.22+ error log.
  The failing transaction's events come from the relay log when it is readable on this host,
  else from the source over the replication protocol, which needs REPLICATION SLAVE there.";

/// Reads everything a diagnosis needs from a replica and its source (status of every channel,
/// applier workers, processlist, variables, GTID sets, binlog lists, error log, backup log, the
/// failing transaction's events) and saves it as a bundle that `repldoctor diagnose --bundle`
/// replays offline. Read-only. Passwords never enter a bundle.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct CollectArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Where to write the bundle: a new directory, or a file ending in .tar.gz
    #[arg(short, long, value_name = "DIR|FILE.tar.gz")]
    pub output: PathBuf,

    /// The replica's error log, when readable from here [default: @@log_error when readable]
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
    if !(args.interval.is_finite() && (0.0..=3600.0).contains(&args.interval)) {
        return Err(Failure::new(format!(
            "--interval {}: give seconds between 0 and 3600",
            args.interval
        )));
    }
    let options = CollectOptions {
        interval: Duration::from_secs_f64(args.interval),
        error_log: args.error_log.clone(),
        backup_log: args.backup_log.clone(),
        ..CollectOptions::default()
    };
    let mut collection = collect_live(&args.connection, options, global)?;
    if args.redact {
        let users = account_names(&args.connection)?;
        let users: Vec<&str> = users.iter().map(String::as_str).collect();
        redact(&mut collection, &users);
    }
    bundle::save(&collection, &args.output)?;
    let evidence = collection.evidence();
    match global.format {
        Format::Json => {
            let mut json = serde_json::to_value(&collection.manifest)?;
            json["saved_to"] = args.output.display().to_string().into();
            println!("{}", envelope_pretty(Status::Healthy, &json)?);
        }
        Format::Text | Format::Markdown => {
            print!("{}", summary(&collection, &evidence));
            println!("Saved to {}", args.output.display());
        }
    }
    Ok(Status::Healthy)
}

/// Collects from the servers of `--replica` and `--source`: one place for `collect` and the
/// live path of `diagnose`.
pub fn collect_live(
    connection: &ConnectionArgs,
    mut options: CollectOptions,
    global: &GlobalArgs,
) -> Result<Collection, Failure> {
    let Some(replica) = &connection.replica else {
        return Err(Failure::new("give --replica DSN"));
    };
    let replica = connection::resolve(replica, "replica", connection)?;
    let source = connection
        .source
        .as_deref()
        .map(|dsn| connection::resolve(dsn, "source", connection))
        .transpose()?;
    options.connect_timeout = Duration::from_secs(connection.connect_timeout.max(1));
    options.query_timeout = Duration::from_secs(connection.query_timeout.max(1));
    options.follow_source = connection.follow_source;
    if global.verbose > 0 {
        eprintln!(
            "repldoctor: collecting from replica {replica} as {}",
            replica.user
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let collection = runtime.block_on(collect(&replica, source.as_ref(), &options))?;
    if global.verbose > 0 {
        for server in collection.manifest.servers.iter().filter(|s| s.reached) {
            eprintln!(
                "repldoctor: {}: {}",
                server.endpoint,
                server
                    .tls
                    .as_deref()
                    .map_or_else(|| "no TLS".to_owned(), |tls| format!("TLS {tls}"))
            );
        }
        for gap in &collection.manifest.gaps {
            eprintln!(
                "repldoctor: gap on {}: {}: {}",
                gap.server, gap.what, gap.reason
            );
        }
    }
    Ok(collection)
}

/// The account names of the DSNs, which `--redact` replaces wherever they appear.
fn account_names(connection: &ConnectionArgs) -> Result<Vec<String>, Failure> {
    let mut users = Vec::new();
    for (dsn, role) in [
        (&connection.replica, "replica"),
        (&connection.source, "source"),
    ] {
        if let Some(dsn) = dsn {
            users.push(connection::resolve(dsn, role, connection)?.user);
        }
    }
    Ok(users)
}

/// One screen: who was read, what each replica's channels say, what the bundle holds, and
/// what could not be read.
fn summary(collection: &Collection, evidence: &Evidence) -> String {
    let manifest = &collection.manifest;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Collected in {:.1} s ({} statements, 2 samples {} s apart){}",
        manifest.elapsed_ms as f64 / 1000.0,
        manifest.statements.len(),
        manifest.options.interval_seconds,
        if manifest.options.redacted {
            ", redacted"
        } else {
            ""
        }
    );
    for server in &manifest.servers {
        let role = format!("{:?}", server.role).to_lowercase();
        if !server.reached {
            let _ = writeln!(out, "  {role} {}: not reached", server.endpoint);
            continue;
        }
        let _ = write!(
            out,
            "  {role} {}: {} server_id {}",
            server.endpoint,
            server.version.as_deref().unwrap_or("?"),
            server.server_id.unwrap_or_default()
        );
        let channels = evidence
            .server(Some(&server.label))
            .map(|s| s.channels())
            .unwrap_or_default();
        for channel in channels {
            let running = |t: &Option<evidence::model::ThreadRunning>| {
                t.as_ref().map_or("?".to_owned(), |t| format!("{t:?}"))
            };
            let _ = write!(
                out,
                "; channel '{}' IO {} SQL {}",
                channel.channel_name,
                running(&channel.replica_io_running),
                running(&channel.replica_sql_running)
            );
            if let Some(errno) = channel.applier_errno() {
                let _ = write!(out, ", applier error {errno}");
            }
            if let Some(errno) = channel.last_io_errno.filter(|n| *n != 0) {
                let _ = write!(out, ", receiver error {errno}");
            }
        }
        out.push('\n');
    }
    for file in &manifest.files {
        let _ = writeln!(
            out,
            "  {:?} of {}: {} (from {})",
            file.kind, file.server, file.bundle_name, file.read_from
        );
    }
    if let Some(slice) = &manifest.binlog_slice {
        let _ = writeln!(
            out,
            "  failing transaction {}: {} events, {} end_log_pos {} (from {})",
            slice.gtid.as_deref().unwrap_or("(no GTID)"),
            slice.events,
            slice.source_log_file,
            slice.end_log_pos,
            slice.obtained_from
        );
    }
    if !manifest.gaps.is_empty() {
        let _ = writeln!(out, "Gaps ({}):", manifest.gaps.len());
        for gap in &manifest.gaps {
            let _ = writeln!(out, "  - {}: {}: {}", gap.server, gap.what, gap.reason);
        }
    }
    out
}
