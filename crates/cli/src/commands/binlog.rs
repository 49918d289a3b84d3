//! `repldoctor binlog`.

use std::io::Write;
use std::path::{Path, PathBuf};

use binlog::{ErrorKind, Event, EventData, EventWalk, MappedFile, Options, Render, Transaction};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::args::{Format, GlobalArgs};
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

pub fn run(command: BinlogCommand, global: &GlobalArgs) -> Result<Status, Failure> {
    match command {
        BinlogCommand::Events(args) => events(&args, global.format),
        BinlogCommand::Check(args) => check(&args, global.format),
        BinlogCommand::Show(args) => show(&args, global.format),
        BinlogCommand::Sql(args) => sql(&args, global.format),
        BinlogCommand::Stats(_) => Err(Failure::not_built("binlog stats")),
    }
}

fn open(path: &Path) -> Result<MappedFile, Failure> {
    MappedFile::open(path)
        .map_err(|err| Failure::new(format!("cannot read '{}': {err}", path.display())))
}

/// Writes one line to stdout; a closed pipe (`| head`) ends the command quietly.
fn emit(out: &mut impl Write, line: &str) -> Result<(), Failure> {
    writeln!(out, "{line}").map_err(|err| Failure::new(format!("cannot write output: {err}")))
}

fn event_line(
    file: &Path,
    event: &Event<'_>,
    body: &Result<EventData<'_>, binlog::Error>,
    inner_of: Option<u64>,
    format: Format,
) -> String {
    let summary = match body {
        Ok(data) => binlog::summary(data),
        Err(err) => format!("undecodable: {}", err.kind),
    };
    match format {
        Format::Json => {
            let mut obj = json!({
                "file": file.display().to_string(),
                "offset": inner_of.unwrap_or(event.offset),
                "type": event.event_type().to_string(),
                "type_code": event.event_type().0,
                "size": event.size(),
                "end_log_pos": event.header.end_log_pos,
                "server_id": event.header.server_id,
                "timestamp": event.header.timestamp,
                "summary": summary,
            });
            if inner_of.is_some() {
                obj["inner"] = json!(true);
                obj["inner_offset"] = json!(event.offset);
            }
            obj.to_string()
        }
        Format::Text | Format::Markdown => {
            let at = match inner_of {
                Some(outer) => format!("{outer}+{}", event.offset),
                None => event.offset.to_string(),
            };
            format!(
                "{at:>12}  {:<28} end_log_pos {:<10} size {:<7} {summary}",
                event.event_type().to_string(),
                event.header.end_log_pos,
                event.size()
            )
        }
    }
}

/// The status a walk error gives: encryption only hides events, damage is critical.
fn status_of(err: &binlog::Error) -> Status {
    if err.kind == ErrorKind::Encrypted {
        Status::Warning
    } else {
        Status::Critical
    }
}

fn events(args: &EventsArgs, format: Format) -> Result<Status, Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = Status::Healthy;
    for path in &args.files.files {
        let file = open(path)?;
        let walk = EventWalk::new(file.bytes()).start_at(args.range.start_offset.unwrap_or(0));
        for item in walk {
            let event = match item {
                Ok(event) => event,
                Err(err) => {
                    out.flush().ok();
                    eprintln!("{}: {err}", path.display());
                    status = status.max(status_of(&err));
                    break;
                }
            };
            if args
                .range
                .stop_offset
                .is_some_and(|stop| event.offset >= stop)
            {
                break;
            }
            let body = binlog::decode(&event);
            emit(&mut out, &event_line(path, &event, &body, None, format))?;
            if body.is_err() {
                status = Status::Critical;
            }
            if let Ok(EventData::TransactionPayload(payload)) = &body {
                let inner = match payload.decompress() {
                    Ok(inner) => inner,
                    Err(err) => {
                        eprintln!(
                            "{}: payload at offset {}: {}",
                            path.display(),
                            event.offset,
                            err.reason
                        );
                        status = Status::Critical;
                        continue;
                    }
                };
                for inner_event in payload.inner_events(&inner) {
                    match inner_event {
                        Ok(e) => {
                            let body = binlog::decode(&e);
                            emit(
                                &mut out,
                                &event_line(path, &e, &body, Some(event.offset), format),
                            )?;
                        }
                        Err(err) => {
                            eprintln!(
                                "{}: inside the payload at offset {}: {err}",
                                path.display(),
                                event.offset
                            );
                            status = Status::Critical;
                            break;
                        }
                    }
                }
            }
        }
    }
    out.flush()
        .map_err(|err| Failure::new(format!("cannot write output: {err}")))?;
    Ok(status)
}

