//! Grouping events into transactions: from a GTID (or a `BEGIN`, in files without GTIDs) to the
//! XID, `COMMIT`, `ROLLBACK` or XA_PREPARE that ends it; a statement outside `BEGIN` is a
//! transaction of its own. Events inside a TRANSACTION_PAYLOAD are expanded in place.

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use crate::error::{DecodeError, DecodeResult, Error, ErrorKind};
use crate::events::{EventData, Rows, RowsKind, decode};
use crate::format::FormatDescription;
use crate::mmap::MappedFile;
use crate::schema::Schema;
use crate::sql::{self, SessionState, Statements};
use crate::values::TableMaps;
use crate::walk::{Event, EventWalk};

/// What to render of each transaction's contents besides its summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Render {
    /// Fill [`Transaction::sql`] with its statements as SQL.
    pub sql: bool,
    /// ... with the statements that revert it instead, last change first (flashback).
    pub undo: bool,
    /// Fill [`Transaction::rows`] with each row change as JSON.
    pub json: bool,
    /// SQL for a person to read (evidence), not to run: no session statements, and rows
    /// whose columns the binlog does not name written with `@1`, `@2` as `mysqlbinlog -v`
    /// does, instead of left out.
    pub for_reading: bool,
}

impl Render {
    /// Whether statements that set the session go with the SQL (it is to be run forward).
    fn sets_session(self) -> bool {
        self.sql && !self.undo && !self.for_reading
    }
}

/// Which part of a file to read and what to render.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options<'a> {
    /// Start at the event at this offset (it must be an event's first byte).
    pub start_offset: Option<u64>,
    /// Stop before the first event that starts at or after this offset.
    pub stop_offset: Option<u64>,
    pub render: Render,
    /// Read without verifying CRC32s (framing is still checked).
    pub skip_checksums: bool,
    /// Names for the columns of tables the binlog does not name (see [`Schema`]).
    pub column_names: Option<&'a Schema>,
}

/// One transaction, summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    /// `uuid:n`, `uuid:tag:n` or `domain-server-seq`; `None` for anonymous transactions.
    pub gtid: Option<String>,
    /// Offset of its first event (the GTID, or `BEGIN`).
    pub start_offset: u64,
    /// Offset of the byte after its last event.
    pub end_offset: u64,
    /// `end_log_pos` in the header of the first and last events that carry one (in a relay log:
    /// positions in the source's binlog).
    pub first_end_log_pos: Option<u32>,
    pub last_end_log_pos: Option<u32>,
    /// Events in it (inner events of a payload included).
    pub events: u64,
    /// `schema`.`table` of each table map, in first-seen order.
    pub tables: Vec<String>,
    /// Rows events per table and operation.
    pub rows_events: BTreeMap<(String, RowsKind), u64>,
    /// Statements: queries (other than BEGIN/COMMIT), ROWS_QUERY and ANNOTATE_ROWS texts.
    pub statements: Vec<String>,
    /// (`last_committed`, `sequence_number`) from a MySQL GTID event.
    pub logical_clock: Option<(i64, i64)>,
    /// Timestamp (seconds) in the header of the first event.
    pub timestamp: u32,
    /// False when the file ended (or was damaged) before the transaction's end.
    pub complete: bool,
    /// Its statements as SQL (queries, and one statement per row change), or the statements
    /// that revert it, when asked with [`Render`].
    pub sql: Vec<String>,
    /// Its row changes as JSON, when asked with [`Render`].
    pub rows: Vec<serde_json::Value>,
    /// Rows changed, per table and operation.
    pub row_counts: BTreeMap<(String, RowsKind), u64>,
    /// Bytes of its events in the file.
    pub size: u64,
    /// MariaDB's group-commit id: transactions with the same id committed together on the
    /// source and may be applied in parallel.
    pub commit_id: Option<u64>,
    /// Each table it wrote rows to, with whether the table has a primary key (`None` when the
    /// binlog does not say: MySQL writes it only with `binlog_row_metadata=FULL`).
    pub primary_keys: BTreeMap<String, Option<bool>>,
    /// What could not be done as asked, for the reader to hear: a table the column names
    /// given do not fit, a statement `--undo` cannot revert, rows that cannot be written as
    /// runnable SQL. Its SQL does not replay (or revert) exactly.
    pub warnings: Vec<String>,
    /// Replayed between `BEGIN` and `COMMIT`: opened by a `BEGIN` query, or by a MariaDB GTID
    /// that implies one. False for a statement on its own (DDL, a non-transactional write)
    /// and for an XA transaction, whose own XA statements bound it.
    pub transactional: bool,
    /// Ended by `ROLLBACK` (a transaction that also changed a non-transactional table).
    pub rolled_back: bool,
}

