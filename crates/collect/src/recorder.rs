//! One server's session during a collection: every statement's raw result kept as a
//! [`Capture`], its failure kept as a [`Gap`].

use std::time::Instant;

use dialect::catalogue;
use evidence::bundle::{Capture, Gap, GapCause, Item, StatementEntry};
use evidence::model::Role;
use mysql_async::Value;
use session::dsn::Endpoint;
use session::{Session, StatementError};

/// What one server gave.
#[derive(Debug, Default)]
pub(crate) struct ServerRecord {
    pub captures: Vec<Capture>,
    pub statements: Vec<StatementEntry>,
    pub gaps: Vec<Gap>,
}

/// A session to one server and what it has given so far.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub label: String,
    pub role: Role,
    session: Session,
    max_rows: usize,
    pub record: ServerRecord,
}

impl Recorder {
    pub fn new(session: Session, role: Role, options: &super::CollectOptions) -> Self {
        Recorder {
            label: session.label(),
            role,
            session,
            max_rows: options.max_rows,
            record: ServerRecord::default(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn endpoint(&self) -> &Endpoint {
        self.session.endpoint()
    }

    pub fn gap(
        &mut self,
        item: Item,
        cause: GapCause,
        what: impl Into<String>,
        reason: impl Into<String>,
    ) {
        let gap = Gap::new(self.label.clone(), item, cause, what, reason);
        self.record.gaps.push(gap);
    }

    /// Runs one statement, which reads `item`; its result is kept and returned, its failure
    /// becomes a gap.
    pub async fn run(
        &mut self,
        item: Item,
        statement: &str,
        sample: Option<usize>,
    ) -> Option<&Capture> {
        self.run_with(item, statement, Vec::new(), sample).await
    }

    /// Runs one statement with parameters (a prepared statement; without parameters, plain
    /// text). Kept and returned as [`Recorder::run`] does.
    pub async fn run_with(
        &mut self,
        item: Item,
        statement: &str,
        parameters: Vec<Value>,
        sample: Option<usize>,
    ) -> Option<&Capture> {
        if self.session.connection_id().is_none() {
            // A timed-out statement left its connection mid-result. Collection only reads, so
            // nothing set on the old connection matters: start a fresh one.
            if let Err(err) = self.session.reconnect().await {
                self.gap(item, GapCause::Unreachable, statement, err.reason);
                return None;
            }
        }
        let started = Instant::now();
        let captured_at = jiff::Timestamp::now();
        let rows = match self
            .session
            .execute(statement, parameters, self.max_rows)
            .await
        {
            Ok(rows) => rows,
            Err(err) => {
                let mut reason = describe(&err);
                if let (StatementError::Denied { .. }, Some(known)) =
                    (&err, catalogue::find(statement))
                {
                    let privilege = known.privilege.on(self.session.is_mariadb());
                    reason.push_str(&format!(" (it needs {privilege})"));
                }
                self.gap(item, cause_of(&err), statement, reason);
                return None;
            }
        };
        self.record.statements.push(StatementEntry {
            server: self.label.clone(),
            statement: statement.to_owned(),
            sample,
            rows: rows.rows.len(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        });
        self.record.captures.push(Capture {
            server: self.label.clone(),
            role: self.role,
            statement: statement.to_owned(),
            sample,
            captured_at,
            columns: rows.columns,
            rows: rows.rows,
            rows_dropped: rows.dropped,
            row_lookup: None,
        });
        self.record.captures.last()
    }

    /// Ends the session politely.
    pub async fn close(&mut self) {
        self.session.close().await;
    }
}

/// The server's error with its number (a missing privilege reads `error 1227: Access denied;
/// you need (at least one of) the PROCESS privilege(s)`), or the connection's failure.
pub(crate) fn describe(err: &StatementError) -> String {
    err.to_string()
}

/// The typed cause of a statement's failure.
fn cause_of(err: &StatementError) -> GapCause {
    match err {
        StatementError::Denied { .. } => GapCause::Denied,
        StatementError::Server { .. } => GapCause::Refused,
        StatementError::Timeout(_) => GapCause::Timeout,
        StatementError::Lost(_) | StatementError::NotConnected => GapCause::Unreachable,
    }
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Replica => "replica",
        Role::Source => "source",
        Role::SourceAndReplica => "source and replica",
    }
}
