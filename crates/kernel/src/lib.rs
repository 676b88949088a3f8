//! The hot inner loops of epay-wasm's `sign` and `verifyNotify`: checking
//! and sorting field names, the sign string and its MD5, cutting the fast
//! path's input into fields, parsing a notify's query string.
//!
//! They live in their own crate so that the release build compiles them at
//! opt-level 3 (`[profile.release.package.epay-kernel]` in epay-wasm's
//! Cargo.toml) while the rest of the module is optimised for size: at
//! opt-level "z" the iterator and slice code these loops are made of is not
//! inlined, and checking, sorting and joining a dozen fields costs more
//! than their MD5. Each loop is whole in one function here: code inlined
//! into a caller optimised for size is optimised for size with it.
//!
//! The rules these loops carry out are the protocol's (which fields the
//! sign string skips, their byte order, what a field name may be, how a
//! query string is decoded); `epay_wasm::core` calls them and owns
//! everything around them (validation, errors, the notify checks).

use md5::{Digest, Md5};
use std::borrow::Cow;

/// A field as the core keeps it: name and value, borrowed or owned.
pub type Field<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Length of an MD5 signature in hex characters.
pub const SIGN_LEN: usize = 32;

/// Whether `name` is 1–64 of `A-Z a-z 0-9 _ -`.
pub fn is_valid_name(name: &[u8]) -> bool {
    (1..=64).contains(&name.len()) && name.iter().all(|&b| NAME_BYTES[usize::from(b)]) // ok: a u8 indexes 256 entries
}

/// The bytes a name may have, by value: one load a byte rather than up to
/// five comparisons (2-6% off a `sign` in wasm: bench/README.md, ledger).
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
        b += 1;
    }
    table
};

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
    heap_sort(fields);
    match fields.windows(2).position(|pair| pair[0].0.bytes().eq(pair[1].0.bytes())) {
        Some(i) => Err(Unfit::Duplicate(i + 1)),
        None => Ok(()),
    }
}

/// Whether `a`'s name sorts after `b`'s, bytewise (byte iterators rather
/// than `str::cmp`, which calls `memcmp`).
fn after(a: &Field<'_>, b: &Field<'_>) -> bool {
    a.0.bytes().gt(b.0.bytes())
}

/// Sorts `fields` by name: a heapsort, O(n log n) for any input (a notify's
/// fields come from anyone) and a fraction of the code of
/// `sort_unstable_by` (quicksort plus small-sort networks, about 5 KB of
/// wasm) for the dozen fields an order has.
fn heap_sort(fields: &mut [Field<'_>]) {
    let n = fields.len();
    for start in (0..n / 2).rev() {
        sift_down(fields, start, n);
    }
    for end in (1..n).rev() {
        fields.swap(0, end);
        sift_down(fields, 0, end);
    }
}

/// Moves `fields[root]` down the max-heap `fields[..end]` to its place.
fn sift_down(fields: &mut [Field<'_>], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && after(&fields[child + 1], &fields[child]) {
            child += 1;
        }
        if !after(&fields[child], &fields[root]) {
            return;
        }
        fields.swap(root, child);
        root = child;
    }
}

/// Where `name` is in `fields`, sorted by name: `Ok` with its index, or
/// `Err` with where it would go.
#[inline(never)]
pub fn find(fields: &[Field<'_>], name: &str) -> Result<usize, usize> {
    fields.binary_search_by(|(k, _)| k.bytes().cmp(name.bytes()))
}

/// The sign string of `fields`, sorted by name: every field with a
/// non-empty value but `sign` and `sign_type`, as `name=value` joined with
/// `&` (values as they are, not url-encoded). `extra` more bytes are
/// reserved, for the KEY.
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
/// their [`sign_string`] followed by the KEY, as lowercase hex.
#[inline(never)]
pub fn sign(fields: &[Field<'_>], key: &str) -> [u8; SIGN_LEN] {
    let mut text = sign_string(fields, key.len());
    text.push_str(key);
    let mut hex = [0; SIGN_LEN];
    // Cannot fail: 16 bytes make 32 hex digits.
    let _ = hex::encode_to_slice(Md5::digest(text), &mut hex);
    hex
}

/// The next `units` UTF-16 code units of `text` from byte `*pos`, as a
/// `str`; advances `*pos`. `None` when the text ends first or a character
/// straddles the end, or on U+FFFD: `text` is what `TextEncoder` wrote, and
/// it writes a lone surrogate as U+FFFD.
#[inline]
pub fn take_utf16<'t>(text: &'t str, pos: &mut usize, units: u32) -> Option<&'t str> {
    let start = *pos;
    let end = start.checked_add(units as usize)?;
    let taken = match text.get(start..end) {
        Some(taken) if taken.is_ascii() => taken,
        _ => take_non_ascii(text.get(start..)?, units as usize)?,
    };
    *pos = start + taken.len();
    Some(taken)
}

