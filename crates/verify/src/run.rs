//! The comparison: tables in order, each in key chunks; a chunk's checksum from each server at
//! one point; a differing chunk narrowed to rows and columns.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use session::{Session, StatementError};

use crate::checkpoint::{Checkpoint, InProgress};
use crate::point::{Applier, PointError, close_snapshot};
use crate::report::{Report, RowDifference, RowDifferenceKind, TableReport, Verdict};
use crate::sql;
use crate::tables::{self, Selection, Table};

/// How a run goes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Tables or schemas to compare; empty: every table of every non-system schema.
    pub selection: Vec<Selection>,
    /// `--where`: only rows matching it are compared, in every table.
    pub filter: Option<String>,
    /// A fixed number of rows per chunk; `None`: adapted to `chunk_time`.
    pub chunk_rows: Option<u64>,
    pub chunk_time: Duration,
    /// How long one pair of snapshots serves before a new point is taken (the source's undo
    /// history grows while a snapshot is open).
    pub round_time: Duration,
    /// How long the applier may take to reach the source's point.
    pub reach_timeout: Duration,
    /// The replica's channel (MySQL) or connection (MariaDB); `""` the default one.
    pub channel: String,
    /// Also build the statements that would make the replica match.
    pub print_sql: bool,
    /// Differing rows listed per table (all are counted).
    pub max_listed: usize,
    /// Pause between chunks while the source runs more threads than this (`Threads_running`,
    /// pt-table-checksum's `--max-load` default of 25); `None`: never pause.
    pub max_threads_running: Option<u64>,
    /// Pause between chunks while the replica is further behind than this (`--max-lag`);
    /// `None`: never pause for lag.
    pub max_lag: Option<Duration>,
    /// `--resume`: where progress is kept after every chunk, and read back at the start.
    pub checkpoint: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            selection: Vec::new(),
            filter: None,
            chunk_rows: None,
            chunk_time: Duration::from_millis(500),
            round_time: Duration::from_secs(30),
            reach_timeout: Duration::from_secs(60),
            channel: String::new(),
            print_sql: false,
            max_listed: 1000,
            max_threads_running: Some(25),
            checkpoint: None,
            max_lag: Some(Duration::from_secs(5)),
        }
    }
}

/// Where a run is, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub table: String,
    pub tables_done: usize,
    pub tables: usize,
    pub chunks: u64,
    pub rows: u64,
    /// information_schema's estimate of the rows of every table selected.
    pub rows_estimated: u64,
}

/// The servers: the source, and two sessions on the replica (one reads inside its snapshot,
/// the other stops and starts the applier: those statements would end the snapshot).
#[derive(Debug)]
pub struct Servers {
    pub source: Session,
    pub replica: Session,
    pub control: Session,
}

/// Why verify could not begin at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Setup(String),
}

/// A range holding more rows than this on either side is not listed row by row (the source's
/// pieces are [`ROWS_LISTED_AT_ONCE`] rows; only rows on the replica alone can reach it).
const NARROW_LIMIT: usize = 100_000;

/// A differing chunk up to this size is listed row by row at once; a larger one is cut first.
const ROWS_LISTED_AT_ONCE: u64 = 1_000;