impl Transaction {
    /// What opens the transaction's SQL: `BEGIN;` when it is replayed as one transaction.
    pub fn sql_opening(&self) -> &'static str {
        if self.transactional { "BEGIN;\n" } else { "" }
    }

    /// What closes it: `COMMIT;`, or `ROLLBACK;` as the binlog ended it (its undo commits:
    /// undoing a rolled-back transaction's logged changes is itself a change); nothing for a
    /// statement on its own, or a transaction the file ends inside (it never committed).
    pub fn sql_closing(&self, undo: bool) -> &'static str {
        match (
            self.transactional && self.complete,
            self.rolled_back && !undo,
        ) {
            (false, _) => "",
            (true, false) => "COMMIT;",
            (true, true) => "ROLLBACK;",
        }
    }

    /// Whether this is the transaction with GTID `gtid` (as a DBA may type it: spaces around,
    /// capitals in the UUID).
    pub fn has_gtid(&self, gtid: &str) -> bool {
        self.gtid
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(gtid.trim()))
    }

    /// Whether `position` (an `end_log_pos` from an error message) falls inside this
    /// transaction, as a file offset or as a header position (relay logs).
    pub fn contains_position(&self, position: u64) -> bool {
        let by_offset = self.start_offset < position && position <= self.end_offset;
        let by_header = match (self.first_end_log_pos, self.last_end_log_pos) {
            (Some(first), Some(last)) => {
                u64::from(first) <= position && position <= u64::from(last)
            }
            _ => false,
        };
        by_offset || by_header
    }
}

/// The largest statements buffer kept for reuse.
const RECYCLED_BYTES: usize = 16 << 20;

/// A transaction with its statements as rendered, before they are handed over, and the
/// FORMAT_DESCRIPTION in force where it starts (to read it again from there).
#[derive(Debug)]
struct Finished<'a> {
    transaction: Transaction,
    sql: Statements,
    format: FormatDescription<'a>,
}

/// The transaction being read, with the FORMAT_DESCRIPTION in force where it started.
#[derive(Debug)]
struct Open<'a> {
    transaction: Transaction,
    format: FormatDescription<'a>,
}

/// The state between events.
#[derive(Debug, Default)]
struct Grouper<'a> {
    open: Option<Open<'a>>,
    /// The open transaction's statements (when rendered).
    sql: Statements,
    /// An emptied buffer handed back by the caller, for the next transaction's statements.
    spare: Statements,
    /// Inside `BEGIN` ... `COMMIT`.
    in_begin: bool,
    /// The open transaction started with a MariaDB GTID flagged standalone.
    standalone: bool,
    render: Render,
    /// The table maps in force, kept when rows are rendered or counted.
    maps: TableMaps,
    /// Names for columns the binlog does not name.
    names: Option<&'a Schema>,
    /// The session the rendered statements run in.
    session: SessionState,
}

