//! The fast path of `sign`, `verifyNotify` and `buildSubmitForm`, behind
//! the JS shim `pkg-template/fast.mjs`. Crossing the boundary field by
//! field through wasm-bindgen (`Object.entries`, a string per key and
//! value) costs several times the MD5 itself, so the shim writes all the
//! fields as one UTF-8 text into a buffer here (`TextEncoder.encodeInto`)
//! with their UTF-16 lengths in [`Header::lens`], and calls one raw export;
//! results are left as bytes in [`Header::out`].
//!
//! Every export returns [`SLOW`] for anything it does not take as it comes
//! (an error, a lone surrogate, too many fields): the shim then calls the
//! regular wasm-bindgen export, which gives the result or the exact error.
//! The protocol itself is the core's, shared with the regular exports.

use super::api::notify_from_object;
use crate::core::form::{submit_fields, submit_form};
use crate::core::notify::{parse_notify, verify_notify, Expected, Reason};
use crate::core::params::Params;
use crate::core::url::Gateway;
use std::cell::UnsafeCell;

/// Returned when the regular export must handle the call.
pub const SLOW: u32 = u32::MAX;
/// Most length slots: up to 127 fields plus the call's own extra texts.
const MAX_SEGMENTS: usize = 256;
/// Room for the KEY's UTF-8.
const KEY_CAP: usize = 256;
/// A `verifyNotify` input given as a plain object, not a query string.
const NOTIFY_OBJECT: u32 = 1 << 8;

/// What JS reads and writes, at the address `epay_header` returns. The
/// layout is shared with `pkg-template/fast.mjs`: keep them in step.
#[repr(C)]
pub struct Header {
    /// Address of the input text buffer (moves when it grows).
    text: u32,
    /// Its capacity in bytes.
    text_cap: u32,
    /// Address and length of the last call's output bytes.
    out: u32,
    out_len: u32,
    /// Address and count of the last call's output UTF-16 lengths.
    out_lens: u32,
    out_count: u32,
    /// UTF-16 lengths of the input segments, written by JS.
    lens: [u32; MAX_SEGMENTS],
    /// The KEY's UTF-8, written by JS only when the KEY changes.
    key: [u8; KEY_CAP],
}

struct State {
    header: Header,
    names: epay_kernel::NameCache,
    text: Vec<u8>,
    out: Vec<u8>,
    out_lens: Vec<u32>,
}

struct Shared(UnsafeCell<State>);
// SAFETY: wasm32-unknown-unknown without threads: one thread, and no
// export below calls back into JS while it holds the state.
unsafe impl Sync for Shared {}

static STATE: Shared = Shared(UnsafeCell::new(State {
    header: Header { text: 0, text_cap: 0, out: 0, out_len: 0, out_lens: 0, out_count: 0, lens: [0; MAX_SEGMENTS], key: [0; KEY_CAP] },
    names: epay_kernel::NameCache::new(),
    text: Vec::new(),
    out: Vec::new(),
    out_lens: Vec::new(),
}));

fn state() -> &'static mut State {
    // SAFETY: see `Shared`; each export takes the state once.
    unsafe { &mut *STATE.0.get() }
}

/// The header's address (constant for the life of the instance).
#[no_mangle]
pub extern "C" fn epay_header() -> *const Header {
    &state().header
}

/// Makes the input buffer hold at least `cap` bytes (it may grow memory:
/// JS re-reads `Header::text` and renews its views).
#[no_mangle]
pub extern "C" fn epay_reserve(cap: u32) {
    let s = state();
    s.text.reserve(cap as usize);
    s.header.text = s.text.as_mut_ptr() as u32;
    s.header.text_cap = s.text.capacity() as u32;
}

/// Splits the input text into segments by their UTF-16 lengths.
struct Segments<'t> {
    text: &'t [u8],
    pos: usize,
}

impl<'t> Segments<'t> {
    /// The next segment of `units` UTF-16 code units; `None` when the
    /// lengths do not fit the text, or on a lone surrogate (U+FFFD).
    fn next(&mut self, units: u32) -> Option<&'t str> {
        epay_kernel::take_utf16(self.text, &mut self.pos, units)
    }
}

/// The input text (the first `len` bytes of the buffer, written by JS)
/// and the segment lengths.
fn input(s: &State, len: u32) -> Option<(Segments<'_>, &[u32; MAX_SEGMENTS])> {
    if len as usize > s.text.capacity() {
        return None;
    }
    // SAFETY: within the buffer's allocation, and JS wrote these bytes
    // (any byte is a valid u8; the Vec's own length stays 0).
    let text = unsafe { std::slice::from_raw_parts(s.text.as_ptr(), len as usize) };
    Some((Segments { text, pos: 0 }, &s.header.lens))
}

/// `count` (name, value) pairs from length slot `first` on.
fn pairs<'t>(segments: &mut Segments<'t>, lens: &[u32], first: usize, count: u32) -> Option<Vec<(&'t str, &'t str)>> {
    let slots = lens.get(first..first + 2 * count as usize)?;
    let mut pairs = Vec::with_capacity(count as usize);
    for pair in slots.chunks_exact(2) {
        pairs.push((segments.next(pair[0])?, segments.next(pair[1])?));
    }
    Some(pairs)
}

/// The KEY JS wrote (`len` bytes of ASCII).
fn key(s: &State, len: u32) -> Option<&str> {
    let bytes = s.header.key.get(..len as usize)?;
    std::str::from_utf8(bytes).ok()
}

fn set_out(s: &mut State, bytes: Vec<u8>) {
    s.out = bytes;
    s.header.out = s.out.as_ptr() as u32;
    s.header.out_len = s.out.len() as u32;
}