pub async fn verify(
    servers: &mut Servers,
    options: &Options,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report, VerifyError> {
    let (applier, state) = Applier::new(
        &mut servers.control,
        &options.channel,
        options.reach_timeout,
    )
    .await
    .map_err(|err| VerifyError::Setup(err.to_string()))?;
    let source_id = servers.source.identity().server_id;
    if state.source_server_id.is_some() && state.source_server_id != source_id {
        return Err(VerifyError::Setup(format!(
            "the replica replicates from server_id {}, and {} is server_id {}: give the replica's \
             own source",
            state.source_server_id.unwrap_or_default(),
            servers.source.label(),
            source_id.map_or("unknown".to_owned(), |id| id.to_string())
        )));
    }
    let mut run = Run {
        servers,
        options,
        cancel,
        applier,
        round_started: None,
        report: Report::default(),
        chunk_rows: options.chunk_rows.unwrap_or(1000).max(1),
        rate: (0.0, 0.0),
        checkpoint: None,
        lag_waits_over: false,
        last_throttle: None,
    };
    run.report.source = run.servers.source.label();
    run.report.replica = run.servers.replica.label();
    let mut resumed: Option<InProgress> = None;
    if let Some(path) = &options.checkpoint {
        let fresh = Checkpoint::new(
            run.report.source.clone(),
            run.report.replica.clone(),
            options.selection.iter().map(Selection::to_string).collect(),
            options.filter.clone(),
        );
        let saved = Checkpoint::load(path, &fresh).map_err(VerifyError::Setup)?;
        let mut checkpoint = saved.unwrap_or(fresh);
        resumed = checkpoint.current.take();
        run.report.sql = std::mem::take(&mut checkpoint.sql);
        run.checkpoint = Some(checkpoint);
    }
    if let Err(err) = run.new_round().await {
        run.end().await;
        return Err(VerifyError::Setup(format!("no consistent point: {err}")));
    }
    let selected = match tables::discover(&mut run.servers.source, &options.selection).await {
        Ok(tables) => tables,
        Err(err) => {
            run.end().await;
            return Err(VerifyError::Setup(format!(
                "cannot list the source's tables: {err}"
            )));
        }
    };
    if selected.is_empty() {
        run.end().await;
        return Err(VerifyError::Setup(
            "no table of the source matches what was asked".to_owned(),
        ));
    }
    let mut replicated = Vec::with_capacity(selected.len());
    for table in selected {
        match state.filters.excludes(&table.schema, &table.name) {
            None => replicated.push(table),
            Some(rule) => run.report.not_replicated.push(format!(
                "{}: not replicated by this channel ({rule})",
                table.label()
            )),
        }
    }
    let selected = replicated;
    let mut status = Progress {
        tables: selected.len(),
        rows_estimated: selected.iter().map(|t| t.estimated_rows).sum(),
        ..Progress::default()
    };
    for table in &selected {
        status.table = table.label();
        progress(&status);
        let done = run
            .checkpoint
            .as_ref()
            .and_then(|c| c.done.iter().find(|t| t.table == table.label()).cloned());
        let report = if let Some(done) = done {
            done
        } else if run.report.interrupted {
            let mut report = TableReport::new(table.label(), table.key_name.clone());
            report.not_compared("the run stopped before this table".to_owned());
            report
        } else {
            let resume = resumed
                .take_if(|r| r.table == table.label())
                .map(|r| (r.after, r.report));
            run.table(table, resume, &mut status, progress).await
        };
        run.report.tables.push(report.clone());
        if let Some(checkpoint) = &mut run.checkpoint
            && report.verdict != Verdict::NotCompared
            && !checkpoint.done.iter().any(|t| t.table == report.table)
        {
            checkpoint.done.push(report);
            checkpoint.current = None;
            run.save_checkpoint();
        }
        status.tables_done += 1;
        progress(&status);
    }
    run.end().await;
    Ok(run.report)
}

struct Run<'a> {
    servers: &'a mut Servers,
    options: &'a Options,
    cancel: &'a AtomicBool,
    applier: Applier,
    round_started: Option<Instant>,
    report: Report,
    chunk_rows: u64,
    /// Weighted rows and seconds of recent chunks, for the chunk size.
    rate: (f64, f64),
    /// What `--resume` keeps, when given.
    checkpoint: Option<Checkpoint>,
    /// The replica stayed behind for a whole wait: no more waits for lag in this run.
    lag_waits_over: bool,
    /// When the load and lag were last read.
    last_throttle: Option<Instant>,
}

/// What stopped a table: the reason, and whether the rest of the run can go on.
struct Stop {
    why: String,
    fatal: bool,
}

impl Stop {
    fn interrupted() -> Stop {
        Stop {
            why: "interrupted".to_owned(),
            fatal: true,
        }
    }
}

impl From<StatementError> for Stop {
    fn from(err: StatementError) -> Self {
        let fatal = matches!(
            err,
            StatementError::Lost(_) | StatementError::Timeout(_) | StatementError::NotConnected
        );
        Stop {
            why: err.to_string(),
            fatal,
        }
    }
}

impl From<PointError> for Stop {
    fn from(err: PointError) -> Self {
        let fatal = matches!(err, PointError::Interrupted | PointError::Statement(_));
        Stop {
            why: format!("no consistent point: {err}"),
            fatal,
        }
    }
}

type Checksum = (u64, String);

