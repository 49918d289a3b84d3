//! SQL literal quoting: identifiers between backquotes, string literals with MySQL's
//! backslash escapes, bytes as hex literals. A leaf that neither the row values nor the SQL
//! rendering depends on, so that both can use it.

/// `name` between backquotes, backquotes inside doubled.
pub fn write_identifier(out: &mut String, name: &str) {
    out.push('`');
    for c in name.chars() {
        if c == '`' {
            out.push('`');
        }
        out.push(c);
    }
    out.push('`');
}

/// For each byte: the letter after the backslash that escapes it in a string literal, or 0.
const ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    table[0] = b'0';
    table[b'\'' as usize] = b'\'';
    table[b'\\' as usize] = b'\\';
    table[b'\n' as usize] = b'n';
    table[b'\r' as usize] = b'r';
    table[0x1a] = b'Z';
    table
};

/// [`ESCAPES`], with [`NOT_ASCII`] for the bytes above 127: one look-up per byte tells whether
/// a text value is plain ASCII and what to escape in it.
pub(crate) const ESCAPES_OR_NOT_ASCII: [u8; 256] = {
    let mut table = ESCAPES;
    let mut b = 0x80;
    while b < 256 {
        table[b] = NOT_ASCII;
        b += 1;
    }
    table
};
pub(crate) const NOT_ASCII: u8 = 0xff;

/// A string literal with MySQL's backslash escapes.
#[inline]
pub fn write_string_literal(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'\'');
    write_escaped(out, text.as_bytes());
    out.push(b'\'');
}

/// `text` with MySQL's backslash escapes, without quotes.
#[inline]
pub(crate) fn write_escaped(out: &mut Vec<u8>, text: &[u8]) {
    let mut run = 0;
    for (i, &b) in text.iter().enumerate() {
        let letter = ESCAPES[usize::from(b)];
        if letter != 0 {
            out.extend_from_slice(&text[run..i]);
            out.extend_from_slice(&[b'\\', letter]);
            run = i + 1;
        }
    }
    out.extend_from_slice(&text[run..]);
}

/// Each byte's two hex digits.
pub(crate) const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut table = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = [HEX[b >> 4], HEX[b & 15]];
        b += 1;
    }
    table
};

/// `X'...'`, or `''` for no bytes.
#[inline]
pub fn write_hex_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.is_empty() {
        out.extend_from_slice(b"''");
        return;
    }
    out.reserve(bytes.len() * 2 + 3);
    out.extend_from_slice(b"X'");
    let start = out.len();
    out.resize(start + bytes.len() * 2, 0);
    // Eight bytes at a time into sixteen digits: arrays of known length, no bounds checks.
    let (digits, digits_rest) = out[start..].as_chunks_mut::<16>();
    let (octets, octets_rest) = bytes.as_chunks::<8>();
    for (digits, octet) in digits.iter_mut().zip(octets) {
        for (pair, &b) in digits.as_chunks_mut::<2>().0.iter_mut().zip(octet) {
            *pair = HEX_PAIRS[usize::from(b)];
        }
    }
    for (pair, &b) in digits_rest
        .as_chunks_mut::<2>()
        .0
        .iter_mut()
        .zip(octets_rest)
    {
        *pair = HEX_PAIRS[usize::from(b)];
    }
    out.push(b'\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        write_identifier(&mut s, "we`ird");
        assert_eq!(s, "`we``ird`");
        let mut b = Vec::new();
        write_string_literal(&mut b, "it's a\\b\n\0\r\x1a");
        assert_eq!(b, br"'it\'s a\\b\n\0\r\Z'");
        b.clear();
        write_hex_literal(&mut b, &[0xde, 0xad, 0x01]);
        assert_eq!(b, b"X'DEAD01'");
    }
}
