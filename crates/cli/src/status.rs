//! Exit statuses, following the monitoring-plugin convention (Nagios, Icinga, Sensu).

/// What the process exit status tells a monitoring system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Status {
    /// Nothing wrong was found.
    Healthy = 0,
    /// Something deserves attention but replication works.
    Warning = 1,
    /// Replication is broken or about to break.
    Critical = 2,
    /// The check could not run (bad input, unreachable server, a part not built yet), or could
    /// not tell (evidence that looks like a replication error was not understood).
    Unknown = 3,
}

impl Status {
    /// The name scripts read in `status`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }
}
