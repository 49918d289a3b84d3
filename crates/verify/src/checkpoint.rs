//! `--resume FILE`: what a run has compared so far, written after every chunk, so that a run
//! stopped (Ctrl-C, a lost server) goes on where it stopped instead of starting over. The
//! tables done keep their reports; the table in progress starts again after its last chunk.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::report::TableReport;

/// Bump when the file's meaning changes: an older file is refused, never misread.
const FORMAT: u32 = 1;

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
        let text = match std::fs::read(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(format!("--resume {}: {err}", path.display())),
        };
        let saved: Checkpoint = serde_json::from_slice(&text).map_err(|err| {
            format!(
                "--resume {}: not a verify checkpoint: {err}",
                path.display()
            )
        })?;
        if saved.format != FORMAT {
            return Err(format!(
                "--resume {}: written by another version of repldoctor (format {})",
                path.display(),
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
                "--resume {}: it is the checkpoint of another comparison ({} against {}, tables \
                 {:?}, where {:?}); remove it or name another file",
                path.display(),
                saved.source,
                saved.replica,
                saved.selection,
                saved.filter
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
