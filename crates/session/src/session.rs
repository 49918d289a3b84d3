//! One login to one server: time limits, identity, statements on a single connection.

use std::time::Duration;

use dialect::{Dialect, Fork, Version, catalogue};
use evidence::model::ServerIdentity;
use mysql_async::consts::ColumnType;
use mysql_async::prelude::{Protocol, Queryable};
use mysql_async::{
    BinlogStream, BinlogStreamRequest, ClientIdentity, Conn, OptsBuilder, QueryResult, SslOpts,
    Value,
};
use thiserror::Error;

use crate::dsn::Endpoint;
use crate::guard::{Guard, KeyRules};
use crate::tls::{SslMode, TlsInfo, TlsOptions, read_login_file};

/// A cell longer than this is cut (a processlist `Info` can hold a whole multi-megabyte query).
const MAX_CELL_BYTES: usize = 64 << 10;

/// How long to wait for a login and for each statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            statement: Duration::from_secs(5),
        }
    }
}

/// A server could not be reached or would not let us in.
#[derive(Debug, Clone, Error)]
#[error("cannot connect to {role} {server}: {reason}")]
pub struct ConnectError {
    /// What the server is to us: "replica", "source".
    pub role: String,
    /// `host:port` or the socket path.
    pub server: String,
    pub reason: String,
}

/// Why a statement gave no result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StatementError {
    /// The account lacks a privilege (errors 1044, 1142, 1143, 1227, 1370).
    #[error("error {code}: {message}")]
    Denied { code: u16, message: String },
    /// The server refused the statement for another reason; the connection is still usable.
    #[error("error {code}: {message}")]
    Server { code: u16, message: String },
    /// No answer in time. The connection was dropped (it was mid-result); the session has none
    /// until [`Session::reconnect`].
    #[error("no answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    /// The connection broke; the session has none until [`Session::reconnect`].
    #[error("{0}")]
    Lost(String),
    /// An earlier time-out or loss left the session without a connection.
    #[error("the connection was lost earlier and not opened again")]
    NotConnected,
}

impl StatementError {
    fn from_driver(err: &mysql_async::Error, scrub: impl Fn(String) -> String) -> StatementError {
        match err {
            mysql_async::Error::Server(server) => {
                let message = scrub(server.message.clone());
                if matches!(server.code, 1044 | 1142 | 1143 | 1227 | 1370) {
                    StatementError::Denied {
                        code: server.code,
                        message,
                    }
                } else {
                    StatementError::Server {
                        code: server.code,
                        message,
                    }
                }
            }
            other => StatementError::Lost(scrub(describe(other))),
        }
    }

    /// The server's error number, when the server answered with one.
    pub fn code(&self) -> Option<u16> {
        match self {
            StatementError::Denied { code, .. } | StatementError::Server { code, .. } => {
                Some(*code)
            }
            _ => None,
        }
    }
}

/// A statement's result in text form, as the text protocol and the binlog write values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    pub columns: Vec<String>,
    /// `None` is SQL `NULL`.
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows beyond the cap, counted but not kept.
    pub dropped: u64,
}

impl Rows {
    /// The first row's value in the named column (any case).
    pub fn first(&self, column: &str) -> Option<&str> {
        let index = self
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column))?;
        self.rows.first()?.get(index)?.as_deref()
    }
}

/// One login to one server.
#[derive(Debug)]
pub struct Session {
    endpoint: Endpoint,
    role: String,
    timeouts: Timeouts,
    conn: Option<Conn>,
    identity: ServerIdentity,
    version: Option<Version>,
    tls: Option<TlsInfo>,
}

impl Session {
    /// Logs in to `endpoint` within `timeouts.connect` and identifies the server. `role`
    /// ("replica", "source") names it in errors.
    pub async fn connect(
        endpoint: &Endpoint,
        role: &str,
        timeouts: Timeouts,
    ) -> Result<Session, ConnectError> {
        let (conn, tls) = open(endpoint, role, timeouts).await?;
        let mut session = Session {
            endpoint: endpoint.clone(),
            role: role.to_owned(),
            timeouts,
            conn: Some(conn),
            identity: ServerIdentity::default(),
            version: None,
            tls: None,
        };
        if tls {
            session.tls = Some(session.read_tls().await);
        }
        session.identify().await.map_err(|err| ConnectError {
            role: role.to_owned(),
            server: endpoint.to_string(),
            reason: format!("logged in but could not identify the server: {err}"),
        })?;
        Ok(session)
    }

