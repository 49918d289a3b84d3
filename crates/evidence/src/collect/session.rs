//! One server's connection during a collection: every statement with a time limit and a row
//! cap, its raw result kept as a [`Capture`], its failure kept as a [`Gap`].

use std::time::{Duration, Instant};

use mysql_async::consts::ColumnType;
use mysql_async::prelude::{Protocol, Queryable};
use mysql_async::{Conn, QueryResult, Value};

use crate::bundle::{Capture, Gap, StatementEntry};
use crate::connect::connect;
use crate::dsn::Endpoint;
use crate::model::Role;

/// A cell longer than this is cut (a processlist `Info` can hold a whole multi-megabyte query).
const MAX_CELL_BYTES: usize = 64 << 10;

/// What one server gave.
#[derive(Debug, Default)]
pub(crate) struct ServerRecord {
    pub captures: Vec<Capture>,
    pub statements: Vec<StatementEntry>,
    pub gaps: Vec<Gap>,
}

/// A connection to one server and what it has given so far.
#[derive(Debug)]
pub(crate) struct Session<'e> {
    pub label: String,
    pub role: Role,
    endpoint: &'e Endpoint,
    conn: Option<Conn>,
    query_timeout: Duration,
    connect_timeout: Duration,
    max_rows: usize,
    pub record: ServerRecord,
}

impl<'e> Session<'e> {
    pub fn new(
        conn: Conn,
        endpoint: &'e Endpoint,
        role: Role,
        options: &super::CollectOptions,
    ) -> Self {
        Session {
            label: endpoint.to_string(),
            role,
            endpoint,
            conn: Some(conn),
            query_timeout: options.query_timeout,
            connect_timeout: options.connect_timeout,
            max_rows: options.max_rows,
            record: ServerRecord::default(),
        }
    }

    pub fn endpoint(&self) -> &'e Endpoint {
        self.endpoint
    }

    pub fn gap(&mut self, what: impl Into<String>, reason: impl Into<String>) {
        self.record.gaps.push(Gap {
            server: self.label.clone(),
            what: what.into(),
            reason: reason.into(),
        });
    }

    /// Runs one statement; its result is kept and returned, its failure becomes a gap.
    pub async fn run(&mut self, statement: &str, sample: Option<usize>) -> Option<&Capture> {
        self.run_with(statement, Vec::new(), sample).await
    }

    /// Runs one statement with parameters (a prepared statement; without parameters, plain
    /// text). Kept and returned as [`Session::run`] does.
    pub async fn run_with(
        &mut self,
        statement: &str,
        parameters: Vec<Value>,
        sample: Option<usize>,
    ) -> Option<&Capture> {
        let started = Instant::now();
        let captured_at = jiff::Timestamp::now();
        let conn = match self.conn.take() {
            Some(conn) => conn,
            // A timed-out statement leaves its connection mid-result: start a fresh one.
            None => {
                match connect(self.endpoint, role_name(self.role), self.connect_timeout).await {
                    Ok((conn, _)) => conn,
                    Err(err) => {
                        self.gap(statement, err.reason);
                        return None;
                    }
                }
            }
        };
        let mut conn = conn;
        let outcome = tokio::time::timeout(
            self.query_timeout,
            read_rows(&mut conn, statement, parameters, self.max_rows),
        )
        .await;
        let (columns, rows, rows_dropped) = match outcome {
            Err(_) => {
                // Dropping the connection abandons the statement; the server ends it when it
                // notices the closed socket.
                drop(conn);
                self.gap(
                    statement,
                    format!("no answer within {} s", self.query_timeout.as_secs_f32()),
                );
                return None;
            }
            Ok(Err(err)) => {
                let broken = !matches!(err, mysql_async::Error::Server(_));
                if !broken {
                    self.conn = Some(conn);
                }
                self.gap(statement, describe(&err));
                return None;
            }
            Ok(Ok(result)) => {
                self.conn = Some(conn);
                result
            }
        };
        self.record.statements.push(StatementEntry {
            server: self.label.clone(),
            statement: statement.to_owned(),
            sample,
            rows: rows.len(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        });
        self.record.captures.push(Capture {
            server: self.label.clone(),
            role: self.role,
            statement: statement.to_owned(),
            sample,
            captured_at,
            columns,
            rows,
            rows_dropped,
            row_lookup: None,
        });
        self.record.captures.last()
    }

    /// Ends the session politely.
    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A failed goodbye changes nothing that was read.
            let _ = conn.disconnect().await;
        }
    }
}

