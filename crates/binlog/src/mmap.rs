//! Memory-mapping a binlog read-only. The only module with `unsafe`.

#![allow(unsafe_code)]

use std::cell::Cell;
use std::fs::File;
use std::io;
use std::path::Path;

/// A file mapped read-only into memory; its bytes are borrowed by every event read from it, so
/// walking a multi-gigabyte binlog copies nothing and keeps memory constant.
#[derive(Debug)]
pub struct MappedFile {
    // `None` for an empty file: mapping zero bytes is an error on some platforms.
    map: Option<memmap2::Mmap>,
    /// Bytes from the start already handed back with [`MappedFile::release_before`].
    released: Cell<usize>,
    /// Where the bytes handed back with [`MappedFile::release_from`] start (the length when
    /// none were).
    released_from: Cell<usize>,
}

/// Pages are released in steps of at least this many bytes.
const RELEASE_STEP: usize = 8 << 20;
/// Released ranges end on a multiple of this: every platform memmap2 supports has pages of at
/// most 64 KiB, so it keeps them page-aligned without asking the OS.
const RELEASE_ALIGN: usize = 64 << 10;

fn refuse_irregular(metadata: &std::fs::Metadata) -> io::Result<()> {
    if metadata.is_dir() {
        Err(io::Error::new(
            io::ErrorKind::IsADirectory,
            "is a directory",
        ))
    } else if !metadata.is_file() {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a pipe, socket or device cannot be mapped)",
        ))
    } else {
        Ok(())
    }
}

impl MappedFile {
    /// Maps a regular file. A directory, a FIFO or a device is refused before it is opened:
    /// opening a FIFO nobody writes to would wait forever.
    pub fn open(path: &Path) -> io::Result<Self> {
        refuse_irregular(&std::fs::metadata(path)?)?;
        let file = File::open(path)?;
        let metadata = file.metadata()?;
        // Checked again on what was opened, in case the path changed in between.
        refuse_irregular(&metadata)?;
        if metadata.len() == 0 {
            return Ok(Self {
                map: None,
                released: Cell::new(0),
                released_from: Cell::new(0),
            });
        }
        // SAFETY: the mapping is read-only and private to this process. The invariant memmap2
        // asks for is that nobody truncates or rewrites the file while it is mapped. A server may
        // append to the active binlog, which only adds bytes past the mapped length and changes
        // nothing we read. Truncation by another process would raise SIGBUS; binlogs are never
        // truncated in place by the server, and the tool documents that files must not be
        // truncated while it reads them.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        let len = map.len();
        Ok(Self {
            map: Some(map),
            released: Cell::new(0),
            released_from: Cell::new(len),
        })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Tells the kernel that the bytes before `offset` are done with, so that a walk over a
    /// file of any size keeps a small resident set (the pages stay in the page cache). Reading
    /// them again afterwards is still correct: they are faulted in from the file again.
    pub fn release_before(&self, offset: u64) {
        let Some(map) = &self.map else { return };
        let end = usize::try_from(offset).unwrap_or(usize::MAX).min(map.len()) / RELEASE_ALIGN
            * RELEASE_ALIGN;
        let start = self.released.get();
        if end < start.saturating_add(RELEASE_STEP) {
            return;
        }
        // SAFETY: MADV_DONTNEED on a read-only file mapping only drops this process's page
        // table entries; the next access faults the same file bytes in again, so every slice
        // borrowed from the mapping keeps its contents. (It would discard changes only in a
        // writable private mapping, which this is not.) A failure just leaves the pages mapped.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
        self.released.set(end);
    }

    /// Tells the kernel that the bytes from `offset` to the end are done with: the same as
    /// [`MappedFile::release_before`] for a reader that goes from the end of the file back.
    pub fn release_from(&self, offset: u64) {
        let Some(map) = &self.map else { return };
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(map.len())
            .next_multiple_of(RELEASE_ALIGN)
            .min(map.len());
        let end = self.released_from.get();
        if start.saturating_add(RELEASE_STEP) > end {
            return;
        }
        // SAFETY: as in `release_before`: the mapping is read-only, so dropping its pages only
        // makes the next access fault the same file bytes in again.
        let _ = unsafe {
            map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
        };
        self.released_from.set(start);
    }
}
