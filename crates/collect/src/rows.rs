//! After a duplicate-key (1062) or missing-row (1032) error: the failing event's row from the
//! binlog slice, the table's key columns on the replica, and the rows with that key on the
//! replica and on the source, each kept as a capture marked with a [`RowLookup`] so that a
//! bundle replays the comparison. One row per server, each statement under the query time
//! limit; whatever cannot be read is a gap.

use binlog::values::TableMaps;
use binlog::{EventData, EventWalk, Value};

use dialect::catalogue::{ROW_BY_KEY, SESSION_UTC};
use evidence::bundle::{Capture, Collection, Gap, GapCause, Item, RowLookup, RowSide, SLICE_FILE};
use evidence::model::{ApplierErrorMessage, Role};
use session::Session;
use session::dsn::Endpoint;

use super::CollectOptions;
use super::recorder::{Recorder, role_name};
use super::tables;

/// Rows of the failing event read while looking for the one that failed.
const MAX_ROWS_SEARCHED: usize = 10_000;

/// The error the replica's applier stopped on, as far as the lookup needs it.
struct Failure {
    errno: u32,
    /// The value and key named by `Duplicate entry 'V' for key 'K'`.
    duplicate: Option<(String, String)>,
}

/// The failing rows event's table and row images (`(column index, value)`).
struct IncomingRows {
    schema: String,
    table: String,
    rows: Vec<Vec<(usize, Cell)>>,
}

/// One value of an incoming row: text, or an ENUM index or SET bits the binlog did not name
/// (`binlog_row_metadata=MINIMAL`), named later from the column's type on the replica.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(Option<String>),
    /// CHAR, VARCHAR, BLOB, BINARY: the bytes as stored.
    Bytes(Vec<u8>),
    Enum(u16),
    Set(u64),
}

/// The table's columns by ordinal (0-based) with their types, and its unique keys' columns in
/// key order.
struct TableKeys {
    columns: Vec<String>,
    types: Vec<String>,
    keys: Vec<(String, Vec<usize>)>,
    /// The AUTO_INCREMENT column, if the table has one.
    auto_increment: Option<usize>,
}

type Row = Vec<(usize, Option<String>)>;

