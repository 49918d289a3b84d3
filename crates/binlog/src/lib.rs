//! Reading MySQL and MariaDB binary logs and relay logs.
//!
//! A fast event walk over a file (byte offsets are the truth for positions, checksums are
//! verified, damage is reported as an error value with its offset, never as a clean end of file),
//! decoding of every event type of both flavors including row values and compressed payloads,
//! grouping of events into transactions, rendering as SQL and undo SQL, and parallelism analysis
//! from the logical clock.
//!
//! ```no_run
//! let file = binlog::MappedFile::open("mysql-bin.000001".as_ref())?;
//! for event in binlog::EventWalk::new(file.bytes()) {
//!     let event = event?;
//!     println!("{} {}", event.offset, event.event_type());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod error;
pub mod event_type;
pub mod events;
pub mod format;
pub mod header;
mod mmap;
mod quote;
pub mod reader;
pub mod schema;
pub mod sql;
pub mod stats;
pub mod summary;
pub mod transaction;
pub mod values;
pub mod walk;

#[cfg(test)]
#[path = "../tests/common/fixtures_dir.rs"]
mod fixtures_dir;

pub use error::{DecodeError, Error, ErrorKind};
pub use event_type::EventType;
pub use events::{EventData, decode};
pub use format::{ChecksumAlg, Flavor, FormatDescription};
pub use header::EventHeader;
pub use mmap::MappedFile;
pub use reader::Reader;
pub use schema::Schema;
pub use sql::Statements;
pub use stats::Stats;
pub use summary::summary;
pub use transaction::{
    NewestFirst, Options, Render, Transaction, Transactions, find, find_by_gtid, find_by_position,
    find_in_time_window, newest_first, transactions, transactions_with,
};
pub use values::{Row, TableSchema, Value};
pub use walk::{Event, EventWalk, MAGIC, WalkStats};
