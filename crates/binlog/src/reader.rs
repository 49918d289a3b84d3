//! A bounds-checked little-endian cursor over a byte slice, in the manner of gimli's
//! `EndianSlice` and object's `Bytes`: every read either returns a value borrowed from or copied
//! out of the slice, or a [`ShortRead`] naming the absolute file offset where the bytes ran out.
//! Nothing here panics and nothing allocates.

/// Bytes were missing: `needed` bytes were wanted at absolute file offset `at`, only
/// `available` remained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShortRead {
    pub at: u64,
    pub needed: u64,
    pub available: u64,
}

/// A cursor over a byte slice that remembers the absolute file offset of its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader<'a> {
    data: &'a [u8],
    offset: u64,
}

impl<'a> Reader<'a> {
    /// A cursor over `data`, whose first byte sits at absolute file offset `offset`.
    pub fn new(data: &'a [u8], offset: u64) -> Self {
        Self { data, offset }
    }

    /// The absolute file offset of the next byte to be read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn remaining(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Everything not read yet, without consuming it.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// Consumes and returns everything not read yet.
    pub fn take_rest(&mut self) -> &'a [u8] {
        let rest = self.data;
        self.offset += rest.len() as u64;
        self.data = &[];
        rest
    }

    fn short(&self, needed: u64) -> ShortRead {
        ShortRead {
            at: self.offset,
            needed,
            available: self.data.len() as u64,
        }
    }

    /// Consumes `len` bytes and returns them as a slice of the input.
    #[inline]
    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], ShortRead> {
        match self.data.split_at_checked(len) {
            Some((head, tail)) => {
                self.data = tail;
                self.offset += len as u64;
                Ok(head)
            }
            None => Err(self.short(len as u64)),
        }
    }

    /// Like [`Reader::bytes`] with a length read from the input (a `u64` that may be hostile).
    #[inline]
    pub fn bytes_u64(&mut self, len: u64) -> Result<&'a [u8], ShortRead> {
        match usize::try_from(len) {
            Ok(len) if len <= self.data.len() => self.bytes(len),
            _ => Err(self.short(len)),
        }
    }

    /// A sub-reader over the next `len` bytes, which are consumed from this one.
    pub fn split(&mut self, len: usize) -> Result<Reader<'a>, ShortRead> {
        let offset = self.offset;
        self.bytes(len).map(|data| Reader::new(data, offset))
    }

    pub fn skip(&mut self, len: usize) -> Result<(), ShortRead> {
        self.bytes(len).map(|_| ())
    }

    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], ShortRead> {
        let bytes = self.bytes(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    #[inline]
    pub fn u8(&mut self) -> Result<u8, ShortRead> {
        self.array::<1>().map(|[b]| b)
    }

    #[inline]
    pub fn u16(&mut self) -> Result<u16, ShortRead> {
        self.array().map(u16::from_le_bytes)
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32, ShortRead> {
        self.array().map(u32::from_le_bytes)
    }

    #[inline]
    pub fn u64(&mut self) -> Result<u64, ShortRead> {
        self.array().map(u64::from_le_bytes)
    }

    /// An unsigned little-endian integer of `len` bytes (0 to 8).
    #[inline]
    pub fn uint(&mut self, len: usize) -> Result<u64, ShortRead> {
        // The common widths as fixed-size reads, which compile to one load each.
        match len {
            1 => self.u8().map(u64::from),
            2 => self.u16().map(u64::from),
            4 => self.u32().map(u64::from),
            8 => self.u64(),
            0..8 => {
                let bytes = self.bytes(len)?;
                let mut buf = [0u8; 8];
                buf[..len].copy_from_slice(bytes);
                Ok(u64::from_le_bytes(buf))
            }
            _ => Err(self.short(len as u64)),
        }
    }

    /// An unsigned big-endian integer of `len` bytes (0 to 8), as MariaDB stores the
    /// uncompressed length of its compressed events and as row images store some values.
    #[inline]
    pub fn uint_be(&mut self, len: usize) -> Result<u64, ShortRead> {
        if len > 8 {
            return Err(self.short(len as u64));
        }
        let bytes = self.bytes(len)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// The length-encoded integer of the client/server protocol (`net_field_length`):
    /// one byte below 251, or 0xfc/0xfd/0xfe followed by 2, 3 or 8 bytes. 0xfb (SQL NULL) and
    /// 0xff are not valid lengths in a binlog and read as `None`.
    pub fn packed(&mut self) -> Result<Option<u64>, ShortRead> {
        let first = self.u8()?;
        Ok(match first {
            0..=250 => Some(u64::from(first)),
            0xfc => Some(self.uint(2)?),
            0xfd => Some(self.uint(3)?),
            0xfe => Some(self.u64()?),
            _ => None,
        })
    }

    /// The variable-length unsigned integer of MySQL's serialization library (used by
    /// GTID_TAGGED and tagged PREVIOUS_GTIDS): the number of trailing one bits in the first
    /// byte plus one is the encoded size, the value is the little-endian whole shifted right by
    /// that size; 0xff announces 8 more bytes holding the value as is.
    pub fn varlen(&mut self) -> Result<u64, ShortRead> {
        let first = *self.data.first().ok_or_else(|| self.short(1))?;
        let size = first.trailing_ones() as usize + 1;
        if size == 9 {
            self.skip(1)?;
            return self.u64();
        }
        let value = self.uint(size)?;
        Ok(value >> size)
    }

    /// The zig-zag signed form of [`Reader::varlen`].
    pub fn varlen_signed(&mut self) -> Result<i64, ShortRead> {
        let raw = self.varlen()?;
        let magnitude = (raw >> 1) as i64;
        Ok(if raw & 1 == 0 {
            magnitude
        } else {
            -magnitude - 1
        })
    }

    /// Bytes up to (not including) the next NUL, which is consumed; the whole rest when there
    /// is no NUL.
    pub fn until_nul(&mut self) -> &'a [u8] {
        match self.data.iter().position(|&b| b == 0) {
            Some(pos) => {
                let head = &self.data[..pos];
                self.data = &self.data[pos + 1..];
                self.offset += pos as u64 + 1;
                head
            }
            None => self.take_rest(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_tracks_offset() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5, 6, 7], 100);
        assert_eq!(r.u16().unwrap(), 0x0201);
        assert_eq!(r.offset(), 102);
        assert_eq!(r.uint(3).unwrap(), 0x050403);
        assert_eq!(
            r.u32(),
            Err(ShortRead {
                at: 105,
                needed: 4,
                available: 2
            })
        );
        // A failed read consumes nothing.
        assert_eq!(r.u16().unwrap(), 0x0706);
        assert!(r.is_empty());
    }

    #[test]
    fn hostile_lengths_are_refused_without_allocating() {
        let mut r = Reader::new(&[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 0);
        let len = r.packed().unwrap().unwrap();
        assert_eq!(len, 0x7fff_ffff_ffff_ffff);
        assert!(r.bytes_u64(len).is_err());
        assert!(r.uint(9).is_err());
    }

    #[test]
    fn packed_integers() {
        assert_eq!(Reader::new(&[250], 0).packed().unwrap(), Some(250));
        assert_eq!(
            Reader::new(&[0xfc, 1, 2], 0).packed().unwrap(),
            Some(0x0201)
        );
        assert_eq!(
            Reader::new(&[0xfd, 1, 2, 3], 0).packed().unwrap(),
            Some(0x030201)
        );
        assert_eq!(Reader::new(&[0xfb], 0).packed().unwrap(), None);
        assert!(Reader::new(&[0xfd, 1], 0).packed().is_err());
    }

    #[test]
    fn serialization_library_varlen() {
        // 1 byte: value << 1.
        assert_eq!(Reader::new(&[10 << 1], 0).varlen().unwrap(), 10);
        // 2 bytes: first byte ends in 0b01.
        let v: u64 = 1000;
        let enc = ((v << 2) | 0b01).to_le_bytes();
        assert_eq!(Reader::new(&enc[..2], 0).varlen().unwrap(), v);
        // 9 bytes.
        let mut nine = vec![0xff];
        nine.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(Reader::new(&nine, 0).varlen().unwrap(), u64::MAX);
        assert_eq!(Reader::new(&[3 << 1], 0).varlen_signed().unwrap(), -2);
        assert!(Reader::new(&[0b0111], 0).varlen().is_err());
    }

    #[test]
    fn nul_terminated() {
        let mut r = Reader::new(b"abc\0de", 0);
        assert_eq!(r.until_nul(), b"abc");
        assert_eq!(r.offset(), 4);
        assert_eq!(r.until_nul(), b"de");
        assert!(r.is_empty());
    }
}