/// Reads the definitions of the tables in the binlog slice on the replica, then, when its
/// applier failed with 1062 or 1032 and the slice holds the failing rows event, adds the row
/// captures.
pub(crate) async fn add_tables_and_rows(
    collection: &mut Collection,
    replica: &Endpoint,
    replica_label: &str,
    source: Option<&Endpoint>,
    options: &CollectOptions,
) {
    let (Some(bytes), Some(entry)) = (&collection.binlog_slice, &collection.manifest.binlog_slice)
    else {
        return;
    };
    let tables = tables::in_slice(bytes);
    let failure = failure_of(collection, replica_label);
    let incoming = failure
        .as_ref()
        .and_then(|f| incoming_rows(bytes, entry.end_log_pos, f.errno));
    let statement = format!(
        "row image of the failing event in {SLICE_FILE} (end_log_pos {})",
        entry.end_log_pos
    );
    if failure.is_some() && incoming.is_none() {
        gap(
            collection,
            replica_label,
            GapCause::NotUsable,
            "no rows event in the binlog slice",
        );
    }
    if tables.is_empty() {
        return;
    }
    let role_of = |label: &str| {
        collection
            .server(label)
            .map_or(Role::Replica, |server| server.role)
    };
    let replica_role = role_of(replica_label);
    let source_role = source.map(|s| role_of(&s.to_string()));
    let Some(mut replica_session) = open(replica, replica_role, options).await else {
        gap(
            collection,
            replica_label,
            GapCause::Unreachable,
            "the replica could not be reached again",
        );
        return;
    };
    tables::read_definitions(&mut replica_session, &tables).await;
    let mut captures = Vec::new();
    let mut sessions = Vec::new();
    let (Some(failure), Some(incoming)) = (failure, incoming) else {
        finish(collection, sessions, replica_session, captures).await;
        return;
    };
    let table_keys = table_keys(&replica_session.record.captures, &incoming);
    let chosen = table_keys.and_then(|keys| {
        let mut rows = keys.texts(&incoming.rows);
        choose(&keys, &rows, &failure)
            .map(|(name, indexes, index)| (keys, name, indexes, rows.swap_remove(index), index))
    });
    match chosen {
        Err(reason) => replica_session.gap(
            Item::RowComparison,
            GapCause::NotUsable,
            format!("row lookup in {}", incoming.name()),
            reason,
        ),
        Ok((keys, key_name, key_indexes, row, index)) => {
            // Raw bytes for the lookup: a binary key's text form would match nothing.
            let parameters: Vec<mysql_async::Value> = key_indexes
                .iter()
                .map(
                    |i| match incoming.rows[index].iter().find(|(c, _)| c == i) {
                        Some((_, Cell::Bytes(bytes))) => bytes.clone().into(),
                        _ => row
                            .iter()
                            .find(|(c, _)| c == i)
                            .and_then(|(_, v)| v.clone())
                            .map_or(mysql_async::Value::NULL, |v| v.into_bytes().into()),
                    },
                )
                .collect();
            let key_columns: Vec<String> = key_indexes.iter().map(|&i| keys.column(i)).collect();
            let key_values: Vec<Option<String>> = key_indexes
                .iter()
                .map(|i| {
                    row.iter()
                        .find(|(c, _)| c == i)
                        .and_then(|(_, v)| v.clone())
                })
                .collect();
            let lookup = |side| RowLookup {
                side,
                table: incoming.name(),
                key_name: key_name.clone(),
                key_columns: key_columns.clone(),
                key_values: key_values.clone(),
                auto_increment_column: keys.auto_increment.map(|i| keys.column(i)),
            };
            captures.push(Capture {
                server: replica_label.to_owned(),
                role: replica_role,
                statement,
                sample: None,
                captured_at: jiff::Timestamp::now(),
                columns: row.iter().map(|(i, _)| keys.column(*i)).collect(),
                rows: vec![row.iter().map(|(_, v)| v.clone()).collect()],
                rows_dropped: 0,
                row_lookup: Some(lookup(RowSide::Incoming)),
            });
            if key_values.iter().any(Option::is_none) {
                replica_session.gap(
                    Item::RowComparison,
                    GapCause::NotUsable,
                    format!("row lookup in {}", incoming.name()),
                    "the incoming row's key holds NULL, which matches no row",
                );
            } else {
                let select = select_by_key(&incoming, &key_columns);
                look_up(
                    &mut replica_session,
                    &select,
                    parameters.clone(),
                    lookup(RowSide::Local),
                )
                .await;
                if let (Some(endpoint), Some(role)) = (source, source_role) {
                    match open(endpoint, role, options).await {
                        Some(mut session) => {
                            look_up(&mut session, &select, parameters, lookup(RowSide::Source))
                                .await;
                            sessions.push(session);
                        }
                        None => collection.manifest.gaps.push(Gap::new(
                            endpoint.to_string(),
                            Item::RowComparison,
                            GapCause::Unreachable,
                            "row comparison",
                            "the source could not be reached again",
                        )),
                    }
                }
            }
        }
    }
    finish(collection, sessions, replica_session, captures).await;
}

/// Closes the sessions and moves what they read into the collection.
async fn finish(
    collection: &mut Collection,
    mut sessions: Vec<Recorder>,
    replica_session: Recorder,
    mut captures: Vec<Capture>,
) {
    sessions.push(replica_session);
    for mut session in sessions {
        session.close().await;
        let record = std::mem::take(&mut session.record);
        collection.manifest.statements.extend(record.statements);
        collection.manifest.gaps.extend(record.gaps);
        captures.extend(record.captures);
    }
    collection.captures.extend(captures);
}

fn gap(collection: &mut Collection, server: &str, cause: GapCause, reason: &str) {
    collection.manifest.gaps.push(Gap::new(
        server,
        Item::RowComparison,
        cause,
        "row comparison",
        reason,
    ));
}