    async fn identify(&mut self) -> Result<(), StatementError> {
        let rows = self.query(catalogue::SESSION_IDENTITY.sql, 1).await?;
        let cell = |i: usize| rows.rows.first().and_then(|r| r.get(i)).cloned().flatten();
        let version_text = cell(0).unwrap_or_default();
        let version = Version::parse(&version_text);
        let flavor = version.map(|v| v.flavor);
        let comment = cell(1).unwrap_or_default();
        self.identity = ServerIdentity {
            flavor,
            version: Some(version_text),
            identified_by: Some("the server (@@version)".into()),
            server_id: cell(2).and_then(|id| id.parse().ok()),
            server_uuid: None,
            fork: flavor.map(|f| Fork::from_comment(f, &comment)),
            read_only: cell(3).map(|v| v == "1" || v.eq_ignore_ascii_case("ON")),
        };
        self.version = version;
        if !self.is_mariadb() {
            // MySQL 5.5 has no server_uuid: the identity stands without it.
            if let Ok(rows) = self.query(catalogue::SERVER_UUID.sql, 1).await {
                self.identity.server_uuid = rows.rows.first().and_then(|r| r[0].clone());
            }
        }
        Ok(())
    }

    /// The version and cipher of a TLS connection, as the server reports them (the driver does
    /// not say).
    async fn read_tls(&mut self) -> TlsInfo {
        let Ok(rows) = self.query(catalogue::SESSION_TLS.sql, 2).await else {
            return TlsInfo::default();
        };
        let value = |name: &str| {
            rows.rows
                .iter()
                .find(|row| row.first().and_then(|n| n.as_deref()) == Some(name))
                .and_then(|row| row.get(1).cloned().flatten())
                .filter(|value| !value.is_empty())
        };
        TlsInfo {
            version: value("Ssl_version"),
            cipher: value("Ssl_cipher"),
        }
    }

    /// The TLS this session's connection negotiated; `None` on a connection without TLS (a Unix
    /// socket, `--ssl-mode=DISABLED`, or PREFERRED with a server that offers none).
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    pub fn identity(&self) -> &ServerIdentity {
        &self.identity
    }

