//! GTID arithmetic for MySQL and MariaDB, pure and without I/O.
//!
//! MySQL identifies a transaction by `source_uuid[:tag]:number` and describes what a server has
//! executed as a *GTID set* (`3e11fa47-…:1-5:7`); MariaDB uses `domain-server-sequence` triples and
//! describes a server's state as a *GTID position*, one triple per replication domain. This crate
//! parses both exactly as servers print them, normalises them, and answers the questions a DBA asks
//! during an incident: which transactions the replica has that its source never had (errant),
//! which ones the replica still needs and whether the source already purged them (error 1236),
//! and where the holes are.
