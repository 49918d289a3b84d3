//! The event walk: frames the events of a file by their lengths, verifies checksums, tracks the
//! FORMAT_DESCRIPTION event in force, and stops at the first structural damage with an error
//! naming its offset. Events borrow their bytes from the input; nothing is copied.

use crate::error::{Error, ErrorKind};
use crate::event_type::EventType;
use crate::format::{CHECKSUM_LEN, ChecksumAlg, FormatDescription};
use crate::header::{EventHeader, FLAG_BINLOG_IN_USE, FLAGS_OFFSET, HEADER_LEN};
use crate::reader::Reader;

/// The 4 bytes every binlog and relay log starts with.
pub const MAGIC: [u8; 4] = [0xfe, b'b', b'i', b'n'];

/// One event as framed by the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Absolute byte offset of the event's first byte: the position `mysqlbinlog` prints as
    /// `# at N`. The truth for positions, unlike `header.end_log_pos`.
    pub offset: u64,
    pub header: EventHeader,
    /// The bytes after the common header, without the trailing checksum.
    pub body: &'a [u8],
    /// The stored CRC32, when the format in force has checksums.
    pub checksum: Option<u32>,
    /// The FORMAT_DESCRIPTION in force for this event (for an FDE, itself).
    pub format: FormatDescription<'a>,
}

impl<'a> Event<'a> {
    pub fn event_type(&self) -> EventType {
        self.header.event_type
    }

    /// Offset of the byte after the event.
    pub fn end_offset(&self) -> u64 {
        self.offset + u64::from(self.header.event_length)
    }

    /// Size in bytes of the whole event.
    pub fn size(&self) -> u64 {
        u64::from(self.header.event_length)
    }

    /// A cursor over the body, positioned at its absolute file offset.
    pub fn body_reader(&self) -> Reader<'a> {
        Reader::new(self.body, self.offset + HEADER_LEN as u64)
    }

    /// Post-header length declared by the format in force, or `default` when the format did
    /// not declare one for this type.
    pub fn post_header_len(&self, default: usize) -> usize {
        self.format
            .post_header_len(self.header.event_type)
            .unwrap_or(default)
    }
}

/// Counters kept while walking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Events framed (including FORMAT_DESCRIPTION events).
    pub events: u64,
    /// Events of a type neither flavor defines, skipped by length.
    pub unknown: u64,
    /// Events whose CRC32 was computed and matched.
    pub checksums_verified: u64,
    /// FORMAT_DESCRIPTION events seen (relay logs hold two or more).
    pub format_descriptions: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Walking,
    Finished,
}

/// An iterator over the events of a whole file held in memory (a mapped file or a slice).
/// Yields `Ok(event)` for every good event, then, if the file is damaged, one `Err` naming the
/// offset and the damage, then nothing.
#[derive(Debug, Clone)]
pub struct EventWalk<'a> {
    data: &'a [u8],
    pos: usize,
    start_offset: u64,
    format: Option<FormatDescription<'a>>,
    verify_checksums: bool,
    state: State,
    stats: WalkStats,
    /// A MariaDB START_ENCRYPTION was read: what follows cannot be read without the key.
    encrypted: bool,
}