/// A fresh connection to `endpoint`, its session in UTC so that TIMESTAMP values read as the
/// binlog gives them.
async fn open(endpoint: &Endpoint, role: Role, options: &CollectOptions) -> Option<Recorder> {
    let mut session = Session::connect(endpoint, role_name(role), options.timeouts())
        .await
        .ok()?;
    let utc = session.query(SESSION_UTC.sql, 0).await;
    utc.is_ok().then(|| Recorder::new(session, role, options))
}

/// Runs the lookup and marks its capture (a lookup that fails is left as the session's gap).
async fn look_up(
    session: &mut Recorder,
    select: &str,
    parameters: Vec<mysql_async::Value>,
    lookup: RowLookup,
) {
    if session
        .run_with(ROW_BY_KEY.item, select, parameters, None)
        .await
        .is_some()
        && let Some(capture) = session.record.captures.last_mut()
    {
        capture.row_lookup = Some(lookup);
    }
}

/// The table's columns and unique keys on the replica, from its definition read before.
fn table_keys(captures: &[Capture], incoming: &IncomingRows) -> Result<TableKeys, String> {
    let mut keys = TableKeys {
        columns: Vec::new(),
        types: Vec::new(),
        keys: Vec::new(),
        auto_increment: None,
    };
    for row in tables::definition_rows(captures, &incoming.schema, &incoming.table) {
        let ordinal: usize = row
            .text("ORDINAL_POSITION")
            .and_then(|o| o.parse().ok())
            .filter(|o| *o >= 1)
            .ok_or("information_schema gave a column without its position")?;
        if keys.columns.len() < ordinal {
            keys.columns.resize(ordinal, String::new());
            keys.types.resize(ordinal, String::new());
        }
        keys.columns[ordinal - 1] = row.text("COLUMN_NAME").unwrap_or_default().to_owned();
        keys.types[ordinal - 1] = row.text("COLUMN_TYPE").unwrap_or_default().to_owned();
        if row
            .text("EXTRA")
            .is_some_and(|extra| extra.to_ascii_lowercase().contains("auto_increment"))
        {
            keys.auto_increment = Some(ordinal - 1);
        }
        let unique = row.text("NON_UNIQUE") == Some("0");
        if let (Some(index), true) = (row.text("INDEX_NAME"), unique) {
            match keys.keys.iter_mut().find(|(k, _)| k == index) {
                Some((_, columns)) => columns.push(ordinal - 1),
                None => keys.keys.push((index.to_owned(), vec![ordinal - 1])),
            }
        }
    }
    if keys.columns.is_empty() {
        return Err(format!("{} is not on the replica", incoming.name()));
    }
    Ok(keys)
}

impl TableKeys {
    /// The incoming rows in text form, ENUM and SET values named by the column's members.
    fn texts(&self, rows: &[Vec<(usize, Cell)>]) -> Vec<Row> {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|(index, cell)| {
                        let members = || members(self.types.get(*index).map_or("", String::as_str));
                        let text = match cell {
                            Cell::Text(text) => text.clone(),
                            Cell::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
                            Cell::Enum(n) => Some(
                                usize::from(*n)
                                    .checked_sub(1)
                                    .and_then(|i| members().into_iter().nth(i))
                                    .unwrap_or_else(|| n.to_string()),
                            ),
                            Cell::Set(bits) => {
                                let names = members();
                                let known = names.len() >= 64 || bits >> names.len() == 0;
                                Some(if known && !names.is_empty() {
                                    names
                                        .into_iter()
                                        .enumerate()
                                        .filter(|(i, _)| bits & (1 << i) != 0)
                                        .map(|(_, name)| name)
                                        .collect::<Vec<_>>()
                                        .join(",")
                                } else {
                                    bits.to_string()
                                })
                            }
                        };
                        (*index, text)
                    })
                    .collect()
            })
            .collect()
    }

    fn column(&self, index: usize) -> String {
        self.columns
            .get(index)
            .filter(|c| !c.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("@{}", index + 1))
    }
}