impl<'a> Grouper<'a> {
    /// Feeds one event (with `outer` = the event holding it in the file: itself, or the
    /// TRANSACTION_PAYLOAD around it). Returns a transaction left open that a new GTID
    /// displaced, and one that this event closed.
    fn feed(
        &mut self,
        event: &Event<'_>,
        outer: &Event<'a>,
        data: &EventData<'_>,
    ) -> DecodeResult<(Option<Finished<'a>>, Option<Finished<'a>>)> {
        let mut displaced = None;
        let mut closes = false;
        match data {
            EventData::Gtid(_) | EventData::MariaGtid(_) => {
                displaced = self.finish();
                // A MariaDB GTID replaces BEGIN: unless standalone (DDL, XA COMMIT), the group
                // runs to its XID, COMMIT or XA PREPARE even without a BEGIN query.
                self.standalone =
                    matches!(data, EventData::MariaGtid(g) if g.is_single_statement());
                self.in_begin = matches!(data, EventData::MariaGtid(_)) && !self.standalone;
            }
            _ => {}
        }
        let structural = matches!(
            data,
            EventData::FormatDescription(_)
                | EventData::Rotate(_)
                | EventData::Stop
                | EventData::PreviousGtids(_)
                | EventData::MariaGtidList(_)
                | EventData::BinlogCheckpoint(_)
                | EventData::StartEncryption(_)
                | EventData::Heartbeat(_)
        );
        if structural && self.open.is_none() {
            return Ok((displaced, None));
        }
        if matches!(data, EventData::TransactionPayload(_)) {
            // Its inner events are fed next; only count the container here.
            if let Some(open) = self.open.as_mut() {
                open.transaction.events += 1;
                open.transaction.size += outer.size();
            }
            return Ok((displaced, None));
        }
        let in_begin = self.in_begin;
        let standalone = self.standalone;
        let render = self.render;
        let mut warning = None;
        if let EventData::TableMap(m) = data {
            let (table, mismatch) = self.maps.insert_named(m, self.names);
            if let (Some(given), Some(names)) = (mismatch, self.names)
                && names.note_mismatch(&table.schema, &table.table)
            {
                warning = Some(format!(
                    "the schema given has {given} column(s) for {}, the binlog's table map {}: \
                     its columns stay @1, @2, ...",
                    table.quoted_table,
                    table.columns.len()
                ));
            }
        }
        let new = self.open.is_none();
        let inner = !std::ptr::eq(event, outer);
        let t = &mut self
            .open
            .get_or_insert_with(|| Open {
                transaction: Transaction {
                    start_offset: outer.offset,
                    timestamp: outer.header.timestamp,
                    ..Transaction::default()
                },
                format: outer.format,
            })
            .transaction;
        t.events += 1;
        t.warnings.extend(warning);
        if new || !inner {
            t.size += outer.size();
        }
        t.end_offset = outer.end_offset();
        if event.header.end_log_pos != 0 && event.offset == outer.offset {
            t.first_end_log_pos.get_or_insert(event.header.end_log_pos);
            t.last_end_log_pos = Some(event.header.end_log_pos);
        }
        match data {
            EventData::Gtid(g) => {
                if !g.is_anonymous() {
                    t.gtid = Some(g.to_gtid_string());
                }
                t.logical_clock = g.logical_clock;
            }
            EventData::MariaGtid(g) => {
                t.gtid = Some(g.to_gtid_string());
                t.commit_id = g.commit_id;
                t.transactional = !g.is_single_statement();
            }
            EventData::Query(q) if q.is_begin() => {
                self.in_begin = true;
                t.transactional = true;
            }
            EventData::Query(q) if q.is_commit_or_rollback() => {
                t.rolled_back = !q.statement.eq_ignore_ascii_case(b"COMMIT");
                closes = true;
            }
            EventData::Query(q) => {
                let text = String::from_utf8_lossy(&q.statement).into_owned();
                if q.is_xa_start() {
                    // Its own XA statements bound it.
                    self.in_begin = true;
                    t.transactional = false;
                }
                if render.sql && render.undo {
                    self.sql.push(&format!(
                        "-- not reverted (a statement, not row changes): {}",
                        text.replace('\n', " ")
                    ));
                    t.warnings.push(format!(
                        "{} holds a statement, which has no before image to revert it \
                         from: `{}` is left out of the undo SQL",
                        transaction_name(t),
                        shortened(&text)
                    ));
                } else if render.sql {
                    if render.sets_session() {
                        self.session.before_query(
                            q,
                            event.header.flags,
                            event.header.timestamp,
                            event.format.flavor == crate::format::Flavor::MariaDb,
                            &mut self.sql,
                        );
                    }
                    push_statement(&mut self.sql, &q.statement);
                }
                t.statements.push(text);
                // Outside BEGIN a statement is its own transaction (DDL, MyISAM writes).
                closes = !in_begin || standalone || q.is_xa_commit_or_rollback();
            }
            EventData::XaPrepare(x) => {
                if render.sql && !render.undo {
                    self.sql.push(&xa_prepare_sql(x));
                }
                closes = true;
            }
            EventData::Xid(_) => closes = true,
            EventData::Intvar(v) if render.sets_session() => self.session.intvar(v),
            EventData::Rand(r) if render.sets_session() => self.session.rand(r),
            EventData::UserVar(v) if render.sets_session() => self.session.user_var(v),
            EventData::ExecuteLoadQuery(q) => {
                let text = String::from_utf8_lossy(&q.query.statement).into_owned();
                if render.sql {
                    self.sql.push(&format!(
                        "-- not replayed (LOAD DATA, its file is in the binlog's load blocks): {}",
                        text.replace('\n', " ")
                    ));
                    t.warnings.push(format!(
                        "{} holds a LOAD DATA statement, which this SQL cannot replay: \
                         `{}` is left out; replay it with mariadb-binlog or mysqlbinlog",
                        transaction_name(t),
                        shortened(&text)
                    ));
                }
                t.statements.push(text);
                closes = !in_begin;
            }
            EventData::RowsQuery(text) | EventData::AnnotateRows(text) => {
                let text = String::from_utf8_lossy(text).into_owned();
                if render.sql && !render.undo {
                    self.sql.push(&format!("-- {}", text.replace('\n', " ")));
                }
                t.statements.push(text);
            }
            EventData::TableMap(m) => {
                let name = m.qualified_name();
                if !t.tables.contains(&name) {
                    t.tables.push(name);
                }
            }
            EventData::Rows(r) => {
                let table = t.tables.last().map_or("", String::as_str);
                count_in(&mut t.rows_events, table, r.kind, 1);
                if !in_begin {
                    // Its opening was not read (a reading from inside it): rows are in one.
                    t.transactional = true;
                }
                if render.sets_session() {
                    // Row values are written for the base session.
                    self.session.restore(&mut self.sql);
                }
                render_rows(&self.maps, r, render, t, &mut self.sql)?;
            }
            _ => {}
        }
        if closes {
            t.complete = true;
            self.in_begin = false;
            self.standalone = false;
            return Ok((displaced, self.finish()));
        }
        Ok((displaced, None))
    }

