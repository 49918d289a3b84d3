//! `repldoctor verify`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;
use verify::{Options, Report, RowDifferenceKind, Servers, Verdict};

use crate::args::{ConnectionArgs, Format, GlobalArgs};
use crate::connection;
use crate::failure::Failure;
use crate::output;
use crate::status::Status;

const EXAMPLES: &str = "\
How the two servers are read at one point, with nothing written to the source:
  the source opens a consistent snapshot and reports the binlog position it sees
  (MariaDB, Percona Server); the replica's applier is stopped, started again UNTIL that
  position, and when it is there the replica opens its own snapshot and the applier runs
  again at once. Chunks are then compared inside both snapshots. A new point is taken
  every --round-seconds. The applier is always started again (errors, Ctrl-C); an applier
  that was stopped is never started.

Exit status: 0 every table equal, 2 differences found, 3 something could not be compared.

Examples:
  repldoctor verify --source 'h=db1,u=check' --replica 'h=db2,u=check'
  repldoctor verify --source ... --replica ... shop shop.orders --where 'created > NOW() - INTERVAL 1 DAY'
  repldoctor verify --source ... --replica ... --print-sql > make-replica-match.sql
  repldoctor verify --source ... --replica ... --format json
  repldoctor verify --source ... --replica ... --resume verify.checkpoint   # again after Ctrl-C

Privileges: SELECT on the tables compared (both servers); on the replica also SLAVE MONITOR
and REPLICATION SLAVE ADMIN (MariaDB 10.5.2+; SUPER before), REPLICATION CLIENT and
REPLICATION_SLAVE_ADMIN on MySQL.";

/// Proves that a replica holds its source's rows: every table (or the DB and DB.TABLE named)
/// in chunks of its primary key, a checksum of each chunk computed by each server at the same
/// point of the replication stream, differing chunks narrowed to rows and columns.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Schemas (DB) or tables (DB.TABLE) to compare [default: every table of every schema but
    /// mysql, information_schema, performance_schema and sys]
    #[arg(value_name = "DB[.TABLE]")]
    pub tables: Vec<String>,

    /// Only rows matching this condition are compared, in every table
    #[arg(long, value_name = "COND")]
    pub r#where: Option<String>,

    /// Rows per chunk; without it each chunk's size aims at --chunk-time
    #[arg(long, value_name = "ROWS")]
    pub chunk_size: Option<u64>,

    /// Seconds a chunk's checksum should take on the source
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    pub chunk_time: f64,

    /// Seconds one pair of snapshots serves before the next point is taken
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub round_seconds: f64,

    /// Seconds the replica's applier may take to reach the source's point
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub reach_timeout: u64,

    /// The replica's channel (MySQL) or connection name (MariaDB multi-source)
    #[arg(long, value_name = "NAME", default_value = "")]
    pub channel: String,

    /// Pause between chunks while the source's Threads_running is above this (0: never pause)
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub max_threads_running: u64,

    /// Pause between chunks while the replica is more than this many seconds behind and not at
    /// the source's binlog position (0: never pause for lag)
    #[arg(long, value_name = "SECONDS", default_value_t = 5)]
    pub max_lag: u64,

    /// Keep progress in FILE after every chunk and, when FILE exists, go on from where the run
    /// that wrote it stopped (tables done keep their results; the table in progress starts
    /// after its last chunk). A checkpoint of other servers or other tables is refused
    #[arg(long, value_name = "FILE")]
    pub resume: Option<std::path::PathBuf>,

    /// Write the statements that would make the replica match the source (REPLACE and DELETE
    /// by key, values read from the source) to stdout; the summary goes to stderr. verify
    /// itself never changes data
    #[arg(long)]
    pub print_sql: bool,
}

