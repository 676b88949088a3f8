//! The hot inner loops of epay-wasm: MD5 over the sign string, sorting and
//! checking field names, splitting the fast path's input, query parsing,
//! HTML escaping.
//!
//! They live in their own crate so that the release build can compile them
//! at opt-level 3 (`[profile.release.package.epay-kernel]` in the root
//! Cargo.toml) while everything else is optimised for size: at opt-level
//! "z" the iterator and slice helpers these loops lean on are not inlined,
//! and signing the seed order took 2 µs instead of under 1. Everything here
//! is non-generic, so that it is compiled in this crate, at its level.
//! The protocol decisions stay in `epay_wasm::core`, which calls these.

use md5::{Digest, Md5};
use std::borrow::Cow;

/// A field as the core keeps it: name and value, borrowed or owned.
pub type Field<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Length of an MD5 signature in hex characters.
pub const SIGN_LEN: usize = 32;

/// Whether `name` is 1–64 of `A-Z a-z 0-9 _ -`.
pub fn is_valid_name(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 64 {
        return false;
    }
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return false;
        }
        i += 1;
    }
    true
}

/// Bytewise order of two names (short: a plain loop beats a call to
/// `memcmp`, which the size-optimised build compiles as a byte loop anyway).
fn less(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i < n {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// Why fields do not make a parameter set, with the index of the field at
/// fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// The first name, in the order given, that is not [`is_valid_name`].
    InvalidName(usize),
    /// Once sorted, a name equal to the one before it.
    Duplicate(usize),
}

/// Checks every name ([`is_valid_name`]), sorts `fields` by name, bytewise,
/// and checks that no name is given twice.
#[inline(never)]
pub fn sort_unique(fields: &mut [Field<'_>]) -> Result<(), Unfit> {
    if let Some(i) = fields.iter().position(|(name, _)| !is_valid_name(name.as_bytes())) {
        return Err(Unfit::InvalidName(i));
    }
    fields.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    match fields.windows(2).position(|pair| pair[0].0 == pair[1].0) {
        Some(i) => Err(Unfit::Duplicate(i + 1)),
        None => Ok(()),
    }
}

/// The sign string of `fields`, sorted by name: every field with a
/// non-empty value but `sign` and `sign_type`, as `name=value` joined with
/// `&` (values as they are, not url-encoded).
#[inline(never)]
pub fn sign_string(fields: &[Field<'_>], extra: usize) -> String {
    let len = fields.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>();
    let mut out = String::with_capacity(len + extra);
    for (name, value) in fields {
        if value.is_empty() || name == "sign" || name == "sign_type" {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The signature of `fields`, sorted by name, under `key`: the MD5 of
/// their [`sign_string`] followed by the KEY, in lowercase hex.
#[inline(never)]
pub fn sign(fields: &[Field<'_>], key: &str) -> [u8; SIGN_LEN] {
    let mut text = sign_string(fields, key.len());
    text.push_str(key);
    md5_hex(text.as_bytes())
}

/// MD5 of `data`, as lowercase hex bytes.
pub fn md5_hex(data: &[u8]) -> [u8; SIGN_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest: [u8; 16] = Md5::digest(data).into();
    let mut out = [0u8; SIGN_LEN];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = HEX[usize::from(b >> 4)];
        out[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
    out
}

/// The next `units` UTF-16 code units of `text` from byte `*pos` (text
/// that TextEncoder wrote: valid UTF-8), as a `str`; advances `*pos`.
/// `None` when the lengths do not fit the text, or on U+FFFD, which is what
/// TextEncoder makes of a lone surrogate.
pub fn take_utf16<'t>(text: &'t [u8], pos: &mut usize, units: u32) -> Option<&'t str> {
    let start = *pos;
    let end = start.checked_add(units as usize)?;
    if let Some(bytes) = text.get(start..end) {
        if is_ascii(bytes) {
            *pos = end;
            // SAFETY: ASCII is UTF-8.
            return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
    }
    let mut i = start;
    let mut left = units as usize;
    while left > 0 {
        let (width, n) = match *text.get(i)? {
            0..=0x7f => (1, 1),
            0x80..=0xdf => (2, 1),
            0xe0..=0xef => (3, 1),
            _ => (4, 2),
        };
        let replacement = width == 3 && text.get(i + 1) == Some(&0xbf) && text.get(i + 2) == Some(&0xbd) && text[i] == 0xef;
        if n > left || replacement {
            return None;
        }
        left -= n;
        i += width;
    }
    *pos = i;
    std::str::from_utf8(text.get(start..i)?).ok()
}

/// The fields of `text` from byte `*pos` on, cut by the UTF-16 lengths
/// `lens` (name, value, name, value...) as [`take_utf16`] cuts them,
/// borrowed; advances `*pos`.
pub fn take_fields<'t>(text: &'t [u8], pos: &mut usize, lens: &[u32]) -> Option<Vec<Field<'t>>> {
    let mut fields = Vec::with_capacity(lens.len() / 2);
    for pair in lens.chunks_exact(2) {
        let name = take_utf16(text, pos, pair[0])?;
        let value = take_utf16(text, pos, pair[1])?;
        fields.push((Cow::Borrowed(name), Cow::Borrowed(value)));
    }
    Some(fields)
}

/// Whether `bytes` are all ASCII (std's `is_ascii` is built for size here).
pub fn is_ascii(bytes: &[u8]) -> bool {
    let mut any = 0;
    for &b in bytes {
        any |= b;
    }
    any < 0x80
}

/// Whether any byte of `bytes` is one of `set`.
pub fn any_byte_in(bytes: &[u8], set: &[u8]) -> bool {
    find_byte_in(bytes, set).is_some()
}

/// Position of the first byte of `bytes` that is one of `set`.
pub fn find_byte_in(bytes: &[u8], set: &[u8]) -> Option<usize> {
    // Plain loops: `contains` on bytes calls the size-optimised memchr.
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let mut j = 0;
        while j < set.len() {
            if set[j] == b {
                return Some(i);
            }
            j += 1;
        }
        i += 1;
    }
    None
}

/// Whether `c` is whitespace as `char::is_whitespace` has it, for ASCII.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Whether `text` is not empty and all whitespace (`str::trim` would leave
/// nothing). Decided by the first byte unless it is whitespace or not ASCII.
pub fn is_blank(text: &str) -> bool {
    match text.as_bytes().first() {
        None => false,
        Some(&b) if b < 0x80 && !is_ascii_space(b) => false,
        Some(_) => text.chars().all(char::is_whitespace),
    }
}

/// Whether `url` (after the scheme) is made of characters allowed in an
/// http(s) URL here: no whitespace or control character (as `char` has
/// them) and none of `" < > \ \``.
pub fn url_chars_ok(url: &str) -> bool {
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`');
    if is_ascii(url.as_bytes()) {
        return !url.bytes().any(|b| bad(char::from(b)));
    }
    !url.chars().any(bad)
}

/// Binary search of sorted `fields` for `name`, as `slice::binary_search`.
pub fn find_field(fields: &[Field<'_>], name: &str) -> Result<usize, usize> {
    let name = name.as_bytes();
    let (mut lo, mut hi) = (0, fields.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let k = fields[mid].0.as_bytes();
        if less(k, name) {
            lo = mid + 1;
        } else if less(name, k) {
            hi = mid;
        } else {
            return Ok(mid);
        }
    }
    Err(lo)
}

/// Length of `text` in UTF-16 code units.
pub fn utf16_len(text: &str) -> usize {
    if is_ascii(text.as_bytes()) {
        return text.len();
    }
    text.chars().map(char::len_utf16).sum()
}

/// Appends `text` escaped for a double-quoted HTML attribute: `& < > " '`
/// become entities, CR becomes `&#13;`. Bytewise: these ASCII bytes never
/// occur inside a multi-byte character, and the runs between them are
/// copied whole.
pub fn escape_html_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let entity = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'\r' => "&#13;",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        i += 1;
        start = i;
    }
    out.push_str(&text[start..]);
}

/// How many bytes of `bytes` are `byte`.
pub fn count_byte(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().filter(|&&b| b == byte).count()
}

/// Splits a query string or form body into decoded `(name, value)` pairs:
/// `epay_wasm::core::url::parse_query` once that has told whether `input`
/// is a full URL (then the query starts after the first `?`; else one
/// leading `?` is dropped). Stops at the first `#`; skips empty segments;
/// a segment without `=` has an empty value. `None` when a component does
/// not decode to UTF-8.
pub fn parse_query(input: &str, is_url: bool) -> Option<Vec<Field<'_>>> {
    let bytes = input.as_bytes();
    let start = if is_url {
        match find_byte_in(bytes, b"?") {
            Some(i) => i + 1,
            None => return Some(Vec::new()),
        }
    } else {
        usize::from(bytes.first() == Some(&b'?'))
    };
    let end = find_byte_in(&bytes[start..], b"#").map_or(bytes.len(), |i| start + i);
    let mut out = Vec::with_capacity(count_byte(&bytes[start..end], b'&') + 1);
    let mut at = start;
    loop {
        let stop = find_byte_in(&bytes[at..end], b"&").map_or(end, |i| at + i);
        if stop > at {
            // Cut at ASCII bytes: always character boundaries.
            let segment = &input[at..stop];
            let (k, v) = match find_byte_in(segment.as_bytes(), b"=") {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, ""),
            };
            out.push((percent_decode(k)?, percent_decode(v)?));
        }
        if stop >= end {
            return Some(out);
        }
        at = stop + 1;
    }
}

/// Decodes one query component as PHP's `urldecode` and `URLSearchParams`
/// do: `+` is a space, `%XX` a byte, a malformed `%` stays as it is.
/// `None` when the bytes are not UTF-8.
pub fn percent_decode(text: &str) -> Option<Cow<'_, str>> {
    let bytes = text.as_bytes();
    if find_byte_in(bytes, b"%+").is_none() {
        return Some(Cow::Borrowed(text));
    }
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'+' {
            out.push(b' ');
            i += 1;
            continue;
        }
        if b == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

