//! `--resume FILE`: what a run has compared so far, written after every chunk, so that a run
//! stopped (Ctrl-C, a lost server) goes on where it stopped instead of starting over. The
//! tables done keep their reports; the table in progress starts again after its last chunk.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::TableReport;

/// Bump when the file's meaning changes: an older file is refused, never misread.
const FORMAT: u32 = 1;

/// A checkpoint holds per-table reports with at most `max_listed` rows each; far below this.
const MAX_BYTES: u64 = 256 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: u32,
    /// Which servers and which rows: a checkpoint of another comparison is refused.
    pub source: String,
    pub replica: String,
    pub selection: Vec<String>,
    pub filter: Option<String>,
    pub done: Vec<TableReport>,
    pub current: Option<InProgress>,
    /// `--print-sql` statements of the chunks done.
    pub sql: Vec<String>,
}

/// The table being compared: its report so far and the key its next chunk starts after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    pub table: String,
    pub after: Vec<String>,
    pub report: TableReport,
}

impl Checkpoint {
    pub fn new(
        source: String,
        replica: String,
        selection: Vec<String>,
        filter: Option<String>,
    ) -> Checkpoint {
        Checkpoint {
            format: FORMAT,
            source,
            replica,
            selection,
            filter,
            done: Vec::new(),
            current: None,
            sql: Vec::new(),
        }
    }

    /// The checkpoint at `path`, `None` when there is none yet; an error when the file is not
    /// one, or belongs to another comparison than `fresh`.
    pub fn load(path: &Path, fresh: &Checkpoint) -> Result<Option<Checkpoint>, String> {
        let shown = path.display();
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("--resume {shown}: {err}")),
        };
        // Read only what a checkpoint can be: a regular file of bounded size (not a FIFO or a
        // device such as /dev/zero).
        if !metadata.is_file() || metadata.len() > MAX_BYTES {
            return Err(format!(
                "--resume {shown}: not a checkpoint (a regular file of at most {} MiB)",
                MAX_BYTES >> 20
            ));
        }
        let text = std::fs::read(path).map_err(|err| format!("--resume {shown}: {err}"))?;
        let saved: Checkpoint = serde_json::from_slice(&text).map_err(|err| {
            format!(
                "--resume {}: not a verify checkpoint: {err}",
                path.display()
            )
        })?;
        if saved.format != FORMAT {
            return Err(format!(
                "--resume {shown}: written by another version of repldoctor (format {})",
                saved.format
            ));
        }
        let same = (
            &saved.source,
            &saved.replica,
            &saved.selection,
            &saved.filter,
        ) == (
            &fresh.source,
            &fresh.replica,
            &fresh.selection,
            &fresh.filter,
        );
        if !same {
            return Err(format!(
                "--resume {shown}: it is the checkpoint of another comparison ({} against {}, \
                 tables {:?}, where {:?}); remove it or name another file",
                saved.source, saved.replica, saved.selection, saved.filter
            ));
        }
        Ok(Some(saved))
    }

    /// Writes the checkpoint next to `path` and moves it into place, so that a run killed while
    /// writing leaves the previous checkpoint whole.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        let text = serde_json::to_vec(self).map_err(|err| err.to_string())?;
        std::fs::write(&partial, text)
            .and_then(|()| std::fs::rename(&partial, path))
            .map_err(|err| format!("--resume {}: cannot write: {err}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Checkpoint {
        Checkpoint::new("s:1".into(), "r:2".into(), vec!["app".into()], None)
    }

    #[test]
    fn a_checkpoint_round_trips_and_others_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        assert_eq!(Checkpoint::load(&path, &fresh()).unwrap(), None);
        let mut saved = fresh();
        saved.sql.push("DELETE FROM t WHERE id = 1 LIMIT 1;".into());
        saved.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path, &fresh()).unwrap(), Some(saved));
        let other = Checkpoint::new("s:1".into(), "r:3".into(), vec!["app".into()], None);
        assert!(
            Checkpoint::load(&path, &other)
                .unwrap_err()
                .contains("another comparison")
        );
        std::fs::write(&path, b"{not json").unwrap();
        assert!(
            Checkpoint::load(&path, &fresh())
                .unwrap_err()
                .contains("not a verify checkpoint")
        );
        let zero = Checkpoint::load(Path::new("/dev/zero"), &fresh()).unwrap_err();
        assert!(zero.contains("not a checkpoint"), "{zero}");
        assert!(Checkpoint::load(dir.path(), &fresh()).is_err());
    }
}