    /// Hands over the open transaction (closed, displaced, or left open where the reading
    /// ended) with its statements, last first for undo.
    fn finish(&mut self) -> Option<Finished<'a>> {
        let mut open = self.open.take()?;
        if self.render.sets_session() {
            self.session.end_transaction(&mut self.sql);
        }
        open.transaction.warnings.append(&mut self.session.warnings);
        let mut sql = std::mem::replace(&mut self.sql, std::mem::take(&mut self.spare));
        if self.render.undo {
            sql.reverse();
        }
        Some(Finished {
            transaction: open.transaction,
            sql,
            format: open.format,
        })
    }

    /// Keeps a buffer the caller is done with for the statements of a later transaction,
    /// unless a large transaction grew it: that memory goes back once the transaction is done.
    fn recycle(&mut self, mut sql: Statements) {
        if sql.capacity() <= RECYCLED_BYTES {
            sql.clear();
            self.spare = sql;
        }
    }
}

/// A logged statement as it was sent (in its client's character set), ended by `;`.
fn push_statement(sql: &mut Statements, statement: &[u8]) {
    let trimmed = statement.trim_ascii_end();
    let trimmed = trimmed.strip_suffix(b";").unwrap_or(trimmed);
    let mut text = Vec::with_capacity(trimmed.len() + 1);
    text.extend_from_slice(trimmed);
    text.push(b';');
    sql.push_bytes(&text);
}

