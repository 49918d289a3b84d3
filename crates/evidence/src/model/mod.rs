//! The typed picture of a replica and its source.
//!
//! [`Evidence`] holds one [`ServerEvidence`] per server. What changes from second to second
//! (channel status, workers, processlist, lock waits, the binlog position) sits in
//! [`StatusSample`]s, so two samples taken a moment apart tell a moving applier from a stuck one;
//! what is read once (variables, binlog lists, log lines) sits on the server. Every item carries
//! its [`Provenance`]: how and when it was obtained.

pub mod activity;
pub mod applier;
pub mod binlog;
pub mod channel;
pub mod fields;
pub mod filters;
pub mod gtid_text;
pub mod innodb;
pub mod logs;
pub mod messages;
pub mod provenance;
pub mod rows;
pub mod schema;
pub mod time;
pub mod variables;

use serde::{Deserialize, Serialize};

pub use activity::{LockWait, ProcessRow};
pub use applier::{CoordinatorRow, WorkerRow};
pub use binlog::{BinlogEvent, BinlogPosition, GtidExecutedRow, LogFileEntry, Upsert, UpsertKind};
pub use channel::{ChannelStatus, ThreadRunning};
pub use fields::RawField;
pub use gtid_text::GtidText;
pub use innodb::{InnodbDeadlock, InnodbLock, InnodbStatus, InnodbTransaction};
pub use logs::{
    BackupEvent, BackupLogLine, BackupTool, ClientError, ClientProgram, ErrorLogFormat,
    ErrorLogLine, LogLevel, ReplicationThread, thread_named_by,
};
pub use messages::{
    ApplierErrorMessage, ColumnConversionFailure, DifferentErrors, DuplicateEntry, FailedStatement,
    LogCoordinate, ReceiverErrorMessage, ReceiverFailure, RowEventFailure, TableName,
    TransactionRef,
};
pub use provenance::{Obtained, Provenance};
pub use rows::{ColumnValue, RowComparison};
pub use schema::{TableColumn, TableDefinition, TableIndex};
pub use time::LogTime;
pub use variables::{ParallelType, VariableValue, Variables};

pub use dialect::{Flavor, Fork, Version};

/// The server's place in the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Replica,
    Source,
    /// Replicates and is replicated from: dual primary, intermediate source.
    SourceAndReplica,
}

/// Who the server is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerIdentity {
    pub flavor: Option<Flavor>,
    /// As the server prints it: `5.7.31-log`, `10.11.6-MariaDB-log`, `8.0.20-11`.
    pub version: Option<String>,
    /// What told us the flavor or version, for a reader who doubts it.
    pub identified_by: Option<String>,
    pub server_id: Option<u32>,
    pub server_uuid: Option<String>,
    /// Oracle MySQL, Percona Server or MariaDB, when `@@version_comment` was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork: Option<Fork>,
    /// `@@read_only`, when read live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

impl ServerIdentity {
    /// The release, read by the one version parser (`dialect::Version`).
    pub fn release(&self) -> Option<Version> {
        Version::parse(self.version.as_deref()?)
    }

    /// `(major, minor, patch)` of the version, when it has that shape.
    pub fn version_triple(&self) -> Option<(u32, u32, u32)> {
        self.release().map(|v| v.triple())
    }
}

/// What the server showed at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSample {
    /// When the sample was taken, if known (live collection); pasted text does not say.
    pub taken_at: Option<jiff::Timestamp>,
    pub channels: Vec<ChannelStatus>,
    pub coordinators: Vec<CoordinatorRow>,
    pub workers: Vec<WorkerRow>,
    pub processlist: Vec<ProcessRow>,
    pub lock_waits: Vec<LockWait>,
    /// `information_schema.INNODB_TRX`.
    pub innodb_transactions: Vec<InnodbTransaction>,
    pub binlog_position: Option<BinlogPosition>,
    /// SHOW SLAVE/REPLICA STATUS was read for this sample (queried live, or pasted with its
    /// statement or its rows): without channels it says the server has none, rather than that
    /// its status was not given.
    #[serde(default)]
    pub replica_status_read: bool,
}

impl StatusSample {
    pub fn channel(&self, name: &str) -> Option<&ChannelStatus> {
        self.channels.iter().find(|c| c.channel_name == name)
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
            && self.coordinators.is_empty()
            && self.workers.is_empty()
            && self.processlist.is_empty()
            && self.lock_waits.is_empty()
            && self.innodb_transactions.is_empty()
            && self.binlog_position.is_none()
            && !self.replica_status_read
    }

    /// The server's replication status was read and names no channel: it is no replica.
    pub fn has_no_channel(&self) -> bool {
        self.replica_status_read && self.channels.is_empty()
    }
}

/// Everything known about one server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEvidence {
    /// The name the DBA gave (`-- server: db01`, `DB01>`) or the DSN's host; `None` for the
    /// one unnamed server of a paste.
    pub label: Option<String>,
    pub role: Option<Role>,
    pub identity: ServerIdentity,
    pub variables: Variables,
    /// SHOW GLOBAL STATUS counters (`Slave_retried_transactions`, `Rpl_semi_sync_*`...).
    pub status: Variables,
    /// In the order taken; most diagnoses read the last, movement compares the first two.
    pub samples: Vec<StatusSample>,
    pub binary_logs: Vec<LogFileEntry>,
    pub relay_logs: Vec<LogFileEntry>,
    pub gtid_executed_table: Vec<GtidExecutedRow>,
    /// GTID sets pasted without saying what they are.
    pub unlabelled_gtid_sets: Vec<(GtidText, Provenance)>,
    pub innodb_status: Vec<InnodbStatus>,
    pub error_log: Vec<ErrorLogLine>,
    pub backup_log: Vec<BackupLogLine>,
    pub binlog_events: Vec<BinlogEvent>,
    /// Errors the client programs of a pasted session printed (`ERROR 1872 (HY000): ...`).
    /// Absent from bundles written before it existed.
    #[serde(default)]
    pub client_errors: Vec<ClientError>,
    /// The failing row event's row against the servers' rows with its key (live collection
    /// and bundles only). Absent from evidence saved before it existed.
    #[serde(default)]
    pub row_comparisons: Vec<RowComparison>,
    /// Columns and keys of the tables the failure concerns (`information_schema`, `SHOW
    /// INDEX`, `SHOW CREATE TABLE`). Absent from evidence saved before it existed.
    #[serde(default)]
    pub tables: Vec<TableDefinition>,
}

