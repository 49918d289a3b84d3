//! Error-log lines that name a replication problem without coming from a replication thread:
//! the server's own messages about a full disk or broken replication repositories.

use evidence::model::{ErrorLogLine, LogLevel, ServerEvidence};

use crate::finding::Cited;

/// Error lines of `server` whose message contains any of `patterns`.
pub fn matching<'a>(server: &'a ServerEvidence, patterns: &[&str]) -> Vec<&'a ErrorLogLine> {
    matching_at(server, patterns, false)
}

/// [`matching`], warnings too when `warnings` (MariaDB logs a full disk as a warning).
pub fn matching_at<'a>(
    server: &'a ServerEvidence,
    patterns: &[&str],
    warnings: bool,
) -> Vec<&'a ErrorLogLine> {
    server
        .error_log
        .iter()
        .filter(|line| {
            line.level == LogLevel::Error || (warnings && line.level == LogLevel::Warning)
        })
        .filter(|line| patterns.iter().any(|p| line.message.contains(p)))
        .collect()
}

pub fn cite(server: &ServerEvidence, line: &ErrorLogLine) -> Cited {
    Cited {
        server: server.label.clone(),
        source: format!("error log ({})", line.origin),
        quote: line.message.clone(),
    }
}

/// File names quoted in messages (`'./myhost-relay-bin.000984'`, `../relaylog/relay-bin.000698`)
/// that look like binlog or relay-log files, without their directory.
pub fn log_file_names(lines: &[&ErrorLogLine]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in lines {
        for word in line
            .message
            .split(|c: char| c.is_whitespace() || c == '\'' || c == ',')
        {
            let word = word.trim_end_matches('.');
            let name = word.rsplit('/').next().unwrap_or(word);
            let numbered = name.rsplit_once('.').is_some_and(|(stem, digits)| {
                !stem.is_empty() && digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit())
            });
            if numbered && !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}
