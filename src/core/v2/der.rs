//! Just enough DER (X.690) for RSA keys: a strict reader and a writer.
//!
//! The reader takes single-byte tags and definite, minimally encoded lengths
//! only, checks every length against what is left, and never indexes past
//! the input: hostile bytes give `None`, never a panic.

/// `SEQUENCE` (constructed).
pub const SEQUENCE: u8 = 0x30;
/// `INTEGER`.
pub const INTEGER: u8 = 0x02;
/// `BIT STRING`.
pub const BIT_STRING: u8 = 0x03;
/// `OCTET STRING`.
pub const OCTET_STRING: u8 = 0x04;
/// `NULL`.
pub const NULL: u8 = 0x05;
/// `OBJECT IDENTIFIER`.
pub const OID: u8 = 0x06;

/// Longest length field read, in bytes: lengths up to 4 GiB.
const MAX_LENGTH_BYTES: usize = 4;

/// Reads DER elements one after another.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over the elements in `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Whether every element has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next element, without reading it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next element's tag and contents.
    pub fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tag: not in keys
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > MAX_LENGTH_BYTES || rest.len() < n || rest[0] == 0 {
                return None; // indefinite, too long, or not minimal
            }
            let len = rest[..n].iter().fold(0usize, |len, &b| len << 8 | usize::from(b));
            rest = &rest[n..];
            if len < 0x80 {
                return None; // would fit the short form
            }
            len
        };
        if len > rest.len() {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.rest = rest;
        Some((tag, contents))
    }

    /// The contents of the next element, which must have `tag`.
    pub fn element(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (t, contents) if t == tag => Some(contents),
            _ => None,
        }
    }

    /// The next element, an `INTEGER` in its minimal two's-complement form:
    /// its big-endian bytes.
    pub fn integer(&mut self) -> Option<&'a [u8]> {
        let bytes = self.element(INTEGER)?;
        let minimal = match bytes {
            [] => false,
            [0x00, next, ..] => *next >= 0x80,
            [0xff, next, ..] => *next < 0x80,
            _ => true,
        };
        minimal.then_some(bytes)
    }
}

/// The contents of `bytes` when it is exactly one element of `tag`, with
/// nothing after it.
pub fn single(bytes: &[u8], tag: u8) -> Option<&[u8]> {
    let mut reader = Reader::new(bytes);
    let contents = reader.element(tag)?;
    reader.is_empty().then_some(contents)
}

/// One element: `tag`, the length of `contents`, `contents`.
pub fn write(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let n = (usize::BITS - len.leading_zeros()).div_ceil(8) as usize;
        out.push(0x80 | n as u8);
        out.extend((0..n).rev().map(|i| (len >> (8 * i)) as u8));
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let long = write(OCTET_STRING, &[7; 300]);
        assert_eq!(long[..4], [0x04, 0x82, 0x01, 0x2c]); // 300 = 0x012c
        assert_eq!(single(&long, OCTET_STRING), Some(&[7u8; 300][..]));
        assert_eq!(write(NULL, &[]), [0x05, 0x00]);
        assert_eq!(write(OCTET_STRING, &[1; 0x80])[..3], [0x04, 0x81, 0x80]);
        let mut r = Reader::new(&[0x02, 0x01, 0x05, 0x05, 0x00]);
        assert_eq!(r.integer(), Some(&[5u8][..]));
        assert_eq!(r.peek_tag(), Some(NULL));
        assert_eq!(r.element(NULL), Some(&[][..]));
        assert!(r.is_empty());
    }

    #[test]
    fn refuses_what_is_not_strict_der() {
        let bad: &[&[u8]] = &[
            &[],
            &[0x04],
            &[0x04, 0x02, 0x00],             // shorter than its length
            &[0x04, 0x80, 0x00, 0x00],       // indefinite length
            &[0x04, 0x81, 0x05, 1, 2, 3, 4, 5], // long form for a short length
            &[0x04, 0x82, 0x00, 0x80],       // length with a leading zero byte
            &[0x04, 0x85, 1, 0, 0, 0, 0],    // length of 5 bytes
            &[0x1f, 0x01, 0x00],             // multi-byte tag
            &[0x04, 0x00, 0x00],             // trailing byte
            &[0x05, 0x00],                   // another tag
        ];
        for bytes in bad {
            assert_eq!(single(bytes, OCTET_STRING), None, "{bytes:02x?}");
        }
        for (bytes, ok) in [
            (&[0x02, 0x00][..], false),
            (&[0x02, 0x02, 0x00, 0x7f], false),
            (&[0x02, 0x02, 0xff, 0x80], false),
            (&[0x02, 0x02, 0x00, 0x80], true),
            (&[0x02, 0x02, 0xff, 0x7f], true),
            (&[0x02, 0x01, 0x00], true),
        ] {
            assert_eq!(Reader::new(bytes).integer().is_some(), ok, "{bytes:02x?}");
        }
    }

    #[test]
    fn writes_what_it_reads() {
        for len in [0, 1, 127, 128, 255, 256, 65_535, 65_536] {
            let contents = vec![0xab; len];
            let bytes = write(SEQUENCE, &contents);
            assert_eq!(single(&bytes, SEQUENCE), Some(&contents[..]), "{len}");
        }
    }
}
