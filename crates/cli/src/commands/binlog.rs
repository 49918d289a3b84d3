//! `repldoctor binlog`.

use std::io::Write;
use std::path::{Path, PathBuf};

use binlog::{
    ErrorKind, Event, EventData, EventWalk, MappedFile, Options, Render, Statements, Transaction,
};
use clap::{Args, Subcommand};
use evidence::model::{Obtained, Provenance};
use evidence::text::create_table::create_tables;
use serde_json::json;

use crate::args::{Format, GlobalArgs};
use crate::failure::Failure;
use crate::input::{self, Input};
use crate::output::envelope;
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

    #[command(flatten)]
    pub names: SchemaArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Column names: with binlog_row_metadata=FULL the binlog names the columns; \
    otherwise they are @1, @2, ... as in mysqlbinlog -v, unless --schema gives the tables' \
    CREATE TABLE statements:\n  \
    mysqldump --no-data --all-databases > schema.sql\n  \
    repldoctor binlog sql mysql-bin.000379 --schema schema.sql"
)]
pub struct SqlArgs {
    #[command(flatten)]
    pub files: FilesArgs,
    #[command(flatten)]
    pub range: RangeArgs,

    /// Print the statements that revert each transaction, newest first (flashback)
    #[arg(long)]
    pub undo: bool,

    #[command(flatten)]
    pub names: SchemaArgs,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Name the columns of tables the binlog does not name (binlog_row_metadata=MINIMAL) from
    /// the CREATE TABLE statements in FILE, as `mysqldump --no-data` or SHOW CREATE TABLE print
    /// them (USE and qualified names say the database). A table whose column count differs
    /// from the binlog's keeps @1, @2, ... with a warning.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
}

impl SchemaArgs {
    /// The column names of `--schema`, when given.
    fn load(&self) -> Result<Option<binlog::Schema>, Failure> {
        let Some(path) = &self.schema else {
            return Ok(None);
        };
        let text = input::read(Input::File(path), input::SCHEMA)
            .map_err(|err| Failure::new(format!("cannot read '{}': {err}", path.display())))?;
        let origin = Provenance {
            how: Obtained::File {
                path: path.display().to_string(),
            },
            captured_at: None,
        };
        let mut schema = binlog::Schema::default();
        for table in create_tables(&String::from_utf8_lossy(&text), None, &origin) {
            let table = table
                .map_err(|err| Failure::new(format!("--schema '{}': {err}", path.display())))?;
            let columns = table.columns.iter().map(|c| c.name.clone()).collect();
            let key = table
                .primary_key()
                .map_or(&[][..], |k| k.columns.as_slice());
            let generated: Vec<String> = table
                .columns
                .iter()
                .filter(|c| c.generated)
                .map(|c| c.name.clone())
                .collect();
            let binary: Vec<String> = table
                .columns
                .iter()
                .filter(|c| c.column_type.as_deref().is_some_and(holds_bytes))
                .map(|c| c.name.clone())
                .collect();
            schema.insert(
                table.schema.clone(),
                table.name.clone(),
                columns,
                key,
                &generated,
            );
            let unsigned: Vec<String> = table
                .columns
                .iter()
                .filter(|c| {
                    c.column_type
                        .as_deref()
                        .is_some_and(|t| t.split_whitespace().any(|word| word == "unsigned"))
                })
                .map(|c| c.name.clone())
                .collect();
            schema.set_column_kinds(table.schema.clone(), table.name.clone(), &binary, &unsigned);
        }
        if schema.is_empty() {
            return Err(Failure::new(format!(
                "--schema '{}': no CREATE TABLE statement found",
                path.display()
            )));
        }
        Ok(Some(schema))
    }
}

/// Whether a column of this declared type (as `CREATE TABLE` spells it, in lower case) holds
/// bytes rather than text in a character set.
fn holds_bytes(column_type: &str) -> bool {
    let base = column_type
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    matches!(
        base,
        "binary"
            | "varbinary"
            | "tinyblob"
            | "blob"
            | "mediumblob"
            | "longblob"
            | "uuid"
            | "inet4"
            | "inet6"
    )
}

/// Says on stderr what a transaction's reading could not do as asked.
/// Prints a transaction's warnings; its SQL is then not exact, which the exit status says.
fn warn(path: &Path, t: &Transaction) -> Status {
    for warning in &t.warnings {
        eprintln!("{}: warning: {warning}", path.display());
    }
    if t.warnings.is_empty() {
        Status::Healthy
    } else {
        Status::Warning
    }
}

