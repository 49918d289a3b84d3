//! The diagnosis rules: one file per replication failure pattern.
//!
//! The engine runs every rule over the evidence and ranks what they find. Each finding names a
//! class from the taxonomy, the root cause in plain words, the evidence that proves it, how sure
//! it is, and a fix plan made of typed steps. The engine also says what it could not check and
//! which extra evidence would settle it.
