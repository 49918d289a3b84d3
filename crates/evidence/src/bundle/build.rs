//! From raw captures to the model: the one function a live collection and a replayed bundle
//! share, so both give the diagnosis the same evidence.

use std::collections::HashSet;

use binlog::{EventData, EventType, EventWalk, Options, Render};

use crate::model::{
    BinlogEvent, ColumnValue, Evidence, LogTime, Obtained, Provenance, RowComparison,
    ServerEvidence, StatusSample,
};
use crate::text::records::{RowKind, add_row, classify};

use super::{Capture, CapturedFile, Collection, FileKind, RowSide, SliceEntry};

impl Collection {
    /// The evidence these captures hold: every row through the same classification the text
    /// parser uses, samples kept apart as taken, logs through the text parser, and the binlog
    /// slice decoded into events.
    pub fn evidence(&self) -> Evidence {
        let mut evidence = Evidence::default();
        for entry in &self.manifest.servers {
            let server = evidence.server_mut(Some(&entry.label));
            server.role = Some(entry.role);
        }
        // Once-per-server statements first, then each sample in order, so that every row of a
        // sample lands in that sample whatever order the servers were read in.
        let mut ordered: Vec<&Capture> = self.captures.iter().collect();
        ordered.sort_by_key(|c| c.sample.map_or(0, |s| s + 1));
        for capture in ordered.iter().filter(|c| c.row_lookup.is_none()) {
            add_capture(evidence.server_mut(Some(&capture.server)), capture);
        }
        add_row_comparisons(&mut evidence, &self.captures);
        for file in &self.files {
            add_file(&mut evidence, file);
        }
        if let (Some(bytes), Some(entry)) = (&self.binlog_slice, &self.manifest.binlog_slice) {
            let at = self.manifest.collected_at;
            evidence
                .server_mut(Some(&entry.server))
                .binlog_events
                .extend(slice_events(bytes, entry, at));
        }
        for server in &mut evidence.servers {
            identify(server);
        }
        evidence
    }
}

fn add_capture(server: &mut ServerEvidence, capture: &Capture) {
    let statement = capture.statement.to_ascii_lowercase();
    let Some(kind) = classify(&capture.columns, Some(&statement)) else {
        return;
    };
    if let Some(sample) = capture.sample {
        while server.samples.len() <= sample {
            server.samples.push(StatusSample {
                taken_at: Some(capture.captured_at),
                ..StatusSample::default()
            });
        }
        if kind == RowKind::Channel {
            // Read, with rows or none: no row means the server has no channel.
            server.samples[sample].replica_status_read = true;
        }
    }
    let origin = Provenance {
        how: Obtained::Query {
            statement: capture.statement.clone(),
        },
        captured_at: Some(capture.captured_at),
    };
    let mut keys = HashSet::new();
    for row in &capture.rows {
        let fields: Vec<(String, String)> = capture
            .columns
            .iter()
            .zip(row)
            .map(|(name, value)| {
                // The text parser reads `NULL` as the mysql client prints it.
                (name.clone(), value.clone().unwrap_or_else(|| "NULL".into()))
            })
            .collect();
        // The sample is chosen above, not guessed from repeated keys as for pasted text.
        keys.clear();
        // Live collection reads tables from information_schema, never as CREATE TABLE text:
        // a row of a capture has nothing that fails to read.
        let _ = add_row(
            server,
            &mut keys,
            kind,
            &fields,
            Some(&statement),
            origin.clone(),
        );
    }
}

/// Each incoming row next to the replica's and the source's rows with its key: the lookups
/// with the same table and key values, on the incoming row's server and on another one.
fn add_row_comparisons(evidence: &mut Evidence, captures: &[Capture]) {
    let row_of = |capture: &Capture| -> Option<Vec<ColumnValue>> {
        let row = capture.rows.first()?;
        Some(
            capture
                .columns
                .iter()
                .zip(row)
                .map(|(column, value)| ColumnValue {
                    column: column.clone(),
                    value: value.clone(),
                })
                .collect(),
        )
    };
    for incoming in captures {
        let Some(wanted) = incoming
            .row_lookup
            .as_ref()
            .filter(|l| l.side == RowSide::Incoming)
        else {
            continue;
        };
        let lookup = |side: RowSide, same_server: bool| {
            captures.iter().find(|c| {
                c.row_lookup.as_ref().is_some_and(|l| {
                    l.side == side && l.table == wanted.table && l.key_values == wanted.key_values
                }) && (c.server == incoming.server) == same_server
            })
        };
        let local = lookup(RowSide::Local, true);
        let source = lookup(RowSide::Source, false);
        let origin = Provenance {
            how: match local {
                Some(capture) => Obtained::Query {
                    statement: capture.statement.clone(),
                },
                None => Obtained::File {
                    path: super::SLICE_FILE.to_owned(),
                },
            },
            captured_at: Some(local.unwrap_or(incoming).captured_at),
        };
        let comparison = RowComparison {
            table: wanted.table.clone(),
            key_name: wanted.key_name.clone(),
            key_columns: wanted.key_columns.clone(),
            key_values: wanted.key_values.clone(),
            auto_increment_column: wanted.auto_increment_column.clone(),
            incoming: row_of(incoming).unwrap_or_default(),
            local_checked: local.is_some(),
            local: local.and_then(row_of),
            source_checked: source.is_some(),
            source: source.and_then(row_of),
            origin,
        };
        evidence
            .server_mut(Some(&incoming.server))
            .row_comparisons
            .push(comparison);
    }
}

