//! Memory-mapping a binlog read-only. The only module with `unsafe`.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::path::Path;

/// A file mapped read-only into memory; its bytes are borrowed by every event read from it, so
/// walking a multi-gigabyte binlog copies nothing and keeps memory constant.
#[derive(Debug)]
pub struct MappedFile {
    // `None` for an empty file: mapping zero bytes is an error on some platforms.
    map: Option<memmap2::Mmap>,
}

impl MappedFile {
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            return Ok(Self { map: None });
        }
        // SAFETY: the mapping is read-only and private to this process. The invariant memmap2
        // asks for is that nobody truncates or rewrites the file while it is mapped. A server may
        // append to the active binlog, which only adds bytes past the mapped length and changes
        // nothing we read. Truncation by another process would raise SIGBUS; binlogs are never
        // truncated in place by the server, and the tool documents that files must not be
        // truncated while it reads them.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(Self { map: Some(map) })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }
}