    /// The release, when `@@version` has the usual shape.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    pub fn is_mariadb(&self) -> bool {
        self.version.is_some_and(|v| v.is_mariadb())
    }

    /// How to spell statements for this server (an unreadable version is taken as the oldest
    /// MySQL names, which every MySQL before 8.4 and every MariaDB understands).
    pub fn dialect(&self) -> Dialect {
        Dialect::new(self.version.unwrap_or(Version::mysql(5, 7, 0)))
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `host:port`, how the server is named in reports and errors.
    pub fn label(&self) -> String {
        self.endpoint.to_string()
    }

    pub fn role(&self) -> &str {
        &self.role
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The server's id of this session's connection (`CONNECTION_ID()`), `None` when it has
    /// none. Statements that must share a connection check it has not changed.
    pub fn connection_id(&self) -> Option<u32> {
        self.conn.as_ref().map(Conn::id)
    }

    /// Runs one statement in text form, keeping at most `max_rows` rows.
    pub async fn query(
        &mut self,
        statement: &str,
        max_rows: usize,
    ) -> Result<Rows, StatementError> {
        self.execute(statement, Vec::new(), max_rows).await
    }

    /// Runs one statement; with parameters as a prepared statement (values as the binary
    /// protocol gives them, dates written as the text protocol would).
    pub async fn execute(
        &mut self,
        statement: &str,
        parameters: Vec<Value>,
        max_rows: usize,
    ) -> Result<Rows, StatementError> {
        let mut conn = self.conn.take().ok_or(StatementError::NotConnected)?;
        let outcome = tokio::time::timeout(
            self.timeouts.statement,
            read_rows(&mut conn, statement, parameters, max_rows),
        )
        .await;
        match outcome {
            // Dropping the connection abandons the statement; the server ends it when it
            // notices the closed socket.
            Err(_) => Err(StatementError::Timeout(self.timeouts.statement)),
            Ok(Err(err)) => {
                let error = StatementError::from_driver(&err, |m| scrub(m, &self.endpoint));
                if matches!(err, mysql_async::Error::Server(_)) {
                    self.conn = Some(conn);
                }
                Err(error)
            }
            Ok(Ok(rows)) => {
                self.conn = Some(conn);
                Ok(rows)
            }
        }
    }

    /// Opens a new connection in place of a lost one. Whatever the old connection had set
    /// (session variables, `GTID_NEXT`, an open transaction) is gone: the caller decides
    /// whether what it was doing can go on.
    pub async fn reconnect(&mut self) -> Result<(), ConnectError> {
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
        let (conn, tls) = open(&self.endpoint, &self.role, self.timeouts).await?;
        self.conn = Some(conn);
        self.tls = None;
        if tls {
            self.tls = Some(self.read_tls().await);
        }
        Ok(())
    }

    /// Turns the session into a reader of the server's binlog over the replication protocol
    /// (`catalogue::BINLOG_DUMP`): the connection serves nothing else afterwards.
    pub async fn binlog_stream(
        mut self,
        request: BinlogStreamRequest<'_>,
    ) -> Result<BinlogStream, StatementError> {
        let conn = self.conn.take().ok_or(StatementError::NotConnected)?;
        let endpoint = self.endpoint.clone();
        conn.get_binlog_stream(request)
            .await
            .map_err(|err| StatementError::from_driver(&err, |m| scrub(m, &endpoint)))
    }

    /// Ends the session politely; it has no connection afterwards.
    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            // A failed goodbye changes nothing that was read.
            let _ = conn.disconnect().await;
        }
    }
}

/// Logs in, giving up after `timeouts.connect`; says whether the connection is TLS.
async fn open(
    endpoint: &Endpoint,
    role: &str,
    timeouts: Timeouts,
) -> Result<(Conn, bool), ConnectError> {
    let fail = |reason: String| ConnectError {
        role: role.to_owned(),
        server: endpoint.to_string(),
        reason: scrub(reason, endpoint),
    };
    match tokio::time::timeout(timeouts.connect, login(endpoint, timeouts)).await {
        Err(_) => Err(fail(format!(
            "no answer within {} s (is the address right and the port open?)",
            timeouts.connect.as_secs_f32()
        ))),
        Ok(Err(reason)) => Err(fail(reason)),
        Ok(Ok(opened)) => Ok(opened),
    }
}

/// One login: straight to a Unix socket (local, and so not TLS: the driver cannot run TLS over
/// one), or over TCP through a [`Guard`], with TLS as `endpoint.tls` asks.
async fn login(endpoint: &Endpoint, timeouts: Timeouts) -> Result<(Conn, bool), String> {
    let opts = OptsBuilder::default()
        .prefer_socket(false)
        .user(Some(endpoint.user.clone()))
        .pass(endpoint.password.as_ref().map(|p| p.expose().to_owned()))
        .wait_timeout(Some(timeouts.connect.as_secs().max(1) as usize * 60));
    if let Some(socket) = &endpoint.socket {
        let opts = opts.socket(Some(socket.to_string_lossy().into_owned()));
        let conn = Conn::new(opts).await.map_err(|err| describe(&err))?;
        return Ok((conn, false));
    }
    let rules = key_rules(endpoint)?;
    let guard = Guard::open(&endpoint.host, endpoint.port, rules, timeouts.connect)
        .await
        .map_err(|err| err.to_string())?;
    let tls = match endpoint.tls.mode {
        SslMode::Disabled => false,
        SslMode::Preferred => guard.offers_tls,
        mode if guard.offers_tls => {
            debug_assert!(mode.requires_tls());
            true
        }
        mode => {
            return Err(format!(
                "the server does not offer TLS, and --ssl-mode={mode} requires it"
            ));
        }
    };
    let mut opts = opts.ip_or_hostname("127.0.0.1").tcp_port(guard.port);
    if tls {
        opts = opts.ssl_opts(ssl_opts(&endpoint.tls, &endpoint.host)?);
    }
    match Conn::new(opts).await {
        Ok(conn) => Ok((conn, tls)),
        Err(err) => Err(guard
            .refusal()
            .map(str::to_owned)
            .unwrap_or_else(|| describe(&err))),
    }
}