/// The statement an XA_PREPARE event stands for, with the XID in hex as the server prints it.
fn xa_prepare_sql(x: &crate::events::control::XaPrepare<'_>) -> String {
    let mut xid = Vec::new();
    sql::write_hex_literal(&mut xid, x.gtrid);
    xid.push(b',');
    sql::write_hex_literal(&mut xid, x.bqual);
    let xid = String::from_utf8_lossy(&xid);
    if x.one_phase {
        format!("XA COMMIT {xid},{} ONE PHASE;", x.format_id)
    } else {
        format!("XA PREPARE {xid},{};", x.format_id)
    }
}

/// How a warning names a transaction: its GTID, or where it starts.
fn transaction_name(t: &Transaction) -> String {
    match &t.gtid {
        Some(gtid) => format!("transaction {gtid}"),
        None => format!("the transaction at offset {}", t.start_offset),
    }
}

/// The start of a statement, on one line, for a message.
fn shortened(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

/// Adds `n` to the count of a table and operation, without making a key when it has one.
fn count_in(counts: &mut BTreeMap<(String, RowsKind), u64>, table: &str, kind: RowsKind, n: u64) {
    // A transaction touches a few tables: a scan finds the entry sooner than building a key.
    match counts
        .iter_mut()
        .find(|((t, k), _)| *k == kind && t == table)
    {
        Some((_, count)) => *count += n,
        None => {
            counts.insert((table.to_owned(), kind), n);
        }
    }
}

/// Counts (and renders, when asked) the rows of a rows event.
fn render_rows(
    maps: &TableMaps,
    rows: &Rows<'_>,
    render: Render,
    t: &mut Transaction,
    sql: &mut Statements,
) -> DecodeResult<()> {
    let Some(schema) = maps.get(rows.table_id) else {
        if render.sql {
            sql.push(&format!(
                "-- rows of table id {} whose table map was not read",
                rows.table_id
            ));
            t.warnings.push(format!(
                "{} has rows of table id {}, whose table map was not read (the reading \
                 started after it): they are left out of the SQL",
                transaction_name(t),
                rows.table_id
            ));
        }
        return Ok(());
    };
    let table = schema.quoted_table.as_str();
    if !t.primary_keys.contains_key(table) {
        t.primary_keys
            .insert(table.to_owned(), schema.has_primary_key);
    }
    // An UPDATE or DELETE (or the undo of an INSERT or UPDATE) finds its row by column
    // names: without them (`@1 = ...` compares a user variable) it would run and change
    // nothing, so it is not written as a statement.
    let finds_rows = !matches!(
        (rows.kind, render.undo),
        (RowsKind::Write, false) | (RowsKind::Delete, true)
    );
    let unnamed = render.sql
        && !render.for_reading
        && finds_rows
        && !schema.has_names
        && !schema.named_by_caller;
    let mut count = 0;
    let mut row_iter = schema.rows(rows);
    // One pair of images for all the rows of the event.
    let (mut before, mut after) = (Vec::new(), Vec::new());
    while let Some(read) = row_iter.next_into(&mut before, &mut after) {
        read?;
        count += 1;
        if render.sql && !unnamed {
            sql.push_with(|out| {
                sql::write_row_statement(out, schema, rows.kind, &before, &after, render.undo)
            })?;
        }
        if render.json {
            t.rows
                .push(sql::row_json(schema, rows.kind, &before, &after)?);
        }
    }
    if unnamed {
        sql.push(&format!(
            "-- {count} row(s) {} on {table} not written: the binlog does not name its \
             columns (binlog_row_metadata=MINIMAL) and no --schema names them",
            rows.kind.name()
        ));
        t.warnings.push(format!(
            "{} {} {count} row(s) of {table}, whose columns the binlog does not name: \
             they are left out (give the table's CREATE TABLE with --schema)",
            transaction_name(t),
            if render.undo { "reverts" } else { "changes" },
        ));
    }
    count_in(&mut t.row_counts, table, rows.kind, count);
    Ok(())
}

/// The transactions of a file, in order. A transaction the file ends inside is yielded with
/// `complete: false`; damage ends the iteration with the walk's error.
pub fn transactions(data: &[u8]) -> Transactions<'_> {
    transactions_with(data, Options::default())
}

