//! MariaDB's compressed events (`log_bin_compress`): QUERY_COMPRESSED and the six compressed
//! rows events. The compressed part starts with one byte `0x80 | n` followed by the
//! uncompressed length in `n` big-endian bytes, then a zlib stream.

use std::io::Read;

use crate::error::{DecodeError, DecodeResult};
use crate::reader::Reader;

/// The most bytes a compressed event or payload may inflate to: what `max_allowed_packet`
/// allows any server to write (1 GiB), so a bomb is damage rather than gigabytes allocated.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 1 << 30;

/// Inflates a MariaDB compressed block. The output is limited to the length the header
/// announces, which may not pass [`MAX_UNCOMPRESSED_BYTES`], so a hostile block cannot make it
/// grow further.
pub fn uncompress(reader: &mut Reader<'_>) -> DecodeResult<Vec<u8>> {
    uncompress_within(reader, MAX_UNCOMPRESSED_BYTES)
}

fn uncompress_within(reader: &mut Reader<'_>, cap: u64) -> DecodeResult<Vec<u8>> {
    let at = reader.offset();
    let header = reader.u8()?;
    let len_bytes = usize::from(header & 0x07);
    if header & 0x80 == 0 || len_bytes == 0 || len_bytes > 4 {
        return Err(DecodeError::new(
            at,
            format!("compressed block header {header:#04x} is not 0x80 | length-size 1..4"),
        ));
    }
    let expected = reader.uint_be(len_bytes)?;
    if expected > cap {
        return Err(DecodeError::new(
            at,
            format!("compressed block announces {expected} bytes, more than the {cap} allowed"),
        ));
    }
    let compressed = reader.take_rest();
    let mut out = Vec::with_capacity(
        usize::try_from(expected)
            .unwrap_or(usize::MAX)
            .min(compressed.len().saturating_mul(8)),
    );
    flate2::read::ZlibDecoder::new(compressed)
        .take(expected.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::new(at, format!("zlib: {e}")))?;
    if out.len() as u64 != expected {
        return Err(DecodeError::new(
            at,
            format!(
                "compressed block inflates to {} bytes, its header says {expected}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn block(payload: &[u8], declared: u32) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(payload).unwrap();
        let mut out = vec![0x84];
        out.extend_from_slice(&declared.to_be_bytes());
        out.extend(z.finish().unwrap());
        out
    }

    #[test]
    fn round_trip_and_length_check() {
        let data = block(b"INSERT INTO t VALUES (1)", 24);
        assert_eq!(
            uncompress(&mut Reader::new(&data, 0)).unwrap(),
            b"INSERT INTO t VALUES (1)"
        );
        let lying = block(b"INSERT INTO t VALUES (1)", 5);
        assert!(uncompress(&mut Reader::new(&lying, 0)).is_err());
        assert!(uncompress(&mut Reader::new(&[0x01, 0], 0)).is_err());
        assert!(uncompress(&mut Reader::new(&[0x81, 3, 1, 2], 0)).is_err());
    }

    #[test]
    fn a_block_announcing_more_than_the_cap_is_refused_before_inflating() {
        let bomb = block(&[0; 4096], 4 << 20);
        let err = uncompress_within(&mut Reader::new(&bomb, 0), 1 << 20).unwrap_err();
        assert!(err.reason.contains("announces"), "{err:?}");
        let huge = block(b"x", u32::MAX);
        let err = uncompress(&mut Reader::new(&huge, 0)).unwrap_err();
        assert!(err.reason.contains("more than"), "{err:?}");
    }
}
