//! Reading what the user points repldoctor at (evidence, a GTID set file, a schema dump,
//! standard input) within a cap, so that `/dev/zero` or a runaway pipe fails at once with an
//! error instead of filling the machine's memory.
//!
//! The caps are far above any real input (a pasted SHOW SLAVE STATUS is kilobytes, a GTID set
//! of ten thousand servers a megabyte), so they are not configurable: an input past one is cut
//! down by the user (the error says how), not read whole.

use std::io::Read;
use std::path::Path;

/// The most repldoctor reads of one kind of input, and how to cut a larger one down.
#[derive(Debug, Clone, Copy)]
pub struct Cap {
    bytes: u64,
    what: &'static str,
    advice: &'static str,
}

impl Cap {
    /// Whether `total` bytes, read in several inputs of this kind together, pass the cap: the
    /// cap bounds what one command holds, not only each input.
    pub fn exceeded_by(&self, total: u64) -> Option<String> {
        (total > self.bytes).then(|| too_large(*self))
    }
}

/// `diagnose --evidence FILE` and `-`.
pub const EVIDENCE: Cap = Cap {
    bytes: 256 << 20,
    what: "evidence",
    advice: "give the relevant part (a log's tail: tail -c 10M FILE)",
};

/// `gtid @FILE` and `@-`.
pub const GTID_SET: Cap = Cap {
    bytes: 64 << 20,
    what: "a GTID set",
    advice: "a server's GTID set is never this long",
};

/// `binlog --schema FILE`. A `mysqldump --no-data` of a server with many thousand tables can
/// pass 64 MiB, hence the same cap as evidence.
pub const SCHEMA: Cap = Cap {
    bytes: 256 << 20,
    what: "a schema file",
    advice: "keep the CREATE TABLE statements of the tables the binlog writes",
};

/// Where an input comes from.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    Stdin,
    File(&'a Path),
}

/// The bytes of the input, at most the cap. The error says what was wrong but not which input:
/// the caller names it.
pub fn read(input: Input<'_>, cap: Cap) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    match input {
        Input::Stdin => read_capped(std::io::stdin().lock(), &mut bytes, cap)?,
        Input::File(path) => {
            // A FIFO or a device is read like standard input: within the cap.
            let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
            let metadata = file.metadata().map_err(|err| err.to_string())?;
            if metadata.is_dir() {
                return Err("it is a directory, not a file".to_owned());
            }
            if metadata.is_file() {
                if metadata.len() > cap.bytes {
                    return Err(too_large(cap));
                }
                bytes.reserve_exact(metadata.len() as usize);
            }
            read_capped(file, &mut bytes, cap)?;
        }
    }
    Ok(bytes)
}

/// [`read`] as UTF-8 text.
pub fn read_text(input: Input<'_>, cap: Cap) -> Result<String, String> {
    String::from_utf8(read(input, cap)?)
        .map_err(|_| "stream did not contain valid UTF-8".to_owned())
}

/// Reads one byte past the cap, to tell "exactly the cap" from "more".
fn read_capped(reader: impl Read, bytes: &mut Vec<u8>, cap: Cap) -> Result<(), String> {
    reader
        .take(cap.bytes + 1)
        .read_to_end(bytes)
        .map_err(|err| err.to_string())?;
    if bytes.len() as u64 > cap.bytes {
        return Err(too_large(cap));
    }
    Ok(())
}

fn too_large(cap: Cap) -> String {
    format!(
        "larger than {} MiB, the most repldoctor reads as {}; {}",
        cap.bytes >> 20,
        cap.what,
        cap.advice
    )
}