/// [`transactions`] over part of a file, with their statements rendered as asked.
pub fn transactions_with<'a>(data: &'a [u8], options: Options<'a>) -> Transactions<'a> {
    Transactions {
        walk: EventWalk::new(data)
            .start_at(options.start_offset.unwrap_or(0))
            .verify_checksums(!options.skip_checksums),
        stop_offset: options.stop_offset,
        grouper: Grouper {
            render: options.render,
            names: options.column_names,
            ..Grouper::default()
        },
        ready: VecDeque::new(),
        finished: false,
    }
}

/// The transactions of a file, read as they are asked for (see [`transactions_with`]).
#[derive(Debug)]
pub struct Transactions<'a> {
    walk: EventWalk<'a>,
    stop_offset: Option<u64>,
    grouper: Grouper<'a>,
    /// Transactions (or the error that ended the reading) waiting to be handed over.
    ready: VecDeque<Result<Finished<'a>, Error>>,
    finished: bool,
}

impl Iterator for Transactions<'_> {
    type Item = Result<Transaction, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.next_finished()?.map(|finished| {
            let mut t = finished.transaction;
            t.sql = finished.sql.iter().map(Cow::into_owned).collect();
            self.grouper.recycle(finished.sql);
            t
        }))
    }
}

impl<'a> Transactions<'a> {
    /// The next transaction with its statements in `sql` (replacing what it held) rather than
    /// in [`Transaction::sql`], which stays empty: reading a file this way reuses the same
    /// buffers from one transaction to the next.
    pub fn next_into(&mut self, sql: &mut Statements) -> Option<Result<Transaction, Error>> {
        Some(self.next_finished()?.map(|mut finished| {
            std::mem::swap(sql, &mut finished.sql);
            self.grouper.recycle(finished.sql);
            finished.transaction
        }))
    }

    /// Reads from `offset`, an event's start where `format` is in force, instead of from
    /// where the options said, without reading what comes before.
    fn resume_at(mut self, offset: u64, format: FormatDescription<'a>) -> Self {
        self.walk = self.walk.resume_at(offset, format);
        self
    }

    fn next_finished(&mut self) -> Option<Result<Finished<'a>, Error>> {
        loop {
            if let Some(next) = self.ready.pop_front() {
                return Some(next);
            }
            if self.finished {
                return None;
            }
            match self.walk.next() {
                Some(Ok(event)) if self.stop_offset.is_none_or(|stop| event.offset < stop) => {
                    if let Err(err) = feed_event(&mut self.grouper, &event, &mut self.ready) {
                        self.end(Some(err));
                    }
                }
                None | Some(Ok(_)) => self.end(None),
                Some(Err(err)) => self.end(Some(err)),
            }
        }
    }

    /// Stops reading: the open transaction is handed over as it is, then the error, if any.
    fn end(&mut self, err: Option<Error>) {
        self.finished = true;
        self.ready.extend(self.grouper.finish().map(Ok));
        self.ready.extend(err.map(Err));
    }
}

/// Bytes of the file read again at a time by [`newest_first`]: its memory is about what the
/// transactions of this many bytes take once rendered.
const CHUNK_BYTES: u64 = 4 << 20;

/// Where a reading can start again without reading what comes before.
#[derive(Debug, Clone, Copy)]
struct ResumePoint<'a> {
    offset: u64,
    format: FormatDescription<'a>,
}

/// The transactions of a mapped file, newest first, each with its statements (the reading
/// [`newest_first`] makes for undo SQL).
#[derive(Debug)]
pub struct NewestFirst<'a> {
    file: &'a MappedFile,
    options: Options<'a>,
    /// Where each stretch of transactions still to read starts, oldest first: the last one
    /// is read next.
    chunks: Vec<ResumePoint<'a>>,
    /// Where the stretch read next ends.
    chunk_end: u64,
    /// The transactions of the stretch being handed over, oldest first.
    current: Vec<(Transaction, Statements)>,
    /// The damage that ended the first reading, handed over last.
    damage: Option<Error>,
}