impl Run<'_> {
    async fn new_round(&mut self) -> Result<(), PointError> {
        if self.round_started.take().is_some() {
            let _ = close_snapshot(&mut self.servers.source).await;
            let _ = close_snapshot(&mut self.servers.replica).await;
        }
        let Servers {
            source,
            replica,
            control,
        } = &mut *self.servers;
        let point = self
            .applier
            .take_point(control, source, replica, self.cancel)
            .await?;
        self.report.points.push(point);
        self.round_started = Some(Instant::now());
        Ok(())
    }

    async fn ensure_point(&mut self) -> Result<(), PointError> {
        match self.round_started {
            Some(started) if started.elapsed() < self.options.round_time => Ok(()),
            _ => self.new_round().await,
        }
    }

    /// Waits while the replica's applier is further behind than `max_lag`, a second at a time
    /// and at most `reach_timeout` once in a run (then goes on: each point waits for the replica
    /// anyway).
    /// Behind means not at the source's current binlog position and `Seconds_Behind_Master`
    /// above the bound: a position equal to the source's is no lag whatever the seconds say.
    async fn wait_for_lag(&mut self) -> Result<(), Stop> {
        let Some(most) = self.options.max_lag else {
            return Ok(());
        };
        if !self.applier.was_running || self.lag_waits_over {
            return Ok(());
        }
        let started = Instant::now();
        loop {
            let state =
                crate::point::channel_state(&mut self.servers.control, &self.options.channel)
                    .await?;
            if !state.sql_running {
                return Err(Stop {
                    why: format!(
                        "the replica's applier stopped during the run{}",
                        state
                            .sql_error
                            .map(|e| format!(": {e}"))
                            .unwrap_or_default()
                    ),
                    fatal: true,
                });
            }
            let status = self.servers.source.dialect().binary_log_status();
            let source = self.servers.source.query(status, 1).await?;
            let at_source = source.first("File") == Some(state.file.as_str())
                && source.first("Position") == Some(state.position.to_string().as_str());
            let behind = state.seconds_behind.unwrap_or(0);
            if at_source || behind <= most.as_secs() {
                return Ok(());
            }
            if started.elapsed() > self.applier.reach_timeout {
                self.report.warnings.push(format!(
                    "the replica was still {behind} s behind after waiting {} s for it: the \
                     rest of the run does not wait for it again",
                    self.applier.reach_timeout.as_secs()
                ));
                self.lag_waits_over = true;
                return Ok(());
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Stop::interrupted());
            }
            self.report.paused_seconds += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Waits while the source is busier than `max_threads_running`, a second at a time.
    async fn throttle(&mut self) -> Result<(), Stop> {
        // Chunks can take milliseconds: the load and lag are read at most once a second.
        if self
            .last_throttle
            .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        {
            return Ok(());
        }
        self.last_throttle = Some(Instant::now());
        self.wait_for_lag().await?;
        let Some(most) = self.options.max_threads_running else {
            return Ok(());
        };
        loop {
            let rows = self
                .servers
                .source
                .query("SHOW GLOBAL STATUS LIKE 'Threads_running'", 1)
                .await?;
            let running: u64 = rows
                .rows
                .first()
                .and_then(|r| r.get(1).cloned().flatten())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            if running <= most {
                return Ok(());
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Stop::interrupted());
            }
            self.report.paused_seconds += 1;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Closes the snapshots and makes sure the applier runs if it ran.
    async fn end(&mut self) {
        let _ = close_snapshot(&mut self.servers.source).await;
        let _ = close_snapshot(&mut self.servers.replica).await;
        self.round_started = None;
        if let Err(err) = self.applier.restore(&mut self.servers.control).await {
            self.report.warnings.push(err);
        }
    }

    /// Writes `--resume`'s file; a failure to write it is said once, and the run goes on.
    fn save_checkpoint(&mut self) {
        let (Some(checkpoint), Some(path)) = (&mut self.checkpoint, &self.options.checkpoint)
        else {
            return;
        };
        checkpoint.sql.clone_from(&self.report.sql);
        if let Err(err) = checkpoint.save(path) {
            self.report.warnings.push(err);
            self.checkpoint = None;
        }
    }

    async fn table(
        &mut self,
        table: &Table,
        resume: Option<(Vec<String>, TableReport)>,
        status: &mut Progress,
        progress: &mut dyn FnMut(&Progress),
    ) -> TableReport {
        let (after, mut report) = match resume {
            Some((after, report)) => (Some(after), report),
            None => (
                None,
                TableReport::new(table.label(), table.key_name.clone()),
            ),
        };
        if let Err(stop) = self
            .compare_table(table, after, &mut report, status, progress)
            .await
        {
            report.not_compared(stop.why.clone());
            self.round_started = None;
            if stop.fatal {
                self.report.interrupted = true;
                self.report.warnings.push(format!(
                    "stopped during {}: {}",
                    table.label(),
                    stop.why
                ));
            }
        }
        report
    }

    async fn compare_table(
        &mut self,
        table: &Table,
        after: Option<Vec<String>>,
        report: &mut TableReport,
        status: &mut Progress,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), Stop> {
        self.ensure_point().await?;
        let Some(on_replica) =
            tables::describe(&mut self.servers.replica, &table.schema, &table.name).await?
        else {
            report.different();
            report
                .notes
                .push("the table is missing on the replica".to_owned());
            return Ok(());
        };
        if let Some(why) = definitions_differ(table, &on_replica) {
            report.not_compared(format!("its definitions differ: {why}"));
            return Ok(());
        }
        let filter = self.options.filter.as_deref();
        if table.key.is_empty() {
            self.report.warnings.push(format!(
                "{} has no primary or NOT NULL unique key: compared whole in one statement \
                 (about {} rows), and rows that differ cannot be named",
                table.label(),
                table.estimated_rows
            ));
            let range = sql::chunk_range(table, None, None, filter);
            let (source, replica) = self.checksums(table, &range).await?;
            report.chunks = 1;
            report.rows_source = source.0;
            report.rows_replica = replica.0;
            if source != replica {
                report.different();
                report.rows_different = source.0.abs_diff(replica.0).max(1);
            }
            return Ok(());
        }
        let mut lower = after;
        loop {
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Stop::interrupted());
            }
            self.throttle().await?;
            self.ensure_point().await?;
            let upper = self
                .upper_bound(table, lower.as_deref(), None, self.chunk_rows)
                .await?;
            let range = sql::chunk_range(table, lower.as_deref(), upper.as_deref(), filter);
            let started = Instant::now();
            let (source, replica) = self.checksums(table, &range).await?;
            self.adapt(source.0, started.elapsed());
            report.chunks += 1;
            report.rows_source += source.0;
            report.rows_replica += replica.0;
            status.chunks += 1;
            status.rows += source.0;
            progress(status);
            if source != replica {
                report.different();
                let bounds = (lower.as_deref(), upper.as_deref());
                self.narrow(table, bounds, (source.0, replica.0), report)
                    .await?;
            }
            match upper {
                Some(upper) => {
                    if let Some(checkpoint) = &mut self.checkpoint {
                        checkpoint.current = Some(InProgress {
                            table: table.label(),
                            after: upper.clone(),
                            report: report.clone(),
                        });
                        self.save_checkpoint();
                    }
                    lower = Some(upper);
                }
                None => break,
            }
        }
        Ok(())
    }

    async fn checksums(
        &mut self,
        table: &Table,
        range: &str,
    ) -> Result<(Checksum, Checksum), Stop> {
        let statement = sql::chunk_checksum(table, range);
        // Both servers compute at once: a chunk costs the slower of the two, not their sum.
        let Servers {
            source, replica, ..
        } = &mut *self.servers;
        let (source, replica) =
            tokio::join!(checksum(source, &statement), checksum(replica, &statement));
        Ok((source?, replica?))
    }

    /// The next chunk's size from the recent rate, aiming at `chunk_time` per chunk; at most
    /// double from one chunk to the next.
    fn adapt(&mut self, rows: u64, took: Duration) {
        if self.options.chunk_rows.is_some() {
            return;
        }
        self.rate.0 = self.rate.0 * 0.75 + rows as f64;
        self.rate.1 = self.rate.1 * 0.75 + took.as_secs_f64().max(1e-4);
        let wanted = self.rate.0 / self.rate.1 * self.options.chunk_time.as_secs_f64();
        let most = self.chunk_rows.saturating_mul(2) as f64;
        self.chunk_rows = wanted.clamp(100.0, most.max(100.0)) as u64;
    }

    /// The key literals of the row `rows` rows after `lower` on the source, within `upper`;
    /// `None` when fewer rows remain.
    async fn upper_bound(
        &mut self,
        table: &Table,
        lower: Option<&[String]>,
        upper: Option<&[String]>,
        rows: u64,
    ) -> Result<Option<Vec<String>>, Stop> {
        let bound =
            sql::chunk_upper_bound(table, lower, upper, rows, self.options.filter.as_deref());
        Ok(self
            .servers
            .source
            .query(&bound, 1)
            .await?
            .rows
            .into_iter()
            .next()
            .map(|row| row.into_iter().map(|v| v.unwrap_or_default()).collect()))
    }

    /// Narrows a differing chunk to rows: listed at once when small, else cut into pieces of
    /// [`ROWS_LISTED_AT_ONCE`] rows on the source's keys, each compared again and only the
    /// differing ones listed (the pieces cover the whole chunk, so rows only on the replica
    /// fall in one of them).
    async fn narrow(
        &mut self,
        table: &Table,
        (lower, upper): (Option<&[String]>, Option<&[String]>),
        (source_rows, replica_rows): (u64, u64),
        report: &mut TableReport,
    ) -> Result<(), Stop> {
        let filter = self.options.filter.as_deref();
        if source_rows.max(replica_rows) <= ROWS_LISTED_AT_ONCE {
            let range = sql::chunk_range(table, lower, upper, filter);
            return self.list_rows(table, &range, report).await;
        }
        let mut piece_lower = lower.map(<[String]>::to_vec);
        loop {
            let piece_upper = self
                .upper_bound(table, piece_lower.as_deref(), upper, ROWS_LISTED_AT_ONCE)
                .await?;
            let range = sql::chunk_range(
                table,
                piece_lower.as_deref(),
                piece_upper.as_deref().or(upper),
                filter,
            );
            let (source, replica) = self.checksums(table, &range).await?;
            if source != replica {
                self.list_rows(table, &range, report).await?;
            }
            match piece_upper {
                Some(piece_upper) => piece_lower = Some(piece_upper),
                None => return Ok(()),
            }
        }
    }

    async fn list_rows(
        &mut self,
        table: &Table,
        range: &str,
        report: &mut TableReport,
    ) -> Result<(), Stop> {
        let statement = sql::row_hashes(table, range, NARROW_LIMIT + 1);
        let source = self
            .servers
            .source
            .query(&statement, NARROW_LIMIT + 1)
            .await?;
        let replica = self
            .servers
            .replica
            .query(&statement, NARROW_LIMIT + 1)
            .await?;
        if source.rows.len() > NARROW_LIMIT || replica.rows.len() > NARROW_LIMIT {
            report.notes.push(format!(
                "a range holds more than {NARROW_LIMIT} rows on one side: its rows are not \
                 listed ({range})"
            ));
            report.rows_different += source.rows.len().abs_diff(replica.rows.len()).max(1) as u64;
            return Ok(());
        }
        let width = table.key.len();
        let split = |row: Vec<Option<String>>| {
            let mut values: Vec<String> = row.into_iter().map(|v| v.unwrap_or_default()).collect();
            let hash = values.split_off(width);
            (values, hash.into_iter().next().unwrap_or_default())
        };
        let source: Vec<(Vec<String>, String)> = source.rows.into_iter().map(split).collect();
        let replica: HashMap<Vec<String>, String> = replica.rows.into_iter().map(split).collect();
        let source_keys: HashMap<&Vec<String>, &String> =
            source.iter().map(|(k, h)| (k, h)).collect();
        let mut found = Vec::new();
        for (key, hash) in &source {
            match replica.get(key) {
                None => found.push((RowDifferenceKind::OnlySource, key.clone())),
                Some(other) if other != hash => {
                    found.push((RowDifferenceKind::Different, key.clone()))
                }
                Some(_) => {}
            }
        }
        let mut only_replica: Vec<&Vec<String>> = replica
            .keys()
            .filter(|k| !source_keys.contains_key(k))
            .collect();
        only_replica.sort();
        found.extend(
            only_replica
                .into_iter()
                .map(|k| (RowDifferenceKind::OnlyReplica, k.clone())),
        );
        for (kind, key) in found {
            report.rows_different += 1;
            if report.differences.len() >= self.options.max_listed {
                continue;
            }
            let columns = if kind == RowDifferenceKind::Different {
                self.differing_columns(table, &key).await?
            } else {
                Vec::new()
            };
            if self.options.print_sql {
                let statement = self.repair(table, kind, &key).await?;
                self.report.sql.push(statement);
            }
            report.differences.push(RowDifference {
                kind,
                key: table
                    .key_columns()
                    .map(|c| c.name.clone())
                    .zip(key)
                    .collect(),
                columns,
            });
        }
        Ok(())
    }

    async fn differing_columns(
        &mut self,
        table: &Table,
        key: &[String],
    ) -> Result<Vec<String>, Stop> {
        let statement = sql::column_hashes(table, key);
        let source = self.servers.source.query(&statement, 1).await?;
        let replica = self.servers.replica.query(&statement, 1).await?;
        let (Some(source), Some(replica)) = (source.rows.first(), replica.rows.first()) else {
            return Ok(Vec::new());
        };
        Ok(table
            .columns
            .iter()
            .zip(source.iter().zip(replica))
            .filter(|(_, (s, r))| s != r)
            .map(|(c, _)| c.name.clone())
            .collect())
    }

    /// The statement that makes the replica's row what the source's is, read from the
    /// source's snapshot.
    async fn repair(
        &mut self,
        table: &Table,
        kind: RowDifferenceKind,
        key: &[String],
    ) -> Result<String, Stop> {
        let target = sql::qualified(table);
        if kind == RowDifferenceKind::OnlyReplica {
            return Ok(format!(
                "DELETE FROM {target} WHERE {} LIMIT 1;",
                sql::key_equals(table, key)
            ));
        }
        let rows = self
            .servers
            .source
            .query(&sql::row_literals(table, key), 1)
            .await?;
        let Some(values) = rows.rows.into_iter().next() else {
            return Ok(format!(
                "-- {target}: the source's row changed before it was read"
            ));
        };
        let values: Vec<String> = values.into_iter().map(|v| v.unwrap_or_default()).collect();
        if values.iter().any(|v| v.ends_with("bytes not kept]")) {
            return Ok(format!(
                "-- {target} WHERE {}: a value is too long to be written here",
                sql::key_equals(table, key)
            ));
        }
        let columns: Vec<String> = table
            .stored_columns()
            .map(|c| sql::ident(&c.name))
            .collect();
        Ok(format!(
            "REPLACE INTO {target} ({}) VALUES ({});",
            columns.join(", "),
            values.join(", ")
        ))
    }
}

