//! Live collection: what a replica and its source know, read with least privilege and kept
//! raw.
//!
//! [`collect`] connects to the replica, identifies it (`@@version`), reads its variables, then
//! the statements its flavor and version have ([`plan`]): once per server the variables,
//! status counters, binlog list and `mysql.gtid_executed`; twice, `interval` apart, the status
//! of every channel, the applier coordinator and workers, the processlist, InnoDB transactions
//! and lock waits and the binlog position. The source, given or found in the replica's status,
//! is read the same way at the same time. Then the logs (the error log's last megabyte, a
//! backup log) and the failing transaction's events ([`slice`]). A statement that fails (a
//! missing privilege, a time-out) is recorded as a [`Gap`] and the collection goes on; only an
//! unreachable replica stops it.
//!
//! Privileges: `PROCESS` (processlist, InnoDB transactions and locks), `REPLICATION CLIENT`
//! on MySQL or `BINLOG MONITOR` and `SLAVE MONITOR` on MariaDB (replica status, binlog lists
//! and position), `SELECT` on `performance_schema` (applier workers, MySQL's error log) and,
//! on MySQL, on `mysql.gtid_executed` and `sys`. Reading the failing transaction from the
//! source over the replication protocol needs `REPLICATION SLAVE`; without it the transaction
//! is sliced from a relay log or binlog readable on this host, or recorded as a gap.

pub mod files;
pub mod gtid_state;
pub mod plan;
pub mod poll;
mod recorder;
mod rows;
pub mod slice;
mod tables;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dialect::catalogue;
use evidence::bundle::{
    Capture, CapturedFile, Collection, FORMAT_NAME, FORMAT_VERSION, FileKind, Gap, GapCause, Item,
    Manifest, OptionsEntry, ServerEntry, SliceEntry,
};
use evidence::model::{Role, ServerIdentity};
use session::dsn::Endpoint;
use session::{ConnectError, Session, Timeouts};

use recorder::{Recorder, ServerRecord};

/// How a collection runs.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Time between the two samples.
    pub interval: Duration,
    pub connect_timeout: Duration,
    /// Limit for each statement; one that takes longer becomes a gap.
    pub query_timeout: Duration,
    /// Rows kept per statement (a processlist of a busy server can hold many thousands).
    pub max_rows: usize,
    /// The replica's error log, when the DBA names it.
    pub error_log: Option<PathBuf>,
    /// A backup tool's log from the replica's host.
    pub backup_log: Option<PathBuf>,
    /// Read the servers' own files (error logs, relay logs, binlogs) when their paths are
    /// readable from here, as when repldoctor runs on the database host.
    pub local_files: bool,
    /// Log in to the source the replica's status names, with the replica's credentials, when
    /// no source was given. Off by default: whoever holds that address would receive them.
    pub follow_source: bool,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            interval: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            query_timeout: Duration::from_secs(5),
            max_rows: 10_000,
            error_log: None,
            backup_log: None,
            local_files: true,
            follow_source: false,
        }
    }
}

impl CollectOptions {
    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            connect: self.connect_timeout,
            statement: self.query_timeout,
        }
    }
}

/// What was learnt about one server while reading it.
#[derive(Debug, Default)]
struct ServerRead {
    record: ServerRecord,
    files: Vec<CapturedFile>,
    variables: HashMap<String, String>,
}

