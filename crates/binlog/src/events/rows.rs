//! Rows events: WRITE/UPDATE/DELETE in their v1 and v2 layouts, MySQL's PARTIAL_UPDATE_ROWS
//! and MariaDB's compressed forms. (The PRE_GA rows events of 5.1 betas, 20–22, have a layout
//! of their own and are left undecoded.) The row images are kept raw here; splitting them into
//! values needs the table map's column types ([`crate::values`]).

use std::borrow::Cow;

use super::compression;
use crate::error::{DecodeError, DecodeResult};
use crate::event_type::EventType;
use crate::walk::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowsKind {
    Write,
    Update,
    Delete,
    /// MySQL `binlog_row_value_options=PARTIAL_JSON`: an update whose after image may hold
    /// JSON diffs.
    PartialUpdate,
}

/// How a rows event type is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    kind: RowsKind,
    /// v2 adds a variable-length extra-data block after the post-header.
    v2: bool,
    /// MariaDB `log_bin_compress`: the row images are zlib-compressed.
    compressed: bool,
}

fn layout(t: EventType) -> Option<Layout> {
    use RowsKind::*;
    let (kind, v2, compressed) = match t {
        EventType::WRITE_ROWS_V1 => (Write, false, false),
        EventType::UPDATE_ROWS_V1 => (Update, false, false),
        EventType::DELETE_ROWS_V1 => (Delete, false, false),
        EventType::WRITE_ROWS_V2 => (Write, true, false),
        EventType::UPDATE_ROWS_V2 => (Update, true, false),
        EventType::DELETE_ROWS_V2 => (Delete, true, false),
        EventType::PARTIAL_UPDATE_ROWS => (PartialUpdate, true, false),
        EventType::MARIA_WRITE_ROWS_COMPRESSED_V1 => (Write, false, true),
        EventType::MARIA_UPDATE_ROWS_COMPRESSED_V1 => (Update, false, true),
        EventType::MARIA_DELETE_ROWS_COMPRESSED_V1 => (Delete, false, true),
        EventType::MARIA_WRITE_ROWS_COMPRESSED => (Write, true, true),
        EventType::MARIA_UPDATE_ROWS_COMPRESSED => (Update, true, true),
        EventType::MARIA_DELETE_ROWS_COMPRESSED => (Delete, true, true),
        _ => return None,
    };
    Some(Layout {
        kind,
        v2,
        compressed,
    })
}

impl RowsKind {
    /// The kind of a rows event type, `None` for other types.
    pub fn of(t: EventType) -> Option<Self> {
        layout(t).map(|l| l.kind)
    }

    /// Whether rows carry a before and an after image.
    pub fn has_two_images(self) -> bool {
        matches!(self, Self::Update | Self::PartialUpdate)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Write => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::PartialUpdate => "partial_update",
        }
    }
}

/// Flag: the last rows event of a statement.
pub const FLAG_STMT_END: u16 = 0x0001;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows<'a> {
    pub kind: RowsKind,
    pub table_id: u64,
    pub flags: u16,
    /// v2 extra data (NDB info, partition ids), without its length.
    pub extra: &'a [u8],
    pub column_count: u64,
    /// Columns present in the before image (delete, update) or the row (write).
    pub columns_before: &'a [u8],
    /// Columns present in the after image of an update.
    pub columns_after: Option<&'a [u8]>,
    /// The row images, back to back; owned when they were compressed.
    pub rows: Cow<'a, [u8]>,
    /// Absolute offset of `rows` in the file (of the compressed block when compressed: offsets
    /// inside inflated images are counted from there).
    pub rows_offset: u64,
    pub compressed: bool,
}

impl<'a> Rows<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        let mut r = event.body_reader();
        let Some(layout) = layout(event.event_type()) else {
            return Err(DecodeError::new(r.offset(), "not a rows event"));
        };
        let default_post_header = if layout.v2 { 10 } else { 8 };
        let post_header_len = event.post_header_len(default_post_header);
        let mut post = r.split(post_header_len)?;
        let table_id = post.uint(if post_header_len == 6 { 4 } else { 6 })?;
        let flags = post.u16()?;
        let extra = if layout.v2 {
            // The v2 post-header ends with the length of the extra data, itself included.
            let at = post.offset();
            let extra_len = usize::from(post.u16()?);
            let data_len = extra_len.checked_sub(2).ok_or_else(|| {
                DecodeError::new(at, format!("extra data length {extra_len} is below 2"))
            })?;
            r.bytes(data_len)?
        } else {
            &[]
        };
        let count_at = r.offset();
        let column_count = r
            .packed()?
            .ok_or_else(|| DecodeError::new(count_at, "column count is not a valid length"))?;
        let bitmap_len = usize::try_from(column_count.div_ceil(8)).unwrap_or(usize::MAX);
        let columns_before = r.bytes(bitmap_len)?;
        let columns_after = if layout.kind.has_two_images() {
            Some(r.bytes(bitmap_len)?)
        } else {
            None
        };
        let rows_offset = r.offset();
        let rows = if layout.compressed {
            Cow::Owned(compression::uncompress(&mut r)?)
        } else {
            Cow::Borrowed(r.take_rest())
        };
        Ok(Self {
            kind: layout.kind,
            table_id,
            flags,
            extra,
            column_count,
            columns_before,
            columns_after,
            rows,
            rows_offset,
            compressed: layout.compressed,
        })
    }

    pub fn is_statement_end(&self) -> bool {
        self.flags & FLAG_STMT_END != 0
    }
}
