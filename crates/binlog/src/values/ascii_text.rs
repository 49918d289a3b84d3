//! [`AsciiText`]: short ASCII text on the stack, for numbers, dates and times as printed.

/// Up to `N` bytes of ASCII text built on the stack: a number, date or time as printed, which
/// the SQL writer copies out as bytes and `Display` as a `str`, without a formatter between.
#[derive(Debug, Clone, Copy)]
pub struct AsciiText<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

/// `00` to `99`: numbers are printed two digits at a time.
pub(crate) const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut table = [[0u8; 2]; 100];
    let mut n = 0;
    while n < 100 {
        table[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    table
};

impl<const N: usize> AsciiText<N> {
    pub(crate) fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The first `len` bytes of `bytes` (ASCII).
    pub(crate) fn from_array(bytes: [u8; N], len: usize) -> Self {
        Self {
            bytes,
            len: len.min(N),
        }
    }

    /// Appends a byte (ASCII); what would not fit is dropped.
    #[inline]
    pub(crate) fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Appends bytes (ASCII); what would not fit is dropped. Byte by byte: the pieces are a
    /// few bytes long, shorter than the call a copy of unknown length would make.
    #[inline]
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.push(b);
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends the text to `out`: all `N` bytes are copied (a copy of known size, which
    /// compiles to a few moves instead of a call), then the room past the text is cut off.
    pub fn append_to(&self, out: &mut Vec<u8>) {
        let end = out.len() + self.len;
        out.extend_from_slice(&self.bytes);
        out.truncate(end);
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII is ever appended.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}