/// Collects from the replica and its source. Fails only when the replica cannot be reached.
pub async fn collect(
    replica: &Endpoint,
    source: Option<&Endpoint>,
    options: &CollectOptions,
) -> Result<Collection, ConnectError> {
    let started = Instant::now();
    let collected_at = jiff::Timestamp::now();
    let session = Session::connect(replica, "replica", options.timeouts()).await?;
    let mut replica_session = Recorder::new(session, Role::Replica, options);
    let (found_source, source_found) = tokio::sync::oneshot::channel::<Option<Endpoint>>();
    // The source named in the replica's status, when it is not to be contacted.
    let mut source_not_followed: Option<String> = None;
    let read_replica = read_server(&mut replica_session, options, Some(found_source));
    let read_source = async {
        let endpoint = match source {
            Some(endpoint) => Some(endpoint.clone()),
            None => source_found.await.ok().flatten(),
        };
        let endpoint = endpoint?;
        if source.is_none() && !options.follow_source {
            source_not_followed = Some(endpoint.to_string());
            return None;
        }
        Some(
            match Session::connect(&endpoint, "source", options.timeouts()).await {
                Ok(session) => {
                    let mut session = Recorder::new(session, Role::Source, options);
                    let read = Box::new(read_server(&mut session, options, None).await);
                    SourceRead::Read {
                        endpoint,
                        identity: session.session().identity().clone(),
                        tls: session.session().tls().map(ToString::to_string),
                        read,
                    }
                }
                Err(err) => SourceRead::Unreachable {
                    endpoint,
                    reason: err.reason,
                },
            },
        )
    };
    let (replica_read, source_read) = tokio::join!(read_replica, read_source);
    let source_read = source_read.unwrap_or(SourceRead::NotRead {
        given: source.is_some(),
        named: source_not_followed,
    });
    let replica_read = ReplicaRead {
        endpoint: replica,
        label: replica_session.label.clone(),
        identity: replica_session.session().identity().clone(),
        tls: replica_session.session().tls().map(ToString::to_string),
        read: replica_read,
    };
    let (mut collection, replica_variables, source_reached) =
        assemble(replica_read, source_read, options, collected_at);
    let replica_label = replica_session.label.clone();
    add_slice_and_rows(
        &mut collection,
        (replica, &replica_label, &replica_variables),
        source_reached.as_ref(),
        options,
    )
    .await;
    finish(&mut collection, replica, source, started);
    Ok(collection)
}

/// The failing transaction's events and, after a duplicate-key or missing-row error, the rows
/// it met on each server.
async fn add_slice_and_rows(
    collection: &mut Collection,
    (replica, replica_label, replica_variables): (&Endpoint, &str, &HashMap<String, String>),
    source: Option<&SourceReached>,
    options: &CollectOptions,
) {
    add_slice(
        collection,
        replica_label,
        replica_variables,
        source,
        options,
    )
    .await;
    rows::add_tables_and_rows(
        collection,
        replica,
        replica_label,
        source.map(|(endpoint, _, _)| endpoint),
        options,
    )
    .await;
}

/// Passwords scrubbed from whatever the servers returned, and the time it took.
fn finish(
    collection: &mut Collection,
    replica: &Endpoint,
    source: Option<&Endpoint>,
    started: Instant,
) {
    let secrets: Vec<&str> = [Some(replica), source]
        .into_iter()
        .flatten()
        .filter_map(|e| e.password.as_ref().map(|p| p.expose()))
        .collect();
    evidence::bundle::redact::scrub_secrets(collection, &secrets);
    collection.manifest.elapsed_ms = started.elapsed().as_millis() as u64;
}

/// The replica as one reading left it.
struct ReplicaRead<'a> {
    endpoint: &'a Endpoint,
    label: String,
    identity: ServerIdentity,
    tls: Option<String>,
    read: ServerRead,
}

/// What became of the source in one reading.
enum SourceRead {
    /// Not contacted: none given (`given` false), or none to read. `named` is the source the
    /// replica's status names, left alone because the credentials go only where told.
    NotRead {
        given: bool,
        named: Option<String>,
    },
    Unreachable {
        endpoint: Endpoint,
        reason: String,
    },
    Read {
        endpoint: Endpoint,
        identity: ServerIdentity,
        tls: Option<String>,
        read: Box<ServerRead>,
    },
}

/// The source that was read: its endpoint, its variables and whether it is MariaDB.
type SourceReached = (Endpoint, HashMap<String, String>, bool);

