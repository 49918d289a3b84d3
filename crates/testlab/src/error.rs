use std::path::PathBuf;

use thiserror::Error;

/// Why the lab could not do what a test asked.
#[derive(Debug, Error)]
pub enum LabError {
    #[error(
        "{program} not found in PATH, /usr/sbin or /usr/bin: install Debian's mariadb-server \
         (scripts/test.sh does it with apt-get)"
    )]
    MissingProgram { program: &'static str },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{program} failed ({status}); its output ends with:\n{output}")]
    Command {
        program: String,
        status: String,
        output: String,
    },
    #[error("server {name} did not start: {reason}; error log {log}:\n{tail}")]
    StartFailed {
        name: String,
        reason: String,
        log: PathBuf,
        tail: String,
    },
    #[error("SQL on {server} failed: {statement}: {source}")]
    Sql {
        server: String,
        statement: String,
        source: mysql_async::Error,
    },
    #[error("timed out after {seconds} s waiting for {what}")]
    Timeout { what: String, seconds: u64 },
}

impl LabError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            what: what.into(),
            source,
        }
    }
}
