//! What repldoctor knows about a replica and its source.
//!
//! One typed snapshot per server (flavor, variables, channel status, applier workers,
//! processlist, GTID state, binlog lists, error-log and backup-log lines), filled from text a DBA
//! pastes or from the raw captures of a live collection, and the format of a bundle that another
//! DBA can replay offline. Pure: no network, no files, no async runtime. Talking to servers is
//! `crates/session`'s job, collecting `crates/collect`'s, reading and writing bundles on disk
//! `crates/bundle`'s.

pub mod bundle;
pub mod model;
pub mod text;
