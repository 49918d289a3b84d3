//! Why a command could not do its job. Every failure is one line and maps to exit status 3.

use std::fmt;

use crate::status::Status;

/// A command could not run to the end. The message is one line, names what was wrong (the
/// server as host:port, the file, the offending input) and never holds a password.
#[derive(Debug)]
pub struct Failure {
    message: String,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub fn status(&self) -> Status {
        Status::Unknown
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Library errors may span lines; a monitoring line must not.
        let mut first = true;
        for line in self
            .message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(line)?;
            first = false;
        }
        Ok(())
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(err: E) -> Self {
        Self::new(err.to_string())
    }
}