/// What `check` found in one file.
struct CheckReport {
    events: u64,
    checksums_verified: u64,
    unknown: u64,
    damage: Vec<binlog::Error>,
}

fn check_file(data: &[u8]) -> CheckReport {
    let mut walk = EventWalk::new(data);
    let mut damage = Vec::new();
    for item in walk.by_ref() {
        match item {
            Ok(event) => match binlog::decode(&event) {
                Ok(EventData::TransactionPayload(payload)) => {
                    let inner = payload.decompress().map_err(|e| {
                        e.into_error(event.offset, binlog::EventType::TRANSACTION_PAYLOAD)
                    });
                    let result = inner.and_then(|inner| {
                        payload.inner_events(&inner).try_for_each(|e| {
                            let e = e?;
                            binlog::decode(&e).map(drop)
                        })
                    });
                    if let Err(mut err) = result {
                        err.offset = event.offset;
                        damage.push(err);
                    }
                }
                Ok(_) => {}
                // The framing is intact: keep checking the events after it.
                Err(err) => damage.push(err),
            },
            Err(err) => damage.push(err),
        }
    }
    let stats = walk.stats();
    CheckReport {
        events: stats.events,
        checksums_verified: stats.checksums_verified,
        unknown: stats.unknown,
        damage,
    }
}

fn check(args: &FilesArgs, format: Format) -> Result<Status, Failure> {
    let mut status = Status::Healthy;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for path in &args.files {
        let file = open(path)?;
        let report = check_file(file.bytes());
        let file_status = report
            .damage
            .iter()
            .map(status_of)
            .max()
            .unwrap_or(Status::Healthy);
        status = status.max(file_status);
        let line = match format {
            Format::Json => json!({
                "file": path.display().to_string(),
                "status": match file_status {
                    Status::Healthy => "ok",
                    Status::Warning => "encrypted",
                    _ => "damaged",
                },
                "bytes": file.bytes().len(),
                "events": report.events,
                "checksums_verified": report.checksums_verified,
                "unknown_events": report.unknown,
                "damage": report.damage.iter().map(|e| json!({
                    "offset": e.offset,
                    "message": e.kind.to_string(),
                })).collect::<Vec<_>>(),
            })
            .to_string(),
            Format::Text | Format::Markdown => {
                let mut line = format!(
                    "{}: {} events, {} checksums verified, {} of unknown type",
                    path.display(),
                    report.events,
                    report.checksums_verified,
                    report.unknown
                );
                if report.damage.is_empty() {
                    line.push_str(": ok");
                }
                for err in &report.damage {
                    line.push_str(&format!(
                        "\n  {}: {err}",
                        if status_of(err) == Status::Critical {
                            "DAMAGED"
                        } else {
                            "note"
                        }
                    ));
                }
                line
            }
        };
        emit(&mut out, &line)?;
    }
    Ok(status)
}

fn show(args: &ShowArgs, format: Format) -> Result<Status, Failure> {
    let file = open(&args.file)?;
    let data = file.bytes();
    let (found, wanted) = match (&args.end_log_pos, &args.gtid) {
        (Some(pos), _) => (
            binlog::find_by_position(data, *pos),
            format!("end_log_pos {pos}"),
        ),
        (None, Some(gtid)) => (binlog::find_by_gtid(data, gtid), format!("GTID '{gtid}'")),
        (None, None) => return Err(Failure::new("give --end-log-pos or --gtid")),
    };
    let found = found.map_err(|err| {
        Failure::new(format!(
            "'{}' is damaged before {wanted} was found: {err}",
            args.file.display()
        ))
    })?;
    let Some(t) = found else {
        return Err(Failure::new(format!(
            "no transaction with {wanted} in '{}'",
            args.file.display()
        )));
    };
    let t = rendered(&args.file, data, &t, args.undo, format)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if format != Format::Json {
        emit(&mut out, binlog::sql::SESSION_PREAMBLE)?;
    }
    emit(
        &mut out,
        &render_transaction(&args.file, &t, args.undo, format),
    )?;
    Ok(Status::Healthy)
}

/// What to render for an output format.
fn render_for(undo: bool, format: Format) -> Render {
    Render {
        sql: true,
        undo,
        json: format == Format::Json,
    }
}

