//! TRANSACTION_PAYLOAD (MySQL 8.0.20+ `binlog_transaction_compression`): a whole transaction's
//! events, without checksums, compressed with zstd.

use std::io::Read;

use super::compression::MAX_UNCOMPRESSED_BYTES;
use crate::error::{DecodeError, DecodeResult};
use crate::format::{ChecksumAlg, FormatDescription};
use crate::reader::Reader;
use crate::walk::{Event, EventWalk};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Zstd,
    None,
    Other(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransactionPayload<'a> {
    pub compression: Compression,
    /// Size of the inner events once decompressed, when the writer said.
    pub uncompressed_size: Option<u64>,
    pub payload: &'a [u8],
    /// Absolute offset of `payload`.
    pub payload_offset: u64,
    /// The format of the events inside (the outer one, without checksums).
    format: FormatDescription<'a>,
}

mod field {
    pub const END_OF_HEADER: u64 = 0;
    pub const PAYLOAD_SIZE: u64 = 1;
    pub const COMPRESSION_TYPE: u64 = 2;
    pub const UNCOMPRESSED_SIZE: u64 = 3;
}

fn packed(r: &mut Reader<'_>) -> DecodeResult<u64> {
    let at = r.offset();
    r.packed()?
        .ok_or_else(|| DecodeError::new(at, "invalid length-encoded integer"))
}

impl<'a> TransactionPayload<'a> {
    pub fn parse(event: &Event<'a>) -> DecodeResult<Self> {
        // The FDE declares a post-header for this type (40 bytes in 8.0) but the server writes
        // none: the fields start right after the common header.
        let mut r = event.body_reader();
        let mut payload_size = None;
        let mut compression = None;
        let mut uncompressed_size = None;
        loop {
            let at = r.offset();
            let field_type = packed(&mut r)?;
            if field_type == field::END_OF_HEADER {
                break;
            }
            let len = packed(&mut r)?;
            let mut value = Reader::new(r.bytes_u64(len)?, r.offset() - len);
            match field_type {
                field::PAYLOAD_SIZE => payload_size = Some(packed(&mut value)?),
                field::COMPRESSION_TYPE => {
                    compression = Some(match packed(&mut value)? {
                        0 => Compression::Zstd,
                        255 => Compression::None,
                        other => Compression::Other(other),
                    })
                }
                field::UNCOMPRESSED_SIZE => uncompressed_size = Some(packed(&mut value)?),
                // Fields of later versions are skipped by their length.
                _ => {}
            }
            if r.is_empty() {
                return Err(DecodeError::new(at, "header has no end mark"));
            }
        }
        let at = r.offset();
        let (Some(payload_size), Some(compression)) = (payload_size, compression) else {
            return Err(DecodeError::new(
                at,
                "payload size or compression type missing",
            ));
        };
        let payload_offset = r.offset();
        let payload = r.bytes_u64(payload_size)?;
        let mut format = event.format;
        format.checksum = ChecksumAlg::Off;
        Ok(Self {
            compression,
            uncompressed_size,
            payload,
            payload_offset,
            format,
        })
    }

    /// The inner events' bytes. The output never grows past the uncompressed size the header
    /// announced (when it announced one) nor past [`MAX_UNCOMPRESSED_BYTES`], so a hostile
    /// payload cannot exhaust memory.
    pub fn decompress(&self) -> DecodeResult<Vec<u8>> {
        match self.compression {
            Compression::None => Ok(self.payload.to_vec()),
            Compression::Other(code) => Err(DecodeError::new(
                self.payload_offset,
                format!("compression type {code} is not known"),
            )),
            Compression::Zstd => unzstd(
                self.payload,
                self.payload_offset,
                self.uncompressed_size,
                MAX_UNCOMPRESSED_BYTES,
            ),
        }
    }

    /// A walk over the inner events of `decompressed` (from [`TransactionPayload::decompress`]).
    /// Their offsets are positions inside the decompressed payload.
    pub fn inner_events<'b>(&self, decompressed: &'b [u8]) -> EventWalk<'b>
    where
        'a: 'b,
    {
        EventWalk::inner(decompressed, self.format)
    }
}

/// Inflates a zstd payload found at `offset` to at most `cap` bytes: a size announced above the
/// cap is refused before anything is inflated, and a stream growing past it is cut off.
fn unzstd(payload: &[u8], offset: u64, announced: Option<u64>, cap: u64) -> DecodeResult<Vec<u8>> {
    if let Some(size) = announced.filter(|&size| size > cap) {
        return Err(DecodeError::new(
            offset,
            format!("payload announces {size} bytes uncompressed, more than the {cap} allowed"),
        ));
    }
    let err = |e: std::io::Error| DecodeError::new(offset, format!("zstd: {e}"));
    let limit = announced.unwrap_or(cap);
    let mut out = Vec::with_capacity(
        usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(payload.len().saturating_mul(16)),
    );
    zstd::stream::read::Decoder::new(payload)
        .map_err(err)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(err)?;
    match announced {
        Some(expected) if out.len() as u64 != expected => Err(DecodeError::new(
            offset,
            format!(
                "payload decompresses to {} bytes, its header says {expected}",
                out.len()
            ),
        )),
        None if out.len() as u64 > cap => Err(DecodeError::new(
            offset,
            format!("payload decompresses to more than the {cap} bytes allowed"),
        )),
        _ => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bomb: a few kilobytes of zstd that inflate to many times the cap.
    fn bomb(inflated: usize) -> Vec<u8> {
        zstd::bulk::compress(&vec![0u8; inflated], 19).unwrap()
    }

    #[test]
    fn a_payload_past_the_cap_is_refused() {
        let cap = 1 << 20;
        let payload = bomb(4 << 20);
        assert!(payload.len() < 4 << 10, "{}", payload.len());
        let unannounced = unzstd(&payload, 7, None, cap).unwrap_err();
        assert_eq!(unannounced.at, 7);
        assert!(unannounced.reason.contains("more than"), "{unannounced:?}");
        let announced = unzstd(&payload, 7, Some(1 << 40), cap).unwrap_err();
        assert!(announced.reason.contains("announces"), "{announced:?}");
        assert_eq!(unzstd(&bomb(1000), 0, Some(1000), cap).unwrap().len(), 1000);
        assert_eq!(unzstd(&bomb(1000), 0, None, cap).unwrap().len(), 1000);
    }
}