pub fn run(command: BinlogCommand, global: &GlobalArgs) -> Result<Status, Failure> {
    match command {
        BinlogCommand::Events(args) => events(&args, global.format),
        BinlogCommand::Check(args) => check(&args, global.format),
        BinlogCommand::Show(args) => show(&args, global.format),
        BinlogCommand::Sql(args) => sql(&args, global.format),
        BinlogCommand::Stats(args) => stats(&args, global.format),
    }
}

fn open(path: &Path) -> Result<MappedFile, Failure> {
    MappedFile::open(path)
        .map_err(|err| Failure::new(format!("cannot read '{}': {err}", path.display())))
}

/// Writes one line to stdout; a closed pipe (`| head`) ends the command quietly.
fn emit(out: &mut impl Write, line: &str) -> Result<(), Failure> {
    out.write_all(line.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|err| Failure::new(format!("cannot write output: {err}")))
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
            file.release_before(event.offset);
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

fn check_file(file: &MappedFile) -> CheckReport {
    let mut walk = EventWalk::new(file.bytes());
    let mut damage = Vec::new();
    for item in walk.by_ref() {
        if let Ok(event) = &item {
            file.release_before(event.offset);
        }
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
    if damage.is_empty() {
        // Row images are decoded only against their table map: read the transactions as
        // `sql` does, so that `check` finds what `sql` would fail on.
        let options = Options {
            render: Render {
                sql: true,
                ..Render::default()
            },
            ..Options::default()
        };
        let mut sql = Statements::default();
        let mut transactions = binlog::transactions_with(file.bytes(), options);
        while let Some(t) = transactions.next_into(&mut sql) {
            match t {
                Ok(t) => file.release_before(t.end_offset),
                Err(err) => {
                    damage.push(err);
                    break;
                }
            }
        }
    }
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
        let report = check_file(&file);
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
    let names = args.names.load()?;
    let file = open(&args.file)?;
    let options = Options {
        render: render_for(args.undo, format),
        column_names: names.as_ref(),
        ..Options::default()
    };
    let (found, wanted) = match (&args.end_log_pos, &args.gtid) {
        (Some(pos), _) => (
            binlog::find(&file, options, |t| t.contains_position(*pos)),
            format!("end_log_pos {pos}"),
        ),
        (None, Some(gtid)) => (
            binlog::find(&file, options, |t| t.has_gtid(gtid)),
            format!("GTID '{gtid}'"),
        ),
        (None, None) => return Err(Failure::new("give --end-log-pos or --gtid")),
    };
    let found = found.map_err(|err| {
        Failure::new(format!(
            "'{}' is damaged before {wanted} was found: {err}",
            args.file.display()
        ))
    })?;
    let Some((t, sql)) = found else {
        return Err(Failure::new(format!(
            "no transaction with {wanted} in '{}'",
            args.file.display()
        )));
    };
    let status = warn(&args.file, &t);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if format != Format::Json {
        emit(&mut out, binlog::sql::SESSION_PREAMBLE)?;
    }
    write_transaction(
        &mut out,
        &mut String::new(),
        &args.file,
        &t,
        &sql,
        args.undo,
        format,
    )?;
    Ok(status)
}

/// What to render for an output format.
fn render_for(undo: bool, format: Format) -> Render {
    Render {
        sql: true,
        undo,
        json: format == Format::Json,
        for_reading: false,
    }
}

/// Bytes of output gathered before each write to stdout.
const OUTPUT_BUFFER: usize = 256 << 10;

fn sql(args: &SqlArgs, format: Format) -> Result<Status, Failure> {
    let names = args.names.load()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock());
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
        let options = Options {
            start_offset: args.range.start_offset,
            stop_offset: args.range.stop_offset,
            render: render_for(args.undo, format),
            column_names: names.as_ref(),
            ..Options::default()
        };
        let mut damage = None;
        if args.undo {
            let mut scratch = String::new();
            for item in binlog::newest_first(&file, options) {
                match item {
                    Ok((t, sql)) => {
                        status = status.max(warn(path, &t));
                        write_transaction(&mut out, &mut scratch, path, &t, &sql, true, format)?
                    }
                    Err(err) => damage = Some(err),
                }
            }
        } else {
            damage = write_transactions(&mut out, path, &file, options, format, &mut status)?;
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

/// Writes the transactions of a file, oldest first, their statements rendered into one
/// reused buffer. Returns the damage that ended the walk early.
fn write_transactions(
    out: &mut impl Write,
    path: &Path,
    file: &MappedFile,
    options: Options<'_>,
    format: Format,
    status: &mut Status,
) -> Result<Option<binlog::Error>, Failure> {
    let mut transactions = binlog::transactions_with(file.bytes(), options);
    let (mut sql, mut scratch) = (Statements::default(), String::new());
    while let Some(t) = transactions.next_into(&mut sql) {
        match t {
            Ok(t) => {
                *status = (*status).max(warn(path, &t));
                write_transaction(out, &mut scratch, path, &t, &sql, false, format)?;
                file.release_before(t.end_offset);
            }
            Err(err) => return Ok(Some(err)),
        }
    }
    Ok(None)
}

/// Writes a transaction with its statements `sql` as text (SQL, or one line of JSON) and a
/// line end; `scratch` is room for the lines around the statements.
fn write_transaction(
    out: &mut impl Write,
    scratch: &mut String,
    path: &Path,
    t: &Transaction,
    sql: &Statements,
    undo: bool,
    format: Format,
) -> Result<(), Failure> {
    use std::fmt::Write as _;
    scratch.clear();
    if format == Format::Json {
        let rows: Vec<_> = t
            .row_counts
            .iter()
            .map(|((table, kind), n)| json!({"table": table, "operation": kind.name(), "rows": n}))
            .collect();
        let _ = write!(
            scratch,
            "{}",
            json!({
                "file": path.display().to_string(),
                "gtid": t.gtid,
                "start_offset": t.start_offset,
                "end_offset": t.end_offset,
                "end_log_pos": t.last_end_log_pos,
                "timestamp": t.timestamp,
                "tables": t.tables,
                "statements": sql.iter().collect::<Vec<_>>(),
                "undo": undo,
                "annotations": t.statements,
                "row_counts": rows,
                "rows": t.rows,
                "logical_clock": t.logical_clock.map(|(lc, seq)| json!({"last_committed": lc, "sequence_number": seq})),
                "events": t.events,
                "size": t.size,
                "complete": t.complete,
            })
        );
        return emit(out, scratch);
    }
    let _ = writeln!(
        scratch,
        "-- {}transaction {} in {} at offsets {}..{} ({} events, {} bytes{})",
        if undo { "undo of " } else { "" },
        t.gtid.as_deref().unwrap_or("(anonymous)"),
        path.display(),
        t.start_offset,
        t.end_offset,
        t.events,
        t.size,
        if t.complete {
            ""
        } else {
            ", not complete: the file ends inside it"
        }
    );
    if let Some((lc, seq)) = t.logical_clock {
        let _ = writeln!(scratch, "-- last_committed={lc} sequence_number={seq}");
    }
    if !t.tables.is_empty() {
        let _ = writeln!(scratch, "-- tables: {}", t.tables.join(", "));
    }
    for ((table, kind), n) in &t.row_counts {
        let _ = writeln!(scratch, "-- {n} row(s) {} on {table}", kind.name());
    }
    scratch.push_str(t.sql_opening());
    // The statements are written from their own buffer, not copied into another; the text
    // ends without trailing blanks, as if the whole had been trimmed.
    let commit = t.sql_closing(undo).as_bytes();
    let body = if commit.is_empty() {
        sql.trimmed_text()
    } else {
        sql.text()
    };
    let head = if body.is_empty() && commit.is_empty() {
        scratch.trim_end()
    } else {
        scratch.as_str()
    };
    [head.as_bytes(), body, commit, b"\n"]
        .iter()
        .try_for_each(|part| out.write_all(part))
        .map_err(|err| Failure::new(format!("cannot write output: {err}")))
}

/// Files larger than this get a progress bar (when stderr is a terminal).
const PROGRESS_BAR_BYTES: usize = 100 << 20;

fn progress_bar(path: &Path, len: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if len <= PROGRESS_BAR_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message(path.display().to_string());
    Some(bar)
}

fn stats(args: &FilesArgs, format: Format) -> Result<Status, Failure> {
    let mut stats = binlog::Stats::default();
    let mut status = Status::Healthy;
    let mut damage = Vec::new();
    for path in &args.files {
        let file = open(path)?;
        let data = file.bytes();
        let bar = progress_bar(path, data.len());
        for (n, t) in binlog::transactions(data).enumerate() {
            match t {
                Ok(t) => {
                    if let Some(bar) = &bar
                        && n % 1024 == 0
                    {
                        bar.set_position(t.end_offset);
                    }
                    stats.add(&t);
                    file.release_before(t.end_offset);
                }
                Err(err) => {
                    status = status.max(status_of(&err));
                    damage.push(format!("{}: {err}", path.display()));
                    break;
                }
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        stats.next_file();
    }
    stats.finish();
    for line in &damage {
        eprintln!("{line}");
    }
    let file_name = |i: usize| args.files.get(i).map(|p| p.display().to_string());
    let largest = stats.largest();
    let (without_key, key_unknown) = stats.tables_without_primary_key();
    let rows_json = |rows: &std::collections::BTreeMap<binlog::events::RowsKind, u64>| {
        rows.iter()
            .map(|(k, n)| (k.name().to_owned(), json!(n)))
            .collect::<serde_json::Map<_, _>>()
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let text = match format {
        Format::Json => envelope(
            status,
            &json!({
                "files": args.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "transactions": stats.transactions,
                "events": stats.events,
                "bytes": stats.bytes,
                "rows": rows_json(&stats.rows),
                "first_timestamp": stats.first_timestamp,
                "last_timestamp": stats.last_timestamp,
                "time_span_seconds": stats.first_timestamp.zip(stats.last_timestamp).map(|(f, l)| l - f),
                "parallelism": {
                    "transactions_with_dependency_info": stats.with_dependency_info,
                    "max": stats.max_parallelism(),
                    "mean": stats.mean_parallelism(),
                    "group_sizes": stats.group_sizes.iter().map(|(size, n)| json!({"size": size, "groups": n})).collect::<Vec<_>>(),
                },
                "largest_transactions": largest.iter().map(|l| json!({
                    "file": file_name(l.file),
                    "gtid": l.gtid,
                    "start_offset": l.start_offset,
                    "size": l.size,
                    "rows": l.rows,
                    "tables": l.tables,
                })).collect::<Vec<_>>(),
                "tables": stats.tables.iter().map(|(t, s)| json!({
                    "table": t,
                    "rows": rows_json(&s.rows),
                    "transactions": s.transactions,
                    "has_primary_key": s.has_primary_key,
                })).collect::<Vec<_>>(),
                "tables_without_primary_key": without_key,
                "tables_with_primary_key_unknown": key_unknown,
                "damage": damage,
            }),
        )?,
        Format::Text | Format::Markdown => {
            let mut s = String::new();
            let rows: Vec<String> = stats
                .rows
                .iter()
                .map(|(k, n)| format!("{n} {}", k.name()))
                .collect();
            s.push_str(&format!(
                "{} transactions, {} events, {} bytes; rows: {}\n",
                stats.transactions,
                stats.events,
                stats.bytes,
                if rows.is_empty() {
                    "none".to_owned()
                } else {
                    rows.join(", ")
                }
            ));
            if let (Some(first), Some(last)) = (stats.first_timestamp, stats.last_timestamp) {
                s.push_str(&format!(
                    "time span: {} .. {} UTC ({} s)\n",
                    utc(first),
                    utc(last),
                    last - first
                ));
            }
            s.push_str(&format!(
                "parallelism: at most {} transactions at once, {:.2} on average ({} of {} transactions carry dependency information)\n",
                stats.max_parallelism(),
                stats.mean_parallelism(),
                stats.with_dependency_info,
                stats.transactions
            ));
            let total: u64 = stats.group_sizes.iter().map(|(size, n)| size * n).sum();
            let widest = stats
                .group_sizes
                .iter()
                .map(|(size, n)| size * n)
                .max()
                .unwrap_or(1)
                .max(1);
            s.push_str("  transactions applied N at once:\n");
            for (size, n) in &stats.group_sizes {
                let share = size * n;
                let bar = "#".repeat(((share * 40).div_ceil(widest)) as usize);
                s.push_str(&format!(
                    "  {size:>6} {share:>10} ({:>5.1}%) {bar}\n",
                    share as f64 * 100.0 / total.max(1) as f64
                ));
            }
            if !largest.is_empty() {
                s.push_str("largest transactions:\n");
                for l in &largest {
                    s.push_str(&format!(
                        "  {:>12} bytes {:>8} rows  {} at {}:{}  {}\n",
                        l.size,
                        l.rows,
                        l.gtid.as_deref().unwrap_or("(anonymous)"),
                        file_name(l.file).unwrap_or_default(),
                        l.start_offset,
                        l.tables.join(", ")
                    ));
                }
            }
            s.push_str(&format!(
                "tables written without a primary key: {}\n",
                if without_key.is_empty() {
                    "none".to_owned()
                } else {
                    without_key.join(", ")
                }
            ));
            if !key_unknown.is_empty() {
                s.push_str(&format!(
                    "primary key unknown (the binlog does not say; binlog_row_metadata=FULL writes it): {}\n",
                    key_unknown.join(", ")
                ));
            }
            s.trim_end().to_owned()
        }
    };
    emit(&mut out, &text)?;
    Ok(status)
}

/// `YYYY-MM-DD hh:mm:ss` of a header timestamp.
fn utc(seconds: u32) -> String {
    binlog::values::Timestamp {
        seconds,
        micros: 0,
        fsp: 0,
    }
    .to_string()
}
