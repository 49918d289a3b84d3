//! Log files read from this host's disk: the tail of an error log, a backup tool's log.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use evidence::bundle::{CapturedFile, FileEntry, FileKind};

/// Only the end of a log matters for an incident; a log can be gigabytes.
pub const TAIL_BYTES: u64 = 1 << 20;

/// Reads the last [`TAIL_BYTES`] of a file as text, from the first whole line.
pub fn read_tail(
    path: &Path,
    server: &str,
    kind: FileKind,
    bundle_name: String,
) -> std::io::Result<CapturedFile> {
    // Opening a FIFO or a device blocks or never ends: only a regular file is read (the
    // server's log path comes from the server, which may be hostile).
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let skipped = size.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(skipped))?;
    let mut bytes = Vec::with_capacity((size - skipped) as usize);
    file.take(TAIL_BYTES).read_to_end(&mut bytes)?;
    let mut start = 0;
    if skipped > 0 {
        // The cut fell inside a line: start at the next one.
        start = bytes
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |p| p + 1);
    }
    Ok(CapturedFile {
        entry: FileEntry {
            server: server.to_owned(),
            kind,
            read_from: path.display().to_string(),
            bundle_name,
            captured_at: jiff::Timestamp::now(),
            bytes_skipped: skipped + start as u64,
        },
        text: String::from_utf8_lossy(&bytes[start..]).into_owned(),
    })
}

/// A server-relative path (`log_error = ./error.log`, a relay log name) made absolute with the
/// data directory, as the server itself does.
pub fn server_path(path: &str, datadir: Option<&str>) -> Option<PathBuf> {
    let path = path.trim();
    if path.is_empty() || path.eq_ignore_ascii_case("stderr") {
        return None;
    }
    let path = Path::new(path);
    if path.is_absolute() {
        return Some(path.to_path_buf());
    }
    Some(Path::new(datadir?).join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_starts_at_a_whole_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("error.log");
        let line = "2026-01-01 10:00:00 0 [Note] something happened here\n";
        let count = (TAIL_BYTES as usize / line.len()) + 100;
        std::fs::write(&path, line.repeat(count)).unwrap();
        let tail = read_tail(&path, "s", FileKind::ErrorLog, "e".into()).unwrap();
        assert!(tail.text.len() as u64 <= TAIL_BYTES);
        assert!(tail.text.starts_with("2026-01-01"));
        assert_eq!(
            tail.entry.bytes_skipped + tail.text.len() as u64,
            (line.len() * count) as u64
        );
    }

    #[test]
    fn only_a_regular_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("error.log");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Returns at once instead of waiting for a writer.
        let err = read_tail(&fifo, "s", FileKind::ErrorLog, "e".into()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        let err = read_tail(dir.path(), "s", FileKind::ErrorLog, "e".into()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn relative_paths_are_under_the_data_directory() {
        assert_eq!(
            server_path("./error.log", Some("/var/lib/mysql/")),
            Some(PathBuf::from("/var/lib/mysql/./error.log"))
        );
        assert_eq!(server_path("stderr", Some("/d")), None);
        assert_eq!(
            server_path("/var/log/e.log", None),
            Some(PathBuf::from("/var/log/e.log"))
        );
    }
}
