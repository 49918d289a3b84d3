//! Bundles: everything a collection read, as it was read, so that another DBA can replay the
//! diagnosis offline and get the same answer.
//!
//! A [`Collection`] holds the raw result of every statement ([`Capture`]), the error-log and
//! backup-log text ([`CapturedFile`]), the failing transaction's events as a small binlog file,
//! and a [`Manifest`] saying what ran, on which server, and what could not be read ([`Gap`]).
//! [`Collection::evidence`] is the one way from raw output to the model: a live collection and
//! a bundle read back from disk go through it alike. On disk (`crates/bundle`) a bundle is a
//! directory or a `.tar.gz` holding `manifest.json`, `captures.json`, the log files and
//! `binlog-slice.bin`.

mod build;
pub mod redact;

use serde::{Deserialize, Serialize};

use crate::model::{Flavor, Role};
pub use dialect::catalogue::Item;

/// What `manifest.json` says its format is.
pub const FORMAT_NAME: &str = "repldoctor-bundle";
/// Raised when the layout of a bundle changes in a way older readers cannot follow.
pub const FORMAT_VERSION: u32 = 1;
/// Where the failing transaction's events are kept in a bundle.
pub const SLICE_FILE: &str = "binlog-slice.bin";

/// The raw result of one statement on one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    /// The server's label (its `host:port`).
    pub server: String,
    pub role: Role,
    pub statement: String,
    /// For the statements taken twice: which sample (0, 1). `None`: read once per server.
    pub sample: Option<usize>,
    pub captured_at: jiff::Timestamp,
    pub columns: Vec<String>,
    /// Values as the server sent them in text form; `None` is SQL `NULL`.
    pub rows: Vec<Vec<Option<String>>>,
    /// Rows the server returned beyond the cap, counted but not kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_dropped: u64,
    /// Set on the captures of a row compared after a duplicate-key or missing-row error: the
    /// incoming row image and the lookups by its key. Their cells are table data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_lookup: Option<RowLookup>,
}

/// Which row a row capture holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSide {
    /// The failing event's row image, decoded from the binlog slice.
    Incoming,
    /// The replica's row with the incoming key.
    Local,
    /// The source's current row with that key.
    Source,
}

/// What a row capture is about: the table, the key, and the values looked up (the statement's
/// parameters, in key order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowLookup {
    pub side: RowSide,
    /// `schema.table`.
    pub table: String,
    pub key_name: String,
    pub key_columns: Vec<String>,
    pub key_values: Vec<Option<String>>,
    /// The table's AUTO_INCREMENT column on the replica, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_increment_column: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What kind of log a captured file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    ErrorLog,
    BackupLog,
}

/// A log file read as text, described in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// The server whose log it is.
    pub server: String,
    pub kind: FileKind,
    /// Where it was read (a path on the collecting host).
    pub read_from: String,
    /// Its name inside the bundle.
    pub bundle_name: String,
    pub captured_at: jiff::Timestamp,
    /// Bytes of the file before the part kept (only the tail of a large log is read).
    pub bytes_skipped: u64,
}

/// A log file's entry and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedFile {
    pub entry: FileEntry,
    pub text: String,
}

/// A server the collection was about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerEntry {
    pub label: String,
    pub role: Role,
    /// `host:port` (or the socket path) that was connected to.
    pub endpoint: String,
    pub flavor: Option<Flavor>,
    pub version: Option<String>,
    pub server_id: Option<u64>,
    /// False when the server could not be reached: nothing of it is in the bundle.
    pub reached: bool,
    /// What the connection negotiated (`TLSv1.3 TLS_AES_256_GCM_SHA384`); `None` without TLS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<String>,
}

/// One statement that ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEntry {
    pub server: String,
    pub statement: String,
    pub sample: Option<usize>,
    pub rows: usize,
    pub elapsed_ms: u64,
}

/// Something that could not be read, and why: a failed statement, a missing privilege, an
/// unreadable file, an unreachable source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub server: String,
    /// The statement or file, or what was wanted ("source", "binlog slice"), for the reader.
    pub what: String,
    /// Why, for the reader: the server's error, the file's.
    pub reason: String,
    /// The evidence it leaves missing. Absent from bundles written before gaps were typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Item>,
    /// Why, typed. Absent from bundles written before gaps were typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<GapCause>,
}

impl Gap {
    pub fn new(
        server: impl Into<String>,
        item: Item,
        cause: GapCause,
        what: impl Into<String>,
        reason: impl Into<String>,
    ) -> Gap {
        Gap {
            server: server.into(),
            what: what.into(),
            reason: reason.into(),
            item: Some(item),
            cause: Some(cause),
        }
    }
}

/// Why something could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapCause {
    /// The account lacks a privilege.
    Denied,
    /// No answer within the statement time limit.
    Timeout,
    /// The connection broke or the server could not be reached.
    Unreachable,
    /// The server refused the statement for another reason.
    Refused,
    /// This server has no such thing (too old, performance_schema off, no binlog).
    NotOnThisServer,
    /// A file the server names is not readable from where repldoctor runs.
    NotReadableHere,
    /// Nobody said where it is (no source given or named).
    NotGiven,
    /// Left out on purpose (`--redact`).
    Redacted,
    /// Read, but not usable (a key with NULL, a table without the rows asked).
    NotUsable,
}

/// Where the failing transaction's events came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliceEntry {
    /// The replica whose applier failed on the transaction.
    pub server: String,
    /// `relay log PATH`, `binlog PATH` or `source HOST:PORT over the replication protocol`.
    pub obtained_from: String,
    /// The source binlog holding the transaction, and its coordinates there.
    pub source_log_file: String,
    pub start_position: u64,
    pub end_log_pos: u64,
    pub gtid: Option<String>,
    pub events: u64,
    pub bytes: u64,
}

/// The options a collection ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionsEntry {
    pub interval_seconds: f64,
    pub query_timeout_seconds: f64,
    pub max_rows: usize,
    pub redacted: bool,
}

/// `manifest.json`: what a bundle holds and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub tool_version: String,
    pub collected_at: jiff::Timestamp,
    pub elapsed_ms: u64,
    pub servers: Vec<ServerEntry>,
    pub statements: Vec<StatementEntry>,
    pub files: Vec<FileEntry>,
    pub binlog_slice: Option<SliceEntry>,
    pub gaps: Vec<Gap>,
    pub options: OptionsEntry,
}

/// Everything one collection read.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    pub manifest: Manifest,
    pub captures: Vec<Capture>,
    pub files: Vec<CapturedFile>,
    /// Magic, the source's FORMAT_DESCRIPTION and the failing transaction's events.
    pub binlog_slice: Option<Vec<u8>>,
}

impl Collection {
    /// The server entry with this label.
    pub fn server(&self, label: &str) -> Option<&ServerEntry> {
        self.manifest.servers.iter().find(|s| s.label == label)
    }
}
