//! The hot inner loops of epay-wasm: MD5 over the sign string, sorting and
//! checking field names, splitting the fast path's input, query parsing,
//! HTML escaping, and the wasm build's allocator.
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
use std::mem::MaybeUninit;

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

/// Whether a field enters the signature: a non-empty value, and a name
/// other than `sign` and `sign_type`.
pub fn is_signed(name: &[u8], value: &[u8]) -> bool {
    !value.is_empty() && !same(name, b"sign") && !same(name, b"sign_type")
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

/// Whether two names are equal (a loop, as for [`less`]).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Sorts fields by name, bytewise: insertion sort for the usual dozen
/// fields, heapsort (O(n log n) whatever a notify's sender puts in it)
/// beyond 24.
pub fn sort_fields(fields: &mut [Field<'_>]) {
    let n = fields.len();
    if n <= 24 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(fields[j].0.as_bytes(), fields[j - 1].0.as_bytes()) {
                fields.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    fn sift_down(v: &mut [Field<'_>], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && less(v[child].0.as_bytes(), v[child + 1].0.as_bytes()) {
                child += 1;
            }
            if !less(v[root].0.as_bytes(), v[child].0.as_bytes()) {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for root in (0..n / 2).rev() {
        sift_down(fields, root, n);
    }
    for end in (1..n).rev() {
        fields.swap(0, end);
        sift_down(fields, 0, end);
    }
}

/// The first name given twice in sorted `fields`, if any.
pub fn first_duplicate<'f>(fields: &'f [Field<'_>]) -> Option<&'f str> {
    let mut i = 1;
    while i < fields.len() {
        if fields[i].0 == fields[i - 1].0 {
            return Some(&fields[i].0);
        }
        i += 1;
    }
    None
}

/// Most fields [`sign_segments`] takes; more go the regular way.
pub const MAX_SEGMENT_FIELDS: usize = 128;

/// What [`sign_segments`] keeps of the last field names it checked and
/// sorted: the names as given and their sorted order. A merchant's orders
/// have the same fields in the same order call after call, so the next call
/// finds the same bytes and skips checking and sorting them, or, through
/// [`sign_values`], is not even sent them.
#[derive(Default)]
pub struct NameCache {
    names: Vec<u8>,
    ends: Vec<u32>,
    order: Vec<u8>,
}

impl NameCache {
    /// An empty cache (for a `static`).
    pub const fn new() -> Self {
        NameCache { names: Vec::new(), ends: Vec::new(), order: Vec::new() }
    }

    /// Name `i`, in the order given.
    fn name(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.names[start..self.ends[i] as usize]
    }

    /// Makes `names` the cached names: checked, sorted, no name twice.
    /// `false` (and an empty cache) otherwise.
    fn set(&mut self, names: &[&[u8]]) -> bool {
        let unchanged = names.len() == self.ends.len() && names.iter().enumerate().all(|(i, n)| same(n, self.name(i)));
        if unchanged {
            return true;
        }
        self.names.clear();
        self.ends.clear();
        self.order.clear();
        for (i, &name) in names.iter().enumerate() {
            if !is_valid_name(name) {
                self.ends.clear();
                return false;
            }
            // Insertion into place: a dozen names, in any order.
            let mut j = i;
            self.order.push(i as u8);
            while j > 0 && less(name, names[usize::from(self.order[j - 1])]) {
                self.order[j] = self.order[j - 1];
                j -= 1;
            }
            if j > 0 && same(names[usize::from(self.order[j - 1])], name) {
                self.ends.clear();
                return false;
            }
            self.order[j] = i as u8;
            self.names.extend_from_slice(name);
            self.ends.push(self.names.len() as u32);
        }
        true
    }
}

/// Splits `out.len()` consecutive segments of `text`, whose UTF-16 lengths
/// are `lens[first]`, `lens[first + 2]`...; `None` if they do not split.
fn split<'t>(text: &'t [u8], lens: &[u32], first: usize, out: &mut [MaybeUninit<&'t [u8]>]) -> Option<()> {
    let mut pos = 0;
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = MaybeUninit::new(take_utf16(text, &mut pos, lens[2 * i + first])?.as_bytes());
    }
    Some(())
}

/// The fast path of `sign`: `lens.len() / 2` fields as (name, value)
/// segments of `text` ([`take_utf16`]), signed as `epay_wasm::core::sign::sign` signs them,
/// without allocating. `None` (take the regular path, which says why) when
/// a segment does not split, on a lone surrogate, an invalid name, a name
/// given twice, or more than [`MAX_SEGMENT_FIELDS`] fields. `buf` is kept
/// between calls for the sign string, `cache` for the names.
pub fn sign_segments(text: &[u8], lens: &[u32], key: &[u8], buf: &mut Vec<u8>, cache: &mut NameCache) -> Option<[u8; SIGN_LEN]> {
    let count = lens.len() / 2;
    if count > MAX_SEGMENT_FIELDS {
        return None;
    }
    // Not zeroed: 2 KB of stores would cost a tenth of the call.
    let mut names = [const { MaybeUninit::<&[u8]>::uninit() }; MAX_SEGMENT_FIELDS];
    let mut values = [const { MaybeUninit::<&[u8]>::uninit() }; MAX_SEGMENT_FIELDS];
    let mut pos = 0;
    for i in 0..count {
        names[i] = MaybeUninit::new(take_utf16(text, &mut pos, lens[2 * i])?.as_bytes());
        values[i] = MaybeUninit::new(take_utf16(text, &mut pos, lens[2 * i + 1])?.as_bytes());
    }
    // SAFETY: slots 0..count are initialised.
    let names: &[&[u8]] = unsafe { &*(&names[..count] as *const [MaybeUninit<&[u8]>] as *const [&[u8]]) };
    if !cache.set(names) {
        return None;
    }
    let values: &[&[u8]] = unsafe { &*(&values[..count] as *const [MaybeUninit<&[u8]>] as *const [&[u8]]) };
    Some(sign_cached(values, key, buf, cache))
}

/// [`sign_segments`] for the same names as its last successful call, in
/// the same order: `text` holds only the values, whose UTF-16 lengths are
/// `lens[1]`, `lens[3]`... (the name slots are ignored). The caller vouches
/// that the names are the cached ones; `None` when the count differs.
pub fn sign_values(text: &[u8], lens: &[u32], key: &[u8], buf: &mut Vec<u8>, cache: &NameCache) -> Option<[u8; SIGN_LEN]> {
    let count = lens.len() / 2;
    if count != cache.ends.len() {
        return None;
    }
    let mut values = [const { MaybeUninit::<&[u8]>::uninit() }; MAX_SEGMENT_FIELDS];
    split(text, lens, 1, &mut values[..count])?;
    // SAFETY: `split` initialised slots 0..count.
    let values: &[&[u8]] = unsafe { &*(&values[..count] as *const [MaybeUninit<&[u8]>] as *const [&[u8]]) };
    Some(sign_cached(values, key, buf, cache))
}

/// Appends `k=v` to a sign string, after a `&` unless it is the first;
/// with an empty `k`, appends `v` alone (the KEY at the end).
pub fn append_field(buf: &mut Vec<u8>, k: &[u8], v: &[u8]) {
    if !k.is_empty() {
        if !buf.is_empty() {
            buf.push(b'&');
        }
        append(buf, k);
        buf.push(b'=');
    }
    append(buf, v);
}

/// The signature of the cached names with `values` (in the names' order).
#[inline(never)]
fn sign_cached(values: &[&[u8]], key: &[u8], buf: &mut Vec<u8>, cache: &NameCache) -> [u8; SIGN_LEN] {
    let len = key.len() + cache.names.len() + values.iter().map(|v| v.len() + 2).sum::<usize>();
    buf.clear();
    buf.reserve(len);
    for &i in &cache.order {
        let i = usize::from(i);
        let (k, v) = (cache.name(i), values[i]);
        if is_signed(k, v) {
            append_field(buf, k, v);
        }
    }
    append(buf, key);
    md5_hex(buf)
}

/// Appends `bytes` as `extend_from_slice` does, but without `memory.copy`
/// for short pieces: each one is a call into the engine, and a sign string
/// is some thirty short pieces.
fn append(buf: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 32 {
        buf.extend_from_slice(bytes);
        return;
    }
    buf.reserve(n);
    let len = buf.len();
    // SAFETY: `reserve` made room for `n` more bytes after `len`; every
    // read is within `bytes`; `set_len` covers only what was written.
    unsafe {
        let src = bytes.as_ptr();
        let dst = buf.as_mut_ptr().add(len);
        let mut i = 0;
        while i + 8 <= n {
            dst.add(i).cast::<u64>().write_unaligned(src.add(i).cast::<u64>().read_unaligned());
            i += 8;
        }
        if i + 4 <= n {
            dst.add(i).cast::<u32>().write_unaligned(src.add(i).cast::<u32>().read_unaligned());
            i += 4;
        }
        if i + 2 <= n {
            dst.add(i).cast::<u16>().write_unaligned(src.add(i).cast::<u16>().read_unaligned());
            i += 2;
        }
        if i < n {
            *dst.add(i) = *src.add(i);
        }
        buf.set_len(len + n);
    }
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

/// Whether `bytes` are all ASCII (std's `is_ascii` is built for size here).
pub fn is_ascii(bytes: &[u8]) -> bool {
    let mut any = 0;
    for &b in bytes {
        any |= b;
    }
    any < 0x80
}

/// Whether an ASCII KEY passes `epay_wasm::core::sign::check_key`: not
/// empty, no whitespace (as `char::is_whitespace` has it) at either end.
pub fn is_usable_ascii_key(key: &[u8]) -> bool {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    match (key.first(), key.last()) {
        (Some(&first), Some(&last)) => is_ascii(key) && !space(first) && !space(last),
        _ => false,
    }
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

pub mod alloc;
