//! GTID arithmetic for MySQL and MariaDB, pure and without I/O.
//!
//! MySQL identifies a transaction by `source_uuid[:tag]:number` and describes what a server has
//! executed as a *GTID set* (`3e11fa47-…:1-5:7`); MariaDB uses `domain-server-sequence` triples and
//! describes a server's state as a *GTID position*, one triple per replication domain. This crate
//! parses both exactly as servers print them, normalises them, and answers the questions a DBA asks
//! during an incident: which transactions the replica has that its source never had (errant),
//! which ones the replica still needs and whether the source already purged them (error 1236),
//! and where the holes are.
//!
//! Set operations are linear merges over sorted interval lists: memory and time grow with the
//! number of intervals, never with the number of transactions.

/// Serializes a type as its `Display` text and deserializes it with its `FromStr` parser, so
/// that JSON and saved bundles hold GTIDs exactly as servers print them.
macro_rules! serde_as_text {
    ($type:ty) => {
        impl serde::Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_as_text;

pub mod compare;
pub mod error;
pub mod intervals;
pub mod mariadb;
pub mod mysql;
pub mod verdict;

use std::fmt;

pub use error::ParseError;
pub use mariadb::{GtidPosition, MariaGtid};
pub use mysql::{Gtid, GtidSet, SourceId, Tag};
pub use uuid::Uuid;

/// GTIDs of either flavor, told apart by their syntax: a MySQL set always has `:` after its
/// UUIDs, a MariaDB position never has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyGtids {
    Mysql(GtidSet),
    Mariadb(GtidPosition),
}

impl AnyGtids {
    /// Parses `text` as a MySQL GTID set when it contains `:` and as a MariaDB GTID position
    /// otherwise. Blank text is the empty MySQL set, which is also what a MariaDB server with no
    /// GTIDs prints: callers that know the flavor should parse with it directly.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.contains(':') || text.trim().is_empty() {
            text.parse().map(Self::Mysql)
        } else {
            text.parse().map(Self::Mariadb)
        }
    }
}

impl fmt::Display for AnyGtids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mysql(set) => set.fmt(f),
            Self::Mariadb(position) => position.fmt(f),
        }
    }
}