impl<'a> EventWalk<'a> {
    /// A walk over a whole binlog or relay log, magic bytes included.
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            start_offset: 0,
            format: None,
            verify_checksums: true,
            state: State::Start,
            stats: WalkStats::default(),
            encrypted: false,
        }
    }

    /// A walk over events that follow one another without magic or FORMAT_DESCRIPTION, read
    /// with `format` (the events inside a TRANSACTION_PAYLOAD).
    pub fn inner(data: &'a [u8], format: FormatDescription<'a>) -> Self {
        Self {
            format: Some(format),
            state: State::Walking,
            ..Self::new(data)
        }
    }

    /// Skips to the event starting at `offset` after reading the first FORMAT_DESCRIPTION
    /// (which is yielded only if it starts at or after `offset`). `offset` must be an event's
    /// start, as `mysqlbinlog --start-position` requires.
    pub fn start_at(mut self, offset: u64) -> Self {
        self.start_offset = offset;
        self
    }

    /// Starts at `offset`, the first byte of an event where `format` is in force (as found by
    /// an earlier reading of the same bytes), without reading anything before it.
    pub fn resume_at(mut self, offset: u64, format: FormatDescription<'a>) -> Self {
        self.pos = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.data.len());
        self.format = Some(format);
        self.state = State::Walking;
        self
    }

    /// Turns CRC32 verification off (framing is still checked).
    pub fn verify_checksums(mut self, verify: bool) -> Self {
        self.verify_checksums = verify;
        self
    }

    pub fn stats(&self) -> WalkStats {
        self.stats
    }

    /// The FORMAT_DESCRIPTION in force after the events yielded so far.
    pub fn format(&self) -> Option<&FormatDescription<'a>> {
        self.format.as_ref()
    }

    fn fail(&mut self, offset: u64, kind: ErrorKind) -> Option<Result<Event<'a>, Error>> {
        self.state = State::Finished;
        Some(Err(Error { offset, kind }))
    }

    fn read_magic(&mut self) -> Result<(), Error> {
        match self.data.get(..MAGIC.len()) {
            Some(magic) if magic == MAGIC => {
                self.pos = MAGIC.len();
                Ok(())
            }
            other => Err(Error {
                offset: 0,
                kind: ErrorKind::NotABinlog {
                    found: other
                        .unwrap_or(self.data)
                        .iter()
                        .take(MAGIC.len())
                        .copied()
                        .collect(),
                },
            }),
        }
    }

    /// Frames the event at `self.pos`; `None` at a clean end of file.
    fn next_event(&mut self) -> Option<Result<Event<'a>, Error>> {
        let offset = self.pos as u64;
        let rest = &self.data[self.pos..];
        if rest.is_empty() {
            self.state = State::Finished;
            return None;
        }
        if self.encrypted {
            // The events are still framed by a clear length, but their checksums cover the
            // plain text: nothing more can be verified or decoded.
            return self.fail(offset, ErrorKind::Encrypted);
        }
        let Ok(header) = EventHeader::parse(&mut Reader::new(rest, offset)) else {
            return self.fail(
                offset,
                ErrorKind::TruncatedHeader {
                    available: rest.len() as u64,
                },
            );
        };
        let is_fde = header.event_type == EventType::FORMAT_DESCRIPTION;
        let length = header.event_length as usize;
        if length > rest.len() {
            return self.fail(
                offset,
                ErrorKind::TruncatedEvent {
                    length: u64::from(header.event_length),
                    available: rest.len() as u64,
                },
            );
        }
        let raw = &rest[..length];
        let format = if is_fde {
            match FormatDescription::parse(&raw[HEADER_LEN.min(length)..], offset + 19) {
                Ok(format) => format,
                Err(err) => {
                    let kind = if length < HEADER_LEN {
                        ErrorKind::EventTooShort {
                            length: length as u64,
                            minimum: HEADER_LEN as u64,
                        }
                    } else {
                        ErrorKind::UnsupportedFormat { reason: err.reason }
                    };
                    return self.fail(offset, kind);
                }
            }
        } else {
            match self.format {
                Some(format) => format,
                None => {
                    return self.fail(
                        offset,
                        ErrorKind::NoFormatDescription {
                            found: header.event_type,
                        },
                    );
                }
            }
        };
        // An FDE of a checksum-aware server always ends with the algorithm byte and 4 checksum
        // bytes, even when the algorithm is NONE.
        let trailer = match (is_fde, format.checksum) {
            (true, ChecksumAlg::PreChecksum) => 0,
            (true, _) => CHECKSUM_LEN,
            (false, alg) if alg.has_crc() => CHECKSUM_LEN,
            (false, _) => 0,
        };
        let minimum = HEADER_LEN + trailer;
        if length < minimum {
            return self.fail(
                offset,
                ErrorKind::EventTooShort {
                    length: length as u64,
                    minimum: minimum as u64,
                },
            );
        }
        let (framed, stored) = raw.split_at(length - trailer);
        let checksum = (trailer == CHECKSUM_LEN).then(|| {
            let mut crc = [0u8; 4];
            crc.copy_from_slice(stored);
            u32::from_le_bytes(crc)
        });
        // Servers that know checksums write a valid CRC32 on the FDE whatever the algorithm
        // it announces, so a flipped algorithm byte or version digit shows there.
        let fde_has_crc = is_fde && format.checksum != ChecksumAlg::PreChecksum;
        if let (true, true, ChecksumAlg::Other(code)) =
            (is_fde, self.verify_checksums, format.checksum)
        {
            return self.fail(
                offset,
                ErrorKind::UnsupportedFormat {
                    reason: format!(
                        "checksum algorithm {code} is not known (0 is NONE, 1 is CRC32)"
                    ),
                },
            );
        }
        if let Some(stored) = checksum
            && (format.checksum.has_crc() || fde_has_crc)
            && self.verify_checksums
        {
            let computed = crc32_of(framed, is_fde);
            if computed != stored {
                return self.fail(offset, ErrorKind::ChecksumMismatch { stored, computed });
            }
            self.stats.checksums_verified += 1;
        }
        // An FDE's body keeps its algorithm byte; `format` already has it decoded.
        let body = &framed[HEADER_LEN..];
        if is_fde {
            self.format = Some(format);
            self.stats.format_descriptions += 1;
        }
        self.encrypted = header.event_type == EventType::MARIA_START_ENCRYPTION;
        self.pos += length;
        self.stats.events += 1;
        if !header.event_type.is_known() {
            self.stats.unknown += 1;
        }
        Some(Ok(Event {
            offset,
            header,
            body,
            checksum,
            format,
        }))
    }
}