pub fn run(args: VerifyArgs, global: &GlobalArgs) -> Result<Status, Failure> {
    let (Some(source), Some(replica)) = (&args.connection.source, &args.connection.replica) else {
        return Err(Failure::new("give --source DSN and --replica DSN"));
    };
    let source = connection::resolve(source, "source", &args.connection)?;
    let replica = connection::resolve(replica, "replica", &args.connection)?;
    let selection = args
        .tables
        .iter()
        .map(|t| verify::tables::Selection::parse(t).map_err(Failure::new))
        .collect::<Result<Vec<_>, _>>()?;
    if !(args.chunk_time > 0.0 && args.chunk_time < 3600.0) {
        return Err(Failure::new(
            "--chunk-time: give seconds between 0 and 3600",
        ));
    }
    if !(args.round_seconds > 0.0 && args.round_seconds <= 86_400.0) {
        return Err(Failure::new(
            "--round-seconds: give seconds above 0, at most 86400",
        ));
    }
    let options = Options {
        selection,
        filter: args.r#where.clone(),
        chunk_rows: args.chunk_size,
        chunk_time: Duration::from_secs_f64(args.chunk_time),
        round_time: Duration::from_secs_f64(args.round_seconds),
        reach_timeout: Duration::from_secs(args.reach_timeout.max(1)),
        channel: args.channel.clone(),
        print_sql: args.print_sql,
        max_threads_running: (args.max_threads_running > 0).then_some(args.max_threads_running),
        checkpoint: args.resume.clone(),
        max_lag: (args.max_lag > 0).then(|| Duration::from_secs(args.max_lag)),
        ..Options::default()
    };
    let mut timeouts = connection::timeouts(&args.connection);
    // A chunk's checksum may take longer than a status read.
    timeouts.statement = timeouts.statement.max(Duration::from_secs(60));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        let connect = |endpoint, role| session::Session::connect(endpoint, role, timeouts);
        let mut servers = Servers {
            source: connect(&source, "source").await?,
            replica: connect(&replica, "replica").await?,
            control: connect(&replica, "replica").await?,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let bar = progress_bar();
        let mut progress = |p: &verify::Progress| {
            if let Some(bar) = &bar {
                bar.set_length(p.rows_estimated.max(p.rows));
                bar.set_position(p.rows);
                bar.set_message(format!(
                    "{} ({}/{} tables, {} chunks)",
                    p.table, p.tables_done, p.tables, p.chunks
                ));
            }
        };
        let report = verify::verify(&mut servers, &options, &cancel, &mut progress).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        for session in [
            &mut servers.source,
            &mut servers.replica,
            &mut servers.control,
        ] {
            session.close().await;
        }
        report.map_err(Failure::from)
    })?;
    let status = match report.exit_status() {
        0 => Status::Healthy,
        2 => Status::Critical,
        _ => Status::Unknown,
    };
    match global.format {
        Format::Json => println!("{}", output::envelope(status, &report)?),
        Format::Text | Format::Markdown => {
            if args.print_sql {
                eprint!("{}", summary(&report));
                print!("{}", repair_script(&report));
            } else {
                print!("{}", summary(&report));
            }
        }
    }
    Ok(status)
}

fn progress_bar() -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/~{len} rows {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    Some(bar)
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Compared {} (source) with {} (replica): {} equal, {} different, {} not compared",
        report.source,
        report.replica,
        report.count(Verdict::Equal),
        report.count(Verdict::Different),
        report.count(Verdict::NotCompared)
    );
    if let Some(point) = report.points.first() {
        let _ = writeln!(
            out,
            "At {} point(s) of the replication stream, the first at {}:{}{}",
            report.points.len(),
            point.file,
            point.position,
            point
                .source_gtid
                .as_deref()
                .map(|g| format!(" (GTID {g})"))
                .unwrap_or_default()
        );
    }
    for table in &report.tables {
        let verdict = match table.verdict {
            Verdict::Equal => "equal",
            Verdict::Different => "DIFFERENT",
            Verdict::NotCompared => "NOT COMPARED",
        };
        let _ = writeln!(
            out,
            "  {:<40} {verdict:<13} {} rows source, {} replica, {} chunks{}",
            table.table,
            table.rows_source,
            table.rows_replica,
            table.chunks,
            if table.rows_different > 0 {
                format!(", {} rows differ", table.rows_different)
            } else {
                String::new()
            }
        );
        for difference in &table.differences {
            let key = difference
                .key
                .iter()
                .map(|(c, v)| format!("{c} = {v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let what = match difference.kind {
                RowDifferenceKind::OnlySource => "only on the source".to_owned(),
                RowDifferenceKind::OnlyReplica => "only on the replica".to_owned(),
                RowDifferenceKind::Different => {
                    format!("differs in {}", difference.columns.join(", "))
                }
            };
            let _ = writeln!(out, "      {key}: {what}");
        }
        if table.differences.len() < table.rows_different as usize {
            let _ = writeln!(
                out,
                "      ... {} more not listed",
                table.rows_different as usize - table.differences.len()
            );
        }
        for note in &table.notes {
            let _ = writeln!(out, "      note: {note}");
        }
    }
    for table in &report.not_replicated {
        let _ = writeln!(out, "left out: {table}");
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    if report.interrupted {
        let _ = writeln!(
            out,
            "The run stopped before the end: what is listed as equal was compared; the rest was not."
        );
    }
    out
}

fn repair_script(report: &Report) -> String {
    let mut out = String::from(
        "-- Statements that make the replica's rows what the source's were at the point compared.\n\
         -- Run them on the replica only, with binary logging off for the session so that they\n\
         -- create no GTIDs of the replica's own, and diagnose/verify again afterwards.\n\
         SET SESSION sql_log_bin = 0;\n",
    );
    for statement in &report.sql {
        out.push_str(statement);
        out.push('\n');
    }
    out
}