/// The server keys a password may be encrypted under (none unless the user said so).
fn key_rules(endpoint: &Endpoint) -> Result<KeyRules, String> {
    let pinned = match &endpoint.server_key.server_public_key_path {
        Some(path) => Some(read_login_file(path).map_err(|err| {
            format!(
                "cannot read --server-public-key-path {}: {err}",
                path.display()
            )
        })?),
        None => None,
    };
    Ok(KeyRules {
        any_key: endpoint.server_key.get_server_public_key,
        pinned,
    })
}

/// A host name no certificate is made out to. The driver (mysql_async 0.37) skips the host-name
/// check only when rustls' error text contains "NotValidForName", which rustls 0.23 no longer
/// writes, but it quotes the expected name: checking against this one makes every certificate
/// fail only the name check, after its chain was verified, and so be accepted (VERIFY_CA).
const NAME_NEVER_CERTIFIED: &str = "NotValidForName.invalid";

/// TLS settings for the driver. The certificate files are read here, bounded, so that an error
/// names the option and the file.
fn ssl_opts(tls: &TlsOptions, host: &str) -> Result<SslOpts, String> {
    let read = |path: &std::path::Path, option: &str| {
        read_login_file(path)
            .map_err(|err| format!("cannot read --{option} {}: {err}", path.display()))
    };
    let mut opts = SslOpts::default();
    match tls.mode {
        SslMode::Disabled | SslMode::Preferred | SslMode::Required => {
            opts = opts.with_danger_accept_invalid_certs(true);
        }
        SslMode::VerifyCa | SslMode::VerifyIdentity => {
            if let Some(ca) = &tls.ca {
                opts = opts
                    .with_root_certs(vec![read(ca, "ssl-ca")?.into()])
                    .with_disable_built_in_roots(true);
            }
            opts = if tls.mode == SslMode::VerifyCa {
                opts.with_danger_skip_domain_validation(true)
                    .with_danger_tls_hostname_override(Some(NAME_NEVER_CERTIFIED))
            } else {
                // The driver talks to the guard on 127.0.0.1: name the real host.
                opts.with_danger_tls_hostname_override(Some(host.to_owned()))
            };
        }
    }
    match (&tls.cert, &tls.key) {
        (None, None) => {}
        (Some(cert), Some(key)) => {
            let identity =
                ClientIdentity::new(read(cert, "ssl-cert")?.into(), read(key, "ssl-key")?.into());
            opts = opts.with_client_identity(Some(identity));
        }
        _ => return Err("--ssl-cert and --ssl-key go together: give both or neither".into()),
    }
    Ok(opts)
}

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
    Ok(Rows {
        columns,
        rows,
        dropped,
    })
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
fn value_text(value: &Value) -> Option<String> {
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

/// One line a DBA recognises: the server's own error with its number, or the OS error.
fn describe(err: &mysql_async::Error) -> String {
    match err {
        mysql_async::Error::Server(server) => format!("error {}: {}", server.code, server.message),
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => io.to_string(),
        other => other.to_string(),
    }
}

/// Drivers and servers should never echo a password, but a message that did would end up on a
/// terminal or in a ticket: remove it whatever its origin. Very short passwords are left, as
/// replacing every occurrence of one or two characters would garble the message and hide little.
fn scrub(message: String, endpoint: &Endpoint) -> String {
    match &endpoint.password {
        Some(password) if password.expose().len() >= 3 => message.replace(password.expose(), "***"),
        _ => message,
    }
}