/// `sign`: `count` fields in slots `0..2 * count`; the signature's 32 hex
/// bytes in `out`.
#[no_mangle]
pub extern "C" fn epay_sign(count: u32, text_len: u32, key_len: u32) -> u32 {
    let s = state();
    let mut out = std::mem::take(&mut s.out);
    let mut names = std::mem::take(&mut s.names);
    let hex = (|| {
        let (segments, lens) = input(s, text_len)?;
        let key = usable_key(s, key_len)?;
        epay_kernel::sign_segments(segments.text, lens.get(..2 * count as usize)?, key, &mut out, &mut names)
    })();
    s.names = names;
    answer_sign(s, out, hex)
}

/// The KEY the shim wrote, if the fast path can sign with it.
fn usable_key(s: &State, key_len: u32) -> Option<&[u8]> {
    let key = s.header.key.get(..key_len as usize)?;
    epay_kernel::is_usable_ascii_key(key).then_some(key)
}

/// Puts the signature (or nothing) in `out`; 0, or `SLOW` to take the
/// regular export.
fn answer_sign(s: &mut State, mut out: Vec<u8>, hex: Option<[u8; epay_kernel::SIGN_LEN]>) -> u32 {
    out.clear();
    if let Some(hex) = &hex {
        out.extend_from_slice(hex);
    }
    set_out(s, out);
    if hex.is_some() { 0 } else { SLOW }
}

/// `sign` when the field names are those of the last successful
/// `epay_sign`, in the same order (the shim checks that): only the values
/// in the text, their lengths in the odd slots. The signature in `out`.
#[no_mangle]
pub extern "C" fn epay_sign_values(count: u32, text_len: u32, key_len: u32) -> u32 {
    let s = state();
    let mut out = std::mem::take(&mut s.out);
    let hex = (|| {
        let (segments, lens) = input(s, text_len)?;
        let key = usable_key(s, key_len)?;
        epay_kernel::sign_values(segments.text, lens.get(..2 * count as usize)?, key, &mut out, &s.names)
    })();
    answer_sign(s, out, hex)
}

/// `buildSubmitForm`: `count` fields, then the gateway; `key_len` is
/// `u32::MAX` without a KEY. The HTML's UTF-8 in `out`.
#[no_mangle]
pub extern "C" fn epay_form(count: u32, text_len: u32, key_len: u32) -> u32 {
    let s = state();
    let html = (|| {
        let (mut segments, lens) = input(s, text_len)?;
        let params = Params::from_pairs(pairs(&mut segments, lens, 0, count)?).ok()?;
        let gateway = Gateway::parse(segments.next(*lens.get(2 * count as usize)?)?).ok()?;
        let key = if key_len == u32::MAX { None } else { Some(key(s, key_len)?) };
        submit_form(&gateway, &submit_fields(params, key).ok()?).ok()
    })();
    let Some(html) = html else { return SLOW };
    set_out(s, html.into_bytes());
    0
}

/// `verifyNotify`: slots 0–2 the expected pid, out_trade_no and money
/// (present when bits 0–2 of `flags` are set), then either the query
/// string (slot 3) or, with `NOTIFY_OBJECT`, `count` fields from slot 3.
/// Returns the reason (0 for none, else [`Reason`] + 1) plus 8 when paid;
/// `out` and `out_lens` hold the received fields, sorted, as UTF-8 and as
/// UTF-16 lengths (name, value, name, value...).
#[no_mangle]
pub extern "C" fn epay_verify(flags: u32, count: u32, text_len: u32, key_len: u32) -> u32 {
    let s = state();
    let mut out = std::mem::take(&mut s.out);
    let mut out_lens = std::mem::take(&mut s.out_lens);
    out.clear();
    out_lens.clear();
    let code = verify_into(s, flags, count, text_len, key_len, &mut out, &mut out_lens);
    set_out(s, out);
    s.out_lens = out_lens;
    s.header.out_lens = s.out_lens.as_ptr() as u32;
    s.header.out_count = s.out_lens.len() as u32;
    code.unwrap_or(SLOW)
}

fn verify_into(s: &State, flags: u32, count: u32, text_len: u32, key_len: u32, out: &mut Vec<u8>, out_lens: &mut Vec<u32>) -> Option<u32> {
    let (mut segments, lens) = input(s, text_len)?;
    let mut expected = [None; 3];
    for (i, slot) in expected.iter_mut().enumerate() {
        let text = segments.next(lens[i])?;
        *slot = (flags & (1 << i) != 0).then_some(text);
    }
    let expected = Expected::new(expected[0], expected[1], expected[2]).ok()?;
    let data = if flags & NOTIFY_OBJECT != 0 {
        notify_from_object(Params::from_pairs(pairs(&mut segments, lens, 3, count)?))
    } else {
        parse_notify(segments.next(lens[3])?)
    };
    let v = verify_notify(data, key(s, key_len)?, &expected).ok()?;
    for (k, v) in v.data.iter() {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
        out_lens.push(k.len() as u32); // names are ASCII
        out_lens.push(utf16_len(v));
    }
    Some(v.reason.map_or(0, |r| reason_code(r) + 1) | if v.paid { 8 } else { 0 })
}

fn utf16_len(text: &str) -> u32 {
    epay_kernel::utf16_len(text) as u32
}

/// The index of `reason` in the shim's `REASONS` table.
fn reason_code(reason: Reason) -> u32 {
    match reason {
        Reason::Malformed => 0,
        Reason::MissingSign => 1,
        Reason::BadSign => 2,
        Reason::PidMismatch => 3,
        Reason::OutTradeNoMismatch => 4,
        Reason::MoneyMismatch => 5,
        Reason::StaleTimestamp => 6, // V2 only: never from V1's fast path
    }
}