/// The transactions of a file, newest first (the order that reverts them), rendered as
/// `options` say, in memory bounded whatever the file size (one transaction larger than that
/// aside). A first reading notes where every few megabytes a transaction starts (and the
/// format in force there), handing the mapped pages back as it goes; each stretch is then read
/// again from the end of the file back, rendered, and handed over last transaction first.
/// Damage that ended the first reading is handed over last, as by [`transactions_with`].
pub fn newest_first<'a>(file: &'a MappedFile, options: Options<'a>) -> NewestFirst<'a> {
    newest_first_in(file, options, CHUNK_BYTES)
}

/// [`newest_first`] with stretches of `chunk_bytes`.
fn newest_first_in<'a>(
    file: &'a MappedFile,
    options: Options<'a>,
    chunk_bytes: u64,
) -> NewestFirst<'a> {
    let plain = Options {
        render: Render::default(),
        ..options
    };
    let mut reading = transactions_with(file.bytes(), plain);
    let mut chunks: Vec<ResumePoint<'_>> = Vec::new();
    let mut chunk_end = 0;
    let mut damage = None;
    while let Some(next) = reading.next_finished() {
        match next {
            Ok(finished) => {
                let t = &finished.transaction;
                if chunks
                    .last()
                    .is_none_or(|chunk| t.start_offset >= chunk.offset + chunk_bytes)
                {
                    chunks.push(ResumePoint {
                        offset: t.start_offset,
                        format: finished.format,
                    });
                }
                chunk_end = t.end_offset;
                file.release_before(t.end_offset);
            }
            Err(err) => {
                damage = Some(err);
                break;
            }
        }
    }
    NewestFirst {
        file,
        options,
        chunks,
        chunk_end,
        current: Vec::new(),
        damage,
    }
}

impl Iterator for NewestFirst<'_> {
    type Item = Result<(Transaction, Statements), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(done) = self.current.pop() {
                return Some(Ok(done));
            }
            let Some(chunk) = self.chunks.pop() else {
                return self.damage.take().map(Err);
            };
            // The stretch read before this one (after it in the file) is done with.
            self.file.release_from(self.chunk_end);
            let options = Options {
                start_offset: None,
                stop_offset: Some(self.chunk_end),
                ..self.options
            };
            let mut reading =
                transactions_with(self.file.bytes(), options).resume_at(chunk.offset, chunk.format);
            while let Some(next) = reading.next_finished() {
                match next {
                    Ok(finished) => self.current.push((finished.transaction, finished.sql)),
                    // The first reading went through these bytes: they cannot be damaged
                    // now unless the file changed under us.
                    Err(err) => {
                        self.chunks.clear();
                        self.current.clear();
                        self.damage = None;
                        return Some(Err(err));
                    }
                }
            }
            self.chunk_end = chunk.offset;
        }
    }
}

/// An error inside a TRANSACTION_PAYLOAD, placed at the payload's offset in the file.
fn inside_payload(payload_offset: u64, err: Error) -> Error {
    Error {
        offset: payload_offset,
        kind: ErrorKind::InsidePayload {
            inner_offset: err.offset,
            inner: Box::new(err.kind),
        },
    }
}

fn feed_event<'a>(
    grouper: &mut Grouper<'a>,
    event: &Event<'a>,
    ready: &mut VecDeque<Result<Finished<'a>, Error>>,
) -> Result<(), Error> {
    let data = decode(event)?;
    let tie = |e: DecodeError| e.into_error(event.offset, event.event_type());
    let (displaced, closed) = grouper.feed(event, event, &data).map_err(tie)?;
    ready.extend(displaced.map(Ok));
    ready.extend(closed.map(Ok));
    if let EventData::TransactionPayload(payload) = &data {
        let inner = payload.decompress().map_err(tie)?;
        for inner_event in payload.inner_events(&inner) {
            let inner_event = inner_event.map_err(|e| inside_payload(event.offset, e))?;
            let inner_data = decode(&inner_event).map_err(|e| inside_payload(event.offset, e))?;
            let (displaced, closed) =
                grouper
                    .feed(&inner_event, event, &inner_data)
                    .map_err(|e| {
                        inside_payload(
                            event.offset,
                            e.into_error(inner_event.offset, inner_event.event_type()),
                        )
                    })?;
            ready.extend(displaced.map(Ok));
            ready.extend(closed.map(Ok));
        }
    }
    Ok(())
}