type Rows = (Vec<String>, Vec<Vec<Option<String>>>, u64);

async fn read_rows(
    conn: &mut Conn,
    statement: &str,
    parameters: Vec<Value>,
    max_rows: usize,
) -> Result<Rows, mysql_async::Error> {
    if parameters.is_empty() {
        keep_rows(conn.query_iter(statement).await?, max_rows).await
    } else {
        keep_rows(conn.exec_iter(statement, parameters).await?, max_rows).await
    }
}

async fn keep_rows<P: Protocol>(
    mut result: QueryResult<'_, '_, P>,
    max_rows: usize,
) -> Result<Rows, mysql_async::Error> {
    let columns: Vec<String> = result
        .columns()
        .map(|columns| columns.iter().map(|c| c.name_str().into_owned()).collect())
        .unwrap_or_default();
    let mut rows = Vec::new();
    let mut dropped = 0u64;
    while let Some(row) = result.next().await? {
        if rows.len() >= max_rows {
            dropped += 1;
            continue;
        }
        let columns = row.columns_ref();
        rows.push(
            (0..row.len())
                .map(|i| {
                    let value = row.as_ref(i)?;
                    columns
                        .get(i)
                        .and_then(|c| date_text(value, c))
                        .or_else(|| value_text(value))
                })
                .collect(),
        );
    }
    result.drop_result().await?;
    Ok((columns, rows, dropped))
}

/// A date or date-time of the binary protocol (prepared statements) as the text protocol and
/// the binlog write it: a DATE without a time, a DATETIME or TIMESTAMP with its time even at
/// midnight and as many fraction digits as the column declares.
fn date_text(value: &Value, column: &mysql_async::Column) -> Option<String> {
    let Value::Date(year, month, day, hour, minute, second, micros) = value else {
        return None;
    };
    let date = format!("{year:04}-{month:02}-{day:02}");
    match column.column_type() {
        ColumnType::MYSQL_TYPE_DATE | ColumnType::MYSQL_TYPE_NEWDATE => Some(date),
        ColumnType::MYSQL_TYPE_DATETIME
        | ColumnType::MYSQL_TYPE_DATETIME2
        | ColumnType::MYSQL_TYPE_TIMESTAMP
        | ColumnType::MYSQL_TYPE_TIMESTAMP2 => {
            let mut text = format!("{date} {hour:02}:{minute:02}:{second:02}");
            let digits = usize::from(column.decimals()).min(6);
            if digits > 0 {
                let fraction = format!("{micros:06}");
                text.push('.');
                text.push_str(&fraction[..digits]);
            }
            Some(text)
        }
        _ => None,
    }
}

/// A value as the server sent it, in text form.
pub(crate) fn value_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::NULL => return None,
        Value::Bytes(bytes) => {
            let kept = &bytes[..bytes.len().min(MAX_CELL_BYTES)];
            let mut text = String::from_utf8_lossy(kept).into_owned();
            if bytes.len() > MAX_CELL_BYTES {
                text.push_str(&format!(
                    "… [{} more bytes not kept]",
                    bytes.len() - MAX_CELL_BYTES
                ));
            }
            text
        }
        Value::Int(n) => n.to_string(),
        Value::UInt(n) => n.to_string(),
        Value::Float(n) => n.to_string(),
        Value::Double(n) => n.to_string(),
        other => other.as_sql(false).trim_matches('\'').to_owned(),
    };
    Some(text)
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Replica => "replica",
        Role::Source => "source",
        Role::SourceAndReplica => "source and replica",
    }
}

/// The server's error with its number (a missing privilege reads `error 1227: Access denied;
/// you need (at least one of) the PROCESS privilege(s)`), or the connection's failure.
pub(crate) fn describe(err: &mysql_async::Error) -> String {
    match err {
        mysql_async::Error::Server(server) => format!("error {}: {}", server.code, server.message),
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => io.to_string(),
        other => other.to_string(),
    }
}