/// The transaction `t` read again with its statements rendered.
fn rendered(
    path: &Path,
    data: &[u8],
    t: &Transaction,
    undo: bool,
    format: Format,
) -> Result<Transaction, Failure> {
    let options = Options {
        start_offset: Some(t.start_offset),
        stop_offset: Some(t.end_offset),
        render: render_for(undo, format),
    };
    match binlog::transactions_with(data, options).next() {
        Some(Ok(t)) => Ok(t),
        Some(Err(err)) => Err(Failure::new(format!(
            "'{}': cannot render the transaction at offset {}: {err}",
            path.display(),
            t.start_offset
        ))),
        None => Err(Failure::new(format!(
            "'{}': the transaction at offset {} vanished on a second reading",
            path.display(),
            t.start_offset
        ))),
    }
}

fn sql(args: &SqlArgs, format: Format) -> Result<Status, Failure> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if format != Format::Json {
        emit(&mut out, binlog::sql::SESSION_PREAMBLE)?;
    }
    let mut status = Status::Healthy;
    let files: Vec<&PathBuf> = if args.undo {
        // Reverting a series of files starts with the newest.
        args.files.files.iter().rev().collect()
    } else {
        args.files.files.iter().collect()
    };
    for path in files {
        let file = open(path)?;
        let data = file.bytes();
        let options = Options {
            start_offset: args.range.start_offset,
            stop_offset: args.range.stop_offset,
            render: render_for(args.undo, format),
        };
        let mut damage = None;
        if args.undo {
            // Newest transaction first: find their offsets (a few bytes each), then render
            // each one on its own, so that memory stays bounded whatever the file size.
            let plain = Options {
                render: Render::default(),
                ..options
            };
            let mut spans = Vec::new();
            for t in binlog::transactions_with(data, plain) {
                match t {
                    Ok(t) => spans.push(t),
                    Err(err) => {
                        damage = Some(err);
                        break;
                    }
                }
            }
            for t in spans.iter().rev() {
                let t = rendered(path, data, t, true, format)?;
                emit(&mut out, &render_transaction(path, &t, true, format))?;
            }
        } else {
            for t in binlog::transactions_with(data, options) {
                match t {
                    Ok(t) => emit(&mut out, &render_transaction(path, &t, false, format))?,
                    Err(err) => {
                        damage = Some(err);
                        break;
                    }
                }
            }
        }
        if let Some(err) = damage {
            out.flush().ok();
            if matches!(err.kind, ErrorKind::NotAnEventStart { .. }) {
                return Err(Failure::new(format!("'{}': {err}", path.display())));
            }
            eprintln!("{}: {err}", path.display());
            status = status.max(status_of(&err));
        }
    }
    out.flush()
        .map_err(|err| Failure::new(format!("cannot write output: {err}")))?;
    Ok(status)
}

fn render_transaction(path: &Path, t: &Transaction, undo: bool, format: Format) -> String {
    let rows: Vec<_> = t
        .row_counts
        .iter()
        .map(|((table, kind), n)| json!({"table": table, "operation": kind.name(), "rows": n}))
        .collect();
    match format {
        Format::Json => json!({
            "file": path.display().to_string(),
            "gtid": t.gtid,
            "start_offset": t.start_offset,
            "end_offset": t.end_offset,
            "end_log_pos": t.last_end_log_pos,
            "timestamp": t.timestamp,
            "tables": t.tables,
            "statements": t.sql,
            "undo": undo,
            "annotations": t.statements,
            "row_counts": rows,
            "rows": t.rows,
            "logical_clock": t.logical_clock.map(|(lc, seq)| json!({"last_committed": lc, "sequence_number": seq})),
            "events": t.events,
            "size": t.size,
            "complete": t.complete,
        })
        .to_string(),
        Format::Text | Format::Markdown => {
            let mut s = format!(
                "-- {}transaction {} in {} at offsets {}..{} ({} events, {} bytes{})\n",
                if undo { "undo of " } else { "" },
                t.gtid.as_deref().unwrap_or("(anonymous)"),
                path.display(),
                t.start_offset,
                t.end_offset,
                t.events,
                t.size,
                if t.complete { "" } else { ", not complete: the file ends inside it" }
            );
            if let Some((lc, seq)) = t.logical_clock {
                s.push_str(&format!("-- last_committed={lc} sequence_number={seq}\n"));
            }
            if !t.tables.is_empty() {
                s.push_str(&format!("-- tables: {}\n", t.tables.join(", ")));
            }
            for ((table, kind), n) in &t.row_counts {
                s.push_str(&format!("-- {n} row(s) {} on {table}\n", kind.name()));
            }
            let wrap = !t.row_counts.is_empty();
            if wrap {
                s.push_str("BEGIN;\n");
            }
            for statement in &t.sql {
                s.push_str(statement);
                s.push('\n');
            }
            if wrap && t.complete {
                s.push_str("COMMIT;\n");
            }
            s.trim_end().to_owned()
        }
    }
}