/// Builds the collection of one reading of the replica and its source.
fn assemble(
    replica: ReplicaRead<'_>,
    source: SourceRead,
    options: &CollectOptions,
    collected_at: jiff::Timestamp,
) -> (Collection, HashMap<String, String>, Option<SourceReached>) {
    let replica_label = replica.label;
    let replica_read = replica.read;
    let mut servers = vec![server_entry(
        &replica_label,
        Role::Replica,
        replica.endpoint,
        &replica.identity,
        replica.tls,
    )];
    let mut captures = replica_read.record.captures;
    let mut statements = replica_read.record.statements;
    let mut gaps = replica_read.record.gaps;
    let mut files = replica_read.files;
    let mut source_reached: Option<SourceReached> = None;
    match source {
        SourceRead::NotRead {
            given: false,
            named,
        } => gaps.push(Gap::new(
            replica_label.clone(),
            Item::Source,
            GapCause::NotGiven,
            "source",
            match named {
                Some(named) => format!(
                    "the replica's status names the source {named}, not read: the replica's \
                     credentials are sent only where told (--source DSN, or --follow-source)"
                ),
                None => "no source given and none in the replica's status".into(),
            },
        )),
        SourceRead::NotRead { given: true, .. } => {}
        SourceRead::Unreachable { endpoint, reason } => {
            let label = endpoint.to_string();
            servers.push(ServerEntry {
                label: label.clone(),
                role: Role::Source,
                endpoint: label.clone(),
                flavor: None,
                version: None,
                server_id: None,
                reached: false,
                tls: None,
            });
            gaps.push(Gap::new(
                label,
                Item::Source,
                GapCause::Unreachable,
                "source",
                format!("source unreachable: {reason}"),
            ));
        }
        SourceRead::Read {
            endpoint,
            identity,
            tls,
            read,
        } => {
            let read = *read;
            let label = endpoint.to_string();
            let replicates = read.record.captures.iter().any(|c| {
                c.sample.is_some() && is_channel_status(&c.statement) && !c.rows.is_empty()
            });
            servers.push(server_entry(
                &label,
                Role::Source,
                &endpoint,
                &identity,
                tls,
            ));
            captures.extend(read.record.captures);
            statements.extend(read.record.statements);
            gaps.extend(read.record.gaps);
            files.extend(read.files);
            source_reached = Some((
                endpoint,
                read.variables,
                identity.flavor == Some(dialect::Flavor::Mariadb),
            ));
            if replicates {
                // Each replicates from the other: dual primary (or a chain through the replica).
                for entry in &mut servers {
                    entry.role = Role::SourceAndReplica;
                }
                for capture in &mut captures {
                    capture.role = Role::SourceAndReplica;
                }
            }
        }
    }
    // The replica's variables, for the slice's relay-log directory.
    let replica_variables = replica_read.variables;
    let collection = Collection {
        manifest: Manifest {
            format: FORMAT_NAME.into(),
            format_version: FORMAT_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").into(),
            collected_at,
            elapsed_ms: 0,
            servers,
            statements,
            files: files.iter().map(|f| f.entry.clone()).collect(),
            binlog_slice: None,
            gaps,
            options: OptionsEntry {
                interval_seconds: options.interval.as_secs_f64(),
                query_timeout_seconds: options.query_timeout.as_secs_f64(),
                max_rows: options.max_rows,
                redacted: false,
            },
        },
        captures,
        files,
        binlog_slice: None,
    };
    (collection, replica_variables, source_reached)
}
fn server_entry(
    label: &str,
    role: Role,
    endpoint: &Endpoint,
    identity: &ServerIdentity,
    tls: Option<String>,
) -> ServerEntry {
    ServerEntry {
        label: label.to_owned(),
        role,
        endpoint: endpoint.to_string(),
        flavor: identity.flavor,
        version: identity.version.clone(),
        server_id: identity.server_id.map(u64::from),
        reached: true,
        tls,
    }
}

fn is_channel_status(statement: &str) -> bool {
    let lower = statement.to_ascii_lowercase();
    ["slave status", "slaves status", "replica status"]
        .iter()
        .any(|s| lower.contains(s))
}

/// Reads one server: identity, variables, the once-only statements, two samples, its logs.
/// `found_source` receives the source named in the replica's first sample.
async fn read_server(
    session: &mut Recorder,
    options: &CollectOptions,
    found_source: Option<tokio::sync::oneshot::Sender<Option<Endpoint>>>,
) -> ServerRead {
    let mut read = ServerRead::default();
    let plan = read_once(session, &mut read).await;
    let first = Instant::now();
    read_sample(session, &plan, 0).await;
    if let Some(sender) = found_source {
        // The other side may have finished already (a source was given): nothing to tell.
        let _ = sender.send(named_source(
            &session.record.captures,
            0,
            session.endpoint(),
        ));
    }
    tokio::time::sleep_until((first + options.interval).into()).await;
    read_sample(session, &plan, 1).await;
    session.close().await;
    read.files = read_logs(session, &read.variables, options);
    read.record = std::mem::take(&mut session.record);
    read
}

