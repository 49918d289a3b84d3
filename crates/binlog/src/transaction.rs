//! Grouping events into transactions: from a GTID (or a `BEGIN`, in files without GTIDs) to the
//! XID, `COMMIT`, `ROLLBACK` or XA_PREPARE that ends it; a statement outside `BEGIN` is a
//! transaction of its own. Events inside a TRANSACTION_PAYLOAD are expanded in place.

use std::collections::BTreeMap;

use crate::error::Error;
use crate::event_type::EventType;
use crate::events::{EventData, RowsKind, decode};
use crate::walk::{Event, EventWalk};

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
}

impl Transaction {
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

/// The state between events.
#[derive(Debug, Default)]
struct Grouper {
    open: Option<Transaction>,
    /// Inside `BEGIN` ... `COMMIT`.
    in_begin: bool,
    /// The open transaction started with a MariaDB GTID flagged standalone.
    standalone: bool,
}

impl Grouper {
    fn open_with(&mut self, event: &Event<'_>) -> &mut Transaction {
        self.open.get_or_insert_with(|| Transaction {
            start_offset: event.offset,
            timestamp: event.header.timestamp,
            ..Transaction::default()
        })
    }

    /// Feeds one event (with `outer` = the event holding it in the file: itself, or the
    /// TRANSACTION_PAYLOAD around it). Returns a transaction that this event closed, and one
    /// left open that a new GTID displaced.
    fn feed(
        &mut self,
        event: &Event<'_>,
        outer: &Event<'_>,
        data: &EventData<'_>,
    ) -> (Option<Transaction>, Option<Transaction>) {
        let mut displaced = None;
        let mut closes = false;
        match data {
            EventData::Gtid(_) | EventData::MariaGtid(_) => {
                displaced = self.open.take();
                self.in_begin = false;
                self.standalone = matches!(data, EventData::MariaGtid(g) if g.is_standalone());
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
            return (displaced, None);
        }
        if matches!(data, EventData::TransactionPayload(_)) {
            // Its inner events are fed next; only count the container here.
            if let Some(open) = self.open.as_mut() {
                open.events += 1;
            }
            return (displaced, None);
        }
        let in_begin = self.in_begin;
        let standalone = self.standalone;
        let t = self.open_with(outer);
        t.events += 1;
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
            EventData::MariaGtid(g) => t.gtid = Some(g.to_gtid_string()),
            EventData::Query(q) => {
                if q.is_begin() {
                    self.in_begin = true;
                } else if q.is_commit_or_rollback() {
                    closes = true;
                } else {
                    t.statements
                        .push(String::from_utf8_lossy(&q.statement).into_owned());
                    // Outside BEGIN a statement is its own transaction (DDL, MyISAM writes).
                    closes = !in_begin || standalone;
                }
            }
            EventData::Xid(_) | EventData::XaPrepare(_) => closes = true,
            EventData::ExecuteLoadQuery(q) => {
                t.statements
                    .push(String::from_utf8_lossy(&q.query.statement).into_owned());
                closes = !in_begin;
            }
            EventData::RowsQuery(text) | EventData::AnnotateRows(text) => t
                .statements
                .push(String::from_utf8_lossy(text).into_owned()),
            EventData::TableMap(m) => {
                let name = m.qualified_name();
                if !t.tables.contains(&name) {
                    t.tables.push(name);
                }
            }
            EventData::Rows(r) => {
                let table = t.tables.last().cloned().unwrap_or_default();
                *t.rows_events.entry((table, r.kind)).or_default() += 1;
            }
            _ => {}
        }
        if closes {
            let mut done = self.open.take();
            if let Some(done) = done.as_mut() {
                done.complete = true;
            }
            self.in_begin = false;
            self.standalone = false;
            return (displaced, done);
        }
        (displaced, None)
    }
}

/// The transactions of a file, in order. A transaction the file ends inside is yielded with
/// `complete: false`; damage ends the iteration with the walk's error.
pub fn transactions(data: &[u8]) -> impl Iterator<Item = Result<Transaction, Error>> + '_ {
    let mut walk = EventWalk::new(data);
    let mut grouper = Grouper::default();
    let mut ready: std::collections::VecDeque<Result<Transaction, Error>> = Default::default();
    let mut finished = false;
    std::iter::from_fn(move || {
        loop {
            if let Some(next) = ready.pop_front() {
                return Some(next);
            }
            if finished {
                return None;
            }
            match walk.next() {
                None => {
                    finished = true;
                    ready.extend(grouper.open.take().map(Ok));
                }
                Some(Err(err)) => {
                    finished = true;
                    ready.extend(grouper.open.take().map(Ok));
                    ready.push_back(Err(err));
                }
                Some(Ok(event)) => {
                    if let Err(err) = feed_event(&mut grouper, &event, &mut ready) {
                        finished = true;
                        ready.extend(grouper.open.take().map(Ok));
                        ready.push_back(Err(err));
                    }
                }
            }
        }
    })
}

fn feed_event(
    grouper: &mut Grouper,
    event: &Event<'_>,
    ready: &mut std::collections::VecDeque<Result<Transaction, Error>>,
) -> Result<(), Error> {
    let data = decode(event)?;
    let (displaced, closed) = grouper.feed(event, event, &data);
    ready.extend(displaced.map(Ok));
    ready.extend(closed.map(Ok));
    if let EventData::TransactionPayload(payload) = &data {
        let inner = payload
            .decompress()
            .map_err(|e| e.into_error(event.offset, EventType::TRANSACTION_PAYLOAD))?;
        for inner_event in payload.inner_events(&inner) {
            let inner_event = inner_event.map_err(|mut e| {
                e.offset = event.offset;
                e
            })?;
            let inner_data = decode(&inner_event).map_err(|mut e| {
                e.offset = event.offset;
                e
            })?;
            let (displaced, closed) = grouper.feed(&inner_event, event, &inner_data);
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
    let wanted = gtid.trim().to_ascii_lowercase();
    for t in transactions(data) {
        let t = t?;
        if t.gtid.as_deref() == Some(wanted.as_str()) {
            return Ok(Some(t));
        }
    }
    Ok(None)
}