impl IncomingRows {
    fn name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

/// The key's name and columns, and which incoming row to look up.
type Chosen = (String, Vec<usize>, usize);

/// The key to look up by (the one the error names, else the primary key, else the first unique
/// key) and the incoming row (the one whose key is the duplicate value, else the first).
fn choose(keys: &TableKeys, rows: &[Row], failure: &Failure) -> Result<Chosen, String> {
    let named = failure.duplicate.as_ref().map(|(_, key)| key.as_str());
    let (key_name, key_indexes) = named
        .and_then(|n| keys.keys.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)))
        .or_else(|| keys.keys.iter().find(|(k, _)| k == "PRIMARY"))
        .or_else(|| keys.keys.first())
        .cloned()
        .ok_or("the table has no primary or unique key to look the row up by")?;
    let key_text = |row: &[(usize, Option<String>)]| -> String {
        key_indexes
            .iter()
            .map(|i| {
                row.iter()
                    .find(|(c, _)| c == i)
                    .and_then(|(_, v)| v.clone())
                    .unwrap_or_else(|| "NULL".into())
            })
            .collect::<Vec<_>>()
            .join("-")
    };
    let index = failure
        .duplicate
        .as_ref()
        .and_then(|(value, _)| rows.iter().position(|r| key_text(r) == *value))
        .unwrap_or(0);
    let row = rows
        .get(index)
        .ok_or("the failing rows event holds no row")?;
    if key_indexes.iter().any(|i| !row.iter().any(|(c, _)| c == i)) {
        return Err("the incoming row image lacks a key column".into());
    }
    Ok((key_name, key_indexes, index))
}

/// `SELECT * FROM `s`.`t` WHERE `k` = ? ... LIMIT 1`
fn select_by_key(incoming: &IncomingRows, key_columns: &[String]) -> String {
    let mut select = String::from("SELECT * FROM ");
    binlog::sql::write_identifier(&mut select, &incoming.schema);
    select.push('.');
    binlog::sql::write_identifier(&mut select, &incoming.table);
    for (n, column) in key_columns.iter().enumerate() {
        select.push_str(if n == 0 { " WHERE " } else { " AND " });
        binlog::sql::write_identifier(&mut select, column);
        select.push_str(" = ?");
    }
    select.push_str(" LIMIT 1");
    select
}

/// The replica's applier error when it is a duplicate key or a missing row.
fn failure_of(collection: &Collection, replica_label: &str) -> Option<Failure> {
    let evidence = collection.evidence();
    let server = evidence.server(Some(replica_label))?;
    let channel = server
        .channels()
        .iter()
        .find(|c| matches!(c.applier_errno(), Some(1062 | 1032)))?;
    // With parallel appliers the coordinator's message only points at the worker's.
    let worker_messages = server
        .latest_sample()
        .into_iter()
        .flat_map(|sample| &sample.workers)
        .filter(|w| w.channel_name == channel.channel_name)
        .filter_map(|w| w.last_error_message.as_deref())
        .map(ApplierErrorMessage::parse);
    let duplicate = channel
        .applier_error()
        .into_iter()
        .chain(worker_messages)
        .find_map(|m| m.duplicate_entry)
        .map(|d| (d.value.clone(), d.key_name().to_owned()));
    Some(Failure {
        errno: channel.applier_errno()?,
        duplicate,
    })
}

/// The rows of the rows event ending at `end_log_pos` (else the first rows event): the after
/// image of an insert or of an update that hit a duplicate key, the before image otherwise
/// (what a delete or update looked for).
fn incoming_rows(bytes: &[u8], end_log_pos: u64, errno: u32) -> Option<IncomingRows> {
    let mut maps = TableMaps::default();
    let mut first = None;
    for event in EventWalk::new(bytes) {
        let Ok(event) = event else { break };
        let at_error = u64::from(event.header.end_log_pos) == end_log_pos;
        match binlog::decode(&event) {
            Ok(EventData::TableMap(map)) => {
                maps.insert(&map);
            }
            Ok(EventData::Rows(rows)) => {
                let decoded = decode_rows(&maps, &rows, errno);
                if at_error && decoded.is_some() {
                    return decoded;
                }
                if first.is_none() {
                    first = decoded;
                }
            }
            _ => {}
        }
    }
    first
}