/// Identity, variables and the statements read once per reading; returns what to sample.
async fn read_once(session: &mut Recorder, read: &mut ServerRead) -> plan::Plan {
    session
        .run(catalogue::IDENTIFY.item, catalogue::IDENTIFY.sql, None)
        .await;
    let variables = &catalogue::VARIABLES;
    if let Some(capture) = session.run(variables.item, variables.sql, None).await {
        read.variables = variable_map(capture);
    }
    let plan = plan::plan(session.session().dialect(), &read.variables);
    for (item, what, reason) in &plan.not_available {
        session.gap(
            *item,
            GapCause::NotOnThisServer,
            what.clone(),
            reason.clone(),
        );
    }
    for statement in &plan.once {
        session.run(statement.item, &statement.sql, None).await;
    }
    if session.session().is_mariadb()
        && let Some(oldest) = oldest_binlog(&session.record.captures)
    {
        // Its GTID_LIST is what purging removed: a replica behind it cannot continue.
        let head = gtid_state::oldest_binlog_head(&oldest);
        session
            .run(catalogue::OLDEST_BINLOG_HEAD.item, &head, None)
            .await;
    }
    plan
}

/// The statements taken at each sample, kept as sample number `sample`.
async fn read_sample(session: &mut Recorder, plan: &plan::Plan, sample: usize) {
    for statement in &plan.sampled {
        session
            .run(statement.item, &statement.sql, Some(sample))
            .await;
    }
}

/// The source named in the replica's status of sample `sample`.
fn named_source(captures: &[Capture], sample: usize, replica: &Endpoint) -> Option<Endpoint> {
    captures
        .iter()
        .find(|c| c.sample == Some(sample) && is_channel_status(&c.statement))
        .and_then(|c| source_of(c, replica))
}

/// The first binlog `SHOW BINARY LOGS` listed.
fn oldest_binlog(captures: &[Capture]) -> Option<String> {
    let capture = captures
        .iter()
        .find(|c| c.statement == catalogue::BINARY_LOGS.sql)?;
    let column = capture
        .columns
        .iter()
        .position(|c| c.eq_ignore_ascii_case("Log_name"))?;
    capture.rows.first()?.get(column)?.clone()
}

/// `SHOW GLOBAL VARIABLES` as a map with lower-case names.
fn variable_map(capture: &Capture) -> HashMap<String, String> {
    let column = |name: &str| {
        capture
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    };
    let (Some(name), Some(value)) = (column("Variable_name"), column("Value")) else {
        return HashMap::new();
    };
    capture
        .rows
        .iter()
        .filter_map(|row| {
            let name = row.get(name)?.as_ref()?.to_ascii_lowercase();
            let value = row.get(value)?.clone().unwrap_or_default();
            Some((name, value))
        })
        .collect()
}

/// The source named by the first channel of a replica status, reached with the replica's
/// credentials and TLS settings (contacted only with `follow_source`).
fn source_of(status: &Capture, replica: &Endpoint) -> Option<Endpoint> {
    let row = status.rows.first()?;
    let value = |names: &[&str]| {
        let index = status
            .columns
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))?;
        row.get(index)?.clone().filter(|v| !v.is_empty())
    };
    let host = value(&["Master_Host", "Source_Host"])?;
    let port = value(&["Master_Port", "Source_Port"])?.parse().ok()?;
    Some(Endpoint {
        host,
        port,
        user: replica.user.clone(),
        password: replica.password.clone(),
        socket: None,
        tls: replica.tls.clone(),
        server_key: replica.server_key.clone(),
    })
}

/// The server's error log (the DBA's path for the replica, else `@@log_error` when readable
/// here) and, for the replica, the backup log. MySQL 8.0.22+ also gave its error log through
/// performance_schema; a log read neither way is a gap.
fn read_logs(
    session: &mut Recorder,
    variables: &HashMap<String, String>,
    options: &CollectOptions,
) -> Vec<CapturedFile> {
    let mut files = Vec::new();
    let label = session.label.clone();
    // Named by role, not address: a redacted bundle must not name the host in a file name.
    let slug = recorder::role_name(session.role);
    let is_replica = session.role == Role::Replica;
    let given = options.error_log.clone().filter(|_| is_replica);
    let datadir = variables.get("datadir").map(String::as_str);
    let from_server = variables
        .get("log_error")
        .filter(|_| options.local_files)
        .and_then(|p| files::server_path(p, datadir));
    let through_sql = session
        .record
        .captures
        .iter()
        .any(|c| c.statement.contains("performance_schema.error_log"));
    match given.or(from_server) {
        Some(path) => {
            match files::read_tail(
                &path,
                &label,
                FileKind::ErrorLog,
                format!("{slug}-error.log"),
            ) {
                Ok(file) => files.push(file),
                Err(err) if !through_sql => session.gap(
                    Item::ErrorLog,
                    GapCause::NotReadableHere,
                    format!("error log {}", path.display()),
                    err.to_string(),
                ),
                Err(_) => {}
            }
        }
        None if !through_sql => session.gap(
            Item::ErrorLog,
            GapCause::NotReadableHere,
            "error log",
            "@@log_error is not a file readable here; give --error-log PATH",
        ),
        None => {}
    }
    if let Some(path) = options.backup_log.as_ref().filter(|_| is_replica) {
        match files::read_tail(path, &label, FileKind::BackupLog, "backup.log".into()) {
            Ok(file) => files.push(file),
            Err(err) => session.gap(
                Item::BackupLog,
                GapCause::NotReadableHere,
                format!("backup log {}", path.display()),
                err.to_string(),
            ),
        }
    }
    files
}

