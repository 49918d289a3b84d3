//! Reading MySQL and MariaDB binary logs and relay logs.
//!
//! A fast event walk over a file (byte offsets are the truth for positions, checksums are
//! verified, damage is reported as an error value with its offset, never as a clean end of file),
//! decoding of every event type of both flavors including row values and compressed payloads,
//! grouping of events into transactions, rendering as SQL and undo SQL, and parallelism analysis
//! from the logical clock.