/// The transaction containing `position` (an `end_log_pos` as printed in `Last_SQL_Error`).
pub fn find_by_position(data: &[u8], position: u64) -> Result<Option<Transaction>, Error> {
    for t in transactions(data) {
        let t = t?;
        if t.contains_position(position) {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The transaction with this GTID (`uuid:n`, `uuid:tag:n` or `domain-server-seq`).
pub fn find_by_gtid(data: &[u8], gtid: &str) -> Result<Option<Transaction>, Error> {
    for t in transactions(data) {
        let t = t?;
        if t.has_gtid(gtid) {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The first transaction of a mapped file for which `wanted` holds, read a second time from
/// where it starts with its statements rendered as `options` say. The pages read are handed
/// back as it goes, so memory stays bounded whatever the file size.
pub fn find(
    file: &MappedFile,
    options: Options<'_>,
    mut wanted: impl FnMut(&Transaction) -> bool,
) -> Result<Option<(Transaction, Statements)>, Error> {
    let plain = Options {
        render: Render::default(),
        ..options
    };
    let mut reading = transactions_with(file.bytes(), plain);
    while let Some(next) = reading.next_finished() {
        let finished = next?;
        let t = &finished.transaction;
        if wanted(t) {
            let again = Options {
                start_offset: None,
                stop_offset: Some(t.end_offset),
                ..options
            };
            let mut sql = Statements::default();
            return transactions_with(file.bytes(), again)
                .resume_at(t.start_offset, finished.format)
                .next_into(&mut sql)
                .transpose()
                .map(|found| found.map(|t| (t, sql)));
        }
        file.release_before(t.end_offset);
    }
    Ok(None)
}

/// The transactions whose first event's timestamp (seconds since the epoch, as in the event
/// header) falls in `[from, to]`.
pub fn find_in_time_window(data: &[u8], from: u32, to: u32) -> Result<Vec<Transaction>, Error> {
    let mut out = Vec::new();
    for t in transactions(data) {
        let t = t?;
        if (from..=to).contains(&t.timestamp) {
            out.push(t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newest first, in stretches of a few kilobytes (many re-readings from a resume point),
    /// gives the transactions of a forward reading, with the same undo statements, reversed.
    #[test]
    fn newest_first_is_the_forward_reading_reversed() {
        let Some(dir) = crate::fixtures_dir::fixtures_dir() else {
            return;
        };
        let options = Options {
            render: Render {
                sql: true,
                undo: true,
                json: true,
                for_reading: false,
            },
            ..Options::default()
        };
        for name in [
            "mariadb-poc/domain_id_0/mariadb-repl-bin.000002",
            "generated-mariadb-10.11/primary/mariadb-bin.000001",
            "generated-mariadb-10.11/replica-relay/replica-relay-bin.000005",
            "rust_mysql_common/ver_5_1_23.001",
            "rust_mysql_common/ver_trunk_row_v2.001",
        ] {
            let file = MappedFile::open(&dir.join(name)).unwrap();
            let mut forward = Vec::new();
            let mut reading = transactions_with(file.bytes(), options);
            loop {
                let mut sql = Statements::default();
                match reading.next_into(&mut sql) {
                    Some(Ok(t)) => forward.push((t, sql)),
                    Some(Err(err)) => panic!("{name}: {err}"),
                    None => break,
                }
            }
            assert!(forward.len() > 3, "{name}: {} transactions", forward.len());
            for chunk_bytes in [1, 4 << 10, CHUNK_BYTES] {
                let backward: Vec<_> = newest_first_in(&file, options, chunk_bytes)
                    .map(|item| item.unwrap())
                    .collect();
                let mut expected = forward.clone();
                expected.reverse();
                assert_eq!(backward.len(), expected.len(), "{name}, {chunk_bytes}");
                for (got, want) in backward.iter().zip(&expected) {
                    assert_eq!(got, want, "{name}, stretches of {chunk_bytes} bytes");
                }
            }
        }
    }
}