/// Adds the failing transaction's events: from the replica's relay log, the source's binlog
/// on this host, or the source over the replication protocol, in that order.
async fn add_slice(
    collection: &mut Collection,
    replica_label: &str,
    replica_variables: &HashMap<String, String>,
    source: Option<&SourceReached>,
    options: &CollectOptions,
) {
    let evidence = collection.evidence();
    let Some(failed) = evidence
        .server(Some(replica_label))
        .and_then(slice::failed_transaction)
    else {
        return;
    };
    let mut reasons = Vec::new();
    let mut found = None;
    if options.local_files {
        let relay = failed.relay_log_file.as_deref().zip(failed.relay_log_pos);
        if let Some((file, position)) = relay {
            let dir = log_directory(replica_variables, "relay_log_basename");
            if let Some(path) = files::server_path(file, dir.as_deref()) {
                match slice::slice_from_file(&path, position, failed.end_log_pos) {
                    Ok(slice) => found = Some((slice, format!("relay log {}", path.display()))),
                    Err(err) => reasons.push(format!("relay log {}: {err}", path.display())),
                }
            }
        }
        if found.is_none()
            && let Some((_, variables, _)) = source
        {
            let dir = log_directory(variables, "log_bin_basename");
            if let Some(path) = files::server_path(&failed.source_log_file, dir.as_deref()) {
                match slice::slice_from_file(&path, failed.start_position, failed.end_log_pos) {
                    Ok(slice) => found = Some((slice, format!("binlog {}", path.display()))),
                    Err(err) => reasons.push(format!("binlog {}: {err}", path.display())),
                }
            }
        }
    }
    if found.is_none()
        && let Some((endpoint, _, mariadb)) = source
    {
        let (endpoint, wanted, mariadb) = (endpoint.clone(), failed.clone(), *mariadb);
        let timeout = options.query_timeout.max(options.connect_timeout);
        // The driver's event reader trusts the lengths the server sends; a task keeps a
        // malformed stream from taking the whole collection down with it.
        let read = tokio::spawn(async move {
            slice::slice_from_source(&endpoint, &wanted, mariadb, timeout).await
        });
        let label = source.map(|(e, _, _)| e.to_string()).unwrap_or_default();
        match read.await {
            Ok(Ok(slice)) => {
                found = Some((
                    slice,
                    format!("source {label} over the replication protocol"),
                ))
            }
            Ok(Err(err)) => reasons.push(format!("source {label}: {err}")),
            Err(err) => reasons.push(format!("source {label}: the event reader failed: {err}")),
        }
    }
    match found {
        Some((slice, obtained_from)) => {
            collection.manifest.binlog_slice = Some(SliceEntry {
                server: replica_label.to_owned(),
                obtained_from,
                source_log_file: failed.source_log_file.clone(),
                start_position: failed.start_position,
                end_log_pos: failed.end_log_pos.or(slice.end_log_pos).unwrap_or(0),
                gtid: slice.gtid.clone().or(failed.gtid.clone()),
                events: slice.events,
                bytes: slice.bytes.len() as u64,
            });
            collection.binlog_slice = Some(slice.bytes);
        }
        None => {
            if reasons.is_empty() {
                reasons.push("no relay log readable here and no source reachable".into());
            }
            collection.manifest.gaps.push(Gap::new(
                replica_label,
                Item::BinlogSlice,
                GapCause::NotReadableHere,
                "binlog slice",
                reasons.join("; "),
            ));
        }
    }
}

/// The directory of `basename_variable` (`relay_log_basename`, `log_bin_basename`), else the
/// data directory.
fn log_directory(variables: &HashMap<String, String>, basename_variable: &str) -> Option<String> {
    variables
        .get(basename_variable)
        .and_then(|b| Path::new(b).parent())
        .map(|p| p.display().to_string())
        .filter(|p| !p.is_empty())
        .or_else(|| variables.get("datadir").cloned())
}