/// Parses a log's text with the text parser and gives its lines to the server it belongs to.
fn add_file(evidence: &mut Evidence, file: &CapturedFile) {
    let entry = &file.entry;
    let mut parsed = crate::text::parse_text(&entry.read_from, &file.text).evidence;
    for server in &mut parsed.servers {
        server.label = Some(entry.server.clone());
        let relocate = |origin: &mut Provenance| {
            if let Obtained::Pasted { first_line, .. } = origin.how {
                origin.how = Obtained::File {
                    path: format!("{}:{first_line}", entry.read_from),
                };
            }
            origin.captured_at = Some(entry.captured_at);
        };
        for line in &mut server.error_log {
            relocate(&mut line.origin);
        }
        for line in &mut server.backup_log {
            relocate(&mut line.origin);
        }
        if entry.kind == FileKind::BackupLog {
            // A backup log says nothing about the server's identity or role.
            server.identity = Default::default();
            server.role = None;
        }
    }
    evidence.merge(parsed);
}

/// Flavor, version and ids from what the server said about itself.
fn identify(server: &mut ServerEvidence) {
    if let Some(version) = server.variables.version() {
        let release = dialect::Version::parse(version);
        server.identity.version = Some(version.to_owned());
        server.identity.flavor = release.map(|r| r.flavor).or(server.identity.flavor);
        server.identity.identified_by = Some("`SELECT @@version`".into());
    }
    server.identity.server_id = server.variables.server_id().or(server.identity.server_id);
    if let Some(uuid) = server.variables.server_uuid() {
        server.identity.server_uuid = Some(uuid.to_owned());
    }
}

/// The events of a binlog slice, as the model keeps events: type, positions in the source's
/// binlog, GTID, and the transaction's statements rendered as SQL on its last rows event.
/// Damage ends the list quietly: what was read before it is still right.
pub(crate) fn slice_events(
    bytes: &[u8],
    entry: &SliceEntry,
    captured_at: jiff::Timestamp,
) -> Vec<BinlogEvent> {
    let origin = Provenance {
        how: Obtained::File {
            path: format!("{} ({})", super::SLICE_FILE, entry.obtained_from),
        },
        captured_at: Some(captured_at),
    };
    let rendered = binlog::transactions_with(
        bytes,
        Options {
            render: Render {
                sql: true,
                for_reading: true,
                ..Render::default()
            },
            ..Options::default()
        },
    )
    .filter_map(Result::ok)
    .find(|t| t.contains_position(entry.end_log_pos));
    let gtid = rendered
        .as_ref()
        .and_then(|t| t.gtid.clone())
        .or(entry.gtid.clone());
    let mut events = Vec::new();
    let mut last_rows = None;
    for event in EventWalk::new(bytes) {
        let Ok(event) = event else { break };
        let event_type = event.event_type();
        if event_type == EventType::FORMAT_DESCRIPTION {
            continue;
        }
        let data = binlog::decode(&event).ok();
        let mut attributes = Vec::new();
        if let Some(EventData::Query(query)) = &data {
            attributes.push(("thread_id".to_owned(), query.thread_id.to_string()));
            attributes.push(("exec_time".to_owned(), query.exec_time.to_string()));
            attributes.push(("error_code".to_owned(), query.error_code.to_string()));
        }
        if matches!(data, Some(EventData::Rows(_))) {
            last_rows = Some(events.len());
        }
        let end_log_pos = u64::from(event.header.end_log_pos);
        events.push(BinlogEvent {
            log_file: Some(entry.source_log_file.clone()),
            start_position: end_log_pos
                .checked_sub(event.size())
                .filter(|_| end_log_pos > 0),
            end_log_pos: Some(end_log_pos).filter(|p| *p > 0),
            time: event_time(event.header.timestamp),
            server_id: Some(u64::from(event.header.server_id)),
            event_type: event_type_name(event_type),
            detail: data.as_ref().map(binlog::summary).unwrap_or_default(),
            attributes,
            gtid: gtid.clone(),
            body: Vec::new(),
            origin: origin.clone(),
        });
    }
    if let (Some(index), Some(t)) = (last_rows, rendered) {
        events[index].body = t.sql.iter().map(ToString::to_string).collect();
    }
    events
}

fn event_time(timestamp: u32) -> Option<LogTime> {
    let at = jiff::Timestamp::from_second(i64::from(timestamp)).ok()?;
    Some(LogTime {
        local: at.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
        utc_offset_seconds: Some(0),
    })
}

/// The names mysqlbinlog prints, which is how pasted events name their types.
fn event_type_name(event_type: EventType) -> String {
    let name = match event_type {
        EventType::QUERY => "Query",
        EventType::XID => "Xid",
        EventType::GTID | EventType::MARIA_GTID => "Gtid",
        EventType::ANONYMOUS_GTID => "Anonymous_Gtid",
        EventType::TABLE_MAP => "Table_map",
        EventType::WRITE_ROWS_V1 => "Write_rows_v1",
        EventType::UPDATE_ROWS_V1 => "Update_rows_v1",
        EventType::DELETE_ROWS_V1 => "Delete_rows_v1",
        EventType::WRITE_ROWS_V2 => "Write_rows",
        EventType::UPDATE_ROWS_V2 => "Update_rows",
        EventType::DELETE_ROWS_V2 => "Delete_rows",
        EventType::ROWS_QUERY => "Rows_query",
        EventType::MARIA_ANNOTATE_ROWS => "Annotate_rows",
        EventType::ROTATE => "Rotate",
        other => return other.to_string(),
    };
    name.to_owned()
}