/// [`take_utf16`] for text that is not all ASCII.
#[inline(never)]
fn take_non_ascii(text: &str, units: usize) -> Option<&str> {
    let (mut len, mut left) = (0, units);
    let mut chars = text.chars();
    while left > 0 {
        let c = chars.next().filter(|&c| c != '\u{FFFD}')?;
        left = left.checked_sub(c.len_utf16())?;
        len += c.len_utf8();
    }
    text.get(..len)
}

/// The fields of `text` from byte `*pos` on, cut by the UTF-16 lengths
/// `lens` (name, value, name, value...) as [`take_utf16`] cuts them,
/// borrowed; advances `*pos`.
#[inline(never)]
pub fn take_fields<'t>(text: &'t str, pos: &mut usize, lens: &[u32]) -> Option<Vec<Field<'t>>> {
    let mut fields = Vec::with_capacity(lens.len() / 2);
    for pair in lens.chunks_exact(2) {
        let name = take_utf16(text, pos, pair[0])?;
        let value = take_utf16(text, pos, pair[1])?;
        fields.push((Cow::Borrowed(name), Cow::Borrowed(value)));
    }
    Some(fields)
}

/// Splits a query string or form body into decoded `(name, value)` pairs:
/// `epay_wasm::core::url::parse_query` once that has told whether `input`
/// is a full URL (then the query starts after the first `?`; else one
/// leading `?` is dropped). Stops at the first `#`; skips empty segments;
/// a segment without `=` has an empty value. `None` when a component does
/// not decode to UTF-8.
#[inline(never)]
pub fn parse_query(input: &str, is_url: bool) -> Option<Vec<Field<'_>>> {
    let query = if is_url {
        match input.split_once('?') {
            Some((_, query)) => query,
            None => return Some(Vec::new()),
        }
    } else {
        input.strip_prefix('?').unwrap_or(input)
    };
    let query = query.split_once('#').map_or(query, |(query, _)| query);
    query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
            Some((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// Decodes one query component as PHP's `urldecode` and `URLSearchParams`
/// do: `+` is a space, `%XX` a byte, a malformed `%` stays as it is.
/// `None` when the bytes are not UTF-8.
pub fn percent_decode(text: &str) -> Option<Cow<'_, str>> {
    if !text.contains(['%', '+']) {
        return Some(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes.get(i + 1..i + 3).and_then(|h| Some(hex(h[0])? * 16 + hex(h[1])?));
        match (bytes[i], escaped) {
            (b'+', _) => out.push(b' '),
            (b'%', Some(byte)) => {
                out.push(byte as u8);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<Field<'a>> {
        pairs.iter().map(|&(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v))).collect()
    }

    fn names<'a>(fields: &'a [Field<'_>]) -> Vec<&'a str> {
        fields.iter().map(|(k, _)| &**k).collect()
    }

    #[test]
    fn names_are_1_to_64_of_the_allowed_bytes() {
        for ok in ["a", "Z9", "notify_url", "a-b", &"k".repeat(64)] {
            assert!(is_valid_name(ok.as_bytes()), "{ok}");
        }
        for bad in ["", "a b", "a=b", "a&b", "a.b", "名", "a\0", &"k".repeat(65)] {
            assert!(!is_valid_name(bad.as_bytes()), "{bad:?}");
        }
        for b in 0..=255u8 {
            let allowed = matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-');
            assert_eq!(is_valid_name(&[b]), allowed, "byte {b}");
            assert_eq!(is_valid_name(&[b'k', b, b'k']), allowed, "byte {b}");
        }
    }

    #[test]
    fn sort_unique_sorts_bytewise_and_names_the_field_at_fault() {
        let mut f = fields(&[("b", "1"), ("a_", "2"), ("B", "3"), ("a", "4")]);
        assert_eq!(sort_unique(&mut f), Ok(()));
        assert_eq!(names(&f), ["B", "a", "a_", "b"]);
        let mut f = fields(&[("b", "1"), ("a b", "2"), ("c=", "3")]);
        assert_eq!(sort_unique(&mut f), Err(Unfit::InvalidName(1)));
        let mut f = fields(&[("pid", "1"), ("b", "2"), ("pid", "3")]);
        assert_eq!(sort_unique(&mut f), Err(Unfit::Duplicate(2)));
        assert_eq!(names(&f), ["b", "pid", "pid"]);
        // Any size and order, against std's sort of the same names.
        let many: Vec<String> = (0..300).map(|i| format!("{}{}", ["x", "A", "m_", "-"][i % 4], (i * 7919) % 1000)).collect();
        let mut f: Vec<Field> = many.iter().map(|k| (Cow::Borrowed(k.as_str()), Cow::Borrowed("v"))).collect();
        assert_eq!(sort_unique(&mut f), Ok(()));
        let mut want: Vec<&str> = many.iter().map(String::as_str).collect();
        want.sort();
        assert_eq!(names(&f), want);
    }

    // Known answers from md5sum, e.g.
    // printf '%s' 'device=devicev&money=moneyv1234567' | md5sum
    #[test]
    fn sign_is_md5_of_the_sign_string_and_key() {
        let f = fields(&[("device", "devicev"), ("money", "moneyv")]);
        assert_eq!(&sign(&f, "1234567"), b"3854cc9f022e0fb821bd2e002260245d");
        // printf '%s' 'a=0&z=中文KEY' | md5sum
        let f = fields(&[("a", "0"), ("b", ""), ("sign", "x"), ("sign_type", "MD5"), ("z", "中文")]);
        assert_eq!(sign_string(&f, 0), "a=0&z=中文");
        assert_eq!(&sign(&f, "KEY"), b"ba110fec4f81db1924b02b4442001d1c");
        // printf '%s' 'KEY' | md5sum
        assert_eq!(&sign(&[], "KEY"), b"3b5949e0c26b87767a4752a276de9570");
    }

    #[test]
    fn take_utf16_cuts_by_utf16_units() {
        let text = "ab中😀c\u{FFFD}";
        let mut pos = 0;
        assert_eq!(take_utf16(text, &mut pos, 1), Some("a"));
        assert_eq!(take_utf16(text, &mut pos, 2), Some("b中"));
        assert_eq!(take_utf16(text, &mut pos, 0), Some(""));
        // A surrogate pair is two units: one alone straddles the end.
        assert_eq!(take_utf16(text, &mut pos, 1), None);
        assert_eq!(pos, 1 + 1 + 3);
        assert_eq!(take_utf16(text, &mut pos, 3), Some("😀c"));
        // U+FFFD is what TextEncoder writes for a lone surrogate.
        assert_eq!(take_utf16(text, &mut pos, 1), None);
        assert_eq!(take_utf16("abc", &mut 1, 5), None);
        assert_eq!(take_utf16("abc", &mut 4, 0), None);
        let mut pos = 0;
        let f = take_fields("keyname中v1x", &mut 3, &[4, 2, 1, 0]).unwrap();
        assert_eq!(f, fields(&[("name", "中v"), ("1", "")]));
        assert_eq!(take_fields("ab", &mut pos, &[1, 2]), None);
    }

    #[test]
    fn parse_query_splits_decodes_and_refuses_bad_utf8() {
        let q = |input, is_url| parse_query(input, is_url).map(|f| f.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>());
        let pairs = |p: &[(&str, &str)]| Some(p.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect::<Vec<_>>());
        assert_eq!(q("?a=1&&b=x+y%20z&c&d=%E4%B8%AD#e=5", false), pairs(&[("a", "1"), ("b", "x y z"), ("c", ""), ("d", "中")]));
        assert_eq!(q("https://x.cn/n?a=%zz&b=%4&c==", true), pairs(&[("a", "%zz"), ("b", "%4"), ("c", "=")]));
        assert_eq!(q("https://x.cn/n", true), pairs(&[]));
        assert_eq!(q("a=%FF", false), None);
        assert_eq!(percent_decode("plain"), Some(Cow::Borrowed("plain")));
    }
}