async fn checksum(session: &mut Session, statement: &str) -> Result<Checksum, StatementError> {
    let rows = session.query(statement, 1).await?;
    let row = rows.rows.into_iter().next().unwrap_or_default();
    let cell = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    Ok((cell(0).parse().unwrap_or(0), cell(1)))
}

/// Why two definitions of a table cannot be compared row by row: a column missing or of
/// another type.
fn definitions_differ(source: &Table, replica: &Table) -> Option<String> {
    // Key values travel between the servers as literals in the source column's character set
    // and collation: a key column must have the same on both. Other columns are compared
    // through one character set, so theirs may differ.
    let describe = |t: &Table| -> Vec<String> {
        t.columns
            .iter()
            .enumerate()
            .map(|(i, c)| match t.key.contains(&i) {
                true => format!(
                    "{} {} {}",
                    c.name,
                    c.column_type,
                    c.collation.as_deref().unwrap_or("binary")
                ),
                false => format!("{} {}", c.name, c.column_type),
            })
            .collect()
    };
    let (s, r) = (describe(source), describe(replica));
    (s != r).then(|| format!("source ({}) vs replica ({})", s.join(", "), r.join(", ")))
}

impl Report {
    /// 0 every table equal, 2 a difference found, 3 something could not be compared.
    pub fn exit_status(&self) -> u8 {
        if self.count(Verdict::Different) > 0 {
            2
        } else if self.count(Verdict::NotCompared) > 0 || self.interrupted {
            3
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Column;

    fn table(key_collation: &str, other_collation: &str) -> Table {
        let column = |name: &str, collation: &str| Column {
            name: name.into(),
            data_type: "varchar".into(),
            column_type: "varchar(10)".into(),
            charset: collation.split('_').next().map(Into::into),
            collation: Some(collation.into()),
            nullable: false,
            generated: false,
        };
        Table {
            schema: "app".into(),
            name: "t".into(),
            columns: vec![column("k", key_collation), column("v", other_collation)],
            key: vec![0],
            key_name: Some("PRIMARY".into()),
            estimated_rows: 0,
        }
    }

    /// Key literals carry the source's collation, so a key column must have the same one on
    /// both servers; other columns are hashed through one character set.
    #[test]
    fn a_key_column_of_another_collation_is_a_different_definition() {
        let source = table("utf8mb4_general_ci", "latin1_swedish_ci");
        assert!(
            definitions_differ(&source, &table("latin1_swedish_ci", "latin1_swedish_ci")).is_some()
        );
        assert!(definitions_differ(&source, &table("utf8mb4_general_ci", "utf8mb4_bin")).is_none());
    }
}
