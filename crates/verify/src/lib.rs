//! `repldoctor verify`: proves that a replica holds its source's rows, with nothing written to
//! the source.
//!
//! - [`point`]: the one point of the replication stream both servers are read at (the source's
//!   consistent snapshot and the binlog position it sees; the replica's applier held there
//!   while its own snapshot opens, then started again).
//! - [`tables`]: which tables, their columns, the key chunks follow; [`filters`]: the tables
//!   the replica's channel does not replicate, left out.
//! - [`sql`]: every statement verify builds: normalised columns, key literals, chunk ranges,
//!   chunk, row and column checksums.
//! - [`run`]: tables in key chunks, chunk checksums from each server, differing chunks
//!   narrowed to rows and columns; [`report`]: what was found; [`checkpoint`]: `--resume`.

pub mod checkpoint;
pub mod point;
pub mod report;
pub mod run;
pub mod sql;
pub mod tables;

pub use report::{Report, RowDifference, RowDifferenceKind, TableReport, Verdict};
pub use run::{Options, Progress, Servers, VerifyError, verify};