fn decode_rows(
    maps: &TableMaps,
    rows: &binlog::events::Rows<'_>,
    errno: u32,
) -> Option<IncomingRows> {
    let schema = maps.get(rows.table_id)?;
    let mut images = Vec::new();
    for row in schema.rows(rows).take(MAX_ROWS_SEARCHED) {
        let Ok(row) = row else { break };
        let image = if errno == 1062 {
            row.after.or(row.before)
        } else {
            row.before.or(row.after)
        };
        let Some(image) = image else { continue };
        images.push(
            image
                .iter()
                .map(|(index, value)| (*index, cell_of(value, schema.columns.get(*index))))
                .collect(),
        );
    }
    Some(IncomingRows {
        schema: schema.schema.clone(),
        table: schema.table.clone(),
        rows: images,
    })
}

/// The members of `enum('a','b')` or `set(...)` as information_schema's COLUMN_TYPE writes
/// them (quotes doubled inside); none for any other type.
fn members(column_type: &str) -> Vec<String> {
    let lower = column_type.to_ascii_lowercase();
    let Some(list) = ["enum(", "set("]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| &column_type[p.len()..]))
        .and_then(|l| l.strip_suffix(')'))
    else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let mut chars = list.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut name = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    name.push('\'');
                    continue;
                }
                break;
            }
            name.push(c);
        }
        names.push(name);
    }
    names
}

/// A value as the server's text protocol gives it, so that equal values compare equal.
fn cell_of(value: &Value<'_>, column: Option<&binlog::values::Column>) -> Cell {
    let unnamed = column.is_none_or(|c| c.members.is_empty());
    match value {
        Value::Enum(n) if unnamed => Cell::Enum(*n),
        Value::Set(bits) if unnamed => Cell::Set(*bits),
        Value::Bytes(bytes) => Cell::Bytes(bytes.to_vec()),
        other => Cell::Text(text_of(other, column)),
    }
}

fn text_of(value: &Value<'_>, column: Option<&binlog::values::Column>) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(n) => n.to_string(),
        Value::Double(n) => n.to_string(),
        other => {
            let mut literal = String::new();
            match column {
                Some(column) if binlog::sql::write_literal(&mut literal, other, column).is_ok() => {
                    literal
                        .strip_prefix('\'')
                        .and_then(|l| l.strip_suffix('\''))
                        .map(str::to_owned)
                        .unwrap_or(literal)
                }
                _ => format!("{other:?}"),
            }
        }
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_of_enum_and_set_types() {
        assert_eq!(members("enum('new','it''s','')"), vec!["new", "it's", ""]);
        assert_eq!(members("SET('a','b')"), vec!["a", "b"]);
        assert!(members("varchar(64)").is_empty());
        assert!(members("enum('unterminated").is_empty());
    }

    #[test]
    fn unnamed_enum_and_set_values_get_their_members() {
        let keys = TableKeys {
            columns: vec!["id".into(), "state".into(), "tags".into()],
            types: vec![
                "int(11)".into(),
                "enum('new','done')".into(),
                "set('a','b','c')".into(),
            ],
            keys: vec![("PRIMARY".into(), vec![0])],
            auto_increment: None,
        };
        let rows = keys.texts(&[vec![
            (0, Cell::Text(Some("1".into()))),
            (1, Cell::Enum(2)),
            (2, Cell::Set(0b101)),
        ]]);
        assert_eq!(
            rows[0],
            vec![
                (0, Some("1".to_owned())),
                (1, Some("done".to_owned())),
                (2, Some("a,c".to_owned()))
            ]
        );
        // An index past the members stays a number rather than naming the wrong member.
        assert_eq!(
            keys.texts(&[vec![(1, Cell::Enum(7))]])[0][0].1.as_deref(),
            Some("7")
        );
    }
}