/// CRC32 of an event's bytes before its checksum. For a FORMAT_DESCRIPTION event the
/// in-use flag is cleared first: the server computes the checksum before setting it.
fn crc32_of(framed: &[u8], is_fde: bool) -> u32 {
    if !is_fde {
        return crc32fast::hash(framed);
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&framed[..FLAGS_OFFSET]);
    let flags = u16::from_le_bytes([framed[FLAGS_OFFSET], framed[FLAGS_OFFSET + 1]]);
    hasher.update(&(flags & !FLAG_BINLOG_IN_USE).to_le_bytes());
    hasher.update(&framed[FLAGS_OFFSET + 2..]);
    hasher.finalize()
}

impl<'a> Iterator for EventWalk<'a> {
    type Item = Result<Event<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.state {
            State::Finished => None,
            State::Walking => self.next_event(),
            State::Start => {
                if let Err(err) = self.read_magic() {
                    self.state = State::Finished;
                    return Some(Err(err));
                }
                self.state = State::Walking;
                if self.start_offset <= MAGIC.len() as u64 {
                    return self.next_event();
                }
                self.skip_to_start()
            }
        }
    }
}

impl<'a> EventWalk<'a> {
    /// Frames (without checksums, which are checked from the start offset on) the events before
    /// the start offset, so that the FORMAT_DESCRIPTION in force there is known, then yields
    /// the event at the start offset. An offset inside an event is an error naming the events
    /// around it.
    fn skip_to_start(&mut self) -> Option<Result<Event<'a>, Error>> {
        let target = self.start_offset;
        if target > self.data.len() as u64 {
            return self.fail(
                target,
                ErrorKind::Io {
                    message: format!(
                        "start offset {target} is past the end of the file ({} bytes)",
                        self.data.len()
                    ),
                },
            );
        }
        let verify = self.verify_checksums;
        self.verify_checksums = false;
        let mut previous = MAGIC.len() as u64;
        while (self.pos as u64) < target {
            previous = self.pos as u64;
            match self.next_event() {
                Some(Ok(_)) => {}
                Some(Err(err)) => return Some(Err(err)),
                None => break,
            }
        }
        self.verify_checksums = verify;
        if self.pos as u64 != target {
            return self.fail(
                target,
                ErrorKind::NotAnEventStart {
                    previous,
                    next: self.pos as u64,
                },
            );
        }
        self.stats = WalkStats {
            format_descriptions: self.stats.format_descriptions,
            ..WalkStats::default()
        };
        self.next_event()
    }
}