impl ServerEvidence {
    pub fn latest_sample(&self) -> Option<&StatusSample> {
        self.samples.last()
    }

    /// The channels of the latest sample.
    pub fn channels(&self) -> &[ChannelStatus] {
        self.latest_sample().map_or(&[], |s| s.channels.as_slice())
    }

    fn merge(&mut self, other: ServerEvidence) {
        if self.role.is_none() {
            self.role = other.role;
        }
        let identity = &mut self.identity;
        let theirs = other.identity;
        if identity.flavor.is_none() {
            identity.flavor = theirs.flavor;
        }
        if identity.version.is_none() {
            identity.version = theirs.version;
            identity.identified_by = theirs.identified_by.or(identity.identified_by.take());
        }
        identity.server_id = identity.server_id.or(theirs.server_id);
        if identity.server_uuid.is_none() {
            identity.server_uuid = theirs.server_uuid;
        }
        self.variables.values.extend(other.variables.values);
        self.status.values.extend(other.status.values);
        self.samples.extend(other.samples);
        self.binary_logs.extend(other.binary_logs);
        self.relay_logs.extend(other.relay_logs);
        self.gtid_executed_table.extend(other.gtid_executed_table);
        self.unlabelled_gtid_sets.extend(other.unlabelled_gtid_sets);
        self.innodb_status.extend(other.innodb_status);
        self.error_log.extend(other.error_log);
        self.backup_log.extend(other.backup_log);
        self.binlog_events.extend(other.binlog_events);
        self.client_errors.extend(other.client_errors);
        self.row_comparisons.extend(other.row_comparisons);
        for table in other.tables {
            self.add_table(table);
        }
    }

    /// Adds a table definition, merged into the one already known for the same table.
    pub fn add_table(&mut self, table: TableDefinition) {
        match self
            .tables
            .iter_mut()
            .find(|t| t.is(table.schema.as_deref(), &table.name))
        {
            Some(known) => known.merge(table),
            None => self.tables.push(table),
        }
    }

    /// The definition of `schema.name`, created empty (from `origin`) when not known yet.
    pub fn table_mut(
        &mut self,
        schema: Option<String>,
        name: &str,
        origin: Provenance,
    ) -> &mut TableDefinition {
        let position = self
            .tables
            .iter()
            .position(|t| t.is(schema.as_deref(), name));
        let index = position.unwrap_or_else(|| {
            self.tables.push(TableDefinition::new(
                schema.clone(),
                name.to_owned(),
                origin,
            ));
            self.tables.len() - 1
        });
        let table = &mut self.tables[index];
        if table.schema.is_none() {
            table.schema = schema;
        }
        table
    }

    /// The definition of `schema.name` (any schema when `None`), if known.
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&TableDefinition> {
        self.tables.iter().find(|t| t.is(schema, name))
    }
}

/// Everything known about the servers of one incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub servers: Vec<ServerEvidence>,
}

impl Evidence {
    /// The server with this label (case-insensitive); `None` finds the unnamed server.
    pub fn server(&self, label: Option<&str>) -> Option<&ServerEvidence> {
        self.servers
            .iter()
            .find(|s| same_label(s.label.as_deref(), label))
    }

    /// The server with this label, created empty when missing.
    pub fn server_mut(&mut self, label: Option<&str>) -> &mut ServerEvidence {
        let index = match self
            .servers
            .iter()
            .position(|s| same_label(s.label.as_deref(), label))
        {
            Some(index) => index,
            None => {
                self.servers.push(ServerEvidence {
                    label: label.map(str::to_owned),
                    ..ServerEvidence::default()
                });
                self.servers.len() - 1
            }
        };
        &mut self.servers[index]
    }

    /// The servers that replicate (have a channel), in order.
    pub fn replicas(&self) -> impl Iterator<Item = &ServerEvidence> {
        self.servers.iter().filter(|s| {
            // Read without a channel last: no replica now, whatever it was called.
            let no_channel_now = s.latest_sample().is_some_and(StatusSample::has_no_channel);
            !no_channel_now
                && (matches!(s.role, Some(Role::Replica | Role::SourceAndReplica))
                    || s.samples.iter().any(|sample| !sample.channels.is_empty()))
        })
    }

    /// Adds another piece of evidence: servers with the same label are merged (samples and
    /// lines appended in order, later variable values win), others are added.
    pub fn merge(&mut self, other: Evidence) {
        let key = |s: &ServerEvidence| s.label.as_deref().map(str::to_ascii_lowercase);
        let mut index: std::collections::HashMap<Option<String>, usize> = self
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| (key(s), i))
            .collect();
        for server in other.servers {
            match index.get(&key(&server)) {
                Some(&i) => self.servers[i].merge(server),
                None => {
                    index.insert(key(&server), self.servers.len());
                    self.servers.push(server);
                }
            }
        }
    }
}

fn same_label(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}
